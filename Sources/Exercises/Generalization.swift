import Foundation
import JikochoModel

/// The generalization suite: one incident shape written in every vocabulary a plant may have. A vendor account
/// guesses its way into the remote-access gateway, goes by remote desktop to the engineering workstation and from
/// its engineering tool writes one setpoint of the RTU; the historian, whose clock is off, shows the change. Around
/// it: an operator who changes the same setpoint from the HMI four times before and puts it back after (each change
/// the historian shows bounds its clock), a technician logged on
/// at the workstation's console all along (the decoy), and another contractor's VPN session that ended hours before.
///
/// The same shape is written with every write path (Modbus, DNP3, IEC 104, S7comm, EtherNet/IP-CIP, BACnet/IP,
/// OPC UA), every remote-access product (Cisco ASA, OpenVPN, FortiGate, GlobalProtect, Pulse Connect Secure,
/// strongSwan) and every historian export dialect (PI, AVEVA, Ignition, a long CSV, a wide CSV), each from its own
/// seed; `scenario.yaml` carries the answer key. An investigation that only knows one vocabulary fails here. Each
/// write path's cases turn through its encodings of the write (`WriteForm`), and the `stop` cases tell the same
/// story with a command that stops a pump instead of a setpoint.
public struct GeneralizationCase: Sendable, CustomStringConvertible {
    public enum WritePath: String, CaseIterable, Sendable {
        case modbus, dnp3, iec104, s7, cip, bacnet, opcua
        /// OMRON FINS, added after the suite's other cases were fixed: its cases come last, and the loops over the
        /// first seven (`firstSeven`) do not include it, so that their seeds and contents stay as they were.
        case fins
        /// Mitsubishi's MC protocol (MELSEC), added after FINS: its cases come after FINS's.
        case melsec
        /// IEC 61850 over MMS, the substation RTU's protocol, added after MELSEC: its cases come last.
        case iec61850
        /// HART-IP to a HART multiplexer in the RTU's panel, added after IEC 61850: a field instrument's device
        /// variable put in simulation at a value (command 79), the measured-value cases' write only (a HART device
        /// has no setpoint or pump to stop here). The loops over every write path for setpoints and stops leave it out.
        case hart

        /// The write paths with a setpoint and a command form (every one but HART).
        public static let withSetpoints = allCases.filter { $0 != .hart }

        public static let firstSeven = allCases.filter { $0 != .fins && $0 != .melsec && $0 != .iec61850 && $0 != .hart }

        /// The encodings of a write this path's cases turn through, the first the one its first case uses.
        public var forms: [WriteForm] {
            switch self {
            case .modbus: return [.modbusSingle, .modbusMultiple, .modbusReadWrite, .modbusFloat, .modbusFloatLowFirst]
            case .dnp3: return [.dnp3Direct, .dnp3SelectOperate, .dnp3DirectNoAck]
            case .iec104: return [.iec104Scaled, .iec104Float, .iec104FloatTimeTag, .iec104NormalizedSelect]
            case .s7: return [.s7Word, .s7Real, .s7Marker, .s7TwoItems]
            case .cip: return [.cipWriteTag, .cipMultiple, .cipFragmentedDINT]
            case .bacnet: return [.bacnetWriteProperty, .bacnetNoPriority, .bacnetMultiple]
            case .opcua: return [.opcuaFloat, .opcuaTwoNodesDouble, .opcuaNumeric]
            case .fins: return [.finsWordUDP, .finsTwoWordsTCP]
            case .melsec: return [.melsecBatchWord, .melsecRandomWord4E]
            case .iec61850: return [.mmsOperateFloat, .mmsSelectOperateInt, .mmsSettingWrite]
            case .hart: return [.hartSimulate]
            }
        }

        /// The commands that stop the pump, for the `stop` impact.
        public var commandForms: [WriteForm] {
            switch self {
            case .modbus: return [.modbusCoil, .modbusCoils]
            case .dnp3: return [.dnp3Latch, .dnp3TripClose]
            case .iec104: return [.iec104Single, .iec104Double]
            case .s7: return [.s7Bit]
            case .cip: return [.cipBool]
            case .bacnet: return [.bacnetBinary]
            case .opcua: return [.opcuaBoolean]
            case .fins: return [.finsBit]
            case .melsec: return [.melsecBit]
            case .iec61850: return [.mmsOperateSPC]
            case .hart: return []
            }
        }
    }
    /// `fortigateCEF` and `globalprotectCEF`: the same gateways' records in CEF, as sent to a SIEM (FortiGate's
    /// `set format cef` behind a syslog header; PAN-OS's published GlobalProtect CEF format as a SIEM exports it,
    /// with no syslog header, placed by its own `rt`). `checkpoint`: a Check Point gateway's Remote Access VPN
    /// records as its Log Exporter sends them. `yamaha`: a YAMAHA RTX router's L2TP/IPsec remote access, one
    /// connection over several lines (the tunnel's client address, the call's user, the link's tunnel address), the
    /// guesses calls whose link never came up.
    public enum RemoteAccess: String, CaseIterable, Sendable {
        case asa, openvpn, fortigate, globalprotect, pulse, citrix, strongswan
        case fortigateCEF = "fortigate-cef", globalprotectCEF = "globalprotect-cef", checkpoint
        case yamaha
        /// F5 BIG-IP APM: one access session over several lines sharing its id (the client's address, the user, the
        /// policy's result, the tunnel address), a guess an AD refusal followed by the policy's deny.
        case f5
        /// SoftEther VPN Server (the Japanese open-source VPN many small sites run): its server log, a connection's
        /// client and user on its first line, its session and the session's SecureNAT address on later ones.
        case softether

        /// Run with one historian dialect per write path, not all five (the historian's reading does not depend on
        /// the gateway): the products and encodings added after the first seven.
        var oncePerWritePath: Bool { self == .fortigateCEF || self == .globalprotectCEF || self == .checkpoint }
        /// Added after the suite's other cases were fixed: its cases come last, and the other cases' turning through
        /// the gateways does not include it (their seeds and contents stay as they were).
        var appended: Bool { self == .yamaha || self == .f5 || self == .softether }
        /// The products the cases before F5's turn through (their seeds and contents stay as they were).
        static let established = allCases.filter { $0 != .f5 && $0 != .softether }
    }
    public enum HistorianFormat: String, CaseIterable, Sendable {
        case pi, aveva, ignition, long, wide
        /// A Japanese HMI logger's CSV: Shift_JIS, the date and the time of day in columns of their own (日付, 時刻),
        /// Japanese tag names with their units in full-width brackets, no zone written.
        case japanese
        /// An Excel workbook, as a historian's spreadsheet add-in or an HMI saves one: a title and the interval above
        /// the header, times as Excel date-time cells, the tag and the dose flow in columns, a second sheet of export
        /// notes that is no export. Added after the others: its cases come last.
        case xlsx
        /// A Siemens WinCC data log (an HMI panel's or WinCC Runtime Advanced's CSV): `VarName;TimeString;VarValue;
        /// Validity;Time_ms` in a German runtime's locale (day first, decimal commas), quoted names, the runtime's
        /// `$RT_OFF$` marker where the log segment begins and ends, no zone written. Added after the others.
        case wincc

        /// The file the export is written to, under `historian/`.
        var fileName: String { "historian-1-export." + (self == .xlsx ? "xlsx" : "csv") }

        /// The dialects every write path and gateway meets (the Japanese export has cases of its own).
        public static let dialects: [HistorianFormat] = [.pi, .aveva, .ignition, .long, .wide]
    }

    /// How the write is put on the wire: each protocol's requests that set a value, in the encodings a plant's tools
    /// use (one register or a block of them; select-before-operate or direct; scaled, normalized or floating-point
    /// setpoints with or without a time tag; an S7 word, a REAL or a marker among other items; a Logix tag written
    /// alone, inside a Multiple Service Packet or in fragments; a BACnet property with or without a priority, or
    /// several objects at once; an OPC UA node by name or number among other nodes). The cases of a write path turn
    /// through its forms, so every form meets several gateways and historian dialects.
    public enum WriteForm: String, CaseIterable, Sendable {
        case modbusSingle = "fc6", modbusMultiple = "fc16", modbusReadWrite = "fc23"
        /// Modbus RTU frames over TCP (an RTU on a serial link behind a device server's port 4001): no MBAP header,
        /// a CRC; the setpoint by function 6, the pump's coil by function 5.
        case modbusRTUSingle = "rtu-over-tcp-fc6", modbusRTUCoil = "rtu-over-tcp-fc5"
        /// Modbus over UDP: the setpoint by function 6 in Modbus/UDP (an MBAP frame a datagram, port 502); the pump's
        /// coil by function 5 in an RTU frame to a device server's UDP port 4001. Added after the MELSEC ASCII cases.
        case modbusUDPSingle = "udp-fc6", modbusRTUUDPCoil = "rtu-over-udp-fc5"
        case modbusFloat = "fc16-float32", modbusFloatLowFirst = "fc16-float32-low-first"
        case dnp3Direct = "direct-operate-g41v2", dnp3SelectOperate = "select-operate-g41v1"
        case dnp3DirectNoAck = "direct-operate-nr-g41v3"
        case iec104Scaled = "c-se-nb", iec104Float = "c-se-nc", iec104FloatTimeTag = "c-se-tc"
        case iec104NormalizedSelect = "c-se-na-select-execute"
        case s7Word = "dbw", s7Real = "dbd-real", s7Marker = "mw", s7TwoItems = "two-items"
        case cipWriteTag = "write-tag", cipMultiple = "multiple-service-packet", cipFragmentedDINT = "write-tag-fragmented-dint"
        case bacnetWriteProperty = "write-property", bacnetNoPriority = "write-property-no-priority"
        case bacnetMultiple = "write-property-multiple"
        case opcuaFloat = "write-float", opcuaTwoNodesDouble = "write-two-nodes-double", opcuaNumeric = "write-numeric-node"
        // Commands that stop a pump (the `stop` impact): a coil, a CROB, a single or double command, a bit, a BOOL
        // tag, a binary output, a Boolean node.
        case modbusCoil = "fc5-coil", modbusCoils = "fc15-coils"
        case dnp3Latch = "crob-latch-direct-operate", dnp3TripClose = "crob-trip-close-select-operate"
        case iec104Single = "c-sc-na", iec104Double = "c-dc-na-select-execute"
        case s7Bit = "dbx-bit"
        case cipBool = "write-tag-bool"
        case bacnetBinary = "write-property-binary-output"
        case opcuaBoolean = "write-boolean"
        /// OMRON FINS: DM word D100 by memory area write over UDP; D100 and D101 together over FINS/TCP after its node
        /// address handshake; the pump's run bit CIO100.00.
        case finsWordUDP = "memory-area-write-udp", finsTwoWordsTCP = "memory-area-write-tcp-two-words"
        case finsBit = "memory-area-write-bit"
        /// MELSEC: D100 by a batch write in word units (3E frame, TCP); by a random write of D100 and D200 (4E frame,
        /// UDP); the pump's run relay M100 by a batch write in bit units.
        case melsecBatchWord = "batch-write-word-3e", melsecRandomWord4E = "random-write-4e-udp"
        case melsecBit = "batch-write-bit"
        /// MELSEC in ASCII frames (as older HMIs and SCADA drivers set the Ethernet module): D100 by a batch write in
        /// word units, the pump's M100 in bit units. Added after the IEC 61850 cases, not among the path's turning forms.
        case melsecASCIIWord = "batch-write-word-3e-ascii", melsecASCIIBit = "batch-write-bit-ascii"
        /// IEC 61850 over MMS: the dose setpoint's controllable analogue output `GGIO1.AnOut1` operated with a float
        /// (`$CO$AnOut1$Oper`), or selected with its value then operated with an integer of hundredths (SBOw, Oper);
        /// the setpoint as a setting (`GGIO1$SP$DoseSP$setMag$f`, functional constraint SP); the pump's single point
        /// control `GGIO1.SPCSO1` operated off.
        case mmsOperateFloat = "apc-operate-float", mmsSelectOperateInt = "apc-select-operate-int"
        case mmsSettingWrite = "setting-write-sp", mmsOperateSPC = "spc-operate"
        /// HART command 79 over HART-IP/UDP: device variable 0 (the primary variable) fixed at the value.
        case hartSimulate = "cmd79-simulate-udp"
    }

    /// What the intruder changes: a setpoint (the dose to 95), or a command that stops a pump (its run state 1 → 0,
    /// a `process.state_change`).
    /// What the intruder's write does: changes a setpoint, stops a pump, or holds a measured value (the chlorine
    /// residual the operators watch) at a value of its own, as an instrument put in simulation or a forced input does:
    /// the historian records the written value, frozen, instead of the process.
    public enum Impact: String, CaseIterable, Sendable { case setpoint, stop, measurement }

    public var write: WritePath
    public var access: RemoteAccess
    public var historian: HistorianFormat
    public var form: WriteForm
    public var impact: Impact
    /// How the vendor reaches the workstation's screen: from the tunnel by remote desktop (a Windows logon of their
    /// own) or VNC (the console's session, which Windows records no logon for: only the capture shows it; an
    /// operator's later VNC look from the HMI, closed before the write, is the decoy of that hop); or from the
    /// internet by TeamViewer or AnyDesk, no VPN at all (the Oldsmar shape: only the tool's connection list on the
    /// workstation shows it; its decoys are a colleague's TeamViewer session that ended before the write, and an
    /// AnyDesk connection refused at the console after the vendor's). Or by SSH from the tunnel to a Linux
    /// workstation: only its auth.log shows whose session it was (a technician logged on at its console is the
    /// competing explanation; an operator's SSH look from the HMI, closed before the write, the decoy). Or from the
    /// internet through the site's Remote Desktop Gateway, no VPN: the gateway's own log names the vendor, the address
    /// and the workstation; the workstation's logon comes from the gateway's inside address (decoys: an engineer's
    /// gateway session to the HMI, open at the write, and a contractor's to the workstation that ended before).
    public var hop: Hop = .rdp
    /// The RTU sits behind a serial gateway with a second RTU at the same address (Modbus unit 2 beside unit 1,
    /// DNP3 outstation 11 beside 10, IEC 104 common address 2 beside 1), which the HMI writes to as well: the
    /// inventory tells them apart by `station:` and maps the same point of each to a tag of its own.
    public var gateway = false
    /// The historian's export lists its rows newest first (a historian client's query ordered by time descending, an
    /// HMI's trend export): the reader must turn it round before it can find the change and the clock.
    public var newestFirst = false
    /// The negative control: the same site, sessions and decoys, but the change is written from HMI-1, where the
    /// operator op.suzuki is logged on at the console, while the vendor's remote session on EWS-1 writes nothing.
    /// The right answer is no cyber cause; a chain to the vendor would put the blame in the wrong place.
    public var innocent = false
    /// The capture reached the investigator through the plant's monitoring, every packet in this encapsulation
    /// (`Encapsulations.framePaths`: a switch's ERSPAN mirror, a cloud's VXLAN traffic mirror, an MPLS pseudowire …);
    /// nil: from a bare SPAN port.
    public var mirror: String?
    public var seed: UInt64

    public enum Hop: String, CaseIterable, Sendable {
        case rdp, vnc, teamviewer, anydesk, ssh, rdgateway

        /// The vendor comes through a remote-control tool's servers, not the site's VPN.
        public var isTool: Bool { self == .teamviewer || self == .anydesk }
        /// The vendor comes through the site's VPN.
        public var viaVPN: Bool { !isTool && self != .rdgateway }
    }

    public init(write: WritePath, access: RemoteAccess, historian: HistorianFormat, form: WriteForm? = nil,
                impact: Impact = .setpoint, seed: UInt64) {
        self.write = write
        self.access = access
        self.historian = historian
        self.impact = impact
        self.form = form ?? (impact == .stop ? write.commandForms[0] : write.forms[0])
        self.seed = seed
    }

    public var name: String {
        "\(write.rawValue)-\(access.rawValue)-\(historian.rawValue)" + (impact == .setpoint ? "" : "-\(impact.rawValue)") + (hop == .rdp ? "" : "-\(hop.rawValue)")
            + (form == .modbusRTUSingle || form == .modbusRTUCoil ? "-rtu" : "")
            + (form == .modbusUDPSingle ? "-udp" : form == .modbusRTUUDPCoil ? "-rtu-udp" : "") + (gateway ? "-gateway" : "")
            + (newestFirst ? "-newest-first" : "") + (innocent ? "-operator" : "") + (mirror.map { "-via-\($0)" } ?? "")
    }
    public var description: String { "\(name) (\(form.rawValue))" }

    /// Every combination, each with its own seed; the cases of a write path turn through its forms.
    public static var all: [GeneralizationCase] {
        var out: [GeneralizationCase] = []
        var made = [WritePath: Int]()
        func add(_ w: WritePath, _ a: RemoteAccess, _ h: HistorianFormat) {
            let k = made[w, default: 0]
            made[w] = k + 1
            out.append(GeneralizationCase(write: w, access: a, historian: h, form: w.forms[k % w.forms.count],
                                          seed: 20_240_312 &+ UInt64(out.count) &* 7919))
        }
        for w in WritePath.firstSeven {
            for a in RemoteAccess.allCases where !a.oncePerWritePath && !a.appended {
                for h in HistorianFormat.dialects { add(w, a, h) }
            }
        }
        // The CEF encodings and Check Point, each write path once, the historian dialect turning with it.
        for (i, w) in WritePath.firstSeven.enumerated() {
            for (k, a) in RemoteAccess.allCases.filter(\.oncePerWritePath).enumerated() {
                add(w, a, HistorianFormat.dialects[(i + 2 * k) % HistorianFormat.dialects.count])
            }
        }
        // A pump stopped by a command: every write path's commands, each with two gateways and historian dialects
        // turning through the rest.
        let gateways = RemoteAccess.allCases.filter { !$0.appended }
        var n = 0
        for w in WritePath.firstSeven {
            for f in w.commandForms {
                for _ in 0..<2 {
                    out.append(GeneralizationCase(write: w, access: gateways[(n * 3) % gateways.count],
                                                  historian: HistorianFormat.dialects[n % HistorianFormat.dialects.count],
                                                  form: f, impact: .stop, seed: 20_240_312 &+ UInt64(out.count) &* 7919))
                    n += 1
                }
            }
        }
        /// Each write path once by `hop`, a stop where `stops` says and a setpoint elsewhere; the gateway, the historian
        /// dialect and the form turning with the write path's place `i`.
        func eachWritePath(_ hop: Hop, access: (Int) -> Int, historian: (Int) -> HistorianFormat, stops: (Int) -> Bool,
                           form: (Int, WritePath, Bool) -> WriteForm?) {
            for (i, w) in WritePath.firstSeven.enumerated() {
                let stop = stops(i)
                var x = GeneralizationCase(write: w, access: gateways[access(i) % gateways.count], historian: historian(i),
                                           form: form(i, w, stop), impact: stop ? .stop : .setpoint,
                                           seed: 20_240_312 &+ UInt64(out.count) &* 7919)
                x.hop = hop
                out.append(x)
            }
        }
        func dialect(_ k: Int) -> HistorianFormat { HistorianFormat.dialects[k % HistorianFormat.dialects.count] }
        // VNC from the tunnel instead of remote desktop.
        eachWritePath(.vnc, access: { $0 * 2 + 1 }, historian: { dialect($0 + 3) }, stops: { $0 % 2 == 1 },
                      form: { _, w, stop in stop ? w.commandForms.last : w.forms.last })
        // A Japanese HMI logger's export.
        eachWritePath(.rdp, access: { $0 * 4 + 2 }, historian: { _ in .japanese }, stops: { $0 % 2 == 1 },
                      form: { i, w, stop in stop ? w.commandForms[0] : w.forms[(i + 1) % w.forms.count] })
        // Modbus RTU over TCP (an RTU behind a serial device server): a setpoint and a stop, each with two gateways.
        for (k, f) in [WriteForm.modbusRTUSingle, .modbusRTUSingle, .modbusRTUCoil, .modbusRTUCoil].enumerated() {
            out.append(GeneralizationCase(write: .modbus, access: gateways[(k * 2 + 3) % gateways.count],
                                          historian: HistorianFormat.dialects[(k + 1) % HistorianFormat.dialects.count],
                                          form: f, impact: f == .modbusRTUCoil ? .stop : .setpoint,
                                          seed: 20_240_312 &+ UInt64(out.count) &* 7919))
        }
        // TeamViewer and AnyDesk from the internet: each write path with each tool, a setpoint or a stop in turn (the
        // gateway's log holds only a contractor's earlier session).
        for (i, w) in WritePath.firstSeven.enumerated() {
            for (k, tool) in [Hop.teamviewer, .anydesk].enumerated() {
                let stop = (i + k) % 2 == 1
                var x = GeneralizationCase(write: w, access: gateways[(i * 3 + k * 5) % gateways.count],
                                           historian: HistorianFormat.dialects[(i + k) % HistorianFormat.dialects.count],
                                           form: stop ? w.commandForms[k % w.commandForms.count] : w.forms[(i + k) % w.forms.count],
                                           impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
                x.hop = tool
                out.append(x)
            }
        }
        // SSH from the tunnel to a Linux workstation, the auth.log in rsyslog's RFC 3339 form and in the traditional
        // one (no year) in turn.
        eachWritePath(.ssh, access: { $0 * 3 + 4 }, historian: { dialect($0 + 2) }, stops: { $0 % 2 == 1 },
                      form: { i, w, stop in stop ? w.commandForms[(i / 2) % w.commandForms.count] : w.forms[(i + 2) % w.forms.count] })
        // Two RTUs behind one serial gateway, told apart by station: Modbus (TCP and RTU framing), DNP3 and IEC 104,
        // a setpoint and a stop each.
        let stations: [(WritePath, WriteForm)] = [(.modbus, .modbusSingle), (.modbus, .modbusRTUCoil), (.modbus, .modbusRTUSingle),
                                                  (.modbus, .modbusCoil), (.dnp3, .dnp3Direct), (.dnp3, .dnp3TripClose),
                                                  (.iec104, .iec104Scaled), (.iec104, .iec104Double)]
        for (i, (w, f)) in stations.enumerated() {
            let stop = f == .modbusRTUCoil || w.commandForms.contains(f)
            var x = GeneralizationCase(write: w, access: gateways[(i * 3 + 1) % gateways.count],
                                       historian: HistorianFormat.dialects[(i + 1) % HistorianFormat.dialects.count],
                                       form: f, impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.gateway = true
            out.append(x)
        }
        // Through the site's Remote Desktop Gateway from the internet (the VPN's log holds only a contractor's earlier
        // session).
        eachWritePath(.rdgateway, access: { $0 * 3 + 2 }, historian: { dialect($0 + 3) }, stops: { $0 % 2 == 0 },
                      form: { i, w, stop in stop ? w.commandForms[(i + 1) % w.commandForms.count] : w.forms[(i + 3) % w.forms.count] })
        // Two CPUs in one S7-400 rack behind one CP, two ControlLogix controllers in one chassis behind one Ethernet
        // module: told apart by the rack slot the connection request names, and by the Unconnected Send's route.
        for (i, (w, f)) in [(WritePath.s7, WriteForm.s7Word), (.s7, .s7Bit), (.cip, .cipWriteTag), (.cip, .cipBool)].enumerated() {
            var x = GeneralizationCase(write: w, access: gateways[(i * 3 + 5) % gateways.count], historian: dialect(i + 2),
                                       form: f, impact: w.commandForms.contains(f) ? .stop : .setpoint,
                                       seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.gateway = true
            out.append(x)
        }
        // A YAMAHA RTX router as the gateway (the remote access of many small Japanese sites): each write path once,
        // a setpoint or a stop in turn, the historian the Japanese HMI logger's export and the other dialects in turn.
        for (i, w) in WritePath.firstSeven.enumerated() {
            let stop = i % 2 == 1
            out.append(GeneralizationCase(write: w, access: .yamaha, historian: i % 2 == 0 ? .japanese : dialect(i),
                                          form: stop ? w.commandForms[i / 2 % w.commandForms.count] : w.forms[(i + 1) % w.forms.count],
                                          impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919))
        }
        // Two MS/TP controllers behind one BACnet/IP router, told apart by the device the NPDU names: a setpoint and
        // a stop.
        for (i, f) in [WriteForm.bacnetWriteProperty, .bacnetBinary].enumerated() {
            var x = GeneralizationCase(write: .bacnet, access: gateways[(i * 3 + 2) % gateways.count], historian: dialect(i + 4),
                                       form: f, impact: f == .bacnetBinary ? .stop : .setpoint,
                                       seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.gateway = true
            out.append(x)
        }
        /// A write path added after the rest: each of its forms twice, then each command form twice, the gateway,
        /// the historian dialect and the hop turning with the case's place `i`.
        func eachFormTwice(_ w: WritePath, access: (Int) -> RemoteAccess, historian: (Int) -> HistorianFormat,
                           hop: (Int) -> Hop) {
            for (i, f) in (w.forms + w.forms + w.commandForms + w.commandForms).enumerated() {
                let stop = w.commandForms.contains(f)
                var x = GeneralizationCase(write: w, access: access(i), historian: historian(i), form: f,
                                           impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
                x.hop = hop(i)
                out.append(x)
            }
        }
        // OMRON FINS, historian dialects (the Japanese logger's among them) turning; one case by VNC.
        eachFormTwice(.fins, access: { gateways[($0 * 3 + 1) % gateways.count] },
                      historian: { $0 % 3 == 0 ? .japanese : dialect($0) }, hop: { $0 == 5 ? .vnc : .rdp })
        // MELSEC, the Japanese logger's export in every other case; one case by SSH.
        eachFormTwice(.melsec, access: { RemoteAccess.established[($0 * 5 + 2) % RemoteAccess.established.count] },
                      historian: { $0 % 2 == 0 ? .japanese : dialect($0 + 1) }, hop: { $0 == 4 ? .ssh : .rdp })
        // The historian's export as an Excel workbook: five write paths, each with another gateway, setpoints and
        // stops in turn, one case by VNC.
        for (i, w) in [WritePath.modbus, .dnp3, .s7, .opcua, .melsec].enumerated() {
            let stop = i % 2 == 1
            var x = GeneralizationCase(write: w, access: RemoteAccess.established[(i * 4 + 1) % RemoteAccess.established.count],
                                       historian: .xlsx,
                                       form: stop ? w.commandForms[i / 2 % w.commandForms.count] : w.forms[i % w.forms.count],
                                       impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            if i == 2 { x.hop = .vnc }
            out.append(x)
        }
        // IEC 61850 over MMS: each form twice and the pump's control twice, gateways and historian dialects (the
        // workbook among them) turning, one case by VNC.
        eachFormTwice(.iec61850, access: { RemoteAccess.established[($0 * 3 + 4) % RemoteAccess.established.count] },
                      historian: { $0 % 4 == 3 ? .xlsx : $0 % 4 == 1 ? .japanese : dialect($0 + 2) },
                      hop: { $0 == 6 ? .vnc : .rdp })
        // MELSEC in ASCII frames: the setpoint, and the pump stopped, behind two more gateways.
        for (i, f) in [WriteForm.melsecASCIIWord, .melsecASCIIBit].enumerated() {
            out.append(GeneralizationCase(write: .melsec, access: RemoteAccess.established[(i * 5 + 3) % RemoteAccess.established.count],
                                          historian: i == 0 ? .japanese : .xlsx, form: f,
                                          impact: f == .melsecASCIIBit ? .stop : .setpoint,
                                          seed: 20_240_312 &+ UInt64(out.count) &* 7919))
        }
        // The historian's export newest first, in each of its formats: seven write paths, gateways turning, the
        // setpoint and the pump's stop in turn.
        let formats: [HistorianFormat] = HistorianFormat.dialects + [.japanese, .xlsx]
        for (i, h) in formats.enumerated() {
            let w = [WritePath.dnp3, .iec104, .s7, .cip, .bacnet, .opcua, .modbus][i]
            let stop = i % 3 == 2
            var x = GeneralizationCase(write: w, access: RemoteAccess.established[(i * 5 + 2) % RemoteAccess.established.count],
                                       historian: h, form: stop ? w.commandForms[0] : w.forms[i % w.forms.count],
                                       impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.newestFirst = true
            out.append(x)
        }
        // A Siemens WinCC data log as the historian: eight write paths, gateways turning, setpoints and stops, one
        // case newest first.
        for (i, w) in [WritePath.s7, .modbus, .dnp3, .iec104, .cip, .opcua, .bacnet, .iec61850].enumerated() {
            let stop = i % 3 == 1
            var x = GeneralizationCase(write: w, access: RemoteAccess.established[(i * 3 + 5) % RemoteAccess.established.count],
                                       historian: .wincc, form: stop ? w.commandForms[0] : w.forms[(i / 2) % w.forms.count],
                                       impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.newestFirst = i == 5
            out.append(x)
        }
        // Modbus over UDP: the setpoint in Modbus/UDP and the pump's coil in an RTU frame to a device server's UDP
        // port, each with two gateways and historian formats.
        for (k, f) in [WriteForm.modbusUDPSingle, .modbusUDPSingle, .modbusRTUUDPCoil, .modbusRTUUDPCoil].enumerated() {
            out.append(GeneralizationCase(write: .modbus, access: RemoteAccess.established[(k * 4 + 6) % RemoteAccess.established.count],
                                          historian: [HistorianFormat.wide, .wincc, .pi, .xlsx][k], form: f,
                                          impact: f == .modbusRTUUDPCoil ? .stop : .setpoint,
                                          seed: 20_240_312 &+ UInt64(out.count) &* 7919))
        }
        // The negative controls: the change written from the HMI's console while the vendor's remote session is open
        // on EWS-1 and writes nothing; every write path, gateways and historian formats turning, setpoints and stops.
        for (i, w) in WritePath.withSetpoints.enumerated() {
            let stop = i % 2 == 1
            var x = GeneralizationCase(write: w, access: RemoteAccess.established[(i * 5 + 1) % RemoteAccess.established.count],
                                       historian: (HistorianFormat.dialects + [.japanese, .xlsx, .wincc])[i % 8],
                                       form: stop ? w.commandForms[0] : w.forms[i % w.forms.count],
                                       impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.innocent = true
            out.append(x)
        }
        // A measured value held (added after the cases above, which are generated as before): the chlorine residual
        // reading written and frozen at 1.20 mg/L (an instrument put in simulation, an input forced) by every write
        // path's analog forms, gateways, historian formats and hops turning; then the same written from the HMI's
        // console (a technician's simulation during calibration: no cyber cause).
        let readings = HistorianFormat.dialects + [.japanese, .xlsx, .wincc]
        for (i, w) in WritePath.allCases.enumerated() {
            var x = GeneralizationCase(write: w, access: RemoteAccess.established[(i * 3 + 2) % RemoteAccess.established.count],
                                       historian: readings[(i * 3) % readings.count], form: w.forms[(i + 1) % w.forms.count],
                                       impact: .measurement, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.hop = [Hop.rdp, .rdp, .vnc, .ssh, .teamviewer][i % 5]
            out.append(x)
        }
        for (i, w) in [WritePath.modbus, .opcua, .hart].enumerated() {
            var x = GeneralizationCase(write: w, access: RemoteAccess.established[(i * 7 + 3) % RemoteAccess.established.count],
                                       historian: readings[(i * 5 + 1) % readings.count], form: w.forms[0],
                                       impact: .measurement, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.innocent = true
            out.append(x)
        }
        // The capture through the plant's monitoring (added after the cases above, which are generated as before):
        // each write path once, every packet through one mirror or tunnel, the gateways, historian formats and hops
        // turning, setpoints and stops.
        let mirrors = ["erspan-ii", "vxlan", "mpls-pseudowire", "erspan-iii", "geneve", "gre-ethernet", "erspan-i", "qinq"]
        for (i, w) in WritePath.withSetpoints.enumerated() {
            let stop = i % 3 == 2
            var x = GeneralizationCase(write: w, access: RemoteAccess.established[(i * 4 + 1) % RemoteAccess.established.count],
                                       historian: readings[(i * 2 + 1) % readings.count],
                                       form: stop ? w.commandForms[0] : w.forms[i % w.forms.count],
                                       impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
            x.hop = [Hop.rdp, .vnc, .rdp, .ssh][i % 4]
            x.mirror = mirrors[i % mirrors.count]
            out.append(x)
        }
        /// A gateway added after the rest: each write path once, setpoints and stops in turn (stops where the case's
        /// place has `stops` parity), historian formats and hops turning.
        func eachWritePath(through a: RemoteAccess, stops: Int, historian: (Int) -> Int, formShift: Int, hops: [Hop]) {
            for (i, w) in WritePath.withSetpoints.enumerated() {
                let stop = i % 2 == stops
                var x = GeneralizationCase(write: w, access: a, historian: readings[historian(i) % readings.count],
                                           form: stop ? w.commandForms[i / 2 % w.commandForms.count] : w.forms[(i + formShift) % w.forms.count],
                                           impact: stop ? .stop : .setpoint, seed: 20_240_312 &+ UInt64(out.count) &* 7919)
                x.hop = hops[i % hops.count]
                out.append(x)
            }
        }
        // F5 BIG-IP APM as the gateway (added after the cases above, which are generated as before).
        eachWritePath(through: .f5, stops: 1, historian: { $0 * 3 + 2 }, formShift: 2, hops: [.rdp, .rdp, .vnc, .ssh])
        // SoftEther VPN Server as the gateway: stops and setpoints the other way round from F5's.
        eachWritePath(through: .softether, stops: 0, historian: { $0 * 5 + 1 }, formShift: 1, hops: [.vnc, .rdp, .ssh, .rdp])
        return out
    }

    /// What the investigation must find.
    public struct Truth: Sendable {
        /// Seconds to add to the historian's recorded times.
        public var historianOffset: Double
        public var vpnUser: String
        public var outsideIP: String
        public var tunnelIP: String
        public var attackWrite: Int64
        public var point: String
        public var writeKind: String
        public var vpnKind: String
        /// The vendor's TeamViewer or AnyDesk ID (the tool hops).
        public var toolPartner: String? = nil
    }

    // MARK: The site

    static let ews = NetHost("10.1.2.10", mac: [0x00, 0x15, 0x5d, 0x01, 0x02, 0x10])
    static let hmi = NetHost("10.1.2.20", mac: [0x00, 0x15, 0x5d, 0x01, 0x02, 0x20])
    static let rtu = NetHost("10.1.3.20", mac: [0x00, 0x80, 0xf4, 0x01, 0x03, 0x20])
    static let gatewayInside = "10.1.0.1"
    /// Midnight UTC of the incident's day (12 March 2024).
    static let day: Int64 = 1_710_201_600

    /// The kind of the event that changes the setpoint (for select-before-operate, the OPERATE).
    var kindOfWrite: String {
        switch form {
        case .modbusSingle, .modbusMultiple, .modbusReadWrite, .modbusFloat, .modbusFloatLowFirst, .modbusRTUSingle,
             .modbusUDPSingle:
            return "ics.modbus.write"
        case .dnp3Direct: return "ics.dnp3.direct_operate"
        case .dnp3SelectOperate: return "ics.dnp3.operate"
        case .dnp3DirectNoAck: return "ics.dnp3.direct_operate_nr"
        case .iec104Scaled, .iec104Float, .iec104FloatTimeTag, .iec104NormalizedSelect: return "ics.iec104.setpoint_command"
        case .s7Word, .s7Real, .s7Marker, .s7TwoItems: return "ics.s7.write"
        case .cipWriteTag: return "ics.cip.write_tag"
        case .cipMultiple: return "ics.cip.write_tag"
        case .cipFragmentedDINT: return "ics.cip.write_tag_fragmented"
        case .bacnetWriteProperty, .bacnetNoPriority: return "ics.bacnet.write_property"
        case .bacnetMultiple: return "ics.bacnet.write_property_multiple"
        case .opcuaFloat, .opcuaTwoNodesDouble, .opcuaNumeric: return "ics.opcua.write"
        case .modbusCoil, .modbusCoils, .modbusRTUCoil, .modbusRTUUDPCoil: return "ics.modbus.write"
        case .dnp3Latch: return "ics.dnp3.direct_operate"
        case .dnp3TripClose: return "ics.dnp3.operate"
        case .iec104Single: return "ics.iec104.single_command"
        case .iec104Double: return "ics.iec104.double_command"
        case .s7Bit: return "ics.s7.write"
        case .cipBool: return "ics.cip.write_tag"
        case .bacnetBinary: return "ics.bacnet.write_property"
        case .opcuaBoolean: return "ics.opcua.write"
        case .finsWordUDP, .finsTwoWordsTCP, .finsBit: return "ics.fins.memory_area_write"
        case .melsecBatchWord, .melsecBit, .melsecASCIIWord, .melsecASCIIBit: return "ics.melsec.batch_write"
        case .melsecRandomWord4E: return "ics.melsec.random_write"
        case .mmsOperateFloat, .mmsSelectOperateInt, .mmsOperateSPC: return "ics.mms.operate"
        case .mmsSettingWrite: return "ics.mms.write"
        case .hartSimulate: return "ics.hart.write_device_variable"
        }
    }

    /// The point written and how the historian scales it: integers hold hundredths (a normalized IEC 104 value
    /// hundredths of its full scale), reals the value itself.
    var point: (text: String, scale: Double, integral: Bool) {
        switch form {
        case .modbusSingle, .modbusMultiple, .modbusReadWrite, .modbusRTUSingle, .modbusUDPSingle:
            return ("holding:40005", 0.01, true)
        case .modbusFloat, .modbusFloatLowFirst: return ("holding:40005", 1, false)
        case .dnp3Direct, .dnp3SelectOperate: return ("dnp3:ao:3", 0.01, true)
        case .dnp3DirectNoAck: return ("dnp3:ao:3", 1, false)
        case .iec104Scaled: return ("iec104:ioa:4005", 0.01, true)
        case .iec104Float, .iec104FloatTimeTag: return ("iec104:ioa:4005", 1, false)
        case .iec104NormalizedSelect: return ("iec104:ioa:4005", 100, false)
        case .s7Word, .s7TwoItems: return ("s7:DB1.DBW4", 0.01, true)
        case .s7Real: return ("s7:DB1.DBD8", 1, false)
        case .s7Marker: return ("s7:MW10", 0.01, true)
        case .cipWriteTag, .cipMultiple: return ("cip:Dose_SP", 1, false)
        case .cipFragmentedDINT: return ("cip:Dose_SP", 0.01, true)
        case .bacnetWriteProperty, .bacnetNoPriority, .bacnetMultiple: return ("bacnet:analog-value:3", 1, false)
        case .opcuaFloat, .opcuaTwoNodesDouble: return ("opcua:ns=2;s=Dose.SP", 1, false)
        case .opcuaNumeric: return ("opcua:ns=2;i=1005", 1, false)
        case .modbusCoil, .modbusCoils, .modbusRTUCoil, .modbusRTUUDPCoil: return ("coil:00005", 1, true)
        case .dnp3Latch, .dnp3TripClose: return ("dnp3:bo:3", 1, true)
        case .iec104Single, .iec104Double: return ("iec104:ioa:5005", 1, true)
        case .s7Bit: return ("s7:DB1.DBX4.0", 1, true)
        case .cipBool: return ("cip:Pump1_Run_Cmd", 1, true)
        case .bacnetBinary: return ("bacnet:binary-output:3", 1, true)
        case .opcuaBoolean: return ("opcua:ns=2;s=Pump1.Run", 1, true)
        case .finsWordUDP, .finsTwoWordsTCP: return ("fins:D100", 0.01, true)
        case .finsBit: return ("fins:CIO100.00", 1, true)
        case .melsecBatchWord, .melsecRandomWord4E, .melsecASCIIWord: return ("melsec:D100", 0.01, true)
        case .melsecBit, .melsecASCIIBit: return ("melsec:M100", 1, true)
        case .mmsOperateFloat: return ("iec61850:RTU1LD0/GGIO1.AnOut1", 1, false)
        case .mmsSelectOperateInt: return ("iec61850:RTU1LD0/GGIO1.AnOut1", 0.01, true)
        case .mmsSettingWrite: return ("iec61850:RTU1LD0/GGIO1.DoseSP.setMag.f[SP]", 1, false)
        case .mmsOperateSPC: return ("iec61850:RTU1LD0/GGIO1.SPCSO1", 1, true)
        case .hartSimulate: return ("hart:dv:0", 1, false)
        }
    }

    /// What the write did, as the keys say it.
    var effect: String {
        switch impact {
        case .setpoint: return "wrote 95 to RTU-1's dosing setpoint"
        case .stop: return "stopped RTU-1's pump 1"
        case .measurement: return "held RTU-1's chlorine residual reading at \(String(format: "%.2f", Self.heldReading)) mg/L"
        }
    }

    /// The process event the write makes: a setpoint change, a pump's state change, a measured value frozen.
    var impactKind: String {
        switch impact {
        case .setpoint: return "process.setpoint_change"
        case .stop: return "process.state_change"
        case .measurement: return "process.flatline"
        }
    }

    /// The value the intruder holds the measured reading at (mg/L), which the process never shows on its own.
    static let heldReading = 1.20

    var tag: String {
        if historian == .japanese { return impact == .stop ? "ポンプ1運転" : impact == .measurement ? "残留塩素" : "薬注設定値" }
        let name = impact == .stop ? "Pump1_Run" : impact == .measurement ? "Cl2_Residual" : "Dose_SP"
        return historian == .ignition ? "[default]Station/\(name)" : name
    }

    // MARK: Writing

    public func generate(into directory: String) throws -> Truth {
        var rng = SeededRandom(seed: seed)
        func jitter(_ maxMillis: Int) -> Int64 { Int64(rng.next() % UInt64(maxMillis)) * 1_000_000 }
        let fm = FileManager.default
        for sub in ["capture", "windows", "remote-access", "historian"] + (hop.isTool ? ["remote-control/ews-1"] : [])
            + (hop == .ssh ? ["linux"] : []) {
            try fm.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        func at(_ h: Int, _ m: Int, _ s: Double) -> Int64 { SiteClock.local(Self.day, h, m, s) }
        let t0 = at(10, 30, 0) + jitter(50_000)
        let offset = (Double(rng.next() % 3_000) / 10 - 150).rounded(toPlaces: 1)   // −150.0 … +149.9 s
        let outside = "198.51.100.\(20 + rng.next() % 200)"
        let tunnel = "10.9.9.\(20 + rng.next() % 100)"
        let vendor = "vendor-\(["kato", "ito", "mori", "abe"][Int(rng.next() % 4)])"
        let vpnLogon = t0 - 12 * 60_000_000_000 + jitter(20_000)
        let rdp = vpnLogon + 2 * 60_000_000_000 + jitter(10_000)
        let attack = t0
        let restore = t0 + 12 * 60_000_000_000 + jitter(30_000)
        // The setpoint over time (engineering units): what the operator and the intruder wrote.
        // For a pump: stopped and started from the HMI, running when the intruder stops it, started again after.
        let values: [Double] = impact == .stop ? [0, 1, 0, 1, 0, 1] : [22.0, 21.5, 22.5, 21.0, 95.0, 21.0]
        var writes: [(t: Int64, value: Double, from: NetHost)] = [
            (t0 - 95 * 60_000_000_000 + jitter(60_000), values[0], Self.hmi),
            (t0 - 80 * 60_000_000_000 + jitter(60_000), values[1], Self.hmi),
            (t0 - 65 * 60_000_000_000 + jitter(60_000), values[2], Self.hmi),
            (t0 - 50 * 60_000_000_000 + jitter(60_000), values[3], Self.hmi),
            (attack, values[4], innocent ? Self.hmi : Self.ews),
            (restore, values[5], Self.hmi),
        ]
        // A measured value: nobody writes it but the intruder, who holds it at 1.20 mg/L until the restore (when the
        // instrument is taken out of simulation); the process itself moves between 1.14 and 1.26 and is never at 1.20.
        let noise = impact != .measurement ? [] : (0..<4_000).map { _ in Double([-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6][Int(rng.next() % 12)]) / 100 }
        if impact == .measurement { writes = [(attack, Self.heldReading, innocent ? Self.hmi : Self.ews)] }
        func setpoint(at t: Int64) -> Double {
            if impact == .measurement {
                if t >= attack && t < restore { return Self.heldReading }
                return 1.20 + noise[Int((t / 5_000_000_000) % Int64(noise.count))]
            }
            return writes.last { $0.t <= t }?.value ?? (impact == .stop ? 1 : 21.5)
        }

        // Capture: the writes, and the remote-desktop connection from the tunnel address.
        let cap = CaptureBuilder()
        var isn: UInt32 = UInt32(truncatingIfNeeded: rng.next())
        for (i, w) in writes.enumerated() {
            isn &+= 100_003
            try writeExchange(cap, from: w.from, at: w.t, raw: w.value, index: i, isn: isn, &rng)
        }
        if gateway {
            // The HMI's writes to the second RTU behind the gateway, to the same point of its own: the last 25 s
            // before the intruder's.
            let values: [Double] = impact == .stop ? [1, 0, 1] : [18.0, 18.5, 19.0]
            for (k, (lead, v)) in zip([4_200, 2_400, 25] as [Int64], values).enumerated() {
                isn &+= 100_003
                try writeExchange(cap, from: Self.hmi, at: t0 - lead * 1_000_000_000 - jitter(3_000), raw: v, index: 20 + k,
                                  isn: isn, station: 1, &rng)
            }
        }
        // The remote desktop connection comes from the VPN's tunnel address, or from the RD Gateway's inside address.
        let tunnelHost = hop == .rdgateway ? Self.rdGateway : NetHost(tunnel, mac: [0x00, 0x1a, 0x2b, 0x3c, 0x01, 0x01])
        let rdpPort = UInt16(49_152 + rng.next() % 10_000)
        let rdpConv = TCPConversation(cap, client: tunnelHost, clientPort: rdpPort, server: Self.ews,
                                      serverPort: hop == .vnc ? 5900 : hop == .ssh ? 22 : 3389, isn: (isn &+ 7, isn &+ 99_991))
        if !hop.isTool { rdpConv.open(rdp) }
        /// When the workstation's screen was taken: the remote desktop logon, the VNC server's SecurityResult, or the
        /// tool's session start (to the minute in AnyDesk's list).
        var remoteLogon: Int64
        /// RFB 3.8 with VNC authentication (a challenge and its answer), then ClientInit and ServerInit, from `at`.
        func vncHandshake(_ conv: TCPConversation, at: Int64) {
            let version = Array("RFB 003.008\n".utf8)
            conv.send(fromClient: false, at + 1_000_000, version)
            conv.send(fromClient: true, at + 2_000_000, version)
            conv.send(fromClient: false, at + 3_000_000, [1, 2])
            conv.send(fromClient: true, at + 4_000_000, [2])
            conv.send(fromClient: false, at + 5_000_000, (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            conv.send(fromClient: true, at + 900_000_000, (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            conv.send(fromClient: false, at + 902_000_000, [0, 0, 0, 0])
            conv.send(fromClient: true, at + 903_000_000, [1])
            let name = Array("EWS-1".utf8)
            conv.send(fromClient: false, at + 905_000_000, Frames.be16(1920) + Frames.be16(1080)
                      + [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0] + Frames.be32(UInt32(name.count)) + name)
        }
        if hop == .vnc {
            vncHandshake(rdpConv, at: rdp)
            remoteLogon = rdp + 902_000_000
        } else if hop == .rdp || hop == .rdgateway {
            rdpConv.send(fromClient: true, rdp + 1_000_000, S7Frames.connectRequest)
            rdpConv.send(fromClient: false, rdp + 3_000_000, S7Frames.connectConfirm)
            remoteLogon = rdp + 2_600_000_000
        } else if hop == .ssh {
            // The identification strings, then the key exchange (opaque here); the password typed takes seconds.
            sshOpening(rdpConv, at: rdp, client: "PuTTY_Release_0.80")
            remoteLogon = rdp + 6_000_000_000 + jitter(4_000)
        } else {
            remoteLogon = rdp / 1_000_000_000 * 1_000_000_000
        }
        if !hop.isTool { rdpConv.close(fromClient: true, restore + 60_000_000_000) }
        /// The operator's SSH look at EWS-1 from HMI-1 after the vendor came in, over before the write.
        let look = (start: rdp + 180_000_000_000, end: rdp + 300_000_000_000)
        if hop == .ssh {
            let conv = TCPConversation(cap, client: Self.hmi, clientPort: 50_122, server: Self.ews, serverPort: 22,
                                       isn: (isn &+ 13, isn &+ 55_555))
            conv.open(look.start)
            sshOpening(conv, at: look.start, client: "OpenSSH_9.2p1 Debian-2+deb12u3")
            conv.close(fromClient: true, look.end)
        }
        /// SSH's identification strings, then the key exchange (opaque here).
        func sshOpening(_ conv: TCPConversation, at: Int64, client: String) {
            conv.send(fromClient: false, at + 2_000_000, Array("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n".utf8))
            conv.send(fromClient: true, at + 40_000_000, Array("SSH-2.0-\(client)\r\n".utf8))
            conv.send(fromClient: true, at + 42_000_000, (0..<600).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            conv.send(fromClient: false, at + 45_000_000, (0..<1_100).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        if hop == .vnc {
            // The operator looks at EWS-1's screen from HMI-1 after the vendor came in, and leaves before the write:
            // the newer VNC session, but closed when the write was sent, so not the one that sent it.
            let glance = TCPConversation(cap, client: Self.hmi, clientPort: 51_000, server: Self.ews, serverPort: 5900,
                                         isn: (isn &+ 11, isn &+ 77_777))
            glance.open(rdp + 180_000_000_000)
            vncHandshake(glance, at: rdp + 180_000_000_000)
            glance.close(fromClient: true, rdp + 240_000_000_000)
        }
        var summaryFiles = [String: Int]()
        summaryFiles["capture/control-net.pcap"] = try cap.write(to: "\(directory)/capture/control-net.pcap")
        if let mirror {
            let bare = "\(directory)/capture/control-net.bare.pcap"
            try FileManager.default.moveItem(atPath: "\(directory)/capture/control-net.pcap", toPath: bare)
            _ = try Encapsulations.rewrap(bare, to: "\(directory)/capture/control-net.pcap", through: [mirror])
            try FileManager.default.removeItem(atPath: bare)
        }

        // Windows: the vendor's remote desktop logon and the technician at the console of EWS-1; the operator at HMI-1.
        var ewsLines: [(Int64, String)] = []
        ewsLines.append(Winlogbeat.logon(at(7, 2, 11), computer: "EWS-1.plant.local", record: 9001, user: "k.tanaka",
                                         domain: "PLANT", type: 2, logonID: "0x2a1f0", ip: "127.0.0.1", port: "0"))
        // A VNC server shares the console's session: Windows records no logon of the vendor.
        if hop == .rdp || hop == .rdgateway {
            ewsLines.append(Winlogbeat.logon(rdp + 2_600_000_000, computer: "EWS-1.plant.local", record: 9002, user: vendor,
                                             domain: "PLANT", type: 10, logonID: "0x3c2d1", ip: tunnelHost.address,
                                             port: String(rdpPort), workstation: "VENDOR-LT"))
            ewsLines.append(Winlogbeat.logoff(restore + 60_000_000_000, computer: "EWS-1.plant.local", record: 9003, user: vendor,
                                              domain: "PLANT", type: 10, logonID: "0x3c2d1"))
        }
        if hop == .ssh {
            summaryFiles["linux/ews-1-auth.log"] = try authLog("\(directory)/linux/ews-1-auth.log", vendor: vendor,
                                                                tunnel: tunnel, port: rdpPort, logon: remoteLogon,
                                                                end: restore + 60_000_000_000, look: look, &rng)
        } else {
            summaryFiles["windows/ews-1-security.jsonl"] = try ExerciseFiles.writeLines("\(directory)/windows/ews-1-security.jsonl", ewsLines)
        }
        let hmiLines = [Winlogbeat.logon(at(6, 0, 4), computer: "HMI-1.plant.local", record: 501, user: "op.suzuki",
                                         domain: "PLANT", type: 2, logonID: "0x1b0c2", ip: "127.0.0.1", port: "0")]
        summaryFiles["windows/hmi-1-security.jsonl"] = try ExerciseFiles.writeLines("\(directory)/windows/hmi-1-security.jsonl", hmiLines)

        // The remote-access gateway's log: a contractor's session that ended long before, the vendor's guesses, logon,
        // tunnel address and the end of the session.
        let contractor = (user: "contractor-ueda", ip: "203.0.113.\(10 + rng.next() % 200)", tunnel: "10.9.9.200")
        var gw = GatewayLog(product: access)
        gw.session(user: contractor.user, from: contractor.ip, tunnel: contractor.tunnel, start: at(6, 10, 3),
                   end: at(7, 40, 9), &rng)
        var vpnKind = ""
        var toolPartner: String?
        if hop.viaVPN {
            for k in 0..<3 { gw.failed(user: vendor, from: outside, at: vpnLogon - Int64(3 - k) * 40_000_000_000, &rng) }
            vpnKind = gw.session(user: vendor, from: outside, tunnel: tunnel, start: vpnLogon, end: restore + 5 * 60_000_000_000,
                                 rdp: (rdp, Self.ews.address, Int(rdpPort)), &rng)
        }
        summaryFiles["remote-access/gw-1.log"] = try ExerciseFiles.writeLines("\(directory)/remote-access/gw-1.log", gw.lines)
        if hop == .rdgateway {
            summaryFiles["windows/rdgw-1-tsgateway.jsonl"] = try ExerciseFiles.writeLines(
                "\(directory)/windows/rdgw-1-tsgateway.jsonl",
                rdGatewayLog(vendor: vendor, outside: outside, start: rdp, end: restore + 60_000_000_000, &rng))
        }
        if hop.isTool {
            let (name, bytes, partner) = toolList(vendor: vendor, start: rdp, end: restore + 60_000_000_000, &rng)
            toolPartner = partner
            if hop == .anydesk { remoteLogon = rdp / 60_000_000_000 * 60_000_000_000 }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/remote-control/ews-1/\(name)"))
            summaryFiles["remote-control/ews-1/\(name)"] = 1
        }

        // The historian: one row each 5 s of its own clock, from 8:30 to 11:10, true time = label + offset.
        let p = point
        summaryFiles["historian/\(historian.fileName)"] = try writeHistorian(
            "\(directory)/historian/\(historian.fileName)", from: at(8, 30, 0), to: at(11, 10, 0), offset: offset,
            value: { t in setpoint(at: t) })

        let inventory = assets(point: p.text, scale: p.scale)
        try inventory.write(toFile: "\(directory)/assets.yaml", atomically: true, encoding: .utf8)
        var truth = Truth(historianOffset: offset, vpnUser: vendor, outsideIP: outside, tunnelIP: tunnel,
                          attackWrite: attack, point: p.text, writeKind: kindOfWrite, vpnKind: vpnKind)
        truth.toolPartner = toolPartner
        let vpnEvent = hop == .rdgateway ? rdp - 500_000_000 : hop.isTool ? vpnLogon : gw.tunnelEventTime ?? vpnLogon
        try scenario(truth, vpnTime: vpnEvent, rdpLogon: remoteLogon, contractor: contractor.user)
            .write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        return truth
    }

    /// The workstation's own list of the tool's sessions: TeamViewer's `Connections_incoming.txt` (a line written
    /// as each session ends: a colleague's earlier session, the same colleague's look after the vendor came in, over
    /// before the write, and the vendor's), or AnyDesk's `connection_trace.txt` in UTF-16 without a byte-order mark
    /// (a line as each connection comes in, to the minute: a support session the evening before, the vendor's by
    /// password, and a connection refused at the console after it). Times are the site's wall clock (UTC).
    func toolList(vendor: String, start: Int64, end: Int64, _ rng: inout SeededRandom) -> (String, [UInt8], String) {
        func id() -> String { String(100_000_000 + rng.next() % 1_800_000_000) }
        func guid() -> String {
            let h = (0..<16).map { _ in String(format: "%02x", rng.next() % 256) }
            return "{" + h[0..<4].joined() + "-" + h[4..<6].joined() + "-" + h[6..<8].joined() + "-" + h[8..<10].joined()
                + "-" + h[10..<16].joined() + "}"
        }
        let vendorID = id(), colleagueID = id()
        if hop == .teamviewer {
            func stamp(_ t: Int64) -> String {
                let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
                return String(format: "%02d-%02d-%04d %02d:%02d:%02d", c.day, c.month, c.year, c.hour, c.minute, c.second)
            }
            func line(_ partner: String, _ name: String, _ a: Int64, _ b: Int64, _ type: String) -> (Int64, String) {
                (b, "\(partner)\t\(name)\t\(stamp(a))\t\(stamp(b))\tk.tanaka\t\(type)\t\(guid())\t")
            }
            let rows = [
                line(colleagueID, "Plant Support", SiteClock.local(Self.day, 6, 40, 12), SiteClock.local(Self.day, 6, 58, 40), "RemoteControl"),
                line(colleagueID, "Plant Support", start + 180_000_000_000, start + 240_000_000_000, "RemoteControl"),
                line(vendorID, vendor, start, end, "RemoteControl"),
                line(vendorID, vendor, end - 30_000_000_000, end - 10_000_000_000, "FileTransfer"),
            ].sorted { $0.0 < $1.0 }
            return ("Connections_incoming.txt", Array(rows.map { $0.1 + "\r\n" }.joined().utf8), vendorID)
        }
        func stamp(_ t: Int64) -> String {
            let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
            return String(format: "%04d-%02d-%02d, %02d:%02d", c.year, c.month, c.day, c.hour, c.minute)
        }
        let refused = id()
        let text = [
            "Incoming    \(stamp(SiteClock.local(Self.day, day: -1, 16, 5, 31)))    Token                             \(colleagueID)    \(colleagueID)",
            "Incoming    \(stamp(start))    Passwd                            \(vendorID)    \(vendorID)",
            "Incoming    \(stamp(start + 180_000_000_000))    REJECTED                          \(refused)    \(refused)",
        ].map { $0 + "\r\n" }.joined()
        var bytes: [UInt8] = []
        for u in text.utf16 { bytes.append(UInt8(u & 0xFF)); bytes.append(UInt8(u >> 8)) }
        return ("connection_trace.txt", bytes, vendorID)
    }

    /// A Linux workstation's auth.log (Debian's sshd, PAM, systemd-logind, cron): the technician at the console
    /// since the morning (GNOME's display manager), cron's sessions, the operator's SSH look from HMI-1 after the
    /// vendor came in (closed before the write), and the vendor's SSH session from the tunnel address: one mistyped
    /// password, the logon, its PAM session, and its end after the setpoint was put back. Every other case's auth.log
    /// is in rsyslog's RFC 3339 form; the others in the traditional form with no year, the file's modification time
    /// that of its last line (the collector counts the year back from it).
    func authLog(_ path: String, vendor: String, tunnel: String, port: UInt16, logon: Int64, end: Int64,
                 look: (start: Int64, end: Int64), _ rng: inout SeededRandom) throws -> Int {
        let traditional = seed % 2 == 1
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var lines: [(Int64, String)] = []
        func line(_ t: Int64, _ program: String, _ text: String) {
            let stamp: String
            if traditional {
                let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
                stamp = String(format: "%@ %2d %02d:%02d:%02d", months[c.month - 1], c.day, c.hour, c.minute, c.second)
            } else {
                stamp = Timestamp(nanoseconds: t).iso8601(precision: .microseconds).replacingOccurrences(of: "Z", with: "+00:00")
            }
            lines.append((t, "\(stamp) ews-1 \(program): \(text)"))
        }
        func at(_ h: Int, _ m: Int, _ s: Double) -> Int64 { SiteClock.local(Self.day, h, m, s) }
        line(at(7, 2, 9), "gdm-password][1042]", "gkr-pam: unable to locate daemon control file")
        line(at(7, 2, 11), "gdm-password][1042]", "pam_unix(gdm-password:session): session opened for user k.tanaka(uid=1000) by (uid=0)")
        line(at(7, 2, 11), "systemd-logind[655]", "New session 2 of user k.tanaka.")
        var minute = at(8, 17, 1)
        var cronPid = 20_000
        while minute < end + 600_000_000_000 {
            line(minute, "CRON[\(cronPid)]", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
            line(minute + 400_000_000, "CRON[\(cronPid)]", "pam_unix(cron:session): session closed for user root")
            cronPid += 1 + Int(rng.next() % 40)
            minute += 3_600_000_000_000
        }
        func session(_ pid: Int, user: String, uid: Int, from ip: String, port: UInt16, _ start: Int64, _ stop: Int64, _ n: Int) {
            let d = "sshd[\(pid)]"
            line(start, d, "Accepted password for \(user) from \(ip) port \(port) ssh2")
            line(start, d, "pam_unix(sshd:session): session opened for user \(user)(uid=\(uid)) by (uid=0)")
            line(start + 20_000_000, "systemd-logind[655]", "New session \(n) of user \(user).")
            line(stop, d, "Received disconnect from \(ip) port \(port):11: disconnected by user")
            line(stop, d, "Disconnected from user \(user) \(ip) port \(port)")
            line(stop, d, "pam_unix(sshd:session): session closed for user \(user)")
            line(stop + 30_000_000, "systemd-logind[655]", "Session \(n) logged out. Waiting for processes to exit.")
            line(stop + 40_000_000, "systemd-logind[655]", "Removed session \(n).")
        }
        let vendorPid = 31_000 + Int(rng.next() % 9_000)
        line(logon - 3_500_000_000, "sshd[\(vendorPid)]", "Failed password for \(vendor) from \(tunnel) port \(port) ssh2")
        session(vendorPid, user: vendor, uid: 1001, from: tunnel, port: port, logon, end, 7)
        // The operator's look from HMI-1, under a process ID of its own, over before the write.
        session(vendorPid + 57, user: "op.suzuki", uid: 1002, from: Self.hmi.address, port: 50_122,
                look.start + 2_500_000_000, look.end, 8)
        let sorted = lines.sorted { $0.0 < $1.0 }
        let n = try ExerciseFiles.writeLines(path, sorted)
        let last = Date(timeIntervalSince1970: Double(sorted.last!.0) / 1e9)
        try FileManager.default.setAttributes([.modificationDate: last], ofItemAtPath: path)
        return n
    }

    /// The RD Gateway's inside address, from which it opens the remote desktop connections it relays.
    static let rdGateway = NetHost("10.1.1.5", mac: [0x00, 0x15, 0x5d, 0x01, 0x01, 0x05])

    /// The Remote Desktop Gateway's operational log as Winlogbeat ships it (UserData `EventInfo` in
    /// `winlog.user_data`): a contractor's connection to EWS-1 in the morning, ended; an engineer's to HMI-1, open at
    /// the write; the vendor refused three times by the connection authorization policy (a wrong password), then
    /// authorized, connected to EWS-1, and disconnected after the setpoint was put back.
    func rdGatewayLog(vendor: String, outside: String, start: Int64, end: Int64, _ rng: inout SeededRandom) -> [(Int64, String)] {
        var lines: [(Int64, String)] = []
        var record: Int64 = 4_410
        func event(_ t: Int64, _ id: Int, _ user: String, _ ip: String, _ text: String, _ data: [String: String]) {
            record += 1
            lines.append(Winlogbeat.record(t, computer: "RDGW-1.plant.local", id: id,
                                           channel: "Microsoft-Windows-TerminalServices-Gateway/Operational",
                                           provider: "Microsoft-Windows-TerminalServices-Gateway", record: record,
                                           message: "The user \"PLANT\\\(user)\", on client computer \"\(ip)\", \(text)",
                                           userData: ["Username": "PLANT\\\(user)", "IpAddress": ip, "AuthType": "NTLM",
                                                      "ConnectionProtocol": "HTTP", "ErrorCode": "0"].merging(data) { $1 }))
        }
        func session(_ user: String, _ ip: String, _ resource: String, _ a: Int64, _ b: Int64?) {
            event(a - 400_000_000, 200, user, ip, "met connection authorization policy requirements and was therefore "
                  + "authorized to access the RD Gateway server.", [:])
            event(a - 300_000_000, 300, user, ip, "met resource authorization policy requirements and was therefore "
                  + "authorized to connect to resource \"\(resource)\".", ["Resource": resource])
            event(a, 302, user, ip, "connected to resource \"\(resource)\". Connection protocol used: \"HTTP\".",
                  ["Resource": resource])
            guard let b else { return }
            let received = 2_000_000 + Int(rng.next() % 9_000_000), sent = 300_000 + Int(rng.next() % 900_000)
            event(b, 303, user, ip, "disconnected from the following network resource: \"\(resource)\". Before the user "
                  + "disconnected, the client transferred \(sent) bytes and received \(received) bytes. The client session "
                  + "duration was \((b - a) / 1_000_000_000) seconds. Connection protocol used: \"HTTP\".",
                  ["Resource": resource, "BytesReceived": String(received), "BytesTransfered": String(sent),
                   "SessionDuration": String((b - a) / 1_000_000_000)])
        }
        func at(_ h: Int, _ m: Int, _ s: Double) -> Int64 { SiteClock.local(Self.day, h, m, s) }
        session("contractor-ueda", "203.0.113.\(10 + rng.next() % 200)", "ews-1.plant.local", at(6, 12, 40), at(7, 38, 2))
        session("eng-sato", "203.0.113.\(10 + rng.next() % 200)", "hmi-1.plant.local", at(9, 55, 17), nil)
        for k in 0..<3 {
            event(start - Int64(3 - k) * 40_000_000_000, 201, vendor, outside, "did not meet connection authorization "
                  + "policy requirements and was therefore not authorized to access the RD Gateway server. The following "
                  + "error occurred: \"23003\".", ["ErrorCode": "23003"])
        }
        session(vendor, outside, "ews-1.plant.local", start - 500_000_000, end)
        return lines
    }

    func iso(_ t: Int64, _ precision: Timestamp.Precision = .milliseconds) -> String {
        Timestamp(nanoseconds: t).iso8601(precision: precision)
    }

    /// How the inventory says the setpoint's registers hold it, for the forms that need saying.
    var registerType: String {
        switch form {
        case .modbusFloat: return ", type: float32"
        case .modbusFloatLowFirst: return ", type: float32, word_order: low-first"
        default: return ""
        }
    }

    func assets(point: String, scale: Double) -> String {
        let gwRole = [.asa, .fortigate, .globalprotect, .fortigateCEF, .globalprotectCEF, .checkpoint].contains(access)
            ? "firewall" : "remote-access"
        return """
            # Asset inventory of a generated site (generalization suite, \(name)).
            assets:
              - name: gw-1
                role: \(gwRole)
                addresses: [\(Self.gatewayInside), 192.0.2.10]
                hostnames: [gw-1]
                description: remote-access gateway (\(access.rawValue)); VPN pool 10.9.9.0/24
                evidence: ["remote-access/gw-1*"]
            \(hop != .rdgateway ? "" : """
              - name: rdgw-1
                role: remote-access
                level: 3
                addresses: [\(Self.rdGateway.address), 192.0.2.20]
                hostnames: [RDGW-1, rdgw-1.plant.local]
                description: Remote Desktop Gateway (internet to the control network's workstations)
                evidence: ["windows/rdgw-1*"]

            """)  - name: ews-1
                role: engineering-workstation
                level: 2
                addresses: [\(Self.ews.address)]
                hostnames: [EWS-1, ews-1.plant.local]
                evidence: [\(hop == .ssh ? "\"linux/ews-1*\"" : "\"windows/ews-1*\"")\(hop.isTool ? ", \"remote-control/ews-1/*\"" : "")]
              - name: hmi-1
                role: hmi
                level: 2
                addresses: [\(Self.hmi.address)]
                hostnames: [HMI-1, hmi-1.plant.local]
                evidence: ["windows/hmi-1*"]
              - name: historian-1
                role: historian
                level: 3
                addresses: [10.1.2.30]
                evidence: ["historian/historian-1*"]
              - name: rtu-1
                role: rtu
                level: 1
                addresses: [\(Self.rtu.address)]\(gateway ? "\n    station: \(station(0))" : "")
                tags:
                  - \(impact == .stop ? "{point: \"\(point)\", tag: \"\(tag)\"}"
                       : impact == .measurement ? "{point: \"\(point)\", tag: \"\(tag)\", unit: mg/L, scale: \(scale)\(registerType)}"
                       : "{point: \"\(point)\", tag: \"\(tag)\", setpoint: true, unit: mg/L, scale: \(scale)\(registerType)}")

            """ + (!gateway ? "" : """
              - name: rtu-2
                role: rtu
                level: 1
                addresses: [\(Self.rtu.address)]
                station: \(station(1))
                tags:
                  - {point: "\(point)", tag: "\(siblingTag)"\(impact == .stop ? "" : ", setpoint: true, unit: mg/L, scale: \(scale)\(registerType)")}
              - name: \(write == .s7 ? "cp-1" : write == .cip ? "enet-1" : write == .bacnet ? "bacnet-router-1" : "serial-gw-1")
                role: gateway
                level: 1
                addresses: [\(Self.rtu.address)]
                description: \(write == .s7 ? "communication processor of the rack" : write == .cip ? "Ethernet module of the chassis"
                                : write == .bacnet ? "BACnet/IP to MS/TP router" : "serial device server") in front of RTU-1 and RTU-2

            """)
    }

    /// The station of the gateway cases' RTUs (0: RTU-1, 1: RTU-2), as the inventory writes it.
    func station(_ k: Int) -> String {
        switch write {
        case .dnp3: return "dnp3:outstation:\(10 + k)"
        case .iec104: return "iec104:ca:\(1 + k)"
        case .s7: return "s7:slot:\(2 + k)"
        case .cip: return "cip:slot:\(2 + k)"
        case .bacnet: return "bacnet:net:3:mac:\(10 + k)"
        default: return "modbus:unit:\(1 + k)"
        }
    }

    /// The second RTU's tag for the same point.
    var siblingTag: String {
        tag.replacingOccurrences(of: "Dose_SP", with: "Dose2_SP").replacingOccurrences(of: "Pump1", with: "Pump2")
            .replacingOccurrences(of: "ポンプ1", with: "ポンプ2").replacingOccurrences(of: "薬注設定値", with: "薬注2設定値")
    }

    /// The case's key. The route differs by hop: a VPN session, then remote desktop or VNC from its tunnel address;
    /// or a remote-control tool's session from the internet (no VPN link: the chain starts at the tool's session).
    func scenario(_ t: Truth, vpnTime: Int64, rdpLogon: Int64, contractor: String) -> String {
        let tool = hop == .teamviewer ? "TeamViewer" : "AnyDesk"
        let route = hop.isTool ? tool : hop == .rdgateway ? "the RD Gateway" : access.rawValue
        let toolList = !hop.isTool ? "" : """
              - {path: remote-control/ews-1/\(hop == .teamviewer ? "Connections_incoming.txt" : "connection_trace.txt"), \
            what: \(tool)'s connection list on EWS-1, clock: ews-1}

            """
        let rootCause = hop.isTool
            ? "\(t.vpnUser) (\(tool) partner \(t.toolPartner ?? "?")) took over EWS-1's screen by \(tool)"
            : hop == .rdgateway
            ? "\(t.vpnUser) came through the RD Gateway from \(t.outsideIP), went by remote desktop to EWS-1"
            : "\(t.vpnUser) logged on to the remote-access gateway from \(t.outsideIP), went by \(hop == .ssh ? "SSH" : "remote desktop") to EWS-1"
        let access: String
        switch hop {
        case .teamviewer, .anydesk:
            access = "{kind: remote.control_start, asset: ews-1, time: \"\(iso(rdpLogon))\", tolerance_s: \(hop == .anydesk ? 60 : 5)}"
        case .vnc:
            access = "{kind: \(t.vpnKind), asset: gw-1, time: \"\(iso(vpnTime))\", tolerance_s: 5, user: \(t.vpnUser), src: \(t.outsideIP)}\n"
                + "    - {kind: remote.control_start, asset: ews-1, time: \"\(iso(rdpLogon))\", tolerance_s: 5, src: \(t.tunnelIP)}"
        case .rdgateway:
            access = "{kind: auth.logon, asset: rdgw-1, time: \"\(iso(vpnTime))\", tolerance_s: 5, user: \(t.vpnUser), src: \(t.outsideIP)}\n"
                + "    - {kind: auth.logon, asset: ews-1, time: \"\(iso(rdpLogon))\", tolerance_s: 5, user: \(t.vpnUser), src: \(Self.rdGateway.address)}"
        case .rdp, .ssh:
            access = "{kind: \(t.vpnKind), asset: gw-1, time: \"\(iso(vpnTime))\", tolerance_s: 5, user: \(t.vpnUser), src: \(t.outsideIP)}\n"
                + "    - {kind: auth.logon, asset: ews-1, time: \"\(iso(rdpLogon))\", tolerance_s: 5, user: \(t.vpnUser), src: \(t.tunnelIP)}"
        }
        let decoy = switch hop {
        case .teamviewer: "\n    - {what: Plant Support's TeamViewer session on EWS-1 after the vendor's, why: it ended before the write}"
        case .anydesk: "\n    - {what: the AnyDesk connection refused at EWS-1's console after the vendor's, why: it was rejected}"
        case .ssh: "\n    - {what: op.suzuki's SSH session on EWS-1 from HMI-1, why: it was closed before the write}"
        case .rdgateway: "\n    - {what: eng-sato's RD Gateway connection, why: it went to HMI-1, not EWS-1}"
            + "\n    - {what: contractor-ueda's RD Gateway connection to EWS-1, why: it ended at 07:38}"
        case _ where gateway: "\n    - {what: HMI-1's write to RTU-2 behind the same gateway 25 s before, why: another station's point}"
        default: ""
        }
        let techniques = hop.isTool ? "T1219"
            : "T1133, \(hop == .vnc ? "T1021.005" : hop == .ssh ? "T1021.004" : "T1021.001"), T1110.001"
        return """
        # Generalization suite case \(name) (generated from its seed; not committed).
        name: generalization-\(name)
        title: \(impact == .stop ? "A pump stopped" : impact == .measurement ? "A chlorine reading held" : "A dosing setpoint written") from outside through \(route) and \(write.rawValue) (\(form.rawValue))
        seed: \(seed)
        site_time_zone: UTC
        briefing: |
          \(impact == .stop ? "Pump 1 at RTU-1 stopped for twelve minutes." : impact == .measurement
              ? "The chlorine residual of RTU-1 read the same value for twelve minutes." : "The dosing setpoint of RTU-1 went to 95 for twelve minutes.") Was it a cyber event?
        evidence:
          - {path: capture/control-net.pcap, what: control network capture, clock: sensor (reference)}
          - {path: \(hop == .ssh ? "linux/ews-1-auth.log, what: auth.log of EWS-1 (Linux)" : "windows/ews-1-security.jsonl, what: Windows logs of EWS-1"), clock: ews-1}
        \(toolList)  - {path: windows/hmi-1-security.jsonl, what: Windows logs of HMI-1, clock: hmi-1}
          - {path: remote-access/gw-1.log, what: remote-access gateway log (\(self.access.rawValue)), clock: gw-1}\(hop != .rdgateway ? "" : """

              - {path: windows/rdgw-1-tsgateway.jsonl, what: RD Gateway operational log of RDGW-1, clock: rdgw-1}
            """)
          - {path: historian/\(historian.fileName), what: historian export (\(historian.rawValue), 5 s), clock: historian-1}
        questions:
          - id: cyber_cause
            ask: Was the setpoint change caused by a cyber event?
          - id: clock
            ask: How far off is the historian's clock?
          - id: chain
            ask: Give the chain from first access to the physical effect.
        \(innocent ? innocentAnswer(t, contractor: contractor) : """
        answer:
          cyber_cause: true
          root_cause: >-
            \(rootCause)
            and \(effect) (\(t.point)).
          clock_offsets: {historian-1: \(t.historianOffset)}
          chain:
            - \(access)
            - {kind: \(t.writeKind), asset: rtu-1, time: "\(iso(t.attackWrite))", tolerance_s: 2, point: "\(t.point)"}
            - {kind: \(impactKind), asset: rtu-1, time: "\(iso(t.attackWrite))", tolerance_s: 6, tag: "\(tag)"}
          not_the_cause:
            - {what: the technician k.tanaka at EWS-1's console, why: logged on since 07:02; the write came over the remote session}\(decoy)
            - {what: \(contractor)'s VPN session, why: ended at 07:40, hours before the change}
          techniques: [\(impact == .stop ? "T0855" : impact == .measurement ? "T0855, T0832" : "T0836"), \(techniques)]

        """)
        """
    }

    /// The negative control's key: the write came from HMI-1's console session; the vendor's remote session wrote nothing.
    func innocentAnswer(_ t: Truth, contractor: String) -> String {
        """
        answer:
          cyber_cause: false
          root_cause: >-
            No cyber cause: HMI-1, where the operator op.suzuki was logged on at the console, \(effect) (\(t.point)).
          clock_offsets: {historian-1: \(t.historianOffset)}
          chain: []
          techniques: []
          physical:
            - {kind: \(impactKind), asset: rtu-1, time: "\(iso(t.attackWrite))", tag: "\(tag)"}
          not_the_cause:
            - {what: \(t.vpnUser)'s remote session on EWS-1, why: EWS-1 wrote nothing to RTU-1; the write came from HMI-1}
            - {what: the technician k.tanaka at EWS-1's console, why: EWS-1 wrote nothing to RTU-1}
            - {what: \(contractor)'s VPN session, why: ended at 07:40, hours before the change}

        """
    }

    // MARK: The historian export

    func writeHistorian(_ path: String, from: Int64, to: Int64, offset: Double, value: (Int64) -> Double) throws -> Int {
        let correction = Int64((offset * 1e9).rounded())
        if historian == .xlsx {
            var rows: [[WorkbookWriter.Cell]] = [[.text("HIST-1 trend export")], [.text("Interval"), .text("5 s")], [],
                                                 [.text("Time"), .text("\(tag)\(impact == .stop ? "" : " (mg/L)")"),
                                                  .text("Dose_Flow (L/h)")]]
            var data: [[WorkbookWriter.Cell]] = []
            var t = from
            while t <= to {
                let v = (value(t + correction) * 100).rounded() / 100
                data.append([.time(Timestamp(nanoseconds: t)), .number(v),
                             .number(((40 + value(t + correction) / 10) * 10).rounded() / 10)])
                t += 5_000_000_000
            }
            rows += newestFirst ? data.reversed() : data
            let notes: [[WorkbookWriter.Cell]] = [[.text("Exported by"), .text("HIST-1 Excel add-in")],
                                                  [.text("Server"), .text("hist-1.plant.local")]]
            try WorkbookWriter.write(path, sheets: [.init(name: "Trend", rows: rows), .init(name: "Export notes", rows: notes)])
            return rows.count - 4
        }
        var out = historian == .japanese || historian == .wincc ? "" : "# Exported from HIST-1, interval 5 s\n# TimeZone: UTC\n"
        func stamp(_ t: Int64) -> String {
            let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
            return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute, c.second)
        }
        switch historian {
        case .pi: out += "Tag,Timestamp,Value,Status\n"
        case .aveva: out += "DateTime,TagName,Value,Quality,QualityDetail,OPCQuality\n"
        case .ignition: out += "tagpath,value,dataintegrity,t_stamp\n"
        case .long: out += "timestamp,tag,value,quality\n"
        case .wide: out += "Timestamp,\(tag) (mg/L),Dose_Flow (L/h)\n"
        case .japanese: out += "日付,時刻,\(tag)\(impact == .stop ? "" : "（mg/L）"),薬注流量（L/h）\r\n"
        case .xlsx: break    // written above
        case .wincc: out += "\"VarName\";\"TimeString\";\"VarValue\";\"Validity\";\"Time_ms\"\r\n"
        }
        /// A WinCC runtime's time: the locale's text (German: day first) and the day number × 10⁶ (`Time_ms`).
        func wincc(_ t: Int64) -> (text: String, serial: String) {
            let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
            let days = Double(t) / 86_400e9 + 25_569
            return (String(format: "%02d.%02d.%04d %02d:%02d:%02d", c.day, c.month, c.year, c.hour, c.minute, c.second),
                    String(format: "%.4f", days * 1e6).replacingOccurrences(of: ".", with: ","))
        }
        var lines: [String] = []
        var t = from
        while t <= to {
            let v = String(format: "%.2f", value(t + correction))
            let s = stamp(t)
            switch historian {
            case .pi: lines.append("\(tag),\(s),\(v),0\n")
            case .aveva: lines.append("\(s).000,\(tag),\(v),0,192,192\n")
            case .ignition: lines.append("\(tag),\(v),192,\(s)\n")
            case .long: lines.append("\(s),\(tag),\(v),192\n")
            case .wide: lines.append("\(s),\(v),\(String(format: "%.1f", 40 + value(t + correction) / 10))\n")
            case .japanese:
                let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
                lines.append(String(format: "%04d/%02d/%02d,%02d:%02d:%02d,", c.year, c.month, c.day, c.hour, c.minute, c.second)
                             + "\(v),\(String(format: "%.1f", 40 + value(t + correction) / 10))\r\n")
            case .xlsx: break
            case .wincc:
                let w = wincc(t)
                lines.append("\"\(tag)\";\"\(w.text)\";\(v.replacingOccurrences(of: ".", with: ","));1;\(w.serial)\r\n")
            }
            t += 5_000_000_000
        }
        let rows = lines.count
        if historian == .wincc {
            // The runtime marks where the log segment begins and ends.
            func marker(_ at: Int64) -> String { "\"$RT_OFF$\";\"\(wincc(at).text)\";2;1;\(wincc(at).serial)\r\n" }
            lines.insert(marker(from - 5_000_000_000), at: 0)
            lines.append(marker(t))
        }
        out += (newestFirst ? lines.reversed() : lines).joined()
        if historian == .japanese {
            try Data(out.data(using: .shiftJIS)!).write(to: URL(fileURLWithPath: path))
        } else {
            try out.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return rows
    }

    // MARK: One write on the wire

    func writeExchange(_ cap: CaptureBuilder, from client: NetHost, at t: Int64, raw value: Double, index: Int,
                       isn: UInt32, station: Int = 0, _ rng: inout SeededRandom) throws {
        let p = point
        /// The RTU's station behind the address: Modbus unit 1, DNP3 outstation 10, IEC 104 common address 1; the
        /// gateway cases' second RTU the next.
        let unit = UInt8(1 + station)
        let raw = value / p.scale
        let rawInt = Int(raw.rounded())
        let port = UInt16(50_000 + index * 17 + Int(rng.next() % 9))
        let latency: Int64 = 3_000_000 + Int64(rng.next() % 4_000_000)
        /// One TCP connection to the RTU: opened `lead` before the write, `exchange` on it, closed 200 ms after.
        func connection(_ serverPort: UInt16, opened lead: Int64, _ exchange: (TCPConversation) -> Void) {
            let c = TCPConversation(cap, client: client, clientPort: port, server: Self.rtu, serverPort: serverPort,
                                    isn: (isn, isn &+ 50_000))
            c.open(t - lead)
            exchange(c)
            c.close(fromClient: true, t + 200_000_000)
        }
        /// Another value written beside the setpoint (the dose flow's limit, a mode word): not what changed.
        let other = 40 + Int(rng.next() % 20)
        /// For the `stop` forms: whether the command starts the pump (1) or stops it (0).
        let on = value != 0
        let bit: UInt8 = on ? 1 : 0
        switch write {
        case .hart:
            // HART-IP over UDP to the multiplexer: a session opened, device variable 0 of the transmitter fixed at the
            // value (command 79: variable, 1 = fixed, units mg/L (170), the value, its status), echoed, the session
            // closed (a HART-IP session begins and ends with its own messages, like a connection).
            let simulate: [UInt8] = [0, 1, 170] + HARTIPSessions.real(Float(raw)) + [0xC0]
            let messages: [(Bool, [UInt8])] = [
                (true, HARTIPSessions.header(type: 0, id: 0, sequence: 1, body: [1, 0, 0, 0x75, 0x30])),
                (false, HARTIPSessions.header(type: 1, id: 0, sequence: 1, body: [1, 0, 0, 0x75, 0x30])),
                (true, HARTIPSessions.header(type: 0, id: 3, sequence: 2,
                                             body: HARTIPSessions.pdu(request: true, command: 79, data: simulate))),
                (false, HARTIPSessions.header(type: 1, id: 3, sequence: 2,
                                              body: HARTIPSessions.pdu(request: false, command: 79, data: simulate))),
                (true, HARTIPSessions.header(type: 0, id: 1, sequence: 3, body: [])),
                (false, HARTIPSessions.header(type: 1, id: 1, sequence: 3, body: [])),
            ]
            for (k, (fromClient, payload)) in messages.enumerated() {
                let at = t + Int64(k / 2 - 1) * 40_000_000 + (fromClient ? 0 : latency)
                let (src, dst) = fromClient ? (client, Self.rtu) : (Self.rtu, client)
                cap.add(at, Frames.udp(src, fromClient ? port : 5094, dst, fromClient ? 5094 : port, payload: payload,
                                       id: cap.nextID(src), ttl: fromClient ? 128 : 64))
            }
        case .modbus where form == .modbusUDPSingle || form == .modbusRTUUDPCoil:
            // Over UDP: a datagram each way, no connection; the slave echoes a write.
            let request: [UInt8]
            if form == .modbusUDPSingle {
                request = ModbusUDPSessions.mbap(UInt16(index * 10 + 1), unit: unit, [0x06, 0x00, 0x04] + Frames.be16(UInt16(rawInt)))
            } else {
                request = ModbusRTUSessions.rtu([unit, 0x05, 0x00, 0x04, on ? 0xFF : 0x00, 0x00])
            }
            let serverPort: UInt16 = form == .modbusUDPSingle ? 502 : 4001
            cap.add(t, Frames.udp(client, port, Self.rtu, serverPort, payload: request, id: cap.nextID(client), ttl: 128))
            cap.add(t + latency, Frames.udp(Self.rtu, serverPort, client, port, payload: request, id: cap.nextID(Self.rtu), ttl: 64))
        case .modbus:
            connection(form == .modbusRTUSingle || form == .modbusRTUCoil ? 4001 : 502, opened: 5_000_000) { c in
                var tid = UInt16(index * 10)
                switch form {
                case .modbusRTUSingle, .modbusRTUCoil:
                    // Unit 1 on the serial link; the slave echoes a write.
                    let pdu: [UInt8] = form == .modbusRTUCoil ? [0x05, 0x00, 0x04, on ? 0xFF : 0x00, 0x00]
                        : [0x06, 0x00, 0x04] + Frames.be16(UInt16(rawInt))
                    c.send(fromClient: true, t, ModbusRTUSessions.rtu([unit] + pdu))
                    c.send(fromClient: false, t + latency, ModbusRTUSessions.rtu([unit] + pdu))
                case .modbusCoil:
                    let req: [UInt8] = [0x05, 0x00, 0x04, on ? 0xFF : 0x00, 0x00]
                    _ = ModbusFrames.exchange(c, &tid, t, req, req, unit: unit, latency: { latency })
                case .modbusCoils:
                    // Coils 00004–00006 in one request: the alarm horn's coil on, the pump's, the spare's off.
                    let req: [UInt8] = [0x0F, 0x00, 0x03, 0x00, 0x03, 0x01, 0x01 | bit << 1]
                    _ = ModbusFrames.exchange(c, &tid, t, req, [0x0F, 0x00, 0x03, 0x00, 0x03], unit: unit, latency: { latency })
                case .modbusMultiple:
                    // Registers 40004–40006 in one request, the setpoint the middle one.
                    let req: [UInt8] = [0x10, 0x00, 0x03, 0x00, 0x03, 0x06] + Frames.be16(UInt16(other))
                        + Frames.be16(UInt16(rawInt)) + Frames.be16(UInt16(other + 100))
                    _ = ModbusFrames.exchange(c, &tid, t, req, [0x10, 0x00, 0x03, 0x00, 0x03], unit: unit, latency: { latency })
                case .modbusFloat, .modbusFloatLowFirst:
                    // A REAL in 40005–40006 (the inventory says how: `type: float32`, and which word comes first).
                    let bits = Float(raw).bitPattern
                    let (hi, lo) = (UInt16(bits >> 16), UInt16(bits & 0xFFFF))
                    let words = form == .modbusFloat ? Frames.be16(hi) + Frames.be16(lo) : Frames.be16(lo) + Frames.be16(hi)
                    let req: [UInt8] = [0x10, 0x00, 0x04, 0x00, 0x02, 0x04] + words
                    _ = ModbusFrames.exchange(c, &tid, t, req, [0x10, 0x00, 0x04, 0x00, 0x02], unit: unit, latency: { latency })
                case .modbusReadWrite:
                    // Read 40001–40002 and write 40005 in one request (function 23).
                    let req: [UInt8] = [0x17, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x02] + Frames.be16(UInt16(rawInt))
                    let resp: [UInt8] = [0x17, 0x04] + Frames.be16(UInt16(other)) + Frames.be16(UInt16(other + 1))
                    _ = ModbusFrames.exchange(c, &tid, t, req, resp, unit: unit, latency: { latency })
                default:
                    let req: [UInt8] = [0x06, 0x00, 0x04] + Frames.be16(UInt16(rawInt))
                    _ = ModbusFrames.exchange(c, &tid, t, req, req, unit: unit, latency: { latency })
                }
            }
        case .dnp3:
            connection(20_000, opened: 5_000_000) { c in
                let seq = UInt8((index * 2) & 0x0F)
                let object: [UInt8]
                switch form {
                case .dnp3Latch, .dnp3TripClose:
                    // CROB: control code, count, on time, off time, status. Latch on/off, or a pulse with close/trip.
                    let code: UInt8 = form == .dnp3Latch ? (on ? 0x03 : 0x04) : (on ? 0x41 : 0x81)
                    object = [12, 1, 0x17, 1, 3, code, 1] + Self.le32(1_000) + Self.le32(0) + [0]
                case .dnp3SelectOperate: object = [41, 1, 0x17, 1, 3] + Self.le32(UInt32(bitPattern: Int32(rawInt))) + [0]
                case .dnp3DirectNoAck: object = [41, 3, 0x17, 1, 3] + Self.le32(Float(raw).bitPattern) + [0]
                default: object = [41, 2, 0x17, 1, 3] + Self.le16(UInt16(truncatingIfNeeded: rawInt)) + [0]
                }
                func exchange(_ at: Int64, _ function: UInt8, _ seq: UInt8, answered: Bool = true) {
                    c.send(fromClient: true, at, Self.dnp3Frame(control: 0xC4, dst: UInt16(10 + station), src: 1, apdu: [0xC0 | seq, function] + object, seq: seq))
                    guard answered else { return }
                    c.send(fromClient: false, at + latency, Self.dnp3Frame(control: 0x44, dst: 1, src: UInt16(10 + station),
                                                                           apdu: [0xC0 | seq, 0x81, 0x00, 0x00] + object, seq: seq))
                }
                switch form {
                case .dnp3SelectOperate, .dnp3TripClose:
                    // SELECT, then OPERATE of the same object: the value changes at the OPERATE.
                    exchange(t - 900_000_000, 0x03, seq)
                    exchange(t, 0x04, (seq + 1) & 0x0F)
                case .dnp3DirectNoAck: exchange(t, 0x06, seq, answered: false)
                default: exchange(t, 0x05, seq)
                }
            }
        case .iec104:
            connection(2404, opened: 50_000_000) { c in
                c.send(fromClient: true, t - 40_000_000, [0x68, 0x04, 0x07, 0x00, 0x00, 0x00])
                c.send(fromClient: false, t - 38_000_000, [0x68, 0x04, 0x0B, 0x00, 0x00, 0x00])
                let ioa: [UInt8] = impact == .stop ? [0x8D, 0x13, 0x00] : [0xA5, 0x0F, 0x00]   // IOA 5005 or 4005
                /// One command ASDU; `qos` 0x80 asks to select, 0x00 to execute (the S/E bit of a setpoint's QOS and of
                /// a command's SCO or DCO alike).
                func asdu(_ cot: UInt8, qos: UInt8 = 0) -> [UInt8] {
                    switch form {
                    case .iec104Single:
                        return [45, 0x01, cot, 0x00, unit, 0x00] + ioa + [bit | qos]
                    case .iec104Double:
                        // DCS 1 off, 2 on.
                        return [46, 0x01, cot, 0x00, unit, 0x00] + ioa + [(on ? 2 : 1) | qos]
                    case .iec104Float:
                        return [50, 0x01, cot, 0x00, unit, 0x00] + ioa + Self.le32(Float(raw).bitPattern) + [qos]
                    case .iec104FloatTimeTag:
                        return [63, 0x01, cot, 0x00, unit, 0x00] + ioa + Self.le32(Float(raw).bitPattern) + [qos]
                            + Self.cp56(t, offset: 0)
                    case .iec104NormalizedSelect:
                        let nva = Int16(max(-32_768, min(32_767, (raw * 32_768).rounded())))
                        return [48, 0x01, cot, 0x00, unit, 0x00] + ioa + Self.le16(UInt16(bitPattern: nva)) + [qos]
                    default:
                        return [49, 0x01, cot, 0x00, unit, 0x00] + ioa + Self.le16(UInt16(truncatingIfNeeded: rawInt)) + [qos]
                    }
                }
                func iframe(tx: Int, rx: Int, _ a: [UInt8]) -> [UInt8] {
                    [0x68, UInt8(4 + a.count)] + Self.le16(UInt16(tx << 1)) + Self.le16(UInt16(rx << 1)) + a
                }
                var tx = 0
                if form == .iec104NormalizedSelect || form == .iec104Double {
                    // Select (S/E set), confirmed; then the execution below.
                    c.send(fromClient: true, t - 800_000_000, iframe(tx: 0, rx: 0, asdu(6, qos: 0x80)))
                    c.send(fromClient: false, t - 800_000_000 + latency, iframe(tx: 0, rx: 1, asdu(7, qos: 0x80)))
                    tx = 1
                }
                c.send(fromClient: true, t, iframe(tx: tx, rx: tx, asdu(6)))
                c.send(fromClient: false, t + latency, iframe(tx: tx, rx: tx + 1, asdu(7)))
                c.send(fromClient: false, t + 2 * latency, iframe(tx: tx + 1, rx: tx + 1, asdu(10)))
                c.send(fromClient: true, t + 3 * latency, [0x68, 0x04, 0x01, 0x00] + Self.le16(UInt16((tx + 2) << 1)))
            }
        case .s7:
            connection(102, opened: 60_000_000) { c in
                // The CPU in slot 2 of the rack (the gateway cases' second CPU in slot 3).
                c.send(fromClient: true, t - 50_000_000, S7Frames.connectRequest(slot: 2 + UInt8(station)))
                c.send(fromClient: false, t - 48_000_000, S7Frames.connectConfirm(slot: 2 + UInt8(station)))
                c.send(fromClient: true, t - 40_000_000, S7Frames.job(0x0100, S7Frames.setupRequest))
                c.send(fromClient: false, t - 38_000_000, S7Frames.ackData(0x0100, S7Frames.setupResponse))
                /// An S7ANY item: type, DB, area, byte address; and its data: transport size, length, value.
                func item(_ type: UInt8, db: UInt16, area: UInt8, byte: Int) -> [UInt8] {
                    let bits = byte * 8
                    return [0x12, 0x0A, 0x10, type, 0x00, 0x01] + Frames.be16(db) + [area, UInt8((bits >> 16) & 0xFF),
                                                                                    UInt8((bits >> 8) & 0xFF), UInt8(bits & 0xFF)]
                }
                func word(_ v: Int) -> [UInt8] { [0x00, 0x05, 0x00, 0x10] + Frames.be16(UInt16(truncatingIfNeeded: v)) }
                var items: [[UInt8]]
                var data: [UInt8]
                switch form {
                case .s7Bit:
                    // DB1.DBX4.0: a BIT item at bit address 32, its data one bit long.
                    items = [item(0x01, db: 1, area: 0x84, byte: 4)]
                    data = [0x00, 0x03, 0x00, 0x01, bit]
                case .s7Real:
                    items = [item(0x08, db: 1, area: 0x84, byte: 8)]
                    data = [0x00, 0x07, 0x00, 0x04] + Frames.be32(Float(raw).bitPattern)
                case .s7Marker:
                    items = [item(0x05, db: 0, area: 0x83, byte: 10)]
                    data = word(rawInt)
                case .s7TwoItems:
                    // DB1.DBW2 (a mode word) and the setpoint in one request.
                    items = [item(0x05, db: 1, area: 0x84, byte: 2), item(0x05, db: 1, area: 0x84, byte: 4)]
                    data = word(other) + word(rawInt)
                default:
                    items = [item(0x05, db: 1, area: 0x84, byte: 4)]
                    data = word(rawInt)
                }
                c.send(fromClient: true, t, S7Frames.job(0x0200, [0x05, UInt8(items.count)] + items.joined(), data))
                c.send(fromClient: false, t + latency, S7Frames.ackData(0x0200, [0x05, UInt8(items.count)],
                                                                        [UInt8](repeating: 0xFF, count: items.count)))
            }
        case .cip:
            connection(44_818, opened: 50_000_000) { c in
                let session = UInt32(0x1000 + index)
                c.send(fromClient: true, t - 40_000_000, Self.encap(0x0065, session: 0, [0x01, 0x00, 0x00, 0x00]))
                c.send(fromClient: false, t - 38_000_000, Self.encap(0x0065, session: session, [0x01, 0x00, 0x00, 0x00]))
                func path(_ tag: String) -> [UInt8] {
                    let name = Array(tag.utf8)
                    return [0x91, UInt8(name.count)] + name + (name.count % 2 == 1 ? [0] : [])
                }
                let sp = path("Dose_SP")
                let request: [UInt8]
                let reply: [UInt8]
                switch form {
                case .cipBool:
                    let cmd = path("Pump1_Run_Cmd")
                    request = [0x4D, UInt8(cmd.count / 2)] + cmd + [0xC1, 0x00, 0x01, 0x00, bit]
                    reply = [0xCD, 0x00, 0x00, 0x00]
                case .cipMultiple:
                    // Read the dose's measured value and write the setpoint in one Multiple Service Packet.
                    let pv = path("Dose_PV")
                    let read: [UInt8] = [0x4C, UInt8(pv.count / 2)] + pv + [0x01, 0x00]
                    let write: [UInt8] = [0x4D, UInt8(sp.count / 2)] + sp + [0xCA, 0x00, 0x01, 0x00] + Self.le32(Float(raw).bitPattern)
                    request = [0x0A, 0x02, 0x20, 0x02, 0x24, 0x01] + Self.le16(2) + Self.le16(6) + Self.le16(UInt16(6 + read.count))
                        + read + write
                    let readReply: [UInt8] = [0xCC, 0x00, 0x00, 0x00, 0xCA, 0x00] + Self.le32(Float(other).bitPattern)
                    reply = [0x8A, 0x00, 0x00, 0x00] + Self.le16(2) + Self.le16(6) + Self.le16(UInt16(6 + readReply.count))
                        + readReply + [0xCD, 0x00, 0x00, 0x00]
                case .cipFragmentedDINT:
                    // A DINT tag written with Write Tag Fragmented (offset 0): hundredths, as the Modbus register.
                    request = [0x53, UInt8(sp.count / 2)] + sp + [0xC4, 0x00, 0x01, 0x00] + Self.le32(0)
                        + Self.le32(UInt32(bitPattern: Int32(rawInt)))
                    reply = [0xD3, 0x00, 0x00, 0x00]
                default:
                    request = [0x4D, UInt8(sp.count / 2)] + sp + [0xCA, 0x00, 0x01, 0x00] + Self.le32(Float(raw).bitPattern)
                    reply = [0xCD, 0x00, 0x00, 0x00]
                }
                // Behind the chassis's Ethernet module (the gateway cases): by Unconnected Send, routed over the
                // backplane (port 1) to the controller in slot 2 (the second controller in slot 3).
                let routed = !gateway ? request : [0x52, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x05] + Self.le16(UInt16(request.count))
                    + request + (request.count % 2 == 1 ? [0] : []) + [0x01, 0x00, 0x01, 2 + UInt8(station)]
                c.send(fromClient: true, t, Self.encap(0x006F, session: session, Self.rrData(routed)))
                c.send(fromClient: false, t + latency, Self.encap(0x006F, session: session, Self.rrData(reply)))
            }
        case .bacnet:
            let invoke = UInt8(index + 1)
            /// An analog-value's identifier (type 2), or another type's.
            func objectID(_ instance: UInt32, type: UInt32 = 2) -> [UInt8] { Frames.be32((type << 22) | instance) }
            let real: [UInt8] = [0x44] + Frames.be32(Float(raw).bitPattern)
            let service: UInt8
            let body: [UInt8]
            switch form {
            case .bacnetBinary:
                // binary-output 3's present-value, an enumerated (inactive 0, active 1), at priority 8.
                service = 0x0F
                body = [0x0C] + objectID(3, type: 4) + [0x19, 0x55, 0x3E, 0x91, bit, 0x3F, 0x49, 0x08]
            case .bacnetMultiple:
                // analog-value:2 (the dose flow's limit) and analog-value:3 in one WritePropertyMultiple.
                service = 0x10
                body = [0x0C] + objectID(2) + [0x1E, 0x09, 0x55, 0x2E, 0x44] + Frames.be32(Float(other).bitPattern) + [0x2F, 0x1F]
                    + [0x0C] + objectID(3) + [0x1E, 0x09, 0x55, 0x2E] + real + [0x2F, 0x1F]
            case .bacnetNoPriority:
                service = 0x0F
                body = [0x0C] + objectID(3) + [0x19, 0x55, 0x3E] + real + [0x3F]
            default:
                service = 0x0F
                body = [0x0C] + objectID(3) + [0x19, 0x55, 0x3E] + real + [0x3F, 0x49, 0x08]
            }
            let apdu: [UInt8] = [0x00, 0x05, invoke, service] + body
            // Behind a BACnet router (the gateway cases): the NPDU names the MS/TP device on network 3 the request is
            // for (MAC 10 + station), and the answer the device it comes from.
            let mac = UInt8(10 + station)
            let toDevice: [UInt8] = gateway ? [0x01, 0x24, 0x00, 0x03, 0x01, mac, 0xFF] : [0x01, 0x04]
            let fromDevice: [UInt8] = gateway ? [0x01, 0x08, 0x00, 0x03, 0x01, mac] : [0x01, 0x00]
            let req = [0x81, 0x0A] + Frames.be16(UInt16(4 + toDevice.count + apdu.count)) + toDevice + apdu
            let ack: [UInt8] = [0x81, 0x0A] + Frames.be16(UInt16(4 + fromDevice.count + 3)) + fromDevice + [0x20, invoke, service]
            cap.add(t, Frames.udp(client, 47_808, Self.rtu, 47_808, payload: req, id: cap.nextID(client), ttl: 128))
            cap.add(t + latency, Frames.udp(Self.rtu, 47_808, client, 47_808, payload: ack, id: cap.nextID(Self.rtu), ttl: 64))
        case .fins:
            // The engineering tool's node 10 to the controller's node 20 (unit 0, its CPU), GCT 2 as OMRON's tools send.
            let sid = UInt8(truncatingIfNeeded: index + 1)
            func header(_ response: Bool, tool: UInt8) -> [UInt8] {
                response ? [0xC0, 0, 2, 0, tool, 0, 0, 20, 0, sid] : [0x80, 0, 2, 0, 20, 0, 0, tool, 0, sid]
            }
            let area: [UInt8] = form == .finsBit ? [0x30, 0x00, 100, 0x00] : [0x82, 0x00, 100, 0x00]
            let data: [UInt8] = form == .finsBit ? [0x00, 0x01, bit]
                : form == .finsTwoWordsTCP ? [0x00, 0x02] + Frames.be16(UInt16(rawInt)) + Frames.be16(UInt16(other))
                : [0x00, 0x01] + Frames.be16(UInt16(rawInt))
            let command: [UInt8] = [0x01, 0x02] + area + data
            if form == .finsTwoWordsTCP {
                func tcp(_ code: UInt32, _ body: [UInt8]) -> [UInt8] {
                    Array("FINS".utf8) + Frames.be32(UInt32(8 + body.count)) + Frames.be32(code) + Frames.be32(0) + body
                }
                connection(9600, opened: 40_000_000) { c in
                    c.send(fromClient: true, t - 30_000_000, tcp(0, Frames.be32(0)))
                    c.send(fromClient: false, t - 28_000_000, tcp(1, Frames.be32(11) + Frames.be32(20)))
                    c.send(fromClient: true, t, tcp(2, header(false, tool: 11) + command))
                    c.send(fromClient: false, t + latency, tcp(2, header(true, tool: 11) + [0x01, 0x02, 0x00, 0x00]))
                }
            } else {
                cap.add(t, Frames.udp(client, 9600, Self.rtu, 9600, payload: header(false, tool: 10) + command,
                                      id: cap.nextID(client), ttl: 128))
                cap.add(t + latency, Frames.udp(Self.rtu, 9600, client, 9600,
                                                payload: header(true, tool: 10) + [0x01, 0x02, 0x00, 0x00],
                                                id: cap.nextID(Self.rtu), ttl: 64))
            }
        case .iec61850:
            // The client's association (COTP, session CONNECT with ACSE and the MMS initiate), then the write: an
            // operate (after a select with the same value), or a setting.
            typealias M = MMSCommands
            let seconds = UInt32(t / 1_000_000_000)
            let invoke = 10 + index * 4
            func request(_ id: Int, _ item: String, _ data: [UInt8]) -> [UInt8] {
                M.frame(M.data(M.confirmedRequest(id, M.write([("RTU1LD0", item)], [data]))))
            }
            let success = M.frame(M.data(M.confirmedResponse(invoke, M.tlv(0xA5, [0x81, 0x00]))))
            connection(102, opened: 90_000_000) { c in
                c.send(fromClient: true, t - 80_000_000, M.cotpConnect(false))
                c.send(fromClient: false, t - 78_000_000, M.cotpConnect(true))
                c.send(fromClient: true, t - 70_000_000, M.frame(M.connect()))
                c.send(fromClient: false, t - 66_000_000, M.frame(M.accept()))
                switch form {
                case .mmsOperateSPC:
                    c.send(fromClient: true, t, request(invoke, "GGIO1$CO$SPCSO1$Oper",
                                                        M.control(M.boolean(on), number: index, at: seconds)))
                case .mmsSettingWrite:
                    c.send(fromClient: true, t, request(invoke, "GGIO1$SP$DoseSP$setMag$f", M.float(Float(raw))))
                case .mmsSelectOperateInt:
                    let v = M.tlv(0xA2, M.integer(rawInt, tag: 0x85))
                    c.send(fromClient: true, t - 30_000_000, request(invoke - 1, "GGIO1$CO$AnOut1$SBOw",
                                                                     M.control(v, number: index, at: seconds)))
                    c.send(fromClient: false, t - 27_000_000, M.frame(M.data(M.confirmedResponse(invoke - 1,
                                                                                                  M.tlv(0xA5, [0x81, 0x00])))))
                    c.send(fromClient: true, t, request(invoke, "GGIO1$CO$AnOut1$Oper", M.control(v, number: index, at: seconds)))
                default:
                    c.send(fromClient: true, t, request(invoke, "GGIO1$CO$AnOut1$Oper",
                                                        M.control(M.tlv(0xA2, M.float(Float(raw))), number: index, at: seconds)))
                }
                c.send(fromClient: false, t + latency, success)
            }
        case .melsec:
            // The MC protocol's 3E frame to the controller's own CPU (network 0, PC 255, module 03FF, station 0).
            func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
            let route: [UInt8] = [0x00, 0xFF, 0xFF, 0x03, 0x00]
            let request: [UInt8]
            switch form {
            case .melsecBit:
                request = [0x04, 0x00] + le16(0x1401) + le16(0x0001) + [100, 0, 0, 0x90] + le16(1) + [bit << 4]
            case .melsecRandomWord4E:
                request = [0x04, 0x00] + le16(0x1402) + le16(0x0000) + [2, 0] + [100, 0, 0, 0xA8] + le16(rawInt)
                    + [200, 0, 0, 0xA8] + le16(other)
            default:
                request = [0x04, 0x00] + le16(0x1401) + le16(0x0000) + [100, 0, 0, 0xA8] + le16(1) + le16(rawInt)
            }
            if form == .melsecASCIIWord || form == .melsecASCIIBit {
                let hex = MELSECCommands.hex
                let data = form == .melsecASCIIBit ? "1401" + "0001" + "M*000100" + "0001" + (bit == 1 ? "1" : "0")
                    : "1401" + "0000" + "D*000100" + "0001" + hex(rawInt & 0xFFFF, 4)
                let body = "0010" + data
                connection(5007, opened: 20_000_000) { c in
                    c.send(fromClient: true, t, Array(("500000FF03FF00" + hex(body.count, 4) + body).utf8))
                    c.send(fromClient: false, t + latency, Array("D00000FF03FF0000040000".utf8))
                }
            } else if form == .melsecRandomWord4E {
                let serial = le16(0x1000 + index)
                let req = [0x54, 0x00] + serial + [0, 0] + route + le16(request.count) + request
                cap.add(t, Frames.udp(client, 5001, Self.rtu, 5001, payload: req, id: cap.nextID(client), ttl: 128))
                cap.add(t + latency, Frames.udp(Self.rtu, 5001, client, 5001, payload: [0xD4, 0x00] + serial + [0, 0] + route + le16(2) + [0, 0],
                                                id: cap.nextID(Self.rtu), ttl: 64))
            } else {
                connection(5007, opened: 20_000_000) { c in
                    c.send(fromClient: true, t, [0x50, 0x00] + route + le16(request.count) + request)
                    c.send(fromClient: false, t + latency, [0xD0, 0x00] + route + le16(2) + [0, 0])
                }
            }
        case .opcua:
            connection(4840, opened: 80_000_000) { c in
                let url = Self.uaString("opc.tcp://10.1.3.20:4840")
                c.send(fromClient: true, t - 70_000_000, Self.uaMessage("HEL", Self.le32(0) + Self.le32(65_536) + Self.le32(65_536)
                                                                            + Self.le32(0) + Self.le32(0) + url))
                c.send(fromClient: false, t - 68_000_000, Self.uaMessage("ACK", Self.le32(0) + Self.le32(65_536) + Self.le32(65_536)
                                                                             + Self.le32(0) + Self.le32(0)))
                let policy = Self.uaString("http://opcfoundation.org/UA/SecurityPolicy#None")
                let noBytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
                let opnReq = Self.le32(0) + policy + noBytes + noBytes + Self.le32(1) + Self.le32(1) + Self.uaNode(446)
                    + Self.uaRequestHeader(1) + Self.le32(0) + Self.le32(0) + Self.le32(1) + noBytes + Self.le32(3_600_000)
                c.send(fromClient: true, t - 60_000_000, Self.uaMessage("OPN", opnReq))
                let opnResp = Self.le32(1) + policy + noBytes + noBytes + Self.le32(1) + Self.le32(1) + Self.uaNode(449)
                    + Self.uaResponseHeader(1) + Self.le32(0) + Self.le32(1) + Self.le32(1) + [UInt8](repeating: 0, count: 8)
                    + Self.le32(3_600_000) + noBytes
                c.send(fromClient: false, t - 58_000_000, Self.uaMessage("OPN", opnResp))
                /// A WriteValue of the Value attribute (13): node, attribute, no index range, a DataValue with its value.
                func writeValue(_ node: [UInt8], _ variant: [UInt8]) -> [UInt8] { node + Self.le32(13) + noBytes + [0x01] + variant }
                let named: [UInt8] = [0x03] + Self.le16(2) + Self.uaString("Dose.SP")
                var values: [[UInt8]]
                switch form {
                case .opcuaBoolean:
                    // A Boolean written to ns=2;s=Pump1.Run.
                    values = [writeValue([0x03] + Self.le16(2) + Self.uaString("Pump1.Run"), [1, bit])]
                case .opcuaTwoNodesDouble:
                    // The dosing mode (an Int32) and the setpoint as a Double, in one Write.
                    let mode: [UInt8] = [0x03] + Self.le16(2) + Self.uaString("Dose.Mode")
                    values = [writeValue(mode, [6] + Self.le32(UInt32(other))),
                              writeValue(named, [11] + Self.le64(raw.bitPattern))]
                case .opcuaNumeric:
                    // ns=2;i=1005 in the four-byte node id encoding.
                    values = [writeValue([0x01, 0x02] + Self.le16(1005), [10] + Self.le32(Float(raw).bitPattern))]
                default:
                    values = [writeValue(named, [10] + Self.le32(Float(raw).bitPattern))]
                }
                let writeReq = Self.le32(1) + Self.le32(1) + Self.le32(2) + Self.le32(2) + Self.uaNode(673)
                    + Self.uaRequestHeader(2) + Self.le32(UInt32(values.count)) + values.joined()
                c.send(fromClient: true, t, Self.uaMessage("MSG", writeReq))
                let writeResp = Self.le32(1) + Self.le32(1) + Self.le32(2) + Self.le32(2) + Self.uaNode(676)
                    + Self.uaResponseHeader(2) + Self.le32(UInt32(values.count))
                    + [UInt8](repeating: 0, count: 4 * values.count) + noBytes
                c.send(fromClient: false, t + latency, Self.uaMessage("MSG", writeResp))
            }
        }
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
    static func le64(_ v: UInt64) -> [UInt8] { le32(UInt32(v & 0xFFFF_FFFF)) + le32(UInt32(v >> 32)) }

    /// IEC 60870-5 CP56Time2a of `t` (UTC plus `offset` seconds): milliseconds, minutes, hours, day and weekday,
    /// month, year of the century.
    static func cp56(_ t: Int64, offset: Int) -> [UInt8] {
        let ms = Int((t % 60_000_000_000) / 1_000_000)
        let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: offset)
        return le16(UInt16(ms)) + [UInt8(c.minute), UInt8(c.hour), UInt8(c.day), UInt8(c.month), UInt8(c.year % 100)]
    }

    /// DNP3 link frame (user data in blocks of 16 with their CRCs) carrying one transport segment.
    static func dnp3Frame(control: UInt8, dst: UInt16, src: UInt16, apdu: [UInt8], seq: UInt8) -> [UInt8] {
        let user = [0xC0 | (seq & 0x3F)] + apdu
        var header: [UInt8] = [0x05, 0x64, UInt8(5 + user.count), control] + le16(dst) + le16(src)
        header += le16(dnp3CRC(header))
        var out = header
        var i = 0
        while i < user.count {
            let block = Array(user[i..<min(i + 16, user.count)])
            out += block + le16(dnp3CRC(block))
            i += 16
        }
        return out
    }

    /// IEEE 1815 CRC (polynomial 0x3D65, reflected, complemented).
    static func dnp3CRC(_ b: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in b {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA6BC : crc >> 1 }
        }
        return ~crc
    }

    /// EtherNet/IP encapsulation: command, length, session handle, status, sender context, options, data.
    static func encap(_ command: UInt16, session: UInt32, _ data: [UInt8]) -> [UInt8] {
        le16(command) + le16(UInt16(data.count)) + le32(session) + le32(0) + [UInt8](repeating: 0x11, count: 8) + le32(0) + data
    }

    /// SendRRData's body: interface handle, timeout, a null address item and an unconnected data item.
    static func rrData(_ cip: [UInt8]) -> [UInt8] {
        le32(0) + le16(10) + le16(2) + le16(0) + le16(0) + le16(0x00B2) + le16(UInt16(cip.count)) + cip
    }

    static func uaString(_ s: String) -> [UInt8] { le32(UInt32(s.utf8.count)) + Array(s.utf8) }
    static func uaNode(_ id: UInt16) -> [UInt8] { [0x01, 0x00] + le16(id) }
    static func uaMessage(_ type: String, _ body: [UInt8]) -> [UInt8] {
        Array(type.utf8) + [UInt8(ascii: "F")] + le32(UInt32(8 + body.count)) + body
    }
    static func uaRequestHeader(_ handle: UInt32) -> [UInt8] {
        [0x00, 0x00] + [UInt8](repeating: 0, count: 8) + le32(handle) + le32(0) + [0xFF, 0xFF, 0xFF, 0xFF] + le32(10_000)
            + [0x00, 0x00, 0x00]
    }
    static func uaResponseHeader(_ handle: UInt32) -> [UInt8] {
        [UInt8](repeating: 0, count: 8) + le32(handle) + le32(0) + [0x00] + [0xFF, 0xFF, 0xFF, 0xFF] + [0x00, 0x00, 0x00]
    }
}

/// A remote-access gateway's log in its product's own words, with RFC 3339 times (as rsyslog writes them).
struct GatewayLog {
    let product: GeneralizationCase.RemoteAccess
    private(set) var lines: [(Int64, String)] = []
    /// When the record that names the vendor's tunnel address was written.
    private(set) var tunnelEventTime: Int64?
    private var asa = ASALog(host: "gw-1", utcOffset: 0, firstConnection: 40_112)
    private var pid = 812
    /// A YAMAHA router's numbering: its L2TP tunnels and the anonymous PP interfaces its clients' calls take.
    private var l2tpTunnel = 0
    private var anonymous = 0

    /// A YAMAHA router's L2TP connection up to its call (the tunnel's client address, the tunnel and the session
    /// established, the call naming the user); returns the tunnel's number, its id and the PP interface.
    mutating func yamahaCall(user: String, from ip: String, at t: Int64, _ rng: inout SeededRandom) -> (Int, Int, String) {
        l2tpTunnel += 1
        anonymous = anonymous % 8 + 1
        let id = 10_000 + Int(rng.next() % 50_000), pp = String(format: "ANONYMOUS%02d", anonymous)
        line(t, nil, "[IKE] respond ISAKMP phase to \(ip)")
        line(t + 200_000_000, nil, "[L2TP] TUNNEL[\(l2tpTunnel)] connected from \(ip)")
        line(t + 300_000_000, nil, "[L2TP] TUNNEL[\(l2tpTunnel)] tunnel \(id) established")
        line(t + 300_000_000, nil, "[L2TP] TUNNEL[\(l2tpTunnel)] session \(id + 1) established")
        line(t + 500_000_000, nil, "PP[\(pp)] Call detected from user '\(user)'")
        return (l2tpTunnel, id, pp)
    }

    init(product: GeneralizationCase.RemoteAccess) { self.product = product }

    mutating func line(_ t: Int64, _ program: String?, _ text: String) {
        let stamp = Timestamp(nanoseconds: t).iso8601(precision: .seconds)
        lines.append((t, "\(stamp) gw-1 " + (program.map { "\($0): " } ?? "") + text))
    }

    /// A FortiOS record as the FortiGate sends it, with no syslog header: `<PRI>date=… time=…` in the gateway's zone
    /// (+09:00, written in `tz`), the same instant in nanoseconds in `eventtime`, the gateway's name in `devname`, then
    /// `fields` (quoted but for the numbers and addresses FortiOS writes bare); in CEF for `fortigateCEF`.
    mutating func forti(_ t: Int64, priority: Int, _ fields: [(String, String)]) {
        let all = [("devname", "gw-1"), ("devid", "FGT60FTK21000001"), ("eventtime", String(t)), ("tz", "+0900")] + fields
        if product == .fortigateCEF { return fortiCEF(t, all) }
        let bare: Set = ["eventtime", "tunnelid", "remip", "tunnelip"]
        let local = Timestamp(nanoseconds: t + 9 * 3_600_000_000_000)
        let stamp = "date=" + Self.civil(local.nanoseconds).replacingOccurrences(of: " ", with: " time=")
        let text = all.map { k, v in bare.contains(k) ? "\(k)=\(v)" : "\(k)=\"\(v)\"" }.joined(separator: " ")
        lines.append((t, "<\(priority)>\(stamp) \(text)"))
    }

    /// The same FortiOS record in CEF, by Fortinet's mapping (FortiOS to CEF log field mapping guidelines): `type:subtype`
    /// in `cat`, user → duser, action → act, reason and msg as they are, the others `FTNTFGT`-prefixed, quotes removed;
    /// the Signature ID the log id's last five digits, the Name `type:subtype action`. Behind an RFC 3339 header.
    mutating func fortiCEF(_ t: Int64, _ fields: [(String, String)]) {
        let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        let standard = ["user": "duser", "action": "act", "status": "outcome", "reason": "reason", "msg": "msg",
                        "srcip": "src", "dstip": "dst", "devid": "deviceExternalId"]
        var ext = ["cat=\(f["type"] ?? ""):\(f["subtype"] ?? "")"]
        for (k, v) in fields where k != "type" {
            ext.append("\(standard[k] ?? "FTNTFGT" + k)=\(v.replacingOccurrences(of: "=", with: "\\="))")
        }
        let logid = f["logid"] ?? "0000000000"
        let header = "CEF: 0|Fortinet|Fortigate|v7.0.12|\(logid.suffix(5))|\(f["type"] ?? ""):\(f["subtype"] ?? "") "
            + "\(f["action"] ?? "")|3|"
        line(t, nil, header + ext.joined(separator: " "))
    }

    /// A GLOBALPROTECT record from the fields that vary (by their position in PAN-OS's field order), the others as
    /// PAN-OS writes them for this gateway: its CSV as PAN-OS sends it by syslog or, for `globalprotectCEF`, the same
    /// fields in Palo Alto's published CEF format (no Severity field; `rt` the receive time, in milliseconds since
    /// 1970 as a SIEM's export gives it) with no syslog header.
    mutating func globalProtect(_ t: Int64, _ varying: [Int: String]) {
        var f = [String](repeating: "", count: 36)
        for (i, v) in [0: "1", 1: Self.civil(t, "/"), 2: "012801096514", 3: "GLOBALPROTECT", 4: "0", 5: "2561",
                       6: Self.civil(t, "/"), 7: "vsys1", 24: "1", 30: "0", 32: "0", 33: "gp", 34: "1", 35: "0x0"]
                .merging(varying, uniquingKeysWith: { _, v in v }) {
            f[i] = v
        }
        guard product == .globalprotectCEF else {
            return line(t, nil, f.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ","))
        }
        let names = ["PanOSEventID": 8, "PanOSStage": 9, "PanOSAuthMethod": 10, "PanOSTunnelType": 11,
                     "PanOSSourceUserName": 12, "PanOSSourceRegion": 13, "PanOSEndpointDeviceName": 14, "PanOSPublicIPv4": 15,
                     "PanOSPrivateIPv4": 17, "PanOSQuarantineReason": 25, "PanOSConnectionError": 26, "PanOSEventStatus": 28]
        var ext = "rt=\(t / 1_000_000) dvchost=gw-1 PanOSDeviceSN=\(f[2]) PanOSVirtualSystem=\(f[7])"
        for (k, i) in names.sorted(by: { $0.value < $1.value }) {
            ext += " \(k)=\(f[i].replacingOccurrences(of: "=", with: "\\="))"
        }
        lines.append((t, "CEF:0|Palo Alto Networks|PAN-OS|10.1.6|GLOBALPROTECT|0|" + ext))
    }

    /// A Check Point Log Exporter record: RFC 5424 header, the fields in the structured data's place.
    mutating func checkPoint(_ t: Int64, _ fields: [(String, String)]) {
        let stamp = Timestamp(nanoseconds: t).iso8601(precision: .seconds)
        let body = ([("flags", "133376"), ("ifdir", "inbound"), ("origin", "192.0.2.10"), ("time", String(t / 1_000_000_000)),
                     ("version", "5")] + fields + [("product", "VPN-1 & FireWall-1")])
            .map { "\($0.0):\"\($0.1)\"" }.joined(separator: "; ")
        lines.append((t, "<134>1 \(stamp) gw-1 CheckPoint 20112 - [\(body)]"))
    }

    /// An F5 BIG-IP APM line as /var/log/apm has it: the level's name before the daemon's tag, the message id and
    /// level, the access profile and the session's id.
    mutating func apm(_ t: Int64, _ daemon: String, _ sid: String, _ id: String, _ text: String) {
        let level = id.hasSuffix(":3") ? "err" : id.hasSuffix(":6") ? "info" : "notice"
        line(t, "\(level) \(daemon)", "\(id): /Common/ap_vpn:Common:\(sid): \(text)")
    }

    /// A new APM session id: eight hex digits.
    func apmSession(_ rng: inout SeededRandom) -> String {
        String(format: "%08x", UInt32(truncatingIfNeeded: rng.next()))
    }

    /// A SoftEther VPN Server's server-log line: its local time with milliseconds (the site's zone, UTC here), the
    /// hub, the message.
    mutating func softEther(_ t: Int64, _ text: String) {
        lines.append((t, "\(Self.civil(t)).\(String(format: "%03d", (t / 1_000_000) % 1000)) [HUB \"PLANT\"] \(text)"))
    }

    /// LH_CONNECT_CLIENT: a connection arriving, with the client's address and the user it gives.
    func softEtherArrival(_ cid: String, user: String, ip: String, port: Int) -> String {
        "The connection \"\(cid)\" (IP address: \(ip), Host name: \(ip), Port number: \(port), Client name: \"SoftEther VPN "
            + "Client\", Version: 4.42, Build: 9798) is attempting to connect to the Virtual Hub. The auth type provided is "
            + "\"Password authentication\" and the user name is \"\(user)\"."
    }

    /// Citrix ADC's own stamp, `10/09/2014:08:37:51 GMT`.
    static func netScaler(_ t: Int64) -> String {
        let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
        return String(format: "%02d/%02d/%04d:%02d:%02d:%02d GMT", c.month, c.day, c.year, c.hour, c.minute, c.second)
    }

    static func civil(_ t: Int64, _ sep: String = "-") -> String {
        let c = Timestamp(nanoseconds: t).civil(utcOffsetSeconds: 0)
        return String(format: "%04d\(sep)%02d\(sep)%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    mutating func failed(user: String, from ip: String, at t: Int64, _ rng: inout SeededRandom) {
        let port = 40_000 + Int(rng.next() % 20_000)
        switch product {
        case .asa:
            asa.vpnRejected(t, user: user, from: ip, authServer: "10.1.0.5")
            lines = asa.lines
        case .openvpn:
            line(t, "openvpn[\(pid)]", "\(ip):\(port) TLS Auth Error: Auth Username/Password verification failed for peer")
            line(t, "openvpn[\(pid)]", "\(ip):\(port) SENT CONTROL [UNDEF]: 'AUTH_FAILED' (status=1)")
        case .fortigate, .fortigateCEF:
            forti(t, priority: 185, [("logid", "0101039426"), ("type", "event"), ("subtype", "vpn"), ("level", "alert"),
                                     ("vd", "root"), ("logdesc", "SSL VPN login fail"), ("action", "ssl-login-fail"),
                                     ("tunneltype", "ssl-web"), ("tunnelid", "0"), ("remip", ip), ("user", user),
                                     ("group", "N/A"), ("dst_host", "N/A"), ("reason", "sslvpn_login_permission_denied"),
                                     ("msg", "SSL user failed to logged in")])
        case .globalprotect, .globalprotectCEF:
            globalProtect(t, [8: "portal-auth", 9: "login", 10: "LDAP", 12: user, 13: "JP", 15: ip, 17: "0.0.0.0",
                              26: "Authentication failed: Invalid username or password", 28: "failure"])
        case .pulse:
            line(t, "PulseSecure", "\(Self.civil(t)) - ive - [\(ip)] \(user)(Users)[] - Primary authentication failed for "
                 + "\(user)/System Local from \(ip)")
        case .citrix:
            line(t, nil, "\(Self.netScaler(t)) gw-1 0-PPE-1 : AAA LOGIN_FAILED \(4_100 + lines.count) 0 :  User \(user) - "
                 + "Client_ip \(ip) - Failure_reason \"Invalid username or password\"")
        case .strongswan:
            line(t, "charon", "09[IKE] EAP method EAP_MSCHAPV2 failed for peer \(user)")
        case .checkpoint:
            checkPoint(t, [("action", "Failed Log In"), ("auth_method", "Username and Password"),
                           ("reason", "Failed to login: wrong user name or password"), ("src", ip), ("user", user)])
        case .f5:
            // A session of its own: the client, the name it typed, the directory's refusal, the policy's deny.
            let sid = apmSession(&rng)
            apm(t - 1_000_000_000, "tmm1[12390]", sid, "01490500:5", "New session from client IP \(ip) (ST=/CC=/C=) at VIP "
                + "192.0.2.10 Listener /Common/vs_vpn_443 (Reputation=Unknown)")
            apm(t - 1_000_000_000, "apmd[7373]", sid, "01490010:6", "Username '\(user)'")
            apm(t, "apmd[7373]", sid, "01490107:3", "AD module: authentication with '\(user)' failed in doAuth: Preauthentication "
                + "failed, principal name: \(user)@PLANT.EXAMPLE. Decrypt integrity check failed (-1765328353)")
            apm(t, "apmd[7373]", sid, "01490102:5", "Access policy result: Logon_Deny")
        case .softether:
            let cid = "CID-\(pid)"
            pid += 1
            softEther(t - 60_000_000, softEtherArrival(cid, user: user, ip: ip, port: port))
            softEther(t, "Connection \"\(cid)\": User authentication failed. The user name that has been provided was \"\(user)\".")
        case .yamaha:
            // The router writes no verdict: the call's link never comes up, and the client drops the tunnel.
            let (n, id, _) = yamahaCall(user: user, from: ip, at: t, &rng)
            line(t + 4_000_000_000, nil, "[L2TP] TUNNEL[\(n)] disconnect tunnel \(id) complete")
        }
    }

    /// A session from logon to its end; returns the kind of the record that names the tunnel address.
    @discardableResult
    mutating func session(user: String, from ip: String, tunnel: String, start: Int64, end: Int64,
                          rdp: (t: Int64, target: String, port: Int)? = nil, _ rng: inout SeededRandom) -> String {
        let port = 40_000 + Int(rng.next() % 20_000)
        var kind = "vpn.address_assigned"
        var tunnelAt = start + 1_000_000_000
        switch product {
        case .asa:
            let r = rdp ?? (start + 90_000_000_000, "10.1.2.99", 3389)
            asa.vpnSession(user: user, group: "GP-Vendors", from: ip, assigned: tunnel, start: start, rdp: r.t,
                           rdpEnd: end - 60_000_000_000, end: end, port: rdp?.port ?? 51_000, target: r.target,
                           authServer: "10.1.0.5", &rng)
            lines = asa.lines
        case .openvpn:
            let o = "openvpn[\(pid)]"
            line(start, o, "\(ip):\(port) TLS: Username/Password authentication succeeded for username '\(user)'")
            line(start, o, "\(ip):\(port) [\(user)] Peer Connection Initiated with [AF_INET]\(ip):\(port)")
            // What a 2.6 server writes at verbosity 3: the pool's pick, the route learned, the address given.
            let peer = "\(user)/\(ip):\(port)"
            line(start + 1_000_000_000, o, "\(peer) MULTI_sva: pool returned IPv4=\(tunnel), IPv6=(Not enabled)")
            line(start + 1_000_000_000, o, "\(peer) MULTI: Learn: \(tunnel) -> \(peer)")
            line(start + 1_000_000_000, o, "\(peer) MULTI: primary virtual IP for \(peer): \(tunnel)")
            line(end, o, "\(user)/\(ip):\(port) SIGTERM[soft,remote-exit] received, client-instance exiting")
        case .fortigate, .fortigateCEF:
            kind = "auth.logon"
            tunnelAt = start
            let tid = 285_300_000 + Int(rng.next() % 99_999)
            func tunnelRecord(_ t: Int64, _ logid: String, _ what: String, _ action: String, _ reason: String, _ msg: String) {
                forti(t, priority: 190, [("type", "event"), ("subtype", "vpn"), ("level", "information"), ("vd", "root"),
                                         ("logid", logid), ("logdesc", "SSL VPN tunnel \(what)"), ("action", action),
                                         ("tunneltype", "ssl-tunnel"), ("tunnelid", String(tid)), ("remip", ip),
                                         ("tunnelip", tunnel), ("user", user), ("group", "vendors"), ("dst_host", "N/A"),
                                         ("reason", reason), ("msg", msg)])
            }
            tunnelRecord(start, "0101039947", "up", "tunnel-up", "tunnel established", "SSL tunnel established")
            tunnelRecord(end, "0101039948", "down", "tunnel-down", "N/A", "SSL tunnel shutdown")
        case .globalprotect, .globalprotectCEF:
            kind = "auth.logon"
            tunnelAt = start + 2_000_000_000
            func gp(_ t: Int64, _ event: String, _ stage: String, _ priv: String, _ reason: String) {
                globalProtect(t, [8: event, 9: stage, 10: "LDAP", 11: "SSL", 12: user, 13: "JP", 14: "LAPTOP-\(user.uppercased())",
                                  15: ip, 17: priv, 19: "h1", 21: "5.2.6", 22: "Windows", 23: "Windows 10 , 64-bit",
                                  25: reason, 28: "success", 29: "Tokyo", 31: "on-demand"])
            }
            gp(start, "gateway-auth", "login", "0.0.0.0", "")
            gp(start + 2_000_000_000, "gateway-connected", "connected", tunnel, "")
            gp(end, "gateway-logout", "logout", tunnel, "client logout")
        case .pulse:
            func pcs(_ t: Int64, _ roles: String, _ text: String) {
                line(t, "PulseSecure", "\(Self.civil(t)) - ive - [\(ip)] \(user)(Users)[\(roles)] - \(text)")
            }
            pcs(start, "", "Primary authentication successful for \(user)/System Local from \(ip)")
            pcs(start, "Users", "Login succeeded for \(user)/Users (session:5e4d3c2b) from \(ip) with Pulse-Secure/9.1.9.1741 (Windows 10) Pulse/9.1.9.1741.")
            pcs(start + 1_000_000_000, "Users", "VPN Tunneling: Session started for user with IPv4 address \(tunnel), hostname LAPTOP-1")
            pcs(end, "Users", "VPN Tunneling: Session ended for user with IPv4 address \(tunnel)")
        case .citrix:
            // Citrix ADC Gateway: the intranet address mapped to the session is on its LOGIN record.
            kind = "auth.logon"
            tunnelAt = start
            let sid = 15 + pid
            func ns(_ t: Int64, _ event: String, _ text: String) {
                line(t, nil, "\(Self.netScaler(t)) gw-1 0-PPE-0 : SSLVPN \(event) \(11_590 + lines.count) 0 : Context \(user)@\(ip) - "
                     + "SessionId: \(sid)- User \(user) - Client_ip \(ip) - Nat_ip \(tunnel) - Vserver 192.0.2.10:443 - " + text)
            }
            ns(start, "LOGIN", "Browser_type \"WindowsNT WinNT Windows NT 10.0 Mozilla 5.0\" - SSLVPN_client_type Agent - Group(s) \"N/A\"")
            ns(end, "LOGOUT", "Start_time \"\(Self.netScaler(start))\" - End_time \"\(Self.netScaler(end))\" - "
               + "Total_bytes_send 52110 - Total_bytes_recv 1102934 - Logout_method \"Explicit\" - Group(s) \"N/A\"")
        case .checkpoint:
            // The Office Mode address is on the Log In record.
            kind = "auth.logon"
            tunnelAt = start
            checkPoint(start, [("action", "Log In"), ("auth_method", "Username and Password"),
                               ("auth_status", "Successful Login"), ("office_mode_ip", tunnel), ("src", ip),
                               ("user", "\(user.uppercased()) (\(user))")])
            checkPoint(end, [("action", "Log Out"), ("office_mode_ip", tunnel), ("src", ip), ("user", user)])
        case .strongswan:
            // charon assigns the virtual IP before it reports the IKE_SA established.
            kind = "auth.logon"
            tunnelAt = start + 500_000_000
            line(start, "charon", "10[IKE] assigning virtual IP \(tunnel) to peer '\(user)'")
            line(start + 500_000_000, "charon", "10[IKE] IKE_SA rw-eap[\(3 + lines.count)] established between "
                 + "192.0.2.10[vpn.plant.example]...\(ip)[\(user)]")
            line(end, "charon", "12[IKE] deleting IKE_SA rw-eap[\(3 + lines.count)] between 192.0.2.10[vpn.plant.example]...\(ip)[\(user)]")
        case .f5:
            // The policy allows the session at its start; the tunnel address comes a second later.
            let sid = apmSession(&rng)
            apm(start - 2_000_000_000, "tmm1[12390]", sid, "01490500:5", "New session from client IP \(ip) (ST=/CC=/C=) at VIP "
                + "192.0.2.10 Listener /Common/vs_vpn_443 (Reputation=Unknown)")
            apm(start - 2_000_000_000, "apmd[7373]", sid, "01490010:6", "Username '\(user)'")
            apm(start - 1_000_000_000, "apmd[7373]", sid, "01490017:6",
                "AD agent: Auth (logon attempt:0): authenticate with '\(user)' successful")
            apm(start, "apmd[7373]", sid, "01490102:5", "Access policy result: Network_Access")
            apm(start + 1_000_000_000, "tmm1[12390]", sid, "01490549:5", "Assigned PPP Dynamic IPv4: \(tunnel) Tunnel Type: "
                + "VPN_TUNNELTYPE_TCP NA Resource: /Common/na_plant Client IP: \(ip) - Reputation: Unknown")
            apm(end, "tmm1[12390]", sid, "01490521:5", "Session statistics - bytes in: 52110, bytes out: 1102934")
            apm(end, "tmm1[12390]", sid, "01490501:5", "Session deleted due to user logout request.")
        case .softether:
            // The session is created at the start; SecureNAT's DHCP gives it its address a second later.
            let cid = "CID-\(pid)", sid = "SID-\(user.uppercased())-\(pid)"
            softEther(start - 100_000_000, softEtherArrival(cid, user: user, ip: ip, port: port))
            softEther(start - 50_000_000, "Connection \"\(cid)\": Successfully authenticated as user \"\(user)\".")
            softEther(start, "Connection \"\(cid)\": The new session \"\(sid)\" has been created. (IP address: \(ip), Port number: "
                      + "\(port), Physical underlying protocol: \"Standard TCP/IP (IPv4)\")")
            softEther(start + 1_000_000_000, "Session \"SID-SECURENAT-1\": The DHCP server of host \"5E-6F-1A-2B-3C-4D\" (10.9.9.1) "
                      + "on this session allocated, for host \"00-AC-12-34-56-\(String(format: "%02X", pid % 256))\" on another "
                      + "session \"\(sid)\", the new IP address \(tunnel).")
            softEther(end, "Session \"\(sid)\": The session has been terminated. The statistical information is as follows: Total "
                      + "outgoing data size: 1102934 bytes, Total incoming data size: 52110 bytes.")
        case .yamaha:
            // The address the client was given is on its PP's IPCP up, a second after the call.
            kind = "auth.logon"
            let (n, id, pp) = yamahaCall(user: user, from: ip, at: start - 1_000_000_000, &rng)
            tunnelAt = start
            line(start, nil, "PP[\(pp)] PPP/IPCP up  (Local: \(GeneralizationCase.gatewayInside), Remote: \(tunnel))")
            line(end, nil, "PP[\(pp)] PPP/IPCP down")
            line(end + 200_000_000, nil, "[L2TP] TUNNEL[\(n)] disconnect tunnel \(id) complete")
        }
        if rdp != nil {
            tunnelEventTime = product == .asa ? start + 1_000_000_000 : tunnelAt
        }
        pid += 1
        return kind
    }
}

extension Double {
    func rounded(toPlaces n: Int) -> Double {
        let f = pow(10, Double(n))
        return (self * f).rounded() / f
    }
}

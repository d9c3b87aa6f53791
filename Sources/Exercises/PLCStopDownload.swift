import Foundation
import JikochoModel

/// An engineering workstation pushes a PLC stop and a logic download that trips a packaging line, with an innocent
/// maintenance session in the same hour as the decoy. Someone with a contractor's VPN account (after a few wrong
/// passwords) opens a remote-desktop session on the engineering workstation, puts line 2's PLC in STOP, downloads
/// an OB1 and an FC10 without the conveyor's jam interlock and starts it again; a minute later the conveyor jams,
/// the drive trips on overcurrent and the line is down. The night's maintenance technician had been logged on at
/// the same workstation's console since before two o'clock, and had read the line's inputs from the PLC with the
/// same engineering software half an hour earlier.
///
/// Evidence: the firewall's syslog (VPN and the connections it carried), a Winlogbeat export of the engineering
/// workstation (Security and Sysmon), the control-network capture of the night (S7comm to the PLC, Modbus/TCP to
/// the conveyor drive), the historian export (its clock 132 s fast), the inventory, `scenario.yaml`. Every name,
/// address and account is invented.
public struct PLCStopDownloadExercise {
    public static let name = "plc-stop-logic-download"
    public static let defaultSeed: UInt64 = 20_230_618
    /// The historian's clock runs 132 s fast: the correction to add to its times.
    public static let historianOffset = -132.0

    var rng: SeededRandom

    public init(seed: UInt64 = defaultSeed) { rng = SeededRandom(seed: seed) }

    /// 2023-06-17 00:00 JST = 2023-06-16 15:00 UTC.
    static let day0UTC: Int64 = 1_686_927_600
    static let utcOffset = 9 * 3600

    /// True time of a local reading `day` days after 17 June 2023.
    public static func local(_ day: Int, _ h: Int, _ m: Int, _ s: Double = 0) -> Int64 {
        SiteClock.local(day0UTC, day: day, h, m, s)
    }

    struct Site {
        static let hmi = NetHost("10.70.1.10", mac: [0x00, 0x15, 0x5d, 0x46, 0x01, 0x10])
        static let ews = NetHost("10.70.1.30", mac: [0x00, 0x15, 0x5d, 0x46, 0x01, 0x30])
        static let plc = NetHost("10.70.1.50", mac: [0x00, 0x1b, 0x1b, 0x46, 0x00, 0x50])
        static let drive = NetHost("10.70.1.60", mac: [0x00, 0x30, 0x11, 0x46, 0x00, 0x60])
        static let dc = "10.70.3.5"
        static let outside = "192.0.2.60"
        static let attacker = "198.51.100.23"
        static let attackerVPN = "10.70.9.14"
        static let vendor = "203.0.113.45"
        static let vendorVPN = "10.70.9.11"
    }

    struct Moments {
        let vendorVPN = local(0, 19, 2, 14.2)
        let vendorRDP = local(0, 19, 3, 30.4)
        let vendorLogoff = local(0, 20, 4, 50.8)
        let vendorVPNEnd = local(0, 20, 6, 40.1)
        let captureStart = local(1, 1, 30)
        let captureEnd = local(1, 3, 30)
        let technicianLogon = local(1, 1, 52, 10.6)
        let technicianTool = local(1, 2, 1, 3.3)
        let technicianOnline = local(1, 2, 2, 29.7)
        let technicianOffline = local(1, 2, 8, 40.2)
        let technicianLogoff = local(1, 3, 4, 20.5)
        let vpnFailures = [local(1, 2, 18, 4.1), local(1, 2, 18, 41.7), local(1, 2, 19, 22.9)]
        let vpnLogon = local(1, 2, 22, 48.3)
        let rdp = local(1, 2, 31, 40.2)
        let rdpLogon = local(1, 2, 31, 43.9)
        let tool = local(1, 2, 36, 12.4)
        let connect = local(1, 2, 41, 5.2)
        let stop = local(1, 2, 41, 17.48)
        let downloads = [local(1, 2, 41, 40.12), local(1, 2, 41, 52.71)]
        let start = local(1, 2, 43, 31.05)
        let disconnect = local(1, 2, 44, 10.3)
        let trip = local(1, 2, 44, 52.4)
        let rdpLogoff = local(1, 2, 57, 55.6)
        let vpnEnd = local(1, 3, 1, 2.7)
        /// The operator's conveyor speed changes from the HMI (m/min): the line slowed for the sensor work, then back.
        let speeds: [(Int64, Double)] = [(local(1, 1, 41, 5.5), 46), (local(1, 1, 56, 40.2), 38), (local(1, 2, 12, 31.9), 46)]
    }
    let moments = Moments()

    enum Line: String { case run = "RUN", stop = "STOP", tripped = "TRIPPED" }
    enum Drive: String { case ready = "READY", running = "RUNNING", fault = "FAULT OC" }

    struct State {
        var sp = 45.0, speed = 45.0, current = 21.0
        var line = Line.run, drive = Drive.running
        var interlock = true
    }

    /// One state per second of true time: the PLC runs the line and the drive follows its speed setpoint; after the
    /// stop the line coasts down; the downloaded logic restarts it without the jam interlock, product piles up at
    /// the infeed, the drive's current climbs until it trips.
    mutating func simulate() -> SecondByStates<State> {
        let m = moments
        var jam = 0.0
        return SecondByStates(from: m.captureStart - 600_000_000_000, to: m.captureEnd + 300_000_000_000,
                              initial: State()) { t, s in
            if let sp = m.speeds.last(where: { $0.0 <= t }) { s.sp = sp.1 }
            if t >= m.trip { s.line = .tripped; s.drive = .fault }
            else if t >= m.start + 2_000_000_000 { s.line = .run; s.drive = .running; s.interlock = false }
            else if t >= m.stop + 200_000_000 { s.line = .stop; s.drive = .ready }
            let target = s.line == .run ? s.sp : 0
            s.speed += (target - s.speed) * (s.line == .run ? 0.2 : 0.35) + (s.line == .run ? Double(Int(rng.next() % 11) - 5) / 50 : 0)
            s.speed = max(0, s.speed)
            // Without the interlock the infeed keeps feeding a full conveyor: the load grows for about a minute.
            if !s.interlock, s.line == .run, t >= m.start + 34_000_000_000 { jam = min(1, jam + 1.0 / 48) }
            if s.drive == .running {
                s.current = 12 + s.speed * 0.2 + jam * 30 + Double(Int(rng.next() % 9) - 4) / 10
            } else {
                s.current = 0
            }
        }
    }

    public mutating func generate(into directory: String) throws -> WaterTreatmentExercise.Summary {
        try ExerciseFiles.prepare(directory, ["capture", "firewall", "windows", "historian"])
        let run = simulate()
        let state = run.at
        var summary = WaterTreatmentExercise.Summary()
        summary.files["capture/line2-control-net.pcap"] = try writeCapture("\(directory)/capture/line2-control-net.pcap", state)
        summary.files["historian/historian-6-export.csv"] = try writeHistorian("\(directory)/historian/historian-6-export.csv", state)
        summary.files["firewall/fw-6.log"] = try ExerciseFiles.writeLines("\(directory)/firewall/fw-6.log", firewallLines())
        summary.files["windows/ews-4-security-sysmon.jsonl"] = try ExerciseFiles.writeLines(
            "\(directory)/windows/ews-4-security-sysmon.jsonl", ewsEvents())
        try ExerciseFiles.finish(directory, assets: Self.assetsYAML, scenario: scenarioYAML(), &summary)
        return summary
    }

    // MARK: Firewall

    mutating func firewallLines() -> [(Int64, String)] {
        let m = moments
        var fw = ASALog(host: "fw-6", utcOffset: Self.utcOffset, firstConnection: 1_204_700)
        fw.scanners(from: Self.local(0, 18, 0, 9), to: Self.local(1, 4, 0), outside: Site.outside, skip: [Site.vendor], &rng)
        // The vendor's support session the evening before, through the same VPN to the same workstation.
        fw.vpnSession(user: "ext.kobayashi", group: "GP-Vendors", from: Site.vendor, assigned: Site.vendorVPN,
                      start: m.vendorVPN, rdp: m.vendorRDP - 3_700_000_000, rdpEnd: m.vendorLogoff + 500_000_000,
                      end: m.vendorVPNEnd, port: 53_410, target: Site.ews.address, authServer: Site.dc, &rng)
        // Wrong passwords, then the contractor account works.
        for (i, t) in m.vpnFailures.enumerated() {
            fw.vpnRejected(t, user: i == 0 ? "admin" : "ext.nakamura", from: Site.attacker, authServer: Site.dc)
        }
        fw.vpnSession(user: "ext.nakamura", group: "GP-Vendors", from: Site.attacker, assigned: Site.attackerVPN,
                      start: m.vpnLogon, rdp: m.rdp, rdpEnd: m.rdpLogoff + 600_000_000, end: m.vpnEnd, port: 50_322,
                      target: Site.ews.address, authServer: Site.dc, &rng)
        return fw.lines
    }

    // MARK: Engineering workstation

    mutating func ewsEvents() -> [(Int64, String)] {
        let host = "EWS-4.plant6.local"
        let tool = "C:\\Program Files\\CtrlStudio\\CtrlStudio.exe"
        let m = moments
        var rec: Int64 = 70_120
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        var port = 49_700
        func connect(_ t: Int64, _ dst: String, _ dport: Int, image: String, user: String? = nil, srcPort: Int? = nil) {
            port += 1 + Int(rng.next() % 30)
            out.append(Winlogbeat.connection(t, computer: host, record: r(), image: image, src: Site.ews.address,
                                             srcPort: srcPort ?? port, dst: dst, dstPort: dport, user: user))
        }
        // Routine: group policy refreshes (network logons from the domain controller that end at once) and the
        // directory lookups of the workstation's services.
        var t = Self.local(0, 18, 7, 31)
        while t < Self.local(1, 4, 0) {
            let id = String(format: "0x%x", 0x60000 + Int(rng.next() % 0xFFFF))
            out.append(Winlogbeat.logon(t, computer: host, record: r(), user: "EWS-4$", domain: "PLANT6", type: 3,
                                        logonID: id, ip: Site.dc, port: String(49_152 + rng.next() % 16_000),
                                        process: "Kerberos", package: "Kerberos"))
            out.append(Winlogbeat.logoff(t + 400_000_000, computer: host, record: r(), user: "EWS-4$", domain: "PLANT6",
                                         type: 3, logonID: id))
            connect(t - 300_000_000, Site.dc, 389, image: "C:\\Windows\\System32\\svchost.exe")
            t += Int64(1500 + rng.next() % 600) * 1_000_000_000
        }
        // The vendor's support session the evening before.
        out.append(Winlogbeat.logon(m.vendorRDP, computer: host, record: r(), user: "ext.kobayashi", domain: "PLANT6",
                                    type: 10, logonID: "0x5d310", ip: Site.vendorVPN, port: "53410", workstation: "KOBA-NB"))
        out.append(Winlogbeat.sysmonProcess(m.vendorRDP + 95_000_000_000, computer: host, record: r(), image: tool,
                                            parent: "C:\\Windows\\explorer.exe", commandLine: "CtrlStudio.exe /project line2.cts",
                                            user: "PLANT6\\ext.kobayashi"))
        out.append(Winlogbeat.logoff(m.vendorLogoff, computer: host, record: r(), user: "ext.kobayashi", domain: "PLANT6",
                                     type: 10, logonID: "0x5d310"))
        // The maintenance technician at the console: the engineering software, online to the PLC to watch the
        // photo-eye inputs while replacing the sensor; still logged on when the line stops.
        out.append(Winlogbeat.logon(m.technicianLogon, computer: host, record: r(), user: "t.ishida", domain: "PLANT6",
                                    type: 2, logonID: "0x7a21c"))
        out.append(Winlogbeat.sysmonProcess(m.technicianTool, computer: host, record: r(), image: tool,
                                            parent: "C:\\Windows\\explorer.exe", commandLine: "CtrlStudio.exe /project line2.cts",
                                            user: "PLANT6\\t.ishida"))
        connect(m.technicianOnline, Site.plc.address, 102, image: tool, user: "PLANT6\\t.ishida", srcPort: 49_870)
        out.append(Winlogbeat.logoff(m.technicianLogoff, computer: host, record: r(), user: "t.ishida", domain: "PLANT6",
                                     type: 2, logonID: "0x7a21c"))
        // The intruder: remote desktop from the VPN address, the engineering software, the PLC.
        out.append(Winlogbeat.logon(m.rdpLogon, computer: host, record: r(), user: "ext.nakamura", domain: "PLANT6",
                                    type: 10, logonID: "0x8b3f0", ip: Site.attackerVPN, port: "50322", workstation: "DESKTOP-7QK2M1R"))
        out.append(Winlogbeat.sysmonProcess(m.tool, computer: host, record: r(), image: tool, parent: "C:\\Windows\\explorer.exe",
                                            commandLine: "CtrlStudio.exe", user: "PLANT6\\ext.nakamura"))
        connect(m.connect, Site.plc.address, 102, image: tool, user: "PLANT6\\ext.nakamura", srcPort: 50_122)
        out.append(Winlogbeat.logoff(m.rdpLogoff, computer: host, record: r(), user: "ext.nakamura", domain: "PLANT6",
                                     type: 10, logonID: "0x8b3f0"))
        return out
    }

    // MARK: Capture

    mutating func writeCapture(_ path: String, _ state: (Int64) -> State) throws -> Int {
        let cap = CaptureBuilder()
        let m = moments
        func latency() -> Int64 { Int64(2_000_000 + Int64(rng.next() % 3_000_000)) }
        // S7 connections: COTP connect and setup communication, then jobs each answered.
        final class S7Session {
            let conv: TCPConversation
            var ref: UInt16
            init(_ conv: TCPConversation, ref: UInt16) { self.conv = conv; self.ref = ref }
        }
        func s7Open(_ s: S7Session, _ t: Int64) -> Int64 {
            s.conv.open(t)
            s.conv.send(fromClient: true, t + 1_000_000, S7Frames.connectRequest)
            s.conv.send(fromClient: false, t + 3_000_000, S7Frames.connectConfirm)
            return s7Job(s, t + 4_000_000, S7Frames.setupRequest, response: S7Frames.setupResponse)
        }
        func s7Job(_ s: S7Session, _ t: Int64, _ param: [UInt8], _ data: [UInt8] = [], response: [UInt8],
                   responseData: [UInt8] = []) -> Int64 {
            s.ref &+= 1
            s.conv.send(fromClient: true, t, S7Frames.job(s.ref, param, data))
            let lat = latency()
            s.conv.send(fromClient: false, t + lat, S7Frames.ackData(s.ref, response, responseData))
            return t + lat + 1_000_000
        }
        func db10(_ x: State) -> [UInt8] {
            let lineCode: UInt8 = x.line == .run ? 1 : x.line == .stop ? 0 : 2
            return [lineCode, x.interlock ? 1 : 0] + ModbusFrames.register(x.speed * 10)
        }

        // The HMI reads the line's data block from the PLC and the drive's registers over Modbus/TCP every 2 s.
        let hmiS7 = S7Session(TCPConversation(cap, client: Site.hmi, clientPort: 49_410, server: Site.plc, serverPort: 102,
                                              isn: (0x3A10_0001, 0x0000_4410), ttl: (128, 30)), ref: 0x0100)
        let hmiMB = TCPConversation(cap, client: Site.hmi, clientPort: 49_412, server: Site.drive, serverPort: 502,
                                    isn: (0x3A20_0001, 0x0000_9210), ttl: (128, 64))
        var tid: UInt16 = 0x4100
        let reg = ModbusFrames.register
        func tx(_ t: Int64, _ req: [UInt8], _ resp: [UInt8]) -> Int64 {
            ModbusFrames.exchange(hmiMB, &tid, t, req, resp, latency: latency)
        }
        var t = s7Open(hmiS7, m.captureStart + 300_000_000)
        hmiMB.open(t + 2_000_000)
        t += 5_000_000
        var speeds = m.speeds.filter { $0.0 >= m.captureStart }
        var technician: S7Session?
        var intruder: S7Session?
        var technicianNext = m.technicianOnline
        while t < m.captureEnd {
            // The operator's speed changes.
            if let (at, sp) = speeds.first, t >= at - 40_000_000 {
                speeds.removeFirst()
                t = max(t, tx(at, [6, 0, 0] + reg(sp * 10), [6, 0, 0] + reg(sp * 10)) + 5_000_000)
            }
            let s = state(t)
            let u = s7Job(hmiS7, t, S7Frames.readRequest([(0x84, 10, 0, 4)]), response: [0x04, 1],
                          responseData: S7Frames.readData([db10(s)]))
            let driveStatus: Double = s.drive == .ready ? 0 : s.drive == .running ? 1 : 2
            let v = tx(u + 3_000_000, [3, 0, 0, 0, 1], [3, 2] + reg(s.sp * 10))
            _ = tx(v, [4, 0, 0, 0, 3], [4, 6] + reg(s.speed * 10) + reg(s.current * 10) + reg(driveStatus))
            t += 2_000_000_000 + Int64(rng.next() % 2_000_000)

            // The technician watches the photo-eye inputs and the conveyor outputs online for six minutes.
            while technicianNext < t, technicianNext < m.technicianOffline {
                if technician == nil {
                    let c = TCPConversation(cap, client: Site.ews, clientPort: 49_870, server: Site.plc, serverPort: 102,
                                            isn: (0x5B10_0001, 0x0000_6610), ttl: (128, 30))
                    let session = S7Session(c, ref: 0x0400)
                    technician = session
                    technicianNext = s7Open(session, technicianNext + 100_000_000) + 200_000_000
                    continue
                }
                let inputs: [UInt8] = [0x3F, UInt8(rng.next() % 2 == 0 ? 0x81 : 0x80), 0x00, 0x10]
                let q: [UInt8] = [s.line == .run ? 0x0F : 0x00, 0x00]
                let done = s7Job(technician!, technicianNext, S7Frames.readRequest([(0x81, 0, 0, 4), (0x82, 0, 0, 2)]),
                                 response: [0x04, 2], responseData: S7Frames.readData([inputs, q]))
                technicianNext += 1_000_000_000 + Int64(rng.next() % 50_000_000)
                if technicianNext >= m.technicianOffline { technician!.conv.close(fromClient: true, done + 40_000_000) }
            }

            // The intruder: stop, two blocks downloaded, start; the PLC fetches each block and ends its download.
            if intruder == nil, t >= m.connect {
                let c = TCPConversation(cap, client: Site.ews, clientPort: 50_122, server: Site.plc, serverPort: 102,
                                        isn: (0x9C40_0001, 0x0000_7710), ttl: (128, 30))
                let session = S7Session(c, ref: 0x0A00)
                intruder = session
                _ = s7Open(session, m.connect + 100_000_000)
                _ = s7Job(session, m.stop, S7Frames.plcStop, response: [0x29])
                var plcRef: UInt16 = 0x7F00
                for (i, at) in m.downloads.enumerated() {
                    let (type, number, size): (UInt8, Int, Int) = i == 0 ? (0x08, 1, 212) : (0x0C, 10, 388)
                    let name = S7Frames.fileName(type: type, number: number)
                    let code = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    let block: [UInt8] = [0x70, 0x70, 0x01, 0x01, 0x01, type] + Frames.be16(UInt16(number)) + code
                    let asked = s7Job(session, at, S7Frames.requestDownload(name, loadLength: block.count + 36, codeLength: size),
                                      response: [0x1A])
                    plcRef &+= 1
                    session.conv.send(fromClient: false, asked + 20_000_000, S7Frames.job(plcRef, S7Frames.downloadBlock(name)))
                    session.conv.send(fromClient: true, asked + 26_000_000,
                                      S7Frames.ackData(plcRef, [0x1B, 0x00], S7Frames.downloadBlockData(block)))
                    plcRef &+= 1
                    session.conv.send(fromClient: false, asked + 240_000_000, S7Frames.job(plcRef, S7Frames.downloadEnded(name)))
                    session.conv.send(fromClient: true, asked + 245_000_000, S7Frames.ackData(plcRef, [0x1C]))
                }
                _ = s7Job(session, m.start, S7Frames.plcStart, response: [0x28])
                session.conv.close(fromClient: true, m.disconnect)
            }
        }
        return try cap.write(to: path)
    }

    // MARK: Historian

    func writeHistorian(_ path: String, _ state: (Int64) -> State) throws -> Int {
        // The historian stamps each scan with its own clock, 132 s fast: the row it labels 02:47:05 holds what the
        // line was doing at 02:44:53 true time.
        try ExerciseFiles.writeHistorian(
            path, header: "# HIST-6 export, 1 s, last value\n# TimeZone: Asia/Tokyo\n"
                + "Timestamp,Conveyor_Speed_SP (m/min),Conveyor_Speed (m/min),Drive_Current (A),Drive_State,Line_State\n",
            from: moments.captureStart, to: moments.captureEnd, correction: Self.historianOffset, utcOffset: Self.utcOffset
        ) { t in
            let s = state(t)
            return String(format: "%.1f,%.1f,%.1f,%@,%@", s.sp, (s.speed * 10).rounded() / 10, (s.current * 10).rounded() / 10,
                          s.drive.rawValue, s.line.rawValue)
        }
    }

    static let assetsYAML = """
        # Asset inventory of Asahigawa Foods plant 6 (an invented site), packaging line 2.
        assets:
          - name: fw-6
            role: firewall
            level: 3
            zone: operations
            addresses: [192.0.2.60, 10.70.0.1]
            hostnames: [fw-6]
            evidence: ["firewall/fw-6*.log"]
            description: Perimeter firewall and remote-access VPN (Cisco ASA); VPN pool 10.70.9.0/24 reaches the control zone
          - name: dc-6
            role: domain-controller
            level: 3
            zone: operations
            addresses: [10.70.3.5]
            hostnames: [DC-6]
          - name: historian-6
            role: historian
            level: 3
            zone: operations
            addresses: [10.70.3.40]
            hostnames: [HIST-6]
            evidence: ["historian/historian-6*.csv"]
          - name: hmi-l2
            role: hmi
            level: 2
            zone: control
            addresses: [10.70.1.10]
            hostnames: [HMI-L2]
          - name: ews-4
            role: engineering-workstation
            level: 2
            zone: control
            addresses: [10.70.1.30]
            hostnames: [EWS-4, ews-4.plant6.local]
            description: Engineering workstation (Windows Server, several sessions at once); CtrlStudio for the line PLCs
          - name: plc-line2
            role: plc
            level: 1
            zone: control
            addresses: [10.70.1.50]
            description: Packaging line 2 controller (S7, rack 0 slot 2); runs the line and its jam interlock
            tags:
              - {point: "DB10.DBB0", tag: Line_State}
          - name: drive-l2
            role: drive
            level: 1
            zone: control
            addresses: [10.70.1.60]
            description: Conveyor drive of line 2 (Modbus/TCP); the HMI sets its speed
            tags:
              - {point: "holding:40001", tag: Conveyor_Speed_SP, setpoint: true, unit: m/min, scale: 0.1}
              - {point: "input:30001", tag: Conveyor_Speed, unit: m/min, scale: 0.1}
              - {point: "input:30002", tag: Drive_Current, unit: A, scale: 0.1, low: 0, high: 40}
              - {point: "input:30003", tag: Drive_State}

        """

    func scenarioYAML() -> String {
        func t(_ v: Int64) -> String { Timestamp(nanoseconds: v).iso8601(precision: .seconds) }
        let m = moments
        return """
            # Exercise: a PLC stopped and reprogrammed from the engineering workstation (generated by `make evidence`).
            name: \(Self.name)
            title: Packaging line 2 tripped at night - the technician, or someone else?
            seed: \(Self.defaultSeed)
            site_time_zone: Asia/Tokyo
            briefing: |
              At 02:44 on 18 June 2023 packaging line 2 at Asahigawa Foods' plant 6 tripped: the conveyor drive faulted
              on overcurrent after product jammed at the infeed, which the line's jam interlock should have prevented.
              The line had stopped once already three minutes earlier and started again by itself. A maintenance
              technician replacing a photo-eye on the line was logged on at the engineering workstation EWS-4 that
              night and had been online to the PLC; the night shift suspects a mistake of his. You have the firewall's
              syslog, EWS-4's Security and Sysmon logs, the control-network capture and the historian export, whose
              clock is known to drift. What stopped and restarted the PLC, from where, and who?
            evidence:
              - {path: firewall/fw-6.log, what: firewall and VPN syslog (Cisco ASA, local time), clock: fw-6}
              - {path: windows/ews-4-security-sysmon.jsonl, what: Security and Sysmon logs of EWS-4 (Winlogbeat), clock: ews-4}
              - {path: capture/line2-control-net.pcap, what: control network capture (01:30-03:30), clock: sensor (reference)}
              - {path: historian/historian-6-export.csv, what: historian export (1 s, local time), clock: historian-6}
              - {path: assets.yaml, what: asset inventory with the controllers' tag maps}
            questions:
              - id: cyber_cause
                ask: Was the trip caused by a cyber event?
              - id: chain
                ask: Give the chain from the first access to the trip, with times, hosts and accounts.
              - id: clock
                ask: How far off is the historian's clock?
              - id: root_cause
                ask: State the root cause in one sentence.
              - id: techniques
                ask: Which ATT&CK techniques were used?
            answer:
              cyber_cause: true
              root_cause: >-
                Someone logged on to the VPN as the contractor account ext.nakamura from 198.51.100.23 after wrong
                passwords, opened a remote desktop session on EWS-4 from the VPN address 10.70.9.14, and from EWS-4's
                CtrlStudio put plc-line2 in STOP, downloaded OB1 and FC10 without the jam interlock and started it
                again; the conveyor jammed, the drive tripped on overcurrent and line 2 tripped.
              clock_offsets: {historian-6: \(Self.historianOffset)}
              chain:
                - {kind: vpn.address_assigned, asset: fw-6, time: "\(t(m.vpnLogon + 1_000_000_000))", tolerance_s: 5, user: ext.nakamura, src: \(Site.attacker)}
                - {kind: auth.logon, asset: ews-4, time: "\(t(m.rdpLogon))", tolerance_s: 5, user: ext.nakamura}
                - {kind: ics.s7.plc_stop, asset: plc-line2, time: "\(t(m.stop))", tolerance_s: 2}
                - {kind: ics.s7.block_download, asset: plc-line2, time: "\(t(m.downloads[0]))", tolerance_s: 2}
                - {kind: ics.s7.plc_start, asset: plc-line2, time: "\(t(m.start))", tolerance_s: 2}
                - {kind: process.state_change, asset: plc-line2, time: "\(t(m.trip + 600_000_000))", tolerance_s: 3, tag: Line_State}
              techniques: [T1133, T0822, T1078, T1021.001, T0823, T0859, T0858, T0843]
              not_the_cause:
                - {what: the maintenance technician t.ishida's console session on EWS-4, why: "his CtrlStudio connection (02:02-02:08) only read inputs and outputs; the STOP, the downloads and the START came 33 minutes later over a connection that Sysmon attributes to ext.nakamura's remote desktop session"}
                - {what: the vendor ext.kobayashi's support session the evening before, why: "logged off at \(t(m.vendorLogoff)), six and a half hours before the stop"}
                - {what: the operator's conveyor speed changes from hmi-l2, why: "the last was at \(t(m.speeds[2].0)), half an hour before the trip, and set the usual speed"}

            """
    }
}

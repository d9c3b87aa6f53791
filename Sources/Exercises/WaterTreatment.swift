import Foundation
import JikochoModel

/// The flagship exercise: a water-treatment plant whose HMI is reached from outside through the remote-access VPN
/// and a jump host; the intruder raises the sodium-hydroxide setpoint about a hundredfold through the HMI's Modbus
/// writes to the dosing PLC, and the operator at the console sets it back (modelled on the Oldsmar case of
/// February 2021 as publicly described; every name, address and account here is invented).
///
/// Everything is generated from a seed, so the same seed gives the same bytes: a capture of the control network
/// (written with libpcap), Winlogbeat exports of the HMI's and jump host's Windows logs, the firewall/VPN syslog,
/// a historian export whose clock runs 97 s behind and whose process responds physically to the writes, the asset
/// inventory and `scenario.yaml` with the briefing and the answer key.
public struct WaterTreatmentExercise {
    public static let name = "water-treatment-remote-setpoint"
    public static let defaultSeed: UInt64 = 20_210_205

    /// The historian's clock runs this far behind true time (seconds to add to its recorded time).
    public static let historianOffset = 97.0

    var rng: SeededRandom

    public init(seed: UInt64 = defaultSeed) {
        rng = SeededRandom(seed: seed)
    }

    // MARK: - Time

    /// 2021-02-05 00:00 UTC; the plant is in America/New_York (EST, UTC−5, no DST change that day).
    static let dayUTC: Int64 = 1_612_483_200
    static let utcOffset: Int64 = -5 * 3600

    /// True time of a local wall-clock reading on the day, ns since the epoch.
    static func local(_ h: Int, _ m: Int, _ s: Double = 0) -> Int64 {
        SiteClock.local(dayUTC - utcOffset, h, m, s)
    }

    /// ISO 8601 of a true time: UTC with milliseconds, or at the site's offset in whole seconds (syslog).
    static func iso(_ t: Int64, local: Bool = false) -> String {
        local ? Timestamp(nanoseconds: t).iso8601(precision: .seconds, utcOffsetSeconds: Int(utcOffset))
              : Timestamp(nanoseconds: t).iso8601(precision: .milliseconds)
    }

    // MARK: - The site

    struct Site {
        static let fwControlMAC: [UInt8] = [0x00, 0x1a, 0x2b, 0x3c, 0x01, 0x01]
        static let hmi = NetHost("10.20.1.10", mac: [0x00, 0x15, 0x5d, 0x0a, 0x01, 0x10])
        static let plcDosing = NetHost("10.20.1.21", mac: [0x00, 0x80, 0xf4, 0x21, 0x00, 0x21])
        static let plcFilter = NetHost("10.20.1.22", mac: [0x00, 0x80, 0xf4, 0x21, 0x00, 0x22])
        static let engWS = NetHost("10.20.1.30", mac: [0x00, 0x15, 0x5d, 0x0a, 0x01, 0x30])
        // Hosts beyond the firewall appear on the control network with the firewall's MAC.
        static let jump = NetHost("10.20.3.15", mac: fwControlMAC)
        static let dc = NetHost("10.20.3.5", mac: fwControlMAC)

        static let attackerIP = "198.51.100.77"
        static let attackerVPNAddress = "10.20.9.23"
        static let contractorIP = "203.0.113.45"
        static let contractorVPNAddress = "10.20.9.11"
        static let firewallOutside = "192.0.2.10"
    }

    // MARK: - Ground truth

    /// A Modbus write to a holding register, in true time.
    struct Write {
        var time: Int64
        var plc: NetHost
        var register: UInt16      // zero-based holding register address
        var value: UInt16
        var who: String           // for the answer and the briefing only
    }

    struct Moments {
        let vpnFailures = (0..<5).map { local(13, 24, 6 + Double($0) * 17.3) }
        let vpnLogon = local(13, 25, 49.6)
        let jumpRDP = local(13, 27, 1.2)
        let jumpLogon = local(13, 27, 3.9)
        let mstsc = local(13, 28, 35.4)
        let hmiRDP = local(13, 29, 5.2)
        let hmiLogon = local(13, 29, 8.7)
        let maliciousWrite = local(13, 31, 12.418)
        let reversal = local(13, 34, 41.055)
        let hmiLogoff = local(13, 36, 40.3)
        let jumpLogoff = local(13, 37, 19.8)
        let vpnEnd = local(13, 38, 4.6)
        let operatorLogon = local(6, 52, 10.4)
        let contractorVPN = local(12, 8, 31.2)
        let contractorRDP = local(12, 9, 40.5)
        let contractorLogoff = local(12, 41, 2.7)
        let contractorVPNEnd = local(12, 43, 15.1)
    }
    let moments = Moments()

    var writes: [Write] {
        let m = moments
        return [
            Write(time: Self.local(12, 42, 18.204), plc: Site.plcDosing, register: 1, value: 160, who: "operator"),
            Write(time: Self.local(12, 58, 51.730), plc: Site.plcFilter, register: 0, value: 4700, who: "operator"),
            Write(time: Self.local(13, 7, 33.091), plc: Site.plcDosing, register: 1, value: 155, who: "operator"),
            Write(time: m.maliciousWrite, plc: Site.plcDosing, register: 0, value: 11_100, who: "intruder"),
            Write(time: m.reversal, plc: Site.plcDosing, register: 0, value: 100, who: "operator"),
            Write(time: Self.local(13, 44, 27.512), plc: Site.plcFilter, register: 0, value: 4600, who: "operator"),
            Write(time: Self.local(14, 5, 12.876), plc: Site.plcDosing, register: 1, value: 150, who: "operator"),
            Write(time: Self.local(14, 18, 40.333), plc: Site.plcFilter, register: 0, value: 4500, who: "operator"),
        ]
    }

    /// The plant's state each second of true time: registers and the physical response.
    struct ProcessState {
        var naohSP = 100.0        // ppm (holding 40001 of plc-dosing, raw = ppm)
        var cl2SP = 150.0         // raw, mg/L × 100 (holding 40002)
        var filterSP = 4500.0     // raw, m³/h × 10 (holding 40001 of plc-filter)
        var pumpRate = 1.8        // L/h (input 30001 of plc-dosing, × 10)
        var pH = 7.2              // (input 30002, × 100)
        var filterDP = 35.0       // kPa (input 30001 of plc-filter, × 10)
    }

    /// Simulates the process from `start` to `end` (true time, whole seconds) and returns one state per second.
    mutating func simulate(from start: Int64, to end: Int64) -> [ProcessState] {
        var s = ProcessState()
        var out: [ProcessState] = []
        let pending = writes.sorted { $0.time < $1.time }
        var next = 0
        var rateHistory: [Double] = []
        let delay = 90          // s of transport from the dosing point to the finished-water pH probe
        var t = start
        var pHNoise = 0.0
        while t <= end {
            while next < pending.count, pending[next].time <= t {
                let w = pending[next]
                if w.plc == Site.plcDosing, w.register == 0 { s.naohSP = Double(w.value) }
                if w.plc == Site.plcDosing, w.register == 1 { s.cl2SP = Double(w.value) }
                if w.plc == Site.plcFilter, w.register == 0 { s.filterSP = Double(w.value) }
                next += 1
            }
            // The dosing pump follows the setpoint in proportion to flow, up to its 40 L/h maximum (τ = 6 s).
            let flowFactor = s.filterSP / 4500
            let target = min(40, 1.8 * s.naohSP / 100 * flowFactor)
            s.pumpRate += (target - s.pumpRate) / 6 + rng.gaussian() * 0.004
            s.pumpRate = max(0, s.pumpRate)
            rateHistory.append(s.pumpRate)
            let delayed = rateHistory.count > delay ? rateHistory[rateHistory.count - 1 - delay] : 1.8
            // Finished-water pH moves towards the equilibrium of the caustic dose (τ = 7 min) with probe noise.
            let equilibrium = 7.2 + 0.85 * log10(max(delayed, 0.05) / 1.8)
            s.pH += (equilibrium - s.pH) / 420
            pHNoise = 0.8 * pHNoise + rng.gaussian() * 0.006
            var shown = s
            shown.pH = s.pH + pHNoise
            // Filter differential pressure creeps up with loading and follows flow.
            let minutes = Double(t - start) / 60e9
            s.filterDP = 35 + minutes * 0.012 + (s.filterSP - 4500) / 100 * 0.8 + rng.gaussian() * 0.15
            shown.filterDP = s.filterDP
            out.append(shown)
            t += 1_000_000_000
        }
        return out
    }

    // MARK: - Generation

    public struct Summary: Sendable {
        public var files: [String: Int] = [:]   // relative path → records written (frames, lines, rows)
    }

    /// Writes every file of the exercise into `directory` (created if needed); existing files are replaced.
    public mutating func generate(into directory: String) throws -> Summary {
        let fm = FileManager.default
        for sub in ["capture", "windows", "firewall", "historian"] {
            try fm.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        var summary = Summary()
        let simStart = Self.local(12, 25)
        let simEnd = Self.local(14, 35)
        let states = simulate(from: simStart, to: simEnd)
        func state(at t: Int64) -> ProcessState {
            let i = Int((t - simStart) / 1_000_000_000)
            return states[max(0, min(states.count - 1, i))]
        }
        summary.files["capture/control-net.pcap"] = try writeCapture("\(directory)/capture/control-net.pcap", state: state)
        summary.files["historian/historian-1-export.csv"] = try writeHistorian(
            "\(directory)/historian/historian-1-export.csv", state: state)
        summary.files["windows/hmi-1-security.jsonl"] = try ExerciseFiles.writeLines(
            "\(directory)/windows/hmi-1-security.jsonl", hmiEvents())
        summary.files["windows/jump-1-security.jsonl"] = try ExerciseFiles.writeLines(
            "\(directory)/windows/jump-1-security.jsonl", jumpEvents())
        summary.files["firewall/fw-1.log"] = try ExerciseFiles.writeLines("\(directory)/firewall/fw-1.log", firewallLines())
        try Self.assetsYAML.write(toFile: "\(directory)/assets.yaml", atomically: true, encoding: .utf8)
        try scenarioYAML().write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        summary.files["assets.yaml"] = 1
        summary.files["scenario.yaml"] = 1
        return summary
    }

    // MARK: Capture

    mutating func writeCapture(_ path: String, state: (Int64) -> ProcessState) throws -> Int {
        let cap = CaptureBuilder()
        let start = Self.local(12, 40)
        let end = Self.local(14, 30)
        let dosing = TCPConversation(cap, client: Site.hmi, clientPort: 49_712, server: Site.plcDosing, serverPort: 502,
                                     isn: (0x3A1C_0001, 0x0000_7A10), ttl: (128, 64))
        let filter = TCPConversation(cap, client: Site.hmi, clientPort: 49_713, server: Site.plcFilter, serverPort: 502,
                                     isn: (0x5B02_0001, 0x0000_1F40), ttl: (128, 64))
        // The HMI's sessions were open before the capture began: the capture starts mid-conversation.
        var tid: [NetHost: UInt16] = [Site.plcDosing: 0x4e20, Site.plcFilter: 0x1388]
        func nextTID(_ plc: NetHost) -> UInt16 {
            let v = tid[plc]! &+ 1
            tid[plc] = v
            return v
        }
        func mbap(_ t: UInt16, _ pdu: [UInt8]) -> [UInt8] {
            Frames.be16(t) + [0, 0] + Frames.be16(UInt16(pdu.count + 1)) + [1] + pdu
        }
        func transaction(_ conv: TCPConversation, _ plc: NetHost, _ t: Int64, _ request: [UInt8], _ response: [UInt8])
            -> Int64 {
            // The client's next request acknowledges the response (no bare ACKs: polling keeps the line busy).
            let id = nextTID(plc)
            conv.send(fromClient: true, t, mbap(id, request))
            let latency = Int64(2_500_000 + Int64(rng.next() % 4_000_000))
            conv.send(fromClient: false, t + latency, mbap(id, response))
            return t + latency + 1_100_000
        }
        func regs(_ values: [Double]) -> [UInt8] {
            values.flatMap { Frames.be16(UInt16(max(0, min(65_535, $0.rounded())))) }
        }
        let writes = self.writes.filter { $0.time >= start && $0.time < end }
        var w = 0
        var t = start + 120_000_000
        while t < end {
            // Operator and intruder writes go out on the HMI's own connection to the PLC, between polls.
            // A write that falls just before or into the next cycle goes first, and the cycle waits for it, so that
            // every connection's frames stay in sequence order on the wire.
            while w < writes.count, writes[w].time < t + 40_000_000 {
                let x = writes[w]
                let conv = x.plc == Site.plcDosing ? dosing : filter
                let pdu: [UInt8] = [6] + Frames.be16(x.register) + Frames.be16(x.value)
                let done = transaction(conv, x.plc, x.time, pdu, pdu)
                t = max(t, done + 5_000_000)
                w += 1
            }
            let s = state(t)
            // Poll cycle: dosing PLC setpoints and measurements, then the filter PLC.
            var u = t
            u = transaction(dosing, Site.plcDosing, u, [3, 0, 0, 0, 2], [3, 4] + regs([s.naohSP, s.cl2SP]))
            u = transaction(dosing, Site.plcDosing, u, [4, 0, 0, 0, 2], [4, 4] + regs([s.pumpRate * 10, s.pH * 100]))
            u = transaction(filter, Site.plcFilter, u + 1_500_000, [3, 0, 0, 0, 1], [3, 2] + regs([s.filterSP]))
            _ = transaction(filter, Site.plcFilter, u, [4, 0, 0, 0, 1], [4, 2] + regs([s.filterDP * 10]))
            t += 2_000_000_000 + Int64(rng.next() % 3_000_000)
        }
        // The engineering workstation checks the dosing PLC's identity and registers twice (routine maintenance).
        for (i, at) in [Self.local(12, 51, 4.2), Self.local(14, 12, 47.9)].enumerated() {
            let ews = TCPConversation(cap, client: Site.engWS, clientPort: UInt16(50_211 + i), server: Site.plcDosing,
                                      serverPort: 502, isn: (0x7100_0000 + UInt32(i) * 7919, 0x0001_0000), ttl: (128, 64))
            ews.open(at)
            var e: UInt16 = 1
            func ewsTx(_ t: Int64, _ req: [UInt8], _ resp: [UInt8]) {
                ews.send(fromClient: true, t, mbap(e, req))
                ews.send(fromClient: false, t + 3_200_000, mbap(e, resp))
                e += 1
            }
            let s = state(at)
            let ident: [UInt8] = [0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x03,
                                  0x00, 0x0a] + Array("WaterLogic".utf8)
                + [0x01, 0x07] + Array("DX-2100".utf8) + [0x02, 0x05] + Array("v4.12".utf8)
            ewsTx(at + 1_000_000, [0x2b, 0x0e, 0x01, 0x00], ident)
            ewsTx(at + 40_000_000, [3, 0, 0, 0, 2], [3, 4] + regs([s.naohSP, s.cl2SP]))
            ews.close(fromClient: true, at + 90_000_000)
        }
        // The remote desktop session from the jump host to the HMI.
        let m = moments
        let rdp = TCPConversation(cap, client: Site.jump, clientPort: 49_781, server: Site.hmi, serverPort: 3389,
                                  isn: (0x9C41_2201, 0x1D00_0A01), ttl: (127, 128))
        rdp.open(m.hmiRDP)
        let cookie = Array("Cookie: mstshash=hmi-admin\r\n".utf8)
        let negReq: [UInt8] = [0x01, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00]
        let x224 = [UInt8(6 + cookie.count + negReq.count), 0xe0, 0, 0, 0, 0, 0] + cookie + negReq
        rdp.send(fromClient: true, m.hmiRDP + 900_000, [3, 0] + Frames.be16(UInt16(4 + x224.count)) + x224)
        let negRsp: [UInt8] = [0x02, 0x1f, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00]
        let cc = [UInt8(6 + negRsp.count), 0xd0, 0, 0, 0x12, 0x34, 0] + negRsp
        rdp.send(fromClient: false, m.hmiRDP + 2_100_000, [3, 0] + Frames.be16(UInt16(4 + cc.count)) + cc)
        // TLS and CredSSP, then the session's graphics and input: encrypted application data both ways.
        var r = m.hmiRDP + 30_000_000
        while r < m.hmiLogoff {
            let down = Int(200 + rng.next() % 1100)
            rdp.send(fromClient: false, r, tlsRecord(down))
            if rng.next() % 3 == 0 {
                rdp.send(fromClient: true, r + 15_000_000, tlsRecord(Int(40 + rng.next() % 120)))
            } else {
                rdp.ack(fromClient: true, r + 40_000_000)
            }
            r += Int64(300_000_000 + Int64(rng.next() % 1_700_000_000))
        }
        rdp.close(fromClient: true, m.hmiLogoff + 500_000_000)
        // The HMI resolves the historian's name through the domain controller every five minutes.
        var d = start + 37_000_000_000
        var dnsID: UInt16 = 0x2a10
        while d < end {
            dnsID &+= 1
            let q = DNSFrames.query(dnsID, "hist-1.plant.local")
            let sport = UInt16(50_000 + rng.next() % 10_000)
            cap.add(d, Frames.udp(Site.hmi, sport, Site.dc, 53, payload: q, id: cap.nextID(Site.hmi), ttl: 128))
            cap.add(d + 700_000, Frames.udp(Site.dc, 53, Site.hmi, sport,
                                            payload: DNSFrames.answer(q, [10, 20, 3, 40]), id: cap.nextID(Site.dc), ttl: 127))
            d += 300_000_000_000
        }
        return try cap.write(to: path)
    }

    mutating func tlsRecord(_ n: Int) -> [UInt8] {
        var body = [UInt8](repeating: 0, count: n)
        for i in 0..<n { body[i] = UInt8(truncatingIfNeeded: rng.next()) }
        return [0x17, 0x03, 0x03] + Frames.be16(UInt16(n)) + body
    }

    // MARK: Historian

    func writeHistorian(_ path: String, state: (Int64) -> ProcessState) throws -> Int {
        // The historian stamps each scan with its own clock, which runs `historianOffset` behind: the row it labels
        // 13:30:00 holds what the PLCs held at 13:31:37 true time.
        try ExerciseFiles.writeHistorian(
            path, header: "# Exported from HIST-1 (plant historian), interpolation: none, interval 1 s\n"
                + "# TimeZone: America/New_York\n"
                + "Timestamp,NaOH_SP (ppm),Cl2_SP (mg/L),NaOH_Pump_Rate (L/h),pH_Finished (pH),Filter_Flow_SP (m3/h),"
                + "Filter_DP (kPa)\n",
            from: Self.local(12, 30), to: Self.local(14, 30), correction: Self.historianOffset, utcOffset: Int(Self.utcOffset)
        ) { t in
            let s = state(t)
            return String(format: "%.0f,%.2f,%.2f,%.2f,%.1f,%.1f", s.naohSP, s.cl2SP / 100, (s.pumpRate * 10).rounded() / 10,
                          (s.pH * 100).rounded() / 100, s.filterSP / 10, (s.filterDP * 10).rounded() / 10)
        }
    }

    // MARK: Windows

    mutating func hmiEvents() -> [(Int64, String)] {
        let host = "HMI-1.plant.local"
        let m = moments
        var rec: Int64 = 48_100
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        // The morning operator mistypes once, then logs on at the console and stays logged on all day.
        out.append(Winlogbeat.record(m.operatorLogon - 9_800_000_000, computer: host, id: 4625, record: r(),
                                   message: "An account failed to log on.",
                                   eventData: ["TargetUserName": "jsmith", "TargetDomainName": "PLANT",
                                               "Status": "0xc000006d", "SubStatus": "0xc000006a", "LogonType": "2",
                                               "IpAddress": "127.0.0.1", "IpPort": "0", "WorkstationName": "HMI-1"]))
        out.append(Winlogbeat.logon(m.operatorLogon, computer: host, record: r(), user: "jsmith", domain: "PLANT", type: 2,
                              logonID: "0x3e7a1", ip: "127.0.0.1", port: "0", workstation: "HMI-1"))
        out.append(Winlogbeat.process(m.operatorLogon + 14_000_000_000, computer: host, record: r(), user: "jsmith",
                                image: "C:\\Program Files\\WaterLogic\\HMI\\wlhmi.exe",
                                parent: "C:\\Windows\\explorer.exe",
                                commandLine: "\"C:\\Program Files\\WaterLogic\\HMI\\wlhmi.exe\" /project plant.wlp",
                                pid: 5120))
        // The backup service's network logons from the domain controller, every 45 minutes.
        var t = Self.local(6, 15, 2.5)
        var n = 0
        while t < Self.local(15, 0) {
            let id = String(format: "0x%x", 0x51000 + n * 37)
            out.append(Winlogbeat.logon(t, computer: host, record: r(), user: "svc-backup", domain: "PLANT", type: 3,
                                  logonID: id, ip: Site.dc.address, port: String(52_000 + n), workstation: "DC-1",
                                  process: "NtLmSsp", package: "NTLM"))
            out.append(Winlogbeat.logoff(t + Int64(3 + rng.next() % 40) * 1_000_000_000, computer: host, record: r(),
                                   user: "svc-backup", domain: "PLANT", type: 3, logonID: id))
            t += 2_700_000_000_000 + Int64(rng.next() % 60_000_000_000)
            n += 1
        }
        // The remote session: RDP authentication, logon, session start, then logoff.
        let rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
        let lsm = "Microsoft-Windows-TerminalServices-LocalSessionManager"
        out.append(Winlogbeat.record(m.hmiLogon - 1_300_000_000, computer: host, id: 1149, channel: "\(rcm)/Operational",
                                   provider: rcm, record: 2211, message: "Remote Desktop Services: User authentication succeeded",
                                   userData: ["Param1": "hmi-admin", "Param2": "HMI-1", "Param3": Site.jump.address]))
        out.append(Winlogbeat.logon(m.hmiLogon, computer: host, record: r(), user: "hmi-admin", domain: "HMI-1", type: 10,
                              logonID: "0x5c21f", ip: Site.jump.address, port: "49781", workstation: "JUMP-1"))
        out.append(Winlogbeat.record(m.hmiLogon + 1_900_000_000, computer: host, id: 21, channel: "\(lsm)/Operational",
                                   provider: lsm, record: 913, message: "Remote Desktop Services: Session logon succeeded",
                                   userData: ["User": "HMI-1\\hmi-admin", "SessionID": "3", "Address": Site.jump.address]))
        out.append(Winlogbeat.process(m.hmiLogon + 6_300_000_000, computer: host, record: r(), user: "hmi-admin",
                                image: "C:\\Program Files\\WaterLogic\\HMI\\wlhmi.exe",
                                parent: "C:\\Windows\\explorer.exe",
                                commandLine: "\"C:\\Program Files\\WaterLogic\\HMI\\wlhmi.exe\" /project plant.wlp /viewer",
                                pid: 7344))
        out.append(Winlogbeat.record(m.hmiLogoff, computer: host, id: 24, channel: "\(lsm)/Operational", provider: lsm,
                                   record: 914, message: "Remote Desktop Services: Session has been disconnected",
                                   userData: ["User": "HMI-1\\hmi-admin", "SessionID": "3", "Address": Site.jump.address]))
        out.append(Winlogbeat.logoff(m.hmiLogoff + 1_200_000_000, computer: host, record: r(), user: "hmi-admin",
                               domain: "HMI-1", type: 10, logonID: "0x5c21f"))
        return out
    }

    mutating func jumpEvents() -> [(Int64, String)] {
        let host = "JUMP-1.plant.local"
        let m = moments
        var rec: Int64 = 310_400
        func r() -> Int64 { rec += 1; return rec }
        let rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
        var out: [(Int64, String)] = []
        func rdpSession(user: String, from ip: String, logon: Int64, logoff: Int64, logonID: String, port: String) {
            out.append(Winlogbeat.record(logon - 1_100_000_000, computer: host, id: 1149, channel: "\(rcm)/Operational",
                                       provider: rcm, record: r(), message: "Remote Desktop Services: User authentication succeeded",
                                       userData: ["Param1": user, "Param2": "PLANT", "Param3": ip]))
            out.append(Winlogbeat.logon(logon, computer: host, record: r(), user: user, domain: "PLANT", type: 10,
                                  logonID: logonID, ip: ip, port: port, workstation: "-"))
            out.append(Winlogbeat.logoff(logoff, computer: host, record: r(), user: user, domain: "PLANT", type: 10,
                                   logonID: logonID))
        }
        // An IT administrator from the office network in the morning.
        rdpSession(user: "mlee", from: "10.20.5.60", logon: Self.local(7, 58, 12.1), logoff: Self.local(8, 31, 40.2),
                   logonID: "0x1a2b01", port: "61022")
        // The contractor's routine visit through the VPN.
        rdpSession(user: "contractor1", from: Site.contractorVPNAddress, logon: m.contractorRDP + 2_600_000_000,
                   logoff: m.contractorLogoff, logonID: "0x2f3c44", port: "55012")
        // The intruder, with the vendor support account, then onwards to the HMI with its local account.
        rdpSession(user: "vendor-svc", from: Site.attackerVPNAddress, logon: m.jumpLogon, logoff: m.jumpLogoff,
                   logonID: "0x3d9e02", port: "50122")
        out.append(Winlogbeat.process(m.mstsc, computer: host, record: r(), user: "vendor-svc",
                                image: "C:\\Windows\\System32\\mstsc.exe", parent: "C:\\Windows\\explorer.exe",
                                commandLine: "\"C:\\Windows\\System32\\mstsc.exe\" /v:HMI-1", pid: 6012))
        out.append(Winlogbeat.record(m.hmiRDP - 2_800_000_000, computer: host, id: 4648, record: r(),
                                   message: "A logon was attempted using explicit credentials.",
                                   eventData: ["SubjectUserName": "vendor-svc", "SubjectDomainName": "PLANT",
                                               "SubjectLogonId": "0x3d9e02", "TargetUserName": "hmi-admin",
                                               "TargetDomainName": "HMI-1", "TargetServerName": "HMI-1",
                                               "ProcessName": "C:\\Windows\\System32\\mstsc.exe",
                                               "IpAddress": Site.hmi.address, "IpPort": "3389"]))
        // Routine: Windows Update checks by SYSTEM every hour.
        var t = Self.local(6, 3, 11)
        var pid = 3000
        while t < Self.local(15, 0) {
            out.append(Winlogbeat.process(t, computer: host, record: r(), user: "JUMP-1$",
                                    image: "C:\\Windows\\System32\\usoclient.exe",
                                    parent: "C:\\Windows\\System32\\svchost.exe", commandLine: "usoclient.exe StartScan",
                                    pid: pid))
            pid += 4 * Int(1 + rng.next() % 50)
            t += 3_600_000_000_000 + Int64(rng.next() % 120_000_000_000)
        }
        return out
    }

    // MARK: Firewall

    mutating func firewallLines() -> [(Int64, String)] {
        let m = moments
        var fw = ASALog(host: "fw-1", utcOffset: Int(Self.utcOffset), firstConnection: 884_200)
        // Scanners knocking on the outside address all day.
        fw.scanners(from: Self.local(6, 0, 5), to: Self.local(15, 0), outside: Site.firewallOutside,
                    skip: [Site.contractorIP], &rng)
        // The jump host's hourly update checks.
        var t = Self.local(6, 3, 12)
        while t < Self.local(15, 0) {
            let c = fw.nextConn(&rng)
            let sport = 50_000 + Int(rng.next() % 10_000)
            fw.line(t, 6, 302_013, "Built outbound TCP connection \(c) for outside:13.107.4.50/443 (13.107.4.50/443) to "
                    + "inside:\(Site.jump.address)/\(sport) (\(Site.firewallOutside)/\(sport))")
            fw.line(t + 4_000_000_000, 6, 302_014, "Teardown TCP connection \(c) for outside:13.107.4.50/443 to "
                    + "inside:\(Site.jump.address)/\(sport) duration 0:00:04 bytes 18234 TCP FINs")
            t += 3_600_000_000_000 + Int64(rng.next() % 120_000_000_000)
        }
        fw.vpnSession(user: "contractor1", group: "GP-Contractors", from: Site.contractorIP,
                      assigned: Site.contractorVPNAddress, start: m.contractorVPN, rdp: m.contractorRDP,
                      rdpEnd: m.contractorLogoff + 600_000_000, end: m.contractorVPNEnd, port: 55_012,
                      target: Site.jump.address, authServer: Site.dc.address, &rng)
        // Password guessing against the VPN, then the vendor account works.
        for (i, f) in m.vpnFailures.enumerated() {
            fw.vpnRejected(f, user: i < 3 ? ["admin", "support", "vendor"][i] : "vendor-svc", from: Site.attackerIP,
                           authServer: Site.dc.address)
        }
        fw.vpnSession(user: "vendor-svc", group: "GP-Vendors", from: Site.attackerIP, assigned: Site.attackerVPNAddress,
                      start: m.vpnLogon, rdp: m.jumpRDP, rdpEnd: m.jumpLogoff + 700_000_000, end: m.vpnEnd, port: 50_122,
                      target: Site.jump.address, authServer: Site.dc.address, &rng)
        // The jump host's session to the HMI crosses from the operations zone into the control zone.
        let c = fw.nextConn(&rng)
        fw.line(m.hmiRDP - 100_000_000, 6, 302_013, "Built inbound TCP connection \(c) for inside:\(Site.jump.address)/49781 "
                + "(\(Site.jump.address)/49781) to control:\(Site.hmi.address)/3389 (\(Site.hmi.address)/3389)")
        fw.line(m.hmiLogoff + 900_000_000, 6, 302_014, "Teardown TCP connection \(c) for inside:\(Site.jump.address)/49781 to "
                + "control:\(Site.hmi.address)/3389 duration \(ASALog.duration(m.hmiLogoff + 900_000_000 - m.hmiRDP)) bytes "
                + "\(1_500_000 + rng.next() % 900_000) TCP FINs")
        return fw.lines
    }

    // MARK: Inventory and scenario

    static let assetsYAML = """
        # Asset inventory of the Westbrook water-treatment plant (an invented site), as the plant's
        # engineers gave it to the investigators.
        assets:
          - name: fw-1
            role: firewall
            level: 3
            zone: dmz
            addresses: [10.20.3.1, 10.20.1.1, 192.0.2.10, "00:1a:2b:3c:01:01"]
            hostnames: [fw-1]
            description: Perimeter firewall and remote-access VPN (Cisco ASA); VPN pool 10.20.9.0/24
            evidence: ["firewall/fw-1*.log"]
          - name: dc-1
            role: domain-controller
            level: 3
            zone: operations
            addresses: [10.20.3.5]
            hostnames: [DC-1, dc-1.plant.local]
          - name: jump-1
            role: jump-host
            level: 3
            zone: operations
            addresses: [10.20.3.15]
            hostnames: [JUMP-1, jump-1.plant.local]
            description: Remote-access jump host for vendors and IT
          - name: historian-1
            role: historian
            level: 3
            zone: operations
            addresses: [10.20.3.40]
            hostnames: [HIST-1, hist-1.plant.local]
            evidence: ["historian/historian-1*.csv"]
          - name: hmi-1
            role: hmi
            level: 2
            zone: control
            addresses: [10.20.1.10, "00:15:5d:0a:01:10"]
            hostnames: [HMI-1, hmi-1.plant.local]
            description: Operator HMI (WaterLogic HMI); console operator and remote desktop
          - name: eng-ws-1
            role: engineering-workstation
            level: 2
            zone: control
            addresses: [10.20.1.30, "00:15:5d:0a:01:30"]
            hostnames: [ENG-WS-1]
          - name: plc-dosing
            role: plc
            level: 1
            zone: control
            addresses: [10.20.1.21, "00:80:f4:21:00:21"]
            description: Chemical dosing PLC (sodium hydroxide, chlorine)
            tags:
              - {point: "holding:40001", tag: NaOH_SP, setpoint: true, unit: ppm, scale: 1}
              - {point: "holding:40002", tag: Cl2_SP, setpoint: true, unit: mg/L, scale: 0.01}
              - {point: "input:30001", tag: NaOH_Pump_Rate, unit: L/h, scale: 0.1, low: 0, high: 5}
              - {point: "input:30002", tag: pH_Finished, unit: pH, scale: 0.01, low: 6.5, high: 8.5}
          - name: plc-filter
            role: plc
            level: 1
            zone: control
            addresses: [10.20.1.22, "00:80:f4:21:00:22"]
            description: Filter gallery PLC
            tags:
              - {point: "holding:40001", tag: Filter_Flow_SP, setpoint: true, unit: m3/h, scale: 0.1}
              - {point: "input:30001", tag: Filter_DP, unit: kPa, scale: 0.1}

        """

    func scenarioYAML() -> String {
        let m = moments
        func t(_ v: Int64) -> String { Self.iso(v) }
        return """
            # Exercise: remote takeover of a water plant's HMI (generated by `make evidence`; do not edit by hand).
            name: \(Self.name)
            title: Caustic soda setpoint raised from outside at the Westbrook water-treatment plant
            seed: \(Self.defaultSeed)
            site_time_zone: America/New_York
            briefing: |
              On Friday 5 February 2021 at about 13:35 local time, the operator of the Westbrook water-treatment
              plant saw the sodium hydroxide (NaOH) dosing setpoint on the HMI at 11,100 ppm instead of 100 ppm
              and set it back within minutes. The dosing pump had already run up to its maximum and the
              finished-water pH began to rise. No one on site admits to the change. The plant allows vendors and
              contractors in through a VPN and a jump host.

              You have the control-network capture (12:40-14:30), the Windows logs of the HMI and the jump
              host, the firewall/VPN log and the historian's export with the asset inventory. The historian
              server is known to keep poor time. Was the change a cyber event? If so, how did the intruder get
              in, which account did what, and what did it do to the process?
            evidence:
              - {path: capture/control-net.pcap, what: control network capture at the HMI switch (SPAN), clock: sensor (reference)}
              - {path: windows/hmi-1-security.jsonl, what: Windows logs of HMI-1 (Winlogbeat export), clock: hmi-1}
              - {path: windows/jump-1-security.jsonl, what: Windows logs of JUMP-1 (Winlogbeat export), clock: jump-1}
              - {path: firewall/fw-1.log, what: firewall and VPN syslog (Cisco ASA, RFC 5424 times), clock: fw-1}
              - {path: historian/historian-1-export.csv, what: historian export (1 s, local time), clock: historian-1}
              - {path: assets.yaml, what: asset inventory with the PLC register to historian tag map}
            questions:
              - id: cyber_cause
                ask: Was the setpoint change caused by a cyber event?
              - id: clock
                ask: How far off is the historian's clock, and in which direction?
              - id: chain
                ask: Give the chain from first access to the physical effect, with times and assets.
              - id: root_cause
                ask: State the root cause in one sentence.
              - id: techniques
                ask: Which ATT&CK for ICS and Enterprise techniques were used?
            answer:
              cyber_cause: true
              root_cause: >-
                An outsider logged in to the plant's remote-access VPN with the guessed vendor-svc account from
                \(Site.attackerIP), went by remote desktop to JUMP-1 and on to HMI-1 as hmi-admin, and through the
                HMI wrote 11100 to the dosing PLC's NaOH setpoint (holding 40001), a hundredfold increase.
              clock_offsets: {historian-1: \(String(format: "%.1f", Self.historianOffset))}
              chain:
                - {kind: vpn.address_assigned, asset: fw-1, time: "\(t(m.vpnLogon + 1_000_000_000))", tolerance_s: 5, user: vendor-svc, src: \(Site.attackerIP)}
                - {kind: auth.logon, asset: jump-1, time: "\(t(m.jumpLogon))", tolerance_s: 5, user: vendor-svc, src: \(Site.attackerVPNAddress)}
                - {kind: auth.logon, asset: hmi-1, time: "\(t(m.hmiLogon))", tolerance_s: 5, user: hmi-admin, src: \(Site.jump.address)}
                - {kind: ics.modbus.write, asset: plc-dosing, time: "\(t(m.maliciousWrite))", tolerance_s: 2, point: "holding:40001", value: 11100}
                - {kind: process.setpoint_change, asset: plc-dosing, time: "\(t(m.maliciousWrite))", tolerance_s: 3, tag: NaOH_SP}
              not_the_cause:
                - {what: the console operator jsmith on HMI-1, why: logged on since 06:52 and wrote the reversal at \(t(m.reversal)), not the raise}
                - {what: the contractor's VPN session, why: ended at \(t(m.contractorVPNEnd)), 48 minutes before the change}
              techniques: [T0822, T0823, T0836, T0859, T1133, T1021.001, T1078, T1110.001]

            """
    }
}

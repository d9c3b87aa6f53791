import Foundation
import JikochoModel

/// A supply-chain compromise through a monitoring tool's update (as with SolarWinds Orion in 2020): the plant's
/// network-monitoring server installs a trojanized update, stays quiet for twelve days, then calls out to a host it
/// never talked to; two days later it reaches the engineering workstation, where a second stage is installed as a
/// service and, at night, writes a higher temperature setpoint to the reactor PLC. The operator sets it back.
///
/// Evidence: Winlogbeat exports of the monitoring server and the engineering workstation (Sysmon and System), the
/// control-network capture of the night, the historian export (its clock 75 s behind), the inventory,
/// `scenario.yaml`. Every name, address and account is invented.
public struct SupplyChainUpdateExercise {
    public static let name = "supply-chain-monitoring-update"
    public static let defaultSeed: UInt64 = 20_201_213
    public static let historianOffset = 75.0

    var rng: SeededRandom

    public init(seed: UInt64 = defaultSeed) { rng = SeededRandom(seed: seed) }

    /// 2020-11-20 00:00 JST = 2020-11-19 15:00 UTC.
    static let day0UTC: Int64 = 1_605_798_000
    static let utcOffset = 9 * 3600

    /// True time of a local reading `day` days after 20 November 2020.
    static func local(_ day: Int, _ h: Int, _ m: Int, _ s: Double = 0) -> Int64 {
        SiteClock.local(day0UTC, day: day, h, m, s)
    }

    struct Site {
        static let hmi = NetHost("10.50.1.10", mac: [0x00, 0x15, 0x5d, 0x32, 0x01, 0x10])
        static let ews = NetHost("10.50.1.31", mac: [0x00, 0x15, 0x5d, 0x32, 0x01, 0x31])
        static let plc = NetHost("10.50.1.40", mac: [0x00, 0x0e, 0x8c, 0x32, 0x00, 0x40])
        static let nms = "10.50.3.60"
        static let vendor = "203.0.113.10"
        static let c2 = "198.51.100.200"
    }

    struct Moments {
        let update = local(0, 10, 4, 12.5)
        let firstBeacon = local(12, 2, 10, 41.3)
        let lateral = local(14, 3, 2, 7.9)
        let secondStage = local(14, 3, 3, 22.6)
        let write = local(14, 3, 20, 15.4)
        let restore = local(14, 3, 41, 52.1)
        let captureStart = local(14, 2, 30)
        let captureEnd = local(14, 4, 30)
    }
    let moments = Moments()

    struct State { var sp = 150.0, temp = 150.0, valve = 42.0 }

    /// The reactor's temperature follows its setpoint through the cooling valve, slowly.
    mutating func simulate() -> SecondByStates<State> {
        let m = moments
        return SecondByStates(from: m.captureStart - 600_000_000_000, to: m.captureEnd + 300_000_000_000,
                              initial: State()) { t, s in
            s.sp = t >= m.restore ? 150 : t >= m.write ? 185 : 150
            let error = s.sp - s.temp
            s.valve = max(0, min(100, 42 - error * 3))
            s.temp += error * 0.004 + Double(Int(rng.next() % 21) - 10) / 400
        }
    }

    public mutating func generate(into directory: String) throws -> WaterTreatmentExercise.Summary {
        try ExerciseFiles.prepare(directory, ["capture", "windows", "historian"])
        let run = simulate()
        let state = run.at
        var summary = WaterTreatmentExercise.Summary()
        summary.files["capture/control-net-night.pcap"] = try writeCapture("\(directory)/capture/control-net-night.pcap", state)
        summary.files["historian/historian-3-export.csv"] = try writeHistorian("\(directory)/historian/historian-3-export.csv", state)
        summary.files["windows/nms-1-sysmon.jsonl"] = try ExerciseFiles.writeLines("\(directory)/windows/nms-1-sysmon.jsonl", nmsEvents())
        summary.files["windows/ews-2-sysmon.jsonl"] = try ExerciseFiles.writeLines("\(directory)/windows/ews-2-sysmon.jsonl", ewsEvents())
        try ExerciseFiles.finish(directory, assets: Self.assetsYAML, scenario: scenarioYAML(), &summary)
        return summary
    }

    // MARK: Windows

    mutating func nmsEvents() -> [(Int64, String)] {
        let host = "NMS-1.plant3.local"
        let tool = "C:\\Program Files\\NetWatch\\NetWatch.BusinessLayerHost.exe"
        let m = moments
        var rec: Int64 = 91_000
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        var port = 50_000
        func connect(_ t: Int64, _ dst: String, _ dport: Int, _ name: String = "", image: String = tool) {
            port += 1 + Int(rng.next() % 40)
            out.append(Winlogbeat.connection(t, computer: host, record: r(), image: image, src: Site.nms, srcPort: port,
                                             dst: dst, dstPort: dport, dstHost: name))
        }
        // Before and after the update: the daily check with the vendor's update server.
        for d in -5...14 {
            connect(Self.local(d, 9, 30, Double(rng.next() % 50)), Site.vendor, 443, "update.netwatch.example")
        }
        // The update itself.
        out.append(Winlogbeat.sysmonProcess(m.update, computer: host, record: r(),
                                            image: "C:\\Program Files\\NetWatch\\NetWatchUpdater.exe", parent: tool,
                                            commandLine: "NetWatchUpdater.exe /update 2020.2.1 HF1 /quiet", user: "NT AUTHORITY\\SYSTEM"))
        out.append(Winlogbeat.fileCreate(m.update + 21_000_000_000, computer: host, record: r(),
                                         image: "C:\\Program Files\\NetWatch\\NetWatchUpdater.exe",
                                         path: "C:\\Program Files\\NetWatch\\NetWatch.Core.BusinessLayer.dll"))
        // Twelve days later it calls out: DNS, then the connection, every hour or so.
        var b = m.firstBeacon
        while b < Self.local(14, 5, 0) {
            out.append(Winlogbeat.sysmon(b - 400_000_000, computer: host, id: 22, record: r(), message: "Dns query",
                                         eventData: ["Image": tool, "QueryName": "e1c3.appsync-api.avsvmcloud.example",
                                                     "QueryResults": "::ffff:\(Site.c2);", "QueryStatus": "0"]))
            connect(b, Site.c2, 443, "e1c3.appsync-api.avsvmcloud.example")
            b += Int64(3300 + rng.next() % 600) * 1_000_000_000
        }
        // Then it reaches the engineering workstation over SMB.
        connect(m.lateral, Site.ews.address, 445, image: "C:\\Windows\\System32\\svchost.exe")
        // Routine: the monitoring polls of the servers.
        for d in 0...14 {
            connect(Self.local(d, 12, 0, Double(rng.next() % 50)), "10.50.3.5", 389, "dc-3.plant3.local")
        }
        return out
    }

    mutating func ewsEvents() -> [(Int64, String)] {
        let host = "EWS-2.plant3.local"
        let m = moments
        var rec: Int64 = 33_400
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        // The engineer's day shift the day before: a console logon, the engineering software, a logoff.
        let dayShift = Self.local(13, 8, 41, 5)
        out.append(Winlogbeat.logon(dayShift, computer: host, record: r(), user: "k.tanaka", domain: "PLANT3", type: 2,
                                    logonID: "0x51f2a"))
        out.append(Winlogbeat.process(dayShift + 30_000_000_000, computer: host, record: r(), user: "k.tanaka",
                                      image: "C:\\Program Files\\CtrlStudio\\CtrlStudio.exe", parent: "C:\\Windows\\explorer.exe",
                                      commandLine: "CtrlStudio.exe /project reactor3.csp", pid: 4410))
        out.append(Winlogbeat.logoff(Self.local(13, 17, 32, 40), computer: host, record: r(), user: "k.tanaka", domain: "PLANT3",
                                     type: 2, logonID: "0x51f2a"))
        // At night: the share connection from the monitoring server, the second stage installed and run.
        out.append(Winlogbeat.record(m.lateral + 600_000_000, computer: host, id: 5140, record: r(),
                                     message: "A network share object was accessed.",
                                     eventData: ["SubjectUserName": "svc-netwatch", "SubjectDomainName": "PLANT3",
                                                 "IpAddress": Site.nms, "IpPort": "50711", "ShareName": "\\\\*\\ADMIN$"]))
        out.append(Winlogbeat.serviceInstall(m.secondStage, computer: host, record: r(), name: "NetWatchAgentSvc",
                                             imagePath: "C:\\Windows\\Temp\\nwagent.exe -k netsvcs"))
        out.append(Winlogbeat.sysmonProcess(m.secondStage + 2_000_000_000, computer: host, record: r(),
                                            image: "C:\\Windows\\Temp\\nwagent.exe", parent: "C:\\Windows\\System32\\services.exe",
                                            commandLine: "C:\\Windows\\Temp\\nwagent.exe -k netsvcs", user: "NT AUTHORITY\\SYSTEM"))
        out.append(Winlogbeat.connection(m.write - 300_000_000, computer: host, record: r(), image: "C:\\Windows\\Temp\\nwagent.exe",
                                         src: Site.ews.address, srcPort: 51_522, dst: Site.plc.address, dstPort: 502))
        return out
    }

    // MARK: Capture

    mutating func writeCapture(_ path: String, _ state: (Int64) -> State) throws -> Int {
        let cap = CaptureBuilder()
        let m = moments
        let hmi = TCPConversation(cap, client: Site.hmi, clientPort: 49_220, server: Site.plc, serverPort: 502,
                                  isn: (0x4410_0001, 0x0000_2B10), ttl: (128, 64))
        var tid: UInt16 = 0x0800
        let reg = ModbusFrames.register
        func tx(_ c: TCPConversation, _ t: Int64, _ req: [UInt8], _ resp: [UInt8]) -> Int64 {
            ModbusFrames.exchange(c, &tid, t, req, resp) { Int64(2_000_000 + Int64(rng.next() % 3_000_000)) }
        }
        // The second stage's own connection to the PLC: it reads the setpoint, then writes 185.0 °C.
        var t = m.captureStart + 300_000_000
        var evil: TCPConversation?
        var restored = false
        while t < m.captureEnd {
            if evil == nil, t >= m.write - 2_000_000_000 {
                let c = TCPConversation(cap, client: Site.ews, clientPort: 51_522, server: Site.plc, serverPort: 502,
                                        isn: (0x7A30_0001, 0x0000_5C10), ttl: (128, 64))
                c.open(m.write - 300_000_000)
                _ = tx(c, m.write - 200_000_000, [3, 0, 9, 0, 1], [3, 2] + reg(1500))
                _ = tx(c, m.write, [6, 0, 9] + reg(1850), [6, 0, 9] + reg(1850))
                c.close(fromClient: true, m.write + 400_000_000)
                evil = c
            }
            if !restored, t >= m.restore - 40_000_000 {
                // The operator sets it back from the HMI.
                restored = true
                t = max(t, tx(hmi, m.restore, [6, 0, 9] + reg(1500), [6, 0, 9] + reg(1500)) + 5_000_000)
            }
            let s = state(t)
            let u = tx(hmi, t, [3, 0, 9, 0, 1], [3, 2] + reg(s.sp * 10))
            _ = tx(hmi, u, [4, 0, 9, 0, 2], [4, 4] + reg(s.temp * 10) + reg(s.valve * 10))
            t += 2_000_000_000 + Int64(rng.next() % 2_000_000)
        }
        return try cap.write(to: path)
    }

    // MARK: Historian

    func writeHistorian(_ path: String, _ state: (Int64) -> State) throws -> Int {
        try ExerciseFiles.writeHistorian(
            path, header: "# HIST-3 export, 1 s\n# TimeZone: Asia/Tokyo\n"
                + "Timestamp,Reactor_Temp_SP (degC),Reactor_Temp (degC),Coolant_Valve (%)\n",
            from: moments.captureStart, to: moments.captureEnd, correction: Self.historianOffset, utcOffset: Self.utcOffset
        ) { t in
            let s = state(t)
            return String(format: "%.1f,%.1f,%.1f", s.sp, (s.temp * 10).rounded() / 10, (s.valve * 10).rounded() / 10)
        }
    }

    static let assetsYAML = """
        # Asset inventory of Hoshizora Chemical plant 3 (an invented site).
        assets:
          - name: nms-1
            role: monitoring
            level: 3
            zone: operations
            addresses: [10.50.3.60]
            hostnames: [NMS-1, nms-1.plant3.local]
            description: Network monitoring server (NetWatch), polls the plant's servers and switches
          - name: dc-3
            role: domain-controller
            level: 3
            zone: operations
            addresses: [10.50.3.5]
            hostnames: [DC-3]
          - name: historian-3
            role: historian
            level: 3
            zone: operations
            addresses: [10.50.3.40]
            hostnames: [HIST-3]
            evidence: ["historian/historian-3*.csv"]
          - name: hmi-3
            role: hmi
            level: 2
            zone: control
            addresses: [10.50.1.10]
            hostnames: [HMI-3]
          - name: ews-2
            role: engineering-workstation
            level: 2
            zone: control
            addresses: [10.50.1.31]
            hostnames: [EWS-2, ews-2.plant3.local]
          - name: plc-reactor
            role: plc
            level: 1
            zone: control
            addresses: [10.50.1.40]
            description: Reactor 3 temperature control
            tags:
              - {point: "holding:40010", tag: Reactor_Temp_SP, setpoint: true, unit: degC, scale: 0.1}
              - {point: "input:30010", tag: Reactor_Temp, unit: degC, scale: 0.1, low: 120, high: 170}
              - {point: "input:30011", tag: Coolant_Valve, unit: "%", scale: 0.1}

        """

    func scenarioYAML() -> String {
        func t(_ v: Int64) -> String { Timestamp(nanoseconds: v).iso8601(precision: .seconds) }
        let m = moments
        return """
            # Exercise: a trojanized monitoring-tool update reaching a reactor PLC (generated by `make evidence`).
            name: \(Self.name)
            title: Reactor 3's temperature setpoint raised at night - by whom?
            seed: \(Self.defaultSeed)
            site_time_zone: Asia/Tokyo
            briefing: |
              At 03:20 on 4 December 2020 reactor 3's temperature setpoint at Hoshizora Chemical's plant 3 went from
              150.0 to 185.0 degC; the night operator saw the temperature climbing and set it back at 03:41. No one
              was logged on to the engineering workstation. You have the Sysmon logs of the network-monitoring server
              and the engineering workstation, the control-network capture of the night and the historian export.
              The historian's clock is known to lag. Where did the write come from, and how did it get there?
            evidence:
              - {path: windows/nms-1-sysmon.jsonl, what: Sysmon and System logs of NMS-1 (Winlogbeat), clock: nms-1}
              - {path: windows/ews-2-sysmon.jsonl, what: Sysmon, Security and System logs of EWS-2 (Winlogbeat), clock: ews-2}
              - {path: capture/control-net-night.pcap, what: control network capture (02:30-04:30), clock: sensor (reference)}
              - {path: historian/historian-3-export.csv, what: historian export (1 s, local time), clock: historian-3}
              - {path: assets.yaml, what: asset inventory with the PLC's tag map}
            questions:
              - id: cyber_cause
                ask: Was the setpoint change a cyber event?
              - id: chain
                ask: Give the chain from the first compromise to the write, with times and hosts.
              - id: clock
                ask: How far off is the historian's clock?
              - id: root_cause
                ask: State the root cause in one sentence.
              - id: techniques
                ask: Which ATT&CK techniques were used?
            answer:
              cyber_cause: true
              root_cause: >-
                A trojanized update of the NetWatch monitoring tool installed on NMS-1 began calling 198.51.100.200
                twelve days later; through NMS-1 the intruder reached EWS-2 over SMB, installed a second stage as a
                service, and from EWS-2 wrote 1850 (185.0 degC) to plc-reactor's temperature setpoint (holding 40010).
              clock_offsets: {historian-3: \(Self.historianOffset)}
              chain:
                - {kind: exec.process, asset: nms-1, time: "\(t(m.update))", tolerance_s: 5}
                - {kind: net.connection, asset: nms-1, time: "\(t(m.firstBeacon))", tolerance_s: 5}
                - {kind: net.connection, asset: nms-1, time: "\(t(m.lateral))", tolerance_s: 5}
                - {kind: ics.modbus.write, asset: plc-reactor, time: "\(t(m.write))", tolerance_s: 2, point: "holding:40010", value: 1850}
                - {kind: process.setpoint_change, asset: plc-reactor, time: "\(t(m.write))", tolerance_s: 3, tag: Reactor_Temp_SP}
              techniques: [T1195.002, T0862, T1071.001, T1021.002, T1543.003, T0836]
              not_the_cause:
                - {what: the engineer k.tanaka's session on EWS-2, why: "logged off at \(t(Self.local(13, 17, 32, 40))), ten hours before the write"}
                - {what: the daily check with the vendor's update server 203.0.113.10, why: made every day before the update as after}

            """
    }
}

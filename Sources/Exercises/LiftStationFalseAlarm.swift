import Foundation
import JikochoModel

/// A false alarm: at a wastewater lift station a duty pump's bearing fails, its vibration and motor current climb
/// for twenty minutes, the motor trips on overload, the wet well rises above its high level and the operator starts
/// the standby pump from the HMI console. A vendor had a remote-desktop session on the HMI earlier that night, so
/// the utility asks whether it was an attack. The right answer is "no evidence of a cyber cause", and why.
///
/// Evidence: the control-network capture (HMI polling, the operator's writes), the HMI's Windows logs (Winlogbeat:
/// the operator's console logon, the vendor's remote session from the jump host and its end), the historian export
/// (its clock 43 s fast), the inventory, `scenario.yaml`. Every name, address and account is invented.
public struct LiftStationFalseAlarmExercise {
    public static let name = "lift-station-pump-failure"
    public static let defaultSeed: UInt64 = 20_230_714
    /// The historian's clock runs this far ahead (seconds to add to its recorded time: negative).
    public static let historianOffset = -43.0

    var rng: SeededRandom

    public init(seed: UInt64 = defaultSeed) { rng = SeededRandom(seed: seed) }

    /// 2023-07-13 15:00 UTC = 2023-07-14 00:00 JST; the station is in Asia/Tokyo (UTC+9).
    static let midnightUTC: Int64 = 1_689_260_400
    static let utcOffset: Int64 = 9 * 3600

    /// True time of a local reading on the night of 13–14 July (hours past 24 are the next morning... hours below
    /// 12 are the 14th, 22–23 the 13th).
    static func local(_ h: Int, _ m: Int, _ s: Double = 0) -> Int64 {
        SiteClock.local(midnightUTC, day: h >= 12 ? -1 : 0, h, m, s)
    }

    struct Site {
        static let hmi = NetHost("10.30.1.10", mac: [0x00, 0x15, 0x5d, 0x1e, 0x01, 0x10])
        static let plc = NetHost("10.30.1.20", mac: [0x00, 0x80, 0xf4, 0x1e, 0x00, 0x20])
        static let dc = NetHost("10.30.3.5", mac: [0x00, 0x1a, 0x2b, 0x3c, 0x02, 0x01])
        static let jump = "10.30.3.15"
    }

    /// When things happen (true time).
    struct Moments {
        let operatorLogon = local(22, 5, 14)
        let vendorLogon = local(1, 10, 22.4)
        let vendorLogoff = local(1, 42, 7.9)
        let captureStart = local(2, 0)
        let captureEnd = local(5, 30)
        let wear = local(3, 48)          // the bearing starts to fail
        let trip = local(4, 12, 30.2)    // overload trip, no command
        let standby = local(4, 19, 10.6) // operator starts P-102
        /// The operator's level setpoint changes (m): routine ones, the draw-down after the trip, the return.
        let setpoints: [(Int64, Double)] = [(local(2, 31, 4.1), 2.40), (local(3, 5, 47.6), 2.50),
                                            (local(4, 21, 40.3), 2.00), (local(5, 5, 12.8), 2.50)]
    }
    let moments = Moments()

    struct State {
        var level = 2.5, outflow = 150.0, current = 41.0, vibration = 2.3
        var p101 = "Running"
        var p102 = 0
        var sp = 2.5
    }

    /// One second at a time from 01:55 to 05:35: inflow from the town's night curve, the duty pump holding the level
    /// at its setpoint, the bearing's wear, the trip, the standby pump.
    mutating func simulate() -> SecondByStates<State> {
        let start = Self.local(1, 55)
        let m = moments
        var sp = m.setpoints.makeIterator()
        var nextSP = sp.next()
        return SecondByStates(from: start, to: Self.local(5, 35), initial: State()) { t, s in
            if let (at, v) = nextSP, t >= at { s.sp = v; nextSP = sp.next() }
            let hours = Double(t - start) / 3.6e12
            let inflow = 128 + 18 * sin(hours * 0.9) + Double(rng.next() % 100) / 25 - 2
            if t >= m.trip { s.p101 = "Tripped" }
            if t >= m.standby { s.p102 = 1 }
            let wear = t < m.wear ? 0 : min(1, Double(t - m.wear) / Double(m.trip - m.wear))
            let pumping = s.p101 == "Running" || s.p102 == 1
            // The pumps' controller adds to the inflow what brings the level to the setpoint within minutes.
            s.outflow = pumping ? max(0, min(190, inflow + 600 * (s.level - s.sp))) : 0
            s.level += (inflow - s.outflow) / 3600 / 14      // 14 m² of wet well
            if s.p101 == "Running" {
                s.vibration = 2.3 + 7.5 * wear * wear + Double(rng.next() % 20) / 100
                s.current = 41 + 16 * wear * wear + Double(rng.next() % 30) / 100
            } else {
                s.vibration = 0.1 + Double(rng.next() % 5) / 100
                s.current = 0
            }
        }
    }

    public mutating func generate(into directory: String) throws -> WaterTreatmentExercise.Summary {
        try ExerciseFiles.prepare(directory, ["capture", "windows", "historian"])
        let run = simulate()
        let state = run.at
        var summary = WaterTreatmentExercise.Summary()
        summary.files["capture/station-control.pcap"] = try writeCapture("\(directory)/capture/station-control.pcap", state)
        summary.files["historian/historian-ls-export.csv"] = try writeHistorian("\(directory)/historian/historian-ls-export.csv", state)
        summary.files["windows/hmi-ls-security.jsonl"] = try ExerciseFiles.writeLines(
            "\(directory)/windows/hmi-ls-security.jsonl", hmiEvents())
        try ExerciseFiles.finish(directory, assets: Self.assetsYAML, scenario: scenarioYAML(), &summary)
        return summary
    }

    // MARK: Capture

    mutating func writeCapture(_ path: String, _ state: (Int64) -> State) throws -> Int {
        let cap = CaptureBuilder()
        let m = moments
        let conv = TCPConversation(cap, client: Site.hmi, clientPort: 50_311, server: Site.plc, serverPort: 502,
                                   isn: (0x2210_0001, 0x0000_4A10), ttl: (128, 64))
        var tid: UInt16 = 0x1200
        func transaction(_ t: Int64, _ request: [UInt8], _ response: [UInt8]) -> Int64 {
            ModbusFrames.exchange(conv, &tid, t, request, response) { Int64(2_000_000 + Int64(rng.next() % 3_000_000)) }
        }
        let reg = ModbusFrames.register
        // Operator writes: the level setpoint (holding 40001, cm) and the standby pump's start (coil 00002).
        var writes: [(Int64, [UInt8])] = m.setpoints.map { ($0.0, [6, 0, 0] + reg($0.1 * 100)) }
        writes.append((m.standby, [5, 0, 1, 0xFF, 0x00]))
        writes.sort { $0.0 < $1.0 }
        var w = 0
        var t = m.captureStart + 250_000_000
        while t < m.captureEnd {
            while w < writes.count, writes[w].0 < t + 40_000_000 {
                let done = transaction(writes[w].0, writes[w].1, writes[w].1)
                t = max(t, done + 5_000_000)
                w += 1
            }
            let s = state(t)
            var u = transaction(t, [3, 0, 0, 0, 1], [3, 2] + reg(s.sp * 100))
            u = transaction(u, [4, 0, 0, 0, 4], [4, 8] + reg(s.level * 100) + reg(s.outflow * 10) + reg(s.current * 10)
                            + reg(s.vibration * 10))
            let status: UInt8 = (s.p101 == "Running" ? 1 : 0) | (s.p101 == "Tripped" ? 2 : 0) | UInt8(s.p102 << 2)
            _ = transaction(u, [2, 0, 0, 0, 3], [2, 1, status])
            t += 2_000_000_000 + Int64(rng.next() % 2_000_000)
        }
        // The HMI resolves the historian's name every five minutes.
        var d = m.captureStart + 41_000_000_000
        var id: UInt16 = 0x3b00
        while d < m.captureEnd {
            id &+= 1
            let q = DNSFrames.query(id, "hist-ls.station.local")
            let sport = UInt16(50_000 + rng.next() % 10_000)
            cap.add(d, Frames.udp(Site.hmi, sport, Site.dc, 53, payload: q, id: cap.nextID(Site.hmi), ttl: 128))
            cap.add(d + 650_000, Frames.udp(Site.dc, 53, Site.hmi, sport, payload: DNSFrames.answer(q, [10, 30, 3, 40]),
                                            id: cap.nextID(Site.dc), ttl: 127))
            d += 300_000_000_000
        }
        return try cap.write(to: path)
    }

    // MARK: Historian

    func writeHistorian(_ path: String, _ state: (Int64) -> State) throws -> Int {
        // The historian stamps each scan with its own clock, 43 s fast: the row it labels 04:13:13 holds what the PLC
        // held at 04:12:30 true time.
        try ExerciseFiles.writeHistorian(
            path, header: "# HIST-LS export, 1 s, interpolation none\n# TimeZone: Asia/Tokyo\n"
                + "Timestamp,WetWell_Level_SP (m),WetWell_Level (m),Outflow (m3/h),P101_Current (A),P101_Vibration (mm/s),"
                + "P101_State,P102_Cmd\n",
            from: Self.local(2, 0), to: Self.local(5, 30), correction: Self.historianOffset, utcOffset: Int(Self.utcOffset)
        ) { t in
            let s = state(t)
            return String(format: "%.2f,%.2f,%.1f,%.1f,%.1f,%@,%d", s.sp, (s.level * 100).rounded() / 100,
                          (s.outflow * 10).rounded() / 10, (s.current * 10).rounded() / 10, (s.vibration * 10).rounded() / 10,
                          s.p101, s.p102)
        }
    }

    // MARK: Windows

    mutating func hmiEvents() -> [(Int64, String)] {
        let host = "HMI-LS.station.local"
        let m = moments
        var rec: Int64 = 48_200
        func r() -> Int64 { rec += 1; return rec }
        var out: [(Int64, String)] = []
        // The night-shift operator at the console.
        out.append(Winlogbeat.logon(m.operatorLogon, computer: host, record: r(), user: "t.mori", domain: "STATION", type: 2,
                                    logonID: "0x2c41a", process: "User32"))
        out.append(Winlogbeat.process(m.operatorLogon + 9_000_000_000, computer: host, record: r(), user: "t.mori",
                                      image: "C:\\Program Files\\FlowView\\FlowView.exe", parent: "C:\\Windows\\explorer.exe",
                                      commandLine: "\"C:\\Program Files\\FlowView\\FlowView.exe\" /station LS-3", pid: 5120))
        // The pump vendor's remote check of the drive parameters, through the jump host; it ends well before the trip.
        out.append(Winlogbeat.record(m.vendorLogon - 1_300_000_000, computer: host, id: 1149,
                                     channel: "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
                                     provider: "Microsoft-Windows-TerminalServices-RemoteConnectionManager", record: r(),
                                     message: "Remote Desktop Services: User authentication succeeded",
                                     userData: ["Param1": "pumpvendor", "Param2": "STATION", "Param3": Site.jump]))
        out.append(Winlogbeat.logon(m.vendorLogon, computer: host, record: r(), user: "pumpvendor", domain: "STATION", type: 10,
                                    logonID: "0x3f7d2", ip: Site.jump, port: "51844", workstation: "JUMP-2"))
        out.append(Winlogbeat.process(m.vendorLogon + 40_000_000_000, computer: host, record: r(), user: "pumpvendor",
                                      image: "C:\\Program Files\\DriveTool\\DriveTool.exe", parent: "C:\\Windows\\explorer.exe",
                                      commandLine: "DriveTool.exe /readonly /device P101-VFD", pid: 6644))
        out.append(Winlogbeat.logoff(m.vendorLogoff, computer: host, record: r(), user: "pumpvendor", domain: "STATION", type: 10,
                                     logonID: "0x3f7d2"))
        out.append(Winlogbeat.record(m.vendorLogoff + 200_000_000, computer: host, id: 23,
                                     channel: "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
                                     provider: "Microsoft-Windows-TerminalServices-LocalSessionManager", record: r(),
                                     message: "Remote Desktop Services: Session logoff succeeded",
                                     userData: ["User": "STATION\\pumpvendor", "SessionID": "3"]))
        // Routine: the HMI's scheduled report every hour, and the system account's service logons.
        var t = Self.local(23, 0, 3)
        while t < Self.local(5, 30) {
            out.append(Winlogbeat.process(t, computer: host, record: r(), user: "SYSTEM",
                                          image: "C:\\Program Files\\FlowView\\ReportGen.exe",
                                          parent: "C:\\Windows\\System32\\svchost.exe", commandLine: "ReportGen.exe /hourly",
                                          pid: 7000 + Int(rng.next() % 900)))
            t += 3_600_000_000_000
        }
        return out
    }

    // MARK: Inventory and scenario

    static let assetsYAML = """
        # Asset inventory of lift station LS-3 (an invented site), as the utility's engineers gave it.
        assets:
          - name: jump-2
            role: jump-host
            level: 3
            zone: operations
            addresses: [10.30.3.15]
            hostnames: [JUMP-2]
            description: Jump host for vendors' remote support
          - name: dc-2
            role: domain-controller
            level: 3
            zone: operations
            addresses: [10.30.3.5]
            hostnames: [DC-2]
          - name: historian-ls
            role: historian
            level: 3
            zone: operations
            addresses: [10.30.3.40]
            hostnames: [HIST-LS]
            evidence: ["historian/historian-ls*.csv"]
          - name: hmi-ls
            role: hmi
            level: 2
            zone: control
            addresses: [10.30.1.10, "00:15:5d:1e:01:10"]
            hostnames: [HMI-LS, hmi-ls.station.local]
          - name: plc-ls
            role: plc
            level: 1
            zone: control
            addresses: [10.30.1.20, "00:80:f4:1e:00:20"]
            description: Lift station PLC (duty pump P-101, standby P-102, wet well level control)
            tags:
              - {point: "holding:40001", tag: WetWell_Level_SP, setpoint: true, unit: m, scale: 0.01}
              - {point: "coil:00002", tag: P102_Cmd, unit: "on/off", scale: 1}
              - {point: "input:30001", tag: WetWell_Level, unit: m, scale: 0.01, low: 0.5, high: 3.2}
              - {point: "input:30002", tag: Outflow, unit: m3/h, scale: 0.1}
              - {point: "input:30003", tag: P101_Current, unit: A, scale: 0.1, low: 0, high: 55}
              - {point: "input:30004", tag: P101_Vibration, unit: mm/s, scale: 0.1, low: 0, high: 7.1}
              - {point: "discrete_input:10001", tag: P101_State}

        """

    func scenarioYAML() -> String {
        func t(_ v: Int64) -> String { Timestamp(nanoseconds: v).iso8601(precision: .seconds) }
        let m = moments
        return """
            # Exercise: a pump failure at a lift station, with a remote session the same night (generated by `make evidence`).
            name: \(Self.name)
            title: Wet well overflow alarm at lift station LS-3 - an attack or a failing pump?
            seed: \(Self.defaultSeed)
            site_time_zone: Asia/Tokyo
            briefing: |
              At 04:20 on Friday 14 July 2023 the wet well of lift station LS-3 went above its high level and the duty
              pump P-101 showed "Tripped" on the HMI. The night operator started the standby pump P-102 and drew the
              level down. The pump vendor had connected to the HMI by remote desktop earlier that night, and the utility
              asks whether the trip was caused remotely. You have the control-network capture (02:00-05:30), the HMI's
              Windows logs, the historian export and the inventory. The historian's clock is not synchronised.
            evidence:
              - {path: capture/station-control.pcap, what: control network capture at the HMI switch (SPAN), clock: sensor (reference)}
              - {path: windows/hmi-ls-security.jsonl, what: Windows logs of HMI-LS (Winlogbeat export), clock: hmi-ls}
              - {path: historian/historian-ls-export.csv, what: historian export (1 s, local time), clock: historian-ls}
              - {path: assets.yaml, what: asset inventory with the PLC's points and tags}
            questions:
              - id: cyber_cause
                ask: Was the trip or the high level caused by a cyber event?
              - id: clock
                ask: How far off is the historian's clock, and in which direction?
              - id: root_cause
                ask: What happened, in one sentence?
              - id: chain
                ask: If there was a cyber cause, give its chain; if not, say what rules it out.
            answer:
              cyber_cause: false
              root_cause: >-
                No cyber cause: the bearing of duty pump P-101 failed - its vibration and motor current climbed beyond
                their limits for about twenty minutes - and the motor tripped on overload with no controller write before
                it; the wet well then rose above its high level until the operator started standby pump P-102 from the
                HMI console.
              clock_offsets: {historian-ls: \(Self.historianOffset)}
              chain: []
              techniques: []
              physical:
                - {kind: process.state_change, asset: plc-ls, time: "\(t(m.trip))", tag: P101_State}
              not_the_cause:
                - {what: the pump vendor's remote desktop session on HMI-LS (pumpvendor), why: "ended at \(t(m.vendorLogoff)), two and a half hours before the trip, and wrote nothing to the PLC"}
                - {what: the night operator t.mori at the console, why: started P-102 and changed the level setpoint after the trip, to recover}

            """
    }
}

import Exercises
import Foundation
import JikochoModel
import TestSupport
import Testing
import Yams

@testable import EvidenceStore
@testable import Timeline

@Suite(.serialized) struct CausalChainTests {
    /// The answer key's chain, from the committed scenario.
    static func answerChain() throws -> [ExerciseAnswer.Step] {
        try AnswerKey.load(exercise: WaterTreatmentExercise.name).chain
    }

    @Test func theChainBehindTheSetpointRaiseIsTheAnswerKeys() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain")
        let est = try ClockEstimator().estimate(c)
        for e in est.estimates where e.significant {
            try c.setClock(e.clock, correction: e.correction, source: .estimate, reason: "test", detail: e.detail)
        }
        let chains = try ChainBuilder(c).chains(impact: "process.setpoint_change")
        let chain = try #require(chains.first)
        let key = try Self.answerChain()
        #expect(chain.steps.map(\.event.event.kind) == key.map { $0.kind ?? "?" })
        #expect(chain.steps.map { $0.asset ?? "-" } == key.map { $0.asset ?? "?" })
        for (step, k) in zip(chain.steps, key) {
            let off = Double(step.event.event.time.nanoseconds - (k.time?.nanoseconds ?? 0)) / 1e9
            #expect(abs(off) <= k.tolerance, "\(k.kind ?? "?") on \(k.asset ?? "?"): \(off) s from the key")
            if let u = k.fields["user"] { #expect(step.event.event.user == u) }
        }
        #expect(chain.reachesOutside && chain.end.contains("198.51.100.77"))
        // Only the best `limit` are kept as the impacts are read: each limit gives the first of the full order.
        let all = try ChainBuilder(c).chains(impact: "process.setpoint_change", limit: 1000).map(\.impact.event.id)
        #expect(all.count > 1)
        for k in 0...all.count {
            #expect(try ChainBuilder(c).chains(impact: "process.setpoint_change", limit: k).map(\.impact.event.id)
                        == Array(all.prefix(k)))
        }
        // The same chain from the impact's event id (`chain --from`).
        let byID = try #require(try ChainBuilder(c).chain(fromEventID: chain.impact.event.id))
        #expect(byID.steps.map(\.event.id) == chain.steps.map(\.event.id))
        #expect(chain.links.map(\.rule) == ["vpn-address", "host-session", "host-session", "tag-map"])
        // Every step cites its evidence; the operator at the console is listed as a competing explanation.
        #expect(chain.steps.allSatisfy { !$0.event.event.provenance.locator.isEmpty })
        #expect(chain.alternatives.contains { $0.why.contains("jsmith") && chain.steps[$0.step].asset == "hmi-1" })
        #expect(chain.steps.first?.notes.first?.contains("5 failed logons") == true)
        // The operator's setting back is ranked after the raise and says what it restores.
        #expect(chains.dropFirst().first?.restores == true)
        // Stored as a finding with the chain in full.
        let context = try TimelineContext(c)
        try c.saveFinding(Finding(playbook: "Timeline.CausalChain", title: chain.title, severity: chain.severity,
                                  summary: chain.summary, eventIDs: chain.steps.map(\.event.id), createdAt: .now),
                          detail: chain.json(context))
        let (finding, detail) = try #require(try c.findings().first)
        #expect(finding.severity == .high && finding.eventIDs.count == 5)
        guard case .object(let d)? = detail, case .array(let steps)? = d["steps"] else {
            Issue.record("no chain in the finding")
            return
        }
        #expect(steps.count == 5)
        #expect(try c.custodyEntries().contains { $0.action == "finding.add" })
    }

    @Test func withoutTheClockCorrectionTheChainStopsInsteadOfGuessing() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain-skewed")
        // The historian runs 97 s behind: its setpoint change appears before the write that caused it.
        let raise = try #require(try c.events(EventQuery(kinds: ["process.setpoint_change"])).first {
            $0.event.attributes["new"] == .double(11_100)
        })
        let chain = try ChainBuilder(c).chain(from: raise)
        #expect(chain.steps.count == 1 && chain.links.isEmpty)
        #expect(chain.end.contains("no controller write") && chain.end.contains("clock"))
    }

    @Test func whenTheJumpHostsLogsAreMissingTheTrailEndsThere() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain-no-jump", without: ["jump-1-security.jsonl"])
        try c.setClock("historian-1", correction: ClockCorrection(offsetNanos: 97_000_000_000), source: .investigator,
                       reason: "known")
        let chain = try #require(try ChainBuilder(c).chains(impact: "process.setpoint_change").first)
        #expect(chain.steps.map(\.event.event.kind) == ["auth.logon", "ics.modbus.write", "process.setpoint_change"])
        #expect(chain.end == "10.20.3.15 (jump-1) sent it, but the case holds no logon records of jump-1"
                || chain.end.contains("no logon records of jump-1"), "\(chain.end)")
        #expect(!chain.reachesOutside)
    }

    @Test func aPhysicalEffectLeadsBackThroughTheSetpointChangeBeforeIt() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain-effect")
        try c.setClock("historian-1", correction: ClockCorrection(offsetNanos: 97_000_000_000), source: .investigator,
                       reason: "known")
        let chains = try ChainBuilder(c).chains(impact: "process.excursion")
        let pump = try #require(chains.first { $0.impact.event.event.message.contains("NaOH_Pump_Rate") })
        #expect(pump.links.first?.rule == "vpn-address")
        #expect(pump.links.last?.rule == "same-controller")
        #expect(pump.steps.count == 6 && pump.reachesOutside)
    }
}

/// A stop sent to a PLC, then the line it runs stops: the chain links the state change to the command, and the
/// command to the remote session on the engineering workstation that sent it.
@Suite struct ControllerCommandChainTests {
    // S7 over COTP: connect request and confirm, PLC STOP (P_PROGRAM), PLC START (PI service P_PROGRAM), their
    // acknowledgements.
    static func tpkt(_ s7: [UInt8]) -> [UInt8] { [3, 0] + be16(UInt16(7 + s7.count)) + [2, 0xF0, 0x80] + s7 }
    static let cr: [UInt8] = [3, 0, 0, 22, 17, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2]
    static let cc: [UInt8] = [3, 0, 0, 22, 17, 0xD0, 0, 1, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2]
    static let stop = tpkt([0x32, 1, 0, 0, 0x05, 0x00, 0, 16, 0, 0, 0x29, 0, 0, 0, 0, 0, 9] + Array("P_PROGRAM".utf8))
    static let stopAck = tpkt([0x32, 3, 0, 0, 0x05, 0x00, 0, 1, 0, 0, 0, 0, 0x29])
    static let start = tpkt([0x32, 1, 0, 0, 0x06, 0x00, 0, 20, 0, 0, 0x28, 0, 0, 0, 0, 0, 0, 0xFD, 0, 0, 9] + Array("P_PROGRAM".utf8))
    static let startAck = tpkt([0x32, 3, 0, 0, 0x06, 0x00, 0, 1, 0, 0, 0, 0, 0x28])
    /// A case of the files (written into `dir`) with the inventory, every file ingested.
    static func makeCase(_ dir: TempDir, _ files: [String: [UInt8]], inventory: String) throws -> Case {
        for (name, bytes) in files { try Data(bytes).write(to: dir.url.appendingPathComponent(name)) }
        let c = try Case.create(at: dir.url.appendingPathComponent("case").path, name: "t", examiner: "t")
        try c.importAssets(try AssetInventory.parse(inventory, file: "assets.yaml"), file: "assets.yaml",
                           sha256: String(repeating: "0", count: 64))
        for outcome in try c.add(paths: files.keys.sorted().map { dir.url.appendingPathComponent($0).path }) {
            if case .added(let item) = outcome { _ = try c.ingest(item) }
        }
        return c
    }

    /// The historian's export of the line: running, then stopped three seconds after `t0`, its speed falling to 0.
    static func lineStopsCSV(_ t0: UInt32) -> String {
        var csv = "# TimeZone: UTC\nTimestamp,Line_Run,Line_Speed (ppm)\n"
        for s in -120...120 {
            let c = Timestamp(seconds: Int64(t0) + Int64(s)).civil(utcOffsetSeconds: 0)
            csv += String(format: "%04d-%02d-%02d %02d:%02d:%02d,%@,%.1f\n", c.year, c.month, c.day, c.hour, c.minute, c.second,
                          s < 3 ? "Running" : "Stopped", s < 3 ? 45.0 + Double(s % 3) / 10 : max(0, 45 - Double(s - 3) * 5))
        }
        return csv
    }

    /// The engineering workstation ews-9 (10.9.1.30; with another, ews-10 at 10.9.1.31) and the PLC whose input
    /// 10001 the historian shows as Line_Run.
    static func inventory(withSecondWorkstation second: Bool) -> String {
        """
        assets:
          - {name: ews-9, role: engineering-workstation, level: 2, addresses: [10.9.1.30], hostnames: [EWS-9]}
        \(second ? "  - {name: ews-10, role: engineering-workstation, level: 2, addresses: [10.9.1.31]}\n" : "")\
          - name: plc-9
            role: plc
            level: 1
            addresses: [10.9.1.50]
            tags:
              - {point: "discrete_input:10001", tag: Line_Run}
        """
    }

    /// One S7 job and its acknowledgement on a connection of its own.
    static func job(_ request: [UInt8], _ ack: [UInt8]) -> [(fromClient: Bool, bytes: [UInt8])] {
        [(true, cr), (false, cc), (true, request), (false, ack)]
    }

    @Test func aStateChangeRightAfterAPLCStopChainsToTheStopAndItsSender() throws {
        let dir = TempDir("command-chain")
        let t0: UInt32 = 1_700_000_000
        var pcap = PcapBuilder()
        // From the engineering workstation.
        pcap.conversation(PcapBuilder.Host([10, 9, 1, 30], 50_000, mac: 0x30), PcapBuilder.Host([10, 9, 1, 50], 102, mac: 0x50),
                          Self.job(Self.stop, Self.stopAck), start: t0)
        let csv = Self.lineStopsCSV(t0)
        // The engineering workstation's log: a remote desktop logon from outside ten minutes before.
        let logon = Winlogbeat.logon(Int64(t0 - 600) * 1_000_000_000, computer: "EWS-9.plant.local", record: 7, user: "eng-admin",
                                     domain: "PLANT", type: 10, logonID: "0x9a1", ip: "203.0.113.9", port: "51000")
        let files = ["capture.pcap": pcap.bytes, "historian.csv": Array(csv.utf8), "ews-9.jsonl": Array((logon.1 + "\n").utf8)]
        let c = try Self.makeCase(dir, files, inventory: Self.inventory(withSecondWorkstation: false))
        let chain = try #require(try ChainBuilder(c).chains(impact: "process.state_change").first)
        #expect(chain.steps.map(\.role) == ["logon session", "controller command", "impact"], "\(chain.steps.map(\.role)) \(chain.end)")
        #expect(chain.links.map(\.rule) == ["host-session", "controller-command"])
        #expect(chain.steps[1].event.event.kind == "ics.s7.plc_stop" && chain.reachesOutside)
    }

    /// A stop and a start from the workstation are one run of commands; a stop another host sent earlier is not part
    /// of it. Of the two sessions open on the workstation, the one its own connection record names is taken, even
    /// a console session over a remote one, and the other is marked ruled out.
    @Test func aRunOfCommandsAndTheSessionTheConnectionRecordNames() throws {
        let dir = TempDir("command-run")
        let t0: UInt32 = 1_700_000_000
        let plc = PcapBuilder.Host([10, 9, 1, 50], 102, mac: 0x50)
        var pcap = PcapBuilder()
        // Another engineering host stops the PLC three minutes earlier (not part of the run), then the workstation
        // stops it and, 30 s later, starts it again.
        pcap.conversation(PcapBuilder.Host([10, 9, 1, 31], 50_002, mac: 0x31), plc, Self.job(Self.stop, Self.stopAck), start: t0 - 200)
        pcap.conversation(PcapBuilder.Host([10, 9, 1, 30], 50_000, mac: 0x30), plc, Self.job(Self.stop, Self.stopAck), start: t0 - 30)
        pcap.conversation(PcapBuilder.Host([10, 9, 1, 30], 50_001, mac: 0x30), plc, Self.job(Self.start, Self.startAck), start: t0)
        var csv = "# TimeZone: UTC\nTimestamp,Line_Run,Line_Speed (ppm)\n"
        for s in -300...120 {
            let c = Timestamp(seconds: Int64(t0) + Int64(s)).civil(utcOffsetSeconds: 0)
            let state = s < -199 ? "Running" : s < -150 ? "Stopped" : s < -29 ? "Running" : s < 3 ? "Stopped" : "Running"
            csv += String(format: "%04d-%02d-%02d %02d:%02d:%02d,%@,%.1f\n", c.year, c.month, c.day, c.hour, c.minute, c.second,
                          state, state == "Running" ? 45.0 + Double(s % 3) / 10 : 0)
        }
        let ns = { (t: UInt32) in Int64(t) * 1_000_000_000 }
        let ews = "EWS-9.plant.local"
        let lines = [
            Winlogbeat.logon(ns(t0 - 3600), computer: ews, record: 1, user: "tech", domain: "PLANT", type: 2, logonID: "0x11"),
            Winlogbeat.logon(ns(t0 - 600), computer: ews, record: 2, user: "eng-admin", domain: "PLANT", type: 10,
                             logonID: "0x22", ip: "203.0.113.9", port: "51000"),
            Winlogbeat.connection(ns(t0 - 30) - 200_000_000, computer: ews, record: 3, image: "C:\\Tools\\Studio.exe",
                                  src: "10.9.1.30", srcPort: 50_000, dst: "10.9.1.50", dstPort: 102, user: "PLANT\\tech"),
        ].map { $0.1 + "\n" }.joined()
        let files = ["capture.pcap": pcap.bytes, "historian.csv": Array(csv.utf8), "ews-9.jsonl": Array(lines.utf8)]
        let c = try Self.makeCase(dir, files, inventory: Self.inventory(withSecondWorkstation: true))
        let chains = try ChainBuilder(c).chains(impact: "process.state_change")
        let ics = try c.events(EventQuery(kinds: ["ics"])).map(\.event.kind)
        let restart = try #require(chains.first { $0.steps.contains { $0.event.event.kind == "ics.s7.plc_start" } },
                                   "\(chains.map { ($0.steps.map(\.event.event.kind), $0.end) }) \(ics)")
        #expect(restart.steps.map(\.role) == ["logon session", "controller command", "controller command", "impact"],
                "\(restart.steps.map(\.role)) \(restart.end)")
        #expect(restart.links.map(\.rule) == ["host-session", "command-sequence", "controller-command"])
        #expect(restart.steps[1].event.event.kind == "ics.s7.plc_stop" && restart.steps[1].event.event.src.ip == "10.9.1.30")
        // The console session, because the workstation's record of the stop's connection names its account.
        #expect(restart.steps[0].event.event.user == "tech")
        #expect(restart.links[0].explanation.contains("from port 50000 by Studio.exe names PLANT\\tech"), "\(restart.links[0].explanation)")
        #expect(restart.alternatives.count == 1 && restart.alternatives[0].ruledOut
                && restart.alternatives[0].why.contains("eng-admin"))
        #expect(!restart.reachesOutside && restart.end.contains("console"))
        // The earlier stop from the other host has its own chain, which ends at a host without logon records.
        let other = try #require(chains.first { $0.steps.contains { $0.event.event.src.ip == "10.9.1.31" } })
        #expect(other.end.contains("no logon records of ews-10"), "\(other.end)")
    }
}

/// A Linux engineering workstation: the sessions on it are in its auth.log (sshd's logons, PAM's console and SSH
/// sessions), and an SSH session ends when its own sshd process closes it, not when another session of the same
/// account does.
@Suite struct ShellSessionChainTests {
    @Test func anSSHSessionStillOpenIsTheRouteThoughTheSameAccountClosedAnother() throws {
        let dir = TempDir("ssh-chain")
        let t0: UInt32 = 1_700_000_000
        var pcap = PcapBuilder()
        pcap.conversation(PcapBuilder.Host([10, 9, 1, 30], 50_000, mac: 0x30), PcapBuilder.Host([10, 9, 1, 50], 102, mac: 0x50),
                          ControllerCommandChainTests.job(ControllerCommandChainTests.stop, ControllerCommandChainTests.stopAck),
                          start: t0)
        let csv = ControllerCommandChainTests.lineStopsCSV(t0)
        func stamp(_ s: Int) -> String {
            Timestamp(seconds: Int64(t0) + Int64(s)).iso8601(precision: .microseconds).replacingOccurrences(of: "Z", with: "+00:00")
        }
        // The technician at the console since an hour before; eng-admin by SSH from outside 15 minutes before, still
        // on; eng-admin again from another workstation 400 s before, closed 300 s before (its own sshd process);
        // cron's session, over in a second.
        let log = [
            "\(stamp(-3600)) ews-9 gdm-password][1042]: pam_unix(gdm-password:session): session opened for user tech(uid=1000) by (uid=0)",
            "\(stamp(-900)) ews-9 sshd[4100]: Accepted publickey for eng-admin from 203.0.113.9 port 51000 ssh2: ED25519 SHA256:q8Y",
            "\(stamp(-900)) ews-9 sshd[4100]: pam_unix(sshd:session): session opened for user eng-admin(uid=1001) by (uid=0)",
            "\(stamp(-400)) ews-9 sshd[4200]: Accepted password for eng-admin from 10.9.1.31 port 40022 ssh2",
            "\(stamp(-400)) ews-9 sshd[4200]: pam_unix(sshd:session): session opened for user eng-admin(uid=1001) by (uid=0)",
            "\(stamp(-300)) ews-9 sshd[4200]: pam_unix(sshd:session): session closed for user eng-admin",
            "\(stamp(-60)) ews-9 CRON[5100]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
            "\(stamp(-59)) ews-9 CRON[5100]: pam_unix(cron:session): session closed for user root",
        ].joined(separator: "\n") + "\n"
        let files = ["capture.pcap": pcap.bytes, "historian.csv": Array(csv.utf8), "auth.log": Array(log.utf8)]
        let c = try ControllerCommandChainTests.makeCase(dir, files,
                                                         inventory: ControllerCommandChainTests.inventory(withSecondWorkstation: true))
        let kinds = try c.events(EventQuery()).map(\.event.kind)
        let chain = try #require(try ChainBuilder(c).chains(impact: "process.state_change").first, "\(kinds)")
        #expect(chain.steps.map(\.role) == ["logon session", "controller command", "impact"], "\(chain.steps.map(\.role)) \(chain.end)")
        let logon = chain.steps[0].event.event
        #expect(logon.kind == "auth.logon" && logon.user == "eng-admin" && logon.src.ip == "203.0.113.9")
        #expect(chain.links[0].explanation.contains("SSH of eng-admin on ews-9 from 203.0.113.9"), "\(chain.links[0].explanation)")
        #expect(chain.runsThroughRemoteSession && chain.reachesOutside)
        // The console session competes; the closed session and cron's do not.
        #expect(chain.alternatives.map(\.why).contains { $0.hasPrefix("console logon of tech on ews-9") }, "\(chain.alternatives.map(\.why))")
        #expect(!chain.alternatives.contains { $0.why.contains("10.9.1.31") || $0.why.contains("root") }, "\(chain.alternatives.map(\.why))")
    }

    /// What kind of session an event opens, whatever wrote it: sshd's logon is a remote shell, a display manager's
    /// PAM session the console; the PAM session beside sshd's logon, cron's and a VPN gateway's logon are no session
    /// on a host.
    @Test func theSessionAnAuthLineOpens() throws {
        let dir = TempDir("session-kinds")
        let log = [
            "2024-03-12T07:00:00.000000+00:00 ews-9 sshd[10]: Accepted password for a from 10.0.0.5 port 5000 ssh2",
            "2024-03-12T07:00:00.000000+00:00 ews-9 sshd[10]: pam_unix(sshd:session): session opened for user a(uid=1000) by (uid=0)",
            "2024-03-12T07:00:01.000000+00:00 ews-9 login[11]: pam_unix(login:session): session opened for user b(uid=1001) by LOGIN(uid=0)",
            "2024-03-12T07:00:02.000000+00:00 ews-9 lightdm[12]: pam_unix(lightdm-greeter:session): session opened for user lightdm(uid=115) by (uid=0)",
            "2024-03-12T07:00:03.000000+00:00 ews-9 CRON[13]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
            "2024-03-12T07:00:04.000000+00:00 gw-1 openvpn[14]: 198.51.100.7:40000 TLS: Username/Password authentication succeeded for username 'v'",
        ].joined(separator: "\n") + "\n"
        let c = try ControllerCommandChainTests.makeCase(dir, ["auth.log": Array(log.utf8)], inventory: "assets:\n  - {name: ews-9, addresses: [10.9.1.30]}\n")
        let events = try c.events(EventQuery(kinds: ["auth"])).map(\.event)
        let types = events.map { "\($0.user ?? "-"):\(SessionFacts.type($0) ?? "none")" }
        #expect(types == ["a:ssh", "a:none", "b:console", "lightdm:none", "root:none", "v:none"], "\(types)")
        #expect(events.map { SessionFacts.isRemote($0) } == [true, false, false, false, false, false])
    }
}

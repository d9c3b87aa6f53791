import Foundation
import GRDB
import TestSupport
import Testing

@testable import EvidenceStore

/// Crash safety of the case, 50 times: `jikocho ingest` of a mix of evidence (a syslog file, Windows event logs,
/// DNP3 and BACnet captures, the first 2,000 hours of the BATADAL historian export, a zip holding an IIS log, another event log and a Modbus
/// capture) is killed with SIGKILL at a random moment of an uninterrupted
/// run's duration, from before the first batch to the full-text index at the end. After each kill the case opens, `verify` is clean,
/// every interrupted run is marked incomplete, and ingesting the same paths again ends with exactly the events of
/// an uninterrupted run.
@Suite(.serialized) struct KillHarnessTests {
    static let rounds = 50

    /// What must come out the same: per collector and evidence item, the count, distinct locators and a checksum of
    /// the times and kinds.
    static func fingerprint(_ dir: String) throws -> [String] {
        var config = Configuration()
        config.readonly = true
        let q = try DatabaseQueue(path: "\(dir)/case.sqlite", configuration: config)
        return try q.read { db in
            try String.fetchAll(db, sql: """
                SELECT r.collector || ' ' || ev.sha256 || ' ' || COUNT(*) || ' ' || COUNT(DISTINCT e.locator) || ' '
                       || SUM(e.time % 1000003) || ' ' || SUM(length(e.kind) * 7 + length(e.message))
                FROM events e JOIN ingest_runs r ON r.id = e.run_id JOIN evidence ev ON ev.id = e.evidence_id
                GROUP BY r.collector, ev.sha256 ORDER BY r.collector, ev.sha256
                """)
            // Samples: per series, the count, the numbers and checksums of the times and the stored bytes.
            + String.fetchAll(db, sql: """
                SELECT 'samples ' || s.name || ' ' || SUM(b.count) || ' ' || SUM(b.numbers) || ' '
                       || SUM(b.min_time % 1000003) || ' ' || SUM(length(b.data))
                FROM sample_blocks b JOIN series s ON s.id = b.series_id JOIN ingest_runs r ON r.id = b.run_id
                WHERE r.status = 'complete' GROUP BY s.name ORDER BY s.name
                """)
        }
    }

    static func inputs(_ tmp: TempDir) throws -> [String] {
        var text = [UInt8]()
        for i in 0..<12_000 {
            let s = i % 86_400
            let stamp = "Mar  1 " + [s / 3600, s / 60 % 60, s % 60].map { $0 < 10 ? "0\($0)" : "\($0)" }
                .joined(separator: ":")
            text += Array("\(stamp) hmi-01 sshd[\(1000 + i % 5000)]: Failed password for root from 203.0.113.\(i % 250) port \(40000 + i % 20000) ssh2\n".utf8)
        }
        let syslog = tmp.file("in/auth.log", text)
        // The first 2,000 hours of the BATADAL export (the whole year makes each debug-build ingest seconds long).
        let batadal = try String(contentsOfFile: TestPaths.dataset("historian/BATADAL_dataset03_normal.csv"), encoding: .utf8)
        let historian = tmp.file("in/batadal-head.csv",
                                 batadal.split(whereSeparator: \.isNewline).prefix(2_001).joined(separator: "\n") + "\n")
        func shared(_ p: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset(p)))) }
        let zip = tmp.url.appendingPathComponent("in/logs.zip").path
        #expect(ArchiveWriter.write(zip, .zip, [
            .file("web/iis.log", try shared("logs/web/iis_w3c_tunna_rdp_tunnel.log")),
            .file("win/sysmon.evtx", try shared("evtx/attack_samples/DE_sysmon-3-rdp-tun.evtx")),
            .file("net/modbus.pcap", try shared("pcaps/ics/modbus_example_icsnpp.pcap")),
        ]))
        return [syslog, TestPaths.dataset("evtx/baseline/security_baseline_python-evtx.evtx"),
                TestPaths.dataset("pcaps/ics/dnp3_example_icsnpp.pcap"),
                TestPaths.dataset("evtx/attack_samples/PanacheSysmon_vs_AtomicRedTeam01.evtx"),
                TestPaths.dataset("pcaps/ics/bacnet_services_icsnpp.pcap"),
                historian, zip]
    }

    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func fiftyKillsDuringIngestLeaveASoundCase() throws {
        let tmp = TempDir()
        let bin = TestPaths.jikocho
        let paths = try Self.inputs(tmp)
        let args = ["--tz", "UTC", "--year", "2021"]

        // The reference: one uninterrupted run, timed.
        let reference = tmp.url.appendingPathComponent("reference").path
        try runProgram(bin, ["case", "init", reference, "--name", "reference", "--examiner", "t"])
        let t0 = Date()
        let r = try runProgram(bin, ["ingest", reference] + paths + args)
        let duration = Date().timeIntervalSince(t0)
        #expect(r.status == 0, "\(r.stderr)")
        let expected = try Self.fingerprint(reference)
        #expect(expected.count == 9 + 44, "one fingerprint per collector and evidence item, one per series: \(expected)")

        // Kills are counted only when they hit a running ingest: a run can finish sooner than the reference did,
        // so a kill that lands after the end is tried again at another moment (up to three times the rounds).
        var interrupted = 0
        var round = -1
        while interrupted < Self.rounds, round < Self.rounds * 3 {
            round += 1
            let dir = tmp.url.appendingPathComponent("case-\(round)").path
            try runProgram(bin, ["case", "init", dir, "--name", "kill \(round)", "--examiner", "t"])
            // Every other round loads in bulk: the indexes are dropped by its first batch and built when it ends.
            let p = try startProgram(bin, ["ingest", dir] + paths + args + (round % 2 == 1 ? ["--bulk"] : []))
            usleep(UInt32(Double.random(in: 0...(duration * 0.9)) * 1_000_000))
            if p.isRunning { interrupted += 1 }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()

            let v = try runProgram(bin, ["verify", dir])
            #expect(v.status == 0, "round \(round): verify after the kill: \(v.stdout)")
            // The next writer marks what was cut short incomplete; nothing half-done is left "running".
            let c = try Case.open(at: dir, mode: .write)
            let running = try c.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ingest_runs WHERE status = 'running'") }
            #expect(running == 0, "round \(round)")
            let indexes = try c.read {
                try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
            }
            #expect(Set(indexes).isSuperset(of: ["events_time", "events_kind_time", "events_asset_time", "events_run"]),
                    "round \(round): the events table's indexes after the kill: \(indexes)")
            // The full-text index holds the messages of the events left, no more (rank 1: against the content table).
            #expect(throws: Never.self, "round \(round): the full-text index disagrees with the events") {
                try c.write { try $0.execute(sql: "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)") }
            }
            let orphans = try c.read {
                try Int.fetchOne($0, sql: """
                    SELECT COUNT(*) FROM events e JOIN ingest_runs r ON r.id = e.run_id WHERE r.status != 'complete'
                    """)
            }
            #expect(orphans == 0, "round \(round): events of an unfinished run are left")
            let orphanSamples = try c.read {
                try Int.fetchOne($0, sql: """
                    SELECT COUNT(*) FROM sample_blocks b JOIN ingest_runs r ON r.id = b.run_id WHERE r.status != 'complete'
                    """)
            }
            #expect(orphanSamples == 0, "round \(round): samples of an unfinished run are left")
            #expect(try c.verify().isClean, "round \(round)")
            c.close()

            let again = try runProgram(bin, ["ingest", dir] + paths + args)
            #expect(again.status == 0, "round \(round): \(again.stderr)")
            #expect(try Self.fingerprint(dir) == expected, "round \(round): events differ from an uninterrupted run")
            #expect(try runProgram(bin, ["verify", dir]).status == 0, "round \(round)")
            if let e = FileManager.default.enumerator(atPath: dir) {
                for case let f as String in e { chmod("\(dir)/\(f)", 0o755) }
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
        #expect(interrupted == Self.rounds, "only \(interrupted) of \(Self.rounds) kills hit a running ingest")
    }
}

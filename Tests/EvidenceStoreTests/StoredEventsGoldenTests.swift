import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

/// What the store holds for every evidence file of the exercises and of `../shared/datasets`, compared byte for byte
/// with what it held before the pipeline was made faster: each file's stored events (every column but the ids:
/// times, kind, endpoints, message, the attributes' JSON text, tags, locator) and warnings, as one SHA-256 per file.
/// A change that alters one attribute of one event, or drops or adds one, fails here with the file named.
///
/// Recorded from the revision before attributes were written straight into their stored form (2e03b28), with
/// `JIKOCHO_RECORD_GOLDEN=1 swift test --filter StoredEventsGoldenTests`: 53 of the 55 files gave the same digest
/// after the change. The other two (the IEC 104 and EtherNet/IP samples) found a defect of that revision: routine
/// summaries that began in the same packet were stored in an order that changed from run to run. They are now
/// stored in the order they began, and those two lines were recorded again (the same rows, in that order). Re-record
/// only for an intended change of what a collector gives, and say so in the commit. (The two yearless syslog samples
/// were recorded again once the test gave their year: their warning quoting the copy's modification time is gone.
/// DE_sysmon-3-rdp-tun.evtx was recorded again when addresses began to be stored one way: Sysmon's uncompressed IPv6
/// addresses, `fe80:0:0:0:647b:…`, are stored as a capture decoder writes them, `fe80::647b:…`. iec104.pcap was
/// recorded again when a double command's control value became the state it commands: its two C_DC_NA_1
/// activations' `control.values` went from the DCS, 1 and 2, to 0 and 1; nothing else of the file changed. The eight
/// Modbus, DNP3 and IEC 104 captures were recorded again when their events began to name the controller's `station`
/// (`modbus:unit:1`, `dnp3:outstation:10`, `iec104:ca:1`): the same events and counts, one attribute more; and
/// s7comm_ident.pcap and line2-control-net.pcap when S7 messages began to name the CPU their connection request
/// addressed, `s7:rack:0:slot:1`. The six syslog files were recorded again when the syslog collector became version 7
/// (YAMAHA routers' records): with the version set back to 6 their digests were unchanged, so only that column moved.
/// bacnet_services_icsnpp.pcap was recorded again when BACnet messages began to name the device behind a router
/// their NPDU addresses (`bacnet:net:3:mac:108`): its events compared without `station` were identical. Every
/// capture again for network/pcap version 2 (copies of a frame decoded once), and the six syslog files for log/syslog
/// version 8 (F5 BIG-IP APM's and SoftEther's sessions): each file's time, kind, endpoints, message, attributes and
/// locator compared with the build before were the same, so only the version column moved. Every capture again for
/// network/pcap version 3 (a Logix array element part of the tag): no shared capture writes an element, and only the
/// version column moved. The six syslog files again for log/syslog version 9 (OpenVPN's address assignment read from
/// its `primary virtual IP` line; strongSwan's attempts): none holds an OpenVPN or charon line, and only the version
/// column moved.)
@Suite struct StoredEventsGoldenTests {
    static let golden = TestPaths.repoRoot.appendingPathComponent("Tests/EvidenceStoreTests/Golden/stored-events.tsv")

    /// The dataset folders whose files a collector reads (the Sigma rules beside them are not evidence).
    static let datasetFolders = ["evtx", "historian", "logs", "pcaps"]

    /// One line per evidence item: where it is from, its SHA-256 and name, its collector, event and warning counts,
    /// and the digest of its stored rows.
    static func lines(_ c: Case, source: String) throws -> [String] {
        try c.read { db in
            let items = try Row.fetchAll(db, sql: "SELECT id, sha256, name FROM evidence ORDER BY sha256, name")
            var out: [String] = []
            for item in items {
                let id: Int64 = item["id"]
                let events = try Row.fetchAll(db, sql: """
                    SELECT time, recorded_time, time_desc, domain, kind, host, asset, src_ip, src_port, src_mac, dst_ip,
                           dst_port, dst_mac, user, message, attributes, tags, collector, collector_version, locator
                    FROM events WHERE evidence_id = ? ORDER BY id
                    """, arguments: [id])
                let warnings = try Row.fetchAll(db, sql: "SELECT locator, text FROM warnings WHERE evidence_id = ? ORDER BY id",
                                                arguments: [id])
                let collectors = try String.fetchAll(db, sql: "SELECT DISTINCT collector FROM ingest_runs WHERE evidence_id = ? AND status = 'complete'",
                                                     arguments: [id])
                guard !collectors.isEmpty else { continue }
                var text = ""
                for r in events + [Row()] + warnings {
                    text += r.databaseValues.map { "\($0)" }.joined(separator: "\u{1F}") + "\n"
                }
                let sha: String = item["sha256"]
                let name: String = item["name"]
                out.append([source, sha, name, collectors.sorted().joined(separator: ","), String(events.count),
                            String(warnings.count), sha256Hex(text.utf8)].joined(separator: "\t"))
            }
            return out
        }
    }

    static func ingest(_ folders: [String], into path: String) throws -> Case {
        let c = try Case.create(at: path, name: "golden", examiner: "t")
        _ = try c.add(paths: folders)
        // BSD syslog lines carry no year: without one, the collector counts back from the file's modification time,
        // which is when this machine's copy of the datasets was made, and says so in a warning that quotes it. The
        // year is given so that the stored events are the same on every machine and in every year.
        for item in try c.allEvidence() { _ = try c.ingest(item, options: IngestOptions(year: 2026)) }
        return c
    }

    /// The ingest writer skips the table's CHECKs on its own rows (`IngestRun.insert`): every stored event's attributes
    /// and tags must still be JSON that SQLite calls valid.
    static func expectStoredJSONValid(_ c: Case) throws {
        let bad = try c.read { db in
            try String.fetchAll(db, sql: """
                SELECT locator FROM events
                WHERE (attributes IS NOT NULL AND NOT json_valid(attributes)) OR (tags IS NOT NULL AND NOT json_valid(tags))
                   OR kind = '' OR domain NOT IN ('it', 'network', 'ot', 'process')
                LIMIT 5
                """)
        }
        #expect(bad.isEmpty, "events the table's checks would refuse: \(bad)")
        #expect(try c.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM events") ?? 0 } > 0)
    }

    @Test func everyFilesStoredEventsAreAsRecorded() throws {
        let tmp = TempDir()
        let evidenceRoot = TestPaths.repoRoot.appendingPathComponent("Evidence").path
        let exercises = try FileManager.default.contentsOfDirectory(atPath: evidenceRoot).sorted().map { "\(evidenceRoot)/\($0)" }
        let exercisesCase = try Self.ingest(exercises, into: tmp.url.appendingPathComponent("exercises").path)
        var actual = try Self.lines(exercisesCase, source: "exercises")
        try Self.expectStoredJSONValid(exercisesCase)
        let shared = FileManager.default.fileExists(atPath: TestPaths.datasets.path)
        if shared {
            let folders = Self.datasetFolders.map { TestPaths.dataset($0) }
            let datasetsCase = try Self.ingest(folders, into: tmp.url.appendingPathComponent("datasets").path)
            actual += try Self.lines(datasetsCase, source: "datasets")
            try Self.expectStoredJSONValid(datasetsCase)
        }
        if ProcessInfo.processInfo.environment["JIKOCHO_RECORD_GOLDEN"] != nil {
            #expect(shared, "record the golden file where ../shared/datasets is present")
            try FileManager.default.createDirectory(at: Self.golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (actual.joined(separator: "\n") + "\n").write(to: Self.golden, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { shared || $0.hasPrefix("exercises\t") }
        // The exercises alone give two dozen files; with the shared datasets, more than thirty.
        #expect(actual.count > (shared ? 30 : 20))
        // A file is named by its first four fields (source, SHA-256, name, collector); the rest are what it gave.
        func identity(_ line: String) -> String { line.split(separator: "\t").prefix(4).joined(separator: "\t") }
        func counts(_ line: String) -> String {
            let f = line.split(separator: "\t")
            return "\(f[4]) events, \(f[5]) warnings"
        }
        let now = Dictionary(grouping: actual, by: identity), was = Dictionary(grouping: expected, by: identity)
        for (file, lines) in was.sorted(by: { $0.key < $1.key }) where now[file] != lines {
            let f = file.split(separator: "\t")
            #expect(Bool(false), "\(f[0]) \(f[2]): stored events differ from the golden file (was \(counts(lines[0])); now \(now[file].map { counts($0[0]) } ?? "missing"))")
        }
        for (file, lines) in now.sorted(by: { $0.key < $1.key }) where was[file] == nil {
            #expect(Bool(false), "a file not in the golden file: \(lines[0])")
        }
        if !shared { print("StoredEventsGoldenTests: ../shared/datasets absent, only the exercises' files compared") }
    }
}

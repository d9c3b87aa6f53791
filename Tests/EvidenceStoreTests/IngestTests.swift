import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

@Suite struct IngestTests {
    /// One full record through the sink and back (plaso's habit): every field survives the store.
    @Test func anEventRoundTripsThroughTheStore() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let event = Event(
            time: Timestamp(nanoseconds: 1_612_513_992_123_456_789),
            recordedTime: Timestamp(nanoseconds: 1_612_513_895_000_000_000), timeDescription: "Packet time",
            domain: .ot, kind: "ics.modbus.write", host: "sensor-1", asset: "plc-1",
            src: Endpoint(ip: "10.0.0.5", port: 50211, mac: "00:11:22:33:44:55"),
            dst: Endpoint(ip: "fe80::1", port: 502), user: "operator",
            message: "Write Single Register unit 1 register 40001 = 11100 \u{1B}[31m",
            attributes: ["function": 6, "register": 40001, "value": 11100, "ratio": 111.0, "note": "x\"y",
                         "nested": ["a": [1, 2]], "ok": true, "none": .null],
            provenance: Provenance(evidenceID: item.id, collector: "pcap", collectorVersion: "3",
                                   locator: "packet 1532"),
            tags: ["T0836", "T0855"])
        let run = try c.beginIngest(evidenceID: item.id, collector: "pcap", collectorVersion: "3")
        try run.emit(event)
        try run.warn(CollectorWarning(evidenceID: item.id, locator: "packet 9", text: "TCP gap of 512 bytes"))
        let s = try run.finish()
        #expect(s.events == 1)
        #expect(s.warnings == 1)
        let back = try c.events(EventQuery())
        #expect(back.count == 1)
        #expect(back.first?.event == event)
        #expect(back.first?.runID == run.id)
    }

    @Test func batchesAreCountedAndTheRunIsRecordedInCustody() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: SyntheticEvents.collectorName,
                                    collectorVersion: "1", options: ["tz": "Asia/Tokyo"], batchSize: 1000)
        for i in 0..<2500 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        // Two full batches handed to the writer (the second may still be in flight), 500 buffered.
        #expect(run.eventCount == 1000 || run.eventCount == 2000)
        try run.flush()
        #expect(run.eventCount == 2500)
        let s = try run.finish()
        #expect(s.events == 2500)
        let summary = try c.summary()
        #expect(summary.eventCount == 2500)
        #expect(summary.runsByStatus == ["complete": 1])
        let actions = try c.custodyEntries().map(\.action)
        #expect(actions.suffix(2) == ["ingest.start", "ingest.run"])
        #expect(try c.custodyEntries().last?.detail.contains(#""events":2500"#) == true)
        let options = try c.read { try String.fetchOne($0, sql: "SELECT options FROM ingest_runs") }
        #expect(options == #"{"tz":"Asia/Tokyo"}"#)
        #expect(try c.verify().isClean)
    }

    @Test func refusesARunForEvidenceNotInTheCase() throws {
        let tmp = TempDir()
        let (c, _) = try caseWithOneItem(tmp)
        expectCaseError(.notFound) { _ = try c.beginIngest(evidenceID: 99, collector: "x", collectorVersion: "1") }
    }

    /// An idle writer is handed what the collector has (from `earlyBatch` events on) rather than waiting for a full
    /// batch; where batches end changes nothing stored: the events, their order and ids, the warnings and every count
    /// are those of a run written in full batches.
    @Test func anIdleWriterIsHandedBatchesBeforeTheyAreFull() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        func ingest(batchSize: Int, wait: Bool) throws -> (run: IngestRun, handOvers: Int, first: Int?) {
            let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "\(batchSize)",
                                        batchSize: batchSize)
            var handOvers = 0
            run.onBatch = { _ in handOvers += 1 }
            var first: Int?
            for i in 0..<30_000 {
                try run.emit(SyntheticEvents.event(i, evidenceID: item.id))
                if first == nil, handOvers > 0 { first = i + 1 }
                // Now and then the collector is slow, as a capture's decoders are: the writer catches up.
                if wait, i % 3_000 == 2_999 { try run.flush() }
                if i % 7_919 == 0 { try run.warn(CollectorWarning(evidenceID: item.id, locator: "line \(i)", text: "w\(i)")) }
            }
            try run.finish()
            return (run, handOvers, first)
        }
        // Batches of 1,000 are never handed over early (the threshold is the batch size): the run to compare with.
        let full = try ingest(batchSize: 1_000, wait: false)
        let early = try ingest(batchSize: 10_000, wait: true)
        #expect(full.run.earlyBatch == 1_000)
        // The writer had nothing to do when the first 1,024 events were there (checked every 256 from 1,000 on).
        #expect(early.run.earlyBatch == 1_000)
        #expect(early.first == 1_024, "the first hand-over came with \(String(describing: early.first)) events")
        #expect(early.handOvers > 3)
        #expect(full.run.eventCount == 30_000 && early.run.eventCount == 30_000)
        // The same rows either way, in the same order.
        let rows = try c.read { db in
            try [full.run.id, early.run.id].map { run in
                try Row.fetchAll(db, sql: """
                    SELECT time, kind, message, attributes, locator FROM events WHERE run_id = ? ORDER BY id
                    """, arguments: [run]).map { "\($0)" }
            }
        }
        #expect(rows[0] == rows[1])
        let warnings = try c.read { db in
            try [full.run.id, early.run.id].map { run in
                try String.fetchAll(db, sql: "SELECT locator || text FROM warnings WHERE run_id = ? ORDER BY id", arguments: [run])
            }
        }
        #expect(warnings[0] == warnings[1] && warnings[0].count == 4)
        // Minute and hour counts are the same; a histogram from either run's counts is that of its events.
        let counts = try c.read { db in
            try [full.run.id, early.run.id].map { run in
                try String.fetchAll(db, sql: """
                    SELECT level || ' ' || slot || ' ' || domain || ' ' || kind || ' ' || count FROM event_counts
                    WHERE run_id = ? AND level > 0 ORDER BY level, slot, domain, kind
                    """, arguments: [run])
            }
        }
        #expect(counts[0] == counts[1] && !counts[0].isEmpty)
        // A batch size at or under the threshold is kept as given (tests of batch edges rely on it).
        let small = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "small", batchSize: 97)
        #expect(small.earlyBatch == 97)
        try small.finish()
    }

    /// A run whose process dies is marked incomplete by the next writer, its partial rows removed, and it can be run
    /// again to exactly the events of an uninterrupted run.
    @Test func anAbandonedRunIsMarkedIncompleteAndCanBeRunAgain() throws {
        let tmp = TempDir()
        var (c, item): (Case?, EvidenceItem) = try caseWithOneItem(tmp)
        let dir = c!.directory.path
        var run: IngestRun? = try c!.beginIngest(evidenceID: item.id, collector: "synthetic/events",
                                                 collectorVersion: "1", batchSize: 100)
        for i in 0..<250 { try run!.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try run!.warn(CollectorWarning(evidenceID: item.id, locator: "line 1", text: "w"))
        try run!.flush()
        #expect(try c!.summary().eventCount == 250)
        run = nil
        c = nil    // the "process" goes away without finishing
        c = try Case.open(at: dir, mode: .write)
        #expect(c!.recoveryNotes.count == 1)
        #expect(c!.recoveryNotes[0].contains("250 partial events removed"))
        let summary = try c!.summary()
        #expect(summary.eventCount == 0)
        #expect(summary.warningCount == 0)
        #expect(summary.runsByStatus == ["incomplete": 1])
        #expect(try c!.custodyEntries().last?.action == "ingest.interrupted")
        #expect(try c!.verify().isClean)

        let again = try c!.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        for i in 0..<250 { try again.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try again.finish()
        let events = try c!.events(EventQuery())
        #expect(events.count == 250)
        #expect(Set(events.map(\.event.provenance.locator)).count == 250)
    }

    /// The writer skips the table's CHECKs on its own rows (see `IngestRun.insert`), so what they guard must hold by
    /// construction: attributes and tags of hostile content (quotes, backslashes, NUL and other control characters,
    /// non-finite doubles, integers at the edges, deep nesting, escaped keys) store as JSON SQLite calls valid and read
    /// back equal; an event without a kind is refused with its locator; and any other write still meets the checks.
    @Test func theWritersOwnRowsKeepWhatTheChecksGuard() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        var random = SeededRandom(seed: 20)
        let alphabet: [String] = ["a", "\"", "\\", "\u{0}", "\u{1F}", "\u{7F}", "é", "水", "🛢", "\n", "/", " ", "{", "]"]
        func text() -> String { (0..<Int.random(in: 0...6, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined() }
        func value(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &random) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &random))
            case 2: return .int([Int64.min, Int64.max, 0, -1, Int64.random(in: .min ... .max, using: &random)].randomElement(using: &random)!)
            case 3: return .double([.nan, .infinity, -.infinity, -0.0, 1e-300, .greatestFiniteMagnitude, 0.1].randomElement(using: &random)!)
            case 4: return .string(text())
            case 5: return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth + 1) })
            default: return .object(Dictionary((0..<Int.random(in: 0...3, using: &random)).map { _ in (text(), value(depth + 1)) },
                                               uniquingKeysWith: { a, _ in a }))
            }
        }
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1", batchSize: 64)
        var sent: [Event] = []
        for i in 0..<500 {
            var e = SyntheticEvents.event(i, evidenceID: item.id)
            var w = AttributeWriter()
            for _ in 0..<Int.random(in: 0...6, using: &random) { w.value(text(), value(0)) }
            e.attributes = w.finish()
            e.tags = (0..<Int.random(in: 0...2, using: &random)).map { _ in text() }
            e.message = text()
            e.host = Bool.random(using: &random) ? "" : nil
            sent.append(e)
            try run.emit(e)
        }
        try run.finish()
        let invalid = try c.read { try Int.fetchOne($0, sql: """
            SELECT count(*) FROM events
            WHERE (attributes IS NOT NULL AND NOT json_valid(attributes)) OR (tags IS NOT NULL AND NOT json_valid(tags))
            """) }
        #expect(invalid == 0)
        #expect(try c.events(EventQuery()).map(\.event.attributes) == sent.map(\.attributes))
        // A NUL would end the text for SQLite's readers: it is stored as U+FFFD, with a warning naming the event.
        let messages = try c.events(EventQuery()).map(\.event.message)
        #expect(messages == sent.map { $0.message.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") })
        let withNUL = sent.filter { $0.message.contains("\u{0}") }
        #expect(withNUL.count > 10)
        let warned = try c.read { try String.fetchAll($0, sql: "SELECT locator FROM warnings WHERE text LIKE 'NUL bytes%'") }
        #expect(warned == withNUL.map(\.provenance.locator))
        #expect(try c.summary().warningCount == withNUL.count)
        #expect(try c.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM events WHERE host = ''") }
                == sent.filter { $0.host == "" }.count)

        // No kind: refused, naming where the event came from; the run is left to fail.
        let bad = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        var e = SyntheticEvents.event(0, evidenceID: item.id)
        e.kind = ""
        try bad.emit(e)
        #expect { try bad.flush() } throws: { ($0 as? CaseError)?.description.contains(e.provenance.locator) == true }
        try bad.fail(reason: "test")

        // An event citing evidence the case does not hold: refused, naming it (foreign keys are checked by the writer).
        let stray = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        try stray.emit(SyntheticEvents.event(0, evidenceID: item.id))
        try stray.emit(SyntheticEvents.event(1, evidenceID: 999))
        #expect { try stray.flush() } throws: { "\($0)".contains("evidence #999") }
        try stray.fail(reason: "test")
        let strayWarning = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        try strayWarning.warn(CollectorWarning(evidenceID: 998, locator: "line 3", text: "w"))
        #expect { try strayWarning.flush() } throws: { "\($0)".contains("evidence #998") }
        try strayWarning.fail(reason: "test")
        #expect(try c.summary().eventCount == 500)

        // The checks and foreign keys are back for every other write on the connection.
        #expect { try c.write { db in
            try db.execute(sql: "INSERT INTO warnings (run_id, evidence_id, locator, text) VALUES (?, 999, 'l', 't')",
                           arguments: [run.id])
        } } throws: { "\($0)".contains("FOREIGN KEY constraint failed") }
        #expect { try c.write { db in
                try db.execute(sql: """
                    INSERT INTO events (time, recorded_time, time_desc, domain, kind, message, attributes, evidence_id,
                                        collector, collector_version, locator, run_id)
                    VALUES (0, 0, '', 'it', 'x', '', '{not json', ?, 'c', '1', 'l', ?)
                    """, arguments: [item.id, run.id])
            }
        } throws: { "\($0)".contains("CHECK constraint failed") }
    }

    @Test func aFailedRunKeepsNoRows() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1",
                                    batchSize: 10)
        for i in 0..<25 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try run.fail(reason: "not a pcap file after all")
        #expect(try c.summary().eventCount == 0)
        #expect(try c.summary().runsByStatus == ["failed": 1])
        #expect(throws: CaseError.self) { try run.emit(SyntheticEvents.event(0, evidenceID: item.id)); try run.flush() }
    }
}

@Suite struct QueryTests {
    static func populated(_ tmp: TempDir) throws -> Case {
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        for i in 0..<3000 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try run.finish()
        return c
    }

    @Test func filtersByKindPrefixDomainAssetTimeTextAndLimit() throws {
        let tmp = TempDir()
        let c = try QueryTests.populated(tmp)
        #expect(try c.events(EventQuery(kinds: ["ics.modbus"])).count == 1000)
        #expect(try c.events(EventQuery(kinds: ["ics.modbus.write", "auth.logon"])).count == 2000)
        #expect(try c.events(EventQuery(kinds: ["ics"])).count == 1000)
        #expect(try c.events(EventQuery(kinds: ["ics.mod"])).isEmpty)    // prefixes end at a dot
        #expect(try c.events(EventQuery(domains: [.network])).count == 1000)
        #expect(try c.events(EventQuery(asset: "hmi-3")).allSatisfy { $0.event.host == "hmi-3" })
        let start = SyntheticEvents.event(0, evidenceID: 1).time
        let window = try c.events(EventQuery(from: start + 1_000_000_000, to: start + 2_000_000_000))
        #expect(window.count == 1000)
        #expect(window.first?.event.time == start + 1_000_000_000)
        #expect(try c.events(EventQuery(grep: "operator3")).count == 200)
        #expect(try c.events(EventQuery(grep: "10.20.0.9:443")).count == 1000)
        #expect(try c.events(EventQuery(grep: "\"quoted\" OR x")).isEmpty)    // no FTS syntax injection
        let limited = try c.events(EventQuery(limit: 5))
        #expect(limited.map(\.event.provenance.locator) == (0..<5).map { "synthetic \($0)" })
    }
}

/// The text filter the playbook runner pushes into SQL, and the pages it reads: never narrower than the exact test
/// that follows, whatever the event's text holds.
@Suite struct TextFilterTests {
    static func store(_ events: [(kind: String, user: String?, attributes: [String: JSONValue])]) throws -> (Case, TempDir) {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        for (i, e) in events.enumerated() {
            try run.emit(Event(time: Timestamp(nanoseconds: 1_700_000_000_000_000_000 + Int64(i / 2)), timeDescription: "t",
                               domain: .ot, kind: e.kind, user: e.user, message: "event \(i)", attributes: Attributes(e.attributes),
                               provenance: Provenance(evidenceID: item.id, collector: "synthetic/events",
                                                      collectorVersion: "1", locator: "line \(i)")))
        }
        try run.finish()
        return (c, tmp)
    }

    @Test func matchesAttributesAndColumnsCaseInsensitivelyAndLetsUnicodeThrough() throws {
        let (c, _) = try Self.store([
            ("ics.bacnet.reinitialize_device", nil, ["control": ["action": "Command"], "outcome": "error"]),
            ("ics.modbus.write", nil, ["control": ["action": "write"], "outcome": "ok"]),
            // Swift folds the Kelvin sign to "k"; SQLite's LIKE does not: the event must still be a candidate.
            ("ics.x.y", nil, ["outcome": "\u{212A}", "control": ["action": "command"]]),
            ("auth.logon", "ADMIN", [:]),
            ("auth.logon", nil, ["user": "admin"]),          // no user column: the attribute is the user
            ("auth.logon", "operator", ["note": "admin"]),   // the column says operator: the attribute does not count
            ("ics.y.z", nil, ["ref": "100%_done"]),
            ("ics.y.z", nil, ["ref": "100 done"]),
            // A NUL ends the text for LIKE: what follows it must not hide.
            ("auth.logon", "guest\u{0}admin", [:]),
        ])
        func ids(_ text: [[TextMatch]]) throws -> [String] {
            var q = EventQuery()
            q.text = text
            return try c.events(q).map(\.event.provenance.locator)
        }
        #expect(try ids([[TextMatch("command")], [TextMatch("error"), TextMatch("k")]]) == ["line 0", "line 2"])
        // Line 2's text is not plain ASCII: it passes every filter, for the exact test to decide.
        #expect(try ids([[TextMatch(column: "user", "admin")]]) == ["line 2", "line 3", "line 4", "line 8"])
        // LIKE's wildcards in a needle are literal.
        #expect(try ids([[TextMatch("100%_")]]) == ["line 2", "line 6"])
        #expect(try ids([[TextMatch("100")]]) == ["line 2", "line 6", "line 7"])
        // A needle the filter cannot promise to test (a quote, a backslash, non-ASCII) or an unknown column: no filter.
        #expect(try ids([[TextMatch("\"x")]]).count == 9)
        #expect(try ids([[TextMatch("caf\u{E9}")]]).count == 9)
        #expect(try ids([[TextMatch(column: "time; DROP TABLE events", "x")]]).count == 9)
    }

    /// The check every text filter makes once per row, eight bytes at a time: a byte that is not ASCII or a NUL
    /// anywhere in texts of every length up to three words and a half, at every place, found; plain ASCII not. Through
    /// SQL too (the function a case registers), for texts SQLite holds with a NUL inside.
    @Test func unusualBytesAreFoundWhereverTheyAre() throws {
        for length in 0...28 {
            let plain = [UInt8]((0..<length).map { UInt8(0x20 + ($0 * 7) % 95) })
            #expect(!plain.withUnsafeBytes(TextMatch.unusual), "\(length) plain bytes")
            for at in 0..<length {
                for odd: UInt8 in [0, 0x80, 0xC3, 0xFF, 0x7F] {
                    var b = plain
                    b[at] = odd
                    // DEL (0x7F) is ASCII: not unusual.
                    #expect(b.withUnsafeBytes(TextMatch.unusual) == (odd != 0x7F), "\(odd) at \(at) of \(length)")
                }
            }
        }
        let tmp = TempDir()
        let (c, _) = try caseWithOneItem(tmp)
        let got = try c.read { db in
            try Int.fetchAll(db, sql: """
                SELECT jikocho_unusual(x) FROM (SELECT 'plain text, long enough' AS x UNION ALL SELECT 'caf\u{E9}'
                UNION ALL SELECT CAST(X'616263006465666768' AS TEXT) UNION ALL SELECT NULL UNION ALL SELECT 42
                UNION ALL SELECT X'FF')
                """)
        }
        #expect(got == [0, 1, 1, 0, 0, 0])
    }

    @Test func pagesReadEveryEventOnceInOrderAndStopWhenAsked() throws {
        let (c, _) = try Self.store((0..<25).map { _ in ("ics.modbus.read", nil, [:]) })
        var seen: [String] = []
        try c.forEachPage(EventQuery(), pageSize: 4) { page in
            #expect(page.count <= 4)
            seen += page.map(\.event.provenance.locator)
            return true
        }
        // Two events share each time: the pages continue by row id within a time.
        #expect(seen == (0..<25).map { "line \($0)" })
        var pages = 0
        try c.forEachPage(EventQuery(limit: 10), pageSize: 3) { _ in
            pages += 1
            return pages < 2
        }
        #expect(pages == 2)
        var limited = 0
        try c.forEachPage(EventQuery(limit: 10), pageSize: 3) { page in
            limited += page.count
            return true
        }
        #expect(limited == 10)
    }
}

/// Bulk runs: the events table's indexes are dropped while the run loads and built in the transaction that ends it;
/// a run that never ends leaves them to the next opening for writing. (The kill harness kills bulk runs of the CLI.)
@Suite struct BulkIngestTests {
    static func indexes(_ c: Case) throws -> Set<String> {
        Set(try c.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
        })
    }
    static let all = Set(Schema.eventIndexes.map(\.name))

    @Test func aBulkRunLoadsWithoutIndexesAndBuildsThemWhenItEnds() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        #expect(try Self.indexes(c).isSuperset(of: Self.all))
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1",
                                    batchSize: 500, bulk: true)
        for i in 0..<3000 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try run.flush()
        #expect(try Self.indexes(c).isDisjoint(with: Self.all), "a bulk run loads without the indexes")
        try run.finish()
        #expect(try Self.indexes(c).isSuperset(of: Self.all))
        // What a query gives, and how SQLite answers it, is what a run with its indexes gives.
        #expect(try c.events(EventQuery(kinds: ["ics.modbus"])).count == 1000)
        #expect(try c.events(EventQuery(grep: "operator3")).count == 200)
        let plan = try c.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT id FROM events WHERE kind = 'auth.logon' ORDER BY time")
                .map { $0["detail"] as String }.joined(separator: "; ")
        }
        #expect(plan.contains("events_kind_time"), "\(plan)")
    }

    @Test func aBulkRunThatNeverEndsLeavesTheIndexesToTheNextWriter() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let before = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        for i in 0..<100 { try before.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try before.finish()
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "2",
                                    batchSize: 500, bulk: true)
        for i in 0..<1000 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try run.flush()
        #expect(try Self.indexes(c).isDisjoint(with: Self.all))
        // The process dies here: the run stays "running", the indexes dropped.
        let path = c.directory.path
        c.close()
        let reopened = try Case.open(at: path, mode: .write)
        #expect(try Self.indexes(reopened).isSuperset(of: Self.all))
        #expect(try reopened.events(EventQuery()).count == 100, "only the finished run's events are left")
        // The full-text index holds the finished run's messages and nothing of the one cut short.
        let expected = try reopened.events(EventQuery()).filter { $0.event.message.contains("operator3 ") }.count
        #expect(expected > 0)
        #expect(try reopened.events(EventQuery(grep: "operator3")).count == expected)
        #expect(throws: Never.self) {
            try reopened.write { try $0.execute(sql: "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)") }
        }
        #expect(reopened.recoveryNotes.contains { $0.contains("interrupted") })
        #expect(try reopened.verify().isClean)
    }
}

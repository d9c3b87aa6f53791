import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

/// The roll-up of events by domain, kind and time that swimlanes are drawn from: always the same counts as counting
/// the events themselves, through batches, failed runs, clock corrections and the migration of an older case.
@Suite struct EventCountsTests {
    /// Events at uneven times over two days (some before 1970's epoch would be absurd here; negative slots are
    /// covered by `slotsFloorBeforeTheEpoch`), three domains and five kinds, written in small batches.
    /// Events `spacingMillis` apart at most: the default spreads them so that a batch falls in as many seconds as it
    /// has events (counted from the events at the run's end); a small spacing puts many in each second (counted
    /// batch by batch).
    static func ingest(_ c: Case, _ item: EvidenceItem, count: Int = 3000, seed: UInt64 = 5,
                       spacingMillis: UInt64 = 120_000) throws -> Int64 {
        let run = try c.beginIngest(evidenceID: item.id, collector: "test/counts", collectorVersion: "1", batchSize: 97)
        var rng = SeededRandom(seed: seed)
        var t: Int64 = 1_612_515_600_000_000_000
        let kinds: [(Domain, String)] = [(.ot, "ics.modbus.write"), (.ot, "ics.dnp3.operate"), (.it, "auth.logon"),
                                         (.network, "net.flow"), (.it, "auth.logon_failed")]
        for i in 0..<count {
            t += Int64(rng.next() % spacingMillis) * 1_000_000      // up to two minutes apart, to the millisecond
            let (d, k) = kinds[Int(rng.next() % 5)]
            try run.emit(Event(time: Timestamp(nanoseconds: t), timeDescription: "t", domain: d, kind: k, message: "e\(i)",
                               provenance: Provenance(evidenceID: item.id, collector: "test/counts", collectorVersion: "1",
                                                      locator: "line \(i)")))
        }
        return try run.finish().runID
    }

    /// The swimlanes counted one event at a time over the histogram's own slices.
    static func counted(_ c: Case, _ q: EventQuery, _ h: EventHistogram) throws -> [Domain: [Int64]] {
        var out: [Domain: [Int64]] = [:]
        var e = q
        e.from = Timestamp(nanoseconds: h.from)
        e.to = Timestamp(nanoseconds: h.to)
        try c.forEachEvent(e) { s in
            let k = Int((s.event.time.nanoseconds - h.from) / h.width)
            out[s.event.domain, default: [Int64](repeating: 0, count: h.buckets)][k] += 1
        }
        return out
    }

    static func check(_ c: Case, _ note: String) throws {
        // The case's counts by kind and domain, as the viewer lists them, are those of the events.
        var kinds: [String: Int64] = [:], domains: [Domain: Int64] = [:]
        try c.forEachEvent(EventQuery()) { s in
            kinds[s.event.kind, default: 0] += 1
            domains[s.event.domain, default: 0] += 1
        }
        #expect(try c.kindCounts().map(\.kind) == kinds.keys.sorted(), "\(note)")
        #expect(Dictionary(uniqueKeysWithValues: try c.kindCounts().map { ($0.kind, $0.count) }) == kinds, "\(note)")
        #expect(try c.domainCounts() == domains, "\(note)")
        let lo: Int64 = 1_612_515_600_000_000_000 + 123_456_789_000
        let hi = lo + 2 * 86_400_000_000_000
        var byKind = EventQuery()
        byKind.kinds = ["ics"]
        var exact = EventQuery()
        exact.kinds = ["auth.logon"]
        exact.exactKinds = true
        var ot = EventQuery()
        ot.domains = [.ot, .network]
        for q in [EventQuery(), byKind, exact, ot] {
            for buckets in [1, 7, 100, 3000, 100_000, 1_000_000] {
                let h = try c.eventHistogram(q, from: lo, to: hi, buckets: buckets)
                #expect(h.from <= lo && h.to >= hi, "\(note): the slices cover the span asked for")
                #expect(h.counts == (try counted(c, q, h)), "\(note): \(buckets) buckets, \(h.resolution), kinds \(q.kinds)")
            }
        }
    }

    @Test func denseRunsCountedBatchByBatchGiveTheSameCounts() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        _ = try Self.ingest(c, item, count: 20_000, spacingMillis: 40)
        let perSecond = try c.read { db in
            try Int64.fetchOne(db, sql: "SELECT count(*) FROM event_counts WHERE level = 0") ?? 0
        }
        #expect(perSecond > 0 && perSecond * 2 < 20_000, "many events in each second's count row")
        try Self.check(c, "dense run")
    }

    @Test func countsAreThoseOfTheEvents() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        _ = try Self.ingest(c, item)
        let resolutions = Set(try [1, 100, 3000, 1_000_000].map {
            try c.eventHistogram(EventQuery(), from: 1_612_515_600_000_000_000, to: 1_612_515_600_000_000_000 + 2 * 86_400_000_000_000,
                                 buckets: $0).resolution
        })
        #expect(resolutions == ["hour", "minute", "second", "event"])
        try Self.check(c, "after ingest")
    }

    /// A clock that moves an item's events moves their counts; taking the correction back moves them back.
    @Test func aClockCorrectionMovesTheCounts() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        _ = try Self.ingest(c, item)
        try c.setClock("plc", correction: ClockCorrection(offsetNanos: 97_091_000_000), source: .investigator, reason: "test")
        try c.assignClock(evidenceID: item.id, clock: "plc")
        try Self.check(c, "corrected")
        try c.setClock("plc", correction: ClockCorrection(offsetNanos: -3_600_500_000_000, driftPPB: 40_000, epochNanos: 1_612_515_600_000_000_000),
                       source: .investigator, reason: "test")
        try Self.check(c, "corrected with drift")
    }

    /// A run that fails leaves no counts; a run killed part way has its counts removed when the case is next opened.
    @Test func failedAndInterruptedRunsLeaveNoCounts() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "test/counts", collectorVersion: "1", batchSize: 10)
        for i in 0..<50 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try run.flush()
        #expect(try c.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM event_counts") } ?? 0 > 0)
        try run.fail(reason: "test")
        #expect(try c.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM event_counts") } == 0)
        try Self.check(c, "after a failed run")
    }

    @Test func slotsFloorBeforeTheEpoch() {
        #expect(EventCounts.slot(-1, level: 0) == -1)
        #expect(EventCounts.slot(-1_000_000_000, level: 0) == -1)
        #expect(EventCounts.slot(-1_000_000_001, level: 0) == -2)
        #expect(EventCounts.slot(59_999_999_999, level: 1) == 0)
        #expect(EventCounts.slot(-60_000_000_001, level: 1) == -2)
    }

    /// A case made before the roll-up gets it when opened for writing (the migration counts its events).
    @Test func anOlderCaseIsCountedWhenMigrated() throws {
        let tmp = TempDir()
        func older() throws -> (String, [Row]) {
            let (c, item) = try caseWithOneItem(tmp)
            _ = try Self.ingest(c, item, count: 500)
            let before = try c.read { try Row.fetchAll($0, sql: "SELECT * FROM event_counts ORDER BY level, slot, domain, kind") }
            try c.write { db in
                try db.execute(sql: "DROP TABLE event_counts")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v4-event-counts'")
            }
            return (c.directory.path, before)
        }
        let (path, before) = try older()
        let again = try Case.open(at: path, mode: .write)
        let after = try again.read { try Row.fetchAll($0, sql: "SELECT * FROM event_counts ORDER BY level, slot, domain, kind") }
        // Minutes and hours as the batches counted them; seconds where they compress, judged over the whole run
        // here and batch by batch there (this sparse run's last small batch kept its seconds), so compared by the
        // answers they give.
        #expect(after.filter { $0["level"] as Int > 0 } == before.filter { $0["level"] as Int > 0 })
        #expect(!after.isEmpty)
        try Self.check(again, "migrated")
    }

    /// A dense run (seconds kept) and a sparse one (seconds dropped) over the same minutes: the minutes they share
    /// are counted from their events wherever seconds are asked for, and every count is still that of the events.
    @Test func denseAndSparseRunsOverTheSameMinutes() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let dense = try Self.ingest(c, item, count: 20_000, spacingMillis: 40)
        let sparse = try Self.ingest(c, item, count: 3000, seed: 9, spacingMillis: 3000)
        let seconds = try c.read { db in
            try [dense, sparse].map {
                try Int64.fetchOne(db, sql: "SELECT count(*) FROM event_counts WHERE level = 0 AND run_id = ?", arguments: [$0]) ?? 0
            }
        }
        #expect(seconds[0] > 0 && seconds[1] < 200, "the sparse run keeps (almost) no second counts: \(seconds)")
        let shared = try c.read { db in try Self.partialMinutes(db) }
        #expect(shared > 10, "minutes whose seconds are not whole: \(shared)")
        try Self.check(c, "dense and sparse")
    }

    /// Cases counted before seconds were kept only where they compress lose the second counts of their sparse runs
    /// when opened for writing; the counts stay those of the events.
    @Test func anOlderCaseLosesTheSecondsOfItsSparseRuns() throws {
        let tmp = TempDir()
        let path: String
        do {
            let (c, item) = try caseWithOneItem(tmp)
            let run = try Self.ingest(c, item, count: 2000, spacingMillis: 3000)
            try c.write { db in
                // As counted before: every second of the run.
                try db.execute(sql: "DELETE FROM event_counts WHERE run_id = ? AND level = 0", arguments: [run])
                try db.execute(sql: """
                    INSERT INTO event_counts (level, slot, run_id, domain, kind, count)
                    SELECT 0, \(EventCounts.slotSQL(level: 0)) AS s, run_id, domain, kind, count(*) FROM events
                    WHERE run_id = ? GROUP BY s, domain, kind
                    """, arguments: [run])
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v5-sparse-seconds'")
            }
            path = c.directory.path
        }
        let again = try Case.open(at: path, mode: .write)
        #expect(try again.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM event_counts WHERE level = 0") } == 0)
        try Self.check(again, "older case migrated")
    }

    /// Minutes of the case whose seconds do not sum to the minute's count.
    static func partialMinutes(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM (SELECT slot, sum(count) AS n FROM event_counts WHERE level = 1 GROUP BY slot) m
            WHERE m.n != (SELECT coalesce(sum(count), 0) FROM event_counts s WHERE s.level = 0 AND s.slot >= m.slot * 60
                          AND s.slot < m.slot * 60 + 60)
            """) ?? 0
    }
}

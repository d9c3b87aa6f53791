import GRDB
import GRDBSQLite
import JikochoModel

/// The `event_counts` roll-up: events per run, domain and kind in slots of one second (level 0), one minute (1) and
/// one hour (2) of corrected time. Minutes and hours are exact (each event counted once per level), so a swimlane
/// drawn from them in buckets aligned to their slots gives the same counts as counting the events. Seconds are kept
/// only where they compress, where a batch has several events a second (a capture): a log with a line every second
/// or two would have a row per line, as many rows as events, written for nothing (a million-line syslog run spent
/// four of its twenty seconds on them, and a seventh of its case's size). A minute's seconds are therefore whole only
/// when their sum is the minute's count; readers count the events of a minute whose seconds are not.
enum EventCounts {
    /// Slot lengths by level, in nanoseconds.
    static let units: [Int64] = [1_000_000_000, 60_000_000_000, 3_600_000_000_000]

    /// The slot of a time at a level (floor division: times before 1970 too).
    static func slot(_ t: Int64, level: Int) -> Int64 { floorDiv(t, units[level]) }

    /// `a / u` rounded down, `u` > 0 (as `floorSQL`): a time's slot, or a slot's at a coarser level.
    static func floorDiv(_ a: Int64, _ u: Int64) -> Int64 {
        a >= 0 ? a / u : (a + 1) / u - 1    // no negation: Int64.min has no positive twin
    }

    /// SQL for `column` divided by `unit`, rounded down (as `slot`): a time's slot, or a slot's at a coarser level.
    static func floorSQL(_ column: String, _ unit: Int64) -> String {
        "(CASE WHEN \(column) >= 0 THEN \(column) / \(unit) ELSE (\(column) + 1) / \(unit) - 1 END)"
    }

    /// SQL for the slot of the `time` column at a level.
    static func slotSQL(level: Int, of column: String = "time") -> String { floorSQL(column, units[level]) }

    /// Whether a batch's (or a run's) second counts are worth keeping: at most one row for every two events, or few.
    static func secondsCompress(rows: Int, events: Int) -> Bool { rows <= 64 || rows * 2 <= events }

    /// Adds a batch's events to their run's minute and hour counts, and to its second counts when they compress; on
    /// the writer, in the batch's transaction, while the collector reads on.
    static func add(_ db: Database, runID: Int64, events: [Event]) throws {
        struct Key: Hashable {
            var slot: Int64
            var domain: Domain
            var kind: String
        }
        // Seconds first, one hash per run of equal keys (events come in time order, often several of a kind in a
        // second); minutes and hours are sums of seconds (a second lies in one minute, a minute in one hour).
        var seconds: [Key: Int64] = [:]
        var last: Key?
        var run: Int64 = 0
        for e in events {
            let key = Key(slot: slot(e.time.nanoseconds, level: 0), domain: e.domain, kind: e.kind)
            if key == last {
                run += 1
                continue
            }
            if let last { seconds[last, default: 0] += run }
            last = key
            run = 1
        }
        if let last { seconds[last, default: 0] += run }
        var counts: [[Key: Int64]] = [seconds, [:], [:]]
        for level in 1..<3 {
            let ratio = units[level] / units[level - 1]
            for (k, n) in counts[level - 1] {
                counts[level][Key(slot: floorDiv(k.slot, ratio), domain: k.domain, kind: k.kind), default: 0] += n
            }
        }
        if !secondsCompress(rows: counts[0].count, events: events.count) { counts[0] = [:] }
        // Bound and stepped directly: a large capture writes tens of thousands of these a run.
        let sql = """
            INSERT INTO event_counts (level, slot, run_id, domain, kind, count) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (level, slot, run_id, domain, kind) DO UPDATE SET count = count + excluded.count
            """
        let s = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_bind_int64(s, 3, runID)
        for level in 0..<3 {
            sqlite3_bind_int64(s, 1, Int64(level))
            for (k, n) in counts[level] {
                sqlite3_bind_int64(s, 2, k.slot)
                sqlite3_bind_int64(s, 6, n)
                var domain = k.domain.rawValue, kind = k.kind
                let rc = domain.withUTF8 { d in
                    kind.withUTF8 { t in
                        bindText(s, 4, UnsafeRawBufferPointer(d))
                        bindText(s, 5, UnsafeRawBufferPointer(t))
                        defer { sqlite3_reset(s) }
                        return sqlite3_step(s)
                    }
                }
                guard rc == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: db.lastErrorMessage, sql: sql)
                }
            }
        }
        sqlite3_clear_bindings(s)
    }

    /// Every level of a run counted again from its events (after a clock moved them, or for a case made before the
    /// roll-up existed): minutes and hours always, seconds when they compress over the whole run.
    static func rebuild(_ db: Database, runID: Int64) throws {
        try db.execute(sql: "DELETE FROM event_counts WHERE run_id = ?", arguments: [runID])
        // The run's events are one range of row ids (one writer): read as that range, not through the run index.
        guard let r = try Row.fetchOne(db, sql: "SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM events WHERE run_id = ?",
                                       arguments: [runID]),
              let lo = r["lo"] as Int64?, let hi = r["hi"] as Int64?, let events = r["n"] as Int? else { return }
        for level in 0...1 {
            try db.execute(sql: """
                INSERT INTO event_counts (level, slot, run_id, domain, kind, count)
                SELECT ?, \(slotSQL(level: level)) AS s, run_id, domain, kind, count(*) FROM events
                WHERE id BETWEEN ? AND ? AND run_id = ? GROUP BY s, domain, kind
                """, arguments: [level, lo, hi, runID])
            if level == 0, !secondsCompress(rows: db.changesCount, events: events) {
                try db.execute(sql: "DELETE FROM event_counts WHERE run_id = ? AND level = 0", arguments: [runID])
            }
        }
        try db.execute(sql: """
            INSERT INTO event_counts (level, slot, run_id, domain, kind, count)
            SELECT 2, \(floorSQL("slot", units[2] / units[1])) AS s, run_id, domain, kind, sum(count)
            FROM event_counts WHERE run_id = ? AND level = 1 GROUP BY s, domain, kind
            """, arguments: [runID])
    }
}

extension Case {
    /// For each evidence item whose complete runs hold events of these kinds (a kind, or a prefix ending in `.`), the
    /// span of those events in corrected time, to the minute: from the start of the first minute to the end of the
    /// last. Read from the per-minute counts, not the events.
    public func minuteSpans(kinds: [String]) throws -> [(evidenceID: Int64, from: Int64, to: Int64)] {
        guard !kinds.isEmpty else { return [] }
        var args: [(any DatabaseValueConvertible)?] = []
        let match = kinds.map { k -> String in
            if k.hasSuffix(".") {
                args.append(k)
                args.append(String(k.dropLast()) + "/")
                return "(c.kind >= ? AND c.kind < ?)"    // the prefix as a range: `ics.` ≤ kind < `ics/`
            }
            args.append(k)
            return "c.kind = ?"
        }.joined(separator: " OR ")
        let minute = EventCounts.units[1]
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.evidence_id AS id, MIN(c.slot) AS lo, MAX(c.slot) AS hi
                FROM event_counts c JOIN ingest_runs r ON r.id = c.run_id
                WHERE c.level = 1 AND r.status = 'complete' AND (\(match))
                GROUP BY r.evidence_id ORDER BY r.evidence_id
                """, arguments: StatementArguments(args)).map { row in
                (row["id"] as Int64, (row["lo"] as Int64) * minute, ((row["hi"] as Int64) + 1) * minute)
            }
        }
    }
}

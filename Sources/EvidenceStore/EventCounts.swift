import GRDB
import JikochoModel

/// The `event_counts` roll-up: events per run, domain and kind in slots of one second (level 0), one minute (1) and
/// one hour (2) of corrected time. Exact (each event counted once per level), so a swimlane drawn from it in
/// buckets aligned to its slots gives the same counts as counting the events.
enum EventCounts {
    /// Slot lengths by level, in nanoseconds.
    static let units: [Int64] = [1_000_000_000, 60_000_000_000, 3_600_000_000_000]

    /// The slot of a time at a level (floor division: times before 1970 too).
    static func slot(_ t: Int64, level: Int) -> Int64 {
        let u = units[level]
        return t >= 0 ? t / u : (t + 1) / u - 1    // no negation: Int64.min has no positive twin
    }

    /// SQL for the second of `time` (floor division).
    static let secondSQL = "(CASE WHEN time >= 0 THEN time / 1000000000 ELSE (time + 1) / 1000000000 - 1 END)"    // as `slot`

    /// Adds a batch's events to their runs' second counts (the writer, in the batch's transaction). Returns false,
    /// having written nothing, when the batch has more than one count row for every two events: one statement per
    /// row would then cost as much as the events' own inserts, and the run is better counted from its events once,
    /// at its end (`rebuild`). Denser runs (a capture: several events a second) are counted here, on the writer
    /// thread, while their collector reads on.
    @discardableResult
    static func add(_ db: Database, runID: Int64, events: [Event]) throws -> Bool {
        struct Key: Hashable {
            var slot: Int64
            var domain: Domain
            var kind: String
        }
        var counts: [Key: Int64] = [:]
        for e in events { counts[Key(slot: slot(e.time.nanoseconds, level: 0), domain: e.domain, kind: e.kind), default: 0] += 1 }
        if counts.count > 64, counts.count * 2 > events.count { return false }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO event_counts (level, slot, run_id, domain, kind, count) VALUES (0, ?, ?, ?, ?, ?)
            ON CONFLICT (level, slot, run_id, domain, kind) DO UPDATE SET count = count + excluded.count
            """)
        for (k, n) in counts {
            try upsert.execute(arguments: [k.slot, runID, k.domain.rawValue, k.kind, n])
        }
        return true
    }

    /// The minute and hour counts of a run, from its second counts (when the run completes).
    static func summarize(_ db: Database, runID: Int64) throws {
        try db.execute(sql: "DELETE FROM event_counts WHERE run_id = ? AND level > 0", arguments: [runID])
        for level in 1...2 {
            let ratio = units[level] / units[level - 1]
            try db.execute(sql: """
                INSERT INTO event_counts (level, slot, run_id, domain, kind, count)
                SELECT ?, CASE WHEN slot >= 0 THEN slot / ? ELSE -((? - 1 - slot) / ?) END AS s, run_id, domain, kind, sum(count)
                FROM event_counts WHERE run_id = ? AND level = ? GROUP BY s, domain, kind
                """, arguments: [level, ratio, ratio, ratio, runID, level - 1])
        }
    }

    /// Every level of a run counted again from its events (after a clock moved them, or for a case made before the
    /// roll-up existed).
    static func rebuild(_ db: Database, runID: Int64) throws {
        try db.execute(sql: "DELETE FROM event_counts WHERE run_id = ?", arguments: [runID])
        // The run's events are one range of row ids (one writer): read as that range, not through the run index.
        guard let r = try Row.fetchOne(db, sql: "SELECT min(id) AS lo, max(id) AS hi FROM events WHERE run_id = ?",
                                       arguments: [runID]),
              let lo = r["lo"] as Int64?, let hi = r["hi"] as Int64? else { return }
        try db.execute(sql: """
            INSERT INTO event_counts (level, slot, run_id, domain, kind, count)
            SELECT 0, \(secondSQL) AS s, run_id, domain, kind, count(*) FROM events
            WHERE id BETWEEN ? AND ? AND run_id = ? GROUP BY s, domain, kind
            """, arguments: [lo, hi, runID])
        try summarize(db, runID: runID)
    }
}

import GRDB
import JikochoModel

// Places in a list of events: how long a query's list is, where an event stands in it, and a page from any place,
// for a timeline that scrolls through millions of events without reading the ones before what it shows.
//
// A list is a query's events in (time, id) order. When the query filters only by time, domain and kind, counts come
// from the roll-up (`event_counts`: per second, minute and hour), so the cost is a few sums and one page whatever
// the place; with an asset or full-text filter the events are counted and skipped in SQL, which costs what lies
// before the place.

extension EventQuery {
    /// Whether the roll-up can count this query's events: it filters by time, domain and kind only.
    public var countsFromRollUp: Bool {
        asset == nil && (grep ?? "").isEmpty && ids.isEmpty && text.isEmpty && after == nil
    }

    /// The query without its time bounds, page and place.
    var anyTime: EventQuery {
        var q = self
        q.from = nil
        q.to = nil
        q.limit = nil
        q.offset = nil
        q.after = nil
        return q
    }
}

extension Case {
    /// How many events a query gives (its `limit`, `offset` and `after` aside).
    public func eventCount(_ q: EventQuery) throws -> Int64 {
        let resolver = try assetResolver()
        return try read { db in
            if q.countsFromRollUp {
                return try rolledCount(db, q, before: q.to?.nanoseconds, resolver)
                    - (try q.from.map { try rolledCount(db, q, before: $0.nanoseconds, resolver) } ?? 0)
            }
            return try exactCount(db, q, resolver)
        }
    }

    /// The place of an event in a query's list: how many of the list's events come before (time, id). An event the
    /// query does not give has the place where it would be.
    public func eventPlace(_ q: EventQuery, time: Int64, id: Int64) throws -> Int64 {
        if let from = q.from, time < from.nanoseconds { return 0 }
        if let to = q.to, time >= to.nanoseconds { return try eventCount(q) }
        let resolver = try assetResolver()
        return try read { db in
            var same = q.anyTime
            same.from = Timestamp(nanoseconds: time)
            same.to = time == Int64.max ? nil : Timestamp(nanoseconds: time + 1)
            same.ids = []
            let (clauses, args) = whereClauses(same, resolver: resolver)
            let tied = try Int64.fetchOne(db, sql: "SELECT count(*) FROM events e WHERE "
                                              + (clauses + ["e.id < ?"]).joined(separator: " AND "),
                                          arguments: StatementArguments(args + [id])) ?? 0
            if q.countsFromRollUp {
                return try rolledCount(db, q, before: time, resolver)
                    - (try q.from.map { try rolledCount(db, q, before: $0.nanoseconds, resolver) } ?? 0) + tied
            }
            var earlier = q
            earlier.to = Timestamp(nanoseconds: time)
            return try exactCount(db, earlier, resolver) + tied
        }
    }

    /// At most `limit` events of a query's list from place `place` on (0 is the first). With the roll-up the place is
    /// found by walking down its hours, minutes and seconds, and only the events of one second are skipped (of one
    /// minute, where its seconds are not kept: a sparse log's).
    public func events(_ q: EventQuery, fromPlace place: Int64, limit: Int) throws -> [StoredEvent] {
        var page = q
        page.limit = max(0, limit)
        page.after = nil
        guard place > 0 else { return try events(page) }
        guard q.countsFromRollUp else {
            page.offset = place
            return try events(page)
        }
        // The place among all the events of the query's domains and kinds, whatever their time.
        let resolver = try assetResolver()
        let (start, skip) = try read { db -> (Int64?, Int64) in
            let target = (try q.from.map { try rolledCount(db, q, before: $0.nanoseconds, resolver) } ?? 0) + place
            return try rolledSeek(db, q, place: target)
        }
        guard let start else { return [] }
        // From the start of that second (events before `from` in it are among those skipped), to the query's end.
        page.from = Timestamp(nanoseconds: start)
        page.offset = skip
        return try events(page)
    }

    // MARK: Counting

    /// Events of the query's domains and kinds before time `t` (all of them when nil), from the roll-up: whole hours,
    /// then whole minutes and seconds of the hour of `t`, and the events of its own second before it counted (of its
    /// own minute, where the minute's seconds are not whole).
    func rolledCount(_ db: Database, _ q: EventQuery, before t: Int64?, _ resolver: AssetResolver) throws -> Int64 {
        guard let t else { return try rolledSum(db, q, level: 2, from: nil, to: nil) }
        // Times beyond what the slots can be multiplied out to: counted from the events (there are few or none).
        guard t > -TimeSlices.bound, t < TimeSlices.bound else {
            var all = q.anyTime
            if t <= 0 { all.to = Timestamp(nanoseconds: t); return try exactCount(db, all, resolver) }
            all.from = Timestamp(nanoseconds: t)
            return try rolledSum(db, q, level: 2, from: nil, to: nil) - exactCount(db, all, resolver)
        }
        let (h, m, s) = (EventCounts.slot(t, level: 2), EventCounts.slot(t, level: 1), EventCounts.slot(t, level: 0))
        var n = try rolledSum(db, q, level: 2, from: nil, to: h)
        n += try rolledSum(db, q, level: 1, from: h * 60, to: m)
        // The minute of `t` by its seconds where they are whole (`EventCounts`), else from its events.
        var rest = q.anyTime
        rest.to = Timestamp(nanoseconds: t)
        if try Self.partialMinutes(db, q, from: m * EventCounts.units[1], to: (m + 1) * EventCounts.units[1]).isEmpty {
            n += try rolledSum(db, q, level: 0, from: m * 60, to: s)
            rest.from = Timestamp(nanoseconds: s * EventCounts.units[0])
        } else {
            rest.from = Timestamp(nanoseconds: m * EventCounts.units[1])
        }
        return n + (try exactCount(db, rest, resolver))
    }

    /// The roll-up's count at one level over slots `[from, to)` (unbounded where nil).
    private func rolledSum(_ db: Database, _ q: EventQuery, level: Int, from lo: Int64?, to hi: Int64?) throws -> Int64 {
        var args: [(any DatabaseValueConvertible)?] = [level]
        var sql = "SELECT coalesce(sum(count), 0) FROM event_counts WHERE level = ?"
        if let lo { sql += " AND slot >= ?"; args.append(lo) }
        if let hi { sql += " AND slot < ?"; args.append(hi) }
        sql += Self.rollUpFilter(q, &args)
        return try Int64.fetchOne(db, sql: sql, arguments: StatementArguments(args)) ?? 0
    }

    private func exactCount(_ db: Database, _ q: EventQuery, _ resolver: AssetResolver) throws -> Int64 {
        var all = q
        all.limit = nil
        all.offset = nil
        // Full text alone: the full-text index holds exactly the events' messages, so its matches are the count (49 ms
        // for 666,000 of ten million, where matching them to the events takes over a second).
        if let g = all.grep, !g.isEmpty, all.from == nil, all.to == nil, all.kinds.isEmpty, all.domains.isEmpty,
           all.asset == nil, all.ids.isEmpty, all.text.isEmpty, all.after == nil {
            return try Int64.fetchOne(db, sql: "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?",
                                      arguments: [Self.ftsPhrase(g)]) ?? 0
        }
        let (clauses, args) = whereClauses(all, resolver: resolver)
        let sql = "SELECT count(*) FROM events e" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
        return try Int64.fetchOne(db, sql: sql, arguments: StatementArguments(args)) ?? 0
    }

    /// The second in which the event of absolute place `place` (among all the events of the query's domains and
    /// kinds) lies, as its start in nanoseconds, and how many of that second's events come before it; the minute and
    /// how many of its events come before, where the minute's seconds are not whole; nil past the end.
    private func rolledSeek(_ db: Database, _ q: EventQuery, place: Int64) throws -> (Int64?, Int64) {
        var before: Int64 = 0
        var range: (Int64, Int64)?    // the slots of the level below that hold the place
        var start: Int64?
        var base: Int64 = 0           // the events before `start`
        var foundCount: Int64 = 0     // the events of the slot found at the level above
        for level in stride(from: 2, through: 0, by: -1) {
            // A minute whose seconds are not whole (`EventCounts`): its events are skipped from its start.
            if level == 0, let (lo, hi) = range,
               try rolledSum(db, q, level: 0, from: lo, to: hi) != foundCount {
                return (start, place - base)
            }
            var args: [(any DatabaseValueConvertible)?] = [level]
            var sql = "SELECT slot, sum(count) AS n FROM event_counts WHERE level = ?"
            if let (lo, hi) = range { sql += " AND slot >= ? AND slot < ?"; args += [lo, hi] }
            sql += Self.rollUpFilter(q, &args) + " GROUP BY slot ORDER BY slot"
            var found: Int64?
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
            while let r = try rows.next() {
                let n: Int64 = r["n"]
                if before + n > place {
                    found = r["slot"]
                    foundCount = n
                    break
                }
                before += n
            }
            // Not within this level's slots: past the end, or (while a run is being ingested, its minutes and hours
            // not yet summed) in events the coarser level does not count yet: from the last slot found, skipping.
            guard let slot = found else {
                return level == 2 ? (nil, 0) : (start, place - base)
            }
            let (first, overflow) = slot.multipliedReportingOverflow(by: EventCounts.units[level])
            start = overflow ? Int64.min : first    // a slot before the earliest time that has a start
            base = before
            if level > 0 { range = (slot * 60, slot * 60 + 60) }
        }
        return (start, place - before)
    }
}

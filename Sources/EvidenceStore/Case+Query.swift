import Collectors
import Foundation
import GRDB
import GRDBSQLite
import JikochoModel
import Parsers

/// A filter over the case's events. Empty fields do not filter.
public struct EventQuery: Sendable {
    public var from: Timestamp?
    /// Exclusive upper bound.
    public var to: Timestamp?
    /// Kinds or kind prefixes: `ics.modbus` matches `ics.modbus.write` (kinds are lower case; so is the query).
    public var kinds: [String] = []
    /// `kinds` are whole kinds, not prefixes: one kind is then read from the kind index already in time order, so a
    /// first page of a kind costs the page, not every event of the kind.
    public var exactKinds = false
    public var domains: [Domain] = []
    /// Matches the event's asset or observing host, and, for an asset of the inventory, its host names and its
    /// addresses as source or destination.
    public var asset: String?
    /// Full-text search over messages (SQLite FTS5 phrase match: `"10.0.0.5"` and `failed password` work).
    public var grep: String?
    /// Only these events (row ids), when given.
    public var ids: [Int64] = []
    /// Text the event must hold, case-insensitively: each group is met when one of its matches is (see `TextMatch`).
    /// A cheap filter in SQL, before an event is decoded, for callers that test the same values exactly afterwards.
    public var text: [[TextMatch]] = []
    /// Only events after this one in time order (time, then row id): the next page of a scan.
    public var after: (time: Int64, id: Int64)?
    public var limit: Int?
    /// Events of the list skipped before the first one given (SQL's OFFSET: read and passed over, so it costs what
    /// it skips; `Case.events(_:fromPlace:limit:)` gets far into a list without it).
    public var offset: Int64?

    public init(from: Timestamp? = nil, to: Timestamp? = nil, kinds: [String] = [], domains: [Domain] = [],
                asset: String? = nil, grep: String? = nil, limit: Int? = nil)
    {
        self.from = from
        self.to = to
        self.kinds = kinds
        self.domains = domains
        self.asset = asset
        self.grep = grep
        self.limit = limit
    }
}

/// Text an event holds: in a column (`kind`, `domain`, `message`, `host`, `user`, `src_ip`, `dst_ip`, `src_mac`,
/// `dst_mac`, `time_desc`, `collector`) or, when that column is empty, in its attributes; with no column, in its
/// attributes. Never narrower than a case-insensitive test of the value a playbook or rule reads: an event whose text
/// is not plain ASCII always passes (SQLite folds only ASCII case, Swift folds all of Unicode), and a needle that is not
/// plain printable ASCII, or names another column, leaves its group out of the filter.
public struct TextMatch: Sendable, Hashable {
    public var column: String?
    public var needle: String

    public init(column: String? = nil, _ needle: String) {
        self.column = column
        self.needle = needle
    }

    public static let columns: Set<String> = ["kind", "domain", "message", "host", "user", "src_ip", "dst_ip", "src_mac",
                                              "dst_mac", "time_desc", "collector"]

    /// Printable ASCII other than the quote and backslash, which JSON text writes as they are.
    public static func usable(_ needle: String) -> Bool {
        !needle.isEmpty && needle.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
    }

    var usable: Bool { Self.usable(needle) && (column.map(Self.columns.contains) ?? true) }

    /// `%needle%` for LIKE, its wildcards escaped.
    var pattern: String {
        "%" + needle.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    static func sql(_ column: String, _ args: inout [(any DatabaseValueConvertible)?], _ pattern: String) -> String {
        args.append(pattern)
        return "e.\(column) LIKE ? ESCAPE '\\'"
    }

    /// The SQL of one match, its arguments appended: LIKE only. A text that is not plain ASCII passes whatever it
    /// holds, once for all of a query's matches (`filter`).
    func sql(_ args: inout [(any DatabaseValueConvertible)?]) -> String {
        let inAttributes = Self.sql("attributes", &args, pattern)
        guard let column else { return inAttributes }
        let inColumn = Self.sql(column, &args, pattern)
        return "(\(inColumn) OR ((e.\(column) IS NULL OR e.\(column) = '') AND \(inAttributes)))"
    }

    /// The SQL of groups of matches (each group one of its matches, every group), arguments appended; nil for no
    /// group. An event whose attributes, or a column a match names, are not plain ASCII is a candidate whatever they
    /// hold (SQLite's LIKE folds only ASCII case, and stops at a NUL): `(unusual texts) OR (the LIKEs)`, which passes
    /// whatever `AND` of `(LIKE OR unusual)` per match would, with each text checked once per row instead of once per
    /// match (four checks a row were half of a playbook's scan of a capture's 152,000 events).
    static func filter(_ groups: [[TextMatch]], _ args: inout [(any DatabaseValueConvertible)?]) -> String? {
        let groups = groups.filter { !$0.isEmpty && $0.allSatisfy(\.usable) }
        guard !groups.isEmpty else { return nil }
        var columns = ["attributes"]
        for g in groups { for m in g { if let c = m.column, !columns.contains(c) { columns.append(c) } } }
        let likes = groups.map { "(" + $0.map { $0.sql(&args) }.joined(separator: " OR ") + ")" }.joined(separator: " AND ")
        let unusual = columns.map { "\(unusualFunction)(e.\($0))" }.joined(separator: " OR ")
        return "((\(likes)) OR \(unusual))"
    }

    /// `jikocho_unusual(x)`: 1 when the text `x` holds a byte that is not ASCII or a NUL, else 0 (NULL, numbers and
    /// blobs too). Registered on every connection of a case; eight bytes at a time, where SQLite's own way
    /// (`length(x) <> length(CAST(x AS BLOB))`) counts characters one by one.
    static let unusualFunction = "jikocho_unusual"

    static func registerUnusual(_ db: Database) throws {
        let rc = sqlite3_create_function_v2(
            db.sqliteConnection, unusualFunction, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nil,
            { context, _, values in
                guard let value = values?[0], sqlite3_value_type(value) == SQLITE_TEXT,
                      let text = sqlite3_value_text(value) else {
                    sqlite3_result_int(context, 0)
                    return
                }
                let n = Int(sqlite3_value_bytes(value))
                sqlite3_result_int(context, TextMatch.unusual(UnsafeRawBufferPointer(start: text, count: n)) ? 1 : 0)
            }, nil, nil, nil)
        guard rc == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: "could not register \(unusualFunction)")
        }
    }

    /// Whether the bytes hold one that is not ASCII (high bit set) or a NUL.
    static func unusual(_ b: UnsafeRawBufferPointer) -> Bool {
        guard let base = b.baseAddress else { return false }
        let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
        var i = 0
        while i + 8 <= b.count {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // A high bit, or a zero byte (the classic test: borrows reach the high bit only through a zero byte).
            if w & high != 0 || (w &- ones) & ~w & high != 0 { return true }
            i += 8
        }
        while i < b.count {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == 0 || c >= 0x80 { return true }
            i += 1
        }
        return false
    }
}

/// Equal slices of time, as the swimlanes and the plots of series draw them: where they may lie and how wide they
/// are. Times and spans are bounded so that no slice arithmetic can overflow, whatever times hostile evidence or a
/// request holds (a year-2250 line in a log, `from=-9000000000000000000`).
public enum TimeSlices {
    /// Slices start and end within ±6·10^18 ns of 1970 (the years 1779 to 2160).
    public static let bound: Int64 = 6_000_000_000_000_000_000
    /// At most 3·10^18 ns (95 years) are sliced at once.
    public static let maxSpan: Int64 = 3_000_000_000_000_000_000

    /// Refuses, in one line saying what to give, a span that cannot be sliced.
    public static func check(from lo: Int64, to hi: Int64) throws {
        let text = "\(Timestamp(nanoseconds: lo).iso8601(precision: .seconds)) to \(Timestamp(nanoseconds: hi).iso8601(precision: .seconds))"
        guard lo >= -bound, lo <= bound, hi >= -bound, hi <= bound else {
            throw CaseError(.invalidArgument, "\(text) reaches beyond the years 1779–2160 that can be drawn",
                            hint: "give a from and to inside them")
        }
        guard hi - lo <= maxSpan else {
            throw CaseError(.invalidArgument, "\(text) is more than 95 years to draw at once", hint: "give a shorter span")
        }
    }

    /// The width of each of `n` equal slices covering `[lo, hi)` (rounded up; at least 1 ns).
    public static func width(from lo: Int64, to hi: Int64, slices n: Int) -> Int64 {
        max(1, (max(1, hi - lo) + Int64(max(1, n)) - 1) / Int64(max(1, n)))
    }
}

/// Events per domain in equal slices of time (`Case.eventHistogram`).
public struct EventHistogram: Sendable {
    /// The start of the first slice (nanoseconds).
    public var from: Int64
    public var width: Int64
    public var buckets: Int
    /// Per domain, the events in each slice (domains without events are absent).
    public var counts: [Domain: [Int64]]
    /// `second`, `minute` or `hour` when counted from the roll-up at that resolution; `event` when counted one by one.
    public var resolution: String

    public var to: Int64 { from + width * Int64(buckets) }
}

/// An event as stored, with its row id and run.
public struct StoredEvent: Sendable {
    public var id: Int64
    public var runID: Int64
    public var event: Event
}

extension Case {
    /// Calls `body` for each matching event in time order, streaming (memory does not grow with the case). Events
    /// are resolved against the asset inventory as they are read (`asset` from the host, the endpoints' `asset`
    /// from their addresses), so a new inventory applies to every event at once.
    public func forEachEvent(_ q: EventQuery, _ body: (StoredEvent) throws -> Void) throws {
        let resolver = try assetResolver()
        if let limit = q.limit, let g = q.grep, !g.isEmpty,
           let page = try denseMatches(q, phrase: g, limit: limit, resolver: resolver) {
            for s in page { try body(s) }
            return
        }
        let (clauses, args) = whereClauses(q, resolver: resolver)
        var sql = "SELECT e.* FROM events e"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY e.time, e.id"
        if let limit = q.limit { sql += " LIMIT \(max(0, limit))" }
        if let offset = q.offset, offset > 0 { sql += (q.limit == nil ? " LIMIT -1" : "") + " OFFSET \(offset)" }
        let arguments = StatementArguments(args)
        try read { db in
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                var stored = StoredEvent(row: row)
                resolver.resolve(&stored.event)
                try body(stored)
            }
        }
    }

    /// A page of a full-text query whose words many events hold, or nil when they are too few for this to pay.
    ///
    /// SQLite answers `e.id IN (matches)` by gathering every match before putting them in time order: for a word
    /// one event in fifteen holds, 666,000 rowids and 1.0–1.6 s for a first page of ten million events. Here the
    /// events are taken in time order (the other filters applied by their indexes) and each is asked of the
    /// full-text index (about 15 µs) until the page is full, within a window of events: a dense word fills the page
    /// in a few thousand (70 ms). When the window ends first the matches are sparse, and gathering them first is
    /// the cheaper way: nil, after at most the window's probes (under 0.1 s).
    func denseMatches(_ q: EventQuery, phrase: String, limit: Int, resolver: AssetResolver) throws -> [StoredEvent]? {
        let skip = Int(min(q.offset ?? 0, 50_000))
        guard (q.offset ?? 0) == Int64(skip), limit > 0 else { return nil }
        let window = min(50_000, max(5_000, 10 * (limit + skip)))
        var plain = q
        plain.grep = nil
        plain.limit = nil
        plain.offset = nil
        let (clauses, args) = whereClauses(plain, resolver: resolver)
        let fts = Self.ftsPhrase(phrase)
        return try read { db -> [StoredEvent]? in
            let candidates = try Int64.fetchAll(db, sql: "SELECT e.id FROM events e"
                + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
                + " ORDER BY e.time, e.id LIMIT \(window)", arguments: StatementArguments(args))
            let probe = try db.makeStatement(sql: "SELECT 1 FROM events_fts WHERE events_fts MATCH ? AND rowid = ?")
            var matched: [Int64] = []
            for id in candidates where matched.count < skip + limit {
                if try Int.fetchOne(probe, arguments: [fts, id]) != nil { matched.append(id) }
            }
            guard matched.count == skip + limit || candidates.count < window else { return nil }
            let page = Array(matched.dropFirst(skip))
            guard !page.isEmpty else { return [] }
            let rows = try Row.fetchAll(db, sql: "SELECT e.* FROM events e WHERE e.id IN ("
                + page.map { _ in "?" }.joined(separator: ",") + ") ORDER BY e.time, e.id", arguments: StatementArguments(page))
            return rows.map { row in
                var stored = StoredEvent(row: row)
                resolver.resolve(&stored.event)
                return stored
            }
        }
    }

    /// The SQL conditions of a query over `events e`, with their arguments.
    func whereClauses(_ q: EventQuery, resolver: AssetResolver) -> ([String], [(any DatabaseValueConvertible)?]) {
        var clauses: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        if let from = q.from { clauses.append("e.time >= ?"); args.append(from.nanoseconds) }
        if let to = q.to { clauses.append("e.time < ?"); args.append(to.nanoseconds) }
        if let kinds = Self.kindClause(q, column: "e.kind", &args) { clauses.append(kinds) }
        if let domains = Self.domainClause(q, column: "e.domain", &args) { clauses.append(domains) }
        if let a = q.asset {
            // The asset as the inventory knows it: its host names and its addresses, on either side.
            var alternatives = ["e.asset = ?", "e.host = ?"]
            args.append(a)
            args.append(a)
            if let known = resolver.assets.first(where: { $0.name == a }) {
                let hosts = Set(known.hostnames.flatMap { h -> [String] in
                    let l = h.lowercased()
                    return [l, String(l.split(separator: ".").first ?? Substring(l))]
                } + [a.lowercased()])
                alternatives.append("lower(e.host) IN (" + hosts.map { _ in "?" }.joined(separator: ",") + ")")
                args.append(contentsOf: hosts.sorted().map { $0 as (any DatabaseValueConvertible)? })
                // Addresses it holds alone: every event at them. Addresses shared by station (RTUs behind one
                // gateway): the events that name its stations there (or, for the gateway, none of the others').
                let plain = known.addresses.filter { resolver.stationRule(asset: a, address: $0) == nil }
                if !plain.isEmpty {
                    let marks = plain.map { _ in "?" }.joined(separator: ",")
                    alternatives.append("e.src_ip IN (\(marks)) OR e.dst_ip IN (\(marks)) OR e.src_mac IN (\(marks)) "
                                        + "OR e.dst_mac IN (\(marks))")
                    for _ in 0..<4 { args.append(contentsOf: plain.map { $0 as (any DatabaseValueConvertible)? }) }
                }
                for address in known.addresses {
                    guard let rule = resolver.stationRule(asset: a, address: address) else { continue }
                    let station = "json_extract(e.attributes, '$.station')"
                    let stations = rule.stations.sorted()
                    let list = stations.map { _ in "?" }.joined(separator: ",")
                    var which = stations.isEmpty ? (rule.excluding ? "1" : "0")
                        : "\(station) \(rule.excluding ? "NOT IN" : "IN") (\(list))"
                    if rule.orNone { which = "(\(which) OR \(station) IS NULL)" }
                    alternatives.append("((e.src_ip = ? OR e.dst_ip = ? OR e.src_mac = ? OR e.dst_mac = ?) AND \(which))")
                    for _ in 0..<4 { args.append(address) }
                    args.append(contentsOf: stations.map { $0 as (any DatabaseValueConvertible)? })
                }
            }
            clauses.append("(" + alternatives.joined(separator: " OR ") + ")")
        }
        if !q.ids.isEmpty {
            clauses.append("e.id IN (" + q.ids.map { _ in "?" }.joined(separator: ",") + ")")
            args.append(contentsOf: q.ids.map { $0 as (any DatabaseValueConvertible)? })
        }
        if let text = TextMatch.filter(q.text, &args) { clauses.append(text) }
        if let (time, id) = q.after {
            clauses.append("(e.time > ? OR (e.time = ? AND e.id > ?))")
            args.append(time)
            args.append(time)
            args.append(id)
        }
        if let g = q.grep, !g.isEmpty {
            clauses.append("e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
            args.append(Self.ftsPhrase(g))
        }
        return (clauses, args)
    }

    /// A search as one FTS5 phrase (its quotes doubled), so that its words are matched in order and nothing in it is
    /// read as FTS5 syntax.
    static func ftsPhrase(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The kinds of a query as SQL over `column`: whole kinds (`exactKinds`), or kinds with everything under them.
    static func kindClause(_ q: EventQuery, column: String, _ args: inout [(any DatabaseValueConvertible)?]) -> String? {
        guard !q.kinds.isEmpty else { return nil }
        let kinds = q.kinds.map { $0.lowercased() }
        if q.exactKinds {
            args.append(contentsOf: kinds.map { $0 as (any DatabaseValueConvertible)? })
            return "\(column) IN (" + kinds.map { _ in "?" }.joined(separator: ",") + ")"
        }
        // Kinds are lower case: the kind itself, or a range of the kind index for its prefix (`ics.` up to but not
        // including `ics/`, the next byte), which the index answers without reading other rows.
        for k in kinds {
            args.append(k)
            args.append(k + ".")
            args.append(k + "/")
        }
        return "(" + kinds.map { _ in "\(column) = ? OR (\(column) >= ? AND \(column) < ?)" }.joined(separator: " OR ") + ")"
    }

    static func domainClause(_ q: EventQuery, column: String, _ args: inout [(any DatabaseValueConvertible)?]) -> String? {
        guard !q.domains.isEmpty else { return nil }
        args.append(contentsOf: q.domains.map { $0.rawValue as (any DatabaseValueConvertible)? })
        return "\(column) IN (" + q.domains.map { _ in "?" }.joined(separator: ",") + ")"
    }

    /// The conditions on `event_counts` rows of a query's domains and kinds (each led by `AND`; empty without).
    static func rollUpFilter(_ q: EventQuery, _ args: inout [(any DatabaseValueConvertible)?]) -> String {
        var sql = ""
        if let d = domainClause(q, column: "domain", &args) { sql += " AND " + d }
        if let k = kindClause(q, column: "kind", &args) { sql += " AND " + k }
        return sql
    }

    /// Events of a query per domain in `buckets` equal slices from `from` to `to` (nanoseconds): the swimlanes. When
    /// the query filters only by time, domain and kind, and a slice is a second or longer, the counts come from the
    /// case's roll-up (`event_counts`), with the slices widened to whole seconds, minutes or hours and the first
    /// one starting on such a boundary (`from`, `width` and `buckets` of the answer say where they fall); the counts
    /// are exact for those slices and no event is read. Otherwise the events are counted.
    public func eventHistogram(_ q: EventQuery, from lo: Int64, to hi: Int64, buckets n: Int) throws -> EventHistogram {
        try TimeSlices.check(from: lo, to: hi)
        let n = max(1, n)
        let w = TimeSlices.width(from: lo, to: hi, slices: n)
        if q.countsFromRollUp, let level = EventCounts.units.lastIndex(where: { $0 <= w }) {
            let u = EventCounts.units[level]
            let width = (w + u - 1) / u * u
            let start = EventCounts.slot(lo, level: level) * u
            let count = Int((hi - start + width - 1) / width)
            let end = start + Int64(count) * width
            var args: [(any DatabaseValueConvertible)?] = [level, start / u, end / u]
            var sql = "SELECT domain, slot, sum(count) AS n FROM event_counts WHERE level = ? AND slot >= ? AND slot < ?"
            sql += Self.rollUpFilter(q, &args)
            sql += " GROUP BY domain, slot"
            let resolver = try assetResolver()
            let counted: [Domain: [Int64]]? = try read { db in
                // Seconds are kept only where they compress: the minutes whose seconds are not whole are counted
                // from their events (a sparse log has a few events a minute); too many such minutes, all from events.
                let partial = level == 0 ? try Self.partialMinutes(db, q, from: start, to: end) : []
                guard partial.count <= 10_000 else { return nil }
                var counts: [Domain: [Int64]] = [:]
                let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
                while let r = try rows.next() {
                    guard let d = Domain(rawValue: r["domain"]) else { continue }
                    let slot: Int64 = r["slot"]
                    if level == 0, partial.contains(EventCounts.slot(slot * u, level: 1)) { continue }
                    let k = Int((slot * u - start) / width)
                    guard k >= 0, k < count else { continue }
                    counts[d, default: [Int64](repeating: 0, count: count)][k] += r["n"]
                }
                if let first = partial.min(), let last = partial.max() {
                    var e = q
                    e.from = Timestamp(nanoseconds: max(start, first * EventCounts.units[1]))
                    e.to = Timestamp(nanoseconds: min(end, (last + 1) * EventCounts.units[1]))
                    var (clauses, eargs) = whereClauses(e, resolver: resolver)
                    clauses.append(EventCounts.slotSQL(level: 1, of: "e.time") + " IN ("
                                   + partial.sorted().map(String.init).joined(separator: ",") + ")")
                    let exact = "SELECT e.domain AS d, (e.time - ?) / ? AS k, count(*) AS n FROM events e WHERE "
                        + clauses.joined(separator: " AND ") + " GROUP BY d, k"
                    for r in try Row.fetchAll(db, sql: exact, arguments: StatementArguments([start, width] + eargs)) {
                        guard let d = Domain(rawValue: r["d"]), let k = (r["k"] as Int64?).map(Int.init), k >= 0, k < count
                        else { continue }
                        counts[d, default: [Int64](repeating: 0, count: count)][k] += r["n"]
                    }
                }
                return counts
            }
            if let counted {
                return EventHistogram(from: start, width: width, buckets: count, counts: counted,
                                      resolution: ["second", "minute", "hour"][level])
            }
        }
        // Counted in SQL over the time index: no event is decoded.
        var e = q
        e.from = Timestamp(nanoseconds: lo)
        e.to = Timestamp(nanoseconds: lo + w * Int64(n))
        let (clauses, args) = whereClauses(e, resolver: try assetResolver())
        let sql = "SELECT e.domain AS d, (e.time - ?) / ? AS k, count(*) AS n FROM events e WHERE "
            + clauses.joined(separator: " AND ") + " GROUP BY d, k"
        var counts: [Domain: [Int64]] = [:]
        try read { db in
            for r in try Row.fetchAll(db, sql: sql, arguments: StatementArguments([lo, w] + args)) {
                guard let d = Domain(rawValue: r["d"]), let k = (r["k"] as Int64?).map(Int.init), k >= 0, k < n else { continue }
                counts[d, default: [Int64](repeating: 0, count: n)][k] = r["n"]
            }
        }
        return EventHistogram(from: lo, width: w, buckets: n, counts: counts, resolution: "event")
    }

    /// The minutes from `lo` to `hi` (nanoseconds) whose second counts are not whole for a query's domains and kinds:
    /// their seconds sum to less than the minute's count (`EventCounts`: a sparse run keeps no seconds).
    static func partialMinutes(_ db: Database, _ q: EventQuery, from lo: Int64, to hi: Int64) throws -> Set<Int64> {
        let (mlo, mhi) = (EventCounts.slot(lo, level: 1), EventCounts.slot(hi - 1, level: 1) + 1)
        var args: [(any DatabaseValueConvertible)?] = [mlo, mhi]
        let filter = rollUpFilter(q, &args)
        var minutes: [Int64: Int64] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT slot, sum(count) AS n FROM event_counts WHERE level = 1 AND slot >= ? AND slot < ?"
                                            + filter + " GROUP BY slot", arguments: StatementArguments(args)) {
            minutes[r["slot"]] = r["n"]
        }
        var sargs: [(any DatabaseValueConvertible)?] = [mlo * 60, mhi * 60]
        let sfilter = rollUpFilter(q, &sargs)
        let minuteOf = EventCounts.floorSQL("slot", EventCounts.units[1] / EventCounts.units[0])
        for r in try Row.fetchAll(db, sql: "SELECT \(minuteOf) AS m, sum(count) AS n FROM event_counts WHERE level = 0 AND slot >= ? "
                                            + "AND slot < ?" + sfilter + " GROUP BY m", arguments: StatementArguments(sargs)) {
            let m: Int64 = r["m"]
            if minutes[m] == r["n"] { minutes[m] = nil }
        }
        return Set(minutes.keys)
    }

    /// The kinds of the events of complete runs with their counts, in kind order.
    public func kindCounts() throws -> [(kind: String, count: Int64)] {
        try read { db in
            try Row.fetchAll(db, sql: Self.countsSQL(by: "kind") + " ORDER BY kind").map { ($0["kind"], $0["n"]) }
        }
    }

    /// The counts of the events of complete runs by domain.
    public func domainCounts() throws -> [Domain: Int64] {
        try read { db in
            var out: [Domain: Int64] = [:]
            for r in try Row.fetchAll(db, sql: Self.countsSQL(by: "domain")) {
                if let d = Domain(rawValue: r["domain"]) { out[d] = r["n"] }
            }
            return out
        }
    }

    /// Events counted by a column (`kind`, `domain`) as `column, n`, from the roll-up's hours (a few rows per hour of
    /// the case, where counting the events reads every row: 9 to 36 s for ten million). Complete runs only; failed
    /// and interrupted runs keep no events.
    static func countsSQL(by column: String) -> String {
        "SELECT \(column), sum(count) AS n FROM event_counts WHERE level = 2 GROUP BY \(column)"
    }

    /// The first and last (corrected) event times of the case, nil when it has no events.
    public func eventTimeRange() throws -> ClosedRange<Timestamp>? {
        try read { db in
            // Two queries: SQLite answers a lone min() or max() from the time index at once, both together by
            // reading every row.
            guard let lo = try Int64.fetchOne(db, sql: "SELECT min(time) FROM events"),
                  let hi = try Int64.fetchOne(db, sql: "SELECT max(time) FROM events") else { return nil }
            return Timestamp(nanoseconds: lo)...Timestamp(nanoseconds: hi)
        }
    }

    /// Calls `body` with the matching events in time order, `pageSize` at a time, until it returns false. No read is
    /// open while `body` runs, so it can query the case itself; memory holds one page.
    public func forEachPage(_ q: EventQuery, pageSize: Int = 1024, _ body: ([StoredEvent]) throws -> Bool) throws {
        var page = q
        var left = q.limit
        while left.map({ $0 > 0 }) ?? true {
            page.limit = min(pageSize, left ?? pageSize)
            let events = try self.events(page)
            if events.isEmpty { return }
            if try !body(events) { return }
            if events.count < page.limit! { return }
            left = left.map { $0 - events.count }
            page.after = (events.last!.event.time.nanoseconds, events.last!.id)
        }
    }

    /// One event's columns as `forEachColumns` gives them: id, corrected time, kind, asset, host, evidence item,
    /// destination address and MAC, and whether its attributes may carry control facts (they name `control`: a
    /// superset, read without parsing).
    public struct EventColumns: Sendable {
        public var id: Int64
        public var time: Int64
        public var kind: String
        public var asset: String?
        public var host: String?
        public var evidenceID: Int64
        public var dstIP: String?
        public var dstMAC: String?
        public var mayControl: Bool
        /// The attributes asked for by JSON path (`$.tag`), as text (numbers in SQLite's text form), nil when absent.
        public var values: [String?] = []
    }

    /// Every event of the kinds (a kind and everything under it), from its columns alone, in no particular order:
    /// for indexes built over a whole case (where controllers were written, when setpoints changed) without decoding
    /// each event.
    public func forEachColumns(kinds: [String], values paths: [String] = [], _ body: (EventColumns) throws -> Void) throws {
        var q = EventQuery()
        q.kinds = kinds
        var args: [(any DatabaseValueConvertible)?] = paths.map { $0 }
        let extracted = paths.map { _ in ", CAST(json_extract(attributes, ?) AS TEXT)" }.joined()
        guard let clause = Self.kindClause(q, column: "kind", &args) else { return }
        try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, time, kind, asset, host, evidence_id, dst_ip, dst_mac, instr(attributes, '"control":') > 0\(extracted)
                FROM events WHERE \(clause)
                """, arguments: StatementArguments(args))
            while let r = try rows.next() {
                try body(EventColumns(id: r[0], time: r[1], kind: r[2], asset: r[3], host: r[4], evidenceID: r[5], dstIP: r[6],
                                      dstMAC: r[7], mayControl: r[8] ?? false, values: paths.indices.map { r[9 + $0] }))
            }
        }
    }

    /// The events of these ids, in time order (then by id) within each `page` of ids as given, read a page at a time
    /// (a statement holds at most `page` of them): `body` is called once per page and may query the case itself.
    public func forEachPage(ids: [Int64], page: Int = 1024, _ body: ([StoredEvent]) throws -> Void) throws {
        for start in stride(from: 0, to: ids.count, by: page) {
            var q = EventQuery()
            q.ids = Array(ids[start..<min(ids.count, start + page)])
            try body(try events(q))
        }
    }

    public func events(_ q: EventQuery) throws -> [StoredEvent] {
        var out: [StoredEvent] = []
        try forEachEvent(q) { out.append($0) }
        return out
    }

    /// The custody log, oldest first.
    public func custodyEntries() throws -> [CustodyEntry] {
        try read { try CustodyEntry.fetchAll($0) }
    }

    /// Counts for a summary of the case.
    public func summary() throws -> CaseSummary {
        try read { db in
            let runs = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM ingest_runs GROUP BY status")
            var byStatus: [String: Int] = [:]
            for r in runs { byStatus[r["status"]] = r["n"] }
            let mimes = try Row.fetchAll(db, sql: """
                SELECT COALESCE(mime_type, 'unknown') AS m, COUNT(*) AS n FROM evidence GROUP BY m ORDER BY n DESC, m
                """).map { ($0["m"] as String, $0["n"] as Int) }
            return CaseSummary(
                name: name, examiner: examiner, caseID: caseID, createdAt: createdAt,
                evidenceCount: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evidence") ?? 0,
                evidenceBytes: try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM evidence") ?? 0,
                mimeTypes: mimes,
                eventCount: try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0,
                warningCount: try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM warnings") ?? 0,
                sampleCount: try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(samples), 0) FROM ingest_runs") ?? 0,
                seriesCount: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series") ?? 0,
                runsByStatus: byStatus,
                custodyEntries: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM custody") ?? 0,
                custodyHead: try String.fetchOne(db, sql: "SELECT hash FROM custody ORDER BY seq DESC LIMIT 1")
                    ?? CustodyEntry.genesis)
        }
    }
}

public struct CaseSummary: Sendable {
    public var name: String
    public var examiner: String
    public var caseID: String
    public var createdAt: String
    public var evidenceCount: Int
    public var evidenceBytes: Int64
    public var mimeTypes: [(String, Int)]
    public var eventCount: Int64
    public var warningCount: Int64
    /// Historian samples of all runs, and the series they belong to.
    public var sampleCount: Int64
    public var seriesCount: Int
    public var runsByStatus: [String: Int]
    public var custodyEntries: Int
    public var custodyHead: String
}

extension StoredEvent {
    init(row: Row) {
        func endpoint(_ p: String) -> Endpoint {
            Endpoint(ip: row["\(p)_ip"], port: (row["\(p)_port"] as Int64?).map { UInt16(clamping: $0) },
                     mac: row["\(p)_mac"])
        }
        // Kept as stored, decoded only where a reader asks for a value.
        let attributes = (row["attributes"] as String?).map { Attributes(canonicalJSON: Array($0.utf8)) } ?? Attributes()
        var tags: [String] = []
        if let text = row["tags"] as String?, case .array(let a)? = try? JSONParser().parse(text) {
            tags = a.map(\.text)
        }
        let event = Event(
            time: Timestamp(nanoseconds: row["time"]), recordedTime: Timestamp(nanoseconds: row["recorded_time"]),
            timeDescription: row["time_desc"], domain: Domain(rawValue: row["domain"]) ?? .it, kind: row["kind"],
            host: row["host"], asset: row["asset"], src: endpoint("src"), dst: endpoint("dst"), user: row["user"],
            message: row["message"], attributes: attributes,
            provenance: Provenance(evidenceID: row["evidence_id"], collector: row["collector"],
                                   collectorVersion: row["collector_version"], locator: row["locator"]),
            tags: tags)
        self.init(id: row["id"], runID: row["run_id"], event: event)
    }
}

extension Case {
    /// Warnings written at one locator, in the order written (a capture's account of its packets is at `capture`).
    public func warnings(locator: String, limit: Int = 1000) throws -> [CollectorWarning] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT evidence_id, locator, text FROM warnings WHERE locator = ? ORDER BY id LIMIT ?",
                             arguments: [locator, limit])
                .map { CollectorWarning(evidenceID: $0["evidence_id"], locator: $0["locator"], text: $0["text"]) }
        }
    }

    /// Warnings of an ingest run, in the order written, and how many there are in all.
    public func warnings(runID: Int64, limit: Int = 10) throws -> (shown: [CollectorWarning], total: Int) {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT evidence_id, locator, text FROM warnings WHERE run_id = ? ORDER BY id LIMIT ?
                """, arguments: [runID, limit])
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM warnings WHERE run_id = ?",
                                         arguments: [runID]) ?? 0
            return (rows.map { CollectorWarning(evidenceID: $0["evidence_id"], locator: $0["locator"], text: $0["text"]) },
                    total)
        }
    }
}

extension Case {
    /// The assets that observed events themselves (their own logs), not through a network capture: the host names of
    /// non-network collectors' events, resolved through the inventory.
    public func loggingAssets() throws -> Set<String> {
        let resolver = try assetResolver()
        // Run by run through the run index: a case of captures alone reads no events at all.
        let hosts = try read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM ingest_runs WHERE collector NOT LIKE 'network/%'").flatMap { run in
                try Row.fetchAll(db, sql: "SELECT DISTINCT host, asset FROM events WHERE run_id = ?", arguments: [run])
                    .map { ($0["host"] as String?, $0["asset"] as String?) }
            }
        }
        var out = Set<String>()
        for (host, asset) in hosts {
            if let a = asset ?? resolver.asset(host: host) { out.insert(a) }
        }
        return out
    }
}

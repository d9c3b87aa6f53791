import EvidenceStore
import Foundation
import JikochoModel
import Reports
import Timeline

/// What the API answers: a status, a content type and the body.
public struct APIResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public static func json(_ v: JSONValue, status: Int = 200) -> APIResponse {
        var out: [UInt8] = []
        v.write(into: &out)
        out.append(0x0A)
        return APIResponse(status: status, contentType: "application/json; charset=utf-8", body: out)
    }

    /// A refusal: `{"error": "…"}` with the status.
    public static func error(_ status: Int, _ text: String) -> APIResponse {
        json(.object(["error": .string(text), "status": .int(Int64(status))]), status: status)
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A request the API refuses, with the status and the one line that says why.
struct APIRefusal: Error {
    var status: Int
    var text: String

    static func bad(_ text: String) -> APIRefusal { APIRefusal(status: 400, text: text) }
}

/// The JSON API of `jikocho serve` under `/api`: read-only views of one case, each bounded (pages of events, buckets
/// of samples), every parameter checked. Documented in docs/serve.md. No socket here: the server hands it the
/// method, path and query, so it is tested directly.
public final class ViewerAPI: @unchecked Sendable {
    let c: Case
    /// The kinds the case holds, with their counts (for checking `kind` and for the filter's list).
    let kinds: [(kind: String, count: Int64)]
    private let lock = NSLock()
    private var reportCache: JSONValue?
    private var verifyCache: JSONValue?

    public static let maxLimit = 1000
    public static let maxBuckets = 10_000

    public init(_ c: Case) throws {
        self.c = c
        kinds = try c.kindCounts()
    }

    /// Answers one request: `path` without the query, `query` as its decoded items (a name may repeat).
    public func respond(method: String, path: String, query: [(String, String)]) -> APIResponse {
        guard method == "GET" || method == "HEAD" else {
            return .error(405, "\(method) is not allowed: the viewer only reads the case (use GET)")
        }
        do {
            let q = Query(query)
            let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard parts.first == "api" else { return .error(404, "no such endpoint: \(path)") }
            let route = parts.dropFirst().joined(separator: "/")
            let id = parts.count == 3 ? parts[2] : nil
            switch route {
            case "case": return .json(try casePage())
            case "events": return .json(try events(q))
            case "count": return .json(try count(q))
            case "place": return .json(try place(q))
            case "histogram": return .json(try histogram(q))
            case "series": return .json(try seriesList())
            case "report": return .json(try report())
            case "findings": return .json(try report()["findings"] ?? .array([]))
            case "chains":
                let r = try report()
                return .json(.object(["chain": r["chain"] ?? .null, "other_chains": r["other_chains"] ?? .array([])]))
            case "clocks": return .json(try report()["clocks"] ?? .array([]))
            case "custody": return .json(try custody(q))
            case "verify": return .json(try verify())
            default: break
            }
            if let id, parts[1] == "events" || parts[1] == "series" {
                guard let n = Int64(id), n > 0 else { throw APIRefusal.bad("\(parts[1]) id \(id) is not a positive integer") }
                return .json(parts[1] == "events" ? try event(n) : try series(n, q))
            }
            return .error(404, "no such endpoint: \(path) (see docs/serve.md for the API)")
        } catch let r as APIRefusal {
            return .error(r.status, r.text)
        } catch let e as CaseError where e.code == .invalidArgument {
            return .error(400, e.description)
        } catch {
            return .error(500, "\(error)")
        }
    }

    // MARK: - Parameters

    /// Query items by name; every name the endpoint does not know is refused, so a typo is not a silent no-filter.
    struct Query {
        var items: [String: [String]] = [:]

        init(_ pairs: [(String, String)]) {
            for (k, v) in pairs { items[k, default: []].append(v) }
        }

        func only(_ allowed: Set<String>) throws {
            if let unknown = items.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw APIRefusal.bad("unknown parameter \(unknown) (this endpoint takes: \(allowed.sorted().joined(separator: ", ")))")
            }
        }

        func one(_ name: String) throws -> String? {
            guard let v = items[name] else { return nil }
            guard v.count == 1 else { throw APIRefusal.bad("\(name) is given \(v.count) times; give it once") }
            return v[0]
        }

        /// A time: ISO 8601 (`2021-02-05T08:33:12Z`, an offset or Z required) or nanoseconds since 1970.
        func time(_ name: String) throws -> Timestamp? {
            guard let s = try one(name) else { return nil }
            if let n = Int64(s) { return Timestamp(nanoseconds: n) }
            guard let civil = TimeParser.iso8601(s), civil.utcOffsetSeconds != nil, let t = civil.timestamp() else {
                throw APIRefusal.bad("\(name)=\(s) is not a time: give ISO 8601 with a zone (2021-02-05T08:33:12Z) or nanoseconds since 1970")
            }
            return t
        }

        func int(_ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
            guard let s = try one(name) else { return d }
            guard let n = Int(s), range.contains(n) else {
                throw APIRefusal.bad("\(name)=\(s) is out of range: give an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return n
        }
    }

    // MARK: - Endpoints

    func casePage() throws -> JSONValue {
        let s = try c.summary()
        let range = try c.eventTimeRange()
        let domains = try c.domainCounts()
        let assets = try c.assets().map(\.name).sorted()
        let evidence = try c.allEvidence().map { item -> JSONValue in
            .object(["id": .int(item.id), "name": .string(item.relativePath ?? item.name), "sha256": .string(item.sha256),
                     "size": .int(item.size), "mime_type": item.mimeType.map { .string($0) } ?? .null])
        }
        return .object([
            "name": .string(s.name), "examiner": .string(s.examiner), "case_id": .string(s.caseID),
            "created_at": .string(s.createdAt), "events": .int(s.eventCount), "warnings": .int(s.warningCount),
            "samples": .int(s.sampleCount), "series": .int(Int64(s.seriesCount)),
            "custody_entries": .int(Int64(s.custodyEntries)), "custody_head": .string(s.custodyHead),
            "first": range.map { .string($0.lowerBound.iso8601(precision: .milliseconds)) } ?? .null,
            "last": range.map { .string($0.upperBound.iso8601(precision: .milliseconds)) } ?? .null,
            "first_ns": range.map { .int($0.lowerBound.nanoseconds) } ?? .null,
            "last_ns": range.map { .int($0.upperBound.nanoseconds) } ?? .null,
            "domains": .object(Dictionary(uniqueKeysWithValues: domains.map { ($0.key.rawValue, JSONValue.int($0.value)) })),
            "kinds": .array(kinds.map { .object(["kind": .string($0.kind), "count": .int($0.count)]) }),
            "assets": .array(assets.map { .string($0) }),
            "evidence": .array(evidence),
        ])
    }

    /// The filter shared by `events` and `histogram`.
    func filter(_ q: Query) throws -> EventQuery {
        var e = EventQuery(from: try q.time("from"), to: try q.time("to"))
        if let f = e.from, let t = e.to, t <= f { throw APIRefusal.bad("to must be after from") }
        for k in q.items["kind"] ?? [] {
            let k = k.lowercased()
            // A kind of the case, or a prefix of some (`ics` or `ics.modbus`): the case's kinds under it, exactly.
            let matching = kinds.filter { $0.kind == k || $0.kind.hasPrefix(k + ".") }.map(\.kind)
            guard !matching.isEmpty else {
                throw APIRefusal.bad("kind \(k) is not in this case (GET /api/case lists its kinds)")
            }
            e.kinds += matching
        }
        e.kinds = Array(Set(e.kinds)).sorted()
        e.exactKinds = true
        for d in q.items["domain"] ?? [] {
            guard let dom = Domain(rawValue: d) else {
                throw APIRefusal.bad("domain \(d) is not one of: \(Domain.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            e.domains.append(dom)
        }
        if let a = try q.one("asset"), !a.isEmpty { e.asset = a }
        if let text = try q.one("q"), !text.isEmpty {
            guard text.count <= 200 else { throw APIRefusal.bad("q is longer than 200 characters") }
            e.grep = text
        }
        return e
    }

    static let filterNames: Set<String> = ["from", "to", "kind", "domain", "asset", "q"]

    func events(_ q: Query) throws -> JSONValue {
        try q.only(Self.filterNames.union(["after", "at", "limit"]))
        var e = try filter(q)
        let limit = try q.int("limit", default: 200, range: 1...Self.maxLimit)
        if q.items["at"] != nil {
            guard q.items["after"] == nil else { throw APIRefusal.bad("give at or after, not both") }
            let at = try q.int("at", default: 0, range: 0...Int(Int64.max / 2))
            let page = try c.events(e, fromPlace: Int64(at), limit: limit + 1)
            return Self.page(page, limit: limit, at: at)
        }
        if let after = try q.one("after") {
            let p = after.split(separator: ",")
            guard p.count == 2, let t = Int64(p[0]), let id = Int64(p[1]) else {
                throw APIRefusal.bad("after=\(after) is not a cursor: give the next value of the previous page (TIME,ID)")
            }
            e.after = (t, id)
        }
        e.limit = limit + 1
        return Self.page(try c.events(e), limit: limit, at: nil)
    }

    /// A page of events (`limit + 1` asked for, so that whether there is a next page is known) with its cursor.
    static func page(_ page: [StoredEvent], limit: Int, at: Int?) -> JSONValue {
        let shown = page.prefix(limit)
        let next: JSONValue = page.count > limit
            ? .string("\(shown.last!.event.time.nanoseconds),\(shown.last!.id)") : .null
        var o: [String: JSONValue] = ["events": .array(shown.map(Self.row)), "next": next, "limit": .int(Int64(limit))]
        if let at { o["at"] = .int(Int64(at)) }
        return .object(o)
    }

    /// How many events the filters give: the length of the timeline's list.
    func count(_ q: Query) throws -> JSONValue {
        try q.only(Self.filterNames)
        let e = try filter(q)
        return .object(["events": .int(try c.eventCount(e)),
                        "counted_from": .string(e.countsFromRollUp ? "roll-up" : "events")])
    }

    /// Where an event stands in the list the filters give (`at` for `/api/events`), and whether the filters give it;
    /// or, given a time, the place of the first event at or after it.
    func place(_ q: Query) throws -> JSONValue {
        try q.only(Self.filterNames.union(["event", "time"]))
        if let t = try q.time("time") {
            guard q.items["event"] == nil else { throw APIRefusal.bad("give event or time, not both") }
            return .object(["time": .string(t.iso8601(precision: .microseconds)),
                            "at": .int(try c.eventPlace(try filter(q), time: t.nanoseconds, id: 0))])
        }
        guard let s = try q.one("event") else { throw APIRefusal.bad("give event=ID or time=TIME") }
        guard let id = Int64(s), id > 0 else { throw APIRefusal.bad("event id \(s) is not a positive integer") }
        let e = try filter(q)
        var one = EventQuery()
        one.ids = [id]
        guard let stored = try c.events(one).first else { throw APIRefusal(status: 404, text: "no event #\(id) in this case") }
        var mine = e
        mine.ids = [id]
        let at = try c.eventPlace(e, time: stored.event.time.nanoseconds, id: id)
        return .object(["event": .int(id), "at": .int(at), "in_list": .bool(!(try c.events(mine)).isEmpty),
                        "time": .string(stored.event.time.iso8601(precision: .microseconds))])
    }

    /// One event in a list: what a timeline row shows.
    static func row(_ s: StoredEvent) -> JSONValue {
        let e = s.event
        var o: [String: JSONValue] = [
            "id": .int(s.id), "time": .string(e.time.iso8601(precision: .microseconds)), "time_ns": .int(e.time.nanoseconds),
            "domain": .string(e.domain.rawValue), "kind": .string(e.kind), "message": .string(e.message),
            "evidence_id": .int(e.provenance.evidenceID),
        ]
        if e.recordedTime != e.time { o["recorded_time"] = .string(e.recordedTime.iso8601(precision: .microseconds)) }
        if let h = e.host { o["host"] = .string(h) }
        if let a = e.asset { o["asset"] = .string(a) }
        if let u = e.user { o["user"] = .string(u) }
        if !e.src.isEmpty { o["src"] = .string(e.src.description) }
        if !e.dst.isEmpty { o["dst"] = .string(e.dst.description) }
        return .object(o)
    }

    /// One event whole: its fields, its evidence item with SHA-256, and the custody entries of that item and its runs.
    func event(_ id: Int64) throws -> JSONValue {
        var q = EventQuery()
        q.ids = [id]
        guard let s = try c.events(q).first else { throw APIRefusal(status: 404, text: "no event #\(id) in this case") }
        let e = s.event
        guard case .object(var o) = Self.row(s) else { return .null }
        o["time_description"] = .string(e.timeDescription)
        o["attributes"] = e.attributes.object
        o["tags"] = .array(e.tags.map { .string($0) })
        o["locator"] = .string(e.provenance.locator)
        o["collector"] = .string("\(e.provenance.collector) \(e.provenance.collectorVersion)")
        o["run_id"] = .int(s.runID)
        let evidenceID = e.provenance.evidenceID
        if let item = try c.allEvidence().first(where: { $0.id == evidenceID }) {
            o["evidence"] = .object(["id": .int(item.id), "name": .string(item.relativePath ?? item.name),
                                     "sha256": .string(item.sha256), "size": .int(item.size),
                                     "acquired_at": .string(item.acquiredAt.iso8601(precision: .seconds)),
                                     "examiner": .string(item.examiner)])
        }
        let subjects: Set<String> = ["evidence #\(evidenceID)", "run #\(s.runID)"]
        o["custody"] = .array(try c.custodyEntries().filter { subjects.contains($0.subject) }.map(Self.custodyEntry))
        return .object(o)
    }

    /// Events per domain in `buckets` equal slices of `[from, to)`: the swimlanes at any zoom.
    func histogram(_ q: Query) throws -> JSONValue {
        try q.only(Self.filterNames.union(["buckets"]))
        var e = try filter(q)
        let buckets = try q.int("buckets", default: 200, range: 1...Self.maxBuckets)
        if e.from == nil || e.to == nil {
            guard let range = try c.eventTimeRange() else {
                return .object(["buckets": .int(Int64(buckets)), "from_ns": .null, "to_ns": .null, "width_ns": .null, "lanes": .object([:])])
            }
            if e.from == nil { e.from = range.lowerBound }
            if e.to == nil { e.to = Timestamp(nanoseconds: range.upperBound.nanoseconds + 1) }
        }
        let lo = e.from!.nanoseconds, hi = e.to!.nanoseconds
        guard hi > lo else { throw APIRefusal.bad("to must be after from") }
        let h = try c.eventHistogram(e, from: lo, to: hi, buckets: buckets)
        var lanes: [String: JSONValue] = [:]
        for d in Domain.allCases {
            lanes[d.rawValue] = .array((h.counts[d] ?? [Int64](repeating: 0, count: h.buckets)).map { .int($0) })
        }
        return .object(["buckets": .int(Int64(h.buckets)), "from_ns": .int(h.from), "to_ns": .int(h.to),
                        "width_ns": .int(h.width), "resolution": .string(h.resolution), "lanes": .object(lanes)])
    }

    func seriesList() throws -> JSONValue {
        .array(try c.series().map { s in
            .object(["id": .int(s.id), "evidence_id": .int(s.evidenceID), "name": .string(s.info.name), "tag": .string(s.info.tag),
                     "unit": s.info.unit.map { .string($0) } ?? .null, "asset": s.info.asset.map { .string($0) } ?? .null,
                     "samples": .int(s.samples), "first_ns": s.first.map { .int($0.nanoseconds) } ?? .null,
                     "last_ns": s.last.map { .int($0.nanoseconds) } ?? .null,
                     "min": s.min.map { .double($0) } ?? .null, "max": s.max.map { .double($0) } ?? .null])
        })
    }

    /// A series as min/max per bucket over `[from, to)` (default: the whole series).
    func series(_ id: Int64, _ q: Query) throws -> JSONValue {
        try q.only(["from", "to", "buckets"])
        guard let s = try c.series().first(where: { $0.id == id }) else {
            throw APIRefusal(status: 404, text: "no series #\(id) in this case (GET /api/series lists them)")
        }
        let buckets = try q.int("buckets", default: 1000, range: 1...Self.maxBuckets)
        guard let first = try q.time("from") ?? s.first, let last = try q.time("to") ?? s.last.map({ Timestamp(nanoseconds: $0.nanoseconds + 1) })
        else { return .object(["id": .int(id), "name": .string(s.info.name), "buckets": .array([])]) }
        guard last > first else { throw APIRefusal.bad("to must be after from") }
        let b = try c.seriesBuckets(series: id, from: first, to: last, buckets: buckets)
        return .object([
            "id": .int(id), "name": .string(s.info.name), "unit": s.info.unit.map { .string($0) } ?? .null,
            "from_ns": .int(first.nanoseconds), "to_ns": .int(last.nanoseconds),
            "width_ns": .int(TimeSlices.width(from: first.nanoseconds, to: last.nanoseconds, slices: buckets)),
            // [start, min, max, count] per bucket that holds samples.
            "buckets": .array(b.map { .array([.int($0.start), .double($0.min), .double($0.max), .int(Int64($0.count))]) }),
        ])
    }

    /// The report's model (conclusion, chains with cited evidence, findings, clocks, evidence), built once: the
    /// case does not change under a read-only server. The custody check is a separate endpoint (`verify`).
    func report() throws -> JSONValue {
        lock.lock()
        defer { lock.unlock() }
        if let r = reportCache { return r }
        var b = ReportBuilder(c)
        b.verify = false
        let r = ReportJSON.value(try b.build())
        reportCache = r
        return r
    }

    func custody(_ q: Query) throws -> JSONValue {
        try q.only(["limit"])
        let limit = try q.int("limit", default: 1000, range: 1...100_000)
        let all = try c.custodyEntries()
        return .object(["entries": .array(all.suffix(limit).map(Self.custodyEntry)), "total": .int(Int64(all.count))])
    }

    static func custodyEntry(_ e: CustodyEntry) -> JSONValue {
        .object(["seq": .int(e.seq), "at": .string(e.at), "actor": .string(e.actor), "action": .string(e.action),
                 "subject": .string(e.subject), "detail": .string(e.detail), "hash": .string(e.hash)])
    }

    /// Re-hashes every original and checks the custody chain and the database (as `jikocho verify`), once.
    func verify() throws -> JSONValue {
        lock.lock()
        defer { lock.unlock() }
        if let v = verifyCache { return v }
        let r = try c.verify()
        let v = JSONValue.object([
            "clean": .bool(r.isClean), "objects": .int(Int64(r.objectsChecked)), "bytes": .int(r.bytesChecked),
            "custody_entries": .int(Int64(r.custodyEntries)), "head": .string(r.head),
            "problems": .array(r.problems.map { .string($0.description) }), "notes": .array(r.notes.map { .string($0) }),
            "checked_at": .string(Timestamp.now.iso8601(precision: .seconds)),
        ])
        verifyCache = v
        return v
    }
}

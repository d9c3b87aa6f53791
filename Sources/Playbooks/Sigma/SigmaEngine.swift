import Foundation
import JikochoModel

/// An event as Sigma sees it: for a Windows event, its event id, channel, provider and the record's fields by name
/// (any case), whether it came from a native EVTX file or a Winlogbeat export; for the `jikocho` logsource, the
/// normalized fields every event has (`kind`, `src_ip`, `dst_role`, …) and its attributes.
struct EventView {
    let eventID: Int?
    let channel: String
    private var fields: [String: [String]]
    private let event: Event
    private var cache: [String: [FieldValue]] = [:]

    init?(_ e: Event) {
        event = e
        let a = e.attributes.dictionary
        var f: [String: [String]] = [:]
        func add(_ k: String, _ v: JSONValue) {
            let key = k.lowercased()
            switch v {
            case .string(let s): f[key, default: []].append(s)
            case .int(let i): f[key, default: []].append(String(i))
            case .double(let d): f[key, default: []].append(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
            case .bool(let b): f[key, default: []].append(b ? "true" : "false")
            case .array(let xs): for x in xs { add(k, x) }
            case .null, .object: break
            }
        }
        var id: Int?
        var channel: String?
        if case .int(let i)? = a["event_id"] {
            // Native EVTX.
            id = Int(i)
            if case .string(let c)? = a["channel"] { channel = c }
            for (k, v) in a where k != "event_data" && k != "user_data" {
                switch k {
                case "provider": add("Provider_Name", v)
                case "computer": add("Computer", v)
                case "channel": add("Channel", v)
                case "event_id": add("EventID", v)
                default: break
                }
            }
            if case .object(let d)? = a["event_data"] { for (k, v) in d { add(k, v) } }
            if case .object(let d)? = a["user_data"] { for (k, v) in d { add(k, v) } }
        } else if case .object(let w)? = a["winlog"] {
            // Winlogbeat.
            if case .int(let i)? = w["event_id"] { id = Int(i) } else if case .string(let s)? = w["event_id"] { id = Int(s) }
            if case .string(let c)? = w["channel"] { channel = c }
            if let v = w["provider_name"] { add("Provider_Name", v) }
            if let v = w["computer_name"] { add("Computer", v) }
            if let v = w["channel"] { add("Channel", v) }
            if let id { add("EventID", .int(Int64(id))) }
            if case .object(let d)? = w["event_data"] { for (k, v) in d { add(k, v) } }
            if case .object(let d)? = w["user_data"] { for (k, v) in d { add(k, v) } }
        } else if case .int(let i)? = a["EventId"] {
            // EvtxECmd.
            id = Int(i)
            if case .string(let c)? = a["Channel"] { channel = c }
            for (k, v) in a { add(k, v) }
            add("EventID", .int(i))
            if let p = a["Provider"] { add("Provider_Name", p) }
        } else {
            return nil
        }
        eventID = id
        self.channel = (channel ?? "").lowercased()
        fields = f
    }

    /// The normalized view (`logsource: {product: jikocho, category: DOMAIN}`): the event's own fields, its
    /// endpoints with the inventory's word on their assets (role, zone, Purdue level), and its attributes by name and
    /// by dotted path.
    init(normalized e: Event, assets: [String: Asset]) {
        event = e
        eventID = nil
        channel = "jikocho:" + e.domain.rawValue
        var f: [String: [String]] = [:]
        func put(_ k: String, _ v: String?) { if let v, !v.isEmpty { f[k.lowercased(), default: []].append(v) } }
        put("kind", e.kind)
        put("domain", e.domain.rawValue)
        put("message", e.message)
        put("host", e.host)
        put("asset", e.asset)
        put("user", e.user)
        put("time_desc", e.timeDescription)
        put("collector", e.provenance.collector)
        for (side, p) in [("src", e.src), ("dst", e.dst)] {
            put("\(side)_ip", p.ip)
            put("\(side)_port", p.port.map(String.init))
            put("\(side)_mac", p.mac)
            put("\(side)_asset", p.asset)
            if let name = p.asset, let a = assets[name] {
                put("\(side)_role", a.role.rawValue)
                put("\(side)_zone", a.zone)
                put("\(side)_level", a.purdueLevel.map(String.init))
            } else if p.ip != nil {
                put("\(side)_role", "unknown")
            }
        }
        if let name = e.asset, let a = assets[name] { put("asset_role", a.role.rawValue) }
        // The session the event opens, whatever recorded it (a Windows logon type, an SSH logon, a remote-control
        // tool's connection): `session` remote-screen, remote-shell, console or network, and who, how and from where
        // in words (`SessionFacts.words`).
        if let s = SessionFacts.words(e) {
            put("session", s.kind)
            put("session_who", s.who)
            put("session_how", s.how)
            if !s.from.isEmpty { put("session_from", s.from) }
            // The host whose screen or shell it is: the controlled side of a capture's session, else the event's asset.
            let on = e.kind == "remote.control_start" ? e.dst.asset ?? e.asset : e.asset
            put("session_host", on)
            if let on, let a = assets[on] { put("session_role", a.role.rawValue) }
        }
        func walk(_ prefix: String, _ v: JSONValue, depth: Int) {
            switch v {
            case .object(let o) where depth < 4:
                for (k, x) in o { walk(prefix.isEmpty ? k : prefix + "." + k, x, depth: depth + 1) }
            case .array(let xs) where depth < 4:
                for x in xs { walk(prefix, x, depth: depth + 1) }
            case .string(let s): put(prefix, s)
            case .int(let i): put(prefix, String(i))
            case .double(let d): put(prefix, d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
            case .bool(let b): put(prefix, b ? "true" : "false")
            default: break
            }
        }
        for (k, v) in e.attributes where f[k.lowercased()] == nil { walk(k, v, depth: 0) }
        // Nested fields by their last name too (`LogonType` for `winlog.event_data.LogonType`), when unambiguous.
        var leaves: [String: [String]] = [:]
        for (k, v) in f where k.utf8.contains(UInt8(ascii: ".")) {
            let leaf = String(k[k.index(after: k.lastIndex(of: ".")!)...])
            if f[leaf] == nil { leaves[leaf, default: []] += v }
        }
        for (k, v) in leaves { f[k] = v }
        fields = f
    }

    /// Fields of the normalized view that the event does not store as they read: the inventory's word on its assets
    /// (a role, a zone, an asset named from an address) and the ports, stored as numbers.
    static let derivedFields: Set<String> = ["asset", "asset_role", "src_asset", "dst_asset", "src_role", "dst_role",
                                             "src_zone", "dst_zone", "src_level", "dst_level", "src_port", "dst_port",
                                             "session", "session_who", "session_how", "session_from", "session_host", "session_role"]

    /// Sigma's log sources beyond Windows (`GenericSources`): the event under its channel, with its fields by the names
    /// SigmaHQ's Linux, web and network rules use.
    init(generic e: Event, channel: String) {
        event = e
        eventID = nil
        self.channel = channel
        fields = GenericSources.fields(e, channel: channel)
    }

    /// Adds a field the event does not carry itself (what a playbook learned about it, such as its causal chain).
    mutating func set(_ name: String, _ values: [String]) {
        fields[name.lowercased()] = values
        cache[name.lowercased()] = nil
    }

    /// The values of a Sigma field, renamed for the source.
    mutating func values(_ sigmaField: String, renames: [String: String]) -> [FieldValue] {
        values(lowered: sigmaField.lowercased(), renames: renames)
    }

    /// The same for a name already in lower case (the rules' fields are lowered once, when compiled).
    mutating func values(lowered lower: String, renames: [String: String]) -> [FieldValue] {
        let name = renames.isEmpty ? lower : renames[lower]?.lowercased() ?? lower
        if let hit = cache[name] { return hit }
        let v = (fields[name] ?? []).map(FieldValue.init)
        cache[name] = v
        return v
    }

    private var all: [FieldValue]?

    /// Every value of the record and its message: what keywords search (made once per event).
    var allText: [FieldValue] {
        mutating get {
            if let a = all { return a }
            let a = fields.values.flatMap { $0 }.map(FieldValue.init) + [FieldValue(event.message)]
            all = a
            return a
        }
    }
}

/// A rule as the engine evaluates it: searches by number, the condition over numbers (no names hashed per event).
final class CompiledRule {
    let searches: [Search]
    let condition: IndexedCondition

    init(_ r: SigmaRule) {
        let names = r.searches.keys.sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        searches = names.map { r.searches[$0]! }
        condition = IndexedCondition(r.condition, index)
    }
}

indirect enum IndexedCondition {
    case search(Int)
    case not(IndexedCondition)
    case and([IndexedCondition])
    case or([IndexedCondition])
    case oneOf([Int])
    case allOf([Int])

    init(_ c: Condition, _ index: [String: Int]) {
        switch c {
        case .search(let s): self = .search(index[s] ?? -1)
        case .not(let x): self = .not(IndexedCondition(x, index))
        case .and(let xs): self = .and(xs.map { IndexedCondition($0, index) })
        case .or(let xs): self = .or(xs.map { IndexedCondition($0, index) })
        case .oneOf(let n): self = .oneOf(n.map { index[$0] ?? -1 })
        case .allOf(let n): self = .allOf(n.map { index[$0] ?? -1 })
        }
    }

    func evaluate(_ result: (Int) -> Bool) -> Bool {
        switch self {
        case .search(let s): return result(s)
        case .not(let c): return !c.evaluate(result)
        case .and(let cs): return cs.allSatisfy { $0.evaluate(result) }
        case .or(let cs): return cs.contains { $0.evaluate(result) }
        case .oneOf(let names): return names.contains { result($0) }
        case .allOf(let names): return names.allSatisfy { result($0) }
        }
    }
}

/// A match of a rule on an event.
public struct SigmaMatch: Sendable {
    public var rule: Int
    public var title: String
}

/// Runs compiled rules over events. Rules are indexed by (channel, event id) so an event meets only the rules of
/// its own logsource; within a rule, the condition's searches are evaluated lazily and once each.
public final class SigmaEngine: @unchecked Sendable {
    public let rules: [SigmaRule]
    private let compiled: [CompiledRule]
    /// Rules that cannot run here, with the reason (their logsource has no mapping).
    public private(set) var unmapped: [(rule: SigmaRule, reason: String)] = []
    private var byChannelAndID: [String: [Int: [(rule: Int, source: LogsourceMapping.Source)]]] = [:]
    private var byChannel: [String: [(rule: Int, source: LogsourceMapping.Source)]] = [:]
    private var anyChannel: [(rule: Int, source: LogsourceMapping.Source)] = []
    /// Rule evaluations so far (after the literal index), over every thread.
    public var evaluations: Int {
        lock.lock()
        defer { lock.unlock() }
        return evaluationCount
    }
    private var evaluationCount = 0

    private let assets: [String: Asset]
    private var normalizedRules = false
    private var genericRules = false

    public init(rules all: [SigmaRule], assets: [Asset] = []) {
        self.assets = Dictionary(assets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var kept: [SigmaRule] = []
        for r in all {
            let generic = GenericSources.sources(r.logsource)
            if case .success(let g)? = generic, let known = g.fields,
               let missing = Self.fields(of: r).first(where: { !known.contains($0) }) {
                unmapped.append((r, "field \(missing) is not in Jikocho's events for this logsource (they give: "
                                 + known.sorted().joined(separator: ", ") + ")"))
                continue
            }
            switch generic.map({ $0.map(\.sources) }) ?? LogsourceMapping.sources(r.logsource) {
            case .failure(let e): unmapped.append((r, e.reason))
            case .success(let sources):
                let i = kept.count
                kept.append(r)
                if r.logsource.product == "jikocho" { normalizedRules = true }
                if generic != nil { genericRules = true }
                for s in sources {
                    if s.channels.isEmpty {
                        anyChannel.append((i, s))
                        continue
                    }
                    for ch in s.channels {
                        if let ids = s.eventIDs {
                            for id in ids { byChannelAndID[ch, default: [:]][id, default: []].append((i, s)) }
                        } else {
                            byChannel[ch, default: []].append((i, s))
                        }
                    }
                }
            }
        }
        rules = kept
        compiled = kept.map(CompiledRule.init)
    }

    /// The fields a rule's searches name (lower case; keywords name none).
    static func fields(of r: SigmaRule) -> [String] {
        var out: [String] = []
        for (_, search) in r.searches.sorted(by: { $0.key < $1.key }) {
            switch search {
            case .all(let tests): out += tests.map(\.field)
            case .any(let maps): out += maps.flatMap { $0.map(\.field) }
            case .keywords: break
            }
        }
        var seen = Set<String>()
        return out.filter { !$0.isEmpty }.map { $0.lowercased() }.filter { seen.insert($0).inserted }
    }

    /// Candidates and their literal index per (channel, event id), built when first needed.
    private var buckets: [String: BucketIndex] = [:]
    private let lock = NSLock()
    /// Evaluate every candidate rule instead of the indexed ones (to check the index).
    public var usePrefilter = true

    func bucket(channel: String, eventID: Int?) -> BucketIndex {
        let key = "\(channel)\u{0}\(eventID.map(String.init) ?? "-")"
        lock.lock()
        defer { lock.unlock() }
        if let b = buckets[key] { return b }
        var candidates: [(rule: Int, source: LogsourceMapping.Source)] = anyChannel
        if let byID = byChannelAndID[channel], let id = eventID, let c = byID[id] { candidates += c }
        if let c = byChannel[channel] { candidates += c }
        // `linux:*`, `zeek:*`: a logsource of every channel of a family.
        if let colon = channel.firstIndex(of: ":"), let c = byChannel[channel[..<colon] + ":*"] { candidates += c }
        candidates.sort { $0.rule < $1.rule }
        let b = BucketIndex(candidates: candidates, rules: rules)
        buckets[key] = b
        return b
    }

    /// Per bucket used so far: its key, its candidates and how many of them the literal index cannot skip.
    public var bucketStats: [(key: String, candidates: Int, always: Int, alwaysTitles: [String])] {
        lock.lock()
        defer { lock.unlock() }
        return buckets.map { k, b in
            (k.replacingOccurrences(of: "\u{0}", with: " "), b.candidates.count, b.always.count,
             b.always.prefix(400).map { rules[b.candidates[$0].rule].title })
        }.sorted { $0.candidates > $1.candidates }
    }

    /// The values of a field of an event, as rules read it (for correlations' group-by and value fields).
    func values(of field: String, in e: Event) -> [String] {
        guard var view = EventView(e) else { return [] }
        return view.values(field, renames: [:]).map(\.text)
    }

    /// The rules an event matches (each once, in rule order).
    public func matches(_ e: Event) -> [SigmaMatch] {
        var scratch = Scratch()
        let out = matches(e, &scratch)
        count(scratch)
        return out
    }

    /// The rules each event matches, in the events' order, evaluated on every core (the engine's own state is
    /// read-only while it runs, but for the bucket cache, which is locked).
    public func matches(_ events: [Event]) -> [[SigmaMatch]] {
        let threads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, events.count / 64))
        guard threads > 1 else { return events.map { matches($0) } }
        var results = [[SigmaMatch]](repeating: [], count: events.count)
        let chunk = (events.count + threads - 1) / threads
        results.withUnsafeMutableBufferPointer { out in
            let out = UncheckedBuffer(out)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var scratch = Scratch()
                for i in (t * chunk)..<min(events.count, (t + 1) * chunk) { out.base[i] = matches(events[i], &scratch) }
                count(scratch)
            }
        }
        return results
    }

    /// One thread's scratch: the index's flags and its count of evaluations.
    struct Scratch {
        var flag: [Bool] = []
        var evaluations = 0
    }

    /// Each thread writes only its own slots of the results.
    private struct UncheckedBuffer: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<[SigmaMatch]>
        init(_ b: UnsafeMutableBufferPointer<[SigmaMatch]>) { base = b }
    }

    private func count(_ scratch: Scratch) {
        lock.lock()
        evaluationCount += scratch.evaluations
        lock.unlock()
    }

    private func matches(_ e: Event, _ scratch: inout Scratch) -> [SigmaMatch] {
        var out: [SigmaMatch] = []
        var done = Set<Int>()
        if var view = EventView(e) { run(&view, &out, &done, &scratch) }
        if genericRules, let channel = GenericSources.channel(e) {
            var view = EventView(generic: e, channel: channel)
            run(&view, &out, &done, &scratch)
        }
        if normalizedRules {
            var view = EventView(normalized: e, assets: assets)
            run(&view, &out, &done, &scratch)
        }
        return out
    }

    private func run(_ view: inout EventView, _ out: inout [SigmaMatch], _ done: inout Set<Int>, _ scratch: inout Scratch) {
        let b = bucket(channel: view.channel, eventID: view.eventID)
        guard !b.candidates.isEmpty else { return }
        let selected = usePrefilter ? b.select(&view, flag: &scratch.flag) : Array(b.candidates.indices)
        for k in selected {
            let (i, source) = b.candidates[k]
            if done.contains(i) { continue }
            scratch.evaluations += 1
            if evaluate(compiled[i], &view, renames: source.renames) {
                done.insert(i)
                out.append(SigmaMatch(rule: i, title: rules[i].title))
            }
        }
    }

    func evaluate(_ r: CompiledRule, _ view: inout EventView, renames: [String: String]) -> Bool {
        // 0: not yet evaluated, 1: false, 2: true.
        var memo = [UInt8](repeating: 0, count: r.searches.count)
        // Keywords, and field-less values, search every value of the record (the view makes that list once).
        func anywhere(_ ms: [ValueMatcher], all: Bool) -> Bool {
            let text = view.allText
            let hit: (ValueMatcher) -> Bool = { m in text.contains { m.matches($0, event: { _ in [] }) } }
            return all ? ms.allSatisfy(hit) : ms.contains(where: hit)
        }
        func search(_ index: Int) -> Bool {
            guard index >= 0 else { return false }
            if memo[index] != 0 { return memo[index] == 2 }
            let v: Bool
            switch r.searches[index] {
            case .all(let tests): v = tests.allSatisfy { test($0) }
            case .any(let maps): v = maps.contains { $0.allSatisfy { test($0) } }
            case .keywords(let ms, let all):
                v = anywhere(ms, all: all)
            }
            memo[index] = v ? 2 : 1
            return v
        }
        func lookup(_ field: String) -> [FieldValue] { view.values(field, renames: renames) }
        func test(_ t: FieldTest) -> Bool {
            if t.field.isEmpty { return anywhere(t.matchers, all: t.all) }
            let values = view.values(lowered: t.lowerField, renames: renames)
            if let e = t.existence { return e == !values.isEmpty }
            if t.null { return values.isEmpty || values.allSatisfy { $0.text.isEmpty } }
            guard !values.isEmpty else { return false }
            if t.all {
                return t.matchers.allSatisfy { m in values.contains { m.matches($0, event: lookup) } }
            }
            return t.matchers.contains { m in values.contains { m.matches($0, event: lookup) } }
        }
        return r.condition.evaluate(search)
    }
}

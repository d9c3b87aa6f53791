import Foundation
import JikochoModel
import Yams

/// A Sigma correlation rule (specification 2): counts, distinct values or sequences of the matches of other rules,
/// per group, within a time span.
public struct SigmaCorrelation: Sendable {
    public enum Kind: String, Sendable { case eventCount = "event_count", valueCount = "value_count", temporal,
                                              temporalOrdered = "temporal_ordered" }

    public var id: String?
    public var name: String?
    public var title: String
    public var level: String?
    public var tags: [String]
    public var kind: Kind
    /// The rules it correlates, by name or id, in order (the order matters for `temporal_ordered`).
    public var rules: [String]
    public var groupBy: [String]
    public var timespan: Int64
    /// `gte: 10` and the like (event_count, value_count), with `field` for value_count.
    public var comparison: (op: String, value: Double)?
    public var field: String?
    /// Alias → (rule name or id → the field that rule's events carry).
    public var aliases: [String: [String: String]]
    public var file: String

    static func parse(_ m: Node.Mapping, file: String) throws -> SigmaCorrelation {
        func line(_ n: Node?) -> Int { n?.mark?.line ?? 0 }
        guard let title = m["title"]?.string else { throw SigmaError.unsupported("`title` is required", line: 1) }
        guard case .mapping(let c)? = m["correlation"] else {
            throw SigmaError.unsupported("`correlation` must be a mapping", line: line(m["correlation"]))
        }
        guard let t = c["type"]?.string, let kind = Kind(rawValue: t.lowercased()) else {
            throw SigmaError.unsupported("correlation type must be event_count, value_count, temporal or temporal_ordered",
                                         line: line(c["type"]))
        }
        let rules = SigmaLoader.strings(c["rules"])
        guard !rules.isEmpty else { throw SigmaError.unsupported("`correlation.rules` names no rule", line: line(c["rules"])) }
        guard let span = c["timespan"]?.string, let ns = Self.duration(span) else {
            throw SigmaError.unsupported("`correlation.timespan` must be a duration such as 5m, 1h, 30s, 2d", line: line(c["timespan"]))
        }
        var comparison: (String, Double)?
        var field: String?
        if case .mapping(let cond)? = c["condition"] {
            for (k, v) in cond {
                guard let key = k.string else { continue }
                if key == "field" { field = v.string; continue }
                guard ["gt", "gte", "lt", "lte", "eq", "neq"].contains(key), let n = v.string.flatMap(Double.init) else {
                    throw SigmaError.unsupported("correlation condition `\(key)` is not gt, gte, lt, lte, eq, neq or field",
                                                 line: line(k))
                }
                comparison = (key, n)
            }
        }
        if kind == .eventCount || kind == .valueCount, comparison == nil {
            throw SigmaError.unsupported("\(kind.rawValue) needs a condition such as `gte: 10`", line: line(c["condition"]))
        }
        if kind == .valueCount, field == nil {
            throw SigmaError.unsupported("value_count needs `condition.field`", line: line(c["condition"]))
        }
        var aliases: [String: [String: String]] = [:]
        if case .mapping(let a)? = c["aliases"] {
            for (k, v) in a {
                guard let alias = k.string, case .mapping(let per) = v else { continue }
                var map: [String: String] = [:]
                for (r, f) in per { if let r = r.string, let f = f.string { map[r] = f } }
                aliases[alias] = map
            }
        }
        return SigmaCorrelation(id: m["id"]?.string, name: m["name"]?.string, title: title, level: m["level"]?.string,
                                tags: SigmaLoader.strings(m["tags"]), kind: kind, rules: rules,
                                groupBy: SigmaLoader.strings(c["group-by"]), timespan: ns, comparison: comparison,
                                field: field, aliases: aliases, file: file)
    }

    /// `30s`, `5m`, `1h`, `2d`, `1w` (Sigma's time spans), or a bare number of seconds.
    static func duration(_ s: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800, "M": 2_592_000, "y": 31_536_000]
        guard let last = s.last else { return nil }
        if let u = units[last], let n = Int64(s.dropLast()), n > 0 { return n * u * 1_000_000_000 }
        if let n = Int64(s), n > 0 { return n * 1_000_000_000 }
        return nil
    }

    func holds(_ n: Double) -> Bool {
        guard let (op, v) = comparison else { return true }
        switch op {
        case "gt": return n > v
        case "gte": return n >= v
        case "lt": return n < v
        case "lte": return n <= v
        case "eq": return n == v
        default: return n != v
        }
    }
}

/// A correlation that held: the group and the events that made it.
public struct SigmaCorrelationMatch: Sendable {
    public var correlation: Int
    public var title: String
    public var time: Timestamp
    /// Group-by field → value.
    public var group: [String: String]
    /// Ids of the events (as given to `feed`) in the window, oldest first.
    public var events: [Int64]
    /// What was counted: events, distinct values, or the rules in sequence.
    public var count: Int
}

/// Evaluates correlation rules over the matches of their base rules, fed in time order. Per correlation and group,
/// a window of at most `timespan`; when the condition holds the match is reported and the group's window starts
/// afresh (one alert per burst, as Sigma backends do).
public final class SigmaCorrelator {
    public let correlations: [SigmaCorrelation]
    /// Correlations that cannot run, with the reason (a rule they name is not loaded).
    public private(set) var problems: [SigmaProblem] = []
    let engine: SigmaEngine
    /// Per correlation: engine rule index → position in the correlation's rule list.
    private var ruleSlots: [[Int: Int]] = []
    private var ruleKeys: [[Int: String]] = []

    struct Entry {
        var time: Int64
        var slot: Int
        var value: String?
        var event: Int64
    }
    private var windows: [Int: [[String]: [Entry]]] = [:]

    public init(correlations all: [SigmaCorrelation], engine: SigmaEngine) {
        self.engine = engine
        var kept: [SigmaCorrelation] = []
        for c in all {
            var slots: [Int: Int] = [:]
            var keys: [Int: String] = [:]
            var missing: [String] = []
            for (pos, ref) in c.rules.enumerated() {
                let hits = engine.rules.indices.filter { engine.rules[$0].name == ref || engine.rules[$0].id == ref }
                if hits.isEmpty { missing.append(ref) }
                for h in hits { slots[h] = pos; keys[h] = ref }
            }
            if !missing.isEmpty {
                problems.append(SigmaProblem(file: c.file, line: 0, title: c.title,
                                             reason: "correlates rules that are not loaded: \(missing.joined(separator: ", "))"))
                continue
            }
            kept.append(c)
            ruleSlots.append(slots)
            ruleKeys.append(keys)
        }
        correlations = kept
    }

    /// Feeds one event (in time order) with the base-rule matches the engine found; returns the correlations that
    /// hold now.
    public func feed(_ e: Event, id: Int64, matches: [SigmaMatch]) -> [SigmaCorrelationMatch] {
        guard !matches.isEmpty else { return [] }
        var out: [SigmaCorrelationMatch] = []
        let t = e.time.nanoseconds
        for (ci, c) in correlations.enumerated() {
            for m in matches {
                guard let slot = ruleSlots[ci][m.rule], let ref = ruleKeys[ci][m.rule] else { continue }
                func field(_ name: String) -> String? {
                    let actual = c.aliases[name]?[ref] ?? name
                    return engine.values(of: actual, in: e).first
                }
                var group: [String] = []
                var missingGroup = false
                for g in c.groupBy {
                    if let v = field(g) { group.append(v.lowercased()) } else { missingGroup = true }
                }
                // An event without the group-by field does not join any group (as a SQL GROUP BY backend drops nulls).
                if missingGroup { continue }
                var w = windows[ci, default: [:]][group, default: []]
                w.removeAll { t - $0.time > c.timespan }
                w.append(Entry(time: t, slot: slot, value: c.field.flatMap(field), event: id))
                var count = 0
                var held = false
                switch c.kind {
                case .eventCount:
                    count = w.count
                    held = c.holds(Double(count))
                case .valueCount:
                    count = Set(w.compactMap { $0.value?.lowercased() }).count
                    held = c.holds(Double(count))
                case .temporal:
                    count = Set(w.map(\.slot)).count
                    held = count == c.rules.count
                case .temporalOrdered:
                    var want = 0
                    for x in w where x.slot == want { want += 1; if want == c.rules.count { break } }
                    count = want
                    held = want == c.rules.count
                }
                if held {
                    out.append(SigmaCorrelationMatch(correlation: ci, title: c.title, time: e.time,
                                                     group: Dictionary(uniqueKeysWithValues: zip(c.groupBy, group)),
                                                     events: w.map(\.event), count: count))
                    w = []
                }
                windows[ci, default: [:]][group] = w
            }
        }
        return out
    }
}

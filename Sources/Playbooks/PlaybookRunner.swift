import EvidenceStore
import Foundation
import JikochoModel
import Timeline

/// What a playbook concluded on a case.
public struct PlaybookOutcome: Sendable {
    public var playbook: String
    public var findings: [(finding: Finding, detail: JSONValue)]
    /// Evidence the playbook needs and the case lacks: then it cannot say "nothing found".
    public var gaps: [String]
}

/// Runs playbooks over a case: each step's events found in corrected time, in order, joined on the fields the
/// later steps name (`{logon.asset}`), a finding per complete chain of steps.
public struct PlaybookRunner {
    let c: Case
    let assets: [String: Asset]
    /// Bindings tried per playbook at most (a runaway first step cannot stall a run).
    public var maxBindings = 10_000

    /// One engine per step that names Sigma rules, and each regular expression compiled once, per runner.
    final class Engines: @unchecked Sendable {
        var byStep: [String: SigmaEngine] = [:]
        var chains: ChainBuilder?
        var chainOf: [Int64: CausalChain] = [:]
        var regexes: [String: NSRegularExpression?] = [:]

        func regex(_ pattern: String) -> NSRegularExpression? {
            if let r = regexes[pattern] { return r }
            let r = try? NSRegularExpression(pattern: pattern)
            regexes[pattern] = r
            return r
        }
    }
    let engines = Engines()

    public init(_ c: Case) throws {
        self.c = c
        assets = Dictionary(try c.assets().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    struct Bound {
        var event: StoredEvent
        var view: EventView
        /// For counted steps: every event of the count.
        var all: [StoredEvent]
    }

    public func run(_ pb: Playbook) throws -> PlaybookOutcome {
        var gaps: [String] = []
        for k in pb.preconditions {
            if k == Playbook.inventoryPrecondition {
                // Playbooks that tell allowed hosts from the others by their roles: without an inventory every host's
                // role is unknown, and every HMI would look like an intruder.
                if assets.isEmpty {
                    gaps.append("no asset inventory in the case: \(pb.name) tells allowed hosts from others by their roles "
                                + "and cannot conclude without one (import the site's inventory with --assets)")
                }
            } else if try c.events(EventQuery(kinds: [k], limit: 1)).isEmpty {
                gaps.append("no \(k) events in the case: \(pb.name) cannot conclude without them")
            }
        }
        guard gaps.isEmpty, let first = pb.steps.first else {
            return PlaybookOutcome(playbook: pb.name, findings: [], gaps: gaps)
        }
        let params = Dictionary(uniqueKeysWithValues: pb.parameters.map { ($0.name, $0.value) })
        var findings: [(Finding, JSONValue)] = []
        var seen = Set<[Int64]>()
        var tried = 0
        // The first step's bindings: each matching event, or for a counted step each burst of N within the window
        // per group (one binding per burst, then the count starts again after it).
        var starts: [Bound] = []
        var groups: [String: [Bound]] = [:]
        for e in try candidates(first, from: nil, to: nil) {
            var view = EventView(normalized: e.event, assets: assets)
            guard matches(first, &view, [:], params, event: e.event, storedEvent: e) else { continue }
            guard let n = first.atLeast, let window = first.within else {
                starts.append(Bound(event: e, view: view, all: [e]))
                continue
            }
            // A burst: events of one group each within the window of the one before; it counts once, whole.
            let key = first.by.map { view.values($0, renames: [:]).first?.text.lowercased() ?? "" } ?? ""
            var g = groups[key, default: []]
            if let last = g.last, e.event.time.nanoseconds - last.event.event.time.nanoseconds > window {
                if g.count >= n { starts.append(burst(g)) }
                g = []
            }
            if g.count < 100_000 { g.append(Bound(event: e, view: view, all: [e])) }
            groups[key] = g
        }
        if let n = first.atLeast {
            for (_, g) in groups.sorted(by: { $0.key < $1.key }) where g.count >= n { starts.append(burst(g)) }
            starts.sort { $0.event.event.time < $1.event.event.time }
        }
        func burst(_ g: [Bound]) -> Bound {
            var b = g[0]
            b.all = g.map(\.event)
            return b
        }
        // Events already part of a finding: a start among them is the same incident seen from a later step (a
        // request to the web shell after the one that planted it), not a new one.
        var covered = Set<Int64>()
        for start in starts {
            if first.atLeast == nil, covered.contains(start.event.id) { continue }
            tried += 1
            if tried > maxBindings { gaps.append("stopped after \(maxBindings) starting events of step \(first.id)"); break }
            var bindings: [String: Bound] = [first.id: start]
            if try extend(pb, 1, &bindings, params) {
                // One finding per set of later required steps: a second start that leads to the same events
                // (another logon of the same session, another request to the same shell) adds nothing.
                let later = pb.steps.dropFirst().filter { !$0.optional }.flatMap { bindings[$0.id]?.all.map(\.id) ?? [] }
                let ids = later.isEmpty ? start.all.map(\.id) : later
                if seen.contains(ids) { continue }
                seen.insert(ids)
                let f = finding(pb, bindings, params)
                covered.formUnion(f.0.eventIDs)
                findings.append(f)
            }
        }
        return PlaybookOutcome(playbook: pb.name, findings: findings, gaps: gaps)
    }

    /// Binds steps from `index` on; true when every step that is not optional found its event.
    func extend(_ pb: Playbook, _ index: Int, _ bindings: inout [String: Bound], _ params: [String: JSONValue]) throws -> Bool {
        guard index < pb.steps.count else { return true }
        let step = pb.steps[index]
        if step.optional {
            if try bind(pb, index, &bindings, params) { return true }
            bindings[step.id] = nil
            return try extend(pb, index + 1, &bindings, params)
        }
        return try bind(pb, index, &bindings, params)
    }

    /// Binds step `index` to an event and goes on with the rest.
    func bind(_ pb: Playbook, _ index: Int, _ bindings: inout [String: Bound], _ params: [String: JSONValue]) throws -> Bool {
        let step = pb.steps[index]
        // The step it follows (or precedes): named, else the nearest earlier step that is bound.
        let named = (step.after ?? step.before).flatMap { bindings[$0] }
        var nearest: Bound?
        for earlier in pb.steps[..<index].reversed() where nearest == nil { nearest = bindings[earlier.id] }
        let anchor = named ?? nearest!
        let at = anchor.event.event.time.nanoseconds
        let from: Int64, to: Int64?
        if step.before != nil {
            from = at - (step.within ?? 24 * 3600 * 1_000_000_000)
            to = at
        } else {
            from = at
            to = step.within.map { at + $0 }
        }
        var newness = NewValues(field: step.new, before: at)
        var hits: [(StoredEvent, EventView)] = []
        for e in try candidates(step, from: from, to: to) where e.id != anchor.event.id {
            var view = EventView(normalized: e.event, assets: assets)
            if matches(step, &view, bindings, params, event: e.event, storedEvent: e), try newness.isNew(e, &view, step, self) {
                hits.append((e, view))
                if step.atLeast == nil { break }     // the earliest event that fits
            }
        }
        if let n = step.atLeast {
            // Counted: the first group (by the `by` field) to reach N within the window, with every event of that
            // group in the window (a finding says how many there were, not only that there were N).
            var groups: [String: [(StoredEvent, EventView)]] = [:]
            var first: String?
            for h in hits {
                var v = h.1
                let key = step.by.map { v.values($0, renames: [:]).first?.text.lowercased() ?? "" } ?? ""
                groups[key, default: []].append(h)
                if first == nil, groups[key]!.count >= n { first = key }
            }
            guard let key = first, let g = groups[key] else { return false }
            bindings[step.id] = Bound(event: g[0].0, view: g[0].1, all: g.map(\.0))
            if try extend(pb, index + 1, &bindings, params) { return true }
            bindings[step.id] = nil
            return false
        }
        for (e, v) in hits {
            bindings[step.id] = Bound(event: e, view: v, all: [e])
            if try extend(pb, index + 1, &bindings, params) { return true }
        }
        bindings[step.id] = nil
        return false
    }

    func candidates(_ step: Playbook.Step, from: Int64?, to: Int64?) throws -> [StoredEvent] {
        try c.events(EventQuery(from: from.map(Timestamp.init(nanoseconds:)), to: to.map { Timestamp(nanoseconds: $0 + 1) },
                                kinds: step.kinds))
    }

    /// `{step.field}` and `{parameter}` filled in.
    func fill(_ text: String, _ bindings: [String: Bound], _ params: [String: JSONValue]) -> String {
        var out = text
        for ref in PlaybookLoader.references(text) {
            // `{a.asset|a.host|a.src_ip}`: the first that has a value.
            var value = ""
            let alternatives = ref.split(separator: "|").map(String.init)
            for (i, alternative) in alternatives.enumerated() where value.isEmpty {
                if i == alternatives.count - 1, i > 0, PlaybookLoader.isLiteral(Substring(alternative)) {
                    value = alternative
                    continue
                }
                if let p = params[alternative] {
                    value = p.text
                    continue
                }
                let parts = alternative.split(separator: ".", maxSplits: 1).map(String.init)
                if parts.count == 2, var b = bindings[parts[0]] {
                    if parts[1] == "time" { value = b.event.event.time.iso8601(precision: .seconds) }
                    else if parts[1] == "last_time" { value = (b.all.last ?? b.event).event.time.iso8601(precision: .seconds) }
                    else if parts[1] == "count" { value = String(b.all.count) }
                    else {
                        // Every distinct value, in order (`{change.chain_users}` → `vendor-svc, hmi-admin`).
                        var seen = Set<String>()
                        value = b.view.values(parts[1], renames: [:]).map(\.text).filter { seen.insert($0).inserted }
                            .joined(separator: ", ")
                    }
                }
            }
            out = out.replacingOccurrences(of: "{\(ref)}", with: value)
        }
        return out
    }

    func matches(_ step: Playbook.Step, _ view: inout EventView, _ bindings: [String: Bound],
                 _ params: [String: JSONValue], event: Event? = nil, storedEvent: StoredEvent? = nil) -> Bool {
        for cond in step.conditions {
            let values = view.values(cond.field, renames: [:]).map { $0.text }
            func wanted(_ v: JSONValue) -> [String] {
                if case .array(let a) = v { return a.flatMap(wanted) }
                let t = fill(v.text, bindings, params)
                // A parameter that is a list fills in as its items.
                if v.text.hasPrefix("{"), let p = params[String(v.text.dropFirst().dropLast())], case .array(let a) = p {
                    return a.map(\.text)
                }
                return [t]
            }
            let want = wanted(cond.value)
            // A reference that fills in as nothing cannot be met.
            if want.allSatisfy({ $0.isEmpty }), cond.op != "exists" { return false }
            let lower = values.map { $0.lowercased() }
            let ok: Bool
            switch cond.op {
            case "exists":
                ok = (cond.value.text == "true") == !values.isEmpty
            case "equals", "in":
                ok = lower.contains { v in want.contains { $0.lowercased() == v } }
            case "not":
                ok = !lower.contains { v in want.contains { $0.lowercased() == v } }
            case "contains":
                ok = lower.contains { v in want.contains { v.contains($0.lowercased()) } }
            case "startswith":
                ok = lower.contains { v in want.contains { v.hasPrefix($0.lowercased()) } }
            case "endswith":
                ok = lower.contains { v in want.contains { v.hasSuffix($0.lowercased()) } }
            case "regex":
                ok = want.contains { p in
                    guard let r = engines.regex(p) else { return false }
                    return values.contains { v in r.firstMatch(in: v, range: NSRange(v.startIndex..., in: v)) != nil }
                }
            case "cidr":
                ok = want.contains { n in CIDR(n).map { net in values.contains { net.contains($0) } } ?? false }
            case "not_cidr":
                // Every value is outside every network (and there is a value).
                let nets = want.compactMap(CIDR.init)
                ok = !values.isEmpty && !values.contains { v in nets.contains { $0.contains(v) } }
            default:
                let numbers = values.compactMap(Double.init)
                let limits = want.compactMap(Double.init)
                ok = numbers.contains { x in
                    limits.contains { l in
                        switch cond.op {
                        case "gt": return x > l
                        case "gte": return x >= l
                        case "lt": return x < l
                        default: return x <= l
                        }
                    }
                }
            }
            if !ok { return false }
        }
        if let q = step.chain {
            guard let stored = storedEvent, let chain = try? causalChain(stored), satisfies(chain, q) else { return false }
            view.set("chain_steps", [String(chain.steps.count)])
            view.set("chain_summary", [chain.summary])
            view.set("chain_end", [chain.end])
            view.set("chain_origin", [chain.steps.first.map { $0.event.event.src.ip ?? $0.asset ?? "?" } ?? "?"])
            view.set("chain_assets", chain.steps.compactMap(\.asset))
            view.set("chain_users", chain.steps.compactMap(\.event.event.user))
        }
        if !step.sigma.isEmpty, let e = event {
            let key = "\(step.id)|\(step.sigma.count)"
            let engine = engines.byStep[key] ?? SigmaEngine(rules: step.sigma, assets: Array(assets.values))
            engines.byStep[key] = engine
            if engine.matches(e).isEmpty { return false }
        }
        return true
    }

    func finding(_ pb: Playbook, _ bindings: [String: Bound], _ params: [String: JSONValue]) -> (Finding, JSONValue) {
        var ids = pb.steps.flatMap { bindings[$0.id]?.all.map(\.id) ?? [] }
        // A chain step rests on its whole chain: cite every link's event.
        for s in pb.steps where s.chain != nil {
            guard let b = bindings[s.id], let chain = engines.chainOf[b.event.id] else { continue }
            for e in chain.steps.map(\.event.id) where !ids.contains(e) { ids.append(e) }
        }
        var summary = fill(Self.seenClauses(pb.rootCause, pb, bindings, params), bindings, params)
        let missing = pb.steps.filter { $0.optional && bindings[$0.id] == nil }
        if !missing.isEmpty {
            summary += " Not seen in the evidence: " + missing.map { $0.title ?? $0.id }.joined(separator: "; ") + "."
        }
        let detail: JSONValue = .object([
            "playbook": .string(pb.name),
            "not_seen": .array(missing.map { .string($0.id) }),
            "steps": .array(pb.steps.compactMap { s -> JSONValue? in
                guard let b = bindings[s.id] else { return nil }
                let e = b.event.event
                var o: [String: JSONValue] = ["id": .string(s.id), "event_id": .int(b.event.id), "kind": .string(e.kind),
                                              "time": .string(e.time.iso8601()), "message": .string(e.message),
                                              "evidence_id": .int(e.provenance.evidenceID),
                                              "locator": .string(e.provenance.locator),
                                              "events": .array(b.all.map { .int($0.id) })]
                if let t = s.title { o["title"] = .string(t) }
                if e.time != e.recordedTime { o["recorded_time"] = .string(e.recordedTime.iso8601()) }
                if s.optional { o["optional"] = .bool(true) }
                return .object(o)
            }),
            "parameters": .object(params),
            "recommendations": .array(pb.recommendations.map { .string(fill($0, bindings, params)) }.filter { !$0.text.contains("{}") }),
        ])
        let first = bindings[pb.steps[0].id]!.event.event.time
        return (Finding(playbook: pb.name, title: "\(pb.title) (\(first.iso8601(precision: .seconds)))", severity: pb.severity,
                        summary: summary, techniques: pb.attack, eventIDs: ids, createdAt: .now), detail)
    }
}

extension PlaybookRunner {
    /// Runs the playbooks in name order, stores each finding (with the events it rests on) and records the run in
    /// custody with what each playbook gave. `each` sees every playbook's outcome and the ids of its stored findings.
    @discardableResult
    public func runAndStore(_ books: [Playbook],
                            each: (Playbook, PlaybookOutcome, [Int64]) throws -> Void = { _, _, _ in }) throws
        -> [PlaybookRunResult]
    {
        var results: [PlaybookRunResult] = []
        for pb in books.sorted(by: { $0.name < $1.name }) {
            let outcome = try run(pb)
            var ids: [Int64] = []
            for (f, detail) in outcome.findings { ids.append(try c.saveFinding(f, detail: detail)) }
            try each(pb, outcome, ids)
            results.append(PlaybookRunResult(playbook: pb.name, findings: outcome.findings.count, gaps: outcome.gaps))
        }
        try c.recordPlaybookRun(results)
        return results
    }
}

/// A step's `new: FIELD`: the values of FIELD the same asset showed, in events of the step's kinds, before the step it
/// follows; read once per asset.
struct NewValues {
    let field: String?
    let before: Int64
    var seen: [String: Set<String>] = [:]

    init(field: String?, before: Int64) {
        self.field = field
        self.before = before
    }

    static func owner(_ e: Event) -> String { (e.src.asset ?? e.asset ?? e.src.ip ?? e.host ?? "").lowercased() }

    mutating func isNew(_ e: StoredEvent, _ view: inout EventView, _ step: Playbook.Step, _ runner: PlaybookRunner) throws -> Bool {
        guard let field else { return true }
        let values = view.values(field, renames: [:]).map { $0.text.lowercased() }
        guard !values.isEmpty else { return false }
        let who = Self.owner(e.event)
        if seen[who] == nil {
            var s = Set<String>()
            try runner.c.forEachEvent(EventQuery(to: Timestamp(nanoseconds: before), kinds: step.kinds)) { old in
                guard Self.owner(old.event) == who else { return }
                var v = EventView(normalized: old.event, assets: runner.assets)
                for x in v.values(field, renames: [:]) { s.insert(x.text.lowercased()) }
            }
            seen[who] = s
        }
        return !values.contains { seen[who]!.contains($0) }
    }
}

extension PlaybookRunner {
    /// The causal chain behind an event, built once per run.
    func causalChain(_ e: StoredEvent) throws -> CausalChain {
        if let c = engines.chainOf[e.id] { return c }
        let builder = try engines.chains ?? ChainBuilder(c)
        engines.chains = builder
        let chain = try builder.chain(from: e)
        engines.chainOf[e.id] = chain
        return chain
    }

    func satisfies(_ chain: CausalChain, _ q: Playbook.ChainQuery) -> Bool {
        if let r = q.reachesOutside, chain.reachesOutside != r { return false }
        if let r = q.restores, chain.restores != r { return false }
        if let n = q.minSteps, chain.steps.count < n { return false }
        if let remote = q.remote, chain.runsThroughRemoteSession != remote { return false }
        if let role = q.through {
            guard chain.steps.contains(where: { s in s.asset.flatMap { assets[$0] }?.role.rawValue == role }) else { return false }
        }
        return true
    }
}

extension PlaybookRunner {
    /// The template without the clauses (separated by `; `) that name an optional step not seen: "Credentials taken
    /// on {cred.asset}" is left out when no credential theft was found, instead of reading "taken on ".
    static func seenClauses(_ template: String, _ pb: Playbook, _ bindings: [String: Bound],
                            _ params: [String: JSONValue]) -> String {
        let optional = Set(pb.steps.filter(\.optional).map(\.id))
        guard !optional.isEmpty else { return template }
        func satisfiable(_ ref: String) -> Bool {
            let alternatives = ref.split(separator: "|").map(String.init)
            return alternatives.enumerated().contains { i, alt in
                if params[alt] != nil { return true }
                if i == alternatives.count - 1, i > 0, PlaybookLoader.isLiteral(Substring(alt)) { return true }
                let step = String(alt.split(separator: ".").first ?? "")
                return !optional.contains(step) || bindings[step] != nil
            }
        }
        let clauses = template.components(separatedBy: "; ")
        let kept = clauses.filter { PlaybookLoader.references($0).allSatisfy(satisfiable) }
        var text = kept.joined(separator: "; ")
        if let last = clauses.last, last.hasSuffix("."), !text.hasSuffix(".") { text += "." }
        if kept.first != clauses.first, let f = text.first { text = f.uppercased() + text.dropFirst() }
        return text
    }
}

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
    /// Narrow each step's candidates in SQL by the text its conditions want (off: decode and test every event of the
    /// step's kinds, to check that the filter never drops a match).
    public var usePrefilter = true

    /// One engine per set of Sigma rules a step names, and each regular expression compiled once, per runner.
    final class Engines: @unchecked Sendable {
        /// By `rulesKey`: a runner runs many playbooks, whose steps may share an id but not their rules.
        var byRules: [String: SigmaEngine] = [:]
        var chains: ChainBuilder?
        var chainOf: [Int64: CausalChain] = [:]
        var regexes: [String: NSRegularExpression?] = [:]
        var sigmaFilters: [String: (domains: [Domain], text: [[TextMatch]])?] = [:]

        /// What a step's engine and store filter depend on: its rules (file, id and title of each, in order).
        static func rulesKey(_ step: Playbook.Step) -> String {
            step.sigma.map { [$0.file, $0.id ?? "", $0.title].joined(separator: "\u{0}") }.joined(separator: "\u{1}")
        }

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
        /// For counted steps: the ids of every event of the count (the first is `event`), and the last one's time.
        var ids: [Int64]
        var last: Timestamp

        init(_ event: StoredEvent, _ view: EventView) {
            self.event = event
            self.view = view
            ids = [event.id]
            last = event.event.time
        }

        /// Counts one more event (up to `cap` ids are kept; a burst longer than that is cited by its first ones).
        mutating func add(_ e: StoredEvent, cap: Int = 100_000) {
            if ids.count < cap { ids.append(e.id) }
            last = e.event.time
        }
    }

    /// Events read from the case per page of a scan: the runner holds one page, never the case.
    public var pageSize = 1024

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
            } else {
                // `auth.logon|remote.control_start`: either will do (a session recorded by Windows or by a tool).
                let kinds = k.split(separator: "|").map(String.init)
                if try kinds.allSatisfy({ try c.events(EventQuery(kinds: [$0], limit: 1)).isEmpty }) {
                    let named = kinds.count == 1 ? kinds[0]
                        : kinds.dropLast().joined(separator: ", ") + " or " + kinds.last!
                    gaps.append("no \(named) events in the case: \(pb.name) cannot conclude without them")
                }
            }
        }
        guard gaps.isEmpty, let first = pb.steps.first else {
            return PlaybookOutcome(playbook: pb.name, findings: [], gaps: gaps)
        }
        let params = Dictionary(uniqueKeysWithValues: pb.parameters.map { ($0.name, $0.value) })
        var findings: [(Finding, JSONValue)] = []
        var seen = Set<[Int64]>()
        var tried = 0
        // Events already part of a finding: a start among them is the same incident seen from a later step (a
        // request to the web shell after the one that planted it), not a new one.
        var covered = Set<Int64>()
        var stopped = false
        /// Tries one binding of the first step; false once `maxBindings` have been tried.
        func attempt(_ start: Bound) throws -> Bool {
            if first.atLeast == nil, covered.contains(start.event.id) { return true }
            tried += 1
            if tried > maxBindings {
                gaps.append("stopped after \(maxBindings) starting events of step \(first.id)")
                stopped = true
                return false
            }
            var bindings: [String: Bound] = [first.id: start]
            if try extend(pb, 1, &bindings, params) {
                // One finding per set of later required steps: a second start that leads to the same events
                // (another logon of the same session, another request to the same shell) adds nothing.
                let later = pb.steps.dropFirst().filter { !$0.optional }.flatMap { bindings[$0.id]?.ids ?? [] }
                let ids = later.isEmpty ? start.ids : later
                if seen.contains(ids) { return true }
                seen.insert(ids)
                let f = finding(pb, bindings, params)
                covered.formUnion(f.0.eventIDs)
                findings.append(f)
            }
            return true
        }
        guard let n = first.atLeast, let window = first.within else {
            // Each matching event starts a binding, in time order, as the scan reads it.
            try candidates(first, from: nil, to: nil, [:], params) { e in
                var view = EventView(normalized: e.event, assets: assets)
                guard matches(first, &view, [:], params, event: e.event, storedEvent: e) else { return true }
                return try attempt(Bound(e, view))
            }
            return PlaybookOutcome(playbook: pb.name, findings: findings, gaps: gaps)
        }
        // A counted first step: each burst of N within the window per group (`by`) is one binding: events of one
        // group each within the window of the one before; it counts once, whole, then the count starts again.
        // The earliest `maxBindings` + 1 bursts are kept (those are all that are tried), so memory stays bounded.
        var starts: [Bound] = []
        var groups: [String: (burst: Bound, count: Int)] = [:]
        func inOrder(_ a: Bound, _ b: Bound) -> Bool { (a.event.event.time, a.event.id) < (b.event.event.time, b.event.id) }
        func keep(_ b: Bound) {
            starts.append(b)
            if starts.count > 2 * (maxBindings + 1) {
                starts.sort(by: inOrder)
                starts.removeLast(starts.count - (maxBindings + 1))
            }
        }
        var read = 0
        try candidates(first, from: nil, to: nil, [:], params) { e in
            read += 1
            if read % 65_536 == 0 {
                // Groups quiet for longer than the window are closed: memory holds the groups still counting.
                for (key, g) in groups where e.event.time.nanoseconds - g.burst.last.nanoseconds > window {
                    if g.count >= n { keep(g.burst) }
                    groups[key] = nil
                }
            }
            var view = EventView(normalized: e.event, assets: assets)
            guard matches(first, &view, [:], params, event: e.event, storedEvent: e) else { return true }
            let key = first.by.map { view.values($0, renames: [:]).first?.text.lowercased() ?? "" } ?? ""
            // In place (`groups[key]!`): a copy of the group would copy its ids with every event of a long burst.
            if let last = groups[key]?.burst.last, e.event.time.nanoseconds - last.nanoseconds <= window {
                groups[key]!.burst.add(e)
                groups[key]!.count += 1
            } else {
                if let count = groups[key]?.count, count >= n { keep(groups[key]!.burst) }
                groups[key] = (Bound(e, view), 1)
            }
            return true
        }
        for (_, g) in groups where g.count >= n { keep(g.burst) }
        starts.sort(by: inOrder)
        for start in starts where !stopped {
            guard try attempt(start) else { break }
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
        if let n = step.atLeast {
            // Counted: the first group (by the `by` field) to reach N within the window, with every event of that
            // group in the window (a finding says how many there were, not only that there were N).
            var groups: [String: Bound] = [:]
            var full: String?
            try candidates(step, from: from, to: to, bindings, params) { e in
                guard e.id != anchor.event.id else { return true }
                var view = EventView(normalized: e.event, assets: assets)
                guard matches(step, &view, bindings, params, event: e.event, storedEvent: e),
                      try newness.isNew(e, &view, step, self) else { return true }
                let key = step.by.map { view.values($0, renames: [:]).first?.text.lowercased() ?? "" } ?? ""
                if groups[key] == nil { groups[key] = Bound(e, view) } else { groups[key]!.add(e) }
                if full == nil, groups[key]!.ids.count >= n { full = key }
                return true
            }
            guard let key = full, let g = groups[key] else { return false }
            bindings[step.id] = g
            if try extend(pb, index + 1, &bindings, params) { return true }
            bindings[step.id] = nil
            return false
        }
        // The earliest event that fits: the later steps bind after it or not at all.
        var bound = false
        try candidates(step, from: from, to: to, bindings, params) { e in
            guard e.id != anchor.event.id else { return true }
            var view = EventView(normalized: e.event, assets: assets)
            guard matches(step, &view, bindings, params, event: e.event, storedEvent: e),
                  try newness.isNew(e, &view, step, self) else { return true }
            bindings[step.id] = Bound(e, view)
            bound = try extend(pb, index + 1, &bindings, params)
            return false
        }
        if !bound { bindings[step.id] = nil }
        return bound
    }

    /// The events a step can match in the time range, in time order, a page at a time, until `body` returns false:
    /// the step's kinds, domains and text (`textFilter`) narrow them in SQL before any is decoded.
    func candidates(_ step: Playbook.Step, from: Int64?, to: Int64?, _ bindings: [String: Bound],
                    _ params: [String: JSONValue], _ body: (StoredEvent) throws -> Bool) throws {
        var q = EventQuery(from: from.map(Timestamp.init(nanoseconds:)), to: to.map { Timestamp(nanoseconds: $0 + 1) },
                           kinds: step.kinds)
        if usePrefilter {
            q.text = textFilter(step, bindings, params)
            if let sigma = engines.sigmaFilter(step) {
                q.domains = sigma.domains
                q.text += sigma.text
            }
        }
        try c.forEachPage(q, pageSize: pageSize) { page in
            for e in page where try !body(e) { return false }
            return true
        }
    }

    /// Text an event must hold to meet the step's conditions (`TextMatch`): the values wanted by each `equals`, `in`,
    /// `contains`, `startswith` and `endswith` condition on a field the event stores itself (not the inventory's
    /// word on it, nor what the runner adds), with references filled in.
    func textFilter(_ step: Playbook.Step, _ bindings: [String: Bound], _ params: [String: JSONValue]) -> [[TextMatch]] {
        var out: [[TextMatch]] = []
        for cond in step.conditions where ["equals", "in", "contains", "startswith", "endswith"].contains(cond.op) {
            let field = cond.field.lowercased()
            guard field != "kind", !EventView.derivedFields.contains(field), !field.hasPrefix("chain_") else { continue }
            let want = wanted(cond.value, bindings, params).filter { !$0.isEmpty }
            let group = want.map { TextMatch(column: TextMatch.columns.contains(field) ? field : nil, $0) }
            if !group.isEmpty, group.allSatisfy({ TextMatch.usable($0.needle) }) { out.append(group) }
        }
        return out
    }

    /// A condition's values, references filled in (a parameter that is a list fills in as its items).
    func wanted(_ v: JSONValue, _ bindings: [String: Bound], _ params: [String: JSONValue]) -> [String] {
        if case .array(let a) = v { return a.flatMap { wanted($0, bindings, params) } }
        if v.text.hasPrefix("{"), let p = params[String(v.text.dropFirst().dropLast())], case .array(let a) = p {
            return a.map(\.text)
        }
        return [fill(v.text, bindings, params)]
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
                    else if parts[1] == "last_time" { value = b.last.iso8601(precision: .seconds) }
                    else if parts[1] == "count" { value = String(b.ids.count) }
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
            let want = wanted(cond.value, bindings, params)
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
            let key = Engines.rulesKey(step)
            let engine = engines.byRules[key] ?? SigmaEngine(rules: step.sigma, assets: Array(assets.values))
            engines.byRules[key] = engine
            if engine.matches(e).isEmpty { return false }
        }
        return true
    }

    func finding(_ pb: Playbook, _ bindings: [String: Bound], _ params: [String: JSONValue]) -> (Finding, JSONValue) {
        var ids = pb.steps.flatMap { bindings[$0.id]?.ids ?? [] }
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
                                              "events": .array(b.ids.map { .int($0) })]
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
    /// Runs the playbooks side by side, one per core, each on its own read-only connection to the case (they only
    /// read; SQLite's WAL lets readers run together); the outcomes come back in the order of `books`, whatever order
    /// they finish in. With one playbook or one core: one after the other on this runner.
    public func runAll(_ books: [Playbook], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws
        -> [PlaybookOutcome]
    {
        guard books.count > 1, threads > 1 else { return try books.map(run) }
        /// The outcomes by index, and the next playbook to take, under one lock.
        final class Slots: @unchecked Sendable {
            var outcomes: [Result<PlaybookOutcome, Error>?]
            var taken = 0
            let lock = NSLock()
            init(_ n: Int) { outcomes = Array(repeating: nil, count: n) }
        }
        let slots = Slots(books.count)
        let settings = (maxBindings, pageSize, usePrefilter)
        let path = c.directory.path
        DispatchQueue.concurrentPerform(iterations: min(threads, books.count)) { _ in
            var runner: PlaybookRunner?
            while true {
                slots.lock.lock()
                let i = slots.taken
                slots.taken += 1
                slots.lock.unlock()
                guard i < books.count else { return }
                let result = Result { () throws -> PlaybookOutcome in
                    if runner == nil {
                        var r = try PlaybookRunner(Case.open(at: path, mode: .read))
                        (r.maxBindings, r.pageSize, r.usePrefilter) = settings
                        runner = r
                    }
                    return try runner!.run(books[i])
                }
                slots.lock.lock()
                slots.outcomes[i] = result
                slots.lock.unlock()
            }
        }
        return try slots.outcomes.map { try $0!.get() }
    }

    /// Runs the playbooks in name order, stores each finding (with the events it rests on) and records the run in
    /// custody with what each playbook gave. `each` sees every playbook's outcome and the ids of its stored findings.
    @discardableResult
    public func runAndStore(_ books: [Playbook],
                            each: (Playbook, PlaybookOutcome, [Int64]) throws -> Void = { _, _, _ in }) throws
        -> [PlaybookRunResult]
    {
        var results: [PlaybookRunResult] = []
        let sorted = books.sorted(by: { $0.name < $1.name })
        for (pb, outcome) in zip(sorted, try runAll(sorted)) {
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
        if let o = q.overwritesMeasurement, chain.overwritesMeasurement != o { return false }
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

/// Aho–Corasick over bytes: every literal of a set found in one pass over a text.
struct LiteralAutomaton {
    private var next: [[UInt8: Int32]] = [[:]]
    private var fail: [Int32] = [0]
    /// Literal ids ending at each state (its own and those of its failure chain, merged when built).
    private var out: [[Int32]] = [[]]
    private(set) var count = 0

    mutating func add(_ literal: [UInt8]) -> Int {
        var s = 0
        for b in literal {
            if let t = next[s][b] {
                s = Int(t)
            } else {
                next.append([:])
                fail.append(0)
                out.append([])
                next[s][b] = Int32(next.count - 1)
                s = next.count - 1
            }
        }
        out[s].append(Int32(count))
        count += 1
        return count - 1
    }

    // After `build`: the transitions flattened (a state's edges sorted by byte, found by a short scan; the root's
    // in a 256-entry table), so searching hashes nothing.
    private var rootTable = [Int32](repeating: 0, count: 256)
    private var edgeStart: [Int32] = []
    private var edgeBytes: [UInt8] = []
    private var edgeTargets: [Int32] = []

    /// Failure links, breadth first; each state's outputs include its failure state's.
    mutating func build() {
        var queue: [Int] = []
        for (_, t) in next[0] {
            fail[Int(t)] = 0
            queue.append(Int(t))
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]
            head += 1
            for (b, t) in next[s] {
                let u = Int(t)
                queue.append(u)
                var f = Int(fail[s])
                while f != 0, next[f][b] == nil { f = Int(fail[f]) }
                let target = next[f][b].map(Int.init) ?? 0
                fail[u] = Int32(target == u ? 0 : target)
                out[u] += out[Int(fail[u])]
            }
        }
        for (b, t) in next[0] { rootTable[Int(b)] = t }
        edgeStart = [Int32](repeating: 0, count: next.count + 1)
        for s in 0..<next.count {
            edgeStart[s] = Int32(edgeBytes.count)
            for (b, t) in next[s].sorted(by: { $0.key < $1.key }) {
                edgeBytes.append(b)
                edgeTargets.append(t)
            }
        }
        edgeStart[next.count] = Int32(edgeBytes.count)
        next = []
    }

    @inline(__always) private func step(_ s: Int, _ b: UInt8) -> Int? {
        if s == 0 { return Int(rootTable[Int(b)]) }
        var i = Int(edgeStart[s])
        let end = Int(edgeStart[s + 1])
        while i < end {
            if edgeBytes[i] == b { return Int(edgeTargets[i]) }
            if edgeBytes[i] > b { return nil }
            i += 1
        }
        return nil
    }

    func search(_ text: [UInt8], _ found: (Int) -> Void) {
        var s = 0
        for b in text {
            while true {
                if let t = step(s, b) { s = t; break }
                if s == 0 { break }
                s = Int(fail[s])
            }
            let o = out[s]
            if !o.isEmpty { for id in o { found(Int(id)) } }
        }
    }
}

/// What must be true of an event for a rule to match: any of these tests (each with the literal its match must
/// contain). Nil when the rule has no such condition the index can use (a regex, a `not`, a number…).
enum Anchors {
    struct Anchor {
        var field: String      // lower-cased, after the source's renames
        var literal: [UInt8]   // lower-cased
    }

    /// The anchors of a condition, the most selective alternative of every `and`.
    static func of(_ c: Condition, _ r: SigmaRule, renames: [String: String]) -> [Anchor]? {
        func score(_ a: [Anchor]?) -> Int { a.map { $0.map(\.literal.count).min() ?? 0 } ?? -1 }
        switch c {
        case .search(let name):
            guard let s = r.searches[name] else { return nil }
            switch s {
            case .all(let tests): return best(tests.map { test($0, renames) }, score)
            case .any(let maps): return union(maps.map { m in best(m.map { test($0, renames) }, score) })
            case .keywords(let ms, let all):
                // Keywords search every value: the `*` field.
                var lits: [[UInt8]] = []
                for m in ms {
                    guard case .pattern(let g, _) = m else { return nil }
                    let l = Array(String(decoding: g.longestLiteral, as: UTF8.self).lowercased().utf8)
                    guard l.count >= 2 else { return nil }
                    lits.append(l)
                }
                if all, let longest = lits.max(by: { $0.count < $1.count }) { return [Anchor(field: "*", literal: longest)] }
                return lits.isEmpty ? nil : lits.map { Anchor(field: "*", literal: $0) }
            }
        case .not: return nil
        case .and(let cs): return best(cs.map { of($0, r, renames: renames) }, score)
        case .or(let cs): return union(cs.map { of($0, r, renames: renames) })
        case .oneOf(let names): return union(names.map { of(.search($0), r, renames: renames) })
        case .allOf(let names): return best(names.map { of(.search($0), r, renames: renames) }, score)
        }
    }

    static func best(_ options: [[Anchor]?], _ score: ([Anchor]?) -> Int) -> [Anchor]? {
        options.max { score($0) < score($1) } ?? nil
    }

    static func union(_ parts: [[Anchor]?]) -> [Anchor]? {
        var out: [Anchor] = []
        for p in parts {
            guard let p else { return nil }
            out += p
        }
        return out.isEmpty ? nil : out
    }

    /// A field test as anchors: the longest literal of each value's pattern (any value may match), or for `|all`
    /// the longest of all (every value must match). Nil when a value is not a pattern with a literal of 2+ bytes.
    static func test(_ t: FieldTest, _ renames: [String: String]) -> [Anchor]? {
        guard t.existence == nil, !t.null else { return nil }
        let field = t.field.isEmpty ? "*" : (renames[t.field.lowercased()] ?? t.field).lowercased()
        var literals: [[UInt8]] = []
        for m in t.matchers {
            switch m {
            case .pattern(let g, let cased):
                var lit = g.longestLiteral
                if cased { lit = Array(String(decoding: lit, as: UTF8.self).lowercased().utf8) }
                guard lit.count >= 2 else { if t.all { continue } else { return nil } }
                literals.append(lit)
            case .regex(let r):
                // Each top-level alternative of the expression must contain one of these literals.
                guard let alts = RegexLiterals.necessary(r.pattern) else { if t.all { continue } else { return nil } }
                if t.all, alts.count > 1 { continue }
                literals += alts
            default:
                return nil
            }
        }
        guard !literals.isEmpty else { return nil }
        if t.all, let longest = literals.max(by: { $0.count < $1.count }) { return [Anchor(field: field, literal: longest)] }
        return literals.map { Anchor(field: field, literal: $0) }
    }
}

/// Literals a regular expression's every match must contain: per top-level alternative, its longest run of plain
/// characters outside groups, classes and optional items (lower-cased, at least 3 bytes). Nil when an alternative
/// has none, so the rule stays a candidate for every event.
enum RegexLiterals {
    static func necessary(_ pattern: String) -> [[UInt8]]? {
        var p = Substring(pattern)
        // Leading inline flags `(?i)`, `(?is)`.
        if p.hasPrefix("(?"), let close = p.firstIndex(of: ")"),
           p[p.index(p.startIndex, offsetBy: 2)..<close].allSatisfy({ "imsx".contains($0) }) {
            p = p[p.index(after: close)...]
        }
        var out: [[UInt8]] = []
        for alt in topLevelAlternatives(p) {
            guard let lit = longestRun(alt), lit.count >= 3 else { return nil }
            out.append(lit)
        }
        return out.isEmpty ? nil : out
    }

    static func topLevelAlternatives(_ p: Substring) -> [Substring] {
        var out: [Substring] = []
        var depth = 0
        var inClass = false
        var start = p.startIndex
        var i = p.startIndex
        while i < p.endIndex {
            let c = p[i]
            if c == "\\" {
                i = p.index(after: i)
                if i < p.endIndex { i = p.index(after: i) }
                continue
            }
            if inClass { if c == "]" { inClass = false } }
            else if c == "[" { inClass = true }
            else if c == "(" { depth += 1 }
            else if c == ")" { depth -= 1 }
            else if c == "|", depth == 0 {
                out.append(p[start..<i])
                start = p.index(after: i)
            }
            i = p.index(after: i)
        }
        out.append(p[start..<p.endIndex])
        return out
    }

    /// The longest run of literal characters at the top level of one alternative.
    static func longestRun(_ p: Substring) -> [UInt8]? {
        var best: [UInt8] = []
        var run: [UInt8] = []
        func close() { if run.count > best.count { best = run }; run = [] }
        let b = Array(p.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\\"):
                guard i + 1 < b.count else { close(); i += 1; continue }
                let n = b[i + 1]
                // Escaped punctuation is literal; `\d`, `\s`, `\w`, `\b` and the like are not.
                if !(n >= 0x30 && n <= 0x39) && !(n >= 0x41 && n <= 0x5A) && !(n >= 0x61 && n <= 0x7A) {
                    run.append(n)
                } else {
                    close()
                }
                i += 2
                continue
            case UInt8(ascii: "("):
                // Skip the whole group: it may be optional or an alternation.
                close()
                var depth = 0
                while i < b.count {
                    if b[i] == UInt8(ascii: "\\") { i += 2; continue }
                    if b[i] == UInt8(ascii: "(") { depth += 1 }
                    if b[i] == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
                    i += 1
                }
                i += 1
                // A quantifier after the group changes nothing already closed.
                continue
            case UInt8(ascii: "["):
                close()
                while i < b.count, b[i] != UInt8(ascii: "]") { if b[i] == UInt8(ascii: "\\") { i += 1 }; i += 1 }
                i += 1
                continue
            case UInt8(ascii: "?"), UInt8(ascii: "*"):
                // The character before is optional: it leaves the run.
                if !run.isEmpty { run.removeLast() }
                close()
            case UInt8(ascii: "{"):
                // `x{0,3}` makes x optional; `x{2,}` keeps one x, but stop the run there either way.
                let optional = i + 1 < b.count && b[i + 1] == UInt8(ascii: "0")
                if optional, !run.isEmpty { run.removeLast() }
                close()
                while i < b.count, b[i] != UInt8(ascii: "}") { i += 1 }
            case UInt8(ascii: "+"):
                close()
            case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "|"), UInt8(ascii: ")"):
                close()
            default:
                run.append(c)
            }
            i += 1
        }
        close()
        guard !best.isEmpty else { return nil }
        return Array(String(decoding: best, as: UTF8.self).lowercased().utf8)
    }
}

/// The candidates of one (channel, event id) bucket with their index: per field, an automaton over the anchors'
/// literals; a literal found makes its rules candidates; rules without anchors are always candidates.
final class BucketIndex {
    let candidates: [(rule: Int, source: LogsourceMapping.Source)]
    private(set) var always: [Int] = []
    /// One field's automaton and the candidates each literal belongs to (a class: iterating copies nothing).
    final class FieldIndex {
        let field: String
        let automaton: LiteralAutomaton
        let owners: [[Int]]
        init(_ field: String, _ automaton: LiteralAutomaton, _ owners: [[Int]]) {
            self.field = field
            self.automaton = automaton
            self.owners = owners
        }
    }
    private var automata: [FieldIndex] = []

    /// One field's automaton while it is built (a class, so growing it never copies it).
    final class Builder {
        var automaton = LiteralAutomaton()
        var owners: [[Int]] = []
        var ids: [[UInt8]: Int] = [:]
    }

    init(candidates: [(rule: Int, source: LogsourceMapping.Source)], rules: [SigmaRule]) {
        self.candidates = candidates
        var byField: [String: Builder] = [:]
        for (i, c) in candidates.enumerated() {
            guard let anchors = Anchors.of(rules[c.rule].condition, rules[c.rule], renames: c.source.renames) else {
                always.append(i)
                continue
            }
            for a in anchors {
                let b: Builder
                if let existing = byField[a.field] { b = existing } else { b = Builder(); byField[a.field] = b }
                if let id = b.ids[a.literal] {
                    if b.owners[id].last != i { b.owners[id].append(i) }
                } else {
                    let id = b.automaton.add(a.literal)
                    b.ids[a.literal] = id
                    b.owners.append([i])
                }
            }
        }
        for (field, b) in byField.sorted(by: { $0.key < $1.key }) {
            b.automaton.build()
            automata.append(FieldIndex(field, b.automaton, b.owners))
        }
    }

    /// Indices into `candidates` worth evaluating for this event, in order. `flag` is the caller's scratch (one per
    /// thread: events are evaluated on several at once), all false on entry and on return.
    func select(_ view: inout EventView, flag: inout [Bool]) -> [Int] {
        if flag.count < candidates.count { flag = [Bool](repeating: false, count: candidates.count) }
        var out = always
        for c in always { flag[c] = true }
        for index in automata {
            let values = index.field == "*" ? view.allText : view.values(lowered: index.field, renames: [:])
            for v in values {
                index.automaton.search(v.lower) { id in
                    for c in index.owners[id] where !flag[c] {
                        flag[c] = true
                        out.append(c)
                    }
                }
            }
        }
        for c in out { flag[c] = false }
        out.sort()
        return out
    }
}

import Foundation
import JikochoModel
import Timeline

/// One question's mark: what it is worth, what the answer earned, and what was missed and why.
public struct GradeItem: Sendable {
    public var question: String
    public var points: Double
    public var earned: Double
    public var notes: [String]
}

public struct Grade: Sendable {
    public var items: [GradeItem]
    public var total: Double { items.reduce(0) { $0 + $1.earned } }
    public var possible: Double { items.reduce(0) { $0 + $1.points } }
}

/// Compares an answer with an exercise's key, question by question.
///
/// - cyber cause (20): the same yes or no;
/// - root cause (20): the key's particulars (addresses, accounts, hosts, values, points: its words with a digit,
///   a hyphen or a colon) found in the answer's sentence;
/// - chain (30): each key step found in the answer (same kind and asset, within the key's tolerance, the fields the
///   answer gives agreeing); a step naming what the key says is not the cause costs a step;
/// - clocks (15): each offset within 2 s (or 5 %) of the key's (no correction counts as 0); half when the direction is right and it is within 20 %;
/// - techniques (15): the share of the key's found, less a little for each one that is neither in the key nor a
///   parent or child of one in it.
public struct Grader {
    /// What an event reference (`event: 370`) stands for in the case: kind, asset, time and fields.
    public var resolve: (Int64) -> ExerciseAnswer.Step?

    public init(resolve: @escaping (Int64) -> ExerciseAnswer.Step? = { _ in nil }) { self.resolve = resolve }

    public func grade(_ answer: ExerciseAnswer, key: ExerciseAnswer) -> Grade {
        [cyberCause(answer, key), rootCause(answer, key), chain(answer, key), clocks(answer, key), techniques(answer, key)]
            .reduce(into: Grade(items: [])) { $0.items.append($1) }
    }

    func cyberCause(_ a: ExerciseAnswer, _ k: ExerciseAnswer) -> GradeItem {
        let want = k.cyberCause ?? false
        guard let said = a.cyberCause else {
            return GradeItem(question: "cyber_cause", points: 20, earned: 0, notes: ["no answer to whether a cyber event caused it"])
        }
        return said == want
            ? GradeItem(question: "cyber_cause", points: 20, earned: 20, notes: [])
            : GradeItem(question: "cyber_cause", points: 20, earned: 0,
                        notes: [want ? "the key finds a cyber cause: \(k.rootCause)" : "the key finds no cyber cause"])
    }

    /// Words of the key's root cause that carry its particulars.
    static func particulars(_ text: String) -> [String] {
        var out: [String] = []
        for raw in text.split(whereSeparator: { $0.isWhitespace || "(),;\"".contains($0) }) {
            let w = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".'’:")).lowercased()
            let word = w.hasSuffix("'s") ? String(w.dropLast(2)) : w
            guard word.count >= 3, word.contains(where: { $0.isNumber || $0 == "-" || $0 == ":" }) else { continue }
            // Clock readings are graded with the chain, in whatever zone; in a sentence they would only test the zone.
            if word.range(of: #"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"#, options: .regularExpression) != nil { continue }
            if !out.contains(word) { out.append(word) }
        }
        return out
    }

    func rootCause(_ a: ExerciseAnswer, _ k: ExerciseAnswer) -> GradeItem {
        let wanted = Self.particulars(k.rootCause)
        guard !wanted.isEmpty else {
            let ok = !a.rootCause.isEmpty
            return GradeItem(question: "root_cause", points: 20, earned: ok ? 20 : 0, notes: ok ? [] : ["no root cause given"])
        }
        // `P-101`, `P101` and `p_101` are the same pump.
        func plain(_ s: String) -> String { s.lowercased().filter { $0 != "-" && $0 != "_" } }
        let said = plain(a.rootCause)
        let missing = wanted.filter { !said.contains(plain($0)) }
        let earned = 20 * Double(wanted.count - missing.count) / Double(wanted.count)
        return GradeItem(question: "root_cause", points: 20, earned: earned,
                         notes: missing.isEmpty ? [] : ["the root cause does not name: \(missing.joined(separator: ", "))"])
    }

    func chain(_ a: ExerciseAnswer, _ k: ExerciseAnswer) -> GradeItem {
        let given = a.chain.map { s -> ExerciseAnswer.Step in
            guard let id = s.event, var r = resolve(id) else { return s }
            for (f, v) in s.fields { r.fields[f] = v }
            return r
        }
        guard !k.chain.isEmpty else {
            if given.isEmpty { return GradeItem(question: "chain", points: 30, earned: 30, notes: []) }
            let decoys = Self.decoys(given, Set(), k)
            return GradeItem(question: "chain", points: 30, earned: decoys.isEmpty ? 15 : 0,
                             notes: ["the key has no chain (no cyber cause); the answer gives \(given.count) "
                                     + "step\(given.count == 1 ? "" : "s")"] + decoys)
        }
        var used = Set<Int>()
        var notes: [String] = []
        var found = 0
        for (n, ks) in k.chain.enumerated() {
            var why = "not in the answer"
            let hit = given.indices.first { i in
                guard !used.contains(i) else { return false }
                let g = given[i]
                guard let gk = g.kind, gk.lowercased() == ks.kind?.lowercased() else { return false }
                guard g.asset?.lowercased() == ks.asset?.lowercased() else { return false }
                if let gt = g.time, let kt = ks.time {
                    let off = abs(Double(gt.nanoseconds - kt.nanoseconds) / 1e9)
                    if off > max(ks.tolerance, 1) { why = "\(gk) on \(g.asset ?? "?") is \(Int(off.rounded())) s from the key's time"; return false }
                } else if g.time == nil {
                    why = "\(gk) on \(g.asset ?? "?") has no time"
                    return false
                }
                for (f, v) in ks.fields {
                    if let gv = g.fields[f], gv.lowercased() != v.lowercased() {
                        why = "\(gk) on \(g.asset ?? "?"): \(f) is \(gv), the key's \(v)"
                        return false
                    }
                }
                return true
            }
            if let i = hit {
                used.insert(i)
                found += 1
            } else {
                let desc = [ks.kind, ks.asset.map { "on \($0)" }, ks.fields["user"].map { "by \($0)" },
                            ks.time.map { "at \($0.iso8601(precision: .seconds))" }].compactMap { $0 }.joined(separator: " ")
                notes.append("step \(n + 1) (\(desc)) missed: \(why)")
            }
        }
        let decoys = Self.decoys(given, used, k)
        notes += decoys
        let score = max(0, Double(found - decoys.count)) / Double(k.chain.count)
        return GradeItem(question: "chain", points: 30, earned: 30 * score, notes: notes)
    }

    /// Steps (not matched to the key's) that name what the key says is not the cause, each with the key's reason.
    static func decoys(_ given: [ExerciseAnswer.Step], _ used: Set<Int>, _ k: ExerciseAnswer) -> [String] {
        var out: [String] = []
        for (i, g) in given.enumerated() where !used.contains(i) {
            // The account is what tells one session from another; the host only when no account is given.
            let words = (g.fields["user"].map { [$0] } ?? [g.asset].compactMap { $0 }).map { $0.lowercased() }.filter { $0.count >= 3 }
            if let d = k.notTheCause.first(where: { nc in words.contains { nc.what.lowercased().contains($0) } }) {
                out.append("\(g.kind ?? "a step") on \(g.asset ?? "?")\(g.fields["user"].map { " by \($0)" } ?? "") is \(d.what), "
                           + "not the cause: \(d.why)")
            }
        }
        return out
    }

    func clocks(_ a: ExerciseAnswer, _ k: ExerciseAnswer) -> GradeItem {
        guard !k.clockOffsets.isEmpty else {
            let extra = a.clockOffsets.filter { abs($0.value) > 2 }
            return GradeItem(question: "clock", points: 15, earned: extra.isEmpty ? 15 : 7.5,
                             notes: extra.isEmpty ? [] : ["the key needs no clock correction; the answer moves \(extra.keys.sorted().joined(separator: ", "))"])
        }
        var earned = 0.0
        var notes: [String] = []
        let each = 15 / Double(k.clockOffsets.count)
        for (clock, want) in k.clockOffsets.sorted(by: { $0.key < $1.key }) {
            guard let got = a.clockOffsets[clock] else {
                // Leaving a clock as it is, is right when the key's offset is within the tolerance of none.
                if abs(want) <= 2 { earned += each } else { notes.append("no offset for \(clock) (the key: \(want) s)") }
                continue
            }
            let off = abs(got - want)
            if off <= max(2, abs(want) * 0.05) {
                earned += each
            } else if (got >= 0) == (want >= 0), off <= abs(want) * 0.2 {
                earned += each / 2
                notes.append("\(clock): \(got) s, the key \(want) s (the right direction, \(Int(off.rounded())) s off)")
            } else {
                notes.append("\(clock): \(got) s, the key \(want) s" + ((got >= 0) != (want >= 0) ? " (the wrong direction)" : ""))
            }
        }
        return GradeItem(question: "clock", points: 15, earned: earned, notes: notes)
    }

    func techniques(_ a: ExerciseAnswer, _ k: ExerciseAnswer) -> GradeItem {
        let key = Set(k.techniques.map { $0.uppercased() })
        let got = Set(a.techniques.map { $0.uppercased() })
        guard !key.isEmpty else {
            return GradeItem(question: "techniques", points: 15, earned: got.isEmpty ? 15 : 10,
                             notes: got.isEmpty ? [] : ["the key names no technique"])
        }
        let hit = key.intersection(got)
        func related(_ t: String) -> Bool {
            key.contains { $0.hasPrefix(t + ".") || t.hasPrefix($0 + ".") }
        }
        let extra = got.subtracting(key).filter { !related($0) }
        let missed = key.subtracting(got)
        let earned = max(0, 15 * Double(hit.count) / Double(key.count) - Double(extra.count) * 0.5)
        var notes: [String] = []
        if !missed.isEmpty { notes.append("missed: " + missed.sorted().joined(separator: ", ")) }
        if !extra.isEmpty { notes.append("not in the key: " + extra.sorted().joined(separator: ", ")) }
        return GradeItem(question: "techniques", points: 15, earned: earned, notes: notes)
    }
}

import Foundation
import JikochoModel
import Yams

/// An exercise's `scenario.yaml` (briefing, questions, answer key), and a trainee's answers in the key's shape.
public struct Scenario: Sendable {
    public struct Question: Sendable {
        public var id: String
        public var ask: String
    }

    public var name: String
    public var title: String
    public var briefing: String
    public var questions: [Question]
    /// The key; nil in a trainee's copy.
    public var answer: ExerciseAnswer?
    /// The evidence files with what each is (`path`, `what`, `clock`), as the briefing lists them.
    public var evidence: [[String: String]]

    public static func load(path: String) throws -> Scenario {
        try parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> Scenario {
        guard let root = try PlainYAML.load(text, file: file) as? [String: Any] else {
            throw ExerciseKeyError("\(file): not a mapping")
        }
        let questions = (root["questions"] as? [[String: Any]] ?? []).map {
            Question(id: $0["id"] as? String ?? "?", ask: $0["ask"] as? String ?? "")
        }
        let answer = try (root["answer"] as? [String: Any]).map { try ExerciseAnswer(mapping: $0, file: file) }
        let evidence = (root["evidence"] as? [[String: Any]] ?? []).map { $0.mapValues { "\($0)" } }
        return Scenario(name: root["name"] as? String ?? "", title: root["title"] as? String ?? "",
                        briefing: root["briefing"] as? String ?? "", questions: questions, answer: answer,
                        evidence: evidence)
    }
}

public struct ExerciseKeyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// What happened, in the shape every side uses: the key, a trainee's answer, a report's `conclusion`.
public struct ExerciseAnswer: Sendable {
    public struct Step: Sendable {
        public var kind: String?
        public var asset: String?
        public var time: Timestamp?
        /// Seconds either side of `time` that still count (the key's).
        public var tolerance: Double
        /// A reference to an event of the case instead of kind, asset and time.
        public var event: Int64?
        /// Other fields (`user`, `src`, `point`, `value`, `tag`) as text.
        public var fields: [String: String]

        public init(kind: String?, asset: String?, time: Timestamp?, tolerance: Double = 0, event: Int64? = nil,
                    fields: [String: String] = [:]) {
            self.kind = kind
            self.asset = asset
            self.time = time
            self.tolerance = tolerance
            self.event = event
            self.fields = fields
        }
    }

    public struct NotTheCause: Sendable {
        public var what: String
        public var why: String
    }

    public var cyberCause: Bool?
    public var rootCause: String
    public var clockOffsets: [String: Double]
    public var chain: [Step]
    public var techniques: [String]
    public var notTheCause: [NotTheCause]

    /// From a YAML or JSON mapping (`answer:` of a scenario, a trainee's file, a report's `conclusion`).
    public init(mapping a: [String: Any], file: String) throws {
        func number(_ v: Any?) -> Double? {
            (v as? Double) ?? (v as? Int).map(Double.init) ?? (v as? String).flatMap(Double.init)
        }
        cyberCause = a["cyber_cause"] as? Bool
        rootCause = a["root_cause"] as? String ?? ""
        var offsets: [String: Double] = [:]
        for (k, v) in a["clock_offsets"] as? [String: Any] ?? [:] {
            guard let n = number(v) else { throw ExerciseKeyError("\(file): clock_offsets.\(k): \(v) is not a number of seconds") }
            offsets[k] = n
        }
        clockOffsets = offsets
        chain = try (a["chain"] as? [[String: Any]] ?? []).enumerated().map { i, s in
            var time: Timestamp?
            if let t = s["time"] {
                guard let text = t as? String, let c = TimeParser.iso8601(text), let ts = c.timestamp(assumingOffset: 0) else {
                    throw ExerciseKeyError("\(file): chain[\(i)].time: \(t) is not an ISO 8601 time")
                }
                time = ts
            }
            var event: Int64?
            if let e = s["event"] {
                guard let n = (e as? Int).map(Int64.init) ?? (e as? String).flatMap({ Int64($0.trimmingCharacters(in: CharacterSet(charactersIn: "# "))) }) else {
                    throw ExerciseKeyError("\(file): chain[\(i)].event: \(e) is not an event number")
                }
                event = n
            }
            var fields: [String: String] = [:]
            for (k, v) in s where !["kind", "asset", "time", "tolerance_s", "event", "evidence", "step", "role", "message",
                                    "techniques", "notes", "link_to_next", "recorded_time"].contains(k) {
                if let d = v as? Double, d == d.rounded() { fields[k] = String(Int64(d)) } else { fields[k] = "\(v)" }
            }
            return Step(kind: s["kind"] as? String, asset: s["asset"] as? String, time: time,
                        tolerance: number(s["tolerance_s"]) ?? 0, event: event, fields: fields)
        }
        techniques = (a["techniques"] as? [Any] ?? []).map { "\($0)" }
        notTheCause = (a["not_the_cause"] as? [[String: Any]] ?? []).map {
            NotTheCause(what: $0["what"] as? String ?? "", why: $0["why"] as? String ?? "")
        }
    }

    /// A trainee's answers file: the key's fields at the top, or under `answer:`.
    public static func load(path: String) throws -> ExerciseAnswer {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let root = try PlainYAML.load(text, file: path) as? [String: Any] else { throw ExerciseKeyError("\(path): not a mapping") }
        return try ExerciseAnswer(mapping: root["answer"] as? [String: Any] ?? root["conclusion"] as? [String: Any] ?? root,
                                  file: path)
    }
}

/// YAML as plain values (`[String: Any]`, `[Any]`, scalars by their resolved tag), built from Yams's node tree.
/// Yams's own `load(yaml:)` traps on a mapping key that is not a scalar (`? [a, b] : c`, found by fuzzing): here
/// such a key is a named mistake, and the mapping nesting is bounded.
public enum PlainYAML {
    public static let maxDepth = 64

    public static func load(_ text: String, file: String) throws -> Any? {
        guard let node = try Yams.compose(yaml: text) else { return nil }
        return try value(node, file: file, depth: 0)
    }

    static func value(_ node: Node, file: String, depth: Int) throws -> Any {
        guard depth < maxDepth else {
            throw ExerciseKeyError("\(file):\(node.mark?.line ?? 0): nested more than \(maxDepth) deep")
        }
        switch node {
        case .scalar:
            return node.any
        case .sequence(let items):
            return try items.map { try value($0, file: file, depth: depth + 1) }
        case .mapping(let pairs):
            var out: [String: Any] = [:]
            for (k, v) in pairs {
                guard case .scalar(let key) = k else {
                    throw ExerciseKeyError("\(file):\(k.mark?.line ?? 0): a key must be plain text, not a list or a mapping")
                }
                out[key.string] = try value(v, file: file, depth: depth + 1)
            }
            return out
        case .alias:
            return NSNull()
        }
    }
}

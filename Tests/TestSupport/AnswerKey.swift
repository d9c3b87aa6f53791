import Foundation
import JikochoModel
import Yams

/// The `answer` section of an exercise's scenario.yaml, as the tests compare with it.
public struct AnswerKey {
    public struct Step {
        public var kind: String
        public var asset: String
        public var time: Timestamp
        public var tolerance: Double
        /// Every other field of the step (`user`, `src`, `point`, `value`, `tag`) as text.
        public var fields: [String: String]
        public var user: String? { fields["user"] }
    }

    public enum KeyError: Error, CustomStringConvertible {
        case bad(String)
        public var description: String { if case .bad(let s) = self { return "answer key: \(s)" } else { return "" } }
    }

    public var cyberCause: Bool
    public var rootCause: String
    public var clockOffsets: [String: Double]
    public var chain: [Step]
    public var techniques: [String]

    /// The key of a committed exercise under `Evidence/`.
    public static func load(exercise: String) throws -> AnswerKey {
        let path = TestPaths.repoRoot.appendingPathComponent("Evidence/\(exercise)/scenario.yaml").path
        return try parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    public static func parse(_ text: String) throws -> AnswerKey {
        guard let root = try Yams.load(yaml: text) as? [String: Any], let a = root["answer"] as? [String: Any] else {
            throw KeyError.bad("no answer section")
        }
        func number(_ v: Any?) -> Double? { (v as? Double) ?? (v as? Int).map(Double.init) }
        let chain = try (a["chain"] as? [[String: Any]] ?? []).map { s -> Step in
            guard let kind = s["kind"] as? String, let asset = s["asset"] as? String, let time = s["time"] as? String,
                  let t = TimeParser.iso8601(time)?.timestamp() else { throw KeyError.bad("chain step \(s)") }
            var fields: [String: String] = [:]
            for (k, v) in s where !["kind", "asset", "time", "tolerance_s"].contains(k) { fields[k] = "\(v)" }
            return Step(kind: kind, asset: asset, time: t, tolerance: number(s["tolerance_s"]) ?? 0, fields: fields)
        }
        var offsets: [String: Double] = [:]
        for (k, v) in a["clock_offsets"] as? [String: Any] ?? [:] { offsets[k] = number(v) }
        return AnswerKey(cyberCause: a["cyber_cause"] as? Bool ?? false, rootCause: a["root_cause"] as? String ?? "",
                         clockOffsets: offsets, chain: chain, techniques: a["techniques"] as? [String] ?? [])
    }
}

import Foundation
import JikochoModel
import Yams

/// One mistake in a playbook file, where a person finds it: `Playbooks/ICS/X.yaml:12:5: steps[1].within: …`.
public struct PlaybookProblem: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String
    public var problem: String
    public var description: String { "\(file):\(line): \(key): \(problem)" }
}

/// A playbook: what an investigator looks for, step by step, and the conclusion it draws.
///
/// ```yaml
/// name: ICS.Process.RemoteSetpointTampering      # dotted, matching the path under Playbooks/
/// title: Remote-access takeover of an HMI leading to a setpoint change
/// attack: [T0822, T0823, T0836]
/// parameters:
///   window: {type: duration, default: 30m}
/// preconditions: [auth.logon|remote.control_start, process.setpoint_change]   # event kinds the evidence must have
///                                                   # (`a|b`: either)
///                                                   # (`inventory`: the case must hold the site's asset inventory)
/// steps:
///   - id: logon
///     match: {kind: auth.logon, asset_role: hmi, logon_type: "10"}
///   - id: write
///     after: logon
///     within: "{window}"
///     match: {kind: {startswith: ics.}, kind_contains: write, src_asset: "{logon.asset}"}
/// conclusion:
///   root_cause: "{logon.user} logged on to {logon.asset} from {logon.src_ip} and wrote to {write.dst_asset}"
///   severity: critical
///   recommendations: [...]
/// ```
public struct Playbook: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var type: String         // duration, number, text, list
        public var value: JSONValue
    }

    /// One field condition of a step: `field: value`, or `field: {op: value}`.
    public struct Condition: Sendable {
        public var field: String
        public var op: String           // equals, in, contains, startswith, endswith, regex, cidr, gt, gte, lt, lte, exists
        public var value: JSONValue
    }

    public struct Step: Sendable {
        public var id: String
        public var title: String?
        public var conditions: [Condition]
        /// The step it follows, and how soon (nanoseconds).
        public var after: String?
        public var within: Int64?
        /// `at_least: N` matches of this step within `within` (grouped `by` a field) make one match.
        public var atLeast: Int?
        public var by: String?
        /// The event kinds (or prefixes) the step can match: a prefilter taken from its `kind` condition.
        public var kinds: [String]
        /// Sigma rules the event must match as well (`sigma: sigma/ics/x.yml`, under the playbooks folder).
        public var sigma: [SigmaRule] = []
        /// `optional: true`: the finding stands without it, and says it was not seen.
        public var optional = false
        /// `before: STEP`: the event comes before that step's, by at most `within` (default a day).
        public var before: String?
        /// `chain: {reaches_outside: true, remote: true, min_steps: 3, through: jump-host}`: the event is the
        /// physical effect at the end of a causal chain with these properties (see `ChainBuilder`).
        public var chain: ChainQuery?
        /// `new: FIELD`: the event's value of FIELD was not seen, from the same asset, in events of the step's kinds
        /// before the step it follows (a first-seen destination, domain, client).
        public var new: String?
    }

    /// What a chain step asks of the causal chain behind its event.
    public struct ChainQuery: Sendable {
        /// The chain reaches an address outside the site.
        public var reachesOutside: Bool?
        /// The chain runs through a remote session (remote desktop, SSH, VPN).
        public var remote: Bool?
        public var minSteps: Int?
        /// An asset of this role is on the chain.
        public var through: String?
        /// The effect undoes an earlier change (false: only changes away from the usual value).
        public var restores: Bool?
        /// The effect is a measured value that shows what the chain's write put at its point (a measurement
        /// overwritten: an instrument in simulation, an input forced).
        public var overwritesMeasurement: Bool?
    }

    public var name: String
    public var title: String
    public var description: String?
    public var references: [String]
    public var attack: [String]
    public var parameters: [Parameter]
    public var preconditions: [String]
    /// The precondition that asks for the site's asset inventory rather than events of a kind.
    public static let inventoryPrecondition = "inventory"
    public var steps: [Step]
    public var rootCause: String
    public var severity: Finding.Severity
    public var recommendations: [String]
    public var file: String
}

public enum PlaybookLoader {
    static let topKeys: Set<String> = ["name", "title", "description", "references", "attack", "parameters",
                                       "preconditions", "steps", "conclusion", "author", "date"]
    static let stepKeys: Set<String> = ["id", "title", "match", "after", "before", "within", "at_least", "by", "sigma",
                                        "optional", "new", "chain"]
    static let chainKeys: Set<String> = ["reaches_outside", "remote", "min_steps", "through", "restores", "overwrites_measurement"]
    static let ops: Set<String> = ["equals", "in", "contains", "startswith", "endswith", "regex", "cidr", "not_cidr", "gt", "gte",
                                   "lt", "lte", "exists", "not"]

    /// Every playbook under the paths (files or folders), and every mistake of those that do not load.
    public static func load(paths: [String], root: String? = nil) -> (playbooks: [Playbook], problems: [PlaybookProblem]) {
        var books: [Playbook] = []
        var problems: [PlaybookProblem] = []
        for file in SigmaLoader.files(paths) where !file.contains("/sigma/") {
            do {
                books.append(try load(file: file, root: root))
            } catch let e as PlaybookErrors {
                problems += e.problems
            } catch {
                problems.append(PlaybookProblem(file: file, line: 0, key: "file", problem: "\(error)"))
            }
        }
        return (books, problems)
    }

    struct PlaybookErrors: Error { var problems: [PlaybookProblem] }

    /// The kind prefix every match of an anchored expression has: `^ics\\.[a-z0-9]+\\.(plc_stop|…)$` → `ics`. Its
    /// literal start, up to its last dot; nil without one, or when the expression has alternatives at its top level.
    public static func kindPrefix(regex: String) -> String? {
        guard regex.hasPrefix("^"), RegexLiterals.topLevelAlternatives(Substring(regex)).count == 1 else { return nil }
        var literal = ""
        var chars = regex.dropFirst().makeIterator()
        while let c = chars.next() {
            if c.isASCII, c.isLetter || c.isNumber || c == "_" || c == "-" {
                literal.append(c)
            } else if c == "\\", let n = chars.next(), n == "." {
                literal.append(".")
            } else {
                // A quantifier that can leave out the last literal character: it is not part of the prefix.
                if c == "?" || c == "*" || c == "{", !literal.isEmpty { literal.removeLast() }
                break
            }
        }
        guard let dot = literal.lastIndex(of: "."), dot > literal.startIndex else { return nil }
        return String(literal[..<dot])
    }

    /// Reads one playbook; with `root`, its name must be its path under it (`ICS/Process/X.yaml` ↔ `ICS.Process.X`).
    public static func load(file: String, root: String? = nil) throws -> Playbook {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw PlaybookErrors(problems: [PlaybookProblem(file: file, line: 0, key: "file", problem: "cannot be read as UTF-8 text")])
        }
        return try parse(text, file: file, root: root)
    }

    public static func parse(_ text: String, file: String, root: String? = nil) throws -> Playbook {
        var problems: [PlaybookProblem] = []
        func problem(_ n: Node?, _ key: String, _ text: String) {
            problems.append(PlaybookProblem(file: file, line: n?.mark?.line ?? 0, key: key, problem: text))
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw PlaybookErrors(problems: [PlaybookProblem(file: file, line: 0, key: "yaml", problem: "not valid YAML: \(error)")])
        }
        guard case .mapping(let m)? = node else {
            throw PlaybookErrors(problems: [PlaybookProblem(file: file, line: 1, key: "playbook", problem: "a playbook is a mapping")])
        }
        for (k, _) in m where !topKeys.contains(k.string ?? "") {
            problem(k, k.string ?? "?", "unknown key; known: " + topKeys.sorted().joined(separator: ", "))
        }
        let name = m["name"]?.string ?? ""
        if name.isEmpty || !name.split(separator: ".").allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber } }) {
            problem(m["name"], "name", "a dotted name is needed (ICS.Process.RemoteSetpointTampering)")
        } else if let root {
            let rel = (file as NSString).standardizingPath.replacingOccurrences(of: (root as NSString).standardizingPath + "/", with: "")
            let expected = ((rel as NSString).deletingPathExtension).replacingOccurrences(of: "/", with: ".")
            if expected != name { problem(m["name"], "name", "\(name) does not match its path (\(expected))") }
        }
        let title = m["title"]?.string ?? ""
        if title.isEmpty { problem(m["title"], "title", "a title is needed") }
        // Parameters first: steps and conclusions refer to them.
        var parameters: [Playbook.Parameter] = []
        if let p = m["parameters"] {
            if case .mapping(let pm) = p {
                for (k, v) in pm {
                    let pname = k.string ?? "?"
                    guard case .mapping(let spec) = v, let type = spec["type"]?.string else {
                        problem(v, "parameters.\(pname)", "give `type` (duration, number, text, list) and `default`")
                        continue
                    }
                    guard let d = spec["default"] else {
                        problem(v, "parameters.\(pname)", "a default is needed")
                        continue
                    }
                    let value = json(d)
                    switch type {
                    case "duration":
                        if duration(value.text) == nil { problem(d, "parameters.\(pname).default", "\(value.text) is not a duration (30s, 5m, 2h)") }
                    case "number":
                        if Double(value.text) == nil { problem(d, "parameters.\(pname).default", "a number is needed") }
                    case "list":
                        if case .array = value {} else { problem(d, "parameters.\(pname).default", "a list is needed") }
                    case "text": break
                    default: problem(spec["type"], "parameters.\(pname).type", "\(type): use duration, number, text or list")
                    }
                    parameters.append(Playbook.Parameter(name: pname, type: type, value: value))
                }
            } else {
                problem(p, "parameters", "a mapping of name → {type, default} is needed")
            }
        }
        let parameterNames = Set(parameters.map(\.name))
        // Steps.
        var steps: [Playbook.Step] = []
        var ids: Set<String> = []
        if case .sequence(let s)? = m["steps"], !s.isEmpty {
            for (i, sn) in s.enumerated() {
                let at = "steps[\(i)]"
                guard case .mapping(let sm) = sn else { problem(sn, at, "a step is a mapping with `id` and `match`"); continue }
                for (k, _) in sm where !stepKeys.contains(k.string ?? "") {
                    problem(k, "\(at).\(k.string ?? "?")", "unknown key; known: " + stepKeys.sorted().joined(separator: ", "))
                }
                guard let id = sm["id"]?.string, !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    problem(sm["id"] ?? sn, "\(at).id", "every step needs an id of letters, digits and _")
                    continue
                }
                if ids.contains(id) { problem(sm["id"], "\(at).id", "\(id) is used twice") }
                var step = Playbook.Step(id: id, title: sm["title"]?.string, conditions: [], after: sm["after"]?.string,
                                         within: nil, atLeast: nil, by: sm["by"]?.string, kinds: [])
                if let a = step.after, !ids.contains(a) {
                    problem(sm["after"], "\(at).after", "\(a) is not an earlier step")
                }
                if let b = sm["before"] {
                    step.before = b.string
                    if !ids.contains(b.string ?? "") { problem(b, "\(at).before", "\(b.string ?? "?") is not an earlier step") }
                    if step.after != nil { problem(b, "\(at).before", "a step follows one step: give `after` or `before`, not both") }
                }
                if let o = sm["optional"] {
                    if let v = o.bool { step.optional = v } else { problem(o, "\(at).optional", "true or false") }
                    if i == 0, step.optional { problem(o, "\(at).optional", "the first step cannot be optional: the others hang on it") }
                }
                if let ch = sm["chain"] {
                    if case .mapping(let cm) = ch {
                        var q = Playbook.ChainQuery()
                        for (k, v) in cm {
                            let key = k.string ?? ""
                            switch key {
                            case "reaches_outside", "remote", "restores", "overwrites_measurement":
                                guard let b = v.bool else { problem(v, "\(at).chain.\(key)", "true or false"); continue }
                                switch key {
                                case "reaches_outside": q.reachesOutside = b
                                case "remote": q.remote = b
                                case "restores": q.restores = b
                                default: q.overwritesMeasurement = b
                                }
                            case "min_steps":
                                guard let n = v.int, n > 0 else { problem(v, "\(at).chain.min_steps", "a whole number above 0"); continue }
                                q.minSteps = n
                            case "through":
                                guard let r = v.string, !r.isEmpty else { problem(v, "\(at).chain.through", "an asset role"); continue }
                                q.through = r
                            default:
                                problem(k, "\(at).chain.\(key)", "unknown key; known: " + chainKeys.sorted().joined(separator: ", "))
                            }
                        }
                        step.chain = q
                    } else {
                        problem(ch, "\(at).chain", "a mapping such as {reaches_outside: true}")
                    }
                }
                if let n = sm["new"] {
                    if let f = n.string, !f.isEmpty { step.new = f } else { problem(n, "\(at).new", "the field whose value must be new") }
                    if i == 0 { problem(n, "\(at).new", "the first step has no earlier step to be new after") }
                }
                if let w = sm["within"] {
                    let t = w.string ?? ""
                    if let d = durationOrParameter(t, parameters) { step.within = d } else {
                        problem(w, "\(at).within", "\(t) is not a duration or a duration parameter")
                    }
                }
                if let sg = sm["sigma"] {
                    let rel = sg.string ?? ""
                    let base = root ?? (file as NSString).deletingLastPathComponent
                    let path = rel.hasPrefix("/") ? rel : (base as NSString).appendingPathComponent(rel)
                    let set = SigmaLoader.loadAll(paths: [path])
                    if let p = set.problems.first {
                        problem(sg, "\(at).sigma", "\(rel): \(p.reason)")
                    } else if set.rules.isEmpty || !FileManager.default.fileExists(atPath: path) {
                        problem(sg, "\(at).sigma", "\(rel) holds no Sigma rule (paths are under \(base))")
                    } else if let unmapped = SigmaEngine(rules: set.rules).unmapped.first {
                        problem(sg, "\(at).sigma", "\(rel): \(unmapped.reason)")
                    } else {
                        step.sigma = set.rules
                    }
                }
                if let n = sm["at_least"] {
                    let text = n.string ?? ""
                    let fromParameter = text.hasPrefix("{") && text.hasSuffix("}")
                        ? parameters.first { $0.name == String(text.dropFirst().dropLast()) && $0.type == "number" }
                            .flatMap { Int($0.value.text) ?? Double($0.value.text).map { Int($0) } } : nil
                    if let v = n.int ?? fromParameter, v > 0 { step.atLeast = v } else {
                        problem(n, "\(at).at_least", "a whole number above 0, or a number parameter")
                    }
                    if step.within == nil { problem(n, "\(at).at_least", "give `within` for the count's window") }
                }
                if case .mapping(let mm)? = sm["match"] {
                    for (k, v) in mm {
                        let field = k.string ?? ""
                        if case .mapping(let opm) = v {
                            for (ok, ov) in opm {
                                let op = ok.string ?? ""
                                guard ops.contains(op) else {
                                    problem(ok, "\(at).match.\(field).\(op)", "unknown operator; known: " + ops.sorted().joined(separator: ", "))
                                    continue
                                }
                                if op == "regex", (try? NSRegularExpression(pattern: ov.string ?? "")) == nil {
                                    problem(ov, "\(at).match.\(field).regex", "not a regular expression")
                                }
                                step.conditions.append(Playbook.Condition(field: field, op: op, value: json(ov)))
                            }
                        } else if case .sequence = v {
                            step.conditions.append(Playbook.Condition(field: field, op: "in", value: json(v)))
                        } else {
                            step.conditions.append(Playbook.Condition(field: field, op: "equals", value: json(v)))
                        }
                    }
                } else if sm["match"] != nil || sm["sigma"] == nil {
                    problem(sm["match"] ?? sn, "\(at).match", "a mapping of field conditions (or a `sigma` rule) is needed")
                }
                // References to steps and parameters must exist (and steps must come before).
                for c in step.conditions {
                    for ref in references(c.value.text) where !known(ref, parameterNames, ids) {
                        problem(sm["match"], "\(at).match.\(c.field)", "{\(ref)} names no parameter or earlier step")
                    }
                }
                step.kinds = step.conditions.filter { $0.field == "kind" }.flatMap { c -> [String] in
                    // A parameter (`kind: "{kinds}"`) stands for its value.
                    let t = c.value.text
                    if t.hasPrefix("{"), t.hasSuffix("}"), let p = parameters.first(where: { $0.name == String(t.dropFirst().dropLast()) }) {
                        if case .array(let a) = p.value { return a.map(\.text) }
                        return [p.value.text]
                    }
                    switch c.op {
                    case "equals", "startswith": return [c.value.text.hasSuffix(".") ? String(c.value.text.dropLast()) : c.value.text]
                    case "in": if case .array(let a) = c.value { return a.map(\.text) } else { return [] }
                    case "regex": return kindPrefix(regex: t).map { [$0] } ?? []
                    default: return []
                    }
                }
                for (key, ref) in [("after", step.after), ("before", step.before)] {
                    if let r = ref, steps.first(where: { $0.id == r })?.optional == true {
                        problem(sm[key], "\(at).\(key)", "\(r) is optional: follow a step that is always there")
                    }
                }
                ids.insert(id)
                steps.append(step)
            }
        } else {
            problem(m["steps"], "steps", "a list of at least one step is needed")
        }
        // Conclusion.
        var rootCause = ""
        var severity = Finding.Severity.medium
        var recommendations: [String] = []
        if case .mapping(let c)? = m["conclusion"] {
            rootCause = c["root_cause"]?.string ?? ""
            if rootCause.isEmpty { problem(c["root_cause"] ?? m["conclusion"], "conclusion.root_cause", "a root-cause template is needed") }
            for ref in references(rootCause) where !known(ref, parameterNames, ids) {
                problem(c["root_cause"], "conclusion.root_cause", "{\(ref)} names no parameter or step")
            }
            if let s = c["severity"]?.string {
                if let v = Finding.Severity(rawValue: s) { severity = v } else {
                    problem(c["severity"], "conclusion.severity", "\(s): use info, low, medium, high or critical")
                }
            }
            recommendations = SigmaLoader.strings(c["recommendations"])
        } else {
            problem(m["conclusion"], "conclusion", "a conclusion with `root_cause` and `severity` is needed")
        }
        guard problems.isEmpty else { throw PlaybookErrors(problems: problems) }
        return Playbook(name: name, title: title, description: m["description"]?.string,
                        references: SigmaLoader.strings(m["references"]), attack: SigmaLoader.strings(m["attack"]),
                        parameters: parameters, preconditions: SigmaLoader.strings(m["preconditions"]), steps: steps,
                        rootCause: rootCause, severity: severity, recommendations: recommendations, file: file)
    }

    static func json(_ n: Node) -> JSONValue {
        switch n {
        case .sequence(let s): return .array(s.map(json))
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m { o[k.string ?? ""] = json(v) }
            return .object(o)
        default:
            let s = n.string ?? ""
            if case .scalar(let sc) = n, sc.style == .plain {
                if let i = Int64(s) { return .int(i) }
                if let d = Double(s) { return .double(d) }
                if s == "true" || s == "false" { return .bool(s == "true") }
            }
            return .string(s)
        }
    }

    /// Whether each alternative of `{a.x|b.y|param}` names a parameter or a known step.
    static func known(_ ref: String, _ parameters: Set<String>, _ steps: Set<String>) -> Bool {
        let alts = ref.split(separator: "|")
        return alts.enumerated().allSatisfy { i, alt in
            parameters.contains(String(alt)) || steps.contains(String(alt.split(separator: ".").first ?? ""))
                || (i == alts.count - 1 && i > 0 && isLiteral(alt))
        }
    }

    /// The last alternative may be a number, the value when nothing before it has one (`{use.count|0}`).
    static func isLiteral(_ s: Substring) -> Bool { Double(s) != nil }

    /// `{name}` and `{step.field}` references in a template.
    static func references(_ s: String) -> [String] {
        var out: [String] = []
        var rest = Substring(s)
        while let a = rest.firstIndex(of: "{"), let b = rest[a...].firstIndex(of: "}") {
            out.append(String(rest[rest.index(after: a)..<b]))
            rest = rest[rest.index(after: b)...]
        }
        return out
    }

    static func duration(_ s: String) -> Int64? { SigmaCorrelation.duration(s) }

    static func durationOrParameter(_ s: String, _ parameters: [Playbook.Parameter]) -> Int64? {
        if s.hasPrefix("{"), s.hasSuffix("}") {
            let name = String(s.dropFirst().dropLast())
            return parameters.first { $0.name == name && $0.type == "duration" }.flatMap { duration($0.value.text) }
        }
        return duration(s)
    }
}

import Foundation
import Yams

/// A Sigma detection rule (SigmaHQ rule format, specification 2), compiled for our events.
public struct SigmaRule: @unchecked Sendable {
    public struct Logsource: Hashable, Sendable {
        public var product: String?
        public var category: String?
        public var service: String?
    }

    public var id: String?
    /// The name correlation rules refer to it by.
    public var name: String?
    public var title: String
    public var status: String?
    public var level: String?
    public var description: String?
    public var tags: [String]
    public var references: [String]
    public var falsepositives: [String]
    public var logsource: Logsource
    /// The file the rule came from.
    public var file: String
    let searches: [String: Search]
    let condition: Condition

    /// ATT&CK technique ids from the tags (`attack.t1059.001` → `T1059.001`).
    public var techniques: [String] {
        tags.compactMap { t in
            let l = t.lowercased()
            guard l.hasPrefix("attack.t"), l.count > 8 else { return nil }
            return "T" + l.dropFirst(8).uppercased()
        }
    }
}

/// One named search of a rule's `detection`: a map (every field test true), a list of maps (any), or keywords.
enum Search {
    case all([FieldTest])
    case any([[FieldTest]])
    case keywords([ValueMatcher], all: Bool)
}

/// One `field|modifiers: values` line.
struct FieldTest {
    var field: String {
        didSet { lowerField = field.lowercased() }
    }
    /// The field's name in lower case, as events' fields are looked up (made once, not per event).
    private(set) var lowerField: String
    var matchers: [ValueMatcher]
    /// `|all`: every value must match (else any).
    var all: Bool

    init(field: String, matchers: [ValueMatcher], all: Bool) {
        self.field = field
        lowerField = field.lowercased()
        self.matchers = matchers
        self.all = all
    }

    var existence: Bool? {
        if matchers.count == 1, case .exists(let e) = matchers[0] { return e }
        return nil
    }
    var null: Bool { matchers.count == 1 && { if case .null = matchers[0] { true } else { false } }() }
}

/// A rule that cannot run here, and why; or a rule file that is not a rule.
public struct SigmaProblem: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var title: String?
    public var reason: String
    public var description: String {
        "\(file)\(line > 0 ? ":\(line)" : ""): \(title.map { "\($0): " } ?? "")\(reason)"
    }

    public init(file: String, line: Int, title: String?, reason: String) {
        self.file = file
        self.line = line
        self.title = title
        self.reason = reason
    }
}

enum SigmaError: Error { case unsupported(String, line: Int) }

/// What a set of rule files holds.
public struct SigmaRuleSet: Sendable {
    public var rules: [SigmaRule] = []
    public var correlations: [SigmaCorrelation] = []
    public var problems: [SigmaProblem] = []
}

public enum SigmaLoader {
    /// Loads every `.yml`/`.yaml` under the paths (files or folders): the rules that load and the problems of
    /// the others (each rule is all or nothing).
    public static func load(paths: [String], placeholders: [String: [String]] = [:]) -> (rules: [SigmaRule], problems: [SigmaProblem]) {
        let all = loadAll(paths: paths, placeholders: placeholders)
        return (all.rules, all.problems)
    }

    /// Detection rules, correlation rules and the problems of what cannot run, from files and folders.
    public static func loadAll(paths: [String], placeholders: [String: [String]] = [:]) -> SigmaRuleSet {
        var set = SigmaRuleSet()
        for file in files(paths) {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                set.problems.append(SigmaProblem(file: file, line: 0, title: nil, reason: "cannot be read as UTF-8 text"))
                continue
            }
            let one = parseAll(text, file: file, placeholders: placeholders)
            set.rules += one.rules
            set.correlations += one.correlations
            set.problems += one.problems
        }
        return set
    }

    static func files(_ paths: [String]) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var dir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &dir) else { out.append(p); continue }
            if !dir.boolValue { out.append(p); continue }
            let e = fm.enumerator(atPath: p)
            var found: [String] = []
            while let rel = e?.nextObject() as? String {
                if rel.hasSuffix(".yml") || rel.hasSuffix(".yaml") { found.append((p as NSString).appendingPathComponent(rel)) }
            }
            out += found.sorted()
        }
        return out
    }

    /// Parses a rule file (one or more YAML documents): detection rules only.
    public static func parse(_ text: String, file: String, placeholders: [String: [String]] = [:]) -> ([SigmaRule], [SigmaProblem]) {
        let all = parseAll(text, file: file, placeholders: placeholders)
        return (all.rules, all.problems)
    }

    /// Parses a rule file: detection and correlation rules, and the problems of the documents that cannot run.
    public static func parseAll(_ text: String, file: String, placeholders: [String: [String]] = [:]) -> SigmaRuleSet {
        var set = SigmaRuleSet()
        do {
            let parser = try Yams.Parser(yaml: text)
            while let node = try parser.nextRoot() {
                guard case .mapping(let m) = node else {
                    set.problems.append(SigmaProblem(file: file, line: node.mark?.line ?? 0, title: nil, reason: "a rule is a mapping"))
                    continue
                }
                let title = m["title"]?.string
                do {
                    if m["correlation"] != nil {
                        set.correlations.append(try SigmaCorrelation.parse(m, file: file))
                    } else {
                        set.rules.append(try rule(m, file: file, placeholders: placeholders))
                    }
                } catch SigmaError.unsupported(let why, let line) {
                    set.problems.append(SigmaProblem(file: file, line: line, title: title, reason: why))
                } catch {
                    set.problems.append(SigmaProblem(file: file, line: node.mark?.line ?? 0, title: title, reason: "\(error)"))
                }
            }
        } catch {
            set.problems.append(SigmaProblem(file: file, line: 0, title: nil, reason: "not valid YAML: \(error)"))
        }
        return set
    }

    static func strings(_ n: Node?) -> [String] {
        guard let n else { return [] }
        if case .sequence(let s) = n { return s.compactMap(\.string) }
        return n.string.map { [$0] } ?? []
    }

    static func rule(_ m: Node.Mapping, file: String, placeholders: [String: [String]]) throws -> SigmaRule {
        func line(_ n: Node?) -> Int { n?.mark?.line ?? 0 }
        guard let title = m["title"]?.string, !title.isEmpty else {
            throw SigmaError.unsupported("`title` is required", line: 1)
        }
        guard case .mapping(let det)? = m["detection"] else {
            throw SigmaError.unsupported("`detection` is required", line: 1)
        }
        var ls = SigmaRule.Logsource()
        if case .mapping(let l)? = m["logsource"] {
            ls.product = l["product"]?.string?.lowercased()
            ls.category = l["category"]?.string?.lowercased()
            ls.service = l["service"]?.string?.lowercased()
        }
        var searches: [String: Search] = [:]
        var conditionNode: Node?
        for (k, v) in det {
            guard let name = k.string else { continue }
            if name == "condition" { conditionNode = v; continue }
            if name == "timeframe" { continue }
            searches[name] = try search(v, name: name, placeholders: placeholders)
        }
        guard let cn = conditionNode else { throw SigmaError.unsupported("`detection.condition` is required", line: line(m["detection"])) }
        let texts = strings(cn)
        guard !texts.isEmpty else { throw SigmaError.unsupported("the condition is empty", line: line(cn)) }
        var conditions: [Condition] = []
        for t in texts {
            do {
                conditions.append(try ConditionParser.parse(t, searches: Set(searches.keys)))
            } catch ConditionParser.Failure.message(let why) {
                throw SigmaError.unsupported("condition `\(t)`: \(why)", line: line(cn))
            }
        }
        return SigmaRule(
            id: m["id"]?.string, name: m["name"]?.string, title: title, status: m["status"]?.string, level: m["level"]?.string?.lowercased(),
            description: m["description"]?.string, tags: strings(m["tags"]), references: strings(m["references"]),
            falsepositives: strings(m["falsepositives"]), logsource: ls, file: file, searches: searches,
            condition: conditions.count == 1 ? conditions[0] : .or(conditions))
    }

    static func search(_ n: Node, name: String, placeholders: [String: [String]]) throws -> Search {
        switch n {
        case .mapping(let m):
            return .all(try fieldTests(m, placeholders: placeholders))
        case .sequence(let s):
            if s.allSatisfy({ if case .mapping = $0 { true } else { false } }) {
                return .any(try s.map { node -> [FieldTest] in
                    guard case .mapping(let m) = node else { return [] }
                    return try fieldTests(m, placeholders: placeholders)
                })
            }
            // Keywords: plain values searched in the whole record.
            let values = s.compactMap(\.string)
            return .keywords(try values.flatMap {
                try matchers(for: [$0], modifiers: ["contains"], line: n.mark?.line ?? 0, placeholders: placeholders)
            }, all: false)
        case .scalar:
            return .keywords(try matchers(for: [n.string ?? ""], modifiers: ["contains"], line: n.mark?.line ?? 0,
                                          placeholders: placeholders), all: false)
        default:
            throw SigmaError.unsupported("search `\(name)` is neither a map, a list nor a value", line: n.mark?.line ?? 0)
        }
    }

    static func fieldTests(_ m: Node.Mapping, placeholders: [String: [String]]) throws -> [FieldTest] {
        var tests: [FieldTest] = []
        for (k, v) in m {
            guard let key = k.string else { continue }
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let field = parts[0]
            let modifiers = parts.dropFirst().map { $0.lowercased() }
            let line = k.mark?.line ?? 0
            var values: [Node] = []
            if case .sequence(let s) = v { values = Array(s) } else { values = [v] }
            // A key without a field (`'|all': [...]`) searches the whole record, as keywords do.
            if field.isEmpty {
                let texts = values.map { $0.string ?? "" }
                let mods = modifiers.contains(where: { ["contains", "startswith", "endswith", "re", "cidr"].contains($0) })
                    ? modifiers : modifiers + ["contains"]
                tests.append(FieldTest(field: "", matchers: try matchers(for: texts, modifiers: mods, line: line,
                                                                          placeholders: placeholders),
                                       all: modifiers.contains("all")))
                continue
            }
            // A plain `null` (or nothing) means the field is absent or empty; a quoted '' is the empty text.
            if values.count == 1, case .scalar(let sc) = values[0], sc.style == .plain,
               ["null", "Null", "NULL", "~", ""].contains(sc.string), modifiers.isEmpty {
                tests.append(FieldTest(field: field, matchers: [.null], all: false))
                continue
            }
            let texts = values.map { $0.string ?? "" }
            let ms = try matchers(for: texts, modifiers: modifiers, line: line, placeholders: placeholders)
            tests.append(FieldTest(field: field, matchers: ms, all: modifiers.contains("all")))
        }
        return tests
    }

    static let known: Set<String> = ["contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cidr", "base64",
                                     "base64offset", "utf16le", "utf16be", "utf16", "wide", "windash", "exists", "lt",
                                     "lte", "gt", "gte", "fieldref", "cased", "expand"]

    /// The matchers for a field's values under its modifiers: transformations first (expand, windash, wide/utf16,
    /// base64/base64offset), then the comparison (contains/startswith/endswith/re/cidr/numeric/exists/fieldref).
    static func matchers(for values: [String], modifiers: [String], line: Int, placeholders: [String: [String]]) throws -> [ValueMatcher] {
        for m in modifiers where !known.contains(m) {
            throw SigmaError.unsupported("value modifier `\(m)` is not part of the Sigma specification", line: line)
        }
        let mods = Set(modifiers)
        let cased = mods.contains("cased")
        if mods.contains("exists") {
            guard let v = values.first?.lowercased(), v == "true" || v == "false" else {
                throw SigmaError.unsupported("`exists` takes true or false", line: line)
            }
            return [.exists(v == "true")]
        }
        for op in ["lt", "lte", "gt", "gte"] where mods.contains(op) {
            return try values.map { v in
                guard let n = Double(v) else { throw SigmaError.unsupported("`\(op)` needs a number, not \(v)", line: line) }
                return .numeric(op: op, value: n)
            }
        }
        if mods.contains("fieldref") {
            let type = ["startswith", "endswith", "contains"].first { mods.contains($0) } ?? "equals"
            return values.map { .fieldref(field: $0, type: type) }
        }
        if mods.contains("cidr") {
            return try values.map { v in
                guard let c = CIDR(v) else { throw SigmaError.unsupported("`cidr`: \(v) is not a network", line: line) }
                return .cidr(c)
            }
        }
        if mods.contains("re") {
            var options: NSRegularExpression.Options = []
            if mods.contains("i") { options.insert(.caseInsensitive) }
            if mods.contains("m") { options.insert(.anchorsMatchLines) }
            if mods.contains("s") { options.insert(.dotMatchesLineSeparators) }
            return try values.map { v in
                do {
                    return .regex(try NSRegularExpression(pattern: v, options: options))
                } catch {
                    throw SigmaError.unsupported("`re`: \(v) is not a regular expression this engine reads", line: line)
                }
            }
        }
        // Plain values, maybe transformed, then matched as patterns.
        var texts = values
        if mods.contains("expand") {
            texts = try texts.flatMap { v -> [String] in
                var out = [v]
                for name in placeholderNames(v) {
                    guard let subs = placeholders[name], !subs.isEmpty else {
                        throw SigmaError.unsupported("`expand`: no values are configured for the placeholder %\(name)%", line: line)
                    }
                    out = out.flatMap { o in subs.map { o.replacingOccurrences(of: "%\(name)%", with: $0) } }
                }
                return out
            }
        }
        if mods.contains("windash") { texts = texts.flatMap(windash) }
        var encoded: [[UInt8]]? = nil
        if mods.contains("wide") || mods.contains("utf16le") {
            encoded = texts.map { Array($0.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        } else if mods.contains("utf16be") {
            encoded = texts.map { Array($0.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        } else if mods.contains("utf16") {
            encoded = texts.map { [0xFF, 0xFE] + Array($0.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        }
        if mods.contains("base64offset") {
            let raw = encoded ?? texts.map { Array($0.utf8) }
            texts = raw.flatMap(base64Offsets)
            // The encoded forms are literal text: escape wildcards the encoding may not contain (it cannot).
            return texts.map { .pattern(Glob(pieces: [.any, .literal(Array($0.utf8)), .any]), cased: true) }
        }
        if mods.contains("base64") {
            let raw = encoded ?? texts.map { Array($0.utf8) }
            texts = raw.map { Data($0).base64EncodedString() }
            let kind = ["contains", "startswith", "endswith"].first { mods.contains($0) }
            return texts.map { t in
                let lit = Glob.Piece.literal(Array(t.utf8))
                switch kind {
                case "contains": return .pattern(Glob(pieces: [.any, lit, .any]), cased: true)
                case "startswith": return .pattern(Glob(pieces: [lit, .any]), cased: true)
                case "endswith": return .pattern(Glob(pieces: [.any, lit]), cased: true)
                default: return .pattern(Glob(pieces: [lit]), cased: true)
                }
            }
        }
        if encoded != nil {
            throw SigmaError.unsupported("`wide`/`utf16` without `base64` or `base64offset` is not meaningful on text", line: line)
        }
        return texts.map { t in
            var g = Glob(sigma: t, lowercased: !cased)
            var p = g.pieces
            if mods.contains("contains") {
                if p.first != .any { p.insert(.any, at: 0) }
                if p.last != .any { p.append(.any) }
            } else if mods.contains("startswith") {
                if p.last != .any { p.append(.any) }
            } else if mods.contains("endswith") {
                if p.first != .any { p.insert(.any, at: 0) }
            }
            g = Glob(pieces: p)
            return .pattern(g, cased: cased)
        }
    }

    static func placeholderNames(_ v: String) -> [String] {
        var out: [String] = []
        var rest = Substring(v)
        while let a = rest.firstIndex(of: "%") {
            let after = rest[rest.index(after: a)...]
            guard let b = after.firstIndex(of: "%") else { break }
            let name = String(after[..<b])
            if !name.isEmpty { out.append(name) }
            rest = after[after.index(after: b)...]
        }
        return out
    }

    /// Windows command-line switches written with any dash: `-`, `/`, en dash, em dash, horizontal bar. A dash or
    /// slash at the start of a word becomes each of them.
    static func windash(_ v: String) -> [String] {
        let dashes: [Character] = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"]
        guard v.contains(where: { dashes.contains($0) }) else { return [v] }
        return dashes.map { d in
            var out = ""
            var previous: Character? = nil
            for c in v {
                let wordStart = previous == nil || previous == " " || previous == "*"
                if dashes.contains(c), wordStart { out.append(d) } else { out.append(c) }
                previous = c
            }
            return out
        }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The three base64 forms of `raw` at every alignment, trimmed of the characters that depend on its neighbours.
    static func base64Offsets(_ raw: [UInt8]) -> [String] {
        let starts = [0, 2, 3]
        let ends: [Int?] = [nil, -3, -2]
        var out: [String] = []
        for i in 0..<3 {
            let b64 = Array(Data([UInt8](repeating: 0x20, count: i) + raw).base64EncodedString().utf8)
            let end = ends[(raw.count + i) % 3].map { b64.count + $0 } ?? b64.count
            guard starts[i] < end else { continue }
            out.append(String(decoding: b64[starts[i]..<end], as: UTF8.self))
        }
        return out
    }
}

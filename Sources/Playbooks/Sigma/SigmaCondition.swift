/// A rule's condition: searches combined with `and`, `or`, `not`, parentheses and `1 of` / `all of`. The engine
/// evaluates it as an `IndexedCondition` (searches by number); the prefilter reads it as parsed.
indirect enum Condition {
    case search(String)
    case not(Condition)
    case and([Condition])
    case or([Condition])
    /// `1 of selection_*`, `all of them`: the searches the pattern names, resolved when parsed.
    case oneOf([String])
    case allOf([String])
}

/// Recursive descent over Sigma's condition grammar: `or` binds loosest, then `and`, then `not`.
enum ConditionParser {
    enum Failure: Error { case message(String) }

    static func parse(_ text: String, searches: Set<String>) throws -> Condition {
        if text.contains("|") {
            throw Failure.message("aggregations after `|` (count, near) belong to Sigma 1; write a correlation rule instead")
        }
        var tokens = tokenize(text)
        guard !tokens.isEmpty else { throw Failure.message("empty") }
        var p = Parser(tokens: tokens, searches: searches)
        let c = try p.or()
        if p.i < p.tokens.count { throw Failure.message("unexpected `\(p.tokens[p.i])`") }
        tokens.removeAll()
        return c
    }

    static func tokenize(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        for ch in s {
            if ch == "(" || ch == ")" {
                if !cur.isEmpty { out.append(cur); cur = "" }
                out.append(String(ch))
            } else if ch.isWhitespace {
                if !cur.isEmpty { out.append(cur); cur = "" }
            } else {
                cur.append(ch)
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    struct Parser {
        var tokens: [String]
        let searches: Set<String>
        var i = 0

        var peek: String? { i < tokens.count ? tokens[i] : nil }

        mutating func or() throws -> Condition {
            var parts = [try and()]
            while peek?.lowercased() == "or" {
                i += 1
                parts.append(try and())
            }
            return parts.count == 1 ? parts[0] : .or(parts)
        }

        mutating func and() throws -> Condition {
            var parts = [try not()]
            while peek?.lowercased() == "and" {
                i += 1
                parts.append(try not())
            }
            return parts.count == 1 ? parts[0] : .and(parts)
        }

        mutating func not() throws -> Condition {
            if peek?.lowercased() == "not" {
                i += 1
                return .not(try not())
            }
            return try atom()
        }

        mutating func atom() throws -> Condition {
            guard let t = peek else { throw Failure.message("ends where a search was expected") }
            if t == "(" {
                i += 1
                let c = try or()
                guard peek == ")" else { throw Failure.message("a `(` is not closed") }
                i += 1
                return c
            }
            let lower = t.lowercased()
            if (lower == "1" || lower == "any" || lower == "all"), i + 1 < tokens.count, tokens[i + 1].lowercased() == "of" {
                i += 2
                guard let target = peek else { throw Failure.message("`\(t) of` names nothing") }
                i += 1
                let names: [String]
                if target.lowercased() == "them" {
                    // `them`: every search except those starting with `_` (the spec's convention).
                    names = searches.filter { !$0.hasPrefix("_") }.sorted()
                } else {
                    names = searches.filter { Self.glob(target, $0) }.sorted()
                    guard !names.isEmpty else { throw Failure.message("`\(target)` names no search") }
                }
                return lower == "all" ? .allOf(names) : .oneOf(names)
            }
            guard !["and", "or", "not", ")"].contains(lower) else { throw Failure.message("unexpected `\(t)`") }
            guard searches.contains(t) else { throw Failure.message("`\(t)` is not a search of the rule") }
            i += 1
            return .search(t)
        }

        /// `selection_*` style patterns over search names (`*` and `?`).
        static func glob(_ pattern: String, _ name: String) -> Bool {
            Glob(sigma: pattern, lowercased: false).matches(Array(name.utf8))
        }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A value of an event's field, as Sigma compares it: text (matched case-insensitively unless `cased`), and the
/// number it reads as, when it does.
struct FieldValue {
    let text: String
    /// Lower-cased once per field, for the case-insensitive comparisons that are nearly all of them.
    let lower: [UInt8]

    init(_ text: String) {
        self.text = text
        // ASCII, the usual case, without Unicode case mapping.
        var bytes = Array(text.utf8)
        if bytes.allSatisfy({ $0 < 0x80 }) {
            for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] |= 0x20 }
            lower = bytes
        } else {
            lower = Array(text.lowercased().utf8)
        }
    }

    /// The number the text reads as (decimal or `0x` hex), for `lt`/`gt` comparisons only.
    var number: Double? {
        var t = Substring(text)
        while t.first == " " { t = t.dropFirst() }
        while t.last == " " { t = t.dropLast() }
        if t.hasPrefix("0x") || t.hasPrefix("0X"), let v = UInt64(t.dropFirst(2), radix: 16) { return Double(v) }
        return Double(t)
    }
}

/// A compiled test of one value: what a Sigma value with its modifiers means.
indirect enum ValueMatcher {
    /// Wildcard pattern (`*`, `?`), anchored at both ends; `cased` compares bytes as written.
    case pattern(Glob, cased: Bool)
    case regex(NSRegularExpression)
    case cidr(CIDR)
    case numeric(op: String, value: Double)
    /// `exists: true|false` is decided on presence, not value.
    case exists(Bool)
    /// The value of another field of the same event (with an optional match type).
    case fieldref(field: String, type: String)
    /// Sigma's `null`: the field is absent or empty.
    case null

    func matches(_ v: FieldValue, event: (String) -> [FieldValue]) -> Bool {
        switch self {
        case .pattern(let g, let cased):
            return cased ? g.matches(Array(v.text.utf8)) : g.matches(v.lower)
        case .regex(let r):
            let ns = v.text as NSString
            return r.firstMatch(in: v.text, options: [], range: NSRange(location: 0, length: ns.length)) != nil
        case .cidr(let c):
            return c.contains(v.text)
        case .numeric(let op, let x):
            guard let n = v.number else { return false }
            switch op {
            case "lt": return n < x
            case "lte": return n <= x
            case "gt": return n > x
            default: return n >= x
            }
        case .exists, .null:
            return true
        case .fieldref(let field, let type):
            return event(field).contains { other in
                let o = other.lower
                switch type {
                case "startswith": return v.lower.starts(with: o)
                case "endswith": return v.lower.count >= o.count && Array(v.lower.suffix(o.count)) == o
                case "contains": return o.isEmpty || Glob.find(o, in: v.lower)
                default: return v.lower == o
                }
            }
        }
    }
}

/// A wildcard pattern over bytes: literal runs between `*`, with `?` for one character. Literal-only patterns
/// (the most common: exact, prefix, suffix, contains) take fast paths.
struct Glob {
    enum Piece: Equatable {
        case literal([UInt8])
        case one          // ?
        case any          // *
    }
    let pieces: [Piece]
    /// The longest literal run (for prefiltering).
    var longestLiteral: [UInt8] {
        pieces.compactMap { if case .literal(let l) = $0 { l } else { nil } }.max { $0.count < $1.count } ?? []
    }

    /// Sigma's escapes: `\*` and `\?` are literal, `\\` is one backslash, a backslash before anything else is kept.
    init(sigma value: String, lowercased: Bool) {
        let text = lowercased ? value.lowercased() : value
        var out: [Piece] = []
        var lit: [UInt8] = []
        func flush() {
            if !lit.isEmpty { out.append(.literal(lit)); lit = [] }
        }
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\"), i + 1 < b.count, [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "\\")].contains(b[i + 1]) {
                lit.append(b[i + 1])
                i += 2
                continue
            }
            if c == UInt8(ascii: "*") {
                flush()
                if out.last != .any { out.append(.any) }
            } else if c == UInt8(ascii: "?") {
                flush()
                out.append(.one)
            } else {
                lit.append(c)
            }
            i += 1
        }
        flush()
        pieces = out
    }

    init(pieces: [Piece]) { self.pieces = pieces }

    func matches(_ s: [UInt8]) -> Bool {
        switch pieces.count {
        case 0: return s.isEmpty
        case 1:
            if case .literal(let l) = pieces[0] { return s == l }
            if pieces[0] == .any { return true }
        case 2:
            if case .literal(let l) = pieces[0], pieces[1] == .any { return s.starts(with: l) }
            if pieces[0] == .any, case .literal(let l) = pieces[1] { return s.count >= l.count && s.suffix(l.count).elementsEqual(l) }
        case 3:
            if pieces[0] == .any, pieces[2] == .any, case .literal(let l) = pieces[1] { return Glob.find(l, in: s) }
        default: break
        }
        return Glob.match(pieces[...], s[...])
    }

    /// Backtracking over `*` with the classic greedy-then-retreat algorithm (linear in practice, no recursion).
    static func match(_ p: ArraySlice<Piece>, _ s: ArraySlice<UInt8>) -> Bool {
        // Convert pieces into a byte-level program: literal bytes, `?` (one UTF-8 character), `*`.
        var pi = p.startIndex, si = s.startIndex
        var star: (Int, Int)? = nil
        var litOffset = 0
        while si < s.endIndex || pi < p.endIndex {
            if pi < p.endIndex {
                switch p[pi] {
                case .any:
                    star = (pi, si)
                    pi += 1
                    litOffset = 0
                    continue
                case .one:
                    if si < s.endIndex {
                        si += utf8Length(s[si])
                        pi += 1
                        continue
                    }
                case .literal(let l):
                    if si < s.endIndex, s[si] == l[litOffset] {
                        si += 1
                        litOffset += 1
                        if litOffset == l.count { litOffset = 0; pi += 1 }
                        continue
                    }
                }
            }
            guard let (sp, ss) = star, ss < s.endIndex else { return false }
            // Retreat: let the last `*` take one more byte.
            star = (sp, ss + 1)
            pi = sp + 1
            si = ss + 1
            litOffset = 0
        }
        return true
    }

    static func utf8Length(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
    }

    /// Whether `needle` occurs in `hay` (memmem).
    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard hay.count >= needle.count else { return false }
        // memchr for the first byte, memcmp for the rest (memmem is a GNU extension Glibc's module leaves out).
        return hay.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                let first = Int32(n[0])
                var at = h.baseAddress!
                let last = h.baseAddress! + (h.count - n.count)
                while at <= last {
                    guard let hit = memchr(at, first, last - at + 1) else { return false }
                    if memcmp(hit, n.baseAddress!, n.count) == 0 { return true }
                    at = UnsafeRawPointer(hit) + 1
                }
                return false
            }
        }
    }
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `fe80::/10`).
struct CIDR {
    let network: [UInt8]
    let bits: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let addr = CIDR.bytes(String(first)) else { return nil }
        let max = addr.count * 8
        let bits = parts.count == 2 ? Int(parts[1]) ?? -1 : max
        guard bits >= 0, bits <= max else { return nil }
        network = addr
        self.bits = bits
    }

    func contains(_ text: String) -> Bool {
        guard let a = CIDR.bytes(text), a.count == network.count else { return false }
        var left = bits
        for i in 0..<a.count where left > 0 {
            let take = min(8, left)
            let mask: UInt8 = take == 8 ? 0xFF : ~(0xFF >> UInt8(take))
            if a[i] & mask != network[i] & mask { return false }
            left -= take
        }
        return true
    }

    static func bytes(_ s: String) -> [UInt8]? {
        var t = s.trimmingCharacters(in: .whitespaces)
        if let pct = t.firstIndex(of: "%") { t = String(t[..<pct]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, t, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, t, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }
}

/// A strict JSON parser (RFC 8259) into `JSONValue`, for hostile input: nesting depth and input size are capped,
/// errors carry the byte offset, and numbers keep their type (`111` is an integer, `111.0` a double).
///
/// Foundation's decoders read `111.0` back as an integer and have no depth cap; evidence needs both.
public struct JSONParser {
    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Deeper nesting is refused (swift-asn1 and most JSON libraries cap in the same range).
    public var maxDepth = 64

    public init(maxDepth: Int = 64) { self.maxDepth = maxDepth }

    public func parse(_ text: String) throws(Error) -> JSONValue {
        var t = text
        let r: Result<JSONValue, Error> = t.withUTF8 { b in Result { () throws(Error) in try parse(bytes: b) } }
        return try r.get()
    }

    public func parse(bytes: UnsafeBufferPointer<UInt8>) throws(Error) -> JSONValue {
        var r = Reader(b: bytes, maxDepth: maxDepth)
        r.skipSpace()
        let v = try r.value(depth: 0)
        r.skipSpace()
        guard r.i == bytes.count else { throw Error(offset: r.i, reason: "trailing characters") }
        return v
    }

    struct Reader {
        let b: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var i = 0

        init(b: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.b = b
            self.maxDepth = maxDepth
        }

        func fail(_ reason: String) -> Error { Error(offset: i, reason: reason) }

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func literal(_ word: StaticString, _ v: JSONValue) throws(Error) -> JSONValue {
            let n = word.utf8CodeUnitCount
            guard i + n <= b.count else { throw fail("truncated literal") }
            for k in 0..<n where b[i + k] != word.utf8Start[k] { throw fail("unknown literal") }
            i += n
            return v
        }

        mutating func value(depth: Int) throws(Error) -> JSONValue {
            guard i < b.count else { throw fail("unexpected end of input") }
            switch b[i] {
            case UInt8(ascii: "{"):
                guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
                i += 1
                var o: [String: JSONValue] = [:]
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                while true {
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let k = try string()
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    o[k] = try value(depth: depth + 1)
                    skipSpace()
                    guard i < b.count else { throw fail("unterminated object") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
                i += 1
                var a: [JSONValue] = []
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    skipSpace()
                    a.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < b.count else { throw fail("unterminated array") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default: return try number()
            }
        }

        mutating func number() throws(Error) -> JSONValue {
            let start = i
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            let intStart = i
            while i < b.count, b[i] &- 48 < 10 { i += 1 }
            guard i > intStart else { throw fail("expected a value") }
            if b[intStart] == UInt8(ascii: "0"), i - intStart > 1 { throw fail("leading zero") }
            var isDouble = false
            if i < b.count, b[i] == UInt8(ascii: ".") {
                isDouble = true
                i += 1
                let f = i
                while i < b.count, b[i] &- 48 < 10 { i += 1 }
                guard i > f else { throw fail("digits expected after '.'") }
            }
            if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
                isDouble = true
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                let e = i
                while i < b.count, b[i] &- 48 < 10 { i += 1 }
                guard i > e else { throw fail("digits expected in exponent") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            if !isDouble, let v = Int64(text) { return .int(v) }
            guard let d = Double(text), d.isFinite else { throw Error(offset: start, reason: "number out of range") }
            return .double(d)
        }

        mutating func hex4() throws(Error) -> UInt32 {
            guard i + 4 <= b.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt8
                switch c {
                case 48...57: d = c - 48
                case 65...70: d = c - 55
                case 97...102: d = c - 87
                default: throw fail("bad hex digit in \\u escape")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        mutating func string() throws(Error) -> String {
            i += 1    // opening quote
            var out = [UInt8]()
            var runStart = i
            while true {
                guard i < b.count else { throw fail("unterminated string") }
                let c = b[i]
                if c == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<i]))
                    i += 1
                    // Invalid UTF-8 is repaired with U+FFFD, never a crash.
                    return String(decoding: out, as: UTF8.self)
                }
                if c < 0x20 { throw fail("control character in string") }
                if c != UInt8(ascii: "\\") { i += 1; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<i]))
                i += 1
                guard i < b.count else { throw fail("truncated escape") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), i + 6 <= b.count, b[i] == UInt8(ascii: "\\"),
                       b[i + 1] == UInt8(ascii: "u")
                    {
                        i += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                            i -= 6    // the second escape stands on its own
                        }
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8))
                default: throw fail("unknown escape")
                }
                runStart = i
            }
        }
    }
}

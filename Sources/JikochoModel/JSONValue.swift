#if canImport(Glibc)
import Glibc
#endif
/// A JSON value, for event attributes and custody details.
///
/// `canonicalJSON` writes the one text that hashing depends on: object keys sorted by their UTF-8 bytes, no
/// insignificant whitespace, strings escaped minimally (`"`, `\`, and control characters; other characters as
/// UTF-8), integers in decimal, doubles in Swift's shortest round-trip form (always with a `.` or an exponent,
/// so they stay doubles), non-finite doubles as `null`. The same value always gives the same bytes.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value of a key of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var canonicalJSON: String {
        var out = [UInt8]()
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): JSONValue.writeInt(i, into: &out)
        case .double(let d):
            // Swift's shortest round-trip form: "111.0", "0.25", "1e-05"; it keeps a double a double on re-reading.
            out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            // Keys sorted by their UTF-8 bytes, the hot path of every stored event: an insertion sort (events carry 5 to
            // 30 keys) of dictionary indices, each with its key's first 8 bytes as a big-endian number (most
            // comparisons end there; ties go to memcmp).
            var first = true
            var keys = ContiguousArray<(prefix: UInt64, index: Dictionary<String, JSONValue>.Index)>()
            keys.reserveCapacity(o.count)
            for index in o.indices {
                let k = o[index].key
                var p: UInt64 = 0
                var n = 0
                for b in k.utf8 {
                    if n == 8 { break }
                    p = p << 8 | UInt64(b)
                    n += 1
                }
                p <<= UInt64(8 * (8 - n))
                var i = keys.count
                keys.append((p, index))
                while i > 0 {
                    let q = keys[i - 1]
                    guard p < q.prefix || (p == q.prefix && JSONValue.utf8Less(k, o[q.index].key)) else { break }
                    keys.swapAt(i, i - 1)
                    i -= 1
                }
            }
            for (_, index) in keys {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                let (key, value) = o[index]
                JSONValue.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `a` before `b` by their UTF-8 bytes.
    static func utf8Less(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { pa in b.withUTF8 { pb in compareBytes(pa, pb) < 0 } }
    }

    /// Byte order of two texts: negative, zero or positive (memcmp, then the shorter first). The one comparison of
    /// keys, for dictionaries being written, attribute text being read and members being sorted.
    public static func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = Swift.min(a.count, b.count)
        if n > 0, let x = a.baseAddress, let y = b.baseAddress {
            let c = memcmp(x, y, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    /// Decimal digits, without a String in between.
    public static func writeInt(_ i: Int64, into out: inout [UInt8]) {
        if i < 0 { out.append(UInt8(ascii: "-")) }
        writeDigits(i.magnitude, into: &out)
    }

    /// The digits of `v` in a radix up to 16 (lower-case letters), without a String in between: what
    /// `String(v, radix:)` gives.
    public static func writeDigits(_ v: UInt64, radix: UInt64 = 10, into out: inout [UInt8]) {
        if v < radix { out.append(v < 10 ? 48 + UInt8(v) : 87 + UInt8(v)); return }
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var x = v
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in     // 64 bytes: room for 64 binary digits
            while x > 0 {
                count += 1
                let r = UInt8(x % radix)
                d[64 - count] = r < 10 ? 48 + r : 87 + r
                x /= radix
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(64 - count)...]))
        }
    }

    /// Whether any byte is one JSON escapes here (a control character, `"`, `\\` or DEL): eight bytes at a time
    /// (each test is exact as "any byte of the word": a borrow can only mark a byte above one that matched).
    static func needsEscape(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = UnsafeRawPointer(b.baseAddress) else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        var i = 0
        while i + 8 <= b.count {
            let x = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if (x &- ones &* 0x20) & ~x & highs != 0 || zeroByte(x ^ (ones &* 0x22)) || zeroByte(x ^ (ones &* 0x5C))
                || zeroByte(x ^ (ones &* 0x7F)) { return true }
            i += 8
        }
        while i < b.count {
            let c = b[i]
            if c < 0x20 || c == 0x22 || c == 0x5C || c == 0x7F { return true }
            i += 1
        }
        return false
    }

    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// A JSON string of UTF-8 bytes, quoted and escaped as `writeString` does: runs of plain bytes are copied whole.
    public static func writeString(utf8 b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copied whole.
        if !needsEscape(b) {
            out.append(contentsOf: b)
            out.append(UInt8(ascii: "\""))
            return
        }
        var run = 0
        for i in 0..<b.count {
            let c = b[i]
            let escape: UInt8
            switch c {
            case UInt8(ascii: "\""): escape = UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
            case 0x0A: escape = UInt8(ascii: "n")
            case 0x0D: escape = UInt8(ascii: "r")
            case 0x09: escape = UInt8(ascii: "t")
            case 0..<0x20, 0x7F: escape = UInt8(ascii: "u")
            default: continue
            }
            if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<i])) }
            run = i + 1
            out.append(92)
            out.append(escape)
            if escape == UInt8(ascii: "u") {
                let hex: StaticString = "0123456789abcdef"
                out.append(48)
                out.append(48)
                out.append(hex.utf8Start[Int(c >> 4)])
                out.append(hex.utf8Start[Int(c & 15)])
            }
        }
        if run < b.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<b.count])) }
        out.append(UInt8(ascii: "\""))
    }

    /// The string inside, or a short text form of any other value.
    public var text: String {
        switch self {
        case .string(let s): return s
        case .null: return ""
        default: return canonicalJSON
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

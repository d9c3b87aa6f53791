/// Bounds-checked reads of network (big-endian) and little-endian integers from a byte array.
/// Every read returns nil past the end: a short read is not an error (STYLE.md, swift-nio).
public struct ByteCursor {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    public let end: Int

    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = max(0, min(start, bytes.count))
        self.end = max(self.offset, min(end ?? bytes.count, bytes.count))
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    public mutating func u8() -> UInt8? {
        guard offset < end else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func u16le() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public mutating func u24() -> UInt32? {
        guard remaining >= 3 else { return nil }
        defer { offset += 3 }
        return UInt32(bytes[offset]) << 16 | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2])
    }

    public mutating func u24le() -> UInt32? {
        guard remaining >= 3 else { return nil }
        defer { offset += 3 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
    }

    public mutating func u32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return v
    }

    public mutating func u32le() -> UInt32? {
        guard remaining >= 4 else { return nil }
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return v
    }

    public mutating func u64le() -> UInt64? {
        guard remaining >= 8 else { return nil }
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return v
    }

    public mutating func u64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return v
    }

    /// The next `n` bytes, or nil when fewer remain (or `n` is negative).
    public mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, remaining >= n else { return nil }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, remaining >= n else { return false }
        offset += n
        return true
    }

    public func peek(_ at: Int = 0) -> UInt8? {
        let i = offset + at
        return i >= offset && i < end ? bytes[i] : nil
    }

    public var rest: ArraySlice<UInt8> { bytes[offset..<end] }
}

public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of bytes, at most `limit` bytes (then "…").
    public static func string<C: Collection>(_ bytes: C, limit: Int = 256) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(min(bytes.count, limit) * 2 + 3)
        for (i, b) in bytes.enumerated() {
            if i == limit {
                out.append(contentsOf: "…".utf8)
                break
            }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of one hex digit (either case); nil for any other byte.
    public static func digit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The bytes of hex text (an even number of digits, either case); nil for anything else.
    public static func bytes(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        let nibble = digit
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}

/// Printable text from bytes that may hold anything: invalid UTF-8 is replaced, control characters escaped.
public func printable<C: Collection>(_ bytes: C, limit: Int = 1024) -> String where C.Element == UInt8 {
    let s = String(decoding: bytes.prefix(limit), as: UTF8.self)
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        if u.value < 0x20 || u.value == 0x7F {
            out += "\\x" + String(u.value, radix: 16).leftPadded(2)
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out
}

extension String {
    func leftPadded(_ n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
}

extension Hasher {
    /// Feeds bytes in one go (combining an array element by element is several times slower).
    @inline(__always) public mutating func combineBytes<C: Collection>(_ c: C) where C.Element == UInt8 {
        if let done = c.withContiguousStorageIfAvailable({ combine(bytes: UnsafeRawBufferPointer($0)) }) { return done }
        Array(c).withUnsafeBytes { combine(bytes: $0) }
    }
}

/// An IPv4 or IPv6 address held in two words, so that flow keys hash without allocating.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var hi: UInt64
    public var lo: UInt64
    public var isV6: Bool

    public init(v4: UInt32) {
        hi = 0
        lo = UInt64(v4)
        isV6 = false
    }

    public init(v6hi: UInt64, v6lo: UInt64) {
        hi = v6hi
        lo = v6lo
        isV6 = true
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.isV6 ? 1 : 0, a.hi, a.lo) < (b.isV6 ? 1 : 0, b.hi, b.lo)
    }

    /// Dotted quad, or RFC 5952 text for IPv6 (longest run of zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`).
    public var description: String {
        if !isV6 { return Self.v4Text(UInt32(truncatingIfNeeded: lo)) }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            groups[i] = UInt16(truncatingIfNeeded: hi >> (48 - 16 * UInt64(i)))
            groups[i + 4] = UInt16(truncatingIfNeeded: lo >> (48 - 16 * UInt64(i)))
        }
        if hi == 0, lo >> 32 == 0xFFFF { return "::ffff:" + Self.v4Text(UInt32(truncatingIfNeeded: lo)) }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > bestLen, j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        var parts: [String] = []
        var k = 0
        var out = ""
        while k < 8 {
            if k == bestStart {
                out += (parts.isEmpty ? "" : parts.joined(separator: ":")) + "::"
                parts = []
                k += bestLen
                continue
            }
            parts.append(String(groups[k], radix: 16))
            k += 1
        }
        if bestStart < 0 { return parts.joined(separator: ":") }
        return out + parts.joined(separator: ":")
    }

    static func v4Text(_ a: UInt32) -> String {
        "\(a >> 24).\((a >> 16) & 255).\((a >> 8) & 255).\(a & 255)"
    }

    /// Parses dotted-quad IPv4 or IPv6 text (for tests and asset inventories).
    public init?(_ text: String) {
        if !text.contains(":") {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var v: UInt32 = 0
            for p in parts {
                guard let n = UInt32(p), n < 256 else { return nil }
                v = v << 8 | n
            }
            self.init(v4: v)
            return
        }
        var groups: [UInt16] = []
        var halves: [String] = []
        let u = Array(text.utf8)
        var i = 0, startOfPart = 0
        while i < u.count {
            if u[i] == UInt8(ascii: ":"), i + 1 < u.count, u[i + 1] == UInt8(ascii: ":") {
                halves.append(String(decoding: u[startOfPart..<i], as: UTF8.self))
                i += 2
                startOfPart = i
            } else { i += 1 }
        }
        halves.append(String(decoding: u[startOfPart...], as: UTF8.self))
        guard halves.count <= 2 else { return nil }
        func parse(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for p in s.split(separator: ":", omittingEmptySubsequences: false) {
                if p.contains("."), let v4 = IPAddress(String(p)), !v4.isV6 {
                    let a = UInt32(v4.lo)
                    out += [UInt16(a >> 16), UInt16(a & 0xFFFF)]
                } else {
                    guard p.count <= 4, let g = UInt16(p, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = parse(halves[0]) else { return nil }
        if halves.count == 2 {
            guard let tail = parse(halves[1]), head.count + tail.count < 8 else { return nil }
            groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            groups = head
        }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        self.init(v6hi: h, v6lo: l)
    }
}

/// A MAC address as text `aa:bb:cc:dd:ee:ff`.
public func macText(_ m: UInt64) -> String {
    // `00:1a:2b:3c:4d:5e`: written as bytes (one per flow endpoint of a capture, so it shows in profiles).
    let digits = Array("0123456789abcdef".utf8)
    return String(unsafeUninitializedCapacity: 17) { b in
        for i in 0..<6 {
            let byte = Int((m >> (UInt64(5 - i) * 8)) & 0xFF)
            b[i * 3] = digits[byte >> 4]
            b[i * 3 + 1] = digits[byte & 0xF]
            if i < 5 { b[i * 3 + 2] = UInt8(ascii: ":") }
        }
        return 17
    }
}

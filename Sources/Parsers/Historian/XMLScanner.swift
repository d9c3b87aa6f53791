/// A streaming XML tokenizer for the parts of an Office Open XML package (a workbook, its sheets, shared strings,
/// styles and relationships): fed chunks as they are decompressed, it hands each start tag, end tag and piece of
/// text to a handler, with element and attribute names reduced to their local part (`x:row` and `row` alike, as the
/// transitional, strict and prefixed writers differ only there).
///
/// Evidence is hostile: memory is bounded by `maxToken` (one tag or one run of text; a larger one is an error), a
/// document type declaration is skipped without defining anything (its entities are never expanded: `&name;` of an
/// undeclared entity stays as written), character references that name no character become U+FFFD, and nothing
/// is ever fetched. Line breaks in text are normalized (`\r\n` and `\r` to `\n`) as XML requires.
public struct XMLScanner {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The attributes of one start tag, as ranges of the scanner's buffer: valid only during `start`.
    public struct Attributes {
        let base: UnsafeBufferPointer<UInt8>
        /// (local name start, end, value start, end, value holds `&`)
        let spans: [(Int, Int, Int, Int, Bool)]

        /// The raw value (entities not decoded) of the attribute with this local name.
        public func raw(_ name: StaticString) -> UnsafeBufferPointer<UInt8>? {
            let n = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            for s in spans where s.1 - s.0 == n.count {
                if UnsafeBufferPointer(rebasing: base[s.0..<s.1]).elementsEqual(n) {
                    return UnsafeBufferPointer(rebasing: base[s.2..<s.3])
                }
            }
            return nil
        }

        /// The decoded value of the attribute with this local name.
        public func string(_ name: StaticString) -> String? {
            guard let r = raw(name) else { return nil }
            var out: [UInt8] = []
            XMLScanner.decode(r, into: &out)
            return String(decoding: out, as: UTF8.self)
        }

        /// The value as a non-negative integer (`s="12"`, `r="5"`); nil when absent or not one.
        public func int(_ name: StaticString) -> Int? { raw(name).flatMap { XMLScanner.decimal($0, maxDigits: 18) } }
    }

    /// One tag, text or end at a time.
    public protocol Handler {
        mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ attributes: Attributes, selfClosing: Bool) throws
        mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws
        /// Decoded text (entities and line breaks done). May come in several pieces for one run of text.
        mutating func text(_ text: UnsafeBufferPointer<UInt8>) throws
    }

    public static let defaultMaxToken = 16 << 20

    public let maxToken: Int
    private var buffer: [UInt8] = []
    private var decoded: [UInt8] = []
    private var spans: [(Int, Int, Int, Int, Bool)] = []
    /// Bytes taken in so far (for locators).
    public private(set) var offset = 0
    /// A document type declaration was seen (and skipped).
    public private(set) var sawDoctype = false
    private var sawRoot = false
    private var depth = 0
    private var utf16: UTF16Input?

    public init(maxToken: Int = XMLScanner.defaultMaxToken) {
        self.maxToken = maxToken
    }

    /// UTF-16 parts (allowed by the standard, rare) are turned into UTF-8 as they arrive.
    struct UTF16Input {
        var bigEndian: Bool
        var carry: [UInt8] = []
        var highSurrogate: UInt16?
    }

    /// Takes the next chunk of the document and hands on every complete token in it.
    public mutating func feed<H: Handler>(_ chunk: UnsafeRawBufferPointer, _ handler: inout H) throws {
        if offset == 0, utf16 == nil, chunk.count >= 2 {
            if chunk[0] == 0xFF, chunk[1] == 0xFE { utf16 = UTF16Input(bigEndian: false) }
            if chunk[0] == 0xFE, chunk[1] == 0xFF { utf16 = UTF16Input(bigEndian: true) }
        }
        offset += chunk.count
        if utf16 != nil {
            appendUTF16(chunk)
        } else {
            buffer.append(contentsOf: chunk)
        }
        try scan(&handler, final: false)
    }

    /// The end of the document: what is left must be text (a tag cut off is an error).
    public mutating func finish<H: Handler>(_ handler: inout H) throws {
        try scan(&handler, final: true)
        if !buffer.isEmpty {
            throw Failure(description: "the XML ends inside a tag (\(buffer.count) bytes unread)")
        }
    }

    private mutating func appendUTF16(_ chunk: UnsafeRawBufferPointer) {
        var u = utf16!
        var bytes = u.carry
        bytes.append(contentsOf: chunk)
        var i = 0
        if offset == chunk.count { i = 2 }    // the byte-order mark
        while i + 1 < bytes.count {
            let unit = u.bigEndian ? UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) : UInt16(bytes[i + 1]) << 8 | UInt16(bytes[i])
            i += 2
            var scalar: UInt32
            if unit >= 0xD800, unit < 0xDC00 {
                if u.highSurrogate != nil { XMLScanner.appendScalar(0xFFFD, to: &buffer) }
                u.highSurrogate = unit
                continue
            } else if unit >= 0xDC00, unit < 0xE000 {
                if let h = u.highSurrogate {
                    scalar = 0x10000 + (UInt32(h - 0xD800) << 10) + UInt32(unit - 0xDC00)
                } else {
                    scalar = 0xFFFD
                }
                u.highSurrogate = nil
            } else {
                if u.highSurrogate != nil { XMLScanner.appendScalar(0xFFFD, to: &buffer) }
                u.highSurrogate = nil
                scalar = UInt32(unit)
            }
            XMLScanner.appendScalar(scalar, to: &buffer)
        }
        u.carry = Array(bytes[i...])
        utf16 = u
    }

    private mutating func scan<H: Handler>(_ handler: inout H, final: Bool) throws {
        var consumed = 0
        defer { if consumed > 0 { buffer.removeFirst(consumed) } }
        try buffer.withUnsafeBufferPointer { b in
            let n = b.count
            var i = 0
            while i < n {
                if b[i] != 0x3C {
                    // Text up to the next tag.
                    var j = i
                    while j < n, b[j] != 0x3C { j += 1 }
                    if j == n, !final {
                        guard n - i <= maxToken else {
                            throw Failure(description: "a run of text longer than \(maxToken) bytes")
                        }
                        break
                    }
                    try emitText(UnsafeBufferPointer(rebasing: b[i..<j]), &handler)
                    i = j
                    consumed = i
                    continue
                }
                // A tag, comment, declaration or processing instruction: complete in the buffer, or wait.
                guard let end = try tagEnd(b, from: i) else {
                    guard n - i <= maxToken else { throw Failure(description: "a tag longer than \(maxToken) bytes") }
                    if final { throw Failure(description: "the XML ends inside a tag") }
                    break
                }
                try token(b, i, end, &handler)
                i = end
                consumed = i
            }
        }
    }

    /// The index just past the token that starts at `i` (a `<`), or nil when it is not complete yet.
    private func tagEnd(_ b: UnsafeBufferPointer<UInt8>, from i: Int) throws -> Int? {
        let n = b.count
        func find(_ pattern: [UInt8], from s: Int) -> Int? {
            var k = s
            while k + pattern.count <= n {
                if b[k] == pattern[0] {
                    var ok = true
                    for (m, p) in pattern.enumerated() where b[k + m] != p { ok = false; break }
                    if ok { return k + pattern.count }
                }
                k += 1
            }
            return nil
        }
        guard i + 1 < n else { return nil }
        switch b[i + 1] {
        case 0x3F:    // <? … ?>
            return find([0x3F, 0x3E], from: i + 2)
        case 0x21:    // <!-- -->, <![CDATA[ ]]>, <!DOCTYPE …>
            if i + 4 > n { return nil }
            if b[i + 2] == 0x2D, b[i + 3] == 0x2D { return find([0x2D, 0x2D, 0x3E], from: i + 4) }
            if i + 9 > n { return nil }
            if b[i + 2] == 0x5B, b[i + 3] == 0x43 { return find([0x5D, 0x5D, 0x3E], from: i + 9) }
            // A declaration: its internal subset in brackets may hold `>`.
            return try close(b, from: i + 2, brackets: true)
        default:
            return try close(b, from: i + 1, brackets: false)
        }
    }

    /// The index past the `>` that closes a tag or a declaration begun before `from`, quotes skipped (and, in a
    /// declaration, its bracketed internal subset); nil when it is not in the buffer yet. A `<` inside a tag is damage.
    private func close(_ b: UnsafeBufferPointer<UInt8>, from: Int, brackets: Bool) throws -> Int? {
        var k = from
        var bracket = 0
        var quote: UInt8 = 0
        while k < b.count {
            let c = b[k]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == 0x22 || c == 0x27 {
                quote = c
            } else if brackets, c == 0x5B {
                bracket += 1
            } else if brackets, c == 0x5D {
                bracket -= 1
            } else if c == 0x3E, bracket <= 0 {
                return k + 1
            } else if !brackets, c == 0x3C {
                throw Failure(description: "a '<' inside a tag at byte \(offset - (b.count - k))")
            }
            k += 1
        }
        return nil
    }

    private mutating func token<H: Handler>(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, _ handler: inout H) throws {
        switch b[i + 1] {
        case 0x3F:
            return
        case 0x21:
            if b[i + 2] == 0x2D { return }
            if b[i + 2] == 0x5B {
                // CDATA: text as it stands, bar line breaks.
                let body = UnsafeBufferPointer(rebasing: b[(i + 9)..<(end - 3)])
                decoded.removeAll(keepingCapacity: true)
                XMLScanner.normalizeBreaks(body, into: &decoded)
                if !decoded.isEmpty { try decoded.withUnsafeBufferPointer { try handler.text($0) } }
                return
            }
            sawDoctype = true
            return
        case 0x2F:
            var k = i + 2
            while k < end - 1, !XMLScanner.isSpace(b[k]), b[k] != 0x3E { k += 1 }
            let name = XMLScanner.localName(UnsafeBufferPointer(rebasing: b[(i + 2)..<k]))
            depth -= 1
            try handler.end(name)
        default:
            var k = i + 1
            while k < end - 1, !XMLScanner.isSpace(b[k]), b[k] != 0x2F, b[k] != 0x3E { k += 1 }
            let name = XMLScanner.localName(UnsafeBufferPointer(rebasing: b[(i + 1)..<k]))
            guard !name.isEmpty else { throw Failure(description: "a tag without a name") }
            let selfClosing = b[end - 2] == 0x2F
            let stop = selfClosing ? end - 2 : end - 1
            spans.removeAll(keepingCapacity: true)
            // name = "value" pairs.
            while k < stop {
                while k < stop, XMLScanner.isSpace(b[k]) { k += 1 }
                if k >= stop { break }
                let ns = k
                while k < stop, b[k] != 0x3D, !XMLScanner.isSpace(b[k]) { k += 1 }
                let ne = k
                while k < stop, XMLScanner.isSpace(b[k]) { k += 1 }
                guard k < stop, b[k] == 0x3D else { break }    // an attribute without a value: the rest is ignored
                k += 1
                while k < stop, XMLScanner.isSpace(b[k]) { k += 1 }
                guard k < stop, b[k] == 0x22 || b[k] == 0x27 else { break }
                let q = b[k]
                k += 1
                let vs = k
                var amp = false
                while k < stop, b[k] != q {
                    if b[k] == 0x26 { amp = true }
                    k += 1
                }
                let ve = k
                k += 1
                let local = XMLScanner.localName(UnsafeBufferPointer(rebasing: b[ns..<ne]))
                let ls = local.baseAddress.map { $0 - b.baseAddress! } ?? ns
                spans.append((ls, ls + local.count, vs, ve, amp))
            }
            if !selfClosing { depth += 1 }
            sawRoot = true
            try handler.start(name, Attributes(base: b, spans: spans), selfClosing: selfClosing)
            if selfClosing { try handler.end(name) }
        }
    }

    private mutating func emitText<H: Handler>(_ t: UnsafeBufferPointer<UInt8>, _ handler: inout H) throws {
        if depth == 0 { return }    // whitespace around the root element
        decoded.removeAll(keepingCapacity: true)
        XMLScanner.decode(t, into: &decoded)
        if !decoded.isEmpty { try decoded.withUnsafeBufferPointer { try handler.text($0) } }
    }

    /// Decimal digits as a non-negative integer; nil for anything else, nothing, or more than `maxDigits` digits.
    static func decimal<C: Collection>(_ digits: C, maxDigits: Int) -> Int? where C.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= maxDigits else { return nil }
        var v = 0
        for c in digits {
            let d = c &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    static func localName(_ qname: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if let colon = qname.lastIndex(of: 0x3A) { return UnsafeBufferPointer(rebasing: qname[(colon + 1)...]) }
        return qname
    }

    static func normalizeBreaks(_ t: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        while i < t.count {
            let c = t[i]
            if c == 0x0D {
                out.append(0x0A)
                if i + 1 < t.count, t[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(c)
            }
            i += 1
        }
    }

    /// Text with its entity and character references decoded and its line breaks normalized.
    public static func decode(_ t: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        guard t.contains(0x26) || t.contains(0x0D) else {
            out.append(contentsOf: t)
            return
        }
        var i = 0
        let n = t.count
        while i < n {
            let c = t[i]
            if c == 0x0D {
                out.append(0x0A)
                if i + 1 < n, t[i + 1] == 0x0A { i += 1 }
                i += 1
                continue
            }
            guard c == 0x26, let semi = t[(i + 1)..<min(n, i + 12)].firstIndex(of: 0x3B) else {
                out.append(c)
                i += 1
                continue
            }
            let ref = UnsafeBufferPointer(rebasing: t[(i + 1)..<semi])
            if let v = entity(ref) {
                appendScalar(v, to: &out)
                i = semi + 1
            } else {
                out.append(c)    // not a reference this scanner defines: kept as written
                i += 1
            }
        }
    }

    /// The code point a reference names (`lt`, `#10`, `#x3C`); nil for a name XML does not predefine.
    static func entity(_ r: UnsafeBufferPointer<UInt8>) -> UInt32? {
        switch Array(r) {
        case Array("lt".utf8): return 0x3C
        case Array("gt".utf8): return 0x3E
        case Array("amp".utf8): return 0x26
        case Array("quot".utf8): return 0x22
        case Array("apos".utf8): return 0x27
        default: break
        }
        guard r.count >= 2, r[0] == 0x23 else { return nil }
        var v: UInt32 = 0
        if r[1] | 0x20 == 0x78 {
            guard r.count > 2 else { return nil }
            for c in r[2...] {
                guard let d = Hex.digit(c), v < 0x1000_0000 else { return nil }
                v = v << 4 | UInt32(d)
            }
        } else {
            for c in r[1...] {
                let d = c &- 48
                guard d < 10, v < 100_000_000 else { return nil }
                v = v * 10 + UInt32(d)
            }
        }
        return v
    }


    /// UTF-8 of a code point; U+FFFD for NUL, surrogates and values beyond Unicode.
    static func appendScalar(_ v: UInt32, to out: inout [UInt8]) {
        let s = (v == 0 || (v >= 0xD800 && v < 0xE000) || v > 0x10FFFF) ? 0xFFFD : v
        switch s {
        case 0..<0x80:
            out.append(UInt8(s))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | s >> 6))
            out.append(UInt8(0x80 | s & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | s >> 12))
            out.append(UInt8(0x80 | (s >> 6) & 0x3F))
            out.append(UInt8(0x80 | s & 0x3F))
        default:
            out.append(UInt8(0xF0 | s >> 18))
            out.append(UInt8(0x80 | (s >> 12) & 0x3F))
            out.append(UInt8(0x80 | (s >> 6) & 0x3F))
            out.append(UInt8(0x80 | s & 0x3F))
        }
    }
}

/// Windows Binary XML as EVTX chunks hold it: token streams, templates with substitutions, name strings shared per
/// chunk. Spec: libevtx's "Windows XML Event Log (EVTX) format", sections "Binary XML" and "Value types"
/// (https://github.com/libyal/libevtx/blob/main/documentation/Windows%20XML%20Event%20Log%20(EVTX).asciidoc).
///
/// Templates are parsed once per chunk into a tree (`BXTemplate`) and shared by every record that uses them; a
/// record is that tree plus its substitution values (`BXInstance`), rendered or read without copying the tree.

/// One decoded value, from a value token or a substitution.
public enum BXValue: Sendable {
    case null
    /// UTF-16 (type 0x01) or 8-bit (0x02) text, trailing NULs removed.
    case string(String)
    /// Signed integers (types 0x03, 0x05, 0x07, 0x09).
    case int(Int64)
    /// Unsigned integers (types 0x04, 0x06, 0x08, 0x0a).
    case uint(UInt64)
    case real32(Float)
    case real64(Double)
    case bool(Int32)
    case binary([UInt8])
    /// 16 bytes as stored (Data1..3 little-endian).
    case guid([UInt8])
    case sizeT(UInt64)
    /// 100-ns ticks since 1601-01-01 UTC.
    case filetime(UInt64)
    /// year, month, weekday, day, hour, minute, second, millisecond.
    case systemtime([UInt16])
    case sid(String)
    case hex32(UInt32)
    case hex64(UInt64)
    /// Embedded Binary XML (type 0x21), e.g. a UserData block.
    case fragment([BXContent])
    /// Arrays (type | 0x80); each item typed as the base type.
    case array(base: UInt8, [BXValue])
    /// A type this reader does not decode (EvtHandle 0x20, unknown codes), kept as raw bytes.
    case raw(type: UInt8, [UInt8])
}

/// A node of a Binary XML tree.
public indirect enum BXContent: Sendable {
    case element(BXElement)
    case value(BXValue)
    /// A hole in a template, filled from the record's substitution values. Optional ones vanish when null.
    case substitution(index: Int, type: UInt8, optional: Bool)
    case cdata(String)
    case charRef(UInt16)
    case entityRef(String)
    case processingInstruction(target: String, data: String)
    /// A template with its values: the body of every record.
    case instance(BXInstance)
}

public struct BXElement: Sendable {
    public var name: String
    public var attributes: [BXAttribute]
    public var children: [BXContent]
}

public struct BXAttribute: Sendable {
    public var name: String
    public var value: [BXContent]
}

/// A template definition, parsed once per chunk.
public final class BXTemplate: Sendable {
    public let offset: UInt32
    public let guid: [UInt8]
    public let content: [BXContent]
    /// Where an event's fields sit in this template, worked out once (nil when the template is not an event's).
    public let plan: EventPlan?

    init(offset: UInt32, guid: [UInt8], content: [BXContent]) {
        self.offset = offset
        self.guid = guid
        self.content = content
        plan = EventPlan(content)
    }
}

/// Where one substitution value lies in its chunk, and its type.
public struct BXSlot: Sendable {
    public var offset: Int
    public var size: Int
    public var type: UInt8
}

public struct BXInstance: Sendable {
    public var template: BXTemplate
    public var values: [BXValue]
}

/// Why Binary XML could not be read, with the chunk-relative offset where it went wrong.
public struct BinXMLError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at chunk offset 0x\(String(offset, radix: 16))" }
}

/// Reads Binary XML inside one chunk. Name strings and templates are referenced by chunk offset and cached here,
/// so one reader serves all records of a chunk.
public struct BinXMLReader {
    /// Deeper nesting (elements in elements, fragments in substitutions) is refused: real logs stay under 20.
    public static let maxDepth = 64
    /// Substitution arrays larger than this are refused before allocating.
    public static let maxSubstitutions = 4096

    let chunk: UnsafeRawBufferPointer
    private var names: [UInt32: String] = [:]
    private var templates: [UInt32: BXTemplate] = [:]
    private var building: Set<UInt32> = []

    /// `chunk` must stay valid while the reader is used (the collector keeps the chunk's bytes alive).
    public init(chunk: UnsafeRawBufferPointer) {
        self.chunk = chunk
    }

    /// Templates read so far in this chunk.
    public var templateCount: Int { templates.count }

    /// Parses the Binary XML of one record: `start..<end` in chunk offsets.
    public mutating func parseRecord(start: Int, end: Int) throws(BinXMLError) -> [BXContent] {
        var c = Cursor(pos: start, end: min(end, chunk.count))
        return try fragment(&c, depth: 0, inTemplate: false)
    }

    // MARK: - Cursor

    struct Cursor {
        var pos: Int
        var end: Int
        var remaining: Int { end - pos }
    }

    private func fail(_ c: Cursor, _ reason: String) -> BinXMLError { BinXMLError(offset: c.pos, reason: reason) }

    private func need(_ c: Cursor, _ n: Int, _ what: String) throws(BinXMLError) {
        if n < 0 || c.remaining < n { throw fail(c, "\(what) runs past the end of its data (needs \(n) bytes)") }
    }

    private func peek(_ c: Cursor) throws(BinXMLError) -> UInt8 {
        try need(c, 1, "token")
        return chunk[c.pos]
    }

    private func u8(_ c: inout Cursor) throws(BinXMLError) -> UInt8 {
        try need(c, 1, "byte")
        defer { c.pos += 1 }
        return chunk[c.pos]
    }

    private func u16(_ c: inout Cursor) throws(BinXMLError) -> UInt16 {
        try need(c, 2, "16-bit field")
        defer { c.pos += 2 }
        return UInt16(chunk[c.pos]) | UInt16(chunk[c.pos + 1]) << 8
    }

    private func u32(_ c: inout Cursor) throws(BinXMLError) -> UInt32 {
        try need(c, 4, "32-bit field")
        defer { c.pos += 4 }
        return UInt32(littleEndianAt: c.pos, in: chunk)
    }

    private func u64(_ c: inout Cursor) throws(BinXMLError) -> UInt64 {
        try need(c, 8, "64-bit field")
        defer { c.pos += 8 }
        return UInt64(UInt32(littleEndianAt: c.pos, in: chunk)) | UInt64(UInt32(littleEndianAt: c.pos + 4, in: chunk)) << 32
    }

    private func bytes(_ c: inout Cursor, _ n: Int) throws(BinXMLError) -> [UInt8] {
        try need(c, n, "value")
        defer { c.pos += n }
        return Array(chunk[c.pos..<(c.pos + n)])
    }

    // MARK: - Strings

    /// UTF-16LE code units at `pos` (not necessarily aligned); lone surrogates become U+FFFD.
    func utf16(at pos: Int, units: Int) -> String {
        var ascii = true
        var i = pos
        let end = pos + units * 2
        while i < end {
            if chunk[i] >= 0x80 || chunk[i + 1] != 0 { ascii = false; break }
            i += 2
        }
        if ascii {
            return String(unsafeUninitializedCapacity: units) { out in
                for k in 0..<units { out[k] = chunk[pos + 2 * k] }
                return units
            }
        }
        var codeUnits = [UInt16]()
        codeUnits.reserveCapacity(units)
        for k in 0..<units { codeUnits.append(UInt16(chunk[pos + 2 * k]) | UInt16(chunk[pos + 2 * k + 1]) << 8) }
        return String(decoding: codeUnits, as: UTF16.self)
    }

    /// A name string (next offset, hash, length, UTF-16 text, NUL) at a chunk offset, cached.
    private mutating func name(at offset: UInt32) throws(BinXMLError) -> String {
        if let s = names[offset] { return s }
        let o = Int(offset)
        var c = Cursor(pos: o, end: chunk.count)
        guard o >= 0x200 else { throw fail(c, "name string offset 0x\(String(o, radix: 16)) inside the chunk header") }
        c.pos += 6
        let units = Int(try u16(&c))
        try need(c, units * 2, "name string")
        let s = utf16(at: c.pos, units: units)
        names[offset] = s
        return s
    }

    /// The name of an element or attribute: defined right here (then skipped) or referenced by offset.
    private mutating func nameRef(_ c: inout Cursor) throws(BinXMLError) -> String {
        let offset = try u32(&c)
        let s = try name(at: offset)
        if Int(offset) == c.pos {
            var skip = Cursor(pos: c.pos + 6, end: c.end)
            let units = Int(try u16(&skip))
            c.pos = skip.pos + units * 2 + 2
            if c.pos > c.end { throw fail(c, "inline name string runs past the end of its data") }
        }
        return s
    }

    // MARK: - Tokens

    /// A fragment: optional header, then a template instance or one element, then end of stream.
    private mutating func fragment(_ c: inout Cursor, depth: Int, inTemplate: Bool) throws(BinXMLError) -> [BXContent] {
        guard depth < Self.maxDepth else { throw fail(c, "Binary XML nested deeper than \(Self.maxDepth)") }
        var out: [BXContent] = []
        while c.remaining > 0 {
            let token = chunk[c.pos]
            switch token & 0x0F {
            case 0x00:
                c.pos += 1
                return out
            case 0x0F:
                try need(c, 4, "fragment header")
                c.pos += 4
            case 0x0C:
                out.append(.instance(try instance(&c, depth: depth + 1)))
                return out
            case 0x01:
                out.append(.element(try element(&c, depth: depth + 1, inTemplate: inTemplate)))
            default:
                out.append(try contentToken(&c, depth: depth + 1, inTemplate: inTemplate))
            }
        }
        return out
    }

    private mutating func element(_ c: inout Cursor, depth: Int, inTemplate: Bool) throws(BinXMLError) -> BXElement {
        guard depth < Self.maxDepth else { throw fail(c, "Binary XML nested deeper than \(Self.maxDepth)") }
        let token = try u8(&c)
        _ = try u16(&c)                     // dependency identifier
        _ = try u32(&c)                     // data size: not trusted, the cursor's end bounds the element
        let name = try nameRef(&c)
        if token & 0x40 != 0 { _ = try u32(&c) }   // attribute list size
        var attributes: [BXAttribute] = []
        while c.remaining > 0, chunk[c.pos] & 0x0F == 0x06 {
            c.pos += 1
            let attrName = try nameRef(&c)
            var value: [BXContent] = []
            while c.remaining > 0, Self.isAttributeValueToken(chunk[c.pos]) {
                value.append(try contentToken(&c, depth: depth + 1, inTemplate: inTemplate))
            }
            attributes.append(BXAttribute(name: attrName, value: value))
        }
        let close = try u8(&c)
        switch close & 0x0F {
        case 0x03:
            return BXElement(name: name, attributes: attributes, children: [])
        case 0x02:
            break
        default:
            c.pos -= 1
            throw fail(c, "expected the end of the start tag of <\(name)>, found token 0x\(hex2(close))")
        }
        var children: [BXContent] = []
        while true {
            let t = try peek(c)
            switch t & 0x0F {
            case 0x04:
                c.pos += 1
                return BXElement(name: name, attributes: attributes, children: children)
            case 0x01:
                children.append(.element(try element(&c, depth: depth + 1, inTemplate: inTemplate)))
            case 0x0C:
                children.append(.instance(try instance(&c, depth: depth + 1)))
            case 0x00:
                throw fail(c, "end of stream inside <\(name)>")
            default:
                children.append(try contentToken(&c, depth: depth + 1, inTemplate: inTemplate))
            }
        }
    }

    static func isAttributeValueToken(_ t: UInt8) -> Bool {
        switch t & 0x0F {
        case 0x05, 0x07, 0x08, 0x09, 0x0D, 0x0E: return true
        default: return false
        }
    }

    /// Value, CDATA, references, processing instructions and substitutions.
    private mutating func contentToken(_ c: inout Cursor, depth: Int, inTemplate: Bool) throws(BinXMLError) -> BXContent {
        let token = try u8(&c)
        switch token & 0x0F {
        case 0x05:
            let type = try u8(&c)
            return .value(try inlineValue(&c, type: type, depth: depth))
        case 0x07:
            let units = Int(try u16(&c))
            try need(c, units * 2, "CDATA")
            defer { c.pos += units * 2 }
            return .cdata(utf16(at: c.pos, units: units))
        case 0x08:
            return .charRef(try u16(&c))
        case 0x09:
            return .entityRef(try nameRef(&c))
        case 0x0A:
            let target = try nameRef(&c)
            var data = ""
            if c.remaining > 0, chunk[c.pos] & 0x0F == 0x0B {
                c.pos += 1
                let units = Int(try u16(&c))
                try need(c, units * 2, "processing instruction")
                data = utf16(at: c.pos, units: units)
                c.pos += units * 2
            }
            return .processingInstruction(target: target, data: data)
        case 0x0D, 0x0E:
            let index = Int(try u16(&c))
            let type = try u8(&c)
            if !inTemplate { c.pos -= 4; throw fail(c, "substitution outside a template") }
            return .substitution(index: index, type: type, optional: token & 0x0F == 0x0E)
        default:
            c.pos -= 1
            throw fail(c, "unexpected Binary XML token 0x\(hex2(token))")
        }
    }

    /// A value written in the token stream (not a substitution): strings carry their own length.
    private mutating func inlineValue(_ c: inout Cursor, type: UInt8, depth: Int) throws(BinXMLError) -> BXValue {
        switch type {
        case 0x01:
            let units = Int(try u16(&c))
            try need(c, units * 2, "string value")
            defer { c.pos += units * 2 }
            return .string(trimNULs(utf16(at: c.pos, units: units)))
        case 0x02:
            let n = Int(try u16(&c))
            return .string(trimNULs(latin1(try bytes(&c, n))))
        case 0x0E:
            let n = Int(try u32(&c))
            return .binary(try bytes(&c, n))
        default:
            guard let size = Self.fixedSize(type) else {
                throw fail(c, "value of type 0x\(hex2(type)) without a length in the token stream")
            }
            try need(c, size, "value")
            var sub = Cursor(pos: c.pos, end: c.pos + size)
            c.pos += size
            return try value(&sub, type: type, size: size, depth: depth)
        }
    }

    static func fixedSize(_ type: UInt8) -> Int? {
        switch type {
        case 0x03, 0x04: return 1
        case 0x05, 0x06: return 2
        case 0x07, 0x08, 0x0B, 0x0D, 0x14: return 4
        case 0x09, 0x0A, 0x0C, 0x11, 0x15, 0x10: return 8
        case 0x0F, 0x12: return 16
        default: return nil
        }
    }

    // MARK: - Templates and substitutions

    private mutating func instance(_ c: inout Cursor, depth: Int) throws(BinXMLError) -> BXInstance {
        let template = try instanceTemplate(&c, depth: depth)
        var slots: [BXSlot] = []
        try substitutionDescriptors(&c, into: &slots)
        var values: [BXValue] = []
        values.reserveCapacity(slots.count)
        // Each value checked and decoded in turn (not all checked first, as `instanceSlots` does): a record with two
        // faults names the first, as it always has.
        for s in slots {
            try need(c, s.size, "substitution value")
            var sub = Cursor(pos: c.pos, end: c.pos + s.size)
            values.append(try value(&sub, type: s.type, size: s.size, depth: depth))
            c.pos += s.size
        }
        return BXInstance(template: template, values: values)
    }

    /// A template instance token up to its substitution array: the template, defined here or referenced.
    private mutating func instanceTemplate(_ c: inout Cursor, depth: Int) throws(BinXMLError) -> BXTemplate {
        guard depth < Self.maxDepth else { throw fail(c, "Binary XML nested deeper than \(Self.maxDepth)") }
        c.pos += 1                           // token
        _ = try u8(&c)                       // unknown
        let templateID = try u32(&c)         // the first 4 bytes of the template's GUID
        let defOffset = try u32(&c)
        let template: BXTemplate
        if Int(defOffset) == c.pos {
            // Defined here: next offset, GUID, data size, data. Skip it in the record's stream.
            var d = c
            d.pos += 20
            let dataSize = Int(try u32(&d))
            try need(d, dataSize, "template definition")
            template = try self.template(at: defOffset, depth: depth)
            c.pos = d.pos + dataSize
        } else {
            template = try self.template(at: defOffset, depth: depth)
        }
        let g = template.guid
        guard UInt32(g[0]) | UInt32(g[1]) << 8 | UInt32(g[2]) << 16 | UInt32(g[3]) << 24 == templateID else {
            throw fail(c, "template at 0x\(String(defOffset, radix: 16)) is not the one the record names (overwritten?)")
        }
        return template
    }

    /// Substitution array: its count and (size, type, pad) descriptors; the values follow.
    private func substitutionDescriptors(_ c: inout Cursor, into slots: inout [BXSlot]) throws(BinXMLError) {
        let count = Int(try u32(&c))
        guard count <= Self.maxSubstitutions, count * 4 <= c.remaining else {
            throw fail(c, "substitution count \(count) does not fit the record")
        }
        slots.removeAll(keepingCapacity: true)
        slots.reserveCapacity(count)
        for _ in 0..<count {
            let size = Int(try u16(&c))
            let type = try u8(&c)
            c.pos += 1
            slots.append(BXSlot(offset: 0, size: size, type: type))
        }
    }

    /// The body of a record that is one template instance (nearly every record): its template and where each
    /// substitution value lies, without decoding the values. Nil for bodies of another shape, which only
    /// `parseRecord` reads. Values of embedded Binary XML (type 0x21) are not read: `parseInstanceSlots(in:)` reads
    /// one that is itself a template instance. Throws where `parseRecord` would throw.
    public mutating func parseInstanceSlots(start: Int, end: Int, into slots: inout [BXSlot]) throws(BinXMLError) -> BXTemplate? {
        var c = Cursor(pos: start, end: min(end, chunk.count))
        return try instanceSlots(&c, depth: 1, into: &slots)
    }

    /// The same for a value of embedded Binary XML (a slot of type 0x21), e.g. an EventData section written as its
    /// own template instance.
    public mutating func parseInstanceSlots(in slot: BXSlot, into slots: inout [BXSlot]) throws(BinXMLError) -> BXTemplate? {
        var c = Cursor(pos: slot.offset, end: slot.offset + slot.size)
        return try instanceSlots(&c, depth: 3, into: &slots)
    }

    private mutating func instanceSlots(_ c: inout Cursor, depth: Int, into slots: inout [BXSlot]) throws(BinXMLError) -> BXTemplate? {
        guard c.remaining > 0 else { return nil }
        if chunk[c.pos] & 0x0F == 0x0F {
            try need(c, 4, "fragment header")
            c.pos += 4
        }
        guard c.remaining > 0, chunk[c.pos] & 0x0F == 0x0C else { return nil }
        let template = try instanceTemplate(&c, depth: depth)
        try substitutionDescriptors(&c, into: &slots)
        for k in slots.indices {
            try need(c, slots[k].size, "substitution value")
            slots[k].offset = c.pos
            c.pos += slots[k].size
        }
        return template
    }

    /// One substitution value's bytes (its slot from `parseInstanceSlots`).
    public func bytes(of slot: BXSlot) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: chunk[slot.offset..<(slot.offset + slot.size)])
    }

    /// One substitution value decoded, as `parseRecord` decodes it (types other than embedded Binary XML).
    public mutating func value(of slot: BXSlot) -> BXValue {
        var sub = Cursor(pos: slot.offset, end: slot.offset + slot.size)
        return (try? value(&sub, type: slot.type, size: slot.size, depth: 1)) ?? .raw(type: slot.type, Array(bytes(of: slot)))
    }

    private mutating func template(at offset: UInt32, depth: Int) throws(BinXMLError) -> BXTemplate {
        if let t = templates[offset] { return t }
        var c = Cursor(pos: Int(offset), end: chunk.count)
        guard c.pos >= 0x200 else { throw fail(c, "template offset 0x\(String(offset, radix: 16)) inside the chunk header") }
        guard !building.contains(offset) else { throw fail(c, "template refers to itself") }
        building.insert(offset)
        defer { building.remove(offset) }
        _ = try u32(&c)                      // next template in the hash bucket
        let guid = try bytes(&c, 16)
        let dataSize = Int(try u32(&c))
        try need(c, dataSize, "template definition")
        c.end = c.pos + dataSize
        let content = try fragment(&c, depth: depth + 1, inTemplate: true)
        let t = BXTemplate(offset: offset, guid: guid, content: content)
        templates[offset] = t
        return t
    }

    /// A value of a known size (substitutions, fixed-size inline values).
    private mutating func value(_ c: inout Cursor, type: UInt8, size: Int, depth: Int) throws(BinXMLError) -> BXValue {
        if type & 0x80 != 0 { return try array(&c, base: type & 0x7F, size: size, depth: depth) }
        switch type {
        case 0x00:
            return .null
        case 0x01:
            return .string(trimNULs(utf16(at: c.pos, units: size / 2)))
        case 0x02:
            return .string(trimNULs(latin1(try bytes(&c, size))))
        case 0x03 where size == 1: return .int(Int64(Int8(bitPattern: try u8(&c))))
        case 0x04 where size == 1: return .uint(UInt64(try u8(&c)))
        case 0x05 where size == 2: return .int(Int64(Int16(bitPattern: try u16(&c))))
        case 0x06 where size == 2: return .uint(UInt64(try u16(&c)))
        case 0x07 where size == 4: return .int(Int64(Int32(bitPattern: try u32(&c))))
        case 0x08 where size == 4: return .uint(UInt64(try u32(&c)))
        case 0x09 where size == 8: return .int(Int64(bitPattern: try u64(&c)))
        case 0x0A where size == 8: return .uint(try u64(&c))
        case 0x0B where size == 4: return .real32(Float(bitPattern: try u32(&c)))
        case 0x0C where size == 8: return .real64(Double(bitPattern: try u64(&c)))
        case 0x0D where size == 4: return .bool(Int32(bitPattern: try u32(&c)))
        case 0x0D where size == 1: return .bool(Int32(try u8(&c)))
        case 0x0E: return .binary(try bytes(&c, size))
        case 0x0F where size == 16: return .guid(try bytes(&c, 16))
        case 0x10 where size == 8: return .sizeT(try u64(&c))
        case 0x10 where size == 4: return .sizeT(UInt64(try u32(&c)))
        case 0x11 where size == 8: return .filetime(try u64(&c))
        case 0x12 where size == 16:
            var parts: [UInt16] = []
            for _ in 0..<8 { parts.append(try u16(&c)) }
            return .systemtime(parts)
        case 0x13 where size >= 8:
            return try sid(&c, size: size)
        case 0x14 where size == 4: return .hex32(try u32(&c))
        case 0x15 where size == 8: return .hex64(try u64(&c))
        case 0x21:
            return .fragment(try fragment(&c, depth: depth + 1, inTemplate: false))
        case 0x23:
            return .string(trimNULs(utf16(at: c.pos, units: size / 2)))
        default:
            return .raw(type: type, try bytes(&c, size))
        }
    }

    private mutating func sid(_ c: inout Cursor, size: Int) throws(BinXMLError) -> BXValue {
        let start = c.pos
        let revision = try u8(&c)
        let count = Int(try u8(&c))
        guard 8 + 4 * count <= size else {
            c.pos = start
            return .raw(type: 0x13, try bytes(&c, size))
        }
        var authority: UInt64 = 0
        for _ in 0..<6 { authority = authority << 8 | UInt64(try u8(&c)) }
        var s = "S-\(revision)-\(authority)"
        for _ in 0..<count { s += "-\(try u32(&c))" }
        return .sid(s)
    }

    private mutating func array(_ c: inout Cursor, base: UInt8, size: Int, depth: Int) throws(BinXMLError) -> BXValue {
        var items: [BXValue] = []
        switch base {
        case 0x01:
            // NUL-terminated UTF-16 strings back to back.
            var start = c.pos
            var i = c.pos
            while i + 1 < c.end {
                if chunk[i] == 0, chunk[i + 1] == 0 {
                    items.append(.string(utf16(at: start, units: (i - start) / 2)))
                    start = i + 2
                }
                i += 2
            }
            if start < c.end - 1 { items.append(.string(utf16(at: start, units: (c.end - start) / 2))) }
        case 0x02:
            for part in try bytes(&c, size).split(separator: 0, omittingEmptySubsequences: false).dropLast() {
                items.append(.string(latin1(Array(part))))
            }
        default:
            guard let item = Self.fixedSize(base), size % item == 0 else {
                return .raw(type: base | 0x80, try bytes(&c, size))
            }
            for _ in 0..<(size / item) {
                var sub = Cursor(pos: c.pos, end: c.pos + item)
                items.append(try value(&sub, type: base, size: item, depth: depth))
                c.pos += item
            }
        }
        return .array(base: base, items)
    }

    private func latin1(_ b: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: b.count * 2) { out in
            var n = 0
            for x in b {
                if x < 0x80 { out[n] = x; n += 1 } else { out[n] = 0xC0 | x >> 6; out[n + 1] = 0x80 | x & 0x3F; n += 2 }
            }
            return n
        }
    }
}

func trimNULs(_ s: String) -> String {
    guard s.utf8.last == 0 else { return s }
    var u = Array(s.utf8)
    while u.last == 0 { u.removeLast() }
    return String(decoding: u, as: UTF8.self)
}

func hex2(_ b: UInt8) -> String {
    let d = Array("0123456789abcdef".utf8)
    return String(decoding: [d[Int(b >> 4)], d[Int(b & 0xF)]], as: UTF8.self)
}

extension UInt32 {
    init(littleEndianAt pos: Int, in buf: UnsafeRawBufferPointer) {
        self = UInt32(buf[pos]) | UInt32(buf[pos + 1]) << 8 | UInt32(buf[pos + 2]) << 16 | UInt32(buf[pos + 3]) << 24
    }
}

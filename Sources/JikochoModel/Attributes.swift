#if canImport(Glibc)
import Glibc
#endif

/// An event's attributes in the form they are stored in: the canonical JSON text of one object
/// (`JSONValue.canonicalJSON`: keys sorted by their UTF-8 bytes, no whitespace), or nothing.
///
/// Parsers write it once with an `AttributeWriter` into a reused buffer, the store keeps the bytes as they are,
/// and readers decode only what they ask for: one key (`attributes["function"]`), or the whole object
/// (`dictionary`, iteration) when they need every value. Two attribute sets are equal when their texts are.
public struct Attributes: Hashable, Sendable {
    /// The canonical JSON object text; empty when there are no attributes.
    public private(set) var json: [UInt8]

    public init() { json = [] }

    public init(_ object: [String: JSONValue]) {
        json = []
        guard !object.isEmpty else { return }
        JSONValue.object(object).write(into: &json)
    }

    /// Text that is already canonical: what this type wrote and the store gave back. Text that is not a JSON object
    /// is kept as it is and reads as no attributes (never a crash), as does `{}`.
    public init(canonicalJSON bytes: [UInt8]) {
        json = bytes.count <= 2 && bytes.first == UInt8(ascii: "{") ? [] : bytes
    }

    public var isEmpty: Bool { json.isEmpty }

    /// The text: `{}` when there are no attributes.
    public var jsonText: String { json.isEmpty ? "{}" : String(decoding: json, as: UTF8.self) }

    /// Every attribute, decoded.
    public var dictionary: [String: JSONValue] {
        guard !json.isEmpty else { return [:] }
        return json.withUnsafeBufferPointer { b in
            guard case .object(let o)? = try? JSONParser().parse(bytes: b) else { return [:] }
            return o
        }
    }

    public var object: JSONValue { .object(dictionary) }

    /// The names, in their stored (sorted) order.
    public var keys: [String] { entries().map(\.key) }

    public var count: Int { entries().count }

    /// One attribute, decoding only its value; setting one rewrites the text around it.
    public subscript(key: String) -> JSONValue? {
        get {
            guard !json.isEmpty else { return nil }
            return json.withUnsafeBufferPointer { b -> JSONValue? in
                // Most lookups are of a key that is not there: their absence is answered without walking the text.
                if !Attributes.mayHold(key, in: b) { return nil }
                var r = JSONParser.Reader(b: b, maxDepth: 64)
                var target = key
                return target.withUTF8 { t -> JSONValue? in
                    var found: JSONValue?
                    try? r.walkObject { (r: inout JSONParser.Reader, keyStart: Int, keyEnd: Int, escaped: Bool) throws(JSONParser.Error) -> Bool in
                        let same: Bool
                        if escaped {
                            var k = r
                            k.i = keyStart - 1
                            same = (try? k.string()) == key
                        } else {
                            same = JSONValue.compareBytes(UnsafeBufferPointer(rebasing: b[keyStart..<keyEnd]), t) == 0
                        }
                        guard same else { return false }
                        found = try r.value(depth: 1)
                        return true
                    }
                    return found
                }
            }
        }
        set { set(key, newValue) }
    }

    /// Sets or removes one member in place: the text before and after it is copied as it is, so the order stays
    /// canonical without decoding anything else.
    private mutating func set(_ key: String, _ value: JSONValue?) {
        var member: [UInt8] = []
        if let value {
            JSONValue.writeString(key, into: &member)
            member.append(UInt8(ascii: ":"))
            value.write(into: &member)
        }
        if json.isEmpty {
            if !member.isEmpty { json = [UInt8(ascii: "{")] + member + [UInt8(ascii: "}")] }
            return
        }
        var target = key
        let plainKey = target.withUTF8 { !JSONValue.needsEscape($0) }
        // Where the new member goes: replacing one with the same key, or before the first greater key.
        var place: (start: Int, end: Int, replace: Bool)?
        var last = 0
        var canSplice = plainKey
        json.withUnsafeBufferPointer { b in
            target.withUTF8 { t in
                var r = JSONParser.Reader(b: b, maxDepth: 64)
                do {
                    try r.walkObject { (r: inout JSONParser.Reader, keyStart: Int, keyEnd: Int, escaped: Bool) throws(JSONParser.Error) -> Bool in
                        if escaped { canSplice = false; return true }
                        let c = JSONValue.compareBytes(UnsafeBufferPointer(rebasing: b[keyStart..<keyEnd]), t)
                        if c >= 0 {
                            let valueStart = r.i
                            try r.skipValue()
                            place = (keyStart - 1, c == 0 ? r.i : valueStart, c == 0)
                            return true
                        }
                        try r.skipValue()
                        last = r.i
                        return false
                    }
                } catch {
                    canSplice = false
                }
            }
        }
        guard canSplice else {
            var d = dictionary
            d[key] = value
            self = Attributes(d)
            return
        }
        if let place, place.replace {
            if !member.isEmpty {
                json.replaceSubrange(place.start..<place.end, with: member)
            } else if last > 0 {
                json.removeSubrange(last..<place.end)            // the comma before it and the member
            } else if json[place.end] == UInt8(ascii: ",") {
                json.removeSubrange(place.start...place.end)     // the member and the comma after it
            } else {
                json = []                                         // the only member
            }
        } else if !member.isEmpty {
            if let place {
                json.insert(contentsOf: member + [UInt8(ascii: ",")], at: place.start)
            } else if last == 0 {
                json = [UInt8(ascii: "{")] + member + [UInt8(ascii: "}")]    // an object with no members
            } else {
                json.insert(contentsOf: [UInt8(ascii: ",")] + member, at: last)
            }
        }
    }

    /// False when the text cannot hold a member named `key`: the quoted key is nowhere in it, and no escape could
    /// spell it otherwise (text this type wrote has no whitespace and no escapes in plain keys; text from elsewhere
    /// may have both, and is then walked).
    static func mayHold(_ key: String, in b: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = key
        return k.withUTF8 { t -> Bool in
            guard let base = b.baseAddress, b.count > t.count + 2, !JSONValue.needsEscape(t) else { return true }
            // Each quote in turn (memchr) followed by the key and its closing quote (glibc's memmem is not exported).
            let last = b.count - t.count - 2    // the last place the quoted key could begin
            var at = 0
            while at <= last, let q = memchr(base + at, 0x22, last + 1 - at) {
                let i = base.distance(to: q.assumingMemoryBound(to: UInt8.self))
                if base[i + t.count + 1] == 0x22,
                   JSONValue.compareBytes(UnsafeBufferPointer(start: base + i + 1, count: t.count), t) == 0 { return true }
                at = i + 1
            }
            return memchr(base, 0x5C, b.count) != nil
        }
    }

    /// The attributes as (name, value) pairs in their stored order.
    public func entries() -> [(key: String, value: JSONValue)] {
        dictionary.sorted { JSONValue.utf8Less($0.key, $1.key) }.map { (key: $0.key, value: $0.value) }
    }
}

extension Attributes: Sequence {
    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { entries().makeIterator() }
}

extension Attributes: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension Attributes: Codable {
    public init(from decoder: Decoder) throws {
        self.init(try [String: JSONValue](from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        try dictionary.encode(to: encoder)
    }
}

extension Attributes: CustomStringConvertible {
    public var description: String { jsonText }
}

extension JSONParser.Reader {
    /// Walks the members of the object at the current position: `body` gets each key's span (inside its quotes, and
    /// whether it holds escapes) with the reader on the member's value, and returns true when it read that value and
    /// the walk should stop; a value the body did not read past is skipped.
    mutating func walkObject(
        _ body: (inout JSONParser.Reader, _ keyStart: Int, _ keyEnd: Int, _ escaped: Bool) throws(JSONParser.Error) -> Bool
    ) throws(JSONParser.Error) {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { throw fail("expected an object") }
        i += 1
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { return }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            i += 1
            let keyStart = i
            var escaped = false
            while i < b.count, b[i] != UInt8(ascii: "\"") {
                if b[i] == UInt8(ascii: "\\") { escaped = true; i += 1 }
                i += 1
            }
            guard i < b.count else { throw fail("unterminated key") }
            let keyEnd = i
            i += 1
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipSpace()
            let valueStart = i
            if try body(&self, keyStart, keyEnd, escaped) { return }
            if i == valueStart { try skipValue() }
            skipSpace()
            guard i < b.count else { throw fail("unterminated object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    /// Past one value without decoding it: strings by their quotes, arrays and objects by their brackets.
    mutating func skipValue() throws(JSONParser.Error) {
        var depth = 0
        repeat {
            guard i < b.count else { throw fail("unexpected end of input") }
            switch b[i] {
            case UInt8(ascii: "\""):
                i += 1
                while i < b.count, b[i] != UInt8(ascii: "\"") {
                    if b[i] == UInt8(ascii: "\\") { i += 1 }
                    i += 1
                }
                guard i < b.count else { throw fail("unterminated string") }
                i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                guard depth >= 0 else { throw fail("unbalanced brackets") }
                i += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"), 0x20, 0x0A, 0x0D, 0x09:
                guard depth > 0 else { return }
                i += 1
            default:
                // A number or literal: its characters up to the next delimiter.
                while i < b.count {
                    let c = b[i]
                    if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20
                        || c == 0x0A || c == 0x0D || c == 0x09 || c == UInt8(ascii: ":") { break }
                    i += 1
                }
            }
        } while depth > 0
    }
}

/// Writes one event's attributes straight into their stored text: each member's key and value are appended to a
/// buffer the writer keeps between events, and `finish()` puts the members in canonical order (keys by their
/// UTF-8 bytes, the last of a repeated key winning, as a dictionary's assignment would) into the event's own
/// bytes. Gives the same text as `JSONValue.object(d).canonicalJSON` for the same members, without building the
/// dictionary.
public struct AttributeWriter: Sendable {
    private var buffer: [UInt8] = []
    /// Each member: where its key's opening quote is, where the key's closing quote is, where the member ends.
    private var members: [(start: Int, keyEnd: Int, end: Int)] = []
    /// A key with characters JSON escapes: sorted by its decoded form, the slow way.
    private var escapedKey = false

    public init() {}

    public var isEmpty: Bool { members.isEmpty }

    private mutating func key(_ key: String) {
        let start = buffer.count
        JSONValue.writeString(key, into: &buffer)
        if buffer.count - start != key.utf8.count + 2 { escapedKey = true }
        members.append((start, buffer.count - 1, 0))
        buffer.append(UInt8(ascii: ":"))
    }

    private mutating func close() { members[members.count - 1].end = buffer.count }

    public mutating func string(_ key: String, _ value: String) {
        self.key(key)
        JSONValue.writeString(value, into: &buffer)
        close()
    }

    /// Nothing for nil: an absent attribute, as a dictionary would have it.
    public mutating func string(_ key: String, _ value: String?) {
        if let value { string(key, value) }
    }

    public mutating func int<T: BinaryInteger>(_ key: String, _ value: T) {
        self.key(key)
        integer(value)
        close()
    }

    /// Decimal digits; beyond Int64 (a UInt64 near its top) through the type's own description.
    private mutating func integer<T: BinaryInteger>(_ value: T) {
        if let v = Int64(exactly: value) { JSONValue.writeInt(v, into: &buffer) } else { buffer.append(contentsOf: "\(value)".utf8) }
    }

    public mutating func int<T: BinaryInteger>(_ key: String, _ value: T?) {
        if let value { int(key, value) }
    }

    public mutating func bool(_ key: String, _ value: Bool) {
        self.key(key)
        buffer.append(contentsOf: (value ? "true" : "false").utf8)
        close()
    }

    public mutating func double(_ key: String, _ value: Double) {
        self.key(key)
        JSONValue.double(value).write(into: &buffer)
        close()
    }

    public mutating func value(_ key: String, _ value: JSONValue) {
        self.key(key)
        value.write(into: &buffer)
        close()
    }

    public mutating func value(_ key: String, _ value: JSONValue?) {
        if let value { self.value(key, value) }
    }

    /// A nested object already in canonical form.
    public mutating func object(_ key: String, _ value: Attributes) {
        self.key(key)
        if value.isEmpty { buffer.append(contentsOf: "{}".utf8) } else { buffer.append(contentsOf: value.json) }
        close()
    }

    /// A member whose value `write` appends to the buffer as canonical JSON (nested keys sorted by their bytes, no
    /// spaces): for the nested values a decoder writes on every message, without building them as `JSONValue` first.
    public mutating func json(_ key: String, _ write: (inout [UInt8]) -> Void) {
        self.key(key)
        write(&buffer)
        close()
    }

    /// An array of integers.
    public mutating func ints<C: Collection>(_ key: String, _ values: C) where C.Element: BinaryInteger {
        self.key(key)
        buffer.append(UInt8(ascii: "["))
        var first = true
        for v in values {
            if !first { buffer.append(UInt8(ascii: ",")) }
            first = false
            integer(v)
        }
        buffer.append(UInt8(ascii: "]"))
        close()
    }

    /// An array of booleans.
    public mutating func bools(_ key: String, _ values: [Bool]) {
        self.key(key)
        buffer.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: (v ? "true" : "false").utf8)
        }
        buffer.append(UInt8(ascii: "]"))
        close()
    }

    /// Whether a member with this key was written since the last `finish()`.
    public func contains(_ key: String) -> Bool {
        var k = key
        return k.withUTF8 { t in
            buffer.withUnsafeBufferPointer { b in
                members.contains { m in JSONValue.compareBytes(UnsafeBufferPointer(rebasing: b[(m.start + 1)..<m.keyEnd]), t) == 0 }
            }
        }
    }

    /// Every member of `attributes`, as if written one by one.
    public mutating func merge(_ attributes: [String: JSONValue]) {
        for (k, v) in attributes { value(k, v) }
    }

    /// Forgets what was written since the last `finish()` (a message given up half-way), keeping the buffers.
    public mutating func discard() {
        guard !members.isEmpty || !buffer.isEmpty else { return }
        buffer.removeAll(keepingCapacity: true)
        members.removeAll(keepingCapacity: true)
        escapedKey = false
    }

    /// The attributes written since the last `finish()`, in canonical order; the writer is empty again after.
    public mutating func finish() -> Attributes {
        defer { discard() }
        guard !members.isEmpty else { return Attributes() }
        if escapedKey { return slowFinish() }
        return buffer.withUnsafeBufferPointer { b -> Attributes in
            let base = b.baseAddress!
            // A decoder writes one message after another with the same keys in the same order: the order found for
            // the last object is used again when its keys are these, checked key by key.
            if !sameKeysAsLast(base) {
                // Keys in order of their bytes (inside the quotes); an insertion sort, stable, over 5 to 30 members.
                func compare(_ x: Int, _ y: Int) -> Int {
                    JSONValue.compareBytes(UnsafeBufferPointer(rebasing: b[(members[x].start + 1)..<members[x].keyEnd]),
                                           UnsafeBufferPointer(rebasing: b[(members[y].start + 1)..<members[y].keyEnd]))
                }
                var order = Array(members.indices)
                for k in order.indices.dropFirst() {
                    var j = k
                    let m = order[k]
                    while j > 0, compare(order[j - 1], m) > 0 {
                        order[j] = order[j - 1]
                        j -= 1
                    }
                    order[j] = m
                }
                // Of a repeated key, the last written wins (the stable sort left it last of its run).
                lastOrder.removeAll(keepingCapacity: true)
                for (k, m) in order.enumerated() where !(k + 1 < order.count && compare(m, order[k + 1]) == 0) {
                    lastOrder.append(m)
                }
                lastKeys.removeAll(keepingCapacity: true)
                lastKeyLengths.removeAll(keepingCapacity: true)
                for m in members {
                    lastKeys.append(contentsOf: UnsafeBufferPointer(rebasing: b[(m.start + 1)..<m.keyEnd]))
                    lastKeyLengths.append(m.keyEnd - m.start - 1)
                }
            }
            var out = [UInt8]()
            out.reserveCapacity(buffer.count + members.count + 1)
            out.append(UInt8(ascii: "{"))
            for (n, k) in lastOrder.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: UnsafeBufferPointer(start: base + members[k].start, count: members[k].end - members[k].start))
            }
            out.append(UInt8(ascii: "}"))
            return Attributes(canonicalJSON: out)
        }
    }

    /// The keys of the last object sorted, in the order written, back to back; their lengths; the members to write,
    /// in order.
    private var lastKeys: [UInt8] = []
    private var lastKeyLengths: [Int] = []
    private var lastOrder: [Int] = []

    /// Whether the members' keys are those of the last object sorted, in the same order.
    private func sameKeysAsLast(_ base: UnsafePointer<UInt8>) -> Bool {
        guard members.count == lastKeyLengths.count else { return false }
        return lastKeys.withUnsafeBufferPointer { last -> Bool in
            guard let l = last.baseAddress else { return false }
            var at = 0
            for (i, m) in members.enumerated() {
                let n = m.keyEnd - m.start - 1
                guard n == lastKeyLengths[i], memcmp(base + m.start + 1, l + at, n) == 0 else { return false }
                at += n
            }
            return true
        }
    }

    /// Keys with escapes sort by their decoded bytes: decode every member and write the object again.
    private func slowFinish() -> Attributes {
        var text: [UInt8] = [UInt8(ascii: "{")]
        for (k, m) in members.enumerated() {
            if k > 0 { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: buffer[m.start..<m.end])
        }
        text.append(UInt8(ascii: "}"))
        // Repeated keys: the parser's dictionary keeps the last, as assignment would.
        return Attributes(Attributes(canonicalJSON: text).dictionary)
    }
}

/// Splits one CSV record into fields, RFC 4180 style, on bytes: a separator chosen per file, double quotes around
/// fields that hold separators, quotes (doubled) or line breaks. Fields are trimmed of surrounding blanks.
///
/// The splitter keeps its field table between records, so splitting a record allocates nothing.
public struct CSVFields {
    public struct Field {
        public var start: Int
        public var end: Int
        /// The field was quoted and holds a doubled quote that must be undone to read it.
        public var escaped: Bool
    }

    public let separator: UInt8
    public private(set) var fields: [Field] = []
    /// The record ended inside a quoted field (a line break inside quotes, or a lying quote).
    public private(set) var openQuote = false

    public init(separator: UInt8) {
        self.separator = separator
        fields.reserveCapacity(64)
    }

    public var count: Int { fields.count }

    /// Splits `b`; the field ranges index into `b`.
    public mutating func split(_ b: UnsafeBufferPointer<UInt8>) {
        fields.removeAll(keepingCapacity: true)
        openQuote = false
        let n = b.count
        var i = 0
        while true {
            // Leading blanks.
            while i < n, b[i] == 0x20 || (b[i] == 0x09 && separator != 0x09) { i += 1 }
            if i < n, b[i] == 0x22 {
                i += 1
                let start = i
                var escaped = false
                var closed = false
                while i < n {
                    if b[i] == 0x22 {
                        if i + 1 < n, b[i + 1] == 0x22 {
                            escaped = true
                            i += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    i += 1
                }
                let end = i
                if closed { i += 1 } else { openQuote = true }
                // Anything between the closing quote and the separator is dropped (a lying quote).
                while i < n, b[i] != separator { i += 1 }
                fields.append(Field(start: start, end: end, escaped: escaped))
            } else {
                let start = i
                while i < n, b[i] != separator { i += 1 }
                var end = i
                while end > start, b[end - 1] == 0x20 || b[end - 1] == 0x09 || b[end - 1] == 0x0D { end -= 1 }
                fields.append(Field(start: start, end: end, escaped: false))
            }
            if i >= n { break }
            i += 1    // the separator
            if i == n {
                fields.append(Field(start: n, end: n, escaped: false))
                break
            }
        }
    }

    /// The bytes of field `k` (escaped quotes still doubled).
    @inline(__always)
    public func bytes(_ k: Int, in b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let f = fields[k]
        return UnsafeBufferPointer(rebasing: b[f.start..<f.end])
    }

    /// Field `k` as text, quotes undone.
    public func string(_ k: Int, in b: UnsafeBufferPointer<UInt8>) -> String {
        let f = fields[k]
        let raw = UnsafeBufferPointer(rebasing: b[f.start..<f.end])
        guard f.escaped else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            out.append(raw[i])
            i += raw[i] == 0x22 && i + 1 < raw.count && raw[i + 1] == 0x22 ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The number of quote characters outside what a balanced record would have: odd means the record goes on on
    /// the next line.
    public static func quotesBalanced(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var n = 0
        for c in b where c == 0x22 { n += 1 }
        return n % 2 == 0
    }

    /// The separator a header line uses: the most frequent of `,` `;` tab `|` outside quotes (comma on a tie).
    public static func guessSeparator(_ b: some Collection<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [0x2C: 0, 0x3B: 0, 0x09: 0, 0x7C: 0]
        var quoted = false
        for c in b {
            if c == 0x22 { quoted.toggle(); continue }
            if !quoted, counts[c] != nil { counts[c]! += 1 }
        }
        var best: UInt8 = 0x2C
        for c: UInt8 in [0x3B, 0x09, 0x7C] where counts[c]! > counts[best]! { best = c }
        return best
    }
}

extension String {
    /// Without a byte-order mark, surrounding blanks and quotes.
    var historianTrimmed: String {
        var s = Substring(self)
        if s.hasPrefix("\u{FEFF}") { s = s.dropFirst() }
        while let c = s.first, c == " " || c == "\t" || c == "\"" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\"" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}

import Foundation

/// The text encodings evidence comes in, told from its first bytes, and lines read in any of them handed on as UTF-8:
/// UTF-8 (with or without a byte-order mark); UTF-16 (a spreadsheet's "Unicode text", recent AnyDesk lists), by its
/// byte-order mark or, without one, the NUL bytes beside its ASCII; and Shift_JIS (Windows code page 932: the CSV
/// files of Japanese HMIs, loggers and historians, whose headers and tag names are Japanese while their numbers and
/// dates are ASCII).
public enum TextEncoding: Equatable, Sendable {
    case utf8
    /// `bom`: bytes to skip at the start.
    case utf16(littleEndian: Bool, bom: Int)
    case shiftJIS

    /// Bytes read to tell the encoding.
    static let headSize = 64 << 10

    static func head(of path: String) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { throw CollectorError.unreadable(path, "cannot open") }
        defer { try? h.close() }
        return Array((try h.read(upToCount: headSize)) ?? Data())
    }

    /// UTF-16 by its byte-order mark, or by the NUL bytes beside its ASCII characters (dates, digits, blanks), which
    /// fall on one side of each pair (other characters, a Japanese alias, have none, so a quarter will do); Shift_JIS
    /// when the head is not UTF-8 and reads whole as Shift_JIS (up to its last line end, where a read may have cut a
    /// character); else UTF-8.
    public static func of(head b: [UInt8]) -> TextEncoding {
        if b.count >= 2, b[0] == 0xFF, b[1] == 0xFE { return .utf16(littleEndian: true, bom: 2) }
        if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF { return .utf16(littleEndian: false, bom: 2) }
        let n = min(b.count, 64) & ~1
        if n >= 8 {
            var evenNUL = 0, oddNUL = 0
            for i in stride(from: 0, to: n, by: 2) {
                if b[i] == 0 { evenNUL += 1 }
                if b[i + 1] == 0 { oddNUL += 1 }
            }
            let pairs = n / 2
            if oddNUL * 4 >= pairs, evenNUL * 8 <= oddNUL { return .utf16(littleEndian: true, bom: 0) }
            if evenNUL * 4 >= pairs, oddNUL * 8 <= evenNUL { return .utf16(littleEndian: false, bom: 0) }
        }
        guard b.contains(where: { $0 >= 0x80 }) else { return .utf8 }
        let whole = wholeLines(b)
        if whole.withUnsafeBufferPointer({ isValidUTF8($0) }) { return .utf8 }
        return String(bytes: whole, encoding: .shiftJIS) != nil ? .shiftJIS : .utf8
    }

    /// The head up to its last line end (all of it when it has none).
    private static func wholeLines(_ b: [UInt8]) -> [UInt8] {
        b.lastIndex(of: 0x0A).map { Array(b[...$0]) } ?? b
    }

    /// The head as UTF-8 (what identification reads).
    public func utf8(_ head: [UInt8]) -> [UInt8] {
        switch self {
        case .utf8: return head
        case .utf16(let le, let bom):
            var units: [UInt16] = []
            var i = bom
            while i + 1 < head.count {
                units.append(le ? UInt16(head[i]) | UInt16(head[i + 1]) << 8 : UInt16(head[i]) << 8 | UInt16(head[i + 1]))
                i += 2
            }
            return Array(String(decoding: units, as: UTF16.self).utf8)
        case .shiftJIS:
            let whole = Self.wholeLines(head)
            return Array((String(bytes: whole, encoding: .shiftJIS) ?? String(decoding: whole, as: UTF8.self)).utf8)
        }
    }

    /// A line reader over a file in one of the encodings, with `LineReader`'s limits and locators (offsets are the
    /// file's bytes).
    struct Reader {
        let lines: LineReader
        let encoding: TextEncoding
        var maxLine: Int { lines.maxLine }

        /// The file's lines, its encoding told from its first 64 KiB.
        init(path: String, maxLine: Int = LineReader.defaultMaxLine) throws {
            lines = LineReader(path: path, maxLine: maxLine)
            encoding = TextEncoding.of(head: try TextEncoding.head(of: path))
        }

        func forEachLine(_ body: (LineReader.Line) throws -> Void) throws {
            switch encoding {
            case .utf8: try lines.forEachLine(body)
            case .utf16(let le, let bom): try lines.forEachUTF16Line(littleEndian: le, skip: bom, body)
            case .shiftJIS:
                try lines.forEachLine { line in
                    // ASCII (the rows of numbers) is the same in both; only a line with other bytes is decoded.
                    guard line.bytes.contains(where: { $0 >= 0x80 }) else { return try body(line) }
                    let text = String(bytes: line.bytes, encoding: .shiftJIS) ?? String(decoding: line.bytes, as: UTF8.self)
                    var utf8 = Array(text.utf8)
                    try utf8.withUnsafeMutableBufferPointer { b in
                        try body(LineReader.Line(bytes: UnsafeBufferPointer(b), number: line.number, offset: line.offset,
                                                 truncated: line.truncated))
                    }
                }
            }
        }
    }
}

import Foundation

/// The text encodings plant exports come in, told from their first bytes, and lines read in any of them handed on as
/// UTF-8: UTF-8 (with or without a byte-order mark), UTF-16 (a spreadsheet's "Unicode text", tab-separated), and
/// Shift_JIS (Windows code page 932: the CSV files of Japanese HMIs, loggers and historians, whose headers and tag
/// names are Japanese while their numbers and dates are ASCII).
enum ExportText: Equatable {
    case utf8
    case utf16(littleEndian: Bool, bom: Int)
    case shiftJIS

    /// Bytes read to tell the encoding.
    static let headSize = 64 << 10

    static func head(of path: String) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { throw CollectorError.unreadable(path, "cannot open") }
        defer { try? h.close() }
        return Array((try h.read(upToCount: headSize)) ?? Data())
    }

    /// UTF-16 by its byte-order mark or the NUL bytes beside its ASCII; Shift_JIS when the head is not UTF-8 and reads
    /// whole as Shift_JIS (up to its last line end, where a read may have cut a character); else UTF-8.
    static func of(head: [UInt8]) -> ExportText {
        if case .utf16(let le, let bom) = LineReader.TextEncoding.of(head: head) { return .utf16(littleEndian: le, bom: bom) }
        guard head.contains(where: { $0 >= 0x80 }) else { return .utf8 }
        let whole = head.lastIndex(of: 0x0A).map { Array(head[...$0]) } ?? head
        if whole.withUnsafeBufferPointer({ isValidUTF8($0) }) { return .utf8 }
        return String(bytes: whole, encoding: .shiftJIS) != nil ? .shiftJIS : .utf8
    }

    /// The head as UTF-8 (for identification).
    func utf8(head: [UInt8]) -> [UInt8] {
        switch self {
        case .utf8: return head
        case .utf16(let le, let bom): return LineReader.TextEncoding.utf16(littleEndian: le, bom: bom).utf8(head)
        case .shiftJIS:
            let whole = head.lastIndex(of: 0x0A).map { Array(head[...$0]) } ?? head
            return Array((String(bytes: whole, encoding: .shiftJIS) ?? String(decoding: whole, as: UTF8.self)).utf8)
        }
    }

    /// A line reader over a file in one of the encodings, with `LineReader`'s limits and locators (offsets are the
    /// file's bytes).
    struct Reader {
        let lines: LineReader
        let encoding: ExportText
        var maxLine: Int { lines.maxLine }

        init(lines: LineReader, encoding: ExportText) {
            self.lines = lines
            self.encoding = encoding
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

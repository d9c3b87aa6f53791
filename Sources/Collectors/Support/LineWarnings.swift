import JikochoModel

/// Writes a collector's warnings for one evidence item, with the line-level ones every line collector shares.
struct LineWarnings<Sink: EventSink> {
    let sink: Sink
    let evidenceID: Int64

    func callAsFunction(_ locator: String, _ text: String) throws {
        try sink.warn(CollectorWarning(evidenceID: evidenceID, locator: locator, text: text))
    }

    /// A line cut at the reader's limit says so.
    func checkLength(_ line: LineReader.Line, limit: Int) throws {
        if line.truncated {
            try self(line.locator, "line longer than \(limit) bytes; its first \(limit) bytes were kept")
        }
    }
}

extension EvidenceProbe {
    /// The first `count` lines of the head (or of its text), without their `\r`; the last line is left out when the
    /// head cut it.
    func lines(_ count: Int = 8, of bytes: [UInt8]? = nil) -> [ArraySlice<UInt8>] {
        let bytes = bytes ?? head
        var all = bytes.split(separator: 0x0A, omittingEmptySubsequences: true)
        if head.count >= EvidenceProbe.headSize, bytes.last != 0x0A, all.count > 1 { all.removeLast() }
        return all.prefix(count).map { $0.last == 0x0D ? $0.dropLast() : $0 }
    }
}

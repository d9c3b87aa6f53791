import CZlib

/// The EVTX container: a 4 KiB file header, then 64 KiB chunks of records. Spec: libevtx's "Windows XML Event Log
/// (EVTX) format" (file header, chunk header, event record). Pure: bytes in, records and problems out; the
/// collector reads the file chunk by chunk.
public enum EVTX {
    public static let fileHeaderSize = 4096
    public static let chunkSize = 65536
    static let chunkHeaderSize = 512
    static let recordHeaderSize = 24
    public static let fileSignature: [UInt8] = Array("ElfFile\0".utf8)
    public static let chunkSignature: [UInt8] = Array("ElfChnk\0".utf8)
    static let recordSignature: [UInt8] = [0x2A, 0x2A, 0x00, 0x00]

    /// The file header (the first 128 bytes of the first 4 KiB).
    public struct FileHeader: Sendable {
        public var firstChunk: UInt64
        public var lastChunk: UInt64
        public var nextRecordID: UInt64
        public var headerSize: UInt32
        public var minorVersion: UInt16
        public var majorVersion: UInt16
        public var headerBlockSize: UInt16
        public var chunkCount: UInt16
        public var flags: UInt32
        public var checksum: UInt32
        /// CRC32 of the first 120 bytes equals `checksum`.
        public var checksumValid: Bool
        /// Flag 0x1: the log was open and being written; the header may lag behind the chunks.
        public var isDirty: Bool { flags & 1 != 0 }
        /// Flag 0x2: the log was full and the retention policy kept events from being written.
        public var isFull: Bool { flags & 2 != 0 }

        /// Nil when the bytes do not start with `ElfFile\0` or are shorter than 128 bytes.
        public init?(_ b: UnsafeRawBufferPointer) {
            guard b.count >= 128, b.starts(with: EVTX.fileSignature) else { return nil }
            firstChunk = b.u64(8)
            lastChunk = b.u64(16)
            nextRecordID = b.u64(24)
            headerSize = b.u32(32)
            minorVersion = b.u16(36)
            majorVersion = b.u16(38)
            headerBlockSize = b.u16(40)
            chunkCount = b.u16(42)
            flags = b.u32(120)
            checksum = b.u32(124)
            checksumValid = CRC32.of(UnsafeRawBufferPointer(rebasing: b[0..<120])) == checksum
        }
    }

    /// A chunk header (the first 512 bytes of a chunk).
    public struct ChunkHeader: Sendable {
        public var firstRecordNumber: UInt64
        public var lastRecordNumber: UInt64
        public var firstRecordID: UInt64
        public var lastRecordID: UInt64
        public var headerSize: UInt32
        public var lastRecordOffset: UInt32
        public var freeSpaceOffset: UInt32
        public var dataChecksum: UInt32
        public var headerChecksum: UInt32
        /// CRC32 of bytes 0..<120 and 128..<512 equals `headerChecksum`.
        public var headerChecksumValid: Bool
        /// CRC32 of the records (512 up to the free space offset) equals `dataChecksum`.
        public var dataChecksumValid: Bool

        /// Nil when the bytes are not a chunk (no `ElfChnk\0`, shorter than the 512-byte header).
        public init?(_ b: UnsafeRawBufferPointer) {
            guard b.count >= EVTX.chunkHeaderSize, b.starts(with: EVTX.chunkSignature) else { return nil }
            firstRecordNumber = b.u64(8)
            lastRecordNumber = b.u64(16)
            firstRecordID = b.u64(24)
            lastRecordID = b.u64(32)
            headerSize = b.u32(40)
            lastRecordOffset = b.u32(44)
            freeSpaceOffset = b.u32(48)
            dataChecksum = b.u32(52)
            headerChecksum = b.u32(124)
            var crc = CRC32()
            crc.update(UnsafeRawBufferPointer(rebasing: b[0..<120]))
            crc.update(UnsafeRawBufferPointer(rebasing: b[128..<512]))
            headerChecksumValid = crc.value == headerChecksum
            let free = Int(freeSpaceOffset)
            if free >= EVTX.chunkHeaderSize, free <= b.count {
                dataChecksumValid = CRC32.of(UnsafeRawBufferPointer(rebasing: b[EVTX.chunkHeaderSize..<free])) == dataChecksum
            } else {
                dataChecksumValid = false
            }
        }
    }

    /// One event record of a chunk.
    public struct Record {
        /// Offset of the record inside its chunk.
        public var offset: Int
        public var size: Int
        public var recordID: UInt64
        /// When the record was written (FILETIME ticks), from the record header.
        public var written: UInt64
        /// The Binary XML body.
        public var body: [BXContent]
        /// Found in the chunk's unused space (beyond the free-space offset) rather than among its live records.
        public var recovered: Bool
        /// In a chunk the file ends inside (a copy cut short): a record that is there, which readers that take only
        /// whole chunks (python-evtx) do not see.
        public var inPartialChunk = false
        /// Read by the `fast` reader given to `readChunk`, which kept what it wanted: `body` is empty.
        public var readFast = false
    }

    /// A record's frame, checked (signature, size and its copy), and where its Binary XML lies in the chunk.
    public struct RecordFrame {
        public var offset: Int
        public var size: Int
        public var recordID: UInt64
        public var written: UInt64
        public var recovered: Bool
        public var bodyStart: Int
        public var bodyEnd: Int
    }

    /// Reads a record's body its own way before it is parsed into a tree: true when it did (the record is then
    /// visited with an empty body, `readFast` set), false to have it parsed as usual. It must return true only
    /// for bodies `BinXMLReader.parseRecord` reads without error, so that the chunk is walked the same either way.
    public typealias FastReader = (inout BinXMLReader, RecordFrame) -> Bool

    /// What reading a chunk turns up, in chunk order.
    public enum ChunkItem {
        case record(Record)
        /// A damaged place: chunk-relative offset and what is wrong. Reading goes on after it.
        case problem(offset: Int, String)
    }

    /// Reads every record of one chunk (`chunk` may be shorter than 64 KiB when the file is cut short): the live
    /// records up to the free-space offset, resynchronising on the next record signature after damage, then
    /// whole records left in the unused space after it (`recovered`). Problems are reported, never thrown.
    public static func readChunk(_ chunk: UnsafeRawBufferPointer, header: ChunkHeader, recoverSlack: Bool = true,
                                 fast: FastReader? = nil, _ visit: (ChunkItem) throws -> Void) rethrows
    {
        var reader = BinXMLReader(chunk: chunk)
        var liveEnd = Int(header.freeSpaceOffset)
        if liveEnd < chunkHeaderSize || liveEnd > chunk.count {
            try visit(.problem(offset: 48, "free-space offset 0x\(String(header.freeSpaceOffset, radix: 16)) lies outside the chunk; records are looked for by signature"))
            liveEnd = chunk.count
        }
        var pos = chunkHeaderSize
        var lastProblemAt = -1
        records: while pos + recordHeaderSize <= liveEnd {
            switch record(at: pos, in: chunk, limit: liveEnd, reader: &reader, recovered: false, fast: fast) {
            case .record(let r, let next):
                try visit(.record(r))
                pos = next
            case .problem(let text, let parsedSize):
                if pos != lastProblemAt { try visit(.problem(offset: pos, text)) }
                lastProblemAt = pos
                if let size = parsedSize {
                    // The frame was sound, only its XML was not: skip the whole record.
                    pos += size
                } else {
                    guard let next = nextSignature(in: chunk, from: pos + 1, to: liveEnd) else {
                        try visit(.problem(offset: pos, "no further record signature before the free-space offset 0x\(String(liveEnd, radix: 16))"))
                        break records
                    }
                    try visit(.problem(offset: pos, "skipped \(next - pos) bytes to the next record signature at 0x\(String(next, radix: 16))"))
                    pos = next
                }
            }
        }
        guard recoverSlack else { return }
        var slack = max(pos, liveEnd)
        var unreadable = 0
        var firstUnreadable = 0
        while let at = nextSignature(in: chunk, from: slack, to: chunk.count) {
            if case .record(let r, let next) = record(at: at, in: chunk, limit: chunk.count, reader: &reader,
                                                      recovered: true, fast: fast) {
                try visit(.record(r))
                slack = next
            } else {
                if unreadable == 0 { firstUnreadable = at }
                unreadable += 1
                slack = at + 1
            }
        }
        if unreadable > 0 {
            try visit(.problem(offset: firstUnreadable, "\(unreadable) older record(s) left in the chunk's unused space could not be decoded (partly overwritten)"))
        }
    }

    /// What reading a whole file turns up, in file order.
    public enum FileItem {
        case record(chunk: Int, Record)
        /// A damaged or odd place, by file offset.
        case problem(offset: Int, String)
    }

    /// Reads every chunk of a file: `loadChunk(i)` returns the bytes of chunk `i` (64 KiB, fewer for a file cut
    /// short). Chunks beyond the header's count are read too when they carry a valid chunk header (a dirty log's
    /// header lags behind its chunks); chunks that were never used are skipped quietly. `header` is nil for a file
    /// of bare chunks (carved from disk or memory): then chunks start at offset 0. The same as `headerProblems`, then
    /// `readChunk(index:…)` for every chunk of `chunkCount` in order, which readers that parse chunks side by side
    /// call themselves.
    public static func readChunks(header: FileHeader?, fileSize: Int, recoverSlack: Bool = true,
                                  loadChunk: (Int) throws -> [UInt8], _ visit: (FileItem) throws -> Void) throws
    {
        for problem in headerProblems(header) { try visit(problem) }
        for index in 0..<chunkCount(header: header, fileSize: fileSize) {
            try readChunk(index: index, bytes: try loadChunk(index), header: header, recoverSlack: recoverSlack, visit)
        }
    }

    /// What is wrong with a file header (checksum, version), as problems to report before its chunks.
    public static func headerProblems(_ header: FileHeader?) -> [FileItem] {
        guard let header else { return [] }
        var out: [FileItem] = []
        if !header.checksumValid {
            out.append(.problem(offset: 124, "file header checksum does not match; the header's counts may be wrong"))
        }
        if header.majorVersion != 3 {
            out.append(.problem(offset: 38, "EVTX version \(header.majorVersion).\(header.minorVersion) (3.x expected); reading on"))
        }
        return out
    }

    /// How many chunks (whole or the last cut short) a file of this size holds after its header.
    public static func chunkCount(header: FileHeader?, fileSize: Int) -> Int {
        let start = header == nil ? 0 : fileHeaderSize
        return max(0, (fileSize - start + chunkSize - 1) / chunkSize)
    }

    /// Reads chunk `index` of a file (its bytes: 64 KiB, fewer for a file cut short): a chunk depends on nothing
    /// outside itself (its strings and templates are its own), so chunks can be read in any order or side by side.
    /// Items come with file offsets.
    public static func readChunk(index: Int, bytes: [UInt8], header: FileHeader?, recoverSlack: Bool = true,
                                 fast: FastReader? = nil,
                                 _ visit: (FileItem) throws -> Void) rethrows
    {
        let base = (header == nil ? 0 : fileHeaderSize) + index * chunkSize
        try bytes.withUnsafeBytes { (chunk: UnsafeRawBufferPointer) throws in
            let declared = header.map { index < Int($0.chunkCount) } ?? true
            guard let ch = ChunkHeader(chunk) else {
                if declared || chunk.contains(where: { $0 != 0 }) {
                    try visit(.problem(offset: base, "chunk \(index): no chunk signature (ElfChnk); its records cannot be located"))
                }
                return
            }
            if chunk.count < chunkSize {
                try visit(.problem(offset: base + chunk.count, "file ends inside chunk \(index) (\(chunk.count) of 65536 bytes); reading what is there"))
            }
            if !declared {
                guard ch.headerChecksumValid else { return }
                try visit(.problem(offset: base, "chunk \(index) lies beyond the \(header?.chunkCount ?? 0) chunks the file header counts (a log closed uncleanly); read as well"))
            }
            if !ch.headerChecksumValid {
                try visit(.problem(offset: base + 124, "chunk \(index): header checksum does not match"))
            }
            if !ch.dataChecksumValid {
                try visit(.problem(offset: base + 52, "chunk \(index): records checksum does not match (records changed or damaged after writing)"))
            }
            let partial = chunk.count < chunkSize
            try readChunk(chunk, header: ch, recoverSlack: recoverSlack, fast: fast) { item in
                switch item {
                case .record(var r):
                    r.inPartialChunk = partial
                    try visit(.record(chunk: index, r))
                case .problem(let at, let text): try visit(.problem(offset: base + at, "chunk \(index): \(text)"))
                }
            }
        }
    }

    enum RecordOutcome {
        case record(Record, next: Int)
        /// `size` is set when the record's frame (signature, size, size copy) was sound.
        case problem(String, size: Int?)
    }

    static func record(at pos: Int, in chunk: UnsafeRawBufferPointer, limit: Int, reader: inout BinXMLReader,
                       recovered: Bool, fast: FastReader? = nil) -> RecordOutcome
    {
        guard chunk[pos] == 0x2A, chunk[pos + 1] == 0x2A, chunk[pos + 2] == 0, chunk[pos + 3] == 0 else {
            return .problem("no record signature (2a2a0000) where a record should start", size: nil)
        }
        let size = Int(chunk.u32(pos + 4))
        guard size >= recordHeaderSize + 4, pos + size <= limit else {
            return .problem("record size \(size) does not fit the chunk", size: nil)
        }
        let copy = Int(chunk.u32(pos + size - 4))
        guard copy == size else {
            return .problem("record size \(size) and its copy at the record's end (\(copy)) differ", size: nil)
        }
        let id = chunk.u64(pos + 8)
        let written = chunk.u64(pos + 16)
        if let fast {
            let frame = RecordFrame(offset: pos, size: size, recordID: id, written: written, recovered: recovered,
                                    bodyStart: pos + recordHeaderSize, bodyEnd: pos + size - 4)
            if fast(&reader, frame) {
                return .record(Record(offset: pos, size: size, recordID: id, written: written, body: [],
                                      recovered: recovered, readFast: true), next: pos + size)
            }
        }
        do {
            let body = try reader.parseRecord(start: pos + recordHeaderSize, end: pos + size - 4)
            return .record(Record(offset: pos, size: size, recordID: id, written: written, body: body,
                                  recovered: recovered), next: pos + size)
        } catch {
            return .problem("record \(id): Binary XML unreadable: \(error)", size: size)
        }
    }

    /// The next offset in `from..<to` where a record signature with a plausible, self-consistent size begins.
    static func nextSignature(in chunk: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        var i = max(from, chunkHeaderSize)
        while i + recordHeaderSize + 4 <= to {
            if chunk[i] == 0x2A, chunk[i + 1] == 0x2A, chunk[i + 2] == 0, chunk[i + 3] == 0 {
                let size = Int(chunk.u32(i + 4))
                if size >= recordHeaderSize + 4, i + size <= to, Int(chunk.u32(i + size - 4)) == size { return i }
            }
            i += 1
        }
        return nil
    }
}

/// CRC-32 (IEEE 802.3, reflected), which EVTX uses for its header and data checksums: zlib's.
public struct CRC32 {
    public private(set) var value: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        value = UInt32(truncatingIfNeeded: crc32(UInt(value), base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count)))
    }

    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = CRC32()
        c.update(bytes)
        return c.value
    }
}

extension UnsafeRawBufferPointer {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(littleEndianAt: at, in: self) }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
}

import Foundation

/// Reads a file line by line in 1 MiB chunks: memory stays bounded whatever the file or line length.
///
/// Lines end at `\n` (a `\r` before it is dropped). A line longer than `maxLine` is handed over cut at `maxLine`
/// bytes with `truncated` set, and the rest of it is skipped. The last line may lack its newline.
public struct LineReader {
    public struct Line {
        /// The bytes of the line, valid only during the call.
        public var bytes: UnsafeBufferPointer<UInt8>
        /// 1-based line number.
        public var number: Int
        /// Byte offset of the line's first byte in the file.
        public var offset: Int64
        /// The line was longer than the limit: `bytes` holds its first `maxLine` bytes, the rest was skipped.
        public var truncated: Bool

        /// `line 4412 @0x1f3a`: where a person finds it again.
        public var locator: String { "line \(number) @0x\(String(offset, radix: 16))" }
    }

    public static let defaultMaxLine = 1 << 20

    let path: String
    public let maxLine: Int

    public init(path: String, maxLine: Int = LineReader.defaultMaxLine) {
        self.path = path
        self.maxLine = max(1, maxLine)
    }

    /// Calls `body` for each line. Throws only when the file cannot be opened or read (or `body` throws).
    public func forEachLine(_ body: (Line) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CollectorError.unreadable(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        let chunk = 1 << 20
        // One chunk after a pending partial line of at most maxLine bytes.
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk + maxLine)
        defer { buf.deallocate() }
        var bufBase: Int64 = 0    // file offset of buf[0]
        var pending = 0           // bytes of an unfinished line at the start of buf
        var skipping = false      // inside the rest of an over-long line
        var number = 0

        func emit(_ start: Int, _ count: Int) throws {
            number += 1
            var n = min(count, maxLine)
            let truncated = count > maxLine
            if !truncated, n > 0, buf[start + n - 1] == 0x0D { n -= 1 }
            try body(Line(bytes: UnsafeBufferPointer(start: buf + start, count: n), number: number,
                          offset: bufBase + Int64(start), truncated: truncated))
        }

        while true {
            let got = read(fd, buf + pending, chunk)
            if got < 0 {
                if errno == EINTR { continue }
                throw CollectorError.unreadable(path, String(cString: strerror(errno)))
            }
            if got == 0 { break }
            let end = pending + got
            var start = 0
            var i = pending
            while i < end, let hit = memchr(buf + i, 0x0A, end - i) {
                let nl = buf.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if skipping {
                    skipping = false
                } else {
                    try emit(start, nl - start)
                }
                start = nl + 1
                i = nl + 1
            }
            let rest = end - start
            if skipping {
                bufBase += Int64(end)
                pending = 0
            } else if rest > maxLine {
                try emit(start, rest)    // cut at maxLine; the rest of the line is skipped
                skipping = true
                bufBase += Int64(end)
                pending = 0
            } else {
                if rest > 0, start > 0 { memmove(buf, buf + start, rest) }
                bufBase += Int64(start)
                pending = rest
            }
        }
        if !skipping, pending > 0 { try emit(0, pending) }
    }
}

/// Errors that stop a collector: the evidence cannot be read at all.
public enum CollectorError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case notThisFormat(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why): return "cannot read \(path): \(why)"
        case .notThisFormat(let why): return why
        }
    }
}

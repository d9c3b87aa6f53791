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

extension LineReader {
    /// Calls `body` for each line of a UTF-16 file, handed over as UTF-8 (unpaired surrogates as U+FFFD), with the
    /// same limits as `forEachLine`: a line longer than `maxLine` bytes of UTF-8 is cut there and the rest skipped.
    /// A line's offset is the byte offset of its first code unit in the file.
    public func forEachUTF16Line(littleEndian: Bool, skip: Int, _ body: (Line) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CollectorError.unreadable(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        let chunk = 1 << 20
        let raw = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk + 1)
        defer { raw.deallocate() }
        let line = UnsafeMutablePointer<UInt8>.allocate(capacity: maxLine + 4)
        defer { line.deallocate() }
        var count = 0, truncated = false, number = 0
        var offset = Int64(skip)            // of the next code unit
        var lineStart = Int64(skip)
        var carry: UInt8?                   // an odd byte left from the last read
        var high: UInt16?                   // a high surrogate waiting for its pair
        var skipped = 0

        func put(_ scalar: Unicode.Scalar) {
            var buf: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            let n = withUnsafeMutableBytes(of: &buf) { p -> Int in
                var k = 0
                for b in UTF8.encode(scalar)! { p[k] = b; k += 1 }
                return k
            }
            guard count + n <= maxLine else { truncated = true; return }
            withUnsafeBytes(of: &buf) { p in for k in 0..<n { line[count + k] = p[k] } }
            count += n
        }
        func emit() throws {
            number += 1
            var n = count
            if !truncated, n > 0, line[n - 1] == 0x0D { n -= 1 }
            try body(Line(bytes: UnsafeBufferPointer(start: line, count: n), number: number, offset: lineStart,
                          truncated: truncated))
            count = 0
            truncated = false
        }
        func unit(_ u: UInt16) throws {
            defer { offset += 2 }
            if let h = high {
                high = nil
                if (0xDC00...0xDFFF).contains(u) {
                    put(Unicode.Scalar(0x10000 + ((UInt32(h) - 0xD800) << 10) + (UInt32(u) - 0xDC00))!)
                    return
                }
                put("\u{FFFD}")
            }
            switch u {
            case 0x000A:
                try emit()
                lineStart = offset + 2
            case 0xD800...0xDBFF: high = u
            case 0xDC00...0xDFFF: put("\u{FFFD}")
            default: put(Unicode.Scalar(u)!)
            }
        }
        while true {
            var start = 0
            if let c = carry { raw[0] = c; start = 1; carry = nil }
            let got = read(fd, raw + start, chunk)
            if got < 0 {
                if errno == EINTR { continue }
                throw CollectorError.unreadable(path, String(cString: strerror(errno)))
            }
            if got == 0 { if start == 1 { carry = raw[0] }; break }
            var end = start + got
            var i = 0
            // The byte-order mark (or what the caller skips) is not text.
            while skipped < skip, i < end { i += 1; skipped += 1 }
            if (end - i) % 2 == 1 { carry = raw[end - 1]; end -= 1 }
            while i + 1 < end {
                let u = littleEndian ? UInt16(raw[i]) | UInt16(raw[i + 1]) << 8 : UInt16(raw[i]) << 8 | UInt16(raw[i + 1])
                try unit(u)
                i += 2
            }
        }
        if high != nil { put("\u{FFFD}") }
        if carry != nil { put("\u{FFFD}") }    // half a code unit at the end: the file was cut
        if count > 0 || truncated { try emit() }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Records (bytes and the number of the line or row they came from) written to a scratch file and read back last
/// first, in bounded memory: how a table listed newest first is read from its last row up.
///
/// The scratch file is removed from its folder as soon as it is made (`TMPDIR`, else /tmp), so it goes with the
/// process however that ends; it is never in the case and never beside the evidence. Each record is stored as its
/// bytes followed by their length (4 bytes) and its number (8 bytes), so that it can be found from its end.
final class RecordSpill {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let fd: Int32
    private var pending: [UInt8] = []
    private var written: Int64 = 0
    /// Records appended.
    private(set) var count = 0
    static let flushSize = 1 << 20
    /// Bytes read from the file at a time when reading back (more when one record is longer).
    static let window = 4 << 20
    private static let trailer = 12

    init() throws {
        let env = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        let folder = env.isEmpty ? "/tmp" : env
        var template = Array("\(folder)/jikocho-rows-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard made >= 0 else {
            throw Failure(description: "no scratch file could be made in \(folder) (\(String(cString: strerror(errno)))); "
                          + "set TMPDIR to a writable folder")
        }
        fd = made
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    deinit { close(fd) }

    func append(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws {
        pending.append(contentsOf: bytes)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: bytes.count).littleEndian) { pending.append(contentsOf: $0) }
        withUnsafeBytes(of: Int64(number).littleEndian) { pending.append(contentsOf: $0) }
        count += 1
        if pending.count >= RecordSpill.flushSize { try flush() }
    }

    private func flush() throws {
        if let err = pending.withUnsafeBytes({ FileIO.write(fd, $0) }) {
            throw Failure(description: "the scratch file could not be written (\(String(cString: strerror(err)))); "
                          + "free space in TMPDIR or set it to another folder")
        }
        written += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }

    /// Every record, last first.
    func forEachReversed(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        try flush()
        pending = []
        var end = written          // the records before this offset are still to be read
        var buffer: [UInt8] = []
        var bufferStart = end      // `buffer` holds the file's bytes from here to `end` (or beyond: spent)

        /// Makes sure the `n` bytes before `end` are in the buffer.
        func load(_ n: Int) throws {
            if end - bufferStart >= Int64(n) { return }
            let start = max(0, end - Int64(max(n, RecordSpill.window)))
            let size = Int(end - start)
            buffer = [UInt8](repeating: 0, count: size)
            let (got, err) = buffer.withUnsafeMutableBytes { FileIO.read(fd, into: $0, at: start) }
            guard got == size else {
                throw Failure(description: "the scratch file could not be read back ("
                              + (err.map { String(cString: strerror($0)) } ?? "it ended early") + ")")
            }
            bufferStart = start
        }

        while end > 0 {
            try load(RecordSpill.trailer)
            let at = Int(end - bufferStart) - RecordSpill.trailer
            var length: UInt32 = 0, number: Int64 = 0
            buffer.withUnsafeBytes { raw in
                length = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                number = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: Int64.self))
            }
            let total = RecordSpill.trailer + Int(length)
            guard Int64(total) <= end else { throw Failure(description: "the scratch file is damaged") }
            try load(total)
            let from = Int(end - bufferStart) - total
            try buffer.withUnsafeBufferPointer { b in
                try body(UnsafeBufferPointer(rebasing: b[from..<(from + Int(length))]), Int(number))
            }
            end -= Int64(total)
        }
    }
}

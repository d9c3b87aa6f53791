#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole reads and writes on a file descriptor: a short transfer is continued and EINTR retried, so that callers
/// handle only real failures.
public enum FileIO {
    /// Writes the whole buffer; nil when done, else the errno of the write that failed (EIO for a write that wrote
    /// nothing).
    public static func write(_ fd: Int32, _ buf: UnsafeRawBufferPointer) -> Int32? {
        var done = 0
        while done < buf.count {
            let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
            if n < 0, errno == EINTR { continue }
            if n < 0 { return errno }
            if n == 0 { return EIO }
            done += n
        }
        return nil
    }

    /// Reads up to `buf.count` bytes from `offset`: how many were read (fewer at the end of the file) and the errno
    /// of a read that failed.
    public static func read(_ fd: Int32, into buf: UnsafeMutableRawBufferPointer, at offset: Int64) -> (count: Int, error: Int32?) {
        var done = 0
        while done < buf.count {
            let n = pread(fd, buf.baseAddress! + done, buf.count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            if n < 0 { return (done, errno) }
            if n == 0 { break }
            done += n
        }
        return (done, nil)
    }
}

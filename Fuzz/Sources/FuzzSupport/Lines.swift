/// Calls `body` with each line of a fuzz input (split at `\n`, a `\r` before it dropped), as the line collectors
/// hand lines to their parsers.
public func forEachLine(_ start: UnsafeRawPointer, _ count: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    let bytes = UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count)
    var lineStart = 0
    for i in 0...count {
        if i == count || bytes[i] == 0x0A {
            var end = i
            if end > lineStart, bytes[end - 1] == 0x0D { end -= 1 }
            body(UnsafeBufferPointer(rebasing: bytes[lineStart..<end]))
            lineStart = i + 1
        }
    }
}

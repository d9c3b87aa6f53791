/// Cuts a byte stream into length-prefixed frames (MBAP, TPKT, DNP3 link frames, APDUs), whatever the
/// pieces it arrives in. Frames that fit in the piece at hand are not copied into the buffer.
public struct FrameBuffer {
    public enum Length {
        /// Not enough bytes to know yet.
        case needMore
        /// A frame of this many bytes (header included) starts here.
        case frame(Int)
        /// Not a frame header: the reason. The buffer is dropped and framing starts again with the next piece.
        case invalid(String)
    }

    var buffer: [UInt8] = []
    public var maxFrame: Int

    public init(maxFrame: Int) {
        self.maxFrame = maxFrame
    }

    public var buffered: Int { buffer.count }

    public mutating func reset() { buffer.removeAll(keepingCapacity: true) }

    /// Appends `bytes` and calls `frame` for each complete frame, `invalid` once when the stream does not frame.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, length: (UnsafeRawBufferPointer) -> Length,
                              frame: (UnsafeRawBufferPointer) -> Void, invalid: (String) -> Void) {
        if buffer.isEmpty {
            let used = cut(bytes, length: length, frame: frame, invalid: invalid)
            if used >= 0, used < bytes.count { buffer.append(contentsOf: bytes[used...]) }
            return
        }
        buffer.append(contentsOf: bytes)
        let used = buffer.withUnsafeBytes { cut($0, length: length, frame: frame, invalid: invalid) }
        if used < 0 {
            buffer.removeAll(keepingCapacity: true)
        } else if used > 0 {
            buffer.removeFirst(used)
        }
        if buffer.count > maxFrame {
            invalid("\(buffer.count) bytes buffered without a complete frame (limit \(maxFrame))")
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Returns the bytes consumed, or -1 when the stream stopped framing.
    private func cut(_ b: UnsafeRawBufferPointer, length: (UnsafeRawBufferPointer) -> Length,
                     frame: (UnsafeRawBufferPointer) -> Void, invalid: (String) -> Void) -> Int {
        var at = 0
        while at < b.count {
            let rest = UnsafeRawBufferPointer(rebasing: b[at...])
            switch length(rest) {
            case .needMore:
                return at
            case .invalid(let why):
                invalid(why)
                return -1
            case .frame(let n):
                guard n > 0, n <= maxFrame else {
                    invalid("frame length \(n) out of range (1…\(maxFrame))")
                    return -1
                }
                if n > rest.count { return at }
                frame(UnsafeRawBufferPointer(rebasing: rest[..<n]))
                at += n
            }
        }
        return at
    }
}

/// The two directions of a stream, each cut into frames by the same rule.
public struct DuplexFramer {
    var toServer: FrameBuffer
    var toClient: FrameBuffer
    /// A frame's length from its first bytes and its direction (`true`: from the client).
    let length: (UnsafeRawBufferPointer, Bool) -> FrameBuffer.Length

    public init(maxFrame: Int, length: @escaping (UnsafeRawBufferPointer) -> FrameBuffer.Length) {
        self.init(maxFrame: maxFrame, directedLength: { b, _ in length(b) })
    }

    /// For a protocol whose frames' lengths depend on the direction (Modbus RTU: a request's and an answer's layouts
    /// differ for the same function).
    public init(maxFrame: Int, directedLength: @escaping (UnsafeRawBufferPointer, Bool) -> FrameBuffer.Length) {
        toServer = FrameBuffer(maxFrame: maxFrame)
        toClient = FrameBuffer(maxFrame: maxFrame)
        length = directedLength
    }

    /// The whole frames this piece completes (copied), and why framing had to restart, if it did.
    public mutating func frames(_ bytes: UnsafeRawBufferPointer, fromClient: Bool) -> (frames: [[UInt8]], problems: [String]) {
        var frames: [[UInt8]] = []
        var problems: [String] = []
        if fromClient {
            toServer.feed(bytes, length: { length($0, true) }, frame: { frames.append([UInt8]($0)) }, invalid: { problems.append($0) })
        } else {
            toClient.feed(bytes, length: { length($0, false) }, frame: { frames.append([UInt8]($0)) }, invalid: { problems.append($0) })
        }
        return (frames, problems)
    }

    /// After a gap: that direction starts framing again.
    public mutating func reset(fromClient: Bool) {
        if fromClient { toServer.reset() } else { toClient.reset() }
    }
}

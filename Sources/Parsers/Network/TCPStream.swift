/// One direction of a TCP connection put back in order.
///
/// In-order data is handed on without copying; segments that arrive early wait (copied) until the hole before
/// them is filled, up to `maxPendingBytes`; past that the hole is declared a gap and reading goes on after it.
/// Retransmitted and overlapping bytes are delivered once: the first copy seen wins (as in Wireshark and Zeek).
public struct TCPStream {
    struct Segment {
        var seq: UInt32
        var bytes: [UInt8]
        var packet: Int
    }

    public enum Piece {
        case data(UnsafeRawBufferPointer, packet: Int)
        /// Bytes that never arrived in the capture (lost, or outside it); `bytes` is the size of the hole.
        case gap(bytes: Int, packet: Int)
    }

    /// Sequence number of the next byte expected; nil before the first segment.
    public private(set) var nextSeq: UInt32?
    var pending: [Segment] = []
    public private(set) var pendingBytes = 0
    public private(set) var delivered: Int64 = 0
    public private(set) var retransmittedBytes: Int64 = 0
    public private(set) var gaps = 0
    public private(set) var gapBytes: Int64 = 0
    public var sawSYN = false
    public var sawFIN = false
    public var maxPendingBytes = 1 << 20
    public var maxPendingSegments = 2048

    public init() {}

    /// Takes one segment; calls `deliver` for each run of bytes now in order (and for gaps).
    public mutating func add(seq: UInt32, syn: Bool, fin: Bool, payload: UnsafeRawBufferPointer, packet: Int,
                             deliver: (Piece) -> Void) {
        var seq = seq
        if syn {
            sawSYN = true
            if nextSeq == nil || delivered == 0 && pending.isEmpty { nextSeq = seq &+ 1 }
            seq = seq &+ 1
        }
        if fin { sawFIN = true }
        guard payload.count > 0 else { return }
        if nextSeq == nil { nextSeq = seq }   // picked up mid-connection
        guard let next = nextSeq else { return }
        let d = Int64(Int32(bitPattern: seq &- next))
        if d <= 0 {
            let overlap = Int(-d)
            if overlap >= payload.count {
                retransmittedBytes += Int64(payload.count)
                return
            }
            retransmittedBytes += Int64(overlap)
            let fresh = UnsafeRawBufferPointer(rebasing: payload[overlap...])
            nextSeq = next &+ UInt32(fresh.count)
            delivered += Int64(fresh.count)
            deliver(.data(fresh, packet: packet))
            drain(deliver)
        } else {
            insert(Segment(seq: seq, bytes: [UInt8](payload), packet: packet))
            if pendingBytes > maxPendingBytes || pending.count > maxPendingSegments { skipHole(deliver) }
        }
    }

    /// Gives up on the hole before the earliest waiting segment and delivers what follows it.
    public mutating func skipHole(_ deliver: (Piece) -> Void) {
        guard let first = pending.first, let next = nextSeq else { return }
        let hole = Int(Int32(bitPattern: first.seq &- next))
        if hole > 0 {
            gaps += 1
            gapBytes += Int64(hole)
            deliver(.gap(bytes: hole, packet: first.packet))
            nextSeq = first.seq
        }
        drain(deliver)
    }

    /// At the end of the connection or capture: every waiting segment, with the holes between them as gaps.
    public mutating func flush(_ deliver: (Piece) -> Void) {
        while !pending.isEmpty { skipHole(deliver) }
    }

    mutating func insert(_ s: Segment) {
        guard let next = nextSeq else { return }
        let rel = Int32(bitPattern: s.seq &- next)
        var i = pending.count
        while i > 0, Int32(bitPattern: pending[i - 1].seq &- next) > rel { i -= 1 }
        pending.insert(s, at: i)
        pendingBytes += s.bytes.count
    }

    mutating func drain(_ deliver: (Piece) -> Void) {
        while let first = pending.first, let next = nextSeq {
            let d = Int(Int32(bitPattern: first.seq &- next))
            if d > 0 { return }
            pending.removeFirst()
            pendingBytes -= first.bytes.count
            let overlap = -d
            if overlap >= first.bytes.count {
                retransmittedBytes += Int64(first.bytes.count)
                continue
            }
            retransmittedBytes += Int64(overlap)
            let count = first.bytes.count - overlap
            nextSeq = next &+ UInt32(count)
            delivered += Int64(count)
            first.bytes.withUnsafeBytes { b in
                deliver(.data(UnsafeRawBufferPointer(rebasing: b[overlap...]), packet: first.packet))
            }
        }
    }
}

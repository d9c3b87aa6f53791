/// IPv4 and IPv6 fragment reassembly with bounded memory: at most `maxDatagram` bytes per datagram,
/// `maxTotal` bytes over all incomplete datagrams, and incomplete datagrams dropped after `timeout`.
/// Overlapping fragments keep the bytes that arrived first; an overlap that changes bytes is reported.
public struct FragmentReassembler {
    public struct Key: Hashable {
        var src: IPAddress
        var dst: IPAddress
        var id: UInt32
        var proto: UInt8
    }

    struct Pending {
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        var bytes = 0
        var totalLength: Int?
        var firstSeen: Int64
        var firstPacket: Int
        var conflicting = false
    }

    public enum Outcome {
        case incomplete
        /// The whole transport payload (transport header first).
        case complete([UInt8], firstPacket: Int, conflicting: Bool)
        case dropped(String)
    }

    public var maxDatagram = 65_535 + 8
    public var maxTotal = 16 << 20
    public var timeoutNanos: Int64 = 60_000_000_000
    private var pending: [Key: Pending] = [:]
    private var totalBytes = 0
    public private(set) var expired = 0

    public init() {}

    public var bufferedBytes: Int { totalBytes }

    /// Adds one fragment (the IP payload bytes after the headers) seen at `time` in packet `packet`.
    public mutating func add(_ p: DecodedPacket, payload: UnsafeRawBufferPointer, time: Int64, packet: Int) -> Outcome {
        let key = Key(src: p.src, dst: p.dst, id: p.fragmentID, proto: p.proto)
        let end = p.fragmentOffset + payload.count
        guard end <= maxDatagram else {
            if let old = pending.removeValue(forKey: key) { totalBytes -= old.bytes }
            return .dropped("fragment ends at byte \(end), past the largest datagram (\(maxDatagram)); datagram dropped")
        }
        var entry = pending[key] ?? Pending(firstSeen: time, firstPacket: packet)
        if totalBytes + payload.count > maxTotal {
            return .dropped("fragment reassembly holds \(totalBytes) bytes (limit \(maxTotal)); fragment dropped")
        }
        // Overlap check against what is there: the first arrival wins.
        for piece in entry.pieces {
            let lo = max(piece.offset, p.fragmentOffset), hi = min(piece.offset + piece.bytes.count, end)
            if lo < hi {
                for i in lo..<hi where piece.bytes[i - piece.offset] != payload[i - p.fragmentOffset] {
                    entry.conflicting = true
                    break
                }
            }
        }
        entry.pieces.append((p.fragmentOffset, [UInt8](payload)))
        entry.bytes += payload.count
        totalBytes += payload.count
        if !p.moreFragments { entry.totalLength = end }
        guard let total = entry.totalLength else {
            pending[key] = entry
            return .incomplete
        }
        // Complete when the pieces cover 0..<total.
        let sorted = entry.pieces.sorted { $0.offset < $1.offset }
        var covered = 0
        for piece in sorted where piece.offset <= covered {
            covered = max(covered, piece.offset + piece.bytes.count)
        }
        guard covered >= total else {
            pending[key] = entry
            return .incomplete
        }
        var out = [UInt8](repeating: 0, count: total)
        var filled = [Bool](repeating: false, count: total)
        for piece in entry.pieces {   // arrival order: first wins
            for (i, byte) in piece.bytes.enumerated() {
                let at = piece.offset + i
                if at < total, !filled[at] {
                    out[at] = byte
                    filled[at] = true
                }
            }
        }
        pending[key] = nil
        totalBytes -= entry.bytes
        return .complete(out, firstPacket: entry.firstPacket, conflicting: entry.conflicting)
    }

    /// Drops incomplete datagrams older than the timeout; returns the first packet numbers of those dropped.
    public mutating func expire(now: Int64) -> [Int] {
        guard !pending.isEmpty else { return [] }
        var gone: [Int] = []
        for (k, v) in pending where now - v.firstSeen > timeoutNanos {
            gone.append(v.firstPacket)
            totalBytes -= v.bytes
            pending[k] = nil
        }
        expired += gone.count
        return gone.sorted()
    }

    /// Everything still incomplete (at the end of the capture): first packet numbers.
    public mutating func drain() -> [Int] {
        let all = pending.values.map(\.firstPacket).sorted()
        pending = [:]
        totalBytes = 0
        return all
    }
}

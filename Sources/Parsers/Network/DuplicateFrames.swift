#if canImport(Glibc)
import Glibc
#endif

/// Copies of one frame that a capture holds twice, told apart from frames sent twice.
///
/// - A SPAN session that mirrors both directions, or two taps merged, records a packet once per place it passed: the
///   same bytes, microseconds apart. Kept, every message over UDP (BACnet, DNP3 and Modbus over UDP, GOOSE, SNMP) is
///   decoded twice: a capture of 4 refused ReinitializeDevice requests reads as 12, and brute-force counts with it.
///   An application that sends again sends other bytes (a new IP identification, sequence or invoke number) or sends
///   later: the shared BACnet capture repeats identical frames 5 to 50 ms apart, which are the devices' own. So a
///   frame is an identical copy only when its bytes equal one of the last frames' and it comes within
///   `identicalWindow` (2 ms) of it.
/// - A network with IEC 62439-3 redundancy sends every frame twice on purpose: PRP over two LANs, with a redundancy
///   control trailer (sequence number, LAN A or B, the payload's size, suffix 0x88FB) at the end; HSR both ways round a
///   ring, with a tag after the MAC addresses (path, size, sequence number). A node takes the first copy and discards
///   the second by its source and sequence number; so does this, when the copies are the same frame but for the LAN
///   or path they took (a frame that claims another frame's sequence number but differs from it is kept), within the
///   standard's entry forget time (`redundancyWindow`, 400 ms).
///
/// Bounded: the last `slots` frames of at most `slotBytes` each (libpcap's largest snap length), each slot's buffer
/// grown to the largest frame it has held.
struct DuplicateFrames {
    enum Copy { case identical, prp, hsr }

    static let slots = 32
    /// Frames larger are not compared (a capture's records are at most this long unless it lies).
    static let slotBytes = 262_144
    static let identicalWindow: Int64 = 2_000_000
    static let redundancyWindow: Int64 = 400_000_000

    /// One remembered frame: its hash (0 for none), length, time, the LAN (PRP) or path (HSR) nibble as it carried it
    /// (0xFF for a frame with neither), and its bytes.
    struct Slot {
        var hash: UInt64 = 0
        var length = 0
        var time: Int64 = 0
        var tag: UInt8 = 0xFF
        var bytes: UnsafeMutablePointer<UInt8>?
        var capacity = 0
    }

    /// Held through a pointer, not an array: the scan of every frame makes no copy-on-write or bounds checks.
    private let slot: UnsafeMutablePointer<Slot>
    private var next = 0

    init() {
        slot = .allocate(capacity: Self.slots)
        slot.initialize(repeating: Slot(), count: Self.slots)
    }

    func release() {
        for i in 0..<Self.slots { slot[i].bytes?.deallocate() }
        slot.deallocate()
    }

    /// The slot's buffer, large enough for `n` bytes.
    private func buffer(_ i: Int, _ n: Int) -> UnsafeMutablePointer<UInt8> {
        if let b = slot[i].bytes, slot[i].capacity >= n { return b }
        slot[i].bytes?.deallocate()
        let size = max(n, 2048)
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        slot[i].bytes = b
        slot[i].capacity = size
        return b
    }

    /// Whether the frame is a copy of one of the last (then it is not remembered: the first copy stays the one later
    /// frames are compared with). `ethernet`: the link is Ethernet, where PRP and HSR are looked for.
    mutating func copy(_ bytes: UnsafeRawBufferPointer, time: Int64, ethernet: Bool) -> Copy? {
        let n = bytes.count
        guard n >= 14, n <= Self.slotBytes, let src = bytes.baseAddress else { return nil }
        let here = next
        let frame = buffer(here, n)
        memcpy(frame, src, n)
        // The redundancy field is left out of the comparison: the two copies differ there and only there.
        var redundancy: (kind: Copy, at: Int, tag: UInt8)?
        if ethernet, let r = Self.redundancyField(frame, n) {
            redundancy = r
            frame[r.at] &= 0x0F
        }
        let h = Self.hash(frame, n)
        for i in 0..<Self.slots where slot[i].hash == h && slot[i].length == n && i != here {
            let t = slot[i].time
            let gap = time > t ? time - t : t - time
            let copy: Copy
            if let r = redundancy, slot[i].tag != r.tag {
                guard gap <= Self.redundancyWindow else { continue }
                copy = r.kind
            } else {
                guard gap <= Self.identicalWindow else { continue }
                copy = .identical
            }
            if let other = slot[i].bytes, memcmp(other, frame, n) == 0 { return copy }
        }
        slot[here].hash = h
        slot[here].length = n
        slot[here].time = time
        slot[here].tag = redundancy?.tag ?? 0xFF
        next = here + 1 == Self.slots ? 0 : here + 1
        return nil
    }

    /// Where the frame's LAN or path nibble is (in its high four bits) and what it is: an HSR tag after the MAC
    /// addresses and any VLAN tags, or a PRP trailer at the frame's end (in a frame of minimum size, padding may follow
    /// it: searched back from the end, as Wireshark's PRP dissector does).
    static func redundancyField(_ f: UnsafeMutablePointer<UInt8>, _ n: Int) -> (kind: Copy, at: Int, tag: UInt8)? {
        var off = 12
        while off + 4 <= n {
            let type = UInt16(f[off]) << 8 | UInt16(f[off + 1])
            if type == 0x8100 || type == 0x88A8 || type == 0x9100 { off += 4; continue }
            if type == 0x892F, off + 8 <= n { return (.hsr, off + 2, f[off + 2] >> 4) }
            break
        }
        let header = off + 2    // the payload (the PRP "LSDU") starts after the EtherType
        func trailer(endingAt end: Int) -> (kind: Copy, at: Int, tag: UInt8)? {
            guard end - 6 >= header, f[end - 2] == 0x88, f[end - 1] == 0xFB else { return nil }
            let lan = f[end - 4] >> 4
            let size = Int(f[end - 4] & 0x0F) << 8 | Int(f[end - 3])
            guard lan == 0xA || lan == 0xB, size == (end - header) & 0x0FFF else { return nil }
            return (.prp, end - 4, lan)
        }
        if let t = trailer(endingAt: n) { return t }
        if n <= 60 {
            var end = n - 1
            while end - 6 >= header {
                if let t = trailer(endingAt: end) { return t }
                end -= 1
            }
        }
        return nil
    }

    /// A quick hash of the frame's bytes, eight at a time (only to find the frames worth comparing whole).
    static func hash(_ f: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        let raw = UnsafeRawPointer(f)
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(f[i])) &* 0x100_0000_01B3
            i += 1
        }
        let r = h ^ (h >> 32)
        return r == 0 ? 1 : r    // 0 marks an empty slot
    }
}

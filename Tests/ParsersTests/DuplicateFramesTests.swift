@testable import Parsers
import Testing

/// A frame the capture holds twice is known by its bytes and its time: a SPAN copy is the same bytes within 2 ms, a
/// PRP or HSR copy the same frame but for its LAN or path, within 400 ms; anything else is a frame of its own.
@Suite struct DuplicateFramesTests {
    /// A UDP datagram from 10.0.0.1 to 10.0.0.2 in an Ethernet frame, with `payload`.
    static func frame(_ payload: [UInt8], vlan: UInt16? = nil) -> [UInt8] {
        let udp: [UInt8] = [0xBA, 0xC0, 0xBA, 0xC0, 0, UInt8(8 + payload.count), 0, 0] + payload
        let ip: [UInt8] = [0x45, 0, 0, UInt8(20 + udp.count), 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        let tag: [UInt8] = vlan.map { [0x81, 0x00, UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? []
        return [0, 0x1B, 0x1B, 1, 2, 3, 0, 0x0E, 0x8C, 4, 5, 6] + tag + [0x08, 0x00] + ip + udp
    }

    static func prp(_ f: [UInt8], seq: UInt16, lan: UInt8, header: Int = 14, size: Int? = nil) -> [UInt8] {
        let s = size ?? (f.count + 6 - header)
        return f + [UInt8(seq >> 8), UInt8(seq & 0xFF), lan << 4 | UInt8((s >> 8) & 0x0F), UInt8(s & 0xFF), 0x88, 0xFB]
    }

    static func hsr(_ f: [UInt8], seq: UInt16, path: UInt8) -> [UInt8] {
        let s = f.count - 8
        return Array(f[0..<12]) + [0x89, 0x2F, path << 4 | UInt8(s >> 8), UInt8(s & 0xFF), UInt8(seq >> 8), UInt8(seq & 0xFF)] + f[12...]
    }

    /// Frames at their times (ns) through one memory of recent frames: what each was found a copy of.
    static func copies(_ frames: [([UInt8], Int64)]) -> [DuplicateFrames.Copy?] {
        var d = DuplicateFrames()
        defer { d.release() }
        return frames.map { f, t in f.withUnsafeBytes { d.copy($0, time: t, ethernet: true) } }
    }

    @Test func identicalFramesAreCopiesOnlyWithinTwoMilliseconds() {
        let f = Self.frame([1, 2, 3, 4])
        #expect(Self.copies([(f, 0), (f, 1_000_000)]) == [nil, .identical])
        #expect(Self.copies([(f, 0), (f, 2_000_000)]) == [nil, .identical])
        // The shared BACnet capture's devices repeat identical frames 5 to 50 ms apart: their own, kept.
        #expect(Self.copies([(f, 0), (f, 5_000_000)]) == [nil, nil])
        // A capture's times may go back: the gap is what counts.
        #expect(Self.copies([(f, 5_000_000), (f, 4_500_000)]) == [nil, .identical])
        // One byte apart is another frame, whatever the time.
        #expect(Self.copies([(f, 0), (Self.frame([1, 2, 3, 5]), 10)]) == [nil, nil])
        // The first copy stays the one compared with: a third copy 1.5 ms after the second is 3 ms after the first.
        #expect(Self.copies([(f, 0), (f, 1_500_000), (f, 3_000_000)]) == [nil, .identical, nil])
    }

    @Test func prpCopiesAreTheSameFrameFromTheOtherLAN() {
        let f = Self.frame([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        let a = Self.prp(f, seq: 7, lan: 0xA), b = Self.prp(f, seq: 7, lan: 0xB)
        #expect(Self.copies([(a, 0), (b, 300_000_000)]) == [nil, .prp])
        #expect(Self.copies([(b, 0), (a, 40_000)]) == [nil, .prp])
        // Past the standard's entry forget time, a frame of its own.
        #expect(Self.copies([(a, 0), (b, 500_000_000)]) == [nil, nil])
        // The same LAN twice is no PRP copy: identical within 2 ms (a SPAN of that LAN), else the sender's own.
        #expect(Self.copies([(a, 0), (a, 10_000)]) == [nil, .identical])
        #expect(Self.copies([(a, 0), (a, 300_000_000)]) == [nil, nil])
        // Another sequence number, or other bytes under the same one (a forged frame claiming it), is another frame.
        #expect(Self.copies([(a, 0), (Self.prp(f, seq: 8, lan: 0xB), 10_000)]) == [nil, nil])
        let forged = Self.prp(Self.frame([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]), seq: 7, lan: 0xB)
        #expect(Self.copies([(a, 0), (forged, 10_000)]) == [nil, nil])
        // Behind a VLAN tag the payload's size is counted after the tag.
        let tagged = Self.frame([1, 2, 3], vlan: 10)
        #expect(Self.copies([(Self.prp(tagged, seq: 1, lan: 0xA, header: 18), 0),
                             (Self.prp(tagged, seq: 1, lan: 0xB, header: 18), 300_000_000)]) == [nil, .prp])
    }

    /// A trailer that lies about the payload's size, or names no LAN, is no trailer: the frames differ, and are kept.
    @Test func aTrailerThatDoesNotFitIsNoTrailer() {
        let f = Self.frame(Array(repeating: 0x55, count: 30))
        for (lanA, lanB, size) in [(UInt8(0xA), UInt8(0xB), 99), (0x3, 0x4, nil), (0xA, 0xB, 0)] {
            let a = Self.prp(f, seq: 1, lan: lanA, size: size), b = Self.prp(f, seq: 1, lan: lanB, size: size)
            #expect(Self.copies([(a, 0), (b, 100_000_000)]) == [nil, nil], "lan \(lanA)/\(lanB) size \(String(describing: size))")
        }
    }

    /// A short frame is padded to 60 bytes after its trailer by some senders: the trailer is found inside it.
    @Test func aPaddedShortFrameKeepsItsTrailer() {
        let f = Self.frame([1])
        func padded(_ lan: UInt8) -> [UInt8] {
            let p = Self.prp(f, seq: 3, lan: lan)
            return p + [UInt8](repeating: 0, count: max(0, 60 - p.count))
        }
        #expect(padded(0xA).count == 60)
        #expect(Self.copies([(padded(0xA), 0), (padded(0xB), 100_000_000)]) == [nil, .prp])
    }

    @Test func hsrCopiesComeBothWaysRoundTheRing() {
        let f = Self.frame([4, 4, 4, 4, 4, 4])
        #expect(Self.copies([(Self.hsr(f, seq: 9, path: 0), 0), (Self.hsr(f, seq: 9, path: 1), 15_000)]) == [nil, .hsr])
        #expect(Self.copies([(Self.hsr(f, seq: 9, path: 0), 0), (Self.hsr(f, seq: 10, path: 1), 15_000)]) == [nil, nil])
        // Some nodes send both copies on one path: identical frames, known as such within 2 ms.
        #expect(Self.copies([(Self.hsr(f, seq: 9, path: 0), 0), (Self.hsr(f, seq: 9, path: 0), 15_000)]) == [nil, .identical])
    }

    /// The memory is the last frames: a copy more than 31 frames after its first is not found; frames larger than
    /// a jumbo frame are never compared.
    @Test func theMemoryIsBounded() {
        let f = Self.frame([0xAA, 0xBB])
        var near: [([UInt8], Int64)] = [(f, 0)]
        for i in 0..<30 { near.append((Self.frame([UInt8(i)]), Int64(i))) }
        near.append((f, 100))
        #expect(Self.copies(near).last == .identical)
        var far: [([UInt8], Int64)] = [(f, 0)]
        for i in 0..<40 { far.append((Self.frame([UInt8(i)]), Int64(i))) }
        far.append((f, 100))
        #expect(Self.copies(far).last == .some(nil))
        let jumbo = Self.frame([UInt8](repeating: 1, count: 200)) + [UInt8](repeating: 2, count: DuplicateFrames.slotBytes)
        #expect(Self.copies([(jumbo, 0), (jumbo, 10)]) == [nil, nil])
    }

    /// Cut and random frames, with and without the redundancy fields' markers, never crash or read past their end.
    @Test func hostileFramesNeverCrash() {
        var rng = SplitMix(seed: 0xC0B1E5)
        var d = DuplicateFrames()
        defer { d.release() }
        let base = Self.prp(Self.frame([1, 2, 3]), seq: 5, lan: 0xA)
        for i in 0..<20_000 {
            var f: [UInt8]
            switch i % 4 {
            case 0: f = Array(base.prefix(Int(rng.next() % UInt64(base.count + 1))))
            case 1: f = (0..<Int(rng.next() % 80)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 2:
                f = (0..<Int(rng.next() % 70)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if f.count >= 2 { f[f.count - 2] = 0x88; f[f.count - 1] = 0xFB }
            default:
                f = (0..<Int(14 + rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                f[12] = [0x89, 0x81, 0x88][i % 3]; f[13] = [0x2F, 0x00, 0xA8][i % 3]
            }
            _ = f.withUnsafeBytes { d.copy($0, time: Int64(i) * 1000, ethernet: true) }
        }
    }
}

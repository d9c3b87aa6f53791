import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

func lines(of bytes: [UInt8], maxLine: Int = LineReader.defaultMaxLine) throws -> [(String, Int, Int64, Bool)] {
    let tmp = TempDir()
    let path = tmp.file("f", bytes)
    var out: [(String, Int, Int64, Bool)] = []
    try LineReader(path: path, maxLine: maxLine).forEachLine { l in
        out.append((String(decoding: l.bytes, as: UTF8.self), l.number, l.offset, l.truncated))
    }
    return out
}

@Suite struct LineReaderTests {
    /// UTF-16 text (AnyDesk's lists): lines handed over as UTF-8 with the offsets of their first code units, a
    /// surrogate pair kept whole where a 1 MiB read splits it, CRLF dropped, the encoding told from the first bytes.
    @Test func readsUTF16LinesAsUTF8() throws {
        func utf16(_ s: String, le: Bool = true) -> [UInt8] {
            s.utf16.flatMap { le ? [UInt8($0 & 0xFF), UInt8($0 >> 8)] : [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
        // The pair 🙂 (D83D DE42) straddles the first read of 1 MiB: the filler is odd-sized so it starts 2 bytes early.
        let filler = String(repeating: "a", count: (1 << 19) - 2)
        let text = "one\r\n" + "two 🙂\n" + filler + "🙂x\n" + "last é"
        let tmp = TempDir()
        for (bytes, le, bom) in [(utf16(text), true, 0), ([0xFF, 0xFE] + utf16(text), true, 2),
                                 ([0xFE, 0xFF] + utf16(text, le: false), false, 2)] {
            let path = tmp.file("u\(bom)\(le)", bytes)
            #expect(TextEncoding.of(head: Array(bytes.prefix(64))) == .utf16(littleEndian: le, bom: bom))
            var got: [(String, Int64)] = []
            try LineReader(path: path).forEachUTF16Line(littleEndian: le, skip: bom) { l in
                got.append((String(decoding: l.bytes, as: UTF8.self), l.offset))
            }
            #expect(got.map(\.0) == ["one", "two 🙂", filler + "🙂x", "last é"])
            #expect(got.map(\.1) == [Int64(bom), Int64(bom + 10), Int64(bom + 24), Int64(bom + 24 + 2 * (filler.utf16.count + 4))])
        }
        #expect(TextEncoding.of(head: Array("Incoming    2024".utf8)) == .utf8)
        #expect(TextEncoding.utf16(littleEndian: true, bom: 2).utf8([0xFF, 0xFE, 0x41, 0x00, 0x42]) == Array("A".utf8))
        // An over-long UTF-16 line is cut at the limit like any other.
        let long = tmp.file("long", utf16(String(repeating: "b", count: 5000) + "\nc"))
        var cut: [(Int, Bool)] = []
        try LineReader(path: long, maxLine: 1000).forEachUTF16Line(littleEndian: true, skip: 0) { l in cut.append((l.bytes.count, l.truncated)) }
        #expect(cut.map(\.0) == [1000, 1] && cut.map(\.1) == [true, false])
    }

    @Test func splitsLinesWithOffsetsCRLFAndAMissingLastNewline() throws {
        let r = try lines(of: Array("one\r\ntwo\n\nthree".utf8))
        #expect(r.map(\.0) == ["one", "two", "", "three"])
        #expect(r.map(\.1) == [1, 2, 3, 4])
        #expect(r.map(\.2) == [0, 5, 9, 10])
        #expect(r.allSatisfy { !$0.3 })
    }

    @Test func emptyFileHasNoLines() throws {
        #expect(try lines(of: []).isEmpty)
        #expect(try lines(of: [0x0A]).map(\.0) == [""])
    }

    /// A 10 MB line between two short ones: cut at the limit, the rest skipped, the next line intact.
    @Test func cutsAnOverlongLineAndGoesOn() throws {
        let long = [UInt8](repeating: UInt8(ascii: "A"), count: 10_000_000)
        let r = try lines(of: Array("first\n".utf8) + long + Array("\nlast\n".utf8), maxLine: 1 << 20)
        #expect(r.count == 3)
        #expect(r[1].0.count == 1 << 20)
        #expect(r[1].3)
        #expect(r[2].0 == "last")
        #expect(r[2].2 == Int64(6 + 10_000_000 + 1))
        // Over-long at the very end, without a newline.
        let tail = try lines(of: Array("x\n".utf8) + long, maxLine: 1000)
        #expect(tail.count == 2)
        #expect(tail[1].0.count == 1000)
        #expect(tail[1].3)
    }

    /// Lines that straddle the 1 MiB read chunks keep their bytes and offsets.
    @Test func linesAcrossChunkBoundaries() throws {
        var bytes = [UInt8]()
        var expected: [(String, Int64)] = []
        var i = 0
        while bytes.count < 3 << 20 {
            let s = "line \(i) " + String(repeating: "x", count: i % 997)
            expected.append((s, Int64(bytes.count)))
            bytes += Array(s.utf8) + [0x0A]
            i += 1
        }
        let r = try lines(of: bytes)
        #expect(r.count == expected.count)
        #expect(zip(r, expected).allSatisfy { $0.0 == $1.0 && $0.2 == $1.1 })
    }

    @Test func keepsNULAndInvalidUTF8Bytes() throws {
        let r = try lines(of: [0x61, 0x00, 0x62, 0x0A, 0xFF, 0xFE, 0x0A])
        #expect(r.count == 2)
        #expect(r[0].0 == "a\u{0}b")
        #expect(r[1].0 == "\u{FFFD}\u{FFFD}")
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: CollectorError.self) { try LineReader(path: "/nonexistent/x").forEachLine { _ in } }
    }
}

@Suite struct LocalTimeZoneTests {
    func ts(_ s: String, _ zone: String) -> (String, LocalTimeZone.Resolution)? {
        guard let c = TimeParser.iso8601(s), let z = LocalTimeZone(zone), let (t, r) = z.timestamp(c) else { return nil }
        return (t.iso8601(precision: .seconds), r)
    }

    @Test func convertsWithIANAZonesAndFixedOffsets() {
        #expect(ts("2021-02-05T17:33:12", "Asia/Tokyo")! == ("2021-02-05T08:33:12Z", .exact))
        #expect(ts("2021-02-05T17:33:12", "+09:00")! == ("2021-02-05T08:33:12Z", .exact))
        #expect(ts("2021-02-05T03:33:12", "-0500")! == ("2021-02-05T08:33:12Z", .exact))
        #expect(ts("2021-07-05T04:33:12", "America/New_York")! == ("2021-07-05T08:33:12Z", .exact))
        #expect(ts("2021-02-05T08:33:12Z", "Asia/Tokyo")! == ("2021-02-05T08:33:12Z", .exact))    // written offset wins
        #expect(LocalTimeZone("Mars/Olympus") == nil)
    }

    /// Daylight saving in New York, 2021: 02:30 on 14 March never happened; 01:30 on 7 November happened twice.
    @Test func reportsDSTGapsAndOverlaps() {
        #expect(ts("2021-03-14T02:30:00", "America/New_York")!.1 == .nonexistent)
        let overlap = ts("2021-11-07T01:30:00", "America/New_York")!
        #expect(overlap == ("2021-11-07T05:30:00Z", .ambiguous))    // the earlier, EDT reading
        #expect(ts("2021-11-07T03:30:00", "America/New_York")! == ("2021-11-07T08:30:00Z", .exact))
    }
}

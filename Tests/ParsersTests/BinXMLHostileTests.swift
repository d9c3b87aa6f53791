import Parsers
import Testing

/// Builds one EVTX chunk byte by byte, for records no real log has: crafted Binary XML.
struct ChunkBuilder {
    var bytes = [UInt8](repeating: 0, count: 512)
    var pos: Int { bytes.count }

    init() {
        bytes.replaceSubrange(0..<8, with: Array("ElfChnk\0".utf8))
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }

    /// Appends a record whose body `body` writes (given the builder, at the body's start).
    mutating func record(id: UInt64, _ body: (inout ChunkBuilder) -> Void) {
        let start = pos
        u32(0x0000_2A2A); u32(0); u64(id); u64(132_000_000_000_000_000)
        body(&self)
        while (pos - start + 4) % 8 != 0 { u8(0) }
        let size = UInt32(pos - start + 4)
        u32(size)
        for i in 0..<4 { bytes[start + 4 + i] = UInt8(truncatingIfNeeded: size >> (8 * i)) }
    }

    /// A name defined right here (for an element or attribute token that has just written its offset field).
    mutating func inlineName(_ s: String) {
        u32(0); u16(0); u16(UInt16(s.utf16.count))
        for c in s.utf16 { u16(c) }
        u16(0)
    }

    /// Open-start-element token naming `name` inline (its offset is the position right after the offset field).
    mutating func openElement(_ name: String) {
        u8(0x01); u16(0xFFFF); u32(0)
        u32(UInt32(pos + 4))
        inlineName(name)
    }

    /// Open-start-element token referring to a name defined earlier at `offset`.
    mutating func openElement(nameAt offset: UInt32) {
        u8(0x01); u16(0xFFFF); u32(0); u32(offset)
    }

    /// The finished 64 KiB chunk with free-space offset and checksums set.
    func chunk() -> [UInt8] {
        var b = bytes + [UInt8](repeating: 0, count: max(0, 65536 - bytes.count))
        func put32(_ at: Int, _ v: UInt32) { for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
        put32(40, 128)
        put32(48, UInt32(bytes.count))
        put32(52, b.withUnsafeBytes { CRC32.of(UnsafeRawBufferPointer(rebasing: $0[512..<bytes.count])) })
        var crc = CRC32()
        b.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[0..<120])); crc.update(UnsafeRawBufferPointer(rebasing: $0[128..<512])) }
        put32(124, crc.value)
        return b
    }
}

func read(_ chunk: [UInt8]) -> (records: [EVTX.Record], problems: [String]) {
    var records: [EVTX.Record] = []
    var problems: [String] = []
    chunk.withUnsafeBytes { b in
        guard let h = EVTX.ChunkHeader(b) else { problems.append("no chunk header"); return }
        EVTX.readChunk(b, header: h) { item in
            switch item {
            case .record(let r): records.append(r)
            case .problem(_, let text): problems.append(text)
            }
        }
    }
    return (records, problems)
}

/// Writes a template instance whose definition follows inline: `<Event><System><EventID>{0}</EventID>
/// <Computer>{1}</Computer></System></Event>`, then the substitution values given.
func eventTemplateRecord(_ c: inout ChunkBuilder, values: [(type: UInt8, bytes: [UInt8])], count: UInt32? = nil) {
    c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
    c.u8(0x0C); c.u8(1)
    c.u32(0x1122_3344)                       // template id = first 4 bytes of the GUID
    c.u32(UInt32(c.pos + 4))                 // defined right here
    c.u32(0)
    c.u32(0x1122_3344); for _ in 0..<12 { c.u8(0xAB) }
    let sizeAt = c.pos
    c.u32(0)
    let dataStart = c.pos
    c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
    c.openElement("Event"); c.u8(0x02)
    c.openElement("System"); c.u8(0x02)
    c.openElement("EventID"); c.u8(0x02); c.u8(0x0D); c.u16(0); c.u8(0x06); c.u8(0x04)
    c.openElement("Computer"); c.u8(0x02); c.u8(0x0E); c.u16(1); c.u8(0x01); c.u8(0x04)
    c.u8(0x04)                               // </System>
    c.u8(0x04)                               // </Event>
    c.u8(0x00)
    let size = UInt32(c.pos - dataStart)
    for i in 0..<4 { c.bytes[sizeAt + i] = UInt8(truncatingIfNeeded: size >> (8 * i)) }
    c.u32(count ?? UInt32(values.count))
    for v in values { c.u16(UInt16(v.bytes.count)); c.u8(v.type); c.u8(0) }
    for v in values { c.bytes += v.bytes }
}

func utf16(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

@Suite struct BinXMLHostileTests {
    @Test func aCraftedTemplateRecordReadsAndRenders() {
        var c = ChunkBuilder()
        c.record(id: 7) { eventTemplateRecord(&$0, values: [(0x06, [0x10, 0x12]), (0x01, utf16("hmi-01"))]) }
        let (records, problems) = read(c.chunk())
        #expect(problems.isEmpty)
        let r = try! #require(records.first)
        #expect(r.recordID == 7)
        let f = WindowsEventRecord(r.body)
        #expect(f.eventID == 4624)
        #expect(f.computer == "hmi-01")
        #expect(EVTXXML.render(r.body) == "<Event><System><EventID>4624</EventID>\n<Computer>hmi-01</Computer>\n</System>\n</Event>\n")
    }

    @Test func nestingBeyondTheCapIsAWarningNotAStackOverflow() {
        var c = ChunkBuilder()
        c.record(id: 1) { c in
            c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
            let nameAt = UInt32(c.pos + 11)
            c.openElement("a"); c.u8(0x02)
            for _ in 0..<5000 { c.openElement(nameAt: nameAt); c.u8(0x02) }
        }
        let (records, problems) = read(c.chunk())
        #expect(records.isEmpty)
        #expect(problems.contains { $0.contains("nested deeper than 64") })
    }

    @Test func aTemplateThatContainsItselfIsRefused() {
        var c = ChunkBuilder()
        c.record(id: 1) { c in
            c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
            c.u8(0x0C); c.u8(1); c.u32(0x1122_3344)
            let defAt = UInt32(c.pos + 4)
            c.u32(defAt)
            c.u32(0); c.u32(0x1122_3344); for _ in 0..<12 { c.u8(0) }; c.u32(14)
            c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
            c.u8(0x0C); c.u8(1); c.u32(0x1122_3344); c.u32(defAt)   // the template again, inside itself
            c.u32(0)
        }
        let (records, problems) = read(c.chunk())
        #expect(records.isEmpty)
        #expect(problems.contains { $0.contains("template refers to itself") })
    }

    @Test func aHugeSubstitutionCountIsRefusedBeforeAllocating() {
        var c = ChunkBuilder()
        c.record(id: 1) { eventTemplateRecord(&$0, values: [(0x06, [1, 0])], count: 0xFFFF_FFFF) }
        let (records, problems) = read(c.chunk())
        #expect(records.isEmpty)
        #expect(problems.contains { $0.contains("substitution count 4294967295 does not fit") })
    }

    @Test func valuesThatLieAboutTheirSizeStayInsideTheRecord() {
        var c = ChunkBuilder()
        // A UTF-16 string declared 60000 bytes long in a record of a few dozen.
        c.record(id: 1) { eventTemplateRecord(&$0, values: [(0x06, [1, 0]), (0x01, utf16("x"))]) }
        var chunk = c.chunk()
        // The second descriptor's size field: find the values array by the 'x' and patch the size before it.
        if let x = chunk.firstIndex(of: UInt8(ascii: "x")) {
            let descriptor = x - 2 - 4 - 4    // value 1 (2 bytes) before 'x', then descriptors of 4 bytes each
            chunk[descriptor] = 0x60; chunk[descriptor + 1] = 0xEA
        }
        let (records, problems) = read(chunk)
        #expect(records.isEmpty)
        #expect(problems.contains { $0.contains("runs past the end") })
    }

    @Test func nameOffsetsIntoTheChunkHeaderOrBeyondTheChunkAreRefused() {
        for offset: UInt32 in [0x10, 0xFFFF_FF00] {
            var c = ChunkBuilder()
            c.record(id: 1) { c in
                c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
                c.openElement(nameAt: offset); c.u8(0x03); c.u8(0x00)
            }
            let (records, problems) = read(c.chunk())
            #expect(records.isEmpty, "offset \(offset)")
            #expect(problems.count == 1, "offset \(offset): \(problems)")
        }
    }

    @Test func anElementCutByEndOfStreamIsAWarning() {
        var c = ChunkBuilder()
        c.record(id: 1) { c in
            c.u8(0x0F); c.u8(1); c.u8(1); c.u8(0)
            c.openElement("Event"); c.u8(0x02); c.u8(0x00)
        }
        let (records, problems) = read(c.chunk())
        #expect(records.isEmpty)
        #expect(problems.contains { $0.contains("end of stream inside <Event>") })
    }

    @Test func everyByteOfACraftedChunkCanBeDamaged() {
        var c = ChunkBuilder()
        for id in 1...3 {
            c.record(id: UInt64(id)) { eventTemplateRecord(&$0, values: [(0x06, [0x10, 0x12]), (0x01, utf16("plc"))]) }
        }
        let original = c.chunk()
        let used = c.bytes.count
        for at in 512..<used {
            for value: UInt8 in [0x00, 0xFF, 0x41] {
                var b = original
                b[at] = value
                let (records, problems) = read(b)
                #expect(records.count + problems.count > 0)
            }
        }
    }
}

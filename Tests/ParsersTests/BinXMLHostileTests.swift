import Parsers
import TestSupport
import Testing

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

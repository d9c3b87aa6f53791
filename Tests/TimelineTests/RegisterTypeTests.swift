import JikochoModel
import Parsers
import Testing
import Timeline

/// How Modbus registers hold a value (`type:`, `word_order:` in the inventory): the readings, and the inventory's
/// checks of them.
@Suite struct RegisterTypeTests {
    /// Registers as a request writes them, from the first on.
    func read(_ t: RegisterType, _ words: [Double?]) -> Double? {
        t.value { n in n < words.count ? words[n] : nil }
    }

    @Test func readingsOfOneAndTwoRegisters() {
        #expect(read(RegisterType(kind: .uint16), [65_036]) == 65_036)
        #expect(read(RegisterType(kind: .int16), [65_036]) == -500)
        #expect(read(RegisterType(kind: .int16), [-500]) == -500)        // a decoder that gives it signed already
        // 95.0 is 0x42BE0000: high word first (ABCD) and low word first (CDAB).
        #expect(read(RegisterType(kind: .float32), [0x42BE, 0]) == 95)
        #expect(read(RegisterType(kind: .float32, lowWordFirst: true), [0, 0x42BE]) == 95)
        #expect(read(RegisterType(kind: .float32), [0x4049, 0x0FDB]).map { abs($0 - 3.1415927) < 1e-6 } == true)
        #expect(read(RegisterType(kind: .uint32), [1, 2]) == 65_538)
        #expect(read(RegisterType(kind: .uint32, lowWordFirst: true), [2, 1]) == 65_538)
        #expect(read(RegisterType(kind: .int32), [0xFFFF, 0xFFFE]) == -2)
        // What cannot be read: a second register the request did not write, a value that is no 16-bit word, NaN.
        #expect(read(RegisterType(kind: .float32), [0x42BE]) == nil)
        #expect(read(RegisterType(kind: .float32), [0x42BE, nil]) == nil)
        #expect(read(RegisterType(kind: .uint16), [70_000]) == nil)
        #expect(read(RegisterType(kind: .uint16), [1.5]) == nil)
        #expect(read(RegisterType(kind: .float32), [0x7FC0, 0]) == nil)
        #expect(read(RegisterType(kind: .uint16), []) == nil)
    }

    @Test func theInventorysWords() {
        #expect(RegisterType(type: "FLOAT32", wordOrder: nil) == RegisterType(kind: .float32))
        #expect(RegisterType(type: "float32", wordOrder: "CDAB") == RegisterType(kind: .float32, lowWordFirst: true))
        #expect(RegisterType(type: "int32", wordOrder: "low-first") == RegisterType(kind: .int32, lowWordFirst: true))
        #expect(RegisterType(type: "real", wordOrder: nil) == nil)
        #expect(RegisterType(type: "float32", wordOrder: "sideways") == nil)
        #expect(ControlPoint(parsing: "holding:40005")?.modbusOffset(1)?.text == "holding:40006")
        #expect(ControlPoint(parsing: "40005")?.modbusRegister?.address == 4)
        #expect(ControlPoint(parsing: "input:365536")?.modbusOffset(1) == nil)
        #expect(ControlPoint(parsing: "dnp3:ao:3")?.modbusOffset(1) == nil)
    }

    @Test func anInventoryTypesRegistersAndNamesMistakes() throws {
        let good = """
            assets:
              - name: rtu-1
                addresses: [10.1.3.20]
                tags:
                  - {point: "holding:40005", tag: Dose_SP, type: float32, word_order: low-first}
                  - {point: "40010", tag: Level, type: int16}
                  - {point: "40020", tag: Total, type: uint32}
            """
        let m = try #require(try AssetInventory.parse(good, file: "a.yaml").first?.tagMap)
        #expect(m[0].registerType == RegisterType(kind: .float32, lowWordFirst: true))
        #expect(m[0].type == "float32" && m[0].wordOrder == "low-first")
        #expect(m[1].registerType == RegisterType(kind: .int16) && m[1].wordOrder == nil)
        #expect(m[2].registerType == RegisterType(kind: .uint32))
        let bad = """
            assets:
              - name: rtu-1
                addresses: [10.1.3.20]
                tags:
                  - {point: "dnp3:ao:3", tag: A, type: float32}
                  - {point: "holding:40005", tag: B, type: real}
                  - {point: "holding:40006", tag: C, type: int16, word_order: low-first}
                  - {point: "holding:40007", tag: D, type: float32, word_order: sideways}
                  - {point: "holding:465536", tag: E, type: float32}
                  - {point: "coil:00001", tag: F, type: uint16}
            """
        do {
            _ = try AssetInventory.parse(bad, file: "b.yaml")
            Issue.record("accepted")
        } catch let e as InventoryError {
            let lines = e.problems.map(\.description)
            #expect(lines.contains { $0.contains("tags[0].type: a type is for Modbus registers") && $0.contains("dnp3:ao:3") })
            #expect(lines.contains { $0.contains("tags[1].type: one of uint16, int16, uint32, int32, float32 is needed") })
            #expect(lines.contains { $0.contains("tags[2].word_order: a word order is for 32-bit types") })
            #expect(lines.contains { $0.contains("tags[3].word_order: one of high-first (ABCD, the default), low-first (CDAB)") })
            #expect(lines.contains { $0.contains("tags[4].type: float32 needs 2 registers from holding:465536") })
            #expect(lines.contains { $0.contains("tags[5].type: a type is for Modbus registers") })
            #expect(e.problems.count == 6, "\(lines)")
        }
    }
}

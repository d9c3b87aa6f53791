import Collectors
import JikochoModel
import TestSupport
import Testing

@testable import Parsers

/// The protocol-neutral control facts (`control`: action, points, raw values) that every ICS decoder gives for a
/// write, operate or command, and the canonical point forms the inventory accepts.
@Suite struct ControlPointTests {
    @Test(arguments: [
        ("holding:40001", "holding:40001"), ("40001", "holding:40001"), ("hr:40001", "holding:40001"),
        ("modbus:holding:400001", "holding:40001"), ("coil:1", "coil:00001"), ("ir:30010", "input:30010"),
        ("dnp3:ao:3", "dnp3:ao:3"), ("dnp3:g41:3", "dnp3:ao:3"), ("DNP3:Binary-Output:7", "dnp3:bo:7"),
        ("iec104:ioa:4001", "iec104:ioa:4001"), ("iec104:4001", "iec104:ioa:4001"),
        ("s7:DB1.DBW4", "s7:DB1.DBW4"), ("s7:db1.dbx4.3", "s7:DB1.DBX4.3"), ("DB10.DBB0", "s7:DB10.DBB0"),
        ("s7:MW10", "s7:MW10"), ("s7:M10.1", "s7:M10.1"), ("s7:A0.0", "s7:Q0.0"), ("s7:EW2", "s7:IW2"),
        ("cip:Tank1_SP", "cip:Tank1_SP"), ("cip:Program:Main.Valve[2]", "cip:Program:Main.Valve[2]"),
        ("cip:@4/100/3", "cip:@4/100/3"),
        ("bacnet:analog-value:3", "bacnet:analog-value:3"), ("bacnet:2:3", "bacnet:analog-value:3"),
        ("bacnet:analog-value:3:present-value", "bacnet:analog-value:3"),
        ("bacnet:binary-output:1:out-of-service", "bacnet:binary-output:1:out-of-service"),
        ("opcua:ns=2;s=Dose.SP", "opcua:ns=2;s=Dose.SP"), ("opcua:ns=0;i=2258", "opcua:i=2258"),
        ("opcua:ns=2;s=Dose.SP#DisplayName", "opcua:ns=2;s=Dose.SP#DisplayName"),
    ])
    func everyAcceptedFormHasOneCanonicalText(text: String, canonical: String) throws {
        let p = try #require(ControlPoint(parsing: text))
        #expect(p.text == canonical)
        // The canonical text parses back to itself.
        #expect(ControlPoint(parsing: p.text)?.text == canonical)
    }

    /// A decoder's Modbus point, written as bytes, is the table, its digit and the 1-based register zero-padded to
    /// four digits (five above 9999), for every address a request can name and some no wire can.
    @Test func modbusPointsAreWrittenAsTheirFormSays() {
        for table in ["coil", "discrete_input", "input", "holding"] {
            let digit = ["coil": 0, "discrete_input": 1, "input": 3, "holding": 4][table]!
            for address in Array(-3...12_000) + [65_534, 65_535, 99_998, 999_999, Int(Int32.max)] {
                let n = address + 1
                let padded = String(n).leftPadded(n <= 9999 ? 4 : 5)
                #expect(ControlPoint.modbus(table: table, address: address).text == "\(table):\(digit)\(padded)")
            }
        }
        #expect(ControlPoint.modbus(table: "holding", address: 0).text == "holding:40001")
        #expect(ControlPoint.modbus(table: "coil", address: 65_535).text == "coil:065536")
    }

    @Test(arguments: ["", "a", "holding:0", "holding:99999999", "dnp3:ai:3", "dnp3:ao:-1", "iec104:ioa:x",
                      "s7:DB1.DBQ4", "s7:M10.9", "s7:", "cip:", "cip:@x/1", "cip:1abc", "bacnet:pizza:3",
                      "bacnet:analog-value:x", "opcua:Dose.SP", "opcua:i=abc", "profinet:1", "holding:4x"])
    func otherTextIsNoPoint(text: String) {
        #expect(ControlPoint(parsing: text) == nil)
    }

    @Test func pointsCompareAsTheirProtocolDoes() {
        // Logix tags and S7 addresses ignore case; OPC UA string node ids do not.
        #expect(ControlPoint(parsing: "cip:TANK1_sp")?.key == ControlPoint(parsing: "cip:Tank1_SP")?.key)
        #expect(ControlPoint(parsing: "s7:db1.dbw4")?.key == ControlPoint(parsing: "s7:DB1.DBW4")?.key)
        #expect(ControlPoint(parsing: "opcua:ns=2;s=dose.sp")?.key != ControlPoint(parsing: "opcua:ns=2;s=Dose.SP")?.key)
    }

    @Test func theDecodersValuesAreTheValuesWritten() {
        // S7: an INT written as a word is signed, a REAL is a float, BYTE ×2 is one word.
        let int = S7comm.controlWrites(S7comm.Item(area: 0x84, db: 1, byteAddress: 4, bit: 0, transportSize: 5, length: 1),
                                       S7comm.DataItem(returnCode: 0, transportSize: 4, bytes: [0xFF, 0xFE]))
        #expect(int.map(\.0.text) == ["s7:DB1.DBW4"] && int.first?.1 == .int(-2))
        let real = S7comm.controlWrites(S7comm.Item(area: 0x83, db: 0, byteAddress: 16, bit: 0, transportSize: 8, length: 1),
                                        S7comm.DataItem(returnCode: 0, transportSize: 7, bytes: [0x41, 0x20, 0, 0]))
        #expect(real.map(\.0.text) == ["s7:MD16"] && real.first?.1 == .double(10))
        let bytes = S7comm.controlWrites(S7comm.Item(area: 0x84, db: 2, byteAddress: 0, bit: 0, transportSize: 2, length: 2),
                                         S7comm.DataItem(returnCode: 0, transportSize: 4, bytes: [0x01, 0x00]))
        #expect(bytes.map(\.0.text) == ["s7:DB2.DBW0"] && bytes.first?.1 == .int(256))
        let bit = S7comm.controlWrites(S7comm.Item(area: 0x82, db: 0, byteAddress: 0, bit: 3, transportSize: 1, length: 1),
                                       S7comm.DataItem(returnCode: 0, transportSize: 3, bytes: [1]))
        #expect(bit.map(\.0.text) == ["s7:Q0.3"] && bit.first?.1 == .int(1))
        // A short data item keeps the point with no value.
        let short = S7comm.controlWrites(S7comm.Item(area: 0x84, db: 1, byteAddress: 0, bit: 0, transportSize: 4, length: 2),
                                         S7comm.DataItem(returnCode: 0, transportSize: 4, bytes: [0, 1]))
        #expect(short.map(\.0.text) == ["s7:DB1.DBW0", "s7:DB1.DBW2"] && short.map(\.1) == [.int(1), .null])
        // DNP3 CROB codes: close/latch on → 1, trip/latch off → 0, NUL → none.
        #expect(DNP3.binaryValue(0x03) == 1 && DNP3.binaryValue(0x04) == 0 && DNP3.binaryValue(0x41) == 1)
        #expect(DNP3.binaryValue(0x81) == 0 && DNP3.binaryValue(0x00) == nil)
    }

    /// Lying counts and cut-short data: every point named is kept, bounded, with no value where none was sent.
    @Test func hostileWritesKeepTheirPointsWithinBounds() throws {
        func tagWrite(_ data: [UInt8]) -> ENIP.CIPMessage? {
            let name = Array("Tank1_SP".utf8)
            return ENIP.decodeCIP(([0x4D, UInt8((2 + name.count) / 2), 0x91, UInt8(name.count)] + name + data)[...])
        }
        // The type only, no count: the tag, without a value.
        let noCount = try #require(tagWrite([0xC4, 0x00]).flatMap { ENIP.control("write_tag", $0) })
        #expect(ControlPoint.facts(["control": noCount])?.writes.map(\.point) == ["cip:Tank1_SP"])
        // A count of 1000 DINTs with two sent: 256 points at most, the first two with their values.
        let lying = try #require(tagWrite([0xC4, 0x00, 0xE8, 0x03] + [5, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
            .flatMap { ENIP.control("write_tag", $0) })
        let w = try #require(ControlPoint.facts(["control": lying])?.writes)
        #expect(w.count == 256 && w[0].point == "cip:Tank1_SP[0]" && w[0].value == .int(5) && w[1].value == .int(-1))
        #expect(w.dropFirst(2).allSatisfy { $0.value == .null })
        // A structure (type 0x02A0 + handle) has no atomic size: points without values.
        let structure = try #require(tagWrite([0xA0, 0x02, 0x01, 0x00, 1, 2, 3, 4]).flatMap { ENIP.control("write_tag", $0) })
        #expect(ControlPoint.facts(["control": structure])?.writes.map(\.value) == [.null])

        // BACnet WritePropertyMultiple cut inside its list: the properties named so far, the last without a value.
        let wpm: [UInt8] = [0x81, 0x0A, 0x00, 0x00, 0x01, 0x04, 0x00, 0x05, 0x01, 0x10, 0x0C, 0x00, 0x80, 0x00, 0x03,
                            0x1E, 0x09, 0x55, 0x2E, 0x44, 0x42, 0x20, 0x00, 0x00, 0x2F, 0x09, 0x51]
        let a = try #require(BACnet.decode(wpm))
        #expect(a.writes.map(\.property) == [85, 81])
        #expect(a.writes.first?.value == .double(40) && a.writes.last?.value == nil)
        // A WriteProperty without its value: the point, no value.
        let wp = try #require(BACnet.decode([0x81, 0x0A, 0x00, 0x00, 0x01, 0x04, 0x00, 0x05, 0x02, 0x0F, 0x0C, 0x00, 0x80,
                                             0x00, 0x03, 0x19, 0x55]))
        #expect(wp.writes.count == 1 && wp.writes.first?.value == nil)
    }

    /// Every point of every write names what tshark decodes in the request's frame (the goldens of
    /// scripts/oracles/pcap_goldens.py): the Modbus reference, the DNP3 indexes, the IEC 104 IOAs, the S7 item's area,
    /// data block and byte, the CIP class/instance/attribute, the BACnet object and property. OPC UA's goldens hold no
    /// node ids, so its points are checked against the capture's known write only (above).
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote), arguments: [
        ("pcaps/ics/modbus_example_icsnpp.pcap", "modbus"), ("pcaps/ics/dnp3_example_icsnpp.pcap", "dnp3"),
        ("pcaps/ics/iec104.pcap", "iec104"), ("pcaps/ics/s7comm_snap7.pcap", "s7comm"),
        ("pcaps/ics/enip_cip_example_icsnpp.pcap", "enip"), ("pcaps/ics/bacnet_services_icsnpp.pcap", "bacnet"),
    ])
    func controlPointsNameWhatTsharkDecodes(capture: String, proto: String) throws {
        let golden = try #require(Golden.load(capture, proto))
        var rows: [Int: [String: String]] = [:]
        for r in golden.rows { if let f = r["frame.number"].flatMap(Int.init) { rows[f] = r } }
        let sink = try collectPcap(path: TestPaths.dataset(capture), options: ["aggregate": "off"])
        func number(_ s: String) -> Int? { s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : Int(s) }
        func list(_ row: [String: String], _ field: String) -> [Int] {
            (row[field] ?? "").split(separator: ",").compactMap { number(String($0)) }
        }
        var checked = 0
        for e in sink.events {
            guard let (_, writes) = ControlPoint.facts(e.attributes), !writes.isEmpty,
                  case .int(let frame)? = e.attributes["request_packet"] else { continue }
            let row = try #require(rows[Int(frame)], "\(capture): frame \(frame) has no tshark row")
            let points = writes.map(\.point)
            let at = "\(capture) frame \(frame): \(points)"
            switch proto {
            case "modbus":
                // `coil:00002` is wire address 1: tshark's reference number (the write's, for read/write multiple);
                // one point per register or coil written.
                let address = points.compactMap { Int($0.split(separator: ":").last!.dropFirst()).map { $0 - 1 } }.first
                let reference = list(row, "modbus.write_reference_num").first ?? list(row, "modbus.reference_num").first
                #expect(address == reference, "\(at)")
                if let n = list(row, "modbus.write_word_cnt").first ?? list(row, "modbus.word_cnt").first
                    ?? list(row, "modbus.bit_cnt").first {
                    #expect(points.count == n, "\(at)")
                }
            case "dnp3":
                #expect(points.map { Int($0.split(separator: ":").last!)! } == list(row, "dnp3.al.index"), "\(at)")
            case "iec104":
                #expect(points.map { Int($0.split(separator: ":").last!)! } == list(row, "iec60870_asdu.ioa"), "\(at)")
            case "s7comm":
                // Each item from tshark's area, data block, byte, bit, type and length: its elements, in order.
                let area = list(row, "s7comm.param.item.area"), db = list(row, "s7comm.param.item.db")
                let byte = list(row, "s7comm.param.item.address.byte"), bit = list(row, "s7comm.param.item.address.bit")
                let size = list(row, "s7comm.param.item.transp_size"), length = list(row, "s7comm.param.item.length")
                var expected: [String] = []
                for i in area.indices {
                    // tshark gives no byte or bit address for timers and counters (numbered from the item's start, 0 here).
                    let item = S7comm.Item(area: UInt8(area[i]), db: UInt16(i < db.count ? db[i] : 0),
                                           byteAddress: i < byte.count ? byte[i] : 0, bit: i < bit.count ? bit[i] : 0,
                                           transportSize: UInt8(size[i]), length: length[i])
                    expected += S7comm.controlWrites(item, S7comm.DataItem(returnCode: 0, transportSize: 0, bytes: [])).map(\.0.text)
                }
                #expect(points == expected, "\(at)")
                // What that means, spelled out for the capture's two writes: a REAL at MD16; words from MW0, bytes of
                // the inputs and outputs from 0, timers and counters numbered from 0.
                if frame == 49 { #expect(points == ["s7:MD16"]) }
                if frame == 53 {
                    #expect(points.prefix(2) == ["s7:MW0", "s7:MW2"] && points.contains("s7:IB15") && points.contains("s7:QB0"))
                    #expect(points.suffix(2) == ["s7:C6", "s7:C7"] && points.contains("s7:T7") && points.count == 64)
                }
            case "enip":
                let cls = list(row, "cip.class").first, inst = list(row, "cip.instance").first
                let attrs = list(row, "cip.attribute")
                #expect(points == attrs.map { ControlPoint.cip(class: cls ?? -1, instance: inst, attribute: $0).text }, "\(at)")
            default:
                let types = list(row, "bacapp.objectType"), instances = list(row, "bacapp.instance_number")
                let properties = list(row, "bacapp.property_identifier")
                let expected = zip(zip(types, instances), properties).map {
                    ControlPoint.bacnet(type: $0.0.0, instance: $0.0.1, property: $0.1).text
                }
                #expect(points == expected, "\(at)")
            }
            checked += 1
        }
        #expect(checked > 0, "\(capture): no write was compared")
    }

    /// Each shared capture's writes, operates and commands, counted by kind and action; one full fact each.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote), arguments: [
        ("pcaps/ics/modbus_example_icsnpp.pcap", ["ics.modbus.write/write": 9], "coil:00002"),
        ("pcaps/ics/dnp3_example_icsnpp.pcap", ["ics.dnp3.operate/operate": 133, "ics.dnp3.select/select": 134], "dnp3:bo:8"),
        ("pcaps/ics/iec104.pcap", ["ics.iec104.single_command/operate": 2, "ics.iec104.double_command/operate": 2,
                                   "ics.iec104.regulating_step_command/operate": 2, "ics.iec104.setpoint_command/operate": 6,
                                   "ics.iec104.bitstring_command/operate": 2], "iec104:ioa:1"),
        ("pcaps/ics/s7comm_snap7.pcap", ["ics.s7.write/write": 2, "ics.s7.plc_stop/command": 1, "ics.s7.plc_start/command": 1], "s7:MD16"),
        ("pcaps/ics/enip_cip_example_icsnpp.pcap", ["ics.cip.set_attribute_list/write": 1], "cip:@139/1/6"),
        ("pcaps/ics/bacnet_services_icsnpp.pcap", ["ics.bacnet.write_property/write": 9, "ics.bacnet.reinitialize_device/command": 4,
                                                   "ics.bacnet.device_communication_control/command": 4], "bacnet:analog-output:101"),
        ("pcaps/ics/opcua_open62541_mainloop.pcap", ["ics.opcua.write/write": 2], "opcua:ns=1;s=the.answer"),
    ])
    func everySharedCaptureGivesItsControlFacts(file: String, counts: [String: Int], point: String) throws {
        let sink = try collectPcap(path: TestPaths.dataset(file))
        var seen: [String: Int] = [:]
        var points = Set<String>()
        for e in sink.events {
            guard let (action, writes) = ControlPoint.facts(e.attributes) else { continue }
            seen["\(e.kind)/\(action)", default: 0] += 1
            for w in writes {
                points.insert(w.point)
                // Every point a decoder writes is in a canonical form the inventory accepts.
                #expect(ControlPoint(parsing: w.point)?.text == w.point, "\(w.point) in \(e.provenance.locator)")
            }
        }
        #expect(seen == counts)
        #expect(points.contains(point))
    }

    /// IEC 104 double commands give the state they command (DCS 1 off → 0, 2 on → 1), as a CROB's trip and close
    /// do, so that a historian's on/off tag pairs with them; the event's message keeps the DCS as sent.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func aDoubleCommandGivesTheStateItCommands() throws {
        let sink = try collectPcap(path: TestPaths.dataset("pcaps/ics/iec104.pcap"))
        let doubles = sink.events.compactMap { e -> (String, JSONValue)? in
            guard e.kind == "ics.iec104.double_command", let (_, w) = ControlPoint.facts(e.attributes), let f = w.first
            else { return nil }
            return (e.message, f.value)
        }
        #expect(doubles.count == 2)
        for (message, value) in doubles {
            if message.hasSuffix("= 1") { #expect(value == .int(0), "\(message)") }
            if message.hasSuffix("= 2") { #expect(value == .int(1), "\(message)") }
        }
        #expect(Set(doubles.map { $0.1 }) == [.int(0), .int(1)])
    }
}

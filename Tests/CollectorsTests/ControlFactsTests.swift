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
}

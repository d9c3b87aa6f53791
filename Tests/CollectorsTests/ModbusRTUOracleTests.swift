import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Modbus RTU carried over TCP (a serial device server's link on port 4001, and RTU framing on port 502) against
/// Wireshark's `mbrtu` dissector with CRC verification, in a capture the repository generates (`jikocho dev
/// modbus-rtu-sessions`); tshark's reading of it is the golden file (scripts/oracles/modbus_rtu_golden.sh). Every
/// frame whose CRC checks is a request or an answer of an event with tshark's unit, function, address, count and
/// values; the frame whose CRC does not check is a warning, and no event.
@Suite struct ModbusRTUOracleTests {
    @Test func everyFrameMatchesTshark() throws {
        let golden = try #require(Golden.load("generated_modbus_rtu.pcap", "mbrtu"),
                                  "no golden: run scripts/oracles/modbus_rtu_golden.sh")
        let sink = try collectGenerated("modbus-rtu", ModbusRTUSessions.write(to:)).sink
        let events = sink.events.filter { $0.kind.hasPrefix("ics.modbus.") }
        #expect(events.allSatisfy { $0.string("framing") == "rtu_over_tcp" && $0.attributes["transaction_id"] == nil })
        let byRequest = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.int("request_packet").map { ($0, e) } })
        let byResponse = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.int("response_packet").map { ($0, e) } })
        #expect(golden.rows.count == 22)
        var checked = 0
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let request = row["tcp.dstport"] == "4001" || row["tcp.dstport"] == "502"
            if row["mbrtu.crc16.status"] == "0" {
                // The CRC tshark finds bad: no event, one warning naming the packet.
                #expect(byRequest[frame] == nil)
                #expect(sink.warnings.map(\.locator) == ["packet \(frame)"], "\(sink.warnings)")
                #expect(sink.warnings.first?.text.contains("CRC that does not check") == true)
                continue
            }
            let e = try #require(request ? byRequest[frame] : byResponse[frame], "frame \(frame): no event")
            #expect(e.int("unit_id").map(String.init) == row["mbrtu.unit_id"], "frame \(frame) unit")
            #expect(e.string("station") == row["mbrtu.unit_id"].map { "modbus:unit:\($0)" }, "frame \(frame) station")
            expectModbusPDU(e, matches: row, frame: frame, request: request)
            checked += 1
        }
        #expect(checked == 21)
        // What tshark does not pair: the request unit 4 never answered is an event of its own, without an answer,
        // and the writes carry the control facts every inference reads.
        let unanswered = try #require(byRequest[16])
        #expect(unanswered.string("outcome") == "no_response" && unanswered.int("unit_id") == 4)
        let write = try #require(byRequest[6])
        let (action, writes) = try #require(ControlPoint.facts(write.attributes))
        #expect(action == "write" && writes.map(\.point) == ["holding:40005"] && ControlPoint.number(writes[0].value) == 9500)
        #expect(byRequest[28]?.dst.port == 502 && byRequest[28]?.int("unit_id") == 1)
    }

    @Test func rtuFramesAreToldFromModbusTCPAndGarbage() {
        func check(_ b: [UInt8], _ request: Bool = true) -> Bool { b.withUnsafeBytes { Modbus.looksLikeRTU($0, fromClient: request) } }
        let read = ModbusRTUSessionsTestFrames.rtu([1, 3, 0, 0, 0, 2])
        #expect(check(read))
        // The same read also has MBAP's shape (protocol id 0, length 2): the CRC decides.
        #expect(read.withUnsafeBytes { Modbus.looksLike($0) })
        #expect(check(read + ModbusRTUSessionsTestFrames.rtu([1, 6, 0, 4, 0x25, 0x1C])))
        var bad = read
        bad[7] ^= 1
        #expect(!check(bad))
        #expect(!check(Array(read.dropLast())))
        #expect(!check([0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2]))               // Modbus/TCP
        #expect(!check(ModbusRTUSessionsTestFrames.rtu([1, 0x83, 2])))       // an exception is no request
        #expect(check(ModbusRTUSessionsTestFrames.rtu([1, 0x83, 2]), false))
        #expect(Modbus.crc16([1, 3, 0, 0, 0, 2]) == 0x0BC4)                  // sent C4 0B
    }
}

/// An event's function, address, count, values and exception as tshark's `modbus.*` fields of its request's or
/// answer's frame give them (the RTU and UDP oracle tests).
func expectModbusPDU(_ e: Event, matches row: [String: String], frame: Int, request: Bool) {
    #expect(e.int("function_code").map(String.init) == row["modbus.func_code"], "frame \(frame) function")
    if request {
        if let a = row["modbus.reference_num"] { #expect(e.int("address").map(String.init) == a, "frame \(frame) address") }
        if let n = row["modbus.word_cnt"] ?? row["modbus.bit_cnt"] {
            #expect(e.int("quantity").map(String.init) == n, "frame \(frame) quantity")
        }
        if let v = row["modbus.regval_uint16"] { #expect(e.list("values") == v, "frame \(frame) values") }
    } else {
        if let x = row["modbus.exception_code"] { #expect(e.int("exception_code").map(String.init) == x, "frame \(frame)") }
        if let v = row["modbus.regval_uint16"] { #expect(e.list("response_values") == v, "frame \(frame) values") }
    }
}

/// RTU frames for the tests (the generator's own is internal to Exercises).
enum ModbusRTUSessionsTestFrames {
    static func rtu(_ body: [UInt8]) -> [UInt8] {
        let crc = Modbus.crc16(body)
        return body + [UInt8(crc & 0xFF), UInt8(crc >> 8)]
    }
}

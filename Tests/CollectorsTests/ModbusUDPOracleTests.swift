import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Modbus over UDP against Wireshark, in a capture the repository generates (`jikocho dev modbus-udp-sessions`;
/// tshark's reading of it is the golden file, scripts/oracles/modbus_udp_golden.sh): Modbus/UDP on port 502
/// (Wireshark's `mbudp`) and RTU frames to a device server's port 4001 (`mbrtu`, CRC verified). Every frame is a
/// request or an answer of an event with tshark's transaction, unit, function, address, count and values; the RTU
/// frame whose CRC does not check is a warning and no event; the datagram whose MBAP length says more than it holds
/// is read as it stands, as tshark reads it, with a warning.
@Suite struct ModbusUDPOracleTests {
    @Test func everyDatagramMatchesTshark() throws {
        let golden = try #require(Golden.load("generated_modbus_udp.pcap", "modbus"),
                                  "no golden: run scripts/oracles/modbus_udp_golden.sh")
        let sink = try collectGenerated("modbus-udp", ModbusUDPSessions.write(to:)).sink
        let events = sink.events.filter { $0.kind.hasPrefix("ics.modbus.") }
        let byRequest = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.int("request_packet").map { ($0, e) } })
        let byResponse = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.int("response_packet").map { ($0, e) } })
        #expect(golden.rows.count == 21)
        var checked = 0
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let request = row["udp.dstport"] == "502" || row["udp.dstport"] == "4001"
            let rtu = row["udp.dstport"] == "4001" || row["udp.srcport"] == "4001"
            if row["mbrtu.crc16.status"] == "0" {
                #expect(byRequest[frame] == nil)
                #expect(sink.warnings.contains { $0.locator == "packet \(frame)" && $0.text.contains("CRC that does not check") })
                continue
            }
            let e = try #require(request ? byRequest[frame] : byResponse[frame], "frame \(frame): no event")
            #expect(e.string("framing") == (rtu ? "rtu_over_udp" : "modbus_udp"), "frame \(frame) framing")
            #expect(e.int("unit_id").map(String.init) == (rtu ? row["mbrtu.unit_id"] : row["mbtcp.unit_id"]), "frame \(frame) unit")
            if !rtu { #expect(e.int("transaction_id").map(String.init) == row["mbtcp.trans_id"], "frame \(frame) transaction") }
            expectModbusPDU(e, matches: row, frame: frame, request: request)
            checked += 1
        }
        #expect(checked == 20)
        // The datagram cut short of its stated length: read as tshark reads it, and said.
        #expect(byRequest[12]?.int("quantity") == 4 && byRequest[12]?.string("outcome") == "no_response")
        #expect(sink.warnings.contains { $0.locator == "packet 12" && $0.text.hasPrefix("Modbus/UDP: MBAP length 12, but 6 bytes") })
        #expect(sink.warnings.count == 2, "\(sink.warnings)")
        // The writes carry the control facts every inference reads, over UDP as over TCP.
        let write = try #require(byRequest[3])
        let (action, writes) = try #require(ControlPoint.facts(write.attributes))
        #expect(action == "write" && writes.map(\.point) == ["holding:40005"] && ControlPoint.number(writes[0].value) == 9500)
        let coilWrite = try #require(byRequest[20])
        let coil = try #require(ControlPoint.facts(coilWrite.attributes))
        #expect(coil.writes.map(\.point) == ["coil:00005"] && ControlPoint.number(coil.writes[0].value) == 1)
        #expect(sink.events.filter { $0.kind == "net.flow" }.map { $0.message.hasPrefix("udp modbus ") } == [true, true])
    }

    /// A datagram is Modbus only when one frame fills it: an MBAP frame of a known function, or an RTU frame whose CRC
    /// checks; DNS and other datagrams of the same first bytes are not.
    @Test func datagramsAreToldApart() {
        func udp(_ b: [UInt8]) -> Bool { b.withUnsafeBytes { Modbus.looksLikeDatagram($0) } }
        func rtu(_ b: [UInt8], _ request: Bool = true) -> Bool { b.withUnsafeBytes { Modbus.looksLikeRTUDatagram($0, fromClient: request) } }
        let read: [UInt8] = [0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2]
        #expect(udp(read))
        #expect(!udp(read + [0]))                                   // a byte more than the length says
        #expect(!udp([0, 1, 0, 0, 0, 6, 1, 0x41, 0, 0, 0, 2]))      // function 65: user-defined, not claimed
        #expect(!udp([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]))   // a DNS query's header
        let frame = ModbusRTUSessionsTestFrames.rtu([1, 6, 0, 5, 0, 42])
        #expect(rtu(frame))
        #expect(!rtu(frame + frame))                                // one frame a datagram
        var bad = frame
        bad[3] ^= 1
        #expect(!rtu(bad))
    }
}

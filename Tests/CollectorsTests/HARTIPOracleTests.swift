import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// HART-IP against Wireshark's `hart_ip` dissector, in a capture the repository generates (`jikocho dev
/// hart-ip-sessions`; tshark's reading of it is the golden file, scripts/oracles/hart_ip_golden.sh): every message is
/// the request or answer of an event with tshark's message id, sequence number, command, device address, response
/// code, device status and request data, or is counted in a routine summary; the writes carry the control facts the
/// inferences read.
@Suite struct HARTIPOracleTests {
    @Test func everyMessageMatchesTshark() throws {
        let golden = try #require(Golden.load("generated_hart_ip.pcap", "hart_ip"), "no golden: run scripts/oracles/hart_ip_golden.sh")
        let sink = try collectGenerated("hart-ip", HARTIPSessions.write(to:)).sink
        let events = sink.events.filter { $0.kind.hasPrefix("ics.hart.") && !$0.kind.hasSuffix("_summary") }
        let byRequest = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.int("request_packet").map { ($0, e) } })
        let byResponse = Dictionary(uniqueKeysWithValues: events.compactMap { e in e.int("response_packet").map { ($0, e) } })
        let summaries = sink.events.filter { $0.kind.hasSuffix("_summary") }
        #expect(golden.rows.count == 37)
        var checked = 0, summarized = 0
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let request = row["hart_ip.message_type"] == "0"
            guard let e = request ? byRequest[frame] : byResponse[frame] else {
                // A read answered as before: counted in its summary, between its first request and the answer to
                // its last.
                #expect(summaries.contains { s in (s.int("first_packet")! ... s.int("last_packet")! + 1).contains(frame) },
                        "frame \(frame): no event and no summary")
                summarized += 1
                continue
            }
            #expect(e.int("message_id").map(String.init) == row["hart_ip.message_id"], "frame \(frame) message id")
            #expect(e.int("sequence").map(String.init) == row["hart_ip.transaction_id"], "frame \(frame) sequence")
            if let c = row["hart_ip.pt.command"] { #expect(e.int("command_code").map(String.init) == c, "frame \(frame) command") }
            if let long = row["hart_ip.pt.long_address"], var bytes = Hex.bytes(long) {
                bytes[0] &= 0x3F    // the master and burst bits are the frame's, not the device's
                #expect(e.string("station") == "hart:" + Hex.string(bytes), "frame \(frame) station")
            }
            if let short = row["hart_ip.pt.short_addr"] { #expect(e.string("station") == "hart:poll:\(short)", "frame \(frame) station") }
            if request, let payload = row["hart_ip.pt.payload"] { #expect(e.string("request_data") == payload, "frame \(frame) data") }
            if !request {
                if let code = row["hart_ip.pt.response_code"] { #expect(e.int("response_code").map(String.init) == code, "frame \(frame) code") }
                if let status = row["hart_ip.pt.device_status"] {
                    #expect(e.int("device_status") == Int(status.dropFirst(2), radix: 16), "frame \(frame) status")
                }
                if let code = row["hart_ip.error.error_code"] { #expect(e.int("error_code").map(String.init) == code, "frame \(frame) error") }
            }
            if let host = row["hart_ip.session_init.master_type"] {
                #expect(e.string("host_type") == (host == "1" ? "primary" : "secondary"), "frame \(frame) host")
                #expect(e.int("inactivity_close_ms").map(String.init) == row["hart_ip.session_init.inactivity_close_timer"])
            }
            checked += 1
        }
        #expect(checked == 31 && summarized == 6, "\(checked) checked, \(summarized) summarized")
        #expect(summaries.map { $0.int("messages") } == [6], "every summarized message counted once")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")

        // The control facts: the range, the loop current fixed and released, a device variable simulated, the
        // refused units write, the reset as a command.
        func facts(_ packet: Int) throws -> (action: String, writes: [(point: String, value: JSONValue)]) {
            let e = try #require(byRequest[packet], "packet \(packet)")
            return try #require(ControlPoint.facts(e.attributes), "packet \(packet): no control facts")
        }
        let range = try facts(7)
        #expect(range.writes.map(\.point) == ["hart:pv_urv", "hart:pv_lrv"] && range.writes.map { ControlPoint.number($0.value) } == [150, 0])
        let fixed = try facts(9)
        #expect(fixed.writes.map { ControlPoint.number($0.value) } == [20])
        #expect(byResponse[10]?.attributes["device_status_flags"] == .array(["loop_current_fixed"]))
        let released = try facts(13)
        #expect(released.writes.map { ControlPoint.number($0.value) } == [0])
        let simulated = try facts(15)
        #expect(simulated.writes.map(\.point) == ["hart:dv:0"] && ControlPoint.number(simulated.writes[0].value) == 95.5)
        #expect(byRequest[17]?.string("outcome") == "error" && byRequest[17]?.int("response_code") == 7)
        let reset = try facts(19)
        #expect(reset.action == "command" && byRequest[19]?.kind == "ics.hart.perform_device_reset")
        #expect(ControlPoint.isCommand(kind: "ics.hart.perform_device_reset"))
        #expect(byRequest[29]?.string("outcome") == "no_response" && byRequest[27]?.string("outcome") == "error")
        let tcp = try facts(37)
        #expect(byRequest[37]?.string("transport") == "tcp" && tcp.writes.map { ControlPoint.number($0.value) } == [4])
    }

    /// An inventory names HART points and devices in the forms the decoder writes; anything else is refused.
    @Test func pointsAndStationsParse() {
        #expect(ControlPoint(parsing: "hart:loop_current")?.text == "hart:loop_current")
        #expect(ControlPoint(parsing: "HART:PV_URV")?.text == "hart:pv_urv")
        #expect(ControlPoint(parsing: "hart:dv:0")?.text == "hart:dv:0")
        #expect(ControlPoint(parsing: "hart:dv:3.units")?.text == "hart:dv:3.units")
        #expect(ControlPoint(parsing: "hart:dv:300") == nil && ControlPoint(parsing: "hart:flow") == nil)
        #expect(Station.canonical("hart:A6A5001234") == "hart:26a5001234")
        #expect(Station.canonical("hart:poll:3") == "hart:poll:3" && Station.canonical("hart:poll:64") == nil)
        #expect(Station.canonical("hart:26a50012") == nil)
    }

    /// Hostile HART-IP: damaged copies of the capture and every truncation of a PDU give warnings or events, never a
    /// crash; expansion bytes are skipped and command 31 gives its 16-bit command.
    @Test func damagedMessagesAndTheRareForms() throws {
        try collectDamagedCopies("hart", seed: 5_094, HARTIPSessions.write(to:))
        // A request with one expansion byte (delimiter bits 5–6) and command 31 carrying command 0xFB82.
        var f: [UInt8] = [0x82 | 0x20, 0xA6, 0xA5, 0x00, 0x12, 0x34, 0x00, 31, 3, 0xFB, 0x82, 0x07]
        f.append(f.reduce(0, ^))
        let pdu = try #require(HARTIP.pdu(f[...]))
        #expect(pdu.command == 0xFB82 && pdu.data == [0x07] && pdu.checkOK && pdu.problem == nil)
        #expect(pdu.station == "hart:26a5001234")
        for n in 0..<f.count {
            let cut = HARTIP.pdu(f.prefix(n))
            #expect(n == 0 ? cut == nil : cut?.problem != nil || cut?.checkOK == false, "a PDU cut at \(n) bytes")
        }
        var bad = f
        bad[bad.count - 1] ^= 0xFF
        #expect(HARTIP.pdu(bad[...])?.checkOK == false)
    }

    /// A datagram is HART-IP when its header is plausible and its byte count is the datagram's.
    @Test func datagramsAreToldApart() {
        func udp(_ b: [UInt8]) -> Bool { b.withUnsafeBytes { HARTIP.looksLike($0, datagram: true) } }
        #expect(udp([1, 0, 2, 0, 0, 13, 0, 8]))
        #expect(!udp([1, 0, 2, 0, 0, 13, 0, 9]))                 // a byte count the datagram does not hold
        #expect(!udp([1, 7, 2, 0, 0, 13, 0, 8]))                 // message type 7
        #expect(!udp([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]))  // a DNS query's header
    }
}

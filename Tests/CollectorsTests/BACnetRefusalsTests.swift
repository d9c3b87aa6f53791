import Collectors
import Exercises
import Foundation
import JikochoModel
import TestSupport
import Testing

/// BACnet refusals against Wireshark: every confirmed service (0–29) answered by Error, Reject and Abort, in a
/// capture the repository generates (`jikocho dev bacnet-refusals`); tshark's reading of it is the golden file
/// (scripts/oracles/bacnet_refusals_golden.sh). Each request is one event with the answer's type and reason: a
/// refusal is never counted away as routine.
@Suite struct BACnetRefusalsTests {
    @Test func everyConfirmedServiceRefusedMatchesTshark() throws {
        let golden = try #require(Golden.load("generated_bacnet_refusals.pcap", "bacnet"),
                                  "no golden: run scripts/oracles/bacnet_refusals_golden.sh")
        let (frames, sink) = try collectGenerated("bacnet-refusals", BACnetRefusals.write(to:))
        #expect(frames == 180)
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        var byRequest: [Int: Event] = [:], byResponse: [Int: Event] = [:]
        for e in sink.events where e.kind.hasPrefix("ics.bacnet.") {
            if let r = e.int("request_packet") { byRequest[r] = e }
            if let r = e.int("response_packet") { byResponse[r] = e }
        }
        #expect(byRequest.count == 90 && byResponse.count == 90)
        var compared = 0
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let at = "frame \(frame)"
            let type = row["bacapp.type"].flatMap(Int.init)
            if type == 0 {
                let e = try #require(byRequest[frame], "\(at): no event")
                #expect(e.int("confirmed_service").map(String.init) == row["bacapp.confirmed_service"], "\(at) service")
                #expect(e.int("invoke_id").map(String.init) == row["bacapp.invoke_id"], "\(at) invoke id")
            } else {
                let e = try #require(byResponse[frame], "\(at): no event")
                #expect(e.int("response_pdu_type") == type, "\(at) answer type")
                #expect(e.int("invoke_id").map(String.init) == row["bacapp.invoke_id"], "\(at) invoke id")
                #expect(e.int("error_class").map(String.init) == row["bacapp.error_class"], "\(at) error class")
                #expect(e.int("error_code").map(String.init) == row["bacapp.error_code"], "\(at) error code")
                #expect(e.int("reject_reason").map(String.init) == row["bacapp.reject_reason"], "\(at) reject reason")
                #expect(e.int("abort_reason").map(String.init) == row["bacapp.abort_reason"], "\(at) abort reason")
                let outcome = ["5": "error", "6": "rejected", "7": "aborted"][row["bacapp.type"] ?? ""]
                #expect(e.string("outcome") == outcome, "\(at) outcome")
            }
            compared += 1
        }
        #expect(compared == 180)
        // The device-control services keep that a password was given, never the password.
        for e in byRequest.values where e.kind == "ics.bacnet.reinitialize_device" || e.kind == "ics.bacnet.device_communication_control" {
            #expect(e.attributes["password_given"] == .bool(true) && !e.message.contains("guess") && !"\(e.attributes)".contains("guess"))
            #expect(e.attributes["control"] != nil)
        }
    }
}

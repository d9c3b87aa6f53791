import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// OMRON FINS against Wireshark, in a capture the repository generates (`jikocho dev fins-commands`; tshark's reading
/// is the golden file, scripts/oracles/fins_commands_golden.sh): every command and response of FINS/UDP and FINS/TCP
/// is one event or part of one, with the addresses, service id, command code, memory area, address, bit, count and
/// end code tshark reads; then what Jikocho adds: the points written with their values, STOP and RUN as commands.
@Suite struct FINSTests {
    @Test func commandsMatchTshark() throws {
        let golden = try #require(Golden.load("generated_fins_commands.pcap", "omron"),
                                  "no golden: run scripts/oracles/fins_commands_golden.sh")
        let tmp = TempDir("fins")
        let path = tmp.url.appendingPathComponent("fins.pcap").path
        #expect(try FINSCommands.write(to: path) == 52)
        let sink = try collectPcap(path: path, options: ["aggregate": "off"])
        var byRequest: [Int: Event] = [:], byResponse: [Int: Event] = [:]
        for e in sink.events where e.kind.hasPrefix("ics.fins.") {
            if let r = e.int("request_packet") { byRequest[r] = e }
            if let r = e.int("response_packet") { byResponse[r] = e }
        }
        func hex(_ s: String?) -> Int? { s.flatMap { Int($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: $0.hasPrefix("0x") ? 16 : 10) } }
        var compared = 0
        for row in golden.rows where row["omron.icf"] != nil {
            let frame = Int(row["frame.number"]!)!
            let at = "frame \(frame)"
            let isResponse = hex(row["omron.icf"])! & 0x40 != 0
            guard let e = isResponse ? byResponse[frame] : byRequest[frame] else {
                Issue.record("\(at): no event")
                continue
            }
            #expect(e.int("command_code") == hex(row["omron.command"]), "\(at) command")
            #expect(e.int("sid") == hex(row["omron.sid"]), "\(at) service id")
            let node = [row["omron.dna"], row["omron.da1"], row["omron.da2"]].map { hex($0) ?? -1 }
            let from = [row["omron.sna"], row["omron.sa1"], row["omron.sa2"]].map { hex($0) ?? -1 }
            if !isResponse {
                #expect(e.int("icf") == hex(row["omron.icf"]), "\(at) ICF")
                #expect(e.string("station") == "fins:net:\(node[0]):node:\(node[1]):unit:\(node[2])", "\(at) station")
                #expect(e.string("source") == from.map(String.init).joined(separator: "."), "\(at) source")
                if let areas = row["omron.memory.area.read"], e.int("command_code") != 0x0104 {
                    // A transfer names its source, then its destination: the event keeps the destination, written.
                    #expect(e.int("area_code") == hex(areas.split(separator: ",").last.map(String.init)), "\(at) area")
                    #expect(e.int("address") == hex(row["omron.memory.address"]?.split(separator: ",").last.map(String.init)), "\(at) address")
                    #expect(e.int("bit") == hex(row["omron.memory.address.bits"]?.split(separator: ",").last.map(String.init)), "\(at) bit")
                    #expect(e.int("count") == hex(row["omron.memory.numitems"]), "\(at) count")
                }
                if let areas = row["omron.memory.area.read"], e.int("command_code") == 0x0104 {
                    #expect(e.list("refs")?.split(separator: ",").count == areas.split(separator: ",").count, "\(at) areas read")
                }
            } else {
                // The response comes from the node its command went to.
                #expect(e.string("station") == "fins:net:\(from[0]):node:\(from[1]):unit:\(from[2])", "\(at) responder")
                if let code = hex(row["omron.response.code"]) {
                    #expect(e.int("end_code") == code, "\(at) end code")
                    #expect(e.string("outcome") == (code == 0 ? "ok" : "error"), "\(at) outcome")
                }
            }
            compared += 1
        }
        #expect(compared == 44)
        // What the commands did, in the protocol-neutral words.
        func control(_ frame: Int) -> String {
            guard let c = byRequest[frame].flatMap({ ControlPoint.facts($0.attributes) }) else { return "-" }
            // A value the command does not carry (a transfer's, a write's cut short) is null: empty here.
            return c.action + " " + c.writes.map { "\($0.point)=\($0.value.text)" }.joined(separator: " ")
        }
        #expect(control(3) == "write fins:D100=9500")
        #expect(control(5) == "write fins:CIO10.05=1")
        #expect(control(9) == "write fins:H5=0 fins:H6=0 fins:H7=0 fins:H8=0")
        #expect(control(13) == "write fins:D200= fins:D201=")
        #expect(control(27) == "write fins:E0_100=42")
        #expect(control(46) == "write fins:D300=1234 fins:D301=5678")
        #expect(byRequest[15]?.kind == "ics.fins.plc_stop" && control(15) == "command ")
        #expect(byRequest[17]?.kind == "ics.fins.plc_start" && byRequest[17]?.string("mode") == "run")
        #expect(byRequest[21]?.kind == "ics.fins.program_write" && byRequest[21]?.string("error") == "protected")
        #expect(byRequest[19]?.string("clock_set_to") == "26-12-04 09:30:00")
        #expect(byRequest[29]?.string("station") == "fins:net:1:node:5:unit:0", "through a gateway to another network's node")
        #expect(byRequest[31]?.string("outcome") == "no_response_wanted")
        #expect(byResponse[32]?.string("note") == "response without a command in the capture")
        #expect(control(33) == "write fins:D500=1 fins:D501= fins:D502=")
        #expect(sink.warnings.map(\.text).contains { $0.contains("memory area write of 3 items carries 2 of 6 bytes") },
                "\(sink.warnings)")
        #expect(byRequest[46]?.string("transport") == "tcp")
        #expect(byRequest[46]?.int("tcp_client_node") == 11 && byRequest[46]?.int("tcp_server_node") == 20)
    }

    /// The polls of an HMI are counted, not kept one by one; a write among them is always its own event.
    @Test func pollsAreCountedWritesKept() throws {
        let tmp = TempDir("fins")
        let path = tmp.url.appendingPathComponent("fins.pcap").path
        try FINSCommands.write(to: path)
        let sink = try collectPcap(path: path)
        let polls = sink.events.filter { $0.kind.hasPrefix("ics.fins.controller_status_read") }
        #expect(polls.map(\.kind) == ["ics.fins.controller_status_read", "ics.fins.controller_status_read_summary"])
        #expect(sink.events.filter { $0.kind == "ics.fins.memory_area_write" }.count == 9)
    }

    /// The inventory's forms of FINS points and stations.
    @Test func pointsAndStationsAsAnInventoryWritesThem() {
        let forms = ["fins:D100": "fins:D100", "fins:DM100": "fins:D100", "FINS:cio10.5": "fins:CIO10.05",
                     "fins:WR20.00": "fins:W20.00", "fins:HR5": "fins:H5", "fins:e0_100": "fins:E0_100",
                     "fins:EA_7": "fins:EA_7", "fins:EM100": "fins:EM100", "fins:T5": "fins:T5", "fins:C5.F": "fins:C5.F",
                     "fins:AR448": "fins:A448"]
        for (text, canonical) in forms {
            #expect(ControlPoint(parsing: text)?.text == canonical, "\(text)")
        }
        #expect(ControlPoint(parsing: "fins:D100") == ControlPoint(parsing: "fins:dm100"))
        for bad in ["fins:", "fins:D", "fins:D100.16", "fins:X100", "fins:D70000", "fins:E19_1", "fins:D1.2.3", "fins:D100.F"] {
            #expect(ControlPoint(parsing: bad) == nil, "\(bad)")
        }
        #expect(Station.canonical("fins:0:20:0") == "fins:net:0:node:20:unit:0")
        #expect(Station.canonical("fins:net:1:node:5") == "fins:net:1:node:5:unit:0")
        for bad in ["fins:net:0:node:256:unit:0", "fins:0:20", "fins:a:b:c"] { #expect(Station.canonical(bad) == nil, "\(bad)") }
    }
}

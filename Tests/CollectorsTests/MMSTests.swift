import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// MMS (IEC 61850) against Wireshark, in a capture the repository generates (`jikocho dev mms-commands`; tshark's
/// reading is the golden file, scripts/oracles/mms_commands_golden.sh): the association, every confirmed request with
/// its invoke ID, service and variables, every answer with its results, the error and the report as tshark reads
/// them; then what Jikocho adds: IEC 61850's select, operate and cancel of control objects, the points and values
/// written, refusals.
@Suite struct MMSTests {
    static func capture() throws -> (MemorySink, [Int: Event], [Int: Event]) {
        let tmp = TempDir("mms")
        let path = tmp.url.appendingPathComponent("mms.pcap").path
        #expect(try MMSCommands.write(to: path) == 49)
        let sink = try collectPcap(path: path, options: ["aggregate": "off"])
        var byRequest: [Int: Event] = [:], byResponse: [Int: Event] = [:]
        for e in sink.events where e.kind.hasPrefix("ics.mms.") {
            if let r = e.int("request_packet") { byRequest[r] = e }
            if let r = e.int("response_packet") { byResponse[r] = e }
        }
        return (sink, byRequest, byResponse)
    }

    @Test func sessionMatchesTshark() throws {
        let golden = try #require(Golden.load("generated_mms_commands.pcap", "mms"),
                                  "no golden: run scripts/oracles/mms_commands_golden.sh")
        let (sink, byRequest, byResponse) = try Self.capture()
        #expect(sink.warnings.isEmpty, "\(sink.warnings.map(\.text))")
        var compared = 0
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let at = "frame \(frame)"
            if row["mms.initiate_RequestPDU_element"] != nil {
                #expect(byRequest[frame]?.kind == "ics.mms.associate", "\(at) association")
            } else if row["mms.initiate_ResponsePDU_element"] != nil {
                #expect(byResponse[frame]?.string("outcome") == "ok", "\(at) association accepted")
            } else if row["mms.conclude_RequestPDU_element"] != nil {
                #expect(byRequest[frame]?.kind == "ics.mms.conclude", "\(at) conclude")
            } else if row["mms.conclude_ResponsePDU_element"] != nil {
                #expect(byResponse[frame]?.kind == "ics.mms.conclude", "\(at) concluded")
            } else if let service = row["mms.confirmedServiceRequest"] {
                guard let e = byRequest[frame] else { Issue.record("\(at): no event"); continue }
                #expect(e.int("invoke_id") == Int(row["mms.invokeID"] ?? ""), "\(at) invoke ID")
                #expect(e.int("service_code") == Int(service), "\(at) service")
                if let domains = row["mms.domainId"], let items = row["mms.itemId"] {
                    let names = zip(domains.split(separator: ","), items.split(separator: ",")).map { "\($0)/\($1)" }
                    #expect(e.list("variables") == names.joined(separator: ","), "\(at) variables")
                }
            } else if row["mms.confirmedServiceResponse"] != nil || row["mms.errorClass"] != nil {
                guard let e = byResponse[frame] else { Issue.record("\(at): no event for the answer"); continue }
                #expect(e.int("invoke_id") == Int(row["mms.invokeID"] ?? ""), "\(at) invoke ID")
                if let items = row["mms.Write_Response_item"] {
                    // tshark: 1 success, 0 failure (with the data access error in mms.failure).
                    let failures = (row["mms.failure"] ?? "").split(separator: ",").compactMap { Int($0) }
                    var k = 0
                    let want = items.split(separator: ",").map { item -> String in
                        if item == "1" { return "success" }
                        defer { k += 1 }
                        return MMS.dataAccessErrors[failures[k]]
                    }
                    #expect(e.list("results") == want.joined(separator: ","), "\(at) results")
                }
                if let cls = row["mms.errorClass"] {
                    #expect(e.string("error_class") == MMS.errorClasses[Int(cls)!], "\(at) error class")
                    #expect(e.string("outcome") == "error")
                }
            } else if row["mms.unconfirmedService"] != nil {
                let e = sink.events.first { $0.int("request_packet") == frame }
                #expect(e?.kind == "ics.mms.information_report" && e?.string("list_name") == row["mms.vmd_specific"], "\(at) report")
            } else {
                continue
            }
            compared += 1
        }
        #expect(compared == 33)
    }

    /// IEC 61850's controls in the protocol-neutral words: select, operate (the breaker opened, the analogue
    /// setpoint's float inside its structure), cancel (no value, no write), a refused operate, a setting and the
    /// active setting group written, an operate with no answer; and identify, the name list, the polled read
    /// counted as routine.
    @Test func controlsAndSettings() throws {
        let (sink, byRequest, byResponse) = try Self.capture()
        func control(_ frame: Int) -> String {
            guard let c = byRequest[frame].flatMap({ ControlPoint.facts($0.attributes) }) else { return "-" }
            return c.action + " " + c.writes.map { "\($0.point)=\($0.value.text)" }.joined(separator: " ")
        }
        #expect(byRequest[18]?.kind == "ics.mms.select" && control(18) == "select iec61850:IED1LD0/CSWI1.Pos=0")
        #expect(byRequest[20]?.kind == "ics.mms.operate" && control(20) == "operate iec61850:IED1LD0/CSWI1.Pos=0")
        #expect(control(22) == "operate iec61850:IED1LD0/GGIO1.AnOut1=42.5")
        #expect(control(24) == "operate iec61850:IED1LD0/XCBR1.Pos=1" && byRequest[24]?.string("outcome") == "refused")
        #expect(byRequest[24]?.message.hasSuffix("→ object-access-denied") == true)
        #expect(byRequest[26]?.kind == "ics.mms.write"
                && control(26) == "write iec61850:IED1PROT/PTOC1.StrVal.setMag.f[SP]=1.5 iec61850:IED1PROT/LLN0.SGCB.ActSG[SP]=2")
        #expect(byRequest[28]?.kind == "ics.mms.cancel" && control(28) == "-")
        #expect(byRequest[33]?.kind == "ics.mms.file_delete" && byRequest[33]?.list("names") == "COMTRADE/trip1.cfg")
        #expect(byRequest[8]?.list("identification") == "libiec61850.com,LIBIEC61850,1.5.1")
        #expect(byRequest[10]?.list("response_names") == "IED1LD0,IED1PROT")
        #expect(byRequest[6]?.int("cotp_request_packet") == 4 && byRequest[6]?.string("dst_tsap") == "0001")
        #expect(byRequest[35]?.kind == "ics.mms.stop" && byRequest[35]?.list("names") == "PROTECTION" && control(35) == "command ")
        #expect(byResponse[45]?.string("note") == "response without a request in the capture")
        #expect(control(46) == "operate iec61850:IED1LD0/XCBR1.Pos=0" && byRequest[46]?.string("outcome") == "no_response")
        // The poll repeated three times: three events here (summaries off); with summaries on, one and a count.
        #expect(sink.events.filter { $0.kind == "ics.mms.read" }.count == 3)
        let tmp = TempDir("mms-routine")
        let path = tmp.url.appendingPathComponent("m.pcap").path
        try MMSCommands.write(to: path)
        let routine = try collectPcap(path: path)
        #expect(routine.events.filter { $0.kind.hasPrefix("ics.mms.read") }.map(\.kind) == ["ics.mms.read", "ics.mms.read_summary"])
        #expect(routine.events.filter { ControlPoint.facts($0.attributes) != nil }.count == 7)    // six writes, the stop
        // No S7 reading of an MMS connection.
        #expect(!sink.events.contains { $0.kind.hasPrefix("ics.s7.") })
    }

    /// The inventory's forms of IEC 61850 points: the control object, with its service or value, its FC, the MMS
    /// name; what is none of them is refused.
    @Test func pointsAsAnInventoryWritesThem() {
        let forms = ["iec61850:IED1LD0/XCBR1.Pos": "iec61850:IED1LD0/XCBR1.Pos",
                     "iec61850:IED1LD0/XCBR1.Pos[CO]": "iec61850:IED1LD0/XCBR1.Pos",
                     "iec61850:IED1LD0/XCBR1.Pos.Oper.ctlVal": "iec61850:IED1LD0/XCBR1.Pos",
                     "mms:IED1LD0/XCBR1$CO$Pos$Oper": "iec61850:IED1LD0/XCBR1.Pos",
                     "iec61850:IED1LD0/XCBR1$CO$Pos$SBOw": "iec61850:IED1LD0/XCBR1.Pos",
                     "iec61850:IED1PROT/PTOC1.StrVal.setMag.f[SP]": "iec61850:IED1PROT/PTOC1.StrVal.setMag.f[SP]",
                     "iec61850:IED1PROT/PTOC1$SP$StrVal$setMag$f": "iec61850:IED1PROT/PTOC1.StrVal.setMag.f[SP]"]
        for (text, canonical) in forms { #expect(ControlPoint(parsing: text)?.text == canonical, "\(text)") }
        for bad in ["iec61850:", "iec61850:XCBR1.Pos", "iec61850:/XCBR1.Pos", "iec61850:LD/XCBR1..Pos", "iec61850:LD/X[co]",
                    "iec61850:LD/XCBR1.Pos[CONTROL]"] {
            #expect(ControlPoint(parsing: bad) == nil, "\(bad)")
        }
    }

    /// Hostile MMS: every truncation and damaged copies of the session's TSDUs give warnings or events, never a
    /// crash; a structure nested past 16 levels is cut there.
    @Test func damagedSessions() throws {
        try collectDamagedCopies("mms", seed: 61_850, MMSCommands.write(to:))
        var deep: [UInt8] = [0x85, 0x01, 0x07]
        for _ in 0..<40 { deep = [0xA2] + MMSCommandsTestSupport.length(deep.count) + deep }
        let value = MMS.data(deep, MMS.element(deep, at: 0, limit: deep.count)!, depth: 0)
        var depth = 0
        var v = value
        while case .array(let a) = v, let first = a.first { v = first; depth += 1 }
        #expect(depth == 16 && v == .null)
    }
}

enum MMSCommandsTestSupport {
    static func length(_ n: Int) -> [UInt8] { n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xFF)] }
}

import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

func collectJSONL(_ text: String, name: String = "records.json", options: [String: String] = [:]) throws -> MemorySink {
    let tmp = TempDir()
    let path = tmp.file(name, text)
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: name, originalPath: path,
                            acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
    let sink = MemorySink()
    try JSONLinesCollector().collect(EvidenceSource(item: item, path: path, options: options), into: sink)
    return sink
}

@Suite struct JSONLinesCollectorTests {
    @Test func identifiesJSONLinesAndRefusesOtherLogs() {
        func probe(_ s: String) -> EvidenceProbe { EvidenceProbe(name: "x", mimeType: "application/json", head: Array(s.utf8)) }
        #expect(JSONLinesCollector.identify(probe("{\"a\":1}\n{\"b\":2}\n{\"c\":")) == .likely)
        #expect(JSONLinesCollector.identify(probe("Feb  5 08:33:12 h sshd[1]: x\n")) == .no)
        #expect(JSONLinesCollector.identify(probe("[1,2]\n")) == .no)
    }

    @Test func zeekConnRecordsBecomeNetworkEvents() throws {
        let sink = try collectJSONL(#"""
            {"ts":1612513992.25,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":50211,"id.resp_h":"10.20.0.5","id.resp_p":502,"proto":"tcp","service":"modbus"}
            """#, name: "conn.log")
        #expect(sink.warnings.isEmpty)
        let e = try #require(sink.events.first)
        #expect(e.kind == "zeek.conn")
        #expect(e.domain == .network)
        #expect(e.time == Timestamp(nanoseconds: 1_612_513_992_250_000_000))
        #expect(e.src == Endpoint(ip: "10.0.0.5", port: 50211))
        #expect(e.dst == Endpoint(ip: "10.20.0.5", port: 502))
        #expect(e.message == "zeek conn 10.0.0.5:50211 -> 10.20.0.5:502 proto=tcp service=modbus")
        #expect(e.attributes["uid"] == "C1")
        #expect(e.provenance.locator == "line 1 @0x0")
    }

    @Test func windowsEventsFromWinlogbeatAndEvtxECmd() throws {
        let sink = try collectJSONL(#"""
            {"@timestamp":"2021-02-05T08:30:00.123Z","winlog":{"event_id":4624,"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"HMI-01","event_data":{"TargetUserName":"operator","LogonType":"10","IpAddress":"203.0.113.7","IpPort":"51512"}}}
            {"TimeCreated":"2021-02-05T08:31:00.0000000+00:00","EventId":7045,"Channel":"System","Provider":"Service Control Manager","Computer":"HMI-01","UserName":"S-1-5-18","MapDescription":"A service was installed","PayloadData1":"Name: PSEXESVC"}
            {"TimeCreated":"2021-02-05T08:32:00Z","EventId":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Provider":"Microsoft-Windows-Sysmon","Computer":"EWS-01"}
            """#)
        #expect(sink.warnings.isEmpty)
        #expect(sink.events.map(\.kind) == ["auth.logon", "persistence.service_install", "exec.process"])
        let logon = sink.events[0]
        #expect(logon.user == "operator")
        #expect(logon.src == Endpoint(ip: "203.0.113.7", port: 51512))
        #expect(logon.host == "HMI-01")
        #expect(logon.message.hasSuffix("(logon type: remote interactive)"))
        #expect(sink.events[1].message == "System 7045 A service was installed: Name: PSEXESVC")
    }

    /// A Windows server as the VPN gateway: RRAS's System events (unnamed event data, `param1`…, in the order of the
    /// messages' insertion strings: routing domain, correlation id, then user, port, address…) and NPS's 6272/6273,
    /// exported by Winlogbeat, become the same facts as every gateway's: the failure with its source, the logon, the
    /// address given (tunnel_ip), the session's end with its bytes, the address released. Records written for this
    /// test from the messages' templates (RemoteAccess 20250, 20271, 20272, 20274, 20275; Security 6272, 6273) with
    /// documentation addresses.
    @Test func windowsRoutingAndRemoteAccess() throws {
        func rras(_ id: Int, _ t: String, _ params: [String]) -> String {
            let data = params.enumerated().map { "\"param\($0.offset + 1)\":\"\($0.element)\"" }.joined(separator: ",")
            return #"{"@timestamp":"2024-03-12T10:\#(t)Z","winlog":{"event_id":\#(id),"channel":"System","provider_name":"RemoteAccess","computer_name":"VPN-1","event_data":{\#(data)}}}"#
        }
        let domain = "RoutingDomainID- {00000000-0000-0000-0000-000000000000}", co = "CoId={4E12A3F5-0B1C-4D2E-9F10-2A3B4C5D6E7F}"
        let lines = [
            rras(20271, "16:25.000", [domain, #"PLANT\\vendor-ito"#, "198.51.100.60", "The remote connection was denied because the user name and password combination you provided is not recognized, or the selected authentication protocol is not permitted on the remote access server."]),
            #"{"@timestamp":"2024-03-12T10:19:02.000Z","winlog":{"event_id":6272,"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"VPN-1","event_data":{"SubjectUserName":"vendor-ito","SubjectDomainName":"PLANT","FullyQualifiedSubjectUserName":"PLANT\\vendor-ito","CallingStationID":"198.51.100.60","NASPortType":"Virtual","ClientName":"RRAS","NetworkPolicyName":"Vendors VPN","AuthenticationType":"MS-CHAPv2"}}}"#,
            #"{"@timestamp":"2024-03-12T10:19:02.500Z","winlog":{"event_id":6272,"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"NPS-1","event_data":{"SubjectUserName":"op1","CallingStationID":"00-1B-1B-AA-BB-CC","NASPortType":"Wireless - IEEE 802.11"}}}"#,
            rras(20250, "19:03.000", [domain, co, #"PLANT\\vendor-ito"#, "VPN2-9"]),
            rras(20274, "19:04.000", [domain, co, #"PLANT\\vendor-ito"#, "VPN2-9", "10.9.9.25"]),
            rras(20272, "40:02.000", [domain, co, #"PLANT\\vendor-ito"#, "VPN2-9", "3/12/2024", "10:19 AM", "3/12/2024", "10:40 AM", "20", "59", "1893421", "210034", "User requested a disconnection.", "WAN Miniport (SSTP)", "Not Applicable"]),
            rras(20275, "40:02.500", [domain, co, "10.9.9.25"]),
        ]
        let sink = try collectJSONL(lines.joined(separator: "\n"))
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let e = sink.events
        #expect(e.map(\.kind) == ["auth.logon_failed", "auth.logon", "auth.logon", "auth.logon", "vpn.address_assigned",
                                  "auth.session_closed", "auth.session_closed"])
        #expect(e.map(\.user) == [#"PLANT\vendor-ito"#, #"PLANT\vendor-ito"#, "op1", #"PLANT\vendor-ito"#, #"PLANT\vendor-ito"#,
                                  #"PLANT\vendor-ito"#, nil])
        #expect(e.map(\.src.ip) == ["198.51.100.60", "198.51.100.60", nil, nil, nil, nil, nil])
        #expect(e[4].attributes["tunnel_ip"] == "10.9.9.25" && e[4].dst.ip == "10.9.9.25" && e[6].attributes["tunnel_ip"] == "10.9.9.25")
        #expect(e[1].attributes["access"] == "vpn" && e[1].attributes["vendor"] == "microsoft-nps"
                && e[1].attributes["policy"] == "Vendors VPN")
        // NPS also authorizes wireless and wired clients: only a virtual port is a VPN.
        #expect(e[2].attributes["access"] == nil && e[2].attributes["nas_port_type"] == "Wireless - IEEE 802.11")
        #expect(e[5].attributes["bytes_sent"] == .int(1_893_421) && e[5].attributes["duration_s"] == .int(20 * 60 + 59)
                && e[5].attributes["tunnel_type"] == "WAN Miniport (SSTP)" && e[0].attributes["vendor"] == "microsoft-rras")
        #expect(e.allSatisfy { $0.domain == .network })
    }

    /// Remote Desktop Gateway (TerminalServices-Gateway/Operational) as Winlogbeat ships it, the UserData's
    /// `EventInfo` under `winlog.user_data`: the refusals (201 by the connection authorization policy, 301 by the
    /// resource's, 304 a failed connection) are failed logons from the client's address; 302 is the session on the
    /// gateway toward its resource; 303 its end with bytes and duration; 200 and 300 (the policies passed) stay
    /// events of their own with no kind of logon, so one connection is one logon. Records written for this test from
    /// the events' templates and their UserData field names, with documentation addresses; the same fields read from
    /// an EVTX record's `user_data` give the same facts.
    @Test func windowsRDGateway() throws {
        func rdg(_ id: Int, _ t: String, _ data: [String: String]) -> String {
            let ud = (["Username": #"PLANT\\vendor-ito"#, "IpAddress": "198.51.100.60", "AuthType": "NTLM",
                       "ConnectionProtocol": "HTTP", "ErrorCode": "0"].merging(data) { $1 })
                .sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
            return #"{"@timestamp":"2024-03-12T10:\#(t)Z","host":{"name":"RDGW-1"},"winlog":{"event_id":\#(id),"channel":"Microsoft-Windows-TerminalServices-Gateway/Operational","provider_name":"Microsoft-Windows-TerminalServices-Gateway","computer_name":"RDGW-1.plant.local","user_data":{\#(ud)}}}"#
        }
        let lines = [
            rdg(201, "18:02.000", ["ErrorCode": "23003"]),
            rdg(200, "19:01.100", [:]),
            rdg(300, "19:01.200", ["Resource": "ews-1.plant.local"]),
            rdg(302, "19:01.500", ["Resource": "ews-1.plant.local"]),
            rdg(301, "19:30.000", ["Resource": "10.1.3.20", "ErrorCode": "23002"]),
            rdg(304, "19:40.000", ["Resource": "hmi-9.plant.local", "ErrorCode": "1326"]),
            rdg(303, "41:02.500", ["Resource": "ews-1.plant.local", "BytesReceived": "2210034", "BytesTransfered": "393421",
                                    "SessionDuration": "1321"]),
        ]
        let sink = try collectJSONL(lines.joined(separator: "\n"))
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let e = sink.events
        #expect(e.map(\.kind) == ["auth.logon_failed", "windows.event", "windows.event", "auth.logon", "auth.logon_failed",
                                  "auth.logon_failed", "auth.session_closed"], "\(e.map(\.kind))")
        let facts = [e[0], e[3], e[4], e[5], e[6]]
        #expect(facts.allSatisfy { $0.user == "vendor-ito" && $0.src.ip == "198.51.100.60" && $0.attributes["access"] == "rd-gateway"
                                   && $0.attributes["account"] == #"PLANT\vendor-ito"# && $0.domain == .network })
        #expect(e[3].attributes["resource"] == "ews-1.plant.local" && e[3].dst.ip == nil
                && e[3].message == #"RD Gateway: PLANT\vendor-ito on client computer 198.51.100.60 connected to resource ews-1.plant.local"#)
        #expect(e[4].dst.ip == "10.1.3.20" && e[4].attributes["error_code"] == "23002"
                && e[4].attributes["reason"]?.text.hasPrefix("was refused access to resource 10.1.3.20") == true)
        #expect(e[0].attributes["reason"] == "was refused by the connection authorization policy (error 23003)")
        #expect(e[6].attributes["duration_s"] == .int(1321) && e[6].attributes["bytes_received"] == .int(2_210_034)
                && e[6].attributes["bytes_sent"] == .int(393_421))
        #expect(SessionFacts.type(e[3]) == "rd-gateway" && SessionFacts.isRemote(e[3]) && SessionFacts.type(e[6]) == nil)
        #expect(SessionFacts.endKey(e[3]) == SessionFacts.endKey(e[6]))

        // The EVTX collector's shape of the same 302: the UserData in `user_data`, the fields by their element names.
        var evtx = Event(time: Timestamp(seconds: 1_710_238_741), timeDescription: "t", domain: .it, kind: "auth.logon",
                         host: "RDGW-1.plant.local", src: Endpoint(ip: "198.51.100.60"),
                         message: "Microsoft-Windows-TerminalServices-Gateway/Operational 302 Microsoft-Windows-TerminalServices-Gateway: from 198.51.100.60",
                         attributes: ["event_id": .int(302), "provider": "Microsoft-Windows-TerminalServices-Gateway",
                                      "user_data": .object(["Username": #"PLANT\vendor-ito"#, "IpAddress": "198.51.100.60",
                                                            "Resource": "ews-1.plant.local", "ConnectionProtocol": "HTTP"])],
                         provenance: Provenance(evidenceID: 1, collector: "windows/evtx", collectorVersion: "1", locator: "record 1"))
        WindowsRemoteAccess.refine(&evtx)
        #expect(evtx.user == "vendor-ito" && evtx.attributes["resource"] == "ews-1.plant.local" && evtx.message == e[3].message)
    }

    /// An IPv4 client of a dual-stack listener, as Windows writes it (`::ffff:10.9.9.37`), is the same address as
    /// the VPN tunnel's and the capture's `10.9.9.37`; IPv6 addresses are written as the capture decoders write them.
    @Test func addressesAreWrittenOneWay() throws {
        let sink = try collectJSONL(#"""
            {"@timestamp":"2021-02-05T08:30:00.123Z","winlog":{"event_id":4624,"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"EWS-1","event_data":{"TargetUserName":"vendor","LogonType":"10","IpAddress":"::ffff:10.9.9.37","IpPort":"51512"}}}
            {"@timestamp":"2021-02-05T08:30:01.123Z","winlog":{"event_id":4624,"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"EWS-1","event_data":{"TargetUserName":"vendor","LogonType":"3","IpAddress":"2001:0DB8:0009:0000:0000:0000:0000:0044","IpPort":"0"}}}
            {"ts":1612513800.5,"uid":"C2","id.orig_h":"::ffff:10.9.9.37","id.orig_p":50211,"id.resp_h":"10.20.0.5","id.resp_p":502,"proto":"tcp"}
            """#)
        #expect(sink.warnings.isEmpty)
        #expect(sink.events.map(\.src.ip) == ["10.9.9.37", "2001:db8:9::44", "10.9.9.37"])
    }

    @Test func genericRecordsWithAndWithoutAMapping() throws {
        let text = #"{"when":"2021-02-05 17:30:00","what":"valve V-101 opened","who":"op1","tag":"alarm"}"#
        let unmapped = try collectJSONL(text)
        #expect(unmapped.events.isEmpty)
        #expect(unmapped.warnings.first?.text.contains("no readable time") == true)
        let mapped = try collectJSONL(text, options: ["jsonl.time": "when", "jsonl.message": "what", "jsonl.user": "who",
                                                      "jsonl.kind": "tag", "tz": "Asia/Tokyo"])
        let e = try #require(mapped.events.first)
        #expect(e.time.iso8601(precision: .seconds) == "2021-02-05T08:30:00Z")
        #expect(e.message == "valve V-101 opened")
        #expect(e.user == "op1")
        #expect(e.kind == "json.alarm")
        let epochMillis = try collectJSONL(#"{"timestamp":1612513992123,"message":"x"}"#)
        #expect(epochMillis.events.first?.time == Timestamp(nanoseconds: 1_612_513_992_123_000_000))
    }

    @Test func hostileRecordsBecomeWarnings() throws {
        let deep = String(repeating: "{\"a\":", count: 200) + "1" + String(repeating: "}", count: 200)
        let text = [
            #"{"ts":1612513992,"uid":"C1","id.orig_h":"10.0.0.5"}"#, "not json", "[1,2,3]", deep,
            #"{"time":"2021-02-30T00:00:00Z","message":"impossible"}"#, #"{"message":"no time"}"#,
            #"{"time":"2021-02-05T08:00:00Z","message":"cut off"#, "", "\u{0}\u{0}",
            #"{"time":"2021-02-05T08:00:01Z","message":"last"}"#,
        ].joined(separator: "\n")
        let sink = try collectJSONL(text)
        #expect(sink.events.map(\.message).last == "last")
        #expect(sink.events.count == 2)
        #expect(sink.warnings.count == 7)
        #expect(sink.warnings.contains { $0.text.contains("nesting deeper than 64") })
    }
}

/// Winlogbeat records name their endpoints in the same fields as native EVTX; a lying address is no endpoint.
@Suite struct WinlogbeatEndpointTests {
    @Test func sysmonConnectionsHaveTheirEndpoints() throws {
        let tmp = TempDir()
        let good = #"{"@timestamp":"2020-12-01T17:10:41.300Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":3,"provider_name":"Microsoft-Windows-Sysmon","computer_name":"NMS-1","event_data":{"Image":"x.exe","SourceIp":"10.50.3.60","SourcePort":"52000","DestinationIp":"198.51.100.200","DestinationPort":"443"}},"agent":{"type":"winlogbeat"}}"#
        let lying = #"{"@timestamp":"2020-12-01T17:10:42.300Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":3,"provider_name":"Microsoft-Windows-Sysmon","computer_name":"NMS-1","event_data":{"SourceIp":"not-an-ip","SourcePort":"99999","DestinationIp":"::ffff:10.1.2.3","DestinationPort":"-1"}},"agent":{"type":"winlogbeat"}}"#
        let path = tmp.file("nms.jsonl", good + "\n" + lying + "\n")
        let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "nms.jsonl", originalPath: path,
                                acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
        let sink = MemorySink()
        try JSONLinesCollector().collect(EvidenceSource(item: item, path: path, options: [:]), into: sink)
        #expect(sink.events.count == 2)
        let e = sink.events[0]
        #expect(e.kind == "net.connection" && e.src.ip == "10.50.3.60" && e.src.port == 52000
                && e.dst.ip == "198.51.100.200" && e.dst.port == 443)
        let l = sink.events[1]
        #expect(l.src.ip == nil && l.src.port == nil && l.dst.ip == "10.1.2.3" && l.dst.port == nil)
    }
}

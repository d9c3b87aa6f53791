import JikochoModel
@testable import Reports
import Testing

/// A device's machine record on a chain step is told in plain words from the facts every product's reader gives.
@Suite struct PlainWordsTests {
    func event(_ kind: String, user: String? = nil, src: Endpoint = Endpoint(), dst: Endpoint = Endpoint(),
               _ attributes: [String: JSONValue] = [:]) -> Event {
        Event(time: Timestamp(nanoseconds: 0), timeDescription: "t", domain: .network, kind: kind, host: "gw-1", src: src,
              dst: dst, user: user, message: String(repeating: "k=v ", count: 60), attributes: Attributes(attributes),
              provenance: Provenance(evidenceID: 1, collector: "log/syslog", collectorVersion: "1", locator: "line 1"))
    }

    @Test func kindsInPlainWords() {
        let vendor: [String: JSONValue] = ["vendor": "fortinet-fortigate", "action": "tunnel-up"]
        #expect(Fmt.plainWords(event("auth.logon", user: "test", src: Endpoint(ip: "10.5.23.138"), vendor), tunnel: "10.212.134.200")
                == "test logged on from 10.5.23.138, given 10.212.134.200 (fortinet-fortigate tunnel-up)")
        #expect(Fmt.plainWords(event("auth.logon_failed", src: Endpoint(ip: "203.0.113.77")), tunnel: nil)
                == "a logon as an unnamed account from 203.0.113.77 was refused")
        #expect(Fmt.plainWords(event("vpn.address_assigned", user: "alice", src: Endpoint(ip: "203.0.113.5"),
                                     ["vendor": "openvpn"]), tunnel: "10.8.0.6")
                == "alice's session from 203.0.113.5 was given 10.8.0.6 (openvpn)")
        #expect(Fmt.plainWords(event("vpn.address_assigned", user: "alice"), tunnel: nil) == nil)
        #expect(Fmt.plainWords(event("net.connection_blocked", src: Endpoint(ip: "10.30.9.44", port: 50611),
                                     dst: Endpoint(ip: "10.20.3.20", port: 502), ["vendor": "paloalto-panos", "action": "deny"]),
                               tunnel: nil)
                == "connection 10.30.9.44:50611 → 10.20.3.20:502 refused (paloalto-panos deny)")
        #expect(Fmt.plainWords(event("ics.modbus.write"), tunnel: nil) == nil)
    }

    /// Only a message too long to read at a glance is folded under its summary; a short one is shown as written.
    @Test func onlyLongRecordsAreFolded() {
        let long = String(repeating: "k=v ", count: 60), short = "Security 4624: An account was successfully logged on."
        var step = ReportFindingStep(title: "logon", kind: "auth.logon", time: Timestamp(nanoseconds: 0), recordedTime: nil,
                                     message: long, citation: nil, summary: "alice logged on from 203.0.113.5")
        #expect(step.shownSummary == "alice logged on from 203.0.113.5")
        step.message = short
        #expect(step.shownSummary == nil)
        step.message = long
        step.summary = nil
        #expect(step.shownSummary == nil)
    }
}

import JikochoModel
@testable import Parsers
import Testing

/// ArcSight CEF records: the header's and the extension's escapes, values with spaces, the departures published
/// formats make (FortiOS's `CEF: 0`, PAN-OS GlobalProtect's missing Severity), the record's own time, and hostile
/// input (cut headers, a flood of `=`, a long record) read without a crash and within bounds.
@Suite struct CEFTests {
    @Test func headerAndExtensionEscapes() throws {
        let r = try #require(CEF.parse(#"CEF:0|security|threat\|manager|1.0|100|detected a \\ and a \| in message|10|src=10.0.0.1 act=blocked a \= sign msg=Detected a threat.\nNo action needed. request=http://x/?a=b cs1Label=Rule Name cs1=Block all"#))
        #expect(r.version == 0 && r.vendor == "security" && r.product == "threat|manager" && r.deviceVersion == "1.0")
        #expect(r.signature == "100" && r.name == #"detected a \ and a | in message"# && r.severity == "10")
        #expect(r.fields.map(\.key) == ["src", "act", "msg", "request", "cs1Label", "cs1"])
        #expect(r["act"] == "blocked a = sign")
        #expect(r["msg"] == "Detected a threat.\nNo action needed.")
        #expect(r["request"] == "http://x/?a=b")      // `a=` inside a value is no key: no space before it
        #expect(r.labelled("rule name") == "Block all")
    }

    @Test func publishedDepartures() throws {
        // FortiOS 6.0 on: `CEF: 0|`; the syslog reader takes `CEF:` for a program tag.
        let f = try #require(CEF.record(program: "CEF", message: "0|Fortinet|Fortigate|v6.0.3|32002|event:system login failed|7|duser=admin1 src=172.16.200.254"))
        #expect(f.vendor == "Fortinet" && f["duser"] == "admin1" && f.severity == "7")
        #expect(CEF.record(program: "sshd", message: "0|Fortinet|x|y|z|w|1|a=b") == nil)
        // PAN-OS's published GlobalProtect format has no Severity: the sixth `|` is followed by the extension.
        let g = try #require(CEF.parse("CEF:0|Palo Alto Networks|PAN-OS|10.1.6|GLOBALPROTECT|0|rt=2021/05/04 10:15:31 PanOSEventID=gateway-auth"))
        #expect(g.severity == nil && g.signature == "GLOBALPROTECT" && g.name == "0")
        #expect(g["rt"] == "2021/05/04 10:15:31" && g["PanOSEventID"] == "gateway-auth")
        // A header with no extension at all, and one whose last field is empty.
        #expect(try #require(CEF.parse("CEF:0|a|b|c|d|e|5")).fields.isEmpty)
        #expect(try #require(CEF.parse("CEF:1|a|b|c|d|e|Very-High|")).severity == "Very-High")
    }

    @Test func cutAndHostileRecords() {
        #expect(CEF.parse("CEF:0|Palo Alto Networks|PAN-OS|10.1.6|TRAF") == nil)
        #expect(CEF.parse("CEF:x|a|b|c|d|e|1|k=v") == nil)
        #expect(CEF.parse("CEF:") == nil)
        // A value that is all `=`, a key with no value at the end, a trailing backslash.
        let r = CEF.parse("CEF:0|a|b|c|d|e|1|k====== m= n=\\")
        #expect(r?.fields.map(\.key) == ["k", "m", "n"])
        #expect(r?["k"] == "=====" && r?["m"] == "" && r?["n"] == "\\")
        // A flood of pairs: at most `maxFields` are read, the rest stays in the message; no quadratic blow-up.
        let flood = "CEF:0|a|b|c|d|e|1|" + (0..<20_000).map { "k\($0)=v" }.joined(separator: " ")
        #expect(CEF.parse(Substring(flood))?.fields.count == CEF.maxFields)
    }

    @Test func recordsOwnTime() throws {
        func time(_ ext: String) -> String? {
            CEF.parse(Substring("CEF:0|a|b|c|d|e|1|" + ext)).flatMap(CEF.time).map { t in
                let c = t.time
                let zone = c.utcOffsetSeconds.map { " \($0)" } ?? " local"
                return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%03d", c.year, c.month, c.day, c.hour, c.minute,
                              c.second, c.nanosecond / 1_000_000) + zone
            }
        }
        #expect(time("rt=1614456981123 src=1.2.3.4") == "2021-02-27 20:16:21.123 0")
        #expect(time("rt=Feb 27 2021 20:16:21") == "2021-02-27 20:16:21.000 local")
        #expect(time("dtz=UTC rt=Feb 27 2021 20:16:21") == "2021-02-27 20:16:21.000 0")
        #expect(time("rt=Feb 27 2021 20:16:21.250 GMT+09:00") == "2021-02-27 20:16:21.250 32400")
        #expect(time("rt=Feb  7 2021 20:16:21 JST") == "2021-02-07 20:16:21.000 local")   // a named zone stays local
        #expect(time("rt=2021/05/04 10:15:31 PanOSEventID=x") == "2021-05-04 10:15:31.000 local")
        #expect(time("end=2021-05-04T10:15:31Z") == "2021-05-04 10:15:31.000 0")
        #expect(time("FTNTFGTeventtime=1545938140 duser=a") == "2018-12-27 19:15:40.000 0")
        #expect(time("rt=Feb 27 20:16:21 src=1.2.3.4") == nil)      // no year: not placed
        #expect(time("rt=Feb 31 2021 20:16:21") == nil)
        #expect(time("src=1.2.3.4") == nil)
    }
}

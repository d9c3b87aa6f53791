import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

func collectAccess(path: String) throws -> MemorySink {
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "access",
                            originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
    let sink = MemorySink()
    try AccessLogCollector().collect(EvidenceSource(item: item, path: path), into: sink)
    return sink
}

@Suite struct AccessLogCollectorTests {
    @Test func identifiesAccessLogsAndNotSyslog() {
        func probe(_ s: String) -> EvidenceProbe { EvidenceProbe(name: "x", mimeType: "text/plain", head: Array(s.utf8)) }
        #expect(AccessLogCollector.identify(probe("#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n")) == .certain)
        #expect(AccessLogCollector.identify(probe(#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x""# + "\n")) == .likely)
        #expect(AccessLogCollector.identify(probe("Feb  5 08:33:12 h sshd[1]: x\n")) == .no)
        #expect(SyslogCollector.identify(probe(#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1"#)) == .no)
    }

    @Test func hostileLinesBecomeWarnings() throws {
        let tmp = TempDir()
        var bytes = Array(#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 1 "-" "x""#.utf8) + [0x0A]
        bytes += Array("garbage\n".utf8)
        bytes += Array(#"1.2.3.4 - - [17/May/2015:10:05:04 +0000] "GET /"#.utf8) + [0xFF] + Array(#" HTTP/1.1" 200 1 "-" "x""#.utf8) + [0x0A]
        bytes += Array(#"1.2.3.4 - - [17/May/2015:10:05:05 +0000] "GET /c HTTP/1.1" 200 1 "-" "cut off"#.utf8)
        let sink = try collectAccess(path: tmp.file("a.log", bytes))
        #expect(sink.events.count == 3)
        #expect(sink.warnings.map(\.locator).map { $0.split(separator: " ")[1] } == ["2", "3", "4"])
        #expect(sink.events.last?.attributes["user_agent"] == "cut off")
    }

    /// Oracle: the status codes counted straight from the file's ninth space-separated field (what
    /// `awk '{print $9}' | sort | uniq -c` gives) equal those of the events, and every line is an event.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func apacheCombinedLogMatchesAnIndependentCount() throws {
        let path = TestPaths.dataset("logs/web/apache_access_combined_semicomplete_2015.log")
        let sink = try collectAccess(path: path)
        let lines = try #require(FileManager.default.contents(atPath: path)).split(separator: 0x0A)
        #expect(sink.events.count == lines.count)
        #expect(lines.count == 10000)
        var byStatus: [String: Int] = [:]
        for l in lines { byStatus[String(decoding: l.split(separator: 0x20)[8], as: UTF8.self), default: 0] += 1 }
        var ours: [String: Int] = [:]
        for e in sink.events { ours[e.attributes["status"]?.text ?? "-", default: 0] += 1 }
        #expect(ours == byStatus)
        #expect(sink.warnings.map(\.locator) == ["line 8899 @0x20370e"])    // the sample's one cut-off line
        let first = try #require(sink.events.first)
        #expect(first.time.iso8601(precision: .seconds) == "2015-05-17T10:05:03Z")
        #expect(first.src.ip == "83.149.9.216")
        #expect(first.attributes["path"] == "/presentations/logstash-monitorama-2013/images/kibana-search.png")
        #expect(first.attributes["bytes"] == 203023)
        let last = try #require(sink.events.last)
        #expect(last.provenance.locator.hasPrefix("line 10000 @0x"))
        #expect(last.time.iso8601(precision: .seconds).hasPrefix("2015-05-20T"))
    }

    /// The Tunna webshell tunnel in the shared IIS log: every data line is an event, in UTC.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func iisLogMatchesAnIndependentCount() throws {
        let path = TestPaths.dataset("logs/web/iis_w3c_tunna_rdp_tunnel.log")
        let sink = try collectAccess(path: path)
        let dataLines = try #require(FileManager.default.contents(atPath: path)).split(separator: 0x0A)
            .filter { $0.first != UInt8(ascii: "#") && $0 != [0x0D] }
        #expect(sink.events.count == dataLines.count)
        #expect(sink.events.count == 4298)
        #expect(sink.warnings.isEmpty)
        let tunnel = sink.events.filter { ($0.attributes["query"]?.text ?? "").contains("port=3389") }
        #expect(!tunnel.isEmpty)
        #expect(tunnel.first?.time.iso8601(precision: .seconds) == "2019-09-03T10:13:36Z")
        #expect(tunnel.first?.src.ip == "10.0.2.17")
        #expect(tunnel.first?.dst == Endpoint(ip: "10.0.2.15", port: 80))
        #expect(tunnel.first?.attributes["path"] == "/erp/conn.aspx")
    }
}

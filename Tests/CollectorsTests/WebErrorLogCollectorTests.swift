import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

@Suite struct WebErrorLogCollectorTests {
    func collect(_ path: String, options: [String: String] = ["tz": "UTC"]) throws -> MemorySink {
        let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "error_log",
                                originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
        let sink = MemorySink()
        try WebErrorLogCollector().collect(EvidenceSource(item: item, path: path, options: options), into: sink)
        return sink
    }

    @Test func identifiesErrorLogsAndRefusesOthers() {
        func probe(_ s: String) -> EvidenceProbe { EvidenceProbe(name: "x", mimeType: "text/plain", head: Array(s.utf8)) }
        #expect(WebErrorLogCollector.identify(probe("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n")) == .likely)
        #expect(WebErrorLogCollector.identify(probe("Feb  5 08:33:12 h sshd[1]: x\n")) == .no)
        #expect(WebErrorLogCollector.identify(probe(#"10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1"#)) == .no)
    }

    /// The shared Apache error log: count, and the first and last records in full.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func readsTheSharedApacheErrorLog() throws {
        let sink = try collect(TestPaths.dataset("logs/web/loghub_Apache_2k.log"))
        #expect(sink.warnings.isEmpty)
        #expect(sink.events.count == 2000)
        let first = try #require(sink.events.first)
        #expect(first.time.iso8601() == "2005-12-04T04:47:44.000000000Z")
        #expect(first.kind == "web.error_log")
        #expect(first.message == "[notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties")
        #expect(first.attributes == ["server": "apache", "level": "notice"])
        #expect(first.provenance.locator == "line 1 @0x0")
        let last = try #require(sink.events.last)
        #expect(last.time.iso8601() == "2005-12-05T19:15:57.000000000Z")
        #expect(last.attributes["level"] == "error")
        #expect(sink.events.filter { $0.attributes["level"] == "error" }.count == 595)
    }

    @Test func clientAddressesBecomeEndpointsAndBadLinesWarnings() throws {
        let tmp = TempDir()
        let path = tmp.file("error.log", """
            [Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4] [client 72.15.99.187:51512] AH00128: File does not exist: /x
            garbage line
            2019/08/21 10:11:12 [error] 1234#1234: *5 open() failed, client: 198.51.100.4, server: _, request: "GET /x HTTP/1.1", host: "h"

            """)
        let sink = try collect(path, options: ["tz": "Asia/Tokyo"])
        #expect(sink.events.count == 2)
        #expect(sink.events[0].src == Endpoint(ip: "72.15.99.187", port: 51512))
        #expect(sink.events[0].time.iso8601(precision: .microseconds) == "2000-10-11T05:32:52.123456Z")
        #expect(sink.events[1].src == Endpoint(ip: "198.51.100.4"))
        #expect(sink.events[1].attributes["request"] == "GET /x HTTP/1.1")
        #expect(sink.warnings.count == 1)
        #expect(sink.warnings[0].locator.hasPrefix("line 2 "))
    }
}

import JikochoModel
import Parsers
import Testing

func clf(_ s: String) -> AccessRecord? {
    var b = Array(s.utf8)
    return b.withUnsafeMutableBufferPointer { CommonLogParser.parse(UnsafeBufferPointer($0)) }
}

@Suite struct CommonLogParserTests {
    @Test func parsesACombinedLineInFull() throws {
        let r = try #require(clf(#"83.149.9.216 - frank [17/May/2015:10:05:03 +0200] "GET /a/b.png?x=1&y=2 HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (X11)""#))
        var expected = AccessRecord(time: CivilTime(year: 2015, month: 5, day: 17, hour: 10, minute: 5, second: 3,
                                                    utcOffsetSeconds: 7200))
        expected.client = "83.149.9.216"
        expected.user = "frank"
        expected.method = "GET"
        expected.target = "/a/b.png?x=1&y=2"
        expected.path = "/a/b.png"
        expected.query = "x=1&y=2"
        expected.proto = "HTTP/1.1"
        expected.status = 200
        expected.bytes = 203023
        expected.referer = "http://semicomplete.com/"
        expected.userAgent = "Mozilla/5.0 (X11)"
        #expect(r == expected)
    }

    /// Tomcat's AccessLogValve: the default `common` pattern, and patterns that add fields after the status and
    /// size (`%D` milliseconds, `%I` thread name, `%{X-Forwarded-For}i`): the known part is read, the rest kept.
    @Test(arguments: [
        (#"10.1.2.3 - - [05/Feb/2021:08:33:12 +0900] "POST /manager/html/upload HTTP/1.1" 200 1534"#, nil as String?),
        (#"10.1.2.3 - tomcat [05/Feb/2021:08:33:12 +0900] "POST /manager/html/upload HTTP/1.1" 200 1534 212"#, "212"),
        (#"10.1.2.3 - - [05/Feb/2021:08:33:12 +0900] "POST /manager/html/upload HTTP/1.1" 200 1534 http-nio-8080-exec-7 212"#,
         "http-nio-8080-exec-7 212"),
        (#"10.1.2.3 - - [05/Feb/2021:08:33:12 +0900] "POST /manager/html/upload HTTP/1.1" 200 1534 "-" "curl/7.68.0" 198.51.100.9"#,
         "198.51.100.9"),
    ])
    func readsTomcatPatterns(line: String, trailing: String?) throws {
        let r = try #require(clf(line))
        #expect(r.client == "10.1.2.3")
        #expect(r.method == "POST")
        #expect(r.path == "/manager/html/upload")
        #expect(r.status == 200)
        #expect(r.bytes == 1534)
        #expect(r.time == CivilTime(year: 2021, month: 2, day: 5, hour: 8, minute: 33, second: 12, utcOffsetSeconds: 32400))
        #expect(r.extra["trailing"] == trailing)
    }

    @Test func parsesCommonFormatDashesEscapesAndJunkRequests() throws {
        let common = try #require(clf(#"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 -"#))
        #expect(common.bytes == nil)
        #expect(common.userAgent == nil)
        #expect(common.time.timestamp() == Timestamp(seconds: 971_211_336))
        let escaped = try #require(clf(#"10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "GET /q?\"x\" HTTP/1.1" 404 12 "-" "sqlmap \x41\"""#))
        #expect(escaped.target == #"/q?"x""#)
        #expect(escaped.referer == nil)
        #expect(escaped.userAgent == "sqlmap A\"")
        let junk = try #require(clf(#"198.51.100.4 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01\x00" 400 226 "-" "-""#))
        #expect(junk.method == nil)
        #expect(junk.rawRequest == "\u{16}\u{3}\u{1}\u{0}")
        let nginx = try #require(clf(#"10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "POST /login HTTP/2.0" 302 0 "-" "curl/8.0" 0.004 "-""#))
        #expect(nginx.extra["trailing"] == #"0.004 "-""#)
    }

    @Test(arguments: [
        "", "not a log line", #"1.2.3.4 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.1" 200 1"#,
        #"1.2.3.4 - - [32/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1"#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" abc 1"#,
        #"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1 200 1"#,
    ])
    func rejectsWhatIsNotAnAccessLine(line: String) {
        #expect(clf(line) == nil)
    }

    @Test func survivesTruncationAndCorruption() {
        let b = Array(#"83.149.9.216 - u [17/May/2015:10:05:03 +0000] "GET /x?y HTTP/1.1" 200 203 "http://r/" "Mozilla \"q\" \x41""#.utf8)
        for cut in 0...b.count { _ = b[0..<cut].withUnsafeBufferPointer { CommonLogParser.parse($0) } }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            var m = b
            for _ in 0..<3 { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if let r = m.withUnsafeBufferPointer({ CommonLogParser.parse($0) }) { #expect(r.time.isValid) }
        }
    }
}

@Suite struct W3CLogParserTests {
    func feed(_ p: inout W3CLogParser, _ s: String) -> W3CLogParser.Result {
        var b = Array(s.utf8)
        return b.withUnsafeMutableBufferPointer { p.parse(UnsafeBufferPointer($0)) }
    }

    @Test func readsColumnsFromTheFieldsDirective() throws {
        var p = W3CLogParser()
        #expect(feed(&p, "2019-09-03 10:13:36 10.0.2.15 GET /x - 80") == .bad("data line before any #Fields: directive"))
        #expect(feed(&p, "#Software: Microsoft Internet Information Services 10.0") == .directive("Software"))
        #expect(feed(&p, "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken") == .directive("Fields"))
        #expect(feed(&p, "# Default traces of Tunna") == .directive(nil))
        #expect(feed(&p, "") == .blank)
        guard case .record(let r) = feed(&p, "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx proxy&port=3389&ip=127.0.0.1 80 - 10.0.2.17 Mozilla/5.0+(Windows+NT) - 200 0 0 7") else {
            Issue.record("no record")
            return
        }
        #expect(r.time.timestamp()?.iso8601(precision: .seconds) == "2019-09-03T10:13:36Z")
        #expect(r.serverIP == "10.0.2.15")
        #expect(r.serverPort == 80)
        #expect(r.client == "10.0.2.17")
        #expect(r.method == "GET")
        #expect(r.target == "/erp/conn.aspx?proxy&port=3389&ip=127.0.0.1")
        #expect(r.userAgent == "Mozilla/5.0 (Windows NT)")
        #expect(r.user == nil)
        #expect(r.status == 200)
        #expect(r.timeTakenMillis == 7)
        #expect(r.extra == ["sc-substatus": "0", "sc-win32-status": "0"])
        #expect(feed(&p, "2019-09-03 10:13:36 10.0.2.15 GET") == .bad("4 values for 15 fields"))
        #expect(feed(&p, "2019-13-03 10:13:36 10.0.2.15 GET /erp/conn.aspx - 80 - 10.0.2.17 - - 200 0 0 7")
            == .bad("no valid date and time fields"))
    }
}

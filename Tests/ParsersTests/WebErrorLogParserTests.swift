import JikochoModel
import Parsers
import Testing

func parseError(_ s: String) -> WebErrorRecord? {
    var bytes = Array(s.utf8)
    return bytes.withUnsafeMutableBufferPointer { WebErrorLogParser.parse(UnsafeBufferPointer($0)) }
}

@Suite struct WebErrorLogParserTests {
    @Test func apache22WithClient() throws {
        let r = try #require(parseError("[Sun Dec 04 04:47:44 2005] [error] [client 203.0.113.7] File does not exist: /var/www/html/cmd.exe"))
        #expect(r == WebErrorRecord(dialect: .apache, time: CivilTime(year: 2005, month: 12, day: 4, hour: 4, minute: 47, second: 44),
                                    level: "error", module: nil, pid: nil, tid: nil, client: "203.0.113.7", connection: nil,
                                    request: nil, server: nil, hostHeader: nil,
                                    message: "File does not exist: /var/www/html/cmd.exe"))
    }

    @Test func apache24WithModulePidAndMicroseconds() throws {
        let r = try #require(parseError("[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:51512] AH00128: File does not exist: /usr/local/apache2/htdocs/favicon.ico"))
        #expect(r.time == CivilTime(year: 2000, month: 10, day: 11, hour: 14, minute: 32, second: 52, nanosecond: 123_456_000))
        #expect(r.module == "core")
        #expect(r.level == "error")
        #expect(r.pid == "35708")
        #expect(r.tid == "4328636416")
        #expect(r.client == "72.15.99.187:51512")
        #expect(r.message == "AH00128: File does not exist: /usr/local/apache2/htdocs/favicon.ico")
    }

    @Test func aBracketInTheMessageStaysInTheMessage() throws {
        let r = try #require(parseError("[Sun Dec 04 04:47:44 2005] [notice] [mod_jk] child init 1 -2"))
        #expect(r.message == "[mod_jk] child init 1 -2")
    }

    @Test func nginxWithItsTrailer() throws {
        let r = try #require(parseError(#"2019/08/21 10:11:12 [error] 1234#1234: *5 open() "/usr/share/nginx/html/shell.php" failed (2: No such file or directory), client: 198.51.100.4, server: _, request: "GET /shell.php?cmd=id, whoami HTTP/1.1", host: "203.0.113.10""#))
        #expect(r.dialect == .nginx)
        #expect(r.time == CivilTime(year: 2019, month: 8, day: 21, hour: 10, minute: 11, second: 12))
        #expect(r.level == "error")
        #expect(r.pid == "1234")
        #expect(r.tid == "1234")
        #expect(r.connection == "5")
        #expect(r.client == "198.51.100.4")
        #expect(r.server == "_")
        #expect(r.request == "GET /shell.php?cmd=id, whoami HTTP/1.1")
        #expect(r.hostHeader == "203.0.113.10")
        #expect(r.message == #"open() "/usr/share/nginx/html/shell.php" failed (2: No such file or directory)"#)
    }

    @Test(arguments: [
        "", "[", "[Sun Dec 04 04:47:44 2005]", "[Sun Dec 32 04:47:44 2005] [error] x", "[Sun Xyz 04 04:47:44 2005] [error] x",
        "Dec 04 04:47:44 host sshd[1]: x", "2019/08/21 10:11:12 error x", "2019/13/21 10:11:12 [error] x",
        "[Sun Dec 04 04:47:44 2005] [this is not a level at all] x",
    ])
    func refusesWhatIsNotAnErrorLogLine(_ line: String) {
        #expect(parseError(line) == nil)
    }

    @Test func everyCutOfARealLineIsSafe() {
        let lines = ["[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:51512] AH00128: x",
                     #"2019/08/21 10:11:12 [error] 1234#1234: *5 x, client: 1.2.3.4, server: _, request: "GET / HTTP/1.1", host: "h""#]
        for l in lines {
            let b = Array(l.utf8)
            for n in 0...b.count { _ = b[..<n].withUnsafeBufferPointer { WebErrorLogParser.parse($0) } }
        }
    }
}

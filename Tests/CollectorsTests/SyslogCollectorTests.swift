@testable import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

/// Runs the syslog collector over bytes or a real file, as an ingest would.
func collectSyslog(path: String, options: [String: String] = [:], timeZone: String? = nil,
                   mtime: Timestamp? = nil) throws -> MemorySink
{
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "syslog",
                            originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000),
                            sourceModifiedAt: mtime, examiner: "t", timeZone: timeZone)
    let sink = MemorySink()
    try SyslogCollector().collect(EvidenceSource(item: item, path: path, options: options), into: sink)
    return sink
}

func collectSyslog(_ text: [UInt8], options: [String: String] = [:], timeZone: String? = nil,
                   mtime: Timestamp? = nil) throws -> MemorySink
{
    let tmp = TempDir()
    return try collectSyslog(path: tmp.file("log", text), options: options, timeZone: timeZone, mtime: mtime)
}

@Suite struct SyslogCollectorTests {
    @Test func identifiesSyslogAndRefusesOtherFormats() {
        func probe(_ s: String) -> EvidenceProbe { EvidenceProbe(name: "x", mimeType: "text/plain", head: Array(s.utf8)) }
        #expect(SyslogCollector.identify(probe("Feb  5 08:33:12 h sshd[1]: x\nFeb  5 08:33:13 h sshd[1]: y\n")) == .likely)
        #expect(SyslogCollector.identify(probe("timestamp,tag,value\n2021-02-05T08:00:00Z,NaOH_SP,100\n")) == .no)
        #expect(SyslogCollector.identify(probe(#"10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1"#)) == .no)
        #expect(SyslogCollector.identify(EvidenceProbe(name: "x", mimeType: nil, head: [0xD4, 0xC3, 0xB2, 0xA1, 2, 0]))
            == .no)
    }

    /// An ASA that writes its own stamp with the year (`logging timestamp`), sent straight or behind a receiving
    /// server's header: every line read at the firewall's year, no year inferred, the VPN session's facts kept.
    @Test func readsCiscosYearBearingStamp() throws {
        let text = """
            <166>Jun 22 2022 13:29:11 fw-1 : %ASA-6-113039: Group <GP> User <user-1> IP <81.2.69.144> AnyConnect parent session started.
            Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-113039: Group VPN_USERS User example.user IP 67.43.156.14 AnyConnect parent session started.
            Jun 22 13:29:12 fw1 Jun 22 2022 13:29:12: %ASA-4-722051: Group <GP> User <user-2> IP <81.2.69.145> IPv4 Address <10.10.10.5> IPv6 address <::> assigned to session

            """
        let sink = try collectSyslog(Array(text.utf8), options: ["tz": "UTC"], mtime: Timestamp(seconds: 1_700_000_000))
        // Only the last line's header is a BSD stamp without its year: the note says so for it alone.
        #expect(sink.warnings.count == 1 && sink.warnings[0].text.hasPrefix("the year is not written"))
        #expect(sink.events.map(\.kind) == ["vpn.session_start", "vpn.session_start", "vpn.address_assigned"])
        #expect(sink.events.map { $0.time.iso8601(precision: .seconds) }.prefix(2) == ["2022-06-22T13:29:11Z", "2018-10-10T12:34:56Z"])
        #expect(sink.events.map(\.user) == ["user-1", "example.user", "user-2"])
        #expect(sink.events[2].attributes["tunnel_ip"] == "10.10.10.5" && sink.events[0].attributes["format"] == "cisco")
    }

    /// One full record (plaso's habit), with the declared zone applied.
    @Test func makesAFullEventFromALine() throws {
        let sink = try collectSyslog(Array("Feb  5 17:33:12 hmi-01 sshd[2211]: Accepted password for operator from 203.0.113.7 port 51512 ssh2\n".utf8),
                                     options: ["tz": "Asia/Tokyo", "year": "2021"])
        #expect(sink.warnings.isEmpty)
        #expect(sink.events == [Event(
            time: Timestamp(seconds: 1_612_513_992), timeDescription: "Log entry time", domain: .it, kind: "auth.logon",
            host: "hmi-01", src: Endpoint(ip: "203.0.113.7", port: 51512), user: "operator",
            message: "sshd[2211]: Accepted password for operator from 203.0.113.7 port 51512 ssh2",
            attributes: ["format": "rfc3164", "program": "sshd", "pid": "2211", "method": "password", "service": "sshd"],
            provenance: Provenance(evidenceID: 1, collector: "log/syslog", collectorVersion: SyslogCollector.version, locator: "line 1 @0x0"))])
    }

    @Test func placesYearsAcrossNewYearFromTheModificationTime() throws {
        let text = "Dec 31 23:59:58 h app: a\nJan  1 00:00:01 h app: b\nDec 31 23:59:59 h app: late, out of order\n"
            + "Jan  1 00:00:02 h app: c\n"
        // Modified in 2022: the last lines are of 2022, so the first is of 2021.
        let sink = try collectSyslog(Array(text.utf8), mtime: Timestamp(seconds: 1_641_000_000))
        #expect(sink.events.map { $0.time.iso8601(precision: .seconds) }
            == ["2021-12-31T23:59:58Z", "2022-01-01T00:00:01Z", "2021-12-31T23:59:59Z", "2022-01-01T00:00:02Z"])
        #expect(sink.warnings.contains { $0.text.contains("placed in 2021") && $0.text.contains("1 New Year rollover") })
        #expect(sink.warnings.contains { $0.text.contains("no time zone declared") })
        let given = try collectSyslog(Array(text.utf8), options: ["year": "2019", "tz": "UTC"])
        #expect(given.events.map { $0.time.iso8601(precision: .seconds) }
            == ["2019-12-31T23:59:58Z", "2020-01-01T00:00:01Z", "2019-12-31T23:59:59Z", "2020-01-01T00:00:02Z"])
        #expect(given.warnings.isEmpty)
    }

    /// Hostile input: every bad line becomes a warning with its locator; the good lines around it still count.
    @Test func keepsGoingThroughBadLines() throws {
        var bytes = Array("Feb  5 08:33:12 h a: ok1\n".utf8)
        bytes += Array("this is not syslog\n".utf8)
        bytes += Array("Feb  5 08:33:13 h a: nul\u{0}byte\n".utf8)
        bytes += Array("Feb  5 08:33:14 h a: bad ".utf8) + [0xFF, 0xFE] + [0x0A]
        bytes += Array("Feb 30 08:33:15 h a: impossible date\n".utf8)
        bytes += Array("Feb  5 08:33:16 h a: ".utf8) + [UInt8](repeating: 0x41, count: 3 << 20) + [0x0A]
        bytes += Array("Feb  5 08:33:17 h a: ends mid-reco".utf8)
        let sink = try collectSyslog(bytes, options: ["year": "2021", "tz": "UTC"])
        #expect(sink.events.count == 5)
        #expect(sink.events.map(\.provenance.locator).first == "line 1 @0x0")
        #expect(sink.events.last?.message == "a: ends mid-reco")
        let byLine = Dictionary(grouping: sink.warnings, by: { $0.locator.split(separator: " ")[1] })
        #expect(byLine["2"]?.first?.text == "not a syslog line: this is not syslog")
        #expect(byLine["3"]?.first?.text.contains("NUL") == true)
        #expect(sink.events[1].message.contains("\u{FFFD}"))
        #expect(byLine["4"]?.first?.text.contains("invalid UTF-8") == true)
        #expect(byLine["5"]?.first?.text.contains("not a syslog line") == true)
        #expect(byLine["6"]?.first?.text.contains("longer than") == true)
        #expect(sink.warnings.count == 5)
    }

    /// Oracle: independent counts over the real files. One failed attempt is one auth.logon_failed: sshd's verdict
    /// lines (`Failed <method> for`), each repeat of rsyslog's "message repeated N times: [ Failed …]", and a PAM
    /// failure only when no verdict of the same process is in the file (the old PAM-only log has nothing else);
    /// `Invalid user` and PAM's lines of an attempt with a verdict are events of their own kinds.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote),
          arguments: [("logs/linux/loghub_OpenSSH_2k.log", 533, 1, 1), ("logs/linux/loghub_Linux_2k.log", 490, 0, 123)])
    func countsOnRealLogsMatchAnIndependentCount(file: String, failed: Int, accepted: Int, sessions: Int) throws {
        let path = TestPaths.dataset(file)
        let sink = try collectSyslog(path: path, options: ["tz": "UTC", "year": "2005"])
        let data = try #require(FileManager.default.contents(atPath: path))
        let lines = data.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count == 2000)
        #expect(sink.warnings.isEmpty)
        func grep(_ needles: [String]) -> Int { lines.filter { l in needles.contains { l.contains($0) } }.count }
        // The process of a line (the number in `sshd[24200]:`), and the repeats a reduced line stands for.
        func pid(_ l: String) -> String? {
            guard let open = l.range(of: "["), let close = l.range(of: "]: ", range: open.upperBound..<l.endIndex) else { return nil }
            return String(l[open.upperBound..<close.lowerBound])
        }
        var verdicts = 0, repeats = 0, withVerdict = Set<String>(), pam: [String] = []
        for l in lines {
            guard let p = pid(l), let body = l.range(of: "]: ").map({ l[$0.upperBound...] }) else { continue }
            if body.hasPrefix("Failed ") && body.contains(" for ") { verdicts += 1; withVerdict.insert(p) }
            if body.hasPrefix("message repeated "), body.contains("times: [ Failed "),
               let n = Int(body.dropFirst(17).prefix { $0.isNumber }) { repeats += n; withVerdict.insert(p) }
            if body.contains("authentication failure;"), !body.hasPrefix("PAM ") { pam.append(p) }
        }
        let pamAlone = pam.filter { !withVerdict.contains($0) }.count
        let kinds = Dictionary(grouping: sink.events, by: \.kind).mapValues(\.count)
        #expect(kinds["auth.logon_failed", default: 0] == verdicts + repeats + pamAlone)
        #expect(kinds["auth.logon_failed", default: 0] == failed)
        #expect(kinds["auth.invalid_user", default: 0] == grep([": Invalid user "]))
        #expect(kinds["auth.pam_failure", default: 0] == pam.count - pamAlone + grep([" more authentication failure"]))
        // Every line is an event; a reduced line is the events it stands for.
        #expect(sink.events.count == lines.count + repeats - grep(["message repeated "]))
        #expect(kinds["auth.logon", default: 0] == accepted)
        #expect(kinds["auth.session_opened", default: 0] == sessions)
        #expect(kinds["auth.session_opened", default: 0] == grep(["session opened for user"]))
        // Each PAM line joined to a verdict names it, and the verdict names it back.
        let joined = sink.events.filter { $0.kind == "auth.pam_failure" && $0.attributes["verdict"] != nil }
        #expect(joined.count == pam.count - pamAlone)
        for j in joined.prefix(50) {
            let v = try #require(sink.events.first { $0.provenance.locator == j.attributes["verdict"]?.text })
            #expect(v.kind == "auth.logon_failed" && v.attributes["pid"] == j.attributes["pid"]
                    && v.attributes["corroborated_by"]?.text == j.provenance.locator)
        }
        // The events leave in the order of the lines.
        let order = sink.events.compactMap { e in e.provenance.locator.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        #expect(order == order.sorted())
    }

    /// The first and last records of the shared sshd log, in full.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func firstAndLastRecordsOfTheSharedSSHLog() throws {
        let sink = try collectSyslog(path: TestPaths.dataset("logs/linux/loghub_OpenSSH_2k.log"),
                                     options: ["tz": "UTC", "year": "2015"])
        let first = try #require(sink.events.first)
        #expect(first.time.iso8601(precision: .seconds) == "2015-12-10T06:55:46Z")
        #expect(first.host == "LabSZ")
        #expect(first.kind == "syslog.message")
        #expect(first.message == "sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!")
        #expect(first.provenance.locator == "line 1 @0x0")
        let failed = try #require(sink.events.first { $0.kind == "auth.logon_failed" })
        #expect(failed.user == "webmaster")
        #expect(failed.src.ip == "173.234.31.186")
        let last = try #require(sink.events.last)
        #expect(last.provenance.locator.hasPrefix("line 2000 @0x"))
        #expect(last.time.iso8601(precision: .seconds).hasPrefix("2015-12-"))
    }
}

/// ASA teardowns name the two sides in interface order: the initiator comes from the connection's Built line.
@Suite struct ASATeardownTests {
    static func line(_ t: String, _ id: Int, _ text: String) -> String { "<166>2022-02-25T23:21:03+09:00 fw-4 : %ASA-6-\(id): \(text)" }

    @Test func aTeardownTakesItsBuiltLinesInitiator() throws {
        let text = [
            Self.line("", 302_013, "Built outbound TCP connection 77 for outside:198.51.100.140/443 (198.51.100.140/443) to inside:10.60.3.20/51000 (192.0.2.30/51000)"),
            Self.line("", 302_014, "Teardown TCP connection 77 for outside:198.51.100.140/443 to inside:10.60.3.20/51000 duration 0:41:00 bytes 3412883201 TCP FINs"),
            // No Built line: the side on the well-known port is the responder.
            Self.line("", 302_014, "Teardown TCP connection 78 for outside:203.0.113.5/443 to inside:10.60.4.31/52000 duration 0:00:05 bytes 100 TCP FINs"),
            // A lying teardown for an unknown connection between two high ports: left as written.
            Self.line("", 302_014, "Teardown TCP connection 79 for outside:203.0.113.6/40000 to inside:10.60.4.31/52001 duration 0:00:05 bytes 1 TCP FINs"),
        ].joined(separator: "\n") + "\n"
        let sink = try collectSyslog(Array(text.utf8))
        let ends = sink.events.filter { $0.kind == "net.flow_end" }
        #expect(ends.count == 3 && sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(ends[0].src.ip == "10.60.3.20" && ends[0].dst.ip == "198.51.100.140" && ends[0].attributes["direction"] == "outbound")
        #expect(ends[1].src.ip == "10.60.4.31" && ends[1].attributes["direction_inferred"] == "ports")
        #expect(ends[2].src.ip == "203.0.113.6")
    }

    @Test func connectionsThatNeverCloseAreForgottenWithinTheLimit() {
        var open = OpenConnections()
        open.limit = 1_000
        var warned = 0
        for i in 0..<5_000 {
            var e = Event(time: Timestamp(seconds: Int64(i)), timeDescription: "t", domain: .network, kind: "net.flow_start",
                          src: Endpoint(ip: "10.0.0.1", port: 50_000), dst: Endpoint(ip: "203.0.113.1", port: 443), message: "",
                          attributes: ["connection_id": .string(String(i))],
                          provenance: Provenance(evidenceID: 1, collector: "log/syslog", collectorVersion: "3", locator: ""))
            if open.orient(&e, host: "fw") { warned += 1 }
        }
        #expect(warned == 1 && open.count <= 1_000)
    }

    /// `show log reverse` is read from its end: the same lines, numbers and offsets as reading it forward, in the
    /// opposite order (CRLF, an empty last line, no final newline, a line over the limit cut and marked).
    @Test(arguments: ["a\nb\n", "a\r\nbb\r\n", "\n\n", "x", "one\n\nthree", "0123456789abcdef\nshort\n"])
    func readingBackwardGivesTheLinesReadingForwardGives(_ text: String) throws {
        let tmp = TempDir()
        let path = tmp.file("log", Array(text.utf8))
        typealias L = (text: String, number: Int, offset: Int64, truncated: Bool)
        var forward: [L] = []
        let reader = LineReader(path: path, maxLine: 8)
        try reader.forEachLine { forward.append((String(decoding: $0.bytes, as: UTF8.self), $0.number, $0.offset, $0.truncated)) }
        var backward: [L] = []
        try Array(text.utf8).withUnsafeBufferPointer { all in
            try SyslogCollector.forEachLineBackward(all, lines: forward.count, maxLine: 8) {
                backward.append((String(decoding: $0.bytes, as: UTF8.self), $0.number, $0.offset, $0.truncated))
            }
        }
        #expect(backward.reversed().map { "\($0.text)|\($0.number)|\($0.offset)|\($0.truncated)" }
                == forward.map { "\($0.text)|\($0.number)|\($0.offset)|\($0.truncated)" })
    }
}

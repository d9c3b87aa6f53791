import JikochoModel
import Parsers
import Testing

/// TeamViewer's and AnyDesk's connection lists, line by line (the published lines are those of
/// Tests/Fixtures/remote-control, whose SOURCES.md names where each comes from).
@Suite struct RemoteControlLogTests {
    func ok(_ r: Result<RemoteControlLog.Record, RemoteControlLog.Failure>) throws -> RemoteControlLog.Record {
        switch r {
        case .success(let x): return x
        case .failure(let f): throw f
        }
    }

    @Test func aTeamViewerSessionWithItsPartnerTimesAccountTypeAndGUID() throws {
        let line = "565955529\ta1l4m\t04-07-2024 04:34:16\t04-07-2024 04:34:56\tmmox\tRemoteControl\t{6460e19e-cffe-46d9-9fa6-1803f93f15f4}\t"
        let r = try ok(RemoteControlLog.teamViewer(Substring(line), order: .dayFirst))
        #expect(r.tool == .teamViewer && r.direction == nil && !r.minutePrecision)
        #expect(r.partnerID == "565955529" && r.partnerName == "a1l4m" && r.localUser == "mmox")
        #expect(r.connectionType == "RemoteControl" && r.sessionID == "{6460e19e-cffe-46d9-9fa6-1803f93f15f4}")
        #expect(r.start == CivilTime(year: 2024, month: 7, day: 4, hour: 4, minute: 34, second: 16))
        #expect(r.end == CivilTime(year: 2024, month: 7, day: 4, hour: 4, minute: 34, second: 56))
        // Month first when the list says so; the same line read that way is 7 April.
        let m = try ok(RemoteControlLog.teamViewer(Substring(line), order: .monthFirst))
        #expect(m.start.month == 4 && m.start.day == 7)
        #expect(RemoteControlLog.tool(of: Substring(line)) == .teamViewer)
        #expect(RemoteControlLog.dateParts(Substring(line)).map { [$0.0, $0.1] } == [[4, 7], [4, 7]])
    }

    @Test func aTeamViewerListWithoutNamesAndWithYearFirstDates() throws {
        let r = try ok(RemoteControlLog.teamViewer("1234567890\t2024-03-12 10:21:08\t2024-03-12 10:44:07\tk.tanaka\tFileTransfer",
                                                   order: .dayFirst))
        #expect(r.partnerName == nil && r.localUser == "k.tanaka" && r.connectionType == "FileTransfer" && r.sessionID == nil)
        #expect(r.start.day == 12 && r.start.month == 3 && r.end?.minute == 44)
    }

    @Test func badTeamViewerLinesSayWhy() {
        func why(_ s: String) -> String {
            if case .failure(let f) = RemoteControlLog.teamViewer(Substring(s), order: .dayFirst) { return f.description }
            return "parsed"
        }
        #expect(why("565955529\ta1l4m") == "fewer than four tab-separated fields")
        #expect(why("565955529\ta1l4m\tyesterday\ttoday\tmmox").hasPrefix("no start time"))
        #expect(why("565955529\ta1l4m\t04-07-2024 04:34:16\tlater\tmmox").hasPrefix("no end time"))
        #expect(why("565955529\ta1l4m\t31-02-2024 04:34:16\t31-02-2024 04:35:16\tmmox") == "impossible time \"31-02-2024 04:34:16 31-02-2024 04:35:16\"")
        #expect(why("565955529\ta1l4m\t04-07-2024 25:34:16\t04-07-2024 04:35:16\tmmox").hasPrefix("impossible time"))
        #expect(why("\ta1l4m\t04-07-2024 04:34:16\t04-07-2024 04:35:16\tmmox") == "no partner ID in the first field")
        #expect(RemoteControlLog.tool(of: "Feb  5 08:33:12 h sshd[1]: Accepted password for x") == nil)
    }

    /// The lines of AnyDesk's own "Connection Log" article: the method, the alias and the ID.
    @Test func anyDesksArticleExamples() throws {
        let lines = ["Incoming     2014-11-26, 03:46 User                  user1@ad 654321",
                     "Incoming     2014-11-26, 04:38   Token       user2@ad 123456",
                     "Incoming     2014-11-26, 17:54  Passwd user3@ad 123210"]
        let rs = try lines.map { try ok(RemoteControlLog.anyDesk(Substring($0))) }
        #expect(rs.map(\.authentication) == ["User", "Token", "Passwd"])
        #expect(rs.map(\.partnerName) == ["user1@ad", "user2@ad", "user3@ad"])
        #expect(rs.map(\.partnerID) == ["654321", "123456", "123210"])
        #expect(rs.allSatisfy { $0.direction == .incoming && $0.minutePrecision && $0.end == nil })
        #expect(rs[2].start == CivilTime(year: 2014, month: 11, day: 26, hour: 17, minute: 54))
        #expect(rs.map { RemoteControlLog.meaning(ofAnyDeskAuthentication: $0.authentication!) } == [
            "accepted by the person at the console", "let in by a token saved at an earlier password logon",
            "let in by the unattended-access password"])
        #expect(RemoteControlLog.meaning(ofAnyDeskAuthentication: "REJECTED") == "rejected by the person at the console")
        #expect(RemoteControlLog.meaning(ofAnyDeskAuthentication: "Whatever") == nil)
    }

    @Test func recentAnyDeskLinesNameTheIDTwiceAndMayBeOutgoingOrRefused() throws {
        let r = try ok(RemoteControlLog.anyDesk("Incoming    2024-02-16, 20:29    User                              221436813    221436813"))
        #expect(r.partnerID == "221436813" && r.partnerName == nil && r.authentication == "User")
        let out = try ok(RemoteControlLog.anyDesk("Outgoing    2024-02-16, 21:02    User    Richard Beard    221436813"))
        #expect(out.direction == .outgoing && out.partnerName == "Richard Beard" && out.partnerID == "221436813")
        let refused = try ok(RemoteControlLog.anyDesk("Incoming\t2024-02-16, 20:47\tREJECTED\t221436813\t221436813"))
        #expect(refused.authentication == "REJECTED")
        #expect(RemoteControlLog.tool(of: "Incoming    2024-02-16, 20:29    User    221436813    221436813") == .anyDesk)
    }

    @Test func badAnyDeskLinesSayWhy() {
        func why(_ s: String) -> String {
            if case .failure(let f) = RemoteControlLog.anyDesk(Substring(s)) { return f.description }
            return "parsed"
        }
        #expect(why("") == "an empty line")
        #expect(why("Sideways    2024-02-16, 20:29    User    1    1") == "does not start with Incoming or Outgoing")
        #expect(why("Incoming    2024-02-16, 20:29") == "fewer than four columns after the direction")
        #expect(why("Incoming    2024/02/16 20:29    User    1").hasPrefix("no date and time"))
        #expect(why("Incoming    2024-02-30, 20:29    User    1") == "impossible time \"2024-02-30, 20:29\"")
        #expect(why("Incoming    2024-02-16, 24:29    User    1").hasPrefix("impossible time"))
        #expect(why("Incoming    2024-02-16, 20:29    User") == "names no partner")
    }

    /// Whatever the bytes, a line is read or refused: never a crash or a hang.
    @Test func randomLinesAreReadOrRefused() {
        // A million columns: at most 64 are looked at, the rest kept as the last one's text.
        let wide = "Incoming    2024-02-16, 20:29    User" + String(repeating: " a", count: 500_000) + " 221436813"
        if case .success(let r) = RemoteControlLog.anyDesk(Substring(wide)) {
            #expect(r.partnerID == nil && r.partnerName?.hasPrefix("a a a") == true)
        } else {
            Issue.record("a wide line is still a record")
        }
        _ = RemoteControlLog.teamViewer(Substring(String(repeating: "\t", count: 500_000)), order: .dayFirst)
        var rng = SeededRandom(seed: 7)
        let pieces = ["Incoming", "Outgoing", " ", "\t", "2024-02-16,", "20:29", "04-07-2024 04:34:16", "User", "REJECTED",
                      "565955529", "{", "}", "\u{0}", "é", "-", ":", ",", "99-99-9999 99:99:99", "0000-00-00, 00:00"]
        for _ in 0..<5_000 {
            let n = Int(rng.next() % 14)
            let line = (0..<n).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            _ = RemoteControlLog.tool(of: Substring(line))
            _ = RemoteControlLog.teamViewer(Substring(line), order: .monthFirst)
            _ = RemoteControlLog.anyDesk(Substring(line))
            _ = RemoteControlLog.dateParts(Substring(line))
        }
    }
}

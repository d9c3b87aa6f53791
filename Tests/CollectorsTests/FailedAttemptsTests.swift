import Foundation
import JikochoModel
import Testing

@testable import Collectors

/// One failed logon, one auth.logon_failed: the lines of one attempt meet by process, in any interleaving; a PAM
/// line alone is the attempt; a flood of waiting lines neither reorders events nor grows memory without bound.
@Suite struct FailedAttemptsTests {
    static func ssh(_ t: String, _ pid: Int, _ body: String) -> String { "Dec 10 \(t) gw sshd[\(pid)]: \(body)\n" }
    static func pam(_ t: String, _ pid: Int, _ ip: String) -> String {
        ssh(t, pid, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=\(ip)  user=root")
    }

    func collect(_ lines: [String]) throws -> MemorySink {
        try collectSyslog(Array(lines.joined().utf8), options: ["tz": "UTC", "year": "2015"])
    }

    @Test func twoConnectionsInterleavedEachJoinItsOwnVerdict() throws {
        let sink = try collect([
            Self.ssh("06:55:45", 1, "Invalid user admin from 203.0.113.9"),
            Self.pam("06:55:46", 1, "203.0.113.9"),
            Self.pam("06:55:47", 2, "198.51.100.4"),
            Self.ssh("06:55:49", 2, "Failed password for root from 198.51.100.4 port 40000 ssh2"),
            Self.ssh("06:55:58", 1, "Failed password for invalid user admin from 203.0.113.9 port 41000 ssh2"),
            Self.ssh("06:56:00", 1, "message repeated 2 times: [ Failed password for invalid user admin from 203.0.113.9 port 41000 ssh2]"),
            Self.ssh("06:56:00", 1, "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9"),
        ])
        #expect(sink.events.map(\.kind) == ["auth.invalid_user", "auth.pam_failure", "auth.pam_failure", "auth.logon_failed",
                                           "auth.logon_failed", "auth.logon_failed", "auth.logon_failed", "auth.pam_failure"])
        #expect(sink.events[1].attributes["verdict"]?.text == sink.events[4].provenance.locator)
        #expect(sink.events[2].attributes["verdict"]?.text == sink.events[3].provenance.locator)
        #expect(sink.events[4].attributes["corroborated_by"]?.text == sink.events[1].provenance.locator)
        #expect(sink.events[5].attributes["repeat"] == 1 && sink.events[6].attributes["repeat"] == 2
                && sink.events[6].attributes["repeated"] == 2 && sink.events[6].src.ip == "203.0.113.9")
        #expect(sink.events[6].message.hasSuffix("(repeat 2 of 2)"))
        #expect(sink.events[7].attributes["more"] == 2 && sink.events[7].attributes["verdict"] == nil)
    }

    /// No verdict within sshd's login grace time (120 s), or none at all: the PAM line is the attempt. sudo's and
    /// su's are privilege failures, not logons.
    @Test func aPAMLineWithoutAVerdictIsTheAttempt() throws {
        let sink = try collect([
            Self.pam("07:00:00", 5, "192.0.2.1"),
            Self.ssh("07:02:30", 5, "Failed password for root from 192.0.2.1 port 40000 ssh2"),
            "Dec 10 07:03:00 gw sudo: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice\n",
            Self.pam("07:04:00", 6, "192.0.2.2"),
        ])
        #expect(sink.events.map(\.kind) == ["auth.logon_failed", "auth.logon_failed", "auth.privilege_failed", "auth.logon_failed"])
        #expect(sink.events[0].attributes["verdict"] == nil && sink.events[1].attributes["corroborated_by"] == nil)
    }

    /// A gateway that writes the details of a refusal after its verdict (Pulse): within two seconds of the verdict,
    /// for the same user from the same address, they join it; later, or another user's, they wait for a verdict of
    /// their own and are the attempt without one. An sshd PAM line after an sshd verdict is not joined (sshd's come
    /// before theirs; after is the next attempt).
    @Test func detailsAfterTheirVerdictJoinItOnlyWhenClose() throws {
        func pcs(_ t: String, _ user: String, _ ip: String, _ msg: String) -> String {
            "Dec 10 \(t) pcs-1 PulseSecure: 2015-12-10 \(t) - ive - [\(ip)] \(user)(Users)[] - \(msg)\n"
        }
        let sink = try collect([
            pcs("08:00:00", "bob", "192.0.2.7", "Primary authentication failed for bob/Users from 192.0.2.7"),
            pcs("08:00:01", "bob", "192.0.2.7", "Login failed using auth server System Local (Local Authentication). Reason: Failed"),
            pcs("08:00:01", "eve", "192.0.2.8", "Login failed. Reason: Wrong Password"),
            pcs("08:00:05", "bob", "192.0.2.7", "Login failed. Reason: No Roles"),
            Self.ssh("08:10:00", 7, "Failed password for root from 192.0.2.9 port 40000 ssh2"),
            Self.pam("08:10:01", 7, "192.0.2.9"),
        ])
        #expect(sink.events.map(\.kind) == ["auth.logon_failed", "auth.failure_detail", "auth.logon_failed", "auth.logon_failed",
                                           "auth.logon_failed", "auth.logon_failed"])
        #expect(sink.events[1].attributes["verdict"]?.text == sink.events[0].provenance.locator)
        #expect(sink.events[2].attributes["verdict"] == nil && sink.events[3].attributes["verdict"] == nil)
        #expect(sink.events[5].attributes["verdict"] == nil)
    }

    /// 30,000 connections each leaving a PAM line at the same second: no more than `limit` events wait; every one is
    /// decided, none lost, in the order of the lines.
    @Test func aFloodOfWaitingLinesStaysBoundedAndInOrder() throws {
        var attempts = FailedAttempts(SyslogCollector.attempts)
        attempts.limit = 1000
        var out: [Event] = []
        let base = Timestamp(seconds: 1_449_730_546)
        var maxWaiting = 0
        for i in 0..<30_000 {
            var e = Event(time: base, timeDescription: "t", domain: .it, kind: "auth.pam_failure", host: "gw",
                          message: "m", attributes: ["pid": .string(String(i)), "service": "sshd"],
                          provenance: Provenance(evidenceID: 1, collector: "c", collectorVersion: "1", locator: "line \(i + 1)"))
            if i % 3 == 0 { e.kind = "syslog.message"; e.attributes = [:] }
            try attempts.offer(e) { out.append($0) }
            maxWaiting = max(maxWaiting, i + 1 - out.count)
        }
        try attempts.finish { out.append($0) }
        #expect(out.count == 30_000 && maxWaiting <= 1001)
        #expect(out.map(\.provenance.locator) == (1...30_000).map { "line \($0)" })
        #expect(out.filter { $0.kind == "auth.logon_failed" }.count == 20_000 && attempts.alone == 20_000)
    }

    /// A reduced line that claims a billion repeats gives at most 1,000 events and says so.
    @Test func aLyingRepeatCountIsCapped() throws {
        let sink = try collect([Self.ssh("08:00:00", 9, "message repeated 999999999 times: [ Failed password for root from 192.0.2.9 port 1 ssh2]"),
                                Self.ssh("08:00:01", 9, "message repeated 3 times: [ something sshd says]")])
        #expect(sink.events.filter { $0.kind == "auth.logon_failed" }.count == SyslogCollector.maxRepeats)
        #expect(sink.warnings.count == 1 && sink.warnings[0].text.contains("999999999"))
        // A repeated line that means nothing in particular stays one line.
        #expect(sink.events.last?.kind == "syslog.message" && sink.events.count == SyslogCollector.maxRepeats + 1)
    }

    static func winlog(_ t: String, _ id: Int, _ computer: String, _ data: String) -> String {
        #"{"@timestamp":"2021-02-05T\#(t)Z","agent":{"type":"winlogbeat"},"winlog":{"channel":"Security","computer_name":"\#(computer)","#
            + #""provider_name":"Microsoft-Windows-Security-Auditing","event_id":\#(id),"event_data":{\#(data)}}}"# + "\n"
    }

    /// Windows: a failed NTLM check (4776) followed by the 4625 of the same account on the same computer is one
    /// attempt; a 4776 alone (a DC whose member servers' logs are not here) is the attempt; a good check is not one.
    @Test func windowsCredentialCheckAndLogonFailureAreOneAttempt() throws {
        let sink = try collectJSONL([
            Self.winlog("11:52:00.100", 4776, "WS-7", #""TargetUserName":"jsmith","Workstation":"WS-7","Status":"0xc000006a""#),
            Self.winlog("11:52:00.180", 4625, "WS-7", #""TargetUserName":"JSmith","IpAddress":"10.0.0.9","LogonType":"3","Status":"0xc000006d""#),
            Self.winlog("11:53:00.000", 4776, "DC-1", #""TargetUserName":"admin","Workstation":"WS-9","Status":"0xc000006a""#),
            Self.winlog("11:54:00.000", 4776, "DC-1", #""TargetUserName":"alice","Workstation":"WS-3","Status":"0x0""#),
        ].joined())
        #expect(sink.events.map(\.kind) == ["auth.credential_validation_failed", "auth.logon_failed", "auth.logon_failed",
                                           "auth.credential_validation"], "\(sink.warnings)")
        #expect(sink.events[0].attributes["verdict"]?.text == sink.events[1].provenance.locator)
        #expect(sink.events[2].user == "admin" && sink.events[2].attributes["verdict"] == nil)
    }
}

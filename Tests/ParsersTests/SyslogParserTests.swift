import JikochoModel
import Parsers
import Testing

func parse(_ s: String, year: Int = 2021) -> SyslogRecord? {
    var bytes = Array(s.utf8)
    return bytes.withUnsafeMutableBufferPointer { SyslogParser.parse(UnsafeBufferPointer($0), year: year) }
}

@Suite struct SyslogParserTests {
    @Test func parsesABSDLineWithHostTagAndPid() throws {
        let r = try #require(parse("Feb  5 08:33:12 hmi-01 sshd[2211]: Accepted password for operator from 203.0.113.7 port 51512 ssh2"))
        #expect(r == SyslogRecord(format: .rfc3164, time: CivilTime(year: 2021, month: 2, day: 5, hour: 8, minute: 33,
                                                                      second: 12),
                                  host: "hmi-01", program: "sshd", pid: "2211",
                                  message: "Accepted password for operator from 203.0.113.7 port 51512 ssh2"))
    }

    @Test(arguments: [
        ("<38>Feb  5 08:33:12 hmi-01 su: (to root) op on pts/0", "hmi-01" as String?, "su" as String?, nil as String?,
         "(to root) op on pts/0", 4 as Int?, 6 as Int?),
        ("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;", "combo", "sshd(pam_unix)", "19939",
         "authentication failure;", nil, nil),
        ("Jul 27 14:41:58 combo syslogd 1.4.1: restart.", "combo", nil, nil, "syslogd 1.4.1: restart.", nil, nil),
        ("Feb  5 08:33:12 sshd[7]: no host here", nil, "sshd", "7", "no host here", nil, nil),
        ("Feb  5 08:33:12 hmi-01 kernel: [ 12.3] usb 1-1: new device", "hmi-01", "kernel", nil,
         "[ 12.3] usb 1-1: new device", nil, nil),
        ("Feb  5 08:33:12 hmi-01 CRON[123]:", "hmi-01", "CRON", "123", "", nil, nil),
    ])
    func parsesBSDVariants(line: String, host: String?, program: String?, pid: String?, message: String, facility: Int?,
                           severity: Int?) throws
    {
        let r = try #require(parse(line))
        #expect(r.host == host)
        #expect(r.program == program)
        #expect(r.pid == pid)
        #expect(r.message == message)
        #expect(r.facility == facility)
        #expect(r.severity == severity)
    }

    @Test func parsesRFC5424WithStructuredData() throws {
        let line = #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry"#
        let r = try #require(parse(line))
        #expect(r.format == .rfc5424)
        #expect(r.time.timestamp()?.iso8601(precision: .milliseconds) == "2003-10-11T22:14:15.003Z")
        #expect(r.facility == 20)
        #expect(r.severity == 5)
        #expect(r.host == "mymachine.example.com")
        #expect(r.program == "evntslog")
        #expect(r.pid == nil)
        #expect(r.messageID == "ID47")
        #expect(r.structuredData == ["exampleSDID@32473": ["iut": "3", "eventSource": "Application", "eventID": "1011"],
                                     "examplePriority@32473": ["class": "high"]])
        #expect(r.message == "An application event log entry")
    }

    /// Check Point's Log Exporter writes its record where structured data would be, in a grammar of its own: the
    /// bracketed text is the message (a bracket left open is still no record).
    @Test func bracketedTextThatIsNoStructuredDataIsTheMessage() throws {
        let r = try #require(parse(#"<134>1 2023-03-01T07:58:40Z gw-0b8ccd CheckPoint 16700 - [action:"Accept"; src:"10.0.0.2"; policy:"a=b\]"]"#))
        #expect(r.host == "gw-0b8ccd" && r.program == "CheckPoint" && r.pid == "16700" && r.structuredData.isEmpty)
        #expect(r.message == #"[action:"Accept"; src:"10.0.0.2"; policy:"a=b\]"]"#)
        #expect(parse(#"<134>1 2023-03-01T07:58:40Z gw CheckPoint 1 - [action:"Accept"; src:"10.0.0.2""#) == nil)
    }

    @Test func parsesRFC5424EscapesNilValuesAndBOM() throws {
        let r = try #require(parse("<34>1 2021-02-05T08:33:12+09:00 - - - - [a@1 q=\"x\\\"y\\]z\"] \u{FEFF}msg"))
        #expect(r.host == nil)
        #expect(r.program == nil)
        #expect(r.structuredData == ["a@1": ["q": "x\"y]z"]])
        #expect(r.message == "msg")
        #expect(r.time.utcOffsetSeconds == 9 * 3600)
        let bare = try #require(parse("<34>1 2021-02-05T08:33:12Z host app 12 - -"))
        #expect(bare.message == "")
        #expect(bare.pid == "12")
    }

    @Test func parsesRsyslogISOLines() throws {
        let r = try #require(parse("2021-02-05T08:33:12.123456+09:00 hmi-01 sudo:  operator : TTY=pts/0 ; USER=root ; COMMAND=/bin/bash"))
        #expect(r.format == .iso)
        #expect(r.time.timestamp() == Timestamp(nanoseconds: 1_612_481_592_123_456_000))
        #expect(r.program == "sudo")
        #expect(r.message == " operator : TTY=pts/0 ; USER=root ; COMMAND=/bin/bash")
    }

    /// An application's own log (OpenVPN's): a time and the text, no host or tag.
    @Test func parsesApplicationLogLines() throws {
        let plain = try #require(parse("2024-03-12 10:18:00 alice/198.51.100.37:40123 MULTI: x"))
        #expect(plain.format == .plain && plain.host == nil && plain.program == nil)
        #expect(plain.message == "alice/198.51.100.37:40123 MULTI: x" && plain.time.utcOffsetSeconds == nil)
        let ctime = try #require(parse("Tue Mar 12 10:18:01 2024 MULTI: Learn: 10.8.0.6 -> alice/198.51.100.37:40123"))
        #expect(ctime.format == .ctime && ctime.host == nil && ctime.message == "MULTI: Learn: 10.8.0.6 -> alice/198.51.100.37:40123")
        #expect(ctime.time.year == 2024 && ctime.time.month == 3 && ctime.time.day == 12 && ctime.time.second == 1)
        // A ctime line cut short, a bad weekday or year, is not one.
        for bad in ["Tue Mar 12 10:18:01 20", "Tux Mar 12 10:18:01 2024 x", "Tue Mar 12 10:18:01 0024 x",
                    "Tue Mar 32 10:18:01 2024 x", "Tue Mar 12 10:18:01 2024x"] {
            #expect(parse(bad)?.format != .ctime, "\(bad)")
        }
    }

    /// A firewall's own key=value record with no syslog header (FortiGate's default syslog form, its log download,
    /// FortiAnalyzer): placed by its own date, time and zone, or by eventtime, named by its device.
    @Test func readsFirewallKeyValueRecords() throws {
        // FortiOS 6.2+: date and time in the zone tz gives; eventtime (ns) agrees and lends its fraction.
        let up = try #require(parse(#"<190>date=2023-08-17 time=11:28:18 devname="FortiGate-81E" devid="FGT81E4Q17000242" eventtime=1692251898176400908 tz="+0530" logid="0101039947" type="event" subtype="vpn" user="test""#))
        #expect(up.format == .keyValue && up.host == "FortiGate-81E" && up.program == nil)
        #expect(up.facility == 23 && up.severity == 6)
        #expect(up.message.hasPrefix("date=2023-08-17 time=11:28:18 devname=") && up.message.hasSuffix(#"user="test""#))
        #expect(up.time.timestamp()?.iso8601(precision: .nanoseconds) == "2023-08-17T05:58:18.176400908Z")
        #expect(up.time.utcOffsetSeconds == 19_800 && up.timeProblem == nil)
        #expect(up.timeSource == "eventtime (agrees with date, time and tz)")

        // eventtime in seconds (FortiOS 6.0), milliseconds, microseconds: no tz, so eventtime places the record.
        for (digits, expected) in [("1545937675", "2018-12-27T19:07:55.000000000Z"), ("1545937675123", "2018-12-27T19:07:55.123000000Z"),
                                   ("1545937675123456", "2018-12-27T19:07:55.123456000Z")] {
            let r = try #require(parse("date=2018-12-27 time=11:07:55 logid=\"0000000013\" type=\"traffic\" eventtime=\(digits) srcip=10.1.100.11"))
            #expect(r.time.timestamp()?.iso8601(precision: .nanoseconds) == expected, "\(digits)")
            #expect(r.timeSource == "eventtime (date and time are local, no tz written)" && r.host == nil)
        }

        // Neither: a local time, for the collector's zone rules.
        let local = try #require(parse("date=2016-02-12 time=11:11:29 logid=0000000013 type=traffic subtype=forward srcip=192.168.1.183"))
        #expect(local.time == CivilTime(year: 2016, month: 2, day: 12, hour: 11, minute: 11, second: 29))
        #expect(local.timeSource == "date and time (local; no tz or eventtime written)")

        // The two times disagree (a record edited, or a clock set between them): the written time stays, said so.
        let lying = try #require(parse(#"date=2020-04-23 time=12:32:48 devname="fw" eventtime=1587231168439640874 tz="-0500" logid="0102043014""#))
        #expect(lying.time.timestamp()?.iso8601(precision: .seconds) == "2020-04-23T17:32:48Z")
        #expect(lying.timeProblem == "eventtime is 432000 s earlier than date, time and tz: the written time is kept")
        let far = try #require(parse(#"date=2020-04-23 time=12:32:48 eventtime=9999999999999999999 tz="-0500" logid="1""#))
        #expect(far.time.timestamp()?.iso8601(precision: .seconds) == "2020-04-23T17:32:48Z" && far.timeProblem == nil)

        // FortiWeb: `timezone="(GMT+8:00)…"`, the device in device_id; a record past its first key needs no date first.
        let web = try #require(parse(#"date=2014-04-10 time=13:31:37 log_id=10000016 msg_id=000044294845 device_id=FV-1KD3A13800002 vd="root" timezone="(GMT+8:00)Beijing,ChongQing,HongKong,Urumgi" type=event"#))
        #expect(web.time.timestamp()?.iso8601(precision: .seconds) == "2014-04-10T05:31:37Z" && web.host == "FV-1KD3A13800002")
        let later = try #require(parse(#"<190>devname="firewall" devid="FG201EEF34CD12AB" vd="root" date=2021-05-07 time=08:31:14 tz="+0100" logid="0112053203""#))
        #expect(later.time.timestamp()?.iso8601(precision: .seconds) == "2021-05-07T07:31:14Z" && later.host == "firewall")
        // FortiAnalyzer pads the name with blanks.
        #expect(parse(#"date=2023-03-18 time=14:30:43 logid=0101039426 tz="+0800" devname=" FGVM04TM "#)?.host == "FGVM04TM")

        // Stormshield and SonicWall: one `time` with the date in it, a zone in tz or written as UTC.
        let sns = try #require(parse(#"id=firewall time="2019-02-05 10:00:01" fw="sns-1" tz=+0100 startime="2019-02-05 10:00:00" pri=5"#))
        #expect(sns.time.timestamp()?.iso8601(precision: .seconds) == "2019-02-05T09:00:01Z" && sns.host == "sns-1")
        let sonic = try #require(parse(#"<134>id=firewall sn=0017C5ABCDEF time="2019-02-05 10:00:01 UTC" fw=203.0.113.1 pri=6 c=0 m=1080 msg="SSL VPN zone remote user login allowed""#))
        #expect(sonic.time.timestamp()?.iso8601(precision: .seconds) == "2019-02-05T10:00:01Z" && sonic.host == "203.0.113.1")
        #expect(sonic.timeSource == "the written time and its offset")
    }

    /// Cisco's `logging timestamp` header writes the year between the day and the time (ASA, FTD, IOS): read with
    /// that year, and not counted by the year inference of BSD lines.
    @Test func readsCiscosStampWithItsYear() throws {
        let asa = try #require(parse("<166>Jun 22 2022 13:29:11 single : %ASA-6-113039: Group <GP> User <u1> IP <81.2.69.144> AnyConnect parent session started.", year: 1999))
        #expect(asa.format == .cisco && asa.time == CivilTime(year: 2022, month: 6, day: 22, hour: 13, minute: 29, second: 11))
        #expect(asa.host == "single" && asa.message.hasPrefix(": %ASA-6-113039: Group <GP>") && asa.facility == 20)
        let tagged = try #require(parse("Oct  1 2018 02:04:05.123 localhost CiscoASA[999]: %ASA-6-113039: x", year: 1999))
        #expect(tagged.time == CivilTime(year: 2018, month: 10, day: 1, hour: 2, minute: 4, second: 5, nanosecond: 123_000_000))
        #expect(tagged.program == "CiscoASA" && tagged.pid == "999" && tagged.message == "%ASA-6-113039: x")
        let colon = try #require(parse("Jun 22 2022 13:29:12: %ASA-6-113039: x"))
        #expect(colon.format == .cisco && colon.program == "%ASA-6-113039" && colon.message == "x")
        for line in ["<166>Jun 22 2022 13:29:11 single : x", "Oct 10 2018 12:34:56 h p: x"] {
            var b = Array(line.utf8)
            #expect(b.withUnsafeMutableBufferPointer { SyslogParser.bsdMonth(UnsafeBufferPointer($0)) } == nil)
        }
        var bsd = Array("Oct 10 12:34:56 h p: x".utf8)
        #expect(bsd.withUnsafeMutableBufferPointer { SyslogParser.bsdMonth(UnsafeBufferPointer($0)) } == 10)
        // Not Cisco's: an impossible date, a two-digit year, the year after the time (a BSD line, its year inferred).
        #expect(parse("Feb 30 2022 13:29:11 h p: x") == nil)
        #expect(parse("Jun 22 22 13:29:11 h p: x") == nil)
        #expect(parse("Jun 22 13:29:11 2022 h p: x")?.format == .rfc3164)
    }

    /// Citrix ADC's ns.log: FreeBSD's syslogd writes the facility and level where the host would be; the appliance's
    /// own stamp without a header is in GMT (another zone name leaves it local).
    @Test func readsCitrixADCsOwnLog() throws {
        let ns = try #require(parse("Oct  9 14:07:51 <local0.info> 192.0.2.165 10/09/2014:08:37:51 GMT ns-gw 0-PPE-0 : SSLVPN LOGIN 11590 0 : x"))
        #expect(ns.format == .rfc3164 && ns.host == "192.0.2.165" && ns.message.hasPrefix("10/09/2014:08:37:51 GMT ns-gw"))
        let raw = try #require(parse("10/09/2014:10:01:05 GMT ns-gw 0-PPE-0 : SSLVPN LOGIN 11702 0 : x"))
        #expect(raw.format == .netScaler && raw.host == "ns-gw" && raw.message == "0-PPE-0 : SSLVPN LOGIN 11702 0 : x")
        #expect(raw.time == CivilTime(year: 2014, month: 10, day: 9, hour: 10, minute: 1, second: 5, utcOffsetSeconds: 0))
        #expect(parse("10/09/2014:10:01:05 PDT ns-gw 0-PPE-0 : x")?.time.utcOffsetSeconds == nil)
        #expect(parse("13/09/2014:10:01:05 GMT ns-gw x") == nil)
        #expect(parse("10/09/2014:10:01:05GMT ns-gw x") == nil)
        // A `<…>` host without a dot is a host.
        #expect(parse("Oct  9 14:07:51 <gw> sshd[1]: x")?.host == "<gw>")
    }

    /// key=value text that is not a firewall's record, or gives no time: not a syslog line (the collector warns).
    @Test(arguments: [
        "type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no",
        "date=2021-02-30 time=10:00:00 logid=1", "date=2021-02-05 time=25:00:00 logid=1", "date=2021-02-05 logid=1",
        "time=1612519200 level=info", "date=yesterday time=noon", "=x date=2021-02-05 time=10:00:00",
        "date=2021-02-05 time=10:00:00x", #"date="2021-02-05 time=10:00:00"#, "tz=+0900 eventtime=12345",
    ])
    func keyValueTextWithoutATimeIsNoRecord(line: String) {
        #expect(parse(line) == nil, "\(line)")
    }

    @Test func hostileKeyValueRecordsStayBounded() {
        // Thousands of pairs, an unterminated quote, keys without values: parsed or refused, quickly, no crash.
        let many = "date=2021-02-05 time=10:00:00 " + (0..<5000).map { "k\($0)=\"v\($0)\"" }.joined(separator: " ") + " tz=+0900"
        let r = parse(many)
        #expect(r?.time.utcOffsetSeconds == nil, "pairs past the 256th are not read: tz is not seen")
        #expect(parse(#"date=2021-02-05 time=10:00:00 msg="never closed tz=+0900"#)?.time.utcOffsetSeconds == nil)
        #expect(parse("date=2021-02-05 time=10:00:00 a= b= = c")?.format == .keyValue)
        #expect(parse(#"date=2021-02-05 time=10:00:00 tz="JST" eventtime=-5"#)?.timeSource == "date and time (local; no tz or eventtime written)")
    }

    @Test(arguments: [
        "", "hello world", "Feb 30 08:33:12 host x: y", "Feb  5 08:33 host", "<999>Feb  5 08:33:12 h p: m",
        "<34>1 - host app - - - msg", "<34>1 2021-02-05T08:33:12 host app - - - local time not allowed",
        "<34>1 2021-02-05T08:33:12Z host app - - [unterminated", "2021-02-05T08:33:12Zhost x",
    ])
    func rejectsWhatIsNotSyslog(line: String) {
        #expect(parse(line) == nil)
    }

    /// Every prefix and random corruptions of real lines: no crash, and what parses has a valid time.
    @Test func survivesTruncationAndCorruption() {
        let lines = [
            "<34>Feb  5 08:33:12 hmi-01 sshd[2211]: Accepted password for operator from 203.0.113.7 port 51512 ssh2",
            #"<165>1 2003-10-11T22:14:15.003Z host app - ID47 [a@1 x="1" y="2"][b@2 z="\"]"] message"#,
            "2021-02-05T08:33:12.123456+09:00 hmi-01 sudo: op : TTY=pts/0 ; USER=root ; COMMAND=/bin/bash",
            #"<190>date=2023-08-17 time=11:28:18 devname="FortiGate-81E" eventtime=1692251898176400908 tz="+0530" logid="0101039947" user="test""#,
            #"date=2014-04-10 time=13:31:37 log_id=10000016 device_id=FV-1 timezone="(GMT+8:00)Beijing" type=event"#,
            "<166>Jun 22 2022 13:29:11.123 single : %ASA-6-113039: Group <GP> User <u1> IP <81.2.69.144> AnyConnect",
        ]
        var rng = SystemRandomNumberGenerator()
        for line in lines {
            let b = Array(line.utf8)
            for cut in 0...b.count {
                _ = b[0..<cut].withUnsafeBufferPointer { SyslogParser.parse($0, year: 2021) }
            }
            for _ in 0..<3000 {
                var m = b
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if let r = m.withUnsafeBufferPointer({ SyslogParser.parse($0, year: 2021) }) {
                    #expect(r.time.isValid)
                }
            }
        }
    }
}

@Suite struct LinuxAuthTests {
    func meaning(_ line: String) -> AuthMeaning? {
        guard let r = parse(line) else { return nil }
        return LinuxAuth.interpret(program: r.program, message: r.message)
    }

    @Test func sshdAcceptedFailedInvalid() throws {
        let ok = try #require(meaning("Feb  5 08:33:12 h sshd[1]: Accepted publickey for alice from 10.0.0.5 port 50211 ssh2: RSA SHA256:abc"))
        #expect(ok == AuthMeaning(kind: "auth.logon", user: "alice", sourceIP: "10.0.0.5", sourcePort: 50211,
                                  attributes: ["method": "publickey", "service": "sshd", "key": "RSA SHA256:abc"]))
        let bad = try #require(meaning("Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2"))
        #expect(bad.kind == "auth.logon_failed")
        #expect(bad.user == "webmaster")
        #expect(bad.sourceIP == "173.234.31.186")
        #expect(bad.sourcePort == 38926)
        #expect(bad.attributes["invalid_user"] == true)
        // The same attempt's other line: not a second failure.
        let invalid = try #require(meaning("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"))
        #expect(invalid.kind == "auth.invalid_user")
        #expect(invalid.attributes["reason"] == "invalid user")
        #expect(invalid.sourcePort == nil)
        let v6 = try #require(meaning("Feb  5 08:33:12 h sshd[1]: Failed password for root from fe80::1%eth0 port 22 ssh2"))
        #expect(v6.sourceIP == "fe80::1%eth0")
        #expect(meaning("Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo failed") == nil)
    }

    /// sshd's summary at the end of a connection, and rsyslog's reduction of repeated lines.
    @Test func pamSummaryAndRepeatedLines() throws {
        let more = try #require(meaning("Dec 10 07:13:56 LabSZ sshd[24227]: PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root"))
        #expect(more.kind == "auth.pam_failure" && more.attributes["more"] == 5 && more.user == "root")
        let one = try #require(meaning("Dec 10 08:25:22 LabSZ sshd[24369]: PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.188.10.180 "))
        #expect(one.attributes["more"] == 1 && one.sourceIP == "5.188.10.180" && one.user == nil)
        #expect(meaning("Dec 10 08:25:22 LabSZ sshd[1]: PAM service(sshd) ignoring max retries; 6 > 3") == nil)
        let r = try #require(SyslogParser.repeated("message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]"))
        #expect(r.count == 5 && r.message == "Failed password for root from 5.36.59.76 port 42393 ssh2")
        for bad in ["message repeated 5 times", "message repeated five times: [ x]", "message repeated 0 times: [ x]",
                    "message repeated 99999999999999999999 times: [ x]", "message repeated 3 times: [ x", "message repeated 3 times: []",
                    "last message repeated 3 times", "Failed password for root"] {
            #expect(SyslogParser.repeated(bad) == nil, "\(bad)")
        }
    }

    @Test func pamFailuresAndSessions() throws {
        let f = try #require(meaning("Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root"))
        #expect(f.kind == "auth.pam_failure")    // the collector makes it the attempt when no verdict follows
        #expect(f.user == "root")
        #expect(f.sourceIP == nil)    // a host name is kept as rhost, not passed off as an address
        #expect(f.attributes["rhost"] == "220-135-151-1.hinet-ip.hinet.net")
        #expect(f.attributes["service"] == "sshd")
        let s = try #require(meaning("Feb  5 08:33:12 h sshd[9]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)"))
        #expect(s.kind == "auth.session_opened")
        #expect(s.user == "alice")
        let c = try #require(meaning("Jun 15 04:06:20 combo su(pam_unix)[21416]: session closed for user cyrus"))
        #expect(c.kind == "auth.session_closed")
        #expect(c.attributes["service"] == "su")
    }

    @Test func sudoAndSu() throws {
        let s = try #require(meaning("Feb  5 13:28:02 hmi-01 sudo: operator : TTY=pts/0 ; PWD=/home/operator ; USER=root ; COMMAND=/bin/bash"))
        #expect(s == AuthMeaning(kind: "auth.privilege", user: "operator", sourceIP: nil, sourcePort: nil,
                                 attributes: ["service": "sudo", "target_user": "root", "command": "/bin/bash",
                                              "tty": "pts/0", "cwd": "/home/operator"]))
        let denied = try #require(meaning("Feb  5 13:28:02 h sudo:     bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/usr/bin/id"))
        #expect(denied.kind == "auth.privilege_failed")
        #expect(denied.user == "bob")
        #expect(denied.attributes["reason"] == "user NOT in sudoers")
        #expect(meaning("Feb  5 08:33:12 h su[5]: Successful su for root by alice")?.kind == "auth.privilege")
        #expect(meaning("Feb  5 08:33:12 h su[5]: FAILED su for root by alice")?.kind == "auth.privilege_failed")
        let to = try #require(meaning("Feb  5 08:33:12 h su: (to root) alice on pts/0"))
        #expect(to.user == "alice")
        #expect(to.attributes["target_user"] == "root")
        #expect(to.attributes["tty"] == "pts/0")
    }

    @Test func accountChanges() throws {
        let u = try #require(meaning("Feb  5 08:40:00 h useradd[99]: new user: name=svc-backup, UID=1002, GID=1002, home=/home/svc-backup, shell=/bin/bash, from=/dev/pts/0"))
        #expect(u.kind == "account.change")
        #expect(u.user == "svc-backup")
        #expect(u.attributes["action"] == "user created")
        #expect(u.attributes["uid"] == "1002")
        let g = try #require(meaning("Feb  5 08:40:01 h usermod[100]: add 'svc-backup' to group 'sudo'"))
        #expect(g.user == "svc-backup")
        #expect(g.attributes["group"] == "sudo")
        #expect(meaning("Feb  5 08:40:02 h passwd[101]: pam_unix(passwd:chauthtok): password changed for svc-backup")?.attributes["action"] == "password changed")
        #expect(meaning("Feb  5 08:40:03 h userdel[102]: delete user 'svc-backup'")?.attributes["action"] == "user deleted")
    }

    @Test(arguments: ["10.0.0.1", "255.255.255.255", "::1", "fe80::1", "2001:db8::8a2e:370:7334", "::ffff:10.0.0.1",
                      "1:2:3:4:5:6:7:8"])
    func recognizesAddresses(s: String) { #expect(IPAddressText.isLiteral(s)) }

    @Test(arguments: ["10.0.0", "256.1.1.1", "host.example", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "", "::g"])
    func rejectsNonAddresses(s: String) { #expect(!IPAddressText.isLiteral(s)) }
}

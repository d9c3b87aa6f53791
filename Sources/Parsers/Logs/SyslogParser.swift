import JikochoModel

/// One syslog line, as written: the three layouts Linux hosts and network devices use.
///
/// - RFC 3164 (BSD): `<34>Feb  5 08:33:12 hmi-01 sshd[2211]: message` (PRI optional; no year, no zone).
///   <https://www.rfc-editor.org/rfc/rfc3164>
/// - RFC 5424: `<34>1 2021-02-05T08:33:12.003Z hmi-01 sshd 2211 ID47 [exampleSDID@32473 iut="3"] message`.
///   <https://www.rfc-editor.org/rfc/rfc5424>
/// - rsyslog's high-precision file format: `2021-02-05T08:33:12.123456+09:00 hmi-01 sshd[2211]: message`.
/// - Citrix ADC's (NetScaler's) own log, `03/07/2013:05:12:16 GMT ns PPE-0 : SSLVPN LOGIN …`.
/// - Cisco's `logging timestamp` form (ASA, FTD, IOS): `<166>Jun 22 2022 13:29:11 fw-1 : %ASA-6-113039: …`, the
///   year written (local time, no zone).
/// - an application's own log: `2021-02-05 08:33:12 message` (a space between date and time, which syslog daemons
///   never write) or `Fri Feb  5 08:33:12 2021 message` (ctime): the whole text after the time is the message.
/// - a firewall's own key=value record with no syslog header, as FortiGate sends it by default and as its GUI's log
///   download, FortiAnalyzer and a syslog server that keeps raw messages write it:
///   `<189>date=2024-03-12 time=10:18:00 devname="fgt-1" … tz="+0900" eventtime=1710206280123456789 …` (also
///   FortiWeb and FortiMail; Stormshield's and SonicWall's `time="2024-03-12 10:18:00"`): the whole record is the
///   message, the device name (`devname`) the host. See `keyValue` for how its time is read.
/// - a YAMAHA router's own log as `show log` prints it (RTX, NVR, FWX series): `2018/10/22 14:43:29: [L2TP] TUNNEL[1]
///   connected from 198.51.100.7`, local time with its year, no host and no tag (`showLog`).
public struct SyslogRecord: Hashable, Sendable {
    /// `plain` and `ctime`: an application's own log, a time and the text with no host or tag (OpenVPN's
    /// `2024-03-12 10:18:00 …` and, before 2.5, `Tue Mar 12 10:18:00 2024 …`).
    /// `cisco`: Cisco's `logging timestamp` header, `Jun 22 2022 13:29:11` (a BSD stamp with the year).
    /// `netScaler`: Citrix ADC's own `03/07/2013:05:12:16 GMT` stamp.
    /// `keyValue`: a firewall's own key=value record without a syslog header.
    /// `cef`: a CEF record without a syslog header (a SIEM's export), placed by its own `rt`, `end` or `start`.
    /// `showLog`: a YAMAHA router's `show log`, `2018/10/22 14:43:29: text`.
    public enum Format: String, Sendable {
        case rfc3164, rfc5424, iso, plain, ctime, cisco, netScaler = "netscaler", keyValue = "key_value", cef
        case showLog = "show_log"
    }

    public var format: Format
    /// As written; a 3164 time has no zone (`utcOffsetSeconds == nil`) and the year the caller supplied.
    public var time: CivilTime
    public var facility: Int?
    public var severity: Int?
    public var host: String?
    public var program: String?
    public var pid: String?
    /// RFC 5424 MSGID.
    public var messageID: String?
    /// RFC 5424 structured data: SD-ID → parameters (a repeated name keeps the last value).
    public var structuredData: [String: [String: String]]
    public var message: String
    /// Which of a key=value record's times was taken, and why (nil for the other formats, whose time is the header).
    public var timeSource: String?
    /// A key=value record whose two times disagree: what the collector warns about.
    public var timeProblem: String?
    /// A header-less CEF record, as read to place it (its meaning is read from it rather than parsed again).
    public var cef: CEFRecord?

    public init(format: Format, time: CivilTime, facility: Int? = nil, severity: Int? = nil, host: String? = nil,
                program: String? = nil, pid: String? = nil, messageID: String? = nil,
                structuredData: [String: [String: String]] = [:], message: String)
    {
        self.format = format
        self.time = time
        self.facility = facility
        self.severity = severity
        self.host = host
        self.program = program
        self.pid = pid
        self.messageID = messageID
        self.structuredData = structuredData
        self.message = message
    }
}

/// Parses one syslog line (without its newline). Pure: bytes in, a record or nil out.
public enum SyslogParser {
    /// rsyslog's reduction of repeated lines, `message repeated 5 times: [ Failed password for root from … ssh2]`:
    /// the count and the message repeated (the line before it said it once more). Nil for any other message.
    public static func repeated(_ message: String) -> (count: Int, message: String)? {
        guard message.hasPrefix("message repeated "), let times = message.range(of: " times: [") else { return nil }
        let number = message[message.index(message.startIndex, offsetBy: 17)..<times.lowerBound]
        guard !number.isEmpty, number.count <= 9, number.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(number), n > 0,
              message.hasSuffix("]") else { return nil }
        var inner = message[times.upperBound..<message.index(before: message.endIndex)]
        if inner.first == " " { inner = inner.dropFirst() }
        return inner.isEmpty ? nil : (n, String(inner))
    }

    /// The month of a BSD (3164) line, without parsing the rest: for year inference before the real pass. Nil for
    /// Cisco's stamp, which writes its year.
    public static func bsdMonth(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var c = TimeParser.Cursor(line)
        _ = priority(&c)
        let start = c.index
        guard let month = c.monthName() else { return nil }
        c.index = start
        return ciscoTime(line, &c) == nil ? month : nil
    }

    /// Cisco's `logging timestamp` stamp (ASA, FTD, IOS): `Jun 22 2022 13:29:11` (day space- or zero-padded,
    /// milliseconds optional), the year written; the cursor is left after it (and after a `:` that follows it).
    static func ciscoTime(_ b: UnsafeBufferPointer<UInt8>, _ c: inout TimeParser.Cursor) -> CivilTime? {
        let start = c.index
        guard let month = c.monthName(), c.take(UInt8(ascii: " ")) else { c.index = start; return nil }
        _ = c.take(UInt8(ascii: " "))
        guard let day = c.upTo2Digits(), c.take(UInt8(ascii: " ")), let year = c.digits(4), c.take(UInt8(ascii: " ")),
              let hour = c.digits(2), c.take(UInt8(ascii: ":")), let minute = c.digits(2), c.take(UInt8(ascii: ":")),
              let second = c.digits(2)
        else { c.index = start; return nil }
        var nanos = 0
        if c.take(UInt8(ascii: ".")) {
            guard let n = c.fraction() else { c.index = start; return nil }
            nanos = n
        }
        let t = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanosecond: nanos)
        guard t.isValid else { c.index = start; return nil }
        _ = c.take(UInt8(ascii: ":"))
        return t
    }

    /// Parses a line; `year` is used for BSD lines, which do not write one.
    public static func parse(_ line: UnsafeBufferPointer<UInt8>, year: Int) -> SyslogRecord? {
        var c = TimeParser.Cursor(line)
        let pri = priority(&c)
        let facility = pri.map { $0 >> 3 }
        let severity = pri.map { $0 & 7 }

        // RFC 5424: a version number right after the PRI.
        if pri != nil, let v = c.peek, v >= UInt8(ascii: "1"), v <= UInt8(ascii: "9"), c.index + 1 < line.count,
           line[c.index + 1] == UInt8(ascii: " ")
        {
            c.index += 2
            return rfc5424(line, &c, facility: facility, severity: severity)
        }

        let rest = UnsafeBufferPointer(rebasing: line[c.index...])
        if let (t, n) = TimeParser.iso8601(bytes: rest) {
            let spaced = rest.count > 10 && rest[10] == UInt8(ascii: " ")
            c.index += n
            guard c.take(UInt8(ascii: " ")) else { return nil }
            if spaced, pri == nil {
                return SyslogRecord(format: .plain, time: t, message: text(line, c.index..<line.count))
            }
            return tail(line, &c, format: .iso, time: t, facility: facility, severity: severity)
        }
        // ctime: a weekday, then a BSD time, then the year.
        if pri == nil, rest.count > 24, rest[3] == UInt8(ascii: " "),
           ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(text(rest, 0..<3)) {
            let after = UnsafeBufferPointer(rebasing: rest[4...])
            if after.count > 20, after[15] == UInt8(ascii: " "),
               let y = Int(text(after, 16..<20)), y >= 1970, y <= 9999, after.count == 20 || after[20] == UInt8(ascii: " "),
               let (t, n) = TimeParser.rfc3164(bytes: UnsafeBufferPointer(rebasing: after[0..<15]), year: y), n == 15 {
                let start = c.index + 4 + 20 + (after.count > 20 ? 1 : 0)
                return SyslogRecord(format: .ctime, time: t, message: text(line, min(start, line.count)..<line.count))
            }
        }
        if let t = ciscoTime(line, &c) {
            guard c.take(UInt8(ascii: " ")) else {
                guard c.index == line.count else { return nil }
                return SyslogRecord(format: .cisco, time: t, facility: facility, severity: severity, message: "")
            }
            return tail(line, &c, format: .cisco, time: t, facility: facility, severity: severity)
        }
        if let (t, n) = TimeParser.rfc3164(bytes: rest, year: year) {
            c.index += n
            // Some devices add the year after the time ("Feb  5 08:33:12 2021 host ...") — not standard; not taken.
            guard c.take(UInt8(ascii: " ")) else {
                // A line that ends right after the time is a record with an empty message.
                guard c.index == line.count else { return nil }
                return SyslogRecord(format: .rfc3164, time: t, facility: facility, severity: severity, message: "")
            }
            return tail(line, &c, format: .rfc3164, time: t, facility: facility, severity: severity)
        }
        if let t = netScalerTime(line, &c) {
            return tail(line, &c, format: .netScaler, time: t, facility: facility, severity: severity)
        }
        if pri == nil, let t = showLogTime(line, &c) {
            return SyslogRecord(format: .showLog, time: t, message: text(line, c.index..<line.count))
        }
        // A record of its own after the PRI (SonicOS writes `<134>  id=firewall …`, two spaces).
        var k = c.index
        while k < line.count, line[k] == UInt8(ascii: " "), k - c.index < 8 { k += 1 }
        if line.count - k > 4, line[k] == UInt8(ascii: "C"), line[k + 1] == UInt8(ascii: "E"),
           line[k + 2] == UInt8(ascii: "F"), line[k + 3] == UInt8(ascii: ":") {
            return cef(line, from: k, facility: facility, severity: severity)
        }
        return keyValue(line, from: k, facility: facility, severity: severity)
    }

    /// A CEF record with no syslog header, placed by its own time (`CEF.time`); the whole record is the message and
    /// the device (`dvchost`, …) the host. Nil when it is no CEF record or gives no time.
    static func cef(_ b: UnsafeBufferPointer<UInt8>, from start: Int, facility: Int?, severity: Int?) -> SyslogRecord? {
        let message = text(b, start..<b.count)
        guard let r = CEF.parse(Substring(message)), let (time, source) = CEF.time(r) else { return nil }
        var record = SyslogRecord(format: .cef, time: time, facility: facility, severity: severity, message: message)
        record.timeSource = source
        record.host = CEF.host(r)
        record.cef = r
        return record
    }

    /// A YAMAHA router's `show log` stamp, `2018/10/22 14:43:29: ` (local time; the router writes no zone). The
    /// cursor is left after the colon and its space.
    static func showLogTime(_ b: UnsafeBufferPointer<UInt8>, _ c: inout TimeParser.Cursor) -> CivilTime? {
        let start = c.index
        guard let year = c.digits(4), c.take(UInt8(ascii: "/")), let month = c.digits(2), c.take(UInt8(ascii: "/")),
              let day = c.digits(2), c.take(UInt8(ascii: " ")), let hour = c.digits(2), c.take(UInt8(ascii: ":")),
              let minute = c.digits(2), c.take(UInt8(ascii: ":")), let second = c.digits(2), c.take(UInt8(ascii: ":"))
        else { c.index = start; return nil }
        guard c.take(UInt8(ascii: " ")) || c.index == b.count else { c.index = start; return nil }
        let t = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard t.isValid else { c.index = start; return nil }
        return t
    }

    /// Whether a line starts with a `show log` stamp (for the collector's first pass: the time without the record).
    public static func showLogStamp(_ line: UnsafeBufferPointer<UInt8>) -> CivilTime? {
        var c = TimeParser.Cursor(line)
        return showLogTime(line, &c)
    }

    /// Citrix ADC's (NetScaler's) own stamp, as `ns.log` and a header-less forward write it: `03/07/2013:05:12:16 GMT `
    /// (month first; GMT or UTC is UTC, any other zone name leaves the time local). The cursor is left after the zone.
    static func netScalerTime(_ b: UnsafeBufferPointer<UInt8>, _ c: inout TimeParser.Cursor) -> CivilTime? {
        let start = c.index
        guard let month = c.digits(2), c.take(UInt8(ascii: "/")), let day = c.digits(2), c.take(UInt8(ascii: "/")),
              let year = c.digits(4), c.take(UInt8(ascii: ":")), let hour = c.digits(2), c.take(UInt8(ascii: ":")),
              let minute = c.digits(2), c.take(UInt8(ascii: ":")), let second = c.digits(2), c.take(UInt8(ascii: " "))
        else { c.index = start; return nil }
        let zoneStart = c.index
        while let ch = c.peek, (ch | 0x20) >= UInt8(ascii: "a"), (ch | 0x20) <= UInt8(ascii: "z"), c.index - zoneStart < 6 {
            c.index += 1
        }
        let zone = String(decoding: UnsafeBufferPointer(rebasing: b[zoneStart..<c.index]), as: UTF8.self)
        guard !zone.isEmpty, c.take(UInt8(ascii: " ")) else { c.index = start; return nil }
        let t = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                          utcOffsetSeconds: zone == "GMT" || zone == "UTC" ? 0 : nil)
        guard t.isValid else { c.index = start; return nil }
        return t
    }

    /// A firewall's key=value record (see `SyslogRecord`), nil when the line is not one or gives no time.
    ///
    /// Its time: `date` and `time` (or a `time` that holds both) in the device's zone, which `tz` (`+0900`) gives
    /// from FortiOS 6.2 on (FortiWeb and FortiMail: `timezone="(GMT+8:00)…"`); `eventtime` is the same instant counted from 1970 (seconds, milliseconds, microseconds or
    /// nanoseconds by its digits). With both, the written time is taken and `eventtime` only lends it the fraction of
    /// a second when the two agree to the second; when they disagree the written time stays and `timeProblem` says
    /// by how much. Without `tz`, `eventtime` places the record; without either the time is local (the collector's
    /// zone rules apply).
    static func keyValue(_ b: UnsafeBufferPointer<UInt8>, from start: Int, facility: Int?, severity: Int?) -> SyslogRecord? {
        // The first token must be `key=`: letters, digits, `_`, `-`, `.`, starting with a letter.
        func isKeyByte(_ c: UInt8) -> Bool {
            (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") || c &- 48 < 10 || c == UInt8(ascii: "_")
                || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        }
        guard start < b.count, (b[start] | 0x20) >= UInt8(ascii: "a"), (b[start] | 0x20) <= UInt8(ascii: "z") else { return nil }
        var i = start
        while i < b.count, i - start < 64, isKeyByte(b[i]) { i += 1 }
        guard i < b.count, b[i] == UInt8(ascii: "=") else { return nil }

        var date: Range<Int>?
        var time: Range<Int>?
        var tz: Range<Int>?
        var eventtime: Range<Int>?
        var devname: Range<Int>?
        var deviceID: Range<Int>?
        var fw: Range<Int>?
        var timezone: Range<Int>?
        func key(_ r: Range<Int>, is name: StaticString) -> Bool {
            guard r.count == name.utf8CodeUnitCount else { return false }
            let p = name.utf8Start
            for k in 0..<r.count where b[r.lowerBound + k] != p[k] { return false }
            return true
        }
        i = start
        var pairs = 0
        while i < b.count, pairs < 256 {
            while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
            let k0 = i
            while i < b.count, isKeyByte(b[i]) { i += 1 }
            guard i < b.count, b[i] == UInt8(ascii: "="), i > k0 else {
                // Not a pair: skip the word.
                while i < b.count, b[i] != UInt8(ascii: " ") { i += 1 }
                continue
            }
            let k = k0..<i
            i += 1
            var v: Range<Int>
            if i < b.count, b[i] == UInt8(ascii: "\"") {
                let v0 = i + 1
                i = v0
                while i < b.count, b[i] != UInt8(ascii: "\"") { i += 1 }
                v = v0..<i
                if i < b.count { i += 1 }
            } else {
                let v0 = i
                while i < b.count, b[i] != UInt8(ascii: " ") { i += 1 }
                v = v0..<i
            }
            pairs += 1
            switch k.count {
            case 2 where key(k, is: "tz"): tz = v
            case 2 where key(k, is: "fw"): fw = v
            case 4 where key(k, is: "date"): date = v
            case 4 where key(k, is: "time"): time = v
            case 7 where key(k, is: "devname"): devname = v
            case 9 where key(k, is: "eventtime"): eventtime = v
            case 9 where key(k, is: "device_id"): deviceID = v
            case 8 where key(k, is: "timezone"): timezone = v
            default: break
            }
        }

        // The written time: `date=YYYY-MM-DD time=HH:MM:SS`, or `time="YYYY-MM-DD HH:MM:SS[ UTC]"`.
        var written: CivilTime?
        if let t = time {
            var text = [UInt8]()
            if let d = date { text += b[d]; text.append(UInt8(ascii: " ")) }
            text += b[t]
            if text.count >= 4, text.suffix(4).elementsEqual(" UTC".utf8) { text.removeLast(4); text.append(UInt8(ascii: "Z")) }
            written = text.withUnsafeBufferPointer { p in
                TimeParser.iso8601(bytes: p).flatMap { $0.length == p.count ? $0.time : nil }
            }
        }
        var tzApplied = false
        if var w = written, w.utcOffsetSeconds == nil, let z = tz ?? timezone {
            // `tz="+0900"`; FortiWeb's and FortiMail's `timezone="(GMT+8:00)Beijing,…"`.
            let o: Int? = { () -> Int? in
                let p = UnsafeBufferPointer(rebasing: b[z])
                var c = TimeParser.Cursor(p)
                if z == timezone {
                    guard p.count >= 6, p[0] == UInt8(ascii: "("), p[1] == UInt8(ascii: "G"), p[2] == UInt8(ascii: "M"),
                          p[3] == UInt8(ascii: "T") else { return nil }
                    c.index = 4
                    if c.peek == UInt8(ascii: ")") { return 0 }
                    guard let sign = c.peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
                    c.index += 1
                    guard let h = c.upTo2Digits(), c.take(UInt8(ascii: ":")), let m = c.digits(2), h <= 14, m < 60,
                          c.take(UInt8(ascii: ")")) else { return nil }
                    return (sign == UInt8(ascii: "-") ? -1 : 1) * (h * 3600 + m * 60)
                }
                guard let o = c.utcOffset(), c.index == p.count else { return nil }
                return o
            }()
            w.utcOffsetSeconds = o
            tzApplied = o != nil
            written = w
        }
        // `eventtime`: digits only, its unit by how many.
        let instant = eventtime.flatMap { epoch(digits: b[$0]) }

        var record = SyslogRecord(format: .keyValue, time: CivilTime(year: 1970, month: 1, day: 1), facility: facility,
                                  severity: severity, message: text(b, start..<b.count))
        if let w = written, let offset = w.utcOffsetSeconds, let at = w.timestamp() {
            record.time = w
            record.timeSource = tzApplied ? "date and time in the zone tz gives" : "the written time and its offset"
            if let e = instant {
                let (gap, overflow) = e.nanoseconds.subtractingReportingOverflow(at.nanoseconds)
                if overflow {
                    record.timeProblem = "eventtime is centuries away from date, time and tz: the written time is kept"
                } else if gap >= 0, gap < 1_000_000_000 {
                    record.time = e.civil(utcOffsetSeconds: offset)
                    record.timeSource = "eventtime (agrees with date, time and tz)"
                } else {
                    let seconds = (gap.magnitude + 500_000_000) / 1_000_000_000
                    record.timeProblem = "eventtime is \(seconds) s "
                        + (gap > 0 ? "later" : "earlier") + " than date, time and tz: the written time is kept"
                }
            }
        } else if let e = instant {
            record.time = e.civil(utcOffsetSeconds: 0)
            record.timeSource = written == nil ? "eventtime" : "eventtime (date and time are local, no tz written)"
        } else if let w = written {
            record.time = w
            record.timeSource = "date and time (local; no tz or eventtime written)"
        } else {
            return nil
        }
        if let h = devname ?? deviceID ?? fw {
            let name = text(b, h).trimmingBlanks
            if !name.isEmpty { record.host = name }
        }
        return record
    }

    /// A count since 1970 written in digits only, its unit by how many: seconds (10), milliseconds (13),
    /// microseconds (16) or nanoseconds (19); nil for anything else, and for a count that does not fit nanoseconds
    /// since 1970 (past 2262). FortiOS's `eventtime`, CEF's `rt`.
    static func epoch(digits: some Collection<UInt8>) -> Timestamp? {
        let scale: Int64
        switch digits.count {
        case 10: scale = 1_000_000_000
        case 13: scale = 1_000_000
        case 16: scale = 1_000
        case 19: scale = 1
        default: return nil
        }
        var n: Int64 = 0
        for d in digits {
            guard d &- 48 < 10 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d &- 48))
            guard !o1, !o2 else { return nil }
            n = a
        }
        let (ns, o) = n.multipliedReportingOverflow(by: scale)
        return o ? nil : Timestamp(nanoseconds: ns)
    }

    /// `<PRI>`: 1–3 digits, at most 191.
    static func priority(_ c: inout TimeParser.Cursor) -> Int? {
        let start = c.index
        guard c.take(UInt8(ascii: "<")) else { return nil }
        var v = 0
        var n = 0
        while let d = c.peek, d &- 48 < 10, n < 3 {
            v = v * 10 + Int(d &- 48)
            n += 1
            c.index += 1
        }
        guard n > 0, v <= 191, c.take(UInt8(ascii: ">")) else {
            c.index = start
            return nil
        }
        return v
    }

    static func text(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    /// Host, then the tag (`prog[pid]:` or `prog:`), then the message. A line without a host (`sshd[1]: msg`
    /// straight after the time) is recognized by its tag, or by a first word no host name could be (one with a
    /// comma: PAN-OS sends its CSV records without a host unless told to).
    static func tail(_ b: UnsafeBufferPointer<UInt8>, _ c: inout TimeParser.Cursor, format: SyslogRecord.Format,
                     time: CivilTime, facility: Int?, severity: Int?) -> SyslogRecord
    {
        func token() -> Range<Int> {
            let s = c.index
            while let ch = c.peek, ch != UInt8(ascii: " ") { c.index += 1 }
            return s..<c.index
        }
        var host: String?
        var first = token()
        // FreeBSD's syslogd with -v (Citrix ADC's ns.log) writes the facility and level first: `<local0.info> host`.
        if first.count > 2, b[first.lowerBound] == UInt8(ascii: "<"), b[first.upperBound - 1] == UInt8(ascii: ">"),
           b[first].contains(UInt8(ascii: ".")) {
            _ = c.take(UInt8(ascii: " "))
            first = token()
        }
        var record = SyslogRecord(format: format, time: time, facility: facility, severity: severity, message: "")
        if b[first].contains(UInt8(ascii: ",")) {
            // No host name holds a comma: a device that sends no host (PAN-OS by default) starts its CSV record here.
            c.index = first.lowerBound
            record.message = text(b, c.index..<b.count)
            return record
        }
        if isCharonThread(b, first) {
            // strongSwan's own log file (charon's `filelog`): the thread and subsystem (`13[IKE]`) follow the time, no
            // host and no tag; the message keeps them, as charon's syslog lines do after `charon:`.
            c.index = first.lowerBound
            record.program = "charon"
            record.message = text(b, c.index..<b.count)
            return record
        }
        if let (prog, pid) = tag(b, first) {
            // No host: the first token is already the tag.
            record.program = prog
            record.pid = pid
        } else {
            host = text(b, first)
            _ = c.take(UInt8(ascii: " "))
            let save = c.index
            let second = token()
            if let (prog, pid) = tag(b, second) {
                record.program = prog
                record.pid = pid
            } else if let level = levelWord(b, second) {
                // F5 BIG-IP writes the level's name between host and tag: `host notice tmm2[20226]: …`.
                _ = c.take(UInt8(ascii: " "))
                if let (prog, pid) = tag(b, token()) {
                    record.program = prog
                    record.pid = pid
                    if record.severity == nil { record.severity = level }
                } else {
                    c.index = save
                }
            } else {
                c.index = save
            }
        }
        _ = c.take(UInt8(ascii: " "))
        record.host = host.flatMap { $0.isEmpty || $0 == "-" ? nil : $0 }
        record.message = text(b, c.index..<b.count)
        return record
    }

    /// charon's thread and subsystem, `13[IKE]`, `00[DMN]`: digits, then two to four capitals in brackets. No host
    /// name has brackets.
    static func isCharonThread(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        guard (5...10).contains(r.count), b[r.upperBound - 1] == UInt8(ascii: "]") else { return false }
        var i = r.lowerBound
        while i < r.upperBound, (48...57).contains(b[i]) { i += 1 }
        guard i > r.lowerBound, i < r.upperBound, b[i] == UInt8(ascii: "[") else { return false }
        let letters = r.upperBound - 1 - (i + 1)
        return (2...4).contains(letters) && b[(i + 1)..<(r.upperBound - 1)].allSatisfy { (65...90).contains($0) }
    }

    /// The same of a word already split out of a message (`13[IKE]` before charon's syslog text).
    static func isCharonThread(_ word: Substring) -> Bool {
        var w = word
        return w.withUTF8 { isCharonThread($0, 0..<$0.count) }
    }

    /// The syslog severity a level's name stands for (`emerg` 0 … `debug` 7), as BIG-IP writes it before the tag.
    static func levelWord(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int? {
        guard (3...7).contains(r.count), "eacwnid".utf8.contains(b[r.lowerBound]) else { return nil }
        switch text(b, r) {
        case "emerg": return 0
        case "alert": return 1
        case "crit": return 2
        case "err": return 3
        case "warning": return 4
        case "notice": return 5
        case "info": return 6
        case "debug": return 7
        default: return nil
        }
    }

    /// `sshd[2211]:`, `sshd(pam_unix)[19939]:`, `kernel:`, `CRON[1]:` → (program, pid). Nil when the token is no tag.
    static func tag(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> (String, String?)? {
        guard r.count >= 2, b[r.upperBound - 1] == UInt8(ascii: ":") else { return nil }
        let body = r.lowerBound..<(r.upperBound - 1)
        if b[body.upperBound - 1] == UInt8(ascii: "]"),
           let open = body.last(where: { b[$0] == UInt8(ascii: "[") }), open > body.lowerBound
        {
            return (text(b, body.lowerBound..<open), text(b, (open + 1)..<(body.upperBound - 1)))
        }
        guard !body.contains(where: { b[$0] == UInt8(ascii: "[") || b[$0] == UInt8(ascii: "]") }) else { return nil }
        return (text(b, body), nil)
    }

    /// `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]`, with `-` for nil.
    static func rfc5424(_ b: UnsafeBufferPointer<UInt8>, _ c: inout TimeParser.Cursor, facility: Int?,
                        severity: Int?) -> SyslogRecord?
    {
        func field() -> String? {
            let s = c.index
            while let ch = c.peek, ch != UInt8(ascii: " ") { c.index += 1 }
            let v = text(b, s..<c.index)
            _ = c.take(UInt8(ascii: " "))
            return v == "-" ? nil : v
        }
        var time: CivilTime
        if c.take(UInt8(ascii: "-")) {
            return nil    // NILVALUE time: nothing to place the record at
        } else {
            guard let (t, n) = TimeParser.iso8601(bytes: UnsafeBufferPointer(rebasing: b[c.index...])),
                  t.utcOffsetSeconds != nil
            else { return nil }
            time = t
            c.index += n
        }
        guard c.take(UInt8(ascii: " ")) else { return nil }
        var r = SyslogRecord(format: .rfc5424, time: time, facility: facility, severity: severity, message: "")
        r.host = field()
        r.program = field()
        r.pid = field()
        r.messageID = field()
        if c.take(UInt8(ascii: "-")) {
            _ = c.take(UInt8(ascii: " "))
        } else {
            let sdStart = c.index
            while c.peek == UInt8(ascii: "[") {
                guard let (id, params) = sdElement(b, &c) else {
                    // Not structured data in RFC 5424's grammar, though in its place: Check Point's Log Exporter
                    // writes its record there as `[action:"Accept"; src:"10.0.0.2"; …]`. A bracketed text that
                    // closes at the end of the line is the message; one left open stays no syslog record.
                    var end = b.count
                    while end > sdStart, b[end - 1] == UInt8(ascii: " ") || b[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    guard end > sdStart + 1, b[end - 1] == UInt8(ascii: "]") else { return nil }
                    r.structuredData = [:]
                    r.message = text(b, sdStart..<b.count)
                    return r
                }
                r.structuredData[id] = params
            }
            _ = c.take(UInt8(ascii: " "))
        }
        var msgStart = c.index
        // A UTF-8 BOM marks the message as UTF-8 (RFC 5424 §6.4).
        if msgStart + 3 <= b.count, b[msgStart] == 0xEF, b[msgStart + 1] == 0xBB, b[msgStart + 2] == 0xBF { msgStart += 3 }
        r.message = text(b, msgStart..<b.count)
        _ = time
        return r
    }

    /// `[id name="value" name2="va\"lue"]`; at most 64 parameters per element.
    static func sdElement(_ b: UnsafeBufferPointer<UInt8>, _ c: inout TimeParser.Cursor)
        -> (String, [String: String])?
    {
        guard c.take(UInt8(ascii: "[")) else { return nil }
        let idStart = c.index
        while let ch = c.peek, ch != UInt8(ascii: " "), ch != UInt8(ascii: "]") { c.index += 1 }
        let id = text(b, idStart..<c.index)
        guard !id.isEmpty else { return nil }
        var params: [String: String] = [:]
        while c.take(UInt8(ascii: " ")) {
            let nameStart = c.index
            while let ch = c.peek, ch != UInt8(ascii: "=") { c.index += 1 }
            let name = text(b, nameStart..<c.index)
            guard c.take(UInt8(ascii: "=")), c.take(UInt8(ascii: "\"")), params.count < 64 else { return nil }
            var value = [UInt8]()
            while true {
                guard let ch = c.peek else { return nil }
                c.index += 1
                if ch == UInt8(ascii: "\\"), let next = c.peek,
                   next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "]")
                {
                    value.append(next)
                    c.index += 1
                } else if ch == UInt8(ascii: "\"") {
                    break
                } else {
                    value.append(ch)
                }
            }
            params[name] = String(decoding: value, as: UTF8.self)
        }
        guard c.take(UInt8(ascii: "]")) else { return nil }
        return (id, params)
    }
}

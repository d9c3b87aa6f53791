import Foundation
import JikochoModel
import Parsers

/// `log/syslog`: syslog files (RFC 3164, RFC 5424, rsyslog's ISO format) into events, with the authentication
/// meaning of sshd, PAM, sudo, su and account-management lines.
///
/// Options: `tz` (zone of local times; else the evidence's declared zone; else UTC with a warning), `host`
/// (overrides the host written in the lines), `year` (year of the first BSD line; else inferred from the file's
/// modification time, counting New Year rollovers, with a warning).
public struct SyslogCollector: Collector {
    public static let name = "log/syslog"
    // 2: Cisco ASA/FTD meanings; 3: a teardown's initiator from its Built line; 4: OpenVPN, FortiGate, GlobalProtect,
    // Pulse Connect Secure, strongSwan and WireGuard meanings, ASA session ends as auth.session_closed; 5: one failed
    // logon one auth.logon_failed (sshd's verdict; Invalid user and PAM's failure of the same attempt their own kinds),
    // rsyslog's "message repeated N times: [ … ]" read as the N lines it stands for; 6: firewalls' own key=value
    // records without a syslog header (FortiGate's default, its log download, FortiAnalyzer), placed by their own time;
    // FortiGate traffic and firewall authentication; GlobalProtect's address in getconfig/setup/config-release; Pulse's
    // 22.x forms and one refused sign-in one failure; 7: YAMAHA routers' remote access (one connection's lines joined, a
    // call whose link never came up the failed attempt) and their `show log`, newest first read oldest first; 8: F5
    // BIG-IP APM's access sessions (one session's lines joined), BIG-IP's level name before the tag read as severity;
    // SoftEther VPN Server's hub log (a connection's and its session's lines joined); 9: OpenVPN's address assignment
    // is its `primary virtual IP` line (the pool's pick, which a client-config-dir may replace, is
    // `vpn.address_offered`; the route learned, `vpn.route_learned`), a failed session's `Peer Connection Initiated`
    // names no user; strongSwan: a password that did not verify is the failed attempt (the method's failure after it
    // `auth.eap_failed`), an IKE_SA's lines joined by its id, charon's own log file read without a host
    public static let version = "9"

    /// How many events one "message repeated N times" line gives at most (a lying N must not flood the case).
    static let maxRepeats = 1000

    /// PAM's failure waits for the verdict of the same process (sshd's Failed line comes up to sshd's login grace
    /// time, 120 s, after it); without one it is the attempt. A remote-access gateway's details of a refusal
    /// (Pulse's `Login failed …` lines around its `Primary authentication failed`) are held the same way, and may
    /// also follow their verdict within two seconds. A YAMAHA router's call (`vpn.auth_request`, the user a client
    /// gave) waits for its PP interface's link to come up (`auth.logon`) or be refused; a call whose connection ends
    /// first, or that another call on the same interface follows, or that 120 s pass without its link, is the failed
    /// attempt itself.
    static let attempts = FailedAttempts.Rules(
        held: { e in
            (e.kind == "auth.pam_failure" && e.attributes["more"] == nil) || e.kind == "auth.failure_detail"
                || (e.kind == "vpn.auth_request" && isYamahaCall(e)) ? attemptKey(e) : nil
        },
        verdict: { e in
            e.kind == "auth.logon_failed" || e.kind == "auth.privilege_failed" || (e.kind == "auth.logon" && isYamahaCall(e))
                ? attemptKey(e) : nil
        },
        alone: { e in
            ["sudo", "su"].contains(e.attributes["service"]?.text ?? "") ? "auth.privilege_failed" : "auth.logon_failed"
        },
        window: 120 * 1_000_000_000,
        late: { e in e.kind == "auth.failure_detail" ? attemptKey(e) : nil },
        lateVerdict: { e in
            e.kind == "auth.logon_failed" && e.attributes["vendor"] == "pulse-connect-secure" ? attemptKey(e) : nil
        },
        after: 2_000_000_000,
        closes: { e in
            ["vpn.auth_request", "vpn.session_end", "auth.session_closed"].contains(e.kind) && isYamahaCall(e)
                ? attemptKey(e) : nil
        },
        aloneNote: { e in
            e.kind == "vpn.auth_request"
                ? "the call's link never came up (no PPP/IPCP up on its PP interface before the connection ended, the "
                    + "next call or 120 s): its authentication did not succeed; the router writes no verdict line"
                : nil
        })

    /// A line of a YAMAHA router's remote-access connection, which names its PP interface.
    static func isYamahaCall(_ e: Event) -> Bool {
        // Only a gateway's or firewall's records (domain network) name a vendor: the others are not searched for one.
        e.domain == .network && e.attributes["vendor"] == .string(RemoteAccess.yamahaVendor) && e.attributes["pp"] != nil
    }

    /// The process that wrote a line: host and pid (else host and program); for Pulse's records, whose one process
    /// serves every user, the gateway, the user and where they came from; for a YAMAHA router's, its PP interface.
    static func attemptKey(_ e: Event) -> String {
        if let pid = e.attributes["pid"]?.text { return (e.host ?? "") + "|" + pid }
        if e.attributes["vendor"] == "pulse-connect-secure" {
            return (e.host ?? "") + "|" + (e.user ?? "").lowercased() + "|" + (e.src.ip ?? "")
        }
        if let pp = e.attributes["pp"]?.text { return (e.host ?? "") + "|pp|" + pp }
        return (e.host ?? "") + "|" + (e.attributes["program"]?.text ?? "")
    }

    /// The largest `show log reverse` file read oldest first (held in memory to be turned round).
    static let maxReversed: Int64 = 64 << 20

    /// The lines of a file held whole, last first, as `LineReader` would give them (a `\r` before the newline dropped,
    /// a line longer than `maxLine` cut and marked), numbered from `lines` down.
    static func forEachLineBackward(_ all: UnsafeBufferPointer<UInt8>, lines: Int, maxLine: Int,
                                    _ body: (LineReader.Line) throws -> Void) throws {
        guard let base = all.baseAddress, !all.isEmpty else { return }
        var end = all.count
        if all[end - 1] == 0x0A { end -= 1 }    // the last newline ends the last line; no empty line after it
        var number = lines
        while number > 0 {
            var start = end
            while start > 0, base[start - 1] != 0x0A { start -= 1 }
            var n = end - start
            let truncated = n > maxLine
            if truncated { n = maxLine } else if n > 0, all[start + n - 1] == 0x0D { n -= 1 }
            try body(LineReader.Line(bytes: UnsafeBufferPointer(rebasing: all[start..<start + n]), number: number,
                                     offset: Int64(start), truncated: truncated))
            number -= 1
            if start == 0 { break }
            end = start - 1
        }
    }

    /// Whether the file's first line with text is a YAMAHA router's `show log` line.
    static func startsAsShowLog(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = [UInt8]((try? h.read(upToCount: EvidenceProbe.headSize)) ?? Data())
        return head.split(separator: 0x0A).prefix(8).contains { l in
            l.withUnsafeBufferPointer { SyslogParser.showLogStamp($0) != nil }
        }
    }

    public init() {}

    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        let lines = probe.lines()
        let parsed = lines.filter { l in l.withUnsafeBufferPointer { SyslogParser.parse($0, year: 2000) != nil } }.count
        guard parsed > 0 else { return .no }
        return parsed * 2 >= lines.count ? .likely : .maybe
    }

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let item = source.item
        let evidenceID = item.id
        let warn = LineWarnings(sink: sink, evidenceID: evidenceID)
        var times = try LocalTimes(source)
        let reader = LineReader(path: source.path)

        // Pass 1, when the year is not given or the file is a YAMAHA router's `show log`: how many times the months
        // of BSD lines roll over a New Year, to place the first line; whether `show log` lines run newest first
        // (`show log reverse`, which YAMAHA's own troubleshooting asks for).
        var firstYear: Int
        var noteYear: String?
        var newestFirst = false
        var lineCount = 0
        let givenYear = source.options["year"].flatMap(Int.init)
        if givenYear == nil || Self.startsAsShowLog(source.path) {
            var tracker = YearTracker(firstYear: 0)
            var sawBSD = false
            var order = ShowLogOrder()
            try reader.forEachLine { line in
                lineCount = line.number
                if let m = SyslogParser.bsdMonth(line.bytes) {
                    sawBSD = true
                    tracker.advance(month: m)
                } else if let t = SyslogParser.showLogStamp(line.bytes) {
                    order.add(t)
                }
            }
            newestFirst = order.newestFirst
            let reference = item.sourceModifiedAt ?? item.acquiredAt
            let refYear = reference.civil(utcOffsetSeconds: 0).year
            firstYear = givenYear ?? refYear - tracker.rollovers
            if sawBSD, givenYear == nil {
                noteYear = "the year is not written in BSD syslog lines; the first line was placed in \(firstYear), "
                    + "counted back from the file's modification time (\(reference.iso8601(precision: .seconds))) "
                    + "over \(tracker.rollovers) New Year rollover(s); pass --year to set it"
            }
        } else {
            firstYear = givenYear!
        }

        let host = source.options["host"]
        var tracker = YearTracker(firstYear: firstYear)
        var connections = OpenConnections()
        var vpnSources = RemoteAccessSources()
        var calls = YamahaCalls()
        var apmSessions = F5Sessions()
        var softEther = SoftEtherSessions()
        var strongSwan = StrongSwanSessions()
        var attempts = FailedAttempts(Self.attempts)
        var writer = AttributeWriter()
        let emit: (Event) throws -> Void = { try sink.emit($0) }
        func handle(_ line: LineReader.Line) throws {
            if line.number == 1, let noteYear { try warn(line.locator, noteYear) }
            if line.bytes.isEmpty { return }
            try warn.checkLength(line, limit: reader.maxLine)
            let year = SyslogParser.bsdMonth(line.bytes).map { tracker.advance(month: $0) } ?? tracker.year
            guard var record = SyslogParser.parse(line.bytes, year: year) else {
                try warn(line.locator, "not a syslog line: \(preview(line.bytes))")
                return
            }
            if let problem = record.timeProblem { try warn(line.locator, problem) }
            if let base = line.bytes.baseAddress, memchr(base, 0, line.bytes.count) != nil {
                record.message = record.message.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
                try warn(line.locator, "NUL bytes in the line were replaced with U+FFFD")
            }
            if !isValidUTF8(line.bytes) {
                try warn(line.locator, "invalid UTF-8 in the line was replaced with U+FFFD")
            }
            guard let time = try times.timestamp(record.time, line, warn) else { return }
            // rsyslog's "message repeated 5 times: [ Failed password for root … ]": five more of that line.
            if let (count, inner) = SyslogParser.repeated(record.message) {
                var again = record
                again.message = inner
                again.cef = nil
                let first = event(again, time: time, host: host, line: line, evidenceID: evidenceID, writer: &writer)
                if first.kind != "syslog.message" {
                    if count > Self.maxRepeats {
                        try warn(line.locator, "the line says its message was repeated \(count) times: the first "
                                 + "\(Self.maxRepeats) are events, the count is kept in each (repeated)")
                    }
                    for i in 1...min(count, Self.maxRepeats) {
                        var e = first
                        e.attributes["repeated"] = .int(Int64(count))
                        e.attributes["repeat"] = .int(Int64(i))
                        e.message += " (repeat \(i) of \(count))"
                        try attempts.offer(e, emit: emit)
                    }
                    return
                }
            }
            var e = event(record, time: time, host: host, line: line, evidenceID: evidenceID, writer: &writer)
            if e.domain == .network {
                // A gateway's or firewall's record: the only ones that name a vendor and an access.
                let gateway = record.host ?? host ?? ""
                // The gateways whose lines of one connection are joined (the vendor read once).
                switch e.attributes["vendor"]?.text {
                case RemoteAccess.yamahaVendor?: calls.join(&e, host: gateway)
                case RemoteAccess.f5Vendor?: apmSessions.join(&e, host: gateway)
                case RemoteAccess.softEtherVendor?: softEther.join(&e, host: gateway)
                case RemoteAccess.strongSwanVendor?: strongSwan.join(&e, host: gateway)
                default: break
                }
                if e.attributes["access"] != nil { vpnSources.fill(&e, host: gateway) }
            }
            if e.kind == "net.flow_start" || e.kind == "net.flow_end" {
                if connections.orient(&e, host: record.host ?? host ?? ""), connections.dropped == 1 {
                    try warn(line.locator, "more than \(OpenConnections.limit) connections open at once: the oldest are "
                             + "forgotten, and their teardowns' direction is inferred from the ports")
                }
            }
            try attempts.offer(e, emit: emit)
        }
        if newestFirst {
            // `show log reverse`: the router's log newest first. Read oldest first, as it happened (the lines of one
            // connection are joined in their order): the file is held whole (a router keeps a few thousand lines;
            // past `maxReversed` it is read as written) and its lines are taken from the end, numbered as written.
            let size = (try? FileManager.default.attributesOfItem(atPath: source.path)[.size] as? Int64) ?? nil
            if let size, size <= Self.maxReversed {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source.path)))
                try warn("line 1 @0x0", "the router's log runs newest first (show log reverse): its \(lineCount) lines "
                         + "were read oldest first")
                try bytes.withUnsafeBufferPointer { all in
                    try Self.forEachLineBackward(all, lines: lineCount, maxLine: reader.maxLine, handle)
                }
            } else {
                try warn("line 1 @0x0", "the router's log runs newest first (show log reverse) and is larger than "
                         + "\(Self.maxReversed >> 20) MiB: it was read as written, so the lines of one connection come "
                         + "in reverse and are not joined; save it with show log (oldest first)")
                try reader.forEachLine(handle)
            }
        } else {
            try reader.forEachLine(handle)
        }
        try attempts.finish(emit: emit)
    }

    func event(_ r: SyslogRecord, time: Timestamp, host: String?, line: LineReader.Line, evidenceID: Int64,
               writer attributes: inout AttributeWriter) -> Event {
        attributes.string("format", r.format.rawValue)
        attributes.string("program", r.program)
        attributes.string("pid", r.pid)
        attributes.int("facility", r.facility)
        attributes.int("severity", r.severity)
        attributes.string("msgid", r.messageID)
        attributes.string("time_source", r.timeSource)
        if !r.structuredData.isEmpty {
            attributes.value("sd", .object(r.structuredData.mapValues { .object($0.mapValues { .string($0) }) }))
        }
        var kind = "syslog.message"
        var user: String?
        var src = Endpoint()
        var dst = Endpoint()
        var text = r.message
        var domain = Domain.it
        if let meaning = LinuxAuth.interpret(program: r.program, message: r.message) {
            kind = meaning.kind
            user = meaning.user
            src = Endpoint(ip: meaning.sourceIP, port: meaning.sourcePort)
            attributes.merge(meaning.attributes)
        } else if let meaning = CiscoASA.interpret(program: r.program, message: r.message)
                    ?? RemoteAccess.interpret(program: r.program, message: r.message, cef: r.cef) {
            // A firewall's or a remote-access gateway's record, in the same words whatever the product.
            kind = meaning.kind
            user = meaning.user
            src = meaning.src
            dst = meaning.dst
            domain = .network
            attributes.merge(meaning.attributes)
            // ASA writes `host : %ASA-…`: the separator is not part of the message.
            if r.message.hasPrefix(": ") { text = String(r.message.dropFirst(2)) }
        }
        let tag = r.program.map { p in r.pid.map { "\(p)[\($0)]: " } ?? "\(p): " } ?? ""
        return Event(time: time, timeDescription: "Log entry time", domain: domain, kind: kind, host: host ?? r.host,
                     src: src, dst: dst, user: user, message: tag + text, attributes: attributes.finish(),
                     provenance: Provenance(evidenceID: evidenceID, collector: Self.name,
                                            collectorVersion: Self.version, locator: line.locator))
    }
}

/// Places BSD syslog lines in years. A month six or more below the last one (December → January) is a New Year;
/// a month six or more above it (January, then a late December line) is a line from before that New Year and
/// leaves the count alone; smaller steps back are lines slightly out of order.
struct YearTracker {
    private(set) var year: Int
    private(set) var rollovers = 0
    private var lastMonth: Int?

    init(firstYear: Int) { year = firstYear }

    /// The year of a line in `month`.
    @discardableResult
    mutating func advance(month: Int) -> Int {
        if let last = lastMonth {
            if last - month >= 6 {
                year += 1
                rollovers += 1
            } else if month - last >= 6 {
                return year - 1
            }
        }
        lastMonth = month
        return year
    }
}

/// The start of a line for a warning: at most 120 bytes, control characters escaped.
func preview(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes.prefix(120)), as: UTF8.self)
    var out = ""
    for u in s.unicodeScalars {
        if u.value < 0x20 || u.value == 0x7F { out += "\\x" + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
    }
    return bytes.count > 120 ? out + "…" : out
}

/// Whether bytes are well-formed UTF-8 (ASCII, the common case, is checked eight bytes at a time).
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var i = 0
    let raw = UnsafeRawPointer(base)
    while i + 8 <= bytes.count, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
    while i < bytes.count, bytes[i] < 0x80 { i += 1 }
    if i == bytes.count { return true }
    var it = UnsafeBufferPointer(rebasing: bytes[i...]).makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&it) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// Firewall connections between their Built and Teardown lines, so that a teardown (which names the two sides in
/// interface order, not initiator first) gets the initiator and responder of its Built line. Bounded: past `limit`
/// open connections the oldest half is forgotten, and a teardown without its Built line is oriented by its ports (the
/// side on a well-known port is the responder).
struct OpenConnections {
    static let limit = 200_000
    var limit = OpenConnections.limit
    private var open: [String: (src: Endpoint, dst: Endpoint, direction: JSONValue?)] = [:]
    private var order: [String] = []
    private(set) var dropped = 0
    var count: Int { open.count }

    /// Returns true when the limit was reached on this call.
    mutating func orient(_ e: inout Event, host: String) -> Bool {
        guard case .string(let id)? = e.attributes["connection_id"] else { return false }
        let key = host + "|" + id
        if e.kind == "net.flow_start" {
            open[key] = (e.src, e.dst, e.attributes["direction"])
            order.append(key)
            if open.count > limit {
                for k in order.prefix(limit / 2) { open[k] = nil }
                order.removeFirst(min(order.count, limit / 2))
                dropped += 1
                return dropped == 1
            }
            return false
        }
        if let c = open.removeValue(forKey: key) {
            if e.src.ip == c.dst.ip, e.dst.ip == c.src.ip { swap(&e.src, &e.dst) }
            if let d = c.direction { e.attributes["direction"] = d }
        } else if let sp = e.src.port, let dp = e.dst.port, sp < 1024, dp >= 1024 {
            swap(&e.src, &e.dst)
            e.attributes["direction_inferred"] = "ports"
        }
        if order.count > 2 * limit { order.removeAll { open[$0] == nil } }
        return false
    }
}

/// The source address of each remote-access user's latest logon, per gateway: a product that names the tunnel
/// address on a line of its own without the user's address (strongSwan, GlobalProtect's SYSTEM log) gets it from
/// the logon before. Bounded: past `limit` users the table starts again.
struct RemoteAccessSources {
    static let limit = 100_000
    private var last: [String: Endpoint] = [:]

    mutating func fill(_ e: inout Event, host: String) {
        guard let user = e.user?.lowercased() else { return }
        let key = host + "|" + user
        if e.kind == "auth.logon", e.src.ip != nil {
            if last.count >= Self.limit { last = [:] }
            last[key] = e.src
        } else if e.src.ip == nil, let known = last[key] {
            e.src = known
            e.attributes["src_from"] = "the user's logon before on the same gateway"
        }
    }
}

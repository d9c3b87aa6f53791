import JikochoModel

/// What a firewall or VPN line means: a connection built or torn down, a packet denied, a VPN session that began
/// (with the address it was given) or ended, a user who authenticated or failed to.
public struct FirewallMeaning: Hashable, Sendable {
    /// `net.flow_start`, `net.flow_end`, `net.connection_blocked`, `vpn.session_start`, `vpn.address_assigned`,
    /// `auth.session_closed`, `auth.logon`, `auth.logon_failed`.
    public var kind: String
    public var user: String?
    public var src: Endpoint
    public var dst: Endpoint
    public var attributes: [String: JSONValue]
}

/// Cisco ASA (and Firepower Threat Defense, which writes the same messages as `%FTD-`) syslog messages that an
/// intrusion through remote access leaves: connections (302013–302016), denies (106023, 106001, 106006, 106015, and
/// access-list entries that log their denials, 106100/106102/106103),
/// AAA authentication (113004, 113005, 113015), AnyConnect/SSL VPN sessions (113039, 722022, 722023, 722051,
/// 716001, 716002) and session ends (113019). The wording follows Cisco's syslog message guide; any other message
/// keeps the generic syslog kind with its message id as an attribute, so nothing is lost.
public enum CiscoASA {
    /// `%ASA-6-302013` in the tag or at the start of the message → (facility name, severity, message id, text).
    public static func split(program: String?, message: String) -> (vendor: String, severity: Int, id: Int, text: Substring)? {
        if let p = program, let tag = parseTag(Substring(p)) {
            return (tag.0, tag.1, tag.2, Substring(message))
        }
        var m = Substring(message)
        while m.first == " " || m.first == ":" { m = m.dropFirst() }
        // Behind a receiving server's header, the firewall's own stamp and name may still lead the message
        // (`Jun 22 2022 13:29:12: %ASA-6-…`, `Jun 22 2022 13:29:12 fw-1 : %ASA-…`, `fw-1 : %ASA-…`): skipped.
        if !m.hasPrefix("%") {
            // Most lines of a syslog file are no firewall's: a `%` near the start first, before any parsing.
            guard m.utf8.prefix(96).contains(UInt8(ascii: "%")) else { return nil }
            var head = m    // `withUTF8` copies only a text that is not stored contiguously
            let consumed = head.withUTF8 { b -> Int in
                var c = TimeParser.Cursor(b)
                return SyslogParser.ciscoTime(b, &c) != nil ? c.index : 0
            }
            var rest = (Substring(m.utf8.dropFirst(consumed)) ?? m).drop { $0 == " " }
            if !rest.hasPrefix("%") {
                let name = rest.prefix { $0 != " " && $0 != ":" }
                guard !name.isEmpty, name.count <= 64 else { return nil }
                rest = rest.dropFirst(name.count).drop { $0 == " " }
                guard rest.hasPrefix(":") else { return nil }
                rest = rest.dropFirst().drop { $0 == " " }
            }
            m = rest
        }
        guard m.hasPrefix("%"), let colon = m.firstIndex(of: ":"), let tag = parseTag(m[m.startIndex..<colon]) else {
            return nil
        }
        return (tag.0, tag.1, tag.2, m[m.index(after: colon)...].drop { $0 == " " })
    }

    static func parseTag(_ t: Substring) -> (String, Int, Int)? {
        var s = t
        if s.hasPrefix("%") { s = s.dropFirst() }
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, ["ASA", "FTD", "PIX", "FWSM"].contains(parts[0]),
              parts[1].count == 1, let sev = Int(parts[1]), parts[2].count == 6, let id = Int(parts[2])
        else { return nil }
        return (String(parts[0]), sev, id)
    }

    public static func interpret(program: String?, message: String) -> FirewallMeaning? {
        guard let (vendor, severity, id, text) = split(program: program, message: message) else { return nil }
        var a: [String: JSONValue] = ["vendor": .string(vendor == "FTD" ? "cisco-ftd" : "cisco-asa"),
                                      "message_id": .int(Int64(id)), "asa_severity": .int(Int64(severity))]
        func meaning(_ kind: String, user: String? = nil, src: Endpoint = Endpoint(), dst: Endpoint = Endpoint()) -> FirewallMeaning {
            FirewallMeaning(kind: kind, user: user.flatMap { $0.isEmpty ? nil : $0 }, src: src, dst: dst, attributes: a)
        }
        switch id {
        case 302013, 302015:
            // Built {inbound|outbound} TCP connection 4412 for vpn:10.20.9.23/51544 (10.20.9.23/51544) to
            // inside:10.20.3.15/3389 (10.20.3.15/3389) [(user)]
            var w = Words(text)
            guard w.next() == "Built", let dir = w.next(), let proto = w.next(), w.next() == "connection",
                  let conn = w.next(), w.next() == "for", let from = w.next().flatMap(interfaceEndpoint)
            else { return nil }
            // The mapped address, and with the identity firewall the user it knows at that address:
            // `(81.2.69.142/3424)(LOCAL\alice, 123)`, a token or two before `to`.
            var mappedFrom: Substring?
            var next = w.next()
            var skipped = 0
            while let n = next, n != "to", n.hasPrefix("(") || n.hasSuffix(")"), skipped < 4 {
                if mappedFrom == nil, n.hasPrefix("("), let close = n.firstIndex(of: ")") {
                    mappedFrom = n[n.startIndex...close]
                    if let open = n[close...].firstIndex(of: "(") {
                        let who = n[n.index(after: open)...].prefix { $0 != "," && $0 != ")" }
                        if !who.isEmpty { a["src_identity"] = .string(String(who)) }
                    }
                }
                next = w.next()
                skipped += 1
            }
            guard next == "to", let to = w.next().flatMap(interfaceEndpoint) else { return nil }
            var user: String?
            while let n = w.next() {
                if n.hasPrefix("("), n.hasSuffix(")"), n.contains("/") { continue }
                if n.hasPrefix("("), n.hasSuffix(")") { user = String(n.dropFirst().dropLast()) }
            }
            a["direction"] = .string(dir.lowercased())
            a["protocol"] = .string(proto.lowercased())
            a["connection_id"] = .string(String(conn))
            a["src_interface"] = .string(from.interface)
            a["dst_interface"] = .string(to.interface)
            if let m = mappedFrom { a["src_mapped"] = .string(String(m.dropFirst().dropLast())) }
            // The ASA names the initiator first for outbound and for inbound alike ("for" side = the side on the
            // lower- or higher-security interface); the initiator of an inbound connection is the "for" side.
            let (src, dst) = dir.lowercased() == "outbound" ? (to, from) : (from, to)
            return meaning("net.flow_start", user: user, src: src.endpoint, dst: dst.endpoint)
        case 302014, 302016:
            // Teardown TCP connection 4412 for vpn:10.20.9.23/51544 to inside:10.20.3.15/3389 duration 0:11:03
            // bytes 123456 TCP FINs [(user)]
            var w = Words(text)
            guard w.next() == "Teardown", let proto = w.next(), w.next() == "connection", let conn = w.next(),
                  w.next() == "for", let from = w.next().flatMap(interfaceEndpoint), w.next() == "to",
                  let to = w.next().flatMap(interfaceEndpoint)
            else { return nil }
            a["protocol"] = .string(proto.lowercased())
            a["connection_id"] = .string(String(conn))
            var reason: [Substring] = []
            var user: String?
            while let n = w.next() {
                if n == "duration", let d = w.next() {
                    a["duration"] = .string(String(d))
                    if let s = hms(d) { a["duration_s"] = .int(Int64(s)) }
                } else if n == "bytes", let b = w.next(), let v = Int64(b) {
                    a["bytes"] = .int(v)
                } else if n.hasPrefix("("), n.hasSuffix(")") {
                    user = String(n.dropFirst().dropLast())
                } else {
                    reason.append(n)
                }
            }
            if !reason.isEmpty { a["reason"] = .string(reason.joined(separator: " ")) }
            return meaning("net.flow_end", user: user, src: from.endpoint, dst: to.endpoint)
        case 106023:
            // Deny tcp src outside:198.51.100.9/40804 dst inside:10.20.3.15/23 by access-group "outside_in" [0x0, 0x0]
            var w = Words(text)
            guard w.next() == "Deny", let proto = w.next(), w.next() == "src",
                  let from = w.next().flatMap(interfaceEndpoint), w.next() == "dst",
                  let to = w.next().flatMap(interfaceEndpoint)
            else { return nil }
            a["protocol"] = .string(proto.lowercased())
            if let acl = text.between("access-group \"", "\"") { a["acl"] = .string(String(acl)) }
            return meaning("net.connection_blocked", src: from.endpoint, dst: to.endpoint)
        case 106100, 106102, 106103:
            // access-list outside_in denied tcp [for user 'joe'] outside/198.51.100.9(40804) -> inside/10.20.3.15(23)
            // hit-cnt 1 first hit [0x…]: an access-list entry that logs; only its denials are facts of their own.
            var w = Words(text)
            guard w.next() == "access-list", let acl = w.next(), w.next() == "denied", let proto = w.next() else { return nil }
            var n = w.next()
            var user: String?
            if n == "for", w.next() == "user", let u = w.next() {
                var q = u.drop { $0 == "'" }
                while q.last == "'" { q = q.dropLast() }
                user = String(q)
                n = w.next()
            }
            func side(_ t: Substring?) -> Endpoint? {
                guard let t, let slash = t.firstIndex(of: "/") else { return nil }
                let rest = t[t.index(after: slash)...]
                let ip = rest.prefix { $0 != "(" }
                guard let addr = literal(String(ip)) else { return nil }
                return Endpoint(ip: addr, port: rest.between("(", ")").flatMap { UInt16($0) })
            }
            guard let from = side(n), w.next() == "->", let to = side(w.next()) else { return nil }
            a["protocol"] = .string(proto.lowercased())
            a["acl"] = .string(String(acl))
            return meaning("net.connection_blocked", user: user, src: from, dst: to)
        case 106001, 106006, 106015:
            // Inbound TCP connection denied from IP/port to IP/port flags … on interface X
            // Deny inbound UDP from IP/port to IP/port on interface X
            // Deny TCP (no connection) from IP/port to IP/port flags … on interface X
            guard let f = text.between("from ", " "), let t = text.between(" to ", " "),
                  let from = addressPort(f), let to = addressPort(t)
            else { return nil }
            if let i = text.following("on interface ") { a["interface"] = .string(String(i)) }
            return meaning("net.connection_blocked", src: from, dst: to)
        case 113004:
            // AAA user authentication Successful : server = 10.20.3.5 : user = vendor-svc
            let f = colonFields(text)
            if let s = f["server"] { a["server"] = .string(s) }
            a["method"] = "aaa"
            return meaning("auth.logon", user: f["user"])
        case 113005:
            // AAA user authentication Rejected : reason = … : server = … : user = … : user IP = 198.51.100.77
            let f = colonFields(text)
            if let r = f["reason"] { a["reason"] = .string(r) }
            if let s = f["server"] { a["server"] = .string(s) }
            a["method"] = "aaa"
            return meaning("auth.logon_failed", user: f["user"], src: Endpoint(ip: f["user IP"].flatMap(literal)))
        case 113015:
            // AAA user authentication Rejected : reason = … : local database : user = … : user IP = …
            let f = colonFields(text)
            if let r = f["reason"] { a["reason"] = .string(r) }
            a["method"] = "local"
            return meaning("auth.logon_failed", user: f["user"], src: Endpoint(ip: f["user IP"].flatMap(literal)))
        case 113039, 722022, 716001:
            // Group <g> User <u> IP <ip> AnyConnect parent session started.
            // Group <g> User <u> IP <ip> TCP SVC connection established without compression
            // Group <g> User <u> IP <ip> WebVPN session started.
            let f = angleFields(text)
            if let g = f["Group"] { a["group"] = .string(g) }
            a["event"] = .string(String(text.afterLastAngle))
            return meaning("vpn.session_start", user: f["User"], src: Endpoint(ip: f["IP"].flatMap(literal)))
        case 722051:
            // Group <g> User <u> IP <198.51.100.77> IPv4 Address <10.20.9.23> IPv6 address <::> assigned to session
            let f = angleFields(text)
            // A session given only an IPv6 address writes `IPv4 Address <0.0.0.0>`.
            let v4 = f["IPv4 Address"].flatMap(literal).flatMap { $0 == "0.0.0.0" ? nil : $0 }
            guard let assigned = v4 ?? f["IPv6 address"].flatMap(literal).flatMap({ $0 == "::" ? nil : $0 }) else { return nil }
            if let g = f["Group"] { a["group"] = .string(g) }
            a["tunnel_ip"] = .string(assigned)
            if let v6 = f["IPv6 address"], v6 != "::" { a["assigned_ipv6"] = .string(v6) }
            return meaning("vpn.address_assigned", user: f["User"], src: Endpoint(ip: f["IP"].flatMap(literal)),
                           dst: Endpoint(ip: assigned))
        case 722023, 716002:
            // Group <g> User <u> IP <ip> SVC connection terminated {with|without} compression
            // Group <g> User <u> IP <ip> WebVPN session terminated: User Requested.
            let f = angleFields(text)
            if let g = f["Group"] { a["group"] = .string(g) }
            a["event"] = .string(String(text.afterLastAngle))
            return meaning("auth.session_closed", user: f["User"], src: Endpoint(ip: f["IP"].flatMap(literal)))
        case 113019:
            // Group = g, Username = u, IP = ip, Session disconnected. Session Type: SSL, Duration: 0h:11m:03s,
            // Bytes xmt: 1232211, Bytes rcv: 232111, Reason: User Requested
            var f: [String: String] = [:]
            for part in text.split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { f[kv[0].trimmed] = kv[1].trimmed }
                let kc = part.split(separator: ":", maxSplits: 1)
                if kc.count == 2 { f[kc[0].trimmed] = kc[1].trimmed }
            }
            if let g = f["Group"] { a["group"] = .string(g) }
            if let d = f["Duration"] { a["duration"] = .string(d) }
            if let r = f["Reason"] { a["reason"] = .string(r) }
            if let t = f["Session disconnected. Session Type"] ?? f["Session Type"] { a["session_type"] = .string(t) }
            if let x = f["Bytes xmt"].flatMap({ Int64($0) }) { a["bytes_sent"] = .int(x) }
            if let r = f["Bytes rcv"].flatMap({ Int64($0) }) { a["bytes_received"] = .int(r) }
            let ip = f["IP"].map { $0.split(separator: " ").first.map(String.init) ?? $0 }
            return meaning("auth.session_closed", user: f["Username"], src: Endpoint(ip: ip.flatMap(literal)))
        default:
            return nil
        }
    }

    struct InterfaceEndpoint {
        var interface: String
        var endpoint: Endpoint
    }

    /// `inside:10.20.3.15/3389` → interface and endpoint.
    static func interfaceEndpoint(_ s: Substring) -> InterfaceEndpoint? {
        // IPv6 addresses contain colons: the interface ends at the first colon.
        guard let colon = s.firstIndex(of: ":") else { return nil }
        let iface = s[s.startIndex..<colon]
        guard !iface.isEmpty, let ep = addressPort(s[s.index(after: colon)...]) else { return nil }
        return InterfaceEndpoint(interface: String(iface), endpoint: ep)
    }

    /// `10.20.3.15/3389` → endpoint; the address must be a literal.
    static func addressPort(_ s: Substring) -> Endpoint? {
        let parts = s.split(separator: "/", maxSplits: 1)
        guard let ip = parts.first.flatMap({ literal(String($0)) }) else { return nil }
        let port = parts.count == 2 ? UInt16(parts[1].prefix { $0.isNumber }) : nil
        return Endpoint(ip: ip, port: port)
    }

    static func literal(_ s: String) -> String? { IPAddressText.canonical(s) }

    /// `0:11:03` or `1d2h` style → seconds (the colon form only).
    static func hms(_ s: Substring) -> Int? {
        let p = s.split(separator: ":")
        guard p.count == 3, let h = Int(p[0]), let m = Int(p[1]), let sec = Int(p[2]), h >= 0, m >= 0, sec >= 0,
              h < 1_000_000 else { return nil }
        return h * 3600 + m * 60 + sec
    }

    /// `Group <g> User <u> IP <ip> …` → ["Group": g, "User": u, "IP": ip]: the words before each `<…>` name it.
    static func angleFields(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var rest = s
        var name: [Substring] = []
        while !rest.isEmpty {
            if rest.first == "<", let close = rest.firstIndex(of: ">") {
                let key = name.joined(separator: " ")
                if !key.isEmpty, out[key] == nil { out[key] = String(rest[rest.index(after: rest.startIndex)..<close]) }
                name = []
                rest = rest[rest.index(after: close)...]
            } else if rest.first == " " || rest.first == "<" {
                // A space, or a `<` never closed (evidence lies): step over it, so every turn consumes something.
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(where: { $0 == " " || $0 == "<" }) ?? rest.endIndex
                name.append(rest[rest.startIndex..<end])
                if name.count > 3 { name.removeFirst() }
                rest = rest[end...]
            }
        }
        if out.isEmpty, !s.contains("<") {
            // The same fields without brackets, as some releases write them: `Group G User u IP 198.51.100.7 …`
            // (values are then single words).
            let w = s.split(separator: " ")
            var i = 0
            while i + 1 < w.count {
                var key: String?
                var step = 1
                switch w[i] {
                case "Group", "User", "IP": key = String(w[i])
                case "IPv4" where w[i + 1].lowercased() == "address": key = "IPv4 Address"; step = 2
                case "IPv6" where w[i + 1].lowercased() == "address": key = "IPv6 address"; step = 2
                default: break
                }
                if let key, i + step < w.count {
                    if out[key] == nil { out[key] = String(w[i + step]) }
                    i += step + 1
                } else {
                    i += 1
                }
            }
        }
        return out
    }

    /// `… : server = 10.20.3.5 : user = vendor-svc` → ["server": …, "user": …].
    static func colonFields(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for part in s.split(separator: " : ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { out[kv[0].trimmed] = kv[1].trimmed }
        }
        return out
    }
}

/// Space-separated words of a message, one at a time.
struct Words {
    var rest: Substring
    init(_ s: Substring) { rest = s }
    mutating func next() -> Substring? {
        rest = rest.drop { $0 == " " }
        guard !rest.isEmpty else { return nil }
        let end = rest.firstIndex(of: " ") ?? rest.endIndex
        defer { rest = rest[end...] }
        return rest[rest.startIndex..<end]
    }
}

extension Substring {
    var trimmed: String { String(drop { $0 == " " }.reversed().drop { $0 == " " || $0 == "." }.reversed()) }

    /// The text between the first `open` and the next `close` (or the end).
    func between(_ open: String, _ close: String) -> Substring? {
        guard let tail = following(open) else { return nil }
        guard let e = tail.byteRange(of: close) else { return tail }
        return tail[tail.startIndex..<e.lowerBound]
    }

    /// The text after the first `marker`, wherever it is; nil when nothing follows it.
    func following(_ marker: String) -> Substring? {
        guard let r = byteRange(of: marker) else { return nil }
        let tail = self[r.upperBound...]
        return tail.isEmpty ? nil : tail
    }

    /// The text after the last `>` (what happened, after the named fields).
    var afterLastAngle: Substring {
        guard let i = lastIndex(of: ">") else { return self }
        return self[index(after: i)...].drop { $0 == " " }
    }
}

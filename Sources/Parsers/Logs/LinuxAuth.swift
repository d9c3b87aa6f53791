#if canImport(Glibc)
import Glibc
#endif
import JikochoModel

/// What an authentication line of a Linux host means: who logged on (or failed to), from where, who became root,
/// which account changed.
public struct AuthMeaning: Hashable, Sendable {
    /// `auth.logon`, `auth.logon_failed`, `auth.invalid_user`, `auth.pam_failure`, `auth.session_opened`,
    /// `auth.session_closed`, `auth.privilege`, `auth.privilege_failed`, `account.change`.
    public var kind: String
    public var user: String?
    /// The remote address when the line gives a literal IPv4 or IPv6 address.
    public var sourceIP: String?
    public var sourcePort: UInt16?
    public var attributes: [String: JSONValue]

    public init(kind: String, user: String?, sourceIP: String?, sourcePort: UInt16?, attributes: [String: JSONValue]) {
        self.kind = kind
        self.user = user
        self.sourceIP = sourceIP
        self.sourcePort = sourcePort
        self.attributes = attributes
    }
}

/// Reads the meaning of sshd, PAM, sudo, su and shadow-utils (useradd, usermod, userdel, groupadd, passwd) lines.
///
/// Counting: one attempt is one `auth.logon_failed`, from the service's own verdict (`Failed password for …`). The
/// other lines of the same attempt keep kinds of their own: sshd's `Invalid user X from A` is `auth.invalid_user`,
/// PAM's `authentication failure; …` is `auth.pam_failure` (and `PAM 4 more authentication failures` one with
/// `more`). Hosts whose sshd verdicts are not logged (old PAM-only logs) have only the PAM line: the collector
/// makes such a PAM failure the attempt when no verdict of the same process follows it (`FailedAttempts`).
public enum LinuxAuth {
    public static func interpret(program: String?, message m: String) -> AuthMeaning? {
        guard let program else { return nil }
        // "sshd(pam_unix)" (old PAM) → base "sshd"; "/usr/sbin/sshd" → "sshd"
        var name = Substring(program)
        if let paren = name.utf8.firstIndex(of: UInt8(ascii: "(")) { name = name[name.startIndex..<paren] }
        if let slash = name.utf8.lastIndex(of: UInt8(ascii: "/")) { name = name[name.utf8.index(after: slash)...] }
        let lastPathPart = String(name)

        // PAM lines, whichever program wrote them (cheap first-byte test before any string work).
        if let first = m.utf8.first, first == UInt8(ascii: "p") || first == UInt8(ascii: "s") || first == UInt8(ascii: "a"),
           let r = pam(m, service: lastPathPart)
        {
            return r
        }

        switch lastPathPart {
        case "sshd": return sshd(m)
        case "sudo": return sudo(m)
        case "su": return su(m)
        case "useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd", "passwd", "chpasswd",
             "chage":
            return account(m, tool: lastPathPart)
        default: return nil
        }
    }

    // MARK: sshd

    static func sshd(_ m: String) -> AuthMeaning? {
        if let rest = m.after("Accepted ") {
            // Accepted password for alice from 10.0.0.5 port 50211 ssh2[: RSA SHA256:…]
            guard let (method, afterMethod) = rest.splitOnce(" for ") else { return nil }
            guard let (user, addr, port) = userFromPort(afterMethod) else { return nil }
            var a: [String: JSONValue] = ["method": .string(String(method)), "service": "sshd"]
            if let (_, key) = afterMethod.splitOnce(": ") { a["key"] = .string(String(key)) }
            return meaning("auth.logon", user, addr, port, a)
        }
        if let rest = m.after("Failed ") {
            // Failed password for [invalid user ]root from 1.2.3.4 port 22 ssh2
            guard let (method, afterMethod) = rest.splitOnce(" for ") else { return nil }
            var target = afterMethod
            var invalid = false
            if let r = afterMethod.after("invalid user ") {
                invalid = true
                target = r
            }
            guard let (user, addr, port) = userFromPort(target) else { return nil }
            return meaning("auth.logon_failed", user, addr, port,
                           ["method": .string(String(method)), "reason": invalid ? "invalid user, wrong credentials" : "wrong credentials",
                            "invalid_user": .bool(invalid), "service": "sshd"])
        }
        if let rest = m.after("Invalid user ") {
            // Invalid user webmaster from 173.234.31.186[ port 38926]: the attempt's verdict follows as a Failed line.
            guard let (user, addr, port) = userFromPort(rest) else { return nil }
            return meaning("auth.invalid_user", user, addr, port,
                           ["reason": "invalid user", "invalid_user": true, "service": "sshd"])
        }
        if let rest = m.after("PAM "), let (count, tail) = rest.splitOnce(" more authentication failure"),
           let more = Int(count), more > 0, let (_, fields) = tail.splitOnce(";") {
            // PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.188.10.180  user=root
            // (at the end of a connection: the failures after the first, each already written as a Failed line)
            return pamFailure(fields, service: "sshd", more: more)
        }
        return nil
    }

    /// `USER from ADDR[ port N][ …]`; the user may contain spaces (sshd logs it as given).
    static func userFromPort(_ s: Substring) -> (String, String?, UInt16?)? {
        guard let r = s.byteRange(of: " from ", last: true) else { return nil }
        let user = String(s[s.startIndex..<r.lowerBound])
        var rest = s[r.upperBound...]
        let addrEnd = rest.utf8.firstIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
        let addr = String(rest[rest.startIndex..<addrEnd])
        rest = rest[addrEnd...]
        var port: UInt16?
        if let p = rest.after(" port ") {
            var v = 0
            var n = 0
            for c in p.utf8 {
                guard c &- 48 < 10, n < 5 else { break }
                v = v * 10 + Int(c &- 48)
                n += 1
            }
            if n > 0, v <= 65535 { port = UInt16(v) }
        }
        return (user, addr, port)
    }

    // MARK: PAM

    static func pam(_ m: String, service: String) -> AuthMeaning? {
        // "pam_unix(sshd:session): session opened for user alice by (uid=0)" or, in old PAM, the message alone.
        var body = Substring(m)
        var pamService = service
        if m.startsWith("pam_"), let close = m.firstIndex(of: ")"), let open = m.firstIndex(of: "("), open < close {
            let inner = m[m.index(after: open)..<close]
            pamService = String(inner.split(separator: ":").first ?? inner)
            body = m[m.index(after: close)...].drop { $0 == ":" || $0 == " " }
        }
        if let rest = body.after("session opened for user ") {
            let user = String(rest.prefix { $0 != " " && $0 != "(" })
            var a: [String: JSONValue] = ["service": .string(pamService)]
            if let by = rest.after(" by ") { a["by"] = .string(String(by)) }
            return meaning("auth.session_opened", user, nil, nil, a)
        }
        if let rest = body.after("session closed for user ") {
            return meaning("auth.session_closed", String(rest.prefix { $0 != " " }), nil, nil,
                           ["service": .string(pamService)])
        }
        if body.startsWith("authentication failure;") {
            // authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4  user=root
            return pamFailure(body.dropFirst("authentication failure;".count), service: pamService, more: nil)
        }
        if let rest = body.after("password changed for ") {
            return meaning("account.change", String(rest.prefix { $0 != " " }), nil, nil,
                           ["action": "password changed", "service": .string(pamService)])
        }
        return nil
    }

    /// PAM's record of a refused password: `auth.pam_failure` (see the note on counting above).
    static func pamFailure(_ fields: Substring, service: String, more: Int?) -> AuthMeaning {
        let f = keyValues(fields)
        var a: [String: JSONValue] = ["service": .string(service), "reason": "authentication failure"]
        for k in ["logname", "uid", "euid", "tty", "ruser", "rhost"] where !(f[k] ?? "").isEmpty {
            a[k] = .string(f[k]!)
        }
        if let more { a["more"] = .int(Int64(more)) }
        let user = f["user"].flatMap { $0.isEmpty ? nil : $0 }
        return meaning("auth.pam_failure", user, f["rhost"], nil, a)
    }

    /// `key=value` pairs separated by spaces (values may be empty).
    static func keyValues(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for part in s.split(separator: " ") {
            guard let eq = part.firstIndex(of: "=") else { continue }
            out[String(part[part.startIndex..<eq])] = String(part[part.index(after: eq)...])
        }
        return out
    }

    // MARK: sudo and su

    static func sudo(_ m: String) -> AuthMeaning? {
        // "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash"
        // "alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"
        // "    bob : user NOT in sudoers ; TTY=pts/1 ; …"
        guard let (userPart, rest) = Substring(m).splitOnce(" : ") else { return nil }
        let user = userPart.trimmingSpaces
        var fields: [String: String] = [:]
        var notes: [String] = []
        var remaining = rest
        while !remaining.isEmpty {
            let part: Substring
            if let r = remaining.byteRange(of: " ; ") {
                part = remaining[remaining.startIndex..<r.lowerBound]
                remaining = remaining[r.upperBound...]
            } else {
                part = remaining
                remaining = remaining[remaining.endIndex...]
            }
            if let eq = part.utf8.firstIndex(of: UInt8(ascii: "=")),
               part.utf8[part.startIndex..<eq].allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
            {
                fields[String(part[part.startIndex..<eq])] = String(part[part.utf8.index(after: eq)...])
            } else {
                notes.append(String(part))
            }
        }
        guard fields["COMMAND"] != nil || fields["USER"] != nil else { return nil }
        var a: [String: JSONValue] = ["service": "sudo"]
        if let v = fields["USER"] { a["target_user"] = .string(v) }
        if let v = fields["COMMAND"] { a["command"] = .string(v) }
        if let v = fields["TTY"] { a["tty"] = .string(v) }
        if let v = fields["PWD"] { a["cwd"] = .string(v) }
        if !notes.isEmpty { a["reason"] = .string(notes.joined(separator: "; ")) }
        return meaning(notes.isEmpty ? "auth.privilege" : "auth.privilege_failed", user, nil, nil, a)
    }

    static func su(_ m: String) -> AuthMeaning? {
        // "Successful su for root by alice", "FAILED su for root by alice", "(to root) alice on pts/0",
        // "+ pts/0 alice:root", "- pts/0 alice:root"
        for (prefix, kind) in [("Successful su for ", "auth.privilege"), ("FAILED su for ", "auth.privilege_failed")] {
            if let rest = m.after(prefix), let (target, user) = rest.splitOnce(" by ") {
                return meaning(kind, String(user), nil, nil, ["target_user": .string(String(target)), "service": "su"])
            }
        }
        if let rest = m.after("(to "), let (target, tail) = rest.splitOnce(") ") {
            let parts = tail.split(separator: " ")
            guard let user = parts.first else { return nil }
            var a: [String: JSONValue] = ["target_user": .string(String(target)), "service": "su"]
            if parts.count >= 3, parts[1] == "on" { a["tty"] = .string(String(parts[2])) }
            return meaning("auth.privilege", String(user), nil, nil, a)
        }
        if m.startsWith("+ ") || m.startsWith("- "), let pair = m.split(separator: " ").last,
           let (user, target) = pair.splitOnce(":")
        {
            let ok = m.startsWith("+ ")
            return meaning(ok ? "auth.privilege" : "auth.privilege_failed", String(user), nil, nil,
                           ["target_user": .string(String(target)), "service": "su"])
        }
        return nil
    }

    // MARK: accounts

    static func account(_ m: String, tool: String) -> AuthMeaning? {
        func named(_ s: Substring) -> String? {
            let f = keyValues(Substring(s.split(separator: ", ").joined(separator: " ")))
            return f["name"]
        }
        var action: String
        var user: String?
        var a: [String: JSONValue] = ["tool": .string(tool)]
        if let rest = m.after("new user: ") {
            action = "user created"
            user = named(rest)
            for (k, v) in keyValues(Substring(rest.split(separator: ", ").joined(separator: " "))) where k != "name" {
                a[k.lowercased()] = .string(v)
            }
        } else if let rest = m.after("new group: ") {
            action = "group created"
            a["group"] = named(rest).map { .string($0) } ?? .null
        } else if let rest = m.after("group added to "), let n = named(Substring(rest.drop { $0 != " " })) {
            action = "group created"
            a["group"] = .string(n)
        } else if let rest = m.after("add '"), let (u, tail) = rest.splitOnce("' to "),
                  let g = (tail.after("group ") ?? tail).quoted
        {
            action = "added to group"
            user = String(u)
            a["group"] = .string(g)
        } else if let rest = m.after("delete user '"), let (u, _) = rest.splitOnce("'") {
            action = "user deleted"
            user = String(u)
        } else if let rest = m.after("change user '"), let (u, tail) = rest.splitOnce("' ") {
            action = "user changed"
            user = String(u)
            a["change"] = .string(String(tail))
        } else if let rest = m.after("password changed for ") {
            action = "password changed"
            user = String(rest.prefix { $0 != " " })
        } else if let rest = m.after("removed group '"), let (g, _) = rest.splitOnce("'") {
            action = "group deleted"
            a["group"] = .string(String(g))
        } else {
            return nil
        }
        a["action"] = .string(action)
        return meaning("account.change", user, nil, nil, a)
    }

    static func meaning(_ kind: String, _ user: String?, _ addr: String?, _ port: UInt16?,
                        _ attributes: [String: JSONValue]) -> AuthMeaning
    {
        var a = attributes
        var ip: String?
        if let addr, !addr.isEmpty {
            if let c = IPAddressText.canonical(addr) { ip = c } else { a["rhost"] = .string(addr) }
        }
        return AuthMeaning(kind: kind, user: user.flatMap { $0.isEmpty ? nil : $0 }, sourceIP: ip,
                           sourcePort: ip == nil ? nil : port, attributes: a)
    }
}

/// Whether text is a literal IPv4 or IPv6 address (not a host name).
public enum IPAddressText {
    public static func isLiteral(_ s: String) -> Bool { isIPv4(s) || isIPv6(s) }

    /// The address as the capture decoders write it, so that the same host is the same text in every source (the
    /// chain links a connection to a logon by the address): IPv4 without leading zeros; IPv6 in RFC 5952 form
    /// (lower case, no leading zeros, the longest run of two or more zero groups as `::`), a zone id (`%eth0`)
    /// kept; an IPv4-mapped address (`::ffff:10.0.0.5`, as Windows writes an IPv4 client of a dual-stack socket)
    /// as the IPv4 address. Nil for anything that is no address.
    public static func canonical(_ s: String) -> String? {
        if isIPv4(s) {
            // `010.001.002.003` → `10.1.2.3`; the common case (no part starting with 0 followed by a digit) as is.
            // A part that starts with 0 and goes on (`010`): the previous byte a dot (or none), this one 0, the next a digit.
            var previous = UInt8(ascii: "."), zeroStart = false, leadingZero = false
            for c in s.utf8 {
                if zeroStart, c != UInt8(ascii: ".") { leadingZero = true; break }
                zeroStart = c == UInt8(ascii: "0") && previous == UInt8(ascii: ".")
                previous = c
            }
            return leadingZero ? s.split(separator: ".").map { String(Int($0) ?? 0) }.joined(separator: ".") : s
        }
        guard isIPv6(s) else { return nil }
        var core = Substring(s)
        var zone = ""
        if let pct = s.utf8.firstIndex(of: UInt8(ascii: "%")) {
            core = s[..<pct]
            zone = String(s[pct...])
        }
        // Groups before and after `::`; a dotted tail is two groups.
        func groups(_ t: Substring) -> [UInt16] {
            guard !t.isEmpty else { return [] }
            var out: [UInt16] = []
            for g in t.split(separator: ":", omittingEmptySubsequences: false) {
                if g.utf8.contains(UInt8(ascii: ".")) {
                    let q = g.split(separator: ".").compactMap { UInt16($0) }
                    guard q.count == 4 else { return [] }
                    out.append(q[0] << 8 | q[1])
                    out.append(q[2] << 8 | q[3])
                } else {
                    out.append(UInt16(g, radix: 16) ?? 0)
                }
            }
            return out
        }
        var all: [UInt16]
        if let r = core.range(of: "::") {
            let head = groups(core[..<r.lowerBound]), tail = groups(core[r.upperBound...])
            guard head.count + tail.count < 8 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            all = groups(core)
        }
        guard all.count == 8 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 {
            hi = hi << 16 | UInt64(all[i])
            lo = lo << 16 | UInt64(all[i + 4])
        }
        if hi == 0, lo >> 32 == 0xFFFF, zone.isEmpty {
            return IPAddress(v4: UInt32(truncatingIfNeeded: lo)).description
        }
        return IPAddress(v6hi: hi, v6lo: lo).description + zone
    }

    public static func isIPv4(_ s: String) -> Bool {
        var parts = 0
        var value = 0
        var digits = 0
        for c in s.utf8 {
            if c == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return false }
                parts += 1
                value = 0
                digits = 0
            } else if c &- 48 < 10 {
                digits += 1
                value = value * 10 + Int(c &- 48)
                guard digits <= 3, value <= 255 else { return false }
            } else {
                return false
            }
        }
        return parts == 3 && digits > 0
    }

    public static func isIPv6(_ s: String) -> Bool {
        let core = s.split(separator: "%", maxSplits: 1).first.map(String.init) ?? s    // zone id
        // Bytes, not Foundation's `contains` (asked of every address of every line).
        guard core.utf8.contains(UInt8(ascii: ":")), core.utf8.count <= 45 else { return false }
        var groups = core.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let compressed = core.hasBytes("::")
        if compressed, let first = core.byteRange(of: "::"), core.byteRange(of: "::", last: true) != first {
            return false
        }
        if let last = groups.last, last.utf8.contains(UInt8(ascii: ".")) {
            guard isIPv4(last) else { return false }
            groups.removeLast()
            groups.append("0")
            groups.append("0")
        }
        let nonEmpty = groups.filter { !$0.isEmpty }
        guard nonEmpty.allSatisfy({ $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }) else { return false }
        return compressed ? nonEmpty.count < 8 : groups.count == 8
    }
}

extension StringProtocol where SubSequence == Substring {
    /// The text after `prefix` when the text starts with it. Compares UTF-8 bytes: no grapheme breaking.
    func after(_ prefix: String) -> Substring? {
        guard utf8.starts(with: prefix.utf8) else { return nil }
        return self[utf8.index(startIndex, offsetBy: prefix.utf8.count)...]
    }

    func startsWith(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// Whether the text holds `needle`, by UTF-8 bytes: what a log recognizer means by "the line contains …".
    /// (Foundation's `contains` goes through NSString and UTF-16: it took half of syslog parsing when every line
    /// was asked for a dozen VPN products' markers.)
    func hasBytes(_ needle: String) -> Bool { byteRange(of: needle) != nil }

    /// The text before and after the first `sep`.
    func splitOnce(_ sep: String) -> (Substring, Substring)? {
        guard let r = byteRange(of: sep) else { return nil }
        return (self[startIndex..<r.lowerBound], self[r.upperBound...])
    }

    /// The first (or last) place `needle` occurs, found by comparing UTF-8 bytes (no grapheme breaking; a UTF-8
    /// match of a whole string always falls on character boundaries).
    func byteRange(of needle: String, last: Bool = false) -> Range<String.Index>? {
        let hay = self[...]
        var needle = needle
        let found = needle.withUTF8 { nb -> Range<Int>? in
            func search(_ h: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
                guard !nb.isEmpty, nb.count <= h.count, let hb = h.baseAddress, let np = nb.baseAddress else { return nil }
                var found: Range<Int>?
                var from = 0
                // memchr to each place the first byte is, memcmp for the rest; on from each match (overlapping matches
                // count) when the last one is wanted.
                while from + nb.count <= h.count,
                      let p = memchr(hb + from, Int32(np.pointee), h.count - from - nb.count + 1) {
                    let i = UnsafeRawPointer(p) - UnsafeRawPointer(hb)
                    if memcmp(hb + i, np, nb.count) == 0 {
                        found = i..<(i + nb.count)
                        if !last { break }
                    }
                    from = i + 1
                }
                return found
            }
            // Native strings are contiguous; anything else is searched in a copy (offsets are the same).
            return hay.utf8.withContiguousStorageIfAvailable(search) ?? Array(hay.utf8).withUnsafeBufferPointer(search)
        }
        guard let r = found else { return nil }
        let lo = hay.utf8.index(hay.startIndex, offsetBy: r.lowerBound)
        return lo..<hay.utf8.index(lo, offsetBy: r.count)
    }

    var trimmingSpaces: String {
        let u = self[...].utf8
        guard let first = u.firstIndex(where: { $0 != UInt8(ascii: " ") }),
              let last = u.lastIndex(where: { $0 != UInt8(ascii: " ") })
        else { return "" }
        return String(self[...][first...last])
    }

    /// `'value'` at the start → value.
    var quoted: String? {
        guard first == "'" else { return nil }
        let rest = dropFirst()
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[rest.startIndex..<end])
    }
}


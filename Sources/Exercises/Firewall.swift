import JikochoModel

/// A Cisco ASA's syslog as exercise evidence: one line per message stamped at the site's local time (RFC 5424,
/// whole seconds), connection numbers that grow as a firewall's do, and remote-access VPN sessions with the one
/// connection each carries into the site.
struct ASALog {
    let host: String
    let utcOffset: Int
    var conn: Int
    private(set) var lines: [(Int64, String)] = []

    init(host: String, utcOffset: Int, firstConnection: Int) {
        self.host = host
        self.utcOffset = utcOffset
        conn = firstConnection
    }

    mutating func line(_ t: Int64, _ severity: Int, _ id: Int, _ text: String) {
        let pri = 20 * 8 + severity
        let stamp = Timestamp(nanoseconds: t).iso8601(precision: .seconds, utcOffsetSeconds: utcOffset)
        lines.append((t, "<\(pri)>\(stamp) \(host) : %ASA-\(severity)-\(id): \(text)"))
    }

    mutating func nextConn(_ rng: inout SeededRandom) -> Int {
        conn += 1 + Int(rng.next() % 7)
        return conn
    }

    /// `h:mm:ss` as the ASA writes durations.
    static func duration(_ nanos: Int64) -> String {
        let d = Int(nanos / 1_000_000_000)
        return "\(d / 3600):" + String(format: "%02d:%02d", d / 60 % 60, d % 60)
    }

    /// Denied probes of the outside address from random Internet hosts every few minutes.
    mutating func scanners(from start: Int64, to end: Int64, outside: String, skip: Set<String> = [],
                           _ rng: inout SeededRandom) {
        var t = start
        while t < end {
            let src = "203.0.113.\(1 + rng.next() % 254)"
            if skip.contains(src) { t += 30_000_000_000; continue }
            let port = [23, 445, 3389, 22, 502, 8080][Int(rng.next() % 6)]
            line(t, 4, 106_023, "Deny tcp src outside:\(src)/\(30_000 + rng.next() % 30_000) dst outside:"
                 + "\(outside)/\(port) by access-group \"outside_access_in\" [0x0, 0x0]")
            t += Int64(40 + rng.next() % 200) * 1_000_000_000
        }
    }

    /// An AnyConnect session: authentication, the address given, one inbound connection from that address to
    /// `target` (remote desktop by default) and the session's end.
    mutating func vpnSession(user: String, group: String, from ip: String, assigned: String, start: Int64, rdp: Int64,
                             rdpEnd: Int64, end: Int64, port: Int, target: String, targetPort: Int = 3389,
                             authServer: String, _ rng: inout SeededRandom) {
        line(start, 6, 113_004, "AAA user authentication Successful : server = \(authServer) : user = \(user)")
        line(start + 300_000_000, 6, 113_039, "Group <\(group)> User <\(user)> IP <\(ip)> AnyConnect parent session started.")
        line(start + 900_000_000, 6, 722_022, "Group <\(group)> User <\(user)> IP <\(ip)> TCP SVC connection established without compression")
        line(start + 1_000_000_000, 6, 722_051, "Group <\(group)> User <\(user)> IP <\(ip)> IPv4 Address <\(assigned)> IPv6 address <::> assigned to session")
        let c = nextConn(&rng)
        line(rdp, 6, 302_013, "Built inbound TCP connection \(c) for vpn:\(assigned)/\(port) (\(assigned)/\(port)) to "
             + "inside:\(target)/\(targetPort) (\(target)/\(targetPort)) (\(user))")
        line(rdpEnd, 6, 302_014, "Teardown TCP connection \(c) for vpn:\(assigned)/\(port) to inside:"
             + "\(target)/\(targetPort) duration \(Self.duration(rdpEnd - rdp)) "
             + "bytes \(2_000_000 + rng.next() % 9_000_000) TCP FINs (\(user))")
        let total = Int((end - start) / 1_000_000_000)
        line(end - 200_000_000, 6, 722_023, "Group <\(group)> User <\(user)> IP <\(ip)> SVC connection terminated without compression")
        line(end, 4, 113_019, "Group = \(group), Username = \(user), IP = \(ip), Session disconnected. Session Type: "
             + "SSL, Duration: \(total / 3600)h:\(String(format: "%02d", total / 60 % 60))m:"
             + "\(String(format: "%02d", total % 60))s, Bytes xmt: \(3_000_000 + rng.next() % 9_000_000), Bytes rcv: "
             + "\(400_000 + rng.next() % 900_000), Reason: User Requested")
    }

    /// A rejected VPN logon.
    mutating func vpnRejected(_ t: Int64, user: String, from ip: String, authServer: String) {
        line(t, 6, 113_005, "AAA user authentication Rejected : reason = AAA failure : server = \(authServer) : "
             + "user = \(user) : user IP = \(ip)")
    }
}

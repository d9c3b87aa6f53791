import JikochoModel

/// YAMAHA routers (RTX, NVR and FWX series: the remote-access gateway of many small Japanese plants and utilities),
/// their L2TP/IPsec and PPTP remote access and logons to the router itself, as `show log` prints them or as they
/// arrive by syslog (no tag: `… 192.168.100.1 [L2TP] TUNNEL[1] connected from 198.51.100.7`).
///
/// One remote-access connection is written over several lines, none of which names everything:
///
/// ```
/// [L2TP] TUNNEL[1] connected from 198.51.100.7                                  the client's address
/// [L2TP] TUNNEL[1] tunnel 12345 established / session 23456 established
/// PP[ANONYMOUS01] Call detected from user 'vendor-ito'                          the user (PPP authentication starts)
/// PP[ANONYMOUS01] PPP/IPCP up  (Local: 192.168.100.1, Remote: 192.168.100.201)   authenticated: the tunnel address
/// ```
///
/// Each line's meaning is read here on its own (`vpn.session_start` with the client's address and the L2TP tunnel's
/// number; `vpn.auth_request` with the user and the PP interface; `auth.logon` with the tunnel address; the PP's or
/// the tunnel's end); the collector joins them (`YamahaCalls`: the user and the client's address onto the lines of
/// the same connection) and decides a call whose link never came up as a failed logon (the router writes no verdict
/// line for a refused password that these readers know of).
///
/// Sources of the forms: YAMAHA's troubleshooting pages (network.yamaha.com `ts_router/vpn_connect` and
/// `internet_connect`: `[L2TP] TUNNEL[1] connected from`, `PP[01] PPP/IPCP up  (Local: …, Remote: …)`, `IP Tunnel[1]
/// Up`, `PPPOE[01] Disconnected, cause [PPP: Authentication failed]`), a SingleID guide to YAMAHA RTX remote access
/// (`PP[ANONYMOUSxx] Call detected from user '…'`, `tunnel … established`, `session … established`), `show log`
/// output published with RTX1100 configurations (`Login succeeded for Serial`, `Logout from Serial`,
/// `'administrator' succeeded for Serial user`). The ends of an anonymous PP's call (`PP[ANONYMOUS01] Disconnected`,
/// `PPP/IPCP down`) and the L2TP tunnel's (`[L2TP] TUNNEL[1] disconnect …`) are read by the same grammar without a
/// published sample of their own.
extension RemoteAccess {
    public static let yamahaVendor = "yamaha-rtx"

    /// Whether a tag-less message looks like a YAMAHA router's (cheap: its first bytes).
    static func isYamaha(_ m: Substring) -> Bool {
        // Most tag-less lines (a firewall's key=value records) start with none of `[`, `P`, `L`, `'`: one byte decides.
        guard let f = m.utf8.first, f == 0x5B || f == 0x50 || f == 0x4C || f == 0x27 else { return false }
        return m.hasPrefix("[L2TP] ") || m.hasPrefix("PP[") || m.hasPrefix("Login succeeded for ") || m.hasPrefix("Login failed for ")
            || m.hasPrefix("Logout from ") || m.hasPrefix("'administrator' ")
    }

    /// `PP[ANONYMOUS01] rest` after `prefix` (`PP[`): the name in the brackets and the text after them; nil when the
    /// bracket is not closed or holds nothing.
    static func bracketed(_ m: Substring, after prefix: String) -> (name: Substring, rest: Substring)? {
        guard m.hasPrefix(prefix) else { return nil }
        let tail = m.dropFirst(prefix.count)
        guard let close = tail.firstIndex(of: "]"), close > tail.startIndex else { return nil }
        return (tail[..<close], tail[tail.index(after: close)...].drop { $0 == " " })
    }

    static func yamaha(_ m: Substring) -> FirewallMeaning? {
        let v = yamahaVendor
        if let (n, rest) = bracketed(m, after: "[L2TP] TUNNEL[") {
            let extra: [String: JSONValue] = ["l2tp_tunnel": .string(String(n))]
            if let from = rest.following("connected from ") {
                let ip = String(from.prefix { $0 != " " })
                guard literal(ip) != nil else { return nil }
                return meaning("vpn.session_start", vendor: v, user: nil, src: ip, extra)
            }
            if rest.hasPrefix("disconnect") {
                var e = extra
                e["reason"] = .string(String(rest.prefix(200)))
                return meaning("vpn.session_end", vendor: v, user: nil, src: nil, e)
            }
            return nil
        }
        if let (pp, rest) = bracketed(m, after: "PP[") {
            var extra: [String: JSONValue] = ["pp": .string(String(pp))]
            // `Call detected from user 'vendor-ito'`: the user the client gave; PPP authentication begins.
            if rest.hasPrefix("Call detected from user ") {
                let u = rest.dropFirst(24)
                let user = u.first == "'" ? String(u.dropFirst().prefix { $0 != "'" }) : String(u.prefix { $0 != " " })
                return meaning("vpn.auth_request", vendor: v, user: user, src: nil, extra)
            }
            // Only an anonymous PP is a remote-access client's: a numbered PP's IPCP is the router's own line (its
            // provider's PPPoE or a site-to-site link), no one's logon.
            guard pp.hasPrefix("ANONYMOUS") else { return nil }
            if rest.hasPrefix("PPP/IPCP up") {
                // `(Local: 192.168.100.1, Remote: 192.168.100.201)`: Remote is the address the client was given.
                guard let remote = rest.between("Remote: ", ")").flatMap({ literal(String($0).trimmingBlanks) }) else { return nil }
                return meaning("auth.logon", vendor: v, user: nil, src: nil, tunnel: remote, extra)
            }
            if rest.hasPrefix("PPP/IPCP down") || rest.hasPrefix("Disconnected") {
                if let cause = rest.between("cause [", "]") { extra["cause"] = .string(String(cause)) }
                let refused = rest.hasBytes("Authentication failed") || rest.hasBytes("authentication failed")
                if refused { extra["reason"] = .string(String(rest.prefix(200))) }
                return meaning(refused ? "auth.logon_failed" : "auth.session_closed", vendor: v, user: nil, src: nil, extra)
            }
            return nil
        }
        // Logons to the router itself: `Login succeeded for Serial`, `Login succeeded for TELNET: 192.168.100.2`.
        func console(_ t: Substring) -> (method: String, ip: String?) {
            let method = t.prefix { $0 != ":" && $0 != " " }
            let ip = t.following(": ").map { String($0.prefix { $0 != " " }) }.flatMap(literal)
            return (String(method), ip)
        }
        for (prefix, kind) in [("Login succeeded for ", "auth.logon"), ("Login failed for ", "auth.logon_failed"),
                               ("Logout from ", "auth.session_closed")] where m.hasPrefix(prefix) {
            let c = console(m.dropFirst(prefix.count))
            guard ["Serial", "TELNET", "SSH", "HTTP", "SFTP", "REMOTE"].contains(c.method) else { return nil }
            return meaning(kind, vendor: v, user: nil, src: c.ip, access: "management", ["method": .string(c.method)])
        }
        // `'administrator' succeeded for Serial user`: the administrator password given after a logon.
        if m.hasPrefix("'administrator' succeeded for ") {
            let c = console(m.dropFirst(30))
            return meaning("auth.privilege", vendor: v, user: "administrator", src: c.ip, access: "management",
                           ["method": .string(c.method)])
        }
        return nil
    }
}

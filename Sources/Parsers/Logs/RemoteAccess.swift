import JikochoModel

/// Remote-access gateways other than Cisco's, in the words every product's record is turned into: `auth.logon` (with
/// the tunnel address in `tunnel_ip` when the same line gives it), `vpn.address_assigned` (a separate line that
/// gives the tunnel address), `auth.logon_failed` and `auth.session_closed`, each with the user and the source
/// address; the product in `vendor`. A later connection from the tunnel address is then attributed to the VPN user
/// whatever the product (the causal chain reads only these facts).
///
/// - OpenVPN server (its own log or syslog): `TLS: Username/Password authentication succeeded|failed for username`,
///   `TLS Auth Error: Auth Username/Password verification failed for peer`, `AUTH_FAILED`, `MULTI_sva: pool returned
///   IPv4=`, `MULTI: Learn:`, `client-instance exiting|restarting` (messages of openvpn/src/openvpn/ssl_verify.c and
///   multi.c).
/// - Fortinet FortiGate key=value records (behind a syslog header or on their own): SSL VPN `ssl-login-fail` (log id
///   39426), `tunnel-up` (39947, with `tunnelip`), `tunnel-down` (39948); IPsec `tunnel-up` (23101, with
///   `assignip`/`tunnelip`); administrator `login` success and failure; firewall user authentication (43008,
///   43009); traffic records as flows (FortiOS Log Message Reference).
/// - Palo Alto GlobalProtect: the GLOBALPROTECT log (PAN-OS 9.1+, CSV in the documented field order: event id,
///   stage, user, public IP, private IP, status; the private IP given in `gateway-getconfig`/`gateway-setup-*` and
///   released in `gateway-config-release`) and the older SYSTEM log's `globalprotectgateway-*` events.
/// - Pulse / Ivanti Connect Secure syslog: `Login succeeded`, `Primary authentication successful|failed`,
///   `Login failed` (the details of a refusal, `auth.failure_detail`), `Session created for user:`, `VPN Tunneling:
///   Session started|ended for user [(session: …)] with IPv4 address` (Juniper's `with IP`), `Logout from`, `Session timed out`,
///   `Session:[…] … deleted`; the user without the network zone 22.x writes before it (`Default Network::`).
/// - Citrix ADC (NetScaler) Gateway: `SSLVPN LOGIN`/`LOGOUT` (intranet address in `Nat_ip`), `AAA LOGIN_FAILED`,
///   connections through the tunnel (`SSLVPN TCPCONNSTAT`/`UDPFLOWSTAT`) as flows.
/// - F5 BIG-IP Access Policy Manager (APM), whose lines carry a message id (`01490500:5:`) and the access session's
///   id: `New session from client IP` (01490500, `vpn.session_start`), `Username '…'` (01490010, `vpn.auth_request`),
///   the authentication agents' verdicts (`AD agent: Auth (logon attempt:N): authenticate with '…' successful|failed`,
///   `AD module` / `RADIUS module` / `LDAP module: authentication with '…' failed`: one failed attempt each),
///   `Access policy result:` (01490102: the session's logon, or its refusal), `Assigned PPP Dynamic IPv4:` (01490549,
///   the tunnel address), `Session deleted` (01490501). One session's lines share its id; the collector gives each the
///   client's address, the user and the tunnel address the lines before it named (`F5Sessions`).
/// - SoftEther VPN Server (the server log, whose hub lines start `[HUB "NAME"]`; a hub's security log; its syslog
///   form `[machine/VPN/HUB] (time) <SECURITY_LOG>:`), in the wording of its string table (LH_*): a connection's
///   `is attempting to connect to the Virtual Hub … the user name is "…"` (`vpn.auth_request`, with the client's
///   address), `Successfully authenticated as user` (`auth.credentials_accepted`), `User authentication failed` and
///   the refusals by policy, blank password or expiry (`auth.logon_failed`), `The new session "SID-…" has been
///   created` (the logon), the SecureNAT DHCP's `allocated, for host … on another session "SID-…", the new IP address`
///   (`vpn.address_assigned`), `The session has been terminated` (`auth.session_closed`). Connections (CID-n) and
///   sessions (SID-…) are joined by the collector (`SoftEtherSessions`).
/// - strongSwan charon: `IKE_SA … established between …`, `assigning virtual IP … to peer`, `EAP method … failed`,
///   `deleting IKE_SA`.
/// - WireGuard writes nothing by default; with the kernel's dynamic debug it names handshakes by peer number only
///   (no user, no address pool): those become `vpn.handshake` with the peer's address.
///
/// - The same products' records in CEF (`CEF`): FortiGate's and PAN-OS's, read under their own field names.
/// - Check Point's Log Exporter records (`CheckPoint`): Remote Access VPN logons with their Office Mode address,
///   administrators' logons to the management, the firewall's connections.
/// - SonicWall (SonicOS key=value records): logons by their message text, connections as flows.
/// - YAMAHA routers' L2TP/IPsec remote access and logons to the router (`YamahaRouter.swift`), one connection over
///   several lines that the collector joins.
///
/// Any other line of these programs stays the generic `syslog.message`, without a warning.
public enum RemoteAccess {
    /// `cef`: the message's CEF record when the syslog reader has already read it (a header-less CEF line).
    public static func interpret(program: String?, message: String, cef: CEFRecord? = nil) -> FirewallMeaning? {
        if let r = cef ?? CEF.record(program: program, message: message) { return CEF.interpret(r) }
        let m = Substring(message).drop { $0 == " " }
        let prog = (program ?? "").lowercased()
        if CheckPoint.isRecord(program: prog, message: m) {
            return CheckPoint.fields(m).flatMap(CheckPoint.interpret)
        }
        if prog.isEmpty, isYamaha(m), let r = yamaha(m) { return r }
        let first = m.prefix { $0 != " " }
        if prog.hasPrefix("openvpn") || m.hasBytes("MULTI") || m.hasBytes("TLS: Username/Password")
            || m.hasBytes("TLS Auth Error")
            || (first.utf8.contains(UInt8(ascii: ":")) && openVPNPeer(first).map({ $0.port != nil }) == true) {
            if let r = openVPN(m) { return r }
        }
        if m.hasBytes("logid=") && m.hasBytes("type=") { return fortiGate(m) }
        if first.hasPrefix("id="), m.hasBytes(" sn="), m.hasBytes(" fw=") { return sonicWall(keyValues(m)) }
        if m.hasBytes(",GLOBALPROTECT,") || m.hasBytes("globalprotect") { return globalProtect(m) }
        if prog.hasPrefix("charon") || m.hasBytes("IKE_SA") || m.hasBytes("virtual IP") {
            if let r = strongSwan(m) { return r }
        }
        if prog.isEmpty || prog == "kernel" || prog.hasPrefix("wireguard"), m.hasBytes("wireguard:") {
            if let r = wireGuard(m) { return r }
        }
        // Both products' lines are known by how they begin, without a scan of the whole line.
        if hasF5MessageID(m), let r = f5APM(m) { return r }
        if isSoftEther(m, first: first), let r = softEther(m) { return r }
        if m.hasBytes("SSLVPN ") || m.hasBytes("AAA LOGIN_FAILED") {
            if let r = citrix(m) { return r }
        }
        if m.hasBytes(" - [") || m.hasBytes("PulseSecure:") || m.hasBytes("Juniper:") || m.hasBytes("msg=\"AUT")
            || m.hasBytes("msg=\"NWC") {
            return pulse(m)
        }
        return nil
    }

    /// `access`: how the user reached the network (`vpn`, or `firewall` for a firewall's own user authentication).
    static func meaning(_ kind: String, vendor: String, user: String?, src: String?, port: UInt16? = nil,
                        tunnel: String? = nil, access: String = "vpn", _ extra: [String: JSONValue] = [:]) -> FirewallMeaning {
        var a = extra
        a["vendor"] = .string(vendor)
        a["access"] = .string(access)
        if let t = tunnel { a["tunnel_ip"] = .string(t) }
        let u = user.flatMap { ["", "N/A", "UNDEF", "(null)"].contains($0) ? nil : $0 }
        return FirewallMeaning(kind: kind, user: u, src: Endpoint(ip: src.flatMap(literal), port: port),
                               dst: kind == "vpn.address_assigned" ? Endpoint(ip: tunnel) : Endpoint(), attributes: a)
    }

    static func literal(_ s: String) -> String? { IPAddressText.canonical(s) }

    // MARK: OpenVPN

    /// `alice/203.0.113.5:51234 …`, `203.0.113.5:51234 …`, `[AF_INET]203.0.113.5:51234` → (common name, address, port).
    static func openVPNPeer(_ w: Substring) -> (name: String?, ip: String, port: UInt16?)? {
        var s = w
        if s.hasPrefix("[AF_INET6]") { s = s.dropFirst(10) } else if s.hasPrefix("[AF_INET]") { s = s.dropFirst(9) }
        var name: String?
        if let slash = s.lastIndex(of: "/") {
            name = String(s[..<slash])
            s = s[s.index(after: slash)...]
        }
        guard let colon = s.lastIndex(of: ":") else { return literal(String(s)).map { (name, $0, nil) } }
        let ip = String(s[..<colon])
        guard literal(ip) != nil else { return nil }
        return (name, ip, UInt16(s[s.index(after: colon)...]))
    }

    static func openVPN(_ m: Substring) -> FirewallMeaning? {
        // The line starts with the peer (`cn/ip:port` or `ip:port`), except MULTI: Learn.
        var w = Words(m)
        let first = w.next() ?? ""
        let peer = openVPNPeer(first)
        let rest = peer == nil ? m : w.rest.drop { $0 == " " }
        func quoted(after marker: String) -> String? {
            guard let t = rest.following(marker) else { return nil }
            return t.hasPrefix("'") ? String(t.dropFirst().prefix { $0 != "'" }) : String(t.prefix { $0 != " " })
        }
        let v = "openvpn"
        if rest.hasBytes("Username/Password authentication succeeded for username") {
            return meaning("auth.logon", vendor: v, user: quoted(after: "for username ") ?? peer?.name, src: peer?.ip,
                           port: peer?.port, ["method": "username/password"])
        }
        if rest.hasBytes("Username/Password authentication failed for username") {
            return meaning("auth.logon_failed", vendor: v, user: quoted(after: "for username ") ?? peer?.name,
                           src: peer?.ip, port: peer?.port, ["method": "username/password"])
        }
        // The server's verdict; the AUTH_FAILED it then sends the client is the same attempt and stays a message.
        if rest.hasPrefix("TLS Auth Error:") {
            return meaning("auth.logon_failed", vendor: v, user: rest.between("SENT CONTROL [", "]").map(String.init) ?? peer?.name,
                           src: peer?.ip, port: peer?.port, ["reason": .string(String(rest.prefix(200)))])
        }
        // The address a session was given is the one `MULTI: primary virtual IP(v6) for PEER: ADDR` names, written once
        // per session at verbosity 3 by every release since 2.1 (multi.c). The pool's pick before it is only an offer:
        // a client-config-dir file's `ifconfig-push` replaces it (a real 2.6 server logs `pool returned IPv4=10.8.0.3`,
        // then gives 10.8.0.50), so it is not an assignment, nor is the route learned toward the client (the same
        // address again, an iroute's subnet, a MAC in TAP mode). One assignment, one event.
        if rest.hasPrefix("MULTI: primary virtual IP"), let t = rest.following(" for ") {
            // `for alice/203.0.113.5:51234: 10.8.0.6`: the peer ends at the last `: `.
            guard let sep = t.byteRange(of: ": ", last: true) else { return nil }
            let p = openVPNPeer(t[t.startIndex..<sep.lowerBound]) ?? peer
            let addr = t[sep.upperBound...].prefix { $0 != " " }
            guard let tunnel = literal(String(addr)) else { return nil }
            return meaning("vpn.address_assigned", vendor: v, user: p?.name, src: p?.ip, port: p?.port, tunnel: tunnel)
        }
        if rest.hasPrefix("MULTI_sva: pool returned IPv4="), let ip = rest.between("IPv4=", ",") {
            // `IPv4=(Not enabled), IPv6=2001:db8::1000` when the pool gives IPv6 only.
            var offered: [String: JSONValue] = [:]
            if let a = literal(String(ip)) { offered["pool_ip"] = .string(a) }
            if let a = rest.following("IPv6=").flatMap({ literal(String($0.prefix { $0 != " " })) }) { offered["pool_ipv6"] = .string(a) }
            return meaning("vpn.address_offered", vendor: v, user: peer?.name, src: peer?.ip, port: peer?.port, offered)
        }
        if rest.hasPrefix("MULTI: Learn: "), let t = rest.following("Learn: ") {
            // MULTI: Learn: 10.8.0.6 -> alice/203.0.113.5:51234
            var lw = Words(t)
            guard let route = lw.next(), lw.next() == "->", let p = lw.next().flatMap(openVPNPeer) else { return nil }
            return meaning("vpn.route_learned", vendor: v, user: p.name, src: p.ip, port: p.port,
                           ["route": .string(String(route.prefix(64)))])
        }
        if rest.hasBytes("client-instance exiting") || rest.hasBytes("client-instance restarting")
            || rest.hasBytes("Inactivity timeout") {
            return meaning("auth.session_closed", vendor: v, user: peer?.name, src: peer?.ip, port: peer?.port,
                           ["reason": .string(String(rest.prefix(200)))])
        }
        if rest.hasBytes("Peer Connection Initiated with") {
            // `[alice] Peer Connection Initiated with [AF_INET]…`: a bracket before the words names the user (`UNDEF`
            // when none is known); a session whose logon failed has none, and the bracket after `with` is the
            // address family, not a name.
            var name = peer?.name
            if rest.hasPrefix("["), let n = rest.between("[", "]"), n != "UNDEF", !n.isEmpty { name = String(n) }
            return meaning("vpn.session_start", vendor: v, user: name, src: peer?.ip, port: peer?.port)
        }
        return nil
    }

    // MARK: FortiGate

    /// `key=value key="quoted value" key=` pairs, at most 256.
    static func keyValues(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var rest = s
        while !rest.isEmpty, out.count < 256 {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].split(separator: " ").last.map(String.init) ?? ""
            rest = rest[rest.index(after: eq)...]
            var value: Substring
            if rest.first == "\"" {
                let body = rest.dropFirst()
                let close = body.firstIndex(of: "\"") ?? body.endIndex
                value = body[..<close]
                rest = close < body.endIndex ? body[body.index(after: close)...] : body[close...]
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            if !key.isEmpty { out[key] = String(value) }
        }
        return out
    }

    static func fortiGate(_ m: Substring) -> FirewallMeaning? { fortiGate(fields: keyValues(m)) }

    /// A FortiOS record by its field names (`keyValues` of its own text, or a CEF record's fields given back their
    /// FortiOS names by `CEF.fortiOSFields`).
    static func fortiGate(fields f: [String: String]) -> FirewallMeaning? {
        let v = "fortinet-fortigate"
        var extra: [String: JSONValue] = [:]
        for k in ["logid", "logdesc", "tunneltype", "tunnelid", "group", "reason", "msg", "vd", "devname"] {
            if let x = f[k], !x.isEmpty { extra[k] = .string(x) }
        }
        let action = f["action"] ?? ""
        if f["type"] == "traffic" { return fortiGateTraffic(f, action: action) }
        // The address a tunnel was given (SSL VPN `tunnelip`, IPsec `assignip`); an administrator's source address.
        let tunnel = [f["tunnelip"], f["assignip"]].compactMap { $0 }.first { literal($0) != nil && $0 != "0.0.0.0" }
        let adminSource = f["srcip"] ?? f["ui"].flatMap { Substring($0).between("(", ")").map(String.init) }
        switch (f["subtype"] ?? "", action) {
        case ("vpn", "ssl-login-fail"):
            return meaning("auth.logon_failed", vendor: v, user: f["user"], src: f["remip"], extra)
        case ("vpn", "tunnel-up"):
            return meaning("auth.logon", vendor: v, user: f["user"] ?? f["xauthuser"], src: f["remip"], tunnel: tunnel, extra)
        case ("vpn", "tunnel-down"):
            return meaning("auth.session_closed", vendor: v, user: f["user"] ?? f["xauthuser"], src: f["remip"],
                           tunnel: tunnel, extra)
        case ("system", "login"):
            // Administrator logon: ui="https(198.51.100.20)" or ui="ssh(…)".
            let ok = (f["status"] ?? "") == "success"
            extra["method"] = .string("admin " + (f["method"] ?? f["ui"].map { String($0.prefix { $0 != "(" }) } ?? ""))
            return meaning(ok ? "auth.logon" : "auth.logon_failed", vendor: v, user: f["user"], src: adminSource, extra)
        case ("system", "logout"):
            return meaning("auth.session_closed", vendor: v, user: f["user"], src: adminSource, extra)
        case ("user", "authentication"):
            // Firewall authentication (log ids 43008 success, 43009 failure): a user proving who they are to the
            // firewall from `srcip` before a policy lets their connections through (captive portal, telnet/HTTP(S)
            // authentication, identity-based policy). Not a tunnel: `access` says firewall.
            let status = (f["status"] ?? "").lowercased()
            guard status == "success" || status == "failure" || status == "failed" else { return nil }
            if let p = f["authproto"], !p.isEmpty { extra["method"] = .string("firewall " + p) }
            var r = meaning(status == "success" ? "auth.logon" : "auth.logon_failed", vendor: v, user: f["user"],
                            src: f["srcip"], access: "firewall", extra)
            if let d = f["dstip"].flatMap(literal) { r.dst = Endpoint(ip: d) }
            return r
        default:
            return nil
        }
    }

    /// A FortiGate traffic log record (`type=traffic`): one per session, written when it ends (`close`, `timeout`,
    /// `client-rst`, `server-rst`, `accept` for sessions without a close) or, when the policy asks for it, when it
    /// starts (`start`); `deny` and `ip-conn` are sessions the firewall refused. The initiator is `srcip`.
    static func fortiGateTraffic(_ f: [String: String], action: String) -> FirewallMeaning? {
        guard let s = f["srcip"].flatMap(literal), let d = f["dstip"].flatMap(literal) else { return nil }
        let kind: String
        switch action {
        case "start": kind = "net.flow_start"
        case "deny", "ip-conn", "blocked": kind = "net.connection_blocked"
        case "accept", "close", "timeout", "client-rst", "server-rst": kind = "net.flow_end"
        default: return nil
        }
        var a: [String: JSONValue] = ["vendor": "fortinet-fortigate", "action": .string(action)]
        for k in ["logid", "vd", "devname", "policyid", "service", "srcintf", "dstintf", "app"] {
            if let x = f[k], !x.isEmpty { a[k] = .string(x) }
        }
        if let p = f["proto"].flatMap(Int.init) {
            a["protocol"] = .string(p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : p == 58 ? "icmpv6" : String(p))
        }
        if let id = f["sessionid"], !id.isEmpty { a["session_id"] = .string(id) }
        if let t = f["duration"].flatMap(Int64.init) { a["duration_s"] = .int(t) }
        let sent = f["sentbyte"].flatMap(Int64.init), received = f["rcvdbyte"].flatMap(Int64.init)
        if let sent { a["bytes_sent"] = .int(sent) }
        if let received { a["bytes_received"] = .int(received) }
        if sent != nil || received != nil { a["bytes"] = .int((sent ?? 0) &+ (received ?? 0)) }
        let user = f["user"].flatMap { ["", "N/A", "(null)"].contains($0) ? nil : $0 }
        return FirewallMeaning(kind: kind, user: user, src: Endpoint(ip: s, port: f["srcport"].flatMap(UInt16.init)),
                               dst: Endpoint(ip: d, port: f["dstport"].flatMap(UInt16.init)), attributes: a)
    }

    // MARK: SonicWall

    /// A SonicOS record (`id=firewall sn=… time="…" fw=… pri=6 c=1024 m=537 msg="Connection Closed" src=ip:port:iface
    /// dst=… usr="…"`), read by its message text, which names the event in every SonicOS version (the numbers `m`
    /// are kept): `… login allowed` (an administrator's, `access: management`; SSL VPN's, `vpn`; a user's to the
    /// firewall, `firewall`), `… login denied …`, `… logged out …`; connections opened and closed (`m` 98, 537) as
    /// flows with bytes and duration, and packets and connections `dropped` as refused. SonicOS names no SSL VPN
    /// client's tunnel address on its logon: the connections of a NetExtender session carry the user (`usr`,
    /// `sess="sslvpnc"`) instead.
    static func sonicWall(_ f: [String: String]) -> FirewallMeaning? {
        let v = "sonicwall"
        let msg = f["msg"] ?? ""
        let lower = msg.lowercased()
        /// `216.160.83.57:36701:WAN`, `10.12.14.9::X500`, `:28503:WAN:HOST` with the address in `srcV6`.
        func endpoint(_ key: String) -> Endpoint {
            let parts = (f[key] ?? "").split(separator: ":", omittingEmptySubsequences: false)
            let v4 = parts.first.map(String.init).flatMap(literal)
            let ip = v4 ?? f[key + "V6"].flatMap(literal)
            return Endpoint(ip: ip, port: parts.count > 1 ? UInt16(parts[1]) : nil)
        }
        let user = f["usr"].flatMap { $0.isEmpty || $0.hasPrefix("Unknown") ? nil : $0 }
        var extra: [String: JSONValue] = ["message_id": .string(f["m"] ?? ""), "event": .string(msg)]
        if let s = f["sess"], !s.isEmpty { extra["session_type"] = .string(s) }
        let src = endpoint("src"), dst = endpoint("dst")
        if lower.contains("login allowed") || lower.contains("login denied") || lower.contains("login failed")
            || lower.contains("logged out") {
            let kind = lower.contains("login allowed") ? "auth.logon" : lower.contains("logged out") ? "auth.session_closed"
                : "auth.logon_failed"
            let access = lower.hasPrefix("administrator") ? "management" : lower.contains("ssl vpn") ? "vpn" : "firewall"
            var r = meaning(kind, vendor: v, user: user, src: src.ip, port: src.port, access: access, extra)
            if let d = dst.ip { r.dst = Endpoint(ip: d, port: dst.port) }
            return r
        }
        let kind: String
        switch (f["m"] ?? "", lower) {
        case ("98", _), (_, "connection opened"): kind = "net.flow_start"
        case ("537", _), (_, "connection closed"): kind = "net.flow_end"
        case (_, let t) where t.hasSuffix("dropped") || t.hasSuffix("denied"): kind = "net.connection_blocked"
        default: return nil
        }
        guard src.ip != nil, dst.ip != nil else { return nil }
        var a = extra
        a["vendor"] = .string(v)
        if let p = f["proto"], !p.isEmpty {
            // `tcp/https`, `udp/500`
            let parts = p.split(separator: "/", maxSplits: 1)
            a["protocol"] = .string(String(parts[0]))
            if parts.count > 1 { a["service"] = .string(String(parts[1])) }
        }
        let sent = f["sent"].flatMap(Int64.init), received = f["rcvd"].flatMap(Int64.init)
        if let sent { a["bytes_sent"] = .int(sent) }
        if let received { a["bytes_received"] = .int(received) }
        if sent != nil || received != nil { a["bytes"] = .int((sent ?? 0) &+ (received ?? 0)) }
        if let ms = f["cdur"].flatMap(Int64.init) { a["duration_s"] = .int(ms / 1000) }
        if let r = f["rule"], !r.isEmpty { a["rule"] = .string(r) }
        return FirewallMeaning(kind: kind, user: user, src: src, dst: dst, attributes: a)
    }

    // MARK: GlobalProtect

    /// A CSV record of PAN-OS's syslog format (quoted fields may hold commas), at most 128 fields.
    static func csv(_ s: Substring) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false
        var it = s.makeIterator()
        while let c = it.next() {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                out.append(field)
                field = ""
                if out.count >= 128 { return out }
            } else {
                field.append(c)
            }
        }
        out.append(field)
        return out
    }

    /// The fields of a GLOBALPROTECT log record that say what happened, whichever encoding carried them (the CSV of
    /// PAN-OS's syslog format or the CEF format Palo Alto publishes for it).
    struct GlobalProtectRecord {
        var event: String
        var stage: String
        var method = ""
        var tunnelType = ""
        var user: String
        var machine = ""
        var publicIP: String
        var publicIPv6 = ""
        var privateIP: String
        var privateIPv6 = ""
        var reason = ""
        var error = ""
        var status: String
    }

    static func globalProtect(_ r: GlobalProtectRecord) -> FirewallMeaning? {
        let v = "paloalto-globalprotect"
        let event = r.event, user = r.user, status = r.status.lowercased()
        // The IPv4 address, else the IPv6 one (a client on an IPv6 network, a tunnel given only an IPv6 address).
        func address(_ v4: String, _ v6: String) -> String? {
            for a in [v4, v6] where !a.isEmpty && a != "0.0.0.0" && a != "::" {
                if let l = literal(a) { return l }
            }
            return nil
        }
        let pub = address(r.publicIP, r.publicIPv6)
        let priv = address(r.privateIP, r.privateIPv6)
        var extra: [String: JSONValue] = ["event": .string(event), "stage": .string(r.stage)]
        if !r.method.isEmpty { extra["method"] = .string(r.method) }
        if !r.tunnelType.isEmpty { extra["tunnel_type"] = .string(r.tunnelType) }
        if !r.machine.isEmpty { extra["machine"] = .string(r.machine) }
        if !r.reason.isEmpty { extra["reason"] = .string(r.reason) }
        if !r.error.isEmpty { extra["error"] = .string(r.error) }
        if status == "failure" {
            return meaning("auth.logon_failed", vendor: v, user: user, src: pub, extra)
        }
        // The tunnel's address given back at the session's end (stage `configuration`).
        if event.hasSuffix("logout") || r.stage == "logout" || event == "gateway-config-release" {
            return meaning("auth.session_closed", vendor: v, user: user, src: pub, tunnel: priv, extra)
        }
        // The gateway hands the client its configuration, then sets the tunnel up: both name the address given.
        if ["gateway-getconfig", "gateway-setup-ipsec", "gateway-setup-ssl"].contains(event), priv != nil {
            return meaning("vpn.address_assigned", vendor: v, user: user, src: pub, tunnel: priv, extra)
        }
        if event == "gateway-connected" || (r.stage == "connected" && priv != nil) {
            return meaning("auth.logon", vendor: v, user: user, src: pub, tunnel: priv, extra)
        }
        if event.hasSuffix("-auth") {
            return meaning("auth.logon", vendor: v, user: user, src: pub, extra)
        }
        return nil
    }

    static func globalProtect(_ m: Substring) -> FirewallMeaning? {
        let v = "paloalto-globalprotect"
        // PAN-OS 9.1+: FUTURE_USE, Receive Time, Serial, Type (GLOBALPROTECT), Subtype, FUTURE_USE, Generated Time,
        // Virtual System, Event ID, Stage, Authentication Method, Tunnel Type, Source User, Source Region, Machine
        // Name, Public IP, Public IPv6, Private IP, Private IPv6, Host ID, Serial, Client Version, Client OS, Client
        // OS Version, Repeat Count, Reason, Error, Description, Status, …
        if m.hasBytes(",GLOBALPROTECT,") {
            // Anything before the record (a header the syslog reader left) falls into the first, unused field.
            let f = csv(m)
            guard f.count >= 29, f[3] == "GLOBALPROTECT" else { return nil }
            return globalProtect(GlobalProtectRecord(event: f[8], stage: f[9], method: f[10], tunnelType: f[11],
                                                     user: f[12], machine: f[14], publicIP: f[15], publicIPv6: f[16],
                                                     privateIP: f[17], privateIPv6: f[18], reason: f[25], error: f[26],
                                                     status: f[28]))
        }
        // PAN-OS before 9.1: SYSTEM log, subtype globalprotect, the description in the last quoted field.
        guard let id = ["globalprotectgateway-auth-succ", "globalprotectgateway-auth-fail", "globalprotectportal-auth-succ",
                        "globalprotectportal-auth-fail", "globalprotectgateway-config-succ",
                        "globalprotectgateway-logout-succ", "globalprotectgateway-regist-succ"].first(where: { m.contains($0) })
        else { return nil }
        let d = m
        func field(_ name: String) -> String? {
            d.between(name + ": ", ",").map { String($0).trimmingBlanks }
        }
        let user = field("User name") ?? field("Login user")
        let src = field("Login from") ?? field("From")
        let extra: [String: JSONValue] = ["event": .string(id)]
        switch id {
        case "globalprotectgateway-auth-fail", "globalprotectportal-auth-fail":
            return meaning("auth.logon_failed", vendor: v, user: user, src: src, extra)
        case "globalprotectgateway-auth-succ", "globalprotectportal-auth-succ":
            return meaning("auth.logon", vendor: v, user: user, src: src, extra)
        case "globalprotectgateway-config-succ", "globalprotectgateway-regist-succ":
            guard let priv = field("Private IP").flatMap(literal) else { return nil }
            return meaning("vpn.address_assigned", vendor: v, user: user, src: src, tunnel: priv, extra)
        default:
            return meaning("auth.session_closed", vendor: v, user: user, src: src, extra)
        }
    }

    // MARK: Pulse / Ivanti Connect Secure

    static func pulse(_ m: Substring) -> FirewallMeaning? {
        let v = "pulse-connect-secure"
        var user: String?
        var src: String?
        var text: Substring
        if let msg = m.between("msg=\"", "\"") {
            // WELF: … user=alice realm="Users" src=198.51.100.20 … msg="AUT24414: …"
            let f = keyValues(m)
            user = f["user"]
            src = f["src"]
            text = msg
        } else if let open = m.byteRange(of: " - ["), let close = m[open.upperBound...].firstIndex(of: "]") {
            // 2021-04-20 10:00:00 - ive - [198.51.100.20] alice(Users)[Users] - AUT24414: …
            // Connect Secure 22.x names the network zone first: `Default Network::alice(Users)[Users][1a2b3c]`.
            src = String(m[open.upperBound..<close])
            let after = m[m.index(after: close)...].drop { $0 == " " }
            guard let dash = after.byteRange(of: " - ") else { return nil }
            var who = after[..<dash.lowerBound].prefix { $0 != "(" && $0 != "[" }
            if let zone = who.byteRange(of: "::") { who = who[zone.upperBound...] }
            user = String(who).trimmingBlanks
            text = after[dash.upperBound...]
        } else {
            return nil
        }
        var extra: [String: JSONValue] = [:]
        if let code = text.split(separator: ":", maxSplits: 1).first, code.count == 8, code.prefix(3).allSatisfy(\.isLetter) {
            extra["message_id"] = .string(String(code))
        }
        if text.hasBytes("Login succeeded for") || text.hasBytes("Primary authentication successful for")
            || text.hasBytes("Agent login succeeded for") {
            if let u = text.between(" for ", "/") { user = String(u) }
            if let s = text.between(" from ", " ") ?? text.following(" from ") {
                src = String(String(s).trimmingBlanks.reversed().drop { $0 == "." || $0 == "," }.reversed())
            }
            return meaning("auth.logon", vendor: v, user: user, src: src, extra)
        }
        // 22.x: `Session created for user: [alice/Users] from [198.51.100.20] with primary auth-server type: …`
        if text.hasPrefix("Session created for user: ") {
            if let u = text.between("user: [", "]") { user = String(u.prefix { $0 != "/" }) }
            if let s = text.between("from [", "]") { src = String(s) }
            return meaning("auth.logon", vendor: v, user: user, src: src, extra)
        }
        // One refused sign-in writes its verdict (`Primary authentication failed for alice/realm from …`) and, in
        // the same second before or after it, `Login failed. Reason: …` and `Login failed using auth server …`:
        // those are its details (`auth.failure_detail`), the attempt itself when no verdict comes (a refusal after
        // the password was right, `Reason: No Roles`).
        if text.hasBytes("Primary authentication failed for") {
            if let u = text.between("failed for ", "/") { user = String(u) }
            extra["reason"] = .string(String(text.prefix(200)))
            return meaning("auth.logon_failed", vendor: v, user: user, src: src, extra)
        }
        if text.hasBytes("Login failed") {
            extra["reason"] = .string(String(text.prefix(200)))
            return meaning("auth.failure_detail", vendor: v, user: user, src: src, extra)
        }
        /// The tunnel's address: `IPv4 address 10.0.0.5[, …]`, or Juniper's `with IP 10.0.0.5[, …]`.
        func tunnelAddress(alsoWithIP: Bool) -> Substring? {
            text.between("IPv4 address ", ",") ?? text.following("IPv4 address ")
                ?? (alsoWithIP ? text.between(" with IP ", ",") ?? text.following(" with IP ") : nil)
        }
        // `VPN Tunneling: Session started for user with IPv4 address 10.0.0.5, hostname H`, and from 9.1R11 with the
        // session between: `… for user (session: sid…) with IPv4 address 10.0.0.5, hostname H`.
        if text.hasBytes("VPN Tunneling: Session started for user"), let ip = tunnelAddress(alsoWithIP: true) {
            return meaning("vpn.address_assigned", vendor: v, user: user, src: src,
                           tunnel: literal(String(ip).trimmingBlanks), extra)
        }
        if text.hasBytes("VPN Tunneling: Session ended") || text.hasBytes("Logout from") || text.hasBytes("Session timed out")
            || (text.hasPrefix("Session:[") && text.hasBytes("] deleted")) {
            let ip = tunnelAddress(alsoWithIP: text.hasBytes("VPN Tunneling"))
            return meaning("auth.session_closed", vendor: v, user: user, src: src,
                           tunnel: ip.flatMap { literal(String($0).trimmingBlanks) }, extra)
        }
        return nil
    }

    // MARK: Citrix ADC (NetScaler) Gateway

    /// Citrix ADC Gateway's SSL VPN records, `… PPE-0 : SSLVPN LOGIN 927699709 0 : Context alice@198.51.100.20 -
    /// SessionId: 6515- User alice - Client_ip 198.51.100.20 - Nat_ip "Mapped Ip" - Vserver 203.0.113.10:443 - …`:
    /// LOGIN and LOGOUT (with the intranet address in `Nat_ip` when one was mapped), `AAA LOGIN_FAILED`, and each
    /// connection made through the tunnel (`TCPCONNSTAT`, `UDPFLOWSTAT`: `Source`, `Destination`, `Access Allowed`).
    static func citrix(_ m: Substring) -> FirewallMeaning? {
        let v = "citrix-adc-gateway"
        guard let at = m.byteRange(of: "SSLVPN ") ?? m.byteRange(of: "AAA ") else { return nil }
        var w = Words(m[at.lowerBound...])
        guard let family = w.next(), let event = w.next() else { return nil }
        guard let sep = m[at.upperBound...].byteRange(of: " : ") else { return nil }
        let body = m[sep.upperBound...]
        /// `Key value -`, `Key "quoted value" -`, `SessionId: 6515-`.
        func field(_ key: String) -> String? {
            var from = body.startIndex
            while let r = body[from...].byteRange(of: key + " ") {
                from = r.upperBound
                guard r.lowerBound == body.startIndex || body[body.index(before: r.lowerBound)] == " " else { continue }
                let rest = body[r.upperBound...].drop { $0 == " " }
                if rest.first == "\"" {
                    return String(rest.dropFirst().prefix { $0 != "\"" })
                }
                let value = rest.byteRange(of: " - ").map { rest[..<$0.lowerBound] } ?? rest
                return String(value).trimmingBlanks
            }
            return nil
        }
        /// `10.60.1.9:50659` (the `ip:port` reader OpenVPN's peers use), or an address alone (IPv6 without a port).
        func endpoint(_ s: String?) -> Endpoint? {
            guard let s else { return nil }
            if let p = openVPNPeer(Substring(s)) { return Endpoint(ip: p.ip, port: p.port) }
            return literal(s).map { Endpoint(ip: $0) }
        }
        /// An address field's value: the appliance sometimes leaves out the space before the next ` - `
        /// (`Client_ip 198.51.100.20- Nat_ip …`), or the dash (`Client_ip 198.51.100.20 Nat_ip …`).
        func address(_ key: String) -> String? {
            field(key).map { String($0.prefix { $0 != " " && $0 != "-" }) }
        }
        var extra: [String: JSONValue] = ["event": .string("\(family) \(event)")]
        /// How long, and how many bytes each way (a session's end, a connection through it).
        func counters() {
            if let d = field("Duration") { extra["duration"] = .string(d) }
            if let b = field("Total_bytes_send").flatMap(Int64.init) { extra["bytes_sent"] = .int(b) }
            if let b = field("Total_bytes_recv").flatMap(Int64.init) { extra["bytes_received"] = .int(b) }
        }
        if let id = (field("SessionId:") ?? field("sessionId:") ?? field("Sessionid")).map({ String($0.prefix { $0 != "-" }).trimmingBlanks }),
           !id.isEmpty {
            extra["session_id"] = .string(id)
        }
        if let vs = field("Vserver") { extra["vserver"] = .string(vs) }
        let user = field("User").map { String($0.prefix { $0 != " " }) }
        let client = endpoint(address("Client_ip"))?.ip
        let mapped = address("Nat_ip").flatMap(literal)
        switch (family, event) {
        case ("SSLVPN", "LOGIN"):
            if let t = field("SSLVPN_client_type") { extra["client_type"] = .string(t) }
            return meaning("auth.logon", vendor: v, user: user, src: client, tunnel: mapped, extra)
        case ("SSLVPN", "LOGOUT"):
            counters()
            return meaning("auth.session_closed", vendor: v, user: user, src: client, tunnel: mapped, extra)
        case ("AAA", "LOGIN_FAILED"):
            if let r = field("Failure_reason") { extra["reason"] = .string(r) }
            return meaning("auth.logon_failed", vendor: v, user: user, src: client, extra)
        case ("SSLVPN", "TCPCONNSTAT"), ("SSLVPN", "UDPFLOWSTAT"):
            guard let from = endpoint(field("Source")), let to = endpoint(field("Destination")) else { return nil }
            extra["vendor"] = .string(v)
            extra["protocol"] = event == "TCPCONNSTAT" ? "tcp" : "udp"
            counters()
            let denied = body.hasBytes("Access Denied")
            return FirewallMeaning(kind: denied ? "net.connection_blocked" : "net.flow_end",
                                   user: user.flatMap { $0.isEmpty ? nil : $0 }, src: from, dst: to, attributes: extra)
        default:
            return nil
        }
    }

    // MARK: strongSwan, WireGuard

    public static let strongSwanVendor = "strongswan"

    static func strongSwan(_ m: Substring) -> FirewallMeaning? {
        let v = strongSwanVendor
        // `13[IKE] <rw|2> …` with charon's `ike_name` logging, `<2>` before a connection is chosen: the IKE_SA's unique
        // id joins the lines of one negotiation (StrongSwanSessions).
        var ikeID: [String: JSONValue] = [:]
        var w = Words(m)
        var ahead = w
        if let thread = ahead.next(), SyslogParser.isCharonThread(thread) { w = ahead }
        ahead = w
        if let t = ahead.next(), t.hasPrefix("<"), t.hasSuffix(">") {
            w = ahead
            let inner = t.dropFirst().dropLast()
            let id = inner.split(separator: "|").last ?? inner
            if !id.isEmpty, id.count <= 12, id.allSatisfy(\.isASCIIDigit) { ikeID["ike_sa_id"] = .string(String(id)) }
        }
        // `09[IKE] IKE_SA rw[3] established between 203.0.113.1[gw]...198.51.100.20[alice@example.com]`
        func peer(_ t: Substring) -> (ip: String?, id: String?) {
            guard let dots = t.byteRange(of: "...") else { return (nil, nil) }
            let p = t[dots.upperBound...]
            let ip = p.prefix { $0 != "[" }
            return (literal(String(ip)), p.between("[", "]").map(String.init))
        }
        if m.hasBytes("IKE_SA"), m.hasBytes(" established between ") {
            let p = peer(m)
            return meaning("auth.logon", vendor: v, user: p.id, src: p.ip,
                           ikeID.merging(["ike_sa": .string(String(m.between("IKE_SA ", " ") ?? ""))]) { a, _ in a })
        }
        if let ip = m.between("assigning virtual IP ", " "), let id = m.between("to peer '", "'") {
            return meaning("vpn.address_assigned", vendor: v, user: String(id), src: nil, tunnel: literal(String(ip)), ikeID)
        }
        if m.hasBytes("deleting IKE_SA"), m.hasBytes(" between ") {
            let p = peer(m)
            return meaning("auth.session_closed", vendor: v, user: p.id, src: p.ip, ikeID)
        }
        // A negotiation begins (`198.51.100.20 is initiating an IKE_SA`, IKEv1's `… a Main Mode IKE_SA`), then the
        // user names itself (`received EAP identity 'vendor1'`): the lines after it in the same IKE_SA may not.
        if m.hasBytes(" is initiating a"), m.hasBytes("IKE_SA"), let t = w.next(), let ip = literal(String(t)) {
            return meaning("vpn.session_start", vendor: v, user: nil, src: ip, ikeID)
        }
        if let id = m.between("received EAP identity '", "'") {
            return meaning("vpn.auth_request", vendor: v, user: String(id), src: nil, ikeID)
        }
        // Each password that does not verify is one failed attempt (`EAP-MS-CHAPv2 verification failed, retry (1)`: the
        // client may try again in the same IKE_SA); the method's failure after it is the same attempt's end, which
        // the collector keeps apart (`auth.eap_failed`). An unknown user's key not found is that attempt's detail.
        if m.hasBytes("EAP-MS-CHAPv2 verification failed") {
            var a = ikeID
            a["method"] = "eap-mschapv2"
            return meaning("auth.logon_failed", vendor: v, user: m.between(" for '", "'").map(String.init), src: nil, a)
        }
        if m.hasBytes("no EAP key found for hosts "), let u = m.between("' - '", "'") {
            return meaning("auth.invalid_user", vendor: v, user: String(u), src: nil, ikeID)
        }
        if m.hasBytes("EAP method"), m.hasBytes("failed for peer "), let id = m.following("failed for peer ") {
            var a = ikeID
            if let method = m.between("EAP method ", " ") { a["eap_method"] = .string(String(method)) }
            let who = String(id.prefix { $0 != " " })
            // The peer's IKE identity: the user's name, or only its address when it gave no other.
            let address = literal(who)
            return meaning("auth.logon_failed", vendor: v, user: address == nil ? who : nil, src: address, a)
        }
        return nil
    }

    // MARK: F5 BIG-IP APM

    public static let f5Vendor = "f5-big-ip-apm"

    /// `01490500:5: /Common/ap:Common:49dc8781: New session from client IP …`, with or without the access profile
    /// before the session id, and with what a syslog header left in front of the id (`notice tmm2[20226]:`).
    static func f5APM(_ m: Substring) -> FirewallMeaning? {
        var w = Words(m)
        var id: Substring?
        for _ in 0..<3 {
            guard let t = w.next(), t.utf8.count <= 40 else { return nil }
            if isF5MessageID(t) { id = t; break }
        }
        guard let id, let where_ = w.next(), where_.count >= 9, where_.hasSuffix(":") else { return nil }
        let parts = where_.dropLast().split(separator: ":", omittingEmptySubsequences: false)
        guard let sid = parts.last, sid.count == 8, sid.allSatisfy(\.isHexDigit) else { return nil }
        let text = w.rest.drop { $0 == " " }
        let v = f5Vendor
        var extra: [String: JSONValue] = ["session_id": .string(String(sid)), "message_id": .string(String(id.prefix(8)))]
        if parts.count >= 3 { extra["access_profile"] = .string(parts.dropLast(2).joined(separator: ":")) }
        if let ip = text.between("New session from client IP ", " ") {
            if let vip = text.between(" at VIP ", " ").map(String.init) ?? text.following(" at VIP ").map(String.init) {
                extra["vip"] = .string(vip)
            }
            if let l = text.following(" Listener ") { extra["listener"] = .string(String(l.prefix { $0 != " " })) }
            return meaning("vpn.session_start", vendor: v, user: nil, src: String(ip), extra)
        }
        if text.hasPrefix("Username '"), let u = text.between("Username '", "'") {
            return meaning("vpn.auth_request", vendor: v, user: String(u), src: nil, extra)
        }
        // The authentication agents' verdicts: `AD agent: Auth (logon attempt:0): authenticate with 'u' successful`,
        // `AD module: authentication with 'u' failed: Preauthentication failed, …`, `RADIUS module: …`.
        if let colon = text.byteRange(of: ": "), case let agent = text[..<colon.lowerBound],
           agent.hasSuffix(" agent") || agent.hasSuffix(" module"),
           let u = text.between(" with '", "'") {
            extra["agent"] = .string(String(agent))
            if let n = text.between("(logon attempt:", ")") { extra["attempt"] = .string(String(n)) }
            let after = text.following(" with '\(u)' ") ?? ""
            if after.hasPrefix("failed") {
                var reason = after.dropFirst(6).drop { $0 == ":" || $0 == " " }
                // `failed in doAuth: Preauthentication failed, …`: the agent's step, then why.
                if reason.hasPrefix("in "), let colon = reason.byteRange(of: ": ") {
                    extra["step"] = .string(String(reason[reason.index(reason.startIndex, offsetBy: 3)..<colon.lowerBound]))
                    reason = reason[colon.upperBound...]
                }
                if !reason.isEmpty { extra["reason"] = .string(String(reason)) }
                return meaning("auth.logon_failed", vendor: v, user: String(u), src: nil, extra)
            }
            if after.hasPrefix("successful") {
                return meaning("auth.credentials_accepted", vendor: v, user: String(u), src: nil, extra)
            }
            return nil
        }
        if let result = text.following("Access policy result: ") {
            let r = String(result.prefix { $0 != " " })
            extra["result"] = .string(r)
            // A deny ending: the collector makes it the failed attempt when no agent refused a credential before it.
            return meaning(r.lowercased().contains("deny") ? "auth.logon_denied" : "auth.logon", vendor: v, user: nil, src: nil, extra)
        }
        if text.hasPrefix("Assigned PPP "), let ip = text.between(" IPv4: ", " ") ?? text.between(" IPv6: ", " ") {
            let client = text.following(" Client IP: ").map { String($0.prefix { $0 != " " }) }
            if let t = text.between(" Tunnel Type: ", " ") { extra["tunnel_type"] = .string(String(t)) }
            if let r = text.between(" Resource: ", " ") { extra["resource"] = .string(String(r)) }
            return meaning("vpn.address_assigned", vendor: v, user: nil, src: client, tunnel: literal(String(ip)), extra)
        }
        if text.hasPrefix("Session deleted") {
            extra["reason"] = .string(String(text))
            return meaning("auth.session_closed", vendor: v, user: nil, src: nil, extra)
        }
        return nil
    }

    // MARK: SoftEther VPN

    public static let softEtherVendor = "softether"

    /// Whether the message begins as a SoftEther hub line does (its bytes compared, not its characters: every line
    /// that reaches the gateways' readers is asked).
    static func isSoftEther(_ m: Substring, first: Substring) -> Bool {
        let u = m.utf8
        switch u.first {
        case UInt8(ascii: "T"): return u.starts(with: "The connection \"CID-".utf8)
        case UInt8(ascii: "C"): return u.starts(with: "Connection \"CID-".utf8)
        case UInt8(ascii: "S"): return u.starts(with: "Session \"SID-".utf8)
        case UInt8(ascii: "["): return u.starts(with: "[HUB \"".utf8) || first.hasBytes("/VPN")
        default: return false
        }
    }

    /// One line of a SoftEther VPN Server's hub log, after any prefix the server log or syslog put before it.
    static func softEther(_ line: Substring) -> FirewallMeaning? {
        var m = line
        var extra: [String: JSONValue] = [:]
        if m.hasPrefix("[HUB \""), let hub = m.between("[HUB \"", "\"] ") {
            extra["hub"] = .string(String(hub))
            m = m.following("\"] ") ?? ""
        } else if m.hasPrefix("["), m.hasBytes("/VPN/"), let hub = m.between("/VPN/", "]"), let body = m.following(">: ") {
            extra["hub"] = .string(String(hub))
            m = body
        }
        let v = softEtherVendor
        // LH_CONNECT_CLIENT
        if m.hasPrefix("The connection \"CID-"), m.hasBytes(" is attempting to connect to the Virtual Hub") {
            guard let cid = m.between("The connection \"", "\""), let ip = m.between("(IP address: ", ",") else { return nil }
            extra["connection"] = .string(String(cid))
            if let c = m.between("Client name: \"", "\"") { extra["client"] = .string(String(c)) }
            if let t = m.between("The auth type provided is \"", "\"") { extra["auth_type"] = .string(String(t)) }
            let port = m.between("Port number: ", ",").flatMap { UInt16($0) }
            return meaning("vpn.auth_request", vendor: v, user: m.between("the user name is \"", "\"").map(String.init),
                           src: String(ip), port: port, extra)
        }
        if m.hasPrefix("Connection \"CID-"), let cid = m.between("Connection \"", "\""), let text = m.following("\": ") {
            extra["connection"] = .string(String(cid))
            if text.hasPrefix("Successfully authenticated as user \"") {
                return meaning("auth.credentials_accepted", vendor: v, user: text.between("as user \"", "\"").map(String.init),
                               src: nil, extra)
            }
            // LH_AUTH_NG, LH_LOCAL_ONLY, LH_POLICY_ACCESS_NG ("beens" as the string table has it), LH_USER_EXPIRES,
            // LH_TOO_MANY_MULTILOGINS.
            let refusals: [(String, String, String)] = [
                ("User authentication failed.", "The user name that has been provided was \"", "user authentication failed"),
                ("The remote login has been refused because of the password for user \"", "for user \"", "blank password"),
                ("Access has beens refused to user \"", "to user \"", "refused by the security policy"),
                ("Access has been refused to user \"", "to user \"", "account expired"),
                ("Although the user \"", "Although the user \"", "too many logins by the same user"),
            ]
            for (marker, before, reason) in refusals where text.hasPrefix(marker) {
                extra["reason"] = .string(reason)
                return meaning("auth.logon_failed", vendor: v, user: text.between(before, "\"").map(String.init), src: nil, extra)
            }
            // LH_NEW_SESSION: the session a successful connection gets.
            if text.hasPrefix("The new session \""), let sid = text.between("The new session \"", "\"") {
                extra["session_id"] = .string(String(sid))
                if let p = text.between("Physical underlying protocol: \"", "\"") { extra["protocol"] = .string(String(p)) }
                let port = text.between("Port number: ", ",").flatMap { UInt16($0) }
                return meaning("auth.logon", vendor: v, user: nil, src: text.between("(IP address: ", ",").map(String.init),
                               port: port, extra)
            }
            return nil
        }
        if m.hasPrefix("Session \"SID-"), let sid = m.between("Session \"", "\""), let text = m.following("\": ") {
            // LH_REGIST_DHCP: SecureNAT's DHCP server (a session of its own) gives another session its address.
            if text.hasPrefix("The DHCP server of host "), let other = text.between("on another session \"", "\""),
               let ip = text.following(", the new IP address ") {
                extra["session_id"] = .string(String(other))
                extra["dhcp_session"] = .string(String(sid))
                return meaning("vpn.address_assigned", vendor: v, user: nil, src: nil,
                               tunnel: literal(String(ip.prefix { $0 != " " }.reversed().drop { $0 == "." }.reversed())), extra)
            }
            // LH_END_SESSION
            if text.hasPrefix("The session has been terminated.") {
                extra["session_id"] = .string(String(sid))
                if let o = text.between("Total outgoing data size: ", " bytes"), let n = Int64(o) { extra["bytes_sent"] = .int(n) }
                if let i = text.between("Total incoming data size: ", " bytes"), let n = Int64(i) { extra["bytes_received"] = .int(n) }
                return meaning("auth.session_closed", vendor: v, user: nil, src: nil, extra)
            }
        }
        return nil
    }

    /// Whether a word in the message's first 64 bytes is an APM message id (`01490500:5:`), read as bytes.
    static func hasF5MessageID(_ m: Substring) -> Bool {
        var m = m
        return m.withUTF8 { b -> Bool in
            let n = min(b.count, 64)
            var i = 0
            while i + 11 <= n {
                if b[i] == 0x30, b[i + 1] == 0x31, b[i + 2] == 0x34, b[i + 3] == 0x39, i == 0 || b[i - 1] == 0x20,
                   b[i + 8] == 0x3A, b[i + 10] == 0x3A, b[i + 9] >= 0x30, b[i + 9] <= 0x39 {
                    return true
                }
                i += 1
            }
            return false
        }
    }

    /// `01490500:5:`: eight hex digits of an APM message (0149…), a level digit.
    static func isF5MessageID(_ t: Substring) -> Bool {
        let u = t.utf8
        guard u.count == 11, t.hasPrefix("0149"), t.hasSuffix(":") else { return false }
        let b = Array(u)
        return b[0..<8].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
            && b[8] == UInt8(ascii: ":") && b[9] >= 0x30 && b[9] <= 0x39
    }

    static func wireGuard(_ m: Substring) -> FirewallMeaning? {
        // `wireguard: wg0: Receiving handshake initiation from peer 3 (198.51.100.20:51820)`
        guard m.hasBytes("Receiving handshake initiation from peer"), let n = m.between("from peer ", " "),
              let ep = m.between("(", ")"), let p = openVPNPeer(ep) else { return nil }
        var r = meaning("vpn.handshake", vendor: "wireguard", user: nil, src: p.ip, port: p.port,
                        ["peer": .string(String(n)), "interface": .string(String(m.between("wireguard: ", ":") ?? ""))])
        r.attributes["note"] = "WireGuard names peers by number only: no user and no assigned address"
        return r
    }
}

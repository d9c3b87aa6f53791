import JikochoModel

/// Check Point gateways' and management servers' records as the Log Exporter sends them in its default syslog format:
/// an RFC 5424 header with `CheckPoint` as the application, then the record as `[key:"value"; key:"value"; …]` where
/// structured data would be (`<134>1 2023-12-29T14:20:02Z CP-Manager CheckPoint 10547 - [action:"Accept"; …]`).
/// Field names are Check Point's (Log Exporter field list; Check Point's "Log Fields" description): `action`,
/// `product`, `src`, `dst`, `s_port`, `service`, `proto`, `user`, `office_mode_ip` (the Office Mode address a Remote
/// Access VPN client is given), and the audit records' `operation`, `administrator`, `client_ip`, `audit_status`.
///
/// - Remote Access VPN (`action` `Log In`, `Failed Log In`, `Log Out`): `auth.logon` with the Office Mode address as
///   the tunnel's, `auth.logon_failed`, `auth.session_closed`; `access: vpn`.
/// - Administrators' logons to the management (SmartConsole, the web API, the Gaia portal, Expert shell: `operation`
///   `Log In`/`Log Out`, `audit_status` `Failure` for a refusal): the same kinds, `access: management`.
/// - The firewall's connection records (`product` `VPN-1 & FireWall-1` or `Firewall`): `Accept` → `net.flow_start`,
///   `Drop`, `Reject` → `net.connection_blocked`.
///
/// Any other record (threat prevention, policy installs, system monitor) stays `syslog.message` with its whole text.
public enum CheckPoint {
    /// The record's fields, at most 512; nil when the text is no `[key:"value"; …]` record.
    public static func fields(_ m: Substring) -> [String: String]? {
        let b = Array(m.utf8)
        var i = 0
        while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        guard i < b.count, b[i] == UInt8(ascii: "[") else { return nil }
        i += 1
        var out: [String: String] = [:]
        while i < b.count, out.count < 512 {
            while i < b.count, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: ";") { i += 1 }
            guard i < b.count, b[i] != UInt8(ascii: "]") else { break }
            let k0 = i
            while i < b.count, b[i] != UInt8(ascii: ":"), b[i] != UInt8(ascii: " "), b[i] != UInt8(ascii: "]") { i += 1 }
            guard i + 1 < b.count, b[i] == UInt8(ascii: ":"), b[i + 1] == UInt8(ascii: "\""), i > k0 else { return out.isEmpty ? nil : out }
            let key = String(decoding: b[k0..<i], as: UTF8.self)
            i += 2
            var value: [UInt8] = []
            while i < b.count, b[i] != UInt8(ascii: "\"") {
                if b[i] == UInt8(ascii: "\\"), i + 1 < b.count { i += 1 }
                value.append(b[i])
                i += 1
            }
            i += 1
            if out[key] == nil { out[key] = String(decoding: value, as: UTF8.self) }
        }
        return out.isEmpty ? nil : out
    }

    /// Whether a syslog record is one of the Log Exporter's.
    static func isRecord(program: String, message m: Substring) -> Bool {
        program == "checkpoint" || (m.first == "[" && m.hasBytes(":\"") && m.hasBytes("\"; "))
    }

    public static func interpret(_ f: [String: String]) -> FirewallMeaning? {
        let v = "checkpoint"
        func nonEmpty(_ k: String) -> String? { f[k].flatMap { $0.isEmpty ? nil : $0 } }
        var extra: [String: JSONValue] = [:]
        for (k, name) in [("product", "product"), ("origin", "origin"), ("auth_method", "method"), ("reason", "reason"),
                          ("additional_info", "detail"), ("loguid", "loguid")] {
            if let x = nonEmpty(k) { extra[name] = .string(x) }
        }
        let action = f["action"] ?? ""
        // Administrators' logons to the management.
        if let op = f["operation"], op == "Log In" || op == "Log Out", let admin = nonEmpty("administrator") {
            let failed = (f["audit_status"] ?? "").lowercased() == "failure"
            let kind = op == "Log Out" ? "auth.session_closed" : failed ? "auth.logon_failed" : "auth.logon"
            if let s = nonEmpty("subject") { extra["event"] = .string(s) }
            return RemoteAccess.meaning(kind, vendor: v, user: admin, src: f["client_ip"], access: "management", extra)
        }
        let user = nonEmpty("user").map(Self.account) ?? nonEmpty("src_user_name").map(Self.account)
        switch action {
        case "Log In", "Failed Log In", "Log Out":
            // Remote Access VPN (Endpoint Security VPN, Mobile Access): the Office Mode address is the tunnel's.
            let kind = action == "Log In" ? "auth.logon" : action == "Log Out" ? "auth.session_closed" : "auth.logon_failed"
            let tunnel = nonEmpty("office_mode_ip").flatMap(RemoteAccess.literal)
            if let s = nonEmpty("auth_status") { extra["status"] = .string(s) }
            return RemoteAccess.meaning(kind, vendor: v, user: user, src: f["src"], tunnel: kind == "auth.logon_failed" ? nil : tunnel,
                                        extra)
        case "Accept", "Drop", "Reject":
            let product = f["product"] ?? ""
            guard product == "VPN-1 & FireWall-1" || product == "Firewall",
                  let s = f["src"].flatMap(RemoteAccess.literal), let d = f["dst"].flatMap(RemoteAccess.literal) else { return nil }
            var a = extra
            a["vendor"] = .string(v)
            a["action"] = .string(action)
            if let p = f["proto"].flatMap(Int.init) {
                a["protocol"] = .string(p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : p == 58 ? "icmpv6" : String(p))
            }
            for (k, name) in [("rule_name", "rule"), ("service_id", "service"), ("ifname", "interface"), ("inzone", "inzone"),
                              ("outzone", "outzone")] {
                if let x = nonEmpty(k) { a[name] = .string(x) }
            }
            return FirewallMeaning(kind: action == "Accept" ? "net.flow_start" : "net.connection_blocked", user: user,
                                   src: Endpoint(ip: s, port: f["s_port"].flatMap(UInt16.init)),
                                   dst: Endpoint(ip: d, port: f["service"].flatMap(UInt16.init)), attributes: a)
        default:
            return nil
        }
    }

    /// `Doe, John (jdoe)` and `John Doe (jdoe)` → `jdoe`; anything else as written.
    static func account(_ u: String) -> String {
        guard u.hasSuffix(")"), let open = u.lastIndex(of: "(") else { return u }
        let inner = u[u.index(after: open)..<u.index(before: u.endIndex)]
        return inner.isEmpty ? u : String(inner)
    }
}

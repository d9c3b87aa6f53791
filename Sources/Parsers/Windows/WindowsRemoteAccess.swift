import JikochoModel

/// A Windows server as the remote-access gateway: Routing and Remote Access (RRAS, provider `RemoteAccess` in the
/// System log) and the Network Policy Server that authorizes its clients (Security log, 6272 granted, 6273 denied).
/// Their records become the same facts as every other gateway's (`RemoteAccess`): `auth.logon`, `auth.logon_failed`,
/// `vpn.address_assigned` with the address given in `tunnel_ip`, `auth.session_closed`, `vendor`, `access: vpn`.
///
/// RRAS's event data values are unnamed (`param1`, `param2`, … in the stored event), in the order of the message's
/// insertion strings, the first two being the routing domain and the connection's correlation id:
/// - 20250 `The user %3 has connected and has been successfully authenticated on port %4`
/// - 20271 `The user %2 connected from %3 but failed an authentication attempt due to the following reason: %4`
/// - 20272 `The user %3 connected on port %4 on %5 at %6 and disconnected on %7 at %8. The user was active for %9
///   minutes %10 seconds. %11 bytes were sent and %12 bytes were received. The reason for disconnecting was %13. The
///   tunnel used was %14. …`
/// - 20274 `The user %3 connected on port %4 has been assigned address %5`
/// - 20275 `The user with ip address %3 has disconnected`
/// (positions as administrators' scripts read them with `Get-WinEvent`'s `Properties`). RRAS does not name the
/// client's own address on a successful connection; the NPS record of the same logon does (`CallingStationID`), and a
/// 20271 failure does.
///
/// Remote Desktop Gateway (`Microsoft-Windows-TerminalServices-Gateway/Operational`), the gateway that relays remote
/// desktop from the internet to a host inside: its records name the user, the client's address and the resource (the
/// host inside) in their UserData (`EventInfo`: `Username`, `IpAddress`, `Resource`, `ConnectionProtocol`,
/// `BytesReceived`, `BytesTransfered`, `SessionDuration`, `ErrorCode`):
/// - 302 `The user "%1", on client computer "%2", connected to resource "%3"`: `auth.logon`, the session on the
///   gateway, `access: rd-gateway`, `resource`;
/// - 303 `… disconnected from the following network resource: "%3". Before the user disconnected, the client
///   transferred %4 bytes and received %5 bytes. The client session duration was %6 seconds`: `auth.session_closed`;
/// - 201 and 301 (the connection or resource authorization policy refused the user), 304 (failed to connect to the
///   resource): `auth.logon_failed` with the error code.
public enum WindowsRemoteAccess {
    /// Sets the event's user, source, tunnel address and the remote-access attributes from its event data, as the
    /// EVTX collector stores them (`event_id`, `provider`, `event_data`). Any other event is left as it is, most of
    /// them told apart by their kind and message before any attribute is read.
    public static func refine(_ e: inout Event) {
        switch e.kind {
        case "auth.logon", "auth.logon_failed", "auth.session_closed", "vpn.address_assigned": break
        default: return
        }
        // The collector's messages start `CHANNEL ID PROVIDER`: most logons (4624) are told apart without parsing.
        let m = e.message.utf8
        guard m.starts(with: "System 202".utf8) || m.starts(with: "Security 627".utf8)
                || !m.starts(with: "Security ".utf8), case .int(let id)? = e.attributes["event_id"] else { return }
        var data: [String: JSONValue] = [:]
        if case .object(let d)? = e.attributes["event_data"] { data = d }
        if case .object(let u)? = e.attributes["user_data"] { data.merge(u) { a, _ in a } }
        refine(&e, id: id, provider: e.attributes["provider"]?.text, data: data)
    }

    /// The same from a record exported another way (Winlogbeat's `winlog.event_id`, `provider_name`, `event_data`).
    public static func refine(_ e: inout Event, id: Int64, provider: String?, data: [String: JSONValue]) {
        func v(_ key: String) -> String? {
            guard let t = data[key]?.text.trimmingBlanks, !t.isEmpty, t != "-" else { return nil }
            return t
        }
        switch id {
        case 20250, 20271, 20272, 20274, 20275: guard provider == "RemoteAccess" else { return }
        case 6272, 6273: guard e.kind.hasPrefix("auth.") else { return }
        case 201, 301, 302, 303, 304:
            guard provider?.lowercased().contains("terminalservices-gateway") == true else { return }
            rdGateway(&e, id: id, v)
            return
        default: return
        }
        func p(_ n: Int) -> String? { v("param\(n)") }
        if id == 6272 || id == 6273 {
            // NPS serves VPN servers, wireless access points and switches alike: only a virtual port is a VPN.
            e.attributes["vendor"] = "microsoft-nps"
            if let type = v("NASPortType") { e.attributes["nas_port_type"] = .string(type) }
            if (v("NASPortType") ?? "").lowercased() == "virtual" { e.attributes["access"] = "vpn" }
            e.user = v("FullyQualifiedSubjectUserName") ?? v("SubjectUserName") ?? e.user
            if let ip = v("CallingStationID").flatMap(IPAddressText.canonical) { e.src = Endpoint(ip: ip) }
            for (k, name) in [("NetworkPolicyName", "policy"), ("AuthenticationType", "method"), ("Reason", "reason"),
                              ("ClientName", "nas_client")] {
                if let x = v(k) { e.attributes[name] = .string(x) }
            }
            e.domain = .network
            return
        }
        e.attributes["vendor"] = "microsoft-rras"
        e.attributes["access"] = "vpn"
        e.domain = .network
        switch id {
        case 20250:
            e.user = p(3) ?? e.user
            if let port = p(4) { e.attributes["vpn_port"] = .string(port) }
        case 20271:
            e.user = p(2) ?? e.user
            e.src = Endpoint(ip: p(3).flatMap(IPAddressText.canonical))
            if let r = p(4) { e.attributes["reason"] = .string(r) }
        case 20272:
            e.user = p(3) ?? e.user
            e.src = Endpoint()
            if let port = p(4) { e.attributes["vpn_port"] = .string(port) }
            let sent = p(11).flatMap(Int64.init), received = p(12).flatMap(Int64.init)
            if let sent { e.attributes["bytes_sent"] = .int(sent) }
            if let received { e.attributes["bytes_received"] = .int(received) }
            if let m = p(9).flatMap(Int64.init) { e.attributes["duration_s"] = .int(m * 60 + (p(10).flatMap(Int64.init) ?? 0)) }
            if let r = p(13) { e.attributes["reason"] = .string(r) }
            if let t = p(14) { e.attributes["tunnel_type"] = .string(t) }
        case 20274:
            e.user = p(3) ?? e.user
            e.src = Endpoint()
            if let port = p(4) { e.attributes["vpn_port"] = .string(port) }
            if let a = p(5).flatMap(IPAddressText.canonical) {
                e.attributes["tunnel_ip"] = .string(a)
                e.dst = Endpoint(ip: a)
            }
        case 20275:
            e.user = nil
            e.src = Endpoint()
            if let a = p(3).flatMap(IPAddressText.canonical) { e.attributes["tunnel_ip"] = .string(a) }
        default:
            break
        }
    }

    /// A Remote Desktop Gateway record: the user (the account without its domain, which `account` keeps), the client's
    /// address, the resource inside, and what the record says of the connection; its message in words.
    static func rdGateway(_ e: inout Event, id: Int64, _ v: (String) -> String?) {
        e.attributes["vendor"] = "microsoft-rdg"
        e.attributes["access"] = "rd-gateway"
        e.domain = .network
        let account = v("Username")
        if let account {
            e.attributes["account"] = .string(account)
            e.user = account.split(separator: "\\").last.map(String.init) ?? account
        }
        let client = v("IpAddress").flatMap(IPAddressText.canonical)
        e.src = Endpoint(ip: client)
        let resource = v("Resource")
        if let resource {
            e.attributes["resource"] = .string(resource)
            e.dst = Endpoint(ip: IPAddressText.canonical(resource))
        }
        if let p = v("ConnectionProtocol") { e.attributes["protocol"] = .string(p) }
        if let a = v("AuthType") { e.attributes["method"] = .string(a) }
        if let code = v("ErrorCode"), code != "0" { e.attributes["error_code"] = .string(code) }
        let who = "\(account ?? "?") on client computer \(client ?? v("IpAddress") ?? "?")"
        switch id {
        case 302:
            e.message = "RD Gateway: \(who) connected to resource \(resource ?? "?")"
        case 303:
            let received = v("BytesReceived").flatMap(Int64.init), sent = v("BytesTransfered").flatMap(Int64.init)
            if let received { e.attributes["bytes_received"] = .int(received) }
            if let sent { e.attributes["bytes_sent"] = .int(sent) }
            if let d = v("SessionDuration").flatMap(Int64.init) { e.attributes["duration_s"] = .int(d) }
            e.message = "RD Gateway: \(who) disconnected from resource \(resource ?? "?")"
                + (v("SessionDuration").map { " after \($0) s" } ?? "")
        default:
            let what = id == 201 ? "was refused by the connection authorization policy"
                : id == 301 ? "was refused access to resource \(resource ?? "?") by the resource authorization policy"
                : "failed to connect to resource \(resource ?? "?")"
            e.attributes["reason"] = .string(what + (v("ErrorCode").map { " (error \($0))" } ?? ""))
            e.message = "RD Gateway: \(who) \(what)" + (v("ErrorCode").map { " (error \($0))" } ?? "")
        }
    }
}

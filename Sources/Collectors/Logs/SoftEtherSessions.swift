import JikochoModel
import Parsers

/// A SoftEther VPN Server's connections and sessions over their lines (`RemoteAccess.softEther`): a connection
/// (`CID-n`) names the client's address and the user it gave when it arrives, then only its id on its verdict and on
/// the session it gets (`SID-…`); the session's address comes from the SecureNAT DHCP's line, and its end names only
/// the session. Each line gets the address, user and tunnel address the lines before it said, and says where from
/// (`joined_from`). Keyed by the server (the line's host, or the file) and the hub. Bounded: past `limit` open
/// connections and sessions the tables start again.
struct SoftEtherSessions {
    static let limit = 10_000

    private var connections: [String: GatewaySession] = [:]
    private var sessions: [String: GatewaySession] = [:]

    mutating func join(_ e: inout Event, host: String) {
        let hub = host + "|" + (e.attributes["hub"]?.text ?? "")
        if connections.count + sessions.count >= Self.limit { self = SoftEtherSessions() }
        let cid = (e.attributes["connection"]?.text).map { hub + "|" + $0 }
        let sid = (e.attributes["session_id"]?.text).map { hub + "|" + $0 }
        func fill(_ k: GatewaySession) { k.fill(&e, lines: "the connection's lines") }
        switch e.kind {
        case "vpn.auth_request":
            guard let cid else { return }
            connections[cid] = GatewaySession(src: e.src, user: e.user, at: e.provenance.locator)
        case "auth.credentials_accepted", "auth.logon_failed":
            guard let cid, let k = connections[cid] else { return }
            fill(k)
            if e.kind == "auth.logon_failed" { connections[cid] = nil }
        case "auth.logon":
            guard let cid, let k = connections.removeValue(forKey: cid) else { return }
            fill(k)
            if let sid { sessions[sid] = GatewaySession(src: e.src, user: e.user, at: k.at) }
        case "vpn.address_assigned":
            guard let sid, var k = sessions[sid] else { return }
            fill(k)
            k.tunnel = e.attributes["tunnel_ip"]?.text
            sessions[sid] = k
        case "auth.session_closed":
            guard let sid, let k = sessions.removeValue(forKey: sid) else { return }
            fill(k)
        default:
            break
        }
    }
}

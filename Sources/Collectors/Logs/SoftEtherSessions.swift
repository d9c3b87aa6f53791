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

    struct Known {
        var src = Endpoint()
        var user: String?
        var tunnel: String?
        var at: String
    }

    private var connections: [String: Known] = [:]
    private var sessions: [String: Known] = [:]

    mutating func join(_ e: inout Event, host: String) {
        let hub = host + "|" + (e.attributes["hub"]?.text ?? "")
        if connections.count + sessions.count >= Self.limit { self = SoftEtherSessions() }
        let cid = (e.attributes["connection"]?.text).map { hub + "|" + $0 }
        let sid = (e.attributes["session_id"]?.text).map { hub + "|" + $0 }
        func fill(_ k: Known) {
            var joined = false
            if e.src.ip == nil, k.src.ip != nil { e.src = k.src; joined = true }
            if e.user == nil, let u = k.user { e.user = u; joined = true }
            if e.kind == "auth.session_closed", e.attributes["tunnel_ip"] == nil, let t = k.tunnel {
                e.attributes["tunnel_ip"] = .string(t)
                joined = true
            }
            if joined { e.attributes["joined_from"] = .string("the connection's lines from \(k.at)") }
        }
        switch e.kind {
        case "vpn.auth_request":
            guard let cid else { return }
            connections[cid] = Known(src: e.src, user: e.user, at: e.provenance.locator)
        case "auth.credentials_accepted", "auth.logon_failed":
            guard let cid, let k = connections[cid] else { return }
            fill(k)
            if e.kind == "auth.logon_failed" { connections[cid] = nil }
        case "auth.logon":
            guard let cid, let k = connections.removeValue(forKey: cid) else { return }
            fill(k)
            if let sid { sessions[sid] = Known(src: e.src, user: e.user, at: k.at) }
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

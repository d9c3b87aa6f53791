import JikochoModel
import Parsers

/// F5 BIG-IP APM's access sessions over their lines (`RemoteAccess.f5APM`): every line of a session carries the
/// session's id, but only some name the client's address (`New session from client IP`), the user (`Username`, an
/// authentication agent's verdict) or the tunnel address (`Assigned PPP Dynamic IPv4`). Each line gets what the
/// lines before it in the same session said, and says where it came from (`joined_from`).
///
/// One refused attempt is one `auth.logon_failed`: an agent's refusal of a credential is the attempt; the access
/// policy's deny ending after it (`Access policy result: Logon_Deny`) corroborates it (`auth.logon_denied`), and
/// is the failed attempt itself only when no agent refused anything in that session (a failed device check, a
/// denied second factor). Bounded: past `limit` open sessions the table starts again.
struct F5Sessions {
    static let limit = 10_000

    struct Session {
        var known = GatewaySession()
        var refused = 0
    }

    private var sessions: [String: Session] = [:]

    mutating func join(_ e: inout Event, host: String) {
        guard let sid = e.attributes["session_id"]?.text else { return }
        let key = host + "|" + sid
        if sessions.count >= Self.limit, sessions[key] == nil { sessions = [:] }
        if e.kind == "vpn.session_start" {
            sessions[key] = Session(known: GatewaySession(src: e.src, at: e.provenance.locator))
            return
        }
        var s = sessions[key] ?? Session()
        s.known.fill(&e, lines: "the session's lines")
        // What this line names is what the session's later lines get.
        if s.known.src.ip == nil, e.src.ip != nil { s.known.src = e.src }
        if let u = e.user { s.known.user = u }
        if let t = e.attributes["tunnel_ip"]?.text { s.known.tunnel = t }
        switch e.kind {
        case "auth.logon_failed":
            s.refused += 1
        case "auth.logon_denied" where s.refused == 0:
            e.kind = "auth.logon_failed"
            e.attributes["note"] = "the access policy ended in a deny with no credential refused before it in the session"
        default:
            break
        }
        if e.kind == "auth.session_closed" { sessions[key] = nil } else { sessions[key] = s }
    }
}

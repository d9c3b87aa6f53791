import JikochoModel

/// What a gateway's earlier lines of one connection or session said (the client's address, the user, the tunnel
/// address) and where those lines began: for the gateways whose later lines name only the session (F5 BIG-IP APM,
/// SoftEther).
struct GatewaySession {
    var src = Endpoint()
    var user: String?
    var tunnel: String?
    var at: String?

    /// Gives the line the address and user it does not name itself, and the session's end its tunnel address, saying
    /// where they came from (`joined_from`: "the `lines` from …").
    func fill(_ e: inout Event, lines: String) {
        var joined = false
        if e.src.ip == nil, src.ip != nil {
            e.src = src
            joined = true
        }
        if e.user == nil, let u = user {
            e.user = u
            joined = true
        }
        if e.kind == "auth.session_closed", e.attributes["tunnel_ip"] == nil, let t = tunnel {
            e.attributes["tunnel_ip"] = .string(t)
            joined = true
        }
        if joined, let at { e.attributes["joined_from"] = .string("\(lines) from \(at)") }
    }
}

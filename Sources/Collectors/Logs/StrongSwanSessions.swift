import JikochoModel

/// The lines of one strongSwan IKE negotiation, joined by the IKE_SA's unique id (`<rw|2>`, written when charon logs
/// with `ike_name`): the peer's address from `… is initiating an IKE_SA` and the user from `received EAP identity`
/// go to the lines after them that name neither (a password that did not verify, the method's failure). Each password
/// that did not verify is a failed attempt; the EAP method's failure that ends the same negotiation is not another
/// one: it becomes `auth.eap_failed`, naming the attempt's line (`verdict`). Without the id (charon's default
/// logging) lines are not joined, and a method's failure within `window` of a verification failure on the same
/// gateway is taken as its end.
struct StrongSwanSessions {
    static let limit = 10_000
    static let window: Int64 = 30 * 1_000_000_000

    private var sessions: [String: GatewaySession] = [:]
    /// The latest password that did not verify, by IKE_SA (or by gateway, without ids): its line and log time.
    private var failed: [String: (locator: String, time: Int64)] = [:]

    mutating func join(_ e: inout Event, host: String) {
        if sessions.count + failed.count >= Self.limit { self = StrongSwanSessions() }
        let id = e.attributes["ike_sa_id"]?.text
        let key = host + "|" + (id ?? "")
        let t = e.time.nanoseconds
        switch e.kind {
        case "vpn.session_start":
            guard id != nil else { return }
            sessions[key] = GatewaySession(src: e.src, user: e.user, at: e.provenance.locator)
        case "vpn.auth_request":
            guard id != nil else { return }
            var k = sessions[key] ?? GatewaySession(at: e.provenance.locator)
            k.fill(&e, lines: "the IKE_SA's lines")
            k.user = e.user
            sessions[key] = k
        case "auth.logon_failed", "auth.invalid_user":
            if id != nil, let k = sessions[key] { k.fill(&e, lines: "the IKE_SA's lines") }
            guard e.kind == "auth.logon_failed" else { return }
            if e.attributes["eap_method"] != nil {
                // The method's failure: the end of an attempt already counted, when a password of it did not verify.
                if let f = failed[key], t - f.time <= Self.window {
                    e.kind = "auth.eap_failed"
                    e.attributes["verdict"] = .string(f.locator)
                }
                failed[key] = nil
            } else {
                failed[key] = (e.provenance.locator, t)
            }
        case "auth.logon", "vpn.address_assigned":
            if id != nil, let k = sessions[key] { k.fill(&e, lines: "the IKE_SA's lines") }
            failed[key] = nil
        case "auth.session_closed":
            if id != nil, let k = sessions.removeValue(forKey: key) { k.fill(&e, lines: "the IKE_SA's lines") }
            failed[key] = nil
        default:
            break
        }
    }
}

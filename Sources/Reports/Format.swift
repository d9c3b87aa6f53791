import JikochoModel

/// Numbers as a report prints them.
enum Fmt {
    /// An authentication, remote-access or connection event in plain words from the facts every product's reader
    /// gives (kind, account, addresses, the tunnel address, the product and its own name for the event), e.g.
    /// `vendor-ito logged on from 198.51.100.186, given 10.9.9.25 (paloalto-globalprotect gateway-connected)`. Nil for
    /// other kinds.
    static func plainWords(_ e: Event, tunnel: String?) -> String? {
        let who = e.user ?? "an unnamed account"
        let from = e.src.ip.map { " from \($0)" } ?? ""
        let text: String
        switch e.kind {
        case "auth.logon": text = "\(who) logged on\(from)" + (tunnel.map { ", given \($0)" } ?? "")
        case "auth.logon_failed": text = "a logon as \(who)\(from) was refused"
        case "auth.session_closed": text = "\(who)'s session\(from) ended" + (tunnel.map { " (it had \($0))" } ?? "")
        case "vpn.session_start": text = "\(who)'s VPN session\(from) started"
        case "vpn.session_end": text = "\(who)'s VPN session\(from) ended"
        case "vpn.auth_request": text = "\(who) began to authenticate\(from)"
        case "vpn.address_assigned":
            guard let tunnel else { return nil }
            text = "\(who)'s session\(from) was given \(tunnel)"
        case "net.flow_start", "net.flow_end", "net.connection_blocked":
            guard !e.src.isEmpty || !e.dst.isEmpty else { return nil }
            let verb = e.kind == "net.flow_start" ? "opened" : e.kind == "net.flow_end" ? "ended" : "refused"
            text = "connection \(e.src.description) → \(e.dst.description) \(verb)" + (e.user.map { " (user \($0))" } ?? "")
        default:
            return nil
        }
        let product = [e.attributes["vendor"]?.text, e.attributes["event"]?.text ?? e.attributes["logdesc"]?.text
                       ?? e.attributes["action"]?.text].compactMap { $0 }.filter { !$0.isEmpty }
        return product.isEmpty ? text : text + " (" + product.joined(separator: " ") + ")"
    }

    /// `+96.876 s`, `-3.500 s`: a correction or a shift.
    static func signed(_ nanos: Int64) -> String { ClockCorrection.seconds(nanos) }

    /// `0.458 s`: a length of time or an uncertainty.
    static func duration(_ nanos: Int64) -> String { ClockCorrection.format(Double(nanos.magnitude) / 1e9, 3) + " s" }

    /// `5 min 23 s`, `2 h 4 min`, `0.458 s`: a span as a person says it.
    static func human(_ nanos: Int64) -> String {
        let s = Double(nanos.magnitude) / 1e9
        if s < 60 { return duration(nanos) }
        let total = Int(s.rounded())
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        if total < 86_400 { return "\(total / 3600) h \(total % 3600 / 60) min" }
        return "\(total / 86_400) d \(total % 86_400 / 3600) h"
    }

    /// A value from evidence: `100` rather than `100.0`, text as it is.
    static func value(_ v: JSONValue) -> String {
        if case .double(let d) = v, d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return v.text
    }
}

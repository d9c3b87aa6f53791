import JikochoModel
import Parsers

/// A YAMAHA router's remote-access connections over their lines (`RemoteAccess.yamaha`): the client's address from
/// the L2TP tunnel's `connected from`, the user from the PP interface's `Call detected`, the tunnel address from its
/// `PPP/IPCP up`. Each line of a connection gets what the lines before it said: the call its client's address and
/// tunnel number, the logon its user and client, the end all three.
///
/// A call takes the oldest tunnel of the same router connected in the 30 seconds before it and not yet taken (an
/// L2TP client opens its tunnel and its session, then authenticates, within a second or two). Bounded: past `limit`
/// connections the tables start again.
struct YamahaCalls {
    static let limit = 10_000
    static let claimWindow: Int64 = 30 * 1_000_000_000

    struct Call {
        var user: String?
        var src: Endpoint
        var tunnel: String?
        var address: String?
        /// Where the user and the client's address were read (the call's line, the tunnel's), for `joined_from`.
        var callAt: String?
        var tunnelAt: String?
    }

    /// Tunnels connected and not yet taken by a call, per router, oldest first.
    private var unclaimed: [String: [(tunnel: String, src: Endpoint, time: Int64, at: String)]] = [:]
    /// The connection each router's PP interface carries (`host|pp`), until the PP's end.
    private var calls: [String: Call] = [:]
    /// The connection each router's L2TP tunnel carries (`host|tunnel`) and its PP, until the tunnel's end (which
    /// may come before or after the PP's).
    private var byTunnel: [String: (pp: String, call: Call)] = [:]

    mutating func join(_ e: inout Event, host: String) {
        let pp = e.attributes["pp"]?.text
        let tunnel = e.attributes["l2tp_tunnel"]?.text
        if calls.count + byTunnel.count + unclaimed.count > Self.limit { self = YamahaCalls() }
        switch e.kind {
        case "vpn.session_start":
            guard let tunnel else { return }
            var waiting = unclaimed[host, default: []]
            waiting.removeAll { $0.tunnel == tunnel || $0.time < e.time.nanoseconds - Self.claimWindow }
            if waiting.count >= 64 { waiting.removeFirst() }
            waiting.append((tunnel, e.src, e.time.nanoseconds, e.provenance.locator))
            unclaimed[host] = waiting
        case "vpn.auth_request":
            guard let pp else { return }
            var call = Call(user: e.user, src: Endpoint(), callAt: e.provenance.locator)
            if var waiting = unclaimed[host],
               let i = waiting.firstIndex(where: { $0.time >= e.time.nanoseconds - Self.claimWindow && $0.time <= e.time.nanoseconds }) {
                let t = waiting.remove(at: i)
                unclaimed[host] = waiting
                call.src = t.src
                call.tunnel = t.tunnel
                call.tunnelAt = t.at
                byTunnel[host + "|" + t.tunnel] = (pp, call)
                e.src = t.src
                e.attributes["l2tp_tunnel"] = .string(t.tunnel)
            }
            calls[host + "|" + pp] = call
        case "auth.logon":
            guard let pp, var call = calls[host + "|" + pp] else { return }
            call.address = e.attributes["tunnel_ip"]?.text
            calls[host + "|" + pp] = call
            if let t = call.tunnel { byTunnel[host + "|" + t] = (pp, call) }
            fill(&e, call, address: false)
        case "auth.session_closed", "auth.logon_failed":
            guard let pp, let call = calls.removeValue(forKey: host + "|" + pp) else { return }
            fill(&e, call, address: true)
        case "vpn.session_end":
            guard let tunnel else { return }
            if let (pp, call) = byTunnel.removeValue(forKey: host + "|" + tunnel) {
                // The PP names this connection only while it still carries it (a later call may hold it now, and
                // this end must not decide that call).
                if calls[host + "|" + pp]?.tunnel == tunnel {
                    calls[host + "|" + pp] = nil
                    e.attributes["pp"] = .string(pp)
                }
                fill(&e, call, address: true)
            } else if var waiting = unclaimed[host], let i = waiting.firstIndex(where: { $0.tunnel == tunnel }) {
                // A tunnel that ended before any call: a client that never authenticated.
                e.src = waiting.remove(at: i).src
                unclaimed[host] = waiting
            }
        default:
            return
        }
    }

    private func fill(_ e: inout Event, _ call: Call, address: Bool) {
        var joined: [String] = []
        if e.user == nil, let u = call.user {
            e.user = u
            if let at = call.callAt { joined.append("the user from \(at) (the call)") }
        }
        if e.src.ip == nil, call.src.ip != nil {
            e.src = call.src
            if let at = call.tunnelAt { joined.append("the client's address from \(at) (the L2TP tunnel's connection)") }
        }
        if !joined.isEmpty { e.attributes["joined_from"] = .string(joined.joined(separator: ", ")) }
        if let t = call.tunnel, e.attributes["l2tp_tunnel"] == nil { e.attributes["l2tp_tunnel"] = .string(t) }
        if address, let a = call.address, e.attributes["tunnel_ip"] == nil { e.attributes["tunnel_ip"] = .string(a) }
    }
}

/// Whether a YAMAHA router's `show log` runs newest first (`show log reverse`): more of its steps from one line's
/// time to the next go back than forward.
struct ShowLogOrder {
    private var last: CivilTime?
    private var forward = 0
    private var back = 0

    mutating func add(_ t: CivilTime) {
        if let l = last {
            let a = (l.year, l.month, l.day, l.hour, l.minute, l.second)
            let b = (t.year, t.month, t.day, t.hour, t.minute, t.second)
            if b > a { forward += 1 } else if b < a { back += 1 }
        }
        last = t
    }

    var newestFirst: Bool { back > forward }
}

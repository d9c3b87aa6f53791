/// The session an event opens on its host, whatever recorded it (a Windows logon type, an SSH logon in a host's own
/// log, a capture's VNC handshake, a remote-control tool's connection list): the protocol- and product-neutral facts
/// the causal chain ranks sessions by and the playbooks match (`session`, `session_who`, `session_how`,
/// `session_from` in a Sigma event's normalized view).
public enum SessionFacts {
    /// A Windows logon type (`10`, `2`, `3` …), `ssh`, `vnc` or `remote-control:TOOL` for an incoming remote-control
    /// session; nil for any other event.
    public static func type(_ e: Event) -> String? {
        switch e.kind {
        case "auth.logon":
            return field(e, "LogonType") ?? (e.provenance.collector.hasPrefix("log/syslog") && e.src.ip != nil ? "ssh" : nil)
        case "remote.control_start":
            guard e.attributes["direction"]?.text != "outgoing" else { return nil }
            let tool = e.attributes["tool"]?.text ?? "remote"
            return tool == "vnc" ? "vnc" : "remote-control:\(tool)"
        default:
            return nil
        }
    }

    /// The session in words: `kind` (`remote-screen` for remote desktop and remote-control tools, `remote-shell` for
    /// SSH, `console`, `network`, `other`), who (the account, else the tool's partner, else `Someone`: the words start
    /// a finding's sentence), how (`logged on by remote desktop to`, `took over by TeamViewer the screen of` …) and
    /// from where (` from ADDRESS`, or nothing).
    public static func words(_ e: Event) -> (kind: String, who: String, how: String, from: String)? {
        guard let type = type(e) else { return nil }
        let partner = [e.attributes["partner_id"]?.text, e.attributes["partner_name"].map { "\"\($0.text)\"" }]
            .compactMap { $0 }.joined(separator: " ")
        let ip = e.src.ip.flatMap { ["127.0.0.1", "::1", "-"].contains($0) ? nil : $0 }
        let from = ip.map { " from \($0)" } ?? ""
        switch type {
        case "10": return ("remote-screen", e.user ?? "Someone", "logged on by remote desktop to", from)
        case "ssh": return ("remote-shell", e.user ?? "Someone", "logged on by SSH to", from)
        case "2", "11", "7": return ("console", e.user ?? "Someone", "logged on at the console of", from)
        case "3": return ("network", e.user ?? "Someone", "logged on over the network to", from)
        case "vnc", _ where type.hasPrefix("remote-control:"):
            let tool = toolName(type == "vnc" ? "vnc" : String(type.dropFirst(15)))
            let who = e.user ?? (partner.isEmpty ? "Someone" : "\(tool) partner \(partner)")
            return ("remote-screen", who, "took over by \(tool) the screen of", from)
        default: return ("other", e.user ?? "Someone", "logged on (type \(type)) to", from)
        }
    }

    /// A remote-control tool's name as its maker writes it.
    public static func toolName(_ tool: String) -> String {
        switch tool {
        case "vnc": return "VNC"
        case "teamviewer": return "TeamViewer"
        case "anydesk": return "AnyDesk"
        default: return tool
        }
    }

    /// An event's field as text: an attribute of that name, or the Windows event data's (`winlog.event_data.NAME`).
    static func field(_ e: Event, _ name: String) -> String? {
        var v = e.attributes[name]
        if v == nil, case .object(let w)? = e.attributes["winlog"], case .object(let d)? = w["event_data"] { v = d[name] }
        switch v {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        default: return nil
        }
    }
}

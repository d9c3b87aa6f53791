/// The session an event opens on its host, whatever recorded it (a Windows logon type, an SSH logon in a host's own
/// log, a capture's VNC handshake, a remote-control tool's connection list): the protocol- and product-neutral facts
/// the causal chain ranks sessions by and the playbooks match (`session`, `session_who`, `session_how`,
/// `session_from` in a Sigma event's normalized view).
public enum SessionFacts {
    /// A Windows logon type (`10`, `2`, `3` …), `ssh` (sshd's `Accepted …` from an address), `console` (a Linux
    /// host's PAM session of a console login or a display manager), `rd-gateway` (a Remote Desktop Gateway's
    /// connection relayed to a host inside), `vnc` or `remote-control:TOOL` for an incoming remote-control session;
    /// nil for any other event (a VPN gateway's logon is no session on a host).
    public static func type(_ e: Event) -> String? {
        switch e.kind {
        case "auth.logon":
            if let t = field(e, "LogonType") { return t }
            if field(e, "access") == "rd-gateway" { return "rd-gateway" }
            return field(e, "service") == "sshd" && e.src.ip != nil ? "ssh" : nil
        case "auth.session_opened":
            // sshd's, sudo's, su's, cron's and systemd-user's PAM sessions ride on another or drive no keyboard.
            return consoleServices.contains(field(e, "service") ?? "") ? "console" : nil
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
        let from = source(e).map { " from \($0)" } ?? ""
        switch type {
        case "10": return ("remote-screen", e.user ?? "Someone", "logged on by remote desktop to", from)
        case "ssh": return ("remote-shell", e.user ?? "Someone", "logged on by SSH to", from)
        case "rd-gateway":
            let to = field(e, "resource").map { " toward \($0)" } ?? ""
            return ("remote-gateway", e.user ?? "Someone", "came through the RD Gateway" + to + " on", from)
        case "2", "11", "7", "console": return ("console", e.user ?? "Someone", "logged on at the console of", from)
        case "3": return ("network", e.user ?? "Someone", "logged on over the network to", from)
        case "vnc", _ where type.hasPrefix("remote-control:"):
            let tool = toolName(type == "vnc" ? "vnc" : String(type.dropFirst(15)))
            let who = e.user ?? partner(e).map { "\(tool) partner \($0)" } ?? "Someone"
            return ("remote-screen", who, "took over by \(tool) the screen of", from)
        default: return ("other", e.user ?? "Someone", "logged on (type \(type)) to", from)
        }
    }

    /// PAM services of a person at the host's own keyboard and screen: the text console's `login` and the display
    /// managers (their greeters' own sessions are the login screen, not a person, and are left out).
    public static let consoleServices: Set<String> = [
        "login", "gdm-password", "gdm-autologin", "gdm-fingerprint", "gdm-smartcard", "lightdm", "lightdm-autologin",
        "sddm", "sddm-autologin", "xdm", "kdm", "lxdm", "slim",
    ]

    /// The session comes from elsewhere: a remote desktop or a remote-control tool on the screen, a remote shell, or
    /// a gateway's connection relayed inside.
    public static func isRemote(_ e: Event) -> Bool {
        guard let kind = words(e)?.kind else { return false }
        return kind == "remote-screen" || kind == "remote-shell" || kind == "remote-gateway"
    }

    /// What ties a session's end to its start on one host: the Windows logon ID, else the process that logged both
    /// (sshd's and login's PAM lines share their process ID), else a gateway's account, client and resource, else the
    /// account.
    public static func endKey(_ e: Event) -> String? {
        if let id = field(e, "TargetLogonId") { return "id:" + id }
        if field(e, "access") == "rd-gateway", let r = field(e, "resource") {
            return "relay:\(e.user ?? "")|\(e.src.ip ?? "")|\(r.lowercased())"
        }
        if let pid = field(e, "pid") { return "pid:\(field(e, "program") ?? ""):" + pid }
        return e.user.map { "user:" + $0 }
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

    /// Where the session came from: its source address, unless it is the host itself (a loopback address, or `-`
    /// where Windows names none).
    public static func source(_ e: Event) -> String? {
        e.src.ip.flatMap { ["127.0.0.1", "::1", "-"].contains($0) ? nil : $0 }
    }

    /// A remote-control tool's partner as its records name it (`565955529 "a1l4m"`): the ID, the name, or both.
    public static func partner(_ e: Event) -> String? {
        let p = [e.attributes["partner_id"]?.text, e.attributes["partner_name"].map { "\"\($0.text)\"" }]
            .compactMap { $0 }.joined(separator: " ")
        return p.isEmpty ? nil : p
    }

    /// An event's field as text: an attribute of that name, else the Windows event data's (`winlog.event_data.NAME`),
    /// when it is a string or a whole number.
    public static func field(_ e: Event, _ name: String) -> String? {
        func text(_ v: JSONValue?) -> String? {
            switch v {
            case .string(let s)?: return s
            case .int(let i)?: return String(i)
            default: return nil
            }
        }
        if let t = text(e.attributes[name]) { return t }
        guard case .object(let w)? = e.attributes["winlog"], case .object(let d)? = w["event_data"] else { return nil }
        return text(d[name])
    }
}

import JikochoModel

/// Sigma's log sources beyond Windows, mapped to the events Jikocho reads and the field names SigmaHQ's rules use:
/// Linux hosts' syslog (`product: linux`, by service), web servers' access logs (`category: webserver`), HTTP, DNS and
/// connections as Zeek logs them (`product: zeek`; also what Jikocho decodes from captures), proxies (`category:
/// proxy`: HTTP seen on the wire), DNS (`category: dns`) and firewalls (`category: firewall`: the firewall's own
/// connection records, and connections seen in captures).
///
/// Each event belongs to one channel (`linux:sshd`, `webserver`, `zeek:http`, `firewall`, …); a logsource is a set of
/// channels (`linux:*` for any Linux program). The fields of a channel are listed, so that a rule asking for a field
/// no event of its logsource has is named as one that cannot run, with the field, instead of silently never matching.
enum GenericSources {
    // MARK: Events to channels and fields

    /// Programs whose lines are what `service: auth` means (the authentication log).
    static let authPrograms: Set<String> = [
        "sshd", "sudo", "su", "login", "passwd", "chpasswd", "chage", "useradd", "usermod", "userdel", "groupadd",
        "groupmod", "groupdel", "gpasswd", "systemd-logind", "polkitd", "pkexec", "unix_chkpwd", "gdm", "gdm-password",
        "lightdm", "sddm", "vsftpd", "dovecot", "cron",
    ]

    /// The channel of an event, or nil when it belongs to none of these log sources.
    static func channel(_ e: Event) -> String? {
        switch e.provenance.collector {
        case "log/syslog":
            if e.domain == .network {
                // A firewall's or a remote-access gateway's record: connections are the firewall log source.
                return e.kind.hasPrefix("net.") ? "firewall" : nil
            }
            return "linux:" + program(e)
        case "log/access":
            return e.kind == "web.request" ? "webserver" : nil
        case "log/web-error":
            return "web:error"
        case "network/pcap":
            switch e.kind {
            case "http.request": return "zeek:http"
            case "dns.query": return "zeek:dns"
            case "net.flow": return "zeek:conn"
            case "tls.client_hello": return "zeek:ssl"
            default: return nil
            }
        case "log/jsonl":
            if e.kind.hasPrefix("zeek.") { return "zeek:" + e.kind.dropFirst(5) }
            return nil
        default:
            return nil
        }
    }

    /// A syslog line's program, as a Sigma service names it: `sshd(pam_unix)` → `sshd`, `/usr/sbin/cron` → `cron`,
    /// `CRON` and `crond` → `cron`, `audit` → `auditd`.
    static func program(_ e: Event) -> String {
        var p = Substring(e.attributes["program"]?.text.lowercased() ?? "")
        if let paren = p.firstIndex(of: "(") { p = p[p.startIndex..<paren] }
        if let slash = p.lastIndex(of: "/") { p = p[p.index(after: slash)...] }
        switch p {
        case "crond", "anacron": return "cron"
        case "audit", "auditd", "audispd": return "auditd"
        case "": return "syslog"
        default: return String(p)
        }
    }

    /// The fields of an event by their Sigma names (lower case), for its channel.
    static func fields(_ e: Event, channel: String) -> [String: [String]] {
        var f: [String: [String]] = [:]
        func put(_ k: String, _ v: String?) { if let v, !v.isEmpty { f[k, default: []].append(v) } }
        func text(_ k: String) -> String? {
            switch e.attributes[k] {
            case .string(let s)?: s
            case .int(let i)?: String(i)
            case .double(let d)?: String(d)
            case .bool(let b)?: b ? "true" : "false"
            default: nil
            }
        }
        // What every channel has: the endpoints, the host and the account.
        put("src_ip", e.src.ip)
        put("src_port", e.src.port.map(String.init))
        put("dst_ip", e.dst.ip)
        put("dst_port", e.dst.port.map(String.init))
        put("host", e.host)
        put("user", e.user)
        if channel.hasPrefix("zeek:") {
            put("id.orig_h", e.src.ip)
            put("id.orig_p", e.src.port.map(String.init))
            put("id.resp_h", e.dst.ip)
            put("id.resp_p", e.dst.port.map(String.init))
        }
        switch channel {
        case _ where channel.hasPrefix("linux:"):
            put("program", e.attributes["program"]?.text)
            put("pid", e.attributes["pid"]?.text)
            if e.kind == "auth.pam_failure" || e.kind == "auth.logon_failed" && e.attributes["reason"] != nil {
                put("pam_message", text("reason"))
            }
            if e.kind.hasPrefix("auth.") {
                put("pam_user", e.user)
                put("pam_rhost", e.src.ip ?? text("rhost"))
            }
        case "webserver":
            let path = text("path"), query = text("query")
            put("cs-method", text("method"))
            put("cs-uri-stem", path)
            put("cs-uri-query", query)
            put("cs-uri", path.map { p in query.map { "\(p)?\($0)" } ?? p })
            put("sc-status", text("status"))
            put("c-useragent", text("user_agent"))
            put("cs-user-agent", text("user_agent"))
            put("cs-referer", text("referer"))
            put("cs-referrer", text("referer"))
            put("c-ip", e.src.ip ?? text("client_host"))
            put("s-ip", e.dst.ip)
            put("s-port", e.dst.port.map(String.init))
            put("cs-username", e.user)
            put("cs-host", text("host") ?? text("vhost"))
            put("sc-bytes", text("bytes"))
            put("cs-version", text("protocol"))
        case "zeek:http":
            // Zeek's own names, then the proxy's and the web server's (the same request seen from the wire).
            let fromZeek = e.provenance.collector == "log/jsonl"
            let method = text("method"), host = text("host"), uri = text("uri"), agent = text("user_agent")
            let status = text("status_code") ?? text("status"), referrer = text("referrer") ?? text("referer")
            if !fromZeek {
                put("method", method)
                put("host", host)
                put("uri", uri)
                put("user_agent", agent)
                put("status_code", status)
                put("referrer", referrer)
                put("request_body_len", text("request_body_bytes"))
                put("response_body_len", text("response_body_bytes"))
                put("resp_mime_types", text("response_content_type"))
            }
            let (stem, query) = splitURI(uri)
            put("c-uri", uri.map { u in host.map { "http://\($0)\(u)" } ?? u })
            put("c-uri-stem", stem)
            put("c-uri-query", query)
            put("c-uri-extension", stem.flatMap(extensionOf))
            put("c-useragent", agent)
            put("cs-host", host)
            put("r-dns", host)
            put("cs-method", method)
            put("cs-referrer", referrer)
            put("cs-referer", referrer)
            put("sc-status", status)
            put("c-ip", e.src.ip)
            put("cs-uri-stem", stem)
            put("cs-uri-query", query)
            put("cs-uri", uri)
            put("cs-user-agent", agent)
        case "zeek:dns":
            let fromZeek = e.provenance.collector == "log/jsonl"
            var answers: [String] = []
            if case .array(let xs)? = e.attributes["answers"] {
                for x in xs {
                    switch x {
                    case .object(let o): if let d = o["data"]?.text, o["section"]?.text ?? "answer" == "answer" { answers.append(d) }
                    case .string(let s): answers.append(s)
                    default: break
                    }
                }
            }
            if !fromZeek {
                for (sigma, ours) in [("query", "query"), ("qtype_name", "query_type"), ("qtype", "query_type_code"),
                                      ("rcode_name", "rcode_name"), ("rcode", "rcode"), ("trans_id", "id")] {
                    put(sigma, text(ours))
                }
                for a in answers { put("answers", a) }
                put("proto", e.dst.port == nil ? nil : "udp")
            }
            for a in answers { put("answer", a) }
            put("record_type", text("query_type") ?? text("qtype_name"))
        case "zeek:conn":
            if e.provenance.collector == "network/pcap" {
                for (sigma, ours) in [("proto", "transport"), ("service", "app"), ("duration", "duration_s"),
                                      ("orig_bytes", "bytes_to_server"), ("resp_bytes", "bytes_to_client"),
                                      ("orig_pkts", "packets_to_server"), ("resp_pkts", "packets_to_client")] {
                    put(sigma, text(ours))
                }
            }
        case "zeek:ssl":
            put("server_name", text("sni"))
            put("version", text("server_version") ?? text("client_version"))
            put("ja3", text("ja3"))
            put("ja3s", text("ja3s"))
        default:
            break
        }
        // The record's own fields (a Zeek JSON log's, a syslog line's attributes) under their own names.
        for (k, v) in e.attributes {
            let key = k.lowercased()
            guard f[key] == nil else { continue }
            switch v {
            case .string(let s): put(key, s)
            case .int(let i): put(key, String(i))
            case .double(let d): put(key, d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
            case .bool(let b): put(key, b ? "true" : "false")
            case .array(let xs): for x in xs { if case .string(let s) = x { put(key, s) } }
            default: break
            }
        }
        return f
    }

    /// `/a/b.php?x=1` → (`/a/b.php`, `x=1`).
    static func splitURI(_ uri: String?) -> (String?, String?) {
        guard let uri else { return (nil, nil) }
        guard let q = uri.firstIndex(of: "?") else { return (uri, nil) }
        return (String(uri[uri.startIndex..<q]), String(uri[uri.index(after: q)...]))
    }

    /// `/a/b.php` → `php`.
    static func extensionOf(_ path: String) -> String? {
        let last = path.split(separator: "/").last ?? Substring(path)
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return nil }
        let ext = last[last.index(after: dot)...]
        return ext.isEmpty ? nil : String(ext)
    }

    // MARK: Log sources to channels

    /// The fields each closed log source's events can have (Zeek's logs carry what the log has, so they are open).
    static let common: Set<String> = ["src_ip", "src_port", "dst_ip", "dst_port", "host", "user"]
    static let linuxFields: Set<String> = common.union(["program", "pid", "pam_message", "pam_user", "pam_rhost"])
    static let webserverFields: Set<String> = common.union([
        "cs-method", "cs-uri-stem", "cs-uri-query", "cs-uri", "sc-status", "c-useragent", "cs-user-agent", "cs-referer",
        "cs-referrer", "c-ip", "s-ip", "s-port", "cs-username", "cs-host", "sc-bytes", "cs-version"])
    static let proxyFields: Set<String> = common.union([
        "c-uri", "c-uri-stem", "c-uri-query", "c-uri-extension", "c-useragent", "cs-host", "r-dns", "cs-method",
        "cs-referrer", "cs-referer", "sc-status", "c-ip", "cs-uri-stem", "cs-uri-query", "cs-uri", "cs-user-agent",
        "method", "uri", "user_agent", "status_code", "referrer"])
    static let dnsFields: Set<String> = common.union([
        "query", "qtype_name", "qtype", "rcode_name", "rcode", "answers", "answer", "record_type", "trans_id", "proto",
        "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"])
    static let firewallFields: Set<String> = common.union([
        "proto", "service", "duration", "orig_bytes", "resp_bytes", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"])

    /// Products whose logs Jikocho does not read, named so a rule says why it cannot run.
    static let unread: [String: String] = [
        "aws": "AWS CloudTrail", "azure": "Azure activity and sign-in logs", "gcp": "Google Cloud audit logs",
        "m365": "Microsoft 365 audit logs", "okta": "Okta system logs", "github": "GitHub audit logs",
        "macos": "macOS unified logs", "onelogin": "OneLogin events", "google_workspace": "Google Workspace logs",
        "cisco": "Cisco device logs other than ASA's", "fortinet": "FortiGate traffic logs", "paloalto": "PAN-OS traffic logs",
        "huawei": "Huawei device logs", "juniper": "Juniper device logs", "bitbucket": "Bitbucket audit logs",
        "jvm": "Java application logs", "python": "Python application logs", "ruby_on_rails": "Rails logs",
        "spring": "Spring application logs", "sql": "database audit logs", "nodejs": "Node.js logs",
        "django": "Django logs", "velocity": "Velocity logs", "kubernetes": "Kubernetes audit logs",
        "opencanary": "OpenCanary events", "qualys": "Qualys findings", "rpc_firewall": "RPC Firewall events",
        "modsecurity": "ModSecurity audit logs", "antivirus": "antivirus product logs",
    ]

    /// Linux log sources that are process or file records (auditd's EXECVE, Sysmon for Linux), which Jikocho does
    /// not read.
    static let linuxCategories: Set<String> = ["process_creation", "file_event", "file_create", "file_delete",
                                               "network_connection", "process_termination", "file_change"]

    typealias Source = LogsourceMapping.Source

    /// The channels of a generic logsource and the fields its events can have (nil: any), or why it cannot run; nil
    /// when the logsource is not one of these (Windows, Jikocho's own).
    static func sources(_ ls: SigmaRule.Logsource) -> Result<(sources: [Source], fields: Set<String>?), SigmaMappingError>? {
        let product = ls.product, category = ls.category, service = ls.service
        func ok(_ channels: [String], _ fields: Set<String>?) -> Result<(sources: [Source], fields: Set<String>?), SigmaMappingError> {
            .success(([Source(channels: Set(channels), eventIDs: nil)], fields))
        }
        func no(_ why: String) -> Result<(sources: [Source], fields: Set<String>?), SigmaMappingError> {
            .failure(SigmaMappingError(reason: why))
        }
        switch product {
        case "linux"?:
            if let category {
                return no(linuxCategories.contains(category)
                          ? "Linux \(category) records (auditd EXECVE, Sysmon for Linux) are not read by Jikocho"
                          : "Linux category \(category) has no mapping")
            }
            switch service {
            case nil, "syslog"?: return ok(["linux:*"], linuxFields)
            case "auth"?: return ok(authPrograms.map { "linux:" + $0 }, linuxFields)
            case "auditd"?:
                // auditd's records as syslog lines: keywords run; their key=value fields are not parsed.
                return ok(["linux:auditd"], linuxFields)
            case let s?: return ok(["linux:" + s.lowercased()], linuxFields)
            }
        case "zeek"?:
            guard let service else { return ok(["zeek:*"], nil) }
            return ok(["zeek:" + service.lowercased()], nil)
        case "apache"?, "nginx"?, "iis"?, "tomcat"?:
            if service == "error" { return ok(["web:error"], common) }
            return ok(["webserver"], webserverFields)
        case nil:
            break
        case let p?:
            if let what = unread[p] { return no("\(what) (product \(p)) are not read by Jikocho") }
            if category == nil || p == "windows" || p == "jikocho" { return nil }
        }
        switch category {
        case "webserver"?: return ok(["webserver", "zeek:http"], webserverFields.union(proxyFields))
        case "proxy"?: return ok(["zeek:http"], proxyFields)
        case "dns"?: return ok(["zeek:dns"], dnsFields)
        case "firewall"?: return ok(["firewall", "zeek:conn"], firewallFields)
        case let c? where product == nil:
            return no("category \(c) without a product has no mapping (mapped: webserver, proxy, dns, firewall)")
        default:
            return nil
        }
    }
}

import JikochoModel

/// A record in ArcSight's Common Event Format, as firewalls and remote-access gateways send it when told to feed a
/// SIEM (FortiGate's `set format cef`, a PAN-OS syslog profile's custom CEF format) and as SIEMs export it:
/// `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`.
///
/// The header's fields may hold `\|` and `\\`; the extension is `key=value` pairs separated by spaces, a value
/// running up to the space before the next `key=` (so values hold spaces), with `\=`, `\\`, `\n` and `\r` escaped
/// (ArcSight, "Implementing ArcSight Common Event Format", rev. 25). Read tolerantly where published formats
/// depart from it: FortiOS writes `CEF: 0|…` (a space after the colon), and Palo Alto's published GlobalProtect
/// format has no Severity field (`…|$type|$subtype|rt=…`).
public struct CEFRecord: Hashable, Sendable {
    public var version: Int
    public var vendor: String
    public var product: String
    public var deviceVersion: String
    /// Device Event Class ID (FortiOS: the last five digits of its log id; PAN-OS: the log's subtype or type).
    public var signature: String
    public var name: String
    /// Nil when the header leaves it out.
    public var severity: String?
    /// The extension's pairs in their order, values unescaped (a key written twice keeps both).
    public var fields: [Field]

    public struct Field: Hashable, Sendable {
        public var key: String
        public var value: String
    }

    /// The first value of `key`.
    public subscript(key: String) -> String? { fields.first { $0.key == key }?.value }

    /// The value of a custom field (`cs1`…`cs6`, `cn1`…`cn3`, `flexString1`…) whose label (`cs1Label=…`) is `label`,
    /// compared without case.
    public func labelled(_ label: String) -> String? {
        let want = label.lowercased()
        for f in fields where f.key.hasSuffix("Label") && f.value.lowercased() == want {
            return self[String(f.key.dropLast(5))]
        }
        return nil
    }
}

public enum CEF {
    /// At most this many pairs are read from one record's extension; the rest stays in the message.
    static let maxFields = 512

    /// The record a syslog message holds: `CEF:0|…` as the message, or (when the reader took `CEF:` for a program
    /// tag, as it does with FortiOS's `CEF: 0|…`) `program` `CEF` and the message `0|…`. Nil for any other message.
    public static func record(program: String?, message: String) -> CEFRecord? {
        let m = Substring(message).drop { $0 == " " }
        if m.hasPrefix("CEF:") { return parse(m) }
        if program == "CEF", let first = m.first, first.isASCII, first.isNumber { return parse(m, afterTag: true) }
        return nil
    }

    /// Parses `CEF:…` (or, `afterTag`, the text after `CEF:`). Nil when the header has fewer than six fields.
    public static func parse(_ text: Substring, afterTag: Bool = false) -> CEFRecord? {
        var rest = afterTag ? text : text.dropFirst(4)
        rest = rest.drop { $0 == " " }
        // Header: up to seven fields, each ended by an unescaped `|`.
        var header: [String] = []
        var field = ""
        var fieldStart = rest.startIndex
        var i = rest.startIndex
        while i < rest.endIndex, header.count < 7 {
            let c = rest[i]
            if c == "\\" {
                let n = rest.index(after: i)
                if n < rest.endIndex, rest[n] == "|" || rest[n] == "\\" {
                    field.append(rest[n])
                    i = rest.index(after: n)
                    continue
                }
                field.append(c)
            } else if c == "|" {
                header.append(field)
                field = ""
                if header.count == 6 { fieldStart = rest.index(after: i) }
            } else {
                field.append(c)
            }
            i = rest.index(after: i)
        }
        if header.count == 6 { header.append(field) }
        guard header.count == 7 else { return nil }
        var extensionText = rest[i...]
        var severity: String? = header[6].trimmingBlanks
        if header[6].contains("=") {
            // No Severity field: what follows the sixth `|` is the extension.
            severity = nil
            extensionText = rest[fieldStart...]
        }
        guard let version = Int(header[0].trimmingBlanks), version >= 0, version < 10 else { return nil }
        return CEFRecord(version: version, vendor: header[1], product: header[2], deviceVersion: header[3],
                         signature: header[4], name: header[5], severity: severity?.isEmpty == true ? nil : severity,
                         fields: fields(extensionText))
    }

    /// The extension's pairs. A key is letters, digits, `_`, `.`, `-`, `[`, `]` at the start or after a space, then
    /// an unescaped `=`; its value ends at the space before the next key.
    static func fields(_ s: Substring) -> [CEFRecord.Field] {
        let b = Array(s.utf8)
        func isKeyByte(_ c: UInt8) -> Bool {
            (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") || c &- 48 < 10 || c == UInt8(ascii: "_")
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
        }
        // Where each key starts and where its `=` is.
        var keys: [(start: Int, equals: Int)] = []
        var i = 0
        while i < b.count, keys.count < maxFields {
            if b[i] == UInt8(ascii: "\\") { i += 2; continue }
            if b[i] == UInt8(ascii: "=") {
                var k = i
                while k > 0, isKeyByte(b[k - 1]) { k -= 1 }
                if k < i, k == 0 || b[k - 1] == UInt8(ascii: " ") || b[k - 1] == UInt8(ascii: "\t") {
                    keys.append((k, i))
                }
            }
            i += 1
        }
        var out: [CEFRecord.Field] = []
        out.reserveCapacity(keys.count)
        for (n, k) in keys.enumerated() {
            var end = n + 1 < keys.count ? keys[n + 1].start : b.count
            while end > k.equals + 1, b[end - 1] == UInt8(ascii: " ") || b[end - 1] == UInt8(ascii: "\t") { end -= 1 }
            let key = String(decoding: b[k.start..<k.equals], as: UTF8.self)
            out.append(CEFRecord.Field(key: key, value: unescape(b[(k.equals + 1)..<max(end, k.equals + 1)])))
        }
        return out
    }

    static func unescape(_ v: ArraySlice<UInt8>) -> String {
        guard v.contains(UInt8(ascii: "\\")) else { return String(decoding: v, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = v.startIndex
        while i < v.endIndex {
            let c = v[i]
            if c == UInt8(ascii: "\\"), i + 1 < v.endIndex {
                switch v[i + 1] {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "="), UInt8(ascii: "\\"), UInt8(ascii: "|"), UInt8(ascii: "/"): out.append(v[i + 1])
                default: out.append(c); out.append(v[i + 1])
                }
                i += 2
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Time of a record sent without a syslog header

    /// The record's own time, for a CEF line with no syslog header (a SIEM's export, a file the device wrote): `rt`
    /// (the device's receipt time), else `end`, else `start`, else FortiOS's `eventtime`; each either milliseconds since
    /// 1970 or `MMM dd yyyy HH:mm:ss[.SSS][ zone]` (PAN-OS's `$receive_time` form `yyyy/MM/dd HH:mm:ss` and ISO 8601
    /// are read too). A time without a zone takes `dtz` when the record gives one; else it is local (nil offset).
    public static func time(_ r: CEFRecord) -> (time: CivilTime, source: String)? {
        let zone = r["dtz"].flatMap(zoneOffset)
        for key in ["rt", "deviceReceiptTime", "end", "endTime", "start", "startTime"] {
            guard let v = r[key], var t = civilTime(v) else { continue }
            var source = "the record's \(key)"
            if t.utcOffsetSeconds == nil, let zone {
                t.utcOffsetSeconds = zone
                source += " in the zone dtz gives"
            }
            return (t, source)
        }
        if let e = r["FTNTFGTeventtime"], let t = epoch(e) { return (t, "the record's FortiOS eventtime") }
        return nil
    }

    /// Milliseconds since 1970 (13 digits; FortiOS's eventtime may also be seconds, microseconds or nanoseconds: 10,
    /// 16 or 19 digits), or one of the written forms.
    static func civilTime(_ v: String) -> CivilTime? {
        let s = v.trimmingBlanks
        if s.utf8.count == 13, let t = epoch(s) { return t }
        var bytes = Array(s.utf8)
        // `2023/03/15 10:20:30` (PAN-OS) → ISO 8601's dashes.
        if bytes.count >= 19, bytes[4] == UInt8(ascii: "/"), bytes[7] == UInt8(ascii: "/") {
            bytes[4] = UInt8(ascii: "-")
            bytes[7] = UInt8(ascii: "-")
        }
        return bytes.withUnsafeBufferPointer { p -> CivilTime? in
            if let (t, n) = TimeParser.iso8601(bytes: p), n == p.count { return t }
            // `MMM dd yyyy HH:mm:ss[.SSS]`, Cisco's stamp with its year (CEF's year-less `MMM dd HH:mm:ss` is not
            // read: no year to place it), then an optional zone.
            var c = TimeParser.Cursor(p)
            guard var t = SyslogParser.ciscoTime(p, &c) else { return nil }
            if c.take(UInt8(ascii: " ")) {
                t.utcOffsetSeconds = zoneOffset(String(decoding: UnsafeBufferPointer(rebasing: p[c.index...]), as: UTF8.self))
            }
            return t
        }
    }

    /// `UTC`, `GMT`, `Z`, `+09:00`, `GMT+09:00`, `UTC-0500` → seconds east of UTC. Named zones (`JST`, `Asia/Tokyo`)
    /// are nil: an abbreviation can stand for several offsets, so the time stays local and the evidence's declared
    /// zone applies.
    static func zoneOffset(_ z: String) -> Int? {
        var s = Substring(z.trimmingBlanks)
        if s == "UTC" || s == "GMT" || s == "Z" || s == "Etc/UTC" { return 0 }
        if s.hasPrefix("UTC") || s.hasPrefix("GMT") { s = s.dropFirst(3) }
        let bytes = Array(s.utf8)
        return bytes.withUnsafeBufferPointer { p in
            var c = TimeParser.Cursor(p)
            guard let o = c.utcOffset(), c.index == p.count else { return nil }
            return o
        }
    }

    static func epoch(_ s: String) -> CivilTime? {
        SyslogParser.epoch(digits: s.utf8).map { $0.civil(utcOffsetSeconds: 0) }
    }

    /// The device's name for a header-less record: `dvchost`, FortiOS's `devname`, else the device's address `dvc`.
    public static func host(_ r: CEFRecord) -> String? {
        for k in ["dvchost", "deviceHostName", "FTNTFGTdevname", "dvc"] {
            if let h = r[k]?.trimmingBlanks, !h.isEmpty { return h }
        }
        return nil
    }

    // MARK: Meanings

    /// What a record says, in the words of every other gateway's record (`RemoteAccess`): FortiGate's records through
    /// the FortiOS reader (their fields given back their FortiOS names), PAN-OS's GlobalProtect, traffic and
    /// GlobalProtect SYSTEM records. Nil for other products' records, which stay `syslog.message` with the whole text.
    public static func interpret(_ r: CEFRecord) -> FirewallMeaning? {
        var meaning: FirewallMeaning?
        switch (r.vendor.lowercased(), r.product.lowercased()) {
        case ("fortinet", let p) where p.hasPrefix("fortigate"):
            meaning = RemoteAccess.fortiGate(fields: fortiOSFields(r))
        case ("palo alto networks", _):
            meaning = paloAlto(r)
        default:
            return nil
        }
        guard var m = meaning else { return nil }
        m.attributes["encoding"] = "cef"
        m.attributes["cef_signature"] = .string(r.signature)
        m.attributes["cef_name"] = .string(r.name)
        return m
    }

    /// A FortiOS record's fields under their FortiOS names, from Fortinet's mapping ("FortiOS to CEF log field
    /// mapping guidelines" and the CEF tables of the FortiOS Log Message Reference): `FTNTFGT…` fields lose the
    /// prefix, `cat=type:subtype` gives both, and the standard keys FortiOS maps its own fields to are mapped back.
    /// The first value of a key is kept (an email record's later `duser` is its recipient, not the user).
    static func fortiOSFields(_ r: CEFRecord) -> [String: String] {
        var f: [String: String] = [:]
        func put(_ k: String, _ v: String) { if f[k] == nil { f[k] = v } }
        let names = ["src": "srcip", "dst": "dstip", "spt": "srcport", "dpt": "dstport", "shost": "srcname",
                     "dhost": "hostname", "deviceInboundInterface": "srcintf", "deviceOutboundInterface": "dstintf",
                     "externalId": "sessionid", "proto": "proto", "act": "action", "app": "service", "duser": "user",
                     "outcome": "status", "sproc": "ui", "reason": "reason", "msg": "msg",
                     "sourceTranslatedAddress": "transip", "sourceTranslatedPort": "transport",
                     "deviceExternalId": "devid", "dvchost": "devname"]
        for field in r.fields {
            if field.key.hasPrefix("FTNTFGT") {
                // A FortiOS name wins over the standard key's mapping (FTNTFGTapp is the application, app the service).
                f[String(field.key.dropFirst(7))] = field.value
            }
        }
        for field in r.fields {
            if field.key == "cat", let colon = field.value.firstIndex(of: ":") {
                put("type", String(field.value[..<colon]))
                put("subtype", String(field.value[field.value.index(after: colon)...]))
            } else if let name = names[field.key] {
                put(name, field.value)
            }
        }
        if let p = r.labelled("Policy Id") { put("policyid", p) }
        if let g = r.labelled("User Group") ?? r["cs6"], f["group"] == nil, f["subtype"] == "vpn" { put("group", g) }
        // A VPN record's remote gateway address, when FortiOS did not send it under its own name.
        if f["subtype"] == "vpn", f["remip"] == nil, let s = f["srcip"] { f["remip"] = s }
        return f
    }

    /// PAN-OS records in the CEF formats Palo Alto publishes (PAN-OS CEF Configuration Guide; the Strata Logging
    /// Service's forwarding schema and the published GlobalProtect format, which put the type before the subtype): the
    /// log type is whichever of Name and Device Event Class ID is one.
    static func paloAlto(_ r: CEFRecord) -> FirewallMeaning? {
        let types = ["TRAFFIC", "GLOBALPROTECT", "SYSTEM", "THREAT", "URL", "AUTH", "USERID", "HIPMATCH", "CONFIG"]
        // The Name first: the SYSTEM log's subtype `globalprotect` in Device Event Class ID is no log type.
        let (type, subtype) = types.contains(r.name.uppercased()) ? (r.name.uppercased(), r.signature)
            : (r.signature.uppercased(), r.name)
        switch type {
        case "GLOBALPROTECT":
            func v(_ k: String) -> String { r[k] ?? "" }
            return RemoteAccess.globalProtect(RemoteAccess.GlobalProtectRecord(
                event: v("PanOSEventID"), stage: v("PanOSStage"), method: v("PanOSAuthMethod"),
                tunnelType: v("PanOSTunnelType"), user: r["PanOSSourceUserName"] ?? v("suser"),
                machine: v("PanOSEndpointDeviceName"), publicIP: r["PanOSPublicIPv4"] ?? v("src"),
                publicIPv6: v("PanOSPublicIPv6"), privateIP: v("PanOSPrivateIPv4"), privateIPv6: v("PanOSPrivateIPv6"),
                reason: v("PanOSQuarantineReason"),
                error: v("PanOSConnectionError"), status: r["PanOSEventStatus"] ?? v("outcome")))
        case "SYSTEM":
            // Before PAN-OS 9.1 GlobalProtect wrote SYSTEM records: the event id in `cat`, the description in `msg`.
            guard let id = r["cat"], id.hasPrefix("globalprotect") else { return nil }
            return RemoteAccess.globalProtect(Substring(id + " " + (r["msg"] ?? "")))
        case "TRAFFIC":
            return paloAltoTraffic(r, subtype: subtype.lowercased())
        default:
            return nil
        }
    }

    /// A PAN-OS traffic record: subtype `start` (the session allowed), `end` (ended, with its bytes and length),
    /// `drop` and `deny` (refused). `in` is what the client sent (`$bytes_sent` in the published format).
    static func paloAltoTraffic(_ r: CEFRecord, subtype: String) -> FirewallMeaning? {
        // IPv6 sessions carry their addresses in c6a2/c6a3 (Source/Destination IPv6 Address), which also hold a
        // placeholder (`::ffff:0`) when the session is IPv4.
        func address(_ v4: String, _ v6: String) -> String? {
            if let a = r[v4].flatMap(RemoteAccess.literal), a != "0.0.0.0" { return a }
            return r[v6].flatMap(RemoteAccess.literal).flatMap { ["::", "::ffff:0", "::ffff:0.0.0.0"].contains($0) ? nil : $0 }
        }
        guard let s = address("src", "c6a2"), let d = address("dst", "c6a3") else { return nil }
        let kind: String
        switch subtype {
        case "start": kind = "net.flow_start"
        case "end": kind = "net.flow_end"
        case "drop", "deny": kind = "net.connection_blocked"
        default: return nil
        }
        var a: [String: JSONValue] = ["vendor": "paloalto-panos"]
        if let x = r["act"], !x.isEmpty { a["action"] = .string(x) }
        if let x = r["proto"], !x.isEmpty { a["protocol"] = .string(x.lowercased()) }
        if let x = r["app"], !x.isEmpty { a["app"] = .string(x) }
        if let x = r.labelled("Rule") ?? r["cs1"], !x.isEmpty { a["rule"] = .string(x) }
        if let x = r.labelled("SessionID") ?? r["cn1"], !x.isEmpty { a["session_id"] = .string(x) }
        if let x = r["reason"], !x.isEmpty { a["end_reason"] = .string(x) }
        if let x = (r.labelled("Elapsed time in seconds") ?? r["cn3"]).flatMap(Int64.init) { a["duration_s"] = .int(x) }
        let sent = r["in"].flatMap(Int64.init), received = r["out"].flatMap(Int64.init)
        if let sent { a["bytes_sent"] = .int(sent) }
        if let received { a["bytes_received"] = .int(received) }
        if sent != nil || received != nil { a["bytes"] = .int((sent ?? 0) &+ (received ?? 0)) }
        let user = (r["suser"] ?? "").trimmingBlanks
        return FirewallMeaning(kind: kind, user: user.isEmpty ? nil : user,
                               src: Endpoint(ip: s, port: r["spt"].flatMap(UInt16.init)),
                               dst: Endpoint(ip: d, port: r["dpt"].flatMap(UInt16.init)), attributes: a)
    }
}

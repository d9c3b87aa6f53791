import Foundation
import JikochoModel
import Parsers

/// `log/jsonl`: one JSON object per line. Built-in mappings for Zeek JSON logs, Winlogbeat/Elastic Agent Windows
/// events, and EvtxECmd's JSON output; otherwise the time and message are taken from the usual field names, or
/// from the fields named in the options (`jsonl.time`, `jsonl.message`, `jsonl.host`, `jsonl.kind`, `jsonl.user`).
/// The record's own fields are kept as the event's attributes.
public struct JSONLinesCollector: Collector {
    public static let name = "log/jsonl"
    public static let version = "5"    // 2: RDP user and client from UserData (1149, 21–25); 3: endpoints from the
                                       // same fields as native EVTX (Sysmon SourceIp/DestinationIp, 5156, …);
                                       // 4: the account too (Sysmon's User when no TargetUserName); 5: one
                                       // failed logon one auth.logon_failed (FailedAttempts.windows)

    public init() {}

    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        let lines = probe.lines()
        let objects = lines.filter { l in
            if case .object? = l.withUnsafeBufferPointer({ try? JSONParser().parse(bytes: $0) }) { return true }
            return false
        }.count
        guard objects > 0 else { return .no }
        return objects * 2 >= lines.count ? .likely : .maybe
    }

    /// Which known export a record looks like.
    enum Dialect: String { case zeek, winlogbeat, evtxecmd, generic }

    static func dialect(of o: [String: JSONValue]) -> Dialect {
        if o["winlog"] != nil { return .winlogbeat }
        if o["EventId"] != nil, o["TimeCreated"] != nil { return .evtxecmd }
        if o["ts"] != nil, o["uid"] != nil || o["id.orig_h"] != nil || o["id"] != nil { return .zeek }
        return .generic
    }

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let evidenceID = source.item.id
        let warn = LineWarnings(sink: sink, evidenceID: evidenceID)
        let reader = LineReader(path: source.path)
        let parser = JSONParser()
        let zone = LocalTimeZone(source.options["tz"] ?? source.item.timeZone ?? "UTC") ?? LocalTimeZone("UTC")!
        // Zeek logs without `_path` are named after their log: conn.log → zeek.conn.
        let zeekPath = source.item.name.split(separator: ".").first.map(String.init) ?? "log"
        var warnedZone = false
        var attempts = FailedAttempts(FailedAttempts.windows)
        let emit: (Event) throws -> Void = { try sink.emit($0) }
        try reader.forEachLine { line in
            try warn.checkLength(line, limit: reader.maxLine)
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            let value: JSONValue
            do {
                value = try parser.parse(bytes: line.bytes)
            } catch {
                try warn(line.locator, "\(error): \(preview(line.bytes))")
                return
            }
            guard case .object(let o) = value else {
                try warn(line.locator, "a JSON value that is not an object: \(preview(line.bytes))")
                return
            }
            let d = JSONLinesCollector.dialect(of: o)
            let timeField = source.options["jsonl.time"]
            guard let (civil, timeDesc) = JSONLinesCollector.time(o, dialect: d, field: timeField) else {
                try warn(line.locator, "no readable time in the record (fields tried: "
                            + (timeField ?? JSONLinesCollector.timeFields.joined(separator: ", ")) + "); pass --map time=FIELD")
                return
            }
            if civil.utcOffsetSeconds == nil, source.options["tz"] == nil, source.item.timeZone == nil, !warnedZone {
                warnedZone = true
                try warn(line.locator, "no time zone declared for this evidence; local times were read as UTC "
                            + "(pass --tz to declare it)")
            }
            guard let (time, _) = zone.timestamp(civil) else {
                try warn(line.locator, "impossible time in the record")
                return
            }
            var event = JSONLinesCollector.event(o, dialect: d, zeekPath: zeekPath, options: source.options)
            event.time = time
            event.recordedTime = time
            event.timeDescription = timeDesc
            event.provenance = Provenance(evidenceID: evidenceID, collector: Self.name, collectorVersion: Self.version,
                                          locator: line.locator)
            try attempts.offer(event, emit: emit)
        }
        try attempts.finish(emit: emit)
    }

    static let timeFields = ["@timestamp", "timestamp", "time", "ts", "TimeCreated", "datetime", "date", "eventTime",
                             "EventTime", "_time"]

    /// The record's time: ISO 8601 text, or epoch seconds / milliseconds / microseconds as a number or numeric text.
    static func time(_ o: [String: JSONValue], dialect: Dialect, field: String?) -> (CivilTime, String)? {
        let candidates: [String]
        switch (field, dialect) {
        case (let f?, _): candidates = [f]
        case (nil, .zeek): candidates = ["ts"]
        case (nil, .winlogbeat): candidates = ["@timestamp"]
        case (nil, .evtxecmd): candidates = ["TimeCreated"]
        case (nil, .generic): candidates = timeFields
        }
        for name in candidates {
            guard let v = lookup(o, name) else { continue }
            let desc = dialect == .zeek ? "Zeek record time" : dialect == .generic ? "Record time" : "Event time"
            switch v {
            case .string(let s):
                if let c = TimeParser.iso8601(s) { return (c, desc) }
                if let d = Double(s), let c = epoch(d) { return (c, desc) }
            case .double(let d): if let c = epoch(d) { return (c, desc) }
            case .int(let i): if let c = epoch(integer: i) { return (c, desc) }
            default: continue
            }
        }
        return nil
    }

    /// Epoch seconds with a fraction (Zeek's `ts`), or milliseconds / microseconds / nanoseconds told apart by
    /// magnitude. A double carries about 16 digits, so the result is rounded to the microsecond (Zeek's own
    /// precision) instead of showing binary noise in the nanoseconds.
    static func epoch(_ d: Double) -> CivilTime? {
        guard d.isFinite else { return nil }
        if d == d.rounded(), abs(d) < 9e18 { return epoch(integer: Int64(d)) }
        var micros = d * 1e6
        if abs(d) > 1e14 { micros = d } else if abs(d) > 1e11 { micros = d * 1e3 }
        guard abs(micros) < 9.2e15 else { return nil }
        return Timestamp(nanoseconds: Int64(micros.rounded()) * 1000).civil(utcOffsetSeconds: 0)
    }

    /// Whole epoch seconds, milliseconds, microseconds or nanoseconds, exactly.
    static func epoch(integer i: Int64) -> CivilTime? {
        let a = i.magnitude
        let ns: Int64
        if a > 100_000_000_000_000_000 { ns = i }
        else if a > 100_000_000_000_000 { ns = i * 1000 }
        else if a > 100_000_000_000 { ns = i * 1_000_000 }
        else { ns = i * 1_000_000_000 }
        return Timestamp(nanoseconds: ns).civil(utcOffsetSeconds: 0)
    }

    /// A field by name, or by dotted path into nested objects (`winlog.event_id`); Zeek's own dotted names
    /// (`id.orig_h`) are tried whole first.
    static func lookup(_ o: [String: JSONValue], _ path: String) -> JSONValue? {
        if let v = o[path] { return v }
        var current: JSONValue = .object(o)
        for part in path.split(separator: ".") {
            guard case .object(let d) = current, let next = d[String(part)] else { return nil }
            current = next
        }
        return current
    }

    static func text(_ o: [String: JSONValue], _ path: String?) -> String? {
        guard let path, let v = lookup(o, path) else { return nil }
        switch v {
        case .null: return nil
        case .string(let s): return s.isEmpty || s == "-" ? nil : s
        default: return v.canonicalJSON
        }
    }

    static func int(_ o: [String: JSONValue], _ path: String) -> Int? {
        switch lookup(o, path) {
        case .int(let i)?: return Int(exactly: i)
        case .string(let s)?: return Int(s)
        case .double(let d)?: return Int(exactly: d)
        default: return nil
        }
    }

    static func endpoint(_ o: [String: JSONValue], ip: String, port: String) -> Endpoint {
        let addr = text(o, ip).flatMap(IPAddressText.canonical)
        return Endpoint(ip: addr, port: int(o, port).flatMap { UInt16(exactly: $0) })
    }

    static func event(_ o: [String: JSONValue], dialect: Dialect, zeekPath: String, options: [String: String]) -> Event {
        var kind = "json.record"
        var domain = Domain.it
        var host: String?
        var user: String?
        var src = Endpoint()
        var dst = Endpoint()
        var message: String
        switch dialect {
        case .zeek:
            let path = text(o, "_path") ?? zeekPath
            kind = "zeek.\(path.lowercased())"
            domain = .network
            src = endpoint(o, ip: "id.orig_h", port: "id.orig_p")
            dst = endpoint(o, ip: "id.resp_h", port: "id.resp_p")
            let keys: [String] = ["proto", "service", "query", "method", "host", "uri", "status_code", "func",
                                  "server_name", "conn_state"]
            let extras = keys.compactMap { k in text(o, k).map { "\(k)=\($0)" } }
            message = "zeek \(path) \(src.description) -> \(dst.description)"
                + (extras.isEmpty ? "" : " " + extras.joined(separator: " "))
        case .winlogbeat:
            let id = int(o, "winlog.event_id") ?? int(o, "event.code") ?? 0
            let channel = text(o, "winlog.channel")
            let provider = text(o, "winlog.provider_name")
            kind = WindowsEventKinds.refine(WindowsEventKinds.kind(eventID: id, channel: channel, provider: provider)
                                            ?? "windows.event", status: text(o, "winlog.event_data.Status"))
            host = text(o, "winlog.computer_name") ?? text(o, "host.name")
            // Who and from where, by the same fields and ranks as native EVTX (`TargetUserName` before Sysmon's
            // `User`, `IpAddress` before `SourceIp`, …), so that a record means the same whichever way it was exported.
            var roles = EVTXCollector.Roles()
            if case .object(let data)? = o["winlog"].flatMap({ if case .object(let w) = $0 { w["event_data"] } else { nil } }) {
                for (k, v) in data { if case .string(let t) = v { roles.consider(k, t) } }
            }
            func role(_ r: EVTXCollector.Role) -> String? { roles.found[r.rawValue] }
            user = role(.user) ?? text(o, "user.name")
            func address(_ r: EVTXCollector.Role) -> String? {
                role(r).flatMap(IPAddressText.canonical)
            }
            src = Endpoint(ip: address(.srcIP), port: role(.srcPort).flatMap { UInt16($0) })
            dst = Endpoint(ip: address(.dstIP), port: role(.dstPort).flatMap { UInt16($0) })
            // Remote Desktop events carry the client in UserData: 1149 as Param1 (user), Param3 (address); the
            // session manager's 21–25 as User (DOMAIN\user) and Address.
            if user == nil {
                user = text(o, "winlog.user_data.Param1")
                    ?? text(o, "winlog.user_data.User").map { u in u.split(separator: "\\").last.map(String.init) ?? u }
            }
            if src.ip == nil, let a = (text(o, "winlog.user_data.Param3") ?? text(o, "winlog.user_data.Address"))
                .flatMap(IPAddressText.canonical) {
                src = Endpoint(ip: a)
            }
            let summary = text(o, "message").map { $0.split(separator: "\n").first.map(String.init) ?? $0 }
            let logonType = int(o, "winlog.event_data.LogonType").flatMap(WindowsEventKinds.logonTypeName)
            message = "\(channel ?? "?") \(id) \(provider ?? "")" + (summary.map { ": \($0)" } ?? "")
                + (logonType.map { " (logon type: \($0))" } ?? "")
        case .evtxecmd:
            let id = int(o, "EventId") ?? 0
            let channel = text(o, "Channel")
            let provider = text(o, "Provider")
            kind = WindowsEventKinds.kind(eventID: id, channel: channel, provider: provider) ?? "windows.event"
            host = text(o, "Computer")
            user = text(o, "UserName")
            if let remote = text(o, "RemoteHost") {
                // "WORKSTATION (10.0.0.5)" or a bare address
                let inner = remote.split(separator: "(").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ") ")) } ?? remote
                if let ip = IPAddressText.canonical(inner) { src = Endpoint(ip: ip) }
            }
            let payload = (1...6).compactMap { text(o, "PayloadData\($0)") }.joined(separator: "; ")
            message = "\(channel ?? "?") \(id) \(text(o, "MapDescription") ?? provider ?? "")"
                + (payload.isEmpty ? "" : ": \(payload)")
        case .generic:
            message = text(o, options["jsonl.message"]) ?? ["message", "msg", "log", "event", "description"]
                .lazy.compactMap { text(o, $0) }.first ?? JSONValue.object(o).canonicalJSON
            host = text(o, options["jsonl.host"]) ?? text(o, "host") ?? text(o, "hostname")
            user = text(o, options["jsonl.user"]) ?? text(o, "user")
        }
        // Kinds are lower case (queries and playbooks match them so).
        if let k = options["jsonl.kind"] { kind = text(o, k).map { "json.\($0.lowercased())" } ?? k.lowercased() }
        if let h = options["host"] { host = h }
        var e = Event(time: Timestamp(nanoseconds: 0), timeDescription: "", domain: domain, kind: kind, host: host,
                      src: src, dst: dst, user: user, message: message, attributes: Attributes(o),
                      provenance: Provenance(evidenceID: 0, collector: name, collectorVersion: version, locator: ""))
        // A Windows server as the VPN gateway (RRAS, NPS), exported by Winlogbeat.
        if dialect == .winlogbeat, let id = int(o, "winlog.event_id"), case .object(let w)? = o["winlog"] {
            var data: [String: JSONValue] = [:]
            if case .object(let d)? = w["event_data"] { data = d }
            if case .object(let u)? = w["user_data"] { data.merge(u) { a, _ in a } }
            WindowsRemoteAccess.refine(&e, id: Int64(id), provider: text(o, "winlog.provider_name"), data: data)
        }
        return e
    }
}

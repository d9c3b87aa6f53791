import Foundation
import JikochoModel
import Parsers

/// `log/remote-control`: the connection lists TeamViewer and AnyDesk keep on the host they control
/// (`Connections_incoming.txt`, `connection_trace.txt`; `RemoteControlLog`), in UTF-8 or UTF-16, into sessions:
///
/// - `remote.control_start` when a partner took the host's screen (TeamViewer `RemoteControl`, an AnyDesk connection
///   let in by `User`, `Passwd` or `Token`), with `tool`, `direction`, `partner_id`, `partner_name`, and TeamViewer's
///   `local_user` (the account whose desktop it drove), `connection_type`, `session_id`, `end_time`, `duration_s`;
///   `remote.control_end` at a TeamViewer session's end;
/// - `remote.file_transfer_start`/`_end` (TeamViewer `FileTransfer`) and `remote.session_start`/`_end` (any other
///   TeamViewer type: `VPN`, `Meeting` …): sessions that did not drive the screen;
/// - `remote.control_failed` for an AnyDesk connection `REJECTED` at the console.
///
/// The lists name no host: the events' host is `--host`, else the asset whose inventory `evidence:` lists the file.
/// They write no time zone either: local times in the declared zone (`--tz`), else UTC with a warning. AnyDesk's
/// times are to the minute (`time_precision: minute`). A TeamViewer list's dates are day first as TeamViewer writes
/// them unless a date in it can only be month first (`remote-control.date-order` `dmy`/`mdy` decides).
public struct RemoteControlLogCollector: Collector {
    public static let name = "log/remote-control"
    public static let version = "1"

    public init() {}

    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        let lines = probe.lines(8, of: probe.text).map { Substring(decoding: $0, as: UTF8.self) }
            .filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
        guard !lines.isEmpty else { return .no }
        let parsed = lines.filter { RemoteControlLog.tool(of: $0) != nil }.count
        guard parsed * 2 >= lines.count, parsed > 0 else { return .no }
        let name = probe.name.lowercased()
        let named = name.hasPrefix("connections") || name.hasPrefix("connection_trace")
        return named ? .certain : .likely
    }

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let item = source.item
        let warn = LineWarnings(sink: sink, evidenceID: item.id)
        var times = try LocalTimes(source)
        // UTF-8, UTF-16 (recent AnyDesk releases) or Shift_JIS (Japanese names): lines handed on as UTF-8.
        let reader = try TextEncoding.Reader(path: source.path)
        let eachLine = reader.forEachLine
        let host = source.options["host"]

        // Pass 1: the tool, and for TeamViewer the order of its dates.
        var tool: RemoteControlLog.Tool?
        var dayFirst = 0, monthFirst = 0
        try eachLine { line in
            let text = Substring(decoding: line.bytes, as: UTF8.self)
            if tool == nil { tool = RemoteControlLog.tool(of: text) }
            for (a, b) in RemoteControlLog.dateParts(text) {
                if a > 12, b <= 12 { dayFirst += 1 }
                if b > 12, a <= 12 { monthFirst += 1 }
            }
        }
        var order = RemoteControlLog.DateOrder.dayFirst
        switch source.options["remote-control.date-order"] {
        case nil:
            if monthFirst > 0, dayFirst == 0 { order = .monthFirst }
        case "dmy": order = .dayFirst
        case "mdy": order = .monthFirst
        case let o?: throw CollectorError.notThisFormat("remote-control.date-order must be dmy or mdy, not \(o)")
        }
        guard let tool else {
            // No line of either list: each line is said, none is dropped silently.
            try eachLine { line in
                try warn.checkLength(line, limit: reader.maxLine)
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                try warn(line.locator, "not a line of TeamViewer's or AnyDesk's connection list: \(preview(line.bytes))")
            }
            return
        }
        // TeamViewer's lists do not say their direction: the file's name does.
        let fileName = item.name.lowercased()
        var listDirection: RemoteControlLog.Direction?
        if tool == .teamViewer {
            if fileName.contains("incoming") {
                listDirection = .incoming
            } else if fileName.hasPrefix("connections") {
                listDirection = .outgoing
            }
        }
        var warnedDirection = false, warnedOrder = false

        try eachLine { line in
            try warn.checkLength(line, limit: reader.maxLine)
            let text = Substring(decoding: line.bytes, as: UTF8.self)
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) { return }
            let parsed = tool == .anyDesk ? RemoteControlLog.anyDesk(text) : RemoteControlLog.teamViewer(text, order: order)
            var r: RemoteControlLog.Record
            switch parsed {
            case .success(let x): r = x
            case .failure(let why):
                let list = tool == .anyDesk ? "an AnyDesk connection_trace.txt line" : "a TeamViewer connection list line"
                try warn(line.locator, "not \(list) (\(why)): \(preview(line.bytes))")
                return
            }
            if tool == .teamViewer, !warnedOrder, dayFirst > 0, monthFirst > 0, source.options["remote-control.date-order"] == nil {
                warnedOrder = true
                try warn(line.locator, "the list's dates are day first on some lines and month first on others; read day "
                            + "first as TeamViewer writes them (give remote-control.date-order=mdy to read them month first)")
            }
            if r.direction == nil {
                r.direction = listDirection ?? .incoming
                if listDirection == nil, !warnedDirection {
                    warnedDirection = true
                    try warn(line.locator, "the file's name does not say whether it lists incoming sessions "
                                + "(Connections_incoming.txt) or outgoing ones (Connections.txt): read as incoming")
                }
            }
            guard let start = try times.timestamp(r.start, line, warn) else { return }
            var end: Timestamp?
            if let e = r.end, let t = try times.timestamp(e, line, warn) {
                if t < start {
                    try warn(line.locator, "the session ends (\(t.iso8601(precision: .seconds))) before it starts "
                                + "(\(start.iso8601(precision: .seconds))): its end was left out")
                } else {
                    end = t
                }
            }
            for e in Self.events(r, start: start, end: end, host: host, locator: line.locator, evidenceID: item.id) {
                try sink.emit(e)
            }
        }
    }

    /// The events of one record: its start (or refusal), and for a list that gives it, its end.
    static func events(_ r: RemoteControlLog.Record, start: Timestamp, end: Timestamp?, host: String?, locator: String,
                       evidenceID: Int64) -> [Event]
    {
        let toolName = r.tool == .teamViewer ? "TeamViewer" : "AnyDesk"
        let incoming = r.direction != .outgoing
        var a: [String: JSONValue] = ["tool": .string(r.tool.rawValue), "direction": .string(incoming ? "incoming" : "outgoing")]
        if let v = r.partnerID { a["partner_id"] = .string(v) }
        if let v = r.partnerName { a["partner_name"] = .string(v) }
        if let v = r.localUser { a["local_user"] = .string(v) }
        if let v = r.connectionType { a["connection_type"] = .string(v) }
        if let v = r.sessionID { a["session_id"] = .string(v) }
        if let v = r.authentication {
            a["authentication"] = .string(v)
            if let m = RemoteControlLog.meaning(ofAnyDeskAuthentication: v) { a["authentication_meaning"] = .string(m) }
        }
        if r.minutePrecision { a["time_precision"] = "minute" }
        if let end {
            a["end_time"] = .string(end.iso8601(precision: .seconds))
            a["duration_s"] = .int((end.nanoseconds - start.nanoseconds) / 1_000_000_000)
        }
        // What the session was: the screen driven, files moved, or another kind of session.
        let type = (r.connectionType ?? "").lowercased()
        let family = r.tool == .anyDesk || type.isEmpty || type.contains("remotecontrol") || type == "remote control"
            ? "control" : type.contains("filetransfer") || type == "file transfer" ? "file_transfer" : "session"
        let refused = r.tool == .anyDesk && (r.authentication ?? "").lowercased() == "rejected"
        let partner = [r.partnerID, r.partnerName.map { "\"\($0)\"" }].compactMap { $0 }.joined(separator: " ")
        // A partner ID that is an address (a connection inside the LAN) is where the session came from.
        let address = r.partnerID.flatMap(IPAddressText.canonical).map { Endpoint(ip: $0) } ?? Endpoint()
        let (src, dst) = incoming ? (address, Endpoint()) : (Endpoint(), address)
        // AnyDesk's list does not say what the session did; TeamViewer's type does.
        let what = r.tool == .anyDesk ? "session" : family == "control" ? "remote control"
            : family == "file_transfer" ? "file transfer" : (r.connectionType ?? "session")
        var message: String
        if refused {
            message = "\(toolName): incoming connection from \(partner) rejected at the console"
        } else if incoming {
            message = "\(toolName): \(what) from partner \(partner)"
            if let u = r.localUser { message += " at \(u)'s desktop" }
        } else {
            message = "\(toolName): \(what) of partner \(partner) from this host" + (r.localUser.map { " by \($0)" } ?? "")
        }
        if let how = a["authentication_meaning"]?.text, !refused { message += ", \(how)" }
        if let end { message += " until \(end.iso8601(precision: .seconds)) (\((end.nanoseconds - start.nanoseconds) / 1_000_000_000) s)" }
        if let s = r.sessionID { message += ", session \(s)" }
        let provenance = Provenance(evidenceID: evidenceID, collector: name, collectorVersion: version, locator: locator)
        let kind = refused ? "remote.control_failed" : "remote.\(family)_start"
        var out = [Event(time: start, timeDescription: r.minutePrecision ? "Connection time (to the minute)" : "Session start",
                         domain: .it, kind: kind, host: host, src: src, dst: dst, message: message,
                         attributes: Attributes(a), provenance: provenance)]
        if let end, !refused {
            out.append(Event(time: end, timeDescription: "Session end", domain: .it, kind: "remote.\(family)_end", host: host,
                             src: src, dst: dst, message: "\(toolName): \(what) of partner \(partner) ended"
                                + (r.sessionID.map { ", session \($0)" } ?? ""),
                             attributes: Attributes(a), provenance: provenance))
        }
        return out
    }
}

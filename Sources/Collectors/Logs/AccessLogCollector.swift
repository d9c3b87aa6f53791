import Foundation
import JikochoModel
import Parsers

/// `log/access`: web server access logs into `web.request` events: Apache and nginx Common/Combined (and Tomcat's
/// default pattern), and IIS W3C extended logs (columns from their `#Fields:` lines, times in UTC).
public struct AccessLogCollector: Collector {
    public static let name = "log/access"
    public static let version = "1"

    public init() {}

    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        let lines = probe.lines()
        guard let first = lines.first else { return .no }
        if first.starts(with: Array("#Software: Microsoft Internet Information Services".utf8)) { return .certain }
        if lines.contains(where: { $0.starts(with: Array("#Fields: ".utf8)) }) { return .likely }
        var parsed = 0
        for l in lines { if l.withUnsafeBufferPointer({ CommonLogParser.parse($0) }) != nil { parsed += 1 } }
        return parsed == 0 ? .no : parsed * 2 >= lines.count ? .likely : .maybe
    }

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let evidenceID = source.item.id
        let warn = LineWarnings(sink: sink, evidenceID: evidenceID)
        let reader = LineReader(path: source.path)
        var w3c = W3CLogParser()
        var mode: Bool?    // true: W3C, false: Common/Combined; decided by the first non-empty line
        let host = source.options["host"]
        try reader.forEachLine { line in
            try warn.checkLength(line, limit: reader.maxLine)
            guard !line.bytes.isEmpty else { return }
            if mode == nil { mode = line.bytes.first == UInt8(ascii: "#") }
            if !isValidUTF8(line.bytes) { try warn(line.locator, "invalid UTF-8 in the line was replaced with U+FFFD") }
            let record: AccessRecord
            if mode == true {
                switch w3c.parse(line.bytes) {
                case .record(let r): record = r
                case .directive, .blank: return
                case .bad(let why):
                    try warn(line.locator, "not a W3C log record (\(why)): \(preview(line.bytes))")
                    return
                }
            } else {
                guard let r = CommonLogParser.parse(line.bytes) else {
                    try warn(line.locator, "not an access log line: \(preview(line.bytes))")
                    return
                }
                record = r
            }
            if let why = record.incomplete { try warn(line.locator, "read in part: \(why)") }
            guard let time = record.time.timestamp(assumingOffset: 0) else {
                try warn(line.locator, "impossible time in the line: \(preview(line.bytes))")
                return
            }
            try sink.emit(event(record, time: time, host: host, w3c: mode == true, locator: line.locator,
                                evidenceID: evidenceID))
        }
    }

    func event(_ r: AccessRecord, time: Timestamp, host: String?, w3c: Bool, locator: String, evidenceID: Int64)
        -> Event
    {
        var a: [String: JSONValue] = [:]
        a.reserveCapacity(16)
        a["format"] = w3c ? "w3c" : "clf"
        if let v = r.method { a["method"] = .string(v) }
        if let v = r.path { a["path"] = .string(v) }
        if let v = r.query { a["query"] = .string(v) }
        if let v = r.proto { a["protocol"] = .string(v) }
        if let v = r.rawRequest { a["request"] = .string(v) }
        if let v = r.status { a["status"] = .int(Int64(v)) }
        if let v = r.bytes { a["bytes"] = .int(v) }
        if let v = r.referer { a["referer"] = .string(v) }
        if let v = r.userAgent { a["user_agent"] = .string(v) }
        if let v = r.ident { a["ident"] = .string(v) }
        if let v = r.timeTakenMillis { a["time_taken_ms"] = .int(v) }
        for (k, v) in r.extra { a[k] = .string(v) }
        let what = r.method.map { "\($0) \(r.target ?? "")" } ?? (r.rawRequest.map { "request \($0.debugDescription)" } ?? "request")
        var message = "\(r.client ?? "-") \(what) → \(r.status.map(String.init) ?? "-")"
        if let b = r.bytes { message += " (\(b) bytes)" }
        if let ua = r.userAgent { message += " \(ua.debugDescription)" }
        let client = r.client.flatMap(IPAddressText.canonical).map { Endpoint(ip: $0) } ?? Endpoint()
        if let c = r.client, !IPAddressText.isLiteral(c) { a["client_host"] = .string(c) }
        return Event(time: time, timeDescription: "Request time", domain: .it, kind: "web.request",
                     host: host ?? r.serverIP, src: client, dst: Endpoint(ip: r.serverIP, port: r.serverPort),
                     user: r.user, message: message, attributes: Attributes(a),
                     provenance: Provenance(evidenceID: evidenceID, collector: Self.name,
                                            collectorVersion: Self.version, locator: locator))
    }
}

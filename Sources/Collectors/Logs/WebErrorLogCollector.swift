import Foundation
import JikochoModel
import Parsers

/// `log/web-error`: Apache httpd (2.2 and 2.4) and nginx error logs → `web.error_log` events with level, module,
/// process, client and, for nginx, the request. Times are the server's local time: `--tz` declares its zone.
public struct WebErrorLogCollector: Collector {
    public static let name = "log/web-error"
    public static let version = "1"

    public init() {}

    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        let lines = probe.lines()
        guard !lines.isEmpty else { return .no }
        var parsed = 0
        for l in lines where l.withUnsafeBufferPointer({ WebErrorLogParser.parse($0) }) != nil { parsed += 1 }
        return parsed == 0 ? .no : parsed * 2 >= lines.count ? .likely : .maybe
    }

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let evidenceID = source.item.id
        let warn = LineWarnings(sink: sink, evidenceID: evidenceID)
        var times = try LocalTimes(source)
        let reader = LineReader(path: source.path)
        let host = source.options["host"]
        try reader.forEachLine { line in
            try warn.checkLength(line, limit: reader.maxLine)
            guard !line.bytes.isEmpty else { return }
            guard let r = WebErrorLogParser.parse(line.bytes) else {
                try warn(line.locator, "not a web server error log line: \(preview(line.bytes))")
                return
            }
            if !isValidUTF8(line.bytes) { try warn(line.locator, "invalid UTF-8 in the line was replaced with U+FFFD") }
            guard let time = try times.timestamp(r.time, line, warn) else { return }
            try sink.emit(event(r, time: time, host: host, locator: line.locator, evidenceID: evidenceID))
        }
    }

    func event(_ r: WebErrorRecord, time: Timestamp, host: String?, locator: String, evidenceID: Int64) -> Event {
        var a: [String: JSONValue] = ["server": .string(r.dialect.rawValue), "level": .string(r.level)]
        if let v = r.module { a["module"] = .string(v) }
        if let v = r.pid { a["pid"] = .string(v) }
        if let v = r.tid { a["tid"] = .string(v) }
        if let v = r.connection { a["connection"] = .string(v) }
        if let v = r.request { a["request"] = .string(v) }
        if let v = r.server { a["server_name"] = .string(v) }
        if let v = r.hostHeader { a["host_header"] = .string(v) }
        if let v = r.client { a["client"] = .string(v) }
        var src = Endpoint()
        if let c = r.client {
            // "203.0.113.7", "203.0.113.7:51512", "[2001:db8::1]:443"
            if let ip = IPAddressText.canonical(c) {
                src = Endpoint(ip: ip)
            } else if let colon = c.lastIndex(of: ":"), let port = UInt16(c[c.index(after: colon)...]) {
                let ip = String(c[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                if let ip = IPAddressText.canonical(ip) { src = Endpoint(ip: ip, port: port) }
            }
        }
        var message = "[\(r.module.map { "\($0):" } ?? "")\(r.level)]"
        if !src.isEmpty { message += " client \(src.description)" }
        message += " " + r.message
        if let req = r.request { message += " (request \(req.debugDescription))" }
        return Event(time: time, timeDescription: "Logged", domain: .it, kind: "web.error_log", host: host, src: src,
                     message: message, attributes: Attributes(a),
                     provenance: Provenance(evidenceID: evidenceID, collector: Self.name, collectorVersion: Self.version,
                                            locator: locator))
    }
}

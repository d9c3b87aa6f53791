import EvidenceStore
import Foundation
import JikochoModel

/// The formats a timeline is written in.
public enum TimelineFormat: String, CaseIterable, Sendable {
    /// One event per line for a person, corrected time first.
    case table
    /// One JSON object per event with everything the case knows about it.
    case jsonl
    /// RFC 4180 CSV with a header, for spreadsheets (cells that a spreadsheet would run as formulas are defused).
    case csv
    /// Timesketch's JSONL import: `message`, `datetime` (ISO 8601 with an explicit offset), `timestamp` (µs),
    /// `timestamp_desc`, and flat extra fields (no `_` prefixes, no nested objects).
    case timesketch
    /// log2timeline's 17-column CSV (`date,time,timezone,MACB,source,sourcetype,type,user,host,short,desc,version,
    /// filename,inode,notes,format,extra`), times in UTC.
    case l2tcsv
}

/// What a timeline line says about an event beyond the event itself: its evidence and its clock.
public struct TimelineContext: Sendable {
    public struct Item: Sendable {
        public var name: String
        public var sha256: String
        public var clock: String
        public var correction: ClockCorrection
    }

    public var items: [Int64: Item]

    public init(_ c: Case) throws {
        let corrections = try c.clockCorrections()
        let clocks = Dictionary(uniqueKeysWithValues: try c.clockAssignments().map { ($0.evidenceID, $0.clock) })
        var items: [Int64: Item] = [:]
        for e in try c.allEvidence() {
            items[e.id] = Item(name: e.relativePath ?? e.name, sha256: e.sha256, clock: clocks[e.id] ?? e.name,
                               correction: corrections[e.id] ?? .none)
        }
        self.items = items
    }
}

/// Writes events as timeline lines in one of the formats.
public struct TimelineWriter {
    public let format: TimelineFormat
    let context: TimelineContext

    public init(format: TimelineFormat, context: TimelineContext) {
        self.format = format
        self.context = context
    }

    /// The header line, when the format has one.
    public var header: String? {
        switch format {
        case .table:
            return "TIME (corrected)               DOMAIN   KIND                     ASSET/HOST       "
                + "SRC -> DST                                USER         MESSAGE"
        case .csv:
            return Self.csvColumns.joined(separator: ",")
        case .l2tcsv:
            return "date,time,timezone,MACB,source,sourcetype,type,user,host,short,desc,version,filename,inode,notes,format,extra"
        case .jsonl, .timesketch:
            return nil
        }
    }

    static let csvColumns = ["time", "recorded_time", "clock", "clock_correction_s", "time_desc", "domain", "kind",
                             "host", "asset", "src_ip", "src_port", "src_asset", "dst_ip", "dst_port", "dst_asset",
                             "user", "message", "evidence", "evidence_sha256", "locator", "collector", "event_id"]

    public func line(_ s: StoredEvent) -> String {
        let e = s.event
        let item = context.items[e.provenance.evidenceID]
        let corrected = e.time != e.recordedTime
        switch format {
        case .table:
            let flow = e.flowDescription
            // A `*` marks a time put right by its clock's correction.
            return [(e.time.iso8601(precision: .milliseconds) + (corrected ? " *" : "")).rightPad(30),
                    e.domain.rawValue.rightPad(8), e.kind.terminalSafe.rightPad(24),
                    (e.asset ?? e.host ?? "-").terminalSafe.rightPad(16), flow.terminalSafe.rightPad(41),
                    (e.user ?? "-").terminalSafe.rightPad(12), e.message.terminalSafe].joined(separator: " ")
        case .jsonl:
            var o = Self.jsonObject(s)
            if let item {
                o["clock"] = .string(item.clock)
                o["evidence_sha256"] = .string(item.sha256)
                o["evidence_name"] = .string(item.name)
            }
            o["clock_correction_ns"] = .int(e.time.nanoseconds - e.recordedTime.nanoseconds)
            return JSONValue.object(o).canonicalJSON
        case .csv:
            let cells: [String] = [
                e.time.iso8601(), e.recordedTime.iso8601(), item?.clock ?? "",
                ClockCorrection.format(Double(e.time.nanoseconds - e.recordedTime.nanoseconds) / 1e9, 9),
                e.timeDescription, e.domain.rawValue, e.kind, e.host ?? "", e.asset ?? "", e.src.ip ?? "",
                e.src.port.map(String.init) ?? "", e.src.asset ?? "", e.dst.ip ?? "", e.dst.port.map(String.init) ?? "",
                e.dst.asset ?? "", e.user ?? "", e.message, item?.name ?? "", item?.sha256 ?? "",
                e.provenance.locator, e.provenance.collector, String(s.id),
            ]
            // Our own numbers and times stay as they are; evidence text is defused.
            let own: Set<Int> = [0, 1, 3, 10, 13, 18, 21]
            return cells.enumerated().map { i, v in Self.csvCell(own.contains(i) ? v : Self.defused(v)) }
                .joined(separator: ",")
        case .timesketch:
            var o: [String: JSONValue] = [
                "message": .string(e.message.isEmpty ? e.kind : e.message),
                "datetime": .string(e.time.iso8601(precision: .microseconds, utcOffsetSeconds: 0)
                    .replacingOccurrences(of: "Z", with: "+00:00")),
                "timestamp": .int(e.time.microseconds),
                "timestamp_desc": .string(e.timeDescription.isEmpty ? "Event time" : e.timeDescription),
                "kind": .string(e.kind), "domain": .string(e.domain.rawValue),
                "recorded_datetime": .string(e.recordedTime.iso8601(precision: .microseconds)
                    .replacingOccurrences(of: "Z", with: "+00:00")),
                "clock_correction_s": .double(Double(e.time.nanoseconds - e.recordedTime.nanoseconds) / 1e9),
                "locator": .string(e.provenance.locator), "collector": .string(e.provenance.collector),
                "jikocho_event_id": .int(s.id), "evidence_id": .int(e.provenance.evidenceID),
            ]
            if let item {
                o["clock"] = .string(item.clock)
                o["evidence_sha256"] = .string(item.sha256)
                o["evidence_name"] = .string(item.name)
            }
            if let h = e.host { o["hostname"] = .string(h) }
            if let a = e.asset { o["asset"] = .string(a) }
            if let u = e.user { o["username"] = .string(u) }
            for (prefix, p) in [("src", e.src), ("dst", e.dst)] {
                if let ip = p.ip { o["\(prefix)_ip"] = .string(ip) }
                if let port = p.port { o["\(prefix)_port"] = .int(Int64(port)) }
                if let mac = p.mac { o["\(prefix)_mac"] = .string(mac) }
                if let asset = p.asset { o["\(prefix)_asset"] = .string(asset) }
            }
            if !e.tags.isEmpty { o["techniques"] = .string(e.tags.joined(separator: ",")) }
            // The record's own fields, flat: nested values as JSON text, at most 64 of them.
            for (k, v) in Self.flatten(e.attributes.dictionary).prefix(64) where o["attr_\(k)"] == nil {
                o["attr_\(k)"] = v
            }
            return JSONValue.object(o).canonicalJSON
        case .l2tcsv:
            let c = e.time.civil()
            let date = "\(Self.pad(c.month))/\(Self.pad(c.day))/\(c.year)"
            let time = "\(Self.pad(c.hour)):\(Self.pad(c.minute)):\(Self.pad(c.second))"
            var extra = ["locator: \(e.provenance.locator)", "recorded_time: \(e.recordedTime.iso8601())"]
            if corrected, let item { extra.append("clock: \(item.clock) \(item.correction.description)") }
            if let sha = item?.sha256 { extra.append("sha256: \(sha)") }
            if let ip = e.src.ip { extra.append("src: \(ip)" + (e.src.port.map { ":\($0)" } ?? "")) }
            if let ip = e.dst.ip { extra.append("dst: \(ip)" + (e.dst.port.map { ":\($0)" } ?? "")) }
            let cells = [date, time, "UTC", "....", e.domain.rawValue.uppercased(), e.provenance.collector,
                         e.timeDescription.isEmpty ? "Event time" : e.timeDescription, e.user ?? "-",
                         e.asset ?? e.host ?? "-", "\(e.kind): \(e.message)".prefix(200).description, e.message, "2",
                         item?.name ?? "-", "-", corrected ? "time corrected by clock \(item?.clock ?? "?")" : "-",
                         "jikocho/\(e.provenance.collector)", extra.joined(separator: "; ")]
            let own: Set<Int> = [0, 1, 2, 3, 11, 13]
            return cells.enumerated().map { i, v in Self.csvCell(own.contains(i) ? v : Self.defused(v)) }
                .joined(separator: ",")
        }
    }

    /// The event as `jikocho events --json` writes it.
    public static func jsonObject(_ s: StoredEvent) -> [String: JSONValue] {
        let e = s.event
        func ep(_ p: Endpoint) -> JSONValue {
            var o: [String: JSONValue] = [:]
            if let ip = p.ip { o["ip"] = .string(ip) }
            if let port = p.port { o["port"] = .int(Int64(port)) }
            if let mac = p.mac { o["mac"] = .string(mac) }
            if let asset = p.asset { o["asset"] = .string(asset) }
            return .object(o)
        }
        var o: [String: JSONValue] = [
            "id": .int(s.id), "time": .string(e.time.iso8601()), "time_ns": .int(e.time.nanoseconds),
            "recorded_time": .string(e.recordedTime.iso8601()), "time_desc": .string(e.timeDescription),
            "domain": .string(e.domain.rawValue), "kind": .string(e.kind), "message": .string(e.message),
            "src": ep(e.src), "dst": ep(e.dst), "attributes": e.attributes.object,
            "tags": .array(e.tags.map { .string($0) }), "evidence": .int(e.provenance.evidenceID),
            "collector": .string(e.provenance.collector), "collector_version": .string(e.provenance.collectorVersion),
            "locator": .string(e.provenance.locator), "run": .int(s.runID),
        ]
        if let h = e.host { o["host"] = .string(h) }
        if let a = e.asset { o["asset"] = .string(a) }
        if let u = e.user { o["user"] = .string(u) }
        return o
    }

    /// Nested attributes as flat `a_b` keys with scalar values (arrays and deeper objects as JSON text); keys keep
    /// letters, digits and `_` only, so that the search backend takes them as they are.
    static func flatten(_ attributes: [String: JSONValue]) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        func key(_ k: String) -> String {
            let cleaned = String(k.unicodeScalars.map { s -> Character in
                (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_") && s.isASCII ? Character(s) : "_"
            })
            return cleaned.isEmpty ? "field" : cleaned
        }
        func walk(_ prefix: String, _ v: JSONValue, depth: Int) {
            switch v {
            case .object(let o) where depth < 3:
                for (k, x) in o.sorted(by: { $0.key < $1.key }) { walk(prefix.isEmpty ? key(k) : "\(prefix)_\(key(k))", x, depth: depth + 1) }
            case .object, .array:
                out.append((prefix, .string(v.canonicalJSON)))
            case .null:
                break
            default:
                out.append((prefix, v))
            }
        }
        walk("", .object(attributes), depth: 0)
        return out
    }

    static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// RFC 4180: quoted when it holds a comma, quote or line break.
    static func csvCell(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Evidence text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a `'` first.
    static func defused(_ s: String) -> String {
        // A lone `-` (the placeholder for nothing) is no formula.
        guard s != "-", let f = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(f) else { return s }
        return "'" + s
    }
}

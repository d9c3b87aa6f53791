import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List events of a case in time order, as a table or JSON lines.")

    @Argument(help: "The case directory.") var `case`: String
    @Option(help: "Earliest time (RFC 3339, UTC when no offset is given, or a date).") var from: String?
    @Option(help: "Latest time, exclusive.") var to: String?
    @Option(help: "Kind or kind prefix (ics.modbus matches ics.modbus.write); repeatable.") var kind: [String] = []
    @Option(help: "Domain: it, network, ot or process; repeatable.") var domain: [String] = []
    @Option(help: "Asset or host name.") var asset: String?
    @Option(help: "Full-text search in messages.") var grep: String?
    @Option(help: "At most this many events.") var limit: Int?
    @Flag(help: "Print JSON lines instead of a table.") var json = false

    func validate() throws {
        if let from, Timestamp.argument(from) == nil {
            throw ValidationError("--from \(from) is not a time; use e.g. 2021-02-05T08:33:00Z or 2021-02-05")
        }
        if let to, Timestamp.argument(to) == nil {
            throw ValidationError("--to \(to) is not a time; use e.g. 2021-02-05T09:00:00+09:00")
        }
        for d in domain where Domain(rawValue: d) == nil {
            throw ValidationError("--domain \(d) is not one of it, network, ot, process")
        }
    }

    func run() throws {
        let c = try Case.open(at: `case`, mode: .read)
        let q = EventQuery(from: from.flatMap(Timestamp.argument), to: to.flatMap(Timestamp.argument), kinds: kind,
                           domains: domain.compactMap(Domain.init(rawValue:)), asset: asset, grep: grep, limit: limit)
        var n = 0
        var out = BufferedOutput()
        if !json {
            out.line("TIME                          DOMAIN   KIND                     HOST/ASSET       "
                     + "SRC -> DST                                USER         MESSAGE")
        }
        try c.forEachEvent(q) { s in
            n += 1
            out.line(json ? EventsCommand.jsonLine(s) : EventsCommand.tableLine(s.event))
        }
        out.flush()
        if !json { Output.err("\(n) event\(n == 1 ? "" : "s")") }
    }

    static func tableLine(_ e: Event) -> String {
        // An endpoint the inventory knows is shown with its asset: `hmi-1=10.0.20.10:51512`.
        func ep(_ p: Endpoint) -> String { (p.asset.map { "\($0)=" } ?? "") + p.description }
        let flow = switch (e.src.isEmpty, e.dst.isEmpty) {
        case (true, true): "-"
        case (false, true): ep(e.src)
        case (true, false): "-> \(ep(e.dst))"
        case (false, false): "\(ep(e.src)) -> \(ep(e.dst))"
        }
        return [e.time.iso8601(precision: .microseconds).rightPad(29), e.domain.rawValue.rightPad(8),
                Output.safe(e.kind).rightPad(24), Output.safe(e.asset ?? e.host ?? "-").rightPad(16),
                Output.safe(flow).rightPad(41), Output.safe(e.user ?? "-").rightPad(12), Output.safe(e.message)]
            .joined(separator: " ")
    }

    static func jsonLine(_ s: StoredEvent) -> String {
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
            "src": ep(e.src), "dst": ep(e.dst), "attributes": .object(e.attributes),
            "tags": .array(e.tags.map { .string($0) }), "evidence": .int(e.provenance.evidenceID),
            "collector": .string(e.provenance.collector), "collector_version": .string(e.provenance.collectorVersion),
            "locator": .string(e.provenance.locator), "run": .int(s.runID),
        ]
        if let h = e.host { o["host"] = .string(h) }
        if let a = e.asset { o["asset"] = .string(a) }
        if let u = e.user { o["user"] = .string(u) }
        return JSONValue.object(o).canonicalJSON
    }
}

/// Line output through one buffer: printing a million events with `print` is several times slower.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    mutating func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = write(STDOUT_FILENO, b.baseAddress! + done, b.count - done)
                if n <= 0 { if errno == EINTR { continue }; break }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

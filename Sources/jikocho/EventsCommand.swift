import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Timeline

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List events of a case in time order, as a table or JSON lines.")

    @Argument(help: "The case directory.") var `case`: String
    @OptionGroup var filter: EventFilter
    @Flag(help: "Print JSON lines instead of a table.") var json = false

    func run() throws {
        let c = try Case.open(at: `case`, mode: .read)
        var n = 0
        var out = BufferedOutput()
        if !json {
            out.line("TIME                          DOMAIN   KIND                     HOST/ASSET       "
                     + "SRC -> DST                                USER         MESSAGE")
        }
        try c.forEachEvent(filter.query) { s in
            n += 1
            out.line(json ? JSONValue.object(TimelineWriter.jsonObject(s)).canonicalJSON : EventsCommand.tableLine(s.event))
        }
        out.flush()
        if !json { Output.err("\(n) event\(n == 1 ? "" : "s")") }
    }

    static func tableLine(_ e: Event) -> String {
        let flow = e.flowDescription
        return [e.time.iso8601(precision: .microseconds).rightPad(29), e.domain.rawValue.rightPad(8),
                Output.safe(e.kind).rightPad(24), Output.safe(e.asset ?? e.host ?? "-").rightPad(16),
                Output.safe(flow).rightPad(41), Output.safe(e.user ?? "-").rightPad(12), Output.safe(e.message)]
            .joined(separator: " ")
    }
}

/// The filters `events` and `timeline` share.
struct EventFilter: ParsableArguments {
    @Option(help: "Earliest time (RFC 3339, UTC when no offset is given, or a date).") var from: String?
    @Option(help: "Latest time, exclusive.") var to: String?
    @Option(help: "Kind or kind prefix (ics.modbus matches ics.modbus.write); repeatable.") var kind: [String] = []
    @Option(help: "Domain: it, network, ot or process; repeatable.") var domain: [String] = []
    @Option(help: "Asset or host name.") var asset: String?
    @Option(help: "Full-text search in messages.") var grep: String?
    @Option(help: "At most this many events.") var limit: Int?

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

    var query: EventQuery {
        EventQuery(from: from.flatMap(Timestamp.argument), to: to.flatMap(Timestamp.argument), kinds: kind,
                   domains: domain.compactMap(Domain.init(rawValue:)), asset: asset, grep: grep, limit: limit)
    }
}

import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel

struct SeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "List the historian series of a case, or print the samples of the series a pattern names.")

    @Argument(help: "The case directory.") var `case`: String
    @Option(help: "Series name or tag, with * and ? (case-insensitive): print its samples.") var tag: String?
    @Option(help: "Earliest sample time (RFC 3339, UTC when no offset is given, or a date).") var from: String?
    @Option(help: "Latest sample time, exclusive.") var to: String?
    @Flag(help: "Print CSV (time, series, value, quality, quality text, line) instead of a table.") var csv = false
    @Option(help: "At most this many samples.") var limit: Int?

    func validate() throws {
        if let from, Timestamp.argument(from) == nil {
            throw ValidationError("--from \(from) is not a time; use e.g. 2021-02-05T08:33:00Z or 2021-02-05")
        }
        if let to, Timestamp.argument(to) == nil {
            throw ValidationError("--to \(to) is not a time; use e.g. 2021-02-05T09:00:00+09:00")
        }
    }

    func run() throws {
        let c = try Case.open(at: `case`, mode: .read)
        var out = BufferedOutput()
        guard let tag else {
            let all = try c.series()
            if csv {
                out.line("series,tag,unit,evidence,samples,first,last,min,max")
                for s in all {
                    out.line([s.info.name, s.info.tag, s.info.unit ?? "", "\(s.evidenceID)", "\(s.samples)",
                              s.first?.iso8601() ?? "", s.last?.iso8601() ?? "", s.min.map { "\($0)" } ?? "",
                              s.max.map { "\($0)" } ?? ""].map(SeriesCommand.csvField).joined(separator: ","))
                }
            } else {
                out.line("SERIES               UNIT      EVIDENCE   SAMPLES  FIRST                 LAST                  "
                         + "MIN           MAX")
                for s in all {
                    out.line([Output.safe(s.info.name).rightPad(20), Output.safe(s.info.unit ?? "-").rightPad(9),
                              "#\(s.evidenceID)".rightPad(8), "\(s.samples)".leftPad(9),
                              (s.first?.iso8601(precision: .seconds) ?? "-").rightPad(21),
                              (s.last?.iso8601(precision: .seconds) ?? "-").rightPad(21),
                              (s.min.map(SeriesCommand.number) ?? "-").rightPad(13),
                              s.max.map(SeriesCommand.number) ?? "-"].joined(separator: " "))
                }
            }
            out.flush()
            if !csv {
                let samples = all.reduce(0) { $0 + $1.samples }
                Output.err("\(all.count) series, \(samples) samples")
            }
            return
        }
        let matching = try c.series(matching: tag)
        guard !matching.isEmpty else {
            throw CaseError(.notFound, "no series matches \(tag)", hint: "list them with `jikocho series \(`case`)`")
        }
        let fromT = from.flatMap(Timestamp.argument), toT = to.flatMap(Timestamp.argument)
        if csv {
            out.line("time,series,value,quality,quality_text,line")
        } else {
            out.line("TIME                           SERIES               VALUE               QUALITY    LINE")
        }
        var n = 0
        struct Enough: Error {}
        do {
            for s in matching {
                try c.forEachSample(series: s.id, from: fromT, to: toT) { sample in
                    if let limit, n >= limit { throw Enough() }
                    n += 1
                    let value = sample.value.map(SeriesCommand.number) ?? sample.text ?? ""
                    if csv {
                        out.line([sample.time.iso8601(), s.info.name, value, sample.quality.description,
                                  sample.qualityText ?? "", "\(sample.line)"].map(SeriesCommand.csvField)
                                    .joined(separator: ","))
                    } else {
                        let q = sample.quality.description + (sample.qualityText.map { " (\($0))" } ?? "")
                        out.line([sample.time.iso8601(precision: .milliseconds).rightPad(30),
                                  Output.safe(s.info.name).rightPad(20), Output.safe(value).rightPad(19),
                                  Output.safe(q).rightPad(10), "\(sample.line)"].joined(separator: " "))
                    }
                }
            }
        } catch is Enough {}
        out.flush()
        if !csv { Output.err("\(n) sample\(n == 1 ? "" : "s") of \(matching.count) series") }
    }

    /// Full precision, shortest form (Swift's description round-trips).
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

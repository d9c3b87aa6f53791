import ArgumentParser
import Collectors
import EvidenceStore
import Foundation
import JikochoModel

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add evidence and read it into events with the right collector (see `jikocho ingest --list`).")

    @Argument(help: "The case directory.") var `case`: String?
    @Argument(help: "Files and directories to ingest.") var paths: [String] = []
    @Option(help: "Use this collector instead of identifying each file.") var collector: String?
    @Option(help: "Time zone of sources that write local time (Asia/Tokyo, UTC, +09:00).") var tz: String?
    @Option(help: "Host name to use for the events instead of the one in the records.") var host: String?
    @Option(help: "Year of the first line of logs that do not write one (BSD syslog).") var year: Int?
    @Option(help: "Examiner for new evidence (default: the case's examiner).") var examiner: String?
    @Option(help: ArgumentHelp("Field mapping for JSON lines: time=FIELD, message=FIELD, host=FIELD, kind=FIELD, user=FIELD (dotted paths into nested objects); repeatable.", valueName: "KEY=FIELD"))
    var map: [String] = []
    @Option(help: "Warnings to show per run (all are stored).") var showWarnings = 3
    @Flag(help: "List the collectors and exit.") var list = false
    @Flag(help: "Load each item without the event indexes and build them when its run ends (the default for an item likely to add more events than the case holds).")
    var bulk = false
    @Option(help: "Threads to parse with (default: every core); the events are the same whatever the number.")
    var threads: Int?
    @Option(help: "Items read at once on threads of their own while the one before is written (default: every core but two; 0 reads each in turn); the case is the same whatever the number.")
    var readAhead: Int?
    @OptionGroup var archive: ArchiveOptions
    @OptionGroup var capture: CaptureOptions
    @OptionGroup var historian: HistorianOptions

    func validate() throws {
        if let year, !(1970...2200).contains(year) { throw ValidationError("--year \(year) is out of range 1970–2200") }
        if !list, `case` == nil { throw ValidationError("name the case directory and the evidence to ingest") }
        if !list, paths.isEmpty { throw ValidationError("name the evidence to ingest") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads \(threads): give 1 to 256") }
        if let readAhead, !(0...64).contains(readAhead) { throw ValidationError("--read-ahead \(readAhead): give 0 to 64") }
        for m in map {
            let kv = m.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, ["time", "message", "host", "kind", "user"].contains(String(kv[0])) else {
                throw ValidationError("--map \(m): use time=FIELD, message=FIELD, host=FIELD, kind=FIELD or user=FIELD")
            }
        }
    }

    func run() throws {
        if list {
            for c in CollectorRegistry.all { print("\(c.name.rightPad(20)) version \(c.version)") }
            return
        }
        guard let casePath = `case` else { return }
        let c = try Case.open(at: casePath, mode: .write)
        for note in c.recoveryNotes { Output.err("recovered: \(note)") }
        var mapping: [String: String] = capture.collectorOptions.merging(historian.collectorOptions) { a, _ in a }
        for m in map {
            let kv = m.split(separator: "=", maxSplits: 1).map(String.init)
            mapping["jsonl.\(kv[0])"] = kv[1]
        }
        let options = IngestOptions(collector: collector, timeZone: tz, host: host, year: year,
                                    collectorOptions: mapping, bulk: bulk ? true : nil,
                                    threads: threads ?? Parallel.cores,
                                    readAhead: readAhead ?? IngestOptions.defaultReadAhead)
        let totals = try IngestDriver(c: c, showWarnings: showWarnings)
            .run(paths: paths, add: AddOptions(examiner: examiner, timeZone: tz, archives: archive.limits), options: options)
        print(totals.line)
        if totals.failed > 0 { throw ExitCode(1) }
    }
}

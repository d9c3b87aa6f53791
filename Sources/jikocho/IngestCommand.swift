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
    @OptionGroup var archive: ArchiveOptions
    @OptionGroup var capture: CaptureOptions
    @OptionGroup var historian: HistorianOptions

    func validate() throws {
        if let year, !(1970...2200).contains(year) { throw ValidationError("--year \(year) is out of range 1970–2200") }
        if !list, `case` == nil { throw ValidationError("name the case directory and the evidence to ingest") }
        if !list, paths.isEmpty { throw ValidationError("name the evidence to ingest") }
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
        let progress = Output.Progress()
        let added = try c.add(paths: paths, options: AddOptions(examiner: examiner, timeZone: tz,
                                                                        archives: archive.limits)) { p in
            progress.update("adding \(p.fileIndex + 1)/\(p.fileCount) \(Output.safe(p.file))")
        }
        progress.clear()
        var items: [EvidenceItem] = []
        var skipped = 0
        for o in added {
            switch o {
            case .added(let item): items.append(item)
            case .duplicate(let existing, _): items.append(existing)
            case .skipped(let path, let reason):
                skipped += 1
                print("skipped            \(Output.safe(path)): \(Output.safe(reason))")
            }
        }
        // Members of archives are read too, also when the archive was added before.
        var expanded: [(EvidenceItem, members: Int)] = []
        func visit(_ item: EvidenceItem) throws {
            let children = try c.children(of: item.id)
            expanded.append((item, children.count))
            for child in children { try visit(child) }
        }
        for item in items { try visit(item) }
        var seen = Set<Int64>()
        var ingested = 0, already = 0, notParsed = 0, failed = 0, archives = 0
        var events: Int64 = 0, warnings: Int64 = 0, samples: Int64 = 0
        var mapping: [String: String] = capture.collectorOptions.merging(historian.collectorOptions) { a, _ in a }
        for m in map {
            let kv = m.split(separator: "=", maxSplits: 1).map(String.init)
            mapping["jsonl.\(kv[0])"] = kv[1]
        }
        let options = IngestOptions(collector: collector, timeZone: tz, host: host, year: year,
                                    collectorOptions: mapping)
        for (i, (item, members)) in expanded.enumerated() where seen.insert(item.id).inserted {
            let label = Output.safe(item.relativePath ?? item.name)
            if members > 0 {
                archives += 1
                print("archive           #\(item.id)  \(item.mimeType ?? "archive"): \(members) member\(members == 1 ? "" : "s")  \(label)")
                continue
            }
            progress.update("ingesting \(i + 1)/\(expanded.count) \(label)", force: true)
            let itemStart = Date()
            let outcome = try c.ingest(item, options: options) { p in
                let secs = max(Date().timeIntervalSince(itemStart), 0.001)
                let samples = p.samples > 0
                    ? "\(p.samples) samples (\(Int(Double(p.samples) / secs))/s), " : ""
                progress.update("ingesting \(i + 1)/\(expanded.count) \(label)  \(samples)\(p.events) events, "
                                + "\(p.warnings) warnings, \(Int(Double(p.events) / secs)) events/s")
            }
            progress.clear()
            switch outcome {
            case .ingested(_, let s):
                ingested += 1
                events += s.events
                warnings += s.warnings
                samples += s.samples
                let sampleText = s.series > 0 ? "\(s.samples) samples in \(s.series) series, " : ""
                print("run #\(s.runID)".rightPad(8) + "  \(s.collector.rightPad(12))  #\(item.id)  \(sampleText)"
                      + "\(s.events) events, \(s.warnings) warnings  \(label)")
                if s.warnings > 0, showWarnings > 0 {
                    let (shown, total) = try c.warnings(runID: s.runID, limit: showWarnings)
                    for w in shown { print("          warning \(w.locator): \(Output.safe(w.text))") }
                    if total > shown.count { print("          … \(total - shown.count) more (all are in the case)") }
                }
            case .alreadyIngested(_, let runID, let name, let n):
                already += 1
                print("already ingested  #\(item.id) by \(name) in run #\(runID) (\(n) events)  \(label)")
            case .notParsed:
                notParsed += 1
                print("not parsed        #\(item.id)  \(item.mimeType ?? "unknown type"): no collector reads it yet  \(label)")
            case .failed(_, let name, let reason):
                failed += 1
                print("FAILED            #\(item.id)  \(name): \(Output.safe(reason))  \(label)")
            }
        }
        let sampleTotal = samples > 0 ? "\(samples) samples, " : ""
        print("\(seen.count) items: \(ingested) ingested (\(sampleTotal)\(events) events, \(warnings) warnings), \(already) already "
              + "ingested, \(notParsed) not parsed, \(failed) failed" + (archives > 0 ? ", \(archives) archives" : "")
              + (skipped > 0 ? ", \(skipped) skipped" : ""))
        if failed > 0 { throw ExitCode(1) }
    }
}

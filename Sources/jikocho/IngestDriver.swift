import Collectors
import EvidenceStore
import Foundation
import JikochoModel

/// Adds evidence and runs the collectors over every item (archive members too), printing one line per item and
/// showing progress on a terminal: the item being read (events, warnings, rate) and the whole (items and bytes done,
/// rate, time left). Shared by `ingest` and `investigate`.
struct IngestDriver {
    let c: Case
    var showWarnings = 3
    /// Lines per item go to standard output unless quiet (then only failures are printed).
    var quiet = false

    struct Totals {
        var items = 0, ingested = 0, already = 0, notParsed = 0, failed = 0, archives = 0, skipped = 0
        var events: Int64 = 0, warnings: Int64 = 0, samples: Int64 = 0

        var line: String {
            let sampleTotal = samples > 0 ? "\(samples) samples, " : ""
            return "\(items) items: \(ingested) ingested (\(sampleTotal)\(events) events, \(warnings) warnings), \(already) already "
                + "ingested, \(notParsed) not parsed, \(failed) failed" + (archives > 0 ? ", \(archives) archives" : "")
                + (skipped > 0 ? ", \(skipped) skipped" : "")
        }
    }

    func say(_ s: String) { if !quiet { print(s) } }

    func run(paths: [String], add: AddOptions, options: IngestOptions) throws -> Totals {
        let progress = Output.Progress()
        let added = try c.add(paths: paths, options: add) { p in
            progress.update("adding \(p.fileIndex + 1)/\(p.fileCount) \(Output.safe(p.file))")
        }
        progress.clear()
        var totals = Totals()
        var items: [EvidenceItem] = []
        for o in added {
            switch o {
            case .added(let item): items.append(item)
            case .duplicate(let existing, _): items.append(existing)
            case .skipped(let path, let reason):
                totals.skipped += 1
                print("skipped            \(Output.safe(path)): \(Output.safe(reason))")
            }
        }
        // Members of archives are read too, also when the archive was added before.
        var expanded: [(EvidenceItem, members: Int)] = []
        var seen = Set<Int64>()
        func visit(_ item: EvidenceItem) throws {
            guard seen.insert(item.id).inserted else { return }
            let children = try c.children(of: item.id)
            expanded.append((item, children.count))
            for child in children { try visit(child) }
        }
        for item in items { try visit(item) }
        totals.items = expanded.count
        let totalBytes = max(1, expanded.filter { $0.members == 0 }.reduce(Int64(0)) { $0 + $1.0.size })
        var doneBytes: Int64 = 0
        let start = Date()
        func overall() -> String {
            let secs = Date().timeIntervalSince(start)
            guard doneBytes > 0, secs > 0.5 else { return "" }
            let rate = Double(doneBytes) / secs
            let left = Double(totalBytes - doneBytes) / rate
            return " | all: \(Int(100 * Double(doneBytes) / Double(totalBytes)))% of \(Output.bytes(totalBytes)), "
                + "\(Output.bytes(Int64(rate)))/s, \(Self.duration(left)) left"
        }
        // Items are read ahead on other threads while the one before is written (`IngestQueue`): the same case as
        // reading them one by one.
        let queue = IngestQueue(case: c, items: expanded.filter { $0.members == 0 }.map(\.0), options: options)
        defer { queue.stop() }
        for (i, (item, members)) in expanded.enumerated() {
            let label = Output.safe(item.relativePath ?? item.name)
            if members > 0 {
                totals.archives += 1
                say("archive           #\(item.id)  \(item.mimeType ?? "archive"): \(members) member\(members == 1 ? "" : "s")  \(label)")
                continue
            }
            progress.update("\(i + 1)/\(expanded.count) \(label)" + overall(), force: true)
            let itemStart = Date()
            let outcome = try queue.ingestNext { p in
                let secs = max(Date().timeIntervalSince(itemStart), 0.001)
                let samples = p.samples > 0 ? "\(p.samples) samples (\(Int(Double(p.samples) / secs))/s), " : ""
                progress.update("\(i + 1)/\(expanded.count) \(label): \(samples)\(p.events) events, "
                                + "\(p.warnings) warnings, \(Int(Double(p.events) / secs)) events/s" + overall())
            }
            progress.clear()
            doneBytes += item.size
            switch outcome {
            case .ingested(_, let s):
                totals.ingested += 1
                totals.events += s.events
                totals.warnings += s.warnings
                totals.samples += s.samples
                let sampleText = s.series > 0 ? "\(s.samples) samples in \(s.series) series, " : ""
                say("run #\(s.runID)".rightPad(8) + "  \(s.collector.rightPad(12))  #\(item.id)  \(sampleText)"
                    + "\(s.events) events, \(s.warnings) warnings  \(label)")
                if s.warnings > 0, showWarnings > 0, !quiet {
                    let (shown, total) = try c.warnings(runID: s.runID, limit: showWarnings)
                    for w in shown { print("          warning \(w.locator): \(Output.safe(w.text))") }
                    if total > shown.count { print("          … \(total - shown.count) more (all are in the case)") }
                }
            case .alreadyIngested(_, let runID, let name, let n):
                totals.already += 1
                say("already ingested  #\(item.id) by \(name) in run #\(runID) (\(n) events)  \(label)")
            case .notParsed:
                totals.notParsed += 1
                say("not parsed        #\(item.id)  \(item.mimeType ?? "unknown type"): no collector reads it yet  \(label)")
            case .failed(_, let name, let reason):
                totals.failed += 1
                print("FAILED            #\(item.id)  \(name): \(Output.safe(reason))  \(label)")
            }
        }
        return totals
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t < 60 ? "\(t) s" : t < 3600 ? "\(t / 60) min \(t % 60) s" : "\(t / 3600) h \(t % 3600 / 60) min"
    }
}

import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Timeline

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play the corrected timeline in compressed real time, in swimlanes IT / network / OT / process.",
        discussion: """
            Each event appears in its layer's column at its corrected time; events a finding rests on are marked ▶, \
            and at the last event of each finding (when it is complete) the replay shows the finding and waits for Enter (on a terminal; \
            --pause-on none, or standard input not a terminal, goes straight on). --speed 60 plays a minute of the \
            incident in a second; --speed 0 does not wait at all (for scripts). Quiet stretches longer than ten \
            minutes are folded into one line. Filters as for `events` (--from, --to, --kind, --domain, --asset).
            """)

    @Argument(help: "The case directory.") var `case`: String
    @OptionGroup var filter: EventFilter
    @Option(help: "Timeline seconds per real second (0: no waiting).") var speed: Double = 60
    @Option(help: "findings (stop at each finding) or none.") var pauseOn: String = "findings"
    @Option(help: "Width of each lane.") var laneWidth: Int = 34

    func validate() throws {
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed \(speed): give 0 or more") }
        guard ["findings", "none"].contains(pauseOn) else { throw ValidationError("--pause-on \(pauseOn): use findings or none") }
    }

    func run() throws {
        let c = try Case.open(at: `case`, mode: .read)
        let findings = try c.findings().map(\.0)
        var marked = Set<Int64>()
        var firstOf: [Int64: [Finding]] = [:]
        for f in findings.sorted(by: { ($0.severity, $0.id ?? 0) > ($1.severity, $1.id ?? 0) }) {
            marked.formUnion(f.eventIDs)
        }
        // A finding is shown when it is complete: at its last event in time (the most severe when two share one).
        var time: [Int64: Timestamp] = [:]
        var q = EventQuery()
        q.ids = Array(marked)
        for e in marked.isEmpty ? [] : try c.events(q) { time[e.id] = e.event.time }
        for f in findings {
            var last: (id: Int64, t: Timestamp)?
            for id in f.eventIDs {
                guard let t = time[id] else { continue }
                if let l = last, l.t > t || (l.t == t && l.id > id) { continue }
                last = (id, t)
            }
            guard let last = last?.id else { continue }
            firstOf[last, default: []].append(f)
        }
        let layout = ReplayLayout(laneWidth: laneWidth)
        let interactive = pauseOn == "findings" && isatty(0) != 0 && isatty(1) != 0
        print(layout.header)
        var last: Timestamp?
        var lastDay = ""
        var shown = 0
        var told = 0
        try c.forEachEvent(filter.query) { s in
            let e = s.event
            if let last {
                let gap = e.time.nanoseconds - last.nanoseconds
                if let fold = layout.gap(gap) {
                    print(fold)
                } else if speed > 0, gap > 0 {
                    Thread.sleep(forTimeInterval: min(3, Double(gap) / 1e9 / speed))
                }
            }
            let day = String(e.time.iso8601(precision: .seconds).prefix(10))
            if day != lastDay { print(layout.day(e.time)); lastDay = day }
            print(layout.line(e, marked: marked.contains(s.id)))
            shown += 1
            last = e.time
            if let fs = firstOf[s.id] {
                told += fs.count
                print("")
                for f in fs.sorted(by: { ($0.severity, $1.id ?? 0) > ($1.severity, $0.id ?? 0) }) {
                    print("  ▶▶ \(f.severity.rawValue.uppercased()) finding #\(f.id ?? 0): \(f.title.terminalSafe)")
                    print("     \(f.summary.terminalSafe)")
                }
                if interactive {
                    FileHandle.standardOutput.write(Data("     (Enter to go on) ".utf8))
                    _ = readLine()
                }
                print("")
            }
        }
        Output.err("\(shown) event\(shown == 1 ? "" : "s") replayed, \(told) finding\(told == 1 ? "" : "s") shown")
    }
}

import EvidenceStore
import Foundation
import JikochoModel
import Playbooks
import Timeline

/// What `jikocho investigate` does once the evidence is in: estimate and apply the clocks, run the playbooks, store
/// the causal chains behind process changes. The command and the exercise tests share it, so that the reference
/// reports under `Timelines/` are what a user gets.
/// Seconds each step of a command took, in order: `lap("ingest")` closes the step begun at the last lap.
public struct Laps: Sendable {
    public private(set) var steps: [(step: String, seconds: Double)] = []
    private var mark = DispatchTime.now().uptimeNanoseconds

    public init() {}

    public mutating func lap(_ step: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        steps.append((step, Double(now - mark) / 1e9))
        mark = now
    }

    /// Adds steps timed elsewhere, and starts the next step now.
    public mutating func append(_ other: Laps) {
        steps += other.steps
        mark = DispatchTime.now().uptimeNanoseconds
    }

    /// `ingest 2.57 s, clocks 0.00 s, …`
    public var line: String { steps.map { "\($0.step) " + String(format: "%.2f s", $0.seconds) }.joined(separator: ", ") }
}

public enum Investigation {
    public struct Outcome: Sendable {
        public var clocks: ClockEstimation
        public var playbooks: [PlaybookRunResult]
        public var findings: [Finding.Severity: Int]
        public var chains: [CausalChain]
        /// Seconds each step took: clocks, playbooks, chains.
        public var laps = Laps()
    }

    /// `playbooks`: a folder of playbooks (those that load run), or nil to run none.
    public static func analyse(_ c: Case, playbooks root: String?) throws -> Outcome {
        try analyse(c, running: root.map { PlaybookLoader.load(paths: [$0], root: $0).playbooks } ?? [])
    }

    /// Estimates and applies the clocks, runs `books` (none: no playbook run is recorded) and stores the chains.
    public static func analyse(_ c: Case, running books: [Playbook]) throws -> Outcome {
        var laps = Laps()
        let estimation = try ClockEstimator().estimate(c)
        try estimation.apply(to: c)
        laps.lap("clocks")
        var results: [PlaybookRunResult] = []
        var bySeverity: [Finding.Severity: Int] = [:]
        if !books.isEmpty {
            results = try PlaybookRunner(c).runAndStore(books) { _, outcome, _ in
                for (f, _) in outcome.findings { bySeverity[f.severity, default: 0] += 1 }
            }
        }
        laps.lap("playbooks")
        let builder = try ChainBuilder(c)
        let context = try TimelineContext(c)
        let chains = try builder.processChains(limit: 3)
        for chain in chains {
            try c.saveFinding(Finding(playbook: "Timeline.CausalChain", title: chain.title, severity: chain.severity,
                                      summary: chain.summary, eventIDs: chain.steps.map(\.event.id), createdAt: .now),
                              detail: chain.json(context))
        }
        laps.lap("chains")
        return Outcome(clocks: estimation, playbooks: results, findings: bySeverity, chains: chains, laps: laps)
    }
}

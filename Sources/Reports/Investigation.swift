import EvidenceStore
import Foundation
import JikochoModel
import Playbooks
import Timeline

/// What `jikocho investigate` does once the evidence is in: estimate and apply the clocks, run the playbooks, store
/// the causal chains behind process changes. The command and the exercise tests share it, so that the reference
/// reports under `Timelines/` are what a user gets.
public enum Investigation {
    public struct Outcome: Sendable {
        public var clocks: ClockEstimation
        public var playbooks: [PlaybookRunResult]
        public var findings: [Finding.Severity: Int]
        public var chains: [CausalChain]
        /// Seconds each step took: clocks, playbooks, chains.
        public var seconds: [(step: String, seconds: Double)] = []
    }

    /// `playbooks`: a folder of playbooks (those that load run), or nil to run none.
    public static func analyse(_ c: Case, playbooks root: String?) throws -> Outcome {
        try analyse(c, running: root.map { PlaybookLoader.load(paths: [$0], root: $0).playbooks } ?? [])
    }

    /// Estimates and applies the clocks, runs `books` (none: no playbook run is recorded) and stores the chains.
    public static func analyse(_ c: Case, running books: [Playbook]) throws -> Outcome {
        var seconds: [(String, Double)] = []
        var mark = DispatchTime.now().uptimeNanoseconds
        func lap(_ step: String) {
            let now = DispatchTime.now().uptimeNanoseconds
            seconds.append((step, Double(now - mark) / 1e9))
            mark = now
        }
        let estimation = try ClockEstimator().estimate(c)
        try estimation.apply(to: c)
        lap("clocks")
        var results: [PlaybookRunResult] = []
        var bySeverity: [Finding.Severity: Int] = [:]
        if !books.isEmpty {
            results = try PlaybookRunner(c).runAndStore(books) { _, outcome, _ in
                for (f, _) in outcome.findings { bySeverity[f.severity, default: 0] += 1 }
            }
        }
        lap("playbooks")
        let builder = try ChainBuilder(c)
        let context = try TimelineContext(c)
        let chains = try builder.processChains(limit: 3)
        for chain in chains {
            try c.saveFinding(Finding(playbook: "Timeline.CausalChain", title: chain.title, severity: chain.severity,
                                      summary: chain.summary, eventIDs: chain.steps.map(\.event.id), createdAt: .now),
                              detail: chain.json(context))
        }
        lap("chains")
        return Outcome(clocks: estimation, playbooks: results, findings: bySeverity, chains: chains, seconds: seconds)
    }
}

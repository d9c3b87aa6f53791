import ArgumentParser
import Collectors
import EvidenceStore
import Foundation

/// Commands for the project's own tests and benchmarks; hidden from help.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Tools for Jikocho's own tests and benchmarks.", shouldDisplay: false,
        subcommands: [Synthesize.self])

    /// Runs an ingest run of synthetic events attached to an evidence item: the load for the sink benchmark and
    /// for the kill -9 test of ingest atomicity.
    struct Synthesize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest synthetic events as a run of the synthetic/events collector.")

        @Argument(help: "The case directory.") var `case`: String
        @Option(help: "Evidence item the events are attached to.") var evidence: Int64
        @Option(help: "Number of events.") var events: Int = 100_000
        @Option(help: "Events per transaction.") var batch: Int = 10_000

        func run() throws {
            let c = try Case.open(at: `case`, mode: .write)
            for note in c.recoveryNotes { Output.err("recovered: \(note)") }
            let run = try c.beginIngest(evidenceID: evidence, collector: SyntheticEvents.collectorName,
                                        collectorVersion: SyntheticEvents.collectorVersion, batchSize: batch)
            Output.err("run #\(run.id) started")
            let start = Date()
            for i in 0..<events {
                try run.emit(SyntheticEvents.event(i, evidenceID: evidence))
            }
            let s = try run.finish()
            let secs = Date().timeIntervalSince(start)
            print("run #\(s.runID): \(s.events) events, \(s.warnings) warnings in \(String(format: "%.2f", secs)) s "
                  + "(\(Int(Double(s.events) / max(secs, 1e-9))) events/s)")
        }
    }
}

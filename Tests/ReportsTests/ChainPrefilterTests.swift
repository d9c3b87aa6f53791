import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import TestSupport
import Testing
import Timeline

@testable import Reports

/// `processChains` passes over the process changes that no write, command or setpoint change on their controller
/// precedes, reading the events' columns, and builds chains only for the rest. It must give exactly the chains that
/// building one from every change gives (those of more than one step, best first), on every exercise and on one
/// generalization case of each impact per write path, including held measurements and their negative controls.
@Suite struct ChainPrefilterTests {
    /// A chain as text that differs when any step, link or end differs.
    static func fingerprint(_ ch: CausalChain) -> String {
        ch.steps.map { "\($0.role):\($0.event.id)" }.joined(separator: ",") + " | "
            + ch.links.map { "\($0.rule) \($0.gapNanos)" }.joined(separator: ",") + " | \(ch.end) | \(ch.overwritesMeasurement)"
    }

    /// Every chain of more than one step, built from every change without the filter, in the same order.
    static func unfiltered(_ b: ChainBuilder, limit: Int) throws -> [String] {
        let changes = try ["process.setpoint_change", "process.state_change"].flatMap { try b.chains(impact: $0, limit: limit) }
            .filter { $0.steps.count > 1 }
        var writes = Set<Int64>()
        let held = try ChainBuilder.measurementKinds.flatMap { try b.chains(impact: $0, limit: limit) }
            .filter { $0.overwritesMeasurement && writes.insert($0.steps[$0.steps.count - 2].event.id).inserted }
        return (changes + held).map(fingerprint)
    }

    static func compare(_ c: Case, _ label: String) throws {
        let b = try ChainBuilder(c)
        for limit in [3, 50] {
            let filtered = try b.processChains(limit: limit).map(Self.fingerprint)
            #expect(filtered == (try Self.unfiltered(b, limit: limit)), "\(label), limit \(limit)")
        }
    }

    @Test(arguments: ExerciseLibrary.names)
    func exercisesGiveTheSameChains(_ name: String) throws {
        let tmp = TempDir("chain-prefilter-\(name)")
        let c = try ExerciseLibraryTests.ingested(name, tmp, inventory: true)
        _ = try Investigation.analyse(c, running: [])
        try Self.compare(c, name)
    }

    @Test func generalizationCasesGiveTheSameChains() throws {
        var picked: [GeneralizationCase] = []
        for w in GeneralizationCase.WritePath.allCases {
            for impact in GeneralizationCase.Impact.allCases {
                if let x = GeneralizationCase.all.first(where: { $0.write == w && $0.impact == impact }) { picked.append(x) }
            }
        }
        picked += GeneralizationCase.all.filter(\.innocent).prefix(3)
        for x in picked {
            let tmp = TempDir("chain-prefilter-\(x.name)")
            try Self.compare(try PlaybookPrefilterTests.analysed(x, in: tmp), x.name)
        }
    }
}

import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import Playbooks
import TestSupport
import Testing
import Timeline

@testable import Reports

/// The playbook runner narrows each step's candidates in SQL (kinds, domains, the text its conditions and Sigma rules
/// want) and reads the case a page at a time. Neither may change what a playbook finds: every shipped playbook gives
/// the same findings and gaps with the filter and without it, with pages of 7 events as with pages of 1024, and run
/// side by side with the others on their own connections as alone, on
/// every exercise (with and without its inventory) and on one generalization case per write path.
@Suite struct PlaybookPrefilterTests {
    static let root = TestPaths.repoRoot.appendingPathComponent("Playbooks").path

    /// A finding as text that differs when anything a report shows of it differs.
    static func fingerprint(_ o: PlaybookOutcome) -> [String] {
        o.findings.map { f, detail in
            "\(f.title) | \(f.severity) | \(f.summary) | \(f.eventIDs) | \(detail.canonicalJSON)"
        } + o.gaps.map { "gap: \($0)" }
    }

    static func compare(_ c: Case, _ label: String) throws {
        let books = PlaybookLoader.load(paths: [root], root: root).playbooks
        #expect(books.count >= 9)
        var plain = try PlaybookRunner(c)
        plain.usePrefilter = false
        plain.pageSize = 1024
        var smallPages = try PlaybookRunner(c)
        smallPages.pageSize = 7
        let filtered = try PlaybookRunner(c)
        var found = 0
        // Side by side on their own connections, as `run` and `investigate` run them.
        let parallel = try filtered.runAll(books, threads: 3).map(fingerprint)
        for (i, pb) in books.enumerated() {
            let reference = fingerprint(try plain.run(pb))
            #expect(parallel[i] == reference, "\(label): \(pb.name) differs when run beside the others")
            found += reference.filter { !$0.hasPrefix("gap: ") }.count
            #expect(fingerprint(try filtered.run(pb)) == reference, "\(label): \(pb.name) differs with the SQL filter")
            #expect(fingerprint(try smallPages.run(pb)) == reference, "\(label): \(pb.name) differs with pages of 7")
        }
        print("\(label): \(found) findings the same with and without the filter")
    }

    @Test(arguments: ExerciseLibrary.names)
    func exercisesFindTheSameWithTheFilter(_ name: String) throws {
        for inventory in [true, false] {
            let tmp = TempDir("prefilter-\(name)-\(inventory)")
            let c = try ExerciseLibraryTests.ingested(name, tmp, inventory: inventory)
            _ = try Investigation.analyse(c, running: [])      // the clocks, as the runner sees them in `investigate`
            try Self.compare(c, "\(name)\(inventory ? "" : " (no inventory)")")
        }
    }

    @Test(arguments: GeneralizationCase.WritePath.allCases)
    func everyWritePathFindsTheSameWithTheFilter(_ path: GeneralizationCase.WritePath) throws {
        let x = try #require(GeneralizationCase.all.first { $0.write == path })
        let tmp = TempDir("prefilter-\(x.name)")
        try Self.compare(try Self.analysed(x, in: tmp), x.name)
    }

    /// A generalization case generated into `tmp`, its inventory imported, every item ingested and the clocks put
    /// right (`investigate` without the playbooks).
    static func analysed(_ x: GeneralizationCase, in tmp: TempDir) throws -> Case {
        let folder = tmp.url.appendingPathComponent("evidence").path
        _ = try x.generate(into: folder)
        let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: x.name, examiner: "test")
        try c.importAssets(try AssetInventory.load(path: folder + "/assets.yaml"), file: "assets.yaml",
                           sha256: String(repeating: "0", count: 64))
        for outcome in try c.add(paths: [folder]) {
            if case .added(let item) = outcome { _ = try c.ingest(item) }
        }
        _ = try Investigation.analyse(c, running: [])
        return c
    }

    @Test func anAnchoredKindExpressionNarrowsToItsPrefix() {
        #expect(PlaybookLoader.kindPrefix(regex: "^ics\\.[a-z0-9]+\\.(plc_stop|cold_restart)$") == "ics")
        #expect(PlaybookLoader.kindPrefix(regex: "^auth\\.logon(_failed)?$") == "auth")
        #expect(PlaybookLoader.kindPrefix(regex: "^ics\\.modbus\\.write$") == "ics.modbus")
        // An optional dot, an alternative at the top, no anchor, no dot: no prefix can be promised.
        #expect(PlaybookLoader.kindPrefix(regex: "^ics\\.?x") == nil)
        #expect(PlaybookLoader.kindPrefix(regex: "^ics\\.modbus\\.write|^auth\\.") == nil)
        #expect(PlaybookLoader.kindPrefix(regex: "ics\\.modbus") == nil)
        #expect(PlaybookLoader.kindPrefix(regex: "(?i)^ics\\.") == nil)
        #expect(PlaybookLoader.kindPrefix(regex: "^ics") == nil)
    }
}

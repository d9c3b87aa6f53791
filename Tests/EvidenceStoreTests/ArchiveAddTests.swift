import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

@Suite struct ArchiveAddTests {
    func addOutcomes(_ c: Case, _ paths: [String], limits: ArchiveLimits = ArchiveLimits()) throws -> [AddOutcome] {
        try c.add(paths: paths, options: AddOptions(archives: limits))
    }

    @Test func membersBecomeChildItemsWhateverTheirNames() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let zip = tmp.url.appendingPathComponent("in/site.zip").path
        try FileManager.default.createDirectory(atPath: tmp.url.appendingPathComponent("in").path,
                                                withIntermediateDirectories: true)
        #expect(ArchiveWriter.write(zip, .zip, [.file("hmi/auth.log", Array("auth\n".utf8)),
                                                .file("../../../../etc/cron.d/evil", Array("evil\n".utf8)),
                                                .file("/abs/path", Array("abs\n".utf8)),
                                                .symlink("hmi/shadow", target: "/etc/shadow")]))
        let outcomes = try addOutcomes(c, [zip])
        let added = outcomes.compactMap { if case .added(let i) = $0 { return i } else { return nil } }
        #expect(added.count == 4)
        let archive = added[0]
        #expect(archive.parentID == nil)
        #expect(added.dropFirst().allSatisfy { $0.parentID == archive.id })
        #expect(added.map(\.name) == ["site.zip", "auth.log", "evil", "path"])
        #expect(added[2].originalPath == "\(zip)!/../../../../etc/cron.d/evil")
        #expect(outcomes.contains { if case .skipped(let p, let r) = $0 { return p.hasSuffix("!/hmi/shadow") && r.contains("/etc/shadow") } else { return false } })
        // Nothing left the case: every object is content-addressed under objects/.
        #expect(!FileManager.default.fileExists(atPath: "/etc/cron.d/evil"))
        #expect(!FileManager.default.fileExists(atPath: "/abs/path"))
        #expect(try c.children(of: archive.id).map(\.name) == ["auth.log", "evil", "path"])
        #expect(try c.memberships(of: added[1].id).map(\.path) == ["hmi/auth.log"])
        let custody = try c.custodyEntries().filter { $0.action == "evidence.add" }
        #expect(custody.count == 4)
        #expect(custody[1].detail.contains(#""parent":\#(archive.id)"#))
        #expect(try c.verify().isClean)
    }

    /// The same bytes in two archives: one item, a member of both.
    @Test func aMemberSharedByTwoArchivesIsOneItemInBoth() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let a = tmp.url.appendingPathComponent("a.zip").path
        let b = tmp.url.appendingPathComponent("b.tgz").path
        #expect(ArchiveWriter.write(a, .zip, [.file("x.log", Array("shared\n".utf8))]))
        #expect(ArchiveWriter.write(b, .tarGz, [.file("./logs/x.log", Array("shared\n".utf8))]))
        _ = try addOutcomes(c, [a, b])
        let items = try c.allEvidence()
        #expect(items.count == 3)
        let member = try #require(items.first { $0.name == "x.log" })
        #expect(try c.memberships(of: member.id).map(\.path).sorted() == ["./logs/x.log", "x.log"])
        #expect(try c.children(of: items.first { $0.name == "b.tgz" }!.id).map(\.id) == [member.id])
    }

    @Test func aDecompressionBombStopsAndKeepsWhatWasRead() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let bomb = tmp.url.appendingPathComponent("bomb.zip").path
        #expect(ArchiveWriter.write(bomb, .zip, (0..<4).map { .file("zeros\($0)", [UInt8](repeating: UInt8($0), count: 3 << 20)) }))
        let limits = ArchiveLimits(maxExpansionRatio: 10, expansionFloor: 7 << 20, maxDepth: 4)
        let outcomes = try addOutcomes(c, [bomb], limits: limits)
        let added = outcomes.compactMap { if case .added(let i) = $0 { return i.name } else { return nil } }
        #expect(added == ["bomb.zip", "zeros0", "zeros1"])
        #expect(outcomes.contains { if case .skipped(let p, let r) = $0 { return p.hasSuffix("!/zeros2") && r.contains("decompression bomb") } else { return false } })
        #expect(try c.verify().isClean)
    }

    @Test func oversizedMembersAndDeepNestingAreListedNotKept() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let inner = tmp.url.appendingPathComponent("inner.zip").path
        #expect(ArchiveWriter.write(inner, .zip, [.file("deep.log", Array("deep\n".utf8))]))
        let innerBytes = try #require(FileManager.default.contents(atPath: inner).map(Array.init))
        let outer = tmp.url.appendingPathComponent("outer.zip").path
        #expect(ArchiveWriter.write(outer, .zip, [.file("inner.zip", innerBytes),
                                                  .file("big.bin", [UInt8](repeating: 7, count: 5000))]))
        let outcomes = try addOutcomes(c, [outer], limits: ArchiveLimits(maxMemberSize: 4096, maxDepth: 1))
        let added = outcomes.compactMap { if case .added(let i) = $0 { return i.name } else { return nil } }
        #expect(added == ["outer.zip", "inner.zip"])
        let reasons = outcomes.compactMap { if case .skipped(_, let r) = $0 { return r } else { return nil } }
        #expect(reasons.contains { $0.contains("nested deeper than 1") })
        #expect(reasons.contains { $0.contains("larger than 4096 bytes") })
    }

    @Test func encryptedMembersAreListedNotRead() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let zip = tmp.url.appendingPathComponent("locked.zip").path
        try #require(ArchiveWriter.write(zip, .encryptedZip, [.file("secret.txt", Array("s\n".utf8))]),
                     "libarchive here cannot write encrypted zips")
        let outcomes = try addOutcomes(c, [zip])
        #expect(outcomes.contains { if case .skipped(let p, let r) = $0 { return p.hasSuffix("!/secret.txt") && r.contains("encrypted") } else { return false } })
    }

    /// Done-when of the log issue: a zip of the logs gives the same events as the logs, with child items.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func aZipOfTheLogsGivesTheSameEvents() throws {
        let tmp = TempDir()
        let names = ["logs/linux/loghub_OpenSSH_2k.log", "logs/web/iis_w3c_tunna_rdp_tunnel.log"]
        let zip = tmp.url.appendingPathComponent("logs.zip").path
        let entries = try names.map { n in
            ArchiveWriter.Entry.file(n, try #require(FileManager.default.contents(atPath: TestPaths.dataset(n)).map(Array.init)))
        }
        #expect(ArchiveWriter.write(zip, .zip, entries))
        func eventsOf(_ paths: [String], in dir: String) throws -> [String] {
            let c = try Case.create(at: tmp.url.appendingPathComponent(dir).path, name: dir, examiner: "t")
            var items: [EvidenceItem] = []
            for o in try c.add(paths: paths) { if case .added(let i) = o { items.append(i) } }
            for i in items where try c.children(of: i.id).isEmpty {
                _ = try c.ingest(i, options: IngestOptions(timeZone: "UTC", year: 2015))
            }
            return try c.events(EventQuery()).map { "\($0.event.time.nanoseconds) \($0.event.kind) \($0.event.message)" }
        }
        let direct = try eventsOf(names.map(TestPaths.dataset), in: "direct")
        let zipped = try eventsOf([zip], in: "zipped")
        #expect(direct.count == 2008 + 4298)    // two "message repeated 5 times" lines stand for ten
        #expect(zipped == direct)
    }

    /// A workbook is a zip and one piece of evidence: added as one item (never opened into its XML parts), whether
    /// libmagic names it or only its members do, and read by the workbook collector; a zip of files is still opened.
    @Test func workbooksAreKeptWhole() throws {
        let tmp = TempDir()
        let fixtures = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/historian/xlsx")
        let names = ["xlsxwriter-wide-days.xlsx", "handmade-excel-quirks.xlsx"]
        let handmade = fixtures.appendingPathComponent("handmade-excel-quirks.xlsx").path
        #expect(OfficeDocument.isDocument(path: handmade, mimeType: nil))
        #expect(OfficeDocument.isDocument(path: handmade, mimeType: "application/zip"))
        let plain = tmp.url.appendingPathComponent("logs.zip").path
        #expect(ArchiveWriter.write(plain, .zip, [.file("a.log", Array("x\n".utf8)), .file("xl/workbook.xml", [0x3C])]))
        #expect(!OfficeDocument.isDocument(path: plain, mimeType: "application/zip"))

        let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: "c", examiner: "t")
        var items: [EvidenceItem] = []
        for o in try c.add(paths: names.map { fixtures.appendingPathComponent($0).path }) {
            if case .added(let i) = o { items.append(i) }
        }
        #expect(items.count == 2)
        for item in items {
            #expect(try c.children(of: item.id).isEmpty)
            guard case .ingested(_, let summary) = try c.ingest(item, options: IngestOptions(timeZone: "Asia/Tokyo")) else {
                Issue.record("\(item.name) was not ingested")
                continue
            }
            #expect(summary.collector == "historian/xlsx")
            #expect(summary.samples == (item.name.hasPrefix("xlsxwriter") ? 480 : 60))
        }
    }
}

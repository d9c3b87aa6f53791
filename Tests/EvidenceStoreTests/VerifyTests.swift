import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

/// A case with three items and some custody, and helpers to tamper with it as an attacker (or an accident) would.
final class TamperFixture {
    let tmp: TempDir
    var c: Case!
    let items: [EvidenceItem]

    init() throws {
        let tmp = TempDir()
        self.tmp = tmp
        c = try makeCase(tmp)
        let paths = (1...3).map { tmp.file("in/file\($0).log", "evidence number \($0)\n") }
        items = try c.add(paths: paths).compactMap { if case .added(let i) = $0 { return i } else { return nil } }
    }

    var custodyFile: String { c.directory.appendingPathComponent("custody.jsonl").path }

    /// Raw SQL with the append-only triggers out of the way, as someone with the file in a SQLite shell could do.
    func sql(_ text: String) throws {
        try c.dbQueue.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS custody_append_only_update")
            try db.execute(sql: "DROP TRIGGER IF EXISTS custody_append_only_delete")
            try db.execute(sql: text)
        }
    }

    func problems() throws -> [VerifyProblem] { try c.verify().problems }

    /// Lets go of the case (and its writer lock) and opens it again for writing.
    func reopenForWriting() throws -> Case {
        let dir = c.directory.path
        c = nil
        return try Case.open(at: dir, mode: .write)
    }
}

@Suite struct VerifyTests {
    @Test func aCleanCaseVerifies() throws {
        let f = try TamperFixture()
        let r = try f.c.verify()
        #expect(r.isClean)
        #expect(r.objectsChecked == 3)
        #expect(r.custodyEntries == 4)
        #expect(r.head == (try f.c.custodyEntries().last?.hash))
    }

    /// The database's own check runs beside the hashing of the originals: a damaged page is reported with the
    /// other problems, first, and does not hide them.
    @Test func catchesADamagedDatabaseBesideAChangedObject() throws {
        let f = try TamperFixture()
        let root = try f.c.read { db in
            try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'events_time'")
        }
        let pageSize = try f.c.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4096
        let object = f.c.objectPath(sha256: f.items[0].sha256)
        let dir = f.c.directory.path
        f.c.close()
        f.c = nil
        // The index's root page claims 200 cells it does not have (bytes 3–4 of a b-tree page's header).
        let db = try FileHandle(forUpdating: URL(fileURLWithPath: dir + "/case.sqlite"))
        try db.seek(toOffset: UInt64((try #require(root) - 1) * pageSize + 3))
        db.write(Data([0x00, 0xC8]))
        try db.close()
        chmod(object, 0o644)
        try Data("evidence number 7\n".utf8).write(to: URL(fileURLWithPath: object))
        let problems = try Case.open(at: dir, mode: .read).verify().problems
        #expect(problems.map(\.kind) == [.databaseDamaged, .objectChanged], "\(problems)")
        #expect(problems.first?.text.hasPrefix("case.sqlite: ") == true)
    }

    @Test func catchesAChangedObject() throws {
        let f = try TamperFixture()
        let p = f.c.objectPath(sha256: f.items[1].sha256)
        chmod(p, 0o644)
        try Data("evidence number 9\n".utf8).write(to: URL(fileURLWithPath: p))
        let problems = try f.problems()
        #expect(problems.map(\.kind) == [.objectChanged])
        #expect(problems[0].text.contains("evidence #2 (file2.log)"))
    }

    @Test func catchesAMissingObject() throws {
        let f = try TamperFixture()
        chmod(f.c.objectPath(sha256: f.items[0].sha256), 0o644)
        unlink(f.c.objectPath(sha256: f.items[0].sha256))
        let problems = try f.problems()
        #expect(problems.map(\.kind) == [.objectMissing])
        #expect(problems[0].text.contains("evidence #1"))
    }

    @Test func catchesAnObjectPlantedOutsideTheIndex() throws {
        let f = try TamperFixture()
        let planted = f.c.objectPath(sha256: String(repeating: "cd", count: 32))
        try FileManager.default.createDirectory(atPath: (planted as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: planted, contents: Data("planted".utf8))
        #expect(try f.problems().map(\.kind) == [.objectNotIndexed])
    }

    @Test func catchesAnAlteredEntry() throws {
        let f = try TamperFixture()
        try f.sql("UPDATE custody SET actor = 'Mallory' WHERE seq = 2")
        let kinds = try f.problems().map(\.kind)
        #expect(kinds.contains(.entryAltered))
        #expect(kinds.contains(.mirrorDisagrees))    // the file still has the original entry
    }

    @Test func catchesAnAlteredEntryWhoseHashWasRecomputed() throws {
        let f = try TamperFixture()
        var e = try f.c.custodyEntries()[1]
        e.actor = "Mallory"
        e.hash = e.computedHash
        try f.sql("UPDATE custody SET actor = 'Mallory', hash = '\(e.hash)' WHERE seq = 2")
        let problems = try f.problems()
        #expect(problems.contains { $0.kind == .entryAltered && $0.text.contains("entry 3 no longer links to it") })
    }

    @Test func catchesARemovedEntry() throws {
        let f = try TamperFixture()
        try f.sql("DELETE FROM custody WHERE seq = 2")
        let problems = try f.problems()
        #expect(problems.contains { $0.kind == .entryRemoved && $0.text.contains("entry 2") })
        // The evidence it recorded is now without custody, and the file still has the entry.
        #expect(problems.contains { $0.kind == .evidenceWithoutCustody && $0.text.contains("evidence #1") })
        #expect(problems.contains { $0.kind == .mirrorDisagrees && $0.text.contains("entry 2") })
    }

    @Test func catchesTheLastEntryRemovedFromTheTable() throws {
        let f = try TamperFixture()
        try f.sql("DELETE FROM custody WHERE seq = 4")
        let problems = try f.problems()
        #expect(problems.contains { $0.kind == .mirrorDisagrees && $0.text.contains("entry 4") })
    }

    @Test func catchesAFileThatDisagreesWithTheTable() throws {
        let f = try TamperFixture()
        var lines = try String(contentsOfFile: f.custodyFile, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: "Examiner One", with: "Examiner Two")
        try (lines.joined(separator: "\n") + "\n").write(toFile: f.custodyFile, atomically: true, encoding: .utf8)
        let problems = try f.problems()
        #expect(problems.map(\.kind) == [.mirrorDisagrees])
        #expect(problems[0].text.contains("entry 3"))
    }

    /// A file that stops short of its table at the end is what a writer killed between the two leaves: a note (the
    /// next writer restores it), not a problem. Entries missing before the end are a problem.
    @Test func entriesMissingFromTheFileAtItsEndAreANoteElsewhereAProblem() throws {
        let f = try TamperFixture()
        let lines = try String(contentsOfFile: f.custodyFile, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast(2).joined(separator: "\n") + "\n" + lines[lines.count - 2].prefix(15))
            .write(toFile: f.custodyFile, atomically: true, encoding: .utf8)
        let report = try f.c.verify()
        #expect(report.isClean)
        #expect(report.notes.count == 1)
        #expect(report.notes.first?.contains("2 entries behind the custody table at its end (entries 3–4, last line cut short)") == true)

        var middle = lines
        middle.remove(at: 1)
        try (middle.joined(separator: "\n") + "\n").write(toFile: f.custodyFile, atomically: true, encoding: .utf8)
        let problems = try f.problems()
        #expect(problems.map(\.kind) == [.mirrorDisagrees])
        #expect(problems[0].text.contains("lacks entry 2"))
    }

    /// An add killed after moving its copies into place and before committing leaves objects its journal names:
    /// a note (the next writer removes them). The same object without a journal entry is a problem.
    @Test func objectsOfAnInterruptedAddAreANoteOthersAProblem() throws {
        let f = try TamperFixture()
        let sha = String(repeating: "ab", count: 32)
        let path = f.c.objectPath(sha256: sha)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try "half-added\n".write(toFile: path, atomically: true, encoding: .utf8)
        try (path + "\n").write(toFile: f.c.stagingPath + "/add-journal", atomically: true, encoding: .utf8)
        let report = try f.c.verify()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.notes.contains { $0.contains("stopped before it committed") })
        unlink(f.c.stagingPath + "/add-journal")
        #expect(try f.problems().map(\.kind) == [.objectNotIndexed])
    }

    @Test func catchesAMissingOrGarbledFile() throws {
        let f = try TamperFixture()
        try "not json\n".write(toFile: f.custodyFile, atomically: true, encoding: .utf8)
        #expect(try f.problems().allSatisfy { $0.kind == .mirrorDisagrees })
        unlink(f.custodyFile)
        #expect(try f.problems().map(\.text) == ["custody.jsonl is missing"])
    }

    @Test func catchesEvidenceInsertedWithoutCustody() throws {
        let f = try TamperFixture()
        try f.sql("""
            INSERT INTO evidence (sha256, size, name, original_path, acquired_at, examiner)
            VALUES ('\(String(repeating: "e", count: 64))', 1, 'fake.log', '/x', 0, 'Mallory')
            """)
        let kinds = try f.problems().map(\.kind)
        #expect(kinds.contains(.evidenceWithoutCustody))
        #expect(kinds.contains(.objectMissing))
    }

    @Test func aWriterRefusesACaseWhoseCustodyFileWasAltered() throws {
        let f = try TamperFixture()
        var lines = try String(contentsOfFile: f.custodyFile, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "file1.log", with: "file9.log")
        try (lines.joined(separator: "\n") + "\n").write(toFile: f.custodyFile, atomically: true, encoding: .utf8)
        expectCaseError(.custodyMismatch) { _ = try f.reopenForWriting() }
    }
}

@Suite struct CustodyRecoveryTests {
    /// A crash after the commit and before the mirror write leaves the file behind the table: the next writer
    /// restores the missing lines from the table and records that it did.
    @Test func aWriterRestoresEntriesTheFileLacks() throws {
        let f = try TamperFixture()
        let text = try String(contentsOfFile: f.custodyFile, encoding: .utf8)
        var lines = text.split(separator: "\n")
        let lastLine = String(lines.removeLast())
        // The file lost its last entry and has a torn half-line instead.
        try (lines.joined(separator: "\n") + "\n" + lastLine.prefix(20)).write(toFile: f.custodyFile,
                                                                               atomically: true, encoding: .utf8)
        let reopened = try f.reopenForWriting()
        #expect(reopened.recoveryNotes.count == 1)
        let entries = try reopened.custodyEntries()
        #expect(entries.last?.action == "custody.resync")
        #expect(entries.last?.detail == #"{"restored_entries":1,"torn_line_bytes_removed":20}"#)
        #expect(try reopened.verify().isClean)
    }
}

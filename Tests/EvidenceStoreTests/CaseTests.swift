import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

func evidenceCount(_ c: Case) throws -> Int { try c.summary().evidenceCount }

func objectFiles(_ c: Case) -> [String] {
    let objects = c.directory.appendingPathComponent("objects").path
    return ((try? FileManager.default.subpathsOfDirectory(atPath: objects)) ?? [])
        .filter { !$0.hasPrefix("tmp") && $0.contains("/") }.sorted()
}

func expectCaseError(_ code: CaseError.Code, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected CaseError \(code.rawValue), got success", sourceLocation: sourceLocation)
    } catch let e as CaseError {
        #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
        #expect(!e.description.contains("\n"), "errors print as one line", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected CaseError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct CaseLayoutTests {
    @Test func initCreatesTheLayoutInWALModeWithAGenesisEntry() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp, name: "Oldsmar drill")
        let fm = FileManager.default
        for p in ["case.sqlite", "objects", "objects/tmp", "custody.jsonl", "reports"] {
            #expect(fm.fileExists(atPath: c.directory.appendingPathComponent(p).path), "\(p)")
        }
        let mode = try c.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let entries = try c.custodyEntries()
        #expect(entries.count == 1)
        #expect(entries[0].action == "case.init")
        #expect(entries[0].actor == "Examiner One")
        #expect(entries[0].prev == CustodyEntry.genesis)
        #expect(entries[0].hash == entries[0].computedHash)
        let lines = try String(contentsOf: c.directory.appendingPathComponent("custody.jsonl"), encoding: .utf8)
        #expect(lines == entries[0].jsonLine + "\n")
        #expect(c.name == "Oldsmar drill")
        #expect(try c.verify().isClean)
    }

    @Test func refusesToCreateOverSomethingElse() throws {
        let tmp = TempDir()
        _ = try makeCase(tmp)
        expectCaseError(.alreadyExists) { _ = try makeCase(tmp) }
        let notEmpty = tmp.url.appendingPathComponent("full").path
        tmp.file("full/x.txt", "x")
        expectCaseError(.alreadyExists) { _ = try Case.create(at: notEmpty, name: "n", examiner: "e") }
        expectCaseError(.invalidArgument) {
            _ = try Case.create(at: tmp.url.appendingPathComponent("n").path, name: " ", examiner: "e")
        }
    }

    @Test func opensOnlyCases() throws {
        let tmp = TempDir()
        expectCaseError(.notFound) { _ = try Case.open(at: tmp.url.appendingPathComponent("nope").path, mode: .read) }
        expectCaseError(.notACase) { _ = try Case.open(at: tmp.path, mode: .read) }
        // An empty case.sqlite, and an SQLite database of some other program, are not cases either.
        tmp.file("empty/case.sqlite", [])
        expectCaseError(.notACase) { _ = try Case.open(at: tmp.url.appendingPathComponent("empty").path, mode: .write) }
        tmp.file("junk/case.sqlite", Array("this is not a database at all, just text".utf8) + [UInt8](repeating: 7, count: 4096))
        expectCaseError(.notACase) { _ = try Case.open(at: tmp.url.appendingPathComponent("junk").path, mode: .read) }
    }

    @Test func migratesAnEmptyDatabaseFile() throws {
        let tmp = TempDir()
        let path = tmp.file("m/case.sqlite", [])
        let q = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(q)
        try q.read { db in
            for t in ["case_info", "evidence", "ingest_runs", "events", "events_fts", "warnings", "sample_blocks", "series",
                      "assets", "clocks", "findings", "custody"]
            {
                #expect(try db.tableExists(t), "\(t)")
            }
            let indexes = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'")
            #expect(indexes.isSuperset(of: ["events_time", "events_kind_time", "events_asset_time"]))
            #expect(try Schema.migrator.appliedIdentifiers(db) == ["v1-case", "v2-sample-blocks", "v3-clocks", "v4-event-counts",
                                                                     "v5-sparse-seconds", "v6-fts-for-bulk-writes", "v7-asset-stations"])
            #expect(try Int.fetchOne(db, sql: "SELECT v FROM events_fts_config WHERE k = 'automerge'") == 0)
            #expect(try !db.tableExists("events_fts_docsize"))
            #expect(try !db.tableExists("samples"))
        }
        // Migrating again is a no-op.
        try Schema.migrator.migrate(q)
    }

    /// A case indexed for full-text search before v6 (a per-row size table, merges after every write) gets the
    /// index made again from its events when it is next opened for writing: the same searches find the same events.
    @Test func anOlderFullTextIndexIsMadeAgainFromTheEvents() throws {
        let tmp = TempDir()
        let path: String
        let search = "SELECT rowid FROM events_fts WHERE events_fts MATCH ? ORDER BY rowid"
        let before: [Int64]
        do {
            let (c, item) = try caseWithOneItem(tmp)
            let run = try c.beginIngest(evidenceID: item.id, collector: SyntheticEvents.collectorName, collectorVersion: "1")
            for i in 0..<3000 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
            try run.finish()
            try c.write { db in
                try db.execute(sql: """
                    DROP TABLE events_fts;
                    CREATE VIRTUAL TABLE events_fts USING fts5(message, content='events', content_rowid='id');
                    INSERT INTO events_fts (events_fts) VALUES ('rebuild');
                    DELETE FROM grdb_migrations WHERE identifier = 'v6-fts-for-bulk-writes';
                    """)
            }
            before = try c.read { try Int64.fetchAll($0, sql: search, arguments: ["register OR accepted"]) }
            #expect(before.count > 100)
            #expect(try c.read { try $0.tableExists("events_fts_docsize") })
            path = c.directory.path
        }
        let again = try Case.open(at: path, mode: .write)
        try again.read { db throws -> Void in
            #expect(try Int64.fetchAll(db, sql: search, arguments: ["register OR accepted"]) == before)
            #expect(try !db.tableExists("events_fts_docsize"))
            #expect(try Int.fetchOne(db, sql: "SELECT v FROM events_fts_config WHERE k = 'automerge'") == 0)
        }
        try again.write { try $0.execute(sql: "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)") }
    }

    @Test func aNewCaseHasLargePagesAndAnOlderCaseKeepsItsOwn() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        #expect(try c.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == Case.pageSize)
        // A case as versions before 16 KiB pages made it: the same rows in SQLite's default 4 KiB pages.
        let run = try c.beginIngest(evidenceID: item.id, collector: SyntheticEvents.collectorName, collectorVersion: "1")
        for i in 0..<2000 { try run.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try run.finish()
        let path = c.directory.path
        c.close()
        let raw = try DatabaseQueue(path: path + "/case.sqlite")
        try raw.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            try db.execute(sql: "PRAGMA page_size = 4096")
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try raw.close()
        let older = try Case.open(at: path, mode: .write)
        #expect(try older.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == 4096)
        let more = try older.beginIngest(evidenceID: item.id, collector: SyntheticEvents.collectorName, collectorVersion: "1",
                                         bulk: true)
        for i in 2000..<3000 { try more.emit(SyntheticEvents.event(i, evidenceID: item.id)) }
        try more.finish()
        #expect(try older.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == 4096)
        #expect(try older.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM events") } == 3000)
        #expect(try older.verify().isClean)
    }

    @Test func refusesACaseFromANewerVersion() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let dir = c.directory.path
        try c.dbQueue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
        }
        expectCaseError(.newerFormat) { _ = try Case.open(at: dir, mode: .read) }
    }

    @Test func custodyIsAppendOnlyInSQL() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        #expect(throws: DatabaseError.self) {
            try c.dbQueue.write { try $0.execute(sql: "UPDATE custody SET actor = 'mallory'") }
        }
        #expect(throws: DatabaseError.self) {
            try c.dbQueue.write { try $0.execute(sql: "DELETE FROM custody") }
        }
    }
}

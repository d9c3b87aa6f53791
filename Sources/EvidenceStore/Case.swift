import Collectors
import Foundation
import GRDB
import GRDBSQLite
import JikochoModel
import Logging

/// A case on disk (../shared/DESIGN.md, "The case on disk"):
///
/// ```
/// my-case/
///   case.sqlite     evidence index, events, samples, assets, clocks, findings, custody (WAL)
///   objects/ab/cd…  read-only, content-addressed copy of every original (SHA-256)
///   custody.jsonl   append-only, hash-chained custody log (mirror of the custody table)
///   reports/
///   case.lock       held (flock) by the one process that writes
/// ```
///
/// Open it for reading (any number of processes) or for writing (one process at a time; a second writer is told
/// who holds the case). Opening for writing also recovers from a process that was killed: interrupted ingest runs
/// are marked incomplete and their partial rows removed, half-copied objects are deleted, and `custody.jsonl` is
/// brought level with the custody table.
public final class Case: @unchecked Sendable {
    public enum Mode: Sendable { case read, write }

    /// Diagnostics (`JIKOCHO_LOG=debug` in the command line shows them); what a user must see is returned instead.
    static let log = Logger(label: "jikocho.case")

    public static let formatName = "jikocho-case/1"

    public let directory: URL
    public let mode: Mode
    let dbQueue: DatabaseQueue
    private var lockFD: Int32 = -1
    /// Entries of the custody table already mirrored in custody.jsonl.
    private var mirroredSeq: Int64 = 0

    public private(set) var name: String = ""
    /// The examiner named when the case was created; the default actor of custody entries.
    public private(set) var examiner: String = ""
    public private(set) var caseID: String = ""
    public private(set) var createdAt: String = ""

    /// Notes on what opening for writing repaired (interrupted runs, a torn custody line); shown to the user.
    public private(set) var recoveryNotes: [String] = []

    var databasePath: String { directory.appendingPathComponent("case.sqlite").path }
    var objectsPath: String { directory.appendingPathComponent("objects").path }
    var stagingPath: String { directory.appendingPathComponent("objects/tmp").path }
    var custodyPath: String { directory.appendingPathComponent("custody.jsonl").path }
    public var reportsPath: String { directory.appendingPathComponent("reports").path }
    var lockPath: String { directory.appendingPathComponent("case.lock").path }

    // MARK: Creating and opening

    /// Creates a new case directory. The directory may exist if it is empty.
    public static func create(at path: String, name: String, examiner: String,
                              busyTimeout: TimeInterval = 5) throws -> Case
    {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CaseError(.invalidArgument, "the case needs a name", hint: "pass --name NAME")
        }
        guard !examiner.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CaseError(.invalidArgument, "the case needs an examiner", hint: "pass --examiner WHO")
        }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw CaseError(.alreadyExists, "\(path) exists and is not a directory",
                                hint: "choose another path for the case")
            }
            if fm.fileExists(atPath: url.appendingPathComponent("case.sqlite").path) {
                throw CaseError(.alreadyExists, "\(path) is already a case", hint: "open it, or choose another path")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
            guard contents.isEmpty else {
                throw CaseError(.alreadyExists, "\(path) exists and is not empty",
                                hint: "a case needs a new or empty directory")
            }
        }
        do {
            for sub in ["", "objects", "objects/tmp", "reports"] {
                try fm.createDirectory(at: url.appendingPathComponent(sub), withIntermediateDirectories: true)
            }
            guard fm.createFile(atPath: url.appendingPathComponent("custody.jsonl").path, contents: nil) else {
                throw CaseError(.io, "cannot create \(url.appendingPathComponent("custody.jsonl").path)",
                                hint: "check that the directory is writable")
            }
        } catch let e as CaseError {
            throw e
        } catch {
            throw CaseError(.io, "cannot create the case at \(path): \(error.localizedDescription)",
                            hint: "check that the parent directory exists and is writable")
        }
        let c = try Case(directory: url, mode: .write, busyTimeout: busyTimeout, creating: true)
        let created = Timestamp.now
        try c.write { db in
            let info: [(String, String)] = [
                ("format", formatName), ("name", name), ("examiner", examiner),
                ("case_id", UUID().uuidString.lowercased()), ("created_at", created.iso8601(precision: .seconds)),
                ("created_by", "jikocho \(JikochoVersion.string)"),
            ]
            for (k, v) in info {
                try db.execute(sql: "INSERT INTO case_info (key, value) VALUES (?, ?)", arguments: [k, v])
            }
            try CustodyEntry.append(db, actor: examiner, action: "case.init", subject: "case \(name)",
                                    detail: ["format": .string(formatName), "tool": .string(JikochoVersion.string)],
                                    at: created)
        }
        try c.loadInfo()
        return c
    }

    /// Opens an existing case.
    public static func open(at path: String, mode: Mode, busyTimeout: TimeInterval = 5) throws -> Case {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw CaseError(.notFound, "no case at \(path) (no such directory)",
                            hint: "check the path, or create a case with `jikocho case init \(path) --name NAME --examiner WHO`")
        }
        guard isDir.boolValue, FileManager.default.fileExists(atPath: url.appendingPathComponent("case.sqlite").path)
        else {
            throw CaseError(.notACase, "\(path) is not a Jikocho case (it has no case.sqlite)",
                            hint: "name a case directory, or create one with `jikocho case init \(path)`")
        }
        return try Case(directory: url, mode: mode, busyTimeout: busyTimeout, creating: false)
    }

    private init(directory: URL, mode: Mode, busyTimeout: TimeInterval, creating: Bool) throws {
        self.directory = directory
        self.mode = mode
        if mode == .write { lockFD = try Case.acquireWriterLock(at: directory.appendingPathComponent("case.lock").path) }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.label = "case"
        if mode == .write {
            config.journalMode = .wal
        } else {
            config.readonly = true
        }
        config.prepareDatabase { db in
            try TextMatch.registerUnusual(db)
            // A new case's pages are 16 KiB rather than SQLite's 4 KiB: the same rows (an event's is 300–700 bytes)
            // in a quarter as many page reads and writes (the 52 MB Modbus capture's ingest: 33,500 preads and 24,000
            // pwrites instead of 140,000 and 98,000), most of them the bulk run's index builds scanning the table.
            // `investigate` on that capture took 1.83–2.04 s against 2.01–2.59 s (six alternate runs each), 400,000
            // syslog lines 2.74–2.99 s against 3.12–3.42 s. The size is fixed when the first table is made; an older case keeps its 4 KiB pages.
            if creating { try db.execute(sql: "PRAGMA page_size = \(Case.pageSize)") }
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // The sorts of the writer's big statements (a bulk run's index builds, the per-second counts of a
                // sparse run grouped from its events) merge on helper threads: on a 2-core machine the end of a
                // million-line syslog run went from 7.2–9.0 s to 5.0–6.6 s with four (two gave 6.9 s), in the same
                // memory. SQLite caps the number at its compile-time limit (8 in Debian's build).
                try db.execute(sql: "PRAGMA threads = \(Case.sorterThreads)")
            }
        }
        do {
            dbQueue = try DatabaseQueue(path: directory.appendingPathComponent("case.sqlite").path,
                                        configuration: config)
        } catch {
            if lockFD >= 0 { Glibc.close(lockFD) }
            throw Case.map(error, doing: "opening \(directory.path)")
        }
        do {
            try checkFormat(creating: creating)
            if mode == .write {
                try Case.map(doing: "migrating the case") { try Schema.migrator.migrate(dbQueue) }
                if !creating {
                    try loadInfo()
                    try recover()
                }
            } else {
                try loadInfo()
            }
        } catch {
            if lockFD >= 0 { Glibc.close(lockFD); lockFD = -1 }
            throw error
        }
    }

    deinit {
        if lockFD >= 0 { Glibc.close(lockFD) }
    }

    /// The page size of new cases (bytes).
    static let pageSize = 16_384

    /// Helper threads SQLite's sorter may use in one statement of the writer: four at least, every core beyond.
    static let sorterThreads = min(8, max(4, Parallel.cores))

    /// Closes the database and lets go of the writer lock; the case cannot be used after this.
    public func close() {
        try? dbQueue.close()
        if lockFD >= 0 { Glibc.close(lockFD); lockFD = -1 }
    }

    /// Takes the exclusive writer lock; flock is released by the kernel when the process dies, even by kill -9.
    private static func acquireWriterLock(at path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CaseError(.io, "cannot open the lock file \(path): \(String(cString: strerror(errno)))",
                            hint: "check that the case directory is writable")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var holder = ""
            var buf = [UInt8](repeating: 0, count: 64)
            let n = pread(fd, &buf, 63, 0)
            if n > 0 { holder = String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            Glibc.close(fd)
            throw CaseError(.busy, "the case is being written by another jikocho process"
                                + (holder.isEmpty ? "" : " (pid \(holder))"),
                            hint: "wait for it to finish, or stop it, and run the command again")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        return fd
    }

    private func checkFormat(creating: Bool) throws {
        try Case.map(doing: "reading \(databasePath)") {
            try dbQueue.read { db in
                if creating { return }
                guard try db.tableExists("case_info") else {
                    throw CaseError(.notACase, "\(directory.path) is not a Jikocho case (case.sqlite has no case_info)",
                                    hint: "name a case directory created by `jikocho case init`")
                }
                let migrator = Schema.migrator
                if try migrator.hasBeenSuperseded(db) {
                    throw CaseError(.newerFormat, "\(directory.path) was written by a newer version of jikocho",
                                    hint: "use that version, or a newer one, to open it")
                }
                if mode == .read, try !migrator.hasCompletedMigrations(db) {
                    throw CaseError(.newerFormat, "\(directory.path) is in an older case format",
                                    hint: "open it once for writing (e.g. `jikocho add`) to upgrade it")
                }
            }
        }
    }

    private func loadInfo() throws {
        let info = try read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM case_info").map {
                ($0["key"] as String, $0["value"] as String)
            })
        }
        name = info["name"] ?? ""
        examiner = info["examiner"] ?? ""
        caseID = info["case_id"] ?? ""
        createdAt = info["created_at"] ?? ""
    }

    // MARK: Transactions

    /// Runs a write transaction, then mirrors new custody entries into custody.jsonl.
    @discardableResult
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        precondition(mode == .write, "write on a case opened for reading")
        let result = try Case.map(doing: "writing to the case") { try dbQueue.write(body) }
        try syncCustodyMirror()
        return result
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Case.map(doing: "reading the case") { try dbQueue.read(body) }
    }

    /// Appends to custody.jsonl the entries of the table it does not have yet, and syncs the file.
    func syncCustodyMirror() throws {
        let pending = try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM custody WHERE seq > ? ORDER BY seq", arguments: [mirroredSeq])
                .map(CustodyEntry.init(row:))
        }
        guard let last = pending.last else { return }
        let text = pending.map { $0.jsonLine + "\n" }.joined()
        try appendFile(custodyPath, text)
        mirroredSeq = last.seq
        for e in pending {
            Case.log.debug("custody \(e.action) \(e.subject)",
                           metadata: ["custody.seq": "\(e.seq)", "custody.hash": "\(e.hash)", "case.id": "\(caseID)"])
        }
    }

    private func appendFile(_ path: String, _ text: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CaseError(.io, "cannot open \(path): \(String(cString: strerror(errno)))",
                            hint: "check that the case directory is writable")
        }
        defer { Glibc.close(fd) }
        try writeAll(fd, Array(text.utf8), path: path)
        guard fsync(fd) == 0 else {
            throw CaseError(.io, "cannot sync \(path): \(String(cString: strerror(errno)))", hint: nil)
        }
    }

    // MARK: Recovery after a crash

    private func recover() throws {
        try recoverStagedObjects()
        try recoverCustodyMirror()
        try recoverInterruptedRuns()
    }

    /// Brings custody.jsonl level with the table after a crash between commit and mirror write. Refuses to write to
    /// a case whose file and table disagree: that is for `verify` and a person to look at.
    private func recoverCustodyMirror() throws {
        let entries = try read { try CustodyEntry.fetchAll($0) }
        guard var data = FileManager.default.contents(atPath: custodyPath) else {
            throw CaseError(.custodyMismatch, "\(custodyPath) is missing",
                            hint: "run `jikocho verify \(directory.path)`; restore the file from a copy before writing")
        }
        var torn = 0
        if let lastByte = data.last, lastByte != UInt8(ascii: "\n") {
            let cut = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
            torn = data.count - cut
            data = data.prefix(cut)
        }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        guard lines.count <= entries.count else {
            throw CaseError(.custodyMismatch, "custody.jsonl has \(lines.count) entries but the custody table has "
                                + "\(entries.count)", hint: "run `jikocho verify \(directory.path)` before writing")
        }
        for (i, line) in lines.enumerated() where String(decoding: line, as: UTF8.self) != entries[i].jsonLine {
            throw CaseError(.custodyMismatch, "custody.jsonl and the custody table disagree at entry \(i + 1)",
                            hint: "run `jikocho verify \(directory.path)` before writing")
        }
        if torn > 0 {
            guard truncate(custodyPath, off_t(data.count)) == 0 else {
                throw CaseError(.io, "cannot repair \(custodyPath): \(String(cString: strerror(errno)))", hint: nil)
            }
        }
        mirroredSeq = Int64(lines.count)
        let missing = entries.count - lines.count
        if missing > 0 || torn > 0 {
            try syncCustodyMirror()
            var detail: [String: JSONValue] = ["restored_entries": .int(Int64(missing))]
            if torn > 0 { detail["torn_line_bytes_removed"] = .int(Int64(torn)) }
            try write { db in
                try CustodyEntry.append(db, actor: examiner, action: "custody.resync", subject: "custody.jsonl",
                                        detail: .object(detail))
            }
            Case.log.notice("custody.jsonl restored", metadata: ["entries": "\(missing)", "torn.bytes": "\(torn)"])
            recoveryNotes.append("custody.jsonl lacked \(missing) entr\(missing == 1 ? "y" : "ies") of an interrupted "
                                 + "command; restored from the custody table")
        }
    }

    private func recoverInterruptedRuns() throws {
        // Holding the writer lock means no other process is writing: any run still "running" was killed.
        let running = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, evidence_id, collector FROM ingest_runs WHERE status = 'running'")
        }
        // A bulk run killed before it ended left the events table without its indexes.
        let names = Schema.eventIndexes.map(\.name)
        let missing = try read { db in
            names.count - (try Int.fetchOne(db, sql: """
                SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN (\(names.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(names)) ?? 0)
        }
        for row in running {
            let id: Int64 = row["id"]
            let removed = try write { db -> Int in
                let events = try Schema.deleteRunRows(db, runID: id)
                try db.execute(
                    sql: """
                        UPDATE ingest_runs SET status = 'incomplete', events = 0, warnings = 0, samples = 0, note = ?
                        WHERE id = ?
                        """,
                    arguments: ["interrupted; \(events) partial events removed; run the ingest again", id])
                try CustodyEntry.append(db, actor: examiner, action: "ingest.interrupted", subject: "run #\(id)",
                                        detail: ["evidence": .int(row["evidence_id"]),
                                                 "collector": .string(row["collector"]),
                                                 "partial_events_removed": .int(Int64(events))])
                return events
            }
            Case.log.notice("interrupted ingest run marked incomplete",
                            metadata: ["run.id": "\(id)", "events.removed": "\(removed)"])
            recoveryNotes.append("ingest run #\(id) (\(row["collector"] as String)) was interrupted; marked incomplete, "
                                 + "\(removed) partial events removed; run the ingest again")
        }
        if missing > 0 {
            try write { db in try Schema.ensureEventIndexes(db) }
            Case.log.notice("event indexes of an interrupted bulk run built again", metadata: ["indexes": "\(missing)"])
        }
    }

    // MARK: Errors

    static func map<T>(doing what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw map(error, doing: what)
        }
    }

    static func map(_ error: Error, doing what: String) -> Error {
        guard let e = error as? DatabaseError else { return error }
        switch e.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return CaseError(.busy, "the case database is locked by another program while \(what)",
                             hint: "wait for the other program to finish, or close it, and run the command again")
        case .SQLITE_FULL:
            return CaseError(.diskFull, "no space left on the case's disk while \(what)",
                             hint: "free space and run the command again")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return CaseError(.notACase, "case.sqlite is not a readable SQLite database (\(e.message ?? "corrupt"))",
                             hint: "run `jikocho verify` and restore the case from a copy")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return CaseError(.io, "cannot write the case database while \(what) (\(e.message ?? "read-only"))",
                             hint: "check the permissions of the case directory")
        default:
            return CaseError(.io, "database error while \(what): \(e.message ?? "\(e.resultCode)")", hint: nil)
        }
    }
}

/// Writes the whole buffer, retrying short writes and EINTR; ENOSPC (and a file-size limit) becomes a disk-full
/// error.
func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, path: String) throws {
    guard let err = FileIO.write(fd, buf) else { return }
    if err == ENOSPC || err == EDQUOT || err == EFBIG {
        throw CaseError(.diskFull, "no space left on the case's disk while writing \(path)",
                        hint: "free space and run the command again")
    }
    throw CaseError(.io, "cannot write \(path): \(String(cString: strerror(err)))", hint: nil)
}

func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
    try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
}

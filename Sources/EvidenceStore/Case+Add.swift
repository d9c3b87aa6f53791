import Collectors
import Crypto
import Foundation
import GRDB
import JikochoModel

/// What happened to one path given to `add`.
public enum AddOutcome: Sendable {
    case added(EvidenceItem)
    /// The same bytes are already in the case.
    case duplicate(existing: EvidenceItem, path: String)
    /// Not copied: a symbolic link or special file inside an added directory.
    case skipped(path: String, reason: String)
}

/// Progress of an `add`, for a display.
public struct AddProgress: Sendable {
    public var file: String
    public var fileIndex: Int
    public var fileCount: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
}

/// Limits on opening archives, so that a hostile archive cannot fill the disk or recurse for ever.
public struct ArchiveLimits: Sendable {
    /// A member larger than this is not kept (it is listed as skipped).
    public var maxMemberSize: Int64 = 8 << 30
    /// Expansion stops when an archive's members add up to more than this many times its own size (and more than
    /// `expansionFloor`): a decompression bomb. The members read until then are kept.
    public var maxExpansionRatio: Int64 = 200
    public var expansionFloor: Int64 = 256 << 20
    /// Archives inside archives are opened to this depth; deeper ones are kept unopened.
    public var maxDepth = 4

    public init(maxMemberSize: Int64 = 8 << 30, maxExpansionRatio: Int64 = 200, expansionFloor: Int64 = 256 << 20,
                maxDepth: Int = 4)
    {
        self.maxMemberSize = maxMemberSize
        self.maxExpansionRatio = maxExpansionRatio
        self.expansionFloor = expansionFloor
        self.maxDepth = maxDepth
    }
}

public struct AddOptions: Sendable {
    /// The examiner for these items; the case's examiner when nil.
    public var examiner: String?
    /// The time zone of sources that write local time.
    public var timeZone: String?
    /// The clock (host or device) the evidence belongs to.
    public var clock: String?

    public var archives: ArchiveLimits

    public init(examiner: String? = nil, timeZone: String? = nil, clock: String? = nil,
                archives: ArchiveLimits = ArchiveLimits())
    {
        self.examiner = examiner
        self.timeZone = timeZone
        self.clock = clock
        self.archives = archives
    }
}

extension Case {
    /// The read-only object path of a SHA-256: `objects/ab/cdef…`.
    public func objectPath(sha256: String) -> String {
        "\(objectsPath)/\(sha256.prefix(2))/\(sha256.dropFirst(2))"
    }

    /// Adds files and directories as evidence, all or nothing: every path is checked before anything is copied,
    /// each file is hashed while it is streamed into the object store (never read whole into memory), and the rows
    /// and custody entries are written in one transaction. On any error the case is left as it was.
    public func add(paths: [String], options: AddOptions = AddOptions(),
                    progress: ((AddProgress) -> Void)? = nil) throws -> [AddOutcome]
    {
        let examiner = options.examiner ?? self.examiner
        if let tz = options.timeZone { try Case.checkTimeZone(tz) }
        let plan = try planAdd(paths)
        let total = plan.files.reduce(Int64(0)) { $0 + $1.size }
        var staged: [StagedObject] = []
        var outcomes: [AddOutcome] = plan.skipped.map { .skipped(path: $0.path, reason: $0.reason) }
        var moved: [String] = []
        var memberships: [Membership] = []
        let journal = "\(stagingPath)/add-journal"
        do {
            var done: Int64 = 0
            var seen: [String: Int] = [:]    // sha256 → index in staged, within this command
            let identifier = FileIdentifier()
            // The sizes of the items the case holds; those this command stages are added as it goes.
            var sizes = Set(try read { db in try Int64.fetchAll(db, sql: "SELECT size FROM evidence") })
            for (i, file) in plan.files.enumerated() {
                // A file the size of one the case (or this command) already holds may be that one again, as when an
                // investigation is run a second time over the same folder: it is hashed first, and copied only when
                // it is new. Any other file is copied and hashed in one read.
                if sizes.contains(file.size),
                   let existing = try known(try hashOnly(file.absolutePath), staged: staged, seen: seen) {
                    done += file.size
                    progress?(AddProgress(file: file.displayPath, fileIndex: i, fileCount: plan.files.count,
                                          bytesDone: done, bytesTotal: total))
                    outcomes.append(.duplicate(existing: existing, path: file.displayPath))
                    continue
                }
                let tmp = "\(stagingPath)/stage-\(getpid())-\(i)"
                let (sha, size, mtime) = try copyAndHash(file.absolutePath, to: tmp) { n in
                    progress?(AddProgress(file: file.displayPath, fileIndex: i, fileCount: plan.files.count,
                                          bytesDone: done + n, bytesTotal: total))
                }
                done += file.size
                if let existing = try known(sha, staged: staged, seen: seen) {
                    unlink(tmp)
                    outcomes.append(.duplicate(existing: existing, path: file.displayPath))
                    continue
                }
                let item = EvidenceItem(
                    id: 0, sha256: sha, size: size, name: (file.absolutePath as NSString).lastPathComponent,
                    originalPath: file.absolutePath, relativePath: file.relativePath,
                    mimeType: identifier.mimeType(ofFile: tmp), acquiredAt: .now, sourceModifiedAt: mtime,
                    examiner: examiner, timeZone: options.timeZone, clock: options.clock)
                seen[sha] = staged.count
                sizes.insert(size)
                staged.append(StagedObject(tmpPath: tmp, item: item))
                outcomes.append(.added(item))
                try expandArchive(at: staged.count - 1, depth: 1, limits: options.archives, identifier: identifier,
                                  staged: &staged, seen: &seen, outcomes: &outcomes, memberships: &memberships)
            }
            // Move the staged copies into place, journalled so that a crash before the commit leaves no stray object.
            if !staged.isEmpty {
                let text = Array(staged.map { objectPath(sha256: $0.item.sha256) + "\n" }.joined().utf8)
                let fd = Glibc.open(journal, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw CaseError(.io, "cannot write \(journal)", hint: nil) }
                defer { Glibc.close(fd) }
                try writeAll(fd, text, path: journal)
                _ = fsync(fd)
            }
            for s in staged {
                let dest = objectPath(sha256: s.item.sha256)
                try FileManager.default.createDirectory(atPath: (dest as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                chmod(s.tmpPath, 0o444)
                guard rename(s.tmpPath, dest) == 0 else {
                    throw CaseError(.io, "cannot move a copy into \(dest): \(String(cString: strerror(errno)))",
                                    hint: "check that the case directory is writable")
                }
                moved.append(dest)
            }
            var ids: [String: Int64] = [:]
            var inserted: [String: EvidenceItem] = [:]    // sha256 → the item as written, with its id and parent
            try write { db in
                for s in staged {
                    var it = s.item
                    it.parentID = s.parentIndex.flatMap { ids[staged[$0].item.sha256] }
                    try db.execute(
                        sql: """
                            INSERT INTO evidence (sha256, size, name, original_path, relative_path, mime_type,
                                acquired_at, source_mtime, examiner, parent_id, time_zone, clock)
                            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                            """,
                        arguments: [it.sha256, it.size, it.name, it.originalPath, it.relativePath, it.mimeType,
                                    it.acquiredAt.nanoseconds, it.sourceModifiedAt?.nanoseconds, it.examiner,
                                    it.parentID, it.timeZone, it.clock])
                    let id = db.lastInsertedRowID
                    ids[it.sha256] = id
                    it.id = id
                    inserted[it.sha256] = it
                    var detail: [String: JSONValue] = [
                        "sha256": .string(it.sha256), "size": .int(it.size), "name": .string(it.name),
                        "original_path": .string(it.originalPath),
                    ]
                    if let p = it.parentID { detail["parent"] = .int(p) }
                    if let r = it.relativePath { detail["relative_path"] = .string(r) }
                    if let m = it.mimeType { detail["mime_type"] = .string(m) }
                    if let tz = it.timeZone { detail["time_zone"] = .string(tz) }
                    try CustodyEntry.append(db, actor: examiner, action: "evidence.add", subject: "evidence #\(id)",
                                            detail: .object(detail), at: it.acquiredAt)
                }
                for m in memberships {
                    guard let archive = ids[m.archiveSHA256], let member = ids[m.memberSHA256] ?? m.existingID else {
                        continue
                    }
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO evidence_members (archive_id, member_path, evidence_id) VALUES (?, ?, ?)
                        """, arguments: [archive, m.path, member])
                }
            }
            unlink(journal)
            return outcomes.map {
                switch $0 {
                case .added(let item):
                    return .added(inserted[item.sha256] ?? item)
                case .duplicate(let existing, let path) where existing.id == 0:
                    // A copy of something added by this same command.
                    return .duplicate(existing: inserted[existing.sha256] ?? existing, path: path)
                default:
                    return $0
                }
            }
        } catch {
            for s in staged { unlink(s.tmpPath) }
            let committed = (try? read { db in
                try String.fetchSet(db, sql: "SELECT sha256 FROM evidence")
            }) ?? []
            for m in moved where !committed.contains(shaOf(objectPath: m)) {
                chmod(m, 0o644)
                unlink(m)
                rmdir((m as NSString).deletingLastPathComponent)    // only if it is now empty
            }
            unlink(journal)
            throw error
        }
    }

    /// A declared time zone must be one a collector can apply: an IANA name (`Asia/Tokyo`), `UTC`, or a fixed
    /// offset (`+09:00`, `-0500`). A typo here would shift every local time of the evidence.
    public static func checkTimeZone(_ tz: String) throws {
        if TimeZone(identifier: tz) != nil { return }
        let b = Array(tz.utf8)
        let digits = b.dropFirst().filter { $0 != UInt8(ascii: ":") }
        if b.count >= 3, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), digits.count == 4 || digits.count == 2,
           digits.allSatisfy({ $0 &- 48 < 10 }),
           let h = Int(String(decoding: digits.prefix(2), as: UTF8.self)), h <= 14,
           digits.count == 2 || Int(String(decoding: digits.suffix(2), as: UTF8.self))! < 60
        {
            return
        }
        throw CaseError(.invalidArgument, "unknown time zone \(tz)",
                        hint: "use an IANA name such as Asia/Tokyo, UTC, or an offset such as +09:00")
    }

    /// A file's SHA-256, read without a copy.
    func hashOnly(_ path: String) throws -> String {
        let fd = try openEvidence(path)
        defer { Glibc.close(fd) }
        var hasher = SHA256()
        try readChunks(fd: fd, readError: { Self.readError(path, $0) }) { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    /// An original opened for reading; the error says what to check.
    func openEvidence(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CaseError(.unreadable, "cannot read \(path): \(String(cString: strerror(errno)))",
                            hint: "check the path and its permissions")
        }
        return fd
    }

    static func readError(_ path: String, _ err: Int32) -> Error {
        CaseError(.unreadable, "cannot read \(path): \(String(cString: strerror(err)))", hint: "check the device the evidence is on")
    }

    /// The item these bytes already are: in the case, or staged earlier by this same add (id 0 until inserted).
    func known(_ sha256: String, staged: [StagedObject], seen: [String: Int]) throws -> EvidenceItem? {
        try evidence(sha256: sha256) ?? seen[sha256].map { staged[$0].item }
    }

    /// The evidence item with this SHA-256, if the case has it.
    public func evidence(sha256: String) throws -> EvidenceItem? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM evidence WHERE sha256 = ?", arguments: [sha256])
                .map(EvidenceItem.init(row:))
        }
    }

    /// The members of an archive item (each item once, also when the same bytes were first seen elsewhere).
    public func children(of id: Int64) throws -> [EvidenceItem] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM evidence WHERE id IN (SELECT evidence_id FROM evidence_members WHERE archive_id = ?)
                ORDER BY id
                """, arguments: [id]).map(EvidenceItem.init(row:))
        }
    }

    /// Where an item sits in archives: (archive id, name inside it).
    public func memberships(of id: Int64) throws -> [(archiveID: Int64, path: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT archive_id, member_path FROM evidence_members WHERE evidence_id = ?",
                             arguments: [id]).map { ($0["archive_id"], $0["member_path"]) }
        }
    }

    /// Every evidence item, in the order added.
    public func allEvidence() throws -> [EvidenceItem] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM evidence ORDER BY id").map(EvidenceItem.init(row:)) }
    }

    func shaOf(objectPath p: String) -> String {
        let parts = p.split(separator: "/")
        guard parts.count >= 2 else { return "" }
        return String(parts[parts.count - 2]) + String(parts[parts.count - 1])
    }

    /// After a crash during `add`: objects moved into place whose rows were never committed are removed.
    func recoverStagedObjects() throws {
        let journal = "\(stagingPath)/add-journal"
        if let text = try? String(contentsOfFile: journal, encoding: .utf8) {
            let committed = try read { db in try String.fetchSet(db, sql: "SELECT sha256 FROM evidence") }
            for line in text.split(separator: "\n") {
                let p = String(line)
                guard p.hasPrefix(objectsPath + "/"), !committed.contains(shaOf(objectPath: p)) else { continue }
                chmod(p, 0o644)
                unlink(p)
                rmdir((p as NSString).deletingLastPathComponent)    // only if it is now empty
            }
            unlink(journal)
        }
        try? FileManager.default.createDirectory(atPath: stagingPath, withIntermediateDirectories: true)
        for f in (try? FileManager.default.contentsOfDirectory(atPath: stagingPath)) ?? [] where f.hasPrefix("stage-") {
            unlink("\(stagingPath)/\(f)")
        }
    }

    // MARK: Planning

    struct PlannedFile {
        var absolutePath: String
        var displayPath: String
        var relativePath: String?
        var size: Int64
    }

    struct AddPlan {
        var files: [PlannedFile] = []
        var skipped: [(path: String, reason: String)] = []
    }

    /// Expands directories and checks that every file exists and can be read, before anything is copied.
    func planAdd(_ paths: [String]) throws -> AddPlan {
        guard !paths.isEmpty else {
            throw CaseError(.invalidArgument, "no evidence named", hint: "give one or more files or directories")
        }
        var plan = AddPlan()
        let cwd = FileManager.default.currentDirectoryPath
        for given in paths {
            let abs = given.hasPrefix("/") ? given : "\(cwd)/\(given)"
            let absolute = URL(fileURLWithPath: abs).standardizedFileURL.path
            var st = stat()
            guard stat(absolute, &st) == 0 else {
                let err = errno
                if err == ENOENT || err == ENOTDIR {
                    throw CaseError(.notFound, "\(given): no such file or directory", hint: "check the path")
                }
                throw CaseError(.unreadable, "\(given): \(String(cString: strerror(err)))",
                                hint: "check the path and its permissions")
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                let base = (absolute as NSString).lastPathComponent
                let shown = given.hasSuffix("/") ? String(given.dropLast()) : given
                try walk(directory: absolute, relative: base, shown: shown, into: &plan)
            } else if (st.st_mode & S_IFMT) == S_IFREG {
                try checkReadable(absolute, given: given)
                plan.files.append(PlannedFile(absolutePath: absolute, displayPath: given, relativePath: nil,
                                              size: Int64(st.st_size)))
            } else {
                throw CaseError(.unreadable, "\(given) is not a regular file or directory",
                                hint: "copy the data into a file first")
            }
        }
        if (plan.files.first { $0.absolutePath.hasPrefix(directory.path + "/") }) != nil {
            throw CaseError(.invalidArgument, "cannot add files from inside the case directory itself",
                            hint: "name evidence outside \(directory.path)")
        }
        return plan
    }

    /// `relative` keeps the added directory's own name (`datasets/logs/a.log`); `shown` is the path as the user
    /// wrote it, for messages.
    private func walk(directory dir: String, relative: String, shown: String, into plan: inout AddPlan) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        } catch {
            throw CaseError(.unreadable, "cannot list the directory \(dir)", hint: "check its permissions")
        }
        for n in names {
            let path = "\(dir)/\(n)"
            let rel = "\(relative)/\(n)"
            let shownChild = "\(shown)/\(n)"
            var st = stat()
            guard lstat(path, &st) == 0 else {
                throw CaseError(.unreadable, "\(shownChild): \(String(cString: strerror(errno)))",
                                hint: "check the path and its permissions")
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(directory: path, relative: rel, shown: shownChild, into: &plan)
            case S_IFREG:
                try checkReadable(path, given: shownChild)
                plan.files.append(PlannedFile(absolutePath: path, displayPath: shownChild, relativePath: rel,
                                              size: Int64(st.st_size)))
            case S_IFLNK:
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                plan.skipped.append((shownChild, "symbolic link to \(target), not followed"))
            default:
                plan.skipped.append((shownChild, "not a regular file (device, socket or pipe)"))
            }
        }
    }

    private func checkReadable(_ path: String, given: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let err = errno
            throw CaseError(.unreadable, "cannot read \(given): \(String(cString: strerror(err)))",
                            hint: err == EACCES ? "check its permissions (run as a user who can read it)" : nil)
        }
        Glibc.close(fd)
    }

    // MARK: Copying

    struct StagedObject {
        var tmpPath: String
        var item: EvidenceItem
        /// The staged archive this came out of.
        var parentIndex: Int? = nil
    }

    /// Opens a staged file as an archive, when it is one, and stages each member as an evidence item of its own,
    /// streamed (never extracted by name), under the limits; nested archives are opened in turn.
    func expandArchive(at index: Int, depth: Int, limits: ArchiveLimits, identifier: FileIdentifier,
                       staged: inout [StagedObject], seen: inout [String: Int], outcomes: inout [AddOutcome],
                       memberships: inout [Membership]) throws
    {
        let parent = staged[index]
        let shown = parent.item.relativePath ?? parent.item.originalPath
        // A workbook or a document is a zip, and one piece of evidence: kept whole for its reader.
        if OfficeDocument.isDocument(path: parent.tmpPath, mimeType: parent.item.mimeType) { return }
        guard let archive = ArchiveReader(path: parent.tmpPath) else { return }
        guard depth <= limits.maxDepth else {
            outcomes.append(.skipped(path: shown, reason: "archive nested deeper than \(limits.maxDepth) levels; "
                                        + "kept as one item, not opened (raise --max-depth)"))
            return
        }
        let budget = max(parent.item.size * limits.maxExpansionRatio, limits.expansionFloor)
        var expanded: Int64 = 0
        var memberNumber = 0
        while true {
            let member: ArchiveReader.Member
            do {
                guard let m = try archive.next() else { break }
                member = m
            } catch {
                outcomes.append(.skipped(path: shown, reason: "archive damaged after \(memberNumber) members (\(error)); "
                                            + "the members before it are kept"))
                break
            }
            memberNumber += 1
            let memberPath = archive.isCompressedFile ? Case.decompressedName(parent.item.name) : member.path
            let shownMember = "\(shown)!/\(memberPath)"
            switch member.kind {
            case .directory: continue
            case .symlink(let target):
                outcomes.append(.skipped(path: shownMember, reason: "symbolic link to \(target) in the archive, not followed"))
                continue
            case .hardlink(let target):
                outcomes.append(.skipped(path: shownMember, reason: "hard link to \(target) in the archive (its data is that member's)"))
                continue
            case .other(let mode):
                outcomes.append(.skipped(path: shownMember, reason: "special file (mode \(String(mode, radix: 8))) in the archive"))
                continue
            case .file: break
            }
            if member.encrypted {
                outcomes.append(.skipped(path: shownMember, reason: "encrypted member; not read (no password)"))
                continue
            }
            let tmp = "\(stagingPath)/stage-\(getpid())-\(index)-\(memberNumber)-\(staged.count)"
            let result: (sha256: String, size: Int64)
            do {
                result = try stageMember(archive, to: tmp, maxSize: limits.maxMemberSize,
                                         budgetLeft: budget - expanded)
            } catch let stop as MemberStop {
                unlink(tmp)
                switch stop {
                case .tooBig:
                    outcomes.append(.skipped(path: shownMember, reason: "member larger than \(limits.maxMemberSize) bytes; "
                                                + "not kept (raise --max-member-size)"))
                    continue
                case .bomb:
                    outcomes.append(.skipped(path: shownMember, reason: "expansion stopped: the archive expands beyond "
                                                + "\(limits.maxExpansionRatio)× its size (a decompression bomb?); the "
                                                + "\(memberNumber - 1) members before this one are kept"))
                    return
                case .unreadable(let why):
                    outcomes.append(.skipped(path: shownMember, reason: "member could not be read: \(why)"))
                    continue
                }
            }
            expanded += result.size
            let existing = try known(result.sha256, staged: staged, seen: seen)
            // Staged items have no id yet (0); theirs is looked up by hash once they are inserted.
            memberships.append(Membership(archiveSHA256: parent.item.sha256, path: memberPath,
                                          memberSHA256: result.sha256, existingID: existing.flatMap { $0.id == 0 ? nil : $0.id }))
            if let existing {
                unlink(tmp)
                outcomes.append(.duplicate(existing: existing, path: shownMember))
                continue
            }
            let name = memberPath.split(separator: "/").last.map(String.init) ?? memberPath
            let item = EvidenceItem(
                id: 0, sha256: result.sha256, size: result.size, name: name.isEmpty ? "(unnamed member)" : name,
                originalPath: "\(parent.item.originalPath)!/\(memberPath)", relativePath: shownMember,
                mimeType: identifier.mimeType(ofFile: tmp), acquiredAt: .now, examiner: parent.item.examiner,
                timeZone: parent.item.timeZone, clock: parent.item.clock)
            seen[result.sha256] = staged.count
            staged.append(StagedObject(tmpPath: tmp, item: item, parentIndex: index))
            outcomes.append(.added(item))
            try expandArchive(at: staged.count - 1, depth: depth + 1, limits: limits, identifier: identifier,
                              staged: &staged, seen: &seen, outcomes: &outcomes, memberships: &memberships)
        }
    }

    /// An archive member found by `add`, recorded once ids are known.
    struct Membership {
        var archiveSHA256: String
        var path: String
        var memberSHA256: String
        var existingID: Int64?
    }

    enum MemberStop: Error {
        case tooBig, bomb
        case unreadable(String)
    }

    /// Streams the current member into `dest`, hashing it, within the size cap and the archive's expansion budget.
    func stageMember(_ archive: ArchiveReader, to dest: String, maxSize: Int64,
                     budgetLeft: Int64) throws -> (sha256: String, size: Int64)
    {
        var size: Int64 = 0
        do {
            return try writeHashed(to: dest, copying: archive.formatName + " member") { emit in
                try archive.readData { chunk in
                    size += Int64(chunk.count)
                    if size > maxSize { throw MemberStop.tooBig }
                    if size > budgetLeft { throw MemberStop.bomb }
                    try emit(chunk)
                }
            }
        } catch let e as ArchiveReader.ReadError {
            throw MemberStop.unreadable(e.description)
        }
    }

    /// Writes what `produce` hands over into the new file `dest` while hashing it, then syncs the file to disk;
    /// on any error the file is removed. `src` names the source in a disk-full message.
    func writeHashed(to dest: String, copying src: String,
                     _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void,
                     progress: (Int64) -> Void = { _ in }) throws -> (sha256: String, size: Int64)
    {
        let fd = Glibc.open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CaseError(.io, "cannot create \(dest): \(String(cString: strerror(errno)))",
                            hint: "check that the case directory is writable")
        }
        var ok = false
        defer {
            Glibc.close(fd)
            if !ok { unlink(dest) }
        }
        let full = CaseError(.diskFull, "no space left on the case's disk while copying \(src)",
                             hint: "free space and run the add again (nothing was added)")
        var hasher = SHA256()
        var size: Int64 = 0
        // Both closures are only called during this call; the checker cannot see that one calls the other.
        try withoutActuallyEscaping(progress) { progress in
            try produce { chunk in
                hasher.update(bufferPointer: chunk)
                do {
                    try writeAll(fd, chunk, path: dest)
                } catch let e as CaseError where e.code == .diskFull {
                    throw full
                }
                size += Int64(chunk.count)
                progress(size)
            }
        }
        if fsync(fd) != 0 {
            let err = errno
            if err == ENOSPC || err == EDQUOT { throw full }
            throw CaseError(.io, "cannot sync \(dest): \(String(cString: strerror(err)))", hint: nil)
        }
        ok = true
        return (hex(hasher.finalize()), size)
    }

    /// `auth.log.2.gz` → `auth.log.2`; `trace.pcap.xz` → `trace.pcap`.
    static func decompressedName(_ name: String) -> String {
        for ext in [".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".Z", ".tgz"] where name.hasSuffix(ext) && name.count > ext.count {
            return ext == ".tgz" ? String(name.dropLast(4)) + ".tar" : String(name.dropLast(ext.count))
        }
        return name + ".decompressed"
    }

    /// Streams a file into `dest` while hashing it, 4 MiB at a time, and syncs the copy to disk.
    func copyAndHash(_ src: String, to dest: String,
                     progress: (Int64) -> Void) throws -> (sha256: String, size: Int64, mtime: Timestamp?)
    {
        let inFD = try openEvidence(src)
        defer { Glibc.close(inFD) }
        var st = stat()
        let mtime = fstat(inFD, &st) == 0
            ? Timestamp(seconds: Int64(st.st_mtim.tv_sec), nanoseconds: Int64(st.st_mtim.tv_nsec)) : nil
        var lastReport: Int64 = 0
        let (sha, size) = try writeHashed(to: dest, copying: src) { emit in
            try readChunks(fd: inFD, readError: { Self.readError(src, $0) }) { chunk in
                try emit(chunk)
            }
        } progress: { total in
            if total - lastReport >= 64 << 20 {
                progress(total)
                lastReport = total
            }
        }
        progress(size)
        return (sha, size, mtime)
    }
}

extension EvidenceItem {
    init(row: Row) {
        self.init(
            id: row["id"], sha256: row["sha256"], size: row["size"], name: row["name"],
            originalPath: row["original_path"], relativePath: row["relative_path"], mimeType: row["mime_type"],
            acquiredAt: Timestamp(nanoseconds: row["acquired_at"]),
            sourceModifiedAt: (row["source_mtime"] as Int64?).map(Timestamp.init(nanoseconds:)),
            examiner: row["examiner"], parentID: row["parent_id"], timeZone: row["time_zone"], clock: row["clock"])
    }
}

/// Reads a file descriptor to its end in 4 MiB chunks, handing each to `body`. Memory stays at one chunk whatever
/// the file's size.
func readChunks(fd: Int32, readError: (Int32) -> Error = { CaseError(.io, String(cString: strerror($0))) },
                _ body: (UnsafeRawBufferPointer) throws -> Void) throws
{
    _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    let chunk = 4 << 20
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buf.deallocate() }
    while true {
        let n = Glibc.read(fd, buf.baseAddress!, chunk)
        if n < 0 {
            if errno == EINTR { continue }
            throw readError(errno)
        }
        if n == 0 { return }
        try body(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
    }
}

/// SHA-256 and size of what a file descriptor holds, streamed.
func streamSHA256(fd: Int32) throws -> (sha256: String, size: Int64) {
    var hasher = SHA256()
    var size: Int64 = 0
    try readChunks(fd: fd) { chunk in
        hasher.update(bufferPointer: chunk)
        size += Int64(chunk.count)
    }
    return (hex(hasher.finalize()), size)
}

import Crypto
import Foundation
import GRDB
import JikochoModel

/// One thing `verify` found wrong, named so a person knows what to look at.
public struct VerifyProblem: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case objectChanged = "object changed"
        case objectMissing = "object missing"
        case objectNotIndexed = "object not in the index"
        case evidenceWithoutCustody = "evidence without custody"
        case entryAltered = "custody entry altered"
        case entryRemoved = "custody entry removed"
        case mirrorDisagrees = "custody file and table disagree"
        case databaseDamaged = "database damaged"
    }

    public var kind: Kind
    public var text: String

    public var description: String { "\(kind.rawValue): \(text)" }
}

public struct VerifyReport: Sendable {
    public var objectsChecked = 0
    public var bytesChecked: Int64 = 0
    public var custodyEntries = 0
    /// Hash of the last custody entry: what a report made now would carry.
    public var head: String = CustodyEntry.genesis
    public var problems: [VerifyProblem] = []
    /// States that are not problems but a person should know of: a custody file that lags its table at the end
    /// after a writer was stopped (the next writer restores it).
    public var notes: [String] = []

    public var isClean: Bool { problems.isEmpty }
}

extension Case {
    /// Re-hashes every object and walks the custody chain, table and file. Reads only; changes nothing.
    public func verify(progress: ((Int, Int) -> Void)? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        let (items, entries) = try read { db in
            (try Row.fetchAll(db, sql: "SELECT id, sha256, size, name FROM evidence ORDER BY id"),
             try CustodyEntry.fetchAll(db))
        }
        // The database's own check and the originals' hashes read different files, so they run at once: the check
        // on a connection of its own, read-only whatever this case's mode (SQLite's quick_check on a writable
        // connection also re-evaluates every row's CHECK constraints, json_valid of the attributes included: twice the
        // time, and `verify` and a report's custody line would not check the same things).
        let integrity = Parallel.background { [databasePath] in
            Result {
                var config = Configuration()
                config.readonly = true
                config.label = "case.check"
                return try DatabaseQueue(path: databasePath, configuration: config).read { db in
                    try String.fetchAll(db, sql: "PRAGMA quick_check")
                }
            }
        }
        try verifyObjects(items, into: &report, progress: progress)
        let checked: [String]
        do {
            checked = try integrity.wait().get()
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB {
            checked = [e.message ?? "\(e.resultCode)"]    // so damaged the check could not finish: still a finding
        } catch {
            throw Case.map(error, doing: "checking case.sqlite")
        }
        if checked != ["ok"] {
            report.problems.insert(VerifyProblem(kind: .databaseDamaged,
                                                 text: "case.sqlite: " + checked.prefix(5).joined(separator: "; ")),
                                   at: 0)
        }
        verifyChain(entries, into: &report)
        verifyMirror(entries, into: &report)
        verifyEvidenceCustody(items, entries, into: &report)
        report.custodyEntries = entries.count
        report.head = entries.last?.hash ?? CustodyEntry.genesis
        return report
    }

    private func verifyObjects(_ items: [Row], into report: inout VerifyReport,
                               progress: ((Int, Int) -> Void)?) throws
    {
        var indexed = Set<String>()
        for (i, row) in items.enumerated() {
            let id: Int64 = row["id"]
            let sha: String = row["sha256"]
            let size: Int64 = row["size"]
            let name: String = row["name"]
            indexed.insert(sha)
            progress?(i, items.count)
            let path = objectPath(sha256: sha)
            guard let (actual, actualSize) = hashFile(path) else {
                report.problems.append(VerifyProblem(kind: .objectMissing,
                                                     text: "evidence #\(id) (\(name)): objects/\(sha.prefix(2))/"
                                                         + "\(sha.dropFirst(2)) is missing or unreadable"))
                continue
            }
            report.objectsChecked += 1
            report.bytesChecked += actualSize
            if actual != sha || actualSize != size {
                report.problems.append(VerifyProblem(
                    kind: .objectChanged,
                    text: "evidence #\(id) (\(name)): the copy now hashes to \(actual) (\(actualSize) bytes), "
                        + "acquired as \(sha) (\(size) bytes)"))
            }
        }
        progress?(items.count, items.count)
        let fm = FileManager.default
        // Objects an interrupted `add` had moved into place before its rows were committed: the add journal names
        // them and the next writer removes them.
        let pending = Set(((try? String(contentsOfFile: "\(stagingPath)/add-journal", encoding: .utf8)) ?? "")
            .split(separator: "\n").map { shaOf(objectPath: String($0)) })
        for dir in ((try? fm.contentsOfDirectory(atPath: objectsPath)) ?? []).sorted() where dir != "tmp" {
            for file in ((try? fm.contentsOfDirectory(atPath: "\(objectsPath)/\(dir)")) ?? []).sorted()
            where !indexed.contains(dir + file) {
                if pending.contains(dir + file) {
                    report.notes.append("objects/\(dir)/\(file) was copied by an add that was stopped before it "
                                        + "committed; opening the case for writing removes it")
                    continue
                }
                report.problems.append(VerifyProblem(
                    kind: .objectNotIndexed,
                    text: "objects/\(dir)/\(file) is not an evidence item of the case (placed there by hand?)"))
            }
        }
    }

    /// SHA-256 and size of a file, streamed; nil when it cannot be opened or read.
    func hashFile(_ path: String) -> (String, Int64)? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        guard let (sha, size) = try? streamSHA256(fd: fd) else { return nil }
        return (sha, size)
    }

    private func verifyChain(_ entries: [CustodyEntry], into report: inout VerifyReport) {
        var expectedSeq: Int64 = 1
        var prevHash = CustodyEntry.genesis
        for e in entries {
            if e.seq != expectedSeq {
                let range = e.seq - 1 == expectedSeq ? "\(expectedSeq)" : "\(expectedSeq)–\(e.seq - 1)"
                report.problems.append(VerifyProblem(kind: .entryRemoved,
                                                     text: "custody entr\(range.contains("–") ? "ies" : "y") \(range) "
                                                         + "missing from the custody table"))
            } else if e.prev != prevHash {
                report.problems.append(VerifyProblem(
                    kind: .entryAltered,
                    text: "custody entry \(e.seq - 1) was altered: entry \(e.seq) no longer links to it"))
            }
            if e.computedHash != e.hash {
                report.problems.append(VerifyProblem(
                    kind: .entryAltered,
                    text: "custody entry \(e.seq) (\(e.action) \(e.subject)) was altered: its hash does not match "
                        + "its contents"))
            }
            expectedSeq = e.seq + 1
            prevHash = e.hash
        }
    }

    private func verifyMirror(_ entries: [CustodyEntry], into report: inout VerifyReport) {
        guard let data = FileManager.default.contents(atPath: custodyPath) else {
            report.problems.append(VerifyProblem(kind: .mirrorDisagrees, text: "custody.jsonl is missing"))
            return
        }
        let bySeq = Dictionary(entries.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<Int64>()
        var lineNo = 0
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var tornTail = false
        for (index, line) in lines.enumerated() {
            lineNo += 1
            if line.isEmpty { continue }
            let text = String(decoding: line, as: UTF8.self)
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let seqNumber = obj["seq"] as? NSNumber
            else {
                if index == lines.count - 1 {
                    tornTail = true    // a last line cut short, without its newline: a write stopped part way
                } else {
                    report.problems.append(VerifyProblem(kind: .mirrorDisagrees,
                                                         text: "custody.jsonl line \(lineNo) is not a custody entry"))
                }
                continue
            }
            let seq = seqNumber.int64Value
            seen.insert(seq)
            guard let entry = bySeq[seq] else {
                report.problems.append(VerifyProblem(
                    kind: .mirrorDisagrees,
                    text: "custody.jsonl has entry \(seq) (line \(lineNo)) that the custody table lacks"))
                continue
            }
            if text != entry.jsonLine {
                report.problems.append(VerifyProblem(
                    kind: .mirrorDisagrees,
                    text: "custody.jsonl entry \(seq) (line \(lineNo)) differs from the custody table"))
            }
        }
        let missing = entries.map(\.seq).filter { !seen.contains($0) }
        let lastInFile = seen.max() ?? 0
        if let first = missing.first, missing.allSatisfy({ $0 > lastInFile }) {
            // The file stops short of the table at its end: a writer was stopped between committing an entry and
            // appending it to the file. The table holds the chain; the next writer restores the file from it.
            report.notes.append("custody.jsonl is \(missing.count) entr\(missing.count == 1 ? "y" : "ies") behind the "
                + "custody table at its end (entries \(first)–\(missing.last!)\(tornTail ? ", last line cut short" : "")): "
                + "a writer was stopped between the two; opening the case for writing restores the file")
        } else if let first = missing.first {
            report.problems.append(VerifyProblem(
                kind: .mirrorDisagrees,
                text: "custody.jsonl lacks entr\(missing.count == 1 ? "y \(first)" : "ies \(first)–\(missing.last!)") "
                    + "that the custody table has"))
        } else if tornTail {
            report.problems.append(VerifyProblem(kind: .mirrorDisagrees,
                                                 text: "custody.jsonl line \(lineNo) is not a custody entry"))
        }
    }

    /// Every evidence row must have been added through the chain: an `evidence.add` entry with its hash and size.
    private func verifyEvidenceCustody(_ items: [Row], _ entries: [CustodyEntry], into report: inout VerifyReport) {
        var added: [String: Int64] = [:]
        for e in entries where e.action == "evidence.add" {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(e.detail.utf8)) as? [String: Any],
                  let sha = obj["sha256"] as? String, let size = obj["size"] as? NSNumber
            else { continue }
            added[sha] = size.int64Value
        }
        for row in items {
            let sha: String = row["sha256"]
            let size: Int64 = row["size"]
            if added[sha] != size {
                let id: Int64 = row["id"]
                report.problems.append(VerifyProblem(
                    kind: .evidenceWithoutCustody,
                    text: "evidence #\(id) (\(row["name"] as String)) has no matching evidence.add custody entry"))
            }
        }
    }
}

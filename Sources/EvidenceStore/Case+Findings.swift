import Foundation
import GRDB
import JikochoModel
import Parsers

extension Case {
    /// Stores a finding with what it rests on, in custody. A finding with the same playbook and title replaces the
    /// earlier one (running a playbook or a chain again updates its finding instead of piling up copies).
    @discardableResult
    public func saveFinding(_ f: Finding, detail: JSONValue? = nil) throws -> Int64 {
        try write { db in
            let replaced = try Int64.fetchOne(db, sql: "SELECT id FROM findings WHERE playbook = ? AND title = ?",
                                              arguments: [f.playbook, f.title])
            if let old = replaced { try db.execute(sql: "DELETE FROM findings WHERE id = ?", arguments: [old]) }
            try db.execute(sql: """
                INSERT INTO findings (playbook, title, severity, summary, techniques, event_ids, created_at, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [f.playbook, f.title, f.severity.rawValue, f.summary,
                                 JSONValue.array(f.techniques.map { .string($0) }).canonicalJSON,
                                 JSONValue.array(f.eventIDs.map { .int($0) }).canonicalJSON, f.createdAt.nanoseconds,
                                 detail?.canonicalJSON])
            let id = db.lastInsertedRowID
            var d: [String: JSONValue] = ["playbook": .string(f.playbook), "severity": .string(f.severity.rawValue),
                                          "events": .array(f.eventIDs.map { .int($0) })]
            if let old = replaced { d["replaces"] = .int(old) }
            try CustodyEntry.append(db, actor: examiner, action: "finding.add", subject: "finding #\(id): \(f.title)",
                                    detail: .object(d))
            return id
        }
    }

    /// The findings, newest first, with their details.
    public func findings() throws -> [(Finding, JSONValue?)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM findings ORDER BY created_at DESC, id DESC").map { r in
                func list(_ column: String) -> [JSONValue] {
                    guard let t = r[column] as String?, case .array(let a)? = try? JSONParser().parse(t) else { return [] }
                    return a
                }
                let f = Finding(id: r["id"], playbook: r["playbook"], title: r["title"],
                                severity: Finding.Severity(rawValue: r["severity"]) ?? .info, summary: r["summary"],
                                techniques: list("techniques").compactMap { if case .string(let s) = $0 { s } else { nil } },
                                eventIDs: list("event_ids").compactMap { if case .int(let i) = $0 { i } else { nil } },
                                createdAt: Timestamp(nanoseconds: r["created_at"]))
                return (f, (r["detail"] as String?).flatMap { try? JSONParser().parse($0) })
            }
        }
    }
}

extension Case {
    /// Records in custody that playbooks ran (which, and how many findings they stored).
    public func recordPlaybookRun(playbooks: [String], findings: Int) throws {
        try write { db in
            try CustodyEntry.append(db, actor: examiner, action: "playbooks.run", subject: "\(playbooks.count) playbooks",
                                    detail: .object(["playbooks": .array(playbooks.map { .string($0) }),
                                                     "findings": .int(Int64(findings))]))
        }
    }
}

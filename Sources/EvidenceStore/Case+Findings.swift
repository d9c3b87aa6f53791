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

/// What one playbook gave in a run: how many findings, and why it could not look (a gap) when it could not.
public struct PlaybookRunResult: Sendable, Hashable {
    public var playbook: String
    public var findings: Int
    public var gaps: [String]

    public init(playbook: String, findings: Int, gaps: [String]) {
        self.playbook = playbook
        self.findings = findings
        self.gaps = gaps
    }
}

extension Case {
    /// Records in custody that playbooks ran: which, how many findings each stored, and the gaps each met (evidence
    /// it needs and the case lacks), so that a report made later can say what was looked for and not found.
    public func recordPlaybookRun(_ results: [PlaybookRunResult]) throws {
        try write { db in
            try CustodyEntry.append(db, actor: examiner, action: "playbooks.run", subject: "\(results.count) playbooks",
                                    detail: .object([
                                        "playbooks": .array(results.map { .string($0.playbook) }),
                                        "findings": .int(Int64(results.reduce(0) { $0 + $1.findings })),
                                        "results": .array(results.map { r in
                                            .object(["playbook": .string(r.playbook), "findings": .int(Int64(r.findings)),
                                                     "gaps": .array(r.gaps.map { .string($0) })])
                                        }),
                                    ]))
        }
    }

    /// The playbooks of the latest run, with what each gave (an empty list when none ran).
    public func lastPlaybookRun() throws -> (at: String, results: [PlaybookRunResult])? {
        let entry = try read { db in
            try CustodyEntry.fetchAll(db).last { $0.action == "playbooks.run" }
        }
        guard let entry, case .object(let d)? = try? JSONParser().parse(entry.detail) else { return nil }
        var results: [PlaybookRunResult] = []
        if case .array(let rs)? = d["results"] {
            for case .object(let r) in rs {
                let gaps: [String]
                if case .array(let g)? = r["gaps"] { gaps = g.map(\.text) } else { gaps = [] }
                var n = 0
                if case .int(let i)? = r["findings"] { n = Int(i) }
                results.append(PlaybookRunResult(playbook: r["playbook"]?.text ?? "?", findings: n, gaps: gaps))
            }
        } else if case .array(let names)? = d["playbooks"] {
            // Runs recorded before results were kept: the names only.
            results = names.map { PlaybookRunResult(playbook: $0.text, findings: 0, gaps: []) }
        }
        return (entry.at, results)
    }
}

/// One ingest run of an evidence item: the collector, how it ended, what it gave.
public struct IngestRunInfo: Sendable {
    public var id: Int64
    public var evidenceID: Int64
    public var collector: String
    public var collectorVersion: String
    /// `running` (interrupted), `complete`, `incomplete` or `failed`.
    public var status: String
    public var events: Int64
    public var warnings: Int64
    public var samples: Int64
    public var note: String?
}

extension Case {
    /// Every ingest run, oldest first.
    public func ingestRuns() throws -> [IngestRunInfo] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, evidence_id, collector, collector_version, status, events, warnings, samples, note
                FROM ingest_runs ORDER BY id
                """).map { r in
                IngestRunInfo(id: r["id"], evidenceID: r["evidence_id"], collector: r["collector"],
                              collectorVersion: r["collector_version"], status: r["status"], events: r["events"],
                              warnings: r["warnings"], samples: r["samples"] ?? 0, note: r["note"])
            }
        }
    }
}

extension Case {
    /// Records in custody that a report was written: where, in which format, its SHA-256, and the custody head it
    /// was made from (the report carries that head too, so the two can be matched).
    public func recordReport(format: String, path: String, sha256: String, madeFrom head: String) throws {
        try write { db in
            try CustodyEntry.append(db, actor: examiner, action: "report.write", subject: path,
                                    detail: .object(["format": .string(format), "sha256": .string(sha256),
                                                     "custody_head": .string(head)]))
        }
    }
}

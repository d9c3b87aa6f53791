import Foundation
import GRDB
import JikochoModel
import Parsers

/// Which clock an evidence item's times come from, and how that was decided.
public struct ClockAssignment: Sendable, Hashable {
    public enum Basis: String, Sendable {
        /// Named by the investigator (`add --clock`, `clock assign`).
        case assigned
        /// An inventory asset lists the file among the evidence it recorded.
        case inventory
        /// A member of an archive keeps the archive's clock.
        case archive
        /// Every event of the item comes from one host, which the inventory knows as this asset.
        case host
        /// A network capture: the sensor's clock, the reference unless the investigator names another.
        case capture
        /// Nothing better known: the item is its own clock.
        case item
    }

    public var evidenceID: Int64
    public var evidenceName: String
    public var clock: String
    public var basis: Basis
}

/// A clock of the case: its correction, where the correction came from and the evidence it covers.
public struct ClockInfo: Sendable {
    public var name: String
    public var correction: ClockCorrection
    public var source: ClockSource
    /// ± how far the correction may be off, when known.
    public var uncertaintyNanos: Int64?
    public var reason: String?
    /// What an estimate rested on (method, pairs, residuals), as stored.
    public var detail: JSONValue?
    public var items: [ClockAssignment]
    /// Capture clocks are the reference unless an investigator named another.
    public var isReference: Bool { source == .reference }
}

extension Case {
    /// The clock of every evidence item, by item id.
    public func clockAssignments() throws -> [ClockAssignment] {
        try read { db in try clockAssignments(db) }
    }

    func clockAssignments(_ db: Database) throws -> [ClockAssignment] {
        struct Item {
            var id: Int64
            var name: String
            var relativePath: String?
            var originalPath: String
            var parent: Int64?
            var clock: String?
        }
        let items = try Row.fetchAll(db, sql: """
            SELECT id, name, relative_path, original_path, parent_id, clock FROM evidence ORDER BY id
            """).map { r in
            Item(id: r["id"], name: r["name"], relativePath: r["relative_path"], originalPath: r["original_path"],
                 parent: r["parent_id"], clock: r["clock"])
        }
        let assets = try assets(db)
        let resolver = AssetResolver(assets)
        let captures = Set(try Int64.fetchAll(db, sql: """
            SELECT DISTINCT evidence_id FROM ingest_runs WHERE collector LIKE 'network/%' AND status = 'complete'
            """))
        var byID: [Int64: ClockAssignment] = [:]
        var out: [ClockAssignment] = []
        for it in items {
            let decided: (String, ClockAssignment.Basis)
            if let c = it.clock, !c.isEmpty {
                decided = (c, .assigned)
            } else if let a = assets.first(where: { a in
                a.evidence.contains { Self.evidencePattern($0, matches: it.name, it.relativePath, it.originalPath) }
            }) {
                decided = (a.name, .inventory)
            } else if let p = it.parent, let parent = byID[p] {
                decided = (parent.clock, .archive)
            } else if captures.contains(it.id) {
                decided = (it.name, .capture)
            } else if let host = try singleHostAsset(db, evidenceID: it.id, resolver: resolver) {
                decided = (host, .host)
            } else {
                decided = (it.name, .item)
            }
            let a = ClockAssignment(evidenceID: it.id, evidenceName: it.relativePath ?? it.name, clock: decided.0,
                                    basis: decided.1)
            byID[it.id] = a
            out.append(a)
        }
        return out
    }

    /// `historian/hist-1*.csv` against an item's path in the case, its original path's tail, or its name.
    static func evidencePattern(_ pattern: String, matches name: String, _ relative: String?, _ original: String) -> Bool {
        for candidate in [relative, original, name].compactMap({ $0 }) {
            if fnmatch(pattern, candidate, 0) == 0 || fnmatch("*/" + pattern, candidate, 0) == 0 { return true }
        }
        return false
    }

    /// The asset of the one host every event of the item names, when the inventory knows it.
    func singleHostAsset(_ db: Database, evidenceID: Int64, resolver: AssetResolver) throws -> String? {
        let hosts = try String.fetchAll(db, sql: """
            SELECT DISTINCT host FROM events WHERE run_id IN (SELECT id FROM ingest_runs WHERE evidence_id = ?)
            AND host IS NOT NULL LIMIT 3
            """, arguments: [evidenceID])
        let assets = Set(hosts.map { resolver.asset(host: $0) })
        guard assets.count == 1, let only = assets.first else { return nil }
        return only
    }

    func assets(_ db: Database) throws -> [Asset] {
        try Row.fetchAll(db, sql: "SELECT * FROM assets ORDER BY name").map(Self.asset(row:))
    }

    /// The clocks of the case with their corrections and items; clocks no one corrected are listed too.
    public func clocks() throws -> [ClockInfo] {
        try read { db in
            // Items no collector read carry no times: they belong to no clock.
            let timed = Set(try Int64.fetchAll(db, sql: "SELECT DISTINCT evidence_id FROM ingest_runs"))
            let assignments = try clockAssignments(db).filter { timed.contains($0.evidenceID) }
            var stored = try Self.storedClocks(db)
            var byName: [String: ClockInfo] = [:]
            var order: [String] = []
            for a in assignments {
                if byName[a.clock] == nil {
                    var info = stored.removeValue(forKey: a.clock)
                        ?? ClockInfo(name: a.clock, correction: .none, source: .none, items: [])
                    if info.source == .none, a.basis == .capture, !stored.values.contains(where: { $0.source == .reference }) {
                        info.source = .reference
                    }
                    byName[a.clock] = info
                    order.append(a.clock)
                }
                byName[a.clock]!.items.append(a)
            }
            // Clocks set for a name no evidence carries (yet) are listed last.
            for (name, info) in stored.sorted(by: { $0.key < $1.key }) {
                byName[name] = info
                order.append(name)
            }
            return order.map { byName[$0]! }
        }
    }

    static func storedClocks(_ db: Database) throws -> [String: ClockInfo] {
        var out: [String: ClockInfo] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT * FROM clocks") {
            let name: String = r["name"]
            let detail = (r["detail"] as String?).flatMap { try? JSONParser().parse($0) }
            out[name] = ClockInfo(name: name,
                                  correction: ClockCorrection(offsetNanos: r["offset_ns"], driftPPB: r["drift_ppb"],
                                                              epochNanos: r["epoch_ns"]),
                                  source: ClockSource(rawValue: r["source"]) ?? .none,
                                  uncertaintyNanos: r["uncertainty_ns"], reason: r["reason"], detail: detail, items: [])
        }
        return out
    }

    /// The correction of each evidence item's clock (items whose clock has none are left out).
    public func clockCorrections() throws -> [Int64: ClockCorrection] {
        try read { db in try clockCorrections(db) }
    }

    func clockCorrections(_ db: Database) throws -> [Int64: ClockCorrection] {
        let stored = try Self.storedClocks(db)
        guard stored.values.contains(where: { !$0.correction.isNone }) else { return [:] }
        var out: [Int64: ClockCorrection] = [:]
        for a in try clockAssignments(db) {
            if let c = stored[a.clock]?.correction, !c.isNone { out[a.evidenceID] = c }
        }
        return out
    }

    /// Records a correction for a clock (`source` investigator or estimate), in custody, and puts the times of its
    /// evidence right at once. Every event keeps its recorded time.
    public func setClock(_ name: String, correction: ClockCorrection, source: ClockSource, reason: String,
                         uncertaintyNanos: Int64? = nil, detail: JSONValue? = nil) throws {
        guard !name.isEmpty else { throw CaseError(.invalidArgument, "a clock needs a name", hint: nil) }
        try write { db in
            try db.execute(sql: """
                INSERT INTO clocks (name, offset_ns, drift_ppb, epoch_ns, uncertainty_ns, source, reason, detail, set_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET offset_ns = excluded.offset_ns, drift_ppb = excluded.drift_ppb,
                    epoch_ns = excluded.epoch_ns, uncertainty_ns = excluded.uncertainty_ns, source = excluded.source,
                    reason = excluded.reason, detail = excluded.detail, set_at = excluded.set_at
                """, arguments: [name, correction.offsetNanos, correction.driftPPB, correction.epochNanos,
                                 uncertaintyNanos, source.rawValue, reason, detail?.canonicalJSON,
                                 Timestamp.now.nanoseconds])
            var d: [String: JSONValue] = ["offset_ns": .int(correction.offsetNanos),
                                          "drift_ppb": .int(correction.driftPPB),
                                          "epoch_ns": .int(correction.epochNanos), "source": .string(source.rawValue),
                                          "reason": .string(reason)]
            if let u = uncertaintyNanos { d["uncertainty_ns"] = .int(u) }
            if let detail { d["estimate"] = detail }
            try CustodyEntry.append(db, actor: examiner, action: "clock.set", subject: name, detail: .object(d))
            try applyClockCorrections(db)
        }
    }

    /// Names the clock an evidence item's times come from (nil: decide from the inventory again), in custody.
    public func assignClock(evidenceID: Int64, clock: String?) throws {
        try write { db in
            guard let name = try String.fetchOne(db, sql: "SELECT name FROM evidence WHERE id = ?",
                                                 arguments: [evidenceID]) else {
                throw CaseError(.notFound, "evidence #\(evidenceID) is not in the case",
                                hint: "list the evidence with `jikocho case show`")
            }
            if let clock {
                try db.execute(sql: "INSERT INTO clocks (name) VALUES (?) ON CONFLICT(name) DO NOTHING", arguments: [clock])
            }
            try db.execute(sql: "UPDATE evidence SET clock = ? WHERE id = ?", arguments: [clock, evidenceID])
            try CustodyEntry.append(db, actor: examiner, action: "clock.assign", subject: "evidence #\(evidenceID)",
                                    detail: ["name": .string(name), "clock": clock.map { .string($0) } ?? .null])
            try applyClockCorrections(db)
        }
    }

    /// Sets every event's time to its recorded time put right by its item's clock. Only rows whose time changes are
    /// written, so this is cheap when nothing changed.
    func applyClockCorrections(_ db: Database, evidenceIDs: Set<Int64>? = nil) throws {
        let stored = try Self.storedClocks(db)
        let anyCorrection = stored.values.contains { !$0.correction.isNone }
        // `clocks.corrected` marks a case whose event times were ever moved: without it and without any correction,
        // every time is its recorded time and there is nothing to do (the common case, at no cost).
        let corrected = try String.fetchOne(db, sql: "SELECT value FROM case_info WHERE key = 'clocks.corrected'") != nil
        guard anyCorrection || corrected else { return }
        if !anyCorrection {
            let moved = try Int64.fetchAll(db, sql: "SELECT DISTINCT run_id FROM events WHERE time <> recorded_time")
            try db.execute(sql: "UPDATE events SET time = recorded_time WHERE time <> recorded_time")
            try db.execute(sql: "DELETE FROM case_info WHERE key = 'clocks.corrected'")
            for run in moved { try EventCounts.rebuild(db, runID: run) }
            return
        }
        try db.execute(sql: "INSERT OR REPLACE INTO case_info (key, value) VALUES ('clocks.corrected', '1')")
        for a in try clockAssignments(db) {
            if let only = evidenceIDs, !only.contains(a.evidenceID) { continue }
            let c = stored[a.clock]?.correction ?? .none
            let runs = "run_id IN (SELECT id FROM ingest_runs WHERE evidence_id = ?)"
            // Sums that leave what a time can hold (a clock that said 2262, corrected forward) stop at its ends, as
            // `ClockCorrection.apply` does: SQLite turns an integer overflow into a REAL, which CAST brings back to the
            // largest or smallest integer (a STRICT column refuses the REAL).
            if c.driftPPB == 0 {
                let expr = "CAST(recorded_time + ? AS INTEGER)"
                try db.execute(sql: "UPDATE events SET time = \(expr) WHERE \(runs) AND time <> \(expr)",
                               arguments: [c.offsetNanos, a.evidenceID, c.offsetNanos])
            } else {
                let expr = "CAST(recorded_time + ? + CAST(round((recorded_time - ?) * ?) AS INTEGER) AS INTEGER)"
                let k = Double(c.driftPPB) / 1e9
                try db.execute(sql: "UPDATE events SET time = \(expr) WHERE \(runs) AND time <> \(expr)",
                               arguments: [c.offsetNanos, c.epochNanos, k, a.evidenceID, c.offsetNanos, c.epochNanos, k])
            }
            // The moved events' counts by time are counted again, run by run.
            if db.changesCount > 0 {
                for run in try Int64.fetchAll(db, sql: "SELECT id FROM ingest_runs WHERE evidence_id = ? AND status = 'complete'",
                                              arguments: [a.evidenceID]) {
                    try EventCounts.rebuild(db, runID: run)
                }
            }
        }
    }

    /// The span of recorded times of the events whose items carry this clock, or nil without events.
    public func timeRange(clock: String) throws -> ClosedRange<Int64>? {
        try read { db in
            let ids = try clockAssignments(db).filter { $0.clock == clock }.map(\.evidenceID)
            guard !ids.isEmpty else { return nil }
            let marks = ids.map { _ in "?" }.joined(separator: ",")
            guard let r = try Row.fetchOne(db, sql: """
                SELECT MIN(recorded_time) AS lo, MAX(recorded_time) AS hi FROM events
                WHERE run_id IN (SELECT id FROM ingest_runs WHERE evidence_id IN (\(marks)))
                """, arguments: StatementArguments(ids)), let lo = r["lo"] as Int64?, let hi = r["hi"] as Int64?
            else { return nil }
            return lo...hi
        }
    }
}

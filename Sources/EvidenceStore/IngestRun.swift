import Collectors
import Foundation
import GRDB
import GRDBSQLite
import JikochoModel
import Logging

/// Binds bytes as a text parameter without a copy (`SQLITE_STATIC`): they must stay where they are until the
/// statement is stepped and reset. Empty bytes bind the empty text, not NULL.
@inline(__always) func bindText(_ s: OpaquePointer, _ i: Int32, _ bytes: UnsafeRawBufferPointer) {
    let empty: StaticString = ""
    let p = bytes.baseAddress ?? UnsafeRawPointer(empty.utf8Start)
    sqlite3_bind_text(s, i, p.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
}

/// What an ingest run wrote, for the user and the custody log.
public struct IngestSummary: Sendable {
    public var runID: Int64
    public var evidenceID: Int64
    public var collector: String
    public var events: Int64
    public var warnings: Int64
    /// Historian samples written (samples are not events).
    public var samples: Int64 = 0
    public var series: Int = 0
}

extension Case {
    /// Starts an ingest run of one evidence item by one collector. Events go in through the returned run (an
    /// `EventSink`); `finish()` makes the run complete. A run that is never finished (the process was killed) is
    /// marked incomplete, and its partial rows removed, the next time the case is opened for writing.
    ///
    /// `bulk`: the run loads without the events table's indexes and builds them once when it finishes, in the
    /// transaction that makes it complete (a run killed in between leaves them to be built when the case is next
    /// opened for writing). For a run that adds more events than the case holds; `Case.ingest` decides.
    public func beginIngest(evidenceID: Int64, collector: String, collectorVersion: String,
                            options: [String: String] = [:], actor: String? = nil,
                            batchSize: Int = 10_000, bulk: Bool = false) throws -> IngestRun
    {
        let optionsText = options.isEmpty ? nil : JSONValue.object(options.mapValues { .string($0) }).canonicalJSON
        let id = try write { db -> Int64 in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM evidence WHERE id = ?", arguments: [evidenceID]) != nil
            else {
                throw CaseError(.notFound, "evidence #\(evidenceID) is not in the case",
                                hint: "list the evidence with `jikocho case show`")
            }
            try db.execute(
                sql: """
                    INSERT INTO ingest_runs (evidence_id, collector, collector_version, options, started_at, status)
                    VALUES (?, ?, ?, ?, ?, 'running')
                    """,
                arguments: [evidenceID, collector, collectorVersion, optionsText, Timestamp.now.nanoseconds])
            let id = db.lastInsertedRowID
            try CustodyEntry.append(db, actor: actor ?? examiner, action: "ingest.start", subject: "run #\(id)",
                                    detail: ["evidence": .int(evidenceID), "collector": .string(collector),
                                             "collector_version": .string(collectorVersion)])
            return id
        }
        return IngestRun(case: self, id: id, evidenceID: evidenceID, collector: collector,
                         actor: actor ?? examiner, batchSize: max(1, batchSize), bulk: bulk)
    }
}

/// The counts of a run so far.
public struct IngestProgress: Sendable {
    public var events: Int64
    public var warnings: Int64
    public var samples: Int64
}

/// An ingest run in progress: the `EventSink` the case hands to a collector.
///
/// Events are buffered and written in batches, each batch in one transaction through one prepared statement
/// bound in a raw sqlite3 loop on GRDB's own connection (the hot path; GRDB does everything else).
///
/// A full batch is written on a writer thread while the collector goes on reading (one batch in flight, so memory
/// stays bounded); `flush()` and `finish()` wait for it. Each batch is still one transaction: a run killed part way
/// leaves whole batches, which the next opening removes.
///
/// Threads: the collector's thread owns everything but the `writer*` state and the statement, which only the writer
/// touches; the semaphore orders the two (a batch's counts are read after waiting for it).
public final class IngestRun: EventSink, @unchecked Sendable {
    public let id: Int64
    public let evidenceID: Int64
    public let collector: String
    let owner: Case
    let actor: String
    let batchSize: Int
    private var pendingEvents: [Event] = []
    /// The pending events' attributes, encoded on the collector's thread as they arrive (so that the writer only
    /// binds and steps): one buffer, and where each event's text ends (an empty text is no attributes).
    private var pendingAttributes: [UInt8] = []
    private var pendingEnds: [Int] = []
    private var pendingWarnings: [CollectorWarning] = []
    private var statement: OpaquePointer?
    public private(set) var eventCount: Int64 = 0
    public private(set) var warningCount: Int64 = 0
    public private(set) var sampleCount: Int64 = 0
    /// Series by handle, with their row ids once written.
    private var seriesInfo: [SeriesInfo] = []
    private var seriesHandle: [String: Int] = [:]
    /// The block being filled for each series, and the encoded blocks waiting for the next write.
    private var openBlocks: [SampleBlock] = []
    private var pendingBlocks: [(series: Int, block: EncodedBlock)] = []
    private var bufferedSamples = 0
    /// Handles below this have their `series` row.
    private var seriesSent = 0
    /// Row ids of the series, by handle: the writer's own.
    private var writerSeriesRowID: [Int64] = []
    private let writer = DispatchQueue(label: "jikocho.ingest-run.writer")
    /// One batch in flight: taken before a batch is handed to the writer, given back when it is written.
    private let inFlight = DispatchSemaphore(value: 1)
    private var writerError: Error?
    /// Samples held in memory (open and pending blocks) before they are written, whatever the number of series.
    public var sampleBatch = 500_000
    private var closed = false
    /// Loading without the events table's indexes (see `beginIngest`); the writer drops them with its first batch.
    public let bulk: Bool
    private var indexesDropped = false
    /// Called after each batch is written with the run's counts so far: for a progress display.
    public var onBatch: ((IngestProgress) -> Void)?

    init(case owner: Case, id: Int64, evidenceID: Int64, collector: String, actor: String, batchSize: Int, bulk: Bool) {
        self.owner = owner
        self.id = id
        self.evidenceID = evidenceID
        self.collector = collector
        self.actor = actor
        self.batchSize = batchSize
        self.bulk = bulk
        pendingEvents.reserveCapacity(batchSize)
    }

    deinit {
        // A batch in flight holds the run, so none is in flight here.
        if let statement {
            let s = statement
            owner.dbQueue.inDatabase { _ in _ = sqlite3_finalize(s) }
        }
    }

    public func emit(_ event: Event) throws {
        var event = event
        if !event.attributes.isEmpty {
            pendingAttributes.append(contentsOf: event.attributes.json)
            event.attributes = Attributes()
        }
        pendingEnds.append(pendingAttributes.count)
        pendingEvents.append(event)
        let n = pendingEvents.count
        if n >= batchSize {
            try send()
        } else if n >= earlyBatch, n % 256 == 0, inFlight.wait(timeout: .now()) == .success {
            // The writer is idle: it gets what there is rather than waiting for a full batch.
            try send(holdingWriter: true)
        }
    }

    /// The fewest events a batch is handed over with before it is full, when the writer is idle (`emit`).
    ///
    /// When the collector is the bound (a capture: its decoders take longer per event than the writer), full batches
    /// leave the writer idle while one fills and, when the collector ends, a full batch and the one before it to write
    /// with nothing else going on: a fifth of a second on the 52 MB Modbus capture, 6% of its `investigate`. Handed
    /// over whenever the writer is free, batches stay small there and the run ends soon after its collector. When the
    /// writer is the bound (a log), it is never free when asked and batches stay full, so that each transaction's
    /// fixed costs (the commit, the full-text segment) are spread over as many rows as before. Where batches end is
    /// then a matter of timing; nothing stored depends on it but which second counts are kept (`EventCounts`), and
    /// readers count exactly either way.
    var earlyBatch: Int { min(batchSize, 1_000) }

    public func warn(_ warning: CollectorWarning) throws {
        pendingWarnings.append(warning)
        if pendingWarnings.count >= batchSize { try send() }
    }

    public func defineSeries(_ info: SeriesInfo) throws -> Int {
        if let h = seriesHandle[info.name] { return h }
        let h = seriesInfo.count
        seriesInfo.append(info)
        seriesHandle[info.name] = h
        openBlocks.append(SampleBlock())
        return h
    }

    public func emit(_ sample: Sample, series: Int) throws {
        openBlocks[series].append(sample)
        bufferedSamples += 1
        if openBlocks[series].isFull {
            pendingBlocks.append((series, EncodedBlock(openBlocks[series])))
            openBlocks[series] = SampleBlock()
        }
        if bufferedSamples >= sampleBatch { try send() }
    }

    /// A block ready to store, with the figures its `sample_blocks` row carries.
    struct EncodedBlock: Sendable {
        var firstTime, minTime, maxTime: Int64
        var count, numbers: Int
        var minValue, maxValue: Double?
        var data: [UInt8]

        init(_ b: SampleBlock) {
            firstTime = b.firstTime
            minTime = b.minTime
            maxTime = b.maxTime
            count = b.count
            numbers = b.numbers
            minValue = b.numbers > 0 && b.minValue.isFinite ? b.minValue : nil
            maxValue = b.numbers > 0 && b.maxValue.isFinite ? b.maxValue : nil
            data = b.encoded()
        }
    }

    static let insertSQL = """
        INSERT INTO events (time, recorded_time, time_desc, domain, kind, host, asset, src_ip, src_port, src_mac,
            dst_ip, dst_port, dst_mac, user, message, attributes, tags, evidence_id, collector, collector_version,
            locator, run_id)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        """

    /// What one transaction writes.
    struct Batch: Sendable {
        var events: [Event]
        var attributes: [UInt8]
        var ends: [Int]
        var warnings: [CollectorWarning]
        var blocks: [(series: Int, block: EncodedBlock)]
        /// Series defined since the last batch, in handle order.
        var newSeries: [SeriesInfo]
        var samples: Int
    }

    /// Writes everything buffered and waits until it is in the case.
    public func flush() throws {
        try send()
        try drain()
    }

    /// Hands what is buffered to the writer (after the batch before it is written) and returns. `holdingWriter`: the
    /// caller has already taken the writer's turn (`inFlight`).
    private func send(holdingWriter: Bool = false) throws {
        guard !closed else {
            if holdingWriter { inFlight.signal() }
            throw CaseError(.invalidArgument, "ingest run #\(id) is already closed", hint: nil)
        }
        // Every open block goes out with the batch, so a run's samples are all written when `flush` returns.
        for h in openBlocks.indices where !openBlocks[h].isEmpty {
            pendingBlocks.append((h, EncodedBlock(openBlocks[h])))
            openBlocks[h] = SampleBlock()
        }
        guard !pendingEvents.isEmpty || !pendingWarnings.isEmpty || !pendingBlocks.isEmpty
                || seriesSent < seriesInfo.count else {
            if holdingWriter { inFlight.signal() }
            return
        }
        let batch = Batch(events: pendingEvents, attributes: pendingAttributes, ends: pendingEnds, warnings: pendingWarnings, blocks: pendingBlocks,
                          newSeries: Array(seriesInfo[seriesSent...]),
                          samples: pendingBlocks.reduce(0) { $0 + $1.block.count })
        seriesSent = seriesInfo.count
        pendingEvents.removeAll(keepingCapacity: true)
        pendingAttributes.removeAll(keepingCapacity: true)
        pendingEnds.removeAll(keepingCapacity: true)
        pendingWarnings.removeAll(keepingCapacity: true)
        pendingBlocks.removeAll(keepingCapacity: true)
        bufferedSamples = 0
        if !holdingWriter { inFlight.wait() }
        if let e = writerError {
            inFlight.signal()
            throw e
        }
        onBatch?(IngestProgress(events: eventCount, warnings: warningCount, samples: sampleCount))
        writer.async { [self] in
            do {
                try write(batch)
            } catch {
                writerError = error
            }
            inFlight.signal()
        }
    }

    /// Waits for the batch in flight and throws its error, if any.
    private func drain() throws {
        inFlight.wait()
        // The written batch's block is released on the writer once it has run: wait for that too, so that nothing
        // holds the run (and through it the case and its writer lock) once `flush` returns.
        writer.sync {}
        defer { inFlight.signal() }
        if let e = writerError {
            writerError = nil
            throw e
        }
        onBatch?(IngestProgress(events: eventCount, warnings: warningCount, samples: sampleCount))
    }

    /// Evidence ids this run's rows have cited that are in the case (the writer's own).
    private var citedEvidence: Set<Int64> = []

    /// On the writer: every evidence id the batch's events and warnings cite is in the case, or the batch is refused.
    private func checkCitedEvidence(_ batch: Batch, db: Database) throws {
        var last: Int64?
        func check(_ id: Int64, _ locator: String) throws {
            guard id != last else { return }
            last = id
            guard !citedEvidence.contains(id) else { return }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM evidence WHERE id = ?", arguments: [id]) != nil else {
                throw CaseError(.invalidArgument, "run #\(self.id) was given a row of evidence #\(id) (\(locator)), which is not in the case",
                                hint: "the collector \(collector) must cite the evidence it reads")
            }
            citedEvidence.insert(id)
        }
        for e in batch.events { try check(e.provenance.evidenceID, e.provenance.locator) }
        for w in batch.warnings { try check(w.evidenceID, w.locator) }
    }

    /// On the writer: one batch in one transaction.
    private func write(_ batch: Batch) throws {
        let runID = id
        var extraWarnings = 0
        try Case.map(doing: "writing events of run #\(id)") {
            try owner.dbQueue.inDatabase { db in
                if statement == nil {
                    var s: OpaquePointer?
                    let rc = sqlite3_prepare_v3(db.sqliteConnection, IngestRun.insertSQL, -1,
                                                UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
                    guard rc == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: rc),
                                                                     message: db.lastErrorMessage) }
                    statement = s
                }
                // Foreign keys are checked here rather than by SQLite row by row (a lookup in `evidence` and one in
                // `ingest_runs` for each event, 8% of a log's writer): the run is this one, and each evidence id a
                // batch cites is looked up once. The pragma cannot change inside a transaction; it is on again after.
                try checkCitedEvidence(batch, db: db)
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                try db.inTransaction(.immediate) {
                    if bulk, !indexesDropped, !batch.events.isEmpty {
                        for (name, _) in Schema.eventIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(name)") }
                        indexesDropped = true
                    }
                    let before = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM events") ?? 0
                    let withNUL = try IngestRun.insert(batch, runID: runID, statement: statement!, db: db)
                    // The batch's messages go into the full-text index with it, on this thread, while the collector
                    // reads on: at the end of the run that took a tenth of a capture's ingest, on one core.
                    if !batch.events.isEmpty {
                        try db.execute(sql: "INSERT INTO events_fts (rowid, message) SELECT id, message FROM events WHERE id > ?",
                                       arguments: [before])
                    }
                    try EventCounts.add(db, runID: runID, events: batch.events)
                    try writeBlocks(batch, db: db)
                    let nulWarnings = withNUL.map {
                        CollectorWarning(evidenceID: $0.evidenceID, locator: $0.locator,
                                         text: "NUL bytes in the event's text were replaced with U+FFFD")
                    }
                    for w in batch.warnings + nulWarnings {
                        try db.execute(sql: "INSERT INTO warnings (run_id, evidence_id, locator, text) VALUES (?,?,?,?)",
                                       arguments: [runID, w.evidenceID, w.locator, w.text])
                    }
                    extraWarnings = nulWarnings.count
                    try db.execute(sql: """
                        UPDATE ingest_runs SET events = events + ?, warnings = warnings + ?, samples = samples + ?
                        WHERE id = ?
                        """, arguments: [batch.events.count, batch.warnings.count + nulWarnings.count, batch.samples, runID])
                    return .commit
                }
            }
        }
        eventCount += Int64(batch.events.count)
        warningCount += Int64(batch.warnings.count + extraWarnings)
        sampleCount += Int64(batch.samples)
        Case.log.trace("batch written", metadata: ["run.id": "\(id)", "events": "\(batch.events.count)",
                                                   "warnings": "\(batch.warnings.count)", "run.events": "\(eventCount)"])
    }

    /// Writes the series not yet in the case (a series of the same evidence and name is shared between runs), then
    /// the blocks.
    private func writeBlocks(_ batch: Batch, db: Database) throws {
        for info in batch.newSeries {
            try db.execute(sql: """
                INSERT INTO series (name, tag, unit, description, asset, evidence_id) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (evidence_id, name) DO UPDATE SET
                    unit = coalesce(excluded.unit, unit), description = coalesce(excluded.description, description),
                    asset = coalesce(excluded.asset, asset)
                """, arguments: [info.name, info.tag, info.unit, info.description, info.asset, evidenceID])
            guard let rowID = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE evidence_id = ? AND name = ?",
                                                 arguments: [evidenceID, info.name]) else {
                throw CaseError(.io, "series \(info.name) of run #\(id) was not written", hint: nil)
            }
            writerSeriesRowID.append(rowID)
        }
        guard !batch.blocks.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO sample_blocks (series_id, run_id, first_time, min_time, max_time, count, numbers, min_value,
                                       max_value, data)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (h, b) in batch.blocks {
            try insert.execute(arguments: [writerSeriesRowID[h], id, b.firstTime, b.minTime, b.maxTime, b.count, b.numbers,
                                           b.minValue, b.maxValue, Data(b.data)])
        }
    }

    /// The hot loop: bind and step one prepared statement per event.
    ///
    /// An event's texts are copied into one reused buffer and bound from it (`SQLITE_STATIC`), the attributes from the
    /// batch's buffer: no allocation per value, where a transient binding costs SQLite a malloc and a copy of each.
    /// Every value is rebound before each step, so no binding outlives the buffer it points into.
    ///
    /// The table's CHECK constraints are not evaluated for these rows (`PRAGMA ignore_check_constraints` for the
    /// batch): what they guard holds by construction here, and evaluating them (`json_valid` parses each row's
    /// attributes again) cost a sixth of the insert. The domain is an enum, ports are `UInt16`, the attributes and
    /// tags come from `JSONValue`/`AttributeWriter`, which write only valid JSON (tested against SQLite's
    /// `json_valid`), and an empty kind is refused here. Every other writer of the table still has the checks.
    ///
    /// A NUL byte in a text is replaced with U+FFFD: SQLite stores it, but its readers (GRDB among them) end a TEXT at
    /// the first NUL, so the rest would be lost without a word. Returns the locators of the events that had one, for
    /// a warning each.
    static func insert(_ batch: Batch, runID: Int64, statement s: OpaquePointer, db: Database) throws -> [(evidenceID: Int64, locator: String)] {
        var arena = [UInt8]()
        arena.reserveCapacity(4096)
        // The event's text columns in the order they were put, each with where its value lies in the arena; a count
        // of -1 is NULL.
        var texts: [(column: Int32, start: Int, count: Int)] = []
        texts.reserveCapacity(16)
        // Events whose texts held NUL bytes, replaced (SQLite keeps them, but readers of a TEXT stop at the first).
        var withNUL: [(evidenceID: Int64, locator: String)] = []
        @inline(__always) func put(_ column: Int32, _ v: String?) {
            guard let v else { texts.append((column, 0, -1)); return }
            let start = arena.count
            arena.append(contentsOf: v.utf8)
            texts.append((column, start, arena.count - start))
        }
        /// The event's texts again, each NUL as U+FFFD (the slow path, rare: one scan of the arena finds them).
        func replaceNUL() {
            let old = arena
            arena.removeAll(keepingCapacity: true)
            for i in texts.indices where texts[i].count >= 0 {
                let start = arena.count
                for b in old[texts[i].start..<(texts[i].start + texts[i].count)] {
                    if b == 0 { arena.append(contentsOf: [0xEF, 0xBF, 0xBD]) } else { arena.append(b) }
                }
                texts[i].start = start
                texts[i].count = arena.count - start
            }
        }
        @inline(__always) func int(_ i: Int32, _ v: Int64?) {
            if let v { sqlite3_bind_int64(s, i, v) } else { sqlite3_bind_null(s, i) }
        }
        try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
        defer { try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF") }
        try batch.attributes.withUnsafeBytes { attributes in
            var start = 0
            for (i, e) in batch.events.enumerated() {
                guard !e.kind.isEmpty else {
                    throw CaseError(.invalidArgument, "an event of \(e.provenance.locator) has no kind",
                                    hint: "the collector \(e.provenance.collector) must name every event's kind")
                }
                arena.removeAll(keepingCapacity: true)
                texts.removeAll(keepingCapacity: true)
                put(3, e.timeDescription)
                put(4, e.domain.rawValue)
                put(5, e.kind)
                put(6, e.host)
                put(7, e.asset)
                put(8, e.src.ip)
                put(10, e.src.mac)
                put(11, e.dst.ip)
                put(13, e.dst.mac)
                put(14, e.user)
                put(15, e.message)
                put(17, e.tags.isEmpty ? nil : JSONValue.array(e.tags.map { .string($0) }).canonicalJSON)
                put(19, e.provenance.collector)
                put(20, e.provenance.collectorVersion)
                put(21, e.provenance.locator)
                if arena.withUnsafeBufferPointer({ memchr($0.baseAddress!, 0, $0.count) }) != nil {
                    replaceNUL()
                    let locator = texts[texts.count - 1]    // column 21, put last
                    withNUL.append((e.provenance.evidenceID,
                                    String(decoding: arena[locator.start..<(locator.start + locator.count)], as: UTF8.self)))
                }
                int(1, e.time.nanoseconds)
                int(2, e.recordedTime.nanoseconds)
                int(9, e.src.port.map(Int64.init))
                int(12, e.dst.port.map(Int64.init))
                int(18, e.provenance.evidenceID)
                int(22, runID)
                let end = batch.ends[i]
                if end == start {
                    sqlite3_bind_null(s, 16)
                } else {
                    bindText(s, 16, UnsafeRawBufferPointer(rebasing: attributes[start..<end]))
                }
                start = end
                let rc = arena.withUnsafeBytes { b -> Int32 in
                    for t in texts {
                        if t.count < 0 {
                            sqlite3_bind_null(s, t.column)
                        } else {
                            bindText(s, t.column, UnsafeRawBufferPointer(rebasing: b[t.start..<(t.start + t.count)]))
                        }
                    }
                    let rc = sqlite3_step(s)
                    sqlite3_reset(s)
                    return rc
                }
                guard rc == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: db.lastErrorMessage,
                                        sql: insertSQL)
                }
            }
        }
        sqlite3_clear_bindings(s)
        return withNUL
    }

    /// Writes what is buffered, indexes the run's messages for full-text search and marks the run complete, with a
    /// custody entry giving the counts.
    @discardableResult
    public func finish() throws -> IngestSummary {
        let flushStart = Date()
        try flush()
        let finishStart = Date()
        closed = true
        let seriesWritten = seriesInfo.count
        let (id, events, warnings, collector, evidenceID, actor, samples) =
            (self.id, eventCount, warningCount, self.collector, self.evidenceID, self.actor, sampleCount)
        let detail = custodyDetail(events: events, warnings: warnings, samples: samples, series: seriesWritten)
        try owner.write { db in
            if let statement {
                sqlite3_finalize(statement)
                self.statement = nil
            }
            // A bulk run's indexes, built once over everything it loaded.
            let indexStart = Date()
            try Schema.ensureEventIndexes(db)
            Case.log.debug("run finishing", metadata: [
                "run.id": "\(id)", "last-batch.s": "\(finishStart.timeIntervalSince(flushStart))",
                "indexes.s": "\(Date().timeIntervalSince(indexStart))"])
            try db.execute(sql: "UPDATE ingest_runs SET status = 'complete', finished_at = ? WHERE id = ?",
                           arguments: [Timestamp.now.nanoseconds, id])
            try CustodyEntry.append(db, actor: actor, action: "ingest.run", subject: "run #\(id)",
                                    detail: .object(detail))
        }
        return IngestSummary(runID: id, evidenceID: evidenceID, collector: collector, events: events,
                             warnings: warnings, samples: samples, series: seriesWritten)
    }

    private func custodyDetail(events: Int64, warnings: Int64, samples: Int64, series: Int) -> [String: JSONValue] {
        var d: [String: JSONValue] = ["evidence": .int(evidenceID), "collector": .string(collector),
                                      "events": .int(events), "warnings": .int(warnings), "status": "complete"]
        if samples > 0 || series > 0 {
            d["samples"] = .int(samples)
            d["series"] = .int(Int64(series))
        }
        return d
    }

    /// Ends a run that cannot go on (the evidence could not be read at all): its rows are removed and the run is
    /// marked failed with the reason.
    public func fail(reason: String) throws {
        try? drain()
        closed = true
        pendingEvents.removeAll()
        pendingAttributes.removeAll()
        pendingEnds.removeAll()
        pendingWarnings.removeAll()
        pendingBlocks.removeAll()
        openBlocks = openBlocks.map { _ in SampleBlock() }
        let (id, actor, collector, evidenceID) = (self.id, self.actor, self.collector, self.evidenceID)
        try owner.write { db in
            if let statement {
                sqlite3_finalize(statement)
                self.statement = nil
            }
            try Schema.deleteRunRows(db, runID: id)
            try Schema.ensureEventIndexes(db)
            try db.execute(sql: """
                UPDATE ingest_runs SET status = 'failed', finished_at = ?, events = 0, warnings = 0, samples = 0,
                    note = ?
                WHERE id = ?
                """, arguments: [Timestamp.now.nanoseconds, reason, id])
            try CustodyEntry.append(db, actor: actor, action: "ingest.failed", subject: "run #\(id)",
                                    detail: ["evidence": .int(evidenceID), "collector": .string(collector),
                                             "reason": .string(reason)])
        }
    }
}

extension Case {
    /// The version of the SQLite library cases are written with, as loaded (`jikocho --version`).
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}

import Collectors
import Foundation
import GRDB
import JikochoModel

/// What `ingest` did with one evidence item.
public enum IngestOutcome: Sendable {
    case ingested(EvidenceItem, IngestSummary)
    /// A complete run of the same collector version exists; nothing was read again.
    case alreadyIngested(EvidenceItem, runID: Int64, collector: String, events: Int64)
    /// No collector reads this kind of file; the evidence is kept, hashed, and listed.
    case notParsed(EvidenceItem)
    /// The collector could not read it at all; the run is marked failed with the reason.
    case failed(EvidenceItem, collector: String, reason: String)
}

public struct IngestOptions: Sendable {
    /// A collector name (`log/syslog`) to use instead of identification.
    public var collector: String?
    public var timeZone: String?
    public var host: String?
    public var year: Int?
    /// Collector-specific options (`jsonl.time` = the field holding the time), recorded with the run.
    public var collectorOptions: [String: String]
    /// Load without the events table's indexes and build them at the end of each run (`IngestRun.bulk`); nil: when
    /// a run will likely add more events than the case holds.
    public var bulk: Bool?
    /// Threads a collector may parse one item with (EVTX chunks side by side); every core by default. The events
    /// are the same whatever the number.
    public var threads: Int
    /// Items an `IngestQueue` reads at once on threads of their own, handing their events to the calling thread;
    /// 0 reads each item on the calling thread. The case is the same whatever the number. The default leaves two
    /// cores to the calling thread (encoding and batching) and the writer and reads ahead on the others: none on a
    /// 2-core machine, where the hand-over measured slower than reading in place.
    public var readAhead: Int

    public static var defaultReadAhead: Int { max(0, Parallel.cores - 2) }

    public init(collector: String? = nil, timeZone: String? = nil, host: String? = nil, year: Int? = nil,
                collectorOptions: [String: String] = [:], bulk: Bool? = nil, threads: Int = Parallel.cores,
                readAhead: Int = IngestOptions.defaultReadAhead)
    {
        self.bulk = bulk
        self.threads = max(1, threads)
        self.readAhead = max(0, readAhead)
        self.collector = collector
        self.timeZone = timeZone
        self.host = host
        self.year = year
        self.collectorOptions = collectorOptions
    }
}

extension Case {
    /// The collector for an item: the one named, or the surest by identification; nil when none accepts it.
    public func collector(for item: EvidenceItem, named: String? = nil) throws -> (any Collector.Type)? {
        if let named {
            guard let c = CollectorRegistry.named(named) else {
                throw CaseError(.invalidArgument, "no collector named \(named)",
                                hint: "use one of: " + CollectorRegistry.all.map { $0.name }.joined(separator: ", "))
            }
            return c
        }
        return CollectorRegistry.identify(try probe(item))
    }

    /// Name, MIME type and first bytes of an item, for identification.
    public func probe(_ item: EvidenceItem) throws -> EvidenceProbe {
        let path = objectPath(sha256: item.sha256)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CaseError(.notFound, "the stored copy of evidence #\(item.id) is missing",
                            hint: "run `jikocho verify \(directory.path)`")
        }
        defer { Glibc.close(fd) }
        var head = [UInt8](repeating: 0, count: EvidenceProbe.headSize)
        let n = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
        return EvidenceProbe(name: item.name, mimeType: item.mimeType, head: Array(head.prefix(max(0, n))), path: path)
    }

    /// Runs the right collector over one evidence item, as one ingest run.
    public func ingest(_ item: EvidenceItem, options: IngestOptions = IngestOptions(),
                       progress: ((IngestProgress) -> Void)? = nil) throws -> IngestOutcome
    {
        switch try prepareIngest(item, options: options) {
        case .outcome(let o): return o
        case .read(let plan):
            return try runIngest(plan, options: options, progress: progress) { sink in
                try plan.collector.init().collect(plan.source, into: sink)
            }
        }
    }

    /// What reading one item takes, worked out before anything is written (so that items further on can be read
    /// ahead while an earlier one is written: `IngestQueue`).
    struct IngestPlan: @unchecked Sendable {
        var item: EvidenceItem
        var collector: any Collector.Type
        var source: EvidenceSource
        var runOptions: [String: String]
        /// The time zone to record on the item first (given now, the item had none).
        var annotateTimeZone: String?
    }

    enum Prepared: @unchecked Sendable {
        case outcome(IngestOutcome)
        case read(IngestPlan)
    }

    /// The collector, options and source of an item's run; reads the case, writes nothing.
    func prepareIngest(_ item: EvidenceItem, options: IngestOptions, tags: [String: TagKnowledge]? = nil) throws -> Prepared {
        guard let collector = try collector(for: item, named: options.collector) else { return .outcome(.notParsed(item)) }
        if let tz = options.timeZone { try Case.checkTimeZone(tz) }
        let previous = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT id, events FROM ingest_runs
                WHERE evidence_id = ? AND collector = ? AND collector_version = ? AND status = 'complete'
                ORDER BY id DESC LIMIT 1
                """, arguments: [item.id, collector.name, collector.version])
        }
        if let previous {
            return .outcome(.alreadyIngested(item, runID: previous["id"], collector: collector.name,
                                             events: previous["events"]))
        }
        var item = item
        var annotate: String?
        if let tz = options.timeZone, item.timeZone == nil {
            annotate = tz
            item.timeZone = tz
        }
        var runOptions = options.collectorOptions
        if let tz = options.timeZone ?? item.timeZone { runOptions["tz"] = tz }
        if let h = options.host { runOptions["host"] = h }
        if let y = options.year { runOptions["year"] = String(y) }
        // The inventory's tag maps inform the historian collectors (setpoints, limits, owning asset); the run
        // records which inventory it read, since its derived events depend on it.
        let tags = try tags ?? TagKnowledge.of(try assets())
        if !tags.isEmpty, collector.name.hasPrefix("historian/") {
            runOptions["inventory.tags"] = String(tags.count)
        }
        let source = EvidenceSource(item: item, path: objectPath(sha256: item.sha256), options: runOptions, tags: tags,
                                    threads: options.threads)
        return .read(IngestPlan(item: item, collector: collector, source: source, runOptions: runOptions,
                                annotateTimeZone: annotate))
    }

    /// The run of a prepared item: what `read` gives the sink is written, and the run finished (or failed, when
    /// `read` throws anything but the case's own error).
    func runIngest(_ plan: IngestPlan, options: IngestOptions, progress: ((IngestProgress) -> Void)?,
                   read readItem: (EventSink) throws -> Void) throws -> IngestOutcome
    {
        let item = plan.item
        if let tz = plan.annotateTimeZone {
            // The declared zone belongs to the evidence: record it there, in custody.
            try write { db in
                try db.execute(sql: "UPDATE evidence SET time_zone = ? WHERE id = ?", arguments: [tz, item.id])
                try CustodyEntry.append(db, actor: examiner, action: "evidence.annotate", subject: "evidence #\(item.id)",
                                        detail: ["time_zone": .string(tz)])
            }
        }
        // A run that will likely add more events than the case holds loads without the indexes and builds them at
        // its end (cheaper than keeping them up to date row by row); a small run into a large case keeps them. The
        // estimate is low on purpose: one event per 2 KiB of evidence (captures and logs give several times more).
        let bulk = try options.bulk ?? (item.size / 2048 > max(read { db in
            try Int64.fetchOne(db, sql: "SELECT max(id) FROM events") ?? 0
        }, 10_000))
        let run = try beginIngest(evidenceID: item.id, collector: plan.collector.name,
                                  collectorVersion: plan.collector.version, options: plan.runOptions, bulk: bulk)
        run.onBatch = progress
        do {
            try readItem(run)
        } catch let e as CaseError {
            throw e    // the case itself failed (disk, lock): not the evidence's fault
        } catch {
            try run.fail(reason: "\(error)")
            return .failed(item, collector: plan.collector.name, reason: "\(error)")
        }
        let summary = try run.finish()
        // Times of an item whose clock has a correction are put right as soon as its events are in.
        try write { db in try applyClockCorrections(db, evidenceIDs: [item.id]) }
        return .ingested(item, summary)
    }
}

import Collectors
import Foundation
import JikochoModel

/// Ingests a list of evidence items in order while reading ahead: each item's collector reads on a thread of its
/// own, up to `IngestOptions.readAhead` items at once, and hands what it reads to the thread that writes the item's run, in chunks
/// through a bounded queue. The runs are written one after another in the list's order, each item's events in the
/// order its collector gave them, so the case (event ids, runs, custody) is the same as when the items are read one
/// by one; only the reading overlaps, with the writing of the item before and with the encoding and storing of the
/// item's own events (three threads for one item: its collector, the run's encoding and batching, the writer).
///
/// Memory stays bounded: a collector waits when its item's queue holds `Handoff.maxChunks` chunks.
public final class IngestQueue {
    let owner: Case
    public let items: [EvidenceItem]
    let options: IngestOptions
    /// Items read at once (the one being written and those ahead of it).
    let readers: Int
    private var next = 0
    private var prepared: [Int: Result<Case.Prepared, Error>] = [:]
    private var reading: [Int: Reader] = [:]
    private var tags: [String: TagKnowledge]?

    /// One item's collector on its own thread.
    final class Reader: @unchecked Sendable {
        let handoff = Handoff()
        let done = DispatchSemaphore(value: 0)

        init(_ plan: Case.IngestPlan) {
            let handoff = handoff, done = done
            let thread = Thread {
                var failure: Error?
                do {
                    try plan.collector.init().collect(plan.source, into: handoff)
                } catch {
                    failure = error
                }
                handoff.close(failure)
                done.signal()
            }
            thread.name = "jikocho.read #\(plan.item.id)"
            thread.stackSize = 8 << 20
            thread.start()
        }

        /// Stops the collector (its next hand-over throws) and waits for its thread to end.
        func stop() {
            handoff.cancel()
            done.wait()
        }
    }

    /// `options.readAhead` items are read at once; with none, each item is read on the calling thread as
    /// `Case.ingest` does.
    public init(case owner: Case, items: [EvidenceItem], options: IngestOptions = IngestOptions()) {
        self.owner = owner
        self.items = items
        self.options = options
        readers = options.readAhead
    }

    deinit { stop() }

    /// Stops the collectors still reading (after an error, or when the caller gives up part way).
    public func stop() {
        for (_, r) in reading { r.stop() }
        reading.removeAll()
    }

    /// Ingests the next item of the list (they are taken in order), as `Case.ingest` would.
    public func ingestNext(progress: ((IngestProgress) -> Void)? = nil) throws -> IngestOutcome {
        precondition(next < items.count, "every item of the queue is ingested")
        let i = next
        next += 1
        guard readers > 0 else { return try owner.ingest(items[i], options: options, progress: progress) }
        // The collectors of this item and of those ahead are reading (or start now).
        for k in i..<min(items.count, i + readers) where prepared[k] == nil {
            let p = Result { () -> Case.Prepared in
                if tags == nil { tags = TagKnowledge.of(try owner.assets()) }
                return try owner.prepareIngest(items[k], options: options, tags: tags)
            }
            prepared[k] = p
            if case .success(.read(let plan)) = p { reading[k] = Reader(plan) }
        }
        let mine = prepared.removeValue(forKey: i)!
        let reader = reading.removeValue(forKey: i)
        do {
            switch try mine.get() {
            case .outcome(let o): return o
            case .read(let plan):
                defer { reader?.stop() }
                return try owner.runIngest(plan, options: options, progress: progress) { sink in
                    try reader!.handoff.replay(into: sink)
                }
            }
        } catch {
            stop()
            throw error
        }
    }
}

/// Between a collector reading on its own thread and the run that stores what it reads: every event, warning,
/// series and sample, in the order given, handed over in chunks through a bounded queue and replayed into the run
/// by the thread that owns it. The collector waits when the queue is full, and its next hand-over throws once the
/// run has stopped taking them.
final class Handoff: EventSink, @unchecked Sendable {
    enum Piece {
        case event(Event)
        case warning(CollectorWarning)
        case series(SeriesInfo, handle: Int)
        case sample(Sample, series: Int)
    }

    static let chunkSize = 1024
    static let maxChunks = 16

    struct Stopped: Error, CustomStringConvertible {
        var description: String { "the run stopped taking events" }
    }

    private let condition = NSCondition()
    private var chunks: [[Piece]] = []
    private var first = 0
    private var closed = false
    private var failure: Error?
    private var cancelled = false
    /// The collector's side: the chunk being filled and the series handles given out.
    private var filling: [Piece] = []
    private var handles: [String: Int] = [:]

    init() { filling.reserveCapacity(Self.chunkSize) }

    // MARK: The collector's side

    func emit(_ event: Event) throws { try put(.event(event)) }
    func warn(_ warning: CollectorWarning) throws { try put(.warning(warning)) }

    func defineSeries(_ info: SeriesInfo) throws -> Int {
        if let h = handles[info.name] { return h }
        let h = handles.count
        handles[info.name] = h
        try put(.series(info, handle: h))
        return h
    }

    func emit(_ sample: Sample, series: Int) throws { try put(.sample(sample, series: series)) }

    private func put(_ p: Piece) throws {
        filling.append(p)
        if filling.count >= Self.chunkSize { try hand() }
    }

    private func hand() throws {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count - first >= Self.maxChunks, !cancelled { condition.wait() }
        if cancelled { throw Stopped() }
        chunks.append(filling)
        condition.broadcast()
        filling = []
        filling.reserveCapacity(Self.chunkSize)
    }

    /// The collector is done (with its error, when it failed): what it gave is all there is.
    func close(_ error: Error?) {
        condition.lock()
        defer { condition.unlock() }
        if !filling.isEmpty, !cancelled { chunks.append(filling) }
        filling = []
        closed = true
        failure = error
        condition.broadcast()
    }

    // MARK: The run's side

    /// Gives the sink everything in order until the collector is done; throws the collector's error, if any (the
    /// sink's own errors stop the collector and are thrown too).
    func replay(into sink: EventSink) throws {
        var runHandle: [Int: Int] = [:]
        while let chunk = try take() {
            do {
                for p in chunk {
                    switch p {
                    case .event(let e): try sink.emit(e)
                    case .warning(let w): try sink.warn(w)
                    case .series(let info, let h): runHandle[h] = try sink.defineSeries(info)
                    case .sample(let s, let h): try sink.emit(s, series: runHandle[h] ?? h)
                    }
                }
            } catch {
                cancel()
                throw error
            }
        }
    }

    /// The next chunk, nil once the collector is done and every chunk taken.
    private func take() throws -> [Piece]? {
        condition.lock()
        defer { condition.unlock() }
        while first == chunks.count, !closed { condition.wait() }
        if first == chunks.count {
            if let failure { throw failure }
            return nil
        }
        let chunk = chunks[first]
        chunks[first] = []
        first += 1
        if first > 64 {
            chunks.removeFirst(first)
            first = 0
        }
        condition.broadcast()
        return chunk
    }

    /// The run takes no more: the collector's next hand-over throws, and what waits is let go.
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        chunks.removeAll()
        first = 0
        condition.broadcast()
    }
}

import JikochoModel

/// The part of a capture's analysis that depends on nothing but one flow: its protocol decoder, the routine summaries
/// of its polls, and its closing. The analyzer's front (link and IP decoding, fragments, the flow table, TCP
/// reassembly, protocol detection, sweeps) decides what each flow gets and in what order; a worker does it. With one
/// thread the front calls its worker at once; with several, the front records the calls in a chunk and each worker runs
/// those of its own flows (a flow's number modulo the workers), on a thread of its own, and the outputs are put back in
/// the order the calls were made (`AnalyzerChunk`): the same outputs in the same order whatever the number of threads.
final class FlowWorker {
    let limits: NetworkAnalyzer.Limits
    /// Where decoders write; drained into `results` at the points the front names.
    var out = DecodeOutput()
    /// What this worker found, in order.
    var results: [NetworkAnalyzer.Output] = []
    var messages = 0
    var protocolMessages = 0
    var aggregated = 0

    init(limits: NetworkAnalyzer.Limits) {
        self.limits = limits
    }

    /// One call of the front's. A recorded data call's bytes are in `arena` (the chunk's); the front delivers data at
    /// once by `data` itself, with libpcap's bytes.
    func perform(_ call: AnalyzerChunk.Call, _ arena: UnsafeRawBufferPointer) {
        switch call {
        case .data(let flow, let range, let ctx): data(flow, UnsafeRawBufferPointer(rebasing: arena[range]), ctx)
        case .gap(let flow, let ctx): gap(flow, ctx)
        case .finish(let flow, let ctx): finish(flow, ctx)
        case .drain(let flow): drain(flow)
        case .close(let flow): close(flow)
        }
    }

    func data(_ flow: Flow, _ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext) {
        out.routines = flow.routines
        flow.decoder?.data(bytes, ctx, &out)
    }

    func gap(_ flow: Flow, _ ctx: PacketContext) {
        out.routines = flow.routines
        flow.decoder?.gap(ctx, &out)
    }

    func finish(_ flow: Flow, _ ctx: PacketContext) {
        out.routines = flow.routines
        flow.decoder?.finish(ctx, &out)
    }

    /// What the flow's decoder produced since the last drain: its warnings, then its messages (routine repeats counted
    /// into their summaries).
    func drain(_ flow: Flow) {
        // A decoder that began a message's fields and then gave it up leaves them to nobody: the next message starts
        // from an empty writer whatever a decoder did.
        out.writer.discard()
        if flow.routines.absorbed > 0 {
            protocolMessages += flow.routines.absorbed
            aggregated += flow.routines.absorbed
            flow.routines.absorbed = 0
        }
        guard !out.isEmpty else { return }
        for w in out.warnings { results.append(.warning(w)) }
        for m in out.messages { route(m, flow) }
        out.messages.removeAll(keepingCapacity: true)
        out.warnings.removeAll(keepingCapacity: true)
    }

    /// The flow's end: its running summaries in the order they began, then the flow itself.
    func close(_ flow: Flow) {
        // The decoder's name can change as it learns (TPKT turns out to carry S7comm or RDP).
        if let name = flow.decoder?.protocolName { flow.app = name }
        flow.unreadable = flow.decoder?.unreadable
        // In the order they began: by packet, and within one packet (several messages in it) as they came, never in the
        // dictionary's order, which differs from run to run.
        for agg in flow.routines.aggregates.values.sorted(by: { ($0.firstPacket, $0.order) < ($1.firstPacket, $1.order) }) {
            flushRoutine(agg)
        }
        flow.routines.aggregates = [:]
        results.append(.flow(flow))
    }

    // MARK: - routine aggregation

    func route(_ m: NetMessage, _ flow: Flow) {
        protocolMessages += m.messages
        guard let key = m.routineKey, limits.aggregateRoutine else { return emit(m) }
        let values = m.valueHash ?? (m.fields["response_values"] ?? m.fields["response_objects"] ?? m.fields["objects"]).map { $0.hashValue }
        if var agg = flow.routines.aggregates[key] {
            if m.time - agg.firstTime > limits.routineWindowNanos {
                flushRoutine(agg)
                agg = flow.routines.begin(m, values: values)
                agg.count = 1
                agg.single = m
                agg.messages = m.messages
                flow.routines.aggregates[key] = agg
                aggregated += m.messages
                return
            }
            agg.count += 1
            agg.single = agg.count == 1 ? m : nil
            agg.messages += m.messages
            agg.lastTime = m.time
            agg.lastPacket = m.packet
            if let v = values, v != agg.lastValues {
                agg.valueChanges += 1
                agg.lastValues = v
            }
            flow.routines.aggregates[key] = agg
            aggregated += m.messages
        } else if flow.routines.aggregates.count < limits.maxRoutinesPerFlow {
            // The first of its kind is kept as itself: a new poll pattern can be the finding.
            flow.routines.aggregates[key] = flow.routines.begin(m, values: values)
            emit(m)
        } else {
            emit(m)
        }
    }

    func flushRoutine(_ agg: RoutineAggregate) {
        guard agg.count > 0 else { return }
        if agg.count == 1, let one = agg.single { return emit(one) }
        var m = agg.first
        var f = m.fields
        for k in ["transaction_id", "request_packet", "response_packet", "latency_ms", "response_values", "note",
                  "sequence", "invoke_id", "pdu_reference"] {
            f[k] = nil
        }
        f["repeats"] = .int(Int64(agg.count))
        f["messages"] = .int(Int64(agg.messages))
        f["first_packet"] = .int(Int64(agg.firstPacket))
        f["last_packet"] = .int(Int64(agg.lastPacket))
        f["last_time"] = .string(Timestamp(nanoseconds: agg.lastTime).iso8601())
        if agg.count > 1 {
            f["mean_interval_ms"] = .double(Double(agg.lastTime - agg.firstTime) / Double(agg.count - 1) / 1e6)
        }
        f["value_changes"] = .int(Int64(agg.valueChanges))
        m.kind += "_summary"
        m.time = agg.firstTime
        m.packet = agg.firstPacket
        // Messages whose content could not be read are summarized as such, not called routine.
        m.summary = "\(agg.count) × " + m.summary + (f["unreadable"] != nil ? " (content unreadable, summarized)" : " (routine, summarized)")
        m.fields = f
        m.messages = agg.messages
        m.routineKey = nil
        emit(m)
    }

    func emit(_ m: NetMessage) {
        messages += 1
        results.append(.message(m))
    }
}

/// The flow work the front recorded for a run of packets, one list per worker, each call numbered in the order the
/// front made it; and the front's own outputs (warnings) with their numbers. `run(worker:)` on different workers may
/// go on side by side; putting every output in the order of its number gives what one thread gives.
public final class AnalyzerChunk: @unchecked Sendable {
    enum Call {
        case data(Flow, Range<Int>, PacketContext)
        case gap(Flow, PacketContext)
        case finish(Flow, PacketContext)
        case drain(Flow)
        case close(Flow)
    }

    /// The front's outputs, each with its number.
    public internal(set) var front: [(order: Int, output: NetworkAnalyzer.Output)] = []
    var calls: [[(order: Int, call: Call)]]
    /// The payload bytes the data calls deliver (libpcap reuses its buffer).
    var bytes: [UInt8] = []
    let workers: [FlowWorker]
    /// Packets read into this chunk.
    public internal(set) var packets = 0
    /// The number of its first output or call.
    var firstOrder = 0

    init(workers: [FlowWorker]) {
        self.workers = workers
        calls = Array(repeating: [], count: workers.count)
    }

    public var workerCount: Int { workers.count }

    /// Runs the calls of worker `w` in order, handing each output to `body` with the number of the call that made it.
    /// Only one thread may run a given worker at a time, and chunks must be run in the order they were made.
    public func run(worker w: Int, _ body: (Int, NetworkAnalyzer.Output) -> Void) {
        let worker = workers[w]
        bytes.withUnsafeBytes { b in
            for (order, call) in calls[w] {
                worker.perform(call, b)
                if !worker.results.isEmpty {
                    for o in worker.results { body(order, o) }
                    worker.results.removeAll(keepingCapacity: true)
                }
            }
        }
    }
}

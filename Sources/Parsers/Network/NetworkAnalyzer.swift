import JikochoModel

/// Packets in, flows and protocol messages out: link/IP decoding, fragment reassembly, the flow table,
/// TCP reassembly, protocol detection by content, the protocol decoders, and routine-traffic aggregation.
/// Pure: the collector feeds it packets from libpcap and drains `output` after each one.
public final class NetworkAnalyzer {
    public struct Limits: Sendable {
        /// Flows held at once; past it the least recently active tenth are closed (and reported).
        public var maxFlows = 100_000
        /// A flow with no packet for this long (capture time) is closed.
        public var idleTimeoutNanos: Int64 = 600_000_000_000
        /// Bytes waiting for a hole to be filled, per direction of a flow.
        public var maxPendingPerStream = 1 << 20
        /// Bytes waiting in all streams together (the reassembly memory guard).
        public var maxPendingTotal = 64 << 20
        /// Bytes in incomplete IP datagrams.
        public var maxFragmentBytes = 16 << 20
        /// Repeats of a routine message are summarized over windows of this length.
        public var routineWindowNanos: Int64 = 300_000_000_000
        /// Routine keys per flow; past it, messages are kept one by one.
        public var maxRoutinesPerFlow = 1024
        /// Off: every routine message is kept as its own event.
        public var aggregateRoutine = true
        /// Off: a frame the capture holds twice (a SPAN or tap copy, the second copy of a PRP or HSR frame) is decoded
        /// twice ([DuplicateFrames]).
        public var discardCopies = true

        public init() {}
    }

    public struct Counters: Sendable {
        public var packets = 0
        public var bytes: Int64 = 0
        public var ip = 0
        public var nonIP = 0
        /// IEEE 802.3 frames with LLC (BACnet/Ethernet uses DSAP 0x82, spanning tree 0x42): counted, not decoded.
        public var llc = 0
        /// IEC 61850 GOOSE and Sampled Values frames (not IP, decoded by the analyzer's front).
        public var goose = 0
        public var sampledValues = 0
        public var malformed = 0
        public var truncated = 0
        public var fragments = 0
        public var reassembledDatagrams = 0
        public var flows = 0
        /// IP packets (or reassembled datagrams) decoded from inside an encapsulation, and how many went through each
        /// kind (indexed as `Encapsulation.Kind.all`).
        public var encapsulated = 0
        /// Frames discarded as copies of one just read: identical (a SPAN session or two taps), the second copy of a PRP
        /// frame (the other LAN) or of an HSR frame (the other way round the ring).
        public var identicalCopies = 0
        public var prpCopies = 0
        public var hsrCopies = 0
        public var copies: Int { identicalCopies + prpCopies + hsrCopies }
        public var byEncapsulation = [Int](repeating: 0, count: Encapsulation.Kind.all.count)

        mutating func count(_ layers: ArraySlice<Encapsulation>) {
            encapsulated += 1
            for l in layers { byEncapsulation[l.kind.index] += 1 }
        }

        /// "erspan-ii 1200, vxlan 40": the kinds met, with their packets.
        public var encapsulationSummary: String {
            zip(Encapsulation.Kind.all, byEncapsulation).filter { $0.1 > 0 }.map { "\($0.0.rawValue) \($0.1)" }
                .joined(separator: ", ")
        }
    }

    /// Messages the decoders made, those they stand for (a request with its answer is two), and those counted into
    /// routine summaries rather than kept. With workers on other threads, read once every chunk has been run.
    public var messageCounts: (messages: Int, protocolMessages: Int, aggregated: Int) {
        workers.reduce(into: (0, 0, 0)) { c, w in
            c.messages += w.messages
            c.protocolMessages += w.protocolMessages
            c.aggregated += w.aggregated
        }
    }

    public enum Output {
        case message(NetMessage)
        case flow(Flow)
        case warning(NetWarning)
    }

    public let link: LinkType
    public var limits: Limits
    public private(set) var counters = Counters()
    /// What happened since the last drain, in order (with one worker; with several, see `takeChunk`).
    public var output: [Output] {
        get { workers[0].results }
        _modify { yield &workers[0].results }
    }

    var flows: [FlowKey: Flow] = [:]
    /// The layers the packet being read came through (the decoder's, reused packet after packet). Held through a
    /// pointer of the analyzer's own, so that lending it to the decoder is not an access of a class property to be
    /// checked for exclusivity on every packet (which cost the Modbus capture's collector 2–3%).
    let layerList: UnsafeMutablePointer<[Encapsulation]> = {
        let p = UnsafeMutablePointer<[Encapsulation]>.allocate(capacity: 1)
        p.initialize(to: [])
        return p
    }()

    /// The last frames, to know a copy of one of them.
    var recentFrames = DuplicateFrames()

    deinit {
        layerList.deinitialize(count: 1)
        layerList.deallocate()
        recentFrames.release()
    }
    /// GOOSE and Sampled Values publishers, followed on the front.
    lazy var streams = SubstationStreams(window: limits.routineWindowNanos)
    var fragments = FragmentReassembler()
    /// The flows' own work: one worker called at once, or several whose calls are recorded in `chunk`.
    let workers: [FlowWorker]
    var chunk: AnalyzerChunk?
    /// Calls recorded for each worker so far.
    var load: [Int]
    /// The number of the next output or recorded call, which orders them when the workers' outputs are put together.
    var order = 0
    var nextFlowID = 1
    var pendingTotal = 0
    var lastSweep: Int64?
    var now: Int64 = 0
    var warnedFlowLimit = false
    var warnedPendingLimit = false

    struct FlowKey: Hashable {
        var a: IPAddress
        var b: IPAddress
        var aPort: UInt16
        var bPort: UInt16
        var proto: UInt8
    }

    /// With `workers` above 1 the flows' work is recorded rather than done: take it with `takeChunk()` and run each
    /// worker's part of it on a thread of its own (`AnalyzerChunk.run`).
    public init(link: LinkType, limits: Limits = Limits(), workers: Int = 1) {
        self.link = link
        self.limits = limits
        fragments.maxTotal = limits.maxFragmentBytes
        self.workers = (0..<max(1, workers)).map { _ in FlowWorker(limits: limits) }
        load = Array(repeating: 0, count: self.workers.count)
        if self.workers.count > 1 { chunk = AnalyzerChunk(workers: self.workers) }
    }

    /// The flow work recorded since the last call and the front's outputs among it (nil with one worker, whose
    /// outputs are in `output`).
    public func takeChunk() -> AnalyzerChunk? {
        guard let c = chunk else { return nil }
        chunk = AnalyzerChunk(workers: workers)
        chunk?.firstOrder = order
        return c
    }

    /// The chunk holds enough to hand over: packets read, or calls recorded (a sweep or the end of the capture closes
    /// many flows at once).
    public var chunkIsFull: Bool {
        guard let chunk else { return false }
        return chunk.packets >= 4096 || order - chunk.firstOrder >= 16384
    }

    /// One captured packet: its bytes, capture time (ns since 1970) and number (1-based).
    public func packet(_ bytes: UnsafeRawBufferPointer, time: Int64, number: Int) {
        chunk?.packets += 1
        counters.packets += 1
        counters.bytes += Int64(bytes.count)
        if limits.discardCopies, let copy = recentFrames.copy(bytes, time: time, ethernet: link == .ethernet) {
            switch copy {
            case .identical: counters.identicalCopies += 1
            case .prp: counters.prpCopies += 1
            case .hsr: counters.hsrCopies += 1
            }
            return
        }
        now = time
        switch PacketDecoder.decode(bytes, link: link, layers: &layerList.pointee) {
        case .malformed(let why):
            counters.malformed += 1
            warn(number, why)
        case .other:
            counters.nonIP += 1
        case .llc:
            counters.nonIP += 1
            counters.llc += 1
        case .substation(let type, let offset, let link):
            substation(type, UnsafeRawBufferPointer(rebasing: bytes[offset...]), link, time: time, number: number)
        case .ip(let p):
            counters.ip += 1
            if p.truncated { counters.truncated += 1 }
            if p.isFragment { reassemble(p, bytes, time: time, number: number) } else { toFlow(p, bytes, time: time, number: number) }
        }
        if lastSweep == nil { lastSweep = time }
        if let last = lastSweep, time.subtractingReportingOverflow(last).partialValue > 10_000_000_000 || flows.count > limits.maxFlows {
            sweep(time)
        }
    }

    /// A warning of the reader's about this packet (its time clamped, the file damaged after it), in its place among
    /// the analyzer's outputs.
    public func note(packet: Int, _ text: String) {
        warn(packet, text)
    }

    /// End of the capture: every flow is closed and reported, every pending request emitted. `between` is called
    /// after each flow, so that a caller can take what is ready rather than hold every open flow's output at once.
    public func finish(_ between: () -> Void = {}) {
        for (key, flow) in flows.sorted(by: { $0.value.id < $1.value.id }) {
            close(flow)
            flows[key] = nil
            between()
        }
        for first in fragments.drain() {
            warn(first, "IP datagram incomplete at the end of the capture (fragments from packet \(first) on)")
        }
        if counters.goose + counters.sampledValues > 0 {
            streams.flush(at: nil) { emit(.message($0)) }
            between()
        }
    }

    // MARK: - transport and flows

    /// A whole IP packet (or datagram) to its flow, counted among the encapsulated when it came through a tunnel.
    @inline(__always)
    func toFlow(_ p: DecodedPacket, _ bytes: UnsafeRawBufferPointer, time: Int64, number: Int) {
        if p.depth > 0 { counters.count(layerList.pointee.prefix(Int(p.depth))) }
        transport(p, bytes, time: time, number: number)
    }

    /// An IP fragment to the reassembler and, when its datagram is whole, that to its flow. The datagram may itself be
    /// a tunnel whose inner packet is a fragment: it goes round again (as deep as encapsulations nest, which the
    /// decoder bounds).
    func reassemble(_ p: DecodedPacket, _ bytes: UnsafeRawBufferPointer, time: Int64, number: Int) {
        counters.fragments += 1
        let payload = UnsafeRawBufferPointer(rebasing: bytes[p.l4Offset..<p.l4End])
        switch fragments.add(p, payload: payload, time: time, packet: number) {
        case .incomplete: break
        case .dropped(let why): warn(number, "IP fragment: \(why)")
        case .complete(let datagram, let first, let conflicting):
            counters.reassembledDatagrams += 1
            if conflicting {
                warn(number, "IP fragments overlap with different bytes (first fragment packet \(first)); the first copy was kept")
            }
            var q = p
            q.l4Offset = 0
            q.l4End = datagram.count
            q.fragmentOffset = 0
            q.moreFragments = false
            q.truncated = false
            datagram.withUnsafeBytes { d in
                switch PacketDecoder.decodeTransport(d, into: &q, layers: &layerList.pointee) {
                case .ip(let r):
                    if r.isFragment { reassemble(r, d, time: time, number: number) } else { toFlow(r, d, time: time, number: number) }
                case .malformed(let why):
                    counters.malformed += 1
                    warn(number, "reassembled datagram: \(why)")
                case .other, .llc:
                    // A tunnel's datagram that carried a frame other than IP.
                    counters.nonIP += 1
                case .substation(let type, let offset, let link):
                    substation(type, UnsafeRawBufferPointer(rebasing: d[offset...]), link, time: time, number: number)
                }
            }
        }
    }

    func transport(_ p: DecodedPacket, _ b: UnsafeRawBufferPointer, time: Int64, number: Int) {
        let src = NetEndpoint(p.src, p.srcPort), dst = NetEndpoint(p.dst, p.dstPort)
        let key = src.ip < dst.ip || (src.ip == dst.ip && src.port <= dst.port)
            ? FlowKey(a: src.ip, b: dst.ip, aPort: src.port, bPort: dst.port, proto: p.proto)
            : FlowKey(a: dst.ip, b: src.ip, aPort: dst.port, bPort: src.port, proto: p.proto)
        let flow: Flow
        if let f = flows[key], !(f.closed && p.tcpFlags & 0x12 == 0x02 && time - f.lastTime > 1_000_000_000) {
            flow = f
        } else {
            if let old = flows.removeValue(forKey: key) { close(old) }   // the 5-tuple is reused by a new connection
            let clientIsSrc = Self.isClient(src: src, dst: dst, p: p)
            flow = Flow(id: nextFlowID, proto: p.proto, client: clientIsSrc ? src : dst, server: clientIsSrc ? dst : src,
                        time: time, packet: number,
                        routines: RoutineTracker(window: limits.routineWindowNanos, enabled: limits.aggregateRoutine))
            nextFlowID += 1
            counters.flows += 1
            // Which worker does a flow's work changes nothing it gives (its work depends on the flow alone): the one
            // with the least work so far.
            if load.count > 1, let w = load.indices.min(by: { load[$0] < load[$1] }) { flow.worker = w }
            flows[key] = flow
        }
        let fromClient = src == flow.client
        let payloadCount = p.payloadLength
        flow.lastTime = time
        flow.lastPacket = number
        if p.truncated { flow.truncatedPackets += 1 }
        if flow.vlan == nil { flow.vlan = p.vlan }
        if p.depth > 0, flow.encapsulations.isEmpty { flow.encapsulations = Array(layerList.pointee.prefix(Int(p.depth))) }
        if fromClient {
            flow.packetsToServer += 1
            flow.bytesToServer += Int64(payloadCount)
            flow.flagsToServer |= p.tcpFlags
            if flow.clientMAC == nil { flow.clientMAC = p.srcMAC; flow.serverMAC = p.dstMAC }
        } else {
            flow.packetsToClient += 1
            flow.bytesToClient += Int64(payloadCount)
            flow.flagsToClient |= p.tcpFlags
        }
        let ctx = PacketContext(packet: number, time: time, src: src, dst: dst, fromClient: fromClient)
        let payload = UnsafeRawBufferPointer(rebasing: b[p.payloadOffset..<p.payloadEnd])
        if p.proto == PacketDecoder.tcp {
            if p.tcpFlags & 0x05 != 0 { flow.closed = true }
            if flow.opaque { return }
            let syn = p.tcpFlags & 0x02 != 0, fin = p.tcpFlags & 0x01 != 0
            if p.truncated, payloadCount > 0 {
                // A snap-length cut: the rest of the segment is a hole in the stream.
                warnOnce(flow, number, "TCP segment cut by the capture's snap length; its stream has a gap")
            }
            let before = fromClient ? flow.c2s.pendingBytes : flow.s2c.pendingBytes
            if fromClient {
                flow.c2s.maxPendingBytes = limits.maxPendingPerStream
                flow.c2s.add(seq: p.tcpSeq, syn: syn, fin: fin, payload: payload, packet: number) { deliver(flow, $0, ctx) }
                pendingTotal += flow.c2s.pendingBytes - before
            } else {
                flow.s2c.maxPendingBytes = limits.maxPendingPerStream
                flow.s2c.add(seq: p.tcpSeq, syn: syn, fin: fin, payload: payload, packet: number) { deliver(flow, $0, ctx) }
                pendingTotal += flow.s2c.pendingBytes - before
            }
            if pendingTotal > limits.maxPendingTotal {
                // The flow's own output first: what the guard flushes from other flows must not be taken for its.
                drainDecoderOutput(flow)
                relievePending(number)
            }
        } else if payloadCount > 0, !flow.opaque {
            deliver(flow, .data(payload, packet: number), ctx)
        }
        drainDecoderOutput(flow)
    }

    /// The client of a new flow: the SYN sender; otherwise the side on an ephemeral port facing a service port.
    static func isClient(src: NetEndpoint, dst: NetEndpoint, p: DecodedPacket) -> Bool {
        if p.proto == PacketDecoder.tcp {
            if p.tcpFlags & 0x12 == 0x02 { return true }
            if p.tcpFlags & 0x12 == 0x12 { return false }
        }
        let s = ServicePorts.isService(src.port), d = ServicePorts.isService(dst.port)
        if s != d { return d }
        if src.port != dst.port, min(src.port, dst.port) < 1024 { return dst.port < src.port }
        return true
    }

    func deliver(_ flow: Flow, _ piece: TCPStream.Piece, _ ctx: PacketContext) {
        switch piece {
        case .gap(let n, let packet):
            var c = ctx
            c.packet = packet
            warnOnce(flow, packet, "TCP stream \(flow.client) → \(flow.server): \(n) bytes never arrived (lost in the capture, or waited for longer than --max-stream-pending-kib allows); later gaps are counted on the flow")
            if flow.decoder != nil { call(flow, .gap(flow, c)) }
        case .data(let bytes, let packet):
            var c = ctx
            c.packet = max(packet, ctx.packet)
            if flow.decoder == nil {
                flow.detectTries += 1
                if let d = ProtocolDetector.decoder(for: bytes, proto: flow.proto, client: flow.client,
                                                    server: flow.server, fromClient: ctx.fromClient) {
                    flow.decoder = d
                    flow.app = d.protocolName
                } else if let name = ProtocolDetector.name(for: bytes, proto: flow.proto, fromClient: ctx.fromClient) {
                    flow.app = name
                    flow.opaque = true
                    return
                } else {
                    if flow.detectTries >= 4 { flow.opaque = true }
                    return
                }
            }
            flow.undrained = true
            if let chunk {
                let start = chunk.bytes.count
                chunk.bytes.append(contentsOf: bytes)
                record(flow, .data(flow, start..<chunk.bytes.count, c))
            } else {
                workers[0].data(flow, bytes, c)
            }
        }
    }

    /// A call of the flow's worker: made now with one worker, recorded in the chunk with several.
    func call(_ flow: Flow, _ call: AnalyzerChunk.Call) {
        switch call {
        case .gap, .finish: flow.undrained = true
        default: break
        }
        if chunk != nil { record(flow, call) } else { workers[0].perform(call, UnsafeRawBufferPointer(start: nil, count: 0)) }
    }

    func record(_ flow: Flow, _ call: AnalyzerChunk.Call) {
        guard let chunk else { return }
        chunk.calls[flow.worker].append((order, call))
        load[flow.worker] += 1
        order += 1
    }

    /// What the flow's decoder produced since it was last drained goes out now (nothing to do when it was not called).
    func drainDecoderOutput(_ flow: Flow) {
        guard flow.undrained else { return }
        flow.undrained = false
        call(flow, .drain(flow))
    }

    // MARK: - closing flows and limits

    func close(_ flow: Flow) {
        let ctx = PacketContext(packet: flow.lastPacket, time: flow.lastTime, src: flow.client, dst: flow.server,
                                fromClient: true)
        if !flow.opaque {
            var c = ctx
            pendingTotal -= flow.c2s.pendingBytes + flow.s2c.pendingBytes
            flow.c2s.flush { deliver(flow, $0, c) }
            c.fromClient = false
            c.src = flow.server
            c.dst = flow.client
            flow.s2c.flush { deliver(flow, $0, c) }
            if flow.decoder != nil { call(flow, .finish(flow, ctx)) }
            drainDecoderOutput(flow)
        }
        call(flow, .close(flow))
    }

    func sweep(_ time: Int64) {
        lastSweep = time
        if counters.goose + counters.sampledValues > 0 { streams.flush(at: time) { emit(.message($0)) } }
        var gone: [FlowKey] = []
        for (k, f) in flows where time &- f.lastTime > limits.idleTimeoutNanos || (f.closed && time &- f.lastTime > 5_000_000_000) {
            gone.append(k)
        }
        if flows.count - gone.count > limits.maxFlows {
            if !warnedFlowLimit {
                warnedFlowLimit = true
                warn(counters.packets, "more than \(limits.maxFlows) flows open at once: the least recently active are closed early (--max-flows)")
            }
            let goneSet = Set(gone)
            // Ties broken by the flow's number: the same capture closes the same flows on every run.
            let oldest = flows.filter { !goneSet.contains($0.key) }
                .sorted { ($0.value.lastTime, $0.value.id) < ($1.value.lastTime, $1.value.id) }
            gone += oldest.prefix(max(1, limits.maxFlows / 10)).map(\.key)
        }
        for k in gone.sorted(by: { flows[$0]!.id < flows[$1]!.id }) {
            if let f = flows.removeValue(forKey: k) { close(f) }
        }
        for first in fragments.expire(now: time) {
            warn(first, "IP datagram never completed (fragments from packet \(first) on, dropped after 60 s)")
        }
    }

    /// The reassembly memory guard: the streams holding the most waiting bytes give up their holes.
    func relievePending(_ number: Int) {
        if !warnedPendingLimit {
            warnedPendingLimit = true
            warn(number, "TCP reassembly holds more than \(limits.maxPendingTotal) bytes waiting for lost segments: holes are skipped as gaps (--max-reassembly-mib)")
        }
        let heavy = flows.values.filter { $0.c2s.pendingBytes + $0.s2c.pendingBytes > 0 }
            .sorted { a, b in
                let x = a.c2s.pendingBytes + a.s2c.pendingBytes, y = b.c2s.pendingBytes + b.s2c.pendingBytes
                return x != y ? x > y : a.id < b.id
            }
        for flow in heavy {
            guard pendingTotal > limits.maxPendingTotal / 2 else { break }
            let before = flow.c2s.pendingBytes + flow.s2c.pendingBytes
            var c = PacketContext(packet: number, time: now, src: flow.client, dst: flow.server, fromClient: true)
            flow.c2s.flush { deliver(flow, $0, c) }
            c.fromClient = false
            c.src = flow.server
            c.dst = flow.client
            flow.s2c.flush { deliver(flow, $0, c) }
            pendingTotal -= before
            drainDecoderOutput(flow)
        }
    }

    /// A GOOSE or Sampled Values frame: decoded here, on the front (it belongs to no flow), its streams followed by
    /// `streams`.
    func substation(_ type: UInt16, _ b: UnsafeRawBufferPointer, _ link: DecodedPacket, time: Int64, number: Int) {
        let bytes = Array(b)
        let src = link.srcMAC ?? 0, dst = link.dstMAC ?? 0
        if type == GOOSE.etherType {
            counters.goose += 1
            let (m, note) = GOOSE.decode(bytes)
            if let note { warn(number, note) }
            if let m { streams.goose(m, src: src, dst: dst, vlan: link.vlan, time: time, packet: number) { emit(.message($0)) } }
        } else {
            counters.sampledValues += 1
            let (v, note) = GOOSE.decodeSV(bytes)
            if let note { warn(number, note) }
            if let v { streams.sampledValues(v, src: src, dst: dst, vlan: link.vlan, time: time, packet: number) { emit(.message($0)) } }
        }
    }

    func warn(_ packet: Int, _ text: String) {
        emit(.warning(NetWarning(packet: packet, text: text)))
    }

    /// One of the front's own outputs, in its place among the flows' (with workers, numbered in the chunk).
    func emit(_ w: Output) {
        if let chunk {
            chunk.front.append((order, w))
            order += 1
        } else {
            workers[0].results.append(w)
        }
    }

    func warnOnce(_ flow: Flow, _ packet: Int, _ text: String) {
        guard !flow.gapWarned else { return }
        flow.gapWarned = true
        warn(packet, text)
    }
}

/// Well-known service ports, used only to tell client from server when a flow's first packet is not a SYN.
/// Protocols themselves are recognized by content.
public enum ServicePorts {
    static let known: Set<UInt16> = [20, 21, 22, 23, 25, 53, 67, 68, 69, 80, 88, 102, 110, 123, 135, 137, 138, 139,
                                     143, 161, 162, 389, 443, 445, 502, 636, 1433, 1911, 2222, 2404, 3268, 3389,
                                     4840, 5985, 5986, 8080, 8443, 9600, 20000, 44818, 47808]

    public static func isService(_ port: UInt16) -> Bool { known.contains(port) }
}

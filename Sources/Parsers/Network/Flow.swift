/// A connection (TCP) or conversation (UDP and other IP protocols) between two endpoints.
public final class Flow {
    public let id: Int
    public let proto: UInt8
    /// The side that opened the connection (SYN sender), or the side guessed to be the client.
    public let client: NetEndpoint
    public let server: NetEndpoint
    public var clientMAC: UInt64?
    public var serverMAC: UInt64?
    public var vlan: UInt16?
    /// The tunnels the flow's first encapsulated packet came through, outermost first (empty: none).
    public var encapsulations: [Encapsulation] = []
    public var firstTime: Int64
    public var lastTime: Int64
    public var firstPacket: Int
    public var lastPacket: Int
    public var packetsToServer = 0
    public var packetsToClient = 0
    /// Application payload bytes each way.
    public var bytesToServer: Int64 = 0
    public var bytesToClient: Int64 = 0
    public var flagsToServer: UInt8 = 0
    public var flagsToClient: UInt8 = 0
    public var app: String?
    /// The decoder's word that the flow is a control channel it could not read (`FlowDecoder.unreadable`), set when
    /// the flow ends.
    public var unreadable: String?
    public var truncatedPackets = 0

    var c2s = TCPStream()
    var s2c = TCPStream()
    /// Set by the analyzer's front when the protocol is recognized; from then on only the flow's worker calls it.
    var decoder: (any FlowDecoder)?
    var detectTries = 0
    /// No decoder will ever be found: payload is counted, not reassembled.
    var opaque = false
    var closed = false
    var gapWarned = false
    /// The decoder was called since its output was last drained.
    var undrained = false
    /// The analyzer's worker that does this flow's work.
    var worker = 0
    /// Touched only by the flow's worker (`FlowWorker`), never by the analyzer's front.
    let routines: RoutineTracker

    init(id: Int, proto: UInt8, client: NetEndpoint, server: NetEndpoint, time: Int64, packet: Int, routines: RoutineTracker) {
        self.routines = routines
        self.id = id
        self.proto = proto
        self.client = client
        self.server = server
        firstTime = time
        lastTime = time
        firstPacket = packet
        lastPacket = packet
    }

    public var gaps: Int { c2s.gaps + s2c.gaps }
    public var gapBytes: Int64 { c2s.gapBytes + s2c.gapBytes }
    public var retransmittedBytes: Int64 { c2s.retransmittedBytes + s2c.retransmittedBytes }

    /// What became of the connection: `attempt` (SYN, no answer), `rejected` (SYN answered by RST), `reset`,
    /// `closed`, `open` (still open at the end of the capture or when idle), `partial` (began before the capture).
    public var state: String {
        guard proto == PacketDecoder.tcp else { return "conversation" }
        let syn = flagsToServer & 0x02 != 0
        let synAck = flagsToClient & 0x12 == 0x12
        let rst = (flagsToServer | flagsToClient) & 0x04 != 0
        let fin = flagsToServer & 0x01 != 0 && flagsToClient & 0x01 != 0
        if syn, !synAck { return rst ? "rejected" : "attempt" }
        if rst { return "reset" }
        if fin { return "closed" }
        return syn ? "open" : "partial"
    }

    public static func flagNames(_ f: UInt8) -> [String] {
        let names = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
        return (0..<8).compactMap { f & (1 << $0) != 0 ? names[$0] : nil }
    }
}

/// The running routine summaries of one flow, by routine key.
public final class RoutineTracker {
    var aggregates: [Int: RoutineAggregate] = [:]
    /// Summaries begun in this flow so far: each one's place in that sequence orders the flush.
    var created = 0
    let window: Int64
    let enabled: Bool
    /// Messages counted by `absorb` since the analyzer last looked.
    var absorbed = 0

    init(window: Int64, enabled: Bool) {
        self.window = window
        self.enabled = enabled
    }

    /// A new summary that begins with `m`, numbered after the flow's summaries so far.
    func begin(_ m: NetMessage, values: Int?) -> RoutineAggregate {
        created += 1
        return RoutineAggregate(first: m, firstTime: m.time, lastTime: m.time, firstPacket: m.packet, lastPacket: m.packet,
                                lastValues: values, order: created)
    }

    /// Counts a repeat into its running summary when there is one (with at least one repeat already, so that a
    /// lone repeat can still be emitted as itself) and its window is still open.
    public func absorb(key: Int, time: Int64, packet: Int, messages: Int, valueHash: Int?) -> Bool {
        guard enabled, var agg = aggregates[key], agg.count >= 1, time &- agg.firstTime <= window else { return false }
        agg.count += 1
        agg.single = nil
        agg.messages += messages
        agg.lastTime = time
        agg.lastPacket = packet
        if let v = valueHash, v != agg.lastValues {
            agg.valueChanges += 1
            agg.lastValues = v
        }
        aggregates[key] = agg
        absorbed += messages
        return true
    }
}

/// Repeats of a routine message (the same poll again and again) counted in place of one event each.
struct RoutineAggregate {
    var first: NetMessage
    var count = 0            // repeats after the first, which was emitted as itself
    var messages = 0
    var firstTime: Int64 = 0
    var lastTime: Int64 = 0
    var firstPacket = 0
    var lastPacket = 0
    var lastValues: Int?
    /// The only repeat so far, emitted as itself if no other comes.
    var single: NetMessage?
    var valueChanges = 0
    /// When it began among the flow's summaries.
    var order = 0
}

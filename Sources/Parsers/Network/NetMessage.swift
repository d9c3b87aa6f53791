import JikochoModel

/// One side of a flow: address and port.
public struct NetEndpoint: Hashable, Sendable {
    public var ip: IPAddress
    public var port: UInt16

    public init(_ ip: IPAddress, _ port: UInt16) {
        self.ip = ip
        self.port = port
    }
}

extension NetEndpoint: CustomStringConvertible {
    /// `10.0.0.5:502`, `[fe80::1]:502`, as warnings name the ends of a stream.
    public var description: String { ip.isV6 ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
}

/// What a protocol decoder says happened: one request with its response where the protocol pairs them,
/// or one message. The collector turns it into an `Event`.
public struct NetMessage: Sendable {
    /// Nanoseconds since 1970 (capture clock) of the first packet of the message (the request's).
    public var time: Int64
    /// Packet number (1-based, as Wireshark counts) where the message completed.
    public var packet: Int
    public var domain: Domain
    /// Dotted kind, `ics.modbus.write`.
    public var kind: String
    /// Who sent the message (for a pair: who sent the request).
    public var src: NetEndpoint
    public var dst: NetEndpoint
    public var summary: String
    /// The message's own fields, in their stored form.
    public var fields: Attributes
    /// Routine traffic (a poll repeated many times a second) with the key that says what "the same" means;
    /// nil for messages that are always kept.
    public var routineKey: Int?
    /// How many protocol messages this stands for (2 for a request with its response); also in `fields`.
    public var messages: Int
    /// A hash of the values the message carries (registers read, points reported), to count value changes in
    /// a routine summary.
    public var valueHash: Int?
    /// The account the message names (its `user` field when that is text and not empty), so that the collector
    /// need not search every message's fields for one.
    public var user: String?
    /// A message with no IP (GOOSE, Sampled Values): its ends are these MAC addresses, not `src` and `dst`. A
    /// reference, so that every other message grows by one word, not three.
    public var link: LinkEnds?

    public init(time: Int64, packet: Int, domain: Domain, kind: String, src: NetEndpoint, dst: NetEndpoint,
                summary: String, fields: Attributes, routineKey: Int? = nil, messages: Int = 1,
                valueHash: Int? = nil) {
        var fields = fields
        fields["messages"] = .int(Int64(messages))
        if ControlPoint.isCommand(kind: kind), fields["control"] == nil, fields["command_packet"] == nil {
            fields["control"] = Self.commandControl
        }
        self.init(time: time, packet: packet, domain: domain, kind: kind, src: src, dst: dst, summary: summary,
                  complete: fields, routineKey: routineKey, messages: messages, valueHash: valueHash, lookForUser: true)
    }

    /// The same message with its fields written by a decoder into `writer`, which is left empty for the next.
    public init(time: Int64, packet: Int, domain: Domain, kind: String, src: NetEndpoint, dst: NetEndpoint,
                summary: String, writer: inout AttributeWriter, routineKey: Int? = nil, messages: Int = 1,
                valueHash: Int? = nil) {
        writer.int("messages", messages)
        // Commands carry the control facts too (no points): what reasons on them needs no protocol's kind names. An
        // answer a decoder keeps as a message of its own (naming its command's packet) is not a command.
        if ControlPoint.isCommand(kind: kind), !writer.contains("control"), !writer.contains("command_packet") {
            writer.value("control", Self.commandControl)
        }
        let named = writer.contains("user")
        self.init(time: time, packet: packet, domain: domain, kind: kind, src: src, dst: dst, summary: summary,
                  complete: writer.finish(), routineKey: routineKey, messages: messages, valueHash: valueHash,
                  lookForUser: named)
    }

    /// Fields that already carry the message count and the control facts.
    private init(time: Int64, packet: Int, domain: Domain, kind: String, src: NetEndpoint, dst: NetEndpoint,
                 summary: String, complete fields: Attributes, routineKey: Int?, messages: Int, valueHash: Int?,
                 lookForUser: Bool) {
        self.time = time
        self.packet = packet
        self.domain = domain
        self.kind = kind
        self.src = src
        self.dst = dst
        self.summary = summary
        self.fields = fields
        self.routineKey = routineKey
        self.messages = messages
        self.valueHash = valueHash
        // The decoders that name a user (OPC UA, RDP, HTTP, SMB2) build their fields as a dictionary; a writer's
        // members are checked by key before the text is searched.
        if lookForUser, case .string(let u)? = fields["user"], !u.isEmpty { user = u }
    }

    static let commandControl: JSONValue = .object(["action": "command"])
}

/// The MAC addresses of a message that has no IP.
public final class LinkEnds: Sendable {
    public let src: UInt64
    public let dst: UInt64

    public init(_ src: UInt64, _ dst: UInt64) {
        self.src = src
        self.dst = dst
    }
}

/// A problem in one packet or stream that did not stop the reading.
public struct NetWarning: Sendable, Hashable {
    public var packet: Int
    public var text: String

    public init(packet: Int, text: String) {
        self.packet = packet
        self.text = text
    }
}

/// Where decoders put what they find. One per analyzer; the analyzer drains it after each packet.
public struct DecodeOutput {
    public var messages: [NetMessage] = []
    public var warnings: [NetWarning] = []
    /// Where a decoder writes the fields of the message it is building (one buffer for every flow's messages).
    public var writer = AttributeWriter()
    /// The running routine summaries of the flow being decoded (set by the analyzer).
    public var routines: RoutineTracker?

    /// True when a routine message with this key was counted into its running summary: the decoder then need
    /// not build the message at all.
    public func absorb(key: Int?, time: Int64, packet: Int, messages: Int, valueHash: Int?) -> Bool {
        guard let key, let routines else { return false }
        return routines.absorb(key: key, time: time, packet: packet, messages: messages, valueHash: valueHash)
    }

    public init() {}

    public var isEmpty: Bool { messages.isEmpty && warnings.isEmpty }

    public mutating func warn(_ packet: Int, _ text: String) {
        warnings.append(NetWarning(packet: packet, text: text))
    }
}

/// The packet being decoded: its number, time and the flow's two ends as seen from this packet.
public struct PacketContext {
    public var packet: Int
    public var time: Int64
    /// The sender and receiver of this packet.
    public var src: NetEndpoint
    public var dst: NetEndpoint
    public var fromClient: Bool

    public init(packet: Int, time: Int64, src: NetEndpoint, dst: NetEndpoint, fromClient: Bool) {
        self.packet = packet
        self.time = time
        self.src = src
        self.dst = dst
        self.fromClient = fromClient
    }
}

/// A decoder of one application protocol on one flow. Stream decoders receive the bytes of each direction in
/// order (after TCP reassembly), in whatever pieces they arrived; datagram decoders receive whole datagrams.
public protocol FlowDecoder: AnyObject {
    /// Short protocol name as in `net.flow`'s `app` field: `modbus`, `s7comm`, `dnp3`.
    var protocolName: String { get }
    func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput)
    /// Bytes missing from a direction (lost in capture): framing must start again.
    func gap(_ ctx: PacketContext, _ out: inout DecodeOutput)
    /// The flow ends (closed, idle or end of capture): requests without a response are emitted as such.
    func finish(_ ctx: PacketContext, _ out: inout DecodeOutput)
    /// Set when the flow is a control channel whose content this decoder could not read (encrypted): what it was and
    /// why, for the flow's `unreadable` attribute. Writes and commands over such a channel are invisible to every
    /// decoder, which a reader of an investigation must be told.
    var unreadable: String? { get }
}

extension FlowDecoder {
    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {}
    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {}
    public var unreadable: String? { nil }
}

/// Framing warnings of one flow: the first few are listed with their packet, the rest counted, so that a stream of
/// garbage cannot flood the warnings table.
public struct WarningBudget {
    public private(set) var count = 0
    public let listed: Int

    public init(listed: Int = 5) {
        self.listed = listed
    }

    public mutating func warn(_ out: inout DecodeOutput, _ packet: Int, _ text: String) {
        count += 1
        if count <= listed { out.warn(packet, text) }
    }

    /// At the end of the flow: how many were not listed.
    public func finish(_ out: inout DecodeOutput, _ packet: Int, _ what: String) {
        if count > listed { out.warn(packet, "\(what): \(count - listed) more framing errors on this flow (first \(listed) listed)") }
    }
}

/// Requests waiting for their response, by the protocol's key (transaction id, request id, message id), oldest
/// first, at most `limit` of them: what no longer fits comes back to be reported unanswered.
public struct PendingRequests<Key: Hashable, Value> {
    private var byKey: [Key: Value] = [:]
    private var order: [Key] = []
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    /// Files a request. Returns those it displaces: an unanswered one with the same key, then the oldest when over
    /// the limit.
    public mutating func add(_ key: Key, _ value: Value) -> [Value] {
        var displaced: [Value] = []
        if let old = byKey.removeValue(forKey: key) { displaced.append(old) } else { order.append(key) }
        byKey[key] = value
        if byKey.count > limit, let first = order.first {
            order.removeFirst()
            if let old = byKey.removeValue(forKey: first) { displaced.append(old) }
        }
        return displaced
    }

    /// The request with this key, no longer waiting.
    public mutating func take(_ key: Key) -> Value? {
        guard let v = byKey.removeValue(forKey: key) else { return nil }
        order.removeAll { $0 == key }
        return v
    }

    /// The oldest waiting request that matches, left waiting.
    public func first(where match: (Value) -> Bool) -> Value? {
        order.lazy.compactMap { byKey[$0] }.first(where: match)
    }

    /// Everything still waiting, oldest first; the table is empty afterwards.
    public mutating func drain() -> [Value] {
        defer {
            byKey = [:]
            order = []
        }
        return order.compactMap { byKey[$0] }
    }
}

import JikochoModel

/// OPC UA binary (IEC 62541-6): HEL/ACK/OPN/MSG/CLO/ERR framing with chunks joined, the secure channel's
/// security policy and mode, and for unencrypted channels the service with what matters to an investigator:
/// nodes and values written, methods called, nodes added or deleted, the session's name and the user identity type.
public enum OPCUA {
    public static let port: UInt16 = 4840

    /// Binary encoding ids of the services (Opc.Ua.NodeIds.csv, `*_Encoding_DefaultBinary`).
    public static func serviceName(_ id: Int) -> String { serviceNames[id] ?? "service-\(id)" }

    /// True for the binary encoding id of a service this decoder knows.
    static func isService(_ id: Int) -> Bool { serviceNames[id] != nil }

    static let serviceNames: [Int: String] = [
            397: "service_fault", 422: "find_servers", 425: "find_servers_response", 428: "get_endpoints",
            431: "get_endpoints_response", 437: "register_server", 446: "open_secure_channel",
            449: "open_secure_channel_response", 452: "close_secure_channel", 455: "close_secure_channel_response",
            461: "create_session", 464: "create_session_response", 467: "activate_session",
            470: "activate_session_response", 473: "close_session", 476: "close_session_response", 479: "cancel",
            488: "add_nodes", 491: "add_nodes_response", 494: "add_references", 497: "add_references_response",
            500: "delete_nodes", 503: "delete_nodes_response", 506: "delete_references", 509: "delete_references_response",
            527: "browse", 530: "browse_response", 533: "browse_next", 536: "browse_next_response",
            554: "translate_browse_paths", 557: "translate_browse_paths_response", 560: "register_nodes",
            563: "register_nodes_response", 566: "unregister_nodes", 569: "unregister_nodes_response",
            631: "read", 634: "read_response", 664: "history_read", 667: "history_read_response", 673: "write",
            676: "write_response", 700: "history_update", 703: "history_update_response", 712: "call",
            715: "call_response", 751: "create_monitored_items", 754: "create_monitored_items_response",
            763: "modify_monitored_items", 766: "modify_monitored_items_response", 769: "set_monitoring_mode",
            772: "set_monitoring_mode_response", 775: "set_triggering", 781: "delete_monitored_items",
            784: "delete_monitored_items_response", 787: "create_subscription", 790: "create_subscription_response",
            793: "modify_subscription", 796: "modify_subscription_response", 799: "set_publishing_mode",
            802: "set_publishing_mode_response", 826: "publish", 829: "publish_response", 832: "republish",
            835: "republish_response", 841: "transfer_subscriptions", 847: "delete_subscriptions",
            850: "delete_subscriptions_response", 12208: "register_server2",
        ]

    /// Attribute ids (IEC 62541-6, AttributeIds.csv).
    public static let attributeNames: [Int: String] = [
        1: "NodeId", 2: "NodeClass", 3: "BrowseName", 4: "DisplayName", 5: "Description", 6: "WriteMask",
        7: "UserWriteMask", 8: "IsAbstract", 9: "Symmetric", 10: "InverseName", 11: "ContainsNoLoops",
        12: "EventNotifier", 13: "Value", 14: "DataType", 15: "ValueRank", 16: "ArrayDimensions", 17: "AccessLevel",
        18: "UserAccessLevel", 19: "MinimumSamplingInterval", 20: "Historizing", 21: "Executable",
        22: "UserExecutable", 23: "DataTypeDefinition", 24: "RolePermissions", 25: "UserRolePermissions",
        26: "AccessRestrictions", 27: "AccessLevelEx",
    ]

    static let identityTokens: [Int: String] = [321: "anonymous", 324: "username", 327: "x509", 940: "issued"]

    /// Services that change the server (kept); the rest of an unencrypted session is routine.
    static let changes: Set<String> = ["write", "call", "add_nodes", "delete_nodes", "add_references", "delete_references",
                                       "history_update", "register_server", "register_server2"]

    struct Reader {
        var c: ByteCursor
        var depth = 0

        init(_ b: [UInt8], from: Int = 0) { c = ByteCursor(b, from: from) }

        mutating func string() -> String? {
            guard let n = c.u32le().map({ Int32(bitPattern: $0) }) else { return nil }
            if n < 0 { return "" }
            guard n <= 65_536, let s = c.take(Int(n)) else { return nil }
            return printable(s, limit: 4096)
        }

        mutating func bytes() -> ArraySlice<UInt8>? {
            guard let n = c.u32le().map({ Int32(bitPattern: $0) }) else { return nil }
            if n < 0 { return [] }
            return c.take(Int(n))
        }

        /// NodeId as text (`i=2253`, `ns=2;s=Pump1.Speed`).
        mutating func nodeID() -> (text: String, numeric: Int?)? {
            guard let enc = c.u8() else { return nil }
            var text: String
            var numeric: Int?
            switch enc & 0x3F {
            case 0: guard let v = c.u8() else { return nil }; numeric = Int(v); text = "i=\(v)"
            case 1: guard let ns = c.u8(), let v = c.u16le() else { return nil }; numeric = Int(v); text = ns == 0 ? "i=\(v)" : "ns=\(ns);i=\(v)"
            case 2: guard let ns = c.u16le(), let v = c.u32le() else { return nil }; numeric = Int(v); text = ns == 0 ? "i=\(v)" : "ns=\(ns);i=\(v)"
            case 3: guard let ns = c.u16le(), let s = string() else { return nil }; text = "ns=\(ns);s=\(s)"
            case 4: guard let ns = c.u16le(), let g = c.take(16) else { return nil }; text = "ns=\(ns);g=\(Hex.string(g))"
            case 5: guard let ns = c.u16le(), let b = bytes() else { return nil }; text = "ns=\(ns);b=\(Hex.string(b, limit: 32))"
            default: return nil
            }
            if enc & 0x80 != 0 { guard let uri = string() else { return nil }; text = "nsu=\(uri);" + text }
            if enc & 0x40 != 0 { guard c.u32le() != nil else { return nil } }
            return (text, numeric)
        }

        /// ExtensionObject: type id, and its body when binary-encoded.
        mutating func extensionObject() -> (type: Int?, body: [UInt8])? {
            guard let t = nodeID(), let enc = c.u8() else { return nil }
            if enc == 0 { return (t.numeric, []) }
            guard let b = bytes() else { return nil }
            return (t.numeric, Array(b))
        }

        mutating func skipRequestHeader() -> Bool {
            guard nodeID() != nil, c.skip(8 + 4 + 4), string() != nil, c.skip(4), extensionObject() != nil else { return false }
            return true
        }

        /// Variant value (scalar or array of the built-in types an investigator reads; others as hex).
        mutating func variant() -> JSONValue? {
            depth += 1
            defer { depth -= 1 }
            guard depth < 8, let mask = c.u8() else { return nil }
            let type = mask & 0x3F
            if mask & 0x80 != 0 {
                guard let n = c.u32le().map({ Int32(bitPattern: $0) }) else { return nil }
                if n < 0 { return .array([]) }
                var out: [JSONValue] = []
                for _ in 0..<min(Int(n), 4096) {
                    guard let v = scalar(type) else { return nil }
                    if out.count < 64 { out.append(v) }
                }
                if mask & 0x40 != 0, let dims = c.u32le(), dims < 16 { _ = c.skip(Int(dims) * 4) }
                return .array(out)
            }
            return scalar(type)
        }

        mutating func scalar(_ type: UInt8) -> JSONValue? {
            switch type {
            case 0: return .null
            case 1: return c.u8().map { .bool($0 != 0) }
            case 2: return c.u8().map { .int(Int64(Int8(bitPattern: $0))) }
            case 3: return c.u8().map { .int(Int64($0)) }
            case 4: return c.u16le().map { .int(Int64(Int16(bitPattern: $0))) }
            case 5: return c.u16le().map { .int(Int64($0)) }
            case 6: return c.u32le().map { .int(Int64(Int32(bitPattern: $0))) }
            case 7: return c.u32le().map { .int(Int64($0)) }
            case 8: return c.u64le().map { .int(Int64(bitPattern: $0)) }
            case 9: return c.u64le().map { $0 > UInt64(Int64.max) ? .string(String($0)) : .int(Int64($0)) }
            case 10: return c.u32le().map { .double(Double(Float(bitPattern: $0))) }
            case 11: return c.u64le().map { .double(Double(bitPattern: $0)) }
            case 12: return string().map { .string($0) }
            case 13: return c.u64le().map { ft in Timestamp(filetime: ft).map { .string($0.iso8601()) } ?? .int(Int64(bitPattern: ft)) }
            case 14: return c.take(16).map { .string(Hex.string($0)) }
            case 15: return bytes().map { .string(Hex.string($0, limit: 64)) }
            case 16: return string().map { .string($0) }   // XmlElement
            case 17, 18: return nodeID().map { .string($0.text) }
            case 19: return c.u32le().map { .int(Int64($0)) }   // StatusCode
            case 20: guard let ns = c.u16le(), let n = string() else { return nil }; return .string("\(ns):\(n)")
            case 21:
                guard let m = c.u8() else { return nil }
                var text = ""
                if m & 1 != 0 { _ = string() }
                if m & 2 != 0 { text = string() ?? "" }
                return .string(text)
            case 22: return extensionObject().map { .string("extension object \($0.type ?? -1)") }
            case 23:   // DataValue
                guard let m = c.u8() else { return nil }
                var v: JSONValue = .null
                if m & 1 != 0 { v = variant() ?? .null }
                if m & 2 != 0 { _ = c.skip(4) }
                if m & 4 != 0 { _ = c.skip(8) }
                if m & 16 != 0 { _ = c.skip(2) }
                if m & 8 != 0 { _ = c.skip(8) }
                if m & 32 != 0 { _ = c.skip(2) }
                return v
            case 24: return variant()
            default: return nil
            }
        }
    }

    public struct Message: Sendable {
        public var type: String
        public var chunk: Character
        public var size: Int
        public var channel: UInt32?
        public var policy: String?
        public var sequence: UInt32?
        public var requestID: UInt32?
        public var service: Int?
        public var endpoint: String?
        public var errorCode: UInt32?
        public var reason: String?
        public var fields: [String: JSONValue] = [:]
        /// Body after the sequence header (MSG, OPN, CLO): decoded once the last chunk is in.
        public var body: [UInt8] = []
    }

    static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard b.count >= 8 else { return .needMore }
        let t = String(decoding: [b[0], b[1], b[2]], as: UTF8.self)
        guard ["HEL", "ACK", "OPN", "MSG", "CLO", "ERR", "RHE"].contains(t) else { return .invalid("no OPC UA message type") }
        let size = Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24
        guard size >= 8 else { return .invalid("OPC UA message size \(size) < 8") }
        return .frame(size)
    }

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 8 else { return false }
        let t = String(decoding: [b[0], b[1], b[2]], as: UTF8.self)
        guard ["HEL", "ACK", "OPN", "MSG", "CLO", "ERR", "RHE"].contains(t), [UInt8(ascii: "F"), UInt8(ascii: "C"), UInt8(ascii: "A")].contains(b[3]) else { return false }
        let size = Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24
        return size >= 8 && size <= 16 << 20
    }

    /// The header part of a message; `body` is what follows the sequence header.
    public static func decodeHeader(_ f: [UInt8]) -> Message? {
        guard f.count >= 8 else { return nil }
        var m = Message(type: String(decoding: f[0..<3], as: UTF8.self), chunk: Character(Unicode.Scalar(f[3])), size: f.count)
        var r = Reader(f, from: 8)
        switch m.type {
        case "HEL":
            guard r.c.skip(20) else { return m }
            m.endpoint = r.string()
        case "ACK":
            break
        case "ERR":
            m.errorCode = r.c.u32le()
            m.reason = r.string()
        case "OPN":
            m.channel = r.c.u32le()
            m.policy = r.string()
            _ = r.bytes()
            _ = r.bytes()
            m.sequence = r.c.u32le()
            m.requestID = r.c.u32le()
            m.body = Array(r.c.rest)
        case "MSG", "CLO":
            m.channel = r.c.u32le()
            _ = r.c.u32le()
            m.sequence = r.c.u32le()
            m.requestID = r.c.u32le()
            m.body = Array(r.c.rest)
        default:
            break
        }
        return m
    }

    /// The service of a (whole, unencrypted) body and its parameters.
    public static func decodeBody(_ body: [UInt8], into m: inout Message) {
        var r = Reader(body)
        guard let id = r.nodeID(), let n = id.numeric else { return }
        m.service = n
        let name = serviceName(n)
        var f = m.fields
        if name.hasSuffix("_response") || name == "service_fault" {
            // ResponseHeader: timestamp, request handle, service result.
            if r.c.skip(8), r.c.skip(4), let result = r.c.u32le() { f["service_result"] = .int(Int64(result)) }
            m.fields = f
            return
        }
        guard r.skipRequestHeader() else {
            m.fields = f
            return
        }
        switch name {
        case "open_secure_channel":
            if r.c.skip(4), let type = r.c.u32le(), let mode = r.c.u32le() {
                f["request_type"] = .string(type == 0 ? "issue" : "renew")
                f["security_mode"] = .string([1: "none", 2: "sign", 3: "sign_and_encrypt"][mode] ?? "mode-\(mode)")
                f["security_mode_code"] = .int(Int64(mode))
            }
        case "create_session":
            if let uri = r.string(), let product = r.string() {
                f["client_application_uri"] = .string(uri)
                if !product.isEmpty { f["client_product_uri"] = .string(product) }
                if let name = r.scalar(21), case .string(let t) = name, !t.isEmpty { f["client_application_name"] = .string(t) }
                _ = r.c.u32le()
                _ = r.string()
                _ = r.string()
                if let n = r.c.u32le().map({ Int32(bitPattern: $0) }), n > 0 { for _ in 0..<min(Int(n), 16) { _ = r.string() } }
                _ = r.string()
                if let ep = r.string() { f["endpoint_url"] = .string(ep) }
                if let s = r.string() { f["session_name"] = .string(s) }
            }
        case "activate_session":
            // Client signature, software certificates, locale ids, then the user identity token.
            if r.string() != nil, r.bytes() != nil, let certs = r.c.u32le().map({ Int32(bitPattern: $0) }) {
                var ok = true
                for _ in 0..<max(0, min(Int(certs), 16)) { if r.bytes() == nil || r.bytes() == nil { ok = false } }
                if ok, let locales = r.c.u32le().map({ Int32(bitPattern: $0) }) {
                    for _ in 0..<max(0, min(Int(locales), 16)) { _ = r.string() }
                    if let token = r.extensionObject() {
                        let type = token.type.flatMap { identityTokens[$0] } ?? "token-\(token.type ?? -1)"
                        f["identity_token"] = .string(type)
                        var t = Reader(token.body)
                        if let policy = t.string() { f["identity_policy"] = .string(policy) }
                        if type == "username", let user = t.string() { f["user"] = .string(user) }
                    }
                }
            }
        case "write":
            if let count = r.c.u32le().map({ Int32(bitPattern: $0) }), count >= 0 {
                var writes: [JSONValue] = []
                var control: [(ControlPoint, JSONValue)] = []
                for _ in 0..<min(Int(count), 256) {
                    guard let node = r.nodeID(), let attr = r.c.u32le(), r.string() != nil, let v = r.scalar(23) else { break }
                    if writes.count < 64 { writes.append(.object(["node": .string(node.text), "attribute": .int(Int64(attr)), "value": v])) }
                    control.append((.opcua(node: node.text, attribute: Int(attr)), v))
                }
                f["writes"] = .array(writes)
                if !control.isEmpty { f["control"] = ControlPoint.attribute(action: "write", control) }
            }
        case "read":
            if r.c.skip(8), r.c.skip(4), let count = r.c.u32le().map({ Int32(bitPattern: $0) }), count >= 0 {
                var nodes: [JSONValue] = []
                for _ in 0..<min(Int(count), 256) {
                    guard let node = r.nodeID(), r.c.skip(4), r.string() != nil, r.c.skip(2), r.string() != nil else { break }
                    if nodes.count < 64 { nodes.append(.string(node.text)) }
                }
                f["nodes"] = .array(nodes)
            }
        case "call":
            if let count = r.c.u32le().map({ Int32(bitPattern: $0) }), count >= 0 {
                var calls: [JSONValue] = []
                for _ in 0..<min(Int(count), 64) {
                    guard let obj = r.nodeID(), let method = r.nodeID(), let n = r.c.u32le().map({ Int32(bitPattern: $0) }) else { break }
                    var args: [JSONValue] = []
                    for _ in 0..<max(0, min(Int(n), 64)) { if let v = r.variant() { args.append(v) } else { break } }
                    calls.append(.object(["object": .string(obj.text), "method": .string(method.text), "arguments": .array(args)]))
                }
                f["calls"] = .array(calls)
            }
        case "add_nodes", "delete_nodes", "browse":
            break
        default:
            break
        }
        m.fields = f
    }
}

/// The OPC UA decoder of one flow.
public final class OPCUADecoder: FlowDecoder {
    public let protocolName = "opcua"
    var framer = DuplexFramer(maxFrame: 16 << 20, length: OPCUA.frameLength)
    var budget = WarningBudget()
    var policy: String?
    var securityMode: String?
    /// Bodies of multi-chunk messages, by request id.
    var chunks: [UInt64: [UInt8]] = [:]
    static let maxMessage = 16 << 20

    struct Request {
        var m: OPCUA.Message
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    var pending = PendingRequests<UInt64, Request>(limit: 1024)

    public init() {}

    var encrypted: Bool { securityMode == "sign_and_encrypt" }
    /// Messages whose bodies could not be read (a signed and encrypted channel).
    var unreadableMessages = 0

    public var unreadable: String? {
        guard unreadableMessages > 0 else { return nil }
        let p = policy.map { $0.split(separator: "#").last.map(String.init) ?? $0 } ?? "unknown policy"
        return "OPC UA secure channel (\(p)): \(unreadableMessages) message\(unreadableMessages == 1 ? "" : "s") encrypted, "
            + "their writes and calls are not in the capture"
    }

    /// A message whose body is ciphertext: what the capture shows of it (its direction, channel and policy), counted
    /// into a summary of the flow's unreadable messages rather than paired with an answer it cannot be matched to.
    func emitUnreadable(_ m: OPCUA.Message, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        var f: [String: JSONValue] = ["message_type": .string(m.type), "request_packet": .int(Int64(ctx.packet)),
                                      "direction": .string(ctx.fromClient ? "to_server" : "to_client"),
                                      "unreadable": "encrypted", "outcome": "unknown", "service": "encrypted_message"]
        if let c = m.channel { f["secure_channel_id"] = .int(Int64(c)) }
        if let p = policy { f["security_policy"] = .string(p) }
        let client = ctx.fromClient ? ctx.src : ctx.dst, server = ctx.fromClient ? ctx.dst : ctx.src
        out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .ot, kind: "ics.opcua.encrypted_message",
                                       src: client, dst: server, summary: "OPC UA encrypted message (its service cannot be read)",
                                       fields: Attributes(f), routineKey: Self.unreadableKey))
    }

    static let unreadableKey = "ics.opcua.encrypted_message".hashValue

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "OPC UA: \(w); framing restarts at the next segment") }
        for f in frames { frame(f, ctx, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        framer.reset(fromClient: ctx.fromClient)
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "OPC UA")
        for r in pending.drain() { emit(r, nil, nil, &out) }
    }

    func frame(_ f: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard var m = OPCUA.decodeHeader(f) else { return }
        if let p = m.policy, !p.isEmpty { policy = p }
        let dirKey = UInt64(ctx.fromClient ? 0 : 1) << 40
        if m.type == "MSG" || m.type == "OPN" || m.type == "CLO", let rid = m.requestID {
            let key = dirKey | UInt64(rid)
            if m.chunk == "C" {
                var body = chunks[key, default: []]
                if body.count + m.body.count <= OPCUADecoder.maxMessage { body += m.body } else {
                    budget.warn(&out, ctx.packet, "OPC UA message of request \(rid) over \(OPCUADecoder.maxMessage) bytes; dropped")
                    body = []
                }
                chunks[key] = body
                if chunks.count > 1024 { chunks.removeAll() }
                return
            }
            if m.chunk == "A" {
                chunks[key] = nil
                m.fields["note"] = "message aborted by its sender"
            } else if let earlier = chunks.removeValue(forKey: key) {
                m.body = earlier + m.body
            }
            let policyNone = (policy ?? "").hasSuffix("#None")
            var unreadable = false
            if m.type == "OPN" {
                // A secured channel's OpenSecureChannel is encrypted with the receiver's key whatever the mode, so the
                // mode itself is not in the capture.
                if policyNone { OPCUA.decodeBody(m.body, into: &m) }
            } else if encrypted {
                unreadable = true
            } else if policyNone {
                OPCUA.decodeBody(m.body, into: &m)
            } else {
                // Without the mode (a secured channel, or one opened before the capture), a body is read only when it
                // begins as a service does: a signed-only channel's bodies do, an encrypted one's do not (a known
                // service's id after ciphertext is a chance of about one in 10^8).
                var probe = m
                OPCUA.decodeBody(m.body, into: &probe)
                if probe.service.map(OPCUA.isService) == true { m = probe } else { unreadable = true }
            }
            if unreadable {
                unreadableMessages += 1
                emitUnreadable(m, ctx, &out)
                return
            }
            if case .string(let mode)? = m.fields["security_mode"] { securityMode = mode }
            let isRequest = ctx.fromClient
            if isRequest {
                let r = Request(m: m, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
                if m.type == "CLO" {
                    // CloseSecureChannel has no answer: anything left under its id is unanswered.
                    if let old = pending.take(UInt64(rid)) { emit(old, nil, nil, &out) }
                    emit(r, nil, nil, &out, expectsReply: false)
                } else {
                    for old in pending.add(UInt64(rid), r) { emit(old, nil, nil, &out) }
                }
            } else if let r = pending.take(UInt64(rid)) {
                emit(r, m, ctx.packet, &out)
            } else {
                var r = Request(m: m, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src)
                r.m.fields["note"] = "response without a request in the capture"
                emit(r, nil, nil, &out, expectsReply: false, orphan: true)
            }
            return
        }
        // HEL / ACK / ERR / RHE: one message each.
        var fields: [String: JSONValue] = ["message_type": .string(m.type), "request_packet": .int(Int64(ctx.packet))]
        var summary = "OPC UA \(m.type)"
        if let e = m.endpoint { fields["endpoint_url"] = .string(e); summary += " \(e)" }
        if let e = m.errorCode {
            fields["error_code"] = .int(Int64(e))
            summary += " 0x" + String(e, radix: 16)
        }
        if let r = m.reason, !r.isEmpty { fields["reason"] = .string(r); summary += " \(r)" }
        let kind = ["HEL": "hello", "ACK": "acknowledge", "ERR": "error", "RHE": "reverse_hello"][m.type] ?? "message"
        fields["outcome"] = .string(m.type == "ERR" ? "error" : "ok")
        out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .ot, kind: "ics.opcua.\(kind)",
                                       src: ctx.src, dst: ctx.dst, summary: summary, fields: Attributes(fields)))
    }

    func emit(_ r: Request, _ reply: OPCUA.Message?, _ replyPacket: Int?, _ out: inout DecodeOutput,
              expectsReply: Bool = true, orphan: Bool = false) {
        let q = r.m
        var f = q.fields
        f["message_type"] = .string(q.type)
        f[orphan ? "response_packet" : "request_packet"] = .int(Int64(r.packet))
        if let c = q.channel { f["secure_channel_id"] = .int(Int64(c)) }
        if let s = q.sequence { f["sequence"] = .int(Int64(s)) }
        if let i = q.requestID { f["request_id"] = .int(Int64(i)) }
        if let p = q.policy ?? policy { f["security_policy"] = .string(p) }
        if let mode = securityMode, f["security_mode"] == nil { f["security_mode"] = .string(mode) }
        var name: String
        if let s = q.service {
            f["service_id"] = .int(Int64(s))
            name = OPCUA.serviceName(s)
        } else {
            name = q.type == "CLO" ? "close_secure_channel" : q.type == "OPN" ? "open_secure_channel" : (encrypted ? "encrypted_message" : "message")
        }
        if orphan, name.hasSuffix("_response") { name = String(name.dropLast(9)) }
        f["service"] = .string(name)
        var summary = "OPC UA \(name)"
        if case .array(let w)? = f["writes"] {
            summary += " " + w.prefix(3).compactMap { v -> String? in
                guard case .object(let o) = v, case .string(let n)? = o["node"] else { return nil }
                return "\(n) = \(o["value"]?.text ?? "")"
            }.joined(separator: ", ")
        }
        if case .array(let c)? = f["calls"] {
            summary += " " + c.prefix(3).compactMap { v -> String? in
                guard case .object(let o) = v, case .string(let m)? = o["method"] else { return nil }
                return m
            }.joined(separator: ", ")
        }
        if case .string(let u)? = f["user"] { summary += " as \(u)" } else if case .string(let t)? = f["identity_token"] { summary += " (\(t))" }
        if case .string(let s)? = f["session_name"] { summary += " session \(s)" }
        var outcome = expectsReply ? "no_response" : "ok"
        if let rep = reply {
            f["response_packet"] = .int(Int64(replyPacket ?? 0))
            if let s = rep.service { f["response_service_id"] = .int(Int64(s)) }
            if case .int(let result)? = rep.fields["service_result"] {
                f["service_result"] = .int(result)
                outcome = result == 0 ? "ok" : "error"
                if result != 0 { summary += " → status 0x" + String(result, radix: 16) }
            } else {
                outcome = "ok"
            }
            if rep.service == 397 { outcome = "error" }
        }
        f["outcome"] = .string(outcome)
        var key: Int?
        if outcome == "ok", !OPCUA.changes.contains(name), !["create_session", "activate_session", "open_secure_channel",
                                                            "close_session", "close_secure_channel"].contains(name) {
            key = name.hashValue
        }
        out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .ot, kind: "ics.opcua.\(name)", src: r.src,
                                       dst: r.dst, summary: summary, fields: Attributes(f), routineKey: key,
                                       messages: reply == nil ? 1 : 2))
    }
}

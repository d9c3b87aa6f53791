import JikochoModel

/// EtherNet/IP encapsulation (ODVA Vol. 2) and the CIP messages it carries (ODVA Vol. 1): services with their
/// class/instance/attribute paths and Logix symbolic tags, Multiple Service Packet and Unconnected Send unpacked,
/// Forward Open/Close parameters, ListIdentity answers. Class-1 I/O (UDP 2222) is kept as flows.
public enum ENIP {
    public static let tcpPort: UInt16 = 44818
    public static let ioPort: UInt16 = 2222

    public static func commandName(_ c: UInt16) -> String {
        switch c {
        case 0x0000: return "nop"
        case 0x0004: return "list_services"
        case 0x0063: return "list_identity"
        case 0x0064: return "list_interfaces"
        case 0x0065: return "register_session"
        case 0x0066: return "unregister_session"
        case 0x006F: return "send_rr_data"
        case 0x0070: return "send_unit_data"
        case 0x0072: return "indicate_status"
        case 0x0073: return "cancel"
        default: return "command-\(c)"
        }
    }

    static let knownCommands: Set<UInt16> = [0x0000, 0x0004, 0x0063, 0x0064, 0x0065, 0x0066, 0x006F, 0x0070, 0x0072, 0x0073]

    /// CIP service name; codes from 0x4B up depend on the class (`class`).
    public static func serviceName(_ s: UInt8, class cls: Int?) -> String {
        switch s {
        case 0x01: return "get_attributes_all"
        case 0x02: return "set_attributes_all"
        case 0x03: return "get_attribute_list"
        case 0x04: return "set_attribute_list"
        case 0x05: return "reset"
        case 0x06: return "start"
        case 0x07: return "stop"
        case 0x08: return "create"
        case 0x09: return "delete"
        case 0x0A: return "multiple_service_packet"
        case 0x0D: return "apply_attributes"
        case 0x0E: return "get_attribute_single"
        case 0x10: return "set_attribute_single"
        case 0x11: return "find_next_object_instance"
        case 0x15: return "restore"
        case 0x16: return "save"
        case 0x17: return "nop"
        case 0x18: return "get_member"
        case 0x19: return "set_member"
        case 0x1A: return "insert_member"
        case 0x1B: return "remove_member"
        case 0x1C: return "group_sync"
        default: break
        }
        if cls == 0x06 {
            switch s {
            case 0x4E: return "forward_close"
            case 0x52: return "unconnected_send"
            case 0x54: return "forward_open"
            case 0x5A: return "get_connection_owner"
            case 0x5B: return "large_forward_open"
            default: break
            }
        }
        if cls == 0x67 && s == 0x4B { return "execute_pccc" }
        switch s {
        case 0x4C: return "read_tag"
        case 0x4D: return "write_tag"
        case 0x4E: return "read_modify_write_tag"
        case 0x52: return "read_tag_fragmented"
        case 0x53: return "write_tag_fragmented"
        case 0x55: return "get_instance_attribute_list"
        case 0x4B: return "execute_pccc"
        default: return "service-\(s)"
        }
    }

    /// Whether a service changes the device (kept as its own event) rather than reads it (routine).
    public static func isWrite(_ name: String) -> Bool {
        ["set_attributes_all", "set_attribute_list", "reset", "start", "stop", "create", "delete", "apply_attributes",
         "set_attribute_single", "restore", "save", "set_member", "insert_member", "remove_member", "write_tag",
         "read_modify_write_tag", "write_tag_fragmented", "execute_pccc"].contains(name)
    }

    public static func isRead(_ name: String) -> Bool {
        ["get_attributes_all", "get_attribute_list", "get_attribute_single", "get_member", "read_tag",
         "read_tag_fragmented", "get_instance_attribute_list", "find_next_object_instance", "nop"].contains(name)
    }

    public static func className(_ c: Int) -> String? {
        let names: [Int: String] = [0x01: "identity", 0x02: "message_router", 0x04: "assembly", 0x06: "connection_manager",
                                    0x37: "file", 0x48: "qos", 0x64: "controller", 0x67: "pccc", 0x6B: "symbol",
                                    0x6C: "template", 0x8E: "controller_device", 0xAC: "program", 0xF4: "port",
                                    0xF5: "tcp_ip_interface", 0xF6: "ethernet_link"]
        return names[c]
    }

    public static func statusName(_ s: UInt8) -> String {
        let names: [UInt8: String] = [0x00: "success", 0x01: "connection_failure", 0x02: "resource_unavailable",
                                      0x03: "invalid_parameter_value", 0x04: "path_segment_error", 0x05: "path_destination_unknown",
                                      0x06: "partial_transfer", 0x08: "service_not_supported", 0x09: "invalid_attribute_value",
                                      0x0C: "object_state_conflict", 0x0E: "attribute_not_settable", 0x0F: "privilege_violation",
                                      0x10: "device_state_conflict", 0x13: "not_enough_data", 0x14: "attribute_not_supported",
                                      0x15: "too_much_data", 0x16: "object_does_not_exist", 0x1E: "embedded_service_error",
                                      0x26: "invalid_path_size"]
        return names[s] ?? "status-\(s)"
    }

    /// The points a write changes with their raw values: Logix tag writes (`write_tag`, `write_tag_fragmented`,
    /// `read_modify_write_tag`) by tag name, element by element; attribute writes by class/instance/attribute.
    public static func control(_ service: String, _ m: CIPMessage) -> JSONValue? {
        var writes: [(ControlPoint, JSONValue)] = []
        let tag = m.path.symbols.joined(separator: ".")
        switch service {
        case "write_tag", "write_tag_fragmented":
            guard !tag.isEmpty else { return nil }
            var c = ByteCursor(Array(m.data))
            guard let type = c.u16le(), let count = c.u16le() else {
                return ControlPoint.attribute(action: "write", [(.cip(tag: tag), .null)])
            }
            if service == "write_tag_fragmented" { _ = c.u32le() }
            let size = logixSize(type)
            // `Tank[3]` written ×2 is Tank[3] and Tank[4]; `Grid[1,2]` ×2 is Grid[1,2] and Grid[1,3] (the last index
            // runs first); `Tank` ×2 is Tank[0] and Tank[1].
            var base = tag + "[", first = 0
            if count > 1, tag.hasSuffix("]"), let open = tag.lastIndex(where: { $0 == "[" || $0 == "," }),
               let k = Int(tag[tag.index(after: open)..<tag.index(before: tag.endIndex)]) {
                base = String(tag[...open])
                first = k
            }
            for i in 0..<min(Int(count), 256) {
                let point: ControlPoint = count == 1 ? .cip(tag: tag) : .cip(tag: "\(base)\(first + i)]")
                guard let size, let b = c.take(size) else { writes.append((point, .null)); continue }
                writes.append((point, logixValue(type, Array(b))))
            }
        case "read_modify_write_tag":
            guard !tag.isEmpty else { return nil }
            writes = [(.cip(tag: tag), .null)]
        case "set_attribute_single":
            guard let cls = m.path.classID else { return nil }
            let d = Array(m.data)
            var value: JSONValue = .null
            if [1, 2, 4, 8].contains(d.count) {
                value = .int(Int64(bitPattern: littleEndian(d)))
            } else if !d.isEmpty {
                value = .string(Hex.string(m.data, limit: 64))
            }
            writes = [(.cip(class: cls, instance: m.path.instance, attribute: m.path.attribute), value)]
        case "set_attribute_list":
            guard let cls = m.path.classID else { return nil }
            writes = m.attributeList.map { (.cip(class: cls, instance: m.path.instance, attribute: $0), .null) }
        case "set_attributes_all":
            guard let cls = m.path.classID else { return nil }
            writes = [(.cip(class: cls, instance: m.path.instance, attribute: nil), .null)]
        default:
            return nil
        }
        return writes.isEmpty ? nil : ControlPoint.attribute(action: "write", writes)
    }

    /// Bytes of one element of a Logix atomic type; nil for structures and unknown types.
    static func logixSize(_ type: UInt16) -> Int? {
        switch type {
        case 0xC1, 0xC2, 0xC6: return 1
        case 0xC3, 0xC7: return 2
        case 0xC4, 0xC8, 0xCA, 0xD3: return 4
        case 0xC5, 0xC9, 0xCB: return 8
        default: return nil
        }
    }

    /// Up to 8 bytes, least significant first, as one unsigned number.
    static func littleEndian(_ b: [UInt8]) -> UInt64 {
        b.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func logixValue(_ type: UInt16, _ b: [UInt8]) -> JSONValue {
        let u = littleEndian(b)
        switch type {
        case 0xC1: return .int(u == 0 ? 0 : 1)
        case 0xC2: return .int(Int64(Int8(truncatingIfNeeded: u)))
        case 0xC3: return .int(Int64(Int16(truncatingIfNeeded: u)))
        case 0xC4: return .int(Int64(Int32(truncatingIfNeeded: u)))
        case 0xC5: return .int(Int64(bitPattern: u))
        case 0xCA: return .double(Double(Float(bitPattern: UInt32(truncatingIfNeeded: u))))
        case 0xCB: return .double(Double(bitPattern: u))
        default: return .int(Int64(bitPattern: u))
        }
    }

    /// A decoded EPATH.
    public struct Path: Sendable, Equatable {
        public var classID: Int?
        public var instance: Int?
        public var attribute: Int?
        public var connectionPoint: Int?
        public var member: Int?
        public var symbols: [String] = []
        public var ports: [String] = []
        public var problem: String?

        public var text: String {
            var parts: [String] = []
            if !ports.isEmpty { parts.append("port " + ports.joined(separator: "/")) }
            if let c = classID { parts.append("class 0x" + String(c, radix: 16)) }
            if let i = instance { parts.append("instance \(i)") }
            if let a = attribute { parts.append("attribute \(a)") }
            if let p = connectionPoint { parts.append("point \(p)") }
            if !symbols.isEmpty { parts.append("tag " + symbols.joined(separator: ".")) }
            return parts.joined(separator: " ")
        }
    }

    /// At most this many path segments are read (a nested or looping path is cut there).
    public static let maxPathSegments = 64

    public static func decodePath(_ b: ArraySlice<UInt8>) -> Path {
        var p = Path()
        var c = ByteCursor(Array(b))
        var segments = 0
        var element = false
        while !c.isAtEnd {
            segments += 1
            guard segments <= maxPathSegments else {
                p.problem = "more than \(maxPathSegments) path segments"
                return p
            }
            guard let seg = c.u8() else { break }
            let afterElement = element
            element = false
            switch seg {
            case 0x20: p.classID = c.u8().map(Int.init)
            case 0x21: _ = c.u8(); p.classID = c.u16le().map(Int.init)
            case 0x24: p.instance = c.u8().map(Int.init)
            case 0x25: _ = c.u8(); p.instance = c.u16le().map(Int.init)
            case 0x26: _ = c.u8(); p.instance = c.u32le().map(Int.init)
            case 0x28, 0x29, 0x2A:
                // A member or element id, 8, 16 or 32 bits (the wider ones after a pad byte).
                let id: Int?
                switch seg {
                case 0x28: id = c.u8().map(Int.init)
                case 0x29: id = c.skip(1) ? c.u16le().map(Int.init) : nil
                default: id = c.skip(1) ? c.u32le().map(Int.init) : nil
                }
                guard let id else { p.problem = "element segment cut short"; return p }
                if let last = p.symbols.indices.last {
                    // After a symbol, the element of a Logix array: `Counts[2]`, one segment per dimension (`Grid[1,2]`),
                    // a structure's member following as a symbol of its own (`Tanks[2].Level`).
                    if afterElement {
                        p.symbols[last].removeLast()
                        p.symbols[last] += ",\(id)]"
                    } else {
                        p.symbols[last] += "[\(id)]"
                    }
                    element = true
                } else {
                    p.member = id
                }
            case 0x2C: p.connectionPoint = c.u8().map(Int.init)
            case 0x2D: _ = c.u8(); p.connectionPoint = c.u16le().map(Int.init)
            case 0x30: p.attribute = c.u8().map(Int.init)
            case 0x31: _ = c.u8(); p.attribute = c.u16le().map(Int.init)
            case 0x91:
                guard let n = c.u8(), let s = c.take(Int(n)) else { p.problem = "symbolic segment cut short"; return p }
                p.symbols.append(printable(s))
                if n % 2 == 1 { _ = c.skip(1) }
            case 0x34:   // electronic key
                _ = c.skip(9)
            case 0x80...0x9F where seg != 0x91:
                // Network segments and other data segments: length in words follows.
                guard let n = c.u8(), c.skip(Int(n) * 2) else { p.problem = "data segment cut short"; return p }
            case 0x01...0x0F, 0x11...0x1F:
                // Port segment: port in the low bits, link address size when bit 4 is set.
                let port = Int(seg & 0x0F)
                if seg & 0x10 != 0 {
                    guard let n = c.u8(), let addr = c.take(Int(n)) else { p.problem = "port segment cut short"; return p }
                    p.ports.append("\(port):" + printable(addr))
                    if n % 2 == 1 { _ = c.skip(1) }
                } else {
                    guard let link = c.u8() else { p.problem = "port segment cut short"; return p }
                    p.ports.append("\(port):\(link)")
                }
            default:
                p.problem = "path segment 0x\(String(seg, radix: 16)) not decoded"
                return p
            }
        }
        return p
    }

    /// One CIP request or reply.
    public struct CIPMessage: Sendable {
        public var service: UInt8
        public var isResponse: Bool
        public var path = Path()
        public var status: UInt8?
        public var extendedStatus: [UInt16] = []
        public var data: ArraySlice<UInt8> = []
        /// Multiple Service Packet: the embedded messages; Unconnected Send: the one it carries.
        public var embedded: [CIPMessage] = []
        public var problem: String?
        public var forwardOpen: [String: JSONValue] = [:]
        /// Forward Open: the port segments of its connection path (`1:2`, the backplane's slot 2): where the
        /// connection's messages go.
        public var connectionRoute: [String] = []
        /// Get/Set_Attribute_List: the attribute ids named in the request data.
        public var attributeList: [Int] = []
    }

    public static func decodeCIP(_ b: ArraySlice<UInt8>, depth: Int = 0) -> CIPMessage? {
        var c = ByteCursor(Array(b))
        guard let sc = c.u8() else { return nil }
        var m = CIPMessage(service: sc & 0x7F, isResponse: sc & 0x80 != 0)
        if m.isResponse {
            guard c.skip(1), let status = c.u8(), let extra = c.u8() else {
                m.problem = "CIP reply header cut short"
                return m
            }
            m.status = status
            for _ in 0..<extra { if let x = c.u16le() { m.extendedStatus.append(x) } }
            m.data = c.rest
            if m.service == 0x0A, depth < 2 { m.embedded = unpackMultiple(m.data, responses: true, depth: depth) }
            return m
        }
        guard let words = c.u8(), let path = c.take(Int(words) * 2) else {
            m.problem = "CIP request path cut short"
            return m
        }
        m.path = decodePath(path)
        m.data = c.rest
        if depth >= 2 { return m }
        if m.service == 0x0A { m.embedded = unpackMultiple(m.data, responses: false, depth: depth) }
        if m.service == 0x52, m.path.classID == 0x06 {
            // Unconnected Send: priority(1) timeout(1) size(2) message, pad, route path.
            var d = ByteCursor(Array(m.data))
            if d.skip(2), let size = d.u16le(), let inner = d.take(Int(size)), let msg = decodeCIP(inner, depth: depth + 1) {
                m.embedded = [msg]
                if size % 2 == 1 { _ = d.skip(1) }
                if let words = d.u8(), d.skip(1), let route = d.take(Int(words) * 2) {
                    m.path.ports = decodePath(route).ports
                }
            }
        }
        if m.service == 0x03 || m.service == 0x04 {
            var d = ByteCursor(Array(m.data))
            if let n = d.u16le(), n <= 256 {
                for _ in 0..<n { if let a = d.u16le() { m.attributeList.append(Int(a)) } }
            }
        }
        if (m.service == 0x54 || m.service == 0x5B), m.path.classID == 0x06 {
            (m.forwardOpen, m.connectionRoute) = forwardOpen(m.data, large: m.service == 0x5B)
        }
        return m
    }

    static func unpackMultiple(_ data: ArraySlice<UInt8>, responses: Bool, depth: Int) -> [CIPMessage] {
        let d = Array(data)
        var c = ByteCursor(d)
        guard let n = c.u16le(), n <= 512 else { return [] }
        var offsets: [Int] = []
        for _ in 0..<n { if let o = c.u16le() { offsets.append(Int(o)) } }
        var out: [CIPMessage] = []
        for (i, o) in offsets.enumerated() {
            let end = i + 1 < offsets.count ? offsets[i + 1] : d.count
            guard o < end, end <= d.count, o >= 2 + 2 * offsets.count else { continue }
            if let m = decodeCIP(d[o..<end], depth: depth + 1) { out.append(m) }
        }
        return out
    }

    static func forwardOpen(_ data: ArraySlice<UInt8>, large: Bool) -> ([String: JSONValue], [String]) {
        var c = ByteCursor(Array(data))
        var f: [String: JSONValue] = [:]
        guard c.skip(2), let ot = c.u32le(), let to = c.u32le(), let serial = c.u16le(), let vendor = c.u16le(),
              let origSerial = c.u32le(), c.skip(4), let otRPI = c.u32le() else { return (f, []) }
        f["o_t_connection_id"] = .int(Int64(ot))
        f["t_o_connection_id"] = .int(Int64(to))
        f["connection_serial"] = .int(Int64(serial))
        f["originator_vendor"] = .int(Int64(vendor))
        f["originator_serial"] = .int(Int64(origSerial))
        f["o_t_rpi_us"] = .int(Int64(otRPI))
        if large { _ = c.u32le() } else { _ = c.u16le() }
        if let toRPI = c.u32le() { f["t_o_rpi_us"] = .int(Int64(toRPI)) }
        if large { _ = c.u32le() } else { _ = c.u16le() }
        if let tt = c.u8() { f["transport_class"] = .int(Int64(tt & 0x0F)) }
        var route: [String] = []
        if let words = c.u8(), let path = c.take(Int(words) * 2) {
            let p = decodePath(path)
            f["connection_path"] = .string(p.text)
            route = p.ports
        }
        return (f, route)
    }

    /// The station a CIP message addresses behind the module it was sent to: its route's port segments
    /// (`cip:route:1:2`, the controller in slot 2 of the backplane), from an Unconnected Send or from the Forward
    /// Open of the connection it travels on; nil when it names none (the module itself).
    public static func station(_ route: [String]) -> String? {
        route.isEmpty ? nil : Station.cip(route: route)
    }

    /// Identity items of a ListIdentity reply (CPF item 0x0C).
    public static func identity(_ item: ArraySlice<UInt8>) -> [String: JSONValue] {
        var c = ByteCursor(Array(item))
        var f: [String: JSONValue] = [:]
        guard c.skip(2), c.skip(2), let port = c.u16(), let addr = c.u32(), c.skip(8), let vendor = c.u16le(),
              let devType = c.u16le(), let product = c.u16le(), let major = c.u8(), let minor = c.u8(), let status = c.u16le(),
              let serial = c.u32le(), let n = c.u8(), let name = c.take(Int(n)) else { return f }
        f["device_address"] = .string(IPAddress(v4: addr).description + ":\(port)")
        f["vendor_id"] = .int(Int64(vendor))
        f["device_type"] = .int(Int64(devType))
        f["product_code"] = .int(Int64(product))
        f["revision"] = .string("\(major).\(minor)")
        f["device_status"] = .int(Int64(status))
        f["serial_number"] = .string("0x" + String(serial, radix: 16).leftPadded(8))
        f["product_name"] = .string(printable(name))
        if let state = c.u8() { f["device_state"] = .int(Int64(state)) }
        return f
    }

    /// Encapsulation header framing: command(2) length(2) session(4) status(4) context(8) options(4), all LE.
    static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard b.count >= 24 else { return .needMore }
        let cmd = UInt16(b[0]) | UInt16(b[1]) << 8
        guard knownCommands.contains(cmd) else { return .invalid("unknown EtherNet/IP command 0x\(String(cmd, radix: 16))") }
        return .frame(24 + (Int(b[2]) | Int(b[3]) << 8))
    }

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 24 else { return false }
        let cmd = UInt16(b[0]) | UInt16(b[1]) << 8
        let len = Int(b[2]) | Int(b[3]) << 8
        return knownCommands.contains(cmd) && cmd != 0 && 24 + len <= b.count && len <= 65_511
    }

    /// Class-1 I/O datagram: CPF with a sequenced address item (0x8002) and connected data (0x00B1).
    public static func looksLikeIO(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 6 else { return false }
        return b[0] == 2 && b[1] == 0 && b[2] == 0x02 && b[3] == 0x80
    }
}

/// The EtherNet/IP decoder of one flow (TCP 44818 or UDP 44818).
public final class ENIPDecoder: FlowDecoder {
    public let protocolName = "enip"
    var framer = DuplexFramer(maxFrame: 65_535 + 24, length: ENIP.frameLength)
    var budget = WarningBudget()
    let datagrams: Bool

    /// What a frame's encapsulation says, kept with a request until its reply and written into its message.
    struct Header {
        var command: UInt16
        var session: UInt32
        var length: UInt16
        /// Nonzero: the encapsulation's error status.
        var status: UInt32
        var connectionID: Int?
        var sequence: UInt64?
        /// The common packet format's item types, when its item count was read.
        var cpfTypes: [UInt16]?
        /// A ListIdentity answer's device (`ENIP.identity`).
        var identity: [String: JSONValue] = [:]

        func write(into w: inout AttributeWriter) {
            w.int("command", command)
            w.string("command_name", ENIP.commandName(command))
            w.int("session", session)
            w.int("length", length)
            if status != 0 { w.int("encapsulation_status", status) }
            w.int("connection_id", connectionID)
            w.int("sequence", sequence)
            if let cpfTypes { w.ints("cpf_types", cpfTypes) }
            w.merge(identity)
        }
    }

    struct Request {
        var cip: ENIP.CIPMessage?
        var header: Header
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    /// Requests waiting for their reply, by sender context (unconnected) or connected sequence number.
    var pending = PendingRequests<UInt64, Request>(limit: 256)
    /// The route of each connection a Forward Open made (by the O→T connection id its reply gave, which the
    /// originator's connected messages carry), so a connected message names the controller it goes to.
    var connectionRoutes: [Int: [String]] = [:]

    public init(datagrams: Bool = false) {
        self.datagrams = datagrams
    }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        var frames: [[UInt8]] = []
        var warnings: [String] = []
        if datagrams {
            if ENIP.looksLike(bytes) || bytes.count >= 24 { frames.append([UInt8](bytes)) }
        } else {
            (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        }
        for w in warnings { budget.warn(&out, ctx.packet, "EtherNet/IP: \(w); framing restarts at the next segment") }
        for f in frames { frame(f, ctx, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        framer.reset(fromClient: ctx.fromClient)
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "EtherNet/IP")
        for r in pending.drain() { emit(r, nil, nil, &out) }
    }

    func frame(_ f: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        var c = ByteCursor(f)
        guard let cmd = c.u16le(), let len = c.u16le(), let session = c.u32le(), let status = c.u32le(),
              let context = c.u64le(), c.skip(4) else { return }
        var header = Header(command: cmd, session: session, length: len, status: status)
        let body = ByteCursor(f, from: 24, to: 24 + Int(len))
        var cip: ENIP.CIPMessage?
        var key: UInt64 = context ^ 0x8000_0000_0000_0000
        var isReply = !ctx.fromClient
        switch cmd {
        case 0x006F, 0x0070:
            var b = body
            guard b.skip(4), b.skip(2), let count = b.u16le(), count <= 16 else { break }
            var types: [UInt16] = []
            for _ in 0..<count {
                guard let type = b.u16le(), let ilen = b.u16le(), let item = b.take(Int(ilen)) else { break }
                types.append(type)
                switch type {
                case 0x00A1: if item.count >= 4 { header.connectionID = ByteCursor(Array(item)).bytes.prefix(4).reversed().reduce(0) { $0 << 8 | Int($1) } }
                case 0x00B1:
                    guard item.count >= 2 else { break }
                    let seq = UInt64(item[item.startIndex]) | UInt64(item[item.startIndex + 1]) << 8
                    key = seq | UInt64(session) << 16
                    header.sequence = seq
                    cip = ENIP.decodeCIP(item.dropFirst(2))
                case 0x00B2:
                    cip = ENIP.decodeCIP(item)
                default: break
                }
            }
            header.cpfTypes = types
            if let m = cip { isReply = m.isResponse }
        case 0x0063:
            var b = body
            if let count = b.u16le(), count > 0, b.skip(2), let ilen = b.u16le(), let item = b.take(Int(ilen)) {
                header.identity = ENIP.identity(item)
                isReply = true
            } else {
                isReply = false
            }
        default:
            isReply = !ctx.fromClient || status != 0
            if len == 0 || cmd == 0x0066 { isReply = false }
        }
        if let p = cip?.problem { budget.warn(&out, ctx.packet, "CIP: \(p)") }
        if let p = cip?.path.problem { budget.warn(&out, ctx.packet, "CIP path: \(p)") }
        if !isReply {
            let r = Request(cip: cip, header: header, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
            if cmd == 0x0066 { return emit(r, nil, nil, &out) }      // no reply
            for old in pending.add(key, r) { emit(old, nil, nil, &out) }
        } else if let r = pending.take(key) {
            emit(r, (cip, header), ctx.packet, &out)
        } else if cmd == 0x0063, let r = pending.first(where: { $0.header.command == 0x0063 }) {
            // ListIdentity broadcast answers carry the request's context; several devices may answer.
            emit(r, (cip, header), ctx.packet, &out)
        } else {
            let r = Request(cip: cip, header: header, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src)
            emit(r, (cip, header), ctx.packet, &out, orphan: true)
        }
    }

    /// The messages of one exchange. A reply without its request (`orphan`: the capture began after it) keeps only
    /// the reply's command and session, names its own packet as the response and says so in a note, as the other
    /// decoders' orphans do.
    func emit(_ r: Request, _ reply: (cip: ENIP.CIPMessage?, header: Header)?, _ replyPacket: Int?,
              _ out: inout DecodeOutput, orphan: Bool = false) {
        /// What every message of the exchange carries: the request's header, the packets, the answering device.
        func writeBase(_ w: inout AttributeWriter) {
            if orphan {
                w.int("command", r.header.command)
                w.string("command_name", ENIP.commandName(r.header.command))
                w.int("session", r.header.session)
                w.int("response_packet", r.packet)
                w.string("note", "reply without a request in the capture")
            } else {
                r.header.write(into: &w)
                w.int("request_packet", r.packet)
                w.int("response_packet", replyPacket)
            }
            if let h = reply?.header {
                w.merge(h.identity)
                if h.status != 0 { w.int("encapsulation_status", h.status) }
            }
        }
        let requestCIP = orphan ? nil : r.cip
        let replyCIP = reply?.cip
        guard let top = requestCIP ?? replyCIP else {
            // Encapsulation-level exchange: register session, list identity, ...
            writeBase(&out.writer)
            let name = ENIP.commandName(r.header.command)
            var summary = "EtherNet/IP \(name.uppercased())"
            if case .string(let p)? = reply?.header.identity["product_name"] ?? (orphan ? nil : r.header.identity["product_name"]) {
                summary += ": \(p)"
            }
            let failed = (reply?.header.status ?? 0) != 0 || (!orphan && r.header.status != 0)
            out.writer.string("outcome", reply == nil && r.header.command != 0x0066 ? "no_response" : (failed ? "error" : "ok"))
            let key: Int? = name == "list_identity" || name == "nop" ? name.hashValue : nil
            out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .ot, kind: "ics.enip.\(name)", src: r.src,
                                           dst: r.dst, summary: summary, writer: &out.writer, routineKey: key,
                                           messages: reply == nil || orphan ? 1 : 2))
            return
        }
        // One message per CIP service: the embedded services of a Multiple Service Packet each get theirs, also when
        // the packet came inside an Unconnected Send (a client reaching the controller through the chassis, as cpppo
        // and Rockwell's clients do): each of its services then went the Send's way.
        var sent: ENIP.CIPMessage?
        var batch = requestCIP
        if let q = requestCIP, q.service == 0x52, q.path.classID == 0x06, let inner = q.embedded.first, inner.service == 0x0A {
            sent = q
            batch = inner
        }
        let multiple = top.service == 0x0A || sent != nil
        var services: [(ENIP.CIPMessage?, ENIP.CIPMessage?)] = []
        if multiple, !(batch?.embedded.isEmpty ?? true) || !(replyCIP?.embedded.isEmpty ?? true) {
            let reqs = batch?.embedded ?? []
            let reps = replyCIP?.embedded ?? []
            for i in 0..<max(reqs.count, reps.count) { services.append((reqs[safe: i], reps[safe: i])) }
        } else {
            services = [(requestCIP, replyCIP)]
        }
        for (index, pair) in services.enumerated() {
            var req = pair.0
            var via: String?
            var route: [String]?
            if let outer = req, outer.service == 0x52, outer.path.classID == 0x06, let inner = outer.embedded.first {
                via = "unconnected_send"
                route = outer.path.ports
                req = inner
            } else if let sent {
                via = "unconnected_send"
                route = sent.path.ports
            }
            // A connected message goes where its connection's Forward Open routed it; the Forward Open, where it opens
            // the connection to.
            if route == nil, !orphan, let id = r.header.connectionID, let known = connectionRoutes[id] { route = known }
            if route == nil, let fo = req, !fo.connectionRoute.isEmpty { route = fo.connectionRoute }
            // A Forward Open answered: its connection (the O→T id the target gave) keeps the route (at most 4,096 kept:
            // past that the table is emptied and filled again, bounded whatever the capture holds).
            if let fo = req, fo.service == 0x54 || fo.service == 0x5B, !fo.connectionRoute.isEmpty, let rep = pair.1,
               rep.status == 0, rep.data.count >= 4 {
                let id = rep.data.prefix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
                if connectionRoutes.count >= 4_096 { connectionRoutes.removeAll(keepingCapacity: true) }
                connectionRoutes[id] = fo.connectionRoute
            }
            let msg = req ?? pair.1
            let svc = msg?.service ?? 0
            let cls = req?.path.classID
            let name = ENIP.serviceName(svc, class: cls)
            // Reads answered without error are the routine: counted without building the event.
            var key: Int?
            var valueHash: Int?
            if ENIP.isRead(name), let rep = pair.1, rep.status == 0 || rep.status == 0x06, !orphan {
                var h = Hasher()
                h.combine(name)
                h.combine(req?.path.classID)
                h.combine(req?.path.instance)
                h.combine(req?.path.attribute)
                h.combine(req?.path.symbols)
                h.combine(req?.attributeList)
                key = h.finalize()
                var v = Hasher()
                v.combineBytes(rep.data)
                valueHash = v.finalize()
                if out.absorb(key: key, time: r.time, packet: r.packet, messages: index == 0 ? 2 : 0, valueHash: valueHash) { continue }
            }
            writeBase(&out.writer)
            if services.count > 1 || multiple {
                out.writer.string("batch", "multiple_service_packet")
                out.writer.int("batch_index", index)
                out.writer.int("batch_size", services.count)
                out.writer.int("batch_status", replyCIP?.status)
            }
            out.writer.int("service", svc)
            out.writer.string("service_name", name)
            out.writer.string("via", via)
            var summary = "CIP \(name)"
            if let p = req?.path {
                if let c = p.classID {
                    out.writer.int("class", c)
                    out.writer.string("class_name", ENIP.className(c))
                }
                out.writer.int("instance", p.instance)
                out.writer.int("attribute", p.attribute)
                out.writer.int("connection_point", p.connectionPoint)
                if !p.symbols.isEmpty { out.writer.string("tag", p.symbols.joined(separator: ".")) }
                if route == nil, !p.ports.isEmpty { route = p.ports }
                if !p.text.isEmpty { summary += " " + p.text }
            }
            if let route {
                out.writer.value("route", .array(route.map { .string($0) }))
                out.writer.string("station", ENIP.station(route))
            }
            if let r = req {
                out.writer.merge(r.forwardOpen)
                if !r.attributeList.isEmpty { out.writer.ints("attributes", r.attributeList) }
                if ENIP.isWrite(name), !r.data.isEmpty { out.writer.string("data", Hex.string(r.data)) }
                out.writer.value("control", ENIP.control(name, r))
            }
            var outcome = reply == nil ? "no_response" : "ok"
            if let rep = pair.1 {
                if let s = rep.status {
                    out.writer.int("status", s)
                    out.writer.string("status_name", ENIP.statusName(s))
                    if s != 0 && s != 0x06 {
                        outcome = "error"
                        summary += " → \(ENIP.statusName(s))"
                    }
                }
                if !rep.extendedStatus.isEmpty { out.writer.ints("extended_status", rep.extendedStatus) }
                if ENIP.isRead(name), !rep.data.isEmpty { out.writer.string("response_values", Hex.string(rep.data, limit: 128)) }
            } else if reply != nil, services.count > 1 {
                outcome = "no_response"
            }
            out.writer.string("outcome", outcome)
            let kind = "ics.cip.\(name.hasPrefix("service-") ? "unknown_service" : name)"
            if outcome != "ok" { key = nil }
            out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .ot, kind: kind, src: r.src, dst: r.dst,
                                           summary: summary, writer: &out.writer, routineKey: key,
                                           messages: index == 0 ? (reply == nil || orphan ? 1 : 2) : 0, valueHash: valueHash))
        }
    }
}

import JikochoModel

/// BACnet/IP (ASHRAE 135 Annex J): BVLC, NPDU and APDU; confirmed and unconfirmed services with the objects and
/// properties they name, values written, errors, rejects and aborts. Requests are paired with their ACK or Error by
/// invoke id.
public enum BACnet {
    public static let port: UInt16 = 47808

    public static func confirmedName(_ s: UInt8) -> String {
        let names = ["acknowledge_alarm", "confirmed_cov_notification", "confirmed_event_notification",
                     "get_alarm_summary", "get_enrollment_summary", "subscribe_cov", "atomic_read_file",
                     "atomic_write_file", "add_list_element", "remove_list_element", "create_object", "delete_object",
                     "read_property", "read_property_conditional", "read_property_multiple", "write_property",
                     "write_property_multiple", "device_communication_control", "confirmed_private_transfer",
                     "confirmed_text_message", "reinitialize_device", "vt_open", "vt_close", "vt_data", "authenticate",
                     "request_key", "read_range", "life_safety_operation", "subscribe_cov_property",
                     "get_event_information", "subscribe_cov_property_multiple", "confirmed_cov_notification_multiple"]
        return Int(s) < names.count ? names[Int(s)] : "confirmed-\(s)"
    }

    public static func unconfirmedName(_ s: UInt8) -> String {
        let names = ["i_am", "i_have", "unconfirmed_cov_notification", "unconfirmed_event_notification",
                     "unconfirmed_private_transfer", "unconfirmed_text_message", "time_synchronization", "who_has",
                     "who_is", "utc_time_synchronization", "write_group", "unconfirmed_cov_notification_multiple"]
        return Int(s) < names.count ? names[Int(s)] : "unconfirmed-\(s)"
    }

    public static func objectTypeName(_ t: Int) -> String {
        t < objectTypeNames.count ? objectTypeNames[t] : "object-type-\(t)"
    }

    /// The number of an object type by its name (`analog-value` → 2, `object-type-130` → 130).
    public static func objectTypeNumber(_ name: String) -> Int? {
        let n = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if let i = objectTypeNames.firstIndex(of: n) { return i }
        return n.hasPrefix("object-type-") ? Int(n.dropFirst(12)) : nil
    }

    /// The number of a property by its name (`present-value` → 85, `property-200` → 200).
    public static func propertyNumber(_ name: String) -> Int? {
        let n = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if let p = propertyNames.first(where: { $0.value == n })?.key { return p }
        return n.hasPrefix("property-") ? Int(n.dropFirst(9)) : nil
    }

    static let objectTypeNames = ["analog-input", "analog-output", "analog-value", "binary-input", "binary-output", "binary-value",
                     "calendar", "command", "device", "event-enrollment", "file", "group", "loop", "multi-state-input",
                     "multi-state-output", "notification-class", "program", "schedule", "averaging",
                     "multi-state-value", "trend-log", "life-safety-point", "life-safety-zone", "accumulator",
                     "pulse-converter"]

    public static func propertyName(_ p: Int) -> String {
        propertyNames[p] ?? "property-\(p)"
    }

    static let propertyNames: [Int: String] = [8: "all", 12: "application-software-version", 28: "description", 36: "event-state",
                                    44: "firmware-revision", 70: "model-name", 75: "object-identifier", 76: "object-list",
                                    77: "object-name", 79: "object-type", 81: "out-of-service", 85: "present-value",
                                    87: "priority-array", 103: "reliability", 104: "relinquish-default", 111: "status-flags",
                                    112: "system-status", 117: "units", 120: "vendor-identifier", 121: "vendor-name"]

    /// One tag of the BACnet encoding (clause 20.2).
    struct Tag {
        var number: Int
        var context: Bool
        var opening = false
        var closing = false
        /// Length, or for application booleans the value itself.
        var length: Int
        var value: ArraySlice<UInt8> = []
    }

    static func readTag(_ c: inout ByteCursor) -> Tag? {
        guard let b = c.u8() else { return nil }
        var number = Int(b >> 4)
        if number == 15 { guard let x = c.u8() else { return nil }; number = Int(x) }
        let context = b & 0x08 != 0
        let lvt = Int(b & 0x07)
        if context, lvt == 6 { return Tag(number: number, context: true, opening: true, length: 0) }
        if context, lvt == 7 { return Tag(number: number, context: true, closing: true, length: 0) }
        var length = lvt
        if lvt == 5 {
            guard let x = c.u8() else { return nil }
            length = Int(x)
            if x == 254 { guard let y = c.u16() else { return nil }; length = Int(y) }
            if x == 255 { guard let y = c.u32() else { return nil }; length = Int(y) }
        }
        if !context, number == 1 { return Tag(number: 1, context: false, length: lvt) }   // boolean: value in the tag
        guard let v = c.take(length) else { return nil }
        return Tag(number: number, context: context, length: length, value: v)
    }

    static func unsigned(_ v: ArraySlice<UInt8>) -> Int { v.prefix(8).reduce(0) { $0 << 8 | Int($1) } }

    static func objectID(_ v: ArraySlice<UInt8>) -> (type: Int, instance: Int)? {
        guard v.count == 4 else { return nil }
        let x = unsigned(v)
        return (x >> 22, x & 0x3F_FFFF)
    }

    /// An application-tagged value as JSON.
    static func appValue(_ t: Tag) -> JSONValue {
        switch t.number {
        case 0: return .null
        case 1: return .bool(t.length != 0)
        case 2, 9: return .int(Int64(unsigned(t.value)))
        case 3:
            var x = Int64(unsigned(t.value))
            if let f = t.value.first, f & 0x80 != 0 { x -= Int64(1) << (8 * Int64(t.value.count)) }
            return .int(x)
        case 4: return t.value.count == 4 ? .double(Double(Float(bitPattern: UInt32(unsigned(t.value))))) : .null
        case 5: return t.value.count == 8 ? .double(Double(bitPattern: UInt64(t.value.reduce(0) { $0 << 8 | UInt64($1) }))) : .null
        case 7:
            guard let enc = t.value.first else { return .string("") }
            if enc == 0 { return .string(printable(t.value.dropFirst())) }
            if enc == 4 {   // UCS-2
                let u = t.value.dropFirst()
                var s = ""
                var i = u.startIndex
                while i + 1 < u.endIndex {
                    if let sc = Unicode.Scalar(UInt16(u[i]) << 8 | UInt16(u[i + 1])) { s.unicodeScalars.append(sc) }
                    i += 2
                }
                return .string(s)
            }
            return .string(Hex.string(t.value))
        case 12:
            if let o = objectID(t.value) { return .string("\(objectTypeName(o.type)),\(o.instance)") }
            return .null
        default: return .string(Hex.string(t.value))
        }
    }

    public struct APDU: Sendable {
        public var bvlcFunction: UInt8
        public var npduControl: UInt8?
        public var networkMessage: UInt8?
        public var pduType: UInt8?
        public var service: UInt8?
        public var invokeID: UInt8?
        public var segmented = false
        public var moreFollows = false
        public var objects: [(type: Int, instance: Int)] = []
        public var properties: [Int] = []
        public var values: [JSONValue] = []
        public var priority: Int?
        public var errorClass: Int?
        public var errorCode: Int?
        public var reason: Int?
        public var extra: [String: JSONValue] = [:]
        public var problem: String?
        /// WriteProperty and WritePropertyMultiple requests: each property written, with its first value.
        public var writes: [(type: Int, instance: Int, property: Int, value: JSONValue?)] = []
        /// Errors reported per property inside a ReadPropertyMultiple-ACK: (class, code).
        public var propertyErrors: [(Int, Int)] = []
        /// A segment's service data, to be joined with the other segments before decoding.
        public var segmentBody: [UInt8] = []
        /// Hash of the datagram's bytes after the BVLC header (values included), for routine summaries.
        public var dataHash = 0
        /// The NPDU's remote destination and source, a device behind a BACnet router (`Station.bacnet`); nil when
        /// the message is for the local network or is a broadcast (network 0xFFFF, or no MAC).
        public var destination: String?
        public var source: String?
    }

    /// A remote address of the NPDU (network, length, MAC): the station it names, or nil for a broadcast.
    static func remote(_ c: inout ByteCursor) -> (ok: Bool, station: String?) {
        guard let net = c.u16(), let len = c.u8(), let mac = c.take(Int(len)) else { return (false, nil) }
        guard net != 0xFFFF, net != 0, !mac.isEmpty, mac.count <= 8 else { return (true, nil) }
        return (true, Station.bacnet(net: Int(net), mac: mac))
    }

    /// Decodes the service data of a reassembled segmented message into `a`.
    public static func decodeService(_ body: [UInt8], into a: inout APDU) {
        var c = ByteCursor(body)
        serviceData(&c, &a)
    }

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 4, b[0] == 0x81 else { return false }
        let len = Int(b[2]) << 8 | Int(b[3])
        return len == b.count && b[1] <= 0x0C
    }

    public static func decode(_ d: [UInt8]) -> APDU? {
        var c = ByteCursor(d)
        guard c.u8() == 0x81, let fn = c.u8(), c.u16() != nil else { return nil }
        var a = APDU(bvlcFunction: fn)
        var dh = Hasher()
        dh.combineBytes(d.dropFirst(4))
        a.dataHash = dh.finalize()
        switch fn {
        case 0x04: _ = c.skip(6)         // forwarded NPDU: original address
        case 0x09, 0x0A, 0x0B: break
        default: return a                 // BVLL management: no NPDU
        }
        guard c.u8() == 1, let control = c.u8() else {
            a.problem = "NPDU version is not 1"
            return a
        }
        a.npduControl = control
        if control & 0x20 != 0 {
            let d = remote(&c)
            guard d.ok else { a.problem = "NPDU destination cut short"; return a }
            a.destination = d.station
        }
        if control & 0x08 != 0 {
            let s = remote(&c)
            guard s.ok else { a.problem = "NPDU source cut short"; return a }
            a.source = s.station
        }
        if control & 0x20 != 0 { _ = c.u8() }   // hop count
        if control & 0x80 != 0 {
            a.networkMessage = c.u8()
            return a
        }
        guard let first = c.u8() else { return a }
        let type = first >> 4
        a.pduType = type
        switch type {
        case 0:
            a.segmented = first & 0x08 != 0
            a.moreFollows = first & 0x04 != 0
            guard c.skip(1), let invoke = c.u8() else { a.problem = "confirmed request cut short"; return a }
            a.invokeID = invoke
            if a.segmented { _ = c.skip(2) }
            a.service = c.u8()
        case 1:
            a.service = c.u8()
        case 2:
            a.invokeID = c.u8()
            a.service = c.u8()
            return a
        case 3:
            a.segmented = first & 0x08 != 0
            a.moreFollows = first & 0x04 != 0
            a.invokeID = c.u8()
            if a.segmented { _ = c.skip(2) }
            a.service = c.u8()
        case 4:
            a.invokeID = c.u8()
            return a
        case 5:
            a.invokeID = c.u8()
            a.service = c.u8()
            // Error: two enumerated values (error class, error code), possibly inside an opening tag.
            var found: [Int] = []
            while found.count < 2, let t = readTag(&c) {
                if !t.opening, !t.closing, t.number == 9 || t.context { found.append(unsigned(t.value)) }
            }
            a.errorClass = found[safe: 0]
            a.errorCode = found[safe: 1]
            return a
        case 6, 7:
            a.invokeID = c.u8()
            a.reason = c.u8().map(Int.init)
            return a
        default:
            a.problem = "APDU type \(type) unknown"
            return a
        }
        // Segments are decoded once joined.
        if a.segmented, type == 3 || type == 0 {
            a.segmentBody = Array(c.rest)
            return a
        }
        serviceData(&c, &a)
        return a
    }

    /// Objects, properties and values named in a service's data.
    static func serviceData(_ c: inout ByteCursor, _ a: inout APDU) {
        guard let s = a.service else { return }
        let confirmed = a.pduType == 0 || a.pduType == 3
        var depth = 0
        var openedAt: [Int] = []
        var tags = 0
        var pendingError: [Int] = []
        while !c.isAtEnd {
            tags += 1
            guard tags <= 4096, let t = readTag(&c) else {
                if tags > 4096 { a.problem = "more than 4096 tags" }
                break
            }
            if t.opening {
                depth += 1
                openedAt.append(t.number)
                guard depth <= 16 else { a.problem = "tags nested deeper than 16"; return }
                continue
            }
            if t.closing {
                depth = max(0, depth - 1)
                _ = openedAt.popLast()
                continue
            }
            let parent = openedAt.last
            if !t.context {
                if confirmed, s == 14, a.pduType == 3, depth == 2, parent == 5, t.number == 9 {
                    pendingError.append(unsigned(t.value))
                    if pendingError.count == 2 {
                        a.propertyErrors.append((pendingError[0], pendingError[1]))
                        pendingError = []
                    }
                    continue
                }
                if t.number == 12, let o = objectID(t.value) { a.objects.append(o) }
                // WritePropertyMultiple: the first value of each property written.
                if a.pduType == 0, s == 16, depth == 2, parent == 2, let last = a.writes.indices.last,
                   a.writes[last].value == nil {
                    a.writes[last].value = appValue(t)
                }
                // Values: inside the value tag of WriteProperty (3), ReadProperty-ACK (3) and list values.
                if depth > 0, a.values.count < 64, t.number != 12 || parent == 3 || parent == 4 || parent == 2 {
                    a.values.append(appValue(t))
                }
                continue
            }
            // Context-tagged fields, service by service (clause 15 and 16).
            switch (confirmed, s, depth, t.number) {
            case (true, 12, 0, 0), (true, 15, 0, 0), (true, 14, 0, 0), (true, 16, 0, 0), (true, 26, 0, 0), (true, 5, 0, 1),
                 (true, 28, 0, 1), (true, 1, 0, 1), (true, 1, 0, 2), (false, 2, 0, 1), (false, 2, 0, 2), (false, 7, 0, 2),
                 (true, 8, 0, 0), (true, 9, 0, 0):
                if let o = objectID(t.value) { a.objects.append(o) }
            case (true, 12, 0, 1), (true, 15, 0, 1), (true, 26, 0, 1), (true, 8, 0, 1), (true, 9, 0, 1):
                a.properties.append(unsigned(t.value))
            case (true, 16, 1, 0) where parent == 1:
                let p = unsigned(t.value)
                a.properties.append(p)
                if a.pduType == 0, let o = a.objects.last, a.writes.count < 256 {
                    a.writes.append((o.type, o.instance, p, nil))
                }
            case (true, 14, 1, 0) where parent == 1, (true, 1, 1, 0) where parent == 4,
                 (false, 2, 1, 0) where parent == 4:
                a.properties.append(unsigned(t.value))
            case (true, 14, 1, 2) where parent == 1 && a.pduType == 3:
                a.properties.append(unsigned(t.value))
            case (true, 14, 2, _) where parent == 5 && a.pduType == 3:
                pendingError.append(unsigned(t.value))
                if pendingError.count == 2 {
                    a.propertyErrors.append((pendingError[0], pendingError[1]))
                    pendingError = []
                }
            case (true, 15, 0, 4):
                a.priority = unsigned(t.value)
            case (true, 20, 0, 0):
                a.extra["reinitialized_state"] = .string(["coldstart", "warmstart", "start_backup", "end_backup",
                                                          "start_restore", "end_restore", "abort_restore",
                                                          "activate_changes"][safe: unsigned(t.value)] ?? "state-\(unsigned(t.value))")
            case (true, 17, 0, 0):
                a.extra["duration_minutes"] = .int(Int64(unsigned(t.value)))
            case (true, 17, 0, 1):
                a.extra["enable_disable"] = .string(["enable", "disable", "disable_initiation"][safe: unsigned(t.value)] ?? "value-\(unsigned(t.value))")
            case (true, 20, 0, 1), (true, 17, 0, 2):
                // The password travels in clear text: keep that it was given and its length, not the secret.
                a.extra["password_given"] = .bool(true)
                a.extra["password_length"] = .int(Int64(max(0, t.value.count - 1)))
            case (false, 8, 0, 0): a.extra["low_limit"] = .int(Int64(unsigned(t.value)))
            case (false, 8, 0, 1): a.extra["high_limit"] = .int(Int64(unsigned(t.value)))
            default: break
            }
        }
        if a.pduType == 0, s == 15, let o = a.objects.first, let p = a.properties.first {
            a.writes = [(o.type, o.instance, p, a.values.first)]
        }
    }
}

/// The BACnet/IP decoder of one UDP flow (datagrams).
public final class BACnetDecoder: FlowDecoder {
    public let protocolName = "bacnet"
    var budget = WarningBudget()

    struct Request {
        var apdu: BACnet.APDU
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    /// A confirmed request's key: the direction client → server and its invoke id, and the device behind a router it
    /// went to (invoke ids are the client's per device: two devices behind one router may see the same one at once).
    struct Key: Hashable {
        var direction: UInt16
        var station: String?
    }

    /// Confirmed requests by key.
    var pending: [Key: Request] = [:]
    var order: [Key] = []
    /// Joined service data of segmented answers, by request key (bounded).
    var segments: [Key: [UInt8]] = [:]
    static let maxSegmented = 1 << 20

    public init() {}

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard let a = BACnet.decode([UInt8](bytes)) else {
            budget.warn(&out, ctx.packet, "BACnet/IP: datagram is not BVLC (type 0x81)")
            return
        }
        if let p = a.problem { budget.warn(&out, ctx.packet, "BACnet: \(p)") }
        let dir: UInt16 = ctx.fromClient ? 0 : 0x100
        switch a.pduType {
        case 0?:
            let key = Key(direction: dir | UInt16(a.invokeID ?? 0), station: a.destination)
            if let old = pending.removeValue(forKey: key) { emit(old, nil, nil, &out) } else { order.append(key) }
            pending[key] = Request(apdu: a, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
            if pending.count > 512, let first = order.first {
                order.removeFirst()
                if let r = pending.removeValue(forKey: first) { emit(r, nil, nil, &out) }
            }
        case 2?, 3?, 5?, 6?, 7?:
            let key = Key(direction: (ctx.fromClient ? 0x100 : 0) | UInt16(a.invokeID ?? 0), station: a.source)
            var a = a
            if a.pduType == 3, a.segmented, let r = pending[key] {
                // A segment of a long answer: joined, and decoded with the last one.
                var joined = segments[key, default: []]
                if joined.count + a.segmentBody.count <= Self.maxSegmented { joined += a.segmentBody }
                var n: Int64 = 1
                if case .int(let k)? = r.apdu.extra["segments"] { n = k + 1 }
                pending[key]?.apdu.extra["segments"] = .int(n)
                if a.moreFollows {
                    segments[key] = joined
                    return
                }
                segments[key] = nil
                BACnet.decodeService(joined, into: &a)
            }
            if let r = pending.removeValue(forKey: key) {
                if let i = order.firstIndex(of: key) { order.remove(at: i) }
                emit(r, a, ctx.packet, &out)
            } else {
                var r = Request(apdu: a, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src)
                r.apdu.extra["note"] = "reply without a request in the capture"
                emit(r, a, ctx.packet, &out, orphan: true)
            }
        default:
            emit(Request(apdu: a, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst), nil, nil, &out)
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "BACnet")
        for k in order { if let r = pending[k] { emit(r, nil, nil, &out) } }
        pending = [:]
        order = []
    }

    /// The first 64 objects as `[{"instance":3,"type":2,"type_name":"analog-value"},…]`, written straight into the
    /// message's stored text (keys in their canonical order) rather than built as values first: BACnet reads name an
    /// object on every message.
    static func describe(_ objs: [(type: Int, instance: Int)], into b: inout [UInt8]) {
        b.append(UInt8(ascii: "["))
        for (i, o) in objs.prefix(64).enumerated() {
            if i > 0 { b.append(UInt8(ascii: ",")) }
            b.append(contentsOf: #"{"instance":"#.utf8)
            JSONValue.writeInt(Int64(o.instance), into: &b)
            b.append(contentsOf: #","type":"#.utf8)
            JSONValue.writeInt(Int64(o.type), into: &b)
            b.append(contentsOf: #","type_name":"#.utf8)
            JSONValue.writeString(BACnet.objectTypeName(o.type), into: &b)
            b.append(UInt8(ascii: "}"))
        }
        b.append(UInt8(ascii: "]"))
    }

    func emit(_ r: Request, _ reply: BACnet.APDU?, _ replyPacket: Int?, _ out: inout DecodeOutput, orphan: Bool = false) {
        let q = r.apdu
        // Routine (polls, announcements, notifications answered without error): counted without building the event.
        var key: Int?
        var valueHash: Int?
        if q.networkMessage == nil, let type = q.pduType {
            let ok = reply.map { ![5, 6, 7].contains($0.pduType ?? 0) } ?? (type != 0)
            let routineService: Bool = {
                switch (type, q.service) {
                case (0, 12?), (0, 14?), (0, 26?), (0, 1?), (1, 0?), (1, 8?), (1, 2?), (1, 6?): return true
                case (4, _): return true
                default: return false
                }
            }()
            if ok, routineService, !orphan {
                var h = Hasher()
                h.combine(type)
                h.combine(q.service)
                for o in q.objects.prefix(8) { h.combine(o.type); h.combine(o.instance) }
                h.combine(q.properties.prefix(8).map { $0 })
                h.combine(q.destination)    // the same poll of two devices behind one router: two routines
                h.combine(q.source)
                key = h.finalize()
                valueHash = reply?.dataHash ?? q.dataHash
                if out.absorb(key: key, time: r.time, packet: r.packet, messages: reply == nil ? 1 : 2, valueHash: valueHash) { return }
            }
        }
        out.writer.merge(q.extra)
        out.writer.int("bvlc_function", q.bvlcFunction)
        if let c = q.npduControl { out.writer.int("npdu_control", c) }
        // The controller's end behind a router: a confirmed request's destination, an unconfirmed message's sender (a
        // routed device's I-Am or notification), an answer's sender.
        if let station = q.pduType == 0 && !orphan ? q.destination : q.source ?? q.destination {
            out.writer.string("station", station)
        }
        out.writer.int(orphan ? "response_packet" : "request_packet", r.packet)
        var kind: String
        var summary: String
        if let nm = q.networkMessage {
            kind = "ics.bacnet.network_message"
            out.writer.int("network_message", nm)
            summary = "BACnet network-layer message \(nm)"
        } else if let type = q.pduType {
            out.writer.int("pdu_type", type)
            let name: String
            if orphan {
                name = type == 1 ? BACnet.unconfirmedName(q.service ?? 0) : BACnet.confirmedName(q.service ?? 0)
            } else {
                name = type == 1 ? BACnet.unconfirmedName(q.service ?? 0) : type == 0 ? BACnet.confirmedName(q.service ?? 0)
                    : type == 4 ? "segment_ack" : "pdu-\(type)"
            }
            if let s = q.service { out.writer.int(type == 1 ? "unconfirmed_service" : "confirmed_service", s) }
            out.writer.string("service_name", name)
            kind = "ics.bacnet.\(name)"
            summary = "BACnet \(name)"
        } else {
            kind = "ics.bacnet.bvll"
            summary = "BACnet BVLL function \(q.bvlcFunction)"
        }
        if let i = q.invokeID { out.writer.int("invoke_id", i) }
        if !q.objects.isEmpty {
            out.writer.json("objects") { Self.describe(q.objects, into: &$0) }
            summary += " " + q.objects.prefix(3).map { "\(BACnet.objectTypeName($0.type)),\($0.instance)" }.joined(separator: " ")
        }
        if !q.properties.isEmpty {
            out.writer.ints("properties", q.properties.prefix(64))
            summary += " " + q.properties.prefix(3).map(BACnet.propertyName).joined(separator: ",")
        }
        if !q.values.isEmpty, q.pduType == 0 || q.pduType == 1 {
            out.writer.value("values", .array(q.values))
            summary += " = " + q.values.prefix(3).map(\.text).joined(separator: ", ")
        }
        if let p = q.priority { out.writer.int("priority", p) }
        if !q.writes.isEmpty {
            out.writer.value("control", ControlPoint.attribute(action: "write", q.writes.map {
                (ControlPoint.bacnet(type: $0.type, instance: $0.instance, property: $0.property), $0.value ?? .null)
            }))
        }
        var outcome = q.pduType == 0 ? "no_response" : "ok"
        if let rep = reply {
            if !orphan { out.writer.int("response_packet", replyPacket ?? 0) }
            out.writer.int("response_pdu_type", rep.pduType ?? 0)
            if !rep.objects.isEmpty { out.writer.json("response_objects") { Self.describe(rep.objects, into: &$0) } }
            if !rep.properties.isEmpty { out.writer.ints("response_properties", rep.properties.prefix(64)) }
            if !rep.values.isEmpty { out.writer.value("response_values", .array(rep.values)) }
            if !rep.propertyErrors.isEmpty {
                out.writer.value("property_errors", .array(rep.propertyErrors.prefix(64).map { .object(["error_class": .int(Int64($0.0)), "error_code": .int(Int64($0.1))]) }))
            }
            switch rep.pduType {
            case 5?:
                outcome = "error"
                out.writer.value("error_class", rep.errorClass.map { .int(Int64($0)) } ?? .null)
                out.writer.value("error_code", rep.errorCode.map { .int(Int64($0)) } ?? .null)
                summary += " → error class \(rep.errorClass ?? -1) code \(rep.errorCode ?? -1)"
            case 6?: outcome = "rejected"; out.writer.int("reject_reason", rep.reason ?? 0); summary += " → rejected"
            case 7?: outcome = "aborted"; out.writer.int("abort_reason", rep.reason ?? 0); summary += " → aborted"
            default: outcome = "ok"
            }
        }
        out.writer.string("outcome", outcome)
        out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .ot, kind: kind, src: r.src, dst: r.dst,
                                       summary: summary, writer: &out.writer, routineKey: key,
                                       messages: reply == nil || orphan ? 1 : 2, valueHash: valueHash))
    }
}

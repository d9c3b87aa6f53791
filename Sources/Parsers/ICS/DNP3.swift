import JikochoModel

/// DNP3 (IEEE 1815) over TCP or UDP: link frames with their CRCs, transport segments reassembled into
/// application fragments, function codes, IIN bits and object headers; CROB (group 12) and analog output
/// (groups 40/41) values decoded. Sizes of fixed-size objects follow IEEE 1815-2012 Annex A.
public enum DNP3 {
    public static func functionName(_ f: UInt8) -> String {
        let names: [UInt8: String] = [
            0: "confirm", 1: "read", 2: "write", 3: "select", 4: "operate", 5: "direct_operate", 6: "direct_operate_nr",
            7: "immediate_freeze", 8: "immediate_freeze_nr", 9: "freeze_clear", 10: "freeze_clear_nr",
            11: "freeze_at_time", 12: "freeze_at_time_nr", 13: "cold_restart", 14: "warm_restart",
            15: "initialize_data", 16: "initialize_application", 17: "start_application", 18: "stop_application",
            19: "save_configuration", 20: "enable_unsolicited", 21: "disable_unsolicited", 22: "assign_class",
            23: "delay_measure", 24: "record_current_time", 25: "open_file", 26: "close_file", 27: "delete_file",
            28: "get_file_info", 29: "authenticate_file", 30: "abort_file", 31: "activate_config",
            32: "authenticate_request", 33: "authenticate_error", 129: "response", 130: "unsolicited_response",
            131: "authenticate_response",
        ]
        return names[f] ?? "unknown-\(f)"
    }

    /// IIN bits (first octet low bit first, then the second octet).
    public static func iinNames(_ iin: UInt16) -> [String] {
        let names = ["all_stations", "class_1_events", "class_2_events", "class_3_events", "need_time",
                     "local_control", "device_trouble", "device_restart", "no_func_code_support", "object_unknown",
                     "parameter_error", "event_buffer_overflow", "already_executing", "config_corrupt", "reserved_2",
                     "reserved_1"]
        let bits = (iin >> 8) | ((iin & 0xFF) << 8)   // wire order: IIN1 then IIN2
        return (0..<16).compactMap { bits & (1 << $0) != 0 ? names[$0] : nil }
    }

    public static func controlOperation(_ code: UInt8) -> String {
        let op = ["nul", "pulse_on", "pulse_off", "latch_on", "latch_off"][safe: Int(code & 0x0F)] ?? "op-\(code & 0x0F)"
        let tc = ["", "close", "trip", "reserved"][Int(code >> 6)]
        return tc.isEmpty ? op : "\(op)+\(tc)"
    }

    /// The state a CROB drives its output to: a close or a latch/pulse on is 1, a trip or a latch/pulse off is 0;
    /// nil for NUL and unknown codes.
    public static func binaryValue(_ code: UInt8) -> Int64? {
        switch code >> 6 {
        case 1: return 1
        case 2: return 0
        default: break
        }
        switch code & 0x0F {
        case 1, 3: return 1
        case 2, 4: return 0
        default: return nil
        }
    }

    public static func statusName(_ s: UInt8) -> String {
        let names = ["success", "timeout", "no_select", "format_error", "not_supported", "already_active",
                     "hardware_error", "local", "too_many_objs", "not_authorized", "automation_inhibit",
                     "processing_limited", "out_of_range", "downstream_local", "already_complete", "blocked",
                     "canceled", "blocked_other_master", "downstream_fail"]
        return s < names.count ? names[Int(s)] : (s == 126 ? "non_participating" : "status-\(s)")
    }

    /// Bytes per object of a fixed-size variation; 0 for packed bits (see `bitsPerObject`); nil when not known.
    static func objectSize(_ g: UInt8, _ v: UInt8) -> Int? {
        switch (g, v) {
        case (1, 2), (3, 2), (10, 2), (13, 1): return 1
        case (2, 1), (4, 1), (11, 1): return 1
        case (2, 2), (4, 2), (11, 2), (13, 2): return 7
        case (2, 3), (4, 3): return 3
        case (12, 1), (12, 2): return 11
        case (20, 1), (20, 3), (22, 1), (22, 3), (23, 1), (23, 3), (21, 1), (21, 3): return 5
        case (20, 2), (20, 4), (22, 2), (22, 4), (23, 2), (23, 4), (21, 2), (21, 4): return 3
        case (20, 5), (20, 7), (21, 9), (21, 11): return 4
        case (20, 6), (20, 8), (21, 10), (21, 12): return 2
        case (21, 5), (21, 7), (22, 5), (22, 7), (23, 5), (23, 7): return 11
        case (21, 6), (21, 8), (22, 6), (22, 8), (23, 6), (23, 8): return 9
        case (30, 1), (30, 5): return 5
        case (30, 2): return 3
        case (30, 3): return 4
        case (30, 4): return 2
        case (30, 6): return 9
        case (31, 1), (31, 7): return 5
        case (31, 2): return 3
        case (31, 3): return 11
        case (31, 4): return 9
        case (31, 5): return 4
        case (31, 6): return 2
        case (31, 8): return 9
        case (32, 1), (33, 1), (32, 5), (33, 5), (42, 1), (42, 3), (43, 1), (43, 5): return 5
        case (32, 2), (33, 2), (42, 2), (43, 2): return 3
        case (32, 3), (33, 3), (32, 7), (33, 7), (42, 5), (42, 7), (43, 3), (43, 7): return 11
        case (32, 4), (33, 4), (32, 6), (33, 6), (42, 4), (42, 6), (43, 4), (43, 6): return 9
        case (32, 8), (33, 8), (42, 8), (43, 8): return 15
        case (34, 1): return 2
        case (34, 2), (34, 3): return 4
        case (40, 1), (40, 3), (41, 1), (41, 3): return 5
        case (40, 2), (41, 2): return 3
        case (40, 4), (41, 4): return 9
        case (50, 1), (50, 3): return 6
        case (50, 2): return 10
        case (50, 4): return 11
        case (51, 1), (51, 2): return 6
        case (52, 1), (52, 2): return 2
        case (110, let n), (111, let n): return Int(n)
        default: return nil
        }
    }

    /// Bits per object of packed variations.
    static func bitsPerObject(_ g: UInt8, _ v: UInt8) -> Int? {
        switch (g, v) {
        case (1, 1), (10, 1), (80, 1), (12, 3): return 1
        case (3, 1): return 2
        default: return nil
        }
    }

    public struct Point: Sendable {
        public var index: Int
        public var value: JSONValue
        public var extra: [String: JSONValue] = [:]
    }

    public struct ObjectHeader: Sendable {
        public var group: UInt8
        public var variation: UInt8
        public var prefixCode: UInt8
        public var rangeCode: UInt8
        public var start: Int?
        public var stop: Int?
        public var quantity: Int?
        public var points: [Point] = []
        public var name: String { "g\(group)v\(variation)" }
    }

    public struct Fragment: Sendable {
        public var control: UInt8
        public var function: UInt8
        public var iin: UInt16?
        public var objects: [ObjectHeader] = []
        public var problem: String?
        /// Hash of the fragment's bytes after the function code (values included), for routine summaries.
        public var dataHash = 0
        public var fir: Bool { control & 0x80 != 0 }
        public var fin: Bool { control & 0x40 != 0 }
        public var con: Bool { control & 0x20 != 0 }
        public var uns: Bool { control & 0x10 != 0 }
        public var sequence: UInt8 { control & 0x0F }
        public var isResponse: Bool { function >= 129 }
    }

    /// At most this many points are kept per fragment (the rest are counted).
    static let maxPoints = 256

    public static func decodeFragment(_ b: [UInt8]) -> Fragment? {
        var c = ByteCursor(b)
        guard let control = c.u8(), let fn = c.u8() else { return nil }
        var frag = Fragment(control: control, function: fn)
        var dh = Hasher()
        dh.combineBytes(b.dropFirst(2))
        frag.dataHash = dh.finalize()
        if fn >= 129 {
            guard let iin = c.u16() else {
                frag.problem = "response without IIN"
                return frag
            }
            frag.iin = iin
        }
        // Requests that name objects without data: read, freeze, enable/disable unsolicited, assign class.
        let headersOnly = !frag.isResponse && [1, 7, 8, 9, 10, 20, 21, 22].contains(fn)
        var kept = 0
        while !c.isAtEnd {
            guard frag.objects.count < 1024 else {
                frag.problem = "more than 1024 object headers"
                break
            }
            guard let g = c.u8(), let v = c.u8(), let q = c.u8() else {
                frag.problem = "object header cut short"
                break
            }
            var h = ObjectHeader(group: g, variation: v, prefixCode: (q >> 4) & 7, rangeCode: q & 0x0F)
            switch h.rangeCode {
            case 0: h.start = c.u8().map(Int.init); h.stop = c.u8().map(Int.init)
            case 1: h.start = c.u16le().map(Int.init); h.stop = c.u16le().map(Int.init)
            case 2: h.start = c.u32le().map(Int.init); h.stop = c.u32le().map(Int.init)
            case 6: break
            case 7: h.quantity = c.u8().map(Int.init)
            case 8: h.quantity = c.u16le().map(Int.init)
            case 9: h.quantity = c.u32le().map(Int.init)
            case 0xB: h.quantity = c.u8().map(Int.init)
            default:
                frag.problem = "object g\(g)v\(v): qualifier range code \(h.rangeCode) not decoded"
                frag.objects.append(h)
                return frag
            }
            if h.rangeCode <= 2, h.stop == nil || h.start == nil {
                frag.problem = "object range cut short"
                frag.objects.append(h)
                return frag
            }
            if [7, 8, 9, 0xB].contains(h.rangeCode), h.quantity == nil {
                frag.problem = "object count cut short"
                frag.objects.append(h)
                return frag
            }
            frag.objects.append(h)
            if headersOnly || h.rangeCode == 6 || g == 60 { continue }
            let count: Int
            if let s = h.start, let e = h.stop {
                guard e >= s else {
                    frag.problem = "object g\(g)v\(v): range stop \(e) before start \(s)"
                    return frag
                }
                count = e - s + 1
            } else {
                count = h.quantity ?? 0
            }
            guard count <= c.remaining * 8 + 8 else {
                frag.problem = "object g\(g)v\(v): \(count) objects cannot fit in \(c.remaining) bytes"
                return frag
            }
            if let bits = bitsPerObject(g, v), h.prefixCode == 0 {
                let n = (count * bits + 7) / 8
                guard let data = c.take(n) else { frag.problem = "packed objects cut short"; return frag }
                var i = 0
                while i < count, kept < maxPoints {
                    let bitPos = i * bits
                    let byte = data[data.startIndex + bitPos / 8]
                    let val = Int(byte >> UInt8(bitPos % 8)) & ((1 << bits) - 1)
                    frag.objects[frag.objects.count - 1].points.append(Point(index: (h.start ?? 0) + i, value: .int(Int64(val))))
                    kept += 1
                    i += 1
                }
                continue
            }
            for i in 0..<count {
                var index = (h.start ?? 0) + i
                var size: Int?
                switch h.prefixCode {
                case 0: break
                case 1: guard let x = c.u8() else { frag.problem = "object prefix cut short"; return frag }; index = Int(x)
                case 2: guard let x = c.u16le() else { frag.problem = "object prefix cut short"; return frag }; index = Int(x)
                case 3: guard let x = c.u32le() else { frag.problem = "object prefix cut short"; return frag }; index = Int(x)
                case 4: guard let x = c.u8() else { frag.problem = "object prefix cut short"; return frag }; size = Int(x)
                case 5: guard let x = c.u16le() else { frag.problem = "object prefix cut short"; return frag }; size = Int(x)
                case 6: guard let x = c.u32le() else { frag.problem = "object prefix cut short"; return frag }; size = Int(x)
                default: frag.problem = "object prefix code \(h.prefixCode) not decoded"; return frag
                }
                guard let n = size ?? objectSize(g, v) else {
                    frag.problem = "object g\(g)v\(v): size not known; the rest of the fragment is not decoded"
                    return frag
                }
                guard let data = c.take(n) else {
                    frag.problem = "object g\(g)v\(v) index \(index) cut short"
                    return frag
                }
                if kept < maxPoints, let p = point(g, v, index: index, Array(data)) {
                    frag.objects[frag.objects.count - 1].points.append(p)
                    kept += 1
                }
            }
        }
        return frag
    }

    static func point(_ g: UInt8, _ v: UInt8, index: Int, _ d: [UInt8]) -> Point? {
        var c = ByteCursor(d)
        func i32() -> Int64? { c.u32le().map { Int64(Int32(bitPattern: $0)) } }
        func i16() -> Int64? { c.u16le().map { Int64(Int16(bitPattern: $0)) } }
        func f32() -> Double? { c.u32le().map { Double(Float(bitPattern: $0)) } }
        func f64() -> Double? { c.u64le().map { Double(bitPattern: $0) } }
        switch (g, v) {
        case (12, 1), (12, 2):
            guard let code = c.u8(), let count = c.u8(), let on = c.u32le(), let off = c.u32le(), let st = c.u8() else { return nil }
            return Point(index: index, value: .string(controlOperation(code)),
                         extra: ["control_code": .int(Int64(code)), "count": .int(Int64(count)), "on_time_ms": .int(Int64(on)),
                                 "off_time_ms": .int(Int64(off)), "status": .string(statusName(st & 0x7F))])
        case (41, 1): guard let x = i32(), let st = c.u8() else { return nil }; return Point(index: index, value: .int(x), extra: ["status": .string(statusName(st))])
        case (41, 2): guard let x = i16(), let st = c.u8() else { return nil }; return Point(index: index, value: .int(x), extra: ["status": .string(statusName(st))])
        case (41, 3): guard let x = f32(), let st = c.u8() else { return nil }; return Point(index: index, value: .double(x), extra: ["status": .string(statusName(st))])
        case (41, 4): guard let x = f64(), let st = c.u8() else { return nil }; return Point(index: index, value: .double(x), extra: ["status": .string(statusName(st))])
        case (40, 1), (30, 1), (32, 1), (42, 1): guard let fl = c.u8(), let x = i32() else { return nil }; return Point(index: index, value: .int(x), extra: ["flags": .int(Int64(fl))])
        case (40, 2), (30, 2), (32, 2), (42, 2): guard let fl = c.u8(), let x = i16() else { return nil }; return Point(index: index, value: .int(x), extra: ["flags": .int(Int64(fl))])
        case (40, 3), (30, 5), (32, 5), (42, 3): guard let fl = c.u8(), let x = f32() else { return nil }; return Point(index: index, value: .double(x), extra: ["flags": .int(Int64(fl))])
        case (40, 4), (30, 6), (32, 6), (42, 4): guard let fl = c.u8(), let x = f64() else { return nil }; return Point(index: index, value: .double(x), extra: ["flags": .int(Int64(fl))])
        case (30, 3): guard let x = i32() else { return nil }; return Point(index: index, value: .int(x))
        case (30, 4): guard let x = i16() else { return nil }; return Point(index: index, value: .int(x))
        case (1, 2), (10, 2), (2, 1), (2, 2), (2, 3), (11, 1), (11, 2):
            guard let fl = c.u8() else { return nil }
            return Point(index: index, value: .int(Int64(fl >> 7)), extra: ["flags": .int(Int64(fl))])
        case (20, 1), (21, 1), (22, 1): guard let fl = c.u8(), let x = c.u32le() else { return nil }; return Point(index: index, value: .int(Int64(x)), extra: ["flags": .int(Int64(fl))])
        case (20, 2), (21, 2), (22, 2): guard let fl = c.u8(), let x = c.u16le() else { return nil }; return Point(index: index, value: .int(Int64(x)), extra: ["flags": .int(Int64(fl))])
        case (20, 5), (21, 9): guard let x = c.u32le() else { return nil }; return Point(index: index, value: .int(Int64(x)))
        case (20, 6), (21, 10): guard let x = c.u16le() else { return nil }; return Point(index: index, value: .int(Int64(x)))
        case (50, 1):
            guard d.count >= 6 else { return nil }
            var ms: Int64 = 0
            for k in (0..<6).reversed() { ms = ms << 8 | Int64(d[k]) }
            return Point(index: index, value: .string(Timestamp(nanoseconds: ms * 1_000_000).iso8601()))
        default:
            return nil
        }
    }

    /// DNP3 link-layer CRC (polynomial 0x3D65, reflected, complemented).
    public static func crc(_ b: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in b { crc = (crc >> 8) ^ crcTable[Int((crc ^ UInt16(byte)) & 0xFF)] }
        return ~crc
    }

    static let crcTable: [UInt16] = (0..<256).map { i -> UInt16 in
        var c = UInt16(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xA6BC : c >> 1 }
        return c
    }

    /// Size of the link frame at the start of `b` (header and data blocks with their CRCs).
    static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard b.count >= 3 else { return .needMore }
        guard b[0] == 0x05, b[1] == 0x64 else { return .invalid("no DNP3 start bytes 0x0564") }
        let len = Int(b[2])
        guard len >= 5 else { return .invalid("DNP3 link length \(len) < 5") }
        let data = len - 5
        return .frame(10 + data + 2 * ((data + 15) / 16))
    }

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 10, b[0] == 0x05, b[1] == 0x64, b[2] >= 5 else { return false }
        let header = Array(b[0..<8])[...]
        return crc(header) == UInt16(b[8]) | UInt16(b[9]) << 8
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}

/// The DNP3 decoder of one flow: link frames → transport reassembly → application fragments, requests paired with
/// responses by application sequence number.
public final class DNP3Decoder: FlowDecoder {
    public let protocolName = "dnp3"
    var framer = DuplexFramer(maxFrame: 292, length: DNP3.frameLength)
    var apduToServer: [UInt8] = []
    var apduToClient: [UInt8] = []
    var crcErrors = 0
    static let maxAPDU = 65_536

    struct Request {
        var frag: DNP3.Fragment
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
        var link: (src: UInt16, dst: UInt16)
    }

    var pending: [Request] = []
    var budget = WarningBudget()
    var lastSelect: (objects: [UInt8], packet: Int, time: Int64)?
    var lastRequestBytes: [UInt8] = []

    public init() {}

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "DNP3: \(w); framing restarts at the next segment") }
        for f in frames { frame(f, ctx, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        framer.reset(fromClient: ctx.fromClient)
        if ctx.fromClient { apduToServer = [] } else { apduToClient = [] }
    }

    func frame(_ f: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard f.count >= 10 else { return }
        if DNP3.crc(f[0..<8]) != UInt16(f[8]) | UInt16(f[9]) << 8 {
            crcErrors += 1
            out.warn(ctx.packet, "DNP3 link header CRC error; frame decoded anyway")
        }
        let control = f[3]
        let dst = UInt16(f[4]) | UInt16(f[5]) << 8, src = UInt16(f[6]) | UInt16(f[7]) << 8
        // User data in blocks of up to 16 bytes, each with its CRC.
        var user: [UInt8] = []
        var at = 10
        var badBlock = false
        while at < f.count {
            let n = min(16, f.count - at - 2)
            guard n > 0 else { break }
            let block = f[at..<(at + n)]
            if DNP3.crc(block) != UInt16(f[at + n]) | UInt16(f[at + n + 1]) << 8 { badBlock = true }
            user += block
            at += n + 2
        }
        if badBlock {
            crcErrors += 1
            out.warn(ctx.packet, "DNP3 data block CRC error; data decoded anyway")
        }
        // Only primary frames carrying user data (confirmed 3 / unconfirmed 4) hold transport segments.
        guard control & 0x40 != 0, control & 0x0F == 3 || control & 0x0F == 4, let th = user.first else { return }
        let fir = th & 0x40 != 0, fin = th & 0x80 != 0
        let segment = user.dropFirst()
        func take(_ buffer: inout [UInt8]) -> [UInt8]? {
            if fir { buffer = [] }
            buffer += segment
            if buffer.count > DNP3Decoder.maxAPDU {
                out.warn(ctx.packet, "DNP3 application fragment over \(DNP3Decoder.maxAPDU) bytes; dropped")
                buffer = []
                return nil
            }
            guard fin else { return nil }
            defer { buffer = [] }
            return buffer
        }
        let apdu = ctx.fromClient ? take(&apduToServer) : take(&apduToClient)
        guard let apdu, let frag = DNP3.decodeFragment(apdu) else { return }
        if let p = frag.problem { out.warn(ctx.packet, "DNP3 \(DNP3.functionName(frag.function)): \(p)") }
        application(frag, apdu, link: (src, dst), ctx, &out)
    }

    func application(_ frag: DNP3.Fragment, _ apdu: [UInt8], link: (src: UInt16, dst: UInt16), _ ctx: PacketContext,
                     _ out: inout DecodeOutput) {
        let req = Request(frag: frag, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst, link: link)
        if frag.function == 0 {
            return emit(req, nil, nil, nil, &out)   // confirm
        }
        if frag.isResponse {
            if frag.function == 130 || frag.uns { return emit(req, nil, nil, nil, &out, unsolicited: true) }
            if let i = pending.firstIndex(where: { $0.frag.sequence == frag.sequence }) {
                let r = pending.remove(at: i)
                for older in pending.prefix(i) { emit(older, nil, nil, nil, &out) }
                pending.removeFirst(i)
                emit(r, frag, ctx.packet, ctx.time, &out)
            } else {
                emit(req, nil, nil, nil, &out, orphanResponse: true)
            }
            return
        }
        // DIRECT_OPERATE_NR and freeze _NR expect no response.
        if [6, 8, 10, 12].contains(frag.function) { return emit(req, nil, nil, nil, &out, noResponseExpected: true) }
        if frag.function == 3 { lastSelect = (Array(apdu.dropFirst(2)), ctx.packet, ctx.time) }
        pending.append(req)
        if pending.count > 16 { emit(pending.removeFirst(), nil, nil, nil, &out) }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "DNP3")
        for r in pending { emit(r, nil, nil, nil, &out) }
        pending = []
    }

    func emit(_ r: Request, _ resp: DNP3.Fragment?, _ respPacket: Int?, _ respTime: Int64?, _ out: inout DecodeOutput,
              unsolicited: Bool = false, orphanResponse: Bool = false, noResponseExpected: Bool = false) {
        let q = r.frag
        let name = DNP3.functionName(q.function)
        let action = orphanResponse || (q.isResponse && !unsolicited) ? "response" : name
        // Polls (READ answered without error), unsolicited reports and confirms are the routine.
        var key: Int?
        var valueHash: Int?
        let readOK: Bool = {
            guard q.function == 1, let resp else { return false }
            return (resp.iin ?? 0) & 0x0007 == 0
        }()
        if readOK || unsolicited || q.function == 0 {
            var h = Hasher()
            h.combine(action)
            // One connection to a terminal server carries the polls of every outstation behind it: each its own.
            h.combine(r.link.src)
            h.combine(r.link.dst)
            for o in q.objects {
                h.combine(o.group)
                h.combine(o.variation)
                h.combine(o.start)
                h.combine(o.stop)
                h.combine(o.quantity)
            }
            key = h.finalize()
            valueHash = resp?.dataHash ?? q.dataHash
            if out.absorb(key: key, time: r.time, packet: r.packet, messages: resp == nil ? 1 : 2, valueHash: valueHash) { return }
        }
        out.writer.int("function_code", q.function)
        out.writer.string("function", name)
        out.writer.int("sequence", q.sequence)
        out.writer.int("link_src", r.link.src)
        out.writer.int("link_dst", r.link.dst)
        // The outstation's end: the destination of a master's request, the source of a response without one.
        out.writer.string("station", Station.dnp3(outstation: Int(orphanResponse || unsolicited ? r.link.src : r.link.dst)))
        out.writer.bool("fir", q.fir)
        out.writer.bool("fin", q.fin)
        out.writer.bool("con", q.con)
        out.writer.bool("uns", q.uns)
        if orphanResponse || unsolicited { out.writer.int("response_packet", r.packet) } else { out.writer.int("request_packet", r.packet) }
        var summary = "DNP3 \(name.uppercased()) \(r.link.src)→\(r.link.dst)"
        func describe(_ objs: [DNP3.ObjectHeader]) -> JSONValue {
            .array(objs.map { h in
                var o: [String: JSONValue] = ["object": .string(h.name), "group": .int(Int64(h.group)),
                                              "variation": .int(Int64(h.variation)), "prefix_code": .int(Int64(h.prefixCode)),
                                              "range_code": .int(Int64(h.rangeCode))]
                if let s = h.start { o["start"] = .int(Int64(s)) }
                if let s = h.stop { o["stop"] = .int(Int64(s)) }
                if let s = h.quantity { o["quantity"] = .int(Int64(s)) }
                if !h.points.isEmpty {
                    o["points"] = .array(h.points.map { p in
                        var x = p.extra
                        x["index"] = .int(Int64(p.index))
                        x["value"] = p.value
                        return .object(x)
                    })
                }
                return .object(o)
            })
        }
        if let iin = q.iin {
            out.writer.int("iin", iin)
            out.writer.value("iin_flags", .array(DNP3.iinNames(iin).map { .string($0) }))
        }
        if !q.objects.isEmpty {
            out.writer.value("objects", describe(q.objects))
            summary += " " + q.objects.prefix(4).map(\.name).joined(separator: ",")
        }
        // Commands: the CROB or analog output values, in one place for playbooks.
        let commandPoints = q.objects.filter { $0.group == 12 || $0.group == 41 }.flatMap { h in h.points.map { (h, $0) } }
        if !commandPoints.isEmpty, !q.isResponse {
            out.writer.value("commands", .array(commandPoints.map { h, p in
                var x = p.extra
                x["object"] = .string(h.name)
                x["index"] = .int(Int64(p.index))
                x["value"] = p.value
                return .object(x)
            }))
            summary += " " + commandPoints.prefix(4).map { h, p in "index \(p.index) \(p.value.text)" }.joined(separator: ", ")
            if [2, 3, 4, 5, 6].contains(q.function) {
                let action = q.function == 3 ? "select" : q.function == 2 ? "write" : "operate"
                out.writer.value("control", ControlPoint.attribute(action: action, commandPoints.map { h, p in
                    if h.group == 41 { return (ControlPoint.dnp3(analog: true, index: p.index), p.value) }
                    let code: UInt8 = { if case .int(let c)? = p.extra["control_code"] { return UInt8(truncatingIfNeeded: c) }; return 0 }()
                    return (ControlPoint.dnp3(analog: false, index: p.index), DNP3.binaryValue(code).map { .int($0) } ?? .null)
                }))
            }
        }
        if q.function == 4, let sel = lastSelect, r.packet != sel.packet {
            out.writer.int("select_packet", sel.packet)
        }
        var outcome = noResponseExpected ? "no_response_expected" : "no_response"
        if unsolicited || orphanResponse || q.function == 0 { outcome = "ok" }
        if let resp {
            out.writer.int("response_packet", respPacket ?? 0)
            if let t = respTime { out.writer.double("latency_ms", Double(t - r.time) / 1e6) }
            if let iin = resp.iin {
                out.writer.int("iin", iin)
                out.writer.value("iin_flags", .array(DNP3.iinNames(iin).map { .string($0) }))
            }
            if !resp.objects.isEmpty { out.writer.value("response_objects", describe(resp.objects)) }
            let statuses = resp.objects.filter { $0.group == 12 || $0.group == 41 }.flatMap(\.points)
                .compactMap { p -> String? in if case .string(let s)? = p.extra["status"] { return s }; return nil }
            if !statuses.isEmpty { out.writer.value("command_status", .array(statuses.map { .string($0) })) }
            let failed = statuses.contains { $0 != "success" }
                || (resp.iin ?? 0) & 0x0007 != 0   // no function support, object unknown, parameter error (IIN2 low bits)
            outcome = failed ? "error" : "ok"
            if failed { summary += " → " + (statuses.first { $0 != "success" } ?? "error") }
        }
        out.writer.string("outcome", outcome)
        if unsolicited { out.writer.string("note", "unsolicited response") }
        if orphanResponse { out.writer.string("note", "response without a request in the capture") }
        if !(outcome == "ok" || unsolicited || q.function == 0) { key = nil }
        out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .ot, kind: "ics.dnp3.\(action)", src: r.src,
                                       dst: r.dst, summary: summary, writer: &out.writer, routineKey: key,
                                       messages: resp == nil ? 1 : 2, valueHash: valueHash))
    }
}

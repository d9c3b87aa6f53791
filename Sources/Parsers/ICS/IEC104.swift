import JikochoModel

/// IEC 60870-5-104: APCI (I, S and U frames) and the ASDU of IEC 60870-5-101/104 (type id, cause of transmission,
/// common address, information objects with their values). Element sizes from IEC 60870-5-101 clause 7.3.
public enum IEC104 {
    public static func typeName(_ t: UInt8) -> String {
        let names: [UInt8: String] = [
            1: "M_SP_NA_1", 3: "M_DP_NA_1", 5: "M_ST_NA_1", 7: "M_BO_NA_1", 9: "M_ME_NA_1", 11: "M_ME_NB_1",
            13: "M_ME_NC_1", 15: "M_IT_NA_1", 20: "M_PS_NA_1", 21: "M_ME_ND_1", 30: "M_SP_TB_1", 31: "M_DP_TB_1",
            32: "M_ST_TB_1", 33: "M_BO_TB_1", 34: "M_ME_TD_1", 35: "M_ME_TE_1", 36: "M_ME_TF_1", 37: "M_IT_TB_1",
            38: "M_EP_TD_1", 39: "M_EP_TE_1", 40: "M_EP_TF_1", 45: "C_SC_NA_1", 46: "C_DC_NA_1", 47: "C_RC_NA_1",
            48: "C_SE_NA_1", 49: "C_SE_NB_1", 50: "C_SE_NC_1", 51: "C_BO_NA_1", 58: "C_SC_TA_1", 59: "C_DC_TA_1",
            60: "C_RC_TA_1", 61: "C_SE_TA_1", 62: "C_SE_TB_1", 63: "C_SE_TC_1", 64: "C_BO_TA_1", 70: "M_EI_NA_1",
            100: "C_IC_NA_1", 101: "C_CI_NA_1", 102: "C_RD_NA_1", 103: "C_CS_NA_1", 104: "C_TS_NA_1",
            105: "C_RP_NA_1", 106: "C_CD_NA_1", 107: "C_TS_TA_1", 110: "P_ME_NA_1", 111: "P_ME_NB_1",
            112: "P_ME_NC_1", 113: "P_AC_NA_1", 120: "F_FR_NA_1", 121: "F_SR_NA_1", 122: "F_SC_NA_1",
            123: "F_LS_NA_1", 124: "F_AF_NA_1", 125: "F_SG_NA_1", 126: "F_DR_TA_1", 127: "F_SC_NB_1",
        ]
        return names[t] ?? "type-\(t)"
    }

    /// The event action of a type id.
    public static func action(_ t: UInt8) -> String {
        switch t {
        case 45, 58: return "single_command"
        case 46, 59: return "double_command"
        case 47, 60: return "regulating_step_command"
        case 48...50, 61...63: return "setpoint_command"
        case 51, 64: return "bitstring_command"
        case 100: return "interrogation"
        case 101: return "counter_interrogation"
        case 102: return "read_command"
        case 103: return "clock_sync"
        case 104, 107: return "test_command"
        case 105: return "reset_process"
        case 106: return "delay_acquisition"
        case 110...113: return "parameter"
        case 120...127: return "file_transfer"
        case 70: return "end_of_initialization"
        case 1...40: return "monitor"
        default: return "unknown_type"
        }
    }

    public static func causeName(_ c: UInt8) -> String {
        switch c {
        case 1: return "per/cyc"
        case 2: return "back"
        case 3: return "spont"
        case 4: return "init"
        case 5: return "req"
        case 6: return "act"
        case 7: return "actcon"
        case 8: return "deact"
        case 9: return "deactcon"
        case 10: return "actterm"
        case 11: return "retrem"
        case 12: return "retloc"
        case 13: return "file"
        case 20: return "inrogen"
        case 21...36: return "inro\(c - 20)"
        case 37: return "reqcogen"
        case 38...41: return "reqco\(c - 37)"
        case 44: return "unknown_type"
        case 45: return "unknown_cause"
        case 46: return "unknown_common_address"
        case 47: return "unknown_ioa"
        default: return "cause-\(c)"
        }
    }

    /// Bytes of one information element (without its IOA), or nil when not fixed.
    static func elementSize(_ t: UInt8) -> Int? {
        switch t {
        case 1, 3, 45, 46, 47, 70, 100, 101, 105, 113: return 1
        case 5, 21, 104, 106: return 2
        case 9, 11, 48, 49, 110, 111: return 3
        case 51, 122, 124: return 4
        case 7, 13, 15, 20, 50, 112, 123: return 5
        case 120: return 6
        case 103, 121: return 7
        case 30: return 8
        case 31, 58, 59, 60: return 8
        case 32, 107: return 9
        case 34, 35, 38, 40, 61, 62: return 10
        case 39, 64: return 11
        case 33, 36, 37, 63: return 12
        case 126: return 13
        case 127: return 16
        case 102: return 0
        default: return nil
        }
    }

    public struct Object: Sendable {
        public var ioa: Int
        public var value: JSONValue?
        public var quality: Int?
        public var time: String?
        public var extra: [String: JSONValue] = [:]
    }

    public struct APDU: Sendable {
        /// "I", "S" or "U".
        public var format: String
        public var length: Int
        public var tx: Int?
        public var rx: Int?
        public var uFunction: UInt8?
        public var typeID: UInt8?
        public var sq = false
        public var count = 0
        public var cause: UInt8 = 0
        public var negative = false
        public var test = false
        public var originator: UInt8 = 0
        public var commonAddress: Int = 0
        public var objects: [Object] = []
        public var problem: String?
    }

    public static func uFunctionName(_ b: UInt8) -> String {
        switch b & 0xFC {
        case 0x04: return "startdt_act"
        case 0x08: return "startdt_con"
        case 0x10: return "stopdt_act"
        case 0x20: return "stopdt_con"
        case 0x40: return "testfr_act"
        case 0x80: return "testfr_con"
        default: return "u-\(b)"
        }
    }

    static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard b.count >= 2 else { return .needMore }
        guard b[0] == 0x68 else { return .invalid("no IEC 104 start byte 0x68") }
        guard b[1] >= 4 else { return .invalid("IEC 104 APDU length \(b[1]) < 4") }
        return .frame(Int(b[1]) + 2)
    }

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 6, b[0] == 0x68, b[1] >= 4, Int(b[1]) + 2 <= b.count else { return false }
        let c = b[2]
        if c & 1 == 0 { return b[1] >= 10 }               // I-format carries an ASDU
        if c & 3 == 1 { return b[1] == 4 && c == 1 }       // S-format
        return b[1] == 4 && [0x07, 0x0B, 0x13, 0x23, 0x43, 0x83].contains(c)   // U-format
    }

    public static func decode(_ b: [UInt8]) -> APDU? {
        guard b.count >= 6, b[0] == 0x68 else { return nil }
        let c1 = b[2], c2 = b[3], c3 = b[4], c4 = b[5]
        if c1 & 1 == 0 {
            var a = APDU(format: "I", length: Int(b[1]))
            a.tx = Int(c1 >> 1) | Int(c2) << 7
            a.rx = Int(c3 >> 1) | Int(c4) << 7
            decodeASDU(b, into: &a)
            return a
        }
        if c1 & 3 == 1 {
            var a = APDU(format: "S", length: Int(b[1]))
            a.rx = Int(c3 >> 1) | Int(c4) << 7
            return a
        }
        var a = APDU(format: "U", length: Int(b[1]))
        a.uFunction = c1
        return a
    }

    static func decodeASDU(_ b: [UInt8], into a: inout APDU) {
        var c = ByteCursor(b, from: 6)
        guard let t = c.u8(), let vsq = c.u8(), let cot = c.u8(), let oa = c.u8(), let ca = c.u16le() else {
            a.problem = "ASDU header cut short"
            return
        }
        a.typeID = t
        a.sq = vsq & 0x80 != 0
        a.count = Int(vsq & 0x7F)
        a.cause = cot & 0x3F
        a.negative = cot & 0x40 != 0
        a.test = cot & 0x80 != 0
        a.originator = oa
        a.commonAddress = Int(ca)
        guard let size = elementSize(t) else {
            a.problem = "type \(t): element size not known; objects not decoded"
            return
        }
        var ioa = 0
        for i in 0..<a.count {
            if i == 0 || !a.sq {
                guard let x = c.u24le() else { a.problem = "information object address cut short"; return }
                ioa = Int(x)
            } else {
                ioa += 1
            }
            guard let e = c.take(size) else { a.problem = "information element of IOA \(ioa) cut short"; return }
            a.objects.append(element(t, ioa: ioa, Array(e)))
        }
        if !c.isAtEnd { a.problem = "\(c.remaining) bytes after the last information object" }
    }

    static func element(_ t: UInt8, ioa: Int, _ e: [UInt8]) -> Object {
        var o = Object(ioa: ioa)
        var c = ByteCursor(e)
        func cp56(_ x: ArraySlice<UInt8>) -> String? {
            guard x.count == 7 else { return nil }
            let b = Array(x)
            let ms = Int(b[0]) | Int(b[1]) << 8
            let minute = Int(b[2] & 0x3F), hour = Int(b[3] & 0x1F), day = Int(b[4] & 0x1F)
            let month = Int(b[5] & 0x0F), year = 2000 + Int(b[6] & 0x7F)
            let invalid = b[2] & 0x80 != 0
            let text = "\(year)-\(String(month).leftPadded(2))-\(String(day).leftPadded(2))T\(String(hour).leftPadded(2)):\(String(minute).leftPadded(2)):\(String(ms / 1000).leftPadded(2)).\(String(ms % 1000).leftPadded(3))"
            return invalid ? text + " (invalid)" : text
        }
        switch t {
        case 1, 30: if let s = c.u8() { o.value = .int(Int64(s & 1)); o.quality = Int(s & 0xF0) }
        case 3, 31: if let s = c.u8() { o.value = .int(Int64(s & 3)); o.quality = Int(s & 0xF0) }
        case 5, 32: if let v = c.u8(), let q = c.u8() { o.value = .int(Int64(Int8(bitPattern: v << 1) >> 1)); o.extra["transient"] = .bool(v & 0x80 != 0); o.quality = Int(q) }
        case 7, 33: if let v = c.u32le(), let q = c.u8() { o.value = .int(Int64(v)); o.quality = Int(q) }
        case 9, 34: if let v = c.u16le(), let q = c.u8() { o.value = .double(Double(Int16(bitPattern: v)) / 32768); o.quality = Int(q) }
        case 11, 35: if let v = c.u16le(), let q = c.u8() { o.value = .int(Int64(Int16(bitPattern: v))); o.quality = Int(q) }
        case 13, 36: if let v = c.u32le(), let q = c.u8() { o.value = .double(Double(Float(bitPattern: v))); o.quality = Int(q) }
        case 15, 37: if let v = c.u32le(), let s = c.u8() { o.value = .int(Int64(Int32(bitPattern: v))); o.quality = Int(s & 0xE0) }
        case 21: if let v = c.u16le() { o.value = .double(Double(Int16(bitPattern: v)) / 32768) }
        case 45, 58:
            if let s = c.u8() {
                o.value = .int(Int64(s & 1))
                o.extra["select"] = .bool(s & 0x80 != 0)
                o.extra["qualifier"] = .int(Int64((s >> 2) & 0x1F))
            }
        case 46, 47, 59, 60:
            if let s = c.u8() {
                o.value = .int(Int64(s & 3))
                o.extra["select"] = .bool(s & 0x80 != 0)
                o.extra["qualifier"] = .int(Int64((s >> 2) & 0x1F))
            }
        case 48, 61: if let v = c.u16le(), let q = c.u8() { o.value = .double(Double(Int16(bitPattern: v)) / 32768); o.extra["select"] = .bool(q & 0x80 != 0) }
        case 49, 62: if let v = c.u16le(), let q = c.u8() { o.value = .int(Int64(Int16(bitPattern: v))); o.extra["select"] = .bool(q & 0x80 != 0) }
        case 50, 63: if let v = c.u32le(), let q = c.u8() { o.value = .double(Double(Float(bitPattern: v))); o.extra["select"] = .bool(q & 0x80 != 0) }
        case 51, 64: if let v = c.u32le() { o.value = .int(Int64(v)) }
        case 100, 101, 105: if let q = c.u8() { o.value = .int(Int64(q)) }
        case 103: o.time = cp56(e[0...])
        default: break
        }
        if o.time == nil, e.count >= 7, [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 58, 59, 60, 61, 62, 63, 64, 107].contains(t) {
            o.time = cp56(e[(e.count - 7)...])
        }
        return o
    }
}

/// The IEC 104 decoder of one flow: one message per APDU; monitor data, S-frames and test frames are routine.
///
/// A command's activation (cause 6) waits for its confirmation (cause 7, from the other station, same type, common
/// address and first IOA) and takes its outcome from it, as a request takes its answer's in the other protocols: a
/// negative confirmation makes the command `negative`, none at all `no_response`. The confirmation stays a message of
/// its own, naming the command's packet (`command_packet`), and is not itself a command.
public final class IEC104Decoder: FlowDecoder {
    public let protocolName = "iec104"
    var framer = DuplexFramer(maxFrame: 255, length: IEC104.frameLength)
    var budget = WarningBudget()
    /// Activations waiting for their confirmation, oldest first: key, from which side, the message.
    var waiting: [(key: String, fromClient: Bool, message: NetMessage)] = []
    static let maxWaiting = 64

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        for w in waiting { out.messages.append(Self.unanswered(w.message)) }
        waiting = []
        budget.finish(&out, ctx.packet, "IEC 104")
    }

    static func unanswered(_ m: NetMessage) -> NetMessage {
        var m = m
        m.fields["outcome"] = "no_response"
        return m
    }

    /// The key that joins a command's activation and its confirmation.
    static func commandKey(_ a: IEC104.APDU) -> String {
        "\(a.typeID ?? 0)/\(a.commonAddress)/\(a.objects.first?.ioa ?? -1)"
    }

    public init() {}

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "IEC 104: \(w); framing restarts at the next segment") }
        for f in frames {
            guard let a = IEC104.decode(f) else { continue }
            if let p = a.problem { out.warn(ctx.packet, "IEC 104 \(a.typeID.map(IEC104.typeName) ?? a.format): \(p)") }
            emit(a, ctx, &out, raw: f)
        }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        framer.reset(fromClient: ctx.fromClient)
    }

    func emit(_ a: IEC104.APDU, _ ctx: PacketContext, _ out: inout DecodeOutput, raw: [UInt8]) {
        // Measurements, acknowledgements and test frames are the routine: counted without building the event.
        var routine: Int?
        var valueHash: Int?
        switch a.format {
        case "S": routine = "s".hashValue
        case "U" where (a.uFunction ?? 0) & 0xC0 != 0: routine = IEC104.uFunctionName(a.uFunction ?? 0).hashValue
        case "I" where IEC104.action(a.typeID ?? 0) == "monitor":
            var h = Hasher()
            h.combine(a.typeID)
            h.combine(a.cause)
            h.combine(a.commonAddress)
            for o in a.objects.prefix(8) { h.combine(o.ioa) }
            routine = h.finalize()
            var v = Hasher()
            v.combineBytes(raw.dropFirst(12))
            valueHash = v.finalize()
        default: break
        }
        if out.absorb(key: routine, time: ctx.time, packet: ctx.packet, messages: 1, valueHash: valueHash) { return }
        out.writer.string("apci_format", a.format)
        out.writer.int("apdu_length", a.length)
        out.writer.int("request_packet", ctx.packet)
        if let v = a.tx { out.writer.int("tx_sequence", v) }
        if let v = a.rx { out.writer.int("rx_sequence", v) }
        var kind: String
        var summary: String
        var key: Int?
        switch a.format {
        case "S":
            kind = "ics.iec104.ack"
            summary = "IEC 104 S-frame ack up to \(a.rx ?? 0)"
            key = routine
        case "U":
            let name = IEC104.uFunctionName(a.uFunction ?? 0)
            out.writer.string("u_function", name)
            out.writer.int("u_code", a.uFunction ?? 0)
            kind = "ics.iec104." + (name.hasPrefix("testfr") ? "testfr" : name.hasPrefix("startdt") ? "startdt" : "stopdt")
            summary = "IEC 104 \(name.uppercased())"
            if name.hasPrefix("testfr") { key = routine }
        default:
            let t = a.typeID ?? 0
            let action = IEC104.action(t)
            kind = "ics.iec104.\(action)"
            out.writer.int("type_id", t)
            out.writer.string("type_name", IEC104.typeName(t))
            out.writer.int("cause", a.cause)
            out.writer.string("cause_name", IEC104.causeName(a.cause))
            out.writer.bool("negative", a.negative)
            out.writer.bool("test", a.test)
            out.writer.int("originator", a.originator)
            out.writer.int("common_address", a.commonAddress)
            out.writer.string("station", Station.iec104(commonAddress: Int(a.commonAddress)))
            out.writer.bool("sq", a.sq)
            out.writer.int("count", a.count)
            out.writer.value("objects", .array(a.objects.prefix(256).map { o in
                var x = o.extra
                x["ioa"] = .int(Int64(o.ioa))
                if let v = o.value { x["value"] = v }
                if let q = o.quality { x["quality"] = .int(Int64(q)) }
                if let t = o.time { x["time"] = .string(t) }
                return .object(x)
            }))
            summary = "IEC 104 \(IEC104.typeName(t)) \(IEC104.causeName(a.cause)) CA \(a.commonAddress)"
            if let o = a.objects.first {
                summary += " IOA \(o.ioa)"
                if let v = o.value { summary += " = \(v.text)" }
                if a.objects.count > 1 { summary += " (+\(a.objects.count - 1))" }
            }
            if a.negative { summary += " NEGATIVE" }
            // A command's activation (from the controlling station) is the control fact; its confirmation and
            // termination (from the controlled one) are not.
            if a.cause == 6, ["single_command", "double_command", "regulating_step_command", "setpoint_command",
                              "bitstring_command"].contains(action), !a.objects.isEmpty {
                let select = a.objects.contains { $0.extra["select"] == .bool(true) }
                // A double command's state (DCS: 1 off, 2 on, 0 and 3 not permitted) as the state it commands, 0 or
                // 1, as a CROB's trip and close are: what a historian's on/off tag shows.
                let double = action == "double_command"
                out.writer.value("control", ControlPoint.attribute(action: select ? "select" : "operate", a.objects.map { o in
                    guard double else { return (ControlPoint.iec104(ioa: o.ioa), o.value ?? .null) }
                    let state: JSONValue = o.value == .int(2) ? .int(1) : o.value == .int(1) ? .int(0) : .null
                    return (ControlPoint.iec104(ioa: o.ioa), state)
                }))
            }
            out.writer.string("outcome", a.negative ? "negative" : "ok")
            // Measurements and their acknowledgements are the routine; commands are kept.
            if action == "monitor" {
                key = routine
            } else if a.cause == 7 || a.cause == 10,
                      let i = waiting.firstIndex(where: { $0.key == Self.commandKey(a) && $0.fromClient != ctx.fromClient }) {
                // The confirmation of a waiting activation: the command takes its outcome, and leaves.
                var command = waiting.remove(at: i).message
                command.fields["outcome"] = .string(a.negative ? "negative" : "ok")
                command.fields["response_packet"] = .int(Int64(ctx.packet))
                command.messages += 1
                command.fields["messages"] = .int(Int64(command.messages))
                if a.negative { command.summary += " → NEGATIVE confirmation" }
                out.messages.append(command)
                out.writer.int("command_packet", command.packet)
            }
        }
        let message = NetMessage(time: ctx.time, packet: ctx.packet, domain: .ot, kind: kind, src: ctx.src, dst: ctx.dst,
                                 summary: summary, writer: &out.writer, routineKey: key, valueHash: valueHash)
        if a.format == "I", a.cause == 6, IEC104.action(a.typeID ?? 0) != "monitor" {
            // An activation: held until its confirmation (bounded: the oldest leaves unanswered).
            waiting.append((Self.commandKey(a), ctx.fromClient, message))
            if waiting.count > Self.maxWaiting { out.messages.append(Self.unanswered(waiting.removeFirst().message)) }
            return
        }
        out.messages.append(message)
    }
}

import JikochoModel

/// HART-IP (FieldComm Group HCF_SPEC-085): HART field instruments reached over IP through a multiplexer, gateway or
/// the instrument itself, on port 5094 over UDP or TCP. An 8-byte header (version, message type, message id, status,
/// sequence number, byte count of the whole message), then for a pass-through message a HART token-passing PDU as on
/// the 4–20 mA loop: delimiter (frame type in bits 0–2, a five-byte unique address when bit 7 is set, else a one-byte
/// polling address; expansion bytes in bits 5–6), address, command, byte count, a response's response code and
/// device status, the data, and a longitudinal-parity check byte. Commands 0–30 and 32–127 are the universal and
/// common practice ones; 31 carries a 16-bit command number in its first two data bytes (HART 6 and 7).
///
/// What matters to an investigation is what changes an instrument and so what the control system sees: a range
/// rewritten (35, 36, 37), the loop current fixed at a value (40) or trimmed (45, 46), a device variable simulated at
/// a value (79), its units, damping or transfer function changed, a device reset (42). Those become the protocol-
/// neutral control facts (`hart:loop_current`, `hart:pv_urv`, `hart:dv:0`, …) with their values.
public enum HARTIP {
    public static let port: UInt16 = 5094
    static let headerLength = 8
    /// The largest message accepted (HART-IP allows more, but a pass-through PDU is at most a few hundred bytes).
    static let maxMessage = 8192

    public struct Header: Sendable, Equatable {
        public var version: UInt8
        /// 0 request, 1 response, 2 publish (a burst message), 3 error, 15 NAK.
        public var messageType: UInt8
        /// 0 session initiate, 1 session close, 2 keep alive, 3 pass-through (a HART PDU).
        public var messageID: UInt8
        public var status: UInt8
        public var sequence: UInt16
        public var length: Int
    }

    public static func header(_ b: some RandomAccessCollection<UInt8>) -> Header? {
        guard b.count >= headerLength else { return nil }
        let s = b.startIndex
        func at(_ i: Int) -> UInt8 { b[b.index(s, offsetBy: i)] }
        return Header(version: at(0), messageType: at(1), messageID: at(2), status: at(3),
                      sequence: UInt16(at(4)) << 8 | UInt16(at(5)), length: Int(at(6)) << 8 | Int(at(7)))
    }

    static func plausible(_ h: Header) -> Bool {
        (1...2).contains(h.version) && [0, 1, 2, 3, 15].contains(h.messageType) && h.messageID <= 5
            && h.length >= headerLength && h.length <= maxMessage
    }

    /// Content test: a plausible header whose byte count the bytes hold (a datagram: exactly).
    public static func looksLike(_ b: UnsafeRawBufferPointer, datagram: Bool) -> Bool {
        guard let h = header(b), plausible(h) else { return false }
        return datagram ? h.length == b.count : h.length <= b.count
    }

    static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard let h = header(b) else { return .needMore }
        guard plausible(h) else {
            return .invalid("HART-IP header (version \(h.version), type \(h.messageType), id \(h.messageID), length \(h.length)) out of range")
        }
        return .frame(h.length)
    }

    public enum FrameType: UInt8, Sendable {
        case burst = 1, request = 2, response = 6
    }

    /// One HART token-passing PDU.
    public struct PDU: Sendable {
        public var preambles = 0
        public var delimiter: UInt8 = 0
        public var frameType: FrameType?
        /// The five-byte unique address (its first byte's master and burst bits cleared), or the polling address.
        public var uniqueAddress: [UInt8]?
        public var pollingAddress: Int?
        public var command = 0
        public var byteCount = 0
        public var responseCode: UInt8?
        public var deviceStatus: UInt8?
        /// The data after the status bytes (a response) or after the byte count (a request); for command 31, after
        /// the 16-bit command number.
        public var data: [UInt8] = []
        public var checkOK = true
        public var problem: String?

        /// The device the PDU addresses: `hart:<unique address in hex>` or `hart:poll:<n>`.
        public var station: String? {
            if let u = uniqueAddress { return Station.hart(uniqueAddress: u) }
            return pollingAddress.map { Station.hart(polling: $0) }
        }
    }

    /// Reads a pass-through body (preambles allowed, as Wireshark allows them).
    public static func pdu(_ body: ArraySlice<UInt8>) -> PDU? {
        var p = PDU()
        var i = body.startIndex
        while i < body.endIndex, body[i] == 0xFF, p.preambles < 32 { p.preambles += 1; i += 1 }
        guard i < body.endIndex else { return nil }
        let start = i
        p.delimiter = body[i]
        p.frameType = FrameType(rawValue: p.delimiter & 0x07)
        i += 1
        if p.delimiter & 0x80 != 0 {
            guard i + 5 <= body.endIndex else { p.problem = "PDU cut short of its unique address"; return p }
            var u = Array(body[i..<(i + 5)])
            u[0] &= 0x3F
            p.uniqueAddress = u
            i += 5
        } else {
            guard i < body.endIndex else { p.problem = "PDU cut short of its polling address"; return p }
            p.pollingAddress = Int(body[i] & 0x3F)
            i += 1
        }
        i += Int(p.delimiter >> 5 & 0x03)    // expansion bytes
        guard i + 2 <= body.endIndex else { p.problem = "PDU cut short of its command and byte count"; return p }
        p.command = Int(body[i])
        p.byteCount = Int(body[i + 1])
        i += 2
        var dataEnd = min(body.endIndex, i + p.byteCount)
        if dataEnd < i + p.byteCount { p.problem = "byte count \(p.byteCount), \(body.endIndex - i) bytes follow" }
        if p.frameType != .request, i + 2 <= dataEnd {
            p.responseCode = body[i]
            p.deviceStatus = body[i + 1]
            i += 2
        }
        if p.command == 31, i + 2 <= dataEnd {
            p.command = Int(body[i]) << 8 | Int(body[i + 1])
            i += 2
        }
        dataEnd = max(i, dataEnd)
        p.data = Array(body[i..<dataEnd])
        if dataEnd < body.endIndex {
            var parity: UInt8 = 0
            for k in start..<dataEnd { parity ^= body[k] }
            p.checkOK = parity == body[dataEnd]
        } else if p.problem == nil {
            p.problem = "PDU has no check byte"
        }
        return p
    }

    // MARK: Commands

    static let names: [Int: String] = [
        0: "read_unique_identifier", 1: "read_primary_variable", 2: "read_loop_current_and_percent_of_range",
        3: "read_dynamic_variables_and_loop_current", 6: "write_polling_address", 7: "read_loop_configuration",
        8: "read_dynamic_variable_classifications", 9: "read_device_variables_with_status",
        11: "read_unique_identifier_by_tag", 12: "read_message", 13: "read_tag_descriptor_date",
        14: "read_primary_variable_transducer_information", 15: "read_device_information",
        16: "read_final_assembly_number", 17: "write_message", 18: "write_tag_descriptor_date",
        19: "write_final_assembly_number", 20: "read_long_tag", 21: "read_unique_identifier_by_long_tag",
        22: "write_long_tag", 33: "read_device_variables", 34: "write_primary_variable_damping_value",
        35: "write_primary_variable_range_values", 36: "set_primary_variable_upper_range_value",
        37: "set_primary_variable_lower_range_value", 38: "reset_configuration_changed_flag",
        40: "enter_exit_fixed_current_mode", 41: "perform_self_test", 42: "perform_device_reset",
        43: "set_primary_variable_zero", 44: "write_primary_variable_units", 45: "trim_loop_current_zero",
        46: "trim_loop_current_gain", 47: "write_primary_variable_transfer_function", 48: "read_additional_device_status",
        49: "write_primary_variable_transducer_serial_number", 50: "read_dynamic_variable_assignments",
        51: "write_dynamic_variable_assignments", 53: "write_device_variable_units",
        54: "read_device_variable_information", 55: "write_device_variable_damping_value",
        59: "write_number_of_response_preambles", 79: "write_device_variable",
    ]

    public static func name(_ command: Int) -> String { names[command] ?? "command_\(command)" }

    /// Commands that only read (their answers, when they say the same as before, are a poll's routine).
    static func isRead(_ command: Int) -> Bool {
        [0, 1, 2, 3, 7, 8, 9, 11, 12, 13, 14, 15, 16, 20, 21, 33, 48, 50, 54].contains(command)
    }

    /// Commands that act on the device rather than write a value (a reset, a self test, a flag reset).
    static let actions: Set<Int> = [38, 41, 42]

    /// Response codes that are warnings: the command was carried out (HART's classes: 8–15, 24–31, 96–111).
    static func isWarning(_ code: UInt8) -> Bool { (8...15).contains(code) || (24...31).contains(code) || (96...111).contains(code) }

    static let statusBits: [(UInt8, String)] = [
        (0x80, "device_malfunction"), (0x40, "configuration_changed"), (0x20, "cold_start"),
        (0x10, "more_status_available"), (0x08, "loop_current_fixed"), (0x04, "loop_current_saturated"),
        (0x02, "non_primary_variable_out_of_limits"), (0x01, "primary_variable_out_of_limits"),
    ]

    /// A big-endian IEEE 754 single at `i`, as a value (NaN, the "not a number" HART writes for no value, as null).
    static func float(_ d: [UInt8], _ i: Int) -> JSONValue {
        guard i + 4 <= d.count else { return .null }
        let f = Float(bitPattern: UInt32(d[i]) << 24 | UInt32(d[i + 1]) << 16 | UInt32(d[i + 2]) << 8 | UInt32(d[i + 3]))
        return f.isFinite ? .double(Double(f)) : .null
    }

    /// HART's packed ASCII: four 6-bit characters in three bytes.
    static func packedASCII(_ d: ArraySlice<UInt8>) -> String {
        var out = ""
        var bytes = Array(d)
        while bytes.count % 3 != 0 { bytes.append(0) }
        for g in stride(from: 0, to: bytes.count, by: 3) {
            let v = UInt32(bytes[g]) << 16 | UInt32(bytes[g + 1]) << 8 | UInt32(bytes[g + 2])
            for s in [18, 12, 6, 0] {
                let c = UInt8(v >> UInt32(s) & 0x3F)
                out.append(Character(Unicode.Scalar(c | ((c & 0x20) << 1 ^ 0x40))))
            }
        }
        return out.trimmingBlanks
    }

    /// The points a request changes, each with its value (null where the command takes none, or sets the value to
    /// what the device measures), and a problem when the data is short.
    static func writes(command: Int, _ d: [UInt8]) -> (points: [(ControlPoint, JSONValue)], problem: String?) {
        func need(_ n: Int) -> String? { d.count < n ? "\(name(command)) carries \(d.count) of \(n) data bytes" : nil }
        func p(_ name: String) -> ControlPoint { ControlPoint.hart(name) }
        switch command {
        case 6: return ([(p("polling_address"), d.isEmpty ? .null : .int(Int64(d[0] & 0x3F)))], need(1))
        case 17: return ([(p("message"), d.isEmpty ? .null : .string(packedASCII(d.prefix(24))))], need(24))
        case 18:
            var out: [(ControlPoint, JSONValue)] = [(p("tag"), d.isEmpty ? .null : .string(packedASCII(d.prefix(6))))]
            if d.count >= 18 { out.append((p("descriptor"), .string(packedASCII(d[6..<18])))) }
            return (out, need(21))
        case 19: return ([(p("final_assembly_number"), d.count >= 3 ? .int(Int64(d[0]) << 16 | Int64(d[1]) << 8 | Int64(d[2])) : .null)], need(3))
        case 22:
            let text = String(decoding: d.prefix(32).filter { $0 != 0 }, as: UTF8.self).trimmingBlanks
            return ([(p("long_tag"), d.isEmpty ? .null : .string(text))], need(32))
        case 34: return ([(p("pv_damping"), float(d, 0))], need(4))
        case 35: return ([(p("pv_urv"), float(d, 1)), (p("pv_lrv"), float(d, 5))], need(9))
        case 36: return ([(p("pv_urv"), .null)], nil)
        case 37: return ([(p("pv_lrv"), .null)], nil)
        case 40: return ([(p("loop_current"), float(d, 0))], need(4))
        case 43: return ([(p("pv_zero"), .null)], nil)
        case 44: return ([(p("pv_units"), d.isEmpty ? .null : .int(Int64(d[0])))], need(1))
        case 45: return ([(p("loop_current_zero_trim"), float(d, 0))], need(4))
        case 46: return ([(p("loop_current_gain_trim"), float(d, 0))], need(4))
        case 47: return ([(p("pv_transfer_function"), d.isEmpty ? .null : .int(Int64(d[0])))], need(1))
        case 49: return ([(p("pv_transducer_serial_number"), d.count >= 3 ? .int(Int64(d[0]) << 16 | Int64(d[1]) << 8 | Int64(d[2])) : .null)], need(3))
        case 53:
            guard d.count >= 1 else { return ([], need(2)) }
            return ([(p("dv:\(d[0]).units"), d.count >= 2 ? .int(Int64(d[1])) : .null)], need(2))
        case 55:
            guard d.count >= 1 else { return ([], need(5)) }
            return ([(p("dv:\(d[0]).damping"), float(d, 1))], need(5))
        case 79:
            // Device variable, then 0 (back to normal: the device measures again) or 1 (fixed at the value), units,
            // the value, its status.
            guard d.count >= 1 else { return ([], need(8)) }
            let fixed = d.count >= 2 && d[1] == 1
            return ([(p("dv:\(d[0])"), fixed ? float(d, 3) : .null)], need(8))
        default: return ([], nil)
        }
    }
}

/// The decoder of one HART-IP flow (UDP datagrams, or a TCP stream framed by the header's byte count): each request
/// paired with the response of the same sequence number and message id; session initiate and close, errors, writes
/// and actions each an event; reads answered as before, keep-alives and burst (publish) messages counted in the
/// flow's routine summaries.
public final class HARTIPDecoder: FlowDecoder {
    public let protocolName = "hart_ip"
    let datagrams: Bool
    var framer = DuplexFramer(maxFrame: HARTIP.maxMessage, length: HARTIP.frameLength)
    var budget = WarningBudget()

    struct Pending {
        var header: HARTIP.Header
        var body: [UInt8]
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    struct Key: Hashable { var sequence: UInt16; var id: UInt8 }
    var pending: [Key: Pending] = [:]
    var order: [Key] = []
    static let maxPending = 256

    public init(datagrams: Bool) { self.datagrams = datagrams }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if datagrams {
            guard let h = HARTIP.header(bytes), HARTIP.plausible(h) else {
                budget.warn(&out, ctx.packet, "HART-IP: datagram of \(bytes.count) bytes has no HART-IP header")
                return
            }
            if h.length != bytes.count {
                budget.warn(&out, ctx.packet, "HART-IP: byte count \(h.length) in a datagram of \(bytes.count) bytes; read as the datagram holds it")
            }
            return message(h, Array(bytes.dropFirst(HARTIP.headerLength)), ctx, &out)
        }
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "HART-IP: \(w); framing restarts at the next segment") }
        for f in frames {
            guard let h = HARTIP.header(f) else { continue }
            message(h, Array(f.dropFirst(HARTIP.headerLength)), ctx, &out)
        }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        if !datagrams { framer.reset(fromClient: ctx.fromClient) }
    }

    func message(_ h: HARTIP.Header, _ body: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let key = Key(sequence: h.sequence, id: h.messageID)
        let p = Pending(header: h, body: body, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
        switch h.messageType {
        case 0:
            if let old = pending.removeValue(forKey: key) {
                emit(old, response: nil, &out, note: "no response before its sequence number was reused")
            } else {
                order.append(key)
            }
            pending[key] = p
            if pending.count > Self.maxPending, let first = order.first {
                order.removeFirst()
                if let old = pending.removeValue(forKey: first) { emit(old, response: nil, &out) }
            }
        case 1, 3, 15:
            if let q = pending.removeValue(forKey: key) {
                if let i = order.firstIndex(of: key) { order.remove(at: i) }
                emit(q, response: p, &out)
            } else {
                emit(Pending(header: h, body: body, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src),
                     response: p, &out, note: "response without a request in the capture", requestSeen: false)
            }
        default:
            // A publish (burst) message: the device's own, sent unasked.
            emit(p, response: nil, &out, published: true)
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "HART-IP")
        for k in order { if let p = pending[k] { emit(p, response: nil, &out) } }
        pending = [:]
        order = []
    }

    func emit(_ req: Pending, response: Pending?, _ out: inout DecodeOutput, note: String? = nil,
              requestSeen: Bool = true, published: Bool = false) {
        let h = req.header
        let rh = response?.header
        let passThrough = h.messageID == 3
        let q = passThrough && requestSeen ? HARTIP.pdu(req.body[...]) : nil
        // An error or NAK carries an error code, not a PDU.
        let r = !passThrough ? nil : published ? HARTIP.pdu(req.body[...])
            : response.flatMap { $0.header.messageType == 1 ? HARTIP.pdu($0.body[...]) : nil }
        let command = q?.command ?? r?.command
        let refused = rh.map { $0.messageType != 1 || $0.status != 0 } ?? false
        let code = r?.responseCode
        // Any code but 0 and a warning's is a refusal, a communication error's (bit 7) among them.
        let failed = refused || (code.map { $0 != 0 && !HARTIP.isWarning($0) } ?? false)

        // The routine: reads answered as before, keep-alives, burst messages.
        var key: Int?, valueHash: Int?
        let routine = published || h.messageID == 2 || ((command.map(HARTIP.isRead) ?? false) && response != nil && !failed)
        if routine, requestSeen {
            var k = Hasher()
            k.combine(h.messageID)
            k.combine(command)
            k.combine(q?.station ?? r?.station)
            k.combine(q?.data)
            key = k.finalize()
            var v = Hasher()
            v.combine(r?.data)
            v.combine(r?.deviceStatus)
            valueHash = v.finalize()
            if out.absorb(key: key, time: req.time, packet: req.packet, messages: response == nil ? 1 : 2,
                          valueHash: valueHash) { return }
        }

        let name: String
        var summary: String
        switch h.messageID {
        case 0: name = "session_initiate"; summary = "HART-IP session initiate"
        case 1: name = "session_close"; summary = "HART-IP session close"
        case 2: name = "keep_alive"; summary = "HART-IP keep alive"
        case 3:
            name = published ? "publish" : command.map(HARTIP.name) ?? "pass_through"
            summary = "HART " + (command.map { "command \($0) " + HARTIP.name($0).replacingOccurrences(of: "_", with: " ") } ?? "pass-through")
        default: name = "message_\(h.messageID)"; summary = "HART-IP message \(h.messageID)"
        }
        out.writer.int("message_id", h.messageID)
        out.writer.int("sequence", h.sequence)
        out.writer.int("version", h.version)
        if !datagrams { out.writer.string("transport", "tcp") }
        if requestSeen { out.writer.int("request_packet", req.packet) }
        if h.messageID == 0, requestSeen, req.body.count >= 5 {
            out.writer.string("host_type", req.body[0] == 1 ? "primary" : "secondary")
            let timer = Int(req.body[1]) << 24 | Int(req.body[2]) << 16 | Int(req.body[3]) << 8 | Int(req.body[4])
            out.writer.int("inactivity_close_ms", timer)
        }
        let pdu = q ?? r
        if let pdu {
            out.writer.int("command_code", pdu.command)
            out.writer.string("command", HARTIP.name(pdu.command))
            if let s = pdu.station {
                out.writer.string("station", s)
                summary += " to \(s.dropFirst(5))"
            }
            if let q, !q.data.isEmpty { out.writer.string("request_data", Hex.string(q.data.prefix(256))) }
            for (what, x, packet) in [("request", q, req.packet), ("response", r, response?.packet ?? req.packet)] {
                guard let x else { continue }
                if let problem = x.problem { budget.warn(&out, packet, "HART \(what): \(problem)") }
                if !x.checkOK { budget.warn(&out, packet, "HART \(what): check byte does not match") }
            }
            if let q, HARTIP.actions.contains(q.command) {
                out.writer.value("control", ControlPoint.attribute(action: "command", []))
            } else if let q {
                let w = HARTIP.writes(command: q.command, q.data)
                if let problem = w.problem { budget.warn(&out, req.packet, "HART \(problem)") }
                if !w.points.isEmpty {
                    out.writer.value("control", ControlPoint.attribute(action: "write", w.points))
                    summary += ": " + w.points.map { "\($0.0.text.dropFirst(5)) = \($0.1 == .null ? "(device's own)" : $0.1.text)" }
                        .joined(separator: ", ")
                    if q.command == 35, let units = q.data.first { out.writer.int("range_units_code", units) }
                    if q.command == 79, q.data.count >= 2 { out.writer.string("simulation", q.data[1] == 1 ? "fixed_value" : "normal") }
                }
            }
            if let r {
                if let c = r.responseCode {
                    out.writer.int("response_code", c)
                    if c & 0x80 != 0 { summary += " → communication error (0x\(Hex.string([c])))" }
                    else if c != 0 { summary += HARTIP.isWarning(c) ? " → warning \(c)" : " → refused (response code \(c))" }
                }
                if let s = r.deviceStatus {
                    out.writer.int("device_status", s)
                    let flags = HARTIP.statusBits.filter { s & $0.0 != 0 }.map(\.1)
                    if !flags.isEmpty { out.writer.value("device_status_flags", .array(flags.map { .string($0) })) }
                }
                if !r.data.isEmpty { out.writer.string("response_data", Hex.string(r.data.prefix(256))) }
            }
        }
        if let response {
            out.writer.int("response_packet", response.packet)
            out.writer.int("latency_ms", max(0, (response.time - req.time) / 1_000_000))
            if let rh, rh.messageType != 1 {
                out.writer.int("error_type", rh.messageType)
                if let code = response.body.first { out.writer.int("error_code", code) }
                summary += rh.messageType == 15 ? " → NAK" : " → error" + (response.body.first.map { " \($0)" } ?? "")
            } else if let rh, rh.status != 0 {
                out.writer.int("status", rh.status)
            }
        }
        let outcome = published ? "published" : response == nil ? "no_response" : failed ? "error"
            : (code.map(HARTIP.isWarning) ?? false) ? "ok_with_warning" : "ok"
        out.writer.string("outcome", outcome)
        if let note { out.writer.string("note", note) }
        out.messages.append(NetMessage(time: req.time, packet: req.packet, domain: .ot, kind: "ics.hart.\(name)",
                                       src: req.src, dst: req.dst, summary: summary, writer: &out.writer, routineKey: key,
                                       messages: (requestSeen ? 1 : 0) + (response == nil ? 0 : 1), valueHash: valueHash))
    }
}

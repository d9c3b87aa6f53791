import JikochoModel

/// Modbus/TCP (MBAP header + PDU), every public function code, requests paired with responses by transaction id.
/// Spec: Modbus Application Protocol V1.1b3 and Modbus Messaging on TCP/IP V1.0b (modbus.org).
public enum Modbus {
    public static let port: UInt16 = 502

    public static func functionName(_ fc: UInt8) -> String {
        switch fc {
        case 1: return "read_coils"
        case 2: return "read_discrete_inputs"
        case 3: return "read_holding_registers"
        case 4: return "read_input_registers"
        case 5: return "write_single_coil"
        case 6: return "write_single_register"
        case 7: return "read_exception_status"
        case 8: return "diagnostics"
        case 11: return "get_comm_event_counter"
        case 12: return "get_comm_event_log"
        case 15: return "write_multiple_coils"
        case 16: return "write_multiple_registers"
        case 17: return "report_server_id"
        case 20: return "read_file_record"
        case 21: return "write_file_record"
        case 22: return "mask_write_register"
        case 23: return "read_write_multiple_registers"
        case 24: return "read_fifo_queue"
        case 43: return "encapsulated_interface_transport"
        case 90: return "umas"   // Schneider Electric's proprietary engineering protocol on function 90
        default: return "unknown-\(fc)"
        }
    }

    /// The event kind of a function: `read`, `write`, `diagnostic`, `identify`, or `unknown_function`.
    public static func action(_ fc: UInt8) -> String {
        switch fc {
        case 1, 2, 3, 4, 20, 24: return "read"
        case 5, 6, 15, 16, 21, 22, 23: return "write"
        case 7, 8, 11, 12: return "diagnostic"
        case 17, 43: return "identify"
        case 90: return "umas"
        default: return "unknown_function"
        }
    }

    static func table(_ fc: UInt8) -> String? {
        switch fc {
        case 1, 5, 15: return "coil"
        case 2: return "discrete_input"
        case 3, 6, 16, 22, 23, 24: return "holding"
        case 4: return "input"
        default: return nil
        }
    }

    /// `holding:40001` style reference (1-based, with the table's leading digit) for the wire address.
    public static func reference(table: String, address: Int) -> String {
        ControlPoint.modbus(table: table, address: address).text
    }

    public static func exceptionName(_ code: UInt8) -> String {
        switch code {
        case 1: return "illegal_function"
        case 2: return "illegal_data_address"
        case 3: return "illegal_data_value"
        case 4: return "server_device_failure"
        case 5: return "acknowledge"
        case 6: return "server_device_busy"
        case 8: return "memory_parity_error"
        case 10: return "gateway_path_unavailable"
        case 11: return "gateway_target_failed_to_respond"
        default: return "unknown-\(code)"
        }
    }

    /// Framing: MBAP is transaction(2) protocol(2, always 0) length(2, unit id + PDU, 2…254) unit(1).
    public static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard b.count >= 6 else { return .needMore }
        let proto = UInt16(b[2]) << 8 | UInt16(b[3])
        let len = Int(UInt16(b[4]) << 8 | UInt16(b[5]))
        guard proto == 0 else { return .invalid("Modbus/TCP protocol identifier \(proto), not 0") }
        guard len >= 2, len <= 254 else { return .invalid("Modbus/TCP length \(len) outside 2…254") }
        return .frame(6 + len)
    }

    /// Content test for protocol detection: a whole MBAP frame (or several) with a plausible function code.
    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 8, b[2] == 0, b[3] == 0 else { return false }
        let len = Int(UInt16(b[4]) << 8 | UInt16(b[5]))
        guard len >= 2, len <= 254, 6 + len <= b.count else { return false }
        let fc = b[7] & 0x7F
        return fc >= 1 && fc <= 127
    }

    /// One decoded PDU (request or response) with the fields Wireshark names `modbus.*`.
    public struct PDU: Sendable {
        public var transaction: UInt16
        public var unit: UInt8
        public var function: UInt8
        public var exception: UInt8?
        public var address: Int?
        public var quantity: Int?
        public var byteCount: Int?
        public var registers: [UInt16] = []
        public var bits: [Bool] = []
        /// Read/write multiple: the write part.
        public var writeAddress: Int?
        public var writeQuantity: Int?
        public var subFunction: UInt16?
        public var meiType: UInt8?
        public var andMask: UInt16?
        public var orMask: UInt16?
        /// Bytes of the PDU after the function code that were not decoded into fields.
        public var rawData: ArraySlice<UInt8> = []
        /// Something in the PDU contradicted itself.
        public var problem: String?
    }

    /// Decodes a PDU (`frame` is the whole ADU, MBAP header included).
    public static func decode(_ frame: [UInt8], isRequest: Bool, requestFunction: UInt8? = nil,
                              requestQuantity: Int? = nil) -> PDU? {
        guard frame.count >= 8 else { return nil }
        var pdu = PDU(transaction: UInt16(frame[0]) << 8 | UInt16(frame[1]), unit: frame[6], function: frame[7] & 0x7F)
        var c = ByteCursor(frame, from: 8)
        if frame[7] & 0x80 != 0 {
            pdu.exception = c.u8()
            if pdu.exception == nil { pdu.problem = "exception response without a code" }
            return pdu
        }
        func bad(_ s: String) { if pdu.problem == nil { pdu.problem = s } }
        func registers(_ count: Int) {
            for _ in 0..<count {
                guard let v = c.u16() else { bad("register values cut short"); return }
                pdu.registers.append(v)
            }
        }
        func bits(_ byteCount: Int, _ count: Int?) {
            guard let data = c.take(byteCount) else { bad("coil values cut short"); return }
            let n = min(count ?? byteCount * 8, byteCount * 8)
            for i in 0..<n { pdu.bits.append(data[data.startIndex + i / 8] >> (i % 8) & 1 == 1) }
        }
        switch (pdu.function, isRequest) {
        case (1...4, true):
            pdu.address = c.u16().map(Int.init)
            pdu.quantity = c.u16().map(Int.init)
            if pdu.quantity == nil { bad("read request cut short") }
        case (1, false), (2, false):
            pdu.byteCount = c.u8().map(Int.init)
            if let n = pdu.byteCount { bits(n, requestQuantity) } else { bad("read response cut short") }
        case (3, false), (4, false), (23, false):
            pdu.byteCount = c.u8().map(Int.init)
            if let n = pdu.byteCount {
                if n % 2 != 0 { bad("register byte count \(n) is odd") }
                registers(n / 2)
            } else { bad("read response cut short") }
        case (5, _):
            pdu.address = c.u16().map(Int.init)
            if let v = c.u16() {
                pdu.registers = [v]
                if v == 0xFF00 { pdu.bits = [true] } else if v == 0 { pdu.bits = [false] } else {
                    bad("coil value 0x\(String(v, radix: 16).leftPadded(4)) is neither 0xff00 nor 0x0000")
                }
            } else { bad("write single coil cut short") }
        case (6, _):
            pdu.address = c.u16().map(Int.init)
            if let v = c.u16() { pdu.registers = [v] } else { bad("write single register cut short") }
        case (15, true):
            pdu.address = c.u16().map(Int.init)
            pdu.quantity = c.u16().map(Int.init)
            pdu.byteCount = c.u8().map(Int.init)
            if let n = pdu.byteCount { bits(n, pdu.quantity) } else { bad("write multiple coils cut short") }
        case (16, true):
            pdu.address = c.u16().map(Int.init)
            pdu.quantity = c.u16().map(Int.init)
            pdu.byteCount = c.u8().map(Int.init)
            if let n = pdu.byteCount {
                if n % 2 != 0 { bad("register byte count \(n) is odd") }
                registers(n / 2)
                if let q = pdu.quantity, q != n / 2 { bad("quantity \(q) but \(n / 2) register values") }
            } else { bad("write multiple registers cut short") }
        case (15, false), (16, false):
            pdu.address = c.u16().map(Int.init)
            pdu.quantity = c.u16().map(Int.init)
        case (22, _):
            pdu.address = c.u16().map(Int.init)
            pdu.andMask = c.u16()
            pdu.orMask = c.u16()
            if pdu.orMask == nil { bad("mask write cut short") }
        case (23, true):
            pdu.address = c.u16().map(Int.init)
            pdu.quantity = c.u16().map(Int.init)
            pdu.writeAddress = c.u16().map(Int.init)
            pdu.writeQuantity = c.u16().map(Int.init)
            pdu.byteCount = c.u8().map(Int.init)
            if let n = pdu.byteCount { registers(n / 2) } else { bad("read/write multiple cut short") }
        case (24, true):
            pdu.address = c.u16().map(Int.init)
        case (8, _):
            pdu.subFunction = c.u16()
            pdu.rawData = c.rest
        case (43, _):
            pdu.meiType = c.u8()
            pdu.rawData = c.rest
        default:
            pdu.rawData = c.rest
        }
        if pdu.rawData.isEmpty, !c.isAtEnd, pdu.function != 8, pdu.function != 43 {
            pdu.rawData = c.rest
        }
        return pdu
    }
}

/// The Modbus/TCP decoder of one flow.
public final class ModbusDecoder: FlowDecoder {
    public let protocolName = "modbus"
    var framer = DuplexFramer(maxFrame: 260, length: Modbus.frameLength)

    struct Pending {
        var pdu: Modbus.PDU
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    var pending: [UInt16: Pending] = [:]
    var budget = WarningBudget()
    var order: [UInt16] = []
    static let maxPending = 256

    public init() {}

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "Modbus/TCP: \(w); framing restarts at the next segment") }
        for f in frames { frame(f, ctx, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        framer.reset(fromClient: ctx.fromClient)
    }

    func frame(_ f: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let tid = UInt16(f[0]) << 8 | UInt16(f[1])
        if ctx.fromClient {
            guard let pdu = Modbus.decode(f, isRequest: true) else { return }
            if let p = pdu.problem { out.warn(ctx.packet, "Modbus request (transaction \(tid)): \(p)") }
            if let old = pending.removeValue(forKey: tid) {
                emit(old, response: nil, responsePacket: nil, responseTime: nil, note: "no response before transaction id was reused", &out)
            } else {
                order.append(tid)
            }
            pending[tid] = Pending(pdu: pdu, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
            if pending.count > Self.maxPending { evictOldest(&out) }
        } else {
            let fc = f[7] & 0x7F
            let request = pending[tid].flatMap { $0.pdu.function == fc ? $0 : nil }
            guard let pdu = Modbus.decode(f, isRequest: false, requestFunction: request?.pdu.function,
                                          requestQuantity: request?.pdu.quantity) else { return }
            if let p = pdu.problem { out.warn(ctx.packet, "Modbus response (transaction \(tid)): \(p)") }
            if let request {
                pending[tid] = nil
                if let i = order.firstIndex(of: tid) { order.remove(at: i) }
                emit(request, response: pdu, responsePacket: ctx.packet, responseTime: ctx.time, note: nil, &out)
            } else {
                // A response to nothing we saw: kept as its own event (the request may be outside the capture).
                let orphan = Pending(pdu: pdu, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src)
                emit(orphan, response: pdu, responsePacket: ctx.packet, responseTime: ctx.time,
                     note: "response without a request in the capture", &out, requestSeen: false)
            }
        }
    }

    /// The registers or coils a write changes, each with its raw value, from the request (or, when only the answer
    /// was captured, from its echo of the address and, for single writes, the value). A mask write's result depends
    /// on the register's value before, so it has none; a file-record write names no register.
    static func control(_ r: Modbus.PDU?, function: UInt8) -> JSONValue {
        var writes: [(ControlPoint, JSONValue)] = []
        /// Consecutive points of a table from `a`, one per value.
        func run(_ table: String, from a: Int, _ values: [JSONValue]) -> [(ControlPoint, JSONValue)] {
            values.enumerated().map { (ControlPoint.modbus(table: table, address: a + $0), $1) }
        }
        if let r {
            // An answer without the request echoes the address and quantity only: that many points, no values.
            let unknown = [JSONValue](repeating: .null, count: min(r.quantity ?? 1, 256))
            switch function {
            case 5, 15:
                guard let a = r.address else { break }
                writes = run("coil", from: a, r.bits.isEmpty ? unknown : r.bits.map { .int($0 ? 1 : 0) })
            case 6, 16:
                guard let a = r.address else { break }
                writes = run("holding", from: a, r.registers.isEmpty ? unknown : r.registers.map { .int(Int64($0)) })
            case 22:
                if let a = r.address { writes = [(ControlPoint.modbus(table: "holding", address: a), .null)] }
            case 23:
                if let a = r.writeAddress { writes = run("holding", from: a, r.registers.map { .int(Int64($0)) }) }
            default:
                break
            }
        }
        return ControlPoint.attribute(action: "write", writes)
    }

    func evictOldest(_ out: inout DecodeOutput) {
        while pending.count > Self.maxPending, !order.isEmpty {
            let tid = order.removeFirst()
            if let old = pending.removeValue(forKey: tid) {
                emit(old, response: nil, responsePacket: nil, responseTime: nil, note: "no response", &out)
            }
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "Modbus/TCP")
        for tid in order {
            if let p = pending[tid] { emit(p, response: nil, responsePacket: nil, responseTime: nil, note: "no response", &out) }
        }
        pending = [:]
        order = []
    }

    func emit(_ req: Pending, response: Modbus.PDU?, responsePacket: Int?, responseTime: Int64?, note: String?,
              _ out: inout DecodeOutput, requestSeen: Bool = true) {
        let q = req.pdu
        let fc = q.function
        let action = Modbus.action(fc)
        // Reads that succeed are the routine of a poll cycle; writes, errors and the rest are always kept.
        var key: Int?
        var valueHash: Int?
        if action == "read", requestSeen, let r = response, r.exception == nil {
            var h = Hasher()
            h.combine(q.unit)
            h.combine(fc)
            h.combine(q.address)
            h.combine(q.quantity)
            key = h.finalize()
            var v = Hasher()
            v.combine(r.registers)
            v.combine(r.bits)
            v.combineBytes(r.rawData)
            valueHash = v.finalize()
            if out.absorb(key: key, time: req.time, packet: req.packet, messages: 2, valueHash: valueHash) { return }
        }
        out.writer.int("function_code", fc)
        out.writer.string("function", Modbus.functionName(fc))
        out.writer.int("unit_id", q.unit)
        out.writer.int("transaction_id", q.transaction)
        var summary = "Modbus \(Modbus.functionName(fc)) unit \(q.unit)"
        let table = Modbus.table(fc)
        let requestPDU: Modbus.PDU? = requestSeen ? q : nil
        let address = requestPDU?.address ?? response?.address
        if let table { out.writer.string("table", table) }
        if let a = address {
            out.writer.int("address", a)
            if let table {
                let ref = Modbus.reference(table: table, address: a)
                out.writer.string("ref", ref)
                summary += " address \(a) (\(ref))"
            } else {
                summary += " address \(a)"
            }
        }
        if let n = requestPDU?.quantity ?? response?.quantity {
            out.writer.int("quantity", n)
            summary += " ×\(n)"
        }
        if let r = requestPDU {
            if action == "write" {
                if fc == 5 || fc == 15 {
                    out.writer.bools("values", r.bits)
                    summary += " = " + (r.bits.count == 1 ? (r.bits[0] ? "ON" : "OFF") : "[\(r.bits.map { $0 ? "1" : "0" }.joined())]")
                } else if !r.registers.isEmpty {
                    out.writer.ints("values", r.registers)
                    summary += " = " + (r.registers.count == 1 ? "\(r.registers[0])" : "[\(r.registers.map(String.init).joined(separator: ", "))]")
                }
            }
            if let w = r.writeAddress {
                out.writer.int("write_address", w)
                out.writer.string("write_ref", Modbus.reference(table: "holding", address: w))
                summary += " write \(w)"
            }
            if let w = r.writeQuantity { out.writer.int("write_quantity", w) }

            if let m = r.andMask { out.writer.int("and_mask", m) }
            if let m = r.orMask { out.writer.int("or_mask", m) }
            if let s = r.subFunction { out.writer.int("sub_function", s) }
            if let m = r.meiType { out.writer.int("mei_type", m) }
            if !r.rawData.isEmpty { out.writer.string("data", Hex.string(r.rawData)) }
            out.writer.int("request_packet", req.packet)
        }
        if action == "write" { out.writer.value("control", Self.control(requestPDU ?? response, function: fc)) }
        var outcome = "no_response"
        if let resp = response {
            out.writer.int("response_packet", responsePacket ?? 0)
            if let t = responseTime, requestSeen { out.writer.double("latency_ms", Double(t - req.time) / 1e6) }
            if let e = resp.exception {
                out.writer.int("exception_code", e)
                out.writer.string("exception", Modbus.exceptionName(e))
                summary += " → exception \(Modbus.exceptionName(e))"
                outcome = "exception"
            } else {
                outcome = "ok"
                if fc == 1 || fc == 2 {
                    out.writer.bools("response_values", resp.bits)
                } else if fc == 3 || fc == 4 || fc == 23 {
                    out.writer.ints("response_values", resp.registers)
                }
                if !resp.rawData.isEmpty { out.writer.string("response_data", Hex.string(resp.rawData)) }
            }
        }
        out.writer.string("outcome", outcome)
        if let note {
            out.writer.string("note", note)
        }
        let message = NetMessage(time: req.time, packet: req.packet, domain: .ot,
                                 kind: "ics.modbus.\(action)", src: req.src, dst: req.dst, summary: summary,
                                 writer: &out.writer, routineKey: key,
                                 messages: (requestSeen ? 1 : 0) + (response == nil ? 0 : 1), valueHash: valueHash)
        out.messages.append(message)
    }
}

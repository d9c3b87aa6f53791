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

    // MARK: RTU framing over TCP

    /// Modbus RTU frames carried over TCP as a serial device server (Moxa NPort, Lantronix, a gateway in transparent
    /// mode) passes them on: unit, PDU and CRC-16, no MBAP header. The frame's length comes from its function code and
    /// direction (the Modbus over Serial Line specification, and the application protocol for each PDU); nil for a
    /// function whose length this does not know (MEI transport, user-defined codes).
    public static func rtuLength(_ b: UnsafeRawBufferPointer, request: Bool) -> FrameBuffer.Length {
        guard b.count >= 2 else { return .needMore }
        let fc = b[1]
        func counted(at i: Int, plus n: Int) -> FrameBuffer.Length {
            b.count > i ? .frame(n + Int(b[i])) : .needMore
        }
        if fc & 0x80 != 0 { return request ? .invalid("Modbus RTU request with the exception bit set") : .frame(5) }
        if request {
            switch fc {
            case 1, 2, 3, 4, 5, 6, 8: return .frame(8)
            case 7, 11, 12, 17: return .frame(4)
            case 15, 16: return counted(at: 6, plus: 9)
            case 20, 21: return counted(at: 2, plus: 5)
            case 22: return .frame(10)
            case 23: return counted(at: 10, plus: 13)
            case 24: return .frame(6)
            default: return .invalid("Modbus RTU function code \(fc): no frame length known")
            }
        }
        switch fc {
        case 1, 2, 3, 4, 12, 17, 20, 21, 23: return counted(at: 2, plus: 5)
        case 5, 6, 8, 11, 15, 16: return .frame(8)
        case 7: return .frame(5)
        case 22: return .frame(10)
        case 24: return b.count >= 4 ? .frame(6 + Int(UInt16(b[2]) << 8 | UInt16(b[3]))) : .needMore
        default: return .invalid("Modbus RTU function code \(fc): no frame length known")
        }
    }

    /// The CRC-16 of Modbus RTU (polynomial 0xA001 reflected, initial 0xFFFF), sent low byte first.
    public static func crc16<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        }
        return crc
    }

    /// Whether a whole RTU frame ends with its CRC.
    public static func rtuCRCValid<C: RandomAccessCollection<UInt8>>(_ f: C) -> Bool {
        guard f.count >= 4 else { return false }
        let end = f.index(f.endIndex, offsetBy: -2)
        let crc = crc16(f[f.startIndex..<end])
        return f[end] == UInt8(crc & 0xFF) && f[f.index(after: end)] == UInt8(crc >> 8)
    }

    /// Content test for RTU over TCP: the first piece is whole RTU frames of a known function to a unit 0…247, each
    /// with a valid CRC (a chance of 1 in 65,536 for bytes that are not).
    public static func looksLikeRTU(_ b: UnsafeRawBufferPointer, fromClient: Bool) -> Bool {
        guard b.count >= 4, b.count <= 512, b[0] <= 247 else { return false }
        var at = 0
        while at < b.count {
            let rest = UnsafeRawBufferPointer(rebasing: b[at...])
            guard case .frame(let n) = rtuLength(rest, request: fromClient), n >= 4, n <= rest.count,
                  rtuCRCValid(rest[0..<n]) else { return false }
            at += n
        }
        return true
    }

    /// Content test for a UDP datagram: one RTU frame of a known function whose CRC checks, filling it.
    public static func looksLikeRTUDatagram(_ b: UnsafeRawBufferPointer, fromClient: Bool) -> Bool {
        guard b.count >= 4, b.count <= 256, b[0] <= 247, case .frame(let n) = rtuLength(b, request: fromClient),
              n == b.count else { return false }
        return rtuCRCValid(b)
    }

    /// Content test for a UDP datagram: one MBAP frame filling it exactly, with a plausible function code.
    public static func looksLikeDatagram(_ b: UnsafeRawBufferPointer) -> Bool {
        guard looksLike(b), 6 + Int(UInt16(b[4]) << 8 | UInt16(b[5])) == b.count else { return false }
        switch b[7] & 0x7F {
        case 1...8, 11, 12, 15...17, 20...24, 43: return true
        default: return false
        }
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

/// The Modbus/TCP decoder of one flow; with `rtu`, of Modbus RTU frames carried over TCP (a serial device server's
/// link): the same events, each request paired with the answer that follows it (RTU has one request outstanding and
/// no transaction id), `framing: rtu_over_tcp`, and a frame whose CRC does not check is a warning, not a message.
/// With `datagrams`, of Modbus over UDP: one MBAP frame a datagram (Modbus/UDP, Wireshark's `mbudp`, `framing:
/// modbus_udp`), or one RTU frame a datagram (a serial device server in UDP mode, `framing: rtu_over_udp`); a
/// datagram that is no whole frame is a warning.
public final class ModbusDecoder: FlowDecoder {
    public let protocolName = "modbus"
    var framer: DuplexFramer
    let rtu: Bool
    let datagrams: Bool
    /// The transaction number given to the next RTU request (RTU frames carry none).
    var rtuSequence: UInt16 = 0

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

    public init(rtu: Bool = false, datagrams: Bool = false) {
        self.rtu = rtu
        self.datagrams = datagrams
        // RTU frames are framed by function code and direction (one request's and one answer's layouts differ).
        framer = rtu ? DuplexFramer(maxFrame: 270, directedLength: { Modbus.rtuLength($0, request: $1) })
            : DuplexFramer(maxFrame: 260, length: Modbus.frameLength)
    }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if datagrams {
            if rtu { return rtuFrames([Array(bytes)], ctx, &out) }
            // The datagram is the frame: a length field that says otherwise is warned, and the frame read as the
            // datagram holds it (as Wireshark does), not dropped.
            guard bytes.count >= 8, bytes[2] == 0, bytes[3] == 0 else {
                budget.warn(&out, ctx.packet, "Modbus/UDP: datagram of \(bytes.count) bytes is no MBAP frame")
                return
            }
            var f = Array(bytes.prefix(6 + 254))
            let stated = Int(UInt16(f[4]) << 8 | UInt16(f[5]))
            if stated != f.count - 6 {
                budget.warn(&out, ctx.packet, "Modbus/UDP: MBAP length \(stated), but \(bytes.count - 6) bytes follow the "
                            + "header in the datagram; read as the datagram holds it")
                f[4] = UInt8((f.count - 6) >> 8)
                f[5] = UInt8((f.count - 6) & 0xFF)
            }
            return frame(f, ctx, &out)
        }
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings {
            budget.warn(&out, ctx.packet, (rtu ? "" : "Modbus/TCP: ") + "\(w); framing restarts at the next segment")
        }
        if rtu { return rtuFrames(frames, ctx, &out) }
        for f in frames { frame(f, ctx, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        if !datagrams { framer.reset(fromClient: ctx.fromClient) }
    }

    /// What the events say of the framing: none for Modbus/TCP (the common case).
    var framing: String? {
        switch (rtu, datagrams) {
        case (true, false): return "rtu_over_tcp"
        case (true, true): return "rtu_over_udp"
        case (false, true): return "modbus_udp"
        case (false, false): return nil
        }
    }

    /// RTU frames: CRC checked, then handled as the MBAP frame they stand for (a request numbered in order; an answer
    /// given the number of the oldest request waiting).
    func rtuFrames(_ frames: [[UInt8]], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let request = ctx.fromClient
        for f in frames {
            guard f.count >= 4, Modbus.rtuCRCValid(f) else {
                budget.warn(&out, ctx.packet, "Modbus RTU \(request ? "request" : "response") of \(f.count) bytes with a CRC "
                            + "that does not check; " + (datagrams ? "the datagram was not read" : "framing restarts at the next segment"))
                framer.reset(fromClient: request)
                continue
            }
            let tid: UInt16
            if request {
                // A serial master sends the next request only after the answer or its timeout: one still waiting got none.
                for old in order {
                    if let p = pending[old] { emit(p, response: nil, responsePacket: nil, responseTime: nil, note: "no response", &out) }
                }
                pending = [:]
                order = []
                rtuSequence &+= 1
                tid = rtuSequence
            } else {
                tid = order.first ?? (rtuSequence &+ 1)
            }
            let len = f.count - 2
            frame([UInt8(tid >> 8), UInt8(tid & 0xFF), 0, 0, UInt8(len >> 8), UInt8(len & 0xFF)] + f[0..<len], ctx, &out)
        }
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
        budget.finish(&out, ctx.packet, rtu ? "Modbus RTU" : datagrams ? "Modbus/UDP" : "Modbus/TCP")
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
        out.writer.string("station", Station.modbus(unit: Int(q.unit)))
        if let framing { out.writer.string("framing", framing) }
        if !rtu { out.writer.int("transaction_id", q.transaction) }
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

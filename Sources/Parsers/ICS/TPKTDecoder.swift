import JikochoModel

/// ISO-on-TCP (TPKT, RFC 1006) with COTP (ISO 8073): carries S7comm, S7comm-plus, MMS (IEC 61850) and the start of
/// RDP. The connection request tells RDP (a `Cookie:` or negotiation request) and S7 (a two-byte destination TSAP
/// naming a connection type, rack and slot) apart; other TSAPs (MMS stacks use `00 01`) wait for the first data: S7
/// PDUs begin `0x32` (or `0x72`), MMS's with an ISO 8327 session SPDU.
public final class TPKTDecoder: FlowDecoder {
    public private(set) var protocolName = "tpkt"
    enum Mode { case unknown, s7, rdp, mms, pending }
    var mode = Mode.unknown
    var framer = DuplexFramer(maxFrame: 65_535, length: TPKTDecoder.frameLength)
    /// COTP data TPDUs without the end-of-TSDU bit, waiting for the last one.
    var cotpToServer: [UInt8] = []
    var cotpToClient: [UInt8] = []
    static let maxSegmented = 65_536

    struct Request {
        var pdu: S7comm.PDU
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    var pending: [UInt16: Request] = [:]
    var budget = WarningBudget()
    /// First parts of SZL responses split over several PDUs, by data unit reference.
    var szlParts: [UInt8: (id: UInt16, index: UInt16, body: [UInt8])] = [:]
    var order: [UInt16] = []
    var connect: (time: Int64, packet: Int, src: NetEndpoint, dst: NetEndpoint, fields: [String: JSONValue])?
    /// The CPU this connection's request named by its destination TSAP (`s7:rack:0:slot:2`): every S7 message on the
    /// connection is that CPU's; nil when the capture began after the connection was made.
    var station: String?
    /// The association and the outstanding requests of an MMS connection.
    var mms = MMSState()

    public init() {}

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 7, b[0] == 3, b[1] == 0 else { return false }
        let len = Int(b[2]) << 8 | Int(b[3])
        guard len >= 7, Int(b[4]) + 5 <= len else { return false }
        return [0xE0, 0xD0, 0xF0, 0x80, 0xC0].contains(b[5])
    }

    static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard b.count >= 4 else { return .needMore }
        guard b[0] == 3, b[1] == 0 else { return .invalid("TPKT version \(b[0]), not 3") }
        let len = Int(b[2]) << 8 | Int(b[3])
        guard len >= 7 else { return .invalid("TPKT length \(len) < 7") }
        return .frame(len)
    }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if mode == .rdp { return }   // after the connection sequence RDP is TLS or its own fast-path framing
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for f in frames {
            frame(f, ctx, &out)
            if mode == .rdp { return }
        }
        for w in warnings { budget.warn(&out, ctx.packet, "TPKT: \(w); framing restarts at the next segment") }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        framer.reset(fromClient: ctx.fromClient)
        if ctx.fromClient { cotpToServer = [] } else { cotpToClient = [] }
    }

    func frame(_ f: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard f.count >= 6 else { return }
        let li = Int(f[4])
        let type = f[5] & 0xF0
        guard 5 + li <= f.count else {
            out.warn(ctx.packet, "COTP header length \(li) runs past the TPKT frame")
            return
        }
        switch type {
        case 0xE0, 0xD0:
            connection(f, li: li, isRequest: type == 0xE0, ctx, &out)
        case 0xF0:
            guard li >= 2 else { return }
            let eot = f[6] & 0x80 != 0
            let payload = f[(5 + li)...]
            if ctx.fromClient {
                cotpToServer += payload
                if cotpToServer.count > Self.maxSegmented {
                    out.warn(ctx.packet, "COTP segmented data over \(Self.maxSegmented) bytes; dropped")
                    cotpToServer = []
                }
                if eot {
                    let whole = cotpToServer
                    cotpToServer = []
                    tsdu(whole, ctx, &out)
                }
            } else {
                cotpToClient += payload
                if cotpToClient.count > Self.maxSegmented {
                    out.warn(ctx.packet, "COTP segmented data over \(Self.maxSegmented) bytes; dropped")
                    cotpToClient = []
                }
                if eot {
                    let whole = cotpToClient
                    cotpToClient = []
                    tsdu(whole, ctx, &out)
                }
            }
        default:
            break
        }
    }

    // MARK: - connection request / confirm

    func connection(_ f: [UInt8], li: Int, isRequest: Bool, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        // Fixed part: type(1) dst-ref(2) src-ref(2) class(1); variable part up to 5 + li.
        let varStart = 11, varEnd = 5 + li
        let variable: [UInt8] = varStart <= varEnd ? Array(f[varStart..<varEnd]) : []
        let cookiePrefix = Array("Cookie:".utf8)
        let isRDP = variable.starts(with: cookiePrefix) || (variable.count == 8 && variable[0] == 1 && variable[2] == 8)
            || (variable.count == 8 && (variable[0] == 2 || variable[0] == 3) && variable[2] == 8)
        if isRDP || mode == .rdp {
            mode = .rdp
            protocolName = "rdp"
            rdp(variable, isRequest: isRequest, ctx, &out)
            return
        }
        // ISO parameters: code(1) length(1) value.
        var c = ByteCursor(variable)
        var fields: [String: JSONValue] = [:]
        var dstTSAP: [UInt8] = []
        while let code = c.u8(), let len = c.u8(), let value = c.take(Int(len)) {
            let v = Array(value)
            switch code {
            case 0xC1: fields["src_tsap"] = .string(Hex.string(v))
            case 0xC2:
                dstTSAP = v
                fields["dst_tsap"] = .string(Hex.string(v))
                if v.count == 2 {
                    // S7 TSAP: connection type (1 PG, 2 OP, 3 S7 basic), then rack * 32 + slot.
                    fields["connection_type"] = .string([1: "pg", 2: "op", 3: "s7_basic"][v[0]] ?? "type-\(v[0])")
                    fields["rack"] = .int(Int64(v[1] >> 5))
                    fields["slot"] = .int(Int64(v[1] & 0x1F))
                    if isRequest {
                        let s = Station.s7(rack: Int(v[1] >> 5), slot: Int(v[1] & 0x1F))
                        fields["station"] = .string(s)
                        station = s
                    }
                }
            case 0xC0: if let s = v.first { fields["tpdu_size"] = .int(1 << Int64(min(s, 16))) }
            default: break
            }
        }
        // An S7 TSAP names a connection type (1 PG, 2 OP, 3 S7 basic, …) in its first byte; others wait for the data.
        let s7Like = dstTSAP.count == 2 && dstTSAP[0] != 0
        if mode == .unknown || mode == .pending, !s7Like {
            mode = .pending
            protocolName = "cotp"
            for k in ["connection_type", "rack", "slot", "station"] { fields[k] = nil }
            station = nil
            if isRequest {
                connect = (ctx.time, ctx.packet, ctx.src, ctx.dst, fields)
            } else if var req = connect {
                req.fields["response_packet"] = .int(Int64(ctx.packet))
                req.fields["outcome"] = "ok"
                connect = req
            }
            return
        }
        mode = .s7
        protocolName = "s7comm"
        if isRequest {
            connect = (ctx.time, ctx.packet, ctx.src, ctx.dst, fields)
        } else if let req = connect {
            var f = req.fields
            f["response_packet"] = .int(Int64(ctx.packet))
            f["outcome"] = "ok"
            emitConnect(req.time, req.packet, req.src, req.dst, f, &out)
            connect = nil
        }
    }

    func emitConnect(_ time: Int64, _ packet: Int, _ src: NetEndpoint, _ dst: NetEndpoint, _ fields: [String: JSONValue],
                     _ out: inout DecodeOutput, kind: String = "ics.s7.cotp_connect") {
        var f = fields
        f["request_packet"] = .int(Int64(packet))
        var summary = kind == "ics.s7.cotp_connect" ? "S7 ISO-TSAP connection" : "ISO transport (COTP) connection"
        if case .string(let t)? = f["connection_type"] { summary += " (\(t))" }
        if case .int(let r)? = f["rack"], case .int(let s)? = f["slot"] { summary += " to rack \(r) slot \(s)" }
        if f["outcome"] == nil { f["outcome"] = "no_response" }
        out.messages.append(NetMessage(time: time, packet: packet, domain: .ot, kind: kind, src: src,
                                       dst: dst, summary: summary, fields: Attributes(f), messages: f["response_packet"] == nil ? 1 : 2))
    }

    var rdpRequest: (time: Int64, packet: Int, src: NetEndpoint, dst: NetEndpoint, fields: [String: JSONValue])?

    func rdp(_ v: [UInt8], isRequest: Bool, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        var fields: [String: JSONValue] = [:]
        var rest = v[...]
        if v.starts(with: Array("Cookie:".utf8)) {
            var end = v.count
            for i in 0..<(v.count - 1) where v[i] == 0x0D && v[i + 1] == 0x0A { end = i; break }
            let line = printable(v[7..<end]).trimmingSpaces()
            fields["cookie"] = .string(printable(v[0..<end]))
            if line.hasPrefix("mstshash=") { fields["user"] = .string(String(line.dropFirst(9))) }
            rest = v[min(end + 2, v.count)...]
        }
        if rest.count >= 8 {
            var c = ByteCursor(Array(rest))
            let type = c.u8(), flags = c.u8()
            _ = c.u16le()
            let value = c.u32le() ?? 0
            switch type {
            case 1:
                fields["requested_protocols"] = .array(Self.rdpProtocols(value).map { .string($0) })
                fields["request_flags"] = .int(Int64(flags ?? 0))
            case 2:
                fields["selected_protocol"] = .string(Self.rdpProtocols(value).first ?? "rdp")
            case 3:
                fields["failure_code"] = .int(Int64(value))
            default: break
            }
        }
        if isRequest {
            rdpRequest = (ctx.time, ctx.packet, ctx.src, ctx.dst, fields)
        } else {
            var f = rdpRequest?.fields ?? [:]
            for (k, x) in fields { f[k] = x }
            f["response_packet"] = .int(Int64(ctx.packet))
            f["outcome"] = fields["failure_code"] == nil ? "ok" : "failure"
            if let r = rdpRequest {
                emitRDP(r.time, r.packet, r.src, r.dst, f, &out)
            } else {
                emitRDP(ctx.time, ctx.packet, ctx.dst, ctx.src, f, &out)
            }
            rdpRequest = nil
        }
    }

    func emitRDP(_ time: Int64, _ packet: Int, _ src: NetEndpoint, _ dst: NetEndpoint, _ fields: [String: JSONValue],
                 _ out: inout DecodeOutput) {
        var f = fields
        f["request_packet"] = .int(Int64(packet))
        if f["outcome"] == nil { f["outcome"] = "no_response" }
        var summary = "RDP connection request"
        if case .string(let u)? = f["user"] { summary += " as \(u)" }
        if case .array(let p)? = f["requested_protocols"] { summary += " (offers \(p.map(\.text).joined(separator: ", ")))" }
        if case .string(let s)? = f["selected_protocol"] { summary += ", server chose \(s)" }
        out.messages.append(NetMessage(time: time, packet: packet, domain: .network, kind: "rdp.connect", src: src, dst: dst,
                                       summary: summary, fields: Attributes(f), messages: f["response_packet"] == nil ? 1 : 2))
    }

    /// RDP_NEG_REQ requestedProtocols bits (MS-RDPBCGR 2.2.1.1.1).
    static func rdpProtocols(_ v: UInt32) -> [String] {
        var out: [String] = v == 0 ? ["rdp"] : []
        if v & 1 != 0 { out.append("ssl") }
        if v & 2 != 0 { out.append("hybrid") }
        if v & 4 != 0 { out.append("rdstls") }
        if v & 8 != 0 { out.append("hybrid_ex") }
        if v & 16 != 0 { out.append("rdsaad") }
        return out
    }

    // MARK: - S7comm

    func tsdu(_ b: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard let first = b.first else { return }
        if mode == .pending || mode == .unknown {
            if MMS.sessionIdentifiers.contains(first) {
                mode = .mms
                protocolName = "mms"
            } else if mode == .pending {
                // S7 after all (a TSAP of another form): the connection is told now, before its first PDU.
                mode = .s7
                protocolName = first == 0x72 ? "s7comm-plus" : "s7comm"
                if let c = connect, c.fields["response_packet"] != nil {
                    emitConnect(c.time, c.packet, c.src, c.dst, c.fields, &out)
                    connect = nil
                }
            }
        }
        if mode == .mms {
            mmsTSDU(b, ctx, &out)
            return
        }
        if mode == .unknown {
            mode = .s7
            protocolName = first == 0x72 ? "s7comm-plus" : "s7comm"
        }
        if first == 0x72 {
            protocolName = "s7comm-plus"
            plus(b, ctx, &out)
            return
        }
        // A userdata response to a follow-up request (one without an SZL header) continues an earlier response.
        var continuation = false
        if b.count >= 6, b[1] == 7 {
            let ref = UInt16(b[4]) << 8 | UInt16(b[5])
            if let req = pending[ref], req.pdu.userdataType == 4, req.pdu.group == 4, req.pdu.szlID == nil { continuation = true }
        }
        guard first == 0x32, var pdu = S7comm.decode(b, continuation: continuation) else {
            out.warn(ctx.packet, "COTP data is not S7comm (protocol id 0x\(String(first, radix: 16)))")
            return
        }
        if let p = pdu.problem { out.warn(ctx.packet, "S7comm: \(p)") }
        if pdu.rosctr == 7, pdu.userdataType == 8, pdu.group == 4, pdu.subfunction == 1, let unit = pdu.dataUnitReference {
            if continuation, let first = szlParts[unit] {
                pdu.szlID = first.id
                pdu.szlIndex = first.index
                let all = first.body + pdu.userdataBody
                pdu.text = S7comm.asciiRuns(Array(all.dropFirst(8)))
                if pdu.lastDataUnit == false { szlParts[unit] = (first.id, first.index, all) } else { szlParts[unit] = nil }
            } else if pdu.lastDataUnit == false, let id = pdu.szlID {
                if szlParts.count < 64 { szlParts[unit] = (id, pdu.szlIndex ?? 0, pdu.userdataBody) }
            }
        }
        let isRequest = pdu.rosctr == 1 || (pdu.rosctr == 7 && pdu.userdataType == 4)
        let isResponse = pdu.rosctr == 2 || pdu.rosctr == 3 || (pdu.rosctr == 7 && pdu.userdataType == 8)
        if isRequest {
            if let old = pending.removeValue(forKey: pdu.pduRef) {
                emit(old, nil, nil, &out)
            } else {
                order.append(pdu.pduRef)
            }
            pending[pdu.pduRef] = Request(pdu: pdu, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
            if pending.count > 256, let oldest = order.first {
                order.removeFirst()
                if let r = pending.removeValue(forKey: oldest) { emit(r, nil, nil, &out) }
            }
        } else if isResponse, let req = pending[pdu.pduRef] {
            pending[pdu.pduRef] = nil
            if let i = order.firstIndex(of: pdu.pduRef) { order.remove(at: i) }
            emit(req, pdu, ctx.packet, &out)
        } else {
            // A push (userdata type 0) or a response whose request is not in the capture.
            emit(Request(pdu: pdu, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst), nil, nil, &out,
                 alone: true)
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "TPKT")
        for ref in order {
            if let r = pending[ref] { emit(r, nil, nil, &out) }
        }
        pending = [:]
        order = []
        mmsFinish(&out)
        if let c = connect {
            if mode == .pending || mode == .mms {
                emitConnect(c.time, c.packet, c.src, c.dst, c.fields, &out, kind: mode == .mms ? "ics.mms.cotp_connect" : "ics.cotp.connect")
            } else {
                emitConnect(c.time, c.packet, c.src, c.dst, c.fields, &out)
            }
        }
        if let r = rdpRequest { emitRDP(r.time, r.packet, r.src, r.dst, r.fields, &out) }
        connect = nil
        rdpRequest = nil
    }

    func emit(_ req: Request, _ resp: S7comm.PDU?, _ respPacket: Int?, _ out: inout DecodeOutput, alone: Bool = false) {
        let q = req.pdu
        out.writer.string("station", station)
        out.writer.int("rosctr", q.rosctr)
        out.writer.string("pdu_type", S7comm.rosctrName(q.rosctr))
        out.writer.int("pdu_reference", q.pduRef)
        var action: String
        var summary: String
        if alone, q.rosctr != 1, q.rosctr != 7 || q.userdataType == 8 {
            out.writer.int("response_packet", req.packet)
            out.writer.string("note", "response without a request in the capture")
        } else {
            out.writer.int("request_packet", req.packet)
        }
        if q.rosctr == 7 {
            let g = q.group ?? 0, s = q.subfunction ?? 0
            action = S7comm.userdataAction(group: g, subfunction: s)
            out.writer.int("userdata_type", q.userdataType ?? 0)
            out.writer.int("group", g)
            out.writer.string("group_name", S7comm.userdataGroupName(g))
            out.writer.int("subfunction", s)
            if let rc = q.userdataReturnCode { out.writer.int("return_code", rc) }
            summary = "S7 \(S7comm.userdataGroupName(g)) subfunction \(s)"
            if let id = q.szlID ?? resp?.szlID {
                let index = q.szlID != nil ? q.szlIndex ?? 0 : resp?.szlIndex ?? 0
                out.writer.int("szl_id", id)
                out.writer.int("szl_index", index)
                summary = "S7 read SZL 0x\(String(id, radix: 16).leftPadded(4)) index 0x\(String(index, radix: 16).leftPadded(4))"
                if q.szlID == nil { summary += " (continued)" }
            }
            if q.userdataType == 0 { summary += " (push)" }
        } else {
            let fn = q.function ?? 0
            out.writer.int("function_code", fn)
            out.writer.string("function", S7comm.functionName(fn))
            summary = "S7 \(S7comm.functionName(fn))"
            switch fn {
            case 0x04: action = "read"
            case 0x05: action = "write"
            case 0x1A, 0x1B, 0x1C: action = "block_download"
            case 0x1D, 0x1E, 0x1F: action = "block_upload"
            case 0x29: action = "plc_stop"
            case 0xF0: action = "setup_communication"
            case 0x28:
                switch q.piService ?? "" {
                case "P_PROGRAM": action = "plc_start"
                case "_DELE": action = "block_delete"
                case "_INSE": action = "block_activate"
                case "_GARB": action = "compress_memory"
                case "_MODU": action = "copy_ram_to_rom"
                default: action = "pi_service"
                }
            default: action = "unknown_function"
            }
            if let n = q.itemCount { out.writer.int("item_count", n) }
            if !q.items.isEmpty {
                out.writer.value("items", .array(q.items.map { i in
                    .object(["area": .int(Int64(i.area)), "area_name": .string(S7comm.areaName(i.area)),
                             "db": .int(Int64(i.db)), "byte": .int(Int64(i.byteAddress)), "bit": .int(Int64(i.bit)),
                             "transport_size": .int(Int64(i.transportSize)), "length": .int(Int64(i.length))])
                }))
                summary += " " + q.items.prefix(4).map { i in
                    let area = S7comm.areaName(i.area)
                    return (i.area == 0x84 ? "DB\(i.db).\(i.byteAddress)" : "\(area)\(i.byteAddress)") + (i.bit != 0 ? ".\(i.bit)" : "") + "×\(i.length)"
                }.joined(separator: ", ") + (q.items.count > 4 ? ", …" : "")
            }
            if fn == 0x05, !q.data.isEmpty {
                out.writer.value("values", .array(q.data.map { .string(Hex.string($0.bytes)) }))
                let writes = zip(q.items, q.data).flatMap { S7comm.controlWrites($0, $1) }
                if !writes.isEmpty { out.writer.value("control", ControlPoint.attribute(action: "write", writes)) }
                summary += " = " + q.data.prefix(4).map { "0x" + Hex.string($0.bytes, limit: 16) }.joined(separator: ", ")
            }
            if let s = q.piService {
                out.writer.string("pi_service", s)
                switch action {
                case "plc_stop": summary = "S7 PLC STOP (\(s))"
                case "plc_start": summary = "S7 PLC START (PI service \(s))"
                default: summary += " \(s)"
                }
            }
            if !q.text.isEmpty { out.writer.value("pi_arguments", .array(q.text.map { .string($0) })) }
            if let name = q.fileName {
                out.writer.string("file_name", name)
                if let b = S7comm.block(fromFileName: name) {
                    out.writer.string("block_type", b.type)
                    out.writer.int("block_number", b.number)
                    summary += " \(b.type)\(b.number)"
                }
            }
            if let p = q.pduLength { out.writer.int("pdu_length", p) }
            if let a = q.amqCalling { out.writer.int("max_amq_calling", a) }
            if let a = q.amqCalled { out.writer.int("max_amq_called", a) }
        }
        var outcome = alone && q.rosctr == 1 ? "no_response" : "ok"
        if let r = resp {
            out.writer.int("response_packet", respPacket ?? 0)
            if let ec = r.errorClass, let code = r.errorCode {
                out.writer.int("error_class", ec)
                out.writer.int("error_code", code)
                if ec != 0 || code != 0 {
                    outcome = "error"
                    summary += " → error class 0x\(String(ec, radix: 16)) code 0x\(String(code, radix: 16))"
                }
            }
            if !r.data.isEmpty {
                out.writer.value("return_codes", .array(r.data.map { .int(Int64($0.returnCode)) }))
                if r.data.contains(where: { $0.returnCode != 0xFF }) {
                    outcome = "error"
                    summary += " → item error"
                }
                if q.function == 0x04 {
                    out.writer.value("response_values", .array(r.data.map { .string(Hex.string($0.bytes)) }))
                }
            }
            if let rc = r.userdataReturnCode {
                out.writer.int("response_return_code", rc)
                if rc != 0xFF { outcome = "error" }
            }
            if let p = r.pduLength { out.writer.int("response_pdu_length", p) }
            if r.function == 0x1D, let name = r.fileName { out.writer.string("upload_file", name) }
            if !r.text.isEmpty {
                out.writer.value("identification", .array(r.text.map { .string($0) }))
                summary += ": " + r.text.prefix(3).joined(separator: " / ")
            }
        } else if !alone {
            outcome = "no_response"
        }
        out.writer.string("outcome", outcome)
        var key: Int?
        if outcome == "ok", action == "read" || action == "read_szl" || action == "read_clock" || action == "cyclic_data" {
            key = ("\(action)/" + (q.items.map { "\($0.area)/\($0.db)/\($0.byteAddress)/\($0.length)" }.joined(separator: ";"))
                + "/\(q.szlID ?? 0)/\(q.szlIndex ?? 0)").hashValue
        }
        out.messages.append(NetMessage(time: req.time, packet: req.packet, domain: .ot, kind: "ics.s7.\(action)",
                                       src: req.src, dst: req.dst, summary: summary, writer: &out.writer, routineKey: key,
                                       messages: resp == nil ? 1 : 2))
    }

    func plus(_ b: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        // Header: 0x72, version(1), data length(2); data: opcode(1), reserved(2), function(2), reserved(2), sequence(2).
        var c = ByteCursor(b)
        guard c.u8() == 0x72, let version = c.u8(), c.u16() != nil else { return }
        var f: [String: JSONValue] = ["version": .int(Int64(version))]
        var summary = "S7comm-plus"
        var action = "message"
        if let opcode = c.u8() {
            f["opcode"] = .int(Int64(opcode))
            let op = [0x31: "request", 0x32: "response", 0x33: "notification", 0x02: "response2"][Int(opcode)] ?? "opcode-\(opcode)"
            f["opcode_name"] = .string(op)
            if opcode != 0x33, c.skip(2), let fn = c.u16() {
                let name = S7comm.plusFunctionName(fn)
                f["function_code"] = .int(Int64(fn))
                f["function"] = .string(name)
                summary += " \(op) \(name)"
                if opcode == 0x31 { action = name }
                if c.skip(2), let seq = c.u16() { f["sequence"] = .int(Int64(seq)) }
            } else {
                summary += " \(op)"
            }
        }
        if version == 3 { f["note"] = "protocol version 3: the payload is integrity-protected" }
        out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .ot, kind: "ics.s7plus.\(action)",
                                       src: ctx.src, dst: ctx.dst, summary: summary, fields: Attributes(f),
                                       routineKey: ctx.fromClient && action != "get_multi_variables" ? nil : "plus/\(action)".hashValue))
    }
}

import JikochoModel

/// OMRON FINS (Factory Interface Network Service), the protocol of OMRON's CS, CJ, CP, NJ and NX controllers: over
/// UDP (port 9600, the FINS frame straight in the datagram) and over TCP (port 9600, each frame behind a 16-byte
/// FINS/TCP header: `FINS`, the length of what follows the first eight bytes, a command (0 the client's node address,
/// 1 the server's answer, 2 a FINS frame, 3 a FINS frame refused) and an error code).
///
/// A FINS frame is a 10-byte header (ICF: bit 6 set for a response, bit 0 for "no response wanted"; RSV; GCT, the
/// gateways it may cross; DNA/DA1/DA2 the destination network, node and unit; SNA/SA1/SA2 the source; SID the
/// service id that pairs a response with its command), then the command code (MRC, SRC), then the parameters; a
/// response has the same code, then a two-byte end code (its low bits zero when the command succeeded). Commands and
/// their fields as the FINS Commands Reference Manual (W227, W342) and Wireshark's `packet-omron-fins.c` give them.
public enum FINS {
    public static let port: UInt16 = 9600

    public struct Header: Sendable, Hashable {
        public var icf: UInt8
        public var gct: UInt8
        public var dna: UInt8, da1: UInt8, da2: UInt8
        public var sna: UInt8, sa1: UInt8, sa2: UInt8
        public var sid: UInt8
        public var isResponse: Bool { icf & 0x40 != 0 }
        public var noResponseWanted: Bool { icf & 0x01 != 0 }
    }

    /// One FINS frame: its header, command code, and what follows (a command's parameters; a response's end code,
    /// then its data).
    public struct Frame: Sendable {
        public var header: Header
        public var command: UInt16
        public var endCode: UInt16?
        public var body: [UInt8]
    }

    /// A FINS frame (nil when shorter than a header and a command code).
    public static func frame(_ b: some Collection<UInt8>) -> Frame? {
        let d = Array(b.prefix(1 << 16))
        guard d.count >= 12 else { return nil }
        let h = Header(icf: d[0], gct: d[2], dna: d[3], da1: d[4], da2: d[5], sna: d[6], sa1: d[7], sa2: d[8], sid: d[9])
        let command = UInt16(d[10]) << 8 | UInt16(d[11])
        if h.isResponse {
            guard d.count >= 14 else { return Frame(header: h, command: command, endCode: nil, body: []) }
            return Frame(header: h, command: command, endCode: UInt16(d[12]) << 8 | UInt16(d[13]), body: Array(d[14...]))
        }
        return Frame(header: h, command: command, endCode: nil, body: Array(d[12...]))
    }

    /// Whether a UDP payload is a FINS frame: ICF's reserved bits clear, RSV zero, a gateway count of at most 7,
    /// a command of a known main code.
    public static func looksLikeDatagram(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 12, b[0] & 0x3E == 0, b[1] == 0, b[2] <= 7 else { return false }
        return names[UInt16(b[10]) << 8 | UInt16(b[11])] != nil
    }

    /// Whether a TCP stream starts with a FINS/TCP header.
    public static func looksLikeStream(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count >= 8 && b[0] == 0x46 && b[1] == 0x49 && b[2] == 0x4E && b[3] == 0x53
    }

    /// Command names, as event kinds name them (`ics.fins.memory_area_write`); the run and stop commands as every
    /// protocol's controller start and stop (`plc_start`, `plc_stop`).
    public static let names: [UInt16: String] = [
        0x0101: "memory_area_read", 0x0102: "memory_area_write", 0x0103: "memory_area_fill",
        0x0104: "multiple_memory_area_read", 0x0105: "memory_area_transfer",
        0x0201: "parameter_area_read", 0x0202: "parameter_area_write", 0x0203: "parameter_area_clear",
        0x0220: "data_link_table_read", 0x0221: "data_link_table_write",
        0x0304: "program_area_protect", 0x0305: "program_area_protect_clear", 0x0306: "program_area_read",
        0x0307: "program_write", 0x0308: "program_clear",
        0x0401: "plc_start", 0x0402: "plc_stop", 0x0403: "reset",
        0x0501: "controller_data_read", 0x0502: "connection_data_read",
        0x0601: "controller_status_read", 0x0602: "network_status_read", 0x0603: "data_link_status_read",
        0x0620: "cycle_time_read", 0x0701: "clock_read", 0x0702: "clock_write",
        0x0801: "loopback_test", 0x0802: "broadcast_test_results_read", 0x0803: "broadcast_test_data_send",
        0x0920: "message_read", 0x0C01: "access_right_acquire", 0x0C02: "access_right_forced_acquire",
        0x0C03: "access_right_release", 0x2101: "error_clear", 0x2102: "error_log_read", 0x2103: "error_log_clear",
        0x2140: "fins_write_access_log_read", 0x2141: "fins_write_access_log_clear",
        0x2201: "file_name_read", 0x2202: "single_file_read", 0x2203: "single_file_write", 0x2204: "file_memory_format",
        0x2205: "file_delete", 0x2206: "volume_label_create_delete", 0x2207: "file_copy", 0x2208: "file_name_change",
        0x2209: "file_data_check", 0x220A: "memory_area_file_transfer", 0x220B: "parameter_area_file_transfer",
        0x220C: "program_area_file_transfer", 0x220F: "file_memory_index_read", 0x2210: "file_memory_read",
        0x2211: "file_memory_write", 0x2215: "directory_create_delete",
        0x2301: "forced_set_reset", 0x2302: "forced_set_reset_cancel", 0x230A: "multiple_forced_status_read",
        0x2601: "name_set", 0x2602: "name_delete", 0x2603: "name_read",
    ]

    public static func name(_ command: UInt16) -> String {
        names[command] ?? "command_\(String(command, radix: 16).leftPadded(4))"
    }

    /// Reads that poll (the routine of an HMI or a SCADA): answered without error, they are counted, not kept one
    /// by one.
    static let routineCommands: Set<UInt16> = [0x0101, 0x0104, 0x0501, 0x0502, 0x0601, 0x0602, 0x0603, 0x0620, 0x0701,
                                                0x0801, 0x2102, 0x0201, 0x0306, 0x2201, 0x230A, 0x2603, 0x0220, 0x0920]

    /// The commands that write values (memory area write, fill, transfer; forced set/reset): their points and values
    /// are the control facts. Commands that change the controller itself (RUN, STOP, program writes) are named by
    /// their kind, which gives them theirs (`ControlPoint.commandNames`).
    static let writeCommands: Set<UInt16> = [0x0102, 0x0103, 0x0105, 0x2301]

    /// The memory area a code names (CS/CJ/CP/NJ codes, and the CV series' where they differ): the point's prefix
    /// and whether its items are bits (one byte each on the wire); words are two bytes, index registers four. Nil
    /// for a code Jikocho does not know (its points are written `fins:area-0xNN:…`).
    public static func area(_ code: UInt8) -> (prefix: String, bits: Bool)? {
        switch code {
        case 0x30, 0x70, 0x00: return ("CIO", true)
        case 0x31, 0x71: return ("W", true)
        case 0x32, 0x72: return ("H", true)
        case 0x33: return ("A", true)
        case 0x02: return ("D", true)
        case 0xB0, 0xF0, 0x80: return ("CIO", false)
        case 0xB1, 0xF1: return ("W", false)
        case 0xB2, 0xF2: return ("H", false)
        case 0xB3: return ("A", false)
        case 0x82: return ("D", false)
        case 0x98: return ("EM", false)
        case 0x0A: return ("EM", true)
        case 0xA0...0xAC: return ("E\(String(code - 0xA0, radix: 16).uppercased())_", false)
        case 0x20...0x2C: return ("E\(String(code - 0x20, radix: 16).uppercased())_", true)
        case 0xE0...0xE8: return ("E\(String(code - 0xE0 + 0x0D, radix: 16).uppercased())_", false)
        case 0x60...0x68: return ("E\(String(code - 0x60 + 0x0D, radix: 16).uppercased())_", true)
        case 0x90...0x97: return ("E\(code - 0x90)_", false)
        case 0x06: return ("TK", true)
        case 0xBC: return ("IR", false)
        case 0x9C: return ("DR", false)
        default: return nil
        }
    }

    /// Bytes one item of an area takes in a write: a bit one, an index register four, a word two.
    static func itemSize(_ code: UInt8) -> Int {
        if code == 0xBC { return 4 }
        if code == 0x89 || code == 0x81 { return 2 }
        return area(code).map { $0.bits ? 1 : 2 } ?? (code & 0x80 == 0 ? 1 : 2)
    }

    /// The point of item `n` of a run from `address` (a word, or a word and a bit), as `ControlPoint.fins` writes it.
    static func point(area code: UInt8, address: Int, bit: Int, offset n: Int) -> ControlPoint {
        if code == 0x89 || code == 0x09 || code == 0x49 {
            // Timers and counters: a counter's number is offset by 0x8000 (CS/CJ).
            let a = address + n
            return ControlPoint.fins(area: a >= 0x8000 ? "C" : "T", word: a & 0x7FFF, bit: nil,
                                     flag: code != 0x89)
        }
        guard let a = area(code) else {
            return ControlPoint.fins(area: "area-0x" + String(code, radix: 16).leftPadded(2), word: address + n,
                                     bit: itemSize(code) == 1 ? bit : nil, flag: false)
        }
        if a.bits {
            // A run of bits goes on from the bit given, into the next words.
            let b = bit + n
            return ControlPoint.fins(area: a.prefix, word: address + b / 16, bit: b % 16, flag: false)
        }
        return ControlPoint.fins(area: a.prefix, word: address + n, bit: nil, flag: false)
    }

    /// The end code's meaning: 0 normal completion; the relay error (0x80 of the first byte) and the controller's
    /// error flags (0xC0 of the second) are not part of the code.
    public static func endCodeFailed(_ code: UInt16) -> Bool { code & 0x7F3F != 0 }

    static let endCodeNames: [UInt16: String] = [
        0x0000: "normal completion", 0x0001: "service canceled", 0x0101: "local node not in network",
        0x0201: "destination node not in network", 0x0202: "no such unit", 0x0205: "response timeout",
        0x0401: "undefined command", 0x0402: "not supported by model or version", 0x1001: "command too long",
        0x1002: "command too short", 0x1003: "elements and data do not agree", 0x1004: "command format error",
        0x1101: "area classification missing", 0x1102: "access size error", 0x1103: "address range error",
        0x1104: "address range exceeded", 0x110C: "parameter error", 0x2002: "protected", 0x2101: "read only",
        0x2102: "protected", 0x2201: "not possible while running", 0x2202: "not possible while stopped",
        0x2203: "in PROGRAM mode", 0x2204: "in DEBUG mode", 0x2205: "in MONITOR mode", 0x2206: "in RUN mode",
        0x2602: "wrong password", 0x3001: "access right held by another device", 0x4001: "aborted",
    ]

    public static func endCodeName(_ code: UInt16) -> String {
        endCodeNames[code & 0x7F3F] ?? "end code 0x" + String(code & 0x7F3F, radix: 16).leftPadded(4)
    }
}

/// The FINS decoder of one flow: UDP datagrams (each a frame) or a FINS/TCP stream; commands paired with their
/// responses by service id and addresses, each pair one event (`ics.fins.memory_area_write`, `ics.fins.plc_stop`),
/// successful polls counted.
public final class FINSDecoder: FlowDecoder {
    public let protocolName = "fins"
    let tcp: Bool
    var framer: DuplexFramer
    var budget = WarningBudget()

    struct Key: Hashable {
        var sid: UInt8
        /// The command's destination (the response's source) and source, and its code.
        var to: UInt32
        var from: UInt32
        var command: UInt16
    }

    struct Pending {
        var frame: FINS.Frame
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    var pending: [Key: Pending] = [:]
    var order: [Key] = []
    static let maxPending = 256
    /// FINS/TCP: the node addresses the handshake gave (client, server), named on the connection's events.
    var nodes: (client: UInt32, server: UInt32)?

    public init(tcp: Bool) {
        self.tcp = tcp
        // FINS/TCP: the length field counts the bytes after the first eight (UDP datagrams are frames already).
        framer = DuplexFramer(maxFrame: 8 + 2020) { b in
                guard b.count >= 8 else { return .needMore }
                guard b[0] == 0x46, b[1] == 0x49, b[2] == 0x4E, b[3] == 0x53 else { return .invalid("no FINS/TCP header") }
                let n = Int(PacketDecoder.be32(b, 4))
                return n < 8 || n > 2020 ? .invalid("FINS/TCP length \(n) out of range (8…2020)") : .frame(8 + n)
        }
    }

    static func address(_ net: UInt8, _ node: UInt8, _ unit: UInt8) -> UInt32 {
        UInt32(net) << 16 | UInt32(node) << 8 | UInt32(unit)
    }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard tcp else {
            guard let f = FINS.frame(bytes) else {
                budget.warn(&out, ctx.packet, "FINS/UDP: datagram of \(bytes.count) bytes is shorter than a FINS header")
                return
            }
            return frame(f, ctx, &out)
        }
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "FINS/TCP: \(w); framing restarts at the next segment") }
        for t in frames {
            // `FINS`, the length (the framer has read both), the command, the error code, then what the command carries.
            var c = ByteCursor(t, from: 8)
            guard let command = c.u32(), let error = c.u32() else {
                budget.warn(&out, ctx.packet, "FINS/TCP: frame of \(t.count) bytes is shorter than its header")
                continue
            }
            switch command {
            case 0, 1:
                // Node address handshake: the client's node (0 asks the server to give one), then both nodes.
                if command == 1, let client = c.u32(), let server = c.u32() { nodes = (client, server) }
                if error != 0 {
                    out.writer.int("tcp_command", Int(command))
                    out.writer.int("tcp_error_code", Int(error))
                    out.writer.string("outcome", "error")
                    out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .ot, kind: "ics.fins.node_address_refused",
                                                   src: ctx.src, dst: ctx.dst,
                                                   summary: "FINS/TCP node address handshake refused (error \(error))",
                                                   writer: &out.writer))
                }
            case 2, 3:
                guard let f = FINS.frame(t.dropFirst(16)) else {
                    budget.warn(&out, ctx.packet, "FINS/TCP: frame of \(t.count - 16) bytes is shorter than a FINS header")
                    continue
                }
                frame(f, ctx, &out)
            default:
                budget.warn(&out, ctx.packet, "FINS/TCP: unknown command \(command)")
            }
        }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        if tcp { framer.reset(fromClient: ctx.fromClient) }
    }

    func frame(_ f: FINS.Frame, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let h = f.header
        if !h.isResponse {
            let key = Key(sid: h.sid, to: Self.address(h.dna, h.da1, h.da2), from: Self.address(h.sna, h.sa1, h.sa2),
                          command: f.command)
            let p = Pending(frame: f, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
            if h.noResponseWanted { return emit(p, response: nil, responsePacket: nil, &out) }
            if let old = pending.removeValue(forKey: key) {
                emit(old, response: nil, responsePacket: nil, &out, note: "no response before its service id was reused")
            } else {
                order.append(key)
            }
            pending[key] = p
            if pending.count > Self.maxPending, let first = order.first {
                order.removeFirst()
                if let old = pending.removeValue(forKey: first) { emit(old, response: nil, responsePacket: nil, &out) }
            }
        } else {
            let key = Key(sid: h.sid, to: Self.address(h.sna, h.sa1, h.sa2), from: Self.address(h.dna, h.da1, h.da2),
                          command: f.command)
            if let p = pending.removeValue(forKey: key) {
                if let i = order.firstIndex(of: key) { order.remove(at: i) }
                emit(p, response: f, responsePacket: ctx.packet, &out)
            } else {
                // A response to nothing in the capture: what it says of itself (the command's code and end code).
                emit(Pending(frame: f, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src), response: f,
                     responsePacket: ctx.packet, &out, note: "response without a command in the capture", commandSeen: false)
            }
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, tcp ? "FINS/TCP" : "FINS/UDP")
        for k in order { if let p = pending[k] { emit(p, response: nil, responsePacket: nil, &out) } }
        pending = [:]
        order = []
    }

    /// A memory area command's first item: area code, word, bit, count.
    static func areaItem(_ b: [UInt8], at i: Int) -> (code: UInt8, word: Int, bit: Int)? {
        guard b.count >= i + 4 else { return nil }
        return (b[i], Int(b[i + 1]) << 8 | Int(b[i + 2]), Int(b[i + 3]))
    }

    /// The points a command writes, each with its raw value (a word as 0–65535, a bit as 0 or 1, an index register
    /// as its 32 bits; null where the command carries no value, as a transfer does).
    static func writes(_ f: FINS.Frame) -> (points: [(ControlPoint, JSONValue)], problem: String?) {
        let b = f.body
        switch f.command {
        case 0x0102, 0x0103:
            guard let item = areaItem(b, at: 0), b.count >= 6 else { return ([], "memory area command cut short of its parameters") }
            let count = min(Int(b[4]) << 8 | Int(b[5]), 4096)
            let size = FINS.itemSize(item.code)
            let data = Array(b.dropFirst(6))
            var out: [(ControlPoint, JSONValue)] = []
            for n in 0..<min(count, 256) {
                // A fill writes one value to every item; a write gives each its own.
                let at = f.command == 0x0103 ? 0 : n * size
                var value: JSONValue = .null
                if at + size <= data.count {
                    let v = data[at..<at + size].reduce(0) { $0 << 8 | Int64($1) }
                    value = .int(size == 1 ? (v == 0 ? 0 : 1) : v)
                }
                out.append((FINS.point(area: item.code, address: item.word, bit: item.bit, offset: n), value))
            }
            let needed = f.command == 0x0103 ? size : count * size
            return (out, data.count < needed ? "memory area \(f.command == 0x0103 ? "fill" : "write") of \(count) items carries \(data.count) of \(needed) bytes" : nil)
        case 0x0105:
            guard let dst = areaItem(b, at: 4), b.count >= 10 else { return ([], "memory area transfer cut short of its parameters") }
            let count = min(Int(b[8]) << 8 | Int(b[9]), 256)
            return ((0..<count).map { (FINS.point(area: dst.code, address: dst.word, bit: dst.bit, offset: $0), .null) }, nil)
        case 0x2301:
            // Forced set/reset: a count, then per bit a specification (0 reset, 1 set, 0x8000/0x8001 release to a
            // state), the area and the bit.
            guard b.count >= 2 else { return ([], "forced set/reset cut short") }
            let count = min(Int(b[0]) << 8 | Int(b[1]), 64)
            var out: [(ControlPoint, JSONValue)] = []
            for n in 0..<count {
                let i = 2 + n * 6
                guard b.count >= i + 6, let item = areaItem(b, at: i + 2) else { break }
                let spec = Int(b[i]) << 8 | Int(b[i + 1])
                let value: JSONValue = spec == 0xFFFF ? .null : .int(Int64(spec & 1))
                out.append((FINS.point(area: item.code, address: item.word, bit: item.bit, offset: 0), value))
            }
            return (out, nil)
        default:
            return ([], nil)
        }
    }

    func emit(_ req: Pending, response: FINS.Frame?, responsePacket: Int?, _ out: inout DecodeOutput, note: String? = nil,
              commandSeen: Bool = true) {
        let q = req.frame
        let h = q.header
        let command = q.command
        let name = FINS.name(command)
        let failed = response?.endCode.map(FINS.endCodeFailed) ?? false
        var key: Int?
        var valueHash: Int?
        if commandSeen, FINS.routineCommands.contains(command), let r = response, !failed {
            var k = Hasher()
            k.combine(command)
            k.combine(Self.address(h.dna, h.da1, h.da2))
            k.combine(q.body.prefix(64))
            key = k.finalize()
            var v = Hasher()
            v.combine(r.body.prefix(4096))
            valueHash = v.finalize()
            if out.absorb(key: key, time: req.time, packet: req.packet, messages: 2, valueHash: valueHash) { return }
        }
        // The controller's end: a command's destination; a response seen alone, its source.
        let (net, node, unit) = commandSeen ? (h.dna, h.da1, h.da2) : (h.sna, h.sa1, h.sa2)
        out.writer.int("command_code", command)
        out.writer.string("command", name)
        out.writer.int("icf", h.icf)
        out.writer.int("sid", h.sid)
        out.writer.string("destination", "\(h.dna).\(h.da1).\(h.da2)")
        out.writer.string("source", "\(h.sna).\(h.sa1).\(h.sa2)")
        out.writer.string("station", Station.fins(network: Int(net), node: Int(node), unit: Int(unit)))
        if tcp { out.writer.string("transport", "tcp") }
        if let n = nodes {
            // The nodes the FINS/TCP handshake gave this connection (the client's is the source node its frames use).
            out.writer.int("tcp_client_node", Int(n.client))
            out.writer.int("tcp_server_node", Int(n.server))
        }
        var summary = "FINS \(name.replacingOccurrences(of: "_", with: " ")) to node \(net).\(node).\(unit)"
        if commandSeen {
            out.writer.int("request_packet", req.packet)
            if let item = Self.areaItem(q.body, at: command == 0x0105 ? 4 : 0),
               [0x0101, 0x0102, 0x0103, 0x0105].contains(command) {
                out.writer.int("area_code", item.code)
                out.writer.int("address", item.word)
                out.writer.int("bit", item.bit)
                let first = FINS.point(area: item.code, address: item.word, bit: item.bit, offset: 0)
                let ref = String(first.text.dropFirst(5))    // without `fins:`
                out.writer.string("ref", ref)
                summary += " \(ref)"
                if q.body.count >= (command == 0x0105 ? 10 : 6) {
                    let c = command == 0x0105 ? 8 : 4
                    let count = Int(q.body[c]) << 8 | Int(q.body[c + 1])
                    out.writer.int("count", count)
                    summary += " ×\(count)"
                }
            }
            if command == 0x0104 {
                var refs: [String] = []
                var i = 0
                while let item = Self.areaItem(q.body, at: i), refs.count < 64 {
                    refs.append(String(FINS.point(area: item.code, address: item.word, bit: item.bit, offset: 0).text.dropFirst(5)))
                    i += 4
                }
                out.writer.value("refs", .array(refs.map { .string($0) }))
            }
            if command == 0x0401, q.body.count >= 3 {
                // The mode to run in: 2 MONITOR, 4 RUN (without it, the controller's default).
                let mode = [0x01: "debug", 0x02: "monitor", 0x04: "run"][q.body[2]] ?? "mode-\(q.body[2])"
                out.writer.string("mode", mode)
                summary += " (\(mode) mode)"
            }
            if command == 0x0702, q.body.count >= 5 {
                // Year, month, day, hour, minute (BCD), then optionally second and day of week.
                let bcd = q.body.prefix(6).map { String(format: "%02x", $0) }
                out.writer.string("clock_set_to", "\(bcd[0])-\(bcd[1])-\(bcd[2]) \(bcd[3]):\(bcd[4])" + (bcd.count > 5 ? ":\(bcd[5])" : ""))
            }
            if command == 0x0307, q.body.count >= 8 {
                out.writer.int("program_number", Int(q.body[0]) << 8 | Int(q.body[1]))
                out.writer.int("bytes", Int(q.body[6]) << 8 | Int(q.body[7]))
            }
            if FINS.writeCommands.contains(command) {
                let w = Self.writes(q)
                if let p = w.problem { budget.warn(&out, req.packet, "FINS \(name): \(p)") }
                out.writer.value("control", ControlPoint.attribute(action: "write", w.points))
                let values = w.points.prefix(4).map { $0.1 == .null ? "?" : $0.1.text }
                if !values.isEmpty { summary += " = " + values.joined(separator: ", ") + (w.points.count > 4 ? ", …" : "") }
            }
        }
        var outcome = h.noResponseWanted && commandSeen ? "no_response_wanted" : "no_response"
        if let r = response {
            out.writer.int("response_packet", responsePacket ?? 0)
            if let code = r.endCode {
                out.writer.int("end_code", Int(code))
                if FINS.endCodeFailed(code) {
                    out.writer.string("error", FINS.endCodeName(code))
                    summary += " → \(FINS.endCodeName(code))"
                    outcome = "error"
                } else {
                    outcome = "ok"
                }
            } else {
                outcome = "error"
                out.writer.string("error", "response cut short of its end code")
            }
            if command == 0x0101, !r.body.isEmpty, !failed { out.writer.string("response_data", Hex.string(r.body.prefix(512))) }
        }
        out.writer.string("outcome", outcome)
        if let note { out.writer.string("note", note) }
        out.messages.append(NetMessage(time: req.time, packet: req.packet, domain: .ot, kind: "ics.fins.\(name)",
                                       src: req.src, dst: req.dst, summary: summary, writer: &out.writer, routineKey: key,
                                       messages: (commandSeen ? 1 : 0) + (response == nil ? 0 : 1), valueHash: valueHash))
    }
}

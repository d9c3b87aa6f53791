import JikochoModel

/// Mitsubishi's MELSEC Communication Protocol (MC protocol, SLMP), the Ethernet protocol of MELSEC-Q, -L, iQ-R and
/// iQ-F controllers, in its binary 3E and 4E frames, over TCP (on whatever port the controller's Ethernet setting
/// opens; recognized by its header) or UDP.
///
/// A request: subheader `50 00` (3E) or `54 00` and a serial number and two zero bytes (4E); the access route
/// (network number, PC number, the request destination module's I/O number, little-endian, and station number); the
/// length of what follows (little-endian); the monitoring timer; the command and subcommand (little-endian); the
/// command's data. A response: subheader `D0 00` (`D4 00`, the serial, two zero bytes), the same route, the length,
/// the end code (0 for normal completion), then the data, or on an error the route and command that failed.
/// Devices: a three-byte number and a one-byte code (subcommands 0 and 1, Q/L series) or a four-byte number and a
/// two-byte code (subcommands 2 and 3, iQ-R); subcommands 1 and 3 address bits, four bits a value (the first in
/// the high half of each byte). As Mitsubishi's SLMP and MC protocol reference manuals (SH-080956, SH-080008) give
/// them; checked against pymcprotocol, an independent implementation (scripts/oracles/melsec_golden.py).
public enum MELSEC {
    public struct Route: Hashable, Sendable {
        public var network: UInt8
        public var pc: UInt8
        public var moduleIO: UInt16
        public var station: UInt8
    }

    public struct Frame: Sendable {
        public var isResponse: Bool
        /// The 4E frame's serial number (nil for 3E).
        public var serial: UInt16?
        public var route: Route
        /// A request's command, subcommand and data; a response's end code and data.
        public var command: UInt16?
        public var subcommand: UInt16?
        public var endCode: UInt16?
        /// The command's data (a response's), in the binary frame's layout: an ASCII frame's is transcoded to it.
        public var data: [UInt8]
        /// The frame came in ASCII (hex digits and device names as text), not binary.
        public var ascii = false
    }

    /// The header's length before the data-length field: 7 bytes (3E) or 11 (4E), and whether the bytes start one.
    static func headerLength(_ b: some Collection<UInt8>) -> Int? {
        guard b.count >= 2 else { return nil }
        let i = b.startIndex
        switch (b[i], b[b.index(after: i)]) {
        case (0x50, 0x00), (0xD0, 0x00): return 7
        case (0x54, 0x00), (0xD4, 0x00): return 11
        default: return nil
        }
    }

    /// The whole frame's length, when the first bytes say it: the header, the data-length field and the data.
    public static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        if b.count >= 4, let h = asciiHeaderLength(b) {
            guard b.count >= h + 4 else { return .needMore }
            guard let n = hexValue(b, h, 4), n >= 4, n <= 8192 * 2 else { return .invalid("MC protocol ASCII data length out of range") }
            return .frame(h + 4 + n)
        }
        guard b.count >= 2 else { return .needMore }
        guard let h = headerLength(b) else { return .invalid("no MC protocol subheader (50 00, 54 00, D0 00, D4 00)") }
        guard b.count >= h + 2 else { return .needMore }
        let n = Int(b[h]) | Int(b[h + 1]) << 8
        guard n >= 2, n <= 8192 else { return .invalid("MC protocol data length \(n) out of range (2…8192)") }
        return .frame(h + 2 + n)
    }

    /// Whether a payload starts an MC protocol binary frame: a subheader, a 4E frame's zero bytes, and a data length
    /// that agrees with the bytes there are (a request's at least the timer, command and subcommand).
    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        if let h = asciiHeaderLength(b), b.count >= h + 4 {
            // ASCII: every header character a hex digit, the length that of the rest (a request's at least the
            // timer, command and subcommand).
            guard (0..<(h + 4)).allSatisfy({ Hex.digit(b[$0]) != nil }), let n = hexValue(b, h, 4) else { return false }
            if h == 22, hexValue(b, 8, 4) != 0 { return false }
            return b.count == h + 4 + n && n >= (b[0] == 0x35 ? 12 : 4)
        }
        guard let h = headerLength(b), b.count >= h + 2 else { return false }
        if h == 11, b[4] != 0 || b[5] != 0 { return false }
        let n = Int(b[h]) | Int(b[h + 1]) << 8
        let request = b[0] & 0x80 == 0
        return b.count == h + 2 + n && n >= (request ? 6 : 2)
    }

    public static func frame(_ bytes: some Collection<UInt8>) -> Frame? {
        if let h = asciiHeaderLength(bytes) { return asciiFrame(Array(bytes.prefix(8192 * 2 + 26)), header: h) }
        var c = ByteCursor(Array(bytes.prefix(8192 + 13)))
        guard let h = headerLength(c.bytes), c.skip(2) else { return nil }
        let isResponse = c.bytes[0] & 0x80 != 0
        var serial: UInt16?
        if h == 11 {
            serial = c.u16le()
            _ = c.skip(2)
        }
        guard let network = c.u8(), let pc = c.u8(), let io = c.u16le(), let station = c.u8(), c.skip(2) else { return nil }
        var f = Frame(isResponse: isResponse, serial: serial, route: Route(network: network, pc: pc, moduleIO: io, station: station),
                      command: nil, subcommand: nil, endCode: nil, data: [])
        // A response: its end code, then the data; a request: the monitoring timer, command and subcommand, then the
        // data. Cut short of those, the frame says only its route.
        if isResponse {
            guard let end = c.u16le() else { return f }
            f.endCode = end
        } else {
            guard c.skip(2), let command = c.u16le(), let sub = c.u16le() else { return f }
            (f.command, f.subcommand) = (command, sub)
        }
        f.data = Array(c.rest)
        return f
    }

    // MARK: ASCII frames

    /// The header's length before an ASCII frame's data-length field: 14 characters (3E: subheader, network, PC,
    /// module I/O, station) or 22 (4E: the serial number and four zeros after the subheader).
    static func asciiHeaderLength(_ b: some Collection<UInt8>) -> Int? {
        guard b.count >= 4 else { return nil }
        let head = Array(b.prefix(4)).map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }    // upper case
        switch head {
        case [0x35, 0x30, 0x30, 0x30], [0x44, 0x30, 0x30, 0x30]: return 14
        case [0x35, 0x34, 0x30, 0x30], [0x44, 0x34, 0x30, 0x30]: return 22
        default: return nil
        }
    }


    /// `n` hex digits at `i` as a number (the ASCII frame's fields are written most significant digit first).
    static func hexValue<C: Collection>(_ b: C, _ i: Int, _ n: Int) -> Int? where C.Element == UInt8, C.Index == Int {
        guard i >= 0, i + n <= b.count else { return nil }
        var v = 0
        for k in i..<(i + n) {
            guard let d = Hex.digit(b[b.startIndex + k]) else { return nil }
            v = v << 4 | Int(d)
        }
        return v
    }

    /// Device names as ASCII frames write them (`D*`, `X*`; iQ-R pads to four, `D***`), to their binary codes; Q
    /// series' `SS`, `SC`, `SN` are the retentive timer's contact, coil and value.
    static let asciiDevices: [String: UInt16] = {
        var m: [String: UInt16] = [:]
        for (code, d) in devices { m[d.name] = code }
        m["SS"] = 0xC7
        m["SC"] = 0xC6
        m["SN"] = 0xC8
        return m
    }()

    /// Reads an ASCII frame and transcodes its command data to the binary layout (`writes` and `device` read that):
    /// devices (a name and a number, in hex for the hex-numbered devices: six digits, or eight for iQ-R's
    /// subcommands), counts and words in hex, bits one character each. Data of a command not transcoded is kept out
    /// (`data` empty); nil when the header is not readable.
    static func asciiFrame(_ b: [UInt8], header h: Int) -> Frame? {
        let isResponse = b[0] & ~0x20 == 0x44
        var serial: UInt16?
        var i = 4
        if h == 22 {
            guard let s = hexValue(b, 4, 4) else { return nil }
            serial = UInt16(s)
            i = 12
        }
        guard let network = hexValue(b, i, 2), let pc = hexValue(b, i + 2, 2), let io = hexValue(b, i + 4, 4),
              let station = hexValue(b, i + 8, 2) else { return nil }
        var f = Frame(isResponse: isResponse, serial: serial,
                      route: Route(network: UInt8(network), pc: UInt8(pc), moduleIO: UInt16(io), station: UInt8(station)),
                      command: nil, subcommand: nil, endCode: nil, data: [], ascii: true)
        i = h + 4
        if isResponse {
            guard let end = hexValue(b, i, 4) else { return f }
            f.endCode = UInt16(end)
            // A read's words stay as text until their request says what they are: kept as hex digits.
            f.data = Array(b[min(b.count, i + 4)...])
            return f
        }
        guard hexValue(b, i, 4) != nil, let command = hexValue(b, i + 4, 4), let sub = hexValue(b, i + 8, 4) else { return f }
        f.command = UInt16(command)
        f.subcommand = UInt16(sub)
        f.data = transcode(Array(b[(i + 12)...]), command: UInt16(command), subcommand: UInt16(sub)) ?? []
        return f
    }

    /// An ASCII request's data in the binary layout, for the commands whose data names devices and values.
    static func transcode(_ d: [UInt8], command: UInt16, subcommand: UInt16) -> [UInt8]? {
        let wide = subcommand & 0x0002 != 0
        let bits = subcommand & 0x0001 != 0
        let nameWidth = wide ? 4 : 2, numberWidth = wide ? 8 : 6
        var i = 0
        var out: [UInt8] = []
        func le(_ v: Int, _ n: Int) { for k in 0..<n { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        func hex(_ n: Int) -> Int? {
            defer { i += n }
            return hexValue(d, i, n)
        }
        /// A device: its name (padded with `*`) and number, appended as the binary frame has it.
        func device() -> Bool {
            guard i + nameWidth + numberWidth <= d.count else { return false }
            let name = String(decoding: d[i..<(i + nameWidth)].filter { $0 != 0x2A && $0 != 0x20 }, as: UTF8.self).uppercased()
            guard let code = asciiDevices[name] else { return false }
            let digits = d[(i + nameWidth)..<(i + nameWidth + numberWidth)]
            let radix = devices[code]?.hex == true ? 16 : 10
            guard let number = Int(String(decoding: digits, as: UTF8.self), radix: radix) else { return false }
            i += nameWidth + numberWidth
            le(number, wide ? 4 : 3)
            le(Int(code), wide ? 2 : 1)
            return true
        }
        switch command {
        case 0x0401, 0x1401:
            guard device(), let count = hex(4) else { return nil }
            le(count, 2)
            guard command == 0x1401 else { return out }
            if bits {
                // One character a point; the binary frame packs two a byte, the first in the high half.
                var k = 0
                while k < count, i + k < d.count {
                    let v = d[i + k] == 0x31 ? UInt8(1) : 0
                    if k % 2 == 0 { out.append(v << 4) } else { out[out.count - 1] |= v }
                    k += 1
                }
            } else {
                for _ in 0..<min(count, 960) {
                    guard let w = hex(4) else { break }
                    le(w, 2)
                }
            }
            return out
        case 0x1402:
            if bits {
                guard let count = hex(2) else { return nil }
                out.append(UInt8(truncatingIfNeeded: count))
                for _ in 0..<count {
                    guard device(), let v = hex(2) else { break }
                    le(v, wide ? 2 : 1)
                }
                return out
            }
            guard let words = hex(2), let dwords = hex(2) else { return nil }
            out.append(UInt8(truncatingIfNeeded: words))
            out.append(UInt8(truncatingIfNeeded: dwords))
            for (count, size) in [(words, 4), (dwords, 8)] {
                for _ in 0..<count {
                    guard device(), let v = hex(size) else { return out }
                    le(v, size / 2)
                }
            }
            return out
        case 0x1001:
            // Remote RUN: mode (4 digits), clear mode (2), then two fixed digits.
            guard let mode = hex(4), let clear = hex(2) else { return nil }
            le(mode, 2)
            out.append(UInt8(truncatingIfNeeded: clear))
            out.append(0)
            return out
        default:
            return nil
        }
    }

    /// Command names as event kinds name them (`ics.melsec.batch_write`); remote RUN and STOP as every protocol's
    /// controller start and stop (`plc_start`, `plc_stop`), remote RESET as `reset`.
    public static let names: [UInt16: String] = [
        0x0401: "batch_read", 0x1401: "batch_write", 0x0403: "random_read", 0x1402: "random_write",
        0x0406: "block_read", 0x1406: "block_write", 0x0801: "monitor_register", 0x0802: "monitor",
        0x0613: "buffer_memory_read", 0x1613: "buffer_memory_write", 0x0601: "intelligent_module_read",
        0x1601: "intelligent_module_write", 0x1001: "plc_start", 0x1002: "plc_stop", 0x1003: "remote_pause",
        0x1005: "remote_latch_clear", 0x1006: "reset", 0x0101: "read_type_name", 0x1630: "remote_unlock",
        0x1631: "remote_lock", 0x0619: "loopback_test", 0x1617: "clear_error", 0x1827: "open_file",
        0x1828: "write_file", 0x182A: "close_file", 0x1820: "new_file", 0x1822: "delete_file", 0x1824: "copy_file",
        0x1825: "change_file_attribute",
    ]

    public static func name(_ command: UInt16) -> String {
        names[command] ?? "command_" + String(command, radix: 16).leftPadded(4)
    }

    /// Polls (an HMI's or a SCADA's routine): answered normally, they are counted rather than kept one by one.
    static let routineCommands: Set<UInt16> = [0x0401, 0x0403, 0x0406, 0x0802, 0x0613, 0x0601, 0x0101, 0x0619]

    /// Devices by their binary code: the name and whether the number is written in hex (X, Y, B, W, SB, SW, DX, DY,
    /// as GX Works writes them). iQ-R's long timers and counters among them.
    public static let devices: [UInt16: (name: String, hex: Bool)] = [
        0x91: ("SM", false), 0xA9: ("SD", false), 0x9C: ("X", true), 0x9D: ("Y", true), 0x90: ("M", false),
        0x92: ("L", false), 0x93: ("F", false), 0x94: ("V", false), 0xA0: ("B", true), 0xA8: ("D", false),
        0xB4: ("W", true), 0xC1: ("TS", false), 0xC0: ("TC", false), 0xC2: ("TN", false), 0xC7: ("STS", false),
        0xC6: ("STC", false), 0xC8: ("STN", false), 0xC4: ("CS", false), 0xC3: ("CC", false), 0xC5: ("CN", false),
        0xA1: ("SB", true), 0xB5: ("SW", true), 0xA2: ("DX", true), 0xA3: ("DY", true), 0xCC: ("Z", false),
        0xAF: ("R", false), 0xB0: ("ZR", false), 0x51: ("LTS", false), 0x50: ("LTC", false), 0x52: ("LTN", false),
        0x59: ("LSTS", false), 0x58: ("LSTC", false), 0x5A: ("LSTN", false), 0x55: ("LCS", false),
        0x54: ("LCC", false), 0x56: ("LCN", false), 0x62: ("LZ", false), 0x2C: ("RD", false),
    ]

    /// The devices whose points are bits (contacts, coils, relays): a word written to one of them sets sixteen.
    public static let bitDevices: Set<String> = ["SM", "X", "Y", "M", "L", "F", "V", "B", "TS", "TC", "STS", "STC",
                                                 "CS", "CC", "SB", "DX", "DY", "LTS", "LTC", "LSTS", "LSTC", "LCS", "LCC"]

    /// A device reference at `i` of a request's data: its number and code, in the subcommand's width (nil past the end).
    static func device(_ d: [UInt8], at i: Int, wide: Bool) -> (number: Int, code: UInt16, next: Int)? {
        guard i >= 0, i <= d.count else { return nil }
        var c = ByteCursor(d, from: i)
        guard let number = wide ? c.u32le() : c.u24le(), let code = wide ? c.u16le() : c.u8().map(UInt16.init) else { return nil }
        return (Int(number), code, c.offset)
    }

    static let endCodeNames: [UInt16: String] = [
        0x0000: "normal completion", 0xC050: "ASCII data that cannot be converted", 0xC051: "too many words",
        0xC056: "request beyond the maximum address", 0xC058: "data length does not match", 0xC059: "command or subcommand wrong",
        0xC05B: "device cannot be written or read", 0xC05C: "request content wrong", 0xC05F: "request cannot be executed",
        0xC060: "request content wrong (bit device)", 0xC061: "data length does not match", 0xC06F: "ASCII/binary setting differs",
        0xC070: "device memory extension not possible for the station", 0xC0B5: "data the CPU cannot handle",
        0xC200: "remote password wrong", 0xC201: "locked by the remote password", 0xC204: "another device unlocked it",
        0x4013: "not possible while the CPU is running", 0x4030: "device not supported by the CPU", 0x4031: "device out of range",
        0x4080: "request data error", 0x40A0: "CPU in STOP or error", 0x4101: "CPU busy with another remote operation",
    ]

    public static func endCodeName(_ code: UInt16) -> String {
        endCodeNames[code] ?? "end code 0x" + String(code, radix: 16).leftPadded(4)
    }
}

/// The MC protocol decoder of one flow: requests paired with responses (a 4E frame's by its serial number, a 3E
/// frame's in order, as a controller answers one connection's requests), each pair one event
/// (`ics.melsec.batch_write`, `ics.melsec.plc_stop`); normal polls counted.
public final class MELSECDecoder: FlowDecoder {
    public let protocolName = "melsec"
    let datagrams: Bool
    var framer = DuplexFramer(maxFrame: 8192 + 13, length: MELSEC.frameLength)
    var budget = WarningBudget()

    struct Pending {
        var frame: MELSEC.Frame
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    /// Requests waiting, oldest first (a 4E response takes the one with its serial number, a 3E response the oldest).
    var pending: [Pending] = []
    static let maxPending = 256

    public init(datagrams: Bool = false) { self.datagrams = datagrams }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if datagrams {
            guard let f = MELSEC.frame(bytes) else {
                budget.warn(&out, ctx.packet, "MC protocol: datagram of \(bytes.count) bytes is no 3E or 4E frame (binary or ASCII)")
                return
            }
            return frame(f, ctx, &out)
        }
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "MC protocol: \(w); framing restarts at the next segment") }
        for t in frames {
            guard let f = MELSEC.frame(t) else { continue }
            frame(f, ctx, &out)
        }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        if !datagrams { framer.reset(fromClient: ctx.fromClient) }
    }

    func frame(_ f: MELSEC.Frame, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if !f.isResponse {
            if f.command == nil { budget.warn(&out, ctx.packet, "MC protocol request cut short of its command") }
            pending.append(Pending(frame: f, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst))
            if pending.count > Self.maxPending { emit(pending.removeFirst(), response: nil, responsePacket: nil, &out) }
            return
        }
        let i: Int?
        if let s = f.serial { i = pending.firstIndex { $0.frame.serial == s } } else { i = pending.isEmpty ? nil : 0 }
        if let i {
            emit(pending.remove(at: i), response: f, responsePacket: ctx.packet, &out)
        } else {
            emit(Pending(frame: f, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src), response: f,
                 responsePacket: ctx.packet, &out, commandSeen: false)
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "MC protocol")
        for p in pending { emit(p, response: nil, responsePacket: nil, &out) }
        pending = []
    }

    /// A device's point: `melsec:D100`, `melsec:X1F` (hex devices in hex), or the code when Jikocho does not know it.
    static func point(code: UInt16, number: Int) -> ControlPoint {
        guard let d = MELSEC.devices[code] else {
            return ControlPoint.melsec(device: "code-0x" + String(code, radix: 16).leftPadded(2) + ":", number: number, hex: false)
        }
        return ControlPoint.melsec(device: d.name, number: number, hex: d.hex)
    }

    static func isBitDevice(_ code: UInt16) -> Bool { MELSEC.devices[code].map { MELSEC.bitDevices.contains($0.name) } ?? false }

    /// The points a request writes, with their raw values (a word 0–65535; a double word from a random write its 32
    /// bits; a bit 1 or 0; a word written to a bit device, its sixteen bits), and a problem when the data is short.
    static func writes(_ f: MELSEC.Frame) -> (points: [(ControlPoint, JSONValue)], problem: String?) {
        guard let command = f.command, let sub = f.subcommand else { return ([], nil) }
        let d = f.data
        let wide = sub & 0x0002 != 0
        let bits = sub & 0x0001 != 0
        var out: [(ControlPoint, JSONValue)] = []
        func le(_ i: Int, _ n: Int) -> Int64? {
            guard i + n <= d.count else { return nil }
            var v: Int64 = 0
            for k in (0..<n).reversed() { v = v << 8 | Int64(d[i + k]) }
            return v
        }
        /// Word `value` written to `code` at `number`: itself, or on a bit device its sixteen bits from there.
        func word(_ code: UInt16, _ number: Int, _ value: Int64?) {
            if isBitDevice(code) {
                for b in 0..<16 where out.count < 256 {
                    out.append((point(code: code, number: number + b), value.map { .int($0 >> Int64(b) & 1) } ?? .null))
                }
            } else if out.count < 256 {
                out.append((point(code: code, number: number), value.map { .int($0) } ?? .null))
            }
        }
        switch command {
        case 0x1401:
            guard let head = MELSEC.device(d, at: 0, wide: wide), let count = le(head.next, 2) else {
                return ([], "batch write cut short of its device and count")
            }
            let n = Int(min(count, 960 * 16))
            if bits {
                for k in 0..<min(n, 256) {
                    let byte = head.next + 2 + k / 2
                    let v: JSONValue = byte < d.count ? .int(Int64(k % 2 == 0 ? d[byte] >> 4 & 1 : d[byte] & 1)) : .null
                    out.append((point(code: head.code, number: head.number + k), v))
                }
                let needed = (n + 1) / 2
                return (out, d.count - head.next - 2 < needed ? "batch write of \(n) bits carries \(max(0, d.count - head.next - 2)) of \(needed) bytes" : nil)
            }
            for k in 0..<min(n, 256) { word(head.code, head.number + k * (isBitDevice(head.code) ? 16 : 1), le(head.next + 2 + 2 * k, 2)) }
            let have = max(0, d.count - head.next - 2)
            return (out, have < 2 * n ? "batch write of \(n) words carries \(have) of \(2 * n) bytes" : nil)
        case 0x1402:
            if bits {
                guard d.count >= 1 else { return ([], "random write cut short of its count") }
                var i = 1
                for _ in 0..<Int(d[0]) {
                    guard let dev = MELSEC.device(d, at: i, wide: wide) else { return (out, "random write of \(d[0]) bits cut short") }
                    let size = wide ? 2 : 1
                    out.append((point(code: dev.code, number: dev.number), le(dev.next, size).map { .int($0 & 1) } ?? .null))
                    i = dev.next + size
                }
                return (out, nil)
            }
            guard d.count >= 2 else { return ([], "random write cut short of its counts") }
            var i = 2
            for (count, size) in [(Int(d[0]), 2), (Int(d[1]), 4)] {
                for _ in 0..<count {
                    guard let dev = MELSEC.device(d, at: i, wide: wide) else { return (out, "random write cut short of its devices") }
                    if size == 2 { word(dev.code, dev.number, le(dev.next, 2)) } else if out.count < 256 {
                        out.append((point(code: dev.code, number: dev.number), le(dev.next, 4).map { .int($0) } ?? .null))
                    }
                    i = dev.next + size
                }
            }
            return (out, nil)
        case 0x1406:
            // Block write: word blocks, then bit blocks (each a device, a count of words, the words).
            guard d.count >= 2 else { return ([], "block write cut short of its counts") }
            var i = 2
            for isBitBlock in [false, true] {
                for _ in 0..<Int(isBitBlock ? d[1] : d[0]) {
                    guard let dev = MELSEC.device(d, at: i, wide: wide), let count = le(dev.next, 2) else {
                        return (out, "block write cut short of its blocks")
                    }
                    for k in 0..<Int(min(count, 256)) {
                        word(dev.code, dev.number + k * (isBitDevice(dev.code) ? 16 : 1), le(dev.next + 2 + 2 * k, 2))
                    }
                    i = dev.next + 2 + 2 * Int(count)
                }
            }
            return (out, nil)
        default:
            return ([], nil)
        }
    }

    func emit(_ req: Pending, response: MELSEC.Frame?, responsePacket: Int?, _ out: inout DecodeOutput, commandSeen: Bool = true) {
        let q = req.frame
        let route = q.route
        let command = commandSeen ? q.command : nil
        let name = command.map(MELSEC.name) ?? "response"
        let failed = (response?.endCode ?? 0) != 0
        var key: Int?
        var valueHash: Int?
        if let c = command, MELSEC.routineCommands.contains(c), let r = response, !failed {
            var k = Hasher()
            k.combine(c)
            k.combine(q.subcommand)
            k.combine(route)
            k.combine(q.data.prefix(64))
            key = k.finalize()
            var v = Hasher()
            v.combine(r.data.prefix(4096))
            valueHash = v.finalize()
            if out.absorb(key: key, time: req.time, packet: req.packet, messages: 2, valueHash: valueHash) { return }
        }
        out.writer.string("frame", q.serial == nil ? "3E" : "4E")
        if q.ascii { out.writer.string("encoding", "ascii") }
        if let s = q.serial { out.writer.int("serial", s) }
        out.writer.string("station", Station.melsec(network: Int(route.network), pc: Int(route.pc),
                                                    moduleIO: Int(route.moduleIO), station: Int(route.station)))
        var summary = "MC protocol \(name.replacingOccurrences(of: "_", with: " "))"
        if let c = command {
            out.writer.int("command_code", c)
            out.writer.string("command", name)
            if let s = q.subcommand { out.writer.int("subcommand", s) }
            out.writer.int("request_packet", req.packet)
            let wide = (q.subcommand ?? 0) & 0x0002 != 0
            if [0x0401, 0x1401].contains(c), let head = MELSEC.device(q.data, at: 0, wide: wide) {
                let ref = String(Self.point(code: head.code, number: head.number).text.dropFirst(7))
                out.writer.string("device", ref)
                out.writer.int("device_code", Int(head.code))
                summary += " \(ref)"
                if head.next + 2 <= q.data.count {
                    let n = Int(q.data[head.next]) | Int(q.data[head.next + 1]) << 8
                    out.writer.int("count", n)
                    out.writer.string("unit", (q.subcommand ?? 0) & 1 != 0 ? "bit" : "word")
                    summary += " ×\(n)"
                }
            }
            if c == 0x1001, q.data.count >= 3 {
                // RUN: mode (1, or 3 forced while another device holds the controller), clear mode (0 none, 1 all but
                // the latched devices, 2 all).
                let forced = q.data[0] & 0x02 != 0
                out.writer.bool("forced", forced)
                out.writer.string("clear", ["none", "all but latched", "all"][safe: Int(q.data[2])] ?? "mode-\(q.data[2])")
                summary += forced ? " (forced)" : ""
            }
            if c == 0x1630 || c == 0x1631 {
                // The remote password travels in clear text: keep that one was given and its length, not the secret.
                out.writer.bool("password_given", q.data.count > 2)
                out.writer.int("password_length", max(0, q.data.count - 2))
            }
            if [0x1401, 0x1402, 0x1406].contains(c) {
                let w = Self.writes(q)
                if let p = w.problem { budget.warn(&out, req.packet, "MC protocol \(name): \(p)") }
                out.writer.value("control", ControlPoint.attribute(action: "write", w.points))
                let values = w.points.prefix(4).map { $0.1 == .null ? "?" : $0.1.text }
                if !values.isEmpty { summary += " = " + values.joined(separator: ", ") + (w.points.count > 4 ? ", …" : "") }
            }
        }
        var outcome = "no_response"
        if let r = response {
            out.writer.int("response_packet", responsePacket ?? 0)
            if let code = r.endCode {
                out.writer.int("end_code", Int(code))
                if code != 0 {
                    out.writer.string("error", MELSEC.endCodeName(code))
                    summary += " → \(MELSEC.endCodeName(code))"
                    outcome = "error"
                } else {
                    outcome = "ok"
                    if command == 0x0101, r.data.count >= 16 {
                        out.writer.string("cpu_model", String(decoding: r.data.prefix(16), as: UTF8.self).trimmingBlanks)
                    }
                }
            } else {
                outcome = "error"
                out.writer.string("error", "response cut short of its end code")
            }
        }
        if !commandSeen { out.writer.string("note", "response without a request in the capture") }
        out.writer.string("outcome", outcome)
        out.messages.append(NetMessage(time: req.time, packet: req.packet, domain: .ot, kind: "ics.melsec.\(name)",
                                       src: req.src, dst: req.dst, summary: summary, writer: &out.writer, routineKey: key,
                                       messages: (commandSeen ? 1 : 0) + (response == nil ? 0 : 1), valueHash: valueHash))
    }
}

import CPcap
import Foundation
import JikochoModel

/// Writes a capture with libpcap's own dumper (classic pcap, Ethernet, microsecond times), as a sensor would.
final class CaptureWriter {
    private let handle: OpaquePointer
    private let dumper: OpaquePointer
    private(set) var frames = 0
    private var lastTime: Int64 = .min
    /// Frames copied from a real capture keep its order, whatever their times say.
    var keepsGivenOrder = false

    init(path: String) throws {
        guard let h = pcap_open_dead(DLT_EN10MB, 65_535) else {
            throw ExerciseError("libpcap cannot open a dead handle")
        }
        guard let d = pcap_dump_open(h, path) else {
            let why = String(cString: pcap_geterr(h))
            pcap_close(h)
            throw ExerciseError("cannot write \(path): \(why)")
        }
        handle = h
        dumper = d
    }

    /// Writes one frame at `time` (ns since the epoch). Frames must come in time order, as on a wire.
    func write(_ frame: [UInt8], at time: Int64) {
        precondition(keepsGivenOrder || time >= lastTime, "capture frames out of order")
        lastTime = time
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(time / 1_000_000_000)
        header.ts.tv_usec = Int((time % 1_000_000_000) / 1000)
        header.caplen = UInt32(frame.count)
        header.len = UInt32(frame.count)
        frame.withUnsafeBufferPointer { b in
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, b.baseAddress)
        }
        frames += 1
    }

    func close() {
        pcap_dump_close(dumper)
        pcap_close(handle)
    }
}

extension CaptureWriter {
    /// Copies a real Ethernet capture to `output`, in its order: `copy` writes what each frame (its bytes and time in
    /// nanoseconds) becomes.
    static func copy(_ input: String, to output: String, _ copy: (CaptureWriter, [UInt8], Int64) -> Void) throws {
        var error = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_open_offline(input, &error) else {
            throw ExerciseError("libpcap cannot open \(input): \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        defer { pcap_close(handle) }
        guard pcap_datalink(handle) == DLT_EN10MB else { throw ExerciseError("\(input) is not an Ethernet capture") }
        let writer = try CaptureWriter(path: output)
        writer.keepsGivenOrder = true
        defer { writer.close() }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while pcap_next_ex(handle, &header, &data) == 1, let h = header, let d = data {
            copy(writer, Array(UnsafeBufferPointer(start: d, count: Int(h.pointee.caplen))),
                 Int64(h.pointee.ts.tv_sec) * 1_000_000_000 + Int64(h.pointee.ts.tv_usec) * 1000)
        }
    }
}

/// A host on the wire: IPv4 address and MAC.
struct NetHost: Hashable {
    var ip: [UInt8]
    var mac: [UInt8]

    init(_ ip: String, mac: [UInt8]) {
        self.ip = ip.split(separator: ".").map { UInt8($0)! }
        self.mac = mac
    }

    var address: String { ip.map(String.init).joined(separator: ".") }
}

/// Ethernet II / IPv4 / TCP and UDP frames with correct lengths and checksums.
enum Frames {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func checksum(_ parts: [UInt8]...) -> UInt16 {
        var sum: UInt32 = 0
        for bytes in parts {
            var i = 0
            while i + 1 < bytes.count {
                sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
                i += 2
            }
            if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func ipv4(_ src: NetHost, _ dst: NetHost, proto: UInt8, id: UInt16, ttl: UInt8, payload: [UInt8]) -> [UInt8] {
        var h: [UInt8] = [0x45, 0] + be16(UInt16(20 + payload.count)) + be16(id) + [0x40, 0x00, ttl, proto, 0, 0]
            + src.ip + dst.ip
        let c = checksum(h)
        h[10] = UInt8(c >> 8)
        h[11] = UInt8(c & 0xFF)
        return dst.mac + src.mac + [0x08, 0x00] + h + payload
    }

    static func pseudo(_ src: NetHost, _ dst: NetHost, proto: UInt8, length: Int) -> [UInt8] {
        src.ip + dst.ip + [0, proto] + be16(UInt16(length))
    }

    static func tcp(_ src: NetHost, _ sport: UInt16, _ dst: NetHost, _ dport: UInt16, seq: UInt32, ack: UInt32,
                    flags: UInt8, window: UInt16, payload: [UInt8], id: UInt16, ttl: UInt8) -> [UInt8] {
        // SYNs carry an MSS option, as every stack sends.
        let options: [UInt8] = flags & 0x02 != 0 ? [2, 4, 0x05, 0xB4] : []
        let offset = UInt8((20 + options.count) / 4) << 4
        var seg = be16(sport) + be16(dport) + be32(seq) + be32(ack) + [offset, flags] + be16(window) + [0, 0, 0, 0]
            + options + payload
        let c = checksum(pseudo(src, dst, proto: 6, length: seg.count), seg)
        seg[16] = UInt8(c >> 8)
        seg[17] = UInt8(c & 0xFF)
        return ipv4(src, dst, proto: 6, id: id, ttl: ttl, payload: seg)
    }

    static func udp(_ src: NetHost, _ sport: UInt16, _ dst: NetHost, _ dport: UInt16, payload: [UInt8], id: UInt16,
                    ttl: UInt8) -> [UInt8] {
        var seg = be16(sport) + be16(dport) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
        var c = checksum(pseudo(src, dst, proto: 17, length: seg.count), seg)
        if c == 0 { c = 0xFFFF }
        seg[6] = UInt8(c >> 8)
        seg[7] = UInt8(c & 0xFF)
        return ipv4(src, dst, proto: 17, id: id, ttl: ttl, payload: seg)
    }
}

/// Builds the frames of a capture in any order of construction and writes them sorted by time, so that
/// conversations that overlap (polling, a remote session, DNS) interleave as they would on a wire.
final class CaptureBuilder {
    private var frames: [(time: Int64, order: Int, bytes: [UInt8])] = []
    private var ipIDs: [[UInt8]: UInt16] = [:]

    func add(_ time: Int64, _ bytes: [UInt8]) {
        frames.append((time, frames.count, bytes))
    }

    func nextID(_ host: NetHost) -> UInt16 {
        let v = ipIDs[host.ip, default: UInt16(truncatingIfNeeded: Int(host.ip[3]) * 241)] &+ 1
        ipIDs[host.ip] = v
        return v
    }

    /// Another builder's frames, each rewritten by `wrap` into one or more (put in a tunnel, tagged, fragmented) kept
    /// at its time in that order.
    func add(_ other: CaptureBuilder, wrap: ([UInt8]) -> [[UInt8]]) {
        for f in other.frames { for w in wrap(f.bytes) { add(f.time, w) } }
    }

    func write(to path: String) throws -> Int {
        let w = try CaptureWriter(path: path)
        defer { w.close() }
        for f in frames.sorted(by: { ($0.time, $0.order) < ($1.time, $1.order) }) {
            w.write(f.bytes, at: f.time)
        }
        return frames.count
    }
}

/// A TCP connection between a client and a server: handshake, data with sequence and acknowledgement numbers that
/// add up, and an orderly close.
final class TCPConversation {
    let client: NetHost
    let server: NetHost
    let clientPort: UInt16
    let serverPort: UInt16
    private var cseq: UInt32
    private var sseq: UInt32
    private let capture: CaptureBuilder
    let clientTTL: UInt8
    let serverTTL: UInt8

    init(_ capture: CaptureBuilder, client: NetHost, clientPort: UInt16, server: NetHost, serverPort: UInt16,
         isn: (UInt32, UInt32), ttl: (UInt8, UInt8) = (128, 64)) {
        self.capture = capture
        self.client = client
        self.server = server
        self.clientPort = clientPort
        self.serverPort = serverPort
        cseq = isn.0
        sseq = isn.1
        clientTTL = ttl.0
        serverTTL = ttl.1
    }

    private func segment(fromClient: Bool, _ time: Int64, flags: UInt8, payload: [UInt8] = []) {
        let frame: [UInt8]
        if fromClient {
            frame = Frames.tcp(client, clientPort, server, serverPort, seq: cseq, ack: flags == 0x02 ? 0 : sseq,
                               flags: flags, window: 64_240, payload: payload, id: capture.nextID(client), ttl: clientTTL)
            cseq &+= UInt32(payload.count) + (flags & 0x03 != 0 ? 1 : 0)
        } else {
            frame = Frames.tcp(server, serverPort, client, clientPort, seq: sseq, ack: cseq, flags: flags,
                               window: 8_192, payload: payload, id: capture.nextID(server), ttl: serverTTL)
            sseq &+= UInt32(payload.count) + (flags & 0x03 != 0 ? 1 : 0)
        }
        capture.add(time, frame)
    }

    /// SYN, SYN-ACK, ACK starting at `time`, with a round trip of `rtt` ns.
    func open(_ time: Int64, rtt: Int64 = 400_000) {
        segment(fromClient: true, time, flags: 0x02)
        segment(fromClient: false, time + rtt / 2, flags: 0x12)
        segment(fromClient: true, time + rtt, flags: 0x10)
    }

    /// A whole connection for a decoder's oracle capture: opened at `time`, the messages in order (each from the
    /// client, `true`, or the server) `step` apart from 1 ms on, closed 1 ms after the last; the initial sequence
    /// numbers follow from the client's port, so the same arguments give the same bytes.
    static func replay(_ capture: CaptureBuilder, client: NetHost, clientPort: UInt16, server: NetHost, serverPort: UInt16,
                       at time: Int64, step: Int64, _ messages: [(Bool, [UInt8])]) {
        let c = TCPConversation(capture, client: client, clientPort: clientPort, server: server, serverPort: serverPort,
                                isn: (UInt32(clientPort) &* 1000, UInt32(clientPort) &* 3000))
        c.open(time)
        var at = time + 1_000_000
        for (fromClient, bytes) in messages {
            c.send(fromClient: fromClient, at, bytes)
            at += step
        }
        c.close(fromClient: true, at + 1_000_000)
    }

    /// One application message (PSH, ACK).
    func send(fromClient: Bool, _ time: Int64, _ payload: [UInt8]) {
        segment(fromClient: fromClient, time, flags: 0x18, payload: payload)
    }

    /// A bare acknowledgement.
    func ack(fromClient: Bool, _ time: Int64) {
        segment(fromClient: fromClient, time, flags: 0x10)
    }

    /// FIN from one side, FIN-ACK, ACK.
    func close(fromClient: Bool, _ time: Int64, rtt: Int64 = 400_000) {
        segment(fromClient: fromClient, time, flags: 0x11)
        segment(fromClient: !fromClient, time + rtt / 2, flags: 0x11)
        segment(fromClient: fromClient, time + rtt, flags: 0x10)
    }
}

public struct ExerciseError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// DNS messages for exercise captures: a standard A query and its answer.
enum DNSFrames {
    static func name(_ name: String) -> [UInt8] {
        name.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    static func query(_ id: UInt16, _ name: String) -> [UInt8] {
        Frames.be16(id) + [0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + Self.name(name) + [0, 1, 0, 1]
    }

    static func answer(_ query: [UInt8], _ ip: [UInt8]) -> [UInt8] {
        var a = query
        a[2] = 0x85
        a[3] = 0x80
        a[7] = 1
        return a + [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4] + ip
    }
}

/// Writing exercise files.
enum ExerciseFiles {
    /// Lines in time order, one per line.
    static func writeLines(_ path: String, _ lines: [(Int64, String)]) throws -> Int {
        let text = lines.sorted { $0.0 < $1.0 }.map { $0.1 + "\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return lines.count
    }
}

/// Modbus/TCP pieces for exercise captures.
enum ModbusFrames {
    /// An MBAP header (transaction id, protocol 0, length, unit 1) before a PDU.
    static func mbap(_ transaction: UInt16, _ pdu: [UInt8], unit: UInt8 = 1) -> [UInt8] {
        Frames.be16(transaction) + [0, 0] + Frames.be16(UInt16(pdu.count + 1)) + [unit] + pdu
    }

    /// A request and its response on a conversation, the next transaction id, the answer `latency` later; returns when
    /// the client may send again.
    static func exchange(_ conv: TCPConversation, _ tid: inout UInt16, _ t: Int64, _ request: [UInt8], _ response: [UInt8],
                         unit: UInt8 = 1, latency: () -> Int64) -> Int64 {
        tid &+= 1
        conv.send(fromClient: true, t, mbap(tid, request, unit: unit))
        let lat = latency()
        conv.send(fromClient: false, t + lat, mbap(tid, response, unit: unit))
        return t + lat + 1_000_000
    }

    /// A register's raw value, rounded and clamped to 0…65535.
    static func register(_ v: Double) -> [UInt8] { Frames.be16(UInt16(max(0, min(65_535, v.rounded())))) }
}

extension ExerciseFiles {
    /// Creates the exercise's folders.
    static func prepare(_ directory: String, _ folders: [String]) throws {
        for sub in folders {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
    }

    /// Writes the inventory and the scenario and counts them in the summary.
    static func finish(_ directory: String, assets: String, scenario: String,
                       _ summary: inout WaterTreatmentExercise.Summary) throws {
        try assets.write(toFile: "\(directory)/assets.yaml", atomically: true, encoding: .utf8)
        try scenario.write(toFile: "\(directory)/scenario.yaml", atomically: true, encoding: .utf8)
        summary.files["assets.yaml"] = 1
        summary.files["scenario.yaml"] = 1
    }
}

/// S7comm over COTP and TPKT (ISO-on-TCP, port 102) for exercise captures, laid out as Wireshark's s7comm
/// dissector reads each function: jobs and their acknowledgements with data, the PLC's stop and start (PI service
/// P_PROGRAM), and a block download, in which the engineering tool asks and the PLC then fetches the block and
/// ends the download with jobs of its own.
enum S7Frames {
    /// COTP connection request and confirm for rack 0, slot 2 (TSAP 0x0102), TPDU size 1024.
    static let connectRequest: [UInt8] = connectRequest(slot: 2)
    static let connectConfirm: [UInt8] = connectConfirm(slot: 2)
    /// COTP connection request and confirm to the CPU in `slot` of rack 0 (destination TSAP 0x01, rack × 32 + slot).
    static func connectRequest(slot: UInt8) -> [UInt8] { [3, 0, 0, 22, 17, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, slot] }
    static func connectConfirm(slot: UInt8) -> [UInt8] { [3, 0, 0, 22, 17, 0xD0, 0, 1, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, slot] }

    static func tpkt(_ s7: [UInt8]) -> [UInt8] { [3, 0] + Frames.be16(UInt16(7 + s7.count)) + [2, 0xF0, 0x80] + s7 }

    /// A job (ROSCTR 1) with its parameter and data.
    static func job(_ ref: UInt16, _ parameter: [UInt8], _ data: [UInt8] = []) -> [UInt8] {
        tpkt([0x32, 1, 0, 0] + Frames.be16(ref) + Frames.be16(UInt16(parameter.count)) + Frames.be16(UInt16(data.count))
             + parameter + data)
    }

    /// An acknowledgement with data (ROSCTR 3), error class and code 0.
    static func ackData(_ ref: UInt16, _ parameter: [UInt8], _ data: [UInt8] = []) -> [UInt8] {
        tpkt([0x32, 3, 0, 0] + Frames.be16(ref) + Frames.be16(UInt16(parameter.count)) + Frames.be16(UInt16(data.count))
             + [0, 0] + parameter + data)
    }

    /// Setup communication: one job at a time each way, PDU size 480 asked, 240 granted.
    static let setupRequest: [UInt8] = [0xF0, 0, 0, 1, 0, 1, 0x01, 0xE0]
    static let setupResponse: [UInt8] = [0xF0, 0, 0, 1, 0, 1, 0x00, 0xF0]

    /// Read variable: items of bytes (area 0x81 inputs, 0x82 outputs, 0x84 a data block), S7ANY addressing.
    static func readRequest(_ items: [(area: UInt8, db: UInt16, byte: Int, count: UInt16)]) -> [UInt8] {
        [0x04, UInt8(items.count)] + items.flatMap { i -> [UInt8] in
            let bits = i.byte * 8
            return [0x12, 0x0A, 0x10, 0x02] + Frames.be16(i.count) + Frames.be16(i.db) + [i.area]
                + [UInt8((bits >> 16) & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8(bits & 0xFF)]
        }
    }

    /// The data of a read's acknowledgement: each item OK (0xFF), bytes with their length in bits, a fill byte after
    /// an odd-length item that is not the last.
    static func readData(_ values: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, v) in values.enumerated() {
            out += [0xFF, 0x04] + Frames.be16(UInt16(v.count * 8)) + v
            if v.count % 2 == 1, i < values.count - 1 { out.append(0) }
        }
        return out
    }

    static let programName = Array("P_PROGRAM".utf8)
    /// PLC STOP (function 0x29) of the program.
    static let plcStop: [UInt8] = [0x29, 0, 0, 0, 0, 0, UInt8(programName.count)] + programName
    /// PI service P_PROGRAM (function 0x28, no parameter block): start the program (a warm restart).
    static let plcStart: [UInt8] = [0x28, 0, 0, 0, 0, 0, 0, 0xFD, 0, 0, UInt8(programName.count)] + programName

    /// A block's file name: `_`, block type in hex (08 OB, 0A DB, 0C FC, 0E FB), five-digit number, `P` (passive
    /// file system, as downloads use).
    static func fileName(type: UInt8, number: Int) -> [UInt8] {
        Array("_\(String(format: "%02X", type))\(String(format: "%05d", number))P".utf8)
    }

    /// Request download (0x1A) from the engineering tool: the file name, then load-memory and MC7 code lengths.
    static func requestDownload(_ name: [UInt8], loadLength: Int, codeLength: Int) -> [UInt8] {
        let part2 = Array("1\(String(format: "%06d", loadLength))\(String(format: "%06d", codeLength))".utf8)
        return [0x1A, 0, 1, 0, 0, 0, 0, 0, UInt8(name.count)] + name + [UInt8(part2.count)] + part2
    }

    /// Download block (0x1B), sent by the PLC to fetch the block.
    static func downloadBlock(_ name: [UInt8]) -> [UInt8] { [0x1B, 0, 1, 0, 0, 0, 0, 0, UInt8(name.count)] + name }

    /// The tool's answer to a download block: status (last part), then length, an unknown word and the block.
    static func downloadBlockData(_ block: [UInt8]) -> [UInt8] { Frames.be16(UInt16(block.count)) + [0x00, 0xFB] + block }

    /// Download ended (0x1C), sent by the PLC: status, error code 0, the file name.
    static func downloadEnded(_ name: [UInt8]) -> [UInt8] { [0x1C, 0, 0, 0, 0, 0, 0, 0, UInt8(name.count)] + name }
}

extension ExerciseFiles {
    /// A historian's 1 s export: `header`, then one row per second of the historian's own clock from `from` to `to`
    /// (inclusive), stamped in local time at `utcOffset`, holding what the process was at that second plus
    /// `correction` (the correction a trainee should find: true time = label + correction). Returns the rows.
    static func writeHistorian(_ path: String, header: String, from: Int64, to: Int64, correction: Double, utcOffset: Int,
                               row: (Int64) -> String) throws -> Int {
        var out = header
        let offset = Int64(correction * 1e9)
        var recorded = from
        var rows = 0
        while recorded <= to {
            let c = Timestamp(nanoseconds: recorded).civil(utcOffsetSeconds: utcOffset)
            out += String(format: "%04d-%02d-%02d %02d:%02d:%02d,", c.year, c.month, c.day, c.hour, c.minute, c.second)
                + row(recorded + offset) + "\n"
            rows += 1
            recorded += 1_000_000_000
        }
        try out.write(toFile: path, atomically: true, encoding: .utf8)
        return rows
    }
}

/// A process simulated second by second: the state at each whole second of true time from `start` to `end`.
struct SecondByStates<State> {
    let start: Int64
    private(set) var states: [State] = []

    /// Calls `step` once per second from `start` to `end` (inclusive) and keeps the state it leaves each time.
    init(from start: Int64, to end: Int64, initial: State, _ step: (_ t: Int64, _ s: inout State) -> Void) {
        self.start = start
        var s = initial
        var t = start
        while t <= end {
            step(t, &s)
            states.append(s)
            t += 1_000_000_000
        }
    }

    /// The state at `t` (the second it falls in, clamped to the run).
    func at(_ t: Int64) -> State { states[max(0, min(states.count - 1, Int((t - start) / 1_000_000_000)))] }
}

/// A site's wall clock in an exercise: the true time (ns since the epoch) of `h:m:s` local time, `day` days after
/// the day that starts at `midnightUTC` (that local midnight in seconds since the epoch).
enum SiteClock {
    static func local(_ midnightUTC: Int64, day: Int = 0, _ h: Int, _ m: Int, _ s: Double) -> Int64 {
        (midnightUTC + Int64(day * 86_400 + h * 3600 + m * 60)) * 1_000_000_000 + Int64((s * 1e9).rounded())
    }
}

import JikochoModel

/// TLS handshakes in the clear (RFC 8446, RFC 5246): the ClientHello (versions, SNI, cipher suites, extensions,
/// groups, ALPN, signature algorithms) with the strings JA3 and JA4 are computed from (the collector hashes them),
/// and the ServerHello's choice. Records are joined until the first handshake message of each side is whole.
public enum TLS {
    static func isGREASE(_ v: UInt16) -> Bool { v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF }

    public static func versionName(_ v: UInt16) -> String {
        switch v {
        case 0x0300: return "SSL 3.0"
        case 0x0301: return "TLS 1.0"
        case 0x0302: return "TLS 1.1"
        case 0x0303: return "TLS 1.2"
        case 0x0304: return "TLS 1.3"
        default: return "0x" + String(v, radix: 16)
        }
    }

    public struct Hello: Sendable {
        public var isClient: Bool
        public var version: UInt16 = 0
        public var ciphers: [UInt16] = []
        public var extensions: [UInt16] = []
        public var sni: String?
        public var groups: [UInt16] = []
        public var pointFormats: [UInt8] = []
        public var signatureAlgorithms: [UInt16] = []
        public var alpn: [String] = []
        public var supportedVersions: [UInt16] = []
        public var problem: String?
    }

    /// Decodes a ClientHello (type 1) or ServerHello (type 2) handshake message.
    public static func decodeHello(_ h: [UInt8]) -> Hello? {
        var c = ByteCursor(h)
        guard let type = c.u8(), type == 1 || type == 2, c.u24() != nil, let version = c.u16(), c.skip(32),
              let sidLen = c.u8(), c.skip(Int(sidLen)) else { return nil }
        var hello = Hello(isClient: type == 1, version: version)
        if type == 1 {
            guard let n = c.u16(), let suites = c.take(Int(n)), let compLen = c.u8(), c.skip(Int(compLen)) else {
                hello.problem = "ClientHello cut short"
                return hello
            }
            var s = ByteCursor(Array(suites))
            while let v = s.u16() { hello.ciphers.append(v) }
        } else {
            guard let suite = c.u16(), c.skip(1) else { hello.problem = "ServerHello cut short"; return hello }
            hello.ciphers = [suite]
        }
        guard let extLen = c.u16(), let exts = c.take(Int(extLen)) else { return hello }
        var e = ByteCursor(Array(exts))
        while let type = e.u16(), let len = e.u16() {
            guard let body = e.take(Int(len)) else { hello.problem = "extension \(type) cut short"; break }
            hello.extensions.append(type)
            var b = ByteCursor(Array(body))
            switch type {
            case 0:
                if b.skip(2), b.u8() == 0, let n = b.u16(), let name = b.take(Int(n)) { hello.sni = printable(name) }
            case 10:
                if let n = b.u16() { for _ in 0..<(Int(n) / 2) { if let g = b.u16() { hello.groups.append(g) } } }
            case 11:
                if let n = b.u8(), let f = b.take(Int(n)) { hello.pointFormats = Array(f) }
            case 13:
                if let n = b.u16() { for _ in 0..<(Int(n) / 2) { if let a = b.u16() { hello.signatureAlgorithms.append(a) } } }
            case 16:
                if b.skip(2) { while let n = b.u8(), let p = b.take(Int(n)) { hello.alpn.append(printable(p)) } }
            case 43:
                if hello.isClient {
                    if let n = b.u8() { for _ in 0..<(Int(n) / 2) { if let v = b.u16() { hello.supportedVersions.append(v) } } }
                } else if let v = b.u16() {
                    hello.supportedVersions = [v]
                }
            default: break
            }
        }
        return hello
    }

    /// JA3's input string (version,ciphers,extensions,groups,point formats; GREASE left out).
    public static func ja3String(_ h: Hello) -> String {
        func join(_ v: [UInt16]) -> String { v.filter { !isGREASE($0) }.map(String.init).joined(separator: "-") }
        if !h.isClient { return "\(h.version),\(h.ciphers.first ?? 0),\(join(h.extensions))" }
        return "\(h.version),\(join(h.ciphers)),\(join(h.extensions)),\(join(h.groups)),\(h.pointFormats.map(String.init).joined(separator: "-"))"
    }

    /// JA4's parts before hashing: the `a` prefix, the sorted cipher list and the sorted extensions with signature
    /// algorithms (FoxIO's JA4 specification). The collector hashes b and c with SHA-256 (first 12 hex digits).
    public static func ja4Parts(_ h: Hello, transport: Character = "t") -> (a: String, ciphers: String, extensions: String) {
        let versions = h.supportedVersions.filter { !isGREASE($0) }
        let v = versions.max() ?? h.version
        let vs: String
        switch v {
        case 0x0304: vs = "13"
        case 0x0303: vs = "12"
        case 0x0302: vs = "11"
        case 0x0301: vs = "10"
        case 0x0300: vs = "s3"
        default: vs = "00"
        }
        let ciphers = h.ciphers.filter { !isGREASE($0) }
        let exts = h.extensions.filter { !isGREASE($0) }
        func two(_ n: Int) -> String { String(min(n, 99)).leftPadded(2) }
        var alpn = "00"
        if let first = h.alpn.first, let f = first.first, let l = first.last {
            alpn = f.isASCII && l.isASCII && (f.isLetter || f.isNumber) && (l.isLetter || l.isNumber) ? "\(f)\(l)"
                : String(Hex.string(Array(first.utf8)).prefix(1)) + String(Hex.string(Array(first.utf8)).suffix(1))
        }
        let a = "\(transport)\(vs)\(h.sni == nil ? "i" : "d")\(two(ciphers.count))\(two(exts.count))\(alpn)"
        func hex4(_ x: UInt16) -> String { String(x, radix: 16).leftPadded(4) }
        let c = ciphers.map(hex4).sorted().joined(separator: ",")
        var e = exts.filter { $0 != 0 && $0 != 16 }.map(hex4).sorted().joined(separator: ",")
        let sig = h.signatureAlgorithms.map(hex4).joined(separator: ",")
        if !sig.isEmpty { e += "_" + sig }
        return (a, c, e)
    }

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count >= 6 && b[0] == 0x16 && b[1] == 3 && b[2] <= 4 && b[5] == 1
    }
}

/// The TLS decoder of one flow: the ClientHello and the ServerHello that answers it, then nothing more
/// (the rest is encrypted or of no use here).
public final class TLSDecoder: FlowDecoder {
    public let protocolName = "tls"
    var client: [UInt8] = []
    var server: [UInt8] = []
    var hello: (TLS.Hello, Int64, Int, NetEndpoint, NetEndpoint)?
    var done = (client: false, server: false)
    var budget = WarningBudget()
    /// The server's port, once a packet of the flow was seen.
    var serverPort: UInt16?

    public init() {}

    /// The ports IANA gives the ICS protocols run over TLS: a connection to one is a control channel whose writes no
    /// capture shows.
    public static let controlPorts: [UInt16: String] = [
        802: "Modbus/TCP Security", 2221: "EtherNet/IP over TLS (CIP Security)", 3782: "MMS over TLS (IEC 62351-4)",
        4843: "OPC UA over TLS", 19998: "IEC 60870-5-104 over TLS (IEC 62351-3)", 19999: "DNP3 over TLS",
    ]

    /// The ICS protocols' own ports: TLS there is a control channel wrapped by a gateway or a vendor's secure mode.
    public static let plainControlPorts: [UInt16: String] = [
        102: "S7comm/MMS", 502: "Modbus/TCP", 2404: "IEC 60870-5-104", 4840: "OPC UA", 5007: "MELSEC", 5094: "HART-IP",
        9600: "FINS", 20000: "DNP3", 44818: "EtherNet/IP", 47808: "BACnet",
    ]

    public var unreadable: String? {
        guard let port = serverPort else { return nil }
        if let name = Self.controlPorts[port] { return "\(name): encrypted, its writes and commands are not in the capture" }
        if let name = Self.plainControlPorts[port] {
            return "TLS on the \(name) port \(port): encrypted, its writes and commands are not in the capture"
        }
        return nil
    }

    /// Handshake bytes from the records seen so far; the first whole handshake message, if any.
    static func firstHandshake(_ records: [UInt8]) -> (message: [UInt8]?, stop: Bool) {
        var c = ByteCursor(records)
        var hs: [UInt8] = []
        while let type = c.u8(), c.skip(2), let len = c.u16() {
            guard let body = c.take(Int(len)) else { return (nil, false) }
            guard type == 22 else { return (nil, true) }
            hs += body
            if hs.count >= 4 {
                let n = Int(hs[1]) << 16 | Int(hs[2]) << 8 | Int(hs[3])
                if hs.count >= 4 + n { return (Array(hs[0..<(4 + n)]), true) }
            }
        }
        return (nil, records.count > 65_536)
    }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if serverPort == nil { serverPort = ctx.fromClient ? ctx.dst.port : ctx.src.port }
        if ctx.fromClient {
            guard !done.client else { return }
            client += bytes
            let (m, stop) = Self.firstHandshake(client)
            if stop {
                done.client = true
                client = []
                if let m, let h = TLS.decodeHello(m), h.isClient {
                    if let p = h.problem { budget.warn(&out, ctx.packet, "TLS: \(p)") }
                    hello = (h, ctx.time, ctx.packet, ctx.src, ctx.dst)
                }
            }
        } else {
            guard !done.server else { return }
            server += bytes
            let (m, stop) = Self.firstHandshake(server)
            if stop {
                done.server = true
                server = []
                let sh = m.flatMap(TLS.decodeHello).flatMap { $0.isClient ? nil : $0 }
                emit(sh, ctx.packet, &out)
            }
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "TLS")
        emit(nil, nil, &out)
    }

    func emit(_ serverHello: TLS.Hello?, _ serverPacket: Int?, _ out: inout DecodeOutput) {
        guard let (h, time, packet, src, dst) = hello else { return }
        hello = nil
        out.writer.int("request_packet", packet)
        out.writer.int("record_version", h.version)
        out.writer.ints("cipher_suites", h.ciphers)
        out.writer.ints("extensions", h.extensions)
        let ja3 = TLS.ja3String(h)
        out.writer.string("ja3_string", ja3)
        let ja4 = TLS.ja4Parts(h)
        out.writer.string("ja4_a", ja4.a)
        out.writer.string("ja4_ciphers", ja4.ciphers)
        out.writer.string("ja4_extensions", ja4.extensions)
        let best = h.supportedVersions.filter { !TLS.isGREASE($0) }.max() ?? h.version
        out.writer.string("client_version", TLS.versionName(best))
        out.writer.string("server_name", h.sni)
        if !h.alpn.isEmpty { out.writer.value("alpn", .array(h.alpn.map { .string($0) })) }
        var summary = "TLS ClientHello \(TLS.versionName(best))" + (h.sni.map { " for \($0)" } ?? " (no SNI)")
        if let s = serverHello {
            out.writer.int("response_packet", serverPacket ?? 0)
            let chosen = s.supportedVersions.first ?? s.version
            out.writer.string("server_version", TLS.versionName(chosen))
            out.writer.int("server_cipher", s.ciphers.first ?? 0)
            out.writer.string("ja3s_string", TLS.ja3String(s))
            summary += " → \(TLS.versionName(chosen)) cipher 0x\(String(s.ciphers.first ?? 0, radix: 16).leftPadded(4))"
            out.writer.string("outcome", "ok")
        } else {
            out.writer.string("outcome", "no_response")
        }
        var key = Hasher()
        key.combine(h.sni)
        key.combine(ja3)
        out.messages.append(NetMessage(time: time, packet: packet, domain: .network, kind: "tls.client_hello", src: src, dst: dst,
                                       summary: summary, writer: &out.writer, routineKey: key.finalize(),
                                       messages: serverHello == nil ? 1 : 2))
    }
}

/// SSH (RFC 4253): the identification lines of both sides (software and version), then nothing (encrypted).
public final class SSHDecoder: FlowDecoder {
    public let protocolName = "ssh"
    var lines: [Bool: [UInt8]] = [:]
    var banners: [Bool: (String, Int, Int64)] = [:]
    var emitted = false
    var ends: (NetEndpoint, NetEndpoint)?

    public init() {}

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard banners[ctx.fromClient] == nil else { return }
        if ends == nil { ends = ctx.fromClient ? (ctx.src, ctx.dst) : (ctx.dst, ctx.src) }
        var buf = lines[ctx.fromClient, default: []] + Array(bytes.prefix(512))
        // RFC 4253 allows other lines before the identification line.
        while let nl = buf.firstIndex(of: 10) {
            var line = Array(buf[..<nl])
            if line.last == 13 { line.removeLast() }
            buf.removeFirst(nl + 1)
            if line.starts(with: Array("SSH-".utf8)) {
                banners[ctx.fromClient] = (printable(line, limit: 255), ctx.packet, ctx.time)
                break
            }
        }
        lines[ctx.fromClient] = buf.count > 1024 ? [] : buf
        if banners.count == 2 { emit(&out) }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) { emit(&out) }

    func emit(_ out: inout DecodeOutput) {
        guard !emitted, !banners.isEmpty, let (client, server) = ends else { return }
        emitted = true
        let first = [banners[true], banners[false]].compactMap { $0 }.min { $0.1 < $1.1 }!
        if let c = banners[true] {
            out.writer.string("client_version", c.0)
            out.writer.int("request_packet", c.1)
        }
        if let s = banners[false] {
            out.writer.string("server_version", s.0)
            out.writer.int("response_packet", s.1)
        }
        out.writer.string("outcome", "ok")
        let summary = "SSH " + [banners[true]?.0, banners[false]?.0].compactMap { $0 }.joined(separator: " → ")
        out.messages.append(NetMessage(time: first.2, packet: first.1, domain: .network, kind: "ssh.session", src: client,
                                       dst: server, summary: summary, writer: &out.writer, messages: banners.count))
    }
}

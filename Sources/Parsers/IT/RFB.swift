import JikochoModel

/// RFB (RFC 6143), the protocol of VNC: who took control of a screen, and whether the server let them.
///
/// The handshake is in the clear: both sides' `RFB 003.008\n`, the security types the server offers (version 3.7
/// and later; 3.3 servers choose one), the client's choice, for VNC authentication a 16-byte challenge and its
/// answer, the server's SecurityResult (0 ok, 1 failed, with a reason from 3.8 on) and, once in, ServerInit with the
/// desktop's name. One event per connection: `remote.control_start` when the server let the client in (or sent
/// ServerInit), `remote.control_failed` when it refused, `remote.control_attempt` when the capture ends before the
/// answer. Everything after the handshake (framebuffer updates, keys, pointer) is not read.
public enum RFB {
    /// `RFB 003.008\n`: twelve bytes, the version's digits at 4–6 and 8–10.
    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 12, b[0] == 0x52, b[1] == 0x46, b[2] == 0x42, b[3] == 0x20, b[7] == 0x2E, b[11] == 0x0A
        else { return false }
        return [4, 5, 6, 8, 9, 10].allSatisfy { (0x30...0x39).contains(b[$0]) }
    }

    public static func securityName(_ t: UInt8) -> String {
        switch t {
        case 0: return "invalid"
        case 1: return "none"
        case 2: return "vnc"
        case 5: return "ra2"
        case 6: return "ra2ne"
        case 16: return "tight"
        case 17: return "ultra"
        case 18: return "tls"
        case 19: return "vencrypt"
        case 20: return "sasl"
        case 21: return "md5"
        case 22: return "xvp"
        case 30: return "apple-dh"
        case 113, 117: return "mslogon-ii"
        default: return "type-\(t)"
        }
    }
}

public final class RFBDecoder: FlowDecoder {
    public let protocolName = "rfb"
    /// Each side's bytes from the start of the connection, up to the end of the handshake (bounded).
    var server: [UInt8] = []
    var client: [UInt8] = []
    var ends: (client: NetEndpoint, server: NetEndpoint)?
    var first: (packet: Int, time: Int64)?
    /// The server's packet that said whether the client was let in.
    var answer: (packet: Int, time: Int64)?
    var emitted = false
    static let limit = 4096

    public init() {}

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard !emitted else { return }
        if ends == nil { ends = ctx.fromClient ? (ctx.src, ctx.dst) : (ctx.dst, ctx.src) }
        if first == nil { first = (ctx.packet, ctx.time) }
        let full = ctx.fromClient ? client.count >= Self.limit : server.count >= Self.limit
        if ctx.fromClient {
            if client.count < Self.limit { client += bytes.prefix(Self.limit - client.count) }
        } else {
            if server.count < Self.limit { server += bytes.prefix(Self.limit - server.count) }
        }
        // Past the handshake's bytes nothing more is read: what they say is all there is.
        guard !full, let h = handshake() else {
            if full, let h = handshake() { emit(h, &out) }
            return
        }
        if answer == nil, h.result != nil || h.desktop != nil { answer = (ctx.packet, ctx.time) }
        if h.complete { emit(h, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        // Lost bytes: what was read so far is all there is.
        if let h = handshake() { emit(h, &out) }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        if let h = handshake() { emit(h, &out) }
    }

    struct Handshake {
        var serverVersion: String?
        var clientVersion: String?
        var offered: [UInt8] = []
        var chosen: UInt8?
        /// 0 ok, 1 failed, 2 too many attempts (3.3 and some servers).
        var result: UInt32?
        var reason: String?
        var desktop: String?
        var width: Int?
        var height: Int?
        /// Everything the handshake will say is here: ServerInit after a success, the reason after a refusal
        /// (or a refusal of a version that gives none).
        var complete = false
    }

    /// What the bytes so far say; nil when not even the server's version is there.
    func handshake() -> Handshake? {
        var h = Handshake()
        func version(_ b: [UInt8]) -> String? {
            guard b.count >= 12 else { return nil }
            let bytes = Array(b[0..<12])
            return bytes.withUnsafeBytes { RFB.looksLike($0) } ? String(decoding: bytes[4..<11], as: UTF8.self) : nil
        }
        guard let sv = version(server) else { return nil }
        h.serverVersion = sv
        guard let cv = version(client) else { return h }
        h.clientVersion = cv
        func u32(_ b: [UInt8], _ i: Int) -> UInt32? {
            guard b.count >= i + 4 else { return nil }
            return UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }
        /// A length-prefixed text (a reason, a desktop's name), nil until all of it is there or when its length lies.
        func text(_ i: Int) -> String? {
            guard let n = u32(server, i), n <= 1024, server.count >= i + 4 + Int(n) else { return nil }
            return printable(Array(server[(i + 4)..<(i + 4 + Int(n))]), limit: 255)
        }
        /// The server refuses before any authentication, with a reason (complete once the reason is read).
        func refused(reasonAt i: Int) -> Handshake {
            h.result = 1
            h.reason = text(i)
            h.complete = h.reason != nil
            return h
        }
        // The version both sides speak: the lower of the two.
        let agreed = min(Int(sv.suffix(3)) ?? 3, Int(cv.suffix(3)) ?? 3)
        var s = 12
        if agreed >= 7 {
            // The types the server offers, and the one the client chose (the client's byte after its version).
            guard s < server.count else { return h }
            let n = Int(server[s])
            s += 1
            if n == 0 { return refused(reasonAt: s) }
            guard server.count >= s + n else { return h }
            h.offered = Array(server[s..<(s + n)])
            s += n
            guard client.count > 12 else { return h }
            h.chosen = client[12]
        } else {
            // 3.3: the server names the type itself.
            guard let t = u32(server, s) else { return h }
            s += 4
            if t == 0 { return refused(reasonAt: s) }
            h.chosen = UInt8(truncatingIfNeeded: t)
            h.offered = [h.chosen!]
        }
        if h.chosen == 2 {
            // VNC authentication: the challenge, then the client's answer.
            guard server.count >= s + 16 else { return h }
            s += 16
        }
        // SecurityResult: always after VNC authentication; after None only from 3.8 on.
        if h.chosen != 1 || agreed >= 8 {
            // Other schemes (Tight, Apple, VeNCrypt, …) exchange messages of their own first: their result is not read.
            guard h.chosen == 1 || h.chosen == 2, let r = u32(server, s) else { return h }
            h.result = r
            s += 4
            if r != 0 {
                if agreed >= 8 { h.reason = text(s) }
                h.complete = h.reason != nil || agreed < 8
                return h
            }
        } else {
            h.result = 0
        }
        // ServerInit: width, height, the pixel format (16 bytes), the desktop's name.
        if server.count >= s + 24, let name = text(s + 20) {
            h.width = Int(server[s]) << 8 | Int(server[s + 1])
            h.height = Int(server[s + 2]) << 8 | Int(server[s + 3])
            h.desktop = name
            h.complete = true
        }
        return h
    }

    func emit(_ h: Handshake, _ out: inout DecodeOutput) {
        guard !emitted, let (client, server) = ends, let first else { return }
        emitted = true
        let ok = h.result == 0 || (h.result == nil && h.desktop != nil)
        let failed = (h.result ?? 0) != 0
        let kind = ok ? "remote.control_start" : failed ? "remote.control_failed" : "remote.control_attempt"
        out.writer.string("tool", "vnc")
        out.writer.string("protocol_version", h.serverVersion)
        out.writer.string("client_version", h.clientVersion)
        if !h.offered.isEmpty { out.writer.value("security_offered", .array(h.offered.map { .string(RFB.securityName($0)) })) }
        if let t = h.chosen { out.writer.string("security", RFB.securityName(t)) }
        out.writer.int("security_result", h.result.map(Int.init))
        out.writer.string("reason", h.reason)
        out.writer.string("desktop", h.desktop)
        out.writer.int("width", h.width)
        out.writer.int("height", h.height)
        out.writer.string("outcome", ok ? "ok" : failed ? "failed" : "no_response")
        var summary = "VNC (RFB \(h.serverVersion ?? "?")) "
        summary += ok ? "session opened" : failed ? "refused" : "handshake not completed"
        if let t = h.chosen { summary += ", security \(RFB.securityName(t))" }
        if let d = h.desktop, !d.isEmpty { summary += ", desktop \"\(d)\"" }
        if let r = h.reason, !r.isEmpty { summary += ": \(r)" }
        let at = ok || failed ? (answer ?? first) : first
        out.messages.append(NetMessage(time: at.time, packet: at.packet, domain: .network, kind: kind, src: client,
                                       dst: server, summary: summary, writer: &out.writer, messages: 1))
    }
}

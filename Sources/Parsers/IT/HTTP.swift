import JikochoModel

/// HTTP/1.x (RFC 9112) over a TCP stream: requests and responses with their headers, bodies skipped by
/// Content-Length or chunked encoding, paired in order. Headers are bounded (64 KiB); a stream that stops being
/// HTTP (TLS after CONNECT, a WebSocket) is no longer parsed.
public final class HTTPDecoder: FlowDecoder {
    public let protocolName = "http"
    static let maxHeader = 64 * 1024
    static let methods: [String] = ["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
                                    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
                                    "RPC_IN_DATA", "RPC_OUT_DATA"]

    public static func looksLike(_ b: UnsafeRawBufferPointer, fromClient: Bool) -> Bool {
        let head = String(decoding: b.prefix(16), as: UTF8.self)
        if head.hasPrefix("HTTP/1.") { return true }
        return methods.contains { head.hasPrefix($0 + " ") }
    }

    enum BodyState {
        case none
        case length(Int)
        case chunked(inChunk: Int, trailer: Bool)
        case untilClose
    }

    struct Direction {
        var buffer: [UInt8] = []
        var body = BodyState.none
        var stopped = false
        var bodyBytes = 0
    }

    struct Request {
        var fields: [String: JSONValue]
        var method: String
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
        var summary: String
    }

    var c2s = Direction()
    var s2c = Direction()
    var queue: [Request] = []
    var current: (request: Request?, fields: [String: JSONValue], packet: Int)?
    var budget = WarningBudget()
    var tunnel = false

    public init() {}

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if ctx.fromClient { feed(&c2s, bytes, ctx, &out) } else { feed(&s2c, bytes, ctx, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        // Where a message boundary falls after a hole cannot be known: wait for a line that starts a message.
        if ctx.fromClient { c2s = Direction() } else { s2c = Direction() }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "HTTP")
        if let cur = current, let r = cur.request { emitPair(r, cur.fields, cur.packet, &out) }
        current = nil
        for r in queue { emitPair(r, nil, nil, &out) }
        queue = []
    }

    func feed(_ d: inout Direction, _ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        guard !d.stopped, !tunnel else { return }
        var input = UnsafeRawBufferPointer(bytes)
        var owned: [UInt8] = []
        if !d.buffer.isEmpty {
            owned = d.buffer + Array(bytes)
            d.buffer = []
        }
        func process(_ b: UnsafeRawBufferPointer) {
            var at = 0
            while at < b.count, !d.stopped {
                switch d.body {
                case .length(let n):
                    let take = min(n, b.count - at)
                    at += take
                    d.bodyBytes += take
                    d.body = n - take == 0 ? .none : .length(n - take)
                    if n - take == 0 { bodyDone(ctx.fromClient, d.bodyBytes, ctx, &out); d.bodyBytes = 0 }
                case .untilClose:
                    d.bodyBytes += b.count - at
                    at = b.count
                case .chunked(let remaining, let trailer):
                    if remaining > 0 {
                        let take = min(remaining, b.count - at)
                        at += take
                        d.bodyBytes += take
                        d.body = .chunked(inChunk: remaining - take, trailer: false)
                        continue
                    }
                    // A chunk-size line (or the CRLF after a chunk, or trailers).
                    guard let eol = findCRLF(b, from: at) else {
                        if b.count - at > 1024 { d.stopped = true; budget.warn(&out, ctx.packet, "HTTP chunk size line over 1 KiB; stream no longer parsed") }
                        d.buffer = Array(b[at...])
                        return
                    }
                    let line = String(decoding: b[at..<eol], as: UTF8.self)
                    at = eol + 2
                    if trailer {
                        if line.isEmpty {
                            d.body = .none
                            bodyDone(ctx.fromClient, d.bodyBytes, ctx, &out)
                            d.bodyBytes = 0
                        }
                        continue
                    }
                    if line.isEmpty { continue }
                    let hex = line.split(separator: ";").first.map { String($0).trimmingSpaces() } ?? ""
                    guard let size = Int(hex, radix: 16), size >= 0 else {
                        budget.warn(&out, ctx.packet, "HTTP chunk size \"\(printable(Array(line.utf8).prefix(40)))\" is not hex; stream no longer parsed")
                        d.stopped = true
                        return
                    }
                    d.body = size == 0 ? .chunked(inChunk: 0, trailer: true) : .chunked(inChunk: size, trailer: false)
                case .none:
                    guard let end = findHeaderEnd(b, from: at) else {
                        if b.count - at > Self.maxHeader {
                            budget.warn(&out, ctx.packet, "HTTP header over \(Self.maxHeader / 1024) KiB; stream no longer parsed")
                            d.stopped = true
                            return
                        }
                        d.buffer = Array(b[at...])
                        return
                    }
                    let head = Array(b[at..<end])
                    at = end + 4
                    if !message(head, &d, ctx, &out) {
                        d.stopped = true
                        return
                    }
                }
            }
        }
        if owned.isEmpty { process(input) } else { owned.withUnsafeBytes { process($0) } }
        input = UnsafeRawBufferPointer(start: nil, count: 0)
    }

    func findCRLF(_ b: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while i + 1 < b.count {
            if b[i] == 13, b[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }

    func findHeaderEnd(_ b: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while i + 3 < b.count {
            if b[i] == 13, b[i + 1] == 10, b[i + 2] == 13, b[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// One request or response head; false when it is not HTTP.
    func message(_ head: [UInt8], _ d: inout Direction, _ ctx: PacketContext, _ out: inout DecodeOutput) -> Bool {
        var lines = head.split(separator: 10, omittingEmptySubsequences: false).map { line -> String in
            var l = line
            if l.last == 13 { l = l.dropLast() }
            return printable(l, limit: 8192)
        }
        guard !lines.isEmpty else { return false }
        let start = lines.removeFirst()
        var headers: [(String, String)] = []
        for l in lines.prefix(256) {
            guard let colon = l.firstIndex(of: ":") else { continue }
            headers.append((l[..<colon].lowercased(), String(l[l.index(after: colon)...]).trimmingSpaces()))
        }
        func header(_ n: String) -> String? { headers.first { $0.0 == n }?.1 }
        let parts = start.split(separator: " ", maxSplits: 2).map(String.init)
        var f: [String: JSONValue] = [:]
        let length = header("content-length").flatMap { Int($0.trimmingSpaces()) }
        let chunked = header("transfer-encoding")?.lowercased().contains("chunked") ?? false
        if ctx.fromClient {
            guard parts.count == 3, parts[2].hasPrefix("HTTP/") else {
                budget.warn(&out, ctx.packet, "not an HTTP request line: \"\(String(start.prefix(60)))\"; stream no longer parsed")
                return false
            }
            f["method"] = .string(parts[0])
            f["uri"] = .string(parts[1])
            f["version"] = .string(parts[2])
            for (k, name) in [("host", "host"), ("user-agent", "user_agent"), ("referer", "referer"), ("content-type", "content_type"),
                              ("x-forwarded-for", "x_forwarded_for"), ("origin", "origin")] {
                if let v = header(k) { f[name] = .string(v) }
            }
            if let l = length { f["content_length"] = .int(Int64(l)) }
            if let a = header("authorization") {
                f["authorization_scheme"] = .string(String(a.split(separator: " ").first ?? ""))
                if a.lowercased().hasPrefix("basic "), let user = basicUser(String(a.dropFirst(6))) { f["user"] = .string(user) }
            }
            if header("cookie") != nil { f["cookie_present"] = .bool(true) }
            d.body = chunked ? .chunked(inChunk: 0, trailer: false) : (length ?? 0) > 0 ? .length(length!) : .none
            let summary = "HTTP \(parts[0]) \(header("host") ?? "")\(parts[1].prefix(200))"
            let r = Request(fields: f, method: parts[0], time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst, summary: summary)
            queue.append(r)
            if queue.count > 256 { emitPair(queue.removeFirst(), nil, nil, &out) }
        } else {
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
                budget.warn(&out, ctx.packet, "not an HTTP status line: \"\(String(start.prefix(60)))\"; stream no longer parsed")
                return false
            }
            f["status"] = .int(Int64(code))
            if parts.count == 3 { f["reason"] = .string(parts[2]) }
            for (k, name) in [("content-type", "response_content_type"), ("server", "server"), ("location", "location"),
                              ("www-authenticate", "www_authenticate"), ("set-cookie", "set_cookie_present")] {
                if let v = header(k) { f[name] = name == "set_cookie_present" ? .bool(true) : .string(v) }
            }
            if let l = length { f["response_content_length"] = .int(Int64(l)) }
            let request = code >= 200 || code == 101 ? (queue.isEmpty ? nil : queue.removeFirst()) : nil
            let isHead = request?.method == "HEAD"
            if code == 101 || (request?.method == "CONNECT" && code / 100 == 2) { tunnel = true }
            if isHead || code / 100 == 1 || code == 204 || code == 304 {
                d.body = .none
            } else if chunked {
                d.body = .chunked(inChunk: 0, trailer: false)
            } else if let l = length {
                d.body = l > 0 ? .length(l) : .none
            } else {
                d.body = .untilClose
            }
            if code / 100 == 1 && code != 101 { return true }
            if let cur = current, let r = cur.request { emitPair(r, cur.fields, cur.packet, &out) }
            current = nil
            if case .none = d.body {
                if let r = request { emitPair(r, f, ctx.packet, &out) } else { emitOrphan(f, ctx, &out) }
            } else {
                if request == nil { emitOrphan(f, ctx, &out) } else { current = (request, f, ctx.packet) }
            }
        }
        return true
    }

    func bodyDone(_ fromClient: Bool, _ bytes: Int, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if fromClient {
            if !queue.isEmpty { queue[queue.count - 1].fields["request_body_bytes"] = .int(Int64(bytes)) }
        } else if let cur = current, let r = cur.request {
            var f = cur.fields
            f["response_body_bytes"] = .int(Int64(bytes))
            f["response_end_packet"] = .int(Int64(ctx.packet))
            emitPair(r, f, cur.packet, &out)
            current = nil
        }
    }

    func basicUser(_ b64: String) -> String? {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var map = [UInt8: UInt8]()
        for (i, c) in table.enumerated() { map[c] = UInt8(i) }
        var bits: UInt32 = 0, n = 0
        var out: [UInt8] = []
        for c in b64.utf8 where c != UInt8(ascii: "=") {
            guard let v = map[c] else { return nil }
            bits = bits << 6 | UInt32(v)
            n += 6
            if n >= 8 {
                n -= 8
                out.append(UInt8((bits >> UInt32(n)) & 0xFF))
            }
        }
        guard let colon = out.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return printable(out[..<colon])   // the user; the password is not kept
    }

    func emitPair(_ r: Request, _ response: [String: JSONValue]?, _ responsePacket: Int?, _ out: inout DecodeOutput) {
        var f = r.fields
        f["request_packet"] = .int(Int64(r.packet))
        var summary = r.summary
        if let resp = response {
            for (k, v) in resp { f[k] = v }
            f["response_packet"] = .int(Int64(responsePacket ?? 0))
            if case .int(let code)? = resp["status"] {
                summary += " → \(code)"
                f["outcome"] = .string(code < 400 ? "ok" : "error")
            }
        } else {
            f["outcome"] = "no_response"
        }
        var key: Int?
        if r.method == "GET" || r.method == "HEAD", case .string(let uri)? = f["uri"] {
            var h = Hasher()
            h.combine(uri)
            h.combine(f["host"])
            h.combine(f["status"])
            key = h.finalize()
        }
        out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .it, kind: "http.request", src: r.src, dst: r.dst,
                                       summary: summary, fields: Attributes(f), routineKey: key, messages: response == nil ? 1 : 2))
    }

    func emitOrphan(_ f: [String: JSONValue], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        var f = f
        f["response_packet"] = .int(Int64(ctx.packet))
        f["note"] = "response without a request in the capture"
        f["outcome"] = .string("ok")
        out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .it, kind: "http.request", src: ctx.dst,
                                       dst: ctx.src, summary: "HTTP response \(f["status"]?.text ?? "") without its request",
                                       fields: Attributes(f)))
    }
}

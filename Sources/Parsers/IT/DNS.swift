import JikochoModel

/// DNS (RFC 1035) over UDP and TCP: queries paired with answers by id; names with compression pointers
/// (bounded jumps), A/AAAA/CNAME/NS/PTR/MX/TXT/SRV answers.
public enum DNS {
    public static func typeName(_ t: UInt16) -> String {
        let names: [UInt16: String] = [1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
                                       33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 48: "DNSKEY", 64: "SVCB",
                                       65: "HTTPS", 99: "SPF", 252: "AXFR", 255: "ANY", 10: "NULL"]
        return names[t] ?? "TYPE\(t)"
    }

    public static func rcodeName(_ r: Int) -> String {
        ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
         "NOTZONE"][safe: r] ?? "RCODE\(r)"
    }

    public struct Record: Sendable {
        public var name: String
        public var type: UInt16
        public var ttl: UInt32
        public var data: String
        /// `answer`, `authority` or `additional`.
        public var section: String
        /// TXT: the character-strings one by one.
        public var strings: [String] = []
    }

    public struct Message: Sendable {
        public var id: UInt16
        public var flags: UInt16
        public var isResponse: Bool { flags & 0x8000 != 0 }
        public var opcode: Int { Int(flags >> 11) & 0xF }
        public var rcode: Int { Int(flags & 0xF) }
        public var questions: [(name: String, type: UInt16)] = []
        public var answers: [Record] = []
        public var answerCount = 0
        public var problem: String?
    }

    /// A domain name at `offset`; follows compression pointers at most 64 times, names at most 255 bytes.
    static func name(_ b: [UInt8], _ offset: inout Int) -> String? {
        var labels: [String] = []
        var at = offset
        var jumped = false
        var jumps = 0
        var length = 0
        while true {
            guard at < b.count else { return nil }
            let n = Int(b[at])
            if n == 0 {
                if !jumped { offset = at + 1 }
                break
            }
            if n & 0xC0 == 0xC0 {
                guard at + 1 < b.count, jumps < 64 else { return nil }
                let target = (n & 0x3F) << 8 | Int(b[at + 1])
                if !jumped { offset = at + 2 }
                jumped = true
                jumps += 1
                at = target
                continue
            }
            guard n < 64, at + 1 + n <= b.count else { return nil }
            length += n + 1
            guard length <= 255 else { return nil }
            labels.append(printable(b[(at + 1)..<(at + 1 + n)]))
            at += 1 + n
        }
        return labels.isEmpty ? "<Root>" : labels.joined(separator: ".")
    }

    public static func decode(_ b: [UInt8]) -> Message? {
        var c = ByteCursor(b)
        guard let id = c.u16(), let flags = c.u16(), let qd = c.u16(), let an = c.u16(), let ns = c.u16(), let ar = c.u16()
        else { return nil }
        var m = Message(id: id, flags: flags)
        m.answerCount = Int(an)
        var at = 12
        for _ in 0..<min(Int(qd), 64) {
            guard let n = name(b, &at), at + 4 <= b.count else { m.problem = "question cut short"; return m }
            m.questions.append((n, UInt16(b[at]) << 8 | UInt16(b[at + 1])))
            at += 4
        }
        let total = Int(an) + Int(ns) + Int(ar)
        for i in 0..<min(total, 256) {
            guard let n = name(b, &at), at + 10 <= b.count else { m.problem = "resource record cut short"; return m }
            var r = ByteCursor(b, from: at)
            let type = r.u16() ?? 0
            _ = r.u16()
            let ttl = r.u32() ?? 0
            let len = Int(r.u16() ?? 0)
            let start = at + 10
            guard start + len <= b.count else { m.problem = "resource record data cut short"; return m }
            let rd = b[start..<(start + len)]
            var text = Hex.string(rd, limit: 64)
            var strings: [String] = []
            switch type {
            case 1 where len == 4: text = IPAddress(v4: rd.reduce(0) { $0 << 8 | UInt32($1) }).description
            case 28 where len == 16:
                let x = Array(rd)
                text = IPAddress(v6hi: x[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, v6lo: x[8..<16].reduce(0) { $0 << 8 | UInt64($1) }).description
            case 2, 5, 12:
                var o = start
                text = name(b, &o) ?? text
            case 15:
                var o = start + 2
                text = name(b, &o) ?? text
            case 16:
                var parts: [String] = []
                var o = start
                while o < start + len {
                    let n = Int(b[o])
                    guard o + 1 + n <= start + len else { break }
                    parts.append(printable(b[(o + 1)..<(o + 1 + n)]))
                    o += 1 + n
                }
                text = parts.joined()
                strings = parts
            case 33:
                var o = start + 6
                if let t = name(b, &o), len >= 6 { text = "\(Int(b[start + 4]) << 8 | Int(b[start + 5])) \(t)" }
            default: break
            }
            if type != 41 {   // OPT is not a record
                let section = i < Int(an) ? "answer" : i < Int(an) + Int(ns) ? "authority" : "additional"
                m.answers.append(Record(name: n, type: type, ttl: ttl, data: text, section: section, strings: strings))
            }
            at = start + len
        }
        return m
    }

    public static func looksLike(_ b: UnsafeRawBufferPointer, server: UInt16) -> Bool {
        guard b.count >= 12 else { return false }
        let qd = Int(b[4]) << 8 | Int(b[5])
        let opcode = (b[2] >> 3) & 0xF
        return qd >= 1 && qd <= 4 && opcode <= 5 && [53, 5353, 5355].contains(server)
    }
}

/// The DNS decoder of one flow (UDP datagrams or TCP with its 2-byte length prefix).
public final class DNSDecoder: FlowDecoder {
    public let protocolName = "dns"
    let tcp: Bool
    var toServer = FrameBuffer(maxFrame: 65_537)
    var toClient = FrameBuffer(maxFrame: 65_537)
    var budget = WarningBudget()

    struct Query {
        var m: DNS.Message
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    var pending = PendingRequests<UInt16, Query>(limit: 1024)

    public init(tcp: Bool) {
        self.tcp = tcp
    }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        var messages: [[UInt8]] = []
        if tcp {
            let length: (UnsafeRawBufferPointer) -> FrameBuffer.Length = { b in
                b.count < 2 ? .needMore : .frame(2 + (Int(b[0]) << 8 | Int(b[1])))
            }
            var warnings: [String] = []
            if ctx.fromClient {
                toServer.feed(bytes, length: length, frame: { messages.append(Array($0.dropFirst(2))) }, invalid: { warnings.append($0) })
            } else {
                toClient.feed(bytes, length: length, frame: { messages.append(Array($0.dropFirst(2))) }, invalid: { warnings.append($0) })
            }
            for w in warnings { budget.warn(&out, ctx.packet, "DNS over TCP: \(w)") }
        } else {
            messages = [[UInt8](bytes)]
        }
        for b in messages {
            guard let m = DNS.decode(b) else {
                budget.warn(&out, ctx.packet, "DNS message shorter than its header")
                continue
            }
            if let p = m.problem { budget.warn(&out, ctx.packet, "DNS: \(p)") }
            if !m.isResponse {
                let q = Query(m: m, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
                for old in pending.add(m.id, q) { emit(old, nil, nil, &out) }
            } else if let q = pending.take(m.id) {
                emit(q, m, ctx.packet, &out)
            } else {
                emit(Query(m: m, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src), m, ctx.packet, &out, orphan: true)
            }
        }
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "DNS")
        for q in pending.drain() { emit(q, nil, nil, &out) }
    }

    func emit(_ q: Query, _ answer: DNS.Message?, _ answerPacket: Int?, _ out: inout DecodeOutput, orphan: Bool = false) {
        out.writer.int("id", q.m.id)
        out.writer.int("opcode", q.m.opcode)
        out.writer.int(orphan ? "response_packet" : "request_packet", q.packet)
        let question = q.m.questions.first
        if let question {
            out.writer.string("query", question.name)
            out.writer.string("query_type", DNS.typeName(question.type))
            out.writer.int("query_type_code", question.type)
        }
        if q.m.questions.count > 1 { out.writer.value("queries", .array(q.m.questions.map { .string($0.name) })) }
        var summary = "DNS \(question.map { "\(DNS.typeName($0.type)) \($0.name)" } ?? "query")"
        var outcome = "no_response"
        if let a = answer {
            if !orphan { out.writer.int("response_packet", answerPacket ?? 0) }
            out.writer.int("rcode", a.rcode)
            out.writer.string("rcode_name", DNS.rcodeName(a.rcode))
            out.writer.int("answer_count", a.answerCount)
            out.writer.value("answers", .array(a.answers.prefix(64).map { r in
                var o: [String: JSONValue] = ["name": .string(r.name), "type": .string(DNS.typeName(r.type)), "ttl": .int(Int64(r.ttl)),
                                              "data": .string(r.data), "section": .string(r.section)]
                if r.strings.count > 1 { o["strings"] = .array(r.strings.map { .string($0) }) }
                return .object(o)
            }))
            outcome = a.rcode == 0 ? "ok" : "error"
            summary += " → " + (a.rcode == 0 ? a.answers.filter { $0.section == "answer" }.prefix(3).map(\.data).joined(separator: ", ") : DNS.rcodeName(a.rcode))
            if orphan { out.writer.string("note", "answer without a query in the capture") }
        }
        out.writer.string("outcome", outcome)
        var h = Hasher()
        h.combine(question?.name)
        h.combine(question?.type)
        h.combine(answer?.rcode)
        out.messages.append(NetMessage(time: q.time, packet: q.packet, domain: .network, kind: "dns.query", src: q.src,
                                       dst: q.dst, summary: summary, writer: &out.writer, routineKey: h.finalize(),
                                       messages: answer == nil || orphan ? 1 : 2))
    }
}

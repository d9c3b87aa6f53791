import JikochoModel

/// SMB2/3 over NetBIOS session service or direct TCP 445 (MS-SMB2): negotiate, session setup (NTLM user, domain
/// and workstation; Kerberos noted), tree connects (ADMIN$, IPC$, C$), file and named-pipe opens with the share they
/// are on, reads and writes by file; compound requests unpacked; SMB1 and encrypted SMB3 recognized.
public enum SMB2 {
    public static func commandName(_ c: UInt16) -> String {
        ["negotiate", "session_setup", "logoff", "tree_connect", "tree_disconnect", "create", "close", "flush", "read",
         "write", "lock", "ioctl", "cancel", "echo", "query_directory", "change_notify", "query_info", "set_info",
         "oplock_break"][safe: Int(c)] ?? "command-\(c)"
    }

    public static func statusName(_ s: UInt32) -> String {
        let names: [UInt32: String] = [0: "STATUS_SUCCESS", 0xC000_0016: "STATUS_MORE_PROCESSING_REQUIRED",
                                       0xC000_0022: "STATUS_ACCESS_DENIED", 0xC000_006D: "STATUS_LOGON_FAILURE",
                                       0xC000_0034: "STATUS_OBJECT_NAME_NOT_FOUND", 0xC000_0035: "STATUS_OBJECT_NAME_COLLISION",
                                       0xC000_00CC: "STATUS_BAD_NETWORK_NAME", 0xC000_0203: "STATUS_USER_SESSION_DELETED",
                                       0x0000_0103: "STATUS_PENDING", 0x8000_0005: "STATUS_BUFFER_OVERFLOW",
                                       0xC000_0011: "STATUS_END_OF_FILE", 0xC000_000D: "STATUS_INVALID_PARAMETER",
                                       0xC000_0043: "STATUS_SHARING_VIOLATION", 0xC000_0064: "STATUS_NO_SUCH_USER",
                                       0xC000_0072: "STATUS_ACCOUNT_DISABLED", 0xC000_0234: "STATUS_ACCOUNT_LOCKED_OUT",
                                       0xC000_0071: "STATUS_PASSWORD_EXPIRED", 0xC000_00BB: "STATUS_NOT_SUPPORTED",
                                       0x8000_0006: "STATUS_NO_MORE_FILES", 0xC000_0120: "STATUS_CANCELLED"]
        return names[s] ?? "0x" + String(s, radix: 16).leftPadded(8)
    }

    static func utf16(_ b: ArraySlice<UInt8>) -> String {
        var units: [UInt16] = []
        var i = b.startIndex
        while i + 1 < b.endIndex {
            units.append(UInt16(b[i]) | UInt16(b[i + 1]) << 8)
            i += 2
        }
        return printable(Array(String(decoding: units, as: UTF16.self).utf8), limit: 2048)
    }

    /// The NTLM AUTHENTICATE message's user, domain and workstation inside a security blob, or the mechanism.
    static func authentication(_ blob: ArraySlice<UInt8>) -> [String: JSONValue] {
        let b = Array(blob)
        let sig = Array("NTLMSSP\0".utf8)
        var f: [String: JSONValue] = [:]
        if let at = (0..<max(0, b.count - 8)).first(where: { b[$0..<($0 + 8)].elementsEqual(sig) }) {
            f["auth_mechanism"] = "ntlm"
            var c = ByteCursor(b, from: at + 8)
            guard let type = c.u32le() else { return f }
            f["ntlm_message"] = .int(Int64(type))
            guard type == 3 else { return f }
            func field(_ off: Int) -> String? {
                var r = ByteCursor(b, from: at + off)
                guard let len = r.u16le(), r.skip(2), let o = r.u32le() else { return nil }
                let start = at + Int(o), end = start + Int(len)
                guard len > 0, start >= 0, end <= b.count else { return nil }
                var flags = ByteCursor(b, from: at + 60)
                let unicode = (flags.u32le() ?? 1) & 1 != 0
                return unicode ? utf16(b[start..<end]) : printable(b[start..<end])
            }
            if let d = field(28) { f["domain"] = .string(d) }
            if let u = field(36) { f["user"] = .string(u) }
            if let w = field(44) { f["workstation"] = .string(w) }
            return f
        }
        let krb: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02]
        let msKrb: [UInt8] = [0x2A, 0x86, 0x48, 0x82, 0xF7, 0x12, 0x01, 0x02, 0x02]
        for oid in [krb, msKrb] where b.count >= oid.count {
            if (0...(b.count - oid.count)).contains(where: { b[$0..<($0 + oid.count)].elementsEqual(oid) }) {
                f["auth_mechanism"] = "kerberos"
                break
            }
        }
        return f
    }

    public struct Message: Sendable {
        public var command: UInt16
        public var status: UInt32
        public var flags: UInt32
        public var messageID: UInt64
        public var treeID: UInt32
        public var sessionID: UInt64
        public var isResponse: Bool { flags & 1 != 0 }
        public var fields: [String: JSONValue] = [:]
        public var fileID: [UInt8]?
    }

    /// Decodes one SMB2 message at `at` in the NBSS payload `b`; returns it and the offset of the next one.
    static func decode(_ b: [UInt8], at: Int) -> (Message, Int?)? {
        var c = ByteCursor(b, from: at)
        guard c.u32() == 0xFE53_4D42, c.skip(4), let status = c.u32le(), let cmd = c.u16le(), c.skip(2),
              let flags = c.u32le(), let next = c.u32le(), let mid = c.u64le() else { return nil }
        var tree: UInt32 = 0
        if flags & 2 == 0 { _ = c.skip(4); tree = c.u32le() ?? 0 } else { _ = c.skip(8) }
        let session = c.u64le() ?? 0
        var m = Message(command: cmd, status: status, flags: flags, messageID: mid, treeID: tree, sessionID: session)
        let body = at + 64
        let end = next > 0 ? min(b.count, at + Int(next)) : b.count
        var r = ByteCursor(b, from: body, to: end)
        func string(at off: Int, length: Int, base: Int = at) -> String? {
            let s = base + off
            guard off > 0, length > 0, s + length <= b.count else { return nil }
            return utf16(b[s..<(s + length)])
        }
        switch (cmd, m.isResponse) {
        case (0, false):
            if r.skip(2), let n = r.u16le(), r.skip(2 + 2 + 4 + 16 + 8) {
                var dialects: [JSONValue] = []
                for _ in 0..<min(Int(n), 32) { if let d = r.u16le() { dialects.append(.string("0x" + String(d, radix: 16).leftPadded(4))) } }
                m.fields["dialects"] = .array(dialects)
            }
        case (0, true):
            if r.skip(4), let d = r.u16le() { m.fields["dialect"] = .string("0x" + String(d, radix: 16).leftPadded(4)) }
        case (1, false):
            if r.skip(2 + 1 + 1 + 4 + 4), let off = r.u16le(), let len = r.u16le() {
                let s = at + Int(off)
                if s + Int(len) <= b.count, len > 0 { for (k, v) in authentication(b[s..<(s + Int(len))]) { m.fields[k] = v } }
            }
        case (1, true):
            if r.skip(2), let sf = r.u16le() {
                if sf & 1 != 0 { m.fields["guest"] = true }
                if sf & 2 != 0 { m.fields["anonymous"] = true }
            }
        case (3, false):
            if r.skip(4), let off = r.u16le(), let len = r.u16le(), let path = string(at: Int(off), length: Int(len)) {
                m.fields["share"] = .string(path)
            }
        case (3, true):
            if r.skip(2), let type = r.u8() { m.fields["share_type"] = .string([1: "disk", 2: "pipe", 3: "print"][type] ?? "type-\(type)") }
        case (5, false):
            if r.skip(24), let access = r.u32le(), let attrs = r.u32le(), let share = r.u32le(), let disp = r.u32le(),
               let options = r.u32le(), let off = r.u16le(), let len = r.u16le() {
                m.fields["desired_access"] = .int(Int64(access))
                m.fields["file_attributes"] = .int(Int64(attrs))
                m.fields["share_access"] = .int(Int64(share))
                m.fields["create_disposition"] = .string(["supersede", "open", "create", "open_if", "overwrite", "overwrite_if"][safe: Int(disp)] ?? "disposition-\(disp)")
                m.fields["create_options"] = .int(Int64(options))
                m.fields["file_name"] = .string(string(at: Int(off), length: Int(len)) ?? "")
            }
        case (5, true):
            if r.skip(4), let action = r.u32le() {
                m.fields["create_action"] = .string(["superseded", "opened", "created", "overwritten"][safe: Int(action)] ?? "action-\(action)")
            }
            var q = ByteCursor(b, from: body + 64, to: end)
            if let id = q.take(16) { m.fileID = Array(id) }
        case (8, false), (9, false):
            if r.skip(2), let len = r.u32le(), let off = r.u64le(), let id = r.take(16) {
                m.fields["length"] = .int(Int64(len))
                m.fields["file_offset"] = .int(Int64(bitPattern: off))
                m.fileID = Array(id)
            }
        case (6, false), (11, false), (16, false), (17, false), (14, false):
            let skip = cmd == 11 ? 8 : cmd == 16 ? 24 : cmd == 17 ? 16 : cmd == 14 ? 8 : 8
            if r.skip(skip), let id = r.take(16) { m.fileID = Array(id) }
            if cmd == 11 {
                var q = ByteCursor(b, from: body + 4, to: end)
                if let code = q.u32le() { m.fields["ctl_code"] = .string("0x" + String(code, radix: 16).leftPadded(8)) }
            }
        default:
            break
        }
        return (m, next > 0 && at + Int(next) < b.count ? at + Int(next) : nil)
    }
}

/// The SMB decoder of one flow.
public final class SMB2Decoder: FlowDecoder {
    public let protocolName = "smb"
    var framer = DuplexFramer(maxFrame: 16 << 20, length: SMB2Decoder.frameLength)
    var budget = WarningBudget()
    var trees: [UInt32: String] = [:]
    var files: [[UInt8]: (name: String, share: String?)] = [:]

    struct Request {
        var m: SMB2.Message
        var time: Int64
        var packet: Int
        var src: NetEndpoint
        var dst: NetEndpoint
    }

    var pending = PendingRequests<UInt64, Request>(limit: 1024)

    public init() {}

    public static func looksLike(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 8 else { return false }
        if b[0] == 0, b[4] == 0xFE || b[4] == 0xFF || b[4] == 0xFD, b[5] == 0x53, b[6] == 0x4D, b[7] == 0x42 { return true }
        return b[0] == 0x81 && b[1] == 0   // NetBIOS session request
    }

    static func frameLength(_ b: UnsafeRawBufferPointer) -> FrameBuffer.Length {
        guard b.count >= 4 else { return .needMore }
        guard [0x00, 0x81, 0x82, 0x83, 0x84, 0x85].contains(b[0]) else { return .invalid("NetBIOS session type 0x\(String(b[0], radix: 16))") }
        return .frame(4 + (Int(b[1] & 1) << 16 | Int(b[2]) << 8 | Int(b[3])))
    }

    public func data(_ bytes: UnsafeRawBufferPointer, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        let (frames, warnings) = framer.frames(bytes, fromClient: ctx.fromClient)
        for w in warnings { budget.warn(&out, ctx.packet, "SMB: \(w); framing restarts at the next segment") }
        for f in frames where f.count > 8 && f[0] == 0 { payload(Array(f[4...]), ctx, &out) }
    }

    public func gap(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        framer.reset(fromClient: ctx.fromClient)
    }

    public func finish(_ ctx: PacketContext, _ out: inout DecodeOutput) {
        budget.finish(&out, ctx.packet, "SMB")
        for r in pending.drain() { emit(r, nil, nil, &out) }
    }

    func payload(_ b: [UInt8], _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if b.starts(with: [0xFF, 0x53, 0x4D, 0x42]) {
            let cmd = b.count > 4 ? b[4] : 0
            out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .it, kind: "smb.smb1", src: ctx.src, dst: ctx.dst,
                                           summary: "SMB1 command 0x\(String(cmd, radix: 16)) (SMB version 1 in use)",
                                           fields: ["smb1_command": .int(Int64(cmd)), "request_packet": .int(Int64(ctx.packet)),
                                                    "outcome": "ok"],
                                           routineKey: "smb1/\(cmd)/\(ctx.fromClient)".hashValue))
            return
        }
        if b.starts(with: [0xFD, 0x53, 0x4D, 0x42]) {
            out.messages.append(NetMessage(time: ctx.time, packet: ctx.packet, domain: .it, kind: "smb.encrypted", src: ctx.src,
                                           dst: ctx.dst, summary: "SMB3 encrypted message", fields: ["request_packet": .int(Int64(ctx.packet))],
                                           routineKey: "smb3-encrypted".hashValue))
            return
        }
        var at: Int? = 0
        var count = 0
        while let a = at, count < 32 {
            count += 1
            guard let (m, next) = SMB2.decode(b, at: a) else {
                budget.warn(&out, ctx.packet, "SMB2 header missing or cut short")
                return
            }
            message(m, ctx, &out)
            at = next
        }
    }

    func message(_ m: SMB2.Message, _ ctx: PacketContext, _ out: inout DecodeOutput) {
        if !m.isResponse {
            if m.command == 12 { return }   // cancel: no response of its own
            let r = Request(m: m, time: ctx.time, packet: ctx.packet, src: ctx.src, dst: ctx.dst)
            for old in pending.add(m.messageID, r) { emit(old, nil, nil, &out) }
            return
        }
        if m.status == 0x0000_0103 { return }   // STATUS_PENDING: the real answer comes later
        if let r = pending.take(m.messageID) {
            emit(r, m, ctx.packet, &out)
        } else {
            var r = Request(m: m, time: ctx.time, packet: ctx.packet, src: ctx.dst, dst: ctx.src)
            r.m.fields["note"] = "response without a request in the capture"
            emit(r, m, ctx.packet, &out, orphan: true)
        }
    }

    func emit(_ r: Request, _ resp: SMB2.Message?, _ respPacket: Int?, _ out: inout DecodeOutput, orphan: Bool = false) {
        let q = r.m
        let name = SMB2.commandName(q.command)
        var f = q.fields
        f["command"] = .int(Int64(q.command))
        f["message_id"] = .int(Int64(bitPattern: q.messageID))
        f["session_id"] = .string("0x" + String(resp?.sessionID ?? q.sessionID, radix: 16).leftPadded(16))
        f[orphan ? "response_packet" : "request_packet"] = .int(Int64(r.packet))
        var kind = "smb.\(name)"
        var summary = "SMB2 \(name)"
        let tree = q.treeID != 0 ? q.treeID : resp?.treeID ?? 0
        if let share = trees[tree] { f["tree"] = .string(share) }
        if let id = q.fileID, let file = files[id] {
            f["file_name"] = .string(file.name)
            if let s = file.share { f["tree"] = .string(s) }
        }
        if let resp {
            if !orphan { f["response_packet"] = .int(Int64(respPacket ?? 0)) }
            f["status"] = .string(SMB2.statusName(resp.status))
            for (k, v) in resp.fields where f[k] == nil { f[k] = v }
            if q.command == 3, resp.status == 0, case .string(let share)? = q.fields["share"] {
                trees[resp.treeID] = share
                f["tree"] = .string(share)
                if trees.count > 4096 { trees.removeAll() }
            }
            if q.command == 5, resp.status == 0, let id = resp.fileID, case .string(let n)? = q.fields["file_name"] {
                files[id] = (n, trees[q.treeID])
                if files.count > 65_536 { files.removeAll() }
            }
        }
        let ok = resp.map { $0.status == 0 || $0.status == 0xC000_0016 } ?? false
        f["outcome"] = .string(resp == nil ? "no_response" : ok ? "ok" : "error")
        switch q.command {
        case 1:
            if case .string(let u)? = f["user"] {
                summary += " as " + (f["domain"].map { "\($0.text)\\" } ?? "") + u
                if case .string(let w)? = f["workstation"] { summary += " from \(w)" }
            } else if case .string(let mech)? = f["auth_mechanism"] {
                summary += " (\(mech))"
            }
        case 3:
            if case .string(let s)? = f["share"] { summary += " \(s)" }
        case 5:
            let share = f["tree"]?.text ?? ""
            let file = f["file_name"]?.text ?? ""
            summary += " \(share)\\\(file)"
            if share.uppercased().hasSuffix("IPC$") {
                kind = "smb.pipe_open"
                f["pipe"] = .string(file)
            }
        case 8, 9:
            summary += " \(f["tree"]?.text ?? "")\\\(f["file_name"]?.text ?? "?") \(f["length"]?.text ?? "") bytes"
        default:
            break
        }
        if let s = resp?.status, s != 0, s != 0xC000_0016 { summary += " → \(SMB2.statusName(s))" }
        var key: Int?
        if ok, [2, 4, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 18].contains(q.command) {
            var h = Hasher()
            h.combine(q.command)
            h.combine(q.fileID)
            h.combine(q.treeID)
            key = h.finalize()
        }
        out.messages.append(NetMessage(time: r.time, packet: r.packet, domain: .it, kind: kind, src: r.src, dst: r.dst,
                                       summary: summary, fields: Attributes(f), routineKey: key, messages: resp == nil || orphan ? 1 : 2))
    }
}

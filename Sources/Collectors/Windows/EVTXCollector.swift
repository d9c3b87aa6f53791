import Foundation
import JikochoModel
import Parsers

/// `windows/evtx`: Windows XML event logs (.evtx), read natively chunk by chunk (64 KiB at a time, whatever the
/// file's size). Also reads files of bare chunks (carved from disk or memory). Records left in a chunk's unused
/// space are recovered and marked `recovered`, unless the same record is among the live ones.
public struct EVTXCollector: Collector {
    public static let name = "windows/evtx"
    // 2: one failed logon one auth.logon_failed (a 4776 followed by the 4625 of the same attempt is
    // auth.credential_validation_failed, linked to it); records of a chunk the file ends inside marked partial_chunk
    public static let version = "2"

    /// Off: every record is read the general way (the tests compare the two).
    let fastPath: Bool

    public init() { fastPath = true }

    init(fastPath: Bool) { self.fastPath = fastPath }

    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        if probe.head.starts(with: EVTX.fileSignature) || probe.head.starts(with: EVTX.chunkSignature) { return .certain }
        return .no
    }

    /// At most this many recovered records wait for the end of the file to be compared with the live ones.
    static let maxPendingRecovered = 50_000

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let evidenceID = source.item.id
        guard let file = FileHandle(forReadingAtPath: source.path) else {
            throw CollectorError.unreadable(source.path, String(cString: strerror(errno)))
        }
        defer { try? file.close() }
        let size = Int((try? FileManager.default.attributesOfItem(atPath: source.path)[.size] as? Int) ?? 0)
        let head = [UInt8](try file.read(upToCount: EVTX.fileHeaderSize) ?? Data())
        let header = head.withUnsafeBytes { EVTX.FileHeader($0) }
        if header == nil, !head.starts(with: EVTX.chunkSignature) {
            try sink.warn(CollectorWarning(evidenceID: evidenceID, locator: "@0x0",
                                           text: "not an EVTX file (no ElfFile or ElfChnk signature)"))
            return
        }
        let start = header == nil ? 0 : EVTX.fileHeaderSize
        var live = Set<UInt64>()
        var pending: [(UInt64, Event)] = []
        var partial = 0
        let host = source.options["host"]
        var attempts = FailedAttempts(FailedAttempts.windows)
        let emit: (Event) throws -> Void = { try sink.emit($0) }
        func warn(_ offset: Int, _ text: String) throws {
            try sink.warn(CollectorWarning(evidenceID: evidenceID, locator: "@0x\(String(offset, radix: 16))", text: text))
        }
        for case .problem(let offset, let text) in EVTX.headerProblems(header) { try warn(offset, text) }
        // Chunks are self-contained: they are read and their events built side by side, then taken in file order,
        // so the events and warnings are the same whatever the number of threads.
        let count = EVTX.chunkCount(header: header, fileSize: size)
        var kinds = (0..<max(1, min(source.threads, 64))).map { _ in
            KindCache(fast: fastPath ? EVTXFastReader(evidenceID: evidenceID, host: host) : nil)
        }
        let fd = file.fileDescriptor
        try Parallel.ordered(count, states: &kinds, produce: { index, kinds -> [Piece] in
            var bytes = [UInt8](repeating: 0, count: EVTX.chunkSize)
            let offset = start + index * EVTX.chunkSize
            let n = bytes.withUnsafeMutableBytes { FileIO.read(fd, into: $0, at: Int64(offset)).count }
            bytes.removeSubrange(n...)
            return Self.pieces(chunk: index, bytes: bytes, header: header, start: start, evidenceID: evidenceID,
                               host: host, kinds: kinds)
        }, consume: { pieces in
            for piece in pieces {
                switch piece {
                case .problem(let offset, let text): try warn(offset, text)
                case .untimed(let locator):
                    try sink.warn(CollectorWarning(evidenceID: evidenceID, locator: locator,
                                                   text: "record has no time that can be represented; skipped"))
                case .record(let id, let recovered, let inPartialChunk, var event):
                    // A Windows server as the VPN gateway (RRAS, NPS): its records in every gateway's words.
                    WindowsRemoteAccess.refine(&event)
                    if recovered {
                        if pending.count < Self.maxPendingRecovered {
                            pending.append((id, event))
                        } else if !live.contains(id) {
                            try attempts.offer(event, emit: emit)
                        }
                    } else {
                        live.insert(id)
                        if inPartialChunk { partial += 1 }
                        try attempts.offer(event, emit: emit)
                    }
                }
            }
        })
        var recovered = 0
        for (id, event) in pending where !live.contains(id) {
            try attempts.offer(event, emit: emit)
            recovered += 1
        }
        try attempts.finish(emit: emit)
        if recovered > 0 {
            try sink.warn(CollectorWarning(evidenceID: evidenceID, locator: "file",
                                           text: "\(recovered) record(s) recovered from unused chunk space (marked recovered: true)"))
        }
        if partial > 0 {
            // Readers that take whole chunks only (python-evtx) do not count these: say so, so counts can be reconciled.
            try sink.warn(CollectorWarning(evidenceID: evidenceID, locator: "file",
                                           text: "\(partial) record(s) read from the chunk the file ends inside (marked partial_chunk: true)"))
        }
    }

    /// What one chunk gives, in its order.
    enum Piece {
        case problem(offset: Int, String)
        /// A record without a time that can be represented, by its locator.
        case untimed(String)
        case record(id: UInt64, recovered: Bool, inPartialChunk: Bool, Event)
    }

    /// Reads one chunk and builds the events of its records (the costly part, done side by side for a window of
    /// chunks).
    static func pieces(chunk index: Int, bytes: [UInt8], header: EVTX.FileHeader?, start: Int, evidenceID: Int64,
                       host: String?, kinds: KindCache) -> [Piece]
    {
        var out: [Piece] = []
        var fast: EVTX.FastReader?
        if let reader = kinds.fast {
            reader.beginChunk()
            let partial = bytes.count < EVTX.chunkSize
            fast = { binXML, frame in
                reader.read(&binXML, frame, chunk: index, partial: partial, start: start, kinds: kinds, into: &out)
            }
        }
        EVTX.readChunk(index: index, bytes: bytes, header: header, fast: fast) { item in
            switch item {
            case .problem(let offset, let text): out.append(.problem(offset: offset, text))
            case .record(_, let record) where record.readFast:
                break
            case .record(let chunk, let record):
                let fileOffset = start + chunk * EVTX.chunkSize + record.offset
                let locator = Self.locator(record: record.recordID, chunk: chunk, fileOffset: fileOffset)
                if let event = Self.event(record, locator: locator, evidenceID: evidenceID, host: host, kinds: kinds) {
                    out.append(.record(id: record.recordID, recovered: record.recovered,
                                       inPartialChunk: record.inPartialChunk, event))
                } else {
                    out.append(.untimed(locator))
                }
            }
        }
        return out
    }

    /// Kinds by (EventID, channel, provider): a log repeats a few dozen combinations thousands of times; the writers
    /// of the events' attributes, whose buffers one thread reuses from record to record; and the fast way's state.
    final class KindCache {
        /// The fast way's state (nil when it is off).
        let fast: EVTXFastReader?

        init(fast: EVTXFastReader?) { self.fast = fast }

        struct Key: Hashable {
            var id: Int
            var channel: String?
            var provider: String?
        }

        var known: [Key: String] = [:]
        var writer = AttributeWriter()
        var nested = AttributeWriter()

        /// The last eight combinations asked for, newest first: compared before the table is hashed (the fast way
        /// gives the same channel and provider strings record after record, which compare at once).
        private var recent: [(key: Key, kind: String)] = []

        func kind(_ id: Int, _ channel: String?, _ provider: String?) -> String {
            let key = Key(id: id, channel: channel, provider: provider)
            if let r = recent.first(where: { $0.key == key }) { return r.kind }
            let k: String
            if let known = known[key] {
                k = known
            } else {
                k = WindowsEventKinds.kind(eventID: id, channel: channel, provider: provider) ?? "windows.event"
                if known.count < 10_000 { known[key] = k }
            }
            if recent.count == 8 { recent.removeLast() }
            recent.insert((key, k), at: 0)
            return k
        }
    }

    /// `record 12 (chunk 0 @0x1234)`
    static func locator(record: UInt64, chunk: Int, fileOffset: Int) -> String {
        var m = [UInt8]()
        m.reserveCapacity(56)
        m.append(contentsOf: "record ".utf8)
        JSONValue.writeDigits(record, into: &m)
        m.append(contentsOf: " (chunk ".utf8)
        JSONValue.writeDigits(UInt64(chunk), into: &m)
        m.append(contentsOf: " @0x".utf8)
        JSONValue.writeDigits(UInt64(fileOffset), radix: 16, into: &m)
        m.append(UInt8(ascii: ")"))
        return String(decoding: m, as: UTF8.self)
    }

    static func event(_ record: EVTX.Record, locator: String, evidenceID: Int64, host: String?,
                      kinds: KindCache) -> Event? {
        let f = WindowsEventRecord(record.body)
        guard let time = f.timeCreated.flatMap({ Timestamp(filetime: $0) }) ?? Timestamp(filetime: record.written)
        else { return nil }
        // The record's fields go straight into their stored form: EventData and UserData first (nested objects), then
        // the event's attributes around them.
        var data = AttributeWriter()
        swap(&data, &kinds.nested)    // its buffer, not a copy of it
        var roles = Roles()
        var position = 0
        var status: String?
        for item in f.eventData {
            position += 1
            var key = item.name.flatMap { $0.isEmpty ? nil : $0 } ?? (item.element == "Data" ? "param\(position)" : item.element)
            if data.contains(key) { key += "_\(position)" }
            data.string(key, item.value)
            if status == nil, key == "Status" { status = item.value }
            roles.consider(key, item.value)
        }
        let eventData = data.finish()
        for item in f.userData where !data.contains(item.element) {
            data.string(item.element, item.value)
            roles.consider(item.element, item.value)
        }
        let userData = data.finish()
        swap(&data, &kinds.nested)
        func field(_ role: Role) -> String? { roles.found[role.rawValue] }

        let id = f.eventID ?? -1
        var kind = kinds.kind(id, f.channel, f.provider)
        var failed = false
        if let status {
            let refined = WindowsEventKinds.refine(kind, status: status)
            failed = refined != kind
            kind = refined
        }
        // EventRecordID is the log's own number; the record header's number differs in exported or merged logs.
        let number = String(record.recordID)
        var a = AttributeWriter()
        swap(&a, &kinds.writer)
        a.int("event_id", id)
        a.string("record_id", f.recordID ?? number)
        if let rid = f.recordID, rid != number { a.string("record_number", number) }
        func put(_ key: String, _ v: String?) { if let v, !v.isEmpty { a.string(key, v) } }
        put("provider", f.provider)
        put("provider_guid", f.providerGUID)
        put("channel", f.channel)
        put("computer", f.computer)
        put("qualifiers", f.qualifiers)
        put("version", f.version)
        put("level", f.level)
        put("task", f.task)
        put("opcode", f.opcode)
        put("keywords", f.keywords)
        put("process_id", f.processID)
        put("thread_id", f.threadID)
        put("user_sid", f.userSID)
        put("activity_id", f.activityID)
        put("related_activity_id", f.relatedActivityID)
        if f.timeCreated == nil { put("time_created", f.timeCreatedText) }
        if !eventData.isEmpty { a.object("event_data", eventData) }
        if !userData.isEmpty {
            a.object("user_data", userData)
            put("user_data_name", f.userDataName)
        }
        if record.recovered { a.bool("recovered", true) }
        if record.inPartialChunk { a.bool("partial_chunk", true) }
        if failed { a.string("outcome", "failure") }
        let attributes = a.finish()
        swap(&a, &kinds.writer)

        return finish(time: time, timeCreated: f.timeCreated != nil, kind: kind, host: host ?? f.computer,
                      channel: f.channel, id: id, provider: f.provider, roles: roles,
                      firstValues: {
                          var values: [(name: String?, value: String)] = []
                          for item in f.eventData where item.element != "Binary" && !item.value.isEmpty {
                              values.append((item.name, item.value))
                              if values.count == 4 { break }
                          }
                          return values
                      },
                      recovered: record.recovered, attributes: attributes, evidenceID: evidenceID, locator: locator)
    }

    /// The event of a record from its fields: who and from where, for the kinds that have them, and the message.
    /// `firstValues`: the first four non-empty event data values (not `Binary`) with their names, for a message
    /// that has nothing else to say.
    static func finish(time: Timestamp, timeCreated: Bool, kind: String, host: String?, channel: String?, id: Int,
                       provider: String?, roles: Roles, firstValues: () -> [(name: String?, value: String)],
                       recovered: Bool, attributes: Attributes, evidenceID: Int64, locator: String) -> Event
    {
        func field(_ role: Role) -> String? { roles.found[role.rawValue] }
        let user = field(.user)
        var src = Endpoint()
        var dst = Endpoint()
        if let ip = field(.srcIP).flatMap(IPAddressText.canonical) {
            src = Endpoint(ip: ip, port: field(.srcPort).flatMap { UInt16($0) }.flatMap { $0 == 0 ? nil : $0 })
        }
        if let ip = field(.dstIP).flatMap(IPAddressText.canonical) {
            dst = Endpoint(ip: ip, port: field(.dstPort).flatMap { UInt16($0) })
        }
        // Written as bytes: `Security 4624 Microsoft-Windows-Security-Auditing: logon type 3 (network), user D\\u, …`.
        var m = [UInt8]()
        m.reserveCapacity(200)
        func add(_ s: String) { m.append(contentsOf: s.utf8) }
        /// A value cut to `limit` characters, with an ellipsis when it was longer.
        func add(_ v: String, limit: Int) {
            if v.utf8.count <= limit || v.count <= limit { add(v) } else { add(String(v.prefix(limit)) + "…") }
        }
        var details = 0
        func detail() {
            add(details == 0 ? ": " : ", ")
            details += 1
        }
        add(channel ?? "?")
        add(" ")
        add(String(id))
        add(" ")
        add(provider ?? "")
        if let logonType = field(.logonType).flatMap({ Int($0) }) {
            detail()
            add("logon type ")
            add(String(logonType))
            if let name = WindowsEventKinds.logonTypeName(logonType) { add(" ("); add(name); add(")") }
        }
        if let u = user {
            detail()
            add("user ")
            if let d = field(.domain) { add(d); add("\\") }
            add(u)
        }
        if !src.isEmpty { detail(); add("from "); add(src.description) }
        if !dst.isEmpty { detail(); add("to "); add(dst.description) }
        for (i, key) in Roles.detailNames.enumerated() {
            if let v = roles.found[Role.firstDetail.rawValue + i] {
                detail()
                add(key)
                add("=")
                add(v, limit: 200)
            }
        }
        if details == 0 {
            // Nothing known to pick out: the first few values, in the record's order.
            for (name, value) in firstValues() {
                detail()
                if let name { add(name); add("=") }
                add(value, limit: 80)
            }
        }
        if recovered { add(" [recovered]") }
        let message = String(decoding: m, as: UTF8.self)
        return Event(time: time, timeDescription: timeCreated ? "Event time (TimeCreated)" : "Record written",
                     domain: .it, kind: kind, host: host, src: src, dst: dst, user: user,
                     message: message, attributes: attributes,
                     provenance: Provenance(evidenceID: evidenceID, collector: name, collectorVersion: version,
                                            locator: locator))
    }

    /// What an event's fields say about who and from where, and the few worth a place in the message.
    enum Role: Int {
        case user, domain, srcIP, srcPort, dstIP, dstPort, logonType, firstDetail
    }

    /// The first field seen in each role, by rank: `TargetUserName` before `SubjectUserName`, and so on.
    struct Roles {
        static let detailNames = ["ServiceName", "ImagePath", "TaskName", "NewProcessName", "Image", "CommandLine",
                                  "TargetObject", "QueryName", "ObjectName", "MemberName", "Status", "FailureReason"]
        static let table: [String: (slot: Int, rank: Int)] = {
            var t: [String: (Int, Int)] = [:]
            func add(_ role: Role, _ names: [String]) {
                for (rank, n) in names.enumerated() { t[n] = (role.rawValue, rank) }
            }
            add(.user, ["TargetUserName", "User", "SubjectUserName", "Param1", "AccountName"])
            add(.domain, ["TargetDomainName", "SubjectDomainName"])
            add(.srcIP, ["IpAddress", "SourceAddress", "SourceIp", "Address", "ClientAddress", "Param3"])
            add(.srcPort, ["IpPort", "SourcePort"])
            add(.dstIP, ["DestinationIp", "DestAddress"])
            add(.dstPort, ["DestinationPort", "DestPort"])
            add(.logonType, ["LogonType"])
            for (i, n) in detailNames.enumerated() { t[n] = (Role.firstDetail.rawValue + i, 0) }
            return t
        }()

        var found = [String?](repeating: nil, count: Role.firstDetail.rawValue + Roles.detailNames.count)
        var ranks = [Int](repeating: .max, count: Role.firstDetail.rawValue + Roles.detailNames.count)

        /// Stands in for a reader's own while it reads a record (swapped, not copied).
        static let placeholder = Roles()

        /// Nothing found, keeping the storage.
        mutating func reset() {
            for i in found.indices {
                found[i] = nil
                ranks[i] = .max
            }
        }

        mutating func consider(_ name: String, _ value: String) {
            guard !value.isEmpty, value != "-", let (slot, rank) = Self.table[name], rank < ranks[slot] else { return }
            found[slot] = value
            ranks[slot] = rank
        }
    }

}

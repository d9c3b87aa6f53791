import JikochoModel

/// IEC 61850-8-1 GOOSE and IEC 61850-9-2 Sampled Values: a substation's Ethernet multicast, no IP and no client. A
/// protection relay publishes its state (a trip, a breaker's position, an interlock) as GOOSE, again and again: at
/// once and faster and faster after each change (a new `stNum`, `sqNum` from 0), then as a heartbeat within
/// `timeAllowedtoLive`. A merging unit publishes its current and voltage samples as SV, thousands a second. Both
/// follow the EtherType (0x88B8, 0x88BA) with APPID, length and two reserved words, then a BER PDU.
public enum GOOSE {
    public static let etherType: UInt16 = 0x88B8
    public static let svEtherType: UInt16 = 0x88BA

    /// One GOOSE PDU's fields (IEC 61850-8-1 Ed. 2 `IECGoosePdu`).
    public struct Message: Sendable {
        public var appID: UInt16
        /// The reserved word's simulation bit (Edition 2: the frame is a test's).
        public var simulationBit: Bool
        public var gocbRef = ""
        public var timeAllowedToLive: Int64?
        public var datSet = ""
        public var goID: String?
        /// The publisher's time of the last state change (UtcTime), in ns since 1970, with its quality octet.
        public var t: Int64?
        public var timeQuality: UInt8?
        public var stNum: Int64?
        public var sqNum: Int64?
        public var simulation: Bool?
        public var confRev: Int64?
        public var ndsCom: Bool?
        public var numDatSetEntries: Int64?
        public var allData: [JSONValue] = []
        /// Bytes of the data, for telling a change of values from a retransmission.
        public var dataHash = 0
        public var secured = false

        /// The frame is a test's: its PDU's simulation flag, or Edition 2's bit in the reserved word.
        public var isTest: Bool { simulation == true || simulationBit }
    }

    /// One SV APDU's ASDUs: the stream's id, sample counter, configuration revision and synchronisation.
    public struct SampledValues: Sendable {
        public struct ASDU: Sendable {
            public var svID = ""
            public var datSet: String?
            public var smpCnt: Int64?
            public var confRev: Int64?
            public var smpSynch: Int64?
            public var smpRate: Int64?
        }

        public var appID: UInt16
        public var asdus: [ASDU] = []
    }

    /// The header every GOOSE and SV frame has: APPID, the length it claims (from APPID on) and the end of the PDU
    /// within the bytes; a length that says more than the frame holds is read as far as the frame goes, as
    /// Wireshark reads it, and said.
    static func header(_ b: [UInt8], protocol name: String) -> (appID: UInt16, reserved: UInt16, end: Int, note: String?)? {
        guard b.count >= 8 else { return nil }
        let appID = UInt16(b[0]) << 8 | UInt16(b[1])
        let length = Int(b[2]) << 8 | Int(b[3])
        let reserved = UInt16(b[4]) << 8 | UInt16(b[5])
        if length < 8 { return (appID, reserved, b.count, "\(name): length \(length) is shorter than its own header") }
        if length > b.count { return (appID, reserved, b.count, "\(name): length \(length), but the frame holds \(b.count) bytes") }
        return (appID, reserved, length, nil)
    }

    /// Decodes a GOOSE frame's bytes from APPID on: the message, and a note when the frame contradicts itself; nil
    /// with the reason when there is no GOOSE PDU to read.
    public static func decode(_ b: [UInt8]) -> (message: Message?, note: String?) {
        guard let h = header(b, protocol: "GOOSE") else { return (nil, "GOOSE header cut short (\(b.count) bytes)") }
        guard let pdu = MMS.element(b, at: 8, limit: h.end) else {
            return (nil, h.note ?? "GOOSE: the PDU is cut short or damaged")
        }
        guard pdu.tagClass == 1, pdu.constructed, pdu.tag == 1 else {
            // Tag 0 (application, constructed) would be GSE management; anything else is not GOOSE.
            return (nil, h.note ?? "GOOSE: PDU tag 0x\(String(b[8], radix: 16)) is not a GOOSE PDU")
        }
        var m = Message(appID: h.appID, simulationBit: h.reserved & 0x8000 != 0)
        for e in MMS.children(b, pdu.contents, max: 64) where e.tagClass == 2 {
            let r = e.contents
            switch e.tag {
            case 0: m.gocbRef = MMS.text(b, r)
            case 1: m.timeAllowedToLive = MMS.integer(b, r)
            case 2: m.datSet = MMS.text(b, r)
            case 3: m.goID = MMS.text(b, r)
            case 4:
                if r.count == 8 {
                    var s: Int64 = 0, f: Int64 = 0
                    for i in 0..<4 { s = s << 8 | Int64(b[r.lowerBound + i]) }
                    for i in 4..<7 { f = f << 8 | Int64(b[r.lowerBound + i]) }
                    m.t = s * 1_000_000_000 + f * 1_000_000_000 / (1 << 24)
                    m.timeQuality = b[r.lowerBound + 7]
                }
            case 5: m.stNum = MMS.unsigned(b, r).map { Int64(truncatingIfNeeded: $0) }
            case 6: m.sqNum = MMS.unsigned(b, r).map { Int64(truncatingIfNeeded: $0) }
            case 7: m.simulation = r.isEmpty ? nil : b[r.lowerBound] != 0
            case 8: m.confRev = MMS.integer(b, r)
            case 9: m.ndsCom = r.isEmpty ? nil : b[r.lowerBound] != 0
            case 10: m.numDatSetEntries = MMS.integer(b, r)
            case 11:
                m.allData = MMS.children(b, r, max: 1024).map { MMS.data(b, $0, depth: 1) }
                var hasher = Hasher()
                b[r].withUnsafeBytes { hasher.combine(bytes: $0) }
                m.dataHash = hasher.finalize()
            case 12: m.secured = true
            default: break
            }
        }
        var note = h.note
        if note == nil, let n = m.numDatSetEntries, n != Int64(m.allData.count) {
            note = "GOOSE \(m.gocbRef): numDatSetEntries \(n), but allData holds \(m.allData.count) values"
        }
        if note == nil {
            // Every field but goID and security is mandatory (IEC 61850-8-1 IECGoosePdu).
            let missing = [("gocbRef", m.gocbRef.isEmpty), ("timeAllowedtoLive", m.timeAllowedToLive == nil),
                           ("datSet", m.datSet.isEmpty), ("t", m.t == nil), ("stNum", m.stNum == nil), ("sqNum", m.sqNum == nil),
                           ("simulation", m.simulation == nil), ("confRev", m.confRev == nil), ("ndsCom", m.ndsCom == nil),
                           ("numDatSetEntries", m.numDatSetEntries == nil)].filter(\.1).map(\.0)
            if !missing.isEmpty {
                note = "GOOSE \(m.gocbRef.isEmpty ? "PDU" : m.gocbRef) lacks \(missing.joined(separator: ", "))"
            }
        }
        return (m, note)
    }

    /// Decodes a Sampled Values frame's bytes from APPID on.
    public static func decodeSV(_ b: [UInt8]) -> (message: SampledValues?, note: String?) {
        guard let h = header(b, protocol: "SV") else { return (nil, "SV header cut short (\(b.count) bytes)") }
        guard let pdu = MMS.element(b, at: 8, limit: h.end), pdu.tagClass == 1, pdu.constructed, pdu.tag == 0 else {
            return (nil, h.note ?? "SV: the savPdu is cut short, damaged or not a savPdu")
        }
        var sv = SampledValues(appID: h.appID)
        for e in MMS.children(b, pdu.contents, max: 8) where e.tagClass == 2 && e.tag == 2 && e.constructed {
            for a in MMS.children(b, e.contents, max: 64) where a.constructed {
                var asdu = SampledValues.ASDU()
                for f in MMS.children(b, a.contents, max: 16) where f.tagClass == 2 {
                    switch f.tag {
                    case 0: asdu.svID = MMS.text(b, f.contents)
                    case 1: asdu.datSet = MMS.text(b, f.contents)
                    case 2: asdu.smpCnt = MMS.unsigned(b, f.contents).map { Int64(truncatingIfNeeded: $0) }
                    case 3: asdu.confRev = MMS.unsigned(b, f.contents).map { Int64(truncatingIfNeeded: $0) }
                    case 5: asdu.smpSynch = MMS.unsigned(b, f.contents).map { Int64(truncatingIfNeeded: $0) }
                    case 6: asdu.smpRate = MMS.unsigned(b, f.contents).map { Int64(truncatingIfNeeded: $0) }
                    default: break
                    }
                }
                sv.asdus.append(asdu)
            }
        }
        return (sv, h.note ?? (sv.asdus.isEmpty ? "SV: the savPdu holds no ASDU" : nil))
    }

    /// The publishing logical device named by a control block reference: `IED1LD0` of `IED1LD0/LLN0$GO$gcbTrip`.
    public static func station(_ ref: String) -> String? {
        guard let slash = ref.firstIndex(of: "/"), slash != ref.startIndex else { return nil }
        return "iec61850:" + ref[..<slash]
    }
}

/// The GOOSE and SV streams of a capture, by publisher (MAC address, APPID, control block or stream id): what each
/// last said, so that a retransmission is counted rather than kept, a state change is an event with the values
/// before and after, and what a spoofed or replayed frame gives away is an anomaly. Used by the analyzer's front
/// (the frames are not IP and belong to no flow).
final class SubstationStreams {
    struct Key: Hashable {
        var mac: UInt64
        var appID: UInt16
        var id: String
    }

    struct GooseStream {
        var last: GOOSE.Message
        var lastTime: Int64
        /// Retransmissions counted since the stream's last event.
        var repeats = 0
        var firstRepeatTime: Int64 = 0
        var firstRepeatPacket = 0
        var lastRepeatPacket = 0
        var lastRepeatTime: Int64 = 0
        var maxGap: Int64 = 0
        var dst: UInt64
        var vlan: UInt16?
    }

    struct SVStream {
        var confRev: Int64?
        var smpSynch: Int64?
        var lastSmpCnt: Int64?
        var frames = 0
        var gaps = 0
        var firstTime: Int64
        var firstPacket: Int
        var lastTime: Int64
        var lastPacket: Int
        var dst: UInt64
        var vlan: UInt16?
    }

    let window: Int64
    var goose: [Key: GooseStream] = [:]
    var sv: [Key: SVStream] = [:]
    /// The first publisher of each control block reference or SV stream id.
    var publishers: [String: UInt64] = [:]
    var svPublishers: [String: UInt64] = [:]
    var writer = AttributeWriter()

    init(window: Int64) {
        self.window = window
    }

    /// Anomalies of a frame no genuine publisher sends: such a frame is not taken as its stream's state.
    static let notTheStreamsState: Set<String> = ["state_number_back", "values_without_new_state", "sequence_back"]

    // MARK: GOOSE

    func goose(_ m: GOOSE.Message, src: UInt64, dst: UInt64, vlan: UInt16?, time: Int64, packet: Int,
               _ out: (NetMessage) -> Void) {
        let key = Key(mac: src, appID: m.appID, id: m.gocbRef)
        let known = goose[key]
        var anomalies = Self.secondPublisher(&publishers, m.gocbRef, src, newStream: known == nil)
        guard var s = known else {
            if m.isTest { anomalies.append(("test_mode", "simulation (test) flag set")) }
            goose[key] = GooseStream(last: m, lastTime: time, dst: dst, vlan: vlan)
            out(event(m, anomalies.isEmpty ? "ics.goose.publish" : "ics.goose.anomaly", anomalies, before: nil,
                      src: src, dst: dst, vlan: vlan, time: time, packet: packet))
            return
        }
        let st = m.stNum ?? 0, lastSt = s.last.stNum ?? 0
        let sq = m.sqNum ?? 0, lastSq = s.last.sqNum ?? 0
        let gap = time - s.lastTime
        if let tal = s.last.timeAllowedToLive, tal > 0, gap > tal * 1_000_000 {
            anomalies.append(("heartbeat_missed", "no message for \(gap / 1_000_000) ms, past timeAllowedtoLive \(tal) ms"))
        }
        var stateChange = false
        if st > lastSt || lastSt == Int64(UInt32.max) && st <= 1 {
            // stNum counts up and wraps from 2³²−1 to 1 (0 in some Edition 1 stacks).
            stateChange = true
            if st != lastSt + 1, st > lastSt { anomalies.append(("state_number_jump", "stNum jumped from \(lastSt) to \(st)")) }
        } else if st < lastSt {
            anomalies.append(("state_number_back",
                              "stNum went back from \(lastSt) to \(st) (an old frame sent again, or the publisher restarted)"))
        } else {
            if m.dataHash != s.last.dataHash { anomalies.append(("values_without_new_state", "values changed with stNum still \(st)")) }
            if sq < lastSq { anomalies.append(("sequence_back", "sqNum went back from \(lastSq) to \(sq) with stNum \(st)")) }
        }
        if let c = m.confRev, let l = s.last.confRev, c != l {
            anomalies.append(("configuration_changed", "confRev changed from \(l) to \(c)"))
        }
        if m.isTest, !s.last.isTest {
            anomalies.append(("test_mode", "simulation (test) flag set"))
        }
        if !stateChange, anomalies.isEmpty {
            // A retransmission: counted into the stream's summary.
            if s.repeats == 0 {
                s.firstRepeatTime = time
                s.firstRepeatPacket = packet
            }
            s.repeats += 1
            s.lastRepeatPacket = packet
            s.lastRepeatTime = time
            s.maxGap = max(s.maxGap, gap)
            s.last.sqNum = m.sqNum
            s.lastTime = time
            if time - s.firstRepeatTime >= window {
                out(summary(key, &s))
            }
            goose[key] = s
            return
        }
        if s.repeats > 0 { out(summary(key, &s)) }
        let before = s.last
        // A frame no genuine publisher sends (an old state again, values changed under the same stNum, a sequence
        // number gone back) is not taken as the stream's state: the next genuine frame is compared with what the
        // stream said before it, and is routine.
        if !anomalies.contains(where: { Self.notTheStreamsState.contains($0.code) }) { s.last = m }
        s.lastTime = time
        goose[key] = s
        out(event(m, anomalies.isEmpty ? "ics.goose.state_change" : "ics.goose.anomaly", anomalies, before: before,
                  src: src, dst: dst, vlan: vlan, time: time, packet: packet))
    }

    func event(_ m: GOOSE.Message, _ kind: String, _ anomalies: [(code: String, text: String)], before: GOOSE.Message?,
               src: UInt64, dst: UInt64, vlan: UInt16?, time: Int64, packet: Int) -> NetMessage {
        writer.int("app_id", Int(m.appID))
        writer.string("gocb_ref", m.gocbRef)
        writer.string("dat_set", m.datSet)
        if let v = m.goID { writer.string("go_id", v) }
        if let v = m.stNum { writer.int("st_num", v) }
        if let v = m.sqNum { writer.int("sq_num", v) }
        if let v = m.timeAllowedToLive { writer.int("time_allowed_to_live_ms", v) }
        if let t = m.t { writer.string("t", Timestamp(nanoseconds: t).iso8601Shortest()) }
        if let q = m.timeQuality { writer.int("time_quality", Int(q)) }
        if let v = m.simulation { writer.bool("simulation", v) }
        if m.simulationBit { writer.bool("simulation_bit", true) }
        if let v = m.confRev { writer.int("conf_rev", v) }
        if let v = m.ndsCom { writer.bool("nds_com", v) }
        if let v = m.numDatSetEntries { writer.int("entries", v) }
        writer.value("values", .array(m.allData))
        if m.secured { writer.bool("secured", true) }
        if let v = vlan { writer.int("vlan", v) }
        if let station = GOOSE.station(m.gocbRef) { writer.string("station", station) }
        writer.int("request_packet", packet)
        var changed: [Int] = []
        if kind == "ics.goose.state_change", let t = m.t, (m.sqNum ?? 0) <= 1 {
            // The first frame of a new state carries the publisher's time of the change: against the capture's time
            // it shows how far the relay's clock is from the sensor's (transmission takes well under a millisecond).
            writer.double("clock_offset_ms", Double(t - time) / 1e6)
        }
        if let b = before {
            if let v = b.stNum { writer.int("previous_st_num", v) }
            if let v = b.sqNum { writer.int("previous_sq_num", v) }
            writer.value("previous_values", .array(b.allData))
            changed = (0..<max(b.allData.count, m.allData.count)).filter {
                $0 >= b.allData.count || $0 >= m.allData.count || b.allData[$0] != m.allData[$0]
            }
            writer.value("changed", .array(changed.map { .int(Int64($0)) }))
        }
        if !anomalies.isEmpty {
            writer.value("anomalies", .array(anomalies.map { .string($0.code) }))
        }
        let state = "stNum \(m.stNum.map(String.init) ?? "?") sqNum \(m.sqNum.map(String.init) ?? "?")"
        let text: String
        switch kind {
        case "ics.goose.state_change":
            let what = changed.isEmpty ? "values unchanged"
                : changed.prefix(4).map { i -> String in
                    let old = before.flatMap { i < $0.allData.count ? $0.allData[i].text : nil } ?? "-"
                    let new = i < m.allData.count ? m.allData[i].text : "-"
                    return "[\(i)] \(old) → \(new)"
                }.joined(separator: ", ")
            text = "GOOSE \(m.gocbRef) state \(before?.stNum.map(String.init) ?? "?") → \(m.stNum.map(String.init) ?? "?"): \(what)"
        case "ics.goose.anomaly":
            text = "GOOSE \(m.gocbRef) \(state) from \(macText(src)): " + anomalies.map(\.text).joined(separator: "; ")
        default:
            text = "GOOSE \(m.gocbRef) \(state): " + m.allData.prefix(6).map(\.text).joined(separator: ", ")
        }
        return message(kind, text, time: time, packet: packet, src: src, dst: dst)
    }

    func summary(_ key: Key, _ s: inout GooseStream) -> NetMessage {
        writer.int("app_id", Int(key.appID))
        writer.string("gocb_ref", key.id)
        if let v = s.last.stNum { writer.int("st_num", v) }
        if let v = s.last.sqNum { writer.int("sq_num", v) }
        writer.int("repeats", s.repeats)
        writer.int("first_packet", s.firstRepeatPacket)
        writer.int("last_packet", s.lastRepeatPacket)
        writer.string("last_time", Timestamp(nanoseconds: s.lastRepeatTime).iso8601())
        if s.repeats > 1 {
            writer.double("mean_interval_ms", Double(s.lastRepeatTime - s.firstRepeatTime) / Double(s.repeats - 1) / 1e6)
        }
        writer.double("max_gap_ms", Double(s.maxGap) / 1e6)
        if let v = s.vlan { writer.int("vlan", v) }
        if let station = GOOSE.station(key.id) { writer.string("station", station) }
        let m = message("ics.goose.publish_summary",
                        "\(s.repeats) × GOOSE \(key.id) retransmitted, stNum \(s.last.stNum.map(String.init) ?? "?") (routine, summarized)",
                        time: s.firstRepeatTime, packet: s.lastRepeatPacket, src: key.mac, dst: s.dst, messages: s.repeats)
        s.repeats = 0
        s.maxGap = 0
        return m
    }

    // MARK: Sampled Values

    func sampledValues(_ v: GOOSE.SampledValues, src: UInt64, dst: UInt64, vlan: UInt16?, time: Int64, packet: Int,
                       _ out: (NetMessage) -> Void) {
        for a in v.asdus {
            let key = Key(mac: src, appID: v.appID, id: a.svID)
            let known = sv[key]
            var anomalies = Self.secondPublisher(&svPublishers, a.svID, src, newStream: known == nil)
            guard var s = known else {
                sv[key] = SVStream(confRev: a.confRev, smpSynch: a.smpSynch, lastSmpCnt: a.smpCnt, frames: 0,
                                   firstTime: time, firstPacket: packet, lastTime: time, lastPacket: packet, dst: dst, vlan: vlan)
                out(svEvent(v, a, anomalies.isEmpty ? "ics.sv.stream" : "ics.sv.anomaly", anomalies, src: src, dst: dst,
                            vlan: vlan, time: time, packet: packet))
                continue
            }
            if let c = a.confRev, let l = s.confRev, c != l { anomalies.append(("configuration_changed", "confRev changed from \(l) to \(c)")) }
            if let now = a.smpSynch, let was = s.smpSynch, now == 0, was != 0 {
                anomalies.append(("time_source_lost", "smpSynch went from \(was) to 0: the merging unit lost its time source"))
            }
            if let c = a.smpCnt, let l = s.lastSmpCnt, c != l + 1, c != 0 { s.gaps += 1 }
            s.lastSmpCnt = a.smpCnt
            s.confRev = a.confRev ?? s.confRev
            s.smpSynch = a.smpSynch ?? s.smpSynch
            if !anomalies.isEmpty {
                if s.frames > 0 { out(svSummary(key, &s)) }
                sv[key] = s
                out(svEvent(v, a, "ics.sv.anomaly", anomalies, src: src, dst: dst, vlan: vlan, time: time, packet: packet))
                continue
            }
            if s.frames == 0 {
                s.firstTime = time
                s.firstPacket = packet
            }
            s.frames += 1
            s.lastTime = time
            s.lastPacket = packet
            if time - s.firstTime >= window { out(svSummary(key, &s)) }
            sv[key] = s
        }
    }

    func svEvent(_ v: GOOSE.SampledValues, _ a: GOOSE.SampledValues.ASDU, _ kind: String,
                 _ anomalies: [(code: String, text: String)], src: UInt64, dst: UInt64, vlan: UInt16?, time: Int64,
                 packet: Int) -> NetMessage {
        writer.int("app_id", Int(v.appID))
        writer.string("sv_id", a.svID)
        if let x = a.datSet { writer.string("dat_set", x) }
        if let x = a.smpCnt { writer.int("smp_cnt", x) }
        if let x = a.confRev { writer.int("conf_rev", x) }
        if let x = a.smpSynch { writer.int("smp_synch", x) }
        if let x = a.smpRate { writer.int("smp_rate", x) }
        writer.int("asdus", v.asdus.count)
        if let x = vlan { writer.int("vlan", x) }
        writer.int("request_packet", packet)
        if !anomalies.isEmpty { writer.value("anomalies", .array(anomalies.map { .string($0.code) })) }
        let text = anomalies.isEmpty
            ? "SV stream \(a.svID) from \(macText(src)) (APPID 0x\(String(v.appID, radix: 16)), confRev \(a.confRev.map(String.init) ?? "?"))"
            : "SV stream \(a.svID) from \(macText(src)): " + anomalies.map(\.text).joined(separator: "; ")
        return message(kind, text, time: time, packet: packet, src: src, dst: dst)
    }

    func svSummary(_ key: Key, _ s: inout SVStream) -> NetMessage {
        writer.int("app_id", Int(key.appID))
        writer.string("sv_id", key.id)
        writer.int("frames", s.frames)
        writer.int("first_packet", s.firstPacket)
        writer.int("last_packet", s.lastPacket)
        writer.string("last_time", Timestamp(nanoseconds: s.lastTime).iso8601())
        writer.int("smp_cnt_gaps", s.gaps)
        if s.frames > 1 { writer.double("mean_interval_ms", Double(s.lastTime - s.firstTime) / Double(s.frames - 1) / 1e6) }
        if let v = s.vlan { writer.int("vlan", v) }
        let m = message("ics.sv.stream_summary",
                        "\(s.frames) × SV \(key.id) samples (routine, summarized; the sample counter skipped \(s.gaps == 1 ? "once" : "\(s.gaps) times"))",
                        time: s.firstTime, packet: s.lastPacket, src: key.mac, dst: s.dst, messages: s.frames)
        s.frames = 0
        s.gaps = 0
        return m
    }

    /// Summaries whose window has run out by `time` (every one at the end of the capture, `time` nil), in the order
    /// of the streams' ids.
    func flush(at time: Int64?, _ out: (NetMessage) -> Void) {
        for key in goose.keys.sorted(by: Self.order) {
            guard var s = goose[key], s.repeats > 0, time.map({ $0 - s.firstRepeatTime >= window }) ?? true else { continue }
            out(summary(key, &s))
            goose[key] = s
        }
        for key in sv.keys.sorted(by: Self.order) {
            guard var s = sv[key], s.frames > 0, time.map({ $0 - s.firstTime >= window }) ?? true else { continue }
            out(svSummary(key, &s))
            sv[key] = s
        }
    }

    /// The anomaly of a stream's first frame when its id already has another publisher; the id's first publisher is
    /// remembered.
    static func secondPublisher(_ publishers: inout [String: UInt64], _ id: String, _ src: UInt64,
                                newStream: Bool) -> [(code: String, text: String)] {
        guard let first = publishers[id] else {
            publishers[id] = src
            return []
        }
        return first != src && newStream ? [("second_publisher", "also published by \(macText(first))")] : []
    }

    /// A message between MAC addresses, its fields taken from `writer`.
    func message(_ kind: String, _ summary: String, time: Int64, packet: Int, src: UInt64, dst: UInt64,
                 messages: Int = 1) -> NetMessage {
        var m = NetMessage(time: time, packet: packet, domain: .ot, kind: kind, src: Self.noEndpoint, dst: Self.noEndpoint,
                           summary: summary, writer: &writer, messages: messages)
        m.link = LinkEnds(src, dst)
        return m
    }

    static let noEndpoint = NetEndpoint(IPAddress(v4: 0), 0)

    static func order(_ a: Key, _ b: Key) -> Bool { (a.id, a.mac, a.appID) < (b.id, b.mac, b.appID) }
}

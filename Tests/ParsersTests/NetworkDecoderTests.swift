import JikochoModel
@testable import Parsers
import TestSupport
import Testing

/// Each stream decoder gives the same messages whether its input comes whole, byte by byte or in random pieces
/// (NIO's ByteToMessageDecoderVerifier), and refuses lying input with a warning.
struct NetworkDecoderTests {
    static let client = NetEndpoint(IPAddress(v4: 0x0A00_0005), 40000)
    static let server = NetEndpoint(IPAddress(v4: 0x0A00_0014), 502)

    enum Feeding: String, CaseIterable { case whole, byteByByte, randomPieces }

    /// Runs a decoder over (fromClient, bytes) messages fed the given way; returns summaries with key fields.
    static func run(_ make: () -> any FlowDecoder, _ stream: [(Bool, [UInt8])], _ feeding: Feeding) -> (messages: [NetMessage], warnings: [NetWarning]) {
        let d = make()
        var out = DecodeOutput()
        var rng = SplitMix(seed: 42)
        for (i, (fromClient, bytes)) in stream.enumerated() {
            let ctx = PacketContext(packet: i + 1, time: Int64(i) * 1_000_000, src: fromClient ? client : server,
                                    dst: fromClient ? server : client, fromClient: fromClient)
            var pieces: [[UInt8]] = []
            switch feeding {
            case .whole: pieces = [bytes]
            case .byteByByte: pieces = bytes.map { [$0] }
            case .randomPieces:
                var at = 0
                while at < bytes.count {
                    let n = min(bytes.count - at, 1 + Int(rng.next() % 7))
                    pieces.append(Array(bytes[at..<(at + n)]))
                    at += n
                }
            }
            for p in pieces { p.withUnsafeBytes { d.data($0, ctx, &out) } }
        }
        d.finish(PacketContext(packet: stream.count, time: 0, src: client, dst: server, fromClient: true), &out)
        return (out.messages, out.warnings)
    }

    static func signature(_ m: [NetMessage]) -> [String] {
        m.map { "\($0.kind) \($0.summary) \($0.fields.keys.sorted()) \($0.fields["values"]?.canonicalJSON ?? "")" }
    }

    static let modbusStream: [(Bool, [UInt8])] = [
        (true, ModbusFrames.readHolding(1, address: 0, count: 3) + ModbusFrames.writeRegister(2, address: 7, value: 9)),
        (false, ModbusFrames.readResponse(1, values: [1, 2, 3])),
        (false, ModbusFrames.writeRegister(2, address: 7, value: 9)),
        (true, ModbusFrames.mbap(3, [16, 0, 10, 0, 2, 4, 0, 1, 0, 2])),
        (false, ModbusFrames.mbap(3, [0x90, 2])),
    ]

    @Test(arguments: Feeding.allCases)
    func modbusWhateverThePieces(_ feeding: Feeding) {
        let r = Self.run({ ModbusDecoder() }, Self.modbusStream, feeding)
        let whole = Self.run({ ModbusDecoder() }, Self.modbusStream, .whole)
        #expect(r.warnings.isEmpty)
        #expect(r.messages.count == 3)
        #expect(Self.signature(r.messages) == Self.signature(whole.messages))
        let ex = r.messages.first { $0.fields["exception_code"] != nil }
        #expect(ex?.fields["exception"] == "illegal_data_address" && ex?.fields["values"]?.canonicalJSON == "[1,2]")
    }

    /// A DNP3 link frame with CRCs, carrying one transport segment.
    static func dnp3Frame(_ apdu: [UInt8], fromMaster: Bool, transport: UInt8 = 0xC0, corruptCRC: Bool = false) -> [UInt8] {
        let user = [transport] + apdu
        var header: [UInt8] = [0x05, 0x64, UInt8(5 + user.count), fromMaster ? 0xC4 : 0x44] + le16(fromMaster ? 10 : 1) + le16(fromMaster ? 1 : 10)
        header += le16(DNP3.crc(header[...]))
        var body: [UInt8] = []
        var at = 0
        while at < user.count {
            let block = Array(user[at..<min(at + 16, user.count)])
            var crc = DNP3.crc(block[...])
            if corruptCRC { crc ^= 0xFFFF }
            body += block + le16(crc)
            at += 16
        }
        return header + body
    }

    static let crobSelect: [UInt8] = [0xC3, 3, 12, 1, 0x17, 1, 5, 0x41, 1] + le32(100) + le32(0) + [0]
    static let crobEcho: [UInt8] = [0xC3, 129, 0, 0, 12, 1, 0x17, 1, 5, 0x41, 1] + le32(100) + le32(0) + [0]

    @Test(arguments: Feeding.allCases)
    func dnp3WhateverThePieces(_ feeding: Feeding) {
        let stream: [(Bool, [UInt8])] = [
            (true, Self.dnp3Frame([0xC1, 1, 60, 1, 6], fromMaster: true)),
            (false, Self.dnp3Frame([0xC1, 129, 0, 0, 30, 2, 0, 0, 1, 1] + le16(300) + [1] + le16(0xFFFF), fromMaster: false)),
            (true, Self.dnp3Frame(Self.crobSelect, fromMaster: true)),
            (false, Self.dnp3Frame(Self.crobEcho, fromMaster: false)),
        ]
        let r = Self.run({ DNP3Decoder() }, stream, feeding)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        #expect(r.messages.map(\.kind) == ["ics.dnp3.read", "ics.dnp3.select"])
        let select = r.messages[1]
        guard case .array(let cmds)? = select.fields["commands"], case .object(let c)? = cmds.first else {
            Issue.record("no CROB command")
            return
        }
        #expect(c["index"] == .int(5) && c["value"] == "pulse_on+close" && c["on_time_ms"] == .int(100))
        #expect(select.fields["outcome"] == "ok")
        guard case .array(let objs)? = r.messages[0].fields["response_objects"], case .object(let o)? = objs.first,
              case .array(let pts)? = o["points"] else {
            Issue.record("no analog points")
            return
        }
        #expect(pts.count == 2)
        #expect(Self.signature(r.messages) == Self.signature(Self.run({ DNP3Decoder() }, stream, .whole).messages))
    }

    /// fuzz-dnp3-crc: a data block whose CRC is wrong is reported and still decoded (as Wireshark does).
    @Test func dnp3CRCError() {
        let stream: [(Bool, [UInt8])] = [(true, Self.dnp3Frame(Self.crobSelect, fromMaster: true, corruptCRC: true))]
        let r = Self.run({ DNP3Decoder() }, stream, .whole)
        #expect(r.warnings.map(\.text) == ["DNP3 data block CRC error; data decoded anyway"])
        #expect(r.messages.map(\.kind) == ["ics.dnp3.select"])
    }

    @Test(arguments: Feeding.allCases)
    func iec104WhateverThePieces(_ feeding: Feeding) {
        let startdt: [UInt8] = [0x68, 4, 0x07, 0, 0, 0]
        // C_SC_NA_1 act, CA 10, IOA 2, SCO on
        let command: [UInt8] = [0x68, 14, 0, 0, 0, 0, 45, 1, 6, 0, 10, 0, 2, 0, 0, 1]
        let measured: [UInt8] = [0x68, 18, 2, 0, 2, 0, 13, 1, 3, 0, 10, 0, 7, 0, 0] + le32(Float(3.5).bitPattern) + [0]
        // Its confirmation (actcon, positive), from the station.
        let confirmation: [UInt8] = [0x68, 14, 4, 0, 2, 0, 45, 1, 7, 0, 10, 0, 2, 0, 0, 1]
        let stream: [(Bool, [UInt8])] = [(true, startdt), (true, command), (false, measured), (false, confirmation)]
        let r = Self.run({ IEC104Decoder() }, stream, feeding)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        // The command waits for its confirmation and takes its outcome; the confirmation names it and is no command.
        #expect(r.messages.map(\.kind) == ["ics.iec104.startdt", "ics.iec104.monitor", "ics.iec104.single_command",
                                           "ics.iec104.single_command"])
        #expect(r.messages[1].summary == "IEC 104 M_ME_NC_1 spont CA 10 IOA 7 = 3.5")
        let (cmd, con) = (r.messages[2], r.messages[3])
        #expect(cmd.fields["outcome"] == "ok" && cmd.fields["response_packet"] != nil && cmd.fields["control"] != nil)
        #expect(con.fields["command_packet"] != nil && con.fields["control"] == nil)
        // Without one, the command leaves at the end of the flow, unanswered.
        let lone = Self.run({ IEC104Decoder() }, [(true, startdt), (true, command)], feeding)
        #expect(lone.messages.map(\.kind) == ["ics.iec104.startdt", "ics.iec104.single_command"])
        #expect(lone.messages.last?.fields["outcome"] == "no_response")
    }

    /// A station flooded with commands it never confirms: at most 64 wait; every command is still a message, each
    /// unanswered, none lost.
    @Test func iec104UnconfirmedCommandsStayBounded() {
        var stream: [(Bool, [UInt8])] = []
        for i in 0..<200 {
            // C_SC_NA_1 act, CA 10, IOA i (each its own command), SCO on
            stream.append((true, [0x68, 14] + le16(UInt16(i << 1)) + [0, 0, 45, 1, 6, 0, 10, 0] + [UInt8(i & 0xFF), UInt8(i >> 8), 0, 1]))
        }
        let decoder = IEC104Decoder()
        var out = DecodeOutput()
        var maxWaiting = 0
        for (i, (_, bytes)) in stream.enumerated() {
            let ctx = PacketContext(packet: i + 1, time: Int64(i) * 1_000_000, src: Self.client, dst: Self.server, fromClient: true)
            bytes.withUnsafeBytes { decoder.data($0, ctx, &out) }
            maxWaiting = max(maxWaiting, decoder.waiting.count)
        }
        decoder.finish(PacketContext(packet: stream.count, time: 0, src: Self.client, dst: Self.server, fromClient: true), &out)
        #expect(maxWaiting == IEC104Decoder.maxWaiting && decoder.waiting.isEmpty)
        #expect(out.messages.count == 200 && out.messages.allSatisfy { $0.fields["outcome"] == "no_response" })
        #expect(Set(out.messages.map(\.packet)) == Set(1...200))
    }

    @Test(arguments: Feeding.allCases)
    func s7WhateverThePieces(_ feeding: Feeding) {
        func tpkt(_ s7: [UInt8]) -> [UInt8] { [3, 0] + be16(UInt16(7 + s7.count)) + [2, 0xF0, 0x80] + s7 }
        let cr: [UInt8] = [3, 0, 0, 22, 17, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2]
        let cc: [UInt8] = [3, 0, 0, 22, 17, 0xD0, 0, 1, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2]
        let stop = tpkt([0x32, 1, 0, 0, 0x05, 0x00, 0, 16, 0, 0, 0x29, 0, 0, 0, 0, 0, 9] + Array("P_PROGRAM".utf8))
        let ack = tpkt([0x32, 3, 0, 0, 0x05, 0x00, 0, 1, 0, 0, 0, 0, 0x29])
        let stream: [(Bool, [UInt8])] = [(true, cr), (false, cc), (true, stop), (false, ack)]
        let r = Self.run({ TPKTDecoder() }, stream, feeding)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        #expect(r.messages.map(\.kind) == ["ics.s7.cotp_connect", "ics.s7.plc_stop"])
        #expect(r.messages[0].fields["rack"] == .int(0) && r.messages[0].fields["slot"] == .int(2))
        #expect(r.messages[1].fields["outcome"] == "ok" && r.messages[1].fields["pi_service"] == "P_PROGRAM")
    }

    @Test func macAddressesAreWrittenAsWiresharkShowsThem() {
        #expect(macText(0x001A_2B3C_4D5E) == "00:1a:2b:3c:4d:5e")
        #expect(macText(0) == "00:00:00:00:00:00")
        #expect(macText(0xFFFF_FFFF_FFFF) == "ff:ff:ff:ff:ff:ff")
        #expect(macText(0xFFFF_0000_0000_0001) == "00:00:00:00:00:01")    // bits above 48 ignored
        #expect(Endpoint(ip: "fe80::1", port: 502).description == "[fe80::1]:502")
        #expect(Endpoint(ip: "10.0.0.5", port: 502).description == "10.0.0.5:502")
    }

    /// A message names its user when a decoder gave one, whichever way its fields were written.
    @Test func aMessageNamesItsUser() {
        var w = AttributeWriter()
        w.string("user", "operator")
        let written = NetMessage(time: 0, packet: 1, domain: .network, kind: "x.y", src: Self.client, dst: Self.server,
                                 summary: "", writer: &w)
        #expect(written.user == "operator")
        w.int("port", 1)
        #expect(NetMessage(time: 0, packet: 1, domain: .network, kind: "x.y", src: Self.client, dst: Self.server,
                           summary: "", writer: &w).user == nil)
        #expect(NetMessage(time: 0, packet: 1, domain: .network, kind: "x.y", src: Self.client, dst: Self.server,
                           summary: "", fields: ["user": "vendor"]).user == "vendor")
        #expect(NetMessage(time: 0, packet: 1, domain: .network, kind: "x.y", src: Self.client, dst: Self.server,
                           summary: "", fields: ["user": ""]).user == nil)
    }

    /// Two BACnet devices behind one router (MS/TP addresses 29 and 108 on network 3), written to with the same
    /// invoke id before either answers: each request meets its own device's answer, and each event names its device
    /// (`bacnet:net:3:mac:29`); a request to the router's own network names none.
    @Test func bacnetRequestsToDevicesBehindARouterMeetTheirOwnAnswers() {
        func datagram(_ npdu: [UInt8], _ apdu: [UInt8]) -> [UInt8] {
            let body = npdu + apdu
            return [0x81, 0x0A, UInt8((body.count + 4) >> 8), UInt8((body.count + 4) & 0xFF)] + body
        }
        let write: [UInt8] = [0x0C, 0x00, 0x80, 0x00, 0x03, 0x19, 0x55, 0x3E, 0x44] + withUnsafeBytes(of: Float(95).bitPattern.bigEndian, Array.init)
            + [0x3F, 0x49, 0x08]
        func request(to mac: UInt8?, invoke: UInt8) -> [UInt8] {
            datagram(mac.map { [0x01, 0x24, 0x00, 0x03, 0x01, $0, 0xFF] } ?? [0x01, 0x04], [0x00, 0x05, invoke, 15] + write)
        }
        func ack(from mac: UInt8?, invoke: UInt8) -> [UInt8] {
            datagram(mac.map { [0x01, 0x08, 0x00, 0x03, 0x01, $0] } ?? [0x01, 0x00], [0x20, invoke, 15])
        }
        let stream: [(Bool, [UInt8])] = [
            (true, request(to: 29, invoke: 5)), (true, request(to: 108, invoke: 5)),
            (false, ack(from: 108, invoke: 5)), (false, ack(from: 29, invoke: 5)),
            (true, request(to: nil, invoke: 5)), (false, ack(from: nil, invoke: 5)),
        ]
        let r = Self.run({ BACnetDecoder() }, stream, .whole)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        let seen = r.messages.filter { $0.kind == "ics.bacnet.write_property" }.map {
            "\($0.fields["station"]?.text ?? "-") \($0.fields["request_packet"]?.text ?? "?")→\($0.fields["response_packet"]?.text ?? "none")"
        }
        #expect(seen == ["bacnet:net:3:mac:108 2→3", "bacnet:net:3:mac:29 1→4", "- 5→6"], "\(seen)")    // as answered
        #expect(Station.canonical("bacnet:3:108") == "bacnet:net:3:mac:108")
        #expect(Station.canonical("BACnet:net:7:mac:0x0A000001BAC0") == "bacnet:net:7:mac:0x0a000001bac0")
        for bad in ["bacnet:net:0:mac:1", "bacnet:net:65535:mac:1", "bacnet:net:3:mac:256", "bacnet:3:0x0a",
                    "bacnet:3:0xzz12", "bacnet:net:3", "bacnet:3:-1"] {
            #expect(Station.canonical(bad) == nil, "\(bad)")
        }
    }

    /// EtherNet/IP to a ControlLogix chassis through its Ethernet module: a Forward Open to the controller in slot 2,
    /// a Logix tag write on that connection (SendUnitData: the connection id the Forward Open's reply gave, no route
    /// of its own), and a write by Unconnected Send routed to slot 3. Each names its controller's station
    /// (`cip:route:1:2`, `cip:route:1:3`); a connected message on a connection whose Forward Open the capture does not
    /// hold names none.
    @Test(arguments: Feeding.allCases)
    func cipMessagesNameTheControllerTheyAreRoutedTo(_ feeding: Feeding) {
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func frame(_ command: UInt16, session: UInt32, context: UInt8, _ body: [UInt8]) -> [UInt8] {
            le16(command) + le16(UInt16(body.count)) + le32(session) + le32(0) + [context, 0, 0, 0, 0, 0, 0, 0] + le32(0) + body
        }
        func rr(_ context: UInt8, _ cip: [UInt8]) -> [UInt8] {
            frame(0x006F, session: 7, context: context,
                  le32(0) + le16(0) + le16(2) + le16(0) + le16(0) + le16(0x00B2) + le16(UInt16(cip.count)) + cip)
        }
        /// SendUnitData on a connection: its id, then the sequence number and the CIP message.
        func unit(_ connection: UInt32, _ sequence: UInt16, _ cip: [UInt8]) -> [UInt8] {
            frame(0x0070, session: 7, context: 0, le32(0) + le16(0) + le16(2) + le16(0x00A1) + le16(4) + le32(connection)
                  + le16(0x00B1) + le16(UInt16(2 + cip.count)) + le16(sequence) + cip)
        }
        let tag: [UInt8] = [0x91, 7] + Array("Dose_SP".utf8) + [0]
        let write: [UInt8] = [0x4D, UInt8(tag.count / 2)] + tag + [0xCA, 0x00] + le16(1) + le32(Float(95).bitPattern)
        let written: [UInt8] = [0xCD, 0, 0, 0]
        // Forward Open: class 6 instance 1; O→T and T→O ids the originator proposes, serials, RPIs, the connection
        // path (port 1 slot 2, then the message router); the reply gives the O→T id the originator then uses.
        let connectionPath: [UInt8] = [0x01, 0x02, 0x20, 0x02, 0x24, 0x01]
        let forwardOpen: [UInt8] = [0x54, 2, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x0E] + le32(0) + le32(0x0000_BEEF) + le16(0x51)
            + le16(0x0001) + le32(0x1234_5678) + [3, 0, 0, 0] + le32(500_000) + le16(0x43F8) + le32(500_000) + le16(0x43F8)
            + [0xA3, UInt8(connectionPath.count / 2)] + connectionPath
        let opened: [UInt8] = [0xD4, 0, 0, 0] + le32(0x1122_3344) + le32(0x0000_BEEF) + le16(0x51) + le16(0x0001)
            + le32(0x1234_5678) + le32(500_000) + le32(500_000) + [0, 0]
        // Unconnected Send to the controller in slot 3: the embedded write, then the route.
        let viaSlot3: [UInt8] = [0x52, 2, 0x20, 0x06, 0x24, 0x01, 0x0A, 0x05] + le16(UInt16(write.count)) + write
            + (write.count % 2 == 1 ? [0] : []) + [1, 0, 0x01, 0x03]
        let stream: [(Bool, [UInt8])] = [
            (true, rr(1, forwardOpen)), (false, rr(1, opened)),
            (true, unit(0x1122_3344, 1, write)), (false, unit(0x0000_BEEF, 1, written)),
            (true, rr(2, viaSlot3)), (false, rr(2, written)),
            (true, unit(0x0999_0001, 1, write)), (false, unit(0x0000_0002, 1, written)),
        ]
        let r = Self.run({ ENIPDecoder() }, stream, feeding)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        let stations = r.messages.map { "\($0.kind) \($0.fields["station"]?.text ?? "-")" }
        #expect(stations == ["ics.cip.forward_open cip:route:1:2", "ics.cip.write_tag cip:route:1:2",
                             "ics.cip.write_tag cip:route:1:3", "ics.cip.write_tag -"], "\(stations)")
    }

    /// EtherNet/IP: a session refused by the device, a read answered, and a reply whose request the capture does not
    /// hold (it began after it): each exchange one message with its packets, the refusal an error, the orphan
    /// saying what it is.
    @Test(arguments: Feeding.allCases)
    func enipWhateverThePieces(_ feeding: Feeding) {
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func frame(_ command: UInt16, session: UInt32, status: UInt32 = 0, context: UInt8, _ body: [UInt8]) -> [UInt8] {
            le16(command) + le16(UInt16(body.count)) + le32(session) + le32(status) + [context, 0, 0, 0, 0, 0, 0, 0]
                + le32(0) + body
        }
        /// SendRRData with one unconnected CIP message.
        func rr(session: UInt32, context: UInt8, _ cip: [UInt8]) -> [UInt8] {
            frame(0x006F, session: session, context: context,
                  le32(0) + le16(0) + le16(2) + le16(0) + le16(0) + le16(0x00B2) + le16(UInt16(cip.count)) + cip)
        }
        // Get_Attribute_Single of class 1 (identity), instance 1, attribute 7, and its answer.
        let read: [UInt8] = [0x0E, 3, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07]
        let answer: [UInt8] = [0x8E, 0, 0, 0, 0x05, 0x00]
        let stream: [(Bool, [UInt8])] = [
            (true, frame(0x0065, session: 0, context: 1, le16(1) + le16(0))),
            (false, frame(0x0065, session: 0, status: 0x69, context: 1, le16(1) + le16(0))),
            (true, rr(session: 7, context: 2, read)),
            (false, rr(session: 7, context: 2, answer)),
            (false, rr(session: 7, context: 9, answer)),
        ]
        let r = Self.run({ ENIPDecoder() }, stream, feeding)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        let whole = Self.run({ ENIPDecoder() }, stream, .whole)
        #expect(Self.signature(r.messages) == Self.signature(whole.messages))
        let refused = r.messages.first { $0.kind == "ics.enip.register_session" }
        #expect(refused?.fields["outcome"] == "error" && refused?.fields["encapsulation_status"] == .int(0x69))
        #expect(refused?.fields["request_packet"] == .int(1) && refused?.fields["response_packet"] == .int(2))
        let reads = r.messages.filter { $0.kind == "ics.cip.get_attribute_single" }
        let orphan = reads.first { $0.fields["note"] != nil }
        #expect(orphan?.fields["note"] == "reply without a request in the capture")
        #expect(orphan?.fields["response_packet"] == .int(5) && orphan?.fields["request_packet"] == nil)
        #expect(orphan?.fields["command_name"] == "send_rr_data" && orphan?.fields["session"] == .int(7))
        // The answered read (a routine the analyzer counts in a summary; alone here, a message with both packets).
        let answered = reads.first { $0.fields["note"] == nil }
        #expect(reads.count == 2 && r.messages.count == 3)
        #expect(answered?.fields["request_packet"] == .int(3) && answered?.fields["response_packet"] == .int(4))
        #expect(answered?.fields["outcome"] == "ok" && answered?.fields["messages"] == .int(2))
        #expect(answered?.fields["class"] == .int(1) && answered?.fields["attribute"] == .int(7))
    }

    /// SSH: the two identification lines (a line the server may send before its own, RFC 4253 4.2), one session.
    @Test(arguments: Feeding.allCases)
    func sshBannersWhateverThePieces(_ feeding: Feeding) {
        let stream: [(Bool, [UInt8])] = [
            (false, Array("Welcome to the plant gateway\r\nSSH-2.0-dropbear_2020.81\r\n".utf8)),
            (true, Array("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n".utf8)),
            (true, [0, 0, 1, 0x2C, 10, 20]),
        ]
        let r = Self.run({ SSHDecoder() }, stream, feeding)
        #expect(r.warnings.isEmpty)
        #expect(r.messages.map(\.kind) == ["ssh.session"])
        let m = r.messages.first
        #expect(m?.fields["client_version"] == "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3")
        #expect(m?.fields["server_version"] == "SSH-2.0-dropbear_2020.81")
        #expect(m?.fields["response_packet"] == .int(1) && m?.fields["request_packet"] == .int(2))
        #expect(m?.fields["outcome"] == "ok" && m?.fields["messages"] == .int(2) && m?.packet == 1)
        #expect(m?.summary == "SSH SSH-2.0-OpenSSH_8.9p1 Ubuntu-3 → SSH-2.0-dropbear_2020.81")
    }

    /// VNC (RFB, RFC 6143): who took a screen and whether the server let them, whatever the pieces; refusals with
    /// their reasons; a 3.3 server that chooses the security itself; a handshake cut short.
    @Test(arguments: Feeding.allCases)
    func vncSessionsWhateverThePieces(_ feeding: Feeding) {
        let v38 = Array("RFB 003.008\n".utf8), v33 = Array("RFB 003.003\n".utf8)
        func text(_ s: String) -> [UInt8] { be32(UInt32(s.utf8.count)) + Array(s.utf8) }
        let serverInit = be16(1280) + be16(800) + [UInt8](repeating: 0, count: 16) + text("HMI-1 console")
        let challenge = [UInt8](repeating: 7, count: 16)
        // Accepted, the result and ServerInit in one segment.
        let ok = Self.run({ RFBDecoder() }, [(false, v38), (true, v38), (false, [2, 1, 2]), (true, [2]), (false, challenge),
                                             (true, challenge), (false, [0, 0, 0, 0] + serverInit), (true, [1])], feeding)
        #expect(ok.warnings.isEmpty)
        #expect(ok.messages.map(\.kind) == ["remote.control_start"])
        let m = ok.messages.first
        #expect(m?.fields["security"] == "vnc" && m?.fields["security_offered"]?.canonicalJSON == #"["none","vnc"]"#)
        #expect(m?.fields["desktop"] == "HMI-1 console" && m?.fields["width"] == .int(1280) && m?.fields["outcome"] == "ok")
        #expect(m?.src == Self.client && m?.dst == Self.server && m?.packet == 7)
        #expect(m?.summary == #"VNC (RFB 003.008) session opened, security vnc, desktop "HMI-1 console""#)
        // A wrong password: refused, with the server's reason.
        let bad = Self.run({ RFBDecoder() }, [(false, v38), (true, v38), (false, [1, 2]), (true, [2]), (false, challenge),
                                              (true, challenge), (false, [0, 0, 0, 1] + text("Authentication failed"))], feeding)
        #expect(bad.messages.map(\.kind) == ["remote.control_failed"])
        #expect(bad.messages.first?.fields["reason"] == "Authentication failed" && bad.messages.first?.fields["security_result"] == .int(1))
        // No security type offered: the server refuses at once.
        let refused = Self.run({ RFBDecoder() }, [(false, v38), (true, v38), (false, [0] + text("Too many security failures"))], feeding)
        #expect(refused.messages.map(\.kind) == ["remote.control_failed"])
        #expect(refused.messages.first?.summary.hasSuffix("Too many security failures") == true)
        // RFB 3.3: the server names the security type (None), no result follows, ServerInit does.
        let old = Self.run({ RFBDecoder() }, [(false, v33), (true, v33), (false, [0, 0, 0, 1]), (true, [0]), (false, serverInit)], feeding)
        #expect(old.messages.map(\.kind) == ["remote.control_start"])
        #expect(old.messages.first?.fields["security"] == "none")
        // Cut short after the versions: an attempt, said at the flow's end.
        let cut = Self.run({ RFBDecoder() }, [(false, v38), (true, v38), (false, [2, 1])], feeding)
        #expect(cut.messages.map(\.kind) == ["remote.control_attempt"])
        #expect(cut.messages.first?.fields["outcome"] == "no_response")
        // A lying name length does not read past what was sent.
        let lying = Self.run({ RFBDecoder() }, [(false, v38), (true, v38), (false, [1, 1]), (true, [1]),
                                                (false, [0, 0, 0, 0] + be16(1) + be16(1) + [UInt8](repeating: 0, count: 16) + [0xFF, 0xFF, 0xFF, 0xFF, 0x41])], feeding)
        #expect(lying.messages.map(\.kind) == ["remote.control_start"] && lying.messages.first?.fields["desktop"] == nil)
    }

    /// Decoders given random bytes, whole and in pieces: no crash, bounded output.
    @Test func randomBytesDoNotCrashDecoders() {
        var rng = SplitMix(seed: 7)
        let makers: [() -> any FlowDecoder] = [{ ModbusDecoder() }, { DNP3Decoder() }, { IEC104Decoder() }, { TPKTDecoder() },
                                               { ENIPDecoder() }, { ENIPDecoder(datagrams: true) }, { TLSDecoder() }, { SSHDecoder() },
                                               { RFBDecoder() }]
        for make in makers {
            for round in 0..<200 {
                let n = Int(rng.next() % 600)
                var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                // Make some rounds start like the real thing so the deeper code runs.
                if round % 2 == 0, bytes.count > 8 {
                    bytes[0] = [0x00, 0x05, 0x68, 0x03][round / 2 % 4]
                    bytes[1] = [0x01, 0x64, 0x0E, 0x00][round / 2 % 4]
                }
                let r = Self.run(make, [(true, bytes), (false, bytes)], round % 3 == 0 ? .byteByByte : .randomPieces)
                #expect(r.messages.count <= 400)
            }
        }
    }
}

/// A small deterministic generator for tests.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

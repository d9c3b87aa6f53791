import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Captures that lie, are cut short or never end: each a named fixture built here, read without a crash or a
/// hang, with warnings that name the packet.
struct PcapHostileTests {
    let client = PcapBuilder.Host([10, 0, 0, 5], 40000, mac: 5)
    let plc = PcapBuilder.Host([10, 0, 0, 20], 502, mac: 20)

    func collect(_ b: PcapBuilder, options: [String: String] = [:]) throws -> MemorySink {
        let tmp = TempDir()
        let path = tmp.path + "/capture.pcap"
        try b.write(to: path)
        return try collectPcap(path: path, options: options)
    }

    @Test func modbusWriteIsOneEventWithItsValueAndResponse() throws {
        var b = PcapBuilder()
        b.conversation(client, plc, [(true, ModbusFrames.writeRegister(7, address: 99, value: 4242)),
                                     (false, ModbusFrames.writeRegister(7, address: 99, value: 4242))])
        let sink = try collect(b)
        #expect(sink.warnings.isEmpty)
        let writes = sink.events.filter { $0.kind == "ics.modbus.write" }
        #expect(writes.count == 1)
        let w = try #require(writes.first)
        #expect(w.src.ip == "10.0.0.5" && w.dst.ip == "10.0.0.20" && w.dst.port == 502)
        #expect(w.int("address") == 99 && w.list("values") == "4242" && w.string("ref") == "holding:40100")
        #expect(w.string("outcome") == "ok" && w.int("messages") == 2)
        #expect(w.provenance.locator == "packet 4")
        #expect(sink.events.filter { $0.kind == "net.flow" }.count == 1)
    }

    /// fuzz-modbus-len0 / fuzz-modbus-len65535: the MBAP length lies; the frame is refused with a warning and
    /// framing starts again with the next segment.
    @Test(arguments: [0, 1, 255, 65535])
    func modbusLengthThatLies(_ length: Int) throws {
        var b = PcapBuilder()
        b.conversation(client, plc, [(true, ModbusFrames.mbap(1, [6, 0, 1, 0, 2], length: UInt16(length))),
                                     (true, ModbusFrames.writeRegister(2, address: 5, value: 6)),
                                     (false, ModbusFrames.writeRegister(2, address: 5, value: 6))])
        let sink = try collect(b)
        let w = sink.warnings.filter { $0.text.contains("Modbus/TCP length \(length) outside 2…254") }
        #expect(w.count == 1 && w.first?.locator == "packet 4", "\(sink.warnings)")
        #expect(sink.events.filter { $0.kind == "ics.modbus.write" }.map { $0.int("address") } == [5])
    }

    /// fuzz-pcap-cut-mid-record: the file ends inside a packet record.
    @Test func captureEndingMidRecord() throws {
        var b = PcapBuilder()
        b.conversation(client, plc, [(true, ModbusFrames.writeRegister(1, address: 1, value: 1))], close: false)
        var bytes = b.bytes
        bytes += le32(1_700_000_001) + le32(0) + le32(60) + le32(60) + [UInt8](repeating: 0xAB, count: 20)
        let tmp = TempDir()
        let path = tmp.file("cut.pcap", bytes)
        let sink = try collectPcap(path: path)
        #expect(sink.warnings.contains { $0.locator == "packet 5" && $0.text.contains("damaged record") }, "\(sink.warnings)")
        #expect(sink.events.contains { $0.kind == "ics.modbus.write" })
    }

    /// fuzz-pcapng-absurd-block: a pcapng block that claims 2 GiB.
    @Test func pcapngBlockOfAbsurdLength() throws {
        var shb: [UInt8] = le32(0x0A0D_0D0A) + le32(28) + le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8) + le32(28)
        shb += le32(1) + le32(20) + le16(1) + le16(0) + le32(65535) + le32(20)   // interface description block
        shb += le32(6) + le32(0x7FFF_FFF0) + [UInt8](repeating: 0, count: 40)     // enhanced packet block, absurd length
        let tmp = TempDir()
        let sink = try collectPcap(path: tmp.file("absurd.pcapng", shb))
        #expect(!sink.warnings.isEmpty, "the absurd block is reported")
        #expect(sink.events.isEmpty)
    }

    /// fuzz-snaplen-cut: packets stored with 60 of their bytes: the cut is counted and its stream has a gap.
    @Test func snapLengthCut() throws {
        var b = PcapBuilder(snapLength: 60)
        let big = ModbusFrames.mbap(1, [16, 0, 0, 0, 40, 80] + [UInt8](repeating: 7, count: 80))
        b.conversation(client, plc, [(true, big)])
        let tmp = TempDir()
        let path = tmp.path + "/snap.pcap"
        var cut = PcapBuilder(snapLength: 60)
        for (i, frame) in recordsOf(b.bytes).enumerated() {
            cut.record(frame, seconds: 1_700_000_000, micros: UInt32(i), captured: 60)
        }
        try cut.write(to: path)
        let sink = try collectPcap(path: path)
        #expect(sink.warnings.contains { $0.locator == "packet 4" && $0.text.contains("snap length") }, "\(sink.warnings)")
        let flow = try #require(sink.events.first { $0.kind == "net.flow" })
        #expect(flow.int("truncated_packets") == 1)
    }

    /// fuzz-tcp-never-closes: a stream whose first segment is lost, then 3 MiB of segments that can never be put
    /// in order. Memory stays bounded by the per-stream limit; the hole is reported as a gap.
    @Test func streamThatNeverCloses() throws {
        var b = PcapBuilder()
        b.record(PcapBuilder.tcp(client, plc, seq: 1, flags: 0x02), seconds: 1_700_000_000)
        b.record(PcapBuilder.tcp(plc, client, seq: 9, ack: 2, flags: 0x12), seconds: 1_700_000_000)
        var seq: UInt32 = 2 + 100   // the first 100 bytes never arrive
        for i in 0..<3000 {
            b.record(PcapBuilder.tcp(client, plc, seq: seq, payload: [UInt8](repeating: UInt8(i & 0xFF), count: 1000)),
                     seconds: 1_700_000_001)
            seq &+= 1000
        }
        let sink = try collect(b, options: ["max-stream-pending": "65536"])
        let flow = try #require(sink.events.first { $0.kind == "net.flow" })
        #expect(flow.int("gaps") ?? 0 >= 1)
        #expect(flow.string("state") == "open")
        #expect(sink.warnings.contains { $0.text.contains("bytes never arrived") })
    }

    /// fuzz-ip-fragments: a Modbus write split into two IPv4 fragments, plus a conflicting overlap elsewhere.
    @Test func ipFragmentsAreReassembled() throws {
        let payload = ModbusFrames.writeRegister(3, address: 10, value: 77)
        let tcpHeader = be16(client.port) + be16(plc.port) + be32(100) + be32(0) + [0x50, 0x18] + be16(65535) + [0, 0, 0, 0]
        let l4 = tcpHeader + payload
        let first = PcapBuilder.ethernet(client, plc, PcapBuilder.ipv4(client.ip, plc.ip, proto: 6, payload: Array(l4[0..<24]),
                                                                        id: 9, moreFragments: true))
        let second = PcapBuilder.ethernet(client, plc, PcapBuilder.ipv4(client.ip, plc.ip, proto: 6, payload: Array(l4[24...]),
                                                                         id: 9, fragmentOffset: 24))
        var b = PcapBuilder()
        b.record(second, seconds: 1_700_000_000)
        b.record(first, seconds: 1_700_000_000, micros: 5)
        let sink = try collect(b)
        let w = try #require(sink.events.first { $0.kind == "ics.modbus.write" })
        #expect(w.int("address") == 10 && w.list("values") == "77")
    }

    /// Out-of-order and retransmitted segments are put back in order; the first copy of overlapping bytes wins.
    @Test func reorderedAndRetransmittedSegments() throws {
        let m1 = ModbusFrames.writeRegister(1, address: 1, value: 11), m2 = ModbusFrames.writeRegister(2, address: 2, value: 22)
        var b = PcapBuilder()
        b.record(PcapBuilder.tcp(client, plc, seq: 1, flags: 0x02), seconds: 1_700_000_000)
        b.record(PcapBuilder.tcp(client, plc, seq: 2 + 12, payload: m2), seconds: 1_700_000_000, micros: 1)
        b.record(PcapBuilder.tcp(client, plc, seq: 2, payload: m1), seconds: 1_700_000_000, micros: 2)
        // A retransmission after the sender's timeout (the same bytes within 2 ms would be a capture's copy).
        b.record(PcapBuilder.tcp(client, plc, seq: 2, payload: m1), seconds: 1_700_000_000, micros: 200_002)
        let sink = try collect(b)
        let writes = sink.events.filter { $0.kind == "ics.modbus.write" }
        #expect(writes.compactMap { $0.int("address") }.sorted() == [1, 2])
        let flow = try #require(sink.events.first { $0.kind == "net.flow" })
        #expect(flow.int("retransmitted_bytes") == 12)
    }

    /// A busy HMI polling the same registers: one event for the first poll, one summary for the rest, and every
    /// message counted.
    @Test func routinePollsAreSummarized() throws {
        var msgs: [(Bool, [UInt8])] = []
        for i in 0..<500 {
            msgs.append((true, ModbusFrames.readHolding(UInt16(i), address: 0, count: 2)))
            msgs.append((false, ModbusFrames.readResponse(UInt16(i), values: [UInt16(i / 100), 5])))
        }
        msgs.append((true, ModbusFrames.writeRegister(999, address: 0, value: 1)))
        msgs.append((false, ModbusFrames.writeRegister(999, address: 0, value: 1)))
        var b = PcapBuilder()
        b.conversation(client, plc, msgs.map { (fromClient: $0.0, bytes: $0.1) })
        let sink = try collect(b)
        let modbus = sink.events.filter { $0.kind.hasPrefix("ics.modbus.") }
        #expect(modbus.map(\.kind).sorted() == ["ics.modbus.read", "ics.modbus.read_summary", "ics.modbus.write"])
        let summary = try #require(modbus.first { $0.kind == "ics.modbus.read_summary" })
        #expect(summary.int("repeats") == 499 && summary.int("value_changes") == 4)
        #expect(modbus.reduce(0) { $0 + ($1.int("messages") ?? 0) } == 1002)
        let all = try collect(b, options: ["aggregate": "off"])
        #expect(all.events.filter { $0.kind == "ics.modbus.read" }.count == 500)
    }

    /// Frames of a classic pcap, for rewriting.
    func recordsOf(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var at = 24
        while at + 16 <= bytes.count {
            let n = Int(bytes[at + 8]) | Int(bytes[at + 9]) << 8 | Int(bytes[at + 10]) << 16 | Int(bytes[at + 11]) << 24
            out.append(Array(bytes[(at + 16)..<(at + 16 + n)]))
            at += 16 + n
        }
        return out
    }
}

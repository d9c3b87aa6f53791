import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

/// The capture collector splits a capture's flows among workers (each flow's decoder, routine summaries and events on
/// one worker) while one thread reads the packets, keeps the flow table and reassembles TCP; the outputs are put back
/// in the order one thread gives. This capture is made to work every decision the reading thread takes for the flows:
/// more flows than `max-flows` (the least recently active closed early), TCP holes that outgrow the per-stream and the
/// whole reassembly limits, flows idle past the timeout and then active again, closed connections whose ports are
/// reused, UDP conversations no decoder claims, and flows still open at the end.
struct PcapWorkersTests {
    static func capture(seed: UInt64) -> PcapBuilder {
        var rng = SplitMix(seed: seed)
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        typealias Frame = [UInt8]
        var conversations: [[Frame]] = []
        for c in 0..<90 {
            let client = PcapBuilder.Host([10, 0, UInt8(c / 50), UInt8(10 + c % 50)], UInt16(40_000 + c % 7), mac: UInt8(c % 200 + 1))
            let server = PcapBuilder.Host([10, 1, 0, UInt8(1 + c % 4)], 502, mac: 250)
            if c % 15 == 7 {
                // A UDP conversation nothing decodes.
                conversations.append((0..<(3 + below(6))).map { i in
                    (PcapBuilder.udp(i % 2 == 0 ? client : server, i % 2 == 0 ? server : client,
                                     payload: (0..<(8 + below(40))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
                })
                continue
            }
            var frames: [Frame] = []
            var cseq: UInt32 = 1000 + UInt32(c), sseq: UInt32 = 9000
            frames.append(PcapBuilder.tcp(client, server, seq: cseq, flags: 0x02))
            frames.append(PcapBuilder.tcp(server, client, seq: sseq, ack: cseq + 1, flags: 0x12))
            cseq += 1
            sseq += 1
            let requests = c % 11 == 3 ? 110 : 2 + below(12)
            let hole = c % 11 == 3 || c % 13 == 5 ? 1 + below(3) : -1
            for t in 0..<requests {
                let tid = UInt16(t + 1)
                let request = t % 5 == 4
                    ? ModbusFrames.writeRegister(tid, address: UInt16(below(20)), value: UInt16(below(500)))
                    : ModbusFrames.readHolding(tid, address: UInt16(below(4) * 10), count: 2)
                if t != hole {
                    frames.append(PcapBuilder.tcp(client, server, seq: cseq, ack: sseq, payload: request))
                }
                cseq &+= UInt32(request.count)
                let answer = t % 5 == 4 ? request : ModbusFrames.readResponse(tid, values: [UInt16(below(3)), 7])
                frames.append(PcapBuilder.tcp(server, client, seq: sseq, ack: cseq, payload: answer))
                sseq &+= UInt32(answer.count)
            }
            switch c % 4 {
            case 0:
                frames.append(PcapBuilder.tcp(client, server, seq: cseq, ack: sseq, flags: 0x11))
                frames.append(PcapBuilder.tcp(server, client, seq: sseq, ack: cseq + 1, flags: 0x11))
            case 1: frames.append(PcapBuilder.tcp(server, client, seq: sseq, flags: 0x04))
            default: break    // still open at the end, or idle
            }
            conversations.append(frames)
        }
        // The conversations interleaved at random, each in its own order; now and then the clock jumps past the idle
        // timeout, and closed conversations come back on the same ports.
        var capture = PcapBuilder()
        var next = [Int](repeating: 0, count: conversations.count)
        var live = Array(0..<min(12, conversations.count)), waiting = Array(live.count..<conversations.count)
        var clock: UInt64 = 1_700_000_000_000_000
        var reused: Set<Int> = []
        while !live.isEmpty {
            let pick = below(live.count), c = live[pick]
            clock += UInt64(1 + below(400_000))
            if below(3_000) == 0 { clock += 700_000_000 }    // 11+ minutes of silence
            capture.record(conversations[c][next[c]], seconds: UInt32(clock / 1_000_000), micros: UInt32(clock % 1_000_000))
            next[c] += 1
            if next[c] == conversations[c].count {
                live.remove(at: pick)
                if !waiting.isEmpty { live.append(waiting.removeFirst()) }
                if c % 9 == 0, c < 60, !reused.contains(c) {    // the same ports again, once: a new connection
                    reused.insert(c)
                    next[c] = 0
                    live.append(c)
                }
            }
        }
        return capture
    }

    @Test(arguments: [20_261_204, 7, 99])
    func workersGiveWhatOneThreadGives(seed: UInt64) throws {
        let tmp = TempDir()
        let path = try tmp.file("flows.pcap", Self.capture(seed: seed).bytes)
        let options = ["max-flows": "24", "max-reassembly-bytes": "1000", "max-stream-pending": "1500"]
        let one = try collectPcap(path: path, options: options, threads: 1)
        let texts = one.warnings.map(\.text)
        // The capture does what it was made for.
        #expect(texts.contains { $0.contains("more than 24 flows open at once") })
        #expect(texts.contains { $0.contains("TCP reassembly holds more than 1000 bytes") })
        #expect(texts.contains { $0.contains("bytes never arrived") })
        #expect(one.events.filter { $0.kind == "net.flow" }.count > 90)
        #expect(one.events.contains { $0.kind.hasPrefix("ics.modbus.") && $0.kind.hasSuffix("_summary") })
        for threads in [2, 3, 4] {
            let many = try collectPcap(path: path, options: options, threads: threads)
            #expect(many.events == one.events, "seed \(seed) × \(threads) threads: events differ")
            #expect(many.warnings == one.warnings, "seed \(seed) × \(threads) threads: warnings differ")
        }
    }
}

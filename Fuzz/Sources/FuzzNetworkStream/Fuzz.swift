import Parsers

/// A conversation with any protocol decoder: the first byte picks the server port (and so the decoder when the
/// content does not say), then pieces [flags][length][bytes] are wrapped in Ethernet/IPv4/TCP (or UDP) packets with
/// sequence numbers that may go back, skip or repeat, and fed to the analyzer: TCP reassembly, protocol detection,
/// every stream and datagram decoder, pairing and routine summaries. The same packets also go to an analyzer whose
/// flows' work is recorded for two workers and run chunk by chunk: it must give as many outputs, in the same order of
/// kinds (messages, flows, warnings) as the one that does the work at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let b = UnsafeRawBufferPointer(start: start, count: count)
    guard count > 1 else { return 0 }
    let ports: [(UInt16, UInt8)] = [(502, 6), (102, 6), (20000, 6), (2404, 6), (44818, 6), (4840, 6), (80, 6), (443, 6),
                                    (445, 6), (22, 6), (53, 6), (3389, 6), (47808, 17), (53, 17), (44818, 17), (20000, 17),
                                    (9600, 6), (9600, 17), (5007, 6), (5007, 17), (502, 17), (4001, 17),
                                    (5094, 17), (5094, 6)]
    let (port, proto) = ports[Int(b[0]) % ports.count]
    let analyzer = NetworkAnalyzer(link: .ethernet)
    let split = NetworkAnalyzer(link: .ethernet, workers: 2)
    var one: [String] = [], two: [String] = []
    func kind(_ o: NetworkAnalyzer.Output) -> String {
        switch o {
        case .message(let m): return m.kind
        case .flow: return "flow"
        case .warning(let w): return "warning \(w.packet)"
        }
    }
    func runChunk() {
        guard let chunk = split.takeChunk() else { return }
        var got: [(Int, String)] = chunk.front.map { ($0.order, kind($0.output)) }
        for w in 0..<chunk.workerCount { chunk.run(worker: w) { got.append(($0, kind($1))) } }
        // Stable: outputs of one call keep their order.
        two += got.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
    }
    var seq: [UInt32] = [1000, 5000]
    var at = 1, number = 0
    var frame = [UInt8]()
    frame.reserveCapacity(2048)
    while at + 2 <= count {
        let flags = b[at], n = Int(b[at + 1])
        at += 2
        let end = min(count, at + n)
        let payload = b[at..<end]
        at = end
        let fromClient = flags & 1 == 0
        let side = fromClient ? 0 : 1
        var s = seq[side]
        if flags & 2 != 0 { s &-= UInt32(flags >> 4) * 7 }       // go back: retransmission or overlap
        if flags & 4 != 0 { s &+= UInt32(flags >> 4) * 13 }      // skip: a hole
        let (sport, dport): (UInt16, UInt16) = fromClient ? (40000, port) : (port, 40000)
        let (sip, dip): ([UInt8], [UInt8]) = fromClient ? ([10, 0, 0, 5], [10, 0, 0, 20]) : ([10, 0, 0, 20], [10, 0, 0, 5])
        var l4: [UInt8]
        if proto == 6 {
            let tcpFlags: UInt8 = number == 0 ? 0x02 : (flags & 8 != 0 ? 0x19 : 0x18)
            l4 = [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF),
                  UInt8(s >> 24), UInt8((s >> 16) & 0xFF), UInt8((s >> 8) & 0xFF), UInt8(s & 0xFF), 0, 0, 0, 0,
                  0x50, tcpFlags, 0xFF, 0xFF, 0, 0, 0, 0]
        } else {
            let len = 8 + payload.count
            l4 = [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF), UInt8(len >> 8), UInt8(len & 0xFF), 0, 0]
        }
        let total = 20 + l4.count + payload.count
        frame.removeAll(keepingCapacity: true)
        frame += [2, 0, 0, 0, 0, 20, 2, 0, 0, 0, 0, 5, 0x08, 0x00]
        frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0, 0, 64, proto, 0, 0] + sip + dip
        frame += l4
        frame += payload
        number += 1
        frame.withUnsafeBytes {
            analyzer.packet($0, time: Int64(number) * 1_000_000, number: number)
            split.packet($0, time: Int64(number) * 1_000_000, number: number)
        }
        one += analyzer.output.map(kind)
        analyzer.output.removeAll(keepingCapacity: true)
        if number % 3 == 0 { runChunk() }
        if proto == 6, flags & 2 == 0 { seq[side] = s &+ UInt32(payload.count) }
    }
    analyzer.finish()
    one += analyzer.output.map(kind)
    split.finish()
    runChunk()
    precondition(one == two, "two workers gave \(two.count) outputs, one thread \(one.count)")
    return 0
}

import Parsers

/// One captured packet under every link type: link, VLAN, tunnels, IPv4/IPv6 (extension headers, fragments), TCP/UDP
/// headers; then the same bytes through the whole analyzer (flows, reassembly, detection, decoders).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let b = UnsafeRawBufferPointer(start: start, count: count)
    var layers: [Encapsulation] = []
    for link in [LinkType.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw] {
        if case .ip(var p) = PacketDecoder.decode(b, link: link, layers: &layers), p.isFragment {
            _ = PacketDecoder.decodeTransport(b, into: &p, layers: &layers)
        }
    }
    // As a capture of several packets: a 2-byte length before each.
    let analyzer = NetworkAnalyzer(link: count > 0 && b[0] & 1 == 1 ? .raw : .ethernet)
    var at = 1, number = 0
    while at + 2 <= count {
        let n = Int(b[at]) << 8 | Int(b[at + 1])
        at += 2
        let end = min(count, at + n)
        number += 1
        analyzer.packet(UnsafeRawBufferPointer(rebasing: b[at..<end]), time: Int64(number) * 1_000_000, number: number)
        analyzer.output.removeAll(keepingCapacity: true)
        at = end
    }
    analyzer.finish()
    return 0
}

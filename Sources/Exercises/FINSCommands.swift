import Foundation

/// A capture for checking the OMRON FINS decoder against Wireshark: an engineering tool's commands to a CJ-series
/// controller over FINS/UDP (port 9600 both ends, the gateway count 2 as OMRON's tools send it), and the same over
/// FINS/TCP after the node address handshake. Reads and writes of words and bits in the DM, CIO, W, H and EM areas, a
/// fill, a transfer, several areas read at once, a write refused (address out of range), STOP and RUN, the clock set,
/// a program write refused (protected), the error and write-access logs cleared, a write through a gateway to another
/// network's node, a command that wants no response, a response whose command is not in the capture, a write cut
/// short of its data, and a status poll repeated. The same bytes every time (`scripts/oracles/fins_commands_golden.sh`
/// writes tshark's view of them).
public enum FINSCommands {
    public static let tool = "10.50.1.10"
    public static let plc = "10.50.1.20"

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let a = NetHost(tool, mac: [2, 0, 0, 0, 1, 0x10]), b = NetHost(plc, mac: [2, 0, 0, 0, 1, 0x20])
        var t: Int64 = 1_764_100_000_000_000_000
        var id: UInt16 = 1
        var sid: UInt8 = 0
        /// A FINS header: ICF, RSV, GCT 2, destination (network, node, unit), source, SID.
        func header(_ icf: UInt8, to: (UInt8, UInt8, UInt8), from: (UInt8, UInt8, UInt8), _ sid: UInt8) -> [UInt8] {
            [icf, 0, 2, to.0, to.1, to.2, from.0, from.1, from.2, sid]
        }
        let plcNode: (UInt8, UInt8, UInt8) = (0, 20, 0), toolNode: (UInt8, UInt8, UInt8) = (0, 10, 0)
        func datagram(_ from: NetHost, _ to: NetHost, _ payload: [UInt8]) {
            cap.add(t, Frames.udp(from, 9600, to, 9600, payload: payload, id: id, ttl: 64))
            id &+= 1
            t += 5_000_000
        }
        /// A command and, unless `answer` is nil, its response (end code and data).
        func exchange(_ code: UInt16, _ params: [UInt8], to node: (UInt8, UInt8, UInt8) = plcNode,
                      answer: (end: UInt16, data: [UInt8])? = (0, [])) {
            sid &+= 1
            let mrcSrc: [UInt8] = [UInt8(code >> 8), UInt8(code & 0xFF)]
            datagram(a, b, header(0x80, to: node, from: toolNode, sid) + mrcSrc + params)
            if let r = answer {
                datagram(b, a, header(0xC0, to: toolNode, from: node, sid) + mrcSrc + [UInt8(r.end >> 8), UInt8(r.end & 0xFF)] + r.data)
            }
        }
        func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        exchange(0x0101, [0x82] + be16(100) + [0] + be16(2), answer: (0, be16(2100) + be16(50)))        // read D100 ×2
        exchange(0x0102, [0x82] + be16(100) + [0] + be16(1) + be16(9500))                                // write D100 = 9500
        exchange(0x0102, [0x30] + be16(10) + [5] + be16(1) + [1])                                         // CIO10.05 on
        exchange(0x0102, [0xB1] + be16(20) + [0] + be16(3) + be16(1) + be16(2) + be16(3), answer: (0x1103, []))
        exchange(0x0103, [0xB2] + be16(5) + [0] + be16(4) + be16(0))                                      // fill H5 ×4 with 0
        exchange(0x0104, [0x82] + be16(0) + [0, 0x82] + be16(1) + [0, 0x30] + be16(0) + [0],
                 answer: (0, [0x82] + be16(7) + [0x82] + be16(8) + [0x30, 1]))
        exchange(0x0105, [0x82] + be16(100) + [0, 0x82] + be16(200) + [0] + be16(2))                     // D100 → D200 ×2
        exchange(0x0402, be16(0xFFFF))                                                                     // STOP
        exchange(0x0401, be16(0xFFFF) + [0x04])                                                            // RUN, RUN mode
        exchange(0x0702, [0x26, 0x12, 0x04, 0x09, 0x30, 0x00, 0x05])                                      // clock set
        exchange(0x0307, be16(0xFFFF) + [0, 0, 0, 0] + be16(4) + [0xDE, 0xAD, 0xBE, 0xEF], answer: (0x2102, []))
        exchange(0x2103, [])                                                                               // error log clear
        exchange(0x2141, [])                                                                               // write access log clear
        exchange(0x0102, [0xA0] + be16(100) + [0] + be16(1) + be16(42))                                   // E0_100 = 42
        exchange(0x0102, [0x82] + be16(300) + [0] + be16(1) + be16(7), to: (1, 5, 0))                     // through a gateway
        // No response wanted (ICF bit 0).
        sid &+= 1
        datagram(a, b, header(0x81, to: plcNode, from: toolNode, sid) + [0x01, 0x02, 0x82] + be16(400) + [0] + be16(1) + be16(1))
        // A response whose command came before the capture.
        datagram(b, a, header(0xC0, to: toolNode, from: plcNode, 200) + [0x01, 0x02, 0x00, 0x00])
        // A write of three words that carries one.
        exchange(0x0102, [0x82] + be16(500) + [0] + be16(3) + be16(1))
        for _ in 0..<3 { exchange(0x0601, [], answer: (0, [0x01, 0x04] + [UInt8](repeating: 0, count: 24))) }

        // FINS/TCP: the node address handshake, then a write and a read.
        func tcpFrame(_ command: UInt32, _ body: [UInt8]) -> [UInt8] {
            Array("FINS".utf8) + Frames.be32(UInt32(8 + body.count)) + Frames.be32(command) + Frames.be32(0) + body
        }
        let conv = TCPConversation(cap, client: a, clientPort: 50_100, server: b, serverPort: 9600, isn: (1_000, 90_000))
        conv.open(t)
        t += 10_000_000
        conv.send(fromClient: true, t, tcpFrame(0, Frames.be32(0)))
        conv.send(fromClient: false, t + 2_000_000, tcpFrame(1, Frames.be32(11) + Frames.be32(20)))
        t += 10_000_000
        conv.send(fromClient: true, t, tcpFrame(2, header(0x80, to: plcNode, from: (0, 11, 0), 1) + [0x01, 0x02, 0x82] + be16(300)
                                                + [0] + be16(2) + be16(1234) + be16(5678)))
        conv.send(fromClient: false, t + 2_000_000, tcpFrame(2, header(0xC0, to: (0, 11, 0), from: plcNode, 1) + [0x01, 0x02, 0, 0]))
        t += 10_000_000
        conv.send(fromClient: true, t, tcpFrame(2, header(0x80, to: plcNode, from: (0, 11, 0), 2) + [0x01, 0x01, 0xB0] + be16(0)
                                                + [0] + be16(1)))
        conv.send(fromClient: false, t + 2_000_000, tcpFrame(2, header(0xC0, to: (0, 11, 0), from: plcNode, 2) + [0x01, 0x01, 0, 0]
                                                           + be16(0x00FF)))
        conv.close(fromClient: true, t + 10_000_000)
        return try cap.write(to: path)
    }
}

import Foundation

/// A capture for checking the HART-IP decoder against Wireshark's `hart_ip`: an asset management host's sessions with
/// a HART-IP multiplexer, over UDP and TCP (port 5094). Session initiate and close, keep-alives, the identity read
/// (command 0) and dynamic variables (3, once and again unchanged), a range rewritten (35), the loop current fixed at
/// 20 mA and released (40), a device variable simulated (79), a units write refused in write-protect mode (44), a
/// device reset (42), a read the multiplexer answers with an error, one never answered. The same bytes every time
/// (`scripts/oracles/hart_ip_golden.sh` writes tshark's view of them).
public enum HARTIPSessions {
    public static let host = "10.70.0.10"
    public static let mux = "10.70.0.30"
    static let port: UInt16 = 5094
    /// The transmitter's unique address (expanded device type 0x26A5, device id 0x001234).
    public static let device: [UInt8] = [0x26, 0xA5, 0x00, 0x12, 0x34]

    static func header(type: UInt8, id: UInt8, status: UInt8 = 0, sequence: UInt16, body: [UInt8]) -> [UInt8] {
        let n = 8 + body.count
        return [1, type, id, status, UInt8(sequence >> 8), UInt8(sequence & 0xFF), UInt8(n >> 8), UInt8(n & 0xFF)] + body
    }

    /// A HART PDU from the primary host (a request) or the device (a response with its code and status), with its
    /// unique address or polling address 0, and its check byte.
    static func pdu(request: Bool, long: Bool = true, command: UInt8, data: [UInt8], code: UInt8 = 0, status: UInt8 = 0) -> [UInt8] {
        var f: [UInt8] = [(long ? 0x80 : 0) | (request ? 0x02 : 0x06)]
        f += long ? [device[0] | 0x80] + device.dropFirst() : [0x80]
        let payload = request ? data : [code, status] + data
        f += [command, UInt8(payload.count)] + payload
        return f + [f.reduce(0, ^)]
    }

    /// A HART floating-point value: IEEE 754 single precision, most significant byte first.
    static func real(_ v: Float) -> [UInt8] { Frames.be32(v.bitPattern) }

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let a = NetHost(host, mac: [2, 0, 0, 0, 0, 0x80]), m = NetHost(mux, mac: [2, 0, 0, 0, 0, 0x81])
        var t: Int64 = 1_764_300_000_000_000_000
        var seq: UInt16 = 0
        var udp: [(Bool, [UInt8])] = []
        /// A request and its answer (or none), the next sequence number.
        func exchange(_ id: UInt8, _ request: [UInt8], _ answer: [UInt8]?, type: UInt8 = 1, status: UInt8 = 0) {
            seq += 1
            udp.append((true, header(type: 0, id: id, sequence: seq, body: request)))
            if let answer { udp.append((false, header(type: type, id: id, status: status, sequence: seq, body: answer))) }
        }
        let identity: [UInt8] = [254, 0x26, 0xA5, 5, 7, 3, 4, 0x0C, 0x00, 0x00, 0x12, 0x34, 5, 4, 0x00, 0x07, 0x00,
                                 0x00, 0x26, 0x00, 0x26, 1]
        let dynamic = real(12.0) + [32] + real(75.0) + [32] + real(21.5) + [250] + real(0) + [250] + real(0)
        exchange(0, [1, 0x00, 0x00, 0x75, 0x30], [1, 0x00, 0x00, 0x75, 0x30])                         // session initiate
        exchange(3, pdu(request: true, long: false, command: 0, data: []), pdu(request: false, long: false, command: 0, data: identity))
        exchange(3, pdu(request: true, command: 3, data: []), pdu(request: false, command: 3, data: dynamic))
        let range: [UInt8] = [32] + real(150) + real(0)
        exchange(3, pdu(request: true, command: 35, data: range), pdu(request: false, command: 35, data: range, status: 0x40))
        exchange(3, pdu(request: true, command: 40, data: real(20)), pdu(request: false, command: 40, data: real(20), status: 0x08))
        exchange(3, pdu(request: true, command: 3, data: []), pdu(request: false, command: 3, data: dynamic, status: 0x08))
        exchange(3, pdu(request: true, command: 40, data: real(0)), pdu(request: false, command: 40, data: real(0)))
        let simulate: [UInt8] = [0, 1, 32] + real(95.5) + [0xC0]
        exchange(3, pdu(request: true, command: 79, data: simulate), pdu(request: false, command: 79, data: simulate))
        exchange(3, pdu(request: true, command: 44, data: [33]), pdu(request: false, command: 44, data: [], code: 7))
        exchange(3, pdu(request: true, command: 42, data: []), pdu(request: false, command: 42, data: [], status: 0x20))
        exchange(3, pdu(request: true, command: 3, data: []), pdu(request: false, command: 3, data: dynamic))
        exchange(3, pdu(request: true, command: 3, data: []), pdu(request: false, command: 3, data: dynamic))
        exchange(2, [], [])                                                                             // keep alive
        exchange(3, pdu(request: true, command: 1, data: []), [2], type: 3)                             // error: service unavailable
        exchange(3, pdu(request: true, command: 2, data: []), nil)                                      // never answered
        exchange(1, [], [])                                                                             // session close
        for (fromHost, payload) in udp {
            let (src, dst) = fromHost ? (a, m) : (m, a)
            cap.add(t, Frames.udp(src, fromHost ? 50_200 : port, dst, fromHost ? port : 50_200,
                                  payload: payload, id: cap.nextID(src), ttl: fromHost ? 128 : 64))
            t += 20_000_000
        }
        t += 1_000_000_000
        // The same over TCP: a session, the loop current fixed at 4 mA, the session closed.
        TCPConversation.replay(cap, client: a, clientPort: 50_210, server: m, serverPort: port, at: t,
                               step: 20_000_000, [
            (true, header(type: 0, id: 0, sequence: 1, body: [1, 0, 0, 0x75, 0x30])),
            (false, header(type: 1, id: 0, sequence: 1, body: [1, 0, 0, 0x75, 0x30])),
            (true, header(type: 0, id: 3, sequence: 2, body: pdu(request: true, command: 40, data: real(4)))),
            (false, header(type: 1, id: 3, sequence: 2, body: pdu(request: false, command: 40, data: real(4), status: 0x08))),
            (true, header(type: 0, id: 1, sequence: 3, body: [])),
            (false, header(type: 1, id: 1, sequence: 3, body: [])),
        ])
        return try cap.write(to: path)
    }
}

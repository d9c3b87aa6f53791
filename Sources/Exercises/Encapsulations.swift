import CPcap
import Foundation

/// A capture for checking the packet decoder's encapsulations against Wireshark: the same Modbus/TCP exchange (a
/// register written, then read back) once bare and once through each way a plant's traffic reaches a sensor or an
/// investigator — VLAN and QinQ tags, a switch's remote mirror (ERSPAN types I, II and III over GRE), a cloud's
/// traffic mirror (VXLAN, Geneve), GRE and IP-in-IP tunnels (one over IPv6, one cut into IP fragments), an MPLS
/// path (IP and an Ethernet pseudowire), a PPPoE session and an HSR ring — then frames a hostile capture would
/// hold: tunnels nested past the decoder's limit, PPTP's GRE, an ERSPAN header of the wrong version, an MPLS stack
/// that never ends, VXLAN without its I flag, a datagram to VXLAN's port that is not VXLAN. The same bytes every time
/// (`scripts/oracles/encapsulations_golden.sh` writes tshark's view of them).
public enum Encapsulations {
    /// Each exchange's way to the sensor, with its client's address (10.70.0.N) and the register value it writes.
    public static let paths = [
        "bare", "vlan", "qinq", "vxlan", "vxlan-in-vlan", "geneve", "gre-ip", "gre-ethernet", "erspan-i", "erspan-ii",
        "erspan-iii", "ip-in-ip", "gre-over-ipv6", "gre-fragmented", "mpls-ip", "mpls-pseudowire", "pppoe", "hsr",
    ]
    public static let server = "10.70.1.1"
    static let tapA = NetHost("192.0.2.10", mac: [2, 0, 0, 0, 0x0A, 1])
    static let tapB = NetHost("192.0.2.20", mac: [2, 0, 0, 0, 0x0A, 2])

    /// The client of path `i` (0-based) and the value it writes.
    public static func client(_ i: Int) -> String { "10.70.0.\(i + 10)" }
    public static func value(_ i: Int) -> Int { 1000 + i }

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let server = NetHost(server, mac: [2, 0, 0, 0, 0x0B, 1])
        var t: Int64 = 1_764_300_000_000_000_000
        var ipID: UInt16 = 0x4000
        for (i, name) in paths.enumerated() {
            let client = NetHost(client(i), mac: [2, 0, 0, 0, 0x0C, UInt8(i)])
            let one = CaptureBuilder()
            let port = UInt16(40_000 + i)
            var tid: UInt16 = 1
            let c = TCPConversation(one, client: client, clientPort: port, server: server, serverPort: 502,
                                    isn: (UInt32(port) &* 1000, UInt32(port) &* 3000))
            c.open(t)
            let v = Frames.be16(UInt16(value(i)))
            _ = ModbusFrames.exchange(c, &tid, t + 2_000_000, [6, 0, 9] + v, [6, 0, 9] + v) { 800_000 }
            _ = ModbusFrames.exchange(c, &tid, t + 6_000_000, [3, 0, 9, 0, 1], [3, 2] + v) { 800_000 }
            c.close(fromClient: true, t + 10_000_000)
            cap.add(one) { frame in
                ipID &+= 1
                let wrapped = wrap(frame, name, i, ipID)
                return name == "gre-fragmented" ? fragments(wrapped) : [wrapped]
            }
            t += 1_000_000_000
        }
        // Hostile frames, each alone: none may crash the decoder, each is said.
        let inner = Frames.udp(NetHost("10.70.2.1", mac: [2, 0, 0, 0, 0x0D, 1]), 5000,
                               NetHost("10.70.2.2", mac: [2, 0, 0, 0, 0x0D, 2]), 5001, payload: Array("hostile".utf8),
                               id: 1, ttl: 64)
        var nested = Array(inner.dropFirst(14))
        for _ in 0..<10 { nested = Array(Frames.ipv4(tapA, tapB, proto: 47, id: 7, ttl: 64, payload: [0, 0, 0x08, 0x00] + nested).dropFirst(14)) }
        let hostile: [[UInt8]] = [
            Frames.ipv4(tapA, tapB, proto: 47, id: 7, ttl: 64, payload: [0, 0, 0x08, 0x00] + nested),
            Frames.ipv4(tapA, tapB, proto: 47, id: 8, ttl: 64, payload: [0x30, 0x01, 0x88, 0x0B, 0, 4, 0, 1, 0, 0, 0, 1, 0xFF, 0x03, 0, 0x21]),
            Frames.ipv4(tapA, tapB, proto: 47, id: 9, ttl: 64, payload: [0x10, 0, 0x88, 0xBE, 0, 0, 0, 1] + [0x30, 0, 0, 1, 0, 0, 0, 0] + inner),
            tapB.mac + tapA.mac + [0x88, 0x47] + [0, 0x01, 0x00, 64, 0, 0x02, 0x00, 64],
            Frames.udp(tapA, 50_000, tapB, 4789, payload: [0x00, 0, 0, 0, 0, 0, 1, 0] + inner, id: 10, ttl: 64),
            Frames.udp(tapA, 50_001, tapB, 4789, payload: Array("a datagram to VXLAN's port that is not VXLAN".utf8), id: 11, ttl: 64),
        ]
        for frame in hostile {
            cap.add(t, frame)
            t += 1_000_000
        }
        return try cap.write(to: path)
    }

    // MARK: - the wrappers

    static func wrap(_ frame: [UInt8], _ name: String, _ i: Int, _ id: UInt16) -> [UInt8] {
        let macs = Array(frame[0..<12]), ip = Array(frame[14...])
        let outer = UInt16(50_000 + i)
        switch name {
        case "bare": return frame
        case "vlan": return tagged(frame, [(0x8100, 10)])
        case "qinq": return tagged(frame, [(0x88A8, 100), (0x8100, 20)])
        case "vxlan": return Frames.udp(tapA, outer, tapB, 4789, payload: [0x08, 0, 0, 0, 0, 0x13, 0x89, 0] + frame, id: id, ttl: 64)
        case "vxlan-in-vlan":
            let inner = tagged(frame, [(0x8100, 5)])
            return tagged(Frames.udp(tapA, outer, tapB, 4789, payload: [0x08, 0, 0, 0, 0, 0x13, 0x8A, 0] + inner, id: id, ttl: 64),
                          [(0x8100, 99)])
        case "geneve":
            // Version 0, two words of options (one option: class 0x0103, type 0x80, one word of data), Ethernet, VNI 7.
            let option: [UInt8] = [0x01, 0x03, 0x80, 0x01, 0xDE, 0xAD, 0xBE, 0xEF]
            return Frames.udp(tapA, outer, tapB, 6081, payload: [0x02, 0, 0x65, 0x58, 0, 0, 7, 0] + option + frame, id: id, ttl: 64)
        case "gre-ip":
            // Checksum and key (42) present; the checksum covers the GRE header and what it carries.
            var gre: [UInt8] = [0xA0, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 42] + ip
            let c = Frames.checksum(gre)
            gre[4] = UInt8(c >> 8)
            gre[5] = UInt8(c & 0xFF)
            return Frames.ipv4(tapA, tapB, proto: 47, id: id, ttl: 64, payload: gre)
        case "gre-ethernet": return Frames.ipv4(tapA, tapB, proto: 47, id: id, ttl: 64, payload: [0, 0, 0x65, 0x58] + frame)
        case "erspan-i": return Frames.ipv4(tapA, tapB, proto: 47, id: id, ttl: 64, payload: [0, 0, 0x88, 0xBE] + frame)
        case "erspan-ii":
            // Sequence number present; version 1, original VLAN 30, session 100, index 7.
            let erspan: [UInt8] = [0x10, 30, 0x00, 100, 0, 0, 0, 7]
            return Frames.ipv4(tapA, tapB, proto: 47, id: id, ttl: 64,
                               payload: [0x10, 0, 0x88, 0xBE] + Frames.be32(UInt32(id)) + erspan + frame)
        case "erspan-iii":
            // Version 2, VLAN 0, session 200, a timestamp, SGT 0, frame type 0 (Ethernet), O set: an 8-byte
            // platform subheader follows.
            let erspan: [UInt8] = [0x20, 0, 0x00, 200] + Frames.be32(UInt32(id) &* 1000) + [0, 0, 0x00, 0x01]
                + [0x08, 0, 0, 0, 0, 0, 0, 0]
            return Frames.ipv4(tapA, tapB, proto: 47, id: id, ttl: 64,
                               payload: [0x10, 0, 0x22, 0xEB] + Frames.be32(UInt32(id)) + erspan + frame)
        case "ip-in-ip": return Frames.ipv4(tapA, tapB, proto: 4, id: id, ttl: 64, payload: ip)
        case "gre-over-ipv6":
            let gre: [UInt8] = [0x20, 0, 0x08, 0x00, 0, 0, 0x01, 0x00] + ip      // key 256
            let v6: [UInt8] = [0x60, 0, 0, 0] + Frames.be16(UInt16(gre.count)) + [47, 64]
                + [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [0x0A]
                + [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [0x14]
            return tapB.mac + tapA.mac + [0x86, 0xDD] + v6 + gre
        case "gre-fragmented":
            // GRE carrying the frame; `fragments` cuts the outer datagram in two: the tunnel is seen only once it is
            // whole.
            return Frames.ipv4(tapA, tapB, proto: 47, id: id, ttl: 64, payload: [0, 0, 0x65, 0x58] + frame)
        case "mpls-ip":
            return macs + [0x88, 0x47] + [0x00, 0x3E, 0x80, 64] + [0x00, 0x01, 0x01, 64] + ip   // labels 1000, 16
        case "mpls-pseudowire":
            return tapB.mac + tapA.mac + [0x88, 0x47] + [0x00, 0x7D, 0x01, 64] + [0, 0, 0, 0] + frame   // label 2000
        case "pppoe":
            let ppp: [UInt8] = [0x00, 0x21] + ip
            return macs + [0x88, 0x64, 0x11, 0x00, 0x12, 0x34] + Frames.be16(UInt16(ppp.count)) + ppp
        case "hsr":
            return macs + [0x89, 0x2F] + Frames.be16(UInt16(ip.count + 6) & 0x0FFF) + Frames.be16(id) + [0x08, 0x00] + ip
        default:
            preconditionFailure("no path \(name)")
        }
    }

    /// An Ethernet/IPv4 frame's datagram cut into two IP fragments at 32 bytes of its payload.
    static func fragments(_ frame: [UInt8]) -> [[UInt8]] {
        let header = Array(frame[14..<34]), payload = Array(frame[34...])
        func piece(_ bytes: ArraySlice<UInt8>, offset: Int, more: Bool) -> [UInt8] {
            var h = header
            h[2...3] = ArraySlice(Frames.be16(UInt16(20 + bytes.count)))
            h[6...7] = ArraySlice(Frames.be16(UInt16(offset / 8) | (more ? 0x2000 : 0)))
            h[10] = 0
            h[11] = 0
            let c = Frames.checksum(h)
            h[10] = UInt8(c >> 8)
            h[11] = UInt8(c & 0xFF)
            return Array(frame[0..<14]) + h + Array(bytes)
        }
        return [piece(payload[0..<32], offset: 0, more: true), piece(payload[32...], offset: 32, more: false)]
    }

    /// The frame with VLAN tags (TPID, id) put in after its MAC addresses, outermost first.
    static func tagged(_ frame: [UInt8], _ tags: [(UInt16, UInt16)]) -> [UInt8] {
        Array(frame[0..<12]) + tags.flatMap { Frames.be16($0.0) + Frames.be16($0.1) } + Array(frame[12...])
    }
}


extension Encapsulations {
    /// The wrappers that carry a whole Ethernet frame (any EtherType), for rewrapping a real capture.
    public static let framePaths = ["vxlan", "geneve", "gre-ethernet", "erspan-i", "erspan-ii", "erspan-iii",
                                    "mpls-pseudowire", "qinq"]

    /// Copies an Ethernet capture with its packets put through `paths` in turn (the first packet through the first,
    /// the second through the second …), at their own times; returns the packets written.
    public static func rewrap(_ input: String, to output: String, through paths: [String] = framePaths) throws -> Int {
        var n = 0
        try CaptureWriter.copy(input, to: output) { writer, frame, time in
            writer.write(frame.count < 14 ? frame : wrap(frame, paths[n % paths.count], n, UInt16(truncatingIfNeeded: n)),
                         at: time)
            n += 1
        }
        return n
    }
}

import Foundation

/// Builds small captures for tests: classic pcap (µs), Ethernet, IPv4, TCP or UDP, checksums left zero
/// (nothing here verifies them, as in most captures taken with offload).
public struct PcapBuilder {
    public private(set) var bytes: [UInt8] = []
    public var snapLength: UInt32

    public init(snapLength: UInt32 = 262_144, linkType: UInt32 = 1) {
        self.snapLength = snapLength
        bytes += le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snapLength) + le32(linkType)
    }

    /// Appends one record; `captured` cuts the stored bytes (a snap-length cut), `claimed` lies about the length.
    public mutating func record(_ frame: [UInt8], seconds: UInt32, micros: UInt32 = 0, captured: Int? = nil) {
        let n = min(captured ?? frame.count, frame.count)
        bytes += le32(seconds) + le32(micros) + le32(UInt32(n)) + le32(UInt32(frame.count))
        bytes += frame.prefix(n)
    }

    public struct Host {
        public var ip: [UInt8]
        public var port: UInt16
        public var mac: [UInt8]

        public init(_ ip: [UInt8], _ port: UInt16, mac: UInt8 = 1) {
            self.ip = ip
            self.port = port
            self.mac = [2, 0, 0, 0, 0, mac]
        }
    }

    public static func ipv4(_ src: [UInt8], _ dst: [UInt8], proto: UInt8, payload: [UInt8], id: UInt16 = 1,
                            fragmentOffset: Int = 0, moreFragments: Bool = false, totalLength: Int? = nil) -> [UInt8] {
        let total = totalLength ?? (20 + payload.count)
        var flags = UInt16(fragmentOffset / 8)
        if moreFragments { flags |= 0x2000 }
        return [0x45, 0] + be16(UInt16(truncatingIfNeeded: total)) + be16(id) + be16(flags) + [64, proto, 0, 0] + src + dst + payload
    }

    public static func ethernet(_ src: Host, _ dst: Host, _ ip: [UInt8]) -> [UInt8] {
        dst.mac + src.mac + [0x08, 0x00] + ip
    }

    public static func tcp(_ src: Host, _ dst: Host, seq: UInt32, ack: UInt32 = 0, flags: UInt8 = 0x18,
                           payload: [UInt8] = []) -> [UInt8] {
        let header = be16(src.port) + be16(dst.port) + be32(seq) + be32(ack) + [0x50, flags] + be16(65535) + [0, 0, 0, 0]
        return ethernet(src, dst, ipv4(src.ip, dst.ip, proto: 6, payload: header + payload))
    }

    public static func udp(_ src: Host, _ dst: Host, payload: [UInt8]) -> [UInt8] {
        let header = be16(src.port) + be16(dst.port) + be16(UInt16(8 + payload.count)) + [0, 0]
        return ethernet(src, dst, ipv4(src.ip, dst.ip, proto: 17, payload: header + payload))
    }

    /// A TCP conversation: handshake, then each payload from the client or the server in its own segment.
    public mutating func conversation(_ client: Host, _ server: Host, _ messages: [(fromClient: Bool, bytes: [UInt8])],
                                      start: UInt32 = 1_700_000_000, close: Bool = true) {
        var cseq: UInt32 = 1000, sseq: UInt32 = 5000
        var t: UInt32 = 0
        func next() -> UInt32 { t += 1; return t }
        record(Self.tcp(client, server, seq: cseq, flags: 0x02), seconds: start, micros: next())
        record(Self.tcp(server, client, seq: sseq, ack: cseq + 1, flags: 0x12), seconds: start, micros: next())
        cseq += 1
        sseq += 1
        record(Self.tcp(client, server, seq: cseq, ack: sseq, flags: 0x10), seconds: start, micros: next())
        for m in messages {
            if m.fromClient {
                record(Self.tcp(client, server, seq: cseq, ack: sseq, payload: m.bytes), seconds: start, micros: next())
                cseq &+= UInt32(m.bytes.count)
            } else {
                record(Self.tcp(server, client, seq: sseq, ack: cseq, payload: m.bytes), seconds: start, micros: next())
                sseq &+= UInt32(m.bytes.count)
            }
        }
        if close {
            record(Self.tcp(client, server, seq: cseq, ack: sseq, flags: 0x11), seconds: start, micros: next())
            record(Self.tcp(server, client, seq: sseq, ack: cseq + 1, flags: 0x11), seconds: start, micros: next())
            record(Self.tcp(client, server, seq: cseq + 1, ack: sseq + 1, flags: 0x10), seconds: start, micros: next())
        }
    }

    public func write(to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

public func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
public func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
public func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
public func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }

/// Modbus/TCP frames for tests.
public enum ModbusFrames {
    public static func mbap(_ tid: UInt16, unit: UInt8 = 1, _ pdu: [UInt8], length: UInt16? = nil) -> [UInt8] {
        be16(tid) + [0, 0] + be16(length ?? UInt16(pdu.count + 1)) + [unit] + pdu
    }

    public static func writeRegister(_ tid: UInt16, address: UInt16, value: UInt16, unit: UInt8 = 1) -> [UInt8] {
        mbap(tid, unit: unit, [6] + be16(address) + be16(value))
    }

    public static func readHolding(_ tid: UInt16, address: UInt16, count: UInt16, unit: UInt8 = 1) -> [UInt8] {
        mbap(tid, unit: unit, [3] + be16(address) + be16(count))
    }

    public static func readResponse(_ tid: UInt16, values: [UInt16], unit: UInt8 = 1) -> [UInt8] {
        mbap(tid, unit: unit, [3, UInt8(values.count * 2)] + values.flatMap(be16))
    }
}

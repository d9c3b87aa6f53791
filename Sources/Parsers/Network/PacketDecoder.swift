/// Link, network and transport headers of one captured packet, decoded in place (no copy).
///
/// Link types are libpcap's DLT values (https://www.tcpdump.org/linktypes.html). Lengths are checked against
/// what was captured: a snap-length cut sets `truncated`; an IP total length shorter than the frame drops the
/// Ethernet padding.
public enum LinkType: Int32, Sendable {
    case null = 0, ethernet = 1, raw = 12, rawOpenBSD = 14, raw101 = 101, loop = 108, linuxSLL = 113,
         ipv4 = 228, ipv6 = 229, linuxSLL2 = 276
}

public struct DecodedPacket: Sendable {
    public var srcMAC: UInt64?
    public var dstMAC: UInt64?
    /// Outermost 802.1Q / 802.1ad VLAN id.
    public var vlan: UInt16?
    public var src = IPAddress(v4: 0)
    public var dst = IPAddress(v4: 0)
    /// IP protocol number of the transport (after IPv6 extension headers).
    public var proto: UInt8 = 0
    public var ttl: UInt8 = 0
    /// Offset of the IP header in the frame.
    public var ipOffset = 0
    /// Offset of the transport header (the IP payload) and the end of the IP datagram within the captured bytes.
    public var l4Offset = 0
    public var l4End = 0
    /// IPv4 identification or IPv6 fragment identification.
    public var fragmentID: UInt32 = 0
    /// Byte offset of this fragment in its datagram, and whether more follow. Not a fragment: 0 and false.
    public var fragmentOffset = 0
    public var moreFragments = false
    public var isFragment: Bool { fragmentOffset != 0 || moreFragments }
    /// The capture holds fewer bytes than the IP header says (snap length).
    public var truncated = false
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    public var tcpSeq: UInt32 = 0
    public var tcpAck: UInt32 = 0
    /// TCP flags: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80.
    public var tcpFlags: UInt8 = 0
    /// Application payload within the captured bytes.
    public var payloadOffset = 0
    public var payloadEnd = 0
    public var payloadLength: Int { payloadEnd - payloadOffset }

    public init() {}
}

public enum PacketDecodeResult: Sendable {
    /// An IP packet; for fragments the transport fields are not set (reassemble, then `decodeTransport`).
    case ip(DecodedPacket)
    /// An IEEE 802.3 frame with an LLC header (BACnet/Ethernet uses DSAP 0x82): the LLC payload.
    case llc(dsap: UInt8, ssap: UInt8, payloadOffset: Int, srcMAC: UInt64, dstMAC: UInt64)
    /// Not IP (ARP, LLDP, spanning tree, …): counted, not decoded.
    case other(etherType: UInt16)
    /// The headers contradict themselves or are cut short before the transport header.
    case malformed(String)
}

public enum PacketDecoder {
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17

    /// Decodes link, IP and (for unfragmented datagrams) transport headers.
    public static func decode(_ b: UnsafeRawBufferPointer, link: LinkType) -> PacketDecodeResult {
        var p = DecodedPacket()
        var off = 0
        var etherType: UInt16
        switch link {
        case .ethernet:
            guard b.count >= 14 else { return .malformed("Ethernet header cut short (\(b.count) bytes)") }
            p.dstMAC = mac(b, 0)
            p.srcMAC = mac(b, 6)
            etherType = be16(b, 12)
            off = 14
            if etherType < 0x0600 {
                // IEEE 802.3 length field: LLC follows.
                guard b.count >= 17 else { return .malformed("802.3 LLC header cut short") }
                return .llc(dsap: b[14], ssap: b[15], payloadOffset: 17, srcMAC: p.srcMAC ?? 0, dstMAC: p.dstMAC ?? 0)
            }
        case .linuxSLL:
            guard b.count >= 16 else { return .malformed("Linux cooked header cut short") }
            etherType = be16(b, 14)
            off = 16
        case .linuxSLL2:
            guard b.count >= 20 else { return .malformed("Linux cooked v2 header cut short") }
            etherType = be16(b, 0)
            off = 20
        case .null, .loop:
            guard b.count >= 4 else { return .malformed("loopback header cut short") }
            let family = link == .loop ? be32(b, 0) : (b[0] != 0 ? le32(b, 0) : be32(b, 0))
            switch family {
            case 2: etherType = 0x0800
            case 10, 24, 28, 30: etherType = 0x86DD
            default: return .other(etherType: UInt16(truncatingIfNeeded: family))
            }
            off = 4
        case .raw, .rawOpenBSD, .raw101, .ipv4, .ipv6:
            guard b.count >= 1 else { return .malformed("empty packet") }
            etherType = b[0] >> 4 == 6 ? 0x86DD : 0x0800
        }
        // 802.1Q, 802.1ad and the old QinQ type, stacked.
        var tags = 0
        while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
            guard b.count >= off + 4, tags < 8 else { return .malformed("VLAN tag cut short") }
            if p.vlan == nil { p.vlan = be16(b, off) & 0x0FFF }
            etherType = be16(b, off + 2)
            off += 4
            tags += 1
        }
        switch etherType {
        case 0x0800: return decodeIPv4(b, at: off, into: &p)
        case 0x86DD: return decodeIPv6(b, at: off, into: &p)
        default: return .other(etherType: etherType)
        }
    }

    static func decodeIPv4(_ b: UnsafeRawBufferPointer, at off: Int, into p: inout DecodedPacket) -> PacketDecodeResult {
        guard b.count >= off + 20 else { return .malformed("IPv4 header cut short") }
        let vihl = b[off]
        guard vihl >> 4 == 4 else { return .malformed("IP version \(vihl >> 4) in an IPv4 frame") }
        let ihl = Int(vihl & 0x0F) * 4
        guard ihl >= 20 else { return .malformed("IPv4 header length \(ihl) < 20") }
        guard b.count >= off + ihl else { return .malformed("IPv4 options cut short") }
        let total = Int(be16(b, off + 2))
        var end: Int
        if total == 0 {
            end = b.count          // TCP segmentation offload leaves 0 here
        } else {
            guard total >= ihl else { return .malformed("IPv4 total length \(total) < header length \(ihl)") }
            end = off + total
            if end > b.count {
                p.truncated = true
                end = b.count
            }
        }
        let flags = be16(b, off + 6)
        p.fragmentID = UInt32(be16(b, off + 4))
        p.fragmentOffset = Int(flags & 0x1FFF) * 8
        p.moreFragments = flags & 0x2000 != 0
        p.ttl = b[off + 8]
        p.proto = b[off + 9]
        p.src = IPAddress(v4: be32(b, off + 12))
        p.dst = IPAddress(v4: be32(b, off + 16))
        p.ipOffset = off
        p.l4Offset = off + ihl
        p.l4End = end
        if p.isFragment { return .ip(p) }
        return decodeTransport(b, into: &p)
    }

    static func decodeIPv6(_ b: UnsafeRawBufferPointer, at off: Int, into p: inout DecodedPacket) -> PacketDecodeResult {
        guard b.count >= off + 40 else { return .malformed("IPv6 header cut short") }
        guard b[off] >> 4 == 6 else { return .malformed("IP version \(b[off] >> 4) in an IPv6 frame") }
        let payload = Int(be16(b, off + 4))
        var end = off + 40 + payload
        if payload == 0 { end = b.count }  // jumbogram or offload
        if end > b.count {
            p.truncated = true
            end = b.count
        }
        p.ttl = b[off + 7]
        p.src = IPAddress(v6hi: be64(b, off + 8), v6lo: be64(b, off + 16))
        p.dst = IPAddress(v6hi: be64(b, off + 24), v6lo: be64(b, off + 32))
        p.ipOffset = off
        var next = b[off + 6]
        var cur = off + 40
        var hops = 0
        loop: while true {
            switch next {
            case 0, 43, 60, 135, 139, 140:   // hop-by-hop, routing, destination options, mobility, HIP, shim6
                guard cur + 8 <= end, hops < 16 else { return .malformed("IPv6 extension header cut short") }
                next = b[cur]
                cur += (Int(b[cur + 1]) + 1) * 8
                hops += 1
            case 51:                          // AH: length in 4-byte units minus 2
                guard cur + 8 <= end, hops < 16 else { return .malformed("IPv6 AH header cut short") }
                next = b[cur]
                cur += (Int(b[cur + 1]) + 2) * 4
                hops += 1
            case 44:                          // fragment
                guard cur + 8 <= end else { return .malformed("IPv6 fragment header cut short") }
                next = b[cur]
                let fo = be16(b, cur + 2)
                p.fragmentOffset = Int(fo >> 3) * 8
                p.moreFragments = fo & 1 != 0
                p.fragmentID = be32(b, cur + 4)
                cur += 8
                hops += 1
            default:
                break loop
            }
            guard cur <= end else { return .malformed("IPv6 extension headers run past the packet") }
        }
        p.proto = next
        p.l4Offset = cur
        p.l4End = end
        if p.isFragment { return .ip(p) }
        return decodeTransport(b, into: &p)
    }

    /// Decodes the TCP or UDP header at `p.l4Offset`; other protocols keep the whole IP payload as payload.
    public static func decodeTransport(_ b: UnsafeRawBufferPointer, into p: inout DecodedPacket) -> PacketDecodeResult {
        let off = p.l4Offset, end = p.l4End
        switch p.proto {
        case tcp:
            guard end - off >= 20 else {
                return p.truncated ? .ip(cut(p)) : .malformed("TCP header cut short (\(end - off) bytes)")
            }
            p.srcPort = be16(b, off)
            p.dstPort = be16(b, off + 2)
            p.tcpSeq = be32(b, off + 4)
            p.tcpAck = be32(b, off + 8)
            let dataOffset = Int(b[off + 12] >> 4) * 4
            p.tcpFlags = b[off + 13]
            guard dataOffset >= 20 else { return .malformed("TCP data offset \(dataOffset) < 20") }
            guard off + dataOffset <= end else {
                return p.truncated ? .ip(cut(p)) : .malformed("TCP options run past the segment")
            }
            p.payloadOffset = off + dataOffset
            p.payloadEnd = end
        case udp:
            guard end - off >= 8 else {
                return p.truncated ? .ip(cut(p)) : .malformed("UDP header cut short (\(end - off) bytes)")
            }
            p.srcPort = be16(b, off)
            p.dstPort = be16(b, off + 2)
            let len = Int(be16(b, off + 4))
            p.payloadOffset = off + 8
            if len >= 8, off + len <= end {
                p.payloadEnd = off + len
            } else if len != 0, off + len > end, !p.truncated {
                return .malformed("UDP length \(len) longer than the datagram (\(end - off))")
            } else {
                p.payloadEnd = end
            }
        default:
            p.payloadOffset = off
            p.payloadEnd = end
        }
        return .ip(p)
    }

    static func cut(_ p: DecodedPacket) -> DecodedPacket {
        var q = p
        q.payloadOffset = p.l4End
        q.payloadEnd = p.l4End
        return q
    }

    @inline(__always) static func be16(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
        UInt16(b[i]) << 8 | UInt16(b[i + 1])
    }

    @inline(__always) static func be32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    @inline(__always) static func le32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i + 3]) << 24 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i])
    }

    @inline(__always) static func be64(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(be32(b, i)) << 32 | UInt64(be32(b, i + 4))
    }

    @inline(__always) static func mac(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        var m: UInt64 = 0
        for k in 0..<6 { m = m << 8 | UInt64(b[i + k]) }
        return m
    }
}

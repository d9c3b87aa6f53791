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
    /// How many tunnels and label paths the packet came through: the first `depth` of the decoder's `layers`
    /// (outermost first). A count rather than the list, so that a packet stays plain data with nothing to retain.
    public var depth: UInt8 = 0

    public init() {}
}

/// One layer a packet was carried in. Investigators meet these in captures from a plant's monitoring: a switch's
/// remote mirror (ERSPAN), a cloud's traffic mirror (VXLAN, Geneve), a carrier's MPLS path to a remote station, a
/// PPPoE or GRE link to an outstation, an HSR ring in a substation.
public struct Encapsulation: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case gre, erspan1 = "erspan-i", erspan2 = "erspan-ii", erspan3 = "erspan-iii", vxlan, geneve,
             ipInIP = "ip-in-ip", mpls, pppoe, hsr

        /// Every kind, made once (`allCases` builds its array at each call), and a kind's place in it.
        public static let all = allCases
        public var index: Int { Self.all.firstIndex(of: self)! }
    }

    /// Layers as one name, outermost first: `erspan-ii`, `mpls/gre`.
    public static func path(_ layers: some Sequence<Encapsulation>) -> String {
        layers.map(\.kind.rawValue).joined(separator: "/")
    }

    public var kind: Kind
    /// GRE key, ERSPAN session, VXLAN or Geneve network identifier, MPLS bottom label, PPPoE session.
    public var id: UInt32?
    /// The tunnel's own endpoints (IP tunnels only).
    public var src: IPAddress?
    public var dst: IPAddress?

    public init(kind: Kind, id: UInt32?, src: IPAddress? = nil, dst: IPAddress? = nil) {
        self.kind = kind
        self.id = id
        self.src = src
        self.dst = dst
    }
}

public enum PacketDecodeResult: Sendable {
    /// An IP packet; for fragments the transport fields are not set (reassemble, then `decodeTransport`).
    case ip(DecodedPacket)
    /// An IEEE 802.3 frame with an LLC header (BACnet/Ethernet uses DSAP 0x82): the LLC payload.
    case llc(dsap: UInt8, ssap: UInt8, payloadOffset: Int, srcMAC: UInt64, dstMAC: UInt64)
    /// Not IP (ARP, LLDP, spanning tree, …): counted, not decoded.
    case other(etherType: UInt16)
    /// IEC 61850 GOOSE or Sampled Values (EtherType 0x88B8, 0x88BA): the frame's link facts (MACs, VLAN, the tunnels
    /// it came through) and where its APPID begins.
    case substation(etherType: UInt16, offset: Int, link: DecodedPacket)
    /// The headers contradict themselves or are cut short before the transport header.
    case malformed(String)
}

public enum PacketDecoder {
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    /// Encapsulations one packet may nest (a tunnel in a tunnel in an MPLS path …); past it the packet is malformed,
    /// so that a crafted packet of GRE in GRE in GRE cannot make the decoder recurse without end.
    public static let maxEncapsulations = 8

    /// Decodes link, IP and (for unfragmented datagrams) transport headers, through any encapsulation it knows
    /// (`Encapsulation.Kind`): the result describes the innermost packet, and `layers` (emptied first) holds the
    /// layers it came through, outermost first.
    public static func decode(_ b: UnsafeRawBufferPointer, link: LinkType, layers: inout [Encapsulation]) -> PacketDecodeResult {
        if !layers.isEmpty { layers.removeAll(keepingCapacity: true) }
        var p = DecodedPacket()
        var off = 0
        var etherType: UInt16
        switch link {
        case .ethernet:
            return decodeEthernet(b, at: 0, into: &p, &layers)
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
        return decodeNetwork(b, etherType: etherType, at: off, into: &p, &layers)
    }

    /// The same, with the layers returned (for tests and tools that decode one packet).
    public static func decode(_ b: UnsafeRawBufferPointer, link: LinkType) -> (PacketDecodeResult, [Encapsulation]) {
        var layers: [Encapsulation] = []
        let r = decode(b, link: link, layers: &layers)
        return (r, layers)
    }

    /// The layers of a packet `depth` deep: those past it (a tunnel tried and given up) are dropped.
    static func keep(_ depth: UInt8, of layers: inout [Encapsulation]) {
        if layers.count > Int(depth) { layers.removeSubrange(Int(depth)...) }
    }

    /// Adds a layer that is not an IP tunnel (MPLS, PPPoE, HSR); false past `maxEncapsulations`.
    static func enter(_ kind: Encapsulation.Kind, id: UInt32?, _ p: inout DecodedPacket, _ layers: inout [Encapsulation]) -> Bool {
        guard p.depth < maxEncapsulations else { return false }
        keep(p.depth, of: &layers)
        layers.append(Encapsulation(kind: kind, id: id))
        p.depth += 1
        return true
    }

    /// The packet an IP datagram carries, to be decoded from its headers: the outer datagram's endpoints become the
    /// tunnel's, the hosts' MAC addresses and VLAN are the inner frame's (none when it carries IP alone). Nil past
    /// `maxEncapsulations`.
    static func inner(_ kind: Encapsulation.Kind, id: UInt32?, _ p: DecodedPacket, _ layers: inout [Encapsulation]) -> DecodedPacket? {
        guard p.depth < maxEncapsulations else { return nil }
        keep(p.depth, of: &layers)
        layers.append(Encapsulation(kind: kind, id: id, src: p.src, dst: p.dst))
        var q = DecodedPacket()
        q.depth = p.depth + 1
        return q
    }

    /// An Ethernet II or IEEE 802.3 frame at `off`: the capture's own link, or a frame carried in a tunnel (its MAC
    /// addresses are then the hosts' own, not the tunnel's).
    static func decodeEthernet(_ b: UnsafeRawBufferPointer, at off: Int, into p: inout DecodedPacket,
                               _ layers: inout [Encapsulation]) -> PacketDecodeResult {
        guard b.count >= off + 14 else {
            return .malformed(p.depth == 0 ? "Ethernet header cut short (\(b.count) bytes)"
                                           : "Ethernet header inside \(Encapsulation.path(layers)) cut short")
        }
        p.dstMAC = mac(b, off)
        p.srcMAC = mac(b, off + 6)
        let etherType = be16(b, off + 12)
        if etherType < 0x0600 {
            // IEEE 802.3 length field: LLC follows.
            guard b.count >= off + 17 else { return .malformed("802.3 LLC header cut short") }
            return .llc(dsap: b[off + 14], ssap: b[off + 15], payloadOffset: off + 17, srcMAC: p.srcMAC ?? 0,
                        dstMAC: p.dstMAC ?? 0)
        }
        return decodeNetwork(b, etherType: etherType, at: off + 14, into: &p, &layers)
    }

    /// What follows a link header, by its EtherType: VLAN tags (802.1Q, 802.1ad, the old QinQ type), HSR tags
    /// (IEC 62439-3, substation rings), a PPPoE session, an MPLS label stack, then IPv4 or IPv6.
    static func decodeNetwork(_ b: UnsafeRawBufferPointer, etherType first: UInt16, at start: Int,
                              into p: inout DecodedPacket, _ layers: inout [Encapsulation]) -> PacketDecodeResult {
        var etherType = first, off = start, tags = 0
        while true {
            switch etherType {
            case 0x8100, 0x88A8, 0x9100:
                guard b.count >= off + 4, tags < 8 else { return .malformed("VLAN tag cut short") }
                if p.vlan == nil { p.vlan = be16(b, off) & 0x0FFF }
                etherType = be16(b, off + 2)
                off += 4
                tags += 1
            case 0x892F:
                // HSR tag: path and frame size, sequence number, then the frame's own EtherType.
                guard b.count >= off + 6 else { return .malformed("HSR tag cut short") }
                guard enter(.hsr, id: nil, &p, &layers) else { return tooDeep(layers) }
                etherType = be16(b, off + 4)
                off += 6
            case 0x8864:
                // PPPoE session (RFC 2516): version and type 0x11, code 0, session id, length, then PPP's protocol.
                guard b.count >= off + 8 else { return .malformed("PPPoE header cut short") }
                guard b[off] == 0x11, b[off + 1] == 0 else {
                    return .malformed(String(format: "PPPoE session header with version/type 0x%02X and code 0x%02X",
                                             b[off], b[off + 1]))
                }
                guard enter(.pppoe, id: UInt32(be16(b, off + 2)), &p, &layers) else { return tooDeep(layers) }
                // PPP's protocol field may be compressed to one byte (RFC 1661: odd values are complete in one).
                let compressed = b[off + 6] & 1 == 1
                let ppp = compressed ? UInt16(b[off + 6]) : be16(b, off + 6)
                off += compressed ? 7 : 8
                switch ppp {
                case 0x0021: etherType = 0x0800
                case 0x0057: etherType = 0x86DD
                default: return .other(etherType: 0x8864)     // LCP, PAP, CHAP, IPCP: the session's own control
                }
            case 0x8847, 0x8848:
                // MPLS: labels until the bottom of the stack. What it carries has no type: a first nibble of 4 or 6
                // is IP; 0 is an Ethernet pseudowire, with a control word (RFC 4448) or without one.
                var label: UInt32 = 0, labels = 0
                while true {
                    guard b.count >= off + 4, labels < 16 else { return .malformed("MPLS label stack cut short") }
                    let entry = be32(b, off)
                    label = entry >> 12
                    off += 4
                    labels += 1
                    if entry & 0x100 != 0 { break }
                }
                guard enter(.mpls, id: label, &p, &layers) else { return tooDeep(layers) }
                guard b.count > off else { return .malformed("MPLS payload missing") }
                switch b[off] >> 4 {
                case 4: etherType = 0x0800
                case 6: etherType = 0x86DD
                case 0: return decodeEthernet(b, at: pseudowireFrame(b, at: off), into: &p, &layers)
                default: return .other(etherType: etherType)
                }
            case 0x0800: return decodeIPv4(b, at: off, into: &p, &layers)
            case 0x86DD: return decodeIPv6(b, at: off, into: &p, &layers)
            case GOOSE.etherType, GOOSE.svEtherType: return .substation(etherType: etherType, offset: off, link: p)
            case ..<0x0600 where off > start:
                // An IEEE 802.3 length after a VLAN or HSR tag: LLC follows (BACnet/Ethernet on a VLAN or a ring).
                guard b.count >= off + 3 else { return .malformed("802.3 LLC header cut short") }
                return .llc(dsap: b[off], ssap: b[off + 1], payloadOffset: off + 3, srcMAC: p.srcMAC ?? 0, dstMAC: p.dstMAC ?? 0)
            default: return .other(etherType: etherType)
            }
        }
    }

    /// Where the Ethernet frame of a pseudowire begins: after a control word or at once. A destination MAC address
    /// may begin with a zero nibble as a control word does, so the frame is read both ways and the one whose
    /// EtherType is one a plant's links carry, with an IP header of its own version where it says IP, is taken
    /// (Wireshark guesses from the MAC addresses' vendors instead); when neither or both are, the control word,
    /// which RFC 4448 recommends.
    static func pseudowireFrame(_ b: UnsafeRawBufferPointer, at off: Int) -> Int {
        func plausible(_ frame: Int) -> Bool {
            guard b.count >= frame + 15 else { return false }
            switch be16(b, frame + 12) {
            case 0x0800: return b[frame + 14] >> 4 == 4
            case 0x86DD: return b[frame + 14] >> 4 == 6
            case 0x8100, 0x88A8, 0x9100, 0x0806, 0x8847, 0x8864, 0x892F, 0x88CC, 0x88B8, 0x88BA, 0x8892: return true
            default: return false
            }
        }
        return plausible(off) && !plausible(off + 4) ? off : off + 4
    }

    static func tooDeep(_ layers: [Encapsulation]) -> PacketDecodeResult {
        .malformed("more than \(maxEncapsulations) encapsulations nested (\(Encapsulation.path(layers))); not decoded further")
    }

    /// What an IP datagram carries when it is itself a tunnel: GRE (plain, or a Cisco ERSPAN mirror session),
    /// IP in IP, VXLAN and Geneve (by their UDP ports, when their headers check). Nil: an ordinary datagram.
    /// `b` ends where the outer datagram ends, so that what it carries cannot reach into the frame's padding.
    static func decapsulate(_ b: UnsafeRawBufferPointer, _ p: DecodedPacket, _ layers: inout [Encapsulation]) -> PacketDecodeResult? {
        let off = p.payloadOffset, end = p.payloadEnd
        switch p.proto {
        case 47:
            return decodeGRE(b, p, &layers)
        case 4, 41:
            guard var q = inner(.ipInIP, id: nil, p, &layers) else { return tooDeep(layers) }
            return p.proto == 4 ? decodeIPv4(b, at: off, into: &q, &layers) : decodeIPv6(b, at: off, into: &q, &layers)
        case udp where p.dstPort == 4789:
            // VXLAN (RFC 7348): flags with the I bit, 24 reserved bits, the 24-bit network identifier, 8 reserved. As
            // Wireshark does, the port decides; but a datagram without the I bit whose content is not an IP frame
            // stays an ordinary datagram rather than a malformed tunnel.
            guard end - off >= 8 + 14 else { return nil }
            guard var q = inner(.vxlan, id: be32(b, off + 4) >> 8, p, &layers) else { return tooDeep(layers) }
            return vouched(decodeEthernet(b, at: off + 8, into: &q, &layers), flagged: b[off] & 0x08 != 0, p, &layers)
        case udp where p.dstPort == 6081:
            // Geneve (RFC 8926): version 0, options length in 4-byte words, the protocol carried, the 24-bit VNI.
            guard end - off >= 8, b[off] >> 6 == 0 else { return nil }
            let header = 8 + Int(b[off] & 0x3F) * 4
            guard end - off >= header else { return nil }
            guard var q = inner(.geneve, id: be32(b, off + 4) >> 8, p, &layers) else { return tooDeep(layers) }
            let type = be16(b, off + 2)
            let r = type == 0x6558 ? decodeEthernet(b, at: off + header, into: &q, &layers)
                : decodeNetwork(b, etherType: type, at: off + header, into: &q, &layers)
            return vouched(r, flagged: type == 0x6558 || type == 0x0800 || type == 0x86DD, p, &layers)
        default:
            return nil
        }
    }

    /// A tunnel recognized by its UDP port alone: what it carries stands when its header vouches for it or when it
    /// decodes as IP; otherwise the datagram is read as an ordinary one (nil).
    static func vouched(_ r: PacketDecodeResult, flagged: Bool, _ outer: DecodedPacket,
                        _ layers: inout [Encapsulation]) -> PacketDecodeResult? {
        if flagged { return r }
        if case .ip = r { return r }
        keep(outer.depth, of: &layers)
        return nil
    }

    /// GRE (RFC 2784/2890, version 0): optional checksum, key and sequence number, then the protocol carried by its
    /// EtherType; ERSPAN (0x88BE: type I without a sequence number, type II with one and an 8-byte header; 0x22EB:
    /// type III, a 12-byte header and an optional 8-byte platform subheader) carries the mirrored Ethernet frame.
    static func decodeGRE(_ b: UnsafeRawBufferPointer, _ p: DecodedPacket, _ layers: inout [Encapsulation]) -> PacketDecodeResult {
        var off = p.payloadOffset
        let end = p.payloadEnd
        guard end - off >= 4 else { return .malformed("GRE header cut short") }
        let flags = be16(b, off), type = be16(b, off + 2)
        guard flags & 0x0007 == 0 else {
            // Version 1 is PPTP's enhanced GRE: PPP inside, mostly compressed or encrypted (MPPE).
            return .malformed("GRE version \(flags & 7) (PPTP's enhanced GRE) is not decoded")
        }
        guard flags & 0x4000 == 0 else { return .malformed("GRE with source routing (RFC 1701) is not decoded") }
        let hasChecksum = flags & 0x8000 != 0, hasKey = flags & 0x2000 != 0, hasSequence = flags & 0x1000 != 0
        let header = 4 + (hasChecksum ? 4 : 0) + (hasKey ? 4 : 0) + (hasSequence ? 4 : 0)
        guard end - off >= header else { return .malformed("GRE header cut short") }
        let key = hasKey ? be32(b, off + 4 + (hasChecksum ? 4 : 0)) : nil
        off += header
        switch type {
        case 0x88BE where !hasSequence:
            guard var q = inner(.erspan1, id: nil, p, &layers) else { return tooDeep(layers) }
            return decodeEthernet(b, at: off, into: &q, &layers)
        case 0x88BE:
            guard end - off >= 8 else { return .malformed("ERSPAN type II header cut short") }
            let word = be16(b, off)
            guard word >> 12 == 1 else { return .malformed("ERSPAN header version \(word >> 12) under type II") }
            guard var q = inner(.erspan2, id: UInt32(be16(b, off + 2) & 0x03FF), p, &layers) else { return tooDeep(layers) }
            return decodeMirrored(b, at: off + 8, originalVLAN: word & 0x0FFF, into: &q, &layers)
        case 0x22EB:
            guard end - off >= 12 else { return .malformed("ERSPAN type III header cut short") }
            let word = be16(b, off)
            guard word >> 12 == 2 else { return .malformed("ERSPAN header version \(word >> 12) under type III") }
            let last = be16(b, off + 10)
            let start = off + 12 + (last & 1 != 0 ? 8 : 0)
            guard end >= start else { return .malformed("ERSPAN type III platform subheader cut short") }
            guard var q = inner(.erspan3, id: UInt32(be16(b, off + 2) & 0x03FF), p, &layers) else { return tooDeep(layers) }
            switch (last >> 10) & 0x1F {
            case 0: return decodeMirrored(b, at: start, originalVLAN: word & 0x0FFF, into: &q, &layers)
            case 2:
                guard end > start else { return .malformed("ERSPAN type III IP frame missing") }
                return b[start] >> 4 == 6 ? decodeIPv6(b, at: start, into: &q, &layers) : decodeIPv4(b, at: start, into: &q, &layers)
            case let ft: return .malformed("ERSPAN type III frame type \(ft) is not decoded")
            }
        case 0x6558:
            guard var q = inner(.gre, id: key, p, &layers) else { return tooDeep(layers) }
            return decodeEthernet(b, at: off, into: &q, &layers)
        default:
            guard var q = inner(.gre, id: key, p, &layers) else { return tooDeep(layers) }
            return decodeNetwork(b, etherType: type, at: off, into: &q, &layers)
        }
    }

    /// A frame an ERSPAN session mirrored; the VLAN its header names (the tag the switch took off) stands when the
    /// frame itself carries none.
    static func decodeMirrored(_ b: UnsafeRawBufferPointer, at off: Int, originalVLAN: UInt16,
                               into p: inout DecodedPacket, _ layers: inout [Encapsulation]) -> PacketDecodeResult {
        let r = decodeEthernet(b, at: off, into: &p, &layers)
        guard originalVLAN != 0, case .ip(var q) = r, q.vlan == nil else { return r }
        q.vlan = originalVLAN
        return .ip(q)
    }

    static func decodeIPv4(_ b: UnsafeRawBufferPointer, at off: Int, into p: inout DecodedPacket,
                           _ layers: inout [Encapsulation]) -> PacketDecodeResult {
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
        return decodeTransport(b, into: &p, layers: &layers)
    }

    static func decodeIPv6(_ b: UnsafeRawBufferPointer, at off: Int, into p: inout DecodedPacket,
                           _ layers: inout [Encapsulation]) -> PacketDecodeResult {
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
        return decodeTransport(b, into: &p, layers: &layers)
    }

    /// Decodes the TCP or UDP header at `p.l4Offset`; other protocols keep the whole IP payload as payload.
    public static func decodeTransport(_ b: UnsafeRawBufferPointer, into p: inout DecodedPacket,
                                       layers: inout [Encapsulation]) -> PacketDecodeResult {
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
        // Tunnels are never TCP; which other datagrams are is `decapsulate`'s to say.
        if p.proto != tcp, let inner = decapsulate(UnsafeRawBufferPointer(rebasing: b[0..<p.payloadEnd]), p, &layers) {
            return inner
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

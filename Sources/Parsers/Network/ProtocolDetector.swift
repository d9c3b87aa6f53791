/// Recognizes the application protocol of a flow from the first bytes it carries, not from the port alone
/// (Zeek's dynamic protocol detection): an attacker's Modbus on port 80 is still Modbus.
public enum ProtocolDetector {
    /// A decoder for the flow, when its first payload is a protocol Jikocho decodes.
    public static func decoder(for b: UnsafeRawBufferPointer, proto: UInt8, client: NetEndpoint, server: NetEndpoint,
                               fromClient: Bool) -> (any FlowDecoder)? {
        if proto == PacketDecoder.tcp {
            // HART-IP on its own port first: a session initiate's header can have MBAP's shape too.
            if server.port == HARTIP.port, HARTIP.looksLike(b, datagram: false) { return HARTIPDecoder(datagrams: false) }
            // RTU first: whole frames whose CRCs check are stronger evidence than MBAP's shape, which an RTU read
            // of address 0 (`01 03 00 00 00 02 …`) has too.
            if Modbus.looksLikeRTU(b, fromClient: fromClient) { return ModbusDecoder(rtu: true) }
            if Modbus.looksLike(b) { return ModbusDecoder() }
            if TPKTDecoder.looksLike(b) { return TPKTDecoder() }
            if IEC104.looksLike(b) { return IEC104Decoder() }
            if ENIP.looksLike(b) { return ENIPDecoder() }
            if OPCUA.looksLike(b) { return OPCUADecoder() }
            if HTTPDecoder.looksLike(b, fromClient: fromClient) { return HTTPDecoder() }
            if TLS.looksLike(b) { return TLSDecoder() }
            if SMB2Decoder.looksLike(b) { return SMB2Decoder() }
            if b.count >= 4, b[0] == 0x53, b[1] == 0x53, b[2] == 0x48, b[3] == 0x2D { return SSHDecoder() }
            if RFB.looksLike(b) { return RFBDecoder() }
            if FINS.looksLikeStream(b) { return FINSDecoder(tcp: true) }
            if MELSEC.looksLike(b) { return MELSECDecoder() }
            if HARTIP.looksLike(b, datagram: false) { return HARTIPDecoder(datagrams: false) }
        }
        if DNP3.looksLike(b) { return DNP3Decoder() }
        if proto == PacketDecoder.udp, ENIP.looksLike(b) { return ENIPDecoder(datagrams: true) }
        if proto == PacketDecoder.udp, BACnet.looksLike(b) { return BACnetDecoder() }
        if proto == PacketDecoder.udp, DNS.looksLike(b, server: server.port) { return DNSDecoder(tcp: false) }
        // After DNS: a FINS or MC protocol header is a weaker sign than a DNS query to port 53.
        if proto == PacketDecoder.udp, FINS.looksLikeDatagram(b),
           server.port == FINS.port || client.port == FINS.port || b[0] & 0x80 != 0 { return FINSDecoder(tcp: false) }
        if proto == PacketDecoder.udp, MELSEC.looksLike(b) { return MELSECDecoder(datagrams: true) }
        if proto == PacketDecoder.udp, HARTIP.looksLike(b, datagram: true) { return HARTIPDecoder(datagrams: true) }
        // Modbus over UDP, after the rest: an RTU frame whose CRC checks filling the datagram (a serial device server
        // in UDP mode), or an MBAP frame filling it exactly (Modbus/UDP).
        if proto == PacketDecoder.udp, Modbus.looksLikeRTUDatagram(b, fromClient: fromClient) {
            return ModbusDecoder(rtu: true, datagrams: true)
        }
        if proto == PacketDecoder.udp, Modbus.looksLikeDatagram(b) { return ModbusDecoder(datagrams: true) }
        // Content was not conclusive: the server's well-known port decides, and the decoder reports what does not
        // frame (garbage on port 502 is itself worth a warning).
        if proto == PacketDecoder.tcp {
            switch server.port {
            case Modbus.port: return ModbusDecoder()
            case 102: return TPKTDecoder()
            case 20000: return DNP3Decoder()
            case 2404: return IEC104Decoder()
            case ENIP.tcpPort: return ENIPDecoder()
            case OPCUA.port: return OPCUADecoder()
            case 53: return DNSDecoder(tcp: true)
            case 22: return SSHDecoder()
            case FINS.port: return FINSDecoder(tcp: true)
            case 445, 139: return SMB2Decoder()
            case HARTIP.port: return HARTIPDecoder(datagrams: false)
            default: break
            }
        }
        if proto == PacketDecoder.udp, server.port == Modbus.port { return ModbusDecoder(datagrams: true) }
        if proto == PacketDecoder.udp, server.port == HARTIP.port { return HARTIPDecoder(datagrams: true) }
        return nil
    }

    /// The name of a protocol recognized but not decoded (its flows carry the name; payload is not reassembled).
    public static func name(for b: UnsafeRawBufferPointer, proto: UInt8, fromClient: Bool) -> String? {
        guard b.count >= 4 else { return nil }
        if proto == PacketDecoder.tcp {
            if b[0] == 0x16, b[1] == 3, b[2] <= 4 { return "tls" }
            if b.starts(with: Array("SSH-".utf8)) { return "ssh" }
        }
        if proto == PacketDecoder.udp, ENIP.looksLikeIO(b) { return "cip_io" }
        return nil
    }
}

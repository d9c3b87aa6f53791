/// The station a request addresses behind one IP address, one canonical way per protocol: a Modbus unit behind a
/// serial gateway (or an RTU's own slave address over TCP), a DNP3 outstation's link address, an IEC 60870-5-104
/// common address of the ASDU. Decoders put it into an event's `station` attribute (the controller's end of the
/// exchange, whichever way the message went); the asset inventory's `station:` takes the same forms, so two RTUs
/// behind one gateway are two assets, and a write to one is not read against the other's points.
///
/// | protocol | canonical form | accepted aliases |
/// |---|---|---|
/// | Modbus | `modbus:unit:2` (0–255) | `modbus:2`, `unit:2` |
/// | DNP3 | `dnp3:outstation:10` (0–65535) | `dnp3:10` |
/// | IEC 60870-5-104 | `iec104:ca:1` (0–65535) | `iec104:1`, `iec104:common_address:1` |
/// | EtherNet/IP-CIP | `cip:route:1:2` (the route's port segments, `/` between hops: port 1, the backplane, slot 2) | `cip:slot:2` |
/// | S7comm | `s7:rack:0:slot:2` (the COTP connection request's destination TSAP) | `s7:slot:2` (rack 0) |
/// | MELSEC (MC protocol) | `melsec:net:0:pc:255` (the access route's network and PC numbers; `:io:03e0:st:1` after them when the request goes on to another module or a multidrop station) | `melsec:0:255` |
/// | OMRON FINS | `fins:net:0:node:10:unit:0` (the destination network, node and unit of a command; unit 0 the CPU) | `fins:0:10:0`, `fins:net:0:node:10` (unit 0) |
/// | HART (HART-IP) | `hart:26a5001234` (the device's unique address, master and burst bits cleared) or `hart:poll:0` | any case |
/// | BACnet | `bacnet:net:3:mac:108` (a device behind a BACnet router: the NPDU's network number and the device's MAC on it, one byte in decimal as an MS/TP address is written, longer ones in hex, `0x0a000001bac0`) | `bacnet:3:108` |
public enum Station {
    public static func modbus(unit: Int) -> String { "modbus:unit:\(unit)" }
    public static func dnp3(outstation: Int) -> String { "dnp3:outstation:\(outstation)" }
    public static func iec104(commonAddress: Int) -> String { "iec104:ca:\(commonAddress)" }
    public static func s7(rack: Int, slot: Int) -> String { "s7:rack:\(rack):slot:\(slot)" }
    /// A MELSEC access route: network and PC number, and the request destination module's I/O number and station
    /// number when they are not the connected controller's own (0x03FF, 0).
    public static func melsec(network: Int, pc: Int, moduleIO: Int = 0x03FF, station: Int = 0) -> String {
        "melsec:net:\(network):pc:\(pc)"
            + (moduleIO == 0x03FF && station == 0 ? "" : ":io:" + String(moduleIO, radix: 16).leftPadded(4) + ":st:\(station)")
    }

    /// An OMRON FINS node: network (0 the local one), node and unit.
    public static func fins(network: Int, node: Int, unit: Int) -> String { "fins:net:\(network):node:\(node):unit:\(unit)" }

    /// A device on a BACnet network behind a router: the network number (1–65534) and its MAC address on that network.
    public static func bacnet(net: Int, mac: some Collection<UInt8>) -> String {
        "bacnet:net:\(net):mac:" + (mac.count == 1 ? String(mac.first!) : "0x" + Hex.string(mac))
    }

    /// A HART device: its unique (long) address in hex, the master and burst bits of its first byte cleared, or the
    /// polling (short) address a request used.
    public static func hart(uniqueAddress: [UInt8]) -> String { "hart:" + Hex.string(uniqueAddress) }
    public static func hart(polling: Int) -> String { "hart:poll:\(polling)" }

    /// A CIP route's port segments (`1:2`, then the next hop's), `/` between hops.
    public static func cip(route: [String]) -> String { "cip:route:" + route.joined(separator: "/") }

    /// Every accepted form, for an error message.
    public static let acceptedForms = "modbus:unit:2 (unit 0–255), dnp3:outstation:10 (link address 0–65535), "
        + "iec104:ca:1 (common address 0–65535), cip:route:1:2 or cip:slot:2 (a controller in slot 2 of the backplane), "
        + "s7:rack:0:slot:2 or s7:slot:2 (rack 0–7, slot 0–31), bacnet:net:3:mac:108 or bacnet:3:108 (network 1–65534, "
        + "MAC 0–255, or 0x and 2–8 bytes in hex), fins:net:0:node:10:unit:0 or fins:0:10:0 (network, node and unit "
        + "0–255; unit 0 when left out), melsec:net:0:pc:255 or melsec:0:255 (network and PC number 0–255; "
        + ":io:03e0:st:1 after them for another module or station), hart:26a5001234 (a HART device's unique address, "
        + "10 hex digits) or hart:poll:0 (its polling address 0–63)"

    /// A number written in decimal digits only, within `range` (nil otherwise: `+5`, `0x05`, out of range).
    static func digits(_ s: String, in range: ClosedRange<Int>) -> Int? {
        guard !s.isEmpty, s.allSatisfy(\.isNumber), let n = Int(s), range.contains(n) else { return nil }
        return n
    }

    /// The canonical text of a station as a person writes it, or nil when it is in no accepted form or out of range.
    public static func canonical(_ text: String) -> String? {
        let t = text.trimmingBlanks.lowercased()
        if t.hasPrefix("s7:") {
            let p = t.split(separator: ":").map(String.init)
            let (rack, slot): (Int?, Int?) = p.count == 5 && p[1] == "rack" && p[3] == "slot" ? (Int(p[2]), Int(p[4]))
                : p.count == 3 && p[1] == "slot" ? (0, Int(p[2])) : (nil, nil)
            guard let rack, let slot, (0...7).contains(rack), (0...31).contains(slot) else { return nil }
            return s7(rack: rack, slot: slot)
        }
        if t.hasPrefix("bacnet:") {
            let p = t.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let (net, mac): (String, String) = p.count == 5 && p[1] == "net" && p[3] == "mac" ? (p[2], p[4])
                : p.count == 3 ? (p[1], p[2]) : ("", "")
            guard let n = Int(net), (1...65_534).contains(n) else { return nil }
            if let m = digits(mac, in: 0...255) { return bacnet(net: n, mac: [UInt8(m)]) }
            guard mac.hasPrefix("0x"), let bytes = Hex.bytes(String(mac.dropFirst(2))), (2...8).contains(bytes.count) else { return nil }
            return bacnet(net: n, mac: bytes)
        }
        if t.hasPrefix("melsec:") {
            let p = t.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            func byte(_ s: String) -> Int? { digits(s, in: 0...255) }
            if p.count == 3, let n = byte(p[1]), let pc = byte(p[2]) { return melsec(network: n, pc: pc) }
            guard p.count == 5 || p.count == 9, p[1] == "net", p[3] == "pc", let n = byte(p[2]), let pc = byte(p[4]) else { return nil }
            if p.count == 5 { return melsec(network: n, pc: pc) }
            guard p[5] == "io", p[7] == "st", p[6].count == 4, let io = Int(p[6], radix: 16), let st = byte(p[8]) else { return nil }
            return melsec(network: n, pc: pc, moduleIO: io, station: st)
        }
        if t.hasPrefix("hart:") {
            let rest = String(t.dropFirst(5))
            if rest.hasPrefix("poll:") { return digits(String(rest.dropFirst(5)), in: 0...63).map { hart(polling: $0) } }
            guard rest.count == 10, var bytes = Hex.bytes(rest) else { return nil }
            bytes[0] &= 0x3F
            return hart(uniqueAddress: bytes)
        }
        if t.hasPrefix("fins:") {
            let p = t.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let n: [String] = p.count == 7 && p[1] == "net" && p[3] == "node" && p[5] == "unit" ? [p[2], p[4], p[6]]
                : p.count == 5 && p[1] == "net" && p[3] == "node" ? [p[2], p[4], "0"]
                : p.count == 4 ? [p[1], p[2], p[3]] : []
            let v = n.compactMap { digits($0, in: 0...255) }
            guard v.count == 3 else { return nil }
            return fins(network: v[0], node: v[1], unit: v[2])
        }
        if t.hasPrefix("cip:slot:") {
            guard let n = Int(t.dropFirst(9)), (0...255).contains(n) else { return nil }
            return cip(route: ["1:\(n)"])
        }
        if t.hasPrefix("cip:route:") {
            // PORT:LINK hops, `/` between them; a link is a slot number or a network address.
            let hops = t.dropFirst(10).split(separator: "/", omittingEmptySubsequences: false)
            guard !hops.isEmpty, hops.count <= 8, hops.allSatisfy({ hop in
                let pl = hop.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                return pl.count == 2 && Int(pl[0]).map { (1...15).contains($0) } == true && !pl[1].isEmpty
                    && pl[1].allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
            }) else { return nil }
            return cip(route: hops.map(String.init))
        }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let n = Int(parts[parts.count - 1]), n >= 0 else { return nil }
        let head = parts.dropLast().joined(separator: ":")
        switch head {
        case "modbus:unit", "modbus", "unit": return n <= 255 ? modbus(unit: n) : nil
        case "dnp3:outstation", "dnp3": return n <= 65_535 ? dnp3(outstation: n) : nil
        case "iec104:ca", "iec104", "iec104:common_address": return n <= 65_535 ? iec104(commonAddress: n) : nil
        default: return nil
        }
    }
}

import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Captures reach an investigator through the plant's monitoring as often as from a bare SPAN port: a switch's remote
/// mirror (ERSPAN over GRE), a cloud's traffic mirror (VXLAN, Geneve), a carrier's MPLS path to a remote station, a
/// PPPoE or GRE link to an outstation, an HSR ring in a substation. The decoder reads the packet inside, and the flow
/// says what it came through.
@Suite struct EncapsulationTests {
    /// Each path's expected encapsulation (as the flow names it), VLAN, and tunnel id of its outermost layer.
    static let expected: [String: (encapsulation: String?, vlan: Int?, id: Int?)] = [
        "bare": (nil, nil, nil), "vlan": (nil, 10, nil), "qinq": (nil, 100, nil), "vxlan": ("vxlan", nil, 5001),
        "vxlan-in-vlan": ("vxlan", 5, 5002), "geneve": ("geneve", nil, 7), "gre-ip": ("gre", nil, 42),
        "gre-ethernet": ("gre", nil, nil), "erspan-i": ("erspan-i", nil, nil), "erspan-ii": ("erspan-ii", 30, 100),
        "erspan-iii": ("erspan-iii", nil, 200), "ip-in-ip": ("ip-in-ip", nil, nil), "gre-over-ipv6": ("gre", nil, 256),
        "gre-fragmented": ("gre", nil, nil), "mpls-ip": ("mpls", nil, 16), "mpls-pseudowire": ("mpls", nil, 2000),
        "pppoe": ("pppoe", nil, 0x1234), "hsr": ("hsr", nil, nil),
    ]

    /// Every Modbus message Wireshark finds inside each encapsulation is an event with Wireshark's endpoints,
    /// function, address and value; every flow names what it came through, with the tunnel's id and endpoints as
    /// Wireshark reads them; the hostile frames are warnings at their packets, never a crash.
    @Test func everyEncapsulatedMessageMatchesTshark() throws {
        let golden = try #require(Golden.load("generated_encapsulations.pcap", "tunnels"),
                                  "no golden: run scripts/oracles/encapsulations_golden.sh")
        let sink = try collectGenerated("encapsulations", Encapsulations.write(to:)).sink
        let modbus = sink.events.filter { $0.kind.hasPrefix("ics.modbus.") }
        let byRequest = Dictionary(uniqueKeysWithValues: modbus.compactMap { e in e.int("request_packet").map { ($0, e) } })
        let byResponse = Dictionary(uniqueKeysWithValues: modbus.compactMap { e in e.int("response_packet").map { ($0, e) } })
        let flows = Dictionary(uniqueKeysWithValues: sink.events.filter { $0.kind == "net.flow" }.map { ($0.src.ip ?? "", $0) })
        var messages = 0
        var tunnelled = Set<String>()
        for row in golden.rows where row["modbus.func_code"] != nil {
            let frame = Int(row["frame.number"]!)!
            let request = row["tcp.dstport"] == "502"
            let e = try #require(request ? byRequest[frame] : byResponse[frame], "frame \(frame): no event")
            // The innermost addresses are the hosts'.
            let src = row["ip.src"]!.components(separatedBy: ",").last!, dst = row["ip.dst"]!.components(separatedBy: ",").last!
            let client = request ? src : dst
            #expect(e.src.ip == client && e.dst.ip == (request ? dst : src), "frame \(frame) endpoints")
            #expect(e.int("function_code").map(String.init) == row["modbus.func_code"], "frame \(frame) function")
            let i = Int(client.split(separator: ".").last!)! - 10
            if request { #expect(e.int("address").map(String.init) == row["modbus.reference_num"], "frame \(frame) address") }
            if let v = row["modbus.regval_uint16"] { #expect(v == String(Encapsulations.value(i)), "frame \(frame) value") }
            // The flow names its way in, as Wireshark reads the layers.
            let path = Encapsulations.paths[i]
            let want = try #require(Self.expected[path])
            let flow = try #require(flows[client], "\(path): no flow")
            #expect(flow.string("encapsulation") == want.encapsulation, "\(path) encapsulation")
            #expect(flow.int("vlan") == want.vlan, "\(path) vlan")
            var outer: [String: JSONValue]?
            if case .array(let layers)? = flow.attributes["tunnels"], case .object(let o)? = layers.first { outer = o }
            var outerID: Int?
            if case .int(let v)? = outer?["id"] { outerID = Int(v) }
            #expect(outerID == want.id, "\(path) tunnel id")
            let layerID = row["vxlan.vni"] ?? row["geneve.vni"] ?? row["gre.key"] ?? row["erspan.spanid"]
                ?? row["pppoe.session_id"] ?? row["mpls.label"]?.components(separatedBy: ",").last
            if let layerID { #expect(tsharkInt(layerID) == want.id, "\(path): tshark's tunnel id \(layerID)") }
            if want.encapsulation != nil, ["vxlan", "geneve", "gre", "erspan-i", "erspan-ii", "erspan-iii", "ip-in-ip"]
                .contains(want.encapsulation!) {
                let outerSrc = row["ipv6.src"] ?? row["ip.src"]!.components(separatedBy: ",").first!
                let outerDst = row["ipv6.dst"] ?? row["ip.dst"]!.components(separatedBy: ",").first!
                let tunnelSrc = outer?["src_ip"]?.text, tunnelDst = outer?["dst_ip"]?.text
                #expect(Set([tunnelSrc, tunnelDst]) == Set([outerSrc, outerDst]), "\(path): tunnel endpoints")
            }
            if want.encapsulation != nil { tunnelled.insert(path) }
            messages += 1
        }
        #expect(messages == Encapsulations.paths.count * 4)
        #expect(tunnelled.count == Encapsulations.paths.count - 3)
        #expect(modbus.count == Encapsulations.paths.count * 2)
        // Hostile frames: what tshark calls malformed, or does not decode, is a warning of ours at that packet.
        func warned(_ frame: Int, _ start: String) -> Bool {
            sink.warnings.contains { $0.locator == "packet \(frame)" && $0.text.hasPrefix(start) }
        }
        let hostile = golden.rows.filter { $0["tcp.srcport"] == nil }.map { Int($0["frame.number"]!)! }
        #expect(hostile.count == 6)
        #expect(warned(hostile[0], "more than 8 encapsulations nested"))
        #expect(warned(hostile[1], "GRE version 1 (PPTP's enhanced GRE) is not decoded"))
        #expect(warned(hostile[2], "ERSPAN header version 3 under type II"))
        #expect(warned(hostile[3], "MPLS label stack cut short"))
        // VXLAN without its I flag but holding an IP frame is read through, as tshark does; a datagram to the port
        // that holds no frame stays an ordinary datagram.
        #expect(flows["10.70.2.1"]?.string("encapsulation") == "vxlan")
        #expect(flows["192.0.2.10"].map { $0.dst.port == 4789 && $0.string("encapsulation") == nil } == true)
        #expect(sink.warnings.count == 5, "\(sink.warnings.map(\.text))")
        let summary = try #require(sink.warnings.first { $0.locator == "capture" })
        #expect(summary.text.contains("151 decoded from inside encapsulations (gre 40, erspan-i 10, erspan-ii 10"))
        // The same with the flows' work on several threads.
        let tmp = TempDir("encapsulations-threads")
        let path = tmp.url.appendingPathComponent("e.pcap").path
        _ = try Encapsulations.write(to: path)
        let one = try collectPcap(path: path, threads: 1), four = try collectPcap(path: path, threads: 4)
        #expect(one.events.map(\.attributes) == four.events.map(\.attributes))
        #expect(one.warnings.map(\.text) == four.warnings.map(\.text))
    }

    @Test func damagedTunnelsNeverCrash() throws {
        try collectDamagedCopies("encapsulations-damaged", seed: 0xE4CA, Encapsulations.write(to:))
    }

    /// A tunnel inside a tunnel as deep as a crafted packet likes: the decoder stops at its limit with a warning, at
    /// any depth, and never recurses without end.
    @Test func nestingIsBounded() {
        var packet: [UInt8] = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0x88, 0x13, 0x89, 0, 8, 0, 0]
        for depth in 1...200 {
            let gre: [UInt8] = [0, 0, 0x08, 0x00] + packet
            packet = [0x45, 0, UInt8((20 + gre.count) >> 8), UInt8((20 + gre.count) & 0xFF), 0, 1, 0, 0, 64, 47, 0, 0,
                      192, 0, 2, 1, 192, 0, 2, 2] + gre
            if packet.count > 65_000 { break }
            let (r, layers) = packet.withUnsafeBytes { PacketDecoder.decode($0, link: .raw) }
            switch r {
            case .ip(let p):
                #expect(depth <= PacketDecoder.maxEncapsulations && Int(p.depth) == depth && layers.count == depth && p.dstPort == 5001)
            case .malformed(let why):
                #expect(depth > PacketDecoder.maxEncapsulations && why.hasPrefix("more than 8 encapsulations nested"))
            default:
                Issue.record("depth \(depth): \(r)")
            }
        }
    }

    /// An Ethernet pseudowire over MPLS with or without a control word: the frame is found either way, whatever
    /// the first nibble of its destination address (where Wireshark's guess by MAC vendor fails on an all-zero
    /// control word).
    @Test func pseudowiresWithAndWithoutAControlWord() {
        let ip: [UInt8] = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0x88, 0x13, 0x89, 0, 8, 0, 0]
        for dstMAC: [UInt8] in [[0x00, 0x1B, 0x1B, 1, 2, 3], [0x02, 0, 0, 0, 0, 1], [0x00, 0, 0, 0, 0, 0]] {
            let frame = dstMAC + [0x00, 0x0E, 0x8C, 4, 5, 6, 0x08, 0x00] + ip
            for cw in [true, false] {
                let packet: [UInt8] = [2, 0, 0, 0, 0, 0xA, 2, 0, 0, 0, 0, 0xB, 0x88, 0x47, 0x00, 0x7D, 0x01, 64]
                    + (cw ? [0, 0, 0, 1] : []) + frame
                let (r, layers) = packet.withUnsafeBytes { PacketDecoder.decode($0, link: .ethernet) }
                guard case .ip(let p) = r else {
                    Issue.record("\(dstMAC) cw \(cw): \(r)")
                    continue
                }
                #expect(p.dstPort == 5001 && layers.map(\.kind) == [.mpls] && layers[0].id == 2000)
                #expect(p.srcMAC == 0x000E_8C04_0506, "\(dstMAC) cw \(cw)")
            }
        }
    }

    /// Every shared capture with its packets put through seven encapsulations in turn (a packet's neighbours
    /// through others, as a mirror that changes path would give) reads as the bare capture does: the same
    /// events and warnings but for the flows' own account of what they came through.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func sharedCapturesReadTheSameThroughTunnels() throws {
        let tmp = TempDir("rewrapped")
        // The OPC UA sample was captured on a loopback interface (BSD null link): there is no frame to mirror.
        for capture in sharedCaptures where capture != "pcaps/ics/opcua_open62541_mainloop.pcap" {
            let original = TestPaths.dataset(capture)
            let copy = tmp.url.appendingPathComponent(URL(fileURLWithPath: capture).lastPathComponent).path
            _ = try Encapsulations.rewrap(original, to: copy, through: Encapsulations.framePaths.filter { $0 != "qinq" })
            let bare = try collectPcap(path: original), wrapped = try collectPcap(path: copy)
            func comparable(_ e: Event) -> String {
                var a = e.attributes.dictionary
                // ERSPAN's header names the VLAN of the mirrored port: a flow's VLAN may come from it.
                if e.kind == "net.flow" { for k in ["encapsulation", "tunnels", "vlan"] { a[k] = nil } }
                return "\(e.time) \(e.kind) \(e.src) \(e.dst) \(e.message) \(JSONValue.object(a).canonicalJSON)"
            }
            let (a, b) = (bare.events.map(comparable), wrapped.events.map(comparable))
            #expect(a.count == b.count, "\(capture): \(a.count) events bare, \(b.count) through tunnels")
            if let first = zip(a, b).first(where: { $0 != $1 }) {
                Issue.record("\(capture): bare \(first.0.prefix(600))\nthrough tunnels \(first.1.prefix(600))")
            }
            let flows = wrapped.events.filter { $0.kind == "net.flow" }
            #expect(!flows.isEmpty && flows.allSatisfy { $0.string("encapsulation") != nil }, "\(capture): a flow names no tunnel")
            // The bare capture's warnings; its account of the packets, when it has one, names the tunnels too.
            #expect(bare.warnings.filter { $0.locator != "capture" }.map(\.text)
                    == wrapped.warnings.filter { $0.locator != "capture" }.map(\.text), "\(capture)")
            let account = wrapped.warnings.filter { $0.locator == "capture" }
            #expect(account.count == bare.warnings.filter { $0.locator == "capture" }.count, "\(capture)")
            #expect(account.allSatisfy { $0.text.contains("decoded from inside encapsulations") }, "\(capture)")
        }
    }
}

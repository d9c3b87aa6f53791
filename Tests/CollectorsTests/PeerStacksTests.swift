import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Control writes made by protocol stacks Jikocho was not written against. The repository's own generators write each
/// protocol the way its decoders read it, so their captures cannot show a shared misreading; these captures come from
/// independent implementations talking on the loopback interface (scripts/oracles/peer_stacks.sh: pymodbus,
/// python-snap7, asyncua, cpppo, c104 (lib60870), bacpypes3 and dnp3py, servers and clients both), committed in
/// Tests/Fixtures/peers with the key of what each client was asked to write. Every write of the key must come out as
/// the control facts every inference reads (the canonical point and the raw value; a command its kind), in order, and
/// the requests that carry them must be the ones tshark calls write or command requests (its golden file,
/// peer_<protocol>.writes.tsv).
@Suite struct PeerStacksTests {
    static let protocols = ["modbus", "modbus_rtu_tcp", "modbus_udp", "s7", "opcua", "cip", "iec104", "bacnet", "dnp3"]
    static let folder = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/peers")

    /// The key's rows: the action, the point (for a command, what it does: `plc_stop`) and the value's text (`1234`,
    /// `7.25`, `true`; empty where the request carries none).
    static func key(_ proto: String) throws -> [(action: String, point: String, value: String)] {
        let text = try String(contentsOf: folder.appendingPathComponent("peer_\(proto).key.tsv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return (cells[0], cells.count > 1 ? cells[1] : "", cells.count > 2 ? cells[2] : "")
        }
    }

    static func matches(_ value: JSONValue, _ text: String) -> Bool {
        switch text {
        case "": return value == .null
        case "true": return value == .bool(true) || ControlPoint.number(value) == 1
        case "false": return value == .bool(false) || ControlPoint.number(value) == 0
        default: return ControlPoint.number(value).map { $0 == Double(text) } ?? false
        }
    }

    @Test(arguments: protocols) func everyWriteOfTheKeyIsAControlFact(_ proto: String) throws {
        let sink = try collectPcap(path: Self.folder.appendingPathComponent("peer_\(proto).pcap").path)
        #expect(sink.warnings.isEmpty, "\(proto): \(sink.warnings.map { "\($0.locator): \($0.text)" })")
        let commands = sink.events.compactMap { e in ControlPoint.facts(e.attributes).map { (event: e, facts: $0) } }
        // A select names the point an operate will change; what was written is what was operated. A command (stop,
        // restart, device control) names no point: the key names it by its event kind's last part.
        let done = commands.filter { $0.facts.action != "select" }.flatMap { c in
            c.facts.action == "command"
                ? [(action: "command", point: String(c.event.kind.split(separator: ".").last ?? ""), value: JSONValue.null)]
                : c.facts.writes.map { (action: c.facts.action, point: $0.point, value: $0.value) }
        }
        let key = try Self.key(proto)
        #expect(done.map { "\($0.action) \($0.point)" } == key.map { "\($0.action) \($0.point)" }, "\(proto)")
        for (w, k) in zip(done, key) {
            #expect(Self.matches(w.value, k.value), "\(proto) \(k.point): \(w.value) against the key's \(k.value)")
        }
        // The requests tshark calls writes and commands, and no others, carry control facts (a Multiple Service Packet
        // carries several).
        let golden = try #require(Golden.load("peer_\(proto).pcap", "writes"), "no golden: run scripts/oracles/peer_stacks.sh")
        let frames = Set(golden.rows.compactMap { $0["frame.number"].flatMap(Int.init) })
        #expect(!frames.isEmpty)
        #expect(Set(commands.map { $0.event.int("request_packet") ?? $0.event.int("packet") ?? -1 }) == frames, "\(proto)")
        #expect(commands.allSatisfy { $0.event.kind.hasPrefix("ics.") && $0.event.domain == .ot })
    }

    /// Control channels the capture cannot read: an OPC UA session signed and encrypted (asyncua, Basic256Sha256) and
    /// a Modbus/TCP Security session (TLS on port 802, OpenSSL), each carrying a write of the key. No event claims to
    /// see the write, nothing of the channel is called routine, and the connection says it could not be read: what
    /// the report's gaps and conclusion read, whatever the protocol.
    @Test(arguments: ["opcua_encrypted", "modbus_tls"]) func encryptedChannelsAreSaidUnreadable(_ proto: String) throws {
        let sink = try collectPcap(path: Self.folder.appendingPathComponent("peer_\(proto).pcap").path)
        #expect(sink.warnings.isEmpty, "\(proto): \(sink.warnings.map { "\($0.locator): \($0.text)" })")
        #expect(try !Self.key(proto).isEmpty)
        #expect(sink.events.allSatisfy { ControlPoint.facts($0.attributes) == nil }, "\(proto)")
        #expect(!sink.events.contains { $0.message.contains("routine") }, "\(proto)")
        let unreadable = sink.events.filter { $0.kind == "net.flow" }.compactMap { $0.attributes["unreadable"]?.text }
        #expect(unreadable.count == 1, "\(proto)")
        let expected = proto == "modbus_tls" ? "Modbus/TCP Security: encrypted" : "OPC UA secure channel (Basic256Sha256): 9 messages encrypted"
        #expect(unreadable.first?.hasPrefix(expected) == true, "\(unreadable)")
        if proto == "opcua_encrypted" {
            // Its messages are said to be encrypted, one kept and the rest counted, not paired by ids that are ciphertext.
            let kinds = sink.events.map(\.kind).filter { $0.hasPrefix("ics.opcua.encrypted") }
            #expect(kinds == ["ics.opcua.encrypted_message", "ics.opcua.encrypted_message_summary"], "\(kinds)")
        }
    }

    /// TLS is a control channel on the ports IANA gives ICS protocols over TLS and on the protocols' own ports (a
    /// gateway or a vendor's secure mode wrapping them); on any other port (HTTPS) it is not one, and says nothing.
    @Test func tlsOnAControlPortIsUnreadable() throws {
        func unreadable(_ port: UInt16) -> String? {
            let d = TLSDecoder()
            var out = DecodeOutput()
            let ctx = PacketContext(packet: 1, time: 0, src: NetEndpoint(IPAddress("10.0.0.5")!, 50_000),
                                    dst: NetEndpoint(IPAddress("10.0.0.9")!, port), fromClient: true)
            [UInt8](repeating: 0, count: 8).withUnsafeBytes { d.data($0, ctx, &out) }
            return d.unreadable
        }
        #expect(unreadable(802)?.hasPrefix("Modbus/TCP Security: encrypted") == true)
        #expect(unreadable(19998)?.hasPrefix("IEC 60870-5-104 over TLS (IEC 62351-3): encrypted") == true)
        #expect(unreadable(502)?.hasPrefix("TLS on the Modbus/TCP port 502: encrypted") == true)
        #expect(unreadable(2404)?.hasPrefix("TLS on the IEC 60870-5-104 port 2404") == true)
        #expect(unreadable(443) == nil && unreadable(8443) == nil)
    }

    /// A Logix array's element (a member segment after the tag's symbol, as cpppo and Rockwell's clients encode
    /// `Counts[2]`) is part of the point: a write to Counts[2] is not a write to Counts[0].
    @Test func logixElementsArePartOfThePoint() {
        func path(_ bytes: [UInt8]) -> String { ENIP.decodePath(bytes[...]).symbols.joined(separator: ".") }
        let counts: [UInt8] = [0x91, 6] + Array("Counts".utf8)
        #expect(path(counts + [0x28, 2]) == "Counts[2]")
        #expect(path(counts + [0x29, 0, 0x2C, 0x01]) == "Counts[300]")
        #expect(path(counts + [0x2A, 0, 0x40, 0x42, 0x0F, 0x00]) == "Counts[1000000]")
        // One segment per dimension, a structure's member after the element.
        let grid: [UInt8] = [0x91, 4] + Array("Grid".utf8)
        #expect(path(grid + [0x28, 1, 0x28, 2]) == "Grid[1,2]")
        #expect(path([0x91, 5] + Array("Tanks".utf8) + [0, 0x28, 3, 0x91, 5] + Array("Level".utf8) + [0]) == "Tanks[3].Level")
        // Without a symbol, the segment stays a member id of a class/instance path.
        let member = ENIP.decodePath([0x20, 0x04, 0x24, 0x64, 0x28, 0x07][...])
        #expect(member.symbols.isEmpty && member.member == 7 && member.classID == 4)
        // Cut short: said, not guessed.
        #expect(ENIP.decodePath((counts + [0x29, 0])[...]).problem == "element segment cut short")
        // Several elements from one: `Grid[1,2]` ×2 is Grid[1,2] and Grid[1,3]; `Counts[4]` ×2 Counts[4] and Counts[5].
        func written(_ p: [UInt8], count: UInt8) -> [String] {
            let request = [0x4D, UInt8(p.count / 2)] + p + [0xC3, 0x00, count, 0x00] + [UInt8](repeating: 0, count: 2 * Int(count))
            guard let m = ENIP.decodeCIP(request[...]), let control = ENIP.control("write_tag", m) else { return [] }
            return ControlPoint.facts(["control": control])?.writes.map(\.point) ?? []
        }
        #expect(written(grid + [0x28, 1, 0x28, 2], count: 2) == ["cip:Grid[1,2]", "cip:Grid[1,3]"])
        #expect(written(counts + [0x28, 4], count: 2) == ["cip:Counts[4]", "cip:Counts[5]"])
        #expect(written(counts, count: 2) == ["cip:Counts[0]", "cip:Counts[1]"])
    }
}

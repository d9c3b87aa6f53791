import Collectors
import Exercises
import Foundation
import JikochoModel
import TestSupport
import Testing

/// VNC (RFB) against Wireshark: handshakes of RFB 3.8, 3.7 and 3.3, let in, refused with a reason, refused at once
/// and cut short, in a capture the repository generates (`jikocho dev vnc-sessions`); tshark's reading of it is the
/// golden file (scripts/oracles/vnc_sessions_golden.sh). Each connection is one event whose versions, security
/// types, result, reason and desktop are what tshark reads.
@Suite struct VNCOracleTests {
    @Test func everyHandshakeMatchesTshark() throws {
        let golden = try #require(Golden.load("generated_vnc_sessions.pcap", "vnc"),
                                  "no golden: run scripts/oracles/vnc_sessions_golden.sh")
        let sink = try collectGenerated("vnc-sessions", VNCSessions.write(to:)).sink
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let events = Dictionary(uniqueKeysWithValues: sink.events.filter { $0.kind.hasPrefix("remote.control") }
            .map { (Int($0.src.port ?? 0), $0) })
        // tshark's view, connection by connection (the viewer's port).
        var seen: [Int: [String: String]] = [:]
        for row in golden.rows {
            let port = Int(row["tcp.srcport"] == "5900" ? row["tcp.dstport"]! : row["tcp.srcport"]!)!
            for (k, v) in row where k.hasPrefix("vnc.") { seen[port, default: [:]][k] = v }
        }
        #expect(seen.count == 7 && events.count == 7, "\(events.keys.sorted())")
        let kinds = [50_001: "remote.control_start", 50_002: "remote.control_failed", 50_003: "remote.control_start",
                     50_004: "remote.control_start", 50_005: "remote.control_start", 50_006: "remote.control_failed",
                     50_007: "remote.control_attempt"]
        for (port, w) in seen.sorted(by: { $0.key < $1.key }) {
            let e = try #require(events[port], "port \(port): no event")
            #expect(e.kind == kinds[port], "port \(port): \(e.kind)")
            #expect(e.dst.port == 5900 && e.src.ip == VNCSessions.viewer && e.dst.ip == VNCSessions.server)
            #expect(e.string("protocol_version") == w["vnc.server_proto_ver"], "port \(port) server version")
            #expect(e.string("client_version") == w["vnc.client_proto_ver"], "port \(port) client version")
            // Offered: the 3.7+ list, or the one type a 3.3 server names.
            let offered = (w["vnc.security_type"] ?? w["vnc.server_security_type"]).map {
                $0.split(separator: ",").compactMap { UInt8($0) }.map(RFBName.of)
            }
            if let offered {
                #expect(e.attributes["security_offered"] == .array(offered.map { .string($0) }), "port \(port) offered")
            }
            let chosen = (w["vnc.client_security_type"] ?? w["vnc.server_security_type"]).flatMap { UInt8($0) }.map(RFBName.of)
            if let chosen { #expect(e.string("security") == chosen, "port \(port) chosen") }
            #expect(e.int("security_result").map(String.init) == w["vnc.auth_result"]
                    || (w["vnc.auth_result"] == nil && port == 50_006), "port \(port) result")
            if let reason = w["vnc.auth_error"] { #expect(e.string("reason") == reason, "port \(port) reason") }
            #expect(e.string("desktop") == w["vnc.desktop_name"], "port \(port) desktop")
            #expect(e.int("width").map(String.init) == w["vnc.width"] && e.int("height").map(String.init) == w["vnc.height"])
        }
        // Where tshark reads no reason (a server that offers no type), the decoder still keeps the server's words.
        #expect(events[50_006]?.string("reason") == "Too many security failures")
    }
}

/// The security type names the decoder writes.
enum RFBName {
    static func of(_ t: UInt8) -> String {
        [1: "none", 2: "vnc", 16: "tight", 18: "tls", 19: "vencrypt"][t] ?? "type-\(t)"
    }
}

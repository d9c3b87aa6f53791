import Foundation

/// A capture for checking the RFB (VNC) decoder against Wireshark: handshakes as servers and viewers make them,
/// each on its own connection to port 5900 (where Wireshark looks for VNC): RFB 3.8 with VNC authentication let in
/// (ServerInit with the desktop's name), the same refused with a reason, 3.8 with no authentication, a 3.7 server,
/// a 3.3 server that names the security type itself, a server that refuses at once (no type offered, a reason), and
/// a viewer that stops after the versions. The same bytes every time (`scripts/oracles/vnc_sessions_golden.sh`
/// writes tshark's view of them).
public enum VNCSessions {
    public static let viewer = "10.50.0.10"
    public static let server = "10.50.0.20"

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let a = NetHost(viewer, mac: [2, 0, 0, 0, 0, 0x10]), b = NetHost(server, mac: [2, 0, 0, 0, 0, 0x20])
        var t: Int64 = 1_764_000_000_000_000_000
        func text(_ s: String) -> [UInt8] { Frames.be32(UInt32(s.utf8.count)) + Array(s.utf8) }
        func serverInit(_ name: String, _ w: UInt16, _ h: UInt16) -> [UInt8] {
            Frames.be16(w) + Frames.be16(h) + [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0] + text(name)
        }
        let challenge = (0..<16).map { UInt8($0 * 7 & 0xFF) }, response = (0..<16).map { UInt8($0 * 13 & 0xFF) }
        /// One connection: the messages in order, each from the server (`false`) or the viewer (`true`).
        func session(_ port: UInt16, _ messages: [(Bool, [UInt8])]) {
            TCPConversation.replay(cap, client: a, clientPort: port, server: b, serverPort: 5900, at: t, step: 2_000_000, messages)
            t += 1_000_000_000
        }
        let v38 = Array("RFB 003.008\n".utf8), v37 = Array("RFB 003.007\n".utf8), v33 = Array("RFB 003.003\n".utf8)
        session(50_001, [(false, v38), (true, v38), (false, [2, 1, 2]), (true, [2]), (false, challenge), (true, response),
                         (false, [0, 0, 0, 0]), (true, [1]), (false, serverInit("HMI-1 console", 1280, 800))])
        session(50_002, [(false, v38), (true, v38), (false, [1, 2]), (true, [2]), (false, challenge), (true, response),
                         (false, [0, 0, 0, 1] + text("Authentication failed"))])
        session(50_003, [(false, v38), (true, v38), (false, [1, 1]), (true, [1]), (false, [0, 0, 0, 0]), (true, [0]),
                         (false, serverInit("EWS-2", 1920, 1080))])
        session(50_004, [(false, v37), (true, v37), (false, [1, 2]), (true, [2]), (false, challenge), (true, response),
                         (false, [0, 0, 0, 0]), (true, [1]), (false, serverInit("SCADA", 1024, 768))])
        session(50_005, [(false, v33), (true, v33), (false, [0, 0, 0, 2]), (false, challenge), (true, response),
                         (false, [0, 0, 0, 0]), (true, [1]), (false, serverInit("old-hmi", 800, 600))])
        session(50_006, [(false, v38), (true, v38), (false, [0] + text("Too many security failures"))])
        session(50_007, [(false, v38), (true, v38)])
        return try cap.write(to: path)
    }
}

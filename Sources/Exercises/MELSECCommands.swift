import Foundation

/// A capture of MC protocol (MELSEC) requests, each answered with normal completion as a controller does: the
/// requests an independent implementation built (pymcprotocol, kept in Tests/CollectorsTests/Golden/melsec by
/// scripts/oracles/melsec_golden.py), one TCP connection per group, so that the decoder is checked on what another
/// program writes rather than on what Jikocho's own generator writes.
public enum MELSECCommands {
    public static let tool = "10.50.2.10"
    public static let plc = "10.50.2.20"

    /// The answer a controller gives a request: the subheader with the response bit, a 4E frame's serial, the route,
    /// the length, end code 0 and what a read returns (zero words, four bits a byte; the model name for 0101).
    public static func answer(to req: [UInt8], endCode: UInt16 = 0) -> [UInt8] {
        if req.first == 0x35 { return asciiAnswer(to: req, endCode: endCode) }
        let four = req.count >= 2 && req[0] == 0x54
        let h = four ? 11 : 7
        guard req.count >= h + 8 else { return [] }
        let command = Int(req[h + 4]) | Int(req[h + 5]) << 8
        let sub = Int(req[h + 6]) | Int(req[h + 7]) << 8
        let body = Array(req[(h + 8)...])
        var data: [UInt8] = []
        if endCode == 0 {
            switch command {
            case 0x0401:
                let n = body.count >= 2 ? Int(body[body.count - 2]) | Int(body[body.count - 1]) << 8 : 0
                data = [UInt8](repeating: 0, count: sub & 1 != 0 ? (n + 1) / 2 : 2 * n)
            case 0x0403:
                data = body.count >= 2 ? [UInt8](repeating: 0, count: 2 * Int(body[0]) + 4 * Int(body[1])) : []
            case 0x0101:
                data = Array("Q03UDVCPU       ".utf8) + [0x66, 0x02]
            default:
                break
            }
        }
        let length = 2 + data.count
        return (four ? [0xD4, 0x00] + req[2..<6] : [0xD0, 0x00]) + req[(h - 5)..<h]
            + [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(endCode & 0xFF), UInt8(endCode >> 8)] + data
    }

    /// The same answer to an ASCII request: hex digits for the header, end code and words, a character a bit.
    public static func asciiAnswer(to req: [UInt8], endCode: UInt16 = 0) -> [UInt8] {
        let text = String(decoding: req, as: UTF8.self)
        let four = text.hasPrefix("5400")
        let at = four ? 12 : 4
        guard text.count >= at + 26 else { return [] }
        let chars = Array(text)
        func field(_ i: Int, _ n: Int) -> String { String(chars[i..<min(chars.count, i + n)]) }
        let rest = Array(chars[(at + 14)...])
        let command = Int(String(rest[4..<8]), radix: 16) ?? 0
        let sub = Int(String(rest[8..<12]), radix: 16) ?? 0
        var data = ""
        if endCode == 0 {
            switch command {
            case 0x0401:
                let n = Int(String(rest.suffix(4)), radix: 16) ?? 0
                data = String(repeating: sub & 1 != 0 ? "0" : "0000", count: n)
            case 0x0403:
                let words = Int(String(rest[12..<14]), radix: 16) ?? 0, dwords = Int(String(rest[14..<16]), radix: 16) ?? 0
                data = String(repeating: "0000", count: words) + String(repeating: "00000000", count: dwords)
            case 0x0101:
                data = "Q03UDVCPU       0266"
            default:
                break
            }
        }
        let head = four ? "D400" + field(4, 8) : "D000"
        return Array((head + field(at, 10) + hex(4 + data.count, 4) + hex(Int(endCode), 4) + data).utf8)
    }

    /// A field of an ASCII frame: `v` in `n` upper-case hex digits (its low ones, when longer).
    static func hex(_ v: Int, _ n: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String((String(repeating: "0", count: max(0, n - h.count)) + h).suffix(n))
    }

    /// Writes the capture: each group of requests on a connection of its own from the tool to the controller's port
    /// 5007, each answered a few milliseconds later. Returns the frame count.
    @discardableResult
    public static func write(groups: [[[UInt8]]], to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let a = NetHost(tool, mac: [2, 0, 0, 0, 2, 0x10]), b = NetHost(plc, mac: [2, 0, 0, 0, 2, 0x20])
        var t: Int64 = 1_764_200_000_000_000_000
        for (g, requests) in groups.enumerated() {
            let conv = TCPConversation(cap, client: a, clientPort: UInt16(50_200 + g), server: b, serverPort: 5007,
                                       isn: (UInt32(1_000 + g * 7_919), UInt32(90_000 + g * 104_729)))
            conv.open(t)
            t += 10_000_000
            for r in requests {
                conv.send(fromClient: true, t, r)
                conv.send(fromClient: false, t + 3_000_000, answer(to: r))
                t += 10_000_000
            }
            conv.close(fromClient: true, t)
            t += 100_000_000
        }
        return try cap.write(to: path)
    }
}

import Foundation

/// A real capture as it reaches an investigator from a network that records or sends every frame twice: a SPAN
/// session mirroring both directions (each frame again 20 µs later, byte for byte), a PRP network captured on both
/// LANs (each frame with a redundancy control trailer on LAN A, then its copy on LAN B), an HSR ring tapped at a node
/// (each frame tagged, both ways round the ring), or one PRP LAN alone (trailers, no copies). The frames' own bytes
/// are untouched, so the capture must read as the original does.
public enum RedundantCopies {
    public enum Mode: String, CaseIterable, Sendable {
        case span, prp, hsr
        case prpOneLAN = "prp-one-lan"
    }

    /// Copies `input` (an Ethernet capture) to `output` as `mode` records it; the frames written and the copies among
    /// them.
    @discardableResult
    public static func copy(_ input: String, to output: String, mode: Mode) throws -> (frames: Int, copies: Int) {
        var frames = 0, copies = 0
        /// Each sender's next PRP/HSR sequence number, by source MAC.
        var sequence: [[UInt8]: UInt16] = [:]
        try CaptureWriter.copy(input, to: output) { writer, frame, time in
            defer { frames = writer.frames }
            guard frame.count >= 14 else {
                writer.write(frame, at: time)
                return
            }
            let source = Array(frame[6..<12])
            let seq = sequence[source, default: 0]
            sequence[source] = seq &+ 1
            switch mode {
            case .span:
                writer.write(frame, at: time)
                writer.write(frame, at: time + 20_000)
                copies += 1
            case .prp, .prpOneLAN:
                writer.write(prp(frame, seq: seq, lan: 0xA), at: time)
                if mode == .prp {
                    writer.write(prp(frame, seq: seq, lan: 0xB), at: time + 40_000)
                    copies += 1
                }
            case .hsr:
                writer.write(hsr(frame, seq: seq, path: 0), at: time)
                writer.write(hsr(frame, seq: seq, path: 1), at: time + 15_000)
                copies += 1
            }
        }
        return (frames, copies)
    }

    /// The frame with PRP's redundancy control trailer: sequence number, LAN (A 0xA, B 0xB) and the size of what
    /// follows the EtherType (the trailer included), and the suffix 0x88FB (IEC 62439-3 PRP-1).
    static func prp(_ frame: [UInt8], seq: UInt16, lan: UInt8) -> [UInt8] {
        var header = 14
        while header + 4 <= frame.count, [0x8100, 0x88A8, 0x9100].contains(UInt16(frame[header - 2]) << 8 | UInt16(frame[header - 1])) {
            header += 4
        }
        let size = (frame.count + 6 - header) & 0x0FFF
        return frame + [UInt8(seq >> 8), UInt8(seq & 0xFF), lan << 4 | UInt8(size >> 8), UInt8(size & 0xFF), 0x88, 0xFB]
    }

    /// The frame with an HSR tag after its MAC addresses: path (0 one way round the ring, 1 the other), the size of
    /// what follows the tag's EtherType, sequence number, then the frame's own EtherType.
    static func hsr(_ frame: [UInt8], seq: UInt16, path: UInt8) -> [UInt8] {
        let size = (frame.count - 12 - 2 + 6) & 0x0FFF
        return Array(frame[0..<12]) + [0x89, 0x2F, path << 4 | UInt8(size >> 8), UInt8(size & 0xFF),
                                       UInt8(seq >> 8), UInt8(seq & 0xFF)] + frame[12...]
    }
}

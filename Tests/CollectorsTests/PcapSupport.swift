import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport

/// Every shared capture, by path relative to ../shared/datasets.
let sharedCaptures = [
    "pcaps/ics/modbus_example_icsnpp.pcap", "pcaps/ics/dnp3_example_icsnpp.pcap", "pcaps/ics/s7comm_snap7.pcap",
    "pcaps/ics/s7comm_ident.pcap", "pcaps/ics/enip_cip_example_icsnpp.pcap", "pcaps/ics/iec104.pcap",
    "pcaps/ics/bacnet_services_icsnpp.pcap", "pcaps/ics/opcua_open62541_mainloop.pcap",
    "pcaps/it/smb2_psexec_add_user.pcap", "pcaps/it/http_get.pcap", "pcaps/it/dns_tunnel_queries.pcap",
    "pcaps/it/tls_handshake.pcap", "pcaps/it/rdp_session.pcap",
]

func collectPcap(path: String, options: [String: String] = [:], threads: Int = Parallel.cores) throws -> MemorySink {
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "capture.pcap",
                            originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
    let sink = MemorySink()
    try PcapCollector().collect(EvidenceSource(item: item, path: path, options: options, threads: threads), into: sink)
    return sink
}

/// A capture the repository generates for an oracle comparison (`jikocho dev …`), written to a scratch folder and read
/// by the capture collector: its frame count and what the collector gave.
/// Collects `count` damaged copies of a generated capture (up to 24 bytes flipped after the file header, every fourth
/// copy cut short): whatever they give, none may crash or hang.
func collectDamagedCopies(_ label: String, seed: UInt64, count: Int = 60, _ write: (String) throws -> Int) throws {
    let tmp = TempDir(label)
    let path = tmp.url.appendingPathComponent("\(label).pcap").path
    _ = try write(path)
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    var rng = SplitMix(seed: seed)
    for i in 0..<count {
        let damaged = rng.damage(bytes, after: 24, maxFlips: 24, cut: i % 4 == 0)
        let p = tmp.url.appendingPathComponent("d\(i).pcap").path
        FileManager.default.createFile(atPath: p, contents: Data(damaged))
        _ = try? collectPcap(path: p)
    }
}

func collectGenerated(_ label: String, _ write: (String) throws -> Int) throws -> (frames: Int, sink: MemorySink) {
    let tmp = TempDir(label)
    let path = tmp.url.appendingPathComponent("\(label).pcap").path
    let frames = try write(path)
    return (frames, try collectPcap(path: path))
}

/// A tshark golden file (scripts/oracles/pcap_goldens.py): rows as field → value, values with several
/// occurrences joined by ','.
struct Golden {
    var fields: [String]
    var rows: [[String: String]]

    static let folder = TestPaths.repoRoot.appendingPathComponent("Tests/CollectorsTests/Golden/pcap")

    static func load(_ capture: String, _ proto: String) -> Golden? {
        let stem = URL(fileURLWithPath: capture).deletingPathExtension().lastPathComponent
        guard let text = try? String(contentsOf: folder.appendingPathComponent("\(stem).\(proto).tsv"), encoding: .utf8)
        else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeAll { $0.hasPrefix("#") || $0.isEmpty }
        guard let header = lines.first?.components(separatedBy: "\t") else { return nil }
        let rows = lines.dropFirst().map { line -> [String: String] in
            let cells = line.components(separatedBy: "\t")
            var row: [String: String] = [:]
            for (i, f) in header.enumerated() where i < cells.count && !cells[i].isEmpty { row[f] = cells[i] }
            return row
        }
        return Golden(fields: header, rows: rows)
    }

    static func conversations(_ capture: String) -> [(proto: String, a: String, b: String, frames: Int)] {
        let stem = URL(fileURLWithPath: capture).deletingPathExtension().lastPathComponent
        guard let text = try? String(contentsOf: folder.appendingPathComponent("\(stem).conv.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let c = line.components(separatedBy: "\t")
            guard c.count > 10, let frames = Int(c[10]) else { return nil }
            return (c[0], c[1], c[3], frames)
        }
    }
}

extension Event {
    func int(_ key: String) -> Int? {
        if case .int(let v)? = attributes[key] { return Int(v) }
        return nil
    }

    func string(_ key: String) -> String? {
        if case .string(let v)? = attributes[key] { return v }
        return nil
    }

    /// A list attribute as tshark writes it: numbers joined by ',', booleans as 1/0.
    func list(_ key: String) -> String? {
        guard case .array(let a)? = attributes[key] else { return nil }
        return a.map { v -> String in
            switch v {
            case .bool(let b): return b ? "1" : "0"
            case .int(let i): return String(i)
            default: return v.text
            }
        }.joined(separator: ",")
    }
}

/// A number as tshark prints it: decimal, or hex with 0x.
func tsharkInt(_ s: String?) -> Int? {
    guard let s else { return nil }
    if s.hasPrefix("0x") { return Int(s.dropFirst(2), radix: 16) }
    return Int(s)
}

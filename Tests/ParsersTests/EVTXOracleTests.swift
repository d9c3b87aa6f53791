import Crypto
import Foundation
import Parsers
import Testing
import TestSupport

/// Every record of every EVTX sample in ../shared/datasets against python-evtx 0.8.1, from the golden files that
/// scripts/oracles/evtx_goldens.py writes: same records in the same order, same EventID, TimeCreated and
/// EventData/UserData values, and the same rendered XML byte for byte (in python-evtx's style).
@Suite struct EVTXOracleTests {
    static let goldenDir = TestPaths.repoRoot.appendingPathComponent("Tests/ParsersTests/Golden/evtx")

    static var goldenFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: goldenDir.path)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    struct Golden {
        var file: String
        var sha256: String
        var records: Int
        var lines: [[String: Any]]
    }

    static func load(_ name: String) throws -> Golden {
        let text = try String(contentsOf: goldenDir.appendingPathComponent(name), encoding: .utf8)
        let objects = try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let head = try #require(objects.first)
        return Golden(file: try #require(head["file"] as? String), sha256: try #require(head["sha256"] as? String),
                      records: try #require(head["records"] as? Int), lines: Array(objects.dropFirst()))
    }

    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func everyDatasetFileHasAGolden() throws {
        let files = FileManager.default.enumerator(atPath: TestPaths.datasets.path)?
            .compactMap { $0 as? String }.filter { $0.lowercased().hasSuffix(".evtx") } ?? []
        #expect(files.count >= 18)
        let goldens = Set(Self.goldenFiles)
        for f in files {
            let name = ((f as NSString).lastPathComponent as NSString).deletingPathExtension + ".jsonl"
            #expect(goldens.contains(name), "no golden for \(f): run scripts/oracles/evtx_goldens.py")
        }
    }

    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote), arguments: goldenFiles)
    func matchesPythonEvtx(golden name: String) throws {
        let g = try Self.load(name)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset(g.file))))
        #expect(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == g.sha256,
                "the sample changed since the golden was made")
        let (records, _) = try EVTXFileFixture.read(bytes)
        let live = records.filter { !$0.recovered }
        #expect(live.count == g.records)
        for (r, line) in zip(live, g.lines) {
            let id = try #require(line["record"] as? Int)
            #expect(r.recordID == UInt64(id))
            if let second = line["data_evtxexport"] as? [[String]] {
                // python-evtx misreads this record's string array; evtxexport is the second opinion.
                let f = WindowsEventRecord(r.body)
                let ours = f.eventData.map { [($0.name ?? "").isEmpty ? $0.element : $0.name!, $0.value] }
                #expect(ours == second, "record \(id): EventData differs from evtxexport's")
                continue
            }
            let xml = EVTXXML.render(r.body, style: .pythonEvtxCompatible)
            let sha = SHA256.hash(data: Data(xml.utf8)).map { String(format: "%02x", $0) }.joined()
            if sha != line["xml_sha256"] as? String {
                let theirs = (line["xml"] as? String).map { "\n--- python-evtx:\n" + $0 } ?? ""
                Issue.record("record \(id) of \(g.file): XML differs from python-evtx's\n\(xml)\(theirs)")
            }
            let fields = WindowsEventRecord(r.body, style: .pythonEvtxCompatible)
            #expect(fields.eventID == line["event_id"] as? Int, "record \(id)")
            #expect(fields.timeCreatedText == line["time_created"] as? String, "record \(id)")
            let data = (line["data"] as? [[String]]) ?? []
            let ours = fields.eventData.map { [($0.name ?? "").isEmpty ? $0.element : $0.name!, $0.value] }
                + fields.userData.map { [$0.element, $0.value] }
            #expect(ours.map { $0.map(Self.xmlNormalized) } == data, "record \(id)")
        }
    }

    /// What an XML parser does to text: line ends become `\n`.
    static func xmlNormalized(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func windowsStyleKeepsFullPrecisionAndWindowsForms() throws {
        let path = TestPaths.dataset("evtx/attack_samples/LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx")
        let (records, problems) = try EVTXFileFixture.read([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(problems.isEmpty)
        let r = try #require(records.first { WindowsEventRecord($0.body).eventID == 4624 })
        let f = WindowsEventRecord(r.body)
        #expect(f.provider == "Microsoft-Windows-Security-Auditing")
        #expect(f.providerGUID == "{54849625-5478-4994-A5BA-3E3B0328C30D}")
        #expect(f.channel == "Security")
        #expect(f.computer == "PC01.example.corp")
        #expect(f.keywords == "0x8020000000000000")
        let data = Dictionary(f.eventData.map { ($0.name ?? $0.element, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(data["SubjectLogonId"] == "0x18a7875")
        #expect(data["TargetLogonId"] == "0x4530f0f")
        #expect(data["LogonType"] == "9")
        #expect(data["IpAddress"] == "::1")
        #expect(data["LogonGuid"] == "{00000000-0000-0000-0000-000000000000}")
        let t = try #require(f.timeCreated)
        #expect(EVTXXML.filetimeISO(t).hasPrefix("2019-03-18T11:06:29.911"))
        #expect(EVTXXML.filetimeISO(t).count == "2019-03-18T11:06:29.9115790Z".count)
        let xml = EVTXXML.render(r.body)
        #expect(xml.contains("<EventID>4624</EventID>"), "a null optional Qualifiers is left out")
        #expect(xml.contains("<Security/>"))
    }
}

/// Reads a whole EVTX file held in memory, for tests.
enum EVTXFileFixture {
    static func read(_ bytes: [UInt8], recoverSlack: Bool = true) throws -> ([EVTX.Record], [String]) {
        var records: [EVTX.Record] = []
        var problems: [String] = []
        guard let header = bytes.withUnsafeBytes({ EVTX.FileHeader($0) }) else { return ([], ["not an EVTX file"]) }
        try EVTX.readChunks(header: header, fileSize: bytes.count, recoverSlack: recoverSlack, loadChunk: { i in
            let start = EVTX.fileHeaderSize + i * EVTX.chunkSize
            return Array(bytes[start..<min(bytes.count, start + EVTX.chunkSize)])
        }) { item in
            switch item {
            case .record(_, let r): records.append(r)
            case .problem(let offset, let text): problems.append("@0x\(String(offset, radix: 16)): \(text)")
            }
        }
        return (records, problems)
    }
}

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
        // python-evtx reads the live records of whole chunks: recovered ones, and those of a chunk the file ends
        // inside, are ours alone (and marked; see recordsPythonEvtxDoesNotSeeAreMarkedAndReal).
        let live = records.filter { !$0.recovered && !$0.inPartialChunk }
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

extension EVTXOracleTests {
    /// Where Jikocho finds more records than python-evtx, they are records that are there, and marked: a copy cut
    /// inside its last chunk (python-evtx reads whole chunks only) gives `inPartialChunk` records, and a chunk whose
    /// free-space offset was moved back (python-evtx stops at it) gives `recovered` records from its unused space;
    /// both are, record for record, what python-evtx reads from the whole, unchanged file.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func recordsPythonEvtxDoesNotSeeAreMarkedAndReal() throws {
        let g = try Self.load("system_baseline_python-evtx.jsonl")
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset(g.file))))
        let goldenIDs = g.lines.compactMap { $0["record"] as? Int }.map(UInt64.init)
        // (Records whose string arrays python-evtx misreads are checked against evtxexport by the golden test.)
        let xmlByID = Dictionary(g.lines.compactMap { l -> (UInt64, String)? in
            guard l["data_evtxexport"] == nil, let id = l["record"] as? Int, let x = l["xml_sha256"] as? String else { return nil }
            return (UInt64(id), x)
        }, uniquingKeysWith: { a, _ in a })
        func sha(_ r: EVTX.Record) -> String {
            SHA256.hash(data: Data(EVTXXML.render(r.body, style: .pythonEvtxCompatible).utf8)).map { String(format: "%02x", $0) }.joined()
        }
        let (fromOriginal, _) = try EVTXFileFixture.read(original)
        // The chunks that hold records: offsets rise within a chunk and start again at the next one.
        var chunks = 1
        for (a, b) in zip(fromOriginal, fromOriginal.dropFirst()) where b.offset < a.offset { chunks += 1 }
        #expect(chunks >= 2)

        // Cut inside the last chunk.
        let cut = Array(original.prefix(EVTX.fileHeaderSize + (chunks - 1) * EVTX.chunkSize + 30_000))
        let (fromCut, cutProblems) = try EVTXFileFixture.read(cut)
        #expect(cutProblems.contains { $0.contains("file ends inside chunk \(chunks - 1)") })
        let whole = fromCut.filter { !$0.inPartialChunk && !$0.recovered }
        let partial = fromCut.filter(\.inPartialChunk)
        #expect(!partial.isEmpty && !whole.isEmpty)
        #expect(whole.map(\.recordID) == Array(goldenIDs.prefix(whole.count)), "the whole chunks are python-evtx's")
        #expect(partial.filter { !$0.recovered }.map(\.recordID) == Array(goldenIDs.dropFirst(whole.count).prefix(partial.filter { !$0.recovered }.count)))
        for r in partial where !r.recovered { if let x = xmlByID[r.recordID] { #expect(sha(r) == x, "record \(r.recordID)") } }

        // Move chunk 0's free-space offset back to its tenth record.
        // Chunk 0's records: offsets rise until chunk 1 starts again at its header's end.
        var firstChunk: [EVTX.Record] = []
        for r in fromOriginal { if let last = firstChunk.last, r.offset < last.offset { break }; firstChunk.append(r) }
        #expect(firstChunk.count > 10)
        let tenth = firstChunk[9]
        var hidden = original
        let at = EVTX.fileHeaderSize + 48
        for i in 0..<4 { hidden[at + i] = UInt8((tenth.offset >> (8 * i)) & 0xFF) }
        let (fromHidden, hiddenProblems) = try EVTXFileFixture.read(hidden)
        #expect(hiddenProblems.contains { $0.contains("checksum") })
        let recovered = fromHidden.filter(\.recovered)
        #expect(fromHidden.filter { !$0.recovered }.count == fromOriginal.count - recovered.count)
        #expect(recovered.first?.recordID == tenth.recordID && recovered.count >= 1)
        #expect(recovered.filter { xmlByID[$0.recordID] != nil }.count >= 5 && partial.filter { xmlByID[$0.recordID] != nil }.count >= 5)
        let liveXML = Dictionary(fromOriginal.map { ($0.recordID, EVTXXML.render($0.body, style: .pythonEvtxCompatible)) }, uniquingKeysWith: { a, _ in a })
        for r in recovered where xmlByID[r.recordID] != nil && sha(r) != xmlByID[r.recordID] {
            Issue.record("recovered record \(r.recordID) differs from python-evtx's:\n\(EVTXXML.render(r.body, style: .pythonEvtxCompatible))\n--- live:\n\(liveXML[r.recordID] ?? "")")
        }
        #expect(Set(fromHidden.map(\.recordID)) == Set(goldenIDs), "nothing lost, nothing invented")
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

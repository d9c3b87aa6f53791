import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

func collectEVTX(path: String, options: [String: String] = [:], threads: Int = Parallel.cores) throws -> MemorySink {
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "log.evtx",
                            originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
    let sink = MemorySink()
    try EVTXCollector().collect(EvidenceSource(item: item, path: path, options: options, threads: threads), into: sink)
    return sink
}

func collectEVTX(_ bytes: [UInt8], threads: Int = Parallel.cores) throws -> MemorySink {
    let tmp = TempDir()
    return try collectEVTX(path: tmp.file("log.evtx", bytes), threads: threads)
}

func sample(_ name: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset("evtx/attack_samples/\(name)"))))
}

func u32(_ b: [UInt8], _ at: Int) -> Int {
    Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
}

/// Offsets (in the file) of the live records of chunk `index`.
func recordOffsets(_ b: [UInt8], chunk index: Int) -> [Int] {
    let base = 4096 + index * 65536
    let free = u32(b, base + 48)
    var out: [Int] = []
    var pos = base + 512
    while pos < base + free {
        out.append(pos)
        pos += u32(b, pos + 4)
    }
    return out
}

@Suite(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
struct EVTXCollectorTests {
    @Test func identifiesByMagicOnly() {
        #expect(EVTXCollector.identify(EvidenceProbe(name: "x.evtx", mimeType: nil, head: Array("ElfFile\0".utf8) + [1, 2])) == .certain)
        #expect(EVTXCollector.identify(EvidenceProbe(name: "x.bin", mimeType: nil, head: Array("ElfChnk\0".utf8))) == .certain)
        #expect(EVTXCollector.identify(EvidenceProbe(name: "x.evtx", mimeType: "text/plain", head: Array("Feb  5 08:33:12 h x: y\n".utf8))) == .no)
    }

    /// Kerberos password spraying: the 4771 pre-authentication failures, and the 4768 TGT requests refused with a
    /// status (0x6: no such user), become auth.logon_failed with the user and the source address.
    @Test func kerberosSprayGivesFailedLogonsWithUserAndSource() throws {
        let sink = try collectEVTX(path: TestPaths.dataset("evtx/attack_samples/kerberos_pwd_spray_4771.evtx"))
        #expect(sink.warnings.isEmpty)
        #expect(sink.events.count == 12)
        let failed = sink.events.filter { $0.kind == "auth.logon_failed" }
        #expect(failed.count == 9)
        #expect(failed.filter { $0.attributes["event_id"] == .int(4771) }.count == 2)
        #expect(failed.filter { $0.attributes["outcome"] == "failure" }.count == 7)
        let e = try #require(failed.first { $0.user == "Administrator" })
        #expect(e.src == Endpoint(ip: "172.16.66.1", port: 55967))
        #expect(e.time.iso8601() == "2020-07-22T20:29:36.425364100Z" || e.time.iso8601().hasPrefix("2020-07-22T20:29:36.4253"))
        #expect(sink.events.filter { $0.kind == "auth.kerberos_tgt" }.count == 2)
        #expect(sink.events.filter { $0.kind == "defense.log_cleared" }.count == 1)
    }

    /// One full event (plaso's habit): the pass-the-hash logon.
    @Test func makesAFullEventFromA4624() throws {
        let sink = try collectEVTX(path: TestPaths.dataset("evtx/attack_samples/LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx"))
        #expect(sink.warnings.isEmpty)
        #expect(sink.events.count == 6)
        let e = try #require(sink.events.first { $0.kind == "auth.logon" })
        #expect(e.time == Timestamp(filetime: 131_973_807_899_115_792))
        #expect(e.time.iso8601() == "2019-03-18T11:06:29.911579200Z")
        #expect(e.timeDescription == "Event time (TimeCreated)")
        #expect(e.host == "PC01.example.corp")
        #expect(e.user == "user01")
        #expect(e.src == Endpoint(ip: "::1"))
        #expect(e.provenance.locator.hasPrefix("record 2 (chunk 0 @0x"))
        #expect(e.attributes["record_number"] == "2")
        #expect(e.message == "Security 4624 Microsoft-Windows-Security-Auditing: logon type 9 (new credentials), user EXAMPLE\\user01, from ::1")
        let a = e.attributes
        #expect(a["event_id"] == .int(4624))
        #expect(a["channel"] == "Security")
        #expect(a["record_id"] == "432903")
        #expect(a["keywords"] == "0x8020000000000000")
        #expect(a["activity_id"] == "{661F2D37-D535-43F5-BAE0-06BE7E6614D7}")
        guard case .object(let data)? = a["event_data"] else { Issue.record("no event_data"); return }
        #expect(data["LogonType"] == "9")
        #expect(data["TargetLogonId"] == "0x4530f0f")
        #expect(data["LogonProcessName"] == "seclogo")
        #expect(data["ProcessName"] == "C:\\Windows\\System32\\svchost.exe")
        #expect(data.count == 20)
    }

    @Test func userDataEventsKeepTheirFields() throws {
        let sink = try collectEVTX(path: TestPaths.dataset("evtx/attack_samples/DE_1102_security_log_cleared.evtx"))
        let e = try #require(sink.events.first { $0.kind == "defense.log_cleared" })
        #expect(e.attributes["user_data_name"] == "LogFileCleared")
        guard case .object(let u)? = e.attributes["user_data"] else { Issue.record("no user_data"); return }
        #expect(u["SubjectUserName"] != nil)
        #expect(e.user != nil)
    }

    // MARK: - Hostile input

    @Test func fileCutInsideAChunkKeepsEveryWholeRecord() throws {
        let full = try sample("DE_1102_security_log_cleared.evtx")     // 112 records in 2 chunks
        let chunk1 = recordOffsets(full, chunk: 1)
        #expect(chunk1.count > 4)
        let cut = chunk1[3] + 40                                         // inside the 4th record of chunk 1
        let sink = try collectEVTX(Array(full[..<cut]))
        let chunk0 = recordOffsets(full, chunk: 0).count
        #expect(sink.events.count == chunk0 + 3)
        #expect(sink.warnings.contains { $0.text.contains("file ends inside chunk 1") })
        #expect(sink.warnings.contains { $0.locator.hasPrefix("@0x") })
    }

    @Test func badChecksumIsReportedAndRecordsAreStillRead() throws {
        var b = try sample("DE_1102_security_log_cleared.evtx")
        let r = recordOffsets(b, chunk: 0)[5]
        b[r + 16] ^= 0x01                                                // the record's written time, inside the checksummed data
        let sink = try collectEVTX(b)
        #expect(sink.events.count == 112)
        #expect(sink.warnings.contains { $0.text.contains("chunk 0: records checksum does not match") })
    }

    @Test func brokenBinaryXMLLosesOnlyThatRecord() throws {
        var b = try sample("DE_1102_security_log_cleared.evtx")
        let r = recordOffsets(b, chunk: 0)[7]
        let id = u32(b, r + 8)
        // The fragment header and the template instance token: make the token unknown.
        b[r + 24 + 4] = 0xFF
        let sink = try collectEVTX(b)
        #expect(sink.events.count == 111)
        let w = try #require(sink.warnings.first { $0.text.contains("Binary XML unreadable") })
        #expect(w.text.contains("record \(id)"))
        #expect(!sink.events.contains { $0.attributes["record_id"] == .string(String(id)) })
    }

    @Test func aLyingRecordSizeResynchronisesOnTheNextRecord() throws {
        var b = try sample("DE_1102_security_log_cleared.evtx")
        let r = recordOffsets(b, chunk: 0)[2]
        b[r + 4] = 0xFF; b[r + 5] = 0xFF; b[r + 6] = 0x00; b[r + 7] = 0x00   // 65535: past the chunk
        let sink = try collectEVTX(b)
        #expect(sink.events.count == 111)
        #expect(sink.warnings.contains { $0.text.contains("does not fit the chunk") })
        #expect(sink.warnings.contains { $0.text.contains("skipped") && $0.text.contains("next record signature") })
    }

    @Test func aChunkWithoutItsSignatureIsReportedAndTheNextIsRead() throws {
        var b = try sample("DE_1102_security_log_cleared.evtx")
        b[4096] = 0
        let sink = try collectEVTX(b)
        #expect(sink.events.count == 112 - recordOffsets(try sample("DE_1102_security_log_cleared.evtx"), chunk: 0).count)
        #expect(sink.warnings.contains { $0.text.contains("chunk 0: no chunk signature") })
    }

    @Test func bareChunksCarvedFromDiskAreRead() throws {
        let full = try sample("DE_1102_security_log_cleared.evtx")
        let sink = try collectEVTX(Array(full[4096..<(4096 + 65536)]))
        #expect(sink.events.count == recordOffsets(full, chunk: 0).count)
    }

    @Test func notAnEVTXFileIsAWarningNotACrash() throws {
        let sink = try collectEVTX(Array("ElfFilX\0 not really".utf8))
        #expect(sink.events.isEmpty)
        #expect(sink.warnings.count == 1)
    }

    /// Random damage anywhere in a real file: the collector finishes, and every record it cannot read is a warning.
    @Test func randomDamageNeverCrashesOrHangs() throws {
        let original = try sample("LM_sysmon_psexec_smb_meterpreter.evtx")
        var rng = SplitMix(seed: 20_261_126)
        for round in 0..<300 {
            let b = rng.damage(original, after: 4096, maxFlips: 16, cut: round % 10 == 0)
            let sink = try collectEVTX(b)
            #expect(sink.events.count + sink.warnings.count > 0, "round \(round)")
        }
    }
}

/// Chunks are parsed side by side and taken in file order: the same events and warnings, in the same order, with
/// one thread as with several, on every EVTX file of the shared datasets and on damaged copies of a multi-chunk one.
@Suite(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
struct EVTXParallelChunkTests {
    static func same(_ a: MemorySink, _ b: MemorySink, _ note: String) {
        #expect(a.events == b.events, "\(note): events differ")
        #expect(a.warnings == b.warnings, "\(note): warnings differ")
    }

    @Test func everySharedFileGivesTheSameWithAnyThreads() throws {
        let root = TestPaths.dataset("evtx")
        let files = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".evtx") }
        #expect(files.count >= 10)
        for f in files.sorted() {
            let one = try collectEVTX(path: "\(root)/\(f)", threads: 1)
            for threads in [2, 3, 8] { Self.same(one, try collectEVTX(path: "\(root)/\(f)", threads: threads), "\(f) × \(threads)") }
        }
    }

    @Test func damagedFilesGiveTheSameWithAnyThreads() throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset("evtx/baseline/security_baseline_python-evtx.evtx"))))
        #expect(original.count > 30 * 65536)
        var rng = SplitMix(seed: 20_261_203)
        for round in 0..<12 {
            var b = rng.damage(original, after: 4096, maxFlips: 64, cut: round % 3 == 0)
            if round == 4 { b[4096 + 3 * 65536] = 0 }       // a chunk without its signature
            let one = try collectEVTX(b, threads: 1)
            #expect(one.events.count + one.warnings.count > 0)
            Self.same(one, try collectEVTX(b, threads: 2), "round \(round) × 2")
            Self.same(one, try collectEVTX(b, threads: 5), "round \(round) × 5")
        }
    }
}

/// A small deterministic generator for damage tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `original` with 1 to `maxFlips` bytes past the first `header` set to random values and, with `cut`, cut at a
    /// random length past the header.
    mutating func damage(_ original: [UInt8], after header: Int, maxFlips: UInt64, cut: Bool) -> [UInt8] {
        var b = original
        for _ in 0..<(1 + Int(next() % maxFlips)) {
            let at = header + Int(next() % UInt64(b.count - header))
            b[at] = UInt8(truncatingIfNeeded: next())
        }
        if cut { b = Array(b[..<(header + Int(next() % UInt64(b.count - header)))]) }
        return b
    }
}

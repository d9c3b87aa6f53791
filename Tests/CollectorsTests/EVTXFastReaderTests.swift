@testable import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// The EVTX collector's fast way (templates worked out once into layouts, values written from the chunk's bytes
/// straight into the stored text) against its general way (a tree of values, then fields as strings): the same
/// events, byte for byte in their stored text, and the same warnings, on every EVTX file of the shared datasets and
/// on damaged copies; and the fast way reads nearly every record of them, so that it cannot quietly stop being used.
@Suite(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
struct EVTXFastReaderTests {
    static func collect(_ path: String, fast: Bool) throws -> MemorySink {
        let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "log.evtx",
                                originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
        let sink = MemorySink()
        try EVTXCollector(fastPath: fast).collect(EvidenceSource(item: item, path: path, options: [:], threads: 1), into: sink)
        return sink
    }

    static func same(_ path: String, _ note: String) throws {
        let fast = try collect(path, fast: true), slow = try collect(path, fast: false)
        #expect(fast.events.count == slow.events.count, "\(note): \(fast.events.count) events the fast way, \(slow.events.count) the general way")
        #expect(fast.warnings == slow.warnings, "\(note): warnings differ")
        for (a, b) in zip(fast.events, slow.events) where a != b {
            Issue.record("""
                \(note) \(b.provenance.locator) differs:
                fast:    \(a.kind) \(a.message) \(a.attributes.jsonText) host=\(a.host ?? "-") user=\(a.user ?? "-") \(a.src) \(a.dst) \(a.time.iso8601()) \(a.timeDescription) \(a.provenance.locator)
                general: \(b.kind) \(b.message) \(b.attributes.jsonText) host=\(b.host ?? "-") user=\(b.user ?? "-") \(b.src) \(b.dst) \(b.time.iso8601()) \(b.timeDescription) \(b.provenance.locator)
                """)
            return
        }
    }

    static var sharedFiles: [String] {
        get throws {
            let root = TestPaths.dataset("evtx")
            return try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".evtx") }.sorted()
                .map { "\(root)/\($0)" }
        }
    }

    @Test func everySharedFileGivesTheSameEventsEitherWay() throws {
        let files = try Self.sharedFiles
        #expect(files.count >= 10)
        for f in files { try Self.same(f, (f as NSString).lastPathComponent) }
    }

    @Test func damagedCopiesGiveTheSameEventsAndWarningsEitherWay() throws {
        let tmp = TempDir()
        for (n, name) in ["baseline/security_baseline_python-evtx.evtx", "attack_samples/LM_sysmon_psexec_smb_meterpreter.evtx"].enumerated() {
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset("evtx/\(name)"))))
            var rng = SplitMix(seed: 20_261_204 + UInt64(n))
            for round in 0..<40 {
                let b = rng.damage(original, after: 4096, maxFlips: 48, cut: round % 5 == 0)
                try Self.same(tmp.file("d\(n)-\(round).evtx", b), "\(name) damaged, round \(round)")
            }
        }
    }

    /// Records whose values are all substitutions of every type the fast way writes itself, and ones it hands on
    /// (reals, arrays, SYSTEMTIMEs): one template, made here, with every value type in the event data.
    @Test func everyValueTypeIsWrittenAsTheGeneralWayWritesIt() throws {
        let tmp = TempDir()
        let file = tmp.file("types.evtx", EVTXBuilder.everyValueType())
        try Self.same(file, "every value type")
        let sink = try Self.collect(file, fast: true)
        #expect(sink.warnings.isEmpty)
        #expect(sink.events.count == EVTXBuilder.valueCases.count)
        // All but the record with arrays in its event data and the one without a FILETIME are read the fast way.
        let c = try Self.counts(file)
        #expect(c.fast == EVTXBuilder.valueCases.count - 2 && c.slow == 2)
    }

    /// Records of a file read the fast way and the general way.
    static func counts(_ path: String) throws -> (fast: Int, slow: Int) {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let header = bytes.withUnsafeBytes { EVTX.FileHeader($0) }
        let start = header == nil ? 0 : EVTX.fileHeaderSize
        let kinds = EVTXCollector.KindCache(fast: EVTXFastReader(evidenceID: 1, host: nil))
        for i in 0..<EVTX.chunkCount(header: header, fileSize: bytes.count) {
            let from = start + i * EVTX.chunkSize
            _ = EVTXCollector.pieces(chunk: i, bytes: Array(bytes[from..<min(bytes.count, from + EVTX.chunkSize)]),
                                     header: header, start: start, evidenceID: 1, host: nil, kinds: kinds)
        }
        return (kinds.fast!.fastCount, kinds.fast!.slowCount)
    }

    @Test func theFastWayReadsNearlyEveryRecordOfTheSamples() throws {
        var fast = 0, slow = 0
        for f in try Self.sharedFiles {
            let c = try Self.counts(f)
            fast += c.fast
            slow += c.slow
        }
        #expect(fast + slow > 4000)
        #expect(Double(fast) / Double(fast + slow) >= 0.9, "the fast way read \(fast) of \(fast + slow) records")
    }

    /// Records of one template leaving out a different set of items each (more sets than a layout keeps the order
    /// of): the same events either way, and all of them read the fast way.
    @Test func everySetOfLeftOutItemsIsNamedAsTheGeneralWayNamesIt() throws {
        let tmp = TempDir()
        let file = tmp.file("left-out.evtx", EVTXBuilder.leftOutItems(records: 700))
        try Self.same(file, "left-out items")
        let c = try Self.counts(file)
        #expect(c.fast == 700 && c.slow == 0)
        #expect(700 > EVTXFastReader.maxOrdersPerLayout)
    }

    /// The EventID's text read as `Int(String)` reads it.
    @Test(arguments: ["4624", "", "-", "+", "+7", "-12", "0x10", " 1", "1 ", "٣", "9223372036854775807", "9223372036854775808",
                      "-9223372036854775808", "-9223372036854775809", "007", "4624\u{0}"])
    func eventIDsAreReadAsSwiftReadsThem(_ text: String) {
        var t = text
        #expect(t.withUTF8 { EVTXFastReader.int($0) } == Int(text))
    }
}

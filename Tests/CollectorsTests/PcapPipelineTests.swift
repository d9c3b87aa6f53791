import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

/// The capture collector reads and decodes packets on one thread and makes events on another: the same events and
/// warnings, in the same order, with one thread as with several, on every shared capture and on damaged copies
/// (cut records, flipped bytes).
@Suite(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
struct PcapPipelineTests {
    static func same(_ path: String, _ note: String) throws {
        let one = try collectPcap(path: path, threads: 1)
        #expect(one.events.count + one.warnings.count > 0, "\(note): nothing read")
        for threads in [2, 4] {
            let many = try collectPcap(path: path, threads: threads)
            #expect(many.events == one.events, "\(note) × \(threads): events differ")
            #expect(many.warnings == one.warnings, "\(note) × \(threads): warnings differ")
        }
    }

    @Test func everySharedCaptureGivesTheSameWithAnyThreads() throws {
        for c in sharedCaptures { try Self.same(TestPaths.dataset(c), c) }
    }

    @Test func damagedCapturesGiveTheSameWithAnyThreads() throws {
        let tmp = TempDir()
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset("pcaps/ics/modbus_example_icsnpp.pcap"))))
        var rng = SplitMix(seed: 20_261_205)
        for round in 0..<12 {
            let b = rng.damage(original, after: 24, maxFlips: 32, cut: round % 3 == 0)
            try Self.same(tmp.file("d\(round).pcap", b), "damaged round \(round)")
        }
    }
}

import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// A capture made where every frame is recorded or sent twice (a SPAN session mirroring both directions, both LANs of
/// a PRP network, a node of an HSR ring) reads as the original: each message once, and the copies counted in the
/// capture's account, as many as Wireshark's own tools find (`editcap -w 0.002` for SPAN copies, tshark's PRP trailer
/// and HSR tag for the second copies).
@Suite struct CopiesTests {
    /// An event as the test compares it. `copied`: from a capture holding every frame twice, where the original's
    /// packet k is packet 2k − 1 (its first copy): packet numbers are given back as the original's.
    static func comparable(_ e: Event, copied: Bool = false) -> String {
        var a = e.attributes.dictionary
        // An HSR tag is an encapsulation the flow names; PRP's trailer and a SPAN copy change nothing.
        if e.kind == "net.flow" { for k in ["encapsulation", "tunnels"] { a[k] = nil } }
        if copied {
            for (k, v) in a where k.hasSuffix("_packet") { if case .int(let n) = v { a[k] = .int((n + 1) / 2) } }
        }
        return "\(e.time) \(e.kind) \(e.src) \(e.dst) \(e.message) \(original(e.provenance.locator, copied)) \(JSONValue.object(a).canonicalJSON)"
    }

    /// "packet 2k − 1" of a copied capture as the original's "packet k".
    static func original(_ locator: String, _ copied: Bool) -> String {
        guard copied, locator.hasPrefix("packet "), let n = Int(locator.dropFirst(7)) else { return locator }
        return "packet \((n + 1) / 2)"
    }

    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func sharedCapturesReadOnceWhateverRecordedThemTwice() throws {
        let golden = try #require(Golden.load("shared.pcap", "copies"), "no golden: run scripts/oracles/copies_golden.sh")
        #expect(golden.rows.count == 36)
        let tmp = TempDir("copies")
        var bare: [String: MemorySink] = [:]
        for row in golden.rows {
            let capture = try #require(row["capture"]), mode = try #require(row["mode"].flatMap(RedundantCopies.Mode.init))
            let oracle = try #require(row["copies"].flatMap(Int.init))
            let original = TestPaths.dataset(capture)
            let path = tmp.url.appendingPathComponent("\(mode.rawValue)-\(URL(fileURLWithPath: capture).lastPathComponent)").path
            let made = try RedundantCopies.copy(original, to: path, mode: mode)
            #expect(made.frames == row["frames"].flatMap(Int.init) && made.copies == oracle, "\(capture) \(mode)")
            let plain = try bare[capture] ?? collectPcap(path: original)
            bare[capture] = plain
            let twice = try collectPcap(path: path)
            let (a, b) = (plain.events.map { Self.comparable($0) }, twice.events.map { Self.comparable($0, copied: true) })
            #expect(a.count == b.count, "\(capture) \(mode): \(a.count) events from the original, \(b.count) from its copy")
            if let first = zip(a, b).first(where: { $0 != $1 }) {
                Issue.record("\(capture) \(mode): original \(first.0.prefix(500))\ncopied \(first.1.prefix(500))")
            }
            #expect(plain.warnings.filter { $0.locator != "capture" }.map { "\($0.locator) \($0.text)" }
                    == twice.warnings.filter { $0.locator != "capture" }.map { "\(Self.original($0.locator, true)) \($0.text)" },
                    "\(capture) \(mode)")
            let account = twice.warnings.filter { $0.locator == "capture" }.map(\.text)
            let named = ["span": "identical to a frame read within 2 ms", "prp": "second copies of PRP frames",
                         "hsr": "second copies of HSR frames"][mode.rawValue]!
            #expect(account.count == 1 && account[0].contains(": \(oracle) copies discarded, decoded once (\(oracle) \(named)"),
                    "\(capture) \(mode): \(account)")
        }
    }

    /// One PRP LAN alone: every frame has its trailer, none has a copy; nothing is discarded and the messages are the
    /// original's.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func oneLANOfAPRPNetworkReadsAsTheOriginal() throws {
        let tmp = TempDir("prp-one-lan")
        for capture in ["pcaps/ics/bacnet_services_icsnpp.pcap", "pcaps/ics/dnp3_example_icsnpp.pcap", "pcaps/it/dns_tunnel_queries.pcap"] {
            let path = tmp.url.appendingPathComponent(URL(fileURLWithPath: capture).lastPathComponent).path
            #expect(try RedundantCopies.copy(TestPaths.dataset(capture), to: path, mode: .prpOneLAN).copies == 0)
            let plain = try collectPcap(path: TestPaths.dataset(capture)), lan = try collectPcap(path: path)
            #expect(plain.events.map { Self.comparable($0) } == lan.events.map { Self.comparable($0) }, "\(capture)")
            #expect(plain.warnings.map(\.text) == lan.warnings.map(\.text), "\(capture)")
        }
    }

    /// What the copies did before they were discarded, and still do when told to keep them: BACnet over UDP decoded
    /// twice, its refused device-control requests counted twice (the password-guessing count with them).
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func keptCopiesAreDecodedTwice() throws {
        let tmp = TempDir("copies-kept")
        let original = TestPaths.dataset("pcaps/ics/bacnet_services_icsnpp.pcap")
        let path = tmp.url.appendingPathComponent("span.pcap").path
        try RedundantCopies.copy(original, to: path, mode: .span)
        func count(_ s: MemorySink, _ kind: String) -> Int { s.events.filter { $0.kind == kind }.count }
        let plain = try collectPcap(path: original), once = try collectPcap(path: path)
        let kept = try collectPcap(path: path, options: ["copies": "keep"])
        #expect(count(plain, "ics.bacnet.reinitialize_device") == 4 && count(once, "ics.bacnet.reinitialize_device") == 4)
        #expect(count(kept, "ics.bacnet.reinitialize_device") > 4 && kept.events.count > once.events.count)
        #expect(!kept.warnings.contains { $0.text.contains("copies discarded") })
    }

    /// The same with one thread and with several (the copies are known on the reading thread, before any flow).
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func copiesAreKnownWhateverTheThreads() throws {
        let tmp = TempDir("copies-threads")
        let path = tmp.url.appendingPathComponent("hsr.pcap").path
        try RedundantCopies.copy(TestPaths.dataset("pcaps/ics/enip_cip_example_icsnpp.pcap"), to: path, mode: .hsr)
        let one = try collectPcap(path: path, threads: 1), four = try collectPcap(path: path, threads: 4)
        #expect(one.events.map { Self.comparable($0) } == four.events.map { Self.comparable($0) })
        #expect(one.warnings.map(\.text) == four.warnings.map(\.text))
    }
}

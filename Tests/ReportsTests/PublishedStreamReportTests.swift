import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import Playbooks
import Reports
import TestSupport
import Testing
import Timeline

/// A substation capture with forged GOOSE frames and no IP at all: the report's chain names the frame's publisher (its
/// asset, or its MAC address) where a controller's message would name the controller, and says that no physical effect
/// was traced rather than inventing one.
@Suite struct PublishedStreamReportTests {
    @Test func theChainNamesThePublisher() throws {
        let tmp = TempDir("published-report")
        let path = tmp.url.appendingPathComponent("substation.pcap").path
        _ = try SubstationMulticast.write(to: path, hostile: false)
        let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: "substation", examiner: "test")
        try c.importAssets(try AssetInventory.parse("""
            assets:
              - {name: relay-1, role: plc, level: 1, zone: substation, addresses: ["00:30:a7:00:00:01"]}
            """, file: "assets.yaml"), file: "assets.yaml", sha256: String(repeating: "0", count: 64))
        for outcome in try c.add(paths: [path]) { if case .added(let item) = outcome { _ = try c.ingest(item) } }
        let root = TestPaths.repoRoot.appendingPathComponent("Playbooks").path
        try PlaybookRunner(c).runAndStore(PlaybookLoader.load(paths: [root], root: root).0)
        var builder = ReportBuilder(c)
        builder.verify = false
        let r = try builder.build()
        let steps = r.chain?.steps ?? []
        #expect(!steps.isEmpty)
        // The attacker's own frame first: its MAC address, no asset of the inventory's.
        #expect(steps.first?.asset == "02:42:ac:11:00:99", "\(steps.map { $0.asset ?? "-" })")
        let markdown = Markdown.render(r)
        #expect(markdown.contains("No chain to a physical effect was traced"))
        #expect(!markdown.contains("on **?**") && !markdown.contains(" on ?"), "a step with no one named")
    }
}

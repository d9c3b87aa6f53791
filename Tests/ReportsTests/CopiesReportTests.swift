import EvidenceStore
import Exercises
import Foundation
import Reports
import TestSupport
import Testing

/// A capture that held every frame twice says so in the report's gaps, with how many copies of which kind were
/// discarded; its account of the packets is not counted among records a collector could not read.
@Suite struct CopiesReportTests {
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func theReportSaysTheCaptureHeldFramesTwice() throws {
        let tmp = TempDir("copies-report")
        let path = tmp.url.appendingPathComponent("substation-lan-ab.pcap").path
        try RedundantCopies.copy(TestPaths.dataset("pcaps/ics/dnp3_example_icsnpp.pcap"), to: path, mode: .prp)
        let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: "copies", examiner: "test")
        for outcome in try c.add(paths: [path]) { if case .added(let item) = outcome { _ = try c.ingest(item) } }
        var builder = ReportBuilder(c)
        builder.verify = false
        let markdown = Markdown.render(try builder.build())
        #expect(markdown.contains("substation-lan-ab.pcap held frames twice: 834 copies discarded, decoded once (834 second "
                                  + "copies of PRP frames (the other LAN);"), "\(markdown)")
        // Its only warning is that account: no record left unread.
        #expect(!markdown.contains("records they could not read fully"))
    }
}

import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

@Suite struct CollectorRegistryTests {
    @Test func namesAreUniqueAndDotted() {
        let names = CollectorRegistry.all.map { $0.name }
        #expect(Set(names).count == names.count)
        for n in names {
            #expect(n.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "/" || $0 == "-" }, "\(n)")
        }
    }

    /// Each real sample goes to its own collector: every other collector refuses it or is less sure.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote),
          arguments: [
              ("evtx/attack_samples/CA_DCSync_4662.evtx", "windows/evtx" as String?),
              ("evtx/baseline/system_baseline_python-evtx.evtx", "windows/evtx"),
              ("logs/linux/loghub_OpenSSH_2k.log", "log/syslog"),
              ("logs/linux/loghub_Linux_2k.log", "log/syslog"),
              ("logs/web/apache_access_combined_semicomplete_2015.log", "log/access"),
              ("logs/web/iis_w3c_tunna_rdp_tunnel.log", "log/access"),
              ("logs/web/loghub_Apache_2k.log", "log/web-error"),
              ("pcaps/ics/modbus_example_icsnpp.pcap", "network/pcap"),
              ("pcaps/ics/opcua_open62541_mainloop.pcap", "network/pcap"),
              ("historian/BATADAL_dataset03_normal.csv", "historian/wide"),
          ])
    func eachSampleGoesToItsOwnCollector(path: String, expected: String?) throws {
        let full = TestPaths.dataset(path)
        let handle = try #require(FileHandle(forReadingAtPath: full))
        let head = [UInt8](try handle.read(upToCount: EvidenceProbe.headSize) ?? Data())
        let probe = EvidenceProbe(name: path, mimeType: FileIdentifier().mimeType(ofFile: full), head: head)
        #expect(CollectorRegistry.identify(probe)?.name == expected)
        if let expected {
            let winner = CollectorRegistry.named(expected)!.identify(probe)
            for c in CollectorRegistry.all where c.name != expected {
                #expect(c.identify(probe) < winner, "\(c.name) is as sure as \(expected) about \(path)")
            }
        }
    }

    @Test func unknownEvidenceIsClaimedByNoCollector() {
        let probe = EvidenceProbe(name: "notes.bin", mimeType: "application/octet-stream", head: [0, 1, 2, 3])
        #expect(CollectorRegistry.identify(probe) == nil)
    }
}

@Suite struct FileIdentifierTests {
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote),
          arguments: [
              ("pcaps/ics/modbus_example_icsnpp.pcap", "application/vnd.tcpdump.pcap"),
              ("evtx/attack_samples/CA_DCSync_4662.evtx", "application/x-ms-evtx"),
              ("logs/linux/loghub_OpenSSH_2k.log", "text/plain"),
              ("historian/BATADAL_dataset03_normal.csv", "text/csv"),
          ])
    func identifiesRealSamples(path: String, mime: String) {
        let id = FileIdentifier()
        #expect(id.isAvailable)
        #expect(id.mimeType(ofFile: TestPaths.dataset(path)) == mime)
    }

    @Test func identifiesBuffersAndSurvivesGarbage() {
        let id = FileIdentifier()
        #expect(id.mimeType(of: Array("ElfFile\0".utf8) + [UInt8](repeating: 0, count: 120)) != nil)
        #expect(id.mimeType(of: []) != nil)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let junk = (0..<Int.random(in: 0...4096, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = id.mimeType(of: junk)
        }
        #expect(id.mimeType(ofFile: "/nonexistent/file") == nil)
    }
}

@Suite struct SinkTests {
    @Test func memorySinkKeepsEventsAndWarningsInOrder() throws {
        let sink = MemorySink()
        for i in 0..<3 { try sink.emit(SyntheticEvents.event(i, evidenceID: 7)) }
        try sink.warn(CollectorWarning(evidenceID: 7, locator: "line 3", text: "truncated record"))
        #expect(sink.events.count == 3)
        #expect(sink.events.map(\.provenance.locator) == ["synthetic 0", "synthetic 1", "synthetic 2"])
        #expect(sink.warnings == [CollectorWarning(evidenceID: 7, locator: "line 3", text: "truncated record")])
    }

    @Test func syntheticStreamIsDeterministic() {
        #expect(SyntheticEvents.event(41, evidenceID: 1) == SyntheticEvents.event(41, evidenceID: 1))
        #expect(SyntheticEvents.event(41, evidenceID: 1) != SyntheticEvents.event(42, evidenceID: 1))
        #expect(Set((0..<300).map { SyntheticEvents.event($0, evidenceID: 1).kind })
            == ["ics.modbus.write", "auth.logon", "net.flow"])
    }
}

import EvidenceStore
import Foundation
import JikochoModel
import TestSupport
import Testing

@testable import Exercises
@testable import Playbooks

/// A substation's GOOSE streams with an attacker's frames among them (`jikocho dev substation-multicast` without
/// its hostile frames): the playbook names each forged or replayed frame, and nothing the genuine publishers did —
/// the relay's trip, its heartbeats, a relay in test mode, a bay controller that fell silent for five seconds.
@Suite struct PublishedStateForgedTests {
    static let name = "ICS.Network.PublishedStateForged"
    static let inventory = """
        assets:
          - {name: relay-1, role: plc, level: 1, zone: substation, addresses: ["00:30:a7:00:00:01"]}
          - {name: bay-2, role: plc, level: 1, zone: substation, addresses: ["00:09:8e:00:00:02"]}
        """

    @Test func forgedAndReplayedFramesAreFoundAndGenuineOnesAreNot() throws {
        let tmp = TempDir("substation")
        let path = tmp.url.appendingPathComponent("s.pcap").path
        _ = try SubstationMulticast.write(to: path, hostile: false)
        let f = try FixtureCase("substation", inventory: Self.inventory, files: ["substation.pcap": Array(try Data(contentsOf: URL(fileURLWithPath: path)))])
        let outcome = try f.run(Self.name)
        let summaries = outcome.findings.map(\.0.summary)
        // One finding per sending address and burst: the attacker's own host (the relay's control block, then the
        // merging unit's stream), and frames sent as the relay (an old state replayed, a value changed).
        #expect(outcome.findings.count == 2, "\(summaries)")
        let attacker = try #require(outcome.findings.first { $0.0.summary.contains("sent as 02:42:ac:11:00:99") }?.0)
        #expect(attacker.summary.hasPrefix("2 frame(s) of published control streams forged or replayed"))
        #expect(attacker.summary.contains("also published by 00:30:a7:00:00:01"), "\(attacker.summary)")
        // The same inference on the other published stream: the merging unit's samples from a second publisher.
        let sv = try f.c.events(EventQuery(kinds: ["ics.sv.anomaly"])).filter { $0.event.src.mac == "02:42:ac:11:00:99" }
        #expect(sv.count == 1 && attacker.eventIDs.contains(sv[0].id))
        let relay = try #require(outcome.findings.first { $0.0.summary.contains("sent as relay-1") }?.0)
        #expect(relay.eventIDs.count == 2 && relay.summary.contains("stNum went back from 2 to 1"), "\(relay.summary)")
        #expect(!summaries.contains { $0.contains("bay-2") || $0.contains("REL3PROT") }, "\(summaries)")
        #expect(outcome.findings.allSatisfy { $0.0.severity == .high && $0.0.techniques.contains("T0856") })
    }

    /// The genuine publishers alone (a trip, heartbeats, a relay in test mode, a publisher silent for five seconds, a
    /// merging unit losing its time source): nothing.
    @Test func genuineStreamsAloneRaiseNothing() throws {
        let tmp = TempDir("substation-genuine")
        let path = tmp.url.appendingPathComponent("s.pcap").path
        _ = try SubstationMulticast.write(to: path, hostile: false, attacker: false)
        let f = try FixtureCase("substation-genuine", inventory: Self.inventory,
                                files: ["genuine.pcap": Array(try Data(contentsOf: URL(fileURLWithPath: path)))])
        let anomalies = try f.c.events(EventQuery(kinds: ["ics.goose.anomaly", "ics.sv.anomaly"]))
        #expect(anomalies.count == 3, "\(anomalies.map(\.event.message))")    // test mode, heartbeat missed, time source lost
        #expect(try f.run(Self.name).findings.isEmpty)
    }
}

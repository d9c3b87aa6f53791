import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

@Suite struct CaseIngestTests {
    static let auth = """
        Feb  5 13:27:41 hmi-01 sshd[2211]: Failed password for operator from 203.0.113.7 port 51512 ssh2
        Feb  5 13:27:49 hmi-01 sshd[2211]: Accepted password for operator from 203.0.113.7 port 51512 ssh2
        Feb  5 13:28:02 hmi-01 sudo: operator : TTY=pts/0 ; PWD=/home/operator ; USER=root ; COMMAND=/bin/bash

        """

    func added(_ c: Case, _ paths: [String], tz: String? = nil) throws -> [EvidenceItem] {
        try c.add(paths: paths, options: AddOptions(timeZone: tz)).compactMap {
            if case .added(let i) = $0 { return i } else { return nil }
        }
    }

    @Test func ingestsIdentifiedEvidenceOnceAndRecordsTheRun() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let item = try #require(try added(c, [tmp.file("ev/auth.log", CaseIngestTests.auth)], tz: "Asia/Tokyo").first)
        guard case .ingested(_, let s) = try c.ingest(item, options: IngestOptions(year: 2021)) else {
            Issue.record("not ingested")
            return
        }
        #expect(s.collector == "log/syslog")
        #expect(s.events == 3)
        let events = try c.events(EventQuery())
        #expect(events.map(\.event.kind) == ["auth.logon_failed", "auth.logon", "auth.privilege"])
        #expect(events[0].event.time.iso8601(precision: .seconds) == "2021-02-05T04:27:41Z")    // 13:27 JST
        let options = try c.read { try String.fetchOne($0, sql: "SELECT options FROM ingest_runs WHERE id = ?",
                                                      arguments: [s.runID]) }
        #expect(options == #"{"tz":"Asia/Tokyo","year":"2021"}"#)
        // Again: nothing is read twice.
        guard case .alreadyIngested(_, let runID, _, let n) = try c.ingest(item) else {
            Issue.record("ingested twice")
            return
        }
        #expect(runID == s.runID)
        #expect(n == 3)
        #expect(try c.summary().eventCount == 3)
        #expect(try c.verify().isClean)
    }

    @Test func unknownEvidenceIsKeptAndListedAsNotParsed() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let item = try #require(try added(c, [tmp.file("ev/blob.bin", [0, 1, 2, 3, 0xFF])]).first)
        guard case .notParsed(let same) = try c.ingest(item) else { Issue.record("parsed?"); return }
        #expect(same.id == item.id)
        #expect(try c.summary().evidenceCount == 1)
        #expect(try c.summary().runsByStatus.isEmpty)
    }

    @Test func aNamedCollectorOverridesIdentificationAndUnknownNamesAreRefused() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let item = try #require(try added(c, [tmp.file("ev/odd.txt", "garbage first line\n" + CaseIngestTests.auth)]).first)
        guard case .ingested(_, let s) = try c.ingest(item, options: IngestOptions(collector: "log/syslog", timeZone: "UTC",
                                                                                   year: 2021)) else {
            Issue.record("not ingested")
            return
        }
        #expect(s.events == 3)
        #expect(s.warnings == 1)
        #expect(try c.warnings(runID: s.runID).shown.first?.locator == "line 1 @0x0")
        // The zone given at ingest is recorded on the evidence, in custody.
        #expect(try c.allEvidence().first?.timeZone == "UTC")
        #expect(try c.custodyEntries().contains { $0.action == "evidence.annotate" })
        expectCaseError(.invalidArgument) { _ = try c.ingest(item, options: IngestOptions(collector: "log/nope")) }
    }
}

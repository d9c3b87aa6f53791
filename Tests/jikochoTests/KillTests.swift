import Foundation
import GRDB
import TestSupport
import Testing

@testable import EvidenceStore

/// kill -9 in the middle of an ingest: the case opens, verifies clean, the run is marked incomplete, and running the
/// ingest again ends with exactly the events of an uninterrupted run.
@Suite(.serialized) struct KillTests {
    static let events = 200_000

    @Test(arguments: 0..<6)
    func killMidIngestThenRerun(round: Int) throws {
        let tmp = TempDir()
        let bin = TestPaths.jikocho
        let dir = tmp.url.appendingPathComponent("case").path
        #expect(try runProgram(bin, ["case", "init", dir, "--name", "kill \(round)", "--examiner", "t"]).status == 0)
        #expect(try runProgram(bin, ["add", dir, tmp.file("ev/e.log", "evidence \(round)\n")]).status == 0)

        let p = try startProgram(bin, ["dev", "synthesize", dir, "--evidence", "1", "--events", "\(KillTests.events)",
                                       "--batch", "2000"])
        // Wait until some batches are in, then kill at a random later moment.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, p.isRunning, (try? eventRows(dir)) ?? 0 < 2000 { usleep(20_000) }
        usleep(UInt32.random(in: 0...400_000))
        let killedWhileRunning = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        // The case opens and verifies clean straight after the kill.
        let v = try runProgram(bin, ["verify", dir])
        #expect(v.status == 0, "\(v.stdout)")

        // The next writer marks the run incomplete and removes its partial rows (or it had finished in time).
        let c = try Case.open(at: dir, mode: .write)
        let status = try c.read { try String.fetchOne($0, sql: "SELECT status FROM ingest_runs WHERE id = 1") }
        if status == "incomplete" {
            #expect(killedWhileRunning)
            #expect(try c.summary().eventCount == 0)
            #expect(try c.custodyEntries().contains { $0.action == "ingest.interrupted" })
        } else {
            #expect(status == "complete")
            #expect(try c.summary().eventCount == Int64(KillTests.events))
        }
        let report = try c.verify()
        #expect(report.isClean, "\(report.problems)")
        c.close()
        guard status == "incomplete" else { return }

        // Running the ingest again gives exactly the events of an uninterrupted run.
        let again = try runProgram(bin, ["dev", "synthesize", dir, "--evidence", "1", "--events", "\(KillTests.events)"])
        #expect(again.status == 0, "\(again.stderr)")
        let after = try Case.open(at: dir, mode: .read)
        #expect(try after.summary().eventCount == Int64(KillTests.events))
        #expect(try after.summary().runsByStatus == ["complete": 1, "incomplete": 1])
        let distinct = try after.read { try Int.fetchOne($0, sql: "SELECT COUNT(DISTINCT locator) FROM events") }
        #expect(distinct == KillTests.events)
        #expect(try after.verify().isClean)
    }

    func eventRows(_ dir: String) throws -> Int {
        var config = Configuration()
        config.readonly = true
        let q = try DatabaseQueue(path: "\(dir)/case.sqlite", configuration: config)
        return try q.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }
}

/// The same, through the real path: `jikocho ingest` of a syslog file killed mid-run, then ingested again.
@Suite(.serialized) struct KillIngestTests {
    static let lines = 150_000

    static func syslog(_ tmp: TempDir) -> String {
        var text = [UInt8]()
        text.reserveCapacity(lines * 90)
        for i in 0..<lines {
            let s = i % 86_400
            let stamp = "Mar  1 " + [s / 3600, s / 60 % 60, s % 60].map { $0 < 10 ? "0\($0)" : "\($0)" }
                .joined(separator: ":")
            text += Array("\(stamp) hmi-01 sshd[\(1000 + i % 5000)]: Failed password for root from 203.0.113.\(i % 250) port \(40000 + i % 20000) ssh2\n".utf8)
        }
        return tmp.file("auth.log", text)
    }

    @Test(arguments: 0..<3)
    func killIngestThenIngestAgain(round: Int) throws {
        let tmp = TempDir()
        let bin = TestPaths.jikocho
        let dir = tmp.url.appendingPathComponent("case").path
        let log = KillIngestTests.syslog(tmp)
        #expect(try runProgram(bin, ["case", "init", dir, "--name", "kill \(round)", "--examiner", "t"]).status == 0)
        let p = try startProgram(bin, ["ingest", dir, log, "--tz", "UTC", "--year", "2021"])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, p.isRunning, (try? KillTests().eventRows(dir)) ?? 0 < 10_000 { usleep(20_000) }
        usleep(UInt32.random(in: 0...300_000))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        #expect(try runProgram(bin, ["verify", dir]).status == 0)
        let again = try runProgram(bin, ["ingest", dir, log, "--tz", "UTC", "--year", "2021"])
        #expect(again.status == 0, "\(again.stderr)")
        let c = try Case.open(at: dir, mode: .read)
        #expect(try c.summary().eventCount == Int64(KillIngestTests.lines))
        let distinct = try c.read { try Int.fetchOne($0, sql: "SELECT COUNT(DISTINCT locator) FROM events") }
        #expect(distinct == KillIngestTests.lines)
        let statuses = try c.read { try String.fetchAll($0, sql: "SELECT status FROM ingest_runs ORDER BY id") }
        #expect(statuses.last == "complete")
        #expect(statuses.dropLast().allSatisfy { $0 == "incomplete" })
        #expect(try c.verify().isClean)
    }
}

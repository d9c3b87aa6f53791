import Foundation
import GRDB
import Parsers
import GRDBSQLite
import TestSupport
import Testing

@testable import EvidenceStore

/// The `jikocho` program as a user runs it: exit codes, one-line errors, and a case left as it was.
@Suite struct CLITests {
    let bin = TestPaths.jikocho

    func initCase(_ tmp: TempDir) throws -> String {
        let dir = tmp.url.appendingPathComponent("case").path
        let r = try runProgram(bin, ["case", "init", dir, "--name", "CLI test", "--examiner", "Tester"])
        #expect(r.status == 0, "\(r.stderr)")
        return dir
    }

    /// An error is one line on stderr, says what to do, and the exit status is not zero.
    func expectOneLineError(_ r: RunResult, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(text), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func initAddVerifyShowAndEvents() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        let log = tmp.file("ev/auth.log", "Feb  5 08:33:12 hmi-01 sshd[1]: Accepted password for op\n")
        var r = try runProgram(bin, ["add", dir, log])
        #expect(r.status == 0)
        #expect(r.stdout.contains("added #1"))
        #expect(r.stdout.contains("1 added"))
        r = try runProgram(bin, ["add", dir, log])
        #expect(r.status == 0)
        #expect(r.stdout.contains("already in case as #1"))
        r = try runProgram(bin, ["verify", dir])
        #expect(r.status == 0)
        #expect(r.stdout.contains("verify: OK"))
        r = try runProgram(bin, ["case", "show", dir])
        #expect(r.stdout.contains("evidence   1 items"))
        r = try runProgram(bin, ["dev", "synthesize", dir, "--evidence", "1", "--events", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try runProgram(bin, ["events", dir, "--kind", "auth.logon", "--json"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines.first?.contains(#""kind":"auth.logon""#) == true)
        r = try runProgram(bin, ["custody", dir])
        #expect(r.stdout.split(separator: "\n").count == 4)    // init, add, ingest.start, ingest.run
    }

    /// `assets import` refuses an inventory with mistakes (each named, nothing imported) and takes a good one;
    /// `assets list` shows it with the addresses no asset claims; `events` shows endpoints with their assets.
    @Test func assetsImportListAndResolve() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        let log = tmp.file("ev/auth.log", "Feb  5 08:33:12 hmi-01 sshd[1]: Accepted password for op from 203.0.113.7 port 5 ssh2\n")
        #expect(try runProgram(bin, ["ingest", dir, log, "--tz", "UTC", "--year", "2021"]).status == 0)
        let bad = tmp.file("bad.yaml", "assets:\n  - name: a\n    role: plcc\n  - name: b\n    level: 7\n")
        var r = try runProgram(bin, ["assets", dir, "import", bad])
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n") == [
            "bad.yaml:3:11: assets[0].role: plcc is not a role; use one of hmi, plc, rtu, historian, engineering-workstation, ews, jump-host, domain-controller, file-server, firewall, remote-access, workstation, server, switch, router, safety-controller, ied, gateway, vpn, printer, scada-server, monitoring, web-server, file-transfer, mail-server, drive, unknown",
            "Error: bad.yaml:5:12: assets[1].level: a Purdue level is a whole number from 0 to 5; 2 mistakes in \(bad); nothing was imported",
        ])
        let good = tmp.file("assets.yaml", "assets:\n  - name: hmi-1\n    role: hmi\n    hostnames: [HMI-01]\n    addresses: [10.0.20.10]\n")
        r = try runProgram(bin, ["assets", dir, "import", good])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("imported 1 asset with 0 tag mappings from \(good); sha256 "))
        r = try runProgram(bin, ["assets", dir, "list"])
        #expect(r.stdout.contains("hmi-1             hmi                      -      -             10.0.20.10 HMI-01"))
        #expect(r.stdout.contains("203.0.113.7"))
        r = try runProgram(bin, ["events", dir, "--asset", "hmi-1"])
        #expect(r.stdout.contains("auth.logon               hmi-1"))
        #expect(try runProgram(bin, ["verify", dir]).status == 0)
    }

    @Test func badInputGivesOneClearLine() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        expectOneLineError(try runProgram(bin, ["add", dir, tmp.url.appendingPathComponent("nope.log").path]),
                           containing: "no such file or directory; check the path")
        expectOneLineError(try runProgram(bin, ["verify", tmp.path]), containing: "is not a Jikocho case")
        expectOneLineError(try runProgram(bin, ["events", tmp.url.appendingPathComponent("missing").path]),
                           containing: "no case at")
        // A usage mistake: argument-parser adds the usage line under the one-line error.
        let usage = try runProgram(bin, ["events", dir, "--from", "yesterday"])
        #expect(usage.status != 0)
        #expect(usage.stderr.split(separator: "\n").first?.contains("--from yesterday is not a time") == true)
        let r = try runProgram(bin, ["case", "show", dir])
        #expect(r.stdout.contains("evidence   0 items"))
    }

    @Test func verifyFailsOnTampering() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        _ = try runProgram(bin, ["add", dir, tmp.file("ev/a.log", "aaa\n")])
        let c = try Case.open(at: dir, mode: .read)
        let object = c.objectPath(sha256: try c.allEvidence()[0].sha256)
        chmod(object, 0o644)
        try Data("bbb\n".utf8).write(to: URL(fileURLWithPath: object))
        let r = try runProgram(bin, ["verify", dir])
        #expect(r.status == 1)
        #expect(r.stdout.contains("PROBLEM    object changed: evidence #1 (a.log)"))
        #expect(r.stdout.contains("verify: 1 problem found"))
    }

    /// A second writer is told who holds the case; the case is untouched.
    @Test func aSecondWriterIsRefused() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        let holder = try Case.open(at: dir, mode: .write)
        expectOneLineError(try runProgram(bin, ["add", dir, tmp.file("ev/x.log", "x")]),
                           containing: "being written by another jikocho process (pid \(getpid()))")
        #expect(try holder.summary().evidenceCount == 0)
        // Readers are not blocked by a writer.
        #expect(try runProgram(bin, ["verify", dir]).status == 0)
    }

    /// Another program holding SQLite's write lock: the command waits, then says so in one line.
    @Test func aLockedDatabaseIsReportedAndTheCaseLeftAsItWas() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        let opened = try Case.open(at: dir, mode: .write, busyTimeout: 0.2)
        // A plain sqlite3 connection, as the sqlite3 shell or another tool would hold it.
        var other: OpaquePointer?
        #expect(sqlite3_open_v2("\(dir)/case.sqlite", &other, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK)
        #expect(sqlite3_exec(other, "BEGIN EXCLUSIVE", nil, nil, nil) == SQLITE_OK)
        defer {
            sqlite3_exec(other, "ROLLBACK", nil, nil, nil)
            sqlite3_close(other)
        }
        // Locked after the case was opened: the copies already moved into place are taken back.
        expectCaseError(.busy) { _ = try opened.add(paths: [tmp.file("ev/y.log", "y"), tmp.file("ev/z.log", "z")]) }
        opened.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/objects").sorted() == ["tmp"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/objects/tmp").isEmpty)
    }

    /// A full disk while copying: simulated with a file-size limit (the copy's write fails as on a full disk).
    @Test func aFullDiskWhileCopyingAddsNothing() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        let big = tmp.file("ev/big.bin", [UInt8](repeating: 0x5A, count: 3 << 20))
        let small = tmp.file("ev/small.log", "small\n")
        // ulimit -f counts 1 KiB blocks in bash: 1 MiB per file; SIGXFSZ ignored so write() returns EFBIG.
        let script = "ulimit -f 1024; trap '' XFSZ; exec \"$0\" \"$@\""
        let r = try runProgram("/bin/bash", ["-c", script, bin, "add", dir, small, big])
        expectOneLineError(r, containing: "no space left on the case's disk while copying \(big)")
        #expect(r.stderr.contains("nothing was added"))
        let v = try runProgram(bin, ["verify", dir])
        #expect(v.status == 0, "\(v.stdout)")
        #expect(v.stdout.contains("objects    0 re-hashed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/objects/tmp").isEmpty)
    }
}

func expectCaseError(_ code: CaseError.Code, _ body: () throws -> Void,
                     sourceLocation: SourceLocation = #_sourceLocation)
{
    do {
        try body()
        Issue.record("expected CaseError \(code.rawValue)", sourceLocation: sourceLocation)
    } catch let e as CaseError {
        #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected CaseError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct IngestCLITests {
    /// The brute force in the shared sshd log, with user and source address, from one command.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func ingestListsTheBruteForceInTheSharedAuthLog() throws {
        let tmp = TempDir()
        let bin = TestPaths.jikocho
        let dir = tmp.url.appendingPathComponent("case").path
        try runProgram(bin, ["case", "init", dir, "--name", "ssh", "--examiner", "t"])
        let r = try runProgram(bin, ["ingest", dir, TestPaths.dataset("logs/linux/loghub_OpenSSH_2k.log"),
                                     TestPaths.dataset("pcaps/ics/modbus_example_icsnpp.pcap"),
                                     TestPaths.dataset("historian/BATADAL_dataset03_normal.csv"), "--tz", "UTC",
                                     "--year", "2015"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("log/syslog    #1  2008 events, 0 warnings  loghub_OpenSSH_2k.log"))
        #expect(r.stdout.contains("network/pcap  #2  26 events, 0 warnings  modbus_example_icsnpp.pcap"))
        #expect(r.stdout.contains("historian/wide  #3  385484 samples in 44 series, 7848 events, 0 warnings  "
                                  + "BATADAL_dataset03_normal.csv"))
        #expect(r.stdout.contains("3 items: 3 ingested (385484 samples, 9882 events, 0 warnings), 0 already ingested, "
                                  + "0 not parsed"))
        // The samples as ingested: the series list, and one series' samples in a time range as CSV.
        let list = try runProgram(bin, ["series", dir])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == 45)
        #expect(list.stdout.contains("L_T1                 -         #3            8761 2014-01-06T00:00:00Z  "
                                     + "2015-01-06T00:00:00Z  0.320111841   4.871329308"))
        #expect(list.stderr == "44 series, 385484 samples\n")
        let csv = try runProgram(bin, ["series", dir, "--tag", "s_pu2", "--from", "2014-01-06T05:00:00Z",
                                       "--to", "2014-01-06T07:00:00Z", "--csv"])
        #expect(csv.stdout == "time,series,value,quality,quality_text,line\n"
                + "2014-01-06T05:00:00.000000000Z,S_PU2,1,good,,7\n2014-01-06T06:00:00.000000000Z,S_PU2,1,good,,8\n")
        let none = try runProgram(bin, ["series", dir, "--tag", "nothing*"])
        #expect(none.status != 0 && none.stderr.contains("no series matches nothing*"))
        let failed = try runProgram(bin, ["events", dir, "--kind", "auth.logon_failed", "--json"])
        let lines = failed.stdout.split(separator: "\n")
        #expect(lines.count == 533)    // one per attempt (see SyslogCollectorTests)
        #expect(lines.allSatisfy { $0.contains(#""kind":"auth.logon_failed""#) })
        let first = String(lines[0])
        #expect(first.contains(#""user":"webmaster""#))
        #expect(first.contains(#""src":{"ip":"173.234.31.186","port":38926}"#))    // the verdict line, with its port
        let again = try runProgram(bin, ["ingest", dir, TestPaths.dataset("logs/linux/loghub_OpenSSH_2k.log")])
        #expect(again.stdout.contains("already ingested  #1 by log/syslog in run #1 (2008 events)"))
        #expect(try runProgram(bin, ["verify", dir]).status == 0)
    }

    /// All EVTX samples through `jikocho ingest`: per file the record count of python-evtx, every event's EventID
    /// and TimeCreated as python-evtx reads them (the golden files of ParsersTests); then a zip of the same files
    /// gives the same events, from child evidence items.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func evtxSamplesMatchTheOracleAndAZipGivesTheSameEvents() throws {
        let tmp = TempDir()
        let bin = TestPaths.jikocho
        let dir = tmp.url.appendingPathComponent("case").path
        try runProgram(bin, ["case", "init", dir, "--name", "evtx", "--examiner", "t"])
        let r = try runProgram(bin, ["ingest", dir, TestPaths.dataset("evtx")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("12 items: 12 ingested (4650 events"), "\(r.stdout)")
        // "run #3    windows/evtx  #3  73 events, 0 warnings  attack_samples/DE_sysmon-3-rdp-tun.evtx"
        var fileOf: [Int: String] = [:]
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("run #") {
            let words = line.split(separator: " ")
            if words.count > 4, let id = Int(words[3].dropFirst()) {
                fileOf[id] = ((String(words.last!) as NSString).lastPathComponent as NSString).deletingPathExtension
            }
        }
        #expect(fileOf.count == 12)
        let events = try eventsJSON(bin, dir)
        #expect(events.count == 4650)
        let goldenDir = TestPaths.repoRoot.appendingPathComponent("Tests/ParsersTests/Golden/evtx")
        for (evidence, name) in fileOf {
            let golden = try String(contentsOf: goldenDir.appendingPathComponent(name + ".jsonl"), encoding: .utf8)
                .split(separator: "\n").dropFirst()
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            var byRecord: [String: [String: Any]] = [:]
            for g in golden { byRecord[String(g["record"] as! Int)] = g }
            let ours = events.filter { $0["evidence"] as? Int == evidence }
            #expect(ours.count == golden.count, "\(name)")
            for e in ours {
                let a = e["attributes"] as! [String: Any]
                let number = (a["record_number"] ?? a["record_id"]) as! String
                guard let g = byRecord[number] else { Issue.record("\(name): record \(number) not in python-evtx's output"); continue }
                #expect(a["event_id"] as? Int == g["event_id"] as? Int, "\(name) record \(number)")
                let ns = (e["time_ns"] as! NSNumber).int64Value
                let ticks = UInt64(ns / 100 + 116_444_736_000_000_000)
                #expect(EVTXXML.pythonFiletime(ticks) == g["time_created"] as? String, "\(name) record \(number)")
            }
        }

        // The same files in a zip: same events, from child items of the archive.
        let files = try FileManager.default.subpathsOfDirectory(atPath: TestPaths.dataset("evtx"))
            .filter { $0.hasSuffix(".evtx") }.sorted()
        let zip = tmp.url.appendingPathComponent("evtx.zip").path
        #expect(ArchiveWriter.write(zip, .zip, try files.map {
            .file($0, try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.dataset("evtx/" + $0)))))
        }))
        let dir2 = tmp.url.appendingPathComponent("case-zip").path
        try runProgram(bin, ["case", "init", dir2, "--name", "evtx zip", "--examiner", "t"])
        let z = try runProgram(bin, ["ingest", dir2, zip])
        #expect(z.status == 0, "\(z.stderr)")
        #expect(z.stdout.contains("13 items: 12 ingested (4650 events"), "\(z.stdout)")
        func key(_ e: [String: Any]) -> String {
            let a = try! JSONSerialization.data(withJSONObject: e["attributes"] ?? [:], options: [.sortedKeys])
            return "\(e["time_ns"]!) \(e["kind"]!) \(e["message"]!) \(String(decoding: a, as: UTF8.self))"
        }
        let fromZip = try eventsJSON(bin, dir2)
        #expect(fromZip.map(key).sorted() == events.map(key).sorted())
        #expect(try runProgram(bin, ["verify", dir2]).status == 0)
    }

    func eventsJSON(_ bin: String, _ dir: String) throws -> [[String: Any]] {
        let out = try runProgram(bin, ["events", dir, "--json"])
        return try out.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }
}

extension CLITests {
    /// The flagship exercise as an investigator runs it: inventory, ingest, clock estimate, timeline, chain, playbooks,
    /// report.
    @Test func flagshipExerciseThroughTheProgram() throws {
        let tmp = TempDir()
        let dir = try initCase(tmp)
        let evidence = TestPaths.repoRoot.appendingPathComponent("Evidence/water-treatment-remote-setpoint").path
        var r = try runProgram(bin, ["assets", dir, "import", evidence + "/assets.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try runProgram(bin, ["ingest", dir, evidence])
        #expect(r.status == 0, "\(r.stderr)")
        r = try runProgram(bin, ["clock", dir, "estimate", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let historian = r.stdout.split(separator: "\n").first { $0.contains(#""clock":"historian-1""#) }
        guard let line = historian, case .object(let o)? = try? JSONParser().parse(String(line)),
              case .double(let offset)? = o["offset_s"] else {
            Issue.record("no estimate for historian-1: \(r.stdout.prefix(500))")
            return
        }
        #expect(abs(offset - 97) < 2)
        r = try runProgram(bin, ["clock", dir, "estimate", "--apply"])
        #expect(r.status == 0 && r.stderr.contains("applied 1 estimate"), "\(r.stderr)")
        r = try runProgram(bin, ["clock", dir, "list", "--json"])
        #expect(r.stdout.contains(#""source":"estimate""#))
        let ts = tmp.url.appendingPathComponent("timeline.jsonl").path
        r = try runProgram(bin, ["timeline", dir, "--format", "timesketch", "-o", ts])
        #expect(r.status == 0, "\(r.stderr)")
        let written = try String(contentsOfFile: ts, encoding: .utf8).split(separator: "\n")
        #expect(written.count > 400 && written.allSatisfy { $0.contains(#""timestamp_desc":"#) })
        #expect(r.stderr.contains("\(written.count) events") && r.stderr.contains("in corrected time"))
        r = try runProgram(bin, ["chain", dir, "--limit", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        guard case .object(let chain)? = try? JSONParser().parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
              case .array(let steps)? = chain["steps"] else {
            Issue.record("no chain: \(r.stdout.prefix(500))")
            return
        }
        let kinds = steps.compactMap { s -> String? in if case .object(let o) = s, case .string(let k)? = o["kind"] { k } else { nil } }
        #expect(kinds == ["vpn.address_assigned", "auth.logon", "auth.logon", "ics.modbus.write", "process.setpoint_change"])
        r = try runProgram(bin, ["chain", dir, "--limit", "1"])
        #expect(r.stdout.contains("reaches outside the site") && r.stdout.contains("competing: console logon of jsmith"))
        // Playbooks, then the report in its three forms.
        let playbooks = TestPaths.repoRoot.appendingPathComponent("Playbooks").path
        r = try runProgram(bin, ["run", dir, "--playbooks", playbooks])
        #expect(r.status == 0 && r.stdout.contains("CRITICAL Remote-access takeover"), "\(r.stderr)")
        r = try runProgram(bin, ["report", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let html = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(html.hasSuffix("reports/report.html") && r.stderr.contains("Cyber cause") && r.stderr.contains("confidence high"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("198.51.100.77") && page.contains("<svg class=\"plot\""))
        r = try runProgram(bin, ["report", dir, "--format", "json", "-o", "-", "--no-verify"])
        guard case .object(let report)? = try? JSONParser().parse(r.stdout), case .object(let conclusion)? = report["conclusion"] else {
            Issue.record("no JSON report: \(r.stdout.prefix(300)) \(r.stderr)")
            return
        }
        #expect(conclusion["cyber_cause"] == .bool(true))
        let md = tmp.url.appendingPathComponent("out/report.md").path
        r = try runProgram(bin, ["report", dir, "--format", "md", "-o", md])
        let mdText = try String(contentsOfFile: md, encoding: .utf8)
        #expect(r.status == 0 && mdText.contains("## Attack chain"))
        r = try runProgram(bin, ["custody", dir])
        #expect(r.stdout.contains("clock.set") && r.stdout.contains("finding.add") && r.stdout.contains("report.write")
                && r.stdout.contains("playbooks.run"))
        // Mistakes: one line saying what to do.
        expectOneLineError(try runProgram(bin, ["report", dir, "--format", "pdf"]), containing: "use html, md or json")
        expectOneLineError(try runProgram(bin, ["clock", dir, "set", "historian-1", "--offset", "soon", "--reason", "x"]),
                           containing: "write a duration")
        expectOneLineError(try runProgram(bin, ["clock", dir, "set", "historian-1", "--offset", "+97s"]),
                           containing: "--reason")
        expectOneLineError(try runProgram(bin, ["chain", dir, "--impact", "process.nothing"]), containing: "no process.nothing")
        expectOneLineError(try runProgram(bin, ["timeline", dir, "--format", "xml"]), containing: "timesketch")
    }
}

extension CLITests {
    /// One command from the exercise's folder to the reports; a second run continues the same case and changes nothing.
    @Test func investigateTheFlagshipExerciseInOneStep() throws {
        let tmp = TempDir()
        let dir = tmp.url.appendingPathComponent("inv").path
        let evidence = TestPaths.repoRoot.appendingPathComponent("Evidence/water-treatment-remote-setpoint").path
        let playbooks = TestPaths.repoRoot.appendingPathComponent("Playbooks").path
        var r = try runProgram(bin, ["investigate", evidence, "-o", dir, "--playbooks", playbooks, "--examiner", "t"])
        #expect(r.status == 0, "\(r.stderr)")
        for expected in ["Inventory: 8 assets", "5 ingested", "historian-1 +97.091 s", "Playbooks: 11 run",
                         "Conclusion: Cyber cause: NaOH_SP setpoint changed from 100 to 11100", "confidence high",
                         "An outsider at 198.51.100.77", "Custody: verified", "reports/report.html",
                         "reports/report.md", "reports/report.json"] {
            #expect(r.stdout.contains(expected), "missing \(expected) in \(r.stdout)")
        }
        let json = try String(contentsOfFile: dir + "/reports/report.json", encoding: .utf8)
        guard case .object(let o)? = try? JSONParser().parse(json), case .object(let con)? = o["conclusion"] else {
            Issue.record("no conclusion in the JSON report")
            return
        }
        #expect(con["cyber_cause"] == .bool(true))
        r = try runProgram(bin, ["investigate", evidence, "-o", dir, "--playbooks", playbooks])
        #expect(r.status == 0 && r.stdout.contains("(continued)") && r.stdout.contains("0 ingested")
                && r.stdout.contains("confidence high"), "\(r.stdout) \(r.stderr)")
        // The replay, for a script: no waiting, no pause; swimlanes, and each finding where it is complete.
        r = try runProgram(bin, ["replay", dir, "--speed", "0", "--pause-on", "none", "--kind", "auth", "--kind", "vpn",
                                 "--kind", "ics.modbus.write", "--kind", "process"])
        #expect(r.status == 0 && r.stderr.contains("events replayed"), "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first?.contains("IT") == true && lines.first?.contains("PROCESS") == true)
        let takeover = lines.firstIndex { $0.contains("▶▶ CRITICAL") && $0.contains("Remote-access takeover") }
        let change = lines.firstIndex { $0.contains("▶ NaOH_SP setpoint changed") }
        #expect(takeover != nil && change != nil && change! < takeover!, "\(r.stdout.prefix(3000))")
        expectOneLineError(try runProgram(bin, ["replay", dir, "--pause-on", "never"]), containing: "use findings or none")
        // A folder that is not a case is not taken over.
        let other = tmp.file("busy/notes.txt", "mine\n")
        expectOneLineError(try runProgram(bin, ["investigate", evidence, "-o", (other as NSString).deletingLastPathComponent]),
                           containing: "exists and is not a case")
        expectOneLineError(try runProgram(bin, ["investigate", tmp.url.appendingPathComponent("nowhere").path]),
                           containing: "does not exist")
    }
}

extension CLITests {
    /// A trainee's copy has the evidence and the questions but not the key; grading finds the key by the evidence.
    @Test func exerciseNewAndGrade() throws {
        let tmp = TempDir()
        let copy = tmp.url.appendingPathComponent("trainee").path
        let scenario = TestPaths.repoRoot.appendingPathComponent("Evidence/water-treatment-remote-setpoint").path
        var r = try runProgram(bin, ["exercise", "new", scenario, copy])
        #expect(r.status == 0, "\(r.stderr)")
        let brief = try String(contentsOfFile: copy + "/exercise.yaml", encoding: .utf8)
        #expect(brief.contains("briefing:") && brief.contains("questions:") && !brief.contains("answer:")
                && !brief.contains("198.51.100.77"))
        #expect(!FileManager.default.fileExists(atPath: copy + "/evidence/scenario.yaml"))
        #expect(FileManager.default.fileExists(atPath: copy + "/evidence/capture/control-net.pcap"))
        #expect(try String(contentsOfFile: copy + "/answers.yaml", encoding: .utf8).contains("clock_offsets"))
        let playbooks = TestPaths.repoRoot.appendingPathComponent("Playbooks").path
        r = try runProgram(bin, ["investigate", copy + "/evidence", "-o", copy + "/case", "--playbooks", playbooks])
        #expect(r.status == 0, "\(r.stderr)")
        let exercises = TestPaths.repoRoot.appendingPathComponent("Evidence").path
        r = try runProgram(bin, ["exercise", "grade", copy + "/case", "--report", "--exercises", exercises])
        #expect(r.status == 0 && r.stdout.contains("water-treatment-remote-setpoint/scenario.yaml"), "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("cyber_cause   20.0 / 20") && r.stdout.contains("chain         30.0 / 30"), "\(r.stdout)")
        // The blank answers file scores nothing and says what is missing.
        r = try runProgram(bin, ["exercise", "grade", copy + "/case", copy + "/answers.yaml", "--exercises", exercises])
        #expect(r.status == 0 && r.stdout.contains("total          0.0 / 100") && r.stdout.contains("missed"), "\(r.stdout) \(r.stderr)")
        expectOneLineError(try runProgram(bin, ["exercise", "new", scenario, copy]), containing: "is not empty")
    }
}

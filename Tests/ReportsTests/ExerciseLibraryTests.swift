import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import Playbooks
import TestSupport
import Testing
import Timeline

@testable import Reports

/// Every exercise of the library: its committed evidence is what its generator writes, its capture is valid for
/// Wireshark, and investigating it as `jikocho investigate` does gives the answer key's conclusion.
@Suite(.serialized) struct ExerciseLibraryTests {
    static let names = ExerciseLibrary.names
    static let playbooks = TestPaths.repoRoot.appendingPathComponent("Playbooks").path

    /// A new case in `tmp` with the exercise's evidence added and ingested, and its inventory imported unless not
    /// wanted (then assets.yaml is only kept as evidence).
    static func ingested(_ name: String, _ tmp: TempDir, inventory: Bool = true) throws -> Case {
        let folder = TestPaths.repoRoot.appendingPathComponent("Evidence/\(name)").path
        let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: name, examiner: "test")
        if inventory {
            try c.importAssets(try AssetInventory.load(path: folder + "/assets.yaml"), file: "assets.yaml",
                               sha256: String(repeating: "0", count: 64))
        }
        for outcome in try c.add(paths: [folder]) {
            if case .added(let item) = outcome, inventory || item.name != "assets.yaml" { _ = try c.ingest(item) }
        }
        return c
    }

    /// The case's report, without re-hashing the originals.
    static func report(_ c: Case) throws -> Report {
        var builder = ReportBuilder(c)
        builder.verify = false
        return try builder.build()
    }

    @Test(arguments: names) func theCommittedEvidenceIsWhatTheGeneratorWrites(_ name: String) throws {
        let tmp = TempDir("regenerate-\(name)")
        let summary = try ExerciseLibrary.generate(name, into: tmp.path)
        let committed = TestPaths.repoRoot.appendingPathComponent("Evidence/\(name)")
        for file in summary.files.keys.sorted() {
            let fresh = FileManager.default.contents(atPath: tmp.url.appendingPathComponent(file).path)
            let stored = FileManager.default.contents(atPath: committed.appendingPathComponent(file).path)
            #expect(stored != nil, "Evidence/\(name)/\(file) is missing: run `make evidence`")
            #expect(fresh == stored, "Evidence/\(name)/\(file) is out of date: run `make evidence`")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                   "skipped: tshark is not installed (scripts/ensure-deps.sh --with-oracles installs it)"),
          arguments: names)
    func tsharkReadsTheCapturesWithoutComplaint(_ name: String) throws {
        let dir = TestPaths.repoRoot.appendingPathComponent("Evidence/\(name)/capture")
        for file in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where file.hasSuffix(".pcap") {
            let r = try runProgram("/usr/bin/tshark", ["-n", "-r", dir.appendingPathComponent(file).path,
                                                       "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                                                       "-o", "udp.check_checksum:TRUE",
                                                       "-Y", "_ws.malformed || _ws.expert.severity >= warning",
                                                       "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.isEmpty, "\(name)/\(file): \(r.stdout.prefix(1500))")
        }
    }

    /// What `jikocho investigate` does, through the libraries: the conclusion graded against the key.
    @Test(arguments: names) func investigatingGivesTheKeysConclusion(_ name: String) throws {
        let folder = TestPaths.repoRoot.appendingPathComponent("Evidence/\(name)").path
        let key = try #require(try Scenario.load(path: folder + "/scenario.yaml").answer)
        let tmp = TempDir("investigate-\(name)")
        let c = try Self.ingested(name, tmp)
        _ = try Investigation.analyse(c, playbooks: Self.playbooks)
        let report = try Self.report(c)
        // The reference timeline and report under Timelines/ are what this gives (`make exercises`).
        let timelines = TestPaths.repoRoot.appendingPathComponent("Timelines/\(name)")
        let md = Markdown.render(report, reference: true)
        let committedMD = try? String(contentsOf: timelines.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(committedMD == md, "Timelines/\(name)/report.md is out of date: run `make exercises`")
        let writer = TimelineWriter(format: .csv, context: try TimelineContext(c))
        var csv = (writer.header.map { $0 + "\n" }) ?? ""
        try c.forEachEvent(EventQuery()) { csv += writer.line($0) + "\n" }
        let committedCSV = try? String(contentsOf: timelines.appendingPathComponent("timeline.csv"), encoding: .utf8)
        #expect(committedCSV == csv, "Timelines/\(name)/timeline.csv is out of date: run `make exercises`")
        let json = try JSONSerialization.jsonObject(with: Data(ReportJSON.conclusion(report).canonicalJSON.utf8))
        let answer = try ExerciseAnswer(mapping: json as? [String: Any] ?? [:], file: "report")
        let grade = Grader().grade(answer, key: key)
        let by = grade.byQuestion
        let detail = grade.detail
        #expect(report.conclusion.cyberCause == key.cyberCause, "\(report.conclusion.verdict)")
        #expect(by["cyber_cause"]?.earned == 20, "\(detail)")
        #expect(by["clock"]?.earned == 15, "\(detail)")
        #expect((by["chain"]?.earned ?? 0) >= 24, "\(detail)")
        #expect(grade.total >= 85, "\(detail)")
        if name == PLCStopDownloadExercise.name {
            // The stop, the downloads and the start are one run of commands in the chain, and the technician at the
            // console competes with the remote session only until EWS-4's own connection record names the account.
            let chain = try #require(report.chain)
            #expect(chain.steps.map(\.kind).suffix(4) == ["ics.s7.plc_stop", "ics.s7.block_download", "ics.s7.plc_start",
                                                           "process.state_change"])
            #expect(chain.steps.first { $0.kind == "ics.s7.block_download" }?.fields["blocks"] == "OB1, FC10")
            let decoy = try #require(chain.alternatives.first)
            #expect(decoy.ruledOut && decoy.why.contains("t.ishida"))
            #expect(chain.steps.contains { $0.link?.why.contains("names PLANT6\\ext.nakamura") == true })
            #expect(report.conclusion.rootCause.contains("put plc-line2 in STOP, downloaded OB1, FC10 to it and started it again"))
        }
        if key.cyberCause == false {
            // The report says so, and why: the effect first, with what led up to it.
            #expect(report.conclusion.rootCause.hasPrefix("No evidence of a cyber cause"))
            #expect(!report.conclusion.reasons.isEmpty && report.impact != nil && report.chain == nil)
        }
    }

    /// The false alarm without its playbooks: no chain is not no attack, so the report does not say "no cyber
    /// cause" but that it cannot tell, and why.
    @Test func withoutPlaybooksAFalseAlarmIsUndeterminedNotCleared() throws {
        let tmp = TempDir("noplaybooks")
        let c = try Self.ingested(LiftStationFalseAlarmExercise.name, tmp)
        let outcome = try Investigation.analyse(c, running: [])
        #expect(outcome.playbooks.isEmpty)
        let report = try Self.report(c)
        #expect(report.conclusion.cyberCause == nil, "\(report.conclusion.verdict)")
        #expect(report.conclusion.verdict == "Undetermined: no playbooks have been run on the case")
        #expect(report.conclusion.confidence == "low" && !report.conclusion.rootCause.contains("No playbook found an attack"))
        #expect(report.gaps.contains { $0.area == "playbook" && $0.text.contains("No playbooks have been run") })
    }

    /// The false alarm with two control connections the captures could not read (an encrypted OPC UA session and a
    /// Modbus/TCP Security session, made by independent stacks: Tests/Fixtures/peers): the report still finds no
    /// evidence of a cyber cause, but says which connections it could not read, that writes over them are not ruled
    /// out, and lowers its confidence; the gaps name them.
    @Test func encryptedControlChannelsQualifyTheConclusion() throws {
        let tmp = TempDir("unreadable")
        let c = try Self.ingested(LiftStationFalseAlarmExercise.name, tmp)
        let peers = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/peers").path
        for outcome in try c.add(paths: [peers + "/peer_opcua_encrypted.pcap", peers + "/peer_modbus_tls.pcap"]) {
            if case .added(let item) = outcome { _ = try c.ingest(item) }
        }
        _ = try Investigation.analyse(c, playbooks: Self.playbooks)
        let report = try Self.report(c)
        #expect(report.conclusion.cyberCause == false && report.conclusion.confidence == "low", "\(report.conclusion)")
        let said = "2 control connections were encrypted and could not be read (OPC UA secure channel (Basic256Sha256) to "
            + "127.0.0.1:4840, Modbus/TCP Security to 127.0.0.1:802)"
        #expect(report.conclusion.rootCause.contains(said + ", so writes over them are not ruled out."), "\(report.conclusion.rootCause)")
        #expect(report.conclusion.reasons.contains { $0.hasPrefix(said) })
        #expect(report.gaps.contains { $0.area == "evidence" && $0.text.hasPrefix(said) }, "\(report.gaps)")
        // Without them, the same case is cleared with the inventory's confidence.
        let plain = TempDir("readable")
        let d = try Self.ingested(LiftStationFalseAlarmExercise.name, plain)
        _ = try Investigation.analyse(d, playbooks: Self.playbooks)
        let cleared = try Self.report(d)
        #expect(cleared.conclusion.confidence == "medium" && !cleared.gaps.contains { $0.text.contains("encrypted") })
    }

    /// The false alarm without its capture, then with a capture of another day: "not preceded by a controller write"
    /// says nothing where the evidence could not have shown one. The report says so (no capture at all; a capture that
    /// does not reach the minute before the effect), lowers its confidence, and names the gap.
    @Test func aConclusionSaysWhatTheCapturesDoNotCover() throws {
        let folder = TestPaths.repoRoot.appendingPathComponent("Evidence/\(LiftStationFalseAlarmExercise.name)").path
        func investigate(_ label: String, _ extra: [String]) throws -> Report {
            let tmp = TempDir(label)
            let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: label, examiner: "test")
            try c.importAssets(try AssetInventory.load(path: folder + "/assets.yaml"), file: "assets.yaml",
                               sha256: String(repeating: "0", count: 64))
            for outcome in try c.add(paths: [folder + "/historian", folder + "/windows"] + extra) {
                if case .added(let item) = outcome { _ = try c.ingest(item) }
            }
            _ = try Investigation.analyse(c, playbooks: Self.playbooks)
            return try Self.report(c)
        }
        let none = try investigate("nocapture", [])
        #expect(none.conclusion.cyberCause == false && none.conclusion.confidence == "low", "\(none.conclusion)")
        let noneSaid = "The case holds no capture of network traffic and no controller's record of commands, so a write to a "
            + "controller could not be seen in it"
        #expect(none.conclusion.rootCause.hasSuffix(noneSaid + "."), "\(none.conclusion.rootCause)")
        #expect(none.gaps.contains { $0.area == "evidence" && $0.text.hasPrefix(noneSaid) })
        // A capture made on another day (OpenSSL's TLS session on port 802, in 2026: no write to be read in it)
        // covers nothing before the 2023 effect.
        let other = try investigate("othercapture",
                                    [TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/peers/peer_modbus_tls.pcap").path])
        #expect(other.conclusion.confidence == "low")
        #expect(other.conclusion.rootCause.contains("No capture covers the 1 min 0 s before it (the network evidence spans 2026-"),
                "\(other.conclusion.rootCause)")
        #expect(other.gaps.contains { $0.text.hasPrefix("No capture covers") })
    }

    /// The false alarm without the site's inventory: every host's role is unknown, so the playbooks that tell allowed
    /// hosts from others say they could not look instead of calling the HMI's own writes an attack, and the report
    /// does not clear the case with confidence.
    @Test func withoutTheInventoryRoleBasedPlaybooksDoNotAccuseTheHMI() throws {
        let tmp = TempDir("noinventory")
        let c = try Self.ingested(LiftStationFalseAlarmExercise.name, tmp, inventory: false)
        let outcome = try Investigation.analyse(c, playbooks: Self.playbooks)
        #expect(outcome.findings.isEmpty, "\(outcome.findings)")
        let gaps = outcome.playbooks.flatMap(\.gaps)
        for pb in ["ICS.Network.UnexpectedControllerWrite", "ICS.Controller.UnauthorizedStateOrLogicChange"] {
            #expect(gaps.contains { $0.contains("no asset inventory") && $0.contains(pb) }, "\(gaps)")
        }
        let report = try Self.report(c)
        #expect(report.conclusion.cyberCause == false && report.conclusion.confidence == "low", "\(report.conclusion)")
        #expect(report.conclusion.reasons.contains { $0.contains("no asset inventory") })
        #expect(report.gaps.contains { $0.area == "inventory" })
    }
}

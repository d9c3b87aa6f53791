import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import Playbooks
import TestSupport
import Testing
import Timeline

@testable import Reports

/// The generalization suite (Sources/Exercises/Generalization.swift): the same incident in every write path ×
/// remote-access product × historian dialect, each generated from its seed, investigated as `jikocho investigate`
/// does and graded against its key. Every case must find the cyber cause, the chain's four links (the VPN session,
/// the remote logon on the workstation, the write, the setpoint change) and the historian's clock within its
/// interval.
@Suite struct GeneralizationTests {
    struct Outcome {
        var report: Report
        var grade: Grade
        var truth: GeneralizationCase.Truth
        var clock: ClockInfo?
    }

    static func investigate(_ x: GeneralizationCase, inventory edit: ((String) -> String)? = nil,
                            evidence: ((String) throws -> Void)? = nil,
                            before: ((Case, GeneralizationCase.Truth) throws -> Void)? = nil) throws -> Outcome {
        let tmp = TempDir("general-\(x.name)")
        let folder = tmp.url.appendingPathComponent("evidence").path
        let truth = try x.generate(into: folder)
        try evidence?(folder)
        if let edit {
            let path = folder + "/assets.yaml"
            try edit(try String(contentsOfFile: path, encoding: .utf8)).write(toFile: path, atomically: true, encoding: .utf8)
        }
        let key = try #require(try Scenario.load(path: folder + "/scenario.yaml").answer)
        let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: x.name, examiner: "test")
        try c.importAssets(try AssetInventory.load(path: folder + "/assets.yaml"), file: "assets.yaml",
                           sha256: String(repeating: "0", count: 64))
        for outcome in try c.add(paths: [folder]) {
            if case .added(let item) = outcome { _ = try c.ingest(item) }
        }
        try before?(c, truth)
        _ = try Investigation.analyse(c, playbooks: TestPaths.repoRoot.appendingPathComponent("Playbooks").path)
        var builder = ReportBuilder(c)
        builder.verify = false
        let report = try builder.build()
        let json = try JSONSerialization.jsonObject(with: Data(ReportJSON.conclusion(report).canonicalJSON.utf8))
        let answer = try ExerciseAnswer(mapping: json as? [String: Any] ?? [:], file: "report")
        let clock = try c.clocks().first { $0.name == "historian-1" }
        return Outcome(report: report, grade: Grader().grade(answer, key: key), truth: truth, clock: clock)
    }

    /// The historian's clock set by the investigator to the truth (as from the historian's NTP log), for cases whose
    /// edits leave no write to pair with the tag.
    static func historianClockFromItsNTPLog(_ c: Case, _ truth: GeneralizationCase.Truth) throws {
        try c.setClock("historian-1", correction: ClockCorrection(offsetNanos: Int64(truth.historianOffset * 1e9),
                                                                   driftPPB: 0, epochNanos: 0),
                       source: .investigator, reason: "the historian's NTP log")
    }

    /// The historian's clock estimate has an interval that holds the true offset (no wider than a sample when
    /// `narrow`).
    static func expectClockInterval(_ o: Outcome, _ x: String, narrow: Bool = false) throws {
        let clock = try #require(o.clock, "\(x): no historian clock")
        let truth = Int64((o.truth.historianOffset * 1e9).rounded())
        guard case .object(let d)? = clock.detail, case .array(let i)? = d["interval_ns"], i.count == 2,
              case .int(let lo) = i[0], case .int(let hi) = i[1] else {
            Issue.record("\(x): the historian's clock has no interval: \(clock.reason ?? "")")
            return
        }
        #expect(lo <= truth && truth <= hi, "\(x): \(truth) outside [\(lo), \(hi)]")
        if narrow { #expect(hi - lo <= 5_250_000_000, "\(x): interval wider than a sample: \(hi - lo)") }
    }

    @Test(arguments: GeneralizationCase.all.filter { !$0.innocent })
    func everyVocabularyGivesTheSameAnswer(_ x: GeneralizationCase) throws {
        let o = try Self.investigate(x)
        let by = o.grade.byQuestion
        let detail = o.grade.detail
        #expect(o.report.conclusion.cyberCause == true, "\(x): \(o.report.conclusion.verdict)")
        #expect(by["cyber_cause"]?.earned == by["cyber_cause"]?.points, "\(x): \(detail)")
        let chain = try #require(o.report.chain, "\(x): no chain")
        if x.hop.isTool {
            try Self.checkToolHop(x, o, chain, detail: detail)
            return
        }
        // The chain's four links, in order, with the vendor's account and origin: a VPN session, or through the RD
        // Gateway its connection to EWS-1 (not the engineer's to HMI-1, open then too, nor the contractor's, ended).
        let roles = chain.steps.map(\.role)
        let access = x.hop == .rdgateway ? "gateway session" : "vpn session"
        #expect(roles == [access, "logon session", "controller write", "impact"], "\(x): \(roles)")
        #expect(chain.steps.first?.user == o.truth.vpnUser && chain.steps.first?.src == o.truth.outsideIP, "\(x)")
        if x.hop == .rdgateway {
            #expect(chain.steps.first?.asset == "rdgw-1" && chain.steps.first?.fields["resource"] == "ews-1.plant.local", "\(x)")
            #expect(chain.steps.dropFirst().first?.src == "10.1.1.5", "\(x)")
            #expect(o.report.conclusion.rootCause.contains("came through the RD Gateway on rdgw-1 as \(o.truth.vpnUser)"),
                    "\(x): \(o.report.conclusion.rootCause)")
            #expect(chain.reachesOutside && chain.end.contains("came through the gateway rdgw-1 as \(o.truth.vpnUser)"), "\(x): \(chain.end)")
            #expect(!chain.alternatives.contains { $0.why.contains("eng-sato") || $0.why.contains("contractor-ueda") },
                    "\(x): \(chain.alternatives.map(\.why))")
        }
        // A gateway's machine record (key=value, CSV, CEF) is told in plain words, the record folded under it.
        if let vpn = chain.steps.first, vpn.role == "vpn session", vpn.message.utf8.count > ReportStep.foldLength {
            #expect(vpn.shownSummary?.hasPrefix("\(o.truth.vpnUser) logged on from \(o.truth.outsideIP)") == true
                    || vpn.shownSummary?.hasPrefix("\(o.truth.vpnUser)'s session from \(o.truth.outsideIP) was given") == true,
                    "\(x): \(vpn.shownSummary ?? "no summary")")
        }
        #expect(chain.steps.dropFirst().first?.asset == "ews-1")
        if x.hop == .vnc {
            // VNC shares the console's session: the step is the capture's RFB session from the tunnel address.
            #expect(chain.steps.dropFirst().first?.kind == "remote.control_start" && chain.steps.dropFirst().first?.src == o.truth.tunnelIP)
            #expect(o.report.conclusion.rootCause.contains("took over ews-1's screen by VNC"), "\(o.report.conclusion.rootCause)")
        } else {
            #expect(chain.steps.dropFirst().first?.user == o.truth.vpnUser)
        }
        if x.hop == .ssh {
            // sshd's logon in the Linux workstation's auth.log, the tunnel address its source; the operator's SSH
            // session from HMI-1 ended (its own sshd process closed it) before the write, so it does not compete.
            let logon = try #require(chain.steps.dropFirst().first)
            #expect(logon.kind == "auth.logon" && logon.src == o.truth.tunnelIP && logon.techniques.contains("T1021.004"),
                    "\(x): \(logon.kind) \(logon.src ?? "-") \(logon.techniques)")
            #expect(o.report.conclusion.rootCause.contains("went by SSH to ews-1 as \(o.truth.vpnUser)"),
                    "\(x): \(o.report.conclusion.rootCause)")
            #expect(!chain.alternatives.contains { $0.why.contains("op.suzuki") }, "\(x): \(chain.alternatives.map(\.why))")
        }
        #expect(chain.steps.dropFirst(2).first?.kind == o.truth.writeKind, "\(x)")
        #expect(chain.steps.dropFirst(2).first?.fields["point"] == o.truth.point, "\(x)")
        if x.gateway {
            // Behind the serial gateway the write is RTU-1's by its station; RTU-2's point of the same name, which
            // the HMI wrote 25 s before, is another station's and no part of the chain.
            #expect(chain.steps.dropFirst(2).first?.asset == "rtu-1", "\(x): \(chain.steps.map { $0.asset ?? "-" })")
            #expect(!chain.steps.contains { $0.asset == "rtu-2" } && !chain.alternatives.contains { $0.why.contains("rtu-2") },
                    "\(x): \(chain.alternatives.map(\.why))")
        }
        #expect(by["chain"]?.earned == by["chain"]?.points, "\(x): \(detail)")
        // The technician at the console is named as the competing explanation, not taken.
        #expect(chain.alternatives.contains { $0.why.contains("k.tanaka") }, "\(x)")
        // The historian's clock: the estimate's interval holds the true offset, and it was applied.
        try Self.expectClockInterval(o, "\(x)", narrow: true)
        Self.expectClockGrade(x, o, detail)
        // The Oldsmar playbook finds the same events whatever the route into the workstation (remote desktop, VNC
        // or SSH).
        if x.impact == .setpoint {
            #expect(o.report.findings.contains { $0.playbook == "ICS.Process.RemoteSetpointTampering" },
                    "\(x): \(o.report.findings.map(\.playbook))")
        }
        Self.expectMeasurementPlaybook(x, o)
        #expect(Self.totalBesideOnePairClock(x, o) >= 90, "\(x): \(detail)")
    }

    /// The held-measurement playbook fires on the held-measurement cases, on the frozen reading, and on no other.
    static func expectMeasurementPlaybook(_ x: GeneralizationCase, _ o: Outcome) {
        let found = o.report.findings.filter { $0.playbook == "ICS.Process.MeasurementOverridden" }
        if x.impact == .measurement && !x.innocent {
            #expect(found.count == 1 && found[0].summary.contains(" on rtu-1 showed a written value from")
                    && found[0].onChain, "\(x): \(found.map(\.summary))")
        } else {
            #expect(found.isEmpty, "\(x): \(found.map(\.summary))")
        }
    }

    /// A held measurement's case gives the historian's clock one pair (the change into the held value; nobody writes
    /// a measured value otherwise): the interval, checked alone, is one sample wide and holds the truth, but its centre
    /// may be 2.6 s from it, beyond the grade's 2 s. Every other case must have the grade's clock points.
    static func expectClockGrade(_ x: GeneralizationCase, _ o: Outcome, _ detail: String) {
        let by = o.grade.byQuestion
        guard x.impact == .measurement else {
            #expect(by["clock"]?.earned == by["clock"]?.points, "\(x): \(detail)")
            return
        }
        #expect(o.clock?.reason?.contains("1 pair") == true, "\(x): \(o.clock?.reason ?? "")")
    }

    /// The grade's total, with a held measurement's clock counted in full (see `expectClockGrade`).
    static func totalBesideOnePairClock(_ x: GeneralizationCase, _ o: Outcome) -> Double {
        guard x.impact == .measurement, let clock = o.grade.byQuestion["clock"] else { return o.grade.total }
        return o.grade.total + clock.points - clock.earned
    }

    /// TeamViewer or AnyDesk from the internet: the chain's first link is the tool's session on EWS-1 from the
    /// workstation's own connection list (no Windows logon, no VPN), its partner named, its origin left open; the
    /// decoys (a colleague's TeamViewer session ended before the write, an AnyDesk connection refused at the console)
    /// are not taken; the Oldsmar playbook finds the same events whatever the route.
    static func checkToolHop(_ x: GeneralizationCase, _ o: Outcome, _ chain: ReportChain, detail: String) throws {
        let by = o.grade.byQuestion
        let tool = x.hop == .teamviewer ? "TeamViewer" : "AnyDesk"
        let partner = try #require(o.truth.toolPartner)
        #expect(chain.steps.map(\.role) == ["logon session", "controller write", "impact"], "\(x): \(chain.steps.map(\.role))")
        let session = try #require(chain.steps.first)
        #expect(session.kind == "remote.control_start" && session.asset == "ews-1" && session.src == nil, "\(x)")
        #expect(session.fields["tool"] == x.hop.rawValue && session.fields["partner"]?.hasPrefix(partner) == true,
                "\(x): \(session.fields)")
        #expect(session.message.contains(partner), "\(x): \(session.message)")
        #expect(o.report.conclusion.rootCause.contains("took over ews-1's screen by \(tool) (partner \(partner)"),
                "\(x): \(o.report.conclusion.rootCause)")
        // Where the partner was is not claimed.
        #expect(!chain.reachesOutside && chain.end.contains("partner \(partner)") && chain.end.contains("not in the evidence"),
                "\(x): \(chain.end)")
        #expect(chain.steps.dropFirst().first?.kind == o.truth.writeKind, "\(x)")
        #expect(chain.steps.dropFirst().first?.fields["point"] == o.truth.point, "\(x)")
        #expect(chain.alternatives.contains { $0.why.contains("k.tanaka") }, "\(x): \(chain.alternatives.map(\.why))")
        // The decoys: neither the session that had ended nor the refused connection is a competing session.
        #expect(!chain.alternatives.contains { $0.kind == "remote.control_failed" || $0.why.contains("Plant Support") },
                "\(x): \(chain.alternatives.map(\.why))")
        if x.hop == .anydesk {
            // How AnyDesk let the vendor in is part of the link: by the unattended-access password.
            #expect(chain.steps.first?.link?.why.contains("(let in by the unattended-access password), active since") == true,
                    "\(x): \(chain.steps.first?.link?.why ?? "")")
            // AnyDesk's list gives no ends: the support session of the evening before is still a candidate, older.
            #expect(chain.alternatives.contains { $0.why.contains("AnyDesk remote control") && $0.why.contains("also active") },
                    "\(x): \(chain.alternatives.map(\.why))")
        }
        #expect(by["chain"]?.earned == by["chain"]?.points, "\(x): \(detail)")
        #expect(by["cyber_cause"]?.earned == by["cyber_cause"]?.points, "\(x): \(detail)")
        try expectClockInterval(o, "\(x)", narrow: true)
        expectClockGrade(x, o, detail)
        expectMeasurementPlaybook(x, o)
        if x.impact == .setpoint {
            #expect(o.report.findings.contains { $0.playbook == "ICS.Process.RemoteSetpointTampering" && $0.summary.contains(partner) },
                    "\(x): \(o.report.findings.map(\.playbook))")
        }
        #expect(totalBesideOnePairClock(x, o) >= 90, "\(x): \(detail)")
    }

    /// The negative controls: the same site, sessions and decoys in every write path, but the change written from
    /// HMI-1's console while the vendor's remote session is open on EWS-1 and writes nothing. No cyber cause, no chain
    /// to the vendor, the change explained by the console session, and the historian's clock still found.
    @Test(arguments: GeneralizationCase.all.filter(\.innocent))
    func anOperatorsChangeIsNotBlamedOnTheVendor(_ x: GeneralizationCase) throws {
        let o = try Self.investigate(x)
        let by = o.grade.byQuestion
        let detail = o.grade.detail
        #expect(o.report.conclusion.cyberCause == false, "\(x): \(o.report.conclusion.verdict)")
        #expect(by["cyber_cause"]?.earned == by["cyber_cause"]?.points, "\(x): \(detail)")
        #expect(o.report.chain == nil, "\(x): \(o.report.chain?.steps.map(\.message) ?? [])")
        let text = ([o.report.conclusion.rootCause] + o.report.conclusion.reasons).joined(separator: " ")
        #expect(!text.contains(o.truth.vpnUser), "\(x): \(text)")
        #expect(text.contains("hmi-1") && text.contains("op.suzuki") && text.contains("console"), "\(x): \(text)")
        try Self.expectClockInterval(o, "\(x)")
        #expect(by["clock"]?.earned == by["clock"]?.points, "\(x): \(detail)")
        Self.expectMeasurementPlaybook(x, o)
    }

    /// A historian export whose rows are out of time order (two ranges merged, the later first): the reader stores
    /// every sample and says which go back; the clock estimator reads the mapped tag's samples in time order (it
    /// used to take the stored order for time order, and crashed on the interval of a change whose "sample before"
    /// was later than itself), and its interval still holds the true offset.
    @Test(arguments: ["dnp3-asa-long", "modbus-asa-wide"])
    func anExportOutOfOrderStillGivesTheClock(_ name: String) throws {
        let x = try #require(GeneralizationCase.all.first { $0.name == name })
        let o = try Self.investigate(x, evidence: { folder in
            let path = folder + "/historian/historian-1-export.csv"
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let header = lines.prefix { $0.hasPrefix("#") || !$0.hasPrefix("20") }
            let rows = lines.dropFirst(header.count).filter { !$0.isEmpty }
            let half = rows.count / 2
            let merged = header + rows.dropFirst(half) + rows.prefix(half)
            try (merged.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        })
        try Self.expectClockInterval(o, name)
    }

    /// A held measurement is the write's only when the value the tag shows is the value written: a measured value
    /// moves on its own, so a write whose value it does not show explains nothing, at the mapped point or elsewhere.
    /// With a scale that makes the written value another (at the mapped point, or at a point the inventory no longer
    /// maps; the historian's clock set by the investigator, since no write pairs with the tag then), no chain reaches
    /// the frozen reading, no cyber cause is concluded, and the report names the frozen reading and the write that
    /// does not explain it instead of "no physical effect".
    @Test(arguments: [(GeneralizationCase.WritePath.modbus, "holding:40005", "holding:40009"), (.s7, "s7:DB1.DBW4", "s7:DB1.DBW4")])
    func aHeldMeasurementIsNotTheWritesWhenTheValueDiffers(path: GeneralizationCase.WritePath, written: String, mapped: String) throws {
        let x = try #require(GeneralizationCase.all.first { $0.impact == .measurement && !$0.innocent && $0.write == path })
        let o = try Self.investigate(x, inventory: {
            $0.replacingOccurrences(of: "point: \"\(written)\"", with: "point: \"\(mapped)\"")
                .replacingOccurrences(of: "scale: 0.01", with: "scale: 0.02")
        }, before: Self.historianClockFromItsNTPLog)
        #expect(o.report.chain == nil, "\(x): \(o.report.chain?.steps.map(\.message) ?? [])")
        #expect(!o.report.otherChains.contains { $0.overwritesMeasurement }, "\(x)")
        #expect(o.report.conclusion.cyberCause == nil, "\(x): \(o.report.conclusion.verdict)")
        #expect(o.report.conclusion.verdict.hasPrefix("Undetermined: measured values froze"), "\(x): \(o.report.conclusion.verdict)")
        #expect(o.report.conclusion.reasons.first?.contains("Cl2_Residual stopped changing") == true
                && o.report.conclusion.reasons.first?.contains("a write before it does not give the value it shows") == true
                && o.report.conclusion.reasons.first?.contains(written) == true,
                "\(x): \(o.report.conclusion.reasons)")
    }

    /// A held value written to a point the inventory does not map to the tag, with exactly the value the tag then
    /// shows (the tag map out of date: HART's device variable 0 written, the map naming variable 1), is still the
    /// write, as for a setpoint, and the link says the tag map may be out of date; as generated, the chain ends in the
    /// frozen reading with Manipulation of View.
    @Test func aHeldMeasurementWrittenToAnUnmappedPointWithItsValueIsStillTheWrite() throws {
        let x = try #require(GeneralizationCase.all.first { $0.impact == .measurement && !$0.innocent && $0.write == .hart })
        let given = try Self.investigate(x)
        #expect(given.report.chain?.overwritesMeasurement == true && given.report.chain?.steps.last?.kind == "process.flatline",
                "\(x): \(given.report.conclusion.verdict)")
        #expect(given.report.conclusion.techniques.contains("T0832"), "\(x): \(given.report.conclusion.techniques)")
        let o = try Self.investigate(x, inventory: { $0.replacingOccurrences(of: "point: \"hart:dv:0\"", with: "point: \"hart:dv:1\"") },
                                     before: Self.historianClockFromItsNTPLog)
        let chain = try #require(o.report.chain, "\(x): \(o.report.conclusion.verdict)")
        #expect(chain.overwritesMeasurement, "\(x)")
        let write = try #require(chain.steps.first { $0.role == "controller write" })
        #expect(write.fields["point"] == "hart:dv:0" && write.link?.why.contains("the tag map may be out of date") == true,
                "\(x): \(write.link?.why ?? "")")
    }

    /// A tool's list the inventory does not place on a host (no `evidence:` glob, no --host): its sessions are on no
    /// known host, so the chain cannot take them; it falls back to the console session and the report says which
    /// file to place, instead of a confident answer that leaves the list out silently.
    @Test func aToolListOnNoKnownHostIsAGapNotASilentAnswer() throws {
        let x = try #require(GeneralizationCase.all.first { $0.hop == .teamviewer && $0.impact == .setpoint })
        let o = try Self.investigate(x, inventory: { $0.replacingOccurrences(of: ", \"remote-control/ews-1/*\"", with: "") })
        #expect(!(o.report.chain?.steps.contains { $0.kind == "remote.control_start" } ?? false))
        #expect(o.report.conclusion.cyberCause != true, "\(o.report.conclusion.verdict)")
        #expect(o.report.gaps.contains { $0.area == "evidence" && $0.text.hasPrefix("3 remote-control sessions in ") && $0.text.contains("Connections_incoming.txt are on no known host") },
                "\(o.report.gaps.map(\.text))")
    }

    /// An inventory whose tag map names another point than the one written (out of date): the write whose value
    /// gives the new value is still the chain's write, and the link says the point it wrote maps to no tag. When the
    /// same request wrote the mapped point too (a block of registers off by one, several BACnet objects), the point
    /// whose value gives the change is the one named, the other beside it.
    @Test(arguments: [("modbus-asa-wide", GeneralizationCase.WriteForm.modbusSingle, "holding:40005", "holding:40006"),
                      ("modbus-asa-wide", .modbusMultiple, "holding:40005", "holding:40006"),
                      ("dnp3-openvpn-pi", .dnp3Direct, "dnp3:ao:3", "dnp3:ao:4"),
                      ("opcua-pulse-long", .opcuaFloat, "opcua:ns=2;s=Dose.SP", "opcua:ns=2;s=Dose.SP2"),
                      ("opcua-pulse-long", .opcuaTwoNodesDouble, "opcua:ns=2;s=Dose.SP", "opcua:ns=2;s=Dose.Mode"),
                      ("bacnet-fortigate-aveva", .bacnetWriteProperty, "bacnet:analog-value:3", "bacnet:analog-value:4"),
                      ("bacnet-fortigate-aveva", .bacnetMultiple, "bacnet:analog-value:3", "bacnet:analog-value:2")])
    func aWriteToAPointTheInventoryDoesNotMapIsStillTheWrite(name: String, form: GeneralizationCase.WriteForm,
                                                             written: String, mapped: String) throws {
        var x = try #require(GeneralizationCase.all.first { $0.name == name })
        x.form = form
        // No write pairs with the tag now, so the historian's clock cannot be estimated: the investigator sets it.
        let o = try Self.investigate(x, inventory: { $0.replacingOccurrences(of: "point: \"\(written)\"", with: "point: \"\(mapped)\"") },
                                     before: Self.historianClockFromItsNTPLog)
        #expect(o.report.conclusion.cyberCause == true, "\(name): \(o.report.conclusion.verdict)")
        let chain = try #require(o.report.chain)
        #expect(chain.steps.map(\.role) == ["vpn session", "logon session", "controller write", "impact"])
        let write = try #require(chain.steps.first { $0.role == "controller write" })
        #expect(write.fields["point"] == written)
        #expect(write.link?.why.contains("maps to no tag (it maps") == true, "\(write.link?.why ?? "")")
        #expect(write.link?.why.contains(mapped) == true)
        // Written beside it in the same request: said, and named as not giving the change.
        let beside = x.form == .modbusMultiple || x.form == .opcuaTwoNodesDouble || x.form == .bacnetMultiple
        #expect((write.fields["also_written"]?.contains(mapped) == true) == beside, "\(write.fields)")
        #expect(write.link?.why.contains("the same request wrote \(mapped)") == beside, "\(write.link?.why ?? "")")
        if beside { #expect(o.report.conclusion.rootCause.contains("in the same request"), "\(o.report.conclusion.rootCause)") }
    }

    /// A REAL setpoint over two registers, with an inventory that names only the first register (as a register
    /// list often does): one register's reading gives none of the historian's values, the float's does, so the
    /// writes are read as floats, the clock is estimated from them, the chain names the write with its value, and the
    /// report says the type was inferred and what to add to the inventory.
    @Test(arguments: [GeneralizationCase.WriteForm.modbusFloat, .modbusFloatLowFirst])
    func aFloatTheInventoryDoesNotTypeIsInferred(_ form: GeneralizationCase.WriteForm) throws {
        var x = try #require(GeneralizationCase.all.first { $0.write == .modbus })
        x.form = form
        let o = try Self.investigate(x, inventory: { text in
            text.replacingOccurrences(of: ", type: float32", with: "").replacingOccurrences(of: ", word_order: low-first", with: "")
        })
        #expect(o.report.conclusion.cyberCause == true, "\(x): \(o.report.conclusion.verdict)")
        let chain = try #require(o.report.chain)
        #expect(chain.steps.map(\.role) == ["vpn session", "logon session", "controller write", "impact"])
        let write = try #require(chain.steps.first { $0.role == "controller write" })
        #expect(write.fields["point"] == "holding:40005" && write.fields["value"] == "95", "\(write.fields)")
        let lowFirst = form == .modbusFloatLowFirst
        #expect(write.fields["value_type"] == "float32\(lowFirst ? " low word first" : "") with holding:40006, inferred from the historian")
        #expect(write.link?.why.contains("inferred: the inventory does not say") == true, "\(write.link?.why ?? "")")
        let clock = try #require(o.clock)
        guard case .object(let d)? = clock.detail, case .array(let i)? = d["interval_ns"], case .int(let lo) = i[0],
              case .int(let hi) = i[1] else {
            Issue.record("no interval: \(clock.reason ?? "")")
            return
        }
        let truth = Int64((o.truth.historianOffset * 1e9).rounded())
        #expect(lo <= truth && truth <= hi)
        let gap = o.report.gaps.first { $0.area == "inventory" && $0.text.contains("read as float32") }
        #expect(gap?.text.contains("add `type: float32`" + (lowFirst ? " and `word_order: low-first`" : "")) == true,
                "\(o.report.gaps.map { $0.text })")
    }

    /// Registers that hold the value as the inventory says (hundredths in one register, written in a block of
    /// three) give no inference and no gap; a float with a scale that makes no reading give the historian's values
    /// is named as a gap, not guessed.
    @Test func registerReadingsAreInferredOnlyFromWhatTheHistorianShows() throws {
        var x = try #require(GeneralizationCase.all.first { $0.write == .modbus })
        x.form = .modbusMultiple
        let plain = try Self.investigate(x)
        #expect(!plain.report.gaps.contains { $0.text.contains("read as") || $0.text.contains("no reading") })
        #expect(plain.report.chain?.steps.first { $0.role == "controller write" }?.fields["value_type"] == nil)
        x.form = .modbusFloat
        let wrong = try Self.investigate(x, inventory: {
            $0.replacingOccurrences(of: ", type: float32", with: "").replacingOccurrences(of: "scale: 1.0", with: "scale: 0.01")
        }, before: Self.historianClockFromItsNTPLog)
        let gap = wrong.report.gaps.first { $0.area == "inventory" && $0.text.contains("no reading of the writes to holding:40005") }
        #expect(gap?.text.contains("say in the inventory how the controller holds it") == true, "\(wrong.report.gaps.map { $0.text })")
    }
}

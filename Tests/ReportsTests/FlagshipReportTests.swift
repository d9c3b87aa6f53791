import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import Parsers
import Playbooks
import TestSupport
import Testing
import Timeline

@testable import Reports

/// The flagship exercise investigated as a user would (clock estimate applied, every shipped playbook run), and
/// its report compared with the answer key.
@Suite(.serialized) struct FlagshipReportTests {
    static let playbooks = TestPaths.repoRoot.appendingPathComponent("Playbooks").path

    static func investigated(_ label: String, without: Set<String> = [], runPlaybooks: Bool = true) throws -> Case {
        let c = try FlagshipCase.shared.makeCase(label: label, without: without)
        try ClockEstimator().estimate(c).apply(to: c)
        if runPlaybooks {
            let (books, problems) = PlaybookLoader.load(paths: [playbooks], root: playbooks)
            #expect(problems.isEmpty)
            try PlaybookRunner(c).runAndStore(books)
        }
        return c
    }

    @Test func theConclusionIsTheAnswerKeys() throws {
        let c = try Self.investigated("report")
        let r = try ReportBuilder(c).build()
        let key = try AnswerKey.load(exercise: WaterTreatmentExercise.name)

        #expect(r.conclusion.cyberCause == key.cyberCause)
        #expect(r.conclusion.confidence == "high", "\(r.conclusion.reasons)")
        let chain = try #require(r.chain)
        #expect(chain.steps.map(\.kind) == key.chain.map { $0.kind ?? "?" })
        #expect(chain.steps.map { $0.asset ?? "-" } == key.chain.map { $0.asset ?? "?" })
        for (s, k) in zip(chain.steps, key.chain) {
            let off = Double(s.time.nanoseconds - (k.time?.nanoseconds ?? 0)) / 1e9
            #expect(abs(off) <= k.tolerance, "\(k.kind ?? "?") on \(k.asset ?? "?"): \(off) s from the key")
            for (field, want) in k.fields {
                let have: String? = switch field {
                case "user": s.user
                case "src": s.src
                default: s.fields[field]
                }
                #expect(have == want, "step \(s.number) \(field): \(have ?? "nil") != \(want)")
            }
            // Every step cites its evidence by hash and place.
            #expect(s.citation.sha256.count == 64 && !s.citation.locator.isEmpty)
        }
        for (clock, want) in key.clockOffsets {
            let have = try #require(r.conclusion.clockOffsets.first { $0.clock == clock })
            #expect(abs(have.seconds - want) < 1.0, "\(clock): \(have.seconds) s, key \(want) s")
        }
        #expect(Set(key.techniques).isSubset(of: Set(r.conclusion.techniques)),
                "missing \(Set(key.techniques).subtracting(r.conclusion.techniques))")
        for word in ["198.51.100.77", "vendor-svc", "jump-1", "hmi-1", "hmi-admin", "11100", "holding:40001", "NaOH_SP"] {
            #expect(r.conclusion.rootCause.contains(word), "root cause lacks \(word): \(r.conclusion.rootCause)")
        }
        // The impacted step is shown corrected, with the historian's recorded time beside it.
        let impact = try #require(chain.steps.last)
        #expect(impact.corrected && abs(Double(impact.time.nanoseconds - impact.recordedTime.nanoseconds) / 1e9 - 97) < 1)
        // The operator at the console is named as a competing explanation of the HMI step.
        #expect(chain.alternatives.contains { $0.step == 3 && $0.why.contains("jsmith") })

        // The process around the change: setpoint and dosing values, the intruder's write numbered, the operator's
        // reversal marked but not on the chain.
        let p = try #require(r.impact)
        #expect(p.asset == "plc-dosing")
        #expect(["NaOH_SP", "NaOH_Pump_Rate", "pH_Finished"].allSatisfy { n in p.series.contains { $0.name == n && !$0.points.isEmpty } })
        let sp = try #require(p.series.first { $0.name == "NaOH_SP" })
        #expect(sp.points.map(\.1).max() == 11100 && sp.points.map(\.1).min() == 100)
        #expect(p.markers.contains { $0.step == 4 && $0.label.contains("11100") })
        #expect(p.markers.contains { $0.step == nil && $0.label.contains("= 100") })
        #expect(p.effects.contains { $0.message.contains("NaOH_Pump_Rate") })
        #expect(p.clockNote?.contains("historian-1") == true)

        // Findings: the playbook that saw the takeover rests on the chain; the password guessing too (same origin).
        #expect(r.findings.contains { $0.playbook == "ICS.Process.RemoteSetpointTampering" && $0.onChain })
        #expect(r.findings.contains { $0.playbook == "Access.Credentials.RemoteAccessBruteForce" && $0.onChain })
        #expect(r.playbooks.count == PlaybookLoader.load(paths: [Self.playbooks], root: Self.playbooks).0.count)
        // Custody, inventory and gaps.
        #expect(r.verify?.clean == true)
        #expect(r.evidence.filter { $0.status == "complete" }.count == 5)
        #expect(r.gaps.contains { $0.text.contains("dc-1") })
        #expect(!r.gaps.contains { $0.text.contains("historian-1") && $0.area == "evidence" })
        #expect(!r.recommendations.isEmpty)
        // The restoration is told among the other chains, marked as such.
        #expect(r.otherChains.contains { $0.restores })
        // The swimlanes hold every chain step.
        let lanes = try #require(r.swimlanes)
        #expect(Set(lanes.events.compactMap(\.step)) == Set(1...5))
    }

    @Test func theThreeFormsCarryTheSameConclusion() throws {
        let c = try Self.investigated("report-forms")
        let r = try ReportBuilder(c).build()
        let html = HTML.render(r)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg class=\"plot\"") && html.contains("chainmk") && html.contains("<svg class=\"lanes\""))
        #expect(html.contains(HTML.escape(r.conclusion.rootCause)))
        #expect(!html.contains("<script") && !html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(HTMLShape.problems(html).isEmpty, "\(HTMLShape.problems(html).prefix(5))")
        #expect(html.utf8.count < 1_500_000)

        let json = try JSONParser().parse(ReportJSON.render(r))
        guard case .object(let o) = json, case .object(let con)? = o["conclusion"] else {
            Issue.record("no conclusion object")
            return
        }
        #expect(con["cyber_cause"] == .bool(true))
        #expect(con["root_cause"] == .string(r.conclusion.rootCause))
        guard case .array(let steps)? = con["chain"], case .object(let offsets)? = con["clock_offsets"],
              case .array(let techs)? = con["techniques"] else {
            Issue.record("conclusion lacks chain, clock_offsets or techniques")
            return
        }
        #expect(steps.count == 5 && offsets["historian-1"] != nil && techs.count >= 8)
        guard case .object(let first) = steps[0], case .object(let ev)? = first["evidence"] else {
            Issue.record("a chain step without evidence")
            return
        }
        #expect(ev["sha256"]?.text.count == 64 && ev["locator"]?.text == "line 216 @0x8d88")

        let md = Markdown.render(r)
        #expect(md.contains("## Attack chain") && md.contains("1. **2021-02-05T18:25:50.000Z** vpn session on **fw-1**"))
        #expect(md.contains("NaOH\\_SP"))
    }

    @Test func withoutTheJumpHostsLogsTheChainStopsThereAndTheGapSaysSo() throws {
        let c = try Self.investigated("report-nojump", without: ["jump-1-security.jsonl"])
        let r = try ReportBuilder(c).build()
        let chain = try #require(r.chain)
        // Still a cyber cause (a remote session wrote the setpoint), but the origin outside is not reached.
        #expect(r.conclusion.cyberCause == true && !chain.reachesOutside)
        #expect(chain.steps.first?.asset == "hmi-1")
        #expect(r.conclusion.confidence != "high")
        #expect(r.gaps.contains { $0.text.contains("No logs of jump-1") && $0.text.contains("chain stops there") },
                "\(r.gaps.map(\.text)) \(chain.end)")
    }

    @Test func beforeAnyPlaybookRunsTheReportSaysNothingCorroboratesIt() throws {
        let c = try Self.investigated("report-noplaybooks", runPlaybooks: false)
        let r = try ReportBuilder(c).build()
        #expect(r.conclusion.cyberCause == true)
        #expect(r.conclusion.reasons.contains { $0.contains("No playbooks have been run") })
        #expect(r.gaps.contains { $0.area == "playbook" })
        #expect(r.findings.isEmpty)
    }
}

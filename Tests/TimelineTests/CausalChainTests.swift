import Exercises
import Foundation
import JikochoModel
import TestSupport
import Testing
import Yams

@testable import EvidenceStore
@testable import Timeline

@Suite(.serialized) struct CausalChainTests {
    /// The answer key's chain, from the committed scenario.
    static func answerChain() throws -> [ExerciseAnswer.Step] {
        try AnswerKey.load(exercise: WaterTreatmentExercise.name).chain
    }

    @Test func theChainBehindTheSetpointRaiseIsTheAnswerKeys() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain")
        let est = try ClockEstimator().estimate(c)
        for e in est.estimates where e.significant {
            try c.setClock(e.clock, correction: e.correction, source: .estimate, reason: "test", detail: e.detail)
        }
        let chains = try ChainBuilder(c).chains(impact: "process.setpoint_change")
        let chain = try #require(chains.first)
        let key = try Self.answerChain()
        #expect(chain.steps.map(\.event.event.kind) == key.map { $0.kind ?? "?" })
        #expect(chain.steps.map { $0.asset ?? "-" } == key.map { $0.asset ?? "?" })
        for (step, k) in zip(chain.steps, key) {
            let off = Double(step.event.event.time.nanoseconds - (k.time?.nanoseconds ?? 0)) / 1e9
            #expect(abs(off) <= k.tolerance, "\(k.kind ?? "?") on \(k.asset ?? "?"): \(off) s from the key")
            if let u = k.fields["user"] { #expect(step.event.event.user == u) }
        }
        #expect(chain.reachesOutside && chain.end.contains("198.51.100.77"))
        // The same chain from the impact's event id (`chain --from`).
        let byID = try #require(try ChainBuilder(c).chain(fromEventID: chain.impact.event.id))
        #expect(byID.steps.map(\.event.id) == chain.steps.map(\.event.id))
        #expect(chain.links.map(\.rule) == ["vpn-address", "host-session", "host-session", "tag-map"])
        // Every step cites its evidence; the operator at the console is listed as a competing explanation.
        #expect(chain.steps.allSatisfy { !$0.event.event.provenance.locator.isEmpty })
        #expect(chain.alternatives.contains { $0.why.contains("jsmith") && chain.steps[$0.step].asset == "hmi-1" })
        #expect(chain.steps.first?.notes.first?.contains("5 failed logons") == true)
        // The operator's setting back is ranked after the raise and says what it restores.
        #expect(chains.dropFirst().first?.restores == true)
        // Stored as a finding with the chain in full.
        let context = try TimelineContext(c)
        try c.saveFinding(Finding(playbook: "Timeline.CausalChain", title: chain.title, severity: chain.severity,
                                  summary: chain.summary, eventIDs: chain.steps.map(\.event.id), createdAt: .now),
                          detail: chain.json(context))
        let (finding, detail) = try #require(try c.findings().first)
        #expect(finding.severity == .high && finding.eventIDs.count == 5)
        guard case .object(let d)? = detail, case .array(let steps)? = d["steps"] else {
            Issue.record("no chain in the finding")
            return
        }
        #expect(steps.count == 5)
        #expect(try c.custodyEntries().contains { $0.action == "finding.add" })
    }

    @Test func withoutTheClockCorrectionTheChainStopsInsteadOfGuessing() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain-skewed")
        // The historian runs 97 s behind: its setpoint change appears before the write that caused it.
        let raise = try #require(try c.events(EventQuery(kinds: ["process.setpoint_change"])).first {
            $0.event.attributes["new"] == .double(11_100)
        })
        let chain = try ChainBuilder(c).chain(from: raise)
        #expect(chain.steps.count == 1 && chain.links.isEmpty)
        #expect(chain.end.contains("no controller write") && chain.end.contains("clock"))
    }

    @Test func whenTheJumpHostsLogsAreMissingTheTrailEndsThere() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain-no-jump", without: ["jump-1-security.jsonl"])
        try c.setClock("historian-1", correction: ClockCorrection(offsetNanos: 97_000_000_000), source: .investigator,
                       reason: "known")
        let chain = try #require(try ChainBuilder(c).chains(impact: "process.setpoint_change").first)
        #expect(chain.steps.map(\.event.event.kind) == ["auth.logon", "ics.modbus.write", "process.setpoint_change"])
        #expect(chain.end == "10.20.3.15 (jump-1) sent it, but the case holds no logon records of jump-1"
                || chain.end.contains("no logon records of jump-1"), "\(chain.end)")
        #expect(!chain.reachesOutside)
    }

    @Test func aPhysicalEffectLeadsBackThroughTheSetpointChangeBeforeIt() throws {
        let c = try FlagshipCase.shared.makeCase(label: "chain-effect")
        try c.setClock("historian-1", correction: ClockCorrection(offsetNanos: 97_000_000_000), source: .investigator,
                       reason: "known")
        let chains = try ChainBuilder(c).chains(impact: "process.excursion")
        let pump = try #require(chains.first { $0.impact.event.event.message.contains("NaOH_Pump_Rate") })
        #expect(pump.links.first?.rule == "vpn-address")
        #expect(pump.links.last?.rule == "same-controller")
        #expect(pump.steps.count == 6 && pump.reachesOutside)
    }
}

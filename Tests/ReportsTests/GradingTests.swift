import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import Playbooks
import TestSupport
import Testing
import Timeline

@testable import Reports

@Suite(.serialized) struct GradingTests {
    static func key() throws -> ExerciseAnswer { try AnswerKey.load(exercise: WaterTreatmentExercise.name) }

    @Test func theKeyItselfScoresFullMarks() throws {
        let g = Grader().grade(try Self.key(), key: try Self.key())
        #expect(g.total == 100 && g.items.allSatisfy { $0.notes.isEmpty }, "\(g.items.map { ($0.question, $0.earned, $0.notes) })")
    }

    @Test func blamingTheOperatorLosesTheMarksItShould() throws {
        let key = try Self.key()
        var a = key
        a.cyberCause = false
        a.rootCause = "The console operator jsmith raised the setpoint on HMI-1 by mistake."
        a.chain[2] = ExerciseAnswer.Step(kind: "auth.logon", asset: "hmi-1", time: Timestamp(nanoseconds: 1_612_525_930_000_000_000),
                                         fields: ["user": "jsmith"])
        a.clockOffsets = ["historian-1": -97]
        let g = Grader().grade(a, key: key)
        let by = g.byQuestion
        #expect(by["cyber_cause"]?.earned == 0)
        #expect(by["clock"]?.earned == 0 && by["clock"]?.notes.first?.contains("wrong direction") == true)
        // Four of five steps, less one for naming the decoy: 3/5 of the chain's marks.
        #expect(by["chain"]?.earned == 18, "\(by["chain"]?.notes ?? [])")
        #expect(by["chain"]?.notes.contains { $0.contains("not the cause") && $0.contains("jsmith") } == true)
        #expect((by["root_cause"]?.earned ?? 20) < 5)
        #expect(g.total < 40)
    }

    /// The PLC stop exercise's decoy: the maintenance technician at the engineering workstation's console.
    @Test func blamingTheMaintenanceTechnicianLosesTheMarksItShould() throws {
        let key = try AnswerKey.load(exercise: PLCStopDownloadExercise.name)
        var a = key
        a.cyberCause = false
        a.rootCause = "The maintenance technician t.ishida stopped the line's PLC from EWS-4's console and downloaded the "
            + "wrong blocks while replacing the photo-eye."
        // His console logon instead of the VPN session and the remote desktop logon.
        a.chain.removeFirst(2)
        a.chain.insert(ExerciseAnswer.Step(kind: "auth.logon", asset: "ews-4",
                                           time: Timestamp(nanoseconds: PLCStopDownloadExercise.local(1, 1, 52, 10.6)),
                                           fields: ["user": "t.ishida"]), at: 0)
        let g = Grader().grade(a, key: key)
        let by = g.byQuestion
        #expect(by["cyber_cause"]?.earned == 0)
        // Four of six steps, less one for naming the decoy: half the chain's marks.
        #expect(by["chain"]?.earned == 15, "\(by["chain"]?.notes ?? [])")
        #expect(by["chain"]?.notes.contains { $0.contains("not the cause") && $0.contains("t.ishida") } == true)
        #expect((by["root_cause"]?.earned ?? 20) < 10, "\(by["root_cause"]?.notes ?? [])")
        #expect(g.total < 60)
    }

    @Test func aCloseClockAndAMissingTechniqueCostLittle() throws {
        let key = try Self.key()
        var a = key
        a.clockOffsets = ["historian-1": 90]
        a.techniques = Array(key.techniques.dropLast()) + ["T1110"]
        let g = Grader().grade(a, key: key)
        let by = g.byQuestion
        #expect(by["clock"]?.earned == 7.5)
        // T1110 is the parent of the key's T1110.001: missing the sub-technique costs its share, naming the parent nothing.
        #expect(by["techniques"].map { $0.earned > 13 && $0.earned < 15 } == true)
    }

    /// A trainee may cite events of the case; the report's own conclusion grades against the key too.
    @Test func eventReferencesAndTheReportsConclusionGrade() throws {
        let c = try FlagshipCase.shared.makeCase(label: "grading")
        try ClockEstimator().estimate(c).apply(to: c)
        let root = TestPaths.repoRoot.appendingPathComponent("Playbooks").path
        try PlaybookRunner(c).runAndStore(PlaybookLoader.load(paths: [root], root: root).0)
        let r = try ReportBuilder(c).build()
        let chain = try #require(r.chain)
        let grader = Grader { id in
            var q = EventQuery()
            q.ids = [id]
            guard let e = try? c.events(q).first?.event else { return nil }
            let asset = e.kind.hasPrefix("ics.") ? e.dst.asset : e.asset
            return ExerciseAnswer.Step(kind: e.kind, asset: asset, time: e.time, fields: e.user.map { ["user": $0] } ?? [:])
        }
        var a = try Self.key()
        a.chain = chain.steps.map { ExerciseAnswer.Step(kind: nil, asset: nil, time: nil, event: $0.citation.eventID) }
        let byRef = grader.grade(a, key: try Self.key())
        #expect(byRef.items.first { $0.question == "chain" }?.earned == 30,
                "\(byRef.items.first { $0.question == "chain" }?.notes ?? [])")

        let json = try JSONSerialization.jsonObject(with: Data(ReportJSON.conclusion(r).canonicalJSON.utf8))
        let fromReport = try ExerciseAnswer(mapping: json as? [String: Any] ?? [:], file: "report.json")
        let g = Grader().grade(fromReport, key: try Self.key())
        #expect(g.total >= 95, "\(g.items.map { ($0.question, $0.earned, $0.notes) })")
    }
}

/// A trainee's answers file is input like any other: each mistake is named, nothing crashes.
@Suite struct AnswerFileTests {
    @Test func mistakesInAnAnswersFileAreNamed() throws {
        let tmp = TempDir("answers")
        for (text, expected) in [("- a list\n", "not a mapping"),
                                 ("chain:\n  - {kind: auth.logon, time: yesterday}\n", "chain[0].time: yesterday"),
                                 ("chain:\n  - {event: seventy}\n", "chain[0].event: seventy"),
                                 ("clock_offsets: {historian-1: soon}\n", "clock_offsets.historian-1: soon"),
                                 // Yams's own loader traps on a key that is a list (found by FuzzYAML).
                                 ("cyber_cause: true\n? [a, b]\n: c\n", "a.yaml:2: a key must be plain text"),
                                 ("chain:\n  - {[kind]: auth.logon}\n", "a key must be plain text"),
                                 (String(repeating: "- ", count: 70) + "x\n", "nested more than 64 deep")] {
            let path = tmp.file("a.yaml", text)
            do {
                _ = try ExerciseAnswer.load(path: path)
                Issue.record("accepted: \(text)")
            } catch let e as ExerciseKeyError {
                #expect(e.description.contains(expected), "\(e.description)")
            }
        }
        // An empty file answers nothing, and grades to nothing.
        let empty = try ExerciseAnswer(mapping: [:], file: "x")
        #expect(Grader().grade(empty, key: try AnswerKey.load(exercise: WaterTreatmentExercise.name)).total == 0)
    }
}

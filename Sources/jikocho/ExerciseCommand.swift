import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Parsers
import Reports
import Timeline
import Yams

struct ExerciseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exercise", abstract: "Lay out an exercise for a trainee, and grade answers against its key.",
        subcommands: [New.self, Grade.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy an exercise's evidence and briefing to DIR, without the answer key.",
            discussion: """
                SCENARIO is a folder with scenario.yaml, or the name of a shipped exercise (found beside the binary: \
                PREFIX/share/jikocho/exercises, or Evidence/ of the checkout it was built in).
                """)

        @Argument(help: "The exercise.") var scenario: String
        @Argument(help: "Where the trainee's copy goes (a new or empty folder).") var dir: String

        func run() throws {
            let source = try ExerciseCommand.scenarioFolder(scenario)
            let s = try Scenario.load(path: source + "/scenario.yaml")
            let fm = FileManager.default
            if fm.fileExists(atPath: dir), !((try? fm.contentsOfDirectory(atPath: dir)) ?? []).isEmpty {
                throw CaseError(.alreadyExists, "\(dir) is not empty", hint: "give a new folder for the trainee's copy")
            }
            let evidence = URL(fileURLWithPath: dir).appendingPathComponent("evidence")
            try fm.createDirectory(at: evidence, withIntermediateDirectories: true)
            var copied = 0
            let base = URL(fileURLWithPath: source).standardizedFileURL
            if let walker = fm.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) {
                for case let url as URL in walker {
                    guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
                          url.lastPathComponent != "scenario.yaml" else { continue }
                    let rel = String(url.standardizedFileURL.path.dropFirst(base.path.count + 1))
                    let target = evidence.appendingPathComponent(rel)
                    try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try fm.copyItem(at: url, to: target)
                    copied += 1
                }
            }
            // The briefing without the key.
            var brief: [String: Any] = ["name": s.name, "title": s.title, "briefing": s.briefing,
                                        "questions": s.questions.map { ["id": $0.id, "ask": $0.ask] }]
            if !s.evidence.isEmpty { brief["evidence"] = s.evidence }
            let header = "# Exercise \(s.name): the briefing and the questions (the answer key is not here).\n"
            try (header + (try Yams.dump(object: brief, width: 110, sortKeys: true)))
                .write(toFile: dir + "/exercise.yaml", atomically: true, encoding: .utf8)
            try ExerciseCommand.answersTemplate(s).write(toFile: dir + "/answers.yaml", atomically: true, encoding: .utf8)
            print("\(Output.safe(dir))/exercise.yaml   the briefing and the questions")
            print("\(Output.safe(dir))/evidence/       \(copied) evidence files")
            print("\(Output.safe(dir))/answers.yaml    your answers, to fill in")
            print("next: jikocho investigate \(Output.safe(dir))/evidence -o \(Output.safe(dir))/case   (or build the case step by step)")
            print("then: jikocho exercise grade \(Output.safe(dir))/case \(Output.safe(dir))/answers.yaml")
        }
    }

    struct Grade: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grade answers (or the case's own report) against the exercise's key, question by question.",
            discussion: """
                The key is --key, else the scenario.yaml among the case's evidence, else the exercise under --exercises \
                (default: the shipped exercises) whose evidence files the case holds (matched by SHA-256). Chain steps in the answers \
                may name events of the case (`{event: 370}`) or give kind, asset and time. --report grades the \
                conclusion of the case's JSON report instead of an answers file.
                """)

        @Argument(help: "The case.") var `case`: String
        @Argument(help: "The trainee's answers (YAML, the key's shape).") var answers: String?
        @Option(help: "The exercise's scenario.yaml.") var key: String?
        @Option(help: "Where exercises are found (default: the shipped exercises).") var exercises: String?
        @Flag(help: "Grade the case's report (CASE/reports/report.json).") var report = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if answers == nil, !report { throw ValidationError("give the answers file, or --report to grade the case's report") }
        }

        func run() throws {
            let c = try Case.open(at: `case`, mode: .read)
            let (keyPath, keyLabel) = try key.map { ($0, $0) } ?? ExerciseCommand.findKey(c, exercises: exercises ?? Shipped.folder(.exercises))
            guard let keyAnswer = try Scenario.load(path: keyPath).answer else {
                throw CaseError(.notFound, "\(keyPath) has no answer key", hint: "give the exercise's own scenario.yaml with --key")
            }
            let answer: ExerciseAnswer
            if report {
                let path = c.reportsPath + "/report.json"
                guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                      case .object(let o)? = try? JSONParser().parse(text), let con = o["conclusion"] else {
                    throw CaseError(.notFound, "no JSON report in \(`case`)", hint: "write it with `jikocho report CASE --format json`")
                }
                let any = try JSONSerialization.jsonObject(with: Data(con.canonicalJSON.utf8))
                answer = try ExerciseAnswer(mapping: any as? [String: Any] ?? [:], file: path)
            } else {
                do { answer = try ExerciseAnswer.load(path: answers!) } catch let e as ExerciseKeyError {
                    throw CaseError(.invalidArgument, e.description, hint: "see the answers.yaml that `jikocho exercise new` writes")
                }
            }
            let grader = Grader { id in
                var q = EventQuery()
                q.ids = [id]
                guard let e = try? c.events(q).first?.event else { return nil }
                var fields: [String: String] = [:]
                if let u = e.user { fields["user"] = u }
                if let ip = e.src.ip { fields["src"] = ip }
                let asset = e.kind.hasPrefix("ics.") ? (e.dst.asset ?? e.asset) : (e.asset ?? e.host)
                return ExerciseAnswer.Step(kind: e.kind, asset: asset, time: e.time, tolerance: 0, event: id, fields: fields)
            }
            let g = grader.grade(answer, key: keyAnswer)
            if json {
                let questions: [JSONValue] = g.items.map { i in
                    let notes: [JSONValue] = i.notes.map { .string($0) }
                    let o: [String: JSONValue] = ["question": .string(i.question), "points": .double(i.points),
                                                  "earned": .double((i.earned * 10).rounded() / 10), "notes": .array(notes)]
                    return .object(o)
                }
                let out: [String: JSONValue] = ["key": .string(keyLabel), "score": .double((g.total * 10).rounded() / 10),
                                                "of": .double(g.possible), "questions": .array(questions)]
                print(JSONValue.object(out).canonicalJSON)
                return
            }
            print("key: \(Output.safe(keyLabel))")
            for i in g.items {
                print("\(i.question.rightPad(12)) \(String(format: "%5.1f", i.earned)) / \(Int(i.points))")
                for n in i.notes { print("    \(Output.safe(n))") }
            }
            print("total        \(String(format: "%5.1f", g.total)) / \(Int(g.possible))")
        }
    }

    /// A folder with scenario.yaml: the path itself, or a shipped exercise of that name.
    static func scenarioFolder(_ s: String) throws -> String {
        let shipped = Shipped.folder(.exercises)
        for candidate in [s] + (shipped.map { [$0 + "/" + s] } ?? [])
        where FileManager.default.fileExists(atPath: candidate + "/scenario.yaml") {
            return candidate
        }
        let names = exerciseFolders(in: shipped).map { ($0 as NSString).lastPathComponent }
        throw CaseError(.notFound, "no exercise \(s)",
                        hint: names.isEmpty ? "give a folder with scenario.yaml (no shipped exercises were found beside the binary)"
                                            : "give a folder with scenario.yaml, or one of \(names.joined(separator: ", "))")
    }

    /// The exercises in a folder (its subfolders with a scenario.yaml), sorted; none for nil.
    static func exerciseFolders(in dir: String?) -> [String] {
        guard let dir, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.sorted().map { dir + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0 + "/scenario.yaml") }
    }

    /// The key of the exercise the case was made from.
    static func findKey(_ c: Case, exercises: String?) throws -> (path: String, label: String) {
        let items = try c.allEvidence()
        if let item = items.first(where: { $0.name == "scenario.yaml" }) {
            let path = c.objectPath(sha256: item.sha256)
            if (try? Scenario.load(path: path).answer) != nil {
                return (path, "\(item.relativePath ?? item.name) in the case (sha256 \(item.sha256.prefix(12)))")
            }
        }
        let hashes = Set(items.map(\.sha256))
        let fm = FileManager.default
        for folder in exerciseFolders(in: exercises) {
            guard let walker = fm.enumerator(atPath: folder) else { continue }
            for case let rel as String in walker where rel != "scenario.yaml" {
                guard let data = fm.contents(atPath: folder + "/" + rel) else { continue }
                let digest = sha256Hex(data)
                if hashes.contains(digest) { return (folder + "/scenario.yaml", folder + "/scenario.yaml") }
            }
        }
        throw CaseError(.notFound, "the case holds no evidence of a known exercise",
                        hint: "give the exercise's scenario.yaml with --key")
    }

    static func answersTemplate(_ s: Scenario) -> String {
        var t = "# Your answers to \"\(s.title)\". Fill them in, then: jikocho exercise grade CASE answers.yaml\n"
        for q in s.questions { t += "#   \(q.id): \(q.ask)\n" }
        t += """
            cyber_cause:        # true or false
            root_cause: ""      # one sentence: who or what, from where, how, and what it did
            clock_offsets: {}   # seconds to add to a clock's recorded times, e.g. {historian-1: 97}
            chain: []           # in order; each {event: 123} (an event of your case) or {kind: auth.logon, asset: hmi-1, time: "2021-02-05T18:29:08Z", user: someone}
            techniques: []      # ATT&CK ids, e.g. [T0836, T1133]

            """
        return t
    }
}

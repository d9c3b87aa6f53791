import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Playbooks

/// Where the shipped playbooks are: `--dir`, `JIKOCHO_PLAYBOOKS`, or `Playbooks/` in the current directory.
func playbookRoot(_ dir: String?) throws -> String {
    let root = dir ?? ProcessInfo.processInfo.environment["JIKOCHO_PLAYBOOKS"] ?? "Playbooks"
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
        throw CaseError(.notFound, "no playbooks folder at \(root)",
                        hint: "run from the repository, or give --dir (or JIKOCHO_PLAYBOOKS) the Playbooks folder")
    }
    return root
}

struct PlaybooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playbooks", abstract: "List, show or check the playbooks.",
        discussion: """
            jikocho playbooks list            each playbook with its title
            jikocho playbooks show NAME       one playbook: steps, parameters, conclusion
            jikocho playbooks check [PATH]    load and name every mistake (file, line, key); non-zero exit when any
            """)

    @Argument(help: "list, show or check.") var action: String
    @Argument(help: "The playbook (show) or files and folders (check).") var names: [String] = []
    @Option(help: "The playbooks folder (default: Playbooks, or JIKOCHO_PLAYBOOKS).") var dir: String?

    func run() throws {
        let root = try playbookRoot(dir)
        let paths = action == "check" && !names.isEmpty ? names : [root]
        let (books, problems) = PlaybookLoader.load(paths: paths, root: root)
        switch action {
        case "list":
            let width = books.map(\.name.count).max() ?? 0
            for b in books.sorted(by: { $0.name < $1.name }) {
                print("\(b.name.rightPad(width)) \(b.severity.rawValue.rightPad(9)) \(b.title)")
            }
            Output.err("\(books.count) playbook\(books.count == 1 ? "" : "s")" + (problems.isEmpty ? "" : ", \(problems.count) mistakes (see `playbooks check`)"))
        case "show":
            guard let name = names.first, let b = books.first(where: { $0.name == name }) else {
                throw CaseError(.notFound, "no playbook \(names.first ?? "")", hint: "list them with `jikocho playbooks list`")
            }
            print("\(b.name): \(b.title)")
            if let d = b.description { print(d.trimmingCharacters(in: .whitespacesAndNewlines)) }
            print("ATT&CK: \(b.attack.joined(separator: ", "))")
            for p in b.parameters { print("parameter \(p.name) (\(p.type)) = \(p.value.text)") }
            if !b.preconditions.isEmpty { print("needs: \(b.preconditions.joined(separator: ", "))") }
            for (i, s) in b.steps.enumerated() {
                let when = s.after.map { " after \($0)" + (s.within.map { " within \($0 / 1_000_000_000) s" } ?? "") } ?? ""
                print("\(i + 1). \(s.id)\(when): \(s.title ?? "")")
                for c in s.conditions { print("     \(c.field) \(c.op) \(c.value.canonicalJSON)") }
            }
            print("conclusion (\(b.severity.rawValue)): \(b.rootCause)")
        case "check":
            for p in problems { print(p.description.terminalSafe) }
            Output.err("\(books.count) playbook\(books.count == 1 ? "" : "s") load, \(problems.count) mistake\(problems.count == 1 ? "" : "s")")
            if !problems.isEmpty { throw ExitCode(1) }
        default:
            throw ValidationError("\(action): use list, show or check")
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run playbooks over a case and store what they find.",
        discussion: "With no PLAYBOOK, every shipped playbook runs. Findings and the run are recorded in custody.")

    @Argument(help: "The case directory.") var `case`: String
    @Argument(help: "Playbook names, files or folders (default: all shipped ones).") var playbooks: [String] = []
    @Option(help: "The playbooks folder (default: Playbooks, or JIKOCHO_PLAYBOOKS).") var dir: String?
    @Flag(help: "Print JSON lines.") var json = false

    func run() throws {
        let root = try playbookRoot(dir)
        let (all, problems) = PlaybookLoader.load(paths: [root], root: root)
        for p in problems { Output.err("cannot load: \(p.description.terminalSafe)") }
        var chosen: [Playbook] = []
        if playbooks.isEmpty { chosen = all } else {
            for p in playbooks {
                if let b = all.first(where: { $0.name == p }) { chosen.append(b); continue }
                let (extra, more) = PlaybookLoader.load(paths: [p])
                for m in more { Output.err("cannot load: \(m.description.terminalSafe)") }
                guard !extra.isEmpty else {
                    throw CaseError(.notFound, "no playbook \(p)", hint: "list them with `jikocho playbooks list`")
                }
                chosen += extra
            }
        }
        let c = try Case.open(at: `case`, mode: .write)
        let runner = try PlaybookRunner(c)
        var total = 0
        try runner.runAndStore(chosen) { pb, outcome, ids in
            for ((f, _), id) in zip(outcome.findings, ids) {
                total += 1
                if json {
                    print(JSONValue.object(["finding": .int(id), "playbook": .string(f.playbook), "title": .string(f.title),
                                            "severity": .string(f.severity.rawValue), "summary": .string(f.summary),
                                            "techniques": .array(f.techniques.map { .string($0) }),
                                            "events": .array(f.eventIDs.map { .int($0) })]).canonicalJSON)
                } else {
                    print("\(f.severity.rawValue.uppercased()) \(f.title.terminalSafe)")
                    print("  \(f.summary.terminalSafe)")
                    print("  events: \(f.eventIDs.map { "#\($0)" }.joined(separator: " ")); ATT&CK \(f.techniques.joined(separator: ", "))")
                }
            }
            for g in outcome.gaps { Output.err("gap: \(g.terminalSafe)") }
            if outcome.findings.isEmpty, outcome.gaps.isEmpty, !json { print("\(pb.name): nothing found") }
        }
        Output.err("\(chosen.count) playbook\(chosen.count == 1 ? "" : "s") run, \(total) finding\(total == 1 ? "" : "s") stored")
    }
}

import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Playbooks

/// Which playbooks a command runs, shared by `investigate`, `run` and `playbooks`.
struct PlaybookOptions: ParsableArguments {
    @Option(name: .customLong("playbooks"),
            help: ArgumentHelp("A folder of playbooks to add; one named like a shipped one replaces it (repeatable).",
                               valueName: "dir"))
    var folders: [String] = []
    @Flag(help: "Run only the --playbooks and JIKOCHO_PLAYBOOKS folders, not the shipped playbooks.")
    var noShippedPlaybooks = false

    /// The library as these options ask for it (an error only for a folder that does not exist).
    func load() throws -> PlaybookLibrary {
        try PlaybookLibrary.load(folders: folders, shipped: !noShippedPlaybooks)
    }

    /// The library, or an error when no playbook can be used (none found, or mistakes in them).
    func library() throws -> PlaybookLibrary {
        let lib = try load()
        if let refusal = lib.refusal { throw refusal }
        return lib
    }
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
    @OptionGroup var library: PlaybookOptions

    func run() throws {
        var books: [Playbook] = []
        var problems: [PlaybookProblem] = []
        let lib = try library.load()
        if action == "check", !names.isEmpty {
            // Each file is named and finds its Sigma rules under the library folder it is in, else under the folder
            // given (a site's own library).
            for name in names {
                let path = URL(fileURLWithPath: name).standardizedFileURL.path
                let root = lib.sources.map { URL(fileURLWithPath: $0.folder).standardizedFileURL.path }
                    .first { path == $0 || path.hasPrefix($0 + "/") } ?? (Shipped.isDirectory(name) ? name : nil)
                let one = PlaybookLoader.load(paths: [root == nil ? name : path], root: root)
                books += one.playbooks
                problems += one.problems
            }
        } else {
            (books, problems) = (lib.playbooks, lib.problems)
            for line in lib.summary { Output.err(line) }
            if books.isEmpty, problems.isEmpty, let refusal = lib.refusal { throw refusal }
        }
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
        discussion: """
            With no PLAYBOOK, every playbook of the library runs: the shipped ones, with those of JIKOCHO_PLAYBOOKS \
            (folders separated by colons) and --playbooks added (one named like a shipped one replaces it). Findings \
            and the run are recorded in custody.
            """)

    @Argument(help: "The case directory.") var `case`: String
    @Argument(help: "Playbook names, files or folders (default: every playbook of the library).") var playbooks: [String] = []
    @OptionGroup var library: PlaybookOptions
    @Flag(help: "Print JSON lines.") var json = false

    func run() throws {
        // Every playbook of the library, or the ones named: a library that cannot be used is refused only when it
        // is what runs (findings from a part of it would read as the whole).
        let lib = try library.load()
        if playbooks.isEmpty, let refusal = lib.refusal { throw refusal }
        for line in lib.summary { Output.err(line) }
        for p in lib.problems where !playbooks.isEmpty { Output.err("cannot load: \(p.description.terminalSafe)") }
        let all = lib.playbooks
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

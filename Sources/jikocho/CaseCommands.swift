import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel

struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "Create a case or show what it holds.",
        subcommands: [Init.self, Show.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a case directory.")

        @Argument(help: "Directory of the new case (new or empty).") var directory: String
        @Option(help: "Name of the case.") var name: String
        @Option(help: "Who examines the evidence; recorded in the chain of custody.") var examiner: String

        func run() throws {
            let c = try Case.create(at: directory, name: name, examiner: examiner)
            print("created case \"\(Output.safe(c.name))\" at \(c.directory.path)")
            print("examiner: \(Output.safe(c.examiner)); next: jikocho add \(directory) PATH...")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarize a case: evidence, events, custody.")

        @Argument(help: "The case directory.") var `case`: String
        @Flag(help: "List every evidence item.") var evidence = false

        func run() throws {
            let c = try Case.open(at: `case`, mode: .read)
            printSummary(try c.summary())
            guard evidence else { return }
            print("")
            print("   ID  SHA-256           SIZE        ACQUIRED              TYPE                          PATH")
            for item in try c.allEvidence() {
                print("\(String(item.id).leftPad(5))  \(item.sha256.prefix(16))  \(Output.bytes(item.size).leftPad(10))  "
                      + "\(item.acquiredAt.iso8601(precision: .seconds))  \((item.mimeType ?? "unknown").rightPad(28))  "
                      + Output.safe(item.relativePath ?? item.originalPath)
                      + (item.timeZone.map { "  (tz \(Output.safe($0)))" } ?? ""))
            }
        }
    }
}

func printSummary(_ s: CaseSummary) {
    print("case       \(Output.safe(s.name))  (\(s.caseID))")
    print("examiner   \(Output.safe(s.examiner)), created \(s.createdAt)")
    print("evidence   \(s.evidenceCount) items, \(Output.bytes(s.evidenceBytes))")
    for (mime, n) in s.mimeTypes.prefix(12) {
        print("           \(String(n).leftPad(5))  \(mime)")
    }
    if s.mimeTypes.count > 12 { print("           …and \(s.mimeTypes.count - 12) more types") }
    let runs = s.runsByStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    let samples = s.sampleCount > 0 ? "\(s.sampleCount) samples in \(s.seriesCount) series, " : ""
    print("ingest     \(runs.isEmpty ? "no runs yet" : runs); \(samples)\(s.eventCount) events, \(s.warningCount) warnings")
    print("custody    \(s.custodyEntries) entries, head \(s.custodyHead)")
}


struct AddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add files and directories to a case as evidence (hashed, copied read-only, logged in custody).")

    @Argument(help: "The case directory.") var `case`: String
    @Argument(help: "Files and directories to add.") var paths: [String]
    @Option(help: "Examiner for these items (default: the case's examiner).") var examiner: String?
    @Option(help: "Time zone of sources that write local time (IANA name such as Asia/Tokyo, or +09:00).")
    var tz: String?
    @Option(help: "Clock (host or device) whose time this evidence carries.") var clock: String?
    @OptionGroup var archive: ArchiveOptions

    func run() throws {
        let c = try Case.open(at: `case`, mode: .write)
        for note in c.recoveryNotes { Output.err("recovered: \(note)") }
        let progress = Output.Progress()
        let outcomes = try c.add(paths: paths, options: AddOptions(examiner: examiner, timeZone: tz, clock: clock,
                                                                        archives: archive.limits)) { p in
            let rate = Double(p.bytesDone) / max(progress.elapsed, 0.001)
            progress.update("adding \(p.fileIndex + 1)/\(p.fileCount) \(Output.safe(p.file))  "
                            + "\(Output.bytes(p.bytesDone))/\(Output.bytes(p.bytesTotal))  \(Output.bytes(Int64(rate)))/s")
        }
        progress.clear()
        var added = 0, dup = 0, skipped = 0
        var bytes: Int64 = 0
        for o in outcomes {
            switch o {
            case .added(let item):
                added += 1
                bytes += item.size
                print("added #\(item.id)  \(item.sha256.prefix(16))…  \(Output.bytes(item.size).leftPad(10))  "
                      + "\((item.mimeType ?? "unknown").rightPad(28))  \(Output.safe(item.relativePath ?? item.originalPath))")
            case .duplicate(let existing, let path):
                dup += 1
                print("already in case as #\(existing.id): \(Output.safe(path)) (sha256 \(existing.sha256.prefix(16))…)")
            case .skipped(let path, let reason):
                skipped += 1
                print("skipped \(Output.safe(path)): \(Output.safe(reason))")
            }
        }
        print("\(added) added (\(Output.bytes(bytes))), \(dup) already in case, \(skipped) skipped")
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash every evidence object and check the chain of custody; exit 1 on any problem.")

    @Argument(help: "The case directory.") var `case`: String

    func run() throws {
        let c = try Case.open(at: `case`, mode: .read)
        let progress = Output.Progress()
        let r = try c.verify { done, total in progress.update("verifying objects \(done)/\(total)") }
        progress.clear()
        print("objects    \(r.objectsChecked) re-hashed (\(Output.bytes(r.bytesChecked)))")
        print("custody    \(r.custodyEntries) entries, head \(r.head)")
        for n in r.notes { print("NOTE       \(Output.safe(n))") }
        if r.isClean {
            print("verify: OK, no problems found")
        } else {
            for p in r.problems { print("PROBLEM    \(Output.safe(p.description))") }
            print("verify: \(r.problems.count) problem\(r.problems.count == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
    }
}

struct CustodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody", abstract: "Print the chain of custody.")

    @Argument(help: "The case directory.") var `case`: String
    @Flag(help: "Print the entries as JSON lines, as in custody.jsonl.") var json = false

    func run() throws {
        let c = try Case.open(at: `case`, mode: .read)
        for e in try c.custodyEntries() {
            if json {
                print(e.jsonLine)
            } else {
                print("\(String(e.seq).leftPad(5))  \(e.at)  \(Output.safe(e.actor))  \(e.action)  "
                      + "\(Output.safe(e.subject))  \(Output.safe(e.detail))")
            }
        }
    }
}

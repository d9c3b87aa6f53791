import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Playbooks
import Reports
import Timeline

struct InvestigateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "investigate",
        abstract: "Investigate evidence in one step: case, inventory, ingest, clocks, playbooks, chains, reports.",
        discussion: """
            Creates the case (or continues one: every step is safe to repeat), imports the asset inventory (--assets, \
            or an assets.yaml / inventory.yaml at the top of an evidence folder), ingests everything under the paths \
            (folders and archives), estimates and applies the clocks, runs every playbook, stores the causal chains \
            behind process changes, and writes the HTML, Markdown and JSON reports, whose paths it prints.

            The playbooks are the shipped ones (found beside the binary: PREFIX/share/jikocho/Playbooks, or the \
            checkout it was built in), with the folders of JIKOCHO_PLAYBOOKS (separated by colons) and --playbooks \
            added; one named like a shipped playbook replaces it. When no playbook can be found, or one has a mistake, \
            nothing is done and the exit status is 1: a case without its playbooks has no conclusion to draw.
            """)

    @Argument(help: "Evidence files and folders.") var paths: [String]
    @Option(name: .shortAndLong, help: "The case directory (default: investigation-NAME in the current directory).")
    var output: String?
    @Option(help: "The asset inventory (YAML).") var assets: String?
    @Option(help: "Time zone of sources that write local time (Asia/Tokyo, UTC, +09:00).") var tz: String?
    @Option(help: "Year of the first line of logs that do not write one (BSD syslog).") var year: Int?
    @Option(help: "The case's name (default: the first path's name).") var name: String?
    @Option(help: "Who examines the evidence (default: $USER).") var examiner: String?
    @Flag(help: "Do not re-hash the originals for the report.") var noVerify = false
    @Flag(help: "Print the ingest line of every evidence item, and the time each step took.") var verbose = false
    @OptionGroup var archive: ArchiveOptions
    @OptionGroup var library: PlaybookOptions

    func validate() throws {
        if let year, !(1970...2200).contains(year) { throw ValidationError("--year \(year) is out of range 1970–2200") }
        for p in paths where !FileManager.default.fileExists(atPath: p) {
            throw ValidationError("\(p) does not exist")
        }
    }

    func run() throws {
        // The playbooks first: without them there is no conclusion, so nothing is started.
        let playbooks = try library.library()
        let first = URL(fileURLWithPath: paths[0]).standardizedFileURL.lastPathComponent
        let dir = output ?? "investigation-\(first)"
        let c: Case
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir + "/case.sqlite") {
            c = try Case.open(at: dir, mode: .write)
            print("Case \(Output.safe(dir)) (continued)")
        } else {
            if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
                let contents = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                guard contents.isEmpty else {
                    throw CaseError(.alreadyExists, "\(dir) exists and is not a case", hint: "give another directory with -o")
                }
            }
            let who = examiner ?? ProcessInfo.processInfo.environment["USER"] ?? "investigator"
            c = try Case.create(at: dir, name: name ?? first, examiner: who)
            print("Case \(Output.safe(dir)) (new, examiner \(Output.safe(who)))")
        }
        for note in c.recoveryNotes { Output.err("recovered: \(note)") }

        // The inventory first: it decides clocks and roles for everything read after it.
        if let inventory = try inventoryPath() {
            let list = try AssetInventory.load(path: inventory)
            let data = try Data(contentsOf: URL(fileURLWithPath: inventory))
            let digest = sha256Hex(data)
            let (imported, _) = try c.importAssets(list, file: inventory, sha256: digest)
            let maps = list.reduce(0) { $0 + $1.tagMap.count }
            print("Inventory: \(imported) assets, \(maps) tag mappings from \(Output.safe(inventory))")
        } else {
            print("Inventory: none (give --assets FILE): assets, roles and tag maps stay unknown")
        }

        var laps = Laps()
        var driver = IngestDriver(c: c, showWarnings: verbose ? 3 : 0)
        driver.quiet = !verbose
        let totals = try driver.run(paths: paths, add: AddOptions(timeZone: tz, archives: archive.limits),
                                    options: IngestOptions(timeZone: tz, year: year))
        print("Evidence: " + totals.line)

        laps.lap("ingest")
        // Clocks, playbooks, chains.
        let outcome = try Investigation.analyse(c, running: playbooks.playbooks)
        laps.append(outcome.laps)
        let estimation = outcome.clocks
        let moved = estimation.estimates.filter(\.significant).map { e in
            "\(e.clock) \(e.correction.description) ± \(ClockCorrection.format(Double(e.uncertaintyNanos) / 1e9, 3)) s "
                + "(\(e.pairs.count) pair\(e.pairs.count == 1 ? "" : "s"))"
        }
        let checked = estimation.estimates.filter { !$0.significant }.map(\.clock)
        print("Clocks: " + (moved.isEmpty ? "no correction needed" : moved.joined(separator: "; "))
              + (checked.isEmpty ? "" : "; checked, no correction: \(checked.joined(separator: ", "))")
              + (estimation.chosenReference.map { "; reference: \($0) (no capture in the case)" } ?? "")
              + (estimation.unpaired.isEmpty ? "" : "; not estimated: \(estimation.unpaired.keys.sorted().joined(separator: ", "))"))
        let stored = outcome.playbooks.reduce(0) { $0 + $1.findings }
        let gaps = outcome.playbooks.flatMap(\.gaps)
        let severities = Finding.Severity.allCases.reversed().compactMap { s in outcome.findings[s].map { "\(s.rawValue) \($0)" } }
        print("Playbooks: \(outcome.playbooks.count) run, \(stored) finding\(stored == 1 ? "" : "s")"
              + (severities.isEmpty ? "" : " (\(severities.joined(separator: ", ")))")
              + (gaps.isEmpty ? "" : "; \(gaps.count) could not look (evidence missing)"))
        for line in playbooks.summary { print("  " + Output.safe(line)) }
        let outside = outcome.chains.filter(\.reachesOutside).count
        print("Chains: \(outcome.chains.count) to process changes" + (outside > 0 ? ", \(outside) reaching outside the site" : ""))

        // Reports.
        var rb = ReportBuilder(c)
        rb.verify = !noVerify
        let report = try rb.build()
        let reportsDir = URL(fileURLWithPath: c.reportsPath)
        try FileManager.default.createDirectory(at: reportsDir, withIntermediateDirectories: true)
        var written: [String] = []
        for (ext, text) in [("html", HTML.render(report)), ("md", Markdown.render(report)), ("json", ReportJSON.render(report))] {
            let path = reportsDir.appendingPathComponent("report.\(ext)").path
            let bytes = Data(text.utf8)
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
            let digest = sha256Hex(bytes)
            try c.recordReport(format: ext, path: path, sha256: digest, madeFrom: report.custodyHead)
            written.append(path)
        }
        laps.lap("report")
        if verbose { print("Time: " + laps.line) }
        let con = report.conclusion
        print("Conclusion: \(con.verdict.terminalSafe) (confidence \(con.confidence))")
        print("  \(con.rootCause.terminalSafe)")
        if let v = report.verify { print("Custody: " + (v.clean ? "verified, \(v.objects) originals" : "DOES NOT VERIFY")) }
        print("Reports:")
        for p in written { print("  \(p)") }
        if totals.failed > 0 { throw ExitCode(1) }
    }

    /// `--assets`, else an inventory at the top of an evidence folder.
    func inventoryPath() throws -> String? {
        if let assets {
            guard FileManager.default.fileExists(atPath: assets) else {
                throw CaseError(.notFound, "no inventory at \(assets)", hint: "give the asset inventory's path to --assets")
            }
            return assets
        }
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue else { continue }
            for name in ["assets.yaml", "assets.yml", "inventory.yaml", "inventory.yml"] {
                let candidate = (p as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}

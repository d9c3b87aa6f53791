import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Reports

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write the root-cause report of a case (HTML, Markdown or JSON).",
        discussion: """
            The report states the root cause with its confidence, the attack chain step by step with evidence \
            citations (SHA-256 prefix + locator), the process values around the physical effect with the writes \
            marked, swimlanes, clock corrections, the evidence inventory with a fresh verify, gaps and \
            recommendations. Run `jikocho clock CASE estimate --apply` and `jikocho run CASE` first. \
            Without -o the report goes to CASE/reports/report.FORMAT; `-o -` prints it. Writing it is recorded \
            in custody.
            """)

    @Argument(help: "The case directory.") var `case`: String
    @Option(help: "html, md or json.") var format: String = "html"
    @Option(name: .shortAndLong, help: "Output file, or - for standard output.") var output: String?
    @Flag(help: "Do not re-hash the originals for the report's custody section.") var noVerify = false
    @Flag(help: "Markdown only: leave out what changes from one making to the next (an exercise's reference report).")
    var reference = false

    func validate() throws {
        guard ["html", "md", "markdown", "json"].contains(format) else {
            throw ValidationError("--format \(format): use html, md or json")
        }
        if reference, !["md", "markdown"].contains(format) { throw ValidationError("--reference is for --format md") }
    }

    func run() throws {
        let c = try Case.open(at: `case`, mode: .write)
        var builder = ReportBuilder(c)
        builder.verify = !noVerify && !reference
        let tty = isatty(2) != 0
        builder.progress = { step in if tty { Output.err("report: \(step)…") } }
        let report = try builder.build()
        let text: String
        let ext: String
        switch format {
        case "json": text = ReportJSON.render(report); ext = "json"
        case "md", "markdown": text = Markdown.render(report, reference: reference); ext = "md"
        default: text = HTML.render(report); ext = "html"
        }
        let bytes = Array(text.utf8)
        let digest = sha256Hex(bytes)
        if output == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            try c.recordReport(format: ext, path: "-", sha256: digest, madeFrom: report.custodyHead)
            return
        }
        let path = output ?? URL(fileURLWithPath: c.reportsPath).appendingPathComponent("report.\(ext)").path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CaseError(.io, "cannot write the report to \(path): \(error.localizedDescription)",
                            hint: "give a writable path with -o")
        }
        try c.recordReport(format: ext, path: path, sha256: digest, madeFrom: report.custodyHead)
        let verdict = report.conclusion.verdict
        FileHandle.standardOutput.write(Data((path + "\n").utf8))
        Output.err("\(verdict.terminalSafe) (confidence \(report.conclusion.confidence)); "
                   + "\(report.findings.count) finding\(report.findings.count == 1 ? "" : "s"), "
                   + "\(report.gaps.count) gap\(report.gaps.count == 1 ? "" : "s"); sha256 \(digest.prefix(16))…")
    }
}

import ArgumentParser
import Collectors
import EvidenceStore
import Foundation
import JikochoModel
import Logging

@main
struct Jikocho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jikocho",
        abstract: "Forensics for cyber incidents in plants: evidence, timelines, root causes.",
        version: versionText,
        subcommands: [InvestigateCommand.self, CaseCommand.self, AddCommand.self, IngestCommand.self, VerifyCommand.self, EventsCommand.self,
                      SeriesCommand.self, AssetsCommand.self, ClockCommand.self, TimelineCommand.self, ChainCommand.self, SigmaCommand.self, PlaybooksCommand.self, RunCommand.self, ReportCommand.self, ServeCommand.self, ReplayCommand.self, ExerciseCommand.self, CustodyCommand.self, DevCommand.self])

    /// `jikocho --version`: the tool's version, then the libraries that read evidence and write cases, as loaded.
    static var versionText: String {
        let libraries = [("SQLite", Case.sqliteVersion)] + LibraryVersions.readers
        return "jikocho \(JikochoVersion.string)\n" + libraries.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }

    /// Diagnostics go to stderr at the level of `JIKOCHO_LOG` (trace, debug, info, notice, warning, error);
    /// warnings and worse by default.
    static func main() {
        let level = ProcessInfo.processInfo.environment["JIKOCHO_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // A usage mistake is one line saying what to do, not the usage text after it (`--help` shows that).
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                Output.err("Error: \(text) (see --help)")
                Glibc.exit(code.rawValue)
            }
            exit(withError: error)
        }
    }
}

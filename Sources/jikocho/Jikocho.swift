import ArgumentParser
import Foundation
import Logging

@main
struct Jikocho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jikocho",
        abstract: "Forensics for cyber incidents in plants: evidence, timelines, root causes.",
        version: "0.1.0",
        subcommands: [CaseCommand.self, AddCommand.self, IngestCommand.self, VerifyCommand.self, EventsCommand.self,
                      SeriesCommand.self, AssetsCommand.self, ClockCommand.self, TimelineCommand.self, ChainCommand.self, CustodyCommand.self, DevCommand.self])

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
            exit(withError: error)
        }
    }
}

import ArgumentParser

@main
struct Jikocho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jikocho",
        abstract: "Forensics for cyber incidents in plants: evidence, timelines, root causes.",
        version: "0.1.0",
        subcommands: [CaseCommand.self, AddCommand.self, VerifyCommand.self, EventsCommand.self,
                      CustodyCommand.self, DevCommand.self])
}

import Foundation
import TestSupport
import Testing

/// CLI output compared with golden files in Tests/jikochoTests/Golden. Re-record after an intended change with
/// `JIKOCHO_RECORD_GOLDEN=1 swift test --filter GoldenTests`, and review the diff.
@Suite struct GoldenTests {
    static let goldenDir = TestPaths.repoRoot.appendingPathComponent("Tests/jikochoTests/Golden")

    /// A case whose output does not depend on the time of day, paths or the machine: synthetic events only.
    static func synthesizedCase(_ tmp: TempDir) throws -> String {
        let bin = TestPaths.jikocho
        let dir = tmp.url.appendingPathComponent("case").path
        try runProgram(bin, ["case", "init", dir, "--name", "golden", "--examiner", "golden"])
        try runProgram(bin, ["add", dir, tmp.file("ev/e.log", "golden\n")])
        let r = try runProgram(bin, ["dev", "synthesize", dir, "--evidence", "1", "--events", "40"])
        #expect(r.status == 0, "\(r.stderr)")
        return dir
    }

    func compare(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = GoldenTests.goldenDir.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["JIKOCHO_RECORD_GOLDEN"] != nil {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "\(name) differs from its golden file; re-record if intended",
                sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ("events-table.txt", ["events", "CASE", "--limit", "7"]),
        ("events-modbus.jsonl", ["events", "CASE", "--kind", "ics.modbus", "--limit", "3", "--json"]),
        ("events-window-grep.txt", ["events", "CASE", "--from", "2021-02-05T18:00:00.010+09:00",
                                    "--to", "2021-02-05T09:00:00.030Z", "--grep", "operator1"]),
    ])
    func eventsOutput(name: String, args: [String]) throws {
        let tmp = TempDir()
        let dir = try GoldenTests.synthesizedCase(tmp)
        let r = try runProgram(TestPaths.jikocho, args.map { $0 == "CASE" ? dir : $0 })
        #expect(r.status == 0, "\(r.stderr)")
        try compare(name, r.stdout + (r.stderr.isEmpty ? "" : "# stderr\n" + r.stderr))
    }
}

import Foundation
import TestSupport
import Testing

/// Jikocho as installed: `scripts/install.sh` (what `make install` runs) lays out a prefix whose binary finds its
/// playbooks and exercises beside itself from any directory; a binary with nothing beside it refuses to conclude;
/// sites add or replace playbooks; docs/cli.md is the parser's help.
@Suite(.serialized) struct InstallTests {
    let bin = TestPaths.jikocho
    let tmp = TempDir("install")
    var prefix: String { tmp.url.appendingPathComponent("prefix").path }

    /// Installs into this test's prefix (the debug binary the tests run: the lookup is the same as a release build's).
    func install() throws -> String {
        let r = try runProgram("/bin/bash", [TestPaths.repoRoot.appendingPathComponent("scripts/install.sh").path, prefix, bin])
        guard r.status == 0 else { throw InstallFailure(text: "install.sh failed: \(r.stderr)") }
        return prefix + "/bin/jikocho"
    }
    struct InstallFailure: Error { var text: String }

    func elsewhere(_ name: String) throws -> String {
        let dir = tmp.url.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A site folder with one playbook named like a shipped one (replacing it) and one of its own.
    func siteFolder(_ name: String, broken: Bool = false) throws -> String {
        let site = tmp.url.appendingPathComponent(name)
        let replace = """
            name: ICS.Process.RemoteSetpointTampering
            title: Site rule for setpoint changes
            attack: [T0836]
            steps:
              - id: write
                match: {control.action: write}
            conclusion:
              root_cause: A controller write {write.message}.
              severity: high

            """
        let own = broken ? "name: Site.Own\ntitle: broken\nsteps: nothing\n" : """
            name: Site.Own
            title: Logons to the historian
            steps:
              - id: logon
                match: {kind: auth.logon, asset: historian-1}
            conclusion:
              root_cause: Someone logged on to the historian at {logon.time}.
              severity: low

            """
        for (rel, text) in [("ICS/Process/RemoteSetpointTampering.yaml", replace), ("Site/Own.yaml", own)] {
            let url = site.appendingPathComponent(rel)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return site.path
    }

    @Test func theInstalledToolFindsItsPlaybooksFromAnyDirectory() throws {
        let installed = try install()
        let cwd = try elsewhere("anywhere")
        var r = try runProgram(installed, ["playbooks", "list"], cwd: cwd, environment: ["JIKOCHO_PLAYBOOKS": nil])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("11 playbooks from \(prefix)/share/jikocho/Playbooks (shipped)"), "\(r.stderr)")
        #expect(r.stdout.contains("ICS.Process.RemoteSetpointTampering") && r.stdout.contains("Remote-access takeover of an HMI"), "\(r.stdout)")
        r = try runProgram(installed, ["--version"], cwd: cwd)
        #expect(r.status == 0 && r.stdout.hasPrefix("jikocho 0.") && r.stdout.contains("SQLite 3.")
                && r.stdout.contains("libpcap") && r.stdout.contains("libarchive") && r.stdout.contains("libmagic"), "\(r.stdout)")
        for shell in ["bash", "zsh", "fish"] {
            r = try runProgram(installed, ["--generate-completion-script", shell], cwd: cwd)
            #expect(r.status == 0 && r.stdout.contains("investigate") && r.stdout.contains("playbooks"), "\(shell)")
        }
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/bash-completion/completions/jikocho"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/jikocho/Playbooks/sigma/ics/ics_controller_write_from_unexpected_host.yml"))
        // The shipped exercises by name, from anywhere.
        let copy = cwd + "/trainee"
        r = try runProgram(installed, ["exercise", "new", "water-treatment-remote-setpoint", copy], cwd: cwd)
        #expect(r.status == 0 && FileManager.default.fileExists(atPath: copy + "/evidence/capture/control-net.pcap"), "\(r.stderr)")
        r = try runProgram(installed, ["exercise", "new", "no-such-exercise", cwd + "/x"], cwd: cwd)
        #expect(r.status != 0 && r.stderr.contains("water-treatment-remote-setpoint"), "\(r.stderr)")
    }

    /// A site's folder (flag or environment) adds playbooks and replaces the shipped one of the same name, and
    /// says so; only the site's with --no-shipped-playbooks; a folder that does not exist is an error, not fewer
    /// playbooks.
    @Test func sitesAddAndReplacePlaybooks() throws {
        let installed = try install()
        let cwd = try elsewhere("site-run")
        let site = try siteFolder("site")
        for (args, env) in [(["playbooks", "list", "--playbooks", site], [String: String?]()),
                            (["playbooks", "list"], ["JIKOCHO_PLAYBOOKS": site])] {
            let r = try runProgram(installed, args, cwd: cwd, environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == 12, "\(r.stdout)")
            #expect(r.stdout.contains("Site rule for setpoint changes") && !r.stdout.contains("Remote-access takeover of an HMI"), "\(r.stdout)")
            #expect(r.stdout.contains("Site.Own"))
            #expect(r.stderr.contains("2 playbooks from \(site)") && r.stderr.contains("replacing ICS.Process.RemoteSetpointTampering"),
                    "\(r.stderr)")
        }
        var r = try runProgram(installed, ["playbooks", "list", "--playbooks", site, "--no-shipped-playbooks"], cwd: cwd)
        #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 2, "\(r.stdout) \(r.stderr)")
        r = try runProgram(installed, ["playbooks", "list", "--playbooks", cwd + "/nowhere"], cwd: cwd)
        #expect(r.status == 1 && r.stderr.contains("no playbooks folder at \(cwd)/nowhere (from --playbooks)")
                && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    /// Without playbooks there is no conclusion: investigate and run refuse before touching anything, with one line
    /// saying where they looked and what to do; a playbook with a mistake is refused the same way.
    @Test func withoutItsPlaybooksNothingIsConcluded() throws {
        let installed = try install()
        let alone = try elsewhere("alone")
        try? FileManager.default.removeItem(atPath: alone + "/jikocho")
        try FileManager.default.copyItem(atPath: installed, toPath: alone + "/jikocho")
        let evidence = TestPaths.repoRoot.appendingPathComponent("Evidence/water-treatment-remote-setpoint").path
        var r = try runProgram(alone + "/jikocho", ["investigate", evidence, "-o", alone + "/case"], cwd: alone,
                               environment: ["JIKOCHO_PLAYBOOKS": nil])
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("no playbooks found")
                && r.stderr.contains("--playbooks"), "\(r.stderr)")
        #expect(!r.stdout.contains("Conclusion") && !FileManager.default.fileExists(atPath: alone + "/case"), "\(r.stdout)")
        r = try runProgram(alone + "/jikocho", ["run", alone + "/case"], cwd: alone, environment: ["JIKOCHO_PLAYBOOKS": nil])
        #expect(r.status == 1 && r.stderr.contains("no playbooks found"), "\(r.stderr)")
        // A mistake in one playbook: refused, the mistake named.
        let broken = try siteFolder("broken-site", broken: true)
        r = try runProgram(installed, ["investigate", evidence, "-o", alone + "/case2", "--playbooks", broken],
                           cwd: alone)
        #expect(r.status == 1 && r.stderr.contains("playbook mistake") && r.stderr.contains("Own.yaml")
                && r.stderr.contains("playbooks check"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: alone + "/case2"))
    }

    /// docs/cli.md is what the argument parser prints: regenerate it with `make docs` when a command changes.
    @Test func theCommandReferenceIsCurrent() throws {
        let r = try runProgram(bin, ["dev", "cli-reference"])
        #expect(r.status == 0, "\(r.stderr)")
        let committed = try? String(contentsOf: TestPaths.repoRoot.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        #expect(committed == r.stdout, "docs/cli.md is stale: run `make docs`")
    }

    /// The README and every page of docs/ link only to files that exist (the README is installed beside docs/).
    @Test func everyLinkOfTheDocsResolves() throws {
        let root = TestPaths.repoRoot
        let pages = ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path))
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        #expect(pages.count >= 10)
        let link = try NSRegularExpression(pattern: #"\]\(([^)#\s]+)(#[^)]*)?\)"#)
        for page in pages {
            let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
            for m in link.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let r = Range(m.range(at: 1), in: text) else { continue }
                let target = String(text[r])
                if target.hasPrefix("http") { continue }
                let path = root.appendingPathComponent(page).deletingLastPathComponent().appendingPathComponent(target).standardizedFileURL.path
                #expect(FileManager.default.fileExists(atPath: path), "\(page) links to \(target), which does not exist")
            }
        }
    }
}

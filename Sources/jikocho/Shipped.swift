import EvidenceStore
import Foundation
import Playbooks

/// The data Jikocho ships beside its binary: the playbooks (with their Sigma rules), the exercises and the viewer's page.
///
/// Found from the executable's own location, never from the current directory: an installed tree
/// (`PREFIX/bin/jikocho` with `PREFIX/share/jikocho/…`, as `make install` lays it out) or, for a binary built
/// in a checkout (`.build/…/jikocho`), the checkout around it. Symbolic links to the binary are followed first.
enum Shipped {
    enum Item: String {
        case playbooks, exercises, web

        /// Its folder under `PREFIX/share/jikocho/`.
        var installed: String {
            switch self {
            case .playbooks: return "Playbooks"
            case .exercises: return "exercises"
            case .web: return "web"
            }
        }

        /// Its folder in a source checkout.
        var checkout: String {
            switch self {
            case .playbooks: return "Playbooks"
            case .exercises: return "Evidence"
            case .web: return "Web"
            }
        }
    }

    /// The folder of `item`, or nil when this binary has none beside it.
    static func folder(_ item: Item) -> String? { candidates(item).first(where: isDirectory) }

    /// Where `folder(item)` looks, in order (for messages that say where nothing was found).
    static func candidates(_ item: Item) -> [String] {
        guard let exe = executableDirectory() else { return [] }
        var out = [exe.appendingPathComponent("../share/jikocho/\(item.installed)").standardizedFileURL.path]
        // A checkout: .build/<triple>/<configuration>/jikocho or .build/<configuration>/jikocho, a few levels up.
        var dir = exe
        for _ in 0..<5 {
            dir = dir.deletingLastPathComponent()
            let manifest = dir.appendingPathComponent("Package.swift").path
            let sources = dir.appendingPathComponent("Sources/jikocho").path
            if FileManager.default.fileExists(atPath: manifest), isDirectory(sources) {
                out.append(dir.appendingPathComponent(item.checkout).path)
                break
            }
        }
        return out
    }

    /// The real directory of the running executable (`/proc/self/exe` with its links resolved).
    static func executableDirectory() -> URL? {
        let proc = "/proc/self/exe"
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: proc) {
            return URL(fileURLWithPath: target).resolvingSymlinksInPath().deletingLastPathComponent()
        }
        let arg0 = CommandLine.arguments.first ?? ""
        guard arg0.contains("/") else { return nil }
        return URL(fileURLWithPath: arg0).standardizedFileURL.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}

/// The playbooks a command runs: the shipped ones, then each folder of `JIKOCHO_PLAYBOOKS` (colon-separated), then
/// each `--playbooks` folder. A playbook named like one before it replaces it, so a site can override a shipped
/// playbook by giving its own under the same name (`ICS/Process/RemoteSetpointTampering.yaml`).
struct PlaybookLibrary {
    struct Source: Equatable {
        var folder: String
        var origin: String      // "shipped", "JIKOCHO_PLAYBOOKS" or "--playbooks"
        var loaded = 0
        var overrides: [String] = []
    }

    var playbooks: [Playbook] = []
    var sources: [Source] = []
    var problems: [PlaybookProblem] = []
    /// Where the shipped playbooks were looked for when none were found (empty when found or not wanted).
    var shippedLookedIn: [String] = []

    /// Loads the library. Throws when a folder given by the user does not exist: a typo must not quietly run
    /// fewer playbooks than asked.
    static func load(folders: [String], shipped: Bool = true,
                     environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PlaybookLibrary {
        var lib = PlaybookLibrary()
        var wanted: [Source] = []
        if shipped {
            if let f = Shipped.folder(.playbooks) { wanted.append(Source(folder: f, origin: "shipped")) } else {
                lib.shippedLookedIn = Shipped.candidates(.playbooks)
            }
        }
        let fromEnv = (environment["JIKOCHO_PLAYBOOKS"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        wanted += fromEnv.map { Source(folder: $0, origin: "JIKOCHO_PLAYBOOKS") }
        wanted += folders.map { Source(folder: $0, origin: "--playbooks") }
        var seen = Set<String>()
        var byName: [String: Int] = [:]
        for var s in wanted {
            guard Shipped.isDirectory(s.folder) else {
                throw CaseError(.notFound, "no playbooks folder at \(s.folder) (from \(s.origin))",
                                hint: "give a folder of playbook YAML files")
            }
            let key = URL(fileURLWithPath: s.folder).standardizedFileURL.resolvingSymlinksInPath().path
            guard seen.insert(key).inserted else { continue }
            let (books, problems) = PlaybookLoader.load(paths: [s.folder], root: s.folder)
            lib.problems += problems
            for b in books {
                if let i = byName[b.name] {
                    lib.playbooks[i] = b
                    s.overrides.append(b.name)
                } else {
                    byName[b.name] = lib.playbooks.count
                    lib.playbooks.append(b)
                }
            }
            s.loaded = books.count
            lib.sources.append(s)
        }
        return lib
    }

    /// One line per folder: how many playbooks it gave and which shipped ones it replaced.
    var summary: [String] {
        sources.map { s in
            "\(s.loaded) playbook\(s.loaded == 1 ? "" : "s") from \(s.folder) (\(s.origin))"
                + (s.overrides.isEmpty ? "" : ", replacing \(s.overrides.joined(separator: ", "))")
        }
    }

    /// Why no conclusion may be drawn from this library, or nil when it can be used.
    var refusal: CaseError? {
        if playbooks.isEmpty {
            let looked = shippedLookedIn.isEmpty ? "" : " (the shipped ones were looked for in \(shippedLookedIn.joined(separator: " and ")))"
            let given = sources.isEmpty ? "" : " (\(sources.map(\.folder).joined(separator: ", ")) hold none)"
            return CaseError(.notFound, "no playbooks found\(looked)\(given): without them there is no conclusion to draw",
                             hint: "install Jikocho with `make install`, or give the Playbooks folder with --playbooks DIR")
        }
        if !problems.isEmpty {
            return CaseError(.invalidArgument,
                             "\(problems.count) playbook mistake\(problems.count == 1 ? "" : "s") (first: \(problems[0].description))",
                             hint: "fix them; `jikocho playbooks check` lists every one")
        }
        return nil
    }
}

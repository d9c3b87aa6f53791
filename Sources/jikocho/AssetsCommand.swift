import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Timeline

struct AssetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assets",
        abstract: "Import the site's asset inventory (YAML) or list it, with the addresses no asset claims.",
        discussion: """
            jikocho assets CASE import assets.yaml   replace the inventory (recorded in custody)
            jikocho assets CASE list                 the assets, then the unknown addresses seen in events
            Events are resolved against the inventory when they are read: nothing is ingested again.
            """)

    @Argument(help: "The case directory.") var `case`: String
    @Argument(help: "import or list.") var action: String
    @Argument(help: "The inventory file (for import).") var file: String?
    @Flag(help: "Print JSON lines instead of tables.") var json = false
    @Option(help: "Unknown addresses to list at most.") var unknownLimit = 20

    func validate() throws {
        guard ["import", "list"].contains(action) else {
            throw ValidationError("\(action): use `jikocho assets CASE import FILE` or `jikocho assets CASE list`")
        }
        if action == "import", file == nil { throw ValidationError("name the inventory file: jikocho assets CASE import assets.yaml") }
        if action == "list", file != nil { throw ValidationError("list takes no file") }
    }

    func run() throws {
        if action == "import" { try importInventory() } else { try list() }
    }

    func importInventory() throws {
        guard let file else { return }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CaseError(.notFound, "cannot read \(file)", hint: "check the path")
        }
        let assets: [Asset]
        do {
            assets = try AssetInventory.load(path: file)
        } catch let e as InventoryError {
            for p in e.problems.dropLast() { Output.err(p.description) }
            throw CaseError(.invalidArgument, e.problems.last.map(\.description) ?? "the inventory has mistakes",
                            hint: "\(e.problems.count) mistake\(e.problems.count == 1 ? "" : "s") in \(file); nothing was imported")
        }
        let c = try Case.open(at: `case`, mode: .write)
        let sha = sha256Hex(data)
        let (n, replaced) = try c.importAssets(assets, file: (file as NSString).lastPathComponent, sha256: sha)
        let tags = assets.reduce(0) { $0 + $1.tagMap.count }
        print("imported \(n) asset\(n == 1 ? "" : "s") with \(tags) tag mapping\(tags == 1 ? "" : "s") from \(file)"
              + (replaced > 0 ? " (replacing \(replaced))" : "") + "; sha256 \(sha)")
    }

    func list() throws {
        let c = try Case.open(at: `case`, mode: .read)
        let assets = try c.assets()
        let unknown = try c.unknownAddresses(limit: unknownLimit)
        var out = BufferedOutput()
        if json {
            for a in assets {
                var o: [String: JSONValue] = [
                    "name": .string(a.name), "role": .string(a.role.rawValue),
                    "addresses": .array(a.addresses.map { .string($0) }), "hostnames": .array(a.hostnames.map { .string($0) }),
                    "stations": .array(a.stations.map { .string($0) }),
                    "tags": .array(a.tagMap.map { t in
                        var m: [String: JSONValue] = ["point": .string(t.point), "tag": .string(t.tag)]
                        if let s = t.setpoint { m["setpoint"] = .bool(s) }
                        if let l = t.low { m["low"] = .double(l) }
                        if let h = t.high { m["high"] = .double(h) }
                        if let u = t.unit { m["unit"] = .string(u) }
                        return .object(m)
                    }),
                ]
                if let l = a.purdueLevel { o["level"] = .int(Int64(l)) }
                if let z = a.zone { o["zone"] = .string(z) }
                out.line(JSONValue.object(o).canonicalJSON)
            }
            for u in unknown {
                out.line(JSONValue.object([
                    "unknown": .string(u.address), "events": .int(u.events), "ot": .bool(u.ot),
                    "kinds": .array(u.kinds.map { .string($0) }), "first": .string(u.first.iso8601()),
                    "last": .string(u.last.iso8601()),
                ]).canonicalJSON)
            }
            out.flush()
            return
        }
        out.line("ASSET             ROLE                     LEVEL  ZONE          ADDRESSES / HOSTS                     TAGS")
        for a in assets {
            let where_ = (a.addresses + a.stations + a.hostnames).joined(separator: " ")
            let tags = a.tagMap.map { "\($0.point)→\($0.tag)" }.joined(separator: " ")
            out.line([Output.safe(a.name).rightPad(17), a.role.rawValue.rightPad(24),
                      (a.purdueLevel.map(String.init) ?? "-").rightPad(6), Output.safe(a.zone ?? "-").rightPad(13),
                      Output.safe(where_.isEmpty ? "-" : where_).rightPad(37), Output.safe(tags.isEmpty ? "-" : tags)]
                .joined(separator: " "))
        }
        if !unknown.isEmpty {
            out.line("")
            out.line("UNKNOWN ADDRESS                           EVENTS  FIRST                 LAST                  KINDS")
            for u in unknown {
                out.line([(Output.safe(u.address) + (u.ot ? " (OT)" : "")).rightPad(41), "\(u.events)".leftPad(6),
                          u.first.iso8601(precision: .seconds).rightPad(21), u.last.iso8601(precision: .seconds).rightPad(21),
                          u.kinds.prefix(4).joined(separator: ", ")].joined(separator: " "))
            }
        }
        out.flush()
        Output.err("\(assets.count) asset\(assets.count == 1 ? "" : "s"), \(unknown.count) unknown address"
                   + (unknown.count == 1 ? "" : "es") + " shown" + (unknown.count >= unknownLimit ? " (raise --unknown-limit for more)" : ""))
    }
}

#if canImport(EvidenceStore)
import EvidenceStore    // AssetResolver; the fuzz package compiles this file beside its own copy
#endif
import Foundation
import JikochoModel
import Parsers          // ControlPoint: the canonical forms of controller points
import Yams

/// One mistake in an inventory file, where a person finds it: `assets.yaml:12:7: assets[2].role: …`.
public struct InventoryProblem: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The path of the key: `assets[2].addresses[1]`.
    public var key: String
    public var problem: String

    public var description: String { "\(file):\(line):\(column): \(key): \(problem)" }
}

/// Every mistake found in an inventory file (all of them, not only the first), as one error.
public struct InventoryError: Error, CustomStringConvertible, Sendable {
    public var problems: [InventoryProblem]
    public var description: String {
        let first = problems.prefix(5).map(\.description).joined(separator: "; ")
        return problems.count > 5 ? "\(first); and \(problems.count - 5) more" : first
    }
}

/// The site's asset inventory, as an investigator writes it in YAML:
///
/// ```yaml
/// assets:
///   - name: hmi-1
///     role: hmi                    # hmi, plc, rtu, historian, engineering-workstation, jump-host, …
///     level: 2                     # Purdue level 0–5
///     zone: control
///     addresses: [10.0.20.10, "00:1b:1b:aa:bb:cc"]
///     hostnames: [HMI-01]
///     evidence: ["windows/hmi-1*.jsonl"]   # files this asset recorded: their times are its clock
///   - name: rtu-7                  # two RTUs behind one serial gateway: one address, told apart by station
///     addresses: [10.0.30.5]
///     station: modbus:unit:7       # modbus:unit:N, dnp3:outstation:N, iec104:ca:N
///   - name: rtu-8
///     addresses: [10.0.30.5]
///     station: modbus:unit:8
///   - name: plc-dosing
///     role: plc
///     addresses: [10.0.20.20]
///     tags:                        # controller points and the historian tags they drive
///       - holding:40001 -> NaOH_SP
///       - {point: "holding:40002", tag: Cl2_SP, setpoint: true, scale: 0.01}   # historian = raw × scale
///       - {point: "holding:40010", tag: Flow_SP, type: float32, word_order: low-first}   # a REAL in 40010–40011
///       - {point: "holding:40002", tag: NaOH_PV, setpoint: false, low: 6.5, high: 8.5, unit: pH}
/// ```
public enum AssetInventory {
    static let assetKeys: Set<String> = ["name", "role", "level", "purdue_level", "zone", "addresses", "hostnames",
                                         "tags", "tag_map", "description", "evidence", "station", "stations"]
    static let tagKeys: Set<String> = ["point", "tag", "setpoint", "low", "high", "unit", "scale", "type", "word_order"]
    static let roles = ["hmi", "plc", "rtu", "historian", "engineering-workstation", "ews", "jump-host",
                        "domain-controller", "file-server", "firewall", "remote-access", "workstation", "server",
                        "switch", "router", "safety-controller", "ied", "gateway", "vpn", "printer", "scada-server",
                        "monitoring", "web-server", "file-transfer", "mail-server", "drive", "unknown"]

    /// Reads an inventory file; throws `InventoryError` naming every mistake with its line and key.
    public static func load(path: String) throws -> [Asset] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InventoryError(problems: [InventoryProblem(file: path, line: 0, column: 0, key: "file",
                                                             problem: "cannot be read as UTF-8 text")])
        }
        return try parse(text, file: (path as NSString).lastPathComponent)
    }

    public static func parse(_ text: String, file: String) throws -> [Asset] {
        var problems: [InventoryProblem] = []
        func problem(_ node: Node?, _ key: String, _ text: String) {
            problems.append(InventoryProblem(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0,
                                             key: key, problem: text))
        }
        // A controller point in one of the canonical forms, written canonically; else a mistake naming the forms.
        func checkedPoint(_ text: String, _ node: Node?, _ key: String) -> String? {
            if let p = ControlPoint(parsing: text) { return p.text }
            problem(node, key, "`\(text)` is not a controller point; accepted forms: \(ControlPoint.acceptedForms)")
            return nil
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            var line = 0, column = 0
            switch e {
            case .scanner(_, _, let m, _), .parser(_, _, let m, _), .composer(_, _, let m, _):
                line = m.line
                column = m.column
            default: break
            }
            throw InventoryError(problems: [InventoryProblem(file: file, line: line, column: column, key: "yaml",
                                                             problem: "not valid YAML (\(e))")])
        }
        guard let root else {
            throw InventoryError(problems: [InventoryProblem(file: file, line: 1, column: 1, key: "assets",
                                                             problem: "the file is empty")])
        }
        // `assets:` holding a list, or the list itself.
        var list: Node.Sequence?
        switch root {
        case .mapping(let m):
            for (k, _) in m where k.string != "assets" {
                problem(k, k.string ?? "?", "unknown key (the file holds `assets:`)")
            }
            if case .sequence(let s)? = m["assets"] { list = s } else { problem(root, "assets", "a list of assets is needed") }
        case .sequence(let s): list = s
        default: problem(root, "assets", "a list of assets is needed")
        }
        var assets: [Asset] = []
        var names: [String: Int] = [:]
        /// Who holds each address, with their stations and where the address is written.
        var owners: [String: [(name: String, stations: [String], node: Node, key: String)]] = [:]
        let items: [Node] = list.map { Array($0) } ?? []
        for (i, node) in items.enumerated() {
            let at = "assets[\(i)]"
            guard case .mapping(let m) = node else {
                problem(node, at, "an asset is a mapping with at least `name`")
                continue
            }
            for (k, _) in m where !assetKeys.contains(k.string ?? "") {
                problem(k, "\(at).\(k.string ?? "?")", "unknown key; known: " + assetKeys.sorted().joined(separator: ", "))
            }
            guard let name = m["name"]?.string?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
                problem(node, "\(at).name", "every asset needs a name")
                continue
            }
            if let j = names[name] { problem(m["name"], "\(at).name", "\(name) is also assets[\(j)]") }
            names[name] = i
            var asset = Asset(name: name)
            if let r = m["role"] {
                let role = (r.string ?? "").lowercased()
                if roles.contains(role) { asset.role = Asset.Role(rawValue: role) } else {
                    problem(r, "\(at).role", "\(r.string ?? "?") is not a role; use one of " + roles.joined(separator: ", "))
                }
            }
            if let l = m["level"] ?? m["purdue_level"] {
                if let v = l.int, (0...5).contains(v) { asset.purdueLevel = v } else {
                    problem(l, "\(at).level", "a Purdue level is a whole number from 0 to 5")
                }
            }
            asset.zone = m["zone"]?.string
            func strings(_ key: String) -> [(String, Node)] {
                guard let n = m[key] else { return [] }
                switch n {
                case .sequence(let s): return s.compactMap { x in
                    if let v = x.string { return (v, x) }
                    problem(x, "\(at).\(key)", "a text is needed")
                    return nil
                }
                case .scalar: return n.string.map { [($0, n)] } ?? []
                default:
                    problem(n, "\(at).\(key)", "a list is needed")
                    return []
                }
            }
            for (k, (s, n)) in (strings("station") + strings("stations")).enumerated() {
                guard let station = Station.canonical(s) else {
                    problem(n, "\(at).station", "`\(s)` is not a station; accepted forms: \(Station.acceptedForms)")
                    continue
                }
                if asset.stations.contains(station) { problem(n, "\(at).stations[\(k)]", "\(station) is given twice") }
                asset.stations.append(station)
            }
            for (k, (a, n)) in strings("addresses").enumerated() {
                guard let normal = AssetResolver.normalizedAddress(a) else {
                    problem(n, "\(at).addresses[\(k)]", "\(a) is not an IPv4, IPv6 or MAC address")
                    continue
                }
                owners[normal, default: []].append((name, asset.stations, n, "\(at).addresses[\(k)]"))
                asset.addresses.append(normal)
            }
            asset.hostnames = strings("hostnames").map(\.0)
            asset.evidence = strings("evidence").map(\.0)
            asset.description = m["description"]?.string
            if let tags = m["tags"] ?? m["tag_map"] {
                guard case .sequence(let s) = tags else {
                    problem(tags, "\(at).tags", "a list of `point -> tag` mappings is needed")
                    continue
                }
                for (k, t) in s.enumerated() {
                    let key = "\(at).tags[\(k)]"
                    switch t {
                    case .scalar:
                        let parts = (t.string ?? "").components(separatedBy: "->").map {
                            $0.trimmingCharacters(in: .whitespaces)
                        }
                        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                            problem(t, key, "write `point -> tag`, e.g. `holding:40001 -> NaOH_SP`")
                            continue
                        }
                        guard let point = checkedPoint(parts[0], t, key) else { continue }
                        asset.tagMap.append(Asset.TagMapping(point: point, tag: parts[1]))
                    case .mapping(let tm):
                        for (x, _) in tm where !tagKeys.contains(x.string ?? "") {
                            problem(x, "\(key).\(x.string ?? "?")", "unknown key; known: " + tagKeys.sorted().joined(separator: ", "))
                        }
                        guard let point = tm["point"]?.string, let tag = tm["tag"]?.string else {
                            problem(t, key, "`point` and `tag` are needed")
                            continue
                        }
                        // A point in no known form is named, and the rest of the mapping still checked.
                        var mapping = Asset.TagMapping(point: checkedPoint(point, tm["point"], "\(key).point") ?? point, tag: tag)
                        if let sp = tm["setpoint"] {
                            if let b = sp.bool { mapping.setpoint = b } else { problem(sp, "\(key).setpoint", "true or false") }
                        }
                        for limit in ["low", "high"] {
                            guard let n = tm[limit] else { continue }
                            guard let v = n.float ?? n.int.map(Double.init) else {
                                problem(n, "\(key).\(limit)", "a number is needed")
                                continue
                            }
                            if limit == "low" { mapping.low = v } else { mapping.high = v }
                        }
                        if let lo = mapping.low, let hi = mapping.high, lo > hi {
                            problem(t, key, "low (\(lo)) is above high (\(hi))")
                        }
                        mapping.unit = tm["unit"]?.string
                        if let n = tm["scale"] {
                            if let v = n.float ?? n.int.map(Double.init), v != 0, v.isFinite { mapping.scale = v } else {
                                problem(n, "\(key).scale", "a number other than zero is needed")
                            }
                        }
                        if let n = tm["type"] ?? tm["word_order"] {
                            let type = tm["type"].map { $0.string ?? "?" } ?? "uint16"
                            let order = tm["word_order"]?.string
                            let register = ControlPoint(parsing: mapping.point)?.modbusRegister
                            if let r = RegisterType(type: type, wordOrder: order) {
                                if register == nil || register?.table == "coil" || register?.table == "discrete_input" {
                                    problem(n, "\(key).type", "a type is for Modbus registers (holding:, input:); "
                                            + "\(mapping.point)'s protocol carries the value's own type")
                                } else if let register, register.address + r.registers > 65_536 {
                                    problem(n, "\(key).type", "\(r.kind.rawValue) needs \(r.registers) registers from \(mapping.point)")
                                } else if order != nil, r.registers == 1 {
                                    problem(n, "\(key).word_order", "a word order is for 32-bit types (int32, uint32, float32)")
                                } else {
                                    mapping.type = r.kind.rawValue
                                    mapping.wordOrder = r.registers == 2 && r.lowWordFirst ? "low-first" : nil
                                }
                            } else if RegisterType.Kind(rawValue: type.lowercased()) == nil {
                                problem(n, "\(key).type", "one of \(RegisterType.acceptedTypes) is needed")
                            } else {
                                problem(n, "\(key).word_order", "one of \(RegisterType.acceptedWordOrders) is needed")
                            }
                        }
                        asset.tagMap.append(mapping)
                    default:
                        problem(t, key, "write `point -> tag` or a mapping with `point` and `tag`")
                    }
                }
            }
            assets.append(asset)
        }
        // Several assets may share an address only when stations tell them apart: at most one of them (the gateway
        // itself) without a station, and no station twice.
        for (address, all) in owners.sorted(by: { $0.key < $1.key }) {
            var names = Set<String>()
            let holders = all.filter { names.insert($0.name).inserted }
            guard holders.count > 1 else { continue }
            let plain = holders.filter { $0.stations.isEmpty }
            for h in plain.dropFirst() {
                let other = holders.first { $0.name != h.name }!.name
                problem(h.node, h.key, "\(address) is also \(other)'s; assets that share an address are told apart by "
                        + "`station:` (\(Station.acceptedForms)), all but the gateway itself")
            }
            var seen: [String: String] = [:]
            for h in holders {
                for s in h.stations {
                    if let other = seen[s], other != h.name {
                        problem(h.node, h.key, "\(address) \(s) is also \(other)'s")
                    }
                    seen[s] = h.name
                }
            }
        }
        if list?.isEmpty == true { problem(root, "assets", "the list is empty") }
        guard problems.isEmpty else { throw InventoryError(problems: problems) }
        return assets
    }
}

extension Asset.TagMapping {
    /// How the mapped Modbus register holds its value, when the inventory says (`type:`, `word_order:`).
    public var registerType: RegisterType? {
        type.flatMap { RegisterType(type: $0, wordOrder: wordOrder) }
    }

    /// The raw value a request wrote to the mapped point, read as the inventory says the point holds it (two
    /// registers for a 32-bit type, both written by the request), with the other points that value spans; nil when
    /// the request did not write the point or not all of its registers.
    public func rawValue(in written: [(text: String, key: String, value: Double?)]) -> (value: Double, spans: [String])? {
        guard let p = ControlPoint(parsing: point) else { return nil }
        guard let type = registerType else {
            return written.first { $0.key == p.key }.flatMap { w in w.value.map { ($0, []) } }
        }
        var spans: [String] = []
        let v = type.value { n in
            guard let q = p.modbusOffset(n), let w = written.first(where: { $0.key == q.key }) else { return nil }
            if n > 0 { spans.append(w.text) }
            return w.value
        }
        return v.map { ($0, spans) }
    }
}

import EvidenceStore
import JikochoModel
import Parsers

/// How a Modbus register holds a tag's value, when the inventory does not say: worked out from the case.
///
/// A register carries 0…65535 on the wire. A setpoint the historian shows as 95.0 may be held as hundredths in one
/// register (9500), as a signed number (−5.00 as 65036), or as a 32-bit REAL over two registers, high word first or
/// low (17086, 0). An inventory written from a plant's register list often names only the first register. When the
/// writes to a mapped point, read as one unsigned register, give none of the values the historian's tag shows, each
/// other reading (int16; int32, uint32 and float32 in either word order, from the writes that set both registers)
/// is tried against the tag's samples; one that alone gives them is taken, and said to be inferred. Writes whose
/// registers are all zero read the same in every type and count for none.
public enum RegisterTypeInference {
    public struct Result: Sendable, Hashable {
        public var asset: String
        public var point: String
        public var tag: String
        /// The reading taken, or nil when none gives the historian's values.
        public var type: RegisterType?
        /// Writes whose reading is among the tag's values, of those that could be read that way.
        public var agreeing: Int
        public var readable: Int
        /// Writes to the point in all (their registers not all zero).
        public var writes: Int
        /// Whether some write set the register after it too (a 32-bit value is likely).
        public var spansTwo: Bool

        /// Why the type was taken, as a clause: "inferred: the inventory does not say; 6 of 6 writes then give …".
        public var basis: String {
            "inferred: the inventory does not say; \(agreeing) of \(readable) write\(readable == 1 ? "" : "s") read that way "
                + "give\(agreeing == 1 ? "s" : "") a value \(tag) shows"
        }

        /// One line for a report's gap.
        public var explanation: String {
            if let type { return "\(point) read as \(type) (\(basis))" }
            return "no reading of the writes to \(point) (one register, signed, or 32 bits with \(spansTwo ? "the register after it" : "a second register") "
                + "in either word order) gives a value \(tag) shows"
        }
    }

    /// Candidate readings, the inventory's default first.
    static let candidates: [RegisterType] = [
        RegisterType(kind: .uint16), RegisterType(kind: .int16),
        RegisterType(kind: .float32), RegisterType(kind: .float32, lowWordFirst: true),
        RegisterType(kind: .int32), RegisterType(kind: .int32, lowWordFirst: true),
        RegisterType(kind: .uint32), RegisterType(kind: .uint32, lowWordFirst: true),
    ]
    /// Writes read per point, at most.
    static let writeLimit = 1_000

    /// The mappings of Modbus registers without a type whose writes and historian samples say how the registers hold
    /// the value (or that no reading does). Mappings with a type, other protocols', and points no request wrote
    /// with a value one register does not explain, give nothing.
    public static func infer(_ c: Case, resolver: AssetResolver) throws -> [Result] {
        // The untyped register mappings, by the controller and the point's key.
        var open: [String: (asset: String, mapping: Asset.TagMapping, point: ControlPoint)] = [:]
        for a in resolver.assets {
            for m in a.tagMap where m.type == nil {
                guard let p = ControlPoint(parsing: m.point), let r = p.modbusRegister,
                      r.table == "holding" || r.table == "input" else { continue }
                open["\(a.name)|\(p.key)"] = (a.name, m, p)
            }
        }
        guard !open.isEmpty else { return [] }
        // Each write's registers from the mapped point on: [0] the point, [1] the one after it.
        var writes: [String: [[Double?]]] = [:]
        try c.forEachEvent(EventQuery(kinds: ["ics.modbus.write"])) { s in
            guard let plc = s.event.dst.asset, let (action, _) = ControlPoint.facts(s.event.attributes), action != "select"
            else { return }
            let written = ChainBuilder.writtenPoints(s.event)
            for w in written {
                guard let o = open["\(plc)|\(w.key)"], writes["\(plc)|\(w.key)", default: []].count < writeLimit,
                      let v = w.value else { continue }
                let next = o.point.modbusOffset(1).flatMap { n in written.first { $0.key == n.key }?.value }
                if v == 0 && (next ?? 0) == 0 { continue }
                writes["\(plc)|\(w.key)", default: []].append([v, next])
            }
        }
        guard !writes.isEmpty else { return [] }
        let series = try c.series()
        var out: [Result] = []
        for (key, ws) in writes.sorted(by: { $0.key < $1.key }) {
            guard let o = open[key] else { continue }
            let tag = o.mapping.tag.lowercased()
            let scale = o.mapping.scale ?? 1
            // Every candidate's reading of every write, to look for among the tag's samples.
            var readings: [[Double?]] = candidates.map { t in ws.map { w in t.value { n in n < w.count ? w[n] : nil } } }
            var wanted: [(value: Double, tolerance: Double, c: Int, w: Int)] = []
            for (ci, t) in candidates.enumerated() {
                for (wi, r) in readings[ci].enumerated() {
                    guard let r else { continue }
                    let v = r * scale
                    // A float read from the wrong words is a denormal or an enormous number: no reading.
                    guard v.isFinite, t.kind != .float32 || r == 0 || (abs(r) >= 1e-20 && abs(r) <= 1e15) else {
                        readings[ci][wi] = nil
                        continue
                    }
                    let tolerance = t.kind == .float32 ? max(1e-3 * abs(v), 1e-6) : max(abs(scale) / 2, 1e-9)
                    wanted.append((v, tolerance, ci, wi))
                }
            }
            wanted.sort { $0.value < $1.value }
            var found = Set<Int>()   // ci * count + wi
            let width = wanted.map(\.tolerance).max() ?? 0
            for s in series where s.info.tag.lowercased() == tag {
                try c.forEachSample(series: s.id) { x in
                    guard let v = x.value, x.quality == .good else { return }
                    // The readings within their tolerance of this sample (sorted: a window of the widest tolerance).
                    var lo = 0, hi = wanted.count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if wanted[mid].value < v - width { lo = mid + 1 } else { hi = mid }
                    }
                    var i = lo
                    while i < wanted.count, wanted[i].value <= v + width {
                        if abs(wanted[i].value - v) <= wanted[i].tolerance { found.insert(wanted[i].c * ws.count + wanted[i].w) }
                        i += 1
                    }
                }
            }
            func agreeing(_ ci: Int) -> Int { (0..<ws.count).filter { found.contains(ci * ws.count + $0) }.count }
            func readable(_ ci: Int) -> Int { readings[ci].compactMap { $0 }.count }
            let spansTwo = ws.contains { $0[1] != nil }
            // The inventory's reading explains a write: nothing to infer.
            if agreeing(0) > 0 { continue }
            let scores = candidates.indices.dropFirst().map { ($0, agreeing($0)) }.filter { $0.1 > 0 }
            let best = scores.max { $0.1 < $1.1 }
            var r = Result(asset: o.asset, point: o.point.text, tag: o.mapping.tag, type: nil, agreeing: 0, readable: 0,
                           writes: ws.count, spansTwo: spansTwo)
            // One reading that alone gives the most, and for at least half of the writes it can read.
            if let best, scores.filter({ $0.1 == best.1 }).count == 1, best.1 * 2 >= readable(best.0) {
                r.type = candidates[best.0]
                r.agreeing = best.1
                r.readable = readable(best.0)
            } else if !spansTwo && ws.allSatisfy({ ($0[0] ?? 0) < 32_768 }) {
                // Single registers that a signed reading would not change and that give nothing: the scale or the
                // point may be wrong, not the type; nothing to say here.
                continue
            }
            out.append(r)
        }
        return out
    }

    /// The resolver with the inferred types set on their mappings (`typeBasis` says they were inferred).
    public static func applying(_ results: [Result], to resolver: AssetResolver) -> AssetResolver {
        let typed = results.filter { $0.type != nil }
        guard !typed.isEmpty else { return resolver }
        let assets = resolver.assets.map { a -> Asset in
            var a = a
            a.tagMap = a.tagMap.map { m in
                var m = m
                if m.type == nil, let r = typed.first(where: { $0.asset == a.name && $0.tag == m.tag && ControlPoint(parsing: m.point)?.text == $0.point }),
                   let t = r.type {
                    m.type = t.kind.rawValue
                    m.wordOrder = t.registers == 2 && t.lowWordFirst ? "low-first" : nil
                    m.typeBasis = r.basis
                }
                return m
            }
            return a
        }
        var out = AssetResolver(assets)
        out.observers = resolver.observers
        return out
    }

    /// The case's resolver with the register types its inventory leaves out worked out (see above).
    public static func resolver(_ c: Case) throws -> (AssetResolver, [Result]) {
        let r = try c.assetResolver()
        let results = try infer(c, resolver: r)
        return (applying(results, to: r), results)
    }
}

import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Timeline

struct ClockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "List, set and estimate the clocks of a case's evidence.",
        discussion: """
            jikocho clock CASE list                                   each clock, its correction and its evidence
            jikocho clock CASE set CLOCK --offset +97.3s [--drift PPM] --reason TEXT
            jikocho clock CASE reset CLOCK --reason TEXT              back to recorded times
            jikocho clock CASE assign EVIDENCE CLOCK                  the item's times are CLOCK's (EVIDENCE: #id)
            jikocho clock CASE estimate [--reference CLOCK] [--apply] propose offsets from pairs of sightings
            The offset is what to add to the clock's recorded time. Every event keeps its recorded time; the corrected \
            time orders the timeline. Every change is recorded in custody.
            """)

    @Argument(help: "The case directory.") var `case`: String
    @Argument(help: "list, set, reset, assign or estimate.") var action: String
    @Argument(help: "The clock (set, reset) or the evidence id and the clock (assign).") var names: [String] = []
    @Option(help: "Seconds to add to the clock's recorded time: +97.3s, -1.5m, 250ms.") var offset: String?
    @Option(help: "Drift in parts per million (positive: the clock loses time).") var drift: Double?
    @Option(help: "Why (recorded in custody; required for set and reset).") var reason: String?
    @Option(help: "± uncertainty of the offset: 0.5s.") var uncertainty: String?
    @Option(help: "Clock the others are measured against (captures by default); repeatable.") var reference: [String] = []
    @Option(help: "How far apart two sightings of one action may be: 2h.") var window = "2h"
    @Flag(help: "Apply the significant estimates (recorded in custody as estimates).") var apply = false
    @Flag(help: "Print JSON (one object per line) instead of tables.") var json = false

    func validate() throws {
        switch action {
        case "list", "estimate":
            guard names.isEmpty else { throw ValidationError("\(action) takes no names") }
        case "set":
            guard names.count == 1 else { throw ValidationError("name one clock: jikocho clock CASE set CLOCK --offset +97s --reason TEXT") }
            guard offset != nil || drift != nil else { throw ValidationError("give --offset (and/or --drift)") }
            guard reason?.isEmpty == false else { throw ValidationError("give --reason: the correction is recorded in custody") }
        case "reset":
            guard names.count == 1 else { throw ValidationError("name one clock: jikocho clock CASE reset CLOCK --reason TEXT") }
            guard reason?.isEmpty == false else { throw ValidationError("give --reason: the change is recorded in custody") }
        case "assign":
            guard names.count == 2 || names.count == 1 else {
                throw ValidationError("jikocho clock CASE assign EVIDENCE CLOCK (or only EVIDENCE to decide from the inventory again)")
            }
        default:
            throw ValidationError("\(action): use list, set, reset, assign or estimate")
        }
    }

    func run() throws {
        switch action {
        case "set": try set()
        case "reset": try reset()
        case "assign": try assign()
        case "estimate": try estimate()
        default: try list()
        }
    }

    func set() throws {
        let c = try Case.open(at: `case`, mode: .write)
        guard let name = names.first else { return }
        let off = try offset.map { try Self.duration($0, what: "--offset") } ?? 0
        let ppb = drift.map { Int64(($0 * 1000).rounded()) } ?? 0
        let u = try uncertainty.map { try Self.duration($0, what: "--uncertainty") }
        var epoch: Int64 = 0
        if ppb != 0 {
            // Drift is measured from the middle of the clock's evidence, where the offset holds.
            epoch = try c.timeRange(clock: name).map { $0.lowerBound / 2 + $0.upperBound / 2 } ?? 0
        }
        let correction = ClockCorrection(offsetNanos: off, driftPPB: ppb, epochNanos: epoch)
        try c.setClock(name, correction: correction, source: .investigator, reason: reason ?? "", uncertaintyNanos: u)
        report(name, correction, "investigator")
    }

    func reset() throws {
        let c = try Case.open(at: `case`, mode: .write)
        guard let name = names.first else { return }
        try c.setClock(name, correction: .none, source: .none, reason: reason ?? "")
        report(name, .none, "none")
    }

    func assign() throws {
        let c = try Case.open(at: `case`, mode: .write)
        let text = names[0].hasPrefix("#") ? String(names[0].dropFirst()) : names[0]
        guard let id = Int64(text) else { throw ValidationError("\(names[0]) is not an evidence id (#12)") }
        let clock = names.count == 2 ? names[1] : nil
        try c.assignClock(evidenceID: id, clock: clock)
        let a = try c.clockAssignments().first { $0.evidenceID == id }
        if json {
            print(JSONValue.object(["evidence": .int(id), "name": .string(a?.evidenceName ?? ""),
                                    "clock": .string(a?.clock ?? ""), "basis": .string(a?.basis.rawValue ?? "")]).canonicalJSON)
        } else {
            print("evidence #\(id) \(a?.evidenceName ?? ""): clock \(a?.clock ?? "?") (\(a?.basis.rawValue ?? "?"))")
        }
    }

    func report(_ name: String, _ correction: ClockCorrection, _ source: String) {
        if json {
            print(JSONValue.object(["clock": .string(name), "offset_s": .double(Double(correction.offsetNanos) / 1e9),
                                    "drift_ppm": .double(Double(correction.driftPPB) / 1000), "source": .string(source),
                                    "reason": .string(reason ?? "")]).canonicalJSON)
        } else {
            print("clock \(name): " + (correction.isNone ? "times as recorded" : correction.description)
                  + " (\(source): \(reason ?? ""))")
        }
    }

    func list() throws {
        let c = try Case.open(at: `case`, mode: .read)
        let clocks = try c.clocks()
        var out = BufferedOutput()
        if json {
            for k in clocks {
                var o: [String: JSONValue] = [
                    "clock": .string(k.name), "source": .string(k.source.rawValue),
                    "offset_s": .double(Double(k.correction.offsetNanos) / 1e9),
                    "drift_ppm": .double(Double(k.correction.driftPPB) / 1000),
                    "evidence": .array(k.items.map {
                        .object(["id": .int($0.evidenceID), "name": .string($0.evidenceName), "basis": .string($0.basis.rawValue)])
                    }),
                ]
                if let u = k.uncertaintyNanos { o["uncertainty_s"] = .double(Double(u) / 1e9) }
                if let r = k.reason { o["reason"] = .string(r) }
                out.line(JSONValue.object(o).canonicalJSON)
            }
            out.flush()
            return
        }
        out.line("CLOCK                 CORRECTION               ±          SOURCE         EVIDENCE (how assigned)")
        for k in clocks {
            let corr = k.correction.isNone ? (k.isReference ? "reference" : "as recorded") : k.correction.description
            let items = k.items.map { "#\($0.evidenceID) \(Output.safe($0.evidenceName)) (\($0.basis.rawValue))" }
            out.line([Output.safe(k.name).rightPad(21), corr.rightPad(24),
                      (k.uncertaintyNanos.map { ClockCorrection.seconds($0).dropFirst().description } ?? "-").rightPad(10),
                      k.source.rawValue.rightPad(14), items.first ?? "-"].joined(separator: " "))
            for more in items.dropFirst() { out.line(String(repeating: " ", count: 73) + more) }
            if let r = k.reason, !r.isEmpty { out.line(String(repeating: " ", count: 22) + "reason: " + Output.safe(r)) }
        }
        out.flush()
    }

    func estimate() throws {
        let c = try Case.open(at: `case`, mode: apply ? .write : .read)
        let w = try Self.duration(window, what: "--window")
        let est = ClockEstimator(window: abs(w), references: reference.isEmpty ? nil : reference)
        let result = try est.estimate(c)
        var out = BufferedOutput()
        if json {
            for e in result.estimates {
                out.line(JSONValue.object([
                    "clock": .string(e.clock), "against": .string(e.against),
                    "offset_s": .double(Double(e.correction.offsetNanos) / 1e9),
                    "drift_ppm": .double(Double(e.correction.driftPPB) / 1000),
                    "uncertainty_s": .double(Double(e.uncertaintyNanos) / 1e9), "significant": .bool(e.significant),
                    "methods": .array(e.methods.map { .string($0) }), "notes": .array(e.notes.map { .string($0) }),
                    "pairs": .array(e.pairs.map { p in
                        .object(["method": .string(p.method), "offset_s": .double(Double(p.offsetNanos) / 1e9),
                                 "residual_s": .double(Double(p.residualNanos) / 1e9),
                                 "reference": .string("#\(p.reference.evidenceID) \(p.reference.locator)"),
                                 "reference_time": .string(p.referenceTime.iso8601(precision: .milliseconds)),
                                 "other": .string("#\(p.other.evidenceID) \(p.other.locator)"),
                                 "other_time": .string(p.otherTime.iso8601(precision: .milliseconds))])
                    }),
                ]).canonicalJSON)
            }
            for (clock, why) in result.unpaired.sorted(by: { $0.key < $1.key }) {
                out.line(JSONValue.object(["clock": .string(clock), "unpaired": .string(why)]).canonicalJSON)
            }
        } else {
            out.line("reference: " + (result.references.isEmpty ? "none (name one with --reference)" : result.references.joined(separator: ", ")))
            for e in result.estimates {
                out.line("")
                out.line("\(Output.safe(e.clock)): \(e.correction.description) ± \(ClockCorrection.seconds(e.uncertaintyNanos).dropFirst()) "
                         + "against \(Output.safe(e.against)), \(e.pairs.count) pair\(e.pairs.count == 1 ? "" : "s") "
                         + "(\(e.methods.joined(separator: ", ")))"
                         + (e.significant ? "" : " — consistent with no correction"))
                for n in e.notes { out.line("  note: " + n) }
                for p in e.pairs.prefix(12) {
                    out.line("  \(ClockCorrection.seconds(p.offsetNanos).rightPad(12)) residual "
                             + "\(ClockCorrection.seconds(p.residualNanos).rightPad(10)) "
                             + "#\(p.reference.evidenceID) \(Output.safe(p.reference.locator)) @ \(p.referenceTime.iso8601(precision: .milliseconds)) ~ "
                             + "#\(p.other.evidenceID) \(Output.safe(p.other.locator)) @ \(p.otherTime.iso8601(precision: .milliseconds))")
                }
                if e.pairs.count > 12 { out.line("  … and \(e.pairs.count - 12) more pairs (--json lists all)") }
            }
            for (clock, why) in result.unpaired.sorted(by: { $0.key < $1.key }) where !result.references.contains(clock) {
                out.line("")
                out.line("\(Output.safe(clock)): not estimated: \(why)")
            }
        }
        out.flush()
        if apply {
            let (applied, checked) = try result.apply(to: c)
            Output.err("applied \(applied) estimate\(applied == 1 ? "" : "s")"
                       + (checked > 0 ? "; \(checked) clock\(checked == 1 ? "" : "s") consistent with no correction, recorded as checked" : ""))
        }
    }

    /// `+97.3s`, `-1.5m`, `250ms`, `2h`, `97` (seconds) → nanoseconds.
    static func duration(_ text: String, what: String) throws -> Int64 {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var sign = 1.0
        if s.hasPrefix("+") { s = s.dropFirst() } else if s.hasPrefix("-") || s.hasPrefix("−") { sign = -1; s = s.dropFirst() }
        let units: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9),
                                         ("h", 3600e9), ("d", 86_400e9)]
        var scale = 1e9
        for (u, f) in units where s.hasSuffix(u) {
            scale = f
            s = s.dropLast(u.count)
            break
        }
        guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite, abs(v * scale) < 9e18 else {
            throw ValidationError("\(what) \(text): write a duration such as +97.3s, -1.5m, 250ms or 2h")
        }
        return Int64((sign * v * scale).rounded())
    }
}

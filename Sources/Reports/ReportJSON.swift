import EvidenceStore
import Foundation
import JikochoModel

/// The report as JSON for ticketing and SOAR tools. `conclusion` has the shape of an exercise's `answer` section
/// (cyber_cause, root_cause, clock_offsets, chain, techniques), so a grader compares like with like.
public enum ReportJSON {
    public static func render(_ r: Report) -> String {
        value(r).canonicalJSON + "\n"
    }

    static func cite(_ c: Citation) -> JSONValue {
        .object(["event_id": .int(c.eventID), "evidence_id": .int(c.evidenceID), "evidence": .string(c.evidence),
                 "sha256": .string(c.sha256), "locator": .string(c.locator)])
    }

    static func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    static func step(_ s: ReportStep) -> JSONValue {
        var o: [String: JSONValue] = [
            "step": .int(Int64(s.number)), "role": .string(s.role), "kind": .string(s.kind),
            "time": .string(s.time.iso8601(precision: .milliseconds)), "message": .string(s.message),
            "techniques": .array(s.techniques.map { .string($0) }), "evidence": cite(s.citation),
        ]
        if s.corrected { o["recorded_time"] = .string(s.recordedTime.iso8601(precision: .milliseconds)) }
        if let a = s.asset { o["asset"] = .string(a) }
        if let u = s.user { o["user"] = .string(u) }
        if let ip = s.src { o["src"] = .string(ip) }
        if let w = s.shownSummary { o["in_plain_words"] = .string(w) }
        for (k, v) in s.fields { o[k] = .string(v) }
        if !s.notes.isEmpty { o["notes"] = .array(s.notes.map { .string($0) }) }
        if let l = s.link {
            o["link_to_next"] = .object(["rule": .string(l.rule), "why": .string(l.why),
                                         "gap_s": .double(Double(l.gapNanos) / 1e9)])
        }
        return .object(o)
    }

    static func chain(_ c: ReportChain) -> JSONValue {
        .object([
            "title": .string(c.title), "reaches_outside": .bool(c.reachesOutside), "restores": .bool(c.restores),
            "overwrites_measurement": .bool(c.overwritesMeasurement),
            "end": .string(c.end), "steps": .array(c.steps.map(step)),
            "alternatives": .array(c.alternatives.map { a in
                .object(["step": .int(Int64(a.step)), "why": .string(a.why), "kind": .string(a.kind),
                         "time": .string(a.time.iso8601(precision: .milliseconds)), "evidence": cite(a.citation)])
            }),
        ])
    }

    public static func conclusion(_ r: Report) -> JSONValue {
        let c = r.conclusion
        var offsets: [String: JSONValue] = [:]
        var uncertainty: [String: JSONValue] = [:]
        for o in c.clockOffsets {
            offsets[o.clock] = .double((o.seconds * 1000).rounded() / 1000)
            if let u = o.uncertainty { uncertainty[o.clock] = .double((u * 1000).rounded() / 1000) }
        }
        return .object([
            "cyber_cause": c.cyberCause.map { .bool($0) } ?? .null,
            "verdict": .string(c.verdict), "root_cause": .string(c.rootCause), "confidence": .string(c.confidence),
            "reasons": .array(c.reasons.map { .string($0) }),
            "clock_offsets": .object(offsets), "clock_uncertainty": .object(uncertainty),
            "chain": .array((r.chain?.steps ?? []).map(step)),
            "techniques": .array(c.techniques.map { .string($0) }),
        ])
    }

    public static func value(_ r: Report) -> JSONValue {
        var o: [String: JSONValue] = [
            "report": .object([
                "case": .string(r.caseName), "case_id": .string(r.caseID), "examiner": .string(r.examiner),
                "case_created": .string(r.caseCreated), "generated_at": .string(r.generatedAt.iso8601(precision: .seconds)),
                "jikocho": .string(r.version), "custody_head": .string(r.custodyHead),
                "custody_entries": .int(Int64(r.custodyEntries)), "events": .int(r.eventCount), "samples": .int(r.sampleCount),
            ]),
            "conclusion": conclusion(r),
            "other_chains": .array(r.otherChains.map(chain)),
            "findings": .array(r.findings.map { f in
                .object([
                    "id": f.id.map { .int($0) } ?? .null, "playbook": .string(f.playbook), "title": .string(f.title),
                    "severity": .string(f.severity.rawValue), "summary": .string(f.summary),
                    "techniques": .array(f.techniques.map { .string($0) }), "on_chain": .bool(f.onChain),
                    "events": .array(f.events.map { .int($0) }),
                    "steps": .array(f.steps.map { s in
                        var so: [String: JSONValue] = ["title": .string(s.title), "kind": .string(s.kind),
                                                       "time": .string(s.time.iso8601(precision: .milliseconds)),
                                                       "message": .string(s.message)]
                        if let w = s.shownSummary { so["in_plain_words"] = .string(w) }
                        if let rt = s.recordedTime { so["recorded_time"] = .string(rt.iso8601(precision: .milliseconds)) }
                        if let c = s.citation { so["evidence"] = cite(c) }
                        return .object(so)
                    }),
                    "recommendations": .array(f.recommendations.map { .string($0) }),
                ])
            }),
            "playbooks": .object([
                "run_at": opt(r.playbooksRunAt),
                "results": .array(r.playbooks.map { p in
                    .object(["playbook": .string(p.playbook), "findings": .int(Int64(p.findings)),
                             "gaps": .array(p.gaps.map { .string($0) })])
                }),
            ]),
            "clocks": .array(r.clocks.map { c in
                .object([
                    "clock": .string(c.name), "source": .string(c.source.rawValue),
                    "offset_s": .double(Double(c.correction.offsetNanos) / 1e9),
                    "drift_ppm": .double(Double(c.correction.driftPPB) / 1000),
                    "uncertainty_s": c.uncertaintyNanos.map { .double(Double($0) / 1e9) } ?? .null,
                    "reason": opt(c.reason), "pairs": c.pairs.map { .int(Int64($0)) } ?? .null,
                    "evidence": .array(c.items.map { .string($0) }),
                ])
            }),
            "evidence": .array(r.evidence.map { e in
                .object([
                    "id": .int(e.id), "name": .string(e.name), "sha256": .string(e.sha256), "size": .int(e.size),
                    "mime": opt(e.mime), "parent": e.parent.map { .int($0) } ?? .null, "collector": opt(e.collector),
                    "status": .string(e.status), "events": .int(e.events), "warnings": .int(e.warnings),
                    "samples": .int(e.samples), "clock": opt(e.clock),
                ])
            }),
            "gaps": .array(r.gaps.map { .object(["area": .string($0.area), "text": .string($0.text)]) }),
            "recommendations": .array(r.recommendations.map { .string($0) }),
        ]
        if let c = r.chain { o["chain"] = chain(c) }
        if let v = r.verify {
            o["verify"] = .object(["clean": .bool(v.clean), "objects": .int(Int64(v.objects)), "bytes": .int(v.bytes),
                                   "custody_entries": .int(Int64(v.custodyEntries)), "head": .string(v.head),
                                   "problems": .array(v.problems.map { .string($0) })])
        }
        if let i = r.impact {
            o["impact"] = .object([
                "asset": opt(i.asset), "headline": .string(i.headline), "evidence": cite(i.citation),
                "effects": .array(i.effects.map { e in
                    .object(["message": .string(e.message), "time": .string(e.time.iso8601(precision: .milliseconds)),
                             "evidence": cite(e.citation)])
                }),
                "from": .string(Timestamp(nanoseconds: i.from).iso8601(precision: .seconds)),
                "to": .string(Timestamp(nanoseconds: i.to).iso8601(precision: .seconds)),
                "series": .array(i.series.map { s in
                    .object(["name": .string(s.name), "unit": opt(s.unit), "samples": .int(Int64(s.samples)),
                             "min": s.points.map(\.1).min().map { .double($0) } ?? .null,
                             "max": s.points.map(\.1).max().map { .double($0) } ?? .null])
                }),
                "writes": .array(i.markers.map { m in
                    .object(["time": .string(Timestamp(nanoseconds: m.time).iso8601(precision: .milliseconds)),
                             "label": .string(m.label), "step": m.step.map { .int(Int64($0)) } ?? .null,
                             "evidence": cite(m.citation)])
                }),
                "clock_note": opt(i.clockNote),
            ])
        }
        return .object(o)
    }
}

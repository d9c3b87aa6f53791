import EvidenceStore
import Foundation
import JikochoModel

/// The report as Markdown, for tickets and wikis. Evidence strings are escaped so that no Markdown or HTML in them
/// takes effect; newlines in them become spaces so that a table cell or list item stays one.
public enum Markdown {
    public static func escape(_ s: some StringProtocol) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "|", "#", "!", "~", "{", "}": out += "\\\(ch)"
            case "\n", "\r", "\r\n", "\t": out += " "
            default:
                if ch.unicodeScalars.allSatisfy({ $0.value < 0x20 || $0.value == 0x7F }) { out += "\u{FFFD}" } else { out.append(ch) }
            }
        }
        return out
    }

    /// A code span for identifiers (hashes, kinds, playbook names): only characters that cannot break out of it or
    /// form markup are kept; anything else is escaped text instead.
    static func code(_ s: some StringProtocol) -> String {
        let safe = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || ".-_:@/+ ".unicodeScalars.contains($0) }
        return safe && !s.isEmpty ? "`\(s)`" : escape(s)
    }

    static func t(_ t: Timestamp) -> String { t.iso8601(precision: .milliseconds) }
    static func cite(_ c: Citation) -> String {
        "\(code(c.sha256.prefix(12))) \(escape(c.evidence)) · \(escape(c.locator)) · event #\(c.eventID)"
    }
    static func techs(_ ts: [String]) -> String {
        ts.map { id in Techniques.name(id).map { "\(escape(id)) (\($0))" } ?? escape(id) }.joined(separator: ", ")
    }

    /// `reference`: what an exercise's reference report keeps (`make exercises`): nothing that changes from one
    /// making to the next (case id, examiner, the time of making, custody head and counts, the time the playbooks ran).
    public static func render(_ r: Report, reference: Bool = false) -> String {
        var m = "# Root-cause report — \(escape(r.caseName))\n\n"
        if reference {
            m += "Reference report made by `make exercises` with Jikocho \(escape(r.version)): what a case of this exercise "
                + "investigated with `jikocho investigate` concludes. Times are UTC, corrected for clock error; recorded "
                + "times are given where they differ.\n\n"
        } else {
            m += "Case \(code(r.caseID)) · examiner \(escape(r.examiner)) · made \(r.generatedAt.iso8601(precision: .seconds)) by "
                + "Jikocho \(escape(r.version)) · custody head \(code(r.custodyHead.prefix(16))) (\(r.custodyEntries) entries). "
                + "Times are UTC, corrected for clock error; recorded times are given where they differ.\n\n"
        }
        let c = r.conclusion
        m += "## Conclusion\n\n**\(escape(c.verdict))**\n\n\(escape(c.rootCause))\n\nConfidence: **\(escape(c.confidence))**\n\n"
        for reason in c.reasons { m += "- \(escape(reason))\n" }
        if !c.techniques.isEmpty { m += "\nATT&CK: \(techs(c.techniques))\n" }
        if !c.clockOffsets.isEmpty {
            m += "\nClock corrections used: " + c.clockOffsets.map { o in
                "\(escape(o.clock)) \(o.seconds >= 0 ? "+" : "")\(String(format: "%.3f", o.seconds)) s"
                    + (o.uncertainty.map { " ± \(String(format: "%.3f", $0)) s" } ?? "")
            }.joined(separator: "; ") + "\n"
        }
        if let chain = r.chain {
            m += "\n## Attack chain\n\n\(escape(HTML.sentence(chain.end)))\n\n"
            for s in chain.steps {
                m += "\(s.number). **\(t(s.time))** \(escape(s.role)) on **\(escape(s.asset ?? "—"))**"
                    + (s.user.map { " (\(escape($0)))" } ?? "") + ": \(code(s.kind)) \(escape(s.shownSummary ?? s.message))\n"
                if s.shownSummary != nil { m += "   - the record as written: \(code(s.message))\n" }
                if s.corrected { m += "   - recorded \(t(s.recordedTime)) by its source's clock\n" }
                if !s.techniques.isEmpty { m += "   - ATT&CK: \(techs(s.techniques))\n" }
                m += "   - evidence: \(cite(s.citation))\n"
                for n in s.notes { m += "   - note: \(escape(n))\n" }
                for a in chain.alternatives where a.step == s.number {
                    m += "   - competing explanation\(a.ruledOut ? ", ruled out" : ""): \(escape(a.why)) (\(cite(a.citation)))\n"
                }
                if let l = s.link {
                    m += "   - ↓ \(escape(l.rule)), \(Fmt.duration(l.gapNanos)) later: \(escape(l.why))\n"
                }
            }
        }
        if let i = r.impact {
            m += "\n## Physical impact\n\n\(escape(i.headline)) (\(cite(i.citation)))\n\n"
            for e in i.effects { m += "- \(t(e.time)) \(escape(e.message)) (\(cite(e.citation)))\n" }
            if !i.series.isEmpty {
                m += "\n| Series | Unit | Samples | Min | Max |\n|---|---|---|---|---|\n"
                for s in i.series {
                    let vs = s.points.map(\.1)
                    m += "| \(escape(s.name)) | \(escape(s.unit ?? "")) | \(s.samples) | "
                        + "\(vs.min().map(SVG.value) ?? "") | \(vs.max().map(SVG.value) ?? "") |\n"
                }
            }
            if !i.markers.isEmpty {
                m += "\nWrites and commands to \(escape(i.asset ?? "the controller")) in the window:\n\n| Time | Write or command | Step | Evidence |\n|---|---|---|---|\n"
                for w in i.markers.prefix(60) {
                    m += "| \(t(Timestamp(nanoseconds: w.time))) | \(escape(w.label)) | \(w.step.map(String.init) ?? "") | \(cite(w.citation)) |\n"
                }
            }
            if let note = i.clockNote { m += "\n\(escape(note))\n" }
        }
        m += "\n## Findings\n\n"
        if r.findings.isEmpty { m += "No playbook found anything.\n" }
        for f in r.findings {
            m += "### \(f.severity.rawValue.uppercased()): \(escape(f.title))\n\n"
            m += "Playbook \(code(f.playbook))\(f.id.map { " · finding #\($0)" } ?? "")\(f.onChain ? " · rests on the attack chain" : "")\n\n"
            m += "\(escape(f.summary))\n\n"
            if !f.techniques.isEmpty { m += "ATT&CK: \(techs(f.techniques))\n\n" }
            for s in f.steps.prefix(40) {
                m += "- \(t(s.time)) \(escape(s.title)): \(code(s.kind)) \(escape(s.shownSummary ?? s.message))"
                    + (s.citation.map { " (\(cite($0)))" } ?? "") + "\n"
            }
            m += "\n"
        }
        if !r.playbooks.isEmpty {
            m += "Playbooks run: " + r.playbooks.map { p in
                "\(code(p.playbook)) (\(p.findings)\(p.gaps.isEmpty ? "" : "; could not look: " + p.gaps.map { escape($0) }.joined(separator: "; ")))"
            }.joined(separator: ", ") + "\n"
        }
        m += "\n## Clocks\n\n| Clock | Source | Correction | Uncertainty | Basis |\n|---|---|---|---|---|\n"
        for k in r.clocks {
            m += "| \(escape(k.name)) | \(k.source.rawValue) | \(k.correction.isNone ? "none" : Fmt.signed(k.correction.offsetNanos)) | "
                + "\(k.uncertaintyNanos.map { "± \(Fmt.duration($0))" } ?? "") | \(escape(k.reason ?? "")) |\n"
        }
        m += "\n## Evidence and custody\n\n"
        if let v = r.verify, !reference {
            m += v.clean ? "Verified at report time: \(v.objects) originals match their SHA-256; custody chain of "
                + "\(v.custodyEntries) entries unbroken.\n\n"
                : "**The case does NOT verify:** \(v.problems.map { escape($0) }.joined(separator: "; "))\n\n"
        }
        m += "| # | Item | SHA-256 | Size | Status | Events | Warnings | Clock |\n|---|---|---|---|---|---|---|---|\n"
        for e in r.evidence {
            m += "| \(e.id) | \(escape(e.name)) | \(code(e.sha256)) | \(e.size) | \(escape(e.status)) | \(e.events) | \(e.warnings) | \(escape(e.clock ?? "")) |\n"
        }
        m += "\n## Gaps and uncertainty\n\n"
        if r.gaps.isEmpty { m += "None found.\n" }
        for g in r.gaps { m += "- **\(escape(g.area))**: \(escape(g.text))\n" }
        m += "\n## Recommendations\n\n"
        if r.recommendations.isEmpty { m += "None.\n" }
        for (i, rec) in r.recommendations.enumerated() { m += "\(i + 1). \(escape(rec))\n" }
        return m
    }
}

import EvidenceStore
import Foundation
import JikochoModel

/// The report as one self-contained HTML file: inline CSS and SVG, no scripts, no fonts or images from elsewhere.
/// Every string that comes from the case goes through `escape`, in text and in attributes alike.
public enum HTML {
    public static func escape(_ s: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}":
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A phrase as a sentence: capital first letter, full stop.
    static func sentence(_ s: String) -> String {
        guard let f = s.first else { return s }
        let t = f.uppercased() + s.dropFirst()
        return t.hasSuffix(".") ? t : t + "."
    }

    static func time(_ t: Timestamp) -> String { t.iso8601(precision: .milliseconds) }

    static func cite(_ c: Citation) -> String {
        "<span class=\"cite\" title=\"SHA-256 \(escape(c.sha256))\"><code>\(escape(String(c.sha256.prefix(12))))</code> "
            + "\(escape(c.evidence)) · \(escape(c.locator)) · event #\(c.eventID)</span>"
    }

    static func chips(_ techniques: [String]) -> String {
        techniques.map { t in
            "<span class=\"chip\" title=\"\(escape(Techniques.name(t) ?? t))\">\(escape(t))"
                + (Techniques.name(t).map { " <span class=\"chipname\">\(escape($0))</span>" } ?? "") + "</span>"
        }.joined(separator: " ")
    }

    static func size(_ bytes: Int64) -> String {
        let b = Double(bytes)
        let k = 1024.0
        if b >= k * k * k { return String(format: "%.1f GiB", b / (k * k * k)) }
        if b >= k * k { return String(format: "%.1f MiB", b / (k * k)) }
        if b >= k { return String(format: "%.1f KiB", b / k) }
        return "\(bytes) B"
    }

    public static func render(_ r: Report) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="Jikocho \(escape(r.version))">
            <title>Root-cause report — \(escape(r.caseName))</title>
            <style>\(css)</style></head><body><main>

            """
        let c = r.conclusion
        let verdictClass = c.cyberCause == true ? "cyber" : c.cyberCause == false ? "nocyber" : "unknown"
        h += "<header><p class=\"kicker\">Jikocho root-cause report · 事故調査報告書</p>"
        h += "<h1>\(escape(r.caseName))</h1>"
        h += "<p class=\"meta\">Case <code>\(escape(r.caseID))</code> · examiner \(escape(r.examiner)) · report made "
            + "\(escape(r.generatedAt.iso8601(precision: .seconds))) by Jikocho \(escape(r.version)) · custody head "
            + "<code>\(escape(String(r.custodyHead.prefix(16))))</code> (\(r.custodyEntries) entries) · "
            + "\(r.eventCount) events, \(r.sampleCount) samples. All times are UTC, corrected for clock error; "
            + "recorded times are given where they differ.</p></header>"

        // Conclusion.
        h += "<section class=\"verdict \(verdictClass)\"><h2>Conclusion</h2>"
        h += "<p class=\"headline\">\(escape(c.verdict))</p>"
        h += "<p class=\"rootcause\">\(escape(c.rootCause))</p>"
        if let chain = r.chain { h += facts(chain) }
        h += "<p><span class=\"conf conf-\(escape(c.confidence))\">Confidence: \(escape(c.confidence))</span></p>"
        if !c.reasons.isEmpty {
            h += "<ul class=\"reasons\">" + c.reasons.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
        }
        if !c.techniques.isEmpty { h += "<p class=\"techs\">ATT&amp;CK: \(chips(c.techniques))</p>" }
        if !c.clockOffsets.isEmpty {
            h += "<p class=\"small\">Clock corrections used: " + c.clockOffsets.map { o in
                "\(escape(o.clock)) \(o.seconds >= 0 ? "+" : "")\(String(format: "%.3f", o.seconds)) s"
                    + (o.uncertainty.map { " ± \(String(format: "%.3f", $0)) s" } ?? "")
            }.joined(separator: "; ") + ".</p>"
        }
        h += "</section>"

        h += "<nav><ol>"
        var sections: [(String, String)] = []
        if r.chain != nil { sections.append(("chain", "Attack chain")) }
        if r.impact != nil { sections.append(("impact", "Physical impact")) }
        if r.swimlanes != nil { sections.append(("lanes", "Swimlanes")) }
        sections += [("findings", "Findings"), ("clocks", "Clocks"), ("evidence", "Evidence and custody"),
                     ("gaps", "Gaps and uncertainty"), ("recommendations", "Recommendations")]
        h += sections.map { "<li><a href=\"#\($0.0)\">\($0.1)</a></li>" }.joined() + "</ol></nav>"

        if let chain = r.chain { h += chainSection(chain) }
        if let impact = r.impact { h += impactSection(impact) }
        if let lanes = r.swimlanes { h += lanesSection(lanes, chain: r.chain) }
        h += findingsSection(r)
        h += clocksSection(r)
        h += evidenceSection(r)
        h += gapsSection(r)
        h += "<section id=\"recommendations\"><h2>Recommendations</h2>"
        if r.recommendations.isEmpty { h += "<p>None: no finding calls for action.</p>" } else {
            h += "<ol>" + r.recommendations.map { "<li>\(escape($0))</li>" }.joined() + "</ol>"
        }
        h += "</section>"
        h += "<footer>Made by Jikocho \(escape(r.version)) from case <code>\(escape(r.caseID))</code> at custody head "
            + "<code>\(escape(r.custodyHead))</code>. Each citation gives the first 12 hex digits of the evidence item's "
            + "SHA-256 and the place in it (packet, line, record); <code>jikocho verify</code> rechecks every original "
            + "and the custody chain.</footer>"
        return h + "</main></body></html>\n"
    }

    /// The chain at a glance: where it came from, how it got in, which accounts, what it wrote, what moved.
    static func facts(_ chain: ReportChain) -> String {
        guard let first = chain.steps.first, let last = chain.steps.last else { return "" }
        var rows: [(String, String)] = []
        if chain.reachesOutside, let ip = first.src { rows.append(("Origin", "<code>\(escape(ip))</code>, outside the site")) }
        rows.append(("Entry", "<span class=\"when\">\(escape(time(first.time)))</span> \(escape(first.role)) on "
                     + "<b>\(escape(first.asset ?? "?"))</b>" + (first.user.map { " as <b>\(escape($0))</b>" } ?? "")))
        var users: [String] = []
        for s in chain.steps { if let u = s.user, !users.contains(u) { users.append(u) } }
        if !users.isEmpty { rows.append(("Accounts", users.map { "<b>\(escape($0))</b>" }.joined(separator: ", "))) }
        let hosts = chain.steps.filter { $0.role == "logon session" || $0.role == "gateway session" }.compactMap(\.asset)
        if !hosts.isEmpty { rows.append(("Hosts", hosts.map { escape($0) }.joined(separator: " → "))) }
        for w in chain.steps where w.role == "controller write" {
            rows.append(("Write", "<span class=\"when\">\(escape(time(w.time)))</span> \(escape(w.message))"))
        }
        rows.append(("Effect", "<span class=\"when\">\(escape(time(last.time)))</span> \(escape(last.message)) on "
                     + "<b>\(escape(last.asset ?? "?"))</b>"))
        rows.append(("Span", "\(Fmt.human(last.time.nanoseconds - first.time.nanoseconds)) from entry to effect, "
                     + "\(chain.steps.count) steps"))
        return "<table class=\"facts\"><tbody>" + rows.map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }.joined()
            + "</tbody></table>"
    }

    static func chainSection(_ chain: ReportChain) -> String {
        var h = "<section id=\"chain\"><h2>Attack chain</h2>"
        let linked = chain.steps.contains { $0.link != nil }
        h += "<p class=\"lead\">\(chain.steps.count) steps, each found in the evidence"
            + (linked ? " and joined to the next by a rule named below. " : ", in time order. ")
            + "\(escape(sentence(chain.end)))</p><ol class=\"chain\">"
        for s in chain.steps {
            h += "<li class=\"step\"><div class=\"stephead\"><span class=\"num\">\(s.number)</span>"
            h += "<span class=\"when\">\(escape(time(s.time)))</span>"
            h += "<span class=\"role\">\(escape(s.role))</span>"
            h += "<span class=\"asset\">\(escape(s.asset ?? "—"))</span>"
            if let u = s.user { h += "<span class=\"user\">\(escape(u))</span>" }
            h += "</div>"
            if let summary = s.shownSummary {
                // A device's machine record: what it says in plain words, the record itself folded.
                h += "<p class=\"msg\"><code>\(escape(s.kind))</code> \(escape(summary))</p>"
                h += "<details class=\"record\"><summary>the record as written (\(s.message.count) characters)</summary>"
                    + "<pre>\(escape(s.message))</pre></details>"
            } else {
                h += "<p class=\"msg\"><code>\(escape(s.kind))</code> \(escape(s.message))</p>"
            }
            if s.corrected {
                h += "<p class=\"small\">Recorded \(escape(time(s.recordedTime))) by its source's clock; corrected by "
                    + "\(Fmt.signed(s.time.nanoseconds - s.recordedTime.nanoseconds)).</p>"
            }
            if !s.techniques.isEmpty { h += "<p class=\"techs\">\(chips(s.techniques))</p>" }
            h += "<p class=\"evid\">Evidence: \(cite(s.citation))</p>"
            for n in s.notes { h += "<p class=\"note\">\(escape(n))</p>" }
            for a in chain.alternatives where a.step == s.number {
                h += a.ruledOut
                    ? "<p class=\"alt ruled\">Competing explanation, ruled out: \(escape(a.why)) — \(cite(a.citation))</p>"
                    : "<p class=\"alt\">Competing explanation: \(escape(a.why)) — \(cite(a.citation))</p>"
            }
            if let l = s.link {
                h += "<p class=\"link\">↓ <b>\(escape(l.rule))</b>, \(Fmt.duration(l.gapNanos)) later: \(escape(l.why))</p>"
            }
            h += "</li>"
        }
        return h + "</ol></section>"
    }

    static func impactSection(_ i: ProcessImpact) -> String {
        var h = "<section id=\"impact\"><h2>Physical impact</h2>"
        h += "<p class=\"lead\">\(escape(i.headline)) — \(cite(i.citation))</p>"
        if !i.effects.isEmpty {
            h += "<ul>" + i.effects.map { e in "<li><span class=\"when\">\(escape(time(e.time)))</span> \(escape(e.message)) — \(cite(e.citation))</li>" }.joined() + "</ul>"
        }
        if i.series.isEmpty {
            h += "<p>No historian series of \(escape(i.asset ?? "the controller")) is in the case to plot.</p>"
        } else {
            let related = i.related.isEmpty ? "" : " and of " + i.related.map { escape($0) }.joined(separator: ", ")
                + ", which moved in the same minutes,"
            h += "<figure>\(SVG.processPlot(i))<figcaption>Values of \(escape(i.asset ?? "the controller"))'s tags\(related) from "
                + "\(escape(Timestamp(nanoseconds: i.from).iso8601(precision: .seconds))) to "
                + "\(escape(Timestamp(nanoseconds: i.to).iso8601(precision: .seconds))). "
                + (i.markers.contains { $0.step != nil }
                    ? "Red numbered lines: the chain's writes; grey lines with a triangle: other writes to the same controller. "
                    : "Grey lines with a triangle: writes to the controller (none is on a chain from a suspicious session). ")
                + "Dashed: the alarm limits of the inventory. \(escape(i.clockNote ?? ""))</figcaption></figure>"
        }
        if !i.markers.isEmpty {
            h += "<table><thead><tr><th>Time</th><th>Write</th><th>Chain step</th><th>Evidence</th></tr></thead><tbody>"
            for m in i.markers.prefix(60) {
                h += "<tr class=\"\(m.step != nil ? "onchain" : "")\"><td class=\"when\">\(escape(time(Timestamp(nanoseconds: m.time))))</td>"
                    + "<td>\(escape(m.label))</td><td>\(m.step.map { "\($0)" } ?? "")</td><td>\(cite(m.citation))</td></tr>"
            }
            h += "</tbody></table>"
            if i.markers.count > 60 { h += "<p class=\"small\">… and \(i.markers.count - 60) more writes.</p>" }
        }
        return h + "</section>"
    }

    static func lanesSection(_ l: Swimlanes, chain: ReportChain?) -> String {
        var h = "<section id=\"lanes\"><h2>Swimlanes</h2>"
        h += "<p class=\"lead\">Every event from \(escape(Timestamp(nanoseconds: l.from).iso8601(precision: .seconds))) to "
            + "\(escape(Timestamp(nanoseconds: l.to).iso8601(precision: .seconds))) by layer. Numbered circles: the "
            + "chain's steps, joined in order; tall dark ticks: events a finding rests on.</p>"
        h += "<figure>\(SVG.swimlanes(l, chain: chain))</figure>"
        if l.truncated {
            h += "<p class=\"small\">The window holds \(l.counts.values.reduce(0, +)) events; the first "
                + "\(l.events.count) and every marked one are drawn.</p>"
        }
        return h + "</section>"
    }

    static func findingsSection(_ r: Report) -> String {
        var h = "<section id=\"findings\"><h2>Findings</h2>"
        if r.findings.isEmpty {
            h += "<p>No playbook found anything" + (r.playbooks.isEmpty ? " (no playbooks have been run)." : ".") + "</p>"
        }
        for f in r.findings {
            h += "<article class=\"finding sev-\(f.severity.rawValue)\"><h3><span class=\"sev\">\(f.severity.rawValue)</span> "
                + "\(escape(f.title))</h3>"
            h += "<p class=\"small\">Playbook <code>\(escape(f.playbook))</code>\(f.id.map { " · finding #\($0)" } ?? "")"
                + (f.onChain ? " · rests on the attack chain" : "") + "</p>"
            h += "<p>\(escape(f.summary))</p>"
            if !f.techniques.isEmpty { h += "<p class=\"techs\">\(chips(f.techniques))</p>" }
            if !f.steps.isEmpty {
                h += "<table><thead><tr><th>Step</th><th>Time</th><th>What</th><th>Evidence</th></tr></thead><tbody>"
                for s in f.steps.prefix(40) {
                    let rec = s.recordedTime.map { "<br><span class=\"small\">recorded \(escape(time($0)))</span>" } ?? ""
                    h += "<tr><td>\(escape(s.title))</td><td class=\"when\">\(escape(time(s.time)))\(rec)</td>"
                        + "<td><code>\(escape(s.kind))</code> " + (s.shownSummary.map { w in
                            "\(escape(w))<details class=\"record\"><summary>the record as written (\(s.message.count) characters)"
                                + "</summary><pre>\(escape(s.message))</pre></details>" } ?? escape(s.message)) + "</td>"
                        + "<td>\(s.citation.map(cite) ?? "")</td></tr>"
                }
                h += "</tbody></table>"
            }
            h += "</article>"
        }
        if !r.playbooks.isEmpty {
            h += "<h3>Playbooks run</h3><p class=\"small\">At \(escape(r.playbooksRunAt ?? "?")).</p><table><thead><tr><th>Playbook</th>"
                + "<th>Findings</th><th>Could not look</th></tr></thead><tbody>"
            for p in r.playbooks {
                h += "<tr><td><code>\(escape(p.playbook))</code></td><td>\(p.findings)</td>"
                    + "<td>\(p.gaps.map { escape($0) }.joined(separator: "<br>"))</td></tr>"
            }
            h += "</tbody></table>"
        }
        if !r.otherChains.isEmpty {
            h += "<h3>Other changes traced</h3><p class=\"small\">Process changes that are not the incident's (an "
                + "operator's correction, routine adjustments), each traced back as far as the evidence goes.</p>"
                + "<table><thead><tr><th>Change</th><th>Traced to</th><th>Why the trail ends</th></tr></thead><tbody>"
            for ch in r.otherChains {
                guard let first = ch.steps.first, let last = ch.steps.last else { continue }
                h += "<tr><td><span class=\"when\">\(escape(time(last.time)))</span><br>\(escape(last.message)) on "
                    + "\(escape(last.asset ?? "?"))</td><td><span class=\"when\">\(escape(time(first.time)))</span><br>"
                    + "\(escape(first.role)) on \(escape(first.asset ?? "?"))\(first.user.map { " (\(escape($0)))" } ?? "")"
                    + " — \(ch.steps.count) steps</td><td>\(escape(sentence(ch.end)))"
                    + (ch.restores ? " <b>Restores the value held before</b> (a correction)." : "")
                    + (ch.overwritesMeasurement ? " <b>A measurement overwritten</b>: the tag showed the value written." : "")
                    + ch.alternatives.map { " Competing: \(escape($0.why))." }.joined() + "</td></tr>"
            }
            h += "</tbody></table>"
        }
        return h + "</section>"
    }

    static func clocksSection(_ r: Report) -> String {
        var h = "<section id=\"clocks\"><h2>Clocks</h2><p class=\"lead\">Each evidence item's times come from a clock; "
            + "captures are the reference. Corrections add the offset (and drift) to recorded times; events keep both.</p>"
        h += "<table><thead><tr><th>Clock</th><th>Source</th><th>Correction</th><th>Uncertainty</th><th>Basis</th>"
            + "<th>Evidence</th></tr></thead><tbody>"
        for c in r.clocks {
            let corr = c.correction.isNone ? "none" : Fmt.signed(c.correction.offsetNanos)
                + (c.correction.driftPPB != 0 ? ", drift \(String(format: "%.3f", Double(c.correction.driftPPB) / 1000)) ppm" : "")
            h += "<tr><td><b>\(escape(c.name))</b></td><td>\(escape(c.source.rawValue))</td><td>\(escape(corr))</td>"
                + "<td>\(c.uncertaintyNanos.map { "± \(Fmt.duration($0))" } ?? "")</td>"
                + "<td>\(escape(c.reason ?? ""))\((c.reason ?? "").contains("pair") ? "" : c.pairs.map { " (\($0) pairs)" } ?? "")</td>"
                + "<td>\(c.items.map { escape($0) }.joined(separator: "<br>"))</td></tr>"
        }
        return h + "</tbody></table></section>"
    }

    static func evidenceSection(_ r: Report) -> String {
        var h = "<section id=\"evidence\"><h2>Evidence and custody</h2>"
        if let v = r.verify {
            h += v.clean
                ? "<p class=\"ok\">Verified at report time: \(v.objects) originals (\(size(v.bytes))) match their SHA-256, "
                    + "and the custody chain of \(v.custodyEntries) entries is unbroken (head <code>\(escape(String(v.head.prefix(16))))</code>).</p>"
                : "<p class=\"bad\">The case does NOT verify: " + v.problems.map { escape($0) }.joined(separator: "; ") + "</p>"
        } else {
            h += "<p class=\"small\">Not verified for this report (run <code>jikocho verify</code>).</p>"
        }
        h += "<table class=\"inv\"><thead><tr><th>#</th><th>Item and SHA-256</th><th>Size</th><th>Read by</th>"
            + "<th>Status</th><th>Events</th><th>Warnings</th><th>Clock</th></tr></thead><tbody>"
        for e in r.evidence {
            h += "<tr><td>\(e.id)</td><td>\(escape(e.name)) <span class=\"small\">\(escape(e.mime ?? ""))</span>"
                + "<br><code class=\"hash\">\(escape(e.sha256))</code></td><td>\(size(e.size))</td>"
                + "<td>\(escape(e.collector ?? "—"))</td><td class=\"st-\(escape(e.status.replacingOccurrences(of: " ", with: "-")))\">\(escape(e.status))</td>"
                + "<td>\(e.events)\(e.samples > 0 ? "<br><span class=\"small\">\(e.samples) samples</span>" : "")</td>"
                + "<td>\(e.warnings)</td><td>\(escape(e.clock ?? ""))</td></tr>"
        }
        return h + "</tbody></table></section>"
    }

    static func gapsSection(_ r: Report) -> String {
        var h = "<section id=\"gaps\"><h2>Gaps and uncertainty</h2>"
        if r.gaps.isEmpty { return h + "<p>None found.</p></section>" }
        h += "<p class=\"lead\">What the case cannot show, and where the times are less certain. A missing source can "
            + "hide a step; none of these is evidence of innocence.</p><ul class=\"gaps\">"
        for g in r.gaps { h += "<li><span class=\"area\">\(escape(g.area))</span> \(escape(g.text))</li>" }
        return h + "</ul></section>"
    }

    static let css = """
        :root{--ink:#1d2329;--mute:#5c6670;--line:#d8dde2;--bg:#fff;--soft:#f4f6f8;--red:#c92a2a;--amber:#e67700;--green:#2b8a3e;--blue:#1c5d99}
        *{box-sizing:border-box}
        body{margin:0;background:var(--soft);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans","DejaVu Sans","Hiragino Sans","Hiragino Kaku Gothic ProN","Yu Gothic UI",Meiryo,"Noto Sans CJK JP",sans-serif}
        main{max-width:1040px;margin:0 auto;background:var(--bg);padding:28px 40px 40px}
        h1{font-size:26px;margin:4px 0 6px}h2{font-size:20px;margin:0 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
        h3{font-size:16px;margin:14px 0 6px}
        section{margin:26px 0}
        code{font:12.5px/1.4 "Noto Sans Mono","DejaVu Sans Mono",ui-monospace,monospace;background:var(--soft);padding:0 3px;border-radius:3px;overflow-wrap:anywhere}
        .kicker{margin:0;color:var(--mute);font-size:13px;letter-spacing:.04em;text-transform:uppercase}
        .meta,.small,figcaption{color:var(--mute);font-size:13px}
        .lead{color:#333}
        nav ol{display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:0;list-style:none;counter-reset:n;font-size:14px}
        nav li{counter-increment:n}nav li::before{content:counter(n) ". ";color:var(--mute)}
        nav a{color:var(--blue);text-decoration:none}
        .verdict{border-left:6px solid var(--mute);background:var(--soft);padding:14px 18px;border-radius:4px}
        .verdict.cyber{border-color:var(--red);background:#fff5f5}.verdict.nocyber{border-color:var(--green);background:#f3faf4}
        .verdict h2{border:0;margin:0;font-size:14px;text-transform:uppercase;letter-spacing:.05em;color:var(--mute)}
        .headline{font-size:19px;font-weight:700;margin:4px 0}
        .rootcause{font-size:16px;margin:6px 0 10px}
        .conf{display:inline-block;font-weight:600;padding:1px 8px;border-radius:10px;background:#e9ecef}
        .conf-high{background:#d3f9d8;color:#1b5e20}.conf-medium{background:#fff3bf;color:#7a4a00}.conf-low{background:#ffe3e3;color:#8a1c1c}
        .reasons{margin:6px 0;padding-left:20px;font-size:14px}
        .chip{display:inline-block;border:1px solid #c5cdd6;border-radius:4px;padding:0 5px;margin:1px 0;font-size:12.5px;background:#fff;white-space:nowrap}
        .chipname{color:var(--mute)}
        ol.chain{list-style:none;padding:0;margin:0}
        .step{border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:0 0 10px;break-inside:avoid}
        .stephead{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}
        .num{display:inline-flex;width:26px;height:26px;border-radius:13px;background:var(--red);color:#fff;font-weight:700;align-items:center;justify-content:center}
        .when{font:13px "Noto Sans Mono","DejaVu Sans Mono",monospace;white-space:nowrap}
        .role{font-weight:700}.asset{background:#e7f0fa;color:var(--blue);padding:0 6px;border-radius:3px}
        .user{background:#f1e9fb;color:#5f3dc4;padding:0 6px;border-radius:3px}
        .msg{margin:6px 0 2px;overflow-wrap:anywhere}details.record{margin:2px 0 4px;font-size:13px;color:#555}details.record pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0;font-size:12.5px}.evid,.note,.alt,.link{margin:3px 0;font-size:13.5px}
        .note{color:#7a4a00}.alt{color:#8a1c1c}.alt.ruled{color:var(--mute)}.link{color:var(--mute);border-top:1px dashed var(--line);padding-top:5px}
        .cite{font-size:12.5px;color:var(--mute);overflow-wrap:anywhere}
        figure{margin:10px 0}svg{width:100%;height:auto;display:block}
        svg text{font:11px system-ui,"Segoe UI",Arial,"DejaVu Sans","Hiragino Sans",Meiryo,"Noto Sans CJK JP",sans-serif;fill:#3d454d}
        svg .sname{font-weight:700;font-size:12px;fill:var(--ink)}svg .tick{fill:var(--mute)}
        svg .panel{fill:#fafbfc;stroke:var(--line)}svg .grid{stroke:#e9ecef}
        svg .pv{fill:none;stroke:var(--blue);stroke-width:1.5}svg .sp{fill:none;stroke:#5f3dc4;stroke-width:2}
        svg .limit{stroke:var(--amber);stroke-dasharray:5 4}svg .limitlabel{fill:var(--amber);font-size:10px}
        svg .chainmk line{stroke:var(--red);stroke-width:1.5}svg .chainmk circle{fill:var(--red)}svg .chainmk text{fill:#fff;font-weight:700}
        svg .othermk line{stroke:#868e96;stroke-dasharray:3 3}svg .othermk path{fill:#868e96}
        svg .lane0{fill:#fafbfc}svg .lane1{fill:#f1f3f5}svg .lane{stroke:var(--line)}
        svg .ev{stroke-width:1;stroke-opacity:.55}svg .ev-it{stroke:#1c5d99}svg .ev-network{stroke:#0b7285}svg .ev-ot{stroke:#5f3dc4}svg .ev-process{stroke:#2b8a3e}
        svg .evf{stroke:#212529;stroke-width:1.5}
        svg .path{fill:none;stroke:var(--red);stroke-width:2;stroke-opacity:.8}
        svg .stepmk circle{fill:var(--red);stroke:#fff;stroke-width:2}svg .stepmk text{fill:#fff;font-weight:700}
        table{border-collapse:collapse;width:100%;font-size:13.5px;margin:8px 0}
        th,td{border-bottom:1px solid var(--line);padding:5px 6px;text-align:left;vertical-align:top}
        th{background:var(--soft);font-weight:600}
        tr.onchain td{background:#fff5f5}
        table.facts{width:auto;margin:4px 0 10px;font-size:14px}table.facts th{background:none;color:var(--mute);font-weight:600;padding:2px 14px 2px 0;border:0;white-space:nowrap}
        table.facts td{border:0;padding:2px 0}
        .hash{font-size:11px;word-break:break-all}
        .inv td:nth-child(2){min-width:330px}
        .st-complete{color:var(--green)}.st-failed,.st-running,.st-incomplete{color:var(--red);font-weight:600}.st-not-parsed{color:var(--mute)}
        .finding{border:1px solid var(--line);border-left:5px solid var(--mute);border-radius:6px;padding:8px 14px;margin:10px 0;break-inside:avoid}
        .finding h3{margin:2px 0}
        .sev{display:inline-block;text-transform:uppercase;font-size:11.5px;font-weight:700;color:#fff;background:var(--mute);padding:1px 6px;border-radius:3px;vertical-align:2px}
        .sev-critical{border-left-color:#a61e1e}.sev-critical .sev{background:#a61e1e}
        .sev-high{border-left-color:#d9480f}.sev-high .sev{background:#d9480f}
        .sev-medium{border-left-color:var(--amber)}.sev-medium .sev{background:var(--amber)}
        .sev-low .sev{background:var(--green)}
        .gaps{padding-left:20px}.area{display:inline-block;min-width:70px;font-size:12px;text-transform:uppercase;color:var(--mute);font-weight:600}
        .ok{color:var(--green);font-weight:600}.bad{color:var(--red);font-weight:700}
        footer{margin-top:30px;padding-top:10px;border-top:1px solid var(--line);color:var(--mute);font-size:12.5px}
        @media (max-width:700px){main{padding:16px}.inv td:nth-child(2){min-width:0}}
        @media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}nav{display:none}section{break-inside:auto}.step,.finding,figure{break-inside:avoid}a{color:inherit}}
        """
}

import Collectors
import EvidenceStore
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

@testable import Reports

/// What our HTML may contain: the tags and attributes the renderer writes, nothing else. A string from evidence that
/// escaped its escaping would show up as a tag or attribute outside these lists.
enum HTMLShape {
    static let tags: Set<String> = [
        "html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section", "article", "nav",
        "h1", "h2", "h3", "p", "div", "span", "b", "br", "code", "ul", "ol", "li", "a", "figure", "figcaption",
        "table", "thead", "tbody", "tr", "th", "td", "svg", "g", "line", "rect", "path", "circle", "text",
    ]
    static let attributes: Set<String> = [
        "lang", "charset", "name", "id", "content", "class", "title", "href", "viewBox", "role", "aria-label", "xmlns",
        "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "d", "width", "height", "text-anchor",
    ]

    /// Every tag and attribute outside the lists, every link that leaves the page, and a style sheet that is not ours.
    static func problems(_ html: String) -> [String] {
        var out: [String] = []
        let tag = try! NSRegularExpression(pattern: "<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>")
        let attr = try! NSRegularExpression(pattern: "([A-Za-z][A-Za-z0-9:-]*)=\"([^\"]*)\"")
        let ns = html as NSString
        for m in tag.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range(at: 2))
            if !tags.contains(name) { out.append("tag <\(name)>") }
            var rest = ns.substring(with: m.range(at: 3))
            let rns = rest as NSString
            for a in attr.matches(in: rest, range: NSRange(location: 0, length: rns.length)) {
                let an = rns.substring(with: a.range(at: 1)), av = rns.substring(with: a.range(at: 2))
                if !attributes.contains(an) { out.append("attribute \(an) on <\(name)>") }
                if an == "href", !av.hasPrefix("#") { out.append("link \(av)") }
                if an == "xmlns", av != "http://www.w3.org/2000/svg" { out.append("xmlns \(av)") }
            }
            rest = attr.stringByReplacingMatches(in: rest, range: NSRange(location: 0, length: rns.length), withTemplate: "")
            if !rest.trimmingCharacters(in: .whitespaces).isEmpty, rest.trimmingCharacters(in: .whitespaces) != "/" {
                out.append("stray text in <\(name)>: \(rest)")
            }
        }
        // The one style sheet is ours, verbatim.
        let styles = html.components(separatedBy: "<style>").dropFirst().map { $0.components(separatedBy: "</style>")[0] }
        if styles != [HTML.css] { out.append("style sheet differs from the renderer's") }
        return out
    }
}

@Suite struct ReportEscapingTests {
    static let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "'><svg onload=alert(3)>",
        "</style><style>body{background:url(javascript:alert(4))}</style>",
        "</title></text><foreignObject><iframe src=//evil></iframe>",
        "javascript:alert(5)",
        "a&amp;b &lt;c&gt; ]]> <!-- x -->",
        "運転員 が <b>設定値</b> を変更",
    ]

    /// A report in which every string is hostile.
    static func poisoned() -> Report {
        var n = 0
        func p() -> String {
            n += 1
            return "#\(n) " + payloads[n % payloads.count]
        }
        let cite = Citation(eventID: 1, evidenceID: 1, evidence: p(), sha256: p(), locator: p())
        let t = Timestamp(nanoseconds: 1_612_549_872_418_000_000)
        let step = ReportStep(number: 1, role: p(), kind: p(), time: t, recordedTime: t + 97_000_000_000, asset: p(),
                              user: p(), src: p(), message: p(), techniques: [p(), "T0836"], citation: cite,
                              notes: [p()], link: (p(), p(), 1_000), fields: ["point": p(), "value": p(), "tag": p()])
        var step2 = step
        step2.number = 2
        step2.link = nil
        let chain = ReportChain(steps: [step, step2],
                                alternatives: [ReportAlternative(step: 1, why: p(), kind: p(), time: t, citation: cite)],
                                end: p(), reachesOutside: true, restores: false, title: p())
        let series = PlotSeries(name: p(), unit: p(), low: 0, high: 5, setpoint: true,
                                points: [(t.nanoseconds, 1), (t.nanoseconds + 60_000_000_000, 4)], samples: 2)
        let impact = ProcessImpact(asset: p(), headline: p(), citation: cite, effects: [(p(), t, cite)],
                                   from: t.nanoseconds - 600_000_000_000, to: t.nanoseconds + 600_000_000_000,
                                   series: [series, series],
                                   markers: [PlotMarker(time: t.nanoseconds, label: p(), step: 1, citation: cite),
                                             PlotMarker(time: t.nanoseconds + 1, label: p(), step: nil, citation: cite)],
                                   clockNote: p())
        let lanes = Swimlanes(from: t.nanoseconds - 600_000_000_000, to: t.nanoseconds + 600_000_000_000,
                              events: [SwimlaneEvent(time: t.nanoseconds, domain: .it, kind: p(), step: 1, inFinding: true),
                                       SwimlaneEvent(time: t.nanoseconds + 5, domain: .ot, kind: p(), step: 2, inFinding: false),
                                       SwimlaneEvent(time: t.nanoseconds + 9, domain: .process, kind: p(), step: nil, inFinding: false)],
                              counts: [.it: 1, .ot: 1, .process: 1], truncated: true)
        let finding = ReportFinding(id: 7, playbook: p(), title: p(), severity: .critical, summary: p(), techniques: [p()],
                                    steps: [ReportFindingStep(title: p(), kind: p(), time: t, recordedTime: t, message: p(),
                                                              citation: cite)],
                                    recommendations: [p()], events: [1], onChain: true)
        return Report(
            caseName: p(), caseID: p(), examiner: p(), caseCreated: p(), generatedAt: t, version: p(), custodyHead: p(),
            custodyEntries: 3, eventCount: 2, sampleCount: 2,
            conclusion: Conclusion(cyberCause: true, verdict: p(), rootCause: p(), confidence: p(), reasons: [p()],
                                   clockOffsets: [(p(), 97, 0.5)], techniques: [p()]),
            chain: chain, otherChains: [chain], impact: impact, swimlanes: lanes, findings: [finding],
            playbooks: [PlaybookRunResult(playbook: p(), findings: 1, gaps: [p()])], playbooksRunAt: p(),
            clocks: [ClockRow(name: p(), source: .estimate, correction: ClockCorrection(offsetNanos: 97_000_000_000),
                              uncertaintyNanos: 500_000_000, reason: p(), pairs: 8, items: [p()])],
            evidence: [EvidenceRow(id: 1, name: p(), sha256: p(), size: 10, mime: p(), parent: nil, collector: p(),
                                   status: p(), events: 1, warnings: 0, samples: 0, clock: p())],
            verify: VerifySummary(clean: false, objects: 1, bytes: 10, custodyEntries: 3, head: p(), problems: [p()]),
            gaps: [Gap(area: p(), text: p())], recommendations: [p()])
    }

    @Test func everyStringFromEvidenceIsCarriedAsTextInHTML() {
        let html = HTML.render(Self.poisoned())
        #expect(HTMLShape.problems(html).isEmpty, "\(HTMLShape.problems(html).prefix(8))")
        for payload in Self.payloads {
            #expect(html.contains(HTML.escape(payload)), "\(payload) not carried as text")
        }
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<iframe"))
        // Japanese text stays as it is (UTF-8, declared), escaped only where it holds markup.
        #expect(html.contains("<meta charset=\"utf-8\">") && html.contains("運転員 が &lt;b&gt;設定値&lt;/b&gt; を変更"))
    }

    @Test func markdownCarriesThemAsTextToo() {
        let md = Markdown.render(Self.poisoned())
        let raw = md.split(separator: "\n").filter { $0.contains("<") }
        #expect(raw.isEmpty, "raw < in Markdown: \(raw.prefix(3))")
        #expect(!md.contains("](") , "a link in Markdown")
        #expect(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test func jsonKeepsEveryStringExactly() throws {
        let r = Self.poisoned()
        let v = try JSONParser().parse(ReportJSON.render(r))
        guard case .object(let o) = v, case .object(let c)? = o["conclusion"] else {
            Issue.record("no conclusion")
            return
        }
        #expect(c["root_cause"] == .string(r.conclusion.rootCause))
        #expect(ReportJSON.render(r).contains("\\\"><img src=x onerror=alert(2)>"))
    }

    /// The same through a real case: hostile names and messages in a log and a file name, a finding resting on them.
    @Test func hostileEvidenceInACaseStaysText() throws {
        let dir = TempDir("report-hostile")
        let name = "\"><img src=x onerror=alert(9)>.log"
        let file = dir.url.appendingPathComponent(name)
        let lines = [
            "2021-02-05T18:24:06Z hmi-1 sshd[2211]: Failed password for <script>alert(1)</script> from 203.0.113.7 port 51512 ssh2",
            "2021-02-05T18:24:07Z hmi-1 sshd[2211]: Failed password for 運転員 from 203.0.113.7 port 51513 ssh2",
            "2021-02-05T18:24:08Z '><svg/onload=alert(3)> sshd[2212]: Accepted password for </style><b>x from 203.0.113.7 port 51514 ssh2",
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let c = try Case.create(at: dir.url.appendingPathComponent("case").path, name: "<i>hostile</i> 事故", examiner: "t")
        for outcome in try c.add(paths: [file.path]) {
            if case .added(let item) = outcome { _ = try c.ingest(item) }
        }
        let events = try c.events(EventQuery())
        #expect(events.count == 3, "\(events.map(\.event.message))")
        try c.saveFinding(Finding(playbook: "Test.Hostile", title: "<script>alert('t')</script>", severity: .high,
                                  summary: "user \(events.compactMap(\.event.user).joined(separator: ", "))",
                                  eventIDs: events.map(\.id), createdAt: .now),
                          detail: .object(["recommendations": .array([.string("<img src=x onerror=alert(7)>")])]))
        let r = try ReportBuilder(c).build()
        let html = HTML.render(r)
        #expect(HTMLShape.problems(html).isEmpty, "\(HTMLShape.problems(html).prefix(8))")
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains(HTML.escape(name)))
        #expect(html.contains("運転員") && html.contains("&lt;i&gt;hostile&lt;/i&gt; 事故"))
        // No physical effect, a high finding: a cyber cause told by the finding's steps, and it says so.
        #expect(r.conclusion.cyberCause == true && r.chain?.steps.count == 3)
        #expect(r.conclusion.reasons.contains { $0.contains("No chain to a physical effect") })
        #expect(r.swimlanes != nil)
    }
}

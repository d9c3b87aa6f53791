import Collectors
import EvidenceStore
import Foundation
import JikochoModel
import Parsers
import Timeline

/// Gathers a report from a case: it reads, it never writes (the command records in custody that a report was made).
///
/// The conclusion rests on the causal chains (`ChainBuilder`) and the stored playbook findings:
/// - a chain to a physical effect that reaches outside the site, runs through a remote session, or shares events with
///   a high or critical finding is a cyber cause; the furthest-reaching such chain is the one told;
/// - without one, a high or critical finding is still a cyber cause (no physical effect traced);
/// - otherwise, when the case has physical effects, the report says there is no evidence of a cyber cause and why
///   for each effect (what made it, or that no controller write precedes it); with no effect and no finding it
///   cannot tell.
public struct ReportBuilder {
    public var verify = true
    /// Most events drawn in the swimlanes (the rest are counted).
    public var swimlaneLimit = 4000
    /// Most points per plotted series.
    public var plotPoints = 600
    public var progress: ((String) -> Void)?

    let c: Case

    public init(_ c: Case) { self.c = c }

    public func build() throws -> Report {
        // The custody check reads the originals and the database's pages, not what the report is made of: it runs on
        // another thread while the report is put together. Nothing writes the case in between (this process holds
        // it), so what it verifies is the case the report describes.
        let checking = verify ? Parallel.background { [c] in Result { try c.verify() } } : nil
        let summary = try c.summary()
        let context = try TimelineContext(c)
        let assetList = try c.assets()
        let assets = Dictionary(assetList.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let cite = { (s: StoredEvent) -> Citation in
            let p = s.event.provenance
            let item = context.items[p.evidenceID]
            return Citation(eventID: s.id, evidenceID: p.evidenceID, evidence: item?.name ?? "#\(p.evidenceID)",
                            sha256: item?.sha256 ?? "", locator: p.locator)
        }

        progress?("chains")
        let builder = try ChainBuilder(c)
        let chains = try builder.processChains(limit: 50)

        progress?("findings")
        let stored = try c.findings().filter { $0.0.playbook != "Timeline.CausalChain" }
        var findingEvents: [Int64: StoredEvent] = [:]
        let allIDs = Array(Set(stored.flatMap { $0.0.eventIDs }))
        if !allIDs.isEmpty {
            var q = EventQuery()
            q.ids = allIDs
            for e in try c.events(q) { findingEvents[e.id] = e }
        }
        let serious = stored.filter { $0.0.severity >= .high }

        func shares(_ chain: CausalChain, _ f: Finding) -> Bool {
            let ids = Set(chain.steps.map(\.event.id))
            if f.eventIDs.contains(where: ids.contains) { return true }
            guard chain.reachesOutside, let origin = chain.steps.first?.event.event.src.ip,
                  !ChainBuilder.isPrivate(origin) else { return false }
            return f.eventIDs.contains { findingEvents[$0]?.event.src.ip == origin }
        }
        let suspicious = chains.filter { ch in
            !ch.restores && (ch.reachesOutside || ch.runsThroughRemoteSession || serious.contains { shares(ch, $0.0) })
        }
        let primary = suspicious.first
        let otImpact = true

        // The chain as told.
        var reportChain: ReportChain?
        if let primary {
            reportChain = tell(primary, cite: cite, assets: assets, otImpact: otImpact)
        }
        let others = chains.filter { ch in primary.map { $0.impact.event.id != ch.impact.event.id } ?? true }
            .prefix(8).map { tell($0, cite: cite, assets: assets, otImpact: otImpact) }

        // Findings.
        var findings: [ReportFinding] = stored.map { f, detail in
            var steps: [ReportFindingStep] = []
            var recommendations: [String] = []
            if case .object(let d)? = detail {
                if case .array(let ss)? = d["steps"] {
                    for case .object(let s) in ss {
                        let time = s["time"].flatMap { Timestamp(iso: $0.text) } ?? f.createdAt
                        var citation: Citation?
                        var summary: String?
                        if case .int(let id)? = s["event_id"], let ev = findingEvents[id] {
                            citation = cite(ev)
                            summary = Fmt.plainWords(ev.event, tunnel: ChainBuilder.tunnelAddress(ev.event))
                        }
                        var title = s["title"]?.text ?? s["id"]?.text ?? ""
                        if case .array(let all)? = s["events"], all.count > 1 {
                            title += " (\(all.count) events: #\(all.first!.text) … #\(all.last!.text))"
                        }
                        steps.append(ReportFindingStep(
                            title: title, kind: s["kind"]?.text ?? "",
                            time: time, recordedTime: s["recorded_time"].flatMap { Timestamp(iso: $0.text) },
                            message: s["message"]?.text ?? "", citation: citation, summary: summary))
                    }
                }
                if case .array(let rs)? = d["recommendations"] { recommendations = rs.map(\.text) }
            }
            if steps.isEmpty {
                // Findings without step detail: cite their events.
                for id in f.eventIDs.prefix(20) {
                    guard let ev = findingEvents[id] else { continue }
                    steps.append(ReportFindingStep(title: ev.event.kind, kind: ev.event.kind, time: ev.event.time,
                                                   recordedTime: ev.event.time != ev.event.recordedTime ? ev.event.recordedTime : nil,
                                                   message: ev.event.message, citation: cite(ev),
                                                   summary: Fmt.plainWords(ev.event, tunnel: ChainBuilder.tunnelAddress(ev.event))))
                }
            }
            return ReportFinding(id: f.id, playbook: f.playbook, title: f.title, severity: f.severity, summary: f.summary,
                                 techniques: f.techniques, steps: steps, recommendations: recommendations,
                                 events: f.eventIDs, onChain: primary.map { shares($0, f) } ?? false)
        }
        findings.sort { a, b in
            if a.onChain != b.onChain { return a.onChain }
            if a.severity != b.severity { return a.severity > b.severity }
            return (a.steps.first?.time ?? Timestamp(nanoseconds: 0)) < (b.steps.first?.time ?? Timestamp(nanoseconds: 0))
        }

        progress?("clocks")
        let clockInfos = try c.clocks()
        let clocks = clockInfos.map { ci -> ClockRow in
            var pairs: Int?
            if case .object(let d)? = ci.detail, case .int(let n)? = d["pairs"] { pairs = Int(n) }
            return ClockRow(name: ci.name, source: ci.source, correction: ci.correction,
                            uncertaintyNanos: ci.uncertaintyNanos, reason: ci.reason, pairs: pairs,
                            items: ci.items.map(\.evidenceName))
        }

        // Conclusion.
        let playbookRun = try c.lastPlaybookRun()
        // Read once, for the conclusion and the gaps alike.
        let unreadable = try unreadableControlChannels()
        var uncovered: String?
        var conclusion = try conclude(primary: primary, told: reportChain, chains: chains, findings: findings,
                                      serious: serious.map(\.0), clocks: clockInfos, ranPlaybooks: playbookRun.map { !$0.results.isEmpty } ?? false,
                                      hasInventory: !assetList.isEmpty, unreadable: unreadable, uncovered: &uncovered,
                                      builder: builder)
        conclusion.clockOffsets = clockInfos.filter { !$0.correction.isNone }.map {
            ($0.name, Double($0.correction.offsetNanos) / 1e9, $0.uncertaintyNanos.map { Double($0) / 1e9 })
        }
        // A chain that stops inside the site, corroborated by a finding whose steps come before it (an update, a
        // beacon, a connection): those steps lead the chain, and the finding's account leads the root cause.
        if let told = reportChain, !told.reachesOutside,
           let f = findings.filter({ $0.onChain && $0.severity >= .high }).max(by: { $0.steps.count < $1.steps.count }),
           let start = told.steps.first?.time {
            let ids = Set(told.steps.map(\.citation.eventID))
            let before = chainOf(finding: f, events: findingEvents).steps
                .filter { $0.time < start && !ids.contains($0.citation.eventID) }
            if !before.isEmpty {
                var steps = before
                let gap = start.nanoseconds - before.last!.time.nanoseconds
                steps[steps.count - 1].link = ("playbook", "the next steps of \(f.playbook)'s finding #\(f.id ?? 0); "
                                               + "then the chain from the controller write", gap)
                steps += told.steps
                for i in steps.indices { steps[i].number = i + 1 }
                let merged = ReportChain(steps: steps, alternatives: told.alternatives.map { a in
                    var x = a
                    x.step += before.count
                    return x
                }, end: "\(f.playbook) leads to \(told.steps.first?.asset ?? "the first step"); \(told.end)",
                    reachesOutside: steps.contains { $0.src.map { !ChainBuilder.isPrivate($0) } ?? false },
                    restores: told.restores, title: told.title, overwritesMeasurement: told.overwritesMeasurement)
                reportChain = merged
                var effect = Self.rootCause(told)
                if effect.hasPrefix("Someone ") { effect = "it " + effect.dropFirst("Someone ".count) }
                conclusion.rootCause = f.summary.trimmingCharacters(in: CharacterSet(charactersIn: ". ")) + "; then " + effect
                conclusion.techniques = Array(Set(conclusion.techniques + steps.flatMap(\.techniques) + f.techniques)).sorted()
            }
        }
        // A cyber cause without a chain to the process: the steps of the most severe finding are the chain told.
        if reportChain == nil, conclusion.cyberCause == true,
           let top = findings.filter({ $0.severity >= .high }).max(by: { a, b in
               a.severity != b.severity ? a.severity < b.severity : a.steps.count < b.steps.count
           }) {
            reportChain = chainOf(finding: top, events: findingEvents)
        }

        progress?("process values")
        var impact: ProcessImpact?
        if let primary {
            impact = try processImpact(primary.impact, told: reportChain!, assets: assets, cite: cite, clocks: clockInfos)
        } else {
            // No cyber chain: the effect a reader should see first, and what led up to it.
            if let top = try rankedEffects(also: chains.filter(\.overwritesMeasurement).map(\.impact.event), keep: 1).top.first {
                let asset = top.event.asset ?? top.event.host
                impact = try processImpact(ChainStep(event: top, asset: asset, role: "impact"), told: nil, assets: assets,
                                           cite: cite, clocks: clockInfos)
            }
        }

        progress?("swimlanes")
        var lanes: Swimlanes?
        if let told = reportChain ?? findings.first.map({ chainOf(finding: $0) }), !told.steps.isEmpty {
            lanes = try swimlanes(told, findings: findings)
        }

        progress?("evidence")
        let runs = try c.ingestRuns()
        let latestRun = Dictionary(runs.map { ($0.evidenceID, $0) }, uniquingKeysWith: { _, b in b })
        let assignment = Dictionary(try c.clockAssignments().map { ($0.evidenceID, $0.clock) },
                                    uniquingKeysWith: { a, _ in a })
        let evidence = try c.allEvidence().map { item -> EvidenceRow in
            let r = latestRun[item.id]
            return EvidenceRow(id: item.id, name: item.relativePath ?? item.name, sha256: item.sha256, size: item.size,
                               mime: item.mimeType, parent: item.parentID, collector: r.map { "\($0.collector) v\($0.collectorVersion)" },
                               status: r?.status ?? "not parsed", events: r?.events ?? 0, warnings: r?.warnings ?? 0,
                               samples: r?.samples ?? 0, clock: r == nil ? nil : assignment[item.id])
        }

        var verifySummary: VerifySummary?
        if let checking {
            progress?("verify")
            let v = try checking.wait().get()
            verifySummary = VerifySummary(clean: v.isClean, objects: v.objectsChecked, bytes: v.bytesChecked,
                                          custodyEntries: v.custodyEntries, head: v.head,
                                          problems: v.problems.map(\.description))
        }

        var gaps = try gaps(evidence: evidence, assets: assetList, playbookRun: playbookRun, clocks: clockInfos,
                            chain: primary, verify: verifySummary, unreadable: unreadable)
        // The network evidence that does not reach the effect the conclusion clears (said there, and kept here).
        if let uncovered {
            gaps.append(Gap(area: "evidence", text: uncovered + ": capture the control network's traffic, or gather "
                            + "the controllers' own command logs, for the time before the effect."))
        }
        var recommendations: [String] = []
        for f in findings where f.onChain || f.severity >= .high {
            for r in f.recommendations where !recommendations.contains(r) { recommendations.append(r) }
        }
        for g in gaps where g.area == "evidence" || g.area == "inventory" {
            let r = "For the next incident: \(g.text.prefix(1).lowercased())\(g.text.dropFirst())"
            if recommendations.count < 20 { recommendations.append(r) }
        }

        return Report(caseName: summary.name, caseID: summary.caseID, examiner: summary.examiner,
                      caseCreated: summary.createdAt, generatedAt: .now, version: JikochoVersion.string,
                      custodyHead: summary.custodyHead, custodyEntries: summary.custodyEntries,
                      eventCount: summary.eventCount, sampleCount: summary.sampleCount,
                      conclusion: conclusion, chain: reportChain, otherChains: Array(others), impact: impact,
                      swimlanes: lanes, findings: findings, playbooks: playbookRun?.results ?? [],
                      playbooksRunAt: playbookRun?.at, clocks: clocks, evidence: evidence, verify: verifySummary,
                      gaps: gaps, recommendations: recommendations)
    }

    // MARK: - The chain

    func tell(_ chain: CausalChain, cite: (StoredEvent) -> Citation, assets: [String: Asset], otImpact: Bool) -> ReportChain {
        var steps = chain.steps.enumerated().map { i, s -> ReportStep in
            let e = s.event.event
            var fields: [String: String] = [:]
            // What a write changed, in any protocol: its points and, for one point, the raw value. Of a request that
            // wrote several, the point that made the change when the chain knows it, the others beside it.
            if let (_, writes) = ControlPoint.facts(e.attributes), !writes.isEmpty {
                if let changed = s.changed, let w = writes.first(where: { $0.point == changed.point }) {
                    // A value read as the inventory says (a float over two registers) is shown as read, with how.
                    fields["point"] = changed.point
                    if changed.type != nil, let v = changed.value {
                        fields["value"] = ChainBuilder.number(v)
                    } else if w.value != .null {
                        fields["value"] = Fmt.value(w.value)
                    }
                    if let type = changed.type {
                        fields["value_type"] = type + (changed.spans.isEmpty ? "" : " with " + changed.spans.joined(separator: ", "))
                            + (changed.inferred ? ", inferred from the historian" : "")
                    }
                    let others = writes.map(\.point).filter { $0 != changed.point && !changed.spans.contains($0) }
                    if !others.isEmpty { fields["also_written"] = Self.list(others, beforeEllipsis: ", ") }
                } else {
                    fields["point"] = Self.list(writes.map(\.point), beforeEllipsis: ", ")
                    if writes.count == 1, writes[0].value != .null { fields["value"] = Fmt.value(writes[0].value) }
                }
            }
            if let tag = e.attributes["tag"]?.text, !tag.isEmpty { fields["tag"] = tag }
            if s.role == "controller write" || s.role == "controller command", let from = e.src.asset ?? e.src.ip { fields["from"] = from }
            let blocks = ([s.event] + s.also).compactMap { x -> String? in
                guard let type = x.event.attributes["block_type"]?.text, case .int(let n)? = x.event.attributes["block_number"]
                else { return nil }
                return "\(type)\(n)"
            }
            if !blocks.isEmpty { fields["blocks"] = blocks.joined(separator: ", ") }
            if s.role == "vpn session", let a = ChainBuilder.tunnelAddress(e) { fields["assigned"] = a }
            if s.role == "gateway session", let r = e.attributes["resource"]?.text { fields["resource"] = r }
            if e.kind == "remote.control_start" {
                if let tool = e.attributes["tool"]?.text { fields["tool"] = tool }
                if let partner = SessionFacts.partner(e) { fields["partner"] = partner }
            }
            if let v = e.attributes["new"], v != .null { fields["new"] = Fmt.value(v) }
            if let v = e.attributes["old"], v != .null { fields["old"] = Fmt.value(v) }
            // A measured series' value at the event: where a step went, what a flatline held, where an excursion began.
            if ChainBuilder.measurementKinds.contains(e.kind) {
                if let tag = e.attributes["series"]?.text, fields["tag"] == nil { fields["tag"] = tag }
                if let v = ["to", "value", "start_value"].lazy.compactMap({ e.attributes[$0] }).first(where: { $0 != .null }) {
                    fields["shown"] = Fmt.value(v)
                }
            }
            let link = i < chain.links.count
                ? (chain.links[i].rule, chain.links[i].explanation, chain.links[i].gapNanos) : nil
            return ReportStep(number: i + 1, role: s.role, kind: e.kind, time: e.time, recordedTime: e.recordedTime,
                              asset: s.asset, user: e.user, src: e.src.ip, message: e.message,
                              techniques: Techniques.of(s, assets: assets, otImpact: otImpact), citation: cite(s.event),
                              notes: s.notes, link: link, fields: fields,
                              summary: Fmt.plainWords(e, tunnel: fields["assigned"] ?? ChainBuilder.tunnelAddress(e)))
        }
        let alternatives = chain.alternatives.map {
            ReportAlternative(step: $0.step + 1, why: $0.why, ruledOut: $0.ruledOut, kind: $0.event.event.kind,
                              time: $0.event.event.time, citation: cite($0.event))
        }
        if chain.overwritesMeasurement, !steps.isEmpty {
            // What the tag showed from the write on was the written value: the operators' view was manipulated.
            let last = steps.count - 1
            if !steps[last].techniques.contains("T0832") { steps[last].techniques.append("T0832") }
        }
        return ReportChain(steps: steps, alternatives: alternatives, end: chain.end, reachesOutside: chain.reachesOutside,
                           restores: chain.restores, title: chain.title, overwritesMeasurement: chain.overwritesMeasurement)
    }

    /// A finding's steps as a chain (when no chain to a physical effect exists), each step's asset, account and source
    /// from its event.
    func chainOf(finding f: ReportFinding, events: [Int64: StoredEvent] = [:]) -> ReportChain {
        let steps = f.steps.compactMap { s -> ReportStep? in
            guard let citation = s.citation else { return nil }
            let e = events[citation.eventID]?.event
            // A controller's message is about the controller it goes to; a published stream's (GOOSE, SV: to a
            // multicast MAC address, no IP) about its publisher.
            let asset = e.map { e -> String? in
                guard e.kind.hasPrefix("ics.") else { return e.asset ?? e.host }
                if e.dst.ip == nil, e.src.ip == nil, e.src.mac != nil { return e.src.asset ?? e.src.mac }
                return e.dst.asset ?? e.asset
            } ?? nil
            return ReportStep(number: 0, role: s.title, kind: s.kind, time: s.time, recordedTime: s.recordedTime ?? s.time,
                              asset: asset, user: e?.user, src: e?.src.ip, message: s.message, techniques: [],
                              citation: citation, notes: [], link: nil, fields: [:])
        }.sorted { $0.time < $1.time }.enumerated().map { i, s -> ReportStep in
            var x = s
            x.number = i + 1
            return x
        }
        let outside = steps.first?.src.map { !ChainBuilder.isPrivate($0) } ?? false
        return ReportChain(steps: steps, alternatives: [], end: "the steps of \(f.playbook)", reachesOutside: outside,
                           restores: false, title: f.title)
    }

    /// What a controller command did, in words: "put plc-line2 in STOP", "downloaded OB1, FC10 to it".
    static func commandClause(_ s: ReportStep, target: String, again: Bool) -> String {
        let name = s.kind.split(separator: ".").last.map(String.init) ?? s.kind
        if name.contains("download") { return "downloaded \(s.fields["blocks"] ?? "a program") to \(target)" }
        if name.contains("delete") { return "deleted \(s.fields["blocks"] ?? "a block") from \(target)" }
        if name.contains("restart") || name.contains("reinitialize") || name.contains("reset") { return "restarted \(target)" }
        if name.hasSuffix("stop") { return "put \(target) in STOP" }
        if name.hasSuffix("start") { return "started \(target)" + (again ? " again" : "") }
        return "sent \(name) to \(target)"
    }

    /// The root cause in words, from the chain: origin, each hop, the write and the change.
    static func rootCause(_ chain: ReportChain) -> String {
        var subject = "Someone"
        if chain.reachesOutside, let ip = chain.steps.first?.src { subject = "An outsider at \(ip)" }
        var clauses: [String] = []
        var hops: [String] = []
        // A run of commands to one controller from one sender is one clause: "from ews-4 put plc-line2 in STOP,
        // downloaded OB1, FC10 to it and started it again".
        var commands: [String] = []
        var commandsVia = ""
        func flushHops() {
            if !hops.isEmpty {
                clauses.append(hops.joined(separator: " and on to "))
                hops = []
            }
            if !commands.isEmpty {
                let list = commands.count == 1 ? commands[0]
                    : commands.dropLast().joined(separator: ", ") + " and " + commands.last!
                clauses.append(commandsVia + list)
                commands = []
            }
        }
        var effect: String?
        for (i, s) in chain.steps.enumerated() {
            let asset = s.asset ?? "?"
            let who = s.user.map { " as \($0)" } ?? ""
            switch s.role {
            case "vpn session":
                flushHops()
                let given = s.fields["assigned"].map { " (given \($0))" } ?? ""
                clauses.append("logged on to the remote-access VPN on \(asset)\(who)\(given)")
            case "gateway session":
                // A gateway that relays remote desktop inside (RD Gateway): the hop after it is the logon it carried.
                flushHops()
                let to = s.fields["resource"].map { " toward \($0)" } ?? ""
                clauses.append("came through the RD Gateway on \(asset)\(who)\(to)")
            case "logon session":
                if s.kind == "remote.control_start" {
                    // A remote-control tool takes over the screen of the session at the console.
                    let tool = s.fields["tool"].map(SessionFacts.toolName) ?? "a remote-control tool"
                    let from = s.src == nil ? s.fields["partner"].map { " (partner \($0))" } ?? "" : ""
                    hops.append("took over \(asset)'s screen by \(tool)\(from)" + who)
                } else if hops.isEmpty {
                    let how = s.techniques.contains("T1021.001") ? "went by remote desktop to "
                        : s.techniques.contains("T1021.004") ? "went by SSH to " : "logged on to "
                    hops.append(how + asset + who)
                } else {
                    hops.append(asset + who)
                }
            case "controller write":
                flushHops()
                let via = i > 0 ? chain.steps[i - 1].asset.map { "through \($0) " } ?? ""
                    : s.fields["from"].map { "from \($0) " } ?? ""
                let what = s.fields["value"].map { "\($0) " } ?? ""
                let point = (s.fields["point"].map { " \($0)" } ?? "") + (s.fields["value_type"].map { " (\($0))" } ?? "")
                let beside = s.fields["also_written"].map { ", with \($0) in the same request" } ?? ""
                clauses.append("\(via)wrote \(what)to \(asset)\(point)" + (s.kind.hasPrefix("ics.") && s.kind.hasSuffix("write") ? "" : " (\(s.kind))")
                               + beside)
            case "controller command":
                let continues = i > 0 && chain.steps[i - 1].role == "controller command" && chain.steps[i - 1].asset == s.asset
                if !continues {
                    flushHops()
                    commandsVia = i > 0 ? chain.steps[i - 1].asset.map { "through \($0) " } ?? ""
                        : s.fields["from"].map { "from \($0) " } ?? ""
                }
                let stopped = chain.steps[..<i].contains { $0.role == "controller command" && $0.kind.hasSuffix("stop") }
                commands.append(Self.commandClause(s, target: continues ? "it" : asset, again: stopped))
            case "impact", "process change":
                flushHops()
                if chain.overwritesMeasurement, let tag = s.fields["tag"] {
                    let shown = s.fields["shown"].map { " \($0)" } ?? " the value written"
                    effect = "from then on \(tag) on \(asset) showed\(shown), the value written and not a measurement "
                        + "(\(s.message)): what the historian recorded of it, and what operators saw, was not the process"
                } else if let tag = s.fields["tag"], let old = s.fields["old"], let new = s.fields["new"] {
                    effect = "\(tag) on \(asset) changed from \(old) to \(new)"
                } else {
                    effect = s.message
                }
            default:
                flushHops()
                clauses.append(s.message)
            }
        }
        flushHops()
        // A chain that starts at the write: its sender is the subject (`ews-2 wrote …`).
        if subject == "Someone", let first = clauses.first, first.hasPrefix("from ") {
            let rest = first.dropFirst(5)
            if let space = rest.firstIndex(of: " ") {
                subject = String(rest[..<space])
                clauses[0] = String(rest[rest.index(after: space)...])
            }
        }
        var text = subject + " "
        if clauses.count <= 1 { text += clauses.first ?? "acted" } else {
            text += clauses.dropLast().joined(separator: ", ") + ", and " + clauses.last!
        }
        if let effect { text += clauses.isEmpty ? effect : "; " + effect }
        return text + "."
    }

    func conclude(primary: CausalChain?, told: ReportChain?, chains: [CausalChain], findings: [ReportFinding],
                  serious: [Finding], clocks: [ClockInfo], ranPlaybooks: Bool, hasInventory: Bool,
                  unreadable: [UnreadableChannel], uncovered: inout String?, builder: ChainBuilder) throws -> Conclusion
    {
        if let told {
            var reasons: [String] = []
            var score = 0
            if told.reachesOutside {
                score += 2
                reasons.append("The chain reaches an address outside the site (\(told.steps.first?.src ?? "?")); every link rests on evidence on both sides.")
            } else {
                reasons.append("The chain does not reach outside the site: \(told.end)")
            }
            let corroborating = findings.filter { $0.onChain && $0.severity >= .high }
            if !corroborating.isEmpty {
                score += 1
                reasons.append("Playbook\(corroborating.count == 1 ? "" : "s") "
                               + corroborating.map { "\($0.playbook) (finding #\($0.id ?? 0))" }.joined(separator: ", ")
                               + " found the same events independently.")
            } else if ranPlaybooks {
                reasons.append("No playbook finding rests on the chain's events.")
            } else {
                score -= 1
                reasons.append("No playbooks have been run on the case (jikocho run): nothing corroborates the chain.")
            }
            for a in told.alternatives {
                reasons.append("Step \(a.step) has a competing explanation: \(a.why); " + (a.ruledOut
                    ? "the host's own record of the connection names the chain's account, not this one."
                    : "the chain takes the remote session, which is the one whose origin the evidence traces."))
            }
            if told.alternatives.contains(where: { !$0.ruledOut }), corroborating.isEmpty { score -= 1 }
            for ci in clocks where ci.items.contains(where: { a in told.steps.contains { $0.citation.evidenceID == a.evidenceID } }) {
                let u = ci.uncertaintyNanos.map { " ± \(Fmt.duration($0))" } ?? ""
                // The shortest link with an end on this clock's evidence: what an error of the clock could break.
                let items = Set(ci.items.map(\.evidenceID))
                let touching = told.steps.indices.filter { items.contains(told.steps[$0].citation.evidenceID) }
                // Links by value (a write and the change to the value written) do not rest on the order in time.
                let tight = touching.flatMap { i in [told.steps[i].link, i > 0 ? told.steps[i - 1].link : nil] }
                    .compactMap { $0 }.filter { $0.rule != "tag-map" }.map { abs($0.gapNanos) }.min()
                let margin = tight.map { "; the shortest link through it is \(Fmt.duration($0))" } ?? ""
                let weak = tight.flatMap { t in ci.uncertaintyNanos.map { $0 > t } } ?? false
                if ci.source == .reference { continue }
                if ci.source == .none {
                    reasons.append("\(ci.name)'s clock is taken as recorded (not checked)\(margin).")
                } else if ci.correction.isNone {
                    reasons.append("\(ci.name)'s clock was checked against the evidence and needs no correction\(u)\(margin).")
                } else {
                    reasons.append("Times of \(ci.name) are put right by \(Fmt.signed(ci.correction.offsetNanos))\(u) "
                                   + "(\(ci.source == .estimate ? "estimated from the evidence" : "set by the investigator"))\(margin).")
                }
                if weak {
                    score -= 1
                    reasons.append("\(ci.name)'s uncertainty is larger than a link through it: that link's order is not certain.")
                }
            }
            let confidence = score >= 3 ? "high" : score >= 1 ? "medium" : "low"
            var verdict = "Cyber cause"
            if let impact = told.steps.last {
                if told.overwritesMeasurement, let tag = impact.fields["tag"] {
                    verdict += ": \(tag) on \(impact.asset ?? "?") showed a written value"
                        + (impact.fields["shown"].map { " (\($0))" } ?? "") + ", not a measurement"
                } else {
                    verdict += ": \(impact.message)"
                }
            }
            let techniques = Array(Set(told.steps.flatMap(\.techniques) + corroborating.flatMap(\.techniques)
                                       + findings.filter(\.onChain).flatMap(\.techniques))).sorted()
            return Conclusion(cyberCause: true, verdict: verdict, rootCause: Self.rootCause(told), confidence: confidence,
                              reasons: reasons, clockOffsets: [], techniques: techniques)
        }
        let high = findings.filter { $0.severity >= .high }.sorted { a, b in
            a.severity != b.severity ? a.severity > b.severity : a.steps.count > b.steps.count
        }
        if let f = high.first {
            var reasons = high.map { "Playbook \($0.playbook) (\($0.severity.rawValue), finding #\($0.id ?? 0)): \($0.summary)" }
            reasons.append("No chain to a physical effect was traced: no process change in the case is explained by a "
                           + "controller write from a suspicious session.")
            let notSeen = f.summary.contains("Not seen in the evidence")
            return Conclusion(cyberCause: true, verdict: "Cyber attack: \(f.title)", rootCause: f.summary,
                              confidence: high.count > 1 || (f.steps.count >= 3 && !notSeen) ? "high" : "medium",
                              reasons: reasons, clockOffsets: [],
                              techniques: Array(Set(high.flatMap(\.techniques))).sorted())
        }
        // No cyber cause: say for each physical effect what explains it (a measurement a write took over is one).
        let effects = try rankedEffects(also: chains.filter(\.overwritesMeasurement).map(\.impact.event))
        if effects.isEmpty, let unexplained = try unexplainedMeasurements(builder) {
            var reasons = unexplained.reasons
            if !ranPlaybooks { reasons.append("No playbooks have been run on the case.") }
            return Conclusion(cyberCause: nil, verdict: "Undetermined: measured values froze or jumped, and no write or finding explains them",
                              rootCause: unexplained.text, confidence: "low", reasons: reasons, clockOffsets: [], techniques: [])
        }
        if effects.isEmpty {
            return Conclusion(cyberCause: nil, verdict: "Undetermined: the case holds no physical effect and no finding",
                              rootCause: "The evidence shows no process change and no playbook finding; add the historian "
                                         + "export of the affected process and run the playbooks.",
                              confidence: "low", reasons: ranPlaybooks ? [] : ["No playbooks have been run on the case."],
                              clockOffsets: [], techniques: [])
        }
        var reasons: [String] = []
        var told = Set<String>()
        let distinct = effects.top.filter { e in
            told.insert("\(e.event.kind)|\(e.event.attributes["tag"]?.text ?? e.event.message)").inserted
        }
        for e in distinct.prefix(6) {
            let ch = try builder.chain(from: e)
            let t = e.event.time.iso8601(precision: .seconds)
            if ch.steps.count > 1 {
                reasons.append("\(e.event.message) (\(t)): \(ch.summary)")
            } else {
                reasons.append("\(e.event.message) (\(t)): \(ch.end)")
            }
        }
        if effects.count > 6 { reasons.append("… and \(effects.count - min(6, distinct.count)) more process events (see the timeline).") }
        reasons.append(ranPlaybooks ? "The playbooks found no attack (see Playbooks)." : "No playbooks have been run on the case.")
        let top = effects.top[0].event
        // What the process did around it on the same equipment: values beyond their limits before and after.
        let window: Int64 = 30 * 60 * 1_000_000_000
        let t = top.time.nanoseconds
        // Every effect of those kinds is an effect (all are ranked): the ones near the top are read by time.
        let excursionsNear = try c.events(EventQuery(from: Timestamp(nanoseconds: t - window), to: Timestamp(nanoseconds: t + window + 1),
                                                     kinds: ["process.excursion"]))
        func limitExcursions(_ range: ClosedRange<Int64>) -> [String] {
            var order: [String] = []
            var first: [String: Timestamp] = [:], peak: [String: Double] = [:]
            for e in excursionsNear.map(\.event) where e.asset == top.asset && range.contains(e.time.nanoseconds)
                && e.attributes["method"]?.text.contains("inventory") == true {
                guard let tag = e.attributes["tag"]?.text else { continue }
                if first[tag] == nil { order.append(tag); first[tag] = e.time }
                let p: Double? = switch e.attributes["peak"] { case .double(let d)?: d; case .int(let i)?: Double(i); default: nil }
                let below = e.attributes["direction"]?.text == "below"
                if let p { peak[tag] = peak[tag].map { below ? min($0, p) : max($0, p) } ?? p }
            }
            return order.map { tag in
                "\(tag) (from \(first[tag]!.iso8601(precision: .seconds))\(peak[tag].map { ", peak \(Fmt.value(.double($0)))" } ?? ""))"
            }
        }
        let before = limitExcursions((t - window)...(t - 1))
        let after = limitExcursions((t + 1)...(t + window))
        var text = "No evidence of a cyber cause: \(top.message) at \(top.time.iso8601(precision: .seconds)) on "
            + "\(top.asset ?? top.host ?? "?") is not preceded by a controller write from a remote or outside session"
        if !before.isEmpty { text += "; before it, " + before.joined(separator: " and ") + " went beyond their limits" }
        if !after.isEmpty { text += "; after it, " + after.joined(separator: " and ") + " did" }
        // What people did about it: state changes on the same equipment afterwards, with who made them.
        let laterStates = try c.events(EventQuery(from: Timestamp(nanoseconds: t + 1), to: Timestamp(nanoseconds: t + window + 1),
                                                  kinds: ["process.state_change"]))
        for stored in laterStates.filter({ $0.event.asset == top.asset && $0.event.time.nanoseconds > t }).prefix(3) {
            let e = stored.event
            guard let ch = try? builder.chain(from: stored), ch.steps.count > 1, let origin = ch.steps.first else { continue }
            let who = origin.event.event.user.map { " by \($0)" } ?? ""
            text += "; then \(e.message) at \(e.time.iso8601(precision: .seconds)), written from \(origin.asset ?? "?")\(who)"
                + (ch.end.isEmpty ? "" : " (\(ch.end))")
        }
        guard ranPlaybooks else {
            // No chain is not no attack: without the playbooks nothing has looked for one beyond the chain.
            text += ". No playbook has been run on the case, so no other attack has been looked for."
            return Conclusion(cyberCause: nil, verdict: "Undetermined: no playbooks have been run on the case",
                              rootCause: text, confidence: "low", reasons: reasons, clockOffsets: [], techniques: [])
        }
        text += ". No playbook found an attack."
        // Control connections no decoder could read (encrypted) may have carried writes no chain can see: the absence
        // of a chain does not rule them out.
        if !unreadable.isEmpty {
            text += " \(Self.unreadableSentence(unreadable)), so writes over them are not ruled out."
            reasons.append(Self.unreadableSentence(unreadable) + ": their writes and commands are not in the evidence.")
        }
        // "Not preceded by a write" says something only where the evidence could have shown one.
        uncovered = try captureCoverageGap(before: top.time.nanoseconds, window: builder.writeWindow)
        if let uncovered {
            text += " \(uncovered)."
            reasons.append(uncovered + ".")
        }
        if !hasInventory {
            // Without the site's inventory no write can be traced to a tag and no host told allowed or not: the
            // absence of a chain says little.
            reasons.append("The case has no asset inventory: no write could be traced to a process tag, and the "
                           + "playbooks that tell allowed hosts from others by their roles could not look.")
        }
        return Conclusion(cyberCause: false, verdict: "No evidence of a cyber cause",
                          rootCause: text, confidence: hasInventory && unreadable.isEmpty && uncovered == nil ? "medium" : "low",
                          reasons: reasons, clockOffsets: [], techniques: [])
    }

    /// What the case's network evidence cannot show before `t`: nil when an item with flows or ICS messages spans the
    /// `window` before it (the window in which the chain looks for the write behind a change), else why not. Every
    /// capture's messages are `net.flow` and `ics.…` events, whatever the protocol.
    func captureCoverageGap(before t: Int64, window: Int64) throws -> String? {
        let spans = try c.minuteSpans(kinds: ["net.flow", "ics."])
        if spans.isEmpty {
            return "The case holds no capture of network traffic and no controller's record of commands, so a write "
                + "to a controller could not be seen in it"
        }
        if spans.contains(where: { $0.from <= t && $0.to >= t - window }) { return nil }
        let from = spans.map(\.from).min()!, to = spans.map(\.to).max()!
        return "No capture covers the \(Fmt.human(window)) before it (the network evidence spans "
            + "\(Timestamp(nanoseconds: from).iso8601(precision: .seconds)) to \(Timestamp(nanoseconds: to).iso8601(precision: .seconds))), "
            + "so a write then could not be seen"
    }

    /// The control connections of the case's captures that their decoders could not read (a flow's `unreadable`, which
    /// any decoder sets for a control channel it saw encrypted), by server: what each was and how many connections.
    /// Connections to one server that one decoder could not read, and what it said they were.
    struct UnreadableChannel {
        var server: String
        var what: String
        var connections: Int
    }

    func unreadableControlChannels() throws -> [UnreadableChannel] {
        var q = EventQuery(kinds: ["net.flow"])
        q.exactKinds = true
        q.text = [[TextMatch("unreadable")]]
        var channels: [UnreadableChannel] = []    // in the order first seen
        var index: [[String]: Int] = [:]           // [server, what] → its place in `channels`
        for stored in try c.events(q) {
            let e = stored.event
            guard case .string(let u)? = e.attributes["unreadable"] else { continue }
            let server = e.dst.ip.map { ip in e.dst.port.map { ip.contains(":") ? "[\(ip)]:\($0)" : "\(ip):\($0)" } ?? ip } ?? "?"
            let what = String(u.prefix { $0 != ":" })
            if let i = index[[server, what]] {
                channels[i].connections += 1
            } else {
                index[[server, what]] = channels.count
                channels.append(UnreadableChannel(server: server, what: what, connections: 1))
            }
        }
        return channels
    }

    static func unreadableSentence(_ channels: [UnreadableChannel]) -> String {
        let n = channels.reduce(0) { $0 + $1.connections }
        let listed = channels.prefix(4).map { "\($0.what) to \($0.server)" + ($0.connections > 1 ? " ×\($0.connections)" : "") }
        return "\(n) control connection\(n == 1 ? " was" : "s were") encrypted and could not be read ("
            + listed.joined(separator: ", ") + (channels.count > 4 ? ", …" : "") + ")"
    }

    /// When the case has no setpoint or state change and no excursion, but measured values froze or jumped: what
    /// they did and, for each, the write to the same controller before it that does not explain it (its point or its
    /// value is not what the tag shows), so that the report says what is there and what to check instead of "no
    /// physical effect". Nil when no measured value did either.
    func unexplainedMeasurements(_ builder: ChainBuilder) throws -> (text: String, reasons: [String])? {
        var q = EventQuery(kinds: ["process.flatline", "process.step"])
        q.limit = 1_000
        let found = try c.events(q)
        guard !found.isEmpty else { return nil }
        func samples(_ e: Event) -> Int64 { if case .int(let n)? = e.attributes["samples"] { return n }; return 0 }
        // Frozen values first, longest first; then jumps; earlier before later among equals.
        let ranked = found.sorted { a, b in
            func key(_ e: Event) -> (Int, Int64) { (e.kind == "process.flatline" ? 0 : 1, -samples(e)) }
            return key(a.event) != key(b.event) ? key(a.event) < key(b.event) : a.event.time < b.event.time
        }
        var reasons: [String] = []
        for e in ranked.prefix(4) {
            let t = e.event.time.iso8601(precision: .seconds)
            let on = (e.event.asset ?? e.event.host).map { " on \($0)" } ?? ""
            if let (write, why) = try builder.writeNotExplaining(e) {
                reasons.append("\(e.event.message)\(on) (\(t)): a write before it does not give the value it shows (\(why)); "
                               + "event #\(write.id)")
            } else {
                reasons.append("\(e.event.message)\(on) (\(t)): no controller write to its controller shortly before it")
            }
        }
        if found.count > 4 { reasons.append("… and \(found.count - 4)\(found.count == q.limit ? " or more" : "") more (see the timeline).") }
        let top = ranked[0].event
        let text = "No setpoint or state change and no playbook finding, but measured values froze or jumped: \(top.message)"
            + "\((top.asset ?? top.host).map { " on \($0)" } ?? "") at \(top.time.iso8601(precision: .seconds)). A frozen reading is an "
            + "instrument failing or left in simulation, or a value written over the network: no write in the evidence gives "
            + "the value it shows at a point the inventory maps to the tag. Check the inventory's tag map (points and scales) "
            + "against the controller, and whether the capture covers the path to it."
        return (text, reasons)
    }

    /// The case's physical effects ranked: the first `keep` in full (and the first of each of the first six distinct
    /// effects, by kind and tag, wherever it ranks), with how many there are in all. The ranking reads the events'
    /// columns and the four attributes it needs, not the events: a year of pump switching (two hundred thousand state
    /// changes) is ranked in a few megabytes.
    struct RankedEffects {
        var top: [StoredEvent]
        var count: Int
        var isEmpty: Bool { count == 0 }
    }

    func rankedEffects(also: [StoredEvent] = [], keep: Int = 200) throws -> RankedEffects {
        struct Row { var rank: Double; var time: Int64; var id: Int64; var key: String }
        var rows: [Row] = []
        var seen = Set<Int64>()
        try c.forEachColumns(kinds: ["process.setpoint_change", "process.state_change", "process.excursion"],
                             values: ["$.to", "$.samples", "$.method", "$.ratio", "$.tag"]) { e in
            let v = e.values
            let rank = Self.effectRank(kind: e.kind, to: v[0], samples: v[1].flatMap(Double.init), method: v[2],
                                       ratio: v[3].flatMap(Double.init))
            rows.append(Row(rank: rank, time: e.time, id: e.id, key: v[4].map { "\(e.kind)|\($0)" } ?? "\(e.kind)|#\(e.id)"))
            seen.insert(e.id)
        }
        var extra: [Int64: StoredEvent] = [:]
        for e in also where !seen.contains(e.id) {
            rows.append(Row(rank: Self.effectRank(e.event), time: e.event.time.nanoseconds, id: e.id,
                            key: "\(e.event.kind)|\(e.event.attributes["tag"]?.text ?? "#\(e.id)")"))
            extra[e.id] = e
        }
        // Ranks equal but for rounding (a change and its reversal: log 4.52 against log 0.221) go by time, then row.
        rows.sort { a, b in abs(a.rank - b.rank) > 1e-9 ? a.rank > b.rank : (a.time, a.id) < (b.time, b.id) }
        var wanted = rows.prefix(keep).map(\.id)
        var keys = Set<String>()
        for r in rows where keys.count < 6 && keys.insert(r.key).inserted { wanted.append(r.id) }
        var byID = extra
        try c.forEachPage(ids: Array(Set(wanted).filter { extra[$0] == nil })) { page in
            for e in page { byID[e.id] = e }
        }
        var order: [Int64] = []
        var placed = Set<Int64>()
        for r in rows where byID[r.id] != nil && placed.insert(r.id).inserted { order.append(r.id) }
        return RankedEffects(top: order.compactMap { byID[$0] }, count: rows.count)
    }

    /// Which physical effect a reader should see first when nothing cyber explains them: a device going into a
    /// fault state, then a value beyond the inventory's limits (by how far, for how long), then excursions from a
    /// learned band, then setpoint changes by size.
    static func effectRank(_ e: Event) -> Double {
        var samples: Double?
        if case .int(let n)? = e.attributes["samples"] { samples = Double(n) }
        var ratio: Double?
        if case .double(let r)? = e.attributes["ratio"] { ratio = r }
        return effectRank(kind: e.kind, to: e.attributes["to"]?.text, samples: samples, method: e.attributes["method"]?.text,
                          ratio: ratio)
    }

    static func effectRank(kind: String, to: String?, samples: Double?, method: String?, ratio: Double?) -> Double {
        switch kind {
        case "process.state_change":
            return ChainBuilder.isFaultState(to ?? "") ? 1000 : 5
        case "process.excursion":
            let limits = method?.contains("inventory") == true
            return (limits ? 500 : 100) + min(99, log2(1 + (samples ?? 1)) * 5)
        default:
            guard let r = ratio, r > 0 else { return 1 }
            return abs(log(r))
        }
    }

    // MARK: - The process

    /// The process around a physical effect: the effect, what followed it on the same controller, its tags' values
    /// and every write to it. With a chain, the chain's writes are numbered; without one (no cyber cause), the window
    /// opens earlier to show what led up to the effect.
    func processImpact(_ impact: ChainStep, told: ReportChain?, assets: [String: Asset],
                       cite: (StoredEvent) -> Citation, clocks: [ClockInfo]) throws -> ProcessImpact
    {
        let assetName = impact.asset
        let t = impact.event.event.time.nanoseconds
        let firstWrite = told?.steps.first { $0.role == "controller write" || $0.role == "controller command" }?.time.nanoseconds ?? t
        var from = min(firstWrite, t) - (told == nil ? 30 : 10) * 60 * 1_000_000_000
        var to = t + 20 * 60 * 1_000_000_000

        // What followed on the same controller (excursions and further changes within the window), and what other
        // equipment did in the same minutes (a drive faulting as its line trips, a current climbing before).
        let kinds = ["process.excursion", "process.setpoint_change", "process.state_change"]
        let after = try c.events(EventQuery(from: Timestamp(nanoseconds: min(firstWrite, t)), to: Timestamp(nanoseconds: to),
                                            kinds: kinds))
            .filter { ($0.event.asset ?? $0.event.host) == assetName && $0.id != impact.event.id }
        let nearby = try c.events(EventQuery(from: Timestamp(nanoseconds: t - 5 * 60 * 1_000_000_000),
                                             to: Timestamp(nanoseconds: t + 5 * 60 * 1_000_000_000), kinds: kinds))
            .filter { e in (e.event.asset ?? e.event.host).map { $0 != assetName && assets[$0] != nil } ?? false }
        let effects = (after + nearby).sorted { $0.event.time < $1.event.time }.prefix(20).map { e in
            (after.contains { $0.id == e.id } ? e.event.message : "\(e.event.asset ?? e.event.host ?? "?"): \(e.event.message)",
             e.event.time, cite(e))
        }
        if let last = after.last?.event.time.nanoseconds { to = max(to, last + 5 * 60 * 1_000_000_000) }
        from = max(from, to - 4 * 3600 * 1_000_000_000)

        // The controller's tags, setpoints first, then those of the other equipment that moved with it.
        let asset = assetName.flatMap { assets[$0] }
        var others: [String] = []
        for e in nearby { if let a = e.event.asset ?? e.event.host, !others.contains(a) { others.append(a) } }
        let mapping = ((asset?.tagMap ?? []) + others.flatMap { assets[$0]?.tagMap ?? [] })
            .enumerated().sorted { a, b in
                let ka = (a.element.setpoint == true ? 0 : 1, a.offset), kb = (b.element.setpoint == true ? 0 : 1, b.offset)
                return ka < kb
            }.map(\.element)
        var wanted = mapping.map(\.tag)
        if let tag = impact.event.event.attributes["tag"]?.text, !wanted.contains(tag) { wanted.insert(tag, at: 0) }
        let all = try c.series()
        var series: [PlotSeries] = []
        var clockNote: String?
        for tag in wanted {
            guard series.count < 6, let s = all.first(where: { $0.info.tag == tag || $0.info.name == tag }) else { continue }
            let m = mapping.first { $0.tag == tag }
            var raw: [(Int64, Double)] = []
            try c.forEachSample(series: s.id, from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to)) { x in
                if let v = x.value, v.isFinite { raw.append((x.time.nanoseconds, v)) }
            }
            // A series of states (RUN, TRIPPED) has no numbers to plot; its changes are listed above.
            guard !raw.isEmpty else { continue }
            raw.sort { $0.0 < $1.0 }
            series.append(PlotSeries(name: tag, unit: s.info.unit ?? m?.unit, low: m?.low, high: m?.high,
                                     setpoint: m?.setpoint == true, points: Self.decimate(raw, to: plotPoints),
                                     samples: raw.count))
            if clockNote == nil, let ci = clocks.first(where: { $0.items.contains { $0.evidenceID == s.evidenceID } }),
               !ci.correction.isNone {
                let u = ci.uncertaintyNanos.map { " ± \(Fmt.duration($0))" } ?? ""
                clockNote = "Historian times are corrected by \(Fmt.signed(ci.correction.offsetNanos))\(u) "
                    + "(clock \(ci.name)); the plot is in corrected time, like the markers."
            }
        }

        // Markers: every controller write to this asset in the window; the chain's are numbered.
        var markers: [PlotMarker] = []
        let chainIDs = Dictionary((told?.steps ?? []).map { ($0.citation.eventID, $0.number) }, uniquingKeysWith: { a, _ in a })
        let writes = try c.events(EventQuery(from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to), kinds: ["ics"]))
            .filter { $0.event.dst.asset == assetName && Self.isCommand($0.event) }
        for w in writes.prefix(200) {
            let e = w.event
            var value = ""
            var ref = e.kind
            if let (_, points) = ControlPoint.facts(e.attributes), !points.isEmpty {
                ref = Self.list(points.map(\.point), beforeEllipsis: ", ")
                let vs = points.map(\.value).filter { $0 != .null }
                if !vs.isEmpty { value = " = " + Self.list(vs.map(\.text), beforeEllipsis: "") }
            }
            let who = e.src.asset ?? e.src.ip ?? "?"
            markers.append(PlotMarker(time: e.time.nanoseconds, label: "\(who): \(ref)\(value)", step: chainIDs[w.id],
                                      citation: cite(w)))
        }
        return ProcessImpact(asset: assetName, headline: impact.event.event.message, citation: cite(impact.event),
                             effects: effects, from: from, to: to, series: series, markers: markers, clockNote: clockNote,
                             related: others.filter { a in series.contains { s in assets[a]?.tagMap.contains { $0.tag == s.name } == true } })
    }

    /// The first three items, comma-separated, and `…` (after `beforeEllipsis`) when there are more.
    static func list(_ items: [String], beforeEllipsis: String) -> String {
        items.prefix(3).joined(separator: ", ") + (items.count > 3 ? beforeEllipsis + "…" : "")
    }

    /// A write, operate, select or command to a controller, by the control facts every ICS decoder gives.
    static func isCommand(_ e: Event) -> Bool {
        ControlPoint.facts(e.attributes) != nil
    }

    /// At most `n` points: the first and last of each bucket's minimum and maximum, in time order.
    static func decimate(_ points: [(Int64, Double)], to n: Int) -> [(Int64, Double)] {
        guard points.count > n, n >= 4 else { return points }
        let buckets = n / 2
        var out: [(Int64, Double)] = []
        out.reserveCapacity(n + 2)
        let per = Double(points.count) / Double(buckets)
        for b in 0..<buckets {
            let lo = Int(Double(b) * per), hi = min(points.count, Int(Double(b + 1) * per))
            guard lo < hi else { continue }
            var mn = lo, mx = lo
            for i in lo..<hi {
                if points[i].1 < points[mn].1 { mn = i }
                if points[i].1 > points[mx].1 { mx = i }
            }
            for i in Set([lo, mn, mx, hi - 1]).sorted() { out.append(points[i]) }
        }
        return out
    }

    // MARK: - Swimlanes

    func swimlanes(_ chain: ReportChain, findings: [ReportFinding]) throws -> Swimlanes {
        let times = chain.steps.map(\.time.nanoseconds)
        let lo = times.min()!, hi = times.max()!
        let margin = max((hi - lo) / 4, 5 * 60 * 1_000_000_000)
        let from = lo - margin, to = hi + margin
        let stepOf = Dictionary(chain.steps.map { ($0.citation.eventID, $0.number) }, uniquingKeysWith: { a, _ in a })
        let inFinding = Set(findings.flatMap(\.events))
        var events: [SwimlaneEvent] = []
        var counts: [Domain: Int] = [:]
        try c.forEachEvent(EventQuery(from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to))) { s in
            counts[s.event.domain, default: 0] += 1
            let marked = stepOf[s.id] != nil || inFinding.contains(s.id)
            if events.count < swimlaneLimit || marked {
                events.append(SwimlaneEvent(time: s.event.time.nanoseconds, domain: s.event.domain, kind: s.event.kind,
                                            step: stepOf[s.id], inFinding: inFinding.contains(s.id)))
            }
        }
        let total = counts.values.reduce(0, +)
        return Swimlanes(from: from, to: to, events: events, counts: counts, truncated: total > events.count)
    }

    // MARK: - Gaps

    func gaps(evidence: [EvidenceRow], assets: [Asset], playbookRun: (at: String, results: [PlaybookRunResult])?,
              clocks: [ClockInfo], chain: CausalChain?, verify: VerifySummary?,
              unreadable: [UnreadableChannel]) throws -> [Gap]
    {
        var out: [Gap] = []
        if let v = verify, !v.clean {
            out.append(Gap(area: "custody", text: "The case does not verify: \(v.problems.prefix(3).joined(separator: "; "))"))
        }
        // Ingest.
        for e in evidence where e.status != "complete" && e.status != "not parsed" {
            out.append(Gap(area: "ingest", text: "\(e.name) was read \(e.status == "running" ? "only partly (the ingest was interrupted)" : e.status): its events may be missing."))
        }
        let unparsed = evidence.filter { $0.status == "not parsed" && !$0.name.hasSuffix(".yaml") && !$0.name.hasSuffix(".yml") && !$0.name.hasSuffix(".md") }
        if !unparsed.isEmpty {
            out.append(Gap(area: "ingest", text: "\(unparsed.count) item\(unparsed.count == 1 ? " is" : "s are") kept but not parsed "
                           + "(no collector reads \(unparsed.count == 1 ? "it" : "them")): "
                           + unparsed.prefix(5).map { "\($0.name) (\($0.mime ?? "unknown type"))" }.joined(separator: ", ")
                           + (unparsed.count > 5 ? ", …" : "") + "."))
        }
        // A capture's account of its packets (a warning at `capture`) is no record left unread: it is counted apart.
        let accounts = (try? c.warnings(locator: "capture")) ?? []
        let accountsOf = Dictionary(grouping: accounts, by: \.evidenceID).mapValues { Int64($0.count) }
        let warned = evidence.map { ($0.name, $0.warnings - (accountsOf[$0.id] ?? 0)) }.filter { $0.1 > 0 }
        if !warned.isEmpty {
            let n = warned.reduce(0) { $0 + $1.1 }
            out.append(Gap(area: "ingest", text: "Collectors gave \(n) warning\(n == 1 ? "" : "s") "
                           + "(\(warned.prefix(4).map { "\($0.0): \($0.1)" }.joined(separator: ", "))): "
                           + "records they could not read fully; see `jikocho ingest --show-warnings`."))
        }
        // A capture that held frames twice (a SPAN session, both LANs of a PRP network, an HSR ring): its messages were
        // decoded once, and a reader comparing counts with another tool's should know.
        for w in accounts {
            guard let copies = PcapCollector.copies(inAccount: w.text) else { continue }
            let name = evidence.first { $0.id == w.evidenceID }?.name ?? "a capture"
            out.append(Gap(area: "ingest", text: "\(name) held frames twice: \(copies); its messages and counts are each "
                           + "frame's once."))
        }
        if assets.isEmpty {
            out.append(Gap(area: "inventory", text: "The case has no asset inventory: hosts' roles and the historian's tag "
                           + "maps are unknown, so no controller write can be traced to a process tag and role-based "
                           + "playbooks could not look (import the site's inventory with --assets)."))
        } else if let types = try? RegisterTypeInference.infer(c, resolver: c.assetResolver()) {
            // Register points whose writes one unsigned register does not explain: how they were read, or that
            // no reading explained them.
            for r in types {
                let hint = r.type.map { t in "add `type: \(t.kind.rawValue)`" + (t.registers == 2 && t.lowWordFirst ? " and `word_order: low-first`" : "")
                    + " to its mapping in the inventory if the register list confirms it" }
                    ?? "say in the inventory how the controller holds it (`type:` \(RegisterType.acceptedTypes); `word_order:` for 32 bits)"
                out.append(Gap(area: "inventory", text: "\(r.asset) \(r.point) → \(r.tag): \(r.explanation); \(hint)."))
            }
        }
        // Playbooks.
        if let run = playbookRun, !run.results.isEmpty {
            for r in run.results {
                for g in r.gaps { out.append(Gap(area: "playbook", text: "\(r.playbook) could not look: \(g)")) }
            }
        } else {
            out.append(Gap(area: "playbook", text: "No playbooks have been run on the case: run `jikocho run CASE` before the report."))
        }
        // Clocks.
        for ci in clocks where ci.source == .none && !ci.items.isEmpty {
            out.append(Gap(area: "clock", text: "The clock \(ci.name) is taken as recorded: no estimate or correction "
                           + "(\(ci.items.count) item\(ci.items.count == 1 ? "" : "s")); its times may be off by its drift."))
        }
        if let chain {
            // An uncertainty larger than a link of the chain through that clock's evidence makes the link's order
            // uncertain.
            for ci in clocks where ci.source != .reference {
                let items = Set(ci.items.map(\.evidenceID))
                for (i, link) in chain.links.enumerated() where link.rule != "tag-map" {
                    let ends = [chain.steps[i].event.event.provenance.evidenceID, chain.steps[i + 1].event.event.provenance.evidenceID]
                    guard ends.contains(where: items.contains), let u = ci.uncertaintyNanos, u > abs(link.gapNanos) else { continue }
                    out.append(Gap(area: "clock", text: "\(ci.name)'s clock is known to ± \(Fmt.duration(u)), more than the "
                                   + "\(Fmt.duration(link.gapNanos)) between chain steps \(i + 1) and \(i + 2): their order is uncertain."))
                }
            }
        }
        // Inventory: hosts whose own logs are not in the case.
        // An asset has evidence of its own when events name it as observer, or when an item is on its clock
        // (the inventory lists the file among its evidence, or all of the item's events come from it).
        var logged = try c.loggingAssets()
        for a in try c.clockAssignments() where a.basis == .inventory || a.basis == .host { logged.insert(a.clock) }
        let hostRoles: Set<String> = ["hmi", "engineering-workstation", "jump-host", "domain-controller", "historian",
                                      "server", "workstation", "file-server", "scada-server", "monitoring",
                                      "web-server", "file-transfer", "mail-server"]
        let onChain = Set(chain?.steps.compactMap(\.asset) ?? [])
        for a in assets where hostRoles.contains(a.role.rawValue) && !logged.contains(a.name) {
            var why = ""
            if onChain.contains(a.name) {
                why = " It is on the chain: what happened on it is inferred from other sources."
            } else if let end = chain?.end, end.contains(a.name) {
                why = " The chain stops there: who used it, and from where, is not in the evidence."
            }
            out.append(Gap(area: "evidence", text: "No logs of \(a.name) (\(a.role.rawValue)) are in the case.\(why)"))
        }
        // Control connections that could not be read: whatever was written over them is missing from every chain.
        if !unreadable.isEmpty {
            out.append(Gap(area: "evidence", text: Self.unreadableSentence(unreadable) + ": writes and commands over "
                           + "them are not in the captures, and no chain can include them. The controllers' or servers' own "
                           + "audit logs, or the sessions' keys, would show them."))
        }
        // Remote-control sessions on no known host (a tool's connection list names none): the chain cannot use them.
        var unplaced: [Int64: Int] = [:]
        for s in try c.events(EventQuery(kinds: ["remote.control_start"], limit: 10_000))
        where s.event.asset == nil && s.event.dst.asset == nil && s.event.dst.ip == nil {
            unplaced[s.event.provenance.evidenceID, default: 0] += 1
        }
        for (id, n) in unplaced.sorted(by: { $0.key < $1.key }) {
            let name = evidence.first { $0.id == id }?.name ?? "evidence #\(id)"
            out.append(Gap(area: "evidence", text: "\(n) remote-control session\(n == 1 ? "" : "s") in \(name) \(n == 1 ? "is" : "are") on "
                           + "no known host (the list names none): ingest it with --host NAME, or list the file under its "
                           + "asset's evidence: in the inventory, so that the chain can use \(n == 1 ? "it" : "them")."))
        }
        return out
    }
}

extension Timestamp {
    /// Parses the RFC 3339 times our own JSON writes (`2021-02-05T18:25:50.600000000Z`).
    init?(iso text: String) {
        guard let t = TimeParser.iso8601(text)?.timestamp(assumingOffset: 0) else { return nil }
        self = t
    }
}

import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Timeline

struct ChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Walk back from a physical effect to the intrusion, one evidenced link at a time.",
        discussion: """
            jikocho chain CASE --impact process.setpoint_change   chains for every setpoint change (furthest-reaching first)
            jikocho chain CASE --from 1234                         the chain behind event #1234
            Each link names the rule that joined it, the time between its ends and the evidence on both sides; other \
            sessions that could explain a step are listed as competing explanations. Chains are stored as findings. \
            Run `jikocho clock CASE estimate --apply` first: links are found in corrected time.
            """)

    @Argument(help: "The case directory.") var `case`: String
    @Option(help: "Kind of the physical effect to start from.") var impact = "process.setpoint_change"
    @Option(help: "Start from this event id instead.") var from: Int64?
    @Option(help: "At most this many chains.") var limit = 3
    @Flag(help: "Print JSON (one chain per line).") var json = false
    @Flag(help: "Do not store the chains as findings.") var noSave = false

    func run() throws {
        let c = try Case.open(at: `case`, mode: noSave ? .read : .write)
        let builder = try ChainBuilder(c)
        let chains: [CausalChain]
        if let from {
            guard let one = try builder.chain(fromEventID: from) else {
                throw CaseError(.notFound, "event #\(from) is not in the case", hint: "find it with `jikocho events --json`")
            }
            chains = [one]
        } else {
            chains = try builder.chains(impact: impact, limit: max(1, limit))
        }
        guard !chains.isEmpty else {
            throw CaseError(.notFound, "no \(impact) events in the case",
                            hint: "list process events with `jikocho events CASE --domain process`")
        }
        let context = try TimelineContext(c)
        var out = BufferedOutput()
        for (n, chain) in chains.enumerated() {
            if json {
                out.line(chain.json(context).canonicalJSON)
            } else {
                if n > 0 { out.line("") }
                print(chain, number: n + 1, of: chains.count, context: context, into: &out)
            }
        }
        out.flush()
        if !noSave {
            for chain in chains where chain.steps.count > 1 {
                try c.saveFinding(Finding(playbook: "Timeline.CausalChain", title: chain.title, severity: chain.severity,
                                          summary: chain.summary, eventIDs: chain.steps.map(\.event.id),
                                          createdAt: .now),
                                  detail: chain.json(context))
            }
        }
    }

    func print(_ chain: CausalChain, number: Int, of total: Int, context: TimelineContext, into out: inout BufferedOutput) {
        let impact = chain.impact.event.event
        out.line("Chain \(number) of \(total): \(impact.kind) on \(chain.impact.asset ?? "?") at "
                 + "\(impact.time.iso8601(precision: .milliseconds)) — \(chain.steps.count) step\(chain.steps.count == 1 ? "" : "s")"
                 + (chain.reachesOutside ? ", reaches outside the site" : ""))
        for (i, s) in chain.steps.enumerated() {
            let e = s.event.event
            let item = context.items[e.provenance.evidenceID]
            out.line("  \(i + 1). \(e.time.iso8601(precision: .milliseconds))  \(s.role.rightPad(16)) "
                     + "\((s.asset ?? "-").terminalSafe.rightPad(12)) \(e.kind.terminalSafe.rightPad(24)) "
                     + "\((e.user ?? "-").terminalSafe.rightPad(12)) \(e.message.terminalSafe)")
            out.line("       evidence: #\(e.provenance.evidenceID) \((item?.name ?? "").terminalSafe) "
                     + "\(e.provenance.locator.terminalSafe), sha256 \(item?.sha256.prefix(16) ?? "?")…"
                     + (e.time != e.recordedTime ? ", recorded \(e.recordedTime.iso8601(precision: .milliseconds))" : ""))
            for note in s.notes { out.line("       note: \(note.terminalSafe)") }
            for a in chain.alternatives where a.step == i {
                out.line("       competing: \(a.why.terminalSafe) [#\(a.event.event.provenance.evidenceID) "
                         + "\(a.event.event.provenance.locator.terminalSafe)]")
            }
            if i < chain.links.count {
                let l = chain.links[i]
                out.line("         ↓ \(l.rule), \(ClockCorrection.seconds(l.gapNanos)): \(l.explanation.terminalSafe)")
            }
        }
        out.line("  end: \(chain.end.terminalSafe)")
    }
}

import ArgumentParser
import EvidenceStore
import Foundation
import JikochoModel
import Playbooks

struct SigmaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigma", abstract: "Check Sigma rules, or run them over a case.",
        subcommands: [Check.self, Run.self])

    /// Loads rules and reports every one that cannot run here.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load Sigma rule files and folders; print each rule that cannot run, with the reason.",
            discussion: "Exits non-zero when a rule cannot run.")

        @Argument(help: "Rule files and folders.") var paths: [String]
        @Flag(help: "Print JSON (one object per problem, then a summary).") var json = false

        func run() throws {
            let set = SigmaLoader.loadAll(paths: paths)
            let (rules, problems) = (set.rules, set.problems)
            let engine = SigmaEngine(rules: rules)
            let correlator = SigmaCorrelator(correlations: set.correlations, engine: engine)
            var out = BufferedOutput()
            let unmapped = engine.unmapped.map { SigmaProblem(file: $0.rule.file, line: 0, title: $0.rule.title, reason: $0.reason) }
                + correlator.problems
            for p in problems + unmapped {
                if json {
                    var o: [String: JSONValue] = ["file": .string(p.file), "line": .int(Int64(p.line))]
                    o["reason"] = .string(p.reason)
                    if let t = p.title { o["title"] = .string(t) }
                    out.line(JSONValue.object(o).canonicalJSON)
                } else {
                    out.line(p.description.terminalSafe)
                }
            }
            let bad = problems.count + unmapped.count
            if json {
                out.line(JSONValue.object(["rules": .int(Int64(rules.count + problems.count)),
                                           "runnable": .int(Int64(engine.rules.count)),
                                           "cannot_run": .int(Int64(bad))]).canonicalJSON)
            }
            out.flush()
            Output.err("\(rules.count + problems.count) rule\(rules.count + problems.count == 1 ? "" : "s"): "
                       + "\(engine.rules.count) can run, \(bad) cannot"
                       + (set.correlations.isEmpty ? "" : "; \(correlator.correlations.count) of \(set.correlations.count) correlation rules can run"))
            if bad > 0 { throw ExitCode(1) }
        }
    }

    /// Runs rules over every event of a case.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run Sigma rules over a case's events and print the matches.")

        @Argument(help: "The case directory.") var `case`: String
        @Argument(help: "Rule files and folders.") var paths: [String]
        @Option(help: "At most this many matches printed (all are counted).") var limit: Int?
        @Flag(help: "Print JSON lines.") var json = false
        @Flag(help: .hidden) var noPrefilter = false

        func run() throws {
            let set = SigmaLoader.loadAll(paths: paths)
            let (rules, problems) = (set.rules, set.problems)
            for p in problems.prefix(5) { Output.err("cannot run: \(p.description.terminalSafe)") }
            if problems.count > 5 { Output.err("… and \(problems.count - 5) more rules that cannot run (see `jikocho sigma check`)") }
            let c = try Case.open(at: `case`, mode: .read)
            // The inventory gives the `jikocho` logsource its roles, zones and levels.
            let engine = SigmaEngine(rules: rules, assets: try c.assets())
            engine.usePrefilter = !noPrefilter
            let correlator = SigmaCorrelator(correlations: set.correlations, engine: engine)
            for p in correlator.problems { Output.err("cannot run: \(p.description.terminalSafe)") }
            var correlated = 0
            var out = BufferedOutput()
            var printed = 0
            var counts: [Int: Int] = [:]
            var events = 0
            let start = Date()
            let progress = Output.Progress()
            if !json {
                out.line("TIME                      LEVEL     RULE                                              HOST             EVIDENCE")
            }
            // Events are read in order and evaluated a batch at a time on every core; matches are then handled in
            // the events' order (correlations depend on it).
            var batch: [StoredEvent] = []
            func flushBatch() {
                let all = engine.matches(batch.map(\.event))
                for (s, found) in zip(batch, all) { handle(s, found) }
                batch.removeAll(keepingCapacity: true)
            }
            try c.forEachEvent(EventQuery()) { s in
                batch.append(s)
                if batch.count == 4096 { flushBatch() }
            }
            flushBatch()
            func handle(_ s: StoredEvent, _ found: [SigmaMatch]) {
                events += 1
                if events % 20_000 == 0 { progress.update("\(events) events, \(counts.values.reduce(0, +)) matches") }
                for x in correlator.feed(s.event, id: s.id, matches: found) {
                    correlated += 1
                    let group = x.group.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    if json {
                        out.line(JSONValue.object([
                            "correlation": .string(x.title), "time": .string(x.time.iso8601()),
                            "group": .object(x.group.mapValues { .string($0) }), "count": .int(Int64(x.count)),
                            "events": .array(x.events.map { .int($0) }),
                        ]).canonicalJSON)
                    } else {
                        out.line([x.time.iso8601(precision: .milliseconds).rightPad(25), "corr".rightPad(9),
                                  String(x.title.terminalSafe.prefix(49)).rightPad(49),
                                  "\(group) (\(x.count); events \(x.events.prefix(8).map { "#\($0)" }.joined(separator: " "))"
                                  + (x.events.count > 8 ? " …" : "") + ")"].joined(separator: " ").terminalSafe)
                    }
                }
                for m in found {
                    counts[m.rule, default: 0] += 1
                    guard limit.map({ printed < $0 }) ?? true else { continue }
                    printed += 1
                    let r = engine.rules[m.rule]
                    let e = s.event
                    if json {
                        var o: [String: JSONValue] = [
                            "rule": .string(r.title), "rule_file": .string(r.file), "level": .string(r.level ?? "-"),
                            "event_id": .int(s.id), "time": .string(e.time.iso8601()), "kind": .string(e.kind),
                            "evidence": .int(e.provenance.evidenceID), "locator": .string(e.provenance.locator),
                            "techniques": .array(r.techniques.map { .string($0) }), "message": .string(e.message),
                        ]
                        if let id = r.id { o["rule_id"] = .string(id) }
                        if let h = e.host { o["host"] = .string(h) }
                        out.line(JSONValue.object(o).canonicalJSON)
                    } else {
                        out.line([e.time.iso8601(precision: .milliseconds).rightPad(25), (r.level ?? "-").rightPad(9),
                                  String(r.title.terminalSafe.prefix(49)).rightPad(49), (e.asset ?? e.host ?? "-").terminalSafe.rightPad(16),
                                  "#\(e.provenance.evidenceID) \(e.provenance.locator)".terminalSafe].joined(separator: " "))
                    }
                }
            }
            out.flush()
            progress.clear()
            let seconds = Date().timeIntervalSince(start)
            let total = counts.values.reduce(0, +)
            Output.err("\(engine.rules.count) rules over \(events) events in \(String(format: "%.2f", seconds)) s: "
                       + "\(total) match\(total == 1 ? "" : "es") of \(counts.count) rule\(counts.count == 1 ? "" : "s")"
                       + (correlator.correlations.isEmpty ? "" : ", \(correlated) correlation\(correlated == 1 ? "" : "s")")
                       + (printed < total ? " (\(printed) printed)" : ""))
        }
    }
}

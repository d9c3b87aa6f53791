import ArgumentParser
import Collectors
import EvidenceStore
import Exercises
import Playbooks
import Foundation
import JikochoModel

/// Commands for the project's own tests and benchmarks; hidden from help.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Tools for Jikocho's own tests and benchmarks.", shouldDisplay: false,
        subcommands: [Synthesize.self, SynthesizeSeries.self, ServeBench.self, Collect.self, Exercise.self, Generalization.self, SigmaBench.self, CLIReferenceCommand.self,
                      CaptureCommand<BACnetRefusals>.self, CaptureCommand<VNCSessions>.self,
                      CaptureCommand<ModbusRTUSessions>.self, CaptureCommand<ModbusUDPSessions>.self, CaptureCommand<HARTIPSessions>.self, CaptureCommand<FINSCommands>.self,
                      CaptureCommand<MMSCommands>.self, CaptureCommand<Encapsulations>.self, CaptureCommand<SubstationMulticast>.self, Copies.self])

    /// Writes one of the captures a decoder is checked with against tshark (its golden script runs it).
    struct CaptureCommand<Capture: OracleCapture>: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: Capture.commandName, abstract: Capture.abstract)
        }

        @Argument(help: "The capture to write.") var path: String

        func run() throws { print("\(try Capture.write(to: path)) frames") }
    }

    /// Prints docs/cli.md.
    struct CLIReferenceCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cli-reference", abstract: "Print the command reference (docs/cli.md) from the parser's help.")

        func run() throws { print(CLIReference.markdown(), terminator: "") }
    }

    /// Runs an ingest run of synthetic events attached to an evidence item: the load for the sink benchmark and
    /// for the kill -9 test of ingest atomicity.
    struct Synthesize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest synthetic events as a run of the synthetic/events collector.")

        @Argument(help: "The case directory.") var `case`: String
        @Option(help: "Evidence item the events are attached to.") var evidence: Int64
        @Option(help: "Number of events.") var events: Int = 100_000
        @Option(help: "Events per transaction.") var batch: Int = 10_000

        func run() throws {
            let c = try Case.open(at: `case`, mode: .write)
            for note in c.recoveryNotes { Output.err("recovered: \(note)") }
            let run = try c.beginIngest(evidenceID: evidence, collector: SyntheticEvents.collectorName,
                                        collectorVersion: SyntheticEvents.collectorVersion, batchSize: batch)
            Output.err("run #\(run.id) started")
            let start = Date()
            for i in 0..<events {
                try run.emit(SyntheticEvents.event(i, evidenceID: evidence))
            }
            let s = try run.finish()
            let secs = Date().timeIntervalSince(start)
            print("run #\(s.runID): \(s.events) events, \(s.warnings) warnings in \(String(format: "%.2f", secs)) s "
                  + "(\(Int(Double(s.events) / max(secs, 1e-9))) events/s)")
        }
    }

    /// Runs a collector over a file into a sink that only counts: the parser's own speed, without the store.
    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a collector over a file, counting only.")

        @Argument(help: "The files.") var paths: [String]
        @Option(help: "Collector name.") var collector: String
        @Option(help: "Read the files this many times over (to time small samples on a large volume).")
        var `repeat`: Int = 1
        @Option(help: "Collector options as key=value (tz=UTC, year=2021).") var option: [String] = []
        @Option(help: "Also sum an integer attribute over the events whose kind starts with a prefix (ATTRIBUTE:PREFIX).")
        var sum: String?
        @Option(help: "Threads a collector may parse one file with (every core by default).")
        var threads: Int = Parallel.cores

        final class CountingSink: EventSink {
            var events = 0
            var warnings = 0
            var sumKey: String?
            var sumPrefix = ""
            var total: Int64 = 0

            func emit(_ event: Event) throws {
                events += 1
                if let k = sumKey, event.kind.hasPrefix(sumPrefix), case .int(let v)? = event.attributes[k] { total += v }
            }

            func warn(_ warning: CollectorWarning) throws { warnings += 1 }

            var series: [String: Int] = [:]
            var samples = 0

            func defineSeries(_ info: SeriesInfo) throws -> Int {
                if let i = series[info.name] { return i }
                series[info.name] = series.count
                return series.count - 1
            }

            func emit(_ sample: Sample, series: Int) throws { samples += 1 }
        }

        /// This process's own peak resident memory: VmHWM (getrusage's ru_maxrss on Linux starts from the parent's
        /// high-water mark at fork and survives exec, so it would report the benchmark driver's memory).
        static func peakRSSKiB() -> Int {
            if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
            {
                return kib
            }
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return usage.ru_maxrss
        }

        func run() throws {
            guard let c = CollectorRegistry.named(collector) else {
                throw ValidationError("no collector named \(collector)")
            }
            var options: [String: String] = [:]
            for o in option {
                let kv = o.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { options[kv[0]] = kv[1] }
            }
            let sink = CountingSink()
            if let sum {
                let parts = sum.split(separator: ":", maxSplits: 1).map(String.init)
                sink.sumKey = parts.first
                sink.sumPrefix = parts.count > 1 ? parts[1] : ""
            }
            var bytes = 0
            let start = Date()
            for _ in 0..<max(1, `repeat`) {
                for path in paths {
                    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: path,
                                            originalPath: path, acquiredAt: .now, examiner: "dev")
                    try c.init().collect(EvidenceSource(item: item, path: path, options: options,
                                                                 threads: max(1, threads)), into: sink)
                    bytes += (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                }
            }
            let secs = Date().timeIntervalSince(start)
            print("\(sink.events) events, \(sink.warnings) warnings, \(bytes) bytes in \(String(format: "%.2f", secs)) s "
                  + "(\(Int(Double(sink.events) / max(secs, 1e-9))) events/s), peak RSS \(Self.peakRSSKiB()) KiB")
            if sink.samples > 0 || !sink.series.isEmpty {
                print("\(sink.samples) samples in \(sink.series.count) series "
                      + "(\(Int(Double(sink.samples) / max(secs, 1e-9))) samples/s)")
            }
            if let k = sink.sumKey { print("sum of \(k) over \(sink.sumPrefix)*: \(sink.total)") }
        }
    }

    /// Generates an exercise's evidence from its seed (what `make evidence` runs for `Evidence/`).
    struct Exercise: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate an exercise's evidence into a directory.")

        @Argument(help: "The exercise (\(ExerciseLibrary.names.joined(separator: ", "))).") var name: String
        @Argument(help: "The directory to write.") var directory: String
        @Option(help: "The seed (the exercise's own by default).") var seed: UInt64?

        func run() throws {
            guard ExerciseLibrary.names.contains(name) else {
                throw ValidationError("unknown exercise \(name); known: \(ExerciseLibrary.names.joined(separator: ", "))")
            }
            let summary = try ExerciseLibrary.generate(name, seed: seed, into: directory)
            for (file, n) in summary.files.sorted(by: { $0.key < $1.key }) {
                print("\(file): \(n)")
            }
        }
    }

    /// Writes one case of the generalization suite (write path × remote-access product × historian dialect).
    struct Generalization: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a generalization-suite case (e.g. dnp3-openvpn-pi) into a directory.")

        @Argument(help: "The case: WRITE-ACCESS-HISTORIAN, or `list`.") var name: String
        @Argument(help: "The directory to write.") var directory: String?

        func run() throws {
            let all = GeneralizationCase.all
            if name == "list" {
                for x in all { print("\(x.name)\t\(x.form.rawValue)") }
                return
            }
            guard let x = all.first(where: { $0.name == name }) else {
                throw ValidationError("unknown case \(name); `jikocho dev generalization list` names them")
            }
            guard let directory else { throw ValidationError("give the directory to write \(name) into") }
            let t = try x.generate(into: directory)
            print("\(x.name): historian offset \(t.historianOffset) s, \(t.vpnUser) from \(t.outsideIP) given \(t.tunnelIP), "
                  + "\(t.writeKind) to \(t.point) at \(Timestamp(nanoseconds: t.attackWrite).iso8601(precision: .milliseconds))")
        }
    }

    /// Runs Sigma rules over synthetic Windows events in memory: the engine's own speed, for `make bench`.
    struct SigmaBench: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time Sigma rules over synthetic Windows events.")

        @Argument(help: "Rule files and folders.") var paths: [String]
        @Option(help: "Number of events.") var events: Int = 1_000_000
        @Option(help: "Seed.") var seed: UInt64 = 7
        @Flag(help: "Evaluate every candidate rule (no literal index).") var noPrefilter = false
        @Flag(help: "List the buckets and the rules the index cannot skip.") var verbose = false

        func run() throws {
            let loadStart = Date()
            let (rules, problems) = SigmaLoader.load(paths: paths)
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let engine = SigmaEngine(rules: rules)
            engine.usePrefilter = !noPrefilter
            var rng = SeededRandom(seed: seed)
            let generator = SyntheticWindowsEvents()
            // Events are made before the clock starts: the engine is timed, not the generator.
            let batch = 50_000
            var matched = 0
            var seconds = 0.0
            var done = 0
            while done < events {
                let n = min(batch, events - done)
                let evs = (0..<n).map { generator.event(done + $0, rng: &rng) }
                let t0 = Date()
                matched += engine.matches(evs).reduce(0) { $0 + $1.count }
                seconds += Date().timeIntervalSince(t0)
                done += n
            }
            let rate = Double(events) / max(seconds, 1e-9)
            print("sigma: \(rules.count) rules loaded in \(String(format: "%.2f", loadSeconds)) s (\(problems.count) cannot run); "
                  + "\(events) events in \(String(format: "%.2f", seconds)) s = \(Int(rate)) events/s, "
                  + "\(String(format: "%.3g", rate * Double(rules.count))) event×rules/s; \(matched) matches; "
                  + "\(engine.evaluations) rule evaluations (\(String(format: "%.1f", Double(engine.evaluations) / Double(max(events, 1)))) per event)")
            if verbose {
                for b in engine.bucketStats {
                    print("  \(b.key): \(b.candidates) candidate rules, \(b.always) not indexed")
                    for t in b.alwaysTitles { print("    \(t)") }
                }
            }
        }
    }
}

/// A capture generated for an oracle comparison, written by `jikocho dev NAME PATH`.
protocol OracleCapture {
    static var commandName: String { get }
    static var abstract: String { get }
    static func write(to path: String) throws -> Int
}

extension BACnetRefusals: OracleCapture {
    static let commandName = "bacnet-refusals"
    static let abstract = "Write a capture of every BACnet confirmed service answered by Error, Reject and Abort."
}

extension VNCSessions: OracleCapture {
    static let commandName = "vnc-sessions"
    static let abstract = "Write a capture of VNC (RFB) handshakes: let in, refused, cut short."
}

extension FINSCommands: OracleCapture {
    static let commandName = "fins-commands"
    static let abstract = "Write a capture of OMRON FINS commands over UDP and TCP: reads, writes, fills, STOP and RUN, refusals."
}

extension MMSCommands: OracleCapture {
    static let commandName = "mms-commands"
    static let abstract = "Write a capture of an IEC 61850 client's MMS session: association, reads, selects, operates, settings, refusals."
}

extension ModbusRTUSessions: OracleCapture {
    static let commandName = "modbus-rtu-sessions"
    static let abstract = "Write a capture of Modbus RTU carried over TCP (a serial device server's link, and on port 502)."
}

extension HARTIPSessions: OracleCapture {
    static let commandName = "hart-ip-sessions"
    static let abstract = "Write a capture of HART-IP sessions with a multiplexer: reads, a range rewritten, the loop current fixed, a device variable simulated, refusals."
}

extension SubstationMulticast: OracleCapture {
    static let commandName = "substation-multicast"
    static let abstract = "Write a capture of IEC 61850 GOOSE and Sampled Values: a trip, a silent publisher, a test flag, a merging unit, spoofed and replayed frames."
}

extension Encapsulations: OracleCapture {
    static let commandName = "encapsulations"
    static let abstract = "Write a capture of one Modbus exchange through every encapsulation the decoder reads (VLAN, ERSPAN, VXLAN, Geneve, GRE, IP in IP, MPLS, PPPoE, HSR), and hostile tunnels."
}

extension ModbusUDPSessions: OracleCapture {
    static let commandName = "modbus-udp-sessions"
    static let abstract = "Write a capture of Modbus over UDP: Modbus/UDP on port 502, RTU frames to a device server's port 4001."
}

extension DevCommand {
    /// Writes a real capture as a network that records or sends every frame twice gives it (its golden script runs it).
    struct Copies: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copies",
            abstract: "Copy an Ethernet capture as a SPAN session, a PRP network on both LANs or on one, or an HSR ring gives it.")

        @Argument(help: "The capture to copy.") var input: String
        @Argument(help: "The capture to write.") var output: String
        @Option(help: "span, prp, prp-one-lan or hsr.") var mode: String

        func run() throws {
            guard let m = RedundantCopies.Mode(rawValue: mode) else {
                throw ValidationError("unknown mode \(mode): use one of \(RedundantCopies.Mode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let r = try RedundantCopies.copy(input, to: output, mode: m)
            print("\(r.frames) frames, \(r.copies) copies")
        }
    }
}

import ArgumentParser
import Dispatch
import EvidenceStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JikochoModel
import Viewer

extension DevCommand {
    /// A long historian series of synthetic samples, for the viewer's benchmark: one sample a second from 2021-01-01.
    struct SynthesizeSeries: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "synthesize-series", abstract: "Ingest one synthetic series of N samples (one a second).")

        @Argument(help: "The case directory.") var `case`: String
        @Option(help: "Evidence item the samples are attached to.") var evidence: Int64
        @Option(help: "Number of samples.") var samples: Int = 31_536_000

        func run() throws {
            let c = try Case.open(at: `case`, mode: .write)
            let run = try c.beginIngest(evidenceID: evidence, collector: "synthetic/samples", collectorVersion: "1")
            let series = try run.defineSeries(SeriesInfo(name: "Synthetic/Level", unit: "m"))
            let start = Timestamp(seconds: 1_609_459_200)
            var rng = SeededRandom(seed: 20_261_203)
            var level = 5.0
            for i in 0..<samples {
                // A tank level that drifts, with a spike now and then (what min/max drawing must keep).
                level = min(10, max(0, level + (Double(rng.next() % 2001) - 1000) / 100_000))
                let spike = i % 1_000_003 == 17 ? 4.0 : 0
                try run.emit(Sample(time: start + Int64(i) * 1_000_000_000, value: level + spike, line: i + 2), series: series)
            }
            let s = try run.finish()
            print("run #\(s.runID): \(s.samples) samples in \(s.series) series")
        }
    }

    /// Times what the viewer's page asks first, over HTTP to a real server on this machine: the first page of
    /// the case's summary, events (with no filter, a kind, a full-text word), the swimlanes, and each series drawn at a
    /// screen's width.
    struct ServeBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve-bench", abstract: "Time the viewer's first requests over HTTP (best of 3).")

        @Argument(help: "The case directory.") var `case`: String
        @Option(help: "Buckets a series is drawn with (a plot's width in pixels).") var buckets: Int = 1400

        func run() throws {
            let c = try Case.open(at: `case`, mode: .read)
            let web = Shipped.folder(.web) ?? ""
            let server = try ViewerServer(api: try ViewerAPI(c), web: web, token: nil)
            final class Port: @unchecked Sendable { var value: UInt16 = 0 }
            let port = Port()
            let ready = DispatchSemaphore(value: 0)
            Task { try await server.run(bind: "127.0.0.1", port: 0) { p in port.value = p; ready.signal() } }
            ready.wait()
            let base = "http://127.0.0.1:\(port.value)"
            func fetch(_ path: String) -> (Int, Int, Double) {
                final class Box: @unchecked Sendable { var status = 0; var bytes = 0 }
                let box = Box()
                let done = DispatchSemaphore(value: 0)
                let t0 = DispatchTime.now()
                URLSession.shared.dataTask(with: URL(string: base + path)!) { data, response, _ in
                    box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    box.bytes = data?.count ?? 0
                    done.signal()
                }.resume()
                done.wait()
                return (box.status, box.bytes, Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
            }
            let info = try c.summary()
            print("case: \(info.eventCount) events, \(info.sampleCount) samples in \(info.seriesCount) series")
            var paths = [("case summary, kinds and domains", "/api/case"),
                         ("first page of events", "/api/events?limit=200"),
                         ("first page, one kind", "/api/events?limit=200&kind=auth.logon"),
                         ("first page, full-text word", "/api/events?limit=200&q=operator3"),
                         ("first page, rare full-text word", "/api/events?limit=200&q=60152"),
                         ("length of the list, full-text word", "/api/count?q=operator3"),
                         ("swimlanes (histogram, 700 buckets)", "/api/histogram?buckets=700"),
                         ("length of the list", "/api/count"),
                         ("length of the list, one kind", "/api/count?kind=auth.logon"),
                         ("page in the middle of the list", "/api/events?limit=500&at=\(info.eventCount / 2)"),
                         ("page at the end of the list", "/api/events?limit=500&at=\(max(0, info.eventCount - 500))"),
                         ("page in the middle, one kind", "/api/events?limit=500&kind=auth.logon&at=\(info.eventCount / 6)"),
                         ("place of an event in the middle", "/api/place?event=\(max(1, info.eventCount / 2))")]
            for s in try c.series() {
                paths.append(("series \(s.info.name) (\(s.samples) samples) at \(buckets) buckets", "/api/series/\(s.id)?buckets=\(buckets)"))
            }
            for (label, path) in paths {
                var best = Double.infinity
                var last = (0, 0, 0.0)
                for _ in 0..<3 {
                    last = fetch(path)
                    best = min(best, last.2)
                }
                print("\(label): \(String(format: "%.0f", best)) ms (HTTP \(last.0), \(last.1) bytes)")
            }
        }
    }
}

import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

/// Items read ahead on other threads while the one before is written: the case is the same, row for row (event
/// ids, warnings, runs, series and samples, custody), as reading the items one by one; a failing item fails alone;
/// a run that stops taking events stops its collector.
@Suite struct IngestQueueTests {
    /// Every evidence file of the exercises (captures, Windows logs, syslog, firewall and web logs, historian
    /// exports, archives' members), added to a fresh case and ingested reading `readAhead` items ahead.
    static func ingestExercises(_ tmp: TempDir, readAhead: Int, options: IngestOptions? = nil) throws -> (Case, [IngestOutcome]) {
        let c = try Case.create(at: tmp.url.appendingPathComponent("case-\(readAhead)").path, name: "queue", examiner: "t")
        let root = TestPaths.repoRoot.appendingPathComponent("Evidence").path
        let folders = try FileManager.default.contentsOfDirectory(atPath: root).sorted().map { "\(root)/\($0)" }
        var items: [EvidenceItem] = []
        for o in try c.add(paths: folders) {
            switch o {
            case .added(let i), .duplicate(let i, _): items.append(i)
            case .skipped: break
            }
        }
        var all: [EvidenceItem] = []
        func visit(_ i: EvidenceItem) throws {
            all.append(i)
            for child in try c.children(of: i.id) { try visit(child) }
        }
        for i in items { try visit(i) }
        var o = options ?? IngestOptions()
        o.readAhead = readAhead
        let queue = IngestQueue(case: c, items: all, options: o)
        var outcomes: [IngestOutcome] = []
        for _ in all { outcomes.append(try queue.ingestNext()) }
        return (c, outcomes)
    }

    /// What the case holds, as rows a test can compare (times of the runs and custody left out: they are the clock's).
    static func contents(_ c: Case) throws -> [String: [Row]] {
        try c.read { db in
            var out: [String: [Row]] = [:]
            for (name, sql) in [
                ("events", "SELECT * FROM events ORDER BY id"),
                ("warnings", "SELECT * FROM warnings ORDER BY id"),
                ("runs", "SELECT id, evidence_id, collector, collector_version, options, status, events, warnings, samples, note FROM ingest_runs ORDER BY id"),
                ("series", "SELECT * FROM series ORDER BY id"),
                ("blocks", "SELECT * FROM sample_blocks ORDER BY rowid"),
                ("counts", "SELECT * FROM event_counts ORDER BY level, slot, run_id, domain, kind"),
                ("custody", "SELECT seq, actor, action, subject FROM custody ORDER BY seq"),
                ("search", "SELECT rowid FROM events_fts WHERE events_fts MATCH 'setpoint OR logon OR write' ORDER BY rowid"),
            ] {
                out[name] = try Row.fetchAll(db, sql: sql)
            }
            return out
        }
    }

    @Test func readingAheadGivesTheSameCaseAsReadingOneByOne() throws {
        let tmp = TempDir()
        let (one, outcomes1) = try Self.ingestExercises(tmp, readAhead: 0)
        let expected = try Self.contents(one)
        #expect(expected["events"]!.count > 1000)
        #expect(expected["blocks"]!.count > 0)
        #expect(outcomes1.contains { if case .ingested = $0 { return true }; return false })
        for threads in [1, 3] {
            let (c, outcomes) = try Self.ingestExercises(tmp, readAhead: threads)
            #expect(outcomes.map(Self.summary) == outcomes1.map(Self.summary), "read ahead \(threads)")
            let got = try Self.contents(c)
            for (name, rows) in expected {
                #expect(got[name] == rows, "read ahead \(threads): \(name) differ (\(got[name]?.count ?? 0) rows, expected \(rows.count))")
            }
        }
    }

    /// Items their collector cannot read fail one by one, as they would alone, and the items after them go on.
    @Test func aFailingItemFailsAloneWhenReadAhead() throws {
        let tmp = TempDir()
        let forced = IngestOptions(collector: "historian/wide")    // fails on every file without a historian header
        let (one, outcomes1) = try Self.ingestExercises(tmp, readAhead: 0, options: forced)
        let (two, outcomes2) = try Self.ingestExercises(tmp, readAhead: 2, options: forced)
        #expect(outcomes1.contains { if case .failed = $0 { return true }; return false })
        #expect(outcomes1.contains { if case .ingested = $0 { return true }; return false })
        #expect(outcomes2.map(Self.summary) == outcomes1.map(Self.summary))
        let a = try Self.contents(one), b = try Self.contents(two)
        for name in a.keys { #expect(a[name] == b[name], "\(name)") }
    }

    static func summary(_ o: IngestOutcome) -> String {
        switch o {
        case .ingested(let i, let s): return "ingested #\(i.id) \(s.collector) \(s.events) \(s.warnings) \(s.samples)"
        case .alreadyIngested(let i, _, let c, let n): return "already #\(i.id) \(c) \(n)"
        case .notParsed(let i): return "not parsed #\(i.id)"
        case .failed(let i, let c, let r): return "failed #\(i.id) \(c): \(r)"
        }
    }

    /// A sink that gives up after some events.
    final class Refusing: EventSink {
        var taken = 0
        struct Full: Error {}
        func emit(_ event: Event) throws {
            taken += 1
            if taken > 3000 { throw Full() }
        }
        func warn(_ warning: CollectorWarning) throws {}
        func defineSeries(_ info: SeriesInfo) throws -> Int { 0 }
        func emit(_ sample: Sample, series: Int) throws {}
    }

    /// When the run stops taking events, the collector's next hand-over throws and its thread ends, however much it
    /// still had to give; the run's error is the one thrown.
    @Test func aRunThatStopsStopsItsCollector() throws {
        let handoff = Handoff()
        let done = DispatchSemaphore(value: 0)
        final class Box: @unchecked Sendable { var given = 0; var error: Error? }
        let box = Box()
        Thread {
            do {
                for i in 0..<1_000_000 {
                    try handoff.emit(SyntheticEvents.event(i, evidenceID: 1))
                    box.given = i + 1
                }
                handoff.close(nil)
            } catch {
                box.error = error
                handoff.close(error)
            }
            done.signal()
        }.start()
        let sink = Refusing()
        #expect(throws: Refusing.Full.self) { try handoff.replay(into: sink) }
        #expect(done.wait(timeout: .now() + 30) == .success, "the collector's thread ended")
        #expect(box.error is Handoff.Stopped)
        #expect(box.given < 1_000_000)
        // At most the queue's worth was read ahead of what the run took.
        #expect(box.given <= 3001 + (Handoff.maxChunks + 2) * Handoff.chunkSize)
    }

    /// Samples and series go through in order with their handles, and a collector's own error comes out of replay.
    @Test func seriesSamplesAndACollectorsErrorGoThrough() throws {
        let handoff = Handoff()
        struct Broken: Error {}
        Thread {
            do {
                let a = try handoff.defineSeries(SeriesInfo(name: "A"))
                let b = try handoff.defineSeries(SeriesInfo(name: "B"))
                _ = try handoff.defineSeries(SeriesInfo(name: "A"))    // the same handle again: not a third series
                for i in 0..<5000 { try handoff.emit(Sample(time: Timestamp(nanoseconds: Int64(i)), value: Double(i), line: i + 1), series: i % 2 == 0 ? a : b) }
                try handoff.warn(CollectorWarning(evidenceID: 1, locator: "line 9", text: "odd"))
                handoff.close(Broken())
            } catch {
                handoff.close(error)
            }
        }.start()
        let sink = MemorySink()
        #expect(throws: Broken.self) { try handoff.replay(into: sink) }
        #expect(sink.series.map(\.name) == ["A", "B"])
        #expect(sink.samples(named: "A")?.count == 2500)
        #expect(sink.samples(named: "B")?.first?.time == Timestamp(nanoseconds: 1))
        #expect(sink.warnings.count == 1)
    }
}

import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

@Suite struct SampleStoreTests {
    /// Samples of every kind go in through a run and come back the same, in order, across block boundaries; the
    /// series list carries their counts and span.
    @Test func samplesRoundTripThroughBlocks() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let item = try #require(try c.add(paths: [tmp.file("ev/x.csv", "t,a\n")]).compactMap {
            if case .added(let i) = $0 { return i } else { return nil }
        }.first)
        let run = try c.beginIngest(evidenceID: item.id, collector: "historian/long", collectorVersion: "1")
        run.sampleBatch = 3_000    // several writes, each with open blocks cut short
        let a = try run.defineSeries(SeriesInfo(name: "LT101", unit: "m", description: "Tank level"))
        let b = try run.defineSeries(SeriesInfo(name: "XV201"))
        #expect(try run.defineSeries(SeriesInfo(name: "LT101")) == a)
        var expectedA: [Sample] = [], expectedB: [Sample] = []
        let t0 = Timestamp(seconds: 1_795_687_200)
        for i in 0..<10_000 {
            var s = Sample(time: t0 + Int64(i) * 1_000_000_000 + (i % 7 == 0 ? 123 : 0), value: Double(i) * 0.1 - 3,
                           line: i + 2)
            if i % 1000 == 5 { s = Sample(time: s.time, value: nil, quality: .bad, qualityText: "I/O Timeout", line: s.line) }
            if i % 1000 == 6 { s.quality = .uncertain; s.qualityText = "Substituted" }
            try run.emit(s, series: a)
            expectedA.append(s)
            if i % 10 == 0 {
                let state = Sample(time: s.time, value: nil, text: i % 20 == 0 ? "Open" : "Closed", line: s.line)
                try run.emit(state, series: b)
                expectedB.append(state)
            }
        }
        let summary = try run.finish()
        #expect(summary.samples == 11_000)
        #expect(summary.series == 2)
        let series = try c.series()
        #expect(series.map(\.info.name) == ["LT101", "XV201"])
        #expect(series[0].info.unit == "m" && series[0].info.description == "Tank level")
        #expect(series[0].samples == 10_000)
        #expect(series[0].first == t0 + 123 && series[0].last == expectedA.last!.time)
        #expect(series[0].min == -3 && series[0].max == expectedA.last!.value)
        var got: [Sample] = []
        try c.forEachSample(series: series[0].id) { got.append($0) }
        #expect(got == expectedA)
        got = []
        try c.forEachSample(series: series[1].id) { got.append($0) }
        #expect(got == expectedB)
        // A time range, and a pattern.
        got = []
        try c.forEachSample(series: series[0].id, from: t0 + 5_000 * 1_000_000_000, to: t0 + 5_010 * 1_000_000_000) {
            got.append($0)
        }
        #expect(got.map(\.line) == Array(5_002..<5_012))
        #expect(try c.series(matching: "lt*").map(\.info.name) == ["LT101"])
        let custody = try #require(try c.custodyEntries().last)
        #expect(custody.detail.contains(#""samples":11000"#) && custody.detail.contains(#""series":2"#))
        #expect(try c.verify().isClean)
    }

    /// A run killed part way leaves no samples once the case is opened again.
    @Test func anAbandonedRunLeavesNoSamples() throws {
        let tmp = TempDir()
        var c: Case? = try makeCase(tmp)
        let dir = c!.directory.path
        let item = try #require(try c!.add(paths: [tmp.file("ev/x.csv", "t,a\n")]).compactMap {
            if case .added(let i) = $0 { return i } else { return nil }
        }.first)
        var run: IngestRun? = try c!.beginIngest(evidenceID: item.id, collector: "historian/wide", collectorVersion: "1")
        let h = try run!.defineSeries(SeriesInfo(name: "A"))
        for i in 0..<5000 { try run!.emit(Sample(time: Timestamp(seconds: Int64(i)), value: 1, line: i), series: h) }
        try run!.flush()
        #expect(try c!.series()[0].samples == 0)    // written, but not of a complete run
        run = nil
        c = nil
        c = try Case.open(at: dir, mode: .write)
        #expect(try c!.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sample_blocks") } == 0)
        #expect(try c!.summary().runsByStatus == ["incomplete": 1])
        #expect(try c!.verify().isClean)
    }

    @Test func damagedBlocksAreRefusedNotMisread() throws {
        var block = SampleBlock()
        for i in 0..<100 { block.append(Sample(time: Timestamp(seconds: Int64(i)), value: Double(i), text: nil, line: i)) }
        let bytes = block.encoded()
        #expect(try SampleBlock.decode(bytes, base: 0).count == 100)
        for cut in [0, 1, 2, 50, bytes.count - 1] {
            #expect(throws: SampleBlock.DecodeError.self) { try SampleBlock.decode(Array(bytes.prefix(cut)), base: 0) }
        }
        #expect(throws: SampleBlock.DecodeError.self) { try SampleBlock.decode(bytes + [0], base: 0) }
        var rng = SeededRandom(seed: 3)
        for _ in 0..<500 {
            var b = bytes
            b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            _ = try? SampleBlock.decode(b, base: 0)    // never a crash
        }
    }
}

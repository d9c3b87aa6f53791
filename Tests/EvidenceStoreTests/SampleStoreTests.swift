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
        let (c, item) = try caseWithOneItem(tmp)
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

    /// A plot's buckets are the minimum, maximum and count of the samples in each, whichever blocks are decoded
    /// (those across a bucket's edge, on every core) and whichever are taken whole from their own figures; a damaged
    /// block on an edge is refused with its number.
    @Test func bucketsAreThoseOfTheSamplesAndADamagedBlockIsNamed() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "historian/long", collectorVersion: "1")
        let h = try run.defineSeries(SeriesInfo(name: "FIT101"))
        let t0 = Timestamp(seconds: 1_795_687_200)
        var rng = SeededRandom(seed: 9)
        var values: [(Int64, Double)] = []
        for i in 0..<100_000 {
            let v = Double(rng.next() % 10_000) / 7 - (i == 77_777 ? 5_000 : 0)
            let t = t0.nanoseconds + Int64(i) * 1_000_000_000
            try run.emit(Sample(time: Timestamp(nanoseconds: t), value: v, line: i + 2), series: h)
            values.append((t, v))
        }
        try run.finish()
        let id = try #require(try c.series().first?.id)
        let lo = t0.nanoseconds + 1_234_567_891, hi = t0.nanoseconds + 99_000_000_000_000
        for n in [1, 7, 300, 1_400, 5_000] {
            let got = try c.seriesBuckets(series: id, from: Timestamp(nanoseconds: lo), to: Timestamp(nanoseconds: hi), buckets: n)
            let w = TimeSlices.width(from: lo, to: hi, slices: n)
            var expected: [Int: (Double, Double, Int)] = [:]
            for (t, v) in values where t >= lo && t < hi {
                let k = Int((t - lo) / w)
                let e = expected[k] ?? (.infinity, -.infinity, 0)
                expected[k] = (min(e.0, v), max(e.1, v), e.2 + 1)
            }
            #expect(got.count == expected.count, "\(n) buckets")
            for b in got {
                let e = expected[Int((b.start - lo) / w)]
                #expect(e.map { ($0.0, $0.1, $0.2) == (b.min, b.max, b.count) } == true, "\(n) buckets at \(b.start)")
            }
        }
        // A block somewhere in the middle loses its data.
        try c.write { db in
            try db.execute(sql: "UPDATE sample_blocks SET data = x'ff00ff' WHERE id = (SELECT id FROM sample_blocks ORDER BY id LIMIT 1 OFFSET 10)")
        }
        #expect { try c.seriesBuckets(series: id, from: Timestamp(nanoseconds: lo), to: Timestamp(nanoseconds: hi), buckets: 5_000) }
            throws: { e in (e as? CaseError)?.description.contains("is damaged") == true }
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

    /// A block read value by value gives the numeric samples `decode` gives, and refuses the same damage.
    @Test func numbersOfABlockAreThoseItDecodesTo() throws {
        var block = SampleBlock()
        for i in 0..<300 {
            var s = Sample(time: Timestamp(seconds: Int64(i * 3)), value: Double(i) - 40.5, line: i)
            if i % 17 == 0 { s = Sample(time: s.time, value: nil, text: "OPEN", line: i) }
            if i % 29 == 0 { s.qualityText = "Substituted" }
            block.append(s)
        }
        let bytes = block.encoded()
        var numbers: [(Int64, Double)] = []
        try SampleBlock.forEachNumber(bytes, base: 7) { numbers.append(($0, $1)) }
        let decoded = try SampleBlock.decode(bytes, base: 7).compactMap { s in s.value.map { (s.time.nanoseconds, $0) } }
        #expect(numbers.map(\.0) == decoded.map(\.0))
        #expect(numbers.map(\.1) == decoded.map(\.1))
        for cut in [0, 1, 2, 50, bytes.count - 1] {
            #expect(throws: SampleBlock.DecodeError.self) { try SampleBlock.forEachNumber(Array(bytes.prefix(cut)), base: 0) { _, _ in } }
        }
    }

    /// A series drawn in buckets (what the viewer plots) has, in every bucket, the lowest and highest value and the
    /// count of its numeric samples, exactly as a sample-by-sample pass gives them: with blocks wholly inside a
    /// bucket taken from their summaries, blocks across an edge read value by value, a range that cuts blocks, and
    /// a clock correction moving the series.
    @Test(arguments: [1, 7, 64, 1000])
    func seriesBucketsAreExact(buckets: Int) throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "historian/long", collectorVersion: "1")
        let h = try run.defineSeries(SeriesInfo(name: "LT101"))
        var rng = SeededRandom(seed: 11)
        let t0 = Timestamp(seconds: 1_612_515_600)
        for i in 0..<30_000 {
            let v: Double? = i % 97 == 0 ? nil : Double(rng.next() % 10_000) / 7 - (i == 12_345 ? 99_999 : 0)
            try run.emit(Sample(time: t0 + Int64(i) * 1_000_000_000, value: v, text: v == nil ? "OPEN" : nil, line: i), series: h)
        }
        try run.finish()
        let id = try #require(try c.series().first?.id)
        for corrected in [false, true] {
            if corrected {
                try c.setClock("hist", correction: ClockCorrection(offsetNanos: 97_091_000_000), source: .investigator, reason: "test")
                try c.assignClock(evidenceID: item.id, clock: "hist")
            }
            let from = t0 + 1_234_567_891, to = t0 + 27_000_000_000_000
            var mins = [Int: Double](), maxs = [Int: Double](), counts = [Int: Int]()
            let width = (to.nanoseconds - from.nanoseconds + Int64(buckets) - 1) / Int64(buckets)
            try c.forEachSample(series: id, from: from, to: to) { s in
                guard let v = s.value else { return }
                let k = Int((s.time.nanoseconds - from.nanoseconds) / width)
                mins[k] = min(mins[k] ?? .infinity, v)
                maxs[k] = max(maxs[k] ?? -.infinity, v)
                counts[k, default: 0] += 1
            }
            let got = try c.seriesBuckets(series: id, from: from, to: to, buckets: buckets)
            #expect(got.count == counts.count, "corrected \(corrected)")
            for b in got {
                let k = Int((b.start - from.nanoseconds) / width)
                #expect(b.min == mins[k] && b.max == maxs[k] && b.count == counts[k], "bucket \(k), corrected \(corrected)")
            }
            #expect(got.reduce(0) { $0 + $1.count } == counts.values.reduce(0, +))
        }
    }
}

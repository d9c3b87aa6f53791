@testable import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Exports listed newest first (a historian client's query ordered by time descending, an HMI's trend export): read
/// from the last row up, they give the same samples and process events as the same export oldest first. Read as
/// they stand, every sample after the first went "back in time" and no series was analysed: a setpoint change in
/// such an export was invisible to the chain.
@Suite struct NewestFirstExportTests {
    /// What a process event says, without where it is in the file (the lines differ when the rows are reversed; a
    /// workbook's events name their sheet).
    func meaning(_ e: Event) -> String {
        var a = e.attributes.dictionary
        a["lines"] = nil
        a["sheet"] = nil
        return "\(e.time.iso8601Shortest()) \(e.kind) \(e.message) \(Attributes(a).jsonText)"
    }

    func samples(_ sink: MemorySink) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (i, s) in sink.series.enumerated() {
            out[s.name] = sink.samples[i].map { "\($0.time.iso8601Shortest()) \($0.value.map { "\($0)" } ?? $0.text ?? "-") \($0.quality)" }
        }
        return out
    }

    /// A long export of two tags, sorted by tag and then newest first, with a setpoint change, an excursion and a
    /// flatline injected: the same samples (in time order) and the same three events as the export oldest first.
    @Test func longExportSortedByTagThenNewestFirst() throws {
        var rng = SeededRandom(seed: 11)
        let n = 1_500
        let start = utc("2026-11-01T00:00:00Z")
        var level = SyntheticHistorian.normal(.cycle, count: n, samplesPerDay: 96, rng: &rng)
        let lo = level.min()!, hi = level.max()!
        for i in 1000..<1006 { level[i] = hi + (hi - lo) * 1.5 }
        for i in 1200..<1260 { level[i] = level[1200] }
        func rows(_ tag: String, _ value: (Int) -> Double) -> [String] {
            (0..<n).map { "\((start + Int64($0) * 900 * Timestamp.nanosPerSecond).iso8601(precision: .seconds)),\(tag),\(value($0))" }
        }
        let sp = rows("FIC101_SP") { $0 < 700 ? 2.0 : 200.0 }
        let lt = rows("LT101") { level[$0] }
        let oldestFirst = try collectHistorian(LongHistorianCollector.self,
                                               text: "timestamp,tag,value\n" + (sp + lt).joined(separator: "\n") + "\n")
        let newestFirst = try collectHistorian(LongHistorianCollector.self,
                                               text: "timestamp,tag,value\n" + (sp.reversed() + lt.reversed()).joined(separator: "\n") + "\n")
        #expect(oldestFirst.events.map(\.kind).sorted() == ["process.excursion", "process.flatline", "process.setpoint_change"])
        #expect(newestFirst.events.map(meaning).sorted() == oldestFirst.events.map(meaning).sorted())
        #expect(samples(newestFirst) == samples(oldestFirst))
        // Each event cites the line it came from in the file as it is.
        let change = try #require(newestFirst.events.first { $0.kind == "process.setpoint_change" })
        let line = Int(change.provenance.locator.dropFirst("line ".count))!
        let text = "timestamp,tag,value\n" + (sp.reversed() + lt.reversed()).joined(separator: "\n")
        let cited = text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
        guard case .string(let at)? = change.attributes["start"] else { Issue.record("no start"); return }
        #expect(cited.hasSuffix(",FIC101_SP,200.0") && cited.hasPrefix(at.prefix(16)))
        // Said once, not 2,998 times "time goes backwards".
        #expect(newestFirst.warnings.map(\.text) == ["the rows run newest first (3000 records); they were read from the last up, "
                                                     + "so that each series and its process events run forward in time"])
        #expect(newestFirst.warnings[0].locator == "line 1")
    }

    /// The autumn clock change in a local-time wide export listed newest first: 1:00 and 1:30 occur twice, and read
    /// from the last row up each gets its instant as in the export oldest first (the earlier, then the later).
    @Test func wideLocalTimeExportAcrossTheAutumnClockChangeNewestFirst() throws {
        let locals = ["12:00:00 AM", "12:30:00 AM", "1:00:00 AM", "1:30:00 AM", "1:00:00 AM", "1:30:00 AM",
                      "2:00:00 AM", "2:30:00 AM"]
        let rows = locals.enumerated().map { i, t in "11/01/2026 \(t),\(Double(i) * 0.5 + 1),\(i < 4 ? 1 : 0)" }
        let header = "# TimeZone: America/New_York\nTime,LT101 (m),PUMP1\n"
        let sink = try collectHistorian(WideHistorianCollector.self, text: header + rows.reversed().joined(separator: "\n") + "\n")
        #expect(sink.samples(named: "LT101")!.map { $0.time.iso8601(precision: .seconds) } == [
            "2026-11-01T04:00:00Z", "2026-11-01T04:30:00Z", "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z",
            "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z",
        ])
        #expect(sink.samples(named: "LT101")!.map(\.value) == (0..<8).map { Double($0) * 0.5 + 1 })
        #expect(sink.events.filter { $0.kind == "process.state_change" }.map(\.time) == [utc("2026-11-01T06:00:00Z")])
        // The second 1:00 (line 6 of the file as it is: the fourth row from the top) took the later instant.
        #expect(sink.warnings.contains { $0.text.contains("the later instant was taken") && $0.locator == "line 6" })
        #expect(!sink.warnings.contains { $0.text.contains("goes backwards") || $0.text.contains("before the previous row") })
    }

    /// A workbook's sheet listed newest first reads as the same rows in a CSV oldest first.
    @Test func workbookSheetNewestFirst() throws {
        let rows = (0..<40).map { "\(46352 + Double($0) / 96),\(40 + Double($0) * 0.25),\($0 < 25 ? 5 : 7.5)" }
        let csv = try collectHistorian(WideHistorianCollector.self, text: (["Time,Flow,Dose_SP"] + rows).joined(separator: "\n") + "\n",
                                       options: ["tz": "Asia/Tokyo"])
        let tmp = TempDir()
        let book = tmp.url.appendingPathComponent("newest-first.xlsx").path
        #expect(ArchiveWriter.write(book, .zip, XLSXBuilder.entries(sheets: [["Time,Flow,Dose_SP"] + rows.reversed()])))
        let sheet = try collectWorkbook(book)
        #expect(samples(sheet) == samples(csv))
        #expect(csv.events.map(\.kind) == ["process.setpoint_change"])
        #expect(sheet.events.map(meaning) == csv.events.map(meaning))
        let change = try #require(sheet.events.first { $0.kind == "process.setpoint_change" })
        #expect(change.provenance.locator == "sheet \"Sheet1\" row 16")    // the 26th row oldest first
        #expect(sheet.warnings.map(\.locator) == ["sheet \"Sheet1\" row 1"])
    }

    /// A sheet per day saved newest first (the latest day's sheet leftmost): the sheets are read in the order of their
    /// times, so the days continue one series forward and the change on the older day is found; said once.
    @Test func sheetsPerDayNewestFirst() throws {
        func day(_ d: Int, _ level: (Int) -> Double) -> [String] {
            var rows = ["Time,Level,Dose_SP"]
            for i in 0..<48 {
                let time: Double = Double(46351 + d) + Double(i) / 48
                let flow: Double = 40 + Double(i) * 0.1
                rows.append("\(time),\(flow),\(level(i))")
            }
            return rows
        }
        let older = day(0) { $0 < 30 ? 5 : 7.5 }, newer = day(1) { _ in 7.5 }
        let tmp = TempDir()
        let inOrder = tmp.url.appendingPathComponent("in-order.xlsx").path
        let newestFirst = tmp.url.appendingPathComponent("newest-first.xlsx").path
        #expect(ArchiveWriter.write(inOrder, .zip, XLSXBuilder.entries(sheets: [older, newer])))
        #expect(ArchiveWriter.write(newestFirst, .zip, XLSXBuilder.entries(sheets: [newer, older])))
        let a = try collectWorkbook(inOrder), b = try collectWorkbook(newestFirst)
        #expect(samples(b) == samples(a) && b.sampleCount == 192)
        #expect(a.events.filter { $0.kind == "process.setpoint_change" }.count == 1)
        #expect(b.events.map(meaning).sorted() == a.events.map(meaning).sorted())
        #expect(b.warnings.map(\.text) == ["the sheets were read in the order of their times (\"Sheet2\", \"Sheet1\"), not the workbook's"])
        #expect(a.warnings.isEmpty)
    }

    /// Rows out of order but not newest first (a shuffled or merged export) are read as they stand and each
    /// sample out of order is said; an oldest-first export with one row out of place is not turned round.
    @Test func rowsOutOfOrderAreNotTurnedRound() throws {
        var rng = SeededRandom(seed: 3)
        let start = utc("2026-11-01T00:00:00Z")
        var times = Array(0..<60)
        times.shuffle(using: &rng)
        let shuffled = times.map { "\((start + Int64($0) * 60 * Timestamp.nanosPerSecond).iso8601(precision: .seconds)),\($0)" }
        let sink = try collectHistorian(WideHistorianCollector.self, text: "Time,Level\n" + shuffled.joined(separator: "\n") + "\n")
        #expect(!sink.warnings.contains { $0.text.contains("newest first") })
        #expect(sink.warnings.contains { $0.text.contains("before the previous row") })
        #expect(sink.samples(named: "Level")!.count == 60)

        var ordered = (0..<60).map { "\((start + Int64($0) * 60 * Timestamp.nanosPerSecond).iso8601(precision: .seconds)),\($0)" }
        ordered.swapAt(10, 11)
        let one = try collectHistorian(WideHistorianCollector.self, text: "Time,Level\n" + ordered.joined(separator: "\n") + "\n")
        #expect(!one.warnings.contains { $0.text.contains("newest first") })
        #expect(one.warnings.filter { $0.text.contains("before the previous row") }.map(\.locator) == ["line 13"])
    }

    /// The scratch file gives back every record, last first, whatever their lengths: none, one byte, records that
    /// straddle the read window, and one longer than the window.
    @Test func spillGivesRecordsBackLastFirst() throws {
        var rng = SeededRandom(seed: 5)
        var records: [[UInt8]] = []
        for i in 0..<3_000 {
            let n = i == 1_500 ? RecordSpill.window + 12_345 : (i % 97 == 0 ? 0 : Int(rng.next() % 5_000))
            records.append((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) })
        }
        let spill = try RecordSpill()
        for (i, r) in records.enumerated() { try r.withUnsafeBufferPointer { try spill.append($0, number: i + 2) } }
        #expect(spill.count == records.count)
        var back: [(bytes: [UInt8], number: Int)] = []
        try spill.forEachReversed { back.append((Array($0), $1)) }
        #expect(back.count == records.count)
        #expect(back.map(\.number) == (2..<(records.count + 2)).reversed())
        #expect(back.map(\.bytes) == records.reversed())

        let empty = try RecordSpill()
        var none = 0
        try empty.forEachReversed { _, _ in none += 1 }
        #expect(none == 0)
    }
}

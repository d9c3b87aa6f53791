import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

private func bytes<T>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    var s = s
    return s.withUTF8(body)
}

@Suite struct HistorianParserTests {
    /// Numbers are read exactly: the fast path agrees with the C library's correctly rounded conversion.
    @Test func numbersMatchTheCorrectlyRoundedConversion() {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...17, using: &rng)
            var text = Int.random(in: 0...1, using: &rng) == 0 ? "-" : ""
            for k in 0..<digits {
                text += String(Int.random(in: 0...9, using: &rng))
                if k == digits / 2, Bool.random(using: &rng) { text += "." }
            }
            if Int.random(in: 0...4, using: &rng) == 0 { text += "e\(Int.random(in: -30...30, using: &rng))" }
            #expect(bytes(text) { HistorianValues.number($0) } == Double(text), "\(text)")
        }
        #expect(bytes("1,25") { HistorianValues.number($0, decimalComma: true) } == 1.25)
        #expect(bytes("1,25") { HistorianValues.number($0) } == nil)
        for bad in ["", "-", ".", "1e", "1e+", "12a", "1.2.3", "0x10", "inf", "nan", "1 2"] {
            #expect(bytes(bad) { HistorianValues.number($0) } == nil, "\(bad)")
        }
    }

    @Test func calendarTimesInTheFormsExportsWrite() {
        func t(_ s: String, _ o: HistorianTimeFormat.DateOrder) -> String? {
            bytes(s) { HistorianTime.civil($0, order: o) }.flatMap { c in
                c.timestamp(assumingOffset: c.utcOffsetSeconds ?? 0)?.iso8601Shortest()
            }
        }
        #expect(t("2026-11-26T10:00:00.123Z", .yearFirst) == "2026-11-26T10:00:00.123Z")
        #expect(t("2026/11/26 10:00", .yearFirst) == "2026-11-26T10:00:00Z")
        #expect(t("26/11/2026 10:00:00", .dayFirst) == "2026-11-26T10:00:00Z")
        #expect(t("11/26/2026 1:05:07 PM", .monthFirst) == "2026-11-26T13:05:07Z")
        #expect(t("11/26/2026 12:05:07 AM", .monthFirst) == "2026-11-26T00:05:07Z")
        #expect(t("26-Nov-26 10:00:00", .yearFirst) == "2026-11-26T10:00:00Z")
        #expect(t("26 November 2026 10:00", .dayFirst) == "2026-11-26T10:00:00Z")
        #expect(t("Nov 26, 2026 10:00:00 AM", .dayFirst) == "2026-11-26T10:00:00Z")
        #expect(t("06/01/14 00", .dayFirst) == "2014-01-06T00:00:00Z")
        #expect(t("26.11.2026 10:00:00 +09:00", .dayFirst) == "2026-11-26T01:00:00Z")
        #expect(t("26.11.2026 10:00:00 UTC", .dayFirst) == "2026-11-26T10:00:00Z")
        for bad in ["31/02/2026", "13/13/2026", "26/11/2026 25:00", "2026-11-26 10:00 XM", "26/11/2026x", "11/26/2026 13:00 PM"] {
            #expect(t(bad, .dayFirst) == nil && t(bad, .monthFirst) == nil, "\(bad)")
        }
    }

    @Test func inferenceReadsTheDayOrderOffTheRows() throws {
        func infer(_ s: [String], preferred: HistorianTimeFormat.DateOrder = .dayFirst) -> (HistorianTimeFormat, Bool)? {
            HistorianTime.infer(s.map { Array($0.utf8) }, preferred: preferred).map { ($0.format, $0.ambiguous) }
        }
        #expect(infer(["01/02/2026 00:00", "13/02/2026 00:00"])! == (.civil(.dayFirst), false))
        #expect(infer(["02/01/2026 00:00", "02/13/2026 00:00"])! == (.civil(.monthFirst), false))
        // Only the row order can tell: 01/02 then 02/01 then 03/01 runs forward read month first.
        #expect(infer(["12/31/2025", "01/01/2026", "01/02/2026"])! == (.civil(.monthFirst), false))
        #expect(infer(["01/02/2026 00:00"], preferred: .monthFirst)! == (.civil(.monthFirst), true))
        #expect(infer(["1795687200", "1795687260"])! == (.epoch(1_000_000_000), false))
        #expect(infer(["1795687200000"])! == (.epoch(1_000_000), false))
        #expect(infer(["46352.5"])! == (.spreadsheetSerial, false))
        #expect(infer(["hello", "world"]) == nil)
    }

    /// Found by FuzzHistorian (Fuzz/Regressions/FuzzHistorian/spreadsheet-day-beyond-2262): a spreadsheet day
    /// number past 2262 overflowed the nanosecond count.
    @Test func spreadsheetDaysBeyondTheRangeAreNotTimes() {
        #expect(bytes("0800000.77") { HistorianTime.parse($0, .spreadsheetSerial) } == nil)
        #expect(bytes("131999") { HistorianTime.parse($0, .spreadsheetSerial) } != nil)
        #expect(bytes("9e300") { HistorianTime.parse($0, .epoch(1)) } == nil)
        let regression = TestPaths.repoRoot.appendingPathComponent("Fuzz/Regressions/FuzzHistorian/spreadsheet-day-beyond-2262")
        let data = (try? Data(contentsOf: regression)).map { [UInt8]($0) } ?? []
        #expect(!data.isEmpty)
        let field = Array(data.prefix { $0 != 0x0A })
        #expect(field.withUnsafeBufferPointer { HistorianTime.parse($0, .spreadsheetSerial) } == nil)
    }

    @Test func qualityCodesOfEachConvention() {
        #expect(HistorianValues.quality("192", as: .opc) == .good)
        #expect(HistorianValues.quality("216", as: .opc) == .good)
        #expect(HistorianValues.quality("64", as: .opc) == .uncertain)
        #expect(HistorianValues.quality("24", as: .opc) == .bad)
        #expect(HistorianValues.quality("0x00000000", as: .opc) == .good)
        #expect(HistorianValues.quality("0x40920000", as: .opc) == .uncertain)
        #expect(HistorianValues.quality("0x80330000", as: .opc) == .bad)
        #expect(HistorianValues.quality("Good [Non-Specific]", as: .opc) == .good)
        #expect(HistorianValues.quality("Bad_NotConnected", as: .opc) == .bad)
        #expect(HistorianValues.quality("0", as: .zeroIsGood) == .good)
        #expect(HistorianValues.quality("16", as: .zeroIsGood) == .uncertain)
        #expect(HistorianValues.quality("1", as: .zeroIsGood) == .bad)
        #expect(HistorianValues.quality("True", as: .flag) == .uncertain)
        #expect(HistorianValues.quality("", as: .flag) == .good)
        #expect(HistorianValues.isSystemState("I/O Timeout") && HistorianValues.isSystemState("bad input"))
        #expect(!HistorianValues.isSystemState("Open"))
    }

    @Test func setpointNamingConventions() {
        for tag in ["FIC101_SP", "Tank1.SP", "NaOH Setpoint", "TIC-5.SV", "PUMP1_SPT", "Line1/FIC101/SP/Value",
                    "[default]Plant/Dosing/NaOH_SP", "Dosing.SET_POINT", "薬注設定値", "流量目標値"] {
            #expect(HistorianValues.looksLikeSetpoint(tag), "\(tag)")
        }
        for tag in ["DISP", "FIC101.PV", "SPEED", "L_T1", "WASP", "S_PU1", "薬注流量", "ポンプ1運転"] {
            #expect(!HistorianValues.looksLikeSetpoint(tag), "\(tag)")
        }
    }

    @Test func headersOfEachDialect() throws {
        func layout(_ header: String) -> HistorianLayout? {
            HistorianLayout.recognize(header.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
        #expect(layout("Tag,Timestamp,Value,Status")?.dialect == .pi)
        #expect(layout("Tag,Timestamp,Value,Questionable,Substituted")?.quality.map(\.code) == [.flag, .flag])
        #expect(layout("DateTime,TagName,Value,Quality,QualityDetail,OPCQuality")?.dialect == .aveva)
        #expect(layout("DateTime,TagName,Value,Quality")?.quality.map(\.code) == [.zeroIsGood])
        #expect(layout("tagpath,intvalue,floatvalue,stringvalue,datevalue,dataintegrity,t_stamp")?.dialect == .ignition)
        #expect(layout("t_stamp,Tank Level,Pump")?.dialect == .ignition)
        #expect(layout("timestamp,tag,value,quality,unit")?.dialect == .long)
        let wide = try #require(layout("\u{FEFF}DATETIME,L_T1 (m),P_J280 [bar],S_PU1"))
        #expect(wide.dialect == .wide)
        #expect(wide.shape == .wide([.init(column: 1, name: "L_T1", unit: "m"), .init(column: 2, name: "P_J280", unit: "bar"),
                                     .init(column: 3, name: "S_PU1", unit: nil)]))
        #expect(layout("name,age,city") == nil)
        #expect(HistorianLayout.declaredZone(in: "# TimeZone: Asia/Tokyo") == "Asia/Tokyo")
        #expect(HistorianLayout.declaredZone(in: "Time zone,UTC+09:00") == "+09:00")
        #expect(HistorianLayout.declaredZone(in: "TZ101,26-Nov-26 10:00:00,1") == nil)
    }

    /// The detector is bounded: a series of a million samples keeps its state to its window.
    @Test func detectorStateStaysBounded() {
        var d = SeriesDetector(name: "x")
        var rng = SeededRandom(seed: 5)
        var events = 0
        for i in 0..<200_000 {
            events += d.feed(Sample(time: Timestamp(seconds: Int64(i)), value: 50 + rng.gaussian(), line: i)).count
        }
        events += d.finish().count
        #expect(events <= 2)
        #expect(MemoryLayout<SeriesDetector>.size < 2048)
    }
}

@Suite struct HistorianFuzzRegressionTests {
    /// Found by FuzzHistorian (Fuzz/Regressions/FuzzHistorian/row-times-millennia-apart): rows dated centuries
    /// apart overflowed the interval between them. Such times are not instants at all now (a year 2500 once wrapped
    /// round to another date), and gaps are computed without overflow.
    @Test func timesCenturiesApartNeitherWrapNorOverflow() {
        #expect(CivilTime(year: 2500, month: 1, day: 1).timestamp(assumingOffset: 0) == nil)
        #expect(CivilTime(year: 1600, month: 1, day: 1).timestamp(assumingOffset: 0) == nil)
        #expect(CivilTime(year: 2262, month: 1, day: 1).timestamp(assumingOffset: 0) != nil)
        var gaps = RowGapDetector()
        var times = (0..<40).map { Timestamp(seconds: Int64($0) * 60) }
        times += [Timestamp(nanoseconds: .min + 1), Timestamp(nanoseconds: .max - 1), Timestamp(nanoseconds: .max)]
        var found = 0
        for (i, t) in times.enumerated() where gaps.feed(Sample(time: t, value: 1, line: i)) != nil { found += 1 }
        #expect(found == 1)    // the jump to the far future is one gap; nothing overflows
        let regression = TestPaths.repoRoot.appendingPathComponent("Fuzz/Regressions/FuzzHistorian/row-times-millennia-apart")
        #expect(FileManager.default.fileExists(atPath: regression.path))
    }
}

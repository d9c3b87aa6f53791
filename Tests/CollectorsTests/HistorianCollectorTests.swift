import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Runs a historian collector over a file, as an ingest would.
func collectHistorian(_ collector: any Collector.Type, path: String, options: [String: String] = [:]) throws
    -> MemorySink
{
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "export.csv",
                            originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
    let sink = MemorySink()
    try collector.init().collect(EvidenceSource(item: item, path: path, options: options), into: sink)
    return sink
}

func collectHistorian(_ collector: any Collector.Type, text: String, options: [String: String] = [:]) throws
    -> MemorySink
{
    let tmp = TempDir()
    return try collectHistorian(collector, path: tmp.file("export.csv", text), options: options)
}

func probe(_ text: String) -> EvidenceProbe {
    EvidenceProbe(name: "export.csv", mimeType: "text/csv", head: Array(text.utf8.prefix(EvidenceProbe.headSize)))
}

func utc(_ s: String) -> Timestamp { TimeParser.iso8601(s)!.timestamp()! }

@Suite struct HistorianCollectorTests {
    // MARK: The shared BATADAL export

    /// Every cell of the real export becomes a sample at the right UTC time; pump and valve states become state
    /// changes, as many as an independent count of their changes.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func batadalExport() throws {
        let path = TestPaths.dataset("historian/BATADAL_dataset03_normal.csv")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let head = String(text.prefix(EvidenceProbe.headSize))
        #expect(CollectorRegistry.identify(probe(head))?.name == "historian/wide")

        // Independent reading: split lines and commas.
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = lines[0].map(String.init)
        let rows = lines.dropFirst()
        let cells = rows.reduce(0) { $0 + $1.dropFirst().filter { !$0.isEmpty }.count }
        var changes = 0
        for j in 1..<header.count {
            let column = rows.map { Double($0[j])! }
            guard column.allSatisfy({ $0 == $0.rounded() }), Set(column).count <= 4 else { continue }
            changes += zip(column, column.dropFirst()).filter { $0 != $1 }.count
        }

        let sink = try collectHistorian(WideHistorianCollector.self, path: path, options: ["tz": "UTC"])
        #expect(sink.series.count == header.count - 1)
        #expect(sink.series.count == 44)
        #expect(sink.sampleCount == cells)
        #expect(sink.sampleCount == 385_484)
        #expect(sink.warnings.isEmpty, "\(sink.warnings.prefix(3))")
        let l1 = try #require(sink.samples(named: "L_T1"))
        #expect(l1.count == 8761)
        #expect(l1.first == Sample(time: utc("2014-01-06T00:00:00Z"), value: 0.509729922, line: 2))
        // dd/mm/yy HH: the 13th of January (day first) and the last row a year on.
        #expect(l1[7 * 24 + 5].time == utc("2014-01-13T05:00:00Z"))
        #expect(l1.last!.time == utc("2015-01-06T00:00:00Z"))
        #expect(sink.events.filter { $0.kind == "process.state_change" }.count == changes)
        #expect(changes == 7842)
        // A year of attack-free operation: few other process events, each a novel extreme of its series.
        let others = sink.events.filter { $0.kind != "process.state_change" }
        #expect(others.count <= 20, "\(others.map(\.message))")

        // The zone shifts every time; nothing else changes.
        let tokyo = try collectHistorian(WideHistorianCollector.self, path: path,
                                         options: ["tz": "Asia/Tokyo", "historian.events": "off"])
        #expect(tokyo.samples(named: "L_T1")!.first!.time == utc("2014-01-05T15:00:00Z"))
        #expect(tokyo.events.isEmpty)
        #expect(tokyo.sampleCount == cells)
    }

    // MARK: Dialects

    @Test func piExportWithSystemStatesAndDigitalText() throws {
        let text = """
            Tag,Timestamp,Value,Status
            FIC101.PV,26-Nov-2026 10:00:00,12.5,0
            FIC101.PV,26-Nov-2026 10:01:00,12.75,0
            FIC101.PV,26-Nov-2026 10:02:00,Bad Input,0
            FIC101.PV,26-Nov-2026 10:03:00.250,13,1
            XV201,26-Nov-2026 10:00:00,Closed,0
            XV201,26-Nov-2026 10:02:30,Open,0

            """
        #expect(PIHistorianCollector.identify(probe(text)) == .likely)
        #expect(AVEVAHistorianCollector.identify(probe(text)) == .no)
        #expect(WideHistorianCollector.identify(probe(text)) == .no)
        let sink = try collectHistorian(PIHistorianCollector.self, text: text, options: ["tz": "Asia/Tokyo"])
        #expect(sink.series.map(\.name) == ["FIC101.PV", "XV201"])
        let pv = try #require(sink.samples(named: "FIC101.PV"))
        #expect(pv.map(\.time) == [utc("2026-11-26T01:00:00Z"), utc("2026-11-26T01:01:00Z"), utc("2026-11-26T01:02:00Z"),
                                   utc("2026-11-26T01:03:00.25Z")])
        #expect(pv[2] == Sample(time: utc("2026-11-26T01:02:00Z"), value: nil, quality: .bad, qualityText: "Bad Input",
                                line: 4))
        #expect(pv[3].quality == .bad && pv[3].value == 13 && pv[3].qualityText == "1")
        let xv = try #require(sink.samples(named: "XV201"))
        #expect(xv.map(\.text) == ["Closed", "Open"])
        let change = try #require(sink.events.first { $0.kind == "process.state_change" })
        #expect(change.time == utc("2026-11-26T01:02:30Z"))
        #expect(change.message == "XV201 changed state from Closed to Open")
        #expect(change.provenance.locator == "line 7")
        let bad = try #require(sink.events.first { $0.kind == "process.quality" })
        #expect(bad.attributes["start"] == .string("2026-11-26T01:02:00Z"))
        #expect(bad.attributes["end"] == .string("2026-11-26T01:03:00.250Z"))
        #expect(bad.attributes["samples"] == .int(2))
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
    }

    @Test func headerlessPiconfigOutput() throws {
        let text = "sinusoid,26-Nov-26 10:00:00,54.3,\nsinusoid,26-Nov-26 10:10:00,55.1,\ncdt158,26-Nov-26 10:00:00,I/O Timeout,\n"
        #expect(PIHistorianCollector.identify(probe(text)) == .likely)
        let sink = try collectHistorian(PIHistorianCollector.self, text: text, options: ["tz": "UTC"])
        #expect(sink.sampleCount == 3)
        #expect(sink.samples(named: "sinusoid")!.map(\.value) == [54.3, 55.1])
        #expect(sink.samples(named: "cdt158")!.first!.qualityText == "I/O Timeout")
    }

    @Test func avevaHistorianExportWithOPCQuality() throws {
        let text = """
            DateTime,TagName,Value,QualityDetail,OPCQuality
            2026-11-26 10:00:00.000,ReactLevel,1520.5,192,192
            2026-11-26 10:00:00.000,ReactTemp,61.25,192,192
            2026-11-26 10:00:01.000,ReactLevel,1519.75,192,192
            2026-11-26 10:00:01.000,ReactTemp,61.5,64,64
            2026-11-26 10:00:02.000,ReactTemp,,0,0

            """
        #expect(AVEVAHistorianCollector.identify(probe(text)) == .likely)
        #expect(PIHistorianCollector.identify(probe(text)) == .no)
        let sink = try collectHistorian(AVEVAHistorianCollector.self, text: text, options: ["tz": "-05:00"])
        #expect(sink.series.map(\.name) == ["ReactLevel", "ReactTemp"])
        #expect(sink.sampleCount == 5)
        let temp = sink.samples(named: "ReactTemp")!
        #expect(temp[0].time == utc("2026-11-26T15:00:00Z"))
        #expect(temp.map(\.quality) == [.good, .uncertain, .bad])
        #expect(temp[2].value == nil && temp[2].qualityText == "0; 0")
    }

    @Test func ignitionHistoryInEpochMilliseconds() throws {
        let text = """
            tagpath,intvalue,floatvalue,stringvalue,datevalue,dataintegrity,t_stamp
            [default]Plant/Dosing/NaOH_SP,,1.0,,,192,1795687200000
            [default]Plant/Dosing/NaOH_SP,,100.0,,,192,1795687260000
            [default]Plant/Dosing/Pump1,1,,,,192,1795687200000
            [default]Plant/Dosing/Pump1,0,,,,24,1795687260000

            """
        #expect(IgnitionHistorianCollector.identify(probe(text)) == .likely)
        let sink = try collectHistorian(IgnitionHistorianCollector.self, text: text)
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let sp = try #require(sink.samples(named: "[default]Plant/Dosing/NaOH_SP"))
        #expect(sp.map(\.time) == [Timestamp(seconds: 1_795_687_200), Timestamp(seconds: 1_795_687_260)])
        #expect(sink.samples(named: "[default]Plant/Dosing/Pump1")!.map(\.quality) == [.good, .bad])
        // A setpoint by name: the hundredfold change is one event with its ratio.
        let change = try #require(sink.events.first { $0.kind == "process.setpoint_change" })
        #expect(change.time == Timestamp(seconds: 1_795_687_260))
        #expect(change.attributes["ratio"] == .double(100))
        #expect(change.message == "[default]Plant/Dosing/NaOH_SP setpoint changed from 1 to 100 (×100)")
    }

    /// The quirks of a European export: byte-order mark, comments, a zone declared in the file, `;` with decimal
    /// commas, quoted fields holding the separator, quality words, units.
    @Test func genericLongExportWithEuropeanQuirks() throws {
        let text = "\u{FEFF}# exported by SCADA 7.2\n# TimeZone: Europe/Berlin\n\n"
            + "timestamp;tag;value;quality;unit\n"
            + "2026-11-26 10:00:00;\"Tank;1 Level\";1,25;Good;m\n"
            + "2026-11-26 10:00:10;\"Tank;1 Level\";1,5;Good;m\n"
            + "# a comment between rows\n"
            + "2026-11-26 10:00:20;\"Tank;1 Level\";\"1,75\";Uncertain;m\n"
            + "2026-11-26 10:00:00;\"Pump \"\"A\"\"\";Running;Good;\n"
        #expect(LongHistorianCollector.identify(probe(text)) == .likely)
        let sink = try collectHistorian(LongHistorianCollector.self, text: text)
        #expect(sink.series.map(\.name) == ["Tank;1 Level", "Pump \"A\""])
        #expect(sink.series[0].unit == "m")
        let level = sink.samples(named: "Tank;1 Level")!
        #expect(level.map(\.value) == [1.25, 1.5, 1.75])
        #expect(level[0].time == utc("2026-11-26T09:00:00Z"))
        #expect(level[2].quality == .uncertain && level[2].qualityText == "Uncertain")
        #expect(sink.samples(named: "Pump \"A\"")!.first!.text == "Running")
        #expect(sink.warnings.map(\.text) == ["local times read in Europe/Berlin, the zone the export declares"])
    }

    /// A wide export with 12-hour US times across the autumn daylight-saving change: the repeated hour is placed
    /// after the first one, in order, with warnings; units come from the header.
    @Test func wideExportAcrossTheAutumnClockChange() throws {
        var text = "# TimeZone: America/New_York\nTime,LT101 (m),PT201 [bar],PUMP1\n"
        let locals = ["12:00:00 AM", "12:30:00 AM", "1:00:00 AM", "1:30:00 AM", "1:00:00 AM", "1:30:00 AM",
                      "2:00:00 AM", "2:30:00 AM"]
        for (i, t) in locals.enumerated() { text += "11/01/2026 \(t),\(Double(i) * 0.5 + 1),\(4.25 + Double(i % 2) / 10),\(i < 4 ? 1 : 0)\n" }
        #expect(WideHistorianCollector.identify(probe(text)) == .likely)
        let sink = try collectHistorian(WideHistorianCollector.self, text: text)
        #expect(sink.series.map(\.name) == ["LT101", "PT201", "PUMP1"])
        #expect(sink.series.map(\.unit) == ["m", "bar", nil])
        let lt = sink.samples(named: "LT101")!
        #expect(lt.map { $0.time.iso8601(precision: .seconds) } == [
            "2026-11-01T04:00:00Z", "2026-11-01T04:30:00Z", "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z",
            "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z",
        ])
        #expect(sink.warnings.contains { $0.text.contains("numeric dates with both fields ≤ 12") })
        #expect(sink.warnings.contains { $0.text.contains("the later instant was taken") && $0.locator == "line 7" })
        #expect(sink.events.filter { $0.kind == "process.state_change" }.map(\.time) == [utc("2026-11-01T06:00:00Z")])
    }

    /// Siemens WinCC data logs (WinCC flexible, WinCC Comfort/Advanced in the TIA Portal; the CSV structure of
    /// Siemens FAQ 26190515, "How are tags and messages archived in WinCC flexible?": `VarName, TimeString, VarValue,
    /// Validity, Time_ms`), in an American runtime's locale (commas, 12-hour times) and a German one (semicolons,
    /// day first, decimal commas): the samples in the declared zone, `Validity` 0 a bad sample, and the runtime's
    /// `$RT_OFF$` / `$RT_DIS$` markers events of the log's quality, never series.
    @Test func winccDataLogsInTwoLocales() throws {
        let us = """
            "VarName","TimeString","VarValue","Validity","Time_ms"
            "$RT_OFF$","11/26/2026 10:00:00 AM",2,1,46352416666.6667
            "Dose_SP","11/26/2026 10:00:05 AM",2.5,1,46352416724.537
            "Tank_Level","11/26/2026 10:00:05 AM",50.01,1,46352416724.537
            "Dose_SP","11/26/2026 10:00:10 AM",2.5,1,46352416782.4074
            "Tank_Level","11/26/2026 10:00:10 AM",50.02,0,46352416782.4074
            "Dose_SP","11/26/2026 1:00:15 PM",9.5,1,46352541840.2778
            "Tank_Level","11/26/2026 1:00:15 PM",50.03,1,46352541840.2778
            "$RT_DIS$","11/26/2026 1:00:20 PM",0,1,46352541898.1481

            """
        #expect(WinCCHistorianCollector.identify(probe(us)) == .likely)
        #expect(LongHistorianCollector.identify(probe(us)) == .no)
        let sink = try collectHistorian(WinCCHistorianCollector.self, text: us, options: ["tz": "Europe/Berlin"])
        #expect(sink.series.map(\.name) == ["Dose_SP", "Tank_Level"])
        #expect(sink.samples(named: "Dose_SP")!.map(\.time) == [utc("2026-11-26T09:00:05Z"), utc("2026-11-26T09:00:10Z"),
                                                                  utc("2026-11-26T12:00:15Z")])
        let level = sink.samples(named: "Tank_Level")!
        #expect(level.map(\.quality) == [.good, .bad, .good] && level[1].value == 50.02 && level[1].line == 6)
        let markers = sink.events.filter { $0.attributes["issue"] == .string("runtime_marker") }
        #expect(markers.map(\.kind) == ["process.quality", "process.quality"])
        #expect(markers.map { $0.attributes["marker"] } == [.string("$RT_OFF$"), .string("$RT_DIS$")])
        #expect(markers.map(\.time) == [utc("2026-11-26T09:00:00Z"), utc("2026-11-26T12:00:20Z")])
        #expect(markers.map(\.provenance.locator) == ["line 2", "line 9"])
        #expect(markers[0].message == "HMI data log marker $RT_OFF$ (logging stopped: the runtime ended or a log segment was closed)")
        #expect(sink.events.contains { $0.kind == "process.setpoint_change" && $0.time == utc("2026-11-26T12:00:15Z") })
        #expect(sink.warnings.isEmpty, "\(sink.warnings.map(\.text))")

        let german = """
            "VarName";"TimeString";"VarValue";"Validity";"Time_ms"
            "$RT_OFF$";"26.11.2026 10:00:00";2;1;46352416666,6667
            "Dose_SP";"26.11.2026 10:00:05";2,5;1;46352416724,537
            "Dose_SP";"26.11.2026 13:00:15";9,5;1;46352541840,2778

            """
        let de = try collectHistorian(WinCCHistorianCollector.self, text: german, options: ["tz": "Europe/Berlin"])
        #expect(de.samples(named: "Dose_SP")!.map(\.value) == [2.5, 9.5])
        #expect(de.samples(named: "Dose_SP")!.map(\.time) == [utc("2026-11-26T09:00:05Z"), utc("2026-11-26T12:00:15Z")])
        #expect(de.series.count == 1 && de.events.filter { $0.kind == "process.quality" }.count == 1)
    }

    /// A row of units under a wide export's header (its time cell empty or `Unit`/`単位`): the columns' units, not a
    /// row of samples with an unreadable time; a unit in the header itself wins. A row with no time and numbers under
    /// it is still warned as before.
    @Test func aRowOfUnitsUnderTheHeader() throws {
        let text = """
            Time,LT101,FT101,Dose_SP (mg/L)
            ,m,m3/h,ppm
            2026-11-26 10:00:00,1.2,3.4,2.0
            2026-11-26 10:00:05,1.3,3.5,9.0

            """
        let sink = try collectHistorian(WideHistorianCollector.self, text: text, options: ["tz": "UTC"])
        #expect(sink.series.map(\.name) == ["LT101", "FT101", "Dose_SP"])
        #expect(sink.series.map(\.unit) == ["m", "m3/h", "mg/L"])
        #expect(sink.samples(named: "LT101")!.map(\.line) == [3, 4])
        #expect(sink.warnings.isEmpty, "\(sink.warnings.map(\.text))")
        let japanese = "日時,水位,流量\n単位,m,m3/h\n2026/11/26 10:00:00,1.2,3.4\n2026/11/26 10:00:05,1.3,3.5\n"
        let jp = try collectHistorian(WideHistorianCollector.self, text: japanese, options: ["tz": "Asia/Tokyo"])
        #expect(jp.series.map(\.unit) == ["m", "m3/h"] && jp.sampleCount == 4 && jp.warnings.isEmpty)
        let numbers = "Time,LT101\n,1.5\n2026-11-26 10:00:00,1.2\n"
        let n = try collectHistorian(WideHistorianCollector.self, text: numbers, options: ["tz": "UTC"])
        #expect(n.series.map(\.unit) == [nil] && n.warnings.map(\.locator) == ["line 2"])
    }

    /// The date and the time of day in columns of their own, as HMI loggers and spreadsheets write them: read as one
    /// time (each row at its own second, not every row at midnight with the time of day a series of text).
    @Test func aDateAndATimeOfDayInTwoColumnsAreOneTime() throws {
        let text = "Date,Time,FIC101_SP (m3/h),P101\n2024/03/12,10:00:00,21,1\n2024/03/12,10:00:05,21,1\n"
            + "2024/03/12,10:00:10,95,0\n2024/03/13,00:00:00,95,0\n"
        #expect(WideHistorianCollector.identify(probe(text)) == .likely)
        let sink = try collectHistorian(WideHistorianCollector.self, text: text, options: ["tz": "Asia/Tokyo"])
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(sink.series.map(\.name) == ["FIC101_SP", "P101"])
        #expect(sink.samples(named: "FIC101_SP")!.map(\.time) == [utc("2024-03-12T01:00:00Z"), utc("2024-03-12T01:00:05Z"),
                                                                  utc("2024-03-12T01:00:10Z"), utc("2024-03-12T15:00:00Z")])
        #expect(sink.events.map(\.kind) == ["process.setpoint_change", "process.state_change"])
        // A long export the same way; a column that holds both wins over the pair.
        let long = try collectHistorian(LongHistorianCollector.self, text: "date,time,tag,value\n2024-03-12,10:00:00.5,A,1\n",
                                        options: ["tz": "UTC"])
        #expect(long.samples(named: "A")!.map(\.time) == [utc("2024-03-12T10:00:00.5Z")])
        let both = try collectHistorian(WideHistorianCollector.self, text: "Timestamp,Date,Time,A\n2024-03-12 10:00:00,x,y,1\n"
                                        + "2024-03-12 10:00:05,x,y,2\n", options: ["tz": "UTC"])
        #expect(both.samples(named: "A")!.map(\.time) == [utc("2024-03-12T10:00:00Z"), utc("2024-03-12T10:00:05Z")])
        // A row without its time of day is said, not read at midnight.
        let short = try collectHistorian(WideHistorianCollector.self, text: "Date,Time,A\n2024-03-12,10:00:00,1\n2024-03-12\n",
                                         options: ["tz": "UTC"])
        #expect(short.samples(named: "A")!.count == 1 && short.warnings.contains { $0.text.hasPrefix("no time-of-day field") })
    }

    /// A Japanese plant's export: Japanese headers (日時, 日付 and 時刻, タグ名, 値, 単位, units in full-width brackets)
    /// in UTF-8 with a byte-order mark, in Shift_JIS (code page 932, as Japanese HMIs and loggers write CSV), and in
    /// UTF-16 as a spreadsheet's "Unicode text" (tab-separated): the same series, samples and setpoint changes.
    @Test func japaneseExportsInUTF8ShiftJISAndUTF16() throws {
        var text = "日付,時刻,薬注設定値（mg/L）,ポンプ1運転\r\n"
        for i in 0..<6 { text += "2024/03/12,10:00:\(String(format: "%02d", i * 5)),\(i < 3 ? 21 : 95),1\r\n" }
        let tmp = TempDir()
        let utf8 = tmp.file("utf8.csv", [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        let sjis = tmp.file("sjis.csv", Array(text.data(using: .shiftJIS)!))
        #expect(Array(text.data(using: .shiftJIS)!) != Array(text.utf8))
        let tabbed = text.replacingOccurrences(of: ",", with: "\t")
        let utf16 = tmp.file("unicode.txt", [0xFF, 0xFE] + tabbed.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        for path in [utf8, sjis, utf16] {
            let head = Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(EvidenceProbe.headSize))
            let p = EvidenceProbe(name: "export.csv", mimeType: "text/plain", head: head)
            #expect(CollectorRegistry.identify(p) == WideHistorianCollector.self, "\(path)")
            let sink = try collectHistorian(WideHistorianCollector.self, path: path, options: ["tz": "Asia/Tokyo"])
            #expect(sink.warnings.isEmpty, "\(path): \(sink.warnings)")
            #expect(sink.series.map(\.name) == ["薬注設定値", "ポンプ1運転"] && sink.series.first?.unit == "mg/L", "\(path)")
            #expect(sink.samples(named: "薬注設定値")?.map(\.time).last == utc("2024-03-12T01:00:25Z"), "\(path)")
            // 設定値 names a setpoint: its jump is a setpoint change.
            #expect(sink.events.map(\.kind) == ["process.setpoint_change"], "\(path)")
            #expect(sink.events.first?.message.hasPrefix("薬注設定値 setpoint changed from 21 to 95") == true, "\(path)")
        }
        // A long export with Japanese names.
        let long = try collectHistorian(LongHistorianCollector.self, text: "日時,タグ名,値,単位\n2024-03-12 10:00:00,FIC101.PV,3.5,m3/h\n",
                                        options: ["tz": "UTC"])
        #expect(long.series.map(\.name) == ["FIC101.PV"] && long.series.first?.unit == "m3/h")
    }

    /// A table of words with a date column is not a wide historian export; one of numbers is.
    @Test func wideIdentificationWantsNumbers() {
        let words = "Date,User,Action,Result\n2026-11-26,alice,login,ok\n2026-11-27,bob,logout,ok\n"
        #expect(WideHistorianCollector.identify(probe(words)) == .no)
        #expect(CollectorRegistry.identify(probe(words)) == nil)
        let numbers = "Date,FIT101,LIT101,P101\n2026-11-26 10:00,2.5,512.25,Open\n2026-11-26 10:01,2.6,512.5,Open\n"
        #expect(WideHistorianCollector.identify(probe(numbers)) == .likely)
        // A long audit log of a few users and actions: few words, but they come and go from row to row.
        let users = ["alice", "bob", "carol"], actions = ["login", "logout", "export"]
        let audit = "Timestamp,User,Action,Result\n" + (0..<60).map { i in
            String(format: "2026-11-26 10:%02d:00,%@,%@,ok\n", i, users[i % 3], actions[(i / 2) % 3])
        }.joined()
        #expect(WideHistorianCollector.identify(probe(audit)) == .no)
    }

    /// An export of digital states only (a pump's run state, a valve's position, in words): a few words, each held
    /// from sample to sample, are the series' values; the change is a state change.
    @Test func anExportOfStatesInWordsIsAHistorianExport() throws {
        let text = "Timestamp,Pump1_Run,Valve_3\n" + (0..<120).map { i in
            String(format: "2026-11-26 10:%02d:%02d,%@,%@\n", i / 60, i % 60, i < 70 ? "Running" : "Stopped", i < 30 ? "開" : "閉")
        }.joined()
        #expect(WideHistorianCollector.identify(probe(text)) == .likely)
        let out = try collectHistorian(WideHistorianCollector.self, text: text, options: ["tz": "UTC"])
        #expect(out.series.map(\.name).sorted() == ["Pump1_Run", "Valve_3"])
        let changes = out.events.filter { $0.kind == "process.state_change" }.map(\.message)
        #expect(changes.contains("Pump1_Run changed state from Running to Stopped"), "\(changes)")
        #expect(changes.contains("Valve_3 changed state from 開 to 閉"), "\(changes)")
    }

    @Test func epochSecondsAndSpreadsheetDays() throws {
        let epoch = try collectHistorian(LongHistorianCollector.self,
                                         text: "time,tag,value\n1795687200,A,1\n1795687201.5,A,2\n")
        #expect(epoch.samples(named: "A")!.map(\.time) == [Timestamp(seconds: 1_795_687_200),
                                                           Timestamp(nanoseconds: 1_795_687_201_500_000_000)])
        let serial = try collectHistorian(LongHistorianCollector.self, text: "time,tag,value\n46352.5,A,1\n46352.75,A,2\n")
        #expect(serial.samples(named: "A")!.map(\.time) == [utc("2026-11-26T12:00:00Z"), utc("2026-11-26T18:00:00Z")])
    }

    // MARK: Derived process events

    /// A setpoint jump, an excursion and a flatline, injected at known samples, yield exactly those three events
    /// with their start and end.
    @Test func injectedAnomaliesYieldExactlyTheirEvents() throws {
        var rng = SeededRandom(seed: 42)
        let n = 2000
        let start = utc("2026-11-01T00:00:00Z")
        var level = SyntheticHistorian.normal(.cycle, count: n, samplesPerDay: 96, rng: &rng)
        let lo = level.min()!, hi = level.max()!
        for i in 1200..<1206 { level[i] = hi + (hi - lo) * 1.5 }      // excursion: samples 1200–1205
        for i in 1500..<1560 { level[i] = level[1500] }                // flatline: samples 1500–1559
        var text = "timestamp,tag,value\n"
        for i in 0..<n {
            let t = start + Int64(i) * 900 * Timestamp.nanosPerSecond
            text += "\(t.iso8601(precision: .seconds)),FIC101_SP,\(i < 900 ? 2.0 : 200.0)\n"
            text += "\(t.iso8601(precision: .seconds)),LT101,\(level[i])\n"
        }
        let sink = try collectHistorian(LongHistorianCollector.self, text: text)
        #expect(sink.sampleCount == 2 * n)
        let kinds = sink.events.map(\.kind).sorted()
        #expect(kinds == ["process.excursion", "process.flatline", "process.setpoint_change"], "\(sink.events.map { "\($0.attributes["start"]!) \($0.message)" })")
        func at(_ i: Int) -> String { (start + Int64(i) * 900 * Timestamp.nanosPerSecond).iso8601Shortest() }
        let sp = try #require(sink.events.first { $0.kind == "process.setpoint_change" })
        #expect(sp.attributes["start"] == .string(at(900)))
        #expect(sp.attributes["old"] == .double(2) && sp.attributes["new"] == .double(200))
        // It cites its two samples: the one before the change and the first after.
        #expect(sp.attributes["samples_cited"] == .object(["series": .string("FIC101_SP"), "from": .string(at(899)),
                                                           "to": .string(at(900)), "count": .int(2)]))
        let exc = try #require(sink.events.first { $0.kind == "process.excursion" })
        #expect(exc.attributes["start"] == .string(at(1200)))
        #expect(exc.attributes["end"] == .string(at(1205)))
        #expect(exc.attributes["direction"] == .string("above"))
        #expect(exc.attributes["samples"] == .int(6))
        if case .string(let m)? = exc.attributes["method"] { #expect(m.contains("trimmed range")) } else { Issue.record("no method") }
        let flat = try #require(sink.events.first { $0.kind == "process.flatline" })
        #expect(flat.attributes["start"] == .string(at(1500)))
        #expect(flat.attributes["end"] == .string(at(1559)))
        #expect(exc.provenance.locator == "line \(2 + 1200 * 2 + 1)")
    }

    /// Precision and recall of excursion events over synthetic series of four shapes and several scales, each with
    /// one or two excursions (and a flatline) injected at random: an event is right when it overlaps an injected
    /// excursion.
    @Test func excursionPrecisionAndRecallOnSyntheticSeries() throws {
        var rng = SeededRandom(seed: 2026)
        var truePositives = 0, falsePositives = 0, detected = 0, injected = 0
        var flatHits = 0, flatInjected = 0, flatEvents = 0
        for k in 0..<80 {
            let shape = SyntheticHistorian.Shape.allCases[k % 4]
            let perDay = [24, 96, 288][k % 3]
            let series = SyntheticHistorian.withAnomalies(shape, name: "S\(k)", count: perDay * 30, samplesPerDay: perDay,
                                                          rng: &rng)
            var detector = SeriesDetector(name: series.name)
            var findings: [ProcessFinding] = []
            for (i, v) in series.values.enumerated() {
                findings += detector.feed(Sample(time: Timestamp(seconds: Int64(i) * 86_400 / Int64(perDay)), value: v,
                                                 line: i + 1))
            }
            findings += detector.finish()
            func index(_ s: Sample) -> Int { s.line - 1 }
            let excursions = findings.filter { $0.kind == .excursion }
            let truth = series.anomalies.filter { $0.kind == .excursion }
            injected += truth.count
            for e in excursions {
                if truth.contains(where: { index(e.start) <= $0.last && index(e.end) >= $0.first }) {
                    truePositives += 1
                } else {
                    falsePositives += 1
                    if ProcessInfo.processInfo.environment["HIST_DEBUG"] != nil {
                        print("FP \(shape) perDay=\(perDay) at \(index(e.start)) learned? \(e.summary) truth=\(truth.map { ($0.first, $0.last) })")
                    }
                }
            }
            if ProcessInfo.processInfo.environment["HIST_DEBUG"] != nil {
                for t in truth where !excursions.contains(where: { index($0.start) <= t.last && index($0.end) >= t.first }) {
                    print("MISS \(shape) perDay=\(perDay) \(t.first)-\(t.last) values \(series.values[t.first]) events: \(findings.filter { abs(index($0.start) - t.first) < 5 }.map(\.summary))")
                }
                for f in findings where f.kind == .flatline && !series.anomalies.contains(where: { $0.kind == .flatline && index(f.start) <= $0.last && index(f.end) >= $0.first }) {
                    print("FLATFP \(shape) perDay=\(perDay) at \(index(f.start)) \(f.summary)")
                }
            }
            detected += truth.filter { t in excursions.contains { index($0.start) <= t.last && index($0.end) >= t.first } }.count
            let flats = findings.filter { $0.kind == .flatline }
            let flatTruth = series.anomalies.filter { $0.kind == .flatline }
            flatInjected += flatTruth.count
            flatEvents += flats.count
            flatHits += flatTruth.filter { t in flats.contains { index($0.start) <= t.last && index($0.end) >= t.first } }.count
        }
        let precision = Double(truePositives) / Double(max(1, truePositives + falsePositives))
        let recall = Double(detected) / Double(max(1, injected))
        print("excursions: \(injected) injected, \(truePositives + falsePositives) events, precision "
              + "\(String(format: "%.3f", precision)), recall \(String(format: "%.3f", recall)); flatlines: "
              + "\(flatHits)/\(flatInjected) found, \(flatEvents) events")
        #expect(precision >= 0.9)
        #expect(recall >= 0.9)
        #expect(flatHits * 10 >= flatInjected * 8)
    }

    /// A hole in regularly sampled data is one gap event: once for all columns of a wide export, per series in a
    /// long one; irregular (exception-based) series have no gaps to report.
    @Test func gapsInRegularDataAreReportedOnce() throws {
        let start = utc("2026-11-26T00:00:00Z")
        func at(_ minute: Int) -> String { (start + Int64(minute) * 60 * Timestamp.nanosPerSecond).iso8601Shortest() }
        let minutes = Array(0..<100) + Array(220..<300)    // two hours missing after minute 99
        var wide = "Time,A,B\n"
        for m in minutes { wide += "\(at(m)),\(Double(m % 7) + 0.5),\(Double(m % 5) + 0.25)\n" }
        let w = try collectHistorian(WideHistorianCollector.self, text: wide)
        let gaps = w.events.filter { $0.attributes["issue"] == .string("gap") }
        #expect(gaps.count == 1)
        #expect(gaps.first?.attributes["series"] == .string("*"))
        #expect(gaps.first?.attributes["start"] == .string(at(99)))
        #expect(gaps.first?.attributes["end"] == .string(at(220)))
        #expect(gaps.first?.attributes["missing_samples"] == .int(120))
        var long = "timestamp,tag,value\n"
        for m in minutes { long += "\(at(m)),A,\(Double(m % 7) + 0.5)\n" }
        // B changes only now and then (as PI's compression stores): no gaps.
        for m in [0, 3, 50, 51, 180, 290] { long += "\(at(m)),B,\(m)\n" }
        let l = try collectHistorian(LongHistorianCollector.self, text: long)
        let longGaps = l.events.filter { $0.attributes["issue"] == .string("gap") }
        #expect(longGaps.map { $0.attributes["series"] } == [.string("A")])
    }

    /// `--collector` wins over identification; when the header says otherwise, the run says so.
    @Test func aForcedDialectReadsAndSaysWhatTheHeaderLooksLike() throws {
        let text = "Tag,Timestamp,Value,Status\nA,26-Nov-2026 10:00:00,1,0\n"
        let sink = try collectHistorian(LongHistorianCollector.self, text: text, options: ["tz": "UTC"])
        #expect(sink.sampleCount == 1)
        #expect(sink.warnings.map(\.text) == ["the header looks like historian/pi; read with that layout under "
                                              + "historian/long as asked"])
    }

    // MARK: Hostile exports

    @Test func raggedBackwardsDuplicateAndTypeChangingRowsAreWarnedNotLost() throws {
        let text = """
            timestamp,tag,value,quality
            2026-11-26T10:00:00Z,A,1,192
            2026-11-26T10:01:00Z,A,2,192,extra
            2026-11-26T10:01:00Z,A,2,192
            2026-11-26T09:59:00Z,A,3,192
            2026-11-26T10:02:00Z,A
            not a time,A,4,192
            2026-11-26T10:03:00Z,A,on,192
            2026-11-26T10:04:00Z,,5,192
            2026-11-26T10:05:00Z,A,"unclosed,192
            2026-11-26T10:06:00Z,A,6,192

            """
        let sink = try collectHistorian(LongHistorianCollector.self, text: text)
        let a = try #require(sink.samples(named: "A"))
        // Readable samples are all kept: 1, 2, 2 (duplicate time), 3 (backwards), "on" (text), and the record the
        // unclosed quote ran into.
        #expect(a.map { $0.value.map { "\($0)" } ?? $0.text ?? "-" }.prefix(5) == ["1.0", "2.0", "2.0", "3.0", "on"])
        let texts = sink.warnings.map { "\($0.locator): \($0.text)" }
        #expect(texts.contains { $0.hasPrefix("line 3: 5 fields where the header has 4") })
        #expect(texts.contains { $0.hasPrefix("line 5: A: time goes backwards") })
        #expect(texts.contains { $0.hasPrefix("line 6: 2 fields") })
        #expect(texts.contains { $0.hasPrefix("line 7: time \"not a time\" is not in the export's format") })
        #expect(texts.contains { $0.hasPrefix("line 8: A holds text (on) after numbers") })
        #expect(texts.contains { $0.hasPrefix("line 9: no tag in the row") })
        #expect(texts.contains { $0.hasPrefix("line 10: the export ends inside a quoted field") })
        #expect(texts.contains { $0.contains("A: 1 sample shares its time") })
    }

    @Test func garbageAndEmptyFilesFailCleanlyOrWarn() throws {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<50 {
            let bytes = (0..<Int.random(in: 0..<3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let tmp = TempDir()
            let path = tmp.file("x.csv", bytes)
            _ = try? collectHistorian(LongHistorianCollector.self, path: path)
            _ = try? collectHistorian(WideHistorianCollector.self, path: path)
        }
        // A header with no rows says so; no header at all is refused with a reason.
        let empty = try collectHistorian(WideHistorianCollector.self, text: "Time,A,B\n")
        #expect(empty.warnings.map(\.text) == ["the export has a header but no rows"])
        #expect(throws: CollectorError.self) { try collectHistorian(LongHistorianCollector.self, text: "hello\nworld\n") }
    }

    /// A row longer than the record limit is read up to the limit with a warning; memory stays bounded.
    @Test func overlongRowIsCut() throws {
        var text = "Time,A\n2026-11-26T10:00:00Z,1\n2026-11-26T10:00:01Z,"
        text += String(repeating: "9", count: HistorianReader.maxRecordBytes + 10) + "\n2026-11-26T10:00:02Z,3\n"
        let sink = try collectHistorian(WideHistorianCollector.self, text: text)
        #expect(sink.samples(named: "A")!.map(\.value).first == 1)
        #expect(sink.samples(named: "A")!.map(\.value).last == 3)
        #expect(sink.warnings.contains { $0.text.contains("record longer than") })
    }
}

import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// The workbook fixtures (`scripts/oracles/xlsx_fixtures.py`: written by XlsxWriter, openpyxl and by hand in the
/// forms Excel and the Open XML SDK write) and their cells as openpyxl reads them.
enum XLSXFixtures {
    static let names = ["xlsxwriter-wide-days.xlsx", "openpyxl-pi-long-1904.xlsx", "handmade-excel-quirks.xlsx"]
    static func path(_ name: String) -> String { TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/historian/xlsx/\(name)").path }

    struct GoldenCell {
        var sheet: String, cell: String, type: String, value: String
    }

    static func golden() throws -> [String: [GoldenCell]] {
        let text = try String(contentsOfFile: TestPaths.repoRoot.appendingPathComponent("Tests/CollectorsTests/Golden/xlsx/openpyxl-cells.tsv").path,
                              encoding: .utf8)
        var out: [String: [GoldenCell]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5 else { continue }
            let value = f[4].replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\r", with: "\r")
                .replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\\\", with: "\\")
            out[f[0], default: []].append(GoldenCell(sheet: f[1], cell: f[2], type: f[3], value: value))
        }
        return out
    }
}

@Suite struct XLSXOracleTests {
    /// Every non-empty cell of every fixture reads as openpyxl reads it (numbers to the same double, dates and
    /// times to the millisecond, strings exactly), and no cell is read that openpyxl does not see.
    @Test(arguments: XLSXFixtures.names)
    func cellsMatchOpenpyxl(_ name: String) throws {
        let golden = try #require(try XLSXFixtures.golden()[name])
        let ours = try XLSXHistorianCollector.cells(path: XLSXFixtures.path(name))
        var byCell: [String: String] = [:]
        for c in ours { byCell["\(c.sheet)!\(c.cell)"] = c.text }
        #expect(ours.count == golden.count, "\(name): \(ours.count) cells read, openpyxl reads \(golden.count)")
        for g in golden {
            let key = "\(g.sheet)!\(g.cell)"
            guard let mine = byCell[key] else {
                Issue.record("\(name) \(key): not read (openpyxl: \(g.value))")
                continue
            }
            if g.type == "n" {
                #expect(Double(mine) == Double(g.value), "\(name) \(key): \(mine) against openpyxl's \(g.value)")
            } else {
                #expect(mine == g.value, "\(name) \(key): \(mine) against openpyxl's \(g.value)")
            }
        }
    }
}

/// Runs the workbook collector as an ingest would.
func collectWorkbook(_ path: String, options: [String: String] = ["tz": "Asia/Tokyo"]) throws -> MemorySink {
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).flatMap { $0 } ?? 0
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: Int64(size), name: "export.xlsx",
                            originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
    let sink = MemorySink()
    try XLSXHistorianCollector().collect(EvidenceSource(item: item, path: path, options: options), into: sink)
    return sink
}

@Suite struct XLSXHistorianTests {
    /// A workbook reads as the CSV export of the same cells reads: the same series, samples (times, values, texts,
    /// qualities, row numbers) and process events. The CSV is written from openpyxl's reading of the workbook.
    @Test func workbookReadsAsItsCSVExport() throws {
        let cells = try #require(try XLSXFixtures.golden()["openpyxl-pi-long-1904.xlsx"])
        var rows: [Int: [String]] = [:]
        for c in cells {
            let column = Int(c.cell.unicodeScalars.first!.value) - 65
            let row = Int(c.cell.dropFirst())!
            rows[row, default: Array(repeating: "", count: 4)][column] = c.value
        }
        let csv = rows.keys.sorted().map { rows[$0]!.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let tmp = TempDir()
        let csvPath = tmp.file("export.csv", csv)
        let viaCSV = try collectHistorian(try #require(CollectorRegistry.identify(probe(csv))), path: csvPath,
                                          options: ["tz": "Asia/Tokyo"])
        let viaWorkbook = try collectWorkbook(XLSXFixtures.path("openpyxl-pi-long-1904.xlsx"))
        #expect(viaWorkbook.series.map(\.name) == ["FIC101.PV", "FIC101.SP"])
        #expect(viaWorkbook.series.map(\.name) == viaCSV.series.map(\.name))
        #expect(viaWorkbook.samples == viaCSV.samples)
        #expect(viaWorkbook.sampleCount == 80)
        // 09:00 in Tokyo, from a workbook counting days from 1904.
        #expect(viaWorkbook.samples[0][0].time == utc("2026-11-26T00:00:00Z"))
        #expect(viaWorkbook.events.map { "\($0.time.nanoseconds) \($0.kind) \($0.message)" }
                == viaCSV.events.map { "\($0.time.nanoseconds) \($0.kind) \($0.message)" })
        #expect(viaWorkbook.events.map(\.kind) == ["process.quality", "process.setpoint_change"])
        let change = try #require(viaWorkbook.events.last)
        #expect(change.provenance.locator == "sheet \"PI DataLink\" row 53")
        #expect(change.attributes["sheet"] == .string("PI DataLink"))
        #expect(viaWorkbook.warnings.isEmpty)
    }

    /// A sheet per day with the same columns continues the same series; a notes sheet is said not to be an export;
    /// `#N/A` is a bad sample; times keep their milliseconds; the setpoint change is placed on its sheet and row.
    @Test func sheetPerDay() throws {
        let sink = try collectWorkbook(XLSXFixtures.path("xlsxwriter-wide-days.xlsx"))
        #expect(sink.series.map(\.name) == ["FIT101", "LIT101", "P101", "Dose_SP"])
        #expect(sink.series.map(\.unit) == ["m3/h", "mm", nil, "mg/L"])
        #expect(sink.samples.map(\.count) == [120, 120, 120, 120])
        let level = try #require(sink.samples(named: "LIT101"))
        let bad = level.filter { $0.quality == .bad }
        #expect(bad.count == 1 && bad[0].qualityText == "#N/A" && bad[0].line == 19)
        #expect(bad[0].time == utc("2026-11-26T01:02:50.250Z"))
        let flow = try #require(sink.samples(named: "FIT101"))
        #expect(flow.first?.time == utc("2026-11-26T01:00:00Z") && flow.last?.time == utc("2026-11-27T01:09:50.250Z"))
        #expect(zip(flow, flow.dropFirst()).allSatisfy { $0.time < $1.time })
        let setpoint = try #require(sink.events.first { $0.kind == "process.setpoint_change" })
        #expect(setpoint.time == utc("2026-11-27T01:05:00Z"))
        #expect(setpoint.provenance.locator == "sheet \"2026-11-27\" row 32")
        #expect(sink.events.filter { $0.kind == "process.state_change" }.count == 4)
        #expect(sink.warnings.map(\.locator) == ["sheet \"Notes\""])
        #expect(sink.warnings[0].text.hasPrefix("not read: no historian header"))
    }

    /// Excel's and the Open XML SDK's own forms: a date and a time of day in two columns under Japanese headers, a
    /// hidden sheet of ISO date cells, phonetic readings left out of the state words, an error cell, cells without
    /// references and out of order, a totals row under the data (warned, not read as a sample).
    @Test func excelQuirks() throws {
        let sink = try collectWorkbook(XLSXFixtures.path("handmade-excel-quirks.xlsx"))
        #expect(sink.series.map(\.name) == ["流量", "ポンプ", "TI-101"])
        #expect(sink.series.map(\.unit) == ["m3/h", nil, "degC"])
        #expect(sink.samples.map(\.count) == [24, 24, 12])
        let flow = try #require(sink.samples(named: "流量"))
        #expect(flow.first?.time == utc("2026-11-25T21:00:00Z"))         // 2026-11-26 06:00 in Tokyo
        #expect(flow.last?.time == utc("2026-11-26T02:45:00Z"))
        #expect(flow.map(\.line).contains(10) == false && flow.map(\.line).contains(25))
        let divided = try #require(flow.first { $0.line == 11 })
        #expect(divided.quality == .bad && divided.qualityText == "#DIV/0!" && divided.value == nil)
        #expect(flow.first { $0.line == 5 }?.value == 44.5)               // the row without references
        #expect(flow.first { $0.line == 7 }?.value == 47.5)               // the row with its cells out of order
        let pump = try #require(sink.samples(named: "ポンプ"))
        #expect(Set(pump.compactMap(\.text)) == ["運転", "停止"])
        let change = try #require(sink.events.first { $0.kind == "process.state_change" })
        #expect(change.message == "ポンプ changed state from 運転 to 停止")
        #expect(change.provenance.locator == "sheet \"日報\" row 19")
        let raw = try #require(sink.samples(named: "TI-101"))
        #expect(raw.map(\.time) == (0..<12).map { Timestamp(nanoseconds: utc("2026-11-25T21:00:00Z").nanoseconds + Int64($0) * 300_000_000_000) })
        let warnings = sink.warnings.map { "\($0.locator): \($0.text)" }
        #expect(warnings.contains { $0.hasPrefix("sheet \"日報\" row 28: time \"合計 備考\" is not in the export's format") })
        #expect(warnings.contains { $0.hasPrefix("sheet \"日報\" row 7: cells out of column order") })
        #expect(warnings.contains { $0 == "sheet \"raw\": the sheet is hidden in the workbook; read like the others" })
        #expect(!warnings.contains { $0.contains("holds text") })
    }

    /// Identification opens the workbook: a historian workbook is `historian/xlsx`; a workbook of words only, or a
    /// zip that is no workbook, is nobody's (kept, not parsed); a bare head without a path is only a maybe.
    @Test func identification() throws {
        for name in XLSXFixtures.names {
            let path = XLSXFixtures.path(name)
            let head = Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(EvidenceProbe.headSize))
            let p = EvidenceProbe(name: name, mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                  head: head, path: path)
            #expect(CollectorRegistry.identify(p)?.name == "historian/xlsx", "\(name)")
            #expect(XLSXHistorianCollector.identify(EvidenceProbe(name: name, mimeType: nil, head: head)) == .maybe)
        }
        let tmp = TempDir()
        let words = tmp.url.appendingPathComponent("orders.xlsx").path
        #expect(ArchiveWriter.write(words, .zip, XLSXBuilder.entries(sheets: [["Customer,Order,Date"] + (1...30).map {
            "Customer \($0),Order \($0 * 7),Unpaid"
        }])))
        let wordsHead = Array(try Data(contentsOf: URL(fileURLWithPath: words)).prefix(EvidenceProbe.headSize))
        #expect(XLSXHistorianCollector.identify(EvidenceProbe(name: "orders.xlsx", mimeType: nil, head: wordsHead,
                                                              path: words)) == .no)
        let notBook = tmp.url.appendingPathComponent("logs.xlsx").path
        #expect(ArchiveWriter.write(notBook, .zip, [.file("a.log", Array("x\n".utf8))]))
        let notHead = Array(try Data(contentsOf: URL(fileURLWithPath: notBook)).prefix(EvidenceProbe.headSize))
        #expect(XLSXHistorianCollector.identify(EvidenceProbe(name: "logs.xlsx", mimeType: nil, head: notHead,
                                                              path: notBook)) == .no)
    }

    /// Hostile workbooks: every truncation and a run of damaged copies of each fixture give samples and warnings or
    /// a one-line error, never a crash or a hang; a sheet that decompresses past its budget keeps the rows before.
    @Test func damagedWorkbooks() throws {
        let tmp = TempDir()
        for name in XLSXFixtures.names {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: XLSXFixtures.path(name))))
            var cases: [[UInt8]] = stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)).map { Array(bytes.prefix($0)) }
            var rng = SplitMix(seed: 20_261_204)
            for _ in 0..<20 { cases.append(rng.damage(bytes, after: 0, maxFlips: 8, cut: false)) }
            // Damage inside the XML itself (the zip's checks would refuse flipped compressed bytes): each part's
            // text with bytes set at random and cut short, zipped again.
            let archive = try #require(ArchiveReader(path: XLSXFixtures.path(name)))
            var parts: [(String, [UInt8])] = []
            while let m = try archive.next() {
                var data: [UInt8] = []
                try archive.readData { data.append(contentsOf: $0) }
                parts.append((m.path, data))
            }
            for round in 0..<30 {
                let entries: [ArchiveWriter.Entry] = parts.map { name, data in
                    guard name.hasSuffix(".xml") || name.hasSuffix(".rels"), data.count > 1 else { return .file(name, data) }
                    return .file(name, rng.damage(data, after: 0, maxFlips: 12, cut: round % 3 == 0))
                }
                let path = tmp.url.appendingPathComponent("x\(round).xlsx").path
                #expect(ArchiveWriter.write(path, .zip, entries))
                cases.append(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            }
            for (i, c) in cases.enumerated() {
                let path = tmp.url.appendingPathComponent("d\(i).xlsx").path
                FileManager.default.createFile(atPath: path, contents: Data(c))
                do {
                    let sink = try collectWorkbook(path)
                    #expect(sink.sampleCount >= 0)
                } catch let e as CollectorError {
                    #expect(!e.description.isEmpty)
                } catch let e as ArchiveReader.ReadError {
                    #expect(!e.description.isEmpty)
                }
            }
        }
        // A bomb: 40 MB of rows in a sheet that compresses to a few hundred KB, read under a 4 MB budget.
        var sheet = "Time,Flow"
        for i in 0..<1_000 { sheet += "\n2026-11-26 10:\(String(format: "%02d:%02d", i / 60 % 60, i % 60)),\(i % 7)" }
        let bomb = tmp.url.appendingPathComponent("bomb.xlsx").path
        var entries = XLSXBuilder.entries(sheets: [sheet.split(separator: "\n").map(String.init)])
        if case .file(let n, let xml) = entries[0] {
            let rows = String(repeating: "<row/>", count: 7_000_000)
            entries[0] = .file(n, Array(String(decoding: xml, as: UTF8.self)
                .replacingOccurrences(of: "</sheetData>", with: rows + "</sheetData>").utf8))
        }
        #expect(ArchiveWriter.write(bomb, .zip, entries))
        let sink = try collectWorkbook(bomb, options: ["tz": "UTC", "historian.xlsx-sheet-budget": "4000000"])
        #expect(sink.sampleCount == 1_000)
        #expect(sink.warnings.contains { $0.text.contains("decompresses to more than 3 MiB") })
    }
}

/// Minimal workbooks for tests: sheets of CSV rows (first row shared strings, numbers as numbers).
enum XLSXBuilder {
    static func entries(sheets: [[String]]) -> [ArchiveWriter.Entry] {
        let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        var out: [ArchiveWriter.Entry] = []
        var sheetList = "", rels = ""
        for (k, rows) in sheets.enumerated() {
            var xml = "<worksheet xmlns=\"\(ns)\"><sheetData>"
            for (r, row) in rows.enumerated() {
                xml += "<row r=\"\(r + 1)\">"
                for (c, v) in row.split(separator: ",", omittingEmptySubsequences: false).enumerated() where !v.isEmpty {
                    let ref = "\(XLSX.columnName(c))\(r + 1)"
                    if Double(v) != nil {
                        xml += "<c r=\"\(ref)\"><v>\(v)</v></c>"
                    } else {
                        xml += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t>\(v)</t></is></c>"
                    }
                }
                xml += "</row>"
            }
            xml += "</sheetData></worksheet>"
            out.append(.file("xl/worksheets/sheet\(k + 1).xml", Array(xml.utf8)))
            sheetList += "<sheet name=\"Sheet\(k + 1)\" sheetId=\"\(k + 1)\" r:id=\"rId\(k + 1)\"/>"
            rels += "<Relationship Id=\"rId\(k + 1)\" Type=\"\(rel)/worksheet\" Target=\"worksheets/sheet\(k + 1).xml\"/>"
        }
        let relsNS = "http://schemas.openxmlformats.org/package/2006/relationships"
        out.append(.file("xl/workbook.xml", Array("<workbook xmlns=\"\(ns)\" xmlns:r=\"\(rel)\"><sheets>\(sheetList)</sheets></workbook>".utf8)))
        out.append(.file("xl/_rels/workbook.xml.rels", Array("<Relationships xmlns=\"\(relsNS)\">\(rels)</Relationships>".utf8)))
        out.append(.file("_rels/.rels", Array("<Relationships xmlns=\"\(relsNS)\"><Relationship Id=\"R1\" Type=\"\(rel)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".utf8)))
        out.append(.file("[Content_Types].xml", Array("<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>".utf8)))
        return out
    }

}

/// Spreadsheet day numbers are the wall clock of whoever exported them, in no zone: read in the declared zone, in a
/// CSV and in a workbook whose time column has no date format (General), as the same cells formatted as dates are.
@Suite struct SpreadsheetDayNumberTests {
    @Test func dayNumbersAreLocalTimes() throws {
        let rows = ["Time,Flow"] + (0..<12).map { "\(46352 + Double($0) / 96),\(40 + $0)" }    // 2026-11-26 00:00 on, 15 min apart
        let csv = try collectHistorian(WideHistorianCollector.self, text: rows.joined(separator: "\n") + "\n",
                                       options: ["tz": "Asia/Tokyo"])
        #expect(csv.samples(named: "Flow")?.first?.time == utc("2026-11-25T15:00:00Z"))
        #expect(csv.samples(named: "Flow")?.last?.time == utc("2026-11-25T17:45:00Z"))
        let tmp = TempDir()
        let book = tmp.url.appendingPathComponent("general.xlsx").path
        #expect(ArchiveWriter.write(book, .zip, XLSXBuilder.entries(sheets: [rows])))
        let sheet = try collectWorkbook(book)
        #expect(sheet.samples(named: "Flow")?.map(\.time) == csv.samples(named: "Flow")?.map(\.time))
        // With no zone given, read as UTC and said so.
        let bare = try collectHistorian(WideHistorianCollector.self, text: rows.joined(separator: "\n") + "\n")
        #expect(bare.samples(named: "Flow")?.first?.time == utc("2026-11-26T00:00:00Z"))
        #expect(bare.warnings.contains { $0.text.contains("no time zone declared") })
    }
}

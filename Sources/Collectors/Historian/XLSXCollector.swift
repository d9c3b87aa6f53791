import Foundation
import JikochoModel
import Parsers

/// `historian/xlsx`: historian exports saved as Excel workbooks (PI DataLink sheets, an HMI's daily report, a
/// trend exported to `.xlsx`). Each sheet with a historian header is read as the CSV reader reads an export (the
/// same layouts: PI, AVEVA, Ignition, long, wide, a date and a time of day in two columns), its rows numbered as
/// Excel shows them; sheets of the same columns (a sheet per day) continue the same series. Cells are read as
/// stored, never as displayed: numbers whole, dates and times from the cell's number format as local times (to the
/// millisecond; the 1900 and 1904 date systems), shared and inline strings without their phonetic readings, errors
/// (`#N/A`) as bad samples. The workbook is read through libarchive, a part at a time, each sheet streamed.
///
/// Options as the CSV readers', and `historian.xlsx-sheet-budget` (bytes of XML a sheet may decompress to; default
/// 200× the workbook's size, at least 1 GiB: past it the sheet's rows so far are kept and the rest warned).
public struct XLSXHistorianCollector: Collector {
    public static let name = "historian/xlsx"
    public static let version = "1"
    public init() {}

    static let mimeTypes: Set<String> = [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        "application/vnd.ms-excel.template.macroenabled.12",
    ]

    /// A workbook by its MIME type, or a zip named like one; `.likely` when one of its sheets has a historian
    /// header over rows with readable times (the probe's path is opened for that), else `.no`.
    public static func identify(_ probe: EvidenceProbe) -> Confidence {
        let lower = probe.name.lowercased()
        let named = [".xlsx", ".xlsm", ".xltx", ".xltm"].contains { lower.hasSuffix($0) }
        let zip = probe.head.starts(with: [0x50, 0x4B, 0x03, 0x04])
        guard zip, named || probe.mimeType.map({ mimeTypes.contains($0.lowercased()) }) == true else { return .no }
        guard let path = probe.path else { return .maybe }
        guard let book = try? XLSXWorkbook.open(path: path, warn: { _, _, _ in }) else { return .no }
        for sheet in book.sheets.prefix(32) where sheet.part != nil {
            let table = XLSXSheetTable(book: book, sheet: sheet, maxBytes: book.maxSheetBytes)
            guard let head = try? table.head(40), !head.isEmpty else { continue }
            if let s = HistorianSniff.read(head.map(\.bytes), preferred: nil, separator: 0x2C), s.timeFormat != nil {
                if s.mostlyWords { continue }
                return .likely
            }
        }
        return .no
    }

    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let session = try HistorianReader.Session(source: source, sink: sink, dialect: nil,
                                                  collectorName: XLSXHistorianCollector.name)
        let warn: (String, String, String) throws -> Void = { try session.warn($0, $1, $2) }
        let budget = source.options["historian.xlsx-sheet-budget"].flatMap(Int64.init)
            ?? XLSXWorkbook.sheetBudget(forFileSize: source.item.size)
        let book = try XLSXWorkbook.open(path: source.path, warn: warn, maxSheetBytes: budget)
        var exports: [(found: HistorianReader.SniffedTable, name: String)] = []
        for sheet in book.sheets {
            let label = "sheet \"\(sheet.name)\""
            guard sheet.part != nil else { continue }    // said when the workbook was opened
            let table = XLSXSheetTable(book: book, sheet: sheet, maxBytes: book.maxSheetBytes)
            guard let found = try session.sniff(table) else {
                try warn("sheet", label, "not read: \(session.sniffFailure)")
                continue
            }
            if found.sniff.mostlyWords {
                try warn("sheet", label, "not read: its columns under the header are mostly words, not samples (a list, "
                         + "not an export)")
                continue
            }
            if sheet.state != "visible" {
                try warn("hidden", label, "the sheet is \(sheet.state) in the workbook; read like the others")
            }
            exports.append((found, sheet.name))
        }
        // Sheets are read in the order of their times (a sheet per day saved newest first would otherwise have every
        // older sheet's samples go back in time, stored but not analysed), the workbook's order where times tie.
        let ordered = exports.enumerated().sorted { a, b in
            let (x, y) = (a.element.found.sniff.earliest ?? .max, b.element.found.sniff.earliest ?? .max)
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        if ordered.map(\.name) != exports.map(\.name) {
            try warn("sheet-order", "whole file", "the sheets were read in the order of their times ("
                     + ordered.prefix(6).map { "\"\($0.name)\"" }.joined(separator: ", ") + (ordered.count > 6 ? ", …" : "")
                     + "), not the workbook's")
        }
        for e in ordered { try session.read(e.found) }
        guard !ordered.isEmpty else {
            throw CollectorError.notThisFormat("no sheet of the workbook has a historian header (a time column and tag "
                                               + "or value columns) over rows with readable times")
        }
        try session.finish()
    }
}

extension XLSXHistorianCollector {
    /// Every non-empty cell of every sheet as the collector reads it (sheet, `B12`, text), in sheet and row order:
    /// for checks against other readers of the same workbook.
    public static func cells(path: String) throws -> [(sheet: String, cell: String, text: String)] {
        let book = try XLSXWorkbook.open(path: path, warn: { _, _, _ in })
        var out: [(sheet: String, cell: String, text: String)] = []
        for sheet in book.sheets {
            guard let part = sheet.part else { continue }
            var reader = XLSX.SheetReader { number, cells in
                for c in cells {
                    var missing = false
                    if let t = book.text(of: c, missing: &missing), !t.isEmpty {
                        out.append((sheet.name, "\(XLSX.columnName(c.column))\(number)", t))
                    }
                }
            }
            try book.scan(part, maxBytes: book.maxSheetBytes, into: &reader)
        }
        return out
    }
}

/// A workbook's parts, opened once: its sheets, cell formats, date system and shared strings.
final class XLSXWorkbook: @unchecked Sendable {
    struct Sheet {
        var name: String
        /// The member holding the sheet's cells; nil for a sheet the package does not hold (or a chart).
        var part: String?
        var state: String
    }

    let path: String
    let sheets: [Sheet]
    let kinds: [XLSX.ValueKind]
    let strings: XLSX.SharedStrings
    let date1904: Bool
    let maxSheetBytes: Int64
    /// Members by their name folded to compare (part names are case-insensitive; some writers put `\` or a leading
    /// `/`), to the name as stored.
    let members: [String: String]

    /// Parts other than sheets are read whole up to this size.
    static let maxPartBytes = 64 << 20

    /// How much XML a sheet may decompress to: 200× the workbook's size, at least 1 GiB (historian rows compress
    /// about 10–40×; a zip bomb's ratio is in the thousands).
    static func sheetBudget(forFileSize size: Int64) -> Int64 { max(1 << 30, size * 200) }

    private init(path: String, sheets: [Sheet], kinds: [XLSX.ValueKind], strings: XLSX.SharedStrings, date1904: Bool,
                 maxSheetBytes: Int64, members: [String: String])
    {
        self.path = path
        self.sheets = sheets
        self.kinds = kinds
        self.strings = strings
        self.date1904 = date1904
        self.maxSheetBytes = maxSheetBytes
        self.members = members
    }

    static func fold(_ name: String) -> String {
        var n = name.replacingOccurrences(of: "\\", with: "/")
        while n.hasPrefix("/") { n.removeFirst() }
        return n.lowercased()
    }

    /// Opens the package and reads its workbook, relationships, styles and shared strings. Throws `notThisFormat`
    /// when it is no workbook; damage to the other parts is warned and read past.
    static func open(path: String, warn: (String, String, String) throws -> Void,
                     maxSheetBytes: Int64 = 1 << 30) throws -> XLSXWorkbook
    {
        var members: [String: String] = [:]
        guard let archive = ArchiveReader(path: path) else {
            throw CollectorError.notThisFormat("not a zip package (an .xlsx workbook is one)")
        }
        // The small parts at the names nearly every writer gives them are read on the way through the member list, so
        // that a usual workbook is opened in one pass; a part elsewhere is read when the relationships name it.
        var prefetched: [String: [UInt8]] = [:]
        let usual: Set<String> = ["_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"]
        while let m = try? archive.next() {
            guard case .file = m.kind else { continue }
            let f = fold(m.path)
            members[f] = m.path
            if usual.contains(f), prefetched[f] == nil {
                var bytes: [UInt8] = []
                if (try? archive.readData({ chunk in
                    guard bytes.count + chunk.count <= maxPartBytes else { throw TooLarge() }
                    bytes.append(contentsOf: chunk)
                })) != nil {
                    prefetched[f] = bytes
                }
            }
            if members.count > 100_000 { break }
        }
        func has(_ part: String) -> Bool { members[fold(part)] != nil }
        /// The named parts by folded name: those read on the first pass, the others read now.
        func parts(_ names: [String]) throws -> [String: [UInt8]] {
            var out = prefetched.filter { names.map(fold).contains($0.key) }
            let missing = names.filter { out[fold($0)] == nil }
            if !missing.isEmpty { out.merge(try readParts(path: path, missing, members: members)) { a, _ in a } }
            return out
        }

        let root = try parts(["_rels/.rels"])
        var workbookPart = "xl/workbook.xml"
        if let rels = root["_rels/.rels"], let list = try? XLSX.relationships(rels),
           let office = list.first(where: { $0.type.hasSuffix("/officeDocument") && !$0.external })
        {
            workbookPart = XLSX.resolve(office.target, from: "")
        }
        guard has(workbookPart) else {
            throw CollectorError.notThisFormat("a zip package without a workbook part (\(workbookPart)): not an .xlsx "
                                               + "workbook")
        }
        let relsPart = XLSX.relationshipsPart(of: workbookPart)
        let bookParts = try parts([workbookPart, relsPart])
        let workbook: XLSX.Workbook
        do {
            workbook = try XLSX.workbook(bookParts[fold(workbookPart)] ?? [])
        } catch {
            throw CollectorError.notThisFormat("the workbook part \(workbookPart) is not readable XML: \(error)")
        }
        var rels: [XLSX.Relationship] = []
        if let r = bookParts[fold(relsPart)] {
            do { rels = try XLSX.relationships(r) } catch {
                try warn("package", relsPart, "the workbook's relationships are not readable XML (\(error)); its sheets "
                         + "were looked for by their usual names")
            }
        }
        func target(ofType suffix: String, default fallback: String) -> String? {
            if let r = rels.first(where: { $0.type.hasSuffix(suffix) && !$0.external }) {
                return XLSX.resolve(r.target, from: workbookPart)
            }
            return has(fallback) ? fallback : nil
        }

        var sheets: [Sheet] = []
        for (i, s) in workbook.sheets.enumerated() {
            var part: String?
            if let r = rels.first(where: { $0.id == s.relationshipID }) {
                if r.type.hasSuffix("/chartsheet") || r.type.hasSuffix("/dialogsheet") {
                    try warn("sheet", "sheet \"\(s.name)\"", "a chart or dialog sheet: no cells to read")
                } else if r.external {
                    try warn("sheet", "sheet \"\(s.name)\"", "the sheet is outside the package (\(r.target)): not read")
                } else {
                    part = XLSX.resolve(r.target, from: workbookPart)
                }
            } else if rels.isEmpty, has("xl/worksheets/sheet\(i + 1).xml") {
                part = "xl/worksheets/sheet\(i + 1).xml"
            }
            if let p = part, !has(p) {
                try warn("sheet", "sheet \"\(s.name)\"", "the package holds no part \(p) for this sheet: not read")
                part = nil
            } else if part == nil, !rels.isEmpty, !rels.contains(where: { $0.id == s.relationshipID }) {
                try warn("sheet", "sheet \"\(s.name)\"", "the workbook names no part for this sheet: not read")
            }
            sheets.append(Sheet(name: s.name, part: part, state: s.state))
        }

        var kinds: [XLSX.ValueKind] = []
        if let stylesPart = target(ofType: "/styles", default: "xl/styles.xml") {
            if let bytes = try parts([stylesPart])[fold(stylesPart)] {
                do { kinds = try XLSX.cellKinds(bytes) } catch {
                    try warn("package", stylesPart, "the cell formats are not readable XML (\(error)): dates stored as "
                             + "day numbers are read as numbers")
                }
            }
        }

        var strings = XLSX.SharedStrings()
        if let stringsPart = target(ofType: "/sharedStrings", default: "xl/sharedStrings.xml") {
            var scanner = XMLScanner()
            do {
                _ = try stream(path: path, part: stringsPart, members: members, maxBytes: Int64(XLSXWorkbook.maxPartBytes) * 16) {
                    try scanner.feed($0, &strings)
                }
                try scanner.finish(&strings)
            } catch {
                try warn("package", stringsPart, "the shared strings are damaged after \(strings.count) strings (\(error)); "
                         + "cells citing later ones have no text")
            }
            if strings.truncated {
                try warn("package", stringsPart, "the shared strings hold more than \(256 << 20) bytes of text; the rest "
                         + "were not kept and cells citing them have no text")
            }
        }
        return XLSXWorkbook(path: path, sheets: sheets, kinds: kinds, strings: strings, date1904: workbook.date1904,
                            maxSheetBytes: maxSheetBytes, members: members)
    }

    /// A cell's text as a CSV export would hold it, by this workbook's formats, strings and date system.
    func text(of cell: XLSX.Cell, missing: inout Bool) -> String? {
        XLSX.text(of: cell, kinds: kinds, strings: strings, date1904: date1904, missing: &missing)
    }

    /// Feeds a sheet's part through `reader` as it decompresses (`afterChunk` after each piece), then finishes it.
    func scan(_ part: String, maxBytes: Int64, into reader: inout XLSX.SheetReader,
              afterChunk: (XLSX.SheetReader) throws -> Void = { _ in }) throws {
        var scanner = XMLScanner()
        if try XLSXWorkbook.stream(path: path, part: part, members: members, maxBytes: maxBytes, {
            try scanner.feed($0, &reader)
            try afterChunk(reader)
        }) {
            try scanner.finish(&reader)
        }
    }

    /// The named parts, each whole (up to `maxPartBytes`), by folded name.
    static func readParts(path: String, _ names: [String], members: [String: String]) throws -> [String: [UInt8]] {
        let wanted = Set(names.map(fold))
        var out: [String: [UInt8]] = [:]
        guard let archive = ArchiveReader(path: path) else { return out }
        while out.count < wanted.count, let m = try archive.next() {
            let f = fold(m.path)
            guard wanted.contains(f), out[f] == nil else { continue }
            var bytes: [UInt8] = []
            do {
                try archive.readData { chunk in
                    guard bytes.count + chunk.count <= maxPartBytes else { throw TooLarge() }
                    bytes.append(contentsOf: chunk)
                }
            } catch is TooLarge {
                throw CollectorError.notThisFormat("the part \(m.path) is larger than \(maxPartBytes >> 20) MiB")
            }
            out[f] = bytes
        }
        return out
    }

    struct TooLarge: Error {}
    struct Budget: Error { var bytes: Int64 }

    /// Streams one part's bytes; false when the package has no such part. Throws `Budget` past `maxBytes`.
    static func stream(path: String, part: String, members: [String: String], maxBytes: Int64,
                       _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool
    {
        let want = fold(part)
        guard members[want] != nil, let archive = ArchiveReader(path: path) else { return false }
        while let m = try archive.next() {
            guard fold(m.path) == want else { continue }
            var total: Int64 = 0
            try archive.readData { chunk in
                total += Int64(chunk.count)
                if total > maxBytes { throw Budget(bytes: maxBytes) }
                try body(chunk)
            }
            return true
        }
        return false
    }
}

/// One sheet of a workbook as a table of CSV records: each row's cells as a CSV export of them would write them.
struct XLSXSheetTable: HistorianReader.Table {
    let book: XLSXWorkbook
    let sheetInfo: XLSXWorkbook.Sheet
    let maxBytes: Int64

    init(book: XLSXWorkbook, sheet: XLSXWorkbook.Sheet, maxBytes: Int64) {
        self.book = book
        sheetInfo = sheet
        self.maxBytes = maxBytes
    }

    var sheet: String? { sheetInfo.name }
    var separator: UInt8? { 0x2C }
    var sparse: Bool { true }

    private struct Enough: Error {}

    func head(_ n: Int) throws -> [(bytes: [UInt8], number: Int)] {
        var out: [(bytes: [UInt8], number: Int)] = []
        do {
            try rows(warn: nil) { record, number in
                out.append((Array(record), number))
                if out.count >= n { throw Enough() }
            }
        } catch is Enough {
        } catch is XMLScanner.Failure {
            // Damage within the first rows: the rows before it decide; the full read says where.
        } catch is XLSXWorkbook.Budget {}
        return out
    }

    func forEachRecord(from: Int, warn: (String, String, String) throws -> Void,
                       _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws
    {
        try withoutActuallyEscaping(warn) { warn in
            try rows(warn: warn) { record, number in
                if number >= from { try body(record, number) }
            }
        }
    }

    /// Streams the sheet, rendering each row.
    private func rows(warn: ((String, String, String) throws -> Void)?,
                      _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws
    {
        guard let part = sheetInfo.part else { return }
        let name = sheetInfo.name
        func at(_ row: Int) -> String { "sheet \"\(name)\" row \(row)" }
        var record: [UInt8] = []
        var texts: [(column: Int, text: String)] = []
        try withoutActuallyEscaping(body) { body in
            var reader = XLSX.SheetReader { number, cells in
                texts.removeAll(keepingCapacity: true)
                for c in cells {
                    var missing = false
                    if let t = book.text(of: c, missing: &missing) {
                        texts.append((c.column, t))
                    } else if missing {
                        try warn?("string", at(number), "cell \(XLSX.columnName(c.column))\(number) cites shared string "
                                  + "\(String(decoding: c.value, as: UTF8.self)), which the workbook does not hold; read as "
                                  + "empty")
                    } else if c.hasFormula, c.value.isEmpty {
                        try warn?("formula", at(number), "cell \(XLSX.columnName(c.column))\(number) holds a formula with "
                                  + "no saved result (the workbook was written without calculating it); read as empty")
                    }
                }
                record = XLSX.record(texts)
                try record.withUnsafeBufferPointer { try body($0, number) }
            }
            var issuesSaid = 0
            func sayIssues(_ r: XLSX.SheetReader) throws {
                guard let warn else { return }
                for i in r.issues.dropFirst(issuesSaid) { try warn("sheet-xml", at(i.row), i.text) }
                issuesSaid = r.issues.count
            }
            do {
                try book.scan(part, maxBytes: maxBytes, into: &reader) { r in
                    if r.issues.count > issuesSaid { try sayIssues(r) }
                }
                try sayIssues(reader)
            } catch let e as XMLScanner.Failure {
                try sayIssues(reader)
                guard let warn else { throw e }
                try warn("sheet-xml", "sheet \"\(name)\"", "the sheet's XML is damaged after \(reader.rows) rows (\(e)); "
                         + "the rows before it were read")
            } catch let e as XLSXWorkbook.Budget {
                guard let warn else { throw e }
                try warn("sheet-size", "sheet \"\(name)\"", "the sheet decompresses to more than \(e.bytes >> 20) MiB "
                         + "(a zip bomb, or a workbook far larger than its file suggests); the \(reader.rows) rows before "
                         + "that were read")
            } catch let e as ArchiveReader.ReadError {
                guard let warn else { throw e }
                try warn("sheet-zip", "sheet \"\(name)\"", "the sheet's compressed data is damaged after \(reader.rows) "
                         + "rows (\(e.description)); the rows before it were read")
            }
        }
    }
}

/// The parts of an Office Open XML workbook (ECMA-376 part 1, SpreadsheetML) that a historian export needs: the
/// package's relationships, the workbook's sheets and date system, the cell formats that make a number a date, the
/// shared strings, and each sheet's rows. Pure: the package's members are handed in as bytes or chunks.
public enum XLSX {
    /// Excel's limits: a cell reference beyond them is damage, not data.
    public static let maxRows = 1_048_576
    public static let maxColumns = 16_384

    // MARK: Relationships

    public struct Relationship: Sendable, Equatable {
        public var id: String
        public var type: String
        public var target: String
        public var external: Bool
    }

    /// `_rels/.rels`, `xl/_rels/workbook.xml.rels`.
    public static func relationships(_ xml: [UInt8]) throws -> [Relationship] {
        struct H: XMLScanner.Handler {
            var out: [Relationship] = []
            mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ a: XMLScanner.Attributes, selfClosing: Bool) {
                guard XLSX.named(name, "Relationship"), let id = a.string("Id"), let target = a.string("Target") else {
                    return
                }
                out.append(Relationship(id: id, type: a.string("Type") ?? "", target: target,
                                        external: a.string("TargetMode") == "External"))
            }
            mutating func end(_ name: UnsafeBufferPointer<UInt8>) {}
            mutating func text(_ text: UnsafeBufferPointer<UInt8>) {}
        }
        var h = H()
        try scanWhole(xml, &h)
        return h.out
    }

    /// A relationship's target as a member name of the package: relative to the folder of the part that holds the
    /// relationship (`worksheets/sheet1.xml` from `xl/workbook.xml`), or from the package's root (`/xl/…`);
    /// `..` and `.` resolved, never above the root.
    public static func resolve(_ target: String, from part: String) -> String {
        var parts: [Substring]
        if target.hasPrefix("/") {
            parts = []
        } else {
            parts = part.split(separator: "/", omittingEmptySubsequences: true)
            if !parts.isEmpty { parts.removeLast() }
        }
        for p in target.split(separator: "/", omittingEmptySubsequences: true) {
            if p == "." { continue }
            if p == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(p)
        }
        return parts.joined(separator: "/")
    }

    /// The relationships part of a part: `xl/_rels/workbook.xml.rels` for `xl/workbook.xml`.
    public static func relationshipsPart(of part: String) -> String {
        var folder = part.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let file = folder.popLast() ?? ""
        return (folder + ["_rels", file + ".rels"]).joined(separator: "/")
    }

    // MARK: Workbook

    public struct Sheet: Sendable, Equatable {
        public var name: String
        public var relationshipID: String
        /// `visible`, `hidden` or `veryHidden`.
        public var state: String
    }

    public struct Workbook: Sendable, Equatable {
        public var sheets: [Sheet] = []
        /// Dates count days from 1904-01-01 (old Mac workbooks) rather than from 1899-12-30.
        public var date1904 = false
    }

    public static func workbook(_ xml: [UInt8]) throws -> Workbook {
        struct H: XMLScanner.Handler {
            var out = Workbook()
            mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ a: XMLScanner.Attributes, selfClosing: Bool) {
                if XLSX.named(name, "workbookPr") {
                    let v = a.string("date1904")?.lowercased()
                    out.date1904 = v == "1" || v == "true" || v == "on"
                } else if XLSX.named(name, "sheet"), let n = a.string("name"), let id = a.string("id") {
                    out.sheets.append(Sheet(name: n, relationshipID: id, state: a.string("state") ?? "visible"))
                }
            }
            mutating func end(_ name: UnsafeBufferPointer<UInt8>) {}
            mutating func text(_ text: UnsafeBufferPointer<UInt8>) {}
        }
        var h = H()
        try scanWhole(xml, &h)
        return h.out
    }

    // MARK: Styles

    /// What a cell's number format makes of its number.
    public enum ValueKind: Sendable, Equatable {
        case number
        /// Days and a fraction shown as a date (perhaps with a time).
        case date
        /// A fraction of a day shown as a time of day.
        case time
        /// Elapsed time (`[h]:mm:ss`): the number of days, kept as a number.
        case duration
        case text
    }

    /// The value kind of each cell format (`cellXfs`), by the `s` index cells carry.
    public static func cellKinds(_ xml: [UInt8]) throws -> [ValueKind] {
        struct H: XMLScanner.Handler {
            var codes: [Int: String] = [:]
            var xfs: [Int] = []
            var inCellXfs = false
            mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ a: XMLScanner.Attributes, selfClosing: Bool) {
                if XLSX.named(name, "numFmt"), let id = a.int("numFmtId") {
                    codes[id] = a.string("formatCode") ?? ""
                } else if XLSX.named(name, "cellXfs") {
                    inCellXfs = true
                } else if inCellXfs, XLSX.named(name, "xf") {
                    xfs.append(a.int("numFmtId") ?? 0)
                }
            }
            mutating func end(_ name: UnsafeBufferPointer<UInt8>) {
                if XLSX.named(name, "cellXfs") { inCellXfs = false }
            }
            mutating func text(_ text: UnsafeBufferPointer<UInt8>) {}
        }
        var h = H()
        try scanWhole(xml, &h)
        return h.xfs.map { id in h.codes[id].map(valueKind(code:)) ?? valueKind(builtin: id) }
    }

    /// The built-in formats (ECMA-376 18.8.30, with the East Asian dates and times Japanese Excel writes as 27–36
    /// and 50–58).
    public static func valueKind(builtin id: Int) -> ValueKind {
        switch id {
        case 14...17, 22, 27...31, 34...36, 50...54, 57, 58: return .date
        case 18...21, 32, 33, 45, 47, 55, 56: return .time
        case 46: return .duration
        case 49: return .text
        default: return .number
        }
    }

    /// A custom format code's kind: the letters of its first section outside quotes, escapes, fills and bracketed
    /// colours or locales (`[$-411]ggge"年"m"月"d"日"`, `yyyy/mm/dd hh:mm:ss.000`, `[h]:mm`).
    public static func valueKind(code: String) -> ValueKind {
        let lower = code.lowercased()
        if lower == "general" || lower.isEmpty { return .number }
        var date = false, clock = false, elapsed = false, sawText = false
        var it = Array(lower.unicodeScalars)[...]
        while let c = it.first {
            it = it.dropFirst()
            switch c {
            case ";": it = []    // the first section decides
            case "\"":
                while let d = it.first { it = it.dropFirst(); if d == "\"" { break } }
            case "\\", "_", "*":
                it = it.dropFirst()
            case "[":
                var inner = ""
                while let d = it.first { it = it.dropFirst(); if d == "]" { break }; inner.unicodeScalars.append(d) }
                if !inner.isEmpty, inner.allSatisfy({ "hms".contains($0) }) { elapsed = true }
            case "@": sawText = true
            case "e":
                // A year of an era (`ggge`), not a scientific exponent (`0.00E+00`).
                if let n = it.first, n == "+" || n == "-" { it = it.dropFirst() } else { date = true }
            case "y", "d", "g", "b": date = true
            case "h", "s": clock = true
            case "m": break    // month or minute: the letters around it decide
            default: break
            }
        }
        if elapsed { return .duration }
        if date { return .date }
        if clock { return .time }
        if sawText { return .text }
        // `mm` alone is a month (as in `mmm-yy`); a lone minute needs an hour or seconds beside it.
        if lower.contains("m") && !lower.contains("0") && !lower.contains("#") { return .date }
        return .number
    }

    // MARK: Shared strings

    /// The shared string table, read as it streams: rich text runs joined, phonetic readings (`rPh`, the furigana
    /// Japanese Excel keeps beside kanji) left out, `_xHHHH_` escapes undone. Stored as one byte run with ends, so
    /// a million strings cost no million objects; text beyond `maxBytes` is not kept (`truncated` says so).
    public struct SharedStrings: XMLScanner.Handler {
        public private(set) var bytes: [UInt8] = []
        public private(set) var ends: [Int] = []
        public private(set) var truncated = false
        let maxBytes: Int
        var inItem = false, inText = false, phonetic = 0
        var current: [UInt8] = []

        public init(maxBytes: Int = 256 << 20) {
            self.maxBytes = maxBytes
        }

        public var count: Int { ends.count }

        public func string(_ i: Int) -> String? {
            guard i >= 0, i < ends.count else { return nil }
            let start = i == 0 ? 0 : ends[i - 1]
            return bytes.withUnsafeBufferPointer { String(decoding: $0[start..<ends[i]], as: UTF8.self) }
        }

        public mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ a: XMLScanner.Attributes, selfClosing: Bool) {
            if XLSX.named(name, "si") {
                inItem = true
                current.removeAll(keepingCapacity: true)
            } else if XLSX.named(name, "rPh") {
                phonetic += 1
            } else if XLSX.named(name, "t") {
                inText = true
            }
        }

        public mutating func end(_ name: UnsafeBufferPointer<UInt8>) {
            if XLSX.named(name, "si") {
                inItem = false
                if bytes.count + current.count > maxBytes {
                    truncated = true
                } else {
                    XLSX.unescape(current, into: &bytes)
                }
                ends.append(bytes.count)
            } else if XLSX.named(name, "rPh") {
                phonetic = max(0, phonetic - 1)
            } else if XLSX.named(name, "t") {
                inText = false
            }
        }

        public mutating func text(_ text: UnsafeBufferPointer<UInt8>) {
            guard inItem, inText, phonetic == 0, current.count <= maxBytes else { return }
            current.append(contentsOf: text)
        }
    }

    /// Undoes SpreadsheetML's `_xHHHH_` escapes (characters XML cannot carry, such as `_x000D_`); `_x005F_` is a
    /// literal underscore.
    public static func unescape(_ s: [UInt8], into out: inout [UInt8]) {
        guard s.contains(0x5F) else {
            out.append(contentsOf: s)
            return
        }
        var i = 0
        while i < s.count {
            if s[i] == 0x5F, i + 6 < s.count, s[i + 1] == 0x78, s[i + 6] == 0x5F,
               let a = Hex.digit(s[i + 2]), let b = Hex.digit(s[i + 3]),
               let c = Hex.digit(s[i + 4]), let d = Hex.digit(s[i + 5])
            {
                let v = UInt32(a) << 12 | UInt32(b) << 8 | UInt32(c) << 4 | UInt32(d)
                XMLScanner.appendScalar(v, to: &out)
                i += 7
            } else {
                out.append(s[i])
                i += 1
            }
        }
    }

    // MARK: Sheets

    /// One cell as stored: where it is, its format, its type and its text.
    public struct Cell: Sendable {
        public enum Kind: Sendable, Equatable {
            case number, sharedString, inlineString, formulaString, boolean, error, isoDate
        }
        public var column: Int
        public var style: Int
        public var kind: Kind
        /// The `<v>` text (a number, a shared string's index, an error), or the inline string.
        public var value: [UInt8]
        public var hasFormula: Bool
    }

    /// What is wrong with a sheet's XML that reading went past (a cell reference beyond the grid, a row out of
    /// order): the row reader warns, the rows stay.
    public struct SheetIssue: Sendable, Equatable {
        public var row: Int
        public var text: String
    }

    /// Reads a worksheet's rows as it streams; `onRow` gets each row's number (1-based, as Excel shows it) and
    /// cells in column order.
    public struct SheetReader: XMLScanner.Handler {
        let onRow: (Int, [Cell]) throws -> Void
        public private(set) var issues: [SheetIssue] = []
        public private(set) var rows = 0
        var inData = false, inRow = false, inCell = false, inValue = false, inInline = false, inText = false
        var phonetic = 0
        var row = 0
        var nextColumn = 0
        var cells: [Cell] = []
        var cell = Cell(column: 0, style: 0, kind: .number, value: [], hasFormula: false)
        var sorted = true

        public init(onRow: @escaping (Int, [Cell]) throws -> Void) {
            self.onRow = onRow
        }

        mutating func issue(_ text: String) {
            if issues.count < 1_000 { issues.append(SheetIssue(row: row, text: text)) }
        }

        public mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ a: XMLScanner.Attributes, selfClosing: Bool) {
            if !inData {
                if XLSX.named(name, "sheetData") { inData = true }
                return
            }
            if !inRow {
                guard XLSX.named(name, "row") else { return }
                inRow = true
                let given = a.int("r")
                if let given, given >= 1, given <= XLSX.maxRows {
                    if given <= row { issue("row \(given) comes after row \(row); read where it stands") }
                    row = given
                } else {
                    if a.raw("r") != nil { issue("row number \(a.string("r") ?? "") is not one; read as row \(row + 1)") }
                    row += 1
                }
                nextColumn = 0
                cells.removeAll(keepingCapacity: true)
                sorted = true
                return
            }
            if !inCell {
                guard XLSX.named(name, "c") else { return }
                inCell = true
                var column = nextColumn
                if let r = a.raw("r") {
                    if let ref = XLSX.cellReference(r) {
                        column = ref.column
                        if ref.row != row { issue("cell \(a.string("r") ?? "") is inside row \(row); read in row \(row)") }
                    } else {
                        issue("cell reference \(a.string("r") ?? "") is not one; read as the next cell")
                    }
                }
                let type = a.raw("t").map { String(decoding: $0, as: UTF8.self) } ?? "n"
                let kind: Cell.Kind
                switch type {
                case "s": kind = .sharedString
                case "inlineStr": kind = .inlineString
                case "str": kind = .formulaString
                case "b": kind = .boolean
                case "e": kind = .error
                case "d": kind = .isoDate
                default: kind = .number
                }
                cell = Cell(column: column, style: a.int("s") ?? 0, kind: kind, value: [], hasFormula: false)
                return
            }
            if XLSX.named(name, "v") {
                inValue = true
            } else if XLSX.named(name, "f") {
                cell.hasFormula = true
            } else if XLSX.named(name, "is") {
                inInline = true
            } else if inInline, XLSX.named(name, "rPh") {
                phonetic += 1
            } else if inInline, XLSX.named(name, "t") {
                inText = true
            }
        }

        public mutating func end(_ name: UnsafeBufferPointer<UInt8>) throws {
            guard inData else { return }
            if inCell {
                if XLSX.named(name, "c") {
                    inCell = false
                    if cell.column >= XLSX.maxColumns {
                        issue("a cell beyond column XFD (the grid's last); not read")
                    } else {
                        if let last = cells.last, cell.column <= last.column { sorted = false }
                        if cell.kind == .inlineString, !cell.value.isEmpty {
                            var u: [UInt8] = []
                            XLSX.unescape(cell.value, into: &u)
                            cell.value = u
                        }
                        cells.append(cell)
                        nextColumn = cell.column + 1
                    }
                } else if XLSX.named(name, "v") {
                    inValue = false
                } else if XLSX.named(name, "is") {
                    inInline = false
                } else if XLSX.named(name, "rPh") {
                    phonetic = max(0, phonetic - 1)
                } else if XLSX.named(name, "t") {
                    inText = false
                }
                return
            }
            if inRow, XLSX.named(name, "row") {
                inRow = false
                if !sorted {
                    // Cells out of order, or the same cell twice: the later one stands.
                    var byColumn: [Int: Cell] = [:]
                    for c in cells { byColumn[c.column] = c }
                    cells = byColumn.keys.sorted().map { byColumn[$0]! }
                    issue("cells out of column order or repeated; the last of each was read")
                }
                rows += 1
                try onRow(row, cells)
            } else if XLSX.named(name, "sheetData") {
                inData = false
            }
        }

        public mutating func text(_ text: UnsafeBufferPointer<UInt8>) {
            guard inCell, cell.value.count < 1 << 20 else { return }
            if inValue || (inInline && inText && phonetic == 0) { cell.value.append(contentsOf: text) }
        }
    }

    /// `B12` → column 1, row 12; nil for anything else (`$B$12` included: cells never carry it).
    public static func cellReference(_ r: UnsafeBufferPointer<UInt8>) -> (column: Int, row: Int)? {
        var i = 0
        var column = 0
        while i < r.count, i < 3 {
            let c = r[i] & ~0x20
            guard c >= 0x41, c <= 0x5A else { break }
            column = column * 26 + Int(c - 0x40)
            i += 1
        }
        guard i > 0, i < r.count, r.count - i <= 7 else { return nil }
        var row = 0
        for c in r[i...] {
            let d = c &- 48
            guard d < 10 else { return nil }
            row = row * 10 + Int(d)
        }
        guard row >= 1, row <= maxRows else { return nil }
        return (column - 1, row)
    }

    /// `A`, `Z`, `AA`, … for column 0, 25, 26.
    public static func columnName(_ column: Int) -> String {
        var n = column + 1
        var s: [UInt8] = []
        while n > 0 {
            let r = (n - 1) % 26
            s.insert(UInt8(0x41 + r), at: 0)
            n = (n - 1) / 26
        }
        return String(decoding: s, as: UTF8.self)
    }

    // MARK: Values

    /// A cell as the text a CSV export of it would hold: numbers as stored (never as displayed, which may round),
    /// dates and times as ISO 8601 local times (`2026-11-26 10:00:00.250`; a workbook's times carry no zone),
    /// booleans `TRUE`/`FALSE`, errors as Excel writes them (`#N/A`), strings as they are. Nil for an empty cell
    /// and for a shared string the table lacks (`missing` is then set).
    public static func text(of cell: Cell, kinds: [ValueKind], strings: SharedStrings, date1904: Bool,
                            missing: inout Bool) -> String?
    {
        missing = false
        switch cell.kind {
        case .sharedString:
            guard let i = asInt(cell.value), let s = strings.string(i) else {
                if !cell.value.isEmpty { missing = true }
                return nil
            }
            return s
        case .inlineString, .formulaString, .error:
            return cell.value.isEmpty ? nil : String(decoding: cell.value, as: UTF8.self)
        case .isoDate:
            guard !cell.value.isEmpty else { return nil }
            return isoText(cell.value) ?? String(decoding: cell.value, as: UTF8.self)
        case .boolean:
            guard let v = cell.value.first else { return nil }
            return v == 0x30 ? "FALSE" : "TRUE"
        case .number:
            guard !cell.value.isEmpty else { return nil }
            let raw = String(decoding: cell.value, as: UTF8.self)
            let kind = cell.style >= 0 && cell.style < kinds.count ? kinds[cell.style] : .number
            guard kind == .date || kind == .time, let v = Double(raw) else { return raw }
            return serialText(v, kind: kind, date1904: date1904) ?? raw
        }
    }

    static func asInt(_ b: [UInt8]) -> Int? { XMLScanner.decimal(b, maxDigits: 12) }

    /// A date serial as ISO 8601 local time, to the millisecond: the whole date and time when the number has a day
    /// part (whatever the format shows: a time column formatted `yyyy/m/d` still holds its times), the time alone for
    /// a time format's fraction of a day. Nil outside years 1900–9999 (or 1904– in the 1904 system).
    public static func serialText(_ serial: Double, kind: ValueKind, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var ms = Int64((serial * 86_400_000).rounded())
        var days = ms / 86_400_000
        ms -= days * 86_400_000
        if kind == .time, days == 0 {
            return clockText(ms)
        }
        if date1904 {
            days += 1_462    // 1904-01-01 is day 1462 of the 1900 system
        } else if days < 61 {
            // The 1900 system's day 60 is 1900-02-29, which never was (Lotus's leap year, kept by Excel); days
            // before it are one later than their count from 1899-12-30.
            if days == 0 { return clockText(ms) }
            if days == 60 { return "1900-02-29" + (ms == 0 ? "" : " " + clockText(ms)) }
            days += 1
        }
        // Days from 1899-12-30 to 1970-01-01: 25569.
        let (y, m, d) = civil(fromDays: days - 25_569)
        var s = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
        if ms != 0 || kind == .time { s += " " + clockText(ms) }
        return s
    }

    /// An ISO 8601 date cell (`t="d"`: `2026-11-26T06:00:00`, `2026-11-26`, `06:00:00.5`, with or without a
    /// zone) in the form the other dates take: a space for the `T`, the fraction to the millisecond, the zone kept.
    static func isoText(_ v: [UInt8]) -> String? {
        let s = String(decoding: v, as: UTF8.self)
        var date = "", time = "", zone = ""
        var rest = Substring(s)
        if rest.count >= 10, rest.dropFirst(4).first == "-" {
            date = String(rest.prefix(10))
            rest = rest.dropFirst(10)
            if rest.first == "T" || rest.first == " " { rest = rest.dropFirst() } else if !rest.isEmpty { return nil }
        }
        if !rest.isEmpty {
            let clock = rest.prefix(8)
            guard clock.count == 8, clock.dropFirst(2).first == ":" else { return nil }
            time = String(clock)
            rest = rest.dropFirst(8)
            if rest.first == "." {
                rest = rest.dropFirst()
                let digits = rest.prefix(while: \.isNumber)
                rest = rest.dropFirst(digits.count)
                let ms = Int(digits.prefix(3).padding(toLength: 3, withPad: "0", startingAt: 0)) ?? 0
                if ms != 0 { time += "." + pad(ms, 3) }
            }
            guard rest.isEmpty || rest == "Z" || rest.first == "+" || rest.first == "-" else { return nil }
            zone = String(rest)
            if time == "00:00:00", !date.isEmpty, zone.isEmpty { time = "" }
        }
        let out = [date, time].filter { !$0.isEmpty }.joined(separator: " ") + zone
        return out.isEmpty ? nil : out
    }

    static func clockText(_ ms: Int64) -> String {
        let h = Int(ms / 3_600_000), mi = Int(ms / 60_000 % 60), s = Int(ms / 1000 % 60), f = Int(ms % 1000)
        var t = pad(h, 2) + ":" + pad(mi, 2) + ":" + pad(s, 2)
        if f != 0 { t += "." + pad(f, 3) }
        return t
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func pad(_ v: Int64, _ width: Int) -> String { pad(Int(v), width) }

    /// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    static func civil(fromDays z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// A CSV record of a row's cells (`,`-separated, quoted where a field needs it), the cells in their columns
    /// with empty fields between, ending at the last cell.
    public static func record(_ texts: [(column: Int, text: String)]) -> [UInt8] {
        var out: [UInt8] = []
        var column = 0
        for (c, t) in texts where c >= column {
            while column < c {
                out.append(0x2C)
                column += 1
            }
            let u = Array(t.utf8)
            if u.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                out.append(0x22)
                for b in u {
                    if b == 0x22 { out.append(0x22) }
                    out.append(b)
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: u)
            }
            out.append(0x2C)
            column += 1
        }
        if !out.isEmpty { out.removeLast() }
        return out
    }

    // MARK: Helpers

    static func named(_ name: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        name.count == literal.utf8CodeUnitCount
            && name.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    static func scanWhole<H: XMLScanner.Handler>(_ xml: [UInt8], _ h: inout H) throws {
        var s = XMLScanner()
        try xml.withUnsafeBytes { try s.feed($0, &h) }
        try s.finish(&h)
    }
}

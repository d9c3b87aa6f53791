/// The shape of a historian export, read from its header row: which dialect wrote it and what each column holds.
public struct HistorianLayout: Equatable, Sendable {
    public enum Dialect: String, Sendable, CaseIterable {
        /// AVEVA / OSIsoft PI (PI SMT, PI DataLink, piconfig): tag, timestamp, value, status.
        case pi
        /// AVEVA (Wonderware) Historian: `DateTime, TagName, Value, Quality, QualityDetail, OPCQuality`.
        case aveva
        /// Ignition tag history: `t_stamp` with a tag path (long) or one column per tag (wide).
        case ignition
        /// Any other one-sample-per-row export: `timestamp, tag, value[, quality][, unit]`.
        case long
        /// One row per time, one column per tag (SCADA and testbed datasets).
        case wide
        /// Siemens WinCC data logs (WinCC flexible, WinCC Comfort/Advanced in the TIA Portal, on panels and PCs):
        /// `VarName, TimeString, VarValue, Validity, Time_ms`, one sample per row, the time in the runtime's locale,
        /// and the runtime's own marker records (`$RT_OFF$`, `$RT_DIS$`, `$RT_COUNT$`) among the tags.
        case wincc

        /// The collector name.
        public var collectorName: String { "historian/\(rawValue)" }
    }

    public enum Shape: Equatable, Sendable {
        /// One sample per row.
        case long(tag: Int, values: [Int])
        /// One column per tag: (column, series name, unit from the header).
        case wide([WideColumn])
    }

    public struct WideColumn: Equatable, Sendable {
        public var column: Int
        public var name: String
        public var unit: String?

        public init(column: Int, name: String, unit: String?) {
            self.column = column
            self.name = name
            self.unit = unit
        }
    }

    public var dialect: Dialect
    public var shape: Shape
    /// The time column; when the export splits the date and the time of day into two columns (`Date,Time,…`,
    /// `日付,時刻,…`, as HMI loggers and spreadsheets write them), the date column, and `timeOfDay` the other.
    public var time: Int
    public var timeOfDay: Int?
    /// Quality columns and how each writes its codes (the worst class of them wins).
    public var quality: [(column: Int, code: HistorianValues.QualityCode)]
    public var unit: Int?
    public var description: Int?
    public var columnCount: Int

    public init(dialect: Dialect, shape: Shape, time: Int, quality: [(column: Int, code: HistorianValues.QualityCode)],
                unit: Int?, description: Int?, columnCount: Int)
    {
        self.dialect = dialect
        self.shape = shape
        self.time = time
        self.quality = quality
        self.unit = unit
        self.description = description
        self.columnCount = columnCount
    }

    public static func == (a: HistorianLayout, b: HistorianLayout) -> Bool {
        a.dialect == b.dialect && a.shape == b.shape && a.time == b.time && a.timeOfDay == b.timeOfDay && a.unit == b.unit
            && a.description == b.description && a.columnCount == b.columnCount
            && a.quality.map(\.column) == b.quality.map(\.column)
    }

    /// A header name reduced for matching: lower case, without blanks, `_`, `-`, `.` and a byte-order mark.
    static func key(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { c in
            c != " " && c != "_" && c != "-" && c != "." && c != "\u{FEFF}" && c != "\"" && c != "\t"
        }.map(Character.init))
    }

    /// Header names of a time column, as the historians, HMIs and spreadsheets of the sites write them (Japanese
    /// exports: 日時, 日付時刻, タイムスタンプ, 記録日時, 収集日時, 発生日時, 年月日時刻).
    static let timeNames: Set<String> = ["timestamp", "time", "datetime", "date", "tstamp", "timestamputc",
                                         "datetimeutc", "sampletime", "localtime", "utctime", "timeutc", "ts",
                                         "time(utc)", "date/time", "dateandtime", "eventtime", "timestamp(utc)",
                                         "日時", "日付時刻", "タイムスタンプ", "記録日時", "収集日時", "発生日時", "年月日時刻",
                                         "日付", "時刻", "年月日", "timestring"]
    /// A date and a time of day in two columns (`Date,Time`; `日付,時刻`): read together.
    static let dateNames: Set<String> = ["date", "日付", "年月日"]
    static let clockNames: Set<String> = ["time", "時刻"]
    static let tagNames: Set<String> = ["tag", "tagname", "name", "tagpath", "path", "point", "pointname",
                                        "tagid", "item", "itemid", "signal", "variable", "sensor", "fullpath", "varname",
                                        "タグ", "タグ名", "タグ名称", "ポイント名"]
    static let valueNames: Set<String> = ["value", "val", "pv", "floatvalue", "intvalue", "stringvalue",
                                          "datevalue", "numericvalue", "reading", "measurement", "varvalue", "値", "データ値",
                                          "計測値"]
    static let unitNames: Set<String> = ["unit", "units", "eu", "engunits", "engineeringunits", "uom", "単位"]
    static let descriptionNames: Set<String> = ["description", "desc", "descriptor", "説明", "タグコメント", "コメント"]
    static let piFlagNames: Set<String> = ["questionable", "substituted"]

    /// Recognizes a header row; nil when it is not one a historian export has.
    public static func recognize(_ header: [String]) -> HistorianLayout? {
        let keys = header.map(key)
        func first(_ names: Set<String>) -> Int? { keys.firstIndex { names.contains($0) } }
        let hasIgnitionTime = keys.firstIndex(of: "tstamp")
        var timeColumn = hasIgnitionTime ?? first(timeNames)
        var timeOfDay: Int?
        // A date and a time of day in columns of their own, and no column that holds both: read them together.
        if hasIgnitionTime == nil, let d = first(dateNames), let t = first(clockNames), d != t,
           !keys.contains(where: { timeNames.contains($0) && !dateNames.contains($0) && !clockNames.contains($0) }) {
            timeColumn = d
            timeOfDay = t
        }
        guard let time = timeColumn else { return nil }
        let tag = first(tagNames)
        let values = keys.indices.filter { valueNames.contains(keys[$0]) }
        var quality: [(Int, HistorianValues.QualityCode)] = []
        let unit = first(unitNames)
        let description = first(descriptionNames)

        if let tag, !values.isEmpty {
            let dialect: Dialect
            if keys[tag] == "varname", keys.contains("varvalue") {
                dialect = .wincc
                if let v = keys.firstIndex(of: "validity") { quality.append((v, .oneIsGood)) }
            } else if keys.contains("tagname"), keys[time] == "datetime" {
                dialect = .aveva
                // OPCQuality and QualityDetail are OPC codes; Quality is 0 for good.
                for (i, k) in keys.enumerated() {
                    if k == "opcquality" || k == "qualitydetail" { quality.append((i, .opc)) }
                }
                if quality.isEmpty, let q = keys.firstIndex(of: "quality") { quality.append((q, .zeroIsGood)) }
            } else if hasIgnitionTime != nil {
                dialect = .ignition
                for (i, k) in keys.enumerated() where k == "dataintegrity" || k == "quality" || k == "qualitycode" {
                    quality.append((i, .opc))
                }
            } else if keys.contains(where: { piFlagNames.contains($0) || $0 == "annotated" })
                        || (keys.contains("status") && (keys[tag] == "tag" || keys[tag] == "tagname"))
                        || keys[tag] == "point" || keys[tag] == "pointname"
            {
                dialect = .pi
                for (i, k) in keys.enumerated() {
                    if k == "status" { quality.append((i, .zeroIsGood)) }
                    if piFlagNames.contains(k) { quality.append((i, .flag)) }
                    if k == "quality" { quality.append((i, .opc)) }
                }
            } else {
                dialect = .long
                for (i, k) in keys.enumerated() where k == "quality" || k == "status" || k == "q" || k == "qualitycode"
                    || k == "opcquality"
                {
                    quality.append((i, .opc))
                }
            }
            var layout = HistorianLayout(dialect: dialect, shape: .long(tag: tag, values: values), time: time,
                                         quality: quality, unit: unit, description: description, columnCount: header.count)
            layout.timeOfDay = timeOfDay
            return layout
        }
        // Wide: the time column and one column per tag. At least one tag column, none of the long-format names.
        let columns = header.indices.filter { $0 != time && $0 != timeOfDay }
        guard !columns.isEmpty, tag == nil || values.isEmpty else { return nil }
        let wide = columns.map { i -> WideColumn in
            let (name, unit) = splitUnit(header[i].historianTrimmed)
            return WideColumn(column: i, name: name.isEmpty ? "column \(i + 1)" : name, unit: unit)
        }
        var layout = HistorianLayout(dialect: hasIgnitionTime != nil ? .ignition : .wide, shape: .wide(wide), time: time,
                                     quality: [], unit: nil, description: nil, columnCount: header.count)
        layout.timeOfDay = timeOfDay
        return layout
    }

    /// A WinCC runtime's marker record in the tag column: `$RT_` … `$` (`$RT_OFF$`, `$RT_DIS$`, `$RT_COUNT$`).
    public static func isRuntimeMarker(_ tag: UnsafeBufferPointer<UInt8>) -> Bool {
        tag.count > 5 && tag[0] == 0x24 && tag[1] == 0x52 && tag[2] == 0x54 && tag[3] == 0x5F && tag[tag.count - 1] == 0x24
    }

    /// Bytes a scratch buffer for `timeBytes` holds.
    public static let timeScratchSize = 256

    /// A row's time as one field: the time column's bytes, or, when the export splits the date and the time of day,
    /// both joined by a blank in `scratch` (`timeScratchSize` bytes; each part cut at 127, longer than any time).
    /// Nil when the row has no time-of-day field.
    public func timeBytes(_ fields: CSVFields, in b: UnsafeBufferPointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>)
        -> UnsafeBufferPointer<UInt8>?
    {
        let date = fields.bytes(time, in: b)
        guard let t = timeOfDay else { return date }
        guard t < fields.count else { return nil }
        let clock = fields.bytes(t, in: b)
        let n = min(date.count, 127), m = min(clock.count, 127)
        for i in 0..<n { scratch[i] = date[i] }
        scratch[n] = 0x20
        for i in 0..<m { scratch[n + 1 + i] = clock[i] }
        return UnsafeBufferPointer(start: scratch, count: n + 1 + m)
    }

    /// `L_T1 (m)`, `FIT101 [m3/h]`, `薬注設定値（mg/L）` → the tag and its unit.
    static func splitUnit(_ s: String) -> (String, String?) {
        for (open, close) in [("(" as Character, ")"), ("[", "]"), ("（", "）"), ("［", "］")] where s.hasSuffix(String(close)) {
            if let r = s.lastIndex(of: open) {
                let name = String(s[..<r]).trimmingBlanks
                let unit = String(s[s.index(after: r)..<s.index(before: s.endIndex)]).trimmingBlanks
                if !name.isEmpty, !unit.isEmpty { return (name, unit) }
            }
        }
        return (s, nil)
    }

    /// A declared time zone in a preamble or comment line (`# TimeZone: Asia/Tokyo`, `Time zone,UTC+09:00`,
    /// `tz=Europe/Berlin`), as written; the caller checks that it names a zone.
    public static func declaredZone(in line: String) -> String? {
        let chars = Array(line.historianTrimmed.drop { $0 == "#" || $0 == "/" || $0 == ";" || $0 == " " })
        let lower = chars.map { Character($0.lowercased()) }
        for name in ["timezone", "time zone", "time_zone", "tz"] {
            let n = Array(name)
            guard lower.count > n.count, Array(lower[0..<n.count]) == n else { continue }
            // The name must end there: `tz=…`, `TimeZone: …`, not `TZ101,…`.
            let after = chars[n.count]
            guard after == ":" || after == "=" || after == "," || after == ";" || after == " " || after == "\t" else {
                continue
            }
            var rest = chars[n.count...].drop { c in
                c == ":" || c == "=" || c == "," || c == ";" || c == " " || c == "\t" || c == "\""
            }
            while let c = rest.last, c == "," || c == ";" || c == "\"" || c == " " { rest = rest.dropLast() }
            var value = String(rest)
            if value.uppercased().hasPrefix("UTC"), value.count > 3 { value = String(value.dropFirst(3)) }
            return value.isEmpty ? nil : value
        }
        return nil
    }
}

/// What the first lines of a historian export say: where the header is, its layout, the separator, the decimal mark,
/// a declared time zone and the time format (inferred from the rows under the header).
public struct HistorianSniff: Sendable {
    public var layout: HistorianLayout
    /// 1-based line of the header; for an export without one (piconfig output), the line before the first row.
    public var headerLine: Int
    public var separator: UInt8
    public var decimalComma: Bool
    public var declaredZone: String?
    public var timeFormat: HistorianTimeFormat?
    public var ambiguousDates = false
    /// Of the value cells in the rows read (all but the time), the fraction that are numbers or digital states (a
    /// column of a few words written again and again): a wide "export" of words (a user list with a date column) is
    /// no historian export.
    public var numericFraction = 1.0
    /// The rows run newest first (a historian client's query ordered by time descending, an HMI's trend export): in
    /// the rows read, each series' consecutive times go back far more often than forward (a tag's own rows in a long
    /// export; the rows' times in a wide one). Such a table is read from its last row up.
    public var newestFirst = false
    /// The earliest time in the rows read, as an instant with local times taken as UTC: what orders a workbook's
    /// sheets (a sheet per day saved newest first is read oldest first).
    public var earliest: Int64?
    /// Rows between the header and the first sample: 1 when a row of units sits under a wide export's header
    /// (`,m,m3/h,mg/L`, as HMI loggers and historian clients write it), its units then the columns'.
    public var rowsUnderHeader = 0

    /// One column per tag whose cells are mostly words: a list with a date column (users, orders), not an export.
    public var mostlyWords: Bool {
        if case .wide = layout.shape { return numericFraction < 0.5 }
        return false
    }

    /// Finds the header among the first lines (after blank, comment and preamble lines) and reads the time format
    /// off the data rows below it. `separator`: the one the records are known to use (a workbook's rows), else each
    /// line's is guessed.
    public static func read(_ lines: [[UInt8]], preferred: HistorianTimeFormat.DateOrder?,
                            separator forced: UInt8? = nil) -> HistorianSniff?
    {
        var declaredZone: String?
        for (i, raw) in lines.prefix(50).enumerated() {
            var line = raw
            if i == 0, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
            let text = String(decoding: line, as: UTF8.self)
            if let z = HistorianLayout.declaredZone(in: text) { declaredZone = z }
            let trimmed = text.trimmingBlanks
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("//") { continue }
            let sep = forced ?? CSVFields.guessSeparator(line)
            var fields = CSVFields(separator: sep)
            let header = line.withUnsafeBufferPointer { b -> [String] in
                fields.split(b)
                return (0..<fields.count).map { fields.string($0, in: b) }
            }
            if var layout = HistorianLayout.recognize(header) {
                var under = 0
                if i + 1 < lines.count, let units = unitsRow(lines[i + 1], layout: layout, separator: sep),
                   case .wide(var columns) = layout.shape
                {
                    for k in columns.indices where columns[k].unit == nil {
                        let u = columns[k].column < units.count ? units[columns[k].column] : ""
                        if !u.isEmpty { columns[k].unit = u }
                    }
                    layout.shape = .wide(columns)
                    under = 1
                }
                let data = Array(lines.dropFirst(i + 1 + under))
                guard var s = finish(HistorianSniff(layout: layout, headerLine: i + 1, separator: sep, decimalComma: false,
                                           declaredZone: declaredZone), data: data, preferred: preferred)
                else { continue }
                s.rowsUnderHeader = under
                if s.timeFormat == nil, data.allSatisfy({ isBlankOrComment($0) }) { s.timeFormat = .civil(.yearFirst) }
                return s
            }
            // piconfig output has no header: tag, time, value[, status].
            if header.count >= 3, header.count <= 4 {
                let timeField = Array(header[1].utf8)
                if timeField.withUnsafeBufferPointer({ b in
                    HistorianTime.civil(b, order: .dayFirst) != nil && b.contains(where: { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A })
                }) {
                    var quality: [(column: Int, code: HistorianValues.QualityCode)] = []
                    if header.count == 4 { quality.append((3, .zeroIsGood)) }
                    let layout = HistorianLayout(dialect: .pi, shape: .long(tag: 0, values: [2]), time: 1,
                                                 quality: quality, unit: nil, description: nil,
                                                 columnCount: header.count)
                    return finish(HistorianSniff(layout: layout, headerLine: i, separator: sep, decimalComma: false,
                                        declaredZone: declaredZone), data: Array(lines.dropFirst(i)),
                                  preferred: preferred)
                }
            }
            // A preamble line (`Query: …`, `Start Time,…`): go on looking for the header.
        }
        return nil
    }

    /// The row under a wide header when it gives the columns' units: its time cell empty or a word for "unit"
    /// (`Unit`, `EU`, `単位`), every other cell empty or a short word that is no number (`m3/h`, `°C`, `%`, `mg/L`,
    /// `kPa`), and at least one such word. Nil otherwise: a row with no time is no sample either way.
    static func unitsRow(_ line: [UInt8], layout: HistorianLayout, separator: UInt8) -> [String]? {
        guard case .wide = layout.shape, layout.timeOfDay == nil else { return nil }
        var fields = CSVFields(separator: separator)
        let cells = line.withUnsafeBufferPointer { b -> [String] in
            fields.split(b)
            return (0..<fields.count).map { fields.string($0, in: b).trimmingBlanks }
        }
        guard cells.count > layout.time else { return nil }
        let label = cells[layout.time].lowercased()
        guard label.isEmpty || ["unit", "units", "eu", "engunits", "uom", "単位"].contains(label) else { return nil }
        var words = 0
        for (k, c) in cells.enumerated() where k != layout.time && !c.isEmpty {
            guard c.count <= 16, Array(c.utf8).withUnsafeBufferPointer({ HistorianValues.number($0) == nil }) else { return nil }
            words += 1
        }
        return words > 0 ? cells : nil
    }

    private static func isBlankOrComment(_ l: [UInt8]) -> Bool {
        let t = String(decoding: l, as: UTF8.self).trimmingBlanks
        return t.isEmpty || t.hasPrefix("#") || t.hasPrefix("//")
    }

    /// Time format and decimal comma from the data rows.
    private static func finish(_ sniff: HistorianSniff, data: [[UInt8]], preferred: HistorianTimeFormat.DateOrder?) -> HistorianSniff? {
        var s = sniff
        var fields = CSVFields(separator: s.separator)
        var times: [[UInt8]] = []
        /// The series each time is of (a long export's tag; one for all of a wide export's rows), nil when the row
        /// has no tag.
        var series: [[UInt8]?] = []
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: HistorianLayout.timeScratchSize)
        defer { scratch.deallocate() }
        var commaNumbers = 0, pointNumbers = 0, cells = 0, numeric = 0
        // The words of each column that are not numbers, while few (digital states: Running / Stopped, ON / OFF,
        // 開 / 閉); a column with more than `maxStates` (names, messages, free text) is left out. And how often a
        // row repeats the row before: a state holds from sample to sample, a log's users and actions come and go.
        let maxStates = 8
        var words: [Int: Set<[UInt8]>] = [:]
        var wordCells: [Int: Int] = [:]
        var freeText = Set<Int>()
        var previous: [Int: [UInt8]] = [:]
        var repeats: [Int: Int] = [:]
        for line in data.prefix(1_000) where !isBlankOrComment(line) {
            line.withUnsafeBufferPointer { b in
                fields.split(b)
                guard s.layout.time < fields.count,
                      let time = s.layout.timeBytes(fields, in: b, scratch: scratch) else { return }
                times.append(Array(time))
                if case .long(let tag, _) = s.layout.shape {
                    series.append(tag < fields.count ? Array(fields.bytes(tag, in: b)) : nil)
                } else {
                    series.append([])
                }
                for k in 0..<fields.count where k != s.layout.time && k != s.layout.timeOfDay {
                    let f = fields.bytes(k, in: b)
                    guard !f.isEmpty else { continue }
                    cells += 1
                    if HistorianValues.number(f, decimalComma: s.separator != 0x2C) != nil || HistorianValues.number(f) != nil {
                        numeric += 1
                    } else if !freeText.contains(k) {
                        let word = Array(f)
                        words[k, default: []].insert(word)
                        wordCells[k, default: 0] += 1
                        if previous[k] == word { repeats[k, default: 0] += 1 }
                        previous[k] = word
                        if words[k]!.count > maxStates { freeText.insert(k) }
                    }
                }
                guard s.separator != 0x2C else { return }
                for k in 0..<fields.count where k != s.layout.time && k != s.layout.timeOfDay {
                    let f = fields.bytes(k, in: b)
                    if f.contains(0x2C), HistorianValues.number(f, decimalComma: true) != nil { commaNumbers += 1 }
                    if f.contains(0x2E), HistorianValues.number(f) != nil { pointNumbers += 1 }
                }
            }
        }
        s.decimalComma = commaNumbers > pointNumbers
        // A column of a few words, each written again and again and mostly the row before's, is a digital state's
        // series: values, like numbers.
        for (k, w) in words where !freeText.contains(k) {
            if let n = wordCells[k], n >= 10, n >= 3 * w.count, 4 * repeats[k, default: 0] >= 3 * (n - 1) { numeric += n }
        }
        if cells > 0 { s.numericFraction = Double(numeric) / Double(cells) }
        // Ambiguous numeric dates: 12-hour clocks and the American historians' own exports write month first.
        let twelveHour = times.prefix(50).contains { t in
            let u = String(decoding: t, as: UTF8.self).uppercased()
            return u.hasSuffix("AM") || u.hasSuffix("PM") || u.contains(" AM ") || u.contains(" PM ")
        }
        let preferredOrder = preferred ?? (twelveHour || s.layout.dialect == .pi || s.layout.dialect == .aveva
                                           || s.layout.dialect == .ignition ? .monthFirst : .dayFirst)
        if let (format, ambiguous) = HistorianTime.infer(times, preferred: preferredOrder) {
            s.timeFormat = format
            s.ambiguousDates = ambiguous && preferred == nil
            (s.newestFirst, s.earliest) = order(times, series: series, format: format)
        } else if !times.isEmpty {
            return nil
        }
        return s
    }

    /// Whether the rows run newest first, and their earliest time, from the rows' time fields and the series each is
    /// of: each series' consecutive times (a tag's own rows in a long export, the rows in a wide one) go back at least
    /// once and forward at most once for every four times they go back (a clock set back by an hour in a descending
    /// local-time export goes forward once). Equal times count neither way.
    static func order(_ times: [[UInt8]], series: [[UInt8]?], format: HistorianTimeFormat) -> (newestFirst: Bool, earliest: Int64?) {
        var earliest: Int64?
        var last: [[UInt8]: Int64] = [:]
        var back = 0, forward = 0
        for (time, key) in zip(times, series) {
            guard let key, let value = time.withUnsafeBufferPointer({ HistorianTime.parse($0, format) }) else { continue }
            let t: Int64
            switch value {
            case .instant(let i): t = i.nanoseconds
            case .civil(let c):
                guard let i = c.timestamp(assumingOffset: 0) else { continue }
                t = i.nanoseconds
            }
            if let before = last[key] {
                if t < before { back += 1 } else if t > before { forward += 1 }
            }
            last[key] = t
            earliest = min(earliest ?? t, t)
        }
        return (back > 0 && forward * 4 <= back, earliest)
    }
}

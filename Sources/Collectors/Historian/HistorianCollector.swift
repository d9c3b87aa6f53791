import Foundation
import JikochoModel
import Parsers

/// `historian/pi`, `historian/aveva`, `historian/ignition`, `historian/long`, `historian/wide`, `historian/wincc`: plant historian
/// exports into samples (the `samples` of the case, not events) and the process events derived from them
/// (setpoint changes, excursions, steps, flatlines, quality runs and gaps, digital state changes).
///
/// Options: `tz` (zone of local times; else the evidence's declared zone; else a zone the export declares in a
/// comment or preamble line; else UTC with a warning), `historian.date-order` (`dmy`, `mdy`, `ymd`: how to read
/// numeric dates when the first rows cannot tell; `--date-order`), `historian.events` (`off`: samples only;
/// `--no-process-events`), `historian.max-analysed-series` (default 10000: series beyond are stored but not
/// analysed, with a warning; `--max-analysed-series`).
public struct HistorianReader {
    public static let version = "1"
    /// Lines read to find the header and the time format.
    static let sniffLines = 2_000
    /// Warnings of one kind given line by line before they are only counted.
    static let warningsPerKind = 100
    public static let maxRecordBytes = 1 << 20

    let dialect: HistorianLayout.Dialect

    static func identify(_ probe: EvidenceProbe, as dialect: HistorianLayout.Dialect) -> Confidence {
        // A NUL is no CSV text (an EVTX file, a capture): not worth sniffing 40 lines for each dialect, which cost
        // a fifth of ingesting a folder of small event logs. UTF-16 text (a spreadsheet's "Unicode text") has them:
        // the probe's text is the head in UTF-8.
        if probe.text.contains(0) { return .no }
        let lines = probe.lines(40, of: probe.text).map { Array($0) }
        guard let sniff = HistorianSniff.read(lines, preferred: nil), sniff.layout.dialect == dialect, sniff.timeFormat != nil else {
            return .no
        }
        // One column per tag: the cells must be mostly numbers (digital states as words are a minority).
        if sniff.mostlyWords { return .no }
        return .likely
    }

    /// Warnings of one kind past `warningsPerKind` are counted and summed up at the end.
    final class Warnings<Sink: EventSink> {
        let sink: Sink
        let evidenceID: Int64
        var counts: [String: Int] = [:]

        init(sink: Sink, evidenceID: Int64) {
            self.sink = sink
            self.evidenceID = evidenceID
        }

        func callAsFunction(_ kind: String, _ locator: String, _ text: String) throws {
            let n = counts[kind, default: 0] + 1
            counts[kind] = n
            if n <= HistorianReader.warningsPerKind {
                try sink.warn(CollectorWarning(evidenceID: evidenceID, locator: locator, text: text))
            }
        }

        func summarize() throws {
            for (kind, n) in counts.sorted(by: { $0.key < $1.key }) where n > HistorianReader.warningsPerKind {
                try sink.warn(CollectorWarning(
                    evidenceID: evidenceID, locator: "whole file",
                    text: "\(n - HistorianReader.warningsPerKind) more warnings of this kind were counted, not listed: "
                        + kind))
            }
        }
    }

    /// One series as the reader follows it.
    struct Tracked {
        var handle: Int
        var info: SeriesInfo
        var detector: SeriesDetector?
        var sawNumber = false
        var sawText = false
        var lastTime: Int64 = .min
        var backwards = 0
        /// The sheets of a workbook the series' samples came from, each with the time of its first sample there
        /// (a finding is placed on the sheet of its first sample).
        var sheets: [(time: Int64, sheet: String)] = []
    }

    func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        // UTF-8, UTF-16 (a spreadsheet's "Unicode text"), or Shift_JIS (a Japanese HMI's or logger's CSV): lines are
        // handed on as UTF-8.
        let reader = try TextEncoding.Reader(path: source.path, maxLine: HistorianReader.maxRecordBytes)
        let session = try Session(source: source, sink: sink, dialect: dialect, collectorName: dialect.collectorName)
        guard let table = try session.sniff(CSVTable(reader: reader)) else {
            throw CollectorError.notThisFormat(session.sniffFailure)
        }
        try session.read(table)
        try session.finish()
    }

    /// Where a table's records come from: an export's lines, or a workbook's sheet.
    protocol Table {
        /// The sheet's name; nil for a text export (locators say `line N`).
        var sheet: String? { get }
        /// A separator the records are known to use (a workbook's rows are written with `,`); nil to guess it.
        var separator: UInt8? { get }
        /// A row may leave out its last cells (a workbook does when they are empty): fewer fields than the header
        /// is no damage.
        var sparse: Bool { get }
        /// The first `n` records as they stand, with their numbers (for the header and the time format).
        func head(_ n: Int) throws -> [(bytes: [UInt8], number: Int)]
        /// Every record numbered `from` or later, whole (a quoted field's line breaks joined).
        func forEachRecord(from: Int, warn: (String, String, String) throws -> Void,
                           _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws
    }

    /// A text export: lines, with quoted fields that run over lines joined, comments and blank lines skipped.
    struct CSVTable: Table {
        let reader: TextEncoding.Reader
        var sheet: String? { nil }
        var separator: UInt8? { nil }
        var sparse: Bool { false }

        func head(_ n: Int) throws -> [(bytes: [UInt8], number: Int)] {
            var head: [(bytes: [UInt8], number: Int)] = []
            do {
                try reader.forEachLine { line in
                    head.append((Array(line.bytes), line.number))
                    if head.count >= n { throw SniffDone() }
                }
            } catch is SniffDone {}
            return head
        }

        func forEachRecord(from: Int, warn: (String, String, String) throws -> Void,
                           _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws
        {
            var pending: [UInt8] = []      // a record whose quoted field runs over lines
            var pendingLine = 0
            try reader.forEachLine { line in
                if line.number < from { return }
                if line.truncated {
                    try warn("long", line.locator, "record longer than \(reader.maxLine) bytes; its first \(reader.maxLine) "
                             + "bytes were read")
                }
                var bytes = line.bytes
                if !pending.isEmpty {
                    // Inside a quoted field that runs over lines.
                    pending.append(0x0A)
                    pending.append(contentsOf: bytes)
                    let done = pending.withUnsafeBufferPointer { CSVFields.quotesBalanced($0) }
                    if !done, pending.count <= HistorianReader.maxRecordBytes { return }
                    if !done {
                        try warn("quote", "line \(pendingLine)", "a quoted field is not closed within "
                                 + "\(HistorianReader.maxRecordBytes) bytes; the record was read as it stands")
                    }
                    let record = pending
                    pending = []
                    try record.withUnsafeBufferPointer { try body($0, pendingLine) }
                    return
                }
                if bytes.isEmpty { return }
                if bytes.contains(0x22), !CSVFields.quotesBalanced(bytes) {
                    pending = Array(bytes)
                    pendingLine = line.number
                    return
                }
                if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                    bytes = UnsafeBufferPointer(rebasing: bytes[3...])
                }
                try body(bytes, line.number)
            }
            if !pending.isEmpty {
                try warn("quote", "line \(pendingLine)", "the export ends inside a quoted field; the record was read as it "
                         + "stands")
                let record = pending
                try record.withUnsafeBufferPointer { try body($0, pendingLine) }
            }
        }
    }

    /// A table found: its records, header, layout, time format and zone.
    struct SniffedTable {
        var table: any Table
        var sniff: HistorianSniff
        var format: HistorianTimeFormat
        /// Records from this number on are rows.
        var firstRow: Int
    }

    /// What reading one export (or one workbook, sheet after sheet) keeps: its series, their detectors, warnings.
    final class Session<Sink: EventSink> {
        let source: EvidenceSource
        let sink: Sink
        let evidenceID: Int64
        let warn: Warnings<Sink>
        /// The dialect the collector claims; nil for a workbook, whose sheets may each be of any.
        let dialect: HistorianLayout.Dialect?
        let collectorName: String
        let preferred: HistorianTimeFormat.DateOrder?
        let deriveEvents: Bool
        let maxAnalysed: Int
        var tracked: [Tracked] = []
        var byTag: [[UInt8]: Int] = [:]
        /// Wide columns by name, so that a workbook's sheets with the same columns (a sheet per day) continue the
        /// same series.
        var byColumnName: [String: Int] = [:]
        var warnedZone = false
        var analysedWarned = false
        var rows = 0

        init(source: EvidenceSource, sink: Sink, dialect: HistorianLayout.Dialect?, collectorName: String) throws {
            self.source = source
            self.sink = sink
            evidenceID = source.item.id
            warn = Warnings(sink: sink, evidenceID: source.item.id)
            self.dialect = dialect
            self.collectorName = collectorName
            preferred = source.options["historian.date-order"].flatMap(HistorianTimeFormat.DateOrder.init(rawValue:))
            if let o = source.options["historian.date-order"], preferred == nil {
                throw CollectorError.notThisFormat("historian.date-order must be dmy, mdy or ymd, not \(o)")
            }
            deriveEvents = source.options["historian.events"] != "off"
            maxAnalysed = source.options["historian.max-analysed-series"].flatMap(Int.init) ?? 10_000
        }

        func locator(_ number: Int, _ sheet: String?) -> String {
            sheet.map { "sheet \"\($0)\" row \(number)" } ?? "line \(number)"
        }

        /// Why the last table sniffed was no historian table.
        var sniffFailure = ""

        /// Pass 1 of a table: the first records, for the header and the time format. Nil when there is no header
        /// or no readable time under it (`sniffFailure` says which).
        func sniff(_ table: some Table) throws -> SniffedTable? {
            let head = try table.head(HistorianReader.sniffLines)
            guard let sniff = HistorianSniff.read(head.map(\.bytes), preferred: preferred, separator: table.separator)
            else {
                sniffFailure = "no historian header (a time column and tag or value columns) and no readable times in "
                    + "the first \(table.sheet == nil ? "lines" : "rows")"
                return nil
            }
            guard let format = sniff.timeFormat else {
                sniffFailure = "no readable times under the header"
                return nil
            }
            // The sniff numbers the head's records 1, 2, …; a sheet's rows keep their own numbers.
            let first = sniff.headerLine + sniff.rowsUnderHeader
            let firstRow = first < head.count ? head[first].number : (head.last.map { $0.number + 1 } ?? 1)
            return SniffedTable(table: table, sniff: sniff, format: format, firstRow: firstRow)
        }

        func emit(_ f: ProcessFinding, _ t: Tracked) throws {
            var attrs = f.attributes
            attrs["tag"] = .string(t.info.tag)
            if let u = t.info.unit { attrs["unit"] = .string(u) }
            attrs["start"] = .string(f.start.time.iso8601Shortest())
            attrs["end"] = .string(f.end.time.iso8601Shortest())
            attrs["lines"] = .string(f.start.line == f.end.line ? "\(f.start.line)" : "\(f.start.line)-\(f.end.line)")
            let sheet = t.sheets.last(where: { $0.time <= f.start.time.nanoseconds })?.sheet ?? t.sheets.first?.sheet
            if let sheet { attrs["sheet"] = .string(sheet) }
            // A change (setpoint, state, step) cites its two samples: the one before it and its own.
            var citedFrom = JSONValue.string(f.start.time.iso8601Shortest())
            if f.count == 2, f.start.time == f.end.time, let before = f.attributes["from_time"] ?? f.attributes["previous_sample"] {
                citedFrom = before
            }
            attrs["samples_cited"] = .object(["series": .string(t.info.name), "from": citedFrom,
                                              "to": .string(f.end.time.iso8601Shortest()), "count": .int(Int64(f.count))])
            try sink.emit(Event(time: f.start.time, timeDescription: "Sample time", domain: .process, kind: f.kind.rawValue,
                                asset: t.info.asset, message: f.summary, attributes: Attributes(attrs),
                                provenance: Provenance(evidenceID: evidenceID, collector: collectorName,
                                                       collectorVersion: HistorianReader.version,
                                                       locator: locator(f.start.line, sheet))))
        }

        /// A WinCC runtime's own record among the tags (`$RT_OFF$` where logging stopped: the runtime ended or a
        /// log segment was closed; `$RT_DIS$` where logging was disabled): no series, an event of the log's quality,
        /// since a log that stops around an incident is worth seeing.
        func runtimeMarker(_ marker: String, at time: Timestamp, line: Int, sheet: String?) throws {
            let meaning: String
            switch marker {
            case "$RT_OFF$": meaning = "logging stopped: the runtime ended or a log segment was closed"
            case "$RT_DIS$": meaning = "logging disabled"
            default: meaning = "a record of the runtime's, not a tag"
            }
            var attrs: [String: JSONValue] = ["issue": "runtime_marker", "marker": .string(marker), "series": "*"]
            if let sheet { attrs["sheet"] = .string(sheet) }
            try sink.emit(Event(time: time, timeDescription: "Sample time", domain: .process, kind: "process.quality",
                                message: "HMI data log marker \(marker) (\(meaning))", attributes: Attributes(attrs),
                                provenance: Provenance(evidenceID: evidenceID, collector: collectorName,
                                                       collectorVersion: HistorianReader.version,
                                                       locator: locator(line, sheet))))
        }

        func series(_ given: SeriesInfo, options detectorOptions: ProcessDetectorOptions) throws -> Int {
            var info = given
            // The inventory's word on the tag: its asset, unit, whether it is a setpoint, its limits.
            let known = TagKnowledge.find(info.tag, in: source.tags)
            if let known {
                info.asset = known.asset
                if info.unit == nil { info.unit = known.unit }
            }
            let handle = try sink.defineSeries(info)
            var t = Tracked(handle: handle, info: info)
            if deriveEvents {
                if tracked.count < maxAnalysed {
                    let profile = SeriesProfile(isSetpoint: known?.setpoint, low: known?.low, high: known?.high)
                    t.detector = SeriesDetector(name: info.name, profile: profile, options: detectorOptions)
                } else if !analysedWarned {
                    analysedWarned = true
                    try warn("analysed", "whole file", "more than \(maxAnalysed) series: the rest are stored but not "
                             + "analysed for process events (raise --max-analysed-series)")
                }
            }
            tracked.append(t)
            return tracked.count - 1
        }

        func store(_ sample: Sample, _ k: Int, sheet: String?, locator: @autoclosure () -> String) throws {
            try sink.emit(sample, series: tracked[k].handle)
            if let sheet, tracked[k].sheets.last?.sheet != sheet {
                tracked[k].sheets.append((sample.time.nanoseconds, sheet))
            }
            if sample.value != nil { tracked[k].sawNumber = true }
            if sample.value == nil, sample.text != nil {
                if tracked[k].sawNumber, !tracked[k].sawText {
                    try warn("type", locator(), "\(tracked[k].info.name) holds text (\(sample.text!)) after numbers; "
                             + "kept as text samples")
                }
                tracked[k].sawText = true
            }
            let t = sample.time.nanoseconds
            if t < tracked[k].lastTime {
                tracked[k].backwards += 1
                try warn("order", locator(), "\(tracked[k].info.name): time goes backwards "
                         + "(\(sample.time.iso8601Shortest()) after \(Timestamp(nanoseconds: tracked[k].lastTime).iso8601Shortest())); "
                         + "the sample is stored, not analysed")
            } else {
                tracked[k].lastTime = t
            }
            if tracked[k].detector != nil {
                for f in tracked[k].detector!.feed(sample) { try emit(f, tracked[k]) }
            }
        }

        /// Pass 2 of a table: every row.
        func read(_ found: SniffedTable) throws {
            let table = found.table
            let sheet = table.sheet
            var sniff = found.sniff
            let format = found.format
            let headerLocator = locator(found.firstRow - 1, sheet)
            if let dialect, sniff.layout.dialect != dialect {
                // Forced with --collector: read the layout found, say so.
                try warn("dialect", headerLocator, "the header looks like \(sniff.layout.dialect.collectorName);"
                         + " read with that layout under \(dialect.collectorName) as asked")
            }
            if sniff.ambiguousDates {
                try warn("dates", locator(found.firstRow, sheet), "numeric dates with both fields ≤ 12 in the first rows; "
                         + "read as \(format) — pass --date-order dmy or mdy if that is wrong")
            }

            // The zone: the investigator's, the evidence's, the export's own, else UTC with a warning.
            let firstLocator = sheet.map { "sheet \"\($0)\"" } ?? "line 1"
            let zoneSpec = source.options["tz"] ?? source.item.timeZone
            var zone: LocalTimeZone
            var zoneDeclared = true
            if let zoneSpec {
                guard let z = LocalTimeZone(zoneSpec) else { throw CollectorError.notThisFormat("unknown time zone \(zoneSpec)") }
                zone = z
                if let own = sniff.declaredZone, own != zoneSpec {
                    try warn("zone", firstLocator, "the export declares time zone \(own); \(zoneSpec) was used as given")
                }
            } else if let own = sniff.declaredZone, let z = LocalTimeZone(own) {
                zone = z
                try warn("zone", firstLocator, "local times read in \(own), the zone the export declares")
            } else {
                zone = LocalTimeZone("UTC")!
                zoneDeclared = false
                if let own = sniff.declaredZone {
                    try warn("zone", firstLocator, "the export declares a time zone this build does not know (\(own)); "
                             + "local times were read as UTC (pass --tz)")
                    sniff.declaredZone = nil
                }
            }

            let layout = sniff.layout
            // A date and a time of day in two columns are read as one time: joined in a scratch buffer per row.
            let joinedTime = UnsafeMutablePointer<UInt8>.allocate(capacity: HistorianLayout.timeScratchSize)
            defer { joinedTime.deallocate() }
            var detectorOptions = ProcessDetectorOptions()
            if case .wide = layout.shape { detectorOptions.gaps = false }
            var lastTagBytes: [UInt8] = []
            var lastTagIndex = -1
            var rowGaps = RowGapDetector()
            var lastRowTime: Int64 = .min
            let rowsBefore = rows

            /// The UTC instant of a time field, with daylight-saving folds resolved so the series keeps its order.
            func instant(_ b: UnsafeBufferPointer<UInt8>, locator: @autoclosure () -> String, after: Int64) throws -> Timestamp? {
                guard let v = HistorianTime.parse(b, format) else { return nil }
                switch v {
                case .instant(let t): return t
                case .civil(let c):
                    if c.utcOffsetSeconds == nil, !zoneDeclared, !warnedZone {
                        warnedZone = true
                        try warn("zone", locator(), "no time zone declared for this evidence; local times were read as UTC "
                                 + "(pass --tz to declare it)")
                    }
                    guard let (t, resolution) = zone.timestamp(c) else { return nil }
                    switch resolution {
                    case .exact: return t
                    case .ambiguous:
                        if t.nanoseconds < after, let later = zone.laterInstant(c) {
                            try warn("dst", locator(), "local time occurs twice in \(zone.spec) (clocks set back); the later "
                                     + "instant was taken, keeping the samples in order")
                            return later
                        }
                        try warn("dst", locator(), "local time occurs twice in \(zone.spec) (clocks set back); the earlier "
                                 + "instant was taken")
                        return t
                    case .nonexistent:
                        try warn("dst", locator(), "local time does not exist in \(zone.spec) (clocks set forward); read "
                                 + "with the offset before the change")
                        return t
                    }
                }
            }

            /// A value field: a number, a text state, or a system state (bad, no value).
            func value(_ b: UnsafeBufferPointer<UInt8>, _ fields: CSVFields, _ column: Int, in line: UnsafeBufferPointer<UInt8>)
                -> (value: Double?, text: String?, bad: String?)?
            {
                if b.isEmpty { return nil }
                if let v = HistorianValues.number(b, decimalComma: sniff.decimalComma) {
                    if v.isFinite { return (v, nil, nil) }
                    return (nil, nil, String(decoding: b, as: UTF8.self))
                }
                let text = fields.string(column, in: line)
                if HistorianValues.isSystemState(text) { return (nil, nil, text) }
                return (nil, text, nil)
            }

            var fields = CSVFields(separator: sniff.separator)
            var wideTracked: [Int] = []    // tracked index per wide column
            if case .wide(let columns) = layout.shape {
                for c in columns {
                    if sheet != nil, let k = byColumnName[c.name] {
                        wideTracked.append(k)
                    } else {
                        let k = try series(SeriesInfo(name: c.name, unit: c.unit), options: detectorOptions)
                        if sheet != nil { byColumnName[c.name] = k }
                        wideTracked.append(k)
                    }
                }
            }

            func row(_ b: UnsafeBufferPointer<UInt8>, number: Int) throws {
                let locator = self.locator(number, sheet)
                rows += 1
                fields.split(b)
                if fields.count > layout.columnCount || (fields.count < layout.columnCount && !table.sparse) {
                    try warn("ragged", locator, "\(fields.count) fields where the header has \(layout.columnCount); "
                             + (fields.count < layout.columnCount ? "the missing columns have no sample in this row"
                                                                  : "the extra fields were ignored"))
                }
                guard layout.time < fields.count else {
                    try warn("time", locator, "no time field in the row: \(preview(b))")
                    return
                }
                guard let timeBytes = layout.timeBytes(fields, in: b, scratch: joinedTime) else {
                    try warn("time", locator, "no time-of-day field in the row: \(preview(b))")
                    return
                }
                switch layout.shape {
                case .wide(let columns):
                    guard let time = try instant(timeBytes, locator: locator, after: lastRowTime) else {
                        try warn("time", locator, "time \"\(preview(timeBytes))\" is not in the export's format (\(format)); "
                                 + "the row's \(columns.count) values were not read")
                        return
                    }
                    if time.nanoseconds < lastRowTime {
                        try warn("order", locator, "row time \(time.iso8601Shortest()) is before the previous row's")
                    } else {
                        if deriveEvents, let g = rowGaps.feed(Sample(time: time, value: nil, line: number)),
                           !tracked.isEmpty
                        {
                            var t = tracked[0]
                            t.info = SeriesInfo(name: "*", tag: "*")
                            t.sheets = sheet.map { [(Int64.min, $0)] } ?? []
                            try emit(g, t)
                        }
                        lastRowTime = time.nanoseconds
                    }
                    for (i, c) in columns.enumerated() where c.column < fields.count {
                        let f = fields.bytes(c.column, in: b)
                        guard let v = value(f, fields, c.column, in: b) else { continue }
                        let s = Sample(time: time, value: v.value, text: v.text, quality: v.bad == nil ? .good : .bad,
                                       qualityText: v.bad, line: number)
                        try store(s, wideTracked[i], sheet: sheet, locator: locator)
                    }
                case .long(let tagColumn, let valueColumns):
                    guard tagColumn < fields.count else { return }
                    let tagBytes = fields.bytes(tagColumn, in: b)
                    if layout.dialect == .wincc, HistorianLayout.isRuntimeMarker(tagBytes) {
                        let marker = fields.string(tagColumn, in: b)
                        guard let time = try instant(timeBytes, locator: locator, after: .min) else {
                            try warn("time", locator, "time \"\(preview(timeBytes))\" is not in the export's format "
                                     + "(\(format)); the \(marker) record was not read")
                            return
                        }
                        try runtimeMarker(marker, at: time, line: number, sheet: sheet)
                        return
                    }
                    var k: Int
                    if lastTagIndex >= 0, tagBytes.elementsEqual(lastTagBytes) {
                        k = lastTagIndex
                    } else if let found = byTag[Array(tagBytes)] {
                        k = found
                    } else {
                        let tag = fields.string(tagColumn, in: b)
                        guard !tag.isEmpty else {
                            try warn("tag", locator, "no tag in the row: \(preview(b))")
                            return
                        }
                        let unit = layout.unit.flatMap { $0 < fields.count ? fields.string($0, in: b) : nil }
                        let description = layout.description.flatMap { $0 < fields.count ? fields.string($0, in: b) : nil }
                        k = try series(SeriesInfo(name: tag, unit: unit?.isEmpty == false ? unit : nil,
                                                  description: description?.isEmpty == false ? description : nil),
                                       options: detectorOptions)
                        byTag[Array(tagBytes)] = k
                    }
                    if k != lastTagIndex {
                        lastTagIndex = k
                        lastTagBytes = Array(tagBytes)
                    }
                    guard let time = try instant(timeBytes, locator: locator, after: tracked[k].lastTime) else {
                        try warn("time", locator, "time \"\(preview(timeBytes))\" is not in the export's format (\(format)); "
                                 + "the sample was not read")
                        return
                    }
                    var v: (value: Double?, text: String?, bad: String?)?
                    for c in valueColumns where c < fields.count {
                        if let got = value(fields.bytes(c, in: b), fields, c, in: b) { v = got; break }
                    }
                    var quality = SampleQuality.good
                    var qualityTexts: [String] = []
                    for (c, code) in layout.quality where c < fields.count {
                        let text = fields.string(c, in: b)
                        let q = HistorianValues.quality(text, as: code)
                        if q != .good { qualityTexts.append(text) }
                        if q.rawValue > quality.rawValue { quality = q }
                    }
                    if let bad = v?.bad {
                        quality = .bad
                        qualityTexts.insert(bad, at: 0)
                    }
                    if v == nil, quality == .good {
                        try warn("value", locator, "\(tracked[k].info.name): no value in the row")
                        return
                    }
                    let s = Sample(time: time, value: v?.value, text: v?.text, quality: quality,
                                   qualityText: qualityTexts.isEmpty ? nil : qualityTexts.joined(separator: "; "),
                                   line: number)
                    try store(s, k, sheet: sheet, locator: locator)
                }
            }

            let separator = sniff.separator
            func record(_ bytes: UnsafeBufferPointer<UInt8>, _ number: Int) throws {
                if bytes.isEmpty { return }
                if let first = bytes.first, first == 0x23 { return }    // comment
                if bytes.count >= 2, bytes[0] == 0x2F, bytes[1] == 0x2F { return }
                var blank = true
                for c in bytes where c != 0x20 && c != 0x09 && c != separator { blank = false; break }
                if blank { return }
                try row(bytes, number: number)
            }
            // Newest first: the records are set aside in a scratch file and read from the last up, so that every
            // series runs forward in time, as its detector and the clock and chain reasoning after it need.
            var spill: RecordSpill?
            if sniff.newestFirst {
                do {
                    spill = try RecordSpill()
                } catch {
                    try warn("newest-first", headerLocator, "the rows run newest first but could not be set aside to be read "
                             + "oldest first (\(error)); read as they stand: the samples are stored, not analysed")
                }
            }
            if let spill {
                try table.forEachRecord(from: found.firstRow, warn: { try self.warn($0, $1, $2) }) { bytes, number in
                    try spill.append(bytes, number: number)
                }
                try warn("newest-first", headerLocator, "the rows run newest first (\(spill.count) records); they were read from "
                         + "the last up, so that each series and its process events run forward in time")
                try spill.forEachReversed(record)
            } else {
                try table.forEachRecord(from: found.firstRow, warn: { try self.warn($0, $1, $2) }, record)
            }
            if rows == rowsBefore {
                try warn("empty", sheet.map { "sheet \"\($0)\"" } ?? "whole file",
                         "the \(sheet == nil ? "export" : "sheet") has a header but no rows")
            }
        }

        /// After the last table: the detectors' last findings and the summed-up warnings.
        func finish() throws {
            for k in tracked.indices {
                if tracked[k].detector != nil {
                    for f in tracked[k].detector!.finish() { try emit(f, tracked[k]) }
                    let d = tracked[k].detector!
                    if d.duplicates > 0 {
                        try warn("duplicate", "whole file", "\(tracked[k].info.name): \(d.duplicates) "
                                 + (d.duplicates == 1 ? "sample shares its" : "samples share their")
                                 + " time with the previous one (all stored)")
                    }
                }
                if tracked[k].backwards > 0, tracked[k].backwards > HistorianReader.warningsPerKind {
                    try warn("order-total", "whole file", "\(tracked[k].info.name): \(tracked[k].backwards) samples go back "
                             + "in time (all stored; not analysed)")
                }
            }
            try warn.summarize()
        }
    }
}

private struct SniffDone: Error {}

/// A collector for one dialect: the six below differ only in the dialect they claim.
public protocol HistorianDialectCollector: Collector {
    static var dialect: HistorianLayout.Dialect { get }
}

extension HistorianDialectCollector {
    public static var name: String { dialect.collectorName }
    public static var version: String { HistorianReader.version }
    public static func identify(_ probe: EvidenceProbe) -> Confidence { HistorianReader.identify(probe, as: dialect) }
    public func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        try HistorianReader(dialect: Self.dialect).collect(source, into: sink)
    }
}

public struct PIHistorianCollector: HistorianDialectCollector {
    public static let dialect = HistorianLayout.Dialect.pi
    public init() {}
}

public struct AVEVAHistorianCollector: HistorianDialectCollector {
    public static let dialect = HistorianLayout.Dialect.aveva
    public init() {}
}

public struct IgnitionHistorianCollector: HistorianDialectCollector {
    public static let dialect = HistorianLayout.Dialect.ignition
    public init() {}
}

public struct LongHistorianCollector: HistorianDialectCollector {
    public static let dialect = HistorianLayout.Dialect.long
    public init() {}
}

public struct WideHistorianCollector: HistorianDialectCollector {
    public static let dialect = HistorianLayout.Dialect.wide
    public init() {}
}

public struct WinCCHistorianCollector: HistorianDialectCollector {
    public static let dialect = HistorianLayout.Dialect.wincc
    public init() {}
}

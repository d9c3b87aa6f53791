import Foundation
import JikochoModel
import Parsers

/// `historian/pi`, `historian/aveva`, `historian/ignition`, `historian/long`, `historian/wide`: plant historian
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
        if case .wide = sniff.layout.shape, sniff.numericFraction < 0.5 { return .no }
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
    }

    func collect(_ source: EvidenceSource, into sink: some EventSink) throws {
        let evidenceID = source.item.id
        let warn = Warnings(sink: sink, evidenceID: evidenceID)
        // UTF-8, UTF-16 (a spreadsheet's "Unicode text"), or Shift_JIS (a Japanese HMI's or logger's CSV): lines are
        // handed on as UTF-8.
        let reader = try TextEncoding.Reader(path: source.path, maxLine: HistorianReader.maxRecordBytes)
        let preferred = source.options["historian.date-order"].flatMap(HistorianTimeFormat.DateOrder.init(rawValue:))
        if let o = source.options["historian.date-order"], preferred == nil {
            throw CollectorError.notThisFormat("historian.date-order must be dmy, mdy or ymd, not \(o)")
        }

        // Pass 1: the first lines, for the header and the time format.
        var head: [[UInt8]] = []
        do {
            try reader.forEachLine { line in
                head.append(Array(line.bytes))
                if head.count >= HistorianReader.sniffLines { throw SniffDone() }
            }
        } catch is SniffDone {}
        guard var sniff = HistorianSniff.read(head, preferred: preferred) else {
            throw CollectorError.notThisFormat("no historian header (a time column and tag or value columns) and no "
                                               + "readable times in the first lines")
        }
        if sniff.layout.dialect != dialect {
            // Forced with --collector: read the layout found, say so.
            try warn("dialect", "line \(sniff.headerLine)", "the header looks like \(sniff.layout.dialect.collectorName);"
                     + " read with that layout under \(dialect.collectorName) as asked")
        }
        guard let format = sniff.timeFormat else {
            throw CollectorError.notThisFormat("no readable times under the header")
        }
        if sniff.ambiguousDates {
            try warn("dates", "line \(sniff.headerLine + 1)", "numeric dates with both fields ≤ 12 in the first rows; read as "
                     + "\(format) — pass --date-order dmy or mdy if that is wrong")
        }

        // The zone: the investigator's, the evidence's, the export's own, else UTC with a warning.
        let zoneSpec = source.options["tz"] ?? source.item.timeZone
        var zone: LocalTimeZone
        var zoneDeclared = true
        if let zoneSpec {
            guard let z = LocalTimeZone(zoneSpec) else { throw CollectorError.notThisFormat("unknown time zone \(zoneSpec)") }
            zone = z
            if let own = sniff.declaredZone, own != zoneSpec {
                try warn("zone", "line 1", "the export declares time zone \(own); \(zoneSpec) was used as given")
            }
        } else if let own = sniff.declaredZone, let z = LocalTimeZone(own) {
            zone = z
            try warn("zone", "line 1", "local times read in \(own), the zone the export declares")
        } else {
            zone = LocalTimeZone("UTC")!
            zoneDeclared = false
            if let own = sniff.declaredZone {
                try warn("zone", "line 1", "the export declares a time zone this build does not know (\(own)); local "
                         + "times were read as UTC (pass --tz)")
                sniff.declaredZone = nil
            }
        }

        let layout = sniff.layout
        let options = source.options
        // A date and a time of day in two columns are read as one time: joined in a scratch buffer per row.
        let joinedTime = UnsafeMutablePointer<UInt8>.allocate(capacity: HistorianLayout.timeScratchSize)
        defer { joinedTime.deallocate() }
        let deriveEvents = options["historian.events"] != "off"
        let maxAnalysed = options["historian.max-analysed-series"].flatMap(Int.init) ?? 10_000
        var detectorOptions = ProcessDetectorOptions()
        if case .wide = layout.shape { detectorOptions.gaps = false }
        let collectorName = dialect.collectorName
        var tracked: [Tracked] = []
        var byTag: [[UInt8]: Int] = [:]
        var lastTagBytes: [UInt8] = []
        var lastTagIndex = -1
        var rowGaps = RowGapDetector()
        var lastRowTime: Int64 = .min
        var warnedZone = false
        var analysedWarned = false
        var rows = 0

        func emit(_ f: ProcessFinding, _ t: Tracked) throws {
            var attrs = f.attributes
            attrs["tag"] = .string(t.info.tag)
            if let u = t.info.unit { attrs["unit"] = .string(u) }
            attrs["start"] = .string(f.start.time.iso8601Shortest())
            attrs["end"] = .string(f.end.time.iso8601Shortest())
            attrs["lines"] = .string(f.start.line == f.end.line ? "\(f.start.line)" : "\(f.start.line)-\(f.end.line)")
            attrs["samples_cited"] = .object(["series": .string(t.info.name), "from": .string(f.start.time.iso8601Shortest()),
                                              "to": .string(f.end.time.iso8601Shortest()), "count": .int(Int64(f.count))])
            try sink.emit(Event(time: f.start.time, timeDescription: "Sample time", domain: .process, kind: f.kind.rawValue,
                                asset: t.info.asset, message: f.summary, attributes: Attributes(attrs),
                                provenance: Provenance(evidenceID: evidenceID, collector: collectorName,
                                                       collectorVersion: HistorianReader.version,
                                                       locator: "line \(f.start.line)")))
        }

        func series(_ given: SeriesInfo) throws -> Int {
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

        func store(_ sample: Sample, _ k: Int, locator: @autoclosure () -> String) throws {
            try sink.emit(sample, series: tracked[k].handle)
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
            for c in columns { wideTracked.append(try series(SeriesInfo(name: c.name, unit: c.unit))) }
        }
        var pending: [UInt8] = []      // a record whose quoted field runs over lines
        var pendingLine = 0

        func row(_ b: UnsafeBufferPointer<UInt8>, number: Int) throws {
            let locator = "line \(number)"
            rows += 1
            fields.split(b)
            if fields.count != layout.columnCount {
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
                        try emit(g, t)
                    }
                    lastRowTime = time.nanoseconds
                }
                for (i, c) in columns.enumerated() where c.column < fields.count {
                    let f = fields.bytes(c.column, in: b)
                    guard let v = value(f, fields, c.column, in: b) else { continue }
                    let s = Sample(time: time, value: v.value, text: v.text, quality: v.bad == nil ? .good : .bad,
                                   qualityText: v.bad, line: number)
                    try store(s, wideTracked[i], locator: locator)
                }
            case .long(let tagColumn, let valueColumns):
                guard tagColumn < fields.count else { return }
                let tagBytes = fields.bytes(tagColumn, in: b)
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
                                              description: description?.isEmpty == false ? description : nil))
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
                try store(s, k, locator: locator)
            }
        }

        // Pass 2: every row.
        try reader.forEachLine { line in
            if line.number <= sniff.headerLine { return }
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
                try record.withUnsafeBufferPointer { try row($0, number: pendingLine) }
                return
            }
            if bytes.isEmpty { return }
            if let first = bytes.first, first == 0x23 { return }    // comment
            if bytes.count >= 2, bytes[0] == 0x2F, bytes[1] == 0x2F { return }
            var blank = true
            for c in bytes where c != 0x20 && c != 0x09 && c != sniff.separator { blank = false; break }
            if blank { return }
            if bytes.contains(0x22), !CSVFields.quotesBalanced(bytes) {
                pending = Array(bytes)
                pendingLine = line.number
                return
            }
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                bytes = UnsafeBufferPointer(rebasing: bytes[3...])
            }
            try row(bytes, number: line.number)
        }
        if !pending.isEmpty {
            try warn("quote", "line \(pendingLine)", "the export ends inside a quoted field; the record was read as it stands")
            let record = pending
            try record.withUnsafeBufferPointer { try row($0, number: pendingLine) }
        }

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
        if rows == 0 { try warn("empty", "whole file", "the export has a header but no rows") }
        try warn.summarize()
    }
}

private struct SniffDone: Error {}

/// A collector for one dialect: the five below differ only in the dialect they claim.
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

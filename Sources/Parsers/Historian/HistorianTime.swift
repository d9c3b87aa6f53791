import JikochoModel

/// How the times of one export are written, inferred from its first rows and then applied to every row.
public enum HistorianTimeFormat: Equatable, Sendable, CustomStringConvertible {
    /// Which field of a numeric date comes first.
    public enum DateOrder: String, Sendable {
        case yearFirst = "ymd", dayFirst = "dmy", monthFirst = "mdy"
    }

    /// Calendar dates and clock times (ISO 8601, `06/01/14 00`, `26-Nov-2026 10:00:00.5`, `11/26/2026 1:05:00 PM`).
    case civil(DateOrder)
    /// A number of seconds, milliseconds, microseconds or nanoseconds since 1970 (the unit in nanoseconds).
    case epoch(Int64)
    /// Days since 1899-12-30 with a fraction, as spreadsheets (PI DataLink in Excel) store dates: local times.
    case spreadsheetSerial

    public var description: String {
        switch self {
        case .civil(let o): return "date and time (\(o.rawValue))"
        case .epoch(1_000_000_000): return "epoch seconds"
        case .epoch(1_000_000): return "epoch milliseconds"
        case .epoch(1_000): return "epoch microseconds"
        case .epoch: return "epoch nanoseconds"
        case .spreadsheetSerial: return "spreadsheet day numbers"
        }
    }
}

/// A time as read from one field: a calendar time (zone possibly unknown) or an instant.
public enum HistorianTimeValue: Equatable, Sendable {
    case civil(CivilTime)
    case instant(Timestamp)
}

public enum HistorianTime {
    /// Reads a time field in a known format; nil when it is not one.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>, _ format: HistorianTimeFormat) -> HistorianTimeValue? {
        switch format {
        case .civil(let order):
            return civil(b, order: order).map { .civil($0) }
        case .epoch(let unit):
            guard let v = HistorianValues.number(b), v.isFinite else { return nil }
            let ns = v * Double(unit)
            guard abs(ns) < 9.2e18 else { return nil }
            return .instant(Timestamp(nanoseconds: Int64(ns.rounded())))
        case .spreadsheetSerial:
            // Day 1 is 1899-12-31; nanoseconds since 1970 run out in 2262 (day 132,319).
            guard let v = HistorianValues.number(b), v.isFinite, v >= 1, v < 132_000 else { return nil }
            // 25569 days from 1899-12-30 to 1970-01-01; rounded to the millisecond (spreadsheets keep no finer). A
            // spreadsheet's day number is the wall clock of whoever typed or exported it, in no zone: a local time,
            // read in the export's declared zone (or --tz) as every other local time is.
            let ms = ((v - 25_569) * 86_400_000).rounded()
            var c = Timestamp(nanoseconds: Int64(ms) * 1_000_000).civil(utcOffsetSeconds: 0)
            c.utcOffsetSeconds = nil
            return .civil(c)
        }
    }

    /// Picks the format that reads the sample fields (the first rows of an export): numbers are epoch times (unit by
    /// magnitude) or spreadsheet days; dates whose first two fields are both ≤ 12 everywhere are ambiguous, and the
    /// order that keeps the rows in time order wins, else `preferred`.
    public static func infer(_ fields: [[UInt8]], preferred: HistorianTimeFormat.DateOrder = .dayFirst)
        -> (format: HistorianTimeFormat, ambiguous: Bool)?
    {
        let nonEmpty = fields.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty else { return nil }
        let numbers = nonEmpty.compactMap { f in f.withUnsafeBufferPointer { HistorianValues.number($0) } }
        if numbers.count == nonEmpty.count {
            let m = numbers.map(abs).sorted()[numbers.count / 2]
            if m >= 1e17 { return (.epoch(1), false) }
            if m >= 1e14 { return (.epoch(1_000), false) }
            if m >= 1e11 { return (.epoch(1_000_000), false) }
            if m >= 1e8 { return (.epoch(1_000_000_000), false) }
            if m >= 10_000, m < 200_000 { return (.spreadsheetSerial, false) }
            return nil
        }
        var best: (HistorianTimeFormat.DateOrder, parsed: Int, inversions: Int)?
        var parsedBy: [HistorianTimeFormat.DateOrder: Int] = [:]
        for order in [HistorianTimeFormat.DateOrder.yearFirst, .dayFirst, .monthFirst] {
            var parsed = 0, inversions = 0
            var last: Int64?
            for f in nonEmpty {
                guard let c = f.withUnsafeBufferPointer({ civil($0, order: order) }) else { continue }
                parsed += 1
                let t = c.timestamp(assumingOffset: c.utcOffsetSeconds ?? 0)?.nanoseconds ?? 0
                if let l = last, t < l { inversions += 1 }
                last = t
            }
            parsedBy[order] = parsed
            if best == nil || parsed > best!.parsed || (parsed == best!.parsed && inversions < best!.inversions) {
                best = (order, parsed, inversions)
            }
        }
        guard let b = best, b.parsed * 10 >= nonEmpty.count * 9 else { return nil }
        // Ambiguous when day-first and month-first read the same fields equally well and the rows give no order.
        var order = b.0
        var ambiguous = false
        if order != .yearFirst, parsedBy[.dayFirst] == parsedBy[.monthFirst] {
            let inv = { (o: HistorianTimeFormat.DateOrder) -> Int in
                var n = 0
                var last: Int64?
                for f in nonEmpty {
                    guard let c = f.withUnsafeBufferPointer({ civil($0, order: o) }),
                          let t = c.timestamp(assumingOffset: 0)?.nanoseconds else { continue }
                    if let l = last, t < l { n += 1 }
                    last = t
                }
                return n
            }
            let d = inv(.dayFirst), m = inv(.monthFirst)
            if d == m {
                ambiguous = nonEmpty.contains { f in
                    f.withUnsafeBufferPointer { civil($0, order: .dayFirst) != nil && startsWithNumericDate($0) }
                }
                order = preferred
            } else {
                order = d < m ? .dayFirst : .monthFirst
            }
        }
        return (.civil(order), ambiguous)
    }

    private static func startsWithNumericDate(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var c = TimeParser.Cursor(b)
        guard c.upTo2Digits() != nil, let s = c.peek, s == 0x2F || s == 0x2D || s == 0x2E else { return false }
        c.index += 1
        return c.upTo2Digits() != nil
    }

    /// A calendar date with an optional clock time, AM/PM and zone, in the forms exports write:
    /// `2026-11-26T10:00:00.123Z`, `2026/11/26 10:00`, `26/11/2026 10:00:00`, `11/26/2026 1:05:07 PM`,
    /// `26-Nov-26 10:00:00`, `26 Nov 2026 10:00`, `Nov 26, 2026 10:00:00 AM`, `06/01/14 00` (hour only).
    /// Two-digit years are 1970–2069.
    public static func civil(_ b: UnsafeBufferPointer<UInt8>, order: HistorianTimeFormat.DateOrder)
        -> CivilTime?
    {
        var p = TimeParser.Cursor(b)
        func skipBlanks() { while let c = p.peek, c == 0x20 || c == 0x09 { p.index += 1 } }
        func number(max: Int) -> (value: Int, digits: Int)? {
            var v = 0, n = 0
            while let c = p.peek, c &- 48 < 10, n < max {
                v = v * 10 + Int(c &- 48)
                n += 1
                p.index += 1
            }
            if let c = p.peek, c &- 48 < 10 { return nil }    // more digits than the field can have
            return n > 0 ? (v, n) : nil
        }
        func dateSeparator() -> Bool {
            guard let c = p.peek, c == 0x2F || c == 0x2D || c == 0x2E || c == 0x20 else { return false }
            p.index += 1
            return true
        }
        func fullYear(_ y: (value: Int, digits: Int)) -> Int? {
            switch y.digits {
            case 4: return y.value
            case 2: return y.value < 70 ? 2000 + y.value : 1900 + y.value
            default: return nil
            }
        }
        skipBlanks()
        var year = 0, month = 0, day = 0
        if let m = p.monthName() {
            // `Nov 26, 2026` or `November 26 2026`
            while let c = p.peek, (c | 0x20) >= 0x61, (c | 0x20) <= 0x7A { p.index += 1 }
            guard dateSeparator() || p.peek == 0x20 else { return nil }
            skipBlanks()
            guard let d = number(max: 2) else { return nil }
            _ = p.take(0x2C)
            skipBlanks()
            guard let y = number(max: 4), let fy = fullYear(y) else { return nil }
            (year, month, day) = (fy, m, d.value)
        } else {
            guard let a = number(max: 4) else { return nil }
            guard dateSeparator() else { return nil }
            if a.digits == 4 {
                guard order == .yearFirst else { return nil }
                let m: Int
                if let mm = p.monthName() { m = mm } else if let mm = number(max: 2) { m = mm.value } else { return nil }
                guard dateSeparator(), let d = number(max: 2) else { return nil }
                (year, month, day) = (a.value, m, d.value)
            } else {
                var named = false
                let bField: Int
                if let mm = p.monthName() {
                    // Long month names (`November`) run on to the separator.
                    while let c = p.peek, (c | 0x20) >= 0x61, (c | 0x20) <= 0x7A { p.index += 1 }
                    bField = mm
                    named = true
                } else if let mm = number(max: 2) {
                    bField = mm.value
                } else {
                    return nil
                }
                guard dateSeparator(), let y = number(max: 4), let fy = fullYear(y) else { return nil }
                year = fy
                if named || order == .dayFirst || order == .yearFirst {
                    (day, month) = (a.value, bField)
                } else {
                    (month, day) = (a.value, bField)
                }
                if order == .yearFirst && !named { return nil }
            }
        }
        var hour = 0, minute = 0, second = 0, nanos = 0
        var offset: Int?
        // Date and time are separated by `T`, blanks or a comma.
        let beforeTime = p.index
        if p.take(0x54) || p.take(0x74) || p.take(0x2C) || p.peek == 0x20 {
            skipBlanks()
        }
        if let h = number(max: 2) {
            hour = h.value
            if p.take(0x3A) {
                guard let m = number(max: 2), m.digits == 2 else { return nil }
                minute = m.value
                if p.take(0x3A) {
                    guard let s = number(max: 2), s.digits == 2 else { return nil }
                    second = s.value
                    if p.take(0x2E) || p.take(0x2C) {
                        guard let f = p.fraction() else { return nil }
                        nanos = f
                    }
                }
            }
            skipBlanks()
            // AM / PM (also a.m. / p.m.).
            if let c = p.peek, c | 0x20 == 0x61 || c | 0x20 == 0x70 {
                let pm = c | 0x20 == 0x70
                p.index += 1
                _ = p.take(0x2E)
                guard let mch = p.peek, mch | 0x20 == 0x6D else { return nil }
                p.index += 1
                _ = p.take(0x2E)
                guard hour >= 1, hour <= 12 else { return nil }
                hour = (hour % 12) + (pm ? 12 : 0)
                skipBlanks()
            }
            if p.take(0x5A) || p.take(0x7A) {
                offset = 0
            } else if let o = p.utcOffset() {
                offset = o
            } else if p.index + 3 <= b.count {
                let w = (UInt32(b[p.index] | 0x20) << 16) | (UInt32(b[p.index + 1] | 0x20) << 8)
                    | UInt32(b[p.index + 2] | 0x20)
                if w == 0x75_7463 || w == 0x67_6D74 {    // utc, gmt
                    p.index += 3
                    offset = p.utcOffset() ?? 0
                }
            }
        } else {
            p.index = beforeTime
        }
        skipBlanks()
        guard p.index == b.count else { return nil }
        let t = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                          nanosecond: nanos, utcOffsetSeconds: offset)
        return t.isValid ? t : nil
    }
}

/// A point in time: nanoseconds since the Unix epoch, UTC.
///
/// Formatting and parsing are done by hand, without Foundation's date formatters, because collectors parse
/// millions of times per second. Dates use the proleptic Gregorian calendar (days-from-civil, as in
/// Howard Hinnant's `chrono` algorithms).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let nanosPerSecond: Int64 = 1_000_000_000

    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        self.nanoseconds = seconds &* Self.nanosPerSecond &+ nanoseconds
    }

    /// Whole seconds since the epoch, rounded towards negative infinity.
    public var seconds: Int64 {
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: Self.nanosPerSecond)
        return r < 0 ? q - 1 : q
    }

    /// The nanoseconds past `seconds`, always in 0..<1e9.
    public var subsecondNanos: Int64 {
        // From the remainder, not `nanoseconds - seconds * 1e9`, which overflows for the earliest instants.
        let r = nanoseconds % Self.nanosPerSecond
        return r < 0 ? r + Self.nanosPerSecond : r
    }

    /// Microseconds since the epoch (Timesketch's `timestamp`), rounded towards negative infinity.
    public var microseconds: Int64 {
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1000)
        return r < 0 ? q - 1 : q
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (a: Timestamp, nanos: Int64) -> Timestamp { Timestamp(nanoseconds: a.nanoseconds &+ nanos) }

    public var description: String { iso8601() }

    public init(from decoder: Decoder) throws {
        nanoseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(nanoseconds)
    }
}

// MARK: - Civil time

/// A calendar date and wall-clock time, as a source writes it, with an optional UTC offset.
public struct CivilTime: Hashable, Sendable {
    public var year: Int
    public var month: Int      // 1...12
    public var day: Int        // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int     // 0...60 (a leap second is folded onto the next second)
    public var nanosecond: Int
    /// Seconds east of UTC, when the source wrote one; nil for local times whose zone must be declared.
    public var utcOffsetSeconds: Int?

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                nanosecond: Int = 0, utcOffsetSeconds: Int? = nil) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// True when every field is in range (February 30th and hour 25 are not).
    public var isValid: Bool {
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysIn(month: month, year: year),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (0..<1_000_000_000).contains(nanosecond), (-9999...9999).contains(year)
        else { return false }
        if let off = utcOffsetSeconds, abs(off) > 18 * 3600 { return false }
        return true
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a count of days since 1970-01-01.
    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The instant, using the written offset, or `assumingOffset` when the source wrote none.
    /// Returns nil when the fields are out of range, the instant is outside what nanoseconds since 1970 can count
    /// (1677–2262: a year 2500 must not wrap round to another date), or no offset is known.
    public func timestamp(assumingOffset: Int? = nil) -> Timestamp? {
        guard isValid, let off = utcOffsetSeconds ?? assumingOffset else { return nil }
        let days = Int64(CivilTime.daysFromCivil(year: year, month: month, day: day))
        let secs = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(off)
        guard secs > -9_223_372_035, secs < 9_223_372_035 else { return nil }
        return Timestamp(seconds: secs, nanoseconds: Int64(nanosecond))
    }
}

extension Timestamp {
    /// The calendar fields of this instant at a UTC offset (seconds east).
    public func civil(utcOffsetSeconds: Int = 0) -> CivilTime {
        let local = seconds + Int64(utcOffsetSeconds)
        var days = local / 86_400
        var rem = local % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = CivilTime.civilFromDays(Int(days))
        return CivilTime(year: y, month: m, day: d, hour: Int(rem / 3600), minute: Int(rem % 3600 / 60),
                         second: Int(rem % 60), nanosecond: Int(subsecondNanos), utcOffsetSeconds: utcOffsetSeconds)
    }

    /// Fraction digits written by `iso8601`.
    public enum Precision: Int, Sendable {
        case seconds = 0, milliseconds = 3, microseconds = 6, nanoseconds = 9
    }

    /// ISO 8601 in UTC with as many fraction digits as the time has (`…T10:00:00Z`, `…T10:00:00.250Z`).
    public func iso8601Shortest() -> String {
        let f = subsecondNanos
        let p: Precision = f == 0 ? .seconds : (f % 1_000_000 == 0 ? .milliseconds : (f % 1_000 == 0 ? .microseconds
                                                                                                      : .nanoseconds))
        return iso8601(precision: p)
    }

    /// RFC 3339 / ISO 8601 text with an explicit offset: `2021-02-05T08:33:12.123456789Z`,
    /// or `2021-02-05T17:33:12+09:00` with `utcOffsetSeconds: 32400`.
    public func iso8601(precision: Precision = .nanoseconds, utcOffsetSeconds: Int = 0) -> String {
        let c = civil(utcOffsetSeconds: utcOffsetSeconds)
        var out = [UInt8]()
        out.reserveCapacity(36)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var x = abs(v)
            var i = width - 1
            while i >= 0 { digits[i] = UInt8(48 + x % 10); x /= 10; i -= 1 }
            out.append(contentsOf: digits)
        }
        if c.year < 0 { out.append(UInt8(ascii: "-")) }
        put(c.year, 4); out.append(UInt8(ascii: "-")); put(c.month, 2); out.append(UInt8(ascii: "-")); put(c.day, 2)
        out.append(UInt8(ascii: "T"))
        put(c.hour, 2); out.append(UInt8(ascii: ":")); put(c.minute, 2); out.append(UInt8(ascii: ":")); put(c.second, 2)
        if precision != .seconds {
            out.append(UInt8(ascii: "."))
            let digits = precision.rawValue
            var frac = c.nanosecond
            for _ in digits..<9 { frac /= 10 }
            put(frac, digits)
        }
        if utcOffsetSeconds == 0 {
            out.append(UInt8(ascii: "Z"))
        } else {
            out.append(UInt8(ascii: utcOffsetSeconds < 0 ? "-" : "+"))
            let a = abs(utcOffsetSeconds)
            put(a / 3600, 2); out.append(UInt8(ascii: ":")); put(a % 3600 / 60, 2)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: - Epoch conversions

extension Timestamp {
    /// 100-ns intervals between 1601-01-01 and 1970-01-01 (Windows FILETIME epoch).
    static let filetimeEpochDelta: Int64 = 116_444_736_000_000_000

    /// A Windows FILETIME (100-ns ticks since 1601-01-01 UTC), as EVTX and NTFS write it.
    /// Nil when it lies outside what Int64 nanoseconds can hold (years 1678...2262).
    public init?(filetime: UInt64) {
        guard filetime <= UInt64(Int64.max) else { return nil }
        let ticks = Int64(filetime) - Timestamp.filetimeEpochDelta
        let (ns, overflow) = ticks.multipliedReportingOverflow(by: 100)
        guard !overflow else { return nil }
        self.init(nanoseconds: ns)
    }

    /// Seconds since the epoch with a fraction, as many logs write them. Nil when not finite or out of range.
    public init?(epochSeconds: Double) {
        guard epochSeconds.isFinite, abs(epochSeconds) < 9.2e9 else { return nil }
        let whole = epochSeconds.rounded(.down)
        self.init(seconds: Int64(whole), nanoseconds: Int64(((epochSeconds - whole) * 1e9).rounded()))
    }
}

/// Parsers for the time formats that logs write, working on UTF-8 bytes without Foundation.
///
/// Each returns a `CivilTime` (fields as written, with the offset when the text has one) or nil when the text is
/// not in that format. Callers turn a `CivilTime` into a `Timestamp` with the source's declared zone.
public enum TimeParser {
    /// RFC 3339 and the ISO 8601 forms logs use: `2021-02-05T08:33:12Z`, `2021-02-05 08:33:12.123456+09:00`,
    /// `2021-02-05T08:33:12,5+0900`, `2021-02-05T08:33:12` (no zone). Fractions beyond nanoseconds are truncated.
    public static func iso8601(_ text: some StringProtocol) -> CivilTime? {
        var s = String(text)
        return s.withUTF8 { iso8601(bytes: $0).map(\.time) }
    }

    /// As `iso8601(_:)` on bytes; also returns how many bytes were consumed, so a caller can go on after it.
    public static func iso8601(bytes b: UnsafeBufferPointer<UInt8>) -> (time: CivilTime, length: Int)? {
        var p = Cursor(b)
        guard let year = p.digits(4), p.take(UInt8(ascii: "-")), let month = p.digits(2), p.take(UInt8(ascii: "-")),
              let day = p.digits(2)
        else { return nil }
        guard p.take(UInt8(ascii: "T")) || p.take(UInt8(ascii: "t")) || p.take(UInt8(ascii: " ")) else { return nil }
        guard let hour = p.digits(2), p.take(UInt8(ascii: ":")), let minute = p.digits(2), p.take(UInt8(ascii: ":")),
              let second = p.digits(2)
        else { return nil }
        var nanos = 0
        if p.take(UInt8(ascii: ".")) || p.take(UInt8(ascii: ",")) {
            guard let n = p.fraction() else { return nil }
            nanos = n
        }
        var offset: Int?
        if p.take(UInt8(ascii: "Z")) || p.take(UInt8(ascii: "z")) {
            offset = 0
        } else if let o = p.utcOffset() {
            offset = o
        }
        let t = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                          nanosecond: nanos, utcOffsetSeconds: offset)
        return t.isValid ? (t, p.index) : nil
    }

    /// The BSD syslog (RFC 3164) stamp `Feb  5 08:33:12` (day space- or zero-padded); the year is not written,
    /// so the caller supplies it (and handles New Year rollover).
    public static func rfc3164(_ text: some StringProtocol, year: Int) -> CivilTime? {
        var s = String(text)
        return s.withUTF8 { rfc3164(bytes: $0, year: year).map(\.time) }
    }

    public static func rfc3164(bytes b: UnsafeBufferPointer<UInt8>, year: Int) -> (time: CivilTime, length: Int)? {
        var p = Cursor(b)
        guard let month = p.monthName(), p.take(UInt8(ascii: " ")) else { return nil }
        _ = p.take(UInt8(ascii: " "))
        guard let day = p.upTo2Digits(), p.take(UInt8(ascii: " ")), let hour = p.digits(2),
              p.take(UInt8(ascii: ":")), let minute = p.digits(2), p.take(UInt8(ascii: ":")),
              let second = p.digits(2)
        else { return nil }
        var nanos = 0
        if p.take(UInt8(ascii: ".")) {
            guard let n = p.fraction() else { return nil }
            nanos = n
        }
        let t = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                          nanosecond: nanos)
        return t.isValid ? (t, p.index) : nil
    }

    /// The Common Log Format stamp of Apache and nginx: `10/Oct/2000:13:55:36 -0700` (without the brackets).
    public static func commonLog(_ text: some StringProtocol) -> CivilTime? {
        var s = String(text)
        return s.withUTF8 { commonLog(bytes: $0).map(\.time) }
    }

    public static func commonLog(bytes b: UnsafeBufferPointer<UInt8>) -> (time: CivilTime, length: Int)? {
        var p = Cursor(b)
        guard let day = p.digits(2), p.take(UInt8(ascii: "/")), let month = p.monthName(), p.take(UInt8(ascii: "/")),
              let year = p.digits(4), p.take(UInt8(ascii: ":")), let hour = p.digits(2), p.take(UInt8(ascii: ":")),
              let minute = p.digits(2), p.take(UInt8(ascii: ":")), let second = p.digits(2)
        else { return nil }
        var nanos = 0
        if p.take(UInt8(ascii: ".")) {
            guard let n = p.fraction() else { return nil }
            nanos = n
        }
        var offset: Int?
        if p.take(UInt8(ascii: " ")) {
            guard let o = p.utcOffset() else { return nil }
            offset = o
        }
        let t = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                          nanosecond: nanos, utcOffsetSeconds: offset)
        return t.isValid ? (t, p.index) : nil
    }

    /// A byte cursor with the small lexers the time formats share; log parsers use it too.
    public struct Cursor {
        public let b: UnsafeBufferPointer<UInt8>
        public var index = 0

        public init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

        public var peek: UInt8? { index < b.count ? b[index] : nil }

        public mutating func take(_ c: UInt8) -> Bool {
            guard peek == c else { return false }
            index += 1
            return true
        }

        public mutating func digits(_ n: Int) -> Int? {
            guard index + n <= b.count else { return nil }
            var v = 0
            for i in index..<(index + n) {
                let d = b[i] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            index += n
            return v
        }

        public mutating func upTo2Digits() -> Int? {
            guard let first = peek, first &- 48 < 10 else { return nil }
            if index + 1 < b.count, b[index + 1] &- 48 < 10 { return digits(2) }
            return digits(1)
        }

        /// Up to 9 fraction digits as nanoseconds; further digits are consumed and dropped.
        public mutating func fraction() -> Int? {
            var v = 0
            var n = 0
            while let c = peek, c &- 48 < 10 {
                if n < 9 { v = v * 10 + Int(c &- 48) }
                n += 1
                index += 1
            }
            guard n > 0 else { return nil }
            for _ in min(n, 9)..<9 { v *= 10 }
            return v
        }

        /// `+09:00`, `+0900`, `+09`, `-07:00`; seconds east of UTC.
        public mutating func utcOffset() -> Int? {
            let start = index
            guard let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            index += 1
            guard let h = digits(2) else { index = start; return nil }
            var m = 0
            if take(UInt8(ascii: ":")) {
                guard let mm = digits(2) else { index = start; return nil }
                m = mm
            } else if let mm = digits(2) {
                m = mm
            }
            guard h <= 18, m <= 59 else { index = start; return nil }
            let v = h * 3600 + m * 60
            return sign == UInt8(ascii: "-") ? -v : v
        }

        /// `Jan` … `Dec`, case-insensitive. A switch on the packed letters: no hashing on the hot path.
        public mutating func monthName() -> Int? {
            guard index + 3 <= b.count else { return nil }
            let key = (UInt32(b[index] | 0x20) << 16) | (UInt32(b[index + 1] | 0x20) << 8) | UInt32(b[index + 2] | 0x20)
            let m: Int
            switch key {
            case 0x6A_616E: m = 1     // jan
            case 0x66_6562: m = 2     // feb
            case 0x6D_6172: m = 3     // mar
            case 0x61_7072: m = 4     // apr
            case 0x6D_6179: m = 5     // may
            case 0x6A_756E: m = 6     // jun
            case 0x6A_756C: m = 7     // jul
            case 0x61_7567: m = 8     // aug
            case 0x73_6570: m = 9     // sep
            case 0x6F_6374: m = 10    // oct
            case 0x6E_6F76: m = 11    // nov
            case 0x64_6563: m = 12    // dec
            default: return nil
            }
            index += 3
            return m
        }
    }
}

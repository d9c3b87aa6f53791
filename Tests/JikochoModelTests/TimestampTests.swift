import Foundation
import Testing

@testable import JikochoModel

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000000Z"),
        (Int64(1_612_515_600_000_000_000), "2021-02-05T09:00:00.000000000Z"),
        (Int64(1_612_515_600_123_456_789), "2021-02-05T09:00:00.123456789Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999999Z"),
        (Int64(951_782_400_000_000_000), "2000-02-29T00:00:00.000000000Z"),
        (Int64(-2_208_988_800_000_000_000), "1900-01-01T00:00:00.000000000Z"),
        // The ends of what nanoseconds since 1970 can count (a request's `from=-9223372036854775808`).
        (Int64.min, "1677-09-21T00:12:43.145224192Z"),
        (Int64.max, "2262-04-11T23:47:16.854775807Z"),
    ])
    func formatsISO8601(nanos: Int64, expected: String) {
        #expect(Timestamp(nanoseconds: nanos).iso8601() == expected)
    }

    @Test func formatsWithOffsetAndPrecision() {
        let t = Timestamp(nanoseconds: 1_612_515_600_123_456_789)
        #expect(t.iso8601(precision: .seconds, utcOffsetSeconds: 9 * 3600) == "2021-02-05T18:00:00+09:00")
        #expect(t.iso8601(precision: .milliseconds, utcOffsetSeconds: -(5 * 3600 + 30 * 60))
            == "2021-02-05T03:30:00.123-05:30")
        #expect(t.iso8601(precision: .microseconds) == "2021-02-05T09:00:00.123456Z")
    }

    /// Oracle: Foundation's calendar arithmetic, over instants spread across 1678–2262 (the Int64 ns range).
    @Test func agreesWithFoundationOverTheWholeRange() {
        var rng = SystemRandomNumberGenerator()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<5000 {
            let secs = Int64.random(in: -9_000_000_000...9_000_000_000, using: &rng)
            let ours = Timestamp(seconds: secs).iso8601(precision: .seconds)
            let theirs = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(secs)))
            #expect(ours == theirs, "at \(secs) s")
            let back = TimeParser.iso8601(ours)?.timestamp()
            #expect(back == Timestamp(seconds: secs))
        }
    }

    @Test(arguments: [
        ("2021-02-05T08:33:12Z", Int64(1_612_513_992_000_000_000)),
        ("2021-02-05 08:33:12.5Z", Int64(1_612_513_992_500_000_000)),
        ("2021-02-05T17:33:12+09:00", Int64(1_612_513_992_000_000_000)),
        ("2021-02-05T17:33:12+0900", Int64(1_612_513_992_000_000_000)),
        ("2021-02-05T03:33:12-05", Int64(1_612_513_992_000_000_000)),
        ("2021-02-05T08:33:12,123456789123Z", Int64(1_612_513_992_123_456_789)),
        ("2021-02-05t08:33:12.000001z", Int64(1_612_513_992_000_001_000)),
    ])
    func parsesISO8601(text: String, nanos: Int64) {
        #expect(TimeParser.iso8601(text)?.timestamp() == Timestamp(nanoseconds: nanos))
    }

    @Test(arguments: [
        "", "2021", "2021-02-05", "2021-02-30T00:00:00Z", "2021-13-01T00:00:00Z", "2021-02-05T25:00:00Z",
        "2021-02-05T08:61:00Z", "2021-02-05T08:33", "2021-02-05T08:33:12.Z", "garbage that is long enough!",
        "2021-02-05X08:33:12Z", "２０２１-02-05T08:33:12Z",
    ])
    func rejectsMalformedISO8601(text: String) {
        #expect(TimeParser.iso8601(text) == nil)
    }

    @Test func localTimeNeedsADeclaredOffset() {
        let c = TimeParser.iso8601("2021-02-05T08:33:12")
        #expect(c != nil)
        #expect(c?.utcOffsetSeconds == nil)
        #expect(c?.timestamp() == nil)
        #expect(c?.timestamp(assumingOffset: 9 * 3600) == Timestamp(seconds: 1_612_513_992 - 9 * 3600))
    }

    @Test(arguments: [
        ("Feb  5 08:33:12", 2021, Int64(1_612_513_992)),
        ("Feb 05 08:33:12", 2021, Int64(1_612_513_992)),
        ("feb 5 08:33:12", 2021, Int64(1_612_513_992)),
        ("Dec 31 23:59:59", 2020, Int64(1_609_459_199)),
        ("Feb 29 00:00:00", 2024, Int64(1_709_164_800)),
    ])
    func parsesRFC3164(text: String, year: Int, seconds: Int64) {
        #expect(TimeParser.rfc3164(text, year: year)?.timestamp(assumingOffset: 0) == Timestamp(seconds: seconds))
    }

    @Test func rfc3164RejectsImpossibleDates() {
        #expect(TimeParser.rfc3164("Feb 29 00:00:00", year: 2023) == nil)
        #expect(TimeParser.rfc3164("Foo  5 08:33:12", year: 2021) == nil)
        #expect(TimeParser.rfc3164("Feb  5 08:33", year: 2021) == nil)
    }

    @Test func parsesCommonLogFormat() {
        let c = TimeParser.commonLog("10/Oct/2000:13:55:36 -0700")
        #expect(c?.timestamp() == Timestamp(seconds: 971_211_336))
        #expect(TimeParser.commonLog("17/May/2015:10:05:03 +0000")?.timestamp() == Timestamp(seconds: 1_431_857_103))
        #expect(TimeParser.commonLog("32/May/2015:10:05:03 +0000") == nil)
        #expect(TimeParser.commonLog("17/May/2015:10:05:03 +") == nil)
    }

    @Test func parsesAFieldInsideALineAndReportsItsLength() {
        var line = Array("2021-02-05T08:33:12.25+09:00 hmi-01 sshd[1]: x".utf8)
        let r = line.withUnsafeMutableBufferPointer { TimeParser.iso8601(bytes: UnsafeBufferPointer($0)) }
        #expect(r?.length == 28)
        line = Array("Feb  5 08:33:12 host".utf8)
        let s = line.withUnsafeMutableBufferPointer { TimeParser.rfc3164(bytes: UnsafeBufferPointer($0), year: 2021) }
        #expect(s?.length == 15)
    }

    @Test func convertsWindowsFiletime() {
        #expect(Timestamp(filetime: 116_444_736_000_000_000) == Timestamp(nanoseconds: 0))
        // 2021-02-05T08:33:12.1234567Z
        #expect(Timestamp(filetime: 132_569_875_921_234_567)?.iso8601() == "2021-02-05T08:33:12.123456700Z")
        #expect(Timestamp(filetime: UInt64.max) == nil)
    }

    @Test func convertsEpochSecondsAndOrders() {
        #expect(Timestamp(epochSeconds: 1_612_513_992.5) == Timestamp(nanoseconds: 1_612_513_992_500_000_000))
        #expect(Timestamp(epochSeconds: .nan) == nil)
        #expect(Timestamp(epochSeconds: 1e300) == nil)
        #expect(Timestamp(nanoseconds: -5).seconds == -1)
        #expect(Timestamp(nanoseconds: -5).subsecondNanos == 999_999_995)
        #expect(Timestamp(nanoseconds: 1) < Timestamp(nanoseconds: 2))
    }

    /// Hostile input: random bytes and truncations never crash a time parser, and what they accept is valid.
    @Test func survivesRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        let seeds = ["2021-02-05T08:33:12.123456+09:00", "Feb  5 08:33:12", "10/Oct/2000:13:55:36 -0700"]
        for _ in 0..<20_000 {
            var b = Array(seeds.randomElement(using: &rng)!.utf8)
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            b = Array(b.prefix(Int.random(in: 0...b.count, using: &rng)))
            b.withUnsafeBufferPointer { p in
                for c in [TimeParser.iso8601(bytes: p)?.time, TimeParser.rfc3164(bytes: p, year: 2021)?.time,
                          TimeParser.commonLog(bytes: p)?.time]
                {
                    if let c { #expect(c.isValid) }
                }
            }
        }
    }
}

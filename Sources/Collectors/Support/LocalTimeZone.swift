import Foundation
import JikochoModel

/// Turns local wall-clock times into instants for a declared zone (IANA name, `UTC`, or a fixed offset), with
/// daylight-saving gaps and overlaps reported, not guessed silently. Offsets are cached per local hour, so
/// millions of lines cost a dictionary look-up each.
public final class LocalTimeZone {
    public enum Resolution: Equatable, Sendable {
        case exact
        /// The local time happened twice (clocks set back); the earlier instant was taken.
        case ambiguous
        /// The local time never happened (clocks set forward); read with the offset before the change.
        case nonexistent
    }

    public let spec: String
    private let fixedOffset: Int?
    private let zone: TimeZone?
    private var cache: [Int64: (offset: Int, resolution: Resolution)] = [:]

    /// Nil when the zone is unknown.
    public init?(_ spec: String) {
        self.spec = spec
        if let z = TimeZone(identifier: spec) {
            zone = z
            fixedOffset = nil
        } else {
            var s = Array(spec.utf8)
            guard let off = s.withUnsafeMutableBufferPointer({ b -> Int? in
                var c = TimeParser.Cursor(UnsafeBufferPointer(b))
                let o = c.utcOffset()
                return c.index == b.count ? o : nil
            }) else { return nil }
            fixedOffset = off
            zone = nil
        }
    }

    /// The instant of a local time, or nil when the fields are out of range.
    public func timestamp(_ c: CivilTime) -> (Timestamp, Resolution)? {
        if c.utcOffsetSeconds != nil { return c.timestamp().map { ($0, .exact) } }
        guard let asUTC = c.timestamp(assumingOffset: 0) else { return nil }
        if let fixedOffset { return (asUTC + Int64(-fixedOffset) * Timestamp.nanosPerSecond, .exact) }
        let local = asUTC.seconds
        let hourKey = local >= 0 ? local / 3600 : (local - 3599) / 3600
        let (offset, resolution) = cache[hourKey] ?? resolve(localSeconds: hourKey * 3600, key: hourKey)
        return (asUTC + Int64(-offset) * Timestamp.nanosPerSecond, resolution)
    }

    /// For a local time that happened twice, the later of its two instants (`timestamp` gives the earlier).
    public func laterInstant(_ c: CivilTime) -> Timestamp? {
        guard let zone, c.utcOffsetSeconds == nil, let asUTC = c.timestamp(assumingOffset: 0) else { return nil }
        let l = asUTC.seconds
        func off(_ utc: Int64) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) }
        let candidates = Set([off(l - 86_400), off(l + 86_400), off(l)])
        guard let smallest = candidates.filter({ off(l - Int64($0)) == $0 }).min() else { return nil }
        return asUTC + Int64(-smallest) * Timestamp.nanosPerSecond
    }

    private func resolve(localSeconds l: Int64, key: Int64) -> (offset: Int, resolution: Resolution) {
        guard let zone else { return (0, .exact) }
        func off(_ utc: Int64) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) }
        // Candidates: the offsets in force a day either side; a local time is valid under offset o when the zone's
        // offset at (l - o) is o.
        let candidates = Set([off(l - 86_400), off(l + 86_400), off(l)])
        let valid = candidates.filter { off(l - Int64($0)) == $0 }.sorted()
        let result: (Int, Resolution)
        switch valid.count {
        case 1: result = (valid[0], .exact)
        case 0: result = (off(l - 86_400), .nonexistent)
        default: result = (valid.last!, .ambiguous)    // the larger offset is the earlier instant
        }
        cache[key] = result
        return result
    }
}

/// How to put a clock right: `corrected = recorded + offset + drift × (recorded − epoch)`.
///
/// `offset` is what to add to the clock's recorded time at `epoch`; `drift` is how fast the clock loses time
/// (parts per billion: a clock that loses 1 s a day has a drift of +11,574 ppb, since that much must be added per
/// unit of elapsed time). A zero correction leaves times as recorded.
public struct ClockCorrection: Hashable, Codable, Sendable {
    public var offsetNanos: Int64
    public var driftPPB: Int64
    /// The recorded time at which `offset` holds exactly (the middle of the pairs for an estimate).
    public var epochNanos: Int64

    public init(offsetNanos: Int64 = 0, driftPPB: Int64 = 0, epochNanos: Int64 = 0) {
        self.offsetNanos = offsetNanos
        self.driftPPB = driftPPB
        self.epochNanos = epochNanos
    }

    public static let none = ClockCorrection()

    public var isNone: Bool { offsetNanos == 0 && driftPPB == 0 }

    /// The corrected instant of a recorded one.
    /// Times stop at the ends of what an Int64 holds rather than wrap round (a clock that said 2262, put forward,
    /// must not land in 1677).
    public func apply(_ recorded: Int64) -> Int64 {
        let shifted = Self.saturating(recorded, offsetNanos)
        guard driftPPB != 0 else { return shifted }
        return Self.saturating(shifted, driftTerm(recorded))
    }

    static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    public func apply(_ t: Timestamp) -> Timestamp { Timestamp(nanoseconds: apply(t.nanoseconds)) }

    /// The recorded instant that corrects to `corrected` (the inverse of `apply`; with drift, found by iterating,
    /// which converges at once since the drift term changes by parts per million of the step).
    public func recorded(_ corrected: Int64) -> Int64 {
        let back = offsetNanos == .min ? Int64.max : -offsetNanos
        var r = Self.saturating(corrected, back)
        guard driftPPB != 0 else { return r }
        for _ in 0..<4 { r = Self.saturating(Self.saturating(corrected, back), -driftTerm(r)) }    // |drift term| ≤ 9·10^18
        return r
    }

    func driftTerm(_ recorded: Int64) -> Int64 {
        // The same arithmetic as the SQL that corrects stored events: elapsed × (ppb / 1e9), rounded half away.
        let (elapsed, overflow) = recorded.subtractingReportingOverflow(epochNanos)
        let d = ((overflow ? Double(recorded) - Double(epochNanos) : Double(elapsed)) * (Double(driftPPB) / 1e9)).rounded()
        return Int64(max(-9.0e18, min(9.0e18, d)))
    }

    /// `+97.000 s`, `-0.250 s, drift +11.6 ppm`.
    public var description: String {
        var s = Self.seconds(offsetNanos)
        if driftPPB != 0 {
            let ppm = Double(driftPPB) / 1000
            s += ", drift " + (ppm >= 0 ? "+" : "") + Self.format(ppm, 3) + " ppm"
        }
        return s
    }

    public static func seconds(_ nanos: Int64) -> String {
        (nanos >= 0 ? "+" : "-") + format(Double(nanos.magnitude) / 1e9, 3) + " s"
    }

    /// A decimal with `digits` places, without exponent notation.
    public static func format(_ v: Double, _ digits: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64(max(-9.0e18, min(9.0e18, (v * Double(scale)).rounded())))
        let m = scaled.magnitude
        var text = (scaled < 0 ? "-" : "") + String(m / UInt64(scale))
        if digits > 0 {
            let frac = String(m % UInt64(scale))
            text += "." + String(repeating: "0", count: digits - frac.count) + frac
        }
        return text
    }
}

/// Where a clock's correction came from.
public enum ClockSource: String, Codable, Sendable {
    /// No correction known: times are taken as recorded.
    case none
    /// The clock others are measured against (captures by default).
    case reference
    /// Set by the investigator, with a reason, in custody.
    case investigator
    /// Estimated from pairs of observations, accepted into the case.
    case estimate
}

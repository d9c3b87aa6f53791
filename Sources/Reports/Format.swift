import JikochoModel

/// Numbers as a report prints them.
enum Fmt {
    /// `+96.876 s`, `-3.500 s`: a correction or a shift.
    static func signed(_ nanos: Int64) -> String { ClockCorrection.seconds(nanos) }

    /// `0.458 s`: a length of time or an uncertainty.
    static func duration(_ nanos: Int64) -> String { ClockCorrection.format(Double(nanos.magnitude) / 1e9, 3) + " s" }

    /// A value from evidence: `100` rather than `100.0`, text as it is.
    static func value(_ v: JSONValue) -> String {
        if case .double(let d) = v, d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return v.text
    }
}

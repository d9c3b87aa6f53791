import JikochoModel

/// Numbers as a report prints them.
enum Fmt {
    /// `+96.876 s`, `-3.500 s`: a correction or a shift.
    static func signed(_ nanos: Int64) -> String { ClockCorrection.seconds(nanos) }

    /// `0.458 s`: a length of time or an uncertainty.
    static func duration(_ nanos: Int64) -> String { ClockCorrection.format(Double(nanos.magnitude) / 1e9, 3) + " s" }

    /// `5 min 23 s`, `2 h 4 min`, `0.458 s`: a span as a person says it.
    static func human(_ nanos: Int64) -> String {
        let s = Double(nanos.magnitude) / 1e9
        if s < 60 { return duration(nanos) }
        let total = Int(s.rounded())
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        if total < 86_400 { return "\(total / 3600) h \(total % 3600 / 60) min" }
        return "\(total / 86_400) d \(total % 86_400 / 3600) h"
    }

    /// A value from evidence: `100` rather than `100.0`, text as it is.
    static func value(_ v: JSONValue) -> String {
        if case .double(let d) = v, d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return v.text
    }
}

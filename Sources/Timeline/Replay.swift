import EvidenceStore
import Foundation
import JikochoModel
import Parsers

/// Lays out a replay of the timeline as swimlanes: one column per layer (IT, network, OT, process), each event in
/// its layer's column at its corrected time, the long quiet stretches folded into one line, and the events findings
/// rest on marked. Pure: the command does the waiting and the printing.
public struct ReplayLayout: Sendable {
    public static let lanes: [(Domain, String)] = [(.it, "IT"), (.network, "NETWORK"), (.ot, "OT"), (.process, "PROCESS")]
    public var laneWidth: Int
    /// Gaps longer than this (in timeline time) are folded into one line.
    public var foldGapNanos: Int64 = 10 * 60 * 1_000_000_000

    public init(laneWidth: Int = 34) { self.laneWidth = max(12, laneWidth) }

    public var header: String {
        "TIME (UTC)     " + Self.lanes.map { pad($0.1) }.joined(separator: " │ ")
    }

    func pad(_ s: String) -> String {
        if s.count > laneWidth { return String(s.prefix(laneWidth - 1)) + "…" }
        return s + String(repeating: " ", count: laneWidth - s.count)
    }

    /// What an event shows in its lane: a marker when a finding rests on it, then a short description.
    public func cell(_ e: Event, marked: Bool) -> String {
        var text = e.kind
        switch e.domain {
        case .process:
            text = e.message
        case .ot:
            // A write in any protocol: its points and values from the control facts.
            var detail = ""
            if let (_, writes) = ControlPoint.facts(e.attributes), !writes.isEmpty {
                detail = " " + (writes.first?.point ?? "") + (writes.count > 1 ? "…" : "")
                let vs = writes.map(\.value).filter { $0 != .null }
                if !vs.isEmpty { detail += " = " + vs.prefix(2).map(\.text).joined(separator: ",") }
            }
            text = "\(e.src.asset ?? e.src.ip ?? "?")→\(e.dst.asset ?? e.dst.ip ?? "?") \(e.kind.split(separator: ".").last ?? "")"
                + detail
        default:
            let who = e.user.map { " \($0)" } ?? ""
            text = "\(e.asset ?? e.host ?? e.src.ip ?? "?") \(e.kind)\(who)"
        }
        return (marked ? "▶ " : "") + text.terminalSafe
    }

    /// One line: the time, then the event's cell in its lane and blanks in the others.
    public func line(_ e: Event, marked: Bool) -> String {
        let t = e.time.iso8601(precision: .seconds)
        let clock = String(t.dropFirst(11).prefix(8))
        return clock + "       " + Self.lanes.map { d, _ in pad(d == e.domain ? cell(e, marked: marked) : "") }
            .joined(separator: " │ ")
    }

    /// A folded gap: `   … 2 h 13 min later`.
    public func gap(_ nanos: Int64) -> String? {
        guard nanos > foldGapNanos else { return nil }
        let s = Int(nanos / 1_000_000_000)
        let text = s >= 3600 ? "\(s / 3600) h \(s % 3600 / 60) min" : "\(s / 60) min"
        return "   … \(text) later"
    }

    /// The date line printed when the day changes.
    public func day(_ t: Timestamp) -> String { "── " + String(t.iso8601(precision: .seconds).prefix(10)) + " " + String(repeating: "─", count: 20) }
}

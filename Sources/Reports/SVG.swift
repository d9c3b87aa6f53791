import Foundation
import JikochoModel

/// Inline SVG drawings for the HTML report: process values with the writes that moved them, and swimlanes.
/// Every string that comes from evidence passes through `HTML.escape`; numbers are formatted here.
enum SVG {
    static func num(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// A value as a person reads it on an axis: 11100, 7.25, 0.012.
    static func value(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1000 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v).replacingOccurrences(of: ".0", with: "") }
        if a >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3g", v)
    }

    /// `18:31`, `18:31:12` for short windows.
    static func clock(_ ns: Int64, seconds: Bool) -> String {
        let t = Timestamp(nanoseconds: ns).iso8601(precision: .seconds)
        let hms = t.split(separator: "T").last.map { String($0.dropLast()) } ?? t
        return seconds ? hms : String(hms.prefix(5))
    }

    /// Tick times: a round step (1 s … 1 day) giving at most `max` ticks in [from, to].
    static func ticks(from: Int64, to: Int64, max: Int = 9) -> (times: [Int64], seconds: Bool) {
        let span = Swift.max(1, to - from)
        let steps: [Int64] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
            .map { $0 * 1_000_000_000 }
        let step = steps.first { span / $0 <= Int64(max) } ?? steps.last!
        var t = (from / step + 1) * step
        var out: [Int64] = []
        while t < to, out.count < 100 {
            out.append(t)
            t += step
        }
        return (out, step < 60_000_000_000)
    }

    // MARK: - Process plot

    static func processPlot(_ impact: ProcessImpact) -> String {
        let w = 960.0, left = 176.0, right = 14.0, top = 30.0, panel = 92.0, gap = 16.0, bottom = 30.0
        let n = Double(impact.series.count)
        let h = top + n * panel + max(0, n - 1) * gap + bottom
        let span = Double(max(1, impact.to - impact.from))
        func x(_ t: Int64) -> Double { left + (w - left - right) * Double(t - impact.from) / span }
        var s = "<svg class=\"plot\" viewBox=\"0 0 \(num(w)) \(num(h))\" role=\"img\" aria-label=\"Process values around the change\" xmlns=\"http://www.w3.org/2000/svg\">"
        // Grid and time axis.
        let (ticks, secs) = ticks(from: impact.from, to: impact.to)
        for t in ticks {
            s += "<line x1=\"\(num(x(t)))\" y1=\"\(num(top))\" x2=\"\(num(x(t)))\" y2=\"\(num(h - bottom))\" class=\"grid\"/>"
            s += "<text x=\"\(num(x(t)))\" y=\"\(num(h - bottom + 16))\" class=\"tick\" text-anchor=\"middle\">\(clock(t, seconds: secs))</text>"
        }
        s += "<text x=\"\(num(w - right))\" y=\"\(num(h - 2))\" class=\"tick\" text-anchor=\"end\">UTC, corrected</text>"
        for (i, series) in impact.series.enumerated() {
            let y0 = top + Double(i) * (panel + gap)
            var lo = series.points.map(\.1).min() ?? 0, hi = series.points.map(\.1).max() ?? 1
            if let l = series.low { lo = min(lo, l) }
            if let u = series.high { hi = max(hi, u) }
            if hi - lo < 1e-9 {
                let d = max(abs(hi) * 0.05, 0.5)
                hi += d; lo -= d
            }
            let pad = (hi - lo) * 0.08
            lo -= pad; hi += pad
            func y(_ v: Double) -> Double { y0 + panel - panel * (v - lo) / (hi - lo) }
            s += "<rect x=\"\(num(left))\" y=\"\(num(y0))\" width=\"\(num(w - left - right))\" height=\"\(num(panel))\" class=\"panel\"/>"
            let shown = series.name.count > 18 ? String(series.name.prefix(17)) + "…" : series.name
            s += "<text x=\"4\" y=\"\(num(y0 + 16))\" class=\"sname\"><title>\(HTML.escape(series.name))</title>\(HTML.escape(shown))</text>"
            let unit = series.unit.map { HTML.escape($0) } ?? ""
            s += "<text x=\"4\" y=\"\(num(y0 + 31))\" class=\"tick\">\(unit)\(series.setpoint ? (unit.isEmpty ? "" : " · ") + "setpoint" : "")</text>"
            s += "<text x=\"4\" y=\"\(num(y0 + 46))\" class=\"tick\">\(series.samples) samples</text>"
            s += "<text x=\"\(num(left - 8))\" y=\"\(num(y(hi - pad) + 4))\" class=\"tick\" text-anchor=\"end\">\(value(hi - pad))</text>"
            s += "<text x=\"\(num(left - 8))\" y=\"\(num(y(lo + pad) + 4))\" class=\"tick\" text-anchor=\"end\">\(value(lo + pad))</text>"
            for (limit, name) in [(series.low, "low"), (series.high, "high")] {
                guard let l = limit else { continue }
                s += "<line x1=\"\(num(left))\" y1=\"\(num(y(l)))\" x2=\"\(num(w - right))\" y2=\"\(num(y(l)))\" class=\"limit\"/>"
                // The high label above its line, the low one below, so that close limits do not overprint.
                let ly = name == "high" ? y(l) - 3 : y(l) + 11
                s += "<text x=\"\(num(w - right - 4))\" y=\"\(num(ly))\" class=\"limitlabel\" text-anchor=\"end\">\(name) \(value(l))</text>"
            }
            if series.points.isEmpty {
                s += "<text x=\"\(num((left + w) / 2))\" y=\"\(num(y0 + panel / 2))\" class=\"tick\" text-anchor=\"middle\">no samples in this window</text>"
                continue
            }
            // Step line: a historian value holds until the next sample.
            var d = ""
            var prevY: Double?
            for (t, v) in series.points {
                let px = x(t), py = y(v)
                if let p = prevY { d += "L\(num(px)) \(num(p))L\(num(px)) \(num(py))" } else { d += "M\(num(px)) \(num(py))" }
                prevY = py
            }
            s += "<path d=\"\(d)\" class=\"\(series.setpoint ? "sp" : "pv")\"/>"
        }
        // Markers over every panel: the chain's writes numbered in red, the others grey.
        // Numbered circles closer than their width are moved right, each joined to its line by a short stroke.
        var lastCircle = -Double.infinity
        for m in impact.markers.sorted(by: { a, b in
            ((a.step != nil ? 1 : 0), a.time) < ((b.step != nil ? 1 : 0), b.time)
        }) {
            let px = x(m.time)
            let tip = "<title>\(HTML.escape(Timestamp(nanoseconds: m.time).iso8601(precision: .milliseconds))) \(HTML.escape(m.label)) [\(HTML.escape(m.citation.short))]</title>"
            if let step = m.step {
                let cx = max(px, lastCircle + 21)
                lastCircle = cx
                s += "<g class=\"mk chainmk\">\(tip)<line x1=\"\(num(px))\" y1=\"\(num(top - 4))\" x2=\"\(num(px))\" y2=\"\(num(h - bottom))\"/>"
                if cx != px {
                    s += "<line x1=\"\(num(px))\" y1=\"\(num(top - 4))\" x2=\"\(num(cx))\" y2=\"\(num(top - 8))\"/>"
                }
                s += "<circle cx=\"\(num(cx))\" cy=\"\(num(top - 14))\" r=\"10\"/><text x=\"\(num(cx))\" y=\"\(num(top - 10))\" text-anchor=\"middle\">\(step)</text></g>"
            } else {
                s += "<g class=\"mk othermk\">\(tip)<line x1=\"\(num(px))\" y1=\"\(num(top))\" x2=\"\(num(px))\" y2=\"\(num(h - bottom))\"/>"
                s += "<path d=\"M\(num(px - 5)) \(num(top - 9))L\(num(px + 5)) \(num(top - 9))L\(num(px)) \(num(top - 1))Z\"/></g>"
            }
        }
        return s + "</svg>"
    }

    // MARK: - Swimlanes

    static let lanes: [(Domain, String)] = [(.it, "IT"), (.network, "Network"), (.ot, "OT (control)"), (.process, "Process")]

    static func swimlanes(_ sl: Swimlanes, chain: ReportChain?) -> String {
        let w = 960.0, left = 130.0, right = 14.0, top = 30.0, lane = 46.0, bottom = 30.0
        let h = top + lane * Double(lanes.count) + bottom
        let span = Double(max(1, sl.to - sl.from))
        func x(_ t: Int64) -> Double { left + (w - left - right) * Double(t - sl.from) / span }
        func laneY(_ d: Domain) -> Double { top + lane * Double(lanes.firstIndex { $0.0 == d } ?? 0) }
        var s = "<svg class=\"lanes\" viewBox=\"0 0 \(num(w)) \(num(h))\" role=\"img\" aria-label=\"Events by layer\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, (d, name)) in lanes.enumerated() {
            let y0 = laneY(d)
            s += "<rect x=\"\(num(left))\" y=\"\(num(y0))\" width=\"\(num(w - left - right))\" height=\"\(num(lane))\" class=\"lane lane\(i % 2)\"/>"
            s += "<text x=\"\(num(left - 8))\" y=\"\(num(y0 + 20))\" class=\"sname\" text-anchor=\"end\">\(name)</text>"
            s += "<text x=\"\(num(left - 8))\" y=\"\(num(y0 + 35))\" class=\"tick\" text-anchor=\"end\">\(sl.counts[d] ?? 0) events</text>"
        }
        let (ticks, secs) = ticks(from: sl.from, to: sl.to)
        for t in ticks {
            s += "<line x1=\"\(num(x(t)))\" y1=\"\(num(top))\" x2=\"\(num(x(t)))\" y2=\"\(num(h - bottom))\" class=\"grid\"/>"
            s += "<text x=\"\(num(x(t)))\" y=\"\(num(h - bottom + 16))\" class=\"tick\" text-anchor=\"middle\">\(clock(t, seconds: secs))</text>"
        }
        s += "<text x=\"\(num(w - right))\" y=\"\(num(h - 2))\" class=\"tick\" text-anchor=\"end\">UTC, corrected</text>"
        // Ordinary events as thin ticks (one path per lane keeps the file small), findings' events taller.
        for (d, _) in lanes {
            let y0 = laneY(d)
            var plain = "", marked = ""
            var seen = Set<Int>()
            for e in sl.events where e.domain == d && e.step == nil {
                let px = x(e.time)
                let key = Int(px * 2) * 2 + (e.inFinding ? 1 : 0)
                guard seen.insert(key).inserted else { continue }
                if e.inFinding { marked += "M\(num(px)) \(num(y0 + 6))V\(num(y0 + lane - 6))" } else {
                    plain += "M\(num(px)) \(num(y0 + 14))V\(num(y0 + lane - 14))"
                }
            }
            if !plain.isEmpty { s += "<path d=\"\(plain)\" class=\"ev ev-\(d.rawValue)\"/>" }
            if !marked.isEmpty { s += "<path d=\"\(marked)\" class=\"evf\"/>" }
        }
        // The chain: numbered steps joined in order across the lanes.
        if let chain {
            let pts = chain.steps.compactMap { st -> (Double, Double, ReportStep)? in
                guard let e = sl.events.first(where: { $0.step == st.number }) else { return nil }
                return (x(e.time), laneY(e.domain) + lane / 2, st)
            }
            if pts.count > 1 {
                s += "<path d=\"" + pts.enumerated().map { i, p in "\(i == 0 ? "M" : "L")\(num(p.0)) \(num(p.1))" }.joined()
                    + "\" class=\"path\"/>"
            }
            for p in pts {
                let tip = "<title>\(p.2.number). \(HTML.escape(p.2.time.iso8601(precision: .milliseconds))) \(HTML.escape(p.2.kind)) on \(HTML.escape(p.2.asset ?? "?"))</title>"
                s += "<g class=\"stepmk\">\(tip)<circle cx=\"\(num(p.0))\" cy=\"\(num(p.1))\" r=\"10\"/>"
                s += "<text x=\"\(num(p.0))\" y=\"\(num(p.1 + 4))\" text-anchor=\"middle\">\(p.2.number)</text></g>"
            }
        }
        return s + "</svg>"
    }
}

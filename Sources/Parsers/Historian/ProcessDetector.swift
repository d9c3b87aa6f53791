import JikochoModel

/// What is known about a series beyond its samples (from the asset inventory): whether it is a setpoint, its
/// operating limits.
public struct SeriesProfile: Hashable, Sendable {
    public var isSetpoint: Bool?
    public var low: Double?
    public var high: Double?

    public init(isSetpoint: Bool? = nil, low: Double? = nil, high: Double? = nil) {
        self.isSetpoint = isSetpoint
        self.low = low
        self.high = high
    }
}

/// The knobs of the process-event detector. The defaults are written on every event they produce.
public struct ProcessDetectorOptions: Hashable, Sendable {
    /// Samples in the rolling baseline of a series.
    public var window = 512
    /// Samples learned before the first judgement; those samples are then judged against what was learned.
    public var warmup = 256
    /// The baseline is recomputed after this many new samples.
    public var recompute = 256
    /// Fraction trimmed from each end of the window for the band (outliers that slipped in do not widen it).
    public var trim = 0.005
    /// Fraction trimmed while warming up, when an anomaly may be among the first samples.
    public var warmupTrim = 0.02
    /// Band margin in units of the series' noise (robust σ of its increments).
    public var margin = 4.0
    /// The margin is at least this fraction of the band's width.
    public var marginFraction = 0.5
    /// A step is a change larger than this many times the largest usual increment of the window.
    public var stepFactor = 1.5
    /// A flatline is a run of identical values this many times longer than the longest usual run.
    public var flatlineFactor = 3.0
    /// … and at least this many samples.
    public var flatlineMinimum = 10
    /// A gap is an interval this many times the usual sampling interval of a regularly sampled series.
    public var gapFactor = 5.0
    /// Look for gaps in this series' times (off for wide exports, whose gaps are found once for all columns).
    public var gaps = true

    public init() {}

    /// The method and its parameters, as written on excursion events.
    public var excursionMethod: String {
        "band: trimmed range (\(trim * 100)% each end) of the last \(window) samples, widened to every range learned "
            + "before, ± max(\(margin)·σ of increments, \(marginFraction)·width); warm-up \(warmup) samples (trim "
            + "\(warmupTrim * 100)%)"
    }
}

/// One process event found in a series, before it becomes an `Event`.
public struct ProcessFinding: Sendable {
    public enum Kind: String, Sendable {
        case setpointChange = "process.setpoint_change"
        case excursion = "process.excursion"
        case step = "process.step"
        case flatline = "process.flatline"
        case quality = "process.quality"
        case stateChange = "process.state_change"
    }

    public var kind: Kind
    /// The first and last samples the event is about (the same sample for a change).
    public var start: Sample
    public var end: Sample
    /// Samples the event covers.
    public var count: Int
    public var summary: String
    public var attributes: [String: JSONValue]
}

/// Finds process events in one series, streaming: samples go in in time order, findings come out as soon as they
/// are known. Memory is bounded by the window, whatever the length of the series.
public struct SeriesDetector {
    public enum Role: String, Sendable { case undecided, analog, digital, setpoint }

    public let name: String
    public let options: ProcessDetectorOptions
    public let profile: SeriesProfile
    public private(set) var role: Role
    public private(set) var outOfOrder = 0
    public private(set) var duplicates = 0

    // Shared
    private var lastTime: Timestamp?
    private var lastValue: Double?
    private var lastText: String?
    private var lastLine = 0
    /// The time of the sample before the current one.
    private var previousTime: Timestamp?
    private var findings: [ProcessFinding] = []

    // Quality runs
    private var badStart: Sample?
    private var badLast: Sample?
    private var badCount = 0
    private var badTexts: [String: Int] = [:]
    private var badClasses: Set<String> = []

    // Gaps
    private var intervals = IntervalTracker()

    // Digital / setpoint state
    private var stateSince: Sample?
    private var warmupSamples: [Sample] = []
    private var distinct: Set<Double> = []

    // Analog baseline
    private var values: [Double] = []
    private var increments: [Double] = []
    private var ringPos = 0
    private var sinceRecompute = 0
    private var band: (lo: Double, hi: Double)?
    private var bandCore: (lo: Double, hi: Double) = (0, 0)
    private var noise = 0.0
    /// The widest trimmed range and the largest increment learned so far: what the series has done before is
    /// not an anomaly when it comes back.
    private var envelope: (lo: Double, hi: Double)?
    private var largestIncrement = 0.0
    /// The 98th percentile of the window's increments: a change no larger is the series' ordinary pace.
    private var usualIncrement = 0.0
    /// Samples the baseline has learned from, in all: steps and flatlines are judged only after half a window.
    private var learned = 0
    /// Values the series has rested at before (a stopped pump's flow of 0): a run there is not a frozen signal.
    private var restingValues: Set<Double> = []
    private var windowExtremes: (lo: Double, hi: Double) = (0, 0)
    /// Excursions reported above and below the band: from the third on one side, the series is taken to visit
    /// that range routinely and what it reached is learned (a rarely run pump, a daily pressure surge).
    private var excursionsAbove = 0
    private var excursionsBelow = 0
    private var stepThreshold = Double.infinity
    private var liveFraction = 0.0
    private var previousValue: Double?

    // Excursion
    private var excStart: Point?
    private var excLast: Point?
    private var excPeak: Point?
    private var excCount = 0
    private var excBand: (lo: Double, hi: Double) = (0, 0)
    private var excJump: Double?

    // Flatline
    private var runStart: Point?
    private var runLast: Point?
    private var runLength = 0
    private var longestRun = 1
    private var flat = false

    public init(name: String, profile: SeriesProfile = SeriesProfile(), options: ProcessDetectorOptions = .init()) {
        self.name = name
        self.options = options
        self.profile = profile
        let setpoint = profile.isSetpoint ?? HistorianValues.looksLikeSetpoint(name)
        role = setpoint ? .setpoint : .undecided
        if profile.low != nil || profile.high != nil {
            band = (profile.low ?? -.infinity, profile.high ?? .infinity)
        }
    }

    /// Takes the next sample; returns the findings it completes.
    public mutating func feed(_ s: Sample) -> [ProcessFinding] {
        findings.removeAll(keepingCapacity: true)
        if let lt = lastTime {
            if s.time < lt {
                outOfOrder += 1
                return []
            }
            if s.time == lt {
                duplicates += 1
                if s.value == lastValue && s.text == lastText { return [] }
            }
            if options.gaps {
                checkGap(from: Sample(time: lt, value: lastValue, text: lastText, line: lastLine), to: s)
            }
        }
        previousTime = lastTime
        lastTime = s.time
        lastValue = s.value
        if s.text != nil || lastText != nil { lastText = s.text }
        lastLine = s.line
        if s.quality != .good || (s.value == nil && s.text == nil) {
            if badStart == nil { badStart = s }
            badLast = s
            badCount += 1
            badClasses.insert(s.quality.description)
            if let t = s.qualityText ?? s.text, badTexts.count < 16 || badTexts[t] != nil { badTexts[t, default: 0] += 1 }
            // A bad sample's value is not the process: it neither teaches the baseline nor raises events.
            if s.quality == .bad || (s.value == nil && s.text == nil) { return findings }
        } else if badStart != nil {
            closeBadRun(next: s)
        }
        switch role {
        case .setpoint: setpoint(s)
        case .digital: digital(s)
        case .analog: analog(s)
        case .undecided: decide(s)
        }
        return findings
    }

    /// Ends the series: open runs (an excursion, a flatline, bad quality) are reported as lasting to the end.
    public mutating func finish() -> [ProcessFinding] {
        findings.removeAll(keepingCapacity: true)
        if role == .undecided, !warmupSamples.isEmpty {
            let pending = warmupSamples
            warmupSamples = []
            chooseRole(from: pending)
            for s in pending { replay(s) }
        }
        if role == .analog, band == nil, warmSamples.count >= 16 { judgeWarmup() }
        if badStart != nil { closeBadRun(next: nil) }
        if excStart != nil { closeExcursion(next: nil, reason: "still outside its band at the end of the export") }
        if flat { closeFlatline(next: nil) }
        return findings
    }

    // MARK: Roles

    private mutating func decide(_ s: Sample) {
        warmupSamples.append(s)
        if s.text != nil || warmupSamples.count >= options.warmup {
            let pending = warmupSamples
            warmupSamples = []
            chooseRole(from: pending)
            for p in pending { replay(p) }
        }
    }

    private mutating func replay(_ s: Sample) {
        switch role {
        case .setpoint: setpoint(s)
        case .digital: digital(s)
        case .analog: analog(s)
        case .undecided: break
        }
    }

    /// Digital: text states, or whole numbers with at most four distinct values (0/1 pump states, valve positions).
    private mutating func chooseRole(from samples: [Sample]) {
        let numbers = samples.compactMap(\.value)
        let texts = samples.filter { $0.value == nil && $0.text != nil }.count
        let whole = numbers.allSatisfy { $0 == $0.rounded() && abs($0) < 1e6 }
        let distinctValues = Set(numbers)
        if texts > numbers.count || (whole && distinctValues.count <= 4 && (texts > 0 || !numbers.isEmpty)) {
            role = .digital
            distinct = distinctValues
        } else {
            role = .analog
        }
        if band != nil, profile.low != nil || profile.high != nil { role = .analog }
    }

    /// Follows the state of a setpoint or a digital point: the sample before, when this one changes it.
    private mutating func changedState(_ s: Sample) -> Sample? {
        guard s.value != nil || s.text != nil else { return nil }
        defer { stateSince = s }
        guard let before = stateSince else { return nil }
        let changed = s.value != nil ? before.value != s.value : before.text != s.text
        return changed ? before : nil
    }

    private mutating func setpoint(_ s: Sample) {
        guard let before = changedState(s) else { return }
        var attrs: [String: JSONValue] = ["series": .string(name), "from_time": .string(before.time.iso8601Shortest())]
        var summary = "\(name) setpoint changed"
        if let old = before.value, let new = s.value {
            attrs["old"] = .double(old)
            attrs["new"] = .double(new)
            attrs["change"] = .double(new - old)
            if old != 0 {
                attrs["ratio"] = .double(new / old)
                summary += " from \(fmt(old)) to \(fmt(new)) (×\(fmt(new / old)))"
            } else {
                summary += " from \(fmt(old)) to \(fmt(new))"
            }
        } else {
            attrs["old"] = before.state
            attrs["new"] = s.state
            summary += " from \(before.stateText) to \(s.stateText)"
        }
        findings.append(ProcessFinding(kind: .setpointChange, start: s, end: s, count: 2, summary: summary,
                                       attributes: attrs))
    }

    private mutating func digital(_ s: Sample) {
        if let v = s.value {
            // A value that is not a state makes the series analog after all; what was seen seeds its baseline.
            if v != v.rounded() || (!distinct.contains(v) && distinct.count >= 8) {
                role = .analog
                if let since = stateSince?.value {
                    for _ in 0..<min(options.window, 64) { addToWindow(since, increment: 0) }
                    recompute(trim: options.trim)
                    previousValue = since
                }
                analog(s)
                return
            }
            distinct.insert(v)
        }
        guard let before = changedState(s) else { return }
        let attrs: [String: JSONValue] = [
            "series": .string(name), "from": before.state, "to": s.state,
            "previous_sample": .string(before.time.iso8601Shortest()),
        ]
        findings.append(ProcessFinding(kind: .stateChange, start: s, end: s, count: 2,
                                       summary: "\(name) changed state from \(before.stateText) to \(s.stateText)",
                                       attributes: attrs))
    }

    // MARK: Analog

    private mutating func analog(_ s: Sample) {
        guard let v = s.value, v.isFinite else { return }
        let increment = previousValue.map { abs(v - $0) } ?? 0
        defer { previousValue = v }
        let learning = band == nil
        if learning {
            addToWindow(v, increment: increment)
            warmSamples.append(s)
            if values.count >= options.warmup { judgeWarmup() }
            return
        }
        judge(s, v, increment: increment, addToBaseline: true)
    }

    private var warmSamples: [Sample] = []
    private var scratch: [Double] = []

    /// Learns the first band from the warm-up samples, then judges them against it (they are in the window
    /// already, so an anomaly among them is caught as long as it is a minority the trim removes).
    private mutating func judgeWarmup() {
        recompute(trim: options.warmupTrim)
        let warm = warmSamples
        warmSamples = []
        previousValue = nil
        for w in warm {
            judge(w, w.value!, increment: previousValue.map { abs(w.value! - $0) } ?? 0, addToBaseline: false)
            previousValue = w.value
        }
    }

    private mutating func judge(_ s: Sample, _ v: Double, increment: Double, addToBaseline: Bool) {
        guard let b = excStart != nil ? excBand : band else { return }
        var outside = v < b.lo || v > b.hi
        // Still learning: a value that creeps past the band (no jump larger than the series has made) is the
        // series showing more of its range, not an anomaly; it is learned at once.
        if outside, excStart == nil, learned < options.window, addToBaseline,
           profile.low == nil, profile.high == nil, increment <= Swift.max(usualIncrement, 3 * noise)
        {
            addToWindow(v, increment: increment)
            recompute(trim: options.trim)
            outside = false
            trackRun(s, v, accepted: true)
            return
        }
        if outside {
            let here = Point(time: s.time, value: v, line: s.line)
            if excStart == nil {
                excStart = here
                excPeak = here
                excCount = 0
                excBand = b
                excJump = previousValue.map { v - $0 }
            }
            excLast = here
            excCount += 1
            if deviation(v, excBand) > deviation(excPeak!.value, excBand) { excPeak = here }
            trackRun(s, v, accepted: false)
            if excCount > options.window, profile.low == nil, profile.high == nil {
                // A new level, not an excursion any more: report it and learn the series again from here.
                closeExcursion(next: nil, reason: "still outside after \(excCount) samples; the baseline was learned "
                               + "again from the new level")
                values.removeAll(keepingCapacity: true)
                increments.removeAll(keepingCapacity: true)
                ringPos = 0
                band = nil
            }
            return
        }
        // The jump back from an excursion belongs to it, as the jump into it does.
        let returned = excStart != nil
        if returned { closeExcursion(next: s, reason: nil) }
        // A frozen value that starts moving again jumps to where the process is: that jump belongs to the flatline.
        let wasFlat = flat
        let frozen = trackRun(s, v, accepted: true)
        let resumed = wasFlat && !flat
        if !resumed, !returned, increment > stepThreshold, previousValue != nil, learned >= options.window / 2 {
            var attrs: [String: JSONValue] = ["series": .string(name), "from": .double(previousValue!), "to": .double(v),
                                              "change": .double(v - previousValue!),
                                              "usual_largest_change": .double(stepThreshold / options.stepFactor),
                                              "threshold": .double(stepThreshold)]
            if let p = previousTime, p != s.time { attrs["previous_sample"] = .string(p.iso8601Shortest()) }
            findings.append(ProcessFinding(kind: .step, start: s, end: s, count: 2,
                                           summary: "\(name) stepped from \(fmt(previousValue!)) to \(fmt(v)) "
                                               + "(change \(fmt(v - previousValue!)); usual changes up to "
                                               + "\(fmt(stepThreshold / options.stepFactor)))",
                                           attributes: attrs))
        }
        if addToBaseline, !frozen, profile.low == nil && profile.high == nil {
            addToWindow(v, increment: increment)
            sinceRecompute += 1
            if sinceRecompute >= options.recompute { recompute(trim: options.trim) }
        }
    }

    private func deviation(_ v: Double, _ b: (lo: Double, hi: Double)) -> Double {
        v > b.hi ? v - b.hi : (v < b.lo ? b.lo - v : 0)
    }

    private mutating func addToWindow(_ v: Double, increment: Double) {
        learned += 1
        if values.count < options.window {
            values.append(v)
            increments.append(increment)
        } else {
            values[ringPos] = v
            increments[ringPos] = increment
            ringPos = (ringPos + 1) % options.window
        }
    }

    private mutating func recompute(trim: Double) {
        sinceRecompute = 0
        guard !values.isEmpty else { return }
        // Order statistics by selection in a reused buffer: no sort, no allocation (this runs every few samples of
        // every series).
        let n = values.count
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: values)
        let k = min(n / 2, Int((Double(n) * trim).rounded()))
        var lo = OrderStatistics.select(&scratch, k, in: 0..<n)
        var hi = OrderStatistics.select(&scratch, n - 1 - k, in: k..<n)
        let windowMin = k == 0 ? lo : scratch[0..<k].min()!
        let windowMax = scratch[(n - 1 - k)..<n].max()!
        if let e = envelope {
            lo = Swift.min(lo, e.lo)
            hi = Swift.max(hi, e.hi)
        }
        envelope = (lo, hi)
        windowExtremes = (windowMin, windowMax)
        // Increments (the first is a placeholder 0 when the window starts the series).
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: increments)
        let m = scratch.count
        let medianIncrement = OrderStatistics.select(&scratch, m / 2, in: 0..<m)
        let p98 = Swift.max(m / 2, Swift.min(m - 1, Int(Double(m) * 0.98)))
        usualIncrement = OrderStatistics.select(&scratch, p98, in: (m / 2)..<m)
        largestIncrement = Swift.max(largestIncrement, scratch[p98..<m].max()!)
        let largest = largestIncrement
        noise = medianIncrement / 0.954    // median |Δ| of white noise is 0.954σ
        let scale = Swift.max(abs(lo), abs(hi), 1e-12)
        let floor = Swift.max(1e-9, scale * 1e-4)
        let marginWidth = Swift.max(options.margin * noise, options.marginFraction * (hi - lo), floor)
        if profile.low == nil && profile.high == nil { band = (lo - marginWidth, hi + marginWidth) }
        bandCore = (lo, hi)
        stepThreshold = Swift.max(options.stepFactor * largest, options.margin * 2 * noise, floor * 10,
                                  0.25 * (hi - lo))
        var changing = 0
        for x in increments where x != 0 { changing += 1 }
        liveFraction = Double(changing) / Double(increments.count)
    }

    /// Follows runs of identical values; true while the value is frozen beyond the usual longest run.
    @discardableResult
    private mutating func trackRun(_ s: Sample, _ v: Double, accepted: Bool) -> Bool {
        let here = Point(time: s.time, value: v, line: s.line)
        if let rl = runLast, rl.value == v {
            runLast = here
            runLength += 1
        } else {
            if flat {
                closeFlatline(next: s)
            } else if accepted, let rv = runLast?.value {
                if runLength > longestRun { longestRun = runLength }
                if runLength >= 3, restingValues.count < 16 { restingValues.insert(rv) }
            }
            runStart = here
            runLast = here
            runLength = 1
        }
        let threshold = Swift.max(options.flatlineMinimum, Int((Double(longestRun) * options.flatlineFactor).rounded()))
        if !flat, band != nil, runLength >= threshold, liveFraction >= 0.1, learned >= options.window / 2,
           !restingValues.contains(v), !isRestingLevel(v)
        {
            flat = true
        }
        return flat
    }

    /// A stopped pump's 0, a closed valve's minimum, a full tank's maximum: where a series rests, not freezes.
    private func isRestingLevel(_ v: Double) -> Bool {
        v == 0 || v == windowExtremes.lo || v == windowExtremes.hi
    }

    private mutating func closeFlatline(next: Sample?) {
        flat = false
        guard let start = runStart, let end = runLast else { return }
        var attrs: [String: JSONValue] = [
            "series": .string(name), "value": .double(start.value), "samples": .int(Int64(runLength)),
            "usual_longest_run": .int(Int64(longestRun)),
            "threshold": .int(Int64(Swift.max(options.flatlineMinimum,
                                              Int((Double(longestRun) * options.flatlineFactor).rounded())))),
            "changing_fraction_before": .double(liveFraction),
        ]
        if let next {
            attrs["resumed_at"] = .string(next.time.iso8601Shortest())
            if let a = next.value { attrs["resume_change"] = .double(a - start.value) }
        } else {
            attrs["open"] = .bool(true)
        }
        findings.append(ProcessFinding(kind: .flatline, start: start.sample, end: end.sample, count: runLength,
                                       summary: "\(name) stopped changing: \(runLength) samples at \(fmt(start.value))"
                                           + " (usual longest run \(longestRun))" + (next == nil ? ", until the end of the export" : ""),
                                       attributes: attrs))
    }

    private mutating func closeExcursion(next: Sample?, reason: String?) {
        guard let start = excStart, let end = excLast, let peak = excPeak else { return }
        let b = excBand
        let direction = peak.value > b.hi ? "above" : "below"
        var attrs: [String: JSONValue] = [
            "series": .string(name), "direction": .string(direction),
            "band_low": .double(b.lo), "band_high": .double(b.hi),
            "peak": .double(peak.value), "peak_time": .string(peak.time.iso8601Shortest()),
            "samples": .int(Int64(excCount)), "start_value": .double(start.value), "end_value": .double(end.value),
        ]
        if profile.low != nil || profile.high != nil {
            attrs["method"] = .string("limits from the asset inventory")
        } else {
            attrs["method"] = .string(options.excursionMethod)
            attrs["usual_low"] = .double(bandCore.lo)
            attrs["usual_high"] = .double(bandCore.hi)
            attrs["noise_sigma"] = .double(noise)
        }
        if let j = excJump { attrs["jump"] = .double(j) }
        let earlier = direction == "above" ? excursionsAbove : excursionsBelow
        attrs["earlier_excursions_same_side"] = .int(Int64(earlier))
        if direction == "above" { excursionsAbove += 1 } else { excursionsBelow += 1 }
        if earlier + 1 >= 3, profile.low == nil, profile.high == nil, let e = envelope {
            envelope = (Swift.min(e.lo, peak.value), Swift.max(e.hi, peak.value))
            recompute(trim: options.trim)
        }
        if let next {
            attrs["returned_at"] = .string(next.time.iso8601Shortest())
            if let a = next.value { attrs["return_change"] = .double(a - end.value) }
        }
        if let reason { attrs["open"] = .bool(true); attrs["note"] = .string(reason) }
        let limit = direction == "above" ? b.hi : b.lo
        findings.append(ProcessFinding(
            kind: .excursion, start: start.sample, end: end.sample, count: excCount,
            summary: "\(name) went \(direction) its band [\(fmt(b.lo)), \(fmt(b.hi))] for \(excCount) sample"
                + (excCount == 1 ? "" : "s") + ", peak \(fmt(peak.value)) (\(fmt(abs(peak.value - limit))) beyond)"
                + (reason.map { "; \($0)" } ?? ""),
            attributes: attrs))
        excStart = nil
        excLast = nil
        excPeak = nil
        excCount = 0
    }

    // MARK: Quality and gaps

    private mutating func closeBadRun(next: Sample?) {
        guard let start = badStart, let end = badLast else { return }
        var attrs: [String: JSONValue] = [
            "series": .string(name), "issue": .string("bad quality"), "samples": .int(Int64(badCount)),
            "classes": .array(badClasses.sorted().map { .string($0) }),
        ]
        if !badTexts.isEmpty {
            attrs["quality_texts"] = .object(badTexts.mapValues { .int(Int64($0)) })
        }
        if let next { attrs["recovered_at"] = .string(next.time.iso8601Shortest()) }
        let texts = badTexts.sorted { $0.value > $1.value }.prefix(3).map(\.key).joined(separator: ", ")
        findings.append(ProcessFinding(kind: .quality, start: start, end: end, count: badCount,
                                       summary: "\(name): \(badCount) sample\(badCount == 1 ? "" : "s") of "
                                           + badClasses.sorted().joined(separator: "/") + " quality"
                                           + (texts.isEmpty ? "" : " (\(texts))"),
                                       attributes: attrs))
        badStart = nil
        badLast = nil
        badCount = 0
        badTexts = [:]
        badClasses = []
    }

    private mutating func checkGap(from a: Sample, to b: Sample) {
        intervals.gapFactor = options.gapFactor
        if let usual = intervals.gap(from: a.time, to: b.time) {
            findings.append(SeriesDetector.gap(series: name, from: a, to: b, usual: usual))
        }
    }

    /// A gap in a regularly sampled series (or in every column of a wide export, `series` "*").
    public static func gap(series: String, from a: Sample, to b: Sample, usual: Int64) -> ProcessFinding {
        let dt = b.time.nanoseconds &- a.time.nanoseconds    // checked by IntervalTracker.gap
        let missing = Int64(Swift.min((Double(dt) / Double(usual)).rounded(), 9e18)) - 1
        return ProcessFinding(
            kind: .quality, start: a, end: b, count: 2,
            summary: "\(series == "*" ? "every series" : series): no samples for \(duration(dt)) "
                + "(usually one every \(duration(usual)); about \(missing) missing)",
            attributes: ["series": .string(series), "issue": .string("gap"), "gap_seconds": .double(Double(dt) / 1e9),
                         "usual_interval_seconds": .double(Double(usual) / 1e9), "missing_samples": .int(missing)])
    }
}

extension Sample {
    /// The state a setpoint or digital sample holds: its number, else its text.
    fileprivate var state: JSONValue { value.map { .double($0) } ?? .string(text ?? "") }
    fileprivate var stateText: String { value.map(fmt) ?? text ?? "?" }
}

/// A sample of an analog series reduced to what the detector keeps of it (no strings to copy on the hot path).
struct Point {
    var time: Timestamp
    var value: Double
    var line: Int

    var sample: Sample { Sample(time: time, value: value, line: line) }
}

/// The usual interval of a stream of times, learned from the last 64 steps, and the steps far longer than it when
/// the stream is regular (most steps within 10% of the median): the gaps.
struct IntervalTracker {
    private var steps: [Int64] = []
    private var pos = 0
    private var usual: Int64?
    private var regular = false
    private var since = 0
    var gapFactor = 5.0

    /// The usual interval when the step from `a` to `b` is a gap; nil otherwise (the step is then learned).
    mutating func gap(from a: Timestamp, to b: Timestamp) -> Int64? {
        let (dt, overflow) = b.nanoseconds.subtractingReportingOverflow(a.nanoseconds)
        guard !overflow, dt > 0 else { return nil }
        if let u = usual, regular, Double(dt) > gapFactor * Double(u), dt - u >= 1_000_000_000 { return u }
        if steps.count < 64 { steps.append(dt) } else { steps[pos] = dt; pos = (pos + 1) % 64 }
        since += 1
        if steps.count >= 16, since >= 16 {
            since = 0
            let m = steps.sorted()[steps.count / 2]
            usual = m
            let near = steps.filter { abs(Double($0) - Double(m)) * 10 <= Double(m) }.count
            regular = near * 10 >= steps.count * 8
        }
        return nil
    }
}

/// Gaps in the rows of a wide export, where all columns share the row's time.
public struct RowGapDetector {
    private var intervals = IntervalTracker()
    private var last: Sample?
    public var gapFactor = 5.0

    public init() {}

    public mutating func feed(_ s: Sample) -> ProcessFinding? {
        defer { if last == nil || s.time >= last!.time { last = s } }
        guard let a = last else { return nil }
        intervals.gapFactor = gapFactor
        return intervals.gap(from: a.time, to: s.time).map { SeriesDetector.gap(series: "*", from: a, to: s, usual: $0) }
    }
}

/// A short, exact-enough rendering of a value for messages (the attributes keep the full value).
func fmt(_ v: Double) -> String {
    guard v.isFinite else { return "\(v)" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    let a = abs(v)
    if a < 1e-4 { return "\(v)" }    // 1e-09: Swift's shortest form keeps tiny values readable
    let digits = a >= 100 ? 2 : (a >= 1 ? 3 : (a >= 0.01 ? 4 : 6))
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    return "\(r)"
}

/// `3 h 20 min`, `45 s`.
func duration(_ ns: Int64) -> String {
    let s = ns / 1_000_000_000
    if s < 120 { return "\(s) s" }
    if s < 7_200 { return "\(s / 60) min" }
    if s < 172_800 { return "\(s / 3600) h" + (s % 3600 >= 60 ? " \((s % 3600) / 60) min" : "") }
    return "\(s / 86_400) d" + (s % 86_400 >= 3600 ? " \((s % 86_400) / 3600) h" : "")
}

/// The k-th smallest of a buffer's range, found in place by selection (Hoare's quickselect with a median-of-three
/// pivot): afterwards the elements of the range before k are no larger and those after no smaller.
enum OrderStatistics {
    static func select(_ a: inout [Double], _ k: Int, in range: Range<Int>) -> Double {
        var lo = range.lowerBound, hi = range.upperBound - 1
        precondition(range.contains(k))
        a.withUnsafeMutableBufferPointer { b in
            while hi > lo {
                let mid = lo + (hi - lo) / 2
                // Median of three as the pivot (NaN never reaches here: collectors give finite numbers).
                if b[mid] < b[lo] { b.swapAt(mid, lo) }
                if b[hi] < b[lo] { b.swapAt(hi, lo) }
                if b[hi] < b[mid] { b.swapAt(hi, mid) }
                let pivot = b[mid]
                var i = lo, j = hi
                while i <= j {
                    while b[i] < pivot { i += 1 }
                    while b[j] > pivot { j -= 1 }
                    if i <= j {
                        b.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j { hi = j } else if k >= i { lo = i } else { break }
            }
        }
        return a[k]
    }
}

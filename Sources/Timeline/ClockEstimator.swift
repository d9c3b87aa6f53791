import EvidenceStore
import Foundation
import JikochoModel
import Parsers

/// Where an observation is in the evidence: the item and the place inside it.
public struct EvidenceCite: Hashable, Sendable, Codable {
    public var evidenceID: Int64
    public var locator: String
    /// The event's row id, when the observation is an event.
    public var eventID: Int64?
}

/// One sighting of an action by one clock, as recorded.
struct Observation {
    var clock: String
    /// Recorded time (the clock's own).
    var time: Int64
    /// What identifies the action across clocks (`flow:10.20.3.15:49781>hmi-1:3389`).
    var key: String
    /// How long after the action this kind of sighting is expected (a historian scan sees a change half an
    /// interval later on average).
    var lag: Int64
    /// The sighting's own timing uncertainty (one scan interval, one second of syslog resolution…).
    var resolution: Int64
    var method: String
    var cite: EvidenceCite
    var summary: String
    /// The raw value the sighting shows (a write's value; a historian tag's value divided by its scale): two
    /// sightings with values pair only when the values agree.
    var value: Double?
    /// The value was written as an integer (a register), so a historian's scaled value rounds to it.
    var integral = false
    /// Recorded times between which the action certainly happened on this clock, when the sighting bounds it (a
    /// capture's write: its packet time; a historian's first sample showing a value: after the sample before it).
    var bounds: ClosedRange<Int64>?

    /// Whether two sightings' values are the same value (within what a scale and an export's rounding allow).
    func agrees(with other: Observation) -> Bool {
        guard let a = value, let b = other.value else { return value == nil && other.value == nil }
        let tolerance = max(1e-3 * max(abs(a), abs(b)), integral || other.integral ? 0.5 : 1e-9)
        return abs(a - b) <= tolerance
    }
}

/// A pair of sightings of the same action by two clocks, and what it says about their offset.
public struct ClockPair: Sendable, Codable {
    public var method: String
    public var reference: EvidenceCite
    public var referenceTime: Timestamp
    public var other: EvidenceCite
    public var otherTime: Timestamp
    /// What to add to the other clock's recorded time to agree with the reference, from this pair alone.
    public var offsetNanos: Int64
    /// This pair's difference from the fitted correction.
    public var residualNanos: Int64
    public var summary: String
}

/// A proposed correction for one clock.
public struct ClockEstimate: Sendable {
    public var clock: String
    /// The clock it was measured against directly (the reference, or a clock already placed).
    public var against: String
    public var correction: ClockCorrection
    /// ± the larger of the residuals' spread (1.4826 × MAD) and the sightings' own resolution.
    public var uncertaintyNanos: Int64
    public var pairs: [ClockPair]
    /// Recorded time spanned by the pairs.
    public var spanNanos: Int64
    public var methods: [String]
    /// The offset is larger than its uncertainty and worth applying.
    public var significant: Bool
    public var notes: [String]
    /// When every pair bounds the action in time (a write in a capture and the first historian sample showing its
    /// value): the offsets all pairs allow, their intersection. The estimate is its middle, the uncertainty half
    /// its width: a historian sampling every 10 s cannot be placed better than its sampling allows.
    public var interval: ClosedRange<Int64>?

    /// The estimate as stored with the clock (method, pairs, residuals).
    public var detail: JSONValue {
        .object([
            "against": .string(against), "methods": .array(methods.map { .string($0) }),
            "pairs": .int(Int64(pairs.count)), "span_ns": .int(spanNanos),
            "uncertainty_ns": .int(uncertaintyNanos),
            "interval_ns": interval.map { .array([.int($0.lowerBound), .int($0.upperBound)]) } ?? .null,
            "residuals_ns": .array(pairs.map { .int($0.residualNanos) }),
            "evidence": .array(pairs.prefix(50).map {
                .object(["method": .string($0.method),
                         "reference": .string("#\($0.reference.evidenceID) \($0.reference.locator)"),
                         "other": .string("#\($0.other.evidenceID) \($0.other.locator)")])
            }),
        ])
    }
}

extension ClockEstimate {
    /// `; the pairs' intervals put the offset between +2m 11.0s and +2m 12.3s (width 1.3 s)`, or nothing.
    public var intervalClause: String {
        guard let i = interval else { return "" }
        return "; the pairs' intervals put the offset between \(ClockCorrection.seconds(i.lowerBound)) and "
            + "\(ClockCorrection.seconds(i.upperBound)) (width \(ClockCorrection.format(Double(i.upperBound - i.lowerBound) / 1e9, 3)) s)"
    }
}

/// The outcome of an estimate over the whole case.
public struct ClockEstimation: Sendable {
    public var references: [String]
    public var estimates: [ClockEstimate]
    /// Clocks for which no pair of sightings was found, with what they would need.
    public var unpaired: [String: String]
    /// The reference chosen because the case has no capture and none was named (a firewall, else the busiest clock).
    public var chosenReference: String?
}

/// Estimates clock offsets from pairs of sightings of the same action by two clocks:
/// - a write, operate or command in a capture (any protocol's control facts: point and raw value) and the first
///   sample of the historian tag that point drives showing the value (through the inventory's tag map and scale:
///   raw × scale = the tag's new value); each such pair bounds the offset between the sample before and the
///   sample that shows the value, and the estimate is the intersection of those intervals;
/// - a TCP connection seen by a capture or a firewall (`302013`) and by another (same addresses and ports), and a
///   remote-desktop logon (4624 type 10) whose client address and port name that connection;
/// - a DNS query in a capture and the host's own record of it (Sysmon 22);
/// - a connection to a web server seen by a firewall or capture and the request in the server's access log (same
///   client, same server).
///
/// For each pair of clocks, the offset is the densest cluster of pair differences (so that a repeated action cannot
/// pair with the wrong repetition), then the median of the pairs in it; drift is fitted (Theil–Sen) when the pairs
/// span an hour or more and the slope stands out from the noise. Clocks are placed from the reference outwards,
/// each against the clock it shares the most pairs with.
extension ClockEstimation {
    /// Puts the estimates into the case: significant ones become the clock's correction; the others are recorded as
    /// checked (no correction, with their uncertainty), so that a report does not call them unexamined. A clock the
    /// investigator set is left alone unless its estimate is significant and `overrideInvestigator` is given.
    @discardableResult
    public func apply(to c: Case, overrideInvestigator: Bool = true) throws -> (applied: Int, checked: Int) {
        let known = Dictionary(try c.clocks().map { ($0.name, $0.source) }, uniquingKeysWith: { a, _ in a })
        var applied = 0, checked = 0
        if let r = chosenReference, known[r] == ClockSource.none {
            try c.setClock(r, correction: .none, source: .reference,
                           reason: "the reference of the estimates: the case has no capture; a firewall's clock, or the "
                               + "one with the most sightings, measures the others")
        }
        for e in estimates {
            if e.significant {
                if known[e.clock] == .investigator, !overrideInvestigator { continue }
                try c.setClock(e.clock, correction: e.correction, source: .estimate,
                               reason: "estimated against \(e.against) from \(e.pairs.count) pairs (\(e.methods.joined(separator: ", ")))"
                                   + e.intervalClause,
                               uncertaintyNanos: e.uncertaintyNanos, detail: e.detail)
                applied += 1
            } else if known[e.clock] != .investigator {
                try c.setClock(e.clock, correction: .none, source: .estimate,
                               reason: "checked against \(e.against) from \(e.pairs.count) pair\(e.pairs.count == 1 ? "" : "s") "
                                   + "(\(e.methods.joined(separator: ", "))): \(e.correction.description) is consistent with no correction",
                               uncertaintyNanos: e.uncertaintyNanos, detail: e.detail)
                checked += 1
            }
        }
        return (applied, checked)
    }
}

public struct ClockEstimator {
    public var window: Int64 = 2 * 3600 * 1_000_000_000
    /// Half the width of the cluster of differences searched for.
    public var tolerance: Int64 = 3_000_000_000
    public var references: [String]?

    public init(window: Int64 = 2 * 3600 * 1_000_000_000, references: [String]? = nil) {
        self.window = window
        self.references = references
    }

    public func estimate(_ c: Case) throws -> ClockEstimation {
        let clocks = try c.clocks()
        let clockOf = Dictionary(uniqueKeysWithValues: clocks.flatMap { info in info.items.map { ($0.evidenceID, info.name) } })
        var refs = references ?? clocks.filter(\.isReference).map(\.name)
        let (resolver, _) = try RegisterTypeInference.resolver(c)
        // Sightings pair one clock with another: when every item is on one clock and that clock is a reference, there
        // is nothing to estimate, and reading the case's events for sightings would only cost time and memory.
        let itemClocks = Set(clockOf.values)
        var obs: [Observation] = []
        if itemClocks.count > 1 || !itemClocks.isSubset(of: refs) {
            obs = try observations(c, clockOf: clockOf, resolver: resolver)
            obs += try historianObservations(c, clockOf: clockOf, resolver: resolver)
        }
        let byClock = Dictionary(grouping: obs, by: \.clock)
        // No capture and none named: a firewall's clock (network devices keep NTP time), else the clock with the
        // most sightings, is the reference.
        var chosen: String?
        if refs.isEmpty {
            let firewalls = Set(resolver.assets.filter { $0.role == .firewall }.map(\.name))
            chosen = byClock.keys.sorted().first { firewalls.contains($0) }
                ?? byClock.max { a, b in a.value.count != b.value.count ? a.value.count < b.value.count : a.key > b.key }?.key
            refs = chosen.map { [$0] } ?? []
        }

        // Pairwise fits between every two clocks that share keys.
        var fits: [String: [String: ClockEstimate]] = [:]
        let names = byClock.keys.sorted()
        for (i, a) in names.enumerated() {
            for b in names[(i + 1)...] {
                if let f = fit(reference: byClock[a]!, other: byClock[b]!, a: a, b: b) { fits[a, default: [:]][b] = f }
                if let f = fit(reference: byClock[b]!, other: byClock[a]!, a: b, b: a) { fits[b, default: [:]][a] = f }
            }
        }
        // Place clocks outwards from the references: each time, the unplaced clock with the most pairs to a placed one.
        var placed: [String: (ClockCorrection, Int64)] = [:]
        for r in refs { placed[r] = (.none, 0) }
        var estimates: [ClockEstimate] = []
        while true {
            var best: (from: String, est: ClockEstimate)?
            for (from, (_, _)) in placed {
                for (to, est) in fits[from] ?? [:] where placed[to] == nil {
                    if best == nil || est.pairs.count > best!.est.pairs.count
                        || (est.pairs.count == best!.est.pairs.count && est.uncertaintyNanos < best!.est.uncertaintyNanos)
                        || (est.pairs.count == best!.est.pairs.count && est.uncertaintyNanos == best!.est.uncertaintyNanos
                            && (to, from) < (best!.est.clock, best!.from)) {
                        best = (from, est)
                    }
                }
            }
            guard let (from, rel) = best else { break }
            let (base, baseUncertainty) = placed[from]!
            var e = rel
            // The other clock's time plus the relative offset is the placed clock's time, which its own correction
            // puts right in turn (offsets add; the placed clock's drift is applied at the pairs' epoch).
            e.correction.offsetNanos = rel.correction.offsetNanos + base.offsetNanos
                + (base.isNone ? 0 : base.apply(rel.correction.epochNanos) - rel.correction.epochNanos - base.offsetNanos)
            e.uncertaintyNanos = rel.uncertaintyNanos + baseUncertainty
            if let i = rel.interval {
                // Measured against a clock placed in its turn: the interval moves with that clock's correction.
                let shift = e.correction.offsetNanos - rel.correction.offsetNanos
                e.interval = (i.lowerBound + shift - baseUncertainty)...(i.upperBound + shift + baseUncertainty)
            }
            if !base.isNone {
                e.notes.append("placed through \(from), whose own correction is \(base.description)")
            }
            // Pairs that bound the offset settle it: the clock is off when their interval leaves zero out.
            if let i = e.interval {
                e.significant = !i.contains(0) && abs(e.correction.offsetNanos) >= 250_000_000
            } else {
                e.significant = abs(e.correction.offsetNanos) > max(2 * e.uncertaintyNanos, 1_000_000_000)
                    || e.correction.driftPPB != 0
            }
            placed[e.clock] = (e.correction, e.uncertaintyNanos)
            estimates.append(e)
        }
        var unpaired: [String: String] = [:]
        for info in clocks where placed[info.name] == nil {
            unpaired[info.name] = byClock[info.name] == nil
                ? "no sightings that another clock also records (controller writes to mapped points, connections, "
                    + "remote-desktop logons, DNS queries)"
                : "its sightings match none of a placed clock's"
        }
        return ClockEstimation(references: refs, estimates: estimates, unpaired: unpaired, chosenReference: chosen)
    }

    // MARK: Sightings

    func observations(_ c: Case, clockOf: [Int64: String], resolver: AssetResolver) throws -> [Observation] {
        var out: [Observation] = []
        // Points whose value the inventory reads its own way (a float over two Modbus registers): a write's value
        // there is that reading, as the historian's tag shows it.
        var typed: [String: Asset.TagMapping] = [:]
        for a in resolver.assets {
            for m in a.tagMap where m.registerType != nil {
                if let p = ControlPoint(parsing: m.point) { typed["\(a.name)|\(p.key)"] = m }
            }
        }
        let q = EventQuery(kinds: ["ics", "rdp.connect", "net.flow_start", "net.flow", "net.connection", "auth.logon",
                                   "dns.query", "net.dns_query", "web.request"])
        try c.forEachEvent(q) { s in
            let e = s.event
            guard let clock = clockOf[e.provenance.evidenceID] else { return }
            let cite = EvidenceCite(evidenceID: e.provenance.evidenceID, locator: e.provenance.locator, eventID: s.id)
            let t = e.recordedTime.nanoseconds
            func dstName(_ ep: Endpoint) -> String? { ep.asset ?? ep.ip }
            func add(_ key: String, method: String, lag: Int64 = 0, resolution: Int64) {
                out.append(Observation(clock: clock, time: t, key: key, lag: lag, resolution: resolution, method: method,
                                       cite: cite, summary: e.message))
            }
            if e.kind.hasPrefix("ics.") {
                // A write or command to a controller, in any protocol: one sighting per point written with a value.
                guard let (action, writes) = ControlPoint.facts(e.attributes), action != "select",
                      let plc = e.dst.asset ?? e.dst.ip else { return }
                for w in writes {
                    let key = ControlPoint(parsing: w.point)?.key ?? w.point
                    var v = ControlPoint.number(w.value)
                    var integral: Bool
                    switch w.value {
                    case .int, .bool: integral = true
                    default: integral = false
                    }
                    if !typed.isEmpty, let m = typed["\(plc)|\(key)"] {
                        v = m.rawValue(in: ChainBuilder.writtenPoints(e))?.value
                        integral = m.registerType?.kind != .float32
                    }
                    guard let v else { continue }
                    var o = Observation(clock: clock, time: t, key: "write:\(plc):\(key)", lag: 0, resolution: 1_000_000,
                                        method: "write~historian", cite: cite, summary: e.message)
                    o.value = v
                    o.integral = integral
                    o.bounds = t...t
                    out.append(o)
                }
                return
            }
            let syslogResolution: Int64 = e.provenance.collector.hasPrefix("log/syslog") ? 1_000_000_000 : 1_000_000
            switch e.kind {
            // A connection as the network saw it, or as the host that made it logged it (Sysmon 3 and the like).
            case "rdp.connect", "net.flow_start", "net.flow", "net.connection":
                guard let sip = e.src.ip, let sport = e.src.port, let d = dstName(e.dst), let dport = e.dst.port
                else { return }
                add("flow:\(sip):\(sport)>\(d):\(dport)", method: "connection", resolution: syslogResolution)
                // A connection to a web server: the request the server's access log has from that client.
                if [80, 443, 8080, 8443].contains(dport), let server = e.dst.asset {
                    add("web:\(sip)>\(server)", method: "connection~web-request", resolution: syslogResolution)
                }
            case "web.request":
                guard let client = e.src.ip,
                      let server = e.asset ?? resolver.asset(host: e.host) ?? resolver.observers[e.provenance.evidenceID]
                else { return }
                add("web:\(client)>\(server)", method: "connection~web-request", resolution: 1_000_000_000)
            case "auth.logon":
                // A remote-desktop logon names its client's address and port: the connection the capture saw.
                guard case .string(let type)? = e.attributes["winlog"].flatMap({ Self.path($0, ["event_data", "LogonType"]) })
                        ?? e.attributes["LogonType"], type == "10",
                      let sip = e.src.ip, let sport = e.src.port, let host = e.asset ?? resolver.asset(host: e.host)
                else { return }
                add("flow:\(sip):\(sport)>\(host):3389", method: "connection~rdp-logon", resolution: 3_000_000_000)
            case "dns.query", "net.dns_query":
                let name: String?
                if case .string(let q)? = e.attributes["query"] { name = q }
                else if case .string(let q)? = e.attributes["QueryName"] { name = q }
                else { name = e.attributes["winlog"].flatMap { Self.path($0, ["event_data", "QueryName"]) }?.text }
                guard let name else { return }
                let who = e.kind == "dns.query" ? (e.src.asset ?? e.src.ip) : (e.asset ?? resolver.asset(host: e.host))
                guard let who else { return }
                add("dns:\(who):\(name.lowercased())", method: "dns-query", resolution: 1_000_000_000)
            default:
                break
            }
        }
        return out
    }

    static func path(_ v: JSONValue, _ keys: [String]) -> JSONValue? {
        var cur = v
        for k in keys {
            guard case .object(let o) = cur, let next = o[k] else { return nil }
            cur = next
        }
        return cur
    }

    /// Changes of historian tags that the inventory maps to controller registers, keyed like the writes: the raw
    /// value is the tag's new value divided by the mapping's scale.
    func historianObservations(_ c: Case, clockOf: [Int64: String], resolver: AssetResolver) throws -> [Observation] {
        var mappings: [String: (asset: String, point: String, scale: Double)] = [:]
        for a in resolver.assets {
            for m in a.tagMap {
                guard let point = ControlPoint(parsing: m.point), (m.scale ?? 1) != 0 else { continue }
                mappings[m.tag.lowercased()] = (a.name, point.key, m.scale ?? 1)
            }
        }
        guard !mappings.isEmpty else { return [] }
        var out: [Observation] = []
        for s in try c.series() {
            guard let m = mappings[s.info.tag.lowercased()], let clock = clockOf[s.evidenceID] else { continue }
            var previous: Double?
            var lastTime: Int64?
            var intervals: [Int64] = []
            var changes: [(time: Int64, value: Double, line: Int, before: Int64?, index: Int)] = []
            var count = 0
            var inOrder = true
            /// One sample, in time order: a change of value is dated between the sample before and this one.
            func feed(_ time: Int64, _ value: Double?, _ line: Int) {
                count += 1
                if let l = lastTime, intervals.count < 512 { intervals.append(time - l) }
                let before = lastTime
                lastTime = time
                guard let v = value else { return }
                if let p = previous, p != v { changes.append((time, v, line, before, count - 1)) }
                previous = v
            }
            try c.forEachSample(series: s.id, recorded: true) { x in
                if let l = lastTime, x.time.nanoseconds < l { inOrder = false }
                feed(x.time.nanoseconds, x.quality == .good ? x.value : nil, x.line)
            }
            if !inOrder {
                // Stored out of time order (rows merged or shuffled in the export; one listed newest first is turned
                // round when read): "the sample before" must be the one before in time, so the series is read again
                // and sorted, or left out when too long to sort in memory.
                guard count <= Self.maxSortedSamples else { continue }
                var all: [(time: Int64, index: Int, value: Double?, line: Int)] = []
                all.reserveCapacity(count)
                try c.forEachSample(series: s.id, recorded: true) { x in
                    all.append((x.time.nanoseconds, all.count, x.quality == .good ? x.value : nil, x.line))
                }
                all.sort { ($0.time, $0.index) < ($1.time, $1.index) }
                (previous, lastTime, intervals, changes, count) = (nil, nil, [], [], 0)
                for x in all { feed(x.time, x.value, x.line) }
            }
            guard count > 0 else { continue }
            // A tag that changes at most scans is a measurement, not a register someone writes: its changes pair with
            // nothing. But a measurement that a write took over (an instrument put in simulation, an input forced)
            // holds the written value far longer than it ever holds one on its own: the changes into such a hold are
            // the writes' sightings, and the only ones taken of such a tag.
            var sightings = changes
            if changes.count * 10 > count {
                let runs = changes.indices.map { i in (i + 1 < changes.count ? changes[i + 1].index : count) - changes[i].index }
                let usual = runs.sorted()[min(runs.count - 1, runs.count * 99 / 100)]
                let held = max(Self.heldMeasurementMinimum, 3 * usual)
                sightings = changes.indices.filter { runs[$0] >= held && runs[$0] * 2 < count }.map { changes[$0] }
            }
            intervals.sort()
            let interval = intervals.isEmpty ? 0 : intervals[intervals.count / 2]
            for ch in sightings {
                let raw = ch.value / m.scale
                guard raw.isFinite, abs(raw) < 9e15 else { continue }
                // The value was written after the sample before (which does not show it yet), less the time a
                // controller may take to apply it, and at or before this one.
                let gap = ch.before.map { ch.time - $0 } ?? interval
                var o = Observation(
                    clock: clock, time: ch.time, key: "write:\(m.asset):\(m.point)", lag: gap / 2,
                    resolution: max(gap / 2, 1_000_000), method: "write~historian",
                    cite: EvidenceCite(evidenceID: s.evidenceID, locator: "line \(ch.line)", eventID: nil),
                    summary: "\(s.info.tag) changes to \(ChainBuilder.number(ch.value))")
                o.value = raw
                o.bounds = ch.before.map { ($0 - Self.applyLatency)...ch.time }
                out.append(o)
            }
        }
        return out
    }

    /// The canonical text of a controller point in any accepted form (`40001` → `holding:40001`,
    /// `dnp3:g41:3` → `dnp3:ao:3`), or nil when it is none of them.
    public static func normalizedPoint(_ p: String) -> String? {
        ControlPoint(parsing: p)?.text
    }

    /// How long a controller may take to apply a written value before a historian can sample it (a scan cycle and
    /// the exchange with the historian's collector).
    static let applyLatency: Int64 = 250_000_000

    /// A mapped tag's series stored out of time order is sorted in memory up to this many samples (about 100 MB).
    static let maxSortedSamples = 4_000_000
    /// Samples a measured tag must hold a value for before the change into it is taken as a write's sighting (and
    /// at least three times the longest hold of the tag's own 99% of changes), as the detector's flatline minimum.
    static let heldMeasurementMinimum = 10

    // MARK: Fitting

    /// The correction that brings `other`'s clock `b` to `reference`'s clock `a`, or nil without pairs.
    func fit(reference: [Observation], other: [Observation], a: String, b: String) -> ClockEstimate? {
        let otherByKey = Dictionary(grouping: other, by: \.key)
        // Every candidate difference within the window, with the reference sighting it belongs to.
        var candidates: [(d: Int64, ref: Int, oth: Observation, refObs: Observation)] = []
        for (i, r) in reference.enumerated() {
            guard let matches = otherByKey[r.key] else { continue }
            for o in matches where r.agrees(with: o) {
                let d = (r.time - r.lag) - (o.time - o.lag)
                if abs(d) <= window { candidates.append((d, i, o, r)) }
            }
        }
        guard !candidates.isEmpty else { return nil }
        candidates.sort { $0.d < $1.d }
        // Sightings coarser than the tolerance (a historian sampling every 10 s) widen the cluster searched for.
        let tolerance = max(self.tolerance, candidates.map { max($0.oth.resolution, $0.refObs.resolution) }.max() ?? 0)
        // The densest cluster: the width-2·tolerance window holding the most distinct reference sightings. The
        // window slides over the sorted differences counting each reference sighting in it, so that a capture and a
        // firewall that both saw a million connections take a million steps, not a million squared.
        var bestStart = 0, bestCount = 0, bestSpread = Int64.max
        var j = 0
        var inWindow: [Int: Int] = [:]
        var distinct = 0
        for i in candidates.indices {
            inWindow[candidates[i].ref, default: 0] += 1
            if inWindow[candidates[i].ref] == 1 { distinct += 1 }
            while candidates[j].d < candidates[i].d - 2 * tolerance {
                let r = candidates[j].ref
                inWindow[r]! -= 1
                if inWindow[r] == 0 { distinct -= 1 }
                j += 1
            }
            let spread = candidates[i].d - candidates[j].d
            if distinct > bestCount || (distinct == bestCount && spread < bestSpread) {
                bestCount = distinct
                bestStart = j
                bestSpread = spread
                _ = i
            }
        }
        let lower = candidates[bestStart].d
        let inCluster = candidates.filter { $0.d >= lower && $0.d <= lower + 2 * tolerance }
        let center = Self.median(inCluster.map(\.d))
        // One pair per reference sighting and per other sighting: the closest to the cluster's centre.
        var usedOther = Set<String>()
        var chosen: [(d: Int64, r: Observation, o: Observation)] = []
        for group in Dictionary(grouping: inCluster, by: \.ref).values.sorted(by: { $0[0].ref < $1[0].ref }) {
            for cand in group.sorted(by: { abs($0.d - center) < abs($1.d - center) }) {
                let id = "\(cand.oth.cite.evidenceID)|\(cand.oth.cite.locator)|\(cand.oth.key)"
                if usedOther.contains(id) { continue }
                usedOther.insert(id)
                chosen.append((cand.d, cand.refObs, cand.oth))
                break
            }
        }
        guard !chosen.isEmpty else { return nil }
        chosen.sort { $0.o.time < $1.o.time }
        let times = chosen.map(\.o.time)
        let span = (times.last ?? 0) - (times.first ?? 0)
        let epoch = Self.median(times)
        var correction = ClockCorrection(offsetNanos: Self.median(chosen.map(\.d)), driftPPB: 0, epochNanos: epoch)
        var notes: [String] = []
        let resolution = chosen.map { max($0.r.resolution, $0.o.resolution) }.max() ?? 0
        func residuals(_ c: ClockCorrection) -> [Int64] {
            chosen.map { $0.d - (c.apply($0.o.time) - $0.o.time) }
        }
        var noise = Int64(1.4826 * Double(Self.median(residuals(correction).map { abs($0) })))
        // Drift: Theil–Sen slope of the differences over the other clock's time, when the pairs span an hour or more
        // and the drift over the span stands out from what is left once it is taken out.
        if chosen.count >= 4, span >= 3600 * 1_000_000_000, let drifted = Self.driftFit(chosen.map { ($0.o.time, $0.d) }, epoch: epoch) {
            let newNoise = Int64(1.4826 * Double(Self.median(residuals(drifted).map { abs($0) })))
            let over = abs(Double(drifted.driftPPB) / 1e9) * Double(span)
            if over > 3 * Double(max(newNoise, resolution)), newNoise < noise {
                // Pair again along the drifting line: repetitions far from the first cluster's centre now fit.
                var used = Set<String>()
                var again: [(d: Int64, r: Observation, o: Observation)] = []
                for group in Dictionary(grouping: candidates, by: \.ref).values.sorted(by: { $0[0].ref < $1[0].ref }) {
                    let best = group.map { c in (c, abs(c.d - (drifted.apply(c.oth.time) - c.oth.time))) }
                        .filter { $0.1 <= tolerance }.sorted { $0.1 < $1.1 }
                    for (cand, _) in best {
                        let id = "\(cand.oth.cite.evidenceID)|\(cand.oth.cite.locator)|\(cand.oth.key)"
                        if used.contains(id) { continue }
                        used.insert(id)
                        again.append((cand.d, cand.refObs, cand.oth))
                        break
                    }
                }
                again.sort { $0.o.time < $1.o.time }
                chosen = again
                correction = Self.driftFit(chosen.map { ($0.o.time, $0.d) }, epoch: epoch) ?? drifted
                noise = Int64(1.4826 * Double(Self.median(residuals(correction).map { abs($0) })))
                notes.append("drift fitted: \(ClockCorrection.format(Double(correction.driftPPB) / 1000, 3)) ppm over "
                             + "\(ClockCorrection.format(Double(span) / 3.6e12, 1)) h of pairs")
            }
        }
        // Pairs that bound the action in time: the offset lies in every pair's interval, so in their intersection.
        var interval: ClosedRange<Int64>?
        if correction.driftPPB == 0, chosen.allSatisfy({ $0.r.bounds != nil && $0.o.bounds != nil }) {
            var lo = Int64.min, hi = Int64.max
            for p in chosen {
                lo = max(lo, p.r.bounds!.lowerBound - p.o.bounds!.upperBound)
                hi = min(hi, p.r.bounds!.upperBound - p.o.bounds!.lowerBound)
            }
            if lo <= hi {
                interval = lo...hi
                correction.offsetNanos = lo / 2 + hi / 2 + (lo % 2 + hi % 2) / 2
                noise = 0
                notes.append("the offset lies in the intersection of \(chosen.count) pair\(chosen.count == 1 ? "" : "s")' "
                             + "intervals, \(ClockCorrection.format(Double(hi - lo) / 1e9, 3)) s wide; the estimate is its middle")
            } else {
                notes.append("the pairs' intervals do not overlap (a drifting clock, or a value written twice): the "
                             + "median of the pairs is taken")
            }
        }
        let res = residuals(correction)
        let pairs = zip(chosen, res).map { p, r in
            ClockPair(method: p.r.method == p.o.method ? p.r.method : "\(p.r.method)/\(p.o.method)",
                      reference: p.r.cite, referenceTime: Timestamp(nanoseconds: p.r.time), other: p.o.cite,
                      otherTime: Timestamp(nanoseconds: p.o.time), offsetNanos: p.d, residualNanos: r,
                      summary: "\(p.r.summary) ~ \(p.o.summary)")
        }
        if chosen.count < 3 { notes.append("only \(chosen.count) pair\(chosen.count == 1 ? "" : "s"): weak evidence") }
        if inCluster.count < candidates.count {
            notes.append("\(candidates.count - inCluster.count) candidate pairing\(candidates.count - inCluster.count == 1 ? "" : "s") "
                         + "outside the agreeing cluster left out")
        }
        let methods = Array(Set(pairs.map(\.method))).sorted()
        if methods.contains(where: { $0.contains("rdp-logon") }) {
            notes.append("a logon is written seconds after its connection opens: offsets from logons carry that lag")
        }
        let uncertainty = interval.map { ($0.upperBound - $0.lowerBound + 1) / 2 } ?? max(noise, resolution)
        return ClockEstimate(clock: b, against: a, correction: correction, uncertaintyNanos: uncertainty,
                             pairs: pairs, spanNanos: span, methods: methods, significant: false, notes: notes,
                             interval: interval)
    }

    /// Theil–Sen: the median of the pairwise slopes (at most 20,000 of them), then the median offset at `epoch`.
    static func driftFit(_ points: [(t: Int64, d: Int64)], epoch: Int64) -> ClockCorrection? {
        var slopes: [Double] = []
        let stride = max(1, points.count * points.count / 40_000)
        var n = 0
        for x in 0..<points.count {
            for y in (x + 1)..<points.count where points[y].t != points[x].t {
                n += 1
                if n % stride != 0 { continue }
                slopes.append(Double(points[y].d - points[x].d) / Double(points[y].t - points[x].t))
            }
        }
        guard !slopes.isEmpty else { return nil }
        slopes.sort()
        let drift = ClockCorrection(offsetNanos: 0, driftPPB: Int64((slopes[slopes.count / 2] * 1e9).rounded()),
                                    epochNanos: epoch)
        guard drift.driftPPB != 0 else { return nil }
        let offsets = points.map { $0.d - (drift.apply($0.t) - $0.t) }
        return ClockCorrection(offsetNanos: median(offsets), driftPPB: drift.driftPPB, epochNanos: epoch)
    }

    static func median(_ v: [Int64]) -> Int64 {
        guard !v.isEmpty else { return 0 }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] / 2 + s[s.count / 2] / 2
                                                      + (s[s.count / 2 - 1] % 2 + s[s.count / 2] % 2) / 2)
    }
}

import EvidenceStore
import Foundation
import JikochoModel
import Parsers

/// One event on a causal chain, with the asset it happened on.
/// The point of a write that made a change, and its raw value as the inventory reads it (a 32-bit value spans two
/// Modbus registers: `spans` names the second, `type` how the two are read).
public struct ChangedPoint: Sendable, Hashable {
    public var point: String
    public var value: Double?
    public var spans: [String] = []
    public var type: String?
    /// The type was worked out from the case, not said by the inventory.
    public var inferred = false
}

public struct ChainStep: Sendable {
    public var event: StoredEvent
    /// The asset the step is about: the event's asset, or for a controller write the controller written to.
    public var asset: String?
    /// What the step is in the chain: `impact`, `process change`, `controller write`, `logon session`, `vpn session`.
    public var role: String
    public var notes: [String] = []
    /// Events of the same kind that the step stands for too (the later commands of one run, e.g. each block of a
    /// download), oldest first.
    public var also: [StoredEvent] = []
    /// For a controller write: the point whose value made the change, when the chain tells it (a request may write
    /// several points: a block of registers, a Multiple Service Packet, several objects or nodes at once).
    public var changed: ChangedPoint?

    public init(event: StoredEvent, asset: String?, role: String, notes: [String] = []) {
        self.event = event
        self.asset = asset
        self.role = role
        self.notes = notes
    }
}

/// How two neighbouring steps are joined: the rule, the time between them, what it rests on.
public struct ChainLink: Sendable {
    public var rule: String
    public var explanation: String
    /// From the earlier step to the later one.
    public var gapNanos: Int64
}

/// Another event that could explain a step as well, and why it was not taken (it is listed, not hidden).
public struct ChainAlternative: Sendable {
    /// The index in `steps` of the step it competes with.
    public var step: Int
    public var event: StoredEvent
    public var why: String
    /// Whether other evidence (the host's record of the connection, naming an account) speaks against it.
    public var ruledOut = false
}

/// A chain from the first step the evidence supports to a physical effect, in time order.
public struct CausalChain: Sendable {
    public var steps: [ChainStep]
    /// `links[i]` joins `steps[i]` and `steps[i + 1]`.
    public var links: [ChainLink]
    public var alternatives: [ChainAlternative]
    /// Why the trail ends where it does (origin outside the site, no evidence for the next link…).
    public var end: String
    /// The trail reached a source outside the inventory (an outside address).
    public var reachesOutside: Bool
    /// The impact undoes an earlier change (a correction, such as an operator setting a setpoint back).
    public var restores: Bool
    /// The impact is a measured value that shows what the write before it put at the tag's point: what the historian
    /// (and whoever watched the tag) saw from then on was written, not measured.
    public var overwritesMeasurement = false

    public var impact: ChainStep { steps[steps.count - 1] }

    /// The chain runs through a remote session: a VPN session, or a remote-desktop or SSH logon.
    public var runsThroughRemoteSession: Bool {
        steps.contains { s in
            s.role == "vpn session" || s.role == "gateway session"
                || (s.role == "logon session" && SessionFacts.isRemote(s.event.event))
        }
    }
}

/// Walks back from a physical effect through the links the evidence supports:
/// historian tag ← controller write (tag map, value, time) ← the host whose address sent it (inventory) ← the
/// logon session on that host at that time (active, most specific first; the others listed as competing) ← where
/// that session came from (the host owning its source address, or the VPN session that was assigned it) … until
/// the trail ends. It never invents a link: when the next one has no evidence, the chain stops and says why.
public struct ChainBuilder {
    /// How long before a process change a controller write may have happened (corrected times).
    public var writeWindow: Int64 = 60_000_000_000
    /// How much later than the change a write may appear (clock uncertainty after correction).
    public var writeSlack: Int64 = 5_000_000_000
    /// How far back a logon may be and still hold a session.
    public var sessionLookback: Int64 = 24 * 3600 * 1_000_000_000
    /// How long before a physical effect the setpoint change that explains it may be.
    public var effectWindow: Int64 = 15 * 60 * 1_000_000_000

    let c: Case
    let resolver: AssetResolver

    public init(_ c: Case) throws {
        self.c = c
        // With the register types the inventory leaves out worked out from the writes and the historian.
        resolver = try RegisterTypeInference.resolver(c).0
    }

    /// Chains of more than one step to setpoint and state changes, and to a measured value that shows what a write
    /// put at its point (a falsified measurement), at most `limit` of each kind.
    public func processChains(limit: Int) throws -> [CausalChain] {
        // A chain of more than one step needs a write or command to the effect's controller shortly before it (or, for
        // a state change, a setpoint change there): changes with none are passed over, from their columns, before any
        // chain is built (a year of pump switching, two hundred thousand state changes, is not walked one query at a
        // time). The index of what may precede them is read only when there are changes (a capture alone has none,
        // and its controllers' hundred thousand writes need not be read for nothing).
        var candidates: [(kind: String, time: Int64, id: Int64, asset: String?)] = []
        try c.forEachColumns(kinds: ["process.setpoint_change", "process.state_change"]) { e in
            guard e.kind == "process.setpoint_change" || e.kind == "process.state_change" else { return }
            candidates.append((e.kind, e.time, e.id, assetOf(e)))
        }
        // Only a tag the inventory maps to a point can show a written value (a year of a plant's measured values may
        // hold hundreds of thousands of jumps and excursions, most of tags no write drives): the others are passed
        // over before any chain is built for them.
        var mapped = Set<String>()
        for a in resolver.assets { for m in a.tagMap { mapped.insert("\(a.name)|\(m.tag.lowercased())") } }
        var measured = false
        if !mapped.isEmpty { try c.forEachColumns(kinds: Self.measurementKinds) { _ in measured = true } }
        guard !candidates.isEmpty || measured else { return [] }
        let before = try Predecessors(self)
        let changes = try ["process.setpoint_change", "process.state_change"].flatMap { kind in
            let ids = candidates.filter { $0.kind == kind && before.mayLead(kind: kind, asset: $0.asset, time: $0.time) }
                .map { ($0.time, $0.id) }.sorted { $0 < $1 }.map(\.1)
            return try chains(ids: ids, limit: limit)
        }.filter { $0.steps.count > 1 }
        // One chain per write: a held value is often a flatline, a step and an excursion at once; the first kind
        // below says most of what happened.
        var writes = Set<Int64>()
        let overwritten = !measured ? [] : try Self.measurementKinds.flatMap { kind in
            try chains(impact: kind, limit: limit) { e in
                guard let asset = assetOf(e.event), let tag = (e.event.attributes["tag"] ?? e.event.attributes["series"])?.text
                else { return false }
                return mapped.contains("\(asset)|\(tag.lowercased())") && before.mayLead(to: e)
            }
        }.filter { $0.overwritesMeasurement && writes.insert($0.steps[$0.steps.count - 2].event.id).inserted }
        return changes + overwritten
    }

    /// Where a chain of more than one step can start from, per controller: the times of the writes and commands sent to
    /// it (ICS events that may carry control facts, or whose kind is a command, to an address the controller holds),
    /// and of its setpoint changes; read once from the events' columns. A superset of what `chain(from:)` takes, so
    /// that a change it lets pass may still end in one step, but one it stops cannot have more.
    struct Predecessors {
        var controls: [String: [Int64]] = [:]
        var setpoints: [String: [Int64]] = [:]
        let builder: ChainBuilder

        init(_ builder: ChainBuilder) throws {
            self.builder = builder
            var holders: [String: [String]] = [:]
            func assets(_ address: String?) -> [String] {
                guard let address else { return [] }
                if let h = holders[address] { return h }
                let h = builder.resolver.holders(address: address)
                holders[address] = h
                return h
            }
            try builder.c.forEachColumns(kinds: ["ics"]) { e in
                guard e.mayControl || ChainBuilder.isControllerCommand(e.kind) else { return }
                for a in Set(assets(e.dstIP) + assets(e.dstMAC)) { controls[a, default: []].append(e.time) }
            }
            try builder.c.forEachColumns(kinds: ["process.setpoint_change"]) { e in
                if let a = builder.assetOf(e) { setpoints[a, default: []].append(e.time) }
            }
            for k in controls.keys { controls[k]!.sort() }
            for k in setpoints.keys { setpoints[k]!.sort() }
        }

        /// Whether one of `times` (sorted) lies in `range`.
        static func any(_ times: [Int64]?, in range: ClosedRange<Int64>) -> Bool {
            guard let times else { return false }
            var lo = 0, hi = times.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if times[mid] < range.lowerBound { lo = mid + 1 } else { hi = mid }
            }
            return lo < times.count && times[lo] <= range.upperBound
        }

        /// Whether a chain from the event can have more than one step.
        func mayLead(to e: StoredEvent) -> Bool {
            mayLead(kind: e.event.kind, asset: builder.assetOf(e.event), time: e.event.time.nanoseconds)
        }

        /// Whether a chain from an event of this kind, on this asset, at this time can have more than one step.
        func mayLead(kind: String, asset: String?, time t: Int64) -> Bool {
            guard let asset else { return false }
            let w = builder.writeWindow, slack = builder.writeSlack
            if Self.any(controls[asset], in: (t - max(w, 120_000_000_000) - slack)...(t + slack)) { return true }
            return kind != "process.setpoint_change"
                && Self.any(setpoints[asset], in: (t - builder.effectWindow - slack)...(t + slack))
        }
    }

    /// What the detector finds in a measured series (a frozen value, a jump, a value beyond its band): a physical
    /// effect, or, when a write to the series' point gave exactly the value it shows, a measurement overwritten.
    public static let measurementKinds = ["process.flatline", "process.step", "process.excursion"]

    /// The first `limit` chains of the events of a kind (those `wanted` lets through), in this order:
    /// furthest-reaching first; among equals, a change away from the usual value before one that restores it, a
    /// larger change before a smaller one, an earlier before a later. The events are read a page at a time and only
    /// the best `limit` chains are kept, so a year of pump switching does not have to fit in memory.
    public func chains(impact kind: String, limit: Int = 10, where wanted: ((StoredEvent) -> Bool)? = nil) throws -> [CausalChain] {
        var best: [CausalChain] = []
        guard limit > 0 else { return best }
        try c.forEachPage(EventQuery(kinds: [kind])) { page in
            // Ties keep the order read: time, then row id.
            for impact in page where wanted?(impact) ?? true { Self.keep(try chain(from: impact), in: &best, limit: limit) }
            return true
        }
        return best
    }

    /// The first `limit` chains of these events (in time order, then by id, as `chains(impact:)` reads them), ranked
    /// the same way; the events are read a page at a time.
    func chains(ids: [Int64], limit: Int) throws -> [CausalChain] {
        var best: [CausalChain] = []
        guard limit > 0 else { return best }
        try c.forEachPage(ids: ids) { page in
            for impact in page { Self.keep(try chain(from: impact), in: &best, limit: limit) }
        }
        return best
    }

    /// Puts a chain among the best `limit`, after every chain it does not come before (ties keep the order given).
    static func keep(_ chain: CausalChain, in best: inout [CausalChain], limit: Int) {
        func before(_ a: CausalChain, _ b: CausalChain) -> Bool {
            if a.reachesOutside != b.reachesOutside { return a.reachesOutside }
            if a.steps.count != b.steps.count { return a.steps.count > b.steps.count }
            if a.restores != b.restores { return !a.restores }
            let ma = Self.magnitude(a.impact.event.event), mb = Self.magnitude(b.impact.event.event)
            if ma != mb { return ma > mb }
            return a.impact.event.event.time < b.impact.event.event.time
        }
        let at = best.firstIndex { before(chain, $0) } ?? best.count
        if at < limit {
            best.insert(chain, at: at)
            if best.count > limit { best.removeLast() }
        }
    }

    public func chain(fromEventID id: Int64) throws -> CausalChain? {
        var q = EventQuery()
        q.ids = [id]
        return try c.events(q).first.map { try chain(from: $0) }
    }

    /// How far a setpoint moved, as |log ratio| (0 when unknown); for a state change, 1 into a fault state, else 0.
    static func magnitude(_ e: Event) -> Double {
        if e.kind == "process.state_change" { return isFaultState(e.attributes["to"]?.text ?? "") ? 1 : 0 }
        guard case .double(let r)? = e.attributes["ratio"], r > 0 else { return 0 }
        return abs(log(r))
    }

    /// Whether a state's name says something went wrong or stopped (TRIPPED, FAULT OC, ALARM, E-STOP …).
    public static func isFaultState(_ state: String) -> Bool {
        let s = state.lowercased()
        return ["trip", "fault", "fail", "alarm", "overload", "error", "emergency", "stop"].contains { s.contains($0) }
    }

    /// The earlier change that this one undoes (same controller and tag, back to the value it had), if any.
    func restored(by change: StoredEvent) throws -> StoredEvent? {
        guard change.event.kind == "process.setpoint_change", case .string(let tag)? = change.event.attributes["tag"],
              let new = change.event.attributes["new"] else { return nil }
        let t = change.event.time.nanoseconds
        let earlier = try c.events(EventQuery(from: Timestamp(nanoseconds: t - 3600 * 1_000_000_000),
                                              to: change.event.time, kinds: ["process.setpoint_change"]))
        return earlier.last { e in
            e.event.attributes["tag"] == .string(tag) && e.event.attributes["old"] == new
                && assetOf(e.event) == assetOf(change.event)
        }
    }

    public func chain(from impact: StoredEvent) throws -> CausalChain {
        // Built backwards from the impact, then turned round.
        var steps: [ChainStep] = [ChainStep(event: impact, asset: assetOf(impact.event), role: "impact")]
        let undone = try restored(by: impact)
        if let undone {
            steps[0].notes.append("restores the value held before the change at "
                                  + "\(undone.event.time.iso8601(precision: .seconds)) (event #\(undone.id))")
        }
        var links: [ChainLink] = []
        var alternatives: [(StoredEvent, String, Bool)] = []
        var reachesOutside = false
        var end = ""
        var visitedHosts = Set<String>()

        func prepend(_ s: ChainStep, _ rule: String, _ why: String) {
            let gap = steps[0].event.event.time.nanoseconds - s.event.event.time.nanoseconds
            steps.insert(s, at: 0)
            links.insert(ChainLink(rule: rule, explanation: why, gapNanos: gap), at: 0)
        }

        var current = impact
        // A state change of a point that can be written (a command coil, a mode register) may be the write itself.
        var direct = false
        if current.event.kind == "process.state_change", let (write, why, point) = try controllerWrite(for: current) {
            var step = ChainStep(event: write, asset: assetOf(write.event), role: "controller write")
            step.changed = point
            prepend(step, "tag-map", why)
            current = write
            direct = true
        }
        // A measured value (a jump, a frozen value, a value beyond its band) that is exactly what a write put at the
        // tag's point just before: the measurement was overwritten. Only a write whose point and value both agree
        // is taken: a measurement moves on its own, and a write elsewhere on the controller explains nothing here.
        var overwritten = false
        if !direct, Self.measurementKinds.contains(current.event.kind),
           let (write, why, point) = try controllerWrite(for: current, exact: true) {
            var step = ChainStep(event: write, asset: assetOf(write.event), role: "controller write")
            step.changed = point
            let tag = current.event.attributes["tag"]?.text ?? current.event.attributes["series"]?.text ?? "the tag"
            prepend(step, "tag-map", why + "; from then on \(tag) shows the written value, not a measurement")
            current = write
            direct = true
            overwritten = true
        }
        // A state change or excursion right after a command that changes what the controller does (a stop, a
        // restart, a program download): the command.
        if !direct, ["process.state_change", "process.excursion"].contains(current.event.kind),
           let asset = assetOf(current.event),
           let cmd = try latest(kinds: ["ics"], before: current.event.time.nanoseconds + writeSlack,
                                window: max(writeWindow, 120_000_000_000),
                                where: { Self.isControllerCommand($0.event.kind) && assetOf($0.event) == asset }) {
            let gap = current.event.time.nanoseconds - cmd.event.time.nanoseconds
            prepend(ChainStep(event: cmd, asset: asset, role: "controller command"), "controller-command",
                    "\(cmd.event.kind) reached \(asset) \(ClockCorrection.seconds(gap)) before the effect on the same controller")
            current = cmd
            direct = true
            // The commands the same host sent the controller just before (a stop, then downloads, then a start are
            // one change of the program): each kind once, from its first in the run.
            for run in try commandSequence(before: cmd, asset: asset).reversed() {
                let earlier = run[0]
                let from = earlier.event.src.ip ?? "?"
                let later = steps[0].event.event.kind
                var step = ChainStep(event: earlier, asset: asset, role: "controller command")
                step.also = Array(run.dropFirst())
                if !step.also.isEmpty { step.notes.append("\(run.count) \(earlier.event.kind) commands in a row") }
                prepend(step, "command-sequence",
                        "\(from) sent \(earlier.event.kind) to \(asset) before \(later), in the same run of commands")
                current = earlier
            }
        }
        // A physical effect other than a setpoint change: the setpoint change on the same controller before it.
        if !direct, current.event.kind != "process.setpoint_change", current.event.domain == .process {
            if let asset = assetOf(current.event), let sp = try latest(kinds: ["process.setpoint_change"],
                    before: current.event.time.nanoseconds + writeSlack, window: effectWindow,
                    where: { assetOf($0.event) == asset }) {
                prepend(ChainStep(event: sp, asset: asset, role: "process change"), "same-controller",
                        "\(sp.event.message) on \(asset) preceded the effect")
                current = sp
            } else {
                end = "no setpoint change on \(assetOf(current.event) ?? "its controller") in the "
                    + "\(effectWindow / 60_000_000_000) minutes before the effect: a process cause is as likely as a command"
                return finish()
            }
        }
        // Process change ← controller write.
        if current.event.kind == "process.setpoint_change" {
            steps[0].role = steps.count == 1 ? "impact" : steps[0].role
            guard let (write, why, point) = try controllerWrite(for: current) else {
                end = noWriteReason(current)
                return finish()
            }
            var step = ChainStep(event: write, asset: assetOf(write.event), role: "controller write")
            step.changed = point
            prepend(step, "tag-map", why)
            current = write
        }
        // Write (or any event with a source address) ← the host that sent it ← its logon session ← …
        var sourceIP = current.event.src.ip
        var atTime = current.event.time.nanoseconds
        while let ip = sourceIP {
            guard let host = resolver.asset(address: ip) else {
                // Not an asset: a VPN session may have been given the address.
                if let (vpn, why) = try vpnSession(assigned: ip, before: atTime) {
                    prepend(ChainStep(event: vpn, asset: assetOf(vpn.event), role: "vpn session",
                                      notes: Self.joinedFrom(vpn.event)
                                          + (try failedLogons(from: vpn.event.src.ip, before: vpn.event.time.nanoseconds))),
                            "vpn-address", why)
                    if let outside = vpn.event.src.ip, resolver.asset(address: outside) == nil {
                        reachesOutside = true
                        end = "origin: \(outside), outside the inventory, logged on to the VPN as \(vpn.event.user ?? "?")"
                    } else {
                        end = "the VPN session's source is an asset of the site"
                    }
                } else if let relay = steps.first, relay.role == "gateway session" {
                    // The gateway's own record names the client: the origin, as a VPN's logon does.
                    reachesOutside = !Self.isPrivate(ip)
                    end = "origin: \(ip), \(reachesOutside ? "outside the inventory" : "an address no asset of the inventory holds"), "
                        + "came through the gateway \(relay.asset ?? "?") as \(relay.event.event.user ?? "?")"
                } else {
                    reachesOutside = !Self.isPrivate(ip)
                    end = "origin: \(ip), which no asset of the inventory and no VPN log in the case accounts for"
                }
                return finish()
            }
            guard !visitedHosts.contains(host) else {
                end = "the trail returns to \(host): stopped to avoid a loop"
                return finish()
            }
            visitedHosts.insert(host)
            // A gateway's relayed sessions count only toward the host the trail came from (the step it stands on).
            var (sessions, hasLogs) = try activeSessions(on: host, at: atTime, toward: steps.first?.asset)
            // The host's own record of the connection that carried the step, when it names the account of the
            // process that made it, tells which session it was.
            var owner: String?
            if let (i, why) = try connectionOwner(on: host, carrying: current.event, at: atTime, among: sessions) {
                sessions.insert(sessions.remove(at: i), at: 0)
                owner = why
            }
            guard let first = sessions.first else {
                end = hasLogs
                    ? "no logon session on \(host) was active at \(Timestamp(nanoseconds: atTime).iso8601(precision: .seconds)) in its logs"
                    : "\(host) (\(ip)) sent it, but the case holds no logon records of \(host)"
                return finish()
            }
            for other in sessions.dropFirst() {
                alternatives.append((other.event, other.describe(host: host, competing: true, ruledOut: owner != nil), owner != nil))
            }
            let why = "\(ip) is \(host) (inventory); \(first.describe(host: host, competing: false))"
                + (owner.map { "; \($0)" } ?? "")
            // A gateway's session from outside: the guesses from its client's address before it, as for a VPN logon.
            prepend(ChainStep(event: first.event, asset: host, role: first.relays ? "gateway session" : "logon session",
                              notes: first.relays ? try failedLogons(from: first.sourceIP, before: first.start) : []),
                    "host-session", why)
            current = first.event
            atTime = current.event.time.nanoseconds
            sourceIP = first.sourceIP
            if sourceIP == nil {
                if let partner = first.partner, first.rank == 0 {
                    // TeamViewer and AnyDesk broker sessions through their makers' servers: the host's list names the
                    // partner's ID, not where the partner was.
                    end = "the \(first.typeName) came from partner \(partner), whose address \(host)'s records do not give "
                        + "(the tool's servers broker the session): where the partner was is not in the evidence"
                } else {
                    end = "the session on \(host) is local (\(first.typeName)): the trail ends at \(host)'s console"
                }
            }
        }
        if end.isEmpty { end = "the first step has no source address to follow" }
        return finish()

        func finish() -> CausalChain {
            // Alternatives point at the step they compete with (by event id).
            let alts = alternatives.compactMap { (event, why, ruledOut) -> ChainAlternative? in
                // A competing session belongs to the logon step on the same host.
                let idx = steps.firstIndex { ($0.role == "logon session" || $0.role == "gateway session")
                    && $0.asset == (assetOf(event.event) ?? "") }
                return idx.map { ChainAlternative(step: $0, event: event, why: why, ruledOut: ruledOut) }
            }
            return CausalChain(steps: steps, links: links, alternatives: alts, end: end, reachesOutside: reachesOutside,
                               restores: undone != nil, overwritesMeasurement: overwritten)
        }
    }

    // MARK: Links

    /// `assetOf` of a process event from its columns: its asset, the host's, or (no host) the observer of its
    /// evidence item, as the resolver fills them when the event is read.
    func assetOf(_ e: Case.EventColumns) -> String? {
        e.asset ?? resolver.asset(host: e.host) ?? (e.host == nil ? resolver.observers[e.evidenceID] : nil)
    }

    func assetOf(_ e: Event) -> String? {
        if e.kind.hasPrefix("ics."), let d = resolver.endpointAsset(e, dst: true) { return d }
        return e.asset ?? resolver.asset(host: e.host)
    }

    /// A command that changes what a controller does rather than a value in it.
    public static func isControllerCommand(_ kind: String) -> Bool {
        ControlPoint.isCommand(kind: kind)
    }

    /// How far apart the commands of one run may be.
    public var sequenceGap: Int64 = 10 * 60 * 1_000_000_000

    /// The controller commands the sender of `cmd` sent the same controller before it, no two more than
    /// `sequenceGap` apart: runs of the same kind, each oldest first, the runs oldest first, at most six runs.
    /// Commands of `cmd`'s own kind right before it are left out (the chain already has one of them).
    func commandSequence(before cmd: StoredEvent, asset: String) throws -> [[StoredEvent]] {
        guard let sender = cmd.event.src.ip else { return [] }
        let found = try c.events(EventQuery(from: Timestamp(nanoseconds: cmd.event.time.nanoseconds - 6 * sequenceGap),
                                            to: cmd.event.time, kinds: ["ics"]))
            .filter { $0.id != cmd.id && $0.event.time <= cmd.event.time && Self.isControllerCommand($0.event.kind)
                && $0.event.src.ip == sender && assetOf($0.event) == asset }
        var runs: [[StoredEvent]] = []
        var latest = cmd
        var kind = cmd.event.kind
        for e in found.reversed() {
            guard latest.event.time.nanoseconds - e.event.time.nanoseconds <= sequenceGap else { break }
            if e.event.kind == kind {
                if !runs.isEmpty { runs[runs.count - 1].insert(e, at: 0) }
            } else {
                guard runs.count < 6 else { break }
                runs.append([e])
            }
            kind = e.event.kind
            latest = e
        }
        return runs.reversed()
    }

    /// The latest event of the kinds in `[before − window, before]` that satisfies `where`.
    func latest(kinds: [String], before: Int64, window: Int64, where ok: (StoredEvent) -> Bool) throws -> StoredEvent? {
        let found = try c.events(EventQuery(from: Timestamp(nanoseconds: before - window),
                                            to: Timestamp(nanoseconds: before + 1), kinds: kinds))
        return found.last(where: ok)
    }

    /// The write to a measured value's controller shortly before it froze or jumped that does not explain it (the
    /// point the inventory maps is written but with another value, or no tag map says which point drives the tag),
    /// with why; nil when a write explains it (then the chain has it) or none was made.
    public func writeNotExplaining(_ e: StoredEvent) throws -> (StoredEvent, String)? {
        guard try controllerWrite(for: e, exact: true) == nil else { return nil }
        if let (w, why, _) = try controllerWrite(for: e) { return (w, why) }
        // A write to another point of the same controller, just before: which tag it drives, no tag map says.
        guard let asset = assetOf(e.event), let w = try latest(
            kinds: ["ics"], before: e.event.time.nanoseconds + writeSlack, window: writeWindow,
            where: { Self.isControlWrite($0.event) && assetOf($0.event) == asset }) else { return nil }
        let points = Self.writtenPoints(w.event).prefix(4).map { p in p.text + (p.value.map { " = \(Self.number($0))" } ?? "") }
        let gap = Double(e.event.time.nanoseconds - w.event.time.nanoseconds) / 1e9
        return (w, "a write to \(asset) (\(points.joined(separator: ", "))) \(ClockCorrection.format(gap, 3)) s before, at a point "
                   + "the inventory does not map to the tag")
    }

    /// The controller write that made a setpoint change: to the change's controller, at a point the inventory maps
    /// to the change's tag, with the raw value that gives the new value, shortly before the change. With it: why, and
    /// the point written that made the change (nil when the inventory maps no point to the tag).
    /// `exact`: only a write whose value gives the tag's new value, at the point the inventory maps or at one no tag
    /// maps (the tag map out of date, said so), as for a measured value, which moves on its own.
    func controllerWrite(for change: StoredEvent, exact: Bool = false) throws -> (StoredEvent, String, ChangedPoint?)? {
        guard let asset = assetOf(change.event), case .string(let tag)? = change.event.attributes["tag"]
                ?? change.event.attributes["series"] else { return nil }
        let mapping = resolver.assets.first { $0.name == asset }?.tagMap.first { $0.tag.lowercased() == tag.lowercased() }
        let point = mapping.flatMap { ControlPoint(parsing: $0.point)?.key }
        let scale = mapping?.scale ?? 1
        var newValue: Double?
        if case .double(let v)? = change.event.attributes["new"] { newValue = v }
        if case .int(let v)? = change.event.attributes["new"] { newValue = Double(v) }
        // A state change's new state, when it is a number (`0` → `1` of a command coil).
        if newValue == nil, case .string(let to)? = change.event.attributes["to"] { newValue = Double(to) }
        // A measured series: where a step went, the value a flatline held, where an excursion began.
        for key in ["to", "value", "start_value"] where newValue == nil && change.event.kind != "process.state_change" {
            if case .double(let v)? = change.event.attributes[key] { newValue = v }
            if case .int(let v)? = change.event.attributes[key] { newValue = Double(v) }
        }
        let t = change.event.time.nanoseconds
        // Every point some tag of this controller maps: a write elsewhere drives no known tag.
        // (both registers of a 32-bit value).
        let mapped = Set((resolver.assets.first { $0.name == asset }?.tagMap ?? []).flatMap { m -> [String] in
            guard let p = ControlPoint(parsing: m.point) else { return [] }
            return (0..<(m.registerType?.registers ?? 1)).compactMap { p.modbusOffset($0)?.key ?? ($0 == 0 ? p.key : nil) }
        })
        // Whether a raw value gives the new value, and the clause that says so.
        func gives(_ raw: Double) -> Bool {
            guard let nv = newValue else { return false }
            return abs(raw * scale - nv) <= max(abs(scale) / 2, 1e-3 * abs(nv), 1e-9)
        }
        func product(_ raw: Double) -> String {
            "\(Self.number(raw)) × \(ClockCorrection.format(scale, scale < 1 ? 3 : 0)) = \(Self.number(newValue ?? 0)), the new value"
        }
        let candidates = try c.events(EventQuery(from: Timestamp(nanoseconds: t - writeWindow),
                                                 to: Timestamp(nanoseconds: t + writeSlack), kinds: ["ics"]))
            .filter { s in Self.isControlWrite(s.event) && assetOf(s.event) == asset }
        var best: (StoredEvent, Int, String, ChangedPoint?)?
        for s in candidates {
            // 0: point and value agree; 1: the point agrees (and when an unmapped point of the same request has the
            // value, that point); 2: an unmapped point with the value, or (no tag map) the same controller only.
            var rank = 2
            /// The written value gives the tag's new value (at the mapped point, or at a point no tag maps).
            var valueAgrees = false
            var changed: ChangedPoint?
            let written = Self.writtenPoints(s.event)
            let names = written.map(\.text).prefix(4).joined(separator: ", ")
            var detail = "a write to \(asset)" + (names.isEmpty ? "" : " (\(names))")
                + (mapping == nil ? "; the inventory maps no point of \(asset) to \(tag): which tag the write drives is unknown" : "")
            if let point, let w = written.first(where: { $0.key == point }) {
                rank = 1
                changed = ChangedPoint(point: w.text, value: nil)
                detail = "written to \(w.text), which the inventory maps to \(tag)"
                let type = mapping?.registerType.flatMap { $0 == RegisterType(kind: .uint16) ? nil : $0 }
                if let type {
                    changed?.type = type.description
                    changed?.inferred = mapping?.typeBasis != nil
                    detail += " as \(type)" + (mapping?.typeBasis.map { " (\($0))" } ?? "")
                }
                if let (raw, spans) = mapping?.rawValue(in: written) {
                    changed?.value = raw
                    changed?.spans = spans
                    if !spans.isEmpty { detail += " with \(spans.joined(separator: ", "))" }
                    if gives(raw) {
                        rank = 0
                        detail += "; " + product(raw)
                    }
                }
            }
            // A command the controller refused did not change it.
            if case .string(let outcome)? = s.event.attributes["outcome"], ["exception", "error", "negative", "rejected"].contains(outcome) {
                continue
            }
            if let point, rank != 0 {
                // Not the mapped point's value. A write to a point no tag of this controller maps, whose value gives
                // the new value exactly, is still the write (the tag map may be out of date: a register off by one is
                // the common case); of a request that wrote the mapped point too, it is the point that made the
                // change. Any other write to an unmapped point is not taken.
                if let w = written.first(where: { !mapped.contains($0.key) && $0.value.map(gives) == true }), let raw = w.value {
                    let alongside = written.first { $0.key == point }.map { m in
                        "; the same request wrote \(m.text)" + (mapping?.rawValue(in: written).map { " = \(Self.number($0.value))" } ?? "")
                            + ", which does not give it"
                    } ?? ""
                    changed = ChangedPoint(point: w.text, value: raw)
                    valueAgrees = true
                    detail = "written to \(w.text), which the inventory maps to no tag (it maps \(tag) to \(mapping?.point ?? point)); "
                        + product(raw) + ": the tag map may be out of date" + alongside
                } else if rank == 2 {
                    continue
                }
            }
            if exact, rank != 0, !valueAgrees { continue }
            let gap = abs(t - s.event.time.nanoseconds)
            if best == nil || rank < best!.1 || (rank == best!.1 && gap < abs(t - best!.0.event.time.nanoseconds)) {
                best = (s, rank, detail, changed)
            }
        }
        guard let (w, _, detail, changed) = best else { return nil }
        let gap = Double(t - w.event.time.nanoseconds) / 1e9
        return (w, "\(detail); the change follows \(ClockCorrection.format(gap, 3)) s later", changed)
    }

    public static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// The points a write, operate or command wrote, from the control facts every ICS decoder gives (`control`):
    /// each point's canonical text, the key it compares by and its raw value as a number (nil when the request
    /// carries none).
    public static func writtenPoints(_ e: Event) -> [(text: String, key: String, value: Double?)] {
        guard let (_, writes) = ControlPoint.facts(e.attributes) else { return [] }
        return writes.map { w in (w.point, ControlPoint(parsing: w.point)?.key ?? w.point, ControlPoint.number(w.value)) }
    }

    /// Whether an event changes a controller's point: its control facts say so, and it is not only a select.
    public static func isControlWrite(_ e: Event) -> Bool {
        guard let (action, writes) = ControlPoint.facts(e.attributes) else { return false }
        return action != "select" && !writes.isEmpty
    }

    func noWriteReason(_ change: StoredEvent) -> String {
        let asset = assetOf(change.event) ?? "its controller"
        return "no controller write to \(asset) in the \(writeWindow / 1_000_000_000) s before the change at "
            + "\(change.event.time.iso8601(precision: .seconds)) (if the historian's clock is off, run `jikocho clock CASE "
            + "estimate`; else the change was made at the controller or over a path no evidence covers)"
    }

    /// A logon session on a host.
    struct Session {
        var event: StoredEvent
        var type: String?
        var sourceIP: String?
        var user: String?
        var start: Int64
        /// A remote-control tool's partner when its records give no address (`565955529 "a1l4m"`).
        var partner: String?
        /// How the tool let the partner in, when its records say (AnyDesk: accepted by the person at the console, the
        /// unattended-access password, a saved token): who at the site had a hand in it.
        var admittedBy: String?

        /// A gateway's session relayed to a host inside (RD Gateway): the step is the gateway session.
        var relays: Bool { type == "rd-gateway" }

        var typeName: String {
            switch type {
            case "2", "console": return "console logon"
            case "3": return "network logon"
            case "7": return "unlock"
            case "10": return "remote desktop"
            case "11": return "cached console logon"
            case "ssh": return "SSH"
            case "vnc": return "VNC remote control"
            case "rd-gateway": return "RD Gateway connection" + (SessionFacts.field(event.event, "resource").map { " to \($0)" } ?? "")
            case let t? where t.hasPrefix("remote-control:"): return "\(SessionFacts.toolName(String(t.dropFirst(15)))) remote control"
            default: return "logon" + (type.map { " type \($0)" } ?? "")
            }
        }

        /// Remote sessions ahead of console sessions ahead of network logons; newer first.
        var rank: Int {
            if type == "vnc" || type?.hasPrefix("remote-control:") == true { return 0 }
            switch type {
            case "10", "ssh", "rd-gateway": return 0
            case "2", "11", "7", "console": return 1
            case "3": return 2
            default: return 3
            }
        }

        func describe(host: String, competing: Bool, ruledOut: Bool = false) -> String {
            let since = Timestamp(nanoseconds: start).iso8601(precision: .seconds)
            let from = sourceIP.map { " from \($0)" } ?? partner.map { " from partner \($0)" } ?? ""
            // A remote-control tool names no account of the host (VNC asks a password only): none is shown.
            let of = user.map { " of \($0)" } ?? (rank == 0 && !["10", "ssh", "rd-gateway"].contains(type ?? "") ? "" : " of ?")
            let base = "\(typeName)\(of) on \(host)\(from)\(admittedBy.map { " (\($0))" } ?? ""), active since \(since)"
            guard competing else { return "the session active then: " + base }
            if ruledOut { return base + " (also active then, but the connection that carried it was made under another account)" }
            return base + (rank == 1 ? " (someone at the console could have done it too)" : " (also active then)")
        }
    }

    /// Sessions on a host active at `t`, best candidate first, and whether the case has logon records of the host.
    func activeSessions(on host: String, at t: Int64, toward: String? = nil) throws -> ([Session], Bool) {
        let events = try c.events(EventQuery(from: Timestamp(nanoseconds: t - sessionLookback),
                                             to: Timestamp(nanoseconds: t + 1), kinds: ["auth.logon", "auth.session_opened",
                                                                                        "auth.logoff", "auth.session_closed"]))
            .filter { assetOf($0.event) == host }
        // Records the host wrote itself (not events that merely name its address, such as a logon it started
        // elsewhere).
        let hasLogs = try !events.isEmpty
            || c.events(EventQuery(kinds: ["auth"], asset: host, limit: 10_000)).contains { assetOf($0.event) == host }
        var sessions: [Session] = []
        var ended = Set<String>()
        for s in events.reversed() {
            let e = s.event
            if e.kind == "auth.logoff" || e.kind == "auth.session_closed" {
                if let key = SessionFacts.endKey(e) { ended.insert(key) }
                continue
            }
            // Records without a logon type (1149, session-manager events, the PAM session beside sshd's own logon)
            // support a session's start; they are no session of their own.
            guard let type = SessionFacts.type(e) else { continue }
            // Ended before t: by its own end (logon ID, process), or by an end that names only the account.
            if let key = SessionFacts.endKey(e), ended.contains(key) { continue }
            if let u = e.user, ended.contains("user:\(u)") { continue }
            // Service and batch logons do not drive a screen or a tool.
            if ["4", "5", "0"].contains(type) { continue }
            // A gateway's relayed session (RD Gateway) explains only a connection to its resource.
            if type == "rd-gateway" {
                guard let toward, let resource = SessionFacts.field(e, "resource"),
                      (resolver.asset(host: resource) ?? resolver.asset(address: resource)) == toward else { continue }
            }
            sessions.append(Session(event: s, type: type, sourceIP: SessionFacts.source(e), user: e.user,
                                    start: e.time.nanoseconds))
        }
        sessions += try remoteControlSessions(on: host, at: t)
        sessions.sort { a, b in a.rank != b.rank ? a.rank < b.rank : a.start > b.start }
        return (sessions, hasLogs || !sessions.isEmpty)
    }

    /// Remote-control sessions into a host's screen active at `t` (VNC seen by a capture; the connection lists of
    /// TeamViewer and AnyDesk; any tool whose records give `remote.control_start` with the controlled host as
    /// destination, or as the host of an incoming session): they ride on the console's session, so the host's logon
    /// records do not show them. A session has ended when its record gives an end before `t` (`end_time`), or when a
    /// capture saw its connection closed before `t` (the flow's `end_time`).
    func remoteControlSessions(on host: String, at t: Int64) throws -> [Session] {
        let starts = try c.events(EventQuery(from: Timestamp(nanoseconds: t - sessionLookback),
                                             to: Timestamp(nanoseconds: t + 1), kinds: ["remote.control_start"]))
            .compactMap { s -> (StoredEvent, String)? in
                // An outgoing session has no type: it is not one into the host.
                guard let type = SessionFacts.type(s.event),
                      (resolver.endpointAsset(s.event, dst: true) ?? assetOf(s.event)) == host else { return nil }
                return (s, type)
            }
        var out: [Session] = []
        for (s, type) in starts {
            let e = s.event
            if case .string(let end)? = e.attributes["end_time"], let endTime = TimeParser.iso8601(end)?.timestamp(assumingOffset: 0),
               endTime.nanoseconds < t {
                continue
            }
            if let sip = e.src.ip, let sport = e.src.port, let dport = e.dst.port {
                // The connection's own flow: closed before t, the session was over.
                // Narrowed in SQL to flows naming both addresses (the test below is exact): a capture's hour holds
                // every other connection too.
                var q = EventQuery(from: Timestamp(nanoseconds: e.time.nanoseconds - 3_600_000_000_000),
                                   to: Timestamp(nanoseconds: e.time.nanoseconds + 1), kinds: ["net.flow"])
                q.text = [[TextMatch(column: "src_ip", sip)]] + (e.dst.ip.map { [[TextMatch(column: "dst_ip", $0)]] } ?? [])
                let flows = try c.events(q)
                if let f = flows.last(where: { $0.event.src.ip == sip && $0.event.src.port == sport && $0.event.dst.port == dport
                                             && $0.event.dst.ip == e.dst.ip }),
                   case .string(let end)? = f.event.attributes["end_time"], let endTime = TimeParser.iso8601(end)?.timestamp(assumingOffset: 0),
                   endTime.nanoseconds < t,
                   case .string(let state)? = f.event.attributes["state"], state == "closed" || state == "reset" {
                    continue
                }
            }
            out.append(Session(event: s, type: type, sourceIP: SessionFacts.source(e), user: e.user,
                               start: e.time.nanoseconds, partner: SessionFacts.partner(e),
                               admittedBy: e.attributes["authentication_meaning"]?.text))
        }
        return out
    }

    /// The session whose account made the connection that carried `step` from `host`, by the host's own connection
    /// records (Sysmon 3, firewall audit 5156 with a user): the same source port when both sides have one, else the
    /// latest connection to the same address in the ten minutes before. Returns the session's index and why.
    func connectionOwner(on host: String, carrying step: Event, at t: Int64, among sessions: [Session]) throws
        -> (Int, String)?
    {
        guard sessions.count > 1, let target = step.dst.ip else { return nil }
        let records = try c.events(EventQuery(from: Timestamp(nanoseconds: t - 600_000_000_000),
                                              to: Timestamp(nanoseconds: t + 1), kinds: ["net.connection"]))
            .filter { $0.event.dst.ip == target && $0.event.user != nil && assetOf($0.event) == host }
        let port = step.src.port
        guard let record = records.last(where: { port != nil && $0.event.src.port == port })
            ?? records.last(where: { $0.event.src.port == nil || port == nil }) else { return nil }
        let account = Self.accountName(record.event.user ?? "")
        guard let i = sessions.firstIndex(where: { Self.accountName($0.user ?? "") == account }) else { return nil }
        let process = SessionFacts.field(record.event, "Image").map { " by \($0.split(separator: "\\").last.map(String.init) ?? $0)" } ?? ""
        let how = port != nil && record.event.src.port == port ? "from port \(port!)" : "to \(target)"
        return (i, "\(host)'s own record of the connection \(how)\(process) names \(record.event.user!) "
                + "(\(record.event.time.iso8601(precision: .seconds)))")
    }

    /// `DOMAIN\\user`, `user@domain` → `user`, lower case.
    static func accountName(_ s: String) -> String {
        let afterDomain = s.split(separator: "\\").last.map(String.init) ?? s
        return (afterDomain.split(separator: "@").first.map(String.init) ?? afterDomain).lowercased()
    }

    /// The VPN session that was given `ip` before `t` and had not ended by then: any remote-access product's record
    /// that names the tunnel address it assigned (`tunnel_ip`: a logon that carries it, or a separate assignment).
    func vpnSession(assigned ip: String, before t: Int64) throws -> (StoredEvent, String)? {
        let events = try c.events(EventQuery(from: Timestamp(nanoseconds: t - sessionLookback),
                                             to: Timestamp(nanoseconds: t + 1), kinds: ["vpn", "auth"]))
        for s in events.reversed() where Self.tunnelAddress(s.event) == ip && s.event.kind != "auth.session_closed" {
            let ended = events.contains { x in
                ["vpn.session_end", "auth.session_closed"].contains(x.event.kind) && x.event.time > s.event.time
                    && x.event.time.nanoseconds < t
                    && (Self.tunnelAddress(x.event) == ip
                        || (x.event.user == s.event.user && x.event.src.ip == s.event.src.ip && x.event.src.ip != nil))
            }
            if ended { continue }
            // A gateway that names the address on a line without the user's source (strongSwan assigns it before it
            // reports the IKE SA): the same user's logon on the same gateway within two minutes is the session.
            if s.event.src.ip == nil, let user = s.event.user,
               let logon = events.last(where: { x in
                   x.event.kind == "auth.logon" && x.event.user == user && x.event.src.ip != nil
                       && assetOf(x.event) == assetOf(s.event)
                       && abs(x.event.time.nanoseconds - s.event.time.nanoseconds) <= 120_000_000_000 }) {
                return (logon, "\(ip) was assigned to \(user)'s VPN session (\(s.event.provenance.locator)), which logged on from "
                        + "\(logon.event.src.ip ?? "?"), still open then")
            }
            return (s, "\(ip) was assigned to \(s.event.user ?? "?")'s VPN session from \(s.event.src.ip ?? "?"), "
                    + "still open then")
        }
        return nil
    }

    /// The tunnel address a remote-access record says its session was given, whatever the product.
    public static func tunnelAddress(_ e: Event) -> String? {
        if case .string(let a)? = e.attributes["tunnel_ip"], !a.isEmpty { return a }
        return e.kind == "vpn.address_assigned" ? e.dst.ip : nil
    }

    /// Where a record's facts came from when its own line does not say them all (a gateway that writes one
    /// connection over several lines, whose reader joined them: `joined_from`; a source address taken from the same
    /// user's logon before: `src_from`), so that a reader of the chain can find those lines too.
    static func joinedFrom(_ e: Event) -> [String] {
        [(e.attributes["joined_from"]?.text).map { "joined from other lines of the same log: \($0)" },
         (e.attributes["src_from"]?.text).map { "source address from \($0)" }].compactMap { $0 }
    }

    /// Failed logons from an address in the hour before: the guessing that often precedes a working password.
    func failedLogons(from ip: String?, before t: Int64) throws -> [String] {
        guard let ip else { return [] }
        let failed = try c.events(EventQuery(from: Timestamp(nanoseconds: t - 3600 * 1_000_000_000),
                                             to: Timestamp(nanoseconds: t + 1), kinds: ["auth.logon_failed"]))
            .filter { $0.event.src.ip == ip }
        guard !failed.isEmpty else { return [] }
        let users = Array(Set(failed.compactMap(\.event.user))).sorted()
        return ["\(failed.count) failed logon\(failed.count == 1 ? "" : "s") from \(ip) in the hour before"
                + (users.isEmpty ? "" : " (users: \(users.joined(separator: ", ")))")]
    }

    public static func isPrivate(_ ip: String) -> Bool {
        let p = ip.split(separator: ".").compactMap { Int($0) }
        if p.count == 4 {
            return p[0] == 10 || (p[0] == 172 && (16...31).contains(p[1])) || (p[0] == 192 && p[1] == 168)
                || p[0] == 127 || (p[0] == 169 && p[1] == 254) || (p[0] == 100 && (64...127).contains(p[1]))
        }
        let l = ip.lowercased()
        return l.hasPrefix("fc") || l.hasPrefix("fd") || l.hasPrefix("fe80") || l == "::1"
    }
}

extension CausalChain {
    /// One line per step, for a finding's summary: `vendor-svc@198.51.100.77 → fw-1 → jump-1 → …`.
    public var summary: String {
        steps.map { s in
            let e = s.event.event
            let who = e.user.map { " (\($0))" } ?? ""
            return "\(e.kind) on \(s.asset ?? e.host ?? "?")\(who)"
        }.joined(separator: " → ") + ". " + end.prefix(1).uppercased() + end.dropFirst()
    }

    public var title: String {
        let e = impact.event.event
        return "Causal chain to \(e.kind) on \(impact.asset ?? "?") at \(e.time.iso8601(precision: .seconds))"
    }

    public var severity: Finding.Severity { reachesOutside ? .high : (steps.count > 2 ? .medium : .info) }

    /// The chain as stored with its finding and printed by `jikocho chain --json`: every step with its evidence
    /// (item, SHA-256, locator), every link with its rule and gap, the competing explanations and the end.
    public func json(_ context: TimelineContext) -> JSONValue {
        func cite(_ s: StoredEvent) -> JSONValue {
            let e = s.event
            var o: [String: JSONValue] = ["event_id": .int(s.id), "evidence_id": .int(e.provenance.evidenceID),
                                          "locator": .string(e.provenance.locator)]
            if let item = context.items[e.provenance.evidenceID] {
                o["sha256"] = .string(item.sha256)
                o["evidence"] = .string(item.name)
            }
            return .object(o)
        }
        return .object([
            "impact": .string(impact.event.event.kind), "reaches_outside": .bool(reachesOutside), "end": .string(end),
            "overwrites_measurement": .bool(overwritesMeasurement),
            "steps": .array(steps.enumerated().map { i, s in
                let e = s.event.event
                var o: [String: JSONValue] = [
                    "role": .string(s.role), "kind": .string(e.kind), "time": .string(e.time.iso8601()),
                    "recorded_time": .string(e.recordedTime.iso8601()), "message": .string(e.message),
                    "evidence": cite(s.event),
                ]
                if let a = s.asset { o["asset"] = .string(a) }
                if let u = e.user { o["user"] = .string(u) }
                if let ip = e.src.ip { o["src"] = .string(ip) }
                if !s.notes.isEmpty { o["notes"] = .array(s.notes.map { .string($0) }) }
                if i < links.count {
                    let l = links[i]
                    o["link_to_next"] = .object(["rule": .string(l.rule), "why": .string(l.explanation),
                                                 "gap_s": .double(Double(l.gapNanos) / 1e9)])
                }
                return .object(o)
            }),
            "alternatives": .array(alternatives.map { a in
                .object(["step": .int(Int64(a.step + 1)), "why": .string(a.why), "kind": .string(a.event.event.kind),
                         "time": .string(a.event.event.time.iso8601()), "evidence": cite(a.event)])
            }),
        ])
    }
}

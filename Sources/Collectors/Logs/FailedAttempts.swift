import JikochoModel

/// One failed logon, one `auth.logon_failed`, when a log writes several lines for one attempt.
///
/// A service's own verdict (sshd's `Failed password for …`, Windows' 4625) is the attempt. A line that records the
/// same refusal from underneath (PAM's `authentication failure`, a domain controller's credential check) comes
/// before it, from the same process: it is held back until the verdict comes — then it keeps a kind of its own
/// (`auth.pam_failure`) and names the verdict's place (`verdict`) — or until `window` of log time passes without one,
/// when it is the only record of the attempt and becomes `auth.logon_failed` itself (old PAM-only logs).
///
/// Events leave in the order they came: everything after a held line waits behind it. Memory is bounded: past
/// `limit` waiting events the oldest held line is decided as if its window had passed.
struct FailedAttempts {
    /// Which events take part, and under what key the two lines of one attempt meet.
    struct Rules: Sendable {
        /// The key of a line that waits for a verdict (nil: not one).
        var held: @Sendable (Event) -> String?
        /// The key of a verdict line (nil: not one).
        var verdict: @Sendable (Event) -> String?
        /// The kind a held line becomes when no verdict follows it.
        var alone: @Sendable (Event) -> String
        var window: Int64
        /// The key of a held line that may also come just after its verdict (a gateway that writes the details of
        /// a refusal around its verdict, in the same second); nil for lines that only come before theirs (PAM's: one
        /// after sshd's verdict is the next attempt's).
        var late: @Sendable (Event) -> String? = { _ in nil }
        /// The key of a verdict that such details may follow (only those are remembered).
        var lateVerdict: @Sendable (Event) -> String? = { _ in nil }
        /// How long after a verdict of the same key such a line is that verdict's corroboration at once. Kept short,
        /// so that the next attempt's lines are not taken for this one's.
        var after: Int64 = 0
        /// The key whose held lines are decided at once as the attempt themselves: the line says their connection
        /// ended, or a new attempt began on it, before any verdict (nil: not such a line).
        var closes: @Sendable (Event) -> String? = { _ in nil }
        /// Why a held line became the attempt itself, kept in its `outcome` (nil: nothing to add).
        var aloneNote: @Sendable (Event) -> String? = { _ in nil }
    }

    let rules: Rules
    var limit = 10_000
    private var queue: [(event: Event, key: String?)] = []
    private var head = 0
    /// Key → positions in `queue` of held lines still waiting, oldest first.
    private var waiting: [String: [Int]] = [:]
    /// Positions of held lines still waiting, in arrival order (decided ones are skipped when reached).
    private var heldOrder: [Int] = []
    private var heldHead = 0
    private var latest = Int64.min
    /// Held lines that became the attempt themselves.
    private(set) var alone = 0
    /// The latest verdict of each key, for held lines that come after theirs (`after`); bounded by `limit`.
    private var lastVerdict: [String: (locator: String, time: Int64)] = [:]

    init(_ rules: Rules) { self.rules = rules }

    mutating func offer(_ e: Event, emit: (Event) throws -> Void) throws {
        latest = max(latest, e.time.nanoseconds)
        try expire(force: false)    // first: a verdict past the window does not join a line it no longer belongs to
        var e = e
        if let k = rules.closes(e), let positions = waiting.removeValue(forKey: k) {
            for pos in positions { decideAlone(pos) }
        }
        if let k = rules.verdict(e), let pos = waiting[k]?.first {
            waiting[k]!.removeFirst()
            if waiting[k]!.isEmpty { waiting[k] = nil }
            queue[pos].event.attributes["verdict"] = .string(e.provenance.locator)
            queue[pos].key = nil
            e.attributes["corroborated_by"] = .string(queue[pos].event.provenance.locator)
        }
        var joinedLate = false
        if rules.after > 0 {
            if let k = rules.lateVerdict(e) {
                if lastVerdict.count >= limit { lastVerdict = [:] }
                lastVerdict[k] = (e.provenance.locator, e.time.nanoseconds)
            }
            if let k = rules.late(e), let v = lastVerdict[k], e.time.nanoseconds >= v.time,
               e.time.nanoseconds - v.time <= rules.after, waiting[k] == nil {
                // The details of a refusal whose verdict came first: they keep their own kind and name the verdict.
                e.attributes["verdict"] = .string(v.locator)
                joinedLate = true
            }
        }
        if !joinedLate, let k = rules.held(e) {
            waiting[k, default: []].append(queue.count)
            heldOrder.append(queue.count)
            queue.append((e, k))
        } else if queue.count == head {
            try emit(e)    // nothing waiting: straight through
        } else {
            queue.append((e, nil))
        }
        try expire(force: false)
        try drain(emit)
    }

    /// At the end of the evidence: every line still waiting is the only record of its attempt.
    mutating func finish(emit: (Event) throws -> Void) throws {
        try expire(force: true)
        try drain(emit)
    }

    private mutating func expire(force: Bool) throws {
        while heldHead < heldOrder.count {
            let pos = heldOrder[heldHead]
            guard let key = queue[pos].key else { heldHead += 1; continue }
            let old = queue[pos].event.time.nanoseconds < latest - rules.window
            guard force || old || queue.count - head > limit else { return }
            if let i = waiting[key]?.firstIndex(of: pos) { waiting[key]!.remove(at: i) }
            if waiting[key]?.isEmpty == true { waiting[key] = nil }
            decideAlone(pos)
            heldHead += 1
        }
    }

    /// A held line with no verdict: the only record of its attempt.
    private mutating func decideAlone(_ pos: Int) {
        if let note = rules.aloneNote(queue[pos].event) { queue[pos].event.attributes["outcome"] = .string(note) }
        queue[pos].event.kind = rules.alone(queue[pos].event)
        queue[pos].key = nil
        alone += 1
    }

    private mutating func drain(_ emit: (Event) throws -> Void) throws {
        while head < queue.count, queue[head].key == nil {
            try emit(queue[head].event)
            head += 1
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            heldOrder.removeAll(keepingCapacity: true)
            head = 0
            heldHead = 0
        } else if head >= 4096, head * 2 >= queue.count {
            // Held lines keep coming (a long brute force): forget what has left, so memory stays bounded.
            let shift = head
            queue.removeFirst(shift)
            heldOrder = heldOrder[heldHead...].filter { $0 >= shift }.map { $0 - shift }
            heldHead = 0
            waiting = waiting.mapValues { $0.map { $0 - shift } }
            head = 0
        }
    }

    /// Windows: a failed NTLM credential check (4776, on the computer that holds the account: a domain controller, or
    /// the workstation itself for a local account) comes just before the 4625 of the same attempt when that computer
    /// is also where the logon failed; alone (a DC whose member servers' logs are not in the case) it is the attempt.
    static let windows = Rules(
        held: { e in
            e.kind == "auth.credential_validation_failed" ? windowsKey(e) : nil
        },
        verdict: { e in
            e.kind == "auth.logon_failed" ? windowsKey(e) : nil
        },
        alone: { _ in "auth.logon_failed" },
        window: 10 * 1_000_000_000)

    static func windowsKey(_ e: Event) -> String? {
        guard let user = e.user?.lowercased(), !user.isEmpty else { return nil }
        return (e.host ?? "") + "|" + user
    }
}

import Crypto
import Foundation
import GRDB
import JikochoModel

/// One entry of the chain of custody: who did what to which subject, linked to the entry before it.
///
/// `hash` is the SHA-256 of the canonical JSON of every other field; `prev` is the hash of the entry before
/// (64 zeros for the first). The same entry is a row of the `custody` table and a line of `custody.jsonl`.
public struct CustodyEntry: Hashable, Sendable {
    public var seq: Int64
    /// ISO 8601 UTC with microseconds.
    public var at: String
    public var actor: String
    /// Dotted: `case.init`, `evidence.add`, `ingest.run`, `ingest.interrupted`, `clock.set`, `report.write`.
    public var action: String
    public var subject: String
    /// Canonical JSON text of the details.
    public var detail: String
    public var prev: String
    public var hash: String

    public static let genesis = String(repeating: "0", count: 64)

    /// The canonical JSON of everything but the hash: what the hash covers. `detail` is spliced as stored, so an
    /// altered detail changes the hash even if it is not canonical.
    public var hashedText: String { canonicalJSON(withHash: false) }

    public var computedHash: String { sha256Hex(hashedText.utf8) }

    /// The line written to `custody.jsonl`: canonical JSON with the hash (keys sorted, so `hash` sits before
    /// `prev`).
    public var jsonLine: String { canonicalJSON(withHash: true) }

    private func canonicalJSON(withHash: Bool) -> String {
        var out = [UInt8]()
        func field(_ key: String, _ value: String) {
            out.append(contentsOf: (out.isEmpty ? "{\"\(key)\":" : ",\"\(key)\":").utf8)
            JSONValue.writeString(value, into: &out)
        }
        field("action", action)
        field("actor", actor)
        field("at", at)
        out.append(contentsOf: ",\"detail\":".utf8)
        out.append(contentsOf: detail.utf8)
        if withHash { field("hash", hash) }
        field("prev", prev)
        out.append(contentsOf: ",\"seq\":\(seq)".utf8)
        field("subject", subject)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    init(row: Row) {
        seq = row["seq"]
        at = row["at"]
        actor = row["actor"]
        action = row["action"]
        subject = row["subject"]
        detail = row["detail"]
        prev = row["prev"]
        hash = row["hash"]
    }

    init(seq: Int64, at: String, actor: String, action: String, subject: String, detail: String, prev: String) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
        self.prev = prev
        self.hash = ""
        self.hash = computedHash
    }

    /// Appends an entry inside the caller's write transaction. The `custody.jsonl` mirror is brought up to date by
    /// the case right after the transaction commits.
    @discardableResult
    static func append(_ db: Database, actor: String, action: String, subject: String, detail: JSONValue,
                       at: Timestamp = .now) throws -> CustodyEntry
    {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1")
        let entry = CustodyEntry(
            seq: (last?["seq"] as Int64? ?? 0) + 1, at: at.iso8601(precision: .microseconds), actor: actor,
            action: action, subject: subject, detail: detail.canonicalJSON, prev: last?["hash"] ?? genesis)
        try db.execute(
            sql: "INSERT INTO custody (seq, at, actor, action, subject, detail, prev, hash) VALUES (?,?,?,?,?,?,?,?)",
            arguments: [entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.detail, entry.prev,
                        entry.hash])
        return entry
    }

    static func fetchAll(_ db: Database) throws -> [CustodyEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM custody ORDER BY seq").map(CustodyEntry.init(row:))
    }
}

/// Lowercase hex SHA-256 of bytes.
public func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
    hex(SHA256.hash(data: Array(bytes)))
}

func hex(_ digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(64)
    for b in digest {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

extension Timestamp {
    /// The current time of the system clock.
    public static var now: Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }
}

import Foundation
import GRDB
import JikochoModel

/// An address seen in events that no asset of the inventory claims: an unknown device talking Modbus is a finding. At
/// an address the inventory shares by station, a station it does not name (`10.0.30.5 modbus:unit:9`).
public struct UnknownAddress: Sendable {
    public var address: String
    public var events: Int64
    /// The kinds of events it appears in, most frequent first (at most eight).
    public var kinds: [String]
    /// It appears in control-system (`ot`) events.
    public var ot: Bool
    public var first: Timestamp
    public var last: Timestamp
}

extension Case {
    /// Replaces the inventory with these assets in one step, recorded in custody with the file's SHA-256. Events are
    /// resolved against the inventory when they are read, so nothing is ingested again.
    @discardableResult
    public func importAssets(_ assets: [Asset], file: String, sha256: String) throws -> (imported: Int, replaced: Int) {
        try write { db in
            let replaced = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assets") ?? 0
            try db.execute(sql: "DELETE FROM assets")
            for a in assets {
                let tagMap = try String(decoding: JSONEncoder.sorted.encode(a.tagMap), as: UTF8.self)
                try db.execute(sql: """
                    INSERT INTO assets (name, role, purdue_level, zone, addresses, hostnames, tag_map, evidence,
                                        description, stations)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [a.name, a.role.rawValue, a.purdueLevel, a.zone,
                                     JSONValue.array(a.addresses.map { .string($0) }).canonicalJSON,
                                     JSONValue.array(a.hostnames.map { .string($0) }).canonicalJSON, tagMap,
                                     JSONValue.array(a.evidence.map { .string($0) }).canonicalJSON, a.description,
                                     JSONValue.array(a.stations.map { .string($0) }).canonicalJSON])
            }
            // Which clock an item belongs to can follow from the inventory: put times right under the new one.
            try applyClockCorrections(db)
            try CustodyEntry.append(db, actor: examiner, action: "assets.import", subject: file,
                                    detail: ["sha256": .string(sha256), "assets": .int(Int64(assets.count)),
                                             "replaced": .int(Int64(replaced))])
            return (assets.count, replaced)
        }
    }

    /// The inventory, by name.
    public func assets() throws -> [Asset] {
        try read { db in try assets(db) }
    }

    static func asset(row r: Row) -> Asset {
        func list(_ column: String) -> [String] {
            guard let text = r[column] as String?, let data = text.data(using: .utf8),
                  let a = try? JSONDecoder().decode([String].self, from: data) else { return [] }
            return a
        }
        let tagMap = (r["tag_map"] as String?).flatMap { $0.data(using: .utf8) }
            .flatMap { try? JSONDecoder().decode([Asset.TagMapping].self, from: $0) } ?? []
        var a = Asset(name: r["name"], role: Asset.Role(rawValue: r["role"]), purdueLevel: r["purdue_level"],
                      zone: r["zone"], addresses: list("addresses"), hostnames: list("hostnames"),
                      tagMap: tagMap, evidence: list("evidence"), description: r["description"])
        a.stations = list("stations")
        return a
    }

    /// A resolver over the current inventory.
    public func assetResolver() throws -> AssetResolver {
        try read { db in
            var r = AssetResolver(try assets(db))
            // Items the inventory assigns to an asset by its `evidence:` globs.
            guard r.assets.contains(where: { !$0.evidence.isEmpty }) else { return r }
            for row in try Row.fetchAll(db, sql: "SELECT id, name, relative_path, original_path FROM evidence") {
                let name: String = row["name"], original: String = row["original_path"]
                let relative: String? = row["relative_path"]
                if let a = r.assets.first(where: { a in
                    a.evidence.contains { Self.evidencePattern($0, matches: name, relative, original) }
                }) {
                    r.observers[row["id"]] = a.name
                }
            }
            return r
        }
    }

    /// Addresses in events (source or destination) that no asset claims, most active first.
    public func unknownAddresses(limit: Int = 100) throws -> [UnknownAddress] {
        let resolver = try assetResolver()
        return try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT ip, COUNT(*) AS n, MIN(time) AS first, MAX(time) AS last, MAX(domain = 'ot') AS ot
                FROM (SELECT src_ip AS ip, time, domain FROM events WHERE src_ip IS NOT NULL
                      UNION ALL SELECT dst_ip, time, domain FROM events WHERE dst_ip IS NOT NULL)
                GROUP BY ip ORDER BY n DESC, ip
                """)
            var out: [UnknownAddress] = []
            while let r = try rows.next(), out.count < limit {
                let ip: String = r["ip"]
                guard !resolver.knows(address: ip) else { continue }
                let kinds = try String.fetchAll(db, sql: """
                    SELECT kind FROM events WHERE src_ip = ? OR dst_ip = ? GROUP BY kind ORDER BY COUNT(*) DESC, kind
                    LIMIT 8
                    """, arguments: [ip, ip])
                out.append(UnknownAddress(address: ip, events: r["n"], kinds: kinds, ot: (r["ot"] as Int64? ?? 0) != 0,
                                          first: Timestamp(nanoseconds: r["first"]),
                                          last: Timestamp(nanoseconds: r["last"])))
            }
            // Stations no asset answers as, behind the addresses the inventory shares by station.
            for (address, named) in resolver.sharedAddresses.sorted(by: { $0.key < $1.key }) where out.count < limit {
                for r in try Row.fetchAll(db, sql: """
                    SELECT station, COUNT(*) AS n, MIN(time) AS first, MAX(time) AS last, MAX(domain = 'ot') AS ot
                    FROM (SELECT json_extract(attributes, '$.station') AS station, time, domain FROM events
                          WHERE src_ip = ? OR dst_ip = ? OR src_mac = ? OR dst_mac = ?)
                    WHERE station IS NOT NULL GROUP BY station ORDER BY n DESC, station
                    """, arguments: [address, address, address, address]) where out.count < limit {
                    let station: String = r["station"]
                    guard !named.contains(station) else { continue }
                    let kinds = try String.fetchAll(db, sql: """
                        SELECT kind FROM events WHERE (src_ip = ? OR dst_ip = ?) AND json_extract(attributes, '$.station') = ?
                        GROUP BY kind ORDER BY COUNT(*) DESC, kind LIMIT 8
                        """, arguments: [address, address, station])
                    out.append(UnknownAddress(address: "\(address) \(station)", events: r["n"], kinds: kinds,
                                              ot: (r["ot"] as Int64? ?? 0) != 0, first: Timestamp(nanoseconds: r["first"]),
                                              last: Timestamp(nanoseconds: r["last"])))
                }
            }
            // Control-system talkers first: they are the finding.
            return out.enumerated().sorted { a, b in
                a.element.ot != b.element.ot ? a.element.ot : a.offset < b.offset
            }.map(\.element)
        }
    }
}

extension JSONEncoder {
    /// Keys in order, so the same inventory is stored as the same text.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

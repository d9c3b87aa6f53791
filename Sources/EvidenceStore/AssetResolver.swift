import Foundation
import JikochoModel

/// Addresses and host names to assets, for resolving events at query time.
public struct AssetResolver: Sendable {
    /// Address → the asset that holds it: the one without a station where several share it (the gateway), else the
    /// only holder.
    private var byAddress: [String: String] = [:]
    private var byHost: [String: String] = [:]
    /// `address|station` → the asset that answers as that station behind the address.
    private var byStation: [String: String] = [:]
    /// Addresses some asset answers at by station, with every station named there.
    private var stationsAt: [String: Set<String>] = [:]
    /// Of those, the holder without a station (the gateway itself), when the inventory lists one.
    private var plainAt: [String: String] = [:]
    public let assets: [Asset]
    /// The asset that recorded each evidence item, where the inventory lists the file among its evidence: the observer
    /// of that item's events when the records name no host (an appliance's access log, a historian export).
    public var observers: [Int64: String] = [:]

    public init(_ assets: [Asset]) {
        self.assets = assets
        var holders: [String: Set<String>] = [:]
        for a in assets {
            for x in a.addresses {
                let n = Self.key(x)
                if a.stations.isEmpty {
                    byAddress[n] = a.name
                    plainAt[n] = a.name
                } else {
                    holders[n, default: []].insert(a.name)
                    for s in a.stations {
                        byStation[n + "|" + s] = a.name
                        stationsAt[n, default: []].insert(s)
                    }
                }
            }
            for h in a.hostnames {
                let l = h.lowercased()
                byHost[l] = a.name
                if let short = l.split(separator: ".").first, byHost[String(short)] == nil { byHost[String(short)] = a.name }
            }
            if byHost[a.name.lowercased()] == nil { byHost[a.name.lowercased()] = a.name }
        }
        // An address only one asset holds, by station, is that asset's for events that name no station (a flow).
        for (n, names) in holders where byAddress[n] == nil && names.count == 1 { byAddress[n] = names.first }
        plainAt = plainAt.filter { stationsAt[$0.key] != nil }
    }

    /// The asset at an address; with a station (`modbus:unit:2`), the one that answers as that station there. A
    /// station the inventory does not name at a shared address is the gateway's (the holder without a station), or
    /// no asset's: it is not any of the stations it does name.
    public func asset(address: String?, station: String? = nil) -> String? {
        guard let address else { return nil }
        let n = Self.key(address)
        if let station, stationsAt[n] != nil {
            return byStation[n + "|" + station] ?? plainAt[n]
        }
        return byAddress[n]
    }

    /// Every asset an event at the address may be: the one holding it alone, each answering there by station, and the
    /// gateway in front of them.
    public func holders(address: String?) -> [String] {
        guard let address else { return [] }
        let n = Self.key(address)
        var out: [String] = []
        for a in [byAddress[n], plainAt[n]] + (stationsAt[n] ?? []).sorted().map({ byStation[n + "|" + $0] }) {
            if let a, !out.contains(a) { out.append(a) }
        }
        return out
    }

    /// Whether some asset of the inventory holds the address (alone, or with others told apart by station).
    public func knows(address: String) -> Bool {
        let n = Self.key(address)
        return byAddress[n] != nil || stationsAt[n] != nil
    }

    /// Whether any asset is told apart from others at its address by station.
    public var hasStations: Bool { !stationsAt.isEmpty }

    /// Addresses shared by station, with the stations the inventory names at each.
    public var sharedAddresses: [String: Set<String>] { stationsAt }

    /// Which events at `address` are `asset`'s, by the station they name: nil when the address is not shared by
    /// station (all of them); else the stations that are its, and whether events naming none are too (its alone at
    /// the address) — or, for the gateway, the stations that are not its (events naming none are its).
    public func stationRule(asset: String, address: String) -> (stations: Set<String>, orNone: Bool, excluding: Bool)? {
        let n = Self.key(address)
        guard let named = stationsAt[n] else { return nil }
        if plainAt[n] == asset { return (named, true, true) }
        let own = Set(named.filter { byStation[n + "|" + $0] == asset })
        return (own, byAddress[n] == asset, false)
    }

    /// The station an event names (`station` attribute), when the inventory tells assets apart by station; read only
    /// then, and only in the canonical forms.
    public func station(of e: Event) -> String? {
        func shared(_ ip: String?) -> Bool { ip.map { stationsAt[Self.key($0)] != nil } ?? false }
        guard hasStations, shared(e.dst.ip) || shared(e.src.ip), case .string(let s)? = e.attributes["station"] else {
            return nil
        }
        return s
    }

    /// The asset at the event's destination (`dst: true`) or source, by address and the station the event names.
    public func endpointAsset(_ e: Event, dst: Bool) -> String? {
        let p = dst ? e.dst : e.src
        let station = station(of: e)
        return p.asset ?? asset(address: p.ip, station: station) ?? asset(address: p.mac, station: station)
    }

    public func asset(host: String?) -> String? {
        guard let h = host?.lowercased() else { return nil }
        return byHost[h] ?? h.split(separator: ".").first.flatMap { byHost[String($0)] }
    }

    /// Fills the event's asset (from its host) and its endpoints' assets (from their addresses and MACs).
    public func resolve(_ e: inout Event) {
        if e.asset == nil { e.asset = asset(host: e.host) }
        if e.asset == nil, e.host == nil { e.asset = observers[e.provenance.evidenceID] }
        let station = station(of: e)
        if e.src.asset == nil { e.src.asset = asset(address: e.src.ip, station: station) ?? asset(address: e.src.mac, station: station) }
        if e.dst.asset == nil { e.dst.asset = asset(address: e.dst.ip, station: station) ?? asset(address: e.dst.mac, station: station) }
    }

    /// How an inventory address and an event's are compared: canonical, else as written in lower case.
    static func key(_ address: String) -> String { normalizedAddress(address) ?? address.lowercased() }

    /// The canonical text of an IPv4, IPv6 or MAC address (`fe80::1`, `00:1b:1b:aa:bb:cc`), or nil.
    public static func normalizedAddress(_ s: String) -> String? {
        let t = s.trimmingCharacters(in: .whitespaces)
        var v4 = in_addr()
        if inet_pton(AF_INET, t, &v4) == 1 {
            var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            return inet_ntop(AF_INET, &v4, &buf, socklen_t(buf.count)).map { _ in String(cString: buf) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, t, &v6) == 1 {
            var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            return inet_ntop(AF_INET6, &v6, &buf, socklen_t(buf.count)).map { _ in String(cString: buf) }
        }
        let parts = t.split(whereSeparator: { $0 == ":" || $0 == "-" })
        if parts.count == 6, parts.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }) {
            return parts.map { $0.lowercased() }.joined(separator: ":")
        }
        return nil
    }
}

import Foundation
import JikochoModel

/// Addresses and host names to assets, for resolving events at query time.
public struct AssetResolver: Sendable {
    private var byAddress: [String: String] = [:]
    private var byHost: [String: String] = [:]
    public let assets: [Asset]
    /// The asset that recorded each evidence item, where the inventory lists the file among its evidence: the observer
    /// of that item's events when the records name no host (an appliance's access log, a historian export).
    public var observers: [Int64: String] = [:]

    public init(_ assets: [Asset]) {
        self.assets = assets
        for a in assets {
            for x in a.addresses { byAddress[AssetResolver.normalizedAddress(x) ?? x.lowercased()] = a.name }
            for h in a.hostnames {
                let l = h.lowercased()
                byHost[l] = a.name
                if let short = l.split(separator: ".").first, byHost[String(short)] == nil { byHost[String(short)] = a.name }
            }
            if byHost[a.name.lowercased()] == nil { byHost[a.name.lowercased()] = a.name }
        }
    }

    public func asset(address: String?) -> String? {
        guard let address else { return nil }
        return byAddress[AssetResolver.normalizedAddress(address) ?? address.lowercased()]
    }

    public func asset(host: String?) -> String? {
        guard let h = host?.lowercased() else { return nil }
        return byHost[h] ?? h.split(separator: ".").first.flatMap { byHost[String($0)] }
    }

    /// Fills the event's asset (from its host) and its endpoints' assets (from their addresses and MACs).
    public func resolve(_ e: inout Event) {
        if e.asset == nil { e.asset = asset(host: e.host) }
        if e.asset == nil, e.host == nil { e.asset = observers[e.provenance.evidenceID] }
        if e.src.asset == nil { e.src.asset = asset(address: e.src.ip) ?? asset(address: e.src.mac) }
        if e.dst.asset == nil { e.dst.asset = asset(address: e.dst.ip) ?? asset(address: e.dst.mac) }
    }

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

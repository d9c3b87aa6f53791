import JikochoModel

/// A deterministic stream of realistic-looking events (Modbus writes, logons, flows) for benchmarks and crash
/// tests. It reads no evidence: the events cite the evidence item they are attached to with a `synthetic N`
/// locator, so they can never be mistaken for events read from a file.
public enum SyntheticEvents {
    public static let collectorName = "synthetic/events"
    public static let collectorVersion = "1"

    /// Event number `i` of the stream; the same `i` always gives the same event.
    public static func event(_ i: Int, evidenceID: Int64, start: Timestamp = Timestamp(seconds: 1_612_515_600))
        -> Event
    {
        let t = start + Int64(i) * 1_000_000    // one per millisecond
        let host = "hmi-\(i % 7)"
        let src = Endpoint(ip: "10.10.\(i % 4).\(10 + i % 200)", port: UInt16(49152 + i % 16000))
        let prov = Provenance(evidenceID: evidenceID, collector: collectorName, collectorVersion: collectorVersion,
                              locator: "synthetic \(i)")
        switch i % 3 {
        case 0:
            let reg = 40001 + i % 50
            return Event(time: t, timeDescription: "Packet time", domain: .ot, kind: "ics.modbus.write", host: host,
                         src: src, dst: Endpoint(ip: "10.20.0.\(5 + i % 3)", port: 502),
                         message: "Write Single Register unit 1 register \(reg) value \(i % 1000)",
                         attributes: ["unit": .int(1), "function": .int(6), "register": .int(Int64(reg)),
                                      "value": .int(Int64(i % 1000))],
                         provenance: prov)
        case 1:
            return Event(time: t, timeDescription: "Logon time", domain: .it, kind: "auth.logon", host: host,
                         src: src, user: "operator\(i % 5)",
                         message: "Accepted password for operator\(i % 5) from \(src.ip!) port \(src.port!) ssh2",
                         attributes: ["method": "password", "service": "sshd"], provenance: prov, tags: ["T1078"])
        default:
            return Event(time: t, timeDescription: "First packet time", domain: .network, kind: "net.flow",
                         src: src, dst: Endpoint(ip: "10.20.0.9", port: 443),
                         message: "TCP \(src.description) -> 10.20.0.9:443 \(i % 90) packets",
                         attributes: ["packets": .int(Int64(i % 90)), "bytes": .int(Int64(i % 90 * 300))],
                         provenance: prov)
        }
    }
}

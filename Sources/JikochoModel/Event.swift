/// Where an event happened, in the layers of a plant: office IT, the network, the control system, the process.
public enum Domain: String, Codable, Sendable, CaseIterable {
    case it, network, ot, process
}

/// One side of a communication: an address, a port and a MAC where known, and the asset it resolves to.
public struct Endpoint: Hashable, Codable, Sendable {
    public var ip: String?
    public var port: UInt16?
    public var mac: String?
    public var asset: String?

    public init(ip: String? = nil, port: UInt16? = nil, mac: String? = nil, asset: String? = nil) {
        self.ip = ip
        self.port = port
        self.mac = mac
        self.asset = asset
    }

    public var isEmpty: Bool { ip == nil && port == nil && mac == nil && asset == nil }

    /// `10.0.0.5:502`, `[fe80::1]:502`, or the MAC alone.
    public var description: String {
        guard let ip else { return mac ?? asset ?? "" }
        // A byte test: `contains(":")` on a String resolves to Foundation's substring search, a hundred times slower.
        let host = ip.utf8.contains(UInt8(ascii: ":")) ? "[\(ip)]" : ip
        return port.map { "\(host):\($0)" } ?? ip
    }
}

/// Where an event came from: which evidence item, read by which collector, and where inside it.
public struct Provenance: Hashable, Codable, Sendable {
    public var evidenceID: Int64
    public var collector: String
    public var collectorVersion: String
    /// A place inside the evidence a person can go back to: `packet 1532`, `record 88 @0x3f00`, `line 4412`.
    public var locator: String

    public init(evidenceID: Int64, collector: String, collectorVersion: String, locator: String) {
        self.evidenceID = evidenceID
        self.collector = collector
        self.collectorVersion = collectorVersion
        self.locator = locator
    }
}

/// One normalized thing that happened (../shared/DESIGN.md, "Events").
public struct Event: Hashable, Codable, Sendable {
    /// Corrected time, used for ordering.
    public var time: Timestamp
    /// The time as the source wrote it, converted to UTC with the declared zone, before clock correction.
    public var recordedTime: Timestamp
    /// What the time means ("Logon time", "Packet time", "Sample time"): Timesketch's `timestamp_desc`.
    public var timeDescription: String
    public var domain: Domain
    /// Dotted action name: `auth.logon`, `ics.modbus.write`, `process.setpoint_change`.
    public var kind: String
    /// The host that observed or wrote the record.
    public var host: String?
    /// The asset the observer resolves to.
    public var asset: String?
    public var src: Endpoint
    public var dst: Endpoint
    public var user: String?
    /// One human-readable line.
    public var message: String
    /// The record's own fields, typed.
    public var attributes: Attributes
    public var provenance: Provenance
    /// ATT&CK technique ids and playbook labels.
    public var tags: [String]

    public init(time: Timestamp, recordedTime: Timestamp? = nil, timeDescription: String, domain: Domain,
                kind: String, host: String? = nil, asset: String? = nil, src: Endpoint = Endpoint(),
                dst: Endpoint = Endpoint(), user: String? = nil, message: String,
                attributes: Attributes = Attributes(), provenance: Provenance, tags: [String] = [])
    {
        self.time = time
        self.recordedTime = recordedTime ?? time
        self.timeDescription = timeDescription
        self.domain = domain
        self.kind = kind
        self.host = host
        self.asset = asset
        self.src = src
        self.dst = dst
        self.user = user
        self.message = message
        self.attributes = attributes
        self.provenance = provenance
        self.tags = tags
    }
}

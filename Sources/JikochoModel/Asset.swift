/// A device or host of the site, as the asset inventory names it.
public struct Asset: Hashable, Codable, Sendable {
    /// What the asset does; unknown roles keep their text.
    public enum Role: Hashable, Codable, Sendable, RawRepresentable {
        case hmi, plc, rtu, historian, engineeringWorkstation, jumpHost, domainController, fileServer
        case firewall, remoteAccess, workstation, server, unknown
        case other(String)

        public init(rawValue: String) {
            switch rawValue.lowercased() {
            case "hmi": self = .hmi
            case "plc": self = .plc
            case "rtu": self = .rtu
            case "historian": self = .historian
            case "engineering-workstation", "ews": self = .engineeringWorkstation
            case "jump-host": self = .jumpHost
            case "domain-controller": self = .domainController
            case "file-server": self = .fileServer
            case "firewall": self = .firewall
            case "remote-access": self = .remoteAccess
            case "workstation": self = .workstation
            case "server": self = .server
            case "", "unknown": self = .unknown
            default: self = .other(rawValue)
            }
        }

        public var rawValue: String {
            switch self {
            case .hmi: return "hmi"
            case .plc: return "plc"
            case .rtu: return "rtu"
            case .historian: return "historian"
            case .engineeringWorkstation: return "engineering-workstation"
            case .jumpHost: return "jump-host"
            case .domainController: return "domain-controller"
            case .fileServer: return "file-server"
            case .firewall: return "firewall"
            case .remoteAccess: return "remote-access"
            case .workstation: return "workstation"
            case .server: return "server"
            case .unknown: return "unknown"
            case .other(let s): return s
            }
        }
    }

    /// Ties a controller's register or object to the historian tag it drives (`holding:40001 -> NaOH_SP`).
    public struct TagMapping: Hashable, Codable, Sendable {
        public var point: String
        public var tag: String
        /// The tag is a setpoint (when the inventory says; else its name decides).
        public var setpoint: Bool?
        /// Operating limits of the tag, which the process-event detector uses instead of a learned band.
        public var low: Double?
        public var high: Double?
        public var unit: String?
        /// Historian value = raw controller value × scale (`0.01` when the PLC holds hundredths).
        public var scale: Double?
        /// How a Modbus register point holds its value (`int16`, `uint32`, `float32`, …; nil: one unsigned register)
        /// and, for 32-bit values, which word comes first (`low-first`; nil: high first).
        public var type: String?
        public var wordOrder: String?
        /// Why the type is what it is when the inventory did not say (worked out from the case's writes and
        /// historian); nil when the inventory says.
        public var typeBasis: String?

        public init(point: String, tag: String, setpoint: Bool? = nil, low: Double? = nil, high: Double? = nil,
                    unit: String? = nil, scale: Double? = nil)
        {
            self.scale = scale
            self.point = point
            self.tag = tag
            self.setpoint = setpoint
            self.low = low
            self.high = high
            self.unit = unit
        }
    }

    public var name: String
    public var role: Role
    /// Purdue model level, 0 (process) to 5 (enterprise).
    public var purdueLevel: Int?
    public var zone: String?
    /// IPv4, IPv6 and MAC addresses.
    public var addresses: [String]
    /// The stations it answers as behind its address (`modbus:unit:2`, `dnp3:outstation:10`, `iec104:ca:1`): several
    /// assets may share an address when they are told apart by station (RTUs behind one serial gateway).
    public var stations: [String] = []
    public var hostnames: [String]
    public var tagMap: [TagMapping]
    /// Evidence files this asset recorded, as globs over their path in the case (`historian/hist-1*.csv`): their
    /// times are this asset's clock.
    public var evidence: [String]
    public var description: String?

    public init(name: String, role: Role = .unknown, purdueLevel: Int? = nil, zone: String? = nil,
                addresses: [String] = [], hostnames: [String] = [], tagMap: [TagMapping] = [],
                evidence: [String] = [], description: String? = nil)
    {
        self.evidence = evidence
        self.description = description
        self.name = name
        self.role = role
        self.purdueLevel = purdueLevel
        self.zone = zone
        self.addresses = addresses
        self.hostnames = hostnames
        self.tagMap = tagMap
    }
}

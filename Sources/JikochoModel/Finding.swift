/// A conclusion a playbook drew, with the events that support it.
public struct Finding: Hashable, Codable, Sendable {
    public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
        case info, low, medium, high, critical

        public static func < (a: Severity, b: Severity) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public var id: Int64?
    /// Dotted playbook name, e.g. `ICS.Process.RemoteSetpointTampering`.
    public var playbook: String
    public var title: String
    public var severity: Severity
    public var summary: String
    /// ATT&CK (Enterprise and ICS) technique ids.
    public var techniques: [String]
    /// Ids of the events that support the finding.
    public var eventIDs: [Int64]
    public var createdAt: Timestamp

    public init(id: Int64? = nil, playbook: String, title: String, severity: Severity, summary: String,
                techniques: [String] = [], eventIDs: [Int64] = [], createdAt: Timestamp)
    {
        self.id = id
        self.playbook = playbook
        self.title = title
        self.severity = severity
        self.summary = summary
        self.techniques = techniques
        self.eventIDs = eventIDs
        self.createdAt = createdAt
    }
}

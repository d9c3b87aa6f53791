import JikochoModel

/// A problem with one record that did not stop the collector: kept with its locator so a person can look.
public struct CollectorWarning: Hashable, Codable, Sendable {
    public var evidenceID: Int64
    /// Where in the evidence: `line 4412`, `packet 17`, `record 88 @0x3f00`.
    public var locator: String
    public var text: String

    public init(evidenceID: Int64, locator: String, text: String) {
        self.evidenceID = evidenceID
        self.locator = locator
        self.text = text
    }
}

/// Where a collector puts what it reads. The case supplies one that writes into SQLite; tests use `MemorySink`.
/// Collectors know no database.
public protocol EventSink: AnyObject {
    func emit(_ event: Event) throws
    func warn(_ warning: CollectorWarning) throws
}

/// A sink that keeps everything in memory, for tests and small tools.
public final class MemorySink: EventSink {
    public private(set) var events: [Event] = []
    public private(set) var warnings: [CollectorWarning] = []

    public init() {}

    public func emit(_ event: Event) throws { events.append(event) }
    public func warn(_ warning: CollectorWarning) throws { warnings.append(warning) }
}

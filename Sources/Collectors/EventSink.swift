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
    /// Declares a historian series of the evidence; the handle returned names it in `emit(_:series:)`. Declaring
    /// the same name again returns the same handle.
    func defineSeries(_ info: SeriesInfo) throws -> Int
    /// One historian sample (samples are not events: ../shared/DESIGN.md, "Events").
    func emit(_ sample: Sample, series: Int) throws
}

/// A sink that keeps everything in memory, for tests and small tools.
public final class MemorySink: EventSink {
    public private(set) var events: [Event] = []
    public private(set) var warnings: [CollectorWarning] = []
    public private(set) var series: [SeriesInfo] = []
    /// Samples by series handle (an index into `series`).
    public private(set) var samples: [[Sample]] = []
    private var seriesIndex: [String: Int] = [:]

    public init() {}

    public func emit(_ event: Event) throws { events.append(event) }
    public func warn(_ warning: CollectorWarning) throws { warnings.append(warning) }

    public func defineSeries(_ info: SeriesInfo) throws -> Int {
        if let i = seriesIndex[info.name] { return i }
        series.append(info)
        samples.append([])
        seriesIndex[info.name] = series.count - 1
        return series.count - 1
    }

    public func emit(_ sample: Sample, series: Int) throws { samples[series].append(sample) }

    public var sampleCount: Int { samples.reduce(0) { $0 + $1.count } }

    /// The samples of the series with this name.
    public func samples(named name: String) -> [Sample]? { seriesIndex[name].map { samples[$0] } }
}

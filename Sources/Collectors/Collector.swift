import JikochoModel

/// How sure a collector is that it reads a piece of evidence. The surest collector wins.
public enum Confidence: Int, Comparable, Sendable {
    case no = 0
    /// The extension or MIME type fits.
    case maybe = 1
    /// The first line or record parses.
    case likely = 2
    /// A magic number matched (`ElfFile\0`, the pcap magic).
    case certain = 3

    public static func < (a: Confidence, b: Confidence) -> Bool { a.rawValue < b.rawValue }
}

/// What identification looks at: the name, the MIME type from libmagic and the first bytes.
public struct EvidenceProbe: Sendable {
    public var name: String
    public var mimeType: String?
    public var head: [UInt8]

    public init(name: String, mimeType: String?, head: [UInt8]) {
        self.name = name
        self.mimeType = mimeType
        self.head = head
    }

    /// How many bytes of the file identification reads.
    public static let headSize = 4096
}

/// A piece of evidence handed to a collector: its catalogue entry and the read-only copy to read.
public struct EvidenceSource: Sendable {
    public var item: EvidenceItem
    /// Path of the read-only object in the case's store.
    public var path: String
    /// Options from the command line (`--tz`, `--host`, `--year`).
    public var options: [String: String]

    public init(item: EvidenceItem, path: String, options: [String: String] = [:]) {
        self.item = item
        self.path = path
        self.options = options
    }
}

/// A reader of one kind of evidence (plaso's parser plug-in, dissect's loader).
public protocol Collector: Sendable {
    /// `family/name`, e.g. `pcap`, `log/syslog`, `historian/pi`.
    static var name: String { get }
    /// Bumped whenever what the collector emits changes; recorded with every ingest run.
    static var version: String { get }
    static func identify(_ probe: EvidenceProbe) -> Confidence
    /// Reads the evidence and emits events and warnings. Throws only when the evidence cannot be read at all.
    func collect(_ source: EvidenceSource, into sink: some EventSink) throws
    init()
}

/// Every collector, in one explicit list (Swift has no import side effects to register them).
public enum CollectorRegistry {
    public static let all: [any Collector.Type] = [
        EVTXCollector.self, PcapCollector.self, SyslogCollector.self, AccessLogCollector.self, WebErrorLogCollector.self,
        JSONLinesCollector.self, PIHistorianCollector.self, AVEVAHistorianCollector.self,
        IgnitionHistorianCollector.self, LongHistorianCollector.self, WideHistorianCollector.self,
    ]

    /// The collector with this name, if any.
    public static func named(_ name: String) -> (any Collector.Type)? {
        all.first { $0.name == name }
    }

    /// The surest collector for a probe, or nil when none accepts it (the evidence is then kept as "not parsed").
    public static func identify(_ probe: EvidenceProbe) -> (any Collector.Type)? {
        var best: (any Collector.Type)?
        var bestConfidence = Confidence.no
        for c in all {
            let conf = c.identify(probe)
            if conf > bestConfidence {
                best = c
                bestConfidence = conf
            }
        }
        return best
    }
}

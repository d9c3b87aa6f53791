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
    public let name: String
    public let mimeType: String?
    public let head: [UInt8]
    /// The head as UTF-8 text, whatever its encoding (`TextEncoding`): told once here for every collector that reads
    /// text written in UTF-16 or Shift_JIS.
    public let text: [UInt8]
    /// The stored copy, for the few collectors that must look past the head to tell (a workbook's sheets); nil
    /// when only the head is at hand.
    public let path: String?

    public init(name: String, mimeType: String?, head: [UInt8], path: String? = nil) {
        self.name = name
        self.mimeType = mimeType
        self.head = head
        self.path = path
        text = TextEncoding.of(head: head).utf8(head)
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
    /// What the asset inventory says of historian tags, by tag: the asset that owns the tag, whether it is a
    /// setpoint, its limits and unit.
    public var tags: [String: TagKnowledge]
    /// How many threads a collector that parses parts of one item side by side may use (EVTX chunks). Not an
    /// option of the run: what a collector emits never depends on it.
    public var threads: Int

    public init(item: EvidenceItem, path: String, options: [String: String] = [:],
                tags: [String: TagKnowledge] = [:], threads: Int = Parallel.cores)
    {
        self.item = item
        self.path = path
        self.options = options
        self.tags = tags
        self.threads = threads
    }
}

/// An inventory's word on one historian tag (from an asset's tag map).
public struct TagKnowledge: Hashable, Sendable {
    public var asset: String
    public var point: String
    public var setpoint: Bool?
    public var low: Double?
    public var high: Double?
    public var unit: String?

    public init(asset: String, mapping m: Asset.TagMapping) {
        self.asset = asset
        point = m.point
        setpoint = m.setpoint
        low = m.low
        high = m.high
        unit = m.unit
    }

    /// The tags of an inventory, by tag name.
    public static func of(_ assets: [Asset]) -> [String: TagKnowledge] {
        var out: [String: TagKnowledge] = [:]
        for a in assets { for m in a.tagMap { out[m.tag] = TagKnowledge(asset: a.name, mapping: m) } }
        return out
    }

    /// The knowledge for a series: by its tag, else by the tag's last path element (`[default]Plant/NaOH_SP`
    /// matches `NaOH_SP`), ignoring case.
    public static func find(_ tag: String, in tags: [String: TagKnowledge]) -> TagKnowledge? {
        if tags.isEmpty { return nil }
        if let k = tags[tag] { return k }
        let last = String(tag.split(whereSeparator: { $0 == "/" || $0 == "]" }).last ?? Substring(tag))
        if let k = tags[last] { return k }
        let lower = tag.lowercased(), lastLower = last.lowercased()
        return tags.first { $0.key.lowercased() == lower || $0.key.lowercased() == lastLower }?.value
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
        JSONLinesCollector.self, RemoteControlLogCollector.self, PIHistorianCollector.self, AVEVAHistorianCollector.self,
        IgnitionHistorianCollector.self, LongHistorianCollector.self, WideHistorianCollector.self,
        WinCCHistorianCollector.self, XLSXHistorianCollector.self,
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
                // Nothing later can be surer (an equal confidence keeps the earlier collector): the rest are not asked,
                // which spares every binary item the text readers' tries at its first lines.
                if conf == .certain { break }
            }
        }
        return best
    }
}

import EvidenceStore
import Foundation
import JikochoModel

/// Where a claim comes from: the evidence item (by SHA-256, so the citation survives renaming) and the place in it.
public struct Citation: Sendable, Hashable {
    public var eventID: Int64
    public var evidenceID: Int64
    public var evidence: String
    public var sha256: String
    public var locator: String

    /// `0036dcf28dbc line 216 @0x8d88`: what a reader looks up with `sha256sum` and an editor.
    public var short: String { "\(sha256.prefix(12)) \(locator)" }
}

/// One step of the chain as a report tells it.
public struct ReportStep: Sendable {
    public var number: Int
    /// `vpn session`, `logon session`, `controller write`, `process change`, `impact`, or a playbook step's title.
    public var role: String
    public var kind: String
    public var time: Timestamp
    public var recordedTime: Timestamp
    public var asset: String?
    public var user: String?
    public var src: String?
    public var message: String
    public var techniques: [String]
    public var citation: Citation
    public var notes: [String]
    /// How this step leads to the next: the rule, what it rests on, and the time between them.
    public var link: (rule: String, why: String, gapNanos: Int64)?
    /// Fields a grader or a reader compares: `point`, `value`, `tag`.
    public var fields: [String: String]
    /// What the event says in plain words, when its message is a device's machine record (a FortiOS key=value record,
    /// a PAN-OS CSV or CEF record, …) too long to read at a glance: the record itself is then shown folded.
    public var summary: String? = nil

    public var corrected: Bool { time != recordedTime }

    /// Messages longer than this are folded under their plain-words summary, when there is one.
    public static let foldLength = 160

    /// The summary to show instead of the message, or nil to show the message.
    public var shownSummary: String? { message.utf8.count > Self.foldLength ? summary : nil }
}

public struct ReportAlternative: Sendable {
    public var step: Int
    public var why: String
    /// Whether other evidence speaks against it (the host's connection record names the chain's account).
    public var ruledOut = false
    public var kind: String
    public var time: Timestamp
    public var citation: Citation
}

public struct ReportChain: Sendable {
    public var steps: [ReportStep]
    public var alternatives: [ReportAlternative]
    public var end: String
    public var reachesOutside: Bool
    public var restores: Bool
    public var title: String
    /// The impact is a measured value showing what the chain's write put at its point (see `CausalChain`).
    public var overwritesMeasurement = false
}

/// The answer to "was it a cyber event, and how", in the shape of an exercise's answer key.
public struct Conclusion: Sendable {
    /// true, false ("no evidence of a cyber cause"), or nil when the case cannot tell.
    public var cyberCause: Bool?
    /// One line for the top of the report.
    public var verdict: String
    public var rootCause: String
    /// `high`, `medium` or `low`.
    public var confidence: String
    /// What raises or lowers the confidence, each in one sentence.
    public var reasons: [String]
    /// Seconds added to each corrected clock (positive: the clock was behind).
    public var clockOffsets: [(clock: String, seconds: Double, uncertainty: Double?)]
    public var techniques: [String]
}

public struct PlotSeries: Sendable {
    public var name: String
    public var unit: String?
    public var low: Double?
    public var high: Double?
    public var setpoint: Bool
    /// Corrected time (ns) and value, decimated to at most a few hundred points per panel (minimum and maximum of
    /// each bucket kept, so that a spike is never smoothed away).
    public var points: [(Int64, Double)]
    public var samples: Int
}

public struct PlotMarker: Sendable {
    public var time: Int64
    public var label: String
    /// The step number when the marker is on the chain.
    public var step: Int?
    public var citation: Citation
}

/// The physical effect: the change, what followed it, and the process values around it.
public struct ProcessImpact: Sendable {
    public var asset: String?
    public var headline: String
    public var citation: Citation
    public var effects: [(message: String, time: Timestamp, citation: Citation)]
    public var from: Int64
    public var to: Int64
    public var series: [PlotSeries]
    public var markers: [PlotMarker]
    /// How the historian's times were put right, when they were.
    public var clockNote: String?
    /// Other equipment whose tags are plotted because it moved in the same minutes (a drive tripping with its line).
    public var related: [String] = []
}

public struct SwimlaneEvent: Sendable {
    public var time: Int64
    public var domain: Domain
    public var kind: String
    public var step: Int?
    public var inFinding: Bool
}

public struct Swimlanes: Sendable {
    public var from: Int64
    public var to: Int64
    public var events: [SwimlaneEvent]
    /// Events in the window per lane, including those not drawn.
    public var counts: [Domain: Int]
    public var truncated: Bool
}

public struct ReportFindingStep: Sendable {
    public var title: String
    public var kind: String
    public var time: Timestamp
    public var recordedTime: Timestamp?
    public var message: String
    public var citation: Citation?
    /// As `ReportStep.summary`: the event in plain words when its message is a long machine record.
    public var summary: String? = nil

    /// The summary to show instead of the message, or nil to show the message.
    public var shownSummary: String? { message.utf8.count > ReportStep.foldLength ? summary : nil }
}

public struct ReportFinding: Sendable {
    public var id: Int64?
    public var playbook: String
    public var title: String
    public var severity: Finding.Severity
    public var summary: String
    public var techniques: [String]
    public var steps: [ReportFindingStep]
    public var recommendations: [String]
    public var events: [Int64]
    /// The finding rests on events of the chain, or on the address the chain came from.
    public var onChain: Bool
}

public struct ClockRow: Sendable {
    public var name: String
    public var source: ClockSource
    public var correction: ClockCorrection
    public var uncertaintyNanos: Int64?
    public var reason: String?
    public var pairs: Int?
    public var items: [String]
}

public struct EvidenceRow: Sendable {
    public var id: Int64
    public var name: String
    public var sha256: String
    public var size: Int64
    public var mime: String?
    public var parent: Int64?
    public var collector: String?
    /// `complete`, `incomplete`, `failed`, `running` (interrupted) or `not parsed`.
    public var status: String
    public var events: Int64
    public var warnings: Int64
    public var samples: Int64
    public var clock: String?
}

public struct VerifySummary: Sendable {
    public var clean: Bool
    public var objects: Int
    public var bytes: Int64
    public var custodyEntries: Int
    public var head: String
    public var problems: [String]
}

public struct Gap: Sendable, Hashable {
    /// `evidence`, `playbook`, `clock`, `ingest`, `inventory`.
    public var area: String
    public var text: String
}

/// Everything a report says, gathered once from the case; the HTML, Markdown and JSON forms render this.
public struct Report: Sendable {
    public var caseName: String
    public var caseID: String
    public var examiner: String
    public var caseCreated: String
    public var generatedAt: Timestamp
    public var version: String
    public var custodyHead: String
    public var custodyEntries: Int
    public var eventCount: Int64
    public var sampleCount: Int64

    public var conclusion: Conclusion
    public var chain: ReportChain?
    /// Other chains to physical effects, in one line each (an operator's correction, a routine change).
    public var otherChains: [ReportChain]
    public var impact: ProcessImpact?
    public var swimlanes: Swimlanes?
    public var findings: [ReportFinding]
    public var playbooks: [PlaybookRunResult]
    public var playbooksRunAt: String?
    public var clocks: [ClockRow]
    public var evidence: [EvidenceRow]
    public var verify: VerifySummary?
    public var gaps: [Gap]
    public var recommendations: [String]
}

extension Report {
    /// The technique ids of the report with their names, in id order.
    public var allTechniques: [String] {
        Array(Set(conclusion.techniques + findings.flatMap(\.techniques))).sorted()
    }
}

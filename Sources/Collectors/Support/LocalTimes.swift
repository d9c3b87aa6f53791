import JikochoModel

/// Local times of one evidence item: read in the declared zone (`--tz`, else the item's own), else as UTC with one
/// warning saying so; daylight-saving gaps and overlaps are warnings on their line.
struct LocalTimes {
    let zone: LocalTimeZone
    let declared: Bool
    private var warnedZone = false

    init(_ source: EvidenceSource) throws {
        let spec = source.options["tz"] ?? source.item.timeZone
        if let spec {
            guard let z = LocalTimeZone(spec) else { throw CollectorError.notThisFormat("unknown time zone \(spec)") }
            zone = z
        } else {
            zone = LocalTimeZone("UTC")!
        }
        declared = spec != nil
    }

    /// The UTC time of a line's time, or nil (after a warning) when it cannot be one.
    mutating func timestamp<Sink>(_ c: CivilTime, _ line: LineReader.Line, _ warn: LineWarnings<Sink>) throws -> Timestamp? {
        if c.utcOffsetSeconds == nil, !declared, !warnedZone {
            warnedZone = true
            try warn(line.locator, "no time zone declared for this evidence; local times were read as UTC "
                        + "(pass --tz to declare it)")
        }
        guard let (time, resolution) = zone.timestamp(c) else {
            try warn(line.locator, "impossible time in the line: \(preview(line.bytes))")
            return nil
        }
        switch resolution {
        case .exact: break
        case .ambiguous:
            try warn(line.locator, "local time occurs twice in \(zone.spec) (clocks set back); the earlier was taken")
        case .nonexistent:
            try warn(line.locator, "local time does not exist in \(zone.spec) (clocks set forward)")
        }
        return time
    }
}

import ArgumentParser

/// Limits and choices for reading captures (the `network/pcap` collector). Each limit has a default a hostile
/// capture cannot exceed; when one triggers, the run carries a warning that names the flag.
struct CaptureOptions: ParsableArguments {
    @Option(help: "Captures: flows held open at once before the least recently active are closed early.")
    var maxFlows: Int?
    @Option(help: "Captures: MiB of TCP segments waiting for lost data, over all flows, before holes are skipped as gaps.")
    var maxReassemblyMib: Int?
    @Option(help: "Captures: KiB waiting for lost data in one direction of one flow before its hole is skipped.")
    var maxStreamPendingKib: Int?
    @Flag(help: "Captures: keep every routine poll as its own event instead of one event for the first and a summary.")
    var everyPoll = false
    @Flag(help: "Captures: decode a frame the capture holds twice (a SPAN copy within 2 ms, a PRP or HSR frame's second copy) twice instead of once.")
    var keepCopies = false

    /// As collector options (recorded with each ingest run).
    var collectorOptions: [String: String] {
        var o: [String: String] = [:]
        if let v = maxFlows { o["max-flows"] = String(v) }
        if let v = maxReassemblyMib { o["max-reassembly-bytes"] = String(v << 20) }
        if let v = maxStreamPendingKib { o["max-stream-pending"] = String(v << 10) }
        if everyPoll { o["aggregate"] = "off" }
        if keepCopies { o["copies"] = "keep" }
        return o
    }
}

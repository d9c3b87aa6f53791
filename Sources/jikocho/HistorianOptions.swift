import ArgumentParser

/// Choices for reading historian exports (the `historian/*` collectors).
struct HistorianOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Historian exports and TeamViewer connection lists: how to read numeric dates the file leaves ambiguous (dmy, mdy, ymd).",
                               valueName: "ORDER"))
    var dateOrder: String?
    @Flag(help: "Historian exports: store the samples only, without deriving process events.")
    var noProcessEvents = false
    @Option(help: "Historian exports: series analysed for process events (the rest are stored only).")
    var maxAnalysedSeries: Int?

    func validate() throws {
        if let o = dateOrder, !["dmy", "mdy", "ymd"].contains(o) {
            throw ValidationError("--date-order \(o): use dmy, mdy or ymd")
        }
        if let n = maxAnalysedSeries, n < 0 { throw ValidationError("--max-analysed-series must be 0 or more") }
    }

    /// As collector options (recorded with each ingest run).
    var collectorOptions: [String: String] {
        var o: [String: String] = [:]
        if let v = dateOrder {
            o["historian.date-order"] = v
            if v != "ymd" { o["remote-control.date-order"] = v }
        }
        if noProcessEvents { o["historian.events"] = "off" }
        if let v = maxAnalysedSeries { o["historian.max-analysed-series"] = String(v) }
        return o
    }
}

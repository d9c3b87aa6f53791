import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

@testable import EvidenceStore
@testable import Timeline

@Suite struct TimelineExportTests {
    func lines(_ c: Case, _ format: TimelineFormat, _ q: EventQuery = EventQuery()) throws -> (String?, [String]) {
        let w = TimelineWriter(format: format, context: try TimelineContext(c))
        var out: [String] = []
        try c.forEachEvent(q) { out.append(w.line($0)) }
        return (w.header, out)
    }

    /// Timesketch's import rules: every line one JSON object with `message`, `datetime` (ISO 8601 with an explicit
    /// offset) and `timestamp_desc` as non-empty text; `timestamp` in microseconds agreeing with `datetime`; flat
    /// scalar fields whose names do not start with `_` (reserved by the search backend).
    @Test func theTimesketchExportFollowsTimesketchsImportRules() throws {
        let c = try FlagshipCase.shared.makeCase(label: "timesketch")
        let est = try ClockEstimator().estimate(c)
        let h = try #require(est.estimates.first { $0.clock == "historian-1" })
        try c.setClock("historian-1", correction: h.correction, source: .estimate, reason: "test")
        let (header, out) = try lines(c, .timesketch)
        #expect(header == nil)
        #expect(out.count == (try c.summary().eventCount))
        var corrected = 0
        for line in out {
            guard case .object(let o) = try JSONParser().parse(line) else {
                Issue.record("not an object: \(line.prefix(200))")
                continue
            }
            for key in ["message", "datetime", "timestamp_desc"] {
                guard case .string(let v)? = o[key], !v.isEmpty else {
                    Issue.record("\(key) missing in \(line.prefix(200))")
                    continue
                }
            }
            guard case .string(let dt)? = o["datetime"], let civil = TimeParser.iso8601(dt),
                  civil.utcOffsetSeconds != nil, let t = civil.timestamp()
            else {
                Issue.record("datetime without an offset: \(line.prefix(200))")
                continue
            }
            #expect(dt.hasSuffix("+00:00"))
            #expect(o["timestamp"] == .int(t.microseconds))
            for (k, v) in o {
                #expect(!k.hasPrefix("_"), "\(k)")
                if case .object = v { Issue.record("nested object in \(k)") }
                if case .array = v { Issue.record("array in \(k)") }
            }
            if case .double(let d)? = o["clock_correction_s"], d != 0 { corrected += 1 }
        }
        // The historian's process events moved; nothing else did.
        #expect(corrected == (try c.events(EventQuery(kinds: ["process"]))).count && corrected > 0)
    }

    @Test func l2tcsvHasItsSeventeenColumnsAndCSVDefusesFormulas() throws {
        let c = try FlagshipCase.shared.makeCase(label: "l2tcsv")
        let (header, rows) = try lines(c, .l2tcsv, EventQuery(kinds: ["auth", "ics"]))
        #expect(header?.split(separator: ",").count == 17)
        for r in rows {
            #expect(Self.csvFields(r).count == 17, "\(r.prefix(200))")
        }
        let first = Self.csvFields(try #require(rows.first))
        #expect(first[0].count == 10 && first[0].dropFirst(2).hasPrefix("/") && first[2] == "UTC")
        // A message that a spreadsheet would take for a formula is defused; quotes and commas are quoted.
        #expect(TimelineWriter.defused("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0")
        #expect(TimelineWriter.csvCell("a,\"b\"") == "\"a,\"\"b\"\"\"")
        let (csvHeader, csvRows) = try lines(c, .csv, EventQuery(kinds: ["ics.modbus.write"]))
        #expect(csvHeader?.split(separator: ",").count == TimelineWriter.csvColumns.count)
        #expect(csvRows.count == 8 && csvRows.allSatisfy { Self.csvFields($0).count == TimelineWriter.csvColumns.count })
    }

    /// RFC 4180 fields of one record.
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var cur = ""
        var quoted = false
        var chars = Array(line)
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if quoted {
                if ch == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { cur.append("\""); i += 1 } else { quoted = false }
                } else { cur.append(ch) }
            } else if ch == "\"" {
                quoted = true
            } else if ch == "," {
                fields.append(cur)
                cur = ""
            } else {
                cur.append(ch)
            }
            i += 1
        }
        fields.append(cur)
        chars.removeAll()
        return fields
    }
}

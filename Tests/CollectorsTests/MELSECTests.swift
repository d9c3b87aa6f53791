import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// The MC protocol (MELSEC) decoder against an independent implementation: pymcprotocol built each request (3E and
/// 4E frames, Q-series and iQ-R device formats; scripts/oracles/melsec_golden.py keeps them with the operation and
/// arguments it was given, in Tests/CollectorsTests/Golden/melsec/pymcprotocol.tsv); each is put on a connection with
/// a controller's normal answer, decoded, and its event compared with what the operation meant: the devices written
/// and their values, the devices and counts read, RUN (forced or not, what it clears), STOP, PAUSE, latch clear,
/// RESET, the CPU model read.
@Suite struct MELSECTests {
    struct Row {
        var frame: String
        var series: String
        var operation: String
        var arguments: [Any]
        var request: [UInt8]
    }

    static func golden(_ name: String = "pymcprotocol.tsv") throws -> [Row] {
        let path = TestPaths.repoRoot.appendingPathComponent("Tests/CollectorsTests/Golden/melsec/\(name)").path
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst(2).map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let args = try JSONSerialization.jsonObject(with: Data(f[3].utf8)) as? [Any] ?? []
            return Row(frame: f[0], series: f[1], operation: f[2], arguments: args, request: Hex.bytes(f[4]) ?? [])
        }
    }

    /// `melsec:D100` + k: the point `k` devices on (the decoder's numbering, hex devices in hex).
    static func point(_ device: String, plus k: Int) -> String {
        let p = ControlPoint(parsing: "melsec:" + device)!.text
        let name = MELSEC.devices.values.sorted { $0.name.count > $1.name.count }.first { p.dropFirst(7).hasPrefix($0.name) }!
        let number = Int(p.dropFirst(7 + name.name.count), radix: name.hex ? 16 : 10)!
        return ControlPoint.melsec(device: name.name, number: number + k, hex: name.hex).text
    }

    @Test func requestsAnotherImplementationBuiltMeanWhatItMeant() throws {
        try Self.check(try Self.golden(), count: 80, ascii: false)
    }

    /// The same operations in ASCII frames, as pymcprotocol writes them (its hex-numbered devices left out: it writes
    /// their numbers in decimal where the manual writes hex; `asciiHexDevicesAsTheManualWritesThem` covers those).
    @Test func asciiRequestsAnotherImplementationBuiltMeanWhatItMeant() throws {
        try Self.check(try Self.golden("pymcprotocol-ascii.tsv"), count: 60, ascii: true)
    }

    static func check(_ rows: [Row], count: Int, ascii: Bool) throws {
        #expect(rows.count == count)
        let groups = Dictionary(grouping: rows.indices) { rows[$0].frame + rows[$0].series }
        let order = ["3EQ", "3EiQ-R", "4EQ", "4EiQ-R"]
        let tmp = TempDir("melsec")
        let path = tmp.url.appendingPathComponent("melsec.pcap").path
        try MELSECCommands.write(groups: order.map { groups[$0]!.map { rows[$0].request } }, to: path)
        let sink = try collectPcap(path: path, options: ["aggregate": "off"])
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let events = sink.events.filter { $0.kind.hasPrefix("ics.melsec.") }.sorted { ($0.int("request_packet") ?? 0) < ($1.int("request_packet") ?? 0) }
        let expected = order.flatMap { groups[$0]! }
        #expect(events.count == expected.count)
        func writes(_ e: Event) -> [String] {
            ControlPoint.facts(e.attributes)?.writes.map { "\($0.point)=\($0.value.text)" } ?? []
        }
        for (e, i) in zip(events, expected) {
            let r = rows[i]
            let at = "\(r.frame) \(r.series) \(r.operation) \(r.arguments)"
            #expect(e.string("outcome") == "ok", "\(at) outcome")
            #expect(e.string("frame") == r.frame, "\(at) frame")
            #expect(e.string("encoding") == (ascii ? "ascii" : nil), "\(at) encoding")
            #expect(e.string("station") == "melsec:net:0:pc:255", "\(at) station")
            if r.frame == "4E" { #expect(e.int("serial") == 0x1234, "\(at) serial") }
            let a = r.arguments
            switch r.operation {
            case "batchwrite_wordunits", "batchwrite_bitunits":
                let device = a[0] as! String, values = a[1] as! [Int]
                #expect(e.kind == "ics.melsec.batch_write", "\(at) kind")
                #expect(writes(e) == values.enumerated().map { "\(Self.point(device, plus: $0))=\($1 & 0xFFFF)" }, "\(at) \(writes(e))")
                #expect(e.string("unit") == (r.operation.hasSuffix("bitunits") ? "bit" : "word"), "\(at) unit")
            case "batchread_wordunits", "batchread_bitunits":
                #expect(e.kind == "ics.melsec.batch_read", "\(at) kind")
                #expect(e.string("device") == String(Self.point(a[0] as! String, plus: 0).dropFirst(7)), "\(at) device")
                #expect(e.int("count") == a[1] as? Int, "\(at) count")
            case "randomwrite":
                let w = zip(a[0] as! [String], a[1] as! [Int]).map { "\(Self.point($0, plus: 0))=\($1 & 0xFFFF)" }
                let d = zip(a[2] as! [String], a[3] as! [Int]).map { "\(Self.point($0, plus: 0))=\($1 & 0xFFFF_FFFF)" }
                #expect(e.kind == "ics.melsec.random_write" && writes(e) == w + d, "\(at) \(writes(e))")
            case "randomwrite_bitunits":
                let w = zip(a[0] as! [String], a[1] as! [Int]).map { "\(Self.point($0, plus: 0))=\($1)" }
                #expect(e.kind == "ics.melsec.random_write" && writes(e) == w, "\(at) \(writes(e))")
            case "randomread":
                #expect(e.kind == "ics.melsec.random_read", "\(at) kind")
            case "remote_run":
                #expect(e.kind == "ics.melsec.plc_start", "\(at) kind")
                #expect(e.attributes["forced"] == .bool(a[1] as! Bool), "\(at) forced")
                #expect(e.string("clear") == ["none", "all but latched", "all"][a[0] as! Int], "\(at) clear")
                #expect(ControlPoint.facts(e.attributes)?.action == "command", "\(at) a command")
            case "remote_stop":
                #expect(e.kind == "ics.melsec.plc_stop" && ControlPoint.facts(e.attributes)?.action == "command", "\(at)")
            case "remote_pause": #expect(e.kind == "ics.melsec.remote_pause", "\(at)")
            case "remote_latchclear": #expect(e.kind == "ics.melsec.remote_latch_clear", "\(at)")
            case "remote_reset": #expect(e.kind == "ics.melsec.reset", "\(at)")
            case "read_cputype":
                #expect(e.kind == "ics.melsec.read_type_name" && e.string("cpu_model") == "Q03UDVCPU", "\(at)")
            default:
                Issue.record("\(at): an operation the test does not know")
            }
        }
    }

    /// Hex-numbered devices in ASCII frames, as the MC protocol reference manual writes them (`W*0001A0`, `Y*00002F`,
    /// `X*000000`): a word to W1A0, bits to Y2F and Y30, X0 read, a random write of a word to B10 (a bit device: its
    /// sixteen bits) and a double word to D20; and a 4E ASCII frame's serial.
    @Test func asciiHexDevicesAsTheManualWritesThem() throws {
        func frame(_ command: String, _ sub: String, _ data: String, four: Bool = false) -> [UInt8] {
            let body = "0010" + command + sub + data
            return Array(((four ? "54001234" + "0000" : "5000") + "00FF03FF00" + String(format: "%04X", body.count) + body).utf8)
        }
        let word = frame("1401", "0000", "W*0001A0" + "0001" + "0007")
        let bits = frame("1401", "0001", "Y*00002F" + "0002" + "10", four: true)
        let read = frame("0401", "0001", "X*000000" + "0008")
        let random = frame("1402", "0000", "01" + "01" + "B*000010" + "8001" + "D*000020" + "00011170")
        let tmp = TempDir("melsec")
        let path = tmp.url.appendingPathComponent("ascii.pcap").path
        try MELSECCommands.write(groups: [[word, bits, read, random]], to: path)
        let sink = try collectPcap(path: path, options: ["aggregate": "off"])
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let events = sink.events.filter { $0.kind.hasPrefix("ics.melsec.") }
        func writes(_ e: Event) -> String {
            (ControlPoint.facts(e.attributes)?.writes ?? []).map { "\($0.point)=\($0.value.text)" }.joined(separator: " ")
        }
        try #require(events.count == 4)
        #expect(events.allSatisfy { $0.string("encoding") == "ascii" && $0.string("outcome") == "ok" })
        #expect(writes(events[0]) == "melsec:W1A0=7")
        #expect(writes(events[1]) == "melsec:Y2F=1 melsec:Y30=0" && events[1].int("serial") == 0x1234)
        #expect(events[2].kind == "ics.melsec.batch_read" && events[2].string("device") == "X0" && events[2].int("count") == 8)
        let r = writes(events[3])
        #expect(r.hasPrefix("melsec:B10=1 melsec:B11=0") && r.contains("melsec:B1F=1") && r.hasSuffix("melsec:D20=70000"), "\(r)")
    }

    /// A word written to a bit device sets sixteen bits; a controller's refusal names its end code; a 3E answer goes to
    /// the oldest request waiting; a request cut short is a warning and still an event; polls are counted.
    @Test func refusalsShortRequestsAndWordsToBits() throws {
        // Batch write, word units, M0 (a bit device) = 0x8001: M0 and M15 on, the rest off.
        let toBits: [UInt8] = [0x50, 0x00, 0x00, 0xFF, 0xFF, 0x03, 0x00, 0x0E, 0x00, 0x04, 0x00, 0x01, 0x14, 0x00, 0x00,
                               0x00, 0x00, 0x00, 0x90, 0x01, 0x00, 0x01, 0x80]
        // Batch write of three words to D10 that carries one.
        let short: [UInt8] = [0x50, 0x00, 0x00, 0xFF, 0xFF, 0x03, 0x00, 0x0E, 0x00, 0x04, 0x00, 0x01, 0x14, 0x00, 0x00,
                              0x0A, 0x00, 0x00, 0xA8, 0x03, 0x00, 0x05, 0x00]
        // Remote STOP, refused: the CPU is locked by its remote password (C201).
        let stop: [UInt8] = [0x50, 0x00, 0x00, 0xFF, 0xFF, 0x03, 0x00, 0x08, 0x00, 0x04, 0x00, 0x02, 0x10, 0x00, 0x00, 0x01, 0x00]
        // Batch read of D0 ×1, three times: one event, two counted.
        let read: [UInt8] = [0x50, 0x00, 0x00, 0xFF, 0xFF, 0x03, 0x00, 0x0C, 0x00, 0x04, 0x00, 0x01, 0x04, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0xA8, 0x01, 0x00]
        let tmp = TempDir("melsec")
        let path = tmp.url.appendingPathComponent("melsec.pcap").path
        try MELSECCommands.write(groups: [[toBits, short, read, read, read]], to: path)
        var sink = try collectPcap(path: path)
        let w = sink.events.filter { $0.kind == "ics.melsec.batch_write" }.map { ControlPoint.facts($0.attributes)!.writes }
        #expect(w.first?.count == 16 && w.first?[0].point == "melsec:M0" && w.first?[0].value == .int(1)
                && w.first?[15].point == "melsec:M15" && w.first?[15].value == .int(1) && w.first?[1].value == .int(0))
        #expect(w.last?.map(\.value) == [.int(5), .null, .null])
        #expect(sink.warnings.map(\.text).contains { $0.contains("batch write of 3 words carries 2 of 6 bytes") }, "\(sink.warnings)")
        #expect(sink.events.filter { $0.kind.hasPrefix("ics.melsec.batch_read") }.map(\.kind)
                == ["ics.melsec.batch_read", "ics.melsec.batch_read_summary"])
        // The refusal: the answer with end code C201.
        let refusedPath = tmp.url.appendingPathComponent("refused.pcap").path
        try MELSECCommands.write(groups: [[stop]], to: refusedPath)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: refusedPath))
        // Replace the answer's end code 0000 with C201 in the capture: the answer is the stop's.
        var patched = [UInt8](bytes)
        let answer = MELSECCommands.answer(to: stop)
        let at = try #require(patched.firstRange(of: answer))
        patched[at.upperBound - 2] = 0x01
        patched[at.upperBound - 1] = 0xC2
        try Data(patched).write(to: URL(fileURLWithPath: refusedPath))
        sink = try collectPcap(path: refusedPath)
        let e = try #require(sink.events.first { $0.kind == "ics.melsec.plc_stop" })
        #expect(e.string("outcome") == "error" && e.string("error") == "locked by the remote password" && e.int("end_code") == 0xC201)
    }

    @Test func pointsAndStationsAsAnInventoryWritesThem() {
        let forms = ["melsec:D100": "melsec:D100", "MELSEC:d100": "melsec:D100", "melsec:x1f": "melsec:X1F",
                     "melsec:W1A0": "melsec:W1A0", "melsec:ZR100": "melsec:ZR100", "melsec:STN3": "melsec:STN3",
                     "melsec:TN3": "melsec:TN3", "melsec:SM400": "melsec:SM400", "melsec:LTN2": "melsec:LTN2"]
        for (text, canonical) in forms { #expect(ControlPoint(parsing: text)?.text == canonical, "\(text)") }
        for bad in ["melsec:", "melsec:D", "melsec:Q100", "melsec:DG", "melsec:D1.5", "melsec:D123456789"] {
            #expect(ControlPoint(parsing: bad) == nil, "\(bad)")
        }
        #expect(Station.canonical("melsec:0:255") == "melsec:net:0:pc:255")
        #expect(Station.canonical("melsec:net:1:pc:2:io:03E0:st:1") == "melsec:net:1:pc:2:io:03e0:st:1")
        for bad in ["melsec:net:0:pc:256", "melsec:0", "melsec:net:0:pc:1:io:3e0:st:1"] { #expect(Station.canonical(bad) == nil, "\(bad)") }
    }
}

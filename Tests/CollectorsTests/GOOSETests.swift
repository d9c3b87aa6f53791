import Collectors
import Exercises
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// IEC 61850 GOOSE and Sampled Values against Wireshark, in a capture the repository generates (`jikocho dev
/// substation-multicast`; tshark's reading is the golden file, scripts/oracles/goose_golden.sh). Every frame tshark
/// decodes is an event of ours with its fields or is counted in its stream's summary; a state change names the values
/// before and after; what a spoofed or replayed frame gives away (a second publisher of a control block, stNum gone
/// back, values changed under the same stNum, a heartbeat missed, a test flag, a merging unit's lost time source) is an
/// anomaly at its frame; hostile frames are warnings.
@Suite struct GOOSETests {
    static func bits(_ hex: String) -> String {
        hex.split(separator: ",").first.map { h in
            stride(from: 0, to: h.count, by: 2).map { i -> String in
                let byte = UInt8(h.dropFirst(i).prefix(2), radix: 16) ?? 0
                return (0..<8).map { byte & (0x80 >> $0) != 0 ? "1" : "0" }.joined()
            }.joined()
        } ?? ""
    }

    /// tshark's `Nov 28, 2025 04:59:00.000000000 UTC` as seconds since 1970.
    static func tsharkTime(_ s: String) -> Int64? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "MMM d, yyyy HH:mm:ss"
        return f.date(from: String(s.prefix(while: { $0 != "." })))?.timeIntervalSince1970.rounded().int64
    }

    @Test func everyFrameMatchesTsharkOrIsCounted() throws {
        let golden = try #require(Golden.load("generated_substation_multicast.pcap", "goose"),
                                  "no golden: run scripts/oracles/goose_golden.sh")
        let sink = try collectGenerated("substation-multicast", SubstationMulticast.write(to:)).sink
        let events = sink.events.filter { $0.kind.hasPrefix("ics.goose.") || $0.kind.hasPrefix("ics.sv.") }
        #expect(events.count == sink.events.count, "only GOOSE and SV events: \(Set(sink.events.map(\.kind)))")
        let byPacket = Dictionary(grouping: events.filter { $0.int("request_packet") != nil }) { $0.int("request_packet")! }
        let summaries = events.filter { $0.kind.hasSuffix("_summary") }
        var counted = 0, compared = 0
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let src = row["eth.src"]!
            let expert = row["_ws.expert.message"]
            if let e = byPacket[frame]?.first {
                #expect(e.src.mac == src && e.src.ip == nil, "frame \(frame) publisher")
                #expect(e.int("vlan").map(String.init) == row["vlan.id"], "frame \(frame) vlan")
                if let ref = row["goose.gocbRef"] {
                    #expect(e.string("gocb_ref") == ref, "frame \(frame) gocbRef")
                    #expect(e.int("app_id") == tsharkInt(row["goose.appid"]), "frame \(frame) appid")
                    guard expert == nil else {
                        // A frame tshark cannot read whole: ours says so at that frame; what tshark read agrees.
                        #expect(sink.warnings.contains { $0.locator == "packet \(frame)" }, "frame \(frame): \(expert!)")
                        if let st = row["goose.stNum"] { #expect(e.int("st_num").map(String.init) == st, "frame \(frame) stNum") }
                        compared += 1
                        continue
                    }
                    #expect(e.int("st_num").map(String.init) == row["goose.stNum"], "frame \(frame) stNum")
                    #expect(e.int("sq_num").map(String.init) == row["goose.sqNum"], "frame \(frame) sqNum")
                    #expect(e.string("dat_set") == row["goose.datSet"] && e.string("go_id") == row["goose.goID"], "frame \(frame)")
                    #expect(e.int("time_allowed_to_live_ms").map(String.init) == row["goose.timeAllowedtoLive"], "frame \(frame) TAL")
                    #expect(e.int("conf_rev").map(String.init) == row["goose.confRev"], "frame \(frame) confRev")
                    #expect(e.int("entries").map(String.init) == row["goose.numDatSetEntries"], "frame \(frame) entries")
                    #expect((e.attributes["simulation"] == .bool(true) ? "1" : "0") == row["goose.simulation"], "frame \(frame)")
                    #expect((e.attributes["nds_com"] == .bool(true) ? "1" : "0") == row["goose.ndsCom"], "frame \(frame)")
                    let t = try #require(Self.tsharkTime(row["goose.t"]!), "frame \(frame) t")
                    #expect(e.string("t")?.hasPrefix(Timestamp(seconds: t).iso8601().prefix(19)) == true, "frame \(frame) t")
                    // The values, in tshark's fields by type.
                    guard case .array(let values)? = e.attributes["values"] else {
                        Issue.record("frame \(frame): no values")
                        continue
                    }
                    var bools: [String] = [], ints: [String] = [], floats: [Double] = [], bitStrings: [String] = []
                    for v in values {
                        switch v {
                        case .bool(let b): bools.append(b ? "1" : "0")
                        case .int(let i): ints.append(String(i))
                        case .double(let d): floats.append(d)
                        case .string(let s): bitStrings.append(s)
                        default: Issue.record("frame \(frame): value \(v)")
                        }
                    }
                    #expect(bools.joined(separator: ",") == (row["goose.boolean"] ?? ""), "frame \(frame) booleans")
                    #expect(ints.joined(separator: ",") == (row["goose.integer"] ?? ""), "frame \(frame) integers")
                    let tsharkFloats = (row["goose.float_value"] ?? "").split(separator: ",").compactMap { Double($0) }
                    #expect(floats.count == tsharkFloats.count && zip(floats, tsharkFloats).allSatisfy { abs($0 - $1) < 1e-4 },
                            "frame \(frame) floats")
                    if let b = row["goose.bit_string"] {
                        let theirs = b.split(separator: ",").map { Self.bits(String($0)) }
                        #expect(bitStrings.count == theirs.count && zip(bitStrings, theirs).allSatisfy { $1.hasPrefix($0) },
                                "frame \(frame) bit strings \(bitStrings) \(theirs)")
                    }
                } else if let svID = row["sv.svID"] {
                    #expect(e.string("sv_id") == svID && e.int("smp_cnt").map(String.init) == row["sv.smpCnt"], "frame \(frame)")
                    #expect(e.int("conf_rev").map(String.init) == row["sv.confRev"], "frame \(frame)")
                    #expect(e.int("smp_synch").map(String.init) == row["sv.smpSynch"], "frame \(frame)")
                }
                compared += 1
            } else if expert == nil {
                // Not an event: counted in its stream's summary, whose range holds it.
                let id = row["goose.gocbRef"] ?? row["sv.svID"]
                let holder = summaries.first { s in
                    s.src.mac == src && (s.string("gocb_ref") ?? s.string("sv_id")) == id
                        && (s.int("first_packet")!...s.int("last_packet")!).contains(frame)
                }
                #expect(holder != nil, "frame \(frame): neither an event nor in a summary")
                counted += 1
            } else {
                // What tshark cannot read whole is a warning of ours at that frame.
                #expect(sink.warnings.contains { $0.locator == "packet \(frame)" }, "frame \(frame): \(expert!)")
            }
        }
        // Every frame accounted once: the summaries' counts are the frames they hold.
        let inSummaries = summaries.reduce(0) { $0 + ($1.int("repeats") ?? $1.int("frames") ?? 0) }
        #expect(inSummaries == counted, "\(inSummaries) in summaries, \(counted) frames not events")
        #expect(compared + counted == golden.rows.count - 2, "the two frames with no PDU are warnings only")

        // The relay's trip: the state change names the value that changed.
        let change = try #require(events.first { $0.kind == "ics.goose.state_change" })
        #expect(change.string("gocb_ref") == SubstationMulticast.tripRef && change.int("previous_st_num") == 1 && change.int("st_num") == 2)
        #expect(change.attributes["changed"] == .array([.int(0)]) && change.message.hasSuffix("[0] false → true"))
        #expect(change.string("station") == "iec61850:REL1PROT")
        // The relay's time of the change is the capture's: its clock is in step with the sensor's.
        #expect(change.attributes["clock_offset_ms"] == .double(0))
        // What the attacker's frames give away, each at its frame.
        func anomaly(_ code: String) -> [Event] {
            events.filter { e in
                guard case .array(let codes)? = e.attributes["anomalies"] else { return false }
                return codes.contains(.string(code))
            }
        }
        let conflict = try #require(anomaly("second_publisher").first)
        #expect(conflict.src.mac == "02:42:ac:11:00:99" && conflict.int("st_num") == 100 && conflict.kind == "ics.goose.anomaly")
        #expect(conflict.message.contains("also published by 00:30:a7:00:00:01"))
        let back = try #require(anomaly("state_number_back").first)
        #expect(back.src.mac == "00:30:a7:00:00:01" && back.int("st_num") == 1 && back.int("previous_st_num") == 2)
        let values = try #require(anomaly("values_without_new_state").first { $0.string("gocb_ref") == SubstationMulticast.tripRef })
        #expect(values.int("st_num") == 2 && values.attributes["changed"] == .array([.int(0)]))
        let silent = try #require(anomaly("heartbeat_missed").first)
        #expect(silent.string("gocb_ref") == SubstationMulticast.interlockRef && silent.message.contains("no message for 5000 ms"))
        #expect(anomaly("test_mode").map { $0.string("gocb_ref") } == ["REL3PROT/LLN0$GO$gcbTest"])
        #expect(anomaly("time_source_lost").map { $0.string("sv_id") } == ["MU01"])
        #expect(anomaly("second_publisher").compactMap { $0.string("sv_id") } == ["MU01"])
        // The genuine relay's frames after each forged one are routine again: no anomaly names its stream after them
        // but those two.
        #expect(anomaly("values_without_new_state").filter { $0.string("gocb_ref") == SubstationMulticast.tripRef }.count == 1)
        #expect(!anomaly("sequence_back").contains { $0.string("gocb_ref") == SubstationMulticast.tripRef })
        // The merging unit's skipped samples are counted in its summary.
        #expect(summaries.filter { $0.string("sv_id") == "MU01" }.compactMap { $0.int("smp_cnt_gaps") }.reduce(0, +) == 1)
        // Hostile frames, and the capture's account.
        #expect(sink.warnings.contains { $0.text.hasPrefix("GOOSE: length 600, but the frame holds") })
        #expect(sink.warnings.contains { $0.text == "GOOSE: PDU tag 0x62 is not a GOOSE PDU" })
        #expect(sink.warnings.contains { $0.text.hasPrefix("GOOSE BAY2CTRL/LLN0$GO$gcbInterlock lacks timeAllowedtoLive, datSet, t") })
        #expect(!sink.warnings.contains { $0.locator == "capture" }, "GOOSE and SV are read, not left over")
    }

    @Test func oneThreadAndFourGiveTheSame() throws {
        let tmp = TempDir("goose-threads")
        let path = tmp.url.appendingPathComponent("g.pcap").path
        _ = try SubstationMulticast.write(to: path)
        let one = try collectPcap(path: path, threads: 1), four = try collectPcap(path: path, threads: 4)
        #expect(one.events.map(\.attributes) == four.events.map(\.attributes))
        #expect(one.events.map(\.message) == four.events.map(\.message))
        #expect(one.warnings.map(\.text) == four.warnings.map(\.text))
    }

    @Test func damagedFramesNeverCrash() throws {
        try collectDamagedCopies("substation-damaged", seed: 0x6005E, SubstationMulticast.write(to:))
    }

    /// GOOSE carried through a tunnel (a substation's traffic mirrored over ERSPAN to a sensor in the control centre)
    /// reads as it does bare.
    @Test func gooseThroughAMirror() throws {
        let tmp = TempDir("goose-mirror")
        let bare = tmp.url.appendingPathComponent("g.pcap").path, mirrored = tmp.url.appendingPathComponent("m.pcap").path
        _ = try SubstationMulticast.write(to: bare)
        _ = try Encapsulations.rewrap(bare, to: mirrored, through: ["erspan-ii", "vxlan"])
        let a = try collectPcap(path: bare), b = try collectPcap(path: mirrored)
        func strip(_ e: Event) -> String {
            var d = e.attributes.dictionary
            d["vlan"] = nil
            return "\(e.kind) \(e.src) \(e.message) \(JSONValue.object(d).canonicalJSON)"
        }
        #expect(a.events.map(strip) == b.events.map(strip))
    }
}

extension Double {
    fileprivate var int64: Int64 { Int64(self) }
}

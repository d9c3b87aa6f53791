import Exercises
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore
@testable import Timeline

@Suite(.serialized) struct FlagshipExerciseTests {
    // That the committed evidence is what the generator writes is checked for every exercise in ReportsTests.

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                   "skipped: tshark is not installed (scripts/ensure-deps.sh installs it)"))
    func tsharkDecodesTheCaptureAsValidModbusTCP() throws {
        let tmp = TempDir("tshark")
        var x = WaterTreatmentExercise()
        _ = try x.generate(into: tmp.path)
        let pcap = tmp.url.appendingPathComponent("capture/control-net.pcap").path
        let r = try runProgram("/usr/bin/tshark", ["-n", "-r", pcap, "-o", "tcp.check_checksum:TRUE",
                                                   "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                                                   "-Y", "modbus.func_code == 6 || _ws.malformed || _ws.expert.severity >= warning",
                                                   "-T", "fields", "-e", "frame.number", "-e", "ip.src", "-e", "ip.dst",
                                                   "-e", "modbus.func_code", "-e", "_ws.malformed", "-e", "_ws.expert.message"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        // Eight writes, each a request and its echo; nothing malformed, no bad checksum, no sequence warnings.
        #expect(rows.count == 16, "\(r.stdout.prefix(2000))")
        #expect(rows.allSatisfy { $0.count > 3 && $0[3] == "6" }, "\(r.stdout.prefix(2000))")
        let tx = try runProgram("/usr/bin/tshark", ["-n", "-r", pcap, "-Y", "mbtcp", "-T", "fields", "-e", "frame.number"])
        #expect(tx.stdout.split(separator: "\n").count > 20_000)
    }

    @Test func theEstimateRecoversTheHistoriansOffsetAndCitesItsPairs() throws {
        let c = try FlagshipCase.shared.makeCase(label: "estimate")
        let result = try ClockEstimator().estimate(c)
        #expect(result.references == ["control-net.pcap"])
        let h = try #require(result.estimates.first { $0.clock == "historian-1" })
        let offset = Double(h.correction.offsetNanos) / 1e9
        #expect(abs(offset - WaterTreatmentExercise.historianOffset) < 2, "offset \(offset)")
        #expect(h.significant && h.pairs.count == 8 && h.uncertaintyNanos <= 1_000_000_000)
        #expect(h.pairs.allSatisfy { $0.reference.locator.hasPrefix("packet ") && $0.other.locator.hasPrefix("line ") })
        // The Windows hosts and the firewall keep good time: within their uncertainty of none.
        for name in ["fw-1", "hmi-1", "jump-1"] {
            let e = try #require(result.estimates.first { $0.clock == name }, "\(name) was not estimated")
            #expect(!e.significant, "\(name): \(e.correction.description) ± \(e.uncertaintyNanos)")
        }
        // Applied, the historian's setpoint change lands on the write that caused it.
        try c.setClock("historian-1", correction: h.correction, source: .estimate, reason: "test",
                       uncertaintyNanos: h.uncertaintyNanos, detail: h.detail)
        let write = try #require(try c.events(EventQuery(kinds: ["ics.modbus.write"])).first {
            $0.event.attributes["values"] == .array([.int(11_100)])
        })
        let change = try #require(try c.events(EventQuery(kinds: ["process.setpoint_change"])).first {
            $0.event.message.contains("NaOH_SP") && $0.event.message.contains("to 11100")
        })
        let gap = Double(change.event.time.nanoseconds - write.event.time.nanoseconds) / 1e9
        #expect(gap >= -0.5 && gap < 1.5, "setpoint change \(gap) s after the write")
        #expect(change.event.recordedTime.nanoseconds == change.event.time.nanoseconds - h.correction.offsetNanos)
        // Samples are put right as they are read, unless asked for as recorded.
        let series = try #require(try c.series(matching: "NaOH_SP").first)
        var first: (Timestamp, Timestamp)?
        try c.forEachSample(series: series.id) { s in if first == nil { first = (s.time, s.time) } }
        try c.forEachSample(series: series.id, recorded: true) { s in if first?.1 == first?.0 { first?.1 = s.time } }
        #expect(first.map { $0.0.nanoseconds - $0.1.nanoseconds } == h.correction.offsetNanos)
    }

    @Test func setAndResetAreRecordedAndEveryEventKeepsItsRecordedTime() throws {
        let c = try FlagshipCase.shared.makeCase(label: "set")
        let before = try c.events(EventQuery(kinds: ["process"])).map(\.event.time.nanoseconds)
        try c.setClock("historian-1", correction: ClockCorrection(offsetNanos: 97_300_000_000), source: .investigator,
                       reason: "NTP log on HIST-1 shows 97.3 s")
        let moved = try c.events(EventQuery(kinds: ["process"]))
        #expect(moved.map(\.event.time.nanoseconds) == before.map { $0 + 97_300_000_000 })
        #expect(moved.allSatisfy { $0.event.recordedTime.nanoseconds + 97_300_000_000 == $0.event.time.nanoseconds })
        // Other clocks' events did not move.
        let writes = try c.events(EventQuery(kinds: ["ics"]))
        #expect(writes.allSatisfy { $0.event.time == $0.event.recordedTime })
        // With drift, the store's SQL and the model's arithmetic agree to the nanosecond.
        let drifting = ClockCorrection(offsetNanos: 97_000_000_000, driftPPB: 11_574,
                                       epochNanos: before.first ?? 0)
        try c.setClock("historian-1", correction: drifting, source: .investigator, reason: "drift from NTP log")
        #expect(try c.events(EventQuery(kinds: ["process"])).allSatisfy {
            $0.event.time.nanoseconds == drifting.apply($0.event.recordedTime.nanoseconds)
        })
        try c.setClock("historian-1", correction: .none, source: .none, reason: "undo")
        #expect(try c.events(EventQuery(kinds: ["process"])).map(\.event.time.nanoseconds) == before)
        let custody = try c.custodyEntries().filter { $0.action == "clock.set" }
        #expect(custody.map(\.subject) == ["historian-1", "historian-1", "historian-1"])
        #expect(try c.verify().isClean)
    }

    @Test func theInventoryDecidesClocksAndANewInventoryMovesTimesAtOnce() throws {
        let c = try FlagshipCase.shared.makeCase(label: "inventory", inventory: false)
        // Without an inventory, the historian export is its own clock.
        var historian = try #require(try c.clockAssignments().first { $0.evidenceName.hasSuffix("historian-1-export.csv") })
        #expect(historian.clock == "historian-1-export.csv" && historian.basis == .item)
        try c.setClock("historian-1", correction: ClockCorrection(offsetNanos: 97_000_000_000), source: .investigator,
                       reason: "before the inventory")
        #expect(try c.events(EventQuery(kinds: ["process"])).allSatisfy { $0.event.time == $0.event.recordedTime })
        // The inventory says HIST-1 wrote the export: its correction applies to the export's events at once.
        let assets = try AssetInventory.load(path: FlagshipCase.shared.evidence + "/assets.yaml")
        try c.importAssets(assets, file: "assets.yaml", sha256: String(repeating: "0", count: 64))
        historian = try #require(try c.clockAssignments().first { $0.evidenceName.hasSuffix("historian-1-export.csv") })
        #expect(historian.clock == "historian-1" && historian.basis == .inventory)
        #expect(try c.events(EventQuery(kinds: ["process"])).allSatisfy {
            $0.event.time.nanoseconds == $0.event.recordedTime.nanoseconds + 97_000_000_000
        })
        // The Windows exports belong to the hosts their events name; the capture is the reference.
        let byName = Dictionary(uniqueKeysWithValues: try c.clockAssignments().map { ($0.evidenceName, $0) })
        #expect(byName.first { $0.key.hasSuffix("hmi-1-security.jsonl") }?.value.clock == "hmi-1")
        #expect(byName.first { $0.key.hasSuffix("hmi-1-security.jsonl") }?.value.basis == .host)
        #expect(try c.clocks().first { $0.name == "control-net.pcap" }?.isReference == true)
        // An investigator's assignment wins over the inventory, and can be taken back.
        try c.assignClock(evidenceID: historian.evidenceID, clock: "hist-ntp")
        #expect(try c.events(EventQuery(kinds: ["process"])).allSatisfy { $0.event.time == $0.event.recordedTime })
        try c.assignClock(evidenceID: historian.evidenceID, clock: nil)
        #expect(try c.clockAssignments().first { $0.evidenceID == historian.evidenceID }?.clock == "historian-1")
    }
}

@Suite struct ClockFitTests {
    static func observations(clock: String, offset: Double, driftPPM: Double, count: Int, spanHours: Double,
                             jitter: Double, seed: UInt64) -> ([Observation], [Observation]) {
        var rng = SeededRandom(seed: seed)
        var ref: [Observation] = []
        var other: [Observation] = []
        let start: Int64 = 1_612_540_800_000_000_000
        let epoch = start + Int64(spanHours * 1800e9)
        for i in 0..<count {
            let t = start + Int64(Double(i) / Double(max(count - 1, 1)) * spanHours * 3600e9)
            // The other clock reads true − offset − drift·(t − epoch); what to add back is offset + drift·elapsed.
            let error = offset * 1e9 + driftPPM * 1e-6 * Double(t - epoch)
            let recorded = t - Int64(error) + Int64(rng.gaussian() * jitter * 1e9)
            let cite = EvidenceCite(evidenceID: 1, locator: "packet \(i)", eventID: nil)
            // Every action repeats the same key now and then: the cluster must pick the right repetition.
            let key = "k\(i % 7)"
            ref.append(Observation(clock: "ref", time: t, key: key, lag: 0, resolution: 1_000_000, method: "m",
                                   cite: cite, summary: ""))
            other.append(Observation(clock: clock, time: recorded, key: key, lag: 0, resolution: 1_000_000, method: "m",
                                     cite: cite, summary: ""))
        }
        return (ref, other)
    }

    @Test func aConstantOffsetIsRecoveredDespiteRepeatedKeys() throws {
        let (ref, other) = Self.observations(clock: "plc", offset: -42.5, driftPPM: 0, count: 40, spanHours: 0.5,
                                             jitter: 0.05, seed: 1)
        let e = try #require(ClockEstimator(window: 3600 * 1_000_000_000).fit(reference: ref, other: other, a: "ref", b: "plc"))
        #expect(abs(Double(e.correction.offsetNanos) / 1e9 + 42.5) < 0.05)
        #expect(e.correction.driftPPB == 0 && e.pairs.count == 40)
        #expect(e.uncertaintyNanos < 150_000_000)
    }

    @Test func driftIsFittedWhenThePairsSpanHours() throws {
        let (ref, other) = Self.observations(clock: "rtu", offset: 12, driftPPM: 200, count: 60, spanHours: 8,
                                             jitter: 0.05, seed: 2)
        let e = try #require(ClockEstimator().fit(reference: ref, other: other, a: "ref", b: "rtu"))
        #expect(abs(Double(e.correction.driftPPB) / 1000 - 200) < 5, "drift \(e.correction.driftPPB) ppb")
        #expect(abs(Double(e.correction.offsetNanos) / 1e9 - 12) < 0.1)
        #expect(e.notes.contains { $0.hasPrefix("drift fitted") })
        // Every pair fits within the noise once the drift is in.
        #expect(e.pairs.allSatisfy { abs($0.residualNanos) < 300_000_000 })
    }

    @Test func noDriftIsClaimedFromNoise() throws {
        let (ref, other) = Self.observations(clock: "hmi", offset: 3, driftPPM: 0, count: 30, spanHours: 6,
                                             jitter: 0.5, seed: 3)
        let e = try #require(ClockEstimator().fit(reference: ref, other: other, a: "ref", b: "hmi"))
        #expect(e.correction.driftPPB == 0)
        #expect(abs(Double(e.correction.offsetNanos) / 1e9 - 3) < 0.5)
    }

    @Test func correctionsInvertAndRoundLikeTheStore() {
        let c = ClockCorrection(offsetNanos: 97_000_000_000, driftPPB: 11_574, epochNanos: 1_612_540_800_000_000_000)
        for t: Int64 in [1_612_500_000_123_456_789, 1_612_540_800_000_000_000, 1_612_600_000_999_999_999] {
            #expect(c.recorded(c.apply(t)) == t)
        }
        // Times at the ends of what a time holds stop there instead of wrapping round to the other end.
        let forward = ClockCorrection(offsetNanos: 3_600_000_000_000)
        #expect(forward.apply(Int64.max - 5) == Int64.max)
        #expect(forward.apply(Int64.min) == Int64.min + 3_600_000_000_000)
        #expect(ClockCorrection(offsetNanos: -1).apply(Int64.min) == Int64.min)
        #expect(c.apply(Int64.max) == Int64.max)
        #expect(c.apply(Int64.min) < -9_000_000_000_000_000_000)
        #expect(forward.recorded(Int64.min) == Int64.min)
        #expect(ClockCorrection(offsetNanos: -250_000_000).description == "-0.250 s")
        #expect(c.description == "+97.000 s, drift +11.574 ppm")
        #expect(ClockEstimator.normalizedPoint("holding:40001") == "holding:40001")
        #expect(ClockEstimator.normalizedPoint("40002") == "holding:40002")
        #expect(ClockEstimator.normalizedPoint("ir:30001") == "input:30001")
        #expect(ClockEstimator.normalizedPoint("holding:400001") == "holding:40001")
        #expect(ClockEstimator.normalizedPoint("nonsense") == nil)
    }
}

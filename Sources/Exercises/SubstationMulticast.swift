import Foundation

/// A capture for checking the GOOSE and Sampled Values decoder against Wireshark, and the streams' account of what a
/// spoofed or replayed frame gives away: a protection relay's trip published (heartbeats, a state change and its fast
/// retransmissions) on VLAN 10, a bay controller's interlock whose heartbeats stop for five seconds, a relay in test
/// mode, a merging unit's sample stream that loses its time source and skips samples; an attacker's host publishing
/// the relay's control block with a stNum far ahead, frames with the relay's own MAC address replaying an old state
/// and changing a value under the current stNum, and the merging unit's stream from the attacker's MAC address; then
/// frames a hostile capture would hold (a length that lies, a PDU cut short, the wrong PDU tag, data nested forty
/// deep). The same bytes every time (`scripts/oracles/goose_golden.sh` writes tshark's view of them).
public enum SubstationMulticast {
    public static let relay: [UInt8] = [0x00, 0x30, 0xA7, 0, 0, 0x01]
    public static let bayController: [UInt8] = [0x00, 0x09, 0x8E, 0, 0, 0x02]
    public static let testRelay: [UInt8] = [0x00, 0x30, 0xA7, 0, 0, 0x03]
    public static let mergingUnit: [UInt8] = [0x00, 0x1B, 0xEB, 0, 0, 0x10]
    public static let attacker: [UInt8] = [0x02, 0x42, 0xAC, 0x11, 0, 0x99]
    public static let tripRef = "REL1PROT/LLN0$GO$gcbTrip"
    public static let interlockRef = "BAY2CTRL/LLN0$GO$gcbInterlock"
    static let start: Int64 = 1_764_306_000_000_000_000

    // MARK: BER (the MMS capture's encoder: GOOSE's data set values are MMS `Data`)

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { MMSCommands.tlv(tag, content) }
    static func number(_ tag: UInt8, _ v: Int64) -> [UInt8] { MMSCommands.integer(Int(v), tag: tag) }

    static func utc(_ ns: Int64) -> [UInt8] {
        let s = UInt32(ns / 1_000_000_000), f = UInt32((ns % 1_000_000_000) * (1 << 24) / 1_000_000_000)
        return Frames.be32(s) + [UInt8(f >> 16), UInt8((f >> 8) & 0xFF), UInt8(f & 0xFF), 0x0A]
    }

    /// A boolean as the relays here encode it (true is 1; MMS clients often send 0xFF).
    static func boolean(_ v: Bool) -> [UInt8] { tlv(0x83, [v ? 1 : 0]) }
    static func integer(_ v: Int64) -> [UInt8] { number(0x85, v) }

    struct Publisher {
        var mac: [UInt8]
        var appID: UInt16
        var vlan: UInt16?
        var gocbRef: String
        var datSet: String
        var goID: String
        var tal: Int64 = 2000
        var confRev: Int64 = 1
        var simulation = false
    }

    static func goose(_ p: Publisher, stNum: Int64, sqNum: Int64, changed: Int64, _ data: [[UInt8]]) -> [UInt8] {
        let fields = tlv(0x80, Array(p.gocbRef.utf8)) + number(0x81, p.tal) + tlv(0x82, Array(p.datSet.utf8))
            + tlv(0x83, Array(p.goID.utf8)) + tlv(0x84, utc(changed)) + number(0x85, stNum)
            + number(0x86, sqNum) + tlv(0x87, [p.simulation ? 0xFF : 0]) + number(0x88, p.confRev)
            + tlv(0x89, [0]) + number(0x8A, Int64(data.count)) + tlv(0xAB, data.flatMap { $0 })
        return frame(p.mac, dst: [0x01, 0x0C, 0xCD, 0x01, 0, UInt8(p.appID & 0xFF)], vlan: p.vlan, type: 0x88B8,
                     appID: p.appID, pdu: tlv(0x61, fields))
    }

    static func frame(_ src: [UInt8], dst: [UInt8], vlan: UInt16?, type: UInt16, appID: UInt16, pdu: [UInt8],
                      claimed: Int? = nil) -> [UInt8] {
        let tag = vlan.map { [0x81, 0x00] + Frames.be16(0x8000 | $0) } ?? []
        return dst + src + tag + Frames.be16(type) + Frames.be16(appID) + Frames.be16(UInt16(claimed ?? 8 + pdu.count))
            + [0, 0, 0, 0] + pdu
    }

    static func sv(smpCnt: Int64, synch: UInt8, from mac: [UInt8] = mergingUnit) -> [UInt8] {
        let values: [UInt8] = (0..<8).flatMap { (i: Int) -> [UInt8] in Frames.be32(UInt32(bitPattern: Int32(1000 * i - 3000))) + [0, 0, 0, 0] }
        let asdu = tlv(0x80, Array("MU01".utf8)) + tlv(0x82, Frames.be16(UInt16(smpCnt))) + tlv(0x83, Frames.be32(1))
            + tlv(0x85, [synch]) + tlv(0x87, values)
        let pdu = tlv(0x60, tlv(0x80, [1]) + tlv(0xA2, tlv(0x30, asdu)))
        return frame(mac, dst: [0x01, 0x0C, 0xCD, 0x04, 0, 0x01], vlan: 20, type: 0x88BA, appID: 0x4000, pdu: pdu)
    }

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int { try write(to: path, hostile: true, attacker: true) }

    /// The capture without its hostile frames (`hostile` false: a capture that reads without a warning, as a
    /// playbook test needs) or without the attacker's (`attacker` false: the genuine publishers alone).
    public static func write(to path: String, hostile: Bool, attacker forging: Bool = true) throws -> Int {
        let cap = CaptureBuilder()
        let s: Int64 = 1_000_000_000, ms: Int64 = 1_000_000
        let trip = Publisher(mac: relay, appID: 0x0001, vlan: 10, gocbRef: tripRef, datSet: "REL1PROT/LLN0$dsTrip",
                             goID: "REL1_TRIP")
        let interlock = Publisher(mac: bayController, appID: 0x0002, vlan: nil, gocbRef: interlockRef,
                                  datSet: "BAY2CTRL/LLN0$dsInterlock", goID: "BAY2_IL")
        let test = Publisher(mac: testRelay, appID: 0x0003, vlan: 10, gocbRef: "REL3PROT/LLN0$GO$gcbTest",
                             datSet: "REL3PROT/LLN0$dsTest", goID: "REL3_TEST", simulation: true)
        func tripData(_ tripped: Bool) -> [[UInt8]] { [boolean(tripped), MMSCommands.bits(6, [0x80]), MMSCommands.bits(3, [0, 0])] }
        // The relay: heartbeats every second, the trip at 10.5 s with its fast retransmissions, heartbeats again.
        var sq: Int64 = 0
        for i in 0..<11 {
            cap.add(start + Int64(i) * s, goose(trip, stNum: 1, sqNum: sq, changed: start - 60 * s, tripData(false)))
            sq += 1
        }
        let tripAt = start + 10 * s + 500 * ms
        sq = 0
        var at = tripAt
        for step: Int64 in [0, 2, 4, 8, 16, 32, 64, 128, 256, 512] {
            at += step * ms
            cap.add(at, goose(trip, stNum: 2, sqNum: sq, changed: tripAt, tripData(true)))
            sq += 1
        }
        for i in 12..<30 {
            cap.add(start + Int64(i) * s, goose(trip, stNum: 2, sqNum: sq, changed: tripAt, tripData(true)))
            sq += 1
        }
        // The bay controller: heartbeats, none between 15 and 20 s.
        for (n, i) in ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25] as [Int64]).enumerated() {
            cap.add(start + i * s + 300 * ms, goose(interlock, stNum: 7, sqNum: Int64(n), changed: start - 3600 * s,
                                                  [integer(42), MMSCommands.float(49.98)]))
        }
        // A relay left in test mode.
        cap.add(start + 5 * s + 700 * ms, goose(test, stNum: 1, sqNum: 0, changed: start, [boolean(false)]))
        // The attacker: the relay's control block from its own MAC with stNum 100 (three times), then with the relay's
        // MAC an old state (stNum 1), then a value changed under the current stNum.
        if forging {
            var forged = trip
            forged.mac = attacker
            for k: Int64 in 0..<3 {
                cap.add(start + 22 * s + 100 * ms + k * 4 * ms, goose(forged, stNum: 100, sqNum: k, changed: start + 22 * s, tripData(false)))
            }
            cap.add(start + 24 * s + 200 * ms, goose(trip, stNum: 1, sqNum: 5, changed: start - 60 * s, tripData(false)))
            cap.add(start + 26 * s + 500 * ms, goose(trip, stNum: 2, sqNum: 25, changed: tripAt, tripData(false)))
            // And the merging unit's stream, from the attacker's host: measurements a protection relay would act on.
            for k: Int64 in 0..<20 {
                cap.add(start + 27 * s + k * 250_000, sv(smpCnt: 3000 + k, synch: 2, from: attacker))
            }
        }
        // The merging unit: 200 frames 250 µs apart, samples 121–129 missing, its time source lost at frame 150.
        var n = 0
        for smp: Int64 in 0..<210 where !(121...129).contains(smp) {
            cap.add(start + 3 * s + Int64(n) * 250_000, sv(smpCnt: smp, synch: n < 150 ? 2 : 0))
            n += 1
        }
        // Hostile frames.
        let good = goose(interlock, stNum: 7, sqNum: 99, changed: start, [integer(1)])
        let pdu = Array(good[22...])
        var nested = integer(1)
        for _ in 0..<40 { nested = tlv(0xA1, nested) }
        let deep = tlv(0x61, tlv(0x80, Array(interlockRef.utf8)) + tlv(0x85, [7]) + tlv(0x86, [100]) + tlv(0xAB, nested))
        let frames: [[UInt8]] = [
            frame(bayController, dst: [0x01, 0x0C, 0xCD, 0x01, 0, 2], vlan: nil, type: 0x88B8, appID: 2, pdu: pdu, claimed: 600),
            frame(bayController, dst: [0x01, 0x0C, 0xCD, 0x01, 0, 2], vlan: nil, type: 0x88B8, appID: 2, pdu: Array(pdu.prefix(20))),
            frame(bayController, dst: [0x01, 0x0C, 0xCD, 0x01, 0, 2], vlan: nil, type: 0x88B8, appID: 2, pdu: [0x62] + pdu.dropFirst()),
            frame(bayController, dst: [0x01, 0x0C, 0xCD, 0x01, 0, 2], vlan: nil, type: 0x88B8, appID: 2, pdu: deep),
        ]
        if hostile {
            for (k, f) in frames.enumerated() { cap.add(start + 31 * s + Int64(k) * ms, f) }
        }
        return try cap.write(to: path)
    }
}

import EvidenceStore
import Foundation
import JikochoModel
import TestSupport
import Testing

@testable import Exercises
@testable import Playbooks

/// A controller's device-control password guessed: a run of commands it refuses. The same playbook over BACnet
/// (ReinitializeDevice answered by Error: security, password-failure) and DNP3 (cold restarts answered with IIN2
/// "function code not supported"); each refusal is an event of its own with the error kept; a few refusals, or
/// commands that were accepted, raise nothing.
@Suite struct ControllerPasswordGuessingTests {
    static let name = "ICS.Controller.PasswordGuessing"
    static let inventory = """
        assets:
          - {name: bms-ctl-3, role: plc, level: 1, zone: control, addresses: [10.30.1.40]}
          - {name: rtu-7, role: rtu, level: 1, zone: control, addresses: [10.30.2.7]}
          - {name: ews-1, role: engineering-workstation, level: 2, zone: control, addresses: [10.30.1.5]}
        """
    static var guesser: PcapBuilder.Host { PcapBuilder.Host([10, 30, 9, 66], 47808, mac: 9) }
    static var device: PcapBuilder.Host { PcapBuilder.Host([10, 30, 1, 40], 47808, mac: 4) }

    /// BACnet/IP: ReinitializeDevice (warmstart) with a password, answered by Error (class 5 security, code 26
    /// password-failure) or by SimpleACK.
    static func bacnet(_ pcap: inout PcapBuilder, _ n: Int, from: PcapBuilder.Host, accepted: Bool, start: UInt32) {
        for i in 0..<n {
            let invoke = UInt8(truncatingIfNeeded: i)
            let password = Array("guess\(i)".utf8)
            let apdu: [UInt8] = [0x00, 0x05, invoke, 20, 0x09, 0x01, 0x1D, UInt8(password.count + 1), 0x00] + password
            let npduRequest: [UInt8] = [0x01, 0x04]
            let request = [0x81, 0x0A] + be16(UInt16(4 + npduRequest.count + apdu.count)) + npduRequest + apdu
            let answer: [UInt8] = accepted ? [0x20, invoke, 20] : [0x50, invoke, 20, 0x91, 0x05, 0x91, 0x1A]
            let reply = [0x81, 0x0A] + be16(UInt16(4 + 2 + answer.count)) + [0x01, 0x00] + answer
            pcap.record(PcapBuilder.udp(from, device, payload: request), seconds: start + UInt32(i * 4))
            pcap.record(PcapBuilder.udp(device, from, payload: reply), seconds: start + UInt32(i * 4), micros: 30_000)
        }
    }

    /// DNP3: cold restarts (function 13) from a master, answered with IIN2.0 set (no function code support).
    static func dnp3(_ pcap: inout PcapBuilder, _ n: Int, start: UInt32) {
        var messages: [(fromClient: Bool, bytes: [UInt8])] = []
        for i in 0..<n {
            let seq = UInt8(i & 0x0F)
            messages.append((true, GeneralizationCase.dnp3Frame(control: 0xC4, dst: 7, src: 1, apdu: [0xC0 | seq, 0x0D], seq: UInt8(i))))
            messages.append((false, GeneralizationCase.dnp3Frame(control: 0x44, dst: 1, src: 7,
                                                                 apdu: [0xC0 | seq, 0x81, 0x00, 0x01], seq: UInt8(i))))
        }
        pcap.conversation(PcapBuilder.Host([10, 30, 9, 77], 50123, mac: 7), PcapBuilder.Host([10, 30, 2, 7], 20000, mac: 8),
                          messages, start: start)
    }

    /// IEC 104: reset-process commands (C_RP_NA_1) from a master, each answered by a negative confirmation.
    static func iec104(_ pcap: inout PcapBuilder, _ n: Int, start: UInt32) {
        var messages: [(fromClient: Bool, bytes: [UInt8])] = []
        func iFrame(_ tx: Int, _ rx: Int, _ asdu: [UInt8]) -> [UInt8] {
            [0x68, UInt8(4 + asdu.count)] + le16(UInt16(tx << 1)) + le16(UInt16(rx << 1)) + asdu
        }
        for i in 0..<n {
            let act: [UInt8] = [105, 0x01, 6, 0, 0x01, 0x00, 0, 0, 0, 1]
            let con: [UInt8] = [105, 0x01, 7 | 0x40, 0, 0x01, 0x00, 0, 0, 0, 1]
            messages.append((true, iFrame(i, i, act)))
            messages.append((false, iFrame(i, i + 1, con)))
        }
        pcap.conversation(PcapBuilder.Host([10, 30, 9, 88], 50200, mac: 11), PcapBuilder.Host([10, 30, 2, 7], 2404, mac: 8),
                          messages, start: start)
    }

    func fixture(_ label: String, _ build: (inout PcapBuilder) -> Void) throws -> FixtureCase {
        var pcap = PcapBuilder()
        build(&pcap)
        return try FixtureCase(label, inventory: Self.inventory, files: ["control.pcap": pcap.bytes])
    }

    @Test func bacnetPasswordGuessedOneHundredTwentyTimes() throws {
        let f = try fixture("bacnet-guess") { Self.bacnet(&$0, 120, from: Self.guesser, accepted: false, start: 1_700_000_000) }
        // Every refused request is an event, with the error the device gave.
        let refused = try f.c.events(EventQuery(kinds: ["ics.bacnet.reinitialize_device"]))
        #expect(refused.count == 120)
        for r in refused {
            let a = r.event.attributes
            #expect(a["outcome"] == "error" && a["error_class"] == 5 && a["error_code"] == 26)
            #expect(a["password_given"] == true)
        }
        let outcome = try f.run(Self.name)
        #expect(outcome.findings.count == 1, "\(outcome.findings.map(\.0.summary)) \(outcome.gaps)")
        let finding = try #require(outcome.findings.first?.0)
        #expect(finding.eventIDs.count == 120 && finding.severity == .high)
        #expect(finding.summary.hasPrefix("120 device-control commands from 10.30.9.66 to bms-ctl-3 were refused"), "\(finding.summary)")
    }

    @Test func dnp3ColdRestartsRefused() throws {
        let f = try fixture("dnp3-guess") { Self.dnp3(&$0, 6, start: 1_700_000_000) }
        let restarts = try f.c.events(EventQuery(kinds: ["ics.dnp3.cold_restart"]))
        #expect(restarts.count == 6, "\(restarts.count)")
        for r in restarts { #expect(r.event.attributes["outcome"] == "error", "\(r.event.message)") }
        let outcome = try f.run(Self.name)
        #expect(outcome.findings.count == 1 && outcome.findings.first?.0.summary.contains("to rtu-7") == true,
                "\(outcome.findings.map(\.0.summary))")
    }

    /// IEC 104's refusal is the station's own message: joined to the command it answers, the command is refused
    /// (negative) and the confirmation is not a command of the station's.
    @Test func iec104ResetsRefusedByNegativeConfirmation() throws {
        let f = try fixture("iec104-guess") { Self.iec104(&$0, 6, start: 1_700_000_000) }
        let resets = try f.c.events(EventQuery(kinds: ["ics.iec104.reset_process"]))
        let commands = resets.filter { $0.event.attributes["control"] != nil }
        let answers = resets.filter { $0.event.attributes["command_packet"] != nil }
        #expect(commands.count == 6 && answers.count == 6, "\(resets.map(\.event.message))")
        for c in commands {
            #expect(c.event.attributes["outcome"] == "negative" && c.event.src.ip == "10.30.9.88", "\(c.event.message)")
        }
        for a in answers { #expect(a.event.src.ip == "10.30.2.7" && a.event.attributes["outcome"] == "negative") }
        let outcome = try f.run(Self.name)
        #expect(outcome.findings.count == 1, "\(outcome.findings.map(\.0.summary))")
        let summary = outcome.findings.first?.0.summary ?? ""
        #expect(summary.hasPrefix("6 device-control commands from 10.30.9.88 to rtu-7"), "\(summary)")
    }

    /// Four refusals are a typo, not a guess; ten accepted restarts from the engineering workstation are work.
    @Test func fewRefusalsOrAcceptedCommandsAreNotGuessing() throws {
        let f = try fixture("bacnet-work") {
            Self.bacnet(&$0, 4, from: Self.guesser, accepted: false, start: 1_700_000_000)
            Self.bacnet(&$0, 10, from: PcapBuilder.Host([10, 30, 1, 5], 47808, mac: 5), accepted: true, start: 1_700_001_000)
        }
        #expect(try f.c.events(EventQuery(kinds: ["ics.bacnet.reinitialize_device"])).count == 14)
        #expect(try f.run(Self.name).findings.isEmpty)
    }
}

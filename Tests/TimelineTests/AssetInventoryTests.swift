import Collectors
import GRDB
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing
import Timeline

@testable import EvidenceStore

@Suite struct AssetInventoryTests {
    static let inventory = """
        assets:
          - name: hmi-1
            role: hmi
            level: 2
            zone: control
            addresses: [10.0.20.10, "00:1B:1B:AA:BB:CC", "FE80:0:0:0:0:0:0:1"]
            hostnames: [HMI-01.plant.local]
          - name: plc-dosing
            role: plc
            level: 1
            addresses: [10.0.20.20]
            tags:
              - holding:40001 -> NaOH_SP
              - {point: "holding:40002", tag: NaOH_PV, setpoint: false, low: 6.5, high: 8.5, unit: pH}
        """

    @Test func readsAssetsWithTheirAddressesHostsAndTagMaps() throws {
        let assets = try AssetInventory.parse(Self.inventory, file: "assets.yaml")
        #expect(assets.map(\.name) == ["hmi-1", "plc-dosing"])
        #expect(assets[0].role == .hmi && assets[0].purdueLevel == 2 && assets[0].zone == "control")
        #expect(assets[0].addresses == ["10.0.20.10", "00:1b:1b:aa:bb:cc", "fe80::1"])
        #expect(assets[1].tagMap == [Asset.TagMapping(point: "holding:40001", tag: "NaOH_SP"),
                                     Asset.TagMapping(point: "holding:40002", tag: "NaOH_PV", setpoint: false, low: 6.5,
                                                      high: 8.5, unit: "pH")])
        // A bare list is an inventory too.
        #expect(try AssetInventory.parse("- name: a\n- name: b\n", file: "x.yaml").count == 2)
    }

    /// Every mistake is named with its line, column and key, all at once.
    @Test func mistakesAreNamedByLineAndKey() {
        let text = """
            assets:
              - name: x
                role: plcc
                adresses: [1.2.3.4]
                level: 9
              - name: x
                addresses: [300.1.1.1]
                tags:
                  - holding:1 NaOH
                  - {point: a, tag: b, low: 5, high: 1, colour: red}
              - role: hmi
            """
        do {
            _ = try AssetInventory.parse(text, file: "bad.yaml")
            Issue.record("accepted")
        } catch let e as InventoryError {
            let lines = e.problems.map(\.description)
            #expect(lines.contains("bad.yaml:3:11: assets[0].role: plcc is not a role; use one of "
                                   + AssetInventoryTests.roleList))
            #expect(lines.contains { $0.hasPrefix("bad.yaml:4:5: assets[0].adresses: unknown key") })
            #expect(lines.contains("bad.yaml:5:12: assets[0].level: a Purdue level is a whole number from 0 to 5"))
            #expect(lines.contains("bad.yaml:6:11: assets[1].name: x is also assets[0]"))
            #expect(lines.contains("bad.yaml:7:17: assets[1].addresses[0]: 300.1.1.1 is not an IPv4, IPv6 or MAC address"))
            #expect(lines.contains { $0.hasPrefix("bad.yaml:9:9: assets[1].tags[0]: write `point -> tag`") })
            #expect(lines.contains { $0.hasPrefix("bad.yaml:10:45: assets[1].tags[1].colour: unknown key") })
            #expect(lines.contains("bad.yaml:10:9: assets[1].tags[1]: low (5.0) is above high (1.0)"))
            #expect(lines.contains("bad.yaml:11:5: assets[2].name: every asset needs a name"))
            #expect(lines.contains("bad.yaml:10:17: assets[1].tags[1].point: `a` is not a controller point; accepted forms: "
                                   + ControlPoint.acceptedForms))
            #expect(e.problems.count == 10)
        } catch {
            Issue.record("\(error)")
        }
        #expect(throws: InventoryError.self) { try AssetInventory.parse("assets: [", file: "y.yaml") }
        #expect(throws: InventoryError.self) { try AssetInventory.parse("", file: "y.yaml") }
        #expect(throws: InventoryError.self) { try AssetInventory.parse("- name: a\n  addresses: [10.0.0.1]\n- name: b\n  addresses: [10.0.0.1]\n", file: "y.yaml") }
    }

    static let roleList = "hmi, plc, rtu, historian, engineering-workstation, ews, jump-host, domain-controller, "
        + "file-server, firewall, remote-access, workstation, server, switch, router, safety-controller, ied, gateway, "
        + "vpn, printer, scada-server, monitoring, web-server, file-transfer, mail-server, drive, unknown"

    /// Events are resolved against the inventory when read: a new inventory changes what every event resolves to,
    /// with nothing ingested again; `--asset` finds an asset's events by its addresses; addresses no asset claims
    /// are listed, the control-system talkers first.
    @Test func resolutionFollowsTheInventoryWithoutReingest() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        func event(_ kind: String, _ domain: Domain, host: String?, src: String, dst: String, _ i: Int) -> Event {
            Event(time: Timestamp(seconds: 1_612_531_680 + Int64(i)), timeDescription: "t", domain: domain, kind: kind,
                  host: host, src: Endpoint(ip: src, port: 51512), dst: Endpoint(ip: dst, port: 502), message: kind,
                  provenance: Provenance(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1",
                                         locator: "n \(i)"))
        }
        try run.emit(event("ics.modbus.write", .ot, host: nil, src: "10.0.20.10", dst: "10.0.20.20", 0))
        try run.emit(event("auth.logon", .it, host: "HMI-01", src: "203.0.113.7", dst: "10.0.20.10", 1))
        try run.emit(event("ics.modbus.read", .ot, host: nil, src: "10.0.20.99", dst: "10.0.20.20", 2))
        try run.finish()

        // No inventory: nothing resolves; every address is unknown.
        var events = try c.events(EventQuery())
        #expect(events.allSatisfy { $0.event.src.asset == nil && $0.event.dst.asset == nil && $0.event.asset == nil })
        #expect(try c.unknownAddresses().count == 4)

        let assets = try AssetInventory.parse(Self.inventory, file: "assets.yaml")
        let (n, replaced) = try c.importAssets(assets, file: "assets.yaml", sha256: String(repeating: "a", count: 64))
        #expect(n == 2 && replaced == 0)
        events = try c.events(EventQuery())
        #expect(events[0].event.src.asset == "hmi-1" && events[0].event.dst.asset == "plc-dosing")
        #expect(events[1].event.asset == "hmi-1")    // HMI-01 is hmi-1's short host name
        #expect(events[1].event.src.asset == nil)    // the outside address is nobody's
        #expect(try c.events(EventQuery(asset: "hmi-1")).map(\.event.kind) == ["ics.modbus.write", "auth.logon"])
        #expect(try c.events(EventQuery(asset: "plc-dosing")).count == 2)
        let unknown = try c.unknownAddresses()
        #expect(unknown.map(\.address) == ["10.0.20.99", "203.0.113.7"])    // the OT talker first
        #expect(unknown[0].ot && unknown[0].kinds == ["ics.modbus.read"])
        #expect(try c.custodyEntries().last?.action == "assets.import")

        // A new inventory (the PLC renamed, the HMI gone) applies at once.
        try c.importAssets([Asset(name: "plc-7", role: .plc, addresses: ["10.0.20.20"])], file: "v2.yaml",
                           sha256: String(repeating: "b", count: 64))
        events = try c.events(EventQuery())
        #expect(events[0].event.src.asset == nil && events[0].event.dst.asset == "plc-7")
        #expect(try c.assets().map(\.name) == ["plc-7"])
        #expect(try c.verify().isClean)
    }

    /// Two RTUs behind one serial gateway (and, on another gateway, two DNP3 outstations and two IEC 104 common
    /// addresses): one address, told apart by the station each request names. A write is its station's asset's; a
    /// station the inventory does not name is the gateway's, not a sibling's; `--asset` finds a station's events
    /// only; the gateway's flows are the gateway's; an address held by stations alone is not unknown.
    @Test func assetsBehindOneAddressAreToldApartByStation() throws {
        let text = """
            assets:
              - {name: serial-gw, role: gateway, addresses: [10.0.30.5]}
              - {name: rtu-7, role: rtu, addresses: [10.0.30.5], station: "modbus:7"}
              - {name: rtu-8, role: rtu, addresses: [10.0.30.5], station: modbus:unit:8, tags: ["holding:40001 -> P8_SP"]}
              - {name: os-10, role: rtu, addresses: [10.0.30.6], stations: [dnp3:outstation:10]}
              - {name: os-11, role: rtu, addresses: [10.0.30.6], station: "dnp3:11"}
              - {name: ied-2, role: ied, addresses: [10.0.30.7], station: iec104:ca:2}
              - {name: plc-slot2, role: plc, addresses: [10.0.30.9], station: "cip:slot:2"}
              - {name: plc-remote, role: plc, addresses: [10.0.30.9], station: "cip:route:1:4/2:10.0.40.5"}
              - {name: cpu-3, role: plc, addresses: [10.0.30.10], station: "s7:slot:3"}
              - {name: cpu-4, role: plc, addresses: [10.0.30.10], station: "s7:rack:0:slot:4"}
              - {name: bacnet-router, role: router, addresses: [10.0.30.11]}
              - {name: ahu-29, role: plc, addresses: [10.0.30.11], station: "bacnet:net:3:mac:29"}
              - {name: vav-108, role: plc, addresses: [10.0.30.11], station: "bacnet:3:108"}
              - {name: far-panel, role: plc, addresses: [10.0.30.11], station: "bacnet:net:7:mac:0x0A000001BAC0"}
            """
        let assets = try AssetInventory.parse(text, file: "assets.yaml")
        #expect(assets.map(\.stations) == [[], ["modbus:unit:7"], ["modbus:unit:8"], ["dnp3:outstation:10"],
                                            ["dnp3:outstation:11"], ["iec104:ca:2"], ["cip:route:1:2"],
                                            ["cip:route:1:4/2:10.0.40.5"], ["s7:rack:0:slot:3"], ["s7:rack:0:slot:4"],
                                            [], ["bacnet:net:3:mac:29"], ["bacnet:net:3:mac:108"],
                                            ["bacnet:net:7:mac:0x0a000001bac0"]])
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        try c.importAssets(assets, file: "assets.yaml", sha256: String(repeating: "a", count: 64))
        let run = try c.beginIngest(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1")
        func event(_ kind: String, src: String, dst: String, station: String?, _ i: Int) -> Event {
            Event(time: Timestamp(seconds: 1_612_531_680 + Int64(i)), timeDescription: "t", domain: .ot, kind: kind,
                  src: Endpoint(ip: src, port: 51512), dst: Endpoint(ip: dst, port: 502), message: "\(kind) \(i)",
                  attributes: station.map { ["station": .string($0)] } ?? [:],
                  provenance: Provenance(evidenceID: item.id, collector: "synthetic/events", collectorVersion: "1",
                                         locator: "n \(i)"))
        }
        try run.emit(event("ics.modbus.write", src: "10.0.20.10", dst: "10.0.30.5", station: "modbus:unit:7", 0))
        try run.emit(event("ics.modbus.write", src: "10.0.20.10", dst: "10.0.30.5", station: "modbus:unit:8", 1))
        try run.emit(event("ics.modbus.write", src: "10.0.20.10", dst: "10.0.30.5", station: "modbus:unit:9", 2))
        try run.emit(event("net.flow", src: "10.0.20.10", dst: "10.0.30.5", station: nil, 3))
        // An unsolicited response: the outstation is the source.
        try run.emit(event("ics.dnp3.unsolicited_response", src: "10.0.30.6", dst: "10.0.20.10", station: "dnp3:outstation:11", 4))
        try run.emit(event("net.flow", src: "10.0.20.10", dst: "10.0.30.6", station: nil, 5))
        try run.emit(event("ics.iec104.setpoint_command", src: "10.0.20.10", dst: "10.0.30.7", station: "iec104:ca:3", 6))
        try run.emit(event("net.flow", src: "10.0.20.10", dst: "10.0.30.7", station: nil, 7))
        try run.emit(event("ics.cip.write_tag", src: "10.0.20.10", dst: "10.0.30.9", station: "cip:route:1:2", 8))
        // A BACnet router's MS/TP devices: the write is to the device its NPDU names.
        try run.emit(event("ics.bacnet.write_property", src: "10.0.20.10", dst: "10.0.30.11", station: "bacnet:net:3:mac:108", 9))
        try run.finish()
        let events = try c.events(EventQuery()).map(\.event)
        #expect(events.map { $0.dst.asset ?? $0.src.asset ?? "-" }
                == ["rtu-7", "rtu-8", "serial-gw", "serial-gw", "os-11", "-", "-", "ied-2", "plc-slot2", "vav-108"],
                "\(events.map { $0.dst.asset ?? "-" })")
        #expect(try c.events(EventQuery(asset: "rtu-8")).map(\.event.message) == ["ics.modbus.write 1"])
        #expect(try c.events(EventQuery(asset: "serial-gw")).map(\.event.message) == ["ics.modbus.write 2", "net.flow 3"])
        #expect(try c.events(EventQuery(asset: "os-11")).map(\.event.message) == ["ics.dnp3.unsolicited_response 4"])
        // ied-2 alone holds its address: a flow there is its; a command to another common address is not.
        #expect(try c.events(EventQuery(asset: "ied-2")).map(\.event.message) == ["net.flow 7"])
        // The workstation (not in this inventory), and the stations behind shared addresses that no asset answers as.
        #expect(try c.unknownAddresses().map(\.address) == ["10.0.20.10", "10.0.30.5 modbus:unit:9", "10.0.30.7 iec104:ca:3"])
        // The tag map of rtu-8 is rtu-8's only.
        #expect(try c.assets().first { $0.name == "rtu-8" }?.tagMap.map(\.tag) == ["P8_SP"])
    }

    /// Sharing an address needs stations, one without (the gateway) at most, no station twice; a station in no
    /// accepted form is named with the forms.
    @Test func sharedAddressesWithoutStationsAreMistakes() {
        let text = """
            assets:
              - {name: a, addresses: [10.0.30.5]}
              - {name: b, addresses: [10.0.30.5]}
              - {name: c, addresses: [10.0.30.6], station: modbus:unit:1}
              - {name: d, addresses: [10.0.30.6], station: "modbus:1"}
              - {name: e, addresses: [10.0.30.7], station: "unit 3"}
              - {name: f, addresses: [10.0.30.8], station: "modbus:unit:300"}
              - {name: g, addresses: [10.0.30.9], station: "cip:route:1"}
              - {name: h, addresses: [10.0.30.10], station: "s7:rack:9:slot:1"}
            """
        do {
            _ = try AssetInventory.parse(text, file: "s.yaml")
            Issue.record("accepted")
        } catch let e as InventoryError {
            let lines = e.problems.map(\.description)
            #expect(lines.contains { $0.hasPrefix("s.yaml:3:27: assets[1].addresses[0]: 10.0.30.5 is also a's; assets that share an address are told apart by `station:`") }, "\(lines)")
            #expect(lines.contains("s.yaml:5:27: assets[3].addresses[0]: 10.0.30.6 modbus:unit:1 is also c's"), "\(lines)")
            #expect(lines.contains("s.yaml:6:48: assets[4].station: `unit 3` is not a station; accepted forms: \(Station.acceptedForms)"), "\(lines)")
            #expect(lines.contains { $0.hasPrefix("s.yaml:7:48: assets[5].station: `modbus:unit:300` is not a station") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("s.yaml:8:48: assets[6].station: `cip:route:1` is not a station") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("s.yaml:9:49: assets[7].station: `s7:rack:9:slot:1` is not a station") }, "\(lines)")
            #expect(e.problems.count == 6, "\(lines)")
        } catch {
            Issue.record("\(error)")
        }
    }
}

@Suite struct InventoryInformsHistorianTests {
    /// With an inventory, a historian tag it maps is owned by its asset, a setpoint by the inventory's word (whatever
    /// its name), and judged against the inventory's limits instead of a learned band.
    @Test func tagMapsGiveSetpointsLimitsAndOwners() throws {
        let tmp = TempDir()
        let c = try Case.create(at: tmp.url.appendingPathComponent("case").path, name: "t", examiner: "t")
        try c.importAssets(try AssetInventory.parse("""
            - name: plc-dosing
              role: plc
              addresses: [10.0.20.20]
              tags:
                - {point: "holding:40001", tag: DOSE_TARGET, setpoint: true, unit: ppm}
                - {point: "holding:40002", tag: AIT101, low: 6.5, high: 8.5, unit: pH}
            """, file: "assets.yaml"), file: "assets.yaml", sha256: String(repeating: "c", count: 64))
        var text = "timestamp,tag,value\n"
        let start = Timestamp(seconds: 1_612_531_680)
        for i in 0..<120 {
            let t = (start + Int64(i) * 60 * Timestamp.nanosPerSecond).iso8601Shortest()
            text += "\(t),DOSE_TARGET,\(i < 50 ? 100 : 11100)\n"
            text += "\(t),AIT101,\(i >= 80 && i < 85 ? 9.0 : 7.0 + Double(i % 3) * 0.01)\n"
        }
        guard case .added(let item) = try c.add(paths: [tmp.file("in/export.csv", text)]).first else {
            Issue.record("not added")
            return
        }
        guard case .ingested(_, let s) = try c.ingest(item) else {
            Issue.record("not ingested")
            return
        }
        #expect(s.collector == "historian/long")
        let series = try c.series()
        #expect(series.map(\.info.asset) == ["plc-dosing", "plc-dosing"])
        #expect(series.map(\.info.unit) == ["ppm", "pH"])
        let events = try c.events(EventQuery(domains: [.process]))
        #expect(events.map(\.event.kind) == ["process.setpoint_change", "process.excursion"])
        let sp = events[0].event
        #expect(sp.asset == "plc-dosing")
        #expect(sp.attributes["ratio"] == .double(111))
        let exc = events[1].event
        #expect(exc.attributes["method"] == .string("limits from the asset inventory"))
        #expect(exc.attributes["band_high"] == .double(8.5))
        #expect(exc.attributes["samples"] == .int(5))
        #expect(exc.attributes["start"] == .string((start + 80 * 60 * Timestamp.nanosPerSecond).iso8601Shortest()))
        let options = try c.read { try String.fetchOne($0, sql: "SELECT options FROM ingest_runs") }
        #expect(options?.contains(#""inventory.tags":"2""#) == true)
    }
}

import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

/// Places in a list of events (its length, where an event stands, a page from any place), as the viewer's timeline
/// scrolls through millions: always what reading the whole list in (time, id) order gives, with and without the
/// roll-up, through ties in time, bursts within one second, hours without events, absurd clocks and corrections.
@Suite struct EventPlacesTests {
    static let kinds: [(Domain, String)] = [(.ot, "ics.modbus.write"), (.ot, "ics.dnp3.operate"), (.it, "auth.logon"),
                                            (.network, "net.flow"), (.it, "auth.logon_failed")]

    /// Bursts of events in one second (some in the same nanosecond), gaps of minutes and hours, and, in a second run,
    /// events whose clocks said 1700, 2250 and the ends of what a time can hold.
    static func makeCase(_ tmp: TempDir) throws -> (Case, EvidenceItem) {
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "test/places", collectorVersion: "1", batchSize: 113)
        var rng = SeededRandom(seed: 11)
        var t: Int64 = 1_612_515_600_000_000_000 + 777_000_000
        func emit(_ time: Int64, _ i: Int, _ r: IngestRun) throws {
            let (d, k) = kinds[Int(rng.next() % 5)]
            try r.emit(Event(time: Timestamp(nanoseconds: time), timeDescription: "t", domain: d, kind: k,
                             host: i % 4 == 0 ? "hmi-1" : "eng-2", message: i % 9 == 0 ? "setpoint changed \(i)" : "e\(i)",
                             provenance: Provenance(evidenceID: item.id, collector: "test/places", collectorVersion: "1",
                                                    locator: "line \(i)")))
        }
        for i in 0..<2400 {
            switch rng.next() % 10 {
            case 0: t += Int64(rng.next() % 3) * 3_600_000_000_000    // hours apart (some hours hold nothing)
            case 1, 2: t += Int64(rng.next() % 600) * 1_000_000_000    // minutes apart
            case 3: break                                               // the same nanosecond
            default: t += Int64(rng.next() % 5_000_000)                 // a burst within a second
            }
            try emit(t, i, run)
        }
        try run.finish()
        let odd = try c.beginIngest(evidenceID: item.id, collector: "test/places", collectorVersion: "2")
        for (i, time) in [Int64.min, -8_500_000_000_000_000_000, -8_500_000_000_000_000_000, 8_500_000_000_000_000_000,
                          Int64.max].enumerated() {
            try emit(time, 10_000 + i, odd)
        }
        try odd.finish()
        return (c, item)
    }

    static func queries() -> [(String, EventQuery)] {
        var family = EventQuery()
        family.kinds = ["ics"]
        var exact = EventQuery()
        exact.kinds = ["auth.logon", "net.flow"]
        exact.exactKinds = true
        var domains = EventQuery()
        domains.domains = [.ot, .network]
        // Bounds inside a second, so that the events before `from` in its second must be passed over.
        let window = EventQuery(from: Timestamp(nanoseconds: 1_612_515_600_000_000_000 + 777_000_000 + 1_234_567),
                                to: Timestamp(nanoseconds: 1_612_515_600_000_000_000 + 40 * 3_600_000_000_000 + 500_000_000))
        var windowKinds = window
        windowKinds.kinds = ["auth"]
        return [("all", EventQuery()), ("kind family", family), ("exact kinds", exact), ("domains", domains),
                ("window", window), ("window and kinds", windowKinds),
                ("asset (counted)", EventQuery(asset: "hmi-1")), ("full text (counted)", EventQuery(grep: "setpoint"))]
    }

    static func check(_ c: Case, _ note: String) throws {
        for (name, q) in queries() {
            let list = try c.events(q)
            let ids = list.map(\.id)
            #expect(try c.eventCount(q) == Int64(list.count), "\(note), \(name)")
            #expect(!list.isEmpty, "\(note), \(name)")
            var rng = SeededRandom(seed: 3)
            var places = [0, 1, 2, list.count / 2, list.count - 1, list.count, list.count + 10]
            for _ in 0..<25 { places.append(Int(rng.next() % UInt64(list.count))) }
            for p in places {
                let page = try c.events(q, fromPlace: Int64(p), limit: 7).map(\.id)
                #expect(page == Array(ids[min(p, ids.count)..<min(p + 7, ids.count)]), "\(note), \(name), place \(p)")
            }
            // Each event's place is its index; an event of another filter, and a time, where they would be.
            for i in places where i < list.count {
                let e = list[i]
                #expect(try c.eventPlace(q, time: e.event.time.nanoseconds, id: e.id) == Int64(i), "\(note), \(name), event \(e.id)")
                let t = e.event.time.nanoseconds
                #expect(try c.eventPlace(q, time: t, id: 0) == Int64(list.firstIndex { $0.event.time.nanoseconds >= t }!),
                        "\(note), \(name), time of event \(e.id)")
            }
            let others = try c.events(EventQuery()).filter { !Set(ids).contains($0.id) }.prefix(40)
            for o in others where o.id % 3 == 0 {
                let before = list.filter { ($0.event.time.nanoseconds, $0.id) < (o.event.time.nanoseconds, o.id) }.count
                #expect(try c.eventPlace(q, time: o.event.time.nanoseconds, id: o.id) == Int64(before), "\(note), \(name), other \(o.id)")
            }
        }
    }

    @Test func placesAreThoseOfTheWholeList() throws {
        let tmp = TempDir()
        let (c, _) = try Self.makeCase(tmp)
        #expect(try c.events(EventQuery()).count == 2405)
        try Self.check(c, "as ingested")
    }

    /// A sparse run over the same hours (a line every one to three seconds, batches of many seconds: no second counts
    /// kept): places in minutes whose seconds are not whole are found from those minutes' events.
    @Test func placesAmongDenseAndSparseRuns() throws {
        let tmp = TempDir()
        let (c, item) = try Self.makeCase(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "test/places", collectorVersion: "3", batchSize: 250)
        var rng = SeededRandom(seed: 21)
        var t: Int64 = 1_612_515_600_000_000_000 + 500_000_000
        for i in 0..<1500 {
            t += Int64(1 + rng.next() % 3) * 1_000_000_000 + Int64(rng.next() % 1000)
            let (d, k) = Self.kinds[Int(rng.next() % 5)]
            try run.emit(Event(time: Timestamp(nanoseconds: t), timeDescription: "t", domain: d, kind: k,
                               host: i % 4 == 0 ? "hmi-1" : "eng-2", message: i % 9 == 0 ? "setpoint changed s\(i)" : "s\(i)",
                               provenance: Provenance(evidenceID: item.id, collector: "test/places", collectorVersion: "3",
                                                      locator: "line \(i)")))
        }
        let id = try run.finish().runID
        #expect(try c.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM event_counts WHERE level = 0 AND run_id = ?",
                                              arguments: [id]) } == 0)
        try Self.check(c, "dense and sparse")
    }

    /// A corrected clock moves the events and their counts: places follow the corrected times.
    @Test func placesFollowACorrectedClock() throws {
        let tmp = TempDir()
        let (c, item) = try Self.makeCase(tmp)
        try c.setClock("plc", correction: ClockCorrection(offsetNanos: -1_800_250_000_000, driftPPB: 25_000,
                                                         epochNanos: 1_612_515_600_000_000_000),
                       source: .investigator, reason: "test")
        try c.assignClock(evidenceID: item.id, clock: "plc")
        try Self.check(c, "corrected")
    }

    /// Places past the end give nothing; a limit of zero gives nothing; an empty case has no places.
    @Test func placesPastTheEndAndAnEmptyCase() throws {
        let tmp = TempDir()
        let (c, _) = try caseWithOneItem(tmp)
        #expect(try c.eventCount(EventQuery()) == 0)
        #expect(try c.events(EventQuery(), fromPlace: 0, limit: 10).isEmpty)
        #expect(try c.events(EventQuery(), fromPlace: 5, limit: 10).isEmpty)
        #expect(try c.eventPlace(EventQuery(), time: 0, id: 1) == 0)
        let tmp2 = TempDir()
        let (d, _) = try Self.makeCase(tmp2)
        #expect(try d.events(EventQuery(), fromPlace: 2405, limit: 10).isEmpty)
        #expect(try d.events(EventQuery(), fromPlace: Int64.max / 2, limit: 10).isEmpty)
        #expect(try d.events(EventQuery(), fromPlace: 3, limit: 0).isEmpty)
    }

    /// A page of a full-text search is the same whether its word is held by many events (asked of the full-text
    /// index event by event in time order) or by few (gathered first): against the whole list, page by page.
    @Test func fullTextPagesAreThoseOfTheWholeListDenseOrSparse() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: SyntheticEvents.collectorName,
                                    collectorVersion: SyntheticEvents.collectorVersion)
        for i in 0..<12_000 { try run.emit(SyntheticEvents.event((i * 7_919) % 12_000, evidenceID: item.id)) }
        try run.finish()
        // "operator3": one event in fifteen; "60152": one event, after the first window; "operator3 from 10.10.2":
        // a phrase; "nothing-like-this": none.
        for word in ["operator3", "60152", "operator3 from 10.10.2", "nothing-like-this"] {
            var q = EventQuery(grep: word)
            let all = try c.events(q).map(\.id)
            #expect(try c.eventCount(q) == Int64(all.count), "\(word)")
            var paged: [Int64] = []
            q.limit = 37
            while true {
                let page = try c.events(q)
                paged += page.map(\.id)
                guard page.count == 37, let last = page.last else { break }
                q.after = (last.event.time.nanoseconds, last.id)
            }
            #expect(paged == all, "\(word)")
            for p in [0, 5, all.count / 2, all.count] {
                #expect(try c.events(EventQuery(grep: word), fromPlace: Int64(p), limit: 9).map(\.id)
                        == Array(all[min(p, all.count)..<min(p + 9, all.count)]), "\(word) from \(p)")
            }
            var ot = EventQuery(domains: [.it], grep: word, limit: 5)
            ot.from = Timestamp(seconds: 1_612_515_600 + 3)
            let expected = try c.events(EventQuery(from: ot.from, domains: [.it], grep: word)).prefix(5).map(\.id)
            #expect(try c.events(ot).map(\.id) == expected, "\(word) with other filters")
        }
    }
}

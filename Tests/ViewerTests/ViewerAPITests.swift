import EvidenceStore
import Foundation
import JikochoModel
import TestSupport
import Testing
@testable import Viewer

/// The flagship exercise investigated once by the real program (ingest, clocks, playbooks, chains), shared by the
/// viewer's tests, which only read it.
final class InvestigatedFlagship: @unchecked Sendable {
    static let shared = InvestigatedFlagship()
    let dir = TempDir("viewer")
    private let lock = NSLock()
    private var made: String?

    var casePath: String {
        get throws {
            lock.lock()
            defer { lock.unlock() }
            if let made { return made }
            let path = dir.url.appendingPathComponent("case").path
            let evidence = TestPaths.repoRoot.appendingPathComponent("Evidence/water-treatment-remote-setpoint").path
            let r = try runProgram(TestPaths.jikocho, ["investigate", "-o", path, evidence])
            guard r.status == 0 else { throw ViewerError("investigate failed: \(r.stderr)") }
            made = path
            return path
        }
    }

    func api() throws -> ViewerAPI { try ViewerAPI(Case.open(at: try casePath, mode: .read)) }
}

func object(_ r: APIResponse) throws -> [String: JSONValue] {
    let v = try JSONDecoder().decode(JSONValue.self, from: Data(r.body))
    guard case .object(let o) = v else { throw ViewerError("not an object: \(r.text)") }
    return o
}

func array(_ v: JSONValue?) -> [JSONValue] {
    if case .array(let a)? = v { return a }
    return []
}

@Suite struct ViewerAPITests {
    func get(_ api: ViewerAPI, _ path: String, _ query: [(String, String)] = []) -> APIResponse {
        api.respond(method: "GET", path: path, query: query)
    }

    @Test func caseSaysWhatTheCaseHolds() throws {
        let api = try InvestigatedFlagship.shared.api()
        let r = get(api, "/api/case")
        #expect(r.status == 200)
        let o = try object(r)
        #expect(o["name"] != nil)
        #expect(o["events"] == .int(480))
        #expect(array(o["evidence"]).count == 7)
        #expect(array(o["kinds"]).contains { $0["kind"] == "ics.modbus.write" })
        #expect(array(o["assets"]).contains("plc-dosing"))
    }

    /// Pages of events in time order, a cursor to the next page, and the same events whether read in pages of 7 or
    /// at once; filters by kind prefix, domain and full text.
    @Test func eventsPageInTimeOrderWithACursor() throws {
        let api = try InvestigatedFlagship.shared.api()
        let all = try object(get(api, "/api/events", [("limit", "1000")]))
        let everything = array(all["events"])
        #expect(everything.count == 480)
        #expect(all["next"] == .null)
        var paged: [JSONValue] = []
        var after: String?
        repeat {
            var q = [("limit", "7")]
            if let after { q.append(("after", after)) }
            let page = try object(get(api, "/api/events", q))
            paged += array(page["events"])
            if case .string(let n)? = page["next"] { after = n } else { after = nil }
        } while after != nil
        #expect(paged == everything)
        let times = everything.compactMap { v -> Int64? in if case .int(let t)? = v["time_ns"] { return t }; return nil }
        #expect(times == times.sorted())

        let writes = array(try object(get(api, "/api/events", [("kind", "ics.modbus.write")]))["events"])
        #expect(!writes.isEmpty)
        #expect(writes.allSatisfy { $0["kind"] == "ics.modbus.write" })
        let ics = array(try object(get(api, "/api/events", [("kind", "ics"), ("limit", "1000")]))["events"])
        #expect(ics.count > writes.count)
        #expect(ics.allSatisfy { if case .string(let k)? = $0["kind"] { return k.hasPrefix("ics.") }; return false })
        let process = array(try object(get(api, "/api/events", [("domain", "process")]))["events"])
        #expect(process.count == 10)
        let found = array(try object(get(api, "/api/events", [("q", "11100")]))["events"])
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { if case .string(let m)? = $0["message"] { return m.contains("11100") }; return false })
    }

    /// The timeline's list: its length, a page from any place, and where an event or a time stands in it, the same
    /// whether the roll-up counts (kind, domain, time) or the events are counted (asset, full text).
    @Test func theListHasALengthAndAPageFromAnyPlace() throws {
        let api = try InvestigatedFlagship.shared.api()
        for filter in [[], [("kind", "ics")], [("domain", "process"), ("domain", "ot")], [("q", "11100")],
                       [("asset", "plc-dosing")], [("from", "2021-02-05T08:30:00Z")]] as [[(String, String)]] {
            let all = array(try object(get(api, "/api/events", filter + [("limit", "1000")]))["events"])
            let count = try object(get(api, "/api/count", filter))
            #expect(count["events"] == .int(Int64(all.count)), "\(filter)")
            for at in [0, 1, all.count / 3, all.count - 1, all.count] {
                let page = try object(get(api, "/api/events", filter + [("at", "\(at)"), ("limit", "5")]))
                #expect(array(page["events"]) == Array(all[min(at, all.count)..<min(at + 5, all.count)]), "\(filter) at \(at)")
                #expect(page["at"] == .int(Int64(at)))
            }
            for (i, e) in all.enumerated() where i % 17 == 3 {
                guard case .int(let id)? = e["id"], case .string(let time)? = e["time"] else { continue }
                let place = try object(get(api, "/api/place", filter + [("event", "\(id)")]))
                #expect(place["at"] == .int(Int64(i)), "\(filter) event \(id)")
                #expect(place["in_list"] == .bool(true))
                let atTime = try object(get(api, "/api/place", filter + [("time", time)]))
                guard case .int(let t)? = atTime["at"] else { Issue.record("no place for \(time)"); continue }
                #expect(t <= Int64(i) && all[Int(t)]["time"] == e["time"], "\(filter) time \(time)")
            }
        }
        // An event the filter leaves out: where it would be.
        let write = try #require(array(try object(get(api, "/api/events", [("kind", "ics.modbus.write")]))["events"]).first)
        guard case .int(let id)? = write["id"] else { Issue.record("no id"); return }
        let place = try object(get(api, "/api/place", [("domain", "process"), ("event", "\(id)")]))
        #expect(place["in_list"] == .bool(false))
    }

    /// One event whole: its evidence item with the SHA-256 the case holds and the custody entries of that item.
    @Test func anEventComesWithItsEvidenceAndCustody() throws {
        let api = try InvestigatedFlagship.shared.api()
        let write = try #require(array(try object(get(api, "/api/events", [("kind", "ics.modbus.write")]))["events"]).first)
        guard case .int(let id)? = write["id"] else { Issue.record("no id"); return }
        let e = try object(get(api, "/api/events/\(id)"))
        #expect(e["kind"] == "ics.modbus.write")
        #expect(e["locator"] != nil)
        let evidence = try #require(e["evidence"])
        guard case .string(let sha)? = evidence["sha256"] else { Issue.record("no sha256"); return }
        #expect(sha.count == 64)
        let c = try Case.open(at: try InvestigatedFlagship.shared.casePath, mode: .read)
        #expect(try c.allEvidence().contains { $0.sha256 == sha })
        let custody = array(e["custody"])
        #expect(custody.contains { $0["action"] == "evidence.add" })
        #expect(custody.contains { $0["action"] == "ingest.run" })
    }

    /// Swimlanes: counts per domain per slice, which add up to the case's events.
    @Test func histogramCountsEveryEventOnce() throws {
        let api = try InvestigatedFlagship.shared.api()
        for asked in ["37", "700", "10000"] {
            let h = try object(get(api, "/api/histogram", [("buckets", asked)]))
            guard case .int(let buckets)? = h["buckets"] else { Issue.record("no buckets"); return }
            var total: Int64 = 0
            for lane in ["it", "network", "ot", "process"] {
                let counts = array(h["lanes"]?[lane])
                #expect(counts.count == Int(buckets))
                for case .int(let n) in counts { total += n }
            }
            #expect(total == 480, "\(asked) buckets asked, \(h["resolution"] ?? .null)")
        }
        let ot = try object(get(api, "/api/histogram", [("buckets", "5"), ("domain", "ot")]))
        #expect(array(ot["lanes"]?["it"]).allSatisfy { $0 == .int(0) })
    }

    /// A series drawn as min/max per bucket keeps the setpoint's spike and accounts for every numeric sample.
    @Test func seriesBucketsKeepTheSpikeAndEverySample() throws {
        let api = try InvestigatedFlagship.shared.api()
        let list = array(try JSONDecoder().decode(JSONValue.self, from: Data(get(api, "/api/series").body)))
        let sp = try #require(list.first { $0["name"] == "NaOH_SP" })
        guard case .int(let id)? = sp["id"], case .int(let samples)? = sp["samples"] else { Issue.record("no id"); return }
        for buckets in [3, 50, 2000] {
            let s = try object(get(api, "/api/series/\(id)", [("buckets", String(buckets))]))
            let b = array(s["buckets"])
            #expect(b.count <= buckets)
            var count: Int64 = 0
            var hi = -Double.infinity
            for bucket in b {
                let v = array(bucket)
                if case .int(let n) = v[3] { count += n }
                if case .double(let x) = v[2] { hi = max(hi, x) }
                if case .int(let x) = v[2] { hi = max(hi, Double(x)) }
            }
            #expect(count == samples, "\(buckets) buckets")
            #expect(hi == 11100, "\(buckets) buckets")
        }
    }

    /// The report's chain, findings and clocks, as the HTML report tells them.
    @Test func chainFindingsAndClocksComeFromTheReport() throws {
        let api = try InvestigatedFlagship.shared.api()
        let chains = try object(get(api, "/api/chains"))
        let steps = array(chains["chain"]?["steps"])
        #expect(steps.map { $0["role"] } == ["vpn session", "logon session", "logon session", "controller write", "impact"])
        #expect(steps.allSatisfy { $0["evidence"]?["sha256"] != nil })
        let findings = array(try JSONDecoder().decode(JSONValue.self, from: Data(get(api, "/api/findings").body)))
        #expect(findings.contains { $0["playbook"] == "ICS.Process.RemoteSetpointTampering" })
        let clocks = array(try JSONDecoder().decode(JSONValue.self, from: Data(get(api, "/api/clocks").body)))
        #expect(clocks.contains { $0["clock"] == "historian-1" })
        let custody = try object(get(api, "/api/custody", [("limit", "3")]))
        #expect(array(custody["entries"]).count == 3)
    }

    /// Bad input is a 400 with one line saying what to give; unknown paths 404; nothing but GET.
    @Test(arguments: [
        ("/api/events", [("limit", "0")], 400, "out of range"),
        ("/api/events", [("limit", "1000000")], 400, "out of range"),
        ("/api/events", [("from", "yesterday")], 400, "is not a time"),
        ("/api/events", [("from", "2021-02-05T08:00:00")], 400, "with a zone"),
        ("/api/events", [("from", "2021-02-06T00:00:00Z"), ("to", "2021-02-05T00:00:00Z")], 400, "after from"),
        ("/api/events", [("kind", "ics.dnp3.write")], 400, "not in this case"),
        ("/api/events", [("domain", "cloud")], 400, "not one of"),
        ("/api/events", [("after", "x")], 400, "not a cursor"),
        ("/api/events", [("limit", "5"), ("limit", "6")], 400, "given 2 times"),
        ("/api/events", [("lmit", "5")], 400, "unknown parameter lmit"),
        ("/api/events", [("q", String(repeating: "a", count: 201))], 400, "longer than 200"),
        ("/api/histogram", [("buckets", "100000")], 400, "out of range"),
        ("/api/series/1", [("buckets", "-1")], 400, "out of range"),
        ("/api/series/999", [], 404, "no series #999"),
        ("/api/events/999999", [], 404, "no event #999999"),
        ("/api/events/abc", [], 400, "not a positive integer"),
        ("/api/histogram", [("from", "-9000000000000000000"), ("to", "9000000000000000000")], 400, "beyond the years 1779–2160"),
        ("/api/histogram", [("from", "1900-01-01T00:00:00Z"), ("to", "2100-01-01T00:00:00Z")], 400, "more than 95 years"),
        ("/api/series/1", [("from", "-9223372036854775808"), ("to", "9223372036854775807")], 400, "beyond the years"),
        ("/api/events", [("at", "-1")], 400, "out of range"),
        ("/api/events", [("at", "x")], 400, "out of range"),
        ("/api/events", [("at", "3"), ("after", "1,1")], 400, "not both"),
        ("/api/count", [("limit", "3")], 400, "unknown parameter limit"),
        ("/api/place", [], 400, "give event=ID or time=TIME"),
        ("/api/place", [("event", "0")], 400, "not a positive integer"),
        ("/api/place", [("event", "999999")], 404, "no event #999999"),
        ("/api/place", [("event", "1"), ("time", "2021-02-05T08:30:00Z")], 400, "not both"),
        ("/api/place", [("time", "soon")], 400, "is not a time"),
        ("/api/nothing", [], 404, "no such endpoint"),
        ("/api/../../etc/passwd", [], 404, "no such endpoint"),
    ] as [(String, [(String, String)], Int, String)])
    func badRequestsAreRefusedWithOneClearLine(path: String, query: [(String, String)], status: Int, text: String) throws {
        let api = try InvestigatedFlagship.shared.api()
        let r = get(api, path, query)
        #expect(r.status == status, "\(r.text)")
        let o = try object(r)
        guard case .string(let message)? = o["error"] else { Issue.record("no error in \(r.text)"); return }
        #expect(message.contains(text), "\(message)")
        #expect(!message.contains("\n"))
    }

    /// Evidence whose clock says 1700 and 2250 (a dead RTC battery, a forged line): its events are listed, and the
    /// swimlanes of the whole case say why they cannot be drawn instead of failing.
    @Test func eventsAtAbsurdTimesAreListedAndTheLanesSayWhy() throws {
        let tmp = TempDir()
        let (c, item) = try caseWithOneItem(tmp)
        let run = try c.beginIngest(evidenceID: item.id, collector: "test/absurd", collectorVersion: "1")
        for (i, t) in [Int64(-8_500_000_000_000_000_000), 1_612_515_600_000_000_000, 8_500_000_000_000_000_000].enumerated() {
            try run.emit(Event(time: Timestamp(nanoseconds: t), timeDescription: "t", domain: .it, kind: "auth.logon",
                               message: "e\(i)", provenance: Provenance(evidenceID: item.id, collector: "test/absurd",
                                                                       collectorVersion: "1", locator: "line \(i + 1)")))
        }
        try run.finish()
        let api = try ViewerAPI(c)
        #expect(array(try object(get(api, "/api/events"))["events"]).count == 3)
        #expect(get(api, "/api/case").status == 200)
        let lanes = get(api, "/api/histogram")
        #expect(lanes.status == 400)
        #expect(lanes.text.contains("beyond the years 1779–2160"), "\(lanes.text)")
        let around = try object(get(api, "/api/histogram", [("from", "2021-02-05T00:00:00Z"), ("to", "2021-02-06T00:00:00Z")]))
        let itLane = array(around["lanes"]?["it"])
        #expect(itLane.contains(.int(1)))
    }

    @Test func onlyGETIsAnswered() throws {
        let api = try InvestigatedFlagship.shared.api()
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            #expect(api.respond(method: method, path: "/api/case", query: []).status == 405)
        }
    }

    /// Serving is read-only: the case's database and custody are the same before and after every endpoint.
    @Test func servingLeavesTheCaseAsItWas() throws {
        let path = try InvestigatedFlagship.shared.casePath
        let db = path + "/case.sqlite"
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let api = try InvestigatedFlagship.shared.api()
        for p in ["/api/case", "/api/events", "/api/events/1", "/api/histogram", "/api/series", "/api/series/1",
                  "/api/report", "/api/findings", "/api/chains", "/api/clocks", "/api/custody", "/api/verify"] {
            #expect(get(api, p).status == 200, "\(p)")
        }
        let verify = try object(get(api, "/api/verify"))
        #expect(verify["clean"] == .bool(true))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    }
}

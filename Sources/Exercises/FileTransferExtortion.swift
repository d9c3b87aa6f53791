import Foundation
import JikochoModel

/// Exploitation of a file-transfer appliance (as with Accellion FTA in December 2020 - January 2021, and FileZen in
/// 2021): at night an outsider sends the appliance's known SQL-injection request, plants a web shell, lists the
/// stored files through it and downloads 2.1 GB of customer drawings; weeks later an extortion e-mail arrives. A
/// partner's large but ordinary download the same day is the decoy.
///
/// Evidence: the appliance's access log (its clock 5 min 48 s slow), the perimeter firewall's syslog (Cisco ASA:
/// every connection with its bytes), the inventory, `scenario.yaml`. Every name, address and account is invented.
public struct FileTransferExtortionExercise {
    public static let name = "file-transfer-appliance-extortion"
    public static let defaultSeed: UInt64 = 20_210_119
    /// The appliance's clock runs this far behind (seconds to add to its recorded time).
    public static let applianceOffset = 348.0

    var rng: SeededRandom

    public init(seed: UInt64 = defaultSeed) { rng = SeededRandom(seed: seed) }

    /// 2021-01-19 00:00 JST = 2021-01-18 15:00 UTC; the company is in Asia/Tokyo.
    static let midnightUTC: Int64 = 1_610_982_000
    static let utcOffset = 9 * 3600

    /// True time of a local reading on 19 January (hours 24+ are the 20th).
    static func local(_ h: Int, _ m: Int, _ s: Double = 0) -> Int64 {
        SiteClock.local(midnightUTC, h, m, s)
    }

    static let attacker = "45.135.229.179"
    static let partner = "198.51.100.23"
    static let applianceInside = "172.16.5.20"
    static let appliancePublic = "203.0.113.80"

    /// One HTTPS request: who, when (true time), what, the answer, and how long the connection lasted.
    struct Request {
        var time: Int64
        var client: String
        var method: String
        var target: String
        var status: Int
        var bytes: Int64
        var agent: String
        var seconds: Int
    }

    struct Moments {
        let exploit = local(2, 14, 5.2)
        let plant = local(2, 14, 40.7)
        let shellCheck = local(2, 15, 12.3)
        let firstDownload = local(2, 25, 31.8)
        let partnerDownload = local(10, 32, 18.4)
    }
    let moments = Moments()

    mutating func requests() -> [Request] {
        var out: [Request] = []
        let m = moments
        let tool = "python-requests/2.25.1"
        // Partners and staff during the day before and after: logins, listings, downloads, uploads.
        let people = ["198.51.100.23", "198.51.100.61", "192.0.2.140", "192.0.2.77", "198.51.100.90"]
        let browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.141 Safari/537.36"
        var t = Self.local(-6, 0) // 18:00 the day before
        while t < Self.local(19, 0) {
            let hour = Int((t / 1_000_000_000 - Self.midnightUTC + 86_400 * 2) % 86_400 / 3600)
            guard (8..<19).contains(hour) else { t += 600_000_000_000; continue }
            let who = people[Int(rng.next() % UInt64(people.count))]
            out.append(Request(time: t, client: who, method: "GET", target: "/courier/web/1000@/wmLogin.html", status: 200,
                               bytes: 5120, agent: browser, seconds: 1))
            out.append(Request(time: t + 9_000_000_000, client: who, method: "POST", target: "/courier/web/1000@/wmLogin.html",
                               status: 302, bytes: 0, agent: browser, seconds: 1))
            out.append(Request(time: t + 14_000_000_000, client: who, method: "GET", target: "/courier/web/1000@/wmInbox.html",
                               status: 200, bytes: 24_576, agent: browser, seconds: 1))
            let size = Int64(200_000 + rng.next() % 38_000_000)
            out.append(Request(time: t + 31_000_000_000, client: who, method: "GET",
                               target: "/courier/web/1000@/wmDownload.html?id=\(7000 + rng.next() % 2000)", status: 200,
                               bytes: size, agent: browser, seconds: Int(2 + size / 4_000_000)))
            t += Int64(900 + rng.next() % 2400) * 1_000_000_000
        }
        // The decoy: a partner's 350 MB CAD package after a normal login.
        let p = m.partnerDownload
        out.append(Request(time: p - 40_000_000_000, client: Self.partner, method: "POST", target: "/courier/web/1000@/wmLogin.html",
                           status: 302, bytes: 0, agent: browser, seconds: 1))
        out.append(Request(time: p, client: Self.partner, method: "GET", target: "/courier/web/1000@/wmDownload.html?id=8841",
                           status: 200, bytes: 367_001_600, agent: browser, seconds: 95))
        // Scanners knocking on the usual doors.
        for (i, path) in ["/.env", "/wp-login.php", "/shell.php?cmd=id", "/courier/document_root.html", "/cgi-bin/luci"].enumerated() {
            out.append(Request(time: Self.local(0, 40 + i * 7, 11), client: "185.220.101.\(40 + i)", method: "GET", target: path,
                               status: 404, bytes: 196, agent: "curl/7.68.0", seconds: 1))
        }
        // The intrusion: the exploit, the shell planted and checked, the listing, the downloads, the clean-up.
        out.append(Request(time: m.exploit, client: Self.attacker, method: "POST",
                           target: "/courier/document_root.html?g_sid=1%27%20UNION%20SELECT%20", status: 200, bytes: 1432,
                           agent: tool, seconds: 1))
        out.append(Request(time: m.plant, client: Self.attacker, method: "POST", target: "/courier/sftp_account_edit.php",
                           status: 200, bytes: 311, agent: tool, seconds: 1))
        out.append(Request(time: m.shellCheck, client: Self.attacker, method: "GET", target: "/about.php", status: 200,
                           bytes: 642, agent: tool, seconds: 1))
        for i in 0..<6 {
            out.append(Request(time: Self.local(2, 16 + i, 3.5 + Double(i)), client: Self.attacker, method: "GET",
                               target: "/about.php?aid=\(1000 + i * 37)", status: 200, bytes: Int64(14_000 + rng.next() % 9000),
                               agent: tool, seconds: 1))
        }
        var d = m.firstDownload
        for i in 0..<14 {
            let size = Int64(120_000_000 + rng.next() % 60_000_000)
            out.append(Request(time: d, client: Self.attacker, method: "GET",
                               target: "/about.php?dwn=Yz0\(i)ZkJ&fn=drawings_\(2019 + i % 2)_\(String(format: "%02d", i + 1)).zip",
                               status: 200, bytes: size, agent: tool, seconds: Int(size / 1_250_000)))
            d += Int64(size / 1_250_000 + 20 + Int64(rng.next() % 40)) * 1_000_000_000
        }
        out.append(Request(time: d + 30_000_000_000, client: Self.attacker, method: "GET", target: "/about.php?aid=0&del=1",
                           status: 200, bytes: 87, agent: tool, seconds: 1))
        return out.sorted { $0.time < $1.time }
    }

    public mutating func generate(into directory: String) throws -> WaterTreatmentExercise.Summary {
        try ExerciseFiles.prepare(directory, ["web", "firewall"])
        let reqs = requests()
        var summary = WaterTreatmentExercise.Summary()
        summary.files["web/ftx-1-access.log"] = try ExerciseFiles.writeLines("\(directory)/web/ftx-1-access.log", accessLog(reqs))
        summary.files["firewall/fw-3.log"] = try ExerciseFiles.writeLines("\(directory)/firewall/fw-3.log", firewall(reqs))
        try ExerciseFiles.finish(directory, assets: Self.assetsYAML, scenario: scenarioYAML(reqs), &summary)
        return summary
    }

    /// Apache combined format, stamped by the appliance's slow clock in local time.
    func accessLog(_ reqs: [Request]) -> [(Int64, String)] {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let slow = Int64(Self.applianceOffset * 1e9)
        return reqs.map { r in
            // The server logs a request when it has answered it.
            let recorded = r.time - slow
            let c = Timestamp(nanoseconds: recorded).civil(utcOffsetSeconds: Self.utcOffset)
            let when = String(format: "%02d/%@/%04d:%02d:%02d:%02d +0900", c.day, months[c.month - 1], c.year, c.hour, c.minute, c.second)
            return (r.time, "\(r.client) - - [\(when)] \"\(r.method) \(r.target) HTTP/1.1\" \(r.status) \(r.bytes) \"-\" \"\(r.agent)\"")
        }
    }

    /// Cisco ASA syslog (RFC 5424 times at the site's offset): each request's connection built and torn down.
    mutating func firewall(_ reqs: [Request]) -> [(Int64, String)] {
        var fw = ASALog(host: "fw-3", utcOffset: Self.utcOffset, firstConnection: 0)
        var conn = 2_310_400
        for r in reqs {
            conn += 1 + Int(rng.next() % 5)
            let port = 49_152 + Int(rng.next() % 16_000)
            let opened = r.time - 180_000_000 - Int64(rng.next() % 300) * 1_000_000
            fw.line(opened, 6, 302_013, "Built inbound TCP connection \(conn) for outside:\(r.client)/\(port) (\(r.client)/\(port)) "
                 + "to dmz:\(Self.applianceInside)/443 (\(Self.appliancePublic)/443)")
            let closed = r.time + Int64(r.seconds) * 1_000_000_000
            fw.line(closed, 6, 302_014, "Teardown TCP connection \(conn) for outside:\(r.client)/\(port) to dmz:\(Self.applianceInside)/443 "
                 + "duration \(ASALog.duration(Int64(r.seconds + 1) * 1_000_000_000)) bytes \(r.bytes + 2400) TCP FINs")
        }
        return fw.lines
    }

    static let assetsYAML = """
        # Asset inventory of Minato Precision Components (an invented company), as its IT department gave it.
        assets:
          - name: fw-3
            role: firewall
            level: 4
            zone: dmz
            addresses: [203.0.113.80, 172.16.5.1, 10.40.3.1]
            hostnames: [fw-3]
            evidence: ["firewall/fw-3*.log"]
            description: Perimeter firewall (Cisco ASA); publishes the file-transfer appliance on 203.0.113.80:443
          - name: ftx-1
            role: file-transfer
            level: 4
            zone: dmz
            addresses: [172.16.5.20]
            hostnames: [FTX-1, ftx-1.minato-pc.example]
            evidence: ["web/ftx-1*.log"]
            description: File-transfer appliance used to exchange drawings with customers and suppliers
          - name: fs-4
            role: file-server
            level: 4
            zone: office
            addresses: [10.40.3.20]
            hostnames: [FS-4]

        """

    func scenarioYAML(_ reqs: [Request]) -> String {
        func t(_ v: Int64) -> String { Timestamp(nanoseconds: v).iso8601(precision: .seconds) }
        let m = moments
        let downloads = reqs.filter { $0.client == Self.attacker && $0.target.contains("dwn=") }
        let total = downloads.reduce(Int64(0)) { $0 + $1.bytes }
        let gb = String(format: "%.1f", Double(total) / 1e9)
        return """
            # Exercise: a file-transfer appliance exploited for extortion (generated by `make evidence`; do not edit by hand).
            name: \(Self.name)
            title: Customer drawings offered for sale - taken from the file-transfer appliance?
            seed: \(Self.defaultSeed)
            site_time_zone: Asia/Tokyo
            briefing: |
              On 8 February 2021 Minato Precision Components received an e-mail offering its customers' drawings for
              sale unless it paid. The drawings are exchanged through the file-transfer appliance FTX-1 in the DMZ,
              which the vendor has since patched. You have the appliance's access log and the perimeter firewall's
              log for 18-19 January. The appliance's clock was not synchronised. Was the data taken from FTX-1, when,
              how, and how much?
            evidence:
              - {path: web/ftx-1-access.log, what: access log of FTX-1 (Apache combined, local time), clock: ftx-1}
              - {path: firewall/fw-3.log, what: perimeter firewall syslog (Cisco ASA, RFC 5424 times), clock: fw-3 (reference)}
              - {path: assets.yaml, what: asset inventory}
            questions:
              - id: cyber_cause
                ask: Was the data taken from the appliance by an intruder?
              - id: clock
                ask: How far off is the appliance's clock?
              - id: chain
                ask: Give the intrusion step by step, with times.
              - id: root_cause
                ask: State what happened in one sentence.
              - id: techniques
                ask: Which ATT&CK techniques were used?
            answer:
              cyber_cause: true
              root_cause: >-
                An outsider at \(Self.attacker) exploited the file-transfer appliance FTX-1 through its known SQL
                injection (/courier/document_root.html), planted a web shell at /about.php and through it downloaded
                \(gb) GB of customer drawings in \(downloads.count) transfers.
              clock_offsets: {ftx-1: \(Self.applianceOffset)}
              chain:
                - {kind: web.request, asset: ftx-1, time: "\(t(m.exploit))", tolerance_s: 5, src: \(Self.attacker)}
                - {kind: web.request, asset: ftx-1, time: "\(t(m.plant))", tolerance_s: 5, src: \(Self.attacker)}
                - {kind: web.request, asset: ftx-1, time: "\(t(m.firstDownload))", tolerance_s: 5, src: \(Self.attacker)}
              techniques: [T1190, T1505.003, T1567]
              not_the_cause:
                - {what: "the partner \(Self.partner)'s 350 MB download", why: "made after an ordinary login through wmLogin.html, of the partner's own package, at \(t(m.partnerDownload))"}
                - {what: the scanners 185.220.101.40-44, why: every request answered 404}

            """
    }
}

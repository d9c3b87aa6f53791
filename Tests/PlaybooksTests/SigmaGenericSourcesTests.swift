import Collectors
import Foundation
import JikochoModel
import TestSupport
import Testing

@testable import Playbooks

/// Sigma beyond Windows: rules written the way SigmaHQ's `rules/linux`, `rules/web` and `rules/network` are (their
/// logsources and field names), run over real public logs and captures with a known attack, each checked against an
/// independent count (grep over the log, tshark's decoding of the capture). SigmaHQ's own rules of those folders are
/// not among the shared datasets; these are written for the test.
@Suite struct SigmaGenericSourcesTests {
    static func rule(_ logsource: String, _ detection: String, title: String = "test rule") -> String {
        "title: \(title)\nlogsource:\n\(logsource)\ndetection:\n\(detection)\nlevel: high\n"
    }

    func engine(_ text: String) -> SigmaEngine {
        let (rules, problems) = SigmaLoader.parse(text, file: "test.yml")
        #expect(problems.isEmpty, "\(problems.map(\.reason))")
        return SigmaEngine(rules: rules)
    }

    func collect(_ collector: some Collector, _ dataset: String, options: [String: String] = [:]) throws -> [Event] {
        let path = TestPaths.dataset(dataset)
        let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0,
                                name: (path as NSString).lastPathComponent, originalPath: path,
                                acquiredAt: Timestamp(seconds: 1_700_000_000), sourceModifiedAt: nil, examiner: "t",
                                timeZone: "UTC")
        let sink = MemorySink()
        try collector.collect(EvidenceSource(item: item, path: path, options: options), into: sink)
        return sink.events
    }

    func lines(_ dataset: String) throws -> [String] {
        try String(contentsOfFile: TestPaths.dataset(dataset), encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
    }

    /// tshark's rows of a golden file (its comment and header dropped), split into columns.
    func golden(_ name: String) throws -> [[String]] {
        let url = TestPaths.repoRoot.appendingPathComponent("Tests/CollectorsTests/Golden/pcap/\(name)")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix("frame.number") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// An SSH brute force in sshd's log: keywords (`product: linux, service: sshd`) and PAM's fields
    /// (`service: auth`: pam_message, pam_rhost), each counted independently over the log.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func sshBruteForceInALinuxAuthLog() throws {
        let file = "logs/linux/loghub_OpenSSH_2k.log"
        let events = try collect(SyslogCollector(), file, options: ["tz": "UTC", "year": "2015"])
        let log = try lines(file)
        let keywords = engine(Self.rule("    product: linux\n    service: sshd",
                                        "    keywords:\n        - 'Failed password for root'\n    condition: keywords"))
        let root = events.filter { !keywords.matches($0).isEmpty }
        let repeats = log.filter { $0.contains("message repeated") && $0.contains("Failed password for root") }
            .compactMap { l in l.range(of: "repeated ").flatMap { Int(l[$0.upperBound...].prefix { $0.isNumber }) } }
            .reduce(0, +)
        #expect(root.count == log.filter { $0.contains("]: Failed password for root") }.count + repeats)
        #expect(root.count > 100)
        let pam = engine(Self.rule("    product: linux\n    service: auth", """
                selection:
                    pam_message: 'authentication failure'
                    pam_rhost|cidr: '183.62.140.0/24'
                condition: selection
            """))
        let fromOne = events.filter { !pam.matches($0).isEmpty }
        let expected = log.filter { $0.contains("authentication failure;") && $0.contains("rhost=183.62.140.") }.count
        #expect(fromOne.count == expected && expected > 0, "\(fromOne.count) vs \(expected)")
        // The whole family: `product: linux` alone reads every Linux program's lines.
        let any = engine(Self.rule("    product: linux", "    keywords:\n        - 'POSSIBLE BREAK-IN ATTEMPT'\n    condition: keywords"))
        #expect(events.filter { !any.matches($0).isEmpty }.count == log.filter { $0.contains("POSSIBLE BREAK-IN ATTEMPT") }.count)
    }

    /// The Tunna web shell's tunnel in an IIS log: `category: webserver` with cs-uri-stem, cs-uri-query, cs-method.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func webShellTunnelInAnIISLog() throws {
        let file = "logs/web/iis_w3c_tunna_rdp_tunnel.log"
        let events = try collect(AccessLogCollector(), file)
        let e = engine(Self.rule("    category: webserver", """
                selection:
                    cs-uri-stem|endswith: '.aspx'
                    cs-uri-query|startswith: 'proxy'
                connect:
                    cs-uri-query|contains|all: ['port=', 'ip=']
                    cs-method: GET
                condition: selection and connect
            """))
        let hits = events.filter { !e.matches($0).isEmpty }
        let log = try lines(file)
        #expect(hits.count == log.filter { $0.contains(" GET /erp/conn.aspx proxy&port=") && $0.contains("&ip=") }.count)
        #expect(hits.count == 3 && hits.allSatisfy { $0.src.ip == "10.0.2.17" })
    }

    /// DNS tunnelling: `category: dns` and `product: zeek, service: dns` over the queries decoded from a capture,
    /// counted against tshark's decoding of the same capture.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func dnsTunnelInACapture() throws {
        let events = try collect(PcapCollector(), "pcaps/it/dns_tunnel_queries.pcap")
        let rows = try golden("dns_tunnel_queries.dns.tsv")
        let txtQueries = rows.filter { $0.count > 5 && $0[2] == "0" && $0[5] == "16" && $0[4].hasSuffix("tunnel.com") }.count
        for logsource in ["    category: dns", "    product: zeek\n    service: dns"] {
            let field = logsource.contains("zeek") ? "qtype_name" : "record_type"
            let e = engine(Self.rule(logsource, """
                    selection:
                        query|endswith: '.tunnel.com'
                        \(field): 'TXT'
                    condition: selection
                """))
            let hits = events.filter { !e.matches($0).isEmpty }
            #expect(hits.count == txtQueries && txtQueries > 0, "\(logsource): \(hits.count) vs \(txtQueries)")
        }
    }

    /// Connections as Zeek's conn log and a firewall log see them, from the flows of a capture (PsExec over SMB),
    /// counted against tshark's conversations; HTTP as a proxy log sees it.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func connectionsAndHTTPFromCaptures() throws {
        let events = try collect(PcapCollector(), "pcaps/it/smb2_psexec_add_user.pcap")
        let conv = try golden("smb2_psexec_add_user.conv.tsv")
        let to445 = conv.filter { $0.count > 3 && $0[3].hasSuffix(":445") }.count
        for (logsource, field) in [("    product: zeek\n    service: conn", "id.resp_p"), ("    category: firewall", "dst_port")] {
            let e = engine(Self.rule(logsource, "    selection:\n        \(field): 445\n    condition: selection"))
            let hits = events.filter { !e.matches($0).isEmpty }
            #expect(hits.count == to445 && to445 > 0 && hits.allSatisfy { $0.kind == "net.flow" }, "\(logsource) \(hits.count) vs \(to445)")
        }
        let http = try collect(PcapCollector(), "pcaps/it/http_get.pcap")
        let proxy = engine(Self.rule("    category: proxy", """
                selection:
                    cs-host: 'www.ethereal.com'
                    c-uri-extension: 'html'
                    c-useragent|contains: 'Gecko'
                condition: selection
            """))
        let requests = try golden("http_get.http.tsv").filter { $0.count > 5 && $0[2].hasSuffix(".html") && $0[5].contains("Gecko") }.count
        #expect(http.filter { !proxy.matches($0).isEmpty }.count == requests && requests > 0)
    }

    /// A rule that cannot run says why: a field no event of its logsource has, a log Jikocho does not read, Linux
    /// process records; a rule that can run is not among them.
    @Test func rulesThatCannotRunSayWhy() {
        let text = [
            Self.rule("    category: webserver", "    selection:\n        cs-cookie|contains: 'x'\n    condition: selection", title: "cookie"),
            Self.rule("    product: aws\n    service: cloudtrail", "    selection:\n        eventName: x\n    condition: selection", title: "aws"),
            Self.rule("    product: linux\n    category: process_creation", "    selection:\n        Image|endswith: '/nc'\n    condition: selection", title: "proc"),
            Self.rule("    product: linux\n    service: sudo", "    keywords: ['NOT in sudoers']\n    condition: keywords", title: "sudo"),
        ].joined(separator: "---\n")
        let (rules, problems) = SigmaLoader.parse(text, file: "t.yml")
        #expect(problems.isEmpty && rules.count == 4)
        let e = SigmaEngine(rules: rules)
        let why = Dictionary(uniqueKeysWithValues: e.unmapped.map { ($0.rule.title, $0.reason) })
        #expect(why["cookie"]?.contains("field cs-cookie is not in Jikocho's events") == true, "\(why)")
        #expect(why["aws"]?.contains("AWS CloudTrail") == true)
        #expect(why["proc"]?.contains("auditd EXECVE, Sysmon for Linux") == true)
        #expect(why["sudo"] == nil && e.rules.map(\.title) == ["sudo"])
        // sudo's refusal in a syslog line matches.
        let line = Event(time: Timestamp(seconds: 0), timeDescription: "t", domain: .it, kind: "auth.privilege_failed",
                         host: "h", message: "sudo: bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
                         attributes: ["program": "sudo"],
                         provenance: Provenance(evidenceID: 1, collector: "log/syslog", collectorVersion: "5", locator: "line 1"))
        #expect(e.matches(line).count == 1)
    }
}

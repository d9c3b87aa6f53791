import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing
import Yams

@testable import Playbooks

func collectEVTX(path: String) throws -> [Event] {
    let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0, name: "log.evtx",
                            originalPath: path, acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
    let sink = MemorySink()
    try EVTXCollector().collect(EvidenceSource(item: item, path: path), into: sink)
    return sink.events
}

/// A Windows event as the EVTX collector writes it.
func windowsEvent(id: Int, channel: String, provider: String = "Microsoft-Windows-Sysmon", data: [String: String],
                  message: String = "") -> Event {
    var a: [String: JSONValue] = ["event_id": .int(Int64(id)), "channel": .string(channel), "provider": .string(provider)]
    a["event_data"] = .object(data.mapValues { .string($0) })
    return Event(time: Timestamp(seconds: 1_612_515_600), timeDescription: "Event time", domain: .it,
                 kind: "windows.event", message: message, attributes: Attributes(a),
                 provenance: Provenance(evidenceID: 1, collector: "windows/evtx", collectorVersion: "1", locator: "record 1"))
}

@Suite struct SigmaLoadingTests {
    static let windowsRules = TestPaths.dataset("sigma/rules/windows")

    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func everySigmaHQWindowsRuleLoadsAndHasALogsource() throws {
        let (rules, problems) = SigmaLoader.load(paths: [Self.windowsRules])
        #expect(problems.isEmpty, "\(problems.prefix(20).map(\.description).joined(separator: "\n"))")
        #expect(rules.count == 2407)
        let engine = SigmaEngine(rules: rules)
        #expect(engine.unmapped.isEmpty, "\(engine.unmapped.prefix(10).map { "\($0.rule.file): \($0.reason)" })")
        #expect(engine.rules.count == rules.count)
    }

    /// SigmaHQ's regression tests: each EVTX must give the rule its number of matches.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func sigmaHQRegressionTestsPass() throws {
        let root = TestPaths.dataset("sigma")
        let (rules, _) = SigmaLoader.load(paths: [Self.windowsRules])
        let byID = Dictionary(rules.compactMap { r in r.id.map { ($0, r) } }, uniquingKeysWith: { a, _ in a })
        let infos = FileManager.default.enumerator(atPath: root + "/regression_data")!.compactMap { $0 as? String }
            .filter { $0.hasSuffix("info.yml") }.sorted()
        #expect(infos.count == 6)
        for info in infos {
            let text = try String(contentsOfFile: root + "/regression_data/" + info, encoding: .utf8)
            let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
            let meta = try #require((doc["rule_metadata"] as? [[String: Any]])?.first)
            let id = try #require(meta["id"] as? String)
            let rule = try #require(byID[id], "rule \(id) not among the windows rules")
            for test in doc["regression_tests_info"] as? [[String: Any]] ?? [] {
                guard test["type"] as? String == "evtx", let path = test["path"] as? String,
                      let expected = test["match_count"] as? Int else { continue }
                let events = try collectEVTX(path: root + "/" + path)
                let engine = SigmaEngine(rules: [rule])
                let n = events.reduce(0) { $0 + engine.matches($1).count }
                #expect(n == expected, "\(rule.title): \(n) matches, \(expected) expected (\(path))")
                // And with every windows rule loaded, the rule still matches (the index finds it).
                let all = SigmaEngine(rules: rules)
                let hits = events.flatMap { all.matches($0) }.filter { all.rules[$0.rule].id == id }
                #expect(hits.count == expected, "\(rule.title) among all rules")
            }
        }
    }
}

@Suite struct SigmaSemanticsTests {
    func rule(_ detection: String, logsource: String = "product: windows\n  category: process_creation") throws -> SigmaRule {
        let text = "title: t\nlogsource:\n  \(logsource)\ndetection:\n" + detection
        let (rules, problems) = SigmaLoader.parse(text, file: "t.yml")
        if let p = problems.first { throw p }
        return try #require(rules.first)
    }

    func hits(_ r: SigmaRule, _ e: Event) -> Bool { !SigmaEngine(rules: [r]).matches(e).isEmpty }

    let proc = windowsEvent(id: 1, channel: "Microsoft-Windows-Sysmon/Operational", data: [
        "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami -all",
        "ParentImage": "C:\\Windows\\explorer.exe", "User": "PLANT\\op", "IntegrityLevel": "High",
        "DestinationIp": "10.20.1.21", "Hashes": "SHA256=AB12", "ParentCommandLine": "cmd.exe",
    ])

    @Test func valuesAreCaseInsensitiveWildcardsUnlessCased() throws {
        #expect(hits(try rule("  s:\n    Image|endswith: '\\CMD.EXE'\n  condition: s"), proc))
        // `\\` before a wildcard is one backslash; `\*` would be a literal star (Sigma's escapes).
        #expect(hits(try rule("  s:\n    Image: 'c:\\\\windows\\\\*\\cmd.exe'\n  condition: s"), proc))
        #expect(!hits(try rule("  s:\n    Image: 'c:\\windows\\*\\cmd.exe'\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    Image: 'C:\\Windows\\System3?\\cmd.exe'\n  condition: s"), proc))
        #expect(!hits(try rule("  s:\n    Image|cased|endswith: '\\CMD.EXE'\n  condition: s"), proc))
        #expect(!hits(try rule("  s:\n    Image: 'cmd.exe'\n  condition: s"), proc))
        // Escaped wildcards are literal.
        let star = windowsEvent(id: 1, channel: "Microsoft-Windows-Sysmon/Operational", data: ["CommandLine": "a*b"])
        #expect(hits(try rule("  s:\n    CommandLine: 'a\\*b'\n  condition: s"), star))
        #expect(!hits(try rule("  s:\n    CommandLine: 'a\\*b'\n  condition: s"), proc))
    }

    @Test func listsAllAndConditions() throws {
        let r = try rule("""
              sel_img:
                Image|endswith: ['\\powershell.exe', '\\cmd.exe']
              sel_cli:
                CommandLine|contains|all: ['/c', 'whoami']
              filter_main:
                ParentImage|endswith: '\\services.exe'
              condition: all of sel_* and not 1 of filter_*
            """)
        #expect(hits(r, proc))
        let r2 = try rule("""
              a:
                CommandLine|contains|all: ['/c', 'ipconfig']
              b:
                - Image|endswith: '\\nope.exe'
                - User|startswith: 'plant\\'
              condition: (a or b) and not a
            """)
        #expect(hits(r2, proc))
        #expect(hits(try rule("  x:\n    Image|contains: 'cmd'\n  y:\n    Image|contains: 'zzz'\n  condition: 1 of them"), proc))
        #expect(!hits(try rule("  x:\n    Image|contains: 'cmd'\n  y:\n    Image|contains: 'zzz'\n  condition: all of them"), proc))
    }

    @Test func modifiers() throws {
        #expect(hits(try rule("  s:\n    CommandLine|windash|contains: ' /all'\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    CommandLine|re: '^cmd\\.exe /c \\w+'\n  condition: s"), proc))
        #expect(!hits(try rule("  s:\n    CommandLine|re: '^CMD'\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    CommandLine|re|i: '^CMD'\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    DestinationIp|cidr: '10.20.0.0/16'\n  condition: s"), proc))
        #expect(!hits(try rule("  s:\n    DestinationIp|cidr: '10.21.0.0/16'\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    Hashes|exists: true\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    OriginalFileName|exists: false\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    OriginalFileName: null\n  condition: s"), proc))
        #expect(!hits(try rule("  s:\n    Image: null\n  condition: s"), proc))
        #expect(hits(try rule("  s:\n    CommandLine|fieldref: ParentCommandLine\n  condition: not s"), proc))
        #expect(hits(try rule("  s:\n    CommandLine|fieldref|startswith: ParentCommandLine\n  condition: s"), proc))
        let n = windowsEvent(id: 1, channel: "Microsoft-Windows-Sysmon/Operational", data: ["Count": "0x20"])
        #expect(hits(try rule("  s:\n    Count|gt: 31\n  condition: s"), n))
        #expect(!hits(try rule("  s:\n    Count|lt: 32\n  condition: s"), n))
        // base64offset: "/bin/sh" in a base64 blob at any alignment (the specification's own example forms).
        #expect(SigmaLoader.base64Offsets(Array("/bin/sh".utf8)) == ["L2Jpbi9za", "9iaW4vc2", "vYmluL3No"])
        for prefix in ["", "x", "xy"] {
            let blob = Data((prefix + "/bin/sh -c id").utf8).base64EncodedString()
            let e = windowsEvent(id: 1, channel: "Microsoft-Windows-Sysmon/Operational", data: ["CommandLine": "echo " + blob])
            #expect(hits(try rule("  s:\n    CommandLine|base64offset|contains: '/bin/sh'\n  condition: s"), e), "\(prefix)")
        }
        let wide = Data("whoami".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).base64EncodedString()
        let e = windowsEvent(id: 1, channel: "Microsoft-Windows-Sysmon/Operational", data: ["CommandLine": "-enc " + wide])
        #expect(hits(try rule("  s:\n    CommandLine|wide|base64|contains: 'whoami'\n  condition: s"), e))
        #expect(SigmaLoader.windash("-c -x") == ["-c -x", "/c /x", "\u{2013}c \u{2013}x", "\u{2014}c \u{2014}x", "\u{2015}c \u{2015}x"])
    }

    @Test func keywordsSearchTheWholeRecord() throws {
        let r = try rule("  keywords:\n    - 'whoami'\n    - 'mimikatz'\n  condition: keywords")
        #expect(hits(r, proc))
        let r2 = try rule("  keywords:\n    - 'mimikatz'\n  condition: keywords")
        #expect(!hits(r2, proc))
    }

    @Test func logsourcesPickTheirChannelsAndSecurity4688IsAProcessCreation() throws {
        let r = try rule("  s:\n    Image|endswith: '\\cmd.exe'\n    ParentImage|endswith: '\\explorer.exe'\n  condition: s")
        let security = windowsEvent(id: 4688, channel: "Security", provider: "Microsoft-Windows-Security-Auditing",
                                    data: ["NewProcessName": "C:\\Windows\\System32\\cmd.exe",
                                           "ParentProcessName": "C:\\Windows\\explorer.exe"])
        #expect(hits(r, security))
        let wrongChannel = windowsEvent(id: 1, channel: "Application", data: ["Image": "C:\\x\\cmd.exe"])
        #expect(!hits(r, wrongChannel))
        let sec = try rule("  s:\n    EventID: 1102\n  condition: s", logsource: "product: windows\n  service: security")
        let cleared = windowsEvent(id: 1102, channel: "Security", provider: "Microsoft-Windows-Eventlog", data: [:])
        #expect(hits(sec, cleared))
        // Winlogbeat exports are read the same way.
        let wlb = Event(time: Timestamp(seconds: 0), timeDescription: "", domain: .it, kind: "exec.process", message: "",
                        attributes: ["winlog": .object(["event_id": .int(1), "channel": "Microsoft-Windows-Sysmon/Operational",
                                                        "event_data": .object(["Image": "C:\\Windows\\System32\\cmd.exe",
                                                                               "ParentImage": "C:\\Windows\\explorer.exe"])])],
                        provenance: Provenance(evidenceID: 1, collector: "log/jsonl", collectorVersion: "2", locator: "line 1"))
        #expect(hits(r, wlb))
    }

    @Test func mistakesAreNamedWithTheirLine() {
        let bad = "title: t\nlogsource:\n  product: windows\ndetection:\n  s:\n    Image|endswithh: x\n  condition: s\n"
        let (_, p) = SigmaLoader.parse(bad, file: "bad.yml")
        #expect(p.first?.description.contains("endswithh") == true && p.first?.line == 6, "\(p)")
        let (_, p2) = SigmaLoader.parse("title: t\nlogsource: {product: windows}\ndetection:\n  s: {Image: x}\n  condition: s and t\n",
                                        file: "c.yml")
        #expect(p2.first?.reason.contains("`t` is not a search") == true)
        let (_, p3) = SigmaLoader.parse("title: t\nlogsource: {product: windows}\ndetection:\n  s: {Image: x}\n  condition: s | count() > 5\n",
                                        file: "d.yml")
        #expect(p3.first?.reason.contains("correlation") == true)
        let (_, p4) = SigmaLoader.parse("title: [unclosed\n", file: "e.yml")
        #expect(p4.first?.reason.contains("YAML") == true)
    }

    /// Found by FuzzSigma (Fuzz/Regressions/FuzzSigma/cidr-of-an-empty-value): an empty `cidr` value crashed the
    /// network reader (it took the first part of a split that had none).
    @Test func anEmptyNetworkIsRefusedNotACrash() throws {
        #expect(CIDR("") == nil && CIDR("/") == nil && CIDR("10.0.0.0/") == nil && CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("10.0.0.0/8")?.contains("10.255.0.1") == true)
        let (_, p) = SigmaLoader.parse("title: t\nlogsource: {product: windows}\ndetection:\n  s: {IpAddress|cidr: ''}\n  condition: s\n",
                                       file: "e.yml")
        #expect(p.first?.reason.contains("is not a network") == true)
        let fixture = TestPaths.repoRoot.appendingPathComponent("Fuzz/Regressions/FuzzSigma/cidr-of-an-empty-value")
        #expect(FileManager.default.fileExists(atPath: fixture.path))
    }

    @Test func globMatchingIsLinearOnHostileInput() {
        let g = Glob(sigma: "*a*a*a*a*a*a*a*a*b", lowercased: true)
        #expect(!g.matches(Array(String(repeating: "a", count: 5_000).utf8)))
        #expect(Glob(sigma: "*é?x", lowercased: true).matches(Array("café!x".utf8)))
    }
}

@Suite struct SigmaPrefilterTests {
    /// The literal index only skips rules that cannot match: with it and without it, the same matches, on the
    /// shared EVTX samples and on synthetic events.
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func theIndexChangesNoMatch() throws {
        let (rules, _) = SigmaLoader.load(paths: [SigmaLoadingTests.windowsRules])
        var events: [Event] = []
        let dir = TestPaths.dataset("evtx")
        for case let rel as String in FileManager.default.enumerator(atPath: dir)! where rel.hasSuffix(".evtx") {
            events += try collectEVTX(path: dir + "/" + rel)
        }
        var rng = SeededRandom(seed: 11)
        let synthetic = SyntheticWindowsEvents()
        events += (0..<300).map { synthetic.event($0, rng: &rng) }
        let indexed = SigmaEngine(rules: rules)
        let plain = SigmaEngine(rules: rules)
        plain.usePrefilter = false
        var total = 0
        for e in events {
            let a = indexed.matches(e).map(\.rule)
            let b = plain.matches(e).map(\.rule)
            #expect(a == b, "\(e.provenance.locator): \(a) vs \(b)")
            total += a.count
        }
        #expect(total > 300)
        #expect(indexed.evaluations * 10 < plain.evaluations)
        // A batch evaluated on every core gives each event the matches it gets alone, in the events' order, and
        // counts the same evaluations.
        let batchEngine = SigmaEngine(rules: rules)
        let batched = batchEngine.matches(events).map { $0.map(\.rule) }
        #expect(batched == events.map { indexed.matches($0).map(\.rule) })
        #expect(batchEngine.evaluations * 2 == indexed.evaluations)
    }
}

@Suite struct SigmaAttackSampleTests {
    /// Loaded once for all the samples (the engine is used by one test at a time: `serialized`).
    static let engine = SigmaEngine(rules: SigmaLoader.load(paths: [SigmaLoadingTests.windowsRules]).rules)

    /// The shared EVTX attack samples trigger the SigmaHQ rules of the technique they are named after. Two samples
    /// trigger none, rightly: the scheduled task writes to `%windir%\Temp\` (the rule looks for `\WINDOWS\Temp\`
    /// written out) and its name is not among the protected tasks; the services run `cmd.exe` and `calc.exe` with no
    /// argument any service rule looks for. The password spray needs a correlation rule (none among the windows rules).
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote), .serialized,
          arguments: [
              ("CA_DCSync_4662.evtx", "Active Directory Replication from Non Machine Account - DcSync Indicator"),
              ("DE_1102_security_log_cleared.evtx", "Security Eventlog Cleared"),
              ("DE_sysmon-3-rdp-tun.evtx", "Potential Remote Desktop Tunneling"),
              ("LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx", "Successful Overpass the Hash Attempt"),
              ("LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx", "Pass the Hash Activity 2"),
              ("LM_sysmon_psexec_smb_meterpreter.evtx", "Potential CobaltStrike Service Installations - Registry"),
              ("Network_Service_Guest_added_to_admins_4732.evtx", "User Added to Local Administrator Group"),
              ("PanacheSysmon_vs_AtomicRedTeam01.evtx", "Sticky Key Like Backdoor Usage - Registry"),
              ("PanacheSysmon_vs_AtomicRedTeam01.evtx", "WMI Event Subscription"),
              ("LM_Remote_Service02_7045.evtx", ""),
              ("temp_scheduled_task_4698_4699.evtx", ""),
          ])
    func attackSampleTriggersItsRule(file: String, rule: String) throws {
        let engine = Self.engine
        let events = try collectEVTX(path: TestPaths.dataset("evtx/attack_samples/\(file)"))
        let titles = Set(events.flatMap { engine.matches($0).map(\.title) })
        if rule.isEmpty {
            #expect(titles.isEmpty, "\(titles)")
        } else {
            #expect(titles.contains(rule), "\(file): \(titles.sorted())")
        }
    }
}

@Suite struct SigmaCorrelationTests {
    static let spray = """
        title: Kerberos Password Spray From One Address
        correlation:
          type: value_count
          rules: [kerberos_preauth_failure]
          group-by: [IpAddress]
          timespan: 5m
          condition: {gte: 5, field: TargetUserName}
        ---
        title: Kerberos Pre-Authentication Failed
        name: kerberos_preauth_failure
        logsource: {product: windows, service: security}
        detection:
          wrong_password: {EventID: 4771, Status: '0x18'}
          unknown_user: {EventID: 4768, Status: ['0x6', '0x18']}
          condition: 1 of them
        """

    func run(_ yaml: String, _ events: [Event]) throws -> [SigmaCorrelationMatch] {
        let set = SigmaLoader.parseAll(yaml, file: "c.yml")
        if let p = set.problems.first { throw p }
        let engine = SigmaEngine(rules: set.rules)
        let correlator = SigmaCorrelator(correlations: set.correlations, engine: engine)
        if let p = correlator.problems.first { throw p }
        return events.enumerated().flatMap { i, e in correlator.feed(e, id: Int64(i), matches: engine.matches(e)) }
    }

    func security(_ id: Int, at seconds: Int64, _ data: [String: String]) -> Event {
        var e = windowsEvent(id: id, channel: "Security", provider: "Microsoft-Windows-Security-Auditing", data: data)
        e.time = Timestamp(seconds: 1_612_515_600 + seconds)
        return e
    }

    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func thePasswordSpraySampleIsOneSprayFromOneAddress() throws {
        let events = try collectEVTX(path: TestPaths.dataset("evtx/attack_samples/kerberos_pwd_spray_4771.evtx"))
        let hits = try run(Self.spray, events)
        #expect(hits.count == 1)
        #expect(hits.first?.group == ["IpAddress": "172.16.66.1"] && hits.first?.count == 5)
    }

    @Test func eventCountNeedsTheEventsWithinTheTimespan() throws {
        let yaml = """
            title: Many failed logons
            correlation: {type: event_count, rules: [failed], group-by: [TargetUserName], timespan: 1m, condition: {gte: 3}}
            ---
            title: Failed logon
            name: failed
            logsource: {product: windows, service: security}
            detection: {s: {EventID: 4625}, condition: s}
            """
        let close = (0..<3).map { security(4625, at: Int64($0 * 10), ["TargetUserName": "op"]) }
        #expect(try run(yaml, close).count == 1)
        let spread = (0..<3).map { security(4625, at: Int64($0 * 50), ["TargetUserName": "op"]) }
        #expect(try run(yaml, spread).isEmpty)
        let twoUsers = (0..<4).map { security(4625, at: Int64($0), ["TargetUserName": $0 % 2 == 0 ? "a" : "b"]) }
        #expect(try run(yaml, twoUsers).isEmpty)
        // Events without the group-by field join no group.
        #expect(try run(yaml, (0..<5).map { security(4625, at: Int64($0), [:]) }).isEmpty)
    }

    @Test func temporalAndOrderedSequencesWithAliases() throws {
        func yaml(_ type: String) -> String {
            """
            title: Logon then service install by the same account
            correlation:
              type: \(type)
              rules: [logon, service]
              group-by: [account]
              timespan: 5m
              aliases:
                account: {logon: TargetUserName, service: SubjectUserName}
            ---
            title: Logon
            name: logon
            logsource: {product: windows, service: security}
            detection: {s: {EventID: 4624}, condition: s}
            ---
            title: Service installed
            name: service
            logsource: {product: windows, service: security}
            detection: {s: {EventID: 4697}, condition: s}
            """
        }
        let inOrder = [security(4624, at: 0, ["TargetUserName": "svc-x"]), security(4697, at: 60, ["SubjectUserName": "SVC-X"])]
        let reversed = [security(4697, at: 0, ["SubjectUserName": "svc-x"]), security(4624, at: 60, ["TargetUserName": "svc-x"])]
        let tooLate = [security(4624, at: 0, ["TargetUserName": "svc-x"]), security(4697, at: 400, ["SubjectUserName": "svc-x"])]
        let otherAccount = [security(4624, at: 0, ["TargetUserName": "a"]), security(4697, at: 10, ["SubjectUserName": "b"])]
        #expect(try run(yaml("temporal_ordered"), inOrder).count == 1)
        #expect(try run(yaml("temporal_ordered"), reversed).isEmpty)
        #expect(try run(yaml("temporal"), reversed).count == 1)
        #expect(try run(yaml("temporal"), tooLate).isEmpty)
        #expect(try run(yaml("temporal"), otherAccount).isEmpty)
    }

    @Test func correlationMistakesAreNamed() {
        let bad = SigmaLoader.parseAll("title: x\ncorrelation: {type: sometimes, rules: [a], timespan: 5m}\n", file: "b.yml")
        #expect(bad.problems.first?.reason.contains("event_count, value_count") == true)
        let noSpan = SigmaLoader.parseAll("title: x\ncorrelation: {type: temporal, rules: [a]}\n", file: "b.yml")
        #expect(noSpan.problems.first?.reason.contains("timespan") == true)
        let noField = SigmaLoader.parseAll("title: x\ncorrelation: {type: value_count, rules: [a], timespan: 1h, condition: {gte: 2}}\n",
                                           file: "b.yml")
        #expect(noField.problems.first?.reason.contains("field") == true)
        let orphan = SigmaLoader.parseAll("title: x\ncorrelation: {type: temporal, rules: [nowhere], timespan: 1h}\n", file: "b.yml")
        #expect(orphan.problems.isEmpty && orphan.correlations.count == 1)
        let c = SigmaCorrelator(correlations: orphan.correlations, engine: SigmaEngine(rules: []))
        #expect(c.correlations.isEmpty && c.problems.first?.reason.contains("nowhere") == true)
    }
}

@Suite struct ICSSigmaRuleTests {
    static let rules = SigmaLoader.loadAll(paths: [TestPaths.repoRoot.appendingPathComponent("Playbooks/sigma/ics").path])
    static let assets = [
        Asset(name: "hmi-1", role: .hmi, purdueLevel: 2, zone: "control", addresses: ["10.20.1.10"]),
        Asset(name: "ews-1", role: .engineeringWorkstation, purdueLevel: 2, zone: "control", addresses: ["10.20.1.30"]),
        Asset(name: "hist-1", role: .historian, purdueLevel: 3, zone: "operations", addresses: ["10.20.3.40"]),
        Asset(name: "plc-1", role: .plc, purdueLevel: 1, zone: "control", addresses: ["10.20.1.21"]),
    ]

    func ot(_ kind: String, from src: String?, _ attributes: [String: JSONValue] = [:]) -> Event {
        let name = Self.assets.first { $0.addresses.contains(src ?? "") }?.name
        return Event(time: Timestamp(seconds: 1_612_515_600), timeDescription: "Packet time", domain: .ot, kind: kind,
                     src: Endpoint(ip: src, port: 50_000, asset: name), dst: Endpoint(ip: "10.20.1.21", port: 502, asset: "plc-1"),
                     message: kind, attributes: Attributes(attributes),
                     provenance: Provenance(evidenceID: 1, collector: "network/pcap", collectorVersion: "1", locator: "packet 1"))
    }

    func titles(_ e: Event) -> Set<String> {
        Set(SigmaEngine(rules: Self.rules.rules, assets: Self.assets).matches(e).map(\.title))
    }

    @Test func theShippedICSRulesLoad() {
        #expect(Self.rules.problems.isEmpty, "\(Self.rules.problems)")
        #expect(Self.rules.rules.count == 11)
        #expect(SigmaEngine(rules: Self.rules.rules).unmapped.isEmpty)
    }

    @Test func anHMIGoingDarkIsLossOfViewAndAnOfficeServiceIsNot() {
        let title = "An HMI, SCADA server or historian goes dark"
        func stopped(on asset: String) -> Event {
            Event(time: Timestamp(seconds: 1_612_515_600), timeDescription: "Log entry time", domain: .it,
                  kind: "service.state_change", host: asset, asset: asset, message: "The WinCC Runtime service entered the stopped state.",
                  attributes: ["winlog": .object(["event_data": .object(["param1": "WinCC Runtime", "param2": "stopped"])])],
                  provenance: Provenance(evidenceID: 1, collector: "log/jsonl", collectorVersion: "3", locator: "line 1"))
        }
        #expect(titles(stopped(on: "hmi-1")).contains(title))
        #expect(titles(stopped(on: "hist-1")).contains(title))
        #expect(!titles(stopped(on: "ws-9")).contains(title))
        var running = stopped(on: "hmi-1")
        running.attributes = ["winlog": .object(["event_data": .object(["param1": "WinCC Runtime", "param2": "running"])])]
        #expect(!titles(running).contains(title))
    }

    /// A write as every ICS decoder gives it: its protocol's kind, and the protocol-neutral control facts.
    func write(_ kind: String, _ point: String, action: String = "write", from src: String?) -> Event {
        ot(kind, from: src, ["control": ControlPoint.attribute(action: action, [(ControlPoint(parsing: point)!, .int(1))])])
    }

    @Test(arguments: [("ics.modbus.write", "holding:40001", "write"), ("ics.s7.write", "s7:DB1.DBW4", "write"),
                      ("ics.dnp3.direct_operate", "dnp3:ao:3", "operate"), ("ics.iec104.setpoint_command", "iec104:ioa:4001", "operate"),
                      ("ics.cip.write_tag", "cip:Tank1_SP", "write"), ("ics.cip.set_attribute_single", "cip:@4/100/3", "write"),
                      ("ics.bacnet.write_property", "bacnet:analog-value:3", "write"), ("ics.opcua.write", "opcua:ns=2;s=Dose.SP", "write"),
                      ("ics.fins.memory_area_write", "fins:D100", "write")])
    func writesFromTheHMIAreExpectedFromElsewhereAFinding(kind: String, point: String, action: String) {
        let title = "Controller Write From a Host That Is Not an HMI or Engineering Workstation"
        #expect(!titles(write(kind, point, action: action, from: "10.20.1.10")).contains(title))     // the HMI
        #expect(!titles(write(kind, point, action: action, from: "10.20.1.30")).contains(title))     // the EWS
        #expect(titles(write(kind, point, action: action, from: "10.20.3.40")).contains(title))      // the historian
        #expect(titles(write(kind, point, action: action, from: "10.66.6.6")).contains(title))       // unknown
        // The kind alone is not a write: a record without control facts is not taken for one.
        #expect(!titles(ot(kind, from: "10.20.3.40")).contains(title))
    }

    /// A published stream's forged or replayed frame, GOOSE or Sampled Values alike, matches by its anomaly codes; a
    /// genuine stream's own (a heartbeat missed, a test flag) and its ordinary frames do not.
    @Test func publishedStatesForgedOrReplayed() {
        let title = "A published control state forged or replayed (GOOSE, Sampled Values)"
        func published(_ kind: String, _ codes: [String]) -> Event {
            ot(kind, from: nil, codes.isEmpty ? ["gocb_ref": "REL1PROT/LLN0$GO$gcbTrip"]
                : ["anomalies": .array(codes.map { .string($0) })])
        }
        for code in ["second_publisher", "state_number_back", "state_number_jump", "values_without_new_state", "sequence_back"] {
            #expect(titles(published("ics.goose.anomaly", [code])).contains(title), "\(code)")
        }
        #expect(titles(published("ics.sv.anomaly", ["second_publisher"])).contains(title))
        #expect(titles(published("ics.goose.anomaly", ["heartbeat_missed", "values_without_new_state"])).contains(title))
        for genuine in [["heartbeat_missed"], ["test_mode"], ["time_source_lost"], ["configuration_changed"], []] {
            #expect(!titles(published(genuine.isEmpty ? "ics.goose.state_change" : "ics.goose.anomaly", genuine)).contains(title),
                    "\(genuine)")
        }
    }

    /// A HART instrument's output fixed, simulated, re-ranged or reset is a finding from any host; its reads are not.
    @Test func fieldInstrumentsForcedOrReranged() {
        let title = "Field Instrument Output Fixed, Simulated, Re-ranged or Reset"
        #expect(titles(write("ics.hart.enter_exit_fixed_current_mode", "hart:loop_current", from: "10.20.1.30")).contains(title))
        #expect(titles(write("ics.hart.write_device_variable", "hart:dv:0", from: "10.66.6.6")).contains(title))
        #expect(titles(ot("ics.hart.perform_device_reset", from: "10.20.1.30")).contains(title))
        #expect(!titles(ot("ics.hart.read_dynamic_variables_and_loop_current", from: "10.20.1.30")).contains(title))
        #expect(!titles(write("ics.hart.write_tag_descriptor_date", "hart:tag", from: "10.20.1.30")).contains(title))
    }

    @Test func unknownMastersOperatingDNP3() {
        let write = "Controller Write From a Host That Is Not an HMI or Engineering Workstation"
        #expect(!titles(ot("ics.modbus.read", from: "10.20.1.10")).contains(write))
        let unknown = titles(self.write("ics.dnp3.direct_operate", "dnp3:bo:1", action: "operate", from: "10.66.6.6"))
        #expect(unknown.contains(write) && unknown.contains("DNP3 Restart or Direct Operate From an Unknown Master"))
        #expect(unknown.contains("Unknown Host Talking an Industrial Protocol"))
        #expect(titles(ot("ics.modbus.read", from: "10.20.1.10")).isEmpty)
    }

    @Test func stopsDownloadsRestartsAndDenialsOfView() {
        #expect(titles(ot("ics.s7.plc_stop", from: "10.20.1.30")).contains("Controller Stopped, Restarted or Its Program Changed"))
        #expect(titles(ot("ics.s7.request_download", from: "10.20.1.30")).contains("Controller Stopped, Restarted or Its Program Changed"))
        // OMRON FINS: STOP, and a program area write or clear.
        for kind in ["ics.fins.plc_stop", "ics.fins.program_write", "ics.fins.program_clear"] {
            #expect(titles(ot(kind, from: "10.20.1.30")).contains("Controller Stopped, Restarted or Its Program Changed"), "\(kind)")
        }
        #expect(!titles(ot("ics.fins.plc_start", from: "10.20.1.30")).contains("Controller Stopped, Restarted or Its Program Changed"))
        // MMS: a program invocation stopped or killed, a domain (an IED's program or configuration) loaded or deleted.
        for kind in ["ics.mms.stop", "ics.mms.kill", "ics.mms.load_domain_content", "ics.mms.delete_domain"] {
            #expect(titles(ot(kind, from: "10.20.1.30")).contains("Controller Stopped, Restarted or Its Program Changed"), "\(kind)")
        }
        #expect(!titles(ot("ics.mms.start", from: "10.20.1.30")).contains("Controller Stopped, Restarted or Its Program Changed"))
        #expect(!titles(ot("ics.mms.read", from: "10.20.1.30")).contains("Controller Stopped, Restarted or Its Program Changed"))
        #expect(titles(ot("ics.bacnet.reinitialize_device", from: "10.20.1.30"))
            .contains("BACnet ReinitializeDevice or DeviceCommunicationControl"))
        #expect(titles(ot("ics.iec104.clock_sync", from: "10.66.6.6"))
            .contains("IEC 60870-5-104 Command or Clock Sync From an Unknown Station"))
        #expect(!titles(ot("ics.iec104.clock_sync", from: "10.20.1.10"))
            .contains("IEC 60870-5-104 Command or Clock Sync From an Unknown Station"))
        #expect(titles(ot("ics.opcua.write", from: "10.66.6.6")).contains("OPC UA Write or Method Call From an Unknown Client"))
        let listenOnly = ot("ics.modbus.diagnostic", from: "10.20.1.30", ["function_code": 8, "sub_function": 4])
        #expect(titles(listenOnly).contains("Modbus Diagnostics Force Listen Only Mode"))
        let echo = ot("ics.modbus.diagnostic", from: "10.20.1.30", ["function_code": 8, "sub_function": 0])
        #expect(!titles(echo).contains("Modbus Diagnostics Force Listen Only Mode"))
    }
}

@Suite struct RegexLiteralTests {
    func lits(_ p: String) -> [String]? {
        RegexLiterals.necessary(p)?.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func literalsEveryMatchMustContain() {
        #expect(lits("ipconfig\\s+/all|netsh\\s+interface show interface") == ["ipconfig", "interface show interface"])
        #expect(lits("(?i)\\.exe[\\\"\\']?\\s+[^\\\"]{0,64}werfaultsecure\\.exe") == ["werfaultsecure.exe"])
        #expect(lits("cmd.{0,5}(?:/c|/r)") == ["cmd"])
        #expect(lits("abcd?ef") == ["abc"])              // the optional d leaves the run
        #expect(lits("(foo|bar)baz") == ["baz"])          // groups are skipped
        #expect(lits("a|bcd") == nil)                     // an alternative without 3 literal bytes
        #expect(lits("\\d+\\s*") == nil)
        #expect(lits("Invoke-(Expression|WebRequest)") == ["invoke-"])
    }
}

import EvidenceStore
import Exercises
import Foundation
import JikochoModel
import TestSupport
import Testing
import Timeline

@testable import Playbooks

/// A small case made of evidence files written by the test (Winlogbeat exports, access logs, captures) and an
/// inventory, ingested through the real collectors.
struct FixtureCase {
    let dir: TempDir
    let c: Case

    /// `files`: name → contents; `hosts`: name → the host the file's records come from (for logs that do not say).
    init(_ label: String, inventory: String, files: [String: [UInt8]], hosts: [String: String] = [:]) throws {
        dir = TempDir(label)
        let evidence = dir.url.appendingPathComponent("evidence")
        try FileManager.default.createDirectory(at: evidence, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: evidence.appendingPathComponent(name)) }
        c = try Case.create(at: dir.url.appendingPathComponent("case").path, name: label, examiner: "test")
        try c.importAssets(try AssetInventory.parse(inventory, file: "assets.yaml"), file: "assets.yaml",
                           sha256: String(repeating: "0", count: 64))
        for outcome in try c.add(paths: [evidence.path]) {
            guard case .added(let item) = outcome else { continue }
            var o = IngestOptions()
            o.host = hosts[item.name]
            switch try c.ingest(item, options: o) {
            case .ingested(_, let summary):
                #expect(summary.warnings == 0 && summary.events > 0, "\(item.name): \(summary.events) events, \(summary.warnings) warnings")
            case let other:
                Issue.record("\(item.name) not read: \(other)")
            }
        }
    }

    static func lines(_ records: [(Int64, String)]) -> [UInt8] {
        Array(records.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n").utf8) + [10]
    }

    func run(_ name: String) throws -> PlaybookOutcome {
        let root = TestPaths.repoRoot.appendingPathComponent("Playbooks").path
        let (books, problems) = PlaybookLoader.load(paths: [root], root: root)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let pb = try #require(books.first { $0.name == name })
        return try PlaybookRunner(c).run(pb)
    }
}

/// 2020-03-26T00:00:00Z plus minutes.
func at(_ minutes: Double) -> Int64 { 1_585_180_800_000_000_000 + Int64(minutes * 60e9) }

// MARK: - Ransomware

@Suite struct RansomwarePlaybookTests {
    static let name = "Ransomware.Plant.EncryptionAfterLateralMovement"
    static let inventory = """
        assets:
          - {name: ws-12, role: workstation, level: 4, zone: office, addresses: [10.1.4.12], hostnames: [WS-12]}
          - {name: fs-1, role: file-server, level: 4, zone: office, addresses: [10.1.3.20], hostnames: [FS-1]}
          - {name: hmi-2, role: hmi, level: 2, zone: control, addresses: [10.20.1.11], hostnames: [HMI-2]}
        """

    struct Parts: OptionSet {
        let rawValue: Int
        static let credentials = Parts(rawValue: 1)
        static let lateral = Parts(rawValue: 2)
        static let tampering = Parts(rawValue: 4)
        static let encryption = Parts(rawValue: 8)
        static let lossOfView = Parts(rawValue: 16)
        static let backupTool = Parts(rawValue: 32)
        static let all: Parts = [.credentials, .lateral, .tampering, .encryption, .lossOfView]
    }

    /// The office workstation where the operator dumps LSASS, the file server where PsExec runs and files are
    /// encrypted, the HMI whose runtime stops; around them, ordinary service installs, file writes, LSASS reads.
    static func fixture(_ label: String, _ parts: Parts) throws -> FixtureCase {
        let ws = "WS-12.corp.local", fs = "FS-1.corp.local", hmi = "HMI-2.plant.local"
        var r: Int64 = 100
        func n() -> Int64 { r += 1; return r }
        var events: [(Int64, String)] = [
            Winlogbeat.processAccess(at(-5), computer: ws, record: n(), source: "C:\\Windows\\System32\\svchost.exe",
                                     target: "C:\\Windows\\system32\\lsass.exe"),
            Winlogbeat.serviceInstall(at(-600), computer: fs, record: n(), name: "gupdate",
                                      imagePath: "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc"),
            Winlogbeat.fileCreate(at(10), computer: fs, record: n(), image: "C:\\Windows\\explorer.exe",
                                  path: "D:\\Projects\\line3\\schedule.xlsx"),
            Winlogbeat.fileCreate(at(11), computer: ws, record: n(), image: "C:\\Windows\\explorer.exe",
                                  path: "C:\\Users\\k.sato\\Documents\\README.txt.lnk"),
        ]
        if parts.contains(.credentials) {
            events.append(Winlogbeat.processAccess(at(0), computer: ws, record: n(), source: "C:\\Users\\Public\\p.exe",
                                                   target: "C:\\Windows\\system32\\lsass.exe"))
        }
        if parts.contains(.lateral) {
            events.append(Winlogbeat.serviceInstall(at(30), computer: fs, record: n(), name: "PSEXESVC",
                                                    imagePath: "%SystemRoot%\\PSEXESVC.exe"))
        }
        if parts.contains(.tampering) {
            events.append(Winlogbeat.sysmonProcess(at(35), computer: fs, record: n(), image: "C:\\Windows\\System32\\vssadmin.exe",
                                                   parent: "C:\\Windows\\PSEXESVC.exe",
                                                   commandLine: "vssadmin.exe delete shadows /all /quiet"))
            events.append(Winlogbeat.logCleared(at(36), computer: fs, record: n(), user: "adm-backup"))
        }
        if parts.contains(.encryption) {
            for i in 0..<30 {
                events.append(Winlogbeat.fileCreate(at(40) + Int64(i) * 200_000_000, computer: fs, record: n(),
                                                    image: "C:\\Windows\\Temp\\svc.exe",
                                                    path: "D:\\Projects\\line3\\recipe_\(i).xlsx.lockbit"))
            }
            events.append(Winlogbeat.fileCreate(at(40.5), computer: fs, record: n(), image: "C:\\Windows\\Temp\\svc.exe",
                                                path: "D:\\Projects\\line3\\Restore-My-Files.txt"))
        }
        if parts.contains(.backupTool) {
            // A backup product that names its containers .encrypted, on a host nobody reached remotely.
            for i in 0..<25 {
                events.append(Winlogbeat.fileCreate(at(45) + Int64(i) * 1_000_000_000, computer: ws, record: n(),
                                                    image: "C:\\Program Files\\Backup\\bkp.exe",
                                                    path: "E:\\Backup\\set_\(i).vhd.encrypted"))
            }
        }
        if parts.contains(.lossOfView) {
            events.append(Winlogbeat.serviceState(at(50), computer: hmi, record: n(), name: "WinCC Runtime", state: "stopped"))
        }
        return try FixtureCase(label, inventory: inventory, files: ["windows.jsonl": FixtureCase.lines(events)])
    }

    @Test func firesOnRemoteExecutionThenMassEncryptionAndNamesWhatItSaw() throws {
        let f = try Self.fixture("ransom-fires", .all)
        let outcome = try f.run(Self.name)
        #expect(outcome.gaps.isEmpty)
        #expect(outcome.findings.count == 1)
        let (finding, detail) = try #require(outcome.findings.first)
        #expect(finding.severity == .critical && finding.techniques.contains("T1486"))
        #expect(finding.summary.hasPrefix("Credentials were taken on ws-12") && finding.summary.contains("remote execution on fs-1")
                && finding.summary.contains("31 files") && finding.summary.contains("hmi-2 went dark"), "\(finding.summary)")
        // No large transfer out in this fixture: that clause is left out and said not seen.
        #expect(!finding.summary.contains("bytes went from") && finding.summary.contains("Not seen in the evidence: Data sent out"),
                "\(finding.summary)")
        guard case .object(let d) = detail, case .array(let steps)? = d["steps"] else {
            Issue.record("no steps")
            return
        }
        let ids = steps.compactMap { s -> String? in if case .object(let o) = s { o["id"]?.text } else { nil } }
        #expect(ids == ["lateral", "cred", "cleared", "recovery", "encrypt", "view"])
        // The credential theft is the unknown binary reading LSASS, not svchost's routine read.
        let cred = steps.first { if case .object(let o) = $0 { o["id"]?.text == "cred" } else { false } }
        #expect(cred.map { if case .object(let o) = $0 { o["message"]?.text ?? "" } else { "" } }?.contains("Process accessed") == true)
    }

    @Test func withoutTheOptionalStepsTheFindingSaysWhatWasNotSeen() throws {
        let f = try Self.fixture("ransom-partial", [.lateral, .encryption])
        let (finding, _) = try #require(try f.run(Self.name).findings.first)
        #expect(finding.summary.contains("Not seen in the evidence: Credentials taken before it; Event logs cleared"),
                "\(finding.summary)")
        #expect(finding.summary.hasPrefix("Remote execution on fs-1"), "\(finding.summary)")
    }

    @Test func doesNotFireOnAdministrationWithoutEncryption() throws {
        let f = try Self.fixture("ransom-admin", [.credentials, .lateral])
        let outcome = try f.run(Self.name)
        #expect(outcome.findings.isEmpty && outcome.gaps.isEmpty)
    }

    @Test func doesNotFireOnABackupToolWithoutRemoteExecution() throws {
        let f = try Self.fixture("ransom-backup", [.backupTool])
        #expect(try f.run(Self.name).findings.isEmpty)
    }
}

// MARK: - Supply chain

@Suite struct SupplyChainPlaybookTests {
    static let name = "SupplyChain.Update.CompromisedUpdate"
    static let inventory = """
        assets:
          - {name: nms-1, role: monitoring, level: 3, zone: operations, addresses: [10.20.3.50], hostnames: [NMS-1]}
          - {name: ews-1, role: engineering-workstation, level: 2, zone: control, addresses: [10.20.1.30], hostnames: [EWS-1]}
          - {name: plc-1, role: plc, level: 1, zone: control, addresses: [10.20.1.21]}
        """

    struct Parts: OptionSet {
        let rawValue: Int
        static let newOutsideHost = Parts(rawValue: 1)
        static let reachesControl = Parts(rawValue: 2)
    }

    /// The monitoring server updates its tool; before the update it talks only to the vendor's update server.
    static func fixture(_ label: String, _ parts: Parts) throws -> FixtureCase {
        let nms = "NMS-1.plant.local"
        let tool = "C:\\Program Files\\NetMon\\NetMon.exe"
        var r: Int64 = 500
        func n() -> Int64 { r += 1; return r }
        let day = 24.0 * 60
        var events: [(Int64, String)] = [
            Winlogbeat.connection(at(-2 * day), computer: nms, record: n(), image: tool, src: "10.20.3.50", srcPort: 51000,
                                  dst: "203.0.113.10", dstPort: 443, dstHost: "update.netmon.example"),
            Winlogbeat.sysmonProcess(at(0), computer: nms, record: n(), image: "C:\\Program Files\\NetMon\\NetMonUpdater.exe",
                                     parent: tool, commandLine: "NetMonUpdater.exe /update 2020.2.1 HF1"),
            Winlogbeat.connection(at(3 * day), computer: nms, record: n(), image: tool, src: "10.20.3.50", srcPort: 51200,
                                  dst: "203.0.113.10", dstPort: 443, dstHost: "update.netmon.example"),
            Winlogbeat.connection(at(4 * day), computer: nms, record: n(), image: tool, src: "10.20.3.50", srcPort: 51300,
                                  dst: "10.20.3.5", dstPort: 389),
        ]
        if parts.contains(.newOutsideHost) {
            events.append(Winlogbeat.connection(at(12 * day), computer: nms, record: n(), image: tool, src: "10.20.3.50",
                                                srcPort: 52000, dst: "198.51.100.200", dstPort: 443,
                                                dstHost: "avsvmcloud.example"))
        }
        var files: [String: [UInt8]] = ["nms-1.jsonl": FixtureCase.lines(events)]
        if parts.contains(.reachesControl) {
            events = [Winlogbeat.connection(at(13 * day), computer: nms, record: n(), image: "C:\\Windows\\System32\\svchost.exe",
                                            src: "10.20.3.50", srcPort: 53000, dst: "10.20.1.30", dstPort: 445)]
            files["nms-1-later.jsonl"] = FixtureCase.lines(events)
            // Then the engineering workstation writes to the PLC.
            var pcap = PcapBuilder()
            let ews = PcapBuilder.Host([10, 20, 1, 30], 50_100, mac: 0x30), plc = PcapBuilder.Host([10, 20, 1, 21], 502, mac: 0x21)
            let write: [UInt8] = [0, 1, 0, 0, 0, 6, 1, 6, 0, 4, 0x0b, 0xb8]
            pcap.conversation(ews, plc, [(true, write), (false, write)], start: UInt32(at(14 * day) / 1_000_000_000))
            files["control.pcap"] = pcap.bytes
        }
        return try FixtureCase(label, inventory: inventory, files: files)
    }

    @Test func firesWhenTheUpdatedToolTalksToANewHostAndTheControlNetworkIsReached() throws {
        let f = try Self.fixture("supply-fires", [.newOutsideHost, .reachesControl])
        let outcome = try f.run(Self.name)
        #expect(outcome.gaps.isEmpty)
        let (finding, detail) = try #require(outcome.findings.first)
        #expect(outcome.findings.count == 1)
        // The vendor's own update server, seen before the update, is not the new host.
        #expect(finding.summary.contains("nms-1 talked to 198.51.100.200 for the first time"), "\(finding.summary)")
        #expect(finding.summary.contains("ews-1 sent ics.modbus.write to plc-1"), "\(finding.summary)")
        guard case .object(let d) = detail, case .array(let steps)? = d["steps"] else { return }
        #expect(steps.count == 4)
    }

    @Test func doesNotFireWhenTheToolTalksOnlyToHostsItKnew() throws {
        let f = try Self.fixture("supply-known", [.reachesControl])
        #expect(try f.run(Self.name).findings.isEmpty)
    }

    @Test func doesNotFireWhenNothingReachesTheControlNetwork() throws {
        let f = try Self.fixture("supply-office", [.newOutsideHost])
        #expect(try f.run(Self.name).findings.isEmpty)
    }
}

// MARK: - File-transfer appliance

@Suite struct FileTransferAppliancePlaybookTests {
    static let name = "Appliance.FileTransfer.WebshellExfiltration"
    static let inventory = """
        assets:
          - {name: fta-1, role: file-transfer, level: 4, zone: dmz, addresses: [192.0.2.25], hostnames: [fta-1]}
        """

    struct Parts: OptionSet {
        let rawValue: Int
        static let exploit = Parts(rawValue: 1)
        static let shellUse = Parts(rawValue: 2)
        static let bulkDownload = Parts(rawValue: 4)
        static let failedProbes = Parts(rawValue: 8)
    }

    static func clf(_ minutes: Double, _ client: String, _ request: String, _ status: Int, _ bytes: Int64,
                    agent: String = "Mozilla/5.0") -> (Int64, String) {
        let t = Timestamp(nanoseconds: at(minutes))
        let c = t.civil()
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let when = String(format: "%02d/%@/%04d:%02d:%02d:%02d +0000", c.day, months[c.month - 1], c.year, c.hour, c.minute, c.second)
        return (t.nanoseconds, "\(client) - - [\(when)] \"\(request) HTTP/1.1\" \(status) \(bytes) \"-\" \"\(agent)\"")
    }

    static func fixture(_ label: String, _ parts: Parts) throws -> FixtureCase {
        var lines: [(Int64, String)] = [
            clf(-30, "198.51.100.40", "GET /courier/web/1000@/wmLogin.html", 200, 5120),
            clf(-29, "198.51.100.40", "POST /courier/web/1000@/wmLogin.html", 302, 0),
            clf(-20, "203.0.113.77", "GET /courier/web/1000@/wmDownload.html?id=88", 200, 1_400_000),
        ]
        let attacker = "45.135.229.179"
        if parts.contains(.exploit) {
            lines.append(clf(0, attacker, "POST /courier/sftp_account_edit.php", 200, 312, agent: "python-requests/2.24"))
        }
        if parts.contains(.shellUse) {
            for i in 0..<4 {
                lines.append(clf(5 + Double(i), attacker, "GET /about.php?aid=\(1000 + i)", 200, 18_000, agent: "python-requests/2.24"))
            }
        }
        if parts.contains(.failedProbes) {
            lines.append(clf(2, "185.220.101.9", "GET /shell.php?cmd=whoami", 404, 0, agent: "curl/7.68"))
            lines.append(clf(3, "185.220.101.9", "GET /courier/document_root.html", 404, 0, agent: "curl/7.68"))
        }
        if parts.contains(.bulkDownload) {
            let client = parts.contains(.exploit) ? attacker : "203.0.113.77"
            let path = parts.contains(.exploit) ? "/about.php?dwn=Yz0xJmY9MjU&fn=hr_2020.zip" : "/courier/web/1000@/wmDownload.html?id=91"
            lines.append(clf(45, client, "GET \(path)", 200, 268_435_456))
        }
        return try FixtureCase(label, inventory: inventory, files: ["access.log": FixtureCase.lines(lines)],
                               hosts: ["access.log": "fta-1"])
    }

    @Test func firesOnExploitShellUseAndBulkDownload() throws {
        let f = try Self.fixture("fta-fires", [.exploit, .shellUse, .bulkDownload, .failedProbes])
        let outcome = try f.run(Self.name)
        #expect(outcome.gaps.isEmpty)
        #expect(outcome.findings.count == 1, "\(outcome.findings.map(\.finding.summary))")
        let (finding, _) = try #require(outcome.findings.first)
        #expect(finding.summary.contains("45.135.229.179 requested /courier/sftp_account_edit.php on the web or file-transfer appliance fta-1"), "\(finding.summary)")
        #expect(finding.summary.contains("came back to the shell 5 times"), "\(finding.summary)")
        #expect(finding.summary.contains("268435456 bytes went out"), "\(finding.summary)")
        #expect(!finding.summary.contains("Not seen"), "\(finding.summary)")
        #expect(finding.techniques.contains("T1505.003"))
    }

    @Test func doesNotFireOnALargeDownloadWithoutAShell() throws {
        let f = try Self.fixture("fta-download", [.bulkDownload])
        #expect(try f.run(Self.name).findings.isEmpty)
    }

    @Test func doesNotFireOnProbesTheApplianceRefused() throws {
        let f = try Self.fixture("fta-probes", [.failedProbes, .bulkDownload])
        #expect(try f.run(Self.name).findings.isEmpty)
    }
}

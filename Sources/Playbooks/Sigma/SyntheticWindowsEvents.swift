import JikochoModel

/// Windows events of the kinds Sigma's Windows rules read (Sysmon process creation, network, file and registry
/// events, PowerShell script blocks, Security logons and process creation), with ordinary values drawn at random:
/// the load for the engine's benchmark. Mostly benign, as real logs are.
public struct SyntheticWindowsEvents: Sendable {
    public init() {}

    static let images = ["C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\explorer.exe", "C:\\Windows\\System32\\cmd.exe",
                         "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "C:\\Windows\\System32\\conhost.exe",
                         "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "C:\\Windows\\System32\\taskhostw.exe",
                         "C:\\Windows\\System32\\rundll32.exe", "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
                         "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "C:\\Windows\\System32\\net.exe",
                         "C:\\Windows\\System32\\SearchIndexer.exe", "C:\\Windows\\System32\\backgroundTaskHost.exe",
                         "C:\\Program Files\\WaterLogic\\HMI\\wlhmi.exe", "C:\\Windows\\System32\\msiexec.exe",
                         "C:\\Users\\op\\AppData\\Local\\Temp\\setup.exe", "C:\\Windows\\System32\\schtasks.exe",
                         "C:\\Windows\\System32\\reg.exe", "C:\\Windows\\System32\\whoami.exe", "C:\\Windows\\System32\\sc.exe"]
    static let words = ["update", "status", "-NoProfile", "/c", "start", "config", "query", "list", "C:\\ProgramData\\x",
                        "https://example.org/a", "-ExecutionPolicy", "Bypass", "Get-Process", "user", "/add", "\\\\host\\share",
                        "HKLM\\Software\\Vendor", "report.docx", "--type=renderer", "1234", "plant.local", "/s", "-k", "netsvcs"]

    func pick<T>(_ a: [T], _ rng: inout SeededRandom) -> T { a[Int(rng.next() % UInt64(a.count))] }

    func line(_ image: String, _ rng: inout SeededRandom) -> String {
        let exe = image.split(separator: "\\").last.map(String.init) ?? image
        return ([exe] + (0..<Int(1 + rng.next() % 5)).map { _ in pick(Self.words, &rng) }).joined(separator: " ")
    }

    public func event(_ i: Int, rng: inout SeededRandom) -> Event {
        let sysmon = "Microsoft-Windows-Sysmon/Operational"
        var id = 1
        var channel = sysmon
        var provider = "Microsoft-Windows-Sysmon"
        var data: [String: JSONValue] = [:]
        let image = pick(Self.images, &rng)
        switch rng.next() % 10 {
        case 0...3:
            let parent = pick(Self.images, &rng)
            data = ["Image": .string(image), "CommandLine": .string(line(image, &rng)), "ParentImage": .string(parent),
                    "ParentCommandLine": .string(line(parent, &rng)), "User": "PLANT\\op", "IntegrityLevel": "Medium",
                    "OriginalFileName": .string(image.split(separator: "\\").last.map(String.init) ?? ""),
                    "CurrentDirectory": "C:\\Users\\op\\", "Hashes": "SHA256=0F3C"]
        case 4:
            id = 3
            data = ["Image": .string(image), "DestinationIp": .string("10.20.\(rng.next() % 4).\(rng.next() % 250)"),
                    "DestinationPort": .string(String(pick([443, 80, 445, 502, 3389, 53], &rng))), "Protocol": "tcp",
                    "Initiated": "true", "SourceIp": "10.20.1.10"]
        case 5:
            id = 11
            data = ["Image": .string(image), "TargetFilename": .string("C:\\Users\\op\\AppData\\Local\\Temp\\\(rng.next() % 10000).tmp")]
        case 6:
            id = 13
            data = ["Image": .string(image), "TargetObject": .string("HKLM\\SOFTWARE\\Vendor\\Key\(rng.next() % 100)"),
                    "EventType": "SetValue", "Details": "DWORD (0x00000001)"]
        case 7:
            id = 4104
            channel = "Microsoft-Windows-PowerShell/Operational"
            provider = "Microsoft-Windows-PowerShell"
            data = ["ScriptBlockText": .string((0..<8).map { _ in pick(Self.words, &rng) }.joined(separator: " ")),
                    "ScriptBlockId": "b1d0"]
        case 8:
            id = 4624
            channel = "Security"
            provider = "Microsoft-Windows-Security-Auditing"
            data = ["TargetUserName": "op", "LogonType": .string(String(pick([2, 3, 10], &rng))),
                    "IpAddress": "10.20.3.15", "LogonProcessName": "User32", "AuthenticationPackageName": "Negotiate"]
        default:
            id = 4688
            channel = "Security"
            provider = "Microsoft-Windows-Security-Auditing"
            data = ["NewProcessName": .string(image), "CommandLine": .string(line(image, &rng)),
                    "ParentProcessName": "C:\\Windows\\explorer.exe", "SubjectUserName": "op"]
        }
        let a: [String: JSONValue] = ["event_id": .int(Int64(id)), "channel": .string(channel), "provider": .string(provider),
                                      "computer": "HMI-1.plant.local", "event_data": .object(data)]
        return Event(time: Timestamp(seconds: 1_612_515_600 + Int64(i)), timeDescription: "Event time", domain: .it,
                     kind: "windows.event", message: "\(channel) \(id)", attributes: Attributes(a),
                     provenance: Provenance(evidenceID: 1, collector: "windows/evtx", collectorVersion: "1", locator: "record \(i)"))
    }
}

import Foundation
import JikochoModel

/// Windows events as Winlogbeat (ECS) exports them, one JSON line each: what the exercises and the tests write.
public enum Winlogbeat {
    /// One Winlogbeat (ECS) line for a Windows event.
    public static func record(_ t: Int64, computer: String, id: Int, channel: String = "Security",
                           provider: String = "Microsoft-Windows-Security-Auditing", record: Int64, message: String,
                           eventData: [String: String] = [:], userData: [String: String]? = nil) -> (Int64, String) {
        var winlog: [String: JSONValue] = [
            "channel": .string(channel), "computer_name": .string(computer), "event_id": .int(Int64(id)),
            "provider_name": .string(provider), "record_id": .int(record),
            "api": "wineventlog",
        ]
        if !eventData.isEmpty { winlog["event_data"] = .object(eventData.mapValues { .string($0) }) }
        if let u = userData { winlog["user_data"] = .object(u.mapValues { .string($0) }) }
        let o: [String: JSONValue] = [
            "@timestamp": .string(iso(t)),
            "agent": .object(["type": "winlogbeat", "version": "7.10.2"]),
            "ecs": .object(["version": "1.5.0"]),
            "event": .object(["code": .string(String(id)), "provider": .string(provider), "kind": "event",
                              "created": .string(iso(t + 2_400_000_000))]),
            "host": .object(["name": .string(computer.split(separator: ".").first.map(String.init) ?? computer)]),
            "log": .object(["level": "information"]),
            "message": .string(message),
            "winlog": .object(winlog),
        ]
        return (t, JSONValue.object(o).canonicalJSON)
    }

    public static func logon(_ t: Int64, computer: String, record: Int64, user: String, domain: String, type: Int,
                      logonID: String, ip: String = "-", port: String = "-", workstation: String = "-",
                      process: String = "User32", package: String = "Negotiate") -> (Int64, String) {
        Self.record(t, computer: computer, id: 4624, record: record, message: "An account was successfully logged on.",
                   eventData: ["SubjectUserSid": "S-1-5-18", "SubjectUserName": "\(computer.prefix { $0 != "." })$",
                               "SubjectDomainName": "PLANT", "SubjectLogonId": "0x3e7", "TargetUserName": user,
                               "TargetDomainName": domain, "TargetLogonId": logonID, "LogonType": String(type),
                               "LogonProcessName": process, "AuthenticationPackageName": package,
                               "WorkstationName": workstation, "IpAddress": ip, "IpPort": port,
                               "ProcessName": type == 3 ? "-" : "C:\\Windows\\System32\\svchost.exe"])
    }

    public static func logoff(_ t: Int64, computer: String, record: Int64, user: String, domain: String, type: Int,
                       logonID: String) -> (Int64, String) {
        Self.record(t, computer: computer, id: 4634, record: record, message: "An account was logged off.",
                   eventData: ["TargetUserName": user, "TargetDomainName": domain, "TargetLogonId": logonID,
                               "LogonType": String(type)])
    }

    public static func process(_ t: Int64, computer: String, record: Int64, user: String, image: String, parent: String,
                        commandLine: String, pid: Int) -> (Int64, String) {
        Self.record(t, computer: computer, id: 4688, record: record, message: "A new process has been created.",
                   eventData: ["SubjectUserName": user, "SubjectDomainName": "PLANT", "NewProcessName": image,
                               "NewProcessId": String(format: "0x%x", pid), "ParentProcessName": parent,
                               "CommandLine": commandLine, "TokenElevationType": "%%1938"])
    }

    static func iso(_ t: Int64) -> String { Timestamp(nanoseconds: t).iso8601(precision: .milliseconds) }

    /// A Sysmon event (Microsoft-Windows-Sysmon/Operational).
    public static func sysmon(_ t: Int64, computer: String, id: Int, record: Int64, message: String,
                              eventData: [String: String]) -> (Int64, String) {
        Self.record(t, computer: computer, id: id, channel: "Microsoft-Windows-Sysmon/Operational",
                    provider: "Microsoft-Windows-Sysmon", record: record, message: message,
                    eventData: eventData.merging(["UtcTime": Timestamp(nanoseconds: t).iso8601(precision: .milliseconds)]) { a, _ in a })
    }

    /// System 7045: a service was installed.
    public static func serviceInstall(_ t: Int64, computer: String, record: Int64, name: String, imagePath: String,
                                      account: String = "LocalSystem") -> (Int64, String) {
        Self.record(t, computer: computer, id: 7045, channel: "System", provider: "Service Control Manager", record: record,
                    message: "A service was installed in the system.",
                    eventData: ["ServiceName": name, "ImagePath": imagePath, "ServiceType": "user mode service",
                                "StartType": "demand start", "AccountName": account])
    }

    /// System 7036: a service entered a state (`stopped`, `running`).
    public static func serviceState(_ t: Int64, computer: String, record: Int64, name: String, state: String) -> (Int64, String) {
        Self.record(t, computer: computer, id: 7036, channel: "System", provider: "Service Control Manager", record: record,
                    message: "The \(name) service entered the \(state) state.", eventData: ["param1": name, "param2": state])
    }

    /// Security 1102: the audit log was cleared.
    public static func logCleared(_ t: Int64, computer: String, record: Int64, user: String) -> (Int64, String) {
        Self.record(t, computer: computer, id: 1102, channel: "Security", provider: "Microsoft-Windows-Eventlog",
                    record: record, message: "The audit log was cleared.", userData: ["SubjectUserName": user])
    }

    /// Sysmon 11: a file was created (or overwritten).
    public static func fileCreate(_ t: Int64, computer: String, record: Int64, image: String, path: String) -> (Int64, String) {
        sysmon(t, computer: computer, id: 11, record: record, message: "File created",
               eventData: ["Image": image, "TargetFilename": path, "ProcessId": "4242"])
    }

    /// Sysmon 10: a process opened another (LSASS read by a credential dumper).
    public static func processAccess(_ t: Int64, computer: String, record: Int64, source: String, target: String,
                                     access: String = "0x1010") -> (Int64, String) {
        sysmon(t, computer: computer, id: 10, record: record, message: "Process accessed",
               eventData: ["SourceImage": source, "TargetImage": target, "GrantedAccess": access])
    }

    /// Sysmon 1: a process was created.
    public static func sysmonProcess(_ t: Int64, computer: String, record: Int64, image: String, parent: String,
                                     commandLine: String, user: String = "PLANT\\admin") -> (Int64, String) {
        sysmon(t, computer: computer, id: 1, record: record, message: "Process Create",
               eventData: ["Image": image, "ParentImage": parent, "CommandLine": commandLine, "User": user])
    }

    /// Sysmon 3: a network connection (with the account of the process that made it, when given).
    public static func connection(_ t: Int64, computer: String, record: Int64, image: String, src: String, srcPort: Int,
                                  dst: String, dstPort: Int, dstHost: String = "", user: String? = nil) -> (Int64, String) {
        var data = ["Image": image, "SourceIp": src, "SourcePort": String(srcPort), "DestinationIp": dst,
                    "DestinationPort": String(dstPort), "DestinationHostname": dstHost, "Protocol": "tcp",
                    "Initiated": "true"]
        if let user { data["User"] = user }
        return sysmon(t, computer: computer, id: 3, record: record, message: "Network connection detected", eventData: data)
    }
}

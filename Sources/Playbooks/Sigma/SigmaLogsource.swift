/// Where a Sigma logsource's events are among ours: Windows channels and event ids, with the field names a source
/// writes differently from the Sysmon names the rules use (Security 4688's `NewProcessName` is `Image`).
struct LogsourceMapping {
    struct Source: Hashable {
        /// Lower-cased channel names; empty: any channel.
        var channels: Set<String>
        /// Event ids; nil: any.
        var eventIDs: Set<Int>?
        /// Sigma field name (lower-cased) → the field the source writes.
        var renames: [String: String] = [:]
    }

    static let sysmon = "microsoft-windows-sysmon/operational"

    static let services: [String: [String]] = [
        "security": ["security"], "system": ["system"], "application": ["application"],
        "sysmon": [sysmon],
        "powershell": ["microsoft-windows-powershell/operational", "powershellcore/operational"],
        "powershell-classic": ["windows powershell"],
        "windefend": ["microsoft-windows-windows defender/operational"],
        "codeintegrity-operational": ["microsoft-windows-codeintegrity/operational"],
        "appxdeployment-server": ["microsoft-windows-appxdeploymentserver/operational"],
        "appxpackaging-om": ["microsoft-windows-appxpackaging/operational"],
        "appmodel-runtime": ["microsoft-windows-appmodel-runtime/admin"],
        "firewall-as": ["microsoft-windows-windows firewall with advanced security/firewall"],
        "bits-client": ["microsoft-windows-bits-client/operational"],
        "msexchange-management": ["msexchange management"],
        "dns-client": ["microsoft-windows-dns client events/operational"],
        "dns-server": ["dns server"],
        "iis-configuration": ["microsoft-iis-configuration/operational"],
        "taskscheduler": ["microsoft-windows-taskscheduler/operational"],
        "ntlm": ["microsoft-windows-ntlm/operational"],
        "security-mitigations": ["microsoft-windows-security-mitigations/kernelmode", "microsoft-windows-security-mitigations/usermode"],
        "wmi": ["microsoft-windows-wmi-activity/operational"],
        "applocker": ["microsoft-windows-applocker/exe and dll", "microsoft-windows-applocker/msi and script",
                      "microsoft-windows-applocker/packaged app-deployment", "microsoft-windows-applocker/packaged app-execution"],
        "microsoft-servicebus-client": ["microsoft-servicebus-client"],
        "terminalservices-localsessionmanager": ["microsoft-windows-terminalservices-localsessionmanager/operational"],
        "shell-core": ["microsoft-windows-shell-core/operational"],
        "certificateservicesclient-lifecycle-system": ["microsoft-windows-certificateservicesclient-lifecycle-system/operational"],
        "driver-framework": ["microsoft-windows-driverframeworks-usermode/operational"],
        "ldap": ["microsoft-windows-ldap-client/debug"],
        "smbclient-security": ["microsoft-windows-smbclient/security"],
        "smbserver-connectivity": ["microsoft-windows-smbserver/connectivity"],
        "diagnosis-scripted": ["microsoft-windows-diagnosis-scripted/operational"],
        "lsa-server": ["microsoft-windows-lsa/operational"],
        "openssh": ["openssh/operational"],
        "capi2": ["microsoft-windows-capi2/operational"],
        "vhdmp": ["microsoft-windows-vhdmp/operational"],
        "printservice-admin": ["microsoft-windows-printservice/admin"],
        "printservice-operational": ["microsoft-windows-printservice/operational"],
        "smbclient-connectivity": ["microsoft-windows-smbclient/connectivity"],
        "hyper-v-worker": ["microsoft-windows-hyper-v-worker-admin"],
        "kernel-shimengine": ["microsoft-windows-kernel-shimengine/operational"],
        "bitlocker": ["microsoft-windows-bitlocker/bitlocker management"],
        "dhcp": ["microsoft-windows-dhcp-server/operational"],
    ]

    /// Sysmon event ids per category (and the other channels some categories have).
    static let categories: [String: [Source]] = [
        "process_creation": [
            Source(channels: [sysmon], eventIDs: [1]),
            // Security 4688 names its fields differently.
            Source(channels: ["security"], eventIDs: [4688], renames: [
                "image": "NewProcessName", "parentimage": "ParentProcessName", "processid": "NewProcessId",
                "parentprocessid": "ProcessId", "user": "SubjectUserName", "logonid": "SubjectLogonId",
                "integritylevel": "MandatoryLabel",
            ]),
        ],
        "file_change": [Source(channels: [sysmon], eventIDs: [2])],
        "network_connection": [Source(channels: [sysmon], eventIDs: [3])],
        "sysmon_status": [Source(channels: [sysmon], eventIDs: [4, 16])],
        "process_termination": [Source(channels: [sysmon], eventIDs: [5])],
        "driver_load": [Source(channels: [sysmon], eventIDs: [6])],
        "image_load": [Source(channels: [sysmon], eventIDs: [7])],
        "create_remote_thread": [Source(channels: [sysmon], eventIDs: [8])],
        "raw_access_thread": [Source(channels: [sysmon], eventIDs: [9])],
        "process_access": [Source(channels: [sysmon], eventIDs: [10])],
        "file_event": [Source(channels: [sysmon], eventIDs: [11])],
        "registry_add": [Source(channels: [sysmon], eventIDs: [12])],
        "registry_delete": [Source(channels: [sysmon], eventIDs: [12])],
        "registry_set": [Source(channels: [sysmon], eventIDs: [13])],
        "registry_rename": [Source(channels: [sysmon], eventIDs: [14])],
        "registry_event": [Source(channels: [sysmon], eventIDs: [12, 13, 14])],
        "create_stream_hash": [Source(channels: [sysmon], eventIDs: [15])],
        "pipe_created": [Source(channels: [sysmon], eventIDs: [17, 18])],
        "wmi_event": [Source(channels: [sysmon], eventIDs: [19, 20, 21])],
        "dns_query": [Source(channels: [sysmon], eventIDs: [22])],
        "file_delete": [Source(channels: [sysmon], eventIDs: [23, 26])],
        "clipboard_capture": [Source(channels: [sysmon], eventIDs: [24])],
        "process_tampering": [Source(channels: [sysmon], eventIDs: [25])],
        "file_block_executable": [Source(channels: [sysmon], eventIDs: [27])],
        "file_block_shredding": [Source(channels: [sysmon], eventIDs: [28])],
        "file_executable_detected": [Source(channels: [sysmon], eventIDs: [29])],
        "sysmon_error": [Source(channels: [sysmon], eventIDs: [255])],
        "ps_module": [Source(channels: ["microsoft-windows-powershell/operational", "powershellcore/operational"], eventIDs: [4103])],
        "ps_script": [Source(channels: ["microsoft-windows-powershell/operational", "powershellcore/operational"], eventIDs: [4104])],
        "ps_classic_start": [Source(channels: ["windows powershell"], eventIDs: [400])],
        "ps_classic_provider_start": [Source(channels: ["windows powershell"], eventIDs: [600])],
        "ps_classic_script": [Source(channels: ["windows powershell"], eventIDs: [800])],
        // Kernel-File events (ETW), which no exported log of ours carries yet; mapped so the rules can run on them.
        "file_access": [Source(channels: ["microsoft-windows-kernel-file/analytic"], eventIDs: nil)],
        "file_rename": [Source(channels: ["microsoft-windows-kernel-file/analytic"], eventIDs: nil)],
    ]

    /// The sources of a Windows or Jikocho logsource, or why it has none (the others: `GenericSources.sources`).
    static func sources(_ ls: SigmaRule.Logsource) -> Result<[Source], SigmaMappingError> {
        if ls.product == "jikocho" {
            // Jikocho's own events, normalized: the category is the domain (it, network, ot, process), or any.
            let domains = ["it", "network", "ot", "process"]
            if let c = ls.category {
                guard domains.contains(c) else {
                    return .failure(SigmaMappingError(reason: "jikocho category \(c) is not a domain (it, network, ot, process)"))
                }
                return .success([Source(channels: ["jikocho:" + c], eventIDs: nil)])
            }
            return .success([Source(channels: Set(domains.map { "jikocho:" + $0 }), eventIDs: nil)])
        }
        guard ls.product == "windows" else {
            return .failure(SigmaMappingError(reason: "logsource product \(ls.product ?? "(none)") is not mapped to "
                                              + "Jikocho's events yet (mapped: windows, linux, zeek, apache, nginx, iis; categories webserver, proxy, dns, firewall)"))
        }
        var byCategory: [Source]?
        var byService: [Source]?
        if let c = ls.category {
            guard let s = categories[c] else {
                return .failure(SigmaMappingError(reason: "Windows category \(c) has no mapping"))
            }
            byCategory = s
        }
        if let s = ls.service {
            guard let ch = services[s] else {
                return .failure(SigmaMappingError(reason: "Windows service \(s) has no channel mapping"))
            }
            byService = [Source(channels: Set(ch), eventIDs: nil)]
        }
        switch (byCategory, byService) {
        case (let c?, let s?):
            // Both given: the category's sources within the service's channels.
            let channels = s[0].channels
            let both = c.compactMap { src -> Source? in
                let inter = src.channels.intersection(channels)
                return inter.isEmpty ? nil : Source(channels: inter, eventIDs: src.eventIDs, renames: src.renames)
            }
            return .success(both)
        case (let c?, nil): return .success(c)
        case (nil, let s?): return .success(s)
        case (nil, nil): return .success([Source(channels: [], eventIDs: nil)])
        }
    }
}

public struct SigmaMappingError: Error, Sendable {
    public var reason: String
}

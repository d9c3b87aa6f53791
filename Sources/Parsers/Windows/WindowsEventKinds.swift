/// Event kinds for the Windows events investigators look for first, by channel/provider and EventID. Shared by
/// every reader of Windows events (JSON exports now, native EVTX later), so the same record gets the same kind
/// whichever way it arrived.
public enum WindowsEventKinds {
    /// `auth.logon`, `exec.process`, … or nil when the event has no specific meaning here.
    public static func kind(eventID: Int, channel: String?, provider: String?) -> String? {
        let ch = channel?.lowercased() ?? ""
        let prov = provider?.lowercased() ?? ""
        if prov.contains("sysmon") || ch.contains("sysmon") {
            switch eventID {
            case 1: return "exec.process"
            case 2: return "file.time_changed"
            case 3: return "net.connection"
            case 5: return "exec.process_end"
            case 6: return "exec.driver_load"
            case 7: return "exec.image_load"
            case 8: return "exec.remote_thread"
            case 10: return "exec.process_access"
            case 11: return "file.create"
            case 12, 13, 14: return "registry.change"
            case 15: return "file.stream_create"
            case 17, 18: return "ipc.pipe"
            case 19, 20, 21: return "persistence.wmi"
            case 22: return "net.dns_query"
            case 23, 26: return "file.delete"
            default: return nil
            }
        }
        if prov.contains("terminalservices-localsessionmanager") || ch.contains("terminalservices-localsessionmanager") {
            switch eventID {
            case 21, 22, 25: return "auth.logon"       // session logon, shell start, reconnection
            case 23, 24: return "auth.logoff"          // logoff, disconnection
            default: return nil
            }
        }
        if prov.contains("terminalservices-remoteconnectionmanager") || ch.contains("terminalservices-remoteconnectionmanager") {
            return eventID == 1149 ? "auth.logon" : nil    // RDP user authentication succeeded
        }
        if prov.contains("terminalservices-gateway") || ch.contains("terminalservices-gateway") {
            // Remote Desktop Gateway: see `WindowsRemoteAccess`.
            switch eventID {
            case 302: return "auth.logon"                    // connected to a resource through the gateway
            case 303: return "auth.session_closed"           // disconnected from the resource
            case 201, 301, 304: return "auth.logon_failed"   // refused by the CAP or RAP, or failed to connect
            default: return nil
            }
        }
        if prov == "microsoft-windows-kernel-general", eventID == 1 { return "host.clock_change" }
        if prov == "remoteaccess" {
            // Routing and Remote Access (a Windows server as the VPN gateway): see `WindowsRemoteAccess`.
            switch eventID {
            case 20250: return "auth.logon"                 // connected and authenticated on a port
            case 20271: return "auth.logon_failed"          // connected from an address, authentication failed
            case 20272, 20275: return "auth.session_closed" // the session's statistics at its end; the address released
            case 20274: return "vpn.address_assigned"       // the address given to the session
            default: return nil
            }
        }
        switch eventID {
        case 4616: return "host.clock_change"
        case 4624: return "auth.logon"
        case 4625: return "auth.logon_failed"
        case 4634, 4647: return "auth.logoff"
        case 4648: return "auth.explicit_credentials"
        case 4768: return "auth.kerberos_tgt"
        case 4769: return "auth.kerberos_service_ticket"
        case 4771: return "auth.logon_failed"             // Kerberos pre-authentication failed
        case 4776: return "auth.credential_validation"    // NTLM; the Status field says whether it failed
        case 4662: return "directory.object_access"
        case 4663: return "file.access"
        case 6272: return "auth.logon"                    // Network Policy Server granted access (RADIUS: VPN, Wi-Fi)
        case 6273: return "auth.logon_failed"             // Network Policy Server denied access
        case 5140, 5145: return "file.share_access"
        case 5156: return "net.connection"
        case 5157: return "net.connection_blocked"
        case 4103, 4104 where prov.contains("powershell") || ch.contains("powershell"): return "exec.script"
        case 7036 where ch.isEmpty || ch == "system" || prov.contains("service control manager"):
            return "service.state_change"
        case 7040 where ch.isEmpty || ch == "system" || prov.contains("service control manager"):
            return "service.config_change"
        case 4672: return "auth.privilege"
        case 4688: return "exec.process"
        case 4697: return "persistence.service_install"
        case 7045 where ch.isEmpty || ch == "system" || prov.contains("service control manager"):
            return "persistence.service_install"
        case 4698: return "persistence.task_created"
        case 4699: return "persistence.task_deleted"
        case 4700, 4701, 4702: return "persistence.task_changed"
        case 4720, 4722, 4723, 4724, 4725, 4726, 4738: return "account.change"
        case 4728, 4732, 4756: return "account.group_change"
        case 1102: return "defense.log_cleared"
        case 104 where ch.isEmpty || ch == "system": return "defense.log_cleared"
        default: return nil
        }
    }

    /// Kerberos and NTLM events say in their `Status` field whether the attempt failed (4768 with 0x6: no such
    /// user; 0x18: wrong password): a Kerberos failure is `auth.logon_failed`, as a password spray reads. A failed NTLM
    /// check (4776) is `auth.credential_validation_failed`: on the computer where the logon failed a 4625 of the same
    /// attempt follows it, and the collectors make it the attempt only when none does (`FailedAttempts.windows`).
    public static func refine(_ kind: String, status: String?) -> String {
        switch kind {
        case "auth.kerberos_tgt", "auth.kerberos_service_ticket", "auth.credential_validation":
            guard let status, !status.isEmpty, status != "0x0", status != "0x00000000", status != "0" else { return kind }
            return kind == "auth.credential_validation" ? "auth.credential_validation_failed" : "auth.logon_failed"
        default:
            return kind
        }
    }

    /// Logon type 10 (RemoteInteractive) is RDP; the investigator's first question about a 4624.
    public static func logonTypeName(_ t: Int) -> String? {
        switch t {
        case 2: return "interactive"
        case 3: return "network"
        case 4: return "batch"
        case 5: return "service"
        case 7: return "unlock"
        case 8: return "network cleartext"
        case 9: return "new credentials"
        case 10: return "remote interactive"
        case 11: return "cached interactive"
        default: return nil
        }
    }
}

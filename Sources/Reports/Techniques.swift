import JikochoModel
import Parsers
import Timeline

/// ATT&CK (Enterprise and ICS) technique names for the ids our playbooks and chains use, and the techniques a chain
/// step shows by what it is.
public enum Techniques {
    /// Names as MITRE gives them (Enterprise v15, ICS v15). Unknown ids are shown as the id alone.
    public static let names: [String: String] = [
        "T0800": "Activate Firmware Update Mode", "T0803": "Block Command Message", "T0806": "Brute Force I/O",
        "T0809": "Data Destruction", "T0813": "Denial of Control", "T0814": "Denial of Service",
        "T0816": "Device Restart/Shutdown", "T0819": "Exploit Public-Facing Application",
        "T0822": "External Remote Services", "T0823": "Graphical User Interface", "T0826": "Loss of Availability",
        "T0827": "Loss of Control", "T0828": "Loss of Productivity and Revenue", "T0829": "Loss of View",
        "T0831": "Manipulation of Control", "T0832": "Manipulation of View", "T0836": "Modify Parameter",
        "T0839": "Module Firmware", "T0843": "Program Download", "T0845": "Program Upload",
        "T0846": "Remote System Discovery", "T0855": "Unauthorized Command Message", "T0856": "Spoof Reporting Message",
        "T0830": "Adversary-in-the-Middle", "T0858": "Change Operating Mode",
        "T0859": "Valid Accounts", "T0862": "Supply Chain Compromise", "T0866": "Exploitation of Remote Services",
        "T0867": "Lateral Tool Transfer", "T0869": "Standard Application Layer Protocol", "T0881": "Service Stop",
        "T0882": "Theft of Operational Information", "T0883": "Internet Accessible Device", "T0886": "Remote Services",
        "T0888": "Remote System Information Discovery", "T0889": "Modify Program",
        "T1003": "OS Credential Dumping", "T1003.001": "OS Credential Dumping: LSASS Memory",
        "T1021": "Remote Services", "T1021.001": "Remote Services: Remote Desktop Protocol",
        "T1021.002": "Remote Services: SMB/Windows Admin Shares", "T1021.004": "Remote Services: SSH",
        "T1021.005": "Remote Services: VNC", "T1219": "Remote Access Software",
        "T1041": "Exfiltration Over C2 Channel", "T1047": "Windows Management Instrumentation",
        "T1048": "Exfiltration Over Alternative Protocol", "T1059": "Command and Scripting Interpreter",
        "T1059.001": "Command and Scripting Interpreter: PowerShell", "T1070.001": "Indicator Removal: Clear Windows Event Logs",
        "T1071": "Application Layer Protocol", "T1071.001": "Application Layer Protocol: Web Protocols",
        "T1078": "Valid Accounts", "T1105": "Ingress Tool Transfer", "T1110": "Brute Force",
        "T1110.001": "Brute Force: Password Guessing", "T1110.003": "Brute Force: Password Spraying",
        "T1110.004": "Brute Force: Credential Stuffing", "T1133": "External Remote Services",
        "T1190": "Exploit Public-Facing Application", "T1195.002": "Supply Chain Compromise: Compromise Software Supply Chain",
        "T1486": "Data Encrypted for Impact", "T1489": "Service Stop", "T1490": "Inhibit System Recovery",
        "T1505.003": "Server Software Component: Web Shell", "T1543.003": "Create or Modify System Process: Windows Service",
        "T1560": "Archive Collected Data", "T1566": "Phishing", "T1566.001": "Phishing: Spearphishing Attachment",
        "T1567": "Exfiltration Over Web Service", "T1569.002": "System Services: Service Execution",
    ]

    public static func name(_ id: String) -> String? { names[id] }

    /// What a chain step shows, by its role and the asset it is on: a VPN logon from outside with an account is
    /// External Remote Services and Valid Accounts; remote desktop is RDP, and on an HMI also the HMI's Graphical
    /// User Interface and (ICS) Valid Accounts; a write to a setpoint is Modify Parameter, to anything else an
    /// Unauthorized Command Message; a program download, a stop or a restart their own techniques.
    static func of(_ step: ChainStep, assets: [String: Asset], otImpact: Bool) -> [String] {
        let e = step.event.event
        let asset = step.asset.flatMap { assets[$0] }
        let ot = (asset?.purdueLevel).map { $0 <= 2 } ?? false
        var out: [String] = []
        switch step.role {
        case "vpn session", "gateway session":
            out.append("T1133")
            if otImpact { out.append("T0822") }
            if e.user != nil { out.append("T1078") }
        case "logon session":
            let type = SessionFacts.type(e)
            if type == "10" { out.append("T1021.001") }
            if type == "ssh" { out.append("T1021.004") }
            if e.kind == "remote.control_start" {
                out.append(e.attributes["tool"]?.text == "vnc" ? "T1021.005" : "T1219")
            }
            if ot {
                if asset?.role.rawValue == "hmi" || asset?.role.rawValue == "engineering-workstation" { out.append("T0823") }
                // Valid Accounts: an account logged on (a remote-control tool's session names none).
                if e.kind != "remote.control_start" || e.user != nil { out.append("T0859") }
            } else if e.user != nil {
                out.append("T1078")
            }
        case "controller write", "controller command":
            out.append(contentsOf: controllerTechniques(e, asset: asset))
        default:
            break
        }
        return out
    }

    static func controllerTechniques(_ e: Event, asset: Asset?) -> [String] {
        let k = e.kind
        if k.contains("download") { return ["T0843"] }
        if k.contains("restart") || k.contains("reinitialize") { return ["T0816"] }
        if k.contains("stop") || k.contains("start") || k.contains("mode") { return ["T0858"] }
        if ChainBuilder.isControlWrite(e) {
            // A setpoint written is a parameter modified; any other point, an unauthorized command message.
            let setpoints = Set((asset?.tagMap ?? []).filter { $0.setpoint == true }.compactMap { ControlPoint(parsing: $0.point)?.key })
            return ChainBuilder.writtenPoints(e).contains { setpoints.contains($0.key) } ? ["T0836"] : ["T0855"]
        }
        return ["T0855"]
    }
}

import FuzzSupport
import Parsers

/// Syslog lines (RFC 3164, 5424, ISO, application logs) and the meanings read from them: Linux authentication, Cisco
/// ASA/FTD, the other remote-access gateways (OpenVPN, FortiGate, GlobalProtect, Pulse, strongSwan, WireGuard, YAMAHA); and
/// the same lines as TeamViewer's and AnyDesk's connection lists.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    forEachLine(start, count) { line in
        if let r = SyslogParser.parse(line, year: 2021) {
            _ = LinuxAuth.interpret(program: r.program, message: r.message)
            _ = CiscoASA.interpret(program: r.program, message: r.message)
            _ = RemoteAccess.interpret(program: r.program, message: r.message)
        }
        _ = SyslogParser.bsdMonth(line)
        _ = SyslogParser.showLogStamp(line)
        let text = Substring(decoding: line, as: UTF8.self)
        _ = RemoteControlLog.tool(of: text)
        _ = RemoteControlLog.teamViewer(text, order: .monthFirst)
        _ = RemoteControlLog.dateParts(text)
    }
    return 0
}

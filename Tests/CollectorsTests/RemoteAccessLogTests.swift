@testable import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// Remote-access gateways' records (fixtures under Tests/Fixtures/vpn name their published sources in their headers)
/// become the same facts whatever the product: logons with user, source and tunnel address, failures, session ends.
@Suite struct RemoteAccessLogTests {
    /// The fixture's lines without its header, through the syslog collector.
    func collect(_ name: String) throws -> MemorySink {
        let path = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/vpn/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n") + "\n"
        return try collectSyslog(Array(lines.utf8), options: ["tz": "UTC", "year": "2023"])
    }

    struct Fact: Equatable, CustomStringConvertible {
        var kind: String
        var user: String?
        var src: String?
        var tunnel: String?
        var description: String { "\(kind) \(user ?? "-") \(src ?? "-") \(tunnel ?? "-")" }
    }

    func facts(_ sink: MemorySink) -> [Fact] {
        sink.events.map { Fact(kind: $0.kind, user: $0.user, src: $0.src.ip, tunnel: $0.attributes["tunnel_ip"]?.text) }
    }

    @Test func fortiGate() throws {
        let sink = try collect("fortigate.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon_failed", user: "test", src: nil, tunnel: nil),     // remip= is empty in the record
            Fact(kind: "auth.logon", user: "test", src: "10.5.23.138", tunnel: "10.212.134.200"),
            Fact(kind: "auth.session_closed", user: "test", src: "10.5.23.138", tunnel: "10.212.134.200"),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),          // IPsec phase 1 is no logon
        ])
        let up = sink.events[1]
        #expect(up.attributes["vendor"] == "fortinet-fortigate" && up.attributes["logid"] == "0101039947")
        #expect(up.attributes["reason"] == "tunnel established" && up.domain == .network)
        #expect(sink.events[0].attributes["reason"] == "sslvpn_login_permission_denied")
    }

    /// The same gateway's records in their own form (no syslog header): each placed by its own date, time and tz or
    /// eventtime, named by the device; traffic records become flows; firewall authentication a logon of its own kind.
    @Test func fortiGatesOwnForm() throws {
        let path = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/vpn/fortigate-native.log").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n") + "\n"
        #expect(SyslogCollector.identify(EvidenceProbe(name: "fgt.log", mimeType: "text/plain", head: Array(lines.utf8))) == .likely)
        let sink = try collectSyslog(Array(lines.utf8))    // no zone declared: only the FortiOS 5.6 record needs one
        #expect(sink.warnings.map(\.text) == ["no time zone declared for this evidence; local times were read as UTC (pass --tz to declare it)"])
        #expect(sink.warnings.first?.locator.hasPrefix("line 9 ") == true)
        #expect(facts(sink) == [
            Fact(kind: "auth.logon_failed", user: "test", src: nil, tunnel: nil),
            Fact(kind: "auth.logon", user: "test", src: "10.5.23.138", tunnel: "10.212.134.200"),
            Fact(kind: "net.flow_end", user: "test", src: "10.212.134.200", tunnel: nil),
            Fact(kind: "net.connection_blocked", user: nil, src: "10.212.134.200", tunnel: nil),
            Fact(kind: "auth.session_closed", user: "test", src: "10.5.23.138", tunnel: "10.212.134.200"),
            Fact(kind: "auth.logon_failed", user: "operator", src: "10.20.9.40", tunnel: nil),
            Fact(kind: "net.flow_end", user: nil, src: "10.1.100.11", tunnel: nil),
            Fact(kind: "net.flow_end", user: nil, src: "10.1.100.11", tunnel: nil),
            Fact(kind: "net.flow_end", user: nil, src: "192.168.1.183", tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),       // FortiWeb's administrator login
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),       // IPsec phase 1 is no logon
        ])
        let e = sink.events
        #expect(e.map { $0.time.iso8601(precision: .nanoseconds) } == [
            "2023-03-18T06:30:43.611327535Z", "2023-08-17T05:58:18.176400908Z", "2023-08-17T06:01:05.412345678Z",
            "2023-08-17T06:10:12.000000000Z", "2023-08-17T06:32:41.000000000Z", "2023-08-17T06:15:00.000000000Z",
            "2019-05-10T18:37:47.369913239Z", "2018-12-27T19:07:55.000000000Z", "2016-02-12T11:11:29.000000000Z",
            "2014-04-10T05:31:37.000000000Z", "2019-05-13T21:21:42.722231889Z",
        ])
        #expect(e.map(\.host) == ["FGVM04TMxxxxxxx", "FortiGate-81E", "FortiGate-81E", "FortiGate-81E", "FortiGate-81E",
                                  "FortiGate-81E", nil, nil, nil, "FV-1KD3A13800002", nil])
        #expect(e.allSatisfy { $0.attributes["format"] == "key_value" && $0.attributes["time_source"] != nil })
        #expect(e[8].attributes["time_source"] == "date and time (local; no tz or eventtime written)")

        // The tunnel's connection to a workstation's RDP port, with its user, size and length.
        let rdp = e[2]
        #expect(rdp.dst == Endpoint(ip: "10.20.3.15", port: 3389) && rdp.src.port == 50514 && rdp.domain == .network)
        #expect(rdp.attributes["protocol"] == "tcp" && rdp.attributes["duration_s"] == .int(1802))
        #expect(rdp.attributes["bytes"] == .int(4_810_233 + 91_822_310) && rdp.attributes["session_id"] == "918273")
        #expect(rdp.attributes["srcintf"] == "ssl.root" && rdp.attributes["vendor"] == "fortinet-fortigate")
        #expect(e[3].dst == Endpoint(ip: "10.20.3.20", port: 502) && e[3].attributes["action"] == "deny")
        // Firewall authentication is not a tunnel.
        #expect(e[5].attributes["access"] == "firewall" && e[5].dst.ip == "10.20.3.15")
        #expect(e[5].attributes["method"] == "firewall HTTPS(10.20.9.40)")
        #expect(e[1].attributes["access"] == "vpn")
    }

    @Test func openVPN() throws {
        let sink = try collect("openvpn.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon", user: "alice", src: "203.0.113.5", tunnel: nil),
            Fact(kind: "vpn.session_start", user: "alice", src: "203.0.113.5", tunnel: nil),
            // The pool's pick and the route learned are not the assignment; the primary virtual IP is, once.
            Fact(kind: "vpn.address_offered", user: "alice", src: "203.0.113.5", tunnel: nil),
            Fact(kind: "vpn.route_learned", user: "alice", src: "203.0.113.5", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "alice", src: "203.0.113.5", tunnel: "10.8.0.6"),
            // One failed attempt is one failure: the AUTH_FAILED sent back and the handshake error stay messages.
            Fact(kind: "auth.logon_failed", user: nil, src: "198.51.100.99", tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "auth.session_closed", user: "alice", src: "203.0.113.5", tunnel: nil),
            Fact(kind: "vpn.address_offered", user: "carol", src: "203.0.113.8", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "carol", src: "203.0.113.8", tunnel: "2001:db8:8::1000"),
        ])
        #expect(sink.events[0].src.port == 51234 && sink.events[0].attributes["vendor"] == "openvpn")
        #expect(sink.events[4].dst.ip == "10.8.0.6" && sink.events[2].dst.ip == nil)
        #expect(sink.events[2].attributes["pool_ip"] == "10.8.0.6" && sink.events[3].attributes["route"] == "10.8.0.6")
        #expect(sink.events[9].attributes["pool_ipv6"] == "2001:db8:8::1000" && sink.events[9].attributes["pool_ip"] == nil)
    }

    /// The server's own log file, with no syslog header: ctime stamps (before 2.5) and `YYYY-MM-DD HH:MM:SS`.
    @Test func openVPNsOwnLog() throws {
        let sink = try collect("openvpn-server.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "auth.logon", user: "alice", src: "198.51.100.37", tunnel: nil),
            Fact(kind: "vpn.address_offered", user: "alice", src: "198.51.100.37", tunnel: nil),
            Fact(kind: "vpn.route_learned", user: "alice", src: "198.51.100.37", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "alice", src: "198.51.100.37", tunnel: "10.8.0.6"),
            Fact(kind: "auth.session_closed", user: "alice", src: "198.51.100.37", tunnel: nil),
        ])
        #expect(sink.events.map { $0.time.iso8601(precision: .seconds) }.last == "2024-03-12T11:18:01Z")
        #expect(sink.events.allSatisfy { $0.host == nil })
    }

    /// The log of a real OpenVPN 2.6 server (scripts/oracles/openvpn_log.sh: Debian's openvpn, a server and clients on
    /// the loopback interface), not lines quoted from its source: a wrong password, vendor1 given an address from the
    /// pool, vendor2 given a fixed one by a client-config-dir file after the pool had offered another.
    @Test func aRealOpenVPNServersLog() throws {
        let sink = try collect("openvpn-2.6-server.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let told = facts(sink).filter { $0.kind != "syslog.message" }
        #expect(told == [
            // The failed attempt names no user: the server's verdict line names the peer only.
            Fact(kind: "auth.logon_failed", user: nil, src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.session_start", user: nil, src: "127.0.0.5", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor1", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.session_start", user: "vendor1", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.address_offered", user: "vendor1", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.route_learned", user: "vendor1", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "vendor1", src: "127.0.0.5", tunnel: "10.8.0.2"),
            Fact(kind: "auth.session_closed", user: nil, src: "127.0.0.5", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor2", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.session_start", user: "vendor2", src: "127.0.0.5", tunnel: nil),
            // The pool offered 10.8.0.3; the client-config-dir's ifconfig-push gave 10.8.0.50.
            Fact(kind: "vpn.address_offered", user: "vendor2", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.route_learned", user: "vendor2", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "vendor2", src: "127.0.0.5", tunnel: "10.8.0.50"),
            Fact(kind: "auth.session_closed", user: "vendor1", src: "127.0.0.5", tunnel: nil),
            Fact(kind: "auth.session_closed", user: "vendor2", src: "127.0.0.5", tunnel: nil),
        ])
        let offered = sink.events.filter { $0.kind == "vpn.address_offered" }.map { $0.attributes["pool_ip"]?.text }
        #expect(offered == ["10.8.0.2", "10.8.0.3"])
        // Every line is an event; the server's own lines (its start, peer info, ciphers) stay messages.
        #expect(sink.events.count == 90)
    }

    @Test func globalProtect() throws {
        let sink = try collect("globalprotect.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon", user: #"corp\vendor1"#, src: "198.51.100.20", tunnel: nil),
            Fact(kind: "auth.logon", user: #"corp\vendor1"#, src: "198.51.100.20", tunnel: "10.30.9.44"),
            Fact(kind: "auth.logon_failed", user: #"corp\guess"#, src: "203.0.113.77", tunnel: nil),
            Fact(kind: "auth.session_closed", user: #"corp\vendor1"#, src: "198.51.100.20", tunnel: "10.30.9.44"),
            Fact(kind: "auth.logon", user: "vendor2", src: "198.51.100.21", tunnel: nil),
            // The older SYSTEM log names the address given without the user's: it comes from the logon before.
            Fact(kind: "vpn.address_assigned", user: "vendor2", src: "198.51.100.21", tunnel: "10.30.9.45"),
            // An IPsec session: the address named when the gateway configures and sets up the tunnel, given back at
            // its end; the latency report in between is routine.
            Fact(kind: "vpn.address_assigned", user: #"corp\vendor5"#, src: "198.51.100.25", tunnel: "10.30.9.50"),
            Fact(kind: "vpn.address_assigned", user: #"corp\vendor5"#, src: "198.51.100.25", tunnel: "10.30.9.50"),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "auth.session_closed", user: #"corp\vendor5"#, src: "198.51.100.25", tunnel: "10.30.9.50"),
            // Sent without a host in its header: the record's first field is no host name.
            Fact(kind: "auth.logon", user: #"corp\vendor6"#, src: "198.51.100.26", tunnel: "10.30.9.51"),
            // From an IPv6 network: the Public IPv6 field is the source.
            Fact(kind: "auth.logon", user: #"corp\vendor7"#, src: "2001:db8:7::15", tunnel: "10.30.9.52"),
        ])
        let hostless = sink.events[sink.events.count - 2]
        #expect(hostless.host == nil && hostless.message.hasPrefix("1,2021/05/04 12:40:09,"))
        #expect(sink.events[1].attributes["event"] == "gateway-connected" && sink.events[1].attributes["machine"] == "LAPTOP-V1")
        #expect(sink.events[2].attributes["error"] == "Authentication failed: Invalid username or password")
        #expect(sink.events[5].attributes["src_from"] != nil)
    }

    @Test func pulseConnectSecure() throws {
        let sink = try collect("pulse.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon_failed", user: "vendor3", src: "198.51.100.30", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor3", src: "198.51.100.30", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor3", src: "198.51.100.30", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "vendor3", src: "198.51.100.30", tunnel: "10.40.2.15"),
            Fact(kind: "auth.session_closed", user: "vendor3", src: "198.51.100.30", tunnel: "10.40.2.15"),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            // One refused sign-in, one failure: its details before and after the verdict keep a kind of their own.
            Fact(kind: "auth.failure_detail", user: "vendor6", src: "198.51.100.31", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor6", src: "198.51.100.31", tunnel: nil),
            Fact(kind: "auth.failure_detail", user: "vendor6", src: "198.51.100.31", tunnel: nil),
            // A refusal with no verdict line is the attempt itself.
            Fact(kind: "auth.logon_failed", user: "vendor6", src: "198.51.100.31", tunnel: nil),
            // 22.x: the zone is not part of the user; the session id does not hide the tunnel address.
            Fact(kind: "auth.logon", user: "vendor7", src: "198.51.100.32", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "vendor7", src: "198.51.100.32", tunnel: "10.40.2.77"),
            Fact(kind: "auth.session_closed", user: "vendor7", src: "198.51.100.32", tunnel: "10.40.2.77"),
            Fact(kind: "auth.session_closed", user: "vendor7", src: "198.51.100.32", tunnel: nil),
            // Juniper SA: `with IP`.
            Fact(kind: "vpn.address_assigned", user: "vendor8@example.com", src: "198.51.100.33", tunnel: "10.40.2.88"),
            Fact(kind: "auth.session_closed", user: "vendor8@example.com", src: "198.51.100.33", tunnel: "10.40.2.88"),
        ])
        let e = sink.events
        #expect(e[6].attributes["verdict"] == JSONValue.string(e[7].provenance.locator)
                && e[8].attributes["verdict"] == JSONValue.string(e[7].provenance.locator))
        #expect(e[7].attributes["corroborated_by"] == JSONValue.string(e[6].provenance.locator))
        #expect(e[9].attributes["verdict"] == nil && e[9].attributes["reason"] == "Login failed. Reason: No Roles")
        #expect(sink.events.filter { $0.kind == "auth.logon_failed" }.count == 3)
    }

    /// Citrix ADC Gateway: its own ns.log (the `<local0.info>` before the appliance's address is no host) and a
    /// header-less forward placed by the appliance's GMT stamp; the connections made through the tunnel as flows.
    @Test func citrixGateway() throws {
        let sink = try collect("citrix-gateway.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon", user: "vendor9", src: "198.51.100.40", tunnel: "10.60.1.9"),
            Fact(kind: "net.flow_end", user: "vendor9", src: "10.60.1.9", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "guess", src: "203.0.113.77", tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),       // an administrator's command
            Fact(kind: "auth.session_closed", user: "vendor9", src: "198.51.100.40", tunnel: "10.60.1.9"),
            Fact(kind: "auth.logon", user: "vendor10", src: "198.51.100.41", tunnel: nil),   // Nat_ip "Mapped Ip": none
        ])
        let e = sink.events
        #expect(e.map(\.host) == Array(repeating: "192.0.2.165", count: 5) + ["ns-gw"])
        #expect(e[5].time.iso8601(precision: .seconds) == "2014-10-09T10:01:05Z" && e[5].attributes["format"] == "netscaler")
        #expect(e[0].attributes["session_id"] == "15" && e[4].attributes["session_id"] == "15")
        #expect(e[0].attributes["vendor"] == "citrix-adc-gateway" && e[0].attributes["client_type"] == "Agent")
        #expect(e[1].dst == Endpoint(ip: "10.20.3.15", port: 3389) && e[1].attributes["bytes_received"] == .int(1_065_821))
        #expect(e[2].attributes["reason"] == "Invalid username or password")
        #expect(e[4].attributes["duration"] == "00:36:17")
    }

    /// F5 BIG-IP APM names the client, the user and the tunnel address on different lines of one access session:
    /// each line gets what the session's lines before it said. A refused credential is the failed attempt; the
    /// policy's deny after it corroborates it, and is the failed attempt itself when nothing was refused before it.
    @Test func f5AccessPolicyManager() throws {
        let sink = try collect("f5-apm.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let vendor = "198.51.100.40", guesser = "203.0.113.77", refused = "203.0.113.78"
        #expect(facts(sink) == [
            Fact(kind: "vpn.session_start", user: nil, src: vendor, tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "vendor7", src: vendor, tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor7", src: vendor, tunnel: nil),       // attempt 0
            Fact(kind: "auth.credentials_accepted", user: "vendor7", src: vendor, tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor7", src: vendor, tunnel: nil),              // Network_Access
            Fact(kind: "vpn.address_assigned", user: "vendor7", src: vendor, tunnel: "10.60.8.21"),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                  // session statistics
            Fact(kind: "auth.session_closed", user: "vendor7", src: vendor, tunnel: "10.60.8.21"),
            Fact(kind: "vpn.session_start", user: nil, src: guesser, tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "admin", src: guesser, tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "admin", src: guesser, tunnel: nil),
            Fact(kind: "auth.logon_denied", user: "admin", src: guesser, tunnel: nil),        // the same attempt
            Fact(kind: "vpn.session_start", user: nil, src: refused, tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                  // User-Agent
            Fact(kind: "auth.logon_failed", user: nil, src: refused, tunnel: nil),            // deny, nothing refused
        ])
        let e = sink.events
        #expect(e.allSatisfy { $0.host == "bigip-vpn1" })
        #expect(e[0].attributes["vendor"] == "f5-big-ip-apm" && e[0].attributes["session_id"] == "5d2a4e11"
                && e[0].attributes["access_profile"] == "/Common/ap_vpn" && e[0].attributes["vip"] == "192.0.2.10")
        #expect(e[0].attributes["program"] == "tmm1" && e[0].attributes["severity"] == .int(5))
        #expect(e[2].attributes["attempt"] == "0" && e[2].attributes["agent"] == "AD agent")
        #expect(e[4].attributes["result"] == "Network_Access" && e[4].attributes["joined_from"] != nil)
        #expect(e[5].dst.ip == "10.60.8.21" && e[5].attributes["resource"] == "/Common/na_plant")
        #expect(e[7].attributes["reason"] == "Session deleted due to user logout request.")
        #expect(e[8].attributes["session_id"] == "7c41b0e9" && e[8].attributes["access_profile"] == nil)
        #expect(e[10].attributes["reason"]?.text.hasPrefix("Preauthentication failed") == true)
        #expect(e[14].attributes["note"] != nil && e[12].attributes["session_id"] == "0a1b2c3d")
        #expect(sink.events.filter { $0.kind == "auth.logon_failed" }.count == 3)
    }

    /// SoftEther VPN Server names the client and the user when a connection arrives, the session the connection gets,
    /// then the session's address (from SecureNAT's DHCP) and its end by the session alone: each line gets what the
    /// connection's and session's lines before it said, in the server log, a hub's security log and syslog alike.
    @Test func softEtherVPNServer() throws {
        let sink = try collect("softether.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let vendor = "198.51.100.40"
        #expect(facts(sink) == [
            Fact(kind: "vpn.auth_request", user: "vendor7", src: vendor, tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor7", src: vendor, tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "vendor7", src: vendor, tunnel: nil),
            Fact(kind: "auth.credentials_accepted", user: "vendor7", src: vendor, tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor7", src: vendor, tunnel: nil),                  // the new session
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                      // its parameters
            Fact(kind: "vpn.address_assigned", user: "vendor7", src: vendor, tunnel: "192.168.30.10"),
            Fact(kind: "auth.session_closed", user: "vendor7", src: vendor, tunnel: "192.168.30.10"),
            Fact(kind: "vpn.auth_request", user: "admin", src: "203.0.113.77", tunnel: nil),      // the security log
            Fact(kind: "auth.logon_failed", user: "admin", src: "203.0.113.77", tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "operator", src: "203.0.113.78", tunnel: nil),   // syslog
            Fact(kind: "auth.logon_failed", user: "operator", src: "203.0.113.78", tunnel: nil),
        ])
        let e = sink.events
        #expect(e[0].attributes["vendor"] == "softether" && e[0].attributes["hub"] == "PLANT"
                && e[0].attributes["connection"] == "CID-4" && e[0].src.port == 51234)
        #expect(e[1].attributes["reason"] == "user authentication failed" && e[1].attributes["joined_from"] != nil)
        #expect(e[4].attributes["session_id"] == "SID-VENDOR7-3" && e[4].attributes["protocol"] == "Standard TCP/IP (IPv4)")
        #expect(e[6].attributes["session_id"] == "SID-VENDOR7-3" && e[6].attributes["dhcp_session"] == "SID-SECURENAT-1"
                && e[6].dst.ip == "192.168.30.10")
        #expect(e[7].attributes["bytes_sent"] == .int(1_102_934) && e[7].attributes["bytes_received"] == .int(52_110))
        #expect(e[9].attributes["reason"] == "refused by the security policy" && e[9].attributes["hub"] == nil)
        #expect(e[10].host == "vpn-srv" && e[10].attributes["hub"] == "PLANT")
    }

    @Test func strongSwanAndWireGuard() throws {
        let sink = try collect("strongswan.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon_failed", user: "vendor4", src: nil, tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor4", src: "198.51.100.40", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "vendor4", src: "198.51.100.40", tunnel: "10.50.3.1"),
            Fact(kind: "auth.session_closed", user: "vendor4", src: "198.51.100.40", tunnel: nil),
            Fact(kind: "vpn.handshake", user: nil, src: "198.51.100.41", tunnel: nil),
        ])
        #expect(sink.events[4].attributes["peer"] == "3" && sink.events[4].attributes["interface"] == "wg0")
    }

    /// The log file of a real strongSwan 5.9 gateway (scripts/oracles/strongswan_log.sh: Debian's charon and charon-cmd
    /// on the loopback interface), with no host and no tag (`13[IKE] <rw|2> …`), and the same lines as syslog writes
    /// them: a wrong password, a logon given a pool address, an unknown user. Each password that did not verify is
    /// one failed attempt, with the user and address of its IKE_SA's earlier lines; the unknown user's missing key is
    /// that attempt's detail, not a second failure.
    @Test(arguments: [false, true]) func aRealStrongSwanGatewaysLog(asSyslog: Bool) throws {
        let path = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/vpn/strongswan-5.9-charon.log").path
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        if asSyslog {
            // `Dec  5 08:10:34 vpn-gw charon: 14[IKE] …`: the time's 15 characters, then the host and charon's tag.
            lines = lines.map { String($0.prefix(15)) + " vpn-gw charon:" + $0.dropFirst(15) }
        }
        let sink = try collectSyslog(Array((lines.joined(separator: "\n") + "\n").utf8), options: ["tz": "UTC", "year": "2026"])
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(sink.events.allSatisfy { $0.host == (asSyslog ? "vpn-gw" : nil) })
        #expect(facts(sink).filter { $0.kind != "syslog.message" } == [
            Fact(kind: "vpn.session_start", user: nil, src: "127.0.0.1", tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "vendor1", src: "127.0.0.1", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor1", src: "127.0.0.1", tunnel: nil),
            Fact(kind: "vpn.session_start", user: nil, src: "127.0.0.1", tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "vendor1", src: "127.0.0.1", tunnel: nil),
            Fact(kind: "vpn.address_assigned", user: "vendor1", src: "127.0.0.1", tunnel: "10.9.0.1"),
            Fact(kind: "auth.logon", user: "vendor1", src: "127.0.0.1", tunnel: nil),
            Fact(kind: "auth.session_closed", user: "vendor1", src: "127.0.0.1", tunnel: nil),
            Fact(kind: "vpn.session_start", user: nil, src: "127.0.0.1", tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "park", src: "127.0.0.1", tunnel: nil),
            Fact(kind: "auth.invalid_user", user: "park", src: "127.0.0.1", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "park", src: "127.0.0.1", tunnel: nil),
        ])
        let failed = sink.events.filter { $0.kind == "auth.logon_failed" }
        #expect(failed.map { $0.attributes["ike_sa_id"]?.text } == ["1", "3"])
        #expect(failed.allSatisfy { $0.attributes["joined_from"]?.text.hasPrefix("the IKE_SA's lines from line") == true })
    }

    /// A password that did not verify and the EAP method's failure after it (the lines a gateway writes when the
    /// client gives up: public test data quotes `EAP-MS-CHAPv2 verification failed, retry (1)` then `EAP method
    /// EAP_MSCHAPV2 failed for peer kim`) are one failed attempt, with or without charon's IKE_SA ids; a method's
    /// failure alone (a client that sent no password) is the attempt.
    @Test func oneStrongSwanAttemptIsOneFailure() throws {
        let lines = [
            "Jun  1 08:00:10 vpn-2 charon: 12[IKE] <rw|7> received EAP identity 'kim'",
            "Jun  1 08:00:12 vpn-2 charon: 12[IKE] <rw|7> EAP-MS-CHAPv2 verification failed, retry (1)",
            "Jun  1 08:00:12 vpn-2 charon: 12[IKE] <rw|7> EAP method EAP_MSCHAPV2 failed for peer kim",
            "Jun  1 08:01:10 vpn-2 charon: 09[IKE] EAP-MS-CHAPv2 verification failed, retry (1)",
            "Jun  1 08:01:11 vpn-2 charon: 09[IKE] EAP method EAP_MSCHAPV2 failed for peer 203.0.113.100",
            "Jun  1 08:05:00 vpn-2 charon: 09[IKE] EAP method EAP_MSCHAPV2 failed for peer lee",
        ]
        let sink = try collectSyslog(Array((lines.joined(separator: "\n") + "\n").utf8), options: ["tz": "UTC", "year": "2023"])
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "vpn.auth_request", user: "kim", src: nil, tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "kim", src: nil, tunnel: nil),
            Fact(kind: "auth.eap_failed", user: "kim", src: nil, tunnel: nil),
            Fact(kind: "auth.logon_failed", user: nil, src: nil, tunnel: nil),
            // The peer's identity is its address: the address, not a user.
            Fact(kind: "auth.eap_failed", user: nil, src: "203.0.113.100", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "lee", src: nil, tunnel: nil),
        ])
        #expect(sink.events[2].attributes["verdict"]?.text.hasPrefix("line 2 ") == true, "\(sink.events[2].attributes)")
        #expect(sink.events[4].attributes["verdict"]?.text.hasPrefix("line 4 ") == true)
    }

    /// A YAMAHA router writes one connection over several lines (the tunnel's client address, the call's user, the
    /// link's tunnel address): each line gets what the lines before it said, a call whose link never comes up is the
    /// failed attempt (ended by its tunnel, by the next call on its interface, or refused by name), and the router's
    /// own provider link and site-to-site tunnel are no one's logon.
    @Test func yamahaRouter() throws {
        let sink = try collect("yamaha-rtx.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        let ito = "203.0.113.66", sato = "198.51.100.7"
        #expect(facts(sink) == [
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                        // [IKE]
            Fact(kind: "vpn.session_start", user: nil, src: ito, tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                        // tunnel established
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                        // session established
            Fact(kind: "auth.logon_failed", user: "admin", src: ito, tunnel: nil),                 // its tunnel ended
            Fact(kind: "vpn.session_end", user: "admin", src: ito, tunnel: nil),
            Fact(kind: "vpn.session_start", user: nil, src: ito, tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor", src: ito, tunnel: nil),                // the next call came
            Fact(kind: "vpn.session_start", user: nil, src: ito, tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "vendor-ito", src: ito, tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor-ito", src: ito, tunnel: "192.168.100.201"),
            Fact(kind: "vpn.session_start", user: nil, src: sato, tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "eng-sato", src: sato, tunnel: nil),
            Fact(kind: "auth.logon", user: "eng-sato", src: sato, tunnel: "192.168.100.202"),
            Fact(kind: "auth.session_closed", user: "vendor-ito", src: ito, tunnel: "192.168.100.201"),
            Fact(kind: "vpn.session_end", user: "vendor-ito", src: ito, tunnel: "192.168.100.201"),
            Fact(kind: "auth.session_closed", user: "eng-sato", src: sato, tunnel: "192.168.100.202"),
            Fact(kind: "vpn.session_start", user: nil, src: "203.0.113.90", tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "guest", src: "203.0.113.90", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "guest", src: "203.0.113.90", tunnel: nil),     // refused by name
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                        // PP[01]: its provider
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                        // IP Tunnel[5] Up
            Fact(kind: "auth.logon", user: nil, src: "192.168.100.2", tunnel: nil),
            Fact(kind: "auth.privilege", user: "administrator", src: "192.168.100.2", tunnel: nil),
            Fact(kind: "auth.session_closed", user: nil, src: "192.168.100.2", tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
        ])
        let e = sink.events
        #expect(e.allSatisfy { $0.host == "192.168.100.1" })
        #expect(e[4].attributes["outcome"]?.text.hasPrefix("the call's link never came up") == true)
        #expect(e[4].attributes["pp"] == "ANONYMOUS01" && e[4].attributes["l2tp_tunnel"] == "1")
        #expect(e[9].attributes["verdict"] == JSONValue.string(e[10].provenance.locator))
        #expect(e[10].attributes["corroborated_by"] == JSONValue.string(e[9].provenance.locator))
        #expect(e[10].attributes["l2tp_tunnel"] == "2" && e[10].attributes["vendor"] == "yamaha-rtx" && e[10].domain == .network)
        #expect(e[10].attributes["joined_from"]?.text == "the user from \(e[9].provenance.locator) (the call), the client's "
                + "address from \(e[8].provenance.locator) (the L2TP tunnel's connection)")
        #expect(e[15].attributes["pp"] == nil, "the PP had ended already: its tunnel's end decides nothing there")
        #expect(e[18].attributes["verdict"] == JSONValue.string(e[19].provenance.locator))
        #expect(e[19].attributes["cause"] == "PPP: Authentication failed" && e[19].attributes["outcome"] == nil)
        #expect(e[22].attributes["access"] == "management" && e[22].attributes["method"] == "TELNET")
        #expect(e.filter { $0.kind == "auth.logon_failed" }.count == 3)
    }

    /// `show log reverse`, newest first and with its prompt lines, is read oldest first: the same joins as a log read
    /// in order, and the router's own year and time.
    @Test func yamahaRouterShowLogReverse() throws {
        let sink = try collect("yamaha-rtx-show-log-reverse.txt")
        #expect(sink.warnings.map(\.text).sorted() == [
            "not a syslog line: YAMAHA-RTX#", "not a syslog line: YAMAHA-RTX# show log reverse",
            "the router's log runs newest first (show log reverse): its 12 lines were read oldest first",
        ])
        #expect(facts(sink) == [
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "auth.logon", user: nil, src: nil, tunnel: nil),
            Fact(kind: "auth.privilege", user: "administrator", src: nil, tunnel: nil),
            Fact(kind: "vpn.session_start", user: nil, src: "198.51.100.7", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor-sato", src: "198.51.100.7", tunnel: nil),
            Fact(kind: "vpn.session_start", user: nil, src: "198.51.100.7", tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "vpn.auth_request", user: "vendor-sato", src: "198.51.100.7", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor-sato", src: "198.51.100.7", tunnel: "192.168.100.202"),
            Fact(kind: "auth.session_closed", user: "vendor-sato", src: "198.51.100.7", tunnel: "192.168.100.202"),
        ])
        let e = sink.events
        #expect(e.map { $0.time.iso8601(precision: .seconds) }.first == "2018-10-22T09:02:49Z")
        #expect(e.allSatisfy { $0.attributes["format"] == "show_log" && $0.host == nil })
        #expect(e[8].provenance.locator.hasPrefix("line 3 "), "locators name the line as written")
    }

    /// Lines of these programs that say something else, and hostile lines, stay messages: no warning flood.
    /// FortiGate's records in CEF: the same facts as its own key=value records (the FortiOS reader reads them under
    /// their FortiOS names), with the CEF header's signature and name kept.
    @Test func fortiGateInCEF() throws {
        let sink = try collect("fortigate-cef.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon", user: "admin", src: nil, tunnel: nil),                  // from the console
            Fact(kind: "auth.logon_failed", user: "admin1", src: "172.16.200.254", tunnel: nil),
            Fact(kind: "net.flow_end", user: nil, src: "10.1.100.11", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "test", src: nil, tunnel: nil),
            Fact(kind: "auth.logon", user: "test", src: "10.5.23.138", tunnel: "10.212.134.200"),
            Fact(kind: "auth.session_closed", user: "test", src: "10.5.23.138", tunnel: "10.212.134.200"),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),                  // IPsec phase 1 is no logon
        ])
        let e = sink.events
        #expect(e.allSatisfy { $0.kind == "syslog.message" || ($0.attributes["encoding"] == "cef" && $0.domain == .network) })
        #expect(e[1].attributes["method"] == "admin https" && e[1].attributes["reason"] == "name_invalid")
        #expect(e[2].dst == Endpoint(ip: "52.53.140.235", port: 443) && e[2].src.port == 54190)
        #expect(e[2].attributes["bytes"] == .int(3652 + 146_668) && e[2].attributes["duration_s"] == .int(2))
        #expect(e[2].attributes["session_id"] == "402" && e[2].attributes["service"] == "HTTPS"
                && e[2].attributes["app"] == "HTTPS.BROWSER" && e[2].attributes["protocol"] == "tcp")
        #expect(e[4].attributes["logid"] == "0101039947" && e[4].attributes["cef_signature"] == "39947"
                && e[4].attributes["cef_name"] == "event:vpn tunnel-up" && e[4].attributes["group"] == "test")
        #expect(e[4].dst == Endpoint() && e[4].host == "FortiGate-81E")
        #expect(e[3].attributes["reason"] == "sslvpn_login_permission_denied")

        // The same facts as the gateway's own records of the same events.
        let native = try collect("fortigate.log")
        #expect(facts(native).filter { $0.kind != "syslog.message" } == Array(facts(sink)[3...5]))
    }

    /// PAN-OS in CEF: GlobalProtect (its published format, without a Severity field), traffic, the older SYSTEM
    /// records, the Strata Logging Service's form; another product's record and a cut one stay messages.
    @Test func paloAltoInCEF() throws {
        let sink = try collect("paloalto-cef.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon", user: #"corp\vendor1"#, src: "198.51.100.20", tunnel: nil),
            Fact(kind: "auth.logon", user: #"corp\vendor1"#, src: "198.51.100.20", tunnel: "10.30.9.44"),
            Fact(kind: "auth.logon_failed", user: #"corp\guess"#, src: "203.0.113.77", tunnel: nil),
            Fact(kind: "auth.session_closed", user: #"corp\vendor1"#, src: "198.51.100.20", tunnel: "10.30.9.44"),
            Fact(kind: "vpn.address_assigned", user: #"corp\vendor5"#, src: "198.51.100.25", tunnel: "10.30.9.50"),
            Fact(kind: "net.flow_end", user: #"corp\vendor1"#, src: "10.30.9.44", tunnel: nil),
            Fact(kind: "net.connection_blocked", user: #"corp\vendor1"#, src: "10.30.9.44", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor2", src: "198.51.100.21", tunnel: nil),
            Fact(kind: "net.flow_end", user: nil, src: "10.30.9.44", tunnel: nil),
            Fact(kind: "net.flow_end", user: nil, src: "2001:db8:9::44", tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
        ])
        let e = sink.events
        // The header-less records are placed by their own time: rt in the evidence's zone (UTC here), or in dtz.
        #expect(e[4].time.iso8601(precision: .seconds) == "2021-05-04T12:00:01Z" && e[4].attributes["format"] == "cef")
        #expect(e[4].attributes["time_source"] == "the record's rt" && e[4].host == nil)
        #expect(e[8].time.iso8601(precision: .seconds) == "2021-02-27T20:16:21Z")
        #expect(e[8].attributes["time_source"] == "the record's rt in the zone dtz gives")
        #expect(e[1].attributes["machine"] == "LAPTOP-V1" && e[1].attributes["vendor"] == "paloalto-globalprotect")
        #expect(e[2].attributes["error"] == "Authentication failed: Invalid username or password")
        let rdp = e[5]
        #expect(rdp.dst == Endpoint(ip: "10.20.3.15", port: 3389) && rdp.src.port == 50514)
        #expect(rdp.attributes["bytes_sent"] == .int(4_810_233) && rdp.attributes["bytes_received"] == .int(91_822_310))
        #expect(rdp.attributes["duration_s"] == .int(1802) && rdp.attributes["session_id"] == "48211"
                && rdp.attributes["rule"] == "vpn-to-ot" && rdp.attributes["end_reason"] == "tcp-fin")
        #expect(e[6].dst == Endpoint(ip: "10.20.3.20", port: 502) && e[6].attributes["action"] == "deny")
        #expect(e[7].attributes["event"] == "globalprotectgateway-auth-succ")
        #expect(e[9].dst == Endpoint(ip: "2001:db8:3::15", port: 3389))
        #expect(e[10].message.contains("Check Point") && e[11].message.hasSuffix("|TRAF"))
    }

    /// Check Point's Log Exporter records: administrators' logons to the management, a Remote Access VPN session with
    /// its Office Mode address, the firewall's connection records; other records stay messages.
    @Test func checkPointLogExporter() throws {
        let sink = try collect("checkpoint.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon", user: "WEB_API", src: "192.168.1.153", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "i.biachi@customer.com", src: "172.28.11.213", tunnel: nil),
            Fact(kind: "auth.session_closed", user: "mario.rossi@example.org", src: "10.16.10.27", tunnel: nil),
            Fact(kind: "net.flow_start", user: nil, src: "10.0.0.2", tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor-mori", src: "198.51.100.60", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor-mori", src: "198.51.100.60", tunnel: "10.9.9.25"),
            Fact(kind: "net.connection_blocked", user: "vendor-mori", src: "10.9.9.25", tunnel: nil),
            Fact(kind: "auth.session_closed", user: "vendor-mori", src: "198.51.100.60", tunnel: "10.9.9.25"),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
        ])
        let e = sink.events
        #expect(e.prefix(3).allSatisfy { $0.attributes["access"] == "management" && $0.host == "CP-Manager" })
        #expect(e[1].attributes["detail"] == "Administrator failed to log in: Wrong Password")
        #expect(e[5].attributes["access"] == "vpn" && e[5].attributes["vendor"] == "checkpoint")
        #expect(e[6].dst == Endpoint(ip: "10.20.3.20", port: 502) && e[6].src.port == 50611
                && e[6].attributes["rule"] == "deny-ot" && e[6].attributes["protocol"] == "tcp")
        #expect(e[3].attributes["service"] == "echo-request" && e[3].attributes["protocol"] == "icmp")
        #expect(e.allSatisfy { $0.attributes["format"] == "rfc5424" && $0.attributes["sd"] == nil })
        #expect(e[8].message.hasPrefix("CheckPoint[16700]: [flags:\"131136\";"))
    }

    /// SonicWall (SonicOS): logons read by their message text (administrators', SSL VPN's), connections as flows with
    /// the SSL VPN client's user, dropped packets as refused; other records stay messages.
    @Test func sonicWall() throws {
        let sink = try collect("sonicwall.log")
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(facts(sink) == [
            Fact(kind: "auth.logon_failed", user: "admin", src: "172.16.2.2", tunnel: nil),
            Fact(kind: "auth.logon", user: "admin", src: "172.16.2.2", tunnel: nil),
            Fact(kind: "auth.session_closed", user: "admin", src: "172.16.2.2", tunnel: nil),
            Fact(kind: "net.flow_start", user: nil, src: "216.160.83.57", tunnel: nil),
            Fact(kind: "net.flow_end", user: "TheUser", src: "192.168.24.228", tunnel: nil),
            Fact(kind: "net.flow_start", user: nil, src: "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6", tunnel: nil),
            Fact(kind: "net.connection_blocked", user: nil, src: "175.16.199.1", tunnel: nil),
            Fact(kind: "syslog.message", user: nil, src: nil, tunnel: nil),
            Fact(kind: "auth.logon_failed", user: "vendor-a", src: "198.51.100.43", tunnel: nil),
            Fact(kind: "auth.logon", user: "vendor-a", src: "198.51.100.43", tunnel: nil),
        ])
        let e = sink.events
        #expect(e[0].attributes["access"] == "management" && e[0].attributes["message_id"] == "30" && e[0].src.port == 17391)
        #expect(e[9].attributes["access"] == "vpn" && e[8].attributes["access"] == "firewall")
        #expect(e[4].dst == Endpoint(ip: "67.43.156.12", port: 53) && e[4].attributes["bytes"] == .int(63 + 115)
                && e[4].attributes["duration_s"] == .int(30) && e[4].attributes["session_type"] == "sslvpnc"
                && e[4].attributes["protocol"] == "udp" && e[4].attributes["service"] == "dns")
        #expect(e[5].dst.ip == "::1")
        #expect(e[3].host == "192.168.5.1" && e[9].host == "192.0.2.10")
        #expect(e[9].time.iso8601(precision: .seconds) == "2024-03-12T10:16:33Z")
    }

    @Test func otherAndHostileLinesStayMessages() throws {
        var text = ""
        let hostile = [
            "vpn-gw openvpn[1]: MULTI_sva: pool returned IPv4=",
            "vpn-gw openvpn[1]: x/y:z MULTI_sva: pool returned IPv4=999.1.1.1, IPv6=",
            "vpn-gw openvpn[1]: MULTI: Learn: -> ",
            "fgt-1 logid=\"0101039947\" type=\"event\" subtype=\"vpn\" action=\"tunnel-up\" tunnelip=not-an-ip user=\"",
            "fgt-1 logid= type= \"\"\"===",
            "pa-1 1,GLOBALPROTECT,,,,",
            "pa-1 ,,GLOBALPROTECT," + String(repeating: ",", count: 500),
            "pcs-1 PulseSecure: - [",
            "pcs-1 PulseSecure: x - [198.51.100.1] u - VPN Tunneling: Session started for user with IPv4 address ",
            "vpn-2 charon: assigning virtual IP to peer '",
            "vpn-2 charon: 12[IKE] <rw|",
            "vpn-2 charon: 12[IKE] <rw|99999999999999999999999> received EAP identity '",
            "vpn-2 charon: 12[IKE] <> 999.1.1.1 is initiating an IKE_SA",
            "vpn-2 charon: 12[IKE] no EAP key found for hosts '' - '",
            "vpn-2 charon: 12[IKE] EAP method failed for peer ",
            "vpn-2 charon: [IKE] EAP-MS-CHAPv2 verification failed for '",
            "vpn-gw openvpn[1]: x/1.2.3.4:5 MULTI: primary virtual IP for : ",
            "vpn-gw openvpn[1]: MULTI: primary virtual IP for x/1.2.3.4:5: not-an-ip",
            "vpn-gw openvpn[1]: 1.2.3.4:5 [ Peer Connection Initiated with [AF_INET]1.2.3.4:5",
            "vpn-2 kernel: wireguard: wg0: Receiving handshake initiation from peer (",
            "bigip notice tmm1[1]: 01490500:5: ",
            "bigip notice tmm1[1]: 01490500:5: /Common/a:Common:zzzzzzzz: New session from client IP 999.1.1.1 (",
            "bigip apmd[1]: 01490549:5: 0a1b2c3d: Assigned PPP Dynamic IPv4: not-an-ip Tunnel Type:",
            "bigip apmd[1]: 01490017:6: 0a1b2c3d: AD agent: Auth (logon attempt:0): authenticate with '",
            "bigip apmd[1]: 0149XYZ0:5: 0a1b2c3d: Username 'x'",
            "se-1 [HUB \"",
            "se-1 [HUB \"P\"] The connection \"CID-1\" (IP address: 999.999.1.1, is attempting to connect to the Virtual Hub",
            "se-1 Session \"SID-X\": The DHCP server of host on another session \"SID-Y\", the new IP address ",
            "se-1 Connection \"CID-2\": The new session \"",
            "se-1 [se-1/VPN/P] (x) <SECURITY_LOG>: Connection \"CID-3\": User authentication failed. The user name",
        ]
        for (i, h) in hostile.enumerated() { text += "Jun  1 08:00:\(String(format: "%02d", i)) \(h)\n" }
        let sink = try collectSyslog(Array(text.utf8), options: ["tz": "UTC", "year": "2023"])
        #expect(sink.events.count == hostile.count)
        #expect(sink.warnings.isEmpty)
        for e in sink.events where e.kind != "syslog.message" {
            // Whatever was read must be sound: addresses are literals.
            #expect(e.src.ip.map(IPAddressText.isLiteral) ?? true)
            #expect(e.attributes["tunnel_ip"].map { IPAddressText.isLiteral($0.text) } ?? true, "\(e)")
        }
    }
}

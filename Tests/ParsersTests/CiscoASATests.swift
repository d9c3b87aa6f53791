import Foundation
import JikochoModel
import TestSupport
import Testing

@testable import Parsers

@Suite struct CiscoASATests {
    func meaning(_ message: String, program: String? = nil) -> FirewallMeaning? {
        CiscoASA.interpret(program: program, message: message)
    }

    @Test func connectionsKnowTheirInitiator() throws {
        let built = try #require(meaning(": %ASA-6-302013: Built inbound TCP connection 4412 for vpn:10.20.9.23/50122 "
                                         + "(10.20.9.23/50122) to inside:10.20.3.15/3389 (10.20.3.15/3389) (vendor-svc)"))
        #expect(built.kind == "net.flow_start" && built.user == "vendor-svc")
        #expect(built.src == Endpoint(ip: "10.20.9.23", port: 50122) && built.dst == Endpoint(ip: "10.20.3.15", port: 3389))
        #expect(built.attributes["src_interface"] == "vpn" && built.attributes["connection_id"] == "4412")
        // Outbound: the ASA names the outside (responding) side first.
        let out = try #require(meaning("Built outbound TCP connection 9 for outside:13.107.4.50/443 (13.107.4.50/443) "
                                       + "to inside:10.20.3.15/57360 (192.0.2.10/57360)", program: "%ASA-6-302013"))
        #expect(out.src == Endpoint(ip: "10.20.3.15", port: 57360) && out.dst == Endpoint(ip: "13.107.4.50", port: 443))
        let down = try #require(meaning("%FTD-6-302014: Teardown TCP connection 4412 for vpn:10.20.9.23/50122 to "
                                        + "inside:10.20.3.15/3389 duration 0:10:17 bytes 5200311 TCP FINs (vendor-svc)"))
        #expect(down.kind == "net.flow_end" && down.attributes["duration_s"] == .int(617))
        #expect(down.attributes["bytes"] == .int(5_200_311) && down.attributes["reason"] == "TCP FINs")
        #expect(down.attributes["vendor"] == "cisco-ftd")
        let deny = try #require(meaning("%ASA-4-106023: Deny tcp src outside:203.0.113.9/40804 dst inside:10.20.3.15/23 "
                                        + "by access-group \"outside_access_in\" [0x0, 0x0]"))
        #expect(deny.kind == "net.connection_blocked" && deny.attributes["acl"] == "outside_access_in")
        #expect(deny.src.ip == "203.0.113.9" && deny.dst.port == 23)
    }

    @Test func vpnSessionsGiveTheOutsideAddressAndTheAssignedOne() throws {
        let assigned = try #require(meaning("%ASA-6-722051: Group <GP-Vendors> User <vendor-svc> IP <198.51.100.77> "
                                            + "IPv4 Address <10.20.9.23> IPv6 address <::> assigned to session"))
        #expect(assigned.kind == "vpn.address_assigned" && assigned.user == "vendor-svc")
        #expect(assigned.src.ip == "198.51.100.77" && assigned.dst.ip == "10.20.9.23")
        #expect(assigned.attributes["group"] == "GP-Vendors" && assigned.attributes["tunnel_ip"] == "10.20.9.23")
        // A session given only an IPv6 address: the IPv4 field's 0.0.0.0 is no address; an IPv6 client's source too.
        let v6 = try #require(meaning("%ASA-6-722051: Group <GP-Vendors> User <vendor-v6> IP <2001:db8:7::20> "
                                      + "IPv4 Address <0.0.0.0> IPv6 address <2001:db8:a::9> assigned to session"))
        #expect(v6.src.ip == "2001:db8:7::20" && v6.dst.ip == "2001:db8:a::9" && v6.attributes["tunnel_ip"] == "2001:db8:a::9")
        #expect(meaning("%ASA-6-722051: Group <G> User <u> IP <198.51.100.7> IPv4 Address <0.0.0.0> IPv6 address <::> assigned to session")?
            .kind != "vpn.address_assigned")
        let start = try #require(meaning("%ASA-6-113039: Group <GP-Vendors> User <vendor-svc> IP <198.51.100.77> "
                                         + "AnyConnect parent session started."))
        #expect(start.kind == "vpn.session_start" && start.attributes["event"] == "AnyConnect parent session started.")
        let end = try #require(meaning("%ASA-4-113019: Group = GP-Vendors, Username = vendor-svc, IP = 198.51.100.77, "
                                       + "Session disconnected. Session Type: SSL, Duration: 0h:12m:15s, Bytes xmt: 1232211, "
                                       + "Bytes rcv: 232111, Reason: User Requested"))
        #expect(end.kind == "auth.session_closed" && end.user == "vendor-svc" && end.src.ip == "198.51.100.77")
        #expect(end.attributes["bytes_sent"] == .int(1_232_211) && end.attributes["reason"] == "User Requested")
        let ok = try #require(meaning("%ASA-6-113004: AAA user authentication Successful : server = 10.20.3.5 : user = vendor-svc"))
        #expect(ok.kind == "auth.logon" && ok.user == "vendor-svc")
        let bad = try #require(meaning("%ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : "
                                       + "server = 10.20.3.5 : user = admin : user IP = 198.51.100.77"))
        #expect(bad.kind == "auth.logon_failed" && bad.user == "admin" && bad.src.ip == "198.51.100.77")
    }

    /// The same messages behind a receiving server's header with the firewall's own stamp and name still in the
    /// message, and with their fields written without brackets.
    @Test func findsTheTagBehindAnotherHeaderAndBareFields() throws {
        let wrapped = try #require(meaning("Jun 22 2022 13:29:12: %ASA-6-113039: Group <GP> User <user-2> IP <81.2.69.145> AnyConnect parent session started."))
        #expect(wrapped.kind == "vpn.session_start" && wrapped.user == "user-2" && wrapped.src.ip == "81.2.69.145")
        let named = try #require(meaning("Jun 22 2022 13:29:12 fw-1 : %FTD-4-722051: Group <GP> User <u3> IP <198.51.100.3> IPv4 Address <10.20.9.3> IPv6 address <::> assigned to session"))
        #expect(named.kind == "vpn.address_assigned" && named.dst.ip == "10.20.9.3" && named.attributes["vendor"] == "cisco-ftd")
        let bare = try #require(meaning("%ASA-6-113039: Group VPN_USERS User example.user IP 67.43.156.14 AnyConnect parent session started."))
        #expect(bare.user == "example.user" && bare.src.ip == "67.43.156.14" && bare.attributes["group"] == "VPN_USERS")
        let bareAssigned = try #require(meaning("%ASA-4-722051: Group VPN_USERS User u4 IP 198.51.100.4 IPv4 Address 10.20.9.4 IPv6 address :: assigned to session"))
        #expect(bareAssigned.dst.ip == "10.20.9.4" && bareAssigned.user == "u4")
        // The identity firewall's user beside the mapped address; access-list entries that log a denial.
        let identity = try #require(meaning(#"%ASA-6-302015: Built inbound UDP connection 7 for outside:81.2.69.142/3424 (81.2.69.142/3424)(LOCAL\alice, 123) to inside:89.160.20.112/9803 (89.160.20.112/9803)(LOCAL\dave, 246) (bob)"#))
        #expect(identity.kind == "net.flow_start" && identity.user == "bob" && identity.attributes["src_identity"] == #"LOCAL\alice"#)
        #expect(identity.src == Endpoint(ip: "81.2.69.142", port: 3424) && identity.dst == Endpoint(ip: "89.160.20.112", port: 9803))
        #expect(identity.attributes["src_mapped"] == "81.2.69.142/3424")
        let acl = try #require(meaning("%ASA-4-106103: access-list TEST_ACL denied tcp for user 'operator' outside/198.51.100.9(51950) -> inside/10.20.3.15(3389) hit-cnt 1 first hit [0xd3e666fa, 0x0]"))
        #expect(acl.kind == "net.connection_blocked" && acl.user == "operator" && acl.attributes["acl"] == "TEST_ACL")
        #expect(acl.src == Endpoint(ip: "198.51.100.9", port: 51950) && acl.dst == Endpoint(ip: "10.20.3.15", port: 3389))
        let plain = try #require(meaning("%ASA-6-106100: access-list outside_in denied tcp outside/198.51.100.9(40000) -> inside/10.20.3.15(23) hit-cnt 1 first hit [0x0, 0x0]"))
        #expect(plain.user == nil && plain.dst.port == 23)
        #expect(meaning("%ASA-6-106100: access-list outside_in permitted tcp outside/198.51.100.9(40000) -> inside/10.20.3.15(23) hit-cnt 1") == nil)
        #expect(meaning("%ASA-6-106100: access-list outside_in denied tcp outside/not-an-ip(40000) -> inside/10.20.3.15(23)") == nil)

        // Text that only mentions a tag far into it, or glued to a word, is not an ASA message.
        #expect(meaning("user wrote about %ASA-6-113039: in a ticket") == nil)
        #expect(meaning("Jun 22 2022 13:29:12 x%ASA-6-113039: y") == nil)
        #expect(meaning(String(repeating: "a ", count: 60) + "%ASA-6-113039: Group <G> User <u> IP <1.2.3.4> x") == nil)
    }

    @Test func hostileAndForeignLinesAreLeftToTheGenericKind() {
        for m in ["", "%ASA-6-302013:", "%ASA-6-302013: Built", "%ASA-6-30201: x", "%ASA-66-302013: x",
                  "%ASA-6-722051: Group <a> User <b> IP <not-an-ip> IPv4 Address <nor-this> assigned",
                  "%ASA-6-302013: Built inbound TCP connection 1 for a:b/c to d:e/f",
                  "%ASA-6-106023: Deny tcp src outside:1.2.3.4/99999999999999999999 dst x",
                  "%XYZ-6-302013: Built inbound TCP connection 1 for a:1.2.3.4/1 to b:5.6.7.8/2",
                  String(repeating: "<", count: 10_000), String(repeating: "Group <", count: 5_000)] {
            let r = meaning(m)
            #expect(r == nil || r?.kind == "net.connection_blocked", "\(m.prefix(80))")
        }
        // A valid message id that this reader does not interpret keeps the generic kind.
        #expect(meaning("%ASA-6-605005: Login permitted from 10.0.0.5/5122 to inside:10.0.0.1/ssh for user \"admin\"") == nil)
    }

    /// Found by FuzzSyslog (Fuzz/Regressions/FuzzSyslog/asa-unclosed-angle-bracket): a `<` that is never closed
    /// made the reader of `Group <g> User <u> IP <…>` fields stand still forever. Each turn now consumes input.
    @Test func anUnclosedAngleBracketEnds() throws {
        let regression = TestPaths.repoRoot.appendingPathComponent("Fuzz/Regressions/FuzzSyslog/asa-unclosed-angle-bracket")
        let bytes = try [UInt8](Data(contentsOf: regression))
        let line = String(decoding: bytes, as: UTF8.self)
        let r = bytes.withUnsafeBufferPointer { SyslogParser.parse($0, year: 2021) }
        let record = try #require(r)
        #expect(CiscoASA.interpret(program: record.program, message: record.message) == nil)
        #expect(CiscoASA.angleFields("Group <a> User <b> IP <1.2.3.4 and no end") == ["Group": "a", "User": "b"])
        #expect(line.contains("IP <198.51.100"))
    }
}

/// The byte search the log recognizers share (`byteRange`, `hasBytes`): first and last matches, overlapping ones,
/// needles at either end, longer than the text or empty, and text that is not ASCII (offsets stay on characters).
@Suite struct ByteSearchTests {
    @Test func findsWhatAByteLoopWouldAndNothingElse() {
        let s = "aaXaaXaa"
        #expect(s.byteRange(of: "aa").map { s.distance(from: s.startIndex, to: $0.lowerBound) } == 0)
        #expect(s.byteRange(of: "aa", last: true).map { s.distance(from: s.startIndex, to: $0.lowerBound) } == 6)
        let overlapping = "aaaa"
        #expect(overlapping.byteRange(of: "aa", last: true).map { overlapping.distance(from: overlapping.startIndex, to: $0.lowerBound) } == 2)
        #expect("abc".byteRange(of: "abcd") == nil)
        #expect("abc".byteRange(of: "") == nil)
        #expect("".byteRange(of: "a") == nil)
        #expect("abc".hasBytes("c") && "abc".hasBytes("abc") && !"abc".hasBytes("cb"))
        let jp = "ユーザー admin から ログイン失敗"
        let r = jp.byteRange(of: "から")
        #expect(r.map { String(jp[$0]) } == "から")
        #expect(jp.byteRange(of: "admin").map { String(jp[$0.upperBound...]) } == " から ログイン失敗")
        // A substring's offsets are its own.
        let tail = jp.drop { $0 != "a" }
        #expect(tail.byteRange(of: "から").map { String(tail[..<$0.lowerBound]) } == "admin ")
        // Exhaustively against a plain loop on short texts over a small alphabet.
        let alphabet: [Character] = ["a", "b", "é"]
        var texts = [""]
        for _ in 0..<5 { texts = texts + texts.flatMap { t in alphabet.map { t + String($0) } }.filter { $0.count <= 5 } }
        for t in Set(texts) {
            for n in ["a", "ab", "ba", "aa", "é", "aé"] {
                let tb = Array(t.utf8), nb = Array(n.utf8)
                let starts = tb.count < nb.count ? [] : (0...(tb.count - nb.count)).filter { Array(tb[$0..<($0 + nb.count)]) == nb }
                func offset(_ r: Range<String.Index>?) -> Int? { r.map { t.utf8.distance(from: t.startIndex, to: $0.lowerBound) } }
                #expect(offset(t.byteRange(of: n)) == starts.first, "\(t) \(n)")
                #expect(offset(t.byteRange(of: n, last: true)) == starts.last, "\(t) \(n) last")
            }
        }
    }
}

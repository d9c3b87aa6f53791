import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// The IT decoders against Wireshark (golden files from scripts/oracles/pcap_goldens.py).
@Suite(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
struct PcapITOracleTests {
    static func index(_ sink: MemorySink, _ prefix: String) -> (req: [Int: [Event]], resp: [Int: [Event]]) {
        var req: [Int: [Event]] = [:], resp: [Int: [Event]] = [:]
        for e in sink.events where e.kind.hasPrefix(prefix) {
            if let r = e.int("request_packet") { req[r, default: []].append(e) }
            if let r = e.int("response_packet") { resp[r, default: []].append(e) }
        }
        return (req, resp)
    }

    /// Every DNS message: id, QR bit, rcode, query name and type, answer count, A/AAAA/CNAME/TXT answers.
    @Test(arguments: ["pcaps/it/dns_tunnel_queries.pcap", "pcaps/it/smb2_psexec_add_user.pcap"])
    func dnsMatchesTshark(_ capture: String) throws {
        let golden = try #require(Golden.load(capture, "dns"))
        let sink = try collectPcap(path: TestPaths.dataset(capture), options: ["aggregate": "off"])
        let (req, resp) = Self.index(sink, "dns.")
        let icmp = Set((Golden.load(capture, "packets")?.rows ?? []).filter { $0["ip.proto"]?.hasPrefix("1,") == true }.map { Int($0["frame.number"]!)! })
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            if icmp.contains(frame) { continue }   // a DNS message quoted in an ICMP error: not decoded as a message
            let at = "\(capture) frame \(frame)"
            let isResponse = row["dns.flags.response"] == "1"
            let e = try #require((isResponse ? resp[frame] : req[frame])?.first, "\(at): no event")
            #expect(e.int("id") == tsharkInt(row["dns.id"]), "\(at) id")
            #expect(e.string("query") == row["dns.qry.name"], "\(at) name")
            #expect(e.int("query_type_code").map(String.init) == row["dns.qry.type"], "\(at) type")
            if isResponse {
                #expect(e.int("rcode").map(String.init) == row["dns.flags.rcode"], "\(at) rcode")
                #expect(e.int("answer_count").map(String.init) == row["dns.count.answers"], "\(at) answer count")
                guard case .array(let answers)? = e.attributes["answers"] else { continue }
                func data(_ type: String) -> String? {
                    let v = answers.compactMap { a -> String? in
                        guard case .object(let o) = a, o["type"] == .string(type), case .string(let d)? = o["data"] else { return nil }
                        if case .array(let parts)? = o["strings"] { return parts.map(\.text).joined(separator: ",") }
                        return d
                    }
                    return v.isEmpty ? nil : v.joined(separator: ",")
                }
                #expect(data("A") == row["dns.a"], "\(at) A")
                #expect(data("AAAA") == row["dns.aaaa"], "\(at) AAAA")
                #expect(data("CNAME") == row["dns.cname"], "\(at) CNAME")
                if let txt = row["dns.txt"] { #expect(data("TXT") == txt, "\(at) TXT") }
            }
        }
    }

    /// HTTP requests and responses: method, URI, version, Host, User-Agent; status, content type and length.
    @Test func httpMatchesTshark() throws {
        let capture = "pcaps/it/http_get.pcap"
        let golden = try #require(Golden.load(capture, "http"))
        let sink = try collectPcap(path: TestPaths.dataset(capture))
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        var (req, resp) = Self.index(sink, "http.")
        // Wireshark shows a response in the frame that completes its body.
        for e in sink.events where e.kind == "http.request" { if let end = e.int("response_end_packet") { resp[end, default: []].append(e) } }
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            if let m = row["http.request.method"] {
                let e = try #require(req[frame]?.first, "frame \(frame): no event")
                #expect(e.string("method") == m && e.string("uri") == row["http.request.uri"])
                #expect(e.string("version") == row["http.request.version"] && e.string("host") == row["http.host"])
                #expect(e.string("user_agent") == row["http.user_agent"])
            } else {
                let e = try #require(resp[frame]?.first, "frame \(frame): no event")
                #expect(e.int("status").map(String.init) == row["http.response.code"])
                #expect(e.string("response_content_type") == row["http.content_type"])
                #expect(e.int("response_content_length").map(String.init) == row["http.content_length"])
                #expect(e.int("response_body_bytes").map(String.init) == row["http.content_length"])
            }
        }
    }

    /// TLS hellos: version, SNI, cipher suites, extensions, JA3 (with its string) and JA3S equal Wireshark's.
    @Test func tlsMatchesTshark() throws {
        let capture = "pcaps/it/tls_handshake.pcap"
        let golden = try #require(Golden.load(capture, "tls"))
        let sink = try collectPcap(path: TestPaths.dataset(capture), options: ["aggregate": "off"])
        let (req, resp) = Self.index(sink, "tls.")
        var clients = 0
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let at = "frame \(frame)"
            if row["tls.handshake.type"] == "1" {
                let e = try #require(req[frame]?.first, "\(at): no event")
                clients += 1
                #expect(e.int("record_version") == tsharkInt(row["tls.handshake.version"]), "\(at) version")
                #expect(e.string("server_name") == row["tls.handshake.extensions_server_name"], "\(at) SNI")
                let suites = (e.list("cipher_suites") ?? "").split(separator: ",").map { "0x" + String(Int($0)!, radix: 16).leftPad(4) }
                #expect(suites.joined(separator: ",") == row["tls.handshake.ciphersuite"], "\(at) cipher suites")
                #expect(e.list("extensions") == row["tls.handshake.extension.type"], "\(at) extensions")
                #expect(e.string("ja3_string") == row["tls.handshake.ja3_full"], "\(at) JA3 string")
                #expect(e.string("ja3") == row["tls.handshake.ja3"], "\(at) JA3")
                #expect(e.string("ja4")?.hasPrefix("t12i") == true, "\(at) JA4")
            } else {
                let e = try #require(resp[frame]?.first, "\(at): no event")
                #expect(e.string("ja3s") == row["tls.handshake.ja3s"], "\(at) JA3S")
                #expect(e.int("server_cipher") == tsharkInt(row["tls.handshake.ciphersuite"]), "\(at) cipher")
            }
        }
        #expect(clients == 5)
    }

    /// RDP's X.224 connection request: the mstshash cookie and the protocols asked for.
    @Test func rdpMatchesTshark() throws {
        let capture = "pcaps/it/rdp_session.pcap"
        let golden = try #require(Golden.load(capture, "rdp"))
        let sink = try collectPcap(path: TestPaths.dataset(capture))
        let (req, _) = Self.index(sink, "rdp.")
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            guard let cookie = row["rdp.rt_cookie"] else { continue }
            let e = try #require(req[frame]?.first, "frame \(frame): no event")
            #expect(e.string("cookie") == cookie.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(e.user == nil || e.string("user") != nil)
        }
    }
}

/// JA4 against the worked example of FoxIO's specification (Chrome's ClientHello).
@Test func ja4HashesTheSpecificationsExample() {
    var f: Attributes = [
        "ja3_string": "771,4865,0",
        "ja4_a": "t13d1516h2",
        "ja4_ciphers": "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9",
        "ja4_extensions": "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
    ]
    PcapCollector.fingerprints(&f)
    #expect(f["ja4"] == "t13d1516h2_8daaf6152771_e5627efa2ab1")
}

extension PcapITOracleTests {
    /// SMB2 in a PsExec session: command, message id, session, status; share of tree connects and of later
    /// messages, file and pipe names of creates.
    @Test func smb2MatchesTshark() throws {
        let capture = "pcaps/it/smb2_psexec_add_user.pcap"
        let golden = try #require(Golden.load(capture, "smb2"))
        let sink = try collectPcap(path: TestPaths.dataset(capture), options: ["aggregate": "off"])
        #expect(sink.warnings.filter { !$0.text.contains("not IP") }.isEmpty, "\(sink.warnings)")
        let (req, resp) = Self.index(sink, "smb.")
        for row in golden.rows {
            let frame = Int(row["frame.number"]!)!
            let at = "frame \(frame)"
            let isResponse = row["smb2.flags.response"] == "1"
            guard let e = (isResponse ? resp[frame] : req[frame])?.first else {
                // An interim STATUS_PENDING answer is not an event; the final answer is.
                if row["smb2.nt_status"] == "0x00000103" { continue }
                Issue.record("\(at): no event")
                continue
            }
            #expect(e.int("command").map(String.init) == row["smb2.cmd"], "\(at) command")
            #expect(e.int("message_id").map(String.init) == row["smb2.msg_id"], "\(at) message id")
            if isResponse {
                #expect(e.string("session_id") == row["smb2.sesid"], "\(at) session")
                if let s = tsharkInt(row["smb2.nt_status"]) {
                    #expect(e.string("status") == SMB2.statusName(UInt32(s)), "\(at) status")
                }
            } else {
                if let t = row["smb2.tree"] { #expect(e.string("share") ?? e.string("tree") == t, "\(at) tree") }
                if let n = row["smb2.filename"] { #expect(e.string("file_name") == n, "\(at) file name") }
            }
        }
        let kinds = Set(sink.events.map(\.kind))
        #expect(kinds.contains("smb.pipe_open") && kinds.contains("smb.tree_connect") && kinds.contains("smb.smb1"))
        let admin = sink.events.first { $0.kind == "smb.create" && $0.string("file_name") == "PSEXESVC.exe" }
        #expect(admin?.string("tree") == "\\\\dc1\\ADMIN$")
    }
}

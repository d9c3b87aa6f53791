@testable import Collectors
import Foundation
import JikochoModel
import Parsers
import TestSupport
import Testing

/// `log/remote-control`: TeamViewer's and AnyDesk's connection lists (the fixtures of Tests/Fixtures/remote-control,
/// published lines named in its SOURCES.md) into remote-control sessions, in UTF-8 or UTF-16.
@Suite struct RemoteControlLogCollectorTests {
    static func fixture(_ name: String) -> String {
        TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/remote-control/\(name)").path
    }

    func collect(path: String, name: String? = nil, options: [String: String] = [:]) throws -> MemorySink {
        let item = EvidenceItem(id: 1, sha256: String(repeating: "0", count: 64), size: 0,
                                name: name ?? URL(fileURLWithPath: path).lastPathComponent, originalPath: path,
                                acquiredAt: Timestamp(seconds: 1_700_000_000), examiner: "t")
        let sink = MemorySink()
        try RemoteControlLogCollector().collect(EvidenceSource(item: item, path: path, options: options), into: sink)
        return sink
    }

    func probe(_ path: String, name: String? = nil) throws -> EvidenceProbe {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(EvidenceProbe.headSize))
        return EvidenceProbe(name: name ?? URL(fileURLWithPath: path).lastPathComponent, mimeType: "text/plain", head: bytes)
    }

    @Test func identifiesBothListsInEitherEncodingAndNothingElse() throws {
        for f in ["teamviewer/Connections_incoming.txt", "anydesk-2014/connection_trace.txt", "anydesk-utf16/connection_trace.txt"] {
            let p = try probe(Self.fixture(f))
            #expect(RemoteControlLogCollector.identify(p) == .certain, "\(f)")
            #expect(CollectorRegistry.identify(p) == RemoteControlLogCollector.self, "\(f)")
            // Renamed (an analyst's copy): still read, on its content.
            #expect(RemoteControlLogCollector.identify(try probe(Self.fixture(f), name: "ews-1.txt")) == .likely, "\(f)")
        }
        let syslog = EvidenceProbe(name: "connections.txt", mimeType: "text/plain", head: Array("Feb  5 08:33:12 h sshd[1]: x\n".utf8))
        #expect(RemoteControlLogCollector.identify(syslog) == .no)
        #expect(RemoteControlLogCollector.identify(EvidenceProbe(name: "x", mimeType: nil, head: [])) == .no)
    }

    @Test func teamViewersSessionsStartAndEnd() throws {
        let sink = try collect(path: Self.fixture("teamviewer/Connections_incoming.txt"), options: ["host": "hmi-1", "tz": "UTC"])
        #expect(sink.warnings.isEmpty, "\(sink.warnings)")
        #expect(sink.events.map(\.kind) == ["remote.control_start", "remote.control_end", "remote.control_start", "remote.control_end"])
        let s = sink.events[0]
        #expect(s.time == Timestamp(seconds: 1_720_067_656) && sink.events[1].time == Timestamp(seconds: 1_720_067_696))
        #expect(s.host == "hmi-1" && s.user == nil && s.src.ip == nil && s.domain == .it)
        #expect(s.attributes["tool"] == "teamviewer" && s.attributes["direction"] == "incoming")
        #expect(s.attributes["partner_id"] == "565955529" && s.attributes["partner_name"] == "a1l4m")
        #expect(s.attributes["local_user"] == "mmox" && s.attributes["connection_type"] == "RemoteControl")
        #expect(s.attributes["session_id"] == "{6460e19e-cffe-46d9-9fa6-1803f93f15f4}")
        #expect(s.attributes["end_time"] == "2024-07-04T04:34:56Z" && s.attributes["duration_s"] == .int(40))
        #expect(s.message == "TeamViewer: remote control from partner 565955529 \"a1l4m\" at mmox's desktop until "
                + "2024-07-04T04:34:56Z (40 s), session {6460e19e-cffe-46d9-9fa6-1803f93f15f4}")
        #expect(s.provenance.locator == "line 1 @0x0" && sink.events[2].provenance.locator.hasPrefix("line 2 @0x"))
        // Read in the host's zone when it is declared.
        let tokyo = try collect(path: Self.fixture("teamviewer/Connections_incoming.txt"), options: ["tz": "Asia/Tokyo"])
        #expect(tokyo.events[0].time == Timestamp(seconds: 1_720_067_656 - 9 * 3600))
        // No zone declared: UTC, and one warning says so.
        let bare = try collect(path: Self.fixture("teamviewer/Connections_incoming.txt"))
        #expect(bare.warnings.map(\.text) == ["no time zone declared for this evidence; local times were read as UTC (pass --tz to declare it)"])
    }

    @Test func anyDesksListsInUTF8AndUTF16() throws {
        let old = try collect(path: Self.fixture("anydesk-2014/connection_trace.txt"), options: ["tz": "UTC"])
        #expect(old.warnings.isEmpty, "\(old.warnings)")
        #expect(old.events.map(\.kind) == Array(repeating: "remote.control_start", count: 3))
        #expect(old.events.map { $0.attributes["authentication"]?.text } == ["User", "Token", "Passwd"])
        #expect(old.events[0].time == Timestamp(seconds: 1_416_973_560) && old.events[0].attributes["time_precision"] == "minute")
        #expect(old.events[0].message == "AnyDesk: session from partner 654321 \"user1@ad\", accepted by the person at the console")
        let recent = try collect(path: Self.fixture("anydesk-utf16/connection_trace.txt"), options: ["tz": "UTC"])
        #expect(recent.warnings.isEmpty, "\(recent.warnings)")
        #expect(recent.events.map(\.kind) == ["remote.control_start", "remote.control_failed"])
        #expect(recent.events[0].time == Timestamp(seconds: 1_708_115_340))
        #expect(recent.events[1].message == "AnyDesk: incoming connection from 221436813 rejected at the console")
        #expect(recent.events[1].provenance.locator == "line 2 @0xb6")
        // The same list with a byte-order mark, and big-endian, reads the same.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture("anydesk-utf16/connection_trace.txt"))))
        let tmp = TempDir()
        let bom = try collect(path: tmp.file("connection_trace.txt", [0xFF, 0xFE] + bytes), options: ["tz": "UTC"])
        #expect(bom.events.map(\.message) == recent.events.map(\.message) && bom.warnings.isEmpty)
        var be = bytes
        for i in stride(from: 0, to: be.count - 1, by: 2) { be.swapAt(i, i + 1) }
        let big = try collect(path: tmp.file("be/connection_trace.txt", be), options: ["tz": "UTC"])
        #expect(big.events.map(\.message) == recent.events.map(\.message) && big.warnings.isEmpty)
    }

    @Test func aListsDateOrderAndDirectionComeFromTheListAndItsName() throws {
        let tmp = TempDir()
        let monthFirst = "1\tA\t03-13-2024 10:00:00\t03-13-2024 10:05:00\tu\tRemoteControl\t{g}\t\n"
            + "1\tA\t03-02-2024 10:00:00\t03-02-2024 10:05:00\tu\tRemoteControl\t{h}\t\n"
        let m = try collect(path: tmp.file("Connections_incoming.txt", monthFirst), options: ["tz": "UTC"])
        #expect(m.warnings.isEmpty, "\(m.warnings)")
        #expect(m.events.map { $0.time.civil().month } == [3, 3, 3, 3] && m.events[2].time.civil().day == 2)
        // Dates that cannot agree: day first, with a warning.
        let mixed = "1\tA\t13-03-2024 10:00:00\t13-03-2024 10:05:00\tu\tRemoteControl\t{g}\t\n" + monthFirst
        let x = try collect(path: tmp.file("mixed/Connections_incoming.txt", mixed), options: ["tz": "UTC"])
        #expect(x.warnings.count == 2 && x.warnings[0].text.hasPrefix("the list's dates are day first on some lines"))
        #expect(x.warnings[1].text.hasPrefix("not a TeamViewer connection list line (impossible time"))
        // The host's own outgoing sessions (Connections.txt), and a list whose name does not say.
        let line = "565955529\ta1l4m\t04-07-2024 04:34:16\t04-07-2024 04:34:56\tmmox\tRemoteControl\t{g}\t\n"
        let out = try collect(path: tmp.file("Connections.txt", line), options: ["tz": "UTC"])
        #expect(out.events.allSatisfy { $0.attributes["direction"] == "outgoing" } && out.warnings.isEmpty)
        #expect(out.events[0].message.hasPrefix("TeamViewer: remote control of partner 565955529 \"a1l4m\" from this host by mmox"))
        let unnamed = try collect(path: tmp.file("ews-1-tv.txt", line + line), options: ["tz": "UTC"])
        #expect(unnamed.events[0].attributes["direction"] == "incoming")
        #expect(unnamed.warnings.map(\.text) == ["the file's name does not say whether it lists incoming sessions "
                                                 + "(Connections_incoming.txt) or outgoing ones (Connections.txt): read as incoming"])
        // Other connection types are sessions of their own kinds.
        let types = "1\tA\t04-07-2024 04:34:16\t04-07-2024 04:34:56\tu\tFileTransfer\t{g}\t\n1\tA\t04-07-2024 05:34:16\t04-07-2024 05:34:56\tu\tMeeting\t{h}\t\n"
        let t = try collect(path: tmp.file("t/Connections_incoming.txt", types), options: ["tz": "UTC"])
        #expect(t.events.map(\.kind) == ["remote.file_transfer_start", "remote.file_transfer_end", "remote.session_start", "remote.session_end"])
        #expect(throws: CollectorError.self) {
            _ = try collect(path: tmp.file("u/Connections_incoming.txt", line), options: ["remote-control.date-order": "ymd"])
        }
    }

    /// Hostile lists: lines that are no records, impossible and backwards times, odd bytes and unpaired surrogates
    /// in UTF-16, a line of 2 MiB: warnings with their line, the good records around them kept.
    @Test func hostileListsGiveWarningsNotCrashes() throws {
        let tmp = TempDir()
        let good = "565955529\ta1l4m\t04-07-2024 04:34:16\t04-07-2024 04:34:56\tmmox\tRemoteControl\t{g}\t\n"
        var text = good
        text += "garbage that is no record\n"
        text += "565955529\ta1l4m\t04-07-2024 05:34:16\t04-07-2024 04:34:56\tmmox\tRemoteControl\t{b}\t\n"   // ends first
        text += "565955529\ta1l4m\t30-02-2024 05:34:16\t30-02-2024 06:34:16\tmmox\tRemoteControl\t{c}\t\n"
        text += String(repeating: "x", count: 2 << 20) + "\n"
        text += good
        let sink = try collect(path: tmp.file("Connections_incoming.txt", text), options: ["tz": "UTC"])
        #expect(sink.events.map(\.kind) == ["remote.control_start", "remote.control_end", "remote.control_start",
                                            "remote.control_start", "remote.control_end"])
        #expect(sink.events[2].attributes["end_time"] == nil)
        let texts = sink.warnings.map(\.text)
        #expect(texts.count == 5, "\(texts)")
        #expect(texts[0].hasPrefix("not a TeamViewer connection list line (fewer than four tab-separated fields)"))
        #expect(texts[1].hasPrefix("the session ends (2024-07-04T04:34:56Z) before it starts"))
        #expect(texts[2].hasPrefix("not a TeamViewer connection list line (impossible time"))
        #expect(texts[3].hasPrefix("line longer than"))
        #expect(sink.warnings.map(\.locator).allSatisfy { $0.hasPrefix("line ") })
        // UTF-16 cut in the middle of a code unit, with an unpaired surrogate in a name.
        var u16: [UInt8] = []
        for u in "Incoming    2024-02-16, 20:29    User    ".utf16 + [0xD800] + "x    221436813\r\n".utf16 + "Incoming    2024-02-16, 20:3".utf16 {
            u16 += [UInt8(u & 0xFF), UInt8(u >> 8)]
        }
        u16.append(0x31)
        let cut = try collect(path: tmp.file("c/connection_trace.txt", u16), options: ["tz": "UTC"])
        #expect(cut.events.count == 1 && cut.events[0].attributes["partner_name"] == "\u{FFFD}x")
        #expect(cut.warnings.count == 1 && cut.warnings[0].locator.hasPrefix("line 2 "), "\(cut.warnings)")
        // Nothing at all of either list: nothing emitted, every line said.
        let none = try collect(path: tmp.file("n/connection_trace.txt", "hello\nworld\n"), options: ["tz": "UTC"])
        #expect(none.events.isEmpty && none.warnings.map { String($0.locator.prefix(6)) } == ["line 1", "line 2"])
    }
}

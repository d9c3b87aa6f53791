@testable import Parsers
import Testing

/// Check Point's `[key:"value"; …]` records read from hostile text: cut values, missing quotes, escapes at the end,
/// floods of pairs; never a crash, at most 512 fields, nothing taken from a record that is not one.
@Suite struct CheckPointTests {
    @Test func fieldsOfCutAndHostileRecords() {
        #expect(CheckPoint.fields(#"[action:"Accept"; src:"10.0.0.2"]"#) == ["action": "Accept", "src": "10.0.0.2"])
        // An escaped quote and bracket stay in the value; a value cut at the end of the line keeps what it has.
        #expect(CheckPoint.fields(#"[policy:"a\"b\]c"; src:"10.0"#) == ["policy": #"a"b]c"#, "src": "10.0"])
        #expect(CheckPoint.fields(#"[action:"Accept"; broken; src:"1.2.3.4"]"#) == ["action": "Accept"])
        #expect(CheckPoint.fields(#"[key:"ends in a backslash\"#) == ["key": #"ends in a backslash\"#])
        for notRecord in ["", "[", "[]", "action:\"Accept\"", "[no colon]", "[:\"x\"]", "[key:no quote]"] {
            #expect(CheckPoint.fields(Substring(notRecord)) == nil, "\(notRecord)")
        }
        let flood = "[" + (0..<5_000).map { "k\($0):\"v\"" }.joined(separator: "; ") + "]"
        #expect(CheckPoint.fields(Substring(flood))?.count == 512)
        // A repeated key keeps its first value.
        #expect(CheckPoint.fields(#"[user:"a"; user:"b"]"#)?["user"] == "a")
    }

    @Test func accountsAndRecordsOfNoMeaning() {
        #expect(CheckPoint.account("Doe, John (jdoe)") == "jdoe" && CheckPoint.account("jdoe") == "jdoe"
                && CheckPoint.account("()") == "()")
        #expect(CheckPoint.interpret(["action": "Accept", "product": "Anti Malware", "src": "10.0.0.3", "dst": "1.2.3.4"]) == nil)
        #expect(CheckPoint.interpret(["action": "Accept", "product": "VPN-1 & FireWall-1", "src": "not-an-ip", "dst": "1.2.3.4"]) == nil)
    }
}

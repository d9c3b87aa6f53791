import Foundation
import Testing

@testable import JikochoModel

@Suite struct JSONValueTests {
    @Test func canonicalFormSortsKeysAndHasNoWhitespace() {
        let v: JSONValue = ["b": 1, "a": ["z": true, "y": .null], "c": [1, "two", 3.5]]
        #expect(v.canonicalJSON == #"{"a":{"y":null,"z":true},"b":1,"c":[1,"two",3.5]}"#)
    }

    @Test func escapesWhatJSONRequiresAndNothingElse() {
        let v = JSONValue.string("quote\" back\\ nl\n tab\t bell\u{07} del\u{7F} 日本 é")
        #expect(v.canonicalJSON == #""quote\" back\\ nl\n tab\t bell\u0007 del\u007f 日本 é""#)
    }

    @Test func nonFiniteNumbersBecomeNullAndDoublesStayDoubles() throws {
        #expect(JSONValue.double(.infinity).canonicalJSON == "null")
        #expect(JSONValue.double(.nan).canonicalJSON == "null")
        #expect(JSONValue.double(42).canonicalJSON == "42.0")
        #expect(JSONValue.double(1e-5).canonicalJSON == "1e-05")
        // Foundation reads 42.0 back as a number; that it stays a double is checked by the Parsers tests.
        for v: JSONValue in [.double(42), .double(-0.5), .double(1e300), .int(42)] {
            let n = try JSONSerialization.jsonObject(with: Data(v.canonicalJSON.utf8), options: .fragmentsAllowed)
            #expect((n as? NSNumber)?.doubleValue == Double(v.canonicalJSON))
        }
        #expect(JSONValue.int(Int64.min).canonicalJSON == "-9223372036854775808")
    }

    /// Oracle: Foundation's JSON parser reads back what we write, keys and escapes included.
    @Test func foundationParsesWhatWeWrite() throws {
        let v: JSONValue = ["k\u{1}ey": "v\u{0}al\r", "n": -12, "arr": [false, 0.25]]
        let parsed = try JSONSerialization.jsonObject(with: Data(v.canonicalJSON.utf8)) as? [String: Any]
        #expect(parsed?["k\u{1}ey"] as? String == "v\u{0}al\r")
        #expect((parsed?["n"] as? NSNumber)?.intValue == -12)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(v.canonicalJSON.utf8))
        #expect(decoded.canonicalJSON == v.canonicalJSON)
    }

    /// The fast paths (digits without a String, strings copied whole, keys compared with memcmp) write the same bytes
    /// as the plain definitions they replace.
    @Test func fastPathsWriteWhatThePlainDefinitionsWould() {
        for i: Int64 in [0, 1, -1, 9, 10, -10, 1_234_567_890, .max, .min, .max - 1, .min + 1] {
            #expect(JSONValue.int(i).canonicalJSON == String(i))
        }
        let keys = ["b", "a", "ab", "", "é", "z", "Z", "a\u{0}", "日本", "_", "10", "9"]
        let o = JSONValue.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.int(1)) }))
        let order = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(o.canonicalJSON == "{" + order.map { "\(JSONValue.string($0).canonicalJSON):1" }.joined(separator: ",") + "}")
        #expect(JSONValue.string("plain text, 日本語").canonicalJSON == "\"plain text, 日本語\"")
        #expect(JSONValue.string("a\"b\\c\n\u{7F}").canonicalJSON == "\"a\\\"b\\\\c\\n\\u007f\"")
    }

    /// Digits written without a String give what `String(_:radix:)` gives, and integers what `String(_:)` gives.
    @Test(arguments: [2, 10, 16])
    func digitsAreWhatStringGives(radix: Int) {
        for v: UInt64 in [0, 1, 9, 10, 15, 16, 255, 65_535, 1 << 32, UInt64(Int64.max), .max] {
            var out: [UInt8] = []
            JSONValue.writeDigits(v, radix: UInt64(radix), into: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v, radix: radix))
        }
        for i: Int64 in [0, -1, 7, -128, .min, .max] {
            var out: [UInt8] = []
            JSONValue.writeInt(i, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(i))
        }
    }
}

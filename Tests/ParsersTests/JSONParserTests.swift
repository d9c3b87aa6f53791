import Foundation
import JikochoModel
import Parsers
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValueKeepingNumberTypes() throws {
        let v = try JSONParser().parse(#" {"a": [1, -2, 3.0, -0.5e3, 1E2], "b": {"c": null, "d": true, "e": false}, "s": "x\"\\\/\b\f\n\r\tй\u00e9\ud83d\ude00"} "#)
        #expect(v == ["a": [.int(1), .int(-2), .double(3), .double(-500), .double(100)],
                      "b": ["c": .null, "d": true, "e": false],
                      "s": .string("x\"\\/\u{8}\u{C}\n\r\tйé😀")])
    }

    /// Whatever we write canonically reads back as the same value (doubles stay doubles).
    @Test func roundTripsCanonicalText() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let v = JSONValue.object([
                "i": .int(Int64.random(in: .min ... .max, using: &rng)),
                "d": .double(Double.random(in: -1e12...1e12, using: &rng)),
                "w": .double(Double(Int.random(in: -1000...1000, using: &rng))),
                "s": .string(String((0..<8).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &rng))) })),
            ])
            #expect(try JSONParser().parse(v.canonicalJSON) == v)
        }
    }

    /// Oracle: Foundation accepts and rejects the same documents, except where it departs from RFC 8259 (it takes
    /// trailing commas and reads 1e999 as infinity) or where evidence must still be read (a lone surrogate
    /// escape becomes U+FFFD instead of losing the record).
    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "tru", "nul", "\"abc", "\"\\x\"",
        "\"\\u12\"", "[1 2]", "{\"a\":1,}", "\"tab\there\"", "{} x", "[\"\\ud800\"]", "1e999", "-0", "[[[]]]",
        "{\"k\":{\"k\":[0.1,2,\"v\"]}}",
    ])
    func agreesWithFoundationOnValidity(text: String) {
        let ours = (try? JSONParser().parse(text)) != nil
        let theirs = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil
        switch text {
        case "[1,]", "{\"a\":1,}", "1e999": #expect(!ours, "\(text)")
        case "[\"\\ud800\"]": #expect(ours)
        default: #expect(ours == theirs, "\(text)")
        }
    }

    @Test func capsNestingDepthInsteadOfOverflowingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser().parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONParser().parse(ok)) != nil)
    }

    @Test func errorsNameTheByteOffset() {
        do {
            _ = try JSONParser().parse(#"{"a": [1, 2,, 3]}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.offset == 12)
            #expect(error.description == "invalid JSON at byte 12: expected a value")
        }
    }

    @Test func survivesRandomBytesAndTruncations() {
        let doc = Array(#"{"kind":"ics.modbus.write","v":[1,2.5,"x\u00e9"],"n":null}"#.utf8)
        for cut in 0..<doc.count {
            let s = String(decoding: doc[0..<cut], as: UTF8.self)
            #expect((try? JSONParser().parse(s)) == nil)
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = doc
            for _ in 0..<3 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = bytes.withUnsafeBufferPointer { try? JSONParser().parse(bytes: $0) }
        }
    }
}

import Foundation
@testable import JikochoModel
import Testing

@Suite("Attributes: written once, read lazily")
struct AttributesTests {
    /// A value of any kind, nested up to `depth`, with strings that need escaping now and then.
    static func value(_ rng: inout SeededRandom, depth: Int) -> JSONValue {
        switch Int(rng.next() % (depth > 0 ? 8 : 6)) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 63))
        case 3: return .double(Double(Int64(rng.next() % 2_000_000) - 1_000_000) / 64)
        case 4, 5: return .string(text(&rng))
        case 6: return .array((0..<Int(rng.next() % 4)).map { _ in value(&rng, depth: depth - 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<Int(rng.next() % 4) { o[text(&rng)] = value(&rng, depth: depth - 1) }
            return .object(o)
        }
    }

    static func text(_ rng: inout SeededRandom) -> String {
        let pieces = ["a", "b", "Z", "_", "event_id", "ü", "東", "\"", "\\", "\n", "\u{1}", "\u{7f}", "é", "src", "src_ip", "", "😀"]
        return (0..<Int(rng.next() % 4)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
    }

    @Test("the writer gives the dictionary's canonical text, keys in any order, repeats resolved as assignment would")
    func writerMatchesCanonicalDictionary() {
        var rng = SeededRandom(seed: 20_261_203)
        var w = AttributeWriter()
        for _ in 0..<3_000 {
            var d: [String: JSONValue] = [:]
            for _ in 0..<Int(rng.next() % 25) {
                let k = Self.text(&rng)
                let v = Self.value(&rng, depth: 2)
                d[k] = v
                switch v {
                case .string(let s): w.string(k, s)
                case .int(let i): w.int(k, i)
                case .bool(let b): w.bool(k, b)
                case .double(let x): w.double(k, x)
                case .object(let o): w.object(k, Attributes(o))
                default: w.value(k, v)
                }
            }
            let a = w.finish()
            #expect(a == Attributes(d))
            #expect(a.dictionary == d)
            #expect(a.jsonText == (d.isEmpty ? "{}" : JSONValue.object(d).canonicalJSON))
            for (k, v) in d { #expect(a[k] == v, "key \(k.debugDescription)") }
            #expect(a["no such key"] == nil)
            #expect(a.keys == d.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        }
    }

    /// A decoder writes message after message with the same keys: the writer reuses the order it found for the
    /// last object when the keys are the same, in the same order (repeats included), and sorts again when not.
    @Test("the writer's reused order gives the dictionary's canonical text for objects alike and not alike")
    func writerReusesItsOrderOnlyForTheSameKeys() {
        var rng = SeededRandom(seed: 20_261_204)
        let shapes: [[String]] = [
            ["unit", "function", "address", "quantity", "values", "messages", "control"],
            ["unit", "function", "address", "quantity", "values", "messages", "contro"],
            ["unit", "function", "address", "quantity", "values", "messages", "control", "unit"],
            ["b", "a", "b", "a"],
            ["unit", "function"],
            [],
            ["", "a", ""],
            ["ab", "cd", "ef"],
            ["ef", "cd", "ab"],
            ["cd", "ab", "ef"],
        ]
        var w = AttributeWriter()
        for round in 0..<600 {
            // Runs of one shape (the reuse) broken by others.
            let keys = shapes[round % 7 < 4 ? round / 40 % shapes.count : Int(rng.next() % UInt64(shapes.count))]
            var d: [String: JSONValue] = [:]
            for k in keys {
                let v = Self.value(&rng, depth: 1)
                d[k] = v
                w.value(k, v)
            }
            let a = w.finish()
            #expect(a == Attributes(d), "round \(round), keys \(keys)")
        }
    }

    @Test("lookups on text that is not a JSON object give nothing, never a crash")
    func lookupsOnDamagedTextGiveNothing() {
        let damaged = ["", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":[1,2", "[1,2]", "{\"a\":\"x", "{\"a\" 1}", "{\"b\":1,,}",
                       "{\"a\":{\"b\":[}}", String(repeating: "[", count: 10_000), "{\"a\":1}}"]
        for text in damaged {
            let a = Attributes(canonicalJSON: Array(text.utf8))
            _ = a["a"]
            _ = a["b"]
            _ = a.dictionary
            _ = a.keys
        }
        // A valid object read back from a store that did not write it canonically still answers lookups.
        let loose = Attributes(canonicalJSON: Array(#"{ "z" : [1, {"q": "}"}] , "a\u0041" : "x\"y", "n": null }"#.utf8))
        #expect(loose["aA"] == .string("x\"y"))
        #expect(loose["z"] == .array([.int(1), .object(["q": .string("}")])]))
        #expect(loose["n"] == .null)
        #expect(loose["q"] == nil)
    }

    @Test("setting a key rewrites the text in canonical order; removing the last leaves no attributes")
    func settingAndRemoving() {
        var a: Attributes = ["b": 2, "a": "x"]
        a["c"] = .bool(true)
        #expect(a.jsonText == #"{"a":"x","b":2,"c":true}"#)
        a["a"] = nil
        a["b"] = nil
        a["c"] = nil
        #expect(a.isEmpty)
        #expect(a == Attributes())
        #expect(Attributes(canonicalJSON: Array("{}".utf8)).isEmpty)
    }

    @Test("setting and removing keys one at a time keeps the text the dictionary's canonical text")
    func settingKeepsCanonicalText() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<2_000 {
            var d: [String: JSONValue] = [:]
            var a = Attributes()
            for _ in 0..<Int(rng.next() % 12) {
                let k = Self.text(&rng)
                let v: JSONValue? = rng.next() % 4 == 0 ? nil : Self.value(&rng, depth: 1)
                d[k] = v
                a[k] = v
                #expect(a == Attributes(d), "after setting \(k.debugDescription)")
            }
        }
        // Text with whitespace, as a store it did not write could hold, takes a new key too.
        var loose = Attributes(canonicalJSON: Array("{ }".utf8))
        loose["a"] = 1
        #expect(loose.dictionary == ["a": 1])
    }

    @Test("an event's attributes encode and decode through Codable as a plain object")
    func codableIsAPlainObject() throws {
        let a: Attributes = ["function": "write_single_register", "values": [1, 2], "nested": ["k": 1.5]]
        let data = try JSONEncoder().encode(a)
        let back = try JSONDecoder().decode(Attributes.self, from: data)
        #expect(back == a)
        #expect(try JSONDecoder().decode([String: JSONValue].self, from: data) == a.dictionary)
    }
}

@Suite("JSON string escaping")
struct EscapeScanTests {
    /// The word-at-a-time test against the byte-at-a-time definition, on buffers of every length up to 40 with one,
    /// two or no bytes that need escaping at every position, among bytes from all of 0...255.
    @Test func wordScanAgreesWithByteScan() throws {
        var rng = SeededRandom(seed: 11)
        let special: [UInt8] = [0x00, 0x01, 0x1F, 0x22, 0x5C, 0x7F]
        func plain(_ rng: inout SeededRandom) -> UInt8 {
            while true {
                let c = UInt8(truncatingIfNeeded: rng.next())
                if !(c < 0x20 || c == 0x22 || c == 0x5C || c == 0x7F) { return c }
            }
        }
        for n in 0...40 {
            for trial in 0..<200 {
                var bytes = (0..<n).map { _ in plain(&rng) }
                if n > 0, trial % 4 != 0 {
                    bytes[Int(rng.next() % UInt64(n))] = special[Int(rng.next() % UInt64(special.count))]
                    if trial % 3 == 0 { bytes[Int(rng.next() % UInt64(n))] = special[Int(rng.next() % UInt64(special.count))] }
                }
                let expected = bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }
                let got = bytes.withUnsafeBufferPointer { JSONValue.needsEscape($0) }
                #expect(got == expected, "\(bytes)")
                // Every escaped string reads back as itself.
                let s = String(decoding: bytes, as: UTF8.self)
                var out: [UInt8] = []
                JSONValue.writeString(s, into: &out)
                #expect(try JSONParser().parse(String(decoding: out, as: UTF8.self)) == .string(s))
            }
        }
    }

    @Test("a member written as raw JSON takes its place among the others, as the same value given as a JSONValue does")
    func rawJSONMember() {
        let objects: JSONValue = .array([.object(["instance": .int(3), "type": .int(2), "type_name": .string("analog-value")])])
        var w = AttributeWriter()
        w.int("z", 1)
        w.json("objects") { $0.append(contentsOf: #"[{"instance":3,"type":2,"type_name":"analog-value"}]"#.utf8) }
        w.string("a", "x")
        let raw = w.finish()
        #expect(raw == Attributes(["z": .int(1), "objects": objects, "a": .string("x")]))
        #expect(raw["objects"] == objects)
    }
}

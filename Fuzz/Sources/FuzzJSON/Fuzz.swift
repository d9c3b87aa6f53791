import FuzzSupport
import JikochoModel
import Parsers

/// JSON lines: each line parsed strictly (nesting capped), and what parses written back as canonical JSON. Each line
/// is also taken as stored attributes, as a damaged or doctored case could hold them: looked up by key, set and
/// removed in place (any text, object or not, never a crash, a hang or a read out of bounds).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let parser = JSONParser()
    forEachLine(start, count) { line in
        if let v = try? parser.parse(bytes: line) { _ = v.canonicalJSON }
        var stored = Attributes(canonicalJSON: Array(line))
        for key in ["a", "", "z", "event_data", "a\"b"] { _ = stored[key] }
        _ = stored.dictionary
        stored["m"] = .int(1)
        stored["a"] = nil
        _ = stored.jsonText
    }
    return 0
}

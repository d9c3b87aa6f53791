import FuzzSupport
import JikochoModel
import Parsers

/// JSON lines: each line parsed strictly (nesting capped), and what parses written back as canonical JSON.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let parser = JSONParser()
    forEachLine(start, count) { line in
        if let v = try? parser.parse(bytes: line) { _ = v.canonicalJSON }
    }
    return 0
}

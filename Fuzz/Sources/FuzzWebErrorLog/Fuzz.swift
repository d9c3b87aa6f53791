import FuzzSupport
import Parsers

/// Apache and nginx error log lines.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    forEachLine(start, count) { _ = WebErrorLogParser.parse($0) }
    return 0
}

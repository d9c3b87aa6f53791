import FuzzSupport
import Parsers

/// Access log lines: Common/Combined (and Tomcat), and W3C with its directives (state kept across lines).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var w3c = W3CLogParser()
    forEachLine(start, count) { line in
        _ = CommonLogParser.parse(line)
        _ = w3c.parse(line)
    }
    return 0
}

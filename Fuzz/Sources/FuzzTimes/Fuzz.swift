import FuzzSupport
import JikochoModel

/// The time parsers every log collector leans on: ISO 8601 / RFC 3339, RFC 3164, Common Log Format.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    forEachLine(start, count) { line in
        if let (t, _) = TimeParser.iso8601(bytes: line) { _ = t.timestamp(assumingOffset: 0)?.iso8601() }
        if let (t, _) = TimeParser.rfc3164(bytes: line, year: 2021) { _ = t.timestamp(assumingOffset: 0) }
        if let (t, _) = TimeParser.commonLog(bytes: line) { _ = t.timestamp(assumingOffset: 0) }
    }
    return 0
}

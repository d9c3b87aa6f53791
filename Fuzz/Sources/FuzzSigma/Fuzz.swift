import SigmaCore

/// Sigma's pure core: a condition (first line), then wildcard patterns, substring search and networks against the
/// lines that follow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    guard let first = lines.first else { return 0 }
    SigmaCoreFuzz.condition(first)
    for i in 1..<max(1, lines.count) where i + 1 < lines.count || lines.count == 2 {
        let subject = lines.count == 2 ? first : lines[i + 1]
        SigmaCoreFuzz.glob(lines[i], Array(subject.utf8))
        SigmaCoreFuzz.cidr(lines[i], subject)
    }
    return 0
}

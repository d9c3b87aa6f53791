import ArchiveCore

struct Enough: Error {}

/// An archive from memory, walked as the collector walks one: every member's header, then the data of files, with
/// at most 2,000 members and 64 MiB of data read per input (the walker's own limits are larger; these keep each
/// input quick while reaching every format's reader).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let reader = ArchiveReader(bytes: bytes) else { return 0 }
    var members = 0
    var total = 0
    while members < 2_000, let member = try? reader.next() {
        members += 1
        _ = member.path.utf8.count
        guard case .file = member.kind, !member.encrypted else { continue }
        do {
            try reader.readData { chunk in
                total += chunk.count
                if total > 64 << 20 { throw Enough() }
            }
        } catch is Enough {
            break
        } catch {
            continue
        }
    }
    return 0
}

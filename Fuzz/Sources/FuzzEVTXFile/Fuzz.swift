import Parsers

/// A whole EVTX file held in memory: file header, chunk policy (counted, beyond the count, cut short), records.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    let header = bytes.withUnsafeBytes { EVTX.FileHeader($0) }
    let chunksStart = header == nil ? 0 : EVTX.fileHeaderSize
    try? EVTX.readChunks(header: header, fileSize: count, loadChunk: { i in
        let s = chunksStart + i * EVTX.chunkSize
        return s < count ? Array(bytes[s..<min(count, s + EVTX.chunkSize)]) : []
    }) { item in
        if case .record(_, let r) = item { _ = WindowsEventRecord(r.body) }
    }
    return 0
}

import Parsers

/// One EVTX chunk: the input is taken as a chunk (its signature forced so the fuzzer reaches the records), read with
/// slack recovery, and every record read into fields and rendered in both styles.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 512 else { return 0 }
    var chunk = [UInt8](UnsafeRawBufferPointer(start: start, count: min(count, EVTX.chunkSize)))
    chunk.replaceSubrange(0..<8, with: EVTX.chunkSignature)
    chunk.withUnsafeBytes { b in
        guard let header = EVTX.ChunkHeader(b) else { return }
        EVTX.readChunk(b, header: header) { item in
            if case .record(let r) = item {
                _ = WindowsEventRecord(r.body)
                _ = WindowsEventRecord(r.body, style: .pythonEvtxCompatible)
                _ = EVTXXML.render(r.body)
                _ = EVTXXML.render(r.body, style: .pythonEvtxCompatible)
            }
        }
    }
    return 0
}

import Parsers

/// One EVTX chunk: the input is taken as a chunk (its signature forced so the fuzzer reaches the records), read with
/// slack recovery, and every record read into fields and rendered in both styles; each record is first read the
/// collector's fast way (its template and substitution slots, those of embedded instances, every slot's bytes and
/// value), then handed on to the general way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 512 else { return 0 }
    var chunk = [UInt8](UnsafeRawBufferPointer(start: start, count: min(count, EVTX.chunkSize)))
    chunk.replaceSubrange(0..<8, with: EVTX.chunkSignature)
    chunk.withUnsafeBytes { b in
        guard let header = EVTX.ChunkHeader(b) else { return }
        var slots: [BXSlot] = [], inner: [BXSlot] = []
        let fast: EVTX.FastReader = { reader, frame in
            guard let template = try? reader.parseInstanceSlots(start: frame.bodyStart, end: frame.bodyEnd, into: &slots)
            else { return false }
            _ = template.plan
            for s in slots {
                _ = reader.bytes(of: s).count
                if s.type == 0x21 {
                    if (try? reader.parseInstanceSlots(in: s, into: &inner)) != nil {
                        for i in inner where i.type != 0x21 { _ = EVTXXML.text(reader.value(of: i)) }
                    }
                } else {
                    _ = EVTXXML.text(reader.value(of: s))
                }
            }
            return false
        }
        EVTX.readChunk(b, header: header, fast: fast) { item in
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

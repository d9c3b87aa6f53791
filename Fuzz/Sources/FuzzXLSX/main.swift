import FuzzSupport
import JikochoModel
import Parsers

/// A workbook's XML parts (historian/xlsx): the input read as a worksheet, fed to the streaming scanner in chunks
/// whose size the first byte picks (so tags and entities are cut at every point), every row's cells rendered as the
/// collector renders them into CSV records, and the same bytes read as shared strings, cell formats, a workbook and
/// relationships; its text also as a number format code, an ISO date cell and cell references.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let chunk = 1 + Int(bytes.first ?? 0) % 64
    var strings = XLSX.SharedStrings(maxBytes: 1 << 16)
    var scanner = XMLScanner(maxToken: 1 << 16)
    do {
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            try bytes[i..<end].withUnsafeBytes { try scanner.feed($0, &strings) }
            i = end
        }
        try scanner.finish(&strings)
    } catch {}
    let kinds = (try? XLSX.cellKinds(bytes)) ?? [.number, .date, .time, .duration, .text]
    _ = try? XLSX.workbook(bytes)
    _ = try? XLSX.relationships(bytes)
    var records = 0
    var reader = XLSX.SheetReader { number, cells in
        var texts: [(column: Int, text: String)] = []
        for c in cells {
            var missing = false
            for date1904 in [false, true] {
                if let t = XLSX.text(of: c, kinds: kinds, strings: strings, date1904: date1904, missing: &missing) {
                    if !date1904 { texts.append((c.column, t)) }
                }
            }
        }
        records += XLSX.record(texts).count + number
    }
    var sheetScanner = XMLScanner(maxToken: 1 << 16)
    do {
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk + 7)
            try bytes[i..<end].withUnsafeBytes { try sheetScanner.feed($0, &reader) }
            i = end
        }
        try sheetScanner.finish(&reader)
    } catch {}
    let text = String(decoding: bytes.prefix(256), as: UTF8.self)
    _ = XLSX.valueKind(code: text)
    _ = XLSX.resolve(text, from: "xl/workbook.xml")
    bytes.prefix(12).withUnsafeBufferPointer { _ = XLSX.cellReference($0) }
    if bytes.count >= 8 {
        let d = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: Double.self) }
        for kind in [XLSX.ValueKind.date, .time] {
            _ = XLSX.serialText(d, kind: kind, date1904: false)
            _ = XLSX.serialText(d, kind: kind, date1904: true)
        }
    }
    var unescaped: [UInt8] = []
    XLSX.unescape(Array(bytes.prefix(4096)), into: &unescaped)
    return CInt(records & 0)
}

import FuzzSupport
import JikochoModel
import Parsers

/// Historian CSV exports: the header and time-format sniffing of the first lines, every row split into fields, each
/// field read as a number, a time in every format and a quality code, and the numbers fed to a process detector.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var lines: [[UInt8]] = []
    forEachLine(start, count) { lines.append(Array($0)) }
    let sniff = HistorianSniff.read(lines, preferred: nil)
    var fields = CSVFields(separator: sniff?.separator ?? CSVFields.guessSeparator(lines.first ?? []))
    var options = ProcessDetectorOptions()
    options.window = 32
    options.warmup = 8
    options.recompute = 4
    var detector = SeriesDetector(name: "fuzz_SP", options: options)
    var analog = SeriesDetector(name: "fuzz", options: options)
    var gaps = RowGapDetector()
    var times: [[UInt8]] = []
    for (n, line) in lines.enumerated() {
        _ = HistorianLayout.declaredZone(in: String(decoding: line, as: UTF8.self))
        line.withUnsafeBufferPointer { b in
            fields.split(b)
            _ = CSVFields.quotesBalanced(b)
            var time = Timestamp(seconds: Int64(n))
            for k in 0..<fields.count {
                let f = fields.bytes(k, in: b)
                let text = fields.string(k, in: b)
                if k == 0 { times.append(Array(f)) }
                if let format = sniff?.timeFormat, case .instant(let t)? = HistorianTime.parse(f, format) { time = t }
                for order in [HistorianTimeFormat.DateOrder.dayFirst, .monthFirst, .yearFirst] {
                    if let c = HistorianTime.civil(f, order: order), let t = c.timestamp(assumingOffset: 0) { time = t }
                }
                _ = HistorianTime.parse(f, .epoch(1_000_000))
                _ = HistorianTime.parse(f, .spreadsheetSerial)
                _ = HistorianValues.quality(text, as: .opc)
                _ = HistorianValues.quality(text, as: .zeroIsGood)
                _ = HistorianValues.quality(text, as: .oneIsGood)
                _ = HistorianLayout.isRuntimeMarker(f)
                _ = HistorianValues.isSystemState(text)
                let value = HistorianValues.number(f, decimalComma: k % 2 == 1)
                let sample = Sample(time: time, value: value.flatMap { $0.isFinite ? $0 : nil },
                                    text: value == nil ? text : nil, quality: k % 5 == 4 ? .bad : .good, line: n + 1)
                _ = detector.feed(sample)
                _ = analog.feed(sample)
                _ = gaps.feed(sample)
            }
        }
    }
    _ = HistorianTime.infer(times)
    _ = detector.finish()
    _ = analog.finish()
    var header = CSVFields(separator: 0x2C)
    if let first = lines.first {
        first.withUnsafeBufferPointer { b in
            header.split(b)
            _ = HistorianLayout.recognize((0..<header.count).map { header.string($0, in: b) })
        }
    }
    return 0
}

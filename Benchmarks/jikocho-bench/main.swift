// make bench: Jikocho against its reference points, in the same run on the same machine.
//
//   1. EventSink: events/s for N synthetic events into a case, against a plain C loop over sqlite3 inserting the
//      same rows into the same schema with the same settings (Benchmarks/c/sink_loop.c). Target: ≥ 0.8.
//   2. Hashing: `jikocho add` (hash + read-only copy + fsync) and `jikocho verify` (re-hash) of a 1 GiB file,
//      against coreutils' sha256sum.
//
// A benchmark reports; it never fails the tests.
import Collectors
import EvidenceStore
import Foundation
import JikochoModel

struct Options {
    var events = 1_000_000
    var hashMiB = 1024
    var cLoop = ""
    var jikocho = ""
    var work = NSTemporaryDirectory() + "jikocho-bench"
}

var opt = Options()
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--events": opt.events = Int(args.next() ?? "") ?? opt.events
    case "--hash-mib": opt.hashMiB = Int(args.next() ?? "") ?? opt.hashMiB
    case "--c-loop": opt.cLoop = args.next() ?? ""
    case "--jikocho": opt.jikocho = args.next() ?? ""
    case "--work": opt.work = args.next() ?? opt.work
    default:
        FileHandle.standardError.write(Data("jikocho-bench: unknown argument \(a)\n".utf8))
        exit(2)
    }
}

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func say(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

@discardableResult
func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, out: String, seconds: Double) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.standardError
    let t0 = monotonic()
    try p.run()
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    let fd = pipe.fileHandleForReading.fileDescriptor
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { break }
        data.append(contentsOf: buf[0..<n])
    }
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self), monotonic() - t0)
}

let fm = FileManager.default
try? fm.removeItem(atPath: opt.work)
try fm.createDirectory(atPath: opt.work, withIntermediateDirectories: true)
defer {
    if let e = fm.enumerator(atPath: opt.work) {
        for case let p as String in e { chmod("\(opt.work)/\(p)", 0o755) }
    }
    try? fm.removeItem(atPath: opt.work)
}

var rows: [(String, String, String, String)] = []

// MARK: 1. EventSink against the C loop

func freshCase(_ name: String, in work: String) throws -> (Case, Int64) {
    let c = try Case.create(at: "\(work)/\(name)", name: name, examiner: "bench")
    FileManager.default.createFile(atPath: "\(work)/\(name).evidence", contents: Data("bench \(name)\n".utf8))
    let added = try c.add(paths: ["\(work)/\(name).evidence"])
    guard case .added(let item) = added.first else { fatalError("bench evidence not added") }
    return (c, item.id)
}

say("generating \(opt.events) synthetic events…")
let (caseA, evA) = try freshCase("sink-swift", in: opt.work)
let events = (0..<opt.events).map { SyntheticEvents.event($0, evidenceID: evA) }

say("EventSink: inserting \(opt.events) events…")
let runA = try caseA.beginIngest(evidenceID: evA, collector: SyntheticEvents.collectorName,
                                 collectorVersion: SyntheticEvents.collectorVersion, batchSize: 10_000)
var t0 = monotonic()
for e in events { try runA.emit(e) }
try runA.flush()
let swiftSecs = monotonic() - t0
t0 = monotonic()
try runA.finish()
let ftsSecs = monotonic() - t0
let swiftRate = Double(opt.events) / swiftSecs

var cRate: Double?
if opt.cLoop.isEmpty {
    say("(no --c-loop: skipping the C reference)")
} else {
    let (caseB, evB) = try freshCase("sink-c", in: opt.work)
    let runB = try caseB.beginIngest(evidenceID: evB, collector: SyntheticEvents.collectorName,
                                     collectorVersion: SyntheticEvents.collectorVersion)
    let runBID = runB.id
    caseB.close()
    // The same rows, as text, for the C loop to load before it starts its clock.
    var tsv = [UInt8]()
    tsv.reserveCapacity(opt.events * 400)
    func put(_ s: String?) {
        if let s { tsv.append(contentsOf: s.utf8) } else { tsv.append(contentsOf: "\\N".utf8) }
    }
    for e in events {
        let fields: [String?] = [
            String(e.time.nanoseconds), String(e.recordedTime.nanoseconds), e.timeDescription, e.domain.rawValue,
            e.kind, e.host, e.asset, e.src.ip, e.src.port.map { String($0) }, e.src.mac, e.dst.ip,
            e.dst.port.map { String($0) }, e.dst.mac, e.user, e.message,
            e.attributes.isEmpty ? nil : JSONValue.object(e.attributes).canonicalJSON,
            e.tags.isEmpty ? nil : JSONValue.array(e.tags.map { .string($0) }).canonicalJSON, String(evB),
            e.provenance.collector, e.provenance.collectorVersion, e.provenance.locator,
        ]
        for (k, f) in fields.enumerated() {
            if k > 0 { tsv.append(0x09) }
            put(f)
        }
        tsv.append(0x0A)
    }
    let tsvPath = "\(opt.work)/events.tsv"
    FileManager.default.createFile(atPath: tsvPath, contents: Data(tsv))
    say("C loop: inserting \(opt.events) events…")
    let r = try run(opt.cLoop, ["\(opt.work)/sink-c/case.sqlite", tsvPath, "10000", "\(runBID)"])
    let parts = r.out.split(separator: " ")
    if r.status == 0, parts.count == 2, let n = Double(parts[0]), let s = Double(parts[1].trimmingCharacters(in: .whitespacesAndNewlines)) {
        cRate = n / s
    } else {
        say("C loop failed (status \(r.status)): \(r.out)")
    }
}
rows.append(("EventSink insert, \(opt.events) events", String(format: "%.0f events/s", swiftRate),
             cRate.map { String(format: "%.0f events/s (C loop over sqlite3)", $0) } ?? "-",
             cRate.map { String(format: "%.2f (target ≥ 0.80)", swiftRate / $0) } ?? "-"))
rows.append(("EventSink: full-text index of that run", String(format: "%.2f s", ftsSecs), "", ""))

// MARK: 2. Hashing against sha256sum

if opt.jikocho.isEmpty || opt.hashMiB <= 0 {
    say("(no --jikocho: skipping the hashing benchmark)")
} else {
    let path = "\(opt.work)/big.bin"
    say("writing a \(opt.hashMiB) MiB file…")
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var chunk = [UInt64](repeating: 0, count: (4 << 20) / 8)
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<(opt.hashMiB / 4) {
        for i in chunk.indices {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            chunk[i] = x
        }
        _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
    }
    close(fd)
    let bytes = Double(opt.hashMiB) * 1_048_576
    // Warm the page cache so that every tool reads from memory, then take the best of two runs each.
    _ = try run("/usr/bin/sha256sum", [path])
    let sums = try (0..<2).map { _ in try run("/usr/bin/sha256sum", [path]) }
    let sumSecs = sums.map(\.seconds).min()!
    let expected = String(sums[0].out.prefix(64))
    let casePath = "\(opt.work)/hash-case"
    _ = try run(opt.jikocho, ["case", "init", casePath, "--name", "bench", "--examiner", "bench"])
    say("jikocho add / verify of \(opt.hashMiB) MiB…")
    let add = try run(opt.jikocho, ["add", casePath, path])
    let verifies = try (0..<2).map { _ in try run(opt.jikocho, ["verify", casePath]) }
    let verifySecs = verifies.map(\.seconds).min()!
    let same = add.out.contains(String(expected.prefix(16)))
    rows.append(("sha256sum, \(opt.hashMiB) MiB (reference)", String(format: "%.0f MiB/s", bytes / sumSecs / 1_048_576),
                 "", ""))
    rows.append(("jikocho verify (re-hash)", String(format: "%.0f MiB/s", bytes / verifySecs / 1_048_576),
                 "sha256sum", String(format: "%.2f× sha256sum", sumSecs / verifySecs)))
    rows.append(("jikocho add (hash + copy + fsync)", String(format: "%.0f MiB/s", bytes / add.seconds / 1_048_576),
                 "sha256sum", String(format: "%.2f× sha256sum\(same ? "" : " (HASH MISMATCH)")", sumSecs / add.seconds)))
}

// MARK: Report

let widths = [44, 18, 40, 22]
func line(_ cols: [String]) -> String {
    zip(cols, widths).map { c, w in c.count >= w ? c + " " : c + String(repeating: " ", count: w - c.count) }
        .joined().trimmingCharacters(in: .whitespaces)
}
print(line(["benchmark", "jikocho", "reference", "ratio"]))
print(String(repeating: "-", count: widths.reduce(0, +)))
for r in rows { print(line([r.0, r.1, r.2, r.3])) }

// make bench: Jikocho against its reference points, in the same run on the same machine.
//
//   1. EventSink: events/s for N synthetic events into a case, against a plain C loop over sqlite3 inserting the
//      same rows into the same schema with the same settings (Benchmarks/c/sink_loop.c). Target: ≥ 0.8.
//   2. Hashing: `jikocho add` (hash + read-only copy + fsync) and `jikocho verify` (re-hash) of a 1 GiB file,
//      against coreutils' sha256sum.
//   3. Syslog: the collector alone, and `jikocho ingest` end to end, on a generated 1,000,000-line file.
//   4. EVTX: the parser and the collector on the EVTX samples of ../shared/datasets read over until ≥ 100 MB, against
//      python-evtx and the Rust evtx crate (its Python binding, one thread and every core) in the same run, ours on
//      one thread and every core; scaling with threads on the largest sample (chunks are parsed side by side);
//      `jikocho ingest` of the samples end to end; peak memory for 1× and 10× the volume.
//   5. Captures: a ≥ 200 MB capture made by repeating the shared Modbus capture with distinct addresses per copy
//      (../shared/bench/replicate_unique.py), and a mixed ICS one from the DNP3, S7comm, EtherNet/IP, IEC 104 and
//      BACnet captures; the collector against `tshark -T fields` extracting the same fields, `tcpdump -nn -r` and
//      `capinfos -c` (the read floor) in the same run, peak memory of each, every Modbus message accounted for.
//   6. Historian: a 10,000,000-sample wide export built from the BATADAL rows; `jikocho ingest` end to end (samples/s,
//      peak memory; target ≥ 1,000,000 samples/s) and the collector alone, against pandas.read_csv of the same file;
//      `jikocho investigate` of it with an inventory mapping three tags (200,000 state changes for the chains and the
//      report; peak memory ≤ 256 MiB); then two million of its samples saved as an Excel workbook, read by historian/xlsx and by pandas.read_excel
//      (python-calamine and openpyxl).
//   8. Investigate: `jikocho investigate` end to end (case, ingest, clocks, playbooks, chains, reports, custody
//      verified) on a 50 MB capture made from the shared Modbus capture like section 5's, against tshark's field
//      extraction of the same capture (target: ≥ 5× faster); peak memory at 1× and 10× the volume (target ≤ 256 MiB).
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
    var syslogLines = 1_000_000
    var datasets = ""
    var python = ""
    var evtxMiB = 100
    var plaso = ""
    var plasoLines = 20_000
    var captureMiB = 200
    var historianSamples = 10_000_000
    var investigateMiB = 50
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
    case "--syslog-lines": opt.syslogLines = Int(args.next() ?? "") ?? opt.syslogLines
    case "--datasets": opt.datasets = args.next() ?? ""
    case "--python": opt.python = args.next() ?? ""
    case "--evtx-mib": opt.evtxMiB = Int(args.next() ?? "") ?? opt.evtxMiB
    case "--plaso": opt.plaso = args.next() ?? ""
    case "--plaso-lines": opt.plasoLines = Int(args.next() ?? "") ?? opt.plasoLines
    case "--capture-mib": opt.captureMiB = Int(args.next() ?? "") ?? opt.captureMiB
    case "--historian-samples": opt.historianSamples = Int(args.next() ?? "") ?? opt.historianSamples
    case "--investigate-mib": opt.investigateMiB = Int(args.next() ?? "") ?? opt.investigateMiB
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
let cores = ProcessInfo.processInfo.activeProcessorCount
/// Makes a tree writable (a case's originals are read-only) so that it can be removed.
func chmodTree(_ root: String) {
    chmod(root, 0o755)
    if let e = fm.enumerator(atPath: root) {
        for case let p as String in e { chmod("\(root)/\(p)", 0o755) }
    }
}
try? fm.removeItem(atPath: opt.work)
try fm.createDirectory(atPath: opt.work, withIntermediateDirectories: true)
defer {
    chmodTree(opt.work)
    try? fm.removeItem(atPath: opt.work)
}

var rows: [(String, String, String, String)] = []

/// The peak RSS in KiB that `jikocho dev collect` prints.
func peakRSS(_ out: String) -> Int? {
    guard let r = out.range(of: "peak RSS ") else { return nil }
    return Int(out[r.upperBound...].prefix { $0.isNumber })
}

// MARK: 1. EventSink against the C loop

func freshCase(_ name: String, in work: String) throws -> (Case, Int64) {
    let c = try Case.create(at: "\(work)/\(name)", name: name, examiner: "bench")
    precondition(FileManager.default.createFile(atPath: "\(work)/\(name).evidence", contents: Data("bench \(name)\n".utf8)),
                 "could not write \(work)/\(name).evidence")
    let added = try c.add(paths: ["\(work)/\(name).evidence"])
    guard case .added(let item) = added.first else { fatalError("bench evidence not added") }
    return (c, item.id)
}

say("generating \(opt.events) synthetic events…")
// Every fresh case gets evidence #1, so the same events serve every round.
let events = (0..<opt.events).map { SyntheticEvents.event($0, evidenceID: 1) }

/// One round of the Swift sink into a fresh case: (insert seconds, full-text index seconds).
@MainActor func swiftRound(_ k: Int) throws -> (Double, Double) {
    let (c, ev) = try freshCase("sink-swift-\(k)", in: opt.work)
    precondition(ev == 1)
    let r = try c.beginIngest(evidenceID: ev, collector: SyntheticEvents.collectorName,
                              collectorVersion: SyntheticEvents.collectorVersion, batchSize: 10_000)
    let t0 = monotonic()
    for e in events { try r.emit(e) }
    try r.flush()
    let insert = monotonic() - t0
    let t1 = monotonic()
    try r.finish()
    return (insert, monotonic() - t1)
}

/// One round of the C loop into a fresh case with the same schema: insert seconds.
@MainActor func cRound(_ k: Int, tsvPath: String) throws -> Double? {
    let (c, ev) = try freshCase("sink-c-\(k)", in: opt.work)
    let r = try c.beginIngest(evidenceID: ev, collector: SyntheticEvents.collectorName,
                              collectorVersion: SyntheticEvents.collectorVersion)
    let runID = r.id
    c.close()
    let out = try run(opt.cLoop, ["\(opt.work)/sink-c-\(k)/case.sqlite", tsvPath, "10000", "\(runID)"])
    let parts = out.out.split(separator: " ")
    guard out.status == 0, parts.count == 2,
          let secs = Double(parts[1].trimmingCharacters(in: .whitespacesAndNewlines))
    else {
        say("C loop failed (status \(out.status)): \(out.out)")
        return nil
    }
    return secs
}

var tsvPath: String?
if opt.cLoop.isEmpty {
    say("(no --c-loop: skipping the C reference)")
} else {
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
            e.attributes.isEmpty ? nil : e.attributes.jsonText,
            e.tags.isEmpty ? nil : JSONValue.array(e.tags.map { .string($0) }).canonicalJSON, "1",
            e.provenance.collector, e.provenance.collectorVersion, e.provenance.locator,
        ]
        for (k, f) in fields.enumerated() {
            if k > 0 { tsv.append(0x09) }
            put(f)
        }
        tsv.append(0x0A)
    }
    tsvPath = "\(opt.work)/events.tsv"
    precondition(FileManager.default.createFile(atPath: tsvPath!, contents: Data(tsv)), "could not write \(tsvPath!)")
}

// Alternate the two, twice, and keep each one's best: the disk's fsync times vary from run to run.
var swiftBest = Double.infinity, ftsSecs = 0.0, cBest = Double.infinity
for k in 0..<2 {
    if let tsvPath {
        say("C loop: inserting \(opt.events) events (round \(k + 1) of 2)…")
        if let s = try cRound(k, tsvPath: tsvPath) { cBest = min(cBest, s) }
    }
    say("EventSink: inserting \(opt.events) events (round \(k + 1) of 2)…")
    let (s, f) = try swiftRound(k)
    if s < swiftBest { swiftBest = s; ftsSecs = f }
}
let swiftRate = Double(opt.events) / swiftBest
let cRate: Double? = cBest.isFinite ? Double(opt.events) / cBest : nil
rows.append(("EventSink insert, \(opt.events) events", String(format: "%.0f events/s", swiftRate),
             cRate.map { String(format: "%.0f events/s (C loop over sqlite3)", $0) } ?? "-",
             cRate.map { String(format: "%.2f (target ≥ 0.80)", swiftRate / $0) } ?? "-"))
rows.append(("EventSink: finishing that run", String(format: "%.2f s", ftsSecs), "run marked complete (a bulk run builds its indexes here)", ""))

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

// MARK: 3. Syslog, end to end

if !opt.jikocho.isEmpty, opt.syslogLines > 0 {
    let path = "\(opt.work)/syslog.log"
    say("writing a \(opt.syslogLines)-line syslog file…")
    var text = [UInt8]()
    text.reserveCapacity(opt.syslogLines * 100)
    let templates = [
        "sshd[{p}]: Failed password for invalid user admin{u} from 203.0.113.{h} port {port} ssh2",
        "sshd[{p}]: Accepted publickey for operator from 10.0.0.{h} port {port} ssh2",
        "CRON[{p}]: (root) CMD (/usr/lib/sa/sa1 1 1)",
        "kernel: [{p}.123456] eth0: link up, 1000Mbps, full-duplex",
        "sudo: operator : TTY=pts/0 ; PWD=/home/operator ; USER=root ; COMMAND=/usr/bin/systemctl restart hmi",
    ]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    for i in 0..<opt.syslogLines {
        let s = i * 2
        let day = 1 + (s / 86_400) % 28
        let month = months[(s / (86_400 * 28)) % 12]
        let stamp = "\(month) \(day < 10 ? " " : "")\(day) " + [s / 3600 % 24, s / 60 % 60, s % 60]
            .map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
        let msg = templates[i % templates.count].replacingOccurrences(of: "{p}", with: "\(1000 + i % 30000)")
            .replacingOccurrences(of: "{u}", with: "\(i % 50)").replacingOccurrences(of: "{h}", with: "\(i % 254)")
            .replacingOccurrences(of: "{port}", with: "\(40000 + i % 20000)")
        text.append(contentsOf: "\(stamp) hmi-01 \(msg)\n".utf8)
    }
    precondition(FileManager.default.createFile(atPath: path, contents: Data(text)), "could not write \(path)")
    let parse = try run(opt.jikocho, ["dev", "collect", path, "--collector", "log/syslog", "--option", "tz=UTC",
                                      "--option", "year=2021"])
    say("syslog: the same file read 10 times over, for memory…")
    let parse10 = try run(opt.jikocho, ["dev", "collect", path, "--collector", "log/syslog", "--option", "tz=UTC",
                                        "--option", "year=2021", "--repeat", "10"])
    let casePath = "\(opt.work)/syslog-case"
    _ = try run(opt.jikocho, ["case", "init", casePath, "--name", "bench", "--examiner", "bench"])
    say("jikocho ingest of \(opt.syslogLines) syslog lines…")
    let ingest = try run(opt.jikocho, ["ingest", casePath, path, "--tz", "UTC", "--year", "2021"])
    let n = Double(opt.syslogLines)
    var plasoRate: Double?
    if !opt.plaso.isEmpty, opt.plasoLines > 0 {
        // plaso reads some 600 lines/s: it gets the first lines of the same file, and its rate is compared.
        let lines = min(opt.plasoLines, opt.syslogLines)
        var cut = 0, seen = 0
        while seen < lines, let nl = text[cut...].firstIndex(of: 0x0A) { cut = nl + 1; seen += 1 }
        let head = "\(opt.work)/syslog-head.log"
        precondition(FileManager.default.createFile(atPath: head, contents: Data(text[..<cut])), "could not write \(head)")
        say("plaso: log2timeline + psort of the first \(lines) lines (plaso reads ~600 lines/s)…")
        let storage = "\(opt.work)/plaso.plaso"
        let l2t = try run("\(opt.plaso)/log2timeline", ["--parsers", "text/syslog_traditional,text/syslog",
                                                       "--status_view", "none", "--preferred_year", "2021",
                                                       "--timezone", "UTC", "--storage_file", storage, head])
        let ps = try run("\(opt.plaso)/psort", ["--status_view", "none", "-o", "l2tcsv", "-w",
                                               "\(opt.work)/plaso.csv", storage])
        let rowsOut = (try? String(contentsOfFile: "\(opt.work)/plaso.csv", encoding: .utf8))?
            .split(separator: "\n").count ?? 0
        if l2t.status == 0, ps.status == 0, rowsOut > 1 {
            plasoRate = Double(lines) / (l2t.seconds + ps.seconds)
            rows.append(("plaso log2timeline + psort, \(lines) lines", String(format: "%.0f lines/s", plasoRate!),
                         String(format: "%.1f s + %.1f s, %d events out", l2t.seconds, ps.seconds, rowsOut - 1), ""))
        } else {
            say("plaso failed (log2timeline \(l2t.status), psort \(ps.status)); its row is left out")
        }
    }
    rows.append(("syslog parse only, \(opt.syslogLines) lines", String(format: "%.0f lines/s", n / parse.seconds), "", ""))
    if let p1 = peakRSS(parse.out), let p10 = peakRSS(parse10.out) {
        rows.append(("syslog peak memory, 1× / 10× volume", "\(p1 >> 10) / \(p10 >> 10) MiB", "", "flat if equal"))
    }
    rows.append(("syslog ingest end to end (add+parse+store)", String(format: "%.0f lines/s", n / ingest.seconds),
                 plasoRate.map { String(format: "plaso %.0f lines/s (same run)", $0) } ?? "plaso not run",
                 plasoRate.map { String(format: "%.0f× plaso; target ≥ 300000", n / ingest.seconds / $0) }
                    ?? "target ≥ 300000"))
}

// MARK: 4. EVTX against python-evtx and the Rust parser

if !opt.jikocho.isEmpty, !opt.datasets.isEmpty, opt.evtxMiB > 0 {
    let files = (fm.enumerator(atPath: opt.datasets)?.compactMap { $0 as? String } ?? [])
        .filter { $0.lowercased().hasSuffix(".evtx") }.sorted().map { "\(opt.datasets)/\($0)" }
    let total = files.reduce(0) { $0 + ((try? fm.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    if files.isEmpty || total == 0 {
        say("(no EVTX samples under \(opt.datasets): skipping the EVTX benchmark)")
    } else {
        let rounds = max(1, (opt.evtxMiB << 20 + total - 1) / total)
        let mib = Double(total * rounds) / 1_048_576
        /// "N events, …, in S s" → (N, S)
        func counted(_ out: String) -> (Double, Double)? {
            let w = out.split(separator: " ")
            guard let n = Double(w.first ?? ""), let i = w.firstIndex(of: "in"), i + 1 < w.count,
                  let s = Double(w[i + 1]) else { return nil }
            return (n, s)
        }
        say("EVTX: \(files.count) samples (\(total >> 10) KiB) read \(rounds) times over (\(Int(mib)) MiB), one thread…")
        let collect = ["dev", "collect", "--collector", "windows/evtx"]
        let ours = try run(opt.jikocho, collect + ["--threads", "1", "--repeat", String(rounds)] + files)
        say("EVTX: the same on every core (\(cores))…")
        let oursAll = try run(opt.jikocho, collect + ["--repeat", String(rounds)] + files)
        say("EVTX: 10× the volume, for memory…")
        let ours10 = try run(opt.jikocho, collect + ["--repeat", String(rounds * 10)] + files)
        // Chunks are what is parsed side by side; most samples are one chunk, so the largest file shows the scaling.
        let largest = files.max { a, b in
            ((try? fm.attributesOfItem(atPath: a)[.size] as? Int) ?? 0) < ((try? fm.attributesOfItem(atPath: b)[.size] as? Int) ?? 0)
        }!
        let largestSize = (try? fm.attributesOfItem(atPath: largest)[.size] as? Int) ?? 1
        let largestRounds = max(1, (opt.evtxMiB << 20) / max(largestSize, 1))
        let threadCounts = Set([1, 2, cores]).sorted()
        say("EVTX: the largest sample (\(largestSize >> 10) KiB, \((largestSize - 4096) / 65536) chunks) \(largestRounds) times, "
            + "on \(threadCounts.map(String.init).joined(separator: ", ")) threads…")
        var scaling: [(Int, (Double, Double)?)] = []
        for t in threadCounts {
            scaling.append((t, counted(try run(opt.jikocho, collect + ["--threads", String(t), "--repeat", String(largestRounds), largest]).out)))
        }
        var rust: (Double, Double)?
        var rustAll: (Double, Double)?
        var python: (Double, Double)?
        /// "<records> <seconds>" from scripts/oracles/bench_evtx.py.
        func pair(_ out: String) -> (Double, Double)? {
            let w = out.split(separator: " ")
            guard w.count == 2, let n = Double(w[0]), let s = Double(w[1].trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return (n, s)
        }
        if !opt.python.isEmpty {
            say("EVTX: the Rust evtx parser (one thread) on the same \(Int(mib)) MiB…")
            rust = pair(try run(opt.python, ["scripts/oracles/bench_evtx.py", "rust", String(rounds)] + files).out)
            say("EVTX: the Rust evtx parser on every core…")
            rustAll = pair(try run(opt.python, ["scripts/oracles/bench_evtx.py", "rust-all", String(rounds)] + files).out)
            say("EVTX: python-evtx, one pass (\(total >> 10) KiB; it reads ~250 records/s)…")
            python = pair(try run(opt.python, ["scripts/oracles/bench_evtx.py", "python-evtx", "1"] + files).out)
        } else {
            say("(no --python: skipping python-evtx and the Rust parser)")
        }
        let casePath = "\(opt.work)/evtx-case"
        _ = try run(opt.jikocho, ["case", "init", casePath, "--name", "bench", "--examiner", "bench"])
        say("EVTX: jikocho ingest of the samples…")
        let ingest = try run(opt.jikocho, ["ingest", casePath] + files)
        if let (n, s) = counted(ours.out) {
            let rate = n / s
            rows.append(("EVTX collector, \(Int(mib)) MiB (\(Int(n)) records)", String(format: "%.0f records/s", rate),
                         rust.map { String(format: "%.0f records/s (Rust evtx, 1 thread)", $0.0 / $0.1) } ?? "-",
                         rust.map { String(format: "%.2f× (target ≥ 1)", rate / ($0.0 / $0.1)) } ?? "-"))
            if let (na, sa) = counted(oursAll.out) {
                rows.append(("EVTX collector, every core (\(cores))", String(format: "%.0f records/s", na / sa),
                             rustAll.map { String(format: "%.0f records/s (Rust evtx, every core)", $0.0 / $0.1) } ?? "-",
                             rustAll.map { String(format: "%.2f× (target ≥ 1)", na / sa / ($0.0 / $0.1)) } ?? "-"))
            }
            if let python {
                rows.append(("EVTX collector against python-evtx", "", String(format: "%.0f records/s (python-evtx)", python.0 / python.1),
                             String(format: "%.0f× python-evtx", rate / (python.0 / python.1))))
            }
            rows.append(("EVTX collector, MiB/s", String(format: "%.0f MiB/s", mib / s), "", ""))
        }
        if let base = scaling.first?.1 {
            let rates = scaling.map { t, r in r.map { "\(t): \(Int($0.0 / $0.1))" } ?? "\(t): ?" }
            let speedups = scaling.compactMap { t, r in r.map { String(format: "%.2f×", base.1 / $0.1) } }
            rows.append(("EVTX scaling, records/s by threads", rates.joined(separator: ", "),
                         "largest sample, \(Int(base.0)) records", "speed-up " + speedups.joined(separator: " / ")))
        }
        if let p1 = peakRSS(oursAll.out), let p10 = peakRSS(ours10.out) {
            rows.append(("EVTX peak memory, 1× / 10× volume", "\(p1 >> 10) / \(p10 >> 10) MiB", "", "flat if equal"))
        }
        if let line = ingest.out.split(separator: "\n").last(where: { $0.contains("ingested (") }),
           let open = line.range(of: "ingested ("), let n = Int(line[open.upperBound...].prefix { $0.isNumber })
        {
            rows.append(("EVTX ingest end to end (add+parse+store)", String(format: "%.0f records/s", Double(n) / ingest.seconds),
                         "\(n) records, \(files.count) files", ""))
        }
    }
}

// MARK: 5. Captures against tshark, tcpdump and capinfos

/// Runs a command under GNU time: (seconds, peak RSS KiB, stdout).
@MainActor func timed(_ arguments: [String], stdout: String = "/dev/null") throws -> (seconds: Double, peakKiB: Int?, out: String) {
    let timeFile = "\(opt.work)/time.txt"
    let script = "TZ=UTC exec /usr/bin/time -f '%M' -o '\(timeFile)' \"$@\" > '\(stdout)' 2>/dev/null"
    let r = try run("/bin/bash", ["-c", script, "bench"] + arguments)
    let peak = (try? String(contentsOfFile: timeFile, encoding: .utf8))?.split(separator: "\n").last.flatMap { Int($0) }
    let out = stdout == "/dev/null" ? "" : ((try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "")
    return (r.seconds, peak, out)
}

if !opt.jikocho.isEmpty, !opt.datasets.isEmpty, opt.captureMiB > 0, fm.isExecutableFile(atPath: "/usr/bin/tshark"),
   fm.isExecutableFile(atPath: "/usr/bin/time")
{
    let replicate = URL(fileURLWithPath: opt.datasets).deletingLastPathComponent().appendingPathComponent("bench/replicate_unique.py").path
    let ics = "\(opt.datasets)/pcaps/ics"
    let sets: [(String, [String], [String])] = [
        ("Modbus", ["\(ics)/modbus_example_icsnpp.pcap"],
         ["-Y", "modbus", "-e", "frame.number", "-e", "mbtcp.trans_id", "-e", "mbtcp.unit_id", "-e", "modbus.func_code",
          "-e", "modbus.reference_num", "-e", "modbus.word_cnt", "-e", "modbus.bit_cnt", "-e", "modbus.regval_uint16",
          "-e", "modbus.exception_code"]),
        ("mixed ICS", ["\(ics)/dnp3_example_icsnpp.pcap", "\(ics)/s7comm_snap7.pcap", "\(ics)/enip_cip_example_icsnpp.pcap",
                       "\(ics)/iec104.pcap", "\(ics)/bacnet_services_icsnpp.pcap"],
         ["-e", "frame.number", "-e", "dnp3.al.func", "-e", "dnp3.al.obj", "-e", "s7comm.param.func", "-e", "s7comm.header.pduref",
          "-e", "enip.command", "-e", "cip.sc", "-e", "cip.class", "-e", "iec60870_asdu.typeid", "-e", "iec60870_asdu.ioa",
          "-e", "bacapp.confirmed_service", "-e", "bacapp.objectType", "-e", "bacapp.instance_number"]),
    ]
    for (label, inputs, fields) in sets {
        let one = inputs.reduce(0) { $0 + ((try? fm.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        guard one > 0 else { continue }
        let copies = min(65_536, max(1, (opt.captureMiB << 20) / one + 1))
        let path = "\(opt.work)/\(label.replacingOccurrences(of: " ", with: "-")).pcap"
        say("captures: building the \(label) capture (\(copies) copies of \(one >> 10) KiB, each with its own addresses)…")
        let built = try run("/usr/bin/python3", [replicate, path, String(copies), "1"] + inputs)
        guard built.status == 0, let size = try? fm.attributesOfItem(atPath: path)[.size] as? Int else {
            say("(could not build the \(label) capture; its rows are left out)")
            continue
        }
        let mb = Double(size) / 1e6
        say("captures: \(label): capinfos -c, tcpdump, jikocho, tshark (tshark takes minutes)…")
        let floor = try timed(["capinfos", "-c", "-M", path], stdout: "\(opt.work)/capinfos.txt")
        let packets = floor.out.split(separator: "\n").first { $0.contains("Number of packets") }
            .flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
        let tcpdump = try timed(["tcpdump", "-nn", "-r", path])
        let ours = try timed([opt.jikocho, "dev", "collect", "--collector", "network/pcap", "--sum", "messages:ics.modbus.", path],
                             stdout: "\(opt.work)/ours.txt")
        // Every core: one thread reads packets and keeps the flow table, the flows' decoding and events are split
        // among workers; against everything on one thread.
        let oneThread = try timed([opt.jikocho, "dev", "collect", "--collector", "network/pcap", "--threads", "1", path],
                                  stdout: "\(opt.work)/ours-1.txt")
        let tshark = try timed(["tshark", "-n", "-r", path, "-T", "fields"] + fields, stdout: "\(opt.work)/tshark.txt")
        let tsharkLines = tshark.out.split(separator: "\n").count
        let pps = Double(packets) / ours.seconds
        rows.append(("capture \(label), \(Int(mb)) MB, \(packets) packets",
                     String(format: "%.0f packets/s", pps),
                     String(format: "tshark %.0f packets/s (%.0f s)", Double(packets) / tshark.seconds, tshark.seconds),
                     String(format: "%.1f× tshark (target ≥ 30)", tshark.seconds / ours.seconds)))
        rows.append(("capture \(label), MB/s", String(format: "%.0f MB/s", mb / ours.seconds),
                     String(format: "capinfos -c %.2f s, tcpdump %.1f s", floor.seconds, tcpdump.seconds),
                     String(format: "%.1f× capinfos (target ≤ 5), %.1f× faster than tcpdump", ours.seconds / floor.seconds,
                            tcpdump.seconds / ours.seconds)))
        rows.append(("capture \(label), by threads", String(format: "1: %.0f, %d: %.0f packets/s", Double(packets) / oneThread.seconds,
                                                                cores, pps),
                     "flows split among workers", String(format: "speed-up 1.00× / %.2f×", oneThread.seconds / ours.seconds)))
        rows.append(("capture \(label), peak memory", ours.peakKiB.map { "\($0 >> 10) MiB" } ?? "-",
                     tshark.peakKiB.map { "tshark \($0 >> 10) MiB" } ?? "-", "target ≤ 256 MiB"))
        if label == "Modbus", let line = ours.out.split(separator: "\n").first(where: { $0.hasPrefix("sum of messages") }),
           let n = Int(line.split(separator: " ").last ?? "")
        {
            rows.append(("Modbus messages accounted (events + summaries)", "\(n)", "tshark \(tsharkLines) Modbus PDUs",
                         n == tsharkLines ? "all accounted" : "MISMATCH"))
        }
        if let events = ours.out.split(separator: " ").first { say("captures: \(label): \(events) events") }
        try? fm.removeItem(atPath: path)
    }
} else if opt.captureMiB > 0 {
    say("(tshark, GNU time or ../shared/datasets missing: skipping the capture benchmark)")
}

// MARK: 6. Historian exports

/// A wide export of `samples` samples made from the rows of the shared BATADAL export (real values, real number
/// formats), repeated with fresh one-minute timestamps.
@MainActor func buildHistorianExport(samples: Int, from batadal: String, to path: String) throws -> (rows: Int, columns: Int)? {
    guard let text = try? String(contentsOfFile: batadal, encoding: .utf8) else { return nil }
    var lines = text.split(whereSeparator: \.isNewline).map(String.init)
    let header = lines.removeFirst().split(separator: ",", maxSplits: 1)
    guard header.count == 2 else { return nil }
    let values = lines.compactMap { l in l.split(separator: ",", maxSplits: 1).last.map(String.init) }
    let columns = header[1].split(separator: ",").count
    let rows = (samples + columns - 1) / columns
    guard let out = FileHandle(forWritingAtPath: path) ?? {
        _ = fm.createFile(atPath: path, contents: nil)    // a failure shows as the nil handle below
        return FileHandle(forWritingAtPath: path)
    }() else { return nil }
    defer { try? out.close() }
    var buf = "Timestamp,\(header[1])\n"
    let start = Timestamp(seconds: 1_577_836_800)    // 2020-01-01T00:00:00Z
    for r in 0..<rows {
        let t = (start + Int64(r) * 60 * Timestamp.nanosPerSecond).iso8601(precision: .seconds)
        buf += t.dropLast().replacingOccurrences(of: "T", with: " ")
        buf += ","
        buf += values[r % values.count]
        buf += "\n"
        if buf.utf8.count > 1 << 20 {
            out.write(Data(buf.utf8))
            buf = ""
        }
    }
    out.write(Data(buf.utf8))
    return (rows, columns)
}

if !opt.jikocho.isEmpty, !opt.datasets.isEmpty, opt.historianSamples > 0, fm.isExecutableFile(atPath: "/usr/bin/time") {
    let path = "\(opt.work)/historian-wide.csv"
    say("historian: building a \(opt.historianSamples)-sample wide export from the BATADAL rows…")
    if let (rowsN, columns) = try buildHistorianExport(samples: opt.historianSamples,
                                                      from: "\(opt.datasets)/historian/BATADAL_dataset03_normal.csv",
                                                      to: path) {
        let samples = rowsN * columns
        let mb = Double((try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1e6
        say("historian: parsing and deriving process events (dev collect)…")
        let parse = try timed([opt.jikocho, "dev", "collect", "--collector", "historian/wide", "--option", "tz=UTC", path],
                              stdout: "\(opt.work)/hist-collect.txt")
        say("historian: ingest end to end into a case…")
        let caseDir = "\(opt.work)/historian-case"
        _ = try run(opt.jikocho, ["case", "init", caseDir, "--name", "bench", "--examiner", "bench"])
        let ingest = try timed([opt.jikocho, "ingest", caseDir, path, "--tz", "UTC"], stdout: "\(opt.work)/hist-ingest.txt")
        let stored = ingest.out.split(separator: "\n").first { $0.contains("historian/wide") }.map(String.init) ?? "?"
        var reference = "-"
        var ratio = "target ≥ 1,000,000 samples/s"
        if !opt.python.isEmpty {
            let script = "import sys, pandas; d = pandas.read_csv(sys.argv[1], parse_dates=[0], date_format='%Y-%m-%d %H:%M:%S'); "
                + "print(d.shape[0] * (d.shape[1] - 1))"
            let pandas = try timed([opt.python, "-c", script, path], stdout: "\(opt.work)/pandas.txt")
            if pandas.out.trimmingCharacters(in: .whitespacesAndNewlines) == String(samples) {
                reference = String(format: "pandas.read_csv %.0f samples/s (%.1f s, %d MiB)",
                                   Double(samples) / pandas.seconds, pandas.seconds, (pandas.peakKiB ?? 0) >> 10)
                ratio += String(format: "; pandas (parse only) %.1f× faster", ingest.seconds / pandas.seconds)
            }
        }
        rows.append(("historian ingest, \(samples) samples, \(Int(mb)) MB", String(format: "%.0f samples/s",
                     Double(samples) / ingest.seconds), reference, ratio))
        rows.append(("historian ingest, peak memory", ingest.peakKiB.map { "\($0 >> 10) MiB" } ?? "-",
                     String(format: "%.1f s end to end", ingest.seconds), ""))
        rows.append(("historian parse + process events only", String(format: "%.0f samples/s",
                     Double(samples) / parse.seconds), parse.peakKiB.map { "peak \($0 >> 10) MiB" } ?? "-", ""))
        say("historian: \(stored.trimmingCharacters(in: .whitespaces))")
        // The whole investigation of the same export with an inventory that maps three of its tags: the pumps'
        // switching gives some 200,000 state changes for the chains and the report to go through.
        say("historian: jikocho investigate of the same export with an inventory…")
        let evidence = "\(opt.work)/historian-evidence"
        try? fm.removeItem(atPath: evidence)
        try fm.createDirectory(atPath: evidence, withIntermediateDirectories: true)
        try fm.linkItem(atPath: path, toPath: "\(evidence)/historian-1-export.csv")
        let inventory = "\(opt.work)/historian-assets.yaml"
        try """
            assets:
              - {name: plc-1, role: plc, level: 1, addresses: [10.0.0.5], tags: [{point: "holding:40001", tag: L_T1, unit: m, \
            scale: 0.01}, {point: "holding:40002", tag: L_T2, unit: m, scale: 0.01}, {point: "holding:40003", tag: F_PU1, scale: 0.1}]}
              - {name: historian-1, role: historian, level: 3, addresses: [10.0.0.30], evidence: ["historian-1*"]}
            """.write(toFile: inventory, atomically: true, encoding: .utf8)
        let investigated = try timed([opt.jikocho, "investigate", evidence, "-o", "\(opt.work)/historian-investigation",
                                      "--assets", inventory, "--tz", "UTC", "--no-verify"], stdout: "\(opt.work)/hist-investigate.txt")
        let changes = investigated.out.split(separator: "\n").first { $0.hasPrefix("Evidence:") }.map(String.init) ?? "?"
        rows.append(("investigate, \(samples)-sample export", String(format: "%.1f s", investigated.seconds),
                     investigated.peakKiB.map { "peak \($0 >> 10) MiB" } ?? "-", "target ≤ 256 MiB"))
        say("historian: \(changes.trimmingCharacters(in: .whitespaces))")
        if !opt.python.isEmpty {
            // The same rows (the first two million samples' worth) saved as an Excel workbook by XlsxWriter, read by
            // the workbook collector and by pandas.read_excel through python-calamine (Rust) and openpyxl.
            let book = "\(opt.work)/historian-wide.xlsx"
            let bookRows = max(1, min(rowsN, 2_000_000 / max(1, columns)))
            say("historian: saving \(bookRows) rows as a workbook (XlsxWriter)…")
            let write = "import sys, pandas, xlsxwriter\n"
                + "d = pandas.read_csv(sys.argv[1], nrows=int(sys.argv[3]), parse_dates=[0], date_format='%Y-%m-%d %H:%M:%S')\n"
                + "wb = xlsxwriter.Workbook(sys.argv[2], {'constant_memory': True}); ws = wb.add_worksheet('Trend')\n"
                + "f = wb.add_format({'num_format': 'yyyy/mm/dd hh:mm:ss'}); ws.write_row(0, 0, list(d.columns))\n"
                + "for r, row in enumerate(d.itertuples(index=False), 1):\n"
                + "    ws.write_datetime(r, 0, row[0].to_pydatetime(), f)\n"
                + "    for c, v in enumerate(row[1:], 1): ws.write_number(r, c, float(v))\n"
                + "wb.close()\n"
            _ = try run(opt.python, ["-c", write, path, book, String(bookRows)])
            if fm.fileExists(atPath: book) {
                let bookSamples = bookRows * columns
                let bookMB = Double((try? fm.attributesOfItem(atPath: book)[.size] as? Int) ?? 0) / 1e6
                let ours = try timed([opt.jikocho, "dev", "collect", "--collector", "historian/xlsx", "--option", "tz=UTC", book])
                var peers: [String] = []
                var fastest = Double.infinity
                for engine in ["calamine", "openpyxl"] {
                    let script = "import sys, pandas; d = pandas.read_excel(sys.argv[1], engine='\(engine)'); "
                        + "print(d.shape[0] * (d.shape[1] - 1))"
                    let peer = try timed([opt.python, "-c", script, book], stdout: "\(opt.work)/pandas-xlsx.txt")
                    if peer.out.trimmingCharacters(in: .whitespacesAndNewlines) == String(bookSamples) {
                        peers.append(String(format: "%@ %.1f s %d MiB", engine, peer.seconds, (peer.peakKiB ?? 0) >> 10))
                        fastest = min(fastest, peer.seconds)
                    }
                }
                rows.append(("historian workbook, \(bookSamples) samples, \(Int(bookMB)) MB", String(format: "%.0f samples/s",
                             Double(bookSamples) / ours.seconds),
                             "pandas.read_excel " + (peers.isEmpty ? "-" : peers.joined(separator: ", ")),
                             fastest.isFinite ? String(format: "%.1f× the fastest peer; peak %d MiB", fastest / ours.seconds,
                                                       (ours.peakKiB ?? 0) >> 10) : ""))
                try? fm.removeItem(atPath: book)
            }
        }
        try? fm.removeItem(atPath: path)
    }
} else if opt.historianSamples > 0 {
    say("(GNU time or ../shared/datasets missing: skipping the historian benchmark)")
}

// MARK: 8. Investigate end to end

if !opt.jikocho.isEmpty, !opt.datasets.isEmpty, opt.investigateMiB > 0, fm.isExecutableFile(atPath: "/usr/bin/tshark"),
   fm.isExecutableFile(atPath: "/usr/bin/time")
{
    let replicate = URL(fileURLWithPath: opt.datasets).deletingLastPathComponent().appendingPathComponent("bench/replicate_unique.py").path
    let modbus = "\(opt.datasets)/pcaps/ics/modbus_example_icsnpp.pcap"
    let one = (try? fm.attributesOfItem(atPath: modbus)[.size] as? Int) ?? 0
    if one > 0 {
        var results: [(seconds: Double, peakKiB: Int?, events: Int)] = []
        for scale in [1, 10] {
            let copies = min(655_360, max(1, (opt.investigateMiB << 20) * scale / one))
            let path = "\(opt.work)/investigate-\(scale)x.pcap"
            say("investigate: building a \(opt.investigateMiB * scale) MB Modbus capture (\(copies) copies)…")
            let built = try run("/usr/bin/python3", [replicate, path, String(copies), "1", modbus])
            guard built.status == 0 else { say("(could not build the capture; the investigate rows are left out)"); break }
            let caseDir = "\(opt.work)/investigate-\(scale)x"
            // At 1×, the best of three runs of each tool: this machine's speed varies by up to half from one run
            // to the next, more than the difference measured. At 10× one run (for memory).
            let rounds = scale == 1 ? 3 : 1
            say("investigate: jikocho investigate on \(scale)× the volume\(rounds > 1 ? " (best of \(rounds))" : "")…")
            var ours = (seconds: Double.infinity, peakKiB: Int?.none, out: "")
            for _ in 0..<rounds {
                chmodTree(caseDir)
                try? fm.removeItem(atPath: caseDir)
                let r = try timed([opt.jikocho, "investigate", "-o", caseDir, path], stdout: "\(opt.work)/investigate.txt")
                if r.seconds < ours.seconds { ours.seconds = r.seconds; ours.out = r.out }
                ours.peakKiB = max(ours.peakKiB ?? 0, r.peakKiB ?? 0)
            }
            let events = ours.out.split(separator: "\n").first { $0.hasPrefix("Evidence:") }
                .flatMap { l in l.range(of: "ingested (").map { Int(l[$0.upperBound...].prefix { $0.isNumber }) ?? 0 } } ?? 0
            results.append((ours.seconds, ours.peakKiB, events))
            if scale == 1 {
                say("investigate: tshark's field extraction of the same capture (best of \(rounds))…")
                var tshark = (seconds: Double.infinity, peakKiB: Int?.none, out: "")
                for _ in 0..<rounds {
                    let r = try timed(["tshark", "-n", "-r", path, "-T", "fields", "-Y", "modbus", "-e", "frame.number",
                                       "-e", "mbtcp.trans_id", "-e", "mbtcp.unit_id", "-e", "modbus.func_code",
                                       "-e", "modbus.reference_num", "-e", "modbus.word_cnt", "-e", "modbus.bit_cnt",
                                       "-e", "modbus.regval_uint16", "-e", "modbus.exception_code"])
                    if r.seconds < tshark.seconds { tshark = r }
                }
                let size = Double((try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1e6
                rows.append(("investigate, \(Int(size)) MB Modbus capture", String(format: "%.1f s (%d events)", ours.seconds, events),
                             String(format: "tshark -T fields %.1f s (best of %d)", tshark.seconds, rounds),
                             String(format: "%.1f× faster (target ≥ 5)", tshark.seconds / ours.seconds)))
            }
            chmodTree(caseDir)
            try? fm.removeItem(atPath: caseDir)
            try? fm.removeItem(atPath: path)
        }
        if results.count == 2 {
            rows.append(("investigate peak memory, 1× / 10× volume",
                         "\((results[0].peakKiB ?? 0) >> 10) / \((results[1].peakKiB ?? 0) >> 10) MiB",
                         String(format: "10×: %.1f s, %d events", results[1].seconds, results[1].events), "target ≤ 256 MiB"))
        }
    }
} else if opt.investigateMiB > 0 {
    say("(tshark, GNU time or ../shared/datasets missing: skipping the investigate benchmark)")
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

import ArgumentParser
import Collectors
import EvidenceStore
import Foundation
import JikochoModel
import Timeline

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "The case's merged timeline in corrected time, for people or for other tools.",
        discussion: """
            Every source's events in one order, each time put right by its clock (see `jikocho clock`); the recorded \
            time is kept beside it. Formats: table (a `*` marks a corrected time), jsonl, csv, timesketch (Timesketch's \
            JSONL import) and l2tcsv (log2timeline's 17 columns).
            """)

    @Argument(help: "The case directory.") var `case`: String
    @OptionGroup var filter: EventFilter
    @Option(help: "table, jsonl, csv, timesketch or l2tcsv.") var format = "table"
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @Flag(help: "The same as --format jsonl.") var json = false

    func validate() throws {
        guard TimelineFormat(rawValue: format) != nil else {
            throw ValidationError("--format \(format): use one of " + TimelineFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        let c = try Case.open(at: `case`, mode: .read)
        let chosen = json ? .jsonl : TimelineFormat(rawValue: format) ?? .table
        let writer = TimelineWriter(format: chosen, context: try TimelineContext(c))
        var sink: FileSink
        if let output {
            guard let s = FileSink(path: output) else {
                throw CaseError(.io, "cannot write \(output)", hint: "check the folder exists and is writable")
            }
            sink = s
        } else {
            sink = FileSink(fd: STDOUT_FILENO)
        }
        if let h = writer.header { sink.line(h) }
        var n = 0
        var corrected = 0
        let progress = Output.Progress()
        try c.forEachEvent(filter.query) { s in
            n += 1
            if s.event.time != s.event.recordedTime { corrected += 1 }
            sink.line(writer.line(s))
            if output != nil, n % 50_000 == 0 { progress.update("\(n) events written") }
        }
        try sink.close()
        progress.clear()
        Output.err("\(n) event\(n == 1 ? "" : "s"), \(corrected) in corrected time"
                   + (output.map { " → \($0)" } ?? ""))
    }
}

/// Standard output, line by line through one buffer: printing a million events with `print` is several times slower.
typealias BufferedOutput = FileSink

/// Lines to a file descriptor through one buffer.
struct FileSink {
    private var buffer: [UInt8] = []
    private let fd: Int32
    private let owned: Bool
    private var failed = false

    init() { self.init(fd: STDOUT_FILENO) }

    init(fd: Int32) {
        self.fd = fd
        owned = false
    }

    init?(path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        self.fd = fd
        owned = true
    }

    mutating func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        if buffer.withUnsafeBytes({ FileIO.write(fd, $0) }) != nil { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() throws {
        flush()
        if owned {
            if fsync(fd) != 0 || Glibc.close(fd) != 0 { failed = true }
        }
        if failed { throw CaseError(.io, "the timeline could not be written completely", hint: "check free space") }
    }
}

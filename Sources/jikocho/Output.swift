import Foundation
import JikochoModel

/// Output helpers: terminal detection, safe display of strings written by attackers, sizes.
enum Output {
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    static func err(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// Evidence strings may carry terminal escape sequences: control characters are shown as `\xNN`.
    static func safe(_ s: String) -> String { s.terminalSafe }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }

    /// A progress line redrawn in place on a terminal; nothing when stderr is not a terminal.
    final class Progress {
        private var last = 0.0
        private let enabled = Output.stderrIsTerminal
        private let start = Date()

        func update(_ text: @autoclosure () -> String, force: Bool = false) {
            guard enabled else { return }
            let now = Date().timeIntervalSince1970
            guard force || now - last > 0.2 else { return }
            last = now
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text()).utf8))
        }

        var elapsed: Double { Date().timeIntervalSince(start) }

        func clear() {
            guard enabled else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}

extension Timestamp {
    /// Parses a command-line time: RFC 3339 / ISO 8601 (UTC when no offset is written) or a date `2021-02-05`.
    static func argument(_ s: String) -> Timestamp? {
        if let c = TimeParser.iso8601(s) { return c.timestamp(assumingOffset: 0) }
        if let c = TimeParser.iso8601(s + "T00:00:00") { return c.timestamp(assumingOffset: 0) }
        return nil
    }
}

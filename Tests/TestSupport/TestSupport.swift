import Foundation
import Testing

/// Where the repository and the third-party samples are, for tests.
public enum TestPaths {
    /// The repository root, found from this file's path (tests may run from any directory).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/datasets` beside the repository.
    public static let datasets: URL = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets")

    /// True where the samples are, and in CI, where their absence must fail the tests rather than skip them.
    /// Use as `@Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))`.
    public static var sharedAvailable: Bool {
        FileManager.default.fileExists(atPath: datasets.path) || ProcessInfo.processInfo.environment["CI"] != nil
    }

    public static let sharedSkipNote: Comment =
        "skipped: ../shared/datasets is not beside the repository (a user's clone); CI runs this test"

    public static func dataset(_ relative: String) -> String { datasets.appendingPathComponent(relative).path }

    /// The built `jikocho` program: beside the test bundle, else in the debug build folder.
    public static var jikocho: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("jikocho").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repoRoot.appendingPathComponent(".build/debug/jikocho").path
    }
}

/// A scratch directory removed when the value goes away.
public final class TempDir {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String = "jikocho-test") {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // Objects are read-only: make them writable so they can be removed.
        if let e = FileManager.default.enumerator(atPath: url.path) {
            for case let p as String in e { chmod(url.appendingPathComponent(p).path, 0o755) }
        }
        try? FileManager.default.removeItem(at: url)
    }

    public func file(_ name: String, _ contents: String) -> String {
        file(name, Array(contents.utf8))
    }

    @discardableResult
    public func file(_ name: String, _ bytes: [UInt8]) -> String {
        let u = url.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: u.path, contents: Data(bytes))
        return u.path
    }
}

/// Runs a program and collects its exit status and output.
public struct RunResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

@discardableResult
/// Starts a program with its output discarded and returns at once: for tests that kill it part way.
public func startProgram(_ path: String, _ args: [String]) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
}

/// `environment` is added to this process's own (a nil value removes the variable).
public func runProgram(_ path: String, _ args: [String], cwd: String? = nil,
                       environment: [String: String?] = [:]) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if !environment.isEmpty {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
    }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe. Plain read(2) with EINTR retried:
    // Foundation's readDataToEndOfFile traps when a signal interrupts it.
    nonisolated(unsafe) var errData = [UInt8]()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = readAll(err.fileHandleForReading.fileDescriptor)
        group.leave()
    }
    let outData = readAll(out.fileHandleForReading.fileDescriptor)
    group.wait()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}

func readAll(_ fd: Int32) -> [UInt8] {
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return out }
        out.append(contentsOf: buf[0..<n])
    }
}

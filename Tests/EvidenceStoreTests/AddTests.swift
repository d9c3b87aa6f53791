import Collectors
import Foundation
import GRDB
import JikochoModel
import TestSupport
import Testing

@testable import EvidenceStore

@Suite struct AddTests {
    @Test func addsAFileHashedAndReadOnly() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let content = "Feb  5 08:33:12 hmi-01 sshd[2211]: Accepted password for operator from 203.0.113.7\n"
        let path = tmp.file("in/auth.log", content)
        let outcomes = try c.add(paths: [path], options: AddOptions(timeZone: "Asia/Tokyo"))
        guard case .added(let item) = outcomes.first else { Issue.record("not added: \(outcomes)"); return }
        // Oracle: coreutils' sha256sum over the same bytes.
        let sum = try runProgram("/usr/bin/sha256sum", [path]).stdout.prefix(64)
        #expect(item.sha256 == String(sum))
        #expect(item.id == 1)
        #expect(item.size == Int64(content.utf8.count))
        #expect(item.name == "auth.log")
        #expect(item.originalPath == path)
        #expect(item.mimeType == "text/plain")
        #expect(item.timeZone == "Asia/Tokyo")
        #expect(item.examiner == "Examiner One")
        let object = c.objectPath(sha256: item.sha256)
        #expect(FileManager.default.contents(atPath: object) == Data(content.utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: object)[.posixPermissions] as? Int
        #expect(mode == 0o444)
        let entries = try c.custodyEntries()
        #expect(entries.map(\.action) == ["case.init", "evidence.add"])
        #expect(entries[1].detail.contains(item.sha256))
        #expect(try c.verify().isClean)
    }

    @Test func addingTheSameBytesTwiceIsANoOp() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let a = tmp.file("in/a.log", "same bytes\n")
        let b = tmp.file("elsewhere/renamed.txt", "same bytes\n")
        _ = try c.add(paths: [a])
        let custodyBefore = try c.custodyEntries().count
        for p in [a, b] {
            let again = try c.add(paths: [p])
            guard case .duplicate(let existing, let shown) = again.first else { Issue.record("\(again)"); return }
            #expect(existing.id == 1)
            #expect(shown == p)
        }
        // Twice within one command too.
        let both = try c.add(paths: [tmp.file("x/1", "fresh"), tmp.file("x/2", "fresh")])
        #expect(both.count == 2)
        if case .duplicate = both[1] {} else { Issue.record("second copy in one command: \(both[1])") }
        #expect(try evidenceCount(c) == 2)
        #expect(objectFiles(c).count == 2)
        #expect(try c.custodyEntries().count == custodyBefore + 1)
        #expect(try c.verify().isClean)
    }

    @Test func aDirectoryKeepsItsRelativePathsAndSkipsLinks() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        tmp.file("site/hmi/auth.log", "one\n")
        tmp.file("site/plc/trace.bin", [0xD4, 0xC3, 0xB2, 0xA1])
        tmp.file("site/historian.csv", "timestamp,tag,value\n")
        try FileManager.default.createSymbolicLink(atPath: tmp.url.appendingPathComponent("site/link").path,
                                                   withDestinationPath: "/etc/passwd")
        let outcomes = try c.add(paths: [tmp.url.appendingPathComponent("site").path])
        let added = outcomes.compactMap { if case .added(let i) = $0 { return i.relativePath } else { return nil } }
        #expect(added == ["site/historian.csv", "site/hmi/auth.log", "site/plc/trace.bin"])
        let skipped = outcomes.compactMap { if case .skipped(let p, let r) = $0 { return (p, r) } else { return nil } }
        #expect(skipped.count == 1)
        #expect(skipped.first?.0.hasSuffix("site/link") == true)
        #expect(skipped.first?.1.contains("/etc/passwd") == true)
        #expect(try c.allEvidence().map(\.relativePath) == ["site/historian.csv", "site/hmi/auth.log",
                                                             "site/plc/trace.bin"])
    }

    @Test func aMissingPathAddsNothing() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let good = tmp.file("in/good.log", "good\n")
        expectCaseError(.notFound) { _ = try c.add(paths: [good, tmp.url.appendingPathComponent("in/missing.log").path]) }
        #expect(try evidenceCount(c) == 0)
        #expect(objectFiles(c).isEmpty)
        #expect(try c.custodyEntries().count == 1)
    }

    @Test func anUnreadableFileAddsNothing() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        let good = tmp.file("in/good.log", "good\n")
        let fifo = tmp.url.appendingPathComponent("in/pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        expectCaseError(.unreadable) { _ = try c.add(paths: [good, fifo]) }
        if geteuid() != 0 {    // root reads anything, so permissions only bite for other users
            let locked = tmp.file("in/locked.log", "secret\n")
            chmod(locked, 0)
            expectCaseError(.unreadable) { _ = try c.add(paths: [good, locked]) }
        }
        #expect(try evidenceCount(c) == 0)
        #expect(objectFiles(c).isEmpty)
    }

    @Test(arguments: ["Asia/Tokyo", "UTC", "America/New_York", "+09:00", "-0500", "+05:30", "+09"])
    func acceptsTimeZonesACollectorCanApply(tz: String) throws {
        try Case.checkTimeZone(tz)
    }

    @Test func refusesAnUnknownTimeZoneBeforeCopyingAnything() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        for tz in ["Asia/Tokio", "JST+9", "+9", "+25:00", "+09:75", ""] {
            expectCaseError(.invalidArgument) {
                _ = try c.add(paths: [tmp.file("in/a.log", "a")], options: AddOptions(timeZone: tz))
            }
        }
        #expect(try evidenceCount(c) == 0)
    }

    @Test func refusesToAddTheCaseToItself() throws {
        let tmp = TempDir()
        let c = try makeCase(tmp)
        expectCaseError(.invalidArgument) { _ = try c.add(paths: [c.directory.appendingPathComponent("custody.jsonl").path]) }
    }

    @Test func anInterruptedAddLeavesNoStrayObject() throws {
        let tmp = TempDir()
        var c: Case? = try makeCase(tmp)
        let dir = c!.directory.path
        // What a kill between moving an object into place and committing its row leaves behind.
        let sha = String(repeating: "ab", count: 32)
        let stray = c!.objectPath(sha256: sha)
        try FileManager.default.createDirectory(atPath: (stray as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: stray, contents: Data("half".utf8))
        FileManager.default.createFile(atPath: "\(dir)/objects/tmp/add-journal", contents: Data((stray + "\n").utf8))
        FileManager.default.createFile(atPath: "\(dir)/objects/tmp/stage-1-0", contents: Data("partial".utf8))
        c = nil
        c = try Case.open(at: dir, mode: .write)
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/objects/tmp").isEmpty)
        #expect(try c!.verify().isClean)
    }
}

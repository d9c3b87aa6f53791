import Collectors
import Foundation
import TestSupport
import Testing

func members(_ path: String) throws -> [(ArchiveReader.Member, [UInt8])] {
    guard let r = ArchiveReader(path: path) else { return [] }
    var out: [(ArchiveReader.Member, [UInt8])] = []
    while let m = try r.next() {
        var data = [UInt8]()
        if m.kind == .file { try r.readData { data += $0 } }
        out.append((m, data))
    }
    return out
}

@Suite struct ArchiveReaderTests {
    @Test func readsZipMembersAndLinksWithoutExtracting() throws {
        let tmp = TempDir()
        let path = tmp.url.appendingPathComponent("a.zip").path
        #expect(ArchiveWriter.write(path, .zip, [.file("logs/auth.log", Array("line\n".utf8)),
                                                 .file("../../etc/evil", Array("x".utf8)),
                                                 .symlink("link", target: "/etc/passwd")]))
        let m = try members(path)
        #expect(m.map(\.0.path) == ["logs/auth.log", "../../etc/evil", "link"])
        #expect(m[0].1 == Array("line\n".utf8))
        #expect(m[2].0.kind == .symlink(target: "/etc/passwd"))
        #expect(!FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("etc").path))
    }

    @Test func readsTarGzAndSingleCompressedFiles() throws {
        let tmp = TempDir()
        let tgz = tmp.url.appendingPathComponent("a.tgz").path
        #expect(ArchiveWriter.write(tgz, .tarGz, [.file("one", [1, 2, 3]), .file("two", [])]))
        #expect(try members(tgz).map(\.1) == [[1, 2, 3], []])
        let gz = tmp.url.appendingPathComponent("auth.log.1.gz").path
        #expect(ArchiveWriter.write(gz, .gzipFile, [.file("data", Array("Feb  5 08:33:12 h a: x\n".utf8))]))
        let r = try #require(ArchiveReader(path: gz))
        #expect(r.isCompressedFile)
        #expect(try members(gz).first?.1 == Array("Feb  5 08:33:12 h a: x\n".utf8))
    }

    @Test func plainFilesAreNoArchives() {
        let tmp = TempDir()
        #expect(ArchiveReader(path: tmp.file("t.txt", "hello\nworld\n")) == nil)    // mtree would take this
        #expect(ArchiveReader(path: tmp.file("e", [])) == nil)
        #expect(ArchiveReader(path: tmp.file("b", [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0])) == nil)
        #expect(ArchiveReader(path: "/nonexistent") == nil)
    }

    /// Truncated and corrupted archives: an error or fewer members, never a crash or a hang.
    @Test func survivesTruncationAndCorruption() throws {
        let tmp = TempDir()
        let path = tmp.url.appendingPathComponent("a.tgz").path
        #expect(ArchiveWriter.write(path, .tarGz, (0..<5).map { .file("f\($0)", [UInt8](repeating: UInt8($0), count: 5000)) }))
        let bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        var rng = SystemRandomNumberGenerator()
        for round in 0..<60 {
            var b = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            if round % 2 == 0, !b.isEmpty {
                for _ in 0..<4 { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            let p = tmp.file("t\(round)", b)
            if let r = ArchiveReader(path: p) {
                do {
                    var n = 0
                    while let m = try r.next(), n < 100 {
                        n += 1
                        if m.kind == .file { try? r.readData { _ in } }
                    }
                } catch {}
            }
        }
    }
}

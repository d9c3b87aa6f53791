import CArchive
import Foundation

/// Reads archives and compressed files through libarchive (zip, tar, tar.gz/bz2/xz, 7z, cpio, ISO, and single
/// files compressed with gzip, bzip2, xz, zstd…), one member at a time, streaming: nothing is extracted by name
/// onto the disk, so member names (`../../etc/passwd`, `/abs`, links) are only ever data.
public final class ArchiveReader {
    public enum Kind: Equatable, Sendable {
        case file
        case directory
        case symlink(target: String)
        case hardlink(target: String)
        case other(mode: UInt32)
    }

    public struct Member: Sendable {
        /// The name as stored (may hold `..`, be absolute, or be empty).
        public var path: String
        public var kind: Kind
        /// The size the header declares, when it declares one (it may lie; reading is capped regardless).
        public var declaredSize: Int64?
        public var encrypted: Bool
    }

    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    private let archive: OpaquePointer
    private var entry: OpaquePointer?
    /// libarchive's name of the format (`ZIP 2.0 (deflation)`, `GNU tar format`, `RAW`).
    public private(set) var formatName = ""
    /// A single compressed file (`auth.log.2.gz`), not a container: its one member is the decompressed data.
    public private(set) var isCompressedFile = false
    private var pendingFirst = false

    /// The bytes an archive read from memory is opened on; freed with the reader.
    private var memory: UnsafeMutableRawBufferPointer?

    /// Opens `path` as an archive; nil when it is none (a plain file is not an archive, nor is a corrupt one that
    /// libarchive cannot even start to read).
    public convenience init?(path: String) {
        self.init { a, _ in archive_read_open_filename(a, path, 1 << 16) }
    }

    /// Opens bytes in memory as an archive, as `init(path:)` does a file (what the fuzz target feeds it).
    public convenience init?(bytes: [UInt8]) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        copy.copyBytes(from: bytes)
        self.init { a, reader in
            reader.memory = copy
            return archive_read_open_memory(a, copy.baseAddress, bytes.count)
        }
    }

    private init?(open: (OpaquePointer, ArchiveReader) -> Int32) {
        guard let a = archive_read_new() else { return nil }
        archive = a
        archive_read_support_filter_all(a)
        // Container formats, named one by one: "all" includes mtree, which reads any text file as a list of
        // member names.
        for support in [archive_read_support_format_7zip, archive_read_support_format_ar, archive_read_support_format_cab,
                        archive_read_support_format_cpio, archive_read_support_format_iso9660,
                        archive_read_support_format_lha, archive_read_support_format_rar,
                        archive_read_support_format_rar5, archive_read_support_format_tar,
                        archive_read_support_format_xar, archive_read_support_format_zip]
        {
            _ = support(a)
        }
        archive_read_support_format_raw(a)    // single compressed files; refused below when not compressed
        guard open(a, self) == ARCHIVE_OK else {
            return nil    // deinit frees the handle
        }
        var e: OpaquePointer?
        let rc = archive_read_next_header(a, &e)
        let format = archive_format(a)
        // An empty container (a tar of nothing) is an archive with no members; anything else that fails is none.
        guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN || (rc == ARCHIVE_EOF && format != 0 && format != ARCHIVE_FORMAT_RAW)
        else {
            return nil    // deinit frees the handle
        }
        if rc == ARCHIVE_EOF { e = nil }
        formatName = archive_format_name(a).map { String(cString: $0) } ?? "?"
        if format & Int32(bitPattern: 0xff0000) == ARCHIVE_FORMAT_RAW {
            // "raw" takes any bytes; it is an archive only when a decompression filter sits under it.
            guard archive_filter_count(a) > 1 else {
                // deinit frees the handle
                return nil
            }
            isCompressedFile = true
            formatName = (archive_filter_name(a, 0).map { String(cString: $0) } ?? "compressed") + " compressed file"
        }
        entry = e
        pendingFirst = true
    }

    deinit {
        archive_read_free(archive)
        memory?.deallocate()
    }

    /// The next member, or nil at the end. Throws when the archive is damaged past reading.
    public func next() throws -> Member? {
        if pendingFirst {
            pendingFirst = false
        } else {
            var e: OpaquePointer?
            let rc = archive_read_next_header(archive, &e)
            if rc == ARCHIVE_EOF { return nil }
            if rc < ARCHIVE_WARN { throw ReadError(description: errorText()) }
            entry = e
        }
        guard let entry else { return nil }
        let path = archive_entry_pathname_utf8(entry).map { String(cString: $0) }
            ?? archive_entry_pathname(entry).map { String(decoding: Data(bytes: $0, count: strlen($0)), as: UTF8.self) }
            ?? ""
        let type = UInt32(archive_entry_filetype(entry))
        let kind: Kind
        switch type {
        case JK_AE_IFREG: kind = archive_entry_hardlink(entry).map { .hardlink(target: String(cString: $0)) } ?? .file
        case JK_AE_IFDIR: kind = .directory
        case JK_AE_IFLNK: kind = .symlink(target: archive_entry_symlink(entry).map { String(cString: $0) } ?? "")
        default: kind = type == 0 && isCompressedFile ? .file : .other(mode: type)
        }
        let size: Int64? = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        return Member(path: path, kind: kind, declaredSize: size, encrypted: archive_entry_is_encrypted(entry) != 0)
    }

    /// Reads the current member's data in chunks into `body`. Throws when the data cannot be read (damaged,
    /// encrypted, unsupported compression) or when `body` throws.
    public func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let chunk = 1 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = archive_read_data(archive, buf, chunk)
            if n == 0 { return }
            if n < 0 {
                if Int32(n) == ARCHIVE_WARN { continue }
                throw ReadError(description: errorText())
            }
            try body(UnsafeRawBufferPointer(start: buf, count: n))
        }
    }

    private func errorText() -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "damaged archive"
    }
}

/// Office documents are zip packages, and evidence as one file: a workbook, a report, a presentation is read (or
/// kept) whole, never opened into its XML parts as an archive's members would be.
public enum OfficeDocument {
    /// libmagic's MIME types of Office Open XML and OpenDocument files start with these.
    static let mimePrefixes = ["application/vnd.openxmlformats-officedocument.", "application/vnd.ms-excel.",
                               "application/vnd.ms-word.", "application/vnd.ms-powerpoint.",
                               "application/vnd.oasis.opendocument."]

    /// Whether the zip at `path` is an Office Open XML package (`[Content_Types].xml` beside a workbook, document
    /// or presentation part) or an OpenDocument file (a first member `mimetype`): by libmagic's MIME type, else by
    /// the first 64 members' names (libmagic knows a package only when `[Content_Types].xml` comes first).
    public static func isDocument(path: String, mimeType: String?) -> Bool {
        if let m = mimeType?.lowercased(), mimePrefixes.contains(where: { m.hasPrefix($0) }) { return true }
        guard let archive = ArchiveReader(path: path), archive.formatName.uppercased().hasPrefix("ZIP") else { return false }
        var contentTypes = false, mainPart = false, n = 0
        while n < 64, let m = try? archive.next() {
            n += 1
            let name = m.path.lowercased()
            if n == 1, name == "mimetype" { return true }
            if name == "[content_types].xml" { contentTypes = true }
            if ["xl/workbook.xml", "word/document.xml", "ppt/presentation.xml"].contains(name) { mainPart = true }
            if contentTypes, mainPart { return true }
        }
        return false
    }
}

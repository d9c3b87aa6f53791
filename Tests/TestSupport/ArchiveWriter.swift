import CArchive
import Foundation

/// Writes archives with libarchive, for tests: fixtures the project makes itself.
public enum ArchiveWriter {
    public enum Format { case zip, tarGz, gzipFile, encryptedZip }

    public enum Entry {
        case file(String, [UInt8])
        case symlink(String, target: String)
    }

    @discardableResult
    public static func write(_ path: String, _ format: Format, _ entries: [Entry]) -> Bool {
        guard let a = archive_write_new() else { return false }
        defer { archive_write_free(a) }
        switch format {
        case .zip, .encryptedZip:
            archive_write_set_format_zip(a)
            if case .encryptedZip = format {
                guard archive_write_set_options(a, "zip:encryption=zipcrypt") == ARCHIVE_OK,
                      archive_write_set_passphrase(a, "secret") == ARCHIVE_OK
                else { return false }
            }
        case .tarGz:
            archive_write_set_format_pax_restricted(a)
            archive_write_add_filter_gzip(a)
        case .gzipFile:
            archive_write_set_format_raw(a)
            archive_write_add_filter_gzip(a)
        }
        guard archive_write_open_filename(a, path) == ARCHIVE_OK else { return false }
        for e in entries {
            guard let entry = archive_entry_new() else { return false }
            defer { archive_entry_free(entry) }
            switch e {
            case .file(let name, let bytes):
                archive_entry_set_pathname(entry, name)
                archive_entry_set_filetype(entry, JK_AE_IFREG)
                archive_entry_set_perm(entry, 0o644)
                archive_entry_set_size(entry, Int64(bytes.count))
                guard archive_write_header(a, entry) == ARCHIVE_OK else { return false }
                if !bytes.isEmpty {
                    _ = bytes.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
                }
            case .symlink(let name, let target):
                archive_entry_set_pathname(entry, name)
                archive_entry_set_filetype(entry, JK_AE_IFLNK)
                archive_entry_set_symlink(entry, target)
                archive_entry_set_perm(entry, 0o777)
                guard archive_write_header(a, entry) == ARCHIVE_OK else { return false }
            }
        }
        return archive_write_close(a) == ARCHIVE_OK
    }
}

import CMagic

/// MIME types from libmagic (the `file` command's database).
///
/// One cookie per instance; libmagic cookies are not thread-safe, so each thread makes its own.
public final class FileIdentifier {
    private let cookie: magic_t?

    public init() {
        let c = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR)
        if let c, magic_load(c, nil) != 0 {
            magic_close(c)
            cookie = nil
        } else {
            cookie = c
        }
    }

    deinit {
        if let cookie { magic_close(cookie) }
    }

    /// False when libmagic's database could not be loaded; MIME types are then nil.
    public var isAvailable: Bool { cookie != nil }

    /// The MIME type of a file, e.g. `application/vnd.tcpdump.pcap`, or nil when libmagic cannot tell.
    public func mimeType(ofFile path: String) -> String? {
        guard let cookie, let r = magic_file(cookie, path) else { return nil }
        return String(cString: r)
    }

    /// The MIME type of a buffer (the head of a file or an archive member).
    public func mimeType(of bytes: [UInt8]) -> String? {
        guard let cookie else { return nil }
        return bytes.withUnsafeBytes { b -> String? in
            guard let base = b.baseAddress, let r = magic_buffer(cookie, base, b.count) else { return nil }
            return String(cString: r)
        }
    }
}

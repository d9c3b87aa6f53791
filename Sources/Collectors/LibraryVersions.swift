import CArchive
import CMagic
import CPcap
import Foundation

/// The versions of the system libraries the collectors read evidence with, as the running process loaded them:
/// an examiner's report of the tools used names them (`jikocho --version`).
public enum LibraryVersions {
    public static var readers: [(name: String, version: String)] {
        let magic = Int(magic_version())
        return [
            ("libpcap", pcapVersion),
            ("libarchive", String(cString: archive_version_string()).replacingOccurrences(of: "libarchive ", with: "")),
            ("libmagic", "\(magic / 100).\(String(format: "%02d", magic % 100))"),
        ]
    }

    /// "libpcap version 1.10.5 (with TPACKET_V3)" → "1.10.5".
    static var pcapVersion: String {
        let text = String(cString: pcap_lib_version())
        let words = text.split(separator: " ")
        if let i = words.firstIndex(of: "version"), i + 1 < words.count { return String(words[i + 1]) }
        return text
    }
}

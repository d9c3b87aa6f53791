import CArchive
import CMagic
import CPcap
import Foundation
import TestSupport
import Testing

/// The shims link and expose what later collectors need.
@Suite struct SystemLibraryTests {
    @Test(.enabled(if: TestPaths.sharedAvailable, TestPaths.sharedSkipNote))
    func libpcapReadsARealCapture() throws {
        let path = TestPaths.dataset("pcaps/ics/modbus_example_icsnpp.pcap")
        #expect(String(cString: pcap_lib_version()).hasPrefix("libpcap"))
        var err = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let p = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &err)
        try #require(p != nil, "\(String(cString: err))")
        defer { pcap_close(p) }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var n = 0
        while pcap_next_ex(p, &header, &data) == 1 { n += 1 }
        #expect(n == 100)    // MANIFEST.tsv: 100 frames
        #expect(pcap_datalink(p) == DLT_EN10MB)
    }

    @Test func libarchiveConstantsAreUsableFromSwift() {
        #expect(archive_version_number() >= 3_000_000)
        #expect(JK_AE_IFMT == 0o170000)
        #expect(JK_AE_IFREG == 0o100000)
        #expect(JK_AE_IFDIR == 0o040000)
        #expect(JK_AE_IFLNK == 0o120000)
        let a = archive_read_new()
        #expect(a != nil)
        #expect(archive_read_support_format_all(a) == ARCHIVE_OK)
        archive_read_free(a)
    }

    @Test func libmagicKnowsCaptureAndEventLogMagic() {
        let cookie = magic_open(MAGIC_MIME_TYPE)
        defer { magic_close(cookie) }
        #expect(magic_load(cookie, nil) == 0)
        let pcapHeader: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 0, 0]
        let mime = pcapHeader.withUnsafeBytes { String(cString: magic_buffer(cookie, $0.baseAddress, $0.count)) }
        #expect(mime == "application/vnd.tcpdump.pcap")
    }
}


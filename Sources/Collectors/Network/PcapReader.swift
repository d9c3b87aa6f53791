import CPcap

/// Reads a capture through libpcap (`pcap_open_offline_with_tstamp_precision`, nanoseconds kept), one packet at
/// a time with its 1-based number, as Wireshark counts. Times outside 1970…2255 are clamped and reported.
public final class PcapReader {
    public enum Next {
        case packet(UnsafeRawBufferPointer, time: Int64, number: Int, clamped: Bool)
        case end
        /// The capture cannot be read past this point (a damaged or cut record).
        case damaged(String)
    }

    let handle: OpaquePointer
    public let linkType: Int32
    public private(set) var number = 0

    /// Packet times after this (year 2255) are taken as damage.
    public static let latestSecond: Int64 = 9_000_000_000

    public init(path: String) throws(PcapError) {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            throw PcapError(text: String(cString: errbuf))
        }
        handle = h
        linkType = pcap_datalink(h)
    }

    deinit { pcap_close(handle) }

    public var linkTypeName: String {
        pcap_datalink_val_to_name(linkType).map { String(cString: $0) } ?? "?"
    }

    /// The next packet; its bytes are valid until the next call.
    public func next() -> Next {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let rc = pcap_next_ex(handle, &header, &data)
        if rc == 1, let h = header?.pointee, let data {
            number += 1
            var seconds = Int64(h.ts.tv_sec)
            var clamped = false
            if seconds < 0 || seconds > Self.latestSecond {
                seconds = min(max(seconds, 0), Self.latestSecond)
                clamped = true
            }
            let time = seconds * 1_000_000_000 + Int64(min(max(Int(h.ts.tv_usec), 0), 999_999_999))
            return .packet(UnsafeRawBufferPointer(start: data, count: Int(h.caplen)), time: time, number: number,
                           clamped: clamped)
        }
        if rc == PCAP_ERROR_BREAK { return .end }
        return .damaged(String(cString: pcap_geterr(handle)))
    }
}

public struct PcapError: Error, CustomStringConvertible {
    public var text: String
    public var description: String { text }
}

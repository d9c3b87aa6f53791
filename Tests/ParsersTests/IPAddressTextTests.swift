@testable import Parsers
import Testing

/// Addresses written in logs are compared with the capture decoders' text (the chain links a connection to a logon
/// by the address): the same host must be the same text whichever way a source wrote it.
@Suite struct IPAddressTextTests {
    @Test func canonicalForms() {
        #expect(IPAddressText.canonical("10.0.0.5") == "10.0.0.5")
        #expect(IPAddressText.canonical("010.001.020.003") == "10.1.20.3")
        #expect(IPAddressText.canonical("0.0.0.0") == "0.0.0.0")
        // Windows writes an IPv4 client of a dual-stack socket as an IPv4-mapped address.
        #expect(IPAddressText.canonical("::ffff:10.9.9.37") == "10.9.9.37")
        #expect(IPAddressText.canonical("::FFFF:10.9.9.37") == "10.9.9.37")
        #expect(IPAddressText.canonical("::ffff:0a09:0925") == "10.9.9.37")
        // RFC 5952: lower case, no leading zeros, the longest run of zero groups (two or more) as `::`.
        #expect(IPAddressText.canonical("2001:0DB8:0000:0000:0000:0000:0000:0001") == "2001:db8::1")
        #expect(IPAddressText.canonical("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1")
        #expect(IPAddressText.canonical("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1")
        #expect(IPAddressText.canonical("fe80::1%eth0") == "fe80::1%eth0")
        #expect(IPAddressText.canonical("::") == "::")
        #expect(IPAddressText.canonical("::1") == "::1")
        #expect(IPAddressText.canonical("64:ff9b::192.0.2.33") == "64:ff9b::c000:221")
        // The same text as the capture decoders' for the same address.
        #expect(IPAddressText.canonical("2001:db8:8::1000") == IPAddress(v6hi: 0x2001_0db8_0008_0000, v6lo: 0x1000).description)
        for bad in ["", "-", "host.example", "1.2.3", "256.1.1.1", "1.2.3.4.5", "2001:db8::1::2", "gggg::1", "::ffff:1.2.3"] {
            #expect(IPAddressText.canonical(bad) == nil, "\(bad)")
        }
    }
}

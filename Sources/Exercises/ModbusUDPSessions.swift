import Foundation

/// A capture for checking the decoder of Modbus over UDP against Wireshark: Modbus/UDP (an MBAP frame a datagram, to
/// port 502, Wireshark's `mbudp`) and RTU frames over UDP (a serial device server in UDP mode, port 4001, read by
/// Wireshark's `mbrtu` when told): reads and writes of registers and coils, an exception, a request never answered,
/// a datagram cut short of its MBAP length and one whose CRC does not check. The same bytes every time
/// (`scripts/oracles/modbus_udp_golden.sh` writes tshark's view of them).
public enum ModbusUDPSessions {
    public static let master = "10.60.1.10"
    public static let device = "10.60.1.20"

    /// An MBAP frame: transaction, protocol 0, length, unit, then the PDU.
    static func mbap(_ tid: UInt16, unit: UInt8, _ pdu: [UInt8]) -> [UInt8] {
        let len = UInt16(1 + pdu.count)
        return [UInt8(tid >> 8), UInt8(tid & 0xFF), 0, 0, UInt8(len >> 8), UInt8(len & 0xFF), unit] + pdu
    }

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let a = NetHost(master, mac: [2, 0, 0, 0, 0, 0x70]), b = NetHost(device, mac: [2, 0, 0, 0, 0, 0x71])
        var t: Int64 = 1_764_200_000_000_000_000
        /// Datagrams between the master's `port` and the device's `server`, 20 ms apart.
        func exchange(_ port: UInt16, _ server: UInt16, _ messages: [(Bool, [UInt8])]) {
            for (fromMaster, payload) in messages {
                let (src, dst) = fromMaster ? (a, b) : (b, a)
                cap.add(t, Frames.udp(src, fromMaster ? port : server, dst, fromMaster ? server : port, payload: payload,
                                      id: cap.nextID(src), ttl: fromMaster ? 128 : 64))
                t += 20_000_000
            }
            t += 1_000_000_000
        }
        var cut = mbap(7, unit: 1, [3, 0, 0, 0, 4])
        cut[5] = 12    // says 12 bytes follow; 6 do
        exchange(50_101, 502, [
            (true, mbap(1, unit: 1, [3, 0, 0, 0, 2])), (false, mbap(1, unit: 1, [3, 4, 0x00, 0xD7, 0x08, 0x34])),
            (true, mbap(2, unit: 1, [6, 0, 4, 0x25, 0x1C])), (false, mbap(2, unit: 1, [6, 0, 4, 0x25, 0x1C])),
            (true, mbap(3, unit: 2, [16, 0, 10, 0, 2, 4, 0x42, 0xBE, 0x00, 0x00])), (false, mbap(3, unit: 2, [16, 0, 10, 0, 2])),
            (true, mbap(4, unit: 1, [5, 0, 4, 0x00, 0x00])), (false, mbap(4, unit: 1, [5, 0, 4, 0x00, 0x00])),
            (true, mbap(5, unit: 3, [6, 0, 99, 0, 1])), (false, mbap(5, unit: 3, [0x86, 2])),
            (true, mbap(6, unit: 4, [4, 0, 1, 0, 1])),                              // unit 4 never answers
            (true, cut),
            (true, mbap(8, unit: 1, [15, 0, 16, 0, 10, 2, 0xCD, 0x01])), (false, mbap(8, unit: 1, [15, 0, 16, 0, 10])),
        ])
        var badCRC = ModbusRTUSessions.rtu([1, 3, 0, 8, 0, 1])
        badCRC[badCRC.count - 1] ^= 0x5A
        exchange(50_102, 4001, [
            (true, ModbusRTUSessions.rtu([1, 6, 0, 5, 0, 42])), (false, ModbusRTUSessions.rtu([1, 6, 0, 5, 0, 42])),
            (true, ModbusRTUSessions.rtu([1, 3, 0, 5, 0, 1])), (false, ModbusRTUSessions.rtu([1, 3, 2, 0, 42])),
            (true, badCRC),
            (true, ModbusRTUSessions.rtu([1, 5, 0, 4, 0xFF, 0x00])), (false, ModbusRTUSessions.rtu([1, 5, 0, 4, 0xFF, 0x00])),
        ])
        return try cap.write(to: path)
    }
}

import Foundation

/// A capture for checking the decoder of Modbus RTU carried over TCP (a serial device server's link, Moxa NPort's
/// port 4001) against Wireshark's `mbrtu`: reads and writes of registers and coils to several units, an exception,
/// a request the slave never answered (the master's next request follows), a frame whose CRC is wrong, and the same
/// framing on port 502 (a gateway in transparent mode), where only the content tells RTU from Modbus/TCP. The same
/// bytes every time (`scripts/oracles/modbus_rtu_golden.sh` writes tshark's view of them).
public enum ModbusRTUSessions {
    public static let master = "10.60.0.10"
    public static let gateway = "10.60.0.20"

    /// A frame with its CRC appended, low byte first.
    static func rtu(_ body: [UInt8]) -> [UInt8] {
        var crc: UInt16 = 0xFFFF
        for b in body {
            crc ^= UInt16(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        }
        return body + [UInt8(crc & 0xFF), UInt8(crc >> 8)]
    }

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let a = NetHost(master, mac: [2, 0, 0, 0, 0, 0x60]), b = NetHost(gateway, mac: [2, 0, 0, 0, 0, 0x61])
        var t: Int64 = 1_764_100_000_000_000_000
        func session(_ clientPort: UInt16, _ serverPort: UInt16, _ messages: [(Bool, [UInt8])]) {
            TCPConversation.replay(cap, client: a, clientPort: clientPort, server: b, serverPort: serverPort, at: t,
                                   step: 20_000_000, messages)
            t += 1_000_000_000
        }
        var badCRC = rtu([1, 3, 0, 8, 0, 1])
        badCRC[badCRC.count - 1] ^= 0x5A
        session(51_001, 4001, [
            (true, rtu([1, 3, 0, 0, 0, 2])), (false, rtu([1, 3, 4, 0x00, 0xD7, 0x08, 0x34])),
            (true, rtu([1, 6, 0, 4, 0x25, 0x1C])), (false, rtu([1, 6, 0, 4, 0x25, 0x1C])),
            (true, rtu([2, 16, 0, 10, 0, 2, 4, 0x42, 0xBE, 0x00, 0x00])), (false, rtu([2, 16, 0, 10, 0, 2])),
            (true, rtu([1, 5, 0, 4, 0xFF, 0x00])), (false, rtu([1, 5, 0, 4, 0xFF, 0x00])),
            (true, rtu([1, 1, 0, 0, 0, 8])), (false, rtu([1, 1, 1, 0b0001_0101])),
            (true, rtu([3, 6, 0, 99, 0, 1])), (false, rtu([3, 0x86, 2])),
            (true, rtu([4, 3, 0, 0, 0, 1])),                                    // unit 4 never answers
            (true, rtu([1, 15, 0, 16, 0, 10, 2, 0xCD, 0x01])), (false, rtu([1, 15, 0, 16, 0, 10])),
            (true, badCRC),
            (true, rtu([1, 4, 0, 1, 0, 1])), (false, rtu([1, 4, 2, 0x01, 0xF4])),
        ])
        session(51_002, 502, [
            (true, rtu([1, 6, 0, 5, 0, 42])), (false, rtu([1, 6, 0, 5, 0, 42])),
            (true, rtu([1, 3, 0, 5, 0, 1])), (false, rtu([1, 3, 2, 0, 42])),
        ])
        return try cap.write(to: path)
    }
}

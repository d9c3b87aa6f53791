import Foundation

/// A capture for checking the BACnet decoder against Wireshark where device answers say no: every confirmed
/// service (0–29) asked three times, answered once each by Error, Reject and Abort. ReinitializeDevice and
/// DeviceCommunicationControl carry a password, as a guesser sends them; the services whose Error is a structure
/// (the list services, CreateObject, WritePropertyMultiple, ConfirmedPrivateTransfer, VT-Close) get that form.
/// The same bytes every time (`scripts/oracles/bacnet_refusals_golden.sh` writes tshark's view of them).
public enum BACnetRefusals {
    public static let client = "10.40.0.10"
    public static let device = "10.40.0.20"
    /// Confirmed services whose Error PDU opens with a context tag (an error structure, not two enumerations).
    static let structuredError: Set<UInt8> = [8, 9, 10, 16, 18, 22]

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let writer = try CaptureWriter(path: path)
        defer { writer.close() }
        let a = NetHost(client, mac: [2, 0, 0, 0, 0, 0x10]), b = NetHost(device, mac: [2, 0, 0, 0, 0, 0x20])
        var t: Int64 = 1_764_000_000_000_000_000
        var id: UInt16 = 1
        func send(_ from: NetHost, _ to: NetHost, _ apdu: [UInt8], expectingReply: Bool) {
            let npdu: [UInt8] = [0x01, expectingReply ? 0x04 : 0x00]
            let bvlc: [UInt8] = [0x81, 0x0A] + Frames.be16(UInt16(4 + npdu.count + apdu.count))
            writer.write(Frames.udp(from, 47808, to, 47808, payload: bvlc + npdu + apdu, id: id, ttl: 64), at: t)
            id &+= 1
            t += 10_000_000
        }
        var invoke: UInt8 = 0
        for service in UInt8(0)...29 {
            for answer in 0..<3 {
                send(a, b, [0x00, 0x05, invoke, service] + serviceData(service), expectingReply: true)
                let errorClass = service % 8, errorCode = (service &* 3) % 50
                switch answer {
                case 0:
                    let codes: [UInt8] = [0x91, errorClass, 0x91, errorCode]
                    let body = structuredError.contains(service) ? [0x0E] + codes + [0x0F, 0x19, 0x01] : codes
                    send(b, a, [0x50, invoke, service] + body, expectingReply: false)
                case 1:
                    send(b, a, [0x60, invoke, service % 10], expectingReply: false)
                default:
                    send(b, a, [0x71, invoke, service % 12], expectingReply: false)
                }
                invoke &+= 1
            }
        }
        return writer.frames
    }

    /// A request's service data: a password for the two device-control services, an object and property for the
    /// property services, nothing for the rest (Wireshark and Jikocho both read a request cut short of its data).
    static func serviceData(_ service: UInt8) -> [UInt8] {
        let password = Array("guess\(service)".utf8)
        let text: [UInt8] = [UInt8(password.count + 1), 0x00] + password
        switch service {
        case 20: return [0x09, 0x01, 0x1D] + text                     // ReinitializeDevice: warmstart, password
        case 17: return [0x19, 0x01, 0x2D] + text                     // DeviceCommunicationControl: disable, password
        case 12, 15: return [0x0C, 0x00, 0x80, 0x00, 0x03, 0x19, 0x55] // Read/WriteProperty: analog-value 3, present-value
        default: return []
        }
    }
}

import Foundation

/// A capture for checking the MMS (IEC 61850) decoder against Wireshark: a substation client's association with an
/// IED over ISO-on-TCP (COTP, session CONNECT/ACCEPT carrying ACSE and the MMS initiate), then identify, the domain
/// list, a status read polled three times, a breaker's control selected (SBOw) then operated (Oper), an analogue
/// setpoint operated, an operate refused (object access denied), a protection setting and the active setting group
/// written, a select cancelled, an attribute request answered by an error, a report, a disturbance record deleted, a
/// program invocation stopped, and the association concluded; on a second connection an operate that gets no answer
/// and an answer whose request came before the capture. The same bytes every time (`scripts/oracles/mms_commands_golden.sh` writes tshark's view).
public enum MMSCommands {
    public static let client = "10.60.1.10"
    public static let ied = "10.60.1.20"

    // MARK: BER

    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        if n < 0x100 { return [0x81, UInt8(n)] }
        return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
    }

    /// A session (ISO 8327) length: one byte up to 254, else 0xFF and two bytes.
    static func sessionLength(_ n: Int) -> [UInt8] { n < 255 ? [UInt8(n)] : [0xFF, UInt8(n >> 8), UInt8(n & 0xFF)] }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + length(content.count) + content }

    /// A context-specific tag above 30 (`[72]`, `[76]`), constructed.
    static func highTag(_ n: Int, _ content: [UInt8]) -> [UInt8] { [0xBF, UInt8(n)] + length(content.count) + content }

    static func integer(_ v: Int, tag: UInt8 = 0x02) -> [UInt8] {
        var bytes: [UInt8] = []
        var x = v
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: x), at: 0)
            x >>= 8
        } while x != 0 && x != -1
        if v >= 0, bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        if v < 0, bytes[0] & 0x80 == 0 { bytes.insert(0xFF, at: 0) }
        return tlv(tag, bytes)
    }

    static func visible(_ s: String, tag: UInt8 = 0x1A) -> [UInt8] { tlv(tag, Array(s.utf8)) }

    // MARK: MMS

    /// A domain-specific variable in a listOfVariable.
    static func variable(_ domain: String, _ item: String) -> [UInt8] {
        tlv(0x30, tlv(0xA0, tlv(0xA1, visible(domain) + visible(item))))
    }

    static func confirmedRequest(_ id: Int, _ service: [UInt8]) -> [UInt8] { tlv(0xA0, integer(id) + service) }
    static func confirmedResponse(_ id: Int, _ service: [UInt8]) -> [UInt8] { tlv(0xA1, integer(id) + service) }

    static func read(_ vars: [(String, String)]) -> [UInt8] {
        tlv(0xA4, tlv(0xA1, tlv(0xA0, vars.flatMap { variable($0.0, $0.1) })))
    }

    static func write(_ vars: [(String, String)], _ data: [[UInt8]]) -> [UInt8] {
        tlv(0xA5, tlv(0xA0, vars.flatMap { variable($0.0, $0.1) }) + tlv(0xA0, data.flatMap { $0 }))
    }

    static func boolean(_ b: Bool) -> [UInt8] { tlv(0x83, [b ? 0xFF : 0x00]) }
    static func float(_ f: Float) -> [UInt8] {
        let bits = f.bitPattern
        return tlv(0x87, [8, UInt8(bits >> 24), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)])
    }
    static func unsigned(_ v: Int) -> [UInt8] { integer(v, tag: 0x86) }
    static func bits(_ unused: UInt8, _ b: [UInt8]) -> [UInt8] { tlv(0x84, [unused] + b) }
    static func utc(_ seconds: UInt32) -> [UInt8] {
        tlv(0x91, [UInt8(seconds >> 24), UInt8(seconds >> 16 & 0xFF), UInt8(seconds >> 8 & 0xFF), UInt8(seconds & 0xFF),
                   0x80, 0, 0, 0x0A])
    }

    /// An IEC 61850 control service's structure: ctlVal, origin (orCat, orIdent), ctlNum, T, Test, Check.
    static func control(_ ctlVal: [UInt8], number: Int, at seconds: UInt32) -> [UInt8] {
        tlv(0xA2, ctlVal + tlv(0xA2, integer(3, tag: 0x85) + tlv(0x89, Array("SCADA-1".utf8))) + unsigned(number)
            + utc(seconds) + boolean(false) + bits(6, [0x40]))
    }

    // MARK: OSI upper layers

    static let acseOID: [UInt8] = [0x06, 0x04, 0x52, 0x01, 0x00, 0x01]
    static let mmsOID: [UInt8] = [0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x01]
    static let ber: [UInt8] = [0x30, 0x04, 0x06, 0x02, 0x51, 0x01]

    /// Presentation fully-encoded data: one PDV in context `context` (1 ACSE, 3 MMS).
    static func pdv(_ context: Int, _ value: [UInt8]) -> [UInt8] { tlv(0x61, tlv(0x30, integer(context) + tlv(0xA0, value))) }

    /// Session GIVE TOKENS and DATA TRANSFER, then the presentation data.
    static func data(_ mms: [UInt8]) -> [UInt8] { [0x01, 0x00, 0x01, 0x00] + pdv(3, mms) }

    static func initiateRequest() -> [UInt8] {
        tlv(0xA8, integer(65_000, tag: 0x80) + integer(5, tag: 0x81) + integer(5, tag: 0x82) + integer(10, tag: 0x83)
            + tlv(0xA4, integer(1, tag: 0x80) + tlv(0x81, [0x05, 0xF1, 0x00])
                  + tlv(0x82, [0x03, 0xEE, 0x1C, 0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x79, 0xEF, 0x18])))
    }

    static func initiateResponse() -> [UInt8] {
        tlv(0xA9, integer(65_000, tag: 0x80) + integer(5, tag: 0x81) + integer(5, tag: 0x82) + integer(10, tag: 0x83)
            + tlv(0xA4, integer(1, tag: 0x80) + tlv(0x81, [0x05, 0xF1, 0x00])
                  + tlv(0x82, [0x03, 0xEE, 0x1C, 0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x79, 0xEF, 0x18])))
    }

    /// Session CONNECT with the presentation CP-type: the context list (ACSE 1, MMS 3) and the ACSE AARQ carrying the
    /// MMS initiate request.
    static func connect() -> [UInt8] {
        let aarq = tlv(0x60, tlv(0xA1, [0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03])
                       + tlv(0xBE, tlv(0x28, integer(3) + tlv(0xA0, initiateRequest()))))
        let contexts = tlv(0xA4, tlv(0x30, integer(1) + acseOID + ber) + tlv(0x30, integer(3) + mmsOID + ber))
        let cp = tlv(0x31, tlv(0xA0, [0x80, 0x01, 0x01])
                     + tlv(0xA2, tlv(0x81, [0, 0, 0, 1]) + tlv(0x82, [0, 0, 0, 1]) + contexts + pdv(1, aarq)))
        let params: [UInt8] = [0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02, 0x14, 0x02, 0x00, 0x02,
                               0x33, 0x02, 0x00, 0x01, 0x34, 0x02, 0x00, 0x01] + [0xC1] + sessionLength(cp.count) + cp
        return [0x0D] + sessionLength(params.count) + params
    }

    /// Session ACCEPT with the presentation CPA: the contexts accepted and the ACSE AARE with the initiate response.
    static func accept() -> [UInt8] {
        let aare = tlv(0x61, tlv(0xA1, [0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03]) + tlv(0xA2, integer(0))
                       + tlv(0xA3, tlv(0xA1, integer(0))) + tlv(0xBE, tlv(0x28, integer(3) + tlv(0xA0, initiateResponse()))))
        let results = tlv(0xA5, tlv(0x30, integer(0, tag: 0x80) + tlv(0x81, [0x51, 0x01]))
                          + tlv(0x30, integer(0, tag: 0x80) + tlv(0x81, [0x51, 0x01])))
        let cpa = tlv(0x31, tlv(0xA0, [0x80, 0x01, 0x01]) + tlv(0xA2, tlv(0x83, [0, 0, 0, 1]) + results + pdv(1, aare)))
        let params: [UInt8] = [0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02, 0x14, 0x02, 0x00, 0x02]
            + [0xC1] + sessionLength(cpa.count) + cpa
        return [0x0E] + sessionLength(params.count) + params
    }

    /// TPKT and a COTP data TPDU (end of TSDU) around a TSDU.
    static func frame(_ tsdu: [UInt8]) -> [UInt8] {
        let n = 4 + 3 + tsdu.count
        return [0x03, 0x00, UInt8(n >> 8), UInt8(n & 0xFF), 0x02, 0xF0, 0x80] + tsdu
    }

    /// TPKT and a COTP connection request (0xE0) or confirm (0xD0), TSAPs 00 01 both ends.
    static func cotpConnect(_ confirm: Bool) -> [UInt8] {
        let body: [UInt8] = [confirm ? 0xD0 : 0xE0, 0x00, confirm ? 0x01 : 0x00, 0x00, 0x01, 0x00,
                             0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x00, 0x01, 0xC2, 0x02, 0x00, 0x01]
        let cotp = [UInt8(body.count)] + body
        let n = 4 + cotp.count
        return [0x03, 0x00, UInt8(n >> 8), UInt8(n & 0xFF)] + cotp
    }

    /// Writes the capture; returns its frame count.
    @discardableResult
    public static func write(to path: String) throws -> Int {
        let cap = CaptureBuilder()
        let a = NetHost(client, mac: [2, 0, 0, 0, 6, 0x10]), b = NetHost(ied, mac: [2, 0, 0, 0, 6, 0x20])
        var t: Int64 = 1_764_200_000_000_000_000
        let seconds = UInt32(t / 1_000_000_000)
        let conv = TCPConversation(cap, client: a, clientPort: 50_200, server: b, serverPort: 102, isn: (7_000, 70_000))
        conv.open(t)
        func step() { t += 20_000_000 }
        func send(_ fromClient: Bool, _ bytes: [UInt8]) {
            step()
            conv.send(fromClient: fromClient, t, bytes)
        }
        var id = 0
        func exchange(_ request: [UInt8], _ response: [UInt8]?) {
            id += 1
            send(true, frame(data(confirmedRequest(id, request))))
            if let response { send(false, frame(data(confirmedResponse(id, response)))) }
        }
        send(true, cotpConnect(false))
        send(false, cotpConnect(true))
        send(true, frame(connect()))
        send(false, frame(accept()))
        exchange(tlv(0x82, []), tlv(0xA2, visible("libiec61850.com", tag: 0x80) + visible("LIBIEC61850", tag: 0x81)
                                    + visible("1.5.1", tag: 0x82)))
        exchange(tlv(0xA1, tlv(0xA0, integer(9, tag: 0x80)) + tlv(0xA1, [0x80, 0x00])),
                 tlv(0xA1, tlv(0xA0, visible("IED1LD0") + visible("IED1PROT")) + [0x81, 0x01, 0x00]))
        for _ in 0..<3 {
            exchange(read([("IED1LD0", "XCBR1$ST$Pos$stVal")]), tlv(0xA4, tlv(0xA1, bits(6, [0x80]))))
        }
        let ok = tlv(0xA5, [0x81, 0x00])
        exchange(write([("IED1LD0", "CSWI1$CO$Pos$SBOw")], [control(boolean(false), number: 1, at: seconds)]), ok)
        exchange(write([("IED1LD0", "CSWI1$CO$Pos$Oper")], [control(boolean(false), number: 1, at: seconds)]), ok)
        exchange(write([("IED1LD0", "GGIO1$CO$AnOut1$Oper")], [control(tlv(0xA2, float(42.5)), number: 2, at: seconds)]), ok)
        exchange(write([("IED1LD0", "XCBR1$CO$Pos$Oper")], [control(boolean(true), number: 3, at: seconds)]),
                 tlv(0xA5, integer(3, tag: 0x80)))
        exchange(write([("IED1PROT", "PTOC1$SP$StrVal$setMag$f"), ("IED1PROT", "LLN0$SP$SGCB$ActSG")],
                       [float(1.5), unsigned(2)]), tlv(0xA5, [0x81, 0x00, 0x81, 0x00]))
        exchange(write([("IED1LD0", "CSWI1$CO$Pos$Cancel")], [control(boolean(false), number: 4, at: seconds)]), ok)
        // getVariableAccessAttributes of an undefined object: a confirmed error (definition, object-undefined).
        id += 1
        send(true, frame(data(confirmedRequest(id, tlv(0xA6, tlv(0xA0, tlv(0xA1, visible("IED1LD0") + visible("XCBR9"))))))))
        send(false, frame(data(tlv(0xA2, integer(id, tag: 0x80) + tlv(0xA2, tlv(0xA0, integer(1, tag: 0x82)))))))
        // A report: information report of the named variable list RPT.
        send(false, frame(data(tlv(0xA3, tlv(0xA0, tlv(0xA1, tlv(0x80, Array("RPT".utf8)))
                                                 + tlv(0xA0, visible("IED1LD0/LLN0$BR$brcbST01", tag: 0x8A) + bits(6, [0x40])))))))
        // fileDelete of a disturbance record.
        exchange(highTag(76, visible("COMTRADE/trip1.cfg", tag: 0x19)), [0x9F, 0x4C, 0x00])
        // The IED's program invocation stopped.
        exchange(highTag(41, visible("PROTECTION", tag: 0x80)), [0x9F, 0x29, 0x00])    // programInvocationName [0]
        // Conclude.
        send(true, frame(data([0x8B, 0x00])))
        send(false, frame(data([0x8C, 0x00])))
        conv.close(fromClient: true, t + 20_000_000)

        // A second connection begun before the capture: an answer whose request is not in it, and an operate that
        // gets no answer.
        t += 1_000_000_000
        let c = NetHost("10.60.1.11", mac: [2, 0, 0, 0, 6, 0x11])
        let conv2 = TCPConversation(cap, client: c, clientPort: 50_300, server: b, serverPort: 102, isn: (9_000, 90_000))
        conv2.open(t)
        t += 20_000_000
        conv2.send(fromClient: false, t, frame(data(confirmedResponse(77, tlv(0xA5, [0x81, 0x00])))))
        t += 20_000_000
        conv2.send(fromClient: true, t, frame(data(confirmedRequest(78, write([("IED1LD0", "XCBR1$CO$Pos$Oper")],
                                                                               [control(boolean(false), number: 9, at: seconds)])))))
        conv2.close(fromClient: true, t + 3_000_000_000)
        return try cap.write(to: path)
    }
}

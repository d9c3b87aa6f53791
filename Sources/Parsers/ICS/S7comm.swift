import JikochoModel

/// S7comm (Siemens S7-300/400 and S7-1200/1500 in PUT/GET mode) over ISO-on-TCP (TPKT, RFC 1006; COTP, ISO 8073).
/// Field meanings follow Wireshark's packet-s7comm.c. S7comm-plus (protocol id 0x72) is recognized with its opcode
/// and function.
public enum S7comm {
    public static func rosctrName(_ r: UInt8) -> String {
        switch r {
        case 1: return "job"
        case 2: return "ack"
        case 3: return "ack_data"
        case 7: return "userdata"
        default: return "unknown-\(r)"
        }
    }

    public static func functionName(_ f: UInt8) -> String {
        switch f {
        case 0x00: return "cpu_services"
        case 0x04: return "read_var"
        case 0x05: return "write_var"
        case 0x1A: return "request_download"
        case 0x1B: return "download_block"
        case 0x1C: return "download_ended"
        case 0x1D: return "start_upload"
        case 0x1E: return "upload"
        case 0x1F: return "end_upload"
        case 0x28: return "pi_service"
        case 0x29: return "plc_stop"
        case 0xF0: return "setup_communication"
        default: return "unknown-\(f)"
        }
    }

    public static func areaName(_ a: UInt8) -> String {
        switch a {
        case 0x03: return "system_info"
        case 0x05: return "system_flags"
        case 0x06: return "analog_inputs"
        case 0x07: return "analog_outputs"
        case 0x1C: return "C"
        case 0x1D: return "T"
        case 0x1E: return "IEC_C"
        case 0x1F: return "IEC_T"
        case 0x80: return "P"
        case 0x81: return "I"
        case 0x82: return "Q"
        case 0x83: return "M"
        case 0x84: return "DB"
        case 0x85: return "DI"
        case 0x86: return "L"
        case 0x87: return "V"
        default: return "area-\(a)"
        }
    }

    public static func userdataGroupName(_ g: UInt8) -> String {
        switch g {
        case 0: return "mode_transition"
        case 1: return "programmer_commands"
        case 2: return "cyclic_data"
        case 3: return "block_functions"
        case 4: return "cpu_functions"
        case 5: return "security"
        case 6: return "pbc_bsend_brecv"
        case 7: return "time_functions"
        case 15: return "nc_programming"
        default: return "group-\(g)"
        }
    }

    /// The event action of a userdata function.
    static func userdataAction(group: UInt8, subfunction: UInt8) -> String {
        switch (group, subfunction) {
        case (4, 1): return "read_szl"
        case (4, _): return "cpu_function"
        case (5, 1): return "password"
        case (5, 2): return "clear_password"
        case (5, _): return "security"
        case (7, 1), (7, 3): return "read_clock"
        case (7, 2), (7, 4): return "set_clock"
        case (3, _): return "block_info"
        case (1, _): return "programmer_command"
        case (0, _): return "mode_transition"
        case (2, _): return "cyclic_data"
        default: return "userdata"
        }
    }

    /// The points a write-var item changes, each with its value decoded by the item's type (BIT, BYTE/CHAR, WORD,
    /// INT, DWORD, DINT, REAL, COUNTER, TIMER); bytes written as BYTE in twos or fours are one word or double word.
    public static func controlWrites(_ item: Item, _ data: DataItem) -> [(ControlPoint, JSONValue)] {
        let bytes = Array(data.bytes)
        var out: [(ControlPoint, JSONValue)] = []
        if item.transportSize == 1 {
            return [(ControlPoint.s7(area: item.area, db: Int(item.db), byte: item.byteAddress, bit: item.bit, bytes: 0),
                     bytes.first.map { .int(Int64($0 & 1)) } ?? .null)]
        }
        var size: Int
        switch item.transportSize {
        case 2, 3: size = 1
        case 4, 5, 0x1C, 0x1D: size = 2
        case 6, 7, 8: size = 4
        default: size = 1
        }
        var count = item.length
        if size == 1, count == 2 || count == 4 { size = count; count = 1 }
        // Timers and counters are numbered one by one (each two bytes of data); other areas by byte.
        let numbered = item.area == 0x1C || item.area == 0x1D
        for i in 0..<min(count, 256) {
            let at = i * size
            let point = ControlPoint.s7(area: item.area, db: Int(item.db), byte: item.byteAddress + (numbered ? i : at), bit: nil,
                                        bytes: size)
            guard at + size <= bytes.count else { out.append((point, .null)); continue }
            var u: UInt64 = 0
            for b in bytes[at..<(at + size)] { u = u << 8 | UInt64(b) }
            let value: JSONValue
            switch (item.transportSize, size) {
            case (5, 2): value = .int(Int64(Int16(truncatingIfNeeded: u)))
            case (7, 4): value = .int(Int64(Int32(truncatingIfNeeded: u)))
            case (8, 4): value = .double(Double(Float(bitPattern: UInt32(truncatingIfNeeded: u))))
            default: value = .int(Int64(u))
            }
            out.append((point, value))
        }
        return out
    }

    public struct Item: Sendable, Equatable {
        public var area: UInt8
        public var db: UInt16
        public var byteAddress: Int
        public var bit: Int
        public var transportSize: UInt8
        public var length: Int
    }

    public struct DataItem: Sendable, Equatable {
        public var returnCode: UInt8
        public var transportSize: UInt8
        public var bytes: ArraySlice<UInt8>
    }

    /// One S7comm PDU with the fields Wireshark names `s7comm.*`.
    public struct PDU: Sendable {
        public var rosctr: UInt8
        public var pduRef: UInt16
        public var errorClass: UInt8?
        public var errorCode: UInt8?
        public var function: UInt8?
        public var itemCount: Int?
        public var items: [Item] = []
        public var data: [DataItem] = []
        public var pduLength: Int?
        public var amqCalling: Int?
        public var amqCalled: Int?
        public var piService: String?
        public var fileName: String?
        /// Userdata: type (4 request, 8 response, 0 push), function group, subfunction, sequence number.
        public var userdataType: UInt8?
        public var group: UInt8?
        public var subfunction: UInt8?
        public var userdataReturnCode: UInt8?
        public var szlID: UInt16?
        public var szlIndex: UInt16?
        /// Printable strings in a response's data (module identification from SZL reads).
        public var text: [String] = []
        public var problem: String?
        /// Userdata fragmentation: reference of the data unit and whether this is its last part.
        public var dataUnitReference: UInt8?
        public var lastDataUnit: Bool?
        public var userdataBody: [UInt8] = []
        /// Set by the caller for a response that continues an earlier one (its request was a follow-up).
        public var isContinuation = false
    }

    /// Decodes an S7comm PDU (starting at the 0x32 protocol id).
    public static func decode(_ b: [UInt8], continuation: Bool = false) -> PDU? {
        var c = ByteCursor(b)
        guard c.u8() == 0x32, let rosctr = c.u8(), c.skip(2), let ref = c.u16(), let plen = c.u16(), let dlen = c.u16()
        else { return nil }
        var pdu = PDU(rosctr: rosctr, pduRef: ref)
        pdu.isContinuation = continuation
        if rosctr == 2 || rosctr == 3 {
            pdu.errorClass = c.u8()
            pdu.errorCode = c.u8()
        }
        let paramStart = c.offset
        let paramEnd = paramStart + Int(plen)
        let dataEnd = paramEnd + Int(dlen)
        if dataEnd > b.count { pdu.problem = "parameter and data lengths (\(plen)+\(dlen)) run past the PDU (\(b.count - paramStart))" }
        var p = ByteCursor(b, from: paramStart, to: paramEnd)
        var d = ByteCursor(b, from: paramEnd, to: dataEnd)
        if rosctr == 7 {
            decodeUserdata(&p, &d, &pdu)
            return pdu
        }
        guard let fn = p.u8() else { return pdu }
        pdu.function = fn
        switch fn {
        case 0xF0:
            _ = p.u8()
            pdu.amqCalling = p.u16().map(Int.init)
            pdu.amqCalled = p.u16().map(Int.init)
            pdu.pduLength = p.u16().map(Int.init)
        case 0x04, 0x05:
            guard let n = p.u8() else { break }
            pdu.itemCount = Int(n)
            if rosctr == 1 {
                for _ in 0..<n {
                    guard let spec = p.u8(), let len = p.u8(), let item = p.take(Int(len)) else {
                        pdu.problem = "variable specification cut short"
                        break
                    }
                    guard spec == 0x12, len >= 10, item[item.startIndex] == 0x10 else { continue }   // S7ANY only
                    var ic = ByteCursor(Array(item), from: 1)
                    guard let ts = ic.u8(), let length = ic.u16(), let db = ic.u16(), let area = ic.u8(), let addr = ic.u24()
                    else { continue }
                    pdu.items.append(Item(area: area, db: db, byteAddress: Int(addr >> 3), bit: Int(addr & 7),
                                          transportSize: ts, length: Int(length)))
                }
            }
            // Data: for a write job the values; for a read ack-data the values read; for a write ack-data return codes.
            let dataItems = rosctr == 1 ? (fn == 0x05 ? Int(n) : 0) : Int(n)
            for i in 0..<dataItems {
                guard let rc = d.u8() else { break }
                if rosctr == 3, fn == 0x05 {
                    pdu.data.append(DataItem(returnCode: rc, transportSize: 0, bytes: []))
                    continue
                }
                guard let ts = d.u8(), let rawLen = d.u16() else {
                    pdu.data.append(DataItem(returnCode: rc, transportSize: 0, bytes: []))
                    break
                }
                var len = Int(rawLen)
                if rc != 0xFF, rc != 0x00 { len = 0 }   // an item in error carries its header only
                if ts == 0x03 || ts == 0x04 || ts == 0x05 { len = (len + 7) / 8 }   // BIT, BYTE/WORD/DWORD, INTEGER: bits
                guard let bytes = d.take(min(len, d.remaining)) else { break }
                if bytes.count < len { pdu.problem = "data item \(i + 1) cut short" }
                pdu.data.append(DataItem(returnCode: rc, transportSize: ts, bytes: bytes))
                if len % 2 == 1, i < dataItems - 1 { _ = d.skip(1) }   // fill byte between items
            }
        case 0x28:
            // PI service: 7 unknown bytes, parameter block length(2), block, name length(1), name.
            guard p.skip(7), let blockLen = p.u16(), let block = p.take(Int(blockLen)), let nameLen = p.u8(),
                  let name = p.take(Int(nameLen)) else { break }
            pdu.piService = printable(name)
            let args = block.split(whereSeparator: { $0 < 0x20 }).map { printable($0) }.filter { !$0.isEmpty }
            if !args.isEmpty { pdu.text = args }
        case 0x29:
            guard p.skip(5), let nameLen = p.u8(), let name = p.take(Int(nameLen)) else { break }
            pdu.piService = printable(name)
        case 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F:
            // Function status(1), 2 unknown, upload id(4) (not on 0x1A/0x1D/0x1E the same way): the file name
            // "_0A00001P" follows a length byte when present.
            if rosctr == 1 {
                _ = p.u8()
                _ = p.skip(2)
                _ = p.skip(4)
                if let n = p.u8(), n > 0, n <= 32, let name = p.take(Int(n)) { pdu.fileName = printable(name) }
            }
        default:
            break
        }
        return pdu
    }

    static func decodeUserdata(_ p: inout ByteCursor, _ d: inout ByteCursor, _ pdu: inout PDU) {
        guard p.skip(3), let plen = p.u8(), p.u8() != nil, let tg = p.u8(), let sub = p.u8(), p.u8() != nil else {
            pdu.problem = "userdata parameter cut short"
            return
        }
        if plen >= 8 {
            pdu.dataUnitReference = p.u8()
            pdu.lastDataUnit = p.u8().map { $0 == 0 }
            _ = p.skip(2)
        }
        pdu.userdataType = tg >> 4
        pdu.group = tg & 0x0F
        pdu.subfunction = sub
        guard let rc = d.u8(), d.u8() != nil, let len = d.u16() else { return }
        pdu.userdataReturnCode = rc
        guard rc == 0xFF, let body = d.take(min(Int(len), d.remaining)) else { return }
        pdu.userdataBody = Array(body)
        // A continuation (a follow-up response) carries records only; its SZL header came with the first part.
        if pdu.group == 4, sub == 1, body.count >= 4, !(pdu.userdataType == 8 && pdu.isContinuation) {
            var b = ByteCursor(Array(body))
            pdu.szlID = b.u16()
            pdu.szlIndex = b.u16()
            if pdu.userdataType == 8 { pdu.text = asciiRuns(Array(body.dropFirst(8))) }
        }
    }

    /// Runs of at least four printable ASCII characters (module names, order numbers, serial numbers).
    public static func asciiRuns(_ b: [UInt8], limit: Int = 16) -> [String] {
        var out: [String] = []
        var run: [UInt8] = []
        func end() {
            let s = String(decoding: run, as: UTF8.self).trimmingSpaces()
            if s.count >= 4, !out.contains(s), out.count < limit { out.append(s) }
            run = []
        }
        for x in b {
            if x >= 0x20, x < 0x7F { run.append(x) } else { end() }
        }
        end()
        return out
    }

    /// Block type of an upload/download file name `_0A00001P` (type, number, destination file system).
    public static func block(fromFileName name: String) -> (type: String, number: Int)? {
        let u = Array(name.utf8)
        guard u.count >= 8, u[0] == UInt8(ascii: "_"),
              let code = UInt8(String(decoding: u[1..<3], as: UTF8.self), radix: 16),
              let number = Int(String(decoding: u[3..<8], as: UTF8.self)) else { return nil }
        let types: [UInt8: String] = [0x08: "OB", 0x09: "CMOD", 0x0A: "DB", 0x0B: "SDB", 0x0C: "FC", 0x0D: "SFC",
                                      0x0E: "FB", 0x0F: "SFB"]
        return (types[code] ?? "type-\(code)", number)
    }

    /// S7comm-plus function names (Wireshark's s7comm_plus dissector plug-in).
    public static func plusFunctionName(_ f: UInt16) -> String {
        switch f {
        case 0x04BB: return "explore"
        case 0x04CA: return "create_object"
        case 0x04D4: return "delete_object"
        case 0x04F2: return "set_variable"
        case 0x04FC: return "get_variable"
        case 0x0506: return "add_link"
        case 0x051A: return "remove_link"
        case 0x0524: return "get_link"
        case 0x0542: return "set_multi_variables"
        case 0x054C: return "get_multi_variables"
        case 0x0556: return "begin_sequence"
        case 0x0560: return "end_sequence"
        case 0x056B: return "invoke"
        case 0x057C: return "set_var_sub_streamed"
        case 0x0586: return "get_var_sub_streamed"
        case 0x0590: return "get_variables_address"
        case 0x059A: return "abort"
        case 0x05A9: return "error"
        case 0x05B3: return "init_ssl"
        default: return "function-\(f)"
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

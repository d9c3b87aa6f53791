import JikochoModel

/// A point of a controller that a command can change, written one canonical way per protocol: the form every ICS
/// decoder puts into a write's `control.points` and the form the asset inventory's `tags: - point:` takes. What the
/// correlator reasons on (chains, clocks, playbooks) compares these and nothing protocol-specific.
///
/// | protocol | canonical form | accepted aliases |
/// |---|---|---|
/// | Modbus | `holding:40001`, `input:30001`, `coil:00001`, `discrete_input:10001` | `40001`, `hr:40001`, `modbus:holding:40001` |
/// | DNP3 | `dnp3:ao:3` (analog output, g41), `dnp3:bo:3` (binary output, CROB g12) | `dnp3:g41:3`, `dnp3:analog-output:3` |
/// | IEC 60870-5-104 | `iec104:ioa:4001` | `iec104:4001` |
/// | S7comm | `s7:DB1.DBW4`, `s7:DB1.DBX4.0`, `s7:DB1.DBB4`, `s7:DB1.DBD4`, `s7:MW10`, `s7:M10.0`, `s7:QW0`, `s7:I0.0` | German `E`/`A` for `I`/`Q` |
/// | EtherNet/IP-CIP | `cip:Tank1_SP` (Logix tag), `cip:@4/100/3` (class/instance/attribute) | |
/// | BACnet | `bacnet:analog-value:3` (present-value), `bacnet:analog-value:3:out-of-service` | type or property by number |
/// | OPC UA | `opcua:ns=2;s=Dose.SP` (Value attribute), `opcua:i=2258#DisplayName` | `opcua:ns=0;i=2258` |
/// | MELSEC (MC protocol) | `melsec:D100`, `melsec:M10`, `melsec:X1F` (X, Y, B, W, SB, SW, DX, DY in hex), `melsec:ZR100`, `melsec:TN3` | `melsec:d100` (any case) |
/// | IEC 61850 (MMS) | `iec61850:IED1LD0/XCBR1.Pos` (a control object, operated or selected), `iec61850:IED1LD0/LLN0.Mod.stVal[ST]` (a data attribute with its functional constraint) | `mms:…`, the MMS form `IED1LD0/XCBR1$CO$Pos$Oper` |
/// | HART (HART-IP) | `hart:loop_current`, `hart:pv_urv`, `hart:pv_lrv`, `hart:dv:0`, `hart:dv:0.units` (the device is the event's station) | `HART:PV_URV` (any case) |
/// | OMRON FINS | `fins:D100` (a word), `fins:CIO10.05` (a bit), `fins:W20`, `fins:H5`, `fins:A448`, `fins:E0_100` (EM bank 0), `fins:EM100` (EM's current bank), `fins:T5`/`fins:C5` (timer, counter PV) | `fins:DM100`, `fins:WR20`, `fins:HR5`, `fins:AR448` |
public struct ControlPoint: Hashable, Sendable, CustomStringConvertible {
    public enum Family: String, Sendable, CaseIterable {
        case modbus, dnp3, iec104, s7, cip, bacnet, opcua, fins, melsec, iec61850, hart
    }

    public let family: Family
    /// The canonical text.
    public let text: String
    /// What two points are compared by: the text, case-folded where the protocol ignores case (Logix tags, S7
    /// addresses, BACnet names).
    public let key: String

    public var description: String { text }

    init(_ family: Family, _ text: String, caseInsensitive: Bool = false) {
        self.family = family
        self.text = text
        key = caseInsensitive ? text.lowercased() : text
    }

    /// Every accepted form, for an error message.
    public static let acceptedForms = "holding:40001 (input:30001, coil:00001, discrete_input:10001), dnp3:ao:3 or "
        + "dnp3:bo:3, iec104:ioa:4001, s7:DB1.DBW4 (DBX4.0, DBB4, DBD4, MW10, M10.0, QW0, I0.0), cip:Tank1_SP or "
        + "cip:@4/100/3, bacnet:analog-value:3[:property], opcua:ns=2;s=Dose.SP, fins:D100 (CIO10.05, W20, H5, A448, "
        + "E0_100, EM100, T5, C5), melsec:D100 (M10, X1F, Y20, W1A0, ZR100, TN3), iec61850:IED1LD0/XCBR1.Pos (or "
        + "IED1LD0/PTOC1.StrVal.setMag.f[SP], or the MMS name IED1LD0/XCBR1$CO$Pos$Oper), hart:loop_current "
        + "(hart:pv_urv, hart:pv_lrv, hart:pv_units, hart:pv_damping, hart:dv:0, hart:dv:0.units, hart:tag, …)"

    // MARK: Construction, as the decoders write points

    /// `holding:40001` for the first holding register (address 0).
    public static func modbus(table: String, address: Int) -> ControlPoint {
        let n = address + 1
        let digit: Int
        switch table {
        case "coil": digit = 0
        case "discrete_input": digit = 1
        case "input": digit = 3
        default: digit = 4
        }
        return ControlPoint(.modbus, "\(table):\(digit)\(String(n).leftPadded(n <= 9999 ? 4 : 5))")
    }

    /// DNP3 output points: analog outputs (groups 40/41) and binary outputs (CROB, group 12; status group 10).
    public static func dnp3(analog: Bool, index: Int) -> ControlPoint {
        ControlPoint(.dnp3, "dnp3:\(analog ? "ao" : "bo"):\(index)")
    }

    public static func iec104(ioa: Int) -> ControlPoint { ControlPoint(.iec104, "iec104:ioa:\(ioa)") }

    /// S7 address of `bytes` bytes (1, 2, 4) or of one bit, in an area (0x81 inputs, 0x82 outputs, 0x83 flags, 0x84
    /// data blocks, 0x1C counters, 0x1D timers).
    public static func s7(area: UInt8, db: Int, byte: Int, bit: Int?, bytes: Int) -> ControlPoint {
        let width: String
        if bit != nil { width = "X" } else {
            switch bytes {
            case 1: width = "B"
            case 2: width = "W"
            default: width = "D"
            }
        }
        let at = bit.map { "\(byte).\($0)" } ?? "\(byte)"
        let text: String
        switch area {
        case 0x84: text = "DB\(db).DB\(width)\(at)"
        case 0x1C: text = "C\(byte)"
        case 0x1D: text = "T\(byte)"
        default:
            let letter = [0x81: "I", 0x82: "Q", 0x83: "M"][Int(area)] ?? "A\(area)_"
            text = letter + (width == "X" ? "" : width) + at
        }
        return ControlPoint(.s7, "s7:" + text, caseInsensitive: true)
    }

    public static func cip(tag: String) -> ControlPoint { ControlPoint(.cip, "cip:" + tag, caseInsensitive: true) }

    public static func cip(class cls: Int, instance: Int?, attribute: Int?) -> ControlPoint {
        ControlPoint(.cip, "cip:@\(cls)" + (instance.map { "/\($0)" } ?? "") + (attribute.map { "/\($0)" } ?? ""))
    }

    /// A BACnet object's property; present-value (85), which commands write, is left out of the text.
    public static func bacnet(type: Int, instance: Int, property: Int?) -> ControlPoint {
        let p = property.flatMap { $0 == 85 ? nil : BACnet.propertyName($0) }
        return ControlPoint(.bacnet, "bacnet:\(BACnet.objectTypeName(type)):\(instance)" + (p.map { ":" + $0 } ?? ""),
                            caseInsensitive: true)
    }

    /// An OPC UA node's attribute; Value (13) is left out of the text.
    public static func opcua(node: String, attribute: Int?) -> ControlPoint {
        var n = node
        if n.hasPrefix("ns=0;") { n = String(n.dropFirst(5)) }
        let attr = attribute.flatMap { $0 == 13 ? nil : (OPCUA.attributeNames[$0] ?? "attribute-\($0)") }
        return ControlPoint(.opcua, "opcua:" + n + (attr.map { "#" + $0 } ?? ""))
    }

    /// An OMRON memory area word (`D100`) or bit (`CIO10.05`, the bit in two digits as OMRON writes it); `flag` for a
    /// timer's or counter's completion flag (`T5.F`).
    public static func fins(area: String, word: Int, bit: Int?, flag: Bool) -> ControlPoint {
        let at = flag ? "\(word).F" : bit.map { "\(word).\(String($0).leftPadded(2))" } ?? "\(word)"
        return ControlPoint(.fins, "fins:" + area + at, caseInsensitive: true)
    }

    /// A MELSEC device: its name and number, in hex for the devices GX Works numbers in hex.
    public static func melsec(device: String, number: Int, hex: Bool) -> ControlPoint {
        ControlPoint(.melsec, "melsec:" + device + (hex ? String(number, radix: 16).uppercased() : String(number)),
                     caseInsensitive: true)
    }

    /// An IEC 61850 object reference (`LD/LN.DO`, `LD/LN.DO.DA[FC]`), as `MMS.meaning(of:)` makes it. Names are
    /// case-sensitive in IEC 61850.
    public static func iec61850(_ reference: String) -> ControlPoint { ControlPoint(.iec61850, "iec61850:" + reference) }

    /// A HART instrument's setting or output, the device named by the event's station: `hart:loop_current` (the
    /// fixed 4–20 mA output), `hart:pv_urv`, `hart:pv_lrv` (the range), `hart:dv:0` (a device variable simulated).
    public static func hart(_ name: String) -> ControlPoint { ControlPoint(.hart, "hart:" + name) }

    /// The HART settings a point may name (device variables by number besides).
    static let hartNames: Set<String> = [
        "loop_current", "loop_current_zero_trim", "loop_current_gain_trim", "pv_urv", "pv_lrv", "pv_zero", "pv_units",
        "pv_damping", "pv_transfer_function", "pv_transducer_serial_number", "polling_address", "message", "tag",
        "descriptor", "long_tag", "final_assembly_number",
    ]

    static func hart(parsing p: String) -> ControlPoint? {
        let t = p.lowercased()
        if hartNames.contains(t) { return hart(t) }
        guard t.hasPrefix("dv:") else { return nil }
        let parts = t.dropFirst(3).split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let code = parts.first.flatMap({ Int($0) }), (0...255).contains(code) else { return nil }
        if parts.count == 1 { return hart("dv:\(code)") }
        guard parts[1] == "units" || parts[1] == "damping" else { return nil }
        return hart("dv:\(code).\(parts[1])")
    }

    // MARK: Parsing, as an inventory writes points

    /// The point a text names, in any accepted form, or nil when it is none of them.
    public init?(parsing raw: String) {
        let s = raw.trimmingBlanks
        let lower = s.lowercased()
        guard let colon = lower.firstIndex(of: ":") else {
            // S7 addresses are also accepted without their prefix (`DB10.DBW4`, `MW10`): no Modbus form has letters.
            guard let p = Self.modbus(s) ?? (lower.first?.isLetter == true ? Self.s7(s.uppercased()) : nil) else { return nil }
            self = p
            return
        }
        let prefix = String(lower[..<colon])
        let rest = String(s[s.index(after: colon)...])
        let point: ControlPoint?
        switch prefix {
        case "modbus": point = Self.modbus(rest)
        case "dnp3": point = Self.dnp3(rest.lowercased())
        case "iec104": point = Self.iec104(rest.lowercased())
        case "s7": point = Self.s7(rest.uppercased())
        case "cip": point = Self.cip(rest)
        case "bacnet": point = Self.bacnet(rest.lowercased())
        case "opcua": point = Self.opcua(rest)
        case "fins": point = Self.fins(rest.uppercased())
        case "melsec": point = Self.melsec(rest.uppercased())
        case "iec61850", "mms": point = Self.iec61850(parsing: rest)
        case "hart": point = Self.hart(parsing: rest)
        default: point = Self.modbus(s)
        }
        guard let point else { return nil }
        self = point
    }

    /// `holding:40001`, `40001`, `hr:40001`, `holding:400001`.
    static func modbus(_ p: String) -> ControlPoint? {
        let parts = p.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        let number = parts.last ?? ""
        guard let n = Int(number), n > 0, number.allSatisfy(\.isASCIIDigit) else { return nil }
        var table = parts.count == 2 ? parts[0] : ""
        switch table {
        case "hr", "holding_register", "holding": table = "holding"
        case "ir", "input_register", "input": table = "input"
        case "co", "coil", "coils": table = "coil"
        case "di", "discrete_input", "discrete": table = "discrete_input"
        case "":
            switch number.first {
            case "4": table = "holding"
            case "3": table = "input"
            case "1": table = "discrete_input"
            case "0": table = "coil"
            default: return nil
            }
        default: return nil
        }
        // 40001 / 400001 (the table digit and a 1-based register), or a bare 1-based register number.
        var register = n
        if number.count >= 5, let lead = number.first, "0134".contains(lead) {
            register = Int(number.dropFirst()) ?? n
        }
        guard register >= 1, register <= 65_536 else { return nil }
        return modbus(table: table, address: register - 1)
    }

    /// `ao:3`, `bo:3`, `g41:3`, `analog-output:3`.
    static func dnp3(_ p: String) -> ControlPoint? {
        let parts = p.split(separator: ":").map(String.init)
        guard parts.count == 2, let i = Int(parts[1]), i >= 0, i <= 65_535 else { return nil }
        switch parts[0] {
        case "ao", "g41", "g40", "analog-output", "analog_output": return dnp3(analog: true, index: i)
        case "bo", "g12", "g10", "binary-output", "binary_output", "crob": return dnp3(analog: false, index: i)
        default: return nil
        }
    }

    /// `ioa:4001` or `4001`.
    static func iec104(_ p: String) -> ControlPoint? {
        let n = p.hasPrefix("ioa:") ? String(p.dropFirst(4)) : p
        guard let ioa = Int(n), ioa >= 0, ioa < 1 << 24 else { return nil }
        return iec104(ioa: ioa)
    }

    /// `DB1.DBW4`, `DB1.DBX4.0`, `MW10`, `M10.0`, `QB0`, `I0.1`, `T5`, `C3` (upper case).
    static func s7(_ p: String) -> ControlPoint? {
        func int(_ s: Substring) -> Int? { s.isEmpty || !s.allSatisfy(\.isASCIIDigit) ? nil : Int(s) }
        func bitAddress(_ s: Substring) -> (Int, Int)? {
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let b = int(parts[0]), let bit = int(parts[1]), bit < 8 else { return nil }
            return (b, bit)
        }
        let widths: [Character: Int] = ["B": 1, "W": 2, "D": 4]
        if p.hasPrefix("DB") {
            let parts = p.dropFirst(2).split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let db = int(parts[0]), parts[1].hasPrefix("DB"), parts[1].count > 3 else { return nil }
            let spec = parts[1].dropFirst(2)
            let w = spec.first!
            if w == "X" {
                guard let (b, bit) = bitAddress(spec.dropFirst()) else { return nil }
                return s7(area: 0x84, db: db, byte: b, bit: bit, bytes: 0)
            }
            guard let n = widths[w], let b = int(spec.dropFirst()) else { return nil }
            return s7(area: 0x84, db: db, byte: b, bit: nil, bytes: n)
        }
        guard var letter = p.first else { return nil }
        if letter == "E" { letter = "I" }
        if letter == "A" { letter = "Q" }
        let rest = p.dropFirst()
        if letter == "T" || letter == "C" || letter == "Z" {
            guard let n = int(rest) else { return nil }
            return s7(area: letter == "T" ? 0x1D : 0x1C, db: 0, byte: n, bit: nil, bytes: 2)
        }
        guard let area: UInt8 = ["I": 0x81, "Q": 0x82, "M": 0x83][letter], let w = rest.first else { return nil }
        if let n = widths[w] {
            guard let b = int(rest.dropFirst()) else { return nil }
            return s7(area: area, db: 0, byte: b, bit: nil, bytes: n)
        }
        if w == "X" { guard let (b, bit) = bitAddress(rest.dropFirst()) else { return nil }; return s7(area: area, db: 0, byte: b, bit: bit, bytes: 0) }
        guard let (b, bit) = bitAddress(rest) else { return nil }
        return s7(area: area, db: 0, byte: b, bit: bit, bytes: 0)
    }

    /// `Tank1_SP`, `Program:Main.Valve[2]`, `@4/100/3`.
    static func cip(_ p: String) -> ControlPoint? {
        if p.hasPrefix("@") {
            let n = p.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...3).contains(n.count), n.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
            return cip(class: n[0]!, instance: n.count > 1 ? n[1] : nil, attribute: n.count > 2 ? n[2] : nil)
        }
        guard let first = p.first, first.isLetter || first == "_",
              p.allSatisfy({ $0.isLetter || $0.isNumber || "_.:[],".contains($0) }) else { return nil }
        return cip(tag: p)
    }

    /// `analog-value:3`, `analog-value:3:out-of-service`, `2:3`, `2:3:81`.
    static func bacnet(_ p: String) -> ControlPoint? {
        let parts = p.split(separator: ":").map(String.init)
        guard parts.count == 2 || parts.count == 3, let instance = Int(parts[1]), instance >= 0, instance < 1 << 22
        else { return nil }
        let type = Int(parts[0]) ?? BACnet.objectTypeNumber(parts[0])
        guard let type else { return nil }
        var property: Int?
        if parts.count == 3 {
            guard let prop = Int(parts[2]) ?? BACnet.propertyNumber(parts[2]) else { return nil }
            property = prop
        }
        return bacnet(type: type, instance: instance, property: property)
    }

    /// `D100`, `DM100`, `CIO10.05`, `CIO10.5`, `W20`, `WR20.00`, `H5`, `HR5`, `A448`, `E0_100`, `EM100`, `T5`, `C5`,
    /// `T5.F` (upper case).
    static func fins(_ p: String) -> ControlPoint? {
        var letters = p.prefix { $0.isLetter || $0 == "_" }
        var rest = p.dropFirst(letters.count)
        // EM banks: `E0_100`, `EA_100` (bank in hex before the underscore).
        if letters == "E", let us = rest.firstIndex(of: "_") {
            let bank = rest[..<us]
            guard (1...2).contains(bank.count), let b = Int(bank, radix: 16), b <= 0x18 else { return nil }
            letters = Substring("E" + String(b, radix: 16).uppercased() + "_")
            rest = rest[rest.index(after: us)...]
        }
        let area: String
        switch letters {
        case "D", "DM": area = "D"
        case "CIO", "": area = "CIO"
        case "W", "WR": area = "W"
        case "H", "HR": area = "H"
        case "A", "AR": area = "A"
        case "T", "TIM": area = "T"
        case "C", "CNT": area = "C"
        case "EM", "TK", "IR", "DR": area = String(letters)
        default:
            guard letters.hasPrefix("E"), letters.hasSuffix("_") else { return nil }
            area = String(letters)
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit),
              let word = Int(parts[0]), word <= 0xFFFF else { return nil }
        if parts.count == 1 { return fins(area: area, word: word, bit: nil, flag: false) }
        if parts[1] == "F", area == "T" || area == "C" { return fins(area: area, word: word, bit: nil, flag: true) }
        guard !parts[1].isEmpty, parts[1].count <= 2, parts[1].allSatisfy(\.isASCIIDigit), let bit = Int(parts[1]), bit < 16
        else { return nil }
        return fins(area: area, word: word, bit: bit, flag: false)
    }

    /// `D100`, `M10`, `X1F`, `W1A0`, `ZR100` (upper case): a device name and its number (hex where GX Works writes
    /// it so). Names are tried longest first (`STN` before `SN`… before `S`).
    static func melsec(_ p: String) -> ControlPoint? {
        let names = MELSEC.devices.values.sorted { $0.name.count > $1.name.count }
        guard let d = names.first(where: { p.hasPrefix($0.name) }) else { return nil }
        let digits = p.dropFirst(d.name.count)
        guard !digits.isEmpty, digits.count <= 8, let n = Int(digits, radix: d.hex ? 16 : 10), n >= 0 else { return nil }
        return melsec(device: d.name, number: n, hex: d.hex)
    }

    /// `IED1LD0/XCBR1.Pos`, `IED1LD0/PTOC1.StrVal.setMag.f[SP]`, or the MMS name `IED1LD0/XCBR1$CO$Pos$Oper` (read
    /// as the write of it is: the control object).
    static func iec61850(parsing p: String) -> ControlPoint? {
        guard let slash = p.firstIndex(of: "/"), slash != p.startIndex else { return nil }
        let domain = String(p[..<slash])
        let item = String(p[p.index(after: slash)...])
        guard !item.isEmpty, !item.contains(" "), !domain.contains(" ") else { return nil }
        if item.contains("$") { return MMS.meaning(of: MMS.Name(scope: "domain", domain: domain, item: item)).1 }
        var body = Substring(item)
        if body.hasSuffix("]") {
            guard let open = body.lastIndex(of: "["), body.distance(from: open, to: body.endIndex) == 4,
                  body[body.index(after: open)..<body.index(before: body.endIndex)].allSatisfy(\.isUppercase) else { return nil }
            body = body[..<open]
            if item.hasSuffix("[CO]") { return iec61850(domain + "/" + body) }
        }
        guard body.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty }) else { return nil }
        // A control's service or value named with the object (`XCBR1.Pos.Oper.ctlVal`): the control object.
        for suffix in [".Oper.ctlVal", ".SBOw.ctlVal", ".Oper", ".SBOw", ".Cancel"] where item.hasSuffix(suffix) {
            return iec61850(domain + "/" + item.dropLast(suffix.count))
        }
        return iec61850(domain + "/" + item)
    }

    /// `ns=2;s=Dose.SP`, `i=2258`, `ns=1;i=5`, `ns=2;g=…`, with `#Attribute` for another attribute than Value.
    static func opcua(_ p: String) -> ControlPoint? {
        var node = p
        var attribute: Int?
        if let hash = p.lastIndex(of: "#") {
            let name = String(p[p.index(after: hash)...])
            guard let a = OPCUA.attributeNames.first(where: { $0.value.lowercased() == name.lowercased() })?.key
                ?? Int(name) else { return nil }
            attribute = a
            node = String(p[..<hash])
        }
        var body = Substring(node)
        if body.hasPrefix("nsu="), let semi = body.firstIndex(of: ";") { body = body[body.index(after: semi)...] }
        if body.hasPrefix("ns=") {
            guard let semi = body.firstIndex(of: ";"), Int(body.dropFirst(3)[..<semi]) != nil else { return nil }
            body = body[body.index(after: semi)...]
        }
        guard body.count >= 3, "isgb".contains(body.first!), body.dropFirst().first == "=" else { return nil }
        if body.first == "i", Int(body.dropFirst(2)) == nil { return nil }
        return opcua(node: node, attribute: attribute)
    }
}

extension ControlPoint {
    /// The control facts of a write, operate or command, in the attribute every decoder gives them: `control`
    /// with `action` (`write`, `operate`, `select`), `points` and `values` (the raw values, in the points' order;
    /// null where the request carries none).
    public static func attribute(action: String, _ writes: [(ControlPoint, JSONValue)]) -> JSONValue {
        .object(["action": .string(action), "points": .array(writes.prefix(256).map { .string($0.0.text) }),
                 "values": .array(writes.prefix(256).map { $0.1 })])
    }

    /// The control facts of an event's attributes: the action and each point with its raw value (nil when none).
    public static func facts(_ attributes: Attributes) -> (action: String, writes: [(point: String, value: JSONValue)])? {
        guard case .object(let c)? = attributes["control"] else { return nil }
        let points: [JSONValue]
        if case .array(let p)? = c["points"] { points = p } else { points = [] }
        let values: [JSONValue]
        if case .array(let v)? = c["values"] { values = v } else { values = [] }
        let action = c["action"]?.text ?? "write"
        return (action, points.enumerated().compactMap { i, p in
            guard case .string(let s) = p else { return nil }
            return (s, i < values.count ? values[i] : .null)
        })
    }

    /// The last part of the event kinds of commands that change what a controller does rather than a value in it,
    /// in every protocol decoded: a stop or start, a restart, a program download or delete, a mode change.
    public static let commandNames: Set<String> = [
        "plc_stop", "plc_start", "cold_restart", "warm_restart", "reinitialize_device", "reset_process",
        "request_download", "download_block", "download_ended", "delete_block", "set_operating_mode",
        "block_download", "block_delete", "block_activate", "stop_application", "start_application",
        "initialize_application", "activate_config", "device_communication_control", "stop", "start", "reset",
        "program_write", "program_clear", "remote_pause", "remote_latch_clear", "kill", "initiate_download_sequence",
        "load_domain_content", "delete_domain", "delete_program_invocation", "perform_device_reset",
    ]

    /// Whether an event kind (`ics.s7.plc_stop`) is a controller command.
    public static func isCommand(kind: String) -> Bool {
        guard kind.hasPrefix("ics.") else { return false }
        let name = kind[kind.index(after: kind.lastIndex(of: ".")!)...]
        return commandNames.contains(String(name))
    }

    /// A raw value as a number: integers, reals, booleans (1/0), numeric text.
    public static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d.isFinite ? d : nil
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(s)
        default: return nil
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

// MARK: Values held in Modbus registers

extension ControlPoint {
    /// A Modbus register's table and 0-based address (`holding:40005` → holding, 4), nil for any other point.
    public var modbusRegister: (table: String, address: Int)? {
        guard family == .modbus, let colon = text.firstIndex(of: ":"),
              let n = Int(text[text.index(after: colon)...].dropFirst()) else { return nil }
        return (String(text[..<colon]), n - 1)
    }

    /// The Modbus point `n` registers on in the same table, nil past the last register or for any other point.
    public func modbusOffset(_ n: Int) -> ControlPoint? {
        guard let r = modbusRegister, r.address + n >= 0, r.address + n <= 65_535 else { return nil }
        return Self.modbus(table: r.table, address: r.address + n)
    }
}

/// How a value is held in 16-bit Modbus registers, as the inventory says (`type:`, `word_order:`): a register
/// carries 0…65535 on the wire, which a controller may read as a signed number, and 32-bit values (a REAL setpoint,
/// a counter) span two registers, the high word first (the Modbus convention, "ABCD") or the low word first
/// ("CDAB", many PLCs and gateways). Other protocols' writes carry their own types.
public struct RegisterType: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable { case uint16, int16, uint32, int32, float32 }

    public var kind: Kind
    /// The low word in the first register.
    public var lowWordFirst: Bool

    public init(kind: Kind, lowWordFirst: Bool = false) {
        self.kind = kind
        self.lowWordFirst = lowWordFirst
    }

    /// `type:` and `word_order:` as an inventory writes them (`float32`, `low-first`); nil when either is none of
    /// the accepted words.
    public init?(type: String, wordOrder: String?) {
        guard let k = Kind(rawValue: type.lowercased()) else { return nil }
        kind = k
        switch wordOrder?.lowercased() {
        case nil, "high-first", "big", "abcd": lowWordFirst = false
        case "low-first", "little", "swapped", "cdab": lowWordFirst = true
        default: return nil
        }
    }

    public static let acceptedTypes = Kind.allCases.map(\.rawValue).joined(separator: ", ")
    public static let acceptedWordOrders = "high-first (ABCD, the default), low-first (CDAB)"

    /// Registers the value spans.
    public var registers: Int { kind == .uint16 || kind == .int16 ? 1 : 2 }

    public var description: String {
        kind.rawValue + (registers == 2 && lowWordFirst ? " low word first" : "")
    }

    /// The value held from `first` on, from the registers a request wrote (`register(n)`: the raw value of the
    /// register `n` on from `first`, nil when the request did not write it or it is not a 16-bit word).
    public func value(_ register: (Int) -> Double?) -> Double? {
        func word(_ n: Int) -> UInt16? {
            guard let v = register(n), v == v.rounded(), v >= -32_768, v <= 65_535 else { return nil }
            return UInt16(truncatingIfNeeded: Int(v))
        }
        guard let a = word(0) else { return nil }
        switch kind {
        case .uint16: return Double(a)
        case .int16: return Double(Int16(bitPattern: a))
        case .uint32, .int32, .float32:
            guard let b = word(1) else { return nil }
            let (hi, lo) = lowWordFirst ? (b, a) : (a, b)
            let bits = UInt32(hi) << 16 | UInt32(lo)
            switch kind {
            case .uint32: return Double(bits)
            case .int32: return Double(Int32(bitPattern: bits))
            default:
                let f = Float(bitPattern: bits)
                return f.isFinite ? Double(f) : nil
            }
        }
    }
}

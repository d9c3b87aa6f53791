import JikochoModel

/// Numbers, states and quality codes as historian exports write them.
public enum HistorianValues {
    private static let powers: [Double] = (0...22).map { p in (0..<p).reduce(1.0) { r, _ in r * 10 } }

    /// A decimal number (`-12.5`, `1,25` with a decimal comma, `3.2E-04`, `+7`), or nil when the bytes are not one.
    /// Exact: short mantissas take Clinger's fast path, the rest the C library's correctly rounded conversion.
    public static func number(_ b: UnsafeBufferPointer<UInt8>, decimalComma: Bool = false) -> Double? {
        let n = b.count
        guard n > 0, n <= 64 else { return nil }
        let point: UInt8 = decimalComma ? 0x2C : 0x2E
        var i = 0
        var negative = false
        if b[0] == 0x2D { negative = true; i = 1 } else if b[0] == 0x2B { i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0, significant = 0, exponent = 0
        var sawPoint = false
        while i < n {
            let c = b[i]
            let d = c &- 48
            if d < 10 {
                digits += 1
                if significant < 19 {
                    if mantissa != 0 || d != 0 { significant += 1 }
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if sawPoint { exponent -= 1 }
                } else if !sawPoint {
                    exponent += 1
                }
            } else if c == point, !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        if i < n {
            guard b[i] | 0x20 == 0x65 else { return nil }    // e / E
            i += 1
            var eNeg = false
            if i < n, b[i] == 0x2D { eNeg = true; i += 1 } else if i < n, b[i] == 0x2B { i += 1 }
            var e = 0, eDigits = 0
            while i < n, b[i] &- 48 < 10 {
                if e < 100_000 { e = e * 10 + Int(b[i] &- 48) }
                eDigits += 1
                i += 1
            }
            guard eDigits > 0, i == n else { return nil }
            exponent += eNeg ? -e : e
        }
        if significant <= 15, mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            var v = Double(mantissa)
            v = exponent < 0 ? v / powers[-exponent] : v * powers[exponent]
            return negative ? -v : v
        }
        // Rare: long mantissas and large exponents, through the correctly rounded conversion.
        let text = String(decoding: b.map { decimalComma && $0 == 0x2C ? 0x2E : $0 }, as: UTF8.self)
        return Double(text)
    }

    /// Text a historian writes in place of a value when it has none to give (PI system digital states, OPC and
    /// Wonderware words): the sample is bad and the text is its quality. Keys are lower-cased.
    public static let systemStates: Set<String> = [
        "bad", "bad input", "bad output", "bad data", "bad quality", "i/o timeout", "io timeout", "comm fail",
        "comm failure", "no data", "no sample", "pt created", "scan off", "scan timeout", "shutdown", "calc failed",
        "calc timeout", "over range", "under range", "configure", "out of serv", "out of service", "not connect",
        "not connected", "arc off-line", "intf shut", "equip fail", "failed", "invalid data", "invalid float",
        "error", "#error", "#n/a", "n/a", "nan", "null", "bad_notconnected", "bad_commfailure", "bad_devicefailure",
        "bad_sensorfailure", "bad_outofservice", "bad_configurationerror", "unit down", "doubtful",
        // Spreadsheet errors, as a workbook's cells or a CSV saved from one hold them.
        "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#getting_data", "#spill!", "#calc!", "#field!",
        "#blocked!", "#connect!", "#busy!", "#unknown!",
    ]

    /// A text value's meaning: a system state (bad, no value) or a digital state to keep.
    public static func isSystemState(_ text: String) -> Bool { systemStates.contains(text.lowercased()) }

    /// How a column writes quality.
    public enum QualityCode: Sendable {
        /// OPC DA quality byte (192 good, 64–127 uncertain, below 64 bad) or OPC UA status code (`0x80…` bad,
        /// `0x40…` uncertain), or words.
        case opc
        /// 0 is good (Wonderware `Quality`, PI status): 16 (Wonderware "doubtful") is uncertain, others bad.
        case zeroIsGood
        /// A PI flag column (`Questionable`, `Substituted`): true, 1, yes means uncertain.
        case flag
        /// 1 is good (WinCC's `Validity`: 1 valid, 0 invalid), others bad.
        case oneIsGood
    }

    /// The class of a quality field, and whether its text is worth keeping (it is, whenever not plainly good).
    public static func quality(_ text: String, as code: QualityCode) -> SampleQuality {
        let t = text.trimmingBlanks
        if t.isEmpty { return .good }
        if code == .flag {
            switch t.lowercased() {
            case "0", "false", "no", "n", "f": return .good
            default: return .uncertain
            }
        }
        let lower = t.lowercased()
        if lower.hasPrefix("0x"), let v = UInt32(lower.dropFirst(2), radix: 16) {
            switch v >> 30 {
            case 0: return .good
            case 1: return .uncertain
            default: return .bad
            }
        }
        if let v = Int(t) {
            switch code {
            case .zeroIsGood: return v == 0 ? .good : (v == 16 ? .uncertain : .bad)
            case .oneIsGood: return v == 1 ? .good : .bad
            case .opc, .flag:
                if v >= 192 && v <= 255 { return .good }
                if v >= 64 && v < 192 { return .uncertain }    // 0x40–0x7F uncertain; 0x80–0xBF is unused
                return .bad
            }
        }
        if lower.hasPrefix("good") || lower == "ok" || lower == "normal" { return .good }
        if lower.hasPrefix("uncertain") || lower.hasPrefix("questionable") || lower.hasPrefix("doubtful")
            || lower.hasPrefix("substituted") || lower.hasPrefix("estimated") || lower.hasPrefix("interpolated")
        {
            return .uncertain
        }
        return .bad
    }

    /// Naming conventions for setpoints: `FIC101_SP`, `Tank1.SP`, `NaOH Setpoint`, `TIC-5.SV` (Japanese plants
    /// write SV, set value, beside PV and MV), `PUMP1_SPT`.
    public static func looksLikeSetpoint(_ tag: String) -> Bool {
        let u = tag.uppercased()
        if u.contains("SETPOINT") || u.contains("SET_POINT") || u.contains("SET POINT") || u.contains("SET-POINT") {
            return true
        }
        // Japanese: 設定値 (setting value, the SV), 目標値 (target value).
        if tag.contains("設定値") || tag.contains("目標値") { return true }
        let separators: Set<Character> = ["_", ".", "-", ":", "/", " ", "]"]
        for suffix in ["SP", "SV", "SPT", "SETPT"] where u.hasSuffix(suffix) {
            let before = u.dropLast(suffix.count)
            if let c = before.last, separators.contains(c) { return true }
        }
        // A setpoint named in the middle of a path: `Line1/FIC101/SP/Value`, `FIC101.SP.Value`.
        for middle in ["/SP/", ".SP.", "_SP_", "/SV/", ".SV."] where u.contains(middle) { return true }
        return false
    }
}

extension String {
    var trimmingBlanks: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}

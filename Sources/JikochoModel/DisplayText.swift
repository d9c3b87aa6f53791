extension String {
    /// Evidence strings may carry terminal escape sequences and bidirectional overrides: control characters are
    /// shown as `\xNN` (tab, line feed and carriage return as `\t`, `\n`, `\r`).
    public var terminalSafe: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for u in unicodeScalars {
            switch u.value {
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                let hex = String(u.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    public func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    public func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}

extension Event {
    /// `hmi-1=10.0.20.10:51512 -> plc-1=10.0.20.20:502`: the endpoints, each with its asset when the inventory knows
    /// it; `-` when the event has none.
    public var flowDescription: String {
        func ep(_ p: Endpoint) -> String { (p.asset.map { "\($0)=" } ?? "") + p.description }
        switch (src.isEmpty, dst.isEmpty) {
        case (true, true): return "-"
        case (false, true): return ep(src)
        case (true, false): return "-> \(ep(dst))"
        case (false, false): return "\(ep(src)) -> \(ep(dst))"
        }
    }
}

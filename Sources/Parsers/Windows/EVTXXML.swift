import JikochoModel

/// How values and XML are written out.
public struct EVTXStyle: Sendable, Equatable {
    /// Python-evtx's rendering, kept to compare with it byte for byte: FILETIME through a float, padded hex, base64
    /// binary, lower-case GUIDs, `True`/`False`, non-ASCII as character references, every substitution present.
    public var pythonEvtx: Bool

    /// Windows' own rendering (Event Viewer, wevtutil): exact 100-ns times in ISO 8601, `0x3e7`, upper-case GUIDs
    /// and hex binary, UTF-8 text; optional substitutions that are null leave their attribute out.
    public static let windows = EVTXStyle(pythonEvtx: false)
    public static let pythonEvtxCompatible = EVTXStyle(pythonEvtx: true)
}

/// Renders Binary XML to XML text, and values to strings.
public enum EVTXXML {
    /// The XML of a record body (no `<?xml` declaration), one element per line as python-evtx writes it.
    public static func render(_ body: [BXContent], style: EVTXStyle = .windows) -> String {
        var w = Writer(style: style)
        w.content(body, values: [])
        return String(decoding: w.out, as: UTF8.self)
    }

    /// A value as text, unescaped.
    public static func text(_ v: BXValue, style: EVTXStyle = .windows) -> String {
        let py = style.pythonEvtx
        switch v {
        case .null: return ""
        case .string(let s): return s
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .real32(let f): return py ? Double(f).description : f.description
        case .real64(let d): return d.description
        case .bool(let b): return py ? (b > 0 ? "True" : "False") : (b != 0 ? "true" : "false")
        case .binary(let b): return py ? base64(b) : hexUpper(b)
        case .guid(let g): return guidText(g, upper: !py)
        case .sizeT(let n): return py ? String(n) : "0x" + String(n, radix: 16)
        case .filetime(let t): return py ? pythonFiletime(t) : filetimeISO(t)
        case .systemtime(let p): return systemtimeText(p, python: py)
        case .sid(let s): return s
        case .hex32(let x): return py ? "0x" + pad(String(x, radix: 16), 8) : "0x" + String(x, radix: 16)
        case .hex64(let x): return py ? "0x" + pad(String(x, radix: 16), 16) : "0x" + String(x, radix: 16)
        case .fragment(let f): return render(f, style: style)
        case .array(let base, let items):
            if py, base == 0x01 { return items.map { "<string>\(text($0, style: style))</string>\n" }.joined() }
            return items.map { text($0, style: style) }.joined(separator: ", ")
        case .raw(_, let b): return hexUpper(b)
        }
    }

    /// Text content of a node list with its substitution values, unescaped (what an XML parser would give).
    public static func plainText(_ content: [BXContent], values: [BXValue], style: EVTXStyle = .windows) -> String {
        if !style.pythonEvtx, let v = singleValue(content, values: values) { return text(v, style: style) }
        if content.isEmpty { return "" }
        var s = ""
        for c in content {
            switch c {
            case .value(let v): s += text(v, style: style)
            case .substitution(let i, _, _): if i < values.count { s += text(values[i], style: style) }
            case .cdata(let t): s += t
            case .charRef(let u): s += String(decoding: [u], as: UTF16.self)
            case .entityRef(let name): s += entity(name)
            case .element(let e): s += plainText(e.children, values: values, style: style)
            case .instance(let i): s += plainText(i.template.content, values: i.values, style: style)
            case .processingInstruction: break
            }
        }
        return style.pythonEvtx ? s.filter { !isRestricted($0) } : s
    }

    /// The value when a node list is exactly one value or one substitution (nearly every field of a record).
    static func singleValue(_ content: [BXContent], values: [BXValue]) -> BXValue? {
        guard content.count == 1 else { return nil }
        switch content[0] {
        case .value(let v): return v
        case .substitution(let i, _, _): return i < values.count ? values[i] : .null
        default: return nil
        }
    }

    /// True when a node list is only optional substitutions whose values are null: Windows leaves such an
    /// attribute, or such an element, out.
    static func isSuppressed(_ content: [BXContent], values: [BXValue]) -> Bool {
        guard !content.isEmpty else { return false }
        for c in content {
            guard case .substitution(let i, _, true) = c else { return false }
            if i < values.count, case .null = values[i] { continue }
            if i >= values.count { continue }
            return false
        }
        return true
    }

    /// The items when a node list is exactly one array value (a substitution of type 0x80 | base).
    static func arrayContent(_ content: [BXContent], values: [BXValue]) -> [BXValue]? {
        guard content.count == 1 else { return nil }
        switch content[0] {
        case .value(.array(_, let items)): return items
        case .substitution(let i, _, _):
            if i < values.count, case .array(_, let items) = values[i] { return items }
            return nil
        default: return nil
        }
    }

    static func entity(_ name: String) -> String {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default: return "&\(name);"
        }
    }

    // MARK: - Writer

    struct Writer {
        let style: EVTXStyle
        var out: [UInt8] = []

        init(style: EVTXStyle) {
            self.style = style
            out.reserveCapacity(2048)
        }

        mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

        mutating func content(_ list: [BXContent], values: [BXValue]) {
            for c in list { node(c, values: values) }
        }

        func suppressed(_ value: [BXContent], values: [BXValue]) -> Bool {
            !style.pythonEvtx && EVTXXML.isSuppressed(value, values: values)
        }

        mutating func node(_ c: BXContent, values: [BXValue]) {
            switch c {
            case .element(let e):
                if suppressed(e.children, values: values) { return }
                if !style.pythonEvtx, let items = EVTXXML.arrayContent(e.children, values: values) {
                    // Windows writes an array as the element repeated, one item each.
                    for item in items {
                        var one = e
                        one.children = [.value(item)]
                        node(.element(one), values: values)
                    }
                    return
                }
                raw("<")
                raw(e.name)
                for a in e.attributes where !suppressed(a.value, values: values) {
                    raw(" ")
                    raw(a.name)
                    raw("=\"")
                    for v in a.value { valueNode(v, values: values, attribute: true) }
                    raw("\"")
                }
                if e.children.isEmpty, !style.pythonEvtx {
                    raw("/>\n")
                    return
                }
                raw(">")
                content(e.children, values: values)
                raw("</")
                raw(e.name)
                raw(">\n")
            case .instance(let i):
                content(i.template.content, values: i.values)
            default:
                valueNode(c, values: values, attribute: false)
            }
        }

        mutating func valueNode(_ c: BXContent, values: [BXValue], attribute: Bool) {
            switch c {
            case .value(let v):
                value(v, attribute: attribute)
            case .substitution(let i, _, _):
                if i < values.count { value(values[i], attribute: attribute) }
            case .cdata(let t):
                raw("<![CDATA[")
                if style.pythonEvtx { escape(t, attribute: false) } else { raw(t.replacing("]]>", with: "]]]]><![CDATA[>")) }
                raw("]]>")
            case .charRef(let u):
                if !style.pythonEvtx { raw("&#x" + pad(String(u, radix: 16), 4) + ";") }
            case .entityRef(let name):
                if style.pythonEvtx { escape("&\(name);", attribute: false) } else { raw("&\(name);") }
            case .processingInstruction(let target, let data):
                if style.pythonEvtx {
                    escape("<?" + target, attribute: false)
                    escape(data.isEmpty ? "?>" : " \(data)?>", attribute: false)
                } else {
                    raw("<?\(target)\(data.isEmpty ? "" : " " + data)?>")
                }
            case .element, .instance:
                node(c, values: values)
            }
        }

        mutating func value(_ v: BXValue, attribute: Bool) {
            switch v {
            case .fragment(let f): content(f, values: [])
            default: escape(EVTXXML.text(v, style: style), attribute: attribute)
            }
        }

        mutating func escape(_ s: String, attribute: Bool) {
            let py = style.pythonEvtx
            for u in s.unicodeScalars {
                switch u.value {
                case 0x26: raw("&amp;")
                case 0x3C: raw("&lt;")
                case 0x3E: raw("&gt;")
                case 0x22 where attribute && !py: raw("&quot;")
                case 0x00, 0x01...0x08, 0x0B, 0x0C, 0x0E...0x1F, 0x7F:
                    // python-evtx drops these (and keeps NUL); XML 1.1 allows them as references.
                    if !py { raw("&#x" + String(u.value, radix: 16) + ";") } else if u.value == 0 { out.append(0) }
                case 0x80...:
                    if py { raw("&#\(u.value);") } else { out.append(contentsOf: String(u).utf8) }
                default:
                    out.append(UInt8(u.value))
                }
            }
        }
    }

    static func isRestricted(_ ch: Character) -> Bool {
        guard let u = ch.unicodeScalars.first, ch.unicodeScalars.count == 1 else { return false }
        switch u.value {
        case 0x01...0x08, 0x0B, 0x0C, 0x0E...0x1F, 0x7F: return true
        default: return false
        }
    }

    // MARK: - Value formats

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func hexUpper(_ b: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(b.count * 2)
        b.withUnsafeBytes { appendHexUpper($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Two upper-case hex digits per byte.
    public static func appendHexUpper(_ b: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let d: StaticString = "0123456789ABCDEF"
        for x in b { out.append(d.utf8Start[Int(x >> 4)]); out.append(d.utf8Start[Int(x & 0xF)]) }
    }

    static func base64(_ b: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out = [UInt8]()
        var i = 0
        while i < b.count {
            let n = min(3, b.count - i)
            let v = UInt32(b[i]) << 16 | (n > 1 ? UInt32(b[i + 1]) << 8 : 0) | (n > 2 ? UInt32(b[i + 2]) : 0)
            out.append(table[Int(v >> 18 & 63)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(n > 1 ? table[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? table[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `{54849625-5478-4994-A5BA-3E3B0328C30D}` from the 16 stored bytes (first three fields little-endian).
    public static func guidText(_ g: [UInt8], upper: Bool = true) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(38)
        g.withUnsafeBytes { appendGUID($0, upper: upper, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `guidText`, appended: bytes that are not 16 as upper-case hex.
    public static func appendGUID(_ g: UnsafeRawBufferPointer, upper: Bool = true, into out: inout [UInt8]) {
        guard g.count == 16 else { return appendHexUpper(g, into: &out) }
        let d: StaticString = upper ? "0123456789ABCDEF" : "0123456789abcdef"
        out.append(UInt8(ascii: "{"))
        for i in [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15] {
            if i < 0 { out.append(UInt8(ascii: "-")); continue }
            out.append(d.utf8Start[Int(g[i] >> 4)]); out.append(d.utf8Start[Int(g[i] & 0xF)])
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Days from 1601-01-01 to 1970-01-01.
    static let filetimeEpochDays: Int64 = 134_774

    static func civil(ticks: UInt64) -> (CivilTime, Int) {
        let secs = Int64(ticks / 10_000_000)
        let frac = Int(ticks % 10_000_000)
        let days = secs / 86_400 - filetimeEpochDays
        let rem = secs % 86_400
        let (y, m, d) = CivilTime.civilFromDays(Int(days))
        return (CivilTime(year: y, month: m, day: d, hour: Int(rem / 3600), minute: Int(rem % 3600 / 60),
                          second: Int(rem % 60)), frac)
    }

    static func digits(_ v: Int, _ width: Int) -> String { pad(String(v), width) }

    static func dateTime(_ c: CivilTime, separator: String) -> String {
        "\(digits(c.year, 4))-\(digits(c.month, 2))-\(digits(c.day, 2))\(separator)"
            + "\(digits(c.hour, 2)):\(digits(c.minute, 2)):\(digits(c.second, 2))"
    }

    /// `2019-03-18T11:06:25.4852140Z`: the full 100-ns precision, as Windows writes SystemTime.
    public static func filetimeISO(_ ticks: UInt64) -> String {
        let (c, frac) = civil(ticks: ticks)
        return dateTime(c, separator: "T") + "." + digits(frac, 7) + "Z"
    }

    /// python-evtx's FILETIME text: `datetime.fromtimestamp(float(ticks) * 1e-7 - 11644473600, utc)` rounded to
    /// microseconds half-to-even the way CPython does it, `isoformat(" ")`; 0 and out-of-range become
    /// `0001-01-01 00:00:00` (datetime.min).
    public static func pythonFiletime(_ ticks: UInt64) -> String {
        let minimum = "0001-01-01 00:00:00"
        if ticks == 0 { return minimum }
        let d = Double(ticks) * 1e-7 - 11_644_473_600
        var intPart = d.rounded(.towardZero)
        var micro = ((d - intPart) * 1e6).rounded(.toNearestOrEven)
        if micro >= 1e6 { micro -= 1e6; intPart += 1 } else if micro < 0 { micro += 1e6; intPart -= 1 }
        guard intPart >= -62_135_596_800, intPart < 253_402_300_800 else { return minimum }
        let t = Timestamp(seconds: Int64(intPart))
        let c = t.civil()
        let us = Int(micro)
        return dateTime(c, separator: " ") + (us == 0 ? "" : "." + digits(us, 6)) + "+00:00"
    }

    static func systemtimeText(_ p: [UInt16], python: Bool) -> String {
        guard p.count == 8 else { return "" }
        let c = CivilTime(year: Int(p[0]), month: Int(p[1]), day: Int(p[3]), hour: Int(p[4]), minute: Int(p[5]),
                          second: Int(p[6]))
        if python {
            // datetime(y, m, d, H, M, S, milliseconds) — python-evtx passes the milliseconds as microseconds.
            return dateTime(c, separator: " ") + (p[7] == 0 ? "" : "." + digits(Int(p[7]), 6))
        }
        return dateTime(c, separator: "T") + "." + digits(Int(p[7]), 3) + "Z"
    }
}

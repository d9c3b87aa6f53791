import JikochoModel

/// One web request as an access log records it.
public struct AccessRecord: Hashable, Sendable {
    public var time: CivilTime
    public var client: String?
    public var ident: String?
    public var user: String?
    public var method: String?
    /// The request target as sent (path and query), or the raw request line when it is not `METHOD TARGET PROTO`.
    public var target: String?
    public var path: String?
    public var query: String?
    public var proto: String?
    /// The raw request line, kept when it does not split as a request (scanners send binary junk).
    public var rawRequest: String?
    public var status: Int?
    public var bytes: Int64?
    public var referer: String?
    public var userAgent: String?
    public var serverIP: String?
    public var serverPort: UInt16?
    public var timeTakenMillis: Int64?
    /// Fields a format has beyond these (IIS `sc-substatus`, extra nginx fields), by name.
    public var extra: [String: String]
    /// Set when the line was read in part (its last quoted field never closed: a line cut short).
    public var incomplete: String?

    public init(time: CivilTime) {
        self.time = time
        extra = [:]
    }
}

/// Apache and nginx Common and Combined Log Format (also Tomcat's default AccessLogValve pattern):
/// `host ident user [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.1" 200 2326 "referer" "agent"`.
/// <https://httpd.apache.org/docs/current/logs.html#common>
public enum CommonLogParser {
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> AccessRecord? {
        var c = TimeParser.Cursor(b)
        func token() -> String? {
            let s = c.index
            while let ch = c.peek, ch != UInt8(ascii: " ") { c.index += 1 }
            guard c.index > s else { return nil }
            let t = String(decoding: UnsafeBufferPointer(rebasing: b[s..<c.index]), as: UTF8.self)
            return t
        }
        func space() -> Bool { c.take(UInt8(ascii: " ")) }
        /// A quoted field with Apache's escapes (`\"`, `\\`, `\xhh`), or `-` (bare or quoted) for none.
        /// With `toEnd`, a quote that never closes takes the rest of the line (`unterminated` is set).
        var unterminated = false
        func quoted(toEnd: Bool = false) -> String?? {
            if c.take(UInt8(ascii: "-")) { return .some(nil) }
            guard c.take(UInt8(ascii: "\"")) else { return nil }
            var out = [UInt8]()
            while let ch = c.peek {
                c.index += 1
                if ch == UInt8(ascii: "\\"), let next = c.peek {
                    c.index += 1
                    switch next {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(next)
                    case UInt8(ascii: "x"):
                        if c.index + 2 <= b.count, let v = UInt8(String(decoding: UnsafeBufferPointer(rebasing: b[c.index..<(c.index + 2)]), as: UTF8.self), radix: 16) {
                            out.append(v)
                            c.index += 2
                        } else {
                            out.append(contentsOf: [UInt8(ascii: "\\"), next])
                        }
                    default: out.append(contentsOf: [UInt8(ascii: "\\"), next])
                    }
                } else if ch == UInt8(ascii: "\"") {
                    return out == [UInt8(ascii: "-")] ? .some(nil) : .some(String(decoding: out, as: UTF8.self))
                } else {
                    out.append(ch)
                }
            }
            guard toEnd else { return nil }
            unterminated = true
            return .some(String(decoding: out, as: UTF8.self))
        }
        func dash(_ s: String?) -> String? { s == "-" ? nil : s }

        guard let client = token(), space(), let ident = token(), space() else { return nil }
        // The user may contain spaces in some logs; take up to " [".
        let userStart = c.index
        while c.index + 1 < b.count, !(b[c.index] == UInt8(ascii: " ") && b[c.index + 1] == UInt8(ascii: "[")) {
            c.index += 1
        }
        guard c.index > userStart, c.index + 1 < b.count else { return nil }
        let user = String(decoding: UnsafeBufferPointer(rebasing: b[userStart..<c.index]), as: UTF8.self)
        c.index += 2
        guard let (t, n) = TimeParser.commonLog(bytes: UnsafeBufferPointer(rebasing: b[c.index...])),
              t.utcOffsetSeconds != nil
        else { return nil }
        c.index += n
        guard c.take(UInt8(ascii: "]")), space(), let request = quoted(), space(), let statusText = token()
        else { return nil }
        var r = AccessRecord(time: t)
        r.client = dash(client)
        r.ident = dash(ident)
        r.user = dash(user)
        guard statusText == "-" || Int(statusText) != nil else { return nil }
        r.status = Int(statusText)
        if space(), let bytesText = token() {
            guard bytesText == "-" || Int64(bytesText) != nil else { return nil }
            r.bytes = Int64(bytesText)
        }
        if let request { splitRequest(request, into: &r) }
        if space(), c.peek == UInt8(ascii: "\"") || c.peek == UInt8(ascii: "-") {
            guard let referer = quoted() else { return nil }
            r.referer = referer
            guard space(), let agent = quoted(toEnd: true) else { return nil }
            r.userAgent = agent
            if unterminated { r.incomplete = "the user-agent field is not closed (line cut short?)" }
        }
        // Anything after (nginx `$request_time`, Apache `%D`) is kept as it is.
        _ = space()
        if c.index < b.count {
            r.extra["trailing"] = String(decoding: UnsafeBufferPointer(rebasing: b[c.index...]), as: UTF8.self)
        }
        return r
    }

    /// `GET /a?b HTTP/1.1` → method, target, path, query, protocol; anything else is kept raw.
    static func splitRequest(_ request: String, into r: inout AccessRecord) {
        let parts = request.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A || $0 == 0x2D }),
              parts[2].hasPrefix("HTTP/")
        else {
            r.rawRequest = request
            return
        }
        r.method = String(parts[0])
        r.proto = String(parts[2])
        setTarget(String(parts[1]), into: &r)
    }

    static func setTarget(_ target: String, into r: inout AccessRecord) {
        r.target = target
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            r.path = String(target[target.startIndex..<q])
            r.query = String(target[target.index(after: q)...])
        } else {
            r.path = target
        }
    }
}

/// The W3C Extended Log File Format that IIS writes: `#Fields:` names the columns, values are separated by spaces,
/// `-` is empty, `+` stands for a space inside a value, times are UTC.
/// <https://www.w3.org/TR/WD-logfile.html>
public struct W3CLogParser {
    public enum Result: Equatable {
        case record(AccessRecord)
        /// A `#` line: its directive (`Fields`, `Software`, `Date`, …) or nil for a comment.
        case directive(String?)
        case blank
        /// A data line before any `#Fields:` or with the wrong number of fields; the reason says which.
        case bad(String)
    }

    public private(set) var fields: [String] = []

    public init() {}

    public mutating func parse(_ b: UnsafeBufferPointer<UInt8>) -> Result {
        guard let first = b.first else { return .blank }
        let text = String(decoding: b, as: UTF8.self)
        if first == UInt8(ascii: "#") {
            if let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) {
                let name = String(text[text.index(after: text.startIndex)..<colon])
                if name == "Fields" {
                    fields = text[text.index(after: colon)...].split(separator: " ").map(String.init)
                }
                if name.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 == 0x2D }) { return .directive(name) }
            }
            return .directive(nil)
        }
        if text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .blank }
        guard !fields.isEmpty else { return .bad("data line before any #Fields: directive") }
        let values = text.split(separator: " ", omittingEmptySubsequences: false)
        guard values.count == fields.count else {
            return .bad("\(values.count) values for \(fields.count) fields")
        }
        var date: Substring?
        var time: Substring?
        var r = AccessRecord(time: CivilTime(year: 1970, month: 1, day: 1))
        for (name, raw) in zip(fields, values) {
            let v: String? = raw == "-" ? nil : String(raw)
            switch name {
            case "date": date = raw
            case "time": time = raw
            case "c-ip": r.client = v
            case "cs-username": r.user = v
            case "cs-method": r.method = v
            case "cs-uri-stem": r.path = v
            case "cs-uri-query": r.query = v
            case "cs-version": r.proto = v
            case "sc-status": r.status = v.flatMap { Int($0) }
            case "sc-bytes": r.bytes = v.flatMap { Int64($0) }
            case "cs(User-Agent)": r.userAgent = v?.replacingPluses
            case "cs(Referer)": r.referer = v
            case "s-ip": r.serverIP = v
            case "s-port": r.serverPort = v.flatMap { UInt16($0) }
            case "time-taken": r.timeTakenMillis = v.flatMap { Int64($0) }
            default: if let v { r.extra[name] = v }
            }
        }
        guard let date, let time,
              let t = TimeParser.iso8601("\(date)T\(time)Z")
        else { return .bad("no valid date and time fields") }
        r.time = t
        if let p = r.path { r.target = r.query.map { "\(p)?\($0)" } ?? p }
        return .record(r)
    }
}

extension String {
    /// IIS writes spaces inside values as `+`.
    var replacingPluses: String { String(map { $0 == "+" ? " " : $0 }) }
}

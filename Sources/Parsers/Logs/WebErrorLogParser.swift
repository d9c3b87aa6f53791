import JikochoModel

/// One line of a web server's error log.
public struct WebErrorRecord: Equatable, Sendable {
    public enum Dialect: String, Sendable { case apache, nginx }
    public var dialect: Dialect
    /// Local time of the server (no zone is written).
    public var time: CivilTime
    /// `error`, `notice`, `warn`, … (Apache 2.4 `core:error` gives module `core`, level `error`).
    public var level: String
    public var module: String?
    public var pid: String?
    public var tid: String?
    /// Client address as written (`203.0.113.7`, `203.0.113.7:51512`).
    public var client: String?
    /// nginx's connection number (`*5`).
    public var connection: String?
    /// nginx's `request: "GET /x HTTP/1.1"`, `server:`, `host:`.
    public var request: String?
    public var server: String?
    public var hostHeader: String?
    public var message: String

    public init(dialect: Dialect, time: CivilTime, level: String, module: String? = nil, pid: String? = nil,
                tid: String? = nil, client: String? = nil, connection: String? = nil, request: String? = nil,
                server: String? = nil, hostHeader: String? = nil, message: String)
    {
        self.dialect = dialect
        self.time = time
        self.level = level
        self.module = module
        self.pid = pid
        self.tid = tid
        self.client = client
        self.connection = connection
        self.request = request
        self.server = server
        self.hostHeader = hostHeader
        self.message = message
    }
}

/// Apache httpd error logs (2.2: `[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] msg`; 2.4:
/// `[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328] [client 1.2.3.4:80] AH00128: msg`,
/// https://httpd.apache.org/docs/2.4/logs.html#errorlog) and nginx error logs
/// (`2019/08/21 10:11:12 [error] 1234#1234: *5 msg, client: 1.2.3.4, server: _, request: "GET / HTTP/1.1"`).
public enum WebErrorLogParser {
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> WebErrorRecord? {
        guard let first = b.first else { return nil }
        if first == UInt8(ascii: "[") { return apache(b) }
        if first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") { return nginx(b) }
        return nil
    }

    static func text(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    /// `[Sun Dec 04 04:47:44 2005]` or with microseconds `[Wed Oct 11 14:32:52.123456 2000]`.
    static func apacheTime(_ c: inout TimeParser.Cursor) -> CivilTime? {
        guard c.take(UInt8(ascii: "[")) else { return nil }
        // Weekday: three letters and a space.
        for _ in 0..<3 { guard let ch = c.peek, (ch | 0x20) >= UInt8(ascii: "a"), (ch | 0x20) <= UInt8(ascii: "z") else { return nil }; c.index += 1 }
        guard c.take(UInt8(ascii: " ")), let month = c.monthName(), c.take(UInt8(ascii: " ")) else { return nil }
        _ = c.take(UInt8(ascii: " "))
        guard let day = c.upTo2Digits(), c.take(UInt8(ascii: " ")), let h = c.digits(2), c.take(UInt8(ascii: ":")),
              let mi = c.digits(2), c.take(UInt8(ascii: ":")), let s = c.digits(2) else { return nil }
        var ns = 0
        if c.peek == UInt8(ascii: ".") { c.index += 1; guard let f = c.fraction() else { return nil }; ns = f }
        guard c.take(UInt8(ascii: " ")), let y = c.digits(4), c.take(UInt8(ascii: "]")) else { return nil }
        let t = CivilTime(year: y, month: month, day: day, hour: h, minute: mi, second: s, nanosecond: ns)
        return t.isValid ? t : nil
    }

    static func apache(_ b: UnsafeBufferPointer<UInt8>) -> WebErrorRecord? {
        var c = TimeParser.Cursor(b)
        guard let time = apacheTime(&c) else { return nil }
        var r = WebErrorRecord(dialect: .apache, time: time, level: "", message: "")
        // Bracketed fields: [level] or [module:level], [pid N:tid M], [client A].
        var sawLevel = false
        while true {
            while c.peek == UInt8(ascii: " ") { c.index += 1 }
            guard c.peek == UInt8(ascii: "["), let close = b[c.index...].firstIndex(of: UInt8(ascii: "]")) else { break }
            let inner = text(b, (c.index + 1)..<close)
            if !sawLevel {
                sawLevel = true
                if let colon = inner.firstIndex(of: ":") {
                    r.module = String(inner[..<colon])
                    r.level = String(inner[inner.index(after: colon)...])
                } else {
                    r.level = inner
                }
            } else if inner.hasPrefix("pid ") {
                let parts = inner.dropFirst(4).split(separator: ":", maxSplits: 1)
                r.pid = parts.first.map(String.init)
                if parts.count == 2, parts[1].hasPrefix("tid ") { r.tid = String(parts[1].dropFirst(4)) }
            } else if inner.hasPrefix("client ") {
                r.client = String(inner.dropFirst(7))
            } else if inner.hasPrefix("remote ") {
                if r.client == nil { r.client = String(inner.dropFirst(7)) }
            } else {
                break    // a bracket that belongs to the message
            }
            c.index = close + 1
        }
        guard sawLevel, !r.level.isEmpty, r.level.count <= 12 else { return nil }
        r.message = text(b, c.index..<b.count)
        return r
    }

    /// `2019/08/21 10:11:12 [error] 1234#1234: *5 message, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1", host: "h"`
    static func nginx(_ b: UnsafeBufferPointer<UInt8>) -> WebErrorRecord? {
        var c = TimeParser.Cursor(b)
        guard let y = c.digits(4), c.take(UInt8(ascii: "/")), let mo = c.digits(2), c.take(UInt8(ascii: "/")),
              let d = c.digits(2), c.take(UInt8(ascii: " ")), let h = c.digits(2), c.take(UInt8(ascii: ":")),
              let mi = c.digits(2), c.take(UInt8(ascii: ":")), let s = c.digits(2), c.take(UInt8(ascii: " ")),
              c.take(UInt8(ascii: "[")), let close = b[c.index...].firstIndex(of: UInt8(ascii: "]")), close - c.index <= 8
        else { return nil }
        let time = CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
        guard time.isValid else { return nil }
        var r = WebErrorRecord(dialect: .nginx, time: time, level: text(b, c.index..<close), message: "")
        c.index = close + 1
        _ = c.take(UInt8(ascii: " "))
        // pid#tid:
        let restStart = c.index
        if let hash = b[c.index...].firstIndex(of: UInt8(ascii: "#")), let colon = b[hash...].firstIndex(of: UInt8(ascii: ":")),
           b[c.index..<hash].allSatisfy({ $0 >= 48 && $0 <= 57 }), b[(hash + 1)..<colon].allSatisfy({ $0 >= 48 && $0 <= 57 })
        {
            r.pid = text(b, c.index..<hash)
            r.tid = text(b, (hash + 1)..<colon)
            c.index = colon + 1
            _ = c.take(UInt8(ascii: " "))
        } else {
            c.index = restStart
        }
        if c.peek == UInt8(ascii: "*"), let space = b[c.index...].firstIndex(of: UInt8(ascii: " ")) {
            r.connection = text(b, (c.index + 1)..<space)
            c.index = space + 1
        }
        // nginx appends ", client: A, server: S, request: "…", upstream: "…", host: "…", referrer: "…"".
        let marker = Array(", client: ".utf8)
        var trailer = b.count
        var i = c.index
        while i + marker.count <= b.count {
            if b[i] == marker[0], b[i..<(i + marker.count)].elementsEqual(marker) { trailer = i; break }
            i += 1
        }
        r.message = text(b, c.index..<trailer)
        var k = trailer + 2
        while k < b.count {
            guard let colon = b[k...].firstIndex(of: UInt8(ascii: ":")), colon + 1 < b.count, b[colon + 1] == 0x20 else { break }
            let key = text(b, k..<colon)
            var v = colon + 2
            let value: String
            if v < b.count, b[v] == UInt8(ascii: "\"") {
                v += 1
                var end = v
                while end < b.count, b[end] != UInt8(ascii: "\"") { end += b[end] == UInt8(ascii: "\\") ? 2 : 1 }
                value = text(b, v..<min(end, b.count))
                k = min(end + 1, b.count)
            } else {
                var end = v
                while end < b.count, !(b[end] == UInt8(ascii: ",") && end + 1 < b.count && b[end + 1] == 0x20) { end += 1 }
                value = text(b, v..<end)
                k = end
            }
            switch key {
            case "client": r.client = value
            case "server": r.server = value
            case "request": r.request = value
            case "host": r.hostHeader = value
            default: break
            }
            guard k + 2 <= b.count, b[k] == UInt8(ascii: ","), b[k + 1] == 0x20 else { break }
            k += 2
        }
        return r
    }
}

import JikochoModel

/// The connection lists remote-control tools keep on the host they control: who came in, when, and how they were let
/// in. A plant's HMI or engineering workstation reached by TeamViewer or AnyDesk (the Oldsmar water plant's HMI was)
/// shows no Windows logon of the person who took its screen: these lists are the host's own record of them.
///
/// - **TeamViewer** `Connections_incoming.txt` (in the installation folder; `Connections.txt` lists the host's own
///   outgoing sessions): one session per line, tab-separated: the partner's TeamViewer ID, the partner's display
///   name, start and end (`dd-MM-yyyy HH:mm:ss`, no zone), the Windows account at whose desktop the session ran, the
///   connection type (`RemoteControl`, `FileTransfer`, `VPN`, `Meeting` …) and the session's GUID, often with a
///   trailing tab.
/// - **AnyDesk** `connection_trace.txt` (ProgramData for an installed AnyDesk, the user's AppData when run without
///   installing; UTF-16 in recent releases): one connection per line, columns separated by runs of blanks: the
///   direction (`Incoming`, `Outgoing`), `YYYY-MM-DD, HH:MM` (to the minute, no zone), how the connection was let in
///   (AnyDesk's "Connection Log" article: `User` — accepted by the person at the console, `Passwd` — the
///   unattended-access password, `Token` — a token saved by an earlier password logon, `REJECTED` — refused at the
///   console), the partner's alias and AnyDesk ID (recent releases write the ID twice).
///
/// Neither list writes a time zone: the collector reads them in the evidence's declared zone.
public enum RemoteControlLog {
    public enum Tool: String, Sendable { case teamViewer = "teamviewer", anyDesk = "anydesk" }

    public enum Direction: String, Sendable { case incoming, outgoing }

    public struct Record: Sendable, Equatable {
        public var tool: Tool
        /// From the line (AnyDesk) or the file's name (TeamViewer); nil when neither says.
        public var direction: Direction?
        public var start: CivilTime
        public var end: CivilTime?
        public var partnerID: String?
        public var partnerName: String?
        /// TeamViewer: the Windows account whose desktop the session drove.
        public var localUser: String?
        /// TeamViewer: `RemoteControl`, `FileTransfer`, `VPN`, `Meeting` ….
        public var connectionType: String?
        public var sessionID: String?
        /// AnyDesk: `User`, `Passwd`, `Token`, `REJECTED` (or what a later release writes).
        public var authentication: String?
        /// The time is to the minute (AnyDesk), not to the second.
        public var minutePrecision = false
    }

    /// The order of a TeamViewer list's dates: day first as TeamViewer writes them, or month first.
    public enum DateOrder: Sendable { case dayFirst, monthFirst }

    /// Which tool's list a line is from, by its shape (nil: neither).
    public static func tool(of line: Substring) -> Tool? {
        if case .success = anyDesk(line) { return .anyDesk }
        if case .success = teamViewer(line, order: .dayFirst) { return .teamViewer }
        if case .success = teamViewer(line, order: .monthFirst) { return .teamViewer }
        return nil
    }

    // MARK: TeamViewer

    /// A line of a TeamViewer connection list, or why it is not one.
    public static func teamViewer(_ line: Substring, order: DateOrder) -> Result<Record, Failure> {
        var fields = line.split(separator: "\t", maxSplits: 16, omittingEmptySubsequences: false).map { String($0).trimmingBlanks }
        while fields.last?.isEmpty == true { fields.removeLast() }
        // The list of incoming sessions names the partner; some lists leave the name out (an ID and then the times).
        guard fields.count >= 4 else { return .failure(.notARecord("fewer than four tab-separated fields")) }
        let named = stamp(fields[1], order) == nil
        let s = named ? 2 : 1
        guard fields.count > s + 1 else { return .failure(.notARecord("no start and end times")) }
        guard let startStamp = stamp(fields[s], order) else {
            return .failure(.notARecord("no start time (dd-MM-yyyy HH:mm:ss) in field \(s + 1)"))
        }
        guard let endStamp = stamp(fields[s + 1], order) else {
            return .failure(.notARecord("no end time (dd-MM-yyyy HH:mm:ss) in field \(s + 2)"))
        }
        guard let start = startStamp, let end = endStamp else { return .failure(.impossibleTime(fields[s] + " " + fields[s + 1])) }
        let rest = Array(fields.dropFirst(s + 2))
        let id = fields[0]
        guard !id.isEmpty, id.utf8.count <= 64 else { return .failure(.notARecord("no partner ID in the first field")) }
        var r = Record(tool: .teamViewer, start: start, end: end)
        r.partnerID = id
        if named, !fields[1].isEmpty { r.partnerName = fields[1] }
        if let u = rest.first, !u.isEmpty { r.localUser = u }
        if rest.count > 1, !rest[1].isEmpty { r.connectionType = rest[1] }
        if rest.count > 2, !rest[2].isEmpty { r.sessionID = rest[2] }
        return .success(r)
    }

    /// `dd-MM-yyyy HH:mm:ss` (or month first, or `yyyy-MM-dd HH:mm:ss`): nil when the text is no such stamp, `.some(nil)`
    /// when it is one but names no real time (month 13, 31 February, hour 25).
    static func stamp(_ s: String, _ order: DateOrder) -> CivilTime?? {
        let b = Array(s.utf8)
        guard b.count == 19, b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[10] == UInt8(ascii: " ") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        let sep = b[4] == b[7] && (b[4] == UInt8(ascii: "-") || b[4] == UInt8(ascii: "/") || b[4] == UInt8(ascii: "."))
        let sepDMY = b[2] == b[5] && (b[2] == UInt8(ascii: "-") || b[2] == UInt8(ascii: "/") || b[2] == UInt8(ascii: "."))
        var y: Int?, mo: Int?, d: Int?
        if sep {
            (y, mo, d) = (num(0..<4), num(5..<7), num(8..<10))
        } else if sepDMY {
            let a = num(0..<2), c = num(3..<5)
            y = num(6..<10)
            (d, mo) = order == .dayFirst ? (a, c) : (c, a)
        } else {
            return nil
        }
        guard let y, let mo, let d, let h = num(11..<13), let mi = num(14..<16), let sec = num(17..<19) else { return nil }
        return .some(civil(y, mo, d, h, mi, sec))
    }

    /// The date and time if they name a real instant (no zone), else nil.
    static func civil(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> CivilTime? {
        guard (1970...9999).contains(y), (1...12).contains(mo), d >= 1, d <= CivilTime.daysIn(month: mo, year: y),
              (0...23).contains(h), (0...59).contains(mi), (0...59).contains(s) else { return nil }
        return CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
    }

    /// The first two numbers of a `dd-MM-yyyy` stamp of a TeamViewer line, for telling the list's date order: a first
    /// number above 12 is a day, a second above 12 is a day.
    public static func dateParts(_ line: Substring) -> [(Int, Int)] {
        line.split(separator: "\t", omittingEmptySubsequences: false).compactMap { f -> (Int, Int)? in
            let b = Array(String(f).trimmingBlanks.utf8)
            guard b.count == 19, b[2] == b[5], b[2] == UInt8(ascii: "-") || b[2] == UInt8(ascii: "/") || b[2] == UInt8(ascii: "."),
                  let a = Int(String(decoding: b[0..<2], as: UTF8.self)), let c = Int(String(decoding: b[3..<5], as: UTF8.self))
            else { return nil }
            return (a, c)
        }
    }

    // MARK: AnyDesk

    /// A line of AnyDesk's `connection_trace.txt`, or why it is not one.
    public static func anyDesk(_ line: Substring) -> Result<Record, Failure> {
        // At most 64 columns are looked at: a hostile line of a million blanks is not split a million times.
        let words = line.split(maxSplits: 64, omittingEmptySubsequences: true, whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first else { return .failure(.notARecord("an empty line")) }
        let direction: Direction
        switch first.lowercased() {
        case "incoming": direction = .incoming
        case "outgoing": direction = .outgoing
        default: return .failure(.notARecord("does not start with Incoming or Outgoing"))
        }
        let w = Array(words)
        guard w.count >= 4 else { return .failure(.notARecord("fewer than four columns after the direction")) }
        // `2024-02-16,` `20:29`
        let date = Array(w[1].utf8), time = Array(w[2].utf8)
        guard date.count == 11, date[10] == UInt8(ascii: ","), date[4] == UInt8(ascii: "-"), date[7] == UInt8(ascii: "-"),
              time.count == 5, time[2] == UInt8(ascii: ":") else {
            return .failure(.notARecord("no date and time (YYYY-MM-DD, HH:MM) after the direction"))
        }
        func num(_ b: [UInt8], _ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let y = num(date, 0..<4), let mo = num(date, 5..<7), let d = num(date, 8..<10), let h = num(time, 0..<2),
              let mi = num(time, 3..<5) else {
            return .failure(.notARecord("no date and time (YYYY-MM-DD, HH:MM) after the direction"))
        }
        guard let start = civil(y, mo, d, h, mi, 0) else { return .failure(.impossibleTime("\(w[1]) \(w[2])")) }
        var r = Record(tool: .anyDesk, direction: direction, start: start)
        r.minutePrecision = true
        r.authentication = String(w[3])
        // The alias (which may hold blanks, or be the ID again) and the ID last.
        var rest = w.dropFirst(4).map(String.init)
        if let last = rest.last, last.allSatisfy(\.isNumber) {
            r.partnerID = last
            rest.removeLast()
        }
        let alias = rest.joined(separator: " ")
        if !alias.isEmpty, alias != r.partnerID { r.partnerName = alias }
        if r.partnerID == nil, r.partnerName == nil { return .failure(.notARecord("names no partner")) }
        return .success(r)
    }

    /// What an AnyDesk authentication word means (AnyDesk's "Connection Log" article), or nil for one it does not list.
    public static func meaning(ofAnyDeskAuthentication a: String) -> String? {
        switch a.lowercased() {
        case "user": return "accepted by the person at the console"
        case "passwd": return "let in by the unattended-access password"
        case "token": return "let in by a token saved at an earlier password logon"
        case "rejected": return "rejected by the person at the console"
        default: return nil
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The line is not one of the list's records.
        case notARecord(String)
        /// It is one, but its time names no real instant.
        case impossibleTime(String)

        public var description: String {
            switch self {
            case .notARecord(let why): return why
            case .impossibleTime(let t): return "impossible time \(t.debugDescription)"
            }
        }
    }
}

import Foundation
import Parsers
import Testing

/// Records what the scanner hands on, as text: `<name a=v>`, `</name>`, `"text"`.
struct TokenLog: XMLScanner.Handler {
    var out: [String] = []
    var pendingText = ""

    mutating func flush() {
        if !pendingText.isEmpty { out.append("\"\(pendingText)\"") }
        pendingText = ""
    }

    mutating func start(_ name: UnsafeBufferPointer<UInt8>, _ a: XMLScanner.Attributes, selfClosing: Bool) {
        flush()
        var s = "<" + String(decoding: name, as: UTF8.self)
        for key: StaticString in ["r", "t", "s", "id", "val"] {
            if let v = a.string(key) { s += " \(key)=\(v)" }
        }
        out.append(s + ">")
    }

    mutating func end(_ name: UnsafeBufferPointer<UInt8>) {
        flush()
        out.append("</" + String(decoding: name, as: UTF8.self) + ">")
    }

    mutating func text(_ text: UnsafeBufferPointer<UInt8>) { pendingText += String(decoding: text, as: UTF8.self) }

    static func scan(_ bytes: [UInt8], chunk: Int = Int.max, maxToken: Int = XMLScanner.defaultMaxToken) throws -> [String] {
        var log = TokenLog()
        var s = XMLScanner(maxToken: maxToken)
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            try bytes[i..<end].withUnsafeBytes { try s.feed($0, &log) }
            i = end
        }
        try s.finish(&log)
        log.flush()
        return log.out
    }
}

@Suite struct XMLScannerTests {
    static let document = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
        <!-- a comment with <tags> in it -->
        <x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="1"><x:c r='A1' t="s"><x:v>0</x:v></x:c>\
        <c r="B1" s = "3" ><v>1.5E-3</v></c><c t="inlineStr"><is><t xml:space="preserve">a &lt;b&gt; &amp; &quot;c&quot; \
        &#26085;&#x672C; &unknown; &#0; line\r\nbreak\rend</t></is></c><c><v><![CDATA[<raw> & ]]></v></c>\
        <c id="a&amp;b" val='x"y'/></x:row></x:sheetData></x:worksheet>
        """

    static let expected = [
        "<worksheet>", "<sheetData>", "<row r=1>", "<c r=A1 t=s>", "<v>", "\"0\"", "</v>", "</c>", "<c r=B1 s=3>", "<v>",
        "\"1.5E-3\"", "</v>", "</c>", "<c t=inlineStr>", "<is>", "<t>",
        "\"a <b> & \"c\" 日本 &unknown; \u{FFFD} line\nbreak\nend\"", "</t>", "</is>", "</c>", "<c>", "<v>",
        "\"<raw> & \"", "</v>", "</c>", "<c id=a&b val=x\"y>", "</c>", "</row>", "</sheetData>", "</worksheet>",
    ]

    /// Tags, attributes in either quote, prefixes dropped, entities and character references decoded, an unknown
    /// entity kept as written, NUL refused, CDATA as it stands, line breaks normalized, comments and declarations
    /// skipped.
    @Test func tokens() throws {
        #expect(try TokenLog.scan(Array(Self.document.utf8)) == Self.expected)
    }

    /// Fed in chunks of every size from 1 byte, the document gives the same tokens: tags, references and CRLF
    /// pairs cut anywhere are joined.
    @Test func anyChunkingGivesTheSameTokens() throws {
        let bytes = Array(Self.document.utf8)
        for chunk in [1, 2, 3, 5, 7, 13, 64] {
            #expect(try TokenLog.scan(bytes, chunk: chunk) == Self.expected, "chunks of \(chunk)")
        }
    }

    /// A document type's entities are never defined nor expanded (the "billion laughs" stays a few bytes).
    @Test func doctypeEntitiesAreNotExpanded() throws {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><sst><si><t>&lol3;</t></si></sst>
            """
        var s = XMLScanner()
        var log = TokenLog()
        try Array(laughs.utf8).withUnsafeBytes { try s.feed($0, &log) }
        try s.finish(&log)
        log.flush()
        #expect(s.sawDoctype)
        #expect(log.out == ["<sst>", "<si>", "<t>", "\"&lol3;\"", "</t>", "</si>", "</sst>"])
    }

    /// UTF-16 parts (little- and big-endian, with their byte-order mark) read as their UTF-8 text does.
    @Test func utf16Parts() throws {
        let text = "<sst><si><t>流量 𝄞 a&amp;b</t></si></sst>"
        let le: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be: [UInt8] = [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let want = try TokenLog.scan(Array(text.utf8))
        #expect(want.contains("\"流量 𝄞 a&b\""))
        #expect(try TokenLog.scan(le) == want)
        #expect(try TokenLog.scan(be, chunk: 3) == want)
    }

    /// Damage is an error, never a crash: a tag cut off at the end, a `<` inside a tag, a token beyond the limit
    /// (memory stays bounded however the input is fed).
    @Test func damageIsAnError() throws {
        #expect(throws: XMLScanner.Failure.self) { try TokenLog.scan(Array("<a><b r=\"1".utf8)) }
        #expect(throws: XMLScanner.Failure.self) { try TokenLog.scan(Array("<a <b>".utf8)) }
        let long = "<a>" + String(repeating: "x", count: 5_000) + "</a>"
        #expect(throws: XMLScanner.Failure.self) { try TokenLog.scan(Array(long.utf8), chunk: 100, maxToken: 1_000) }
        let tag = "<a b=\"" + String(repeating: "y", count: 5_000) + "\"/>"
        #expect(throws: XMLScanner.Failure.self) { try TokenLog.scan(Array(tag.utf8), chunk: 100, maxToken: 1_000) }
        #expect(try TokenLog.scan(Array(long.utf8), chunk: 100, maxToken: 10_000).count == 3)
    }
}

@Suite struct XLSXPartsTests {
    /// Number formats: built-in dates and times (with the East Asian ones), custom codes whose letters outside
    /// quotes, escapes and brackets make a date, a time or elapsed time; scientific and unit formats stay numbers.
    @Test func numberFormats() {
        #expect(XLSX.valueKind(builtin: 14) == .date)
        #expect(XLSX.valueKind(builtin: 22) == .date)
        #expect(XLSX.valueKind(builtin: 21) == .time)
        #expect(XLSX.valueKind(builtin: 31) == .date)      // yyyy年m月d日
        #expect(XLSX.valueKind(builtin: 33) == .time)      // h時mm分ss秒
        #expect(XLSX.valueKind(builtin: 46) == .duration)
        #expect(XLSX.valueKind(builtin: 2) == .number)
        #expect(XLSX.valueKind(builtin: 49) == .text)
        let cases: [(String, XLSX.ValueKind)] = [
            ("yyyy/mm/dd hh:mm:ss.000", .date), ("[$-411]ggge\"年\"m\"月\"d\"日\"", .date), ("h:mm AM/PM", .time),
            ("mm:ss", .time), ("[h]:mm:ss", .duration), ("0.00E+00", .number), ("0.0\" mm\"", .number),
            ("[Red]0.00;[Blue]-0.00", .number), ("General", .number), ("@", .text), ("mmm-yy", .date),
            ("\"day\" 0", .number), ("#,##0.0_);(#,##0.0)", .number), ("dd/mm/yyyy;@", .date),
        ]
        for (code, kind) in cases { #expect(XLSX.valueKind(code: code) == kind, "\(code)") }
    }

    /// Date serials: the 1900 system with its phantom 1900-02-29, the 1904 system, fractions to the millisecond,
    /// a time format's fraction alone, and numbers beyond the calendar left as numbers.
    @Test func serials() {
        #expect(XLSX.serialText(46352, kind: .date, date1904: false) == "2026-11-26")
        #expect(XLSX.serialText(46352.41678240741, kind: .date, date1904: false) == "2026-11-26 10:00:10")
        #expect(XLSX.serialText(46352.000002893519, kind: .date, date1904: false) == "2026-11-26 00:00:00.250")
        #expect(XLSX.serialText(0.75, kind: .time, date1904: false) == "18:00:00")
        #expect(XLSX.serialText(0, kind: .time, date1904: false) == "00:00:00")
        #expect(XLSX.serialText(1, kind: .date, date1904: false) == "1900-01-01")
        #expect(XLSX.serialText(59, kind: .date, date1904: false) == "1900-02-28")
        #expect(XLSX.serialText(60, kind: .date, date1904: false) == "1900-02-29")
        #expect(XLSX.serialText(61, kind: .date, date1904: false) == "1900-03-01")
        #expect(XLSX.serialText(44890, kind: .date, date1904: true) == "2026-11-26")
        #expect(XLSX.serialText(2_958_465, kind: .date, date1904: false) == "9999-12-31")
        #expect(XLSX.serialText(3_000_000, kind: .date, date1904: false) == nil)
        #expect(XLSX.serialText(-1, kind: .date, date1904: false) == nil)
        #expect(XLSX.serialText(.nan, kind: .date, date1904: false) == nil)
    }

    /// Package paths: relative to the part's folder, absolute from the root, `..` never above it.
    @Test func relationshipTargets() {
        #expect(XLSX.resolve("worksheets/sheet1.xml", from: "xl/workbook.xml") == "xl/worksheets/sheet1.xml")
        #expect(XLSX.resolve("/xl/worksheets/sheet1.xml", from: "xl/workbook.xml") == "xl/worksheets/sheet1.xml")
        #expect(XLSX.resolve("../../../../etc/passwd", from: "xl/workbook.xml") == "etc/passwd")
        #expect(XLSX.resolve("./styles.xml", from: "xl/workbook.xml") == "xl/styles.xml")
        #expect(XLSX.relationshipsPart(of: "xl/workbook.xml") == "xl/_rels/workbook.xml.rels")
    }

    /// Cell references and column names both ways, to the grid's last column.
    @Test func references() {
        func ref(_ s: String) -> (Int, Int)? { Array(s.utf8).withUnsafeBufferPointer { XLSX.cellReference($0).map { ($0.column, $0.row) } } }
        #expect(ref("A1")! == (0, 1))
        #expect(ref("AB12")! == (27, 12))
        #expect(ref("XFD1048576")! == (16_383, 1_048_576))
        #expect(ref("A0") == nil && ref("A1048577") == nil && ref("12") == nil && ref("$A$1") == nil && ref("ABCD1") == nil)
        for c in [0, 25, 26, 701, 702, 16_383] {
            let name = XLSX.columnName(c)
            #expect(ref(name + "1")!.0 == c, "\(name)")
        }
    }

    /// Shared strings: rich runs joined, phonetic readings left out, `_xHHHH_` undone, a budget that stops keeping
    /// text but keeps counting strings (so later indexes still point at the right ones).
    @Test func sharedStrings() throws {
        let xml = "<sst><si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r></si><si><t>運転</t><rPh><t>ウンテン</t></rPh></si>"
            + "<si><t>x_x000D__x005F_x000D_</t></si><si><t>\(String(repeating: "z", count: 100))</t></si><si><t>last</t></si></sst>"
        var strings = XLSX.SharedStrings(maxBytes: 50)
        var s = XMLScanner()
        try Array(xml.utf8).withUnsafeBytes { try s.feed($0, &strings) }
        try s.finish(&strings)
        #expect(strings.count == 6)
        #expect(strings.string(0) == "a" && strings.string(1) == "bc" && strings.string(2) == "運転")
        #expect(strings.string(3) == "x\r_x000D_")
        #expect(strings.string(4) == "" && strings.truncated)
        #expect(strings.string(5) == "last" && strings.string(6) == nil)
    }

    /// Rows to CSV records: empty columns between cells, quotes where a field needs them.
    @Test func records() {
        #expect(String(decoding: XLSX.record([(0, "a"), (2, "b")]), as: UTF8.self) == "a,,b")
        #expect(String(decoding: XLSX.record([(1, "x")]), as: UTF8.self) == ",x")
        #expect(String(decoding: XLSX.record([(0, "a,b"), (1, "say \"hi\""), (2, "l1\nl2")]), as: UTF8.self)
                == "\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\"")
        #expect(XLSX.record([]).isEmpty)
    }
}

import CArchive
import Foundation
import JikochoModel

/// Writes a small Excel workbook (Office Open XML, as Excel writes it: shared strings, a date-time cell format,
/// `[Content_Types].xml` first) through libarchive: the historian exports of exercises that come as `.xlsx`.
/// Byte for byte the same for the same cells (fixed member times).
enum WorkbookWriter {
    enum Cell {
        case text(String)
        case number(Double)
        /// A local time, written as Excel's day number with a `yyyy/mm/dd hh:mm:ss` format.
        case time(Timestamp)
        case empty
    }

    struct Sheet {
        var name: String
        var rows: [[Cell]]
        var hidden = false
    }

    static func write(_ path: String, sheets: [Sheet]) throws {
        let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
        var strings: [String] = []
        var index: [String: Int] = [:]
        func shared(_ s: String) -> Int {
            if let i = index[s] { return i }
            strings.append(s)
            index[s] = strings.count - 1
            return strings.count - 1
        }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func column(_ c: Int) -> String {
            var n = c + 1, s = ""
            while n > 0 {
                s = String(UnicodeScalar(UInt8(65 + (n - 1) % 26))) + s
                n = (n - 1) / 26
            }
            return s
        }
        var parts: [(String, String)] = []
        var sheetList = "", rels = "", overrides = ""
        for (k, sheet) in sheets.enumerated() {
            var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<worksheet xmlns=\"\(ns)\" "
                + "xmlns:r=\"\(rel)\"><sheetData>"
            for (r, row) in sheet.rows.enumerated() where !row.isEmpty {
                xml += "<row r=\"\(r + 1)\">"
                for (c, cell) in row.enumerated() {
                    let ref = "\(column(c))\(r + 1)"
                    switch cell {
                    case .text(let s): xml += "<c r=\"\(ref)\" t=\"s\"><v>\(shared(s))</v></c>"
                    case .number(let v): xml += "<c r=\"\(ref)\"><v>\(v)</v></c>"
                    case .time(let t):
                        // Days since 1899-12-30 (1970-01-01 is day 25569), to the millisecond.
                        let ms = Double(t.nanoseconds / 1_000_000)
                        xml += "<c r=\"\(ref)\" s=\"1\"><v>\(25_569 + ms / 86_400_000)</v></c>"
                    case .empty: continue
                    }
                }
                xml += "</row>"
            }
            xml += "</sheetData></worksheet>"
            parts.append(("xl/worksheets/sheet\(k + 1).xml", xml))
            sheetList += "<sheet name=\"\(escape(sheet.name))\" sheetId=\"\(k + 1)\"" + (sheet.hidden ? " state=\"hidden\"" : "")
                + " r:id=\"rId\(k + 1)\"/>"
            rels += "<Relationship Id=\"rId\(k + 1)\" Type=\"\(rel)/worksheet\" Target=\"worksheets/sheet\(k + 1).xml\"/>"
            overrides += "<Override PartName=\"/xl/worksheets/sheet\(k + 1).xml\" ContentType=\"application/"
                + "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        let n = sheets.count
        rels += "<Relationship Id=\"rId\(n + 1)\" Type=\"\(rel)/styles\" Target=\"styles.xml\"/>"
            + "<Relationship Id=\"rId\(n + 2)\" Type=\"\(rel)/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        let sst = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<sst xmlns=\"\(ns)\" count=\"\(strings.count)\" "
            + "uniqueCount=\"\(strings.count)\">" + strings.map { "<si><t>\(escape($0))</t></si>" }.joined() + "</sst>"
        let styles = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<styleSheet xmlns=\"\(ns)\"><numFmts "
            + "count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy/mm/dd hh:mm:ss\"/></numFmts><fonts count=\"1\"><font>"
            + "<sz val=\"11\"/><name val=\"Calibri\"/></font></fonts><fills count=\"1\"><fill><patternFill patternType=\"none\"/>"
            + "</fill></fills><borders count=\"1\"><border/></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\"/>"
            + "</cellStyleXfs><cellXfs count=\"2\"><xf numFmtId=\"0\" xfId=\"0\"/><xf numFmtId=\"164\" xfId=\"0\" "
            + "applyNumberFormat=\"1\"/></cellXfs></styleSheet>"
        let workbook = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<workbook xmlns=\"\(ns)\" "
            + "xmlns:r=\"\(rel)\"><workbookPr/><sheets>\(sheetList)</sheets></workbook>"
        let types = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Types xmlns=\"http://schemas."
            + "openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/"
            + "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
            + "spreadsheetml.sheet.main+xml\"/>\(overrides)</Types>"
        let members: [(String, String)] = [
            ("[Content_Types].xml", types),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"\(pkg)\">"
                + "<Relationship Id=\"rId1\" Type=\"\(rel)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
                + "<Relationships xmlns=\"\(pkg)\">\(rels)</Relationships>"),
            ("xl/styles.xml", styles),
        ] + parts + [("xl/sharedStrings.xml", sst)]

        guard let a = archive_write_new() else { throw WorkbookError(path: path, what: "libarchive would not start") }
        defer { archive_write_free(a) }
        archive_write_set_format_zip(a)
        guard archive_write_open_filename(a, path) == ARCHIVE_OK else {
            throw WorkbookError(path: path, what: String(cString: archive_error_string(a)))
        }
        for (name, text) in members {
            guard let entry = archive_entry_new() else { throw WorkbookError(path: path, what: "no entry") }
            defer { archive_entry_free(entry) }
            let bytes = Array(text.utf8)
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, JK_AE_IFREG)
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_mtime(entry, 315_532_800, 0)    // 1980-01-01, as Excel writes its members
            archive_entry_set_size(entry, Int64(bytes.count))
            guard archive_write_header(a, entry) == ARCHIVE_OK,
                  bytes.withUnsafeBytes({ archive_write_data(a, $0.baseAddress, $0.count) }) == bytes.count
            else { throw WorkbookError(path: path, what: String(cString: archive_error_string(a))) }
        }
        guard archive_write_close(a) == ARCHIVE_OK else {
            throw WorkbookError(path: path, what: String(cString: archive_error_string(a)))
        }
    }

    struct WorkbookError: Error, CustomStringConvertible {
        var path: String
        var what: String
        var description: String { "cannot write \(path): \(what)" }
    }
}

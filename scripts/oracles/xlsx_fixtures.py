#!/usr/bin/env python3
"""The historian/xlsx collector's workbook fixtures and their golden cells, as openpyxl reads them.

Writes Tests/Fixtures/historian/xlsx/*.xlsx and Tests/CollectorsTests/Golden/xlsx/openpyxl-cells.tsv. The
workbooks come from three writers, so that the reader is not fitted to one: XlsxWriter (what most exporting
tools embed), openpyxl (Python exports, the 1904 date system), and package parts written here by hand in the forms
Excel and the Open XML SDK write and those libraries do not: element prefixes (`x:row`), absolute relationship
targets, parts in an unusual order, cells and rows without references, phonetic readings (`rPh`, the furigana of
Japanese Excel) in shared and inline strings, `_xHHHH_` escapes, errors, formula strings, ISO date cells, East
Asian date formats, a hidden sheet, a date and a time of day in two columns. The golden file holds every non-empty
cell as openpyxl 3.1.5 (data_only) reads it: numbers as Python's repr, dates and times as ISO local times. One
exception: openpyxl leaves SpreadsheetML's `_xHHHH_` escapes in strings as written (`line_x000D_`), where Excel
shows the character (ECMA-376 part 1, 22.4.2.4); for such strings the golden value is python-calamine 0.9.1's,
which undoes them.

Every file is written byte for byte the same from run to run (fixed zip times, fixed document properties).
Run with the oracles' venv: .venv-oracles/bin/python scripts/oracles/xlsx_fixtures.py
"""
import datetime as dt
import io
import os
import zipfile

import re

import openpyxl
import xlsxwriter
from python_calamine import CalamineWorkbook

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIX = os.path.join(ROOT, "Tests", "Fixtures", "historian", "xlsx")
GOLD = os.path.join(ROOT, "Tests", "CollectorsTests", "Golden", "xlsx", "openpyxl-cells.tsv")
FIXED = dt.datetime(2026, 12, 1, 0, 0, 0)


def normalize(path):
    """Rewrites a zip with fixed member times and fixed document dates, members in their order."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    write_zip(path, members)


def write_zip(path, members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "docProps/core.xml":
                import re
                data = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
                              rb"<dcterms:\1\2>2026-12-01T00:00:00Z</dcterms:\1>", data)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def xlsxwriter_wide(path):
    """A wide trend export, a sheet per day, and a notes sheet that is no export."""
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": FIXED})
    when = wb.add_format({"num_format": "yyyy/mm/dd hh:mm:ss.000"})
    for day in (26, 27):
        ws = wb.add_worksheet(f"2026-11-{day}")
        ws.write_row(0, 0, ["Time", "FIT101 (m3/h)", "LIT101 (mm)", "P101", "Dose_SP (mg/L)"])
        for i in range(60):
            t = dt.datetime(2026, 11, day, 10, 0, 0) + dt.timedelta(seconds=10 * i, milliseconds=250 if i % 7 == 3 else 0)
            ws.write_datetime(i + 1, 0, t, when)
            ws.write_number(i + 1, 1, round(2.5 + 0.01 * ((i * 37) % 23), 3))
            if i == 17 and day == 26:
                ws.write_formula(i + 1, 2, "=NA()", None, "#N/A")
            else:
                ws.write_number(i + 1, 2, 500 + (i % 5))
            ws.write_string(i + 1, 3, "Running" if (i // 20) % 2 == 0 else "Stopped")
            ws.write_number(i + 1, 4, 1.2 if (day == 26 or i < 30) else 3.6)
    notes = wb.add_worksheet("Notes")
    notes.write_row(0, 0, ["Exported by", "Checked"])
    notes.write_row(1, 0, ["operator A, shift 2", True])
    wb.close()
    normalize(path)


def openpyxl_long_1904(path):
    """A PI-style long export (tag, time, value, status) in a workbook of the 1904 date system."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "PI DataLink"
    ws.append(["Tag", "Timestamp", "Value", "Status"])
    base = dt.datetime(2026, 11, 26, 9, 0, 0)
    for i in range(40):
        for tag, v in (("FIC101.PV", 12.5 + (i % 4) * 0.25), ("FIC101.SP", 12.5 if i < 25 else 15.0)):
            ws.append([tag, base + dt.timedelta(minutes=i), v if not (tag == "FIC101.PV" and i == 11) else "Bad Input",
                       "Good" if not (tag == "FIC101.PV" and i == 11) else "Bad"])
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        for c in row:
            c.number_format = "m/d/yyyy h:mm:ss"
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.save(path)
    normalize(path)


def handmade(path):
    """Package parts as Excel and the Open XML SDK write them, with the quirks the libraries above do not make."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    # Shared strings: plain, rich runs, phonetic readings, an escaped carriage return.
    shared = [
        "<x:si><x:t>日付</x:t></x:si>",
        "<x:si><x:t>時刻</x:t></x:si>",
        "<x:si><x:r><x:rPr><x:b/></x:rPr><x:t>流量</x:t></x:r><x:r><x:t>（m3/h）</x:t></x:r></x:si>",
        "<x:si><x:t>ポンプ</x:t><x:rPh sb=\"0\" eb=\"3\"><x:t>ポンプ</x:t></x:rPh></x:si>",
        "<x:si><x:t>運転</x:t><x:rPh sb=\"0\" eb=\"2\"><x:t>ウンテン</x:t></x:rPh><x:phoneticPr fontId=\"1\"/></x:si>",
        "<x:si><x:t>停止</x:t><x:rPh sb=\"0\" eb=\"2\"><x:t>テイシ</x:t></x:rPh></x:si>",
        "<x:si><x:t xml:space=\"preserve\">Tank &amp; line_x000D_\nnote</x:t></x:si>",
        "<x:si><x:t>Timestamp</x:t></x:si>",
        "<x:si><x:t>TI-101 (degC)</x:t></x:si>",
    ]
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<x:sst xmlns:x="{ns}" count="{len(shared)}" '
           f'uniqueCount="{len(shared)}">' + "".join(shared) + "</x:sst>")
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<x:styleSheet xmlns:x="{ns}"><x:numFmts count="3">'
              '<x:numFmt numFmtId="164" formatCode="[$-411]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
              '<x:numFmt numFmtId="165" formatCode="0.00E+00"/>'
              '<x:numFmt numFmtId="166" formatCode="0.0&quot; mm&quot;"/></x:numFmts>'
              '<x:fonts count="1"><x:font/></x:fonts><x:fills count="1"><x:fill><x:patternFill patternType="none"/></x:fill></x:fills><x:borders count="1"><x:border/></x:borders>'
              '<x:cellStyleXfs count="1"><x:xf numFmtId="0"/></x:cellStyleXfs>'
              '<x:cellXfs count="6"><x:xf numFmtId="0"/><x:xf numFmtId="164" applyNumberFormat="1"/>'
              '<x:xf numFmtId="21" applyNumberFormat="1"/><x:xf numFmtId="165" applyNumberFormat="1"/>'
              '<x:xf numFmtId="166" applyNumberFormat="1"/><x:xf numFmtId="22" applyNumberFormat="1"/></x:cellXfs>'
              '</x:styleSheet>')
    # Sheet 日報: a date (style 1) and a time of day (style 2) in two columns, flow, pump state.
    rows = ['<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
            '<x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c></x:row>']
    day = 46352  # 2026-11-26
    r = 2
    for i in range(24):
        if r == 10:
            r += 1  # a row left out entirely
        frac = (6 * 3600 + i * 900) / 86400
        flow = 40.0 + (i % 6) * 1.5
        state = 4 if i < 16 else 5
        flow_cell = f'<x:c r="C{r}" s="{3 if i % 5 == 0 else 4}"><x:v>{flow!r}</x:v></x:c>'
        a = f'<x:c r="A{r}" s="1"><x:v>{day}</x:v></x:c>'
        b = f'<x:c r="B{r}" s="2"><x:v>{frac!r}</x:v></x:c>'
        d = f'<x:c r="D{r}" t="s"><x:v>{state}</x:v></x:c>'
        if i == 3:      # no row number, no cell references
            rows.append("<x:row>" + a.replace(f' r="A{r}"', "") + b.replace(f' r="B{r}"', "")
                        + flow_cell.replace(f' r="C{r}"', "") + d.replace(f' r="D{r}"', "") + "</x:row>")
        elif i == 5:    # cells out of order
            rows.append(f'<x:row r="{r}">' + b + a + d + flow_cell + "</x:row>")
        elif i == 8:    # an error where the flow should be
            rows.append(f'<x:row r="{r}">' + a + b + f'<x:c r="C{r}" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>' + d + "</x:row>")
        else:
            rows.append(f'<x:row r="{r}" spans="1:4">' + a + b + flow_cell + d + "</x:row>")
        r += 1
    # Below the data: a formula string, an inline string with a phonetic reading, a boolean.
    rows.append(f'<x:row r="{r + 1}"><x:c r="A{r + 1}" t="str"><x:f>"合計"</x:f><x:v>合計</x:v></x:c>'
                f'<x:c r="B{r + 1}" t="inlineStr"><x:is><x:t>備考</x:t><x:rPh sb="0" eb="2"><x:t>ビコウ</x:t></x:rPh></x:is></x:c>'
                f'<x:c r="C{r + 1}" t="s"><x:v>6</x:v></x:c><x:c r="D{r + 1}" t="b"><x:v>1</x:v></x:c></x:row>')
    sheet1 = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<x:worksheet xmlns:x="{ns}" xmlns:r="{rel}">'
              '<x:dimension ref="A1:D27"/><x:sheetData>' + "".join(rows) + "</x:sheetData></x:worksheet>")
    # Sheet raw (hidden): ISO date cells and a date-time format.
    raw_rows = ['<row r="1"><c r="A1" t="s"><v>7</v></c><c r="B1" t="s"><v>8</v></c></row>']
    for i in range(12):
        t = dt.datetime(2026, 11, 26, 6, 0, 0) + dt.timedelta(minutes=5 * i)
        if i % 2 == 0:
            a = f'<c r="A{i + 2}" t="d" s="5"><v>{t.isoformat()}</v></c>'
        else:
            serial = (t - dt.datetime(1899, 12, 30)).total_seconds() / 86400
            a = f'<c r="A{i + 2}" s="5"><v>{serial!r}</v></c>'
        raw_rows.append(f'<row r="{i + 2}">{a}<c r="B{i + 2}"><v>{20.5 + i * 0.125!r}</v></c></row>')
    sheet2 = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}"><sheetData>' + "".join(raw_rows)
              + "</sheetData></worksheet>")
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<x:workbook xmlns:x="{ns}" xmlns:r="{rel}">'
                '<x:workbookPr/><x:sheets><x:sheet name="日報" sheetId="1" r:id="rId1"/>'
                '<x:sheet name="raw" sheetId="2" state="hidden" r:id="rId2"/></x:sheets></x:workbook>')
    wb_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
               f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="worksheets/data.xml"/>'
               f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
               f'<Relationship Id="rId4" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="R1" Type="{rel}/officeDocument" Target="/xl/workbook.xml"/></Relationships>')
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
          '</Types>')
    # Sheets first, the content types last (libmagic then calls it a plain zip).
    write_zip(path, [("xl/worksheets/sheet1.xml", sheet1.encode()), ("xl/worksheets/data.xml", sheet2.encode()),
                     ("xl/sharedStrings.xml", sst.encode()), ("xl/styles.xml", styles.encode()),
                     ("xl/workbook.xml", workbook.encode()), ("xl/_rels/workbook.xml.rels", wb_rels.encode()),
                     ("_rels/.rels", root_rels.encode()), ("[Content_Types].xml", ct.encode())])


def render(v):
    if isinstance(v, bool):
        return "b", "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        ms = round(v.microsecond / 1000)
        s = v.strftime("%Y-%m-%d")
        if v.hour or v.minute or v.second or ms:
            s += v.strftime(" %H:%M:%S") + (f".{ms:03d}" if ms else "")
        return "d", s
    if isinstance(v, dt.time):
        ms = round(v.microsecond / 1000)
        return "t", v.strftime("%H:%M:%S") + (f".{ms:03d}" if ms else "")
    if isinstance(v, (int, float)):
        return "n", repr(v)
    return "s", str(v)


def main():
    os.makedirs(FIX, exist_ok=True)
    os.makedirs(os.path.dirname(GOLD), exist_ok=True)
    made = [("xlsxwriter-wide-days.xlsx", xlsxwriter_wide), ("openpyxl-pi-long-1904.xlsx", openpyxl_long_1904),
            ("handmade-excel-quirks.xlsx", handmade)]
    lines = ["# fixture\tsheet\tcell\ttype\tvalue (openpyxl 3.1.5, data_only; written by scripts/oracles/xlsx_fixtures.py)"]
    for name, make in made:
        path = os.path.join(FIX, name)
        make(path)
        wb = openpyxl.load_workbook(path, data_only=True)
        second = CalamineWorkbook.from_path(path)
        for ws in wb.worksheets:
            grid = second.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None or c.value == "":
                        continue
                    kind, text = render(c.value)
                    if kind == "s" and re.search(r"_x[0-9A-Fa-f]{4}_", text):
                        text = grid[c.row - 1][c.column - 1]
                    text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
                    lines.append(f"{name}\t{ws.title}\t{c.coordinate}\t{kind}\t{text}")
    with open(GOLD, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines) - 1} cells in {GOLD}")


if __name__ == "__main__":
    main()

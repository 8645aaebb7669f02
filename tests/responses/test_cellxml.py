"""The streaming sheet reader gives every cell the value python-calamine gives it (the importer read workbooks
with calamine's whole-sheet ``to_python`` before): on every workbook fixture of the tests, on workbooks written
cell kind by cell kind with openpyxl (and one edited by hand afterwards), and on sheet XML written by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers.cellxml import DATETIME, DURATION, OTHER, format_kind, grid
from careersurvey.responses.readers.workbook import Workbook

from .conftest import GOOD_ROWS, mini, write_template
from .xlsxparts import write_xlsx

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = sorted(p for p in TESTS.rglob("*.xlsx") if p.name != "password.xlsx")


def calamine(path: Path) -> dict[str, list[list]]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def streamed(path: Path) -> dict[str, list[list]]:
    with Workbook(path) as wb:
        return {name: grid(wb.rows(name)) for name in wb.names()}


def typed(sheets: dict[str, list[list]]) -> dict[str, list[list]]:
    """Values with their types, so that 1 == 1.0 == True and date == datetime do not pass for each other."""
    return {name: [[(type(v).__name__, v) for v in row] for row in rows] for name, rows in sheets.items()}


def assert_same(path: Path) -> dict[str, list[list]]:
    expected = calamine(path)
    got = streamed(path)
    assert typed(got) == typed(expected)
    return got


def test_there_are_fixtures():
    assert len(FIXTURES) >= 10  # Kobo/ODK exports (formpack) in values, labels, groups, XML names


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_workbook_fixture(path):
    assert_same(path)


def test_the_entry_template_and_a_filled_copy(tmp_path):
    from careersurvey.forms.template import export_template

    q = mini()
    blank = export_template(q, tmp_path / "blank.xlsx", rows=3)
    assert_same(blank)
    filled = write_template(tmp_path / "filled.xlsx", q, GOOD_ROWS)
    assert_same(filled)


def test_each_cell_kind_written_by_openpyxl(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [
        ["text", "  spaced  ", "한글 텍스트", "line\nbreak", "0034", "=not a formula?"],
        [1, -7, 3.25, 12000.5, 10 ** 15, 1e-300],
        [True, False, None, 0, -0.0, 2 ** 53 + 1],
        [dt.date(2019, 3, 1), dt.datetime(2021, 1, 4, 12, 30, 15), dt.time(8, 45), dt.timedelta(hours=30, minutes=5),
         dt.datetime(1900, 2, 28), dt.date(1900, 1, 1)],
        ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!"],
    ]
    for r in rows:
        ws.append(r)
    ws["A7"] = "=1+1"  # a formula without a cached result
    ws["C9"] = CellRichText([TextBlock(InlineFont(b=True), "굵게 "), "and plain"])
    ws["H12"] = 5  # a sparse cell far from the rest
    formats = [("mm-dd-yy", 45000), ("d-mmm-yy", 45000.25), ("h:mm", 0.5), ("[h]:mm:ss", 1.75), ("mm:ss", 0.01),
               ("mmss.0", 0.001), ("yyyy\"년\" m\"월\" d\"일\"", 45123), ("0.00", 45000), ('"d"0', 7),
               ("[Red]0.0", 3.5), ("#,##0;[Red]-#,##0", -1200), ("[mm]:ss", 0.02), ("General", 45000),
               ("yyyy-mm-dd hh:mm", 45000.999999), ("@", 12), ("m/d/yy h:mm", 59.5), ("d-mmm", 61),
               ("[$-409]mmmm d, yyyy", 45001)]
    for i, (code, value) in enumerate(formats, start=14):
        cell = ws.cell(row=i, column=2, value=value)
        cell.number_format = code
    ws.merge_cells("D14:E15")
    ws.row_dimensions[16].hidden = True
    ws.column_dimensions["F"].hidden = True
    second = wb.create_sheet("Second")
    second["B2"] = "only B2"
    hidden = wb.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    hidden["A1"] = 1
    path = tmp_path / "kinds.xlsx"
    wb.save(path)
    got = assert_same(path)
    sheet = got["Sheet"]
    assert sheet[3][:4] == [dt.date(2019, 3, 1), dt.datetime(2021, 1, 4, 12, 30, 15), dt.time(8, 45),
                            dt.timedelta(hours=30, minutes=5)]
    assert sheet[4] == [""] * 6 + [""] * (len(sheet[4]) - 6)  # error cells read empty, as calamine gives them
    assert sheet[8][2] == "굵게 and plain"


def test_the_1904_date_system(tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append([dt.date(2020, 5, 17), dt.datetime(1999, 12, 31, 23, 59, 59), dt.time(0, 0, 1), 1.5])
    ws["D1"].number_format = "yyyy-mm-dd"
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    got = assert_same(path)
    assert got["Sheet"][0][0] == dt.date(2020, 5, 17)


def test_a_template_edited_by_hand(tmp_path):
    """Typed over: a date into a number cell, text into number cells, a number into the id column, a cell
    cleared, a row inserted above the data, a comment with a formula-looking text."""
    q = mini()
    path = write_template(tmp_path / "t.xlsx", q, GOOD_ROWS)
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    ws["D3"] = dt.datetime(2024, 5, 1)  # a date typed where an age belongs
    ws["D3"].number_format = "yyyy/m/d"
    ws["J4"] = "12 000"  # text in a number cell
    ws["C5"] = "Engineer"  # a label typed for a code
    ws["A6"] = 7  # an id typed as a number
    ws["E3"] = None
    ws["M3"] = dt.time(9, 30)
    ws.insert_rows(3)
    ws["A3"] = "note: typed by the field office"
    wb.save(path)
    assert_same(path)


def test_custom_format_detection_follows_calamine():
    assert format_kind("DD/MM/YY") == DATETIME
    assert format_kind("H:MM:SS;@") == DATETIME
    assert format_kind("#,##0\\ [$\\u20bd-46D]") == OTHER
    assert format_kind('m"M"d"D";@') == DATETIME
    assert format_kind("[h]:mm:ss") == DURATION
    assert format_kind('"Y: "0.00"m";"Y: "-0.00"m";"Y: <num>m";@') == OTHER
    assert format_kind('"$"#,##0_);[Red]("$"#,##0)') == OTHER
    assert format_kind("0_ ;[Red]\\-0\\ ") == OTHER
    assert format_kind("\\Y000000") == OTHER
    assert format_kind('#,##0.0####" YMD"') == OTHER
    assert format_kind("[ss]") == DURATION and format_kind("[s].000") == DURATION
    assert format_kind("[Blue]\\+[h]:mm;[Red]\\-[h]:mm;[Green][h]:mm") == DURATION
    assert format_kind("[>=100][Magenta].00") == OTHER and format_kind("[>=100][Magenta]General") == OTHER
    assert format_kind("ha/p\\\\m") == DATETIME
    assert format_kind("#,##0*y") == OTHER and format_kind("*-yyyy-mm-dd") == DATETIME


STYLES = ('<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;년&quot;"/>'
          '<numFmt numFmtId="165" formatCode="[h]:mm"/><numFmt numFmtId="14" formatCode="0.0"/></numFmts>'
          '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/>'
          '<xf numFmtId="20"/><xf/></cellXfs>')


@pytest.mark.parametrize("sheet_data", [
    # cells and rows without references, sparse rows and columns
    '<row><c><v>1</v></c><c><v>2</v></c></row><row r="4"><c r="C4"><v>3</v></c><c><v>4</v></c></row>',
    '<row r="2"><c r="B2" t="inlineStr"><is><t xml:space="preserve">  kept  </t></is></c>'
    '<c r="D2" t="inlineStr"><is><t>  trimmed\t</t></is></c></row>',
    # shared strings: rich runs, phonetic runs, escapes, an empty string, index not a number
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
    '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>x</v></c><c r="F1" t="s"><v></v></c></row>',
    # formula results, booleans, errors, ISO dates, numbers written oddly
    '<row r="1"><c r="A1" t="str"><f>A2&amp;"x"</f><v>a&amp;b</v></c><c r="B1" t="b"><v>1</v></c>'
    '<c r="C1" t="b"><v>0</v></c><c r="D1" t="e"><v>#N/A</v></c><c r="E1" t="d"><v>2024-03-01T12:30:00</v></c>'
    '<c r="F1" t="d"><v>2024-03-01</v></c><c r="G1" t="d"><v>12:30:05</v></c><c r="H1" t="d"><v>soon</v></c></row>'
    '<row r="2"><c r="A2"><v>1e3</v></c><c r="B2"><v>.5</v></c><c r="C2"><v>-0</v></c><c r="D2"><v>abc</v></c>'
    '<c r="E2" t="n"><v></v></c><c r="F2"><f>1+1</f><v>2</v></c><c r="G2"><f>1+1</f></c>'
    '<c r="H2" t="inlineStr"><is><t>inline</t></is><v>ignored</v></c></row>',
    # styles: custom date, duration, a built-in id given another format, a time format, no numFmtId, unknown style
    '<row r="1"><c r="A1" s="1"><v>45000</v></c><c r="B1" s="2"><v>1.25</v></c><c r="C1" s="3"><v>45000</v></c>'
    '<c r="D1" s="4"><v>0.75</v></c><c r="E1" s="5"><v>45000</v></c><c r="F1" s="9"><v>45000</v></c>'
    '<c r="G1" s="x"><v>45000</v></c><c r="H1" s="1"><v>45000.5</v></c><c r="I1" s="1"><v>-3</v></c>'
    '<c r="J1" s="1"><v>3000000</v></c><c r="K1" s="1"><v>59</v></c><c r="L1" s="1"><v>60</v></c>'
    '<c r="M1" s="1"><v>61.000001</v></c><c r="N1" s="2"><v>-1.5</v></c></row>',
    # empty-string and error cells widen the sheet; valueless cells do not
    '<row r="1"><c r="A1"><v>1</v></c><c r="Z1" s="1"/></row><row r="3"><c r="D3" t="str"><v></v></c></row>'
    '<row r="5"><c r="B5" t="e"><v>#REF!</v></c></row><row r="9"><c r="J9"/></row>',
], ids=["no-refs", "inline-space", "shared", "types", "styles", "extent"])
def test_sheet_xml_written_by_hand(tmp_path, sheet_data):
    shared = ["<t>plain</t>", '<r><t xml:space="preserve">rich </t></r><r><rPr><b/></rPr><t>run</t></r>'
              '<rPh sb="0" eb="1"><t>ふりがな</t></rPh>', "<t>line_x000D_break _x0041_ _xZZZZ_</t>", "<t/>"]
    for date1904 in (False, True):
        path = write_xlsx(tmp_path / f"hand{date1904}.xlsx", sheet_data, shared=shared, styles=STYLES,
                          date1904=date1904)
        assert_same(path)


def test_a_workbook_without_styles_or_shared_strings(tmp_path):
    path = write_xlsx(tmp_path / "bare.xlsx", '<row r="1"><c r="A1" s="1"><v>45000</v></c>'
                      '<c r="B1" t="inlineStr"><is><t>x</t></is></c></row>')
    assert_same(path)


def test_an_error_code_calamine_does_not_know_reads_empty(tmp_path):
    """calamine refuses the whole workbook for #SPILL! (Excel 365); the streaming reader reads it as it reads
    every error cell: empty."""
    path = write_xlsx(tmp_path / "spill.xlsx", '<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="e"><v>#SPILL!</v>'
                      "</c></row>")
    with pytest.raises(Exception):
        calamine(path)
    assert streamed(path) == {"Sheet1": [[1.0, ""]]}


@pytest.mark.parametrize("sheet_data, words", [
    ('<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>', "row 2 is written after row 3"),
    ('<row r="2"><c r="A5"><v>1</v></c></row>', "cell A5 is written inside row 2"),
    ('<row r="1"><c r="A1" t="q"><v>1</v></c></row>', "unknown type"),
    ('<row r="1"><c r="A1" t="n"><v>1,5</v></c></row>', "no number"),
    ('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', "shared string 7"),
])
def test_damaged_sheet_xml_is_refused(tmp_path, sheet_data, words):
    path = write_xlsx(tmp_path / "bad.xlsx", sheet_data)
    with pytest.raises(ResponsesError) as err:
        streamed(path)
    assert err.value.code == "damaged" and words in str(err.value) and "save it again" in str(err.value)

"""Workbook XML read with a namespace-aware parser: a workbook whose tags carry a namespace prefix
(``<x:row>``, ``<x:c>``, ``<x:f>``: valid OOXML, written by some libraries) is read like any other."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from careersurvey.responses.readers import read_responses
from careersurvey.responses.readers.workbook import Workbook
from careersurvey.responses.validate import validate

from .conftest import GOOD_ROWS, mini, write_template

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def prefixed(xml: bytes, prefix: bytes = b"x") -> bytes:
    """The same SpreadsheetML with every element of the main namespace written as ``prefix:name``."""
    xml = re.sub(rb"<(/?)([A-Za-z][\w.]*)(?=[\s/>])", rb"<\1" + prefix + rb":\2", xml)
    out = xml.replace(b'xmlns="' + MAIN + b'"', b"xmlns:" + prefix + b'="' + MAIN + b'"')
    assert out != xml and b"<" + prefix + b":" in out
    return out


def rewrite(path, dest, parts=("xl/workbook.xml", "xl/worksheets/")):
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith(parts):
                data = prefixed(data)
            dst.writestr(info, data)
    return dest


@pytest.fixture
def marked(tmp_path):
    """A template with a formula (C4), a merged range (D3:D4), a hidden row (5) and a hidden column (G)."""
    q = mini()
    path = write_template(tmp_path / "plain.xlsx", q, [list(r) for r in GOOD_ROWS[:3]])
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    ws["C4"] = "=1+1"
    ws.merge_cells("D3:D4")
    ws.row_dimensions[5].hidden = True
    ws.column_dimensions["G"].hidden = True
    wb.save(path)
    return path


def test_prefixed_workbook_is_scanned_like_the_plain_one(marked, tmp_path):
    dest = rewrite(marked, tmp_path / "prefixed.xlsx")
    plain, pre = Workbook(marked), Workbook(dest)
    assert pre._sheet_paths == plain._sheet_paths == {"Responses": "xl/worksheets/sheet1.xml",
                                                      "_meta": "xl/worksheets/sheet2.xml"}
    expected = plain.scan("Responses")
    assert expected.formulas == ((4, 2, "1+1"),) and expected.hidden_rows == {5}
    assert expected.merged == ((3, 3, 4, 3, "D3:D4"),) and expected.hidden_columns == ((6, 6),)
    assert pre.scan("Responses") == expected  # old code: nothing found (regexes matched only '<row', '<c', '<f')


def test_prefixed_workbook_quarantines_the_formula_row(marked, tmp_path):
    q = mini()
    dest = rewrite(marked, tmp_path / "prefixed.xlsx")
    v = validate(read_responses(dest), q)
    rules = {(p.rule, p.row) for p in v.problems}
    assert {("formula", 4), ("merged_cell", 3), ("merged_cell", 4), ("hidden_row", 5)} <= rules
    assert v.table.rows[v.quarantined].tolist() == [3, 4]


def test_cells_without_references_and_strict_namespace(tmp_path, marked):
    """Cells may leave out their r="B4" reference (the column follows the previous cell), and strict OOXML uses
    another namespace: the formula is still found at its cell."""
    with zipfile.ZipFile(marked) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    xml = re.sub(rb'(<c) r="[A-Z]+4"', rb"\1", xml)
    xml = xml.replace(MAIN, b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    dest = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(marked) as src, zipfile.ZipFile(dest, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename))
    assert Workbook(dest).scan("Responses").formulas == ((4, 2, "1+1"),)


@pytest.mark.parametrize("block", [97, 1 << 20])
@pytest.mark.parametrize("prefix", [False, True])
def test_marked_rows_parsed_alone_agree_with_the_whole_sheet(marked, tmp_path, block, prefix):
    """Only the rows holding a mark are parsed (each with the sheet's namespace declarations), in blocks of any
    size: the result equals a parse of the whole sheet, including a hidden empty row written as <row .../>."""
    from careersurvey.responses.readers import sheetxml

    wb = openpyxl.load_workbook(marked)
    wb["Responses"].row_dimensions[9].hidden = True  # an empty hidden row: a self-closing <row r="9" .../>
    wb.save(marked)
    path = rewrite(marked, tmp_path / "prefixed.xlsx") if prefix else marked
    with zipfile.ZipFile(path) as z:
        member = "xl/worksheets/sheet1.xml"
        _, _, spelled, nsmap = sheetxml._head(z.open(member))
        assert spelled == ("x" if prefix else "")
        pieces = sheetxml._pieces(z.open(member), spelled, nsmap, sheetxml.needles(spelled), block)
        whole = sheetxml._body(z.open(member))
    assert pieces == whole
    assert whole[0] == {5, 9} and whole[1] == {(4, 2): "1+1"} and list(whole[2]) == ["D3:D4"]


def test_rows_without_numbers_fall_back_to_the_whole_sheet(marked, tmp_path):
    """A row may leave out r="4" (it follows the previous row): a marked row without its number is not read
    alone, the whole sheet is parsed, and the formula is still placed at row 4."""
    with zipfile.ZipFile(marked) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    xml = re.sub(rb'(<row) r="4"', rb"\1", xml)
    xml = re.sub(rb'(<c) r="[A-Z]+4"', rb"\1", xml)
    dest = tmp_path / "norow.xlsx"
    with zipfile.ZipFile(marked) as src, zipfile.ZipFile(dest, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename))
    assert b'<row r="4"' not in xml
    scan = Workbook(dest).scan("Responses")
    assert scan.formulas == ((4, 2, "1+1"),) and scan.hidden_rows == {5}


@pytest.mark.parametrize("prefix", [False, True])
def test_many_marks_in_small_blocks_agree_with_the_whole_sheet(tmp_path, prefix):
    """Formulas in every row (several per row), a hundred merged ranges and hidden rows, read in 4 KiB blocks."""
    from careersurvey.responses.readers import sheetxml

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 301):
        ws.append([f"{r:04d}", "=1+1", r, "=A1&B1" if r % 3 else None, "x"])
        if r % 7 == 0:
            ws.row_dimensions[r].hidden = True
    for r in range(2, 300, 3):
        ws.merge_cells(f"E{r}:E{r + 1}")
    plain = tmp_path / "many.xlsx"
    wb.save(plain)
    path = rewrite(plain, tmp_path / "many_x.xlsx") if prefix else plain
    with zipfile.ZipFile(path) as z:
        member = "xl/worksheets/sheet1.xml"
        _, _, spelled, nsmap = sheetxml._head(z.open(member))
        pieces = sheetxml._pieces(z.open(member), spelled, nsmap, sheetxml.needles(spelled), 4096)
        whole = sheetxml._body(z.open(member))
    assert pieces == whole
    assert len(whole[0]) == 42 and len(whole[1]) == 300 + 200 and len(whole[2]) == 100

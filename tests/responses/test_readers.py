"""Readers: entry template, KoboToolbox exports (real formpack output), CSV encodings, bad input."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import openpyxl
import pytest

from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers import read_responses

from .conftest import DATA, GOOD_ROWS, write_template

KOBO = DATA / "kobo"


def test_template_meta_rows_and_ids(good_template, q10):
    t = read_responses(good_template)
    assert t.kind == "template" and t.sheet == "Responses"
    assert t.meta["questionnaire_id"] == "stem-mini" and t.meta["version"] == "1.0.0"
    assert t.meta["content_hash"] == q10.content_hash()
    assert t.rows.tolist() == [3, 4, 5, 6]  # data from row 3
    assert list(t.data["respondent_id"]) == ["0001", "0002", "0003", "0004"]  # leading zeros kept
    assert t.headers[:3] == ("respondent_id", "consent", "role")


def test_blank_rows_are_not_responses(tmp_path, q10):
    rows = [GOOD_ROWS[0], [None] * 12, GOOD_ROWS[1]]
    t = read_responses(write_template(tmp_path / "b.xlsx", q10, rows))
    assert t.rows.tolist() == [3, 5]


@pytest.mark.parametrize("name", ["kobo_values.xlsx", "kobo_groups.xlsx", "kobo_values.csv"])
def test_kobo_exports(name):
    t = read_responses(KOBO / name)
    assert t.kind == "kobo"
    assert t.id_column == "respondent_id"
    assert t.rows.tolist() == [2, 3, 4, 5, 6, 7]
    assert list(t.form_version) == ["vKoboA"] * 4 + ["vKoboB"] * 2
    assert {"_uuid", "_submission_time", "__version__", "_index"} <= set(t.meta_columns)
    assert list(t.data[t.headers[0]])[:2] == ["0001", "0002"]


def test_kobo_repeat_group_is_a_child_table():
    t = read_responses(KOBO / "kobo_values.xlsx")
    jobs = t.children["jobs"]
    assert jobs.n_rows == 5
    assert [float(v) for v in jobs.data["_parent_index"]] == [1, 1, 2, 4, 5]


def test_kobo_formula_cell_is_reported():
    t = read_responses(KOBO / "kobo_values.xlsx")
    (note,) = [n for n in t.notes if n.rule == "formula"]
    assert (note.row, note.column, note.value) == (4, "comment", "=SUM(A1:A3)")
    assert note.severity == "quarantine"


def test_kobo_csv_semicolon_and_encoding():
    t = read_responses(KOBO / "kobo_values.csv")
    assert t.encoding == "utf-8-sig"
    assert t.data["comment"][0] == "연구 자율성이 중요합니다"


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("cp949", "cp949")])
def test_csv_encodings(tmp_path, encoding, expected):
    text = "respondent_id,consent,comment\n007,1,연구 환경이 좋습니다\n008,0,\n"
    path = tmp_path / "r.csv"
    path.write_bytes(text.encode(encoding))
    t = read_responses(path)
    assert t.kind == "csv" and t.encoding == expected
    assert list(t.data["respondent_id"]) == ["007", "008"]
    assert t.data["comment"][0] == "연구 환경이 좋습니다"
    assert t.rows.tolist() == [2, 3]


def test_csv_neither_utf8_nor_cp949(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("respondent_id\n\u00e9".encode("utf-16-le")[2:] + b"\xff\xfe\xfa")
    with pytest.raises(ResponsesError) as err:
        read_responses(path)
    assert "r.csv" in str(err.value)


def test_csv_value_without_header(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("respondent_id,consent\n1,1,extra\n", encoding="utf-8")
    with pytest.raises(ResponsesError, match="no header|cannot be parsed"):
        read_responses(path)


# -- bad input: a clear ResponsesError naming the file, never a traceback of another type -----------------

def _raises(path, code):
    with pytest.raises(ResponsesError) as err:
        read_responses(path)
    assert err.value.code == code, str(err.value)
    assert str(path) in str(err.value)
    return str(err.value)


def test_wrong_file_type(tmp_path):
    p = tmp_path / "scan.xlsx"
    p.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    assert "not an Excel workbook" in _raises(p, "wrong_type")


def test_zip_that_is_not_a_workbook(tmp_path):
    p = tmp_path / "a.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    _raises(p, "wrong_type")


def test_password_protected():
    assert "password" in _raises(DATA / "bad" / "password.xlsx", "password")


def test_truncated_workbook(tmp_path, good_template):
    data = good_template.read_bytes()
    p = tmp_path / "cut.xlsx"
    p.write_bytes(data[: len(data) // 2])
    assert "damaged or truncated" in _raises(p, "damaged")


def test_zip_bomb_is_capped(tmp_path):
    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 << 20))
    with pytest.raises(ResponsesError) as err:
        read_responses(p, max_uncompressed=4 << 20)
    assert err.value.code == "too_large" and "zip bomb" in str(err.value)
    assert p.stat().st_size < 100_000


def test_empty_file(tmp_path):
    p = tmp_path / "e.xlsx"
    p.write_bytes(b"")
    _raises(p, "empty")


def test_empty_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Responses"
    p = tmp_path / "e.xlsx"
    wb.save(p)
    assert "empty" in _raises(p, "empty_sheet")


def test_header_only_sheet_is_zero_rows_with_a_note(tmp_path, q10):
    t = read_responses(write_template(tmp_path / "h.xlsx", q10, []))
    assert t.n_rows == 0 and [n.rule for n in t.notes] == ["empty_file"]


def test_too_many_rows(tmp_path, q10):
    rows = [[f"{i:04d}", 0] for i in range(30)]
    p = write_template(tmp_path / "many.xlsx", q10, rows, headers=["respondent_id", "consent"])
    with pytest.raises(ResponsesError) as err:
        read_responses(p, max_rows=20)
    assert err.value.code == "too_many_rows" and "split" in str(err.value)


def test_one_million_rows_refused_from_dimension_without_reading(tmp_path):
    """A sheet claiming 1,000,000 rows is refused from its <dimension> before calamine reads it."""
    p = tmp_path / "million.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(["respondent_id"])
    wb.save(p)
    buf = io.BytesIO()
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A1000002"/>', data)
                assert b"A1000002" in data
            dst.writestr(info, data)
    p.write_bytes(buf.getvalue())
    with pytest.raises(ResponsesError) as err:
        read_responses(p)
    assert err.value.code == "too_many_rows" and "1,000,000 data rows" in str(err.value)


@pytest.mark.parametrize("block", [None, 97])
def test_merged_hidden_and_formula_cells_are_noted(tmp_path, q10, monkeypatch, block):
    if block:  # the sheet XML streamed in tiny blocks: findings across block edges are not lost
        from careersurvey.responses.readers import workbook

        monkeypatch.setattr(workbook, "_SCAN_BLOCK", block)
        monkeypatch.setattr(workbook, "_SCAN_OVERLAP", 400)
    p = write_template(tmp_path / "m.xlsx", q10, GOOD_ROWS[:3])
    wb = openpyxl.load_workbook(p)
    ws = wb["Responses"]
    ws.merge_cells("C3:C4")  # role of rows 3 and 4
    ws.row_dimensions[5].hidden = True
    ws["K3"] = "=DATE(2019,3,1)"
    wb.save(p)
    t = read_responses(p)
    notes = {(n.rule, n.row, n.column) for n in t.notes}
    assert ("merged_cell", 3, "role") in notes and ("merged_cell", 4, "role") in notes
    assert ("hidden_row", 5, None) in notes
    assert ("formula", 3, "start_date") in notes
    assert len(t.notes) == 4
    merged = [n for n in t.notes if n.rule == "merged_cell"][0]
    assert merged.message == "role: the cell is part of merged range C3:C4; unmerge the cells and fill each one"


def test_hidden_columns_are_reported_by_name(tmp_path, q10):
    p = write_template(tmp_path / "h.xlsx", q10, GOOD_ROWS[:2])
    wb = openpyxl.load_workbook(p)
    ws = wb["Responses"]
    ws.column_dimensions["D"].hidden = True  # age
    ws.column_dimensions.group("F", "G", hidden=True)  # motives_2, motives_3 (one <col> range)
    wb.save(p)
    t = read_responses(p)
    hidden = [n for n in t.notes if n.rule == "hidden_column"]
    assert [(n.column, n.severity, n.row) for n in hidden] == [
        ("age", "warning", None), ("motives_2", "warning", None), ("motives_3", "warning", None)]
    assert hidden[0].message == ("column 'age' (D) is hidden in the workbook; its values were imported like any "
                                 "other column: unhide it in Excel to check them")


def test_no_hidden_column_notes_for_a_plain_template(good_template):
    assert not [n for n in read_responses(good_template).notes if n.rule == "hidden_column"]


def test_column_letters():
    from careersurvey.responses.readers.template import column_letters
    from careersurvey.responses.readers.workbook import column_index

    for i in (0, 25, 26, 51, 52, 701, 702, 16383):
        assert column_index(column_letters(i)) == i
    assert [column_letters(i) for i in (0, 25, 26, 702)] == ["A", "Z", "AA", "AAA"]


def test_legacy_xls_is_refused_with_save_as_xlsx(tmp_path):
    """A real Excel 97-2003 workbook (readxl's clippy.xls): its formulas cannot be checked, so it is refused."""
    message = _raises(DATA / "bad" / "legacy.xls", "legacy_xls")
    assert message.endswith(
        "legacy.xls: the workbook is in the old Excel 97-2003 format (.xls), in which formulas, hidden rows and "
        "merged cells cannot be checked; open it in Excel, choose File > Save As > Excel Workbook (.xlsx) and "
        "import the .xlsx file")
    renamed = tmp_path / "legacy.xlsx"  # the content decides, not the name
    renamed.write_bytes((DATA / "bad" / "legacy.xls").read_bytes())
    _raises(renamed, "legacy_xls")


def test_unreadable_never_other_exceptions(tmp_path):
    blobs = [b"PK\x03\x04garbage", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, b"\x00\x01\x02"]
    for i, (blob, code) in enumerate(zip(blobs, ["damaged", "legacy_xls", "wrong_type"])):
        p = tmp_path / f"x{i}.xlsx"
        p.write_bytes(blob)
        _raises(p, code)  # the right reason, and the message names the file


def test_ids_as_numbers_lose_no_digits(tmp_path, q10):
    t = read_responses(write_template(tmp_path / "n.xlsx", q10, [[123, 1]], headers=["respondent_id", "consent"]))
    assert float(t.data["respondent_id"][0]) == 123.0
    assert np.asarray(t.rows).tolist() == [3]


def test_text_file_named_xlsx(tmp_path):
    p = tmp_path / "notes.xlsx"
    p.write_text("respondent_id,consent\n1,1\n", encoding="utf-8")
    assert "holds plain text" in _raises(p, "wrong_type")


def test_too_many_rows_without_a_dimension_element(tmp_path, q10):
    """No <dimension> to trust: calamine reads at most max_rows + 1 data rows, then the file is refused."""
    rows = [[f"{i:04d}", 0] for i in range(30)]
    p = write_template(tmp_path / "many.xlsx", q10, rows, headers=["respondent_id", "consent"])
    buf = io.BytesIO()
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b"", data)
            dst.writestr(info, data)
    p.write_bytes(buf.getvalue())
    with pytest.raises(ResponsesError) as err:
        read_responses(p, max_rows=20)
    assert err.value.code == "too_many_rows" and "more than 20 data rows" in str(err.value)
    assert read_responses(p, max_rows=30).n_rows == 30


def test_plain_workbook_one_header_row(tmp_path, q10):
    """Any workbook whose first sheet has variable names in row 1 and data from row 2."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["respondent_id", "consent", "role"])
    ws.append(["0007", 1, 3])
    p = tmp_path / "plain.xlsx"
    wb.save(p)
    t = read_responses(p)
    assert (t.kind, t.sheet, t.rows.tolist(), t.meta) == ("sheet", "Sheet1", [2], {})
    assert list(t.data["respondent_id"]) == ["0007"]

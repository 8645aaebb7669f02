"""A workbook import streams its sheet: the workbook is opened once and closed, its rows come in chunks that
together are the whole sheet, and memory does not grow with the sheet's rows."""

from __future__ import annotations

import tracemalloc
import zipfile

import openpyxl
import python_calamine as pc

from careersurvey.responses.importer import import_file
from careersurvey.responses.readers import iter_responses, read_responses
from careersurvey.responses.readers.raw import concat
from careersurvey.responses.store import ResponseStore

from .conftest import GOOD_ROWS, mini, write_template
from .test_chunked_import import stored


def test_a_workbook_is_opened_once_per_import_and_closed(tmp_path, monkeypatch):
    q = mini()
    path = write_template(tmp_path / "t.xlsx", q, GOOD_ROWS * 3)
    opened: list[zipfile.ZipFile] = []
    loads: list[str] = []
    real_init, real_load = zipfile.ZipFile.__init__, pc.CalamineWorkbook.from_path

    def counting_init(self, file, *args, **kwargs):
        real_init(self, file, *args, **kwargs)
        if str(file) == str(path):
            opened.append(self)

    def counting_load(p, *args, **kwargs):
        loads.append(str(p))
        return real_load(p, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting_init)
    monkeypatch.setattr(pc.CalamineWorkbook, "from_path", staticmethod(counting_load))
    result = import_file(path, tmp_path / "s.duckdb", q, chunk_rows=3)
    assert result.rows_in == 12
    assert (len(opened), loads) == (1, [])  # one zip, no second reader of the same file
    assert opened[0].fp is None  # closed when the import ended


def test_an_import_that_fails_still_closes_the_workbook(tmp_path, monkeypatch):
    q = mini()
    path = write_template(tmp_path / "t.xlsx", q, GOOD_ROWS)
    opened: list[zipfile.ZipFile] = []
    real_init = zipfile.ZipFile.__init__

    def counting_init(self, file, *args, **kwargs):
        real_init(self, file, *args, **kwargs)
        if str(file) == str(path):
            opened.append(self)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting_init)
    try:
        import_file(path, tmp_path / "s.duckdb", mini("1.1.0"))  # made for 1.0.0: refused after the first chunk
    except Exception as exc:
        assert "1.0.0" in str(exc)
    assert len(opened) == 1 and opened[0].fp is None
    assert ResponseStore(tmp_path / "s.duckdb").counts()["imports"] == 0


def test_chunks_of_a_hand_edited_workbook_are_the_whole_sheet(tmp_path):
    """Blank rows, a note above the header, a formula row without a cached result between the data rows, a
    hidden row and a merged range: read in chunks of 2 rows, the rows and notes are those of one read."""
    q = mini()
    path = write_template(tmp_path / "t.xlsx", q, [*GOOD_ROWS, [None] * 12, *GOOD_ROWS[:2]])
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    ws.insert_rows(1)
    ws["A1"] = "field office copy"
    ws["B8"] = "=1+1"  # a row of its own holding only a formula (no cached result): kept and noted
    ws.row_dimensions[5].hidden = True
    ws.merge_cells("L4:L5")
    wb.save(path)
    whole = read_responses(path)
    chunks = list(iter_responses(path, chunk_rows=2))
    assert len(chunks) >= 3
    joined = concat(chunks)
    assert joined.rows.tolist() == whole.rows.tolist() and 8 in whole.rows.tolist()
    assert all((joined.data[h] == whole.data[h]).all() for h in whole.headers)
    assert sorted(map(repr, joined.notes)) == sorted(map(repr, whole.notes))
    assert {p.rule for p in whole.notes} >= {"above_header", "formula", "hidden_row", "merged_cell"}
    one = import_file(path, tmp_path / "one.duckdb", q, chunk_rows=None)
    two = import_file(path, tmp_path / "two.duckdb", q, chunk_rows=2)
    assert (one.rows_in, one.quarantined, one.warnings) == (two.rows_in, two.quarantined, two.warnings)
    assert stored(tmp_path / "one.duckdb") == stored(tmp_path / "two.duckdb")


def _peak_reading(path, chunk_rows):
    """Peak Python memory (bytes) of reading every chunk of ``path``, each dropped once read."""
    tracemalloc.start()
    try:
        n = 0
        for chunk in iter_responses(path, chunk_rows=chunk_rows):
            n += chunk.n_rows
        return tracemalloc.get_traced_memory()[1], n
    finally:
        tracemalloc.stop()


def _inline_template(path, q, n):
    """An entry template of ``n`` rows whose cells are inline strings and numbers (xlsxwriter's constant-memory
    mode, as large exports are written): only the sheet grows with the rows."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Responses")
    names = ["respondent_id", *q.columns()]
    ws.write_row(0, 0, names)
    ws.write_row(1, 0, ["응답자 ID (문자로 입력, 예: 0007)", *names[1:]])
    for r in range(n):
        ws.write_string(r + 2, 0, f"{r:06d}")
        ws.write_row(r + 2, 1, [1, 2, 34, 1, 0, 1, 0, 5200, 4])
        ws.write_string(r + 2, 10, "2019-03-01")
        ws.write_string(r + 2, 11, "a comment of some length, typed in the field")
    meta = wb.add_worksheet("_meta")
    for r, (k, v) in enumerate({"form_kind": "entry_template", "questionnaire_id": q.id, "version": q.version}.items()):
        meta.write_row(r, 0, [k, v])
    wb.close()
    return path


def test_memory_of_a_workbook_read_does_not_grow_with_its_rows(tmp_path, monkeypatch):
    """Eight times the rows, not eight times the memory: what is held is a chunk of rows, the shared strings and
    the block the sheet XML is searched in for formulas (256 KiB; 64 KiB here, so that both sheets exceed it)."""
    from careersurvey.responses.readers import workbook

    monkeypatch.setattr(workbook, "_SCAN_BLOCK", 1 << 16)
    q = mini()
    small = _inline_template(tmp_path / "small.xlsx", q, 1000)
    large = _inline_template(tmp_path / "large.xlsx", q, 8000)
    _peak_reading(small, 200)  # once first: modules and caches loaded on the first read are not the sheet's
    peak_small, n_small = _peak_reading(small, 200)
    peak_large, n_large = _peak_reading(large, 200)
    assert (n_small, n_large) == (1000, 8000)
    assert peak_large < 1.25 * peak_small

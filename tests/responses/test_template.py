"""The entry-template reader finds its header and data by content: rows deleted, inserted, moved or hidden
above the data, blank rows between responses and extra columns never lose or invent a respondent."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careersurvey.forms.template import export_template
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers import read_responses

from .conftest import GOOD_ROWS, ID_LABEL, mini, write_template
from .strategies import junk, mutated_rows

Q = mini()
NAMES = ["respondent_id", *Q.columns()]
WIDTH = len(NAMES)


def _fill(path, rows, first=3):
    """Type ``rows`` into the real template's Responses sheet from row ``first``."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.cell(row=first + i, column=j + 1, value=value)
    return wb, ws


def test_deleted_question_row_keeps_the_respondent_who_moved_into_it(tmp_path):
    """Field staff deleted row 2 (question texts) of the real template: the first respondent is now in row 2
    and must be read, stored and counted (old code: silently skipped)."""
    path = export_template(Q, tmp_path / "t.xlsx", lang="both", rows=10)
    rows = [[f"{i:04d}", *GOOD_ROWS[i % 2][1:]] for i in range(1, 4)]
    wb, ws = _fill(path, rows)
    ws.delete_rows(2)
    wb.save(path)
    table = read_responses(path)
    assert table.rows.tolist() == [2, 3, 4]
    assert list(table.data["respondent_id"]) == ["0001", "0002", "0003"]
    db = tmp_path / "s.duckdb"
    (result,) = import_responses(path, db, Q)
    assert result.rows_in == 3 == result.accepted + result.quarantined
    con = duckdb.connect(str(db), read_only=True)
    try:
        kept = con.execute("SELECT row_no, respondent_id FROM respondents ORDER BY row_no").fetchall()
    finally:
        con.close()
    assert kept == [(2, "0001"), (3, "0002"), (4, "0003")]


def test_rows_inserted_above_the_header_are_named_not_read(tmp_path):
    path = write_template(tmp_path / "t.xlsx", Q, [GOOD_ROWS[0], GOOD_ROWS[1]])
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    ws.insert_rows(1, 2)
    ws.cell(row=1, column=1, value="Entered by Kim, 3 March")
    wb.save(path)
    table = read_responses(path)
    assert table.rows.tolist() == [5, 6] and list(table.data["respondent_id"]) == ["0001", "0002"]
    (note,) = [n for n in table.notes if n.rule == "above_header"]
    assert note.severity == "warning" and note.row is None
    assert note.message == ("row 1 ('Entered by Kim, 3 March'): above the header (row 3), so not read as "
                            "responses; if one is a respondent, move it below the header and import the file again")


def test_question_row_moved_below_blank_rows_is_not_a_respondent(tmp_path):
    path = write_template(tmp_path / "t.xlsx", Q, [GOOD_ROWS[0]])
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    ws.insert_rows(2, 2)  # the question row is now row 4, two blank rows above it; the respondent in row 5
    wb.save(path)
    table = read_responses(path)
    assert table.rows.tolist() == [5] and not [n for n in table.notes if n.rule == "above_header"]


def test_deleted_header_row_is_an_error_naming_the_fix(tmp_path):
    path = write_template(tmp_path / "t.xlsx", Q, [GOOD_ROWS[0]])
    wb = openpyxl.load_workbook(path)
    wb["Responses"].delete_rows(1)
    wb.save(path)
    with pytest.raises(ResponsesError) as err:
        read_responses(path)
    assert err.value.code == "no_header"
    assert str(err.value) == (
        f"{path}: sheet 'Responses': no row holds the variable names (a row with 'respondent_id' in it); the row "
        "of names was deleted or changed: copy row 1 of a fresh template (`careersurvey forms export "
        "stem-mini@1.0.0 --format template`) above the data")


# -- property: whatever happens above the data, every non-empty row below the header is counted -------------

_EXTRA = ("entered_by", "checked", "비고")


@st.composite
def edited_sheets(draw):
    """Rows of a Responses sheet as field staff may leave it, and row numbers to hide.

    Above the data: the header, the question-text row (maybe deleted), note rows and blank rows, in any
    order; then notes and responses with blank rows between them; extra named columns anywhere."""
    header, labels = list(NAMES), [ID_LABEL, *NAMES[1:]]
    notes = draw(st.lists(st.sampled_from([("Entered by Kim",), (None, "checked 2026-03-04"), ("", "", "x")]),
                          max_size=2))
    top = [header] + ([labels] if draw(st.booleans()) else []) + [list(n) for n in notes]
    top += [[None] for _ in range(draw(st.integers(0, 2)))]
    top = draw(st.permutations(top))
    body = [list(r) for r in draw(st.lists(st.sampled_from([("note: paper form 12 unreadable",), (None,)]),
                                           max_size=2))]
    for row in draw(mutated_rows(GOOD_ROWS[:3], WIDTH)):
        body += [[None] * WIDTH for _ in range(draw(st.integers(0, 2)))] + [row]
    extras = draw(st.lists(st.tuples(st.sampled_from(_EXTRA), st.integers(1, WIDTH)), max_size=2,
                           unique_by=lambda t: t[0]))
    for name, at in extras:  # an extra column: a header, and values in some rows
        header.insert(at, name)
        labels.insert(at, name)
        for row in body:
            row.extend([None] * (at - len(row)))
            row.insert(at, draw(st.one_of(st.none(), junk)))
    rows = list(top) + body
    hidden = draw(st.lists(st.integers(1, len(rows)), max_size=3, unique=True))
    return rows, hidden


def _nonempty(row):
    return any(v is not None and v != "" for v in row)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=edited_sheets())
def test_every_row_below_the_header_is_stored_or_quarantined(tmp_path_factory, sheet):
    rows, hidden = sheet
    tmp = tmp_path_factory.mktemp("layout")
    path = write_template(tmp / "e.xlsx", Q, [])
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    ws.delete_rows(1, 2)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=i + 1, column=j + 1, value=value)
    for r in hidden:
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    head = next(i for i, row in enumerate(rows) if row and row[0] == "respondent_id")
    expected = [i + 1 for i, row in enumerate(rows) if i > head and _nonempty(row)
                and not (isinstance(row[0], str) and row[0] == ID_LABEL)]
    table = read_responses(path)
    assert table.rows.tolist() == expected
    assert {n.row for n in table.notes if n.rule == "hidden_row"} == set(hidden) & set(expected)
    above = [i + 1 for i, row in enumerate(rows[:head]) if _nonempty(row) and row[0] != ID_LABEL]
    assert bool([n for n in table.notes if n.rule == "above_header"]) == bool(above)
    if not expected:  # nothing to import is refused, never "0 rows" with success
        with pytest.raises(ResponsesError, match="no rows of responses"):
            import_responses(path, tmp / "s.duckdb", Q)
        return
    (result,) = import_responses(path, tmp / "s.duckdb", Q)
    assert result.rows_in == len(expected) == result.accepted + result.quarantined
    con = duckdb.connect(str(tmp / "s.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT row_no FROM respondents ORDER BY row_no").fetchall()
    finally:
        con.close()
    assert [r for (r,) in stored] == expected


def test_a_row_holding_only_a_formula_is_quarantined_not_dropped(tmp_path):
    """openpyxl (like many scripts) writes formulas without a cached result: the row reads as empty cells, but it
    is a row someone filled, so it is kept and quarantined (old code: dropped as blank, no trace)."""
    path = write_template(tmp_path / "f.xlsx", Q, [GOOD_ROWS[0], [None, None, "=1+1"], GOOD_ROWS[1]])
    (result,) = import_responses(path, tmp_path / "s.duckdb", Q)
    assert (result.rows_in, result.accepted, result.quarantined) == (3, 2, 1)

"""Property tests: whatever is in the cells, every row is stored or quarantined, with its reasons;
whatever the bytes, reading fails only with ResponsesError."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import QUARANTINE, ResponsesError
from careersurvey.responses.readers import read_responses
from careersurvey.responses.readers.raw import is_empty
from careersurvey.responses.validate import validate

from .conftest import GOOD_ROWS, mini, write_template
from .strategies import mutated_rows

Q = mini()
WIDTH = 1 + len(Q.columns())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=mutated_rows(GOOD_ROWS[:3], WIDTH))
def test_every_row_is_accepted_or_quarantined_with_reasons(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("prop")
    path = write_template(tmp / "m.xlsx", Q, rows)
    table = read_responses(path)
    nonblank = sum(not all(v is None or (isinstance(v, str) and v == "") for v in r) for r in rows)
    assert table.n_rows == nonblank  # only rows with no value at all are not responses
    v = validate(table, Q)
    assert v.rows_in == v.n_accepted + v.n_quarantined
    reasons = {p.row for p in v.problems if p.severity == QUARANTINE}
    assert set(table.rows[v.quarantined].tolist()) == reasons & set(table.rows.tolist())
    if not nonblank:  # nothing to import is refused, never "0 rows" with success
        with pytest.raises(ResponsesError, match="no rows of responses"):
            import_responses(path, tmp / "s.duckdb", Q)
        return
    (result,) = import_responses(path, tmp / "s.duckdb", Q)
    assert result.rows_in == result.accepted + result.quarantined == table.n_rows
    con = duckdb.connect(str(tmp / "s.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT status, count(*) FROM respondents GROUP BY status").fetchall()
        kept = con.execute("SELECT count(*) FROM answers_stem_mini_1_0_0").fetchall()[0][0]
    finally:
        con.close()
    counts = dict(stored)
    assert counts.get("accepted", 0) == result.accepted and counts.get("quarantined", 0) == result.quarantined
    assert kept == result.rows_in


_GOOD: list[bytes] = []


def _good_bytes(factory) -> bytes:
    """One valid workbook for the whole session (its bytes must not change between examples)."""
    if not _GOOD:
        _GOOD.append(write_template(factory.mktemp("good") / "g.xlsx", Q, GOOD_ROWS[:2]).read_bytes())
    return _GOOD[0]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_bytes_fail_only_with_a_clear_error(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("bytes")
    blob = bytearray(_good_bytes(tmp_path_factory))
    action = data.draw(st.sampled_from(["truncate", "flip", "zero"]))
    if action == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    else:
        for pos in data.draw(st.lists(st.integers(0, len(blob) - 1), min_size=1, max_size=8)):
            blob[pos] = (blob[pos] ^ 0xFF) if action == "flip" else 0
    path = tmp / "d.xlsx"
    path.write_bytes(bytes(blob))
    try:
        table = read_responses(path)
    except ResponsesError as exc:
        assert str(path) in str(exc)
        return
    v = validate(table, Q)  # a file that still reads is validated like any other
    assert v.rows_in == v.n_accepted + v.n_quarantined


def test_is_empty_spaces():
    import numpy as np

    assert is_empty(np.array(["", " ", "\u3000", "a", None, 0.0, float("nan")], dtype=object)).tolist() == [
        True, True, True, False, True, False, True]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_workbook_features_never_drop_a_row(tmp_path_factory, data):
    """Merged cells, formulas, hidden rows and columns anywhere in the data: each row is still accepted or
    quarantined; formula and merged cells quarantine their rows; hidden rows and columns are warned about."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    tmp = tmp_path_factory.mktemp("features")
    n = data.draw(st.integers(2, 6))
    rows = [[f"{i:04d}", *GOOD_ROWS[i % 3][1:]] for i in range(n)]
    path = write_template(tmp / "f.xlsx", Q, rows)
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    last = 2 + n
    cell = st.tuples(st.integers(3, last), st.integers(2, WIDTH))
    formulas = data.draw(st.lists(cell, max_size=3, unique=True))
    for r, c in formulas:
        ws.cell(row=r, column=c, value="=1+1")
    merged_rows: set[int] = set()
    r1, c1 = data.draw(cell)
    if data.draw(st.booleans()) and r1 < last and (r1, c1) not in formulas and (r1 + 1, c1) not in formulas:
        ws.merge_cells(f"{get_column_letter(c1)}{r1}:{get_column_letter(c1)}{r1 + 1}")
        merged_rows = {r1, r1 + 1}
    hidden_rows = set(data.draw(st.lists(st.integers(3, last), max_size=2, unique=True)))
    for r in hidden_rows:
        ws.row_dimensions[r].hidden = True
    hidden_cols = set(data.draw(st.lists(st.integers(2, WIDTH), max_size=2, unique=True)))
    for c in hidden_cols:
        ws.column_dimensions[get_column_letter(c)].hidden = True
    wb.save(path)

    v = validate(read_responses(path), Q)
    assert v.rows_in == n == v.n_accepted + v.n_quarantined
    quarantined = set(v.table.rows[v.quarantined].tolist())
    assert {r for r, _ in formulas} | merged_rows <= quarantined
    rules = [(p.rule, p.row, p.column) for p in v.problems]
    assert {r for rule, r, _ in rules if rule == "hidden_row"} == hidden_rows
    headers = ["respondent_id", *Q.columns()]
    assert {c for rule, _, c in rules if rule == "hidden_column"} == {headers[c - 1] for c in hidden_cols}

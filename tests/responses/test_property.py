"""Property tests: whatever is in the cells, every row is stored or quarantined, with its reasons;
whatever the bytes, reading fails only with ResponsesError."""

from __future__ import annotations

import duckdb
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

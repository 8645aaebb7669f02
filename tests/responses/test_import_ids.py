"""An import checks its respondent ids against the store inside DuckDB, chunk by chunk: only the ids found there
come back to Python, never every stored id."""

from __future__ import annotations

from careersurvey.responses.importer import import_file
from careersurvey.responses.store import ResponseStore

from .conftest import mini, write_template

ROW = [1, 2, 34, 1, 0, 1, 0, 5200, 4, "2019-03-01", None]


def test_ids_already_stored_are_found_in_the_engine(tmp_path, monkeypatch):
    q = mini()
    db = tmp_path / "s.duckdb"
    earlier = [[f"{i:04d}", *ROW] for i in range(1, 41)]
    import_file(write_template(tmp_path / "earlier.xlsx", q, earlier), db, q)
    rows = [[f"{i:04d}", *ROW] for i in range(100, 112)] + [["0007", *ROW], ["0033", *ROW], ["0100", *ROW]]
    calls: list[tuple[int, dict]] = []
    real = ResponseStore.stored_ids

    def spy(self, con, questionnaire_id, wave, ids, exclude_import=None):
        found = real(self, con, questionnaire_id, wave, ids, exclude_import)
        calls.append((len(ids), found))
        return found

    monkeypatch.setattr(ResponseStore, "stored_ids", spy)
    result = import_file(write_template(tmp_path / "later.xlsx", q, rows), db, q, chunk_rows=5)
    sizes = [n for n, _ in calls]  # once per chunk, with the chunk's ids (the first chunk's label row dropped)
    assert sum(sizes) == 15 and len(sizes) >= 3 and max(sizes) <= 5
    assert {k for _, found in calls for k in found} == {"0007", "0033"}  # only the ids found came back
    problems = ResponseStore(db).problems()
    again = problems[problems["rule"] == "duplicate_id_store"].sort_values("row")
    assert again["row"].tolist() == [15, 16] and result.quarantined == 3
    assert again["message"].str.contains("earlier.xlsx row 9 in wave 1").tolist() == [True, False]
    assert again["message"].str.contains("earlier.xlsx row 35 in wave 1").tolist() == [False, True]
    dup = problems[problems["rule"] == "duplicate_id"]  # 0100 again in the file itself: not a stored id
    assert dup["row"].tolist() == [17]


def test_rows_of_the_import_being_written_are_no_stored_ids(tmp_path):
    """An id repeated in a later chunk is a duplicate within the file (first row named), not an id already in
    the store, though the first chunk's rows are in the store's tables when the later chunk is checked."""
    q = mini()
    db = tmp_path / "s.duckdb"
    rows = [[f"{i:04d}", *ROW] for i in range(1, 7)] + [["0002", *ROW]]
    import_file(write_template(tmp_path / "t.xlsx", q, rows), db, q, chunk_rows=3)
    rules = ResponseStore(db).problems()["rule"].tolist()
    assert rules.count("duplicate_id") == 1 and "duplicate_id_store" not in rules

"""``raw_cells`` holds a cell as written only where it is not exactly what was stored: a CSV of plain numbers
does not keep a second copy of every cell, and nothing typed is lost (the stored value, or the raw text beside
it, gives back what the file said)."""

from __future__ import annotations

import duckdb

from careersurvey.responses.importer import import_file

from .conftest import mini
from .test_chunked_import import HEADER, write_csv


def raw_cells(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return set(con.execute("SELECT row_no, col, raw FROM raw_cells").fetchall())
    finally:
        con.close()


def test_csv_cells_written_as_their_stored_number_are_not_repeated(tmp_path):
    lines = ["0001,1,2,34,1,0,1,0,5200,4,2019-03-01,연구 자율성,42",
             "0002,1,Engineer, 034 ,1,0,0,1,12000.50,2,2012/09/15,,",
             "0003,1,2,35.0,1,0,0,0,7e3,-7,2020-01-01,,"]
    db = tmp_path / "s.duckdb"
    r = import_file(write_csv(tmp_path / "a.csv", lines), db, mini())
    assert (r.rows_in, r.quarantined) == (3, 0)
    raw = raw_cells(db)
    numeric = {(row, col) for row, col, _ in raw if col in ("consent", "role", "age", "motives_1", "motives_2",
                                                            "motives_3", "motives_4", "pay", "fof_shame")}
    # only the cells typed otherwise than their stored number
    # ("35.0" is 35 as Python and pandas write a whole float: DataFrame.to_csv writes every number so)
    assert numeric == {(3, "role"), (3, "age"), (3, "pay"), (4, "pay")}
    assert {(3, "role", "Engineer"), (3, "age", " 034 "), (3, "pay", "12000.50"), (4, "pay", "7e3")} <= raw
    # text and date items, and columns that are no item, keep every non-empty cell
    assert {(2, "comment", "연구 자율성"), (2, "start_date", "2019-03-01"), (3, "start_date", "2012/09/15"),
            (2, "@shoe_size", "42")} <= raw


def test_a_quarantined_csv_row_keeps_every_cell(tmp_path):
    lines = ["0001,1,2,34,1,0,1,0,5200,4,2019-03-01,ok,",
             "0002,1,9,34,1,0,1,0,5200,4,2019-03-01,role 9 is no choice,"]
    db = tmp_path / "s.duckdb"
    r = import_file(write_csv(tmp_path / "a.csv", lines), db, mini())
    assert r.quarantined == 1
    kept = {(col, raw) for row, col, raw in raw_cells(db) if row == 3}
    assert {("consent", "1"), ("role", "9"), ("age", "34"), ("motives_1", "1"), ("motives_2", "0"),
            ("pay", "5200"), ("fof_shame", "4")} <= kept
    assert not {col for row, col, _ in raw_cells(db) if row == 2} - {"comment", "start_date"}


def test_a_missing_code_spread_over_a_multiple_choice_item(tmp_path):
    """A missing code typed in one split column is stored in every column of the item (the blanks too); the
    typed "-7" is stored as written, so it is not repeated, and the blanks held nothing to keep."""
    lines = ["0001,1,2,34,-7,,,,5200,4,2019-03-01,,"]
    db = tmp_path / "s.duckdb"
    import_file(write_csv(tmp_path / "a.csv", lines), db, mini())
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT motives_1, motives_2 FROM answers_stem_mini_1_0_0").fetchall()
    con.close()
    assert stored == [(-7.0, -7.0)]
    assert not {c for _, c, _ in raw_cells(db) if c.startswith("motives")}  # "-7" is stored as written

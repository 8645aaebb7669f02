"""CSV imports read, validated and stored chunk by chunk: the store is the same as with one chunk.

The import takes ``chunk_rows`` (20,000 by default); these tests set it small so that a handful of rows spans
several chunks, on the small questionnaire of conftest.py and on a real two-version Kobo export.
"""

from __future__ import annotations

import duckdb
import pytest

from careersurvey.responses import store as store_mod
from careersurvey.responses.importer import import_file
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers.csvfile import iter_csv, read_csv
from careersurvey.responses.store import ResponseStore

from .conftest import DATA, mini

HEADER = ("respondent_id,consent,role,age,motives_1,motives_2,motives_3,motives_4,pay,fof_shame,start_date,comment,"
          "shoe_size")
#: typed by hand: labels for codes, text in number cells, missing codes, a routing conflict, a bad range,
#: a blank line, a quoted comment over two lines, an id repeated across chunks, a missing id
LINES = [
    "0001,1,2,34,1,0,1,0,5200,4,2019-03-01,연구 자율성,42",
    "0002,1,Engineer, 034 ,1,,,1,12000.5,2,2012/09/15,,",
    "0003,0,,,,,,,,,,,",
    "0004,1,3,-7,-7,-7,-7,-7,-8,3,2021-01-04,\"=SUM(A1:A3) is\nwhat I typed\",43",
    "",
    "0005,0,2,30,1,0,0,0,100,1,2020-01-01,routed past but answered,",
    "0006,1,2,99,1,0,0,0,100,1,2020-01-01,age out of range,",
    "0002,1,2,40,0,1,0,0,100,1,2020-01-01,repeats 0002,",
    ",1,2,40,0,1,0,0,100,1,2020-01-01,no id,",
    "0007,1,2,41,0,1,0,0,-9,1,2020-01-01,-9 not allowed for pay,",
    "0006,1,2,41,0,1,0,0,100,1,2020-01-01,repeats a quarantined id,",
    "0008,1,4,52,0,0,0,1,700,5,2018-02-03,last,44",
]


def write_csv(path, lines, encoding="utf-8"):
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return path


def stored(db):
    """Every table of the store as sorted rows (the ledger without its time)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
                  if t != "schema_version"]
        out = {}
        for t in tables:
            frame = con.execute(f'SELECT * FROM "{t}"').df()
            frame = frame.drop(columns=[c for c in ("imported_at",) if c in frame])
            out[t] = sorted(map(repr, frame.itertuples(index=False)))
        return out
    finally:
        con.close()


def test_a_csv_in_three_chunks_stores_what_one_chunk_stores(tmp_path):
    q = mini()
    path = write_csv(tmp_path / "hand.csv", LINES)
    one = import_file(path, tmp_path / "one.duckdb", q, chunk_rows=None)
    chunked = import_file(path, tmp_path / "chunked.duckdb", q, chunk_rows=4)  # records 1-4, 5-8, 9-12, 13 (6 is blank)
    assert len(list(iter_csv(path, chunk_rows=4))) >= 3
    assert (one.rows_in, one.accepted, one.quarantined, one.warnings) == (
        chunked.rows_in, chunked.accepted, chunked.quarantined, chunked.warnings)
    assert one.rows_in == one.accepted + one.quarantined == 11
    assert stored(tmp_path / "one.duckdb") == stored(tmp_path / "chunked.duckdb")
    problems = ResponseStore(tmp_path / "chunked.duckdb").problems()
    assert (problems["rule"] == "unknown_column").sum() == 1  # a file-level problem once, not once per chunk
    assert set(problems["rule"]) >= {"duplicate_id", "missing_id", "answered_but_skipped", "out_of_range",
                                     "missing_code_not_allowed"}


def test_duplicate_ids_across_chunk_boundaries_name_the_first_row(tmp_path):
    path = write_csv(tmp_path / "hand.csv", LINES)
    import_file(path, tmp_path / "s.duckdb", mini(), chunk_rows=2)
    dup = ResponseStore(tmp_path / "s.duckdb").problems().query("rule == 'duplicate_id'")
    # records: 0002 first in record 3, again in 9; 0006 first in record 8 (quarantined: age 99), again in 12
    assert dup[["row", "value"]].values.tolist() == [[9, "0002"], [12, "0006"]]
    assert dup["message"].str.contains("first in row 3").iloc[0]
    assert dup["message"].str.contains("first in row 8").iloc[1]
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    status = dict(con.execute("SELECT row_no, status FROM respondents WHERE respondent_id IN ('0002', '0006')")
                  .fetchall())
    con.close()
    assert status == {3: "accepted", 9: "quarantined", 8: "quarantined", 12: "quarantined"}


def test_an_error_in_chunk_3_leaves_the_store_unchanged(tmp_path, monkeypatch):
    q = mini()
    db = tmp_path / "s.duckdb"
    import_file(write_csv(tmp_path / "first.csv", LINES[:1]), db, q)
    before = stored(db)
    bad = write_csv(tmp_path / "bad.csv", [*LINES[:8], "0009,1,2,40,0,1,0,0,100,1,2020-01-01,too,many,fields,here"])
    inserted = []
    real = store_mod._insert
    monkeypatch.setattr(store_mod, "_insert", lambda con, table, data: (inserted.append(table),
                                                                         real(con, table, data)))
    with pytest.raises(ResponsesError) as err:
        import_file(bad, db, q, chunk_rows=4)
    assert err.value.code == "damaged"
    assert inserted.count("respondents") == 2  # chunks 1 and 2 were written inside the transaction
    assert stored(db) == before
    assert ResponseStore(db).counts()["imports"] == 1


def test_the_row_limit_counts_every_chunk(tmp_path):
    path = write_csv(tmp_path / "hand.csv", LINES)
    with pytest.raises(ResponsesError) as err:
        import_file(path, tmp_path / "s.duckdb", mini(), chunk_rows=4, max_rows=10)
    assert err.value.code == "too_many_rows" and "11 data rows, more than the limit of 10" in str(err.value)
    assert ResponseStore(tmp_path / "s.duckdb").counts()["imports"] == 0


def test_cp949_text_found_only_in_the_last_chunk(tmp_path):
    """The encoding is decided over the whole file's bytes before the first chunk is read."""
    lines = [f"{i:04d},1,2,34,1,0,1,0,5200,4,2019-03-01,plain," for i in range(1, 7)]
    lines.append("0099,1,2,34,1,0,1,0,5200,4,2019-03-01,연구 자율성,")
    path = write_csv(tmp_path / "ko.csv", lines, encoding="cp949")
    r = import_file(path, tmp_path / "s.duckdb", mini(), chunk_rows=2)
    assert r.encoding == "cp949" and r.rows_in == 7
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    comment = con.execute("SELECT comment FROM answers_stem_mini_1_0_0 WHERE row_no = 8").fetchone()[0]
    con.close()
    assert comment == "연구 자율성"


def test_utf8_character_across_a_read_block(tmp_path):
    """A UTF-8 character split by the 1 MiB blocks of the encoding check is still UTF-8 (not cp949)."""
    head = (HEADER + "\n").encode()
    filler = b"0001,1,2,34,1,0,1,0,5200,4,2019-03-01,"
    pad = (1 << 20) - len(head) - len(filler) - 1  # the 3-byte character starts one byte before the block end
    path = tmp_path / "edge.csv"
    path.write_bytes(head + filler + b"x" * pad + "연구".encode() + b",\n")
    table = read_csv(path)
    assert table.encoding == "utf-8-sig" and table.data["comment"][0].endswith("x연구")


def test_a_two_version_kobo_csv_in_chunks_of_one_version_each(tmp_path):
    """Rows 1-4 answer form version vKoboA, rows 5-6 vKoboB: with 2 rows a chunk, no chunk mixes them, yet the
    versions are checked over the whole file and each row is stored with its own version."""
    path = DATA / "kobo" / "kobo_values.csv"
    versions = [mini("1.0.0"), mini("1.1.0")]
    mapping = {"vKoboA": "1.0.0", "vKoboB": "1.1.0"}
    one = import_file(path, tmp_path / "one.duckdb", versions, form_versions=mapping, chunk_rows=None)
    two = import_file(path, tmp_path / "two.duckdb", versions, form_versions=mapping, chunk_rows=2)
    assert (one.rows_in, one.version, one.warnings) == (two.rows_in, two.version, two.warnings)
    assert stored(tmp_path / "one.duckdb") == stored(tmp_path / "two.duckdb")
    assert not ResponseStore(tmp_path / "two.duckdb").problems()["rule"].eq("unknown_column").any()
    with pytest.raises(ResponsesError, match=r"rows carry 2 form versions \(vKoboA: 4 rows, vKoboB: 2 rows\)"):
        import_file(path, tmp_path / "three.duckdb", mini("1.1.0"), chunk_rows=2)
    assert ResponseStore(tmp_path / "three.duckdb").counts()["imports"] == 0


def test_a_workbook_stored_in_pieces_stores_what_one_piece_stores(tmp_path):
    """A workbook's sheet is streamed, validated and stored ``chunk_rows`` rows at a time."""
    from .conftest import GOOD_ROWS, write_template

    q = mini()
    rows = [*GOOD_ROWS, [None] * 12, ["0002", 1, 2, 30, 0, 1, 0, 0, 10, 1, "2020-01-01", "again"],
            ["0009", 0, 3, 99, 0, 1, 0, 0, 10, 1, "2020-01-01", None]]
    path = write_template(tmp_path / "t.xlsx", q, rows)
    one = import_file(path, tmp_path / "one.duckdb", q, chunk_rows=None)
    pieces = import_file(path, tmp_path / "pieces.duckdb", q, chunk_rows=2)
    assert (one.rows_in, one.accepted, one.quarantined, one.warnings) == (
        pieces.rows_in, pieces.accepted, pieces.quarantined, pieces.warnings)
    assert one.rows_in == one.accepted + one.quarantined == 6
    assert stored(tmp_path / "one.duckdb") == stored(tmp_path / "pieces.duckdb")
    dup = ResponseStore(tmp_path / "pieces.duckdb").problems().query("rule == 'duplicate_id'")
    assert dup["message"].str.contains("first in row 4").all() and len(dup) == 1


def test_a_two_version_kobo_workbook_with_repeats_in_pieces(tmp_path):
    """Rows of both form versions and the repeat-group sheets: stored as by one piece (repeats once)."""
    path = DATA / "kobo" / "kobo_values.xlsx"
    versions = [mini("1.0.0"), mini("1.1.0")]
    mapping = {"vKoboA": "1.0.0", "vKoboB": "1.1.0"}
    one = import_file(path, tmp_path / "one.duckdb", versions, form_versions=mapping, chunk_rows=None)
    pieces = import_file(path, tmp_path / "pieces.duckdb", versions, form_versions=mapping, chunk_rows=2)
    assert (one.rows_in, one.warnings) == (pieces.rows_in, pieces.warnings) == (6, 1)
    assert stored(tmp_path / "one.duckdb") == stored(tmp_path / "pieces.duckdb")
    with pytest.raises(ResponsesError, match=r"rows carry 2 form versions \(vKoboA: 4 rows, vKoboB: 2 rows\)"):
        import_file(path, tmp_path / "three.duckdb", mini("1.1.0"), chunk_rows=2)

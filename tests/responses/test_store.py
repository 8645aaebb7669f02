"""The store: ledger, re-import, transactions (exception and kill -9), locking, migrations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from careersurvey.responses import store as store_mod
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError, StoreBusyError
from careersurvey.responses.schema import CURRENT
from careersurvey.responses.store import ResponseStore, apply_migrations

from .conftest import GOOD_ROWS, mini, write_template

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def snapshot(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("imports", "respondents", "raw_cells", "problems", "repeat_cells")}
    finally:
        con.close()


def test_import_writes_ledger_rows_cells_problems(tmp_path, good_template, q10):
    db = tmp_path / "s.duckdb"
    (r,) = import_responses(good_template, db, q10)
    assert (r.rows_in, r.accepted, r.quarantined, r.already_imported) == (4, 3, 1, False)
    ledger = ResponseStore(db).ledger()
    assert len(ledger) == 1
    entry = ledger.iloc[0]
    assert entry["file_name"] == "good.xlsx" and entry["sha256"] == r.sha256 and len(r.sha256) == 64
    assert entry["size_bytes"] == good_template.stat().st_size
    assert (entry["questionnaire_id"], entry["questionnaire_version"]) == ("stem-mini", "1.0.0")
    assert entry["rows_in"] == entry["accepted"] + entry["quarantined"]
    counts = snapshot(db)
    assert counts["respondents"] == 4 and counts["problems"] == 1
    problems = ResponseStore(db).problems()
    assert problems.loc[0, "rule"] == "formula" and problems.loc[0, "row"] == 6


def test_reimport_adds_nothing_and_says_so(tmp_path, good_template, q10):
    db = tmp_path / "s.duckdb"
    first = import_responses(good_template, db, q10)[0]
    before = snapshot(db)
    copy = tmp_path / "renamed.xlsx"
    copy.write_bytes(good_template.read_bytes())
    again = import_responses([good_template, copy], db, q10)
    assert all(r.already_imported for r in again)
    assert again[0].import_id == first.import_id and again[0].accepted == first.accepted
    assert snapshot(db) == before


def test_duplicate_ids_across_imports_are_quarantined(tmp_path, q10):
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS[:2]), db, q10)
    (r,) = import_responses(write_template(tmp_path / "b.xlsx", q10, GOOD_ROWS[1:3]), db, q10)
    assert (r.accepted, r.quarantined) == (1, 1)
    p = ResponseStore(db).problems(r.import_id)
    assert p.loc[0, "message"] == ("respondent_id '0002' was already imported (a.xlsx row 4 in wave 1); "
                                   "remove the row or correct the id")


def test_exception_mid_import_leaves_store_unchanged(tmp_path, good_template, q10, monkeypatch):
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS[:1]), db, q10)
    before = snapshot(db)
    calls = []
    real = store_mod._insert

    def failing(con, table, data):
        real(con, table, data)
        calls.append(table)
        if table == "raw_cells":
            raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(store_mod, "_insert", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        import_responses(good_template, db, q10)
    assert "raw_cells" in calls and snapshot(db) == before
    monkeypatch.setattr(store_mod, "_insert", real)
    assert import_responses(good_template, db, q10)[0].already_imported is False


KILL_SCRIPT = textwrap.dedent("""
    import sys, time, pathlib
    sys.path.insert(0, {tests!r})
    from careersurvey.responses import store as store_mod
    from responses.conftest import mini
    from careersurvey.responses.importer import import_responses
    real = store_mod._insert
    def slow(con, table, data):
        real(con, table, data)
        if table == "raw_cells":
            pathlib.Path({marker!r}).write_text("inside")
            time.sleep(60)
    store_mod._insert = slow
    import_responses({file!r}, {db!r}, mini())
""")


def test_kill_9_mid_import_leaves_store_unchanged(tmp_path, good_template, q10):
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS[:1]), db, q10)
    before = snapshot(db)
    marker = tmp_path / "marker"
    script = KILL_SCRIPT.format(tests=TESTS, marker=str(marker), file=str(good_template), db=str(db))
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the importing process ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(db) == before
    (r,) = import_responses(good_template, db, q10)
    assert not r.already_imported and r.rows_in == 4


HOLD_SCRIPT = textwrap.dedent("""
    import pathlib, time, duckdb
    con = duckdb.connect({db!r})
    pathlib.Path({marker!r}).write_text("locked")
    time.sleep({seconds})
    con.close()
""")


def _hold(db, marker, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLD_SCRIPT.format(db=str(db), marker=str(marker),
                                                                       seconds=seconds)])
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return proc


def test_concurrent_import_fails_clearly_when_lock_is_held(tmp_path, good_template, q10):
    db = tmp_path / "s.duckdb"
    ResponseStore(db).schema_version()  # create
    proc = _hold(db, tmp_path / "m", 20)
    try:
        with pytest.raises(StoreBusyError) as err:
            import_responses(good_template, ResponseStore(db, timeout=0.5), q10)
    finally:
        proc.kill()
        proc.wait()
    msg = str(err.value)
    assert str(db) in msg and "in use by another process" in msg and f"process {proc.pid}" in msg
    assert "wait for that import to finish" in msg


def test_concurrent_import_waits_for_the_lock(tmp_path, good_template, q10):
    db = tmp_path / "s.duckdb"
    ResponseStore(db).schema_version()
    proc = _hold(db, tmp_path / "m", 1.5)
    try:
        t0 = time.monotonic()
        (r,) = import_responses(good_template, ResponseStore(db, timeout=30), q10)
        waited = time.monotonic() - t0
    finally:
        proc.wait()
    assert r.rows_in == 4 and waited > 0.5


def test_migration_from_version_1(tmp_path, good_template, q10):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    apply_migrations(con, upto=1)
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
    con.close()
    store = ResponseStore(db)
    assert store.ledger().empty  # a read migrates the old store first
    assert store.schema_version() == CURRENT == 4
    (r,) = import_responses(good_template, store, q10)
    assert store.ledger().loc[0, "questionnaire_title"] == "소형 설문"


def test_schema_is_documented_inside_the_file(tmp_path, good_template, q10):
    """A fieldwork manager opening the file in DuckDB finds every table and column explained."""
    db = tmp_path / "s.duckdb"
    import_responses(good_template, db, q10)
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
        undocumented = con.execute("SELECT table_name || '.' || column_name FROM duckdb_columns() "
                                   "WHERE NOT internal AND comment IS NULL AND table_name NOT IN "
                                   "(SELECT view_name FROM duckdb_views())").fetchall()
        role = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'answers_stem_mini_1_0_0' "
                           "AND column_name = 'motives_2'").fetchone()[0]
        overview = con.execute("SELECT row_no, status, quarantine_reasons, warnings FROM rows_overview "
                               "ORDER BY row_no").fetchall()
    finally:
        con.close()
    assert set(tables) >= {"imports", "respondents", "raw_cells", "problems", "answers_stem_mini_1_0_0"}
    assert all(tables.values()), tables
    assert undocumented == []
    assert role == "동기: 자율성 (1 chosen, 0 not chosen)"
    assert overview == [(3, "accepted", 0, 0), (4, "accepted", 0, 0), (5, "accepted", 0, 0), (6, "quarantined", 1, 0)]


def test_store_from_newer_code_is_refused(tmp_path):
    db = tmp_path / "new.duckdb"
    ResponseStore(db).schema_version()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_version VALUES (99, 'future', now())")
    con.close()
    with pytest.raises(ResponsesError, match="newer than this careersurvey"):
        ResponseStore(db).ledger()


def test_not_a_store(tmp_path):
    bogus = tmp_path / "x.duckdb"
    bogus.write_text("hello")
    with pytest.raises(ResponsesError) as err:
        ResponseStore(bogus).ledger()
    assert str(bogus) in str(err.value)


def test_mixed_version_export_stores_each_row_with_its_version(tmp_path):
    from .conftest import DATA

    db = tmp_path / "s.duckdb"
    (r,) = import_responses(DATA / "kobo" / "kobo_values.xlsx", db, [mini("1.0.0"), mini("1.1.0")],
                            form_versions={"vKoboA": "1.0.0", "vKoboB": "1.1.0"})
    assert (r.rows_in, r.accepted, r.quarantined, r.version) == (6, 5, 1, "1.1.0")
    con = duckdb.connect(str(db), read_only=True)
    versions = con.execute("SELECT questionnaire_version, form_version, count(*) FROM respondents "
                           "GROUP BY ALL ORDER BY 1").fetchall()
    repeat = con.execute("SELECT count(DISTINCT row_no) FROM repeat_cells").fetchone()[0]
    con.close()
    assert versions == [("1.0.0", "vKoboA", 4), ("1.1.0", "vKoboB", 2)]
    assert repeat == 5
    stored = ResponseStore(db).problems(r.import_id)
    assert r.warnings == (stored["severity"] == "warning").sum() == 1  # the repeat group, once
    assert not stored["rule"].eq("unknown_column").any()  # hours, motives/3: columns of the other version


def test_unmapped_form_version_is_a_clear_error(tmp_path):
    from .conftest import DATA

    path = DATA / "kobo" / "kobo_values.xlsx"
    with pytest.raises(ResponsesError) as err:
        import_responses(path, tmp_path / "s.duckdb", [mini("1.0.0"), mini("1.1.0")])
    assert str(err.value) == (
        f"{path}: rows carry 2 form versions (vKoboA: 4 rows, vKoboB: 2 rows) and vKoboA, vKoboB are mapped to none "
        "of the questionnaire versions given (stem-mini@1.0.0, stem-mini@1.1.0); rows of different form versions may "
        "differ in what was asked, so each needs its questionnaire version: pass each with -q and map every form "
        "version (--form-version vKoboA=VERSION --form-version vKoboB=VERSION; in Python form_versions={...}); "
        "nothing was stored")


def test_several_form_versions_with_one_questionnaire_stop(tmp_path):
    """Old code: with one questionnaire version given, every row of the two-version export was stored as that
    version and nothing said so. Each form version needs a mapping, or the import stops."""
    from .conftest import DATA

    path = DATA / "kobo" / "kobo_values.xlsx"
    db = tmp_path / "s.duckdb"
    with pytest.raises(ResponsesError) as err:
        import_responses(path, db, mini("1.1.0"))
    assert err.value.code == "version" and "vKoboA, vKoboB are mapped to none of the questionnaire versions " \
        "given (stem-mini@1.1.0)" in str(err.value)
    with pytest.raises(ResponsesError, match="vKoboA is mapped to none"):  # one mapped is not enough
        import_responses(path, db, mini("1.1.0"), form_versions={"vKoboB": "1.1.0"})
    assert ResponseStore(db).counts()["imports"] == 0
    (r,) = import_responses(path, db, mini("1.1.0"), form_versions={"vKoboA": "1.1.0", "vKoboB": "1.1.0"})
    assert (r.rows_in, r.version) == (6, "1.1.0")


def test_raw_cells_beside_clean_values(tmp_path, q10):
    db = tmp_path / "s.duckdb"
    rows = [["0001", 1, "Engineer", " 34 ", 1, 0, 0, 0, 5200, 4, "2019-03-01", "좋습니다"],
            ["0002", 1, 9, 40, 1, 0, 0, 0, 100, 2, None, None]]
    import_responses(write_template(tmp_path / "a.xlsx", q10, rows), db, q10)
    con = duckdb.connect(str(db), read_only=True)
    raw = set(con.execute("SELECT row_no, col, raw FROM raw_cells").fetchall())
    clean = con.execute('SELECT row_no, role, age, comment, "comment@code" FROM answers_stem_mini_1_0_0 '
                        "ORDER BY row_no").fetchall()
    con.close()
    assert {(3, "role", "Engineer"), (3, "age", " 34 "), (3, "comment", "좋습니다"), (3, "start_date", "2019-03-01")} <= raw
    assert (3, "consent", "1") not in raw  # a number cell equal to its clean value
    assert {(4, "consent", "1"), (4, "role", "9"), (4, "age", "40")} <= raw  # quarantined: every cell
    assert clean[0] == (3, 3.0, 34.0, "좋습니다", None)


def test_threads_importing_into_one_store_serialise(tmp_path, q10):
    """Two threads of one process: the second import sees the first's respondents (no duplicate slips in)."""
    from concurrent.futures import ThreadPoolExecutor

    db = tmp_path / "s.duckdb"
    files = [write_template(tmp_path / f"{k}.xlsx", q10, GOOD_ROWS[:3], meta={"note": str(k)}) for k in range(2)]
    with ThreadPoolExecutor(2) as pool:
        results = [f.result()[0] for f in [pool.submit(import_responses, f, db, q10) for f in files]]
    assert sorted(r.accepted for r in results) == [0, 3]
    assert sorted(r.quarantined for r in results) == [0, 3]
    assert snapshot(db)["imports"] == 2

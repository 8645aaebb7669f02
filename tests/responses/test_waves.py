"""Waves in the store: a wave is declared at import and is part of every key (an id is unique within a wave; the
same person may answer in several waves), the ledger, status, problems and exports know it, loading several waves
harmonises them on the newest questionnaire version, and a store from before waves is migrated only once the
user names its wave, in one transaction.

On the small questionnaire of conftest.py in two versions (1.1.0 drops motive 3 and adds ``hours``), with missing
codes, and with a second-wave workbook edited by hand.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app
from careersurvey.responses import store as store_module
from careersurvey.responses.dataset import load_dataset, load_missing, load_responses
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.schema import MIGRATIONS, ROWS_VIEW, Migration
from careersurvey.responses.store import ResponseStore

from .conftest import GOOD_ROWS, mini, write_template

# wave 2026 answers 1.1.0: respondent_id, consent, role, age, motives_1 motives_2 motives_4, pay, hours,
# fof_shame, start_date, comment. 0001 and 0002 are re-interviewed, 0005 is fresh.
ROWS_26 = [
    ["0001", 1, 2, 35, 1, 1, 0, 5600, 45, 3, "2019-03-01", None],
    ["0002", 1, 4, 42, 0, 1, 1, -8, -7, 2, "2012-09-15", "바뀐 것이 없습니다"],
    ["0005", 1, 1, 23, 1, 0, 0, 1500, 60, 5, "2025-03-02", None],
]


@pytest.fixture(autouse=True)
def registered_mini(monkeypatch):
    """stem-mini@VERSION found as if it were in the program's survey folder."""
    from careersurvey.responses import importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: mini(spec.partition("@")[2]))


@pytest.fixture
def two_waves(tmp_path, q10, q11):
    """A store: wave 2025 on 1.0.0 (0004 quarantined for a formula), wave 2026 on 1.1.0 (0001, 0002 again)."""
    db = tmp_path / "s.duckdb"
    (a,) = import_responses(write_template(tmp_path / "w25.xlsx", q10, GOOD_ROWS), db, q10, wave="2025")
    (b,) = import_responses(write_template(tmp_path / "w26.xlsx", q11, ROWS_26), db, q11, wave=2026)
    return db, a, b


def test_the_same_person_in_another_wave_is_a_new_row_not_a_duplicate(two_waves, tmp_path, q11):
    db, a, b = two_waves
    assert (a.wave, a.accepted, a.quarantined) == ("2025", 3, 1)
    assert (b.wave, b.accepted, b.quarantined) == ("2026", 3, 0)
    store = ResponseStore(db)
    assert store.waves() == ["2025", "2026"]
    assert store.ledger()["wave"].tolist() == ["2025", "2026"]
    assert "duplicate_id_store" not in set(store.problems()["rule"])
    # within a wave an id is still unique: a late 2026 file repeating 0002 is quarantined, naming the wave
    (c,) = import_responses(write_template(tmp_path / "late26.xlsx", q11, [ROWS_26[1][:1] + ROWS_26[0][1:]]), db,
                            q11, wave="2026")
    assert (c.accepted, c.quarantined) == (0, 1)
    p = store.problems(c.import_id)
    assert p["wave"].tolist() == ["2026"]
    assert p.loc[0, "message"] == ("respondent_id '0002' was already imported (w26.xlsx row 4 in wave 2026); "
                                   "remove the row or correct the id")


def test_reimporting_a_file_adds_nothing_and_another_wave_is_refused(two_waves, tmp_path):
    db, a, b = two_waves
    before = ResponseStore(db).counts()
    (again,) = import_responses(tmp_path / "w26.xlsx", db, wave="2026")
    (again_default,) = import_responses(tmp_path / "w26.xlsx", db)
    assert again.already_imported and again_default.already_imported and again.wave == "2026"
    with pytest.raises(ResponsesError) as err:
        import_responses(tmp_path / "w26.xlsx", db, wave="2027")
    assert err.value.code == "wave"
    assert "already imported into wave 2026 (import 2, w26.xlsx)" in str(err.value)
    assert "nothing was added to wave 2027" in str(err.value)
    assert ResponseStore(db).counts() == before and ResponseStore(db).waves() == ["2025", "2026"]


def test_a_store_with_several_waves_needs_the_wave_named(two_waves, tmp_path, q11):
    db, *_ = two_waves
    with pytest.raises(ResponsesError) as err:
        import_responses(write_template(tmp_path / "x.xlsx", q11, ROWS_26[2:]), db, q11)
    assert str(err.value).endswith("the store holds waves 2025, 2026; say which wave this file belongs to with "
                                   "--wave (in Python wave=...); nothing was stored")
    for bad in ("", "20 26", "../x", "-1", "a" * 33, True, 1.5):
        with pytest.raises(ResponsesError, match="is not a wave name"):
            import_responses(tmp_path / "x.xlsx", db, q11, wave=bad)
    assert ResponseStore(db).counts()["imports"] == 2


def test_one_wave_stores_need_no_wave_named(tmp_path, q10):
    db = tmp_path / "s.duckdb"
    (a,) = import_responses(write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS[:2]), db, q10)
    (b,) = import_responses(write_template(tmp_path / "b.xlsx", q10, GOOD_ROWS[2:]), db, q10)
    assert a.wave == b.wave == "1"
    assert load_responses(db)["wave"].tolist() == ["1"] * 3


def test_loading_waves_harmonises_versions_on_the_newest(two_waves):
    db, *_ = two_waves
    df = load_responses(db, labels=False)
    assert df.columns[:4].tolist() == ["respondent_id", "wave", "import_id", "questionnaire_version"]
    assert df["wave"].dtype == "string" and df["respondent_id"].dtype == "string"
    assert list(zip(df["wave"], df["respondent_id"], df["questionnaire_version"])) == [
        ("2025", "0001", "1.0.0"), ("2025", "0002", "1.0.0"), ("2025", "0003", "1.0.0"),
        ("2026", "0001", "1.1.0"), ("2026", "0002", "1.1.0"), ("2026", "0005", "1.1.0")]
    assert "motives_3" not in df.columns and "hours" in df.columns
    missing = load_missing(db).fillna(0)
    assert missing["hours"].tolist() == [-6, -6, -6, 0, -7, 0]  # -6: not asked in 1.0.0
    assert df["hours"].fillna(0).tolist() == [0, 0, 0, 45, 0, 60]
    assert missing["pay"].tolist() == [0, 0, 0, 0, -8, 0] and missing["age"].tolist() == [0, 0, -9, 0, 0, 0]
    assert df["age"].fillna(0).tolist() == [34, 41, 0, 35, 42, 23]


def test_loading_some_waves(two_waves):
    db, *_ = two_waves
    first = load_dataset(db, waves=["2025"], labels=False)
    assert first.questionnaire.version == "1.0.0" and "motives_3" in first.data.columns  # newest among its rows
    assert first.data["wave"].unique().tolist() == ["2025"]
    second = load_responses(db, waves="2026")
    assert second["respondent_id"].tolist() == ["0001", "0002", "0005"]
    assert second["role"].tolist() == ["연구원", "의사", "학생"]
    both = load_responses(db, waves=["2026", 2025])  # store order, whatever order they are named in
    assert both["wave"].unique().tolist() == ["2025", "2026"]
    with pytest.raises(ResponsesError) as err:
        load_responses(db, waves=["2024"])
    assert str(err.value).endswith("the store holds no wave 2024 (its waves: 2025, 2026)")


def test_a_late_file_of_an_earlier_wave_loads_with_its_wave(two_waves, tmp_path, q10):
    db, *_ = two_waves
    import_responses(write_template(tmp_path / "late25.xlsx", q10, [["0009", *GOOD_ROWS[0][1:]]]), db, q10,
                     wave="2025")
    df = load_responses(db)
    assert df["respondent_id"].tolist() == ["0001", "0002", "0003", "0009", "0001", "0002", "0005"]
    assert df["wave"].tolist() == ["2025"] * 4 + ["2026"] * 3


def test_a_hand_edited_second_wave_workbook(tmp_path, q10, q11):
    """Someone typed into the 2026 workbook: a number as text with spaces, a label for a code, an id without its
    leading zeros, a deleted row; each row is stored or quarantined in wave 2026 with its reason."""
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "w25.xlsx", q10, GOOD_ROWS), db, q10, wave="2025")
    path = write_template(tmp_path / "w26.xlsx", q11, ROWS_26 + [["0003", 1, 3, 50, 0, 0, 1, 7000, 40, 4, None, None]])
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    ws["D3"] = " 36 "  # age of 0001 typed as text
    ws["C5"] = "학생"  # role of 0005 as its label
    ws["A6"] = 3  # 0003 typed as a number: the leading zeros are gone
    ws.delete_rows(4)  # 0002 deleted
    wb.save(path)
    (r,) = import_responses(path, db, q11, wave="2026")
    assert r.rows_in == r.accepted + r.quarantined == 3
    df = load_responses(db, waves="2026", labels=False)
    # the id typed as a number is kept as the text it became ("3"): not 0003 of wave 2025, and no duplicate either
    assert df["respondent_id"].tolist() == ["0001", "0005", "3"] and (r.accepted, r.quarantined) == (3, 0)
    assert df.loc[df["respondent_id"] == "0001", "age"].tolist() == [36]
    assert df.loc[df["respondent_id"] == "0005", "role"].tolist() == [1]
    problems = ResponseStore(db).problems(r.import_id)
    assert set(problems["wave"]) <= {"2026"}
    assert not (problems["rule"] == "duplicate_id_store").any()
    # the earlier wave is untouched
    assert load_responses(db, waves="2025")["respondent_id"].tolist() == ["0001", "0002", "0003"]


# -- a store from before waves -------------------------------------------------------------------------------
def _as_version_3(db) -> None:
    """Turn a store written now into the store schema 3 wrote (no wave columns, the old index and view)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("DROP VIEW rows_overview; DROP INDEX respondents_by_wave_id; "
                    "ALTER TABLE imports DROP COLUMN wave; ALTER TABLE respondents DROP COLUMN wave; "
                    "CREATE INDEX respondents_by_id ON respondents (respondent_id); "
                    "DELETE FROM schema_version WHERE version > 3;" + ROWS_VIEW)
    finally:
        con.close()


def _version(db) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def old_store(tmp_path, q10):
    db = tmp_path / "old.duckdb"
    import_responses(write_template(tmp_path / "w25.xlsx", q10, GOOD_ROWS), db, q10)
    _as_version_3(db)
    assert _version(db) == 3
    return db


def test_an_old_store_with_imports_asks_for_its_wave(old_store):
    for action in (lambda: ResponseStore(old_store).ledger(), lambda: load_responses(old_store),
                   lambda: import_responses(old_store.with_name("w25.xlsx"), old_store, wave="2026")):
        with pytest.raises(ResponsesError) as err:
            action()
        assert err.value.code == "store_needs_wave"
        assert str(err.value) == (
            f"{old_store}: the store was written before waves (schema version 3) and holds 1 import; name the wave "
            f"they belong to, once: `careersurvey responses migrate --store {old_store} --wave 2025` (in Python "
            "cs.migrate_store(store, wave='2025')). Nothing was changed")
    assert _version(old_store) == 3


def test_migrating_names_the_wave_of_every_earlier_row(old_store, tmp_path, q11):
    assert cs.migrate_store(old_store, 2025) == 4
    store = ResponseStore(old_store)
    assert store.waves() == ["2025"] and store.ledger()["wave"].tolist() == ["2025"]
    con = duckdb.connect(str(old_store), read_only=True)
    try:
        rows = con.execute("SELECT wave, respondent_id, status FROM rows_overview ORDER BY row_no").fetchall()
        nulls = con.execute("SELECT count(*) FROM respondents WHERE wave IS NULL").fetchone()[0]
        comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'respondents' "
                              "AND column_name = 'wave'").fetchone()[0]
    finally:
        con.close()
    assert rows == [("2025", "0001", "accepted"), ("2025", "0002", "accepted"), ("2025", "0003", "accepted"),
                    ("2025", "0004", "quarantined")]
    assert nulls == 0 and comment.startswith("Wave of the row")
    (b,) = import_responses(write_template(tmp_path / "w26.xlsx", q11, ROWS_26), old_store, q11, wave="2026")
    assert (b.accepted, b.quarantined) == (3, 0)
    assert cs.migrate_store(old_store, "2099") == 4 and store.waves() == ["2025", "2026"]  # current: left alone


def test_a_failed_migration_leaves_the_old_store_as_it_was(old_store, monkeypatch):
    """One transaction: an error after the columns were added (as a kill -9 before the commit) undoes them."""
    broken = tuple(m if m.version != 4 else Migration(4, m.description, m.sql + "\nSELECT no_such_function();",
                                                       m.needs) for m in MIGRATIONS)
    monkeypatch.setattr(store_module, "MIGRATIONS", broken)
    with pytest.raises(duckdb.Error):
        cs.migrate_store(old_store, "2025")
    assert _version(old_store) == 3
    con = duckdb.connect(str(old_store), read_only=True)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE respondents").fetchall()]
        count = con.execute("SELECT count(*) FROM respondents").fetchone()[0]
    finally:
        con.close()
    assert "wave" not in columns and count == 4


MIGRATE_KILL_SCRIPT = textwrap.dedent("""
    import pathlib, time
    from careersurvey.responses import store as store_mod
    from careersurvey.responses.schema import Migration
    from careersurvey.responses.waves import migrate_store

    def pause(x):
        pathlib.Path({marker!r}).write_text("inside")
        time.sleep(60)
        return x

    real = store_mod.apply_migrations

    def slow(con, **kw):
        con.create_function("waves_pause", pause, ["INTEGER"], "INTEGER", side_effects=True)
        return real(con, **kw)

    store_mod.apply_migrations = slow
    store_mod.MIGRATIONS = tuple(m if m.version != 4 else Migration(4, m.description, m.sql + "\\nSELECT waves_pause(1);",
                                 m.needs) for m in store_mod.MIGRATIONS)
    migrate_store({db!r}, "2025")
""")


def test_kill_9_mid_migration_leaves_the_old_store(old_store, tmp_path):
    """The process migrating is killed after the wave columns were added and filled, before the commit."""
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", MIGRATE_KILL_SCRIPT.format(marker=str(marker), db=str(old_store))])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the migrating process ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _version(old_store) == 3
    con = duckdb.connect(str(old_store), read_only=True)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE imports").fetchall()]
        count = con.execute("SELECT count(*) FROM respondents").fetchone()[0]
    finally:
        con.close()
    assert "wave" not in columns and count == 4
    assert cs.migrate_store(old_store, "2025") == 4 and ResponseStore(old_store).waves() == ["2025"]


def test_cli_import_status_problems_export_and_migrate_know_the_wave(tmp_path, q10, q11, old_store):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, [str(a) for a in args])

    m = run("responses", "status", "--store", old_store)
    assert m.exit_code == 1 and "responses migrate --store" in m.output
    m = run("responses", "migrate", "--store", old_store, "--wave", "2025")
    assert m.exit_code == 0, m.output
    assert m.stdout.strip() == f"{old_store}: migrated from schema version 3 to 4; its imports are wave 2025"
    m = run("responses", "migrate", "--store", old_store, "--wave", "2025")
    assert m.stdout.strip() == f"{old_store}: already at schema version 4 (waves 2025); nothing changed"
    book = write_template(tmp_path / "w26.xlsx", q11, ROWS_26 + [["0002", *ROWS_26[0][1:]]])
    r = run("responses", "import", book, "--store", old_store, "--wave", "2026", "-q", "stem-mini@1.1.0")
    assert r.exit_code == 0, r.output
    assert "4 rows -> 3 accepted, 1 quarantined" in r.stdout and "wave 2026, import 2)" in r.stdout
    s = run("responses", "status", "--store", old_store)
    assert "  wave 2025: 1 import, 4 rows: 3 accepted, 1 quarantined" in s.stdout
    assert "  wave 2026: 1 import, 4 rows: 3 accepted, 1 quarantined" in s.stdout
    assert "  import 2 (wave 2026): w26.xlsx" in s.stdout
    p = run("responses", "problems", "--store", old_store)
    assert f"[quarantine] wave 2026: {book}, sheet Responses, row 6: respondent_id '0002' occurs more than once" \
        in p.stdout and "[quarantine] wave 2025: " in p.stdout
    out = tmp_path / "w26.csv"
    e = run("responses", "export", "--store", old_store, "--format", "csv", "--out", out, "--wave", "2026")
    assert e.exit_code == 0, e.output
    back = pd.read_csv(out, dtype=str)
    assert back["wave"].tolist() == ["2026"] * 3 and back["respondent_id"].tolist() == ["0001", "0002", "0005"]
    bad = run("responses", "import", book, "--store", old_store, "--wave", "w 3")
    assert bad.exit_code == 2 and "is not a wave name" in bad.output

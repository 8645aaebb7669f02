"""The store under a real fieldwork season: owner-only files, honest failures (full disk, read-only store),
bounded messages, an exact row limit, and a workbook that cannot choose which questionnaire file is read."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app
from careersurvey.responses.problems import ResponsesError, excerpt
from careersurvey.responses.readers import read_responses
from careersurvey.responses.store import ImportWriter, ResponseStore

from .conftest import GOOD_ROWS, mini, write_template

REPO = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_and_its_wal_are_owner_only_under_a_permissive_umask(tmp_path, good_template, q10, umask_022):
    store = tmp_path / "s.duckdb"
    seen = {}
    real_finish = ImportWriter.finish

    def finish_and_look(self, *args):  # the WAL exists while the import's transaction writes
        result = real_finish(self, *args)
        seen.update({p.name: _mode(p) for p in tmp_path.glob("s.duckdb*")})
        return result

    ImportWriter.finish = finish_and_look
    try:
        cs.import_responses(good_template, store, questionnaire=q10)
    finally:
        ImportWriter.finish = real_finish
    assert seen.get("s.duckdb.wal") == 0o600, seen
    assert seen["s.duckdb"] == 0o600
    assert _mode(store) == 0o600
    assert {p.name for p in tmp_path.glob("s.duckdb*")} <= {"s.duckdb", "s.duckdb.wal"}
    assert os.umask(0o022) == 0o022  # the caller's umask is given back
    # a file written after the import (not an answer file) gets the user's usual permissions again
    other = tmp_path / "other.txt"
    other.write_text("x")
    assert _mode(other) == 0o644


_FULL_DISK = textwrap.dedent("""
    import resource, signal, sys
    sys.path.insert(0, {repo!r})
    from tests.responses.conftest import mini, write_template
    import careersurvey as cs
    from careersurvey.responses.problems import ResponsesError
    q = mini()
    rows = [[f"{{i:05d}}", 1, 2, 34, 1, 0, 1, 0, 5200, 4, "2019-03-01", "x" * 200] for i in range(3000)]
    write_template("big.xlsx", q, rows)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)           # the file-size limit: writes fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))
    try:
        cs.import_responses("big.xlsx", "s.duckdb", questionnaire=q)
    except ResponsesError as exc:
        print("ResponsesError|" + exc.code + "|" + str(exc))
    except Exception as exc:
        print("OTHER|" + type(exc).__name__ + "|" + str(exc))
""")


def test_a_failed_write_reports_the_real_cause_and_leaves_the_store_as_it_was(tmp_path, good_template, q10):
    """A disk that refuses writes (here: a file-size limit, as a full disk does): the error says the system's
    own words and names the file; the store keeps what it had and takes the next import."""
    store = tmp_path / "s.duckdb"
    cs.import_responses(good_template, store, questionnaire=q10)
    before = ResponseStore(store).counts()
    run = subprocess.run([sys.executable, "-c", _FULL_DISK.format(repo=str(REPO))], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])})
    out = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    kind, code, message = out.split("|", 2)
    assert (kind, code) == ("ResponsesError", "store_write"), out
    assert "File too large" in message and "s.duckdb.wal" in message
    assert message.startswith("s.duckdb: the store could not be written (")
    assert "nothing of this file was stored" in message and "Free space" in message
    assert "TransactionContext Error: cannot rollback" not in message
    assert ResponseStore(store).counts() == before
    again = write_template(tmp_path / "next.xlsx", q10, [["0009", 1, 2, 30, 1, 0, 0, 0, 100, 3, None, None]])
    assert cs.import_responses(again, store, questionnaire=q10)[0].accepted == 1


def test_read_only_commands_work_on_a_store_that_cannot_be_written(tmp_path, good_template, q10, monkeypatch):
    """status, problems and export open the store read-only: a store on read-only media (or not the user's to
    write) serves them. Any attempt to open it for writing fails here as the file system would make it fail."""
    import duckdb

    store = tmp_path / "s.duckdb"
    cs.import_responses(good_template, store, questionnaire=q10)
    real_connect = duckdb.connect

    def read_only_media(database, read_only=False, **kwargs):
        if not read_only and Path(database) == store:
            raise duckdb.IOException(f'IO Error: Cannot open file "{database}": Read-only file system')
        return real_connect(database, read_only=read_only, **kwargs)

    monkeypatch.setattr(duckdb, "connect", read_only_media)
    import careersurvey.responses.importer as importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: q10)  # stem-mini is not in survey/
    runner = CliRunner()
    status = runner.invoke(app, ["responses", "status", "--store", str(store)])
    assert status.exit_code == 0, status.output
    assert "1 import, 4 rows: 3 accepted, 1 quarantined (schema version" in status.output.replace("\n", " ")
    problems = runner.invoke(app, ["responses", "problems", "--store", str(store)])
    assert problems.exit_code == 0, problems.output
    out = tmp_path / "out.csv"
    export = runner.invoke(app, ["responses", "export", "--store", str(store), "--format", "csv", "--out", str(out),
                                 "--questionnaire", "stem-mini@1.0.0"])
    assert export.exit_code == 0, export.output
    assert out.is_file()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files; the test above covers root")
def test_status_on_a_read_only_store_file(tmp_path, good_template, q10):
    store = tmp_path / "s.duckdb"
    cs.import_responses(good_template, store, questionnaire=q10)
    store.chmod(0o400)
    result = CliRunner().invoke(app, ["responses", "status", "--store", str(store)])
    assert result.exit_code == 0, result.output


def test_problem_messages_show_a_bounded_excerpt_of_a_huge_value(tmp_path, q10):
    huge = "9" * 100_000  # more than a workbook cell holds (32,767): a CSV
    path = tmp_path / "huge.csv"
    path.write_text(f"respondent_id,consent,role,age\n0001,1,2,{huge}\n", encoding="utf-8")
    result = cs.import_responses(path, tmp_path / "s.duckdb", questionnaire=q10)[0]
    assert result.quarantined == 1
    found = ResponseStore(tmp_path / "s.duckdb").problems()
    message = found.loc[found["item"] == "age", "message"].iloc[0]
    assert len(message) < 250, len(message)
    assert "(100,000 characters)" in message and "…" in message
    assert message.startswith("age: '9999")
    assert excerpt("short") == "'short'"
    assert excerpt("a" * 61) == "'" + "a" * 40 + "…" + "a" * 19 + "' (61 characters)"


def test_the_csv_row_limit_is_exact(tmp_path):
    header = "respondent_id,consent\n"
    at_limit = tmp_path / "at.csv"
    at_limit.write_text(header + "".join(f"{i},1\n" for i in range(20)))
    assert len(read_responses(at_limit, max_rows=20).rows) == 20
    over = tmp_path / "over.csv"
    over.write_text(header + "".join(f"{i},1\n" for i in range(21)))
    with pytest.raises(ResponsesError) as err:
        read_responses(over, max_rows=20)
    assert err.value.code == "too_many_rows"
    assert "21 data rows, more than the limit of 20" in str(err.value)
    # a quoted comment spanning lines is one record, not several
    multi = tmp_path / "multi.csv"
    multi.write_text(header.replace("\n", ",comment\n")
                     + "".join(f'{i},1,"line one\nline two\nline three"\n' for i in range(20)))
    assert len(read_responses(multi, max_rows=20).rows) == 20


@pytest.mark.parametrize("named", ["/etc/hostname", "../secret.yaml", "survey/stem-mini/9.9.9.yaml",
                                   "stem-mini@1.0.0/../../x"])
def test_a_workbook_cannot_name_a_file_to_read_as_its_questionnaire(tmp_path, named):
    secret = tmp_path / "secret.yaml"
    secret.write_text("the first line of a secret\n")
    path = write_template(tmp_path / "w.xlsx", mini(), GOOD_ROWS, meta={"questionnaire_id": named, "version": ""})
    with pytest.raises(ResponsesError) as err:
        cs.import_responses(path, tmp_path / "s.duckdb")
    text = str(err.value)
    assert err.value.code == "no_questionnaire"
    assert "secret" not in text.replace(named, "") and "hostname" not in text.replace(named, "")
    assert "not an id@version" in text and "pass --questionnaire id@version" in text
    assert not (tmp_path / "s.duckdb").exists() or ResponseStore(tmp_path / "s.duckdb").counts()["rows_in"] == 0

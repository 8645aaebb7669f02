"""``careersurvey responses``: import (--json, exit codes), status, problems, export."""

from __future__ import annotations

import json

import pandas as pd
import pyreadstat
from typer.testing import CliRunner

from careersurvey.cli.responses import app

from .conftest import DATA, GOOD_ROWS, write_template

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_import_json_then_reimport(tmp_path, q10, monkeypatch):
    import careersurvey.responses.importer as importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: q10)
    f = write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS)
    db = tmp_path / "s.duckdb"
    r = run("import", f, "--store", db, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.strip())
    assert {k: out[k] for k in ("questionnaire", "version", "rows_in", "accepted", "quarantined", "warnings",
                                "already_imported")} == {
        "questionnaire": "stem-mini", "version": "1.0.0", "rows_in": 4, "accepted": 3, "quarantined": 1,
        "warnings": 0, "already_imported": False}
    assert out["file"] == "a.xlsx" and len(out["sha256"]) == 64
    again = json.loads(run("import", f, "--store", db, "--json").stdout.strip())
    assert again["already_imported"] is True and again["accepted"] == 3
    fresh = run("import", f, "--store", tmp_path / "t.duckdb")
    assert "4 rows -> 3 accepted, 1 quarantined" in fresh.stdout and "  1 formula; see" in fresh.stdout
    text = run("import", f, "--store", db)
    assert "already imported" in text.stdout and "nothing added" in text.stdout


def test_unreadable_file_exits_2_and_others_still_import(tmp_path, q10, monkeypatch):
    import careersurvey.responses.importer as importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: q10)
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    good = write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS[:2])
    db = tmp_path / "s.duckdb"
    r = run("import", bad, good, "--store", db, "--json")
    assert r.exit_code == 2
    lines = [json.loads(x) for x in r.stdout.strip().splitlines()]
    assert lines[0]["code"] == "damaged" and "broken.xlsx" in lines[0]["error"]
    assert lines[1]["accepted"] == 2
    assert "damaged or truncated" in r.stderr


def test_status_problems_export(tmp_path, q10, monkeypatch):
    import careersurvey.responses.importer as importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: q10)
    db = tmp_path / "s.duckdb"
    run("import", write_template(tmp_path / "a.xlsx", q10, GOOD_ROWS), "--store", db)
    status = run("status", "--store", db, "--json")
    assert status.exit_code == 0
    counts = json.loads(status.stdout)["counts"]
    assert counts["rows_in"] == counts["accepted"] + counts["quarantined"] == 4
    probs = run("problems", "--store", db)
    assert "[quarantine]" in probs.stdout and "row 6" in probs.stdout and "formula" in probs.stdout
    run("import", DATA / "kobo" / "kobo_values.csv", "--store", db, "-q", "stem-mini@1.0.0",
        "--form-version", "vKoboA=1.0.0", "--form-version", "vKoboB=1.0.0")  # both versions read as 1.0.0
    probs = run("problems", "--store", db)
    assert probs.exit_code == 0, probs.output
    assert "[warning] kobo_values.csv: column 'hours' is not an item of stem-mini@1.0.0" in probs.stdout.replace(
        str(DATA / "kobo") + "/", "")
    xlsx = tmp_path / "p.xlsx"
    assert run("problems", "--store", db, "--out", xlsx).exit_code == 0
    back = pd.read_excel(xlsx, dtype=str, engine="openpyxl")
    assert back.loc[0, "rule"] == "formula" and back.loc[0, "value"] == "=SUM(A1:A3) is what I typed"
    sav = tmp_path / "d.sav"
    e = run("export", "--store", db, "--format", "sav", "--out", sav)
    assert e.exit_code == 0, e.output
    df, _ = pyreadstat.read_sav(str(sav))
    assert len(df) == 6  # 3 from the template, 3 new ids from the CSV (0001-0003 were quarantined there)
    assert f"{sav}: 6 accepted rows, 15 columns" in e.stdout
    assert f"not exported: 4 quarantined rows; see `careersurvey responses problems --store {db}`" in e.stdout
    text = run("status", "--store", db).stdout
    assert "2 imports, 10 rows: 6 accepted, 4 quarantined" in text
    assert "a.xlsx (template) stem-mini@1.0.0: 4 rows, 3 accepted, 1 quarantined, 0 warnings;" in text


def test_kobo_mixed_versions_from_cli(tmp_path, monkeypatch):
    import careersurvey.responses.importer as importer

    from .conftest import mini

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: mini(spec.partition("@")[2]))
    r = run("import", DATA / "kobo" / "kobo_values.xlsx", "--store", tmp_path / "s.duckdb", "-q", "stem-mini@1.0.0",
            "-q", "stem-mini@1.1.0", "--form-version", "vKoboA=1.0.0", "--form-version", "vKoboB=1.1.0", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["rows_in"] == 6
    bad = run("import", DATA / "kobo" / "kobo_values.xlsx", "--store", tmp_path / "t.duckdb", "--form-version", "x")
    assert bad.exit_code == 1 and "EXPORT_VERSION=QUESTIONNAIRE_VERSION" in bad.stderr


def test_missing_store_is_a_clear_error(tmp_path):
    r = run("status", "--store", tmp_path / "none.duckdb")
    assert r.exit_code == 1 and "no response store here yet" in r.stderr


def test_errors_keep_brackets_in_names(tmp_path):
    """Messages are printed as text, not rich markup: a file or item name in brackets stays whole."""
    bad = tmp_path / "wave[2].xlsx"
    bad.write_text("a,b\n", encoding="utf-8")
    r = run("import", bad, "--store", tmp_path / "s.duckdb")
    assert r.exit_code == 2 and "wave[2].xlsx" in r.stderr
    r = run("import", bad, "--store", tmp_path / "s.duckdb", "--form-version", "[v1]")
    assert r.exit_code != 0 and "'[v1]'" in r.stderr

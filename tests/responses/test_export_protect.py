"""Exports that hold answers: owner-only files, CSV fields with line breaks quoted, sensitive items left out,
respondent ids pseudonymised with a keyed hash (checked against HMAC-SHA256 computed here)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import stat

import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from careersurvey.cli import app
from careersurvey.responses.dataset import load_responses
from careersurvey.responses.export import export_responses
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError

from .conftest import GOOD_ROWS, mini, write_template

KEY = b"0123456789abcdef0123456789abcdef"


@pytest.fixture
def store(tmp_path):
    db = tmp_path / "s.duckdb"
    q = mini()
    import_responses(write_template(tmp_path / "a.xlsx", q, GOOD_ROWS[:3]), db, q)
    path = tmp_path / "b.csv"
    path.write_text("respondent_id,consent,role,age,motives_1,motives_2,motives_3,motives_4,pay,fof_shame,"
                    'start_date,comment\n0009,1,1,25,0,1,0,0,-7,5,2024-03-02,"\r=1+1"\n'
                    '0010,1,2,30,1,0,0,0,7000,2,2024-03-02,"one\ntwo"\n', encoding="utf-8")
    import_responses(path, db, q)
    return db


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav", "dta"])
def test_every_export_is_owner_only_unless_asked_otherwise(store, tmp_path, fmt, umask_022):
    out = tmp_path / f"d.{fmt}"
    out.write_bytes(b"an older file, readable by all")
    out.chmod(0o644)
    export_responses(store, out, questionnaire=mini())
    assert _mode(out) == 0o600
    shared = tmp_path / f"shared.{fmt}"
    export_responses(store, shared, questionnaire=mini(), private=False)
    assert _mode(shared) == 0o644


def test_csv_quotes_fields_holding_a_carriage_return_or_a_line_feed(store, tmp_path):
    out = tmp_path / "d.csv"
    export_responses(store, out, questionnaire=mini())
    raw = out.read_bytes().decode("utf-8-sig")
    assert '"\'\r=1+1"' in raw and '"one\ntwo"' in raw  # (the formula-like text keeps its neutralising ')
    # a reader that ends records at a bare CR (or LF) outside quotes sees exactly the rows exported
    records = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(records) == 1 + 5
    assert [r[-1] for r in records[1:] if r[0] in ("0009", "0010")] == ["'\r=1+1", "one\ntwo"]
    assert all(len(r) == len(records[0]) for r in records)


def test_drop_sensitive_leaves_out_every_sensitive_item(store, tmp_path):
    q = mini()
    assert [i.name for i in q.items if i.sensitive] == ["pay"]
    full = pd.read_csv(export_responses(store, tmp_path / "full.csv", questionnaire=q).paths[0], dtype=str)
    assert "pay" in full.columns
    out = export_responses(store, tmp_path / "d.csv", questionnaire=q, drop_sensitive=True)
    kept = pd.read_csv(out.paths[0], dtype=str)
    assert list(kept.columns) == [c for c in full.columns if c != "pay"]
    pd.testing.assert_frame_equal(kept, full.drop(columns="pay"))
    sav = export_responses(store, tmp_path / "d.sav", questionnaire=q, drop_sensitive=True).paths[0]
    frame, meta = pyreadstat.read_sav(str(sav))
    assert "pay" not in frame.columns and "pay" not in meta.column_names_to_labels


def test_pseudonymise_replaces_ids_and_kept_sensitive_values_by_their_keyed_hash(store, tmp_path):
    keyfile = tmp_path / "key"
    keyfile.write_bytes(KEY + b"\n")
    q = mini()
    full = pd.read_csv(export_responses(store, tmp_path / "full.csv", questionnaire=q).paths[0], dtype=str)
    out = pd.read_csv(export_responses(store, tmp_path / "p.csv", questionnaire=q, pseudonymise=keyfile).paths[0],
                      dtype=str, keep_default_na=False)

    def mac(text: str) -> str:
        return hmac.new(KEY, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    assert out["respondent_id"].tolist() == [mac(i) for i in full["respondent_id"]]
    stored = load_responses(store, mini(), labels=False)["pay"].astype("string")  # 5200.0, NA for -7/-8
    assert out["pay"].tolist() == [mac(v) if v is not pd.NA else "" for v in stored]
    assert KEY.decode() not in (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    again = export_responses(store, tmp_path / "p2.csv", questionnaire=q, pseudonymise=keyfile).paths[0]
    assert (tmp_path / "p2.csv").read_bytes() == (tmp_path / "p.csv").read_bytes() and again.exists()
    other = tmp_path / "other"
    other.write_bytes(b"another key, long enough to use")
    third = pd.read_csv(export_responses(store, tmp_path / "p3.csv", questionnaire=q, pseudonymise=other).paths[0],
                        dtype=str)
    assert not set(third["respondent_id"]) & set(out["respondent_id"])
    both = pd.read_csv(export_responses(store, tmp_path / "p4.csv", questionnaire=q, pseudonymise=keyfile,
                                        drop_sensitive=True).paths[0], dtype=str)
    assert "pay" not in both.columns and both["respondent_id"].tolist() == out["respondent_id"].tolist()


@pytest.mark.parametrize(("content", "says"), [(b"short", "the key has 5 bytes"), (None, "does not exist")])
def test_a_bad_key_file_is_named_and_nothing_is_written(store, tmp_path, content, says):
    keyfile = tmp_path / "key"
    if content is not None:
        keyfile.write_bytes(content)
    with pytest.raises(ResponsesError) as err:
        export_responses(store, tmp_path / "p.csv", questionnaire=mini(), pseudonymise=keyfile)
    assert str(err.value).startswith(f"{keyfile}: ") and says in str(err.value)
    assert not (tmp_path / "p.csv").exists()


def test_cli_export_flags(store, tmp_path, monkeypatch, umask_022):
    import careersurvey.responses.importer as importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: mini())
    keyfile = tmp_path / "key"
    keyfile.write_bytes(KEY)
    out = tmp_path / "p.csv"
    r = CliRunner().invoke(app, ["responses", "export", "--store", str(store), "--format", "csv", "--out", str(out),
                                 "-q", "stem-mini@1.0.0", "--drop-sensitive", "--pseudonymise", str(keyfile)])
    assert r.exit_code == 0, r.output
    data = pd.read_csv(out, dtype=str)
    assert "pay" not in data.columns and data["respondent_id"].str.fullmatch("[0-9a-f]{32}").all()
    assert _mode(out) == 0o600
    shared = tmp_path / "s.csv"
    r = CliRunner().invoke(app, ["responses", "export", "--store", str(store), "--format", "csv", "--out",
                                 str(shared), "-q", "stem-mini@1.0.0", "--no-private"])
    assert r.exit_code == 0, r.output
    assert _mode(shared) == 0o644
    problems = tmp_path / "problems.csv"
    r = CliRunner().invoke(app, ["responses", "problems", "--store", str(store), "--out", str(problems)])
    assert r.exit_code == 0, r.output
    assert _mode(problems) == 0o600

"""Panel linkage: persons across waves under a keyed pseudonymous panel id (HMAC-SHA256 of the id's text, as
computed here with hmac directly), long and wide files with neither ids nor key in them, and the attrition table
(counts checked against sets of persons built by hand).

On the small questionnaire of conftest.py in two versions, with missing codes, and on a three-wave frame written
here with a person who skips a wave.
"""

from __future__ import annotations

import hashlib
import hmac
import stat

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app
from careersurvey.responses.export import export_panel
from careersurvey.responses.importer import import_responses
from careersurvey.responses.panel import PANEL_ID, attrition, panel_long, panel_wide
from careersurvey.responses.problems import ResponsesError

from .conftest import GOOD_ROWS, mini, write_template
from .test_waves import ROWS_26

KEY = b"0123456789abcdef0123456789abcdef"


def _hmac(text: str, key: bytes = KEY) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@pytest.fixture(autouse=True)
def registered_mini(monkeypatch):
    from careersurvey.responses import importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: mini(spec.partition("@")[2]))


@pytest.fixture
def store(tmp_path, q10, q11):
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "w25.xlsx", q10, GOOD_ROWS), db, q10, wave="2025")
    import_responses(write_template(tmp_path / "w26.xlsx", q11, ROWS_26), db, q11, wave="2026")
    return db


def test_the_panel_id_is_the_keyed_hash_of_the_id_and_links_waves(store):
    data = cs.load_responses(store, labels=False)
    long = panel_long(data, KEY)
    assert long.columns[:2].tolist() == [PANEL_ID, "wave"]
    assert "respondent_id" not in long.columns and "import_id" not in long.columns
    assert long[PANEL_ID].tolist() == [_hmac(i) for i in data["respondent_id"]]
    assert long[PANEL_ID].iloc[0] == long[PANEL_ID].iloc[3]  # 0001 in 2025 and in 2026
    other = panel_long(data, b"another key of sixteen bytes or more")
    assert not set(other[PANEL_ID]) & set(long[PANEL_ID])
    assert long.drop(columns=PANEL_ID).equals(data.drop(columns=["respondent_id", "import_id"]))


def test_the_wide_file_has_a_row_per_person_and_a_column_per_wave(store):
    long = panel_long(cs.load_dataset(store, labels=False).codes(), KEY)
    wide = panel_wide(long)
    assert wide[PANEL_ID].tolist() == [_hmac(i) for i in ("0001", "0002", "0003", "0005")]
    assert wide.columns[:3].tolist() == [PANEL_ID, "in_2025", "in_2026"]
    assert wide["in_2025"].tolist() == [1, 1, 1, 0] and wide["in_2026"].tolist() == [1, 1, 0, 1]
    assert wide.filter(like="role_").columns.tolist() == ["role_2025", "role_2026"]
    assert wide["role_2025"].fillna(0).tolist() == [2, 4, -9, 0]  # -9: routed past; 0 here: no 2025 answer
    assert wide["role_2026"].fillna(0).tolist() == [2, 4, 0, 1]
    # hours was not asked in 1.0.0 (-6); 0002 refused it in 2026 (-7); 0003 did not answer 2026 (empty)
    assert wide["hours_2025"].fillna(0).tolist() == [-6, -6, -6, 0]
    assert wide["hours_2026"].fillna(0).tolist() == [45, -7, 0, 60]
    assert "motives_3_2025" not in wide.columns and "respondent_id_2025" not in wide.columns
    only_late = panel_wide(long, waves=["2026"], constant=["consent"])
    assert len(only_late) == 3 and only_late.columns[:3].tolist() == [PANEL_ID, "consent", "in_2026"]


def _three_waves() -> pd.DataFrame:
    """p1 all three waves, p2 only w1, p3 w1 and w3 (returns), p4 w2 and w3, p5 w3; stratum as sampled (p3's
    stratum changes in w3 but counts where it was sampled)."""
    rows = [("p1", "w1", "A"), ("p1", "w2", "A"), ("p1", "w3", "A"), ("p2", "w1", "B"), ("p3", "w1", "B"),
            ("p3", "w3", "A"), ("p4", "w2", "A"), ("p4", "w3", "A"), ("p5", "w3", "B")]
    return pd.DataFrame(rows, columns=[PANEL_ID, "wave", "stratum"]).assign(y=np.arange(9.0))


def test_attrition_by_wave_and_stratum_counts_each_person_once():
    long = _three_waves()
    table = attrition(long)
    people = {w: set(long.loc[long["wave"] == w, PANEL_ID]) for w in ("w1", "w2", "w3")}
    ever: set = set()
    expected = []
    previous: set = set()
    for w in ("w1", "w2", "w3"):
        now = people[w]
        expected.append((w, len(now), len(now & previous), len(previous - now), len((now - previous) & ever),
                         len(now - ever)))
        ever |= now
        previous = now
    got = list(table[["wave", "responding", "retained", "lost", "returning", "fresh"]].itertuples(index=False,
                                                                                               name=None))
    assert got == expected == [("w1", 3, 0, 0, 0, 3), ("w2", 2, 1, 2, 0, 1), ("w3", 4, 2, 0, 1, 1)]
    assert table["retention"].round(4).fillna(-1).tolist() == [-1, round(1 / 3, 4), 1.0]
    by = attrition(long, by="stratum")
    assert by.columns[:2].tolist() == ["wave", "stratum"]
    assert list(by[["wave", "stratum", "responding", "retained", "lost", "returning", "fresh"]].itertuples(
        index=False, name=None)) == [
        ("w1", "A", 1, 0, 0, 0, 1), ("w1", "B", 2, 0, 0, 0, 2),
        ("w2", "A", 2, 1, 0, 0, 1), ("w2", "B", 0, 0, 2, 0, 0),
        ("w3", "A", 2, 2, 0, 0, 0), ("w3", "B", 2, 0, 0, 1, 1)]  # p3 returns in w3, counted in B where sampled
    summed = by.groupby("wave", sort=False)[["responding", "retained", "lost", "returning", "fresh"]].sum()
    assert summed.reset_index().equals(table.drop(columns="retention"))
    named = attrition(long, waves=["w3", "w1"])  # the order named, w2 left out: w3 is w1's previous wave here
    assert named[["wave", "retained", "lost", "returning", "fresh"]].values.tolist() == [
        ["w3", 0, 0, 0, 4], ["w1", 2, 2, 0, 1]]


def test_attrition_of_a_store_with_a_hand_typed_id(store, tmp_path, q11):
    """0003 typed as 3 in a late 2026 file is another person to the panel: fresh, and 0003 is lost."""
    late = write_template(tmp_path / "late.xlsx", q11, [["0003", *ROWS_26[0][1:]]])
    import openpyxl

    wb = openpyxl.load_workbook(late)
    wb["Responses"]["A3"] = 3
    wb.save(late)
    import_responses(late, store, q11, wave="2026")
    table = attrition(panel_long(cs.load_responses(store, labels=False), KEY))
    assert table[["wave", "responding", "retained", "lost", "fresh"]].values.tolist() == [
        ["2025", 3, 0, 0, 3], ["2026", 4, 2, 1, 2]]


def test_panel_files_refuse_what_they_cannot_link():
    long = _three_waves()
    with pytest.raises(ResponsesError, match=r"2 rows repeat a person within a wave \(p1 in wave w1\)"):
        panel_wide(pd.concat([long, long.iloc[:1]]))
    with pytest.raises(ResponsesError, match="the data have no 'wave' column"):
        attrition(long.drop(columns="wave"))
    with pytest.raises(ResponsesError, match=r"the data hold no wave w9 \(their waves: w1, w2, w3\)"):
        panel_wide(long, waves=["w9"])
    with pytest.raises(ResponsesError, match="have no panel_id"):
        attrition(long.assign(panel_id=long[PANEL_ID].where(long.index != 2)))


def test_cli_panel_files_hold_neither_ids_nor_key(store, tmp_path):
    keyfile = tmp_path / "panel.key"
    keyfile.write_bytes(KEY + b"\n")
    runner = CliRunner()
    wide = tmp_path / "wide.csv"
    r = runner.invoke(app, ["responses", "panel", "--store", str(store), "--key", str(keyfile), "--format", "wide",
                            "--out", str(wide)])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"{wide}: 4 rows (one per person), ")
    text = wide.read_text(encoding="utf-8-sig")
    assert KEY.decode() not in text and not any(f",{i}," in text or text.startswith(i) for i in ("0001", "0005"))
    back = pd.read_csv(wide, dtype=str)
    assert back[PANEL_ID].tolist() == [_hmac(i) for i in ("0001", "0002", "0003", "0005")]
    assert stat.S_IMODE(wide.stat().st_mode) == 0o600
    long = tmp_path / "long.parquet"
    r = runner.invoke(app, ["responses", "panel", "--store", str(store), "--key", str(keyfile), "--out", str(long),
                            "--wave", "2026", "--drop-sensitive"])
    assert r.exit_code == 0, r.output
    frame = pd.read_parquet(long)
    assert frame["wave"].tolist() == ["2026"] * 3 and "pay" not in frame.columns
    bad = runner.invoke(app, ["responses", "panel", "--store", str(store), "--key", str(tmp_path / "none"),
                              "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "the key file does not exist" in bad.output


def test_export_panel_xlsx_with_labels(store, tmp_path):
    out = tmp_path / "p.xlsx"
    result = export_panel(store, out, KEY, shape="wide", labels=True)
    assert (result.rows, result.paths) == (4, (out,))
    back = pd.read_excel(out, dtype=str, engine="openpyxl")
    assert back.loc[0, "role_2025"] == "연구원"

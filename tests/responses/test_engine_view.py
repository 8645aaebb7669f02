"""The response store handed to the engine path without pandas (``cs.store_table``): two waves of the small
questionnaire of conftest.py (1.0.0 then 1.1.0, with -7/-8 answers and an item not asked in the first wave),
a sample-design file joined by id, and a design built over it inside DuckDB. Its rows and estimates equal
``load_responses`` + an in-memory design, and a missing code never reaches a number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.responses.importer import import_responses

from .conftest import mini, write_template
from .test_waves_change import CODES, _by_hand, _people

pytest.importorskip("ibis", reason="the engine path needs the [engine] extra")


@pytest.fixture(autouse=True)
def registered_mini(monkeypatch):
    from careersurvey.responses import importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **_: mini(spec.partition("@")[2]))


@pytest.fixture
def store(tmp_path):
    rng = np.random.default_rng(5)
    ids = {"2025": [f"{i:04d}" for i in range(1, 81)], "2026": [f"{i:04d}" for i in range(41, 121)]}
    rows = {"2025": _people(rng, ids["2025"], "1.0.0"), "2026": _people(rng, ids["2026"], "1.1.0")}
    db = tmp_path / "s.duckdb"
    import_responses(write_template(tmp_path / "a.xlsx", mini("1.0.0"), rows["2025"]), db, mini("1.0.0"), wave="2025")
    import_responses(write_template(tmp_path / "b.xlsx", mini("1.1.0"), rows["2026"]), db, mini("1.1.0"), wave="2026")
    everyone = sorted(set(ids["2025"]) | set(ids["2026"]))
    sample = pd.DataFrame({"respondent_id": everyone,
                           "inst": [f"I{int(p) % 10}" for p in everyone],
                           "stratum": ["A" if int(p) % 10 < 5 else "B" for p in everyone],
                           "weight": rng.uniform(20, 90, len(everyone)).round(3)})
    path = tmp_path / "sample.csv"
    sample.to_csv(path, index=False)
    return db, rows, sample, path


def test_rows_and_values_equal_load_responses(store):
    db, _rows, _sample, _path = store
    table = cs.store_table(db, waves=["2025", "2026"])
    got = table.execute().sort_values(["wave", "respondent_id"]).reset_index(drop=True)
    mem = cs.load_responses(db, waves=["2025", "2026"]).sort_values(["wave", "respondent_id"]).reset_index(drop=True)
    assert len(got) == len(mem) == 160
    assert got["respondent_id"].tolist() == mem["respondent_id"].tolist() and got["respondent_id"].iat[0] == "0001"
    for col in ("pay", "age", "hours"):
        a = pd.to_numeric(got[col]).to_numpy(float)
        b = pd.to_numeric(mem[col].astype("Float64")).to_numpy(float, na_value=np.nan)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=col)
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], err_msg=col)
    assert got.loc[got["wave"] == "2025", "hours"].isna().all()  # not asked in 1.0.0: NULL, never -6
    assert not np.isin(pd.to_numeric(got["pay"]).dropna(), CODES).any()
    for col in ("role", "fof_shame"):  # choices as their labels (single, rating)
        assert got[col].astype(object).where(got[col].notna(), None).tolist() == \
            mem[col].astype(object).where(mem[col].notna(), None).tolist(), col


def test_design_over_the_store_equals_the_in_memory_design(store):
    db, rows, sample, path = store
    table = cs.store_table(db, waves="2026", sample=path)
    eng = cs.from_table(table, weights="weight", strata="stratum", psu="inst", missing_codes=CODES)
    mem_df = cs.load_responses(db, waves="2026").merge(sample, on="respondent_id", how="left")
    mem = cs.SurveyDesign(mem_df, weights="weight", strata="stratum", psu="inst", missing_codes=CODES)
    for a, b in ((eng.mean("pay", na_rm=True), mem.mean("pay", na_rm=True)),
                 (eng.mean("pay", na_rm=True, by="role"), mem.mean("pay", na_rm=True, by="role")),
                 (eng.mean("fof_shame", na_rm=True), mem.mean("fof_shame", na_rm=True)),
                 (eng.total("hours", na_rm=True), mem.total("hours", na_rm=True))):
        # the engine orders a categorical's levels by their text, the in-memory path by the questionnaire
        b = b.loc[a.index]
        np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
        np.testing.assert_allclose(a["se"], b["se"], rtol=1e-9)
    # the mean of pay by hand from the rows written, -7/-8 left out
    one = sample.assign(wave="2026")
    assert eng.mean("pay", na_rm=True)["estimate"].iat[0] == pytest.approx(_by_hand(rows["2026"], one, "2026", 7))


def test_a_sample_file_without_the_key_is_named(store, tmp_path):
    db, _rows, sample, _path = store
    bad = tmp_path / "bad.csv"
    sample.rename(columns={"respondent_id": "id"}).to_csv(bad, index=False)
    with pytest.raises(cs.ResponsesError, match="no column 'respondent_id'"):
        cs.store_table(db, sample=bad)

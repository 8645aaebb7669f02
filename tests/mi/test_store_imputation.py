"""Multiple imputation from a response store of a second questionnaire (tests/questionnaire/data/mini, two
versions): the codes frame keeps -6 (not asked in 1.0.0) apart from -7/-8 (refused, don't know), the hot deck
imputes only the latter, and the design over the completed sets never averages a code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs

DATA = Path(__file__).resolve().parents[1] / "questionnaire" / "data"
COLUMNS = ["respondent_id", "consent", "role", "reasons_1", "reasons_2", "reasons_3", "hours", "pay", "start_date",
           "fear_shame", "fear_future", "fear_calm", "overall"]


def _rows(start: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    role = rng.choice([2, 3, 4], n)
    pay = np.round(4000 + 1500 * (role == 3) + rng.normal(0, 300, n)).astype(int)
    pay = np.where(rng.random(n) < 0.2, rng.choice([-7, -8], n), pay)
    return pd.DataFrame({
        "respondent_id": [f"{i:04d}" for i in range(start, start + n)], "consent": 1, "role": role,
        "reasons_1": 0, "reasons_2": 1, "reasons_3": 0, "hours": None, "pay": pay, "start_date": None,
        "fear_shame": rng.integers(1, 6, n), "fear_future": rng.integers(1, 6, n), "fear_calm": rng.integers(1, 6, n),
        "overall": rng.integers(1, 6, n)})


@pytest.fixture()
def store(tmp_path) -> Path:
    rng = np.random.default_rng(42)
    q10 = cs.load_questionnaire(DATA / "mini-1.0.0.yaml")
    q11 = cs.load_questionnaire(DATA / "mini-1.1.0.yaml")
    db = tmp_path / "s.duckdb"
    old = _rows(1, 60, rng).assign(comment=None)
    old.to_csv(tmp_path / "a.csv", index=False)
    cs.import_responses(tmp_path / "a.csv", db, q10)
    plan = pd.Series(rng.choice([0, 1], 60), dtype="Int64").mask(rng.random(60) < 0.15)  # blank: no answer
    new = _rows(101, 60, rng).assign(leave_plan=plan)
    new.to_csv(tmp_path / "b.csv", index=False)
    cs.import_responses(tmp_path / "b.csv", db, q11)
    return db


def test_impute_from_the_store_keeps_not_asked_apart(store):
    q11 = cs.load_questionnaire(DATA / "mini-1.1.0.yaml")
    codes = cs.load_dataset(store, q11, labels=False).codes()
    old = (codes["questionnaire_version"] == "1.0.0").to_numpy()
    assert old.any() and (codes["leave_plan"].isin([-6]).to_numpy() == old).all()   # -6: the 1.0.0 respondents
    assert codes["leave_plan"].isna().any() and codes["pay"].isin([-7, -8]).any()
    sets = cs.impute_hotdeck(codes, ["pay", "leave_plan"], by="role", m=5, seed=3)
    not_asked = codes["leave_plan"].isin([-6]).to_numpy()
    for s in sets:
        assert not s["pay"].isin([-6, -7, -8, -9]).any() and s["pay"].notna().all()
        assert s["leave_plan"][not_asked].isna().all()                     # not asked: stays missing
        assert set(s["leave_plan"][~not_asked]) == {0, 1}                 # blanks imputed from answers
    designs = cs.ImputedDesigns.from_datasets([s.assign(w=1.0) for s in sets], weights="w",
                                              missing_codes=cs.MISSING_CODES)
    res = designs.mean("pay")
    answered = codes.loc[codes["pay"] >= 0, "pay"]
    assert res["estimate"].iloc[0] == pytest.approx(answered.mean(), rel=0.05)
    assert 0 < res["missinfo"].iloc[0] < 1
    plan = designs.mean("leave_plan", na_rm=True)                          # only the wave that was asked
    assert 0 < plan["estimate"].iloc[0] < 1

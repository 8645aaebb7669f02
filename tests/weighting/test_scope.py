"""Weighting restricted to the rows the targets describe (``scope=``): R's calibrate() with a model matrix
that is zero outside the scope (fixtures/scope_cases.R), the targets' scope from YAML, and the errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
import weighting_rcases as rc

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "scope_cases.json").read_text())
CASES = {c["id"]: c for c in FIXTURE["cases"]}
MARGINS = {"stype": {"E": 3900, "H": 520, "M": 830}, "sch_wide": {"No": 5250 - 4600, "Yes": 4600}}


@pytest.fixture(scope="module")
def d():
    return rc.dclus1("r-survey-extra", "apiclus1_x.csv")


def _weighted(d, case_id: str):
    if case_id == "scope-raking":
        return d.rake(MARGINS, scope="mobility < 25")
    bounds = (0.5, 2) if case_id == "scope-logit-bounds" else None
    method = "logit" if bounds else "linear"
    return d.calibrate({**MARGINS, "api99": 3300000}, method=method, bounds=bounds, scope="mobility < 25",
                       max_iter=500, tol=1e-13)


@pytest.mark.parametrize("case_id", list(CASES))
def test_scope_matches_r_zero_rows_calibration(d, case_id: str) -> None:
    case = CASES[case_id]
    w = _weighted(d, case_id)
    np.testing.assert_allclose(w.w, case["weights"], rtol=1e-8)
    mean, total = w.mean("api00"), w.total("enroll")
    np.testing.assert_allclose(mean["estimate"].iloc[0], case["mean_api00"], rtol=1e-9)
    np.testing.assert_allclose(mean["se"].iloc[0], case["mean_api00_se"], rtol=1e-6)
    np.testing.assert_allclose(total["estimate"].iloc[0], case["total_enroll"], rtol=1e-9)
    np.testing.assert_allclose(total["se"].iloc[0], case["total_enroll_se"], rtol=1e-6)


def test_rows_outside_keep_their_weights_and_may_lack_a_level(d) -> None:
    outside = ~(d.data["mobility"] < 25).to_numpy()
    assert FIXTURE["n_inside"] == int((~outside).sum()) == 155
    data = d.data.assign(stype=d.data["stype"].where(~outside))  # no stype outside: not needed there
    d2 = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc")
    raked = d2.rake(MARGINS, scope=~outside)
    np.testing.assert_array_equal(raked.w[outside], d.w[outside])
    np.testing.assert_allclose(raked.w, d.rake(MARGINS, scope="mobility < 25").w, rtol=1e-12)
    s = raked.weight_summary()
    assert s.margins["relative"].abs().max() < 1e-9
    assert s.history[0].endswith("; only the 155 of 183 rows in scope, the others kept their weights")
    with pytest.raises(cs.WeightingError, match=r"column 'stype' is missing in 28 rows"):
        d2.rake(MARGINS)


def test_scope_reaches_every_replicate_and_replays(d) -> None:
    inside = (d.data["mobility"] < 25).to_numpy()
    early = d.replicate("JK1").rake(MARGINS, scope=inside)
    late = d.rake(MARGINS, scope=inside).replicate("JK1")
    reps = early.replicates.weights
    np.testing.assert_allclose(reps[~inside], d.replicate("JK1").replicates.weights[~inside], rtol=1e-12)
    stype = d.data["stype"].to_numpy()
    for level, total in MARGINS["stype"].items():
        np.testing.assert_allclose(reps[inside & (stype == level)].sum(axis=0), total, rtol=1e-9)
    np.testing.assert_allclose(late.replicates.weights, reps, rtol=1e-9)


def test_scope_that_covers_nothing(d) -> None:
    with pytest.raises(cs.WeightingError) as info:
        d.rake(MARGINS, scope="mobility > 1000")
    assert str(info.value) == ("scope 'mobility > 1000' covers no row: nothing to weight. Check the condition "
                               "(a missing answer makes every comparison false)")


def _researchers(n: int = 300, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "role": rng.choice([1, 2, 3, 4, 5, 6, 7], n), "sector": rng.choice(np.arange(1, 9), n),
        "sex": rng.choice([1, 2], n), "degree": rng.choice([1, 2, 3, 4, 5], n),
        "region": rng.choice(np.arange(1, 19), n), "w": rng.uniform(500, 3000, n)})
    df.loc[0, "role"] = -7  # prefer not to answer: outside, as every comparison with a missing answer is false
    return df


def test_targets_scope_from_yaml() -> None:
    t = cs.load_targets("kr-researchers-2023")
    assert t.scope == "role != 1 and sector in [1, 2, 3, 4, 5, 6] and region != 18"
    assert t.description.startswith("Population margins of researchers in Korea")
    df = _researchers()
    inside = t.in_scope(df)
    expected = (df["role"].isin([2, 3, 4, 5, 6, 7]) & df["sector"].between(1, 6) & (df["region"] != 18)).to_numpy()
    np.testing.assert_array_equal(inside, expected)
    with pytest.raises(cs.WeightingError, match=r"item 'sector' has codes \['7', '8'\].*rake or calibrate with "
                                                r"scope=inside"):
        t.add_margin_columns(df)
    wide = t.add_margin_columns(df, in_scope=inside)
    assert wide.loc[~inside, "sector_margin"].isna().all() and wide.loc[inside, "sector_margin"].notna().all()
    d = cs.SurveyDesign(wide, weights="w").rake(t.margins(), scope=inside)
    np.testing.assert_array_equal(d.w[~inside], df["w"].to_numpy()[~inside])
    assert d.w[inside].sum() == pytest.approx(603566, rel=1e-9)
    note = t.scope_note(df, inside)
    assert note == (f"{int((~inside).sum())} of 300 rows are outside the population of targets "
                    "'kr-researchers-2023' (role != 1 and sector in [1, 2, 3, 4, 5, 6] and region != 18) and "
                    "keep their design weights; 1 of them have no answer to region, role, sector: impute it if "
                    "they may belong to the population")


def test_targets_scope_needs_its_items() -> None:
    t = cs.load_targets("kr-researchers-2023")
    with pytest.raises(cs.WeightingError) as info:
        t.in_scope(_researchers().drop(columns=["role"]))
    assert str(info.value) == (
        "targets 'kr-researchers-2023': the scope 'role != 1 and sector in [1, 2, 3, 4, 5, 6] and region != 18' "
        "reads items ['role'] that the data do not have; add them, or give the respondents' scope yourself "
        "(a boolean mask) instead of the file's")

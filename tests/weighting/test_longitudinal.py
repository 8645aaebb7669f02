"""Longitudinal weights (careersurvey.estimation.weighting.longitudinal): the weights and the variance of a
change estimated on them against R survey 4.1.1 (tests/fixtures/r-survey-waves, ``longitudinal`` cases: the
2024 design, respondents post-stratified to the whole sample's class counts, then calibrated to the 2024
sample's margins), the propensity classes R cuts, a seeded simulation of attrition that depends on the
outcome, and the errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import load_cases, load_data

import careersurvey as cs

FOLDER = "r-survey-waves"
CASES = [c for c in load_cases(FOLDER) if c["type"] == "longitudinal"]


def wide_design(df: pd.DataFrame | None = None, **kw) -> cs.SurveyDesign:
    df = load_data(FOLDER, "panel_wide.csv") if df is None else df
    return cs.SurveyDesign(df, weights="w", strata="stratum", psu="inst", **kw)


def _steps(lw: dict) -> dict:
    if "classes" in lw:
        return {"classes": lw["classes"]}
    return {"propensity": lw["propensity"], "n_classes": lw["n_classes"]}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_weights_and_change_match_r(case: dict) -> None:
    lw, exp = case["longitudinal"], case["expected"]
    df = load_data(FOLDER, "panel_wide.csv")
    base = wide_design(df)
    if "replicate" in case:  # the class adjustment and the calibration are done again in every replicate
        base = base.replicate(case["replicate"])
    d = cs.longitudinal_weights(base, lw["responded"], margins=lw["margins"], method=lw["calfun"],
                                variance="fixed", **_steps(lw))
    resp = df["resp2"].to_numpy() == 1
    np.testing.assert_allclose(d.w[resp], exp["weights"], rtol=1e-9)
    assert (d.w[~resp] == 0).all()
    # the calibration totals are the 2024 design's own (R: model-matrix totals under the 2024 weights)
    assert d.w.sum() == pytest.approx(exp["population"]["(Intercept)"], rel=1e-12)
    assert d.w[df["sex"].to_numpy() == "m"].sum() == pytest.approx(exp["population"]["sexm"], rel=1e-12)
    res = cs.paired_change(d, case["variables"], waves=case["waves"])
    for i, v in enumerate(case["variables"]):
        np.testing.assert_allclose(res["change"].iloc[i], exp[v]["estimate"], rtol=1e-9)
        np.testing.assert_allclose(res["se"].iloc[i], exp[v]["se"], rtol=1e-6)
        np.testing.assert_allclose(res["p_value"].iloc[i], exp[v]["p_value"], rtol=1e-6)
        assert res["df"].iloc[i] == exp[v]["df"]


def test_propensity_classes_are_rs() -> None:
    case = next(c for c in CASES if "propensity" in c["longitudinal"])
    lw = case["longitudinal"]
    d = cs.longitudinal_weights(wide_design(), "resp2", margins=lw["margins"], **_steps(lw))
    codes = d.adjustments[0].codes
    r_codes = np.asarray(case["expected"]["classes"]).astype(int) - 1
    np.testing.assert_array_equal(codes, r_codes)


def test_estimated_class_sizes_add_their_variance() -> None:
    case = CASES[0]
    lw = case["longitudinal"]
    fixed = cs.longitudinal_weights(wide_design(), "resp2", margins=lw["margins"], variance="fixed",
                                    **_steps(lw))
    est = cs.longitudinal_weights(wide_design(), "resp2", margins=lw["margins"], **_steps(lw))
    np.testing.assert_allclose(fixed.w, est.w, rtol=1e-12)  # same weights, another variance
    a = cs.paired_change(fixed, "y", waves=("2024", "2026"))["se"].iloc[0]
    b = cs.paired_change(est, "y", waves=("2024", "2026"))["se"].iloc[0]
    assert a != pytest.approx(b, rel=1e-3)
    assert [type(s).__name__ for s in est.adjustments] == ["NonresponseStep", type(est.adjustments[1]).__name__]
    assert "nonresponse" in est.summary()


def test_margins_as_given_totals() -> None:
    df = load_data(FOLDER, "panel_wide.csv")
    targets = {"sex": {"f": 3000.0, "m": 3400.0}}
    d = cs.longitudinal_weights(wide_design(df), "resp2", classes="intent_2024", margins=targets)
    assert d.w[df["sex"].to_numpy() == "f"].sum() == pytest.approx(3000.0, rel=1e-10)
    assert d.w.sum() == pytest.approx(6400.0, rel=1e-10)


# -- simulation: attrition that depends on the outcome ----------------------------------------------------
def _panel(seed: int, n_psu: int = 60, m: int = 30) -> pd.DataFrame:
    """Two waves of a stratified cluster sample. The change y_2 - y_1 falls with y_1 (those high at wave 1
    come down), and those high at wave 1, or intending to leave, answer wave 2 less often: the completers'
    change is too large. ``y_2_all`` holds every person's wave-2 value, which fieldwork would not see."""
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(n_psu), m)
    stratum = psu % 3
    n = len(psu)
    y1 = 3 + rng.normal(0, 0.5, n_psu)[psu] + rng.normal(0, 1, n)
    leave1 = (y1 + rng.normal(0, 0.7, n) > 3.6).astype(int)
    y2 = y1 + 0.3 - 0.4 * (y1 - 3) + rng.normal(0, 0.5, n)
    answered = rng.uniform(size=n) < 1 / (1 + np.exp(-(1.2 - 1.2 * (y1 - 3) - 0.8 * leave1)))
    return pd.DataFrame({
        "pid": [f"P{i:05d}" for i in range(n)], "psu": psu.astype(str), "stratum": stratum.astype(str),
        "w": np.choose(stratum, [50.0, 80.0, 120.0]) * rng.uniform(0.8, 1.25, n),
        "sex": rng.choice(["f", "m"], n), "sector": rng.choice(["univ", "industry", "public"], n),
        "y_1": y1, "y_2": np.where(answered, y2, np.nan), "y_2_all": y2, "leave_1": leave1,
        "answered": answered.astype(int)})


#: the largest bias (in units of y; the change's SE is about 0.025) an estimate may keep
TOLERANCE = 0.05


def test_longitudinal_weights_remove_most_of_the_attrition_bias() -> None:
    naive_bias, weighted_bias = [], []
    for seed in range(5):
        df = _panel(seed)
        d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
        # what the sample would have said without attrition
        truth = d.mean("y_2_all")["estimate"].iloc[0] - d.mean("y_1")["estimate"].iloc[0]
        naive = cs.paired_change(d, "y", waves=("1", "2"))["change"].iloc[0]
        lw = cs.longitudinal_weights(d, "answered", propensity="y_1 + leave_1", n_classes=5,
                                     margins=["sex", "sector"])
        weighted = cs.paired_change(lw, "y", waves=("1", "2"))["change"].iloc[0]
        naive_bias.append(naive - truth)
        weighted_bias.append(weighted - truth)
    naive_bias, weighted_bias = np.array(naive_bias), np.array(weighted_bias)
    assert (np.abs(naive_bias) > TOLERANCE).all(), naive_bias  # the naive panel change fails the tolerance
    assert (np.abs(weighted_bias) < TOLERANCE).all(), weighted_bias
    assert np.abs(weighted_bias).mean() < 0.25 * np.abs(naive_bias).mean()


# -- errors ------------------------------------------------------------------------------------------------
def test_errors_name_what_is_wrong_and_what_to_do() -> None:
    df = load_data(FOLDER, "panel_wide.csv")
    d = wide_design(df)
    with pytest.raises(cs.WeightingError, match=r"give margins="):
        cs.longitudinal_weights(d, "resp2", classes="intent_2024")
    with pytest.raises(cs.WeightingError, match=r"margins 'region' are not columns of the wide file"):
        cs.longitudinal_weights(d, "resp2", classes="intent_2024", margins=["sex", "region"])
    with pytest.raises(cs.WeightingError, match=r"margin 'y_2026' is missing for 13 persons"):
        cs.longitudinal_weights(d, "resp2", classes="intent_2024", margins=["y_2026"])
    with pytest.raises(cs.WeightingError, match=r"either classes= .* or propensity="):
        cs.longitudinal_weights(d, "resp2", margins=["sex"])
    bad = df.assign(resp2=df["resp2"].astype(object).where(df["pid"] != "P003", "yes"))
    with pytest.raises(cs.WeightingError, match=r"'resp2' must hold 1 \(responded\) or 0"):
        cs.longitudinal_weights(wide_design(bad), "resp2", classes="intent_2024", margins=["sex"])


def test_missing_codes_in_a_margin_or_class_are_refused() -> None:
    df = load_data(FOLDER, "panel_wide.csv")
    coded = df.assign(age_band=np.where(df["pid"].isin(["P004", "P010"]), -9, 1 + df.index % 3))
    d = wide_design(coded, missing_codes=(-6, -7, -8, -9))
    with pytest.raises(cs.MissingCodeError, match="age_band"):
        cs.longitudinal_weights(d, "resp2", classes="age_band", margins=["sex"])
    with pytest.raises(cs.MissingCodeError, match="age_band"):
        cs.longitudinal_weights(d, "resp2", classes="intent_2024", margins=["age_band"])

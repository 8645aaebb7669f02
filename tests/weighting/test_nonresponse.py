"""Nonresponse adjustment: weights and variances against R (respondents-only post-stratification for
``variance="fixed"``; svycontrast's delta method for estimated class sizes), and propensity classes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
import weighting_rcases as rc

HERE = Path(__file__).parent / "fixtures"
NR_CASES = json.loads((HERE / "nonresponse_cases.json").read_text())["cases"]
DESIGNS = {"nr_clus1": dict(weights="pw", psu="dnum", fpc="fpc"),
           "nr_strat": dict(weights="pw", strata="stype", fpc="fpc")}


@pytest.mark.parametrize("case", NR_CASES, ids=[c["id"] for c in NR_CASES])
def test_estimated_class_sizes_match_r_delta_method(case: dict) -> None:
    df = pd.read_csv(HERE / case["data"])
    d = cs.SurveyDesign(df, **DESIGNS[case["id"]]).adjust_nonresponse("resp", classes=case["classes"])
    tot = d.total(case["variable"])
    mean = d.mean(case["variable"])
    np.testing.assert_allclose(tot["estimate"].iloc[0], case["total"], rtol=1e-9)
    np.testing.assert_allclose(tot["se"].iloc[0], case["total_se"], rtol=1e-6)
    np.testing.assert_allclose(mean["estimate"].iloc[0], case["mean"], rtol=1e-9)
    np.testing.assert_allclose(mean["se"].iloc[0], case["mean_se"], rtol=1e-6)


def test_fixed_class_sizes_match_r_respondent_poststratification() -> None:
    case = rc.case("r-survey-extra", "clus1-nonresponse-mean-api00")
    wcase = rc.case("r-survey-extra", "clus1-nonresponse-weights")
    df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
    d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").adjust_nonresponse(
        "responded", classes="stype", variance="fixed")
    r = d.mean("api00")
    np.testing.assert_allclose(r["estimate"].iloc[0], case["expected"]["estimate"][0], rtol=1e-9)
    np.testing.assert_allclose(r["se"].iloc[0], case["expected"]["se"][0], rtol=1e-6)
    resp = df["responded"].to_numpy() == 1
    np.testing.assert_allclose(d.w[resp], wcase["expected"]["weights"], rtol=1e-9)
    assert (d.w[~resp] == 0).all()
    assert d.design_df == case["expected"]["design_df"]


def test_class_totals_are_kept_and_nonrespondents_leave() -> None:
    df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
    d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")
    d2 = d.adjust_nonresponse("responded", classes=["stype", "sch_wide"])
    before = df.assign(w=d.w).groupby(["stype", "sch_wide"])["w"].sum()
    after = df.assign(w=d2.w).groupby(["stype", "sch_wide"])["w"].sum()
    pd.testing.assert_series_equal(before, after, rtol=1e-12)
    assert (d2.w[df["responded"] == 0] == 0).all()


def test_propensity_classes() -> None:
    df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
    d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")
    d2 = d.adjust_nonresponse("responded", propensity="meals + ell + C(stype)", n_classes=4)
    assert d2.w.sum() == pytest.approx(d.w.sum(), rel=1e-12)
    step = d2.adjustments[-1]
    assert step.k == 4
    counts = np.bincount(step.codes)
    assert counts.min() >= len(df) // 4 - 3  # equal-count classes up to ties
    # classes are ordered bands of the design-weighted logistic propensity, fitted here with statsmodels
    import statsmodels.api as sm

    x = np.column_stack([np.ones(len(df)), df["meals"], df["ell"], df["stype"] == "H", df["stype"] == "M"])
    ref = sm.GLM(df["responded"].to_numpy(float), x.astype(float), family=sm.families.Binomial(),
                 var_weights=d.w).fit(tol=1e-12)
    p = pd.Series(ref.fittedvalues)
    bands = p.groupby(step.codes).agg(["min", "max"])
    assert (bands["max"].to_numpy()[:-1] < bands["min"].to_numpy()[1:]).all()
    # within a class the respondents carry the class's whole weight, each scaled by the same factor
    resp = df["responded"].to_numpy() == 1
    factor = pd.Series(d.w).groupby(step.codes).sum() / pd.Series(d.w[resp]).groupby(step.codes[resp]).sum()
    np.testing.assert_allclose(d2.w[resp], d.w[resp] * factor.to_numpy()[step.codes[resp]], rtol=1e-12)
    assert (d2.w[~resp] == 0).all()
    # and the estimate (with its SE) is that of weighting classes given as a column
    by_column = cs.SurveyDesign(df.assign(band=step.codes), weights="pw", psu="dnum", fpc="fpc").adjust_nonresponse(
        "responded", classes="band")
    pd.testing.assert_frame_equal(d2.mean("api00"), by_column.mean("api00"), rtol=1e-10)


def test_propensity_classes_are_pandas_qcut_of_min_ranks() -> None:
    """propensity_classes cuts from a few order statistics of the ranks (rank_edges, which an engine reads by a
    window): the classes of pd.qcut(ranks, n_classes, duplicates="drop") on ties, few rows and many classes."""
    from careersurvey.estimation.weighting.nonresponse import propensity_classes

    rng = np.random.default_rng(11)
    for _ in range(3000):
        n, q = int(rng.integers(2, 300)), int(rng.integers(1, 13))
        p = rng.integers(0, int(rng.integers(2, 40)), n) / 40 if rng.random() < 0.6 else rng.random(n)
        ranks = pd.Series(p).rank(method="min").to_numpy()
        cut = pd.qcut(ranks, q=q, labels=False, duplicates="drop")
        if np.isnan(cut).any():  # one distinct propensity: qcut has no bin; the classes are then one class
            np.testing.assert_array_equal(propensity_classes(p, q), np.zeros(n, dtype=np.int64))
            continue
        np.testing.assert_array_equal(propensity_classes(p, q), pd.factorize(cut, sort=True)[0])


def test_nonresponse_errors() -> None:
    df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
    d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")
    with pytest.raises(cs.WeightingError, match="either classes="):
        d.adjust_nonresponse("responded")
    bad = df.assign(r=np.where(df["stype"] == "H", 0, 1))
    with pytest.raises(cs.WeightingError) as info:
        cs.SurveyDesign(bad, weights="pw", psu="dnum", fpc="fpc").adjust_nonresponse("r", classes="stype")
    assert str(info.value) == ("nonresponse class stype=H has sampled units but no responding weight: merge it "
                               "with a neighbouring class")
    with pytest.raises(cs.WeightingError, match=r"must hold 1 \(responded\) or 0"):
        cs.SurveyDesign(df.assign(r=2), weights="pw", psu="dnum", fpc="fpc").adjust_nonresponse("r", classes="stype")


def test_propensity_model_equals_statsmodels_weighted_logit() -> None:
    """The design-weighted response model is a logistic regression with the weights as variance weights."""
    import statsmodels.api as sm

    from careersurvey.estimation.weighting.nonresponse import fit_propensity

    df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
    x = np.column_stack([np.ones(len(df)), df["meals"], df["ell"], (df["stype"] == "H"), (df["stype"] == "M")])
    x = x.astype(float)
    y = df["responded"].to_numpy(float)
    w = df["pw"].to_numpy(float)
    ref = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=w).fit(tol=1e-12)
    np.testing.assert_allclose(fit_propensity(x, y, w), ref.fittedvalues, rtol=1e-8)

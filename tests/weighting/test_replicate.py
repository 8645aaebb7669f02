"""Replicate designs built here: structure of the jackknife and bootstrap weights, weighting applied to every
replicate, and designs from shipped replicate columns."""

from __future__ import annotations

import re

import numpy as np
import pytest

import careersurvey as cs
import weighting_rcases as rc
from careersurvey.estimation.weighting.replicate import sylvester

MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}


@pytest.fixture(scope="module")
def clus1():
    return rc.dclus1()


def test_sylvester_is_hadamard() -> None:
    for order in (2, 4, 8, 16, 32):
        h = 2.0 * sylvester(order) - 1
        np.testing.assert_array_equal(h @ h.T, order * np.eye(order))


def test_jk1_deletes_one_psu_each(clus1) -> None:
    reps = clus1.replicate("JK1").replicates
    mult = reps.weights / clus1.w[:, None]
    assert reps.n_replicates == 15
    psu = clus1.data["dnum"].to_numpy()
    for r in range(reps.n_replicates):
        dropped = np.unique(psu[mult[:, r] == 0])
        assert len(dropped) == 1
        np.testing.assert_allclose(mult[mult[:, r] > 0, r], 15 / 14)
    assert reps.degf == 14


def test_bootstrap_is_seeded_and_unbiased_for_a_total(clus1) -> None:
    a = clus1.replicate("bootstrap", replicates=400, seed=1).replicates
    b = clus1.replicate("bootstrap", replicates=400, seed=1).replicates
    np.testing.assert_array_equal(a.weights, b.weights)
    mult = a.weights / clus1.w[:, None]
    assert np.allclose(mult, np.round(mult))  # multipliers are resampling counts
    # each replicate resamples the 15 PSUs: counts per PSU sum to 15 in every replicate
    first = clus1.data.groupby("dnum").head(1).index.to_numpy()
    np.testing.assert_array_equal(mult[first].sum(axis=0), np.full(400, 15.0))
    # without-replacement bootstrap variance of a total is close to the linearised one (fpc ignored by both)
    lin = cs.SurveyDesign(clus1.data, weights="pw", psu="dnum").total("enroll")["se"].iloc[0]
    boot = cs.SurveyDesign(clus1.data, weights="pw", psu="dnum").replicate("bootstrap", replicates=2000, seed=3)
    assert boot.total("enroll")["se"].iloc[0] == pytest.approx(lin, rel=0.08)


def test_weighting_reaches_every_replicate(clus1) -> None:
    d = clus1.replicate("JK1").rake(MARGINS)
    w = d.replicates.weights
    for var, levels in MARGINS.items():
        col = d.data[var].to_numpy()
        for level, total in levels.items():
            np.testing.assert_allclose(w[col == level].sum(axis=0), total, rtol=1e-9)
    t = clus1.replicate("JK1").trim(lower=20, upper=45)
    assert t.replicates.weights[t.replicates.weights > 0].max() <= 45 + 1e-9
    np.testing.assert_allclose(t.replicates.weights.sum(axis=0), clus1.replicate("JK1").replicates.weights.sum(axis=0))
    c = clus1.replicate("JK1").calibrate({**MARGINS, "api99": 3914069}, method="logit", bounds=(0.5, 2.5))
    np.testing.assert_allclose(c.data["api99"].to_numpy() @ c.replicates.weights, 3914069, rtol=1e-6)


def test_from_replicate_columns_errors() -> None:
    df = rc.load_data("r-survey-extra", "apiclus1_boot.csv")
    with pytest.raises(cs.WeightingError, match=r"no columns match the replicate-weight pattern '\^rw'"):
        cs.SurveyDesign.from_replicates(df, weights="pw", replicate_weights="^rw")
    with pytest.raises(cs.WeightingError, match=re.escape("replicate weight columns ['boot1x'] are not in the data; "
                                                          "give existing columns or a regular expression")):
        cs.SurveyDesign.from_replicates(df, weights="pw", replicate_weights=["boot1", "boot1x"])
    with pytest.raises(cs.WeightingError, match="Fay replicates need rho"):
        cs.SurveyDesign.from_replicates(df, weights="pw", replicate_weights="^boot[0-9]+$", method="Fay")


def test_domain_estimate_on_replicate_design_equals_subset_rows() -> None:
    """A domain on a JK1 design gives the same mean and SE as R's subset (rows outside get zero weight)."""
    df = rc.load_data("r-survey", "apiclus1.csv")
    d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
    dom = d.subset(df["stype"] == "E")
    r = dom.mean("api00")
    w = d.replicates.weights * (df["stype"] == "E").to_numpy()[:, None]
    thetas = (df["api00"].to_numpy() @ w) / w.sum(axis=0)
    reps = d.replicates
    var = reps.scale * np.sum(reps.rscales * (thetas - thetas.mean()) ** 2)  # R's svrVar, written out
    assert r["se"].iloc[0] == pytest.approx(np.sqrt(var), rel=1e-12)


def test_replicate_after_weighting_replays_the_steps() -> None:
    """Weight then replicate = replicate then weight (R's case rep-jk1-rake3-mean-api00), for every step kind."""
    case = rc.case("r-survey-extra", "rep-jk1-rake3-mean-api00")
    df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
    d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")
    margins = case["calibration"]["margins"]
    r = d.rake(margins).replicate("JK1").mean("api00")
    np.testing.assert_allclose(r["se"].iloc[0], case["expected"]["se"][0], rtol=1e-6)
    steps = (d.adjust_nonresponse("responded", classes="stype").poststratify("sch_wide", margins["sch_wide"])
             .calibrate({**margins, "api99": 3914069}, method="logit", bounds=(0.5, 2.5)).trim(upper=60))
    late = steps.replicate("JK1")
    early = (d.replicate("JK1").adjust_nonresponse("responded", classes="stype")
             .poststratify("sch_wide", margins["sch_wide"])
             .calibrate({**margins, "api99": 3914069}, method="logit", bounds=(0.5, 2.5)).trim(upper=60))
    np.testing.assert_allclose(late.w, steps.w, rtol=1e-12)
    np.testing.assert_allclose(late.replicates.weights, early.replicates.weights, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(late.mean("api00")["se"], early.mean("api00")["se"], rtol=1e-9)


def test_fpc_as_fractions_or_sizes_give_the_same_replicates() -> None:
    df = rc.load_data("r-survey", "apistrat.csv")
    df = df.assign(frac=df.groupby("stype")["pw"].transform("size") / df["fpc"])
    a = cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc").replicate("JKn")
    b = cs.SurveyDesign(df, weights="pw", strata="stype", fpc="frac").replicate("JKn")
    np.testing.assert_allclose(a.replicates.rscales, b.replicates.rscales, rtol=1e-12)
    np.testing.assert_allclose(a.replicates.rscales[:100], 0.99 * (1 - 100 / 4421), rtol=1e-12)
    assert a.replicates.rscales[0] == pytest.approx((99 / 100) * (4421 - 100) / 4421)


def test_dropped_fpc_is_announced() -> None:
    df = rc.load_data("r-survey-extra", "apiclus2_x.csv")
    d = cs.SurveyDesign(df, weights="pw", psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    with pytest.warns(UserWarning, match="population sizes of later stages are dropped"):
        d.replicate("JK1")


def test_steps_keep_the_targets_they_were_given(clus1) -> None:
    """Changing the caller's dict afterwards changes neither the summary nor the replay on replicates."""
    margins = {"stype": dict(MARGINS["stype"]), "sch_wide": dict(MARGINS["sch_wide"])}
    raked = clus1.rake(margins)
    margins["stype"]["E"] = 1.0
    assert raked.weight_summary().margins.loc[("stype", "E"), "target"] == 4421
    np.testing.assert_allclose(raked.replicate("JK1").w, raked.w, rtol=1e-12)
    with pytest.raises(TypeError):
        raked.adjustments[-1].spec["stype"]["E"] = 1.0

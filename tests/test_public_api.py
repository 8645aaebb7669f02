"""The public API contract of the design (docs: DESIGN.md, "Public API contract for design-based analysis").

Runs the contract's snippet, line by line, on R's API school samples (tests/fixtures/r-survey/data) and
checks the shapes it promises: estimate tables indexed by variable (or variable+level, or by-level) with
``estimate`` and ``se`` columns, Rao-Scott results with their four numbers, model coefficients as Series by
term name, calibration steps that return new designs and leave the old one alone. Where the R fixture holds
the same estimate (tests/fixtures/r-survey/cases.json, made by run_cases.R) the number is checked too, so a
shape cannot pass with the wrong content.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import load_cases, load_data

import careersurvey as cs

CASES = {c["id"]: c["expected"] for c in load_cases("r-survey")}
STYPE = {"E": 4421, "H": 755, "M": 1018}
SCH_WIDE = {"No": 1072, "Yes": 5122}


def _read(name: str) -> pd.DataFrame:
    return load_data("r-survey", name)


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return _read("apistrat.csv")


@pytest.fixture(scope="module")
def dstrat(apistrat) -> cs.SurveyDesign:
    """R: svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)."""
    return cs.SurveyDesign(apistrat, weights="pw", strata="stype", psu=None, fpc="fpc", lonely_psu="fail",
                           nest=False)


@pytest.fixture(scope="module")
def dclus1() -> cs.SurveyDesign:
    """R: svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)."""
    return cs.SurveyDesign(_read("apiclus1.csv"), weights="pw", psu="dnum", fpc="fpc")


def _table(res, index: list[str]) -> None:
    """An estimate table as the contract promises: a DataFrame with these rows and estimate/se columns."""
    assert isinstance(res, pd.DataFrame)
    assert [str(i) for i in res.index] == index
    assert {"estimate", "se"} <= set(res.columns)
    assert np.isfinite(res["estimate"].to_numpy(float)).all()


def _r(case: str, res) -> None:
    """Estimates and SEs equal R's for the fixture case of the same estimate."""
    expected = CASES[case]
    np.testing.assert_allclose(res["estimate"].to_numpy(float), expected["estimate"], rtol=1e-6)
    np.testing.assert_allclose(res["se"].to_numpy(float), expected["se"], rtol=1e-6)


def test_every_exported_name_resolves():
    missing = [n for n in cs.__all__ if not hasattr(cs, n)]
    assert missing == []
    for name in ("SurveyDesign", "DesignError", "LonelyPSUError", "ChisqResult", "ModelResults", "EstimateError",
                 "WeightingError", "load_targets"):
        assert name in cs.__all__
    assert dir(cs) == sorted(cs.__all__)
    with pytest.raises(AttributeError, match="^module 'careersurvey' has no attribute 'no_such_name'$"):
        cs.no_such_name  # noqa: B018 (the lookup is the test)


def test_design_arguments_as_written(apistrat):
    # PSU codes shared across strata: nest=False refuses (as R does), nest=True accepts, every lonely_psu rule too
    with pytest.raises(cs.DesignError, match="nest=True"):
        cs.SurveyDesign(apistrat, weights="pw", strata="stype", psu="dnum", fpc="fpc", lonely_psu="fail", nest=False)
    # R 4.2.2, survey 4.1.1, each survey.lonely.psu: svymean(~api00, svydesign(id = ~dnum, strata = ~stype,
    # weights = ~pw, fpc = ~fpc, data = apistrat, nest = TRUE)); no stratum has a lonely PSU, so all agree
    for rule in ("fail", "remove", "adjust", "average", "certainty"):
        d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", psu="dnum", fpc="fpc", lonely_psu=rule,
                            nest=True)
        res = d.mean("api00", na_rm=False)
        _table(res, ["api00"])
        assert [res["estimate"].iloc[0], res["se"].iloc[0]] == pytest.approx([662.287363159321, 11.0742401960101],
                                                                             rel=1e-9)
    # multistage: a list of PSU and fpc columns, one per stage
    # R: svymean(~api00, svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = apiclus2))
    d2 = cs.SurveyDesign(_read("apiclus2.csv"), weights="pw", psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    res = d2.mean("api00")
    _table(res, ["api00"])
    assert [res["estimate"].iloc[0], res["se"].iloc[0]] == pytest.approx([670.811808118081, 30.0990273768366],
                                                                         rel=1e-9)


def test_estimates_as_written(dstrat, dclus1):
    m = dstrat.mean("api00", na_rm=False)
    _table(m, ["api00"])
    _r("strat-mean-api00", m)
    t = dstrat.total("enroll")
    _table(t, ["enroll"])
    _r("strat-total-enroll", t)
    r = dstrat.ratio("api_stu", "enroll")
    assert len(r) == 1 and {"estimate", "se"} <= set(r.columns)
    _r("strat-ratio-apistu-enroll", r)
    by = dstrat.mean("api00", by="stype")
    _table(by, ["E", "H", "M"])
    _r("strat-by-stype-mean-api00", by)
    factor = dstrat.mean("awards")  # categorical: one row per variable+level
    _table(factor, ["awardsNo", "awardsYes"])
    _r("strat-mean-factor-awards", factor)
    q = dclus1.quantile("api00", [0.25, 0.5, 0.75])
    assert len(q) == 3 and {"estimate", "se"} <= set(q.columns)
    _r("clus1-quantile-api00", q)


def test_domain_keeps_the_full_design(dstrat):
    dom = dstrat.subset("stype == 'E'")
    res = dom.mean("api00")
    _table(res, ["api00"])
    _r("strat-domain-mean-api00-elem", res)
    # the domain's SE is the by-estimate's: variance over every stratum, not a re-drawn sample
    by = dstrat.mean("api00", by="stype")
    assert res["se"].iloc[0] == pytest.approx(by.loc["E", "se"], rel=1e-10)


def test_chisq_as_written(dclus1):
    res = dclus1.chisq("sch_wide", "stype")
    expected = CASES["clus1-chisq-schwide-stype"]
    for name in ("statistic", "ndf", "ddf", "p_value"):
        assert getattr(res, name) == pytest.approx(expected[name], rel=1e-6), name


def test_glm_as_written(dstrat):
    fit = dstrat.glm("api00 ~ ell + meals + mobility", family="gaussian")
    assert isinstance(fit.params, pd.Series) and isinstance(fit.bse, pd.Series)
    assert list(fit.params.index) == ["Intercept", "ell", "meals", "mobility"]
    assert fit.bse.index.equals(fit.params.index)
    expected = CASES["strat-glm-gaussian"]
    np.testing.assert_allclose(fit.params, expected["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.bse, expected["se"], rtol=1e-6)
    # R: svyglm(I(sch.wide == "Yes") ~ ell + meals, dstrat, family = quasibinomial) and
    # svyglm(api.stu ~ ell + meals, dstrat, family = quasipoisson): coef() and SE()
    r_fits = {"binomial": ([1.56040842358661, -0.006831056554696, 0.00352476103353517],
                           [0.315530392132301, 0.0131470688271862, 0.0086501376427295]),
              "poisson": ([6.23085372371657, 0.000642311891906152, -0.000717213218919797],
                          [0.0760548011904754, 0.0025682570354843, 0.00222664131068517])}
    for family in ("binomial", "poisson"):
        outcome = "I(sch_wide == 'Yes')" if family == "binomial" else "api_stu"
        other = dstrat.glm(f"{outcome} ~ ell + meals", family=family)
        assert list(other.params.index)[1:] == ["ell", "meals"] and other.bse.index.equals(other.params.index)
        np.testing.assert_allclose(other.params, r_fits[family][0], rtol=1e-6)
        np.testing.assert_allclose(other.bse, r_fits[family][1], rtol=1e-6)


def test_ordinal_as_written(apistrat):
    df = apistrat.assign(fs_level=pd.qcut(apistrat["api00"], 3, labels=["low", "mid", "high"]),
                         autonomy=apistrat["meals"] / 10, sector=apistrat["stype"])
    d = cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    olr = d.ordinal("fs_level ~ autonomy + sector")
    assert isinstance(olr.params, pd.Series) and isinstance(olr.bse, pd.Series)
    assert list(olr.params.index) == ["autonomy", "sector[T.H]", "sector[T.M]"]
    assert set(olr.params.index) <= set(olr.bse.index)
    assert np.isfinite(olr.bse[olr.params.index].to_numpy(float)).all()
    assert len(olr.thresholds) == 2  # three levels, two cut-points, in order
    assert np.all(np.diff(np.asarray(olr.thresholds, dtype=float)) > 0)
    assert olr.params["autonomy"] < 0  # more meals (poverty), lower api00 band
    # R: fs_level <- cut(api00, quantile(api00, 0:3 / 3), include.lowest = TRUE); svyolr(fs_level ~ autonomy +
    # sector, dstrat, control = list(reltol = 1e-15, maxit = 1000, ndeps = rep(1e-6, 5))): coef() and SE()
    np.testing.assert_allclose(olr.params, [-1.27847330080926, -4.61211715953694, -2.18452660068], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(olr.thresholds, dtype=float), [-9.26537352942664, -5.5047235674819],
                               rtol=1e-5)
    np.testing.assert_allclose(olr.bse.to_numpy(float), [0.1420452133109, 0.66092301514404, 0.470845131381043,
                                                         1.02334674337218, 0.725333045194444], rtol=1e-4)


def test_weighting_as_written(dstrat, apistrat, dclus1):
    before = dstrat.weights.copy()
    d2 = dstrat.rake({"stype": STYPE, "sch_wide": SCH_WIDE})
    assert d2 is not dstrat and isinstance(d2, cs.SurveyDesign)
    np.testing.assert_allclose(d2.total("sch_wide")["estimate"], list(SCH_WIDE.values()), rtol=1e-8)
    np.testing.assert_allclose(d2.total("stype")["estimate"], list(STYPE.values()), rtol=1e-8)
    d3 = dstrat.poststratify("stype", STYPE)
    np.testing.assert_allclose(d3.weights.groupby(apistrat["stype"]).sum().to_numpy(), list(STYPE.values()))
    d4 = dstrat.calibrate({"stype": STYPE, "api99": 3914069}, method="linear", bounds=None)
    assert d4.total("api99")["estimate"].iloc[0] == pytest.approx(3914069, rel=1e-8)
    d5 = dstrat.trim(lower=8, upper=40)
    assert d5.weights.max() <= 40 + 1e-9 and d5.weights.min() >= 8
    assert d5.weights.sum() == pytest.approx(dstrat.weights.sum(), rel=1e-12)  # the total is kept
    for d in (d2, d3, d4, d5):
        assert isinstance(d.weights, pd.Series) and d.weights.index.equals(apistrat.index)
    pd.testing.assert_series_equal(dstrat.weights, before)  # the original design is unchanged
    # raking on the cluster sample equals R's rake(): weights and the mean's SE from calibration residuals
    raked = dclus1.rake({"stype": STYPE, "sch_wide": SCH_WIDE})
    np.testing.assert_allclose(raked.weights, CASES["clus1-rake-weights"]["weights"], rtol=1e-6)
    _r("clus1-rake-mean-api00", raked.mean("api00"))
    _r("clus1-poststrat-mean-api00", dclus1.poststratify("stype", STYPE).mean("api00"))


def test_fpc_as_sizes_or_fractions_and_psu_none(apistrat, dstrat):
    # fpc: population sizes (> 1) or sampling fractions (<= 1) give one design
    fractions = apistrat.assign(frac=apistrat.groupby("stype")["pw"].transform("size") / apistrat["fpc"])
    by_fraction = cs.SurveyDesign(fractions, weights="pw", strata="stype", fpc="frac")
    pd.testing.assert_frame_equal(by_fraction.mean("api00"), dstrat.mean("api00"))
    # psu=None: every row its own PSU, as an explicit row-id PSU column
    rows = cs.SurveyDesign(apistrat.assign(row=np.arange(len(apistrat))), weights="pw", strata="stype", psu="row",
                           fpc="fpc")
    pd.testing.assert_frame_equal(rows.mean("api00"), dstrat.mean("api00"))


@pytest.mark.parametrize("method", ["linear", "raking", "logit"])
def test_every_calibration_method_hits_its_totals(dstrat, method):
    bounds = (0.5, 2.0) if method == "logit" else None
    d = dstrat.calibrate({"stype": STYPE, "api99": 3914069}, method=method, bounds=bounds)
    np.testing.assert_allclose(d.total("stype")["estimate"], list(STYPE.values()), rtol=1e-6)
    assert d.total("api99")["estimate"].iloc[0] == pytest.approx(3914069, rel=1e-6)
    if bounds is not None:
        g = d.weights / dstrat.weights
        assert g.min() >= 0.5 - 1e-9 and g.max() <= 2.0 + 1e-9

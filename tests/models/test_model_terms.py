"""Term tests, offsets, cbind responses and pseudo-R² beyond R's fixtures: identities they must satisfy, the
errors people meet (unknown terms, bad counts, missing codes), and a second questionnaire-like data set written
here (not the API data)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import careersurvey as cs
from careersurvey.estimation.models import ModelError


@pytest.fixture()
def clinics() -> pd.DataFrame:
    """A small two-stage survey of clinics written here: visits, staff, region; referrals out of visits."""
    rng = np.random.default_rng(7)
    n = 240
    region = rng.choice(["north", "south", "east"], n)
    staff = rng.integers(2, 30, n).astype(float)
    visits = rng.poisson(staff * 20) + 5
    share = 1 / (1 + np.exp(-(-1.5 + 0.04 * staff + (region == "south") * 0.5)))
    referred = rng.binomial(visits, share)
    return pd.DataFrame({
        "clinic": [f"C{i:04d}" for i in range(n)], "district": np.repeat(np.arange(24), 10),
        "wt": rng.uniform(5, 50, n), "region": region, "staff": staff, "visits": visits.astype(float),
        "referred": referred.astype(float), "urgent": rng.poisson(staff * 2).astype(float),
    })


def test_offset_in_formula_and_argument_agree(clinics):
    d = cs.SurveyDesign(clinics, weights="wt", psu="district")
    a = d.glm("urgent ~ region + offset(np.log(visits))", family="poisson")
    b = d.glm("urgent ~ region", family="poisson", offset="np.log(visits)")
    c = d.glm("urgent ~ region", family="poisson")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-10)
    assert not np.allclose(a.params, c.params)  # the offset moves the intercept: it is not ignored


def test_cbind_equals_share_with_trials_as_weights(clinics):
    """cbind(s, f) is the share s/(s+f) fitted with weights w (s+f): same coefficients and design SEs."""
    d = cs.SurveyDesign(clinics, weights="wt", psu="district")
    a = d.glm("cbind(referred, visits - referred) ~ staff + region", family="binomial")
    tw = clinics.assign(share=clinics["referred"] / clinics["visits"], wt2=clinics["wt"] * clinics["visits"])
    b = cs.SurveyDesign(tw, weights="wt2", psu="district").glm("share ~ staff + region", family="binomial")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-8)
    assert a.params["staff"] == pytest.approx(0.04, abs=0.01)


def test_wald_test_of_one_coefficient_is_the_squared_t(clinics):
    d = cs.SurveyDesign(clinics, weights="wt", psu="district")
    fit = d.glm("urgent ~ staff + region", family="poisson")
    res = fit.term_test("~ staff")
    assert res.statistic == pytest.approx(fit.tvalues["staff"] ** 2, rel=1e-10)
    assert res.p_value == pytest.approx(fit.pvalues["staff"], rel=1e-10)
    chi = fit.term_test(["staff"], df=np.inf)
    assert chi.p_value == pytest.approx(stats.chi2.sf(fit.tvalues["staff"] ** 2, 1), rel=1e-10)


def test_lrt_scale_factors_are_one_without_design_effect():
    """Unweighted gaussian data with one row per PSU: V0 (naive) and V (sandwich) agree in expectation, and the
    LRT statistic equals the Wald one in a linear model (deviance difference = b' (X'X-part) b)."""
    rng = np.random.default_rng(1)
    n = 400
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    df["y"] = 1 + 0.3 * df["x"] + rng.normal(size=n)
    fit = cs.SurveyDesign(df).glm("y ~ x + z")
    lrt = fit.term_test("~ x + z", method="LRT")
    ww = fit.term_test("~ x + z", method="WorkingWald")
    assert lrt.chisq == pytest.approx(ww.chisq, rel=1e-9)
    assert all(0.8 < v < 1.2 for v in lrt.lambdas)


def test_whole_model_test_in_summary(clinics):
    fit = cs.SurveyDesign(clinics, weights="wt", psu="district").glm("urgent ~ staff + region", family="poisson")
    whole = fit.whole_model_test()
    assert set(whole.terms) == {"staff", "region"} and whole.ndf == 3
    assert f"F = {whole.statistic:.4f} on 3 and {fit.df_resid:g} df" in fit.summary().as_text()


def test_errors_name_what_is_wrong(clinics):
    d = cs.SurveyDesign(clinics, weights="wt", psu="district")
    fit = d.glm("urgent ~ staff + region", family="poisson")
    with pytest.raises(ModelError, match=r"term\(s\) staf are not in the model .*its terms are staff, region"):
        fit.term_test("~ staf")
    with pytest.raises(ModelError, match="method='LR'"):
        fit.term_test("~ staff", method="LR")
    with pytest.raises(ModelError, match="cbind\\(successes, failures\\) response needs family"):
        d.glm("cbind(referred, visits - referred) ~ staff", family="poisson")
    with pytest.raises(ModelError, match="successes and failures must be counts of 0 or more; 1 row"):
        d.glm("cbind(referred, visits - referred - 1000 * (clinic == 'C0003')) ~ staff", family="binomial")
    with pytest.raises(ModelError, match="the offset is not finite on 1 row.*'C0005'|the offset is not finite on 1"):
        bad = clinics.assign(visits=clinics["visits"].where(clinics.index != 5, 0.0))
        cs.SurveyDesign(bad, weights="wt", psu="district").glm("urgent ~ staff + offset(np.log(visits))",
                                                               family="poisson")
    with pytest.raises(ModelError, match="Only implemented for discrete data"):
        d.glm("staff ~ region").pseudo_r2()
    banded = cs.SurveyDesign(clinics.assign(band=np.digitize(clinics["staff"], [10, 20])), weights="wt",
                             psu="district")
    olr = banded.ordinal("band ~ region + visits")
    assert olr.term_test("~ region").ndf == 2  # Wald, and the working tests, on ordinal models
    assert olr.term_test("~ region", method="LRT").ndf == 2
    with pytest.raises(ModelError, match="needs the model's model-based covariance and its refit"):
        dataclasses.replace(olr, problem=None).term_test("~ region", method="LRT")


def test_missing_codes_in_an_offset_are_refused(clinics):
    coded = clinics.assign(visits=clinics["visits"].where(clinics.index != 3, -9.0))
    d = cs.SurveyDesign(coded, weights="wt", psu="district", missing_codes=cs.MISSING_CODES)
    with pytest.raises(cs.MissingCodeError, match="visits"):
        d.glm("urgent ~ staff", family="poisson", offset="np.log(visits)")
    ok = cs.SurveyDesign(coded.assign(visits=coded["visits"].where(coded["visits"] >= 0)), weights="wt",
                         psu="district", missing_codes=cs.MISSING_CODES)
    fit = ok.glm("urgent ~ staff + offset(np.log(visits))", family="poisson")
    assert fit.nobs == len(clinics) - 1  # the row missing its offset leaves the fit, as R's na.omit

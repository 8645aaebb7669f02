"""Properties of the design-based proportional-odds model: the analytic Hessian against numerical derivatives,
invariances, level ordering and naming, replicate refits, error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.estimation.models import ModelError
from careersurvey.estimation.models.formula import model_data
from careersurvey.estimation.models.ordinal import _levels, _Loglik


@pytest.fixture()
def design(apiclus1):
    return cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")


def test_analytic_derivatives_match_finite_differences(design):
    md = model_data(design, "api_band ~ meals + stype")
    codes, labels = _levels(md)
    X = md.X[:, 1:]
    ll = _Loglik(X, codes, len(labels) - 1)
    w = md.weights / md.weights.mean()
    theta = design.ordinal("api_band ~ meals + stype").coefficients.to_numpy() + 0.01
    grad = ll.score_rows(theta, w).sum(axis=0)
    H = ll.hessian(theta, w)
    h = 1e-6
    for i in range(len(theta)):
        e = np.zeros(len(theta))
        e[i] = h
        num_grad = (ll.value(theta + e, w) - ll.value(theta - e, w)) / (2 * h)
        assert num_grad == pytest.approx(grad[i], rel=1e-5, abs=1e-6)
        num_hess = (ll.score_rows(theta + e, w).sum(axis=0) - ll.score_rows(theta - e, w).sum(axis=0)) / (2 * h)
        np.testing.assert_allclose(num_hess, H[i], rtol=1e-5, atol=1e-5)


def test_score_is_zero_at_the_estimate(design):
    md = model_data(design, "api_band ~ meals + stype")
    codes, labels = _levels(md)
    ll = _Loglik(md.X[:, 1:], codes, len(labels) - 1)
    theta = design.ordinal("api_band ~ meals + stype").coefficients.to_numpy()
    w = md.weights / md.weights.mean()
    assert np.abs(ll.score_rows(theta, w).sum(axis=0)).max() < 1e-8


def test_weight_scale_invariance(apiclus1):
    a = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum").ordinal("api_band ~ ell + stype")
    b = cs.SurveyDesign(apiclus1.assign(pw=apiclus1.pw * 0.01), weights="pw", psu="dnum").ordinal(
        "api_band ~ ell + stype")
    np.testing.assert_allclose(a.coefficients, b.coefficients, rtol=1e-9)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-8)


def test_string_levels_follow_an_ordered_categorical(apiclus1):
    """Labels name the thresholds; an ordered Categorical sets the order, and reversing it flips every sign."""
    names = {1: "low", 2: "mid", 3: "high", 4: "top"}
    order = ["low", "mid", "high", "top"]
    band = apiclus1["api_band"].map(names)
    up = apiclus1.assign(level=pd.Categorical(band, categories=order, ordered=True))
    down = apiclus1.assign(level=pd.Categorical(band, categories=order[::-1], ordered=True))
    f_up = cs.SurveyDesign(up, weights="pw", psu="dnum").ordinal("level ~ meals")
    f_down = cs.SurveyDesign(down, weights="pw", psu="dnum").ordinal("level ~ meals")
    ref = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum").ordinal("api_band ~ meals")
    assert list(f_up.thresholds.index) == ["low|mid", "mid|high", "high|top"]
    np.testing.assert_allclose(f_up.coefficients.to_numpy(), ref.coefficients.to_numpy(), rtol=1e-10)
    assert f_down.params["meals"] == pytest.approx(-f_up.params["meals"], rel=1e-9)
    np.testing.assert_allclose(f_down.thresholds.to_numpy(), -f_up.thresholds.to_numpy()[::-1], rtol=1e-9)
    np.testing.assert_allclose(f_down.bse.to_numpy()[:1], f_up.bse.to_numpy()[:1], rtol=1e-8)


def test_replicate_refits_are_the_replicate_variance(apiclus1):
    """On a JK1 design, the covariance is R's svrVar of the coefficients refitted on each replicate."""
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
    fit = d.ordinal("api_band ~ meals")
    reps = d.replicates
    thetas = []
    for r in range(reps.n_replicates):
        one = cs.SurveyDesign(apiclus1.assign(_w=reps.weights[:, r]).loc[reps.weights[:, r] > 0],
                              weights="_w", psu="dnum")
        thetas.append(one.ordinal("api_band ~ meals").coefficients.to_numpy())
    thetas = np.array(thetas)
    dev = thetas - thetas.mean(axis=0)
    cov = reps.scale * (dev * reps.rscales[:, None]).T @ dev
    np.testing.assert_allclose(fit.cov_params.to_numpy(), cov, rtol=1e-7)
    assert fit.variance_method.startswith("replicate weights")


def test_errors(design, apiclus1):
    with pytest.raises(ModelError, match="needs 3 or more levels.*glm\\(family='binomial'\\)"):
        design.ordinal("sch_wide ~ meals")
    with pytest.raises(ModelError, match="hessian='numeric'"):
        design.ordinal("api_band ~ meals", hessian="numeric")


def test_exact_hessian_where_r_finite_differences_break(apistrat):
    """A predictor in large units: R's fixed 1e-3 step breaks the Hessian; the exact one is unaffected."""
    d = cs.SurveyDesign(apistrat.assign(ell_k=apistrat.ell * 1000), weights="pw", strata="stype", fpc="fpc")
    small = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc").ordinal("api_band ~ ell + stype")
    big = d.ordinal("api_band ~ ell_k + stype")
    assert big.params["ell_k"] * 1000 == pytest.approx(small.params["ell"], rel=1e-8)
    assert big.bse["ell_k"] * 1000 == pytest.approx(small.bse["ell"], rel=1e-7)
    np.testing.assert_allclose(big.bse.to_numpy()[1:], small.bse.to_numpy()[1:], rtol=1e-7)
    with pytest.raises(ModelError, match="finite-difference Hessian .* not usable.*hessian='exact'"):
        d.ordinal("api_band ~ ell_k + stype", hessian="r")


def test_links_are_named_and_refused_when_unknown(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    probit = d.ordinal("api_band ~ meals", link="probit")
    assert probit.link == "probit" and "(probit)" in probit.summary().as_text()
    assert d.ordinal("api_band ~ meals", link="logistic").params["meals"] == pytest.approx(
        d.ordinal("api_band ~ meals").params["meals"], rel=1e-12)
    with pytest.raises(ModelError, match="link='loglog': use one of logit, probit, cloglog, cauchit"):
        d.ordinal("api_band ~ meals", link="loglog")

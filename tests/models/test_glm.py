"""Properties of design-based GLMs that hold whatever R says: textbook SRS formulas, invariances, identities
with the design's own estimators (as R survey's tests/domain.R), formula handling and error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import careersurvey as cs
from careersurvey.estimation.models import ModelError, ModelWarning, glm


def test_srs_gaussian_is_ols_with_sandwich(apistrat):
    """No weights, strata or PSUs: OLS coefficients, HC0 sandwich times n/(n-1), t on n-1 - p + 1 df."""
    d = cs.SurveyDesign(apistrat)
    fit = d.glm("api00 ~ ell + meals")
    X = np.column_stack([np.ones(len(apistrat)), apistrat[["ell", "meals"]].to_numpy(float)])
    y = apistrat["api00"].to_numpy(float)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    n = len(y)
    cov = bread @ (X * e[:, None] ** 2).T @ X @ bread * n / (n - 1)
    np.testing.assert_allclose(fit.params.to_numpy(), beta, rtol=1e-10)
    np.testing.assert_allclose(fit.cov_params.to_numpy(), cov, rtol=1e-8)
    assert fit.df_resid == (n - 1) + 1 - 3
    t = fit.params / fit.bse
    np.testing.assert_allclose(fit.pvalues, 2 * stats.t.sf(np.abs(t), n - 3), rtol=1e-12)


def test_weight_scale_invariance(apiclus1):
    d1 = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    d2 = cs.SurveyDesign(apiclus1.assign(pw=apiclus1["pw"] * 37.5), weights="pw", psu="dnum", fpc="fpc")
    for fam, f in [("binomial", "I(sch_wide == 'Yes') ~ ell + meals"), ("poisson", "api_stu ~ meals + stype")]:
        a, b = d1.glm(f, family=fam), d2.glm(f, family=fam)
        np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
        np.testing.assert_allclose(a.bse, b.bse, rtol=1e-8)


def test_intercept_only_equals_design_mean_in_a_domain(apistrat):
    """Gaussian intercept = domain mean with the same SE; poisson exp(intercept) = mean, SE by the delta rule."""
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc").subset(apistrat["awards"] == "Yes")
    m = d.mean("enroll")
    g = d.glm("enroll ~ 1")
    assert g.params["Intercept"] == pytest.approx(m["estimate"].iloc[0], rel=1e-10)
    assert g.bse["Intercept"] == pytest.approx(m["se"].iloc[0], rel=1e-8)
    p = d.glm("enroll ~ 1", family="poisson")
    assert np.exp(p.params["Intercept"]) == pytest.approx(m["estimate"].iloc[0], rel=1e-9)
    assert p.bse["Intercept"] == pytest.approx(m["se"].iloc[0] / m["estimate"].iloc[0], rel=1e-7)


def test_binomial_intercept_only_is_a_proportion(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    share = d.mean("sch_wide").loc["sch_wideYes"]
    fit = d.glm("I(sch_wide == 'Yes') ~ 1", family="binomial")
    p = 1 / (1 + np.exp(-fit.params["Intercept"]))
    assert p == pytest.approx(share["estimate"], rel=1e-10)
    assert fit.bse["Intercept"] == pytest.approx(share["se"] / (p * (1 - p)), rel=1e-7)


def test_two_level_response_and_C_terms(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    a = d.glm("I(sch_wide == 'Yes') ~ ell + stype", family="binomial")
    b = d.glm("sch_wide ~ ell + C(stype)", family="binomial")
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=1e-9)
    assert list(b.params.index) == ["Intercept", "ell", "C(stype)[T.H]", "C(stype)[T.M]"]


def test_missing_values_drop_rows_as_a_domain(apistrat):
    """Rows missing a model variable leave the fit but stay in the design, as R's design[-nas, ]."""
    d = cs.SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")
    fit = d.glm("api00 ~ acs_k3 + meals")
    complete = apistrat["acs_k3"].notna()
    ref = d.subset(complete).glm("api00 ~ acs_k3 + meals")
    assert fit.nobs == int(complete.sum()) == ref.nobs
    # degf counts what is left: 97 PSUs in 1 stratum (only elementary schools report acs_k3); 3 coefficients
    assert fit.df_resid == ref.df_resid == int(complete.sum()) - 1 + 1 - 3
    np.testing.assert_allclose(fit.params, ref.params, rtol=1e-12)
    np.testing.assert_allclose(fit.bse, ref.bse, rtol=1e-12)


def test_conf_int_and_summary(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    fit = d.glm("api00 ~ ell + meals + stype")
    ci = fit.conf_int()
    q = stats.t.ppf(0.975, fit.df_resid)
    np.testing.assert_allclose(ci["upper"] - fit.params, q * fit.bse, rtol=1e-12)
    table = fit.table
    assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high", "deff", "df", "cv"]
    np.testing.assert_allclose(table["ci_low"], ci["lower"], rtol=1e-12)
    text = fit.summary().as_text()
    assert "stype[T.H]" in text and "deff" in text
    # R 4.2.2, survey 4.1.1: m <- svyglm(api00 ~ ell + meals + stype, dclus1, deff = TRUE); deff(m); df.residual(m)
    assert fit.df_resid == 10
    assert any(line.split()[-2:] == ["(design):", "10"] for line in text.splitlines())
    np.testing.assert_allclose(fit.deff, [2.65535139100376, 1.84252026463069, 2.05769853373973,
                                          2.37955906725842, 2.10237554747442], rtol=1e-9)
    np.testing.assert_allclose(table["deff"], fit.deff, rtol=1e-12)
    html = fit.summary().as_html()
    assert "<table" in html and "stype[T.M]" in html
    assert fit._repr_html_() == html


def test_errors_name_the_problem(apiclus1):
    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    with pytest.raises(ModelError, match=r"variable\(s\) salary not in the data"):
        d.glm("api00 ~ salary")
    with pytest.raises(ModelError, match=r"binomial response must lie in \[0, 1\].*I\(x == 'level'\)"):
        d.glm("api00 ~ ell", family="binomial")
    with pytest.raises(ModelError, match=r"term\(s\) .*C\(stype\)\[T.M\].* linear combinations"):
        d.glm("api00 ~ stype + C(stype)")
    with pytest.raises(ModelError, match="family='negbin' is not supported"):
        d.glm("api00 ~ ell", family="negbin")
    with pytest.raises(ModelError, match=r"every row in the design has a missing value .*\(flag"):
        d.glm("api00 ~ flag")
    with pytest.raises(ModelError, match="needs a response"):
        d.glm("api00")
    with pytest.raises(ModelError, match="did not converge.*may separate the response"):  # ell > 40 separates it
        d.glm("I(ell > 40) ~ ell", family="binomial")
    assert issubclass(ModelError, ValueError)


def test_results_are_immutable(apiclus1):
    fit = glm(cs.SurveyDesign(apiclus1, weights="pw", psu="dnum"), "api00 ~ ell")
    with pytest.raises(AttributeError):
        fit.df_resid = 3  # type: ignore[misc]


@pytest.mark.parametrize("family,formula", [
    ("gaussian", "api00 ~ ell + meals + stype"),
    ("binomial", "I(sch_wide == 'Yes') ~ ell + meals + api99"),
    ("poisson", "api_stu ~ stype + meals"),
])
def test_point_estimates_equal_statsmodels_glm_with_var_weights(apiclus1, family, formula):
    """Our Fisher-scoring loop gives statsmodels GLM(var_weights=w)'s weighted MLE."""
    import warnings

    from formulaic import model_matrix
    from statsmodels.genmod.generalized_linear_model import GLM

    from careersurvey.estimation.models.glm import FAMILIES

    fit = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum").glm(formula, family=family)
    mm = model_matrix(formula, apiclus1, na_action="drop")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = GLM(np.asarray(mm.lhs, float).ravel(), np.asarray(mm.rhs, float), family=FAMILIES[family][0](),
                  var_weights=apiclus1.loc[mm.rhs.index, "pw"].to_numpy()).fit(tol=1e-14, maxiter=200)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params, rtol=1e-9)


def test_boundary_fitted_probabilities_warn_as_r():
    """A finite but steep fit (overlap only near 0) reaches fitted probabilities of 0 and 1: R warns, so do we."""
    x = np.arange(-100, 101, dtype=float)
    y = (x > 0).astype(float)
    y[[99, 100, 101, 102]] = [1, 0, 1, 0]  # x = -1, 0, 1, 2 overlap
    d = cs.SurveyDesign(pd.DataFrame({"x": x, "y": y}))
    with pytest.warns(ModelWarning, match="fitted probabilities numerically 0 or 1"):
        fit = d.glm("y ~ x", family="binomial")
    assert np.isfinite(fit.params).all() and fit.params["x"] > 0.5
    # R 4.2.2, survey 4.1.1: svyglm(y ~ x, svydesign(id = ~1, data = ...), family = quasibinomial,
    # control = glm.control(epsilon = 1e-14, maxit = 100)) warns the same and gives coef() and SE():
    np.testing.assert_allclose(fit.params, [-0.372838453864785, 0.74567690772957], rtol=1e-6)
    np.testing.assert_allclose(fit.bse, [0.927372410543418, 0.220617985518433], rtol=1e-6)


def test_link_by_name_or_statsmodels_family(apiclus1):
    from statsmodels.genmod import families
    from statsmodels.genmod.families import links

    d = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    f = "I(sch_wide == 'Yes') ~ ell + meals"
    by_name = d.glm(f, family="binomial", link="probit")
    by_object = d.glm(f, family=families.Binomial(links.Probit()))
    np.testing.assert_allclose(by_name.params, by_object.params, rtol=1e-12)
    np.testing.assert_allclose(by_name.bse, by_object.bse, rtol=1e-12)
    assert by_name.link == "probit"
    with pytest.raises(ModelError, match="link='logistic' is not supported; use one of identity, log, logit"):
        d.glm(f, family="binomial", link="logistic")
    with pytest.raises(ModelError, match="give the link inside the statsmodels family object"):
        d.glm(f, family=families.Binomial(), link="probit")


@pytest.mark.parametrize("order", ["C", "F"])
def test_complete_separation_is_an_error_whatever_the_memory_layout(apiclus1, order):
    """The last IRLS step on separated data may or may not count as converged depending on rounding (the
    layout of X changes it); the answer must not: a deviance of 0 on a 0/1 response has no finite MLE."""
    from statsmodels.genmod import families

    from careersurvey.estimation.models.glm import _fit

    X = np.array(np.column_stack([np.ones(len(apiclus1)), apiclus1["ell"]]), order=order)
    y = (apiclus1["ell"] > 40).to_numpy(float)
    with pytest.raises(ModelError, match="every fitted probability is 0 or 1.*may separate the response"):
        _fit(y, X, apiclus1["pw"].to_numpy(float), families.Binomial(), None, 100, "I(ell > 40) ~ ell", "full")


def test_fit_extras_are_read_only(apiclus1):
    fit = cs.SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc").glm("api00 ~ ell")
    assert fit.extra["iterations"] >= 1
    with pytest.raises(TypeError):
        fit.extra["deviance"] = 0.0

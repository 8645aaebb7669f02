"""Predictive margins and average marginal effects: identities they must satisfy whatever R says, and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.estimation.models import ModelError


@pytest.fixture()
def staff() -> pd.DataFrame:
    """A survey of research staff written here: sector, years, an outcome with a missing code."""
    rng = np.random.default_rng(11)
    n = 300
    sector = rng.choice(["academia", "industry", "institute"], n, p=[0.5, 0.3, 0.2])
    years = rng.uniform(0, 30, n)
    p = 1 / (1 + np.exp(-(-1 + 0.05 * years + (sector == "industry") * 0.8)))
    moved = rng.binomial(1, p).astype(float)
    moved[:7] = -9.0  # no answer
    return pd.DataFrame({"rid": [f"R{i:03d}" for i in range(n)], "unit": np.repeat(np.arange(30), 10),
                         "wt": rng.uniform(1, 6, n), "sector": sector, "years": years, "moved": moved,
                         "pay": 3000 + 80 * years + (sector == "industry") * 900 + rng.normal(0, 400, n)})


def test_linear_model_margins_are_exact(staff):
    """Identity link, no interaction: margin differences are the coefficients with their SEs; the AME of a
    linear term is its coefficient, with the coefficient's SE (the fixed part has no variance)."""
    d = cs.SurveyDesign(staff, weights="wt", psu="unit")
    fit = d.glm("pay ~ years + sector")
    m = fit.predictive_margins("sector", levels=["academia", "industry", "institute"])
    diff = cs.contrast(m, {"ind": {"industry": 1, "academia": -1}})
    assert diff["estimate"].iloc[0] == pytest.approx(fit.params["sector[T.industry]"], rel=1e-10)
    ame = fit.marginal_effect("years")
    assert ame["estimate"].iloc[0] == pytest.approx(fit.params["years"], rel=1e-8)
    assert ame["se"].iloc[0] == pytest.approx(fit.bse["years"], rel=1e-6)


def test_margins_of_an_intercept_only_group_model_are_domain_means(staff):
    """With the group as the only predictor, the predictive margin of g is the mean of g's rows."""
    d = cs.SurveyDesign(staff.assign(moved=staff["moved"].where(staff["moved"] >= 0)), weights="wt", psu="unit",
                        missing_codes=cs.MISSING_CODES)
    fit = d.glm("moved ~ sector", family="binomial")
    m = fit.predictive_margins("sector")
    by = d.mean("moved", by="sector", na_rm=True)
    for level in m.index:
        assert m.loc[level, "estimate"] == pytest.approx(by.loc[level, "estimate"], rel=1e-9)


def test_missing_codes_and_errors(staff):
    d = cs.SurveyDesign(staff, weights="wt", psu="unit", missing_codes=cs.MISSING_CODES)
    with pytest.raises(cs.MissingCodeError, match="moved"):
        d.glm("moved ~ sector + years", family="binomial")
    fit = d.glm("pay ~ years + sector")
    with pytest.raises(ModelError, match="'region' is not a column"):
        fit.predictive_margins("region")
    with pytest.raises(ModelError, match="'wt' is not in the model"):
        fit.predictive_margins("wt")
    with pytest.raises(ModelError, match="'sector' is not numeric"):
        fit.marginal_effect("sector")
    olr = cs.SurveyDesign(staff.assign(band=np.digitize(staff["pay"], [4000, 5000])), weights="wt",
                          psu="unit").ordinal("band ~ years")
    with pytest.raises(ModelError, match="need a glm"):
        olr.predictive_margins("years")


def test_marginal_predictions_balance_the_adjustment_variables(staff):
    """After R's reweighting the adjustment variable has the same weighted mean in every group of the model's
    factor (uncorrelated with it), which is what makes the predictions standardised."""
    d = cs.SurveyDesign(staff, weights="wt", psu="unit")
    fit = d.glm("pay ~ sector")
    at = pd.DataFrame({"sector": ["academia", "industry", "institute"]})
    res = fit.marginal_predictions("~ years", at)
    g = res.attrs["g"]
    w = staff["wt"].to_numpy() * g
    means = [np.average(staff["years"][staff["sector"] == s], weights=w[(staff["sector"] == s).to_numpy()])
             for s in at["sector"]]
    assert max(means) - min(means) < 1e-3 * np.mean(means)
    raw = [np.average(staff["years"][staff["sector"] == s], weights=staff["wt"][staff["sector"] == s])
           for s in at["sector"]]
    assert max(raw) - min(raw) > 0.1  # there was something to balance
    with_cal = fit.marginal_predictions("~ years", at, calibration_variance=True)
    np.testing.assert_allclose(with_cal["estimate"], res["estimate"], rtol=1e-12)
    assert not np.allclose(with_cal["se"], res["se"], rtol=1e-6)


def test_marginal_predictions_errors(staff):
    d = cs.SurveyDesign(staff, weights="wt", psu="unit")
    at = pd.DataFrame({"sector": ["academia"]})
    with pytest.raises(ModelError, match="adjustment variables are all in the model"):
        d.glm("pay ~ sector").marginal_predictions("~ sector", at)
    with pytest.raises(ModelError, match="no replicate version"):
        d.replicate("JK1").glm("pay ~ sector").marginal_predictions("~ years", at)
    with pytest.raises(ModelError, match="type='mean'"):
        d.glm("pay ~ sector").marginal_predictions("~ years", at, type="mean")

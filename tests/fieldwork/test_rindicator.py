"""R-indicator (Schouten, Cobben & Bethlehem 2009): against cell response rates (a saturated model's
propensities), against statsmodels' logistic fit, and its bootstrap SE against the spread over repeated samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from careersurvey.fieldwork import FieldworkError
from careersurvey.fieldwork.rindicator import r_indicator


def population(n, seed, strength=1.0):
    rng = np.random.default_rng(seed)
    sector = rng.choice(["01", "02", "03"], n, p=[0.5, 0.3, 0.2])
    age = rng.uniform(25, 65, n)
    lp = -0.2 + strength * (np.select([sector == "02", sector == "03"], [0.6, -0.8], 0) + 0.02 * (age - 45))
    responded = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    return pd.DataFrame({"sector": sector, "age": age, "responded": responded,
                         "w": rng.uniform(1, 9, n).round(2)})


def by_hand(rho, d):
    N = d.sum()
    rbar = np.sum(d * rho) / N
    return 1 - 2 * np.sqrt(np.sum(d * (rho - rbar) ** 2) / (N - 1)), rbar


def test_saturated_model_propensities_are_weighted_cell_response_rates():
    s = population(600, 1)
    got = r_indicator(s, ["sector"], responded="responded", weights="w", replicates=0)
    cell = s.groupby("sector").apply(lambda g: np.sum(g["w"] * g["responded"]) / g["w"].sum(), include_groups=False)
    rho = s["sector"].map(cell).to_numpy()
    np.testing.assert_allclose(got.propensity.to_numpy(), rho, atol=1e-9)
    r, rbar = by_hand(rho, s["w"].to_numpy())
    assert got.r == pytest.approx(r, abs=1e-9) and got.rho_bar == pytest.approx(rbar, abs=1e-12)
    assert got.max_bias == pytest.approx((1 - r) / (2 * rbar), abs=1e-9)


def test_numeric_and_categorical_covariates_as_statsmodels_fits_them():
    s = population(800, 2)
    got = r_indicator(s, ["sector", "age"], responded="responded", weights="w", replicates=0)
    X = sm.add_constant(np.column_stack([(s["sector"] == "02"), (s["sector"] == "03"), s["age"]]).astype(float))
    fit = sm.GLM(s["responded"].to_numpy(), X, family=sm.families.Binomial(), var_weights=s["w"].to_numpy()).fit()
    np.testing.assert_allclose(got.propensity.to_numpy(), fit.fittedvalues, atol=1e-8)
    assert got.r == pytest.approx(by_hand(fit.fittedvalues, s["w"].to_numpy())[0], abs=1e-8)


def test_dispositions_decide_response_and_ineligibles_are_left_out():
    s = population(300, 3)
    s["disposition"] = np.where(s["responded"] == 1, "1.1", "2.26")
    s.loc[:9, "disposition"] = "4.1"  # not eligible: out of the model
    s.loc[10:19, "disposition"] = np.where(s.loc[10:19, "responded"] == 1, "1.2", "3.19")
    got = r_indicator(s, ["sector"], replicates=0)
    ref = r_indicator(s.iloc[10:], ["sector"], responded="responded", replicates=0)
    assert got.n == 290 and got.r == pytest.approx(ref.r, abs=1e-12)


def test_bootstrap_se_matches_the_spread_over_repeated_samples():
    """300 samples of 500 from one response mechanism: the SD of R over them against the bootstrap SE of one
    sample (200 replicates); within 35% (the bootstrap SE of one sample varies by about 10%)."""
    spread = np.std([r_indicator(population(500, 100 + k), ["sector", "age"], responded="responded",
                                 replicates=0).r for k in range(300)], ddof=1)
    one = r_indicator(population(500, 7), ["sector", "age"], responded="responded", replicates=200, seed=5)
    assert 0.65 < one.se / spread < 1.35, (one.se, spread)
    again = r_indicator(population(500, 7), ["sector", "age"], responded="responded", replicates=200, seed=5)
    assert again.se == one.se and one.ci_low < one.r < one.ci_high
    assert one.ci_high - one.r == pytest.approx(1.959963984540054 * one.se)


def test_response_unrelated_to_the_covariates_is_representative():
    flat = r_indicator(population(3000, 4, strength=0.0), ["sector", "age"], responded="responded", replicates=0)
    steep = r_indicator(population(3000, 4, strength=2.0), ["sector", "age"], responded="responded", replicates=0)
    assert flat.r > 0.95 and steep.r < 0.8


def test_errors_name_rows_and_columns():
    s = population(20, 5)
    s.loc[4, "sector"] = None
    with pytest.raises(FieldworkError, match=r"column sector: sector is empty in index 4; the propensity model"):
        r_indicator(s, ["sector"], responded="responded")
    s = population(20, 5)
    s["responded"] = s["responded"].astype(object)
    s.loc[2, "responded"] = "yes"
    with pytest.raises(FieldworkError, match=r"responded must be 1 \(responded\) or 0; index 2 has 'yes'"):
        r_indicator(s, ["sector"], responded="responded")

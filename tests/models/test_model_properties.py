"""Property tests on random stratified cluster samples: identities that tie the models to the design's own
estimators (as R survey's tests/domain.R) and invariances, whatever the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import careersurvey as cs


@st.composite
def samples(draw) -> pd.DataFrame:
    """2-4 strata of 2-5 PSUs with 1-6 rows each; y, x numeric, g a two-level group present in both levels."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(draw(st.integers(2, 4))):
        for j in range(draw(st.integers(2, 5))):
            for _ in range(int(rng.integers(1, 7))):
                rows.append((h, f"{h}-{j}"))
    df = pd.DataFrame(rows, columns=["stratum", "psu"])
    n = len(df)
    df["w"] = rng.uniform(1, 20, n)
    df["x"] = rng.normal(0, 1, n)
    df["g"] = np.where(np.arange(n) % 3 == 0, "b", "a")
    df["y"] = 2 + df["x"] + (df["g"] == "b") + rng.normal(0, 1, n)
    return df


@settings(max_examples=40)
@given(samples(), st.floats(0.01, 100))
def test_scaling_the_weights_changes_nothing(df, c):
    a = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu").glm("y ~ x + g")
    b = cs.SurveyDesign(df.assign(w=df.w * c), weights="w", strata="stratum", psu="psu").glm("y ~ x + g")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-7, atol=1e-12)


@settings(max_examples=40)
@given(samples())
def test_group_regression_is_the_domain_means(df):
    """y ~ g: intercept = mean of group a with its domain SE; intercept + slope = mean of group b."""
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    fit = d.glm("y ~ g")
    by = d.mean("y", by="g")
    np.testing.assert_allclose(fit.params["Intercept"], by.loc["a", "estimate"], rtol=1e-10)
    np.testing.assert_allclose(fit.params.sum(), by.loc["b", "estimate"], rtol=1e-10)
    np.testing.assert_allclose(fit.bse["Intercept"], by.loc["a", "se"], rtol=1e-7)

"""R survey parity cases of issue 14 (tests/fixtures/r-survey-parity/: spec.json -> run_cases.R -> cases.json,
R 4.2.2 with survey 4.1.1), each compared to 1e-6 relative.

Quantiles on tied data: equal weights within each domain and integer-valued variables, where the weighted CDF
lands exactly on p and qrule "math" must take the lower value as R does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rcases import load_cases, load_data

import careersurvey as cs
from careersurvey.estimation.estimators import WeightedCDF

FOLDER = "r-survey-parity"


def close(actual, expected, rel: float = 1e-6) -> None:
    """Relative agreement; JSON nulls (R's NA/NaN) must be NaN here."""
    expected = np.array([np.nan if e is None else e for e in np.ravel(expected)], dtype=float)
    actual = np.asarray(actual, dtype=float).reshape(-1)
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=1e-12 * np.nanmax(np.abs(expected), initial=1))


def build(case: dict) -> cs.SurveyDesign:
    folder, name = case["data"].split("/")
    de = case["design"]
    return cs.SurveyDesign(load_data(folder, name), weights=de["weights"], strata=de.get("strata"),
                           psu=de.get("psu"), fpc=de.get("fpc"))


def _cases(kind: str) -> list:
    return [pytest.param(c, id=c["id"]) for c in load_cases(FOLDER) if c["estimate"]["type"] == kind]


@pytest.mark.parametrize("case", _cases("quantile"))
def test_quantile_ties_match_r(case: dict) -> None:
    est, exp = case["estimate"], case["expected"]
    d = build(case)
    res = d.quantile(est["variable"], est["quantiles"], na_rm=bool(est.get("na_rm")), by=est.get("by"))
    if "levels" in exp:
        assert [str(v) for v in res.index.get_level_values(0).unique()] == exp["levels"]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        close(res[col], exp[col])
    assert d.design_df == exp["design_df"]


def test_the_cases_load() -> None:
    assert len(_cases("quantile")) == 9


def test_a_step_of_equal_weights_is_an_exact_tie() -> None:
    """With 14 equal weights of 33.847 a double cumulative sum at 7 misses half the total by an ulp; the
    median is still the 7th value (the lower one at the step), and p below the first step gives the second
    smallest value, as R's qs()/last() do."""
    w = np.full(14, 33.847)
    assert np.cumsum(w)[6] / w.sum() != 0.5  # the trap
    x = np.arange(14.0) * 10
    cdf = WeightedCDF.of(x, w)
    assert cdf.qrule_math(0.5) == 60.0
    assert cdf.qrule_math(0.5 + 1e-9) == 70.0  # a true difference far above rounding is not a tie
    assert cdf.qrule_math(0.01) == 10.0 and cdf.qrule_math(0.0) == 10.0
    assert cdf.qrule_math(1.0) == 130.0

"""Calibration to estimated totals: the targets' own variance reaches the replicate variances."""

from __future__ import annotations

import numpy as np
import pytest

import careersurvey as cs
import weighting_rcases as rc

TOTALS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}


@pytest.fixture(scope="module")
def data():
    return rc.load_data("r-survey", "apiclus1.csv")


def test_calibration_variables_get_their_targets_variance(data) -> None:
    d = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc").replicate("JK1", mse=True)
    b = d.calibrate(TOTALS, target_se={"api99": 50000, "stype": {"H": 40}})
    assert b.total("api99")["se"].iloc[0] == pytest.approx(50000, rel=1e-9)
    se = b.total("stype")["se"].to_numpy()
    assert se[1] == pytest.approx(40, rel=1e-9) and se[0] < 1e-3 and se[2] < 1e-3
    np.testing.assert_allclose(b.w, d.calibrate(TOTALS).w, rtol=1e-12)  # point estimates unchanged
    # an estimate correlated with api99 gains roughly (B * se)^2 over the known-target calibration
    known = d.calibrate(TOTALS).total("api00")["se"].iloc[0]
    est = b.total("api00")["se"].iloc[0]
    assert est > known


def test_without_mse_close_to_target_se(data) -> None:
    d = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
    b = d.calibrate(TOTALS, target_se={"api99": 50000})
    # centring on the replicate mean takes a 1/R share of the perturbation off the variance
    assert b.total("api99")["se"].iloc[0] == pytest.approx(50000 * np.sqrt(1 - 1 / 15), rel=1e-6)


def test_estimated_totals_errors(data) -> None:
    lin = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc")
    with pytest.raises(cs.WeightingError, match="needs a replicate design"):
        lin.calibrate(TOTALS, target_se={"api99": 1.0})
    rep = lin.replicate("JK1")
    margins = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}
    with pytest.raises(cs.WeightingError, match="the first level of margin 'sch_wide' is implied"):
        rep.calibrate(margins, target_se={"sch_wide": {"No": 30}})
    with pytest.raises(cs.WeightingError, match="there is no such calibration target"):
        rep.calibrate(margins, target_se={"enroll": 30})

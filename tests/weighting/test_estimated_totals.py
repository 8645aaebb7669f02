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
    # B: weighted least squares of api00 on the calibration variables (GREG coefficients), solved here
    x = np.column_stack([(data["stype"] == level).to_numpy(float) for level in "EHM"]
                        + [data["api99"].to_numpy(float)])
    w, y = data["pw"].to_numpy(float), data["api00"].to_numpy(float)
    coef = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * y))
    # replicates perturb the targets and recalibrate, so agreement is close, not exact (2.7% here)
    assert est == pytest.approx(np.sqrt(known**2 + (40 * coef[1]) ** 2 + (50000 * coef[3]) ** 2), rel=0.05)


def test_without_mse_close_to_target_se(data) -> None:
    d = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
    b = d.calibrate(TOTALS, target_se={"api99": 50000})
    # centring on the replicate mean takes a 1/R share of the perturbation off the variance
    assert b.total("api99")["se"].iloc[0] == pytest.approx(50000 * np.sqrt(1 - 1 / 15), rel=1e-6)


def test_estimated_totals_errors(data) -> None:
    lin = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc")
    rep = lin.replicate("JK1")
    margins = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}
    with pytest.raises(cs.WeightingError, match="the first level of margin 'sch_wide' is implied"):
        rep.calibrate(margins, target_se={"sch_wide": {"No": 30}})
    with pytest.raises(cs.WeightingError, match="there is no such calibration target"):
        rep.calibrate(margins, target_se={"enroll": 30})


def test_linearised_term_for_estimated_targets(data) -> None:
    """CalibrationStep.extra_variance: B' V_T B with B the w0-weighted regression on the calibration variables.

    The design's linearised variance adds it: var = variance of the residuals + step.extra_variance(z).
    """
    lin = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc")
    rep = lin.replicate("JK1", mse=True).calibrate(TOTALS, target_se={"api99": 50000, "stype": {"H": 40}})
    step = rep.adjustments[-1]
    assert step.names == ("stype=E", "stype=H", "stype=M", "api99")
    np.testing.assert_array_equal(step.target_var, [0.0, 1600.0, 0.0, 50000.0**2])
    cal = lin.calibrate(TOTALS)
    x = np.column_stack([(data["stype"] == s).to_numpy(float) for s in "EHM"] + [data["api99"].to_numpy(float)])
    half = np.sqrt(lin.w)
    for var in ("api99", "api00"):
        y = data[var].to_numpy(float)
        z = cal.w * y  # weighted influence values of the total of y
        b = np.linalg.lstsq(x * half[:, None], y * half, rcond=None)[0]  # WLS of y on X, weights w0
        np.testing.assert_allclose(step.coefficients(z)[:, 0], b, rtol=1e-8, atol=1e-9)
        extra = step.extra_variance(z)[0, 0]
        assert extra == pytest.approx(1600 * b[1] ** 2 + 50000.0**2 * b[3] ** 2, rel=1e-10)
        se_lin = np.sqrt(cal.variance(z)[0, 0] + extra)
        se_rep = rep.total(var)["se"].iloc[0]
        assert se_lin == pytest.approx(se_rep, rel=0.02)  # the replicate route perturbs targets instead
    z = cal.w * data["api99"].to_numpy(float)
    assert np.sqrt(cal.variance(z)[0, 0] + step.extra_variance(z)[0, 0]) == pytest.approx(50000, rel=1e-9)
    assert not cal.adjustments[-1].extra_variance(z).any()  # known targets add nothing


def test_linearisation_design_adds_the_targets_variance(data) -> None:
    """On a linearisation design the estimated targets' variance reaches every estimate through the design."""
    lin = cs.SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc")
    known = lin.calibrate(TOTALS)
    est = lin.calibrate(TOTALS, target_se={"api99": 50000, "stype": {"H": 40}})
    np.testing.assert_allclose(est.w, known.w, rtol=1e-12)  # point estimates unchanged
    assert est.total("api99")["se"].iloc[0] == pytest.approx(50000, rel=1e-9)
    assert est.total("stype")["se"].iloc[1] == pytest.approx(40, rel=1e-9)
    step = est.adjustments[-1]
    for var in ("api00", "enroll"):
        z = known.w * data[var].to_numpy(float)
        assert not np.isnan(z).any()  # apiclus1 has api00 and enroll for every school: no case is skipped
        expected = np.sqrt(known.variance(z)[0, 0] + step.extra_variance(z)[0, 0])
        assert est.total(var)["se"].iloc[0] == pytest.approx(expected, rel=1e-10)
        assert est.total(var)["se"].iloc[0] > known.total(var)["se"].iloc[0]
    rep = lin.replicate("JK1", mse=True).calibrate(TOTALS, target_se={"api99": 50000, "stype": {"H": 40}})
    assert est.total("api00")["se"].iloc[0] == pytest.approx(rep.total("api00")["se"].iloc[0], rel=0.02)

"""Every weighting and replicate-design case of the R survey fixtures, matched to R to 1e-6.

Weights (full vectors), estimates and standard errors after post-stratification, raking, linear and logit
calibration with bounds, trimming, nonresponse classes, and JK1/JKn/BRR/Fay/bootstrap replicate designs;
model cases (glm, svyolr) on these designs are tested with the models.
"""

from __future__ import annotations

import numpy as np
import pytest

import weighting_rcases as rc

TYPES = ("weights", "mean", "total", "ratio", "by_mean", "by_total")
CASES = [(folder, c) for folder in ("r-survey", "r-survey-extra") for c in rc.relevant(folder, TYPES)]


def test_fixtures_present() -> None:
    ids = {c["id"] for _, c in CASES}
    assert len(CASES) >= 35
    assert {"clus1-logit-bounds-weights", "clus2-trim-weights", "rep-brr-mean", "rep-boot-total",
            "clus1-poststrat2-weights", "clus1-rake3-mean-api00"} <= ids


@pytest.mark.parametrize("folder,case", CASES, ids=[c["id"] for _, c in CASES])
def test_matches_r(folder: str, case: dict) -> None:
    d = rc.build(case, folder)
    exp = case["expected"]
    est = case["estimate"]
    if est["type"] == "weights":
        np.testing.assert_allclose(d.w, exp["weights"], rtol=1e-6, atol=1e-9)
    else:
        if est["type"] == "ratio":
            r = d.ratio(est["numerator"], est["denominator"])
        elif est["type"] in ("by_mean", "by_total"):
            r = getattr(d, est["type"][3:])(est["variable"], by=est["by"])
        else:
            r = getattr(d, est["type"])(est["variable"], na_rm=bool(est.get("na_rm")))
        np.testing.assert_allclose(r["estimate"].to_numpy(float), exp["estimate"], rtol=1e-6)
        np.testing.assert_allclose(r["se"].to_numpy(float), exp["se"], rtol=1e-6)
    rep = exp.get("replicate")
    if rep is not None:
        reps = d.replicates
        assert reps.n_replicates == rep["n_replicates"]
        np.testing.assert_allclose(reps.scale, rep["scale"], rtol=1e-12)
        np.testing.assert_allclose(reps.rscales, rep["rscales"], rtol=1e-12)
        assert reps.mse == bool(rep["mse"])
    if "design_df" in exp and est["type"] != "weights" and (rep is None or not case.get("subset")):
        expected_df = exp["design_df"]
        got = d.replicates.degf if d.replicates is not None else d.design_df
        assert got == expected_df


@pytest.mark.parametrize("case_id,export,rho", [("rep-brr-mean", "apistrat_brr_repw.csv", None),
                                                ("rep-fay-mean", "apistrat_fay_repw.csv", 0.5)])
def test_brr_multipliers_equal_r(case_id: str, export: str, rho: float | None) -> None:
    """Our Hadamard (Sylvester, 16 x 16 for 12 strata) and pair order give R's multipliers column by column."""
    case = rc.case("r-survey-extra", case_id)
    d = rc.build(case, "r-survey-extra")
    mult = d.replicates.weights / d.w[:, None]
    r_mult = rc.load_data("r-survey-extra", export).to_numpy(float)
    np.testing.assert_allclose(mult, r_mult, rtol=0, atol=1e-12)

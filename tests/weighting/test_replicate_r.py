"""Replicate designs against R's as.svrepdesign / calibrate.svyrep.design (fixtures/replicate_cases.R):
JKn under every lonely-PSU rule, with and without fpc, a stratum sampled exhaustively (its replicates dropped,
as R does), shipped replicate columns with rscales of 0 (centred on the others, as R's svrVar), and calibration
applied to every replicate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import careersurvey as cs
import weighting_rcases as rc

CASES = json.loads((Path(__file__).parent / "fixtures" / "replicate_cases.json").read_text())["cases"]
POP = {"stype": {"E": 6194 - 755 - 1018, "H": 755, "M": 1018}, "api99": 3914069}


def _design(case_id: str):
    if case_id.startswith("other-rscales-zero-"):
        df = rc.load_data("r-survey-extra", "apiclus1_boot.csv")
        return cs.SurveyDesign.from_replicates(df, weights="pw", replicate_weights="^boot[0-9]+$", method="other",
                                               scale=1 / 44, rscales=[0.0] * 5 + [1.0] * 45)
    if case_id.startswith("jkn-lonely-"):
        rule = case_id.split("-")[2]
        df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
        fpc = "fpc_str3" if "-fpc-" in case_id else None
        return cs.SurveyDesign(df, weights="pw", strata="str3", psu="dnum", fpc=fpc, lonely_psu=rule).replicate("JKn")
    if case_id.startswith("jk1-"):
        df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
        d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
        method = "logit" if "logit" in case_id else "linear"
        return d.calibrate(POP, method=method, bounds=(0.4, 3), max_iter=500, tol=1e-13)
    df = rc.load_data("r-survey-extra", "apistrat_x.csv")
    if case_id.startswith("jkn-census-h-"):
        census = np.where(df["stype"] == "H", df.groupby("stype")["pw"].transform("size"), df["fpc"])
        return cs.SurveyDesign(df.assign(fpc_census_h=census), weights="pw", strata="stype",
                               fpc="fpc_census_h").replicate("JKn")
    d = cs.SurveyDesign(df, weights="pw", strata="stype", fpc="fpc").replicate("JKn")
    return d.calibrate({"awards": {"No": 6194 - 4167, "Yes": 4167}})


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_replicate_case_matches_r(case: dict) -> None:
    d = _design(case["id"])
    r = getattr(d, case["type"])(case["variable"])
    np.testing.assert_allclose(r["estimate"].iloc[0], case["estimate"], rtol=1e-9)
    np.testing.assert_allclose(r["se"].iloc[0], case["se"], rtol=1e-6)
    reps = d.replicates
    assert reps.n_replicates == case["n_replicates"]
    np.testing.assert_allclose(reps.scale, case["scale"], rtol=1e-12)
    np.testing.assert_allclose(reps.rscales, case["rscales"], rtol=1e-12)
    if "degf" in case:
        assert d.design_df == case["degf"]


def test_replicate_that_cannot_meet_the_bounds_is_an_error() -> None:
    """R warns and uses unconverged replicate weights (bounds 0.7-1.7 here); we refuse, naming the replicate."""
    df = rc.load_data("r-survey-extra", "apiclus1_x.csv")
    d = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc").replicate("JK1")
    with pytest.raises(cs.WeightingError, match=r"logit calibration \(replicate \d+\) did not converge after 500 "
                                                r"iterations"):
        d.calibrate(POP, method="logit", bounds=(0.7, 1.7), max_iter=500, tol=1e-13)

"""nonresponse_comparison: shares and means by hand, the tests against R survey (tests/fixtures/r-nonresponse)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import careersurvey as cs
from careersurvey.fieldwork import FieldworkError
from careersurvey.fieldwork.nonresponse import nonresponse_comparison

HERE = Path(__file__).parents[1] / "fixtures" / "r-nonresponse"
R = json.loads((HERE / "cases.json").read_text())


@pytest.fixture
def sample():
    return cs.read_sample(HERE / "sample.csv", text=["disposition", "stratum", "psu"])


def test_against_r_survey_and_by_hand(sample):
    got = nonresponse_comparison(sample, ["sector", "age"], weights="base_weight", strata="stratum", psu="psu")
    chi = got[got["variable"] == "sector"].iloc[0]
    assert chi["statistic"] == pytest.approx(R["chisq"]["statistic"], rel=1e-6)
    assert chi["df"] == pytest.approx(R["chisq"]["ndf"], rel=1e-6)
    assert chi["ddf"] == pytest.approx(R["chisq"]["ddf"], rel=1e-6)
    assert chi["p_value"] == pytest.approx(R["chisq"]["p_value"], rel=1e-6)
    t = got[got["variable"] == "age"].iloc[0]
    assert t["statistic"] == pytest.approx(R["ttest"]["t"], rel=1e-6) and t["df"] == R["ttest"]["df"]
    assert t["p_value"] == pytest.approx(R["ttest"]["p_value"], rel=1e-6)
    # shares and means by hand, the not eligible (4.x) left out
    e = sample[~sample["disposition"].str.startswith("4.")]
    r = e[e["disposition"].isin(["1.1", "1.2"])]
    for level in ("firm", "inst", "univ"):
        row = got[(got["variable"] == "sector") & (got["level"] == level)].iloc[0]
        full = e.loc[e["sector"] == level, "base_weight"].sum() / e["base_weight"].sum()
        resp = r.loc[r["sector"] == level, "base_weight"].sum() / r["base_weight"].sum()
        assert (row["full_sample"], row["respondents"], row["difference"]) == pytest.approx((full, resp, resp - full))
    assert t["full_sample"] == pytest.approx(np.average(e["age"], weights=e["base_weight"]))
    assert t["respondents"] == pytest.approx(np.average(r["age"], weights=r["base_weight"]))


def test_empty_frame_variable_is_named(sample):
    sample.loc[sample.index[7], "sector"] = None
    with pytest.raises(FieldworkError, match=r"column sector: sector is empty in row 9; a frame variable"):
        nonresponse_comparison(sample, ["sector"], source="sample.csv")

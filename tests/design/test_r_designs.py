"""R survey cases for the design and weighting features of issue 14 (tests/fixtures/r-survey-designs/:
spec.json -> run_cases.R -> cases.json, R 4.2.2 with survey 4.1.1), each compared to 1e-6 relative.

deff on an SRS-without-replacement base (R's ``deff = TRUE``) beside the with-replacement one.
"""

from __future__ import annotations

import numpy as np
import pytest
from rcases import load_cases, load_data

import careersurvey as cs

FOLDER = "r-survey-designs"
DEFF = {"replace": "replace", True: "srswor", None: "replace"}


def close(actual, expected, rel: float = 1e-6) -> None:
    """Relative agreement; JSON nulls (R's NA/NaN) must be NaN here."""
    expected = np.array([np.nan if e is None else e for e in np.ravel(expected)], dtype=float)
    actual = np.asarray(actual, dtype=float).reshape(-1)
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=1e-12 * np.nanmax(np.abs(expected), initial=1))


def build(case: dict) -> cs.SurveyDesign:
    """The case's design as R built it: svydesign, replicate weights, weighting steps in order, the domain."""
    folder, name = case["data"].split("/")
    df = load_data(folder, name)
    de = case["design"]
    d = cs.SurveyDesign(df, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                        fpc=de.get("fpc"))
    if case.get("replicate"):
        d = d.replicate(case["replicate"]["type"])
    for step in case.get("weighting", []):
        if "poststratify" in step:
            ps = step["poststratify"]
            d = d.poststratify(ps["variable"], ps["totals"])
    if case.get("subset"):
        d = d.subset(case["subset"])
    return d


def _cases(*prefixes: str) -> list:
    return [pytest.param(c, id=c["id"]) for c in load_cases(FOLDER) if c["id"].startswith(prefixes)]


def estimate(d: cs.SurveyDesign, est: dict, **kw):
    kind = est["type"].removeprefix("by_")
    if "by" in est:
        kw["by"] = est["by"]
    if kind == "ratio":
        return d.ratio(est["variable"], est["denominator"], na_rm=bool(est.get("na_rm")), **kw)
    return getattr(d, kind)(est["variable"], na_rm=bool(est.get("na_rm")), **kw)


@pytest.mark.parametrize("case", _cases("deff-"))
def test_deff_matches_r(case: dict) -> None:
    """deff="replace" (R's deff = "replace") and deff="srswor" (R's deff = TRUE: the SRS variance times
    (N - n)/N, N the sum of the weights of the estimate's rows), for mean, total, ratio and by, on
    linearised, post-stratified and replicate designs and a domain."""
    est, exp = case["estimate"], case["expected"]
    d = build(case)
    res = estimate(d, est, deff=DEFF[est.get("deff")])
    close(res["estimate"], exp["estimate"])
    close(res["se"], exp["se"])
    close(res["deff"], exp["deff"])
    if "by" not in est and not est.get("na_rm"):  # R's degf of the whole design
        assert (res["df"] == exp["design_df"]).all()


def test_srswor_deff_differs_from_replace_by_the_sampling_fraction() -> None:
    """The two bases differ by N/(N - n) per domain, so on apistrat (N = 6194, n = 200) by about 3%."""
    d = cs.SurveyDesign(load_data("r-survey", "apistrat.csv"), weights="pw", strata="stype", fpc="fpc")
    wr, wor = d.mean("api00", by="stype"), d.mean("api00", by="stype", deff="srswor")
    n = d.data.groupby("stype").size().to_numpy()
    N = d.data.groupby("stype")["pw"].sum().to_numpy()
    np.testing.assert_allclose(wor["deff"].to_numpy(), wr["deff"].to_numpy() * N / (N - n), rtol=1e-12)
    with pytest.raises(ValueError, match="deff='wor' is not a base; use 'replace'"):
        d.mean("api00", deff="wor")


def test_the_cases_load() -> None:
    assert len(_cases("deff-")) == 40

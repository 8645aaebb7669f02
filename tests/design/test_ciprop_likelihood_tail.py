"""svyciprop(method="likelihood") in small domains (tests/fixtures/r-ciprop-tail: 600 rows, 3 strata of 6 schools;
the data, make_cases.R and the cases.json it wrote with R 4.2.2 / survey 4.1.1), in memory and on the engine path:

- "tail": every region x sector domain of the post-stratified sample, where the profile's alpha falls to ~1e-23:
  scipy's F quantile is inf there, R's qf(alpha, 1, n - 1, lower.tail = FALSE) ~109;
- "missing": an item with -8 (don't know, a declared missing code) answered by ~95%, na_rm in every sector and
  region: R's svyglm takes its prior weights' mean over the domain's rows answered or not, and its Pearson
  residuals carry that mean over the answered rows' (a constant, 1 without missing answers).
On the post-stratified design with missing answers R's residuals fall out of line with the rows (see the
fixture's README): there memory and the engine are held to each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, load_cases

import careersurvey as cs
from careersurvey.engine import from_table

FOLDER = FIXTURES / "r-ciprop-tail"
CASES = load_cases("r-ciprop-tail")
TAIL = [c for c in CASES if c["kind"] == "tail"]
MISSING = [c for c in CASES if c["kind"] == "missing"]
TOTALS = {"academia": 900.0, "industry": 1500.0, "public": 400.0}
KW = dict(weights="w", strata="region", psu="school", nest=True, missing_codes=(-8,))


def _survey(answered: bool = False) -> pd.DataFrame:
    """The survey; ``answered``: -8 in stay_dk made missing (as an import's missing answers)."""
    df = pd.read_csv(FOLDER / "survey.csv")
    return df.assign(stay_dk=df["stay_dk"].where(df["stay_dk"] != -8)) if answered else df


def _designs(df: pd.DataFrame, weighted: bool = True) -> dict:
    designs = {"memory": cs.SurveyDesign(df, **KW), "engine": from_table(df, **KW)}
    return {k: d.poststratify("sector", TOTALS) for k, d in designs.items()} if weighted else designs


def _domain(design, case: dict):
    return design.subset(" and ".join(f"{k} == '{case[k]}'" for k in ("region", "sector") if k in case))


def _check(res: pd.DataFrame, case: dict, where: str) -> None:
    np.testing.assert_allclose(res["estimate"].iloc[0], case["estimate"], rtol=1e-9)
    np.testing.assert_allclose(res[["ci_low", "ci_high"]].iloc[0].to_numpy(dtype=float), case["ci"], rtol=1e-6,
                               err_msg=where)


def test_the_cases_are_every_domain():
    assert (len(TAIL), len(MISSING)) == (8, 6) and all(0 < c["estimate"] < 1 for c in CASES)


@pytest.mark.parametrize("path", ["memory", "engine"])
def test_likelihood_interval_in_small_post_stratified_domains_equals_r(path):
    design = _designs(_survey())[path]
    for case in TAIL:
        _check(_domain(design, case).ciprop("stay", method="likelihood"), case, f"{path}: {case}")


@pytest.mark.parametrize("path", ["memory", "engine"])
def test_likelihood_interval_with_missing_answers_equals_r(path):
    design = _designs(_survey(answered=True), weighted=False)[path]
    for case in MISSING:
        _check(_domain(design, case).ciprop("stay_dk", method="likelihood", na_rm=True), case, f"{path}: {case}")
    by = design.ciprop("stay_dk", method="likelihood", na_rm=True, by="sector")
    for case in (c for c in MISSING if "sector" in c):
        row = by[by["sector"] == case["sector"]] if "sector" in by.columns else by.loc[[case["sector"]]]
        np.testing.assert_allclose(row[["ci_low", "ci_high"]].iloc[0].to_numpy(dtype=float), case["ci"], rtol=1e-6)


def test_a_declared_code_is_refused_and_once_missing_memory_and_engine_agree():
    for design in _designs(_survey()).values():
        with pytest.raises(ValueError, match="stay_dk"):
            _domain(design, TAIL[0]).ciprop("stay_dk", method="likelihood")
    designs = _designs(_survey(answered=True))
    for case in TAIL:
        mem, eng = (_domain(designs[k], case).ciprop("stay_dk", method="likelihood", na_rm=True)
                    for k in ("memory", "engine"))
        assert np.isfinite(mem[["ci_low", "ci_high"]].to_numpy(dtype=float)).all()
        for col in ("estimate", "se", "ci_low", "ci_high"):
            np.testing.assert_allclose(eng[col].to_numpy(dtype=float), mem[col].to_numpy(dtype=float), rtol=1e-9)
    by = [d.ciprop("stay_dk", method="likelihood", na_rm=True, by="region") for d in designs.values()]
    for col in ("estimate", "ci_low", "ci_high"):
        np.testing.assert_allclose(by[1][col].to_numpy(dtype=float), by[0][col].to_numpy(dtype=float), rtol=1e-9)

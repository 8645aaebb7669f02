"""Replicate-weight designs on the engine path: the R reference cases with replicate weights (JK1, JKn, BRR, Fay,
bootstrap; means, totals, ratios, a domain), their weights shipped as columns of the table as a data producer
ships them, equal to R and to the in-memory path; R's default constants (svrepdesign) from multiplier columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, load_cases, load_data, replicate_as_r
from test_engine_reference import _expected, _frame, _run, _same

import careersurvey as cs
from careersurvey.engine import from_table

FOLDER = "r-survey-extra"
CASES = [pytest.param(c, id=c["id"]) for c in load_cases(FOLDER)
         if c.get("replicate") and c["estimate"]["type"] in ("mean", "total", "ratio") and not c.get("calibration")]


def _memory(df: pd.DataFrame, case: dict):
    de = case["design"]
    d = cs.SurveyDesign(df, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                        fpc=de.get("fpc"), lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    return replicate_as_r(FIXTURES / FOLDER, d, df, case["replicate"])


@pytest.mark.parametrize("case", CASES)
def test_replicate_columns_equal_memory_and_r(case):
    df = _frame(FOLDER, case)
    mem = _memory(df, case)
    reps = mem.replicates
    W = np.asarray(reps.weights)
    names = [f"repw{i + 1}" for i in range(W.shape[1])]
    table = pd.concat([df, pd.DataFrame(W, columns=names)], axis=1)
    eng = from_table(table, weights=case["design"]["weights"], replicate_weights=names, combined=True,
                     scale=reps.scale, rscales=reps.rscales, mse=reps.mse)
    if case.get("subset"):
        mem, eng = mem.subset(case["subset"]), eng.subset(case["subset"])
    res = _run(eng, case["estimate"])
    _same(res, _run(mem, case["estimate"]))
    _expected(res, case["expected"])
    assert eng.design_df == mem.design_df > 10


def test_cases_cover_every_method():
    assert {c.values[0]["replicate"]["type"] for c in CASES} == {"JK1", "JKn", "BRR", "Fay", "bootstrap"}


@pytest.mark.parametrize("method", ["JK1", "JKn"])
def test_default_constants_from_multiplier_columns(method):
    """svrepdesign's defaults (JK1 scale from the first column's largest multiplier, JKn rscales from each
    column's) computed in the engine from multiplier columns equal SurveyDesign.from_replicates; by= domains too."""
    # JK1: 15 clusters of apiclus1; JKn: apistrat's 200 schools in 3 strata (200 replicates: W'W from the
    # distinct rows, replicate sums in blocks)
    df = load_data("r-survey", "apistrat.csv" if method == "JKn" else "apiclus1.csv")
    base = cs.SurveyDesign(df, weights="pw", strata="stype" if method == "JKn" else None,
                           psu=None if method == "JKn" else "dnum")
    reps = base.replicate(method).replicates
    mult = np.asarray(reps.weights) / base.w[:, None]
    names = [f"m{i}" for i in range(mult.shape[1])]
    table = pd.concat([df, pd.DataFrame(mult, columns=names)], axis=1)
    mem = cs.SurveyDesign.from_replicates(table, weights="pw", replicate_weights="^m[0-9]+$", method=method)
    eng = from_table(table, weights="pw", replicate_weights="^m[0-9]+$", method=method)
    first = eng.mean(["api00", "stype"])
    assert (first["se"] > 0).all()
    _same(first, mem.mean(["api00", "stype"]))
    _same(eng.ratio("api00", "api99", by="awards"), mem.ratio("api00", "api99", by="awards"))
    _same(eng.mean("api00", by=["stype", "awards"]), mem.mean("api00", by=["stype", "awards"]))
    assert eng.design_df == mem.design_df > 10


@pytest.mark.parametrize("method", ["JK1", "bootstrap"])
def test_proportion_on_a_replicate_design_has_rs_replicate_logit_interval(method):
    """proportion() on replicate columns: R refits logit(p) under every replicate weight (the in-memory path's
    replicate_logit), not the delta-method interval of a linearised design; with and without by=."""
    df = load_data("r-survey", "apiclus1.csv")
    base = cs.SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")
    mem = base.replicate(method, **({"replicates": 50, "seed": 3} if method == "bootstrap" else {}))
    reps = mem.replicates
    W = np.asarray(reps.weights)
    names = [f"repw{i + 1}" for i in range(W.shape[1])]
    eng = from_table(pd.concat([df, pd.DataFrame(W, columns=names)], axis=1), weights="pw",
                     replicate_weights=names, combined=True, scale=reps.scale, rscales=reps.rscales, mse=reps.mse)
    for kw in ({}, {"by": "stype"}):
        got, want = eng.proportion("sch_wide", **kw), mem.proportion("sch_wide", **kw)
        for col in ("estimate", "se", "ci_low", "ci_high"):
            np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9, err_msg=col)

"""Every R reference case the engine path covers, run inside DuckDB (and a sample of them inside Spark): the
same numbers as R and as the in-memory path (to 1e-9), with only aggregates leaving the engine.

Covered now: linearised designs (strata, multistage PSUs, fpc as sizes or fractions, every lonely-PSU rule),
means, totals, ratios, their ``by`` domains and ``subset`` domains. Cases with replicate weights, calibration
or trimming, models and quantiles have their own files (post-stratification below, raking in
test_engine_rake.py, models and quantiles in test_engine_glm.py and test_engine_quantiles.py); the list below
says what this one runs by its filter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FOLDERS, load_cases, load_data

import careersurvey as cs
from careersurvey.engine import from_table

KINDS = ("mean", "total", "ratio", "by_mean", "by_total")


def _covered(case: dict) -> bool:
    return (case["estimate"]["type"] in KINDS and not case.get("replicate") and not case.get("calibration")
            and not case.get("trim"))


CASES = [pytest.param(folder, c, id=f"{folder}:{c['id']}") for folder in FOLDERS for c in load_cases(folder)
         if _covered(c)]


def _frame(folder: str, case: dict) -> pd.DataFrame:
    df = load_data(folder, case["data"])
    rows = case.get("rows")
    if rows:
        df = df[df[rows["column"]] == rows["equals"]].reset_index(drop=True)
    return df


def _designs(df: pd.DataFrame, case: dict, source=None):
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"),
              lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    mem = cs.SurveyDesign(df, **kw)
    eng = from_table(df if source is None else source, **kw)
    if case.get("subset"):
        mem, eng = mem.subset(case["subset"]), eng.subset(case["subset"])
    return mem, eng


def _run(d, est: dict) -> pd.DataFrame:
    na = bool(est.get("na_rm", False))
    if est["type"] == "ratio":
        return d.ratio(est["numerator"], est["denominator"], na_rm=na)
    by = {"by": est["by"]} if est["type"].startswith("by_") else {}
    fn = d.mean if est["type"].endswith("mean") else d.total
    return fn(est["variable"], na_rm=na, **by)


def _same(eng: pd.DataFrame, mem: pd.DataFrame) -> None:
    assert list(eng.index) == list(mem.index)
    for col in ("estimate", "se", "ci_low", "ci_high", "df", "deff"):
        np.testing.assert_allclose(eng[col].to_numpy(float), mem[col].to_numpy(float), rtol=1e-9,
                                   atol=1e-9 * np.nanmax(np.abs(mem[col].to_numpy(float)), initial=1), err_msg=col)


def _expected(eng: pd.DataFrame, exp: dict) -> None:
    def num(v):
        v = np.asarray(v, dtype=object)
        return np.where(v == None, np.nan, v).astype(float).reshape(-1)  # noqa: E711 (JSON null)

    np.testing.assert_allclose(eng["estimate"].to_numpy(float), num(exp["estimate"]), rtol=1e-6)
    np.testing.assert_allclose(eng["se"].to_numpy(float), num(exp["se"]), rtol=1e-6,
                               atol=1e-12 * np.nanmax(np.abs(num(exp["se"])), initial=1))


@pytest.mark.parametrize("folder, case", CASES)
def test_duckdb_equals_memory_and_r(folder, case):
    df = _frame(folder, case)
    mem, eng = _designs(df, case)
    res = _run(eng, case["estimate"])
    _same(res, _run(mem, case["estimate"]))
    _expected(res, case["expected"])
    if "design_df" in case["expected"]:
        assert eng.design_df == case["expected"]["design_df"]


def test_cases_are_many():
    """The filter above must keep the engine path honest: most linear cases run on it."""
    assert len(CASES) >= 30


def test_parquet_source_equals_memory(tmp_path):
    """A parquet file read in place by DuckDB gives the numbers of the in-memory design (a two-stage case)."""
    case = next(c.values[1] for c in CASES if c.values[1]["design"].get("psu") and
                isinstance(c.values[1]["design"]["psu"], list))
    df = _frame("r-survey", case) if case in load_cases("r-survey") else _frame("r-survey-extra", case)
    path = tmp_path / "data.parquet"
    df.to_parquet(path)
    mem, eng = _designs(df, case, source=path)
    _same(_run(eng, case["estimate"]), _run(mem, case["estimate"]))


@pytest.mark.parametrize("folder, case", CASES[::9])
def test_spark_equals_memory(spark, tmp_path, folder, case):
    """Spark reads the data as parquet (its own reader) and runs every query; a sample of cases keeps it short."""
    df = _frame(folder, case)
    df.to_parquet(tmp_path / "data.parquet")
    sdf = spark.read.parquet(str(tmp_path / "data.parquet"))
    mem, eng = _designs(df, case, source=sdf)
    _same(_run(eng, case["estimate"]), _run(mem, case["estimate"]))


POSTSTRAT = [pytest.param(folder, c, id=f"{folder}:{c['id']}") for folder in FOLDERS for c in load_cases(folder)
             if (c.get("calibration") or {}).get("method") == "poststratify" and not c.get("replicate")
             and c["estimate"]["type"] in KINDS]


def _cells(case: dict):
    cal = case["calibration"]
    totals = cal["totals"]
    if isinstance(cal["cells"], list):
        totals = {tuple(r[c] for c in cal["cells"]): r["Freq"] for r in totals}
    return cal["cells"], totals


@pytest.mark.parametrize("folder, case", POSTSTRAT)
def test_poststratified_duckdb_equals_memory_and_r(folder, case):
    """R's postStratify inside the engine: new weights from cell sums, R's residuals for the variance."""
    df = _frame(folder, case)
    mem, eng = _designs(df, case)
    cells, totals = _cells(case)
    mem, eng = mem.poststratify(cells, totals), eng.poststratify(cells, totals)
    res = _run(eng, case["estimate"])
    _same(res, _run(mem, case["estimate"]))
    _expected(res, case["expected"])


def test_poststratified_domains_and_by_equal_memory():
    """Domains of a post-stratified design keep every row's residual (by= and subset), as in memory."""
    df = load_data("r-survey", "apiclus1.csv")
    kw = dict(weights="pw", psu="dnum", fpc="fpc")
    totals = {"E": 4421, "H": 755, "M": 1018}
    mem = cs.SurveyDesign(df, **kw).poststratify("stype", totals)
    eng = from_table(df, **kw).poststratify("stype", totals)
    _same(eng.mean(["api00", "api99"], by="awards"), mem.mean(["api00", "api99"], by="awards"))
    _same(eng.subset("api00 > 650").total("enroll", na_rm=True), mem.subset("api00 > 650").total("enroll", na_rm=True))
    _same(eng.ratio("api00", "api99", by="stype"), mem.ratio("api00", "api99", by="stype"))
    with pytest.raises(Exception, match="without a population count"):
        from_table(df, **kw).poststratify("stype", {"E": 4421, "H": 755})

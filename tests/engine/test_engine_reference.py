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


#: DuckDB's designs over the fixtures' frames, one per data and design arguments (37 cases over 21 designs)
_DUCKDB: dict = {}


def _designs(df: pd.DataFrame, case: dict, source=None, key=None):
    """(in-memory, engine) designs of the case over ``df`` (the engine's over ``source`` if given); with
    ``key`` (the case's data), the engine design is built once per data and design arguments."""
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"),
              lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    mem = cs.SurveyDesign(df, **kw)
    if key is None:
        eng = from_table(df if source is None else source, **kw)
    else:
        key = (*key, repr(sorted(kw.items())))
        eng = _DUCKDB[key] if key in _DUCKDB else _DUCKDB.setdefault(key, from_table(df, **kw))
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
    mem, eng = _designs(df, case, key=(folder, case["data"], repr(case.get("rows"))))
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
    mem, eng = _designs(df, case, key=(folder, case["data"], repr(case.get("rows"))))
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


@pytest.mark.parametrize("kind, queries", [("one stage", 2), ("two stages with fpc", 3), ("by", 2)])
def test_an_estimate_reads_its_deff_sums_with_the_stage_sums(query_sizes, kind, queries):
    """A mean runs its point query and one query per variance stage: the deff's SRS sums come back with stage 1's
    aggregates (a query of their own before). Only aggregates come back."""
    df = load_data("r-survey", "apiclus2.csv")
    kw = {"one stage": dict(weights="pw", psu="dnum"), "by": dict(weights="pw", psu="dnum"),
          "two stages with fpc": dict(psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])}[kind]
    mem, eng = cs.SurveyDesign(df, **kw), from_table(df, **kw)
    by = {"by": "stype"} if kind == "by" else {}
    query_sizes.clear()
    res = eng.mean("api00", **by)
    assert len(query_sizes) == queries and max(query_sizes) <= df["dnum"].nunique() * 3
    _same(res, mem.mean("api00", **by))
    ratio = eng.ratio("api00", "api99", deff="srswor")
    _same(ratio, mem.ratio("api00", "api99", deff="srswor"))

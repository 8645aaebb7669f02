"""svyquantile on the engine path, every rule and interval: each svyquantile case of r-survey-stats (qrules math,
school, shahvaish, hf1-hf9; intervals mean, beta, xlogit, asin, score, and quantile on JKn and BRR replicate
designs; by=, subset domains, na_rm) and each quantile case of r-survey-parity (tied data) equals the in-memory
path to 1e-9 and R to 1e-6, on DuckDB and on Spark, with only aggregates leaving the engine."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, load_cases, load_data, replicate_as_r

import careersurvey as cs
from careersurvey.engine import EngineError, from_table

STATS = [pytest.param(c, id=f"stats:{c['id']}") for c in load_cases("r-survey-stats")
         if c["estimate"]["type"] == "svyquantile"]
PARITY = [pytest.param(c, id=f"parity:{c['id']}") for c in load_cases("r-survey-parity")
          if c["estimate"]["type"] == "quantile"]
CASES = STATS + PARITY


def _source(case: dict) -> tuple[str, str]:
    return (case["folder"], case["data"]) if "folder" in case else tuple(case["data"].split("/"))


def _designs(case: dict, spark=None, tmp_path=None):
    """(in-memory design, engine design): the case's design as R built it, its domain taken; replicate weights
    as columns of the table (R's, or our replicate() of its design), the rows numbered as R's data (row_no)."""
    mem, eng = _whole(case, spark, tmp_path)
    return _domain(case, mem, eng)


def _domain(case: dict, mem, eng):
    if case.get("subset"):
        return mem.subset(case["subset"]), eng.subset(case["subset"])
    return mem, eng


def _whole(case: dict, spark=None, tmp_path=None):
    folder, name = _source(case)
    df = load_data(folder, name)
    de = case["design"]
    mem = cs.SurveyDesign(df, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                          fpc=de.get("fpc"))
    table = df.assign(row_no=np.arange(len(df)))
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"))
    if case.get("replicate"):
        mem = replicate_as_r(FIXTURES / folder, mem, df, case["replicate"])
        reps = mem.replicates
        W = np.asarray(reps.weights)
        names = [f"repw{i + 1}" for i in range(W.shape[1])]
        table = pd.concat([table, pd.DataFrame(W, columns=names)], axis=1)
        kw = dict(weights=de["weights"], replicate_weights=names, combined=True, scale=reps.scale,
                  rscales=reps.rscales, mse=reps.mse)
    source = table
    if spark is not None:
        table.to_parquet(tmp_path / "data.parquet")
        source = spark.read.parquet(str(tmp_path / "data.parquet"))
    return mem, from_table(source, **kw)


def _args(case: dict) -> dict:
    est = case["estimate"]
    return dict(variables=est.get("variables", est.get("variable")), quantiles=est["quantiles"],
                na_rm=bool(est.get("na_rm")), by=est.get("by"), qrule=est.get("qrule", "math"),
                interval_type=est.get("interval_type", "mean"))


def _same(eng: pd.DataFrame, mem: pd.DataFrame) -> None:
    assert list(eng.index) == list(mem.index)
    for col in ("estimate", "se", "ci_low", "ci_high", "df"):
        np.testing.assert_allclose(eng[col].to_numpy(float), mem[col].to_numpy(float), rtol=1e-9, err_msg=col)
    assert eng.attrs["interval"] == mem.attrs["interval"]


def _r(res: pd.DataFrame, exp: dict) -> None:
    for col in ("estimate", "se", "ci_low", "ci_high"):
        want = np.array([np.nan if v is None else v for v in np.ravel(exp[col])], dtype=float)
        np.testing.assert_allclose(res[col].to_numpy(float), want, rtol=1e-6, err_msg=col,
                                   atol=1e-12 * np.nanmax(np.abs(want), initial=1))


def _check(case: dict, mem, eng) -> None:
    args = _args(case)
    res = eng.quantile(**args, order_by="row_no")
    _same(res, mem.quantile(**args))
    if eng.replicates is not None and args["interval_type"] not in ("mean", "quantile"):
        # R 4.1.1 gives the 'mean' interval on a replicate design whatever the type (see the case's note)
        res = eng.quantile(**{**args, "interval_type": "mean"}, order_by="row_no")
    _r(res, case["expected"])


#: DuckDB's whole designs (in memory and over the table), one per table and design, as the Spark groups below
_DUCKDB: dict = {}


@pytest.mark.parametrize("case", CASES)
def test_duckdb_quantiles_equal_memory_and_r(case):
    key = _group(case)
    mem, eng = _domain(case, *(_DUCKDB[key] if key in _DUCKDB else _DUCKDB.setdefault(key, _whole(case))))
    _check(case, mem, eng)
    assert eng.design_df == mem.design_df == case["expected"]["design_df"]


def _group(case: dict) -> str:
    return json.dumps([_source(case), case["design"], case.get("replicate")], sort_keys=True)


GROUPS: dict[str, list[dict]] = {}
for _p in CASES:
    GROUPS.setdefault(_group(_p.values[0]), []).append(_p.values[0])


@pytest.mark.parametrize("cases", [pytest.param(g, id=f"{_source(g[0])[1]}:{g[0]['id']}+{len(g) - 1}")
                                   for g in GROUPS.values()])
def test_spark_quantiles_equal_memory_and_r(spark, tmp_path, cases):
    """Every case on Spark, the cases of one table and design on one Spark table (parquet read by Spark)."""
    mem, eng = _whole(cases[0], spark, tmp_path)
    for case in cases:  # over the cases of the table
        _check(case, *_domain(case, mem, eng))


def test_every_quantile_case_runs():
    """The filters keep every case: 45 svyquantile cases of r-survey-stats, 9 tied-data cases of the parity set,
    every rule and interval among them."""
    assert (len(STATS), len(PARITY)) == (45, 9)
    assert sum(len(g) for g in GROUPS.values()) == len(CASES)
    rules = {c.values[0]["estimate"]["qrule"] for c in STATS}
    kinds = {c.values[0]["estimate"]["interval_type"] for c in STATS}
    assert rules == {"math", "school", "shahvaish", *(f"hf{i}" for i in range(1, 10))}
    assert kinds == {"mean", "beta", "xlogit", "asin", "score", "quantile"}


def test_without_a_row_order_ties_are_taken_by_weight():
    """Without order_by, rows tied in value are read in increasing weight: the in-memory result on the data sorted
    so; on apistrat R's data order gives another hf7 interval (order_by reproduces R's)."""
    case = next(c.values[0] for c in STATS if c.values[0]["id"] == "quantile-strat-hf7")
    df = load_data("r-survey", "apistrat.csv")
    kw = dict(weights="pw", strata="stype", fpc="fpc")
    sorted_df = df.sort_values(["api00", "pw"], kind="stable").reset_index(drop=True)
    eng = from_table(df, **kw)
    for rule in ("hf4", "hf7", "shahvaish"):
        res = eng.quantile("api00", case["estimate"]["quantiles"], qrule=rule)
        _same(res, cs.SurveyDesign(sorted_df, **kw).quantile("api00", case["estimate"]["quantiles"], qrule=rule))
    probs = case["estimate"]["quantiles"]
    ordered = from_table(df.assign(row_no=np.arange(len(df))), **kw).quantile("api00", probs, qrule="hf7",
                                                                             order_by="row_no")
    np.testing.assert_allclose(ordered["ci_low"], case["expected"]["ci_low"][:3], rtol=1e-9)
    assert not np.allclose(eng.quantile("api00", probs, qrule="hf7")["ci_low"], ordered["ci_low"], rtol=1e-9)


@pytest.mark.parametrize("kind", ["mean", "score", "quantile"])
def test_quantiles_bring_back_only_aggregates(query_sizes, kind):
    """No query returns more rows than the variable has distinct values (or distinct rows of replicate weights,
    as R's degf reads them), never one per row: a table of 2,000 rows, 20 values."""
    rng = np.random.default_rng(7)
    n = 2000
    df = pd.DataFrame({"y": rng.integers(0, 20, n).astype(float), "w": rng.choice([1.0, 2.0, 3.5], n),
                       "s": rng.integers(0, 4, n), "psu": np.arange(n) // 20})
    eng = from_table(df, weights="w", strata="s", psu="psu", nest=True)
    if kind == "quantile":
        base = cs.SurveyDesign(df, weights="w", strata="s", psu="psu", nest=True).replicate("JKn")
        W = np.asarray(base.replicates.weights)
        names = [f"r{i}" for i in range(W.shape[1])]
        eng = from_table(pd.concat([df, pd.DataFrame(W, columns=names)], axis=1), weights="w",
                         replicate_weights=names, combined=True, scale=base.replicates.scale,
                         rscales=base.replicates.rscales)
    query_sizes.clear()
    res = eng.quantile("y", [0.25, 0.5], qrule="hf7", interval_type=kind)
    assert res["se"].notna().all()
    assert query_sizes and max(query_sizes) <= max(df["psu"].nunique(), 20 * 3)


def test_options_are_checked_and_codes_never_numbers():
    """Rules and intervals as the in-memory path checks them; a second small survey's missing codes (-7..-9) are
    refused in the variable, and become NULL to be left out by na_rm."""
    df = load_data("r-survey", "apistrat.csv")
    eng = from_table(df, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(EngineError, match="qrule='hf10': use one of math, school"):
        eng.quantile("api00", 0.5, qrule="hf10")
    with pytest.raises(EngineError, match="interval_type='quantile' is not available on a linearised design"):
        eng.quantile("api00", 0.5, interval_type="quantile")
    with pytest.raises(EngineError, match="order_by column 'nope' is not in the table"):
        eng.quantile("api00", 0.5, order_by="nope")
    rng = np.random.default_rng(3)
    survey = pd.DataFrame({"hours": rng.integers(10, 60, 120).astype(float), "w": rng.choice([1.0, 1.5], 120),
                           "region": np.repeat(["a", "b", "c"], 40), "school": np.arange(120) // 5})
    coded = survey.assign(hours=survey["hours"].where(survey.index % 9 != 0, -8))
    kw = dict(weights="w", strata="region", psu="school", missing_codes=(-7, -8, -9))
    for rule, kind in (("hf7", "score"), ("shahvaish", "beta")):
        with pytest.raises(cs.MissingCodeError, match="variable 'hours' holds the missing codes -8"):
            from_table(coded, **kw).quantile("hours", 0.5, qrule=rule, interval_type=kind)
    nulled = survey.assign(hours=survey["hours"].where(survey.index % 9 != 0))
    for rule, kind in (("hf7", "score"), ("shahvaish", "beta"), ("hf3", "xlogit")):
        res = from_table(nulled, **kw).quantile("hours", [0.25, 0.5], na_rm=True, qrule=rule, interval_type=kind)
        _same(res, cs.SurveyDesign(nulled, weights="w", strata="region", psu="school")
              .quantile("hours", [0.25, 0.5], na_rm=True, qrule=rule, interval_type=kind))


@pytest.mark.parametrize("step", ["poststratify", "rake"])
def test_weighted_designs_equal_memory(step):
    """Quantiles of a post-stratified or raked design (the in-memory path's rake/poststratify): the new weights
    in the CDF, the shares' variance through R's residuals; a domain of it too."""
    df = load_data("r-survey", "apiclus1.csv").assign(row_no=lambda f: np.arange(len(f)))
    kw = dict(weights="pw", psu="dnum", fpc="fpc")
    totals = {"E": 4421, "H": 755, "M": 1018}
    mem, eng = cs.SurveyDesign(df, **kw), from_table(df, **kw)
    if step == "rake":
        margins = {"stype": totals, "sch_wide": {"No": 1000, "Yes": 5194}}
        mem, eng = mem.rake(margins), eng.rake(margins)
    else:
        mem, eng = mem.poststratify("stype", totals), eng.poststratify("stype", totals)
    for rule, kind in (("math", "mean"), ("hf7", "beta"), ("school", "score"), ("shahvaish", "xlogit")):
        _same(eng.quantile("api00", [0.25, 0.5], qrule=rule, interval_type=kind, order_by="row_no"),
              mem.quantile("api00", [0.25, 0.5], qrule=rule, interval_type=kind))
    sub_m, sub_e = mem.subset("awards == 'Yes'"), eng.subset("awards == 'Yes'")
    for rule, kind in (("hf8", "asin"), ("school", "score")):
        _same(sub_e.quantile("api00", [0.25, 0.5], qrule=rule, interval_type=kind, order_by="row_no"),
              sub_m.quantile("api00", [0.25, 0.5], qrule=rule, interval_type=kind))

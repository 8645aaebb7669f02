"""The statistics beyond means on the engine path (careersurvey.engine.stats*): svychisq (every statistic),
svytable, svyciprop (every method), svyttest, svyvar, svyby(covmat) and svycontrast, equal to the in-memory path
(every number to 1e-9) and to R (the R checkers of tests/design/test_r_stats.py run on the engine design), on
DuckDB and on Spark, their replicate-weight variants through replicate columns of the table, and subsets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, FOLDERS, load_cases, load_data, replicate_as_r

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "design"))  # the R checkers of the in-memory tests
from test_design_r_reference import build, check_chisq  # noqa: E402
from test_r_stats import CHECKERS  # noqa: E402

import careersurvey as cs
from careersurvey.engine import from_table
from careersurvey.estimation.chisq import ChisqResult

STATS = "r-survey-stats"
#: the types of r-survey-stats whose every case runs here (svyquantile has its own file)
STAT_TYPES = ("svychisq", "svytable", "svyciprop", "svyttest", "svyvar", "svyby_covmat", "svycontrast")


def _params():
    out = []
    for folder in FOLDERS:
        out += [pytest.param(folder, c, id=f"{folder}:{c['id']}") for c in load_cases(folder)
                if c["estimate"]["type"] == "chisq"]
    out += [pytest.param(STATS, c, id=f"{STATS}:{c['id']}") for c in load_cases(STATS)
            if c["estimate"]["type"] in STAT_TYPES]
    return out


CASES = _params()


def _table_of(folder: str, case: dict):
    """(the case's in-memory design as R built it, the table the engine reads: the data, with the replicate
    weights as columns when the design has them, as a data producer ships them; the engine's arguments)."""
    src = FIXTURES / (case.get("folder") or folder)
    mem = build(src, case)
    df = load_data(src.name, case["data"])
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"),
              lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    if case.get("replicate"):
        base = cs.SurveyDesign(df, **kw)
        reps = replicate_as_r(src, base, df, case["replicate"]).replicates
        W = np.asarray(reps.weights)
        names = [f"_repw{i + 1}" for i in range(W.shape[1])]
        df = pd.concat([df, pd.DataFrame(W, columns=names)], axis=1)
        kw = dict(weights=de["weights"], replicate_weights=names, combined=True, scale=reps.scale,
                  rscales=reps.rscales, mse=reps.mse)
    return mem, df, kw


def _engine(df: pd.DataFrame, kw: dict, case: dict, source=None):
    eng = from_table(df if source is None else source, **kw)
    return eng.subset(case["subset"]) if case.get("subset") else eng


# -- the same numbers as the in-memory path ----------------------------------------------------------------------
def _same_frame(eng: pd.DataFrame, mem: pd.DataFrame) -> None:
    assert list(map(str, eng.index)) == list(map(str, mem.index))
    assert list(eng.columns) == list(mem.columns)
    for col in mem.columns:
        a, b = eng[col].to_numpy(), mem[col].to_numpy()
        if b.dtype.kind in "fi":
            b = b.astype(float)
            np.testing.assert_allclose(a.astype(float), b, rtol=1e-9,
                                       atol=1e-9 * np.nanmax(np.abs(b), initial=1), err_msg=col)
        else:
            assert list(a) == list(b), col
    for key in ("vcov",):
        if key in mem.attrs:
            v = np.asarray(mem.attrs[key])
            np.testing.assert_allclose(eng.attrs[key], v, rtol=1e-9, atol=1e-9 * np.nanmax(np.abs(v), initial=1))


def _same_chisq(eng: ChisqResult, mem: ChisqResult) -> None:
    for key in ("statistic", "ndf", "ddf", "p_value", "pearson", "adjusted"):
        np.testing.assert_allclose(getattr(eng, key), getattr(mem, key), rtol=1e-9, err_msg=key)
    np.testing.assert_allclose(eng.design_effects, mem.design_effects, rtol=1e-9)
    assert eng.method == mem.method
    pd.testing.assert_frame_equal(eng.table, mem.table, rtol=1e-9)


def _run(d, case: dict):
    """The case's statistic on design ``d`` (either path), as the R checkers ask for it."""
    est = case["estimate"]
    kind = est["type"]
    if kind in ("chisq", "svychisq"):
        return d.chisq(est["row"], est["col"], statistic=est.get("statistic", "F"))
    if kind == "svytable":
        return d.table(est["variables"], Ntotal=est.get("Ntotal"), round=bool(est.get("round")))
    if kind == "svyvar":
        return d.var(est["variables"], na_rm=bool(est.get("na_rm")))
    if kind == "svyttest":
        return d.ttest(est["formula"], na_rm=bool(est.get("na_rm")))
    if kind == "svyciprop":
        if est["method"] == "likelihood" and d.replicates is not None:
            return None  # refused by both (the R checker asserts the message)
        kwargs = {"method": est["method"], "na_rm": bool(est.get("na_rm")), "level": est.get("ci_level", 0.95)}
        if "by" in est:  # as the R checker asks
            return d.ciprop(est["variable"], by=est["by"], **kwargs)
        return d.ciprop(est["variable"], nchs=est["method"] == "beta", **kwargs)
    fun = est["fun"]
    kw = {"by": est["by"], "covmat": True} if kind == "svyby_covmat" else {}
    if fun == "glm":
        return d.glm(est["formula"]).table
    if fun == "ratio":
        return d.ratio(est["numerator"], est["denominator"], na_rm=bool(est.get("na_rm")), **kw)
    return getattr(d, fun)(est["variables"], na_rm=bool(est.get("na_rm")), **kw)


def _compare(eng, mem, case: dict) -> None:
    a, b = _run(eng, case), _run(mem, case)
    if isinstance(b, ChisqResult):
        _same_chisq(a, b)
    elif b is not None:
        _same_frame(a, b)


class _Once:
    """The engine design with each statistic computed once: the R checkers ask for what the comparison with the
    in-memory path computed already (the same call), so a case runs its queries once."""

    def __init__(self, design) -> None:
        self._design, self._done = design, {}

    def __getattr__(self, name):
        value = getattr(self._design, name)
        if not callable(value) or name not in ("chisq", "table", "var", "ttest", "ciprop", "mean", "total",
                                               "ratio", "glm"):
            return value

        def call(*args, **kwargs):
            key = (name, repr(args), repr(sorted(kwargs.items())))
            if key not in self._done:
                self._done[key] = value(*args, **kwargs)
            return self._done[key]

        return call


def _check(eng, mem, case: dict) -> None:
    eng = _Once(eng)
    _compare(eng, mem, case)
    est, exp = case["estimate"], case["expected"]
    if est["type"] == "chisq":
        check_chisq(eng, est, exp)
    else:
        CHECKERS[est["type"]](eng, est, exp)
    assert eng.design_df == exp["design_df"] == mem.design_df


#: DuckDB's designs, one per table and design (98 cases over 14 designs: their design queries once)
_DUCKDB: dict = {}


@pytest.mark.parametrize("folder, case", CASES)
def test_duckdb_equals_memory_and_r(folder, case):
    mem, df, kw = _table_of(folder, case)
    key = _design_key(folder, case)
    eng = _DUCKDB[key] if key in _DUCKDB else _DUCKDB.setdefault(key, _engine(df, kw, case))
    _check(eng, mem, case)


def test_cases_are_many():
    """No filter drops cases silently: 7 chisq of the main fixtures, every r-survey-stats case but quantiles."""
    kinds = [c.values[1]["estimate"]["type"] for c in CASES]
    assert kinds.count("chisq") == 7
    assert len(CASES) == 7 + sum(c["estimate"]["type"] != "svyquantile" for c in load_cases(STATS)) >= 80
    assert sum(len(g) for g in SPARK_GROUPS.values()) == len(CASES)  # Spark runs every case
    assert len(PARITY) == 13 == sum(c["estimate"]["type"] in ("ciprop", "degf") for c in load_cases(PARITY_FOLDER)) - 1


def _design_key(folder: str, case: dict) -> str:
    keys = ("data", "design", "replicate", "subset", "lonely_psu", "rows")
    return json.dumps([case.get("folder") or folder, *(case.get(k) for k in keys)], sort_keys=True)


#: the cases grouped by their table and design: Spark reads each table and builds each design once
SPARK_GROUPS = {}
for _p in CASES:
    SPARK_GROUPS.setdefault(_design_key(*_p.values), []).append(_p.values)


@pytest.mark.parametrize("group", [pytest.param(g, id=f"{g[0][0]}:{g[0][1]['id']}+{len(g) - 1}")
                                   for g in SPARK_GROUPS.values()])
def test_spark_equals_memory(spark, tmp_path, group):
    """Every case again inside Spark (parquet written by pandas, read by Spark's own reader): every number equal
    to the in-memory path's to 1e-9 (which the DuckDB test above and tests/design tie to R); the cases of one
    table and design share its read and build."""
    folder, first = group[0]
    mem, df, kw = _table_of(folder, first)
    df.to_parquet(tmp_path / "data.parquet")
    eng = _engine(df, kw, first, spark.read.parquet(str(tmp_path / "data.parquet")))
    for folder, case in group:
        _compare(eng, build(FIXTURES / (case.get("folder") or folder), case), case)


# -- R parity cases of replicate designs: their degf and the replicate logit interval of svyciprop --------------
PARITY_FOLDER = "r-survey-parity"
#: raking a replicate design in the engine is another part of the engine path (engine/replicates*, not here)
PARITY = [pytest.param(c, id=c["id"]) for c in load_cases(PARITY_FOLDER)
          if c["estimate"]["type"] in ("ciprop", "degf") and not c.get("rake")]


def _parity(case: dict, spark=None, tmp_path=None):
    from test_r_parity import build as parity_build

    mem = parity_build(case)
    folder, name = case["data"].split("/")
    df = load_data(folder, name)
    reps = mem.replicates
    W = np.asarray(reps.weights)
    names = [f"_repw{i + 1}" for i in range(W.shape[1])]
    table = pd.concat([df, pd.DataFrame(W, columns=names)], axis=1)
    source = table
    if spark is not None:
        table.to_parquet(tmp_path / "data.parquet")
        source = spark.read.parquet(str(tmp_path / "data.parquet"))
    eng = from_table(source, weights=case["design"]["weights"], replicate_weights=names, combined=True,
                     scale=reps.scale, rscales=reps.rscales, mse=reps.mse)
    return mem, (eng.subset(case["subset"]) if case.get("subset") else eng)


@pytest.mark.parametrize("case", PARITY)
def test_parity_duckdb_equals_memory_and_r(case):
    from test_r_parity import close

    mem, eng = _parity(case)
    est, exp = case["estimate"], case["expected"]
    assert eng.design_df == exp["design_df"] == mem.design_df
    if est["type"] == "degf":
        return
    res = eng.ciprop(est["variable"], method="logit", by=est.get("by"))
    _same_frame(res, mem.ciprop(est["variable"], method="logit", by=est.get("by")))
    row = f"{est['variable']}{est['level']}"
    res = res.xs(row, level=1) if "by" in est else res.loc[[row]]
    if "by" in est:
        assert [str(v) for v in res.index] == exp["levels"]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        close(res[col], exp[col])


@pytest.mark.parametrize("case", PARITY)
def test_parity_spark_equals_memory(spark, tmp_path, case):
    mem, eng = _parity(case, spark, tmp_path)
    est = case["estimate"]
    assert eng.design_df == mem.design_df
    if est["type"] == "ciprop":
        _same_frame(eng.ciprop(est["variable"], method="logit", by=est.get("by")),
                    mem.ciprop(est["variable"], method="logit", by=est.get("by")))


# -- a second survey of our own: missing values, declared missing codes, only aggregates leaving the engine ---------
def _survey() -> pd.DataFrame:
    """Two regions of 8 schools each, 25 answers per school: a text sector, a 0/1 item, pay with NaN, a rating."""
    rng = np.random.default_rng(20)
    n = 400
    df = pd.DataFrame({"region": np.repeat(["north", "south"], n // 2),
                       "school": np.repeat([f"s{i:02d}" for i in range(16)], n // 16),
                       "w": rng.uniform(5, 20, n), "sector": rng.choice(["academia", "industry", "public"], n),
                       "stay": rng.integers(0, 2, n), "pay": rng.normal(300, 60, n).round(),
                       "rating": rng.integers(1, 4, n)})
    df.loc[[3, 40, 77, 301], "pay"] = np.nan
    return df


KW = dict(weights="w", strata="region", psu="school")


def test_a_second_survey_equals_memory_with_missing_values():
    df = _survey()
    mem, eng = cs.SurveyDesign(df, **KW), from_table(df, **KW)
    for statistic in ("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint"):
        _same_chisq(eng.chisq("sector", "rating", statistic=statistic), mem.chisq("sector", "rating", statistic=statistic))
    _same_frame(eng.table(["sector", "rating"]), mem.table(["sector", "rating"]))
    _same_frame(eng.table("sector", Ntotal={"north": 900, "south": 1100}),
                mem.table("sector", Ntotal={"north": 900, "south": 1100}))
    _same_frame(eng.var(["pay", "rating"], na_rm=True), mem.var(["pay", "rating"], na_rm=True))
    _same_frame(eng.var("pay", na_rm=True, by="sector"), mem.var("pay", na_rm=True, by="sector"))
    _same_frame(eng.ttest("pay ~ stay", by="region"), mem.ttest("pay ~ stay", by="region"))
    for method in ("logit", "likelihood", "asin", "beta", "mean", "xlogit"):
        _same_frame(eng.ciprop("sector", method=method), mem.ciprop("sector", method=method))
    _same_frame(eng.ciprop("stay", method="beta", nchs=True, by="region"),
                mem.ciprop("stay", method="beta", nchs=True, by="region"))
    north = "region == 'north'"
    _same_frame(eng.subset(north).ciprop("stay", method="likelihood"),
                mem.subset(north).ciprop("stay", method="likelihood"))
    means, mmeans = eng.mean("pay", na_rm=True, by="sector", covmat=True), mem.mean("pay", na_rm=True, by="sector",
                                                                                     covmat=True)
    _same_frame(means, mmeans)
    _same_frame(cs.contrast(means, {"d": "industry - academia", "r": "public / academia"}),
                cs.contrast(mmeans, {"d": "industry - academia", "r": "public / academia"}))


def test_missing_codes_are_refused_by_every_statistic():
    df = _survey().assign(pay=lambda d: d["pay"].fillna(-7), rating=lambda d: d["rating"].mask(d.index % 50 == 0, -8))
    eng = from_table(df, missing_codes=(-6, -7, -8, -9), **KW)
    for call in (lambda: eng.var("pay"), lambda: eng.ttest("pay ~ stay"), lambda: eng.ttest("pay ~ 1"),
                 lambda: eng.table(["sector", "rating"]), lambda: eng.chisq("sector", "rating"),
                 lambda: eng.ciprop("rating", method="beta")):
        with pytest.raises(cs.MissingCodeError, match=r"'(pay|rating)' holds the missing codes -[78]"):
            call()
    clean = cs.SurveyDesign(df, missing_codes=(-6, -7, -8, -9), **KW)
    _same_frame(eng.ciprop("stay", method="asin"), clean.ciprop("stay", method="asin"))  # a clean column works


def test_statistics_bring_back_only_aggregates(query_sizes):
    """Every query returns at most one row per PSU (or per cell of a table), never one per row of the table."""
    eng = from_table(_survey(), **KW)
    sizes = query_sizes
    eng.chisq("sector", "rating", statistic="adjWald")
    eng.table(["sector", "rating", "stay"])
    eng.var(["pay", "rating"], na_rm=True)
    eng.ttest("pay ~ stay")
    eng.ciprop("stay", method="likelihood", by="region")
    eng.mean("pay", by="sector", na_rm=True, covmat=True)
    assert len(sizes) > 20 and max(sizes) <= 18  # 16 schools; 3 x 3 x 2 cells

"""Trends, change and paired change across waves (cs.trend, cs.change, cs.paired_change) on the engine path: every
stacked and paired R case of tests/fixtures/r-survey-waves computed from a design over a table in DuckDB (and in
Spark) equals the in-memory design's result and R's numbers. The change functions are the core's, written
against what both designs offer (column names, by= estimates with their covariance, subset in the questionnaire
language, the panel check as two aggregates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import load_cases, waves_design, waves_frame

import careersurvey as cs
from careersurvey.engine import from_table
from careersurvey.estimation.change import change, paired_change, trend

FOLDER = "r-survey-waves"
CASES = {c["id"]: c for c in load_cases(FOLDER)}
STACKED = [pytest.param(c, id=k) for k, c in CASES.items() if c["type"] == "stacked"]
PAIRED = [pytest.param(c, id=k) for k, c in CASES.items() if c["type"] == "paired"]
COLUMNS = ["estimate_from", "estimate_to", "change", "se", "ci_low", "ci_high", "df", "t", "p_value"]


def _pair(case: dict, df: pd.DataFrame, source=None):
    """The case's design in memory (as tests/design/test_change.py builds it) and over a table; replicate cases
    ship the in-memory replicate weights as columns, as a data producer would."""
    mem = waves_design(case, df)
    spec = case["design"]
    ids = spec["ids"]
    levels = {c: list(df[c].cat.categories) for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)}
    table = df.assign(**{c: df[c].astype(object) for c in levels})
    kw = dict(weights=spec["weights"][0], strata=(spec.get("strata") or [None])[0],
              psu=None if ids == ["1"] else ids, fpc=(spec.get("fpc") or [None])[0], levels=levels)
    if "replicate" in case:
        reps = mem.replicates
        names = [f"repw{i + 1}" for i in range(np.asarray(reps.weights).shape[1])]
        table = pd.concat([table, pd.DataFrame(np.asarray(reps.weights), columns=names)], axis=1)
        kw.update(replicate_weights=names, combined=True, scale=reps.scale, rscales=reps.rscales, mse=reps.mse,
                  strata=None, psu=None, fpc=None)
    eng = from_table(table if source is None else source(table), **kw)
    if "subset" in case:
        eng = eng.subset(f"{case['subset']['column']} == {case['subset']['equals']}")
    return mem, eng


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        if col in COLUMNS or col == "estimate":
            np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-9, atol=1e-12,
                                       err_msg=col)
        else:
            assert list(a[col]) == list(b[col]), col
    np.testing.assert_allclose(a.attrs["vcov"], b.attrs["vcov"], rtol=1e-9, atol=1e-15)


def _statistic(case: dict) -> str:
    return {"total": "total"}.get(case["fun"], "proportion" if case.get("factors") else "mean")


def _stacked(case: dict, source=None) -> None:
    df = waves_frame(case)
    mem, eng = _pair(case, df, source)
    by = case.get("by") or None
    kw = dict(statistic=_statistic(case), na_rm=bool(case.get("na_rm")), by=by)
    got = change(eng, case["variables"], pairs=case["pairs"], **kw)
    _same(got, change(mem, case["variables"], pairs=case["pairs"], **kw))
    np.testing.assert_allclose(got["se"], case["expected"]["change"]["se"], rtol=1e-6)
    np.testing.assert_allclose(got["change"], case["expected"]["change"]["estimate"], rtol=1e-6)
    if source is None:  # trend is the same by-wave pass: once is enough on Spark
        _same(trend(eng, case["variables"], **kw), trend(mem, case["variables"], **kw))


def _paired(case: dict, source=None) -> None:
    df = waves_frame(case)
    for v in case.get("factors", []):
        for w in case["waves"]:
            df[f"{v}_{w}"] = pd.Categorical(df[f"{v}_{w}"], categories=case["levels"][v])
    mem, eng = _pair(case, df, source)
    for v in [*case.get("factors", []), *case["variables"]]:
        got = paired_change(eng, v, waves=case["waves"])
        _same(got, paired_change(mem, v, waves=case["waves"]))
        np.testing.assert_allclose(got["se"], np.asarray(case["expected"][v]["se"], float).reshape(-1), rtol=1e-6)


@pytest.mark.parametrize("case", STACKED)
def test_stacked_change_and_trend_in_duckdb_equal_memory_and_r(case):
    _stacked(case)


@pytest.mark.parametrize("case", PAIRED)
def test_paired_change_in_duckdb_equals_memory_and_r(case):
    _paired(case)


def test_cases_are_all_there():
    assert len(STACKED) == 16 and len(PAIRED) == 3


def test_the_panel_check_runs_in_the_engine():
    """A person's rows in two PSUs are named by two aggregates (no rows leave the engine), as in memory."""
    case = CASES["panel-element-mean"]
    df = waves_frame(case)
    apart = from_table(df, weights="w_cross", strata="stratum")
    with pytest.raises(cs.EstimateError, match=r"panel member\(s\) \(P001, P002.*psu='pid'"):
        change(apart, "y", person="pid")
    mem = cs.SurveyDesign(df, weights="w_cross", strata="stratum")
    assert apart.units_per("pid") == mem.units_per("pid")
    change(from_table(df, weights="w_cross", strata="stratum", psu="pid"), "y", person="pid")


def test_missing_codes_in_the_pairs_are_refused_in_the_engine():
    case = CASES["paired-mean"]
    df = waves_frame(case)
    coded = df.assign(y_2024=df["y_2024"].where(~df["pid"].isin(["P002", "P007"]), -8.0))
    eng = from_table(coded, weights="w", strata="stratum", psu="inst", missing_codes=(-6, -7, -8, -9))
    with pytest.raises(cs.MissingCodeError, match="y_2024"):
        paired_change(eng, "y", waves=("2024", "2026"))


def test_levels_order_a_text_column_as_given():
    """levels= gives a text column the order of a categorical in memory (R's factor order), even a level with
    no rows; a value the levels do not list is refused by name."""
    df = pd.DataFrame({"a": ["lo", "hi", "mid", "hi"], "w": [1.0, 2.0, 3.0, 4.0]})
    mem = cs.SurveyDesign(df.assign(a=pd.Categorical(df["a"], categories=["lo", "mid", "hi", "none"])), weights="w")
    eng = from_table(df, weights="w", levels={"a": ["lo", "mid", "hi", "none"]})
    got, want = eng.mean("a"), mem.mean("a")
    assert list(got.index) == list(want.index) == ["alo", "amid", "ahi", "anone"]
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-12)
    assert list(from_table(df, weights="w").mean("a").index) == ["ahi", "alo", "amid"]
    with pytest.raises(cs.EngineError if hasattr(cs, "EngineError") else Exception, match="'mid'"):
        from_table(df, weights="w", levels={"a": ["lo", "hi"]}).mean("a")


@pytest.mark.parametrize("case", STACKED + PAIRED)
def test_waves_on_spark_equal_memory(spark, tmp_path, case):
    def source(table):
        table.to_parquet(tmp_path / "data.parquet")
        return spark.read.parquet(str(tmp_path / "data.parquet"))

    (_paired if case["type"] == "paired" else _stacked)(case, source)

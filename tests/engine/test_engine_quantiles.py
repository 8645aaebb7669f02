"""svyquantile inside the engine (careersurvey.engine.quantiles): the R quantile cases (qrule "math", Woodruff
intervals) equal R and the in-memory path to 1e-9 on DuckDB, with by=, subset domains, na_rm and the bisection
path a large variable takes (forced here by a small window); one case on Spark."""

from __future__ import annotations

import numpy as np
import pytest
from rcases import FOLDERS, load_cases, load_data

import careersurvey as cs
import careersurvey.engine.quantiles as engine_quantiles
from careersurvey.engine import EngineError, from_table

CASES = [pytest.param(folder, c, id=f"{folder}:{c['id']}") for folder in FOLDERS for c in load_cases(folder)
         if c["estimate"]["type"] == "quantile" and not c.get("replicate") and not c.get("calibration")]


def _designs(folder: str, case: dict, source=None):
    df = load_data(folder, case["data"])
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"),
              lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    return cs.SurveyDesign(df, **kw), from_table(df if source is None else source, **kw)


def _same(a, b) -> None:
    assert list(a.index) == list(b.index)
    for col in ("estimate", "se", "ci_low", "ci_high", "df"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-9, err_msg=col)
    assert a.attrs["interval"] == b.attrs["interval"] == "woodruff"


@pytest.mark.parametrize("folder, case", CASES)
def test_duckdb_quantiles_equal_memory_and_r(folder, case):
    mem, eng = _designs(folder, case)
    est = case["estimate"]
    res = eng.quantile(est["variable"], est["quantiles"])
    _same(res, mem.quantile(est["variable"], est["quantiles"]))
    np.testing.assert_allclose(res["estimate"], case["expected"]["estimate"], rtol=1e-9)
    np.testing.assert_allclose(res["se"], case["expected"]["se"], rtol=1e-6)


@pytest.mark.parametrize("folder, case, window", [(*CASES[0].values, engine_quantiles.WINDOW),
                                                   (*CASES[-1].values, engine_quantiles.WINDOW),
                                                   (*CASES[0].values, 1), (*CASES[-1].values, 3)],
                         ids=["clus1", "strat", "clus1-bisect-1", "strat-bisect-3"])
def test_domains_missing_values_and_bisection(monkeypatch, folder, case, window):
    """by=, a subset, several variables, na_rm and NA without it; windows of 1 and 3 values take the bisection
    path (on R's equal weights, where an exact step decides the value)."""
    monkeypatch.setattr(engine_quantiles, "WINDOW", window)
    mem, eng = _designs(folder, case)
    probs = case["estimate"]["quantiles"]
    _same(eng.quantile("api00", probs, by="stype"), mem.quantile("api00", probs, by="stype"))
    _same(eng.subset("api00 > 600").quantile(["api00", "enroll"], probs),
          mem.subset("api00 > 600").quantile(["api00", "enroll"], probs))
    _same(eng.quantile("acs_k3", probs, na_rm=True), mem.quantile("acs_k3", probs, na_rm=True))
    nan = eng.quantile("acs_k3", probs)
    assert nan["estimate"].isna().all()
    _same(nan, mem.quantile("acs_k3", probs))


def test_other_rules_are_refused_and_codes_never_numbers():
    df = load_data("r-survey", "apistrat.csv")
    eng = from_table(df, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(EngineError, match="interval_type='score' is not available on a replicate design"):
        from_table(df.assign(r1=df["pw"], r2=df["pw"] * 2), weights="pw", replicate_weights=["r1", "r2"],
                   combined=True, scale=1.0).quantile("api00", 0.5, interval_type="score")
    with pytest.raises(EngineError, match="quantile\\(\\) needs a numeric variable; 'stype' is categorical"):
        eng.quantile("stype", 0.5)
    coded = df.assign(enroll=df["enroll"].where(df.index % 7 != 0, -9))
    with pytest.raises(cs.MissingCodeError, match="variable 'enroll' holds the missing codes -9"):
        from_table(coded, weights="pw", strata="stype", fpc="fpc", missing_codes=(-6, -7, -8, -9)).quantile("enroll")


def test_spark_quantiles_equal_memory(spark, tmp_path):
    folder, case = CASES[-1].values
    df = load_data(folder, case["data"])
    df.to_parquet(tmp_path / "data.parquet")
    mem, eng = _designs(folder, case, source=spark.read.parquet(str(tmp_path / "data.parquet")))
    probs = case["estimate"]["quantiles"]
    _same(eng.quantile(case["estimate"]["variable"], probs), mem.quantile(case["estimate"]["variable"], probs))

"""calibrate(), trim() and the final weights inside the engine (careersurvey.engine.calibration, .trim), and glm on
weighted engine designs: every R reference case with a calibration or a trimming that is not replicate-based and
not run by test_engine_rake / test_engine_reference (linear, logit and raking calibration with bounds, the final
weights of raked, post-stratified, nonresponse-adjusted and trimmed designs, glm on calibrated and raked designs)
equals R (1e-6) and the in-memory path (1e-9), on DuckDB and on Spark; only aggregates leave the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FOLDERS, load_cases, load_data, r_totals, weigh_as_r
from test_engine_designs import _replicate_columns
from test_engine_glm import _same as _same_fit
from test_engine_reference import KINDS, _expected, _frame, _run, _same

import careersurvey as cs
from careersurvey.engine import EngineError, from_table

#: what test_engine_rake (raking on margins) and test_engine_reference (post-stratification) run already
_ELSEWHERE = ("raking", "poststratify")


def _covered(case: dict) -> bool:
    est, cal = case["estimate"]["type"], case.get("calibration") or {}
    if case.get("replicate") or not (cal or case.get("trim")) or est not in (*KINDS, "weights", "glm"):
        return False
    return not (est in KINDS and cal.get("method") in _ELSEWHERE and not case.get("trim")
                and (cal["method"] == "poststratify" or "margins" in cal))


CASES = [pytest.param(folder, c, id=f"{folder}:{c['id']}") for folder in FOLDERS for c in load_cases(folder)
         if _covered(c)]
KW = dict(weights="pw", psu="dnum", fpc="fpc")
TOTALS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}


def _weighted(d, case: dict):
    return weigh_as_r(d, case, _frame_of(case), raking="rake")


def _frame_of(case: dict) -> pd.DataFrame:
    folder = next(f for f in FOLDERS if case in load_cases(f))
    return _frame(folder, case)


def _designs(folder: str, case: dict, source=None):
    df = _frame(folder, case).assign(row_id=lambda f: np.arange(len(f)))
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"),
              lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    src = df if source is None else source(df)
    return df, _weighted(cs.SurveyDesign(df, **kw), case), _weighted(from_table(src, **kw), case)


def _weights(eng) -> np.ndarray:
    """The final weights from the engine's table, in the rows' order (a test may read rows; the library never)."""
    return eng.weighted_table("w").execute().sort_values("row_id")["w"].to_numpy(dtype=float)


def _check(folder: str, case: dict, source=None) -> None:
    _, mem, eng = _designs(folder, case, source)
    est, exp = case["estimate"], case["expected"]
    if est["type"] == "weights":
        w = _weights(eng)
        np.testing.assert_allclose(w, mem.w, rtol=1e-9)
        np.testing.assert_allclose(w, exp["weights"], rtol=1e-6)
    elif est["type"] == "glm":
        fit = eng.glm(est["formula"], family=est["family"], link=est.get("link"))
        _same_fit(fit, mem.glm(est["formula"], family=est["family"], link=est.get("link")))
        np.testing.assert_allclose(fit.params.to_numpy(), exp["coef"], rtol=1e-6)
        np.testing.assert_allclose(fit.bse.to_numpy(), exp["se"], rtol=1e-6)
    else:
        res = _run(eng, est)
        _same(res, _run(mem, est))
        _expected(res, exp)


def test_cases_are_many():
    """The filter keeps every calibration, trimming and final-weights case the brief names (14 today)."""
    ids = {c.values[1]["id"] for c in CASES}
    assert len(CASES) >= 14
    assert {"clus1-linear-cal-total-enroll", "clus1-logit-bounds-glm-gaussian", "clus1-rake3-glm-binomial-na",
            "clus2-trim-mean-api00", "clus1-rake3-trim-weights", "clus1-nonresponse-weights"} <= ids


@pytest.mark.parametrize("folder, case", CASES)
def test_duckdb_equals_memory_and_r(folder, case):
    _check(folder, case)


@pytest.mark.parametrize("folder, case", CASES)
def test_spark_equals_memory_and_r(spark, tmp_path, folder, case):
    def source(df):
        df.to_parquet(tmp_path / "data.parquet")
        return spark.read.parquet(str(tmp_path / "data.parquet"))

    _check(folder, case, source)


@pytest.mark.parametrize("method, bounds", [("linear", None), ("linear", (0.7, 1.7)), ("logit", (0.7, 1.7)),
                                            ("raking", None), ("raking", (0.5, 2.5))])
def test_calibrated_domains_and_by_equal_memory(method, bounds):
    """Domains of a calibrated design keep every row's residual (by=, subset, a ratio, several variables)."""
    df = load_data("r-survey", "apiclus1.csv")
    mem = cs.SurveyDesign(df, **KW).calibrate(TOTALS, method=method, bounds=bounds)
    eng = from_table(df, **KW).calibrate(TOTALS, method=method, bounds=bounds)
    _same(eng.mean(["api00", "enroll"], by="awards"), mem.mean(["api00", "enroll"], by="awards"))
    _same(eng.subset("api00 > 650").total("enroll", na_rm=True), mem.subset("api00 > 650").total("enroll", na_rm=True))
    _same(eng.ratio("api00", "api99", by="stype"), mem.ratio("api00", "api99", by="stype"))
    _same(eng.total(["stype", "api99"]), mem.total(["stype", "api99"]))  # the targets: hit, (near) zero variance
    np.testing.assert_allclose(eng.weighted_table("w").execute()["w"], mem.w, rtol=1e-9)
    fit_e, fit_m = eng.glm("api00 ~ ell + meals + stype"), mem.glm("api00 ~ ell + meals + stype")
    _same_fit(fit_e, fit_m)


@pytest.mark.parametrize("weighting", ["rake", "poststratify"])
def test_glm_on_raked_and_poststratified_designs_equals_memory(weighting):
    """The glm's scores take the design's raking / post-stratification residuals (once refused: the SEs were
    10-13% off without them), binomial and gaussian, on a domain too."""
    df = load_data("r-survey", "apiclus1.csv")
    margins = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}
    mem, eng = cs.SurveyDesign(df, **KW), from_table(df, **KW)
    if weighting == "rake":
        mem, eng = mem.rake(margins), eng.rake(margins)
    else:
        mem, eng = mem.poststratify("stype", margins["stype"]), eng.poststratify("stype", margins["stype"])
    _same_fit(eng.glm("api00 ~ ell + meals"), mem.glm("api00 ~ ell + meals"))
    f = "I(awards == 'Yes') ~ meals + stype"
    _same_fit(eng.glm(f, "binomial"), mem.glm(f, "binomial"))
    _same_fit(eng.subset("api00 > 600").glm("api00 ~ ell"), mem.subset("api00 > 600").glm("api00 ~ ell"))


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("limits", [(20, 90), (None, 60), (30, None)])
def test_trim_equals_memory(strict, limits):
    """R's trimWeights, strict or once, one or two bounds, on a two-stage design: weights and estimates."""
    df = load_data("r-survey", "apiclus2.csv")
    kw = dict(weights="pw", psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    mem = cs.SurveyDesign(df, **kw).trim(*limits, strict=strict)
    eng = from_table(df, **kw).trim(*limits, strict=strict)
    np.testing.assert_allclose(eng.weighted_table("w").execute()["w"], mem.w, rtol=1e-9)
    _same(eng.mean("api00", by="stype"), mem.mean("api00", by="stype"))
    assert eng.adjustments[-1].describe() == mem.adjustments[-1].describe()


def test_calibration_queries_bring_back_only_aggregates(query_sizes):
    """Calibrating, estimating and fitting on a calibrated design, trimming: no query returns more rows than PSUs."""
    df = load_data("r-survey", "apiclus1.csv")
    eng = from_table(df, **KW).calibrate(TOTALS, method="logit", bounds=(0.7, 1.7))
    eng.mean("api00", by="stype")
    eng.glm("api00 ~ ell + stype")
    from_table(df, **KW).trim(20, 60, strict=True).mean("api00")
    assert query_sizes and max(query_sizes) <= df["dnum"].nunique()


def test_a_second_survey_with_missing_codes():
    """Our own small survey: two strata of clusters, a text margin and a numeric total; a calibration variable
    holding -8 is refused by name, as in memory; trimming and the weights table on it."""
    rng = np.random.default_rng(5)
    n = 160
    df = pd.DataFrame({"region": np.repeat(["north", "south"], n // 2),
                       "school": np.repeat([f"s{i:02d}" for i in range(16)], n // 16),
                       "w": rng.uniform(5, 20, n), "role": rng.choice(["student", "postdoc", "staff"], n),
                       "hours": rng.integers(20, 60, n).astype(float), "stay": rng.integers(0, 2, n)})
    totals = {"role": {"student": 1500, "postdoc": 700, "staff": 800}, "hours": 3000 * 40.0}
    kw = dict(weights="w", strata="region", psu="school")
    for method, bounds in (("linear", None), ("logit", (0.3, 3.0))):
        mem = cs.SurveyDesign(df, **kw).calibrate(totals, method=method, bounds=bounds)
        eng = from_table(df, **kw).calibrate(totals, method=method, bounds=bounds)
        _same(eng.mean("stay", by="region"), mem.mean("stay", by="region"))
        _same_fit(eng.glm("stay ~ role", "binomial"), mem.glm("stay ~ role", "binomial"))
    coded = df.assign(hours=np.where(np.arange(n) == 7, -8.0, df["hours"]))
    with pytest.raises(cs.MissingCodeError, match="'hours'"):
        from_table(coded, missing_codes=(-6, -7, -8, -9), **kw).calibrate(totals)
    with pytest.raises(cs.MissingCodeError, match="'hours'"):
        cs.SurveyDesign(coded, missing_codes=(-6, -7, -8, -9), **kw).calibrate(totals)


def test_refusals():
    df = load_data("r-survey", "apiclus1.csv")
    eng = from_table(df, **KW)
    with pytest.raises(EngineError, match="subset after calibrate"):
        eng.subset("api00 > 650").calibrate(TOTALS)
    with pytest.raises(cs.WeightingError, match="logit calibration needs finite bounds"):
        eng.calibrate(TOTALS, method="logit")
    with pytest.raises(cs.WeightingError, match=r"bounds \(0.99, 1.01\) cannot be met: stype=E has target 4,421"):
        eng.calibrate(TOTALS, method="linear", bounds=(0.99, 1.01))
    with pytest.raises(EngineError, match=r"calibrate\(target_se=...\) is not on the engine path"):
        eng.calibrate(TOTALS, target_se={"api99": 10.0})
    with pytest.raises(EngineError, match="estimates after trimmed"):
        eng.rake({"stype": TOTALS["stype"]}).trim(20, 60).mean("api00")
    with pytest.raises(cs.WeightingError, match=r"cannot trim weights to \[1, 2\]"):
        eng.trim(1, 2)
    with pytest.raises(EngineError, match="choose another name"):
        eng.weighted_table("pw")


# -- R parity round 1: the weighting options (tests/fixtures/r-survey-designs, "weight-" cases) -------------------
DESIGNS = [pytest.param(c, id=c["id"]) for c in load_cases("r-survey-designs") if c["id"].startswith("weight-")]


def _designs_case(case: dict, source=None):
    """The case's design as R built it (test_r_designs.build), in memory and on the engine."""
    import warnings

    folder, name = case["data"].split("/")
    df = load_data(folder, name).assign(row_id=lambda f: np.arange(len(f)))
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"))
    mem = cs.SurveyDesign(df, **kw)
    if case.get("replicate"):  # R's replicate weights as columns of the engine's table (svrepdesign of them)
        mem, df, rkw = _replicate_columns(mem, df, case)
        eng = from_table(df if source is None else source(df), weights=de.get("weights"), **rkw)
    else:
        eng = from_table(df if source is None else source(df), **kw)
    out = []
    for d in (mem, eng):
        for step in case.get("weighting", []):
            if "poststratify" in step:
                ps = step["poststratify"]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # partial=True warns about the cells it leaves out
                    d = d.poststratify(ps["variable"], ps["totals"], **({"partial": True} if ps.get("partial") else {}))
            if "calibrate" in step:
                cl = step["calibrate"]
                kw2 = {k: (tuple(v) if isinstance(v, list) else v) for k, v in cl.items()
                       if k in ("bounds", "trim", "variance", "aggregate_stage")}
                totals = r_totals(df, cl["formula"], cl["population"])
                if all(not isinstance(v, dict) for v in totals.values()):
                    kw2["population_total"] = cl["population"]["(Intercept)"]
                d = d.calibrate(totals, method=cl["calfun"], tol=1e-12, max_iter=200, **kw2)
            if "trim" in step:
                tr = step["trim"]
                d = d.trim(lower=tr.get("lower"), upper=tr.get("upper"), strict=tr["strict"])
        out.append(d.subset(case["subset"]) if case.get("subset") else d)
    return out


def _estimate(d, est: dict):
    """As test_r_designs.estimate: mean, total (by) or ratio of the case."""
    kind, kw = est["type"].removeprefix("by_"), ({"by": est["by"]} if "by" in est else {})
    if kind == "ratio":
        return d.ratio(est["variable"], est["denominator"], na_rm=bool(est.get("na_rm")), **kw)
    return getattr(d, kind)(est["variable"], na_rm=bool(est.get("na_rm")), **kw)


def _close(actual, expected, rel: float = 1e-6) -> None:
    expected = np.array([np.nan if e is None else e for e in np.ravel(expected)], dtype=float)
    np.testing.assert_allclose(np.asarray(actual, dtype=float).reshape(-1), expected, rtol=rel,
                               atol=1e-12 * np.nanmax(np.abs(expected), initial=1))


def _check_designs(case: dict, designs) -> None:
    mem, eng = designs
    est, exp = case["estimate"], case["expected"]
    if est["type"] == "weights":
        w = _weights(eng)
        np.testing.assert_allclose(w, mem.w, rtol=1e-9)
        _close(w, exp["weights"], 1e-9)
        if mem.replicates is not None:  # every replicate's weights, as the core weighted them
            np.testing.assert_allclose(_replicate_weights(eng), np.asarray(mem.replicates.weights), rtol=1e-9,
                                       atol=1e-12)
            assert eng.replicates.degf == mem.replicates.degf
    elif est["type"] == "glm":
        fit = eng.glm(est["formula"], family=est["family"])
        _same_fit(fit, mem.glm(est["formula"], family=est["family"]))
        _close(fit.params, exp["coef"])
        _close(fit.bse, exp["se"])
    else:
        res, ref = _estimate(eng, est), _estimate(mem, est)
        # the domains' df of a calibrated JKn design: R's qr(W, tol = 1e-5) rank of a domain's replicate weights
        # (87 on awards == "No" of weight-jkn-variance-raking-by) lies where the calibration leaves replicate
        # columns within ~1e-5 of each other; the Gram-matrix rank (core and engine) then turns on rounding (the
        # core finds 82), so those columns are compared apart from the rest
        if case.get("replicate") and "by" in est:
            res, ref = res.assign(df=0.0, ci_low=0.0, ci_high=0.0), ref.assign(df=0.0, ci_low=0.0, ci_high=0.0)
        _same(res, ref)
        _close(res["estimate"], exp["estimate"])
        _close(res["se"], exp["se"])


def _replicate_weights(eng) -> np.ndarray:
    """The engine's replicate weights (n, R) in the rows' order (a test may read rows; the library never)."""
    t = eng.table
    W = eng.replicates.weights(t, eng.weight_expr)
    rows = t.select(row_id=t["row_id"], **{f"w{r}": w for r, w in enumerate(W)}).execute().sort_values("row_id")
    return rows[[f"w{r}" for r in range(len(W))]].to_numpy(dtype=float)


def test_designs_cases_are_many():
    assert len(DESIGNS) >= 92
    replicated = {c.values[0]["id"] for c in DESIGNS if c.values[0].get("replicate")}
    assert replicated == {f"weight-jkn-{how}-{kind}" for how in ("variance", "variance-raking", "trim")
                          for kind in ("mean", "total", "by", "weights")}


@pytest.mark.parametrize("case", DESIGNS)
def test_designs_weighting_duckdb_equals_memory_and_r(case):
    _check_designs(case, _designs_case(case))


def _groups(params: list, *keys: str) -> list:
    """Cases grouped by their data, design and the ``keys`` (weighting steps): each group's estimates share one
    design (Spark runs a group's weighting once)."""
    import json

    groups: dict = {}
    for p in params:
        c = p.values[0]
        groups.setdefault(json.dumps([c["data"], c["design"], c.get("subset"), c.get("replicate"),
                                      *(c.get(k) for k in keys)]),
                          []).append(c)
    return [pytest.param(cases, id=cases[0]["id"]) for cases in groups.values()]


@pytest.mark.parametrize("cases", _groups(DESIGNS, "weighting"))
def test_designs_weighting_spark_equals_memory_and_r(spark, tmp_path, cases):
    """Every DESIGNS case on Spark; the cases of one design share its weighting (one calibration per group)."""
    def source(df):
        df.to_parquet(tmp_path / "data.parquet")
        return spark.read.parquet(str(tmp_path / "data.parquet"))

    designs = _designs_case(cases[0], source)
    for case in cases:  # the group's estimates on its one design
        _check_designs(case, designs)


# -- R parity: rake() and postStratify on designs whose weights vary within the cells (r-survey-parity) ---------
PARITY = [pytest.param(c, id=c["id"]) for c in load_cases("r-survey-parity")
          if (c.get("rake") or c.get("poststratify")) and not c.get("replicate")]


def _parity_designs(case: dict, source=None):
    """The case's design as test_r_parity.build makes it, in memory and on the engine."""
    folder, name = case["data"].split("/")
    df = load_data(folder, name)
    de = case["design"]
    kw = dict(weights=de["weights"], strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"))
    out = []
    for d in (cs.SurveyDesign(df, **kw), from_table(df if source is None else source(df), **kw)):
        if case.get("rake"):
            d = d.rake(case["rake"], tol=1e-12, max_iter=500)
        if case.get("poststratify"):
            d = d.poststratify(case["poststratify"]["variable"], case["poststratify"]["totals"])
        out.append(d.subset(case["subset"]) if case.get("subset") else d)
    return out


def test_parity_cases_are_many():
    assert len(PARITY) >= 22


@pytest.mark.parametrize("case", PARITY)
def test_parity_raked_duckdb_equals_memory_and_r(case):
    _check_designs(case, _parity_designs(case))


@pytest.mark.parametrize("cases", _groups(PARITY, "rake", "poststratify"))
def test_parity_raked_spark_equals_memory_and_r(spark, tmp_path, cases):
    """Every PARITY case on Spark, the cases of one raked design on one design."""
    def source(df):
        df.to_parquet(tmp_path / "data.parquet")
        return spark.read.parquet(str(tmp_path / "data.parquet"))

    designs = _parity_designs(cases[0], source)
    for case in cases:
        _check_designs(case, designs)

"""svyolr inside the engine (careersurvey.engine.ordinal): every R ordinal case (r-survey-extra "olr", r-survey-models
"svyolr": every link, a domain, rows with missing values, a raked design, replicate refits) equals the in-memory fit
(every column of the result frame, the covariance, deviance and naive covariance to 1e-9) and R, on DuckDB and on
Spark; the normal distribution function the engine computes for probit equals scipy's; only aggregates leave it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, load_cases, load_data, replicate_as_r

import careersurvey as cs
from careersurvey.engine import from_table

CASES = [pytest.param(folder, c, id=f"{folder}:{c['id']}") for folder in ("r-survey-extra", "r-survey-models")
         for c in load_cases(folder) if c["estimate"]["type"] in ("olr", "svyolr")]

#: R's svyolr on rake() of clus1-rake3-olr's margins (tests/engine/r_rake_olr.R): the case's own numbers come from
#: calibrate(calfun = "raking"), whose residuals differ from rake()'s (one SE by 1.3e-5); the engine rakes as rake()
R_RAKE = {"coef": [-0.147702220514351, -3.01030403191977, -2.27823440954439, -10.6182452514992, -7.25313534432959,
                   -2.97337771198923],
          "se": [0.0227136675905893, 0.633214330354926, 0.364903522421913, 1.36193012062452, 1.01148670553813,
                 0.733557378734643]}


def _designs(folder: str, case: dict, spark=None, tmp_path=None):
    """The case's design in memory and over a table in the engine (DuckDB, or Spark reading parquet): replicate
    weights as columns of the table (as a producer ships them), raking by rake() on both."""
    src = case.get("folder", folder)
    df = load_data(src, case["data"])
    de = case["design"]
    kw = dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"))
    mem = cs.SurveyDesign(df, **kw)
    table, extra = df, {}
    if case.get("replicate"):
        mem = replicate_as_r(FIXTURES / src, mem, df, case["replicate"])
        reps = mem.replicates
        W = np.asarray(reps.weights)
        names = [f"repw{i + 1}" for i in range(W.shape[1])]
        table = pd.concat([df, pd.DataFrame(W, columns=names)], axis=1)
        extra = dict(weights=de["weights"], replicate_weights=names, method=reps.method, combined=True,
                     scale=reps.scale, rscales=reps.rscales, mse=reps.mse)
    if spark is not None:
        table.to_parquet(tmp_path / "data.parquet")
        table = spark.read.parquet(str(tmp_path / "data.parquet"))
    eng = from_table(table, **extra) if extra else from_table(table, **kw)
    cal = case.get("calibration")
    if cal:
        mem, eng = mem.rake(cal["margins"]), eng.rake(cal["margins"])
    if case.get("subset"):
        mem, eng = mem.subset(case["subset"]), eng.subset(case["subset"])
    return mem, eng


def _fit(d, case: dict, **kw):
    return d.ordinal(case["estimate"]["formula"], link=case["estimate"].get("method", "logit"), **kw)


def _same(eng, mem, atol: float = 1e-12) -> None:
    """Equal fits; ``atol`` (of each column's largest value) for an interval end near 0 (R's finite-difference
    Hessian turns the last digits of the gradient sums into ~1e-11 of an SE)."""
    a, b = eng.table, mem.table
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    for col in a.columns:
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=atol * np.nanmax(np.abs(y), initial=1), err_msg=col)
    for got, want in ((eng.cov_params.to_numpy(), mem.cov_params.to_numpy()),
                      (eng.extra["naive_cov"], mem.extra["naive_cov"])):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * np.abs(want).max())
    np.testing.assert_allclose(eng.extra["deviance"], mem.extra["deviance"], rtol=1e-9)
    assert eng.extra["levels"] == mem.extra["levels"]
    np.testing.assert_allclose(eng.population, mem.population, rtol=1e-12)
    assert (eng.nobs, eng.kind, eng.family, eng.link, eng.response, eng.terms, eng.df_resid, eng.n_thresholds,
            eng.variance_method) == (mem.nobs, mem.kind, mem.family, mem.link, mem.response, mem.terms, mem.df_resid,
                                     mem.n_thresholds, mem.variance_method)


def _r_name(name: str) -> str:
    return name.replace("[T.", "").replace("]", "").replace(" ", "")


def _close(actual, expected, rel: float) -> None:
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=rel,
                               atol=1e-7 * np.abs(expected).max())


def _expected(fit, case: dict) -> None:
    """As the in-memory tests check R: coefficients to 1e-6; SEs (ours exact, R's by finite differences with
    step 1e-6) to 1e-6 on r-survey-extra and 1e-5 on r-survey-models; replicates as those tests say."""
    exp = case["expected"]
    assert [_r_name(n) for n in fit.params.index] == exp["slope_names"]
    assert list(fit.thresholds.index) == exp["threshold_names"]
    assert fit.df_resid == exp["df_residual"]
    if case.get("calibration"):  # rake() on the engine, calibrate(calfun = "raking") in R's case: R's rake()
        _close(fit.coefficients, R_RAKE["coef"], 1e-6)
        _close(fit.bse, R_RAKE["se"], 1e-6)
        return
    _close(fit.coefficients, exp["slopes"] + exp["thresholds"], 1e-6)
    models = case["estimate"]["type"] == "svyolr"
    if not case.get("replicate"):
        _close(fit.bse, exp["se"], 1e-5 if models else 1e-6)
    elif models:  # R refits the replicates by logit whatever the link; se_refit by the case's link (see its note)
        _close(fit.bse, exp["se_refit"], 1e-6)
    else:
        _close(fit.bse, exp["se"], 1e-4)


CALIBRATED = [c for c in CASES if c.values[1].get("calibration")]


def _calibrated(folder: str, case: dict, spark=None, tmp_path=None) -> None:
    """The raked case as R made it, calibrate(calfun = "raking") (the engine's calibrate): the scores carry the
    calibration residuals through the linear path; equal to the in-memory fit (1e-9) and R's own numbers (1e-6)."""
    margins = case["calibration"]["margins"]
    plain = {k: v for k, v in case.items() if k != "calibration"}
    mem, eng = _designs(folder, plain, spark, tmp_path)
    mem, eng = (d.calibrate(margins, method="raking", tol=1e-12, max_iter=500) for d in (mem, eng))
    fit = _fit(eng, case)
    _same(fit, _fit(mem, case))
    exp = case["expected"]
    _close(fit.coefficients, exp["slopes"] + exp["thresholds"], 1e-6)
    _close(fit.bse, exp["se"], 1e-6)


@pytest.mark.parametrize("folder, case", CALIBRATED)
def test_duckdb_calibrated_ordinal_equals_memory_and_r(folder, case):
    _calibrated(folder, case)


@pytest.mark.parametrize("folder, case", CALIBRATED)
def test_spark_calibrated_ordinal_equals_memory_and_r(spark, tmp_path, folder, case):
    _calibrated(folder, case, spark, tmp_path)


TERM_TESTS = [pytest.param(c, id=c["id"]) for c in load_cases("r-survey-models")
              if c["estimate"]["type"] == "regtermtest" and c["estimate"]["model"]["type"] == "svyolr"]


def _term_test(case: dict, spark=None, tmp_path=None) -> None:
    """R's regTermTest of an ordinal model (Wald, WorkingWald, the working LRT refitting the smaller model in the
    engine) equals the in-memory test (1e-9) and R (1e-5, as tests/models/test_r_models.py: R's Hessian)."""
    est, exp = case["estimate"], case["expected"]
    model = {**case, "estimate": {"type": "svyolr", "formula": est["model"]["formula"],
                                  "method": est["model"].get("method", "logit")}}
    mem, eng = _designs("r-survey-models", model, spark, tmp_path)
    kw = dict(method=est["method"], df={None: None, "Inf": np.inf}.get(est.get("df"), est.get("df")),
              null=est.get("null"), approximation=est.get("approximation", "saddlepoint"))
    res, ref = _fit(eng, model).term_test(est["terms"], **kw), _fit(mem, model).term_test(est["terms"], **kw)
    assert (res.terms, res.method, res.ndf, str(res)) == (ref.terms, ref.method, ref.ndf, str(ref))
    got = [res.statistic, res.chisq, res.ddf, res.p_value, *res.lambdas]
    np.testing.assert_allclose(got, [ref.statistic, ref.chisq, ref.ddf, ref.p_value, *ref.lambdas], rtol=1e-9)
    if spark is not None:
        return
    assert res.ndf == exp["df"]
    wald_f = est["method"] == "Wald" and exp["Ftest"] is not None
    _close([res.statistic if wald_f else res.chisq, res.p_value], [exp["Ftest"] if wald_f else exp["chisq"],
                                                                    exp["p"]], 1e-5)
    if exp.get("lambda"):
        _close(res.lambdas, sorted(exp["lambda"], reverse=True), 1e-5)


@pytest.mark.parametrize("case", TERM_TESTS)
def test_duckdb_term_tests_equal_memory_and_r(case):
    _term_test(case)


@pytest.mark.parametrize("case", TERM_TESTS)
def test_spark_term_tests_equal_memory(spark, tmp_path, case):
    _term_test(case, spark, tmp_path)


def test_cases_are_many():
    """Every ordinal case of both fixture folders runs here (a filter cannot drop them unseen)."""
    ids = {c.values[1]["id"] for c in CASES}
    assert len(CASES) == 16 and {"strat-olr", "clus1-rake3-olr", "strat-olr-na", "strat-domain-olr", "rep-jk1-olr",
                                 "olr-probit-jk1", "olr-cauchit-strat"} <= ids
    assert len(TERM_TESTS) == 4 and len(CALIBRATED) == 1


@pytest.mark.parametrize("folder, case", CASES)
def test_duckdb_ordinal_equals_memory_and_r(folder, case):
    mem, eng = _designs(folder, case)
    fit = _fit(eng, case)
    _same(fit, _fit(mem, case))
    _expected(fit, case)


@pytest.mark.parametrize("folder, case", CASES)
def test_spark_ordinal_equals_memory(spark, tmp_path, folder, case):
    mem, eng = _designs(folder, case, spark, tmp_path)
    _same(_fit(eng, case), _fit(mem, case))


@pytest.mark.parametrize("folder, case", [c for c in CASES
                                          if c.values[1]["id"] in ("strat-olr-na", "olr-probit-strat")])
def test_r_hessian_equals_memory_and_r(folder, case):
    """hessian="r" (R's finite-difference Hessian, from a batch of gradient totals in one query) as in memory."""
    mem, eng = _designs(folder, case)
    fit = _fit(eng, case, hessian="r")
    _same(fit, _fit(mem, case, hessian="r"), atol=1e-9)
    _close(fit.bse, case["expected"]["se_r_default"], 1e-5)


def test_ndtr_equals_scipy():
    """The engine's normal distribution function (probit) against scipy's, both tails, relative."""
    import ibis
    from scipy.special import ndtr as scipy_ndtr

    from careersurvey.engine.special import ndtr, ndtr_parts

    z = np.concatenate([np.linspace(-37, 37, 2961), np.linspace(-3, 3, 601), [0.0, 1e-300, 100.0, -100.0]])
    t = ibis.memtable(pd.DataFrame({"z": z}))
    x, s = ndtr_parts(t.z)
    t = t.mutate(x=x, s=s)
    out = t.mutate(F=ndtr(t.z, (t.x, t.s)), T=ndtr(-t.z), G=ndtr(t.z)).execute().sort_values("z")
    zz = out["z"].to_numpy()
    for col, sign in (("F", 1), ("T", -1), ("G", 1)):
        want = scipy_ndtr(sign * zz)
        got = out[col].to_numpy()
        near = np.abs(zz) <= 8
        np.testing.assert_allclose(got[near], want[near], rtol=3e-14, atol=0)
        np.testing.assert_allclose(got[~near], want[~near], rtol=5e-13, atol=1e-307)


def _mini_frame() -> pd.DataFrame:
    """A small survey of our own: two strata of schools, a 4-point satisfaction item, a text answer, gaps."""
    rng = np.random.default_rng(5)
    n = 160
    df = pd.DataFrame({"region": np.repeat(["north", "south"], n // 2),
                       "school": np.repeat([f"s{i:02d}" for i in range(16)], n // 16),
                       "w": rng.uniform(5, 20, n), "role": rng.choice(["student", "postdoc", "staff"], n),
                       "hours": rng.integers(20, 60, n).astype(float)})
    latent = 0.05 * df["hours"] + (df["role"] == "staff") + rng.logistic(size=n)
    df["satisfied"] = np.digitize(latent, [1.5, 2.5, 3.5]) + 1
    df["band"] = np.array(["low", "mid", "top", "very top"])[df["satisfied"] - 1]
    df.loc[[4, 50, 99], "hours"] = np.nan
    return df


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_on_a_second_survey_with_missing_values_and_codes(link):
    df = _mini_frame()
    kw = dict(weights="w", strata="region", psu="school")
    mem, eng = cs.SurveyDesign(df, **kw), from_table(df, **kw)
    formula = "satisfied ~ role + I(hours / 10)"
    fit = eng.ordinal(formula, link=link)
    _same(fit, mem.ordinal(formula, link=link))
    assert fit.nobs == len(df) - 3 and list(fit.thresholds.index) == ["1|2", "2|3", "3|4"]
    text = "band ~ role + hours"  # a text response: levels in sorted order, as R's factor()
    _same(eng.subset("region == 'north'").ordinal(text, link=link),
          mem.subset("region == 'north'").ordinal(text, link=link))
    order = ["very top", "top", "mid", "low"]  # a categorical's order in memory, from_table(levels=) here
    ordered = df.assign(band=pd.Categorical(df["band"], categories=order))
    _same(from_table(df, levels={"band": order}, **kw).ordinal(text, link=link),
          cs.SurveyDesign(ordered, **kw).ordinal(text, link=link))
    coded = df.assign(satisfied=np.where(np.arange(len(df)) == 7, -8, df["satisfied"]))
    with pytest.raises(cs.MissingCodeError, match="model variable 'satisfied' holds the missing codes -8"):
        from_table(coded, missing_codes=(-6, -7, -8, -9), **kw).ordinal(formula, link=link)


def test_refusals_name_the_problem():
    df = _mini_frame()
    eng = from_table(df, weights="w", strata="region", psu="school")
    mem = cs.SurveyDesign(df, weights="w", strata="region", psu="school")
    for kw in (dict(link="loglog"), dict(hessian="numeric")):
        with pytest.raises(cs.ModelError) as a:
            eng.ordinal("satisfied ~ hours", **kw)
        with pytest.raises(cs.ModelError) as b:
            mem.ordinal("satisfied ~ hours", **kw)
        assert str(a.value) == str(b.value)
    two = "I(satisfied > 2) ~ hours"
    with pytest.raises(cs.ModelError, match="an ordinal response needs 3 or more levels among the rows used; it has 2"):
        eng.ordinal(two)


@pytest.mark.parametrize("domain", [None, "region == 'north'"])
def test_ordinal_brings_back_only_aggregates(query_sizes, domain):
    """Every query of a fit (and its variance) returns at most one row per PSU (here: per level, per stratum,
    per school), never one per row of the table."""
    df = _mini_frame()
    eng = from_table(df, weights="w", strata="region", psu="school")
    if domain:
        eng = eng.subset(domain)
    fit = eng.ordinal("satisfied ~ role + I(hours / 10)", link="cloglog")
    assert fit.df_resid == (7 if domain else 14) - 3
    assert query_sizes and max(query_sizes) <= df["school"].nunique()

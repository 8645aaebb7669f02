"""Replicate-weight designs on the engine path beyond linear estimates: svyglm refitted under every replicate
(all replicates advancing together, one query per round), raking and post-stratifying a replicate design (every
replicate weighted too, as R and the in-memory path do), replicate degrees of freedom and domains; every R
reference case of these kinds on DuckDB and on Spark, equal to the in-memory path (1e-9) and to R (1e-6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, load_cases, load_data, replicate_as_r
from test_engine_glm import _mini_frame
from test_engine_reference import _expected, _same

import careersurvey as cs
from careersurvey.engine import EngineError, from_table

EXTRA = "r-survey-extra"
PARITY = "r-survey-parity"


def _case_data(folder: str, case: dict) -> tuple[str, pd.DataFrame]:
    """(the fixture folder the data lives in, the data) of a case; parity cases name 'folder/file'."""
    if "/" in case["data"]:
        folder, name = case["data"].split("/")
        return folder, load_data(folder, name)
    return folder, load_data(folder, case["data"])


def _replicate_designs(folder: str, case: dict, spark=None, tmp_path=None):
    """(in-memory replicate design as R built it, the engine design over the same data with the replicate
    weights as columns of the table, as a data producer ships them; the data with those columns)."""
    src, df = _case_data(folder, case)
    de = case["design"]
    d = cs.SurveyDesign(df, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                        fpc=de.get("fpc"), lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    mem = replicate_as_r(FIXTURES / src, d, df, case["replicate"])
    reps = mem.replicates
    W = np.asarray(reps.weights)
    names = [f"repw{i + 1}" for i in range(W.shape[1])]
    table = pd.concat([df, pd.DataFrame(W, columns=names)], axis=1).assign(_row=np.arange(len(df)))
    source = table
    if spark is not None:
        table.to_parquet(tmp_path / "data.parquet")
        source = spark.read.parquet(str(tmp_path / "data.parquet"))
    eng = from_table(source, weights=de["weights"], replicate_weights=names, combined=True, scale=reps.scale,
                     rscales=reps.rscales, mse=reps.mse, method=reps.method, rho=reps.rho)
    return mem, eng, table


# -- glm --------------------------------------------------------------------------------------------------------
GLM = [pytest.param(c, id=c["id"]) for c in load_cases(EXTRA) if c.get("replicate")
       and c["estimate"]["type"] == "glm"]


def _fit(d, est: dict):
    return d.glm(est["formula"], family=est["family"], link=est.get("link"))


def _same_fit(eng, mem) -> None:
    """Every number of the two results: the table (estimate, se, intervals, df), the covariance, the deviance
    and naive covariance, what the replicate fit leaves out (deff, dispersion) and how the variance was made."""
    a, b = eng.table, mem.table
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    for col in a.columns:
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-9,
                                   atol=1e-12 * np.nanmax(np.abs(b[col].to_numpy(float)), initial=1), err_msg=col)
    np.testing.assert_allclose(eng.cov_params.to_numpy(), mem.cov_params.to_numpy(), rtol=1e-9,
                               atol=1e-12 * np.abs(mem.cov_params.to_numpy()).max())
    np.testing.assert_allclose(eng.extra["deviance"], mem.extra["deviance"], rtol=1e-9)
    np.testing.assert_allclose(eng.extra["naive_cov"], mem.extra["naive_cov"], rtol=1e-9,
                               atol=1e-12 * np.abs(mem.extra["naive_cov"]).max())
    assert eng.deff is None and mem.deff is None and eng.extra["dispersion"] is mem.extra["dispersion"] is None
    assert (eng.nobs, eng.family, eng.link, eng.response, eng.terms, eng.df_resid, eng.variance_method) == \
        (mem.nobs, mem.family, mem.link, mem.response, mem.terms, mem.df_resid, mem.variance_method)


def _check_glm_r(fit, exp: dict) -> None:
    assert [n.replace("[T.", "").replace("]", "") for n in fit.params.index] == \
        [n.replace("(Intercept)", "Intercept") for n in exp["names"]]
    np.testing.assert_allclose(fit.params.to_numpy(), exp["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.bse.to_numpy(), exp["se"], rtol=1e-6)
    assert fit.df_resid == exp["df_residual"]


@pytest.mark.parametrize("case", GLM)
def test_replicate_glm_duckdb_equals_memory_and_r(case):
    mem, eng, _ = _replicate_designs(EXTRA, case)
    fit = _fit(eng, case["estimate"])
    _same_fit(fit, _fit(mem, case["estimate"]))
    _check_glm_r(fit, case["expected"])


@pytest.mark.parametrize("case", GLM)
def test_replicate_glm_spark_equals_memory_and_r(spark, tmp_path, case):
    mem, eng, _ = _replicate_designs(EXTRA, case, spark, tmp_path)
    fit = _fit(eng, case["estimate"])
    _same_fit(fit, _fit(mem, case["estimate"]))
    _check_glm_r(fit, case["expected"])


@pytest.mark.parametrize("case", [c for c in GLM if c.id in ("rep-jk1-glm", "rep-boot-glm")])  # 1 and 2 blocks
def test_replicate_glm_on_many_rows_takes_the_wide_path(monkeypatch, case):
    """Beyond MAX_STACKED stacked rows a round sums every replicate's columns in one pass over the rows (in blocks
    of MAX_AGGREGATES: bootstrap's 50 replicates take two); the same fit."""
    import careersurvey.engine.replicates_glm as rg

    monkeypatch.setattr(rg, "MAX_STACKED", 0)
    mem, eng, _ = _replicate_designs(EXTRA, case)
    _same_fit(_fit(eng, case["estimate"]), _fit(mem, case["estimate"]))


def test_replicate_glm_cases_cover_every_method():
    assert {c.values[0]["replicate"]["type"] for c in GLM} == {"JK1", "JKn", "BRR", "Fay", "bootstrap"}



MODELS = [pytest.param(c, id=c["id"]) for c in load_cases("r-survey-models") if c.get("replicate")
          and c["estimate"]["type"] in ("svyglm", "regtermtest")]


def _check_model(case, mem, eng) -> None:
    """A replicate svyglm case of r-survey-models (coefficients, replicate covariance, df, deviance) or its
    regTermTest (Wald from the replicate covariance; LRT: the deviance of a refit without the terms)."""
    est, exp = case["estimate"], case["expected"]
    model = est.get("model", est)
    fit = eng.glm(model["py_formula"], family=model["family"])  # an offset: every replicate refit keeps it
    _same_fit(fit, mem.glm(model["py_formula"], family=model["family"]))
    if est["type"] == "svyglm":
        np.testing.assert_allclose(fit.params.to_numpy(), exp["coef"], rtol=1e-6)
        np.testing.assert_allclose(fit.cov_params.to_numpy().reshape(-1), exp["vcov"], rtol=1e-6)
        np.testing.assert_allclose(fit.extra["deviance"], exp["deviance"], rtol=1e-6)
        assert fit.df_resid == exp["df_residual"]
        return
    res = fit.term_test(est["terms"], method=est["method"])
    assert (res.ndf, res.ddf) == (exp["df"], exp["ddf"])
    np.testing.assert_allclose(res.statistic if est["method"] == "Wald" else res.chisq,
                               exp["Ftest"] if est["method"] == "Wald" else exp["chisq"], rtol=1e-6)
    np.testing.assert_allclose(res.p_value, exp["p"], rtol=1e-6)
    if exp.get("lambda"):
        np.testing.assert_allclose(res.lambdas, sorted(exp["lambda"], reverse=True), rtol=1e-6)


@pytest.mark.parametrize("case", MODELS)
def test_replicate_model_cases_duckdb(case):
    mem, eng, _ = _replicate_designs(case["folder"], case)
    _check_model(case, mem, eng)


@pytest.mark.parametrize("case", MODELS)
def test_replicate_model_cases_spark(spark, tmp_path, case):
    mem, eng, _ = _replicate_designs(case["folder"], case, spark, tmp_path)
    _check_model(case, mem, eng)


def test_replicate_model_cases_are_all_there():
    assert {c.values[0]["id"] for c in MODELS} == {"glm-offset-jk1", "rtt-wald-jk1", "rtt-lrt-jk1"}

# -- raking and post-stratifying a replicate design ---------------------------------------------------------------
def _weighting(case: dict) -> tuple[str, object]:
    """("rake", margins) or ("poststratify", (cells, totals)) of a case, as the fixtures spell them."""
    if case.get("rake"):
        return "rake", case["rake"]
    cal = case["calibration"]
    if cal["method"] == "raking":  # R's calibrate(calfun = "raking") on margins: rake()'s weights
        return "rake", cal["margins"]
    return "poststratify", (cal["cells"], cal["totals"])


def _weight(d, kind: str, spec):
    if kind == "rake":
        return d.rake(spec, tol=1e-12, max_iter=500)
    return d.poststratify(*spec)


WEIGHTED = [pytest.param(folder, c, id=f"{folder}:{c['id']}") for folder in (EXTRA, PARITY)
            for c in load_cases(folder) if c.get("replicate")
            and (c.get("rake") or (c.get("calibration") or {}).get("method") in ("raking", "poststratify"))]


def _final_weights(eng, table: pd.DataFrame) -> np.ndarray:
    """The test reads the engine design's final weights (rows: the library itself never brings them back)."""
    t = eng.table
    W = eng.replicates.weights(t, eng.weight_expr)
    q = t.select("_row", w=eng.weight_expr, **{f"r{i}": w for i, w in enumerate(W)}).order_by("_row")
    return eng.execute(q).drop(columns="_row").to_numpy(dtype=float)


def _check_weighted(folder, case, mem, eng, table) -> None:
    kind, spec = _weighting(case)
    mem, eng = _weight(mem, kind, spec), _weight(eng, kind, spec)
    exp, est = case["expected"], case["estimate"]
    assert eng.design_df == mem.design_df == exp["design_df"]
    if case.get("subset"):
        mem, eng = mem.subset(case["subset"]), eng.subset(case["subset"])
    if est["type"] == "weights":
        final = _final_weights(eng, table)
        np.testing.assert_allclose(final, np.column_stack([mem.weights, np.asarray(mem.replicates.weights)]),
                                   rtol=1e-9)
        np.testing.assert_allclose(final[:, 0], exp["weights"], rtol=1e-6)
        np.testing.assert_allclose(final[:, 1:], np.asarray(exp["replicate_weights"]).T, rtol=1e-6)
        return
    variable = est["variable"]
    res = eng.mean(variable)
    _same(res, mem.mean(variable))
    if est["type"] == "mean":
        _expected(res, exp)
    else:  # a share whose interval another estimator makes (svyciprop): its estimate is the mean's
        row = f"{variable}{est['level']}"
        np.testing.assert_allclose(res.loc[row, "estimate"], exp["estimate"][0], rtol=1e-6)


@pytest.mark.parametrize("folder, case", WEIGHTED)
def test_weighted_replicates_duckdb_equal_memory_and_r(folder, case):
    mem, eng, table = _replicate_designs(folder, case)
    _check_weighted(folder, case, mem, eng, table)


@pytest.mark.parametrize("folder, case", WEIGHTED)
def test_weighted_replicates_spark_equal_memory_and_r(spark, tmp_path, folder, case):
    mem, eng, table = _replicate_designs(folder, case, spark, tmp_path)
    _check_weighted(folder, case, mem, eng, table)


def test_weighted_replicate_cases_are_all_there():
    assert {c.values[1]["id"] for c in WEIGHTED} == {"rep-jk1-rake3-mean-api00", "rep-jk1-poststrat-weights",
                                                    "ciprop-jk1-clus2-raked"}


# -- replicate degrees of freedom and domains ----------------------------------------------------------------------
DEGF = [pytest.param(c, id=c["id"]) for c in load_cases(PARITY) if c.get("replicate")
        and c["estimate"]["type"] in ("degf", "mean")]


def _check_degf(case, mem, eng) -> None:
    """R's degf (the rank of the domain's replicate weights by qr(tol = 1e-5), minus one), and the df a mean
    reports on the design or domain, equal to the in-memory design's."""
    exp = case["expected"]
    if case.get("subset"):
        mem, eng = mem.subset(case["subset"]), eng.subset(case["subset"])
    assert eng.design_df == mem.design_df == exp["design_df"]
    variable = case["estimate"].get("variable", "y" if "y" in eng.table.columns else "api00")
    res = eng.mean(variable)
    _same(res, mem.mean(variable))
    assert (res["df"] == exp["design_df"]).all()
    if case["estimate"]["type"] == "mean":
        _expected(res, exp)


@pytest.mark.parametrize("case", DEGF)
def test_replicate_degf_duckdb_equals_memory_and_r(case):
    mem, eng, _ = _replicate_designs(PARITY, case)
    _check_degf(case, mem, eng)


@pytest.mark.parametrize("case", DEGF)
def test_replicate_degf_spark_equals_memory_and_r(spark, tmp_path, case):
    mem, eng, _ = _replicate_designs(PARITY, case, spark, tmp_path)
    _check_degf(case, mem, eng)


def test_degf_cases_are_all_there():
    assert len(DEGF) == 7 and sum(bool(c.values[0].get("subset")) for c in DEGF) == 2


# -- a second survey, models on weighted replicate designs, what leaves the engine ---------------------------------
def _mini_replicate(df: pd.DataFrame, missing_codes=()):
    """Our own small survey (two regions of schools, a text answer, missing hours) with JKn replicate columns."""
    mem = cs.SurveyDesign(df, weights="w", strata="region", psu="school").replicate("JKn")
    W = np.asarray(mem.replicates.weights)
    names = [f"jk{i}" for i in range(W.shape[1])]
    table = pd.concat([df, pd.DataFrame(W, columns=names)], axis=1)
    eng = from_table(table, weights="w", replicate_weights=names, combined=True, scale=mem.replicates.scale,
                     rscales=mem.replicates.rscales, method="JKn", missing_codes=missing_codes)
    return mem, eng


def test_replicate_glm_on_a_second_survey_with_missing_values_and_codes():
    df = _mini_frame()
    mem, eng = _mini_replicate(df)
    formula = "I(stay == 1) ~ role + I(hours / 10)"
    fit = eng.glm(formula, family="binomial")
    _same_fit(fit, mem.glm(formula, family="binomial"))
    assert fit.nobs == len(df) - 3 and fit.variance_method == "replicate weights (JKn, 12)"
    _, coded = _mini_replicate(df.assign(hours=df["hours"].fillna(-8)), missing_codes=(-6, -7, -8, -9))
    with pytest.raises(cs.MissingCodeError, match="model variable 'hours' holds the missing codes -8"):
        coded.glm(formula, family="binomial")


@pytest.mark.parametrize("kind", ["rake", "poststratify"])
def test_glm_on_a_weighted_replicate_design_equals_memory(kind):
    """A raked or post-stratified replicate design refits the model under every weighted replicate (no
    residuals needed: the replicates carry the step), as in memory; a domain's fit too."""
    df = _mini_frame()
    mem, eng = _mini_replicate(df)
    if kind == "rake":
        margins = {"role": {"postdoc": 400, "staff": 500, "student": 900}, "region": {"north": 1000, "south": 800}}
        mem, eng = mem.rake(margins), eng.rake(margins)
    else:
        totals = {"postdoc": 400, "staff": 500, "student": 900}
        mem, eng = mem.poststratify("role", totals), eng.poststratify("role", totals)
    assert eng.design_df == mem.design_df
    _same_fit(eng.glm("hours ~ role"), mem.glm("hours ~ role"))
    _same(eng.mean("hours", na_rm=True, by="region"), mem.mean("hours", na_rm=True, by="region"))
    dm, de = mem.subset("region == 'north'"), eng.subset("region == 'north'")
    _same_fit(de.glm("I(stay == 1) ~ I(hours / 10)", family="binomial"),
              dm.glm("I(stay == 1) ~ I(hours / 10)", family="binomial"))


def test_replicate_glm_brings_back_only_aggregates(query_sizes):
    """Every query of a replicate fit returns at most one row per replicate (the refits' rounds) or per PSU."""
    df = _mini_frame()
    _, eng = _mini_replicate(df)
    query_sizes.clear()
    eng.glm("I(stay == 1) ~ role + I(hours / 10)", family="binomial")
    assert query_sizes and max(query_sizes) <= max(df["school"].nunique(), len(eng.replicates.columns))


def test_weighting_a_replicate_domain_or_twice_is_refused():
    _, eng = _mini_replicate(_mini_frame())
    totals = {"postdoc": 400, "staff": 500, "student": 900}
    with pytest.raises(EngineError, match="post-stratify the whole sample, then take the domain"):
        eng.subset("region == 'north'").poststratify("role", totals)
    with pytest.raises(EngineError, match="weights once"):
        eng.poststratify("role", totals).rake({"region": {"north": 1000, "south": 800}})

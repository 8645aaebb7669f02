"""The model tools of tests/fixtures/r-survey-models on the engine path, inside DuckDB and inside Spark: svyglm with
offsets, cbind responses and quasi families, psrsq, regTermTest (Wald F / chi-square, WorkingWald, the Rao-Scott
LRT with each approximation, whole-model tests), svypredmeans (and contrasts of it), average marginal effects and
MIcombine over engine designs. Each equals the in-memory result (every number, 1e-9) and R (1e-6, or the
in-memory test's tolerance where R itself is approximate: see tests/models/test_r_models.py).

Elsewhere: svyolr (test_engine_ordinal.py), replicate-weight refits. Refused here with a message: what
:data:`REFUSED` lists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import load_cases, load_data

import careersurvey as cs
from careersurvey.engine import TableDesign, from_imputed_tables, from_table

FOLDER = "r-survey-models"
#: cases the engine path refuses, with the words of its message (none now)
REFUSED: dict[str, str] = {}


def _mine(case: dict) -> bool:
    """This file's cases: not svyolr (the ordinal models' own file), not replicate svyglm/regTermTest
    (test_engine_replicate_models.py)."""
    est = case["estimate"]
    model = est.get("model", est)
    if case.get("replicate") and est["type"] in ("svyglm", "regtermtest"):
        return False
    return est["type"] != "svyolr" and model.get("type") != "svyolr"


ALL = [c for c in load_cases(FOLDER) if _mine(c)]
CASES = [c for c in ALL if c["id"] not in REFUSED]
ENGINES = ("duckdb", "spark")


def _params(*types: str) -> list:
    return [pytest.param(engine, c, id=f"{engine}:{c['id']}") for c in CASES if c["estimate"]["type"] in types
            for engine in ENGINES]


@pytest.fixture(scope="session")
def source(request, tmp_path_factory):
    """``source(engine, name)``: the fixture's data file as the engine reads it (Spark: parquet written by pandas,
    read by spark.read.parquet; DuckDB: the pandas frame, an Ibis memtable)."""
    cache: dict = {}

    def get(engine: str, folder: str, name: str):
        df = load_data(folder, name)
        if engine == "duckdb":
            return df
        if (folder, name) not in cache:
            spark = request.getfixturevalue("spark")
            path = tmp_path_factory.mktemp("models") / f"{name}.parquet"
            df.to_parquet(path)
            cache[folder, name] = spark.read.parquet(str(path))
        return cache[folder, name]

    get.spark = lambda: request.getfixturevalue("spark")
    get.tmp = lambda: tmp_path_factory.mktemp("replicates")
    return get


def _pandas(engine: str, folder: str, name: str) -> pd.DataFrame:
    return load_data(folder, name)


def _kw(case: dict) -> dict:
    de = case["design"]
    return dict(weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"), fpc=de.get("fpc"))


def _designs(engine: str, case: dict, source):
    if case.get("replicate"):  # R's replicate weights as columns of the table (test_engine_replicate_models)
        from test_engine_replicate_models import _replicate_designs

        spark = (source.spark(), source.tmp()) if engine == "spark" else ()
        mem, eng, _ = _replicate_designs(case["folder"], case, *spark)
        return mem, eng
    mem = cs.SurveyDesign(load_data(case["folder"], case["data"]), **_kw(case))
    eng = from_table(source(engine, case["folder"], case["data"]), **_kw(case))
    if case.get("subset"):
        mem, eng = mem.subset(case["subset"]), eng.subset(case["subset"])
    return mem, eng


def _fit(d, model: dict):
    return d.glm(model["py_formula"], family=model["family"], link=model.get("link"), offset=model.get("py_offset"))


#: fits by (engine, case design, model): the regTermTest cases test a few models many ways (one fit each here,
#: so Spark runs each model once; the tests themselves, their refits included, run every time)
_FITS: dict = {}


def _fits(engine: str, case: dict, model: dict, source):
    key = (engine, case["folder"], case["data"], repr(case["design"]), case.get("subset"), repr(sorted(model.items())))
    if key not in _FITS:
        mem, eng = _designs(engine, case, source)
        _FITS[key] = (_fit(eng, model), _fit(mem, model))
    return _FITS[key]


def near(actual, expected, rel: float = 1e-9) -> None:
    """Equal to ``rel`` relative (NaN where NaN), absolute 1e-12 of the largest value for values near 0."""
    a = np.asarray(actual, dtype=float).reshape(-1)
    e = np.asarray([np.inf if v == "Inf" else np.nan if v is None else v for v in np.ravel(expected)], dtype=float)
    assert a.shape == e.shape, (a, e)
    scale = np.max(np.abs(e[np.isfinite(e)]), initial=1)
    np.testing.assert_allclose(a, e, rtol=rel, atol=1e-12 * scale, equal_nan=True)


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The engine's result frame is the in-memory one: index, columns, every number (1e-9), the covariance."""
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    for col in b.columns:
        if pd.api.types.is_numeric_dtype(b[col]):
            near(a[col], b[col].to_numpy(float))
        else:
            assert list(a[col]) == list(b[col]), col
    near(a.attrs["vcov"], b.attrs["vcov"])


def same_fit(a, b) -> None:
    ta, tb = a.table, b.table
    assert list(ta.index) == list(tb.index)
    for col in tb.columns:
        near(ta[col], tb[col].to_numpy(float))
    near(a.cov_params.to_numpy(), b.cov_params.to_numpy())
    for key in ("deviance", "dispersion"):
        near(a.extra[key], b.extra[key])
    near(a.extra["naive_cov"], b.extra["naive_cov"])
    assert (a.nobs, a.family, a.link, a.response, a.terms, a.df_resid) == (b.nobs, b.family, b.link, b.response,
                                                                          b.terms, b.df_resid)
    near(a.population, b.population)


def _r_name(name: str) -> str:
    return "(Intercept)" if name == "Intercept" else name.replace("[T.", "").replace("]", "").replace(" ", "")


# -- svyglm: offsets, cbind, quasi families, psrsq ------------------------------------------------------------
@pytest.mark.parametrize("engine, case", _params("svyglm"))
def test_glm(engine, case, source):
    est, exp = case["estimate"], case["expected"]
    fit, ref = _fits(engine, case, est, source)
    same_fit(fit, ref)
    assert [_r_name(n) for n in fit.coefficients.index] == [n.replace(" ", "") for n in exp["names"]]
    near(fit.coefficients, exp["coef"], 1e-6)
    near(fit.cov_params.to_numpy().T, exp["vcov"], 1e-6)
    assert fit.df_resid == exp["df_residual"]
    near(fit.extra["deviance"], exp["deviance"], 1e-6)
    near(np.asarray(fit.extra["naive_cov"]).T, exp["naive_cov"], 1e-6)
    near(fit.extra["dispersion"], exp["dispersion"], 1e-6)
    for method, key in (("Cox-Snell", "psrsq_cox_snell"), ("Nagelkerke", "psrsq_nagelkerke")):
        if isinstance(exp[key], str):  # R refuses continuous responses; so do both paths
            with pytest.raises(cs.ModelError, match="Only implemented for discrete data"):
                fit.pseudo_r2(method)
        else:
            near(fit.pseudo_r2(method), ref.pseudo_r2(method))
            near(fit.pseudo_r2(method), exp[key], 1e-6)


# -- regTermTest ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine, case", _params("regtermtest"))
def test_term_test(engine, case, source):
    est, exp = case["estimate"], case["expected"]
    df = {None: None, "Inf": np.inf}.get(est.get("df"), est.get("df"))
    kw = dict(method=est["method"], df=df, null=est.get("null"),
              approximation=est.get("approximation", "saddlepoint"))
    fit, mem_fit = _fits(engine, case, est["model"], source)
    res, ref = fit.term_test(est["terms"], **kw), mem_fit.term_test(est["terms"], **kw)
    assert (res.terms, res.method, res.ndf, res.approximation, str(res)) == (ref.terms, ref.method, ref.ndf,
                                                                            ref.approximation, str(ref))
    near([res.statistic, res.chisq, res.ddf, res.p_value], [ref.statistic, ref.chisq, ref.ddf, ref.p_value])
    near(res.lambdas, ref.lambdas)
    assert res.ndf == exp["df"]
    near(res.ddf, exp["ddf"] if exp["ddf"] is not None else "Inf", 1e-6)
    if est["method"] == "Wald" and exp["Ftest"] is not None:
        near(res.statistic, exp["Ftest"], 1e-6)
    else:
        near(res.chisq, exp["chisq"], 1e-6)
    if exp.get("lambda"):
        near(res.lambdas, sorted(exp["lambda"], reverse=True), 1e-6)
    if est.get("approximation") == "integration":  # R had no CompQuadForm: its saddlepoint (as the core's test)
        assert 0.75 < res.p_value / exp["p"] < 1.3
        near(fit.term_test(est["terms"], method=est["method"], df=df).p_value, exp["p"], 1e-6)
    else:
        near(res.p_value, exp["p"], 1e-6)


def test_whole_model_test_and_summary():
    """The summary's whole-model Wald test and the fit's printed summary are the in-memory ones."""
    case = next(c for c in CASES if c["id"] == "rtt-whole-model")
    mem, eng = _designs("duckdb", case, _pandas)
    fit, ref = _fit(eng, case["estimate"]["model"]), _fit(mem, case["estimate"]["model"])
    a, b = fit.whole_model_test(), ref.whole_model_test()
    assert a.terms == b.terms
    near([a.statistic, a.p_value], [b.statistic, b.p_value])
    assert fit.summary().as_text() == ref.summary().as_text()


# -- svypredmeans and average marginal effects ----------------------------------------------------------------
@pytest.mark.parametrize("engine, case", _params("svypredmeans"))
def test_predictive_margins(engine, case, source):
    est, exp = case["estimate"], case["expected"]
    mem, eng = _designs(engine, case, source)
    model = dict(est["model"], py_formula=f"{est['model']['py_formula']} + {est['group']}")
    res = _fit(eng, model).predictive_margins(est["group"])
    same_frame(res, _fit(mem, model).predictive_margins(est["group"]))
    assert list(res.index) == exp["names"]
    near(res["estimate"], exp["estimate"], 1e-6)
    near(res.attrs["vcov"].T, exp["vcov"], 1e-6)
    if "contrasts" in exp:  # differences of the margins (R: svycontrast)
        con = cs.contrast(res, case["contrasts"])
        near(con["estimate"], exp["contrasts"]["estimate"], 1e-6)
        near(con.attrs["vcov"].T, exp["contrasts"]["vcov"], 1e-6)


@pytest.mark.parametrize("engine, case", _params("ame"))
def test_average_marginal_effect(engine, case, source):
    """R's construction with central differences in beta moves its coefficients' part by up to 4e-5 (see
    test_r_models.py); ours is analytic on both paths, equal to 1e-9."""
    est, exp = case["estimate"], case["expected"]
    mem, eng = _designs(engine, case, source)
    res = _fit(eng, est["model"]).marginal_effect(est["variable"])
    ref = _fit(mem, est["model"]).marginal_effect(est["variable"])
    same_frame(res, ref)
    near(res.attrs["mean_variance"], ref.attrs["mean_variance"])
    near(res["estimate"], exp["estimate"], 1e-6)
    near(res.attrs["mean_variance"], exp["mean_variance"], 1e-6)
    near(res["se"] ** 2, exp["variance"], 5e-5)


@pytest.mark.parametrize("engine, case", _params("marginpred"))
def test_marginal_predictions(engine, case, source):
    """R's marginpred: R's grake steps (stopped at epsilon 1e-4, as R) one query each, the refit under the
    balanced weights in the engine, the predictions and their covariance (the core's test: 1e-6 to R)."""
    est, exp = case["estimate"], case["expected"]
    mem, eng = _designs(engine, case, source)
    at = pd.DataFrame(est["predictat"])
    res = _fit(eng, est["model"]).marginal_predictions(est["adjustfor"], at, type=est["pred_type"])
    same_frame(res, _fit(mem, est["model"]).marginal_predictions(est["adjustfor"], at, type=est["pred_type"]))
    near(res["estimate"], exp["estimate"], 1e-6)
    near(res.attrs["vcov"].T, exp["vcov"], 1e-6)


# -- multiple imputation --------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine, case", _params("micombine"))
def test_micombine(engine, case, source):
    est, exp = case["estimate"], case["expected"]
    if est["analysis"]["fun"] == "svychisq" and not hasattr(TableDesign, "chisq"):
        pytest.skip("chisq is not on the engine path yet (R's svychisq inside the engine: engine/stats*.py)")
    de = case["design"]
    kw = dict(weights=de["weights"], strata=de["strata"], fpc=de["fpc"])
    mem = cs.ImputedDesigns.from_datasets([load_data(case["folder"], name) for name in est["imputations"]], **kw)
    if case.get("replicate"):
        mem = mem.replicate(case["replicate"]["type"])
        eng = _imputed_replicate_tables(engine, case, mem, source)
    else:
        eng = from_imputed_tables([source(engine, case["folder"], name) for name in est["imputations"]], **kw)
    if case.get("subset"):
        eng, mem = eng.subset(case["subset"]), mem.subset(case["subset"])
    a = est["analysis"]
    if a["fun"] == "svychisq":
        res, ref = eng.chisq(a["row"], a["col"]), mem.chisq(a["row"], a["col"])
        near([res.statistic, res.ndf, res.ddf, res.p_value, res.r], [ref.statistic, ref.ndf, ref.ddf, ref.p_value,
                                                                      ref.r])
        near([res.statistic, res.ndf, res.ddf, res.p_value, res.r],
             [exp["statistic"], exp["ndf"], exp["ddf"], exp["p_value"], exp["r"]], 1e-6)
        return
    dfc = est.get("df_complete")
    if a["fun"] == "svyglm":
        res, ref = (d.glm(a["formula"], family=a["family"], df_complete=dfc) for d in (eng, mem))
        names = [_r_name(n) for n in res.index]
    else:
        fun = {"svymean": "mean", "svytotal": "total"}[a["fun"]]
        res, ref = (getattr(d, fun)(a["variables"], df_complete=dfc) for d in (eng, mem))
        names = list(res.index)
    same_frame(res, ref)
    assert names == exp["names"]
    for col, key in (("estimate", "estimate"), ("df", "df"), ("missinfo", "missinfo"), ("ci_low", "ci_low"),
                     ("ci_high", "ci_high")):
        near(res[col], exp[key], 1e-6)
    near(res.attrs["vcov"].T, exp["vcov"], 1e-6)


def _imputed_replicate_tables(engine: str, case: dict, mem, source):
    """Each completed table with the replicate weights R gives every imputation (the same ones) as columns."""
    reps = mem.designs[0].replicates
    W = np.asarray(reps.weights)
    names = [f"repw{i + 1}" for i in range(W.shape[1])]
    tables = []
    for name in case["estimate"]["imputations"]:
        table = pd.concat([load_data(case["folder"], name), pd.DataFrame(W, columns=names)], axis=1)
        if engine == "spark":
            path = source.tmp() / f"{name}.parquet"
            table.to_parquet(path)
            table = source.spark().read.parquet(str(path))
        tables.append(table)
    return from_imputed_tables(tables, weights=case["design"]["weights"], replicate_weights=names, combined=True,
                               scale=reps.scale, rscales=reps.rscales, mse=reps.mse, method=reps.method,
                               rho=reps.rho)


# -- what is refused, and the count -------------------------------------------------------------------------------
def test_cases_are_many():
    """The filters above must not drop cases silently: 56 in the fixture, 13 of svyolr (the ordinal models'
    file), 3 replicate svyglm/regTermTest (test_engine_replicate_models.py); of the 40 here, all but the refused
    run on both engines."""
    assert len(load_cases(FOLDER)) == 56
    assert len(ALL) == 40
    assert len(CASES) == len(ALL) - len(REFUSED) == 40
    assert len(_params("svyglm", "regtermtest", "svypredmeans", "ame", "marginpred", "micombine")) == 2 * len(CASES)


# -- a second survey: missing values, declared missing codes, only aggregates leave the engine --------------------
def _mini_frame() -> pd.DataFrame:
    """test_engine_glm's small survey of our own (two strata of clusters, a text answer, hours missing in three
    rows) with a count, years, and a response that depends on the hours."""
    from test_engine_glm import _mini_frame as glm_frame

    df = glm_frame()
    rng = np.random.default_rng(11)
    df["papers"] = rng.poisson(3, len(df)).astype(float)
    df["years"] = rng.integers(1, 10, len(df)).astype(float)
    df["stay"] = (rng.uniform(size=len(df)) < 1 / (1 + np.exp(-(df["hours"].fillna(40) - 40) / 10))).astype(int)
    return df


def test_a_second_survey_with_missing_values_and_codes(query_sizes):
    """The tools on a survey of our own (rows missing a variable leave the fit) equal the in-memory path, every
    query returns at most one row per PSU, and a declared missing code (-8) in a model variable is refused."""
    df = _mini_frame()
    kw = dict(weights="w", strata="region", psu="school")
    mem, eng = cs.SurveyDesign(df, **kw), from_table(df, **kw)
    formula = "I(stay == 1) ~ role + I(hours / 10) + offset(np.log(years))"
    fit = eng.glm(formula, family="quasipoisson")
    ref = mem.glm(formula, family="quasipoisson")
    same_fit(fit, ref)
    assert fit.nobs == len(df) - 3
    for method in ("Wald", "WorkingWald", "LRT"):
        a, b = fit.term_test("~ role", method=method), ref.term_test("~ role", method=method)
        near([a.chisq, a.p_value], [b.chisq, b.p_value])
    near(fit.pseudo_r2(), ref.pseudo_r2())
    near(fit.pseudo_r2("Cox-Snell"), ref.pseudo_r2("Cox-Snell"))
    plain = "papers ~ role * hours"
    fit2, ref2 = eng.glm(plain, family="poisson"), mem.glm(plain, family="poisson")
    same_fit(fit2, ref2)
    same_frame(fit2.predictive_margins("role"), ref2.predictive_margins("role"))
    same_frame(fit2.marginal_effect("hours"), ref2.marginal_effect("hours"))
    at = pd.DataFrame({"role": ["staff", "student"], "hours": [30.0, 50.0]})
    same_frame(fit2.marginal_predictions("~ years", at, type="response"),
               ref2.marginal_predictions("~ years", at, type="response"))
    assert query_sizes and max(query_sizes) <= df["school"].nunique()
    coded = df.assign(hours=df["hours"].fillna(-8))
    with pytest.raises(cs.MissingCodeError, match="model variable 'hours' holds the missing codes -8"):
        from_table(coded, missing_codes=(-6, -7, -8, -9), **kw).glm(plain, family="poisson")


def test_imputed_tables_need_two_of_the_same_rows():
    df = _mini_frame()
    with pytest.raises(cs.EstimateError, match="needs 2 or more completed data sets; got 1"):
        from_imputed_tables([df], weights="w", strata="region", psu="school")
    with pytest.raises(cs.EstimateError, match=r"differ in their number of rows \(\[100, 120\]\)"):
        from_imputed_tables([df, df.iloc[:100]], weights="w", strata="region", psu="school")

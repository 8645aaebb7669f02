"""Replicate-weight designs on the engine path beyond linear estimates: svyglm refitted under every replicate
(all replicates advancing together, one query per round), raking and post-stratifying a replicate design (every
replicate weighted too, as R and the in-memory path do), replicate degrees of freedom and domains; every R
reference case of these kinds on DuckDB and on Spark, equal to the in-memory path (1e-9) and to R (1e-6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, load_cases, load_data, replicate_as_r
from test_engine_glm import _same as _same_glm_linearised
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


def test_replicate_glm_cases_cover_every_method():
    assert {c.values[0]["replicate"]["type"] for c in GLM} == {"JK1", "JKn", "BRR", "Fay", "bootstrap"}

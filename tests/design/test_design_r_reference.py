"""Every case of the R survey reference fixtures, run through the public API and compared with R.

One parametrised test over ``tests/fixtures/r-survey/cases.json`` and ``tests/fixtures/r-survey-extra/
cases.json`` (R 4.2.2, survey 4.1.1; the spec and script that made them sit beside them). Each case builds its
design as R did (replicate weights, calibration, trimming, domain) and is checked by the checker for its
estimate type: means, totals, ratios, domains, quantiles and Rao-Scott tests to 1e-6 relative; svyglm
coefficients, SEs, residual df and design effects to 1e-6; svyolr to 1e-4 (R's optimiser stops early) and, for
linearised fits, to 1e-6 against R run with a tight tolerance; weights to 1e-6. Every case also checks the
design's degrees of freedom. A case type without a checker fails, so new fixture cases cannot pass unseen.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rcases import FIXTURES, FOLDERS, load_cases, load_data, replicate_as_r, weigh_as_r

import careersurvey as cs
# the module (the package's own ``replicate`` is a function)
wr = importlib.import_module("careersurvey.estimation.weighting.replicate")

SOURCES = tuple(FIXTURES / folder for folder in FOLDERS)


def _cases() -> list:
    return [pytest.param(src, case, id=f"{src.name}:{case['id']}") for src in SOURCES for case in load_cases(src.name)]


def close(actual, expected, rel: float = 1e-6, atol_scale: float = 1e-12) -> None:
    """Relative agreement; JSON nulls (R's NA) must be NaN here; ``atol_scale`` of the largest |expected|."""
    actual = np.asarray(actual, dtype=float).reshape(-1)
    expected = np.asarray(expected, dtype=object)
    expected = np.where(expected == None, np.nan, expected).astype(float).reshape(-1)  # noqa: E711 (JSON null)
    assert actual.shape == expected.shape, (actual, expected)
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=atol_scale * np.max(np.abs(expected), initial=1))


# -- the design of a case, as R built it ----------------------------------------------------------------------
def build(src: Path, case: dict):
    df = load_data(src.name, case["data"])
    rows = case.get("rows")
    if rows:
        df = df[df[rows["column"]] == rows["equals"]].reset_index(drop=True)
    de = case["design"]
    d = cs.SurveyDesign(df, weights=de.get("weights"), strata=de.get("strata"), psu=de.get("psu"),
                        fpc=de.get("fpc"), lonely_psu=case.get("lonely_psu", "fail"), nest=bool(de.get("nest")))
    if case.get("replicate"):
        d = replicate_as_r(src, d, df, case["replicate"])
    return weigh_as_r(d, case, d.data)


def _r_name(name: str, data: pd.DataFrame) -> str:
    """R's coefficient name in the formula engine's spelling: (Intercept) -> Intercept, stypeH -> stype[T.H]."""
    if name == "(Intercept)":
        return "Intercept"
    for col in data.columns:
        if name.startswith(col) and not pd.api.types.is_numeric_dtype(data[col]):
            level = name[len(col):]
            if level in set(map(str, data[col].dropna().unique())):
                return f"{col}[T.{level}]"
    return name.replace(" ", "")


def _names(index) -> list[str]:
    return [str(n).replace(" ", "") for n in index]


# -- one checker per estimate type ------------------------------------------------------------------------------
def _estimates(res: pd.DataFrame, exp: dict) -> None:
    if "names" in exp:
        assert _names(res.index) == exp["names"]
    close(res["estimate"], exp["estimate"])
    close(res["se"], exp["se"])


def check_mean_total(d, est: dict, exp: dict) -> None:
    by = {"by": est["by"]} if est["type"].startswith("by_") else {}
    fn = d.mean if est["type"].endswith("mean") else d.total
    _estimates(fn(est["variable"], na_rm=bool(est.get("na_rm", False)), **by), exp)


def check_ratio(d, est: dict, exp: dict) -> None:
    _estimates(d.ratio(est["numerator"], est["denominator"], na_rm=bool(est.get("na_rm", False))), exp)


def check_quantile(d, est: dict, exp: dict) -> None:
    _estimates(d.quantile(est["variable"], est["quantiles"]), exp)


def check_chisq(d, est: dict, exp: dict) -> None:
    res = d.chisq(est["row"], est["col"], statistic=est.get("statistic", "F"))
    close(res.statistic, exp["statistic"])
    close(res.ndf, exp["ndf"])
    if "ddf" in exp:
        close(res.ddf, exp["ddf"])
    close(res.p_value, exp["p_value"])


def check_glm(d, est: dict, exp: dict) -> None:
    fit = d.glm(est["formula"], family=est["family"], link=est.get("link"))
    assert _names(fit.params.index) == [_r_name(n, d.data) for n in exp["names"]]
    close(fit.params, exp["coef"], atol_scale=0)
    close(fit.bse, exp["se"], atol_scale=0)
    assert fit.df_resid == exp["df_residual"]  # R's svyglm: degf + 1 - p
    if "deff" in exp:  # R's svyglm(deff = TRUE)
        close(fit.deff, exp["deff"], atol_scale=0)
        close(fit.table["deff"], exp["deff"], atol_scale=0)


def check_olr(d, est: dict, exp: dict) -> None:
    """svyolr: ours uses the exact Hessian, compared with R run with an accurate finite-difference step
    (ndeps 1e-6); ``hessian="r"`` reproduces R's default step and is compared with R's default SEs."""
    fit = d.ordinal(est["formula"])
    assert _names(fit.params.index) == [_r_name(n, d.data) for n in exp["slope_names"]]
    assert list(fit.thresholds.index) == exp["threshold_names"]
    close(fit.params, exp["slopes"], 1e-4, atol_scale=0)
    close(fit.thresholds, exp["thresholds"], 1e-4, atol_scale=0)
    se_names = [_r_name(n, d.data) for n in exp["se_names"]]
    close(fit.bse.rename(index=lambda n: str(n).replace(" ", "")).reindex(se_names), exp["se"], 1e-4, atol_scale=0)
    r_mode = d.ordinal(est["formula"], hessian="r")
    close(r_mode.coefficients, fit.coefficients, 1e-12, atol_scale=0)
    close(r_mode.bse, exp["se_r_default"], 1e-4, atol_scale=0)
    if d.replicates is None:  # linearised: R converged with reltol 1e-15 agrees far below the tolerance
        close(fit.coefficients, exp["slopes"] + exp["thresholds"], 1e-6, atol_scale=0)
        close(fit.bse, exp["se"], 1e-6, atol_scale=0)
    assert fit.df_resid == exp["df_residual"]  # R's svyolr: degf (after rows with NA leave) - p


def check_weights(d, est: dict, exp: dict) -> None:
    close(d.weights.to_numpy(), exp["weights"])
    if "replicate_weights" in exp:
        close(np.asarray(d.replicates.weights).T, np.asarray(exp["replicate_weights"]))


CHECKS = {
    "mean": check_mean_total, "total": check_mean_total, "by_mean": check_mean_total,
    "by_total": check_mean_total, "ratio": check_ratio, "quantile": check_quantile, "chisq": check_chisq,
    "glm": check_glm, "olr": check_olr, "weights": check_weights,
}


@pytest.mark.parametrize("src,case", _cases())
def test_matches_r(src: Path, case: dict) -> None:
    est, exp = case["estimate"], case["expected"]
    check = CHECKS.get(est["type"])
    assert check is not None, f"case type {est['type']!r} has no checker: add one to CHECKS"
    d = build(src, case)
    check(d, est, exp)
    assert d.design_df == exp["design_df"]
    rep = exp.get("replicate")
    if rep is not None:  # R's replicate constants: the SEs could agree by a scale and rscales that offset
        assert d.replicates.n_replicates == rep["n_replicates"] and d.replicates.mse == rep["mse"]
        close(d.replicates.scale, rep["scale"], 1e-12, atol_scale=0)
        close(d.replicates.rscales, rep["rscales"], 1e-12, atol_scale=0)


def test_every_case_type_has_a_checker() -> None:
    kinds = {p.values[1]["estimate"]["type"] for p in _cases()}
    assert kinds <= set(CHECKS), kinds - set(CHECKS)
    assert len(_cases()) == 114  # 18 + 96: a fixture file that fails to load must not shrink the run silently

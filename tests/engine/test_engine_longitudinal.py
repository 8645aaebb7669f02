"""Longitudinal weights on the engine path (careersurvey.engine.nonresponse, calibrate after it): the
r-survey-waves ``longitudinal`` cases (adjust_nonresponse by weighting classes or propensity classes, then
calibrate to the earlier wave's own margins; cs.paired_change on the result) from a design over a table in DuckDB
and in Spark equal the in-memory design (weights 1e-9, every column of paired_change) and R (1e-6); the variance
through both steps (class sizes fixed or estimated), domains on the adjusted design, the errors, a second small
panel with declared missing codes, and only aggregates leave the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import load_cases, load_data
from test_engine_waves import _same

import careersurvey as cs
from careersurvey.engine import EngineError, from_table
from careersurvey.estimation.change import paired_change

FOLDER = "r-survey-waves"
CASES = [c for c in load_cases(FOLDER) if c["type"] == "longitudinal"]
LINEARISED = [pytest.param(c, id=c["id"]) for c in CASES if "replicate" not in c]
REPLICATE = [pytest.param(c, id=c["id"]) for c in CASES if "replicate" in c]
KW = dict(weights="w", strata="stratum", psu="inst")


def _steps(lw: dict) -> dict:
    if "classes" in lw:
        return {"classes": lw["classes"]}
    return {"propensity": lw["propensity"], "n_classes": lw["n_classes"]}


def _weights(eng, pids: pd.Series) -> np.ndarray:
    """The engine's final weights in the rows' order (a test may read rows; the library never)."""
    got = eng.weighted_table("lw").select("pid", "lw").execute()
    return got.set_index("pid")["lw"].reindex(pids).to_numpy(dtype=float)


def _bases(case: dict, df: pd.DataFrame, source=None):
    """The case's earlier-wave design in memory and over a table; a replicate case ships the in-memory replicate
    weights as columns, as a data producer would."""
    mem = cs.SurveyDesign(df, **KW)
    if "replicate" not in case:
        return mem, from_table(df if source is None else source(df), **KW)
    mem = mem.replicate(case["replicate"])
    reps = mem.replicates
    names = [f"repw{i + 1}" for i in range(np.asarray(reps.weights).shape[1])]
    table = pd.concat([df, pd.DataFrame(np.asarray(reps.weights), columns=names)], axis=1)
    return mem, from_table(table if source is None else source(table), weights="w", replicate_weights=names,
                           combined=True, scale=reps.scale, rscales=reps.rscales, mse=reps.mse)


def _check(case: dict, source=None, variance: str = "fixed") -> None:
    lw, exp = case["longitudinal"], case["expected"]
    df = load_data(FOLDER, "panel_wide.csv")
    kw = dict(margins=lw["margins"], method=lw["calfun"], variance=variance, **_steps(lw))
    mem, eng = (cs.longitudinal_weights(d, lw["responded"], **kw) for d in _bases(case, df, source))
    w = _weights(eng, df["pid"])
    np.testing.assert_allclose(w, mem.w, rtol=1e-9, atol=1e-12)
    resp = df["resp2"].to_numpy() == 1
    np.testing.assert_allclose(w[resp], exp["weights"], rtol=1e-6)
    for v in case["variables"]:
        got = paired_change(eng, v, waves=case["waves"])
        _same(got, paired_change(mem, v, waves=case["waves"]))
        if variance == "fixed":  # R's numbers: the class sizes as known (postStratify of the respondents)
            np.testing.assert_allclose(got["change"].iloc[0], exp[v]["estimate"], rtol=1e-6)
            np.testing.assert_allclose(got["se"].iloc[0], exp[v]["se"], rtol=1e-6)
            np.testing.assert_allclose(got["p_value"].iloc[0], exp[v]["p_value"], rtol=1e-6)
            assert got["df"].iloc[0] == exp[v]["df"]


def _parquet(spark, tmp_path):
    def source(df):
        df.to_parquet(tmp_path / "data.parquet")
        return spark.read.parquet(str(tmp_path / "data.parquet"))

    return source


def test_cases_are_all_there():
    """The three longitudinal R cases: two linearised (classes + linear, propensity + raking), one JKn."""
    assert len(CASES) == 3 and len(LINEARISED) == 2 and len(REPLICATE) == 1


ALL = LINEARISED + REPLICATE


@pytest.mark.parametrize("case", ALL)
def test_duckdb_equals_memory_and_r(case):
    """Each case as R ran it (class sizes fixed; on JKn replicates every replicate adjusted and calibrated)."""
    _check(case)


@pytest.mark.parametrize("case", LINEARISED)
def test_estimated_class_sizes_equal_memory(case):
    _check(case, variance="estimated")


@pytest.mark.parametrize("case", ALL)
def test_spark_equals_memory_and_r(spark, tmp_path, case):
    _check(case, _parquet(spark, tmp_path))


# -- the nonresponse step on its own ---------------------------------------------------------------------------
STEPS = [dict(classes="intent_2024"), dict(classes=["intent_2024", "sex"], variance="fixed"),
         dict(propensity="y_2024 + sector", n_classes=4), dict(propensity=["y_2024"], n_classes=3, variance="fixed")]


def _same_estimates(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index)
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-9)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-9, atol=1e-12)  # atol: SEs that are 0 up to rounding


@pytest.mark.parametrize("step", STEPS, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_nonresponse_adjusted_domains_equal_memory(step):
    """Estimates on the adjusted design, by a column and in a subset of it, equal the in-memory ones (the
    residuals z - (w1 - w0) A, or z - w1 A with fixed class sizes, through the stage aggregates)."""
    df = load_data(FOLDER, "panel_wide.csv")
    mem = cs.SurveyDesign(df, **KW).adjust_nonresponse("resp2", **step)
    eng = from_table(df, **KW).adjust_nonresponse("resp2", **step)
    assert eng.adjustments[0].describe() == mem.adjustments[0].describe()
    _same_estimates(eng.mean(["y_2026", "leave_2024"], na_rm=True, by="sex"),
                    mem.mean(["y_2026", "leave_2024"], na_rm=True, by="sex"))
    _same_estimates(eng.total("leave_2024"), mem.total("leave_2024"))
    _same_estimates(eng.subset("sector == 'univ'").mean("y_2024"), mem.subset("sector == 'univ'").mean("y_2024"))
    assert eng.design_df == mem.design_df
    np.testing.assert_allclose(_weights(eng, df["pid"]), mem.w, rtol=1e-12)


MARGINS = {"sex": {"f": 3000.0, "m": 2800.0}, "sector": {"industry": 2000.0, "public": 2100.0, "univ": 1700.0}}
CELLS = {(a, b): 500.0 + 100 * i + 10 * j for i, a in enumerate(["f", "m"])
         for j, b in enumerate(["industry", "public", "univ"])}
THEN = {"rake": lambda d: d.rake(MARGINS), "poststratify": lambda d: d.poststratify("sex", MARGINS["sex"]),
        "poststratify-cells": lambda d: d.poststratify(["sex", "sector"], CELLS),
        "calibrate-logit": lambda d: d.calibrate(MARGINS, method="logit", bounds=(0.5, 2.0))}


@pytest.mark.parametrize("then", list(THEN))
@pytest.mark.parametrize("step", STEPS[:1] + STEPS[3:], ids=["classes", "propensity-fixed"])
def test_a_second_step_after_the_adjustment_equals_memory(step, then):
    """Raking, post-stratification (on one column, on cells of two) or a bounded calibration after the
    adjustment: the weights and the variance through both steps (the adjustment's residuals, then the second
    step's) equal the in-memory design's."""
    df = load_data(FOLDER, "panel_wide.csv")
    mem = THEN[then](cs.SurveyDesign(df, **KW).adjust_nonresponse("resp2", **step))
    eng = THEN[then](from_table(df, **KW).adjust_nonresponse("resp2", **step))
    np.testing.assert_allclose(_weights(eng, df["pid"]), mem.w, rtol=1e-9, atol=1e-12)
    _same_estimates(eng.mean(["y_2026", "leave_2024"], na_rm=True, by="stratum"),
                    mem.mean(["y_2026", "leave_2024"], na_rm=True, by="stratum"))
    _same_estimates(eng.total("y_2024"), mem.total("y_2024"))


def test_second_steps_on_spark_equal_memory(spark, tmp_path):
    """Raking and post-stratification on cells after the adjustment on Spark (its joins of the residuals)."""
    df = load_data(FOLDER, "panel_wide.csv")
    mem0 = cs.SurveyDesign(df, **KW).adjust_nonresponse("resp2", classes="intent_2024")
    eng0 = from_table(_parquet(spark, tmp_path)(df), **KW).adjust_nonresponse("resp2", classes="intent_2024")
    for then in ("rake", "poststratify-cells"):
        mem, eng = THEN[then](mem0), THEN[then](eng0)
        _same_estimates(eng.mean(["y_2026", "leave_2024"], na_rm=True, by="stratum"),
                        mem.mean(["y_2026", "leave_2024"], na_rm=True, by="stratum"))


@pytest.mark.parametrize("step", STEPS[::2], ids=["classes", "propensity"])
def test_models_and_quantiles_on_longitudinal_weights_equal_memory(step):
    """A glm (its scores' residuals through both steps, by the linear path) and a quantile on the longitudinal
    design equal the in-memory ones."""
    from test_engine_glm import _same as _same_fit

    df = load_data(FOLDER, "panel_wide.csv")
    mem = cs.longitudinal_weights(cs.SurveyDesign(df, **KW), "resp2", margins=["sex", "sector"], **step)
    eng = cs.longitudinal_weights(from_table(df, **KW), "resp2", margins=["sex", "sector"], **step)
    _same_fit(eng.glm("y_2026 ~ y_2024 + sex"), mem.glm("y_2026 ~ y_2024 + sex"))
    _same_fit(eng.glm("leave_2026 ~ y_2024", "binomial"), mem.glm("leave_2026 ~ y_2024", "binomial"))
    pd.testing.assert_frame_equal(eng.quantile("y_2024", 0.5), mem.quantile("y_2024", 0.5), rtol=1e-9)


def test_propensity_classes_are_rs_in_the_engine():
    """The propensity classes cut in the engine (ranks by a window, qcut's edges from order statistics) are R's."""
    case = next(c for c in CASES if "propensity" in c["longitudinal"])
    df = load_data(FOLDER, "panel_wide.csv")
    eng = from_table(df, **KW).adjust_nonresponse("resp2", **_steps(case["longitudinal"]))
    got = eng.table.select("pid", "_cs_nrc").execute().set_index("pid")["_cs_nrc"].reindex(df["pid"])
    codes = pd.factorize(got.to_numpy(), sort=True)[0]
    np.testing.assert_array_equal(codes, np.asarray(case["expected"]["classes"]).astype(int) - 1)


@pytest.mark.parametrize("case", REPLICATE)
def test_replicate_nonresponse_equals_memory(case):
    """On JKn replicate weights the class adjustment is redone in every replicate (each one's class sizes), as in
    memory: estimates, SEs and degrees of freedom equal."""
    base, eng0 = _bases(case, load_data(FOLDER, "panel_wide.csv"))
    for step in STEPS[::2]:
        mem, eng = base.adjust_nonresponse("resp2", **step), eng0.adjust_nonresponse("resp2", **step)
        _same_estimates(eng.mean(["y_2026", "leave_2024"], na_rm=True), mem.mean(["y_2026", "leave_2024"],
                                                                                   na_rm=True))
        _same_estimates(eng.mean("y_2026", by="sector", na_rm=True), mem.mean("y_2026", by="sector", na_rm=True))
        assert eng.design_df == mem.design_df


# -- errors ----------------------------------------------------------------------------------------------------
def _message(call, design) -> str:
    with pytest.raises(cs.WeightingError) as info:
        call(design)
    return str(info.value)


@pytest.mark.parametrize("call", [
    lambda d: d.adjust_nonresponse("resp2"),
    lambda d: d.adjust_nonresponse("resp2", classes="intent_2024", propensity="y_2024"),
    lambda d: d.adjust_nonresponse("resp2", classes="intent_2024", variance="known"),
    lambda d: d.adjust_nonresponse("nobody", classes="intent_2024"),
    lambda d: d.adjust_nonresponse("resp2", propensity="y_2024", n_classes=0),
    lambda d: cs.longitudinal_weights(d, "resp2", classes="intent_2024"),
    lambda d: cs.longitudinal_weights(d, "resp2", classes="intent_2024", margins=["sex", "region"]),
    lambda d: cs.longitudinal_weights(d, "resp2", classes="intent_2024", margins=["y_2026"]),
], ids=["neither", "both", "variance", "nobody-responded", "n_classes", "no-margins", "margin-not-a-column",
        "margin-missing"])
def test_errors_are_the_cores(call):
    df = load_data(FOLDER, "panel_wide.csv").assign(nobody=0)
    assert _message(call, from_table(df, **KW)) == _message(call, cs.SurveyDesign(df, **KW))


def test_no_respondent_and_bad_response_values():
    df = load_data(FOLDER, "panel_wide.csv")
    for bad in (df.assign(resp2=0), df.assign(resp2=df["resp2"] * 2)):
        call = lambda d: d.adjust_nonresponse("resp2", classes="intent_2024")  # noqa: E731
        assert _message(call, from_table(bad, **KW)) == _message(call, cs.SurveyDesign(bad, **KW))
    empty = df.assign(resp2=np.where(df["intent_2024"] == "stay", 0, df["resp2"]))
    call = lambda d: d.adjust_nonresponse("resp2", classes="intent_2024")  # noqa: E731
    assert "nonresponse class intent_2024=stay has sampled units but no responding weight" in \
        _message(call, from_table(empty, **KW)) == _message(call, cs.SurveyDesign(empty, **KW))


def test_other_sequences_of_steps_are_refused_by_name():
    """The engine path adjusts for nonresponse first and may then calibrate, rake or post-stratify; other
    sequences run in memory."""
    df = load_data(FOLDER, "panel_wide.csv")
    eng = from_table(df, **KW)
    adjusted = eng.adjust_nonresponse("resp2", classes="intent_2024")
    with pytest.raises(EngineError, match=r"weights once, or once more after adjust_nonresponse \(calibrate, "
                                          r"rake, poststratify\); raking after calibrated on sex"):
        adjusted.calibrate({"sex": {"f": 3000.0, "m": 2800.0}}).rake({"sex": {"f": 3000.0, "m": 2800.0}})
    with pytest.raises(EngineError, match=r"adjust the whole sample, then take the domain"):
        eng.subset("sex == 'f'").adjust_nonresponse("resp2", classes="intent_2024")
    with pytest.raises(EngineError, match=r"calibrate the whole sample, then take the domain"):
        adjusted.subset("sex == 'f'").calibrate({"sex": {"f": 3000.0, "m": 2800.0}})
    cal = eng.calibrate({"sex": {"f": 3000.0, "m": 2800.0}})
    with pytest.raises(EngineError, match=r"nonresponse adjustment after calibrated on sex"):
        cal.adjust_nonresponse("resp2", classes="intent_2024")


# -- a second panel of our own, with declared missing codes ----------------------------------------------------
def _panel(seed: int = 3, n_psu: int = 12, m: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(n_psu), m)
    n = len(psu)
    y1 = rng.normal(3, 1, n)
    return pd.DataFrame({
        "pid": [f"Q{i:04d}" for i in range(n)], "school": [f"s{p:02d}" for p in psu],
        "region": np.where(psu % 2 == 0, "north", "south"), "w": rng.uniform(10, 40, n),
        "band": rng.choice([1, 2, 3], n), "role": rng.choice(["student", "staff"], n),
        "score_1": y1, "score_2": y1 + rng.normal(0.2, 0.5, n),
        "answered": (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.5 + 0.4 * (y1 - 3))))).astype(int)})


def test_a_second_panel_with_missing_codes():
    """Codes -7/-8/-9 in a weighting class or a propensity covariate are refused by name, as in memory; with
    them as NULL a covariate is refused with its rows counted (memory refuses it too); the clean panel's
    longitudinal weights (to two text margins and a numeric total) and paired change equal memory."""
    df = _panel()
    kw = dict(weights="w", strata="region", psu="school", missing_codes=(-7, -8, -9))
    coded = df.assign(band=np.where(np.arange(len(df)) % 17 == 0, -8, df["band"]),
                      score_1=np.where(np.arange(len(df)) % 23 == 0, -9.0, df["score_1"]))
    for step, name in ((dict(classes="band"), "band"), (dict(propensity="score_1 + role", n_classes=3), "score_1")):
        for d in (cs.SurveyDesign(coded, **kw), from_table(coded, **kw)):
            with pytest.raises(cs.MissingCodeError, match=rf"'{name}' holds the missing codes"):
                d.adjust_nonresponse("answered", **step)
    holes = df.assign(score_1=df["score_1"].where(np.arange(len(df)) % 23 != 0))
    with pytest.raises(cs.WeightingError, match=r"response propensity model 'score_1': missing values in "
                                                r"score_1 \(8 rows\)"):
        from_table(holes, **kw).adjust_nonresponse("answered", propensity="score_1")
    with pytest.raises(cs.WeightingError, match=r"response propensity model 'score_1'"):
        cs.SurveyDesign(holes, **kw).adjust_nonresponse("answered", propensity="score_1")
    for step in (dict(classes=["band", "role"]), dict(propensity="score_1 + role", n_classes=3)):
        args = dict(margins=["region", "role", "score_1"], method="raking", **step)
        mem = cs.longitudinal_weights(cs.SurveyDesign(df, **kw), "answered", **args)
        eng = cs.longitudinal_weights(from_table(df, **kw), "answered", **args)
        np.testing.assert_allclose(_weights(eng, df["pid"]), mem.w, rtol=1e-9, atol=1e-12)
        _same(paired_change(eng, "score", waves=("1", "2")), paired_change(mem, "score", waves=("1", "2")))
        _same_estimates(eng.mean("score_2", by="band"), mem.mean("score_2", by="band"))


@pytest.mark.parametrize("n_classes", [2, 3, 4, 7])
def test_propensity_classes_with_tied_propensities_equal_memory(n_classes):
    """Six distinct propensities (a model on two categorical covariates) over 180 rows: qcut's tied ranks and
    dropped edges; the classes the engine cuts by thresholds on p are the in-memory ones."""
    df = _panel()
    kw = dict(weights="w", strata="region", psu="school")
    step = dict(propensity="band + role", n_classes=n_classes)
    mem = cs.SurveyDesign(df, **kw).adjust_nonresponse("answered", **step)
    eng = from_table(df, **kw).adjust_nonresponse("answered", **step)
    got = eng.table.select("pid", "_cs_nrc").execute().set_index("pid")["_cs_nrc"].reindex(df["pid"])
    np.testing.assert_array_equal(pd.factorize(got.to_numpy(), sort=True)[0], mem.adjustments[0].codes)
    assert eng.adjustments[0].describe() == mem.adjustments[0].describe()


def test_the_sql_does_not_grow_with_the_classes():
    """The classes' factors (each replicate's too) are joined from a small table, not a CASE per class: the SQL of
    the weights is as long with 400 classes as with 20, and the weights equal memory's."""
    import ibis

    rng = np.random.default_rng(8)
    n = 2000
    lengths = []
    for k in (20, 400):
        df = pd.DataFrame({"pid": np.arange(n), "psu": np.arange(n) % 50, "w": rng.uniform(1, 3, n),
                           "cls": np.arange(n) % k, "resp": (np.arange(n) % 3 > 0).astype(int),
                           **{f"rep{i}": rng.uniform(1, 3, n) for i in range(4)}})
        base = from_table(df, weights="w", replicate_weights=[f"rep{i}" for i in range(4)], combined=True,
                          scale=0.25)
        eng = base.adjust_nonresponse("resp", classes="cls")
        mem = cs.SurveyDesign.from_replicates(df, weights="w", replicate_weights=[f"rep{i}" for i in range(4)],
                                              combined=True, scale=0.25).adjust_nonresponse("resp", classes="cls")
        _same_estimates(eng.mean("w"), mem.mean("w"))
        np.testing.assert_allclose(_weights(eng, df["pid"]), mem.w, rtol=1e-12)
        lengths.append(len(ibis.to_sql(eng.weighted_table("lw"))))
    assert lengths[1] < 1.2 * lengths[0], lengths


def test_only_aggregates_leave_the_engine(query_sizes):
    """Adjusting (classes and propensity), calibrating, the margins and the paired change: no query returns more
    rows than there are PSUs."""
    df = load_data(FOLDER, "panel_wide.csv")
    for step in (dict(classes="intent_2024"), dict(propensity="y_2024 + sector", n_classes=4)):
        eng = cs.longitudinal_weights(from_table(df, **KW), "resp2", margins=["sex", "sector"], **step)
        paired_change(eng, ["y", "leave"], waves=("2024", "2026"))
        eng.mean("y_2026", by="sector", na_rm=True)
    assert query_sizes and max(query_sizes) <= df["inst"].nunique()

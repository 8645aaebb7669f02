"""calibrate() and trim() on a replicate design inside the engine (careersurvey.engine.replicates_weighting
.calibrate_replicates, .calibration_newton, .trim): every replicate calibrated to the same totals, all of them
advancing together, or trimmed with its own rounds, equal to the in-memory path (weights of every replicate,
estimates in domains), only aggregates leaving the engine. The R reference cases (weight-jkn-*) run in
test_engine_calibrate.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rcases import load_data
from test_engine_calibrate import _replicate_weights
from test_engine_reference import _same

import careersurvey as cs
from careersurvey.engine import from_table

TOTALS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}


def _replicated(df: pd.DataFrame, kind: str = "JK1", missing_codes=(), **kw):
    """The in-memory replicate design and the engine's over the same replicate weights as columns."""
    mem = cs.SurveyDesign(df, missing_codes=missing_codes, **kw).replicate(kind)
    r = mem.replicates
    W = np.asarray(r.weights, dtype=float)
    names = [f"rep{i}" for i in range(W.shape[1])]
    data = pd.concat([df, pd.DataFrame(W, columns=names, index=df.index)], axis=1).assign(row_id=np.arange(len(df)))
    eng = from_table(data, weights=kw.get("weights"), replicate_weights=names, combined=True, scale=float(r.scale),
                     rscales=list(np.asarray(r.rscales, dtype=float)), mse=bool(r.mse), missing_codes=missing_codes)
    return mem, eng


def _same_weights(eng, mem) -> None:
    w = eng.weighted_table("final_w").execute().sort_values("row_id")["final_w"].to_numpy(dtype=float)
    np.testing.assert_allclose(w, mem.w, rtol=1e-9)
    np.testing.assert_allclose(_replicate_weights(eng), np.asarray(mem.replicates.weights), rtol=1e-9, atol=1e-12)
    assert eng.replicates.degf == mem.replicates.degf


@pytest.mark.parametrize("method, options", [("linear", {}), ("linear", {"bounds": (0.5, 2.5)}),
                                             ("logit", {"bounds": (0.5, 2.5)}), ("raking", {}),
                                             ("raking", {"trim": (0.9, 1.1)}), ("linear", {"variance": "api99"})])
def test_calibrated_replicate_design_equals_memory_in_domains(method, options):
    """Every replicate's weights, and estimates by a domain, in a subset, a ratio, several variables."""
    df = load_data("r-survey", "apiclus1.csv")
    mem, eng = _replicated(df, weights="pw", psu="dnum", fpc="fpc")
    mem, eng = (d.calibrate(TOTALS, method=method, **options) for d in (mem, eng))
    _same_weights(eng, mem)
    _same(eng.mean(["api00", "enroll"], by="awards"), mem.mean(["api00", "enroll"], by="awards"))
    _same(eng.subset("api00 > 650").total("enroll", na_rm=True), mem.subset("api00 > 650").total("enroll", na_rm=True))
    _same(eng.ratio("api00", "api99", by="stype"), mem.ratio("api00", "api99", by="stype"))
    te, tm = eng.total(["stype", "api99"]), mem.total(["stype", "api99"])
    np.testing.assert_allclose(te["estimate"], tm["estimate"], rtol=1e-9)
    if "trim" not in options:  # the targets: hit by every replicate (to the default tol=1e-7)
        assert (te["se"] < 1e-6 * te["estimate"]).all() and (tm["se"] < 1e-6 * tm["estimate"]).all()


def _same_but_df(eng, mem) -> None:
    """Equal but for the domains' df, which turn on rounding in the rank of near-equal replicate columns (see
    test_engine_calibrate._check_designs; after trim(20, 90) here R's qr(W, tol = 1e-5) gives rank 35 on stype ==
    "E" for the core's weights and the engine's: the engine's df 34, the core's Gram rank 36, df 35)."""
    blank = dict(df=0.0, ci_low=0.0, ci_high=0.0)
    _same(eng.assign(**blank), mem.assign(**blank))


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("limits", [(20, 90), (None, 60), (22, None)])
def test_trimmed_replicate_design_equals_memory(strict, limits):
    """R's trimWeights on a JK1 design of apiclus2: every replicate's weights trimmed with its own rounds (as the
    core; R 4.1.1's trimWeights.svyrep.design leaves the full-sample weights untrimmed), estimates on it."""
    df = load_data("r-survey", "apiclus2.csv")
    mem, eng = _replicated(df, weights="pw", psu="dnum", fpc="fpc1")
    mem, eng = mem.trim(*limits, strict=strict), eng.trim(*limits, strict=strict)
    _same_weights(eng, mem)
    _same(eng.mean("api00"), mem.mean("api00"))
    _same_but_df(eng.mean(["api00", "enroll"], na_rm=True), mem.mean(["api00", "enroll"], na_rm=True))
    _same_but_df(eng.total("enroll", na_rm=True, by="stype"), mem.total("enroll", na_rm=True, by="stype"))
    assert eng.adjustments[-1].describe() == mem.adjustments[-1].describe()


def test_trim_then_calibrate_a_replicate_design():
    """A calibration after trimming weights every replicate's trimmed weights; trim= and trim() side by side."""
    df = load_data("r-survey", "apiclus1.csv")
    mem, eng = _replicated(df, weights="pw", psu="dnum", fpc="fpc")
    mem, eng = (d.trim(20, 45).calibrate(TOTALS, method="raking", trim=(0.8, 1.25)) for d in (mem, eng))
    _same_weights(eng, mem)
    _same(eng.mean("api00"), mem.mean("api00"))


def test_replicate_calibration_queries_bring_back_only_aggregates(query_sizes):
    """The replicates' Newton rounds and trimming: one row per replicate at most (a GROUP BY of the replicate)."""
    df = load_data("r-survey", "apiclus1.csv")
    mem, eng = _replicated(df, weights="pw", psu="dnum", fpc="fpc")
    n_rep = len(eng.replicates.columns)
    query_sizes.clear()
    eng.calibrate(TOTALS, method="raking", trim=(0.97, 1.03)).mean("api00")
    eng.trim(20, 45).mean("api00")
    assert query_sizes and max(query_sizes) <= n_rep < len(df)


def test_replicate_that_does_not_converge_is_named():
    """As the core: a replicate's calibration that does not converge names the replicate and the margin."""
    df = load_data("r-survey", "apiclus1.csv")
    mem, eng = _replicated(df, weights="pw", psu="dnum", fpc="fpc")
    kw = dict(method="logit", bounds=(0.85, 1.25), max_iter=3)
    with pytest.raises(cs.WeightingError) as m:
        mem.calibrate(TOTALS, **kw)
    with pytest.raises(cs.WeightingError) as e:
        eng.calibrate(TOTALS, **kw)
    assert str(e.value) == str(m.value)
    with pytest.raises(cs.WeightingError, match="aggregate_stage= is for designs with stages"):
        eng.calibrate(TOTALS, aggregate_stage=1)


def test_a_second_survey_with_missing_codes():
    """Our own small survey: strata of schools, JKn replicates, a text margin and a numeric total; -7/-8/-9 in an
    outcome are missing (never numbers) on both paths; a calibration variable holding -8 is refused by name."""
    rng = np.random.default_rng(11)
    n = 120
    pay = np.where(rng.random(n) < 0.15, rng.choice([-7.0, -8.0, -9.0], n), rng.normal(40, 9, n))
    df = pd.DataFrame({"region": np.repeat(["north", "south", "west"], n // 3),
                       "school": np.repeat([f"s{i:02d}" for i in range(12)], n // 12),
                       "w": rng.uniform(5, 20, n), "role": rng.choice(["student", "postdoc", "staff"], n),
                       "hours": rng.integers(20, 60, n).astype(float), "pay": pay,
                       "pay_null": np.where(pay < 0, np.nan, pay)})  # the codes as NULL (as cs.load_responses)
    totals = {"role": {"student": 1000, "postdoc": 450, "staff": 550}, "hours": 2000 * 40.0}
    codes = (-6, -7, -8, -9)
    kw = dict(weights="w", strata="region", psu="school")
    mem, eng = _replicated(df, "JKn", missing_codes=codes, **kw)
    for method, options in (("linear", {}), ("raking", {"trim": (0.9, 1.1)})):
        m, e = mem.calibrate(totals, method=method, **options), eng.calibrate(totals, method=method, **options)
        if options:  # and trimmed
            m, e = m.trim(8, 25), e.trim(8, 25)
        _same_weights(e, m)
        _same(e.mean("pay_null", na_rm=True, by="role"), m.mean("pay_null", na_rm=True, by="role"))
        _same(e.total("pay_null", na_rm=True), m.total("pay_null", na_rm=True))
        for d in (m, e):  # a code is never a number: refused by name on both paths
            with pytest.raises(cs.MissingCodeError, match="'pay' holds the missing codes -7"):
                d.mean("pay", na_rm=True)
    coded = df.assign(hours=np.where(np.arange(n) == 7, -8.0, df["hours"]))
    mem, eng = _replicated(coded, "JKn", missing_codes=codes, **kw)
    for d in (mem, eng):
        with pytest.raises(cs.MissingCodeError, match="'hours'"):
            d.calibrate(totals)


@pytest.mark.xdist_group("spark")
def test_trimmed_and_calibrated_replicate_design_on_spark(spark, tmp_path):
    """trim() and calibrate(trim=) of a replicate design on Spark, as in memory (the stacked rows: Spark's
    posexplode of the replicate weights)."""
    df = load_data("r-survey", "apiclus2.csv")
    mem, data = _replicated(df, weights="pw", psu="dnum", fpc="fpc1")
    frame = data.weighted_table("final_w").execute().drop(columns="final_w")
    frame.to_parquet(tmp_path / "data.parquet")
    r = mem.replicates
    eng = from_table(spark.read.parquet(str(tmp_path / "data.parquet")), weights="pw",
                     replicate_weights=[f"rep{i}" for i in range(r.weights.shape[1])], combined=True,
                     scale=float(r.scale), rscales=list(np.asarray(r.rscales, dtype=float)), mse=bool(r.mse))
    totals = {"stype": {"E": 4421, "H": 755, "M": 1018}}
    mem, eng = (d.trim(20, 90).calibrate(totals, method="raking", trim=(0.8, 1.25)) for d in (mem, eng))
    _same_weights(eng, mem)
    _same(eng.mean("api00"), mem.mean("api00"))

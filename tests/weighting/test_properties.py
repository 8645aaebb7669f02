"""Properties that hold for any sample: calibrated weights hit their targets within the bounds, raking on
one margin is post-stratification (weights and variances), trimming keeps the total inside the bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import careersurvey as cs

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def samples(draw):
    """A clustered sample with two categorical variables (every level present) and a numeric one."""
    n = draw(st.integers(30, 80))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ka, kb = draw(st.integers(2, 4)), draw(st.integers(2, 3))
    a = np.concatenate([np.arange(ka), rng.integers(0, ka, n - ka)])
    b = np.concatenate([np.arange(kb), rng.integers(0, kb, n - kb)])
    rng.shuffle(b)
    df = pd.DataFrame({
        "a": np.array(list("pqrs"))[a], "b": b + 1, "x": rng.gamma(2.0, 10.0, n),
        "y": rng.normal(50, 10, n), "w": rng.uniform(5, 30, n), "psu": rng.integers(0, 8, n)})
    df.loc[:7, "psu"] = np.arange(8)
    # targets: the sample's weighted totals moved by up to 10 % per level, both margins on one population
    fa = rng.uniform(0.9, 1.1, ka)
    fb = rng.uniform(0.9, 1.1, kb)
    ta = df.groupby("a")["w"].sum() * fa
    tb = df.groupby("b")["w"].sum() * fb
    tb = tb * ta.sum() / tb.sum()
    tx = float((df["x"] * df["w"]).sum() * rng.uniform(0.95, 1.05))
    return df, {"a": ta.to_dict(), "b": tb.to_dict()}, tx


def _achieved(df: pd.DataFrame, w: np.ndarray, margins: dict) -> dict:
    return {v: df.assign(_w=w).groupby(v)["_w"].sum().to_dict() for v in margins}


def _assert_hits(df, w, margins, rtol=1e-7):
    got = _achieved(df, w, margins)
    for v, lv in margins.items():
        for k, t in lv.items():
            assert got[v][k] == pytest.approx(t, rel=rtol)


@SETTINGS
@given(samples())
def test_raking_hits_every_margin(sample) -> None:
    df, margins, _ = sample
    d = cs.SurveyDesign(df, weights="w", psu="psu").rake(margins)
    _assert_hits(df, d.w, margins, rtol=1e-9)
    assert (d.w > 0).all()


@SETTINGS
@given(samples(), st.sampled_from(["linear", "raking", "logit"]))
def test_bounded_calibration_hits_targets_within_bounds(sample, method: str) -> None:
    df, margins, tx = sample
    bounds = (0.5, 2.0)
    d0 = cs.SurveyDesign(df, weights="w", psu="psu")
    d = d0.calibrate({**margins, "x": tx}, method=method, bounds=bounds, tol=1e-10, max_iter=200)
    _assert_hits(df, d.w, margins, rtol=1e-8)
    assert float((df["x"] * d.w).sum()) == pytest.approx(tx, rel=1e-8)
    g = d.w / d0.w
    assert g.min() >= bounds[0] - 1e-12 and g.max() <= bounds[1] + 1e-12


@SETTINGS
@given(samples())
def test_raking_on_one_margin_is_poststratification(sample) -> None:
    """Same weights always; the same SEs when the weights are constant within the margin's levels (R's rake()
    removes plain level means of x/w, postStratify means weighted by the old weights)."""
    df, margins, _ = sample
    for w in ("w", "w_level"):
        d0 = cs.SurveyDesign(df.assign(w_level=df.groupby("a")["w"].transform("mean")), weights=w, psu="psu")
        raked = d0.rake({"a": margins["a"]})
        post = d0.poststratify("a", margins["a"])
        np.testing.assert_allclose(raked.w, post.w, rtol=1e-10)
        cal = d0.calibrate({"a": margins["a"]}, method="linear")
        np.testing.assert_allclose(cal.w, post.w, rtol=1e-10)
        if w == "w_level":
            for est in ("mean", "total"):
                r1, r2 = getattr(raked, est)("y"), getattr(post, est)("y")
                np.testing.assert_allclose(r1["se"], r2["se"], rtol=1e-8)


@SETTINGS
@given(samples(), st.floats(0.3, 0.9), st.floats(1.1, 3.0))
def test_trim_keeps_total_inside_bounds(sample, lo: float, hi: float) -> None:
    df, _, _ = sample
    d0 = cs.SurveyDesign(df, weights="w", psu="psu")
    mean = d0.w.mean()
    d = d0.trim(lower=lo * mean, upper=hi * mean)
    assert d.w.sum() == pytest.approx(d0.w.sum(), rel=1e-12)
    assert d.w.min() >= lo * mean * (1 - 1e-12) and d.w.max() <= hi * mean * (1 + 1e-12)
    inside = (d0.w >= lo * mean) & (d0.w <= hi * mean)
    if inside.all():
        np.testing.assert_array_equal(d.w, d0.w)


@SETTINGS
@given(samples(), st.integers(0, 2**32 - 1), st.sampled_from(["linear", "raking", "logit"]))
def test_scope_weights_only_its_rows(sample, seed: int, method: str) -> None:
    """With scope=, rows inside get the weights of the same step on the inside rows alone; the rest keep theirs."""
    df, _, _ = sample
    rng = np.random.default_rng(seed)
    first = np.zeros(len(df), dtype=bool)
    first[df.drop_duplicates("a").index] = True
    first[df.drop_duplicates("b").index] = True
    inside = first | (rng.random(len(df)) < 0.7)  # every level keeps a row inside
    sub = df[inside]
    f = rng.uniform(0.9, 1.1)
    margins = {"a": (sub.groupby("a")["w"].sum() * f).to_dict(), "b": (sub.groupby("b")["w"].sum() * f).to_dict()}
    d0 = cs.SurveyDesign(df, weights="w", psu="psu")
    alone = cs.SurveyDesign(sub.reset_index(drop=True), weights="w")
    if method == "raking":
        got, ref = d0.rake(margins, scope=inside), alone.rake(margins)
    else:
        bounds = (0.5, 2.0) if method == "logit" else None
        got = d0.calibrate(margins, method=method, bounds=bounds, scope=inside, tol=1e-10, max_iter=200)
        ref = alone.calibrate(margins, method=method, bounds=bounds, tol=1e-10, max_iter=200)
    np.testing.assert_allclose(got.w[inside], ref.w, rtol=1e-8)
    np.testing.assert_array_equal(got.w[~inside], d0.w[~inside])


def test_trim_keeps_the_total_when_every_weight_is_outside_the_bounds() -> None:
    """Found by the property above: when no weight lies inside the bounds, R's trimWeights shares the excess
    among no one (excess / 0) and loses it; the clipped weights that can take it get it instead."""
    import pandas as pd

    d0 = cs.SurveyDesign(pd.DataFrame({"w": [1.0, 1.0, 1.0, 5.0], "psu": [1, 2, 3, 4]}), weights="w", psu="psu")
    d = d0.trim(lower=1.5, upper=2.5)
    assert d.w.sum() == pytest.approx(8.0, rel=1e-12)
    np.testing.assert_allclose(d.w, [1.5 + 1 / 3] * 3 + [2.5], rtol=1e-12)

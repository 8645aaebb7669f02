"""Key estimates before and after each weighting step: every step's weights rebuilt here by hand (class
factors, raking by iterative proportional fitting written out, trimming with the excess spread) and the
estimates compared as weighted means."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.report.weighting_steps import nonresponse_factors, weighting_steps

MARGINS = {"sex": {"f": 900.0, "m": 1100.0}, "region": {"n": 1200.0, "s": 800.0}}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(12)
    n = 400
    stratum = np.where(np.arange(n) < 220, "A", "B")
    sample = pd.DataFrame({"respondent_id": [f"{i:04d}" for i in range(n)], "stratum": stratum,
                           "psu": np.char.add(stratum.astype(str), (np.arange(n) % 8).astype(str)),
                           "design_weight": np.where(stratum == "A", 4.0, 6.0) * rng.uniform(0.7, 1.3, n)})
    said = rng.random(n) < np.where(stratum == "A", 0.6, 0.4)
    sample["disposition"] = np.where(said, rng.choice(["1.1", "1.2"], n, p=[0.9, 0.1]),
                                     rng.choice(["2.11", "3.19", "4.1", "2.26"], n))
    resp = sample[said].reset_index(drop=True).copy()
    m = len(resp)
    resp["sex"] = rng.choice(["f", "m"], m, p=[0.3, 0.7])
    resp["region"] = rng.choice(["n", "s"], m)
    resp["likely"] = pd.Series(rng.integers(1, 6, m).astype(float)).where(rng.random(m) > 0.05)
    resp["hours"] = rng.normal(45, 8, m)
    design = cs.SurveyDesign(resp, weights="design_weight", strata="stratum", psu="psu")
    inside = np.arange(m) % 7 != 0  # some respondents outside the targets' population: a domain, as the study's
    study = SimpleNamespace(base=design.subset(inside), targets=SimpleNamespace(margins=lambda: MARGINS))
    return sample, resp, study


def test_nonresponse_factors_by_hand(data):
    sample, _, _ = data
    f = nonresponse_factors(sample)
    for h in ("A", "B"):
        part = sample[sample["stratum"] == h]
        eligible = part.loc[part["disposition"] != "4.1", "design_weight"].sum()
        responded = part.loc[part["disposition"].isin(["1.1", "1.2"]), "design_weight"].sum()
        assert f[h] == pytest.approx(eligible / responded)


def ipf(w, resp, margins, inside, sweeps=200):
    """Raking of the rows inside, by iterative proportional fitting; the others keep their weights."""
    w = w.copy()
    for _ in range(sweeps):
        for var, totals in margins.items():
            for level, total in totals.items():
                at = (resp[var] == level).to_numpy() & inside
                w[at] *= total / w[at].sum()
    return w


def test_each_step_recomputed(data):
    sample, resp, study = data
    table = weighting_steps(study, sample, [("likely", (4, 5)), ("hours", None)], trim=1.6).frame
    y = resp["likely"].isin([4, 5]).astype(float).where(resp["likely"].notna()).to_numpy()
    hours = resp["hours"].to_numpy()

    inside = np.arange(len(resp)) % 7 != 0

    def mean(w, v):  # over the domain's own answers
        ok = ~np.isnan(v) & inside
        return np.sum(w[ok] * v[ok]) / np.sum(w[ok])

    w0 = resp["design_weight"].to_numpy()
    f = nonresponse_factors(sample)
    w1 = w0 * resp["stratum"].map(f).to_numpy()
    w2 = ipf(w1, resp, MARGINS, inside)
    cap = 1.6 * np.median(w2[inside])
    w3 = w2.copy()
    for _ in range(100):  # R's trimWeights(strict=TRUE): cut, spread the excess equally over the rest, repeat
        over = w3 > cap + 1e-12
        if not over.any():
            break
        excess = np.sum(w3[over] - cap)
        w3[over] = cap
        w3[~over] += excess / np.sum(~over)
    for step, w in (("design weights", w0), ("nonresponse-adjusted", w1), ("calibrated", w2), ("trimmed", w3)):
        assert table.loc[("likely in 4, 5", step), "estimate"] == pytest.approx(mean(w, y), rel=1e-6), step
        assert table.loc[("hours", step), "estimate"] == pytest.approx(mean(w, hours), rel=1e-6), step
    assert w3.max() <= cap + 1e-9 and w3.sum() == pytest.approx(w2.sum())
    assert (table["se"] > 0).all()
    change = table.loc[("hours", "calibrated"), "change"]
    assert change == pytest.approx(mean(w2, hours) - mean(w1, hours), rel=1e-6)
    assert np.isnan(table.loc[("hours", "design weights"), "change"])


def test_a_respondent_missing_from_the_sample_is_named(data):
    sample, resp, study = data
    first = resp["respondent_id"].iloc[0]
    with pytest.raises(ValueError, match=rf"respondents '{first}' are not in the sample file"):
        weighting_steps(study, sample[sample["respondent_id"] != first], [("hours", None)])


def test_the_table_in_korean_has_the_same_estimates(data):
    """lang="ko": the steps, the estimates' names, the headings, the title and the caption in Korean; the numbers
    and their order as in English (the steps in their order, not the Korean names')."""
    sample, resp, study = data
    keys = [("likely", (4, 5)), ("hours", None)]
    en = weighting_steps(study, sample, keys, trim=1.6)
    ko = weighting_steps(study, sample, keys, trim=1.6, lang="ko")
    np.testing.assert_array_equal(en.frame.to_numpy(float), ko.frame.to_numpy(float))
    assert ko.frame.index.tolist()[:4] == [("hours", s) for s in ("설계가중치", "무응답 조정", "보정(레이킹)", "절사")]
    assert ("likely 중 4, 5", "절사") in ko.frame.index
    assert ko.title == "가중 단계별 주요 추정값의 변화" and "중앙값의 1.6배" in ko.caption
    assert en.caption.endswith("cut at 1.6 times their median, the excess spread over the others (totals kept). "
                               "change: from the step before.")
    lay = ko.layout("ko")
    assert lay.stub == ("추정 대상", "가중 단계") and "Estimate" not in [c.label for c in lay.columns]

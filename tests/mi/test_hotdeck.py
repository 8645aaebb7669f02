"""The hot deck that makes completed data sets, and the design over them, beyond R (R has no hot deck of
ours to compare with; the combining rules are checked against mitools in tests/models/test_r_models.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs


@pytest.fixture()
def answers() -> pd.DataFrame:
    """A survey written here: pay with refusals (-7), don't know (-8), no answer (-9) and not asked (-6)."""
    rng = np.random.default_rng(3)
    n = 400
    sector = rng.choice(["academia", "industry"], n)
    pay = np.round(np.where(sector == "industry", 6000, 4500) + rng.normal(0, 500, n))
    codes = rng.choice([0, -6, -7, -8, -9], n, p=[0.7, 0.1, 0.08, 0.04, 0.08])
    pay = np.where(codes != 0, codes, pay)
    satisfied = pd.Series(rng.choice(["yes", "no"], n), dtype=object).where(rng.random(n) > 0.1)
    return pd.DataFrame({"rid": [f"{i:04d}" for i in range(n)], "unit": np.repeat(np.arange(40), 10),
                         "wt": rng.uniform(1, 4, n), "sector": sector, "pay": pay, "satisfied": satisfied})


def test_only_missing_answers_are_imputed_from_their_class(answers):
    sets = cs.impute_hotdeck(answers, ["pay", "satisfied"], by="sector", m=3, seed=1)
    coded = answers["pay"].isin([-7, -8, -9]).to_numpy()
    not_asked = (answers["pay"] == -6).to_numpy()
    observed = ~coded & ~not_asked
    for s in sets:
        assert s["pay"][observed].equals(answers["pay"][observed])        # answers untouched
        assert s["pay"][not_asked].isna().all()                            # -6: not asked, not imputed, not a number
        assert (s["pay"] >= 0).sum() == (~not_asked).sum()                 # no code survives, none was a donor
        for sector in ("academia", "industry"):
            rows = coded & (answers["sector"] == sector).to_numpy()
            donors = set(answers.loc[observed & (answers["sector"] == sector).to_numpy(), "pay"])
            assert set(s.loc[rows, "pay"]) <= donors                       # drawn from the same class
        assert s["satisfied"].notna().all() and set(s["satisfied"]) == {"yes", "no"}
        assert s.attrs["imputed"] == {"pay": int(coded.sum()), "satisfied": int(answers["satisfied"].isna().sum())}
    assert not sets[0]["pay"].equals(sets[1]["pay"])                       # the imputations differ


def test_seeded_and_unbiased(answers):
    a = cs.impute_hotdeck(answers, "pay", by="sector", m=2, seed=5)
    b = cs.impute_hotdeck(answers, "pay", by="sector", m=2, seed=5)
    assert all(x.equals(y) for x, y in zip(a, b))
    many = cs.impute_hotdeck(answers, "pay", by="sector", m=200, seed=9)
    coded = answers["pay"].isin([-7, -8, -9]).to_numpy() & (answers["sector"] == "industry").to_numpy()
    donors = answers.loc[(answers["pay"] >= 0) & (answers["sector"] == "industry"), "pay"]
    drawn = np.concatenate([s.loc[coded, "pay"].to_numpy() for s in many])
    assert drawn.mean() == pytest.approx(donors.mean(), abs=4 * donors.std() / np.sqrt(len(drawn)) + 1)


def test_abb_spreads_the_imputations_more_than_a_plain_draw():
    """The bootstrap step adds the uncertainty of the class distribution: with 20 answers and 80 missing, the
    imputed mean varies by sigma²/80 under a plain draw and by sigma²/80 + sigma²/20 (five times) under ABB."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": np.concatenate([rng.normal(0, 1, 20), np.full(80, -9.0)])})
    def spread(method):
        sets = cs.impute_hotdeck(data, "x", m=400, seed=2, method=method)
        return np.var([s["x"].iloc[20:].mean() for s in sets])
    assert 3 < spread("abb") / spread("simple") < 8


def test_designs_over_the_imputations_combine_by_rubins_rules(answers):
    sets = cs.impute_hotdeck(answers, ["pay"], by="sector", m=5, seed=4)
    designs = cs.ImputedDesigns.from_datasets(sets, weights="wt", psu="unit", missing_codes=cs.MISSING_CODES)
    res = designs.mean("pay", na_rm=True)
    each = designs.apply(lambda d: d.mean("pay", na_rm=True))
    est = np.array([e["estimate"].iloc[0] for e in each])
    w = np.mean([e["se"].iloc[0] ** 2 for e in each])
    assert res["estimate"].iloc[0] == pytest.approx(est.mean(), rel=1e-12)
    assert res["se"].iloc[0] ** 2 == pytest.approx(w + (1 + 1 / 5) * est.var(ddof=1), rel=1e-10)
    assert 0 < res["missinfo"].iloc[0] < 1
    both = cs.ImputedDesigns.from_datasets(cs.impute_hotdeck(answers, ["satisfied"], by="sector", m=4, seed=4),
                                           weights="wt", psu="unit")
    chi = both.chisq("sector", "satisfied")
    d = np.array([x.adjusted for x in both.apply(lambda dd: dd.chisq("sector", "satisfied", statistic="Chisq"))])
    r = (1 + 1 / 4) * np.var(np.sqrt(d), ddof=1)
    assert chi.chisq == tuple(d) and chi.ndf == 1
    assert chi.statistic == pytest.approx((d.mean() - 5 / 3 * r) / (1 + r), rel=1e-12)


def test_errors_name_the_column_and_class(answers):
    lonely = answers.assign(sector=np.where(answers.index < 3, "government", answers["sector"]),
                            pay=answers["pay"].where(answers.index >= 3, -9))
    with pytest.raises(cs.EstimateError, match=r"column 'pay' has missing answers in class\(es\) sector='government'"):
        cs.impute_hotdeck(lonely, "pay", by="sector", seed=1)
    with pytest.raises(cs.EstimateError, match=r"1 row\(s\) have no class"):
        cs.impute_hotdeck(answers.assign(sector=answers["sector"].where(answers.index != 7)), "pay", by="sector",
                          seed=1)
    with pytest.raises(cs.EstimateError, match="m=1"):
        cs.impute_hotdeck(answers, "pay", m=1, seed=1)
    with pytest.raises(cs.EstimateError, match="not in the data"):
        cs.impute_hotdeck(answers, "wage", seed=1)
    with pytest.raises(cs.EstimateError, match="2 or more completed data sets"):
        cs.ImputedDesigns.from_datasets([answers], weights="wt")
    with pytest.raises(cs.EstimateError, match="needs the results of 2 or more"):
        cs.mi_combine([cs.SurveyDesign(answers).mean("wt")])


def test_replicate_weights_are_the_same_on_every_imputation(answers):
    sets = cs.impute_hotdeck(answers, "pay", by="sector", m=3, seed=8)
    designs = cs.ImputedDesigns.from_datasets(sets, weights="wt", psu="unit")
    boot = designs.replicate("bootstrap", replicates=20, seed=5)
    first = np.asarray(boot.designs[0].replicates.weights)
    assert all(np.array_equal(first, np.asarray(d.replicates.weights)) for d in boot.designs[1:])
    with pytest.raises(cs.EstimateError, match="needs seed="):
        designs.replicate("bootstrap", replicates=20)

"""Treatments on small frames written here: recoding, top coding, local suppression, PRAM, MDAV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from careersurvey.disclosure.mdav import microaggregate
from careersurvey.disclosure.pram import invariant_matrix, pram, transition_matrix
from careersurvey.disclosure.recode import bands, merge_choices, top_code
from careersurvey.disclosure.suppress import local_suppression
from careersurvey.questionnaire.model import Choice, ChoiceList

anonymity = pytest.importorskip("pycanon.anonymity")


def test_bands_cut_numbers_and_keep_missing() -> None:
    age = pd.Series(pd.array([23, 30, 39, None, 40, 71], dtype="Int64"), name="age")
    out, step = bands(age, [30, 40, 60])
    assert out.tolist() == [1, 2, 2, pd.NA, 3, 4]
    assert step.labels["age"] == {1: "under 30", 2: "30 to under 40", 3: "40 to under 60", 4: "60 and over"}
    assert step.changed == {"age": 5}
    with pytest.raises(ValueError, match="increasing order"):
        bands(age, [40, 30])


def test_merging_a_choice_list_keeps_its_order_and_missing_codes() -> None:
    ages = ChoiceList("age_band", tuple(Choice(c, {"en": label}) for c, label in
                                       enumerate(["20-24", "25-29", "30-34", "35-39", "40+"], start=1)))
    s = pd.Series(pd.array([1, 2, 3, 4, 5, -7, None], dtype="Int64"), name="age_band")
    out, step = merge_choices(s, ages, 2)
    assert out.tolist() == [1, 1, 2, 2, 3, -7, pd.NA]
    assert step.labels["age_band"] == {1: "20-24 – 25-29", 2: "30-34 – 35-39", 3: "40+"}
    assert step.changed == {"age_band": 4}  # 1 stays 1


def test_top_and_bottom_coding() -> None:
    pay = pd.Series(pd.array([500, 3000, 90000, None, 250000], dtype="Int64"), name="pay")
    out, step = top_code(pay, top=50000, bottom=1000)
    assert out.tolist() == [1000, 3000, 50000, pd.NA, 50000]
    assert step.changed == {"pay": 3}


def frame(seed: int, n: int = 250) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "sex": pd.array(rng.integers(1, 3, n), dtype="Int64"),
        "age": pd.array(rng.choice([1, 2, 3, 4, 5, 6], n, p=[.3, .3, .2, .1, .07, .03]), dtype="Int64"),
        "region": pd.array(rng.choice(np.arange(1, 10), n), dtype="Int64"),
        "field": pd.array(rng.choice([1, 2, 3, 4, -7], n, p=[.4, .3, .2, .08, .02]), dtype="Int64"),
    })


@pytest.mark.parametrize("seed, k", [(1, 2), (2, 3), (3, 5), (4, 3)])
def test_local_suppression_reaches_k_checked_by_pycanon(seed: int, k: int) -> None:
    data = frame(seed)
    keys = ["sex", "age", "region", "field"]
    before = anonymity.k_anonymity(data, keys)
    out, step = local_suppression(data, keys, k, importance=["sex", "age", "field", "region"])
    filled = out[keys].astype(object).where(out[keys].notna(), "suppressed")
    assert before < k <= anonymity.k_anonymity(filled, keys)
    suppressed = out[keys].isna() & data[keys].notna()
    assert step.changed == suppressed.sum().to_dict()
    assert (out[keys].where(~suppressed) == data[keys].where(~suppressed)).fillna(True).all().all()  # only suppressed
    # the importance order is honoured: the least important key loses the most values
    assert step.changed["region"] == max(step.changed.values()) and step.changed["sex"] <= step.changed["region"]


def test_suppression_only_where_needed() -> None:
    # three records unique on region alone: suppressing region joins them with their age/sex peers
    data = pd.DataFrame({"sex": [1] * 9 + [2] * 3, "region": [1] * 9 + [5, 6, 7]})
    out, step = local_suppression(data, ["sex", "region"], 3, importance=["sex", "region"])
    assert step.changed == {"sex": 0, "region": 3}
    assert out["region"].isna().sum() == 3 and out["sex"].tolist() == data["sex"].tolist()


def test_too_few_fully_suppressed_records_are_joined_by_donors() -> None:
    data = pd.DataFrame({"a": [1, 1, 1, 1, 2], "b": [1, 1, 1, 1, 9]})
    out, _ = local_suppression(data, ["a", "b"], 2)
    filled = out.astype(object).where(out.notna(), "suppressed")
    assert anonymity.k_anonymity(filled, ["a", "b"]) >= 2
    assert out.isna().all(axis=1).sum() == 2


def test_protected_keys_are_never_suppressed_and_whole_classes_join_when_none_can_spare() -> None:
    # stratum 2 holds five records: a class of 3 and two unique ones; no class there can spare a record
    data = pd.DataFrame({"stratum": [1] * 6 + [2] * 5, "sex": [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 1],
                         "age": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5]})
    out, step = local_suppression(data, ["stratum", "sex", "age"], 3, protected=["stratum"])
    filled = out.astype(object).where(out.notna(), "suppressed")
    assert anonymity.k_anonymity(filled, ["stratum", "sex", "age"]) >= 3
    assert step.changed["stratum"] == 0 and out["stratum"].tolist() == data["stratum"].tolist()
    with pytest.raises(ValueError, match="held by fewer than 3 records"):
        local_suppression(data.iloc[:8], ["stratum", "sex", "age"], 3, protected=["stratum"])


def test_pram_matrices_are_stochastic_and_the_invariant_one_keeps_the_shares() -> None:
    p = transition_matrix(4, 0.7)
    assert np.allclose(p.sum(axis=1), 1) and np.allclose(np.diag(p), 0.7) and (p >= 0).all()
    shares = np.array([0.5, 0.3, 0.15, 0.05])
    r = invariant_matrix(p, shares)
    assert np.allclose(r.sum(axis=1), 1) and (r >= 0).all() and (r <= 1).all()
    assert np.allclose(shares @ r, shares)
    assert not np.allclose(shares @ p, shares)  # the basic matrix does not keep them


def test_pram_is_seedable_and_keeps_missing_values() -> None:
    s = pd.Series(pd.array(np.random.default_rng(0).choice([1, 2, 3], 5000, p=[.6, .3, .1]), dtype="Int64"))
    s[::50] = pd.NA
    a, step, matrix = pram(s, np.random.default_rng(11), p_stay=0.8)
    b, _, _ = pram(s, np.random.default_rng(11), p_stay=0.8)
    assert a.equals(b) and a.isna().equals(s.isna())
    assert 0 < step.total_changed < len(s) * 0.4
    before = s.value_counts(normalize=True).sort_index().to_numpy()
    after = a.value_counts(normalize=True).sort_index().to_numpy()
    assert np.allclose(before, after, atol=0.03)  # invariant: shares kept up to sampling noise
    assert np.allclose(before @ matrix, before)


def test_mdav_groups_hold_k_or_more_and_keep_means() -> None:
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"pay": rng.lognormal(8, 0.6, 203), "hours": rng.normal(45, 8, 203)})
    data.loc[[3, 40], "pay"] = np.nan
    w = pd.Series(rng.uniform(1, 30, 203))
    out, step, group = microaggregate(data, ["pay", "hours"], 3)
    sizes = np.bincount(group[group >= 0])
    assert sizes.min() >= 3 and sizes.max() <= 5 and (group[[3, 40]] == -1).all()
    assert out["pay"].isna().sum() == 2 and out.loc[[3, 40], "hours"].tolist() == data.loc[[3, 40], "hours"].tolist()
    kept = group >= 0
    assert out["pay"][kept].mean() == pytest.approx(data["pay"][kept].mean(), rel=1e-12)
    assert out.groupby(group)["pay"].nunique()[lambda s: s.index >= 0].eq(1).all()  # one value per group
    out_w, _, group_w = microaggregate(data, ["pay"], 4, weights=w)
    known = data["pay"].notna()
    assert (out_w["pay"][known] * w[known]).sum() == pytest.approx((data["pay"][known] * w[known]).sum(), rel=1e-12)
    assert np.bincount(group_w[group_w >= 0]).min() >= 4

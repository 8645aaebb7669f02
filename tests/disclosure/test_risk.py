"""Risk measures: frequencies with missing keys as sdcMicro, individual risk by the published formula, k-anonymity
and l-diversity against pycanon."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from careersurvey.disclosure.risk import frequencies, individual_risk, measure_risk

anonymity = pytest.importorskip("pycanon.anonymity")


def small() -> pd.DataFrame:
    """Eight people: sex, age band, region; one with sex missing (suppressed), one with two keys missing."""
    return pd.DataFrame({
        "sex": pd.array([1, 1, 1, 2, 2, None, 2, None], dtype="Int64"),
        "age": pd.array([3, 3, 4, 3, 3, 3, 4, None], dtype="Int64"),
        "region": pd.array([1, 1, 1, 1, 2, 1, 2, 2], dtype="Int64"),
        "pay": [10.0, 12.0, 30.0, 11.0, 11.0, 9.0, 40.0, 22.0],
        "w": [10.0, 20.0, 5.0, 8.0, 4.0, 6.0, 30.0, 2.0],
    })


def brute_force(data: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """fk and Fk by comparing every pair of records, a missing value agreeing with anything."""
    rows = data[keys].astype(object).where(data[keys].notna(), None).to_numpy()
    fk, Fk = np.zeros(len(rows)), np.zeros(len(rows))
    for i, a in enumerate(rows):
        for j, b in enumerate(rows):
            if all(x is None or y is None or x == y for x, y in zip(a, b)):
                fk[i] += 1
                Fk[i] += data["w"].iloc[j]
    return fk, Fk


def test_a_missing_key_matches_any_value_both_ways() -> None:
    data = small()
    fk, Fk = frequencies(data, ["sex", "age", "region"], data["w"])
    # record 5 (sex missing, age 3, region 1) counts with the men and women of age 3 in region 1, and they with it
    assert fk.tolist() == [3, 3, 1, 2, 2, 4, 2, 3]
    assert Fk[5] == 10 + 20 + 8 + 6 and Fk[0] == 10 + 20 + 6 + 0
    expected = brute_force(data, ["sex", "age", "region"])
    np.testing.assert_array_equal(fk, expected[0])
    np.testing.assert_allclose(Fk, expected[1])


def test_frequencies_agree_with_pairwise_counts_on_random_data_with_missing_keys() -> None:
    rng = np.random.default_rng(7)
    n = 300
    data = pd.DataFrame({k: pd.array(np.where(rng.random(n) < 0.1, -1, rng.integers(0, m, n)), dtype="Int64")
                         for k, m in (("a", 3), ("b", 4), ("c", 2))})
    data = data.mask(data == -1)
    data["w"] = rng.uniform(1, 50, n)
    fk, Fk = frequencies(data, ["a", "b", "c"], data["w"])
    expected = brute_force(data, ["a", "b", "c"])
    np.testing.assert_array_equal(fk, expected[0])
    np.testing.assert_allclose(Fk, expected[1])


def published(f: float, F: float) -> float:
    """Benedetti-Franconi individual risk as written in sdcMicro's indivRisk (approx), one record at a time."""
    p = f / F
    if p == 1:
        return 1 / f
    if f == 1:
        return p / (1 - p) * math.log(1 / p)
    if f == 2:
        return p / (1 - p) - (p / (1 - p)) ** 2 * math.log(1 / p)
    return p / (f - (1 - p))


def test_individual_risk_is_the_published_formula() -> None:
    data = small()
    risk = measure_risk(data, ["sex", "age", "region"], data["w"])
    assert risk.rk.tolist() == pytest.approx([published(f, F) for f, F in zip(risk.fk, risk.Fk)], rel=1e-12)
    assert risk.expected_reidentifications == pytest.approx(sum(published(f, F) for f, F in zip(risk.fk, risk.Fk)))
    assert individual_risk(np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 4.0])).tolist() == [1.0, 0.5, 0.25]


def test_violations_count_records_below_k() -> None:
    data = small()
    risk = measure_risk(data, ["sex", "age", "region"], data["w"])
    fk = [3, 3, 1, 2, 2, 4, 2, 3]
    assert [risk.violations(k) for k in (2, 3, 5)] == [sum(f < k for f in fk) for k in (2, 3, 5)] == [1, 4, 8]


@pytest.mark.parametrize("seed", range(5))
def test_k_anonymity_and_l_diversity_agree_with_pycanon(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    data = pd.DataFrame({"sex": rng.integers(1, 3, n), "age": rng.integers(1, 6, n), "region": rng.integers(1, 4, n),
                         "pay_band": rng.integers(1, 5, n), "offer": rng.integers(0, 2, n)})
    keys = ["sex", "age", "region"]
    risk = measure_risk(data, keys, sensitive=["pay_band", "offer"])
    assert risk.k_anonymity == anonymity.k_anonymity(data, keys)
    assert min(risk.l_diversity.values()) == anonymity.l_diversity(data, keys, ["pay_band", "offer"])
    for s in ("pay_band", "offer"):
        assert risk.l_diversity[s] == anonymity.l_diversity(data, keys, [s])


def test_a_missing_value_is_its_own_class_for_k_anonymity() -> None:
    data = small()
    risk = measure_risk(data, ["sex", "age", "region"], data["w"], sensitive=["pay"])
    filled = data.astype(object).where(data.notna(), "suppressed")
    assert risk.k_anonymity == anonymity.k_anonymity(filled, ["sex", "age", "region"]) == 1
    assert risk.l_diversity["pay"] == anonymity.l_diversity(filled, ["sex", "age", "region"], ["pay"]) == 1


def test_l_diversity_counts_classes_where_someone_answered() -> None:
    data = pd.DataFrame({"sex": [1, 1, 2, 2, 2], "pay": [10.0, 12.0, None, None, 30.0]})
    assert measure_risk(data, ["sex"], sensitive=["pay"]).l_diversity["pay"] == 1  # women: one known value
    data.loc[4, "pay"] = None
    assert measure_risk(data, ["sex"], sensitive=["pay"]).l_diversity["pay"] == 2  # women: nothing to disclose


def test_unknown_columns_are_named() -> None:
    with pytest.raises(KeyError, match="'agee'"):
        measure_risk(small(), ["sex", "agee"])

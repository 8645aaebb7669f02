"""Inclusion probabilities and draws of one stratum: against R sampling's fixtures, exact enumeration of the
designs, and the frequencies of many draws."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from careersurvey.fieldwork import pps

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "r-sampling" / "cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_against_r_sampling(case):
    pi = pps.inclusion_probabilities(np.array(case["size"], dtype=float), case["n"])
    np.testing.assert_allclose(pi, case["pik"], rtol=0, atol=1e-12)
    assert pi.sum() == pytest.approx(case["n"], abs=1e-12)
    np.testing.assert_allclose(pps.sampford_joint(pi), np.array(case["sampford_pi2"]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(pps.systematic_joint(pi), np.array(case["systematic_pi2"]), rtol=0, atol=1e-12)


def test_certainty_iterates_until_none_passes_one():
    # 100 gets pi = 3*100/115 > 1; then 10 gets 2*10/15 > 1 too, only then the rest share the last unit
    pi = pps.inclusion_probabilities(np.array([100.0, 10, 2, 3]), 3)
    np.testing.assert_allclose(pi, [1, 1, 0.4, 0.6])
    forced = pps.inclusion_probabilities(np.array([1.0, 1, 1, 1]), 2, certain=np.array([True, False, False, False]))
    np.testing.assert_allclose(forced, [1, 1 / 3, 1 / 3, 1 / 3])


def _sampford_enumerated(pi):
    """Sampford's design written out: p(s) proportional to (n - sum_s pi) prod_s pi/(1-pi) (Sampford 1967)."""
    n, N = int(round(pi.sum())), len(pi)
    joint, total = np.zeros((N, N)), 0.0
    for s in itertools.combinations(range(N), n):
        s = list(s)
        w = (n - pi[s].sum()) * np.prod(pi[s] / (1 - pi[s]))
        total += w
        joint[np.ix_(s, s)] += w
    return joint / total


@pytest.mark.parametrize("size,n", [([1, 2, 3, 4, 5, 6, 7], 3), ([2, 6, 4, 4, 1, 7, 3, 5], 4), ([3, 3, 4], 2)])
def test_sampford_joint_equals_the_enumerated_design(size, n):
    pi = pps.inclusion_probabilities(np.array(size, dtype=float), n)
    assert (pi < 1).all()
    exact = _sampford_enumerated(pi)
    np.testing.assert_allclose(np.diag(exact), pi, atol=1e-12)  # the design really has these pi
    np.testing.assert_allclose(pps.sampford_joint(pi), exact, atol=1e-12)


def test_systematic_joint_equals_the_start_integrated_on_a_grid():
    pi = pps.inclusion_probabilities(np.array([4.0, 1, 7, 2, 9, 3, 5]), 3)
    grid = (np.arange(200_000) + 0.5) / 200_000  # the start u, uniform on [0, 1)
    cum = np.concatenate([[0.0], np.cumsum(pi)])
    inside = ((cum[None, :-1] - grid[:, None]) % 1 > (cum[None, 1:] - grid[:, None]) % 1).astype(float)
    assert (inside.sum(axis=1) == 3).all()  # always exactly n
    np.testing.assert_allclose(pps.systematic_joint(pi), inside.T @ inside / len(grid), atol=1e-4)


def _frequencies(draw, pi, reps):
    counts, pairs = np.zeros(len(pi)), np.zeros((len(pi), len(pi)))
    rng = np.random.default_rng(20261203)
    for _ in range(reps):
        s = draw(pi, rng)
        assert len(s) == int(round(pi.sum())) and len(set(s)) == len(s)
        counts[s] += 1
        pairs[np.ix_(s, s)] += 1
    return counts / reps, pairs / reps


@pytest.mark.parametrize("draw,joint", [(pps.sampford, pps.sampford_joint), (pps.systematic, pps.systematic_joint)])
def test_draw_frequencies_agree_with_pi_and_pi_ij(draw, joint):
    """20,000 draws; each frequency within 4.5 binomial standard errors of its probability (a false alarm
    over the 10 + 45 cells has probability below 1e-4)."""
    pi = pps.inclusion_probabilities(np.array([12.0, 7, 30, 5, 18, 22, 9, 14, 3, 40]), 4)
    reps = 20_000
    freq, pair = _frequencies(draw, pi, reps)
    exact = joint(pi)
    se = np.sqrt(np.clip(exact * (1 - exact), 1e-12, None) / reps)
    assert (np.abs(freq - pi) <= 4.5 * se[np.diag_indices(len(pi))]).all()
    assert (np.abs(pair - exact) <= 4.5 * se + 1e-12).all()


def test_srs_has_exactly_n_distinct_units_and_equal_frequencies():
    rng = np.random.default_rng(5)
    counts = np.zeros(9)
    pair = 0
    for _ in range(20_000):
        s = pps.srs(9, 3, rng)
        assert len(set(s)) == 3
        counts[s] += 1
        pair += (0 in s) and (1 in s)
    se = np.sqrt(1 / 3 * 2 / 3 / 20_000)
    assert np.abs(counts / 20_000 - 1 / 3).max() < 4.5 * se
    assert pps.srs_joint(9, 3) == pytest.approx(3 * 2 / (9 * 8))
    assert abs(pair / 20_000 - 1 / 12) < 4.5 * np.sqrt(1 / 12 * 11 / 12 / 20_000)


@pytest.mark.parametrize("joint", [pps.sampford_joint, pps.systematic_joint])
def test_joint_of_a_subset_is_the_block_of_the_full_matrix(joint):
    pi = pps.inclusion_probabilities(np.array([3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46, 26, 43, 380.0]), 6)
    assert pi[-1] == 1  # a certainty unit among them
    subset = np.array([1, 4, 5, 9, 13])
    np.testing.assert_allclose(joint(pi, subset), joint(pi)[np.ix_(subset, subset)], atol=1e-14)


def test_large_stratum_is_drawn_and_its_pairs_computed_quickly():
    """Sampford's rejective draw needs seconds at n = 50 and never ends at n = 300; the draw here does not
    reject, and only the sampled pairs' pi_ij are computed."""
    import time

    rng = np.random.default_rng(3)
    pi = pps.inclusion_probabilities(rng.lognormal(3, 1, 3000), 300)
    start = time.process_time()  # CPU seconds of this process: a guard against a rejective loop, not a timing
    s = pps.sampford(pi, rng)
    block = pps.sampford_joint(pi, s)
    assert time.process_time() - start < 60
    assert len(s) == 300 and len(set(s)) == 300
    off = block[~np.eye(len(s), dtype=bool)]
    assert (off > 0).all() and np.all(block.sum(axis=1) <= 300 * pi[s] + 1e-9)
    # a few pairs recomputed with e_m(without i, j) from the positive recursion over the other units only
    free = pi < 1 - 1e-6
    n = int(round(pi[free].sum()))
    odds = np.where(free, pi / np.where(free, 1 - pi, 1), 0.0)  # certainty units add nothing to e_m
    M = _esp_direct(odds[free], n)
    K = sum(t * M[n - t] for t in range(1, n + 1))
    pairs = [(a, b) for a, b in [(0, 1), (5, 200), (17, 299), (150, 151), (3, 4), (100, 250)]
             if free[s[a]] and free[s[b]]]
    assert len(pairs) >= 4 and n < 300
    for a, b in pairs:
        i, j = s[a], s[b]
        rest = _esp_direct(np.delete(odds, [i, j])[np.delete(free, [i, j])], n)
        want = odds[i] * odds[j] * sum((t + 1 - pi[i] - pi[j]) * rest[n - t - 1] for t in range(1, n)) / K
        assert block[a, b] == pytest.approx(want, rel=1e-9)


def _esp_direct(odds, top):
    e = np.zeros(top + 1)
    e[0] = 1.0
    for o in odds:
        e[1:] = e[1:] + o * e[:-1]
    return e


def test_sampford_joint_identity_with_many_large_probabilities():
    """sum over j != i of pi_ij = (n - 1) pi_i, on a stratum where many units have 1/2 < pi < 1
    (20 of 90) and some are taken with certainty."""
    rng = np.random.default_rng(9)
    pi = pps.inclusion_probabilities(rng.lognormal(0, 1.2, 90), 40)
    assert ((pi > 0.5) & (pi < 1)).sum() >= 20
    joint = pps.sampford_joint(pi)
    np.testing.assert_allclose(joint.sum(axis=1) - pi, 39 * pi, rtol=1e-9)
    assert (joint[~np.eye(90, dtype=bool)] > 0).all()

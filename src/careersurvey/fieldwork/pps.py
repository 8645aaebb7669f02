"""Inclusion probabilities and the draws of one stratum, on plain arrays (no frame, no file).

* :func:`inclusion_probabilities`: pi_i = n x_i / sum(x), units reaching 1 taken with certainty and the rest
  rescaled to the remaining n, again until none passes 1 (R ``sampling::inclusionprobabilities``).
* :func:`srs`: simple random sampling without replacement, pi = n/N, pi_ij = n(n-1)/(N(N-1)).
* :func:`systematic`: systematic PPS in the given order with one uniform random start (R ``UPsystematic``);
  its joint probabilities :func:`systematic_joint` are exact for that order (R ``UPsystematicpi2``); some are 0,
  so the Horvitz-Thompson variance needs another estimator (units close in the order are never together).
* :func:`sampford`: Sampford's (1967) PPS without replacement, the design of R ``UPsampford`` drawn without
  rejection (see the function). Its first-order probabilities are exactly pi_i; :func:`sampford_joint` gives
  the exact pi_ij (Sampford's formula as R ``UPsampfordpi2`` computes it).

Certainty units (pi = 1) are kept out of the random part of every draw and always selected.
"""

from __future__ import annotations

import numpy as np

#: pi within this of 1 counts as certainty (R sampling's eps).
EPS = 1e-6


def inclusion_probabilities(size: np.ndarray, n: int, certain: np.ndarray | None = None) -> np.ndarray:
    """pi proportional to ``size`` summing to ``n``; units in ``certain`` (bool) and those reaching 1 get 1."""
    x = np.asarray(size, dtype=float)
    take = np.zeros(len(x), dtype=bool) if certain is None else np.asarray(certain, dtype=bool).copy()
    if n > len(x):
        raise ValueError(f"cannot take {n} of {len(x)} units")
    while True:
        rest = n - int(take.sum())
        pi = np.where(take, 1.0, 0.0)
        if rest < 0:
            raise ValueError(f"{int(take.sum())} units are taken with certainty, more than n = {n}")
        free = ~take
        total = x[free].sum()
        if rest and total <= 0:
            raise ValueError("the units left have size 0")
        if rest:
            pi[free] = rest * x[free] / total
        over = free & (pi >= 1 - EPS)
        if not over.any():
            return pi
        take |= over


def srs(N: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of a simple random sample of ``n`` of ``N`` (sorted)."""
    return np.sort(rng.choice(N, size=n, replace=False))


def systematic(pi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions drawn by systematic PPS in the given order from one random start in [0, 1)."""
    pi = np.asarray(pi, dtype=float)
    free = (pi > EPS) & (pi < 1 - EPS)
    chosen = pi >= 1 - EPS
    if free.any():
        a = (np.concatenate([[0.0], np.cumsum(pi[free])]) - rng.uniform()) % 1.0
        hit = a[:-1] > a[1:]
        chosen[np.flatnonzero(free)[hit]] = True
    return np.flatnonzero(chosen)


def systematic_joint(pi: np.ndarray, subset: np.ndarray | None = None) -> np.ndarray:
    """Exact joint inclusion probabilities of :func:`systematic` for this order (diagonal pi), for the units
    at positions ``subset`` (default: all): a len(subset) square matrix."""
    pi = np.asarray(pi, dtype=float)
    sub = np.arange(len(pi)) if subset is None else np.asarray(subset, dtype=int)
    out = np.outer(pi[sub], pi[sub])
    free = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
    if len(free):
        v = np.cumsum(pi[free])
        frac = v % 1.0
        frac[-1] = 0.0
        r = np.concatenate([np.sort(frac), [1.0]])
        width = np.diff(r)  # the start u lies in one of these intervals, each with its own sample
        mid = (r[:-1] + r[1:]) / 2
        bounds = np.concatenate([[0.0], v])
        where = np.full(len(pi), -1)
        where[free] = np.arange(len(free))
        rows = np.flatnonzero(where[sub] >= 0)  # subset units in the random part
        k = where[sub][rows]
        member = ((bounds[k][:, None] - mid) % 1.0 > (bounds[k + 1][:, None] - mid) % 1.0).astype(float)
        out[np.ix_(rows, rows)] = (member * width) @ member.T
    np.fill_diagonal(out, pi[sub])
    return out


def sampford(pi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions drawn by Sampford's design (certainty units always in), without rejection.

    Sampford's design gives a sample s of size n the probability p(s) proportional to
    (n - sum_s pi) prod_s lambda, lambda = pi/(1-pi); as n - sum_s pi = sum_{i in s} (1 - pi_i), that is
    sum_{i in s} pi_i prod_{s minus i} lambda. So draw one unit i with probability proportional to
    pi_i e_{n-1}(lambda without i) (e_k: the elementary symmetric polynomial), then n-1 others by conditional
    Poisson sampling with odds lambda from the rest (sequentially, each unit in turn with its exact
    conditional probability). The sums are kept in logarithms, so large strata neither overflow nor underflow.
    The rejective draw R's ``UPsampford`` uses gives the same design but needs ever more tries as n grows
    (already seconds at n = 50).
    """
    pi = np.asarray(pi, dtype=float)
    free = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
    chosen = list(np.flatnonzero(pi >= 1 - EPS))
    if len(free):
        p = pi[free]
        n = int(round(p.sum()))
        loglam = np.log(p) - np.log1p(-p)
        prefix = _log_esp(loglam, n, reverse=False)   # prefix[k][r] = log e_r(lambda_0 .. lambda_{k-1})
        suffix = _log_esp(loglam, n, reverse=True)    # suffix[k][r] = log e_r(lambda_k .. lambda_{N-1})
        a = np.arange(n)
        without = np.logaddexp.reduce(prefix[:-1, a] + suffix[1:, n - 1 - a], axis=1)  # log e_{n-1}(lambda_-i)
        logw = np.log(p) + without
        first = rng.choice(len(p), p=np.exp(logw - np.logaddexp.reduce(logw)))
        rest = loglam.copy()
        rest[first] = -np.inf
        tail = _log_esp(rest, n - 1, reverse=True)
        picked, r = [first], n - 1
        for k in range(len(p)):
            if r == 0:
                break
            if rest[k] == -np.inf:
                continue
            if rng.random() < np.exp(rest[k] + tail[k + 1][r - 1] - tail[k][r]):
                picked.append(k)
                r -= 1
        chosen += list(free[picked])
    return np.sort(np.asarray(chosen, dtype=int))


def _log_esp(loglam: np.ndarray, top: int, *, reverse: bool) -> np.ndarray:
    """log e_r of the prefixes (or suffixes) of lambda, r = 0..top: an (N+1) x (top+1) table."""
    N = len(loglam)
    out = np.full((N + 1, top + 1), -np.inf)
    start = N if reverse else 0
    out[start, 0] = 0.0
    order = range(N - 1, -1, -1) if reverse else range(N)
    for k in order:
        src, dst = (k + 1, k) if reverse else (k, k + 1)
        shifted = np.concatenate([[-np.inf], loglam[k] + out[src, :-1]])
        out[dst] = np.logaddexp(out[src], shifted)
    return out


def sampford_joint(pi: np.ndarray, subset: np.ndarray | None = None) -> np.ndarray:
    """Exact joint inclusion probabilities of Sampford's design (diagonal pi) for the units at ``subset``
    (default: all); certainty units pair with each other unit j at pi_j.

    Sampford's (1967) formula as R ``UPsampfordpi2`` computes it, written with the odds o = pi/(1-pi) of the
    units not taken with certainty and M_m = e_m(o), the elementary symmetric polynomials: with
    K = sum_{t=1..n} t M_{n-t},  pi_ij = o_i o_j sum_{t=1..n-1} (t + 1 - pi_i - pi_j) M_{n-t-1}(without i, j) / K.
    M comes from the positive recursion over the units (R uses alternating power sums, which lose every digit
    for large n). M(without i, j) divides i and j out again, which is stable only for odds <= 1: a unit with
    odds > 1 (pi > 1/2) is left out by the positive recursion instead. Only the pairs asked for are computed,
    so a large stratum costs what its sample does.
    """
    pi = np.asarray(pi, dtype=float)
    sub = np.arange(len(pi)) if subset is None else np.asarray(subset, dtype=int)
    out = np.outer(pi[sub], pi[sub])
    freemask = (pi > EPS) & (pi < 1 - EPS)
    n = int(round(pi[freemask].sum()))
    rows = np.flatnonzero(freemask[sub])
    if n >= 2 and len(rows) >= 2:
        odds = pi[freemask] / (1 - pi[freemask])
        position = np.cumsum(freemask) - 1  # index among the free units
        M = _esp(odds, n)
        K = np.sum(np.arange(1, n + 1) * M[n - np.arange(1, n + 1)])
        if not np.isfinite(K):
            raise ValueError(f"Sampford's joint probabilities overflow for n = {n}; draw with joint=False")
        units = position[sub[rows]]
        without = {k: _esp(np.delete(odds, k), n) for k in set(units[odds[units] > 1].tolist())}
        block = np.zeros((len(rows), len(rows)))
        for a in range(len(rows)):
            i = units[a]
            others = units[a + 1:]
            if not len(others):
                continue
            oi, oj = odds[i], odds[others]
            pii, pij = pi[sub[rows[a]]], pi[sub[rows[a + 1:]]]
            values = np.empty(len(others))
            small_j = oj <= 1
            if oi <= 1:  # divide both out of M, all small j at once
                values[small_j] = _pair_sum(M, n, oi, oj[small_j], pii, pij[small_j])
            else:
                values[small_j] = _pair_sum(without[i], n, 0.0, oj[small_j], pii, pij[small_j])
            for b in np.flatnonzero(~small_j):
                j = others[b]
                base = without[j] if oi <= 1 else _esp(np.delete(odds, [i, j]), n)
                values[b] = _pair_sum(base, n, oi if oi <= 1 else 0.0, np.array([0.0]), pii, pij[b:b + 1])[0]
            block[a, a + 1:] = block[a + 1:, a] = oi * oj * values / K
        out[np.ix_(rows, rows)] = block
    np.fill_diagonal(out, pi[sub])
    return out


def _esp(odds: np.ndarray, top: int) -> np.ndarray:
    """e_m(odds), m = 0..top, by the positive recursion over the units."""
    e = np.zeros(top + 1)
    e[0] = 1.0
    for o in odds:
        e[1:] = e[1:] + o * e[:-1]
    return e


def _pair_sum(base: np.ndarray, n: int, oi: float, oj: np.ndarray, pi_i: float, pi_j: np.ndarray) -> np.ndarray:
    """sum_{m=0..n-2} (n - m - pi_i - pi_j) e_m(without i, j), with e(without i, j) = base divided by
    (1 + oi x)(1 + oj x) (oi, oj <= 1: stable; 0 where base already leaves the unit out)."""
    prev2, prev1 = np.zeros_like(oj), np.ones_like(oj)
    total = (n - pi_i - pi_j) * prev1
    for m in range(1, n - 1):
        cur = base[m] - (oi + oj) * prev1 - oi * oj * prev2
        total = total + (n - m - pi_i - pi_j) * cur
        prev2, prev1 = prev1, cur
    return total


def srs_joint(N: int, n: int) -> float:
    """pi_ij of simple random sampling without replacement."""
    return n * (n - 1) / (N * (N - 1)) if N > 1 else 0.0


__all__ = ["EPS", "inclusion_probabilities", "sampford", "sampford_joint", "srs", "srs_joint", "systematic",
           "systematic_joint"]

"""Inclusion probabilities and the draws of one stratum, on plain arrays (no frame, no file).

* :func:`inclusion_probabilities`: pi_i = n x_i / sum(x), units reaching 1 taken with certainty and the rest
  rescaled to the remaining n, again until none passes 1 (R ``sampling::inclusionprobabilities``).
* :func:`srs`: simple random sampling without replacement, pi = n/N, pi_ij = n(n-1)/(N(N-1)).
* :func:`systematic`: systematic PPS in the given order with one uniform random start (R ``UPsystematic``);
  its joint probabilities :func:`systematic_joint` are exact for that order (R ``UPsystematicpi2``); some are 0,
  so the Horvitz-Thompson variance needs another estimator (units close in the order are never together).
* :func:`sampford`: Sampford's (1967) PPS without replacement by rejective draws (R ``UPsampford``): the first
  unit with probability pi_i/n, n-1 more with replacement with probability proportional to pi_i/(1-pi_i),
  accepted when all differ. Its first-order probabilities are exactly pi_i; :func:`sampford_joint` gives the
  exact pi_ij (Sampford's formula as R ``UPsampfordpi2`` computes it).

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


def systematic_joint(pi: np.ndarray) -> np.ndarray:
    """Exact joint inclusion probabilities of :func:`systematic` for this order (N x N, diagonal pi)."""
    pi = np.asarray(pi, dtype=float)
    out = np.outer(pi, pi)
    free = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
    if len(free):
        v = np.cumsum(pi[free])
        frac = v % 1.0
        frac[-1] = 0.0
        r = np.concatenate([np.sort(frac), [1.0]])
        width = np.diff(r)  # the start u lies in one of these intervals, each with its own sample
        mid = (r[:-1] + r[1:]) / 2
        a = (np.concatenate([[0.0], v])[:, None] - mid[None, :]) % 1.0
        member = (a[:-1] > a[1:]).astype(float)  # units x intervals
        out[np.ix_(free, free)] = member @ np.diag(width) @ member.T
    np.fill_diagonal(out, pi)
    return out


def sampford(pi: np.ndarray, rng: np.random.Generator, max_tries: int = 100_000) -> np.ndarray:
    """Positions drawn by Sampford's rejective method (certainty units always in)."""
    pi = np.asarray(pi, dtype=float)
    free = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
    chosen = list(np.flatnonzero(pi >= 1 - EPS))
    if len(free):
        p = pi[free]
        n = int(round(p.sum()))
        first = p / p.sum()
        odds = p / (1 - p)
        odds = odds / odds.sum()
        for _ in range(max_tries):
            draw = np.concatenate([rng.choice(len(p), 1, p=first), rng.choice(len(p), n - 1, p=odds)])
            if len(np.unique(draw)) == n:
                chosen += list(free[draw])
                break
        else:
            raise ValueError(f"Sampford's method found no sample without repeats in {max_tries} tries; "
                             "use method='systematic' or fewer units per stratum")
    return np.sort(np.asarray(chosen, dtype=int))


def sampford_joint(pi: np.ndarray) -> np.ndarray:
    """Exact joint inclusion probabilities of Sampford's design (N x N, diagonal pi); certainty units pair
    with each other unit j at pi_j."""
    pi = np.asarray(pi, dtype=float)
    out = np.outer(pi, pi)
    free = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
    n = int(round(pi[free].sum()))
    if n >= 2:
        out[np.ix_(free, free)] = _sampford_pi2(pi[free], n)
    np.fill_diagonal(out, pi)
    return out


def _sampford_pi2(pik: np.ndarray, n: int) -> np.ndarray:
    p = pik / n
    lam = p / (1 - n * p)
    L = np.zeros(n)  # L[m], m = 0..n-1 (Sampford's L_m over all units)
    L[0] = 1.0
    powers = [None] + [np.sum(lam ** r) for r in range(1, n)]
    for m in range(1, n):
        L[m] = sum((-1) ** (r - 1) * powers[r] * L[m - r] for r in range(1, m + 1)) / m
    if np.any(L < 0):
        raise ValueError("Sampford's joint probabilities cannot be computed for these sizes")
    # K_n = 1 / sum_{t=1..n} t L_{n-t} / n^t  (R: t1 = n+1-(1:n), Kn = 1/sum(t1 * Lm/n^t1) with Lm[i] = L_{i-1})
    K = 1 / sum(t_ * L[n - t_] / n ** t_ for t_ in range(1, n + 1))
    N = len(pik)
    out = np.zeros((N, N))
    t2 = np.arange(1, n)  # 1..n-1
    for i in range(1, N):
        for j in range(i):
            L2 = np.zeros(n)  # L2[m] = L_m(i,j) over units but i and j, m = 0..n-2
            L2[0] = 1.0
            if n >= 3:
                L2[1] = L[1] - (lam[i] + lam[j])
            for m in range(2, n - 1):
                L2[m] = L[m] - (lam[i] + lam[j]) * L2[m - 1] - lam[i] * lam[j] * L2[m - 2]
            val = K * lam[i] * lam[j] * np.sum((t2 + 1 - n * (p[i] + p[j])) * L2[n - t2 - 1] / n ** (t2 - 1))
            out[i, j] = out[j, i] = val
    return out


def srs_joint(N: int, n: int) -> float:
    """pi_ij of simple random sampling without replacement."""
    return n * (n - 1) / (N * (N - 1)) if N > 1 else 0.0


__all__ = ["EPS", "inclusion_probabilities", "sampford", "sampford_joint", "srs", "srs_joint", "systematic",
           "systematic_joint"]

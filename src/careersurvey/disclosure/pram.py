"""PRAM, the post-randomisation method (as sdcMicro's ``pram``): each value of a categorical column is replaced
by a value drawn from its row of a transition matrix.

The basic matrix keeps a value with probability ``p_stay`` and moves it to each other category with equal
probability. The *invariant* option (Gouweleeuw, Kooiman, Willenborg and de Wolf 1998) uses ``R = P Q`` with
``Q[k, l] = P[l, k] pi[l] / (pi P)[k]`` (``pi`` the observed shares): ``pi R = pi``, so the expected frequencies
of the released column are those of the original and unweighted tables need no correction. Missing values are
left as they are. Draws come from the ``numpy`` generator given, so a seed makes a release reproducible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.disclosure.steps import Step


def transition_matrix(categories: int, p_stay: float) -> np.ndarray:
    """The basic PRAM matrix: ``p_stay`` on the diagonal, the rest spread evenly over the other categories."""
    if not 0 < p_stay <= 1:
        raise ValueError(f"p_stay must be in (0, 1] (got {p_stay})")
    if categories < 2:
        return np.ones((categories, categories))
    off = (1 - p_stay) / (categories - 1)
    return np.full((categories, categories), off) + np.eye(categories) * (p_stay - off)


def invariant_matrix(p: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """``R = P Q``, whose stationary distribution is ``shares`` (module docs)."""
    moved = shares @ p
    q = (p.T * shares[None, :]) / np.where(moved > 0, moved, 1)[:, None]
    return p @ q


def pram(values: pd.Series, rng: np.random.Generator, *, p_stay: float = 0.8, invariant: bool = True,
         name: str | None = None) -> tuple[pd.Series, Step, np.ndarray]:
    """``values`` post-randomised; returns (new column, step, the transition matrix used, rows and columns in the
    order of the sorted categories)."""
    col = str(name or values.name)
    known = values.notna().to_numpy()
    cats = np.sort(pd.unique(values[known]))
    code = np.searchsorted(cats, values[known].to_numpy())
    matrix = transition_matrix(len(cats), p_stay)
    if invariant and len(cats):
        matrix = invariant_matrix(matrix, np.bincount(code, minlength=len(cats)) / len(code))
    cumulative = np.cumsum(matrix, axis=1)
    cumulative[:, -1] = 1.0
    draw = rng.random(len(code))
    new = (cumulative[code] < draw[:, None]).sum(axis=1)
    out = values.copy()
    out[known] = cats[new]
    changed = int((new != code).sum())
    kind = "invariant PRAM" if invariant else "PRAM"
    step = Step(kind, (col,), f"{col}: each value kept with probability {p_stay:g} before the invariance "
                f"correction, otherwise moved to another of its {len(cats)} categories" if invariant else
                f"{col}: each value kept with probability {p_stay:g}, otherwise moved to another of its "
                f"{len(cats)} categories", {col: changed})
    return out, step, matrix

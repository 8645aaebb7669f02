"""Sample sizes per stratum: proportional to a measure, rounded to whole units that add up to n, with a minimum
and a maximum (the stratum's size) per stratum.

Rounding is by largest remainder after flooring, and the minimum and maximum are met by fixing the strata that
pass them and sharing the rest again among the others (the same iteration as certainty units), so that the
allocation adds up to ``n`` exactly whenever ``sum(min) <= n <= sum(N)``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np


def allocate(measure: Mapping[str, float], n: int, *, lower: Mapping[str, int] | int = 0,
             upper: Mapping[str, int] | None = None) -> dict[str, int]:
    """Whole sample sizes per stratum proportional to ``measure`` (e.g. N_h, N_h S_h, N_h S_h / sqrt(c_h)),
    each between ``lower`` and ``upper`` (default: no maximum), adding up to ``n``."""
    keys = list(measure)
    m = np.array([float(measure[k]) for k in keys])
    lo = np.array([lower if isinstance(lower, int) else int(lower.get(k, 0)) for k in keys], dtype=float)
    hi = np.array([np.inf if upper is None else float(upper[k]) for k in keys])
    lo = np.minimum(lo, hi)
    if n < lo.sum():
        raise ValueError(f"n = {n} is less than the minimum per stratum adds up to ({int(lo.sum())}); "
                         "give a larger n or a smaller minimum")
    if n > hi.sum():
        raise ValueError(f"n = {n} is more than the strata hold ({int(hi.sum())}); give a smaller n")
    if np.any(m < 0) or not np.all(np.isfinite(m)):
        raise ValueError("the allocation measure must be a finite number >= 0 in every stratum")
    fixed = np.full(len(keys), np.nan)
    while True:
        free = np.isnan(fixed)
        rest = n - np.nansum(fixed)
        share = np.zeros(len(keys))
        total = m[free].sum()
        share[free] = rest * m[free] / total if total > 0 else rest / max(free.sum(), 1)
        below, above = free & (share < lo), free & (share > hi)
        if not (below.any() or above.any()):
            break
        fixed[below], fixed[above] = lo[below], hi[above]
    out = np.where(free, share, fixed)
    whole = np.floor(out + 1e-9)
    left = int(round(n - whole.sum()))
    order = np.argsort(-(out - whole) + np.where(whole < hi, 0, np.inf), kind="stable")
    whole[order[:left]] += 1
    return {k: int(v) for k, v in zip(keys, whole)}


__all__ = ["allocate"]

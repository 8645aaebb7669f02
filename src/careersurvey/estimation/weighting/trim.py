"""Weight trimming as R's ``trimWeights``: clip to [lower, upper], share the difference out.

What is cut from weights above ``upper`` (or added to weights below ``lower``) is spread in equal amounts
over the weights that were inside, which keeps the weight total; with ``strict`` (R's ``strict = TRUE``) this
repeats until no weight lies outside, so the bounds hold exactly afterwards; without, it is done once (R's
default ``strict = FALSE``), and a weight that the shared amount pushes over a bound stays there. Rows with zero weight (outside a domain, nonrespondents) are left at
zero and do not count (R would raise them to ``lower``). Trimming treats the new weights as fixed for
variances, as R does; the step is recorded so the design's history shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.linear import LinearForm

MAX_ROUNDS = 100_000


def check_trim_bounds(w: np.ndarray, lower: float, upper: float, what: str = "weights") -> None:
    """Fail when no weights within [lower, upper] can keep the total of the positive weights."""
    if np.isnan(lower) or np.isnan(upper) or lower > upper:
        raise WeightingError(f"trim bounds: lower ({lower}) must not exceed upper ({upper})")
    w2 = w[:, None] if w.ndim == 1 else w
    pos = w2 > 0
    check_trim_totals(pos.sum(axis=0), np.where(pos, w2, 0.0).sum(axis=0), lower, upper, what,
                      replicates=w.ndim > 1)


def check_trim_totals(n: np.ndarray, total: np.ndarray, lower: float, upper: float, what: str = "weights",
                      replicates: bool = False) -> None:
    """:func:`check_trim_bounds` from its aggregates: the number and the total of the positive weights (R,)."""
    n, total = np.atleast_1d(n), np.atleast_1d(total)
    bad = (lower * n > total * (1 + 1e-12)) | (upper * n < total * (1 - 1e-12))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        where = f" (replicate {j + 1})" if replicates else ""
        raise WeightingError(
            f"cannot trim {what}{where} to [{lower:g}, {upper:g}]: the {int(n[j])} positive weights sum to "
            f"{total[j]:,.6g}, a mean of {total[j] / max(n[j], 1):,.6g}, which no weights within the bounds "
            f"can keep. Widen the bounds"
        )


def trim_weights(w: np.ndarray, lower: float = -np.inf, upper: float = np.inf,
                 max_rounds: int = MAX_ROUNDS, strict: bool = True) -> tuple[np.ndarray, int]:
    """Trimmed weights (same shape as ``w``: (n,) or (n, R), columns trimmed separately) and rounds used;
    without ``strict`` one round only."""
    lower = float(lower)
    upper = float(upper)
    if strict:
        check_trim_bounds(w, lower, upper)
    elif np.isnan(lower) or np.isnan(upper) or lower > upper:
        raise WeightingError(f"trim bounds: lower ({lower}) must not exceed upper ({upper})")
    out = np.array(w, dtype=float, copy=True)
    w2 = out[:, None] if out.ndim == 1 else out
    pos = w2 > 0
    rounds = 0
    while True:
        outside = pos & ((w2 < lower) | (w2 > upper))
        cols = np.flatnonzero(outside.any(axis=0))
        if not len(cols) or (rounds and not strict):
            break
        rounds += 1
        if rounds > max_rounds:
            raise WeightingError(
                f"trimming to [{lower:g}, {upper:g}] did not settle after {max_rounds} rounds of "
                f"redistribution ({int(outside.sum())} weights still outside); widen the bounds")
        sub = w2[:, cols]
        o = outside[:, cols]
        inside = pos[:, cols] & ~o
        new = np.where(pos[:, cols], np.clip(sub, lower, upper), sub)
        excess = (sub - new).sum(axis=0)
        # every weight was outside (R would add excess / 0 to no one and lose the total): the excess goes to
        # the clipped weights that can take it, those below the upper bound (or above the lower one)
        none = inside.sum(axis=0) == 0
        if none.any():
            able = pos[:, cols] & np.where(excess[None, :] > 0, new < upper, new > lower)
            inside = np.where(none[None, :], able, inside)
        share = excess / np.maximum(inside.sum(axis=0), 1)
        new = np.where(inside, new + share[None, :], new)
        w2[:, cols] = new
    return out, rounds


@dataclass(frozen=True, eq=False)
class TrimStep:
    """A recorded trimming. Variances treat trimmed weights as fixed (as R), so residualize is identity."""

    lower: float
    upper: float
    rounds: int
    n_trimmed: int
    w0: np.ndarray | None = None  # weights before trimming
    strict: bool = True

    def residualize(self, z: np.ndarray) -> np.ndarray:
        """Unchanged: trimmed weights count as fixed, as in R."""
        return z

    def linear_form(self) -> LinearForm:
        """The identity (no reader)."""
        return LinearForm()

    def describe(self) -> str:
        """The step in plain words: ``trimmed to [1, 40]``, ``trimmed to at most 45`` (weights changed)."""
        if np.isfinite(self.lower) and np.isfinite(self.upper):
            limits = f"to [{self.lower:g}, {self.upper:g}]"
        elif np.isfinite(self.upper):
            limits = f"to at most {self.upper:g}"
        else:
            limits = f"to at least {self.lower:g}"
        changed = f"{self.n_trimmed:,} weight{'' if self.n_trimmed == 1 else 's'} changed"
        once = "" if self.strict else "; once, not strict: a weight may end outside"
        return f"trimmed {limits} ({changed}, the total kept{once})"

"""The score interval of a quantile inside the engine (R's ``ffullerCI``, ``interval_type="score"``), as the
in-memory path computes it (:func:`careersurvey.estimation.quantiles.score_roots`).

The score statistic of theta, the design-based mean of ``(x > theta) - (1 - p)`` over its SE, changes only
where theta passes a value of the variable, so the share above each value and its variance are computed once:
one linear estimate with a column per value in the search range (a few queries for every root of every p), and
R's uniroot then reads the statistic. The
range and the final shares come from the unweighted counts of the design's rows per value (R's ``IQR`` is
numpy's type-7 quantile of the counts' order statistics).
"""

from __future__ import annotations

import math

import numpy as np

from careersurvey.engine.linear import Linear, _c, linear_estimates
from careersurvey.engine.source import EngineError
from careersurvey.estimation.quantiles import score_roots

__all__ = ["ScoreCurve"]

#: Columns per linear estimate of the score curve.
BLOCK = 200
#: Distinct values of the design's rows the score interval reads at once.
WINDOW = 100_000


def _type7(vals: np.ndarray, cum: np.ndarray, q: float) -> float:
    """numpy's ``quantile(x, q)`` (linear, R's type 7) from the distinct values and cumulative counts."""
    n = int(cum[-1])
    h = n * q + (1 + q * (1 - 1 - 1)) - 1  # numpy's virtual index
    lo = int(np.floor(h))
    g = h - lo

    def at(i: int) -> float:
        return float(vals[int(np.searchsorted(cum, min(max(i, 0), n - 1), side="right"))])

    a, b = at(lo), at(lo + 1)
    return b - (b - a) * (1 - g) if g >= 0.5 else a + (b - a) * g


class ScoreCurve:
    """The score statistic at every value of a variable, for one domain (``design``) and p."""

    def __init__(self, design, x, level: float, df: float) -> None:
        self.design, self.x, self.level, self.df = design, x, level, df
        t = design.table
        held = design.domain if (design.domain is not None and not design.adjustments) else None
        rows = t.filter(held) if held is not None else t
        rows = rows.mutate(**{_c("x"): x})
        counts = design.execute(rows.group_by(_c("x")).aggregate(n=rows.count()).limit(WINDOW + 1))
        if len(counts) > WINDOW:
            raise EngineError(f"interval_type='score' reads the variable's counts per distinct value; it has more "
                              f"than {WINDOW:,}. Round the variable, or use interval_type='mean'.")
        counts = counts.dropna().sort_values(_c("x"))
        self.vals = counts[_c("x")].to_numpy(dtype=float)
        self.cum = np.cumsum(counts["n"].to_numpy(dtype=np.int64))
        self._stats: dict[int, tuple[float, float]] = {}  # per value: the share above it and its variance

    def interval(self, rule, p: float) -> tuple[float, float]:
        """(low, high): the roots mapped through ``rule`` (a function of p) at the shares of rows below them."""
        vals, cum = self.vals, self.cum
        n = int(cum[-1])
        iqr = _type7(vals, cum, 0.75) - _type7(vals, cum, 0.25)
        lower, upper = vals[0] + iqr / 100, vals[-1] - iqr / 100
        tol = 1 / (100 * math.sqrt(n))
        self._fill(lower, upper)
        q_low, q_up = score_roots(lambda th: self._score(p, th), lower, upper, tol, self.df, self.level)

        def share(root: float) -> float:
            k = int(np.searchsorted(vals, root, side="right"))
            return float((cum[k - 1] if k else 0) / n)

        return rule(share(q_low)), rule(share(q_up))

    def _score(self, p: float, theta: float) -> float:
        j = int(np.searchsorted(self.vals, theta, side="right")) - 1
        m, v = self._stats[max(j, 0)]
        with np.errstate(divide="ignore", invalid="ignore"):  # no variance: an infinite statistic, as in memory
            return float(np.float64(m - (1 - p)) / math.sqrt(v))

    def _fill(self, lower: float, upper: float) -> None:
        """The statistic at every value whose step meets [lower, upper], a block of columns per estimate."""
        vals = self.vals
        first = max(int(np.searchsorted(vals, lower, side="right")) - 1, 0)
        last = int(np.searchsorted(vals, upper, side="right")) - 1
        steps = [j for j in range(first, last + 1) if j not in self._stats]
        d = self.design
        for start in range(0, len(steps), BLOCK):  # over blocks of values, not rows
            block = steps[start:start + BLOCK]
            base = tuple((self.x > float(vals[j])).cast("float64") for j in block)
            res = linear_estimates(d, Linear("mean", base, tuple(range(len(base))), (None,) * len(base)),
                                   d.domain, (), full_cov=False)
            m, v = res.theta[0], np.diagonal(res.vcov[0])
            for i, j in enumerate(block):
                self._stats[j] = (float(m[i]), float(v[i]))

"""Raking by iterative proportional fitting and post-stratification, on factorised level codes.

Raking factors are products of one factor per margin level, so every row of one joint cell (a combination
of margin levels) gets the same factor. When the joint table is small, IPF runs on the cell totals of the
initial weights (one ``np.bincount`` over the rows) and the rows are touched once more at the end; otherwise
it runs on the rows. Either way the weights equal R's ``rake()`` at convergence (and ``calibrate(calfun =
"raking")``, which solves the same equations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.margins import group_totals

#: Largest joint table for which IPF runs on cells rather than rows.
MAX_CELLS = 2_000_000


@dataclass(frozen=True)
class RakeResult:
    """Raking factors per row (n,) or (n, R) and the convergence record."""

    factor: np.ndarray
    iterations: int
    misfit: float  # largest |achieved - target| / target over all margin levels at the end
    converged: bool


def _ipf(codes: list[np.ndarray], sizes: list[int], targets: list[np.ndarray], w: np.ndarray,
         tol: float, max_iter: int) -> tuple[np.ndarray, int, float, bool]:
    """IPF on units (rows or cells) with weights ``w`` (m, R); returns multiplicative factors (m, R)."""
    wf = w.copy()
    for it in range(1, max_iter + 1):
        worst = 0.0
        for c, k, t in zip(codes, sizes, targets):
            cur = group_totals(c, k, wf)
            with np.errstate(divide="ignore", invalid="ignore"):
                adj = np.where(cur > 0, t / cur, 1.0)
            worst = max(worst, _misfit(cur, t))
            wf *= adj[c]
        if worst < tol:
            return _factor(wf, w), it, worst, True
    # misfit of the final state, after the last adjustment
    worst = max((_misfit(group_totals(c, k, wf), t) for c, k, t in zip(codes, sizes, targets)), default=0.0)
    return _factor(wf, w), max_iter, worst, worst < tol


def _misfit(current: np.ndarray, target: np.ndarray) -> float:
    """Largest |current - target| / target over the levels (and replicates) with a positive target."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.where(target > 0, np.abs(current - target) / target, 0.0).max())


def _factor(wf: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Raked over initial weights (1 where the initial weight is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w > 0, wf / w, 1.0)


def rake_factors(codes: list[np.ndarray], sizes: list[int], targets: list[np.ndarray], w: np.ndarray,
                 tol: float = 1e-10, max_iter: int = 100) -> RakeResult:
    """Raking factors g so that ``w * g`` hits every margin's targets.

    ``codes[j]`` (n,) level codes of margin j with ``sizes[j]`` levels and ``targets[j]`` (k_j,) or (k_j, R)
    totals; ``w`` (n,) or (n, R). Converged when, in one full cycle, every margin level was already within
    relative ``tol`` of its target before it was adjusted.
    """
    w2 = w[:, None] if w.ndim == 1 else w
    n, r = w2.shape
    tg = [np.broadcast_to(t[:, None] if t.ndim == 1 else t, (k, r)) for t, k in zip(targets, sizes)]
    ncells = int(np.prod([float(k) for k in sizes]))
    if ncells <= min(MAX_CELLS, max(n, 1)):
        # every combination of levels is a cell (empty ones carry zero weight): no sort needed
        cell_of_row = np.zeros(n, dtype=np.int64)
        for c, k in zip(codes, sizes):
            cell_of_row *= k
            cell_of_row += c
        cells = np.arange(ncells, dtype=np.int64)
        cw = group_totals(cell_of_row, ncells, w2)
        cell_codes = []
        rest = cells.copy()
        for k in reversed(sizes):
            rest, c = np.divmod(rest, k)
            cell_codes.append(c)
        cell_codes.reverse()
        f, it, misfit, ok = _ipf(cell_codes, list(sizes), tg, cw, tol, max_iter)
        factor = f[cell_of_row]
    else:
        factor, it, misfit, ok = _ipf(list(codes), list(sizes), tg, w2, tol, max_iter)
    return RakeResult(factor=factor if w.ndim == 2 else factor[:, 0], iterations=it, misfit=misfit,
                      converged=ok)


def poststratify_factors(codes: np.ndarray, size: int, totals: np.ndarray, w: np.ndarray,
                         labels: list[str] | None = None) -> np.ndarray:
    """Post-stratification factors: population total / weighted sample total of each row's cell."""
    w2 = w[:, None] if w.ndim == 1 else w
    r = w2.shape[1]
    cur = group_totals(codes, size, w2)
    t = totals[:, None] if totals.ndim == 1 else totals
    if ((cur <= 0) & (t > 0)).any():
        j, col = np.argwhere((cur <= 0) & (t > 0))[0]
        where = "" if r == 1 else f" in replicate {col + 1}"
        name = labels[j] if labels is not None else f"number {j + 1}"
        raise WeightingError(f"post-stratum {name} has a population total but no weight{where} (that replicate "
                             f"drops every unit of the cell); collapse it with a neighbouring cell")
    with np.errstate(divide="ignore", invalid="ignore"):
        adj = np.where(cur > 0, t / cur, 1.0)
    factor = adj[codes]
    return factor if w.ndim == 2 else factor[:, 0]


@dataclass(frozen=True, eq=False)
class PostStratStep:
    """A recorded post-stratification; residuals as R's ``svyrecvar`` computes them for ``postStratify``.

    Weighted influence values lose their cell means under the old weights: z - w_new * mean_cell(z/w_new,
    weights w_old).
    """

    variable: str
    levels: tuple
    totals: np.ndarray
    codes: np.ndarray
    w_old: np.ndarray
    w_new: np.ndarray
    spec: object = None  # the targets as the user gave them (for weight_summary)

    def residualize(self, z: np.ndarray) -> np.ndarray:
        """Post-stratification residuals of weighted influence values ``z`` (n,) or (n, k)."""
        z2 = z[:, None] if z.ndim == 1 else z
        k = len(self.levels)
        psw = np.where((self.w_new == 0) & (self.w_old == 0), 1.0, self.w_new)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(psw > 0, self.w_old / psw, 0.0)
        den = group_totals(self.codes, k, self.w_old)
        num = group_totals(self.codes, k, z2 * ratio[:, None])
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(den[:, None] > 0, num / den[:, None], 0.0)
        out = z2 - means[self.codes] * psw[:, None]
        return out[:, 0] if z.ndim == 1 else out

    def describe(self) -> str:
        """The step in plain words, for design printouts and weight summaries."""
        return f"post-stratified on {self.variable}"

"""Raking by iterative proportional fitting and post-stratification, on factorised level codes.

Raking factors are products of one factor per margin level, so every row of one joint cell (a combination
of margin levels) gets the same factor. When the joint table is small, IPF runs on the cell totals of the
initial weights (one ``np.bincount`` over the rows) and the rows are touched once more at the end; otherwise
it runs on the rows. Either way the weights equal R's ``rake()`` at convergence (and ``calibrate(calfun =
"raking")``, which solves the same equations).

The variances differ. R's ``rake()`` records its last cycle of post-stratifications, and ``svyrecvar`` takes
the influence values through ten sweeps over the margins, each removing the plain (unweighted) level means of
x / w and putting them back times w (:class:`RakeStep`); ``calibrate(calfun = "raking")`` records the regression
on the margins instead (GREG residuals, :class:`.calibrate.CalibrationStep`). The two agree when the weights
are constant within cells (apiclus1); otherwise they differ by up to ~1% of an SE.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from careersurvey.estimation.weighting.calibrate import CalibrationStep
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.linear import LinearForm, cell_means, indicator
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

    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The weights the cell means are taken back with, z's factor before summing, the cells' old totals."""
        psw = np.where((self.w_new == 0) & (self.w_old == 0), 1.0, self.w_new)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(psw > 0, self.w_old / psw, 0.0)
        return psw, ratio, group_totals(self.codes, len(self.levels), self.w_old)

    def linear_form(self) -> LinearForm:
        """:meth:`residualize` as z - (cell indicator psw) (cell sums of z w_old / psw over the cell's w_old)."""
        psw, ratio, den = self._parts()
        return LinearForm(reader=indicator(self.codes, ratio, len(den)), writer=indicator(self.codes, psw, len(den)),
                          solve=cell_means(den))

    def residualize(self, z: np.ndarray) -> np.ndarray:
        """Post-stratification residuals of weighted influence values ``z`` (n,) or (n, k)."""
        z2 = z[:, None] if z.ndim == 1 else z
        k = len(self.levels)
        psw, ratio, den = self._parts()
        num = group_totals(self.codes, k, z2 * ratio[:, None])
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(den[:, None] > 0, num / den[:, None], 0.0)
        out = z2 - means[self.codes] * psw[:, None]
        return out[:, 0] if z.ndim == 1 else out

    def describe(self) -> str:
        """The step in plain words, for design printouts and weight summaries."""
        return f"post-stratified on {self.variable}"


#: Sweeps over the margins in R's ``svyrecvar`` for a raking record (``for (iterations in 1:10)``).
RAKE_SWEEPS = 10


def rake_shift(levels, sizes, counts: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """R's ``rake()`` residuals on joint cells: the constant (cells, k) that ten sweeps of level-mean removal
    (margin by margin, means unweighted over rows) subtract from z / w in each cell, from the cells' sums of z / w
    (cells, k), their level of each margin ``levels[j]`` (cells,) and their rows ``counts`` (cells,)."""
    sums = np.array(sums, dtype=float)
    shift = np.zeros(sums.shape)
    for _ in range(RAKE_SWEEPS):
        for lv, k in zip(levels, sizes):
            n_level = np.bincount(lv, weights=counts, minlength=k)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.where(n_level[:, None] > 0, group_totals(lv, k, sums) / n_level[:, None], 0.0)
            sums -= counts[:, None] * mean[lv]
            shift += mean[lv]
    return shift


@dataclass(frozen=True, eq=False)
class RakeStep(CalibrationStep):
    """A recorded ``rake()``: the raking calibration's record (weights, targets, settings, scope) with the
    variance of R's ``rake()`` rather than GREG residuals.

    ``margin_codes[j]`` (n,) are the level codes of margin j, ``margin_sizes[j]`` its number of levels; rows
    outside the step's scope carry code ``margin_sizes[j]`` and are left as they are. R keeps, per margin, the
    weights right after that margin's post-stratification in its last cycle; at convergence these equal the
    final weights w0 * g (to the raking tolerance, 1e-10 relative by default), which are used for every margin.
    """

    margin_codes: tuple = ()
    margin_sizes: tuple = ()

    @cached_property
    def _cells(self) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
        """Each row's joint cell (a combination of margin levels, numbered among the cells that occur; one
        more cell, left unchanged, for rows of zero weight or outside the scope), each cell's level per margin,
        rows per cell, the weights and their inverses (0 where the weight is 0)."""
        w = self.w0 * self.g
        live = w > 0
        for codes, k in zip(self.margin_codes, self.margin_sizes):
            live &= codes < k
        joint = np.zeros(int(live.sum()), dtype=np.int64)
        for codes, k in zip(self.margin_codes, self.margin_sizes):
            joint = pd.factorize(joint * k + codes[live])[0].astype(np.int64)  # stays below the rows: no overflow
        n_cells = int(joint.max(initial=-1)) + 1
        levels = []
        for codes in self.margin_codes:
            lv = np.zeros(n_cells, dtype=np.int64)
            lv[joint] = codes[live]
            levels.append(lv)
        cell = np.full(len(w), n_cells, dtype=np.int64)
        cell[live] = joint
        inv = np.zeros(len(w))
        np.divide(1.0, w, out=inv, where=live)
        return cell, levels, np.bincount(joint, minlength=n_cells).astype(float), w, inv

    def residualize(self, z: np.ndarray) -> np.ndarray:
        """R's ``svyrecvar`` for a raking record: ten times, for each margin, z <- z - w * mean_level(z / w),
        the mean unweighted over the rows of the level (R's ``ave``). Rows of zero weight take no part.

        With u = z / w each step is u <- u - mean_level(u): it subtracts a constant per margin level, so the
        ten sweeps subtract from u a constant per joint cell, found from the cell sums of u alone. The sweeps
        run on the cells (few); the rows are read twice (cell sums, then z - w * shift), one column at a time.
        """
        z2 = z[:, None] if z.ndim == 1 else z
        cell, levels, counts, w, inv = self._cells
        n_cells = len(counts)
        sums = np.column_stack([np.bincount(cell, weights=col * inv, minlength=n_cells + 1)[:n_cells]
                                for col in z2.T])  # over the k columns, not over rows
        shift = np.zeros((n_cells + 1, sums.shape[1]))  # the last row: cells left as they are
        shift[:n_cells] = self._shift(sums)
        out = np.empty(z2.shape, order="F")
        for j in range(z2.shape[1]):
            np.subtract(z2[:, j], w * shift[cell, j], out=out[:, j])
        return out[:, 0] if z.ndim == 1 else out

    def _shift(self, sums: np.ndarray) -> np.ndarray:
        """The constant (cells, k) the ten sweeps subtract from z / w in each joint cell, from the cell sums of
        z / w (cells, k)."""
        _, levels, counts, _, _ = self._cells
        return rake_shift(levels, self.margin_sizes, counts, sums)

    def linear_form(self) -> LinearForm:
        """:meth:`residualize` as z - (cell indicator w) shift(cell sums of z / w): no mask, no extra variance."""
        cell, _, counts, w, inv = self._cells
        return LinearForm(reader=indicator(cell, inv, len(counts)), writer=indicator(cell, w, len(counts)),
                          solve=self._shift)

    def extra_variance(self, z: np.ndarray) -> np.ndarray:
        """None: rake() takes known margins only."""
        k = 1 if z.ndim == 1 else z.shape[1]
        return np.zeros((k, k))

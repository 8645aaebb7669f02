"""Tests of independence in a two-way table under the design, as R's ``svychisq``, every statistic.

The Pearson X² of the weighted table (scaled to the number of rows) is divided by the mean generalised
design effect: ``statistic="F"`` is the second-order correction (F on d0 and d0·df degrees of freedom, d0
from the eigenvalues of the design-effect matrix Δ), ``"Chisq"`` the first-order one (X²/mean(δ) against
χ² on (r-1)(c-1) df). ``"lincom"`` and ``"saddlepoint"`` refer X² itself to its asymptotic distribution, a
sum of the eigenvalues of Δ times χ²₁ over an independent χ² on d0·df degrees of freedom: exactly
(numerical inversion, R's "integration") or by R's saddlepoint approximation
(:mod:`careersurvey.estimation.quadform`). ``"Wald"`` and ``"adjWald"`` test the interaction cells of the
estimated population totals directly (Koch et al.; the adjusted one on df - ndf + 1 denominator df). The
covariances come from the design's one variance engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.estimation.codes import refuse_missing_codes
from careersurvey.estimation.estimators import EstimateError, Variables, estimate, mean_estimate, require_columns
from careersurvey.estimation.quadform import pfsum_exact, pfsum_saddlepoint
from careersurvey.estimation.variance import WeightedDeviations, one_blas_thread

STATISTICS = ("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint")


@dataclass(frozen=True)
class ChisqResult:
    """Outcome of a design-based test of independence (R's ``htest`` from ``svychisq``).

    ``statistic`` is the F statistic (``"F"``) or Pearson's X² (``"Chisq"``, as R reports it; the
    first-order corrected value is ``adjusted``); ``ddf`` is infinite for the chi-square variant.
    """

    statistic: float
    ndf: float
    ddf: float
    p_value: float
    method: str
    pearson: float
    adjusted: float
    design_effects: tuple[float, ...]
    table: pd.DataFrame

    def __str__(self) -> str:
        """As R prints the htest: method, the variables, the statistic with its df, the p-value."""
        if np.isnan(self.ndf):  # lincom, saddlepoint: X² against a sum of chi-squares
            head = f"X-squared = {self.statistic:.4f}"
        elif np.isfinite(self.ddf):
            head = f"F = {self.statistic:.4f}, ndf = {self.ndf:.4f}, ddf = {self.ddf:.4f}"
        else:
            head = (f"X-squared = {self.statistic:.4f}, df = {self.ndf:g} (first-order corrected "
                    f"{self.adjusted:.4f})")
        data = f"{self.table.index.name} by {self.table.columns.name}"
        return f"{self.method}\n\ndata:  {data}\n{head}, p-value = {self.p_value:.4g}"

    __repr__ = __str__


def _codes(col: pd.Series, active: np.ndarray) -> tuple[np.ndarray, list]:
    """Integer codes over the levels present (sorted, as R's ``factor``); -1 for missing."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col[active].dropna().unique())
        levels = [c for c in col.cat.categories if c in present]
    else:
        levels = sorted(col[active].dropna().unique(), key=lambda v: (str(type(v)), v))
    # -1 for missing values and for levels seen only outside the domain (never a Categorical of unknown values)
    return pd.Index(levels).get_indexer(col.to_numpy(dtype=object)).astype(np.int64), levels


def check_statistic(statistic: str) -> None:
    """The statistic must be one of R's svychisq statistics."""
    if statistic not in STATISTICS:
        raise EstimateError(f"statistic={statistic!r}: use 'F' (second-order Rao-Scott), 'Chisq' (first-order), "
                            "'Wald', 'adjWald', 'lincom' or 'saddlepoint' (as R's svychisq)")


def require_two_way(row: str, col: str, nr: int, nc: int) -> None:
    """A test of independence needs at least two observed levels of each variable."""
    if nr < 2 or nc < 2:
        raise EstimateError(f"chisq(): {row!r} and {col!r} need at least two observed levels each "
                            f"(have {nr} and {nc} among the rows of the design); a test of independence needs a "
                            "two-way table.")


@one_blas_thread
def svychisq(design, row: str, col: str, statistic: str = "F") -> ChisqResult:
    """Rao-Scott test of independence of ``row`` and ``col`` (rows with either missing are left out)."""
    check_statistic(statistic)
    data = design.data
    require_columns(data, (row, col), "chisq() variable")
    refuse_missing_codes(design, (row, col), "chisq() variable")
    active = design.active
    act = np.ones(len(data), dtype=bool) if active is None else active
    rcode, rlev = _codes(data[row], act)
    ccode, clev = _codes(data[col], act)
    nr, nc = len(rlev), len(clev)
    require_two_way(row, col, nr, nc)
    ok = (rcode >= 0) & (ccode >= 0)
    # R: svymean(mm, design, na.rm=TRUE) on interaction(row, col) indicators, row level varying fastest
    cell = np.where(ok, rcode + nr * ccode, -1)
    d = design.subset(ok) if not ok.all() else design
    w = d.w
    cells = Variables(tuple((cell == j).astype(float) for j in range(nr * nc)),
                      tuple(map(str, range(nr * nc))), ~ok)
    mean2, V = mean_estimate(d, cells)
    counts = np.bincount(cell[ok], weights=w[ok], minlength=nr * nc).reshape(nc, nr).T
    return chisq_test(statistic, mean2, V, counts, int(act.sum()), _nu(design),
                      pd.Index(rlev, name=row), pd.Index(clev, name=col), design.replicates is not None,
                      lambda: _wald_totals(d, rcode, ccode, ok, nr, nc))


def chisq_test(statistic: str, mean2: np.ndarray, V: np.ndarray, counts: np.ndarray, N: int, nu: float,
               rows: pd.Index, cols: pd.Index, replicate: bool, wald_totals) -> ChisqResult:
    """The test from aggregates: the cell shares ``mean2`` (row level varying fastest) and their covariance
    ``V``, the weighted cell counts (nr, nc), the rows held ``N``, the design df ``nu``, the levels (indexes
    named by the variables); ``wald_totals()`` gives the totals of the cells, row and column margins and N
    with their covariance (Wald statistics only)."""
    nr, nc = len(rows), len(cols)
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    R = (grid_r[:, None] == np.arange(1, nr)[None, :]).astype(float)
    C = (grid_c[:, None] == np.arange(1, nc)[None, :]).astype(float)
    X1 = np.hstack([np.ones((nr * nc, 1)), R, C])
    inter = (R[:, :, None] * C[:, None, :]).reshape(nr * nc, -1)
    Cmat = inter - X1 @ np.linalg.lstsq(X1, inter, rcond=None)[0]
    with np.errstate(divide="ignore"):
        inv = np.where(mean2 == 0, 0.0, 1.0 / mean2)
    iD = np.diag(inv)
    denom = Cmat.T @ (iD / N) @ Cmat
    numr = Cmat.T @ iD @ V @ iD @ Cmat
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    d0 = tr**2 / float(np.trace(delta @ delta))

    table = counts * N / counts.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.sum((table - expected) ** 2 / expected))
    eig = tuple(float(x) for x in np.sort(np.linalg.eigvals(delta).real)[::-1])
    frame = pd.DataFrame(table, index=rows, columns=cols)
    if statistic in ("Wald", "adjWald"):
        stat, ndf, ddf = wald_test(*wald_totals(), nr, nc, nu, statistic == "adjWald")
        return ChisqResult(stat, ndf, ddf, float(stats.f.sf(stat, ndf, ddf)),
                           "Design-based Wald test of association" + (" (adjusted)" if statistic == "adjWald" else ""),
                           pearson, stat, eig, frame)
    if statistic in ("lincom", "saddlepoint"):
        lam = np.linalg.eigvals(delta).real
        exact = statistic == "lincom"
        ddf = float("inf") if replicate else d0 * nu  # R: pchisqsum on replicate designs
        p = (pfsum_exact if exact else pfsum_saddlepoint)(pearson, lam, ddf)
        method = ("Pearson's X^2: asymptotic exact distribution" if exact
                  else "Pearson's X^2: saddlepoint approximation")
        return ChisqResult(pearson, float("nan"), ddf, p, method, pearson, pearson, eig, frame)
    if statistic == "F":
        f = pearson / tr
        return ChisqResult(f, d0, d0 * nu, float(stats.f.sf(f, d0, d0 * nu)),
                           "Pearson's X^2: Rao & Scott adjustment (second-order, F)", pearson, f, eig, frame)
    k = delta.shape[1]
    adjusted = pearson / (tr / k)
    return ChisqResult(pearson, float(k), float("inf"), float(stats.chi2.sf(adjusted, k)),
                       "Pearson's X^2: Rao & Scott adjustment (first-order)", pearson, adjusted, eig, frame)


def _wald_totals(d, rcode, ccode, ok, nr: int, nc: int) -> tuple[np.ndarray, np.ndarray]:
    """The estimated totals of cells, row and column margins and N, with one covariance from the design."""
    cell = np.where(ok, rcode + nr * ccode, -1)
    cols = ([(cell == j).astype(float) for j in range(nr * nc)] + [((rcode == i) & ok).astype(float) for i in range(nr)]
            + [((ccode == j) & ok).astype(float) for j in range(nc)] + [ok.astype(float)])
    V = Variables(tuple(cols), tuple(map(str, range(len(cols)))), ~ok)
    return estimate(d, V.tdot, lambda w, theta: WeightedDeviations(V.columns, np.zeros(len(theta)), w))


def wald_test(cells: np.ndarray, cov: np.ndarray, nr: int, nc: int, nu: float,
              adjusted: bool) -> tuple[float, float, float]:
    """R's Wald test from the totals of the cells, row and column margins and N (``cells``, with their
    covariance): the cells' departures from independence (cell - row·col/N) by the delta method, and the Wald
    statistic of those in rows 2.. and columns 2.. (F on (r-1)(c-1) and df, or the adjusted form)."""
    k = nr * nc
    rows, colsum, total = cells[k:k + nr], cells[k + nr:k + nr + nc], cells[-1]
    grid_r, grid_c = np.tile(np.arange(nr), nc), np.repeat(np.arange(nc), nr)
    jac = np.hstack([np.eye(k),
                     -(grid_r[:, None] == np.arange(nr)[None, :]).astype(float) * (colsum[grid_c] / total)[:, None],
                     -(grid_c[:, None] == np.arange(nc)[None, :]).astype(float) * (rows[grid_r] / total)[:, None],
                     (rows[grid_r] * colsum[grid_c] / total**2)[:, None]])
    y = cells[:k] - rows[grid_r] * colsum[grid_c] / total
    vy = jac @ cov @ jac.T
    use = (grid_r > 0) & (grid_c > 0)
    stat = float(y[use] @ np.linalg.solve(vy[np.ix_(use, use)], y[use]))
    ndf = float((nr - 1) * (nc - 1))
    if adjusted:
        ddf = nu - ndf + 1
        return stat * ddf / (ndf * nu), ndf, ddf
    return stat / ndf, ndf, float(nu)


def _nu(design) -> int:
    """R's svychisq df: distinct PSUs minus distinct strata over the rows the design holds (on a replicate
    design, R's degf: the rank of the replicate weights minus one)."""
    if design.replicates is not None:
        return design.design_df
    stage = design.stages[0]
    active = design.active
    rows = slice(None) if active is None else active
    units = np.unique(stage.unit[rows])
    return int(len(units) - len(np.unique(stage.unit_stratum[units])))

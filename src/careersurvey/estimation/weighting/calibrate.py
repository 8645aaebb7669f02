"""Generalised-regression calibration: g-weights for the linear, raking and logit distances, with bounds.

The solver is R survey's ``grake()`` (Deville and Saerndal's Newton method on the Lagrange multipliers),
written for a whole matrix of starting weights at once, so the main weights and every replicate column
are calibrated in one vectorised run. Bounds are on g = final / initial weight and are enforced by the
distance itself (clipped linear and raking distances, the logit distance lives inside them), never merely
checked. The recorded :class:`CalibrationStep` gives the design the residuals that R's ``svyrecvar``
uses for variances after calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import scipy.linalg

from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.linear import LinearForm

Method = Literal["linear", "raking", "logit"]
METHODS: tuple[str, ...] = ("linear", "raking", "logit")
_PINV_RTOL = 256 * np.finfo(float).eps  # MASS::ginv's tolerance, as grake() uses it


@dataclass(frozen=True)
class Bounds:
    """Lower and upper limit of g = calibrated weight / initial weight (R's ``bounds``)."""

    lower: float = -np.inf
    upper: float = np.inf

    @classmethod
    def of(cls, bounds: "Bounds | tuple[float, float] | None", method: str) -> "Bounds":
        """Validate user bounds for a method; None means unbounded (not allowed for logit)."""
        if bounds is None:
            b = cls()
        elif isinstance(bounds, Bounds):
            b = bounds
        else:
            try:
                lo, hi = (float(x) for x in bounds)
            except (TypeError, ValueError):
                raise WeightingError(f"bounds must be a pair (lower, upper), got {bounds!r}") from None
            b = cls(lo, hi)
        if np.isnan(b.lower) or np.isnan(b.upper) or not b.lower < b.upper:
            raise WeightingError(f"bounds ({b.lower}, {b.upper}): lower must be below upper")
        if not b.lower <= 1.0 <= b.upper:
            raise WeightingError(
                f"bounds ({b.lower}, {b.upper}) exclude g = 1 (leaving a weight unchanged); bounds are ratios "
                f"of calibrated to initial weights, so they must satisfy lower <= 1 <= upper, e.g. (0.5, 2)"
            )
        if method == "logit":
            if not (np.isfinite(b.lower) and np.isfinite(b.upper)):
                raise WeightingError("logit calibration needs finite bounds, e.g. bounds=(0.5, 2.0)")
            if not b.lower < 1.0 < b.upper:
                raise WeightingError(f"logit calibration needs lower < 1 < upper, got ({b.lower}, {b.upper})")
        return b

    @property
    def finite(self) -> bool:
        """Whether either bound is finite (unbounded calibration skips the feasibility check)."""
        return bool(np.isfinite(self.lower) or np.isfinite(self.upper))


class ArrayOps:
    """The few operations the distances need, on numpy arrays; the engine path passes its own (on expressions
    of its rows), so the distance formulas below are written once."""

    exp = staticmethod(np.exp)
    clip = staticmethod(np.clip)
    where = staticmethod(np.where)

    @staticmethod
    def between(u, lo: float, hi: float):
        """lo < u < hi, as floats."""
        return ((u < hi) & (u > lo)).astype(float)


def _fm1(method: str, u, b: Bounds, ops=ArrayOps):
    """F(u) - 1: the g-weight minus one for multiplier-scores u (R's calfun$Fm1)."""
    if method == "linear":
        return ops.clip(u + 1.0, b.lower, b.upper) - 1.0
    if method == "raking":
        with np.errstate(over="ignore"):
            return ops.clip(ops.exp(u), b.lower, b.upper) - 1.0
    lo, hi = b.lower, b.upper
    a = (hi - lo) / ((hi - 1.0) * (1.0 - lo))
    with np.errstate(over="ignore", invalid="ignore"):
        e = ops.exp(a * u)
        return (lo * (hi - 1.0) + hi * (1.0 - lo) * e) / (hi - 1.0 + (1.0 - lo) * e) - 1.0


def _df(method: str, u, b: Bounds, ops=ArrayOps):
    """dF/du (R's calfun$dF); zero where a bound is active."""
    inside = ops.between(u, b.lower - 1.0, b.upper - 1.0)
    if method == "linear":
        return inside
    if method == "raking":
        with np.errstate(over="ignore"):
            return ops.where(inside > 0, ops.exp(u), 0.0)
    lo, hi = b.lower, b.upper
    a = (hi - lo) / ((hi - 1.0) * (1.0 - lo))
    with np.errstate(over="ignore", invalid="ignore"):
        e = ops.exp(a * u)
        den = hi - 1.0 + (1.0 - lo) * e
        return hi * (1.0 - lo) * e * a / den - (lo * (hi - 1.0) + hi * (1.0 - lo) * e) * ((1.0 - lo) * e * a) / den**2


def newton_step(tmat: np.ndarray, miss: np.ndarray) -> np.ndarray:
    """The step of the Lagrange multipliers: pinv(tmat) (R, p, p) @ miss (p, R), MASS::ginv's tolerance."""
    return np.einsum("rpq,qr->pr", np.linalg.pinv(tmat, rcond=_PINV_RTOL, hermitian=True), miss)


def relative_misfit(targets: np.ndarray, achieved: np.ndarray) -> np.ndarray:
    """|target - achieved| / (1 + |target|) (R's criterion), inf where not finite."""
    rel = np.abs(targets - achieved) / (1.0 + np.abs(targets))
    return np.where(np.isfinite(rel), rel, np.inf)


def gram_basis(gram: np.ndarray) -> tuple[np.ndarray, int]:
    """The pivots and rank of :attr:`CalibrationStep._basis`'s QR from the Gram matrix X' W X alone (a square
    root of the Gram has the same pivoted R, up to signs): for callers that hold only sums (the engine path)."""
    lam, vec = np.linalg.eigh(gram)
    _, rr, piv = scipy.linalg.qr(np.sqrt(np.clip(lam, 0.0, None))[:, None] * vec.T, mode="economic", pivoting=True)
    d = np.abs(np.diag(rr))
    return piv, int((d > 1e-7 * d.max()).sum()) if d.size else 0  # R's qr() tolerance, as _basis


def gram_coefficients(gram: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """B (p, k) of :meth:`CalibrationStep.coefficients` from the Gram X' W X and the sums X' (z / wcal) (p, k):
    the regression on the basis columns (0 for redundant ones), solved on the equilibrated Gram."""
    piv, rank = gram_basis(gram)
    keep = piv[:rank]
    sub = gram[np.ix_(keep, keep)]
    d = 1.0 / np.sqrt(np.diag(sub))
    b = np.zeros((gram.shape[0], sums.shape[1]))
    b[keep] = d[:, None] * scipy.linalg.solve(sub * d[:, None] * d[None, :], sums[keep] * d[:, None],
                                              assume_a="pos")
    return b


@dataclass(frozen=True)
class GResult:
    """g-weights (n, R) and how the solver got there, per column."""

    g: np.ndarray
    iterations: np.ndarray
    misfit: np.ndarray  # (R,) largest |target - achieved| / (1 + |target|) at the end
    converged: np.ndarray


def solve_g(x: np.ndarray, w: np.ndarray, targets: np.ndarray, method: str = "linear",
            bounds: Bounds = Bounds(), tol: float = 1e-7, max_iter: int = 50,
            sigma2: np.ndarray | None = None) -> GResult:
    """Newton iterations for g so that ``x.T @ (w * g) == targets`` for each column of ``w``.

    ``sigma2`` (n,): heteroscedastic calibration (R's ``variance=``), g = 1 + F(x eta / sigma2).

    ``x`` (n, p) model matrix, ``w`` (n,) or (n, R) initial weights, ``targets`` (p,) or (p, R). Converged
    when every |misfit| / (1 + |target|) < tol (R's criterion); step halving when g or its derivative is not
    finite; pseudo-inverse of the Newton matrix so redundant columns do no harm. No rescaling (R rescales
    weights when targets exceed 20 times the sample totals, which changes what bounds mean; we do not).
    """
    w2 = w[:, None] if w.ndim == 1 else w
    n, r = w2.shape
    inv = np.ones((n, 1)) if sigma2 is None else (1.0 / np.asarray(sigma2, dtype=float))[:, None]
    t = np.broadcast_to(targets[:, None] if targets.ndim == 1 else targets, (x.shape[1], r))
    eta = np.zeros((x.shape[1], r))
    u = np.zeros((n, r))
    g = 1.0 + _fm1(method, u, bounds)
    deriv = _df(method, u, bounds)
    iterations = np.zeros(r, dtype=int)
    active = np.ones(r, dtype=bool)
    misfit = np.full(r, np.inf)
    sample_total = x.T @ w2
    it = 1
    while True:
        cols = np.flatnonzero(active)
        wa = w2[:, cols]
        tmat = np.einsum("np,nr,nq->rpq", x, wa * deriv[:, cols] * inv, x, optimize=True)
        miss = t[:, cols] - sample_total[:, cols] - x.T @ (wa * (g[:, cols] - 1.0))
        step = newton_step(tmat, miss)
        eta[:, cols] += step
        u[:, cols] = (x @ eta[:, cols]) * inv
        g[:, cols] = 1.0 + _fm1(method, u[:, cols], bounds)
        deriv[:, cols] = _df(method, u[:, cols], bounds)
        bad = ~(np.isfinite(g[:, cols]).all(axis=0) & np.isfinite(deriv[:, cols]).all(axis=0))
        while bad.any() and it < max_iter:  # step halving for the columns that overflowed
            it += 1
            bc = cols[bad]
            step[:, bad] /= 2.0
            eta[:, bc] -= step[:, bad]
            u[:, bc] = (x @ eta[:, bc]) * inv
            g[:, bc] = 1.0 + _fm1(method, u[:, bc], bounds)
            deriv[:, bc] = _df(method, u[:, bc], bounds)
            bad = ~(np.isfinite(g[:, cols]).all(axis=0) & np.isfinite(deriv[:, cols]).all(axis=0))
        achieved = x.T @ (wa * g[:, cols])
        rel = relative_misfit(t[:, cols], achieved)
        misfit[cols] = rel.max(axis=0)
        iterations[cols] = it
        done = (rel < tol).all(axis=0)
        active[cols[done]] = False
        it += 1
        if not active.any() or it > max_iter:
            break
    return GResult(g=g if w.ndim == 2 else g[:, 0], iterations=iterations, misfit=misfit,
                   converged=~active)


def check_bounds_feasible(x: np.ndarray, w: np.ndarray, targets: np.ndarray, names: list[str],
                          bounds: Bounds) -> None:
    """Fail early when a target of a non-negative column lies outside what bounded g can reach."""
    if not bounds.finite:
        return
    check_bounds_reachable((x >= 0).all(axis=0), x.T @ w, targets, names, bounds)


def check_bounds_reachable(nonneg: np.ndarray, base: np.ndarray, targets: np.ndarray, names: list[str],
                           bounds: Bounds) -> None:
    """:func:`check_bounds_feasible` from its aggregates: which columns are non-negative, their weighted totals."""
    if not bounds.finite:
        return
    lo, hi = base * max(bounds.lower, 0.0), base * bounds.upper
    for j in np.flatnonzero(nonneg & ((targets < lo * (1 - 1e-12)) | (targets > hi * (1 + 1e-12)))):
        need = targets[j] / base[j] if base[j] > 0 else np.inf
        raise WeightingError(
            f"bounds ({bounds.lower:g}, {bounds.upper:g}) cannot be met: {names[j]} has target "
            f"{targets[j]:,.6g} but initial weighted total {base[j]:,.6g}, so even moving every weight of "
            f"that group to a bound reaches only [{lo[j]:,.6g}, {hi[j]:,.6g}] (it needs g around "
            f"{need:.3g}). Widen the bounds or collapse levels"
        )


def not_converged(result: GResult, x: np.ndarray, w: np.ndarray, targets: np.ndarray, names: list[str],
                  method: str, bounds: Bounds, max_iter: int, what: str = "calibration") -> WeightingError:
    """The error for a calibration that did not converge, naming the worst margin."""
    col = int(np.argmax(np.where(result.converged, -np.inf, result.misfit)))
    g = result.g if result.g.ndim == 1 else result.g[:, col]
    ww = w if w.ndim == 1 else w[:, col]
    tt = targets if targets.ndim == 1 else targets[:, col]
    achieved = x.T @ (ww * g)
    rel = np.abs(tt - achieved) / (1 + np.abs(tt))
    j = int(np.nanargmax(np.where(np.isfinite(rel), rel, np.inf)))
    where = "" if result.g.ndim == 1 else f" (replicate {col + 1})"
    hint = ("the bounds may be too tight: widen them or collapse small levels" if bounds.finite
            else "targets may be far from the sample or collinear: check them, or raise max_iter")
    return WeightingError(
        f"{method} {what}{where} did not converge after {int(result.iterations[col])} iterations "
        f"(max_iter={max_iter}): {names[j]} reached {achieved[j]:,.8g} against target {tt[j]:,.8g} "
        f"(relative misfit {result.misfit[col]:.3g}); {hint}"
    )


def unit_means(values: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Each row's value replaced by the mean over its unit's rows (R's ``ave``), (n,) or (n, p)."""
    count = np.bincount(unit)
    if values.ndim == 1:
        return (np.bincount(unit, weights=values) / count)[unit]
    return np.column_stack([(np.bincount(unit, weights=values[:, j]) / count)[unit] for j in range(values.shape[1])])


def trim_limits(limits) -> tuple[float, float]:
    """``calibrate(trim=)``'s (lower, upper) limits on g, checked."""
    try:
        lo, hi = (float(v) for v in limits)
    except (TypeError, ValueError):
        raise WeightingError(f"trim must be a pair (lower, upper) of limits on g, got {limits!r}") from None
    if not lo <= 1.0 <= hi:
        raise WeightingError(f"trim ({lo:g}, {hi:g}) must hold g = 1 (lower <= 1 <= upper): limits on the ratio "
                             "of calibrated to initial weights")
    return lo, hi


def trim_g(g: np.ndarray, w: np.ndarray, limits: tuple[float, float]) -> tuple[np.ndarray, int]:
    """R's ``calibrate(trim=)``: g clipped to ``limits``, what was cut ((g - clipped) w) shared out as one
    amount of g over the rows inside, in proportion to their weights; (g, number trimmed). (n,) or (n, R)."""
    lo, hi = trim_limits(limits)
    g2 = g[:, None] if g.ndim == 1 else g
    w2 = w[:, None] if w.ndim == 1 else w
    new = np.clip(g2, lo, hi)
    outside = (g2 < lo) | (g2 > hi)
    cut = ((g2 - new) * w2).sum(axis=0)
    room = np.where(outside, 0.0, w2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        new = np.where(outside, new, new + np.where(outside.any(axis=0), cut / room, 0.0))
    return (new[:, 0] if g.ndim == 1 else new), int(outside.sum())


@dataclass(frozen=True, eq=False)
class CalibrationStep:
    """A recorded calibration: what the design needs to compute variances from calibration residuals.

    ``residualize`` is R's ``qr.resid(qr(X * sqrt(w0)), z / (g * sqrt(w0))) * g * sqrt(w0)``: weighted
    influence values become residuals of the w0-weighted regression on the calibration model matrix.
    ``target_var`` holds the variances of estimated targets (one per model column, 0 for known ones), and
    ``extra_variance(z)`` their contribution B' V_T B to a linearised variance, B the coefficients of that
    same regression (see :mod:`.estimated`).
    """

    method: str
    names: tuple[str, ...]
    targets: np.ndarray
    w0: np.ndarray  # weights before this step (n,)
    g: np.ndarray  # g-weights (n,)
    bounds: Bounds = field(default_factory=Bounds)
    iterations: int = 0
    _matrix: object = None  # callable returning X, so big designs build X only when a variance is asked
    spec: object = None  # the targets as the user gave them, read-only (for weight_summary)
    settings: object = None  # how the step was asked for (rake or calibrate, tol, max_iter), read-only: to replay
    scope: np.ndarray | None = None  # rows the targets describe (None: all); the others kept their weights
    target_var: np.ndarray | None = None  # (p,) variances of estimated targets; None: all targets known
    basis_w: np.ndarray | None = None  # the weights of the residual regression when not w0 (aggregate_stage)
    sigma2: np.ndarray | None = None  # the variance function of a heteroscedastic linear calibration

    @cached_property
    def _basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Q and R of the pivoted QR of X * sqrt(w0) up to its rank, the pivots, and g * sqrt(w0)."""
        x = self._matrix() if callable(self._matrix) else np.asarray(self._matrix)
        half = np.sqrt(self.w0 if self.basis_w is None else self.basis_w)
        # R's regcalibrate: qr(X sqrt(w) / sqrt(sigma2)), residuals scaled by g sqrt(w) sqrt(sigma2)
        s = np.ones(len(half)) if self.sigma2 is None else np.sqrt(self.sigma2)
        q, rr, piv = scipy.linalg.qr(x * (half / s)[:, None], mode="economic", pivoting=True)
        d = np.abs(np.diag(rr))
        rank = int((d > 1e-7 * d.max()).sum()) if d.size else 0  # R's qr() tolerance
        return q[:, :rank], rr[:rank, :rank], piv[:rank], self.g * half * s

    def _scaled(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z / (g sqrt(w0)) as (n, k), zero where that weight is zero, and g sqrt(w0)."""
        wcal = self._basis[3]
        z2 = z[:, None] if z.ndim == 1 else z
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(wcal[:, None] > 0, z2 / wcal[:, None], 0.0), wcal

    def residualize(self, z: np.ndarray) -> np.ndarray:
        """Calibration residuals of weighted influence values ``z`` (n,) or (n, k), same shape back."""
        q = self._basis[0]
        y, wcal = self._scaled(z)
        out = (y - q @ (q.T @ y)) * wcal[:, None]
        return out[:, 0] if z.ndim == 1 else out

    def coefficients(self, z: np.ndarray) -> np.ndarray:
        """B (p, k): the w0-weighted regression of z / (g w0) on the model matrix (0 for redundant columns)."""
        q, r, piv, _ = self._basis
        y, _ = self._scaled(z)
        b = np.zeros((len(self.names), y.shape[1]))
        b[piv] = scipy.linalg.solve_triangular(r, q.T @ y)
        return b

    def extra_variance(self, z: np.ndarray) -> np.ndarray:
        """B' V_T B (k, k): the variance estimated targets add to the totals of ``z`` (0 for known targets)."""
        k = 1 if z.ndim == 1 else z.shape[1]
        if self.target_var is None or not np.any(self.target_var):
            return np.zeros((k, k))
        b = self.coefficients(z)
        return b.T @ (self.target_var[:, None] * b)

    def linear_form(self) -> LinearForm:
        """:meth:`residualize` as z * (g sqrt(w0) > 0) - (Q g sqrt(w0)) (Q' z / (g sqrt(w0))): the reader
        Q / (g sqrt(w0)), the writer Q g sqrt(w0); ``extra`` gives B' V_T B from Q' z / (g sqrt(w0))."""
        q, r, piv, wcal = self._basis
        live = wcal > 0
        inv = np.zeros(len(wcal))
        np.divide(1.0, wcal, out=inv, where=live)

        def extra(qy: np.ndarray) -> np.ndarray:
            b = np.zeros((len(self.names), qy.shape[1]))
            b[piv] = scipy.linalg.solve_triangular(r, qy)
            return b.T @ (self.target_var[:, None] * b)

        estimated = self.target_var is not None and np.any(self.target_var)
        return LinearForm(reader=q * inv[:, None], writer=q * wcal[:, None], solve=lambda sums: sums, mask=live,
                          extra=extra if estimated else None)

    def describe(self) -> str:
        """The step in plain words, for design printouts and weight summaries: ``raked on sector, sex (4
        iterations)``, ``calibrated on sector, the total of income (logit distance, g within [0.3, 3])``."""
        from careersurvey.estimation.weighting.margins import plural, targets_in_words

        settings = self.settings or {}
        what = targets_in_words(self.spec) if self.spec else ", ".join(self.names)
        if settings.get("rake"):
            text = f"raked on {what} ({plural(self.iterations, 'iteration')})"
        else:
            how = [f"{self.method} distance"]
            if np.isfinite(self.bounds.lower) or np.isfinite(self.bounds.upper):
                how.append(f"g within [{self.bounds.lower:g}, {self.bounds.upper:g}]")
            if self.method != "linear" or self.iterations > 1:
                how.append(plural(self.iterations, "iteration"))
            if settings.get("aggregate_stage"):
                how.append(f"g the same within each stage-{settings['aggregate_stage']} unit")
            if settings.get("variance") is not None:
                v = settings["variance"]
                how.append(f"variance proportional to {v}" if isinstance(v, str) else "heteroscedastic")
            if settings.get("trim") is not None:
                lo, hi = settings["trim"]
                how.append(f"g trimmed to [{lo:g}, {hi:g}]")
            text = f"calibrated on {what} ({', '.join(how)})"
        if self.target_var is not None and np.any(self.target_var):
            text += "; some targets are estimates, whose variance is added to every variance"
        if self.scope is not None:
            text += (f"; only the {int(self.scope.sum()):,} of {len(self.scope):,} rows in scope, the others kept "
                     "their weights")
        return text

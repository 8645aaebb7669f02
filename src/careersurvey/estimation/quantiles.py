"""Quantiles as R survey 4.1's ``svyquantile``: every ``qrule`` and every ``interval.type``, on linearised and
replicate designs, with ``by=``.

Quantile rules (``qrule``), each a function of the data values and weights (rows of zero weight left out):
``"math"`` (= ``"hf1"``: the lower value at an exact step of the weighted CDF, else the next), ``"school"``
(= ``"hf2"``: the mid-point at an exact step), ``"hf3"`` (on the distinct values, the lower at an exact step
only at an even position), ``"hf4"`` (linear within the step), ``"hf5"``-``"hf9"`` (Hyndman and Fan's
plotting positions generalised to weights, linear interpolation) and ``"shahvaish"`` (Shah and Vaish's step
function). All of them follow R's code to the letter, including its sums in long double (see
:class:`~careersurvey.estimation.estimators.WeightedCDF`) and its ``approx()``.

Intervals (``interval_type``): ``"mean"`` (Woodruff: a t interval for the share below the quantile, mapped
back through the quantile rule), ``"beta"``, ``"xlogit"``, ``"asin"`` (the same with that share's Korn-Graubard,
logit or arcsine interval), ``"score"`` (Francisco and Fuller's test inversion, linearised designs only: R finds
the roots with ``uniroot``, whose Brent steps we reproduce, because the score is a step function and where its
root lands decides the answer), and ``"quantile"`` (replicate designs only: the quantile recomputed under every
replicate weight). The SE is the interval's width over 2 t, as R reports it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from careersurvey.estimation.ciprop import design_rows, korn_graubard
from careersurvey.estimation.estimators import (
    EstimateError, Variables, WeightedCDF, _as_names, _is_categorical, _prepare, by_domains, design_df, mean_estimate,
)
from careersurvey.estimation.frames import logit_interval, result_frame, t_quantile
from careersurvey.estimation.quadform import zeroin
from careersurvey.estimation.variance import one_blas_thread

QRULES = ("math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9")
LINEARISED_INTERVALS = ("mean", "beta", "xlogit", "asin", "score")
REPLICATE_INTERVALS = ("mean", "beta", "xlogit", "asin", "quantile")


# -- quantile rules -----------------------------------------------------------------------------------------------
def _long_cumsum(w: np.ndarray) -> np.ndarray:
    """R's ``cumsum``: accumulated in long double, each partial sum rounded to a double."""
    return np.cumsum(w.astype(np.longdouble)).astype(float)


def _sorted(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")  # R's order(): stable among ties
    return x[order], w[order]


def r_approx(xp: np.ndarray, yp: np.ndarray, v: float, constant: bool = False) -> float:
    """R's ``approx(xp, yp, v, rule = 2)`` (``method="constant", f=0`` when ``constant``): knots ordered, tied
    knots collapsed to the mean of their values, ends held."""
    order = np.argsort(xp, kind="stable")
    xp, yp = xp[order], yp[order]
    knots, start = np.unique(xp, return_index=True)
    if len(knots) < len(xp):
        yp = np.add.reduceat(yp, start) / np.diff(np.append(start, len(xp)))
    if constant:
        i = int(np.searchsorted(knots, v, side="right")) - 1
        return float(yp[min(max(i, 0), len(yp) - 1)])
    return float(np.interp(v, knots, yp))


@dataclass(frozen=True, eq=False)
class Steps:
    """The sorted rows of non-zero weight a quantile rule reads: their values ``xs``, weights ``ws``, R's
    cumulative weights ``cumw`` (long double sums rounded to doubles) and those before each row ``before``, the
    cumulative ``w / mean(w)`` (Shah and Vaish) ``swbar``; R's ``sum(w)`` in data order ``total``, the last
    cumulative weight ``cum_end``, the one before it ``cum_pen``, the last row's weight ``w_last`` and the
    number of rows ``n``. Built from every row (:meth:`of_rows`), or from a few rows per run of tied values
    (the first and the last of each), which every rule reads alike: between two rows of one value each rule
    returns that value."""

    xs: np.ndarray
    ws: np.ndarray
    cumw: np.ndarray
    before: np.ndarray
    swbar: np.ndarray
    total: float
    cum_end: float
    cum_pen: float
    w_last: float
    n: int

    @classmethod
    def of_rows(cls, x: np.ndarray, w: np.ndarray) -> Steps:
        cdf = WeightedCDF.of(x, w)
        xs, ws = _sorted(x, w)
        cumw = cdf.cumw
        n = len(xs)
        before = np.concatenate([[0.0], cumw[:-1]])
        swbar = _long_cumsum(ws / np.mean(ws)) if n else cumw
        return cls(xs, ws, cumw, before, swbar, cdf.total, float(cumw[-1]) if n else 0.0,
                   float(cumw[n - 2]) if n > 1 else 0.0, float(ws[-1]) if n else 0.0, n)

    def step(self, p: float) -> tuple[int, int, bool]:
        return WeightedCDF(self.xs, self.cumw, self.total).step(p)


def _qs_rule(st: Steps, p, rule: str) -> float:
    low, up, tie = st.step(p)
    if rule in ("math", "hf1"):
        return float(st.xs[low if tie else up])
    if rule in ("school", "hf2"):
        return float((st.xs[low] + st.xs[up]) / 2 if tie else st.xs[up])
    wlow = p - st.cumw[low] / st.total  # hf4: R's qs fields, also when no step is <= p (then wlow < 0)
    wup = st.cumw[up] / st.total - p
    gamma = wlow / (wup + wlow)
    return float(st.xs[low] * (1 - gamma) + st.xs[up] * gamma)


def hf3_of_sums(values: np.ndarray, sums: np.ndarray, p: float) -> float:
    """R's ``qrule_hf3`` from the distinct values (sorted) and their weight sums (``rowsum``): ``qs`` over them;
    the lower value at an exact step whose (1-based) position is even."""
    cdf = WeightedCDF.of(values, sums)
    low, up, tie = cdf.step(p)
    return float(cdf.xs[low] if tie and (low + 1) % 2 == 0 else cdf.xs[up])


def _hf3(x, w, p) -> float:
    keep = w != 0
    values, inverse = np.unique(x[keep], return_inverse=True)
    sums = np.zeros(len(values))
    np.add.at(sums, inverse, w[keep])  # sequential double sums, as rowsum
    return hf3_of_sums(values, sums, p)


def _positions(rule: str, st: Steps) -> np.ndarray:
    """Plotting positions of the linear rules (R's qrule_hf5 .. hf9)."""
    cumw, w, before = st.cumw, st.ws, st.before
    if rule == "hf5":
        return (cumw - w / 2) / st.cum_end
    if rule == "hf6":
        return cumw / (st.cum_end + st.w_last)
    if rule == "hf7":
        return before / st.cum_pen if st.n > 1 else before
    if rule == "hf8":
        return (before * (1 / 3) + cumw * (2 / 3)) / (st.cum_end + st.w_last / 3)
    return (before * (3 / 8) + cumw * (5 / 8)) / (st.cum_end + st.w_last / 4)


def shahvaish_of_runs(xs: np.ndarray, ws: np.ndarray, counts: np.ndarray, mean: float, p: float) -> float:
    """R's ``qrule_shahvaish`` on runs of rows (value ``xs``, weight ``ws``, ``counts`` rows each, in R's row
    order) with ``mean`` R's mean(w): its knots (S + 0.5 - w/2) / (n + 1) do not rise with the rows (R halves w,
    not w/mean), so the knot at or below p is sought in every run (a run's knots rise by w/mean per row)."""
    n = int(counts.sum())
    wbar = ws / mean
    s0 = np.concatenate([[0], np.cumsum(counts * wbar.astype(np.longdouble))[:-1]])

    def knot(k):
        return ((s0 + k * wbar.astype(np.longdouble)).astype(float) + 0.5 - ws / 2) / (n + 1)

    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.floor((p * (n + 1) - 0.5 + ws / 2 - s0.astype(float)) / wbar)
    k = np.clip(k, 0, counts)
    k = np.where((k >= 1) & (knot(k) > p), k - 1, k)
    k = np.where((k + 1 <= counts) & (knot(k + 1) <= p), k + 1, k)
    at = knot(k)
    valid = k >= 1
    if not valid.any():  # below every knot: the value at the smallest (approx's rule = 2)
        return float(xs[int(np.argmin(knot(np.ones(len(xs)))))])
    return float(xs[int(np.argmax(np.where(valid, at, -np.inf)))])


def rule_on_steps(rule: str, st: Steps, p: float) -> float:
    """R survey's ``qrule_<rule>`` (every rule but hf3) on the rows of ``st``."""
    if rule in ("math", "hf1", "school", "hf2", "hf4"):
        return _qs_rule(st, p, rule)
    if rule == "shahvaish":
        pk = (st.swbar + 0.5 - st.ws / 2) / (st.n + 1)  # R: w/2, not wbar/2
        return r_approx(pk, st.xs, p, constant=True)
    return r_approx(_positions(rule, st), st.xs, p)


def qrule(rule: str, x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R survey's ``qrule_<rule>(x, w, p)``."""
    if rule == "hf3":
        return _hf3(x, w, p)
    return rule_on_steps(rule, Steps.of_rows(x, w), p)


def option_problem(rule: str, kind: str, replicate: bool) -> str | None:
    """What is wrong with a qrule and interval type (on a replicate design or not), or None."""
    if rule not in QRULES:
        return f"qrule={rule!r}: use one of {', '.join(QRULES)} (R's svyquantile rules)"
    allowed = REPLICATE_INTERVALS if replicate else LINEARISED_INTERVALS
    if kind not in allowed:
        design = "a replicate" if replicate else "a linearised"
        return (f"interval_type={kind!r} is not available on {design} design; use one of {', '.join(allowed)} "
                "(as R's svyquantile: 'score' needs a linearised design, 'quantile' replicate weights).")
    return None


# -- the estimator ------------------------------------------------------------------------------------------------
@one_blas_thread
def quantile(design, variables, quantiles=0.5, na_rm=False, by=None, level=0.95, qrule: str = "math",
             interval_type: str = "mean", df: float | None = None) -> pd.DataFrame:
    """Quantiles with R's ``svyquantile(qrule=, interval.type=)`` intervals and SEs (rows ``variable.p``)."""
    problem = option_problem(qrule, interval_type, design.replicates is not None)
    if problem:
        raise EstimateError(problem)
    if by is not None:
        return by_domains(design, by, lambda d: quantile(d, variables, quantiles, na_rm=na_rm, level=level,
                                                         qrule=qrule, interval_type=interval_type, df=df),
                          sliced=True)
    probs = [quantiles] if np.isscalar(quantiles) else list(quantiles)
    if not all(0 <= p <= 1 for p in probs):
        raise EstimateError(f"quantiles must lie in [0, 1] (got {probs})")
    rows: list[str] = []
    values: list[tuple[float, float, float, float]] = []  # estimate, ci_low, ci_high, se
    for v in _as_names(variables):
        if _is_categorical(design.data[v]):
            raise EstimateError(f"quantile() needs a numeric variable; {v!r} is categorical. Use mean() or "
                                "proportion() for the shares of its levels.")
        d, V = _prepare(design, [v], na_rm)
        dof = design_df(d) if df is None else float(df)  # R: degf after na_rm left rows out
        rows += [f"{v}.{p:g}" for p in probs]
        values += _intervals(d, V, probs, qrule, interval_type, dof, level)
    est, lo, hi, se = (np.array(col, dtype=float) for col in zip(*values))
    interval = "woodruff" if interval_type == "mean" else f"quantile-{interval_type}"
    return result_frame(rows, est, np.diag(se**2), design_df(design), level=level, ci=(lo, hi), se=se,
                        statistic="quantile", interval=interval)


def _intervals(d, V: Variables, probs, rule: str, kind: str, df: float, level: float):
    x, w = V.columns[0], d.w
    if np.isnan(x[w != 0]).any():  # a missing value in the domain without na_rm: NA, as R
        return [(np.nan,) * 4 for _ in probs]
    t = t_quantile(df, level)
    out = []
    for p in probs:  # over the requested quantiles, not over rows
        q = qrule(rule, x, w, p)
        if kind == "quantile":
            lo, hi = _replicate_interval(d, x, q, p, rule, t)
        elif kind == "score":
            lo, hi = _score_interval(d, x, p, rule, df, level)
        else:
            lo, hi = _woodruff(d, x, q, rule, kind, df, level)
        out.append((q, lo, hi, (hi - lo) / (2 * t)))
    return out


def _share_interval(d, x, q, kind: str, df: float, level: float) -> tuple[float, float]:
    """R's woodruffCI: the interval of the share of rows at or below q, by ``kind``."""
    below = Variables(((x <= q).astype(float),), ("pmed",), np.zeros(len(x), dtype=bool))
    share, vcov = mean_estimate(d, below)
    p, var = float(share[0]), float(vcov[0, 0])
    inside = below.columns[0][d.w != 0]
    if inside.min(initial=1.0) == inside.max(initial=0.0):  # all rows at or below q, or none: exactly 1 or 0,
        p, var = float(inside[0]), 0.0  # as R's equal sums give (ours are summed in another order)
    return share_limits(p, var, kind, df, level, design_rows(d), design_df(d))


def share_limits(p: float, var: float, kind: str, df: float, level: float, nrow: int, degf: float
                 ) -> tuple[float, float]:
    """The interval of a share p with variance var by ``kind`` (R's woodruffCI); ``nrow`` and ``degf`` (R's
    nrow and degf of the design) are Korn and Graubard's ("beta")."""
    se = math.sqrt(var)
    t = t_quantile(df, level)
    if kind == "mean":
        return p - t * se, p + t * se
    if kind == "xlogit":
        lo, hi = logit_interval(np.array([p]), np.array([se]), df, level)
        return float(lo[0]), float(hi[0])
    if kind == "asin":
        with np.errstate(divide="ignore", invalid="ignore"):
            centre, half = np.arcsin(np.sqrt(p)), t * se / (2 * np.sqrt(p * (1 - p)))
        return float(np.sin(centre - half) ** 2), float(np.sin(centre + half) ** 2)
    lo, hi = korn_graubard(np.array([p]), np.array([var]), nrow, degf, level)  # R's nrow, degf
    return float(lo[0]), float(hi[0])


def _woodruff(d, x, q, rule: str, kind: str, df: float, level: float) -> tuple[float, float]:
    p_lo, p_hi = _share_interval(d, x, q, kind, df, level)
    w = d.w
    low = np.nan if (np.isnan(p_lo) or p_lo < 0) else qrule(rule, x, w, p_lo)
    high = np.nan if (np.isnan(p_hi) or p_hi > 1) else qrule(rule, x, w, p_hi)
    return low, high


def _replicate_interval(d, x, q, p, rule: str, t: float) -> tuple[float, float]:
    """R's repCI: the quantile under every replicate weight, their replicate variance around q."""
    def point(W):
        if W.ndim == 1:
            return np.array([qrule(rule, x, W, p)])
        return np.array([[qrule(rule, x, W[:, r], p) for r in range(W.shape[1])]])

    W = np.asarray(d.replicates.weights, dtype=float)
    if d.domain is not None:
        W = W * d.domain[:, None]
    reps = point(W)
    var = float(d.replicates.covariance(reps.T, np.array([q]))[0, 0])
    return q - math.sqrt(var) * t, q + math.sqrt(var) * t


def _score_interval(d, x, p, rule: str, df: float, level: float) -> tuple[float, float]:
    """R's ffullerCI: the values where the design-based score test of P(X > theta) = 1 - p turns, found with
    R's uniroot, mapped through the rule at the unweighted shares of the design's rows below them."""
    held = np.ones(len(x), dtype=bool) if d.active is None else d.active
    xs = x[held]
    iqr = float(np.subtract(*np.quantile(xs, [0.75, 0.25])))  # R's IQR(): type 7
    lower, upper = xs.min() + iqr / 100, xs.max() - iqr / 100
    tol = 1 / (100 * math.sqrt(len(xs)))

    def score(theta: float) -> float:
        u = Variables((((x > theta).astype(float) - (1 - p)),), ("U",), np.zeros(len(x), dtype=bool))
        m, v = mean_estimate(d, u)
        return float(m[0] / math.sqrt(v[0, 0]))

    q_low, q_up = score_roots(score, lower, upper, tol, df, level)
    w = d.w
    return qrule(rule, x, w, float(np.mean(xs <= q_low))), qrule(rule, x, w, float(np.mean(xs <= q_up)))


def score_roots(score, lower: float, upper: float, tol: float, df: float, level: float) -> tuple[float, float]:
    """R's ffullerCI roots: where the score statistic ``score(theta)`` crosses the t (normal when df is
    infinite) critical values, by R's uniroot over [lower, upper]."""
    alpha = 1 - level
    crit_hi = stats.t.isf(alpha / 2, df) if np.isfinite(df) else stats.norm.isf(alpha / 2)
    try:
        q_low = zeroin(lambda th: score(th) - crit_hi, lower, upper, tol)
        q_up = zeroin(lambda th: score(th) + crit_hi, lower, upper, tol)
    except ValueError:
        raise EstimateError("interval_type='score': the score test does not change sign over the range of the "
                            "data (too few distinct values or rows?); use interval_type='mean'.") from None
    return q_low, q_up

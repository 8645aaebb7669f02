"""Quantiles inside the engine (R's ``svyquantile``: every ``qrule`` and ``interval_type``), as
:func:`careersurvey.estimation.quantiles.quantile` computes them in memory, with the core's rules and intervals.

The weighted CDF comes out of the engine as an aggregate: one row per distinct (value, weight) pair with its
count, summed in numpy in long double as R's ``cumsum`` sums (the decision whether p sits exactly on a step is
made at the last bit; see :class:`careersurvey.estimation.estimators.WeightedCDF`), read by the core's rules
(:mod:`.quantile_steps`). When a variable has more distinct values than :data:`WINDOW` among the domain's rows,
qrule "math" finds its step by bisection over the values, each step one ``SUM(w) WHERE x <= t`` query, until
the values left fit a window, which is then read as above; the weight below the window is then the engine's
double sum (an exact tie with p is then decided on it). The other rules read every value, up to WINDOW.

Intervals: Woodruff's (``mean``, ``beta``, ``xlogit``, ``asin``) from the share of rows at or below the
estimate (a domain mean of ``x <= q`` through the linear path's variance, linearised or replicate), mapped back
through the rule; ``score`` (:mod:`.quantile_score`); ``quantile`` on a replicate design, each replicate's
quantile from its own weight sums per value (one GROUP BY for every replicate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.engine.linear import Linear, _c, linear_estimates
from careersurvey.engine.quantile_score import ScoreCurve
from careersurvey.engine.quantile_steps import read_values, replicate_interval
from careersurvey.engine.source import EngineError
from careersurvey.estimation.frames import result_frame, t_quantile
from careersurvey.estimation.quantiles import option_problem, share_limits

__all__ = ["quantile", "WINDOW"]

#: Distinct values of a variable read out of the engine at once (more: bisection narrows them first).
WINDOW = 100_000


@dataclass(frozen=True)
class _Steps:
    """Distinct values ``vals`` (sorted) in a window, cumulative weights at each value's end ``cum`` (doubles,
    from long-double sums, including ``base``, the weight below the window), rows per value ``count``; ``first``
    is whether the window starts at the smallest value; ``below`` the largest value under the window."""

    vals: np.ndarray
    cum: np.ndarray
    count: np.ndarray
    first: bool
    below: float | None
    base: float


class _CDF:
    """The weighted CDF of one numeric expression over the rows of ``rows`` (weight column ``_cs_w`` != 0)."""

    def __init__(self, design, rows) -> None:
        self.design, self.rows = design, rows
        x = rows[_c("x")]
        out = design.execute(rows.aggregate(n=rows.count(), k=x.nunique(), lo=x.min(), hi=x.max()))
        self.n, self.k = int(out["n"].iat[0]), int(out["k"].iat[0])
        self.lo, self.hi = float(out["lo"].iat[0]), float(out["hi"].iat[0])
        self._all = self._window(None, None) if self.k <= WINDOW else None
        self.total = float(self._all.cum[-1]) if self._all is not None else float(_exact_sum(design, rows))

    def _window(self, lo: float | None, hi: float | None) -> _Steps:
        """The steps of the values in (lo, hi] (all when lo is None)."""
        rows = self.rows
        x = rows[_c("x")]
        q = rows if lo is None else rows.filter((x > lo) & (x <= hi))
        groups = self.design.execute(q.group_by([_c("x"), _c("w")]).aggregate(n=q.count()))
        groups = groups.sort_values([_c("x"), _c("w")], kind="stable")
        base, below = np.longdouble(0), None
        if lo is not None:
            under = rows.filter(x <= lo)
            base = _exact_sum(self.design, under)
            below = float(self.design.execute(under.aggregate(m=x.max()))["m"].iat[0])
        xs = groups[_c("x")].to_numpy(dtype=float)
        part = groups["n"].to_numpy(dtype=np.int64).astype(np.longdouble) * \
            groups[_c("w")].to_numpy(dtype=float).astype(np.longdouble)
        cum = base + np.cumsum(part)
        vals, start = np.unique(xs, return_index=True)
        ends = np.append(start[1:], len(xs)) - 1
        count = np.add.reduceat(groups["n"].to_numpy(dtype=np.int64), start) if len(xs) else np.zeros(0, np.int64)
        return _Steps(vals, cum[ends].astype(float), count, lo is None, below, float(base))

    def _locate(self, target: float) -> _Steps:
        """A window holding the first value whose cumulative weight exceeds ``target`` (bisection over values)."""
        if self._all is not None:
            return self._all
        rows = self.rows
        x, w = rows[_c("x")], rows[_c("w")]
        lo, hi = None, self.hi
        left = self.lo
        while True:
            k = self.design.execute(rows.filter((x > (left if lo is not None else -np.inf)) & (x <= hi))
                                    .aggregate(k=x.nunique()))["k"].iat[0]
            if int(k) <= WINDOW:
                return self._window(lo, hi) if lo is not None else self._first(hi)
            mid = (left + hi) / 2
            s = float(self.design.execute(rows.filter(x <= mid).aggregate(s=w.sum()))["s"].iat[0] or 0.0)
            if s <= target:
                lo = left = mid
            else:
                hi = mid

    def _first(self, hi: float) -> _Steps:
        rows = self.rows
        narrowed = _CDF.__new__(_CDF)
        narrowed.design, narrowed.rows = self.design, rows.filter(rows[_c("x")] <= hi)
        return narrowed._window(None, None)

    def math(self, p: float) -> float:
        """R's ``qrule_math`` (:meth:`WeightedCDF.qrule_math`) from the steps at the distinct values: the value at
        an exact step, else the next one; below the first step, the second row's value."""
        target = p * self.total
        st = self._locate(target)
        vals, cum = st.vals, st.cum
        k = int(np.searchsorted(cum, target, side="right")) - 1
        last = len(vals) - 1
        if k >= 0:
            return float(vals[k] if p - cum[k] / self.total == 0 else vals[min(k + 1, last)])
        if not st.first:  # the window starts after a value below it: an exact step there, else its first value
            return float(st.below if p - st.base / self.total == 0 else vals[0])
        if st.count[0] >= 2 or self.k < 2:
            return float(vals[0])
        if last >= 1:
            return float(vals[1])
        x = self.rows[_c("x")]  # a narrowed first window of one value: the next value lies beyond it
        return float(self.design.execute(self.rows.filter(x > vals[0]).aggregate(m=x.min()))["m"].iat[0])


def _exact_sum(design, rows) -> np.longdouble:
    """The rows' total weight as R sums it (long double): from (weight, count) pairs when the weights take at
    most WINDOW values (design weights, post-stratified weights), else the engine's double sum."""
    w = rows[_c("w")]
    pairs = design.execute(rows.group_by(_c("w")).aggregate(n=rows.count()).limit(WINDOW + 1))
    if len(pairs) <= WINDOW:
        return np.sum(pairs["n"].to_numpy(dtype=np.int64).astype(np.longdouble)
                      * pairs[_c("w")].to_numpy(dtype=float).astype(np.longdouble))
    return np.longdouble(float(design.execute(rows.aggregate(s=w.sum()))["s"].iat[0] or 0.0))


def quantile(design, variables, quantiles=0.5, na_rm: bool = False, by=None, level: float = 0.95,
             qrule: str = "math", interval_type: str = "mean", order_by: str | None = None) -> pd.DataFrame:
    """Quantiles with R's svyquantile intervals (rows ``variable.p``), as ``SurveyDesign.quantile``;
    ``order_by`` a column giving the rows' order, which rules hf4-hf9 and shahvaish read among tied values
    (see :mod:`.quantile_steps`)."""
    import ibis

    from careersurvey.engine.estimators import _as_names, _is_categorical, _refuse_codes

    problem = option_problem(qrule, interval_type, design.replicates is not None)
    if problem:
        raise EngineError(problem)
    if order_by is not None and order_by not in design.table.columns:
        raise EngineError(f"order_by column {order_by!r} is not in the table; give the column that numbers the "
                          "rows (R's data order)")
    if by is not None:
        return _by(design, variables, quantiles, na_rm, by, level, qrule, interval_type, order_by)
    probs = [quantiles] if np.isscalar(quantiles) else list(quantiles)
    if not all(0 <= p <= 1 for p in probs):
        raise EngineError(f"quantiles must lie in [0, 1] (got {probs})")
    names = _as_names(variables)
    t = design.table
    for v in names:
        if v not in t.columns:
            raise EngineError(f"variable {v!r} is not in the table; check the name")
        if _is_categorical(t[v].type()):
            raise EngineError(f"quantile() needs a numeric variable; {v!r} is categorical. Use mean() or "
                              "proportion() for the shares of its levels.")
    _refuse_codes(design, names)
    rows_out, values = [], []
    whole = design.design_df
    for v in names:  # over the variables, not rows
        col = t[v]
        x = col.cast("float64")
        if col.type().is_floating():
            x = ibis.ifelse(col.isnan(), ibis.null("float64"), x)
        member = design.domain
        if na_rm:
            member = x.notnull() if member is None else member & x.notnull()
        d = design.subset(member) if na_rm else design
        rows_out += [f"{v}.{p:g}" for p in probs]
        values += _intervals(d, x, probs, d.design_df if na_rm else whole, level, qrule, interval_type, order_by)
    est, lo, hi, se = (np.array(col, dtype=float) for col in zip(*values))
    interval = "woodruff" if interval_type == "mean" else f"quantile-{interval_type}"
    return result_frame(rows_out, est, np.diag(se**2), whole, level=level, ci=(lo, hi), se=se,
                        statistic="quantile", interval=interval)


def _intervals(d, x, probs, df: float, level: float, rule: str, kind: str, order_by: str | None):
    t = d.table
    scope = t.filter(d.domain) if d.domain is not None else t
    extra = {_c("o"): t[order_by]} if order_by is not None else {}
    rows = scope.mutate(**{_c("x"): x, _c("w"): d.weight_expr}, **extra)
    rows = rows.filter(rows[_c("w")] != 0)
    stats = d.execute(rows.aggregate(m=rows[_c("x")].isnull().cast("int64").sum(), k=rows[_c("x")].nunique()))
    if int(stats["m"].iat[0] or 0):  # a missing value in the domain without na_rm: NA, as R
        return [(np.nan,) * 4 for _ in probs]
    k = int(stats["k"].iat[0])
    if k > WINDOW:
        if rule not in ("math", "hf1") or kind != "mean":
            raise EngineError(f"qrule={rule!r}, interval_type={kind!r}: the variable has more than {WINDOW:,} "
                              "distinct values in the domain, which this rule reads at once; use qrule='math' "
                              "with interval_type='mean' (found by bisection), or round the variable")
        cdf = _CDF(d, rows.select(_c("x"), _c("w")))
        quant, span = cdf.math, (cdf.lo, cdf.hi)
    else:
        vals = read_values(d, rows.select(_c("x"), _c("w"), *extra), order_by)
        quant = lambda p: vals.rule(rule, p)  # noqa: E731
        span = (float(vals.vals[0]), float(vals.vals[-1])) if len(vals.vals) else (np.nan, np.nan)
    tq = t_quantile(df, level)
    qs = [quant(p) for p in probs]
    shares = _shares(d, x, qs, *span) if kind not in ("quantile", "score") else []
    nrow = _design_rows(d) if kind == "beta" else 0
    curve, reps, out = None, None, []
    for i, (p, q) in enumerate(zip(probs, qs)):  # over the requested quantiles, not over rows
        if kind == "quantile":
            (low, high), reps = replicate_interval(d, rows, order_by, rule, q, p, tq, k, reps)
        elif kind == "score":
            curve = curve or ScoreCurve(d, x, level, df)
            low, high = curve.interval(quant, p)
        else:
            p_lo, p_hi = share_limits(*shares[i], kind, df, level, nrow, df)
            low = np.nan if (np.isnan(p_lo) or p_lo < 0) else quant(p_lo)
            high = np.nan if (np.isnan(p_hi) or p_hi > 1) else quant(p_hi)
        out.append((q, low, high, (high - low) / (2 * tq)))
    return out


def _design_rows(d) -> int:
    """R's ``nrow(design)`` (Korn and Graubard's intervals): the domain's rows, all rows once weighted."""
    t = d.table
    q = t.filter(d.domain) if (d.domain is not None and not d.adjustments) else t
    return int(d.execute(q.aggregate(n=q.count()))["n"].iat[0])


def _shares(d, x, qs: list[float], xmin: float, xmax: float) -> list[tuple[float, float]]:
    """The domain's shares of rows at or below each q and their variances (one linear estimate); exactly 0 or 1
    with variance 0 when no row or every row (of the domain's values, from ``xmin`` to ``xmax``) is at or below
    q, as R's equal sums give."""
    if not qs:
        return []
    base = tuple((x <= q).cast("float64") for q in qs)
    res = linear_estimates(d, Linear("mean", base, tuple(range(len(qs))), (None,) * len(qs)), d.domain, (),
                           full_cov=False)
    out = []
    for i, q in enumerate(qs):  # over the quantiles, not rows
        if q >= xmax or q < xmin:
            out.append((1.0 if q >= xmax else 0.0, 0.0))
        else:
            out.append((float(res.theta[0, i]), float(res.vcov[0, i, i])))
    return out


def _by(design, variables, quantiles, na_rm, by, level, qrule, interval_type, order_by) -> pd.DataFrame:
    """One quantile table per level of ``by`` (a domain each), stacked as the in-memory ``by_domains`` stacks."""
    from careersurvey.engine.estimators import _as_names, _refuse_codes

    by_cols = _as_names(by)
    t = design.table
    for b in by_cols:
        if b not in t.columns:
            raise EngineError(f"by variable {b!r} is not in the table; check the name")
    _refuse_codes(design, by_cols, "by variable")
    scope = t.filter(design.domain) if design.domain is not None else t
    levels = design.execute(scope.select(*by_cols).distinct()).dropna()
    levels = levels.sort_values(by_cols, kind="stable").reset_index(drop=True)
    frames, keys = [], []
    for row in levels.itertuples(index=False):  # over the by levels (an aggregate), not rows
        cond = None
        for b, v in zip(by_cols, row):
            c = t[b] == v
            cond = c if cond is None else cond & c
        frames.append(quantile(design.subset(cond), variables, quantiles, na_rm=na_rm, level=level, qrule=qrule,
                               interval_type=interval_type, order_by=order_by))
        keys.append(tuple(row) if len(by_cols) > 1 else row[0])
    return _stack(frames, keys, by_cols)


def _stack(frames, keys, by_cols) -> pd.DataFrame:
    from careersurvey.estimation.frames import EstimateFrame

    name = by_cols[0] if len(by_cols) == 1 else None
    if all(len(f) == 1 for f in frames):
        out = pd.concat([pd.DataFrame(f) for f in frames])
        out.index = pd.Index(keys, name=name) if len(by_cols) == 1 else pd.MultiIndex.from_tuples(keys,
                                                                                                  names=by_cols)
    else:
        out = pd.concat([pd.DataFrame(f) for f in frames], keys=keys, names=[name or "by", None])
    result = EstimateFrame(out)
    result.attrs = {**{k: frames[0].attrs[k] for k in ("statistic", "level", "interval") if k in frames[0].attrs},
                    "by": list(by_cols)}
    return result

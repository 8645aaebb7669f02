"""R's ``grake`` Newton iterations inside the engine for one or many columns of starting weights at once (the
design's weights, or every replicate's): the core's :func:`~careersurvey.estimation.weighting.calibrate.solve_g`
loop, each round's evaluation one query over the columns still moving, the steps and the convergence test the
core's (``newton_step``, ``relative_misfit``). Several columns are stacked (:class:`Stack`: the table's rows once
per column, that column's weight and multipliers eta joined on), so a round is one GROUP BY of the column number
with the same few sums for every column (X' diag(w F'(u)) X, X' w (g - 1), whether g is finite): its size does not
grow with the number of replicates. The distances are the core's formulas evaluated on expressions
(:class:`IbisOps`); g of a column is an expression of X eta.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.estimation.weighting.calibrate import (ArrayOps, Bounds, GResult, _df, _fm1, newton_step,
                                                         not_converged, relative_misfit)

__all__ = ["IbisOps", "Newton", "Stack", "crossproducts", "g_value", "newton_columns", "trim_shares", "with_g"]

_P = "_cs_"


class IbisOps(ArrayOps):
    """The distances' operations on Ibis expressions (infinite bounds leave that side open)."""

    @staticmethod
    def exp(u):
        return u.exp()

    @staticmethod
    def clip(x, lo: float, hi: float):
        import ibis

        if np.isfinite(lo):
            x = ibis.greatest(x, lo)
        if np.isfinite(hi):
            x = ibis.least(x, hi)
        return x

    @staticmethod
    def where(cond, a, b):
        import ibis

        return ibis.ifelse(cond, a, b)

    @staticmethod
    def between(u, lo: float, hi: float):
        import ibis

        cond = ibis.literal(True)
        if np.isfinite(hi):
            cond = cond & (u < hi)
        if np.isfinite(lo):
            cond = cond & (u > lo)
        return cond.cast("float64")


def u_expr(rel, x: tuple[str, ...], eta, inv: str | None):
    """u = X eta (times 1 / sigma2): one expression over the model's columns (eta numbers or expressions)."""
    import ibis

    u = ibis.literal(0.0, type="float64")
    for name, e in zip(x, eta):  # over the model's columns: one expression
        u = u + rel[name] * (float(e) if isinstance(e, (float, int, np.floating)) else e)
    return u * rel[inv] if inv else u


def with_g(table, method: str, b: Bounds, x, etas: dict, inv, trims: dict | None = None, deriv: bool = False):
    """``table`` with, per ``tag`` of ``etas`` ({tag: eta}), u = X eta (/ sigma2), g = 1 + F(u) (trimmed by
    ``trims[tag]`` = (lower, upper, share)) and, if asked, F'(u) as columns _cs_cu<tag>, _cs_cg<tag>, _cs_cd<tag>:
    each computed once per row (a projection), so aggregates over them stay short."""
    import ibis

    rel = table.mutate(**{f"{_P}cu{tag}": u_expr(table, x, eta, inv) for tag, eta in etas.items()})
    cols = {}
    for tag in etas:
        u = rel[f"{_P}cu{tag}"]
        cols[f"{_P}cg{tag}"] = 1.0 + _fm1(method, u, b, IbisOps)
        if deriv:
            cols[f"{_P}cd{tag}"] = _df(method, u, b, IbisOps)
    rel = rel.mutate(**cols)
    trims = {tag: t for tag, t in (trims or {}).items() if t}
    if trims:
        out = {}
        for tag, (lo, hi, share) in trims.items():
            g = rel[f"{_P}cg{tag}"]
            out[f"{_P}cg{tag}"] = ibis.ifelse((g < lo) | (g > hi), IbisOps.clip(g, lo, hi), g + share)
        rel = rel.mutate(**out)
    return rel


def g_value(rel, method: str, b: Bounds, x, eta: np.ndarray, inv, trim=()):
    """g = 1 + F(X eta (/ sigma2)), trimmed by ``trim`` = (lower, upper, share): one expression, no columns (for
    many columns of weights at once: one projection layer compiles far faster than three)."""
    import ibis

    g = 1.0 + _fm1(method, u_expr(rel, x, eta, inv), b, IbisOps)
    if trim:
        lo, hi, share = trim
        g = ibis.ifelse((g < lo) | (g > hi), IbisOps.clip(g, lo, hi), g + share)
    return g


_W, _REP = f"{_P}sw", f"{_P}rep"


@dataclass(frozen=True, eq=False)
class Stack:
    """Columns of weights as one relation: one column as it is (column _cs_sw); several stacked, the table's rows
    once per column (_cs_sw its weight, _cs_rep its number), so a query's sums for every column are one GROUP BY
    of _cs_rep, as many rows back as columns."""

    rows: Any
    n: int

    @classmethod
    def of(cls, table, weights: list) -> "Stack":
        import ibis

        if len(weights) == 1:
            return cls(table.mutate(**{_W: weights[0]}), 1)
        rows = table.mutate(**{_W: ibis.array(list(weights))}).unnest(_W, offset=_REP)
        return cls(rows, len(weights))

    def at(self, cols: np.ndarray, values: dict):
        """The rows of the columns ``cols`` with, per name of ``values`` ({name: (len(cols),) numbers}), that
        column's number, and those expressions {name: expression}."""
        import ibis

        if self.n == 1:
            return self.rows, {k: float(v[0]) for k, v in values.items()}
        frame = pd.DataFrame({_REP: np.asarray(cols, dtype=np.int64), **{k: np.asarray(v, dtype=float)
                                                                          for k, v in values.items()}})
        rel = self.rows.inner_join(ibis.memtable(frame), _REP)
        return rel, {k: rel[k] for k in values}

    def sums(self, design, rel, aggs: dict, cols: np.ndarray) -> pd.DataFrame:
        """The ``aggs`` per column of ``cols``, in that order (one query)."""
        if self.n == 1:
            return design.execute(rel.aggregate(**aggs))
        q = design.execute(rel.group_by(_REP).aggregate(**aggs)).set_index(_REP)
        return q.reindex(np.asarray(cols, dtype=np.int64)).reset_index(drop=True)


def _square(row, name: str, p: int) -> np.ndarray:
    out = np.zeros((p, p))
    for i in range(p):
        for j in range(i, p):
            out[i, j] = out[j, i] = float(row[f"{name}{i}_{j}"])
    return out


def crossproducts(design, stack: Stack, x: tuple[str, ...], inv: str | None, extra: dict | None = None):
    """Per stacked column: X' diag(w / sigma2) X (R, p, p) and X' w (p, R) (one query), with the ``extra``
    aggregates' row (one column only)."""
    p, rel = len(x), stack.rows
    w = rel[_W]
    wi = w * (rel[inv] if inv else 1.0)
    aggs = {f"{_P}i{i}_{j}": (rel[x[i]] * rel[x[j]] * wi).sum() for i in range(p) for j in range(i, p)}
    aggs.update({f"{_P}t{j}": (rel[x[j]] * w).sum() for j in range(p)})
    aggs.update(extra or {})
    q = stack.sums(design, rel, aggs, np.arange(stack.n))
    cross = np.stack([_square(q.iloc[r], f"{_P}i", p) for r in range(stack.n)])
    totals = np.column_stack([q[f"{_P}t{j}"].to_numpy(dtype=float) for j in range(p)]).T
    return cross, totals, q.iloc[0]


@dataclass(frozen=True)
class Newton:
    """The multipliers (p, R) and, per column, iterations, misfit, convergence and the totals reached (p, R)."""

    eta: np.ndarray
    iterations: np.ndarray
    misfit: np.ndarray
    converged: np.ndarray
    achieved: np.ndarray

    def error(self, targets: np.ndarray, names: list[str], method: str, b: Bounds, max_iter: int,
              replicates: bool):
        """The core's not_converged error (naming the worst margin, and the replicate when ``replicates``)."""
        p, R = self.achieved.shape
        res = GResult(g=np.ones((p, R)) if replicates else np.ones(p), iterations=self.iterations,
                      misfit=self.misfit, converged=self.converged)
        return not_converged(res, np.eye(p), self.achieved if replicates else self.achieved[:, 0], targets, names,
                             method, b, max_iter)


def newton_columns(design, stack: Stack, x: tuple[str, ...], inv: str | None, targets: np.ndarray, method: str,
                   b: Bounds, tol: float, max_iter: int, cross: np.ndarray, totals: np.ndarray) -> Newton:
    """The core's solve_g over the stacked weight columns (``cross`` X' diag(w / sigma2) X and ``totals`` X' w
    from :func:`crossproducts`): columns that converged stop moving; a column whose g or F'(u) is not finite
    halves its step (one more query over those columns)."""
    p, R = len(x), stack.n
    d0 = float(_df(method, np.zeros(1), b)[0])
    tmat, gm1 = cross * d0, np.zeros((p, R))
    eta = np.zeros((p, R))
    iterations, misfit = np.zeros(R, dtype=int), np.full(R, np.inf)
    active = np.ones(R, dtype=bool)
    it = 1
    while True:
        cols = np.flatnonzero(active)
        miss = targets[:, None] - totals[:, cols] - gm1[:, cols]
        step = newton_step(tmat[cols], miss)
        eta[:, cols] += step
        tm, m, bad = _evaluate(design, stack, x, inv, method, b, eta, cols)
        while bad.any() and it < max_iter:  # step halving for the columns that overflowed
            it += 1
            step[:, bad] /= 2.0
            eta[:, cols[bad]] -= step[:, bad]
            tb, mb, badb = _evaluate(design, stack, x, inv, method, b, eta, cols[bad])
            tm[bad], m[:, bad] = tb, mb
            bad[bad] = badb
        good = cols[~bad]
        tmat[good], gm1[:, good] = tm[~bad], m[:, ~bad]
        rel = relative_misfit(targets[:, None], totals[:, cols] + gm1[:, cols])
        rel[:, bad] = np.inf
        misfit[cols] = rel.max(axis=0)
        iterations[cols] = it
        active[cols[(rel < tol).all(axis=0)]] = False
        it += 1
        if not active.any() or it > max_iter:
            break
    achieved = totals + np.where(np.isfinite(misfit), 1.0, np.nan)[None, :] * gm1
    return Newton(eta, iterations, misfit, ~active, achieved)


def _evaluate(design, stack: Stack, x, inv, method, b, eta, cols):
    """For the columns ``cols`` at ``eta``: X' diag(w F'(u) / sigma2) X (k, p, p), X' w (g - 1) (p, k) and
    whether g or F'(u) is not finite anywhere (k,); one query (an engine's overflow: each column alone)."""
    p, k = len(x), len(cols)
    rel, e = stack.at(cols, {f"{_P}e{j}": eta[j, cols] for j in range(p)})
    rel = rel.mutate(**{f"{_P}cu": u_expr(rel, x, [e[f"{_P}e{j}"] for j in range(p)], inv)})
    u = rel[f"{_P}cu"]
    rel = rel.mutate(**{f"{_P}cg": 1.0 + _fm1(method, u, b, IbisOps), f"{_P}cd": _df(method, u, b, IbisOps)})
    g, deriv, w = rel[f"{_P}cg"], rel[f"{_P}cd"], rel[_W]
    wd = w * deriv * (rel[inv] if inv else 1.0)
    aggs = {f"{_P}i{i}_{j}": (rel[x[i]] * rel[x[j]] * wd).sum() for i in range(p) for j in range(i, p)}
    aggs.update({f"{_P}m{j}": (rel[x[j]] * w * (g - 1.0)).sum() for j in range(p)})
    aggs[f"{_P}bad"] = (g.isnull() | g.isnan() | g.isinf() | deriv.isnull() | deriv.isnan()
                        | deriv.isinf()).cast("int64").sum()
    tm, m, bad = np.zeros((k, p, p)), np.zeros((p, k)), np.ones(k, dtype=bool)
    try:
        q = stack.sums(design, rel, aggs, cols)
    except Exception as exc:  # noqa: BLE001 - an engine's overflow (exp of a huge u) is a non-finite g
        if not ("range" in str(exc).lower() or "overflow" in str(exc).lower()):
            raise
        if k > 1:  # which column overflowed: each alone
            for i in range(k):
                one = _evaluate(design, stack, x, inv, method, b, eta, cols[i:i + 1])
                tm[i:i + 1], m[:, i:i + 1], bad[i:i + 1] = one
        return tm, m, bad
    for i in range(k):
        row = q.iloc[i]
        bad[i] = bool(int(row[f"{_P}bad"]))
        if not bad[i]:
            tm[i] = _square(row, f"{_P}i", p)
            m[:, i] = [float(row[f"{_P}m{j}"]) for j in range(p)]
    return tm, m, bad


def trim_shares(design, stack: Stack, x, inv, method: str, b: Bounds, eta: np.ndarray, limits: tuple[float, float]):
    """R's ``calibrate(trim=)`` for each stacked column at its ``eta`` (p, R): g clipped to the limits, what was
    cut shared out over the rows inside in proportion to their weights (the core's trim_g, its two sums per column
    from one query): [(lower, upper, share)] per column and the number of rows trimmed in all."""
    import ibis

    lo, hi = limits
    p, cols = len(x), np.arange(stack.n)
    rel, e = stack.at(cols, {f"{_P}e{j}": eta[j] for j in range(p)})
    rel = rel.mutate(**{f"{_P}cu": u_expr(rel, x, [e[f"{_P}e{j}"] for j in range(p)], inv)})
    rel = rel.mutate(**{f"{_P}cg": 1.0 + _fm1(method, rel[f"{_P}cu"], b, IbisOps)})
    g, w = rel[f"{_P}cg"], rel[_W]
    outside = (g < lo) | (g > hi)
    q = stack.sums(design, rel, {"cut": ((g - IbisOps.clip(g, lo, hi)) * w).sum(),
                                 "room": ibis.ifelse(outside, 0.0, w).sum(), "n": outside.cast("int64").sum()}, cols)
    n = q["n"].fillna(0).to_numpy(dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(n > 0, q["cut"].to_numpy(dtype=float) / q["room"].to_numpy(dtype=float), 0.0)
    return [(lo, hi, float(s)) for s in shares], int(n.sum())

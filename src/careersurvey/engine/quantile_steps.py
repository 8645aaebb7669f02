"""The weighted CDF of a variable as aggregates out of the engine, in the form R's quantile rules read it
(:class:`careersurvey.estimation.quantiles.Steps`), and the replicate quantile interval (R's ``repCI``).

Per distinct value of the domain's rows of non-zero weight the engine returns its rows' count, their weight sum
and the weights of its first and last row; the core's rules then run on two rows per value, the first and the
last (every rule returns a run's value between two of its rows, so the rows between do not matter). Sums are
R's long double ones: (value, weight) pairs with their counts, summed in numpy's long double.

Which row of a value comes first matters only to rules hf4-hf9 and shahvaish, and only when the rows of a
value carry unequal weights: R takes them in data order. An engine table has no row order, so ``order_by``
names a column that gives it (a row number, as R's data frame); without it the rows of a value are taken in
increasing weight. Shah and Vaish's knots do not rise with the rows, so that rule reads every run of equal
(value, weight) rows, ordered by its first row: exact unless rows of one value with unequal weights alternate in
data order (then R's runs are shorter than the engine's, and the two can differ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from careersurvey.engine.linear import _c
from careersurvey.estimation.quantiles import Steps, hf3_of_sums, rule_on_steps, shahvaish_of_runs

__all__ = ["Values", "read_values", "replicate_interval", "replicate_values"]


@dataclass(frozen=True)
class Values:
    """One weighting of a variable's values: the distinct values ``vals``, their row counts ``count``, weight
    sums ``sums`` (long double) and the weights of their first and last rows; ``rows`` the rule's Steps."""

    vals: np.ndarray
    count: np.ndarray
    sums: np.ndarray
    first: np.ndarray
    last: np.ndarray
    rows: Steps
    runs: tuple = ()

    @classmethod
    def of(cls, vals, count, sums, first, last, runs: tuple = ()) -> Values:
        keep = count > 0
        vals, count, sums, first, last = vals[keep], count[keep], sums[keep], first[keep], last[keep]
        end = np.cumsum(sums)  # long double, as R's cumsum
        start = end - sums
        two = count >= 2  # a value's first row and, when it has more, its last
        pos = np.repeat(np.arange(len(vals)), np.where(two, 2, 1))
        is_last = np.zeros(len(pos), dtype=bool)
        is_last[1:] = pos[1:] == pos[:-1]
        ws = np.where(is_last, last[pos], first[pos])
        cum = np.where(is_last, end[pos], start[pos] + first[pos].astype(np.longdouble))
        before = np.where(is_last, end[pos] - last[pos].astype(np.longdouble), start[pos])
        n = int(count.sum())
        total = end[-1] if len(end) else np.longdouble(0)
        mean = total / n if n else np.longdouble(1)
        rows = Steps(vals[pos].astype(float), ws.astype(float), cum.astype(float), before.astype(float),
                     (cum / mean).astype(float), float(total), float(total), float(total - last[-1]) if n > 1 else 0.0,
                     float(last[-1]) if n else 0.0, n)
        return cls(vals, count, sums, first, last, rows, runs)

    def rule(self, rule: str, p: float) -> float:
        """R's ``qrule_<rule>`` at p."""
        if rule == "hf3":
            return hf3_of_sums(self.vals, self.sums.astype(float), p)
        if rule == "shahvaish":  # its knots read every run of rows, not the first and last of a value
            xs, ws, n = self.runs
            return shahvaish_of_runs(xs, ws, n, float(self.rows.total / self.rows.n), p)
        return rule_on_steps(rule, self.rows, p)


def read_values(design, rows, order_by: str | None) -> Values:
    """The values of ``rows`` (columns _cs_x, _cs_w, and _cs_o when ``order_by``): one GROUP BY of the
    (value, weight) pairs with counts and the first and last row numbers of each."""
    aggs = {"n": rows.count()}
    if order_by is not None:
        aggs.update(o_lo=rows[_c("o")].min(), o_hi=rows[_c("o")].max())
    pairs = design.execute(rows.group_by([_c("x"), _c("w")]).aggregate(**aggs))
    return _of_pairs(pairs[_c("x")].to_numpy(dtype=float), pairs[_c("w")].to_numpy(dtype=float),
                     pairs["n"].to_numpy(dtype=np.int64), *_order(pairs, order_by))


def _order(pairs, order_by):
    if order_by is None:
        return None, None
    return pairs["o_lo"].to_numpy(dtype=float), pairs["o_hi"].to_numpy(dtype=float)


def _of_pairs(xs, ws, n, o_lo, o_hi) -> Values:
    """Values from (value, weight, count) pairs of non-zero weight, with their first and last row numbers
    (None: rows of a value taken in increasing weight)."""
    keep = ws != 0
    xs, ws, n = xs[keep], ws[keep], n[keep]
    order = np.lexsort((ws if o_lo is None else o_lo[keep], xs))
    xs, ws, n = xs[order], ws[order], n[order]
    vals, start = np.unique(xs, return_index=True)
    if not len(xs):
        return Values.of(vals, np.zeros(0, np.int64), np.zeros(0, np.longdouble), np.zeros(0), np.zeros(0))
    sums = np.add.reduceat(n.astype(np.longdouble) * ws.astype(np.longdouble), start)
    count = np.add.reduceat(n, start)
    first = ws[start]
    if o_hi is not None:  # the pair holding the value's last row
        by_end = np.lexsort((o_hi[keep][order], xs))
        ends = np.append(start[1:], len(xs)) - 1
        last = ws[by_end][ends]
    else:
        last = ws[np.append(start[1:], len(xs)) - 1]
    return Values.of(vals, count, sums, first, last, (xs, ws, n))


def replicate_values(design, rows, order_by: str | None, weights: list, k: int) -> list[Values]:
    """Each replicate's values over ``rows`` (the domain's rows, ``k`` distinct values). When the distinct rows
    of (value, replicate weights) are few (at most two per value: replicate weights repeat over a PSU's rows),
    they come back with their counts (one GROUP BY) and each replicate's sums are exact, count times weight;
    otherwise one row per value with, per replicate, its rows of non-zero weight, their weight sum, smallest and
    largest weight (exact sums when these are equal, else the engine's double sum) and, with ``order_by``, the
    weights of the first and last of them."""
    cols = {_c(f"r{r}"): W for r, W in enumerate(weights)}
    keyed = rows.mutate(**cols)
    aggs = {"n": keyed.count()}
    if order_by is not None:
        aggs.update(o_lo=keyed[_c("o")].min(), o_hi=keyed[_c("o")].max())
    q = design.execute(keyed.group_by([_c("x"), *cols]).aggregate(**aggs).limit(2 * k + 1))
    if len(q) <= 2 * k:
        xs, n = q[_c("x")].to_numpy(dtype=float), q["n"].to_numpy(dtype=np.int64)
        o_lo, o_hi = _order(q, order_by)
        return [_of_pairs(xs, q[name].to_numpy(dtype=float), n, o_lo, o_hi) for name in cols]  # over replicates
    return _per_value(design, keyed, order_by, list(cols))


def _per_value(design, keyed, order_by, names: list[str]) -> list[Values]:
    from careersurvey.engine.replicates import aggregate_blocks

    aggs = {}
    for r, name in enumerate(names):
        W = keyed[name]
        nz = W != 0
        aggs.update({f"c{r}": nz.cast("int64").sum(), f"s{r}": W.sum(), f"lo{r}": W.min(where=nz),
                     f"hi{r}": W.max(where=nz)})
        if order_by is not None:
            aggs.update({f"f{r}": W.argmin(keyed[_c("o")], where=nz), f"l{r}": W.argmax(keyed[_c("o")], where=nz)})
    q = aggregate_blocks(keyed, aggs, [_c("x")], design.execute).sort_values(_c("x")).reset_index(drop=True)
    vals = q[_c("x")].to_numpy(dtype=float)
    out = []
    for r in range(len(names)):  # over the replicates, not rows
        count = q[f"c{r}"].to_numpy(dtype=np.int64)
        lo = q[f"lo{r}"].to_numpy(dtype=float, na_value=np.nan)
        hi = q[f"hi{r}"].to_numpy(dtype=float, na_value=np.nan)
        sums = np.where(lo == hi, count.astype(np.longdouble) * lo.astype(np.longdouble),
                        q[f"s{r}"].to_numpy(dtype=float).astype(np.longdouble))
        first = q[f"f{r}"].to_numpy(dtype=float, na_value=np.nan) if order_by is not None else lo
        last = q[f"l{r}"].to_numpy(dtype=float, na_value=np.nan) if order_by is not None else hi
        keep = count > 0
        runs = (vals[keep], np.where(lo == hi, lo, sums.astype(float) / np.maximum(count, 1))[keep], count[keep])
        out.append(Values.of(vals, count, sums, first, last, runs))
    return out


def replicate_interval(design, rows, order_by, rule: str, q: float, p: float, t: float, k: int,
                       values: list[Values] | None = None) -> tuple[tuple[float, float], list[Values]]:
    """R's repCI: the quantile under every replicate weight, their replicate variance around q; the replicates'
    values (read once per domain and variable) returned for the next p."""
    reps = design.replicates
    if values is None:  # ``rows`` keeps the table's columns: the replicate weights are among them
        values = replicate_values(design, rows, order_by, reps.weights(rows, rows[_c("w")]), k)
    thetas = np.array([[v.rule(rule, p) for v in values]])
    var = float(reps.covariance(thetas.T, np.array([q]))[0, 0])
    return (q - np.sqrt(var) * t, q + np.sqrt(var) * t), values


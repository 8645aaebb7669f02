"""A glm's replicate refits inside the engine (R's ``svyglm`` on a ``svrepdesign``): the model refitted under
every replicate's weights, all replicates advancing together, then R's ``svrVar`` over their coefficients.

As in memory (:func:`careersurvey.estimation.models.glm.glm`), replicate r's fit holds the rows its weight keeps
(w_r > 0), divides w_r by their mean, equilibrates by the column norms of those rows and starts from the
full-sample coefficients; its steps are the core's (:func:`~careersurvey.estimation.models.glm.scoring_steps`,
one generator per replicate). Each round evaluates every replicate still fitting at the point its steps ask for
in one aggregate query (score, information and deviance per replicate: p + p(p+1)/2 + 2 sums each, in blocks of
at most :data:`careersurvey.engine.replicates.MAX_AGGREGATES`), so a fit costs about as many rounds as its
slowest replicate needs, whatever the number of replicates or rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.engine.linear import _c
from careersurvey.engine.replicates import MAX_AGGREGATES, aggregate_blocks
from careersurvey.estimation.models.glm import check_fit, scoring_steps

__all__ = ["replicate_refits"]


def replicate_refits(pr, design, beta: np.ndarray, maxiter: int, formula: str, n: int) -> tuple[np.ndarray, str]:
    """(covariance of the coefficients by R's svrVar, the variance method's description) for the fit ``pr``
    (:class:`careersurvey.engine.glm._Problem`, ``n`` rows) with full-sample coefficients ``beta``."""
    reps = design.replicates
    W = reps.weights(pr.rows, pr.w)
    R, p = len(W), pr.p
    stack = n * R <= MAX_STACKED
    first = _first(pr, design, W, stack)
    count = first[_c("n")].to_numpy(dtype=float)
    scale = first[_c("sw")].to_numpy(dtype=float) / count
    steps = []
    for r in range(R):
        d = np.sqrt(first.loc[r, [_c(f"d{j}") for j in range(p)]].to_numpy(dtype=float))
        d = 1.0 / np.where(d == 0, 1.0, d)
        steps.append(scoring_steps(beta, _solver(d), maxiter))
    pending = {r: next(steps[r]) for r in range(R)}
    done: dict[int, tuple] = {}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while pending:  # one round: every replicate still fitting, one query
            values = (_evaluate if stack else _evaluate_wide)(pr, design, W, pending, scale)
            advanced = {}
            for r in pending:
                try:
                    advanced[r] = steps[r].send(values[r])
                except StopIteration as stop:
                    done[r] = stop.value
            pending = advanced
    thetas = np.empty((R, p))
    for r in range(R):
        b, dev, iterations, converged = done[r]
        check_fit(pr.fam, b, dev, iterations, converged, int(count[r]), bool(first.loc[r, _c("zo")]), formula,
                  f"replicate {r + 1}")
        thetas[r] = b
    return reps.covariance(thetas, beta), f"replicate weights ({reps.method}, {R})"


#: Stacked rows (the fit's rows times the replicates) up to which a round stacks the rows, one query whose size
#: grows with the replicates alone; beyond, each replicate's sums are columns of one pass over the rows (about 40
#: times faster in DuckDB at 1M rows x 20 replicates, but the query grows with replicates times sums, which
#: Ibis takes ~1 s to compile per few hundred).
MAX_STACKED = 2_000_000


def _first(pr, design, W: list, stack: bool) -> pd.DataFrame:
    """Per replicate (rows by replicate number): its kept rows _cs_n, their weight _cs_sw, the column norms
    _cs_d0.. over them and whether a response among them is 0 or 1, _cs_zo."""
    import ibis

    zero = ibis.literal(0.0, type="float64")
    R = len(W)

    def sums(rel, w, kept, tag=""):
        y = rel[_c("y")]
        x = [rel[_c(f"x{j}")] for j in range(pr.p)]
        out = {_c(f"{tag}n"): kept.cast("int64").sum(), _c(f"{tag}sw"): ibis.ifelse(kept, w, zero).sum(),
               _c(f"{tag}zo"): (kept & ((y == 0.0) | (y == 1.0))).cast("int64").sum()}
        out.update({_c(f"{tag}d{j}"): ibis.ifelse(kept, x[j] * x[j], zero).sum() for j in range(pr.p)})
        return out

    if stack:
        rel = _stacked(pr, W, list(range(R)))
        return _by_replicate(design, rel, sums(rel, rel[_c("wr")], rel[_c("kp")]), R)
    aggs = {}
    for r, w in enumerate(W):
        aggs.update(sums(pr.rows, w, w > 0, f"r{r}_"))
    row = aggregate_blocks(pr.rows, aggs, [], design.execute).iloc[0]
    names = ["n", "sw", "zo"] + [f"d{j}" for j in range(pr.p)]
    return pd.DataFrame({_c(k): [row[_c(f"r{r}_{k}")] for r in range(R)] for k in names})


def _stacked(pr, W: list, order: list[int]):
    """The fit's rows once per replicate of ``order``: its columns, the replicate _cs_rep, its weight _cs_wr and
    whether the replicate keeps the row, _cs_kp (w_r > 0). A row's replicate weight is a CASE over the
    replicates: the query's size grows with the replicates, not with replicates times sums."""
    import ibis

    rel = pr.rows.select(*pr.columns(), **{_c(f"W{r}"): W[r] for r in order})
    rel = rel.mutate(**{_c("rep"): ibis.literal(order, type="array<int64>").unnest()})
    wr = rel[_c("rep")].cases(*[(r, rel[_c(f"W{r}")]) for r in order], else_=ibis.literal(0.0, type="float64"))
    rel = rel.select(*pr.columns(), _c("rep"), **{_c("wr"): wr})
    return rel.mutate(**{_c("kp"): rel[_c("wr")] > 0})


def _by_replicate(design, rel, aggs: dict, R: int) -> pd.DataFrame:
    """``aggs`` per replicate (one row each, indexed by replicate number)."""
    out = design.execute(rel.group_by(_c("rep")).aggregate(**aggs))
    return out.set_index(_c("rep")).reindex(np.arange(R))


def _evaluate_wide(pr, design, W: list, pending: dict, scale: np.ndarray) -> dict:
    """As :func:`_evaluate`, each pending replicate's sums as columns of one pass over the rows, in blocks of at
    most MAX_AGGREGATES sums per query."""
    per = pr.p + pr.p * (pr.p + 1) // 2 + 2
    order = list(pending)
    size = max(1, MAX_AGGREGATES // per)
    trials = pr.rows[_c("tr")] if _c("tr") in pr.rows.columns else None
    out = {}
    for start in range(0, len(order), size):
        block = order[start:start + size]
        at = {}
        for r in block:
            prior = W[r] / float(scale[r])
            at[f"r{r}_"] = (pending[r], prior if trials is None else prior * trials, W[r] > 0)
        rel, aggs = pr.points(at)
        row = pr.run(aggs, rel)
        if row is None and len(block) > 1:  # an overflow somewhere in the block: each on its own
            for r in block:
                out.update(_evaluate_wide(pr, design, W, {r: pending[r]}, scale))
            continue
        out.update({r: pr.read(row, f"r{r}_") for r in block})
    return out


def _solver(d: np.ndarray):
    def solve(info, rhs):  # as the core's irls: equilibrated by the kept rows' column norms
        return d * np.linalg.solve(info * d[:, None] * d[None, :], rhs * d)

    return solve


def _evaluate(pr, design, W: list, pending: dict, scale: np.ndarray) -> dict:
    """(score, information, deviance) of each pending replicate at its point, in one query grouped by replicate
    (an overflow in the engine: each replicate on its own, so one diverging step does not halve the others)."""
    import ibis

    order = list(pending)
    rel = _stacked(pr, W, order)
    rep = rel[_c("rep")]

    def per(values) -> object:  # a replicate's own constant on each of its rows
        return rep.cases(*[(r, ibis.literal(float(v), type="float64")) for r, v in zip(order, values)])

    offset = _c("off") in rel.columns  # an offset and a cbind's trials, as the full-sample fit holds them
    eta = rel[_c("off")] if offset else ibis.literal(0.0, type="float64")
    for j in range(pr.p):  # over the coefficients
        eta = eta + rel[_c(f"x{j}")] * per([pending[r][j] for r in order])
    prior = rel[_c("wr")] / per(scale[order])
    if _c("tr") in rel.columns:
        prior = prior * rel[_c("tr")]
    rel = rel.mutate(**{_c("eta"): eta, _c("pw"): prior})
    rel, aggs = pr.sums(rel, {"": True})
    try:
        q = design.execute(rel.group_by(_c("rep")).aggregate(**aggs)).set_index(_c("rep"))
    except Exception as exc:  # noqa: BLE001 - an engine's overflow (exp of a huge eta)
        if len(order) == 1 or not ("range" in str(exc).lower() or "overflow" in str(exc).lower()):
            if len(order) == 1 and ("range" in str(exc).lower() or "overflow" in str(exc).lower()):
                return {order[0]: pr.read(None)}
            raise
        out = {}
        for r in order:
            out.update(_evaluate(pr, design, W, {r: pending[r]}, scale))
        return out
    return {r: pr.read(q.loc[r]) for r in order}

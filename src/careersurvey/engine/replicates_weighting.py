"""Raking and post-stratifying a replicate design inside the engine: every replicate's weights are weighted to
the same margins or cells, as R's ``rake``/``postStratify`` of a ``svrep.design`` and
:func:`careersurvey.estimation.weighting.ops.rake`/``poststratify`` do, so replicate variances include the step.

A replicate's factor is constant on each cell (a joint cell of the margins, or a post-stratum), like the full
sample's: one GROUP BY of the cells brings back every replicate's weighted count per cell (blocks of
:data:`careersurvey.engine.replicates.MAX_AGGREGATES`), the core's routines run on that small (cells, R) table
(:func:`~careersurvey.estimation.weighting.rake.rake_factors`,
:func:`~careersurvey.estimation.weighting.rake.poststratify_factors`), and each replicate's new weight is its old
one times its cell's factor, joined from a small table of the cells (:mod:`careersurvey.engine.cells`). The
degrees of freedom are recomputed from the new weights, as R does."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from careersurvey.engine.linear import _c
from careersurvey.engine.replicates import TableReplicates, aggregate_blocks, domain_ranks
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.rake import poststratify_factors, rake_factors

__all__ = ["calibrate_replicates", "poststratify_replicates", "rake_replicates"]


def rake_replicates(design, cells: list[str], live, table: pd.DataFrame, codes: list, sizes, targets: list,
                    tol: float, max_iter: int, weight) -> tuple[TableReplicates, object]:
    """The design's replicates raked on the ``cells`` of ``table`` (the full sample's joint cells of ``live``,
    the rows of positive weight; ``codes`` their level codes per margin; ``weight`` the design's new weight),
    and the table their factors are read from."""
    sums = _cell_sums(design, live, cells, table)
    res = rake_factors(codes, list(sizes), targets, sums, tol=tol, max_iter=max_iter)
    if not res.converged:
        raise WeightingError(f"raking of the replicate weights did not converge after {res.iterations} "
                             f"iterations (relative misfit {res.misfit:.3g}); collapse sparse levels")
    return _weighted(design, cells, table, res.factor, 1.0, weight)


def poststratify_replicates(design, cells: tuple[str, ...], table: pd.DataFrame, weight
                            ) -> tuple[TableReplicates, object]:
    """The design's replicates post-stratified to ``table``'s cells (one row per cell, population count N), and
    the table their factors are read from."""
    sums = _cell_sums(design, design.table, list(cells), table)
    labels = table[list(cells)].astype(str).agg(", ".join, axis=1).tolist()
    m = len(table)
    factor = poststratify_factors(np.arange(m), m, table["N"].to_numpy(dtype=float), sums, labels)
    return _weighted(design, list(cells), table, factor, None, weight)


def _cell_sums(design, rows, cells: list[str], table: pd.DataFrame) -> np.ndarray:
    """(cells, R): each replicate's weight summed over the ``rows`` of each cell of ``table`` (0 if none)."""
    W = design.replicates.weights(rows, design.weight_expr)
    names = [_c(f"W{r}") for r in range(len(W))]
    q = aggregate_blocks(rows, dict(zip(names, (w.sum() for w in W))), cells, design.execute)
    keys = table[cells].copy()
    for c in cells:  # the cells table may hold text keys as str
        if not pd.api.types.is_numeric_dtype(keys[c]):
            keys[c] = keys[c].astype(str)
            q[c] = q[c].astype(str)
    return keys.merge(q, on=cells, how="left")[names].fillna(0.0).to_numpy(dtype=float)


def _weighted(design, cells: list[str], table: pd.DataFrame, factor: np.ndarray, outside, weight):
    """The replicates with each one's weights times ``factor`` (cells, R) on its rows' cell (``outside``: rows
    in no cell, None for a missing weight), and the degrees of freedom of the new weights; with the design's
    table joined with the cells' factors (:func:`~careersurvey.engine.cells.join_cells`), which they read."""
    import ibis

    from careersurvey.engine.cells import join_cells

    names = [_c(f"rw_f{r}") for r in range(factor.shape[1])]
    t = join_cells(design.table, cells, table, dict(zip(names, factor.T)), _c("rw_cell"))
    other = ibis.null("float64") if outside is None else ibis.literal(float(outside), type="float64")
    factors = [ibis.ifelse(t[_c("rw_cell")].isnull(), other, t[n]) for n in names]
    new = design.replicates.weighted(design.weight_expr, factors, 0)
    rank = domain_ranks(t, new.weights(t, weight), None, (), design.execute)
    return replace(new, degf=int(rank[0]) - 1), t


def calibrate_replicates(design, table, x: tuple[str, ...], inv: str | None, targets: np.ndarray, names: list[str],
                         method: str, b, tol: float, max_iter: int, limits, regression: bool):
    """Every replicate's weights calibrated to ``targets`` on the model columns ``x`` of ``table`` (R's
    ``calibrate.svyrep.design``): all replicates advance together, each Newton round one aggregate pass
    (:func:`~careersurvey.engine.calibration_newton.newton_columns`); ``limits``: each replicate's g trimmed, its
    cut shared by that replicate's weights. Returns the replicates with each one's g as its factor (an expression,
    so queries that do not read the replicates stay short); the degrees of freedom recomputed from them after an
    unbounded linear calibration (R's ``regcalibrate``), kept otherwise (R's ``grake`` path), as the core."""
    from careersurvey.engine.calibration_newton import Stack, crossproducts, g_value, newton_columns, trim_shares

    reps = design.replicates
    W = reps.weights(table, table[_c("cw0")])
    R = len(W)
    stack = Stack.of(table, W)
    cross, totals, _ = crossproducts(design, stack, x, inv)
    res = newton_columns(design, stack, x, inv, targets, method, b, tol, max_iter, cross, totals)
    trims, n_trimmed = [()] * R, 0
    if limits is not None:
        trims, n_trimmed = trim_shares(design, stack, x, inv, method, b, res.eta, limits)
    if not res.converged.all() and not n_trimmed:
        raise res.error(targets, names, method, b, max_iter, replicates=True)
    factors = [g_value(table, method, b, x, res.eta[:, r], inv, trims[r]) for r in range(R)]
    out = reps.weighted(design.weight_expr, factors, reps.degf)
    if regression:
        W = out.weights(table, design.weight_expr)  # (the multipliers' base is set: the weight is not read)
        out = replace(out, degf=int(domain_ranks(table, W, None, (), design.execute)[0]) - 1)
    return out

"""Calibration inside the engine (R's ``calibrate``): linear, raking and logit distances with bounds, R's
``aggregate.stage``, ``variance=`` and ``trim=``, as :func:`careersurvey.estimation.weighting.calibrate`.

The model matrix is a few Ibis columns (one per level of a margin, one per numeric total); each Newton
iteration of R's ``grake`` is one aggregate (X' diag(w F'(u)) X, X' w (g - 1), whether g is finite), the step
and the convergence test the core's (:mod:`careersurvey.estimation.weighting.calibrate`), and the distances are
the core's formulas evaluated on expressions (:class:`IbisOps`). The new weight is w0 times g, an expression of
X eta. Estimates carry R's calibration residuals z - g w0 X B, B the w0-weighted regression of z / g on X, from
the Gram X' W0 X (read once) and per domain the sums X' z / g (:func:`calibration_pairs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.engine.calibration_newton import (IbisOps, Stack, crossproducts, newton_columns, trim_shares,
                                                   with_g)
from careersurvey.engine.source import EngineError
from careersurvey.estimation.weighting.calibrate import (METHODS, Bounds, check_bounds_reachable, gram_coefficients,
                                                         trim_limits)
from careersurvey.estimation.weighting.errors import WeightingError

__all__ = ["Calibrated", "IbisOps", "calibrate", "calibration_pairs"]

_P = "_cs_"


@dataclass(frozen=True, eq=False)
class Calibrated:
    """A recorded calibration: the model columns ``x`` (names of columns of the design's table, whose rows carry
    them), the multipliers ``eta``, the Gram ``gram`` = X' diag(bw / sigma2) X of the residual regression, and
    the column names of the initial weight ``w0``, of the regression weight ``bw`` and of 1 / sigma2 (None: 1)."""

    method: str
    names: tuple[str, ...]
    targets: np.ndarray
    bounds: Bounds
    iterations: int
    x: tuple[str, ...]
    eta: np.ndarray
    w0: str
    bw: str
    inv: str | None
    resid_inv: str | None
    gram: np.ndarray
    trim: tuple = ()

    def g(self, rel):
        """The g-weight on the rows of ``rel`` (a relation derived from the design's table: its column)."""
        return rel[f"{_P}cg"]

    def describe(self) -> str:
        how = [f"{self.method} distance"]
        if self.bounds.finite:
            how.append(f"g within [{self.bounds.lower:g}, {self.bounds.upper:g}]")
        return f"calibrated on {', '.join(self.names)} ({', '.join(how)}, {self.iterations} iterations)"


def _model(design, totals: Mapping, population_total):
    """(names, targets, columns {name: expression}, numeric variables) of the calibration model, from one
    GROUP BY of the categorical margins (the core's build_model on those cells)."""
    import ibis

    from careersurvey.engine.estimators import _refuse_codes
    from careersurvey.estimation.weighting.margins import build_model

    if not isinstance(totals, Mapping) or not totals:
        raise WeightingError("targets must be a non-empty mapping {variable: {level: total}} or {variable: total}")
    t = design.table
    cats = [v for v, val in totals.items() if v != "(Intercept)" and isinstance(val, Mapping)]
    nums = [v for v, val in totals.items() if v != "(Intercept)" and not isinstance(val, Mapping)]
    for v in cats + nums:
        if not isinstance(v, str):
            raise EngineError(f"calibration margin {v!r}: crossed margins are not on the engine path; add a column "
                              "of the crossed levels to the table first")
        if v not in t.columns:
            raise WeightingError(f"calibration variable {v!r}: the table has no such column; columns are "
                                 f"{', '.join(list(t.columns)[:20])}")
    _refuse_codes(design, cats + nums, "calibration variable")
    w = design.weight_expr
    aggs = {"W_old": w.sum(), "n": t.count()}
    num_cols = {}
    for i, v in enumerate(nums):
        col = t[v].cast("float64")
        if t[v].type().is_floating():
            col = ibis.ifelse(t[v].isnan(), ibis.null("float64"), col)
        num_cols[v] = col
        aggs[f"{_P}na{i}"] = col.isnull().cast("int64").sum()
    cells = design.execute(t.group_by(cats).aggregate(**aggs) if cats else t.aggregate(**aggs))
    for i, v in enumerate(nums):
        bad = int(cells[f"{_P}na{i}"].sum())
        if bad:
            raise WeightingError(f"calibration total {v!r}: {bad} rows are missing or not numbers; impute or drop "
                                 "them before calibrating")
    frame = cells[cats].copy()
    for v in nums:
        frame[v] = 0.0  # build_model checks the numeric totals; their values come from the table
    model = build_model(frame, totals, cells["W_old"].to_numpy(dtype=float), population_total=population_total)
    names, targets = model.columns()
    cols: dict[str, Any] = {}
    if not model.margins and model.population_total is not None:
        cols["(Intercept)"] = ibis.literal(1.0, type="float64")
    for k, m in enumerate(model.margins):
        var = m.variable
        values = cells[var].to_numpy()
        for j, label in enumerate(m.labels()):
            if k and j == 0:
                continue
            held = [v.item() if hasattr(v, "item") else v for v in values[m.codes == j]]
            cols[label] = t[var].isin(held).cast("float64") if held else ibis.literal(0.0, type="float64")
    for v in nums:
        cols[v] = num_cols[v]
    return list(names), targets, list(cols.values())


def calibrate(design, totals: Mapping, method: str = "linear", bounds=None, max_iter: int = 50, tol: float = 1e-7,
              population_total: float | None = None, aggregate_stage: int | None = None,
              variance: str | None = None, trim: tuple[float, float] | None = None, **other):
    """R's ``calibrate`` in the engine, as ``SurveyDesign.calibrate`` (see the module)."""
    from careersurvey.engine.weighting import check_weighting

    if other:
        raise EngineError(f"calibrate({', '.join(other)}=...) is not on the engine path (it takes method, bounds, "
                          "max_iter, tol, population_total, aggregate_stage, variance, trim); calibrate in memory "
                          "with cs.SurveyDesign(...).calibrate")
    if method not in METHODS:
        raise WeightingError(f"method={method!r}: use one of {', '.join(METHODS)}")
    check_weighting(design, "calibrate", "calibration", "calibrate", replicates_ok=True)
    if aggregate_stage is not None and design.replicates is not None:
        raise WeightingError("aggregate_stage= is for designs with stages; a replicate design has none left "
                             "(R's calibrate of a replicate design takes aggregate.index instead)")
    b = Bounds.of(bounds, method)
    limits = trim_limits(trim) if trim is not None else None
    names, t_vec, xcols = _model(design, totals, population_total)
    p = len(names)
    t = design.table
    cols = {f"{_P}cx{j}": x for j, x in enumerate(xcols)}
    cols[f"{_P}cw0"] = design.weight_expr
    regression = method == "linear" and not b.finite
    if variance is not None:
        if not isinstance(variance, str) or variance not in t.columns:
            raise WeightingError(f"calibrate(variance={variance!r}): no such column; give a column, the calibration "
                                 "model's variance of each row (R's variance=)")
        cols[f"{_P}cs2"] = t[variance].cast("float64")
    table = t.mutate(**cols)
    if aggregate_stage is not None:  # R's aggregate.stage: X and w0 averaged within the stage's units
        stages = design.stages
        if not isinstance(aggregate_stage, (int, np.integer)) or not 1 <= aggregate_stage <= len(stages):
            raise WeightingError(f"aggregate_stage={aggregate_stage!r}: the design has {len(stages)} stage(s); give "
                                 "1 for weights constant within PSUs")
        keys = stages[aggregate_stage - 1].keys
        unit = list(dict.fromkeys(list(keys.stratum) + list(keys.unit)))
        if unit and not keys.rows_are_units:
            avg = [f"{_P}cx{j}" for j in range(p)] + [f"{_P}cw0"] + ([f"{_P}cs2"] if variance and regression else [])
            table = table.mutate(**{f"{_P}a{c}": table[c].mean().over(group_by=unit) for c in avg})
            table = table.mutate(**{c: table[f"{_P}a{c}"] for c in avg}, **{f"{_P}rw0": table[f"{_P}cw0"]})
            table = table.drop(*[f"{_P}a{c}" for c in avg])
    if variance is not None:
        bad = int(design.execute(table.aggregate(n=((table[f"{_P}cs2"] <= 0) | table[f"{_P}cs2"].isnull()
                                                     | table[f"{_P}cs2"].isnan()).cast("int64").sum()))["n"].iat[0])
        if bad:
            raise WeightingError(f"calibrate: variance column {variance!r} must be positive numbers; {bad} row(s) "
                                 "are not")
        table = table.mutate(**{f"{_P}ci": 1.0 / table[f"{_P}cs2"]})
    x = tuple(f"{_P}cx{j}" for j in range(p))
    inv = f"{_P}ci" if variance is not None else None
    resid_inv = inv if regression else None
    eta, iterations, gram = _newton(design, table, x, inv, resid_inv, t_vec, names, method, b, tol, max_iter,
                                    limits)
    trimmed = ()
    if limits is not None:
        shares, _ = trim_shares(design, Stack.of(table, [table[f"{_P}cw0"]]), x, inv, method, b, eta[:, None], limits)
        trimmed = shares[0]
    final = with_g(table, method, b, x, {"": eta}, inv, {"": trimmed})
    step = Calibrated(method, tuple(names), t_vec, b, iterations, x, eta, f"{_P}cw0", f"{_P}cw0", inv, resid_inv,
                      gram, trimmed)
    w_new = final[f"{_P}rw0"] if f"{_P}rw0" in final.columns else final[f"{_P}cw0"]
    reps = design.replicates
    if reps is not None:  # every replicate calibrated to the same totals (R's calibrate.svyrep.design)
        from careersurvey.engine.replicates_weighting import calibrate_replicates

        reps = calibrate_replicates(design, final, x, inv, t_vec, names, method, b, tol, max_iter, limits, regression)
    return design._evolved(table=final, weight_expr=w_new * final[f"{_P}cg"], replicates=reps,
                           adjustments=design.adjustments + (step,))


def _newton(design, table, x, inv, resid_inv, targets, names, method, b: Bounds, tol, max_iter, limits):
    """The core's solve_g for the design's weights (:func:`.calibration_newton.newton_columns` on one column):
    (eta, iterations, the Gram X' diag(w0 / sigma2) X of the residual regression, read with the first aggregate)."""
    p = len(x)
    w = table[f"{_P}cw0"]
    first = {f"{_P}min{j}": table[x[j]].min() for j in range(p)}
    if resid_inv != inv:
        rw = w * (table[resid_inv] if resid_inv else 1.0)
        first.update({f"{_P}r{i}_{j}": (table[x[i]] * table[x[j]] * rw).sum() for i in range(p) for j in range(i, p)})
    stack = Stack.of(table, [w])
    cross, totals, row = crossproducts(design, stack, x, inv, first)
    gram = cross[0]
    if resid_inv != inv:
        gram = np.zeros((p, p))
        for i in range(p):
            for j in range(i, p):
                gram[i, j] = gram[j, i] = float(row[f"{_P}r{i}_{j}"])
    nonneg = np.array([float(row[f"{_P}min{j}"]) >= 0 for j in range(p)])
    check_bounds_reachable(nonneg, totals[:, 0], targets, names, b)
    res = newton_columns(design, stack, x, inv, targets, method, b, tol, max_iter, cross, totals)
    if not res.converged[0] and limits is None:  # R's trim= after a calibration that did not converge: kept
        raise res.error(targets, names, method, b, max_iter, replicates=False)
    return res.eta[:, 0], int(res.iterations[0]), gram


def calibration_sums(design, step: Calibrated, rel, k: int, group: str | None):
    """Per domain (``group``'s values, or one row): the sums X' (z / (g sigma2)) over rows where g bw > 0."""
    import ibis

    g = step.g(rel)
    live = (g * rel[step.bw]) > 0
    scale = (rel[step.resid_inv] if step.resid_inv else 1.0) / g
    aggs = {f"{_P}S{j}_{c}": ibis.ifelse(live, rel[step.x[j]] * rel[f"{_P}z{c}"] * scale, 0.0).sum()
            for j in range(len(step.x)) for c in range(k)}
    q = design.execute(rel.group_by(group).aggregate(**aggs) if group else rel.aggregate(**aggs))
    return q


def calibration_pairs(design, est, member, by: tuple[str, ...], dom: pd.DataFrame, joined, zcols: dict, k: int,
                      G: int):
    """Every row of the design paired with every domain: R's calibration residual of the domain's influence
    values, (z if in the domain and g w0 > 0) - g w0 X B(domain), as columns _cs_z0.. with _cs_g."""
    from careersurvey.engine.weighting import _keys, paired_residuals

    step = design.adjustments[0]
    B = calibration_coefficients(design, step, joined.mutate(**zcols), k, G)
    A = B.merge(dom.rename(columns=_keys(by)), on=f"{_P}g", how="left")
    return paired_residuals(design, est, member, by, A, [], k, lambda pairs, w, c: _fitted(step, pairs, c),
                            live=lambda pairs: (step.g(pairs) * pairs[step.bw]) > 0)


def calibration_coefficients(design, step: Calibrated, rel, k: int, G: int) -> pd.DataFrame:
    """Per domain _cs_g of ``rel`` (influence values _cs_z0..): B, the regression of z / g on X (columns
    _cs_B{j}_{c}), from the sums X' z / g and the Gram read with the calibration."""
    p = len(step.x)
    q = calibration_sums(design, step, rel, k, f"{_P}g").set_index(f"{_P}g").reindex(range(G))
    frame = {f"{_P}g": np.arange(G, dtype=np.int64)}
    B = np.zeros((G, p, k))
    for gi in range(G):  # over domains: a (p, p) solve each
        S = np.array([[float(q[f"{_P}S{j}_{c}"].iat[gi]) for c in range(k)] for j in range(p)])
        B[gi] = gram_coefficients(step.gram, np.nan_to_num(S))
    for j in range(p):
        for c in range(k):
            frame[f"{_P}B{j}_{c}"] = B[:, j, c]
    return pd.DataFrame(frame)


def _fitted(step: Calibrated, pairs, c: int):
    """g w0 X B of estimate column c on the ``pairs`` (B joined per domain)."""
    import ibis

    fit = ibis.literal(0.0, type="float64")
    for j in range(len(step.x)):
        fit = fit + pairs[step.x[j]] * pairs[f"{_P}B{j}_{c}"]
    return step.g(pairs) * pairs[step.bw] * fit


def calibration_then(design, step: Calibrated, rel, k: int, G: int):
    """A calibration after an earlier step: ``rel`` (every row paired with every domain, the earlier step's
    residuals as _cs_z0..) taken through the calibration's residual, z (where g w0 > 0) - g w0 X B(domain)."""
    import ibis

    B = calibration_coefficients(design, step, rel, k, G)
    pairs = rel.inner_join(ibis.memtable(B), f"{_P}g")
    live = (step.g(pairs) * pairs[step.bw]) > 0
    return pairs.mutate(**{f"{_P}z{c}": ibis.ifelse(live, pairs[f"{_P}z{c}"], 0.0) - _fitted(step, pairs, c)
                           for c in range(k)})

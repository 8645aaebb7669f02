"""Raking inside the engine (R's ``rake()``): weights from iterative proportional fitting over the margins, and
the variance of estimates on the raked design as R's ``svyrecvar`` gives it for a raking record.

The raking factor is constant on each joint cell (a combination of the margins' levels), so one GROUP BY of the
margins brings back every cell's weighted count and rows; the passes of post-stratification over the margins run
on that small table (:func:`careersurvey.estimation.weighting.rake.rake_factors`, the in-memory routine), and the
new weight is the old one times its joint cell's factor, joined from a table of the cells
(:mod:`careersurvey.engine.cells`). R's residuals (ten sweeps, margin by margin, of z <- z - w mean_level(z / w),
the mean unweighted over the level's rows) subtract from z / w a constant per (joint cell, domain), found from
the cells' sums of z / w alone (:func:`careersurvey.estimation.weighting.rake.rake_shift`); the rows are read
twice (cell sums, then z - w shift). Post-stratification (:mod:`careersurvey.engine.weighting`) is the one-margin
case with R's other residual (weighted cell means)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.engine.source import EngineError

__all__ = ["Raked", "rake", "rake_pairs"]


@dataclass(frozen=True, eq=False)
class Raked:
    """A recorded raking: the margin columns, and per joint cell of the sample (rows of positive weight) its
    levels (as the table holds them), level codes per margin ``_c0``.., rows ``n``, old weighted count ``W_old``
    and factor ``g``; ``sizes`` the margins' numbers of levels."""

    cells: tuple[str, ...]
    table: pd.DataFrame
    sizes: tuple[int, ...]
    iterations: int

    def describe(self) -> str:
        return f"raked on {', '.join(self.cells)} ({self.iterations} iterations)"


def rake(design, margins: Mapping, max_iter: int = 100, tol: float = 1e-10):
    """R's ``rake()``: ``margins`` {variable: {level: population count}}; converged when a whole cycle moves no
    margin level by more than ``tol`` (relative), as ``SurveyDesign.rake``."""
    import ibis

    from careersurvey.engine.cells import join_cells
    from careersurvey.engine.weighting import check_weighting
    from careersurvey.estimation.weighting.errors import WeightingError
    from careersurvey.estimation.weighting.margins import build_model
    from careersurvey.estimation.weighting.ops import _rake_error
    from careersurvey.estimation.weighting.rake import rake_factors

    check_weighting(design, "rake", "raking", "rake", replicates_ok=True)
    if not isinstance(margins, Mapping) or not margins:
        raise EngineError("rake() takes margins {variable: {level: population count}}")
    cells = tuple(margins)
    t = design.table
    for c in cells:
        if not isinstance(margins[c], Mapping):
            raise EngineError(f"rake() takes categorical margins {{variable: {{level: total}}}}; {c!r} is a number")
        if c not in t.columns:
            raise EngineError(f"raking variable {c!r} is not in the table")
    from careersurvey.engine.estimators import _refuse_codes

    _refuse_codes(design, list(cells), "raking variable")
    w = design.weight_expr
    live = t.mutate(_cs_w=w).filter(lambda r: r["_cs_w"] > 0)
    sample = design.execute(live.group_by(list(cells)).aggregate(W_old=live["_cs_w"].sum(), n=live.count()))
    if sample[list(cells)].isna().any().any():
        raise EngineError(f"raking variables {list(cells)} have missing values; every row needs a level")
    for c in cells:  # the cells table's rows are not the data's: name the levels and their rows here
        known = {str(k) for k in margins[c]}
        extra = sample.loc[~sample[c].astype(str).isin(known)]
        if len(extra):
            rows = extra.groupby(extra[c].astype(str))["n"].sum()
            raise WeightingError(f"margin {c!r}: sample level(s) {', '.join(rows.index)} ({int(rows.sum()):,} rows "
                                 f"of positive weight) have no target; targets exist for "
                                 f"{', '.join(map(str, margins[c]))}. Add their totals, or collapse them into a "
                                 "target level first")
    model = build_model(sample[list(cells)], margins, sample["W_old"].to_numpy(dtype=float))
    codes = [m.codes for m in model.margins]
    sizes = tuple(len(m.levels) for m in model.margins)
    res = rake_factors(codes, list(sizes), [m.totals for m in model.margins], sample["W_old"].to_numpy(dtype=float),
                       tol=tol, max_iter=max_iter)
    if not res.converged:
        raise _rake_error(model, sample["W_old"].to_numpy(dtype=float) * res.factor, res.iterations, res.misfit,
                          max_iter, "")
    table = sample.assign(g=res.factor, **{f"_c{j}": c for j, c in enumerate(codes)})
    rel = join_cells(t, cells, table, {"_cs_rk_g": table["g"]}, "_cs_rk_cell")  # rows of no cell (weight 0): 1
    factor = ibis.ifelse(rel["_cs_rk_cell"].isnull(), ibis.literal(1.0, type="float64"), rel["_cs_rk_g"])
    step = Raked(cells, table, sizes, int(res.iterations))
    reps = design.replicates
    if reps is not None:  # every replicate raked to the same margins (R's rake of a svrep.design)
        from careersurvey.engine.replicates_weighting import rake_replicates

        reps, rel = rake_replicates(design._evolved(table=rel), list(cells), live, table, codes, sizes,
                                    [m.totals for m in model.margins], tol, max_iter, w * factor)
    return design._evolved(table=rel, weight_expr=w * factor, adjustments=design.adjustments + (step,),
                           replicates=reps)


def rake_pairs(design, est, member, by: tuple[str, ...], dom: pd.DataFrame, joined, zcols: dict, k: int, G: int):
    """Every row of the design paired with every domain: R's raking residual of the domain's influence values,
    (z if the row is in the domain) - w shift(cell, domain), as columns _cs_z0.. with the domain number _cs_g,
    ready for the stage aggregates (rows of zero weight keep z)."""
    import ibis

    from careersurvey.engine.linear import _c
    from careersurvey.engine.weighting import _keys, paired_residuals

    step = design.adjustments[0]
    A = _shifts(design, step, joined.mutate(**zcols), k, G).merge(dom.rename(columns=_keys(by)), on=_c("g"),
                                                                   how="left")
    return paired_residuals(design, est, member, by, A, list(step.cells), k,
                            lambda pairs, w, c: ibis.ifelse(w > 0, w * pairs[_c(f"A{c}")], 0.0))


def rake_then(design, step: Raked, rel, k: int, G: int):
    """A raking after an earlier step: ``rel`` (every row paired with every domain, the earlier step's residuals
    as _cs_z0..) taken through R's raking residual, z - w shift(cell, domain) (rows of zero weight keep z)."""
    import ibis

    from careersurvey.engine.linear import _c

    cells = list(step.cells)
    shifts = _shifts(design, step, rel, k, G).rename(columns={_c(f"A{c}"): _c(f"RA{c}") for c in range(k)})
    pairs = rel.left_join(ibis.memtable(shifts), [*cells, _c("g")])
    w = pairs[_c("w")]
    return pairs.mutate(**{_c(f"z{c}"): pairs[_c(f"z{c}")] - ibis.ifelse(w > 0, w * pairs[_c(f"RA{c}")], 0.0)
                           .fill_null(0.0) for c in range(k)})


def _shifts(design, step: Raked, rel, k: int, G: int) -> pd.DataFrame:
    """Per (joint cell, domain): the constant R's ten sweeps subtract from z / w (columns _cs_A0..), from the
    cells' sums of z / w over the rows of positive weight of ``rel`` (influence values _cs_z0.., domain _cs_g)."""
    from careersurvey.engine.linear import _c
    from careersurvey.estimation.weighting.rake import rake_shift

    cells = list(step.cells)
    live = rel.filter(rel[_c("w")] > 0)
    sums = design.execute(live.group_by([*cells, _c("g")]).aggregate(
        **{_c(f"S{c}"): (live[_c(f"z{c}")] / live[_c("w")]).sum() for c in range(k)}))
    tab = step.table.reset_index(drop=True)
    key = tab[cells].astype(str).agg("\x1f".join, axis=1) if cells else pd.Series([""] * len(tab))
    at = pd.Series(np.arange(len(tab)), index=key.to_numpy())
    skey = sums[cells].astype(str).agg("\x1f".join, axis=1)
    ci = at.reindex(skey.to_numpy()).to_numpy()
    if np.isnan(ci.astype(float)).any():
        raise EngineError("a domain's rows fall in a cell the raking did not see; rake again on this table")
    S = np.zeros((len(tab), G * k))  # columns: domain-major, then estimate column
    gi = sums[_c("g")].to_numpy(dtype=np.int64)
    for c in range(k):
        np.add.at(S, (ci.astype(np.int64), gi * k + c), sums[_c(f"S{c}")].to_numpy(dtype=float))
    levels = [tab[f"_c{j}"].to_numpy(dtype=np.int64) for j in range(len(cells))]
    shift = rake_shift(levels, step.sizes, tab["n"].to_numpy(dtype=float), S)
    frame = {c: np.repeat(tab[c].to_numpy(), G) for c in cells}
    frame[_c("g")] = np.tile(np.arange(G, dtype=np.int64), len(tab))
    for c in range(k):
        frame[_c(f"A{c}")] = shift[:, c::k].reshape(-1)
    return pd.DataFrame(frame)

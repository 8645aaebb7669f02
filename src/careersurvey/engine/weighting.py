"""Post-stratification inside the engine (R's ``postStratify``): cell sums by one GROUP BY, the new weight the
old one times its row's cell factor (joined from a small table of the cells: :mod:`careersurvey.engine.cells`),
and the variance of estimates on the post-stratified design from residuals formed in the engine, as R's
``svyrecvar`` forms them (the core's :class:`careersurvey.estimation.weighting.rake.PostStratStep`):
z - w_new * (cell sum of z w_old / w_new) / (cell sum of w_old). Under post-stratification w_old / w_new is the
cell's constant, so the correction of a row is w_new times a (cell, domain) constant A computed from cell sums;
the residuals then go through the same stage aggregates as any estimate (rows outside a domain carry their
correction too, as in R)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.engine.cells import join_cells
from careersurvey.engine.source import EngineError

__all__ = ["PostStratified", "paired_residuals", "poststratify", "residual_pairs"]


@dataclass(frozen=True, eq=False)
class PostStratified:
    """A recorded post-stratification: the cell columns and, per cell, the population total ``N``, the sample's
    weighted count under the old weights ``W_old`` and the factor ``g`` = N / W_old."""

    cells: tuple[str, ...]
    table: pd.DataFrame

    def describe(self) -> str:
        return f"post-stratified on {', '.join(self.cells)}"


def _totals_frame(cells: tuple[str, ...], totals) -> pd.DataFrame:
    if isinstance(totals, pd.DataFrame):
        freq = [c for c in totals.columns if c not in cells]
        if len(freq) != 1:
            raise EngineError(f"post-stratification totals need the columns {list(cells)} and one count column "
                              f"(e.g. 'Freq'); got {list(totals.columns)}")
        return totals.rename(columns={freq[0]: "N"})[[*cells, "N"]].copy()
    if not isinstance(totals, Mapping):
        raise EngineError("totals must be a mapping level -> population count, or a DataFrame with a count column")
    keys = list(totals)
    if len(cells) == 1:
        return pd.DataFrame({cells[0]: keys, "N": [float(totals[k]) for k in keys]})
    rows = [tuple(k) + (float(totals[k]),) for k in keys]
    return pd.DataFrame(rows, columns=[*cells, "N"])


def poststratify(design, variables: str | Sequence[str], totals: Any, partial: bool = False):
    """R's ``postStratify``: weights times the population count over the sample's weighted count of each row's
    cell; every sample cell needs a population count (and every population cell a sample row, unless
    ``partial``: then those cells are left out with a warning, as ``SurveyDesign.poststratify``)."""
    check_weighting(design, "post-stratify", "post-stratification", "poststratify", replicates_ok=True)
    cells = (variables,) if isinstance(variables, str) else tuple(variables)
    t = design.table
    for c in cells:
        if c not in t.columns:
            raise EngineError(f"post-stratification variable {c!r} is not in the table")
    pop = _totals_frame(cells, totals)
    sample = design.execute(t.group_by(list(cells)).aggregate(W_old=design.weight_expr.sum(), n=t.count()))
    if sample[list(cells)].isna().any().any():
        raise EngineError(f"post-stratification variables {list(cells)} have missing values; every row needs a cell")
    for c in cells:  # compare keys as the table holds them (numbers stay numbers)
        if pd.api.types.is_numeric_dtype(sample[c]) and not pd.api.types.is_numeric_dtype(pop[c]):
            pop[c] = pd.to_numeric(pop[c])
        elif not pd.api.types.is_numeric_dtype(sample[c]):
            pop[c] = pop[c].astype(str)
            sample[c] = sample[c].astype(str)
    merged = sample.merge(pop, on=list(cells), how="outer", indicator=True)
    lacking = merged[merged["_merge"] == "left_only"]
    if len(lacking):
        raise EngineError(f"the sample has cell(s) {lacking[list(cells)].to_dict('records')[:5]} without a population "
                          "count; give their totals or collapse them with a neighbouring cell")
    empty = merged[merged["_merge"] == "right_only"]
    if partial and len(empty):
        import warnings

        gone = empty[empty["N"] > 0]
        if len(gone):
            names = [str(r[0]) if len(cells) == 1 else str(tuple(r)) for r in gone[list(cells)].itertuples(index=False)]
            var = cells[0] if len(cells) == 1 else cells
            warnings.warn(f"post-stratification on {var}: cells {', '.join(names)} have a population total "
                          f"({float(gone['N'].sum()):,.6g} in all) but no sample row; left out (partial=True, as "
                          "R's postStratify)", stacklevel=3)
        merged = merged[merged["_merge"] != "right_only"]
        empty = merged.iloc[:0]
    if len(empty):
        raise EngineError(f"population cell(s) {empty[list(cells)].to_dict('records')[:5]} have no sample row; "
                          "collapse them with a neighbouring cell")
    table = merged.drop(columns="_merge").reset_index(drop=True)
    table["g"] = table["N"] / table["W_old"]
    rel = join_cells(t, cells, table, {"_cs_ps_g": table["g"]}, "_cs_ps_cell")  # NULL: a row in no cell
    factor = rel["_cs_ps_g"]
    step = PostStratified(cells, table)
    reps = design.replicates
    if reps is not None:  # every replicate post-stratified to the same totals (R's postStratify.svyrep.design)
        from careersurvey.engine.replicates_weighting import poststratify_replicates

        reps, rel = poststratify_replicates(design._evolved(table=rel), cells, table, design.weight_expr * factor)
    return design._evolved(table=rel, weight_expr=design.weight_expr * factor,
                           adjustments=design.adjustments + (step,), replicates=reps)


def check_weighting(design, verb: str, noun: str, method: str, replicates_ok: bool = False) -> None:
    """Refuse a weighting step on a domain, on a replicate design (unless the step weights every replicate:
    ``replicates_ok``), or after another step (a calibration, raking or post-stratification may follow a
    nonresponse adjustment, whose respondents' domain it keeps)."""
    from careersurvey.engine.nonresponse import TableNonresponse
    from careersurvey.engine.trim import Trimmed

    steps = [a for a in design.adjustments if not isinstance(a, Trimmed)]
    after = bool(steps) and isinstance(steps[0], TableNonresponse) and design.domain is steps[0].domain
    if design.domain is not None and not after:
        raise EngineError(f"{verb} the whole sample, then take the domain (subset after {method})")
    if design.replicates is not None and not replicates_ok:
        raise EngineError(f"{noun} of a replicate design is not on the engine path yet; "
                          f"use cs.SurveyDesign.from_replicates(...).{method} in memory")
    if steps and not (len(steps) == 1 and after and method in FOLLOW_NONRESPONSE):
        raise EngineError(f"the engine path weights once, or once more after adjust_nonresponse (calibrate, rake, "
                          f"poststratify); {noun} after {steps[-1].describe()} runs in memory")


#: the steps the engine path takes after adjust_nonresponse (their residuals through both steps)
FOLLOW_NONRESPONSE = ("calibrate", "rake", "poststratify")


def variance_steps(design) -> tuple:
    """The weighting steps whose residuals the variance takes, in order (trimming leaves weights fixed, as in R)."""
    from careersurvey.engine.trim import Trimmed

    steps = tuple(a for a in design.adjustments if not isinstance(a, Trimmed))
    if steps and len(design.adjustments) > len(steps):
        raise EngineError(f"estimates after {design.adjustments[-1].describe()} of a design {steps[0].describe()} "
                          "are not on the engine path (its residuals need the weights before trimming); estimate "
                          "in memory, or read the final weights with weighted_table()")
    return steps


def variance_step(design):
    """The first weighting step whose residuals the variance takes, or None."""
    steps = variance_steps(design)
    return steps[0] if steps else None


def step_residuals(design, est, member, by: tuple[str, ...], dom: pd.DataFrame, joined, zcols: dict, k: int,
                   G: int):
    """Every row of the design paired with every domain, its influence values taken through each recorded
    weighting step in order (R's svyrecvar over the design's postStrata), as columns _cs_z0.. with _cs_g."""
    from careersurvey.engine.calibration import Calibrated, calibration_pairs, calibration_then
    from careersurvey.engine.nonresponse import TableNonresponse, nonresponse_pairs
    from careersurvey.engine.raking import Raked, rake_pairs, rake_then

    first, *later = variance_steps(design)
    if isinstance(first, Raked):
        rel = rake_pairs(design, est, member, by, dom, joined, zcols, k, G)
    elif isinstance(first, Calibrated):
        rel = calibration_pairs(design, est, member, by, dom, joined, zcols, k, G)
    elif isinstance(first, TableNonresponse):
        rel = nonresponse_pairs(design, est, member, by, dom, joined, zcols, k, G)
    else:
        rel = residual_pairs(design, est, member, by, dom, joined, zcols, k)
    for step in later:  # check_weighting lets a calibration, raking or post-stratification follow the adjustment
        if isinstance(step, Calibrated):
            rel = calibration_then(design, step, rel, k, G)
        elif isinstance(step, Raked):
            rel = rake_then(design, step, rel, k, G)
        else:
            rel = poststratify_then(design, step, rel, k, first)
    return rel


def poststratify_then(design, step: PostStratified, rel, k: int, before):
    """A post-stratification after a nonresponse adjustment (``before``, whose weight w_old it re-weights):
    ``rel`` (every row paired with every domain, the adjustment's residuals as _cs_z0..) taken through the core's
    PostStratStep residual, z - psw M(cell, domain), M the cell sum of z w_old / psw over the cell's w_old, psw
    the new weight (1 where both weights are 0)."""
    import ibis

    from careersurvey.engine.linear import _c

    cells = list(step.cells)
    w_new, w_old = rel[_c("w")], rel[before.w0] * rel[before.factor]
    rel = rel.mutate(**{_c("psw"): ibis.ifelse((w_new == 0) & (w_old == 0), 1.0, w_new)})
    psw = rel[_c("psw")]
    ratio = ibis.ifelse(psw > 0, w_old / psw, 0.0)
    sums = design.execute(rel.group_by([*cells, _c("g")]).aggregate(
        **{_c(f"PM{c}"): (rel[_c(f"z{c}")] * ratio).sum() for c in range(k)}))
    cell_tab = step.table[[*cells, "W_old"]].copy()
    for c in cells:
        if not pd.api.types.is_numeric_dtype(sums[c]):
            sums[c] = sums[c].astype(str)
            cell_tab[c] = cell_tab[c].astype(str)
    sums = sums.merge(cell_tab, on=cells, how="inner")
    den = sums["W_old"].to_numpy(dtype=float)
    for c in range(k):  # the core's cell means: 0 in a cell without old weight
        sums[_c(f"PM{c}")] = np.divide(sums[_c(f"PM{c}")].to_numpy(dtype=float), den, out=np.zeros(len(den)),
                                       where=den > 0)
    pairs = rel.left_join(ibis.memtable(sums.drop(columns="W_old")), [*cells, _c("g")])
    return pairs.mutate(**{_c(f"z{c}"): pairs[_c(f"z{c}")] - (pairs[_c("psw")] * pairs[_c(f"PM{c}")]).fill_null(0.0)
                           for c in range(k)})


def residual_pairs(design, est, member, by: tuple[str, ...], dom: pd.DataFrame, joined, zcols: dict, k: int):
    """Every row of the design paired with each domain of its cell: the post-stratification residual of the
    domain's influence values, (z if the row is in the domain) - w_new A(cell, domain), as columns _cs_z0.. with
    the domain number _cs_g, ready for the stage aggregates."""
    from careersurvey.engine.linear import _c

    step = design.adjustments[0]
    cells = list(step.cells)
    sums = design.execute(joined.mutate(**zcols).group_by([*cells, _c("g")])
                          .aggregate(**{_c(f"A{c}"): joined.mutate(**zcols)[_c(f"z{c}")].sum() for c in range(k)}))
    cell_tab = step.table.copy()
    for c in cells:
        if not pd.api.types.is_numeric_dtype(sums[c]):
            sums[c] = sums[c].astype(str)
            cell_tab[c] = cell_tab[c].astype(str)
    sums = sums.merge(cell_tab[[*cells, "N"]], on=cells, how="left")
    for c in range(k):  # A = cell sum of z w_old / w_new over the cell's w_old = cell sum of z / W_new
        sums[_c(f"A{c}")] = sums[_c(f"A{c}")] / sums["N"]
    A = sums.drop(columns="N").merge(dom.rename(columns=_keys(by)), on=_c("g"), how="left")
    return paired_residuals(design, est, member, by, A, cells, k, lambda pairs, w, c: w * pairs[_c(f"A{c}")])


def _keys(by: tuple[str, ...]) -> dict:
    from careersurvey.engine.linear import _c

    return {b: _c(f"key{i}") for i, b in enumerate(by)}


def paired_residuals(design, est, member, by: tuple[str, ...], A: pd.DataFrame, cells: list[str], k: int,
                     correction, live=None):
    """The design's rows joined on ``cells`` (none: every domain) with ``A`` (a row per cell and domain: _cs_g,
    the domain's ``by`` keys as _cs_key0.., the step's constants), each row's residual (z if in the domain and
    ``live``) - correction(pairs, w, c) as columns _cs_z0.., ready for the stage aggregates."""
    import ibis

    from careersurvey.engine.linear import _c, _influence

    keys = _keys(by)
    t = design.table
    m = len(est.base)
    rows = t.mutate(**{_c(f"x{i}"): x for i, x in enumerate(est.base)}, **{_c("w"): design.weight_expr},
                    **{_c("member"): (member if member is not None else ibis.literal(True)).fill_null(False)})
    pairs = rows.inner_join(ibis.memtable(A), cells)
    inside = pairs[_c("member")]
    for b, kcol in keys.items():
        inside = inside & (pairs[b] == pairs[kcol]).fill_null(False)
    if live is not None:
        inside = inside & live(pairs)
    xs = [pairs[_c(f"x{i}")] for i in range(m)]
    w = pairs[_c("w")]
    out = {}
    for c in range(k):
        z = _influence(est, c, xs, w, pairs)
        out[_c(f"z{c}")] = ibis.ifelse(inside, z, 0.0) - correction(pairs, w, c)
    return pairs.mutate(**out)

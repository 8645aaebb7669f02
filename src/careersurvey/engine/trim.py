"""Weight trimming inside the engine (R's ``trimWeights``), and the final weights as a table in the engine.

The rounds of :func:`careersurvey.estimation.weighting.trim.trim_weights` on the rows' weights w: a row that was
never outside the bounds holds w + C (C the shares handed out so far); a row that left at some round is clipped
and from then on moves with every row that left at that round on that side, a group whose value numpy follows.
So a round needs one aggregate over the rows still inside (which ones: w within [lower - min C, upper - max C]):
how many leave over each bound, the amounts cut, how many stay; the final weight is a CASE over the rounds
(the first round a row left names its group). Variances treat trimmed weights as fixed, as R does (the step is
the core's :class:`~careersurvey.estimation.weighting.trim.TrimStep`).
"""

from __future__ import annotations

import numpy as np

from careersurvey.engine.source import EngineError
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.trim import MAX_ROUNDS, TrimStep, check_trim_totals

__all__ = ["Trimmed", "trim", "weighted_table"]

Trimmed = TrimStep


def trim(design, lower: float | None = None, upper: float | None = None, strict: bool = True):
    """R's ``trimWeights`` (strict: repeat until every positive weight is inside), as ``SurveyDesign.trim``."""
    import ibis

    if design.domain is not None:
        raise EngineError("trim the whole sample, then take the domain (subset after trim)")
    if design.replicates is not None:
        raise EngineError("trimming a replicate design is not on the engine path yet; use "
                          "cs.SurveyDesign.from_replicates(...).trim in memory")
    lo = -np.inf if lower is None else float(lower)
    hi = np.inf if upper is None else float(upper)
    if np.isnan(lo) or np.isnan(hi) or lo > hi:
        raise WeightingError(f"trim bounds: lower ({lo}) must not exceed upper ({hi})")
    t = design.table
    w = design.weight_expr
    rel = t.mutate(_cs_tw=w)
    wr = rel["_cs_tw"]
    pos = wr > 0
    if strict:
        row = design.execute(rel.aggregate(n=pos.cast("int64").sum(), s=ibis.ifelse(pos, wr, 0.0).sum())).iloc[0]
        check_trim_totals(np.array([float(row["n"])]), np.array([float(row["s"])]), lo, hi)
    history = [0.0]  # C at the start of each round
    groups: list[list] = []  # [value, count, round, side]
    rounds, n_changed = 0, 0
    while True:
        C = history[-1]
        fresh = pos & _within(wr, lo, hi, history[:-1])
        v = wr + C
        stay = fresh
        aggs = {}
        for side, bound, leave in (("hi", hi, v > hi), ("lo", lo, v < lo)):
            if np.isfinite(bound):  # an open side has no rows leaving over it
                aggs[f"n_{side}"] = (fresh & leave).cast("int64").sum()
                aggs[f"cut_{side}"] = ibis.ifelse(fresh & leave, v - bound, 0.0).sum()
                stay = stay & ~leave
        aggs["n_in"] = stay.cast("int64").sum()
        q = design.execute(rel.aggregate(**aggs)).iloc[0].fillna(0)
        n_hi, n_lo, n_in = (int(q.get(k, 0)) for k in ("n_hi", "n_lo", "n_in"))
        out = [gr for gr in groups if gr[0] > hi or gr[0] < lo]
        if rounds == 0:
            n_changed = n_hi + n_lo
        if not (n_hi or n_lo or out) or (rounds and not strict):
            break
        rounds += 1
        if rounds > MAX_ROUNDS:
            raise WeightingError(f"trimming to [{lo:g}, {hi:g}] did not settle after {MAX_ROUNDS} rounds of "
                                 "redistribution; widen the bounds")
        excess = float(q.get("cut_hi", 0.0)) + float(q.get("cut_lo", 0.0))
        excess += sum(gr[1] * (gr[0] - min(max(gr[0], lo), hi)) for gr in out)
        inside = [gr for gr in groups if not (gr[0] > hi or gr[0] < lo)]
        room = n_in + sum(gr[1] for gr in inside)
        if room == 0:
            raise EngineError(f"trimming to [{lo:g}, {hi:g}]: every weight is outside the bounds in a round; "
                              "trim in memory (cs.SurveyDesign.trim), which hands the excess to the clipped weights")
        share = excess / room
        for gr in out:
            gr[0] = min(max(gr[0], lo), hi)
        for gr in inside:
            gr[0] += share
        r = len(history) - 1
        if n_hi:
            groups.append([hi, n_hi, r, "hi"])
        if n_lo:
            groups.append([lo, n_lo, r, "lo"])
        history.append(C + share)
    cases = []
    for r, C in enumerate(history[:-1]):  # the round a row first left names its group
        for side, bound in (("hi", hi), ("lo", lo)):
            hit = [gr for gr in groups if gr[2] == r and gr[3] == side]
            if hit:
                cond = (wr + C > bound) if side == "hi" else (wr + C < bound)
                cases.append((pos & cond, float(hit[0][0])))
    final = ibis.cases(*cases, else_=ibis.ifelse(pos, wr + history[-1], wr)) if cases else \
        ibis.ifelse(pos, wr + history[-1], wr)
    step = TrimStep(lo, hi, rounds, n_changed, w0=None, strict=bool(strict))
    return design._evolved(table=rel, weight_expr=final, adjustments=design.adjustments + (step,))


def _within(w, lo: float, hi: float, past: list[float]):
    """Rows inside [lo, hi] at every past round (w + C_s within the bounds for each past C_s)."""
    import ibis

    cond = ibis.literal(True)
    if not past:
        return cond
    if np.isfinite(lo):
        cond = cond & (w >= lo - min(past))
    if np.isfinite(hi):
        cond = cond & (w <= hi - max(past))
    return cond


def weighted_table(design, name: str = "weight"):
    """The design's table (its own columns) with the final weight as column ``name``, 0 outside the domain."""
    import ibis

    t = design.table
    if name in t.columns and not name.startswith("_cs_"):
        raise EngineError(f"weighted_table(name={name!r}): the table has a column {name!r}; choose another name")
    w = design.weight_expr
    if design.domain is not None:
        w = ibis.ifelse(design.domain, w, 0.0)
    keep = [c for c in t.columns if not c.startswith("_cs_")]
    return t.select(*keep, **{name: w})

"""Weight trimming inside the engine (R's ``trimWeights``), and the final weights as a table in the engine.

The rounds of :func:`careersurvey.estimation.weighting.trim.trim_weights` on the rows' weights w: a row that was
never outside the bounds holds w + C (C the shares handed out so far); a row that left at some round is clipped
and from then on moves with every row that left at that round on that side, a group whose value numpy follows.
So a round needs one aggregate over the rows still inside (which ones: w within [lower - min C, upper - max C]):
how many leave over each bound, the amounts cut, how many stay; the final weight is a CASE over the rounds
(the first round a row left names its group). Variances treat trimmed weights as fixed, as R does (the step is
the core's :class:`~careersurvey.estimation.weighting.trim.TrimStep`). On a replicate design each replicate's
weights go through their own rounds, all replicates side by side: the rows stacked once per replicate
(:class:`~careersurvey.engine.calibration_newton.Stack`), each round one GROUP BY of the replicate with each one's
shares so far joined on; its trimmed weight becomes a factor on its old one.
"""

from __future__ import annotations

import numpy as np

from careersurvey.engine.source import EngineError
from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.weighting.trim import MAX_ROUNDS, TrimStep, check_trim_totals

__all__ = ["Trimmed", "trim", "weighted_table"]

Trimmed = TrimStep


def trim(design, lower: float | None = None, upper: float | None = None, strict: bool = True):
    """R's ``trimWeights`` (strict: repeat until every positive weight is inside), as ``SurveyDesign.trim``; on a
    replicate design every replicate's weights are trimmed the same way, each with its own rounds (as the core)."""
    from careersurvey.engine.calibration_newton import Stack

    if design.domain is not None:
        raise EngineError("trim the whole sample, then take the domain (subset after trim)")
    lo = -np.inf if lower is None else float(lower)
    hi = np.inf if upper is None else float(upper)
    if np.isnan(lo) or np.isnan(hi) or lo > hi:
        raise WeightingError(f"trim bounds: lower ({lo}) must not exceed upper ({hi})")
    t = design.table
    rel = t.mutate(_cs_tw=design.weight_expr)
    [main] = _trimmed(design, Stack.of(rel, [rel["_cs_tw"]]), lo, hi, strict)
    step = TrimStep(lo, hi, main.rounds, main.n_changed, w0=None, strict=bool(strict))
    reps = design.replicates
    if reps is not None:  # each replicate's weights trimmed: its new weight a factor on its old one
        import ibis

        W = reps.weights(rel, rel["_cs_tw"])
        factors = [ibis.ifelse(w > 0, r.final(w) / w, 1.0)
                   for w, r in zip(W, _trimmed(design, Stack.of(rel, W), lo, hi, strict, replicates=True))]
        reps = reps.weighted(design.weight_expr, factors, reps.degf)
    return design._evolved(table=rel, weight_expr=main.final(rel["_cs_tw"]), adjustments=design.adjustments + (step,),
                           replicates=reps)


def _trimmed(design, stack, lo: float, hi: float, strict: bool, replicates: bool = False) -> list["_Rounds"]:
    """The rounds of every stacked column of weights, side by side: each round one query (a GROUP BY of the column
    when several) over the columns still moving, with each column's shares so far and past bounds joined on."""
    import ibis

    rel = stack.rows
    wr = rel["_cs_sw"]
    pos = wr > 0
    cols = np.arange(stack.n)
    if strict:
        q = stack.sums(design, rel, {"n": pos.cast("int64").sum(), "s": ibis.ifelse(pos, wr, 0.0).sum()}, cols)
        check_trim_totals(q["n"].to_numpy(dtype=float), q["s"].to_numpy(dtype=float), lo, hi,
                          replicates=replicates)
    states = [_Rounds(lo, hi, strict) for _ in cols]
    while True:
        live = np.array([i for i in cols if not states[i].done], dtype=np.int64)
        if not len(live):
            return states
        at, c = stack.at(live, {"_cs_tC": [states[i].history[-1] for i in live],
                                "_cs_tlo": [states[i].floor() for i in live],
                                "_cs_thi": [states[i].ceiling() for i in live]})
        w = at["_cs_sw"]
        fresh = (w > 0) & (w >= c["_cs_tlo"]) & (w <= c["_cs_thi"])
        v = w + c["_cs_tC"]
        stay = fresh
        aggs = {}
        for side, bound, leave in (("hi", hi, v > hi), ("lo", lo, v < lo)):
            if np.isfinite(bound):  # an open side has no rows leaving over it
                aggs[f"n_{side}"] = (fresh & leave).cast("int64").sum()
                aggs[f"cut_{side}"] = ibis.ifelse(fresh & leave, v - bound, 0.0).sum()
                stay = stay & ~leave
        aggs["n_in"] = stay.cast("int64").sum()
        q = stack.sums(design, at, aggs, live).fillna(0)
        for k, i in enumerate(live):  # over the columns, not rows
            states[i].advance(q.iloc[k])


class _Rounds:
    """One column's rounds of :func:`careersurvey.estimation.weighting.trim.trim_weights`: a row never outside
    holds w + C (C the shares so far); a row that left at some round moves with the rows that left at that round
    on that side, a group whose value is followed here; the final weight a CASE over the rounds."""

    def __init__(self, lo: float, hi: float, strict: bool):
        self.lo, self.hi, self.strict = lo, hi, strict
        self.history = [0.0]  # C at the start of each round
        self.groups: list[list] = []  # [value, count, round, side]
        self.rounds, self.n_changed, self.done = 0, 0, False

    def floor(self) -> float:
        """Rows inside [lo, hi] at every past round have w >= lo - min past C (-1e308: no past, or lo open)."""
        past = self.history[:-1]
        return self.lo - min(past) if past and np.isfinite(self.lo) else -1e308

    def ceiling(self) -> float:
        past = self.history[:-1]
        return self.hi - max(past) if past and np.isfinite(self.hi) else 1e308

    def advance(self, q) -> None:
        """One round from its aggregates ``q`` (how many leave over each bound, the amounts cut, how many stay)."""
        lo, hi = self.lo, self.hi
        n_hi, n_lo, n_in = (int(q.get(k, 0)) for k in ("n_hi", "n_lo", "n_in"))
        out = [gr for gr in self.groups if gr[0] > hi or gr[0] < lo]
        if self.rounds == 0:
            self.n_changed = n_hi + n_lo
        if not (n_hi or n_lo or out) or (self.rounds and not self.strict):
            self.done = True
            return
        self.rounds += 1
        if self.rounds > MAX_ROUNDS:
            raise WeightingError(f"trimming to [{lo:g}, {hi:g}] did not settle after {MAX_ROUNDS} rounds of "
                                 "redistribution; widen the bounds")
        excess = float(q.get("cut_hi", 0.0)) + float(q.get("cut_lo", 0.0))
        excess += sum(gr[1] * (gr[0] - min(max(gr[0], lo), hi)) for gr in out)
        inside = [gr for gr in self.groups if not (gr[0] > hi or gr[0] < lo)]
        room = n_in + sum(gr[1] for gr in inside)
        if room == 0:
            raise EngineError(f"trimming to [{lo:g}, {hi:g}]: every weight is outside the bounds in a round; "
                              "trim in memory (cs.SurveyDesign.trim), which hands the excess to the clipped weights")
        share = excess / room
        for gr in out:
            gr[0] = min(max(gr[0], lo), hi)
        for gr in inside:
            gr[0] += share
        r = len(self.history) - 1
        if n_hi:
            self.groups.append([hi, n_hi, r, "hi"])
        if n_lo:
            self.groups.append([lo, n_lo, r, "lo"])
        self.history.append(self.history[-1] + share)

    def final(self, wr):
        """The trimmed weight of weight ``wr``: the round a row first left names its group."""
        import ibis

        pos = wr > 0
        cases = []
        for r, C in enumerate(self.history[:-1]):
            for side, bound in (("hi", self.hi), ("lo", self.lo)):
                hit = [gr for gr in self.groups if gr[2] == r and gr[3] == side]
                if hit:
                    cond = (wr + C > bound) if side == "hi" else (wr + C < bound)
                    cases.append((pos & cond, float(hit[0][0])))
        rest = ibis.ifelse(pos, wr + self.history[-1], wr)
        return ibis.cases(*cases, else_=rest) if cases else rest


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

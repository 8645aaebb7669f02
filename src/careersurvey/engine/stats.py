"""Tests of independence (R's ``svychisq``) and weighted tables (R's ``svytable``) inside the engine.

Both start from one GROUP BY of the domain's rows by the variables (each cell's weighted count and rows: the
levels present come from it too); the Rao-Scott tests add the cell shares with their full covariance, and the
Wald tests the totals of the cells, margins and N with theirs, from the engine's linear estimates
(:mod:`careersurvey.engine.linear`). The statistics are the core's, computed on those aggregates
(:func:`careersurvey.estimation.chisq.chisq_test`, :func:`careersurvey.estimation.tables.table_frame`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import numpy as np
import pandas as pd

from careersurvey.engine.estimators import _as_names, _is_categorical, _refuse_codes, degf
from careersurvey.engine.linear import Linear, linear_estimates
from careersurvey.engine.source import EngineError
from careersurvey.estimation.chisq import ChisqResult, check_statistic, chisq_test, require_two_way
from careersurvey.estimation.tables import table_frame

__all__ = ["chisq", "table", "design_table", "require_variables", "sorted_levels"]


def design_table(design):
    """The design's Ibis table, callable as ``SurveyDesign.table`` is: ``d.table("stype")`` (the engine code's
    ``d.table`` is the Ibis table itself; expressions derived from it are plain Ibis tables)."""
    out = _callable_table()(design._table.op())
    object.__setattr__(out, "_cs_design", design)
    return out


@cache
def _callable_table():
    from ibis.expr.types.relations import Table  # the engine extra, imported on first use

    class DesignTable(Table):
        """An Ibis table that, called, gives its design's weighted counts (R's svytable)."""

        def __call__(self, variables, Ntotal=None, round: bool = False) -> pd.DataFrame:
            return table(self._cs_design, variables, Ntotal=Ntotal, round=round)

    return DesignTable


def require_variables(design, names, what: str = "variable") -> None:
    """Every name a column of the table, or an error naming the first that is not."""
    t = design.table
    for v in names:
        if v not in t.columns:
            raise EngineError(f"{what} {v!r} is not in the table; check the name (columns: "
                              f"{', '.join(list(t.columns)[:15])})")


def sorted_levels(values) -> list:
    """The distinct non-missing values in R's factor order (sorted; type first, as the in-memory path)."""
    present = pd.Series(list(values), dtype=object).dropna().unique().tolist()
    return sorted(present, key=lambda v: (str(type(v)), v))


def _cell_counts(design, names: list[str], extra: tuple[str, ...] = (), whole_table: bool = False) -> pd.DataFrame:
    """One GROUP BY of ``names`` (+ ``extra``): each combination's weighted count ``_cs_w`` and rows ``_cs_n``
    among the domain's rows; ``whole_table`` groups every row, with ``_cs_in`` saying whether it is in the
    domain (levels seen only outside the domain then come back too, with no weight)."""
    import ibis

    t = design.table
    inside = design.domain if design.domain is not None else ibis.literal(True)
    rows = t if whole_table else (t.filter(design.domain) if design.domain is not None else t)
    rows = rows.mutate(_cs_w=design.weight_expr, _cs_in=inside)
    keys = [*names, *extra] + (["_cs_in"] if whole_table else [])
    out = design.execute(rows.group_by(keys).aggregate(_cs_w=rows._cs_w.sum(), _cs_n=rows.count()))
    if not whole_table:
        out["_cs_in"] = True
    return out


def chisq(design, row: str, col: str, statistic: str = "F") -> ChisqResult:
    """R's ``svychisq`` of ``row`` by ``col`` over the design's domain (rows missing either are left out)."""
    import ibis

    check_statistic(statistic)
    require_variables(design, (row, col), "chisq() variable")
    _refuse_codes(design, [row, col], "chisq() variable")
    cells = _cell_counts(design, [row, col])
    rlev, clev = sorted_levels(cells[row]), sorted_levels(cells[col])
    nr, nc = len(rlev), len(clev)
    require_two_way(row, col, nr, nc)
    both = cells[cells[row].notna() & cells[col].notna()]
    counts = np.zeros((nr, nc))
    np.add.at(counts, (pd.Index(rlev).get_indexer(both[row]), pd.Index(clev).get_indexer(both[col])),
              both["_cs_w"].to_numpy(dtype=float))
    N = int(cells["_cs_n"].sum())
    t = design.table
    r_is = [t[row] == lv for lv in rlev]
    c_is = [t[col] == lv for lv in clev]
    # R: svymean of interaction(row, col) indicators, row level varying fastest, on rows with both present
    base = tuple((r_is[i] & c_is[j]).cast("float64") for j in range(nc) for i in range(nr))
    member = t[row].notnull() & t[col].notnull()
    if design.domain is not None:
        member = design.domain & member
    k = nr * nc
    shares = linear_estimates(design, Linear("mean", base, tuple(range(k)), (None,) * k), member, (), True)
    nu = _nu(design)

    def wald_totals():
        ext = base + tuple(x.cast("float64") for x in r_is) + tuple(x.cast("float64") for x in c_is) \
            + (ibis.literal(1.0, type="float64"),)
        K = len(ext)
        res = linear_estimates(design, Linear("total", ext, tuple(range(K)), (None,) * K), member, (), True)
        return res.theta[0], res.vcov[0]

    return chisq_test(statistic, shares.theta[0], shares.vcov[0], counts, N, nu, pd.Index(rlev, name=row),
                      pd.Index(clev, name=col), design.replicates is not None, wald_totals)


def _nu(design) -> int:
    """R's svychisq df: the design's degf over the rows it holds (a post-stratified design holds every row)."""
    if design.adjustments and design.replicates is None and design.domain is not None:
        return degf(design._evolved(domain=None))
    return degf(design)


def table(design, variables, Ntotal=None, round: bool = False) -> pd.DataFrame:
    """R's ``svytable``: weighted counts of every combination of levels (rows missing any variable left out);
    a text variable keeps the levels seen outside a domain (count 0), as R's factor levels."""
    names = _as_names(variables)
    require_variables(design, names, "table() variable")
    _refuse_codes(design, names, "table() variable")
    stratified = isinstance(Ntotal, Mapping)
    skeys = design.stages[0].keys.stratum if stratified else ()
    t = design.table
    text = [_is_categorical(t[v].type()) for v in names]
    cells = _cell_counts(design, names, tuple(skeys), whole_table=any(text) and design.domain is not None)
    inside = cells[cells["_cs_in"].astype(bool)]
    levels = []
    for v, is_text in zip(names, text):
        if t[v].type().is_boolean():
            levels.append([False, True])
        else:
            levels.append(sorted_levels((cells if is_text else inside)[v]))
    shape = tuple(len(lv) for lv in levels)
    full = inside[inside[names].notna().all(axis=1)]
    codes = tuple(pd.Index(lv).get_indexer(full[v]) for v, lv in zip(names, levels))
    cell = np.ravel_multi_index(codes, shape)
    w = full["_cs_w"].to_numpy(dtype=float)
    k = int(np.prod(shape))
    if not stratified:
        return table_frame(names, levels, np.bincount(cell, weights=w, minlength=k), Ntotal, round)
    if not skeys:
        return table_frame(names, levels, None, Ntotal, round, None, [], None)
    values = sorted_levels(design.stages[0].strata[skeys[0]])
    labels = [str(x) for x in values]
    h = pd.Index(values).get_indexer(full[skeys[0]])
    per = np.bincount(h * k + cell, weights=w, minlength=len(labels) * k).reshape(len(labels), k)
    return table_frame(names, levels, None, Ntotal, round, per, labels, ", ".join(skeys))

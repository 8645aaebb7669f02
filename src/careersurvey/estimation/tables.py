"""Weighted contingency tables, as R survey's ``svytable``: estimated population counts of each combination of
levels, optionally scaled to a total (``Ntotal`` a number) or, on a stratified design, each stratum scaled to its
own population (``Ntotal`` a mapping stratum -> size), and optionally rounded (R's ``round``, half to even).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from careersurvey.estimation.codes import refuse_missing_codes
from careersurvey.estimation.estimators import EstimateError, _as_names, _is_categorical, _levels, require_columns


def table(design, variables, Ntotal: float | Mapping | None = None, round: bool = False) -> pd.DataFrame:
    """Weighted counts: one variable gives a frame with a ``count`` column, two a cross table (rows the first,
    columns the second), more a long frame indexed by every combination. Rows missing any variable are left
    out; levels seen only outside a domain stay with count 0 (R's factor levels)."""
    names = _as_names(variables)
    require_columns(design.data, names, "table() variable")
    refuse_missing_codes(design, names, "table() variable")
    data = design.data
    held = np.ones(len(data), dtype=bool) if design.active is None else design.active
    levels, codes = [], []
    for v in names:
        col = data[v]
        lv = _levels(col if _is_categorical(col) else col[held])
        levels.append(lv)
        codes.append(pd.Index(lv).get_indexer(col.to_numpy(dtype=object)))
    shape = tuple(len(lv) for lv in levels)
    ok = np.all([c >= 0 for c in codes], axis=0) & held
    cell = np.ravel_multi_index(tuple(np.where(ok, c, 0) for c in codes), shape) if names else None
    w = design.w
    if isinstance(Ntotal, Mapping):
        strata_name = design.spec.strata_name
        labels = [str(x) for x in design.stages[0].stratum_labels]
        if strata_name is None:
            per = None
        else:
            stratum = design.stages[0].unit_stratum[design.stages[0].unit]
            k = int(np.prod(shape))
            per = np.bincount(stratum[ok] * k + cell[ok], weights=w[ok],
                              minlength=len(labels) * k).reshape(len(labels), k)
        return table_frame(names, levels, None, Ntotal, round, per, labels, strata_name)
    counts = np.bincount(cell[ok], weights=w[ok], minlength=int(np.prod(shape)))
    return table_frame(names, levels, counts, Ntotal, round)


def table_frame(names: list[str], levels: list[list], counts: np.ndarray | None, Ntotal, round: bool,
                per_stratum: np.ndarray | None = None, strata: list[str] = (), strata_name: str | None = None
                ) -> pd.DataFrame:
    """The table from the weighted count of every cell (the cells of ``levels`` in C order), or, with ``Ntotal``
    a mapping, from the counts per stratum (strata x cells, strata labelled ``strata``) of a stratified design."""
    if isinstance(Ntotal, Mapping):
        counts = _by_stratum(per_stratum, list(strata), strata_name, Ntotal)
    elif Ntotal is not None:
        counts = counts * float(Ntotal) / counts.sum()
    if round:
        counts = np.round(counts)
    index = pd.MultiIndex.from_product(levels, names=names)
    long = pd.DataFrame({"count": counts}, index=index)
    if len(names) == 1:
        long.index = pd.Index(levels[0], name=names[0])
        return long
    if len(names) == 2:
        return long["count"].unstack(names[1])
    return long


def _by_stratum(per: np.ndarray | None, labels: list[str], strata_name: str | None, Ntotal: Mapping) -> np.ndarray:
    """R's stratified svytable: each stratum's counts times N_h over its weighted count, then added up."""
    if strata_name is None:
        raise EstimateError("table(Ntotal={...}) scales each stratum to its population, but the design has no "
                            "strata; give Ntotal as one number to scale the whole table.")
    given = {str(k): float(v) for k, v in Ntotal.items()}
    missing = [s for s in labels if s not in given]
    if missing:
        raise EstimateError(f"table(Ntotal=...): no population size for stratum {', '.join(missing[:5])} "
                            f"({strata_name}); give one for each of {', '.join(labels[:10])}.")
    held = per.sum(axis=1) > 0
    factor = np.array([given[s] for s in labels]) / np.where(held, per.sum(axis=1), np.nan)
    return (per[held] * factor[held, None]).sum(axis=0)

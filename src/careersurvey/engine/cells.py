"""A weighting step's per-cell constants as a join: the design's table left-joined with a small table of one row
per cell (its keys, its number, its factors), so a query's SQL does not grow with the number of cells (a CASE
with one WHEN per cell did: thousands of age x region x sex cells made queries of megabytes).

A row in no cell of the table, or with a NULL key, finds no partner: its cell number and factors are NULL, as
the CASE's ELSE gave. Keys are cast to the table's column types (the cells came from a GROUP BY of the same
columns, so each row meets at most one cell and no row is repeated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["join_cells"]


def join_cells(t, cells: Sequence[str], keys: pd.DataFrame, columns: Mapping[str, Sequence[float]], number: str):
    """``t`` with the columns of ``columns`` (one value per row of ``keys``, by name) and the cell's number
    (0.. in the order of ``keys``) as column ``number``, read from the row of ``keys`` whose ``cells`` equal the
    table row's; NULL for a row matching none. Expressions over ``t`` keep working on the result."""
    import ibis

    k = len(keys)
    frame = {f"_cs_key{i}": keys[c].to_numpy() for i, c in enumerate(cells)}
    frame[number] = np.arange(k, dtype=np.int64)
    frame.update({name: np.asarray(v, dtype=float) for name, v in columns.items()})
    m = ibis.memtable(pd.DataFrame(frame))
    m = m.cast({f"_cs_key{i}": t[c].type() for i, c in enumerate(cells)})
    on = [t[c] == m[f"_cs_key{i}"] for i, c in enumerate(cells)]
    joined = t.left_join(m, on).select(*t.columns, number, *columns)
    # a projection over the join, not the join itself: a later join onto this table would otherwise extend the
    # same join chain, and expressions over this table (a step's factor) would no longer resolve on it
    return joined.mutate(**{number: joined[number]})

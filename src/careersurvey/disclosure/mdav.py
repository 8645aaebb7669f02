"""MDAV microaggregation (maximum distance to average vector, as sdcMicro's ``microaggregation(method="mdav")``).

Records are put in groups of at least ``k`` nearest records (on standardised values) and each value is replaced
by its group's mean: with weights, the weighted mean, so that the weighted total of every column is kept. The
algorithm: while 3k or more records are left, take the record farthest from the centroid and the record farthest
from that one, each with its k-1 nearest; with 2k to 3k-1 left, one more group around the farthest record and
the rest as the last group; fewer than 2k form one group. Records with a missing value in any of the columns are
left out of the grouping and stay as they are (missing). The loop runs over groups, each step vectorised.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.disclosure.steps import Step


def mdav_groups(x: np.ndarray, k: int) -> np.ndarray:
    """Group number of each row of ``x`` (rows x columns, no missing values): groups of k to 2k-1 rows."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=int)
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1)
    group = np.full(n, -1)
    left = np.arange(n)
    g = 0

    def take(around: int) -> None:
        nonlocal left, g
        d = ((z[left] - z[around]) ** 2).sum(axis=1)
        chosen = left[np.argsort(d, kind="stable")[:k]]
        group[chosen] = g
        g += 1
        left = left[group[left] < 0]

    while len(left) >= 3 * k:
        centroid = z[left].mean(axis=0)
        r = left[np.argmax(((z[left] - centroid) ** 2).sum(axis=1))]
        take(r)
        s = left[np.argmax(((z[left] - z[r]) ** 2).sum(axis=1))]
        take(s)
    if len(left) >= 2 * k:
        centroid = z[left].mean(axis=0)
        take(left[np.argmax(((z[left] - centroid) ** 2).sum(axis=1))])
    if len(left):
        group[left] = g
    return group


def microaggregate(data: pd.DataFrame, columns: Sequence[str], k: int, weights: np.ndarray | pd.Series | None = None
                   ) -> tuple[pd.DataFrame, Step, np.ndarray]:
    """``data`` with ``columns`` replaced by their MDAV group means; returns (data, step, group of each row, -1
    for rows left out)."""
    columns = list(columns)
    if k < 2:
        raise ValueError(f"microaggregation needs groups of 2 or more (got k = {k})")
    x = data[columns].apply(pd.to_numeric, errors="coerce").astype(float).to_numpy()
    complete = ~np.isnan(x).any(axis=1)
    rows = np.flatnonzero(complete)
    group = np.full(len(data), -1)
    if len(rows) < k:
        raise ValueError(f"only {len(rows)} records have {', '.join(columns)}: fewer than k = {k}")
    group[rows] = mdav_groups(x[rows], k)
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    g = group[rows]
    sums = np.vstack([np.bincount(g, weights=w[rows] * x[rows, j]) for j in range(len(columns))]).T
    means = sums / np.bincount(g, weights=w[rows])[:, None]
    out = data.copy()
    changed = {}
    for j, col in enumerate(columns):
        new = x[:, j].copy()
        new[rows] = means[g, j]
        changed[col] = int((new[rows] != x[rows, j]).sum())
        out[col] = pd.array(new, dtype="Float64")  # rows left out keep their value (NaN: missing)
    sizes = np.bincount(g)
    how = "weighted means" if weights is not None else "means"
    size = f"{int(sizes.min())}" if sizes.min() == sizes.max() else f"{int(sizes.min())} to {int(sizes.max())}"
    step = Step("microaggregation (MDAV)", tuple(columns), f"{', '.join(columns)}: replaced by the {how} of "
                f"{len(sizes):,} groups of {size} similar records (k = {k})", changed)
    return out, step, group

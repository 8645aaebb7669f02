"""Replicate-weight columns of a table in an engine (R's ``svrepdesign``): their constants read once, replicate
estimates as one GROUP BY of R sums per base column, and degrees of freedom from the replicate weights' distinct
rows or their Gram matrix summed inside the engine. The rules themselves are the core's
(:mod:`careersurvey.estimation.weighting.replicate`): ``replicate_constants``, ``replicate_covariance``,
``qr_rank``, ``gram_rank``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.engine.source import EngineError
from careersurvey.estimation.weighting.replicate import (gram_rank, qr_rank, replicate_constants,
                                                         replicate_covariance)

__all__ = ["TableReplicates", "read_replicates", "domain_ranks"]


@dataclass(frozen=True, eq=False)
class TableReplicates:
    """Replicate weight columns (multipliers, or full weights when ``combined``) and R's constants.

    After a weighting step (rake, post-stratification) every replicate is weighted too: ``base`` is then the
    sampling weight the multipliers multiply (the design's own weight has changed) and ``factors`` each
    replicate's weighting factor (Ibis expressions over the table); both None/() before any step."""

    columns: tuple[str, ...]
    combined: bool
    scale: float
    rscales: np.ndarray
    mse: bool
    degf: int
    method: str = "other"
    base: Any = None
    factors: tuple = ()

    def weights(self, table, pweight) -> list:
        """The replicate analysis weights as Ibis expressions (``pweight``: the design's weight on ``table``)."""
        cols = [table[c].cast("float64") for c in self.columns]
        w = pweight if self.base is None else self.base
        out = cols if self.combined else [c * w for c in cols]
        return [c * f for c, f in zip(out, self.factors)] if self.factors else out

    def weighted(self, base, factors: Sequence, degf: int) -> "TableReplicates":
        """These replicates after a weighting step: multipliers of ``base`` (the weight before the step), each
        replicate's weights times its ``factors`` (on top of earlier steps'), with the new degrees of freedom."""
        if self.factors:
            factors = [old * new for old, new in zip(self.factors, factors)]
        return replace(self, base=self.base if self.base is not None else base, factors=tuple(factors), degf=degf)

    def covariance(self, thetas: np.ndarray, estimate: np.ndarray) -> np.ndarray:
        return replicate_covariance(thetas, estimate, self.scale, self.rscales, self.mse)


def _columns(table, replicate_weights: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(replicate_weights, str):
        pattern = re.compile(replicate_weights)
        cols = tuple(c for c in table.columns if pattern.search(str(c)))
        if not cols:
            raise EngineError(f"no columns of the table match the replicate-weight pattern {replicate_weights!r}")
        return cols
    cols = tuple(replicate_weights)
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise EngineError(f"replicate weight columns {missing[:5]} are not in the table; give existing columns or a "
                          "regular expression that matches them")
    return cols


def read_replicates(design_table, pweight, replicate_weights, method: str, combined: bool, scale, rscales, rho,
                    mse: bool, execute) -> TableReplicates:
    """The replicate columns with R's constants (one aggregate: column maxima, missing values, the Gram matrix)."""
    cols = _columns(design_table, replicate_weights)
    t = design_table
    r = len(cols)
    aggs = {f"max{i}": t[c].max() for i, c in enumerate(cols)}
    aggs.update({f"na{i}": t[c].isnull().cast("int64").sum() for i, c in enumerate(cols)})
    stats = execute(t.aggregate(**aggs)).iloc[0]
    bad = [cols[i] for i in range(r) if stats[f"na{i}"]]
    if bad:
        raise EngineError(f"replicate weight columns {bad[:5]} have missing values; fill or drop those replicates")
    maxima = np.array([float(stats[f"max{i}"]) for i in range(r)])
    scale, rs = replicate_constants(method, r, combined, scale, None if rscales is None else np.asarray(rscales, float),
                                    rho, maxima[0], maxima)
    probe = TableReplicates(cols, combined, scale, rs, mse, 0, method)
    rank = domain_ranks(t, probe.weights(t, pweight), None, (), execute)
    return replace(probe, degf=int(rank[0]) - 1)


#: Aggregates per query: engines slow down (Ibis compiles each) and DuckDB 2.0 has crashed on ~20,000 in one.
MAX_AGGREGATES = 1000
#: Distinct rows of replicate weights fetched to form W'W outside the engine when at most this many cells.
MAX_DISTINCT_CELLS = 5_000_000


def aggregate_blocks(rows, aggs: dict, by: list[str], execute) -> pd.DataFrame:
    """``rows.group_by(by).aggregate(**aggs)`` in blocks of at most MAX_AGGREGATES, joined on ``by``."""
    names = list(aggs)
    out = None
    for start in range(0, len(names), MAX_AGGREGATES):
        part = {n: aggs[n] for n in names[start:start + MAX_AGGREGATES]}
        q = execute(rows.group_by(by).aggregate(**part) if by else rows.aggregate(**part))
        out = q if out is None else (out.merge(q, on=by, how="outer") if by else pd.concat([out, q], axis=1))
    return out


def domain_ranks(table, weights: list, member, by: tuple[str, ...], execute, domains: pd.DataFrame | None = None
                 ) -> np.ndarray:
    """qr(tol=1e-5) rank of the replicate weights of each domain's rows (R's degf + 1). Replicate weights repeat
    over the rows of a PSU: when the distinct rows of W are few (one GROUP BY, its rows capped) R's dqrdc2 runs
    on them, each scaled by the square root of its count (the rows' triangular factor: the core's qr_rank, R's
    number); otherwise W'W is summed in the engine, R(R+1)/2 sums per domain in blocks (the core's gram_rank:
    exact norms, which can differ from R's downdated ones by one near the 1e-5 line). No (n, R) matrix leaves
    the engine. ``domains`` orders the result (by columns)."""
    r = len(weights)
    by = list(by)
    rows = table.filter(member) if member is not None else table
    cols = {f"_cs_r{i}": w for i, w in enumerate(weights)}
    rows = rows.mutate(**cols)
    keys = [*by, *cols]
    most = MAX_DISTINCT_CELLS // (r + len(by) + 1)  # distinct rows fetched at most (one more: too many)
    grouped = execute(rows.group_by(keys).aggregate(_cs_n=rows.count()).limit(most + 1))
    if len(grouped) <= most:
        W = grouped[list(cols)].to_numpy(dtype=float)
        c = grouped["_cs_n"].to_numpy(dtype=float)
        if by:
            code, labels = _codes(grouped, by, domains)
        else:
            code, labels = np.zeros(len(grouped), dtype=np.int64), [None]
        ranks = []
        for g in range(len(labels)):  # over domains, not rows
            at = code == g
            # each distinct row scaled by sqrt(its count): the same triangular factor as the rows themselves
            ranks.append(min(qr_rank(W[at] * np.sqrt(c[at, None])), int(c[at].sum())))
        return np.asarray(ranks, dtype=float)
    pairs = [(i, j) for i in range(r) for j in range(i, r)]
    aggs = {f"_cs_g{i}_{j}": (rows[f"_cs_r{i}"] * rows[f"_cs_r{j}"]).sum() for i, j in pairs}
    aggs["_cs_n"] = rows.count()
    out = aggregate_blocks(rows, aggs, by, execute)
    if by and domains is not None:
        out = domains[by].merge(out, on=by, how="left")
    ranks = []
    for _, row in out.iterrows():  # over domains, not rows
        G = np.zeros((r, r))
        for i, j in pairs:
            G[i, j] = G[j, i] = float(row[f"_cs_g{i}_{j}"])
        ranks.append(gram_rank(G, int(row["_cs_n"])))
    return np.asarray(ranks, dtype=float)


def _codes(frame: pd.DataFrame, by: list[str], domains: pd.DataFrame | None):
    """Each row's domain number in the order of ``domains`` (rows of other domains: -1)."""
    labels = domains[by] if domains is not None else frame[by].drop_duplicates()
    index = pd.MultiIndex.from_frame(labels) if len(by) > 1 else pd.Index(labels[by[0]])
    keys = pd.MultiIndex.from_frame(frame[by]) if len(by) > 1 else pd.Index(frame[by[0]])
    return index.get_indexer(keys), list(range(len(labels)))

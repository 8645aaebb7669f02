"""``by=`` of var, ttest and ciprop in a fixed number of queries, whatever the number of domains.

R's ``svyby`` runs the statistic on one subset of the design per level; :func:`by_each` does that (a few queries
per domain). The grouped passes here give the same numbers from GROUP BYs over the domains: the domains' means,
counts and degrees of freedom in one query each, the linear path's estimates with ``by`` (one pass for every
domain), and, where a statistic centres each row on its own domain's mean (var) or reads its domain's mean
weight (the likelihood interval), those per-domain constants joined onto the rows from a small table of the
domains (:func:`careersurvey.engine.cells.join_cells`). Each domain's frame is then the core's
(:func:`~careersurvey.estimation.frames.result_frame`, ``ttest_frame``, ``interval_frame``), assembled as the
in-memory path assembles them. Where the grouped pass could differ from the subsets (a declared missing code,
whose message names the first domain holding it; a domain the grouped pass does not see), the subsets run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.engine.cells import join_cells
from careersurvey.engine.estimators import _as_names, _refuse_codes
from careersurvey.engine.stats import require_variables
from careersurvey.estimation.codes import MissingCodeError
from careersurvey.estimation.estimators import assemble_domains

__all__ = ["by_each", "Domains"]


class Domains:
    """The levels of ``by`` with rows in the design's domain, sorted (R's svyby order), and what the grouped
    passes read of them: each level's label and its position among the rows of an aggregate grouped by ``by``."""

    def __init__(self, design, by) -> None:
        self.by_spec = by
        self.cols = _as_names(by)
        require_variables(design, self.cols, "by variable")
        _refuse_codes(design, self.cols, "by variable")
        t = design.table
        rows = t.filter(design.domain) if design.domain is not None else t
        levels = design.execute(rows.select(*self.cols).distinct()).dropna()
        self.levels = levels.sort_values(self.cols, kind="stable").reset_index(drop=True)
        self.labels = [v[0] if len(self.cols) == 1 else tuple(v) for v in self.levels.itertuples(index=False)]
        self.n = len(self.levels)

    def conditions(self, t):
        """Each domain's condition over ``t`` (for the subsets of :func:`by_each`)."""
        for values in self.levels.itertuples(index=False):
            cond = None
            for b, v in zip(self.cols, values):
                cond = (t[b] == v) if cond is None else cond & (t[b] == v)
            yield cond

    def positions(self, frame: pd.DataFrame) -> np.ndarray | None:
        """Each domain's row in ``frame`` (grouped by the by columns), or None if a domain has no row there."""
        keyed = frame[self.cols].reset_index(drop=True).assign(_cs_at=np.arange(len(frame)))
        at = self.levels.merge(keyed, on=self.cols, how="left")["_cs_at"]
        return None if at.isna().any() else at.to_numpy(dtype=np.int64)

    def column(self, frame: pd.DataFrame, name: str, fill=0) -> np.ndarray:
        """``frame[name]`` (a GROUP BY of the by columns) in the domains' order; ``fill`` where a domain has no
        row."""
        keyed = frame[[*self.cols, name]]
        return self.levels.merge(keyed, on=self.cols, how="left")[name].fillna(fill).to_numpy()

    def joined(self, design, columns: dict):
        """The design over its table with per-domain constants (``columns``: name -> one value per domain)
        joined onto each row by its by columns (NULL for a row of no domain)."""
        rel = join_cells(design.table, self.cols, self.levels, columns, "_cs_dom")
        return design._evolved(table=rel)

    def assemble(self, frames: list[pd.DataFrame]) -> pd.DataFrame:
        return assemble_domains(frames, self.labels, self.cols, self.by_spec)


def by_each(design, by, estimator) -> pd.DataFrame:
    """R's ``svyby`` of ``estimator`` (a design -> result frame): one subset of the design per level combination
    of ``by`` that has rows in the domain (sorted), assembled as the in-memory path assembles them."""
    dom = Domains(design, by)
    return dom.assemble([estimator(design.subset(cond)) for cond in dom.conditions(design.table)])


def codes_clean(design, names: list[str]) -> bool:
    """Whether the variables hold no declared missing code in the design's rows (else the subsets run, so the
    error names the first domain holding one, as the in-memory path's)."""
    try:
        _refuse_codes(design, names)
    except MissingCodeError:
        return False
    return True


def domain_degf(design, dom: Domains, cond=None) -> np.ndarray:
    """R's ``degf`` of each domain's subset of the design (its rows among the domain's, and ``cond``): stage-1
    units minus strata, one GROUP BY each; on a replicate design the rank of the rows' replicate weights minus
    one per domain (:func:`careersurvey.engine.replicates.domain_ranks`, grouped)."""
    t = design.table
    member = design.domain
    if cond is not None:
        member = cond if member is None else member & cond
    if design.replicates is not None:
        from careersurvey.engine.replicates import domain_ranks

        ranks = domain_ranks(t, design.replicates.weights(t, design.weight_expr), member, tuple(dom.cols),
                             design.execute, domains=dom.levels)
        return ranks.astype(np.int64) - 1
    stage = design.stages[0]
    q = t.filter(member) if member is not None else t
    keys = list(stage.keys.stratum)

    def count(cols) -> np.ndarray:
        rel = q.select(*dict.fromkeys(dom.cols + cols)).distinct() if cols is not None else q
        return dom.column(design.execute(rel.group_by(dom.cols).aggregate(_cs_n=rel.count())), "_cs_n").astype(
            np.int64)

    units = count(None if stage.keys.rows_are_units else keys + list(stage.keys.unit))
    return units - (count(keys) if keys else 1)

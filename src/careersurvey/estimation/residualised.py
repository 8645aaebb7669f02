"""The calibration residuals of many domains' influence values without the dense (n, domains x k) matrix.

A weighting step's residuals are linear in the influence values (:class:`.weighting.linear.LinearForm`):
``mask * z - writer @ solve(reader' z)``. For the domains of ``by=`` (:class:`.domains.GroupedDeviations`,
column (g, c) nonzero only on domain g's rows) ``reader' z`` is a grouped sum, one sparse product per base
column; the residuals stay factored as the grouped part minus a few writer columns times their coefficients
(:class:`ResidualisedDeviations`), and the variance engine asks only for their unit totals. Steps apply in
order; a later step reads the earlier writers' columns too (``reader' writer``, small).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from careersurvey.estimation.stages import Stage
from careersurvey.estimation.variance import FactoredInfluence


def _dense(m) -> np.ndarray:
    return m.toarray() if sparse.issparse(m) else np.asarray(m)


def _rows_times(m, mask: np.ndarray):
    """``m`` (n, p) with the rows outside ``mask`` zeroed."""
    if sparse.issparse(m):
        return sparse.csr_matrix(m.multiply(mask[:, None].astype(float)))
    return m * mask[:, None]


@dataclass(frozen=True, eq=False)
class ResidualisedDeviations(FactoredInfluence):
    """grouped - sum_j writers[j] @ coefs[j]: ``grouped`` a :class:`.domains.GroupedDeviations` (k columns),
    each writer (n, p_j) and its coefficients (p_j, k)."""

    grouped: FactoredInfluence
    writers: tuple
    coefs: tuple

    @property
    def k(self) -> int:
        return self.grouped.k

    def unit_totals(self, stage: Stage) -> np.ndarray:
        out = self.grouped.unit_totals(stage)
        for m, b in zip(self.writers, self.coefs):
            if sparse.issparse(m):
                units = sparse.csr_matrix((np.ones(len(stage.unit)), (stage.unit, np.arange(len(stage.unit)))),
                                          shape=(stage.n_units_total, len(stage.unit)))
                totals = _dense(units @ m)
            else:
                totals = stage.unit_totals(m)
            out -= totals @ b
        return out

    def select(self, groups: np.ndarray) -> ResidualisedDeviations:
        """The columns of some domains only (as :meth:`.domains.GroupedDeviations.select`)."""
        cols = _columns(groups, self.k // self.grouped.n_groups)
        return ResidualisedDeviations(self.grouped.select(groups), self.writers,
                                      tuple(b[:, cols] for b in self.coefs))

    def restricted(self, active: np.ndarray) -> ResidualisedDeviations:
        return ResidualisedDeviations(self.grouped.restricted(active),
                                      tuple(_rows_times(m, active) for m in self.writers), self.coefs)

    def dense(self) -> np.ndarray:
        z = self.grouped.dense()
        for m, b in zip(self.writers, self.coefs):
            z -= _dense(m @ b)
        return z


def _columns(groups: np.ndarray, kc: int) -> np.ndarray:
    return (np.asarray(groups)[:, None] * kc + np.arange(kc)).ravel()


@dataclass(frozen=True, eq=False)
class Residualised:
    """Every domain's residuals (``z``) and what estimated targets add: per calibration step with estimated
    targets, its B' V_T B from the reader's sums ``reads`` (p, G k)."""

    z: ResidualisedDeviations
    extras: tuple

    def block(self, groups: np.ndarray) -> tuple[ResidualisedDeviations, np.ndarray | float]:
        """The residuals of some domains' columns and the (their k, their k) variance the targets add."""
        kc = self.z.k // self.z.grouped.n_groups
        cols = _columns(groups, kc)
        z = self.z if len(groups) == self.z.grouped.n_groups else self.z.select(groups)
        return z, sum((extra(read[:, cols]) for extra, read in self.extras), 0.0)


def residualise(z, adjustments) -> Residualised | None:
    """The residuals of grouped influence values ``z`` (:class:`.domains.GroupedDeviations`) after every step of
    ``adjustments`` in order, with what estimated targets add; None when a step has no linear form (a step type
    this module does not know), so that the caller residualises densely."""
    forms = []
    for step in adjustments:
        form = getattr(step, "linear_form", None)
        if form is None:
            return None
        forms.append(form())
    grouped, writers, coefs, extras = z, [], [], []
    for f in forms:
        if f.reader is None:
            continue
        read = grouped.read(f.reader)  # (p, k): reader' z, grouped sums
        for m, b in zip(writers, coefs):
            read = read - _dense(f.reader.T @ m) @ b
        if f.extra is not None:
            extras.append((f.extra, read))
        coef = f.solve(read)
        if f.mask is not None:
            grouped = grouped.restricted(f.mask)
            writers = [_rows_times(m, f.mask) for m in writers]
        writers.append(f.writer)
        coefs.append(coef)
    return Residualised(ResidualisedDeviations(grouped, tuple(writers), tuple(coefs)), tuple(extras))

"""The one linearised-variance engine: R survey's ``svyrecvar`` / ``multistage`` / ``onestage``, vectorised.

Every estimator hands this module a matrix of weighted influence values; it returns the covariance of their
column totals under the multistage stratified design, with a finite population correction per stage and the
lonely-PSU rule R survey 4.1.1 applies. Stages are factorised once (:class:`.stages.Stage`) when a design is
built; the variance is then a few group sums (``np.bincount``) and one cross-product per stage, with no loop over
rows or PSUs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from threadpoolctl import ThreadpoolController

from careersurvey.estimation.stages import CERTAINTY_TOL, Stage

F = TypeVar("F", bound=Callable)


@functools.lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()  # scans the loaded BLAS libraries once (~1 ms); limiting is then ~10 us


def one_blas_thread(fn: F) -> F:
    """Run ``fn`` with BLAS on one thread. Our products are tall and thin (n x k, k small) and memory-bound;
    OpenBLAS threads only add contention (a dot product of 1M rows: 11 ms threaded, 0.6 ms on one thread,
    measured on the shared 2-core machine)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _blas_controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class FactoredInfluence:
    """Influence values kept factored: the variance engine asks only for their totals within the units of each
    stage (``unit_totals``), for a copy zero outside the rows R would hold (``restricted``), and, when a
    weighting step must residualise them, for the dense (n, k) matrix (``dense``)."""

    k: int

    def unit_totals(self, stage: Stage) -> np.ndarray:
        raise NotImplementedError

    def restricted(self, active: np.ndarray) -> FactoredInfluence:
        raise NotImplementedError

    def dense(self) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class WeightedDeviations(FactoredInfluence):
    """Influence values z_j = (x_j - center_j) * weight for columns x_j, kept factored so that no (n, k)
    matrix is formed: the columns stay views of the data, and unit totals are sum(x_j w) - center_j sum(w).
    ``dense()`` gives z (n, k) when a weighting step must residualise it."""

    columns: tuple[np.ndarray, ...]
    center: np.ndarray
    weight: np.ndarray

    @property
    def k(self) -> int:
        return len(self.columns)

    def dense(self) -> np.ndarray:
        z = np.empty((len(self.weight), self.k), order="F")
        for j, col in enumerate(self.columns):  # one column at a time: no second (n, k) temporary
            np.multiply(col - self.center[j], self.weight, out=z[:, j])
        return z

    def unit_totals(self, stage: Stage) -> np.ndarray:
        """Totals of z within each unit of ``stage`` (U, k): sum(x_j w) - center_j sum(w), one reused buffer."""
        buf = np.empty(len(self.weight))
        sums = np.empty((stage.n_units_total, self.k))
        for j, col in enumerate(self.columns):  # over the k variables, not over rows
            np.multiply(col, self.weight, out=buf)
            sums[:, j] = stage.sums(buf)
        return sums - np.outer(stage.sums(self.weight), self.center)

    def restricted(self, active: np.ndarray) -> WeightedDeviations:
        return WeightedDeviations(self.columns, self.center, np.where(active, self.weight, 0.0))



def linearized_variance(
    z: np.ndarray, stages: tuple[Stage, ...], lonely_psu: str, active: np.ndarray | None = None, pps_form=None,
    domain_lonely: bool = False, diagonal: bool = False,
) -> np.ndarray:
    """Covariance (k, k) of the column totals of weighted influence values ``z`` (n,) or (n, k).

    Follows R survey 4.1.1's ``multistage``: stage 1 always; later stages only when population sizes are
    known (fpc given), each scaled by the product of earlier-stage sampling fractions n/N. ``active`` marks
    the rows R would still hold (a domain of an uncalibrated design drops the others): strata without an
    active row do not count towards the "average" rule's stratum counts. ``pps_form`` (a PPS design's
    Horvitz-Thompson or Yates-Grundy form, :class:`.pps.PPSVariance`) replaces the stages' sums by its quadratic
    form of the stage-1 PSU totals, as R's ``ppsvar``. ``domain_lonely`` is R's
    ``options(survey.adjust.domain.lonely = TRUE)``: a stratum of several units of which a domain holds one
    is treated by the lonely-PSU rule ("adjust": not centred; "average": left out, the others scaled up).
    ``diagonal``: the variances (k,) alone, without the (k, k) cross-products.
    """
    if isinstance(z, FactoredInfluence):
        k = z.k
        if active is not None:
            z = z.restricted(active)
    else:
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        k = z.shape[1]
        if active is not None:
            z = np.where(active[:, None], z, 0.0)
    if pps_form is not None:
        totals = z.unit_totals(stages[0]) if isinstance(z, FactoredInfluence) else stages[0].unit_totals(z)
        return np.diag(pps_form(totals)).copy() if diagonal else pps_form(totals)
    n_stages = len(stages) if stages[0].has_fpc else 1
    total = np.zeros(k if diagonal else (k, k))
    for stage in stages[:n_stages]:
        total += _stage_variance(z, stage, lonely_psu, active, domain_lonely, diagonal)
    return total


def _stage_variance(z, stage: Stage, lonely_psu: str, active: np.ndarray | None,
                    domain_lonely: bool = False, diagonal: bool = False) -> np.ndarray:
    """One stage: sum over strata of scale * crossprod(centred unit totals), R's ``onestage``/``onestrat``."""
    if isinstance(z, FactoredInfluence):
        unit_totals = z.unit_totals(stage)
    else:
        unit_totals = stage.unit_totals(z)
    h_of_u = stage.unit_stratum
    n_h = stage.n_units
    weights = stratum_weights(stage, lonely_psu, active, domain_lonely)
    if weights is None:
        return np.full(unit_totals.shape[1] if diagonal else (unit_totals.shape[1],) * 2, np.nan)
    weight_h, centre = weights
    sums = np.zeros((stage.n_strata, unit_totals.shape[1]))
    np.add.at(sums, h_of_u, unit_totals)
    means = sums / n_h[:, None]
    centred = unit_totals - np.where(centre[h_of_u, None], means[h_of_u], 0.0)
    weight_u = weight_h[h_of_u] if stage.unit_factor is None else weight_h[h_of_u] * stage.unit_factor
    if diagonal:
        return np.einsum("uk,uk,u->k", centred, centred, weight_u)
    return centred.T @ (centred * weight_u[:, None])


def stratum_weights(stage: Stage, lonely_psu: str, active: np.ndarray | None, domain_lonely: bool = False):
    """R's ``onestrat`` constants of one stage: (the weight of each stratum's crossproduct of centred unit totals
    (times each unit's ``Stage.unit_factor`` in a PPS design),
    whether the stratum is centred on its mean of totals), or None when the variance is NaN (lonely PSUs under
    "average" in a group without other strata)."""
    h_of_u = stage.unit_stratum
    one_left = None
    if active is None:
        present = np.ones(stage.n_strata, dtype=bool)
    else:
        present_unit = np.bincount(stage.unit[active], minlength=len(h_of_u)) > 0
        held = np.bincount(h_of_u[present_unit], minlength=stage.n_strata)
        present = held > 0
        if domain_lonely:  # R's survey.adjust.domain.lonely: the domain holds one of several units
            one_left = (held == 1) & (stage.n_units > 1)
    return stratum_constants(stage.n_units, stage.fraction_kept, stage.group, stage.multiplier, present, lonely_psu,
                             certain=stage.certain, one_left=one_left)


def stratum_constants(n_h: np.ndarray, f: np.ndarray, group: np.ndarray, multiplier: np.ndarray,
                      present: np.ndarray, lonely_psu: str, certain: np.ndarray | None = None,
                      one_left: np.ndarray | None = None):
    """:func:`stratum_weights` from per-stratum arrays alone (units ``n_h``, R's ``f`` = (N - n)/N, the
    earlier-stage unit ``group`` a stratum lies in, the product ``multiplier`` of earlier n/N, and whether the
    stratum holds an active row): the one place R's lonely-PSU and certainty rules live, shared by the
    in-memory engine and the engine path over tables (:mod:`careersurvey.engine`). ``certain`` marks strata
    taken with certainty when that is not f alone (a PPS design's correction is per unit); ``one_left`` strata of
    several units of which a domain holds one, under R's ``survey.adjust.domain.lonely``."""
    certain = f < CERTAINTY_TOL if certain is None else certain
    single = n_h == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(single, f, f * n_h / np.maximum(n_h - 1, 1))
    # R: a lonely PSU under "adjust" is not centred (its total is compared with zero, the mean of the
    # centred influence values over all PSUs); every other stratum is centred on its own mean of totals.
    alone = single if one_left is None else single | one_left
    centre = ~(alone & (lonely_psu == "adjust"))
    is_na = alone & ~certain & (lonely_psu == "average")
    ok = present & ~is_na
    n_groups = int(group.max(initial=0)) + 1
    nstrat = np.bincount(group[present], minlength=n_groups)
    nok = np.bincount(group[ok], minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = nstrat / nok
    if np.any(nok[nstrat > 0] == 0):
        return None
    return np.where(ok & ~certain, scale * multiplier * ratio[group], 0.0), centre

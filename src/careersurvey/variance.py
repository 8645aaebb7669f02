"""The one linearised-variance engine: R survey's ``svyrecvar`` / ``multistage`` / ``onestage``, vectorised.

Every estimator hands this module a matrix of weighted influence values; it returns the covariance of their
column totals under the multistage stratified design, with a finite population correction per stage and the
lonely-PSU rule R survey 4.1.1 applies. Stages are factorised once (:class:`Stage`) when a design is built;
the variance is then a few group sums (``np.bincount``) and one cross-product per stage, with no loop over rows
or PSUs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

LONELY_PSU_OPTIONS = ("fail", "remove", "adjust", "average", "certainty")

#: R's onestrat treats a stratum whose sampling fraction is within this of 1 as taken with certainty
_CERTAINTY_TOL = 1e-7


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


class LonelyPSUError(ValueError):
    """A stratum has a single PSU and the design's ``lonely_psu`` rule is ``"fail"``."""


@dataclass(frozen=True, eq=False)
class Stage:
    """One sampling stage, factorised: which unit and stratum each row belongs to, with sizes per stratum.

    ``unit`` codes (n,) index units (PSUs at stage 1), unique over the whole sample; ``unit_stratum`` (U,)
    gives each unit's stratum; ``n_units``/``popsize`` (H,) are R's ``fpc$sampsize``/``fpc$popsize``;
    ``group`` (H,) is the unit of the previous stage a stratum lies in (all 0 at stage 1), because R runs
    ``onestage`` once per earlier-stage unit; ``multiplier`` (H,) is the product of n/N over earlier stages.
    ``starts`` (U,) holds each unit's first row when the rows come sorted by unit (as survey files usually
    do), so that unit totals are contiguous running sums (``np.add.reduceat``, 0.4 ms on 1M rows); otherwise
    None and the totals are ``np.bincount`` sums (3.5 ms). Neither keeps an n-sized indicator matrix.
    """

    unit: np.ndarray
    unit_stratum: np.ndarray
    n_units: np.ndarray
    popsize: np.ndarray | None
    group: np.ndarray
    multiplier: np.ndarray
    stratum_labels: np.ndarray
    starts: np.ndarray | None

    def __post_init__(self) -> None:
        for value in vars(self).values():  # the arrays are shared by every design evolved from this one
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @property
    def n_strata(self) -> int:
        return len(self.n_units)

    @property
    def fraction_kept(self) -> np.ndarray:
        """R's ``f``: (N - n) / N per stratum, 1 without a population size or with N infinite."""
        if self.popsize is None:
            return np.ones(self.n_strata)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (self.popsize - self.n_units) / self.popsize
        return np.where(np.isinf(self.popsize), 1.0, f)

    @property
    def n_units_total(self) -> int:
        """U, the number of units at this stage."""
        return len(self.unit_stratum)

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Totals of one column of values (n,) within each unit: (U,)."""
        if self.starts is not None:
            return np.add.reduceat(values, self.starts)
        return np.bincount(self.unit, weights=values, minlength=self.n_units_total)

    def unit_totals(self, z: np.ndarray) -> np.ndarray:
        """Column totals of z (n, k) within each unit: (U, k)."""
        return np.column_stack([self.sums(z[:, j]) for j in range(z.shape[1])])

    def lonely(self) -> np.ndarray:
        """Strata with a single sampled unit that are not taken with certainty (boolean, per stratum)."""
        return (self.n_units == 1) & ~(self.fraction_kept < _CERTAINTY_TOL)


@dataclass(frozen=True, eq=False)
class WeightedDeviations:
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


def first_rows(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """The first row (index) of each group 0..n_groups-1 in ``codes``; -1 for a group without rows."""
    first = np.full(n_groups, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def factorize_codes(*columns: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..K-1 for the distinct combinations of the given code columns (order of appearance)."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        col = np.asarray(col, dtype=np.int64)
        code = code * (int(col.max(initial=0)) + 1) + col
    codes, uniques = pd.factorize(code)
    return codes.astype(np.int64), len(uniques)


def build_stages(
    psu_codes: list[np.ndarray],
    strata_codes: list[np.ndarray],
    strata_labels: list[np.ndarray],
    fpc_rows: list[np.ndarray] | None,
    fpc_is_fraction: bool = False,
) -> tuple[Stage, ...]:
    """Build the stages from per-row codes, as ``svydesign`` nests them.

    ``psu_codes[s]`` must already be unique within earlier stages (and within strata when ``nest=True``);
    ``strata_codes[s]`` are the stage-s strata, already made unique within the earlier-stage unit.
    ``fpc_rows[s]`` holds each row's stage-s fpc (validated constant within the stratum): population sizes,
    or sampling fractions when ``fpc_is_fraction`` (then N = n / fraction, as R's ``as.fpc``).
    ``strata_labels[s]`` are per-row values naming the stratum in messages (read only at one row each).
    """
    stages: list[Stage] = []
    for s, (unit, stratum) in enumerate(zip(psu_codes, strata_codes)):
        n_u = int(unit.max(initial=-1)) + 1
        n_h = int(stratum.max(initial=-1)) + 1
        first_row_of_unit = first_rows(unit, n_u)
        unit_stratum = stratum[first_row_of_unit]
        in_order = bool(np.all(unit[1:] >= unit[:-1])) and bool(np.all(np.diff(first_row_of_unit) > 0))
        n_units = np.bincount(unit_stratum, minlength=n_h)
        first_row_of_stratum = first_rows(stratum, n_h)
        popsize = None
        if fpc_rows is not None:
            popsize = np.asarray(fpc_rows[s], dtype=float)[first_row_of_stratum]
            if fpc_is_fraction:
                with np.errstate(divide="ignore"):
                    popsize = n_units / popsize
        if s == 0:
            group = np.zeros(n_h, dtype=np.int64)
            multiplier = np.ones(n_h)
        else:
            prev = stages[-1]
            group = prev.unit[first_row_of_stratum]
            prev_h = prev.unit_stratum[group]
            if prev.popsize is None:  # without fpc later stages do not contribute (R's multistage)
                step = np.ones(n_h)
            else:
                with np.errstate(divide="ignore"):
                    step = prev.n_units[prev_h] / prev.popsize[prev_h]
            multiplier = prev.multiplier[prev_h] * step
        stages.append(Stage(unit, unit_stratum, n_units, popsize, group, multiplier,
                            np.asarray(strata_labels[s])[first_row_of_stratum],
                            first_row_of_unit if in_order else None))
    return tuple(stages)


def check_lonely(stages: tuple[Stage, ...], lonely_psu: str, stratum_name: str) -> None:
    """Raise :class:`LonelyPSUError` naming the stratum when a lonely PSU meets ``lonely_psu="fail"``."""
    if lonely_psu != "fail":
        return
    used = stages if stages[0].popsize is not None else stages[:1]
    for s, stage in enumerate(used, start=1):
        lonely = np.flatnonzero(stage.lonely())
        if len(lonely):
            labels = ", ".join(str(x) for x in stage.stratum_labels[lonely[:5]])
            more = f" and {len(lonely) - 5} more" if len(lonely) > 5 else ""
            raise LonelyPSUError(
                f"stratum {labels}{more} of {stratum_name if s == 1 else 'the units'} has only one "
                f"{'PSU' if s == 1 else 'sampled unit'} at stage {s}, so its variance cannot be estimated "
                f"(lonely_psu='fail'). Choose lonely_psu='adjust', 'average', 'remove' or 'certainty', "
                f"or collapse the stratum with a neighbouring one."
            )


def linearized_variance(
    z: np.ndarray, stages: tuple[Stage, ...], lonely_psu: str, active: np.ndarray | None = None
) -> np.ndarray:
    """Covariance (k, k) of the column totals of weighted influence values ``z`` (n,) or (n, k).

    Follows R survey 4.1.1's ``multistage``: stage 1 always; later stages only when population sizes are
    known (fpc given), each scaled by the product of earlier-stage sampling fractions n/N. ``active`` marks
    the rows R would still hold (a domain of an uncalibrated design drops the others): strata without an
    active row do not count towards the "average" rule's stratum counts.
    """
    if isinstance(z, WeightedDeviations):
        k = z.k
        if active is not None:
            z = WeightedDeviations(z.columns, z.center, np.where(active, z.weight, 0.0))
    else:
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        k = z.shape[1]
        if active is not None:
            z = np.where(active[:, None], z, 0.0)
    n_stages = len(stages) if stages[0].popsize is not None else 1
    total = np.zeros((k, k))
    for stage in stages[:n_stages]:
        total += _stage_variance(z, stage, lonely_psu, active)
    return total


def _stage_variance(z, stage: Stage, lonely_psu: str, active: np.ndarray | None) -> np.ndarray:
    """One stage: sum over strata of scale * crossprod(centred unit totals), R's ``onestage``/``onestrat``."""
    if isinstance(z, WeightedDeviations):
        unit_totals = z.unit_totals(stage)
    else:
        unit_totals = stage.unit_totals(z)
    h_of_u = stage.unit_stratum
    n_h = stage.n_units
    if active is None:
        present = np.ones(stage.n_strata, dtype=bool)
    else:
        present_unit = np.bincount(stage.unit[active], minlength=len(h_of_u)) > 0
        present = np.bincount(h_of_u[present_unit], minlength=stage.n_strata) > 0
    f = stage.fraction_kept
    certain = f < _CERTAINTY_TOL
    single = n_h == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(single, f, f * n_h / np.maximum(n_h - 1, 1))
    # R: a lonely PSU under "adjust" is not centred (its total is compared with zero, the mean of the
    # centred influence values over all PSUs); every other stratum is centred on its own mean of totals.
    centre = ~(single & (lonely_psu == "adjust"))
    sums = np.zeros((stage.n_strata, unit_totals.shape[1]))
    np.add.at(sums, h_of_u, unit_totals)
    means = sums / n_h[:, None]
    centred = unit_totals - np.where(centre[h_of_u, None], means[h_of_u], 0.0)
    is_na = single & ~certain & (lonely_psu == "average")
    ok = present & ~is_na
    n_groups = int(stage.group.max(initial=0)) + 1
    nstrat = np.bincount(stage.group[present], minlength=n_groups)
    nok = np.bincount(stage.group[ok], minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = nstrat / nok
    if np.any(nok[nstrat > 0] == 0):
        return np.full((unit_totals.shape[1],) * 2, np.nan)
    weight_h = np.where(ok & ~certain, scale * stage.multiplier * ratio[stage.group], 0.0)
    weight_u = weight_h[h_of_u]
    return centred.T @ (centred * weight_u[:, None])


def design_df(stages: tuple[Stage, ...], inset: np.ndarray) -> int:
    """R's ``degf``: distinct PSUs minus distinct strata among rows with non-zero weight."""
    stage = stages[0]
    units = np.zeros(len(stage.unit_stratum), dtype=bool)
    units[stage.unit[inset]] = True
    strata = np.zeros(stage.n_strata, dtype=bool)
    strata[stage.unit_stratum[units]] = True
    return int(units.sum() - strata.sum())

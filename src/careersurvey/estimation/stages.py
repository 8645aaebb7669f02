"""Sampling stages, factorised once when a design is built: which unit and stratum each row belongs to, the
sizes per stratum, the fpc per stage, and R's lonely-PSU rules and degrees of freedom over them.

:mod:`.spec` builds them from the data's columns; :mod:`.variance` sums influence values over them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LONELY_PSU_OPTIONS = ("fail", "remove", "adjust", "average", "certainty")

#: R's onestrat treats a stratum whose sampling fraction is within this of 1 as taken with certainty
CERTAINTY_TOL = 1e-7



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
    ``unit_prob`` (U,) holds each unit's inclusion probability in a PPS design (the fpc given per unit, R's
    ``pps=``): its finite population correction is then 1 - pi per unit, not per stratum (``popsize`` None).
    """

    unit: np.ndarray
    unit_stratum: np.ndarray
    n_units: np.ndarray
    popsize: np.ndarray | None
    group: np.ndarray
    multiplier: np.ndarray
    stratum_labels: np.ndarray
    starts: np.ndarray | None
    unit_prob: np.ndarray | None = None

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
    def has_fpc(self) -> bool:
        """Whether the stage has a finite population correction (per stratum or, in a PPS design, per unit)."""
        return self.popsize is not None or self.unit_prob is not None

    @property
    def unit_factor(self) -> np.ndarray | None:
        """A PPS design's correction per unit, 1 - pi (None: the stratum's ``fraction_kept`` alone)."""
        return None if self.unit_prob is None else 1 - self.unit_prob

    @property
    def certain(self) -> np.ndarray:
        """Strata taken with certainty: fraction kept below R's tolerance (every unit's, in a PPS design)."""
        certain = self.fraction_kept < CERTAINTY_TOL
        if self.unit_prob is not None:
            uncertain = np.bincount(self.unit_stratum, weights=(1 - self.unit_prob) >= CERTAINTY_TOL,
                                    minlength=self.n_strata)
            certain = certain | (uncertain == 0)
        return certain

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
        return (self.n_units == 1) & ~self.certain



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
    pps: bool = False,
) -> tuple[Stage, ...]:
    """Build the stages from per-row codes, as ``svydesign`` nests them.

    ``psu_codes[s]`` must already be unique within earlier stages (and within strata when ``nest=True``);
    ``strata_codes[s]`` are the stage-s strata, already made unique within the earlier-stage unit.
    ``fpc_rows[s]`` holds each row's stage-s fpc (validated constant within the stratum): population sizes,
    or sampling fractions when ``fpc_is_fraction`` (then N = n / fraction, as R's ``as.fpc``).
    ``strata_labels[s]`` are per-row values naming the stratum in messages (read only at one row each).
    With ``pps`` the fpc rows are inclusion probabilities per unit (``Stage.unit_prob``), as R's
    ``as.fpc(pps = TRUE)``.
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
        popsize = unit_prob = None
        if pps:
            unit_prob = np.asarray(fpc_rows[s], dtype=float)[first_row_of_unit]
        elif fpc_rows is not None:
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
            if prev.unit_prob is not None:  # PPS: R's nPSU / popsize is the earlier unit's pi
                step = prev.unit_prob[group]
            elif prev.popsize is None:  # without fpc later stages do not contribute (R's multistage)
                step = np.ones(n_h)
            else:
                with np.errstate(divide="ignore"):
                    step = prev.n_units[prev_h] / prev.popsize[prev_h]
            multiplier = prev.multiplier[prev_h] * step
        stages.append(Stage(unit, unit_stratum, n_units, popsize, group, multiplier,
                            np.asarray(strata_labels[s])[first_row_of_stratum],
                            first_row_of_unit if in_order else None, unit_prob))
    return tuple(stages)


def check_lonely(stages: tuple[Stage, ...], lonely_psu: str, stratum_name: str) -> None:
    """Raise :class:`LonelyPSUError` naming the stratum when a lonely PSU meets ``lonely_psu="fail"``."""
    if lonely_psu != "fail":
        return
    used = stages if stages[0].has_fpc else stages[:1]
    for s, stage in enumerate(used, start=1):
        lonely = np.flatnonzero(stage.lonely())
        if len(lonely):
            raise LonelyPSUError(lonely_message(list(stage.stratum_labels[lonely]), s, stratum_name))


def lonely_message(labels: list, s: int, stratum_name: str | None) -> str:
    """What :class:`LonelyPSUError` says: the lonely strata (``labels``, the first five named) at stage ``s``
    (1-based) and the way out; one text for the in-memory design and the engine path's."""
    named = ", ".join(str(x) for x in labels[:5])
    more = f" and {len(labels) - 5} more" if len(labels) > 5 else ""
    return (f"stratum {named}{more} of {stratum_name if s == 1 else 'the units'} has only one "
            f"{'PSU' if s == 1 else 'sampled unit'} at stage {s}, so its variance cannot be estimated "
            f"(lonely_psu='fail'). Choose lonely_psu='adjust', 'average', 'remove' or 'certainty', "
            f"or collapse the stratum with a neighbouring one.")



def design_df(stages: tuple[Stage, ...], inset: np.ndarray) -> int:
    """R's ``degf``: distinct PSUs minus distinct strata among rows with non-zero weight."""
    stage = stages[0]
    units = np.zeros(len(stage.unit_stratum), dtype=bool)
    units[stage.unit[inset]] = True
    strata = np.zeros(stage.n_strata, dtype=bool)
    strata[stage.unit_stratum[units]] = True
    return int(units.sum() - strata.sum())

"""Validate and factorise a design's strata, PSU and fpc columns once, as R's ``svydesign`` nests them.

Kept apart from :mod:`careersurvey.estimation.design` so the value class stays small. Every error names the column,
the stratum or PSU (and a row) and says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.estimation import pps as _pps
from careersurvey.estimation.stages import Stage, build_stages, factorize_codes, first_rows
from careersurvey.estimation.rows import label, rows_text


class DesignError(ValueError):
    """A survey design cannot be built from the given data and settings."""


@dataclass(frozen=True, eq=False)
class DesignSpec:
    """The factorised design: stages plus the arguments that made them (for printing and ``evolve``)."""

    stages: tuple[Stage, ...]
    strata_arg: str | tuple[str, ...] | None
    psu_arg: str | tuple[str, ...] | None
    fpc_arg: str | tuple[str, ...] | None
    nest: bool
    strata_name: str | None
    psu_names: tuple[str, ...]
    fpc_fractions: bool  # the fpc was given as sampling fractions; Stage.popsize always holds sizes N
    pps: Any = None  # R's svydesign(pps=): "brewer", "overton", HartleyRao, JointProbabilities
    pps_variance: str = "HT"
    pps_form: _pps.PPSVariance | None = None  # the quadratic form of the stage-1 PSU totals (not Brewer's)
    ultimate_cluster: bool = False  # R's options(survey.ultimate.cluster = TRUE): stage 1 alone, with its fpc
    with_replacement: bool = False  # stage 1 alone, without fpc (R's svydesign without fpc), whatever fpc says

    @cached_property
    def variance_stages(self) -> tuple[Stage, ...]:
        """The stages the variance sums over: all of them, or stage 1 alone for an ultimate-cluster design, and
        without its fpc for a with-replacement one."""
        if self.with_replacement:
            return (replace(self.stages[0], popsize=None, unit_prob=None),)
        return self.stages[:1] if self.ultimate_cluster else self.stages


def _show(value) -> str:
    """A data value as a reader expects it: 'E', 12 (never np.int64(12))."""
    value = value.item() if isinstance(value, np.generic) else value
    return repr(value)


def _as_list(arg: str | Sequence[str] | None, what: str) -> list[str]:
    if arg is None:
        return []
    if isinstance(arg, str):
        return [arg]
    items = list(arg)
    if not all(isinstance(a, str) for a in items):
        raise DesignError(f"{what} must be a column name or a list of column names (got {arg!r})")
    return items


def _column(data: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in data.columns:
        close = [c for c in map(str, data.columns) if c.lower().startswith(name.lower()[:3])][:5]
        hint = f"; similar columns: {', '.join(close)}" if close else ""
        raise DesignError(f"{what} column {name!r} is not in the data{hint}. Pass an existing column name.")
    col = data[name]
    if col.isna().any():
        missing = col.isna().to_numpy()
        raise DesignError(f"{what} column {name!r} has {int(missing.sum())} missing value(s) "
                          f"({rows_text(data.index, missing)}); every row "
                          f"needs a {what} code. Fill them in or drop those rows before building the design.")
    return col


def build_spec(
    data: pd.DataFrame,
    strata: str | Sequence[str] | None,
    psu: str | Sequence[str] | None,
    fpc: str | Sequence[str] | None,
    nest: bool,
    pps: Any = None,
    pps_variance: str = "HT",
    ultimate_cluster: bool = False,
    with_replacement: bool = False,
) -> DesignSpec:
    """Check the design columns and build the factorised stages (R's ``svydesign`` + ``as.fpc``); with ``pps``
    the fpc holds each PSU's inclusion probability (:mod:`careersurvey.estimation.pps`)."""
    n = len(data)
    if n == 0:
        raise DesignError("the data have no rows; a design needs at least two PSUs")
    strata_cols = _as_list(strata, "strata")
    psu_cols = _as_list(psu, "psu")
    fpc_cols = _as_list(fpc, "fpc")
    has_strata = bool(strata_cols)
    n_stages = max(len(psu_cols), 1)
    if fpc_cols and len(fpc_cols) != n_stages:
        raise DesignError(
            f"fpc lists {len(fpc_cols)} column(s) ({', '.join(fpc_cols)}) but the design has {n_stages} "
            f"stage(s) ({', '.join(psu_cols) or 'rows as PSUs'}); give one fpc column per stage, or none."
        )
    if len(strata_cols) > n_stages:
        raise DesignError(f"strata lists {len(strata_cols)} columns but the design has only {n_stages} stage(s)")

    strata_series = [_column(data, c, "strata") for c in strata_cols]
    psu_series = [_column(data, c, "psu") for c in psu_cols]
    strata_codes = [pd.factorize(s, sort=True)[0].astype(np.int64, copy=False) for s in strata_series]
    if psu_series:
        ids = [pd.factorize(s, sort=True)[0].astype(np.int64, copy=False) for s in psu_series]
        psu_values = [s.to_numpy() for s in psu_series]
    else:
        ids = [np.arange(n, dtype=np.int64)]
        psu_values = [data.index.to_numpy()]
    if int(ids[0].max()) == 0 and not (nest and has_strata):
        if not psu_cols:  # psu=None: each row is its own PSU
            raise DesignError("the data have one row, which is the only primary sampling unit (psu=None makes "
                              "each row its own); variances need at least two PSUs.")
        raise DesignError(f"the design has only one primary sampling unit ({psu_cols[0]} = "
                          f"{_show(psu_values[0][0])} in every row); variances need at least two PSUs.")

    # units: later stages nested in earlier ones; with nest=True also within strata (R's interaction())
    units = [ids[0]]
    for s in range(1, n_stages):
        units.append(factorize_codes(units[s - 1], ids[s])[0])
    if nest and has_strata:
        units = [factorize_codes(*strata_codes[: min(s + 1, len(strata_codes))], units[s])[0]
                 for s in range(n_stages)]
    if has_strata and not nest:
        _check_nested(units[0], strata_codes[0], psu_values[0], strata_series[0], psu_cols)

    # stage strata: stage 1 the strata column; later stages within the previous stage's unit
    zeros = np.zeros(n, dtype=np.int64)
    stage_strata = [strata_codes[0] if has_strata else zeros]
    labels = [strata_series[0].to_numpy() if has_strata else np.broadcast_to(np.array(["(all)"], dtype=object), (n,))]
    for s in range(1, n_stages):
        col = strata_codes[min(s, len(strata_codes) - 1)] if has_strata else zeros
        stage_strata.append(factorize_codes(col, units[s - 1])[0])
        labels.append(psu_values[s - 1])  # a later-stage stratum is named by the earlier-stage unit it lies in

    fpc_rows, is_fraction = None, False
    _pps.check_arguments(pps, pps_variance, n_stages, bool(fpc_cols), with_replacement, DesignError)
    if fpc_cols:
        fpc_rows, is_fraction = _read_fpc(data, fpc_cols, units if pps is not None else stage_strata,
                                          psu_values if pps is not None else labels, pps is not None)

    stages = build_stages(units, stage_strata, labels, fpc_rows, is_fraction, pps=pps is not None)
    form = None
    if pps is not None and pps != "brewer":
        form = _pps_form(pps, pps_variance, stages[0], data, stage_strata[0], psu_values[0], psu_cols)
    for s, stage in enumerate(stages):
        if stage.popsize is not None:
            bad = np.flatnonzero(stage.popsize < stage.n_units)
            if len(bad):
                h = bad[0]
                raise DesignError(
                    f"fpc column {fpc_cols[s]!r}: stratum {stage.stratum_labels[h]} has population size "
                    f"{stage.popsize[h]:g} but {stage.n_units[h]} sampled units at stage {s + 1}; the fpc must be "
                    "the number of units in the population (>= the sample) or a sampling fraction <= 1."
                )
    return DesignSpec(
        stages=stages,
        strata_arg=None if not strata_cols else (strata if isinstance(strata, str) else tuple(strata_cols)),
        psu_arg=None if not psu_cols else (psu if isinstance(psu, str) else tuple(psu_cols)),
        fpc_arg=None if not fpc_cols else (fpc if isinstance(fpc, str) else tuple(fpc_cols)),
        nest=bool(nest),
        strata_name=", ".join(strata_cols) if strata_cols else None,
        psu_names=tuple(psu_cols),
        fpc_fractions=is_fraction,
        pps=pps,
        pps_variance=pps_variance,
        pps_form=form,
        ultimate_cluster=bool(ultimate_cluster),
        with_replacement=bool(with_replacement),
    )


def _pps_form(pps: Any, pps_variance: str, stage: Stage, data: pd.DataFrame, row_stratum: np.ndarray,
              psu_values: np.ndarray, psu_cols: list[str]) -> _pps.PPSVariance:
    """The D-check matrix of the stage-1 PSUs (Overton, Hartley-Rao or from the joint probabilities)."""
    prob, h = stage.unit_prob, stage.unit_stratum
    if isinstance(pps, _pps.JointProbabilities):
        first = first_rows(stage.unit, stage.n_units_total)
        U = stage.n_units_total
        pij = pps.pij
        if isinstance(pij, pd.DataFrame):
            pij = _pps.labelled_pij(pij, psu_values[first], psu_cols[0] if psu_cols else "the rows", DesignError)
        else:
            pij = np.asarray(pij, dtype=float)
            if pij.shape != (U, U):
                raise DesignError(f"joint_probabilities() needs a square matrix over the {U} PSUs (got shape "
                                  f"{pij.shape}), in the order of their first rows in the data")
            rank = np.argsort(np.argsort(first))  # unit code -> its place in the order of first rows
            pij = pij[np.ix_(rank, rank)]
        return _pps.PPSVariance(_pps.dcheck(pps, prob, h, pij=pij), pps_variance)
    if pps == "overton":  # no matrix: per-stratum sums (PPSVariance)
        return _pps.PPSVariance(None, pps_variance, prob=prob, stratum=h)
    psum = _pps.psum_per_stratum(pps.psum, prob, h, stage.stratum_labels, data, row_stratum, DesignError)
    return _pps.PPSVariance(_pps.dcheck(pps, prob, h, psum=psum, error=DesignError), pps_variance)


def _first_disagreement(codes: np.ndarray, values: np.ndarray) -> tuple[int, int] | None:
    """The first row whose value differs from the first row of its group, with that first row; None if
    every group is constant (used for PSUs that cross strata and for an fpc that varies in a stratum)."""
    first = first_rows(codes, int(codes.max()) + 1)
    differ = np.flatnonzero(values != values[first[codes]])
    if not len(differ):
        return None
    r = int(differ[0])
    return r, int(first[codes[r]])


def _check_nested(unit: np.ndarray, stratum: np.ndarray, psu_values: np.ndarray, strata_col: pd.Series,
                  psu_cols: list[str]) -> None:
    """R: 'Clusters not nested in strata at top level; you may want nest=TRUE.'"""
    clash = _first_disagreement(unit, stratum)
    if clash is not None:
        r, f = clash
        raise DesignError(
            f"PSU {psu_cols[0]}={_show(psu_values[r])} appears in more than one stratum ({strata_col.name}="
            f"{_show(strata_col.iloc[f])} at {label(strata_col.index, f)} and {_show(strata_col.iloc[r])} at "
            f"{label(strata_col.index, r)}). If PSU codes are only unique within strata, pass nest=True; "
            "otherwise fix the codes."
        )


def _read_fpc(data: pd.DataFrame, fpc_cols: list[str], stage_strata: list[np.ndarray],
              labels: list[np.ndarray], pps: bool = False) -> tuple[list[np.ndarray], bool]:
    """fpc values per stage, checked numeric, constant within strata, all sizes (> 1) or all fractions; with
    ``pps`` inclusion probabilities, constant within units (``stage_strata``/``labels`` are then the units)."""
    rows = []
    for name in fpc_cols:
        col = _column(data, name, "fpc")
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) | (values <= 0)
        if bad.any():
            r = np.flatnonzero(bad)[0]
            raise DesignError(f"fpc column {name!r} must hold positive numbers (population sizes or sampling "
                              f"fractions); {label(data.index, r)} has {_show(col.iloc[r])}.")
        rows.append(values)
    allv = np.concatenate(rows)
    is_size = bool((allv > 1).any())
    if pps and is_size:
        k = next(i for i, v in enumerate(rows) if (v > 1).any())
        r = np.flatnonzero(rows[k] > 1)[0]
        raise DesignError(f"fpc column {fpc_cols[k]!r} at {label(data.index, r)} is {rows[k][r]:g}: in a PPS design "
                          "the fpc is each PSU's inclusion probability, a fraction <= 1 (as R)")
    if is_size and (allv < 1).any():
        k = next(i for i, v in enumerate(rows) if (v < 1).any())
        r = np.flatnonzero(rows[k] < 1)[0]
        raise DesignError(
            f"fpc mixes population sizes (> 1) and sampling fractions (< 1): column {fpc_cols[k]!r} at "
            f"{label(data.index, r)} is {rows[k][r]:g}. Give all stages as sizes or all as fractions."
        )
    for s, (values, stratum) in enumerate(zip(rows, stage_strata)):
        diff = _first_disagreement(stratum, values)
        if diff is not None and pps:
            r, f = diff
            raise DesignError(
                f"fpc column {fpc_cols[s]!r} varies within unit {labels[s][r]} at stage {s + 1}: {values[f]:g} at "
                f"{label(data.index, f)} but {values[r]:g} at {label(data.index, r)}. In a PPS design it is the "
                "unit's inclusion probability, one value per unit; correct the values.")
        if diff is not None:
            r, f = diff
            raise DesignError(
                f"fpc column {fpc_cols[s]!r} varies within stratum {labels[s][r]} at stage {s + 1}: "
                f"{values[f]:g} at {label(data.index, f)} but {values[r]:g} at {label(data.index, r)}. "
                "The fpc is one population size (or fraction) per stratum; correct the values."
            )
    return rows, not is_size

"""A design's sampling stages over a table in an engine, described by small per-stratum tables.

The in-memory design factorises its stages into row codes (:mod:`careersurvey.estimation.stages`); over a table
in an engine the rows stay where they are and each stage is named by columns instead: the columns that name a
unit (PSU at stage 1) and those that name its stratum, nested as R's ``svydesign`` nests them. What the variance
needs of a stage beyond sums of the rows is per stratum: its number of sampled units, its population size,
the earlier-stage unit it lies in and the product of earlier sampling fractions. Those are read once, by one
GROUP BY per stage, when the design is built; they are aggregates (one row per stratum), so they leave the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from careersurvey.engine.source import EngineError
from careersurvey.estimation.stages import CERTAINTY_TOL, LonelyPSUError, lonely_message

__all__ = ["StageKeys", "StageTable", "stage_keys", "read_stages", "variance_stages", "check_lonely",
           "LonelyPSUTableError"]


class LonelyPSUTableError(EngineError, LonelyPSUError):
    """A stratum of a design over a table has a single PSU under ``lonely_psu="fail"``: the in-memory design's
    :class:`~careersurvey.estimation.stages.LonelyPSUError` (same message), also an :class:`EngineError`."""


@dataclass(frozen=True)
class StageKeys:
    """The columns naming a stage's units and strata; ``unit == ()`` means each row is its own unit."""

    unit: tuple[str, ...]
    stratum: tuple[str, ...]
    fpc: str | None

    @property
    def rows_are_units(self) -> bool:
        return not self.unit


@dataclass(frozen=True, eq=False)
class StageTable:
    """One stage's strata (a pandas frame keyed by ``keys.stratum``, one row per stratum) with columns
    ``n`` (units sampled), ``N`` (population size, NaN without an fpc), ``group`` (the earlier-stage unit the
    stratum lies in, 0 at stage 1) and ``multiplier`` (the product of earlier-stage n/N). With ``pps`` (R's
    ``svydesign(pps=)``) the fpc is each unit's inclusion probability pi: the correction is 1 - pi per unit
    (``uncertain`` counts the units with 1 - pi above R's tolerance, ``a_sum`` sums 1 - pi over the stratum's
    units) and a later stage's multiplier holds the earlier unit's pi."""

    keys: StageKeys
    strata: pd.DataFrame
    pps: bool = False

    @property
    def certain(self) -> np.ndarray:
        """Strata taken with certainty: fraction kept below R's tolerance (every unit's, in a PPS design)."""
        certain = self.fraction_kept < CERTAINTY_TOL
        if self.pps:
            certain = certain | (self.strata["uncertain"].to_numpy() == 0)
        return certain

    @property
    def fraction_kept(self) -> np.ndarray:
        """R's ``f`` = (N - n)/N per stratum, 1 without a population size (and in a PPS design: per unit)."""
        N = self.strata["N"].to_numpy(dtype=float)
        n = self.strata["n"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (N - n) / N
        return np.where(np.isnan(N) | np.isinf(N), 1.0, f)

    @property
    def has_fpc(self) -> bool:
        return self.keys.fpc is not None


def stage_keys(strata: tuple[str, ...], psu: tuple[str, ...], fpc: tuple[str, ...], nest: bool) -> tuple[StageKeys, ...]:
    """The stages as R's ``svydesign`` nests them: later-stage units within earlier ones (and within strata when
    ``nest``), a later stage's strata within the earlier-stage unit; one strata column serves every stage."""
    n_stages = max(len(psu), 1)
    if fpc and len(fpc) != n_stages:
        raise EngineError(f"fpc lists {len(fpc)} column(s) ({', '.join(fpc)}) but the design has {n_stages} "
                          f"stage(s) ({', '.join(psu) or 'rows as PSUs'}); give one fpc column per stage, or none.")
    if len(strata) > n_stages:
        raise EngineError(f"strata lists {len(strata)} columns but the design has only {n_stages} stage(s)")
    out: list[StageKeys] = []
    for s in range(n_stages):
        unit: tuple[str, ...] = ()
        if psu:
            unit = tuple(psu[: s + 1])
            if nest and strata:
                unit = tuple(dict.fromkeys(strata[: min(s + 1, len(strata))] + unit))
        own = (strata[min(s, len(strata) - 1)],) if strata else ()
        stratum = own if s == 0 else tuple(dict.fromkeys(out[-1].unit + own))
        out.append(StageKeys(unit, stratum, fpc[s] if fpc else None))
    return tuple(out)


def read_stages(table, keys: tuple[StageKeys, ...], execute, pps: bool = False) -> tuple[StageTable, ...]:
    """One GROUP BY per stage: units per stratum, the fpc (checked constant within the stratum; with ``pps`` within
    the unit), then the earlier-stage links (group, multiplier) joined in pandas on the small stratum tables."""
    raw = []
    for s, k in enumerate(keys):
        by = list(dict.fromkeys(k.stratum + (keys[s - 1].stratum if s else ())))
        if pps:
            frame = execute(_pps_units(table, by, k, keys[s - 1] if s else None))
            _check_pps(frame, k, s)
            raw.append((by, frame))
            continue
        aggs = {"n": table.count() if k.rows_are_units else table[k.unit[-1]].nunique()}
        if k.fpc is not None:
            aggs.update(fpc_min=table[k.fpc].min(), fpc_max=table[k.fpc].max())
        frame = execute(table.group_by(by).aggregate(**aggs) if by else table.aggregate(**aggs))
        if k.fpc is not None:
            _check_fpc(frame, k, s)
        raw.append((by, frame))
    fraction = True if pps else _fpc_is_fraction([f for _, f in raw], keys)
    out: list[StageTable] = []
    for s, (k, (by, frame)) in enumerate(zip(keys, raw)):
        frame = frame.copy()
        frame["n"] = frame["n"].astype(np.int64)
        if k.fpc is None or pps:
            frame["N"] = np.nan
        else:
            v = frame["fpc_min"].to_numpy(dtype=float)
            frame["N"] = frame["n"] / v if fraction else v
            bad = frame["N"] < frame["n"]
            if bad.any():
                row = frame[bad].iloc[0]
                raise EngineError(f"fpc column {k.fpc!r}: stratum {_name(row, k.stratum)} has population size "
                                  f"{row['N']:g} but {int(row['n'])} sampled units at stage {s + 1}; the fpc must "
                                  "be the number of units in the population (>= the sample) or a fraction <= 1.")
        frame = frame.drop(columns=[c for c in ("fpc_min", "fpc_max", "varies") if c in frame])
        if s == 0:
            frame["group"] = 0
            frame["multiplier"] = 1.0
        else:
            prev = out[-1]
            pk = list(prev.keys.stratum)
            p = prev.strata[pk + ["n", "N", "multiplier"]].rename(columns={"n": "_pn", "N": "_pN",
                                                                           "multiplier": "_pm"})
            frame = frame.merge(p, on=pk, how="left") if pk else frame.assign(_pn=p["_pn"].iat[0],
                                                                             _pN=p["_pN"].iat[0],
                                                                             _pm=p["_pm"].iat[0])
            if pps:  # R: the earlier unit's nPSU / popsize is its pi
                step = frame["prev_p"]
            else:
                step = 1.0 if not prev.has_fpc else frame["_pn"] / frame["_pN"]
            frame["multiplier"] = frame["_pm"] * step
            unit = list(prev.keys.unit)
            frame["group"] = pd.factorize(pd.MultiIndex.from_frame(frame[unit]) if len(unit) > 1
                                          else frame[unit[0]])[0] if unit else 0
            frame = frame.drop(columns=[c for c in ("_pn", "_pN", "_pm", "prev_p") if c in frame])
        out.append(StageTable(k, frame.reset_index(drop=True), pps))
    return tuple(out)


def _pps_units(table, by: list[str], k: StageKeys, prev: StageKeys | None):
    """Per stratum of a PPS stage, from one row per unit: units, the range of pi (and whether it varies within a
    unit), the units not taken with certainty, the sum of 1 - pi, the earlier unit's pi."""
    if k.rows_are_units:
        units = table.select(*by, _pl=table[k.fpc].cast("float64"), _ph=table[k.fpc].cast("float64"))
    else:
        aggs = {"_pl": table[k.fpc].cast("float64").min(), "_ph": table[k.fpc].cast("float64").max()}
        if prev is not None:
            aggs["_pp"] = table[prev.fpc].cast("float64").max()
        units = table.group_by(list(dict.fromkeys(by + list(k.unit)))).aggregate(**aggs)
    aggs = {"n": units.count(), "fpc_min": units["_pl"].min(), "fpc_max": units["_ph"].max(),
            "varies": (units["_pl"] != units["_ph"]).cast("int64").sum(),
            "uncertain": ((1.0 - units["_pl"]) >= CERTAINTY_TOL).cast("int64").sum(),
            "a_sum": (1.0 - units["_pl"]).sum()}
    if prev is not None:
        aggs["prev_p"] = units["_pp"].max()
    return units.group_by(by).aggregate(**aggs) if by else units.aggregate(**aggs)


def _check_pps(frame: pd.DataFrame, k: StageKeys, s: int) -> None:
    """A PPS stage's fpc: inclusion probabilities in (0, 1], one per unit."""
    if frame["fpc_min"].isna().any() or (frame["fpc_min"] <= 0).any():
        raise EngineError(f"fpc column {k.fpc!r} must hold positive numbers (inclusion probabilities) in every row; "
                          f"some unit at stage {s + 1} has a missing or non-positive value")
    if (frame["fpc_max"] > 1).any():
        raise EngineError(f"fpc column {k.fpc!r} holds {frame['fpc_max'].max():g}: in a PPS design the fpc is each "
                          "PSU's inclusion probability, a fraction <= 1 (as R)")
    if frame["varies"].any():
        row = frame[frame["varies"] > 0].iloc[0]
        raise EngineError(f"fpc column {k.fpc!r} varies within a unit of stratum {_name(row, k.stratum)} at stage "
                          f"{s + 1}. In a PPS design it is the unit's inclusion probability, one value per unit; "
                          "correct the values.")


def variance_stages(stages: tuple[StageTable, ...], ultimate_cluster: bool,
                    with_replacement: bool) -> tuple[StageTable, ...]:
    """The stages the variance sums over (the in-memory ``DesignSpec.variance_stages``): all of them, stage 1
    alone for an ultimate-cluster design, and stage 1 without its fpc for a with-replacement one."""
    if with_replacement:
        first = stages[0]
        return (StageTable(replace(first.keys, fpc=None), first.strata.assign(N=np.nan)),)
    return stages[:1] if ultimate_cluster else stages


def check_lonely(stages: tuple[StageTable, ...], lonely_psu: str, strata: tuple[str, ...],
                 psu: tuple[str, ...]) -> None:
    """:class:`LonelyPSUTableError` naming the strata (as the in-memory design names them: the strata column's
    value at stage 1, the earlier unit's id later) when a lonely PSU meets ``lonely_psu="fail"``. A table has no
    row order, so several lonely strata are listed sorted by label (in memory a later stage's follow the data)."""
    if lonely_psu != "fail":
        return
    used = stages if stages[0].has_fpc else stages[:1]
    for s, st in enumerate(used, start=1):
        lonely = (st.strata["n"].to_numpy() == 1) & ~st.certain
        if lonely.any():
            name = strata[0] if s == 1 and strata else (psu[s - 2] if s > 1 else None)
            rows = st.strata[lonely]
            if name is not None:
                rows = rows.sort_values(name, kind="stable")
            labels = rows[name].tolist() if name is not None else ["(all)"] * len(rows)
            raise LonelyPSUTableError(lonely_message(labels, s, ", ".join(strata) if strata else None))


def _name(row: pd.Series, cols: tuple[str, ...]) -> str:
    return ", ".join(f"{c}={row[c]!r}" for c in cols) or "(all)"


def _check_fpc(frame: pd.DataFrame, k: StageKeys, s: int) -> None:
    if frame["fpc_min"].isna().any() or (frame["fpc_min"] <= 0).any():
        raise EngineError(f"fpc column {k.fpc!r} must hold positive numbers (population sizes or sampling "
                          f"fractions) in every row; some stratum at stage {s + 1} has a missing or non-positive value")
    differ = frame["fpc_min"] != frame["fpc_max"]
    if differ.any():
        row = frame[differ].iloc[0]
        raise EngineError(f"fpc column {k.fpc!r} varies within stratum {_name(row, k.stratum)} at stage {s + 1} "
                          f"(from {row['fpc_min']:g} to {row['fpc_max']:g}); the fpc is one population size (or "
                          "fraction) per stratum: correct the values.")


def _fpc_is_fraction(frames: list[pd.DataFrame], keys: tuple[StageKeys, ...]) -> bool:
    values = np.concatenate([f["fpc_min"].to_numpy(dtype=float) for f, k in zip(frames, keys) if k.fpc is not None]
                            or [np.array([])])
    if not len(values):
        return False
    if (values > 1).any() and (values < 1).any():
        raise EngineError("fpc mixes population sizes (> 1) and sampling fractions (< 1); give all stages as "
                          "sizes or all as fractions")
    return not bool((values > 1).any())

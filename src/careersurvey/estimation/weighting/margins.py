"""Turn weighting targets written as data into a calibration model: codes, model matrix and totals.

Targets are ``{variable: {level: total}}`` for categorical margins (a variable may be a tuple of columns for
a crossed margin, with tuple levels) and ``{variable: number}`` for numeric totals. Data levels are matched
to target levels by their text (``3``, ``3.0`` and ``"3"`` are one level), so YAML targets work on integer
item codes. Every way the targets and the sample can disagree is an error that names the margin and level.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from careersurvey.estimation.weighting.errors import WeightingError
from careersurvey.estimation.rows import rows_text

#: Relative tolerance within which the grand totals of different margins count as equal.
TOTALS_RTOL = 1e-6

Variable = str | tuple[str, ...]


def level_key(value: Any) -> str:
    """The text a level is matched by: integral numbers lose their '.0', strings are stripped."""
    if isinstance(value, tuple):
        return "|".join(level_key(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _name(variable: Variable) -> str:
    """A margin's name in messages: the column, or crossed columns joined by ' x '."""
    return variable if isinstance(variable, str) else " x ".join(variable)


def targets_in_words(spec: Mapping[Any, Any]) -> str:
    """The variables a weighting step was asked to match, as a reader says them: ``sector, sex, the total of
    income`` (crossed margins as ``stype x sch_wide``; ``(Intercept)`` as the population size)."""
    parts = []
    for var, value in spec.items():
        if var == "(Intercept)":
            parts.append("the population size")
            continue
        name = _name(var if isinstance(var, str) else tuple(var))
        parts.append(name if isinstance(value, Mapping) else f"the total of {name}")
    return ", ".join(parts)


def plural(n: int, noun: str) -> str:
    """``1 iteration``, ``4 iterations``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def frozen(value: Any) -> Any:
    """A read-only deep copy of targets as given (nested mappings become mapping proxies of copies).

    Steps keep the targets they were asked for, so a caller changing its dict afterwards changes nothing.
    """
    if isinstance(value, Mapping):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    return value


def group_totals(codes: np.ndarray, k: int, values: np.ndarray) -> np.ndarray:
    """Sums of ``values`` (n,) or (n, R) within the ``k`` groups of ``codes``: (k,) or (k, R), one bincount.

    The one place where weights, replicate weights or influence values are totalled by level, cell or class.
    """
    if values.ndim == 1:
        return np.bincount(codes, weights=values, minlength=k)
    r = values.shape[1]
    if r == 1:
        return np.bincount(codes, weights=values[:, 0], minlength=k)[:, None]
    offsets = (codes[:, None] + np.arange(r)[None, :] * k).ravel()
    return np.bincount(offsets, weights=values.ravel(), minlength=k * r).reshape(r, k).T


def factorize(data: pd.DataFrame, variable: Variable) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (n,) and the observed levels of a column, or of crossed columns (tuple levels).

    Missing values are an error: a row without a level cannot be weighted to a margin.
    """
    columns = [variable] if isinstance(variable, str) else list(variable)
    for col in columns:
        if col not in data.columns:
            raise WeightingError(
                f"margin {_name(variable)!r}: the data have no column {col!r}; "
                f"columns are {', '.join(map(str, data.columns[:20]))}"
            )
    codes_list, uniques_list = [], []
    for col in columns:
        codes, uniques = pd.factorize(data[col], sort=True)
        missing = codes < 0
        if missing.any():
            raise WeightingError(
                f"margin {_name(variable)!r}: column {col!r} is missing in {int(missing.sum())} rows "
                f"({rows_text(data.index, missing)}); impute it or drop those rows before weighting"
            )
        codes_list.append(codes.astype(np.int64))
        uniques_list.append(list(uniques))
    if len(columns) == 1:
        return codes_list[0], uniques_list[0]
    combined = np.zeros(len(data), dtype=np.int64)
    for codes, uniques in zip(codes_list, uniques_list):
        combined = combined * len(uniques) + codes
    cells, inverse = np.unique(combined, return_inverse=True)
    levels = []
    for cell in cells:
        parts = []
        for uniques in reversed(uniques_list):
            cell, k = divmod(int(cell), len(uniques))
            parts.append(uniques[k])
        levels.append(tuple(reversed(parts)))
    return inverse.astype(np.int64), levels


@dataclass(frozen=True)
class Margin:
    """One categorical margin matched to the sample: ``codes[i]`` indexes ``levels`` and ``totals``."""

    variable: Variable
    levels: tuple[Hashable, ...]
    totals: np.ndarray
    codes: np.ndarray

    @property
    def name(self) -> str:
        """The margin's name in messages."""
        return _name(self.variable)

    def labels(self) -> list[str]:
        """``variable=level`` for each level, as model-matrix column names."""
        return [f"{self.name}={level_key(lv)}" for lv in self.levels]


@dataclass(frozen=True)
class NumericTotal:
    """A numeric calibration variable and its population total."""

    variable: str
    total: float
    values: np.ndarray


def build_margin(data: pd.DataFrame, variable: Variable, totals: Mapping[Any, float],
                 weights: np.ndarray) -> Margin:
    """Match one categorical margin to the data; levels ordered as in ``totals``."""
    if not isinstance(totals, Mapping) or not totals:
        raise WeightingError(f"margin {_name(variable)!r}: totals must be a non-empty mapping level -> total")
    keys = [level_key(k) for k in totals]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise WeightingError(f"margin {_name(variable)!r}: levels {dup} are given more than once")
    values = np.array([float(v) for v in totals.values()])
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        lv = [k for k, b in zip(keys, bad) if b]
        raise WeightingError(f"margin {_name(variable)!r}: totals for levels {lv} are negative or not numbers")
    codes, observed = factorize(data, variable)
    position = {k: i for i, k in enumerate(keys)}
    observed_keys = [level_key(lv) for lv in observed]
    unmatched = [k for k in observed_keys if k not in position]
    if unmatched:
        counts = np.bincount(codes, minlength=len(observed))
        detail = ", ".join(f"{k} ({counts[observed_keys.index(k)]} rows: "
                           f"{rows_text(data.index, codes == observed_keys.index(k))})" for k in unmatched)
        raise WeightingError(
            f"margin {_name(variable)!r}: sample levels {detail} have no target; targets exist for "
            f"{', '.join(keys)}. Add their totals, or collapse them into a target level first "
            f"(Targets.add_margin_columns does this for YAML targets)"
        )
    remap = np.array([position[k] for k in observed_keys], dtype=np.int64)
    codes = remap[codes]
    sample = group_totals(codes, len(keys), weights)
    absent = (sample <= 0) & (values > 0)
    if absent.any():
        lv = [keys[i] for i in np.flatnonzero(absent)]
        raise WeightingError(
            f"margin {_name(variable)!r}: levels {lv} have a population total but no sample rows with "
            f"positive weight, so no weights can reach it. Collapse them with a neighbouring level "
            f"(and add their totals to it) or drop them from the targets"
        )
    empty = (sample > 0) & (values == 0)
    if empty.any():
        lv = [keys[i] for i in np.flatnonzero(empty)]
        raise WeightingError(
            f"margin {_name(variable)!r}: levels {lv} have population total 0 but sample rows with "
            f"positive weight; correct the targets or drop those rows"
        )
    levels = tuple(totals.keys())
    return Margin(variable=variable, levels=levels, totals=values, codes=codes)


def build_numeric(data: pd.DataFrame, variable: str, total: float) -> NumericTotal:
    """Match one numeric calibration total to its column."""
    if variable not in data.columns:
        raise WeightingError(f"calibration total {variable!r}: the data have no such column")
    col = pd.to_numeric(data[variable], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(col)
    if bad.any():
        raise WeightingError(
            f"calibration total {variable!r}: {int(bad.sum())} rows are missing or not numbers "
            f"({rows_text(data.index, bad)}); impute or drop them before calibrating"
        )
    try:
        total = float(total)
    except (TypeError, ValueError):
        raise WeightingError(f"calibration total {variable!r}: {total!r} is not a number") from None
    return NumericTotal(variable=variable, total=total, values=col)


@dataclass(frozen=True)
class CalibrationModel:
    """Margins and numeric totals matched to one sample; gives the model matrix of the calibration.

    The matrix spans the same space as R's ``model.matrix(~ a + b + x)`` (intercept, treatment contrasts):
    all levels of the first categorical margin, all but the first level of the others, then the numeric
    columns, and an intercept only when there is no categorical margin and a population total is given.
    """

    margins: tuple[Margin, ...]
    numeric: tuple[NumericTotal, ...]
    population_total: float | None
    n: int

    def columns(self) -> tuple[list[str], np.ndarray]:
        """Names and targets of the non-redundant model-matrix columns."""
        names: list[str] = []
        targets: list[float] = []
        if not self.margins and self.population_total is not None:
            names.append("(Intercept)")
            targets.append(self.population_total)
        for k, m in enumerate(self.margins):
            start = 0 if k == 0 else 1
            names += m.labels()[start:]
            targets += list(m.totals[start:])
        for x in self.numeric:
            names.append(x.variable)
            targets.append(x.total)
        return names, np.asarray(targets, dtype=float)

    def matrix(self) -> np.ndarray:
        """The (n, p) model matrix, dense float64."""
        blocks: list[np.ndarray] = []
        if not self.margins and self.population_total is not None:
            blocks.append(np.ones((self.n, 1)))
        for k, m in enumerate(self.margins):
            onehot = np.zeros((self.n, len(m.levels)))
            onehot[np.arange(self.n), m.codes] = 1.0
            blocks.append(onehot if k == 0 else onehot[:, 1:])
        for x in self.numeric:
            blocks.append(x.values[:, None])
        if not blocks:
            raise WeightingError("no calibration targets were given")
        return np.hstack(blocks)


def build_model(data: pd.DataFrame, totals: Mapping[Any, Any], weights: np.ndarray,
                population_total: float | None = None) -> CalibrationModel:
    """Match ``{var: {level: total}}`` and ``{var: number}`` targets to the data.

    ``population_total`` (or a ``"(Intercept)"`` key) is the population size; when categorical margins are
    present it must agree with each margin's sum, and all margins must agree with each other.
    """
    if not isinstance(totals, Mapping) or not totals:
        raise WeightingError("targets must be a non-empty mapping {variable: {level: total}} or {variable: total}")
    margins: list[Margin] = []
    numeric: list[NumericTotal] = []
    for variable, value in totals.items():
        if variable == "(Intercept)":
            population_total = float(value)
            continue
        var: Variable = tuple(variable) if isinstance(variable, (list, tuple)) else variable
        if isinstance(value, Mapping):
            margins.append(build_margin(data, var, value, weights))
        elif isinstance(var, str):
            numeric.append(build_numeric(data, var, value))
        else:
            raise WeightingError(f"margin {_name(var)!r}: crossed margins need a mapping of level tuples to totals")
    sums = [(m.name, float(m.totals.sum())) for m in margins]
    if population_total is not None:
        sums.insert(0, ("population total", float(population_total)))
    if sums:
        ref_name, ref = sums[0]
        for name, s in sums[1:]:
            if abs(s - ref) > TOTALS_RTOL * max(abs(ref), 1.0):
                raise WeightingError(
                    f"targets disagree: {ref_name} sums to {ref:,.6g} but margin {name!r} sums to {s:,.6g} "
                    f"(difference {s - ref:+,.6g}). Every margin must describe the same population: "
                    f"rescale one of them or correct the figures"
                )
    if not margins and not numeric and population_total is None:
        raise WeightingError("no calibration targets were given")
    return CalibrationModel(margins=tuple(margins), numeric=tuple(numeric),
                            population_total=population_total, n=len(data))


def as_margin_list(margins: Mapping[Any, Any] | Sequence[tuple[Any, Any]]) -> list[tuple[Variable, Any]]:
    """Accept a mapping or a list of (variable, totals) pairs (lists allow tuple variables in JSON)."""
    items = margins.items() if isinstance(margins, Mapping) else margins
    out = []
    for var, tot in items:
        out.append((tuple(var) if isinstance(var, (list, tuple)) else var, tot))
    return out

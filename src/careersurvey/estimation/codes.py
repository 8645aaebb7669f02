"""Declared missing codes: a column that still holds one is refused by every estimator and weighting step.

Survey data code the reasons for a missing answer as numbers (-6 not asked, -7 refused, -8 don't know,
-9 not applicable). Left in a column they are averaged, summed, regressed on and raked to as if they were
answers. A design built with ``missing_codes=(-6, -7, -8, -9)`` knows them: :func:`refuse_missing_codes`
runs before any estimate reads a column (mean, total, ratio, quantile, proportion, ``by=`` groups, chisq,
glm, ordinal models, weighting margins and covariates) and raises :class:`MissingCodeError` naming the
column, each code found with its count and the fix. ``cs.load_responses`` gives NA for these codes, so
its frames pass. Without declared codes nothing is checked (and nothing costs time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from careersurvey.estimation.rows import rows_text

__all__ = ["MissingCodeError", "codes_in", "refuse_missing_codes", "as_codes", "missing_code_message"]


class MissingCodeError(ValueError):
    """A column holds values that the design declares missing codes; the message names column, codes, fix."""


def as_codes(codes: Iterable[int] | None) -> tuple[int, ...]:
    """The declared codes as a sorted tuple of ints (descending, as -6, -7, -8, -9), checked."""
    out = []
    for c in codes or ():
        if isinstance(c, bool) or not isinstance(c, (int, np.integer, float)) or float(c) != int(c):
            raise ValueError(f"missing_codes must be whole numbers such as -6, -7, -8, -9 (got {c!r})")
        out.append(int(c))
    return tuple(sorted(set(out), reverse=True))


def _numbers(col: pd.Series) -> np.ndarray | None:
    """A column's values as floats, or None when it holds no numbers (text, booleans)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.to_numeric(pd.Series(col.cat.categories), errors="coerce").to_numpy(dtype=float)
        if np.isnan(cats).all():
            return None
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, cats[np.maximum(codes, 0)], np.nan)
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        return None
    return col.to_numpy(dtype=float, na_value=np.nan)


def codes_in(col: pd.Series, codes: Sequence[int], rows: np.ndarray | None = None) -> dict[int, int]:
    """{code: number of rows} of the declared ``codes`` that ``col`` holds (in ``rows`` when given)."""
    x = _numbers(col)
    if x is None or not codes:
        return {}
    if rows is not None:
        x = x[rows]
    hit = np.isin(x, np.asarray(codes, dtype=float))
    if not hit.any():
        return {}
    values, counts = np.unique(x[hit], return_counts=True)
    return {int(v): int(n) for v, n in sorted(zip(values, counts), key=lambda vc: -vc[0])}


def _holding(col: pd.Series, codes: Sequence[int], rows: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows (among ``rows``) whose value is one of ``codes``."""
    x = _numbers(col)
    return rows & np.isin(x, np.asarray(codes, dtype=float))


def refuse_missing_codes(design, columns: Iterable[str], what: str = "variable",
                         rows: np.ndarray | None = None) -> None:
    """Raise :class:`MissingCodeError` for the first of ``columns`` holding a declared missing code in the
    rows the estimate uses (non-zero weight, or ``rows``). Names the column, each code with its count, and
    the fix. Columns that are not in the data are left to the caller's own message."""
    codes = design.missing_codes
    if not codes:
        return
    columns = list(columns)
    data = design.columns(columns)
    use = (design.w != 0) if rows is None else np.asarray(rows, dtype=bool)
    for name in dict.fromkeys(columns):
        if name not in data.columns:
            continue
        found = codes_in(data[name], codes, use)
        if found:
            declared = ", ".join(str(c) for c in codes)
            raise MissingCodeError(missing_code_message(
                what, name, found, codes,
                f"Load the data with cs.load_responses (every missing code becomes NA), or replace the codes by NA "
                f"first: df[{name!r}] = df[{name!r}].mask(df[{name!r}].isin([{declared}]))")
                + f". The codes are in {rows_text(design.named_data.index, _holding(data[name], codes, use))}")


def missing_code_message(what: str, name: str, found: dict[int, int], codes: Sequence[int], fix: str) -> str:
    """What a column holding declared missing codes is told: the column, each code with its count (``found``,
    code -> rows), the declared codes and ``fix`` (how to make them NA where the data live)."""
    listed = ", ".join(f"{c} ({n:,} row{'s' if n != 1 else ''})"
                       for c, n in sorted(found.items(), key=lambda cn: -cn[0]))
    declared = ", ".join(str(c) for c in codes)
    return (f"{what} {name!r} holds the missing codes {listed}, which the design declares missing "
            f"(missing_codes=({declared})); they are not answers, and an estimate would take them for numbers. "
            + fix + ("; then na_rm=True leaves those rows out" if what == "variable" else ""))

"""One file column parsed once: which cells are empty, their numbers, and which were typed as text.

Validation reads every column through :func:`parse_column` (one C-level conversion pass when every cell is a
number), so that numbers, blanks and text cells are told apart the same way for every item type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True, eq=False)
class Parsed:
    """One file column parsed once: its empty cells, its numbers, and which cells were typed as text."""

    raw: np.ndarray
    empty: np.ndarray  # None, NaN, "" or only spaces
    num: np.ndarray  # float64, NaN where empty or not a number
    text_cells: np.ndarray | None  # non-empty cells that were strings (None: there were none)


def _convert(values: np.ndarray) -> np.ndarray:
    """Object cells to a typed array in one C pass (float64 when every cell is a number or NaN)."""
    try:
        from pandas._libs import lib

        return lib.maybe_convert_objects(values)
    except Exception:  # private API moved: the generic (slower) path below still works
        return values


def parse_column(values: np.ndarray, quick_empty: np.ndarray | None = None) -> Parsed:
    """Parse a column of cells: numbers as float64 (numeric text like ``" 3 "`` too), empties, text cells."""
    from careersurvey.responses.readers.raw import quick_empty as _quick

    empty = _quick(values) if quick_empty is None else quick_empty
    filled = np.where(empty, np.nan, values) if empty.any() else values
    conv = _convert(filled) if filled.dtype == object else filled
    if conv.dtype.kind in "fiub":
        num = conv.astype(np.float64, copy=True)
        num[~np.isfinite(num)] = np.nan
        return Parsed(values, empty, num, None)
    s = pd.Series(filled, dtype=object)
    is_str = s.map(_is_str).to_numpy(dtype=bool)
    empty = empty.copy()
    if is_str.any():
        blank = (s[is_str].str.strip() == "").to_numpy(dtype=bool)
        empty[np.flatnonzero(is_str)[blank]] = True
    numeric_like = s.map(_is_number_like).to_numpy(dtype=bool) & ~empty
    num = np.full(len(values), np.nan)
    if numeric_like.any():
        parsed = pd.to_numeric(s[numeric_like], errors="coerce").to_numpy(dtype=np.float64, copy=True)
        parsed[~np.isfinite(parsed)] = np.nan
        num[numeric_like] = parsed
    return Parsed(values, empty, num, is_str & ~empty)


def _is_str(v: object) -> bool:
    """True for a text cell (a Python str)."""
    return isinstance(v, str)


def _is_number_like(v: object) -> bool:
    """True for a cell that may hold a number (bools are not numbers)."""
    return isinstance(v, (int, float, str, np.integer, np.floating)) and not isinstance(v, bool)

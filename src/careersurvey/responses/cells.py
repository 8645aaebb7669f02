"""One file column parsed once: which cells are empty, their numbers, and which were typed as text; cells as
text (:func:`as_text`) and the raw text kept beside a stored value (:func:`keep_raw`).

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


def as_text(values: np.ndarray) -> np.ndarray:
    """Cells as text, the way a person reads them (``3.0`` -> ``"3"``, dates as ISO); None stays None."""
    s = pd.Series(values, dtype=object)
    if pd.api.types.infer_dtype(s, skipna=True) == "string":
        return s.to_numpy(dtype=object, copy=True)

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if hasattr(v, "isoformat"):
            text = v.isoformat()
            return text[:10] if text.endswith("T00:00:00") else text
        return str(v)

    return s.map(one).to_numpy(dtype=object, copy=True)


def keep_raw(col: Parsed, num: np.ndarray, textual: bool) -> np.ndarray:
    """Raw text of the cells that are not exactly their stored value: every non-empty cell of text and date
    items; for other items the cells whose text is not the stored number as it is written (``3``, or ``3.0`` as
    Python and pandas write a whole float): "034", " 3 ", "3.50", "7e3", a label typed for a code, an
    unparsable cell, a blank or 0 stored as the row's missing code. A CSV cell "3" stored as 3, or a number
    cell holding its clean value, is not repeated here."""
    out = np.full(len(col.raw), None, dtype=object)
    keep = ~col.empty
    if not textual:
        same = col.num == num  # a number cell read as the value stored (NaN: never the same)
        if col.text_cells is not None:
            same &= ~col.text_cells
        keep &= ~same
    idx = np.flatnonzero(keep)
    if not len(idx):
        return out
    text = as_text(col.raw[idx])
    if not textual:
        plain, with_point = number_text(num[idx])
        differs = (text != plain) & (text != with_point)
        idx, text = idx[differs], text[differs]
    out[idx] = text
    return out


def number_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as :func:`as_text` writes them (``3.0`` -> ``"3"``; None for NaN), and whole numbers below 1e16
    as Python writes a float (``"3.0"``; None for the others); whole numbers in one C pass."""
    out = np.full(len(values), None, dtype=object)
    finite = np.isfinite(values)
    whole = finite & (np.abs(values) < 1e16) & (values == np.trunc(values))
    with_point = np.full(len(values), None, dtype=object)
    if whole.any():
        out[whole] = values[whole].astype(np.int64).astype(str).astype(object)
        with_point[whole] = out[whole] + ".0"
    rest = finite & ~whole
    if rest.any():
        out[rest] = as_text(values[rest])
    return out, with_point

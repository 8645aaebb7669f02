"""The raw table every reader returns: cell values as read, where they came from, what the reader saw.

Readers never clean or judge values (validation does, from the questionnaire); they only find the
header, the data rows and the metadata, and report what the file format itself says about cells
(formulas, merged and hidden cells, repeat groups) as :class:`~careersurvey.responses.problems.Problem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from careersurvey.responses.problems import Problem


@dataclass(frozen=True, eq=False)
class RawTable:
    """One sheet (or CSV) of responses, exactly as read.

    ``data`` maps each header (as written in the file) to an object array of cell values (str, float,
    int, bool, date/datetime, or ``""``/None for empty); ``rows`` holds each data row's 1-based row
    number in the sheet (or record line in a CSV), so problems point at what a person sees.
    ``columns`` maps a header to the data column it feeds (``name`` or ``name_code``), or None when the
    header is no item of the questionnaire (kept raw, reported). ``meta`` holds what the file says
    about itself (questionnaire_id, version, content_hash, form_kind); ``form_version`` the per-row
    form version of exports that mix versions (KoboToolbox ``__version__``).
    """

    file: str
    kind: str
    sheet: str | None
    headers: tuple[str, ...]
    data: Mapping[str, np.ndarray]
    rows: np.ndarray
    meta: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    encoding: str | None = None
    form_version: np.ndarray | None = None
    notes: tuple[Problem, ...] = ()
    children: Mapping[str, "RawTable"] = field(default_factory=dict)
    #: header -> questionnaire column; filled by readers that map headers themselves (Kobo), else by name
    column_map: Mapping[str, str | None] | None = None
    #: headers that are metadata of the source system (Kobo ``_uuid``...), kept raw, never "unknown"
    meta_columns: tuple[str, ...] = ()
    #: header -> cells that are None, NaN or "" (found once by the reader; spaces-only text is found later)
    empty: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: rows per form version over the whole file, on the first chunk of an export read in several (else None)
    version_counts: Mapping[str, int] | None = None

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return int(len(self.rows))

    def column(self, header: str) -> np.ndarray:
        return self.data[header]


def is_empty(values: np.ndarray) -> np.ndarray:
    """Vectorised: True where a cell is empty (None, NaN, ``""`` or a string of only spaces)."""
    import pandas as pd

    out = quick_empty(values)
    rest = values[~out]
    if len(rest) and pd.api.types.infer_dtype(rest, skipna=True) not in _NUMERIC_KINDS:
        stripped = pd.Series(rest, dtype=object).str.strip()
        blank = (stripped == "").to_numpy(dtype=bool)
        if blank.any():
            out[np.flatnonzero(~out)[blank]] = True
    return out


_NUMERIC_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal", "boolean", "date", "datetime"})


def drop_blank_rows(data: dict[str, np.ndarray], rows: np.ndarray, empty: dict[str, np.ndarray],
                    keep: frozenset[int] = frozenset()) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """Remove rows whose every cell is empty: they are spacing, not responses. Rows in ``keep`` stay (a row
    whose only content is formulas reads as empty when the file holds no cached results)."""
    if not data or len(rows) == 0:
        return data, rows, empty
    blank = np.logical_and.reduce([empty[k] for k in data])
    if keep:
        blank &= ~np.isin(rows, list(keep))
    if not blank.any():
        return data, rows, empty
    keep = ~blank
    return {k: v[keep] for k, v in data.items()}, rows[keep], {k: v[keep] for k, v in empty.items()}


def quick_empty(values: np.ndarray) -> np.ndarray:
    """Empty cells as calamine gives them ('' for blank) or None/NaN; no per-cell Python calls."""
    if values.dtype != object:
        return pd_isna(values)
    return pd_isna(values) | (values == "")


def pd_isna(values: np.ndarray) -> np.ndarray:
    """``pd.isna`` as a bool array."""
    import pandas as pd

    return np.asarray(pd.isna(values), dtype=bool)



def concat(tables: "list[RawTable]") -> RawTable:
    """Chunks of one file, in order, as one table (the first chunk's headers and metadata; every note)."""
    from dataclasses import replace

    first = tables[0]
    if len(tables) == 1:
        return first
    versions = [t.form_version for t in tables]
    return replace(
        first, data={h: np.concatenate([t.data[h] for t in tables]) for h in first.data},
        rows=np.concatenate([t.rows for t in tables]),
        empty={h: np.concatenate([t.empty[h] for t in tables]) for h in first.empty},
        form_version=None if first.form_version is None else np.concatenate(versions),
        notes=tuple(p for t in tables for p in t.notes))

"""The sampling frame: a DataFrame or a file (csv, xlsx, ... as :func:`careersurvey.read_table` reads them), with
ids and stratum codes kept as text and the size measure checked, every problem named by file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.tables import as_text, read_rows

#: How many rows a message lists before it says "and N more".
SHOWN = 5


@dataclass(frozen=True)
class Frame:
    """The frame's rows (index 0..N-1), where each row is in its source (``rows``: the file's row names, or
    a DataFrame's index labels, named when a message needs them) and the source's name."""

    data: pd.DataFrame
    rows: tuple[str, ...] | pd.Index
    source: str

    def where(self, positions) -> str:
        """The rows at these positions as a message names them ("rows 4, 9 and 2 more")."""
        pos = list(positions)
        names = [self.rows[i] if isinstance(self.rows, tuple) else f"index {self.rows[i]!r}"
                 for i in pos[:SHOWN]]
        more = f" and {len(pos) - SHOWN} more" if len(pos) > SHOWN else ""
        return ", ".join(names) + more


def read_frame(frame: pd.DataFrame | str | Path, *, id: str, text: Sequence[str] = (),
               numbers: Sequence[str] = (), what: str = "frame") -> Frame:
    """The frame with ``id`` and ``text`` columns as text and ``numbers`` as numbers, checked: every named
    column present, ids present and unique, numbers present, finite and >= 0. Raises :class:`FieldworkError`."""
    text_cols = [id, *[t for t in text if t]]
    if isinstance(frame, pd.DataFrame):
        source = f"the {what} (DataFrame)"
        data = frame.reset_index(drop=True).copy()
        rows = frame.index
        for c in text_cols:
            if c in data.columns:
                data[c] = as_text(data[c], column=c)
    else:
        source = str(frame)
        try:
            data, found = read_rows(Path(frame), text_cols, what=what)
        except ResponsesError as exc:
            raise FieldworkError(str(exc)) from None
        rows = tuple(found)
    out = Frame(data.reset_index(drop=True), rows, source)
    missing = [c for c in [*text_cols, *numbers] if c and c not in data.columns]
    if missing:
        raise FieldworkError(f"no column {', '.join(map(repr, missing))}; the {what} has "
                             f"{', '.join(map(repr, map(str, data.columns)))}: name the right column or add it",
                             file=source)
    if data.empty:
        raise FieldworkError(f"the {what} has no rows; add one row per unit below the header", file=source)
    for c in text_cols:
        empty = np.flatnonzero(data[c].isna().to_numpy() | (data[c].astype("str").str.strip() == "").to_numpy())
        if len(empty):
            raise FieldworkError(f"empty {c} in {out.where(empty)}; fill it in (every unit needs one)",
                                 file=source, column=c)
    ids = data[id]
    if pd.Index(ids.to_numpy(dtype=object)).has_duplicates:  # hashed once; the rows only when there are repeats
        dup = ids[ids.duplicated(keep=False)]
        first = dup.iloc[0]
        at = np.flatnonzero((ids == first).to_numpy())
        raise FieldworkError(f"{id} {first!r} appears in {out.where(at)} ({dup.nunique()} ids repeat); each unit "
                             "must appear once: remove or renumber the repeats", file=source, column=id)
    for c in numbers:
        values = pd.to_numeric(data[c], errors="coerce")
        bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)) | (values.to_numpy(dtype=float) < 0))
        if len(bad):
            shown = data[c].iloc[bad[0]]
            raise FieldworkError(f"{c} must be a number >= 0 in every row; {out.where(bad)} "
                                 f"{'has' if len(bad) == 1 else 'have'} {str(shown)!r}"
                                 f"{' and others' if len(bad) > 1 else ''}: correct the value", file=source,
                                 row=None, column=c)
        out.data[c] = values.astype(float)
    return out


__all__ = ["Frame", "read_frame"]

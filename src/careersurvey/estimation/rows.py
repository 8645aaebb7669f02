"""How messages of the design and of weighting name rows: by the respondent ids the caller names
(``SurveyDesign(..., ids="respondent_id")``), else by the data's index labels, never by 0-based positions.

``respondent_id '0001', '0007' and 3 more`` when the design knows its id column; ``index 4, 17`` (or the
index's own name, e.g. ``row 6`` for a file read with its rows as the index) otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: How many rows a message names before it says "and N more".
SHOWN = 5


def labelled(data: pd.DataFrame, ids: str | None) -> pd.DataFrame:
    """``data`` with its ids column as the index (named after the column), for messages; ``data`` without ids.

    A view under copy-on-write: the values are not copied.
    """
    if ids is None:
        return data
    return data.set_axis(pd.Index(data[ids], name=ids), axis=0)


def label(index: pd.Index, position: int) -> str:
    """One row as messages name it: ``respondent_id '0001'`` or ``index 4``."""
    return f"{index.name or 'index'} {_value(index[position])}"


def rows_text(index: pd.Index, mask: np.ndarray, limit: int = SHOWN) -> str:
    """The rows in ``mask`` (boolean, or positions) as messages name them: the first few, then how many more."""
    picked = index[np.asarray(mask)]
    shown = ", ".join(_value(v) for v in picked[:limit])
    more = len(picked) - min(len(picked), limit)
    return f"{index.name or 'index'} {shown}" + (f" and {more} more" if more > 0 else "")


def _value(value: object) -> str:
    """An id or index label: text quoted (``'0001'``), numbers plain (``4``, never ``np.int64(4)``)."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


__all__ = ["label", "labelled", "rows_text"]

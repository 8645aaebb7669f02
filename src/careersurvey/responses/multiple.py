"""Checks on the split 0/1 columns of a multiple-choice item that keep an answer from changing silently.

* A missing code typed in one column while another column is ticked (or holds another missing code) is
  two answers at once: the row is quarantined, naming the cells (:func:`mixed_codes`). Before, the code
  overwrote every column and the ticks were gone from the clean data.
* A choice whose column the file lacks (a renamed or deleted header) cannot be told from "not ticked":
  the item is left empty for every row and the import names the column (:func:`absent_choices`).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from careersurvey.questionnaire.model import MISSING_CODES, Item, multiple_column
from careersurvey.responses.cells import parse_column
from careersurvey.responses.readers.raw import RawTable


def code_choice_cells(item: Item, table: RawTable, header_of: Mapping[str, str]) -> tuple[list[str], list[np.ndarray]]:
    """Headers of the split columns offering missing codes as choices (``motives/-8``) and, for each, the code
    where it is ticked (NaN elsewhere)."""
    headers: list[str] = []
    values: list[np.ndarray] = []
    for code in MISSING_CODES:
        header = header_of.get(multiple_column(item.name, code))
        if header is None:
            continue
        num = parse_column(table.data[header], table.empty.get(header)).num
        headers.append(header)
        values.append(np.where(num == 1, float(code), np.nan))
    return headers, values


def mixed_codes(block: np.ndarray, headers: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``block`` (rows x columns named by ``headers``) where a missing code sits beside a tick (1) or
    beside another missing code, and for those rows the cells in words (``motives_1 = -9, motives_4 = 1``)."""
    is_code = np.isin(block, MISSING_CODES)
    has_code = is_code.any(axis=1)
    ticked = (block == 1).any(axis=1)
    high = np.where(is_code, block, -np.inf).max(axis=1)
    low = np.where(is_code, block, np.inf).min(axis=1)
    bad = has_code & (ticked | (high != low))
    words = np.full(len(block), "", dtype=object)
    for i in np.flatnonzero(bad):  # the few conflicting rows only
        words[i] = ", ".join(f"{headers[j]} = {int(v)}" for j, v in enumerate(block[i])
                             if v == 1 or is_code[i, j])
    return bad, words


def absent_choices(item: Item, header_of: Mapping[str, str], lang: str | None = None) -> str:
    """The item's choice columns missing from the file, in words (``motives_3 (choice 3, Stability)``); empty when
    every column is there or none is (a wholly absent item is reported as such elsewhere)."""
    assert item.choices is not None
    absent = [c for c in item.choices.choices if multiple_column(item.name, c.code) not in header_of]
    if not absent or len(absent) == len(item.choices.choices):
        return ""

    def label(choice) -> str:
        text = choice.label.get(lang) if lang else None
        return text or next(iter(choice.label.values()), "")

    return ", ".join(f"{multiple_column(item.name, c.code)} (choice {c.code}, {label(c)})" for c in absent)

"""The catalogue of import problems: every rule a response file or row can break, in one place.

Two kinds of trouble, kept apart on purpose:

* a *file* that cannot be read at all (wrong type, password, damaged, too large) raises
  :class:`ResponsesError` naming the file, what is wrong and what to do; nothing is stored;
* a *row* (or a cell) that breaks a rule becomes a :class:`Problem` with a severity: ``"quarantine"``
  (the row is stored apart, out of the analysis data) or ``"warning"`` (the row is accepted, the note
  kept). Problems carry file, sheet, row, column, item, value, rule, severity and message.

Messages are templates in :data:`RULES` (as pyxform's ``ErrorCode``), so that a user can read every
message the importer may give, and tests can assert on whole messages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

QUARANTINE = "quarantine"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One rule: its severity and message template (``str.format`` fields: column, item, value, extra)."""

    severity: str
    template: str


#: rule name -> severity and message. Fields: {column} {item} {value} {extra}.
RULES: dict[str, RuleInfo] = {
    "not_a_number": RuleInfo(QUARANTINE, "{item}: {value!r} is not a number; enter digits only (or a missing code)"),
    "not_an_integer": RuleInfo(QUARANTINE, "{item}: {value!r} is not a whole number; this item takes integers"),
    "not_a_choice": RuleInfo(
        QUARANTINE, "{item}: {value!r} is not one of the codes {extra} (nor a choice's name or label); correct the code"
    ),
    "ambiguous_choice": RuleInfo(
        QUARANTINE, "{item}: {value!r} reads as more than one set of choices (names and labels joined by spaces); "
                    "write the chosen codes or names, separated by spaces"
    ),
    "missing_code_mixed": RuleInfo(
        QUARANTINE, "{item}: {extra}: a missing code cannot stand beside ticked choices or another missing code; "
                    "keep the answer that is right and clear the other cells"
    ),
    "missing_choice_column": RuleInfo(
        WARNING, "{item}: the file has no column for {value}, so a choice not ticked cannot be told from one not in "
                 "the file; {item} is left empty in every row (the cells of its other columns are kept as written). "
                 "Add the column, or give the renamed column its name back, and import the file again"
    ),
    "exclusive_choice": RuleInfo(
        QUARANTINE, "{item}: choice {value} excludes every other choice, but {extra} also ticked; keep one"
    ),
    "not_0_1": RuleInfo(QUARANTINE, "{column}: {value!r} must be 1 (chosen), 0 (not chosen) or a missing code"),
    "out_of_range": RuleInfo(QUARANTINE, "{item}: {value!r} is outside the allowed range ({extra}); correct the value"),
    "missing_code_not_allowed": RuleInfo(
        QUARANTINE, "{item}: missing code {value!r} is not allowed for this item (allowed: {extra}); enter the answer "
                    "or an allowed code"
    ),
    "not_a_date": RuleInfo(QUARANTINE, "{item}: {value!r} is not a date; write it as YYYY-MM-DD"),
    "required": RuleInfo(QUARANTINE, "{item} is required here but empty; enter the answer or a missing code"),
    "answered_but_skipped": RuleInfo(
        WARNING, "{item} answered {value!r}, but it is asked only when {extra}; the answer is kept as given"
    ),
    "straight_lining": RuleInfo(
        WARNING, "{item}: the same answer {value!r} to all {extra}; check that the rows were read (the answers are "
                 "kept as given)"
    ),
    "missing_id": RuleInfo(QUARANTINE, "respondent_id is empty; every row needs a respondent id"),
    "duplicate_id": RuleInfo(
        QUARANTINE, "respondent_id {value!r} occurs more than once in this file ({extra}); correct the id or "
                    "remove the repeated row"
    ),
    "duplicate_id_store": RuleInfo(
        QUARANTINE, "respondent_id {value!r} was already imported ({extra}); remove the row or correct the id"
    ),
    "formula": RuleInfo(
        QUARANTINE, "{column}: the cell holds a formula ({value!r}), not a typed value; enter the value itself"
    ),
    "merged_cell": RuleInfo(
        QUARANTINE, "{column}: the cell is part of merged range {extra}; unmerge the cells and fill each one"
    ),
    "hidden_row": RuleInfo(WARNING, "the row is hidden in the workbook; it was imported like any other row"),
    "hidden_column": RuleInfo(
        WARNING, "column {column!r} ({extra}) is hidden in the workbook; its values were imported like any other "
                 "column: unhide it in Excel to check them"
    ),
    "unknown_column": RuleInfo(
        WARNING, "column {column!r} is not an item of {extra}; its values are kept as raw text only"
    ),
    "missing_column": RuleInfo(WARNING, "{item}: no column for this item in the file; its values are empty"),
    "version_mismatch": RuleInfo(
        WARNING, "the file was made from a questionnaire with a different content hash ({value}); {extra}"
    ),
    "repeat_group": RuleInfo(
        WARNING, "sheet {column!r} is a repeat group with {value} rows; kept as raw text (the questionnaire has none)"
    ),
    "above_header": RuleInfo(
        WARNING, "{value}: above the header ({extra}), so not read as responses; if one is a respondent, move it "
                 "below the header and import the file again"
    ),
    "empty_file": RuleInfo(WARNING, "the sheet has a header but no data rows"),
    "label_header": RuleInfo(WARNING, "headers are labels ({extra}); columns were matched to items by label text"),
}


class ResponsesError(ValueError):
    """A response file or store cannot be used at all. The message names the file and what to do."""

    def __init__(self, message: str, *, code: str = "unreadable", file: str | None = None) -> None:
        self.code = code
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)


class StoreBusyError(ResponsesError):
    """Another process holds the store's write lock for longer than we were willing to wait."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: where (file, sheet, row, column, item), what (value, rule, severity, message)."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    item: str | None
    value: str | None
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            p for p in (self.file, self.sheet and f"sheet {self.sheet}", self.row and f"row {self.row}") if p
        )
        return f"{where}: {self.message}"


PROBLEM_COLUMNS: tuple[str, ...] = ("file", "sheet", "row", "column", "item", "value", "rule", "severity", "message")


def _text(value: Any) -> str | None:
    """A cell value as message text (``3.0`` -> ``3``; None for empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: Longest value a message quotes whole; a longer one is shown as its start and end with its length.
SHOWN_CHARS = 60


class _Cut(str):
    """The excerpt of a long value: prints (``!r``) quoted with the whole value's length."""

    length: int

    def __repr__(self) -> str:
        return f"{str.__repr__(self)} ({self.length:,} characters)"


def _shown(text: str | None, limit: int = SHOWN_CHARS) -> str | None:
    """A value for a message template: a long one becomes an excerpt (its first and last characters around an
    ellipsis) whose ``!r`` also gives the whole length."""
    if text is None or len(text) <= limit:
        return text
    head = limit * 2 // 3
    cut = _Cut(f"{text[:head]}…{text[-(limit - head - 1):]}")
    cut.length = len(text)
    return cut


def excerpt(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``value`` quoted as an error message may show it: whole up to ``limit`` characters, else an excerpt with
    the length (``'12345…6789' (100,000 characters)``)."""
    return repr(_shown(str(value), limit))


def problem(rule: str, *, file: str, sheet: str | None = None, row: int | None = None, column: str | None = None,
            item: str | None = None, value: Any = None, extra: str = "") -> Problem:
    """Build one :class:`Problem` from the catalogue entry ``rule``."""
    info = RULES[rule]
    text = _text(value)
    message = info.template.format(column=column, item=item, value=_shown(text), extra=extra)
    return Problem(file, sheet, row, column, item, text, rule, info.severity, message)


def problems_for_rows(rule: str, *, file: str, sheet: str | None, rows: np.ndarray, values: Iterable[Any],
                      column: str | None = None, item: str | None = None, extra: str | Iterable[str] = "",
                      ) -> list[Problem]:
    """Problems of one rule for many rows of one column (``rows`` and ``values`` aligned).

    Called with the (few) rows that broke a rule, found by vectorised masks; the list is over problems,
    never over all data rows.
    """
    extras = [extra] * len(rows) if isinstance(extra, str) else list(extra)
    return [
        problem(rule, file=file, sheet=sheet, row=int(r), column=column, item=item, value=v, extra=e)
        for r, v, e in zip(rows, values, extras)
    ]


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """The problems as a DataFrame with :data:`PROBLEM_COLUMNS` (row as nullable integer)."""
    frame = pd.DataFrame([asdict(p) for p in problems], columns=list(PROBLEM_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame

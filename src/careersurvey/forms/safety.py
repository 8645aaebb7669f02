"""Spreadsheet safety: formula neutralisation, Excel sheet names and file names from user input.

Text that reaches a spreadsheet (questionnaire labels, free-text answers, respondent ids) may start
with a character that Excel, LibreOffice or Google Sheets read as the start of a formula (``=``, ``+``,
``-``, ``@``, a tab or a carriage return, and under East Asian input methods their full-width forms
``＝ ＋ － ＠``). Opened or re-entered, such a cell runs as a formula ("CSV/formula injection").

Two defences, used together by every writer in this package and by the response exports:

* :func:`neutralise` rewrites a *value* so that it is inert wherever it goes (csv, xlsx, clipboard):
  a dangerous string gets a leading apostrophe, the convention OWASP recommends and Excel itself uses
  to mark "this is text". Numbers, and strings that are plain numbers such as ``"-3"`` or ``"+82"``,
  are left alone, so genuine negative values (missing codes!) stay numbers.
* :func:`write_text` writes a string into an xlsxwriter worksheet *exactly* (``write_string``, never
  ``write``, which would turn ``=...`` into a formula and ``http://...`` into a link) and gives dangerous
  strings Excel's "quote prefix" cell style, so the text is shown unchanged yet stays text when edited.
  Forms use this where the exact wording matters (labels that KoboToolbox/pyxform read back).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

import numpy as np
import pandas as pd

#: Characters that make a spreadsheet cell a formula (or a DDE command) when they come first.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_LEADING_SPACE = re.compile(r"^[ \u3000\u00a0]+")

#: Excel forbids these in sheet names; a name is at most 31 characters and unique ignoring case.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
SHEET_NAME_MAX = 31

_FILE_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)
FILE_NAME_MAX_BYTES = 200


class UnsafeNameError(ValueError):
    """A sheet or file name cannot be made safe (for example, nothing usable is left of it)."""


def is_formula_like(value: Any) -> bool:
    """True when ``value`` is a string a spreadsheet would read as a formula (leading spaces ignored)."""
    if not isinstance(value, str) or not value:
        return False
    stripped = _LEADING_SPACE.sub("", value)
    if not stripped or not stripped.startswith(FORMULA_TRIGGERS):
        return False
    return _NUMBER.fullmatch(stripped) is None


def neutralise(value: Any) -> Any:
    """Return ``value`` made inert for a spreadsheet: formula-like strings get a leading apostrophe.

    Non-strings (numbers, dates, None, NaN) and numeric strings (``"-3"``, ``"+1.5"``) come back
    unchanged, so missing codes and negative amounts stay numbers. ``"=SUM(A1)"`` becomes
    ``"'=SUM(A1)"``, ``"-1 point"`` becomes ``"'-1 point"``, ``"＝1+1"`` becomes ``"'＝1+1"``.
    """
    if is_formula_like(value):
        return "'" + value
    return value


def neutralise_series(values: pd.Series) -> pd.Series:
    """Vectorised :func:`neutralise` for a pandas column (object or string dtype); others pass through."""
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return values
    text = values.astype("string")
    stripped = text.str.replace(_LEADING_SPACE.pattern, "", regex=True)
    trigger = stripped.str.startswith(FORMULA_TRIGGERS).fillna(False).astype(bool)
    numeric = stripped.str.fullmatch(_NUMBER.pattern).fillna(False).astype(bool)
    danger = (trigger & ~numeric).to_numpy(dtype=bool, copy=True)
    if danger.any() and pd.api.types.is_object_dtype(values):
        # only text is rewritten (a negative timedelta prints as "-1 days"): check the few candidates' type
        candidates = np.flatnonzero(danger)
        danger[candidates] = [isinstance(v, str) for v in values.iloc[candidates]]
    out = values.copy()
    if danger.any():
        out = out.astype(object)
        out[danger] = "'" + text[danger].astype(object)
        if not pd.api.types.is_object_dtype(values):
            out = out.astype(values.dtype)
    return out


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text column passed through :func:`neutralise_series`."""
    return frame.apply(neutralise_series) if len(frame.columns) else frame.copy()


def write_text(worksheet: Any, row: int, col: int, value: Any, cell_format: Any = None, quoted_format: Any = None):
    """Write ``value`` into an xlsxwriter worksheet without it ever becoming a formula or a link.

    Strings go through ``write_string`` exactly as given; formula-like ones use ``quoted_format``
    (a format with ``quote_prefix`` set) so Excel keeps them as text on edit. Numbers are written as
    numbers, None/NaN as blank cells.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return worksheet.write_blank(row, col, None, cell_format)
    if isinstance(value, (bool, np.bool_)):
        return worksheet.write_boolean(row, col, bool(value), cell_format)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return worksheet.write_number(row, col, value, cell_format)
    text = str(value)
    if is_formula_like(text):
        if quoted_format is None:
            raise ValueError(
                f"cell ({row + 1}, {col + 1}): the text {text[:40]!r} looks like a formula; "
                "pass quoted_format (an xlsxwriter format with quote_prefix=True) to write it safely"
            )
        return worksheet.write_string(row, col, text, quoted_format)
    return worksheet.write_string(row, col, text, cell_format)


#: xlsxwriter options every workbook writer uses: a string is written as a string, never turned into a formula,
#: a link or a number behind the caller's back (``strings_to_numbers`` is already xlsxwriter's default).
WORKBOOK_OPTIONS: dict[str, bool] = {"strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False}


def safe_workbook(path: Any) -> Any:
    """A new xlsxwriter ``Workbook`` at ``path`` with :data:`WORKBOOK_OPTIONS`; the caller closes it."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), dict(WORKBOOK_OPTIONS))


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid Excel sheet name for ``name``: forbidden characters replaced, at most 31 characters,
    not starting or ending with an apostrophe, not the reserved ``History``, and unique (ignoring case)
    among ``taken`` by a ``~2``, ``~3`` … suffix."""
    clean = _SHEET_FORBIDDEN.sub("_", unicodedata.normalize("NFC", str(name))).strip().strip("'").strip()
    if not clean or clean.lower() == "history":
        clean = f"Sheet_{clean}" if clean else "Sheet"
    clean = clean[:SHEET_NAME_MAX].rstrip("'")
    used = {t.lower() for t in taken}
    if clean.lower() not in used:
        return clean
    for n in range(2, 10_000):
        suffix = f"~{n}"
        candidate = clean[: SHEET_NAME_MAX - len(suffix)].rstrip("'") + suffix
        if candidate.lower() not in used:
            return candidate
    raise UnsafeNameError(f"no free sheet name left for {name!r}: rename some of the {len(used)} sheets")


def safe_filename(name: str, default: str = "untitled") -> str:
    """A file name (not a path) safe on Windows, macOS and Linux, built from user input.

    Path separators, control characters and ``<>:"|?*`` become ``_``; leading dots (hidden files,
    ``..``) and trailing dots/spaces go; Windows device names (``CON``, ``LPT1``…) get a ``_`` prefix;
    the result is at most 200 UTF-8 bytes with the extension kept. Korean text is kept (NFC).
    """
    clean = _FILE_FORBIDDEN.sub("_", unicodedata.normalize("NFC", str(name)))
    clean = clean.strip().lstrip(".").rstrip(". ")
    if not clean:
        clean = default
    stem, dot, ext = clean.rpartition(".")
    if not dot or not stem:
        stem, ext = clean, ""
    if stem.split(".")[0].lower() in _WINDOWS_RESERVED:
        stem = "_" + stem
    ext = ext[:16]
    tail = f".{ext}" if ext else ""
    encoded = stem.encode("utf-8")
    room = FILE_NAME_MAX_BYTES - len(tail.encode("utf-8"))
    if len(encoded) > room:
        stem = encoded[:room].decode("utf-8", errors="ignore").rstrip(". ")
    return stem + tail

"""``read_table``: a data file the user hands us (csv, xlsx, parquet, sav, dta), with identifiers kept as text.

Identifiers are text, never numbers: ``0001`` keeps its zeros, ``1234567890123456789`` keeps every digit
(a float holds 15-16), ``응답자-7`` stays as written, and an id spelled ``NA`` or ``null`` is an id, not a
missing value. Every file the toolkit reads ids from goes through here: sample-design files
(:func:`careersurvey.attach_sample_design`), data given to ``careersurvey weights --data``, and our own
exports read back (``careersurvey responses export``; the xlsx export's second row of variable labels is
recognised by the frozen panes below it and skipped).

The columns named in ``text`` are read as the file wrote them (an empty cell is NA); the other columns are
read as pandas reads them (numbers as numbers). In a format that stores types (xlsx, parquet, sav, dta), a
``text`` column that holds numbers is turned into text without a decimal point (``7.0`` -> ``"7"``); a
number too large to be exact (beyond 2**53 in a float) is refused, as its digits are already lost.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import pandas as pd

from careersurvey.responses.problems import ResponsesError

#: File types read_table reads, by extension.
TABLE_FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet", "sav", "dta")
#: The largest whole number a float holds exactly (2**53); ids beyond it lost digits before we saw them.
_EXACT = 2 ** 53


def read_table(path: str | Path, *, text: Sequence[str] = ("respondent_id",), what: str = "data file") -> pd.DataFrame:
    """The rows of ``path`` as a DataFrame; the columns in ``text`` (those present) are kept as text.

    ``what`` names the file in errors ("sample design", "data file"). Errors are :class:`ResponsesError`
    naming the file, what is wrong and what to do.
    """
    return read_rows(path, text, what=what)[0]


def read_rows(path: str | Path, text: Sequence[str], *, what: str) -> tuple[pd.DataFrame, list[str]]:
    """:func:`read_table` and where each row is in the file, as messages name it ("row 5" of a CSV or a
    sheet, whose header is row 1; "data row 5" of parquet, sav and dta)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if not path.exists():
        raise ResponsesError(f"no such file; check the name and folder of the {what}", code="usage", file=str(path))
    if path.is_dir():
        raise ResponsesError(f"this is a folder; give a CSV file (or {', '.join(TABLE_FORMATS[1:])}) as the "
                             f"{what}", code="usage", file=str(path))
    if fmt not in TABLE_FORMATS:
        raise ResponsesError(f"cannot read a .{fmt or '(no extension)'} file as the {what}; give a "
                             f"{', '.join('.' + f for f in TABLE_FORMATS)} file", code="usage", file=str(path))
    reader = {"csv": _csv, "xlsx": _xlsx, "parquet": _parquet, "sav": _stats, "dta": _stats}[fmt]
    text = [str(t) for t in text]
    try:
        frame, rows = reader(path, text)
    except ResponsesError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, ImportError, KeyError) as exc:
        raise ResponsesError(f"cannot read the {what} as .{fmt} ({exc}); check the file, or save it as "
                             "CSV (UTF-8) with one header row", code="unreadable", file=str(path)) from None
    frame = frame.reset_index(drop=True)
    frame.attrs = {}
    for col in text:
        if col in frame.columns:
            frame[col] = as_text(frame[col], column=col, file=path, rows=rows)
    return frame, rows


def as_text(values: pd.Series, *, column: str, file: str | Path | None = None,
            rows: Sequence[str] | None = None) -> pd.Series:
    """``values`` as text (pandas ``str`` dtype, NA where empty): text unchanged, whole numbers without
    ``.0``; a float beyond 2**53 is refused (its last digits were lost before we saw it)."""
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        return values.mask(values == "")
    out: list[str | None] = []
    for i, v in enumerate(values.tolist()):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == "":
            out.append(None)
        elif isinstance(v, float) and v.is_integer():
            if abs(v) >= _EXACT:
                where = rows[i] if rows is not None else f"data row {i + 1}"
                raise ResponsesError(
                    f"{where}: {column} is the number {v}, too large to be exact: the file stores this id "
                    "as a number, so its last digits are lost; store the ids as text (in Excel: format the "
                    "column as Text before typing or pasting the ids), or save the file as CSV",
                    code="id_as_number", file=None if file is None else str(file))
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return pd.Series(out, index=values.index, dtype="str", name=values.name)


def _csv(path: Path, text: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """CSV in UTF-8 (with or without BOM) or CP949; ``text`` columns read as written (no NA words)."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            header = pd.read_csv(path, nrows=0, encoding=encoding)
            keep = [c for c in text if c in header.columns]
            frame = pd.read_csv(path, encoding=encoding, dtype={c: str for c in keep}, low_memory=False,
                                skip_blank_lines=False)
            if keep:  # again, as written: 'NA', 'null' or 'nan' are ids here, not missing values
                raw = pd.read_csv(path, encoding=encoding, usecols=keep, dtype=str, keep_default_na=False,
                                  skip_blank_lines=False)
                for c in keep:
                    frame[c] = raw[c].to_numpy()
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise ResponsesError("the file is empty; it needs a header row and one row per respondent",
                                 code="empty", file=str(path)) from None
        rows = [f"row {i + 2}" for i in range(len(frame))]
        blank = (frame.isna() | frame.eq("")).all(axis=1)
        keep_rows = ~blank.to_numpy()
        return frame.loc[keep_rows], [r for r, k in zip(rows, keep_rows) if k]
    raise ResponsesError("the text is neither UTF-8 nor CP949; save it as CSV UTF-8", code="encoding",
                         file=str(path))


def _xlsx(path: Path, text: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The first sheet; a second row of labels (our export freezes the panes below it) is skipped."""
    import openpyxl
    from openpyxl.utils.cell import coordinate_from_string

    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        ws = wb.worksheets[0]
        label_row = ws.freeze_panes is not None and coordinate_from_string(ws.freeze_panes)[1] == 3
        values = ws.iter_rows(values_only=True)
        header = next(values, None)
        body: list[list] = []
        rows: list[str] = []
        for number, row in enumerate(values, start=2):
            if label_row and number == 2:
                continue
            if any(v is not None and v != "" for v in row):
                body.append(list(row))
                rows.append(f"row {number}")
    finally:
        wb.close()
    if header is None:
        raise ResponsesError("the first sheet is empty; it needs a header row and one row per respondent",
                             code="empty", file=str(path))
    names = [str(h) if h is not None else f"column {i + 1}" for i, h in enumerate(header)]
    body = [r[:len(names)] + [None] * (len(names) - len(r)) for r in body]
    frame = pd.DataFrame(body, columns=names, dtype=object)
    for c in frame.columns:
        if c not in text:
            frame[c] = _numbers_if_all(frame[c])
    return frame, rows


def _numbers_if_all(values: pd.Series) -> pd.Series:
    """A column of numbers (and empty cells) as numbers; a column with any text is kept as it is."""
    present = values.dropna()
    if len(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.to_numeric(values)
    return values


def _parquet(path: Path, text: list[str]) -> tuple[pd.DataFrame, list[str]]:
    frame = pd.read_parquet(path)
    return frame, [f"data row {i + 1}" for i in range(len(frame))]


def _stats(path: Path, text: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """SPSS or Stata with the missing codes as the numbers they are (user-missing values kept)."""
    import pyreadstat

    from careersurvey.responses.export import DTA_MISSING

    if path.suffix.lower() == ".sav":
        frame, _ = pyreadstat.read_sav(str(path), user_missing=True)
    else:
        frame, _ = pyreadstat.read_dta(str(path), user_missing=True)
        back = {letter: float(code) for code, letter in DTA_MISSING.items()}
        for c in frame.columns:
            if c not in text and frame[c].dtype == object:
                vals = frame[c].dropna()
                if len(vals) and vals.map(lambda v: isinstance(v, (int, float)) or v in back).all():
                    frame[c] = pd.to_numeric(frame[c].map(lambda v: back.get(v, v)))
    return frame, [f"data row {i + 1}" for i in range(len(frame))]


__all__ = ["TABLE_FORMATS", "as_text", "read_rows", "read_table"]

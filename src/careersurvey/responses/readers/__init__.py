"""Readers: one function, :func:`read_responses`, that recognises the kind of file and reads it.

Kinds: ``template`` (our entry template: sheet ``Responses`` and ``_meta``), ``kobo`` (KoboToolbox /
ODK Central exports, XLSX or CSV), ``csv`` (plain CSV: header line, then one line per respondent) and
``sheet`` (any workbook whose first sheet has headers in row 1). Every reader returns a
:class:`RawTable` of cells as read; unreadable files raise :class:`ResponsesError`. Workbooks must be
.xlsx/.xlsm: legacy .xls is refused with "save as .xlsx", since its formula cells cannot be told from
typed values (see :mod:`.workbook`).
"""

from __future__ import annotations

from pathlib import Path

from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers.csvfile import read_csv
from careersurvey.responses.readers.kobo import looks_like_export, read_kobo_csv, read_kobo_xlsx
from careersurvey.responses.readers.raw import RawTable
from careersurvey.responses.readers.template import DATA_SHEET, META_SHEET, read_table, read_template
from careersurvey.responses.readers.workbook import MAX_ROWS, MAX_UNCOMPRESSED, check_spreadsheet, sheet_names, sniff

KINDS: tuple[str, ...] = ("template", "kobo", "csv", "sheet")
#: Names a CSV response file may have; other text files (.yaml, .json, ...) are refused unless a kind is given.
TEXT_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", "")

__all__ = ["KINDS", "RawTable", "read_responses", "ResponsesError"]


def read_responses(path: str | Path, *, kind: str | None = None, encoding: str | None = None,
                   max_rows: int = MAX_ROWS, max_uncompressed: int = MAX_UNCOMPRESSED) -> RawTable:
    """Read one response file into a :class:`RawTable`, recognising its kind unless ``kind`` is given."""
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise ResponsesError(f"unknown file kind {kind!r}; use one of {', '.join(KINDS)}", code="usage",
                             file=str(path))
    sniffed = sniff(path)
    if sniffed == "text" and path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise ResponsesError(
            f"the file is named {path.suffix} but holds plain text, not a workbook; open it in Excel and save it "
            "as .xlsx, or rename it to .csv if it is a CSV export", code="wrong_type", file=str(path))
    if sniffed == "text" and kind is None and path.suffix.lower() not in TEXT_SUFFIXES:
        raise ResponsesError(
            f"the file is named {path.suffix} and is not a response file; import .xlsx workbooks or .csv files "
            "(if it is a CSV export, rename it to .csv or pass --kind csv)", code="wrong_type", file=str(path))
    if sniffed == "text":
        if kind in ("template", "sheet"):
            raise ResponsesError(f"the file is text (CSV), not a workbook; it cannot be read as {kind!r}",
                                 code="wrong_type", file=str(path))
        if kind == "kobo":
            return read_kobo_csv(path, encoding=encoding, max_rows=max_rows)
        table = read_csv(path, encoding=encoding, max_rows=max_rows)
        if kind is None and looks_like_export(table.headers):
            return read_kobo_csv(path, encoding=encoding, max_rows=max_rows)
        return table
    check_spreadsheet(path, max_uncompressed=max_uncompressed)  # raises for non-spreadsheets
    names = sheet_names(path)
    if kind == "template" or (kind is None and (META_SHEET in names or DATA_SHEET in names)):
        return read_template(path, max_rows=max_rows, max_uncompressed=max_uncompressed)
    if kind == "kobo":
        return read_kobo_xlsx(path, max_rows=max_rows, max_uncompressed=max_uncompressed)
    table = read_table(path, sheet=names[0], kind="sheet", first_data_row=2, meta={}, max_rows=max_rows,
                       max_uncompressed=max_uncompressed)
    if kind is None and looks_like_export(table.headers):
        return read_kobo_xlsx(path, max_rows=max_rows, max_uncompressed=max_uncompressed)
    return table

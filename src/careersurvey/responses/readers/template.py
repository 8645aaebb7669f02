"""Reader for our own entry template (made by ``careersurvey.forms``) and for plain one-sheet tables.

The template has a sheet ``Responses`` (row 1 variable names, row 2 labels, data from row 3, column A
``respondent_id`` as text, multiple choice as ``<name>_<code>`` 0/1 columns) and a hidden sheet
``_meta`` of key/value rows (form_kind, questionnaire_id, version, content_hash, ...), so the
questionnaire version of a returned workbook is read from the workbook itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from careersurvey.responses.problems import Problem, ResponsesError, problem
from careersurvey.responses.readers.raw import RawTable, drop_blank_rows
from careersurvey.responses.readers.workbook import (
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    SheetScan,
    check_spreadsheet,
    columns_from_rows,
    read_sheet,
    sheet_names,
)

DATA_SHEET = "Responses"
META_SHEET = "_meta"
ID_COLUMN = "respondent_id"


def read_meta(path: Path) -> dict[str, str]:
    """Key/value rows of the ``_meta`` sheet (first two cells of each row), as text."""
    _, rows = read_sheet(path, META_SHEET, max_rows=10_000, header_rows=0)
    meta: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            meta[row[0].strip()] = "" if value is None else str(value).strip()
    meta.pop("key", None)
    return meta


def scan_notes(scan: SheetScan, *, file: str, sheet: str, headers: list[str], first_data_row: int) -> list[Problem]:
    """Problems for formula, merged and hidden cells in the data area of a sheet (hidden columns: those
    with a header; a hidden column holding values without a header is refused by :func:`read_table`)."""
    notes: list[Problem] = []

    def header(col: int) -> str | None:
        return headers[col] if 0 <= col < len(headers) else None

    for row, col, formula in scan.formulas:
        if row >= first_data_row:
            notes.append(problem("formula", file=file, sheet=sheet, row=row, column=header(col),
                                 value="=" + formula if formula else "(shared formula)"))
    for r1, c1, r2, c2, ref in scan.merged:
        for row in range(max(r1, first_data_row), r2 + 1):
            notes.append(problem("merged_cell", file=file, sheet=sheet, row=row, column=header(c1), extra=ref))
    for row in sorted(scan.hidden_rows):
        if row >= first_data_row:
            notes.append(problem("hidden_row", file=file, sheet=sheet, row=row))
    for first, last in scan.hidden_columns:
        for col in range(max(first, 0), min(last, len(headers) - 1) + 1):
            notes.append(problem("hidden_column", file=file, sheet=sheet, column=headers[col],
                                 extra=column_letters(col)))
    return notes


def column_letters(index: int) -> str:
    """Excel column name of a 0-based index: 0 -> ``A``, 26 -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_names(row: list[Any], file: str, sheet: str) -> list[str]:
    """Row-1 headers as stripped text; an empty sheet or duplicate headers are errors."""
    headers = ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
               for v in row]
    while headers and headers[-1] == "":
        headers.pop()
    if not headers:
        raise ResponsesError(f"sheet {sheet!r} is empty (no header row); fill in the entry template",
                             code="empty_sheet", file=file)
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h == "":
            headers[i] = f"(column {i + 1})"
        elif h in seen:
            raise ResponsesError(
                f"sheet {sheet!r}: column header {h!r} appears twice (columns {seen[h] + 1} and {i + 1}); "
                "rename or remove one", code="duplicate_header", file=file)
        seen[headers[i]] = i
    return headers


def read_table(path: Path, *, sheet: str | None, kind: str, first_data_row: int, meta: dict[str, str],
               max_rows: int = MAX_ROWS, max_uncompressed: int = MAX_UNCOMPRESSED,
               workbook: Any = None) -> RawTable:
    """Read one sheet with headers in row 1 and data from ``first_data_row`` (1-based)."""
    file = str(path)
    wb = workbook if workbook is not None else check_spreadsheet(path, max_uncompressed=max_uncompressed)
    named = sheet is not None
    scan = wb.scan(sheet) if named else SheetScan()  # before reading: the row cap from the dimension
    sheet, rows = read_sheet(path, sheet, max_rows=max_rows, header_rows=first_data_row - 1, scan=scan)
    if not named:  # the first visible sheet, found by the reader
        scan = wb.scan(sheet)
    if not rows:
        raise ResponsesError(f"sheet {sheet!r} is empty (no header row); fill in the entry template",
                             code="empty_sheet", file=file)
    headers = header_names(rows[0], file, sheet)
    cols, empties = columns_from_rows(rows, first_data_row - 1, len(headers))
    data = {h: cols[i] for i, h in enumerate(headers)}
    empty = {h: empties[i] for i, h in enumerate(headers)}
    extra = [i for i in range(len(headers), len(cols)) if not empties[i].all()]
    if extra:
        raise ResponsesError(
            f"sheet {sheet!r}: column {extra[0] + 1} holds values but has no header in row 1; add the "
            "variable name or delete the column", code="no_header", file=file)
    n = len(cols[0]) if cols else 0
    row_numbers = np.arange(first_data_row, first_data_row + n, dtype=np.int64)
    data, row_numbers, empty = drop_blank_rows(data, row_numbers, empty)
    notes = scan_notes(scan, file=file, sheet=sheet, headers=headers, first_data_row=first_data_row)
    if len(row_numbers) == 0:
        notes.append(problem("empty_file", file=file, sheet=sheet))
    id_column = ID_COLUMN if ID_COLUMN in data else None
    return RawTable(file=file, kind=kind, sheet=sheet, headers=tuple(headers), data=data, rows=row_numbers,
                    meta=meta, id_column=id_column, notes=tuple(notes), empty=empty)


def read_template(path: Path, *, max_rows: int = MAX_ROWS, max_uncompressed: int = MAX_UNCOMPRESSED) -> RawTable:
    """Read a filled-in entry template: ``_meta`` for the questionnaire, ``Responses`` from row 3."""
    wb = check_spreadsheet(path, max_uncompressed=max_uncompressed)
    names = sheet_names(path)
    meta = read_meta(path) if META_SHEET in names else {}
    sheet = meta.get("responses_sheet") or DATA_SHEET
    if sheet not in names:
        raise ResponsesError(
            f"the workbook has no sheet {sheet!r} (sheets: {', '.join(names)}); enter responses in the "
            "entry template made by `careersurvey forms export ... --format template`", code="no_sheet", file=str(path))
    try:
        start = int(meta.get("first_data_row") or meta.get("data_start_row") or 3)
    except ValueError:
        raise ResponsesError(f"_meta: first_data_row is {meta.get('first_data_row')!r}, not a row number; "
                             "make the template again", code="bad_meta", file=str(path)) from None
    table = read_table(path, sheet=sheet, kind="template", first_data_row=start, meta=meta,
                       max_rows=max_rows, workbook=wb)
    id_column = meta.get("id_column") or ID_COLUMN
    if id_column != table.id_column:
        from dataclasses import replace

        table = replace(table, id_column=id_column if id_column in table.data else None)
    return table

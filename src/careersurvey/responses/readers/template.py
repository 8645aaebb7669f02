"""Reader for our own entry template (made by ``careersurvey.forms``) and for plain one-sheet tables.

The template has a sheet ``Responses`` (row 1 variable names, row 2 labels, data from row 3, column A
``respondent_id`` as text, multiple choice as ``<name>_<code>`` 0/1 columns) and a hidden sheet
``_meta`` of key/value rows (form_kind, questionnaire_id, version, content_hash, ...), so the
questionnaire version of a returned workbook is read from the workbook itself. Rows are found by
content, not by position (:func:`read_template`): the header is the row holding ``respondent_id``, the
question-text row is known by its text, and every other non-empty row below the header is a response.
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


def scan_notes(scan: SheetScan, *, file: str, sheet: str, headers: list[str], data_rows: np.ndarray) -> list[Problem]:
    """Problems for formula, merged and hidden cells in the data rows of a sheet (hidden columns: those
    with a header; a hidden column holding values without a header is refused by :func:`table_from_rows`)."""
    notes: list[Problem] = []
    wanted = set(data_rows.tolist())

    def header(col: int) -> str | None:
        return headers[col] if 0 <= col < len(headers) else None

    for row, col, formula in scan.formulas:
        if row in wanted:
            notes.append(problem("formula", file=file, sheet=sheet, row=row, column=header(col),
                                 value="=" + formula if formula else "(shared formula)"))
    for r1, c1, r2, c2, ref in scan.merged:
        for row in range(r1, r2 + 1):
            if row in wanted:
                notes.append(problem("merged_cell", file=file, sheet=sheet, row=row, column=header(c1), extra=ref))
    for row in sorted(scan.hidden_rows):
        if row in wanted:
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


def find_header(rows: list[list[Any]], id_column: str) -> int | None:
    """0-based index of the first row holding ``id_column`` as a cell: the row of variable names."""
    for i, row in enumerate(rows):
        if id_column in row or any(isinstance(v, str) and v.strip() == id_column for v in row):
            return i
    return None


def _excerpt(row: list[Any], limit: int = 60) -> str:
    """The first non-empty cells of a row as short text, for a message."""
    text = " | ".join(str(v).strip() for v in row if v is not None and str(v).strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_from_rows(rows: list[list[Any]], *, file: str, sheet: str, kind: str, header: int, meta: dict[str, str],
                    scan: SheetScan, id_column: str = ID_COLUMN, label_texts: frozenset[str] = frozenset(),
                    ) -> RawTable:
    """The table whose variable names are in ``rows[header]``; every non-empty row below it is a data row,
    except question-text rows (their id cell is one of ``label_texts``). Non-empty rows above the header are
    not responses: a warning names them, so nothing is dropped without a trace."""
    headers = header_names(rows[header], file, sheet)
    cols, empties = columns_from_rows(rows, header + 1, len(headers))
    extra = [i for i in range(len(headers), len(cols)) if not empties[i].all()]
    if extra:
        raise ResponsesError(
            f"sheet {sheet!r}: column {extra[0] + 1} holds values but has no header in row {header + 1}; add the "
            "variable name or delete the column", code="no_header", file=file)
    data = {h: cols[i] for i, h in enumerate(headers)}
    empty = {h: empties[i] for i, h in enumerate(headers)}
    n = len(cols[0]) if cols else 0
    row_numbers = np.arange(header + 2, header + 2 + n, dtype=np.int64)
    if label_texts and id_column in data:
        ids = data[id_column]
        labels = np.fromiter((isinstance(v, str) and v.strip() in label_texts for v in ids), dtype=bool,
                             count=len(ids))
        if labels.any():
            keep = ~labels
            data = {k: v[keep] for k, v in data.items()}
            empty = {k: v[keep] for k, v in empty.items()}
            row_numbers = row_numbers[keep]
    data, row_numbers, empty = drop_blank_rows(data, row_numbers, empty,
                                               keep=frozenset(r for r, _, _ in scan.formulas))
    notes: list[Problem] = []
    above = [i for i, row in enumerate(rows[:header]) if _excerpt(row)
             and not (row and isinstance(row[0], str) and row[0].strip() in label_texts)]
    if above:
        where = ", ".join(f"row {i + 1} ({_excerpt(rows[i])!r})" for i in above[:5]) + (" ..." if len(above) > 5 else "")
        notes.append(problem("above_header", file=file, sheet=sheet, extra=f"row {header + 1}", value=where))
    notes += scan_notes(scan, file=file, sheet=sheet, headers=headers, data_rows=row_numbers)
    if len(row_numbers) == 0:
        notes.append(problem("empty_file", file=file, sheet=sheet))
    return RawTable(file=file, kind=kind, sheet=sheet, headers=tuple(headers), data=data, rows=row_numbers,
                    meta=meta, id_column=id_column if id_column in data else None, notes=tuple(notes), empty=empty)


def _sheet_rows(path: Path, sheet: str | None, wb: Any, *, max_rows: int, header_rows: int
                ) -> tuple[str, list[list[Any]], SheetScan]:
    """Name, cell rows and XML scan of ``sheet`` (default: the first visible sheet); an empty sheet is an error."""
    named = sheet is not None
    scan = wb.scan(sheet) if named else SheetScan()  # before reading: the row cap from the dimension
    sheet, rows = read_sheet(path, sheet, max_rows=max_rows, header_rows=header_rows, scan=scan)
    if not named:  # the first visible sheet, found by the reader
        scan = wb.scan(sheet)
    if not rows:
        raise ResponsesError(f"sheet {sheet!r} is empty (no header row); fill in the entry template",
                             code="empty_sheet", file=str(path))
    return sheet, rows, scan


def read_table(path: Path, *, sheet: str | None, kind: str, first_data_row: int, meta: dict[str, str],
               max_rows: int = MAX_ROWS, max_uncompressed: int = MAX_UNCOMPRESSED,
               workbook: Any = None) -> RawTable:
    """Read one sheet with headers in row 1 and data from row 2 (plain sheets, exports)."""
    wb = workbook if workbook is not None else check_spreadsheet(path, max_uncompressed=max_uncompressed)
    sheet, rows, scan = _sheet_rows(path, sheet, wb, max_rows=max_rows, header_rows=first_data_row - 1)
    if not _excerpt(rows[0]):
        empty = not any(_excerpt(row) for row in rows)
        raise ResponsesError(f"sheet {sheet!r} is empty (no header row); fill in the entry template" if empty else
                             f"sheet {sheet!r} has no header in row 1; put the variable names in row 1",
                             code="empty_sheet", file=str(path))
    return table_from_rows(rows, file=str(path), sheet=sheet, kind=kind, header=0, meta=meta, scan=scan)


def read_template(path: Path, *, sheet: str | None = None, max_rows: int = MAX_ROWS,
                  max_uncompressed: int = MAX_UNCOMPRESSED) -> RawTable:
    """Read a filled-in entry template, finding its rows by content, not position.

    ``_meta`` names the questionnaire, the data sheet and the id column. The header is the first row
    holding the id column's name; the template's question-text row is recognised by what it says under
    ``respondent_id`` (:data:`careersurvey.forms.template.ID_LABELS`), wherever it is; every other
    non-empty row below the header is a response. So a deleted, moved or inserted row above the data,
    or blank rows between responses, never shift a respondent out of the data. ``sheet`` reads the
    responses from another sheet than the one ``_meta`` names (``Responses``).
    """
    from careersurvey.forms.template import ID_LABELS

    wb = check_spreadsheet(path, max_uncompressed=max_uncompressed)
    names = sheet_names(path)
    meta = read_meta(path) if META_SHEET in names else {}
    chosen = sheet is not None
    sheet = sheet or meta.get("responses_sheet") or DATA_SHEET
    if sheet not in names:
        raise ResponsesError(
            f"the workbook has no sheet {sheet!r} (sheets: {', '.join(names)}); "
            + ("name one of them with --sheet" if chosen else "enter responses in the entry template made by "
               "`careersurvey forms export ... --format template`, or name the sheet that holds them with --sheet"),
            code="no_sheet", file=str(path))
    try:
        header_rows = int(meta.get("header_rows") or 2)
    except ValueError:
        raise ResponsesError(f"_meta: header_rows is {meta.get('header_rows')!r}, not a number of rows; "
                             "make the template again", code="bad_meta", file=str(path)) from None
    id_column = meta.get("id_column") or ID_COLUMN
    sheet, rows, scan = _sheet_rows(path, sheet, wb, max_rows=max_rows, header_rows=header_rows)
    header = find_header(rows, id_column)
    if header is None and not any(_excerpt(row) for row in rows):
        raise ResponsesError(f"sheet {sheet!r} is empty (no header row); fill in the entry template",
                             code="empty_sheet", file=str(path))
    if header is None:
        raise ResponsesError(
            f"sheet {sheet!r}: no row holds the variable names (a row with {id_column!r} in it); the row of "
            f"names was deleted or changed: copy row 1 of a fresh template (`careersurvey forms export "
            f"{meta.get('questionnaire_id', 'ID')}@{meta.get('version', 'VERSION')} --format template`) above "
            "the data", code="no_header", file=str(path))
    return table_from_rows(rows, file=str(path), sheet=sheet, kind="template", header=header, meta=meta, scan=scan,
                           id_column=id_column, label_texts=ID_LABELS)

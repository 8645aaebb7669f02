"""Reader for our own entry template (made by ``careersurvey.forms``) and for plain one-sheet tables.

The template has a sheet ``Responses`` (row 1 variable names, row 2 labels, data from row 3, column A
``respondent_id`` as text, multiple choice as ``<name>_<code>`` 0/1 columns) and a hidden sheet
``_meta`` of key/value rows (form_kind, questionnaire_id, version, content_hash, ...), so the
questionnaire version of a returned workbook is read from the workbook itself. Rows are found by
content, not by position (:func:`read_template`): the header is the row holding ``respondent_id``, the
question-text row is known by its text, and every other non-empty row below the header is a response.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from typing import Any, Iterator

import numpy as np

from careersurvey.responses.problems import Problem, ResponsesError, problem
from careersurvey.responses.readers.raw import RawTable, drop_blank_rows
from careersurvey.responses.readers.workbook import (
    MAX_ROWS,
    SheetScan,
    Workbook,
    check_dimension,
    columns_from_rows,
    read_sheet,
    too_many_rows,
)

DATA_SHEET = "Responses"
META_SHEET = "_meta"
ID_COLUMN = "respondent_id"


def read_meta(wb: Workbook) -> dict[str, str]:
    """Key/value rows of the ``_meta`` sheet (first two cells of each row), as text."""
    _, rows = read_sheet(wb, META_SHEET, max_rows=10_000, header_rows=0)
    meta: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            meta[row[0].strip()] = "" if value is None else str(value).strip()
    meta.pop("key", None)
    return meta


def scan_notes(scan: SheetScan, *, file: str, sheet: str, headers: list[str], data_rows: np.ndarray,
               columns: bool = True) -> list[Problem]:
    """Problems for formula, merged and hidden cells in the data rows of a sheet (hidden columns, when
    ``columns``: those with a header; a hidden column holding values without a header is refused)."""
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
    for first, last in scan.hidden_columns if columns else ():
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


def holds(row: list[Any], id_column: str) -> bool:
    """True for the row of variable names: one of its cells is ``id_column``."""
    return id_column in row or any(isinstance(v, str) and v.strip() == id_column for v in row)


def _excerpt(row: list[Any], limit: int = 60) -> str:
    """The first non-empty cells of a row as short text, for a message."""
    text = " | ".join(str(v).strip() for v in row if v is not None and str(v).strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Header:
    """The row of variable names, found as the rows stream by, and what came above it."""

    def __init__(self, path: str, sheet: str, id_column: str | None, label_texts: frozenset[str]) -> None:
        self.file, self.sheet, self.id_column, self.label_texts = path, sheet, id_column, label_texts
        self.above: list[str] = []  # the first rows above the header that hold something (6 at most)
        self.n_above = 0
        self.filled = False  # some row holds text

    def is_label(self, values: list[Any]) -> bool:
        return bool(values) and isinstance(values[0], str) and values[0].strip() in self.label_texts

    def find(self, rows: Iterator[tuple[int, list]], meta: dict[str, str]) -> tuple[int, list[str]]:
        """(row index, headers) of the header: row 1 of a plain table, else the first row holding the id column."""
        seen = False
        for index, values in rows:
            seen = True
            text = _excerpt(values)
            self.filled = self.filled or bool(text)
            if self.id_column is None:
                if index == 0 and text:
                    return index, header_names(values, self.file, self.sheet)
                self.filled = self.filled or any(_excerpt(v) for _, v in rows)
                break
            if holds(values, self.id_column):
                return index, header_names(values, self.file, self.sheet)
            if text and not self.is_label(values):
                self.n_above += 1
                if len(self.above) < 6:
                    self.above.append(f"row {index + 1} ({text!r})")
        if not seen or not self.filled:
            raise ResponsesError(f"sheet {self.sheet!r} is empty (no header row); fill in the entry template",
                                 code="empty_sheet", file=self.file)
        if self.id_column is None:
            raise ResponsesError(f"sheet {self.sheet!r} has no header in row 1; put the variable names in row 1",
                                 code="empty_sheet", file=self.file)
        raise ResponsesError(
            f"sheet {self.sheet!r}: no row holds the variable names (a row with {self.id_column!r} in it); the row "
            f"of names was deleted or changed: copy row 1 of a fresh template (`careersurvey forms export "
            f"{meta.get('questionnaire_id', 'ID')}@{meta.get('version', 'VERSION')} --format template`) above "
            "the data", code="no_header", file=self.file)

    def note(self, header: int) -> list[Problem]:
        """The warning for rows above the header that hold something (they are no responses)."""
        if not self.n_above:
            return []
        where = ", ".join(self.above[:5]) + (" ..." if self.n_above > 5 else "")
        return [problem("above_header", file=self.file, sheet=self.sheet, extra=f"row {header + 1}", value=where)]


def iter_sheet(wb: Workbook, sheet: str, *, kind: str, meta: dict[str, str], header_rows: int,
               max_rows: int = MAX_ROWS, chunk_rows: int | None = None, id_column: str | None = None,
               label_texts: frozenset[str] = frozenset()) -> Iterator[RawTable]:
    """The responses of one sheet as :class:`RawTable` chunks of up to ``chunk_rows`` rows (None: one), its rows
    streamed from the sheet XML, so that memory holds one chunk, not the sheet.

    The header is row 1 (``id_column`` None) or the first row holding ``id_column``; every non-empty row below
    it is a data row, except question-text rows (their first cell is one of ``label_texts``). Non-empty rows
    above the header are no responses: a warning names them, so nothing is dropped without a trace. The first
    chunk carries the file-level notes; a sheet without data rows gives one empty chunk noting so."""
    file = str(wb.path)
    scan = wb.scan(sheet)
    check_dimension(wb.path, sheet, scan, max_rows=max_rows, header_rows=header_rows)
    rows = wb.rows(sheet)
    try:
        finder = _Header(file, sheet, id_column, label_texts)
        header, headers = finder.find(rows, meta)
        formulas = sorted({r - 1 for r, _, _ in scan.formulas if r - 1 > header})
        limit = max_rows + header_rows
        notes = finder.note(header) + scan_notes(scan, file=file, sheet=sheet, headers=headers,
                                                 data_rows=np.empty(0, dtype=np.int64))
        piece: list[tuple[int, list]] = []
        last = header
        given = False
        for index, values in rows:
            if index >= limit:
                raise too_many_rows(wb.path, sheet, max_rows)
            # a row of formulas without cached results reads as nothing: kept (its formula is noted)
            piece.extend((f, []) for f in formulas[bisect_right(formulas, last):bisect_right(formulas, index - 1)])
            piece.append((index, values))
            last = index
            if chunk_rows is not None and len(piece) >= chunk_rows:
                table = _chunk(piece, headers, header, file=file, sheet=sheet, kind=kind, meta=meta, scan=scan,
                               id_column=id_column or ID_COLUMN, finder=finder, notes=() if given else notes)
                piece = []
                if table.n_rows:
                    given = True
                    yield table
                table = None  # not held while the next chunk is read
        last_table = _chunk(piece, headers, header, file=file, sheet=sheet, kind=kind, meta=meta, scan=scan,
                            id_column=id_column or ID_COLUMN, finder=finder, notes=() if given else notes)
        if last_table.n_rows or not given:
            table = last_table
            if not given and not table.n_rows:
                table = replace(table, notes=(*table.notes, problem("empty_file", file=file, sheet=sheet)))
            yield table
    finally:
        rows.close()


def _chunk(piece: list[tuple[int, list]], headers: list[str], header: int, *, file: str, sheet: str, kind: str,
           meta: dict[str, str], scan: SheetScan, id_column: str, finder: _Header, notes: tuple | list) -> RawTable:
    """One chunk of data rows (index from 0, values) as a table: label and blank rows dropped, cells noted."""
    width = max([len(headers), *(len(v) for _, v in piece)])
    cols, empties = columns_from_rows([v + [""] * (width - len(v)) for _, v in piece], 0, len(headers))
    extra = [i for i in range(len(headers), len(cols)) if not empties[i].all()]
    if extra:
        raise ResponsesError(
            f"sheet {sheet!r}: column {extra[0] + 1} holds values but has no header in row {header + 1}; add the "
            "variable name or delete the column", code="no_header", file=file)
    data = {h: cols[i] for i, h in enumerate(headers)}
    empty = {h: empties[i] for i, h in enumerate(headers)}
    row_numbers = np.fromiter((index + 1 for index, _ in piece), dtype=np.int64, count=len(piece))
    if finder.label_texts and id_column in data and len(row_numbers):
        ids = data[id_column]
        labels = np.fromiter((isinstance(v, str) and v.strip() in finder.label_texts for v in ids), dtype=bool,
                             count=len(ids))
        if labels.any():
            keep = ~labels
            data = {k: v[keep] for k, v in data.items()}
            empty = {k: v[keep] for k, v in empty.items()}
            row_numbers = row_numbers[keep]
    data, row_numbers, empty = drop_blank_rows(data, row_numbers, empty,
                                               keep=frozenset(r for r, _, _ in scan.formulas))
    notes = [*notes, *scan_notes(scan, file=file, sheet=sheet, headers=headers, data_rows=row_numbers,
                                 columns=False)]
    return RawTable(file=file, kind=kind, sheet=sheet, headers=tuple(headers), data=data, rows=row_numbers,
                    meta=meta, id_column=id_column if id_column in data else None, notes=tuple(notes), empty=empty)


def iter_table(wb: Workbook, *, sheet: str, kind: str, first_data_row: int, meta: dict[str, str],
               max_rows: int = MAX_ROWS, chunk_rows: int | None = None) -> Iterator[RawTable]:
    """One sheet with headers in row 1 and data from row 2 (plain sheets, exports), in chunks of rows."""
    if sheet not in wb.names():
        raise ResponsesError(f"no sheet named {sheet!r} (sheets: {', '.join(wb.names())}); name one of them with "
                             "--sheet", code="no_sheet", file=str(wb.path))
    yield from iter_sheet(wb, sheet, kind=kind, meta=meta, header_rows=first_data_row - 1, max_rows=max_rows,
                          chunk_rows=chunk_rows)


def sheet_headers(wb: Workbook, sheet: str) -> list[str]:
    """The headers in row 1 of ``sheet`` (empty when row 1 is empty or its headers are unusable), read
    without reading the rest of the sheet."""
    rows = wb.rows(sheet)
    try:
        for index, values in rows:
            return header_names(values, str(wb.path), sheet) if index == 0 else []
    except ResponsesError:
        return []
    finally:
        rows.close()
    return []


def iter_template(wb: Workbook, *, sheet: str | None = None, max_rows: int = MAX_ROWS,
                  chunk_rows: int | None = None) -> Iterator[RawTable]:
    """A filled-in entry template in chunks of rows, its rows found by content, not position.

    ``_meta`` names the questionnaire, the data sheet and the id column. The header is the first row
    holding the id column's name; the template's question-text row is recognised by what it says under
    ``respondent_id`` (:data:`careersurvey.forms.template.ID_LABELS`), wherever it is; every other
    non-empty row below the header is a response. So a deleted, moved or inserted row above the data,
    or blank rows between responses, never shift a respondent out of the data. ``sheet`` reads the
    responses from another sheet than the one ``_meta`` names (``Responses``).
    """
    from careersurvey.forms.template import ID_LABELS

    names = wb.names()
    meta = read_meta(wb) if META_SHEET in names else {}
    chosen = sheet is not None
    sheet = sheet or meta.get("responses_sheet") or DATA_SHEET
    if sheet not in names:
        raise ResponsesError(
            f"the workbook has no sheet {sheet!r} (sheets: {', '.join(names)}); "
            + ("name one of them with --sheet" if chosen else "enter responses in the entry template made by "
               "`careersurvey forms export ... --format template`, or name the sheet that holds them with --sheet"),
            code="no_sheet", file=str(wb.path))
    try:
        header_rows = int(meta.get("header_rows") or 2)
    except ValueError:
        raise ResponsesError(f"_meta: header_rows is {meta.get('header_rows')!r}, not a number of rows; "
                             "make the template again", code="bad_meta", file=str(wb.path)) from None
    yield from iter_sheet(wb, sheet, kind="template", meta=meta, header_rows=header_rows, max_rows=max_rows,
                          chunk_rows=chunk_rows, id_column=meta.get("id_column") or ID_COLUMN, label_texts=ID_LABELS)

"""Readers: one function, :func:`read_responses`, that recognises the kind of file and reads it.

Kinds: ``template`` (our entry template: sheet ``Responses`` and ``_meta``), ``kobo`` (KoboToolbox /
ODK Central exports, XLSX or CSV), ``csv`` (plain CSV: header line, then one line per respondent) and
``sheet`` (any workbook whose first sheet has headers in row 1). Codebooks, XLSForms and problem lists are
refused as what they are (:mod:`.recognise`). Every reader returns a
:class:`RawTable` of cells as read (:func:`iter_responses`: in chunks of rows, a CSV read chunk by chunk and a
workbook's sheet streamed row by row from its XML, the workbook opened once); unreadable files raise
:class:`ResponsesError`. Workbooks must be
.xlsx/.xlsm: legacy .xls is refused with "save as .xlsx", since its formula cells cannot be told from
typed values (see :mod:`.workbook`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers.csvfile import CHUNK_ROWS, iter_csv
from careersurvey.responses.readers.kobo import iter_kobo_csv, iter_kobo_xlsx, looks_like_export
from careersurvey.responses.readers.raw import RawTable, concat
from careersurvey.responses.readers.recognise import refuse_known_workbooks, refuse_problem_list
from careersurvey.responses.readers.template import DATA_SHEET, META_SHEET, iter_table, iter_template, sheet_headers
from careersurvey.responses.readers.workbook import MAX_ROWS, MAX_UNCOMPRESSED, Workbook, check_spreadsheet, sniff

KINDS: tuple[str, ...] = ("template", "kobo", "csv", "sheet")
#: Names a CSV response file may have; other text files (.yaml, .json, ...) are refused unless a kind is given.
TEXT_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", "")

__all__ = ["KINDS", "RawTable", "iter_responses", "read_responses", "ResponsesError"]


def read_responses(path: str | Path, *, kind: str | None = None, encoding: str | None = None,
                   sheet: str | None = None, max_rows: int = MAX_ROWS,
                   max_uncompressed: int = MAX_UNCOMPRESSED) -> RawTable:
    """Read one response file into a :class:`RawTable`, recognising its kind unless ``kind`` is given.

    ``sheet`` names the sheet of a workbook that holds the responses (default: ``Responses`` of the entry
    template, else the first sheet). When that sheet holds no responses but other sheets hold rows below
    a header, the file is refused with their names and how to choose one: never "0 rows" read from the
    wrong sheet.
    """
    return concat(list(iter_responses(path, kind=kind, encoding=encoding, sheet=sheet, max_rows=max_rows,
                                      max_uncompressed=max_uncompressed, chunk_rows=None)))


def iter_responses(path: str | Path, *, kind: str | None = None, encoding: str | None = None,
                   sheet: str | None = None, max_rows: int = MAX_ROWS, max_uncompressed: int = MAX_UNCOMPRESSED,
                   chunk_rows: int | None = CHUNK_ROWS) -> Iterator[RawTable]:
    """The file as :class:`RawTable` chunks of up to ``chunk_rows`` rows (None: one), in file order, so that
    memory does not grow with the file: a CSV is read chunk by chunk, a workbook's sheet streamed row by row
    from its XML (the workbook opened once, and closed when the chunks run out or the iterator is closed). The
    first chunk carries the headers and metadata every chunk shares; a file without rows is one empty chunk.
    See :func:`read_responses` for ``sheet``."""
    path = Path(path)
    if _is_text(path, kind, sheet):
        yield from _text_chunks(path, kind, encoding, max_rows, chunk_rows)
        return
    with check_spreadsheet(path, max_uncompressed=max_uncompressed) as wb:  # raises for non-spreadsheets
        names = wb.names()
        if META_SHEET not in names:
            refuse_known_workbooks(wb, names)
        if sheet is not None and sheet not in names:
            raise ResponsesError(f"the workbook has no sheet {sheet!r} (sheets: {', '.join(names)}); name one of "
                                 "them with --sheet", code="no_sheet", file=str(path))
        chunks = _workbook_chunks(wb, kind, sheet, max_rows, chunk_rows)
        try:
            try:
                first = _checked(next(chunks))
            except ResponsesError as exc:
                if sheet is not None or exc.code not in ("empty_sheet", "no_sheet", "no_header"):
                    raise
                _refuse_if_elsewhere(wb, kind, DATA_SHEET if _is_template(kind, names) else names[0], max_rows)
                raise
            if first.n_rows == 0 and sheet is None:
                _refuse_if_elsewhere(wb, kind, first.sheet, max_rows)
            yield first
            first = None  # not held while the next chunk is read
            yield from chunks
        finally:
            chunks.close()


def _is_text(path: Path, kind: str | None, sheet: str | None) -> bool:
    """True for a CSV file that may be read as ``kind``; raises for a kind, sheet or name that does not fit it."""
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
    if sniffed != "text":
        return False
    if sheet is not None:
        raise ResponsesError(f"the file is text (CSV), which has no sheets; leave out --sheet {sheet!r}",
                             code="usage", file=str(path))
    if kind in ("template", "sheet"):
        raise ResponsesError(f"the file is text (CSV), not a workbook; it cannot be read as {kind!r}",
                             code="wrong_type", file=str(path))
    return True


def _text_chunks(path: Path, kind: str | None, encoding: str | None, max_rows: int,
                 chunk_rows: int | None) -> Iterator[RawTable]:
    """A CSV file's chunks, as a plain CSV or (named so, or recognised by its headers) a Kobo/ODK export."""
    if kind == "kobo":
        yield from iter_kobo_csv(path, encoding=encoding, max_rows=max_rows, chunk_rows=chunk_rows)
        return
    chunks = iter_csv(path, encoding=encoding, max_rows=max_rows, chunk_rows=chunk_rows)
    first = next(chunks)
    refuse_problem_list(first.headers, str(path))
    if kind is None and looks_like_export(first.headers):
        chunks.close()
        yield from iter_kobo_csv(path, encoding=encoding, max_rows=max_rows, chunk_rows=chunk_rows)
        return
    yield first
    first = None  # not held while the next chunk is read
    yield from chunks


def _checked(table: RawTable) -> RawTable:
    """``table``, unless it is a list of import problems rather than responses."""
    refuse_problem_list(table.headers, table.file)
    return table


def _is_template(kind: str | None, names: list[str]) -> bool:
    return kind == "template" or (kind is None and (META_SHEET in names or DATA_SHEET in names))


def _workbook_chunks(wb: Workbook, kind: str | None, sheet: str | None, max_rows: int,
                     chunk_rows: int | None) -> Iterator[RawTable]:
    """The responses of a workbook of ``kind`` (recognised when None) from ``sheet`` (None: its default sheet)."""
    names = wb.names()
    if _is_template(kind, names):
        return iter_template(wb, sheet=sheet, max_rows=max_rows, chunk_rows=chunk_rows)
    name = sheet or names[0]
    if kind == "kobo" or (kind is None and looks_like_export(sheet_headers(wb, name))):
        return iter_kobo_xlsx(wb, sheet=sheet, max_rows=max_rows, chunk_rows=chunk_rows)
    return iter_table(wb, sheet=name, kind="sheet", first_data_row=2, meta={}, max_rows=max_rows,
                      chunk_rows=chunk_rows)


def _refuse_if_elsewhere(wb: Workbook, kind: str | None, read: str, max_rows: int) -> None:
    """Raise when the default sheet gave no responses but other sheets hold rows below a header: name them."""
    from careersurvey.forms.template import CODEBOOK_SHEET, GUIDANCE_SHEET, LOOKUP_SHEET

    names = wb.names()
    own = {META_SHEET, LOOKUP_SHEET, GUIDANCE_SHEET, CODEBOOK_SHEET} if _is_template(kind, names) else set()
    found: list[tuple[str, int]] = []
    for name in names:
        if name in own or name == read:
            continue
        try:
            n = sum(t.n_rows for t in _workbook_chunks(wb, kind, name, max_rows, CHUNK_ROWS))
        except ResponsesError:
            continue
        if n:
            found.append((name, n))
    if not found:
        return
    where = f"sheet {read!r} holds no responses"
    if len(found) == 1:
        name, n = found[0]
        raise ResponsesError(
            f"{where}, but sheet {name!r} holds {n} row{'s' if n != 1 else ''} below its header; import that sheet "
            f"with --sheet {name!r} (in Python: sheet={name!r}), or move its rows into sheet {read!r}",
            code="wrong_sheet", file=str(wb.path))
    listed = ", ".join(f"{name!r} ({n} row{'s' if n != 1 else ''})" for name, n in found)
    raise ResponsesError(f"{where}, but sheets {listed} hold rows below a header; choose the one with the "
                         "responses with --sheet NAME (in Python: sheet='NAME')", code="wrong_sheet", file=str(wb.path))

"""Opening spreadsheet files safely: file-type sniffing, caps, and what the sheet XML says about cells.

A workbook is opened once (:class:`Workbook`, a context manager) and its bytes checked: is it a
spreadsheet at all, is it password-protected (an OLE container holding ``EncryptedPackage``), is the zip
complete, does it expand to more than a cap (zip bomb), does the sheet claim more rows than the limit. Its
cells are streamed row by row from the sheet XML (:mod:`.cellxml`, typed as python-calamine types them), so
memory does not grow with the sheet; the same XML is scanned (:mod:`.sheetxml`) for what cell values do not
say: formula cells (their cached value is not what a person typed), hidden rows and columns, merged ranges.
Legacy .xls files are refused (see :func:`check_spreadsheet`): nothing can check their formulas.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from lxml import etree

from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers.cellxml import SheetCells, date1904, grid, shared_strings, style_kinds
from careersurvey.responses.readers.sheetxml import SheetScan, column_index, scan_sheet, sheet_list, sheet_targets  # noqa: F401

#: Largest total uncompressed size of a workbook we open (bytes); a 100,000-row survey sheet is ~60 MB.
MAX_UNCOMPRESSED = 1 << 30
#: Largest number of data rows read from one sheet; more is refused with a clear error.
MAX_ROWS = 500_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def sniff(path: Path) -> str:
    """The kind of a file from its first bytes: ``xlsx``, ``xls``, ``encrypted``, ``text`` or ``binary``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
                return "xlsx"
            if head == _OLE_MAGIC:
                fh.seek(0)
                body = fh.read(1 << 20)
                return "encrypted" if _ENCRYPTED in body else "xls"
            fh.seek(0)
            sample = fh.read(4096)
    except FileNotFoundError:
        raise ResponsesError("no such file; check the path", code="not_found", file=str(path)) from None
    except IsADirectoryError:
        raise ResponsesError("is a directory, not a response file", code="not_found", file=str(path)) from None
    if not sample:
        return "empty"
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


#: the sheet XML is searched in blocks of this size for marks of formulas, hidden rows and merged ranges
_SCAN_BLOCK = 1 << 18
_SCAN_OVERLAP = 1 << 16


class Workbook:
    """An xlsx/xlsm file checked for safety, with its sheets' XML scanned on demand."""

    def __init__(self, path: Path, *, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
        self.path = Path(path)
        name = str(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ResponsesError(
                f"the workbook is damaged or truncated ({exc}); open it in Excel and save it again, "
                "or copy the file again from its source",
                code="damaged", file=name,
            ) from None
        try:
            total = sum(i.file_size for i in infos)
            if total > max_uncompressed:
                raise ResponsesError(
                    f"the workbook expands to {total:,} bytes, more than the limit of {max_uncompressed:,} "
                    "(a zip bomb, or far more data than a survey file holds); split the file or raise the limit",
                    code="too_large", file=name,
                )
            self._members = {i.filename for i in infos}
            if "xl/workbook.xml" not in self._members:
                raise ResponsesError(
                    "the zip file is not an Excel workbook (no xl/workbook.xml); save it as .xlsx from Excel",
                    code="wrong_type", file=name,
                )
            self._sheet_paths, self.sheets, self.is_1904 = self._sheet_xml_paths()
        except BaseException:
            self.zip.close()
            raise
        self._cells: SheetCells | None = None

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, member: str) -> bytes:
        """One part of the zip, or a clear error when it is damaged."""
        try:
            return self.zip.read(member)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, Exception) as exc:  # zlib.error too
            raise ResponsesError(
                f"part {member} of the workbook cannot be read ({exc}); the file is damaged or truncated: "
                "open it in Excel and save it again",
                code="damaged", file=str(self.path),
            ) from None

    def _sheet_xml_paths(self) -> tuple[dict[str, str], list[tuple[str, bool]], bool]:
        """Sheet name -> path of its XML inside the zip (from workbook.xml and its relationships), every sheet
        (name, visible) in order, and whether dates count from 1904."""
        wb = self._read("xl/workbook.xml")
        try:
            sheets, is_1904 = sheet_list(wb), date1904(wb)
            try:
                rels = self._read("xl/_rels/workbook.xml.rels")
            except ResponsesError:
                return {}, sheets, is_1904
            return sheet_targets(wb, rels), sheets, is_1904
        except etree.XMLSyntaxError as exc:
            raise ResponsesError(
                f"the workbook's list of sheets cannot be read ({exc}); the file is damaged: open it in Excel and "
                "save it again", code="damaged", file=str(self.path)) from None

    def names(self) -> list[str]:
        """Names of all sheets, in order."""
        return [name for name, _ in self.sheets]

    def first_visible(self) -> str:
        """The first sheet not hidden (the first sheet when all are hidden)."""
        if not self.sheets:
            raise ResponsesError("the workbook has no sheets; open it in Excel and save it again", code="damaged",
                                 file=str(self.path))
        return next((name for name, visible in self.sheets if visible), self.sheets[0][0])

    def _typing(self) -> SheetCells:
        """Shared strings and cell styles, read once for every sheet of the workbook."""
        if self._cells is None:
            try:
                styles = self.zip.read("xl/styles.xml") if "xl/styles.xml" in self._members else None
                if "xl/sharedStrings.xml" in self._members:
                    with self.zip.open("xl/sharedStrings.xml") as fh:
                        strings = shared_strings(fh)
                else:
                    strings = []
                self._cells = SheetCells(strings, style_kinds(styles), self.is_1904)
            except Exception as exc:  # XMLSyntaxError, zlib.error, CRC errors
                raise ResponsesError(
                    f"the workbook cannot be read ({type(exc).__name__}: {exc}); open it in Excel and save it again",
                    code="damaged", file=str(self.path)) from None
        return self._cells

    def rows(self, sheet: str) -> Iterator[tuple[int, list]]:
        """Rows of ``sheet`` holding a value, as (row index from 0, values from column A), streamed (see
        :mod:`.cellxml`); damaged XML raises ``damaged``."""
        member = self._sheet_paths.get(sheet)
        if sheet not in self.names():
            raise ResponsesError(f"no sheet named {sheet!r} (sheets: {', '.join(self.names())}); name one of them "
                                 "with --sheet", code="no_sheet", file=str(self.path))
        if member is None or member not in self._members:
            raise ResponsesError(f"the sheet {sheet!r} is missing from the workbook; the file is damaged: open it "
                                 "in Excel and save it again", code="damaged", file=str(self.path))
        cells = self._typing()
        try:
            with self.zip.open(member) as fh:
                yield from cells.rows(fh)
        except (ResponsesError, GeneratorExit):
            raise
        except Exception as exc:  # SheetXMLError, XMLSyntaxError, zlib.error, CRC errors
            raise ResponsesError(
                f"the workbook cannot be read ({type(exc).__name__}: {exc}); open it in Excel and save it again",
                code="damaged", file=str(self.path)) from None

    def scan(self, sheet: str) -> SheetScan:
        """Formula cells, hidden rows and columns, merged ranges and the claimed dimension of ``sheet``.

        The sheet XML is streamed with a namespace-aware parser (:mod:`.sheetxml`): tags with or without
        a namespace prefix are read alike, and memory stays bounded by one row.
        """
        member = self._sheet_paths.get(sheet)
        if member is None:
            return SheetScan()
        try:
            return scan_sheet(lambda: self.zip.open(member), block=_SCAN_BLOCK, overlap=_SCAN_OVERLAP)
        except (zipfile.BadZipFile, EOFError, OSError, Exception) as exc:  # XMLSyntaxError, zlib.error, CRC errors
            raise ResponsesError(
                f"the sheet {sheet!r} cannot be read ({exc}); the workbook is damaged or truncated: open it in "
                "Excel and save it again", code="damaged", file=str(self.path)) from None

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()


def check_spreadsheet(path: Path, *, max_uncompressed: int = MAX_UNCOMPRESSED) -> Workbook:
    """Refuse files that are not checkable xlsx/xlsm workbooks (text, binary, encrypted, legacy .xls, damaged,
    zip bombs); return the opened :class:`Workbook`."""
    kind = sniff(path)
    name = str(path)
    if kind == "encrypted":
        raise ResponsesError(
            "the workbook is password-protected (encrypted); open it in Excel, remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password, clear it) and save it again",
            code="password", file=name,
        )
    if kind == "empty":
        raise ResponsesError("the file is empty (0 bytes); copy it again from its source", code="empty", file=name)
    if kind in ("text", "binary"):
        raise ResponsesError(
            f"the file is not an Excel workbook (its content is {kind}, not xlsx); save it as .xlsx, "
            "or give a .csv file the .csv extension",
            code="wrong_type", file=name,
        )
    if kind == "xls":
        # Legacy .xls (BIFF) is refused rather than read: neither python-calamine nor xlrd tells formula
        # cells from typed values, so a cached formula result would be imported as if someone typed it.
        raise ResponsesError(
            "the workbook is in the old Excel 97-2003 format (.xls), in which formulas, hidden rows and "
            "merged cells cannot be checked; open it in Excel, choose File > Save As > Excel Workbook "
            "(.xlsx) and import the .xlsx file",
            code="legacy_xls", file=name,
        )
    return Workbook(path, max_uncompressed=max_uncompressed)


def too_many_rows(path: Path, sheet: str, max_rows: int) -> ResponsesError:
    """The error for a sheet holding more data rows than ``max_rows``."""
    return ResponsesError(f"sheet {sheet!r} has more than {max_rows:,} data rows; split the file into smaller ones "
                          "(or raise max_rows)", code="too_many_rows", file=str(path))


def check_dimension(path: Path, sheet: str, scan: SheetScan, *, max_rows: int, header_rows: int) -> None:
    """Refuse a sheet whose declared dimension already holds more than ``max_rows`` data rows, before reading."""
    if scan.dimension_rows is not None and scan.dimension_rows - header_rows > max_rows:
        raise ResponsesError(
            f"sheet {sheet!r} has {scan.dimension_rows - header_rows:,} data rows, more than the limit of "
            f"{max_rows:,}; split the file into smaller ones (or raise max_rows)",
            code="too_many_rows", file=str(path),
        )


def read_sheet(wb: Workbook, sheet: str | None, *, max_rows: int = MAX_ROWS, header_rows: int = 1,
               scan: SheetScan | None = None) -> tuple[str, list[list[Any]]]:
    """All cells of ``sheet`` (default: the first visible one) as lists, row 1 first, as python-calamine's
    ``to_python`` gives them (for small sheets: ``_meta``, a codebook's About; responses are read row by row).

    Raises :class:`ResponsesError` for a missing sheet, unreadable content or too many rows.
    """
    sheet = wb.first_visible() if sheet is None else sheet
    if scan is not None:
        check_dimension(wb.path, sheet, scan, max_rows=max_rows, header_rows=header_rows)
    rows = grid(wb.rows(sheet))
    if len(rows) > max_rows + header_rows:
        raise too_many_rows(wb.path, sheet, max_rows)
    return sheet, rows


def columns_from_rows(rows: list[list[Any]], start: int, width: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Data rows ``rows[start:]`` as ``width`` object columns, and each column's empty cells ('' or None).

    One 2-D object array is built from the (rectangular) rows in C, so transposing and finding empty
    cells cost one pass each over all cells, not a Python loop per row.
    """
    body = rows[start:]
    if not body:
        return [np.empty(0, dtype=object) for _ in range(width)], [np.empty(0, dtype=bool) for _ in range(width)]
    block = np.empty((len(body), max(width, max(len(r) for r in (body[0], body[-1])))), dtype=object)
    try:
        block[:, :] = body
    except ValueError:  # ragged rows (never from calamine; possible from other sources)
        block[:, :] = ""
        for i, r in enumerate(body):
            block[i, : len(r)] = r
    empty = (block == "") | np.asarray(pd.isna(block), dtype=bool)
    return [block[:, j] for j in range(block.shape[1])], [empty[:, j] for j in range(block.shape[1])]

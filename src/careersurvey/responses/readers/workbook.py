"""Opening spreadsheet files safely: file-type sniffing, caps, and what the sheet XML says about cells.

Before a workbook reaches python-calamine (the fast reader), its bytes are checked: is it a spreadsheet
at all, is it password-protected (an OLE container holding ``EncryptedPackage``), is the zip complete,
does it expand to more than a cap (zip bomb), does the sheet claim more rows than the limit. Then the
sheet's XML is scanned (regular expressions over bytes, no DOM) for what calamine does not report:
formula cells (their cached value is not what a person typed), hidden rows and columns, merged ranges.
Legacy .xls files are refused (see :func:`check_spreadsheet`): nothing can check their formulas.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from careersurvey.responses.problems import ResponsesError

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


@dataclass(frozen=True, slots=True)
class SheetScan:
    """What the sheet XML says beyond cell values (1-based row numbers, Excel column letters)."""

    dimension_rows: int | None = None
    hidden_rows: frozenset[int] = frozenset()
    formulas: tuple[tuple[int, int, str], ...] = ()  # (row, column index 0-based, formula text)
    merged: tuple[tuple[int, int, int, int, str], ...] = ()  # (row1, col1, row2, col2, "A1:B2")
    hidden_columns: tuple[tuple[int, int], ...] = ()  # (first, last) 0-based column indices, inclusive


def column_index(letters: str) -> int:
    """0-based index of an Excel column name: ``A`` -> 0, ``AA`` -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_SHEET_ENTRY = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL2 = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:?[A-Z]*(\d*)"')
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_HIDDEN_ROW2 = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_FORMULA = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_COL = re.compile(rb'<col\b[^>]*>')
_COL_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_COL_MIN = re.compile(rb'\bmin="(\d+)"')
_COL_MAX = re.compile(rb'\bmax="(\d+)"')
_SCAN_BLOCK = 16 << 20
_SCAN_OVERLAP = 1 << 16
#: what makes a block worth parsing: a hidden row, a formula (or a shared-formula follower), a merged range
_NEEDLES = (b"hidden=", b"</f>", b't="shared"', b"<mergeCell")


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
        total = sum(i.file_size for i in infos)
        if total > max_uncompressed:
            raise ResponsesError(
                f"the workbook expands to {total:,} bytes, more than the limit of {max_uncompressed:,} "
                "(a zip bomb, or far more data than a survey file holds); split the file or raise the limit",
                code="too_large", file=name,
            )
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise ResponsesError(
                "the zip file is not an Excel workbook (no xl/workbook.xml); save it as .xlsx from Excel",
                code="wrong_type", file=name,
            )
        self._sheet_paths = self._sheet_xml_paths()

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

    def _sheet_xml_paths(self) -> dict[str, str]:
        """Sheet name -> path of its XML inside the zip (from workbook.xml and its relationships)."""
        wb = self._read("xl/workbook.xml")
        try:
            rels = self._read("xl/_rels/workbook.xml.rels")
        except ResponsesError:
            return {}
        targets = {rid: tgt for rid, tgt in _REL.findall(rels)} | {rid: tgt for tgt, rid in _REL2.findall(rels)}
        out: dict[str, str] = {}
        for raw_name, rid in _SHEET_ENTRY.findall(wb):
            target = targets.get(rid)
            if target is None:
                continue
            t = target.decode()
            t = t.lstrip("/") if t.startswith("/") else "xl/" + t
            out[_xml_unescape(raw_name.decode("utf-8"))] = t
        return out

    def scan(self, sheet: str) -> SheetScan:
        """Formula cells, hidden rows, merged ranges and the claimed dimension of ``sheet``.

        The sheet XML is streamed in blocks (bounded memory: a 100,000-row sheet is ~400 MB of XML);
        each block is searched with fast substring tests and parsed with regular expressions only where
        a formula, a hidden row or a merged range occurs. Blocks overlap so nothing is cut in two.
        """
        member = self._sheet_paths.get(sheet)
        if member is None:
            return SheetScan()
        dimension_rows: int | None = None
        hidden: set[int] = set()
        formulas: dict[tuple[int, int], str] = {}
        merged: dict[str, tuple[int, int, int, int, str]] = {}
        hidden_cols: set[tuple[int, int]] = set()
        tail = b""
        first = True
        try:
            with self.zip.open(member) as fh:
                while True:
                    block = fh.read(_SCAN_BLOCK)
                    if not block:
                        break
                    if first:
                        dim = _DIMENSION.search(block, 0, 4096)
                        dimension_rows = int(dim.group(1)) if dim and dim.group(1) else None
                        first = False
                    # substring tests on the block itself, and on the small seam with the previous block;
                    # the block is copied (tail + block) only where something was found
                    seam = tail + block[:_SCAN_OVERLAP]
                    found = [needle for needle in _NEEDLES if needle in block or needle in seam]
                    if found:
                        buf = tail + block
                        if b"hidden=" in found:
                            hidden.update(int(r) for r in _HIDDEN_ROW.findall(buf))
                            hidden.update(int(r) for r in _HIDDEN_ROW2.findall(buf))
                            hidden_cols.update(_hidden_columns(buf))
                        if b"</f>" in found or b't="shared"' in found:
                            for c, r, f in _FORMULA.findall(buf):
                                key = (int(r), column_index(c.decode()))
                                formulas.setdefault(key, _xml_unescape((f or b"").decode("utf-8", "replace")))
                        if b"<mergeCell" in found:
                            for c1, r1, c2, r2 in _MERGE.findall(buf):
                                ref = f"{c1.decode()}{int(r1)}:{c2.decode()}{int(r2)}"
                                merged[ref] = (int(r1), column_index(c1.decode()), int(r2),
                                               column_index(c2.decode()), ref)
                    tail = block[-_SCAN_OVERLAP:] if len(block) >= _SCAN_OVERLAP else (tail + block)[-_SCAN_OVERLAP:]
        except (zipfile.BadZipFile, EOFError, OSError, Exception) as exc:  # zlib.error, CRC errors too
            raise ResponsesError(
                f"the sheet {sheet!r} cannot be read ({exc}); the workbook is damaged or truncated: open it in "
                "Excel and save it again", code="damaged", file=str(self.path)) from None
        return SheetScan(dimension_rows, frozenset(hidden),
                         tuple((r, c, f) for (r, c), f in sorted(formulas.items())), tuple(merged.values()),
                         tuple(sorted(hidden_cols)))

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()


def _hidden_columns(xml: bytes) -> list[tuple[int, int]]:
    """(first, last) 0-based indices of the ``<col>`` ranges marked hidden in a piece of sheet XML."""
    out = []
    for tag in _COL.findall(xml):
        if _COL_HIDDEN.search(tag):
            low, high = _COL_MIN.search(tag), _COL_MAX.search(tag)
            if low and high:
                out.append((int(low.group(1)) - 1, int(high.group(1)) - 1))
    return out


def _xml_unescape(text: str) -> str:
    """Text of an XML attribute or element with the five predefined entities decoded."""
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


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


def read_sheet(path: Path, sheet: str | None, *, max_rows: int = MAX_ROWS, header_rows: int = 1,
               scan: SheetScan | None = None) -> tuple[str, list[list[Any]]]:
    """All cells of ``sheet`` (default: the first visible one) as lists, row 1 first, with python-calamine.

    Raises :class:`ResponsesError` for a missing sheet, a password, unreadable content or too many rows.
    """
    import python_calamine as pc

    name = str(path)
    if scan is not None and scan.dimension_rows is not None and scan.dimension_rows - header_rows > max_rows:
        raise ResponsesError(
            f"sheet {sheet!r} has {scan.dimension_rows - header_rows:,} data rows, more than the limit of "
            f"{max_rows:,}; split the file into smaller ones (or raise max_rows)",
            code="too_many_rows", file=name,
        )
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        if sheet is None:
            visible = [m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")
                       and not str(m.visible).endswith("Hidden")]
            sheet = visible[0] if visible else wb.sheet_names[0]
        if sheet not in wb.sheet_names:
            raise ResponsesError(
                f"no sheet named {sheet!r} (sheets: {', '.join(wb.sheet_names)}); name one of them with --sheet",
                code="no_sheet", file=name,
            )
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=max_rows + header_rows + 1)
    except ResponsesError:
        raise
    except pc.PasswordError:
        raise ResponsesError("the workbook is password-protected; remove the password in Excel and save again",
                             code="password", file=name) from None
    except Exception as exc:  # calamine raises its own error types for damaged content
        raise ResponsesError(
            f"the workbook cannot be read ({type(exc).__name__}: {exc}); open it in Excel and save it again",
            code="damaged", file=name,
        ) from None
    if len(rows) > max_rows + header_rows:
        raise ResponsesError(
            f"sheet {sheet!r} has more than {max_rows:,} data rows; split the file into smaller ones "
            "(or raise max_rows)", code="too_many_rows", file=name,
        )
    return sheet, rows


def sheet_names(path: Path) -> list[str]:
    """Names of all sheets of a readable workbook, in order."""
    import python_calamine as pc

    try:
        return list(pc.CalamineWorkbook.from_path(str(path)).sheet_names)
    except pc.PasswordError:
        raise ResponsesError("the workbook is password-protected; remove the password in Excel and save again",
                             code="password", file=str(path)) from None
    except Exception as exc:  # calamine's own error types for damaged content
        raise ResponsesError(
            f"the workbook cannot be read ({type(exc).__name__}: {exc}); it is damaged or not a workbook: "
            "open it in Excel and save it again", code="damaged", file=str(path)) from None


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

"""Cell values streamed from a sheet's XML, typed exactly as python-calamine types them.

The importer used to read a sheet with python-calamine's ``to_python``, which holds every cell of the sheet
as Python objects at once (about 1.3 GB per 100,000 rows of the entry template). This module reads the same
values row by row with lxml's ``iterparse`` (each row dropped once read), so memory stays bounded by a row
plus the shared strings, and gives each cell the value calamine gives it (calamine 0.37 through
python-calamine 0.9; ``tests/responses/test_cellxml.py`` compares the two on every workbook fixture and on
workbooks written cell kind by cell kind):

* shared (``t="s"``) and inline strings (``<is>``), rich-text runs joined, phonetic runs (``rPh``) left out,
  text trimmed of ASCII white space unless ``xml:space="preserve"``, ``_xHHHH_`` escapes of two hex digits
  decoded; formula string results (``t="str"``) as written;
* numbers always as float; as a date, datetime, time or timedelta when the cell's style has a date number
  format (built-in formats 14-22, 45 and 47, 46 and ``[h]``-style custom formats as durations, custom formats
  with a date token outside quotes and brackets), in the workbook's 1900 or 1904 date system, Excel's 1900
  leap-year bug included: below 1 a time, a whole number a date, else a datetime, and the float itself where
  the date falls outside years 1-9999;
* booleans (``t="b"``: anything but ``0`` is true); ISO dates (``t="d"``);
* error cells (``#N/A``, ``#DIV/0!``, ...) as ``""``, as calamine gives them (calamine refuses the whole
  workbook for an error code it does not know, such as ``#SPILL!``; here every error code reads ``""``);
* empty cells as ``""``; a cell without a value does not widen the sheet, an error or an empty string does;
  cells without an ``r`` attribute are placed after the cell before them, rows without one after the row
  before them.

A workbook whose rows or cells are written out of order (a row after a later row, a cell inside another row's
element) is refused as damaged: Excel and every exporter write them in order, and a stream cannot go back.
The parser never loads a DTD, resolves entities or touches the network.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from typing import IO, Iterator

from lxml import etree

MAIN_NS: tuple[str, ...] = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                            "http://purl.oclc.org/ooxml/spreadsheetml/main")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
#: Number-format kinds: a plain number, a date/time, a duration.
OTHER, DATETIME, DURATION = 0, 1, 2
_BUILTIN: dict[str, int] = {**{str(i): DATETIME for i in (*range(14, 23), 45, 47)}, "46": DURATION}
_EPOCH = datetime(1899, 12, 30)
_DAY_MS = 86_400_000.0
_ESCAPE = re.compile(r"_x00(\+[0-9A-Fa-f]|[0-9A-Fa-f]{2})_")
_ISO_DATETIME = re.compile(r"([+-]?\d{4,})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_ISO_DATE = re.compile(r"([+-]?\d{4,})-(\d{2})-(\d{2})")
_ISO_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
#: a number as calamine's float parser reads it (Python's float() also takes spaces, "_" and non-ASCII digits)
_FLOAT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?"
                    r"|[nN][aA][nN])")


class SheetXMLError(ValueError):
    """The sheet XML cannot be read as calamine would read it (the caller names the file)."""


class _Empty:
    """A cell without a value: read as "" but, unlike an error or an empty string, it does not widen the sheet."""

    __slots__ = ()


EMPTY = _Empty()


def format_kind(code: str) -> int:
    """The kind of a custom number format code: DATETIME when it holds a date token (d m h y s, a/p after an
    ``a``) outside quotes, brackets and escapes in its first section; DURATION for ``[h]``, ``[mm]``, ``[s]``."""
    escaped = quoted = ap = hms = False
    brackets = 0
    prev = " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return OTHER
        elif ch == "[":
            brackets = min(brackets + 1, 255)
        elif ch == "]" and brackets == 1 and hms:
            return DURATION
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif ch in "aA" and not ap and brackets == 0:
            ap = True
        elif ch in "pm/PM" and ap and brackets == 0:
            return DATETIME
        elif ch in "dmhysDMHYS" and not ap and brackets == 0:
            return DATETIME
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return OTHER


def _local(tag: object) -> str | None:
    """Local name of an element of the SpreadsheetML namespaces (None for comments and other namespaces)."""
    if not isinstance(tag, str):
        return None
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return local if ns in MAIN_NS else None
    return tag


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def style_kinds(styles_xml: bytes | None) -> tuple[int, ...]:
    """Number-format kind of each cell style (``cellXfs/xf``, in order), from ``xl/styles.xml``."""
    if not styles_xml:
        return ()
    root = etree.fromstring(styles_xml, _parser())
    custom: dict[str, str] = {}
    kinds: list[int] = []
    for el in root:
        name = _local(el.tag)
        if name == "numFmts":
            for f in el:
                if _local(f.tag) == "numFmt" and f.get("numFmtId") is not None and f.get("formatCode") is not None:
                    custom[f.get("numFmtId")] = f.get("formatCode")
        elif name == "cellXfs":
            for xf in el:
                if _local(xf.tag) == "xf":
                    fid = xf.get("numFmtId")
                    kinds.append(OTHER if fid is None else
                                 format_kind(custom[fid]) if fid in custom else _BUILTIN.get(fid, OTHER))
    return tuple(kinds)


def date1904(workbook_xml: bytes) -> bool:
    """True when the workbook counts dates from 1904 (``workbookPr date1904="1"``)."""
    for el in etree.fromstring(workbook_xml, _parser()).iter():
        if _local(el.tag) == "workbookPr":
            return el.get("date1904") in ("1", "true")
    return False


def _unescape(text: str) -> str:
    """OOXML's ``_x00HH_`` escapes of control characters, decoded (two hex digits, as calamine reads them)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x00" in text else text


def rich_text(el: etree._Element) -> str:
    """The text of an ``si`` or ``is`` element: its ``t`` runs joined (phonetic ``rPh`` runs left out), each
    trimmed of ASCII white space unless it preserves space, then unescaped."""
    parts: list[str] = []
    for t in el.iter():
        if _local(t.tag) != "t":
            continue
        parent = t.getparent()
        if parent is not None and _local(parent.tag) == "rPh":
            continue
        value = t.text or "" if len(t) == 0 else "".join(t.itertext())
        if t.get(XML_SPACE) != "preserve":
            value = value.strip(" \t\r\n")
        parts.append(_unescape(value))
    return "".join(parts)


def shared_strings(source: IO[bytes] | None) -> list[str]:
    """The workbook's shared strings in order (``xl/sharedStrings.xml`` streamed, each string dropped once read)."""
    if source is None:
        return []
    out: list[str] = []
    tags = [f"{{{ns}}}si" for ns in MAIN_NS]
    for _, el in etree.iterparse(source, events=("end",), tag=tags, resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=True):
        out.append(rich_text(el))
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
    return out


def _round(x: float) -> int:
    """Rust's ``f64::round``: half away from zero (Python's round() is half to even)."""
    a = abs(x)
    r = math.floor(a)
    if a - r >= 0.5:
        r += 1
    return int(r) if x >= 0 else -int(r)


def excel_date(v: float, kind: int, is_1904: bool) -> object:
    """An Excel serial number under a date format, as python-calamine converts it (the float where it cannot)."""
    if not math.isfinite(v):
        if math.isnan(v) and kind == DATETIME:
            return _EPOCH  # calamine: NaN milliseconds become 0
        return v
    try:
        if kind == DURATION:
            return timedelta(milliseconds=_round(v * _DAY_MS))
        f = v + 1462.0 if is_1904 else v
        if f < 60.0:
            f += 1.0
        ms = _round(f * _DAY_MS)
        if v < 1.0:
            return (datetime.min + timedelta(milliseconds=ms % 86_400_000)).time()
        stamp = _EPOCH + timedelta(milliseconds=ms)
    except OverflowError:
        return v
    if v < 2.0 ** 64 and v == math.floor(v):
        return stamp.date()
    return stamp


def iso_value(text: str) -> object:
    """A ``t="d"`` cell: ISO datetime (with ``T``), time (with ``:``) or date; the text where none parses."""
    try:
        if "T" in text:
            m = _ISO_DATETIME.fullmatch(text)
            if m:
                frac = (m.group(7) or "").ljust(6, "0")[:6]
                return datetime(*(int(g) for g in m.groups()[:6]), int(frac))
        elif ":" in text:
            m = _ISO_TIME.fullmatch(text)
            if m:
                frac = (m.group(4) or "").ljust(6, "0")[:6]
                return time(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(frac))
        else:
            m = _ISO_DATE.fullmatch(text)
            if m:
                return date(*(int(g) for g in m.groups()))
    except ValueError:
        pass
    return text


def column_number(letters: str) -> int:
    """0-based index of Excel column letters (``A`` -> 0, ``AA`` -> 26); -1 for anything else."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            return -1
        n = n * 26 + ord(ch) - 64
    return n - 1


class SheetCells:
    """One sheet's cells as rows, typed as calamine types them (see the module docs).

    ``rows()`` yields ``(row index from 0, values)`` for each row holding at least one cell with a value, in
    order; ``values`` runs from column A to the row's last such cell, "" where nothing is."""

    def __init__(self, strings: list[str], kinds: tuple[int, ...], is_1904: bool) -> None:
        self.strings, self.kinds, self.is_1904 = strings, kinds, is_1904
        self._style: dict[str | None, int | None] = {None: OTHER}
        self._columns: dict[str, int] = {}

    def _kind(self, style: str | None) -> int | None:
        """Number-format kind of a cell's style attribute (calamine: unreadable -> style 0; unknown -> none)."""
        found = self._style.get(style, -1)
        if found != -1:
            return found
        idx = int(style) if style.isascii() and style.isdigit() and len(style) < 19 else 0
        kind = self.kinds[idx] if idx < len(self.kinds) else None
        self._style[style] = kind
        return kind

    def _position(self, ref: str) -> tuple[int, int]:
        """(row, column) from 0 of a cell reference such as ``B12`` (its column letters remembered)."""
        letters = ref.rstrip("0123456789")
        digits = ref[len(letters):]
        col = column_number(letters)
        if col < 0 or not digits or not digits.isascii():
            raise SheetXMLError(f"a cell has the reference {ref!r}, which is no cell")
        self._columns[letters] = col
        return int(digits) - 1, col

    def value(self, cell: etree._Element, child: etree._Element) -> object:
        """The value one child of a ``c`` element gives the cell (the last child's value is the cell's)."""
        name = _local(child.tag)
        t = cell.get("t")
        if name == "v":
            if t in ("inlineStr", "is"):
                return EMPTY
            text = child.text if len(child) == 0 else "".join(child.itertext())
            if t is None or t == "n":
                if not text:
                    return EMPTY
                if not _FLOAT.fullmatch(text):
                    if t is None:
                        return text
                    raise SheetXMLError(f"a number cell holds {text[:40]!r}, which is no number")
                number = float(text)
                kind = self._kind(cell.get("s"))
                return number if kind == OTHER or kind is None else excel_date(number, kind, self.is_1904)
            if t == "s":
                if not text:
                    return EMPTY
                idx = int(text) if text.isascii() and text.isdigit() else 0
                if idx >= len(self.strings):
                    raise SheetXMLError(f"a cell points at shared string {idx}, but the workbook has "
                                        f"{len(self.strings)}")
                return self.strings[idx]
            if t == "str":
                return text or ""
            if t == "b":
                return EMPTY if not text else text != "0"
            if t == "e":
                return EMPTY if not text else ""
            if t == "d":
                return iso_value(text or "")
            raise SheetXMLError(f"a cell has the unknown type t={t!r}")
        if name == "is":
            return rich_text(child)
        if name == "f":
            return EMPTY
        if name is None:  # another namespace (an extension) or a comment
            return None
        raise SheetXMLError(f"a cell holds an element <{name}> where a value belongs")

    def rows(self, source: IO[bytes]) -> Iterator[tuple[int, list]]:
        """Rows of the sheet XML ``source`` holding a value, as ``(index from 0, values from column A)``.

        The loop over cells is the reader's hot path (one pass per cell of the sheet): the common cell, a
        ``c`` with one ``v`` child holding a number or a shared-string index, is typed inline; every other
        shape goes through :meth:`value`."""
        tags = [f"{{{ns}}}{name}" for ns in MAIN_NS for name in ("row", "sheetData")]
        cell_tags = frozenset(f"{{{ns}}}c" for ns in MAIN_NS)
        v_tags = frozenset(f"{{{ns}}}v" for ns in MAIN_NS)
        styles, columns, strings, n_strings = self._style, self._columns, self.strings, len(self.strings)
        is_number, value, position, kind_of = _FLOAT.fullmatch, self.value, self._position, self._kind
        row_index = 0
        last = -1
        for _, row in etree.iterparse(source, events=("end",), tag=tags, resolve_entities=False,
                                      no_network=True, load_dtd=False, remove_comments=True, remove_pis=True,
                                      huge_tree=True):
            if _local(row.tag) == "sheetData":
                return
            ref = row.get("r")
            if ref is not None:
                if not (ref.isascii() and ref.isdigit()):
                    raise SheetXMLError(f"a row has the number {ref!r}, which is no row number")
                row_index = int(ref) - 1
            number_text = str(row_index + 1)
            cut = -len(number_text)
            out: list = []
            col = 0
            for cell in row:
                if cell.tag not in cell_tags:
                    if _local(cell.tag) == "c":  # a prefix-less cell in a prefixed sheet
                        raise SheetXMLError("a cell is written outside the sheet's namespace")
                    continue
                ref = cell.get("r")
                at = row_index
                if ref:
                    found = columns.get(ref[:cut]) if ref.endswith(number_text) else None
                    if found is None:
                        at, col = position(ref)
                    else:
                        col = found
                got: object = EMPTY
                t = cell.get("t")
                child = cell[0] if len(cell) == 1 else None
                if child is not None and (t is None or t == "s" or t == "n") and child.tag in v_tags:
                    text = child.text
                    if not text or len(child):
                        got = value(cell, child)
                    elif t == "s":
                        idx = int(text) if text.isascii() and text.isdigit() else 0
                        got = strings[idx] if idx < n_strings else value(cell, child)
                    elif is_number(text):
                        style = cell.get("s")
                        kind = styles.get(style, -1)
                        if kind == -1:
                            kind = kind_of(style)
                        got = float(text) if kind == OTHER or kind is None else excel_date(
                            float(text), kind, self.is_1904)
                    else:
                        got = value(cell, child)
                else:
                    for child in cell:
                        found_value = value(cell, child)
                        if found_value is not None:
                            got = found_value
                if got is not EMPTY:
                    if at != row_index:
                        raise SheetXMLError(f"cell {ref} is written inside row {row_index + 1}; a cell belongs "
                                            "in its own row")
                    if col == len(out):
                        out.append(got)
                    elif col > len(out):
                        out.extend([""] * (col - len(out)))
                        out.append(got)
                    else:
                        out[col] = got
                col += 1
            if out:
                if row_index <= last:
                    raise SheetXMLError(f"row {row_index + 1} is written after row {last + 1}; rows belong in "
                                        "order")
                last = row_index
                yield row_index, out
            row_index += 1
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]


def grid(rows: Iterator[tuple[int, list]]) -> list[list]:
    """Rows as python-calamine's ``to_python(skip_empty_area=False)`` gives them: from row 1 and column A to
    the last row and column holding a value, "" where nothing is (for small sheets and for tests)."""
    found = list(rows)
    width = max((len(values) for _, values in found), default=0)
    out: list[list] = []
    for index, values in found:
        out.extend([""] * width for _ in range(index - len(out)))
        out.append(values + [""] * (width - len(values)))
    return out

"""What a workbook's XML says beyond cell values, read with a namespace-aware streaming parser (lxml).

SpreadsheetML may be written with any namespace prefix (``<row>`` or ``<x:row>``, both valid OOXML) and in
the transitional or the strict namespace; elements and attributes are matched by namespace and local
name, never by how their tags are spelled. The head of a sheet (up to ``sheetData``) is parsed to learn
the dimension, the hidden columns and how the sheet spells its tags (``<row>`` or ``<x:row>``). Most
sheets hold no formula, hidden row or merged range: a byte search for those tags as spelled decides
whether more is needed, so a plain sheet costs one pass of substring tests. When a mark is found, only the
rows (and the merged-range list) that hold one are parsed, each as a small document carrying the sheet's
namespace declarations; should a marked row not carry its number, the whole sheet is streamed with
``iterparse`` instead, each row dropped once read. Memory stays bounded by one block of the stream. The
parser never loads a DTD, resolves entities or touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Callable, Iterator

from lxml import etree

MAIN_NS: frozenset[str] = frozenset({"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                     "http://purl.oclc.org/ooxml/spreadsheetml/main"})
REL_NS: frozenset[str] = frozenset({"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                    "http://purl.oclc.org/ooxml/officeDocument/relationships"})
#: Marks of a formula, a hidden row or column, or a merged range, in any namespace prefix, for a sheet whose
#: prefix is unknown (a match in text is harmless: it only costs the full parse).
NEEDLES: tuple[bytes, ...] = (b"hidden=", b"<f>", b"<f ", b":f>", b":f ", b"mergeCell")
BLOCK = 16 << 20


def needles(prefix: str | None) -> tuple[bytes, ...]:
    """The marks to search for in a sheet whose elements carry ``prefix`` ("" for the default namespace)."""
    if prefix is None:
        return NEEDLES
    tag = b"<" + (prefix.encode() + b":" if prefix else b"")
    return b"hidden=", tag + b"f>", tag + b"f ", tag + b"mergeCell"


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


def _split_ref(ref: str) -> tuple[int, int]:
    """(row, 0-based column) of a cell reference ``B12``."""
    letters = ref.rstrip("0123456789")
    return int(ref[len(letters):]), column_index(letters.upper())


def _name(tag: object) -> str | None:
    """The local name of a SpreadsheetML element, None for other namespaces (comments, extensions)."""
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    ns, _, local = tag[1:].partition("}")
    return local if ns in MAIN_NS else None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _iterparse(source: IO[bytes], events: tuple[str, ...], *names: str) -> Iterator[tuple[str, etree._Element]]:
    tags = [f"{{{ns}}}{name}" for ns in MAIN_NS for name in names]
    return etree.iterparse(source, events=events, tag=tags, resolve_entities=False, no_network=True,
                           load_dtd=False, remove_comments=True)


def sheet_list(workbook_xml: bytes) -> list[tuple[str, bool]]:
    """Every sheet of ``xl/workbook.xml`` in order: (name, visible), hidden and very hidden sheets not visible."""
    return [(el.get("name"), el.get("state") in (None, "visible"))
            for el in etree.fromstring(workbook_xml, _parser()).iter()
            if _name(el.tag) == "sheet" and el.get("name") is not None]


def sheet_targets(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Sheet name -> path of its XML inside the zip, from ``xl/workbook.xml`` and its relationships."""
    targets: dict[str, str] = {}
    for rel in etree.fromstring(rels_xml, _parser()).iter():
        if isinstance(rel.tag, str) and etree.QName(rel).localname == "Relationship":
            if rel.get("Id") is not None and rel.get("Target") is not None:
                targets[rel.get("Id")] = rel.get("Target")
    out: dict[str, str] = {}
    for sheet in etree.fromstring(workbook_xml, _parser()).iter():
        if _name(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.startswith("{") and k[1:].partition("}")[0] in REL_NS
                    and k.endswith("}id")), None)
        target = targets.get(rid) if rid else None
        if target is None or sheet.get("name") is None:
            continue
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def _head(source: IO[bytes]) -> tuple[int | None, list[tuple[int, int]], str | None, dict[str | None, str]]:
    """The dimension's last row, the hidden column ranges (what comes before ``sheetData``), the namespace
    prefix the sheet's elements are written with ("" for none; None when there is no ``sheetData``) and the
    namespaces declared where the rows are."""
    rows: int | None = None
    hidden: list[tuple[int, int]] = []
    for _, el in _iterparse(source, ("start",), "dimension", "col", "sheetData"):
        name = _name(el.tag)
        if name == "sheetData":
            return rows, hidden, el.prefix or "", dict(el.nsmap)
        if name == "dimension":
            last = (el.get("ref") or "").rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$")
            rows = int(last) if last.isdigit() else None
        elif name == "col" and el.get("hidden") in ("1", "true") and el.get("min") and el.get("max"):
            hidden.append((int(el.get("min")) - 1, int(el.get("max")) - 1))
    return rows, hidden, None, {}


def _marked(source: IO[bytes], marks: tuple[bytes, ...], block: int, overlap: int) -> bool:
    """True when the sheet XML holds one of ``marks`` (of a formula, a hidden row, a merged range)."""
    tail = b""
    while True:
        chunk = source.read(block)
        if not chunk:
            return False
        seam = tail + chunk[:overlap]
        if any(needle in chunk or needle in seam for needle in marks):
            return True
        tail = chunk[-overlap:]


def _cell_position(cell: etree._Element, row: int) -> tuple[int, int]:
    """(row, 0-based column) of a ``c`` element, counting from the previous cell when it has no reference."""
    steps = 0
    node: etree._Element | None = cell
    while node is not None:
        ref = node.get("r")
        if ref:
            r, c = _split_ref(ref)
            return (r if node is cell else row), c + steps
        steps += 1
        node = node.getprevious()
    return row, steps - 1


def _body(source: IO[bytes]) -> tuple[set[int], dict[tuple[int, int], str], dict[str, tuple[int, int, int, int, str]]]:
    """Hidden rows, formula cells and merged ranges of the whole sheet, one row in memory at a time."""
    hidden: set[int] = set()
    formulas: dict[tuple[int, int], str] = {}
    merged: dict[str, tuple[int, int, int, int, str]] = {}
    row = 0
    for event, el in _iterparse(source, ("start", "end"), "row", "f", "mergeCell"):
        name = _name(el.tag)
        if name == "row":
            if event == "start":
                row = int(el.get("r")) if (el.get("r") or "").isdigit() else row + 1
                if el.get("hidden") in ("1", "true"):
                    hidden.add(row)
            else:
                el.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
        elif name == "f" and event == "end":
            cell = el.getparent()
            if cell is not None and _name(cell.tag) == "c":
                formulas.setdefault(_cell_position(cell, row), el.text or "")
        elif name == "mergeCell" and event == "start" and ":" in (el.get("ref") or ""):
            first, _, last = el.get("ref").partition(":")
            (r1, c1), (r2, c2) = _split_ref(first), _split_ref(last)
            merged[f"{first}:{last}"] = (r1, c1, r2, c2, f"{first}:{last}")
    return hidden, formulas, merged


_Found = tuple[set[int], dict[tuple[int, int], str], dict[str, tuple[int, int, int, int, str]]]


def _pieces(source: IO[bytes], prefix: str, nsmap: dict[str | None, str], marks: tuple[bytes, ...],
            block: int) -> _Found | None:
    """Hidden rows, formulas and merged ranges, parsing only the rows (and the merged-range list) that hold a
    mark, each as a small document with the sheet's namespace declarations; the rest of the sheet is only
    searched. None when a marked row does not carry its number (then only the whole sheet tells it)."""
    p = prefix.encode() + b":" if prefix else b""
    opening = b"<" + p + b"row"
    close = b"</" + p + b"row>"
    declared = b"".join(b" xmlns" + (b":" + k.encode() if k else b"") + b'="' + v.encode() + b'"'
                        for k, v in nsmap.items())
    hidden: set[int] = set()
    formulas: dict[tuple[int, int], str] = {}
    merged: dict[str, tuple[int, int, int, int, str]] = {}

    def row_start(buf: bytes, end: int) -> int:
        """Where the last row start tag before ``end`` begins (-1: none); ``<rowBreaks`` is no row."""
        pos = buf.rfind(opening, 0, end)
        while pos >= 0 and buf[pos + len(opening):pos + len(opening) + 1] not in (b" ", b">", b"/", b"\n", b"\t",
                                                                                   b"\r"):
            pos = buf.rfind(opening, 0, pos)
        return pos

    def parse(fragment: bytes) -> etree._Element:
        return etree.fromstring(b"<w" + declared + b">" + fragment + b"</w>", _parser())[0]

    def rows_in(buf: bytes, limit: int) -> bool:
        """Read the marked rows of ``buf[:limit]`` (complete rows only); False when one has no number."""
        spans: set[tuple[int, int]] = set()
        for mark in marks:
            pos = buf.find(mark, 0, limit)
            if mark.endswith(b"mergeCell"):  # one list of merged ranges, after the rows
                if pos >= 0 and not merged:
                    first = buf.rfind(b"<" + p + b"mergeCells", 0, pos + len(mark) + 1)
                    last = buf.find(b"</" + p + b"mergeCells>", pos, limit)
                    if first < 0 or last < 0:
                        return False
                    for el in parse(buf[first:last + len(p) + 13]).iter():
                        if _name(el.tag) == "mergeCell" and ":" in (el.get("ref") or ""):
                            a, _, b = el.get("ref").partition(":")
                            (r1, c1), (r2, c2) = _split_ref(a), _split_ref(b)
                            merged[f"{a}:{b}"] = (r1, c1, r2, c2, f"{a}:{b}")
                continue
            while pos >= 0:
                start = row_start(buf, pos + 1)
                gt = buf.find(b">", start, limit)
                end = gt + 1 if buf[gt - 1:gt] == b"/" else buf.find(close, start, limit) + len(close)
                if start >= 0 and start <= pos < end:
                    spans.add((start, end))
                    pos = buf.find(mark, end, limit)  # the row is taken: on to the next one
                else:
                    pos = buf.find(mark, pos + 1, limit)
        for start, end in sorted(spans):
            row = parse(buf[start:end])
            if not (row.get("r") or "").isdigit():
                return False
            number = int(row.get("r"))
            if row.get("hidden") in ("1", "true"):
                hidden.add(number)
            for el in row.iter():
                if _name(el.tag) == "f" and el.getparent() is not None:
                    formulas.setdefault(_cell_position(el.getparent(), number), el.text or "")
        return True

    buf = b""
    while True:
        chunk = source.read(block)
        buf = buf + chunk if buf else chunk
        # complete rows: everything before the last row start seen (all of it at the end of the stream)
        limit = row_start(buf, len(buf)) if chunk else len(buf)
        if chunk and limit <= 0:
            continue
        if any(buf.find(mark, 0, limit) >= 0 for mark in marks) and not rows_in(buf, limit):
            return None
        if not chunk:
            return hidden, formulas, merged
        buf = buf[limit:]


def scan_sheet(open_member: Callable[[], IO[bytes]], *, block: int = BLOCK, overlap: int = 1 << 16) -> SheetScan:
    """Formula cells, hidden rows and columns, merged ranges and the claimed dimension of one sheet's XML.

    ``open_member`` opens the sheet's XML stream afresh: the head, then one pass that searches each block
    for the tags as the head's parse found them spelled (``<f>`` or ``<x:f>``: one prefix for the main
    namespace, as every writer uses) and parses the marked rows it finds; the whole sheet is parsed only
    when a marked row has no number. Raises ``etree.XMLSyntaxError`` and the zip module's errors for damaged
    content; the caller names the file.
    """
    with open_member() as fh:
        rows, hidden_cols, prefix, nsmap = _head(fh)
    found: _Found | None = (set(), {}, {})
    if prefix is not None:  # one pass: searched block by block, marked rows parsed where found
        with open_member() as fh:
            found = _pieces(fh, prefix, nsmap, needles(prefix), block)
    else:
        with open_member() as fh:
            if _marked(fh, NEEDLES, block, overlap):
                found = None
    if found is None:
        with open_member() as fh:
            found = _body(fh)
    hidden, formulas, merged = found
    return SheetScan(rows, frozenset(hidden), tuple((r, c, f) for (r, c), f in sorted(formulas.items())),
                     tuple(merged.values()), tuple(sorted(set(hidden_cols))))

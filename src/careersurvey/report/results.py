"""What an analysis hands to the report: tables, figures and findings as plain values.

One result object serves every output (like statsmodels' ``Summary``): the analysis scripts build it, the
HTML report renders it, ``write`` saves its tables as one .xlsx and its figures as PNG files. Figures are
kept as PNG bytes, so a result is immutable, cheap to pass around and embeds directly as base64.
"""

from __future__ import annotations

import base64
import io
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Sequence

import pandas as pd

__all__ = ["Table", "Figure", "AnalysisResult", "figure_png", "write_tables"]


@dataclass(frozen=True)
class Table:
    """A titled table. ``frame`` holds the numbers (an estimate frame: ``n, estimate, se, ci_low, ci_high, deff``
    ..., or any table); the page and the workbook show it as :func:`careersurvey.report.layout.layout` lays it
    out: columns named in the report's language, shares as percentages with ``pct_digits`` decimals, other
    numbers with ``digits``, reliability flags and their rule in a footnote.

    ``percent``: the estimates are shares (None: as the estimator said); ``percent_columns``: other columns of
    shares (e.g. a response rate); ``labels``: headings of columns (and of the row labels, by the index's name)
    in the table's language; ``stub``: the heading of the row labels; ``flag``: apply the reliability rule;
    ``notes``: footnotes of the table's own (e.g. a model's reference categories and fit), shown first."""

    name: str
    title: str
    frame: pd.DataFrame
    caption: str = ""
    digits: int = 3
    percent: bool | None = None
    percent_columns: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    stub: str = ""
    pct_digits: int = 1
    flag: bool = True
    show_df: bool = False
    notes: tuple[str, ...] = ()

    def layout(self, lang: str = "en"):
        """The table as published (:class:`careersurvey.report.layout.Layout`)."""
        from careersurvey.report.layout import layout

        return layout(self, lang)

    def html(self, lang: str = "en") -> str:
        """The table as an HTML fragment: one header row, escaped text, numbers right-aligned, text left, a
        reliability mark beside a flagged estimate, the footnotes below; rows never split across pages."""
        lay = self.layout(lang)
        table_id = f"t-{re.sub(r'[^A-Za-z0-9_-]', '-', self.name)}-{zlib.crc32(self.title.encode()):08x}"
        head = [f'<th scope="col" class="stub">{escape(h)}</th>' for h in lay.stub]
        head += [f'<th scope="col" class="{_css(c.kind)}">{escape(c.label)}</th>' for c in lay.columns]
        mark_at = next((j for j, c in enumerate(lay.columns) if c.key == "estimate"), 0)
        body = []
        for i, labels in enumerate(lay.rows):
            cells = [f'<th scope="row">{escape(v)}</th>' for v in labels]
            for j, c in enumerate(lay.columns):
                mark = lay.marks[i] if j == mark_at else ""
                sup = f'<sup class="flag">{escape(mark)}</sup>' if mark else ""
                cells.append(f'<td class="{_css(c.kind)}">{escape(c.cell(i))}{sup}</td>')
            body.append("<tr>" + "".join(cells) + "</tr>")
        notes = "".join(f'<p class="tnote">{escape(n)}</p>' for n in lay.notes)
        return (f'<table class="data" id="{table_id}"><thead><tr>{"".join(head)}</tr></thead>\n<tbody>\n'
                + "\n".join(body) + f"\n</tbody></table>\n{notes}")


def _css(kind: str) -> str:
    return "text" if kind == "text" else "num"


@dataclass(frozen=True)
class Figure:
    """A titled figure as PNG bytes."""

    name: str
    title: str
    png: bytes
    caption: str = ""

    @property
    def data_uri(self) -> str:
        """The PNG as a data: URI, for embedding in the self-contained page."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one analysis found: ``key`` (e.g. "RQ2"), its question, tables, figures, findings in
    words and the methods it used, in words."""

    key: str
    title: str
    question: str
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    findings: tuple[str, ...] = ()
    methods: str = ""
    facts: dict = field(default_factory=dict)

    def write(self, out: str | Path, lang: str = "en") -> list[Path]:
        """Save ``<key>.xlsx`` (one sheet per table, headings and notes in ``lang``) and ``<key>_<figure>.png``
        into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [write_tables(self.tables, out / f"{self.key}.xlsx", lang)] if self.tables else []
        for f in self.figures:
            p = out / f"{self.key}_{f.name}.png"
            p.write_bytes(f.png)
            paths.append(p)
        return paths


def figure_png(fig, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it (the Agg backend; no display needed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _sheet(name: str, taken: set[str]) -> str:
    """An Excel-safe, unique (case-insensitive) sheet name of at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
    s, i = base, 1
    while s.lower() in taken:
        i += 1
        s = f"{base[:28]}_{i}"
    taken.add(s.lower())
    return s


#: Excel number formats of the layout's column kinds (percentages are written as 0-100, as the page shows them).
_XLSX_FORMATS = {"int": "#,##0", "plain": "0", "p": '[<0.001]"<0.001";0.000'}


def _number_format(kind: str, digits: int) -> str:
    if kind in _XLSX_FORMATS:
        return _XLSX_FORMATS[kind]
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def write_tables(tables: Sequence[Table], path: str | Path, lang: str = "en",
                 sections: Sequence[str] | None = None) -> Path:
    """All tables into one workbook as the report lays them out (:meth:`Table.layout`): a contents sheet
    (sheet, section, title, with links), then one sheet per table: title, caption, one header row of labels,
    numbers as numbers with the page's formats (percentages 0-100 with their decimals, the interval as lower and
    upper columns), the reliability mark in its own column and the footnotes below."""
    from careersurvey.report.i18n import text

    path = Path(path)
    taken: set[str] = {text("xlsx.contents", lang).lower()}
    sections = list(sections) if sections is not None else [""] * len(tables)
    # strings are never formulas: a cell text such as "=1+1" from a respondent stays text
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
    head_num = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom", "align": "right"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    note = wb.add_format({"italic": True, "font_color": "#555555"})
    link = wb.add_format({"font_color": "blue", "underline": 1})
    formats: dict[str, object] = {}
    contents = wb.add_worksheet(text("xlsx.contents", lang))
    contents.write_row(0, 0, [text("xlsx.sheet", lang), text("xlsx.section", lang), text("xlsx.title", lang)], head)
    contents.set_column(0, 0, 24)
    contents.set_column(1, 1, 28)
    contents.set_column(2, 2, 90)
    for k, (t, section) in enumerate(zip(tables, sections), start=1):
        sheet = _sheet(t.name, taken)
        contents.write_url(k, 0, f"internal:'{sheet}'!A1", link, sheet)
        contents.write(k, 1, section)
        contents.write(k, 2, t.title)
        ws = wb.add_worksheet(sheet)
        lay = t.layout(lang)
        ws.write(0, 0, t.title, bold)
        if t.caption:
            ws.write(1, 0, t.caption)
        header_row = 3
        col = 0
        for j, h in enumerate(lay.stub):
            ws.write(header_row, col, h, head)
            ws.write_column(header_row + 1, col, [r[j] for r in lay.rows], wrap)
            ws.set_column(col, col, min(60, max([len(h)] + [len(r[j]) for r in lay.rows]) + 2))
            col += 1
        for c in lay.columns:
            parts = ([(text("col.ci_low", lang), 0), (text("col.ci_high", lang), 1)] if c.kind == "ci"
                     else [(c.label, None)])
            for label, side in parts:
                ws.write(header_row, col, label, head if c.kind == "text" else head_num)
                if c.kind == "text":
                    ws.write_column(header_row + 1, col, ["" if pd.isna(v) else str(v) for v in c.values], wrap)
                    ws.set_column(col, col, min(60, max([len(label)] + [len(str(v)) for v in c.values]) + 2))
                else:
                    kind, digits, scale = c.kind, c.digits, 1.0
                    if c.kind == "ci":
                        kind, digits, scale = "num", abs(c.digits), (100.0 if c.digits < 0 else 1.0)
                    elif c.kind == "pct":
                        scale = 100.0
                    key = _number_format(kind, digits)
                    fmt = formats.setdefault(key, wb.add_format({"num_format": key}))
                    values = [v[side] if side is not None else v for v in c.values]
                    for i, v in enumerate(values):
                        if isinstance(v, str):
                            ws.write_string(header_row + 1 + i, col, v)
                        elif v is None or pd.isna(v):
                            ws.write_blank(header_row + 1 + i, col, None)
                        else:
                            ws.write_number(header_row + 1 + i, col, float(v) * scale, fmt)
                    ws.set_column(col, col, max(10, len(label) + 2))
                col += 1
        if any(lay.marks):
            ws.write(header_row, col, lay.mark_column, head)
            ws.write_column(header_row + 1, col, list(lay.marks))
        ws.freeze_panes(header_row + 1, len(lay.stub))
        for i, n in enumerate(lay.notes):
            ws.write(header_row + 2 + len(lay.rows) + i, 0, n, note)
    wb.close()
    return path

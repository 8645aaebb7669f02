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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["Table", "Figure", "AnalysisResult", "figure_png", "write_tables"]


@dataclass(frozen=True)
class Table:
    """A titled table; ``frame`` is shown with ``digits`` decimals."""

    name: str
    title: str
    frame: pd.DataFrame
    caption: str = ""
    digits: int = 3

    def html(self) -> str:
        """The table as an HTML fragment: escaped cell text, numbers right-aligned, text columns left."""
        fmt = f"{{:,.{self.digits}f}}".format
        frame = self.frame
        if "p_value" in frame.columns:  # p-values: "<0.001" rather than a row of zeros
            frame = frame.copy()
            frame["p_value"] = [("–" if pd.isna(p) else "<0.001" if p < 0.001 else f"{p:.3f}")
                                for p in frame["p_value"]]
        table_id = f"t-{re.sub(r'[^A-Za-z0-9_-]', '-', self.name)}-{zlib.crc32(self.title.encode()):08x}"
        html = frame.to_html(classes="data", border=0, float_format=fmt, na_rep="–", escape=True,
                             table_id=table_id)
        text = [j for j, c in enumerate(frame.columns)
                if not pd.api.types.is_numeric_dtype(frame[c]) and c != "p_value"]
        if text and frame.index.nlevels == 1:  # text columns read better left-aligned
            rules = ", ".join(f"#{table_id} td:nth-child({j + 2})" for j in text)
            html = f"<style>{rules} {{ text-align: left; }}</style>\n" + html
        return html


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

    def write(self, out: str | Path) -> list[Path]:
        """Save ``<key>.xlsx`` (one sheet per table) and ``<key>_<figure>.png`` into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [write_tables(self.tables, out / f"{self.key}.xlsx")] if self.tables else []
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


def write_tables(tables: tuple[Table, ...] | list[Table], path: str | Path) -> Path:
    """All tables into one workbook, one sheet each (title in row 1, the table from row 3)."""
    path = Path(path)
    taken: set[str] = set()
    # strings are never formulas: a cell text such as "=1+1" from a respondent stays text
    with pd.ExcelWriter(path, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        for t in tables:
            sheet = _sheet(t.name, taken)
            frame = t.frame.copy()
            if isinstance(frame.columns, pd.MultiIndex):
                frame.columns = [" / ".join(map(str, c)) for c in frame.columns]
            frame.to_excel(xw, sheet_name=sheet, startrow=2)
            ws = xw.sheets[sheet]
            ws.write(0, 0, t.title)
            if t.caption:
                ws.write(1, 0, t.caption)
    return path

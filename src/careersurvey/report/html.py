"""Render report sections to one self-contained HTML file (jinja2; figures inline as base64 PNG).

The page needs nothing from outside: no scripts, fonts or images are fetched, so it opens the same on a
laptop without network, in a mail attachment or archived next to the data.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import jinja2

from careersurvey.report.results import AnalysisResult, Figure, Table

__all__ = ["Section", "section_from_result", "render_html"]


@dataclass(frozen=True)
class Section:
    """One section of the report: headline numbers (``kpis`` as (label, value)), paragraphs, findings,
    figures and tables, and the methods in words."""

    id: str
    title: str
    nav: str = ""
    question: str = ""
    kpis: tuple[tuple[str, str], ...] = ()
    text: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    methods: str = ""


def section_from_result(result: AnalysisResult) -> Section:
    """The report section of one research question's analysis."""
    return Section(
        id=result.key.lower(), title=f"{result.key}. {result.title}", nav=result.key, question=result.question,
        findings=result.findings, figures=result.figures, tables=result.tables, methods=result.methods,
    )


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("careersurvey.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)


def render_html(
    sections: Iterable[Section], *, title: str, subtitle: str = "", questionnaire: str = "",
    warnings: Iterable[str] = (), lang: str = "en", generated: str | None = None,
) -> str:
    """The report page as a string (every text escaped; tables are rendered by ``Table.html``)."""
    from careersurvey import __version__
    from careersurvey.report.i18n import check_lang, text

    check_lang(lang)

    secs = [
        {"id": s.id, "nav": s.nav or s.title, "title": s.title, "question": s.question,
         "kpis": [{"label": k, "value": v} for k, v in s.kpis], "text": list(s.text),
         "findings": list(s.findings), "figures": list(s.figures), "tables": list(s.tables),
         "methods": s.methods}
        for s in sections
    ]
    return _ENV.get_template("report.html.j2").render(
        title=title, subtitle=subtitle, questionnaire=questionnaire, sections=secs, warnings=list(warnings),
        lang=lang, version=__version__, t=lambda key, **values: text(key, lang, **values),
        generated=generated or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_html(path: str | Path, html: str) -> Path:
    """Write the page as UTF-8 and return its path."""
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path

"""Build the survey report of any questionnaire from a response store: generic sections and plug-in analyses.

The generic sections come from the questionnaire and the declared design alone (fieldwork and import,
weighting, scale reliability, methods); a program's research questions are plug-ins (``report.plugins``:
modules named on the command line, in the design file or registered as entry points), each run on its study
and rendered as one section. Everything goes into one self-contained ``report.html`` plus one
``report_tables.xlsx``. A failing plug-in does not sink the report: its section is marked as failed and names
the file and line in the plug-in's code where it failed.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from careersurvey.report import generic
from careersurvey.report.html import render_html, section_from_result, write_html
from careersurvey.report.i18n import check_lang, label_in, text
from careersurvey.report.plugins import Plugin, PluginFailure, failure, find_plugins
from careersurvey.report.results import AnalysisResult, Table, write_tables
from careersurvey.report.waves import waves_section
from careersurvey.report.sections import (
    failed_section, import_section, methods_section, overview_section, plugin_status, reliability_section,
    unweighted_section, weighting_section,
)

__all__ = ["ReportFiles", "ReportError", "PluginRun", "build_report", "run_plugins", "targets_path"]


class ReportError(RuntimeError):
    """The report cannot be built (empty store); the message says what to do."""


@dataclass(frozen=True)
class ReportFiles:
    """What ``build_report`` wrote, the plug-ins' results by key (for checks and the command line) and the
    failed plug-ins' messages by key (file and line of the failure included)."""

    html: Path
    tables: Path
    results: dict[str, AnalysisResult]
    errors: dict[str, str]


def targets_path(name: str | None) -> str | None:
    """A targets id or file as a file path (``careersurvey.targets.find_targets``), None for no targets."""
    if name is None:
        return None
    from careersurvey.targets import find_targets

    return str(find_targets(name))


@dataclass(frozen=True)
class PluginRun:
    """What running the plug-ins gave: results and failures by key, those left out (written for another
    questionnaire) and the contents table that lists every one."""

    results: dict[str, AnalysisResult]
    failures: dict[str, PluginFailure]
    left_out: tuple[Plugin, ...]
    contents: Table | None


def run_plugins(plugins: Sequence[Plugin], failed: Sequence[PluginFailure], store, design, holds: str,
                generic: Callable[[], object], say: Callable[[str], object] = lambda s: None,
                lang: str = "en") -> PluginRun:
    """Run each plug-in written for ``holds`` (the store's questionnaire) on its study: ``load_study(store,
    design)`` when it has one, else ``generic()`` (each built once); a ``run`` that takes ``lang`` is told the
    report's language. A failure in a study or in ``run`` is kept as a :class:`PluginFailure` naming the
    plug-in's file and line, and the next plug-in runs."""
    results: dict[str, AnalysisResult] = {}
    failures = {f.key: f for f in failed}
    studies: dict[Callable | None, object] = {}
    rows = [{"key": f.key, "analysis": f.module, "module": f.module,
             "status": plugin_status("failed", lang, message=f.message)} for f in failed]
    left = tuple(p for p in plugins if not p.applies_to(holds))
    for p in plugins:
        row = {"key": p.key, "analysis": p.title, "module": p.module}
        if p in left:
            rows.append({**row, "status": plugin_status("left_out", lang, written=p.questionnaire)})
            continue
        say(f"analysis {p.key}")
        try:
            if p.load_study not in studies:
                studies[p.load_study] = generic() if p.load_study is None else p.load_study(store, design)
            study = studies[p.load_study]
            res = p.run(study, lang=lang) if "lang" in inspect.signature(p.run).parameters else p.run(study)
            if not isinstance(res, AnalysisResult):
                raise TypeError(f"run() returned a {type(res).__name__}, not a careersurvey.AnalysisResult")
        except Exception as exc:  # one failing plug-in must not lose the rest of the report
            failures[p.key] = failure(p.key, p.module, exc, p.file)
            rows.append({**row, "status": plugin_status("failed", lang, message=failures[p.key].message)})
            continue
        results[p.key] = res
        rows.append({**row, "analysis": res.title or p.title, "status": plugin_status("ran", lang)})  # in lang
    contents = None
    if rows:
        frame = pd.DataFrame(rows).set_index("key")
        contents = Table("plugins", text("plugins.title", lang), frame, text("plugins.caption", lang), 0)
    return PluginRun(results, failures, left, contents)


def build_report(
    store: str | os.PathLike[str], out: str | os.PathLike[str], *, design=None, plugins: Sequence[str] = (),
    by: Sequence[str] = (), entry_points: bool = True, progress: Callable[[str], None] | None = None,
    title: str | None = None, lang: str = "en", fieldwork=None, trend: Sequence[str] = (),
) -> ReportFiles:
    """Write ``report.html`` (self-contained) and ``report_tables.xlsx`` into ``out``; also each plug-in's own
    workbook and figures under ``out/analysis``.

    ``design``: a design file (path or :class:`~careersurvey.DesignFile`) declaring the sample file, design
    columns and targets; without one the estimates are unweighted and the report says so and why.
    ``plugins``: module names of plug-in analyses (``report.plugins``); without them, the design file's
    ``plugins:``, else the plug-ins installed packages register (``entry_points``). A plug-in written for
    another questionnaire than the store holds is listed as left out, with the reason. ``lang``: "en" or "ko",
    the language of the whole report (its own words from ``report/i18n.py``, labels from the questionnaire).
    ``by``: single or rating items to cross every single and rating item with (Rao-Scott tests); the other
    generic sections (every item's weighted frequencies or summary, item nonresponse, scales, codebook) need
    nothing but the questionnaire and the design. ``fieldwork``: a
    :class:`~careersurvey.report.fieldwork.FieldworkSpec` naming the sample file with every case's final
    disposition, for the fieldwork section (dispositions, rates, nonresponse, planning). A store of several
    waves gets a waves section (``report/waves.py``); ``trend``: the items or scales it follows (default: the
    design file's ``trend:``, else the questionnaire's first three scales)."""
    from careersurvey.designfile import DesignFile, load_design_file
    from careersurvey.report.study import generic_study, store_questionnaire

    check_lang(lang)
    say = progress or (lambda msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dfile = design if design is None or isinstance(design, DesignFile) else load_design_file(design)
    found, failed = find_plugins(plugins, dfile, entry_points=entry_points)
    holds = store_questionnaire(store, dfile)
    say("loading the store and weighting")
    study = generic_study(store, dfile)
    generic.by_items(study, by)  # a --by that names no item stops here, before any work
    say("every item's estimates")
    crosstabs = generic.crosstab_section(study, by, lang)
    sections = [import_section(store, lang),
                weighting_section(study, lang) if study.weighted else unweighted_section(study, lang),
                *generic.item_sections(study, lang), *((crosstabs,) if crosstabs is not None else ()),
                reliability_section(study, lang)]
    say("waves")
    waves = waves_section(store, dfile, study.questionnaire, lang, trend)
    ran = run_plugins(found, failed, store, dfile, holds, lambda: study, say, lang)
    titles = {p.key: p.title for p in found}
    for key, f in ran.failures.items():
        if key not in ran.results:
            sections.append(failed_section(f, titles.get(key, f.module), lang))
    for key, res in ran.results.items():
        res.write(out / "analysis")
        sections.append(section_from_result(res))
    left_out = None
    if ran.left_out:
        left_out = text("ov.left_out", lang, keys=", ".join(p.key for p in ran.left_out),
                        written=ran.left_out[0].questionnaire, holds=holds)
    if not found and not failed:
        left_out = text("ov.no_plugins", lang)
    order = [p.key for p in found]  # the plug-ins' sections in the order they were named
    fixed = 4 + (crosstabs is not None)
    head, tail = sections[:fixed], sorted(sections[fixed:], key=lambda s: order.index(s.nav) if s.nav in order else -1)
    overview = overview_section(study, holds, ran, found, failed, left_out, lang)
    sections = [overview, *head, *([waves] if waves is not None else []), *tail,
                generic.codebook_section(study, lang), methods_section(study, dfile, lang)]
    if fieldwork is not None:
        from careersurvey.report.fieldwork import fieldwork_section

        say("fieldwork and nonresponse")
        sections.insert(2, fieldwork_section(fieldwork, study, lang))  # after the overview and the import
    say("writing report.html")
    if title is None:
        title = text("page.title", lang, title=label_in(study.questionnaire.title, lang, study.questionnaire.key))
    html = render_html(sections, title=title, subtitle=text("page.subtitle", lang),
                       questionnaire=study.questionnaire.key, lang=lang,
                       warnings=[f.message for f in ran.failures.values()])
    page = write_html(out / "report.html", html)
    tables = [t for s in sections for t in s.tables]
    xlsx = write_tables(tables, out / "report_tables.xlsx", lang=lang,
                        sections=[s.title for s in sections for _ in s.tables])
    return ReportFiles(html=page, tables=xlsx, results=ran.results,
                       errors={k: f.message for k, f in ran.failures.items()})

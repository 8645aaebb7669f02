"""``careersurvey analyze [KEY] --store S [--design D] [--plugin NAME] [--by A,B] [--lang ko|en] --out DIR``: run the program's
plug-in analyses (one by its key, or all) and write each one's workbook and figures; a program without plug-ins
gets the generic analyses of its questionnaire (every item's weighted estimates, crosstabs, scales) in
``generic.xlsx``; ``--lang`` writes the tables (titles, headings, notes, labels) and findings in Korean or
English, as the report."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from careersurvey.cli._common import fail, out_folder, say
from careersurvey.cli.report import (BY, DESIGN, LANG, PLUGIN, STORE, design_or_none, existing_store, plugin_names,
                                     report_lang)


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze(
        key: Optional[str] = typer.Argument(None, help="the plug-in's key (e.g. RQ2); default: every plug-in"),
        store: Path = STORE,
        out: Path = typer.Option(Path("analysis-out"), "--out", help="folder for tables and figures"),
        design: Optional[Path] = DESIGN,
        plugin: Optional[list[str]] = PLUGIN,
        by: Optional[str] = BY,
        lang: str = LANG,
    ) -> None:
        """The program's plug-in analyses (writes <KEY>.xlsx and PNGs), or without plug-ins the generic analyses
        of any questionnaire (writes generic.xlsx)."""
        import careersurvey as cs
        from careersurvey.report.build import run_plugins
        from careersurvey.report.plugins import PluginError, find_plugins
        from careersurvey.report.study import store_questionnaire

        lang = report_lang(lang)
        existing_store(store)
        dfile = design_or_none(design)
        out_folder(out)
        try:
            found, failed = find_plugins(plugin_names(plugin), dfile)
            holds = store_questionnaire(store, dfile)
            if key is not None:
                chosen = [p for p in found if p.key.upper() == key.upper()]
                if not chosen:
                    have = ", ".join(p.key for p in found) or "none"
                    fail(f"no plug-in analysis {key!r} (found: {have}); name its module with --plugin (e.g. "
                         "--plugin stem_careers) or in the design file's plugins:", 2)
                if not chosen[0].applies_to(holds):
                    fail(f"{chosen[0].key} ({chosen[0].module}) is written for {chosen[0].questionnaire}; this store "
                         f"holds {holds}; `careersurvey report` gives the generic report of any questionnaire", 2)
                found, failed = chosen, [f for f in failed if f.key.upper() == key.upper()]
            if not dfile:
                say(f"note: {cs.UNWEIGHTED}", err=True)
            if not failed and not any(p.applies_to(holds) for p in found):  # none for this questionnaire
                for p in found:
                    say(f"{p.key} left out: written for {p.questionnaire}; this store holds {holds}")
                _generic(store, dfile, plugin_names(by), out, lang)
                return
            ran = run_plugins(found, failed, store, dfile, holds, lambda: cs.generic_study(store, dfile),
                              lambda s: say(s, err=True), lang=lang)
        except (PluginError, ValueError) as exc:  # our errors (responses, weighting, design) are ValueErrors
            fail(str(exc), 2)
        for p in ran.left_out:
            say(f"{p.key} left out: written for {p.questionnaire}; this store holds {holds}")
        for result in ran.results.values():
            for f in result.findings:
                say(f"- {f}")
            for p in result.write(out, lang):
                say(f"wrote {p}")
        if ran.failures:
            fail("; ".join(f.message for f in ran.failures.values()), 1)


def _generic(store: Path, dfile, by: tuple[str, ...], out: Path, lang: str = "en") -> None:
    """The generic analyses of any questionnaire into ``out/generic.xlsx`` in ``lang`` (no plug-in was found)."""
    import careersurvey as cs
    from careersurvey.report import generic
    from careersurvey.report.results import write_tables

    say("no plug-in analysis for this questionnaire was named (--plugin, the design file's plugins:) or registered "
        "by an installed package: the generic analyses of the questionnaire", err=True)
    study = cs.generic_study(store, dfile)
    generic.by_items(study, by)
    sections = [*generic.item_sections(study, lang), generic.crosstab_section(study, by, lang),
                generic.scales_section(study, lang)]
    tables = [t for s in sections if s is not None for t in s.tables]
    for s in sections:
        if s is not None:
            say(f"- {s.title}: {len(s.tables)} tables")
    say(f"wrote {write_tables(tables, out / 'generic.xlsx', lang)}")

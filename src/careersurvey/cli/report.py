"""``careersurvey report --store S [--design design.yaml] [--plugin NAME] --out DIR``: the self-contained HTML
report and its tables workbook.

The options a report and ``analyze`` share (store, design file, plug-ins) are defined here once;
``cli.analyze`` uses the same ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from careersurvey.cli._common import fail, out_folder, say, shown

STORE = typer.Option(..., "--store", help="response store (DuckDB file)")
DESIGN = typer.Option(None, "--design", help="design file (YAML): weights, strata, PSUs, fpc, sample file, targets "
                                             "(README, The design file); without it estimates are unweighted")
LANG = typer.Option("en", "--lang", help="language of the report: en or ko (text, tables and figures; labels from "
                                          "the questionnaire)")
PLUGIN = typer.Option(None, "--plugin", help="plug-in analysis: an importable module or package name (repeat for "
                                             "more); default: the design file's plugins:, else those installed "
                                             "packages register (README, Plug-in analyses)")

BY = typer.Option(None, "--by", help="single or rating items to cross every single and rating item with, comma-"
                                     "separated (e.g. --by sector,sex): weighted shares and Rao-Scott tests")

TREND = typer.Option(None, "--trend", help="items or scales the waves section follows by wave, comma-separated "
                                           "(e.g. --trend pay,fear_failure); default: the design file's trend:, "
                                           "else the first three scales")


def existing_store(store: Path) -> Path:
    """The store path, or a usage error saying to import responses first."""
    if not store.exists():
        raise typer.BadParameter(f"{shown(store)} does not exist; import responses first", param_hint="--store")
    return store


def design_or_none(design: Path | None):
    """The checked design file, or None (its errors name the file and line)."""
    if design is None:
        return None
    from careersurvey.designfile import DesignFileError, load_design_file

    try:
        return load_design_file(design)
    except DesignFileError as exc:
        fail(str(exc), 2)


def report_lang(lang: str) -> str:
    """--lang as the report's language, or a usage error naming the choices."""
    from careersurvey.report.i18n import LANGS

    if lang not in LANGS:
        raise typer.BadParameter(f"{lang!r}: the report is written in {' or '.join(LANGS)}", param_hint="--lang")
    return lang


def plugin_names(plugin: list[str] | str | None) -> tuple[str, ...]:
    """--plugin (or --by, --trend) values, each possibly a comma-separated list, as names."""
    values = [plugin] if isinstance(plugin, str) else plugin or ()
    return tuple(n.strip() for v in values for n in v.split(",") if n.strip())


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        store: Path = STORE,
        out: Path = typer.Option(Path("report-out"), "--out", help="folder for report.html and tables"),
        design: Optional[Path] = DESIGN,
        plugin: Optional[list[str]] = PLUGIN,
        lang: str = LANG,
        by: Optional[str] = BY,
        trend: Optional[str] = TREND,
    ) -> None:
        """Import summary, weighting, every item's estimates, crosstabs, scales, the plug-in analyses and the
        codebook in one HTML file."""
        from careersurvey.report.build import ReportError, build_report
        from careersurvey.report.plugins import PluginError

        existing_store(store)
        dfile = design_or_none(design)
        out_folder(out)
        try:
            res = build_report(store, out, design=dfile, plugins=plugin_names(plugin), by=plugin_names(by),
                               progress=lambda s: say(s, err=True), lang=report_lang(lang),
                               trend=plugin_names(trend))
        except (ReportError, PluginError, ValueError) as exc:  # our errors (responses, design) are ValueErrors
            fail(str(exc), 2)
        for message in res.errors.values():
            say(f"warning: {message}", err=True)
        say(f"Tables: {res.tables}")
        say(f"Report: {res.html.resolve()}")
        if res.errors:
            raise typer.Exit(1)

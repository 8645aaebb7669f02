"""``careersurvey analyze RQ2 --store S --out DIR``: run one research question's analysis script."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze(
        question: str = typer.Argument(..., help="RQ1 ... RQ5"),
        store: Path = typer.Option(..., "--store", help="response store (DuckDB file)"),
        out: Path = typer.Option(Path("analysis-out"), "--out", help="folder for tables and figures"),
        sample: Optional[Path] = typer.Option(None, help="sample design file (default: beside the store)"),
        targets: str = typer.Option("kr-researchers-2023", help="targets id or file; 'none' for no raking"),
        analysis_dir: Optional[Path] = typer.Option(None, help="folder of the analysis scripts"),
    ) -> None:
        """Weighted estimates, tests and models of one research question; writes <RQ>.xlsx and PNGs."""
        from careersurvey.report.build import ANALYSES, ReportError, load_analysis, targets_path

        if question.upper() not in ANALYSES:
            raise typer.BadParameter(f"{question!r} is not one of {', '.join(ANALYSES)}", param_hint="QUESTION")
        if not store.exists():
            raise typer.BadParameter(f"{store} does not exist; import responses first", param_hint="--store")
        try:
            common = load_analysis("_common", analysis_dir)
            study = common.load_study(store, sample, None if targets == "none" else targets_path(targets))
            result = load_analysis(question, analysis_dir).run(study)
        except (ReportError, ValueError) as exc:  # our errors (responses, weighting, design) are ValueErrors
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        for f in result.findings:
            typer.echo(f"- {f}")
        for p in result.write(out):
            typer.echo(f"wrote {p}")

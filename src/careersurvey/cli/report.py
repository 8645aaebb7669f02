"""``careersurvey report --store S --out DIR``: the self-contained HTML report and its tables workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        store: Path = typer.Option(..., "--store", help="response store (DuckDB file)"),
        out: Path = typer.Option(Path("report-out"), "--out", help="folder for report.html and tables"),
        sample: Optional[Path] = typer.Option(None, help="sample design file (default: beside the store)"),
        targets: str = typer.Option("kr-researchers-2023", help="targets id or file; 'none' for no raking"),
        analysis_dir: Optional[Path] = typer.Option(None, help="folder of the analysis scripts"),
    ) -> None:
        """Import summary, weighting diagnostics, scale reliability and RQ1-RQ5 in one HTML file."""
        from careersurvey.report.build import ReportError, build_report

        if not store.exists():
            raise typer.BadParameter(f"{store} does not exist; import responses first", param_hint="--store")
        try:
            res = build_report(store, out, sample=str(sample) if sample else None,
                               targets=None if targets == "none" else targets,
                               analysis_folder=str(analysis_dir) if analysis_dir else None,
                               progress=lambda s: typer.echo(s, err=True))
        except (ReportError, ValueError) as exc:  # our errors (responses, weighting, design) are ValueErrors
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"Tables: {res.tables}")
        typer.echo(f"Report: {res.html.resolve()}")
        if res.errors:
            raise typer.Exit(1)

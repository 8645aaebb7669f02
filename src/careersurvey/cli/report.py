"""``careersurvey report --store S [--design design.yaml] --out DIR``: the self-contained HTML report and its tables workbook.

The options a report and a single analysis share (store, sample file, targets, analysis folder) are defined
here once; ``cli.analyze`` uses the same ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from careersurvey.cli._common import fail, out_folder, say, shown

STORE = typer.Option(..., "--store", help="response store (DuckDB file)")
SAMPLE = typer.Option(None, help="sample design file (default: sample_design.csv beside the store)")
TARGETS = typer.Option("kr-researchers-2023", help="targets id or file; 'none' for no raking")
DESIGN = typer.Option(None, "--design", help="design file (YAML): weights, strata, PSUs, fpc, sample file, targets "
                                             "(README, The design file); replaces --sample and --targets")
ANALYSIS_DIR = typer.Option(None, help="folder of the analysis scripts (default: those shipped with the package)")


def existing_store(store: Path) -> Path:
    """The store path, or a usage error saying to import responses first."""
    if not store.exists():
        raise typer.BadParameter(f"{shown(store)} does not exist; import responses first", param_hint="--store")
    return store


def checked_inputs(sample: Path | None, analysis_dir: Path | None) -> None:
    """Stop when a --sample file or --analysis-dir folder the user named is not there (never run without it)."""
    if sample is not None and not sample.is_file():
        what = "is a folder" if sample.is_dir() else "does not exist"
        fail(f"{sample}: --sample {what}; give the sample design CSV (respondent_id, stratum, psu, fpc1, "
             "design_weight), or leave --sample out to use the one beside the store", code=2)
    if analysis_dir is not None and not (analysis_dir / "_common.py").is_file():
        fail(f"{analysis_dir}: --analysis-dir holds no analysis scripts (_common.py, rq1_medicine.py ...); give "
             "the folder that does, or leave --analysis-dir out", code=2)


def design_or_none(design: Path | None, sample: Path | None, targets: str):
    """The checked design file, or None; --sample or --targets beside it is a usage error (it names them)."""
    if design is None:
        return None
    from careersurvey.designfile import DesignFileError, load_design_file

    if sample is not None or targets != TARGETS.default:
        fail(f"{design}: --design names the sample file and the targets; leave --sample and --targets out", code=2)
    try:
        return load_design_file(design)
    except DesignFileError as exc:
        fail(str(exc), 2)


def targets_or_none(targets: str) -> str | None:
    """The targets as a file path (``report.build.targets_path``), or None for 'none' (no raking)."""
    from careersurvey.report.build import targets_path

    return None if targets == "none" else targets_path(targets)


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        store: Path = STORE,
        out: Path = typer.Option(Path("report-out"), "--out", help="folder for report.html and tables"),
        sample: Optional[Path] = SAMPLE,
        targets: str = TARGETS,
        analysis_dir: Optional[Path] = ANALYSIS_DIR,
        design: Optional[Path] = DESIGN,
    ) -> None:
        """Import summary, weighting diagnostics, scale reliability and RQ1-RQ5 in one HTML file."""
        from careersurvey.report.build import ReportError, build_report

        existing_store(store)
        checked_inputs(sample, analysis_dir)
        dfile = design_or_none(design, sample, targets)
        out_folder(out)
        try:
            res = build_report(store, out, design=dfile, sample=str(sample) if sample else None,
                               targets=targets_or_none(targets),
                               analysis_folder=str(analysis_dir) if analysis_dir else None,
                               progress=lambda s: say(s, err=True))
        except (ReportError, ValueError) as exc:  # our errors (responses, weighting, design) are ValueErrors
            fail(str(exc), 2)
        say(f"Tables: {res.tables}")
        say(f"Report: {res.html.resolve()}")
        if res.errors:
            raise typer.Exit(1)

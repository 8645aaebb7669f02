"""``careersurvey analyze RQ2 --store S --out DIR``: run one research question's analysis script."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from careersurvey.cli._common import fail, out_folder, say
from careersurvey.cli.report import (ANALYSIS_DIR, DESIGN, SAMPLE, STORE, TARGETS, checked_inputs, design_or_none,
                                     existing_store, targets_or_none)


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze(
        question: str = typer.Argument(..., help="RQ1 ... RQ5"),
        store: Path = STORE,
        out: Path = typer.Option(Path("analysis-out"), "--out", help="folder for tables and figures"),
        sample: Optional[Path] = SAMPLE,
        targets: str = TARGETS,
        analysis_dir: Optional[Path] = ANALYSIS_DIR,
        design: Optional[Path] = DESIGN,
    ) -> None:
        """Weighted estimates, tests and models of one research question; writes <RQ>.xlsx and PNGs."""
        from careersurvey.report.build import ANALYSES, ReportError, load_analysis

        if question.upper() not in ANALYSES:
            raise typer.BadParameter(f"{question!r} is not one of {', '.join(ANALYSES)}", param_hint="QUESTION")
        existing_store(store)
        checked_inputs(sample, analysis_dir)
        dfile = design_or_none(design, sample, targets)
        out_folder(out)
        try:
            common = load_analysis("_common", analysis_dir)
            study = (common.load_study(store, design=dfile) if dfile is not None
                     else common.load_study(store, sample, targets_or_none(targets)))
            result = load_analysis(question, analysis_dir).run(study)
        except (ReportError, ValueError) as exc:  # our errors (responses, weighting, design) are ValueErrors
            fail(str(exc), 2)
        for f in result.findings:
            say(f"- {f}")
        for p in result.write(out):
            say(f"wrote {p}")

"""``careersurvey demo --out DIR``: the whole pipeline on synthetic data; the last line names the report."""

from __future__ import annotations

from pathlib import Path

import typer

from careersurvey.cli.report import LANG


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("demo-out"), "--out", help="folder for forms, store, tables and report"),
        seed: int = typer.Option(2026, help="random seed of the synthetic survey", min=0),
        institutions: int = typer.Option(300, min=1, help="institutions (clusters) in the simulated sample; "
                                         "every stratum gets at least 2, so small numbers are raised"),
        lang: str = LANG,
    ) -> None:
        """Export forms, simulate fieldwork, import, rake, analyse RQ1-RQ5 and write report.html."""
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from careersurvey.cli._common import console as plain_console
        from careersurvey.cli._common import fail, out_folder, say, shown
        from careersurvey.demo import run_demo
        from careersurvey.cli.report import report_lang
        from careersurvey.report.build import ReportError

        out_folder(out)
        with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                      console=plain_console(err=True), transient=False) as progress:
            task = {"id": None}

            def step(name: str) -> None:
                if task["id"] is not None:
                    progress.update(task["id"], completed=1)
                task["id"] = progress.add_task(shown(name), total=1)

            try:
                res = run_demo(out, seed=seed, n_institutions=institutions, step=step, lang=report_lang(lang))
            except ReportError as exc:
                progress.stop()
                fail(str(exc), 2)
            if task["id"] is not None:
                progress.update(task["id"], completed=1)
        say(f"{res.respondents:,} simulated respondents in {res.rows_in:,} rows (planted errors included); "
            f"{res.accepted:,} accepted, {res.quarantined} quarantined; {len(res.results)} of 5 analyses; "
            f"{res.seconds:.1f} s", err=True)
        if res.earlier_respondents:
            say(f"the earlier wave 2025 (stem-careers@1.0.0): {res.earlier_respondents:,} respondents, "
                f"{res.panel_members:,} of them answered again in 2026 (the panel; attrition depends on the intention "
                "to leave Korea)", err=True)
        for key, msg in res.errors.items():
            say((f"{key} failed:", "red"), f" {msg}", err=True)
        say(f"Public-use file (3-anonymous, with its disclosure report): {res.release.resolve()}")
        say(f"Report: {res.report.resolve()}")
        if res.errors:
            raise typer.Exit(1)

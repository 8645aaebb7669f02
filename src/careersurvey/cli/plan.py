"""``careersurvey plan``: the next wave's sample per stratum from this wave's design effects and response
rates, and the persons per institution from costs and the ICC. A thin shell over
:mod:`careersurvey.fieldwork.planning` (PracTools' formulas)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from careersurvey.cli._common import console, fail, say, shown


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan(
        strata: Optional[Path] = typer.Option(None, "--strata", help="Table (csv or xlsx) with one row per stratum "
                                              "or domain: stratum, N, p (anticipated proportion; 0.5 if "
                                              "unknown), deff (observed), response_rate (observed)."),
        moe: Optional[float] = typer.Option(None, "--moe", help="Target margin of error of a proportion per "
                                            "stratum, e.g. 0.05."),
        cv: Optional[float] = typer.Option(None, "--cv", help="Target coefficient of variation instead."),
        conf: float = typer.Option(0.95, "--conf", help="Confidence level of the margin of error."),
        c1: Optional[float] = typer.Option(None, "--c1", help="Cost per institution (two stages)."),
        c2: Optional[float] = typer.Option(None, "--c2", help="Cost per person (two stages)."),
        icc: Optional[float] = typer.Option(None, "--icc", help="Intraclass correlation within institutions."),
        budget: Optional[float] = typer.Option(None, "--budget", help="Total variable cost (two stages)."),
        cluster_cv: Optional[float] = typer.Option(None, "--cluster-cv", help="Or: target CV (two stages)."),
        relvar: float = typer.Option(1.0, "--unit-relvar", help="Unit relvariance S^2/ybar^2 (two stages)."),
    ) -> None:
        """Sample sizes per stratum for a target margin of error or CV, and the optimal persons per institution."""
        from careersurvey.fieldwork import FieldworkError
        from careersurvey.fieldwork.planning import PLAN_COLUMNS, cluster_plan, plan_strata

        if strata is None and c1 is None:
            fail("give --strata FILE (with --moe or --cv), or --c1/--c2/--icc with --budget or --cluster-cv")
        try:
            if strata is not None:
                from careersurvey.fieldwork.dispositions import read_sample

                table = read_sample(strata, id="stratum", text=())
                result = plan_strata(table.drop(columns=[c for c in table.columns if c not in PLAN_COLUMNS]),
                                     moe=moe, cv=cv, conf=conf, source=str(strata))
                _print_strata(result, moe, cv, conf)
            if c1 is not None:
                if c2 is None or icc is None:
                    fail("two stages need --c1, --c2 and --icc")
                _print_cluster(cluster_plan(c1, c2, icc, unit_relvar=relvar, cv=cluster_cv, budget=budget))
        except FieldworkError as exc:
            fail(str(exc))


def _print_strata(result, moe, cv, conf) -> None:
    target = f"margin of error {moe:g} at {conf:.0%}" if moe is not None else f"CV {cv:g}"
    t = Table(title=f"Sample per stratum for a proportion's {target} (with fpc and the observed deff)")
    for c in ("stratum", "N", "p", "deff", "response rate", "completes", "to sample"):
        t.add_column(c, justify="left" if c == "stratum" else "right")
    for r in result.itertuples(index=False):
        t.add_row(shown(r.stratum), f"{r.N:,.0f}", f"{r.p:g}", f"{r.deff:g}", f"{r.response_rate:g}",
                  f"{r.completes:,}", f"{r.sample:,}" + (" (all)" if r.take_all else ""))
    t.add_row("total", f"{result['N'].sum():,.0f}", "", "", "", f"{result['completes'].sum():,}",
              f"{result['sample'].sum():,}")
    console(wrap=True).print(t)


def _print_cluster(plan: dict) -> None:
    t = Table(title="Two stages: optimal persons per institution (PracTools clusOpt2)")
    t.add_column("")
    t.add_column("value", justify="right")
    t.add_row("persons per institution", f"{plan['persons_per_institution']:.1f}")
    t.add_row("institutions", f"{plan['institutions']:.1f}")
    t.add_row("CV", f"{plan['cv']:.4f}")
    t.add_row("cost", f"{plan['cost']:,.0f}")
    console(wrap=True).print(t)
    say("round up: institutions and persons are whole; the CV holds for the unrounded design")

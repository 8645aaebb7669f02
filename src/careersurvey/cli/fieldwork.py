"""``careersurvey fieldwork draw|rates``: draw a sample from a frame; response rates from a sample file.

A thin shell over :func:`careersurvey.draw_sample` / :func:`careersurvey.draw_two_stage` and
:func:`careersurvey.response_rates`: reads the files (ids as text), prints a table per stratum, writes the
sample owner-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from careersurvey.cli._common import console, fail, out_file, say, shown

app = typer.Typer(help="Fieldwork: draw the sample from a frame, dispositions and AAPOR response rates.",
                  no_args_is_help=True)


@app.command("draw")
def draw(
    frame: Path = typer.Option(..., "--frame", help="Frame file (csv or xlsx): one row per unit (institution or "
                               "person); ids and stratum codes are read as text."),
    id: str = typer.Option(..., "--id", help="Column of the unit id."),
    n: int = typer.Option(..., "--n", help="Units to draw in all (allocated to strata: proportional to N_h for "
                          "srs, to the size total for PPS)."),
    out: Path = typer.Option(..., "--out", help="Sample file to write (.csv or .xlsx; owner-only)."),
    strata: Optional[str] = typer.Option(None, "--strata", help="Column of the strata."),
    size: Optional[str] = typer.Option(None, "--size", help="Column of the size measure (for PPS)."),
    method: str = typer.Option("srs", "--method", help="srs, systematic (PPS) or sampford (PPS, exact joint "
                               "inclusion probabilities)."),
    certainty: Optional[float] = typer.Option(None, "--certainty", help="Take every unit of size >= this."),
    minimum: int = typer.Option(0, "--min-per-stratum", help="Smallest sample size of a stratum."),
    persons: Optional[Path] = typer.Option(None, "--persons", help="Two stages: the person frame (csv or xlsx), "
                                           "one row per person with the --id column of its institution."),
    person_id: str = typer.Option("person_id", "--person-id", help="With --persons: column of the person id."),
    m: Optional[int] = typer.Option(None, "--m", help="With --persons: persons to draw per institution."),
    seed: int = typer.Option(..., "--seed", help="Random seed: the same seed draws the same sample."),
) -> None:
    """Draw a stratified sample (SRS, systematic PPS or Sampford), optionally two-stage, and write it."""
    from careersurvey.fieldwork import FieldworkError, draw_sample, draw_two_stage, write_sample

    out_file(out)
    if (persons is None) != (m is None):
        fail("a two-stage sample needs both --persons FILE and --m (persons per institution)")
    try:
        if persons is None:
            sample = draw_sample(frame, n, id=id, strata=strata, size=size, method=method, certainty=certainty,
                                 min_per_stratum=minimum, seed=seed)
        else:
            sample = draw_two_stage(frame, persons, n, m, institution=id, person=person_id, strata=strata,
                                    size=size, method=method, certainty=certainty, min_per_stratum=minimum,
                                    seed=seed)
        files = write_sample(sample, out)
    except FieldworkError as exc:
        fail(str(exc))
    table = Table(title=f"Sample drawn ({method}, seed {seed})")
    for c in ("stratum", "N_h", "n_h", "certainty", "sum of pi"):
        table.add_column(c, justify="left" if c == "stratum" else "right")
    for row in sample.strata.itertuples(index=False):
        table.add_row(shown(row.stratum), f"{row.N_h:,}", f"{row.n_h:,}", f"{row.certainty:,}", f"{row.sum_pi:,.4g}")
    console(wrap=True).print(table)
    say(f"wrote {len(sample.units):,} sampled {'persons' if persons else 'units'} to {', '.join(map(str, files))}")

"""``careersurvey design``: check a design file (every problem one a line, ``file:line: [field] what — what to
do``) and print the JSON Schema of the format (as committed in designfile/schema.json)."""

from __future__ import annotations

from pathlib import Path

import typer

from careersurvey.cli._common import fail, say

app = typer.Typer(help="Design files: check one, and the JSON Schema of the YAML format.", no_args_is_help=True)


@app.command("check")
def check(path: Path = typer.Argument(..., help="design file (YAML)")) -> None:
    """Read and check a design file; the columns it names are checked when a report or analysis builds it."""
    from careersurvey.designfile import DesignFileError, load_design_file

    try:
        df = load_design_file(path)
    except DesignFileError as exc:
        fail(str(exc), 2)
    say(f"{path}: design for {df.questionnaire}; weights {df.weights or 'none (1 for everyone)'}"
        + (f"; strata {', '.join(df.strata)}" if df.strata else "") + (f"; psu {', '.join(df.psu)}" if df.psu else "")
        + (f"; fpc {', '.join(df.fpc)}" if df.fpc else "") + f"; lonely_psu {df.lonely_psu}"
        + (f"; wave {df.wave}" if df.wave else "")
        + (f"; sample {df.sample} by {df.key}" if df.sample else "")
        + (f"; targets {_near(df.targets)}" + (f" in scope {df.scope}" if df.scope else "") if df.targets else ""))


def _near(path: Path) -> str:
    """A path relative to the working folder when it lies below it, else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the design file format (as committed in designfile/schema.json)."""
    from careersurvey.designfile.spec import json_schema_text

    typer.echo(json_schema_text(), nl=False)

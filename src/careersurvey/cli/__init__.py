"""The ``careersurvey`` command: a thin shell over the public API, one sub-command module per area."""

from __future__ import annotations

import typer

from careersurvey.cli import analyze, demo, design, fieldwork, forms, plan, questionnaire, release, report, responses, weights

app = typer.Typer(
    name="careersurvey",
    help="Questionnaires, forms, response import and design-based analysis for the STEM careers survey.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

app.add_typer(questionnaire.app, name="questionnaire")
app.add_typer(weights.app, name="weights")
app.add_typer(forms.app, name="forms")
app.add_typer(responses.app, name="responses")
app.add_typer(fieldwork.app, name="fieldwork")
app.add_typer(design.app, name="design")
for _command in (demo, analyze, report, plan, release):  # top-level commands register themselves
    _command.register(app)


def main() -> None:
    """Console-script entry point."""
    app()

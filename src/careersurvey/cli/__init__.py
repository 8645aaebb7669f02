"""The ``careersurvey`` command: a thin shell over the public API, one sub-command module per area."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="careersurvey",
    help="Questionnaires, forms, response import and design-based analysis for the STEM careers survey.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# (command group name, module defining a typer app called `app`); top-level commands register themselves
_GROUPS: tuple[tuple[str, str], ...] = (
    ("questionnaire", "careersurvey.cli.questionnaire"),
    ("weights", "careersurvey.cli.weights"),
    ("forms", "careersurvey.cli.forms"),
    ("responses", "careersurvey.cli.responses"),
)
_COMMANDS: tuple[str, ...] = (
    "careersurvey.cli.demo",
    "careersurvey.cli.analyze",
    "careersurvey.cli.report",
)

for _name, _module in _GROUPS:
    app.add_typer(importlib.import_module(_module).app, name=_name)
for _module in _COMMANDS:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Console-script entry point."""
    app()

"""``careersurvey forms export``: write the XLSForm, entry template, codebook, DDI XML or paper form.

A thin shell over :mod:`careersurvey.forms`; the questionnaire is a YAML path, an id or ``id@version``.
Without ``--out`` the file is named ``<id>-<version>-<format>-<lang>.<ext>`` in the current folder.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Optional

import typer

from careersurvey.cli._common import fail, out_file, say

app = typer.Typer(help="Forms from the questionnaire: XLSForm, entry template, codebook, DDI, paper form.",
                  no_args_is_help=True)


class Format(str, enum.Enum):
    """What ``forms export`` writes."""
    xlsform = "xlsform"
    template = "template"
    codebook = "codebook"
    ddi = "ddi"
    paper = "paper"


class Lang(str, enum.Enum):
    """The language(s) of the form."""
    ko = "ko"
    en = "en"
    both = "both"


#: Default file extension per format (codebook: .xlsx or .html; paper: .html or .pdf by --out).
EXTENSIONS = {"xlsform": ".xlsx", "template": ".xlsx", "codebook": ".xlsx", "ddi": ".xml", "paper": ".html"}
#: Formats with one possible extension: another one would give a file its opener cannot read.
FIXED_EXTENSION = {"xlsform": ".xlsx", "template": ".xlsx", "ddi": ".xml"}


@app.command("export")
def export(
    questionnaire: str = typer.Argument(..., help="Questionnaire YAML path, id, or id@version."),
    format: Format = typer.Option(..., "--format", "-f", help="What to write."),
    lang: Lang = typer.Option(Lang.both, "--lang", "-l", help="Language(s) of the form."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write (extension picks .html/.pdf/.xlsx where several fit)."),
    rows: int = typer.Option(2000, "--rows", help="template: number of validated data rows.", min=1),
) -> None:
    """Write one form of QUESTIONNAIRE and print where it went."""
    from careersurvey.forms import common
    from careersurvey.forms.safety import safe_filename
    from xlsxwriter.exceptions import FileCreateError

    try:
        q = common.resolve_questionnaire(questionnaire)
    except (FileNotFoundError, ValueError) as exc:  # QuestionnaireError is a ValueError
        fail(str(exc))
    if out is None:
        out = Path(safe_filename(f"{q.id}-{q.version}-{format.value}-{lang.value}{EXTENSIONS[format.value]}"))
    out_file(out)
    if format.value in FIXED_EXTENSION and out.suffix.lower() != FIXED_EXTENSION[format.value]:
        fail(f"{out}: {format.value} is written as {FIXED_EXTENSION[format.value]}; change the file extension")
    try:
        if format is Format.xlsform:
            from careersurvey.forms.xlsform import export_xlsform

            path = export_xlsform(q, out, lang.value)
        elif format is Format.template:
            from careersurvey.forms.template import export_template

            path = export_template(q, out, lang.value, rows=rows)
        elif format is Format.codebook:
            from careersurvey.forms.codebook import export_codebook

            path = export_codebook(q, out, lang.value)
        elif format is Format.ddi:
            from careersurvey.forms.ddi import export_ddi

            path = export_ddi(q, out, lang.value)
        else:
            from careersurvey.forms.paper import export_paper

            path = export_paper(q, out, lang.value)
    except common.FormError as exc:
        fail(str(exc))
    except (OSError, FileCreateError) as exc:  # xlsxwriter wraps the OSError of a file it cannot create
        cause = exc.args[0] if isinstance(exc, FileCreateError) and exc.args else exc
        fail(f"{out}: cannot write the file ({getattr(cause, 'strerror', None) or cause}); check the path and permissions")
    say(f"wrote {format.value} ({lang.value}) of {q.key} to {path}")

"""Files that are not responses, recognised and refused with what they are and what to import instead.

The toolkit writes several workbooks a person may pick up by mistake: the codebook and the XLSForm
(``careersurvey forms export``) and the list of import problems (``careersurvey responses problems
--out``). Read as responses they would give rows of nonsense, all quarantined; so they are recognised by
their sheets and headers before any row is read, and refused naming the file kind and the file to pass.
"""

from __future__ import annotations

from typing import Sequence

from careersurvey.responses.problems import PROBLEM_COLUMNS, ResponsesError
from careersurvey.responses.readers.workbook import Workbook, read_sheet

#: Sheets of the codebook workbook (careersurvey.forms.codebook), and of an XLSForm (lower-cased).
CODEBOOK_SHEETS: frozenset[str] = frozenset({"Variables", "Value labels", "About"})
XLSFORM_SHEETS: frozenset[str] = frozenset({"survey", "choices"})


def _about(wb: Workbook) -> dict[str, str]:
    """Key/value rows of a codebook's About sheet (empty when unreadable)."""
    try:
        _, rows = read_sheet(wb, "About", max_rows=1000, header_rows=1)
    except ResponsesError:
        return {}
    return {str(r[0]).strip(): str(r[1]).strip() for r in rows if len(r) >= 2 and r[0] not in (None, "")}


def refuse_known_workbooks(wb: Workbook, names: Sequence[str]) -> None:
    """Raise :class:`ResponsesError` (code ``not_responses``) for a codebook or an XLSForm."""
    path = wb.path
    if CODEBOOK_SHEETS <= set(names):
        about = _about(wb)
        key = f"{about.get('questionnaire_id', 'ID')}@{about.get('version', 'VERSION')}"
        raise ResponsesError(
            f"the workbook is the codebook of {key} (sheets {', '.join(names)}; made by `careersurvey forms export "
            f"--format codebook`), not responses; import the filled entry template (made by `careersurvey forms "
            f"export {key} --format template`) or a KoboToolbox/ODK export of the data", code="not_responses",
            file=str(path))
    lowered = {n.strip().lower() for n in names}
    if XLSFORM_SHEETS <= lowered:
        raise ResponsesError(
            f"the workbook is an XLSForm (sheets {', '.join(names)}: a form definition for KoboToolbox/ODK), not "
            "responses; import the data collected with it (in KoboToolbox: Data > Downloads > XLS or CSV) or the "
            "filled entry template", code="not_responses", file=str(path))


def refuse_problem_list(headers: Sequence[str], file: str) -> None:
    """Raise for a list of import problems (its header holds every problem column)."""
    if set(PROBLEM_COLUMNS) <= {h.strip().lower() for h in headers}:
        raise ResponsesError(
            "the file is a list of import problems (written by `careersurvey responses problems --out`), not "
            "responses; correct the rows in the file they name and import that file", code="not_responses",
            file=file)

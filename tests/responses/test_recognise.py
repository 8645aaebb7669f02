"""Files that are not responses (the codebook, the XLSForm, a problems list, a table of something else) are
refused with what they are and what to import instead; nothing is stored and the import exits non-zero."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from careersurvey.cli.responses import app
from careersurvey.forms.codebook import export_codebook
from careersurvey.forms.xlsform import export_xlsform
from careersurvey.responses.export import write_problems
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.store import ResponseStore

from .conftest import mini

Q = mini()


def _refused(path, tmp_path, code):
    db = tmp_path / "s.duckdb"
    with pytest.raises(ResponsesError) as err:
        import_responses(path, db, Q)
    assert err.value.code == code
    assert ResponseStore(db).counts()["imports"] == 0
    return str(err.value)


def test_codebook_is_refused_as_a_codebook(tmp_path):
    """Old code: the codebook's Variables sheet imported as one quarantined row per variable, exit 0."""
    path = export_codebook(Q, tmp_path / "codebook.xlsx")
    assert _refused(path, tmp_path, "not_responses") == (
        f"{path}: the workbook is the codebook of stem-mini@1.0.0 (sheets Variables, Value labels, Missing codes, "
        "Scales, Glossary, About; made by `careersurvey forms export --format codebook`), not responses; import the "
        "filled entry template (made by `careersurvey forms export stem-mini@1.0.0 --format template`) or a "
        "KoboToolbox/ODK export of the data")


def test_xlsform_is_refused_as_an_xlsform(tmp_path):
    path = export_xlsform(Q, tmp_path / "form.xlsx")
    assert _refused(path, tmp_path, "not_responses") == (
        f"{path}: the workbook is an XLSForm (sheets survey, choices, settings: a form definition for "
        "KoboToolbox/ODK), not responses; import the data collected with it (in KoboToolbox: Data > Downloads > XLS "
        "or CSV) or the filled entry template")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_problem_list_is_refused(tmp_path, suffix):
    frame = pd.DataFrame([{"import_id": 1, "file": "a.xlsx", "sheet": "Responses", "row": 3, "column": "role",
                           "item": "role", "value": "9", "rule": "not_a_choice", "severity": "quarantine",
                           "message": "role: '9' is not one of the codes"}])
    path = write_problems(frame, tmp_path / f"problems{suffix}")
    message = _refused(path, tmp_path, "not_responses")
    assert message == (f"{path}: the file is a list of import problems (written by `careersurvey responses problems "
                       "--out`), not responses; correct the rows in the file they name and import that file")


def test_csv_with_none_of_the_columns_names_the_columns_expected(tmp_path):
    """Old code: two rows quarantined, exit 0 (the README's note)."""
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert _refused(path, tmp_path, "no_columns") == (
        f"{path}: none of the columns of its header line (a, b) is a column of stem-mini@1.0.0; nothing was stored. "
        "It expects respondent_id, consent, role, age, motives_1, motives_2, motives_3, motives_4, ... (12 in all): "
        "check that the file answers stem-mini@1.0.0 (or pass the right --questionnaire) and that its first row "
        "holds the variable names")
    r = CliRunner().invoke(app, ["import", str(path), "--store", str(tmp_path / "c.duckdb"), "-q",
                                 "tests/questionnaire/data/mini-1.0.0.yaml"])
    assert r.exit_code == 2 and "none of the columns of its header line (a, b) is a column of mini@1.0.0" in r.stderr


def test_workbook_of_something_else_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "estimates"
    wb.active.append(["variable", "estimate", "se"])
    wb.active.append(["pay", 5200, 130])
    path = tmp_path / "results.xlsx"
    wb.save(path)
    assert "none of the columns of sheet 'estimates' (variable, estimate, se) is a column of stem-mini@1.0.0" in (
        _refused(path, tmp_path, "no_columns"))


def test_cli_refuses_a_codebook_with_exit_2(tmp_path, monkeypatch):
    path = export_codebook(Q, tmp_path / "codebook.xlsx")
    r = CliRunner().invoke(app, ["import", str(path), "--store", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2 and "is the codebook of stem-mini@1.0.0" in r.stderr

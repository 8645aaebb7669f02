"""Which sheet holds the responses: a workbook whose answers sit on another sheet is refused with the sheet's
name and how to choose it (``--sheet``, ``sheet=``); a file with no responses is never "0 rows" with success."""

from __future__ import annotations

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from careersurvey.cli.responses import app
from careersurvey.responses.importer import import_responses
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.readers import read_responses
from careersurvey.responses.store import ResponseStore

from .conftest import GOOD_ROWS, mini, write_template

Q = mini()
NAMES = ["respondent_id", *Q.columns()]


def _template_with_answers_on(tmp_path, sheet="Data", rows=GOOD_ROWS[:2]):
    """An entry template whose Responses sheet was left empty; the answers were pasted, with the header, into
    a new sheet."""
    path = write_template(tmp_path / "t.xlsx", Q, [])
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(sheet)
    ws.append(NAMES)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_template_answers_on_another_sheet_are_named(tmp_path):
    path = _template_with_answers_on(tmp_path)
    with pytest.raises(ResponsesError) as err:
        read_responses(path)
    assert err.value.code == "wrong_sheet"
    assert str(err.value) == (f"{path}: sheet 'Responses' holds no responses, but sheet 'Data' holds 2 rows below its "
                              "header; import that sheet with --sheet 'Data' (in Python: sheet='Data'), or move its "
                              "rows into sheet 'Responses'")
    table = read_responses(path, sheet="Data")
    assert table.kind == "template" and table.sheet == "Data" and table.meta["version"] == "1.0.0"
    assert table.rows.tolist() == [2, 3] and list(table.data["respondent_id"]) == ["0001", "0002"]
    (result,) = import_responses(path, tmp_path / "s.duckdb", Q, sheet="Data")
    assert (result.rows_in, result.accepted) == (2, 2)


def test_plain_workbook_with_an_empty_first_sheet_names_the_sheet_with_answers(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    ws = wb.create_sheet("answers")
    ws.append(NAMES)
    for row in GOOD_ROWS[:3]:
        ws.append(row)
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    with pytest.raises(ResponsesError) as err:
        import_responses(path, tmp_path / "s.duckdb", Q)
    assert err.value.code == "wrong_sheet" and "sheet 'answers' holds 3 rows below its header" in str(err.value)
    (result,) = import_responses(path, tmp_path / "s.duckdb", Q, sheet="answers")
    assert result.rows_in == 3 and result.kind == "sheet"


def test_several_candidate_sheets_are_listed(tmp_path):
    path = _template_with_answers_on(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Data (2)")
    ws.append(NAMES)
    ws.append(GOOD_ROWS[2])
    wb.save(path)
    with pytest.raises(ResponsesError) as err:
        read_responses(path)
    assert str(err.value).endswith("sheet 'Responses' holds no responses, but sheets 'Data' (2 rows), 'Data (2)' "
                                   "(1 row) hold rows below a header; choose the one with the responses with --sheet "
                                   "NAME (in Python: sheet='NAME')")


def test_header_only_file_is_refused_and_not_in_the_ledger(tmp_path):
    path = write_template(tmp_path / "h.xlsx", Q, [])
    db = tmp_path / "s.duckdb"
    with pytest.raises(ResponsesError) as err:
        import_responses(path, db, Q)
    assert err.value.code == "no_data"
    assert str(err.value) == (f"{path}: sheet 'Responses' has a header but no rows of responses below it; nothing "
                              "was stored. Fill in the rows, or, if the answers are on another sheet, name it with "
                              "--sheet")
    assert ResponseStore(db).counts()["imports"] == 0


def test_unknown_sheet_and_sheet_on_a_csv(tmp_path):
    path = _template_with_answers_on(tmp_path)
    with pytest.raises(ResponsesError) as err:
        read_responses(path, sheet="Dat")
    assert err.value.code == "no_sheet" and "(sheets: Responses, _meta, Data); name one of them" in str(err.value)
    csv = tmp_path / "a.csv"
    csv.write_text("respondent_id,consent\n0001,1\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as err:
        read_responses(csv, sheet="Data")
    assert str(err.value) == f"{csv}: the file is text (CSV), which has no sheets; leave out --sheet 'Data'"


def test_cli_exits_2_naming_the_sheet_then_imports_it_with_sheet(tmp_path, monkeypatch):
    import careersurvey.responses.importer as importer

    monkeypatch.setattr(importer, "load_questionnaire_spec", lambda spec, **kw: Q)
    path = _template_with_answers_on(tmp_path)
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    r = runner.invoke(app, ["import", str(path), "--store", str(db)])
    assert r.exit_code == 2 and "--sheet 'Data'" in r.stderr and "0 rows" not in r.stdout
    r = runner.invoke(app, ["import", str(path), "--store", str(db), "--sheet", "Data", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["rows_in"], out["accepted"]) == (2, 2)


def test_kobo_export_main_sheet_named_with_sheet(tmp_path):
    """--sheet names the main sheet of an export; the other sheets stay repeat groups, never the main one twice."""
    from .conftest import DATA

    path = DATA / "kobo" / "kobo_values.xlsx"
    default = read_responses(path)
    named = read_responses(path, sheet=default.sheet)
    assert named.kind == "kobo" and named.rows.tolist() == default.rows.tolist()
    assert default.sheet not in named.children and list(named.children) == ["jobs"]

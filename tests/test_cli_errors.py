"""Bad input to every command, from the user's side: each error names the file, says what is wrong and what
to do, exits non-zero, and never shows a Python traceback (regressions of the CLI error audit)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from careersurvey.cli import app

QUESTIONNAIRE = "stem-careers@1.0.0"
#: A folder no one can create a file in (Linux): writing there fails after every up-front check passed.
UNWRITABLE = Path("/proc")
needs_proc = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc for an unwritable path")


def run(*args: str | Path):
    """Invoke the CLI; the result's ``output`` holds stdout and stderr."""
    return CliRunner().invoke(app, [str(a) for a in args])


def failed(result, *words: str, code: int | None = None) -> str:
    """Assert a clean failure: non-zero exit (or ``code``), no traceback, every word in the message."""
    text = result.output
    assert result.exit_code != 0, text
    if code is not None:
        assert result.exit_code == code, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in text, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return text


@pytest.fixture()
def binary(tmp_path: Path) -> Path:
    """A file that is not UTF-8 text (the first bytes of a zip, as an .xlsx is)."""
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xf7\xff\x00\x00" * 8)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store with one import (two quarantined rows: consent is no code of its list). A CSV holding none of the
    items is refused (exit 2), so it cannot make this store."""
    folder = tmp_path_factory.mktemp("store")
    rows = folder / "rows.csv"
    rows.write_text("respondent_id,consent\n0001,7\n0002,x\n", encoding="utf-8")
    path = folder / "s.duckdb"
    res = run("responses", "import", rows, "--store", path, "-q", QUESTIONNAIRE)
    assert res.exit_code == 0, res.output
    return path


@pytest.fixture()
def weights_csv(tmp_path: Path) -> Path:
    path = tmp_path / "w.csv"
    path.write_text("respondent_id,w\n" + "".join(f"r{i},{i}\n" for i in range(1, 11)), encoding="utf-8")
    return path


# -- questionnaire -------------------------------------------------------------------------------------------


def test_questionnaire_given_a_folder_says_it_is_a_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "forms").mkdir()
    failed(run("questionnaire", "validate", "forms"), "'forms' is a folder", "id@version", code=1)
    failed(run("questionnaire", "show", "forms/"), "'forms/' is a folder", code=1)


def test_questionnaire_given_a_binary_file_names_it(binary: Path) -> None:
    failed(run("questionnaire", "validate", binary), str(binary), "not a UTF-8 text file", "survey/FORMAT.md",
           code=1)
    failed(run("forms", "export", binary, "-f", "xlsform"), str(binary), "not a UTF-8 text file")


# -- forms export --------------------------------------------------------------------------------------------


@needs_proc
def test_forms_export_to_an_unwritable_place(tmp_path: Path) -> None:
    out = UNWRITABLE / "careersurvey-x.xlsx"
    failed(run("forms", "export", QUESTIONNAIRE, "-f", "xlsform", "-o", out), str(out), "cannot write the file",
           code=1)


def test_forms_export_to_a_folder_or_a_wrong_extension(tmp_path: Path) -> None:
    failed(run("forms", "export", QUESTIONNAIRE, "-f", "template", "-o", tmp_path), str(tmp_path),
           "names a folder", "add a file name", code=1)
    bad = tmp_path / "form.csv"
    failed(run("forms", "export", QUESTIONNAIRE, "-f", "xlsform", "-o", bad), "xlsform is written as .xlsx",
           "change the file extension", code=1)
    assert not bad.exists()
    failed(run("forms", "export", QUESTIONNAIRE, "-f", "ddi", "-o", tmp_path / "ddi.xlsx"), "ddi is written as .xml")


# -- responses -----------------------------------------------------------------------------------------------


def test_a_csv_named_as_the_store_is_refused_and_kept(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    wrong = tmp_path / "people.csv"
    wrong.write_text("x,y\n5,6\n", encoding="utf-8")
    out = failed(run("responses", "import", data, "--store", wrong, "-q", QUESTIONNAIRE), str(wrong),
                 "not a DuckDB response store", "responses.duckdb")
    assert "accepted" not in out  # nothing claimed as imported (DuckDB would have used an in-memory database)
    assert wrong.read_text(encoding="utf-8") == "x,y\n5,6\n"
    failed(run("responses", "status", "--store", wrong), "not a DuckDB response store", code=1)


def test_store_path_is_a_folder_or_in_a_missing_folder(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    failed(run("responses", "import", data, "--store", tmp_path, "-q", QUESTIONNAIRE), "is a folder",
           "name the store file", code=2)
    missing = tmp_path / "nowhere" / "s.duckdb"
    failed(run("responses", "import", data, "--store", missing, "-q", QUESTIONNAIRE),
           f"the folder {missing.parent} does not exist", "create it", code=2)


def test_a_yaml_file_is_not_imported_as_responses(tmp_path: Path) -> None:
    wrong = tmp_path / "targets.yaml"
    wrong.write_text("id: x\nmargins: {}\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    failed(run("responses", "import", wrong, "--store", store, "-q", QUESTIONNAIRE), str(wrong),
           "not a response file", "--kind csv", code=2)


def test_problems_of_an_import_that_does_not_exist(store: Path) -> None:
    failed(run("responses", "problems", "--store", store, "--import", "99"), "no import 99",
           "responses status", code=1)
    assert run("responses", "problems", "--store", store, "--import", "1").exit_code == 0


@needs_proc
def test_problems_and_export_to_an_unwritable_place(store: Path) -> None:
    failed(run("responses", "problems", "--store", store, "-o", UNWRITABLE / "careersurvey-p.xlsx"), "cannot write the file",
           code=1)
    for fmt in ("csv", "xlsx", "parquet"):
        out = UNWRITABLE / f"careersurvey-x.{fmt}"
        failed(run("responses", "export", "--store", store, "-f", fmt, "-o", out), str(out),
               "cannot write the file", code=1)


def test_export_options_that_cannot_work(store: Path, tmp_path: Path) -> None:
    failed(run("responses", "export", "--store", store, "-f", "dta", "-o", tmp_path), "is a folder",
           "add a file name", code=1)
    failed(run("responses", "export", "--store", store, "-f", "csv", "-o", tmp_path / "x.csv", "--encoding",
               "nope"), "unknown encoding 'nope'", "cp949", code=1)
    failed(run("responses", "export", "--store", store, "-f", "csv", "-o", tmp_path / "x.xlsx"),
           "--format csv but the file is named .xlsx", code=1)
    assert not (tmp_path / "x.xlsx").exists()


# -- weights -------------------------------------------------------------------------------------------------


def test_targets_that_are_a_folder_or_not_text(weights_csv: Path, binary: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    failed(run("weights", "rake", "--data", weights_csv, "--targets", tmp_path, "--out", out),
           "is a folder, not a targets file", "available: kr-researchers-2023", code=1)
    text = failed(run("weights", "rake", "--data", weights_csv, "--targets", binary, "--out", out), str(binary),
                  "cannot be read as a YAML text file", code=1)
    assert f"{weights_csv}:" not in text  # the error is the targets file's, not the data's


def test_unknown_targets_id_lists_the_known_ones(weights_csv: Path, tmp_path: Path) -> None:
    text = failed(run("weights", "calibrate", "--data", weights_csv, "--targets", "kr-nobody-1999",
                      "--out", tmp_path / "o.csv"), "no targets 'kr-nobody-1999'",
                  "available: kr-researchers-2023", code=1)
    assert f"{weights_csv}:" not in text


def test_weights_out_is_a_folder_or_unwritable_and_data_a_folder(weights_csv: Path, tmp_path: Path) -> None:
    failed(run("weights", "trim", "--data", weights_csv, "--weights", "w", "--upper", "8", "--out", tmp_path),
           "names a folder", code=1)
    failed(run("weights", "trim", "--data", tmp_path, "--weights", "w", "--upper", "8", "--out",
               tmp_path / "o.csv"), "is a folder", "CSV file", code=1)
    if Path("/proc").is_dir():
        failed(run("weights", "trim", "--data", weights_csv, "--weights", "w", "--upper", "8", "--out",
                   UNWRITABLE / "careersurvey-o.csv"), "cannot write the file", code=1)


# -- analyze, report, demo -----------------------------------------------------------------------------------


def test_a_plugin_named_by_path_or_not_importable_is_not_ignored(store: Path, tmp_path: Path) -> None:
    """Plug-ins are module names, never files: a path is refused, a module that cannot be imported is named."""
    out = tmp_path / "o"
    failed(run("analyze", "--store", store, "--plugin", tmp_path / "rq.py", "--out", out), "is not a module name",
           "never run from a file path", code=2)
    failed(run("report", "--store", store, "--plugin", "no_such_program.rq1", "--out", out),
           "no module 'no_such_program.rq1' can be imported", "PYTHONPATH", code=2)
    failed(run("analyze", "RQ1", "--store", store, "--sample", tmp_path / "s.csv", "--out", out), "--sample",
           code=2)  # the design is declared in a design file (--design), never read from guessed columns


def test_out_folders_that_cannot_be_made(store: Path, tmp_path: Path) -> None:
    afile = tmp_path / "report.html"
    afile.write_text("x", encoding="utf-8")
    failed(run("report", "--store", store, "--out", afile), "names a file, but a folder is needed", code=1)
    failed(run("demo", "--out", afile), "names a file, but a folder is needed", code=1)
    if Path("/proc").is_dir():
        failed(run("analyze", "RQ2", "--store", store, "--out", UNWRITABLE / "careersurvey-o"), "cannot create the folder",
               code=1)


def test_demo_seed_and_institutions_must_make_sense(tmp_path: Path) -> None:
    failed(run("demo", "--out", tmp_path / "d", "--seed", "-1"), "--seed", code=2)
    failed(run("demo", "--out", tmp_path / "d", "--institutions", "0"), "--institutions", code=2)
    assert not (tmp_path / "d").exists()


def test_a_store_without_accepted_responses_says_so(store: Path, tmp_path: Path) -> None:
    failed(run("analyze", "RQ3", "--store", store, "--out", tmp_path / "o", "--plugin", "stem_careers"), str(store),
           "no accepted responses", "responses problems", code=2)


def test_a_questionnaire_the_store_does_not_hold(store: Path, tmp_path: Path) -> None:
    failed(run("responses", "export", "--store", store, "-f", "csv", "-o", tmp_path / "x.csv", "-q",
               "other-survey@1.0.0"), str(store), "no responses to 'other-survey'",
           f"it holds {QUESTIONNAIRE}", code=1)


def test_a_margin_item_missing_from_the_data_says_what_to_do(weights_csv: Path, tmp_path: Path) -> None:
    failed(run("weights", "rake", "--data", weights_csv, "--targets", "kr-researchers-2023", "--out",
               tmp_path / "o.csv"), str(weights_csv), "margin 'sector'", "no item 'sector'", "--margin", code=1)


def test_weights_on_a_header_only_csv(tmp_path: Path) -> None:
    data = tmp_path / "header.csv"
    data.write_text("respondent_id,w\n", encoding="utf-8")
    failed(run("weights", "trim", "--data", data, "--weights", "w", "--upper", "2", "--out", tmp_path / "o.csv"),
           str(data), "no respondents to weight", "add the data rows", code=1)


def test_a_template_naming_an_unknown_questionnaire_names_the_file(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    template = tmp_path / "entry.xlsx"
    assert run("forms", "export", QUESTIONNAIRE, "-f", "template", "-o", template, "--rows", "5").exit_code == 0
    book = openpyxl.load_workbook(template)
    for row in book["_meta"].iter_rows():
        for cell in row:
            if cell.value == "stem-careers":
                cell.value = "other-survey"
    book.save(template)
    failed(run("responses", "import", template, "--store", tmp_path / "s.duckdb"), f"{template}:",
           "_meta sheet names questionnaire 'other-survey@1.0.0'", "--questionnaire", code=2)

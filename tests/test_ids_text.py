"""Identifiers stay text (issue 12), command by command: ids a reader that guesses types would change
(``0001`` -> 1, a 19-digit id -> a float, ``NA`` -> missing) survive ``careersurvey weights`` (--store,
--sample, --data), ``responses export`` in every format, and the exports read back with --data.

On a small questionnaire of our own (tests/questionnaire/data/mini-1.0.0.yaml), not the demo's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app

runner = CliRunner()


# -- ids stay text: a small questionnaire of our own (tests/questionnaire/data/mini-1.0.0.yaml), ids a program
#    that guesses types would turn into numbers

MINI = Path(__file__).parent / "questionnaire" / "data" / "mini-1.0.0.yaml"
#: ids that look like numbers: a CSV reader without dtype=str makes 0001 the integer 1
DIGIT_IDS = ["0001", "0002", "0003", "0004", "0005", "0006", "1234567890123456789"]
ROLES_TARGETS = """id: mini-roles
population_total: 1000
source: "a test"
year: 2026
margins:
  role:
    variable: role
    levels:
      student: {codes: [1], share: 0.4}
      staff: {codes: [2, 3], share: 0.6}
"""


def mini_store(tmp_path, monkeypatch, ids) -> tuple[Path, Path]:
    """A store of the mini questionnaire holding one respondent per id (roles 1, 2, 3 in turn), and targets."""
    from careersurvey.responses.importer import import_responses

    survey = tmp_path / "survey" / "mini"
    survey.mkdir(parents=True)
    survey.joinpath("1.0.0.yaml").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("CAREERSURVEY_SURVEY_DIR", str(tmp_path / "survey"))
    rows = "".join(f"{rid},1,{i % 3 + 1},3,4\n" for i, rid in enumerate(ids))
    data = tmp_path / "answers.csv"
    data.write_text("respondent_id,consent,role,fear_shame,overall\n" + rows, encoding="utf-8")
    db = tmp_path / "mini.duckdb"
    (result,) = import_responses(data, db, "mini@1.0.0")
    assert result.accepted == len(ids), result
    targets = tmp_path / "mini-roles.yaml"
    targets.write_text(ROLES_TARGETS, encoding="utf-8")
    return db, targets


def test_sample_design_ids_are_text_on_a_store(tmp_path, monkeypatch) -> None:
    """Issue 12: ids like 0001 were read from --sample as numbers, so no respondent had a design row."""
    db, targets = mini_store(tmp_path, monkeypatch, DIGIT_IDS)
    sample = tmp_path / "sample_design.csv"
    order = [6, 2, 0, 5, 1, 4, 3]  # any order: the join is by id
    sample.write_text("respondent_id,stratum,psu,design_weight\n" + "".join(
        f"{DIGIT_IDS[i]},0{i % 2 + 1},00{i},{10 * (i + 1)}\n" for i in order), encoding="utf-8")
    out = tmp_path / "weighted.csv"
    res = runner.invoke(app, ["weights", "rake", "--store", str(db), "--sample", str(sample), "--targets",
                              str(targets), "--weights", "design_weight", "--strata", "stratum", "--psu", "psu",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(out, dtype={"respondent_id": str, "stratum": str, "psu": str})
    assert written["respondent_id"].tolist() == DIGIT_IDS
    assert written["design_weight"].tolist() == [10 * (i + 1) for i in range(7)]  # each its own row
    assert written["psu"].tolist() == [f"00{i}" for i in range(7)]
    # the weights are the API's on the same join
    t = cs.load_targets(str(targets))
    data = cs.attach_sample_design(cs.load_responses(db, labels=False), sample, text=("stratum", "psu"))
    expected = cs.SurveyDesign(t.add_margin_columns(data), weights="design_weight", strata="stratum",
                               psu="psu").rake(t.margins())
    np.testing.assert_allclose(written["weight"], expected.w, rtol=1e-12)


#: every kind of id at once: zeros, 19 digits, Hangul, a word pandas reads as missing
MIXED_IDS = ["0001", "0002", "1234567890123456789", "응답자-7", "NA", "0010", "0100", "null", "00000000000000000042"]


def _written_ids(path: Path) -> list[str]:
    """The respondent_id column of a CSV exactly as written (no type guessing, no NA words)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)["respondent_id"].tolist()


@pytest.mark.parametrize("ids", [DIGIT_IDS, MIXED_IDS], ids=["digits", "mixed"])
def test_data_files_keep_their_ids_in_trim_calibrate_and_rake(tmp_path, monkeypatch, ids) -> None:
    """Issue 12: `weights ... --data` wrote respondent_id 1 for 0001 (pd.read_csv without dtype=str)."""
    _, targets = mini_store(tmp_path, monkeypatch, ids)
    data = tmp_path / "data.csv"
    data.write_text("respondent_id,role,pw\n" + "".join(f"{rid},{i % 3 + 1},{i + 1}.5\n" for i, rid in enumerate(ids)),
                    encoding="utf-8")
    for command in (["trim", "--upper", "6"], ["calibrate", "--targets", str(targets)],
                    ["rake", "--targets", str(targets)]):
        out = tmp_path / f"{command[0]}.csv"
        res = runner.invoke(app, ["weights", *command, "--data", str(data), "--weights", "pw", "--out", str(out)])
        assert res.exit_code == 0, (command, res.output)
        assert _written_ids(out) == ids, command
    # a weights output read back by the next command (the README's rake -> calibrate -> trim chain)
    again = tmp_path / "again.csv"
    res = runner.invoke(app, ["weights", "trim", "--data", str(tmp_path / "rake.csv"), "--weights", "weight",
                              "--upper", "200", "--weight-column", "w2", "--out", str(again)])
    assert res.exit_code == 0, res.output
    assert _written_ids(again) == ids


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav", "dta"])
def test_exports_keep_ids_and_read_back_as_data(tmp_path, monkeypatch, fmt) -> None:
    """`responses export` writes the ids as text in every format (read here with each format's own reader),
    and `weights rake --data` reads that export back with the same ids and the same weights as --store."""
    db, targets = mini_store(tmp_path, monkeypatch, MIXED_IDS)
    export = tmp_path / f"export.{fmt}"
    res = runner.invoke(app, ["responses", "export", "--store", str(db), "--format", fmt, "--out", str(export)])
    assert res.exit_code == 0, res.output
    if fmt == "csv":
        stored = pd.read_csv(export, dtype=str, keep_default_na=False, encoding="utf-8-sig")["respondent_id"]
    elif fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(export).worksheets[0]
        stored = [c.value for c in sheet["A"][2:]]  # names in row 1, variable labels in row 2
    elif fmt == "parquet":
        stored = pd.read_parquet(export)["respondent_id"]
    else:
        import pyreadstat

        read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        stored = read(str(export))[0]["respondent_id"]
    assert list(stored) == MIXED_IDS
    out, direct = tmp_path / "from_export.csv", tmp_path / "from_store.csv"
    for source, path in ((["--data", str(export)], out), (["--store", str(db)], direct)):
        res = runner.invoke(app, ["weights", "rake", *source, "--targets", str(targets), "--out", str(path)])
        assert res.exit_code == 0, res.output
    assert _written_ids(out) == MIXED_IDS
    np.testing.assert_allclose(pd.read_csv(out)["weight"], pd.read_csv(direct)["weight"], rtol=1e-12)


def test_a_data_file_of_another_kind_is_named(tmp_path) -> None:
    data = tmp_path / "data.json"
    data.write_text("{}", encoding="utf-8")
    res = runner.invoke(app, ["weights", "trim", "--data", str(data), "--weights", "w", "--upper", "2", "--out",
                              str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert (f"{data}: cannot read a .json file as the data file; give a .csv, .xlsx, .parquet, .sav, .dta file"
            in res.output.replace("\n", ""))


def test_weighting_errors_name_respondents_and_file_rows(tmp_path, monkeypatch) -> None:
    """Errors of `weights` name the respondent id (store and data with ids) or the file's row (data without
    ids), never a 0-based pandas position."""
    db, targets = mini_store(tmp_path, monkeypatch, DIGIT_IDS)
    sample = tmp_path / "sample_design.csv"
    sample.write_text("respondent_id,design_weight\n" + "".join(
        f"{rid},{-1 if rid == '0005' else 10}\n" for rid in DIGIT_IDS), encoding="utf-8")
    res = runner.invoke(app, ["weights", "rake", "--store", str(db), "--sample", str(sample), "--targets",
                              str(targets), "--weights", "design_weight", "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert "1 row(s) are not (respondent_id '0005', e.g. value -1)" in res.output.replace("\n", "")
    data = tmp_path / "data.csv"
    data.write_text("role,pw\n1,1\n2,1\n\n3,1\n,1\n", encoding="utf-8")  # a blank line: file rows, not positions
    res = runner.invoke(app, ["weights", "rake", "--data", str(data), "--targets", str(targets), "--weights", "pw",
                              "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert "column 'role_margin' is missing in 1 rows (row 6)" in res.output.replace("\n", "")

"""``careersurvey forms export`` over the real instrument and the error paths."""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

from careersurvey.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("fmt", "name", "magic"),
    [("xlsform", "x.xlsx", b"PK"), ("template", "t.xlsx", b"PK"), ("codebook", "c.html", b"<!DOCTYPE html>"),
     ("codebook", "c.xlsx", b"PK"), ("ddi", "d.xml", b"<?xml"), ("paper", "p.html", b"<!DOCTYPE html>")],
)
def test_export_each_format(tmp_path, fmt, name, magic):
    out = tmp_path / name
    result = runner.invoke(app, ["forms", "export", "stem-careers@1.0.0", "--format", fmt, "--lang", "ko", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {fmt} (ko) of stem-careers@1.0.0 to {out}" in " ".join(result.output.split())
    assert out.read_bytes().startswith(magic)


def test_default_file_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["forms", "export", "stem-careers@1.0.0", "-f", "template", "--rows", "10"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "stem-careers-1.0.0-template-both.xlsx")
    assert wb["_meta"]["B1"].value == "careersurvey-entry-template"


def test_errors_say_what_to_do(tmp_path):
    result = runner.invoke(app, ["forms", "export", "no-such-survey@9.9.9", "-f", "ddi", "-o", str(tmp_path / "d.xml")])
    assert result.exit_code == 1 and "error:" in result.output and "no-such-survey" in result.output
    result = runner.invoke(app, ["forms", "export", "stem-careers@1.0.0", "-f", "paper", "-o", str(tmp_path / "p.docx")])
    assert result.exit_code == 1 and "a paper form is written as .html or .pdf" in " ".join(result.output.split())
    result = runner.invoke(app, ["forms", "export", "stem-careers@1.0.0", "-f", "ddi", "-o", str(tmp_path / "no" / "d.xml")])
    assert result.exit_code == 1 and "does not exist; create it" in " ".join(result.output.split())
    result = runner.invoke(app, ["forms", "export", "stem-careers@1.0.0", "-f", "pdf"])
    assert result.exit_code == 2


def test_questionnaire_as_a_yaml_path(tmp_path):
    from careersurvey.questionnaire import load_questionnaire

    source = load_questionnaire("stem-careers@1.0.0").source
    out = tmp_path / "cb.html"
    result = runner.invoke(app, ["forms", "export", str(source), "-f", "codebook", "-l", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Codebook" in out.read_text(encoding="utf-8")


def test_public_names_are_the_forms_functions():
    import careersurvey as cs
    from careersurvey.forms import codebook, ddi, paper, template, xlsform

    assert (cs.export_xlsform, cs.export_template, cs.export_codebook, cs.export_ddi, cs.export_paper) == (
        xlsform.export_xlsform, template.export_template, codebook.export_codebook, ddi.export_ddi, paper.export_paper)


def test_template_rows_must_be_positive(tmp_path):
    from careersurvey.forms.common import FormError
    from careersurvey.forms.template import export_template

    with pytest.raises(FormError, match=r"t\.xlsx: the template needs at least 1 validated data row \(got rows=0\)"):
        export_template("stem-careers@1.0.0", tmp_path / "t.xlsx", rows=0)


def test_questionnaire_problems_keep_the_bracketed_item_name(tmp_path):
    """Problems read ``file:line: [item] what — what to do``; the [item] must not be taken for rich markup."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "survey" / "stem-careers" / "1.0.0.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "stem-careers" / "1.0.0.yaml"
    broken.parent.mkdir()
    broken.write_text(text.replace("choices: lang\n", "choices: no_such_list\n", 1), encoding="utf-8")
    line = text[: text.index("choices: lang\n")].count("\n") + 1
    result = runner.invoke(app, ["forms", "export", str(broken), "-f", "ddi", "-o", str(tmp_path / "d.xml")])
    assert result.exit_code == 1
    assert f"{broken}:{line}: [lang] item 'lang' uses choice list 'no_such_list', which is not defined" in result.output

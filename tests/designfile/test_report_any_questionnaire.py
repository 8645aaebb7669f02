"""``careersurvey report --design`` on a questionnaire that is not stem-careers (alumni, conftest.py): the
report builds from the questionnaire and the declared design, leaves the stem-careers research questions out
with a sentence saying why (no KeyError), and without --design says its estimates are unweighted."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

import careersurvey as cs
from careersurvey.cli import app


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_with_a_design_file(alumni_survey, tmp_path) -> None:
    alumni = alumni_survey
    res = CliRunner().invoke(app, ["report", "--store", str(alumni["store"]), "--design", str(alumni["design"]),
                                   "--plugin", "stem_careers", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    page = _text((tmp_path / "r" / "report.html").read_text(encoding="utf-8"))
    assert ("The plug-in analyses RQ1, RQ2, RQ3, RQ4, RQ5 are written for stem-careers@1.1.0; this store holds "
            "alumni@1.0.0, so they are left out.") in page
    assert "RQ2 Intentions to leave Korea and science stem_careers.rq2_leaving left out: written for" in page
    assert "raked to alumni-2025 (sex; population 5,000)" in page
    assert "Design declared in design.yaml: weights w; strata cls; PSUs by stage unit; fpc n_cls" in page
    assert "estimates are unweighted" not in page and "Targets and achieved shares" in page
    assert "Job satisfaction" in page or "happy" in page  # the questionnaire's scale, assessed


def test_report_without_a_design_says_it_is_unweighted(alumni_survey, tmp_path) -> None:
    alumni = alumni_survey
    res = CliRunner().invoke(app, ["report", "--store", str(alumni["store"]), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    page = _text((tmp_path / "r" / "report.html").read_text(encoding="utf-8"))
    assert "No design file was given (--design), so the estimates are unweighted" in page
    assert "their standard errors assume simple random sampling" in page


def test_a_design_file_with_a_mistake_stops_the_report_naming_its_line(alumni_survey, tmp_path) -> None:
    alumni = alumni_survey
    bad = tmp_path / "design.yaml"
    bad.write_text(alumni["design"].read_text().replace("file: sample.csv", f"file: {alumni['sample']}")
                   .replace("alumni-2025.yaml", str(alumni["targets"])).replace("strata: cls", "strata: klass"),
                   encoding="utf-8")
    alumni = alumni_survey
    res = CliRunner().invoke(app, ["report", "--store", str(alumni["store"]), "--design", str(bad),
                                   "--out", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert f"{bad}:7: [strata] strata: column 'klass' is in neither the sample file sample.csv" in res.output
    assert "Traceback" not in res.output


def test_the_design_is_declared_never_read_from_guessed_columns(alumni_survey, tmp_path) -> None:
    """--sample/--targets (a sample file read by the fixed names stratum, psu, fpc1, design_weight) are gone: the
    design file declares the columns."""
    alumni = alumni_survey
    for option, value in (("--sample", alumni["sample"]), ("--targets", "alumni-2025")):
        res = CliRunner().invoke(app, ["report", "--store", str(alumni["store"]), option, str(value),
                                       "--out", str(tmp_path / "r")])
        assert res.exit_code == 2 and "No such option" in res.output


def test_the_api_builds_the_same_report(alumni_survey, tmp_path) -> None:
    alumni = alumni_survey
    files = cs.build_report(alumni["store"], tmp_path / "r", design=cs.load_design_file(alumni["design"]))
    assert files.errors == {} and files.results == {}


def test_design_check_and_schema_commands(alumni, tmp_path) -> None:
    ok = CliRunner().invoke(app, ["design", "check", str(alumni["design"])])
    assert ok.exit_code == 0, ok.output
    assert "design for alumni@1.0.0; weights w; strata cls; psu unit; fpc n_cls; lonely_psu adjust" in ok.output
    bad = tmp_path / "d.yaml"
    bad.write_text("questionnaire: alumni@1.0.0\nlonely_psu: centre\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["design", "check", str(bad)])
    assert res.exit_code == 2 and f"{bad}:2: [lonely_psu] lonely_psu: 'centre' is not allowed" in res.output
    schema = CliRunner().invoke(app, ["design", "schema"])
    assert schema.output == (Path(cs.__file__).parent / "designfile" / "schema.json").read_text(encoding="utf-8")


def test_analyze_names_what_the_research_questions_are_written_for(alumni_survey, tmp_path) -> None:
    alumni = alumni_survey
    res = CliRunner().invoke(app, ["analyze", "RQ2", "--store", str(alumni["store"]), "--design",
                                   str(alumni["design"]), "--plugin", "stem_careers", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert ("RQ2 (stem_careers.rq2_leaving) is written for stem-careers@1.1.0; this store holds alumni@1.0.0; "
            "`careersurvey report` gives the generic report") in " ".join(res.output.split())


def test_report_with_design_weights_and_no_targets(alumni_survey, tmp_path) -> None:
    alumni = alumni_survey
    path = alumni["design"].with_name("no-targets.yaml")
    path.write_text(alumni["design"].read_text().split("targets:")[0], encoding="utf-8")
    files = cs.build_report(alumni["store"], tmp_path / "r", design=path)
    page = _text(files.html.read_text(encoding="utf-8"))
    assert "Weight distribution" in page and "Targets and achieved shares" not in page
    assert "Design declared in no-targets.yaml: weights w" in page and "estimates are unweighted" not in page


def test_analyze_without_plugins_runs_the_generic_analyses(alumni_survey, tmp_path) -> None:
    """A program with no plug-in of its own (stem-careers' are left out: written for another questionnaire) gets
    every item's weighted estimates, the crosstabs it names and its scales in generic.xlsx."""
    from openpyxl import load_workbook

    alumni = alumni_survey
    res = CliRunner().invoke(app, ["analyze", "--store", str(alumni["store"]), "--design", str(alumni["design"]),
                                   "--plugin", "stem_careers", "--by", "sex", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "RQ2 left out: written for stem-careers@1.1.0; this store holds alumni@1.0.0" in out
    assert "- Every item: weighted frequencies and summaries: 7 tables" in out
    assert "- Crosstabs by sex: 5 tables" in out
    sheets = load_workbook(tmp_path / "o" / "generic.xlsx", read_only=True).sheetnames
    for name in ("freq_job", "numeric", "item_nonresponse", "tests_sex", "by_sex_job", "scale_scores", "reliability"):
        assert any(s.startswith(name) for s in sheets), (name, sheets)
    bad = CliRunner().invoke(app, ["analyze", "--store", str(alumni["store"]), "--design", str(alumni["design"]),
                                   "--by", "pay", "--out", str(tmp_path / "o2")])
    assert bad.exit_code == 2 and "--by pay: not a single or rating item of alumni@1.0.0" in " ".join(bad.output.split())


def test_analyze_writes_its_tables_in_the_language_asked(alumni_survey, tmp_path) -> None:
    """``analyze --lang ko`` as ``report --lang ko``: the generic workbook's contents, titles and headings in
    Korean (the English run has none); a language the report does not speak is refused."""
    from openpyxl import load_workbook

    alumni = alumni_survey

    def cells(lang: str) -> tuple[str, str]:
        res = CliRunner().invoke(app, ["analyze", "--store", str(alumni["store"]), "--design", str(alumni["design"]),
                                       "--plugin", "stem_careers", "--by", "sex", "--lang", lang,
                                       "--out", str(tmp_path / lang)])
        assert res.exit_code == 0, res.output
        book = load_workbook(tmp_path / lang / "generic.xlsx", read_only=True)
        words = " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for c in row if isinstance(c, str))
        return " ".join(res.output.split()), words

    out, ko = cells("ko")
    assert "- sex별 교차표: 5 tables" in out
    for word in ("시트", "응답자 수(가중 전)", "95% 신뢰구간", "척도 점수: 가중 평균"):
        assert word in ko, word
    _, en = cells("en")
    assert "Sheet" in en and "n (unweighted)" in en and not re.search(r"[가-힣]", en)
    bad = CliRunner().invoke(app, ["analyze", "--store", str(alumni["store"]), "--lang", "fr",
                                   "--out", str(tmp_path / "fr")])
    assert bad.exit_code == 2 and "the report is written in en or ko" in " ".join(bad.output.split())

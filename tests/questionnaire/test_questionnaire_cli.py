"""``careersurvey questionnaire validate|show|diff|schema`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rich.cells import cell_len

from careersurvey.cli import app
from careersurvey.questionnaire import load_questionnaire
from careersurvey.questionnaire.spec import json_schema_text

DATA = Path(__file__).parent / "data"
MINI = str(DATA / "mini-1.0.0.yaml")
MINI2 = str(DATA / "mini-1.1.0.yaml")
STEM = str(Path(__file__).resolve().parents[2] / "survey" / "stem-careers" / "1.0.0.yaml")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["questionnaire", *args], env={"COLUMNS": "200"})


def test_validate_ok() -> None:
    result = run("validate", MINI)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "ok mini@1.0.0 (released, 2026-01-15): 2 modules, 11 items (13 data columns, 1 grid), 1 scale, "
        "4 choice lists, languages ko, en")


def test_validate_lists_every_problem_and_fails(tmp_path: Path) -> None:
    text = Path(MINI).read_text(encoding="utf-8")
    text = text.replace("version: 1.0.0\n", "version: v1\n").replace("      - name: overall\n", "      - name: hours\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"2 problems in {path}:",
        f"{path}:3: version 'v1' is not a semantic version — write MAJOR.MINOR.PATCH, e.g. 1.0.0 or 1.1.0-rc.1.",
        f"{path}:96: [hours] name 'hours' is already used at line 66 — every item, grid, grid row and note needs "
        "its own name.",
    ]


def test_validate_missing_file() -> None:
    result = run("validate", "no/such/file.yaml")
    assert result.exit_code == 1
    assert "questionnaire file 'no/such/file.yaml' does not exist" in result.stderr


@pytest.mark.parametrize("lang, words", [("ko", ["작은 시험 설문", "현재 신분은 무엇입니까?", "실패에 대한 두려움"]),
                                         ("en", ["A small test survey", "What is your position?", "Fear of failure"])])
def test_show(lang: str, words: list[str]) -> None:
    result = run("show", MINI, "--lang", lang)
    assert result.exit_code == 0, result.output
    for w in words:
        assert w in result.stdout
    assert "fear_calm (R)" in result.stdout
    assert "role in [2, 3]" in result.stdout
    assert "0..120" in result.stdout


@pytest.mark.parametrize("columns", [30, 50, 80])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_show_fits_narrow_terminals(columns: int, lang: str) -> None:
    """Below the table width every item is a block: nothing overflows, names stay whole, labels wrap on words."""
    result = runner.invoke(app, ["questionnaire", "show", STEM, "--lang", lang], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= columns
    assert all(line == line.rstrip() for line in lines)
    assert "┃" not in result.stdout  # the list layout, not a folded table
    q = load_questionnaire(STEM)
    names = {i.name for i in q.items}
    heads = [line.split()[0] for line in lines if line and not line.startswith(" ")]
    assert [h for h in heads if h in names] == [i.name for i in q.items]  # each item once, its name unbroken
    assert "fof_calm (R)  rating [fof]" in lines and "fof_shame  rating [fof]" in lines
    body = " ".join(line.strip() for line in lines)
    for item in q.items:  # every label is printed whole, wrapped only at spaces
        assert item.label[lang] in body, item.name


def test_show_layouts_can_be_chosen() -> None:
    wide_list = runner.invoke(app, ["questionnaire", "show", MINI, "--layout", "list"], env={"COLUMNS": "200"})
    assert "┃" not in wide_list.stdout and "fear_calm (R)  rating [fear]" in wide_list.stdout.splitlines()
    assert "    asked if: role in [2, 3]" in wide_list.stdout.splitlines()
    narrow_table = runner.invoke(app, ["questionnaire", "show", MINI, "--layout", "table"], env={"COLUMNS": "60"})
    assert "┃ item" in narrow_table.stdout
    assert run("show", MINI).stdout.count("┃ item ") == 2  # auto at 200 columns: one table per module


def test_show_by_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_text(Path(MINI).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("CAREERSURVEY_SURVEY_DIR", str(tmp_path))
    result = run("show", "mini@1.0.0")
    assert result.exit_code == 0, result.output
    assert "mini@1.0.0 (released" in result.stdout


def test_diff() -> None:
    result = run("diff", MINI, MINI2)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "mini@1.0.0 -> mini@1.1.0"
    assert "  pay [m1_work]: type: decimal -> integer" in lines
    assert "  role changed: codes added: 4; labels changed: 3; used by role" in lines


def test_schema_prints_the_committed_schema() -> None:
    result = run("schema")
    assert result.exit_code == 0
    assert result.stdout == json_schema_text()
    assert json.loads(result.stdout)["title"] == "careersurvey questionnaire"


@pytest.mark.parametrize("command", ["validate", "show", "diff", "schema"])
def test_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_show_names_a_module_rule(tmp_path: Path) -> None:
    text = Path(MINI).read_text(encoding="utf-8").replace(
        '    intro: {ko: "일에 관한 질문입니다.", en: "Questions about work."}\n',
        '    intro: {ko: "일에 관한 질문입니다.", en: "Questions about work."}\n    relevance: "consent == 1"\n')
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["questionnaire", "show", str(path), "--lang", "en", "--layout", "list"],
                           env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "m1_work: Work (asked if consent == 1)" in lines
    assert "    asked if: consent == 1 and role != 1" in lines  # pay: the module's rule, then its own


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_show_lists_the_codes_and_labels_of_every_choice_list(lang: str) -> None:
    """Every choice list an item uses is printed in full once (long ones one choice a line), whatever its size."""
    q = load_questionnaire(STEM)
    result = runner.invoke(app, ["questionnaire", "show", STEM, "--lang", lang, "--layout", "list"],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    users: dict[str, list[str]] = {}
    for item in q.items:
        if item.choices is not None:
            users.setdefault(item.choices.name, []).append(item.name)
    assert len(users) == 37 and len(users["agree5"]) == 57
    long_lists = 0
    for name, items in users.items():
        pairs = [f"{c.code}={c.label[lang]}" for c in q.choice_lists[name].choices]
        if len(", ".join(pairs)) <= 60:
            assert lines.count(f"answers: {', '.join(pairs)}") >= len(items), name
            continue
        long_lists += 1
        at = lines.index(f"answers: {name}, {len(pairs)} choices:")
        assert lines[at + 1:at + 1 + len(pairs)] == pairs, name
        assert lines.count(f"answers: {name} ({len(pairs)} choices, listed at {items[0]})") == len(items) - 1
    assert long_lists >= 20


def test_show_prints_a_long_choice_list_once_then_refers_to_it(tmp_path: Path) -> None:
    """On a questionnaire of the test's own: a list is long by its text, not its number of choices."""
    text = Path(MINI).read_text(encoding="utf-8").replace('en: "Professor"', 'en: "Professor, lecturer or dean"')
    path = tmp_path / "mini-1.0.0.yaml"
    path.write_text(text.replace('en: "Student"', 'en: "Student in a degree programme"'), encoding="utf-8")
    listed = runner.invoke(app, ["questionnaire", "show", str(path), "--lang", "en", "--layout", "list"],
                           env={"COLUMNS": "100"})
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    at = lines.index("role  single")
    assert lines[at:at + 7] == [
        "role  single", "    What is your position?", "    answers: role, 3 choices:",
        "        1=Student in a degree programme", "        2=Researcher", "        3=Professor, lecturer or dean",
        "    asked if: consent == 1"]
    at = lines.index("fear_shame  rating [fear]")
    assert lines[at:at + 9] == [
        "fear_shame  rating [fear]", "    Failing makes me ashamed.", "    answers: agree5, 5 choices:",
        "        1=Strongly disagree", "        2=Disagree", "        3=Neither", "        4=Agree",
        "        5=Strongly agree", "    asked if: consent == 1"]
    assert lines[at + 9:at + 12] == ["fear_future  rating [fear]", "    Failing makes my future uncertain.",
                                     "    answers: agree5 (5 choices, listed at fear_shame)"]
    assert "    answers: 1=Yes, 0=No" in lines  # a short list stays on one line
    table = runner.invoke(app, ["questionnaire", "show", str(path), "--lang", "en", "--layout", "table"],
                          env={"COLUMNS": "250"})
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.stdout.splitlines() if "│" in line]
    answers = [row[3] for row in rows]
    at = answers.index("agree5, 5 choices:")
    assert answers[at:at + 6] == ["agree5, 5 choices:", "1=Strongly disagree", "2=Disagree", "3=Neither", "4=Agree",
                                  "5=Strongly agree"]

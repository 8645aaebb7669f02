"""User text printed by every command stays text: never rich markup, never an emoji code, no raw control characters.

File paths, labels, answers, column names and messages come from users. A folder named ``:100:`` once printed
as an emoji in ``questionnaire validate``; ``[bold]`` or ``[/]`` would restyle or break a line; an ESC or a
C1 control character would reach the terminal and could recolour or rewrite it. Each command is run on a
questionnaire, data and paths carrying all of these, and its output must show them literally, with control
characters escaped (``\\x1b``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from careersurvey.cli import app
from careersurvey.cli._common import shown

MINI = Path(__file__).parent / "questionnaire" / "data" / "mini-1.0.0.yaml"
#: Markup, closing tags, an emoji code, ESC (a colour sequence) and CSI as one C1 character.
HOSTILE = "[bold]b[/] :100: [/]\x1b[31m\x9b2J"
#: How HOSTILE must look in the output.
SHOWN = "[bold]b[/] :100: [/]\\x1b[31m\\x9b2J"
#: The same in a double-quoted YAML string.
HOSTILE_YAML = r"[bold]b[/] :100: [/]\e[31m\x9b2J"


def run(*args: str | Path):
    """Invoke the CLI on a wide terminal (so tables do not fold the strings); output holds stdout and stderr."""
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def plain(text: str) -> str:
    """``text`` after the checks every output must pass: no emoji, no raw ESC or C1 character."""
    assert "\N{HUNDRED POINTS SYMBOL}" not in text, text
    assert "\x1b" not in text and "\x9b" not in text, repr(text)
    return text


def test_shown_escapes_control_characters_and_keeps_lines() -> None:
    assert shown("a\x1b[31mb\x07c\rd\x7fe\x85f\u202eg\u2066h") == "a\\x1b[31mb\\x07c\\x0dd\\x7fe\\x85f\\u202eg\\u2066h"
    assert shown("[bold]x[/] :100:\n\ttab") == "[bold]x[/] :100:\n\ttab"
    assert shown(Path("/a/b")) == "/a/b"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    path = tmp_path / HOSTILE  # its slashes make three nested folders
    path.mkdir(parents=True)
    return path


@pytest.fixture()
def hostile_questionnaire(folder: Path) -> Path:
    """The mini questionnaire with HOSTILE in an item label, a choice label, a module title and a scale label."""
    text = MINI.read_text(encoding="utf-8")
    for old in ('en: "What is your position?"', 'en: "Researcher"', 'en: "Work"', 'en: "Fear of failure"'):
        assert old in text
        text = text.replace(old, f'{old[:-1]} {HOSTILE_YAML}"')
    path = folder / "mini-1.0.0.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- questionnaire -------------------------------------------------------------------------------------------

def test_validate_problems_name_a_hostile_path_as_it_is(folder: Path) -> None:
    path = folder / "broken.yaml"
    path.write_text(MINI.read_text(encoding="utf-8").replace('"role != 1"', '"rol != 1"'), encoding="utf-8")
    result = run("questionnaire", "validate", path)
    assert result.exit_code == 1
    where = shown(path)
    assert plain(result.stderr).splitlines() == [
        f"1 problem in {where}:",
        f"{where}:79: [pay] relevance of 'pay' refers to 'rol', which is not an item of this questionnaire — "
        "check the spelling (did you mean 'role'?).",
    ]


@pytest.mark.parametrize("layout", ["table", "list"])
def test_show_prints_hostile_labels_as_text(hostile_questionnaire: Path, layout: str) -> None:
    result = run("questionnaire", "show", hostile_questionnaire, "--lang", "en", "--layout", layout)
    assert result.exit_code == 0, result.output
    out = plain(result.stdout)
    for text in (f"What is your position? {SHOWN}", f"2=Researcher {SHOWN}", f"Work {SHOWN}",
                 f"Fear of failure {SHOWN}"):
        assert text in out, (text, out)


def test_diff_prints_hostile_labels_as_text(hostile_questionnaire: Path) -> None:
    result = run("questionnaire", "diff", MINI, hostile_questionnaire)
    assert result.exit_code == 0, result.output
    out = plain(result.stdout)
    assert f"  role [m1_work]: label (en): 'What is your position?' -> 'What is your position? {SHOWN}'\n" in out


# -- forms ---------------------------------------------------------------------------------------------------

def test_forms_export_names_a_hostile_path_as_it_is(hostile_questionnaire: Path, folder: Path) -> None:
    out = folder / "codebook.xlsx"
    result = run("forms", "export", hostile_questionnaire, "-f", "codebook", "-l", "en", "--out", out)
    assert result.exit_code == 0, result.output
    assert plain(result.stdout) == f"wrote codebook (en) of mini@1.0.0 to {shown(out)}\n"
    assert out.is_file()


# -- responses -----------------------------------------------------------------------------------------------

@pytest.fixture()
def imported(hostile_questionnaire: Path, folder: Path):
    """A CSV in the hostile folder with a hostile answer (not a code of role), imported into a store there."""
    data = folder / "answers.csv"
    data.write_text(f'respondent_id,consent,role,comment\nr1,1,"{HOSTILE}",ok\nr2,1,2,"{HOSTILE}"\n',
                    encoding="utf-8")
    store = folder / "s.duckdb"
    result = run("responses", "import", data, "--store", store, "-q", hostile_questionnaire)
    assert result.exit_code == 0, result.output
    return data, store, result


def test_import_prints_hostile_paths_as_text(imported) -> None:
    data, store, result = imported
    lines = plain(result.stdout).splitlines()
    assert lines[0].startswith(f"{shown(data)}: 2 rows -> 1 accepted, 1 quarantined, "), lines
    assert lines[1].endswith(f"; see `careersurvey responses problems --store {shown(store)}`"), lines


def test_import_json_escapes_control_characters(imported, hostile_questionnaire: Path, folder: Path) -> None:
    data = folder / "more\x1b[31m\x9b.csv"
    data.write_text("respondent_id,consent\nr9,1\n", encoding="utf-8")
    result = run("responses", "import", data, "--store", imported[1], "-q", hostile_questionnaire, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(plain(result.stdout))["file"] == data.name


def test_status_and_problems_print_hostile_text_as_text(imported) -> None:
    data, store, _ = imported
    status = run("responses", "status", "--store", store)
    assert status.exit_code == 0, status.output
    assert plain(status.stdout).startswith(f"{shown(store)}: 1 import, 2 rows: 1 accepted, 1 quarantined")
    problems = run("responses", "problems", "--store", store)
    assert problems.exit_code == 0, problems.output
    quarantine = [line for line in plain(problems.stdout).splitlines() if line.startswith("[quarantine]")]
    assert quarantine == [f"[quarantine] {shown(data)}, row 2: role: '{SHOWN}' is not one of the codes 1, 2, 3 "
                          "(nor a choice's name or label); correct the code"]
    survey = data.parent / "survey"  # where export finds mini@1.0.0 by its key
    (survey / "mini").mkdir(parents=True)
    (survey / "mini" / "1.0.0.yaml").write_bytes((data.parent / "mini-1.0.0.yaml").read_bytes())
    out = data.parent / "export.csv"
    export = CliRunner().invoke(app, ["responses", "export", "--store", str(store), "--format", "csv", "--out",
                                      str(out)], env={"CAREERSURVEY_SURVEY_DIR": str(survey)})
    assert export.exit_code == 0, export.output
    assert plain(export.stdout).startswith(f"{shown(out)}: 1 accepted row, ")


# -- weights, analyze, report --------------------------------------------------------------------------------

def test_weights_print_hostile_paths_and_column_names_as_text(folder: Path) -> None:
    data = folder / "w.csv"
    data.write_text("respondent_id,w\n" + "".join(f"r{i},{i}\n" for i in range(1, 11)), encoding="utf-8")
    out = folder / "out.csv"
    result = run("weights", "trim", "--data", data, "--weights", "w", "--upper", "8", "--out", out,
                 "--weight-column", HOSTILE)
    assert result.exit_code == 0, result.output
    assert plain(result.stdout).splitlines()[-1] == f"wrote 10 rows with weight column {SHOWN} to {shown(out)}"
    missing = run("weights", "trim", "--data", folder / "none.csv", "--weights", "w", "--upper", "8", "--out", out)
    assert missing.exit_code == 1
    assert plain(missing.stderr) == (f"error: {shown(folder / 'none.csv')}: no such file; check the name and folder "
                                    "of the data file\n")


@pytest.mark.parametrize("command", ["analyze RQ1", "report"])
def test_analyze_and_report_name_hostile_paths_as_text(folder: Path, command: str) -> None:
    missing = run(*command.split(), "--store", folder / "none.duckdb", "--out", folder / "out")
    assert missing.exit_code == 2
    assert f"{shown(folder / 'none.duckdb')} does not exist" in plain(missing.output).replace("\n", " ")
    store = folder / "s.duckdb"
    store.write_bytes(b"")
    by_path = run(*command.split(), "--store", store, "--plugin", folder / "rq.py", "--out", folder / "out")
    assert by_path.exit_code == 2
    assert plain(by_path.stderr).startswith("error: --plugin: '") and "is not a module name" in by_path.stderr
    assert "\x1b" not in by_path.stderr and "\x9b" not in by_path.stderr  # control characters shown escaped


def test_commands_print_only_through_cli_common() -> None:
    """The one safe way stays the only way: no command module prints by itself (print, typer.echo, sys.stdout,
    a Console of its own, markup or emoji switched on). The JSON Schema is the package's own text, echoed byte for byte."""
    import ast

    import careersurvey.cli as cli

    allowed = {("questionnaire.py", "typer.echo"), ("design.py", "typer.echo")}  # the JSON Schemas, verbatim
    found = []
    for path in sorted(Path(cli.__file__).parent.glob("*.py")):
        if path.name == "_common.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = None
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if any(k.arg in ("markup", "emoji") and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                       for k in node.keywords):
                    found.append((path.name, f"{name}(markup=...)", node.lineno))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                name = getattr(node, "module", None) or ", ".join(a.name for a in node.names)
            if name in ("print", "typer.echo", "typer.secho", "Console", "rich.markup") or (
                    name or "").startswith(("sys.stdout", "sys.stderr")):
                if (path.name, name) not in allowed:
                    found.append((path.name, name, node.lineno))
    assert found == []

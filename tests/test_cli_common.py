"""cli._common.fail: the one way commands report an error (text as given, one line, the exit status)."""

from __future__ import annotations

import pytest
import typer

from careersurvey.cli._common import fail


def test_fail_prints_the_message_as_plain_text_on_one_line(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    message = "survey.xlsx row 12: [role] code 9 is not a choice of [bold]list[/bold] " + "x" * 60
    with pytest.raises(typer.Exit) as exc:
        fail(message)
    assert exc.value.exit_code == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == f"error: {message}\n"  # brackets kept, not read as markup; not wrapped at 40 columns


def test_fail_exits_with_the_status_asked_for(capsys):
    with pytest.raises(typer.Exit) as exc:
        fail("store is locked", code=3)
    assert exc.value.exit_code == 3
    assert capsys.readouterr().err == "error: store is locked\n"

"""What the sub-commands share: one way to print text that may hold user input, one way to say an error and stop.

Everything the CLI prints goes through :func:`say` (a line of text, optionally styled) or a :func:`console`
(for tables), and every piece of user text in it through :func:`shown`. Names, labels, values, paths and
messages quote user input, often in brackets (``[item]``): they are never read as rich markup (``[bold]``,
``[/]``) nor as emoji codes (``:100:``), and control characters in them (ESC, BEL, carriage return, bidi
overrides) are shown escaped (``\\x1b``), so a file name or an answer cannot restyle, rewrite or hide what
the terminal shows.

Every command ends a failed run the same way: ``error: <message>`` on stderr, one unwrapped line (so logs and
editors can match it), exit status 1 unless the command says otherwise.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text


#: C0 and C1 control characters but line feed and tab, DEL, and the invisible marks that reorder text (bidi).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """``text`` as it may reach a terminal: control characters written as escapes (ESC as ``\\x1b``)."""
    return _CONTROL.sub(_escaped, str(text))


def console(err: bool = False, wrap: bool = False) -> Console:
    """A console that reads no markup and no emoji codes, on the current stdout (or stderr with ``err``).

    Made per call, so CliRunner's captured stream and COLUMNS are the ones used. Lines are not wrapped unless
    ``wrap`` (tables and ``questionnaire show`` fit the terminal width). Strings given to it are printed as
    they are: pass user text through :func:`shown`.
    """
    return Console(stderr=err, highlight=False, soft_wrap=not wrap, markup=False, emoji=False)


def stderr() -> Console:
    """:func:`console` on stderr."""
    return console(err=True)


def say(*parts: str | tuple[str, str], err: bool = False) -> None:
    """Print one line made of ``parts`` (text, or ``(text, style)``), every part :func:`shown` as plain text."""
    line = Text.assemble(*((shown(p[0]), p[1]) if isinstance(p, tuple) else shown(p) for p in parts))
    console(err).print(line)


def say_json(value: object) -> None:
    """Print ``value`` as one line of JSON (for ``--json``): control characters are \\u escapes in it too."""
    text = json.dumps(value, ensure_ascii=False)  # escapes C0 controls itself, not DEL, C1 or bidi marks
    typer.echo(_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def say_error(message: str) -> None:
    """Print ``error: message`` to stderr, as text; for a command that goes on (e.g. with the next file)."""
    say(("error:", "bold red"), " ", message, err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code`` (1 by default)."""
    say_error(message)
    raise typer.Exit(code)


def out_folder(path: Path, option: str = "--out") -> Path:
    """Create the output folder ``path`` now, before any work, or stop naming it and what to do."""
    if path.exists() and not path.is_dir():
        fail(f"{path}: {option} names a file, but a folder is needed here; choose a folder name (it is created)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{path}: cannot create the folder ({exc.strerror or exc}); choose another {option} where you may write")
    return path


def out_file(path: Path, option: str = "--out") -> Path:
    """Check, before any work, that ``path`` can be a new file: not a folder, in a folder that exists."""
    if path.is_dir():
        fail(f"{path}: {option} names a folder, but a file is needed here; add a file name, e.g. {path / 'out'}")
    if not path.parent.is_dir():
        fail(f"{path}: the folder {path.parent} does not exist; create it or choose another {option}")
    return path

"""What the sub-commands share: one way to say an error and stop.

Every command ends a failed run the same way: ``error: <message>`` on stderr, one unwrapped line (so logs and
editors can match it), exit status 1 unless the command says otherwise. The message is printed as plain text,
never as rich markup: our messages quote user input and names in brackets (``[item]``), which markup would
eat or misread.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text


def stderr() -> Console:
    """A console on the current stderr (made per call, so CliRunner's captured stream is the one used)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def say_error(message: str) -> None:
    """Print ``error: message`` to stderr, as text; for a command that goes on (e.g. with the next file)."""
    stderr().print(Text.assemble(("error:", "bold red"), " ", message))


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

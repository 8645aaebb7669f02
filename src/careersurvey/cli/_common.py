"""What the sub-commands share: one way to say an error and stop.

Every command ends a failed run the same way: ``error: <message>`` on stderr, one unwrapped line (so logs and
editors can match it), exit status 1 unless the command says otherwise. The message is printed as plain text,
never as rich markup: our messages quote user input and names in brackets (``[item]``), which markup would
eat or misread.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text


def stderr() -> Console:
    """A console on the current stderr (made per call, so CliRunner's captured stream is the one used)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code`` (1 by default)."""
    stderr().print(Text.assemble(("error:", "bold red"), " ", message))
    raise typer.Exit(code)

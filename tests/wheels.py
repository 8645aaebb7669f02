"""Install this checkout as a user would: build its wheel from a clean copy, install it into a fresh venv.

Shared by the tests that check what a regular ``pip install`` carries (questionnaires, targets, analysis
scripts) and that it works away from the checkout. The venv is made without its own pip (that alone took
about 5 s) and this interpreter's pip installs the wheel into it (``pip --python``, pip >= 22.3); it sees this
interpreter's packages (``--system-site-packages``), so nothing is downloaded. A machine that cannot build
the wheel (no build backend offline) skips the test rather than failing it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


@dataclass(frozen=True)
class Installed:
    """The wheel built from the checkout and the venv it is installed in."""

    wheel: Path
    venv: Path
    env: dict[str, str]  # the environment to run it with: no CAREERSURVEY_* variable points back at the checkout

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def cli(self) -> Path:
        return self.venv / "bin" / "careersurvey"


def build_wheel(tmp_path: Path, parts: tuple[str, ...] = ("src", "survey")) -> tuple[Path, dict[str, str]]:
    """The wheel of a copy of the checkout holding ``parts`` (copytree follows links, e.g. report/scripts)."""
    src = tmp_path / "src"
    src.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / part, src / part)
    for part in parts:
        shutil.copytree(REPO / part, src / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREERSURVEY_")}
    built = subprocess.run([*PIP, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(src)],
                           capture_output=True, text=True, env=env)
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here (offline?): {built.stderr[-300:]}")
    return next((tmp_path / "dist").glob("careersurvey-*.whl")), env


def install_in_fresh_venv(tmp_path: Path, wheel: Path, env: dict[str, str]) -> Installed:
    """A new venv under ``tmp_path`` with ``wheel`` installed (no dependencies, no index)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    subprocess.run([*PIP, "--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index",
                    str(wheel)], check=True, env=env, capture_output=True)
    return Installed(wheel, venv, env)

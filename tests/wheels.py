"""Install this checkout as a user would: build its wheel from a clean copy, install it into a fresh venv.

Shared by the tests that check what a regular ``pip install`` carries (questionnaires, targets, analysis
scripts) and that it works away from the checkout. The venv is made without its own pip (that alone took
about 5 s) and this interpreter's pip installs the wheel into it (``pip --python``, pip >= 22.3).

The dependencies are not downloaded: the new venv sees the site-packages folders of the interpreter running
the tests, through a ``.pth`` file listing them. ``--system-site-packages`` would not do: it shows the
*base* interpreter's packages, which are not this one's when the tests run inside a venv (the usual
``python -m venv`` + ``pip install -e ".[test]"``), in CI's system install as well as from a wheel. The
venv's own site-packages comes first on its path, so it imports the wheel, not the checkout or another
install of careersurvey. Neither PYTHONPATH nor a CAREERSURVEY_* variable is passed on to it. A machine that
cannot build the wheel (no build backend offline) skips the test rather than failing it.
"""

from __future__ import annotations

import os
import shutil
import site
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
    """The wheel of a copy of the checkout holding ``parts`` (copied whole: src holds careersurvey and stem_careers)."""
    src = tmp_path / "src"
    src.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / part, src / part)
    for part in parts:
        shutil.copytree(REPO / part, src / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREERSURVEY_") and k != "PYTHONPATH"}
    built = subprocess.run([*PIP, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(src)],
                           capture_output=True, text=True, env=env)
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here (offline?): {built.stderr[-300:]}")
    return next((tmp_path / "dist").glob("careersurvey-*.whl")), env


def package_folders() -> list[str]:
    """Where this interpreter's installed packages are: its site-packages folders (and the user's, if used)."""
    folders = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return [f for f in dict.fromkeys(folders) if Path(f).is_dir()]


def install_in_fresh_venv(tmp_path: Path, wheel: Path, env: dict[str, str]) -> Installed:
    """A new venv under ``tmp_path`` with ``wheel`` installed (no dependencies, no index) that sees this
    interpreter's packages after its own."""
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([*PIP, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], check=True,
                   env=env, capture_output=True)
    # only now: pip would see careersurvey installed in a folder listed here and leave the wheel out
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         check=True, env=env, capture_output=True, text=True).stdout.strip()
    Path(own, "_outer_packages.pth").write_text("".join(f"{f}\n" for f in package_folders()), encoding="utf-8")
    return Installed(wheel, venv, env)

"""tests/wheels.py: the fresh venv the wheel tests install into sees this interpreter's packages.

``--system-site-packages`` shows the base interpreter's packages, not those of a venv the tests run in
(``python -m venv v && v/bin/pip install -e ".[test]"``): there the wheel tests failed on ``import typer``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from wheels import package_folders


def test_the_fresh_venv_sees_the_folders_of_every_installed_dependency() -> None:
    folders = {Path(f).resolve() for f in package_folders()}
    for name in ("typer", "rich", "pandas", "numpy", "yaml", "duckdb", "statsmodels", "pytest"):
        module = importlib.import_module(name)
        where = Path(module.__file__).resolve().parent.parent  # the folder holding the package
        assert where in folders, f"{name} is installed in {where}, which the fresh venv would not see: {folders}"

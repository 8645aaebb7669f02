"""pyproject.toml asks for what the code imports: optional packages sit in extras and are imported lazily.

WeasyPrint (PDF paper forms) is the ``pdf`` extra and is imported only inside ``forms.paper.write_pdf``;
pyxform is only the tests' (they convert the exported XLSForms with it), so it is in the ``test`` extra and no
module of the package imports it. Read from the modules' real imports (ast, function-level ones included).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "careersurvey"


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def _imports(top: str) -> list[tuple[str, str, int]]:
    """(module file, enclosing function or '<module>', line) of every import of package ``top`` in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = {}
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    scopes.setdefault(id(node), fn.name)
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if any(n == top or n.startswith(top + ".") for n in names):
                found.append((str(path.relative_to(PACKAGE)), scopes.get(id(node), "<module>"), node.lineno))
    return found


def test_weasyprint_is_the_pdf_extra_and_imported_only_to_write_a_pdf() -> None:
    project = _project()
    assert "weasyprint" not in _names(project["dependencies"])
    assert _names(project["optional-dependencies"]["pdf"]) == {"weasyprint"}
    assert [(f, fn) for f, fn, _ in _imports("weasyprint")] == [("forms/paper.py", "write_pdf")]


def test_pyxform_is_for_the_tests_only() -> None:
    project = _project()
    assert "pyxform" not in _names(project["dependencies"])
    assert "pyxform" in _names(project["optional-dependencies"]["test"])
    assert _imports("pyxform") == []


def test_ibis_is_the_engine_extra_and_imported_only_inside_the_engine_path() -> None:
    """The engine path (cs.from_table) needs Ibis; nothing else does, and importing careersurvey never loads it."""
    project = _project()
    assert "ibis-framework" not in _names(project["dependencies"])
    assert _names(project["optional-dependencies"]["engine"]) == {"ibis-framework"}
    found = _imports("ibis")
    # the engine path, and the store's hand-off to it (responses/engine_view.py), inside functions only
    assert found and all((f.startswith("engine/") or f == "responses/engine_view.py") and fn != "<module>"
                         for f, fn, _ in found), found
    import subprocess
    import sys

    code = "import careersurvey, careersurvey.engine, sys; print('ibis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO / "src")})
    assert out.stdout.strip() == "False"

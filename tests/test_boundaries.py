"""The architecture's boundaries, read from the code's real imports with ``ast`` (nothing is imported or run).

Every ``import``/``from ... import`` counts, at module or function level (relative imports resolved), and so do
``importlib.import_module``/``__import__`` calls and module names written as strings. The rules (DESIGN.md):

- the estimation core (``careersurvey.estimation``: design, stages, variance, estimators, chisq, weighting,
  models) never imports the questionnaire, responses, forms, report, CLI, simulation, targets or scales parts,
  and does no file IO: it imports only the numerical libraries and pure standard-library modules, opens no file
  and calls no pandas reader or writer;
- ``expr`` is a leaf: it imports no other part of the package;
- ``questionnaire`` never imports forms, responses, estimation, report, CLI or simulation; ``forms`` never
  imports responses, estimation, report, CLI or simulation;
- no module loads code by file path (``spec_from_file_location``, ``runpy``, ``exec``) or changes ``sys.path``,
  with no exception; no module imports through ``importlib`` but the root's lazy-export helper (names of our own
  modules) and the plug-in loader (``report.plugins``: plug-ins by module name and entry point, never by path);
- no module is over 600 lines.

Each rule is also checked against a small module written here that breaks it, so a rule cannot pass by
reading nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "careersurvey"
PKG = "careersurvey"
MAX_LINES = 600

NOT_FOR_CORE = {"questionnaire", "responses", "forms", "report", "cli", "simulate", "targets", "scales", "demo",
                "engine"}
CORE_MAY_IMPORT = {  # numerical libraries and pure standard-library modules: no file, network or process IO
    "numpy", "pandas", "scipy", "statsmodels", "formulaic", "threadpoolctl",
    "__future__", "abc", "collections", "dataclasses", "enum", "functools", "itertools", "math", "numbers",
    "operator", "re", "types", "typing", "warnings",
}
PANDAS_IO = {"read_csv", "read_excel", "read_parquet", "read_sql", "read_json", "read_table", "read_feather",
             "read_stata", "read_spss", "to_csv", "to_excel", "to_parquet", "to_sql", "to_json", "to_feather",
             "to_stata", "to_pickle", "read_pickle"}
FORBIDDEN = {  # importing part -> parts it must not import
    "expr": {"questionnaire", "forms", "responses", "estimation", "report", "cli", "simulate", "targets",
             "scales", "demo"},
    "questionnaire": {"forms", "responses", "estimation", "report", "cli", "simulate", "demo"},
    "forms": {"responses", "estimation", "report", "cli", "simulate", "demo"},
    "estimation": NOT_FOR_CORE,
    # the engine path speaks to the core below it (and expr for conditions), never to the parts above
    "engine": {"questionnaire", "responses", "forms", "report", "cli", "simulate", "targets", "scales", "demo",
               "fieldwork", "disclosure", "designfile"},
}
#: The modules that may import ``importlib`` (and nothing else of the dynamic-code rule): the lazy exports and the
#: plug-in loader, which imports modules by name (``importlib.import_module``, entry points).
MAY_IMPORT_IMPORTLIB = {f"{PKG}._lazy", f"{PKG}.report.plugins"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part(module: str) -> str:
    """The part of the package a module belongs to: careersurvey.estimation.weighting.ops -> estimation."""
    bits = module.split(".")
    if bits[0] != PKG or len(bits) == 1:
        return ""
    return bits[1]


def imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a module, function-level ones included."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - (node.level - 1)])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names if base == PKG]
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                found.append((node.lineno, str(node.args[0].value)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(f"{PKG}.") \
                and " " not in node.value and all(b.isidentifier() for b in node.value.split(".")):
            found.append((node.lineno, node.value))
    return found


def dynamic_code(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for code loaded by path, exec, sys.path changes and importlib use."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n == "runpy" or n.startswith("runpy.") for n in names):
                found.append((node.lineno, "imports runpy"))
            if any(n == "importlib" or n.startswith("importlib") for n in names):
                found.append((node.lineno, "imports importlib"))
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("exec", "spec_from_file_location", "run_path", "run_module"):
                found.append((node.lineno, f"calls {name}"))
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute) and f.value.attr == "path" \
                    and getattr(f.value.value, "id", "") == "sys":
                found.append((node.lineno, f"changes sys.path ({f.attr})"))
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr == "path" and getattr(t.value, "id", "") == "sys":
                    found.append((node.lineno, "assigns sys.path"))
    return found


def file_io(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for opening files and pandas readers/writers."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id == "open":
                found.append((node.lineno, "calls open()"))
            elif isinstance(f, ast.Attribute) and f.attr in PANDAS_IO:
                found.append((node.lineno, f"calls .{f.attr}()"))
    return found


def violations(root: Path) -> list[str]:
    out = []
    for path in sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        module = module_name(path, root)
        mine = part(module)
        where = path.relative_to(root.parent)
        n_lines = len(text.splitlines())
        if n_lines > MAX_LINES:
            out.append(f"{where}: {n_lines} lines (at most {MAX_LINES}): split it by responsibility")
        for line, target in imports(tree, module, path.name == "__init__.py"):
            theirs = part(target)
            if target.split(".")[0] == PKG and theirs in FORBIDDEN.get(mine, set()) and theirs != mine:
                out.append(f"{where}:{line}: {mine} imports {target}")
            if mine == "estimation" and target.split(".")[0] not in CORE_MAY_IMPORT | {PKG}:
                out.append(f"{where}:{line}: estimation imports {target} (only numerical libraries and pure "
                           "standard-library modules: no file IO)")
        if mine == "estimation":
            out += [f"{where}:{line}: estimation {what} (no file IO in the core)" for line, what in file_io(tree)]
        for line, what in dynamic_code(tree):
            if module in MAY_IMPORT_IMPORTLIB and what == "imports importlib":
                continue  # module names (our own, or a plug-in's named by the user), never a file path
            out.append(f"{where}:{line}: {what}")
    return out


def test_the_package_keeps_its_boundaries() -> None:
    assert violations(SRC) == []


def test_the_estimation_core_is_found_and_read() -> None:
    """The rule above reads real modules: the core package exists and holds the design and the variance."""
    core = {p.name for p in (SRC / "estimation").rglob("*.py")}
    assert {"design.py", "stages.py", "variance.py", "estimators.py", "chisq.py", "ops.py", "glm.py"} <= core
    assert not any((SRC / name).exists() for name in ("design.py", "variance.py", "estimates.py", "weighting"))


@pytest.mark.parametrize(("module", "code", "expected"), [
    ("estimation/bad.py", "def f():\n    from careersurvey.questionnaire.model import MISSING_CODES\n",
     "estimation imports careersurvey.questionnaire.model"),
    ("estimation/bad.py", "import pathlib\n", "estimation imports pathlib"),
    ("estimation/bad.py", "import pandas as pd\nx = pd.read_csv('a.csv')\n", "estimation calls .read_csv()"),
    ("estimation/bad.py", "def f(p):\n    return open(p).read()\n", "estimation calls open()"),
    ("estimation/bad.py", "from .. import responses\n", "estimation imports careersurvey.responses"),
    ("expr/bad.py", "from careersurvey.questionnaire import model\n", "expr imports careersurvey.questionnaire"),
    ("forms/bad.py", "import importlib\nimportlib.import_module('careersurvey.responses.store')\n",
     "forms imports careersurvey.responses.store"),
    ("cli/bad.py", "import sys\nsys.path.insert(0, 'x')\n", "changes sys.path (insert)"),
    ("report/other.py", "import importlib.util\nimportlib.util.spec_from_file_location('m', 'p.py')\n",
     "calls spec_from_file_location"),
    ("report/build.py", "import importlib\nm = importlib.import_module('x')\n", "imports importlib"),
    ("report/plugins.py", "import importlib.util\nimportlib.util.spec_from_file_location('m', 'p.py')\n",
     "calls spec_from_file_location"),
    ("report/plugins.py", "import sys\nsys.path.insert(0, 'analysis')\n", "changes sys.path (insert)"),
    ("cli/bad.py", "x = 1\n" * 601, "601 lines"),
    ("estimation/bad.py", "def f():\n    from careersurvey.engine import from_table\n",
     "estimation imports careersurvey.engine"),
    ("engine/bad.py", "from careersurvey.responses import load_responses\n", "engine imports careersurvey.responses"),
])
def test_each_rule_catches_a_module_that_breaks_it(tmp_path: Path, module: str, code: str, expected: str) -> None:
    root = tmp_path / PKG
    for sub in ("estimation", "expr", "forms", "cli", "report", "questionnaire", "responses", "engine"):
        (root / sub).mkdir(parents=True)
        (root / sub / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / module).write_text(code)
    found = violations(root)
    assert found and all(f.startswith(f"{PKG}/{module}") for f in found), found
    assert any(expected in f for f in found), found

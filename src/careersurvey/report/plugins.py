"""Plug-in analyses: a program's own research questions, found by module name, never run from a file path.

A plug-in is an importable module (README, "Plug-in analyses") that defines

- ``run(study) -> AnalysisResult`` (required): tables, figures, findings and methods (``report.results``);
- ``KEY`` (e.g. ``"RQ2"``; default: the module's last name) and ``TITLE`` (default: its docstring's first line);
- ``QUESTIONNAIRE`` (optional, ``id`` or ``id@version``): it runs only on stores of that questionnaire; on any
  other the report lists it as left out and says why;
- ``load_study(store, design)`` (optional): the study ``run`` receives; without it, the generic study of any
  questionnaire (:func:`careersurvey.report.study.generic_study`). Plug-ins sharing one ``load_study`` share
  one study, built once.

A package may list its plug-in modules in ``PLUGINS = ("pkg.a", "pkg.b")``. Plug-ins are found by name in
three places, the first that names any winning: the command line (``--plugin pkg.mod``), the design file
(``plugins: [pkg]``) and the entry points of the group ``careersurvey.analyses`` of installed distributions
(``RQ2 = "stem_careers.rq2_leaving"``). Modules are imported by name from the interpreter's own path
(install the program's package, or set PYTHONPATH): nothing here reads code from a file or edits ``sys.path``.

A plug-in that fails (on import or in ``run``) is a :class:`PluginFailure` naming the plug-in's own file and
line from the traceback; the report keeps its other sections and marks that one as failed.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import importlib.util
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable, Sequence

__all__ = ["ENTRY_POINT_GROUP", "Plugin", "PluginError", "PluginFailure", "find_plugins", "load_plugins",
           "registered_plugins", "failure"]

#: The entry-point group a program registers its plug-in modules under (pyproject.toml).
ENTRY_POINT_GROUP = "careersurvey.analyses"


class PluginError(ValueError):
    """A plug-in name that cannot be used (not a module name, no such module, no ``run``); says what to do."""


@dataclass(frozen=True)
class Plugin:
    """One plug-in analysis: its key and title, the module it lives in, where it was named, the questionnaire
    it is written for (None: any), its file, and its ``run`` and optional ``load_study``."""

    key: str
    title: str
    module: str
    origin: str
    questionnaire: str | None
    file: str | None
    run: Callable
    load_study: Callable | None = None

    def applies_to(self, questionnaire: str) -> bool:
        """Whether the plug-in is written for a store of ``questionnaire`` (id@version; ids compared)."""
        return self.questionnaire is None or self.questionnaire.split("@")[0] == questionnaire.split("@")[0]


@dataclass(frozen=True)
class PluginFailure:
    """A plug-in that failed: its key and module, the file and line in its own code the traceback points at
    (the innermost frame inside the plug-in's folder; the innermost frame of all when none is), the error."""

    key: str
    module: str
    file: str
    line: int
    error: str

    @property
    def message(self) -> str:
        return f"{self.key} ({self.module}) failed at {self.file}, line {self.line}: {self.error}"


def failure(key: str, module: str, exc: BaseException, home: str | None = None) -> PluginFailure:
    """The :class:`PluginFailure` of ``exc`` raised by the plug-in ``key`` (``home``: its module's file)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename:  # the plug-in's own file does not parse
        file, line = exc.filename, exc.lineno or 0
    else:
        folder = str(Path(home).resolve().parent) if home else None
        own = [f for f in frames if folder and str(Path(f.filename).resolve()).startswith(folder)]
        last = (own or frames or [None])[-1]
        file, line = (last.filename, last.lineno or 0) if last is not None else (home or module, 0)
    return PluginFailure(key, module, file, line, f"{type(exc).__name__}: {exc}")


def _import(name: str, origin: str) -> ModuleType:
    """Import ``name`` (a dotted module name) or say what is wrong with it."""
    if not all(part.isidentifier() for part in name.split(".")):
        raise PluginError(f"{origin}: {name!r} is not a module name; name the plug-in's module (e.g. "
                          "stem_careers.rq2_leaving), importable because its package is installed or on "
                          "PYTHONPATH: a plug-in is never run from a file path")
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not name.startswith(exc.name):  # something the plug-in imports is missing
            raise
        raise PluginError(f"{origin}: no module {name!r} can be imported (missing: {exc.name}); install the "
                          "program's package (pip install -e FOLDER) or add its folder to PYTHONPATH") from None


def _plugin(module: ModuleType, origin: str) -> Plugin:
    run = getattr(module, "run", None)
    if not callable(run):
        raise PluginError(f"{origin}: module {module.__name__} ({module.__file__}) defines no run(study) and no "
                          "PLUGINS list; a plug-in defines run(study) returning a careersurvey.AnalysisResult")
    doc = (module.__doc__ or "").strip().splitlines()
    key = str(getattr(module, "KEY", module.__name__.rpartition(".")[2]))
    return Plugin(key=key, title=str(getattr(module, "TITLE", doc[0] if doc else key)), module=module.__name__,
                  origin=origin, questionnaire=getattr(module, "QUESTIONNAIRE", None),
                  file=getattr(module, "__file__", None), run=run, load_study=getattr(module, "load_study", None))


def load_plugins(names: Iterable[str], origin: str) -> tuple[list[Plugin], list[PluginFailure]]:
    """The plug-ins of module names (a package's ``PLUGINS`` expanded), and those that failed to import."""
    found: list[Plugin] = []
    failed: list[PluginFailure] = []
    for name in names:
        try:
            module = _import(name, origin)
        except PluginError:
            raise
        except Exception as exc:  # the plug-in's own code fails on import: named, the report goes on
            spec = importlib.util.find_spec(name)
            failed.append(failure(name.rpartition(".")[2], name, exc, spec.origin if spec else None))
            continue
        listed = getattr(module, "PLUGINS", None)
        if listed is not None and not callable(getattr(module, "run", None)):
            more, bad = load_plugins(list(listed), f"{origin} ({name}.PLUGINS)")
            found += more
            failed += bad
        else:
            found.append(_plugin(module, origin))
    return found, failed


def registered_plugins(group: str = ENTRY_POINT_GROUP) -> tuple[list[Plugin], list[PluginFailure]]:
    """The plug-ins installed distributions register under ``group`` (name = key, value = module name)."""
    found: list[Plugin] = []
    failed: list[PluginFailure] = []
    for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name):
        dist = getattr(ep.dist, "name", None) or "?"
        more, bad = load_plugins([ep.value.partition(":")[0]], f"entry point {ep.name} of {dist} ({group})")
        found += more
        failed += [dataclasses.replace(f, key=ep.name) for f in bad]  # a module that fails: named by its key
    return found, failed


def find_plugins(names: Sequence[str] = (), design=None, *, entry_points: bool = True
                 ) -> tuple[list[Plugin], list[PluginFailure]]:
    """The plug-ins to run: those named (``--plugin``), else the design file's ``plugins``, else the registered
    entry points (when ``entry_points``). Each module once; two plug-ins with one key are an error."""
    planned = getattr(design, "plugins", ()) or ()
    if names:
        found, failed = load_plugins(names, "--plugin")
    elif planned:
        found, failed = load_plugins(planned, f"{design.path}: plugins")
    elif entry_points:
        found, failed = registered_plugins()
    else:
        found, failed = [], []
    unique: dict[str, Plugin] = {}
    for p in found:
        if p.module in {u.module for u in unique.values()}:
            continue
        if p.key in unique:
            raise PluginError(f"two plug-ins have the key {p.key!r}: {unique[p.key].module} ({unique[p.key].origin}) "
                              f"and {p.module} ({p.origin}); give one of them another KEY")
        unique[p.key] = p
    return list(unique.values()), failed

"""Lazy exports: a package names its public values and the modules that define them; each is imported on use.

Used by ``careersurvey`` and ``careersurvey.questionnaire`` (PEP 562 module ``__getattr__``/``__dir__``), so
that ``import careersurvey`` stays fast and import cycles between subpackages cannot form at import time.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str],
                 listed: list[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: a name of ``exports`` is taken from its module on first use
    and kept in the package's namespace; any other name is an AttributeError, as for a plain module."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return listed

    return __getattr__, __dir__

"""Waves: the rounds of fieldwork one store holds, and the rules around their names.

Every import belongs to one wave, named on import (``--wave 2026``; ``import_responses(..., wave="2026")``; a
design file's ``wave:``). A respondent id is unique within a wave; the same person may answer in several waves
(a panel member re-interviewed), and that is a new row, not a duplicate. A file's content (sha256) belongs to
one wave: importing it again into the same wave adds nothing, into another wave is refused.

Without a wave, an import goes into the store's only wave, or into wave ``1`` of a new store; a store with
several waves needs the wave named. Waves are ordered by their first import (the order they were fielded).

A store written before waves (schema version 3 or older) that holds imports is migrated only when the user names
the wave of what it holds (``careersurvey responses migrate --store S --wave 2025``): one transaction, so an
interrupted migration leaves the store as it was.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from careersurvey.responses.problems import ResponsesError

#: A wave's name: letters, digits, ``.``, ``_``, ``-``; it becomes a column suffix in wide panel files.
WAVE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}\Z")
#: The wave of a store's first import when none is named.
DEFAULT_WAVE = "1"


def check_wave(wave: Any, *, file: str | None = None) -> str:
    """``wave`` as text (an int such as 2026 becomes ``"2026"``), or a ResponsesError saying what a wave may be."""
    text = str(wave).strip() if isinstance(wave, (str, int)) and not isinstance(wave, bool) else None
    if text is None or not WAVE_NAME.match(text):
        raise ResponsesError(
            f"wave {str(wave)[:40]!r} is not a wave name: use 1 to 32 letters, digits, '.', '_' or '-', starting "
            "with a letter or digit (e.g. 2026, w2)", code="usage", file=file)
    return text


def sql_literal(wave: str) -> str:
    """A checked wave name as an SQL string literal (for the migration's column default)."""
    return "'" + check_wave(wave).replace("'", "''") + "'"


def store_waves(con: Any) -> list[str]:
    """The waves of an open store (schema 4 or newer), in the order of their first import."""
    return [r[0] for r in con.execute("SELECT wave FROM imports GROUP BY wave ORDER BY min(import_id)").fetchall()]


def import_wave(con: Any, wave: Any, *, file: str) -> str:
    """The wave an import goes into: ``wave`` if named, else the store's only wave (``1`` for a new store)."""
    if wave is not None:
        return check_wave(wave, file=file)
    have = store_waves(con)
    if len(have) > 1:
        raise ResponsesError(
            f"the store holds waves {', '.join(have)}; say which wave this file belongs to with --wave (in Python "
            "wave=...); nothing was stored", code="usage", file=file)
    return have[0] if have else DEFAULT_WAVE


def chosen_waves(have: Sequence[str], waves: Sequence[Any] | str | int | None, *, file: str) -> list[str]:
    """The waves to read, in store order: all of ``have``, or those named (each must be in the store)."""
    if waves is None:
        return list(have)
    named = [check_wave(w, file=file) for w in ([waves] if isinstance(waves, (str, int)) else waves)]
    absent = [w for w in named if w not in have]
    if absent:
        raise ResponsesError(f"the store holds no wave {', '.join(absent)} (its waves: {', '.join(have) or 'none'})",
                             code="usage", file=file)
    return [w for w in have if w in named]


def needs_wave(path: str, version: int, imports: int) -> ResponsesError:
    """The error for a store from before waves that holds imports, opened without naming their wave."""
    return ResponsesError(
        f"the store was written before waves (schema version {version}) and holds {imports} "
        f"import{'s' if imports != 1 else ''}; name the wave they belong to, once: `careersurvey responses migrate "
        f"--store {path} --wave 2025` (in Python cs.migrate_store(store, wave='2025')). Nothing was changed",
        code="store_needs_wave", file=path)


def migrate_store(store: Any, wave: str | int) -> int:
    """Migrate a store written before waves (``store``: a path or ResponseStore), its imports into ``wave``;
    returns the schema version. A store already current is left as it is (its waves are not renamed)."""
    from careersurvey.responses.store import ResponseStore

    target = store if isinstance(store, ResponseStore) else ResponseStore(store)
    return target.migrate(check_wave(wave, file=str(target.path)))

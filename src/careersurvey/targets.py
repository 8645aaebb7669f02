"""Population targets as data: ``survey/targets/<id>.yaml`` loaded into a frozen :class:`Targets`.

A file gives a population total and, per margin, the questionnaire item it is built from and its levels:
which item codes each level collapses, and the level's population share (each with source and year)::

    id: kr-researchers-2023
    description: Researchers working in Korea, by sector, sex, degree and region.
    population_total: 603566
    source: ...
    year: 2023
    note: "Verify against the latest release before production use."
    scope: "role != 1 and sector in [1, 2, 3, 4, 5, 6] and region != 18"
    margins:
      sector:
        variable: sector
        source: ...
        year: 2023
        levels:
          business: {codes: [3, 4, 5, 6], share: 0.727}
          university: {codes: [1], share: 0.198}

``Targets.add_margin_columns(df)`` adds one collapsed column per margin (``<margin>_margin``) and
``Targets.margins()`` gives ``{column: {level: total}}`` for ``d.rake``/``d.calibrate``. Shares are
normalised to sum to one (published shares are rounded); a sum more than 2 points off 1 is an error.

``scope`` (optional) says, in the questionnaire's condition language, which respondents belong to the
population the figures count. Respondents outside it (here: undergraduates, people working abroad or outside
the listed sectors) cannot be weighted to these margins; they keep their design weights::

    inside = targets.in_scope(df)                       # the scope, evaluated (missing answers -> outside)
    wide = targets.add_margin_columns(df, in_scope=inside)
    d = cs.SurveyDesign(wide, weights="w").rake(targets.margins(), scope=inside)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import yaml

from careersurvey.expr import ExprError, evaluate, parse
from careersurvey.questionnaire.locate import installed_survey_dirs, survey_dir
from careersurvey.questionnaire.model import MISSING_CODES
from careersurvey.estimation.rows import rows_text
from careersurvey.estimation.weighting.errors import WeightingError

#: Largest distance of a margin's share sum from 1 accepted as rounding.
SHARE_SUM_TOL = 0.02
_ALLOWED_TOP = {"id", "description", "population_total", "source", "year", "note", "scope", "margins", "url"}
_ALLOWED_MARGIN = {"variable", "source", "year", "note", "levels", "url"}


@dataclass(frozen=True)
class TargetLevel:
    """One level of a margin: the item codes it collapses and its population share."""

    name: str
    codes: tuple[int, ...]
    share: float


@dataclass(frozen=True)
class TargetMargin:
    """A margin: the item it is built from, its levels, and where the figures come from."""

    name: str
    variable: str
    levels: tuple[TargetLevel, ...]
    source: str = ""
    year: int | None = None

    @property
    def column(self) -> str:
        """Name of the collapsed column ``add_margin_columns`` adds."""
        return f"{self.name}_margin"

    def shares(self) -> dict[str, float]:
        """Shares normalised to sum to one."""
        s = np.array([lv.share for lv in self.levels], dtype=float)
        return dict(zip((lv.name for lv in self.levels), s / s.sum()))


@dataclass(frozen=True)
class Targets:
    """A set of population margins with their provenance; see the module docs for the file format."""

    id: str
    population_total: float
    margins_: tuple[TargetMargin, ...]
    source: str = ""
    year: int | None = None
    note: str = ""
    path: str = ""
    description: str = ""
    scope: str | None = None  # condition (questionnaire language) on who the figures count; None: everyone

    def margin(self, name: str) -> TargetMargin:
        """The margin called ``name``; an error lists the margins there are."""
        for m in self.margins_:
            if m.name == name:
                return m
        raise WeightingError(f"targets {self.id!r} have no margin {name!r}; they have "
                             f"{', '.join(m.name for m in self.margins_)}")

    def margins(self, names: list[str] | None = None, population_total: float | None = None
                ) -> dict[str, dict[str, float]]:
        """``{collapsed column: {level: population total}}`` for rake/calibrate (all margins by default)."""
        total = self.population_total if population_total is None else float(population_total)
        chosen = self.margins_ if names is None else tuple(self.margin(n) for n in names)
        return {m.column: {k: v * total for k, v in m.shares().items()} for m in chosen}

    def in_scope(self, data: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows inside the population the targets count (all rows without a scope).

        A row whose answer to a scope item is missing (empty or a missing code) is outside, as every
        comparison with a missing answer is false in the condition language; :meth:`scope_note` counts them.
        """
        if self.scope is None:
            return np.ones(len(data), dtype=bool)
        tree = parse(self.scope)
        absent = sorted(tree.names() - set(map(str, data.columns)))
        if absent:
            raise WeightingError(
                f"targets {self.id!r}: the scope {self.scope!r} reads items {absent} that the data do not have; "
                f"add them, or give the respondents' scope yourself (a boolean mask) instead of the file's")
        try:
            return np.asarray(evaluate(tree, data, missing_codes=MISSING_CODES), dtype=bool)
        except ExprError as exc:
            raise WeightingError(f"targets {self.id!r}, scope {self.scope!r}: {exc}") from None

    def scope_note(self, data: pd.DataFrame, inside: np.ndarray) -> str:
        """One sentence: how many rows are outside the scope, and how many only for a missing scope answer."""
        outside = ~np.asarray(inside, dtype=bool)
        if not outside.any():
            return f"all {len(data):,} rows are inside the population of targets {self.id!r}"
        text = (f"{int(outside.sum()):,} of {len(data):,} rows are outside the population of targets "
                f"{self.id!r}{f' ({self.scope})' if self.scope else ''} and keep their design weights")
        if self.scope is not None:
            names = sorted(parse(self.scope).names() & set(map(str, data.columns)))
            codes = [float(c) for c in MISSING_CODES]
            unanswered = np.zeros(len(data), dtype=bool)
            for name in names:
                col = pd.to_numeric(data[name], errors="coerce")
                unanswered |= (col.isna() | col.isin(codes)).to_numpy()
            k = int((outside & unanswered).sum())
            if k:
                text += (f"; {k:,} of them have no answer to {', '.join(names)}: impute it if they may belong "
                         f"to the population")
        return text

    def add_margin_columns(self, data: pd.DataFrame, names: list[str] | None = None,
                           missing_codes: tuple[int, ...] = (-6, -7, -8, -9),
                           in_scope: np.ndarray | pd.Series | None = None) -> pd.DataFrame:
        """A copy of ``data`` with one collapsed column per margin (level names; missing where unknown).

        Missing codes and empty cells become missing (weighting then names those rows); any other code
        that no level collapses is an error naming the item, the code and the rows. With ``in_scope`` (a
        boolean mask, e.g. :meth:`in_scope`) only those rows are collapsed and checked; the others' margin
        columns stay missing, for a rake or calibration restricted by ``scope=`` to the same rows.
        """
        out = data.copy()
        inside = np.ones(len(data), dtype=bool) if in_scope is None else np.asarray(in_scope, dtype=bool)
        if inside.shape != (len(data),):
            raise WeightingError(f"targets {self.id!r}: in_scope has {inside.size} entries but the data have "
                                 f"{len(data)} rows")
        chosen = self.margins_ if names is None else tuple(self.margin(n) for n in names)
        for m in chosen:
            if m.variable not in data.columns:
                raise WeightingError(f"targets {self.id!r}, margin {m.name!r}: the data have no item "
                                     f"{m.variable!r}; weight data that hold it (item codes, as the store "
                                     "exports them), or leave this margin out (names=, on the command line "
                                     "--margin)")
            col = pd.to_numeric(data[m.variable], errors="coerce").where(inside)
            mapping = {float(code): lv.name for lv in m.levels for code in lv.codes}
            mapped = col.map(mapping)
            unknown = mapped.isna() & col.notna() & ~col.isin([float(c) for c in missing_codes])
            notnum = col.isna() & data[m.variable].notna() & inside
            bad = unknown | notnum
            if bad.any():
                vals = sorted({str(v) for v in data[m.variable][bad].head(20)})
                rows = rows_text(data.index, bad.to_numpy())  # respondent ids or index labels, not positions
                hint = "" if self.scope is None or in_scope is not None else (
                    f"; or, if those respondents are outside the population the targets count ({self.scope}), "
                    f"weight only the rows inside it: inside = targets.in_scope(data), "
                    f"add_margin_columns(data, in_scope=inside), then rake or calibrate with scope=inside")
                raise WeightingError(
                    f"targets {self.id!r}, margin {m.name!r}: item {m.variable!r} has codes {vals} that no "
                    f"level collapses ({int(bad.sum())} rows: {rows}); add them to a level's codes in "
                    f"{self.path or 'the targets file'}{hint}")
            out[m.column] = pd.Categorical(mapped, categories=[lv.name for lv in m.levels])
        return out

    def describe(self) -> str:
        """Several lines for people: the population, each margin's shares and sources, scope and note."""
        parts = [f"{self.id}: population {self.population_total:,.0f} ({self.source}, {self.year})"]
        if self.description:
            parts.insert(0, self.description)
        for m in self.margins_:
            shares = ", ".join(f"{k} {v:.1%}" for k, v in m.shares().items())
            parts.append(f"  {m.name} from item {m.variable}: {shares} ({m.source or self.source}, "
                         f"{m.year or self.year})")
        if self.scope is not None:
            parts.append(f"  scope: {self.scope}")
        if self.note:
            parts.append(f"  note: {self.note}")
        return "\n".join(parts)


def _targets_dirs() -> list[Path]:
    """Folders searched for a targets id, in order: $CAREERSURVEY_TARGETS_DIR, ./survey/targets, then the
    ``targets/`` folder of the questionnaires' survey/ folder (env var, checkout or the installed copy)."""
    dirs = []
    env = os.environ.get("CAREERSURVEY_TARGETS_DIR")
    if env:
        dirs.append(Path(env))
    dirs.append(Path.cwd() / "survey" / "targets")
    try:
        dirs.append(survey_dir() / "targets")
    except FileNotFoundError:  # no questionnaire folder anywhere: the installed copies are still worth a look
        pass
    dirs.extend(d / "targets" for d in installed_survey_dirs())
    return list(dict.fromkeys(dirs))


def find_targets(path_or_id: str | os.PathLike[str]) -> Path:
    """A targets file from a path, or an id looked up in $CAREERSURVEY_TARGETS_DIR, ./survey/targets
    and the project's survey/targets."""
    p = Path(path_or_id)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise WeightingError(f"targets file {str(p)!r} does not exist")
        if p.is_dir():
            raise WeightingError(f"{p}: is a folder, not a targets file; name a targets YAML file or a "
                                 f"targets id ({_known_ids()})")
        return p
    tried = []
    for d in _targets_dirs():
        for ext in (".yaml", ".yml"):
            cand = d / f"{path_or_id}{ext}"
            tried.append(str(cand))
            if cand.exists():
                return cand
    raise WeightingError(f"no targets {str(path_or_id)!r}: looked for {', '.join(tried)}; name a targets id "
                         f"({_known_ids()}) or the path of a targets YAML file")


def _known_ids() -> str:
    """The targets ids found on the search path, for error messages."""
    ids = sorted({f.stem for d in _targets_dirs() if d.is_dir() for f in (*d.glob("*.yaml"), *d.glob("*.yml"))})
    return "available: " + (", ".join(ids) if ids else "none")


def _err(path: Path, where: str, what: str) -> WeightingError:
    """A loading error naming the file, the place in it and what is wrong."""
    return WeightingError(f"{path}: {where}: {what}")


class _NamesAsWritten(yaml.SafeLoader):
    """YAML whose names stay the text of the file: mapping keys (margin and level names) and the ``id`` value
    are never read as numbers or booleans (``0001`` is not 1, ``01`` not 1, ``yes`` not True)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        self.flatten_mapping(node)
        out = {}
        for key_node, value_node in node.value:
            plain = isinstance(key_node, yaml.ScalarNode)
            key = key_node.value if plain else self.construct_object(key_node, deep=deep)
            if key == "id" and isinstance(value_node, yaml.ScalarNode):
                out[key] = value_node.value
            else:
                out[key] = self.construct_object(value_node, deep=deep)
        return out


def load_targets(path_or_id: str | os.PathLike[str]) -> Targets:
    """Load and check a targets YAML file (by path or by id); errors name the file, margin and level."""
    path = find_targets(path_or_id)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_NamesAsWritten)  # noqa: S506 (a SafeLoader)
    except (UnicodeDecodeError, OSError) as exc:
        raise _err(path, "file", f"cannot be read as a YAML text file ({exc}); give a targets YAML file "
                   "(see survey/targets/README.md)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "?"
        raise _err(path, line, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, Mapping):
        raise _err(path, "top level", "expected a mapping with id, population_total and margins")
    extra = set(raw) - _ALLOWED_TOP
    if extra:
        raise _err(path, "top level", f"unknown keys {sorted(extra)}; allowed: {sorted(_ALLOWED_TOP)}")
    for key in ("id", "population_total", "margins"):
        if key not in raw:
            raise _err(path, "top level", f"missing {key!r}")
    try:
        total = float(raw["population_total"])
    except (TypeError, ValueError):
        raise _err(path, "population_total", f"{raw['population_total']!r} is not a number") from None
    if not total > 0:
        raise _err(path, "population_total", "must be positive")
    if not isinstance(raw["margins"], Mapping) or not raw["margins"]:
        raise _err(path, "margins", "expected a non-empty mapping margin -> {variable, levels}")
    margins = []
    for name, spec in raw["margins"].items():
        where = f"margin {name!r}"
        if not isinstance(spec, Mapping):
            raise _err(path, where, "expected a mapping with variable and levels")
        extra = set(spec) - _ALLOWED_MARGIN
        if extra:
            raise _err(path, where, f"unknown keys {sorted(extra)}; allowed: {sorted(_ALLOWED_MARGIN)}")
        if "variable" not in spec or "levels" not in spec:
            raise _err(path, where, "needs 'variable' (the questionnaire item) and 'levels'")
        levels = []
        seen: dict[int, str] = {}
        if not isinstance(spec["levels"], Mapping) or not spec["levels"]:
            raise _err(path, where, "levels must be a non-empty mapping level -> {codes, share}")
        for lname, lv in spec["levels"].items():
            lw = f"{where}, level {lname!r}"
            if not isinstance(lv, Mapping) or set(lv) - {"codes", "share", "note"} or not {"codes", "share"} <= set(lv):
                raise _err(path, lw, "expected {codes: [..], share: 0..1}")
            codes = lv["codes"] if isinstance(lv["codes"], list) else [lv["codes"]]
            try:
                codes_t = tuple(int(c) for c in codes)
                share = float(lv["share"])
            except (TypeError, ValueError):
                raise _err(path, lw, "codes must be integers and share a number") from None
            if not 0 <= share <= 1:
                raise _err(path, lw, f"share {share} is not between 0 and 1 (write 0.727, not 72.7)")
            for c in codes_t:
                if c in seen:
                    raise _err(path, lw, f"code {c} is already in level {seen[c]!r}")
                seen[c] = str(lname)
            levels.append(TargetLevel(str(lname), codes_t, share))
        s = sum(lv.share for lv in levels)
        if abs(s - 1) > SHARE_SUM_TOL:
            raise _err(path, where, f"shares sum to {s:.4f}, not 1: a level is missing or a share is wrong "
                                    f"(add an 'other' level for the rest)")
        year = spec.get("year", raw.get("year"))
        margins.append(TargetMargin(str(name), str(spec["variable"]), tuple(levels),
                                    str(spec.get("source", raw.get("source", ""))),
                                    int(year) if year is not None else None))
    year = raw.get("year")
    scope = raw.get("scope")
    if scope is not None:
        try:
            scope = str(parse(str(scope)))
        except ExprError as exc:
            raise _err(path, "scope", f"not a condition in the questionnaire language ({exc})") from None
    return Targets(id=str(raw["id"]), population_total=total, margins_=tuple(margins),
                   source=str(raw.get("source", "")), year=int(year) if year is not None else None,
                   note=str(raw.get("note", "")), path=str(path), description=str(raw.get("description", "")),
                   scope=scope)

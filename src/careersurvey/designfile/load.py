"""``load_design_file(path)``: a design YAML file read, checked and resolved into a frozen :class:`DesignFile`.

Checks, all reported together with file, line and field: YAML syntax, repeated and unknown fields, value types,
the lonely-PSU rule, ``id@version``, one fpc (and stratum) column per PSU stage, and that the sample and
targets files exist. Paths in the file are relative to the design file itself: the design file is the user's
own file, named on the command line (no path is ever read from a response or sample file). Whether the
columns exist is checked against the data when the design is built (:meth:`DesignFile.build`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import MappingProxyType
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from careersurvey.designfile.errors import DesignCode as C
from careersurvey.designfile.errors import DesignFileError, DesignProblem, design_problem
from careersurvey.designfile.spec import ALLOWED, DesignFileSpec
from careersurvey.questionnaire.yamlsource import line_of, load_yaml


def _stages(value: str | list[str] | None) -> tuple[str, ...]:
    return () if value is None else ((value,) if isinstance(value, str) else tuple(value))


@dataclass(frozen=True)
class DesignFile:
    """A checked design file. ``build(dataset)`` gives the :class:`~careersurvey.SurveyDesign` it declares."""

    path: Path
    questionnaire: str
    ids: str
    sample: Path | None
    key: str
    weights: str | None
    strata: tuple[str, ...]
    psu: tuple[str, ...]
    fpc: tuple[str, ...]
    lonely_psu: str
    missing_codes: tuple[int, ...]
    targets: Path | None
    scope: str | None
    wave: str | None = None
    plugins: tuple[str, ...] = ()
    wave_samples: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # other wave -> file
    trend: tuple[str, ...] = ()
    longitudinal: MappingProxyType | None = None  # classes, margins, method (cs.longitudinal_weights)
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # pps, with_replacement, ...
    lines: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False)

    @property
    def weighted(self) -> bool:
        """Whether the design gives respondents different weights (a weights column or targets)."""
        return self.weights is not None or self.targets is not None

    def columns(self) -> dict[str, tuple[str, ...]]:
        """Field -> the columns it names (weights, strata, psu, fpc), for checks and messages."""
        return {"weights": _stages(self.weights), "strata": self.strata, "psu": self.psu, "fpc": self.fpc}

    def problem(self, code: C, field_name: str | None, **context: Any) -> DesignProblem:
        """A problem about ``field_name`` of this file, at the line where the field is written."""
        top = field_name.split(".")[0] if field_name else None
        return design_problem(code, str(self.path), self.lines.get(field_name or "", self.lines.get(top or "")),
                              field_name, **context)

    def build(self, data, *, note: Callable[[str], object] | None = None):
        """The declared design of ``data`` (a :class:`~careersurvey.Dataset` or a DataFrame of codes), weighted
        to the targets in scope when the file names targets (``careersurvey.designfile.build``)."""
        from careersurvey.designfile.build import build_design

        return build_design(self, data, note=note).design

    def prepare(self, data, *, note: Callable[[str], object] | None = None,
                extra: Callable[[pd.DataFrame, np.ndarray], pd.DataFrame] | None = None):
        """Every step of :meth:`build`: a :class:`~careersurvey.designfile.build.BuiltDesign` with the design
        before and after weighting and who is in the targets' scope (``extra`` adds columns that depend on it)."""
        from careersurvey.designfile.build import build_design

        return build_design(self, data, note=note, extra=extra)


def load_design_file(path: str | os.PathLike[str]) -> DesignFile:
    """Read and check a design file; raises :class:`DesignFileError` naming every problem with its line."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        detail = "it is a folder" if path.is_dir() else ("it does not exist" if not path.exists() else str(exc))
        raise DesignFileError([design_problem(C.UNREADABLE, name, None, detail=detail)]) from None
    try:
        raw, duplicates = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DesignFileError([design_problem(C.YAML_SYNTAX, name, mark.line + 1 if mark else None,
                                              detail=getattr(exc, "problem", None) or exc)]) from None
    if not isinstance(raw, dict):
        raise DesignFileError([design_problem(C.NOT_A_MAPPING, name, getattr(raw, "line", None) or 1,
                                              got=type(raw).__name__ if raw is not None else "an empty file")])
    problems = [design_problem(C.DUPLICATE_KEY, name, d.line, str(d.key), key=d.key, first=d.first)
                for d in duplicates]
    try:
        spec = DesignFileSpec.model_validate(raw)
    except ValidationError as exc:
        seen = set()  # a union (a column or a list of columns) fails once per branch: say it once
        for err in exc.errors():
            p = _from_pydantic(err, raw, name)
            if (p.line, p.item) not in seen:
                seen.add((p.line, p.item))
                problems.append(p)
        raise DesignFileError(problems) from None
    if problems:
        raise DesignFileError(problems)
    return _resolve(spec, raw, path)


#: pydantic's names of union branches in an error's location (not fields a person wrote)
_BRANCHES = ("str", "list[str]", "SampleSpec", "TargetsSpec", "LongitudinalSpec", "int", "constrained-str")


def _dotted(loc: tuple) -> str:
    """A pydantic location as the field a person reads: ``sample.key``, ``psu[1]``."""
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step in _BRANCHES:  # pydantic's union branch names
            continue
        else:
            out += ("." if out else "") + str(step)
    return out


def _from_pydantic(err: dict, raw: dict, name: str) -> DesignProblem:
    """One pydantic error as a catalogue problem with its line."""
    loc = tuple(s for s in err["loc"] if s not in _BRANCHES)
    line = line_of(raw, loc)
    where = _dotted(loc)
    parent = ".".join(str(s) for s in loc[:-1] if isinstance(s, str))
    if err["type"] == "extra_forbidden":
        return design_problem(C.UNKNOWN_FIELD, name, line, where, key=loc[-1],
                              where=f" in {parent}" if parent else "",
                              allowed=", ".join(ALLOWED.get(parent, ALLOWED[""])))
    if err["type"] == "missing":
        return design_problem(C.MISSING_FIELD, name, line, where, key=loc[-1], where=parent or "the design file")
    if err["type"] == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        return design_problem(C.BAD_VALUE, name, line, where, key=where, got=err.get("input"),
                              detail="",
                              fix=f"write one of {allowed} (R survey's meanings; README, The design file)")
    expected = EXPECTED.get(str(loc[0]), "text")
    return design_problem(C.BAD_VALUE, name, line, where, key=where, got=err.get("input"), detail="",
                          fix=f"write {expected} (README, The design file)")


#: Settings handed to SurveyDesign as they are (R survey's options, kept on the design).
DESIGN_OPTIONS = ("adjust_domain_lonely", "pps", "pps_variance", "with_replacement", "ultimate_cluster")

#: What each field takes, as the messages say it.
EXPECTED = {
    "adjust_domain_lonely": "true or false",
    "with_replacement": "true or false",
    "ultimate_cluster": "true or false",
    "psu": "a column name, or a list of column names (one per stage)",
    "strata": "a column name, or a list of column names (one per stage)",
    "fpc": "a column name, or a list of column names (one per stage)",
    "sample": "a mapping with file: (the sample file) and key: (its id column)",
    "targets": "a mapping with file: (a targets id or file) and scope: (optional)",
    "missing_codes": "a list of whole numbers such as [-6, -7, -8, -9]",
    "questionnaire": "the questionnaire's id@version as text, e.g. stem-careers@1.1.0",
    "waves": "a mapping of wave names to sample files, e.g. {\"2025\": sample_2025.csv}",
    "trend": "a list of item or scale names, e.g. [pay, fail_stigma]",
    "longitudinal": "a mapping with classes: (column or list), margins: (list) and method: (linear, raking, logit)",
    "wave": "a wave name as the store has it: letters, digits, '.', '_' or '-', e.g. 2026 or w2",
}


def _resolve(spec: DesignFileSpec, raw: dict, path: Path) -> DesignFile:
    """Cross-field checks and paths resolved against the design file's folder."""
    lines = {k: v for k, v in getattr(raw, "lines", {}).items()}
    for part in ("sample", "targets", "waves", "longitudinal"):
        sub = raw.get(part)
        for k, v in getattr(sub, "lines", {}).items():
            lines[f"{part}.{k}"] = v
    base = path.parent
    df = DesignFile(path=path, questionnaire=spec.questionnaire, ids=spec.ids, sample=None,
                    key=spec.sample.key if spec.sample else "respondent_id", weights=spec.weights,
                    strata=_stages(spec.strata), psu=_stages(spec.psu), fpc=_stages(spec.fpc),
                    lonely_psu=spec.lonely_psu, missing_codes=tuple(spec.missing_codes), targets=None,
                    scope=spec.targets.scope if spec.targets else None, wave=None if spec.wave is None else str(spec.wave),
                    plugins=tuple(spec.plugins), trend=tuple(spec.trend),
                    longitudinal=None if spec.longitudinal is None else MappingProxyType(
                        {"classes": list(_stages(spec.longitudinal.classes)),
                         "margins": list(spec.longitudinal.margins), "method": spec.longitudinal.method}),
                    options=MappingProxyType({k: getattr(spec, k) for k in DESIGN_OPTIONS}),
                    lines=MappingProxyType(lines))
    problems = []
    qid, _, version = spec.questionnaire.partition("@")
    if not qid or not version:
        problems.append(df.problem(C.BAD_QUESTIONNAIRE, "questionnaire", got=spec.questionnaire))
    for key in ("fpc", "strata"):
        n = len(getattr(df, key))
        if n and df.psu and n > len(df.psu):
            problems.append(df.problem(C.STAGES, key, key=key, n=n, n_psu=len(df.psu)))
    for name in spec.plugins:
        if not all(part.isidentifier() for part in name.split(".")):
            problems.append(df.problem(C.BAD_VALUE, "plugins", key="plugins", got=name, detail="",
                                       fix="name a plug-in's module or package (e.g. stem_careers), importable "
                                           "because it is installed or on PYTHONPATH, not a file path"))
    sample = targets = None
    if spec.sample is not None:
        sample = base / spec.sample.file
        if not sample.is_file():
            problems.append(df.problem(C.NO_FILE, "sample.file", key="sample.file", path=sample, base=base,
                                       detail="is a folder" if sample.is_dir() else "does not exist"))
    wave_samples = {}
    for wave, file in spec.waves.items():
        wave_samples[str(wave)] = base / file
        if not wave_samples[str(wave)].is_file():
            problems.append(df.problem(C.NO_FILE, "waves", key=f"waves.{wave}", path=wave_samples[str(wave)],
                                       base=base, detail="is a folder" if wave_samples[str(wave)].is_dir()
                                       else "does not exist"))
    if spec.targets is not None:
        targets = _targets_file(spec.targets.file, base)
        if targets is None:
            from careersurvey.targets import _known_ids

            problems.append(df.problem(C.NO_FILE, "targets.file", key="targets.file", path=spec.targets.file,
                                       base=base, detail=f"is neither a file nor a targets id ({_known_ids()})"))
    if problems:
        raise DesignFileError(problems)
    return DesignFile(**{**df.__dict__, "sample": sample, "targets": targets,
                         "wave_samples": MappingProxyType(wave_samples)})


def _targets_file(value: str, base: Path) -> Path | None:
    """A targets file beside the design file, else a targets id (``careersurvey.targets.find_targets``)."""
    from careersurvey.estimation.weighting.errors import WeightingError
    from careersurvey.targets import find_targets

    here = base / value
    if here.is_file():
        return here
    if "/" in value or "\\" in value or value.endswith((".yaml", ".yml")):
        return None
    try:
        return find_targets(value)
    except WeightingError:
        return None


__all__ = ["DesignFile", "load_design_file"]

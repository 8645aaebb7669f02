"""Build the design a design file declares: the sample file joined by id, the design columns checked, the
:class:`~careersurvey.SurveyDesign`, and raking to the targets inside their scope.

The weighting is the one the stem-careers analyses used before the design file (now shared): margin items a
respondent left unanswered inside the scope take the most common answer of their first-stage stratum for the
raking only (said in a note); respondents outside the scope keep their design weights; every estimate of the
targets' population is a domain of the one design of all respondents.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from careersurvey.designfile.errors import DesignCode as C
from careersurvey.designfile.errors import DesignFileError


@dataclass(frozen=True)
class BuiltDesign:
    """``design``: every respondent, weighted to the targets in scope (or the design weights without targets);
    ``base``: the same before weighting; ``inside``: who the targets count (all without targets); ``targets``."""

    design: object
    base: object
    inside: np.ndarray
    targets: object | None
    notes: tuple[str, ...]


def build_design(df, data, *, note: Callable[[str], object] | None = None,
                 extra: Callable[[pd.DataFrame, np.ndarray], pd.DataFrame] | None = None) -> BuiltDesign:
    """See :meth:`careersurvey.designfile.DesignFile.prepare`."""
    from careersurvey.estimation.design import SurveyDesign
    from careersurvey.estimation.spec import DesignError
    from careersurvey.estimation.weighting.errors import WeightingError

    notes: list[str] = []
    frame = _frame(df, data)
    responses = list(frame.columns)
    frame = _attach(df, frame, notes)
    _check_columns(df, frame, [c for c in frame.columns if c not in responses])
    kw = dict(weights=df.weights, strata=_arg(df.strata), psu=_arg(df.psu), fpc=_arg(df.fpc),
              lonely_psu=df.lonely_psu, missing_codes=df.missing_codes, ids=df.ids, **_options(df))
    if df.weights is None:
        notes.append(f"{df.path.name} names no weights: every respondent starts with weight 1")
    try:
        base = SurveyDesign(frame, **kw)
        inside = np.ones(len(frame), dtype=bool)
        tg = None
        design = base
        if df.targets is not None:
            tg, inside, margins = _targets(df, frame, notes)
            wide = pd.concat([frame, margins], axis=1)
            if extra is not None:
                wide = pd.concat([wide, extra(frame, inside)], axis=1)
            base = SurveyDesign(wide, **kw)
            design = base.rake(tg.margins(), scope=inside)
        elif extra is not None:
            base = design = SurveyDesign(pd.concat([frame, extra(frame, inside)], axis=1), **kw)
    except (DesignError, WeightingError) as exc:
        raise DesignFileError([df.problem(C.DESIGN, None, detail=str(exc))]) from None
    for n in notes:
        if note is not None:
            note(n)
    return BuiltDesign(design=design, base=base, inside=inside, targets=tg, notes=tuple(notes))


def _arg(cols: tuple[str, ...]):
    return None if not cols else (cols[0] if len(cols) == 1 else list(cols))


def _frame(df, data) -> pd.DataFrame:
    """The responses as a DataFrame; a Dataset's questionnaire must be the declared one."""
    q = getattr(data, "questionnaire", None)
    if q is not None:
        if q.key != df.questionnaire:
            raise DesignFileError([df.problem(C.OTHER_QUESTIONNAIRE, "questionnaire", declared=df.questionnaire,
                                              got=q.key)])
        data = data.data
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"build() takes a cs.Dataset or a pandas DataFrame (got {type(data).__name__})")
    if "wave" not in data.columns:
        return data
    if df.wave is None:
        waves = list(dict.fromkeys(data["wave"].dropna().astype(str)))
        if len(waves) > 1:
            raise DesignFileError([df.problem(C.SEVERAL_WAVES, None, n=len(waves), have=", ".join(waves),
                                              newest=waves[-1])])
        return data
    rows = data["wave"].astype("string") == df.wave
    if not rows.any():
        have = ", ".join(dict.fromkeys(data["wave"].astype(str))) or "none"
        raise DesignFileError([df.problem(C.NO_WAVE, "wave", wave=df.wave, have=have)])
    return data if rows.all() else data[rows.to_numpy()].reset_index(drop=True)


def _attach(df, frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """The sample file's columns joined to the responses by id (ids, strata and PSU codes as text)."""
    if df.sample is None:
        return frame
    from careersurvey.responses.sample_design import SampleDesignError, attach_sample_design

    text = tuple(dict.fromkeys(c for c in (*df.strata, *df.psu) if c != df.key))
    try:
        joined = attach_sample_design(frame.rename(columns={df.ids: df.key}) if df.ids != df.key else frame,
                                      df.sample, key=df.key, text=text, note=notes.append)
    except SampleDesignError as exc:
        raise DesignFileError([df.problem(C.SAMPLE, "sample.file", detail=str(exc))]) from None
    if df.ids != df.key:
        joined = joined.rename(columns={df.key: df.ids})
    return joined


def _check_columns(df, frame: pd.DataFrame, from_sample: list[str]) -> None:
    """Every column the file names is in the responses or the sample file."""
    where = (f"the sample file {df.sample.name} nor the responses" if df.sample is not None else
             "the responses (and the design file names no sample: file)")
    items = [c for c in frame.columns if c not in from_sample]
    have = (f"the sample file's {', '.join(from_sample)}; or " if from_sample else "") + (
        "the responses' " + ", ".join(map(str, items[:10])) + (f" and {len(items) - 10} more" if len(items) > 10 else ""))
    problems = []
    if df.ids not in frame.columns:
        problems.append(df.problem(C.NO_COLUMN, "ids", key="ids", column=df.ids, where=where, have=have))
    for key, cols in df.columns().items():
        for i, c in enumerate(cols):
            if c not in frame.columns:
                field = key if len(cols) == 1 else f"{key}[{i}]"
                problems.append(df.problem(C.NO_COLUMN, field if field in df.lines else key, key=field, column=c,
                                           where=where, have=have))
    if problems:
        raise DesignFileError(problems)


def _targets(df, frame: pd.DataFrame, notes: list[str]):
    """The targets (scope from the design file when it gives one), who is inside, and the margin columns."""
    from careersurvey.estimation.weighting.errors import WeightingError
    from careersurvey.targets import load_targets

    try:
        tg = load_targets(df.targets)
        if df.scope is not None:
            tg = dataclasses.replace(tg, scope=df.scope)
        items = [m.variable for m in tg.margins_]
        absent = [i for i in items if i not in frame.columns]
        if absent:
            raise WeightingError(f"the margins of {tg.id!r} are built from items {absent}, which the responses "
                                 "do not have; name targets made for this questionnaire")
        filled, imputed = impute_margins(frame, items, df.strata[0] if df.strata else None)
        notes.extend(imputed)
        inside = tg.in_scope(filled)
        margins = tg.add_margin_columns(filled[items], in_scope=inside).drop(columns=items)
    except WeightingError as exc:
        raise DesignFileError([df.problem(C.TARGETS, "targets", detail=str(exc))]) from None
    notes.append(tg.scope_note(filled, inside))
    notes.append(f"raked to {tg.id} ({', '.join(m.name for m in tg.margins_)}; population "
                 f"{tg.population_total:,.0f})")
    return tg, inside, margins


def impute_margins(data: pd.DataFrame, columns, by: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Fill a missing margin category (a refused sex or region) with the most common one in the same
    sampling stratum, so every respondent can be raked; returns the notes saying how many were filled."""
    notes = []
    out = data.copy()
    for c in columns:
        miss = out[c].isna()
        if not miss.any():
            continue
        if by is not None and by in out.columns:
            mode = out.groupby(by, observed=True)[c].agg(lambda s: s.mode().iloc[0] if s.notna().any() else None)
            fill = out[by].map(mode)
        else:
            fill = pd.Series(out[c].mode().iloc[0], index=out.index)
        fill = fill.fillna(out[c].mode().iloc[0])
        out[c] = out[c].astype(object).where(~miss, fill).astype(out[c].dtype)
        notes.append(f"{int(miss.sum())} respondents without a {c.removesuffix('_margin')} answer were given "
                     "the most common category of their sampling stratum for raking")
    return out, notes


__all__ = ["BuiltDesign", "build_design", "impute_margins"]


def _options(df) -> dict:
    """R survey's options the file sets, as SurveyDesign takes them (pps: hartley_rao -> cs.hartley_rao())."""
    from careersurvey.estimation.pps import hartley_rao

    out = dict(df.options)
    if out.get("pps") == "hartley_rao":
        out["pps"] = hartley_rao()
    return out

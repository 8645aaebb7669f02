"""The study of any questionnaire: the store's answers and the design a design file declares (or none).

``build_report``'s generic sections (import, weighting, reliability) need only this, and it is what a plug-in
analysis without its own ``load_study`` receives (README, Plug-in analyses). Without a design file the estimates are unweighted, and :data:`UNWEIGHTED` says so and why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: What the report says when no design file was given.
UNWEIGHTED = ("No design file was given (--design), so the estimates are unweighted: every respondent counts "
              "once, with no strata, clusters or population targets. They describe the respondents, not a "
              "population, and their standard errors assume simple random sampling. Give a design file that "
              "names the weights, strata, PSUs and targets to weight them (README, The design file).")


#: Suffixes of the columns :func:`generic_study` adds beside the answers, for the generic sections: each single
#: and rating item as a categorical of its codes in questionnaire order, and each scale's score; ROW: the
#: answer's row in the dataset, where ``GenericStudy.missing`` says which missing code each unanswered item was.
CAT, SCORE, ROW = "__cat", "__score", "__row"


@dataclass(frozen=True)
class GenericStudy:
    """What the generic sections and a plug-in without its own ``load_study`` read: ``design`` (the targets'
    population when targets are given, a domain of ``full``), ``base`` (before weighting), ``full`` (every
    respondent), the questionnaire, the targets, notes on how the weights were made and whether they are
    weighted. Beside the answers (codes, missing codes as NA) the data hold ``<item>__cat`` (single and rating
    items as categoricals of their codes), ``<scale>__score`` (scale scores) and ``__row``, the row of
    ``missing`` (the dataset's missing code of each unanswered item: Int8, NA for a real answer)."""

    design: object
    base: object
    full: object
    questionnaire: object
    targets: object | None
    notes: tuple[str, ...]
    weighted: bool
    missing: pd.DataFrame | None = None

    def missing_codes_of(self, rows: pd.DataFrame, column: str) -> pd.Series:
        """Which missing code each of ``rows`` (rows of the design's data) holds for ``column``."""
        return pd.Series(self.missing[column].to_numpy()[rows[ROW].to_numpy()], index=rows.index)

    @property
    def data(self) -> pd.DataFrame:
        d = self.design
        return d.data if d.domain is None else d.data[d.domain]


def store_questionnaire(store: str | os.PathLike[str], design=None) -> str:
    """``id@version`` the store's answers are read as: the design file's, else the newest in the store. A store
    without accepted responses is an error saying what to do (before any plug-in runs)."""
    from careersurvey.responses.store import ResponseStore

    ledger = ResponseStore(store).ledger()
    if not len(ledger) or int(ledger["accepted"].sum()) == 0:
        _refuse_empty(store, pd.DataFrame())
    if design is not None:
        return design.questionnaire
    import careersurvey as cs

    return cs.load_dataset(store, labels=False).questionnaire.key


def newest_wave(store: str | os.PathLike[str]) -> tuple[list[str] | None, tuple[str, ...]]:
    """Without a design file, the waves to read: all when the store holds one, else the newest with a note saying
    so (stacking waves would count a person once per wave they answered)."""
    import careersurvey as cs

    waves = cs.ResponseStore(store).waves()
    if len(waves) <= 1:
        return None, ()
    return [waves[-1]], (f"The store holds {len(waves)} waves ({', '.join(waves)}); without a design file the "
                         f"report reads the newest, {waves[-1]} (a design file's wave: names another).",)


def generic_study(store: str | os.PathLike[str], design=None) -> GenericStudy:
    """The answers as codes and the declared design (``design``: a :class:`~careersurvey.DesignFile`), or an
    unweighted design of every respondent without one."""
    import careersurvey as cs

    if design is None:
        waves, note = newest_wave(store)
        loaded = cs.load_dataset(store, labels=False, waves=waves)
        _refuse_empty(store, loaded.data)
        frame = analysis_frame(loaded)
        frame = pd.concat([frame, category_columns(frame, loaded.questionnaire, np.ones(len(frame), bool))], axis=1)
        d = cs.SurveyDesign(frame, missing_codes=cs.MISSING_CODES, ids="respondent_id")
        return GenericStudy(d, d, d, loaded.questionnaire, None, (UNWEIGHTED,) + note, weighted=False,
                            missing=loaded.missing)
    loaded = cs.load_dataset(store, design.questionnaire, labels=False)
    _refuse_empty(store, loaded.data)
    notes: list[str] = []
    q = loaded.questionnaire
    built = design.prepare(analysis_frame(loaded), note=notes.append,
                           extra=lambda frame, inside: category_columns(frame, q, inside))
    full = built.design
    return GenericStudy(full.subset(built.inside), built.base.subset(built.inside), full, loaded.questionnaire,
                        built.targets, tuple(notes), weighted=design.weighted, missing=loaded.missing)


def analysis_frame(loaded) -> pd.DataFrame:
    """A dataset's answers (codes) with the generic sections' columns beside them (:data:`SCORE`, :data:`ROW`),
    built once, so that joins and wave filters keep them aligned with the answers."""
    import careersurvey.scales as sc

    data, q = loaded.data, loaded.questionnaire
    new: dict[str, object] = {ROW: np.arange(len(data))}
    for name in q.scales:
        try:
            new[name + SCORE] = sc.score_scale(data, name, q).to_numpy()
        except sc.ScaleError:  # an item not in these data (another version): the scale is not scored
            continue
    return pd.concat([data, pd.DataFrame(new, index=data.index)], axis=1)


def category_columns(frame: pd.DataFrame, q, inside: np.ndarray) -> pd.DataFrame:
    """Each single and rating item as a categorical (``<item>__cat``) of the codes answered inside the analysed
    population, in questionnaire order: a code nobody there chose is no level, so that a test of independence
    in that population has no empty row (R: droplevels before svychisq)."""
    new = {}
    for item in q.items:
        if item.type in ("single", "rating") and item.choices is not None and item.name in frame:
            seen = set(frame.loc[inside, item.name].dropna().astype(int))
            codes = [c.code for c in item.choices.choices if c.code in seen]
            values = frame[item.name].where(frame[item.name].isin(codes))  # a code not chosen inside: no level
            new[item.name + CAT] = pd.Categorical(values, categories=codes)
    return pd.DataFrame(new, index=frame.index)


def _refuse_empty(store, data: pd.DataFrame) -> None:
    if data.empty:
        raise ValueError(f"{store}: the store holds no accepted responses; see `careersurvey responses problems "
                         f"--store {store}` for the quarantined rows, fix them and import again")


__all__ = ["GenericStudy", "UNWEIGHTED", "CAT", "SCORE", "ROW", "analysis_frame", "category_columns", "generic_study",
           "store_questionnaire"]

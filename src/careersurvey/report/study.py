"""The study of any questionnaire: the store's answers and the design a design file declares (or none).

``build_report``'s generic sections (import, weighting, reliability) need only this, and it is what a plug-in
analysis without its own ``load_study`` receives (README, Plug-in analyses). Without a design file the estimates are unweighted, and :data:`UNWEIGHTED` says so and why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

#: What the report says when no design file was given.
UNWEIGHTED = ("No design file was given (--design), so the estimates are unweighted: every respondent counts "
              "once, with no strata, clusters or population targets. They describe the respondents, not a "
              "population, and their standard errors assume simple random sampling. Give a design file that "
              "names the weights, strata, PSUs and targets to weight them (README, The design file).")


@dataclass(frozen=True)
class GenericStudy:
    """The fields of the analyses' ``Study`` that the generic sections read."""

    design: object
    base: object
    full: object
    questionnaire: object
    targets: object | None
    notes: tuple[str, ...]
    weighted: bool

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


def generic_study(store: str | os.PathLike[str], design=None) -> GenericStudy:
    """The answers as codes and the declared design (``design``: a :class:`~careersurvey.DesignFile`), or an
    unweighted design of every respondent without one."""
    import careersurvey as cs

    if design is None:
        loaded = cs.load_dataset(store, labels=False)
        _refuse_empty(store, loaded.data)
        d = cs.SurveyDesign(loaded.data, missing_codes=cs.MISSING_CODES, ids="respondent_id")
        return GenericStudy(d, d, d, loaded.questionnaire, None, (UNWEIGHTED,), weighted=False)
    loaded = cs.load_dataset(store, design.questionnaire, labels=False)
    _refuse_empty(store, loaded.data)
    notes: list[str] = []
    built = design.prepare(loaded, note=notes.append)
    full = built.design
    return GenericStudy(full.subset(built.inside), built.base.subset(built.inside), full, loaded.questionnaire,
                        built.targets, tuple(notes), weighted=design.weighted)


def _refuse_empty(store, data: pd.DataFrame) -> None:
    if data.empty:
        raise ValueError(f"{store}: the store holds no accepted responses; see `careersurvey responses problems "
                         f"--store {store}` for the quarantined rows, fix them and import again")


__all__ = ["GenericStudy", "UNWEIGHTED", "generic_study", "store_questionnaire"]

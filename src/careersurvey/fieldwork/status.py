"""``fieldwork_status``: progress of the fieldwork by stratum against the target number of completes, and the
follow-up list of sampled persons with no usable response yet.

A *usable* response is a complete or a partial (1.1, 1.2) — from the store when one is given (by the rule of
:mod:`.dispositions`), else as the manager coded it. The follow-up list holds every other sampled case that may
still answer: no code yet, non-contacts (2.2x), unknown eligibility (3.x), break-offs (2.12) and those who
logged on without answering (2.1121). Refusals (2.11, 2.111, 2.112, 2.1122: no reminders to those who said
no), other non-interviews (2.3x: deceased, unable, language) and the not eligible (4.x) are left out. Each
row keeps the sample file's own columns (contact fields) and the last disposition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from careersurvey.fieldwork.codes import normalise
from careersurvey.fieldwork.dispositions import assign_dispositions, check_dispositions
from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.responses.files import create_private

#: codes of cases that are not reminded (refusals, other non-interviews) — with every 4.x
NO_FOLLOW_UP = {"2.11", "2.111", "2.112", "2.1122", "2.3", "2.31", "2.32", "2.33", "2.36"}


@dataclass(frozen=True)
class FieldworkStatus:
    """``progress``: per stratum (and "all") sampled, completes, partials, usable, target, share of target,
    refused, not eligible, pending (no code) and still to follow up; ``follow_up``: the cases to remind;
    ``sample``: the sample with its dispositions now; ``notes``."""

    progress: pd.DataFrame
    follow_up: pd.DataFrame
    sample: pd.DataFrame
    notes: tuple[str, ...]


def fieldwork_status(sample: pd.DataFrame, store=None, questionnaire=None, *, id: str = "respondent_id",
                     stratum: str = "stratum", disposition: str = "disposition",
                     targets: Mapping[str, int] | None = None, source: str | None = None) -> FieldworkStatus:
    """Progress by ``stratum`` against ``targets`` (completes wanted per stratum; none: no target column) and
    the follow-up list (see module doc)."""
    where = source or "the sample"
    for c in (id, stratum):
        if c not in sample.columns:
            raise FieldworkError(f"no column {c!r}; the sample has {', '.join(map(repr, map(str, sample.columns)))}",
                                 file=where)
    frame = sample if disposition in sample.columns else sample.assign(**{disposition: None})
    notes: tuple[str, ...] = ()
    if store is not None:
        filled = assign_dispositions(frame, store, questionnaire, id=id, disposition=disposition, source=where,
                                     pending=True)
        frame, notes = filled.sample, filled.notes
    groups = check_dispositions(frame[disposition], column=disposition, source=where, pending=True)
    codes = frame[disposition].map(normalise)
    strata = frame[stratum].astype("str")
    if targets is not None:
        unknown = sorted(set(map(str, targets)) - set(strata))
        if unknown:
            raise FieldworkError(f"targets name strata not in the sample: {', '.join(map(repr, unknown))}; "
                                 f"the sample's strata are {', '.join(map(repr, sorted(set(strata))))}", file=where)
    usable = groups.isin(["I", "P"]).to_numpy()
    pending = codes.isna().to_numpy()
    follow = ~usable & ~groups.eq("NE").fillna(False).to_numpy() & ~codes.isin(NO_FOLLOW_UP).to_numpy()
    flags = pd.DataFrame({"stratum": strata.to_numpy(), "sampled": 1, "completes": groups.eq("I").fillna(False).to_numpy(),
                          "partials": groups.eq("P").fillna(False).to_numpy(), "usable": usable,
                          "refused": groups.eq("R").fillna(False).to_numpy() & ~follow,
                          "not_eligible": groups.eq("NE").fillna(False).to_numpy(), "pending": pending,
                          "follow_up": follow})
    progress = flags.groupby("stratum").sum().astype(int)
    progress.loc["all"] = progress.sum()
    if targets is not None:
        t = {str(k): int(v) for k, v in targets.items()}
        progress["target"] = [t.get(k, 0) for k in progress.index[:-1]] + [sum(t.values())]
        progress["of_target"] = np.where(progress["target"] > 0, progress["usable"] / progress["target"].where(
            progress["target"] > 0, 1), np.nan)
    follow_up = frame[follow].assign(last_disposition=codes[follow].fillna("(none yet)"))
    return FieldworkStatus(progress=progress, follow_up=follow_up, sample=frame, notes=notes)


def write_follow_up(status: FieldworkStatus, path: str | Path, flags: pd.DataFrame | None = None) -> Path:
    """The follow-up list as an xlsx workbook (owner-only: it holds names and contacts); with ``flags``
    (:func:`careersurvey.fieldwork.paradata.quality_flags`), a second sheet ``quality flags`` lists them,
    each with the sampled case's contact fields where the id is in the sample."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise FieldworkError("the follow-up list is written as .xlsx; name a .xlsx file", file=str(path))
    create_private(path)
    cols = [c for c in status.follow_up.columns if c not in ("disposition_source", "answered_share")]
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        status.follow_up[cols].to_excel(xl, sheet_name="follow-up", index=False)
        xl.sheets["follow-up"].freeze_panes = "A2"
        if flags is not None:
            id_col = status.follow_up.columns[0] if "respondent_id" not in status.sample.columns else "respondent_id"
            case = status.sample.drop(columns=[c for c in ("disposition_source", "answered_share")
                                               if c in status.sample.columns])
            case = case.assign(**{id_col: case[id_col].astype("str")})
            listed = flags.merge(case, how="left", left_on="respondent_id", right_on=id_col,
                                 suffixes=("", " (sample)"))
            listed.to_excel(xl, sheet_name="quality flags", index=False)
            xl.sheets["quality flags"].freeze_panes = "A2"
    return path


__all__ = ["FieldworkStatus", "NO_FOLLOW_UP", "fieldwork_status", "write_follow_up"]

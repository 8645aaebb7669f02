"""Quality flags from paradata and answers: who answered too fast, who gave one answer to a whole grid, and
whose answers are a copy of someone else's. Each flag is a warning for the fieldwork manager (call back,
check the interviewer), never a reason to drop a case silently.

* **speeding**: an online export's ``start`` and ``end`` (KoboToolbox and ODK write them as the form was
  opened and submitted) give each submission's duration; one shorter than ``ratio`` (0.4) times the median
  duration of the export is flagged (the usual rule of thumb is 30-50% of the median; the median is robust to
  the forms left open overnight). A submission without both times, or ending before it started, is flagged
  ``bad_timestamps``;
* **straight_lining**: the same answer to every row of a long rating grid (the rule of
  :mod:`careersurvey.responses.straightline`, which the import also warns about), per stored respondent;
* **duplicate_content**: two or more respondent ids whose answers are identical on every item column, among
  those who answered at least ``min_answered`` items (short or empty questionnaires are alike by chance).

:func:`quality_flags` gathers them into one table (``respondent_id``, ``flag``, ``detail``) that the fieldwork
status prints and the follow-up list carries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.fieldwork.errors import FieldworkError

#: A duration shorter than this share of the median duration is speeding.
SPEEDING = 0.4
#: Fewest answered items for a respondent to be compared for duplicate content.
MIN_ANSWERED = 10
FLAG_COLUMNS = ("respondent_id", "flag", "detail")
START, END = ("start", "end")


def _flags(ids, flag: str, details) -> pd.DataFrame:
    return pd.DataFrame({"respondent_id": pd.Series(list(ids), dtype="str"), "flag": flag,
                         "detail": pd.Series(list(details), dtype="str")})


def export_durations(path: str | Path, *, start: str = START, end: str = END) -> pd.DataFrame:
    """Per submission of an online export (csv or xlsx, as :func:`careersurvey.import_responses` reads it):
    ``respondent_id`` (the export's id column, as text), ``start``, ``end`` (timestamps in UTC: a time zone
    offset is kept in the difference), ``minutes``, the file's ``row`` and the times as written
    (``start_text``, ``end_text``). Raises :class:`FieldworkError` naming the file when
    it has no start or end column."""
    from careersurvey.responses.problems import ResponsesError
    from careersurvey.responses.readers import read_responses

    try:
        table = read_responses(path)
    except ResponsesError as exc:
        raise FieldworkError(str(exc)) from None
    headers = {h.replace("-", "/").rsplit("/", 1)[-1]: h for h in table.headers}
    missing = [c for c in (start, end) if c not in headers]
    if missing:
        raise FieldworkError(f"no {' or '.join(map(repr, missing))} column: the export carries no form timing; "
                             "turn on the start and end metadata in the form (XLSForm rows of type start and "
                             "end) to check durations", file=str(path))
    if table.id_column is None:
        raise FieldworkError("no respondent_id column to name the submissions by; add it to the form",
                             file=str(path))
    ids = pd.Series(table.data[table.id_column], dtype=object).map(
        lambda v: None if v is None or v == "" or (isinstance(v, float) and np.isnan(v)) else str(v))

    def text(col: str) -> pd.Series:
        return pd.Series(table.data[headers[col]], dtype=object).map(
            lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))

    s0, s1 = text(start), text(end)
    t0, t1 = (pd.to_datetime(s.replace("", None), errors="coerce", utc=True, format="mixed") for s in (s0, s1))
    return pd.DataFrame({"respondent_id": ids.astype("str"), "start": t0, "end": t1,
                         "minutes": (t1 - t0).dt.total_seconds() / 60, "row": table.rows,
                         "start_text": s0, "end_text": s1})


def speeding(durations: pd.DataFrame, *, ratio: float = SPEEDING, source: str = "") -> pd.DataFrame:
    """Flags of :func:`export_durations`' submissions shorter than ``ratio`` times the median duration, and of
    those whose times cannot be used."""
    if not 0 < ratio < 1:
        raise FieldworkError(f"ratio = {ratio!r}: speeding is a share of the median duration, between 0 and 1")
    minutes = durations["minutes"]
    bad = ~(minutes >= 0)
    usable = minutes[~bad]
    where = f" in {Path(source).name}" if source else ""
    def said(v) -> str:
        return repr(v) if v else "(empty)"

    out = [_flags(durations.loc[bad, "respondent_id"], "bad_timestamps",
                  [f"start {said(s)}, end {said(e)} (row {r}{where}): no usable duration"
                   for s, e, r in zip(durations.loc[bad, "start_text"], durations.loc[bad, "end_text"],
                                      durations.loc[bad, "row"])])]
    if len(usable):
        median = float(usable.median())
        fast = ~bad & (minutes < ratio * median)
        out.append(_flags(durations.loc[fast, "respondent_id"], "speeding",
                          [f"{m:.1f} minutes, {m / median:.0%} of the median {median:.1f} (row {r}{where})"
                           for m, r in zip(minutes[fast], durations.loc[fast, "row"])]))
    return pd.concat(out, ignore_index=True)


def _numbers(ds) -> dict[str, np.ndarray]:
    """The stored codes by column, missing codes put back as codes (the straight-lining rule reads them)."""
    data = ds.codes()
    out = {}
    for c in data.columns:
        values = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if c in ds.missing.columns:
            codes = ds.missing[c].to_numpy(dtype=float, na_value=np.nan)
            values = np.where(np.isnan(values), codes, values)
        out[c] = values
    return out


def straight_lining(ds) -> pd.DataFrame:
    """Flags of the stored respondents (a :class:`careersurvey.Dataset`) who gave one answer to every row of a
    long grid."""
    from careersurvey.responses.straightline import rows_text, straight_lined

    ids = ds.data["respondent_id"].astype("str").to_numpy()
    parts = [_flags(ids[flagged], "straight_lining",
                    [f"{grid.name}: {answer:g} in all {rows_text(grid)}" for answer in answers[flagged]])
             for grid, flagged, answers in straight_lined(ds.questionnaire, _numbers(ds))]
    return pd.concat(parts, ignore_index=True) if parts else _flags([], "straight_lining", [])


def duplicate_content(data: pd.DataFrame, columns: Sequence[str], *, id: str = "respondent_id",
                      min_answered: int = MIN_ANSWERED) -> pd.DataFrame:
    """Flags of the ids whose answers on ``columns`` equal another id's on every column (empty equals empty),
    among rows with at least ``min_answered`` answered columns; the detail names the other ids."""
    block = data[list(columns)].astype("str").where(data[list(columns)].notna(), "")
    answered = (block != "").sum(axis=1).to_numpy()
    keep = answered >= min_answered
    key = pd.util.hash_pandas_object(block[keep], index=False).to_numpy()
    ids = data.loc[keep, id].astype("str").to_numpy()
    frame = pd.DataFrame({"id": ids, "key": key})
    groups = frame.groupby("key")["id"].agg(list)
    twins = groups[groups.map(len) > 1]
    rows = [(i, f"same answers on all {len(columns)} items as {', '.join(repr(o) for o in g if o != i)}")
            for g in twins for i in g]
    return _flags([r[0] for r in rows], "duplicate_content", [r[1] for r in rows])


def quality_flags(store=None, questionnaire=None, *, exports: Sequence[str | Path] = (), ratio: float = SPEEDING,
                  min_answered: int = MIN_ANSWERED, waves=None) -> pd.DataFrame:
    """Every flag of the stored respondents (straight-lining, duplicate content; with ``store``, of ``waves``
    in a store of several) and of the online ``exports``' submissions (speeding, unusable times), sorted by
    respondent id."""
    parts = []
    for path in exports:
        parts.append(speeding(export_durations(path), ratio=ratio, source=str(path)))
    if store is not None:
        from careersurvey.responses.dataset import load_dataset
        from careersurvey.responses.problems import ResponsesError

        try:
            ds = load_dataset(store, questionnaire, labels=False, waves=waves)
        except ResponsesError as exc:
            raise FieldworkError(str(exc)) from None
        items = [c for i in ds.questionnaire.items for c in i.columns() if c in ds.data.columns]
        parts.append(straight_lining(ds))
        parts.append(duplicate_content(ds.codes(), items, min_answered=min_answered))
    if not parts:
        return _flags([], "", [])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["respondent_id", "flag"], kind="stable").reset_index(drop=True)


__all__ = ["FLAG_COLUMNS", "MIN_ANSWERED", "SPEEDING", "duplicate_content", "export_durations", "quality_flags",
           "speeding", "straight_lining"]

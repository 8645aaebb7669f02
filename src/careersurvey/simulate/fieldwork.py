"""Fieldwork files from simulated answers: the filled entry template and a KoboToolbox-style export.

So that a demo goes through the real import path, answers are written into the entry template workbook
that ``careersurvey.forms`` made (sheet ``Responses``: row 1 names, row 2 labels, data from row 3, column A
``respondent_id``; its hidden ``_meta`` sheet is kept untouched) and into a CSV export shaped like
KoboToolbox's (group paths in headers, multiple choice as space-separated codes plus ``name/code`` 0/1
columns, system columns ``_id``, ``_uuid``, ``_submission_time``, ``__version__``). A few realistic
errors are planted, each listed in ``Planted`` so a test can check that the import quarantines or flags it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from careersurvey.questionnaire.model import Questionnaire, multiple_column

__all__ = ["Planted", "plant_errors", "fill_template", "write_kobo_export"]

DATA_SHEET = "Responses"
FIRST_DATA_ROW = 3


@dataclass(frozen=True)
class Planted:
    """One error put into a fieldwork file on purpose: which respondent, item and what."""

    respondent_id: str
    item: str
    kind: str
    value: object


def plant_errors(q: Questionnaire, answers: pd.DataFrame, seed: int = 9) -> tuple[pd.DataFrame, tuple[Planted, ...]]:
    """Put five kinds of data-entry error into a copy of ``answers`` (indexed by respondent_id).

    A code outside the choice list, a number outside its range, text typed into a number cell, an answer
    to an item routing should have skipped, and a respondent entered twice. Returns the table (object
    dtype where text was typed) and what was planted.
    """
    rng = np.random.default_rng(seed)
    out = answers.astype(object).copy()
    planted: list[Planted] = []
    ids = list(out.index)
    pick = iter(rng.permutation(len(ids)))
    rating = next((i for i in q.items if i.type == "rating" and i.choices is not None), None)
    if rating is not None:
        rid = ids[next(pick)]
        bad = max(rating.choices.codes()) + 1
        out.loc[rid, rating.name] = bad
        planted.append(Planted(str(rid), rating.name, "invalid_code", bad))
    numeric = next((i for i in q.items if i.is_numeric and i.range is not None
                    and isinstance(i.range.max, (int, float))), None)
    if numeric is not None:
        values = pd.to_numeric(answers[numeric.name], errors="coerce")
        answered = list(values.index[(values >= 0).to_numpy()])
        if answered:
            rid = answered[int(rng.integers(len(answered)))]
            bad = numeric.range.max * 10 + 1
            out.loc[rid, numeric.name] = bad
            planted.append(Planted(str(rid), numeric.name, "out_of_range", bad))
            rid2 = answered[int(rng.integers(len(answered)))]
            if rid2 != rid:
                out.loc[rid2, numeric.name] = "about 40"
                planted.append(Planted(str(rid2), numeric.name, "not_a_number", "about 40"))
    routed = next((i for i in q.items if i.type in ("single", "rating") and i.choices is not None
                   and (out[i.name] == -9).any()), None)
    if routed is not None:
        skipped = out.index[out[routed.name] == -9]
        rid = skipped[int(rng.integers(len(skipped)))]
        code = routed.choices.codes()[0]
        out.loc[rid, routed.name] = code
        planted.append(Planted(str(rid), routed.name, "answered_when_skipped", code))
    rid = ids[next(pick)]
    out = pd.concat([out, out.loc[[rid]]])
    planted.append(Planted(str(rid), "respondent_id", "duplicate_id", rid))
    return out, tuple(planted)


def _cell(v: object) -> object:
    """A value as a workbook cell takes it: None for missing, whole floats as int."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def fill_template(template: str | Path, answers: pd.DataFrame, out: str | Path) -> Path:
    """Write ``answers`` (index = respondent_id, columns = data columns) into a copy of the template.

    Columns are placed by the names in row 1 of the template, so the writer never restates its layout;
    a data column the template lacks is an error (the template and the answers are of different versions).
    """
    wb = load_workbook(template)
    if DATA_SHEET not in wb.sheetnames:
        raise ValueError(f"{template}: no sheet {DATA_SHEET!r}; pass an entry template made by careersurvey forms")
    ws = wb[DATA_SHEET]
    names = [c.value for c in ws[1]]
    where = {n: j + 1 for j, n in enumerate(names) if n}
    absent = [c for c in answers.columns if c not in where]
    if absent:
        raise ValueError(
            f"{template}: the template has no column(s) {', '.join(absent[:5])}; make the template from the "
            "same questionnaire version as the answers"
        )
    cols = [where[c] for c in answers.columns]
    values = answers.to_numpy(dtype=object)
    # openpyxl writes cell by cell: this loop is the file format's, the values were made vectorised
    for i, rid in enumerate(answers.index):
        r = FIRST_DATA_ROW + i
        ws.cell(row=r, column=1, value=str(rid))
        for k, j in enumerate(cols):
            v = _cell(values[i, k])
            if v is not None:
                ws.cell(row=r, column=j, value=v)
    out = Path(out)
    wb.save(out)
    return out


def write_kobo_export(
    q: Questionnaire, answers: pd.DataFrame, out: str | Path, version: str, seed: int = 4,
    returned: np.ndarray | None = None, speeding: float = 0.0,
) -> Path:
    """Write ``answers`` as a KoboToolbox CSV export of the form ``version`` (see module doc); name the
    file ``.csv``. ``returned``: each answer's return date (text), where its ``start`` falls (between 08:00
    and 23:00); without it, starts spread over 40 days from 2026-09-01. Forms take 12 to 45 minutes; a share
    ``speeding`` of them 3 to 7 (for the paradata checks, :mod:`careersurvey.fieldwork.paradata`)."""
    rng = np.random.default_rng(seed)
    n = len(answers)
    if returned is None:
        start = pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 40 * 24 * 60, n), unit="min")
    else:
        start = (pd.to_datetime(pd.Series(returned, dtype="str")).to_numpy()
                 + pd.to_timedelta(rng.integers(8 * 60, 23 * 60, n), unit="min").to_numpy())
    frame: dict[str, object] = {"start": pd.DatetimeIndex(start)}
    minutes = rng.integers(12, 45, n)
    if speeding:  # drawn after the others, so the rest of the export stays as it was
        fast = np.random.default_rng([seed, 11]).random(n) < speeding
        minutes = np.where(fast, np.random.default_rng([seed, 12]).integers(3, 8, n), minutes)
    frame["end"] = frame["start"] + pd.to_timedelta(minutes, unit="min")
    frame["respondent_id"] = [str(r) for r in answers.index]
    for item in q.items:
        group = f"grp_{item.module}/"
        if item.type == "multiple":
            codes = item.choices.codes()
            block = answers[[multiple_column(item.name, c) for c in codes]].to_numpy(dtype=float)
            skipped = (block < 0).all(axis=1)
            parts = np.where(block == 1, np.array([f"{c} " for c in codes], dtype=object), "")
            chosen = pd.Series(parts.sum(axis=1), dtype=object).str.strip()
            frame[group + item.name] = chosen.where(~skipped, None).to_numpy(dtype=object)
            for j, c in enumerate(codes):
                frame[f"{group}{item.name}/{c}"] = np.where(skipped, np.nan, block[:, j])
        else:
            col = answers[item.name]
            # Kobo leaves skipped questions empty rather than writing -9
            frame[group + item.name] = col.where(~col.isin([-9]), None)
    frame["_id"] = np.arange(100_001, 100_001 + n)
    frame["_uuid"] = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]
    frame["_submission_time"] = frame["end"]
    frame["__version__"] = version
    frame["_index"] = np.arange(1, n + 1)
    df = pd.DataFrame(frame)
    for c in ("start", "end", "_submission_time"):
        df[c] = pd.to_datetime(df[c]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    out = Path(out)
    # KoboToolbox's CSV export: semicolon-separated, UTF-8 with a byte-order mark (opens in Excel)
    df.to_csv(out, sep=";", index=False, encoding="utf-8-sig")
    return out

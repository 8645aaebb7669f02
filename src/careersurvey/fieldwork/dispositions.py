"""Each sampled case's final AAPOR disposition: completes and partials from the store, the rest from the
fieldwork manager's file; codes checked against :mod:`.codes`.

The rule for a case found in the store (accepted responses, matched by respondent id as text):

* an item is *applicable* to a respondent when it was asked in the respondent's questionnaire version (not -6)
  and its skip rule, if any, holds on the respondent's answers;
* an item is *answered* when it holds an answer, a refusal (-7) or a don't-know (-8): the respondent saw it
  and responded; an empty cell or -9 on an applicable item is not answered;
* **1.1 complete**: every applicable required item of the first ``key_modules`` modules answered, and at
  least ``complete`` (0.8) of all applicable items answered;
* **1.2 partial**: every applicable required item of the first ``key_modules`` modules answered and at least
  one of their items answered, but less than ``complete`` of all applicable items;
* **2.12 break-off**: in the store with some item answered, but not even that;
* **2.1121** (logged on, did not complete any item): in the store with no item answered.

The first screen comes before those rules (a case that stops there has answered every item it was asked, so
the share alone would call it a complete or a partial):

* **2.11 refusal**: the consent item (``consent=``, by default the questionnaire's item named ``consent`` when
  it has one) answered with any code but ``agree`` (1): the respondent said no on the first screen;
* **4.1 not eligible** (screened out): ``screened_out=``, an expression in the questionnaire's skip-logic
  language (e.g. ``"elig_stem == 3 or elig_korea == 0"``), holds on the respondent's answers.

A case not in the store keeps the manager's code (a 1.1 or 1.2 there without a stored response is an error:
the answers would be missing from every estimate). A case in the store that the manager coded otherwise
takes the store's code, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.fieldwork.codes import CODES, HEADINGS, group, normalise
from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.tables import read_rows

#: How many rows a message lists before it says "and N more".
SHOWN = 5


def read_sample(path: str | Path, *, id: str = "respondent_id", text: Sequence[str] = ("disposition",)) -> pd.DataFrame:
    """A sample file (csv, xlsx, ...) with ``id`` and ``text`` columns as text, indexed by the file's row
    numbers (index "row"), so messages name the rows a person sees in the file."""
    try:
        frame, rows = read_rows(Path(path), [id, *[t for t in text if t]], what="sample")
    except ResponsesError as exc:
        raise FieldworkError(str(exc)) from None
    return frame.set_axis(pd.Index([int(r.rpartition(" ")[2]) for r in rows], name="row"), axis=0)


def _where(index: pd.Index, positions) -> str:
    pos = list(positions)
    label = index.name or "index"
    shown = ", ".join(f"{label} {index[i]}" for i in pos[:SHOWN])
    return shown + (f" and {len(pos) - SHOWN} more" if len(pos) > SHOWN else "")


def check_dispositions(codes: pd.Series, *, column: str = "disposition", source: str = "the sample",
                       pending: bool = False) -> pd.Series:
    """The rate group of every code (see :mod:`.codes`); heading and unknown codes are an error naming each
    code and its rows, and so are empty cells unless ``pending`` (during fieldwork: no code yet, group NA)."""
    text = codes.map(normalise)
    empty = np.flatnonzero(text.isna().to_numpy())
    if pending:
        text = text.dropna()
    elif len(empty):
        raise FieldworkError(f"no disposition in {_where(codes.index, empty)}; every sampled case needs its final "
                             "AAPOR code (e.g. 1.1 complete, 2.11 refusal, 3.19 nothing returned, 4.1 not "
                             "eligible)", file=source, column=column)
    bad = [c for c in dict.fromkeys(text) if c not in CODES]
    if bad:
        parts = []
        for c in bad[:SHOWN]:
            at = np.flatnonzero((text == c).to_numpy())
            why = " (a heading, not a final code)" if c in HEADINGS else ""
            parts.append(f"{codes.iloc[at[0]]!r}{why} in {_where(codes.index, at)}")
        raise FieldworkError(f"unknown disposition code{'s' if len(bad) > 1 else ''}: {'; '.join(parts)}"
                             f"{f' and {len(bad) - SHOWN} more codes' if len(bad) > SHOWN else ''}; use the AAPOR "
                             f"codes for web surveys of named persons: {', '.join(CODES)}", file=source, column=column)
    return codes.map(normalise).map(group)


@dataclass(frozen=True)
class Dispositions:
    """``sample`` with its final ``disposition`` and ``disposition_source`` ("store" or "manager"), and the
    share of applicable items each stored case answered (``answered_share``); ``notes`` on what was changed."""

    sample: pd.DataFrame
    notes: tuple[str, ...]


#: The item read as the consent question when none is named.
CONSENT = "consent"


def store_dispositions(store, questionnaire=None, *, key_modules: int = 1, complete: float = 0.8,
                       consent: str | None = CONSENT, agree: object = 1,
                       screened_out: str | None = None, waves=None) -> pd.DataFrame:
    """Per stored respondent: ``respondent_id``, ``answered_share`` and ``disposition`` (1.1, 1.2, 2.12,
    2.1121, 2.11 or 4.1) by the module doc's rule; ``waves``: the wave(s) of a store of several (a sample is
    one wave's)."""
    from careersurvey.expr import evaluate
    from careersurvey.questionnaire.model import DONT_KNOW, MISSING_CODES, NOT_ASKED, REFUSED
    from careersurvey.responses.dataset import load_dataset

    from careersurvey.responses.problems import ResponsesError as _StoreError

    try:
        ds = load_dataset(store, questionnaire, labels=False, waves=waves)
    except _StoreError as exc:
        raise FieldworkError(f"{exc}", file=None) from None
    q, data = ds.questionnaire, ds.codes()
    codes = data.copy()
    for col in ds.missing.columns:  # text and date columns: put the codes in for the evaluation too
        codes[col] = codes[col].where(ds.missing[col].isna(), ds.missing[col])
    n = len(data)
    applicable_total, answered_total = np.zeros(n), np.zeros(n)
    key_ok = np.ones(n, dtype=bool)
    key_any = np.zeros(n, dtype=bool)
    key_names = {i.name for m in q.modules[:key_modules] for i in m.items}
    key_required = any(i.required for m in q.modules[:key_modules] for i in m.items)
    for item in q.items:
        cols = [c for c in item.columns() if c in data.columns]
        if not cols:
            continue
        miss = ds.missing[cols].to_numpy(dtype=float, na_value=np.nan) if all(c in ds.missing for c in cols) else \
            np.full((n, len(cols)), np.nan)
        values = data[cols]
        asked = ~(miss == NOT_ASKED).all(axis=1)
        if item.relevance is not None:
            asked &= np.asarray(evaluate(item.relevance, codes, missing_codes=MISSING_CODES), dtype=bool)
        real = values.notna().to_numpy().any(axis=1)
        said = np.isin(miss, (REFUSED, DONT_KNOW)).any(axis=1)
        answered = asked & (real | said)
        applicable_total += asked
        answered_total += answered
        if item.name in key_names:
            key_any |= answered
            if item.required:
                key_ok &= ~asked | answered
    share = np.divide(answered_total, applicable_total, out=np.ones(n), where=applicable_total > 0)
    key = (key_ok if key_required else True) & key_any
    disp = np.where(key & (share >= complete), "1.1",
                    np.where(key, "1.2", np.where(answered_total > 0, "2.12", "2.1121")))
    disp = np.where(_screened_out(q, codes, screened_out), "4.1", disp)
    disp = np.where(_refused_consent(q, data, consent, agree), "2.11", disp)
    return pd.DataFrame({"respondent_id": data["respondent_id"].astype("str").to_numpy(), "answered_share": share,
                         "disposition": disp})


def _refused_consent(q, data: pd.DataFrame, consent: str | None, agree: object) -> np.ndarray:
    """Who answered the consent item with another code than ``agree`` (an empty or missing-coded consent is
    left to the share rule)."""
    if consent is None:
        return np.zeros(len(data), dtype=bool)
    if consent not in data.columns or consent not in {i.name for i in q.items}:
        if consent == CONSENT:
            return np.zeros(len(data), dtype=bool)
        raise FieldworkError(f"consent={consent!r} is not an item of {q.id} {q.version}; name the consent "
                             "question, or pass consent=None when the questionnaire has none")
    values = pd.to_numeric(data[consent], errors="coerce")
    return (values.notna() & (values != agree)).to_numpy()


def _screened_out(q, codes: pd.DataFrame, rule: str | None) -> np.ndarray:
    """Where the screening-out expression holds (none: nobody)."""
    from careersurvey.expr import ExprError, evaluate
    from careersurvey.questionnaire.model import MISSING_CODES

    if rule is None:
        return np.zeros(len(codes), dtype=bool)
    try:
        held = evaluate(rule, codes, missing_codes=MISSING_CODES)
    except ExprError as exc:
        raise FieldworkError(f"screened_out={rule!r} is not a rule over the items of {q.id} {q.version}; write "
                             f"it in the questionnaire's skip-logic language (e.g. \"elig == 0\"): {exc}") from None
    return np.asarray(held, dtype=bool)


def assign_dispositions(sample: pd.DataFrame, store=None, questionnaire=None, *, id: str = "respondent_id",
                        disposition: str = "disposition", key_modules: int = 1, complete: float = 0.8,
                        source: str | None = None, stored: pd.DataFrame | None = None,
                        pending: bool = False, consent: str | None = CONSENT, agree: object = 1,
                        screened_out: str | None = None, waves=None) -> Dispositions:
    """Fill ``disposition`` of ``sample`` from ``store`` (or from ``stored``, the frame of
    :func:`store_dispositions`) for the cases that answered, keeping the manager's codes for the rest.
    ``pending``: cases without a code are allowed (during fieldwork), else they are an error. ``consent``,
    ``agree`` and ``screened_out``: the first screen's rules (module doc); ``waves``: the sample's wave in a
    store of several."""
    where = source or "the sample"
    if id not in sample.columns:
        raise FieldworkError(f"no column {id!r} to match the store's respondent ids; the sample has "
                             f"{', '.join(map(repr, map(str, sample.columns)))}", file=where)
    if stored is None:
        stored = store_dispositions(store, questionnaire, key_modules=key_modules, complete=complete,
                                    consent=consent, agree=agree, screened_out=screened_out, waves=waves)
    out = sample.copy()
    ids = out[id].astype("str")
    manager = out[disposition].map(normalise) if disposition in out.columns else pd.Series(None, index=out.index)
    found = stored.drop_duplicates("respondent_id", keep="last").set_index("respondent_id")
    hit = ids.isin(found.index).to_numpy()
    new = ids.map(found["disposition"])
    notes = []
    changed = np.flatnonzero(hit & manager.notna().to_numpy() & (manager != new).to_numpy())
    if len(changed):
        notes.append(f"{len(changed)} case{'s' if len(changed) > 1 else ''} coded otherwise by the manager "
                     f"take the store's code ({_where(out.index, changed)})")
    claimed = np.flatnonzero(~hit & manager.isin(["1.1", "1.2"]).to_numpy())
    if len(claimed):
        raise FieldworkError(f"{_where(out.index, claimed)}: coded {manager.iloc[claimed[0]]} (a returned "
                             f"questionnaire) but {id} {ids.iloc[claimed[0]]!r} has no accepted response in the "
                             "store; import the response (or correct the id), or give the case its real code",
                             file=where, column=disposition)
    stray = sorted(set(found.index) - set(ids))
    if stray:
        notes.append(f"{len(stray)} stored respondent{'s' if len(stray) > 1 else ''} not in the sample: "
                     f"{', '.join(map(repr, stray[:SHOWN]))}{' ...' if len(stray) > SHOWN else ''}")
    out[disposition] = np.where(hit, new, manager.astype(object))
    out["disposition_source"] = np.where(hit, "store", np.where(manager.notna(), "manager", None))
    out["answered_share"] = ids.map(found["answered_share"]).to_numpy()
    check_dispositions(out[disposition], column=disposition, source=where, pending=pending)
    return Dispositions(sample=out, notes=tuple(notes))


__all__ = ["Dispositions", "assign_dispositions", "check_dispositions", "read_sample", "store_dispositions"]

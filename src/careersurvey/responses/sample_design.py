"""``attach_sample_design``: the sample-design file (stratum, PSU, fpc, design weight per respondent) joined
to the responses by respondent id, ids compared as text.

The one join of the toolkit: ``careersurvey weights --sample``, the analysis scripts and the report all call
it. The sample file is a CSV or xlsx (any format :func:`~careersurvey.responses.tables.read_table` reads), or a
DataFrame. Its key column is read as written: ``0001`` stays ``0001`` (never 1), a 19-digit id keeps every
digit, ``응답자-7`` is compared as it is spelt. Nothing is guessed:

* a key that repeats in the sample file is an error naming each id and its rows;
* respondents without a design row are an error naming them (and, when the file's ids look like numbers
  that lost their leading zeros, saying so);
* design rows without a respondent (nonrespondents, quarantined rows) are named in a
  :class:`SampleDesignWarning` and left out;
* a column in both files is an error (rename it in one of them).

The result is the data with the sample file's columns added: same rows, same order, same index, ids untouched.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.tables import read_rows

#: How many ids a message lists before it says "and N more".
SHOWN = 5


class SampleDesignError(ResponsesError):
    """The sample design cannot be joined: the message names the file, the ids and rows, and what to do."""


class SampleDesignWarning(UserWarning):
    """Design rows that match no respondent; they are left out of the joined data."""


def attach_sample_design(data: pd.DataFrame, sample: str | Path | pd.DataFrame, key: str = "respondent_id", *,
                         text: Sequence[str] = (), require: Sequence[str] = (), source: str | None = None,
                         note: Callable[[str], object] | None = None) -> pd.DataFrame:
    """``data`` with the columns of the sample design ``sample`` (a file or a DataFrame), joined on ``key``.

    ``text``: sample columns besides the key to read as text (stratum and PSU codes such as ``01``).
    ``require``: columns the sample design must have besides the key (e.g. the design weight).
    ``source`` names the data in messages (e.g. the store's path; default "the data"). Raises
    :class:`SampleDesignError`. Design rows without a respondent are named in a message given to ``note``
    (e.g. ``notes.append``), or, without ``note``, in a :class:`SampleDesignWarning`.
    """
    where = source or "the data"
    if isinstance(sample, pd.DataFrame):
        name, frame = "sample design (DataFrame)", sample
        rows = [f"index {label!r}" for label in sample.index]
        _check_text(frame, key, name)
    else:
        name = str(sample)
        frame, rows = read_rows(Path(sample), [key, *text], what="sample design")
    if key not in data.columns:
        raise SampleDesignError(f"no {key!r} column to join the sample design on; the data have "
                                f"{_names(data.columns)}", code="sample_design", file=where)
    absent = [c for c in (key, *require) if c not in frame.columns]
    if absent:
        raise SampleDesignError(f"the sample design has no column {', '.join(absent)}; it needs "
                                f"{', '.join((key, *require))} (one row per respondent) and has "
                                f"{_names(frame.columns)}", code="sample_design", file=name)
    _check_text(data, key, where)
    ids = frame[key].reset_index(drop=True)
    _refuse_blank_and_repeated(ids, rows, key, name)
    clash = sorted(set(frame.columns) & set(data.columns) - {key})
    if clash:
        raise SampleDesignError(f"columns {_names(clash)} are also in {where}; rename them in one of the two "
                                "files", code="sample_design", file=name)
    present = data[key]
    if present.isna().any():
        raise SampleDesignError(f"{_count(int(present.isna().sum()), 'row')} without a {key}: no design row can "
                                "be found for them; give every respondent an id", code="sample_design", file=where)
    # positions of each respondent's design row (ids are unique by now): one hash lookup, no per-row Python
    index = pd.Index(ids.to_numpy(dtype=object), name=key)
    wanted = present.to_numpy(dtype=object)
    at = index.get_indexer(wanted)
    lost = at < 0
    if lost.any():
        missing = wanted[lost].tolist()
        hint = _lost_zeros_hint(missing, index, key)
        raise SampleDesignError(f"{_count(int(lost.sum()), 'respondent')} of {where} without a design row: "
                                f"{_listed([repr(m) for m in missing[:SHOWN]], len(missing))}; add a row for each "
                                f"({key}, then the design columns), or check that both files come from the same "
                                f"fieldwork{hint}", code="sample_design", file=name)
    unused = np.ones(len(ids), dtype=bool)
    unused[at] = False
    if unused.any():
        left = np.flatnonzero(unused)
        shown = [f"{ids.iloc[j]!r} ({rows[j]})" for j in left[:SHOWN]]
        message = (f"{name}: {_count(len(left), 'design row')} without a respondent in {where}: "
                   f"{_listed(shown, len(left))}; they are left out (nonrespondents, or rows quarantined at "
                   "import: fix and import those rows to count them)")
        if note is None:
            warnings.warn(message, SampleDesignWarning, stacklevel=2)
        else:
            note(message)
    added = frame.drop(columns=[key]).iloc[at].set_axis(data.index, axis=0)
    return pd.concat([data, added], axis=1)


def _check_text(frame: pd.DataFrame, key: str, name: str) -> None:
    """Ids must be text: a numeric key column has already lost leading zeros and long digits."""
    if key not in frame.columns:
        return
    col = frame[key]
    numbers = pd.api.types.is_numeric_dtype(col) or (
        pd.api.types.is_object_dtype(col) and not col.dropna().map(lambda v: isinstance(v, str)).all())
    if numbers:
        raise SampleDesignError(f"column {key!r} holds numbers ({col.dtype}), but ids are text (0001 is "
                                f"not 1); read the file with cs.read_table, or pandas with dtype={{{key!r}: str}}",
                                code="sample_design", file=name)


def _refuse_blank_and_repeated(ids: pd.Series, rows: Sequence[str], key: str, name: str) -> None:
    """No design row without an id; no id twice (each named with its rows)."""
    blank = ids.isna()
    if blank.any():
        raise SampleDesignError(f"{_count(int(blank.sum()), 'design row')} without a {key} "
                                f"({_listed(rows[i] for i in ids.index[blank])}); give each row the id of its "
                                "respondent, or delete it", code="sample_design", file=name)
    repeated = ids[ids.duplicated(keep=False)]
    if len(repeated):
        groups = [f"{i!r} in {' and '.join(rows[j] for j in repeated.index[repeated == i])}"
                  for i in list(dict.fromkeys(repeated))[:SHOWN]]
        n_ids = repeated.nunique()
        raise SampleDesignError(f"{key} {_listed(groups, n_ids)}: {_count(n_ids, 'id')} with more than one design "
                                "row; keep one design row per respondent", code="sample_design", file=name)


def _lost_zeros_hint(missing: list[str], design_ids: pd.Index, key: str) -> str:
    """When the file's ids are the missing ids without their leading zeros, say how that happened."""
    have = set(design_ids)
    stripped = [m for m in missing if m != m.lstrip("0") and (m.lstrip("0") or "0") in have]
    if not stripped:
        return ""
    m = stripped[0]
    return (f". The design file has {m.lstrip('0') or '0'!r} where the data have {m!r}: its ids lost their "
            f"leading zeros, as when a spreadsheet program saves ids as numbers; format the {key} column as "
            "text and save the file again")


def _listed(values: Sequence[str], total: int | None = None) -> str:
    """The first few values, then how many more (of ``total``, default all of ``values``)."""
    values = list(values)
    total = len(values) if total is None else total
    head = ", ".join(str(v) for v in values[:SHOWN])
    return head + (f" and {total - SHOWN} more" if total > SHOWN else "")


def _count(n: int, noun: str) -> str:
    """``1 design row``, ``2 design rows``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _names(columns) -> str:
    return ", ".join(repr(str(c)) for c in columns) or "no columns"


__all__ = ["SampleDesignError", "SampleDesignWarning", "attach_sample_design"]

"""Panel linkage: the same persons across waves, under a persistent pseudonymous panel id.

A respondent re-interviewed in a later wave keeps their respondent id; the panel id is its keyed hash
(HMAC-SHA256 of the id's text, 32 hex digits: :func:`careersurvey.responses.protect.pseudonyms`, the hash of
``export --pseudonymise``), so the same id and key give the same panel id in every wave and every file, and
nobody without the key can turn it back into an id or test a guess. The key is a file named on the command line
(``--key KEYFILE``; ``openssl rand -hex 32 > panel.key``) and is never written into the data or a panel file;
the respondent ids are left out of both files. Ids are linked as the text they are: ``3`` is not ``0003``.

- :func:`panel_long`: one row per person and wave (the frame of ``load_responses(store, waves=...)``), the panel
  id first and the respondent id left out;
- :func:`panel_wide`: one row per person, every column once per wave with the wave as suffix (``role_2025``,
  ``role_2026``; the form ``cs.paired_change`` and ``cs.longitudinal_weights`` read), an ``in_<wave>`` 0/1 column
  saying whether the person answered that wave (a wave not answered is empty, not a missing code), and
  ``constant`` columns once, from the person's first wave;
- :func:`attrition`: by wave (and stratum), how many answered, how many of the previous wave's answered again
  (retained), did not (lost), came back after missing a wave (returning) or answered for the first time (fresh).

Waves are taken in the order given (``waves=``), else a categorical wave column's own order, else the order in
which they first occur in the frame (``load_responses`` gives them in the order they were fielded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.responses.problems import ResponsesError
from careersurvey.responses.protect import pseudonyms, read_key

#: The column holding the panel id in panel files.
PANEL_ID = "panel_id"
#: Columns of the store's ledger that say nothing about a person (left out of panel files).
LEDGER_COLUMNS = ("import_id",)


def panel_key(key: bytes | str | Path) -> bytes:
    """The key as bytes: given as bytes, or read from a key file (:func:`~careersurvey.responses.protect.read_key`)."""
    return key if isinstance(key, bytes) else read_key(key)


def wave_order(data: pd.DataFrame, waves: Sequence[str] | None = None, *, wave: str = "wave") -> list[str]:
    """The waves of ``data`` in order (see the module docs); ``waves`` names them (each must occur)."""
    if wave not in data.columns:
        raise ResponsesError(f"the data have no {wave!r} column; load them with cs.load_responses(store, waves=...)",
                             code="usage")
    column = data[wave]
    present = (list(column.cat.categories[np.isin(column.cat.categories, column.dropna().unique())])
               if isinstance(column.dtype, pd.CategoricalDtype) else list(pd.unique(column.dropna())))
    present = [str(w) for w in present]
    if waves is None:
        return present
    named = [str(w) for w in waves]
    absent = [w for w in named if w not in present]
    if absent:
        raise ResponsesError(f"the data hold no wave {', '.join(absent)} (their waves: {', '.join(present)})",
                             code="usage")
    return named


def panel_long(data: pd.DataFrame, key: bytes | str | Path, *, id_column: str = "respondent_id",
               wave: str = "wave") -> pd.DataFrame:
    """``data`` (a row per person and wave) with the panel id first, then the wave; the respondent id and the
    ledger's import id left out. Rows stay in their order."""
    if id_column not in data.columns:
        raise ResponsesError(f"the data have no {id_column!r} column to link persons by", code="usage")
    wave_order(data, wave=wave)
    ids = pseudonyms(data[id_column], panel_key(key)).rename(PANEL_ID)
    rest = data.drop(columns=[id_column, *(c for c in LEDGER_COLUMNS if c in data.columns)])
    out = pd.concat([ids, rest], axis=1)
    return out[[PANEL_ID, wave, *(c for c in out.columns if c not in (PANEL_ID, wave))]]


def _check_unique(long: pd.DataFrame, person: str, wave: str) -> None:
    """One row per person and wave, and a person id on every row."""
    if long[person].isna().any():
        rows = np.flatnonzero(long[person].isna().to_numpy())[:5].tolist()
        raise ResponsesError(f"rows {rows} have no {person}: every row of a panel file must name its person",
                             code="usage")
    twice = long.duplicated([person, wave], keep=False).to_numpy()
    if twice.any():
        shown = long.loc[twice, [person, wave]].drop_duplicates().head(5)
        pairs = ", ".join(f"{p} in wave {w}" for p, w in shown.itertuples(index=False))
        raise ResponsesError(f"{int(twice.sum())} rows repeat a person within a wave ({pairs}); a person answers "
                             "a wave once: keep one row each", code="usage")


def panel_wide(long: pd.DataFrame, *, waves: Sequence[str] | None = None, constant: Sequence[str] = (),
               person: str = PANEL_ID, wave: str = "wave") -> pd.DataFrame:
    """One row per person (in the order persons first occur): ``person``, the ``constant`` columns (from the
    person's first wave), ``in_<wave>`` (1 answered, 0 not), then every other column once per wave as
    ``<column>_<wave>``, grouped by column. ``waves``: which waves, in which order (default all, see module)."""
    order = wave_order(long, waves, wave=wave)
    long = long[long[wave].astype("string").isin(order).to_numpy()]
    _check_unique(long, person, wave)
    absent = [c for c in constant if c not in long.columns]
    if absent:
        raise ResponsesError(f"constant column(s) {', '.join(absent)} are not in the data", code="usage")
    persons = pd.Index(pd.unique(long[person]), name=person)
    keyed = long.assign(**{wave: long[wave].astype("string")}).set_index([person, wave])
    varying = [c for c in keyed.columns if c not in constant]
    out: dict[str, pd.Series | np.ndarray] = {}
    first = long.drop_duplicates(person).set_index(person).reindex(persons)
    for c in constant:
        out[c] = first[c].to_numpy()
    per_wave = {w: keyed[varying].xs(w, level=wave).reindex(persons).reset_index(drop=True) for w in order}
    for w in order:
        out[f"in_{w}"] = persons.isin(keyed.xs(w, level=wave).index).astype(np.int8)
    for c in varying:
        for w in order:
            out[f"{c}_{w}"] = per_wave[w][c]
    frame = pd.DataFrame({person: persons.to_numpy()})
    return pd.concat([frame, pd.DataFrame({k: (v if isinstance(v, pd.Series) else pd.Series(v))
                                           for k, v in out.items()})], axis=1)


def attrition(long: pd.DataFrame, by: str | None = None, *, waves: Sequence[str] | None = None,
              person: str = PANEL_ID, wave: str = "wave") -> pd.DataFrame:
    """Attrition by wave (and by ``by``, e.g. the stratum: each person's value at their first wave, so that a
    person lost is counted where they were sampled). Columns: ``wave`` (and ``by``), ``responding`` (answered
    this wave), ``retained`` (answered the previous wave and this one), ``lost`` (the previous wave, not this
    one), ``returning`` (not the previous wave but an earlier one), ``fresh`` (no earlier wave), and
    ``retention`` (retained / the previous wave's responding). responding = retained + returning + fresh."""
    order = wave_order(long, waves, wave=wave)
    long = long[long[wave].astype("string").isin(order).to_numpy()]
    _check_unique(long, person, wave)
    if by is not None and by not in long.columns:
        raise ResponsesError(f"the data have no column {by!r} to count attrition by", code="usage")
    position = long[wave].astype("string").map({w: i for i, w in enumerate(order)}).to_numpy(dtype=np.int64)
    codes, persons = pd.factorize(long[person])
    seen = np.zeros((len(persons), len(order)), dtype=bool)
    seen[codes, position] = True
    earlier = np.cumsum(seen, axis=1) - seen > 0  # answered some wave before this one
    previous = np.zeros_like(seen)
    previous[:, 1:] = seen[:, :-1]
    if by is None:
        groups = np.zeros(len(persons), dtype=np.int64)
        labels: pd.Index = pd.Index([None])
    else:
        first = long.assign(_pos=position).sort_values("_pos", kind="stable").drop_duplicates(person)
        stratum = first.set_index(person)[by].reindex(persons)
        groups, labels = pd.factorize(stratum, sort=True, use_na_sentinel=False)
    counts = {
        "responding": seen, "retained": seen & previous, "lost": previous & ~seen,
        "returning": seen & ~previous & earlier, "fresh": seen & ~earlier,
    }
    n_groups = len(labels)
    table = {name: np.stack([np.bincount(groups, weights=m[:, j], minlength=n_groups) for j in range(len(order))])
             for name, m in counts.items()}  # waves x groups
    rows = pd.MultiIndex.from_product([order, range(n_groups)], names=[wave, "_g"])
    out = pd.DataFrame({name: t.reshape(-1).astype(np.int64) for name, t in table.items()}, index=rows).reset_index()
    if by is not None:
        out.insert(1, by, np.asarray(labels, dtype=object)[out["_g"].to_numpy()])
    out = out.drop(columns="_g")
    before = (out["responding"].shift(1) if by is None else
              out.groupby(by, sort=False, dropna=False)["responding"].shift(1))
    out["retention"] = (out["retained"] / before.replace(0, np.nan)).astype(float)
    return out


__all__ = ["PANEL_ID", "attrition", "panel_key", "panel_long", "panel_wide", "wave_order"]

"""Local suppression to reach k-anonymity (as sdcMicro's ``localSuppression``, with an importance order).

Equivalence classes are exact key combinations, a suppressed (missing) value being a value of its own, so the
result is k-anonymous for pycanon and for sdcMicro alike (:mod:`.risk`). Suppression works key by key, least
important first, and only where it helps:

1. for each key in turn, the records of too-small classes whose class would reach ``k`` if that one key were
   suppressed (together with the other such records) lose that value;
2. records still in too-small classes lose their least important key not yet suppressed, and 1 runs again;
3. if the records left with every key suppressed are fewer than ``k``, the fewest records needed are taken
   from the largest classes (which stay at ``k`` or more) and suppressed likewise, or, when no class can spare
   them, the smallest whole classes (within each combination of protected keys).

Each pass is a vectorised class count; the loop runs over keys, never over records.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.disclosure.risk import _groups, key_codes
from careersurvey.disclosure.steps import Step


def _sizes(codes: np.ndarray) -> np.ndarray:
    inverse, counts = _groups(codes)
    return counts[inverse]


def _donate(codes: np.ndarray, k: int, open_cols: list[int], fixed_cols: list[int]) -> None:
    """Step 3 (module docs), within each combination of protected keys: records fully suppressed (but for the
    protected keys) and still fewer than ``k`` are joined by the fewest records of the largest classes."""
    small = _sizes(codes) < k
    if not small.any():
        return
    inverse, counts = _groups(codes)
    spare = counts[inverse] - k  # records a class can give and stay at k or more
    block = _groups(codes[:, fixed_cols])[0] if fixed_cols else np.zeros(len(codes), dtype=np.int64)
    for b in np.unique(block[small]):
        need = k - int((small & (block == b)).sum())
        donors = np.flatnonzero((block == b) & ~small)
        donors = donors[np.argsort(-spare[donors], kind="stable")]
        taken, per_class = [], {}
        for i in donors:  # at most k - 1 records are needed
            c = inverse[i]
            if per_class.get(c, 0) >= spare[i]:
                continue
            per_class[c] = per_class.get(c, 0) + 1
            taken.append(i)
            if len(taken) == need:
                break
        if len(taken) < need:  # no class can spare enough: whole classes join, the smallest first
            taken = []
            for c in sorted(np.unique(inverse[donors]), key=lambda c: counts[c]):
                taken += np.flatnonzero(inverse == c).tolist()
                if len(taken) >= need:
                    break
        rows = np.array(taken, dtype=int)
        codes[np.ix_(rows, open_cols)] = -1


def local_suppression(data: pd.DataFrame, keys: Sequence[str], k: int,
                      importance: Sequence[str] | None = None, protected: Sequence[str] = ()
                      ) -> tuple[pd.DataFrame, Step]:
    """``data`` with key values suppressed (set missing) until every equivalence class has ``k`` or more records.

    ``importance``: the keys from most to least important (suppressed last to first); default: keys with fewer
    distinct values are more important (sdcMicro's default suppresses the most detailed keys first).
    ``protected``: keys never suppressed (the sampling strata tell them anyway); every combination of their
    values must then hold ``k`` records.
    """
    keys = list(keys)
    if importance is None:
        importance = sorted(keys, key=lambda c: (data[c].nunique(), keys.index(c)))
    if sorted(importance) != sorted(keys):
        raise ValueError(f"the importance order must list each key once: keys {keys}, order {list(importance)}")
    order = [keys.index(c) for c in reversed(list(importance)) if c not in protected]  # least important first
    fixed_cols = [keys.index(c) for c in protected]
    codes = key_codes(data, keys)
    original = codes < 0
    n = len(codes)
    if n and n < k:
        raise ValueError(f"the file has {n} records, fewer than k = {k}: no suppression can make it {k}-anonymous")
    if fixed_cols:
        sizes = _sizes(codes[:, fixed_cols])
        if (sizes < k).any():
            raise ValueError(f"{int((sizes < k).sum())} records have a combination of {', '.join(protected)} held by "
                             f"fewer than {k} records, and those are not suppressed (the strata tell them): "
                             "recode them into fewer categories")
    while True:
        for j in order:  # 1: single-key fixes, least important key first
            small = _sizes(codes) < k
            if not small.any():
                break
            trial = codes.copy()
            trial[small, j] = -1
            fixed = small & (_sizes(trial) >= k)
            codes[fixed, j] = -1
        small = _sizes(codes) < k
        if not small.any():
            break
        open_keys = [j for j in order if (codes[small, j] >= 0).any()]
        if not open_keys:
            break
        j = open_keys[0]  # 2: the least important key still there
        codes[small & (codes[:, j] >= 0), j] = -1
    _donate(codes, k, order, fixed_cols)
    suppressed = (codes < 0) & ~original
    out = data.copy()
    for j, col in enumerate(keys):
        if suppressed[:, j].any():
            out[col] = out[col].mask(suppressed[:, j])
    changed = {col: int(suppressed[:, j].sum()) for j, col in enumerate(keys)}
    detail = (f"{int(suppressed.sum()):,} key values set missing in {int(suppressed.any(axis=1).sum()):,} records "
              f"so that every combination of {', '.join(keys)} holds at least {k} records (suppressed first: "
              f"{', '.join(keys[j] for j in order)})")
    return out, Step("local suppression", tuple(keys), detail, changed)

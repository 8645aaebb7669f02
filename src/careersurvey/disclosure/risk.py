"""Re-identification risk of key-variable combinations, as sdcMicro's ``measure_risk``, ``kAnon_violations`` and
``ldiversity``.

A *key* is a quasi-identifier (disclosure role ``key``). For every record:

- ``fk``: the number of records in the sample sharing its combination of keys, and ``Fk`` the weighted estimate of
  that number in the population (the sum of their weights). A missing key value (NA, e.g. a suppressed one)
  matches any value, both ways, as sdcMicro's ``freqCalc`` treats NA: a record with ``sex`` missing counts with
  the women and with the men of its other keys, and they count with it. Missing codes kept as codes (-7 refused)
  are values like any other: they are what the released file shows.
- ``rk``: the individual risk of Benedetti and Franconi in the approximation sdcMicro's ``indivRisk`` uses, with
  ``pk = fk / Fk``: ``pk/(1-pk) log(1/pk)`` when ``fk = 1``; ``pk/(1-pk) - (pk/(1-pk))^2 log(1/pk)`` when
  ``fk = 2``; ``pk / (fk - (1 - pk))`` when ``fk > 2``; and ``1/fk`` when ``pk = 1`` (a census of the cell, the
  limit of each formula).
- expected re-identifications: the sum of ``rk``; global risk: their mean.

k-anonymity and l-diversity are on *equivalence classes*, records with exactly the same key values, a missing
value being a value of its own (as pycanon and most anonymisation tools count): a file k-anonymous in this sense
is k-anonymous in sdcMicro's too, since matching NA with anything only adds records to each count. ``violations(k)``
counts the records whose ``fk`` (sdcMicro's count) is below k. All counts are group counts on factorised codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import pandas as pd


def key_codes(data: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """Integer codes of the key columns (rows x keys), -1 where the value is missing."""
    if not keys:
        return np.zeros((len(data), 0), dtype=np.int64)
    return np.column_stack([pd.factorize(data[k], use_na_sentinel=True)[0] for k in keys]).astype(np.int64)


def _groups(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group of each row, size of each group) of the rows of a code matrix."""
    if codes.shape[1] == 0:
        return np.zeros(len(codes), dtype=np.int64), np.array([len(codes)])
    _, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    return inverse.reshape(-1), counts


def class_sizes(data: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """Size of each record's equivalence class (exact key values; a missing value is a value of its own)."""
    inverse, counts = _groups(key_codes(data, keys))
    return counts[inverse]


def frequencies(data: pd.DataFrame, keys: Sequence[str], weights: np.ndarray | pd.Series | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(fk, Fk) of every record, a missing key matching any value (see the module docs).

    Records are taken pattern by pattern of missing keys: for patterns P and Q, the records of Q agreeing with
    a record of P on the keys present in both are counted for it; a few patterns, each a vectorised group count.
    """
    codes = key_codes(data, keys)
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    fk, Fk = np.zeros(len(data)), np.zeros(len(data))
    missing = codes < 0
    patterns, pattern_of = np.unique(missing, axis=0, return_inverse=True)
    pattern_of = pattern_of.reshape(-1)
    members = [np.flatnonzero(pattern_of == p) for p in range(len(patterns))]
    for p, rows_p in enumerate(members):
        for q, rows_q in enumerate(members):
            shared = ~(patterns[p] | patterns[q])
            both = np.concatenate([codes[rows_p][:, shared], codes[rows_q][:, shared]])
            inverse, _ = _groups(both)
            of_p, of_q = inverse[:len(rows_p)], inverse[len(rows_p):]
            n_groups = inverse.max() + 1 if len(inverse) else 0
            fk[rows_p] += np.bincount(of_q, minlength=n_groups)[of_p]
            Fk[rows_p] += np.bincount(of_q, weights=w[rows_q], minlength=n_groups)[of_p]
    return fk, Fk


def individual_risk(fk: np.ndarray, Fk: np.ndarray) -> np.ndarray:
    """Benedetti-Franconi individual risk, sdcMicro's approximation (module docs)."""
    fk = np.asarray(fk, dtype=float)
    pk = np.clip(fk / np.asarray(Fk, dtype=float), 0, 1)
    census = pk >= 1
    p = np.where(census, 0.5, pk)  # any value: replaced below
    odds = p / (1 - p)
    log_inv = np.log(1 / p)
    rk = np.where(fk == 1, odds * log_inv, np.where(fk == 2, odds - odds ** 2 * log_inv, p / (fk - (1 - p))))
    return np.where(census, 1 / np.maximum(fk, 1), rk)


def l_diversity(data: pd.DataFrame, keys: Sequence[str], sensitive: str) -> int:
    """Distinct l-diversity of ``sensitive``: the fewest distinct non-missing values in an equivalence class, over
    the classes holding at least one (a class where nobody answered discloses nothing); 0 when none does."""
    inverse, _ = _groups(key_codes(data, keys))
    value = pd.factorize(data[sensitive], use_na_sentinel=True)[0]
    known = value >= 0
    pairs = np.unique(np.column_stack([inverse[known], value[known]]), axis=0)
    distinct = np.bincount(pairs[:, 0]) if len(pairs) else np.zeros(0, dtype=int)
    distinct = distinct[distinct > 0]
    return int(distinct.min()) if len(distinct) else 0


@dataclass(frozen=True, slots=True, eq=False)
class Risk:
    """Risk measures of one file on its keys (see the module docs)."""

    keys: tuple[str, ...]
    fk: np.ndarray
    Fk: np.ndarray
    rk: np.ndarray
    class_size: np.ndarray
    l_diversity: Mapping[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.fk)

    @property
    def expected_reidentifications(self) -> float:
        """Sum of the individual risks: the number of records expected to be re-identified."""
        return float(self.rk.sum())

    @property
    def global_risk(self) -> float:
        """Mean individual risk."""
        return float(self.rk.mean()) if self.n else 0.0

    @property
    def k_anonymity(self) -> int:
        """The smallest equivalence class (exact key values): the file is k-anonymous for every k up to this."""
        return int(self.class_size.min()) if self.n else 0

    def violations(self, k: int) -> int:
        """Records whose sample frequency ``fk`` is below ``k`` (sdcMicro's ``kAnon_violations``)."""
        return int((self.fk < k).sum())

    def summary(self, ks: Sequence[int] = (2, 3, 5)) -> dict[str, float]:
        """The headline figures, for tables: records, k violations, expected re-identifications, risk."""
        out: dict[str, float] = {"records": self.n}
        out.update({f"fk < {k}": self.violations(k) for k in ks})
        out.update({"k-anonymity (smallest class)": self.k_anonymity,
                    "expected re-identifications": round(self.expected_reidentifications, 2),
                    "highest individual risk": round(float(self.rk.max()) if self.n else 0.0, 4),
                    "global risk (mean)": round(self.global_risk, 5)})
        out.update({f"l-diversity of {s}": v for s, v in self.l_diversity.items()})
        return out


def measure_risk(data: pd.DataFrame, keys: Sequence[str], weights: np.ndarray | pd.Series | None = None,
                 sensitive: Sequence[str] = ()) -> Risk:
    """The risk of ``data`` on ``keys`` (weights: the sampling weights, None for a census)."""
    absent = [c for c in [*keys, *sensitive] if c not in data.columns]
    if absent:
        raise KeyError(f"the data have no column {', '.join(map(repr, absent))}; name columns of the data")
    fk, Fk = frequencies(data, keys, weights)
    return Risk(tuple(keys), fk, Fk, individual_risk(fk, Fk), class_sizes(data, keys),
                MappingProxyType({s: l_diversity(data, keys, s) for s in sensitive}))

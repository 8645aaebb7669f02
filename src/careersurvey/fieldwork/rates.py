"""``response_rates``: AAPOR outcome rates from the sample's final dispositions, overall and by group.

With the counts I, P, R, NC, O, UH, UO, NE (sums of base weights when ``weights`` is given) and e, the share
of the cases of unknown eligibility taken to be eligible (AAPOR Standard Definitions, 10th ed. 2023):

    RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))          RR2 = (I+P) / (same)
    RR3 = I / ((I+P) + (R+NC+O) + e(UH+UO))         RR4 = (I+P) / (same)
    RR5 = I / ((I+P) + (R+NC+O))                    RR6 = (I+P) / (same)
    COOP1 = I / ((I+P) + R + O)   COOP2 = (I+P) / ((I+P) + R + O)
    COOP3 = I / ((I+P) + R)       COOP4 = (I+P) / ((I+P) + R)
    REF1 = R / ((I+P) + (R+NC+O) + (UH+UO))  REF2 = R / ((I+P) + (R+NC+O) + e(UH+UO))  REF3 = R / ((I+P) + (R+NC+O))
    CON1 = ((I+P) + R + O) / ((I+P) + R + O + NC + (UH+UO))
    CON2 = ((I+P) + R + O) / ((I+P) + R + O + NC + e(UH+UO))
    CON3 = ((I+P) + R + O) / ((I+P) + R + O + NC)

e is "casro" by default: the eligible share among cases whose eligibility is known,
(I+P+R+NC+O) / (I+P+R+NC+O+NE), computed within each group; or a number in [0, 1] used for every group.
A rate whose denominator is 0 is NaN, and a note says which rate, in which group, and why; e(UH+UO) is 0
when there are no unknown cases, whatever e.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from careersurvey.fieldwork.codes import GROUPS
from careersurvey.fieldwork.dispositions import check_dispositions
from careersurvey.fieldwork.errors import FieldworkError

RATES: tuple[str, ...] = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4",
                          "REF1", "REF2", "REF3", "CON1", "CON2", "CON3")
#: rows of the table that hold all cases
OVERALL = "all"
#: the group of cases whose ``by`` column is empty
NO_VALUE = "(no value)"


@dataclass(frozen=True)
class ResponseRates:
    """``table``: one row for all cases (index "all") and one per group, columns the counts I..NE, ``n``,
    ``e`` and the rates; ``notes``: rates left NaN and why; how they were computed."""

    table: pd.DataFrame
    notes: tuple[str, ...]
    by: tuple[str, ...]
    weights: str | None
    e: str | float

    def rates(self) -> pd.DataFrame:
        return self.table[list(RATES)]

    def counts(self) -> pd.DataFrame:
        return self.table[[*GROUPS, "n"]]


def outcome_rates(counts: dict[str, float], e: float) -> dict[str, float]:
    """The 16 rates from the counts and e (NaN where a denominator is 0)."""
    I, P, R, NC, O, UH, UO = (counts[k] for k in ("I", "P", "R", "NC", "O", "UH", "UO"))
    U = UH + UO
    eU = e * U if U else 0.0
    IP = I + P
    known = IP + R + NC + O

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else float("nan")

    return {
        "RR1": ratio(I, known + U), "RR2": ratio(IP, known + U),
        "RR3": ratio(I, known + eU), "RR4": ratio(IP, known + eU),
        "RR5": ratio(I, known), "RR6": ratio(IP, known),
        "COOP1": ratio(I, IP + R + O), "COOP2": ratio(IP, IP + R + O),
        "COOP3": ratio(I, IP + R), "COOP4": ratio(IP, IP + R),
        "REF1": ratio(R, known + U), "REF2": ratio(R, known + eU), "REF3": ratio(R, known),
        "CON1": ratio(IP + R + O, known + U), "CON2": ratio(IP + R + O, known + eU), "CON3": ratio(IP + R + O, known),
    }


def casro_e(counts: dict[str, float]) -> float:
    """The eligible share of the cases of known eligibility (NaN when there are none)."""
    eligible = sum(counts[k] for k in ("I", "P", "R", "NC", "O"))
    known = eligible + counts["NE"]
    return eligible / known if known > 0 else float("nan")


def response_rates(sample: pd.DataFrame, disposition: str = "disposition", by: str | Sequence[str] | None = None,
                   weights: str | None = None, e: str | float = "casro", *, source: str | None = None) -> ResponseRates:
    """AAPOR outcome rates of ``sample`` (one row per sampled case with its final disposition code), overall
    and by ``by`` (a column or columns), unweighted or weighted by the base weights in ``weights``."""
    where = source or "the sample"
    if isinstance(e, str) and e != "casro":
        raise FieldworkError(f"e = {e!r}: give 'casro' or a number from 0 to 1")
    if not isinstance(e, str) and not (0 <= float(e) <= 1):
        raise FieldworkError(f"e = {e!r}: the share of unknown-eligibility cases that are eligible is from 0 to 1")
    by_cols = (by,) if isinstance(by, str) else tuple(by or ())
    for c in (disposition, *by_cols, *((weights,) if weights else ())):
        if c not in sample.columns:
            raise FieldworkError(f"no column {c!r}; the sample has {', '.join(map(repr, map(str, sample.columns)))}",
                                 file=where)
    groups = check_dispositions(sample[disposition], column=disposition, source=where)
    w = np.ones(len(sample))
    if weights:
        w = pd.to_numeric(sample[weights], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if len(bad):
            raise FieldworkError(f"{weights} must be a number >= 0 for every case; {_rows(sample, bad)} "
                                 f"{'has' if len(bad) == 1 else 'have'} {str(sample[weights].iloc[bad[0]])!r}",
                                 file=where, column=weights)
    frame = pd.DataFrame({"group": groups.to_numpy(), "w": w})
    parts = [(OVERALL, np.ones(len(frame), dtype=bool))]
    if by_cols:
        cols = sample[list(by_cols)].astype("str").fillna(NO_VALUE)  # a case without a group is counted in one
        keys = cols.agg(" / ".join, axis=1) if len(by_cols) > 1 else cols[by_cols[0]]
        parts += [(k, (keys == k).to_numpy()) for k in sorted(keys.unique())]
    rows, notes = {}, []
    for name, mask in parts:
        counts = {g: float(frame.loc[mask & (frame["group"] == g).to_numpy(), "w"].sum()) for g in GROUPS}
        e_used = casro_e(counts) if e == "casro" else float(e)
        rates = outcome_rates(counts, e_used)
        rows[name] = {**counts, "n": float(frame.loc[mask, "w"].sum()), "e": e_used, **rates}
        notes += _notes(name, counts, e_used, rates)
    index_name = " / ".join(by_cols) if by_cols else "group"
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = index_name
    if not weights:
        table[[*GROUPS, "n"]] = table[[*GROUPS, "n"]].astype(int)
    return ResponseRates(table=table, notes=tuple(notes), by=by_cols, weights=weights, e=e)


def _notes(name: str, counts: dict[str, float], e: float, rates: dict[str, float]) -> list[str]:
    where = "all cases" if name == OVERALL else f"group {name!r}"
    out = []
    if np.isnan(e) and counts["UH"] + counts["UO"] > 0:
        out.append(f"{where}: e (CASRO) is undefined, no case has a known eligibility (I+P+R+NC+O+NE = 0); "
                   "RR3, RR4, REF2 and CON2 are NaN: give e= a number")
    empty = [r for r, v in rates.items() if np.isnan(v)]
    reasons = {"RR5": "I+P+R+NC+O = 0", "COOP1": "I+P+R+O = 0", "COOP3": "I+P+R = 0",
               "RR1": "I+P+R+NC+O+UH+UO = 0"}
    for head, members in (("RR1", ("RR1", "RR2", "REF1", "CON1")), ("RR5", ("RR5", "RR6", "REF3", "CON3")),
                          ("COOP1", ("COOP1", "COOP2")), ("COOP3", ("COOP3", "COOP4"))):
        gone = [m for m in members if m in empty]
        if gone:
            out.append(f"{where}: {', '.join(gone)} {'is' if len(gone) == 1 else 'are'} NaN: the denominator is 0 "
                       f"({reasons[head]})")
    return out


def _rows(sample: pd.DataFrame, positions) -> str:
    from careersurvey.fieldwork.dispositions import _where

    return _where(sample.index, positions)


__all__ = ["NO_VALUE", "OVERALL", "RATES", "ResponseRates", "casro_e", "outcome_rates", "response_rates"]

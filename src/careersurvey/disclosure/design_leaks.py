"""Masked design units must not give back what suppression took away.

When strata follow key variables (sector x region), a pseudo-stratum or pseudo-PSU whose records all show one
value of a key tells the value of that key for its records where it was suppressed. The release therefore never
suppresses a key the strata determine (:func:`careersurvey.disclosure.release.make_release`); :func:`leaks`
counts, for the report and the tests, the suppressed values of each key that a design unit would still suggest
(every known value of the key in the unit being the same).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def leaking_units(keys: pd.DataFrame, unit: np.ndarray) -> set:
    """Units holding a missing (suppressed) value of some key while every known value of that key in the unit
    is the same."""
    out: set = set()
    for col in keys.columns:
        values = keys[col]
        frame = pd.DataFrame({"u": unit, "v": values.to_numpy(), "na": values.isna().to_numpy()})
        stats = frame.groupby("u").agg(known=("v", "nunique"), na=("na", "any"))
        out |= set(stats.index[(stats["known"] == 1) & stats["na"]])
    return out


def leaks(keys: pd.DataFrame, units: Sequence[np.ndarray]) -> dict[str, int]:
    """Suppressed values of each key that some unit of ``units`` (pseudo-strata, pseudo-PSUs) gives back."""
    out = {}
    for col in keys.columns:
        told = np.zeros(len(keys), dtype=bool)
        for unit in units:
            told |= np.isin(unit, list(leaking_units(keys[[col]], unit)))
        out[col] = int((told & keys[col].isna().to_numpy()).sum())
    return out

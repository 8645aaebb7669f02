"""``draw_two_stage``: institutions (PSUs) by :func:`draw_sample`, then persons by simple random sampling
within each selected institution (all of them where it has ``m`` or fewer). ``m`` is one number for every
institution or a mapping stratum -> m_h (the first stage's strata: e.g. more persons in the large
universities than in the small firms).

Per person: ``pi1`` (the institution's inclusion probability), ``pi2`` (m_i / M_i, conditional on the
institution), ``pi = pi1 * pi2``, ``design_weight = 1/pi``, ``fpc1`` (the first stage's fpc, see
:mod:`.selection`) and ``fpc2`` (M_i, persons of the institution in the frame), ``stratum`` and
``design_stratum`` of the first stage, ``psu`` (the institution id) — the columns ``SurveyDesign(...,
strata="design_stratum", psu=["psu", <person id>], fpc=["fpc1", "fpc2"], weights="design_weight")`` reads
(exact for SRS at both stages; with PPS institutions, fpc1 is the approximation :mod:`.selection` describes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.fieldwork.frame import read_frame
from careersurvey.fieldwork.selection import Sample, draw_sample


@dataclass(frozen=True)
class TwoStageSample:
    """``units``: the sampled persons with both stages' columns; ``institutions``: the first stage's
    :class:`Sample`; ``persons_frame``: every person of the frame with ``selected``."""

    units: pd.DataFrame
    institutions: Sample
    persons_frame: pd.DataFrame
    id: str

    @property
    def strata(self) -> pd.DataFrame:
        return self.institutions.strata

    @property
    def joint(self) -> pd.DataFrame | None:
        return self.institutions.joint


def draw_two_stage(institutions: pd.DataFrame | str | Path, persons: pd.DataFrame | str | Path,
                   n: int | Mapping[str, int], m: int | Mapping[str, int], *, institution: str = "institution",
                   person: str = "person_id", strata: str | None = None, size: str | None = None,
                   method: str = "srs", certainty: float | None = None, min_per_stratum: int = 0,
                   seed: int) -> TwoStageSample:
    """Two-stage sample: ``n`` institutions (see :func:`draw_sample`), then ``m`` persons in each (or m_h in
    each institution of stratum h, ``m`` a mapping)."""
    first = draw_sample(institutions, n, id=institution, strata=strata, size=size, method=method,
                        certainty=certainty, min_per_stratum=min_per_stratum, seed=seed)
    take = _persons_per_stratum(m, first.strata["stratum"].tolist())
    pf = read_frame(persons, id=person, text=[institution], what="person frame")
    people = pf.data.copy()
    known = set(first.frame[institution])
    stray = np.flatnonzero(~people[institution].isin(known).to_numpy())
    if len(stray):
        raise FieldworkError(f"{institution} {people[institution].iloc[stray[0]]!r} in {pf.where(stray)} is not in "
                             "the institution frame; correct the code or add the institution",
                             file=pf.source, column=institution)
    M = people.groupby(institution)[person].transform("size").to_numpy()
    stage1 = first.units.set_index(institution)
    # stage 2, every institution at once: a uniform key per person of a selected institution, in frame order
    # within the institution, and the m_h smallest keys kept (a simple random sample of min(m_h, M_i))
    inside = people[institution].isin(stage1.index).to_numpy()
    at = np.flatnonzero(inside)
    home = people[institution].to_numpy(dtype=object)[at]
    rng = np.random.default_rng([seed, 2])
    rank = pd.Series(rng.random(len(at))).groupby(home).rank(method="first").to_numpy()
    m_at = pd.Series(home).map(stage1["stratum"]).map(take).to_numpy(dtype=float)
    chosen = rank <= m_at
    keep = np.zeros(len(people), dtype=bool)
    keep[at[chosen]] = True
    people["selected"] = keep
    units = people[keep].drop(columns="selected").copy()
    units["M_i"] = M[keep]
    units["m_i"] = np.minimum(units["M_i"], m_at[chosen].astype(int))
    cols = {"stratum": "stratum", "design_stratum": "design_stratum", "certainty": "certainty", "pi": "pi1",
            "fpc": "fpc1"}
    for src, dst in cols.items():
        units[dst] = units[institution].map(stage1[src]).to_numpy()
    units["psu"] = units[institution]
    units["pi2"] = units["m_i"] / units["M_i"]
    units["pi"] = units["pi1"] * units["pi2"]
    units["design_weight"] = 1 / units["pi"]
    units["fpc2"] = units["M_i"].astype(float)
    return TwoStageSample(units=units.reset_index(drop=True), institutions=first, persons_frame=people, id=person)


def _persons_per_stratum(m, strata: list[str]) -> dict[str, int]:
    """m_h for every stratum of the first stage: one number for all, or a mapping naming each stratum once."""
    def whole(v) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1

    if not isinstance(m, Mapping):
        if not whole(m):
            raise FieldworkError(f"m = {m!r}: the persons per institution must be a whole number >= 1")
        return {k: int(m) for k in strata}
    given = {str(k): v for k, v in m.items()}
    unknown, absent = sorted(set(given) - set(strata)), sorted(set(strata) - set(given))
    if unknown or absent:
        raise FieldworkError("the persons per institution must name every stratum of the frame once: "
                             + "; ".join(p for p in (unknown and f"not in the frame: {', '.join(unknown)}",
                                                     absent and f"no number for: {', '.join(absent)}") if p))
    bad = [f"{k!r}: {v!r}" for k, v in given.items() if not whole(v)]
    if bad:
        raise FieldworkError(f"persons per institution must be whole numbers >= 1; stratum {'; '.join(bad)}")
    return {k: int(v) for k, v in given.items()}


__all__ = ["TwoStageSample", "draw_two_stage"]

"""``draw_sample``: a stratified sample from a frame, with inclusion probabilities, design weights and fpc.

Methods (per stratum, :mod:`.pps` does the drawing):

* ``"srs"``: simple random sampling without replacement; pi = n_h / N_h, pi_ij = n_h(n_h-1)/(N_h(N_h-1));
* ``"systematic"``: systematic PPS in frame order from a random start; pi proportional to ``size``;
* ``"sampford"``: Sampford's PPS without replacement; pi proportional to ``size``, exact pi_ij.

Certainty units: with ``certainty=T`` every unit of size >= T is taken; in PPS, units whose pi reaches 1 are
taken too, and the others' pi recomputed, until none passes 1. They form their own design stratum
(``<stratum> (certainty)``, fpc = its size, so its variance is 0), as R's survey treats self-representing units.

``n`` is a total (allocated to strata in proportion to N_h for SRS, to the size total for PPS, with
``min_per_stratum`` and at most N_h each) or a mapping stratum -> n_h. The same ``seed`` gives the same sample.

Columns added to the selected frame rows: ``stratum`` (the frame's, as text; "all" without strata),
``design_stratum``, ``certainty``, ``pi`` (first-order inclusion probability), ``design_weight`` (1/pi),
``N_h`` and ``n_h`` (units and sample size of the stratum) and ``fpc``: the number of units the design
stratum's draw was made from (R svydesign's ``fpc=`` population size; for a certainty stratum its own size,
so its variance is 0). For SRS this is exact. For PPS it gives the SRS-style correction (1 - n_h/N_h), the
average of Brewer's per-unit (1 - pi_i): an approximation, as ``SurveyDesign`` has no PPS variance; the exact
pi and pi_ij are in ``pi`` and ``Sample.joint`` for a Horvitz-Thompson variance (R: ``svydesign(...,
pps=ppsmat(joint))``) or R's ``fpc=~pi, pps="brewer"``. ``Sample.joint`` holds pi_ij of every pair of
selected units in a stratum (pairs across strata are independent: pi_ij = pi_i pi_j).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from careersurvey.fieldwork import pps
from careersurvey.fieldwork.allocation import allocate
from careersurvey.fieldwork.errors import FieldworkError
from careersurvey.fieldwork.frame import Frame, read_frame

METHODS = ("srs", "systematic", "sampford")
ALL = "all"


@dataclass(frozen=True)
class Sample:
    """A drawn sample: ``units`` (selected rows with the design columns), ``frame`` (every frame row with its
    ``pi`` and ``selected``), ``strata`` (N_h, n_h, certainty units, sum of pi), ``joint`` (stratum, id_i, id_j,
    pi_ij of selected pairs; None when not asked for), and how it was drawn."""

    units: pd.DataFrame
    frame: pd.DataFrame
    strata: pd.DataFrame
    joint: pd.DataFrame | None
    id: str
    method: str
    seed: int


def draw_sample(frame: pd.DataFrame | str | Path | Frame, n: int | Mapping[str, int], *, id: str,
                strata: str | None = None, size: str | None = None, method: str = "srs",
                certainty: float | None = None, min_per_stratum: int = 0, joint: bool | None = None,
                seed: int) -> Sample:
    """Draw a stratified sample from ``frame`` (a DataFrame, a csv/xlsx file or a :class:`Frame`); see module
    doc. ``joint``: compute pi_ij of the selected pairs (default: for ``sampford`` and ``srs``)."""
    if method not in METHODS:
        raise FieldworkError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if method != "srs" and size is None:
        raise FieldworkError(f"method {method!r} selects with probability proportional to size: give size=, "
                             "the column of the size measure")
    if certainty is not None and size is None:
        raise FieldworkError("certainty= is a size threshold: give size=, the column of the size measure")
    fr = frame if isinstance(frame, Frame) else read_frame(frame, id=id, text=[strata] if strata else [],
                                                         numbers=[size] if size else [])
    data = fr.data.copy()
    data["stratum"] = data[strata].astype("str") if strata else ALL
    x = data[size].to_numpy(dtype=float) if size else np.ones(len(data))
    if size and method != "srs":
        zero = np.flatnonzero(x <= 0)
        if len(zero):
            raise FieldworkError(f"{size} is 0 in {fr.where(zero)}: a unit of size 0 can never be selected with "
                                 "PPS; give it a size > 0 or take it out of the frame", file=fr.source, column=size)
    groups = {k: np.flatnonzero((data["stratum"] == k).to_numpy()) for k in sorted(data["stratum"].unique())}
    sizes = _sizes(groups, n, x, method, min_per_stratum, fr)
    rng = np.random.default_rng(seed)
    pi_all = np.zeros(len(data))
    certain_all = np.zeros(len(data), dtype=bool)
    chosen_all = np.zeros(len(data), dtype=bool)
    fpc = np.full(len(data), np.nan)
    pairs, rows = [], []
    want_joint = method in ("srs", "sampford") if joint is None else joint
    for k, pos in groups.items():
        nh = sizes[k]
        forced = x[pos] >= certainty if certainty is not None else np.zeros(len(pos), dtype=bool)
        if forced.sum() > nh:
            raise FieldworkError(f"stratum {k!r}: {int(forced.sum())} units have {size} >= {certainty:g} (taken "
                                 f"with certainty) but n_h = {nh}; raise n_h or the threshold", file=fr.source)
        pi = _probabilities(x[pos], nh, forced, method)
        certain = pi >= 1 - pps.EPS
        free = np.flatnonzero(~certain)
        nfree = nh - int(certain.sum())
        if method == "srs":
            picked = free[pps.srs(len(free), nfree, rng)] if nfree else np.array([], dtype=int)
            chosen = np.concatenate([np.flatnonzero(certain), picked])
        else:
            chosen = pps.systematic(pi, rng) if method == "systematic" else pps.sampford(pi, rng)
        fpc[pos[~certain]] = len(free)
        fpc[pos[certain]] = int(certain.sum())
        pi_all[pos], certain_all[pos] = pi, certain
        chosen_all[pos[chosen]] = True
        if want_joint and len(chosen) > 1:
            pairs.append(_joint(k, data[id].to_numpy()[pos], pi, chosen, method))
        rows.append({"stratum": k, "N_h": len(pos), "n_h": nh, "certainty": int(certain.sum()),
                     "sum_pi": float(pi.sum())})
    table = pd.DataFrame(rows)
    data["design_stratum"] = np.where(certain_all, data["stratum"] + " (certainty)", data["stratum"])
    data["certainty"] = certain_all
    data["pi"] = pi_all
    data["design_weight"] = np.where(pi_all > 0, 1 / np.where(pi_all > 0, pi_all, 1), np.inf)
    data["N_h"] = data["stratum"].map(table.set_index("stratum")["N_h"]).astype(int)
    data["n_h"] = data["stratum"].map(table.set_index("stratum")["n_h"]).astype(int)
    data["fpc"] = fpc
    data["selected"] = chosen_all
    units = data[chosen_all].drop(columns="selected").reset_index(drop=True)
    jt = (pd.concat(pairs, ignore_index=True) if pairs else
          pd.DataFrame({"stratum": [], "id_i": [], "id_j": [], "pi_ij": []})) if want_joint else None
    return Sample(units=units, frame=data, strata=table, joint=jt, id=id, method=method, seed=seed)


def _sizes(groups: dict[str, np.ndarray], n, x: np.ndarray, method: str, minimum: int, fr: Frame) -> dict[str, int]:
    """n_h per stratum: the mapping given (checked), or ``n`` allocated."""
    big = {k: len(p) for k, p in groups.items()}
    if isinstance(n, Mapping):
        given = {str(k): v for k, v in n.items()}
        unknown = sorted(set(given) - set(groups))
        absent = sorted(set(groups) - set(given))
        if unknown or absent:
            raise FieldworkError("the sample sizes must name every stratum of the frame once: "
                                 + "; ".join(p for p in (unknown and f"not in the frame: {', '.join(unknown)}",
                                                         absent and f"no size for: {', '.join(absent)}") if p),
                                 file=fr.source)
        for k, v in given.items():
            if not isinstance(v, (int, np.integer)) or v < max(minimum, 0) or v > big[k]:
                raise FieldworkError(f"stratum {k!r}: n_h = {v!r}; it must be a whole number from "
                                     f"{max(minimum, 0)} to the {big[k]} units of the stratum", file=fr.source)
        return {k: int(given[k]) for k in groups}
    measure = {k: big[k] if method == "srs" else float(x[p].sum()) for k, p in groups.items()}
    try:
        return allocate(measure, int(n), lower=minimum, upper=big)
    except ValueError as exc:
        raise FieldworkError(f"cannot allocate n = {n} over {len(groups)} strata: {exc}", file=fr.source) from None


def _probabilities(x: np.ndarray, nh: int, forced: np.ndarray, method: str) -> np.ndarray:
    if method == "srs":
        pi = np.where(forced, 1.0, 0.0)
        rest = len(x) - int(forced.sum())
        if rest:
            pi[~forced] = (nh - forced.sum()) / rest
        return pi
    return pps.inclusion_probabilities(x, nh, forced)


def _joint(stratum: str, ids: np.ndarray, pi: np.ndarray, chosen: np.ndarray, method: str) -> pd.DataFrame:
    """pi_ij of the selected pairs (i < j in frame order) of one stratum."""
    c = np.sort(chosen)
    if method == "sampford":
        block = pps.sampford_joint(pi, c)
    elif method == "systematic":
        block = pps.systematic_joint(pi, c)
    else:
        free = pi[c] < 1 - pps.EPS
        nf, Nf = int(round(pi[pi < 1 - pps.EPS].sum())), int((pi < 1 - pps.EPS).sum())
        block = np.outer(pi[c], pi[c])
        block[np.ix_(free, free)] = pps.srs_joint(Nf, nf)
    i, j = np.triu_indices(len(c), k=1)
    return pd.DataFrame({"stratum": stratum, "id_i": ids[c[i]], "id_j": ids[c[j]], "pi_ij": block[i, j]})


__all__ = ["METHODS", "Sample", "draw_sample"]

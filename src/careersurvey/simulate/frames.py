"""The demo's sample drawn as a fieldwork team would draw it: from a frame of institutions (with their
headcount as the size measure) and a frame of named persons, by :func:`careersurvey.fieldwork.draw_two_stage`.

Stage 1: institutions by simple random sampling within strata (sector x region), ``n_h`` allocated in
proportion to the square root of the stratum's headcount (at least two per stratum so that variances can be
estimated, all of them when a stratum is that small). Stage 2: ``take`` persons in each selected institution,
``take_university`` in a university (its researchers and STEM undergraduates together, drawn alike: about
half of them undergraduates), all of them where an institution has fewer. The fieldwork code writes each person's pi1, pi2, pi = pi1 pi2, the design weight 1/pi
and both stages' population sizes (fpc1: institutions in the stratum, fpc2: persons in the institution).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from careersurvey.fieldwork.twostage import TwoStageSample, draw_two_stage
from careersurvey.simulate.population import Population
from careersurvey.simulate.sample import SampleDraw

__all__ = ["draw_from_frames", "institution_frame", "person_frame", "stratum_sizes"]


def institution_frame(pop: Population) -> pd.DataFrame:
    """One row per institution: ``institution``, ``stratum``, ``sector``, ``region`` (text) and ``size`` (persons
    on the person frame: researchers plus, in a university, its STEM undergraduates)."""
    inst = pop.institutions
    return pd.DataFrame({
        "institution": inst["institution"].astype("str"), "stratum": inst["stratum"].astype("str"),
        "sector": inst["sector"].astype("str"), "region": inst["region"].astype("str"),
        "size": (inst["size"] + inst["undergraduates"]).astype(float),
    })


def person_frame(pop: Population) -> pd.DataFrame:
    """One row per person: ``person_id`` (text, ``P`` and the population's row number) and ``institution``."""
    n = len(pop.persons)
    digits = pd.Series(np.arange(n) + 10_000_000).astype("str").str.slice(1)  # zero-padded, vectorised
    return pd.DataFrame({
        "person_id": ("P" + digits).to_numpy(),
        "institution": pop.persons["institution"].astype("str").to_numpy(),
    })


def stratum_sizes(frame: pd.DataFrame, n_institutions: int, take: int,
                  take_university: int) -> tuple[dict[str, int], dict[str, int]]:
    """n_h (institutions, square-root allocation, 2 <= n_h <= N_h) and m_h (persons per institution) by stratum."""
    strata = frame.groupby("stratum").agg(N=("institution", "size"), M=("size", "sum"),
                                          sector=("sector", "first"))
    alloc = np.sqrt(strata["M"]) / np.sqrt(strata["M"]).sum() * n_institutions
    n = np.minimum(strata["N"], np.maximum(2, np.round(alloc))).astype(int)
    m = np.where(strata["sector"] == "university", take_university, take)
    return ({k: int(v) for k, v in n.items()}, {k: int(v) for k, v in zip(strata.index, m)})


def draw_from_frames(pop: Population, n_institutions: int = 300, take: int = 12, take_university: int = 18,
                     seed: int = 1) -> tuple[SampleDraw, TwoStageSample]:
    """Draw the two-stage sample (module doc) from the population's frames; returns the sampled persons with
    their traits and design columns (a :class:`SampleDraw`, for :func:`.sample.respond`) and the fieldwork
    package's own :class:`TwoStageSample`."""
    inst = institution_frame(pop)
    n, m = stratum_sizes(inst, n_institutions, take, take_university)
    drawn = draw_two_stage(inst, person_frame(pop), n, m, institution="institution", person="person_id",
                           strata="stratum", method="srs", seed=seed)
    u = drawn.units
    rows = u["person_id"].str.slice(1).astype(int).to_numpy()
    persons = pop.persons.iloc[rows].reset_index(drop=True)
    for c in ("institution", "stratum"):  # plain text from here on: a few thousand rows
        persons[c] = persons[c].astype(str)
    design = {"person_id": u["person_id"], "psu": u["psu"], "fpc1": u["fpc1"].astype(int),
              "fpc2": u["fpc2"].astype(int), "pi1": u["pi1"], "pi2": u["pi2"], "pi": u["pi"],
              "design_weight": u["design_weight"]}
    for c, v in design.items():
        persons[c] = v.to_numpy()
    return SampleDraw(persons=persons, n_institutions=int(drawn.institutions.units.shape[0]), seed=seed), drawn

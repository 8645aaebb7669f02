"""A stratified two-stage cluster sample of the population, and nonresponse that depends on covariates.

Stage 1 draws institutions (the PSUs) by simple random sampling within strata sector x region, allocating
in proportion to the square root of the stratum headcount (at least two per stratum so that variances can
be estimated, all of them when a stratum is that small). Stage 2 draws up to ``take`` persons in each
selected institution (and up to ``take_students`` undergraduates in a university). Design weights are the inverse inclusion probabilities of both stages; the frame
sizes of both stages are kept as finite population corrections. Response propensities then depend on
sector, role, sex, age and region, so that the respondents differ from the sample and weighting matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from careersurvey.simulate.population import Population

__all__ = ["SampleDraw", "draw_sample", "respond"]


@dataclass(frozen=True)
class SampleDraw:
    """The persons invited, with their design variables; ``responded`` marks who answered.

    Columns added to the population's: ``psu`` (institution), ``fpc1`` (institutions in the stratum),
    ``fpc2`` (persons of the same group, researchers or undergraduates, in the institution), ``design_weight`` and ``propensity`` (true response probability).
    """

    persons: pd.DataFrame
    n_institutions: int
    seed: int

    @property
    def respondents(self) -> pd.DataFrame:
        """The persons who answered, renumbered from 0."""
        return self.persons[self.persons["responded"]].reset_index(drop=True)


def draw_sample(pop: Population, n_institutions: int = 300, take: int = 12, take_students: int = 6,
                seed: int = 1) -> SampleDraw:
    """Draw the two-stage sample (see module doc) and attach design weights and frame sizes."""
    rng = np.random.default_rng(seed)
    inst = pop.institutions
    strata = inst.groupby("stratum").agg(N=("institution", "size"), M=("size", "sum"))
    alloc = np.sqrt(strata["M"]) / np.sqrt(strata["M"]).sum() * n_institutions
    strata["n"] = np.minimum(strata["N"], np.maximum(2, np.round(alloc))).astype(int)
    # stage 1: a random key per institution, keep the n_h smallest within each stratum
    key = inst.assign(_u=rng.random(len(inst)))
    key["_rank"] = key.groupby("stratum")["_u"].rank(method="first")
    chosen = key[key["_rank"] <= key["stratum"].map(strata["n"])]
    persons = pop.persons[pop.persons["institution"].isin(chosen["institution"])].copy()
    for c in ("institution", "stratum"):  # plain text from here on: a few thousand rows
        persons[c] = persons[c].astype(str)
    # stage 2: up to `take` researchers and `take_students` undergraduates per selected institution,
    # each group a separate stratum of the second stage
    persons["_ug"] = (persons["role"] == "undergraduate").to_numpy()
    persons["_u"] = rng.random(len(persons))
    groups = persons.groupby(["institution", "_ug"], observed=True)["_u"]
    persons["_rank"] = groups.rank(method="first")
    size = groups.transform("size")
    limit = np.where(persons["_ug"], take_students, take)
    keep = (persons["_rank"] <= limit).to_numpy()
    persons, size, limit = persons[keep], size[keep], limit[keep]
    m = np.minimum(size, limit)
    persons = persons.drop(columns=["_u", "_rank", "_ug"])
    persons["psu"] = persons["institution"]
    persons["fpc1"] = persons["stratum"].map(strata["N"].to_dict()).astype(int)
    persons["fpc2"] = size.astype(int)
    persons["design_weight"] = persons["stratum"].map((strata["N"] / strata["n"]).to_dict()).astype(float) * size / m
    return SampleDraw(persons=persons.reset_index(drop=True), n_institutions=len(chosen), seed=seed)


def respond(draw: SampleDraw, base_rate: float = 0.45, seed: int = 2) -> SampleDraw:
    """Decide who answers: a logistic propensity in sector, role, sex, age and region (missing at random
    given those covariates, which the weighting targets partly cover)."""
    rng = np.random.default_rng(seed)
    p = draw.persons
    lp = (np.log(base_rate / (1 - base_rate))
          + p["sector"].map({"university": 0.5, "institute": 0.6, "large_firm": -0.4, "sme": -0.3,
                             "startup": -0.1, "foreign_firm": -0.5, "abroad": -0.2}).astype(float).to_numpy()
          + p["role"].map({"undergraduate": -0.3, "postdoc": 0.3, "faculty": 0.2}).astype(float).fillna(0).to_numpy()
          + 0.3 * (p["sex"] == "female").to_numpy()
          + 0.015 * (p["age"].to_numpy() - 40)
          + 0.2 * (p["region"] == "daejeon").to_numpy())
    prop = 1 / (1 + np.exp(-lp))
    out = p.assign(propensity=prop, responded=rng.random(len(p)) < prop)
    return SampleDraw(persons=out, n_institutions=draw.n_institutions, seed=draw.seed)

"""Masked variance strata and PSUs, so that users of a public-use file can compute standard errors without
being told the sampling strata and institutions (as the masked variance units of NHANES and other national
public files).

- pseudo-strata: strata with at least ``2 * m`` PSUs stay strata of their own; smaller ones are collapsed with
  each other (and, if still too small, with the smallest larger stratum) so that every pseudo-stratum has at
  least ``2 * m`` PSUs; pseudo-strata are numbered in a random order;
- pseudo-PSUs: within each pseudo-stratum the PSUs are shuffled and dealt into ``n // m`` groups, so that each
  pseudo-PSU pools at least ``m`` institutions (random groups: the variance of the pseudo-PSU totals estimates
  the same quantity as that of the PSU totals, with fewer degrees of freedom);
- the sampling fraction of each pseudo-stratum (PSUs sampled over PSUs in the population, pooled over the
  strata it holds) when the design has a first-stage fpc, so that certainty strata still add no variance;
- weights averaged within each pseudo-PSU (``smooth_weights``): a design weight that is constant within an
  institution would otherwise name it; the total weight of every pseudo-PSU is kept.

Collapsing strata can only overstate the variance; the report compares both designs' SEs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True, eq=False)
class MaskedDesign:
    """The masked design columns, aligned with the data: pseudo-stratum, pseudo-PSU, sampling fraction and
    weight; ``n_strata``/``n_psu`` of the true design and of the masked one."""

    stratum: pd.Series
    psu: pd.Series
    fraction: pd.Series | None
    weight: pd.Series
    true_counts: tuple[int, int]
    masked_counts: tuple[int, int]

    def describe(self) -> str:
        s, p = self.true_counts
        ms, mp = self.masked_counts
        return (f"{s} strata and {p} PSUs of the sample design masked as {ms} pseudo-strata and {mp} pseudo-PSUs"
                + ("; first-stage sampling fractions pooled by pseudo-stratum" if self.fraction is not None else ""))


def _collapse(psus: pd.Series, m: int, rng: np.random.Generator) -> dict[object, int]:
    """Stratum -> pseudo-stratum number (module docs); ``psus``: PSUs per stratum."""
    need = 2 * m
    big = [s for s in psus.index if psus[s] >= need]
    small = sorted((s for s in psus.index if psus[s] < need), key=lambda s: (psus[s], str(s)))
    groups: list[list] = [[s] for s in big]
    current: list = []
    for s in small:
        current.append(s)
        if psus[current].sum() >= need:
            groups.append(current)
            current = []
    if current:
        if groups:
            target = min(range(len(groups)), key=lambda i: psus[groups[i]].sum())
            groups[target] += current
        else:
            groups.append(current)
    order = rng.permutation(len(groups)) + 1
    return {s: int(order[i]) for i, members in enumerate(groups) for s in members}


def mask_design(strata: pd.Series, psu: pd.Series, weights: pd.Series, fpc: pd.Series | None = None, *,
                m: int = 2, rng: np.random.Generator, smooth_weights: bool = True) -> MaskedDesign:
    """The masked design of the rows with these ``strata``, ``psu`` (within strata), ``weights`` and first-stage
    ``fpc`` (population PSUs per stratum; None: none). ``m``: fewest PSUs pooled in a pseudo-PSU."""
    if m < 1:
        raise ValueError(f"a pseudo-PSU pools at least one PSU (got m = {m})")
    frame = pd.DataFrame({"s": strata.astype("string").to_numpy(), "p": psu.astype("string").to_numpy()})
    if frame.isna().any().any():
        raise ValueError("strata and PSUs must be known for every row to mask the design")
    unit = frame.drop_duplicates().reset_index(drop=True)
    psus = unit.groupby("s").size()
    pseudo_stratum = _collapse(psus, m, rng)
    unit["ps"] = unit["s"].map(pseudo_stratum)
    unit = unit.iloc[rng.permutation(len(unit))].reset_index(drop=True)
    unit["rank"] = unit.groupby("ps").cumcount()
    size = unit.groupby("ps")["p"].transform("size")
    groups = np.maximum(size // m, 1)
    unit["pp"] = unit["rank"] % groups
    numbers = unit[["ps", "pp"]].drop_duplicates().sample(frac=1, random_state=rng).reset_index(drop=True)
    numbers["pseudo_psu"] = np.arange(1, len(numbers) + 1)
    unit = unit.merge(numbers, on=["ps", "pp"])
    rows = frame.merge(unit[["s", "p", "ps", "pseudo_psu"]], on=["s", "p"], how="left")
    stratum_out = pd.Series(rows["ps"].to_numpy(), index=strata.index, name="pseudo_stratum").astype("Int64")
    psu_out = pd.Series(rows["pseudo_psu"].to_numpy(), index=strata.index, name="pseudo_psu").astype("Int64")
    fraction = None
    if fpc is not None:
        per_stratum = pd.DataFrame({"s": frame["s"], "N": pd.to_numeric(fpc, errors="coerce").to_numpy()})
        population = per_stratum.drop_duplicates("s").set_index("s")["N"]
        pooled_n = psus.groupby(pd.Series(pseudo_stratum)).sum()
        pooled_N = population.groupby(pd.Series(pseudo_stratum)).sum()
        share = (pooled_n / pooled_N).clip(upper=1.0)
        fraction = pd.Series(stratum_out.map(share).to_numpy(dtype=float), index=strata.index, name="pseudo_fpc")
    w = pd.to_numeric(weights, errors="coerce").astype(float)
    if smooth_weights:
        w = w.groupby(psu_out.to_numpy()).transform("mean")
        w.index = strata.index
    return MaskedDesign(stratum_out, psu_out, fraction, w.rename("weight"),
                        (int(len(psus)), int(len(unit))), (int(stratum_out.nunique()), int(psu_out.nunique())))

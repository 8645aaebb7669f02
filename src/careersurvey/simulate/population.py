"""A synthetic population of Korean researchers in institutions, for demos and for checking estimators.

Why: a survey toolkit is only trusted when its estimators recover known truths. The population here has
the margins of the published R&D statistics (sector, sex, degree, region; INSTRUMENT.md and survey/targets)
and a latent structure behind the research questions, so that analyses of a sample drawn from it can be
checked against the truth that made it.

Scope and assumptions (documented because they shape every number):
- the population is the researcher headcount of the MSIT-KISTEP R&D survey; university researchers include
  the students who do research there (undergraduate interns, master's and PhD students), who are sampled
  and analysed as roles within universities;
- people sit in institutions (universities, government-funded institutes, firms), the primary sampling
  units; institution effects make answers within an institution alike (intra-cluster correlation);
- latent traits (failure stigma, relative deprivation, autonomy, psychological safety, ...) and the two
  intentions to leave follow ``LatentModel``; its coefficients are the truth the analyses should recover.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

__all__ = ["Margins", "LatentModel", "Population", "DEFAULT_MARGINS", "SECTORS", "ROLES", "make_population"]

#: Sectors of employment in the population; business is split into firm types (shares of all researchers).
SECTORS: tuple[str, ...] = ("university", "institute", "large_firm", "sme", "startup", "foreign_firm")
#: Roles, in the order of the questionnaire's role item.
ROLES: tuple[str, ...] = ("undergraduate", "masters", "phd", "postdoc", "researcher", "faculty", "other")
REGIONS: tuple[str, ...] = ("capital", "daejeon", "other")
DEGREES: tuple[str, ...] = ("phd", "masters", "bachelors", "other")
SEXES: tuple[str, ...] = ("male", "female")


def _freeze(m: Mapping[str, Mapping[str, float]]) -> Mapping[str, Mapping[str, float]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in m.items()})


@dataclass(frozen=True)
class Margins:
    """Population size and the published shares the population reproduces in expectation."""

    size: int
    shares: Mapping[str, Mapping[str, float]]
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "shares", _freeze(self.shares))
        for var, sh in self.shares.items():
            if abs(sum(sh.values()) - 1.0) > 1e-6:
                raise ValueError(f"margins: shares of {var!r} add to {sum(sh.values()):.4f}, not 1")


#: Figures of INSTRUMENT.md (MSIT-KISTEP survey of R&D activities 2023; degree from the 2022 round; region
#: from a KISTEP brief). Business (72.7%) is split into firm types by assumption (stated here, not sourced).
DEFAULT_MARGINS = Margins(
    size=603_566,
    shares={
        "sector": {"university": 0.198, "institute": 0.075, "large_firm": 0.38, "sme": 0.27,
                   "startup": 0.05, "foreign_firm": 0.027},
        "sex": {"male": 0.763, "female": 0.237},
        "degree": {"phd": 0.207, "masters": 0.272, "bachelors": 0.470, "other": 0.051},
        "region": {"capital": 0.670, "daejeon": 0.066, "other": 0.264},
    },
    source="MSIT-KISTEP survey of R&D activities 2023 (degree 2022); firm split assumed",
)


@dataclass(frozen=True)
class LatentModel:
    """Coefficients of the latent structure: the simulated truth the analyses should recover.

    The intentions are logits on standardised latent traits: ``leave_korea`` and ``leave_science`` rise with
    failure stigma, pay gap (log of what big tech would pay over own pay) and relative deprivation, and fall
    with autonomy and psychological safety. ``medicine_ability`` is how strongly a student's standing
    (standardised) raises the log-odds of having preferred medical school.
    """

    icc: float = 0.15
    leave_korea: Mapping[str, float] = field(default_factory=lambda: {
        "const": -1.6, "stigma": 0.45, "pay_gap": 0.55, "deprivation": 0.50, "autonomy": -0.55,
        "safety": -0.35, "performance_pay": -0.20, "ai": 0.50})
    leave_science: Mapping[str, float] = field(default_factory=lambda: {
        "const": -1.9, "stigma": 0.50, "pay_gap": 0.35, "deprivation": 0.55, "autonomy": -0.50,
        "safety": -0.40, "performance_pay": -0.10, "ai": 0.0})
    medicine_ability: float = 0.8

    def __post_init__(self) -> None:
        object.__setattr__(self, "leave_korea", MappingProxyType(dict(self.leave_korea)))
        object.__setattr__(self, "leave_science", MappingProxyType(dict(self.leave_science)))


@dataclass(frozen=True)
class Population:
    """Persons (one row each, with institution and latent traits) and the institution frame."""

    persons: pd.DataFrame
    institutions: pd.DataFrame
    margins: Margins
    model: LatentModel
    seed: int


# mean researchers per institution and lognormal spread, by sector (assumed, to give realistic clusters)
_INST_SIZE = {"university": (900, 0.8), "institute": (450, 0.6), "large_firm": (700, 1.0), "sme": (18, 0.7),
              "startup": (7, 0.5), "foreign_firm": (40, 0.8)}
# region shares by sector, chosen so that the overall shares match the margins (institutes in Daejeon)
_REGION_BY_SECTOR = {"university": (0.55, 0.08, 0.37), "institute": (0.30, 0.55, 0.15),
                     "large_firm": (0.72, 0.02, 0.26), "sme": (0.72, 0.04, 0.24), "startup": (0.82, 0.05, 0.13),
                     "foreign_firm": (0.92, 0.01, 0.07)}
_ROLE_BY_SECTOR = {  # undergraduate, masters, phd, postdoc, researcher, faculty, other
    "university": (0.10, 0.27, 0.25, 0.07, 0.08, 0.21, 0.02), "institute": (0, 0.03, 0.05, 0.10, 0.80, 0, 0.02),
    "large_firm": (0, 0, 0, 0.01, 0.96, 0, 0.03), "sme": (0, 0, 0, 0, 0.95, 0, 0.05),
    "startup": (0, 0, 0, 0, 0.94, 0, 0.06), "foreign_firm": (0, 0, 0, 0.02, 0.95, 0, 0.03)}
_FEMALE_BY_SECTOR = {"university": 0.33, "institute": 0.24, "large_firm": 0.19, "sme": 0.22, "startup": 0.2,
                     "foreign_firm": 0.25}
# annual gross pay, million KRW: median by (sector, senior role) and big-tech offer for comparison
_PAY_MEDIAN = {"university": 55, "institute": 75, "large_firm": 95, "sme": 48, "startup": 60, "foreign_firm": 150}
_ROLE_PAY = {"undergraduate": 0.12, "masters": 0.3, "phd": 0.45, "postdoc": 0.8, "researcher": 1.0,
             "faculty": 1.6, "other": 0.8}
BIG_TECH_OFFER = 550.0  # starting offers at global big tech, 500-600 million KRW (INSTRUMENT.md)


def _categorical(values: np.ndarray, cats: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(values, categories=list(cats))


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of ``probs`` (rows sum to 1), vectorised by inverse CDF."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    return (rng.random((probs.shape[0], 1)) > cum).sum(axis=1)


def _institutions(rng: np.random.Generator, margins: Margins) -> pd.DataFrame:
    rows = []
    for s_i, sector in enumerate(SECTORS):
        n_sector = margins.size * margins.shares["sector"][sector]
        for r_i, region in enumerate(REGIONS):
            target = n_sector * _REGION_BY_SECTOR[sector][r_i]
            mean, sd = _INST_SIZE[sector]
            k = max(2, int(round(target / mean)))
            size = rng.lognormal(np.log(mean) - sd**2 / 2, sd, k)
            size = np.maximum(1, np.round(size / size.sum() * target)).astype(int)
            rows.append(pd.DataFrame({"sector": sector, "region": region, "size": size}))
    inst = pd.concat(rows, ignore_index=True)
    inst.insert(0, "institution", [f"I{i:05d}" for i in range(len(inst))])
    inst["stratum"] = inst["sector"] + "/" + inst["region"]
    inst["n_institutions"] = inst.groupby("stratum")["institution"].transform("size")
    # institution effects on the climate: stigma is higher where evaluation is short-term (institutes, PBS)
    z = rng.standard_normal((len(inst), 3))
    base_stigma = inst["sector"].map({"institute": 0.5, "university": 0.3}).fillna(-0.1).to_numpy()
    inst["u_stigma"] = base_stigma + z[:, 0]
    inst["u_safety"] = -0.4 * z[:, 0] + np.sqrt(1 - 0.16) * z[:, 1]
    inst["u_autonomy"] = inst["sector"].map({"startup": 0.4, "university": 0.3, "foreign_firm": 0.3}).fillna(
        -0.1).to_numpy() + z[:, 2]
    inst["performance_pay"] = rng.random(len(inst)) < inst["sector"].map(
        {"university": 0.15, "institute": 0.1, "large_firm": 0.45, "sme": 0.35, "startup": 0.6,
         "foreign_firm": 0.85}).to_numpy()
    return inst


def make_population(
    seed: int = 2026, margins: Margins = DEFAULT_MARGINS, model: LatentModel = LatentModel()
) -> Population:
    """Build the population: institutions by stratum (sector x region), persons in them, latent traits.

    Deterministic for a given seed. The full headcount (about 600,000 rows) builds in well under a second.
    """
    rng = np.random.default_rng(seed)
    inst = _institutions(rng, margins)
    idx = np.repeat(np.arange(len(inst)), inst["size"].to_numpy())
    n = len(idx)
    p = inst.iloc[idx].reset_index(drop=True)
    sector = p["sector"].to_numpy()
    role_p = np.array([_ROLE_BY_SECTOR[s] for s in SECTORS])[pd.Categorical(sector, SECTORS).codes]
    role = _draw(rng, role_p)
    role_name = np.array(ROLES)[role]
    female = rng.random(n) < pd.Series(sector).map(_FEMALE_BY_SECTOR).to_numpy()
    # degree held: students hold the degree below the one they study for; business mostly bachelor's
    deg_p = np.select(
        [np.isin(role_name, ["phd"]), np.isin(role_name, ["postdoc", "faculty"]), role_name == "masters",
         role_name == "undergraduate", np.isin(sector, ["university", "institute"])],
        [0, 1, 2, 3, 4], default=5)
    deg_table = np.array([[0, .9, .1, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [.55, .35, .1, 0],
                          [.13, .30, .53, .04]])
    degree = _draw(rng, deg_table[deg_p])
    age = np.clip(np.select([role_name == "undergraduate", role_name == "masters", role_name == "phd",
                             role_name == "postdoc"], [22, 26, 30, 34], default=41)
                  + rng.normal(0, np.where(np.isin(role_name, ["researcher", "faculty", "other"]), 9, 2), n),
                  19, 69)
    ai = rng.random(n) < np.where(np.isin(sector, ["foreign_firm", "startup", "large_firm"]), 0.3, 0.15)
    field_p = np.tile([0.30, 0.45, 0.10, 0.10, 0.05], (n, 1))  # natural sci, engineering, medical, agri, other
    fld = _draw(rng, field_p)
    # latent traits: institution effect (share icc of the variance) plus a personal part
    e = rng.standard_normal((n, 6))
    w_i, w_p = np.sqrt(model.icc), np.sqrt(1 - model.icc)
    stigma = w_i * p["u_stigma"].to_numpy() + w_p * e[:, 0]
    safety = w_i * p["u_safety"].to_numpy() - 0.3 * w_p * e[:, 0] + np.sqrt(1 - 0.09) * w_p * e[:, 1]
    senior = np.isin(role_name, ["faculty"]).astype(float) - np.isin(role_name, ["undergraduate", "masters",
                                                                                   "phd"]) * 0.5
    autonomy = w_i * p["u_autonomy"].to_numpy() + 0.6 * senior + w_p * e[:, 2]
    pay = (pd.Series(sector).map(_PAY_MEDIAN).to_numpy() * pd.Series(role_name).map(_ROLE_PAY).to_numpy()
           * np.exp(0.012 * (age - 41) + 0.25 * rng.standard_normal(n)))
    pay_gap = np.log(BIG_TECH_OFFER / pay)
    pay_gap_z = (pay_gap - pay_gap.mean()) / pay_gap.std()
    deprivation = 0.45 * pay_gap_z + 0.35 * (role_name == "postdoc") + np.sqrt(0.75) * e[:, 3]
    perf = p["performance_pay"].to_numpy()
    z = {"stigma": stigma, "safety": safety, "autonomy": autonomy, "deprivation": deprivation,
         "pay_gap": pay_gap_z, "performance_pay": perf.astype(float), "ai": ai.astype(float)}

    def logit(coef: Mapping[str, float]) -> np.ndarray:
        return coef["const"] + sum(v * z[k] for k, v in coef.items() if k != "const")

    leave_korea_lp = logit(model.leave_korea)
    leave_science_lp = logit(model.leave_science)
    ability = rng.standard_normal(n)
    persons = pd.DataFrame({
        "person": np.arange(n), "institution": p["institution"].to_numpy(),
        "stratum": p["stratum"].to_numpy(),
        "sector": pd.Categorical(sector, SECTORS), "region": pd.Categorical(p["region"].to_numpy(), REGIONS),
        "role": _categorical(role, ROLES), "sex": _categorical(female.astype(int), SEXES),
        "degree": _categorical(degree, DEGREES), "age": age.round().astype(int), "ai": ai, "field": fld + 1,
        "pay": pay.round(1), "pay_gap": pay_gap, "performance_pay": perf,
        "stigma": stigma, "safety": safety, "autonomy": autonomy, "deprivation": deprivation,
        "ability": ability, "leave_korea_lp": leave_korea_lp, "leave_science_lp": leave_science_lp,
        "prefer_medicine_lp": -0.6 + model.medicine_ability * ability,
    })
    return Population(persons=persons, institutions=inst, margins=margins, model=model, seed=seed)

"""A synthetic population of Korean researchers in institutions, for demos and for checking estimators.

Why: a survey toolkit is only trusted when its estimators recover known truths. The population here has
the margins of the published R&D statistics (sector, sex, degree, region; INSTRUMENT.md and survey/targets)
and a latent structure behind the research questions, so that analyses of a sample drawn from it can be
checked against the truth that made it.

Scope and assumptions (documented because they shape every number):
- the researchers are the headcount of the MSIT-KISTEP R&D survey (graduate students who do research count
  as university researchers); STEM undergraduates of the same universities and Korean researchers abroad
  are added as groups outside the published margins (``in_targets`` is False for them), so the analyses
  rake only the researchers in Korea and describe the other two with their design weights;
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

#: Sectors of employment in Korea (business split into firm types), then Korean researchers working abroad.
DOMESTIC: tuple[str, ...] = ("university", "institute", "large_firm", "sme", "startup", "foreign_firm")
SECTORS: tuple[str, ...] = DOMESTIC + ("abroad",)
#: Roles, in the order of the questionnaire's role item.
ROLES: tuple[str, ...] = ("undergraduate", "masters", "phd", "postdoc", "researcher", "faculty", "other")
REGIONS: tuple[str, ...] = ("capital", "daejeon", "other", "abroad")
DEGREES: tuple[str, ...] = ("phd", "masters", "bachelors", "other")
SEXES: tuple[str, ...] = ("male", "female")


def _freeze(m: Mapping[str, Mapping[str, float]]) -> Mapping[str, Mapping[str, float]]:
    """Nested mappings made read-only, so a frozen value stays frozen."""
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in m.items()})


@dataclass(frozen=True)
class Margins:
    """Researcher headcount in Korea and the published shares it reproduces in expectation, plus two groups
    outside those statistics that the survey also asks: STEM undergraduates at the universities of the
    frame, and Korean researchers working abroad (both sizes are assumptions, not published figures)."""

    size: int
    shares: Mapping[str, Mapping[str, float]]
    source: str = ""
    undergraduates: int = 120_000
    abroad: int = 25_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "shares", _freeze(self.shares))
        for var, sh in self.shares.items():
            if abs(sum(sh.values()) - 1.0) > 1e-6:
                raise ValueError(f"margins: shares of {var!r} add to {sum(sh.values()):.4f}, not 1; give shares "
                                 "that sum to 1 (each level's share of the population)")

    @classmethod
    def from_targets(cls, targets, undergraduates: int = 120_000, abroad: int = 25_000) -> "Margins":
        """Margins from a weighting targets file (``careersurvey.load_targets``), so the simulated
        population and the raking use the same published figures. Business is split into firm types by
        ``BUSINESS_SPLIT`` (an assumption); level names are translated by ``TARGET_LEVELS``."""
        shares: dict[str, dict[str, float]] = {}
        for m in targets.margins_:
            names = TARGET_LEVELS.get(m.name)
            if names is None:
                continue
            out: dict[str, float] = {}
            for level, share in m.shares().items():
                if level not in names:
                    raise ValueError(f"targets {targets.id!r}, margin {m.name!r}: level {level!r} has no "
                                     f"counterpart in the simulation (known: {', '.join(names)}); add it to "
                                     "TARGET_LEVELS in careersurvey.simulate.population or pass margins=")
                if names[level] == "business":
                    out.update({k: share * v for k, v in BUSINESS_SPLIT.items()})
                else:
                    out[names[level]] = share
            shares[m.name] = out
        if "sector" not in shares:
            raise ValueError(f"targets {targets.id!r} have no sector margin; the simulation builds institutions "
                             "by sector: use targets with a sector margin or pass margins= with sector shares")
        return cls(size=int(round(targets.population_total)), shares=shares,
                   source=f"{targets.id} ({targets.source}); firm split assumed",
                   undergraduates=undergraduates, abroad=abroad)


#: Shares of the business sector by firm type (assumed; the published figure is business as a whole).
BUSINESS_SPLIT = {"large_firm": 0.38 / 0.727, "sme": 0.27 / 0.727, "startup": 0.05 / 0.727,
                  "foreign_firm": 0.027 / 0.727}
#: Level names of the targets files (survey/targets) -> names used here.
TARGET_LEVELS = {
    "sector": {"business": "business", "university": "university", "public_institute": "institute"},
    "sex": {"male": "male", "female": "female"},
    "degree": {"phd": "phd", "master": "masters", "bachelor": "bachelors", "other": "other"},
    "region": {"capital_area": "capital", "daejeon": "daejeon", "rest": "other"},
}

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
    failure stigma, pay gap (log of what the person would be paid abroad over own pay) and relative deprivation,
    and fall
    with autonomy and psychological safety. ``medicine_ability`` is how strongly a student's standing
    (standardised) raises the log-odds of having preferred medical school.
    """

    icc: float = 0.15
    leave_korea: Mapping[str, float] = field(default_factory=lambda: {
        "const": -1.6, "stigma": 0.6, "pay_gap": 0.6, "deprivation": 0.50, "autonomy": -0.55,
        "safety": -0.45, "performance_pay": -0.20, "ai": 0.50})
    leave_science: Mapping[str, float] = field(default_factory=lambda: {
        "const": -1.9, "stigma": 0.55, "pay_gap": 0.4, "deprivation": 0.55, "autonomy": -0.50,
        "safety": -0.45, "performance_pay": -0.10, "ai": 0.0})
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
    "university": (0, 0.30, 0.28, 0.08, 0.09, 0.23, 0.02), "institute": (0, 0.03, 0.05, 0.10, 0.80, 0, 0.02),
    "large_firm": (0, 0, 0, 0.01, 0.96, 0, 0.03), "sme": (0, 0, 0, 0, 0.95, 0, 0.05),
    "startup": (0, 0, 0, 0, 0.94, 0, 0.06), "foreign_firm": (0, 0, 0, 0.02, 0.95, 0, 0.03),
    "abroad": (0, 0, 0.10, 0.35, 0.40, 0.15, 0)}
_FEMALE_BY_SECTOR = {"university": 0.33, "institute": 0.24, "large_firm": 0.19, "sme": 0.22, "startup": 0.2,
                     "foreign_firm": 0.25, "abroad": 0.28}
# annual gross pay, million KRW: median by (sector, senior role) and big-tech offer for comparison
_PAY_MEDIAN = {"university": 55, "institute": 75, "large_firm": 95, "sme": 48, "startup": 60, "foreign_firm": 150,
               "abroad": 140}
_ROLE_PAY = {"undergraduate": 0.12, "masters": 0.3, "phd": 0.45, "postdoc": 0.7, "researcher": 1.0,
             "faculty": 1.6, "other": 0.8}
#: What a person would be paid abroad (million KRW a year, stock included), by role; AI work multiplies it, so
#: that an AI researcher's offer from global big tech is KRW 550 million (INSTRUMENT.md: 500-600 million).
_ABROAD_PAY = {"undergraduate": 60, "masters": 110, "phd": 130, "postdoc": 90, "researcher": 200, "faculty": 230,
               "other": 150}
_AI_ABROAD = 2.75


def _categorical(values: np.ndarray, cats: tuple[str, ...]) -> pd.Categorical:
    """Integer codes as a categorical with the given level names."""
    return pd.Categorical.from_codes(values, categories=list(cats))


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of ``probs`` (rows sum to 1), vectorised by inverse CDF."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    return (rng.random((probs.shape[0], 1)) > cum).sum(axis=1)


def _institutions(rng: np.random.Generator, margins: Margins) -> pd.DataFrame:
    """The institution frame: sizes by stratum (sector x region) on the margins, and climate effects."""
    rows = []
    for sector in DOMESTIC:
        n_sector = margins.size * margins.shares["sector"][sector]
        for r_i, region in enumerate(REGIONS[:3]):
            target = n_sector * _REGION_BY_SECTOR[sector][r_i]
            mean, sd = _INST_SIZE[sector]
            k = max(2, int(round(target / mean)))
            size = rng.lognormal(np.log(mean) - sd**2 / 2, sd, k)
            size = np.maximum(1, np.round(size / size.sum() * target)).astype(int)
            rows.append(pd.DataFrame({"sector": sector, "region": region, "size": size}))
    if margins.abroad > 0:  # host labs and companies abroad, ~30 Korean researchers each on average
        k = max(2, margins.abroad // 30)
        size = rng.lognormal(np.log(30) - 0.5, 1.0, k)
        size = np.maximum(1, np.round(size / size.sum() * margins.abroad)).astype(int)
        rows.append(pd.DataFrame({"sector": "abroad", "region": "abroad", "size": size}))
    inst = pd.concat(rows, ignore_index=True)
    inst.insert(0, "institution", [f"I{i:05d}" for i in range(len(inst))])
    inst["stratum"] = inst["sector"] + "/" + inst["region"]
    uni = (inst["sector"] == "university").to_numpy()
    inst["undergraduates"] = np.where(uni, np.round(inst["size"] * margins.undergraduates
                                                    / max(1, inst.loc[uni, "size"].sum())), 0).astype(int)
    inst["n_institutions"] = inst.groupby("stratum")["institution"].transform("size")
    # institution effects on the climate: stigma is higher where evaluation is short-term (institutes, PBS)
    z = rng.standard_normal((len(inst), 3))
    base_stigma = inst["sector"].map({"institute": 0.5, "university": 0.3}).fillna(-0.1).to_numpy()
    inst["u_stigma"] = base_stigma + z[:, 0]
    inst["u_safety"] = -0.4 * z[:, 0] + np.sqrt(1 - 0.16) * z[:, 1]
    inst["u_autonomy"] = inst["sector"].map({"startup": 0.4, "university": 0.3, "foreign_firm": 0.3,
                                             "abroad": 0.5}).fillna(
        -0.1).to_numpy() + z[:, 2]
    inst["performance_pay"] = rng.random(len(inst)) < inst["sector"].map(
        {"university": 0.15, "institute": 0.1, "large_firm": 0.45, "sme": 0.35, "startup": 0.6,
         "foreign_firm": 0.85, "abroad": 0.7}).to_numpy()
    return inst


def make_population(
    seed: int = 2026, margins: Margins = DEFAULT_MARGINS, model: LatentModel = LatentModel()
) -> Population:
    """Build the population: institutions by stratum (sector x region), persons in them, latent traits.

    Deterministic for a given seed. The default (about 750,000 persons) builds in one to two seconds.
    """
    rng = np.random.default_rng(seed)
    inst = _institutions(rng, margins)
    idx_r = np.repeat(np.arange(len(inst)), inst["size"].to_numpy())
    idx_u = np.repeat(np.arange(len(inst)), inst["undergraduates"].to_numpy())
    idx = np.concatenate([idx_r, idx_u])
    n = len(idx)
    # integer codes throughout (string arrays of 750,000 rows are slow); names only for the output
    sec = pd.Categorical(inst["sector"], SECTORS).codes.astype(int)[idx]
    reg = pd.Categorical(inst["region"], REGIONS).codes.astype(int)[idx]
    S = {name: i for i, name in enumerate(SECTORS)}
    R = {name: i for i, name in enumerate(ROLES)}
    role_p = np.array([_ROLE_BY_SECTOR[x] for x in SECTORS])[sec]
    role = np.where(np.arange(n) < len(idx_r), _draw(rng, role_p), R["undergraduate"])
    female = rng.random(n) < np.array([_FEMALE_BY_SECTOR[x] for x in SECTORS])[sec]
    # degree held: students hold the degree below the one they study for; business mostly bachelor's
    deg_p = np.select(
        [role == R["phd"], np.isin(role, [R["postdoc"], R["faculty"]]), role == R["masters"],
         role == R["undergraduate"], np.isin(sec, [S["university"], S["institute"], S["abroad"]])],
        [0, 1, 2, 3, 4], default=5)
    deg_table = np.array([[0, .9, .1, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [.55, .35, .1, 0],
                          [.13, .30, .53, .04]])
    degree = _draw(rng, deg_table[deg_p])
    age_mean = np.array([22, 26, 30, 34, 41, 41, 41])[role]
    age_sd = np.array([2, 2, 2, 2, 9, 9, 9])[role]
    age = np.clip(age_mean + rng.normal(0, 1, n) * age_sd, 19, 69)
    ai = rng.random(n) < np.where(np.isin(sec, [S["foreign_firm"], S["startup"], S["large_firm"]]), 0.3, 0.15)
    field_p = np.tile([0.30, 0.45, 0.10, 0.10, 0.05], (n, 1))  # natural sci, engineering, medical, agri, other
    fld = _draw(rng, field_p)
    # latent traits: institution effect (share icc of the variance) plus a personal part
    e = rng.standard_normal((n, 6))
    w_i, w_p = np.sqrt(model.icc), np.sqrt(1 - model.icc)
    u = inst[["u_stigma", "u_safety", "u_autonomy"]].to_numpy()[idx]
    stigma = w_i * u[:, 0] + w_p * e[:, 0]
    safety = w_i * u[:, 1] - 0.3 * w_p * e[:, 0] + np.sqrt(1 - 0.09) * w_p * e[:, 1]
    senior = (role == R["faculty"]).astype(float) - 0.5 * np.isin(role, [R["undergraduate"], R["masters"], R["phd"]])
    autonomy = w_i * u[:, 2] + 0.6 * senior + w_p * e[:, 2]
    pay = (np.array([_PAY_MEDIAN[x] for x in SECTORS])[sec] * np.array([_ROLE_PAY[x] for x in ROLES])[role]
           * np.exp(0.012 * (age - 41) + 0.35 * rng.standard_normal(n)))
    # each person's own outside pay: abroad (the best offer there, or what they would expect) and at home (a
    # little above own pay: a 출연연 postdoc's best domestic offer is about KRW 40-60 million)
    abroad_pay = (np.array([_ABROAD_PAY[x] for x in ROLES])[role] * np.where(ai, _AI_ABROAD, 1.0)
                  * np.exp(0.006 * (age - 41) + 0.25 * rng.standard_normal(n)))
    domestic_offer = pay * np.exp(0.03 + 0.12 * rng.standard_normal(n))
    pay_gap = np.log(abroad_pay / pay)
    working = role != R["undergraduate"]
    pay_gap_z = (pay_gap - pay_gap[working].mean()) / pay_gap[working].std()  # standardised among researchers
    deprivation = 0.45 * pay_gap_z + 0.35 * (role == R["postdoc"]) + np.sqrt(0.75) * e[:, 3]
    perf = inst["performance_pay"].to_numpy()[idx]
    z = {"stigma": stigma, "safety": safety, "autonomy": autonomy, "deprivation": deprivation,
         "pay_gap": pay_gap_z, "performance_pay": perf.astype(float), "ai": ai.astype(float)}

    def logit(coef: Mapping[str, float]) -> np.ndarray:
        """The linear predictor of a LatentModel outcome on the standardised traits."""
        return coef["const"] + sum(v * z[k] for k, v in coef.items() if k != "const")

    ability = rng.standard_normal(n)
    senior_role = np.isin(role, [R["postdoc"], R["researcher"], R["faculty"]])
    # log-odds of an offer in the past three years: abroad more likely in AI, for the able and the senior
    offer_abroad_lp = -2.5 + 1.0 * ai + 0.5 * ability + 0.6 * senior_role
    offer_domestic_lp = -1.0 + 0.3 * ability + 0.3 * senior_role
    st_codes, st_names = pd.factorize(inst["stratum"])
    persons = pd.DataFrame({
        "person": np.arange(n),
        "institution": pd.Categorical.from_codes(idx, categories=inst["institution"].astype(object)),
        "in_targets": (role != R["undergraduate"]) & (sec != S["abroad"]),
        "stratum": pd.Categorical.from_codes(st_codes[idx], categories=list(st_names)),
        "sector": _categorical(sec, SECTORS), "region": _categorical(reg, REGIONS),
        "role": _categorical(role, ROLES), "sex": _categorical(female.astype(int), SEXES),
        "degree": _categorical(degree, DEGREES), "age": age.round().astype(int), "ai": ai, "field": fld + 1,
        "pay": pay.round(1), "pay_gap": pay_gap, "performance_pay": perf, "abroad_pay": abroad_pay.round(1),
        "domestic_offer": domestic_offer.round(1), "offer_abroad_lp": offer_abroad_lp,
        "offer_domestic_lp": offer_domestic_lp,
        "stigma": stigma, "safety": safety, "autonomy": autonomy, "deprivation": deprivation,
        "ability": ability, "leave_korea_lp": logit(model.leave_korea), "leave_science_lp": logit(model.leave_science),
        "prefer_medicine_lp": -0.6 + model.medicine_ability * ability,
    })
    return Population(persons=persons, institutions=inst, margins=margins, model=model, seed=seed)

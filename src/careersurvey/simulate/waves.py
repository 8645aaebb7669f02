"""An earlier wave for a simulated survey: the panel a later wave re-interviewed, and the people it lost.

The later wave is what :func:`careersurvey.simulate.simulate_survey` draws (a cross-section). The earlier wave
is built around it, from the same population, so that the two make a panel survey with attrition:

- **panel members**: each respondent of the later wave answered the earlier one too with probability
  ``retention(x) = expit(logit(rate) - slope * z)``, ``z`` their standardised intention to leave Korea (the
  population's ``leave_korea_lp``): those intending to leave were less often re-interviewed;
- **lost**: people of the same institutions who answered the earlier wave only, drawn with probability
  proportional to ``1 - retention(x)`` and as many as the panel's complement, so that among the earlier wave's
  respondents answering again follows ``retention(x)``: attrition depends on intention to leave, and the panel
  alone understates it (a naive panel estimate is biased; longitudinal weights, ``cs.longitudinal_weights``,
  correct it from the earlier wave's answers);
- **fresh**: the later wave's respondents who were not panel members.

Intentions rose between the waves: each person's ``leave_korea_lp`` was ``shift + spread * z`` lower at the
earlier wave, so the change is largest among those attrition takes most.
The earlier wave answers the questionnaire given (stem-careers 1.0.0 for the demo), through the same answer plan,
so items renamed or added in the newer version are harmonised when the waves are loaded together. Its design
weights are the institution's weights in the later wave (the same institutions, PSUs and strata).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from careersurvey.questionnaire.model import Questionnaire

__all__ = ["EarlierWave", "Retention", "simulate_earlier_wave"]

#: Columns of a sample design file, as simulate_survey writes it.
DESIGN_COLUMNS = ("respondent_id", "stratum", "psu", "fpc1", "fpc2", "design_weight")


@dataclass(frozen=True)
class Retention:
    """Who of the earlier wave answered again: ``expit(logit(rate) - slope * z)``, z the standardised intention to
    leave; ``shift + spread * z``: how much lower (in logits) the intention to leave was at the earlier wave (it
    rose most for those who intend to leave most, whom attrition takes: a naive panel understates the change)."""

    rate: float = 0.65
    slope: float = 0.8
    shift: float = 0.4
    spread: float = 0.3

    def probability(self, lp: np.ndarray, centre: float, scale: float) -> np.ndarray:
        z = (lp - centre) / scale
        return 1 / (1 + np.exp(-(np.log(self.rate / (1 - self.rate)) - self.slope * z)))


@dataclass(frozen=True)
class EarlierWave:
    """The earlier wave's files and truth: ``persons`` (respondent_id, ``panel`` True for those answering both
    waves, ``retention`` their probability of answering again, and the population's traits)."""

    file: Path
    sample_file: Path
    answers: pd.DataFrame
    persons: pd.DataFrame
    retention: Retention

    @property
    def panel_ids(self) -> list[str]:
        """Ids of the persons who answered both waves."""
        return self.persons.loc[self.persons["panel"], "respondent_id"].tolist()


def simulate_earlier_wave(q: Questionnaire, later, out: str | Path, *, seed: int = 2026,
                          retention: Retention = Retention(), population=None) -> EarlierWave:
    """Write the earlier wave of ``later`` (a :class:`~careersurvey.simulate.SimulatedSurvey`) into ``out``: its
    online-survey export ``kobo_<id>_earlier.csv`` (KoboToolbox-shaped, as simulate_survey writes one; read with
    ``-q`` the questionnaire of ``q``) and ``sample_design.csv``. ``population``: the population ``later`` was
    drawn from (default: the one ``later`` carries, else rebuilt from ``seed`` and the targets)."""
    from careersurvey.simulate.answers import simulate_answers
    from careersurvey.simulate.fieldwork import write_kobo_export
    from careersurvey.simulate.stem_careers import PLAN, respondent_frame

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 101)
    pop = population if population is not None else getattr(later, "population", None)
    if pop is None:
        pop = _population(seed, later.model)
    now = later.persons
    lp = now["leave_korea_lp"].to_numpy()
    centre, scale = float(lp.mean()), float(lp.std())
    r_now = retention.probability(lp, centre, scale)
    again = rng.random(len(now)) < r_now
    panel = now[again].assign(panel=True, retention=r_now[again])
    # the lost: for each respondent of the later wave, a random other person of their institution and group
    # (researchers, undergraduates: as the second stage samples them), kept with probability 1 - retention, so
    # that among the earlier wave's respondents answering again follows retention(x)
    twins = _twins(pop.persons, now, rng)
    r_twin = retention.probability(twins["leave_korea_lp"].to_numpy(), centre, scale)
    gone = rng.random(len(twins)) < 1 - r_twin
    lost = twins[gone].assign(panel=False, retention=r_twin[gone])
    first = max(len(now), int(getattr(later, "invited", 0)))  # ids after every sampled person of the later wave
    lost = lost.assign(respondent_id=[f"R{first + i:05d}" for i in range(1, len(lost) + 1)])
    persons = pd.concat([panel, lost], ignore_index=True).sort_values("person", kind="stable").reset_index(drop=True)
    z = (persons["leave_korea_lp"] - centre) / scale
    earlier = persons.assign(leave_korea_lp=persons["leave_korea_lp"] - retention.shift - retention.spread * z)
    answers = simulate_answers(q, respondent_frame(earlier, seed=seed + 103), PLAN, seed=seed + 104)
    answers.index = pd.Index(persons["respondent_id"].to_numpy(), name="respondent_id")
    sample_file = out / "sample_design.csv"
    persons[list(DESIGN_COLUMNS)].assign(design_weight=persons["design_weight"].round(6)).to_csv(sample_file,
                                                                                                 index=False)
    export = write_kobo_export(q, answers, out / f"kobo_{q.id}_earlier.csv", version=q.version, seed=seed + 105)
    return EarlierWave(file=export, sample_file=sample_file, answers=answers, persons=persons, retention=retention)


def _twins(population: pd.DataFrame, now: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """For each row of ``now``, a random person of the population in the same institution and group who is not
    in ``now`` (none where the group has no one else), with that row's design columns; each person once."""
    def group(frame: pd.DataFrame, institution: str) -> pd.Series:
        ug = frame["role"].astype(str).eq("undergraduate").map({True: "|u", False: "|r"})
        return frame[institution].astype(str) + ug

    inside = population["institution"].astype(str).isin(set(now["psu"].astype(str))).to_numpy()
    pool = population[inside & ~population["person"].isin(now["person"]).to_numpy()]
    keys = group(pool, "institution")
    order = np.argsort(keys.to_numpy(), kind="stable")
    pool, keys = pool.iloc[order], keys.iloc[order].to_numpy()
    names, first, count = np.unique(keys, return_index=True, return_counts=True)
    wanted = group(now, "psu").to_numpy()
    at = np.searchsorted(names, wanted)
    found = (at < len(names)) & (names[np.minimum(at, len(names) - 1)] == wanted)
    at = at[found]
    pick = first[at] + (rng.random(len(at)) * count[at]).astype(int)
    twins = pool.iloc[pick].drop(columns=["stratum"]).reset_index(drop=True)
    design = now.loc[found, ["stratum", "psu", "fpc1", "fpc2", "design_weight"]].reset_index(drop=True)
    return pd.concat([twins, design], axis=1).drop_duplicates("person")


def _population(seed: int, model):
    """The population simulate_survey draws from with this seed and the default targets."""
    from careersurvey.report.build import targets_path
    from careersurvey.simulate.population import Margins, make_population
    from careersurvey.targets import load_targets

    margins = Margins.from_targets(load_targets(targets_path("kr-researchers-2023")))
    return make_population(seed=seed, margins=margins, model=model)

"""Synthetic survey for demos and for checking that analyses recover a known truth.

``simulate_survey`` runs the whole fieldwork: a population on published margins (:mod:`.population`), a
stratified two-stage cluster sample drawn from its frames of institutions and persons by the fieldwork
package (:mod:`.frames`), nonresponse that depends on covariates (:mod:`.sample`), answers to every item of
the questionnaire from latent traits (:mod:`.answers`, :mod:`.stem_careers`), written into the entry
template and a KoboToolbox-style export with a few planted errors (:mod:`.fieldwork`), plus what a fieldwork
agency hands over: the whole sample with inclusion probabilities, frame variables, contacts, return dates and
the nonrespondents' AAPOR dispositions (``sample.csv``, :mod:`.outcomes`), and the sample design file of the
respondents (stratum, PSU, fpc, design weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from careersurvey.questionnaire.model import Questionnaire
from careersurvey.simulate.answers import AnswerPlan, Driver, simulate_answers
from careersurvey.simulate.fieldwork import Planted, fill_template, plant_errors, write_kobo_export
from careersurvey.simulate.population import DEFAULT_MARGINS, LatentModel, Margins, Population, make_population
from careersurvey.simulate.frames import draw_from_frames
from careersurvey.simulate.outcomes import nonresponse_codes, return_dates
from careersurvey.simulate.sample import SampleDraw, draw_sample, respond

__all__ = [
    "DEFAULT_MARGINS", "FIELDWORK_FILE", "FULL_SAMPLE_FILE", "SAMPLE_FILE", "AnswerPlan", "Driver", "LatentModel", "Margins", "Planted", "Population", "SampleDraw", "SimulatedSurvey",
    "draw_sample", "make_population", "respond", "simulate_answers", "simulate_survey",
]

SAMPLE_FILE = "sample_design.csv"
#: Every sampled person (respondent or not): the fieldwork manager's file.
FULL_SAMPLE_FILE = "sample.csv"
FIELDWORK_FILE = "fieldwork_summary.csv"


@dataclass(frozen=True)
class SimulatedSurvey:
    """What the simulated fieldwork produced: files, the clean answers and the truth behind them."""

    files: tuple[Path, ...]
    sample_file: Path
    full_sample_file: Path
    answers: pd.DataFrame
    persons: pd.DataFrame
    planted: tuple[Planted, ...]
    invited: int
    model: LatentModel
    population: Population | None = None  # the population drawn from (simulate.waves builds an earlier wave on it)


def simulate_survey(
    q: Questionnaire, template: str | Path, out: str | Path, *, seed: int = 2026, n_institutions: int = 300,
    take: int = 12, kobo_share: float = 0.35, model: LatentModel = LatentModel(),
    margins: Margins | None = None, targets: str = "kr-researchers-2023",
) -> SimulatedSurvey:
    """Run the synthetic fieldwork for ``q`` (stem-careers) and write its files into ``out``.

    Writes ``entry_<id>.xlsx`` (the filled template), ``kobo_<id>.csv`` (an online-survey export),
    ``sample.csv`` (every sampled person, see module doc), ``sample_design.csv`` (its respondents' rows) and
    ``fieldwork_summary.csv`` (invited and responded by stratum). ``take`` persons are drawn per institution,
    ``2 * take`` per university (about half of a university's persons on the frame are STEM undergraduates, so
    a university still gives about ``take`` researchers). Reproducible: the same seed gives
    byte-identical answers. The population is built on the weighting ``targets``
    (``careersurvey.load_targets``) unless ``margins`` are given.
    """
    from careersurvey.simulate.stem_careers import PLAN, respondent_frame

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if margins is None:
        from careersurvey.report.build import targets_path
        from careersurvey.targets import load_targets

        margins = Margins.from_targets(load_targets(targets_path(targets)))
    pop = make_population(seed=seed, margins=margins, model=model)
    drawn, _ = draw_from_frames(pop, n_institutions=n_institutions, take=take, take_university=2 * take,
                                seed=seed + 1)
    draw = respond(drawn, seed=seed + 2)
    resp = draw.respondents
    frame = respondent_frame(resp, seed=seed + 3)
    answers = simulate_answers(q, frame, PLAN, seed=seed + 4)
    full = sample_table(draw.persons, seed=seed + 8)
    ids = pd.Index(full.loc[draw.persons["responded"].to_numpy(), "respondent_id"].to_numpy(), name="respondent_id")
    answers.index = ids
    full_file = out / FULL_SAMPLE_FILE
    full.to_csv(full_file, index=False)
    sample = full.loc[draw.persons["responded"].to_numpy(), list(DESIGN_COLUMNS)]
    sample_file = out / SAMPLE_FILE
    sample.to_csv(sample_file, index=False)
    invited = draw.persons
    summary = (invited.assign(sector=invited["sector"].astype(str))
               .groupby(["stratum", "sector"], observed=True)
               .agg(institutions=("psu", "nunique"), invited=("person", "size"), responded=("responded", "sum"))
               .reset_index())
    summary.to_csv(out / FIELDWORK_FILE, index=False)
    online = np.random.default_rng(seed + 5).random(len(answers)) < kobo_share
    paper, planted = plant_errors(q, answers[~online], seed=seed + 6)
    entry = fill_template(template, paper, out / f"entry_{q.id}.xlsx")
    returned = full.set_index("respondent_id")["returned"]
    kobo = write_kobo_export(q, answers[online], out / f"kobo_{q.id}.csv", version=q.version, seed=seed + 7,
                             returned=returned.reindex(answers.index[online]).to_numpy(), speeding=0.02)
    persons = resp.assign(respondent_id=ids.to_numpy())
    return SimulatedSurvey(files=(entry, kobo), sample_file=sample_file, full_sample_file=full_file,
                           answers=answers, persons=persons,
                           planted=planted, invited=len(draw.persons), model=model, population=pop)


#: The sample design file's columns (one row per respondent), as the analyses read them.
DESIGN_COLUMNS = ("respondent_id", "stratum", "psu", "fpc1", "fpc2", "pi1", "pi2", "pi", "design_weight")


def sample_table(persons: pd.DataFrame, *, seed: int = 1) -> pd.DataFrame:
    """The fieldwork manager's file of every sampled person (``persons`` of a :class:`SampleDraw` after
    :func:`respond`): ``respondent_id`` (R and a number, in sample order), the design columns, frame variables
    known for everyone (``inst_sector``, ``inst_region``, ``person_group``), a contact ``email``, the date a
    questionnaire came back (``returned``) and the nonrespondents' final ``disposition`` (empty for those who
    answered: filled from the store)."""
    n = len(persons)
    said = persons["responded"].to_numpy()
    ids = pd.Series([f"R{i:05d}" for i in range(1, n + 1)], dtype="str")
    returned = pd.Series(pd.NA, index=range(n), dtype="str")
    returned[said] = return_dates(int(said.sum()), seed=seed).to_numpy()
    disposition = pd.Series(pd.NA, index=range(n), dtype="str")
    disposition[~said] = nonresponse_codes(int((~said).sum()), seed=seed + 1).to_numpy()
    return pd.DataFrame({
        "respondent_id": ids, "stratum": persons["stratum"].astype(str).to_numpy(),
        "psu": persons["psu"].to_numpy(), "fpc1": persons["fpc1"].to_numpy(), "fpc2": persons["fpc2"].to_numpy(),
        "pi1": persons["pi1"].to_numpy(), "pi2": persons["pi2"].to_numpy(),
        "pi": persons["pi"].to_numpy(), "design_weight": persons["design_weight"].to_numpy().round(6),
        "inst_sector": persons["sector"].astype(str).to_numpy(), "inst_region": persons["region"].astype(str).to_numpy(),
        "person_group": np.where(persons["role"].astype(str) == "undergraduate", "undergraduate", "researcher"),
        "email": ("r" + ids.str.slice(1) + "@example.org").to_numpy(),
        "returned": returned.to_numpy(), "disposition": disposition.to_numpy(),
    })

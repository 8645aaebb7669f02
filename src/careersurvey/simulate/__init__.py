"""Synthetic survey for demos and for checking that analyses recover a known truth.

``simulate_survey`` runs the whole fieldwork: a population on published margins (:mod:`.population`), a
stratified two-stage cluster sample of institutions and nonresponse (:mod:`.sample`), answers to every item
of the questionnaire from latent traits (:mod:`.answers`, :mod:`.stem_careers`), written into the entry
template and a KoboToolbox-style export with a few planted errors (:mod:`.fieldwork`), plus the sample
design file (stratum, PSU, fpc, design weight per respondent) that a fieldwork agency hands over.
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
from careersurvey.simulate.sample import SampleDraw, draw_sample, respond

__all__ = [
    "DEFAULT_MARGINS", "FIELDWORK_FILE", "SAMPLE_FILE", "AnswerPlan", "Driver", "LatentModel", "Margins", "Planted", "Population", "SampleDraw", "SimulatedSurvey",
    "draw_sample", "make_population", "respond", "simulate_answers", "simulate_survey",
]

SAMPLE_FILE = "sample_design.csv"
FIELDWORK_FILE = "fieldwork_summary.csv"


@dataclass(frozen=True)
class SimulatedSurvey:
    """What the simulated fieldwork produced: files, the clean answers and the truth behind them."""

    files: tuple[Path, ...]
    sample_file: Path
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
    ``sample_design.csv`` (per respondent) and ``fieldwork_summary.csv`` (invited and responded by stratum). Reproducible: the same seed gives byte-identical answers. The population is
    built on the weighting ``targets`` (``careersurvey.load_targets``) unless ``margins`` are given.
    """
    from careersurvey.simulate.stem_careers import PLAN, respondent_frame

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if margins is None:
        from careersurvey.report.build import targets_path
        from careersurvey.targets import load_targets

        margins = Margins.from_targets(load_targets(targets_path(targets)))
    pop = make_population(seed=seed, margins=margins, model=model)
    draw = respond(draw_sample(pop, n_institutions=n_institutions, take=take, seed=seed + 1), seed=seed + 2)
    resp = draw.respondents
    frame = respondent_frame(resp, seed=seed + 3)
    answers = simulate_answers(q, frame, PLAN, seed=seed + 4)
    ids = pd.Index([f"R{i:05d}" for i in range(1, len(resp) + 1)], name="respondent_id")
    answers.index = ids
    sample = pd.DataFrame({
        "respondent_id": ids, "stratum": resp["stratum"].to_numpy(), "psu": resp["psu"].to_numpy(),
        "fpc1": resp["fpc1"].to_numpy(), "fpc2": resp["fpc2"].to_numpy(),
        "design_weight": resp["design_weight"].to_numpy().round(6),
    })
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
    kobo = write_kobo_export(q, answers[online], out / f"kobo_{q.id}.csv", version=q.version, seed=seed + 7)
    persons = resp.assign(respondent_id=ids.to_numpy())
    return SimulatedSurvey(files=(entry, kobo), sample_file=sample_file, answers=answers, persons=persons,
                           planted=planted, invited=len(draw.persons), model=model, population=pop)

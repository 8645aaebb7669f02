"""The simulation answers stem-careers 1.1.0 from the latent model: every scale reliable (alpha >= .70), the pay
offers plausible (a 출연연 postdoc's best offer at home KRW 40-60 million, big tech abroad for AI researchers
KRW 500-600 million), and the own pay gap carrying the simulated effect on moving abroad."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.questionnaire.model import MISSING_CODES
from careersurvey.scales import reliability
from careersurvey.simulate.answers import simulate_answers
from careersurvey.simulate.population import DEFAULT_MARGINS, make_population
from careersurvey.simulate.sample import draw_sample, respond
from careersurvey.simulate.stem_careers import PLAN, respondent_frame


@pytest.fixture(scope="module")
def sim():
    q = cs.load_questionnaire("stem-careers@1.1.0")
    pop = make_population(seed=11, margins=DEFAULT_MARGINS)
    draw = respond(draw_sample(pop, n_institutions=300, take=12, seed=12), seed=13)
    frame = respondent_frame(draw.respondents, seed=14)
    answers = simulate_answers(q, frame, PLAN, seed=15)
    return q, answers, frame


def test_every_column_of_1_1_0_is_answered_from_its_own_codes(sim):
    q, answers, _ = sim
    assert list(answers.columns) == list(q.columns())
    for item in q.items:
        if item.choices is not None and item.type != "multiple":
            allowed = set(item.choices.codes()) | set(MISSING_CODES)
            assert set(answers[item.name].dropna().unique()) <= allowed, item.name


@pytest.mark.parametrize("scale", sorted(cs.load_questionnaire("stem-careers@1.1.0").scales))
def test_every_scale_has_alpha_of_at_least_070(sim, scale):
    q, answers, _ = sim
    rel = reliability(answers, scale, q)
    assert rel.n >= 500, f"{scale}: only {rel.n} complete answers"
    assert rel.alpha >= 0.70, f"{scale}: alpha {rel.alpha:.3f}"


def _real(s: pd.Series) -> pd.Series:
    return s.mask(s.isin(MISSING_CODES))


def test_offers_are_plausible(sim):
    _, answers, _ = sim
    x = answers.apply(_real)
    postdoc_institute = (x["role"] == 4) & (x["sector"] == 2)
    home = x.loc[postdoc_institute, "offer_domestic_pay"].dropna()
    assert len(home) >= 5 and 4_000 <= home.median() <= 6_000  # 만원: KRW 40-60 million
    ai_researcher = (x["role"] == 5) & (x["ai_work"] == 3)
    abroad = x.loc[ai_researcher, "offer_abroad_pay"].dropna()
    assert len(abroad) >= 20 and 50_000 <= abroad.median() <= 60_000  # KRW 500-600 million
    # offers only where one was received, expectations only of those considering a move
    assert x.loc[x["offer_abroad"] == 1, "offer_abroad_pay"].isna().all()
    assert (answers.loc[answers["ti_abroad_5y"].isin([1, 2]), "expect_abroad_pay"] == -9).all()
    assert (answers.loc[answers["role"] == 1, "offer_abroad"] == -9).all()  # undergraduates are not asked


def test_the_own_gap_carries_the_simulated_effect(sim):
    _, answers, frame = sim
    x = answers.apply(_real)
    gap = np.log(x["offer_abroad_pay"] / x["pay_gross"])
    known = gap.notna() & x["ti_abroad_5y"].notna()
    assert known.sum() >= 100
    assert np.corrcoef(gap[known], frame.loc[known, "pay_gap"])[0, 1] > 0.7  # the latent truth, measured
    assert np.corrcoef(gap[known], x.loc[known, "ti_abroad_5y"])[0, 1] > 0.1

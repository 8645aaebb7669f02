"""The simulation draws its sample as a fieldwork team would: from its frames of institutions and persons by
careersurvey.draw_two_stage, and writes every sampled person with inclusion probabilities, frame variables,
return dates and the nonrespondents' AAPOR codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from careersurvey.fieldwork.codes import group
from careersurvey.simulate.frames import draw_from_frames, institution_frame, person_frame, stratum_sizes
from careersurvey.simulate.outcomes import FIELD_DAYS, nonresponse_codes, return_dates
from careersurvey.simulate.population import DEFAULT_MARGINS, Margins, make_population
from careersurvey.simulate.sample import respond

SMALL = Margins(size=40_000, shares=DEFAULT_MARGINS.shares, undergraduates=8_000, abroad=2_000)


@pytest.fixture(scope="module")
def pop():
    return make_population(seed=3, margins=SMALL)


def test_frames_hold_every_institution_and_person(pop):
    inst, persons = institution_frame(pop), person_frame(pop)
    assert len(inst) == len(pop.institutions) and inst["institution"].is_unique
    assert len(persons) == len(pop.persons) and persons["person_id"].is_unique
    # the size measure is the persons on the person frame
    counts = persons.groupby("institution").size()
    np.testing.assert_array_equal(inst.set_index("institution")["size"].reindex(counts.index), counts.to_numpy())
    assert persons["person_id"].iloc[12] == "P0000012"


def test_sample_sizes_per_stratum_and_per_institution(pop):
    inst = institution_frame(pop)
    n, m = stratum_sizes(inst, 60, take=8, take_university=12)
    N = inst.groupby("stratum").size()
    assert all(2 <= n[k] <= N[k] or n[k] == N[k] for k in n)
    assert {m[k] for k in m if k.startswith("university/")} == {12} and m["sme/capital"] == 8
    draw, fw = draw_from_frames(pop, n_institutions=60, take=8, take_university=12, seed=4)
    p = draw.persons
    per = p.groupby("psu").agg(k=("person", "size"), stratum=("stratum", "first"), M=("fpc2", "first"))
    assert (per["k"] == np.minimum(per["stratum"].map(m), per["M"])).all()
    assert p.groupby("stratum")["psu"].nunique().to_dict() == {k: v for k, v in n.items() if v}
    np.testing.assert_allclose(p["pi"], p["pi1"] * p["pi2"])
    np.testing.assert_allclose(p["design_weight"], 1 / p["pi"])
    np.testing.assert_allclose(p["pi1"], p["stratum"].map(n) / p["fpc1"])
    # the persons are the population's: traits carried over by id
    rows = fw.units["person_id"].str.slice(1).astype(int)
    assert (p["age"].to_numpy() == pop.persons["age"].to_numpy()[rows]).all()


def test_design_weights_from_the_frames_estimate_the_population_size(pop):
    totals = [draw_from_frames(pop, n_institutions=60, take=8, seed=s)[0].persons["design_weight"].sum()
              for s in range(30)]
    # unbiased: within three standard errors of the mean over 30 draws
    assert abs(np.mean(totals) - len(pop.persons)) < 3 * np.std(totals, ddof=1) / np.sqrt(len(totals))


def test_outcomes_are_valid_codes_and_dates_in_the_field_period():
    codes = nonresponse_codes(5000, seed=2)
    assert codes.map(group).notna().all() and not codes.isin(["1.1", "1.2"]).any()
    assert set(codes.map(group)) == {"R", "NC", "O", "UH", "UO", "NE"}
    days = (pd.to_datetime(return_dates(5000, seed=2)) - pd.Timestamp("2026-09-01")).dt.days
    assert days.min() == 0 and days.max() <= FIELD_DAYS - 1
    # reminders bring answers back: more on day 7 than on day 6
    assert (days == 7).sum() > 2 * (days == 6).sum()


def test_the_full_sample_file(tmp_path):
    from careersurvey.questionnaire import load_questionnaire
    from careersurvey.forms.template import export_template
    from careersurvey.simulate import simulate_survey

    q = load_questionnaire("stem-careers@1.0.0")
    template = export_template(q, tmp_path / "t.xlsx", rows=400)
    sim = simulate_survey(q, template, tmp_path, seed=5, n_institutions=40, take=6, margins=SMALL)
    full = pd.read_csv(sim.full_sample_file, dtype=str)
    design = pd.read_csv(sim.sample_file, dtype=str)
    said = full["disposition"].isna()
    # respondents: no code yet (the store gives it) and a return date; the others a nonresponse code
    assert set(full.loc[said, "respondent_id"]) == set(sim.answers.index) == set(design["respondent_id"])
    assert full.loc[said, "returned"].notna().all() and full.loc[~said, "returned"].isna().all()
    assert full.loc[~said, "disposition"].map(group).notna().all()
    assert full["respondent_id"].is_unique and len(full) > len(design)
    np.testing.assert_allclose(full["pi"].astype(float), full["pi1"].astype(float) * full["pi2"].astype(float),
                               rtol=1e-8)
    assert set(full["person_group"]) == {"researcher", "undergraduate"}
    pd.testing.assert_frame_equal(full.loc[said, design.columns].reset_index(drop=True), design)
    # the online export starts on the day the questionnaire came back; forms take 12-45 minutes, a rushed few 3-7
    # (none in this small export: see the demo's): the speeding flags are the forms under 40% of the median
    from careersurvey.fieldwork.paradata import export_durations, speeding

    d = export_durations(sim.files[1])
    assert d["minutes"].between(12, 44).all()
    flagged = speeding(d)
    assert sorted(flagged["respondent_id"]) == sorted(d.loc[d["minutes"] < 0.4 * d["minutes"].median(),
                                                            "respondent_id"])
    kobo = pd.read_csv(sim.files[1], sep=";", dtype=str, encoding="utf-8-sig")
    back = full.set_index("respondent_id")["returned"]
    assert (kobo["start"].str.slice(0, 10).to_numpy() == back.reindex(kobo["respondent_id"]).to_numpy()).all()

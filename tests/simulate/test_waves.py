"""The simulated earlier wave: a panel of the later wave's respondents and people lost, attrition that depends on
the intention to leave (so the panel alone understates it and its change), fresh respondents, on stem-careers
1.0.0 then 1.1.0, through the real import into one store of two waves and the panel functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.simulate import Margins, make_population, simulate_survey
from careersurvey.simulate.population import DEFAULT_MARGINS
from careersurvey.simulate.waves import Retention, simulate_earlier_wave

SMALL = Margins(size=60_000, shares=DEFAULT_MARGINS.shares)


@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    out = tmp_path_factory.mktemp("waves")
    q10, q11 = cs.load_questionnaire("stem-careers@1.0.0"), cs.load_questionnaire("stem-careers@1.1.0")
    template = cs.export_template(q11, out / "t11.xlsx", rows=900)
    later = simulate_survey(q11, template, out / "2026", seed=5, n_institutions=80, take=8, margins=SMALL)
    population = make_population(seed=5, margins=SMALL, model=later.model)
    earlier = simulate_earlier_wave(q10, later, out / "2025", seed=5, population=population)
    store = out / "store.duckdb"
    (first,) = cs.import_responses(earlier.file, store, q10, wave="2025")
    second = cs.import_responses(list(later.files), store, q11, wave="2026")
    return later, earlier, store, first, second, population


def test_panel_lost_and_fresh(waves) -> None:
    later, earlier, *_ = waves
    p = earlier.persons
    later_ids = set(later.persons["respondent_id"])
    panel, lost = p[p["panel"]], p[~p["panel"]]
    assert set(panel["respondent_id"]) <= later_ids and not set(lost["respondent_id"]) & later_ids
    assert 0.45 < len(panel) / len(p) < 0.85 and len(later_ids - set(panel["respondent_id"])) > 0  # fresh
    assert p["person"].is_unique and p["respondent_id"].is_unique
    # the lost come from the later wave's institutions and carry their design
    assert set(lost["psu"]) <= set(later.persons["psu"]) and (lost["design_weight"] > 0).all()
    design = pd.read_csv(earlier.sample_file, dtype={"respondent_id": str, "stratum": str, "psu": str})
    assert design["respondent_id"].tolist() == p["respondent_id"].tolist()
    assert design.columns.tolist() == ["respondent_id", "stratum", "psu", "fpc1", "fpc2", "design_weight"]


def test_attrition_depends_on_the_intention_to_leave(waves) -> None:
    _, earlier, *_ = waves
    p = earlier.persons
    third = pd.qcut(p["leave_korea_lp"], 3, labels=["low", "mid", "high"])
    answered_again = p.groupby(third, observed=True)["panel"].mean()
    assert answered_again["low"] > answered_again["mid"] > answered_again["high"]
    assert answered_again["low"] - answered_again["high"] > 0.2
    # and the retention probabilities are those of the model, decreasing in the intention
    order = np.argsort(p["leave_korea_lp"].to_numpy())
    assert np.all(np.diff(p["retention"].to_numpy()[order]) <= 1e-12)


def test_waves_load_as_one_frame_and_the_naive_panel_is_biased(waves) -> None:
    later, earlier, store, first, second, _ = waves
    assert first.wave == "2025" and first.quarantined == 0 and first.accepted == len(earlier.persons)
    assert cs.ResponseStore(store).waves() == ["2025", "2026"]
    df = cs.load_responses(store, labels=False)
    assert df.groupby("wave", sort=False)["questionnaire_version"].unique().map(list).to_dict() == {
        "2025": ["1.0.0"], "2026": ["1.1.0"]}
    # 1.0.0's ti_leave_korea_5y is harmonised into 1.1.0's ti_abroad_5y; nationality was not asked in 1.0.0
    missing = cs.load_missing(store)
    early = (df["wave"] == "2025").to_numpy()
    assert df.loc[early, "ti_abroad_5y"].notna().mean() > 0.5
    assert (missing.loc[early, "nationality"] == -6).all()
    long = cs.panel_long(df, b"a key of at least sixteen bytes")
    table = cs.attrition(long)
    retained = int(table.loc[1, "retained"])
    assert table["wave"].tolist() == ["2025", "2026"] and table.loc[0, "fresh"] == len(earlier.persons)
    assert retained == len(set(earlier.panel_ids) & set(df.loc[~early, "respondent_id"]))
    assert table.loc[1, "lost"] == len(earlier.persons) - retained and table.loc[1, "fresh"] > 0
    wide = cs.panel_wide(long)
    both = (wide["in_2025"] == 1) & (wide["in_2026"] == 1)
    y25, y26 = wide["ti_abroad_5y_2025"].astype(float), wide["ti_abroad_5y_2026"].astype(float)
    # the panel understates the intention to leave at 2025, and its rise (attrition took those who rose most)
    assert y25[both].mean() < y25.mean() - 0.05
    assert (y26 - y25)[both].mean() < y26.mean() - y25.mean()
    assert y26.mean() > y25.mean()


def test_the_earlier_wave_is_reproducible(waves, tmp_path) -> None:
    later, earlier, _, _, _, population = waves
    q10 = cs.load_questionnaire("stem-careers@1.0.0")
    again = simulate_earlier_wave(q10, later, tmp_path, seed=5, population=population)
    pd.testing.assert_frame_equal(again.answers, earlier.answers)
    none = simulate_earlier_wave(q10, later, tmp_path / "all", seed=5, population=population,
                                 retention=Retention(rate=0.999, slope=0.0))
    assert none.persons["panel"].mean() > 0.98

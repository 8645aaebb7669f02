"""The synthetic population reproduces its margins and the sample's design weights are unbiased."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from careersurvey.simulate.population import DEFAULT_MARGINS, Margins, make_population
from careersurvey.simulate.sample import draw_sample, respond


@pytest.fixture(scope="module")
def pop():
    return make_population(seed=11)


def test_population_reproduces_published_margins(pop) -> None:
    everyone = pop.persons
    p = everyone[everyone["in_targets"]]
    assert len(p) == pytest.approx(DEFAULT_MARGINS.size, rel=1e-3)
    outside = everyone[~everyone["in_targets"]]
    assert (outside["role"] == "undergraduate").sum() == pytest.approx(DEFAULT_MARGINS.undergraduates, rel=0.01)
    assert (outside["sector"] == "abroad").sum() == pytest.approx(DEFAULT_MARGINS.abroad, rel=0.01)
    assert (outside.loc[outside["role"] == "undergraduate", "sector"] == "university").all()
    for var in ("sector", "sex", "region"):
        got = p[var].value_counts(normalize=True)
        for level, share in DEFAULT_MARGINS.shares[var].items():
            assert got[level] == pytest.approx(share, abs=0.02), (var, level)
    # degree is only approximately matched: raking to the targets corrects the rest
    assert p["degree"].value_counts(normalize=True)["phd"] == pytest.approx(0.207, abs=0.06)


def test_population_is_reproducible_and_seed_dependent(pop) -> None:
    small = Margins(size=20_000, shares=DEFAULT_MARGINS.shares, undergraduates=4_000, abroad=1_000)
    one, again, other = (make_population(seed=s, margins=small) for s in (5, 5, 6))
    pd.testing.assert_frame_equal(one.persons, again.persons)
    pd.testing.assert_frame_equal(one.institutions, again.institutions)
    assert not np.allclose(one.persons["stigma"].head(1000), other.persons["stigma"].head(1000))


def test_latent_truth_has_the_signs_of_the_model(pop) -> None:
    p = pop.persons.sample(50_000, random_state=0)
    lk = p["leave_korea_lp"]
    assert np.corrcoef(p["stigma"], lk)[0, 1] > 0
    assert np.corrcoef(p["deprivation"], lk)[0, 1] > 0
    assert np.corrcoef(p["autonomy"], lk)[0, 1] < 0
    assert np.corrcoef(p["safety"], p["leave_science_lp"])[0, 1] < 0
    # institutions make people alike: between-institution share of stigma variance near the icc
    between = p.groupby("institution")["stigma"].transform("mean").var() / p["stigma"].var()
    assert 0.05 < between < 0.6


def test_margins_must_add_to_one() -> None:
    with pytest.raises(ValueError, match="shares of 'sex' add to 0.9000"):
        Margins(size=10, shares={"sex": {"male": 0.5, "female": 0.4}})


def test_design_weights_estimate_the_population_size_without_bias(pop) -> None:
    totals = [draw_sample(pop, n_institutions=200, seed=s).persons["design_weight"].sum() for s in range(40)]
    # unbiased: the mean over repeated samples is near N (the SE of that mean is well under 5%)
    assert np.mean(totals) == pytest.approx(len(pop.persons), rel=0.08)
    # and within three standard errors of that mean, estimated from the 40 draws (1.5 % of N here)
    assert abs(np.mean(totals) - len(pop.persons)) < 3 * np.std(totals, ddof=1) / np.sqrt(len(totals))
    d = draw_sample(pop, n_institutions=200, seed=1)
    ug = d.persons["role"] == "undergraduate"
    assert ug.any() and (d.persons.loc[ug, "sector"] == "university").all()
    assert (d.persons[ug].groupby("psu").size() <= 6).all()
    per_stratum = d.persons.groupby("stratum")["psu"].nunique()
    assert (per_stratum >= 2).all()
    assert (d.persons["fpc1"] >= per_stratum.reindex(d.persons["stratum"]).to_numpy()).all()
    assert (d.persons[~ug].groupby("psu").size() <= 12).all()


def test_nonresponse_depends_on_covariates(pop) -> None:
    d = respond(draw_sample(pop, seed=3), seed=4)
    rate = d.persons.groupby("sector", observed=True)["responded"].mean()
    assert rate["institute"] > rate["large_firm"]
    assert 0.3 < d.persons["responded"].mean() < 0.65
    assert len(d.respondents) == d.persons["responded"].sum()


def test_margins_from_the_targets_file_match_the_published_figures() -> None:
    from careersurvey.targets import load_targets

    m = Margins.from_targets(load_targets("kr-researchers-2023"))
    assert m.size == 603_566
    for var, shares in DEFAULT_MARGINS.shares.items():
        for level, share in shares.items():
            assert m.shares[var][level] == pytest.approx(share, abs=1e-3), (var, level)

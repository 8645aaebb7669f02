"""Simulated answers respect the questionnaire (codes, ranges, routing, missing codes) and carry the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from careersurvey.expr import parse
from careersurvey.questionnaire.model import (
    Choice, ChoiceList, Grid, Item, Module, Questionnaire, Range, Scale,
)
from careersurvey.scales import reliability
from careersurvey.simulate.answers import AnswerPlan, Driver, simulate_answers


def _cl(name: str, codes) -> ChoiceList:
    return ChoiceList(name, tuple(Choice(c, {"en": f"{name}{c}"}) for c in codes))


AGREE = _cl("agree5", range(1, 6))
ROLE = _cl("role", range(1, 4))
MOTIVE = _cl("motive", range(1, 5))


def _q() -> Questionnaire:
    rows = tuple(
        Item(name=f"st_{i}", type="rating", label={"en": "x"}, module="m", choices=AGREE, scale="stigma",
             reverse=(i == 4), grid="st")
        for i in range(1, 5)
    )
    elements = (
        Item(name="role", type="single", label={"en": "role"}, module="m", choices=ROLE, required=True),
        Item(name="motives", type="multiple", label={"en": "m"}, module="m", choices=MOTIVE,
             relevance=parse("role == 1"), relevance_text="role == 1"),
        Grid(name="st", label={"en": "grid"}, items=rows, module="m", choices=AGREE,
             relevance=parse("role >= 2"), relevance_text="role >= 2"),
        Item(name="leave", type="single", label={"en": "leave"}, module="m", choices=AGREE),
        Item(name="pay", type="integer", label={"en": "pay"}, module="m", missing=(-7, -8), sensitive=True,
             range=Range(0, 2000)),
        Item(name="hours", type="decimal", label={"en": "h"}, module="m", range=Range(0, 100)),
        Item(name="comment", type="text", label={"en": "c"}, module="m"),
    )
    return Questionnaire(
        id="t", version="1.0.0", languages=("en",), title={"en": "t"},
        modules=(Module("m", {"en": "m"}, elements),),
        scales={"stigma": Scale("stigma", {"en": "s"}, items=tuple(r.name for r in rows), reverse=("st_4",))},
        choice_lists={"agree5": AGREE, "role": ROLE, "motive": MOTIVE}, missing_labels={},
    )


@pytest.fixture(scope="module")
def sim():
    rng = np.random.default_rng(0)
    n = 3000
    persons = pd.DataFrame({"role": rng.choice(["student", "postdoc", "researcher"], n),
                            "stigma": rng.standard_normal(n), "pay": rng.gamma(3, 20, n)})
    persons["leave_lp"] = -1 + 1.0 * persons["stigma"]
    plan = AnswerPlan(population={"role": ("role", {"student": 1, "postdoc": 2, "researcher": 3})},
                      numeric={"pay": "pay"},
                      drivers={"stigma": Driver("stigma", 0.8), "leave": Driver("leave_lp", logit=True)})
    return _q(), persons, plan, simulate_answers(_q(), persons, plan, seed=5)


def test_every_column_in_order_with_valid_codes(sim) -> None:
    q, persons, plan, df = sim
    assert list(df.columns) == list(q.columns())
    for name in ("st_1", "st_2", "st_3", "st_4", "leave"):
        assert set(df[name].unique()) <= {1, 2, 3, 4, 5, -9}
    assert set(np.unique(df[["motives_1", "motives_2", "motives_3", "motives_4"]])) <= {0, 1, -9}
    assert (df["role"] == persons["role"].map({"student": 1, "postdoc": 2, "researcher": 3})).all()
    real = df["hours"].between(0, 100)
    assert real.all()


def test_routing_gives_minus_nine_exactly_where_skipped(sim) -> None:
    _, _, _, df = sim
    students = df["role"] == 1
    assert (df.loc[students, "st_1"] == -9).all() and (df.loc[~students, "st_1"] != -9).all()
    m = df[[f"motives_{c}" for c in range(1, 5)]]
    assert (m[~students] == -9).all().all()
    assert (m[students].sum(axis=1) >= 1).all()  # at least one motive ticked when asked


def test_missing_codes_only_where_allowed(sim) -> None:
    _, _, _, df = sim
    assert df["pay"].isin([-7, -8]).mean() > 0.02  # sensitive: refused more often
    assert not df["hours"].isin([-7, -8]).any() and not df["leave"].isin([-7, -8, -9]).any()


def test_scale_items_carry_the_latent_and_reverse_keying(sim) -> None:
    q, persons, _, df = sim
    rel = reliability(df, "stigma", q)
    assert rel.alpha > 0.7
    assert (rel.items["r_drop"] > 0.4).all()  # st_4 correlates positively once reversed
    assert np.corrcoef(df.loc[df.st_4 > 0, "st_4"], persons.loc[df.st_4 > 0, "stigma"])[0, 1] < -0.4
    high = persons["stigma"] > 0
    assert (df.loc[high, "leave"] >= 4).mean() > (df.loc[~high, "leave"] >= 4).mean() + 0.15


def test_seeded_and_reproducible(sim) -> None:
    q, persons, plan, df = sim
    pd.testing.assert_frame_equal(df, simulate_answers(q, persons, plan, seed=5))
    assert not simulate_answers(q, persons, plan, seed=6).equals(df)


def test_plan_without_code_for_a_population_value_says_which() -> None:
    persons = pd.DataFrame({"role": ["alien"], "stigma": [0.0], "pay": [1.0], "leave_lp": [0.0]})
    plan = AnswerPlan(population={"role": ("role", {"student": 1})})
    with pytest.raises(ValueError, match="item 'role' has no code for population value 'alien'"):
        simulate_answers(_q(), persons, plan)

"""Planning: sample sizes, allocation and cluster size against PracTools 1.7.5 (tests/fixtures/r-practools),
the design-effect and fpc rules checked by hand, and plan_strata on a hand-made strata table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from careersurvey.fieldwork import FieldworkError
from careersurvey.fieldwork.planning import (allocate_strata, cluster_plan, icc_from_deff, n_mean, n_proportion,
                                             plan_strata)

R = json.loads((Path(__file__).parents[1] / "fixtures" / "r-practools" / "cases.json").read_text())


def N(v):
    return math.inf if v == "Inf" else v


@pytest.mark.parametrize("case", R["nPropMoe"])
def test_n_proportion_moe_as_npropmoe(case):
    got = n_proportion(case["pU"], moe=case["e"], N=N(case["N"]), conf=1 - case["alpha"])
    assert got == pytest.approx(case["n"], rel=1e-9)


@pytest.mark.parametrize("case", R["nProp"])
def test_n_proportion_cv_as_nprop(case):
    assert n_proportion(case["pU"], cv=case["CV0"], N=N(case["N"])) == pytest.approx(case["n"], rel=1e-9)


@pytest.mark.parametrize("case", R["nContMoe"])
def test_n_mean_moe_as_ncontmoe(case):
    got = n_mean(case["S2"], moe=case["e"], N=N(case["N"]), conf=1 - case["alpha"])
    assert got == pytest.approx(case["n"], rel=1e-9)


@pytest.mark.parametrize("case", R["nCont"])
def test_n_mean_cv_as_ncont(case):
    got = n_mean(case["S2"], cv=case["CV0"], ybar=case["ybarU"], N=N(case["N"]))
    assert got == pytest.approx(case["n"], rel=1e-9)


@pytest.mark.parametrize("case", R["strAlloc"], ids=[c["alloc"] for c in R["strAlloc"]])
def test_allocation_as_stralloc(case):
    keys = [f"s{i}" for i in range(len(case["Nh"]))]
    method = {"prop": "proportional", "neyman": "neyman", "totcost": "cost"}[case["alloc"]]
    got = allocate_strata(dict(zip(keys, case["Nh"])), case.get("n.tot"),
                          S_h=dict(zip(keys, case["Sh"])) if "Sh" in case else None,
                          cost_h=dict(zip(keys, case["ch"])) if "ch" in case else None, budget=case.get("cost"),
                          method=method)
    np.testing.assert_allclose(got["n_h"], case["nh"], rtol=1e-9)
    if method == "cost":  # the allocation spends the budget exactly
        assert float(np.sum(got["n_h"].to_numpy() * np.array(case["ch"]))) == pytest.approx(case["cost"])


@pytest.mark.parametrize("case", R["clusOpt2"])
def test_cluster_plan_as_clusopt2(case):
    got = cluster_plan(case["C1"], case["C2"], case["delta"], unit_relvar=case["unit.rv"], k=case.get("k", 1),
                       cv=case.get("CV0"), budget=case.get("tot.cost"))
    assert got["institutions"] == pytest.approx(case["m.opt"], abs=0.05)
    assert got["persons_per_institution"] == pytest.approx(case["n.opt"], abs=0.05)
    assert got["cv"] == pytest.approx(case["CV"], abs=5e-5)
    assert got["cost"] == pytest.approx(case["cost"], rel=1e-9)


def test_budget_and_cv_plans_are_the_same_design():
    a = cluster_plan(750, 100, 0.05, unit_relvar=1.3, budget=80_000)
    b = cluster_plan(750, 100, 0.05, unit_relvar=1.3, cv=a["cv"])
    assert b["cost"] == pytest.approx(80_000) and b["institutions"] == pytest.approx(a["institutions"])


def test_design_effect_and_fpc_by_hand():
    # no fpc: the design effect multiplies n; with N: Cochran's n = n0 / (1 + (n0 - 1)/N) for a proportion
    n0 = n_proportion(0.5, moe=0.05)
    assert n0 == pytest.approx(1.959963984540054 ** 2 * 0.25 / 0.0025)
    assert n_proportion(0.5, moe=0.05, deff=2.0) == pytest.approx(2 * n0)
    n_inflated = 2 * n0
    assert n_proportion(0.5, moe=0.05, N=1000, deff=2.0) == pytest.approx(n_inflated / (1 + (n_inflated - 1) / 1000))
    assert icc_from_deff(2.1, 12) == pytest.approx(0.1)


def test_plan_strata_from_observed_deff_and_response_rates():
    t = pd.DataFrame({"stratum": ["01", "02", "03"], "N": [5000, 300, 40], "p": [0.5, 0.3, 0.5],
                      "deff": [1.8, 1.2, 1.0], "response_rate": [0.45, 0.6, 0.5]})
    plan = plan_strata(t, moe=0.05).set_index("stratum")
    for k, row in t.set_index("stratum").iterrows():
        n = n_proportion(row["p"], moe=0.05, N=row["N"], deff=row["deff"])
        assert plan.loc[k, "completes"] == math.ceil(n)
        assert plan.loc[k, "sample"] == min(math.ceil(math.ceil(n) / row["response_rate"]), row["N"])
    assert plan.loc["03", "take_all"] and not plan.loc["01", "take_all"]


def test_plan_strata_errors_name_row_and_column():
    t = pd.DataFrame({"stratum": ["a", "b"], "N": [100, 200], "p": [0.5, 1.5], "deff": [1, 1],
                      "response_rate": [0.5, 0.5]})
    with pytest.raises(FieldworkError) as err:
        plan_strata(t, moe=0.05, source="strata.csv")
    assert str(err.value) == "strata.csv, index 1, column p: p = 1.5; it must be between 0 and 1"
    with pytest.raises(FieldworkError, match="give exactly one target"):
        plan_strata(t, moe=0.05, cv=0.1)
    with pytest.raises(FieldworkError, match="no column 'deff'"):
        plan_strata(t.drop(columns="deff"), cv=0.1)


def test_planning_inputs_from_this_waves_design_and_rates():
    import careersurvey as cs

    rng = np.random.default_rng(12)
    n = 400
    psu = rng.integers(0, 12, n)
    stratum = np.where(psu < 6, "01", "02")
    cluster_effect = rng.normal(0, 1, 12)[psu]
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.2 + cluster_effect)))).astype(float)
    resp = pd.DataFrame({"stratum": stratum, "psu": psu.astype(str), "y": y, "w": rng.uniform(5, 20, n)})
    d = cs.SurveyDesign(resp, weights="w", strata="stratum", psu="psu")
    cases = pd.DataFrame({"stratum": ["01"] * 5 + ["02"] * 4,
                          "disposition": ["1.1", "1.1", "2.11", "3.19", "4.1", "1.1", "1.2", "2.26", "2.26"]})
    rates = cs.response_rates(cases, by="stratum")
    got = cs.planning_inputs(d, "y", "stratum", {"01": 9000, "02": 4000}, rates).set_index("stratum")
    est = d.mean("y", by="stratum")
    np.testing.assert_allclose(got["p"], est["estimate"].to_numpy(float))
    np.testing.assert_allclose(got["deff"], est["deff"].to_numpy(float))
    assert got["response_rate"].to_dict() == pytest.approx({"01": 2 / 4, "02": 2 / 4})
    assert got["deff"].max() > 1.5  # the clusters make themselves felt
    plan = plan_strata(got.reset_index(), moe=0.05).set_index("stratum")
    assert plan.loc["01", "completes"] == math.ceil(n_proportion(got.loc["01", "p"], moe=0.05, N=9000,
                                                                 deff=got.loc["01", "deff"]))
    with pytest.raises(FieldworkError, match=r"N is missing for strata '02'"):
        cs.planning_inputs(d, "y", "stratum", {"01": 9000}, response_rate=0.5)

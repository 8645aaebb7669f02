"""quantile, var and ttest with ``by=`` on replicate designs: each domain a design over its own rows and their
replicate weights (sorted by domain once, then slices), not the full design with an (n, R) copy per domain;
equal to the per-domain subset path (R's svyby) to 1e-12 on JK1, JKn, bootstrap, raked and domain designs,
with missing answers (na_rm and not), a text by variable with gaps and two by variables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.estimation import domains as domains_module


@pytest.fixture(scope="module")
def designs() -> dict[str, cs.SurveyDesign]:
    rng = np.random.default_rng(11)
    n = 360
    psu = np.repeat(np.arange(36), 10)
    df = pd.DataFrame({
        "stratum": psu // 4, "psu": psu, "w": rng.uniform(20, 80, n),
        "hours": rng.normal(38, 6, n).round(1), "salary": rng.lognormal(10, 0.4, n),
        "region": rng.choice(["north", "south", "east"], n), "sex": rng.choice(["f", "m"], n),
        "sector": pd.Series(rng.choice(["academia", "industry", "public", None], n, p=[0.4, 0.3, 0.2, 0.1])),
        "mentor": rng.choice([0.0, 1.0], n),
    })
    df.loc[rng.uniform(size=n) < 0.08, "salary"] = np.nan
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {"jkn": d.replicate("JKn"), "jk1": cs.SurveyDesign(df, weights="w", psu="psu").replicate("JK1"),
                "bootstrap": d.replicate("bootstrap", replicates=20, seed=5),
                "raked-jkn": d.replicate("JKn").rake({"sex": {"f": 9000, "m": 9500}}),
                "jkn-domain": d.replicate("JKn").subset("hours > 32")}


CALLS = {
    "quantile": lambda d, by: d.quantile("hours", [0.25, 0.5], by=by),
    "quantile replicate interval": lambda d, by: d.quantile("hours", 0.5, by=by, interval_type="quantile"),
    "quantile na_rm": lambda d, by: d.quantile(["salary", "hours"], [0.1, 0.9], by=by, na_rm=True),
    "quantile missing": lambda d, by: d.quantile("salary", 0.5, by=by),
    "var": lambda d, by: d.var("hours", by=by),
    "covariance na_rm": lambda d, by: d.var(["salary", "hours"], by=by, na_rm=True),
    "ttest one sample": lambda d, by: d.ttest("hours ~ 1", by=by),
    "ttest two groups": lambda d, by: d.ttest("hours ~ mentor", by=by),
}


@pytest.mark.parametrize("kind", ["jkn", "jk1", "bootstrap", "raked-jkn", "jkn-domain"])
@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
@pytest.mark.parametrize("by", [["sector"], ["region", "sex"]], ids=["sector", "region+sex"])
def test_sliced_domains_equal_the_subset_path(designs, kind, call, by, monkeypatch):
    d = designs[kind]
    with monkeypatch.context() as m:  # the old path: every domain a subset of the full design
        m.setattr(domains_module, "domain_slices",
                  lambda design, dom: (design.subset(dom.code == g) for g in range(dom.n)))
        slow = CALLS[call](d, by)
    handed = []
    real = domains_module.domain_slices

    def spy(design, dom):
        for g, part in enumerate(real(design, dom)):
            handed.append((len(part), int((dom.code == g).sum()), part.domain is None))
            yield part

    monkeypatch.setattr(domains_module, "domain_slices", spy)
    fast = CALLS[call](d, by)
    assert handed and all(rows == inside and whole for rows, inside, whole in handed)  # each: its rows only
    pd.testing.assert_frame_equal(pd.DataFrame(fast), pd.DataFrame(slow), check_exact=False, rtol=1e-12,
                                  atol=1e-12)


def test_linearised_designs_keep_the_subset_path(designs, monkeypatch):
    """Without replicate weights a domain's variance needs every row: no slices."""
    d = cs.SurveyDesign(designs["jkn"].data, weights="w", strata="stratum", psu="psu")

    def refuse(design, dom):
        raise AssertionError("sliced a linearised design")

    monkeypatch.setattr(domains_module, "domain_slices", refuse)
    out = d.quantile("hours", 0.5, by="region")
    one = d.subset(d.data["region"].eq("east").to_numpy()).quantile("hours", 0.5)
    np.testing.assert_allclose(out.loc["east", ["estimate", "se"]].to_numpy(float),
                               one[["estimate", "se"]].to_numpy(float)[0], rtol=1e-12)

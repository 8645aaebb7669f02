"""mean/total/ratio(by=) on weighted designs: every domain's calibration residuals from grouped sums
(:mod:`careersurvey.estimation.residualised`), never the dense (n, domains x k) matrix, and equal to the
dense residualisation (the old path) to 1e-12 and to one estimate per domain over the full design (R's svyby)
after post-stratification, raking, linear/raking/logit calibration, estimated targets, nonresponse classes,
trimming and chains of them; on data with missing answers, a text by variable with gaps and two by variables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import careersurvey as cs
from careersurvey.estimation import domains as domains_module
from careersurvey.estimation.domains import GroupedDeviations


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """10 strata of 4 PSUs of 12 rows; salary missing for some rows, sector a text column with gaps."""
    rng = np.random.default_rng(7)
    n = 480
    psu = np.repeat(np.arange(40), 12)
    df = pd.DataFrame({
        "stratum": psu // 4, "psu": psu, "w": rng.uniform(20, 80, n),
        "hours": rng.normal(38, 6, n), "salary": rng.lognormal(10, 0.4, n),
        "age": rng.uniform(25, 60, n).round(),
        "region": rng.choice(["north", "south", "east"], n),
        "sex": rng.choice(["f", "m"], n),
        "sector": pd.Series(rng.choice(["academia", "industry", "public", None], n, p=[0.4, 0.3, 0.2, 0.1])),
        "field": pd.Categorical(rng.choice(["bio", "chem", "phys"], n)),
        "responded": rng.uniform(size=n) < 0.85,
    })
    df.loc[rng.uniform(size=n) < 0.08, "salary"] = np.nan
    return df


def _designs(df: pd.DataFrame) -> dict[str, cs.SurveyDesign]:
    d = cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    sex = {"f": 12000, "m": 13000}
    region = {"north": 8000, "south": 9000, "east": 8000}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "poststratified": d.poststratify("region", region),
            "raked": d.rake({"region": region, "sex": sex}),
            "linear": d.calibrate({"region": region, "age": 25000 * 42.0}),
            "raking": d.calibrate({"region": region, "sex": sex}, method="raking"),
            "logit": d.calibrate({"region": region, "age": 25000 * 42.0}, method="logit", bounds=(0.5, 2.0)),
            "estimated targets": d.calibrate({"region": region, "age": 25000 * 42.0},
                                             target_se={"age": 20000.0, "region": {"north": 300}}),
            "nonresponse": d.adjust_nonresponse(df["responded"], classes="region"),
            "nonresponse, then raked": d.adjust_nonresponse(df["responded"], classes="sex").rake(
                {"region": region}),
            "raked, trimmed, post-stratified": d.rake({"region": region, "sex": sex}).trim(upper=75).poststratify(
                "sex", sex),
            "raked domain": d.rake({"region": region, "sex": sex}).subset("hours > 32"),
        }


CALLS = {
    "mean": lambda d, by: d.mean(["hours", "field"], by=by),
    "mean na_rm": lambda d, by: d.mean(["salary", "hours"], by=by, na_rm=True),
    "total": lambda d, by: d.total(["salary", "field"], by=by, na_rm=True),
    "ratio": lambda d, by: d.ratio(["salary", "hours"], ["age"], by=by, na_rm=True),
    "covmat": lambda d, by: d.mean(["hours", "age"], by=by, covmat=True),
}
KINDS = ["poststratified", "raked", "linear", "raking", "logit", "estimated targets", "nonresponse",
         "nonresponse, then raked", "raked, trimmed, post-stratified", "raked domain"]


@pytest.fixture(scope="module")
def designs(frame) -> dict[str, cs.SurveyDesign]:
    return _designs(frame)


def _no_dense(monkeypatch) -> None:
    def refuse(self):
        raise AssertionError("the grouped influence values were made dense")

    monkeypatch.setattr(GroupedDeviations, "dense", refuse)


def _compare(fast: pd.DataFrame, slow: pd.DataFrame, rtol: float) -> None:
    pd.testing.assert_index_equal(fast.index, slow.index)
    for col in ("estimate", "se"):
        np.testing.assert_allclose(fast[col].to_numpy(float), slow[col].to_numpy(float), rtol=rtol, atol=0)
    if "vcov" in slow.attrs:
        np.testing.assert_allclose(fast.attrs["vcov"], slow.attrs["vcov"], rtol=rtol, atol=1e-12 * np.abs(
            slow.attrs["vcov"]).max())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
@pytest.mark.parametrize("by", [["sector"], ["region", "sex"]], ids=["sector", "region+sex"])
def test_residuals_from_grouped_sums_equal_the_dense_residuals(designs, kind, call, by, monkeypatch):
    d = designs[kind]
    with monkeypatch.context() as m:  # the old path: every domain's columns residualised densely
        m.setattr(domains_module, "residualise", lambda z, adjustments: None)
        slow = CALLS[call](d, by)
    with monkeypatch.context() as m:
        _no_dense(m)
        fast = CALLS[call](d, by)
    _compare(fast, slow, 1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_grouped_calibrated_by_equals_one_estimate_per_domain(designs, kind, monkeypatch):
    d = designs[kind]
    _no_dense(monkeypatch)
    fast = d.mean(["salary", "hours"], by="region", na_rm=True)
    monkeypatch.undo()
    data = d.data
    for level in ["east", "north", "south"]:
        one = d.subset((data["region"] == level).to_numpy()).mean(["salary", "hours"], na_rm=True)
        np.testing.assert_allclose(fast.loc[level][["estimate", "se"]].to_numpy(float),
                                   one[["estimate", "se"]].to_numpy(float), rtol=1e-10)


def test_estimated_targets_add_their_variance_per_domain(designs):
    """The targets' own variance reaches every domain: SEs above those of the same calibration to known
    targets."""
    known = designs["linear"].mean("hours", by="sector")
    estimated = designs["estimated targets"].mean("hours", by="sector")
    np.testing.assert_allclose(known["estimate"], estimated["estimate"], rtol=1e-12)
    assert (estimated["se"].to_numpy() > known["se"].to_numpy() * (1 + 1e-6)).all()


def test_a_step_without_a_linear_form_is_residualised_densely(designs, monkeypatch):
    """An adjustment type the grouped path does not know goes the dense way (and still gives the numbers)."""

    class Opaque:
        def __init__(self, step):
            self.step = step

        def residualize(self, z):
            return self.step.residualize(z)

    d = designs["raked"]
    expected = d.mean("hours", by="sector")
    opaque = d.evolve(adjustments=tuple(Opaque(a) for a in d.adjustments))
    _no_dense(monkeypatch)
    with pytest.raises(AssertionError, match="made dense"):
        opaque.mean("hours", by="sector")
    monkeypatch.undo()
    _compare(opaque.mean("hours", by="sector"), expected, 1e-12)

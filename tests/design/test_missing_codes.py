"""Declared missing codes: every estimator and weighting step refuses a column that still holds one, naming
the column, the codes with their counts and the fix; conditions treat them as missing answers; the same
data with the codes made NA give the numbers of the real answers alone."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from strategies import conditions, survey_frames

import careersurvey as cs
from careersurvey.expr import evaluate
from careersurvey.estimation.codes import MissingCodeError
from careersurvey.estimation.design import DesignError

CODES = (-6, -7, -8, -9)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """40 respondents in 2 strata x 4 PSUs; salary has 3 refusals (-7) and 5 not-applicable (-9),
    ``sector`` 2 refusals, ``leave`` (0/1) 4 don't-knows (-8)."""
    rng = np.random.default_rng(12)
    n = 40
    df = pd.DataFrame({
        "stratum": np.repeat(["a", "b"], n // 2),
        "psu": np.repeat(np.arange(8), n // 8),
        "w": rng.uniform(5, 15, n).round(2),
        "salary": rng.integers(3000, 9000, n).astype(float),
        "hours": rng.integers(30, 60, n).astype(float),
        "sector": rng.integers(1, 4, n),
        "leave": rng.integers(0, 2, n),
        "level": rng.integers(1, 4, n),
    })
    df.loc[[1, 9, 22], "salary"] = -7
    df.loc[[3, 4, 15, 30, 31], "salary"] = -9
    df.loc[[5, 25], "sector"] = -7
    df.loc[[2, 12, 27, 33], "leave"] = -8
    return df


def design(df: pd.DataFrame, **kw) -> cs.SurveyDesign:
    return cs.SurveyDesign(df, weights="w", strata="stratum", psu="psu", **kw)


def as_na(df: pd.DataFrame) -> pd.DataFrame:
    """The codes replaced by NA, as cs.load_responses gives them."""
    out = df.copy()
    for c in ("salary", "sector", "leave"):
        out[c] = out[c].astype("Float64").mask(out[c].isin(CODES))
    return out


SALARY = ("'salary' holds the missing codes -7 (3 rows), -9 (5 rows), which the design declares missing "
          "(missing_codes=(-6, -7, -8, -9)); they are not answers, and an estimate would take them for numbers. "
          "Load the data with cs.load_responses (every missing code becomes NA), or replace the codes by NA first: "
          "df['salary'] = df['salary'].mask(df['salary'].isin([-6, -7, -8, -9]))")

CALLS = {
    "mean": (lambda d: d.mean("salary"), "variable " + SALARY + "; then na_rm=True leaves those rows out"),
    "mean na_rm": (lambda d: d.mean("salary", na_rm=True), "variable " + SALARY),
    "total": (lambda d: d.total(["hours", "salary"]), "variable " + SALARY),
    "ratio": (lambda d: d.ratio("salary", "hours"), "variable " + SALARY),
    "quantile": (lambda d: d.quantile("salary", [0.5]), "variable " + SALARY),
    "mean by": (lambda d: d.mean("salary", by="stratum"),  # each domain names the codes in its own rows
                "variable 'salary' holds the missing codes -7 (2 rows), -9 (3 rows)"),
    "by variable": (lambda d: d.mean("hours", by="sector"), "by variable 'sector' holds the missing codes -7 (2 rows)"),
    "proportion by": (lambda d: d.proportion("leave", by="stratum"), "variable 'leave' holds the missing codes -8 "),
    "categorical": (lambda d: d.mean(pd.Series(["sector"]).iloc[0]), "variable 'sector' holds the missing codes -7"),
    "chisq": (lambda d: d.chisq("sector", "stratum"), "chisq() variable 'sector' holds the missing codes -7 (2 rows)"),
    "glm": (lambda d: d.glm("hours ~ salary"), "model variable " + SALARY),
    "glm I()": (lambda d: d.glm("I(salary / 1000) ~ hours"), "model variable " + SALARY),
    "binomial": (lambda d: d.glm("leave ~ hours", family="binomial"), "model variable 'leave' holds the missing codes -8"),
    "ordinal": (lambda d: d.ordinal("level ~ salary"), "model variable " + SALARY),
    "rake": (lambda d: d.rake({"sector": {1: 100, 2: 100, 3: 100}}), "margin 'sector' holds the missing codes -7 (2 rows)"),
    "poststratify": (lambda d: d.poststratify("sector", {1: 100, 2: 100, 3: 100}),
                     "margin 'sector' holds the missing codes -7 (2 rows)"),
    "calibrate": (lambda d: d.calibrate({"salary": 2.0e6}), "margin " + SALARY),
    "nonresponse classes": (lambda d: d.adjust_nonresponse(np.ones(40, dtype=bool), classes="sector"),
                            "weighting class 'sector' holds the missing codes -7 (2 rows)"),
    "nonresponse propensity": (lambda d: d.adjust_nonresponse(np.ones(40, dtype=bool), propensity="hours + salary"),
                               "propensity covariate " + SALARY),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_every_estimator_refuses_declared_codes(frame, name):
    call, message = CALLS[name]
    with pytest.raises(MissingCodeError, match=re.escape(message)):
        call(design(frame, missing_codes=CODES))


@pytest.mark.parametrize("name", list(CALLS))
def test_the_same_data_with_na_are_estimated(frame, name):
    """The fix the message gives works: with the codes as NA every call runs (models and na_rm drop rows)."""
    call, _ = CALLS[name]
    d = design(as_na(frame).assign(sector=lambda x: x["sector"].fillna(1)), missing_codes=CODES)
    if name in ("mean", "total", "ratio", "quantile", "mean by", "proportion by", "categorical"):
        return  # without na_rm a missing value gives NaN, as in R; the na_rm case is checked below
    if name in ("calibrate", "nonresponse propensity"):  # no silent dropping: the step asks for the rows to go
        with pytest.raises(cs.WeightingError, match="salary"):
            call(d)
        return
    call(d)


def test_na_rm_gives_the_mean_of_the_real_answers(frame):
    real = frame[~frame["salary"].isin(CODES)]
    expected = np.average(real["salary"], weights=real["w"])
    got = design(as_na(frame), missing_codes=CODES).mean("salary", na_rm=True).loc["salary", "estimate"]
    assert got == pytest.approx(expected, rel=1e-12)
    share = frame[~frame["leave"].isin(CODES)]
    p = design(as_na(frame), missing_codes=CODES).proportion("leave", by="stratum", na_rm=True)["estimate"]
    for s, group in share.groupby("stratum"):
        assert p[s] == pytest.approx(np.average(group["leave"], weights=group["w"]), rel=1e-12)


def test_codes_outside_the_domain_do_not_matter(frame):
    d = design(frame, missing_codes=CODES).subset("salary > 0")
    real = frame[frame["salary"] > 0]
    assert d.mean("salary").loc["salary", "estimate"] == pytest.approx(np.average(real["salary"], weights=real["w"]))


def test_codes_are_kept_through_every_step(frame):
    d = design(frame.assign(sector=frame["sector"].abs()), missing_codes=CODES)
    steps = [d.rake({"sector": {1: 100, 2: 100, 7: 100, 3: 100}}), d.trim(upper=14), d.subset("hours > 35"),
             d.replicate("JKn"), d.evolve(lonely_psu="adjust")]
    for step in steps:
        assert step.missing_codes == (-6, -7, -8, -9)
        with pytest.raises(MissingCodeError, match="variable 'salary' holds the missing codes -7"):
            step.mean("salary")
    assert "missing codes: -6, -7, -8, -9 (refused by every estimate)" in repr(d)


def test_subset_reads_the_design_codes_as_missing_answers(frame):
    """survey/FORMAT.md: every comparison that reads a missing answer is false, so 'salary < 0' selects none."""
    assert not design(frame, missing_codes=CODES).subset("salary < 0").domain.any()
    assert design(frame, missing_codes=CODES).subset("not salary >= 0").domain.sum() == 8  # 'not' negates
    assert design(frame, missing_codes=CODES).subset("missing(salary)").domain.sum() == 8
    # undeclared, the codes are numbers like any other (a design on data that has no missing codes)
    assert design(frame).subset("salary < 0").domain.sum() == 8


def test_without_declared_codes_nothing_is_checked(frame):
    assert np.isfinite(design(frame).mean("salary").loc["salary", "estimate"])


def test_missing_codes_must_be_whole_numbers(frame):
    with pytest.raises(DesignError, match=r"missing_codes must be whole numbers such as -6, -7, -8, -9 \(got 'x'\)"):
        design(frame, missing_codes=("x",))


def test_proportion_of_a_coded_column_never_advises_a_wald_mean_first(frame):
    """Undeclared codes in a 0/1 column: the message says they look like missing codes and how to make them
    NA; it no longer sends the user to ci='wald' (a mean of the codes, another wrong number)."""
    with pytest.raises(cs.EstimateError) as err:
        design(frame).proportion("leave", by="stratum")
    text = str(err.value)
    assert text.startswith("proportion() (logit intervals) needs a 0/1 or categorical variable; 'leave' also "
                           "holds -8 (")
    assert "If these are missing codes, they are not answers: load the data with cs.load_responses" in text
    assert "missing_codes=(-6, -7, -8, -9)" in text and "ci='wald'" not in text
    with pytest.raises(cs.EstimateError, match="'hours' also holds [23] \\(") as err:
        design(frame.assign(hours=frame["hours"] % 4)).proportion("hours")
    assert "missing codes" not in str(err.value)


@settings(max_examples=100)
@given(tree=conditions, df=survey_frames().filter(lambda f: len(f) >= 2))  # a design needs two PSUs
def test_subset_on_codes_equals_subset_on_na(tree, df):
    """A domain written as a condition is the same on the codes (declared on the design) as on the frame
    with every code NA (as load_responses gives it, no codes declared), and equals evaluate()'s mask."""
    coded = cs.SurveyDesign(df.assign(w=1.0), weights="w", missing_codes=CODES).subset(str(tree)).domain
    na = df.mask(df.isin(CODES) | df.isin([str(c) for c in CODES]))
    plain = cs.SurveyDesign(na.assign(w=1.0), weights="w").subset(str(tree)).domain
    assert coded.tolist() == plain.tolist() == evaluate(tree, df, missing_codes=CODES).tolist()


def test_a_one_row_design_says_so():
    with pytest.raises(DesignError, match=r"^the data have one row, which is the only primary sampling unit "
                                          r"\(psu=None makes each row its own\); variances need at least two PSUs\.$"):
        cs.SurveyDesign(pd.DataFrame({"y": [1.0]}))

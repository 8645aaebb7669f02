"""The report's generic sections on a second questionnaire (the alumni survey of conftest.py: missing codes -7
and -8, a design file with strata, PSUs, fpc and raking inside a scope that leaves one job out), each number
checked against a computation of its own from the raw answers and the design's weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

import careersurvey as cs
from careersurvey.report import generic


@pytest.fixture(scope="module")
def study(alumni):
    import os

    old = os.environ.get("CAREERSURVEY_SURVEY_DIR")
    os.environ["CAREERSURVEY_SURVEY_DIR"] = str(alumni["questionnaire"].parent.parent)
    try:
        yield cs.generic_study(alumni["store"], cs.load_design_file(alumni["design"]))
    finally:
        os.environ.pop("CAREERSURVEY_SURVEY_DIR") if old is None else os.environ.update(CAREERSURVEY_SURVEY_DIR=old)


@pytest.fixture(scope="module")
def raw(alumni, study) -> pd.DataFrame:
    """The answers as written to the CSV (codes and missing codes), with the study's weights, in scope."""
    answers = pd.read_csv(alumni["answers"] if "answers" in alumni else alumni["store"].with_name("answers.csv"),
                          dtype={"respondent_id": str})
    d = study.design
    w = pd.Series(d.weights.to_numpy(), index=d.data["respondent_id"])
    inside = pd.Series(d.domain, index=d.data["respondent_id"])
    answers = answers.set_index("respondent_id")
    answers["w"] = w
    return answers[inside.reindex(answers.index).to_numpy()]


def test_frequency_table_weighted_shares_counts_and_order(study, raw) -> None:
    q = study.questionnaire
    t = generic.frequency_table(study, q.item("job"))
    f = t.frame
    assert list(f.index) == ["Academia", "Industry", "Government"]  # questionnaire order, a level nobody here chose
    answered = raw[raw["job"] > 0]
    assert f["n"].tolist() == [int((answered["job"] == c).sum()) for c in (1, 2, 3)]
    share = answered.groupby("job")["w"].sum() / answered["w"].sum()
    np.testing.assert_allclose(f["estimate"].to_numpy()[:2], share.reindex([1, 2]).to_numpy(), rtol=1e-12)
    assert f.loc["Government", "estimate"] == 0 and np.isnan(f.loc["Government", "ci_low"])
    assert ((f["ci_low"] < f["estimate"]) & (f["estimate"] < f["ci_high"]))[:2].all() and (f["deff"][:2] > 0).all()
    assert t.percent is True and t.caption.startswith(f"{len(answered):,} answered;")
    # a rating item with a missing code (-8): left out of the shares, counted in the nonresponse table
    h = generic.frequency_table(study, q.item("happy1")).frame
    ok = raw[raw["happy1"] > 0]
    np.testing.assert_allclose(h["estimate"], (ok.groupby("happy1")["w"].sum() / ok["w"].sum()).to_numpy(),
                               rtol=1e-12)


def test_item_nonresponse_by_missing_code(study, raw) -> None:
    q = study.questionnaire
    items = [q.item(n) for n in ("sex", "pay", "happy1")]
    f = generic.nonresponse_table(study, items).frame
    for name in ("sex", "pay", "happy1"):
        for code in (-7, -8):
            column = next(c for c in f.columns if c.startswith(f"{code} "))
            assert f.loc[name, column] == int((raw[name] == code).sum()), (name, code)
        assert f.loc[name, "answered"] == int((raw[name] >= 0).sum())
        miss = raw[name] < 0
        assert f.loc[name, "nonresponse"] == pytest.approx(raw.loc[miss, "w"].sum() / raw["w"].sum(), rel=1e-12)
    assert f.loc["pay", next(c for c in f.columns if c.startswith("-8 "))] > 0  # the fixture holds both codes


def test_numeric_summary_mean_and_quartiles(study, raw) -> None:
    q = study.questionnaire
    f = generic.numeric_table(study, [q.item("pay"), q.item("year")]).frame
    pay = raw[raw["pay"] >= 0]
    row = f.loc["pay: Pay"]
    assert row["n"] == len(pay)
    assert row["estimate"] == pytest.approx(np.average(pay["pay"], weights=pay["w"]), rel=1e-12)
    # quartiles as R's svyquantile (qrule "math"): the smallest value whose weighted share reaches p
    order = pay.sort_values("pay")
    cum = order["w"].cumsum() / order["w"].sum()
    for p, col in ((0.25, "p25"), (0.5, "median"), (0.75, "p75")):
        assert row[col] == order["pay"].to_numpy()[np.searchsorted(cum.to_numpy(), p - 1e-12)]
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    ref = study.design.quantile("pay", [0.5], na_rm=True).iloc[0]  # the median's Woodruff interval
    assert (row["median_ci_low"], row["median_ci_high"]) == (ref["ci_low"], ref["ci_high"])
    assert row["median_ci_low"] <= row["median"] <= row["median_ci_high"]
    # every interval as one column, the median's too, in both languages
    for lang, heading in (("en", "95% CI of Median"), ("ko", "중앙값의 95% 신뢰구간")):
        lay = generic.numeric_table(study, [q.item("pay"), q.item("year")], lang).layout(lang)
        cis = [c for c in lay.columns if c.kind == "ci"]
        assert [c.label for c in cis][1:] == [heading] and len(cis) == 2
        assert cis[1].cell(0) == f"{ref['ci_low']:,.2f}–{ref['ci_high']:,.2f}"
        assert not [c.key for c in lay.columns if c.kind != "ci" and ("low" in c.key or "high" in c.key)]


def test_crosstabs_with_rao_scott_tests(study, raw) -> None:
    sec = generic.crosstab_section(study, ["sex"])
    tests = next(t for t in sec.tables if t.name == "tests_sex").frame
    assert list(tests.index) == ["job", "happy1", "happy2", "happy3"]
    d = study.design
    # job: the scope (job != 3) leaves Government empty; the section tests the levels answered (R: droplevels),
    # where the plain code column's empty row gives no statistic
    assert 0 < tests.loc["job", "p_value"] < 1 and tests.loc["job", "ndf"] == pytest.approx(1.0)
    for item in ("happy1", "happy2"):  # the same test on the plain code columns, as a user would write it
        both = d.subset((d.data[item].notna() & d.data["sex"].notna()).to_numpy())
        ref = both.chisq(item, "sex")
        assert tests.loc[item, "p_value"] == pytest.approx(ref.p_value, rel=1e-9)
        assert tests.loc[item, "statistic"] == pytest.approx(ref.statistic, rel=1e-9)
    cross = next(t for t in sec.tables if t.name == "by_sex_job").frame
    assert list(cross.index) == [("Man", "Academia"), ("Man", "Industry"), ("Woman", "Academia"),
                                 ("Woman", "Industry")]
    men = raw[(raw["sex"] == 1) & (raw["job"] > 0)]
    assert cross.loc[("Man", "Academia"), "n"] == int((men["job"] == 1).sum())
    assert cross.loc[("Man", "Academia"), "estimate"] == pytest.approx(
        men.loc[men["job"] == 1, "w"].sum() / men["w"].sum(), rel=1e-12)
    with pytest.raises(generic.GenericError, match=r"--by pay: not a single or rating item of alumni@1.0.0"):
        generic.crosstab_section(study, ["pay"])


def test_scales_weighted_alpha_beside_unweighted(study) -> None:
    sec = generic.scales_section(study)
    rel = next(t for t in sec.tables if t.name == "reliability").frame.loc["Job satisfaction"]
    full = study.full
    items = full.data[["happy1", "happy2", "happy3"]]
    keep = items.notna().all(axis=1).to_numpy()
    x, w = items.to_numpy(float)[keep], full.weights.to_numpy()[keep]
    cov = np.cov(x, rowvar=False, aweights=w)  # numpy's weighted covariance, independently of the package
    k = x.shape[1]
    assert rel["weighted_alpha"] == pytest.approx(k / (k - 1) * (1 - np.trace(cov) / cov.sum()), rel=1e-10)
    assert rel["alpha"] == pytest.approx(pg.cronbach_alpha(pd.DataFrame(x))[0], rel=1e-10)
    assert rel["n"] == keep.sum()
    score = next(t for t in sec.tables if t.name == "scale_scores").frame.loc["Job satisfaction"]
    d = study.design
    s = d.data["happy__score"][d.domain]
    assert score["estimate"] == pytest.approx(np.average(s.dropna(), weights=d.weights[d.domain][s.notna()]),
                                              rel=1e-12)


def test_codebook_and_item_sections(study) -> None:
    q = study.questionnaire
    book = generic.codebook_section(study).tables[0].frame
    assert list(book.index) == list(q.columns())
    assert book.loc["job"].astype(str).str.contains("1 = Academia; 2 = Industry; 3 = Government").any()
    (items,) = generic.item_sections(study)
    names = [t.name for t in items.tables]
    assert names == ["freq_sex", "freq_job", "freq_happy1", "freq_happy2", "freq_happy3", "numeric",
                     "item_nonresponse"]

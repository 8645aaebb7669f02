"""The stem-careers plug-ins' shared helpers (stem_careers/common.py): derived variables, model tables, margins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from careersurvey.designfile.build import impute_margins
from stem_careers import common


@pytest.fixture(scope="module")
def q():
    import careersurvey as cs

    return cs.load_questionnaire("stem-careers@1.1.0")


def _frame(q, **values) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    df = pd.DataFrame({c: np.full(n, -9.0) for c in q.columns()})
    for k, v in values.items():
        df[k] = v
    return df


def test_derive_codes_intentions_own_pay_gap_and_top_box(q) -> None:
    df = _frame(q, role=[5, 5, 2, 1], sector=[3, 1, 1, 1], ti_abroad_5y=[5, 3, -9, 4],
                ti_leave_science=[4, 1, 2, -7], pay_gross=[5500, -7, 3000, -9], pay_gross_band=[-9, 3, -9, -9],
                offer_abroad_pay=[55000, -9, -9, -9], expect_abroad_pay=[-9, 30000, 9000, -9],
                offer_domestic_pay=[6000, -9, -7, -9], offer_abroad=[2, 1, 1, -9],
                med_would=[1, 2, 4, 5], pay_system=[1, 2, -9, -9], sex=[1, 2, -7, 2], hs_rank=[1, 3, 6, 5])
    out = common.derive(df, q)
    assert not hasattr(common, "BIG_TECH_OFFER")  # no constant: every gap is the respondent's own
    assert out["leave_korea"].tolist()[:2] == [1.0, 0.0] and np.isnan(out["leave_korea"][2])
    assert out["leave_korea"][3] == 1.0
    assert out["leave_science"].tolist()[:3] == [1.0, 0.0, 0.0] and np.isnan(out["leave_science"][3])
    # own pay: exact, else the band midpoint; the gap: own offer abroad over it, else the pay expected abroad
    assert out["pay_manwon"].tolist()[:3] == [5500, 6000, 3000]
    assert out["gap_offer"][0] == pytest.approx(np.log(55_000 / 5_500)) and np.isnan(out["gap_offer"][1])
    assert out["pay_gap"].tolist()[:3] == pytest.approx([np.log(10), np.log(5), np.log(3)])
    assert out["gap_source"].tolist() == ["own offer", "expected pay", "expected pay", None]
    assert np.isnan(out["pay_gap"][3])  # no own pay: no gap
    assert out["gap_domestic"][0] == pytest.approx(np.log(6000 / 5500)) and np.isnan(out["gap_domestic"][2])
    assert out["offer_abroad_any"].tolist()[:3] == [1.0, 0.0, 0.0] and np.isnan(out["offer_abroad_any"][3])
    assert out["top_med_would"].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert out["pay_system_name"].tolist()[:2] == ["Seniority", "Performance"]
    assert out["female"].tolist()[:2] == [0.0, 1.0] and np.isnan(out["female"][2])
    assert np.isnan(out["sex"][2])  # missing codes become NaN in the analysis copy
    # top students are grade 1 of the school record; no Korean high school (6) is neither top nor other
    assert out["top_student"].tolist()[:2] == [1.0, 0.0] and np.isnan(out["top_student"][2])
    assert out["top_student"][3] == 0.0
    assert out["standing"].tolist()[:2] == ["Top 4% (grade 1)", "Top 11-23% (grade 3)"]
    assert pd.isna(out["standing"][2]) and out["standing"][3] == "Below top 40%"
    assert "s_fail_stigma" in out and out["s_fail_stigma"].isna().all()  # skipped items: no score


@dataclass
class _Fit:
    params: pd.Series
    bse: pd.Series
    thresholds: pd.Series | None = None
    df_resid: float = 30.0


def test_coef_table_puts_cut_points_first_and_uses_t_intervals() -> None:
    fit = _Fit(params=pd.Series({"s_fail_stigma": 0.5, "C(sector_name, Treatment('University'))[T.SME]": -0.2}),
               bse=pd.Series({"1|2": 0.3, "2|3": 0.3, "s_fail_stigma": 0.1,
                              "C(sector_name, Treatment('University'))[T.SME]": 0.2}),
               thresholds=pd.Series({"1|2": -1.0, "2|3": 1.0}))
    tab = common.coef_table(fit, drop_intercept=False)
    assert list(tab.index) == ["1|2", "2|3", "Failure stigma (1-5)", "sector: SME"]
    crit = stats.t.ppf(0.975, 30)
    row = tab.loc["Failure stigma (1-5)"]
    assert row.ci_low == pytest.approx(0.5 - crit * 0.1) and row.odds_ratio == pytest.approx(np.exp(0.5))
    assert row.p_value == pytest.approx(2 * stats.t.sf(5.0, 30))
    glm = common.coef_table(_Fit(params=pd.Series({"Intercept": 1.0, "ai": 0.2}),
                                 bse=pd.Series({"Intercept": 0.5, "ai": 0.1})))
    assert list(glm.index) == ["Works in AI"]


def test_missing_margins_take_the_mode_of_their_stratum() -> None:
    df = pd.DataFrame({"stratum": ["a", "a", "a", "b", "b"],
                       "sex_margin": pd.Categorical(["male", "male", None, "female", None],
                                                    categories=["male", "female"])})
    out, notes = impute_margins(df, ["sex_margin"], "stratum")
    assert out["sex_margin"].tolist() == ["male", "male", "male", "female", "female"]
    assert notes == ["2 respondents without a sex answer were given the most common category of their "
                     "sampling stratum for raking"]


def test_labels_are_whole_and_groups_in_the_questionnaires_order(q) -> None:
    longest = max((i for i in q.items), key=lambda i: len(i.label.get("en", "")))
    assert common.label(q, longest.name) == longest.label["en"] and len(longest.label["en"]) > 70
    shuffled = ["SME", "Abroad", "University", "Large firm", "Public institute", "unknown"]
    assert common.in_order(shuffled, "sector_name") == ["University", "Public institute", "Large firm", "SME",
                                                        "Abroad", "unknown"]
    assert common.in_order(["Faculty", "Postdoc", "Undergraduate"], "role_group") == ["Undergraduate", "Postdoc",
                                                                                       "Faculty"]


def test_model_tables_name_the_reference_categories_and_the_fit() -> None:
    import careersurvey as cs

    rng = np.random.default_rng(11)
    sector = rng.choice(["University", "Public institute", "SME"], 600)
    data = pd.DataFrame({"sector_name": sector, "s_fail_stigma": rng.uniform(1, 5, 600),
                         "psu": np.arange(600) // 6})
    data["leave"] = (rng.random(600) < 0.2 + 0.05 * data["s_fail_stigma"]).astype(float)
    fit = cs.SurveyDesign(data, psu="psu").glm(
        "leave ~ s_fail_stigma + C(sector_name, Treatment('University'))", family="binomial")
    t = common.model_table(fit, "m", "Leaving")
    assert list(t.frame.index) == ["Failure stigma (1-5)", "sector: Public institute", "sector: SME"]
    assert t.notes[0] == "Reference categories: sector: University."
    assert t.notes[1].startswith("n = 600; design df = ") and "Wald test of all terms: F(3, " in t.notes[1]
    assert "pseudo-R² (Nagelkerke) = " in t.notes[1]


def test_tidy_adds_the_unweighted_n_of_each_estimate() -> None:
    import careersurvey as cs

    data = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [1.0, np.nan, np.nan, 2.0],
                         "g": pd.Categorical(["x", "y", None, "x"]), "w": [1.0, 2.0, 1.0, 1.0]})
    d = cs.SurveyDesign(data, weights="w")
    two = common.tidy(d.mean(["a", "b"], na_rm=True), d=d, columns=["a", "b"])
    assert list(two["n"]) == [3, 2] and list(two.columns[:2]) == ["n", "estimate"]
    levels = common.tidy(d.subset(data["g"].notna()).mean("g", na_rm=True), prefix="g", d=d.subset(data["g"].notna()),
                         columns=["g"])
    assert list(levels.index) == ["x", "y"] and list(levels["n"]) == [3, 3]


def test_by_table_gives_every_cell_its_n_and_interval() -> None:
    """The wide by-sector tables: each group's estimate with its unweighted n (answers in the group; a missing
    answer not counted) and its 95% CI (logit for a share), laid out as n, estimate and one interval
    column per group, in the questionnaire's order of the groups; the estimates are weighted means by hand."""
    import careersurvey as cs
    from careersurvey.report.results import Table

    rng = np.random.default_rng(5)
    n = 120
    sector = np.array(["SME", "University", "Large firm"])[rng.integers(0, 3, n)]
    share = rng.integers(0, 2, n).astype(float)
    share[:7] = np.nan  # not answered
    score = rng.normal(3, 1, n)
    score[7:12] = np.nan  # not answered (the study's codes are NA by then)
    df = pd.DataFrame({"sector_name": sector, "top_x": share, "score": score, "w": rng.uniform(1, 4, n),
                       "st": np.repeat(["a", "b"], n // 2)})
    d = cs.SurveyDesign(df, weights="w", strata="st")
    tab = common.by_table(d, ["top_x", "score"], "sector_name")
    assert common.groups(tab) == ["University", "Large firm", "SME"]  # questionnaire order, not alphabetical
    ok = df
    for g in common.groups(tab):
        for v in ("top_x", "score"):
            part = ok[(ok["sector_name"] == g) & ok[v].notna()]
            assert tab.loc[v, f"{g}_n"] == len(part)
            assert tab.loc[v, g] == pytest.approx(np.average(part[v], weights=part["w"]), rel=1e-12)
        ref = d.subset(d.data["sector_name"] == g).mean("top_x", na_rm=True, ci="logit").iloc[0]
        assert (tab.loc["top_x", f"{g}_ci_low"], tab.loc["top_x", f"{g}_ci_high"]) == pytest.approx(
            (ref["ci_low"], ref["ci_high"]), rel=1e-9)
        assert tab.loc["score", f"{g}_ci_low"] < tab.loc["score", g] < tab.loc["score", f"{g}_ci_high"]
    lay = Table("t", "t", tab, percent_columns=common.shares(tab)).layout("en")
    assert [c.label for c in lay.columns][:3] == ["n of University", "University", "95% CI of University"]
    assert [c.kind for c in lay.columns] == ["int", "pct", "ci"] * 3
    lo, hi = tab.loc["top_x", "SME_ci_low"], tab.loc["top_x", "SME_ci_high"]
    assert lay.columns[-1].cell(0) == f"{lo * 100:.1f}–{hi * 100:.1f}"
    ko = common.by_table(d, ["top_x"], "sector_name", lang="ko")
    lay = Table("t", "t", ko, percent_columns=common.shares(ko)).layout("ko")
    assert [c.label for c in lay.columns][:3] == ["대학 응답자 수", "대학", "대학의 95% 신뢰구간"]

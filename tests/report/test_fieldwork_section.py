"""The report's fieldwork section on a hand-made sample (two strata, six institutions, every disposition
group): each number recomputed here from its definition, not taken from the functions under test."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import careersurvey as cs
from careersurvey.fieldwork.codes import group
from careersurvey.report.fieldwork import FieldworkSpec, fieldwork_result, propensity_model, returns_by_day

CODES = ["1.1", "1.1", "1.2", "2.11", "2.12", "2.26", "2.31", "3.19", "3.2", "4.1"]


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(8)
    n = 240
    stratum = np.where(np.arange(n) < 140, "north", "south")
    psu = np.char.add(stratum.astype(str), (np.arange(n) // 20 % 7).astype(str))
    sector = rng.choice(["firm", "lab", "univ"], n)
    group_ = rng.choice(["staff", "student"], n, p=[0.7, 0.3])
    p_yes = np.where(sector == "lab", 0.75, np.where(sector == "firm", 0.35, 0.55))
    said = rng.random(n) < p_yes
    codes = np.where(said, rng.choice(["1.1", "1.1", "1.1", "1.2"], n),
                     rng.choice(["2.11", "2.12", "2.26", "2.31", "3.19", "3.19", "3.2", "4.1"], n))
    days = pd.Timestamp("2026-03-02") + pd.to_timedelta(rng.integers(0, 12, n), unit="D")
    returned = np.where(np.isin(codes, ["1.1", "1.2"]), days.strftime("%Y-%m-%d"), None)
    return pd.DataFrame({"respondent_id": [f"{i:04d}" for i in range(n)], "stratum": stratum, "psu": psu,
                         "design_weight": np.where(stratum == "north", 10.0, 25.0) * rng.uniform(0.8, 1.2, n),
                         "sector": sector, "group": group_, "disposition": codes, "returned": returned,
                         "yes": (rng.random(n) < np.where(sector == "lab", 0.3, 0.6)).astype(float)})


def test_returns_by_day_and_the_curve_ending_at_rr2(sample):
    days = returns_by_day(sample)
    usable = sample[sample["disposition"].isin(["1.1", "1.2"])]
    by_hand = usable["returned"].value_counts().sort_index()
    assert days.loc[by_hand.index, "returns"].tolist() == by_hand.tolist()
    assert days["returns"].sum() == len(usable) and list(days.index) == sorted(days.index)
    assert (days.drop(index=by_hand.index)["returns"] == 0).all()  # the days between with no returns
    eligible_or_unknown = (sample["disposition"] != "4.1").sum()
    assert days["response_rate"].iloc[-1] == pytest.approx(len(usable) / eligible_or_unknown)
    rr2 = cs.response_rates(sample).table.loc["all", "RR2"]
    assert days["response_rate"].iloc[-1] == pytest.approx(rr2)


def test_propensity_model_of_one_category_is_the_weighted_odds_ratio(sample):
    """A model with one categorical frame variable is saturated: its odds ratios are those of the weighted
    response rates of the levels (written out here), whatever the variance."""
    cases = sample[sample["disposition"] != "4.1"].assign(_y=lambda f: f["disposition"].isin(["1.1", "1.2"])
                                                        .astype(float))
    model = propensity_model(cases, ["sector"], weights="design_weight", strata="stratum", psu="psu")
    w, y = cases["design_weight"], cases["_y"]
    rate = (w * y).groupby(cases["sector"]).sum() / w.groupby(cases["sector"]).sum()
    odds = rate / (1 - rate)
    assert model.loc["Intercept", "odds_ratio"] == pytest.approx(odds["firm"], rel=1e-6)
    assert model.loc["C(sector)[T.lab]", "odds_ratio"] == pytest.approx(odds["lab"] / odds["firm"], rel=1e-6)
    assert model.loc["C(sector)[T.univ]", "odds_ratio"] == pytest.approx(odds["univ"] / odds["firm"], rel=1e-6)
    # the interval is the design-based glm's (t on its residual df), exponentiated
    fit = cs.SurveyDesign(cases.reset_index(drop=True), weights="design_weight", strata="stratum",
                          psu="psu").glm("_y ~ C(sector)", family="binomial")
    t = stats.t.ppf(0.975, fit.df_resid)
    assert model["ci_low"].to_numpy() == pytest.approx(np.exp(fit.params - t * fit.bse).to_numpy())
    assert model["p_value"].to_numpy() == pytest.approx(fit.pvalues.to_numpy())


def test_section_tables_recomputed(sample):
    respondents = sample[sample["disposition"].isin(["1.1", "1.2"])].reset_index(drop=True)
    design = cs.SurveyDesign(respondents, weights="design_weight", strata="stratum", psu="psu")
    spec = FieldworkSpec(frame_variables=("sector", "group"), plan_variable="yes", moe=0.1, replicates=20)
    res = fieldwork_result(sample, spec, design=design)
    t = {x.name: x.frame for x in res.tables}
    # dispositions: counts per code with AAPOR's group, shares in %
    counts = sample["disposition"].value_counts()
    assert t["dispositions"]["cases"].to_dict() == counts.to_dict()
    assert (t["dispositions"]["group"] == t["dispositions"].index.map(group)).all()
    assert t["dispositions"]["share"].sum() == pytest.approx(1)
    # rates by stratum (shown as %): RR1 written out from the counts
    for k, part in [("all", sample), *sample.groupby("stratum")]:
        g = part["disposition"].map(group).value_counts().reindex(["I", "P", "R", "NC", "O", "UH", "UO", "NE"],
                                                                 fill_value=0)
        rr1 = g["I"] / (g["I"] + g["P"] + g["R"] + g["NC"] + g["O"] + g["UH"] + g["UO"])
        assert t["response_rates"].loc[k, "RR1"] == pytest.approx(rr1)
        assert t["response_rates"].loc[k, "cases"] == len(part)
    # nonresponse: weighted shares over the eligible sample and over the respondents, in %
    eligible = sample[sample["disposition"] != "4.1"]
    w = eligible["design_weight"]
    share = w[eligible["sector"] == "lab"].sum() / w.sum() * 100
    resp = eligible["disposition"].isin(["1.1", "1.2"])
    share_r = w[resp & (eligible["sector"] == "lab")].sum() / w[resp].sum() * 100
    row = t["nonresponse"].loc[("sector", "lab")]
    assert (row["full_sample"], row["respondents"]) == pytest.approx((share, share_r))
    assert row["difference"] == pytest.approx(share_r - share)
    # planning: each stratum's completes from p, deff, N and RR2 by PracTools' nPropMoe, written out
    est = design.mean("yes", by="stratum")
    rates = cs.response_rates(sample, by="stratum").table
    plan = t["planning"]
    z = stats.norm.ppf(0.975)
    for k in ("north", "south"):
        p, deff = est.loc[k, "estimate"], max(est.loc[k, "deff"], 1.0)
        N = sample.loc[sample["stratum"] == k, "design_weight"].sum()
        n = N / (N - 1) * z * z * deff * p * (1 - p) / (0.1 ** 2 + z * z * deff * p * (1 - p) / (N - 1))
        assert plan.loc[k, "completes"] == int(np.ceil(n - 1e-9))
        assert plan.loc[k, "sample"] == int(np.ceil(int(np.ceil(n - 1e-9)) / rates.loc[k, "RR2"] - 1e-9))
        assert plan.loc[k, "p"] == pytest.approx(p)
    assert "r_indicator" in t and 0 < t["r_indicator"].loc["R", "value"] <= 1
    # the page shows the rates and the cumulative response rate as percentages, once (not 100 times over)
    tables = {x.name: x for x in res.tables}
    rr1_all = t["response_rates"].loc["all", "RR1"]
    assert f">{rr1_all * 100:.1f}<" in tables["response_rates"].html()
    last = t["returns_by_day"]["response_rate"].iloc[-1]
    assert f">{last * 100:.1f}<" in tables["returns_by_day"].html()
    assert res.figures and res.figures[0].png.startswith(b"\x89PNG")
    assert res.findings[0].startswith(f"{len(sample)} sampled cases")


def test_planning_takes_cautious_inputs_where_a_stratum_gives_none(sample):
    """A stratum where every respondent said yes gets p = 0.5, and a deff below 1 is taken as 1; the caption
    names the strata."""
    respondents = sample[sample["disposition"].isin(["1.1", "1.2"])].reset_index(drop=True)
    respondents["yes"] = np.where(respondents["stratum"] == "south", 1.0, respondents["yes"])
    design = cs.SurveyDesign(respondents, weights="design_weight", strata="stratum", psu="psu")
    res = fieldwork_result(sample, FieldworkSpec(plan_variable="yes"), design=design)
    plan = next(x for x in res.tables if x.name == "planning")
    assert plan.frame.loc["south", "p"] == 0.5 and plan.frame.loc["south", "deff"] >= 1
    assert "p = 0.5 where the respondents all said the same or were not asked (south)" in plan.caption


def test_unknown_code_in_the_sample_is_named(sample):
    bad = sample.assign(disposition=sample["disposition"].where(sample.index != 5, "2.0"))
    with pytest.raises(cs.FieldworkError, match=r"unknown disposition code: '2.0' \(a heading, not a final code\)"):
        fieldwork_result(bad)


def test_planning_share_of_chosen_codes(sample):
    """plan_levels: p per stratum is the weighted share answering one of those codes among those who answered
    (missing stays missing), as a mean of the 0/1 written out here."""
    respondents = sample[sample["disposition"].isin(["1.1", "1.2"])].reset_index(drop=True)
    rng = np.random.default_rng(3)
    scale = pd.Series(rng.integers(1, 6, len(respondents)).astype(float)).where(rng.random(len(respondents)) > 0.1)
    respondents["scale"] = scale
    design = cs.SurveyDesign(respondents, weights="design_weight", strata="stratum", psu="psu")
    res = fieldwork_result(sample, FieldworkSpec(plan_variable="scale", plan_levels=(4, 5)), design=design)
    plan = next(x for x in res.tables if x.name == "planning")
    assert "scale in 4, 5" in plan.title
    w, yes, seen = respondents["design_weight"], scale.isin([4, 5]), scale.notna()
    for k in ("north", "south"):
        at = (respondents["stratum"] == k) & seen
        assert plan.frame.loc[k, "p"] == pytest.approx((w[at] * yes[at]).sum() / w[at].sum())


_ENGLISH = re.compile(r"(?<![\w.])[A-Za-z][a-z'\-]+(?:[ ,;:()]+[A-Za-z][a-z'\-]+(?![\w.])){3,}")


def test_the_section_in_korean_and_english_unchanged(sample):
    """lang="ko": titles, captions, findings, methods, headings, row names and AAPOR disposition names in Korean
    (the codes beside them), no run of four English words anywhere, the same numbers as in English, and the
    curve's axis words in Korean; English as it was (the disposition names are the code table's own)."""
    from careersurvey.fieldwork.codes import CODES

    respondents = sample[sample["disposition"].isin(["1.1", "1.2"])].reset_index(drop=True)
    design = cs.SurveyDesign(respondents, weights="design_weight", strata="stratum", psu="psu")
    spec = FieldworkSpec(frame_variables=("sector", "group"), plan_variable="yes", moe=0.1, replicates=20)
    en = fieldwork_result(sample, spec, design=design)
    ko = fieldwork_result(sample, spec, design=design, lang="ko")
    te, tk = {x.name: x for x in en.tables}, {x.name: x for x in ko.tables}
    assert list(te) == list(tk)
    # English as before: the code table's names, the sentences as the section wrote them
    assert te["dispositions"].frame["disposition"].tolist() == [CODES[c][1] for c in te["dispositions"].frame.index]
    assert te["dispositions"].title == "Final dispositions of the sampled cases (AAPOR)"
    assert en.figures[0].title == "Response-rate curve" and en.title.startswith("Fieldwork: dispositions")
    assert en.findings[1].startswith("Returns over 12 days; half of them were in by 2026-03-")
    assert [c.label for c in te["dispositions"].layout("en").columns] == ["group", "disposition", "cases", "share"]
    # Korean: AAPOR names as Korean practice names them, the codes kept as the rows
    names = tk["dispositions"].frame["disposition"]
    assert (names.index == te["dispositions"].frame.index).all()
    assert names["1.1"] == "완료" and names["1.2"] == "부분 응답" and names["2.11"] == "거절"
    assert names["2.26"].startswith("조사 기간 중") and names["3.19"].startswith("적격 여부 미상")
    assert names["4.1"].startswith("비적격")
    assert [c.label for c in tk["dispositions"].layout("ko").columns] == ["AAPOR 분류", "처리 결과", "사례 수", "비율"]
    assert tk["response_rates"].frame.index[0] == "전체" and ko.title == "현장조사: 최종 처리 결과, 응답과 무응답"
    assert tk["propensity"].frame.index[0] == "절편" and tk["r_indicator"].frame.index[0] == "R 지표"
    for name, t in te.items():  # the same numbers
        a, b = t.frame.select_dtypes("number").to_numpy(float), tk[name].frame.select_dtypes("number").to_numpy(float)
        np.testing.assert_array_equal(a, b, err_msg=name)
    said = [ko.title, ko.question, ko.methods, *ko.findings, *(f.title for f in ko.figures),
            *(f.caption for f in ko.figures)]
    for t in ko.tables:
        lay = t.layout("ko")
        said += [t.title, t.caption, *lay.stub, *(c.label for c in lay.columns), *(" ".join(r) for r in lay.rows),
                 *(" ".join(map(str, c.values)) for c in lay.columns if c.kind == "text")]
    assert [m.group(0) for s in said for m in _ENGLISH.finditer(s)] == []
    assert all(re.search(r"[가-힣]", s) for s in (ko.title, ko.methods, *ko.findings, *(t.caption for t in ko.tables)))
    assert [f.caption for f in ko.figures] == ["유효 설문지(완료 또는 부분 응답)를 돌아온 날짜별로 비적격을 뺀 모든 "
                                              "표본 사례에 대한 비율로 나타냈습니다. 막대는 일별 회수입니다."]
    assert ko.figures[0].png.startswith(b"\x89PNG") and ko.figures[0].png != en.figures[0].png


def test_the_curve_draws_its_words_in_the_reports_language(sample, monkeypatch):
    """The response-rate curve's axis label and legend come from the catalogue in the report's language."""
    import matplotlib.axes

    seen = []
    monkeypatch.setattr(matplotlib.axes.Axes, "set_ylabel", lambda self, s, *a, **k: seen.append(s))
    fieldwork_result(sample, FieldworkSpec(), lang="ko")
    fieldwork_result(sample, FieldworkSpec())
    assert seen == ["누적 응답률(%)", "cumulative response rate (%)"]

"""Model tables: terms in words, odds ratios with intervals, reference categories, n, design df, the whole-model
Wald test (against R's regTermTest) and a pseudo-R² (against R's psrsq) under the table, in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rcases import load_data

import careersurvey as cs
from careersurvey.report.i18n import text
from careersurvey.report.models import model_table, reference_categories, whole_model_wald

R = json.loads((Path(__file__).parents[1] / "fixtures" / "r-survey-modeltable" / "results.json").read_text())


@pytest.fixture(scope="module")
def api() -> pd.DataFrame:
    return load_data("r-survey-extra", "apiclus1_x.csv")


@pytest.fixture(scope="module")
def design(api):
    return cs.SurveyDesign(api, weights="pw", psu="dnum", fpc="fpc")


@pytest.mark.parametrize("case", ["binomial", "gaussian"])
def test_whole_model_wald_equals_r_regtermtest(design, case) -> None:
    r = R[case]
    fit = design.glm(r["formula"], family="binomial" if case == "binomial" else "gaussian")
    f, k, ddf, p = whole_model_wald(fit)
    assert (k, ddf) == (r["ndf"], r["ddf"]) and fit.nobs == r["n"]
    assert f == pytest.approx(r["F"], rel=1e-6) and p == pytest.approx(r["p"], rel=1e-6)


def test_pseudo_r2_equals_r_psrsq(design) -> None:
    fit = design.glm(R["binomial"]["formula"], family="binomial")
    table = model_table(fit, "m", "Model")
    assert f"pseudo-R² (Nagelkerke) = {R['binomial']['nagelkerke']:.3f}" in table.notes[-1]


def _heads(html: str) -> list[str]:
    return re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)


def test_logit_model_table_names_terms_references_and_fit(design) -> None:
    fit = design.glm(R["binomial"]["formula"], family="binomial")
    labels = {"ell": "English learners (%)", "meals": "Free meals (%)", "stype": "School type",
              "stype=H": "High school", "stype=E": "Elementary"}
    t = model_table(fit, "m", "School-wide target met", labels=labels)
    assert list(t.frame.index) == ["English learners (%)", "Free meals (%)", "School type: High school",
                                   "School type: M"]
    html = t.html()
    assert _heads(html) == ["", "Coefficient (log odds)", "SE", "Odds ratio", "95% CI of Odds ratio", "p"]
    assert "Reference categories: School type: Elementary." in html
    r = R["binomial"]
    assert (f"n = 183; design df = {r['df_resid']:g}; Wald test of all terms: F(4, 10) = {r['F']:.2f}, "
            f"p = {r['p']:.3f}") in html
    row = t.frame.iloc[0]
    assert row.odds_ratio == pytest.approx(np.exp(fit.params["ell"]))
    assert row.odds_ratio_ci_low == pytest.approx(np.exp(fit.conf_int().loc["ell", "lower"]))
    assert "Intercept" not in t.frame.index and 'class="flag"' not in html  # models are not flagged


def test_gaussian_model_in_korean_has_coefficient_intervals(design) -> None:
    fit = design.glm(R["gaussian"]["formula"])
    t = model_table(fit, "g", "API 2000", lang="ko", intercept=True)
    html = t.html("ko")
    assert _heads(html) == ["", "계수", "표준오차", "95% 신뢰구간", "p값"]
    assert t.frame.index[0] == "절편"
    assert "전체 항에 대한 Wald 검정: F(2, 12) = 86.83, p &lt; 0.001" in html and "설계 자유도 = 12" in html
    assert "유사 R²" not in html  # R defines no pseudo-R² for a gaussian model


def test_reference_level_of_a_factor_without_treatment_comes_from_the_data(design, api) -> None:
    fit = design.glm("I(sch_wide == 'Yes') ~ ell + stype", family="binomial")
    assert reference_categories(fit) == {}
    assert reference_categories(fit, api) == {"stype": "E"}
    cat = api.assign(stype=pd.Categorical(api["stype"], categories=["M", "E", "H"]))
    fit2 = cs.SurveyDesign(cat, weights="pw", psu="dnum", fpc="fpc").glm("I(sch_wide == 'Yes') ~ ell + stype",
                                                                        family="binomial")
    assert reference_categories(fit2, cat) == {"stype": "M"}


def test_ordinal_model_shows_cut_points_first(design) -> None:
    fit = design.ordinal("api_band ~ ell + meals")
    t = model_table(fit, "o", "API band")
    assert list(t.frame.index[:3]) == ["Cut-point 1|2", "Cut-point 2|3", "Cut-point 3|4"]
    assert list(t.frame.index[3:]) == ["ell", "meals"]
    f, k, ddf, p = whole_model_wald(fit)
    b = fit.params.to_numpy()  # R's regTermTest by hand
    v = fit.cov_params.loc[["ell", "meals"], ["ell", "meals"]].to_numpy()
    assert k == 2 and ddf == fit.df_resid and f == pytest.approx(b @ np.linalg.solve(v, b) / 2, rel=1e-12)
    assert "pseudo-R²" not in t.notes[-1]


def test_a_model_with_more_coefficients_than_psus_has_no_wald_test(api) -> None:
    few = api[api["dnum"].isin(sorted(api["dnum"].unique())[:4])]  # 4 PSUs: 3 design df
    fit = cs.SurveyDesign(few, weights="pw", psu="dnum").glm("api00 ~ ell + meals + mobility")
    assert whole_model_wald(fit) is None
    note = model_table(fit, "m", "Model").notes[-1]
    assert note.startswith("n = ") and "no whole-model Wald test: the design has too few degrees of freedom" in note


def test_reference_and_levels_named_from_a_questionnaire(tmp_path) -> None:
    # the mini questionnaire of the tests: role (single, codes 1-3) and a numeric item, numeric codes as answers
    q = cs.load_questionnaire(Path(__file__).parents[1] / "questionnaire" / "data" / "mini-1.0.0.yaml")
    item = next(i for i in q.items if i.type == "single" and i.choices is not None and len(i.choices.choices) >= 3)
    codes = [c.code for c in item.choices.choices][:3]
    rng = np.random.default_rng(5)
    data = pd.DataFrame({item.name: rng.choice(codes, 400), "x": rng.normal(size=400), "psu": np.arange(400) // 8})
    data["y"] = (rng.random(400) < 0.3 + 0.1 * (data[item.name] == codes[1])).astype(float)
    fit = cs.SurveyDesign(data, psu="psu").glm(f"y ~ x + C({item.name}, Treatment({codes[0]}))", family="binomial")
    for lang in ("en", "ko"):
        t = model_table(fit, "m", "Model", lang=lang, questionnaire=q)
        label = lambda c: next(ch.label for ch in item.choices.choices if ch.code == c).get(lang)  # noqa: E731
        word = item.label.get(lang)
        assert list(t.frame.index[1:]) == [f"{word}: {label(codes[1])}", f"{word}: {label(codes[2])}"]
        assert t.notes[0] == text("model.reference", lang, refs=f"{word}: {label(codes[0])}")

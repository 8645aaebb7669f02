"""RQ2: who intends to leave Korea or science, and how much do pay gaps, pay by seniority and relative
deprivation explain it (with failure stigma, psychological safety and autonomy alongside).

The pay gap is each respondent's own: the log of the gross annual pay of the best offer received from abroad
(stock included) over own gross pay; for those without an offer who consider moving abroad, the pay they expect
there. Weighted shares with 95% CIs by role and sector; Rao-Scott tests of intention by sector; the offers and
gaps by sector; a design-based logistic regression of moving abroad on the own gap among people in work who
received an offer from abroad (whose gap is observed whatever their intention), one of leaving science among
everyone in work (a foreign offer is not what leaving science is weighed against), and a proportional-odds
model of the five-point likelihood of moving abroad within five years.
"""

from __future__ import annotations

import sys

import numpy as np

import careersurvey as cs
from stem_careers.common import (EMPLOYED, Study, by_table, coef_table, main, model_table, odds_text, p_text,
                                 prop_table, relabel, rows, term_ko, tr)
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ2", "Intentions to leave Korea and science"
QUESTION = ("Who intends to leave Korea, or science, and how much do compensation gaps, pay by seniority rather "
            "than performance and relative deprivation explain it?")
ATTITUDES = ("C(pay_system_name, Treatment('Seniority')) + s_rel_deprivation + s_fail_stigma + s_psych_safety"
             " + s_autonomy")
PREDICTORS = "pay_gap + " + ATTITUDES
CONTROLS = "female + C(age_group, Treatment('30-39')) + C(sector_name, Treatment('University')) + ai"
GAP = "Own pay gap abroad (log ratio)"
TITLE_KO = "한국과 과학계를 떠나려는 의향"
QUESTION_KO = ("누가 한국이나 과학계를 떠나려 하며, 보수 격차, 성과가 아닌 연공서열에 따른 보수, 상대적 박탈감이 이를 "
               "얼마나 설명합니까?")


def _offers(d: "cs.SurveyDesign", lang: str = "en") -> "cs.Table":
    """Own pay, the best offers and the gaps of people in work, by sector (weighted means, 만원 and logs)."""
    work = d.subset(EMPLOYED)
    tab = by_table(work, ["pay_manwon", "offer_abroad_pay", "expect_abroad_pay", "offer_domestic_pay", "gap_offer",
                          "gap_expect", "gap_domestic", "offer_abroad_any"], "sector_name", lang=lang)
    tab.index = (["본인 연간 총보수(만원)", "해외에서 받은 최고 제안(만원)", "해외에서 기대하는 보수(만원)",
                  "국내에서 받은 최고 제안(만원)", "해외 제안과의 격차(로그 비)", "해외 기대 보수와의 격차(로그 비)",
                  "국내 제안과의 격차(로그 비)", "해외 제안을 받은 비율"] if lang == "ko" else
                 ["own gross pay (만원)", "best offer from abroad (만원)", "pay expected abroad (만원)",
                  "best offer in Korea (만원)", "gap to own offer abroad (log ratio)",
                  "gap to expected pay abroad (log ratio)", "gap to own offer in Korea (log ratio)",
                  "received an offer from abroad (share)"])
    return cs.Table("own_offers_sector", tr(lang, "Own pay, offers received and expected, and the gaps, by sector "
                                              "(people in work)", "부문별 본인 보수, 받은 제안과 기대 보수, 격차(일하는 사람)"),
                    tab, tr(lang, "Weighted means; offers among those who received one, expectations among those who "
                                  "consider moving abroad within five years; gaps are log(offer / own pay), so 1.0 is "
                                  "2.7 times own pay.",
                            "가중 평균. 제안은 제안을 받은 사람 중에서, 기대 보수는 5년 안에 해외 이주를 고려하는 사람 "
                            "중에서 구했습니다. 격차는 log(제안 / 본인 보수)이므로 1.0은 본인 보수의 2.7배입니다."),
                    digits=2)


def run(study: Study, lang: str = "en") -> "cs.AnalysisResult":
    """Intentions to leave Korea and science: shares, own offers, tests and design-based models."""
    d = study.design
    data = rows(d)
    tables, figures, findings = [], [], []
    for outcome, what, what_ko in (("leave_korea", "moving abroad within 5 years", "5년 안에 해외로 옮길"),
                                   ("leave_science", "leaving science", "과학계를 떠날")):
        by_role = prop_table(d, outcome, "role_group", lang)
        by_sector = prop_table(d, outcome, "sector_name", lang)
        tables += [cs.Table(f"{outcome}_role", tr(lang, f"Likely {what}, by role", f"역할별, {what_ko} 가능성이 높음"),
                            by_role, tr(lang, "Weighted share answering likely or very likely, with 95% CI.",
                                        "'가능성 높음' 또는 '매우 높음'의 가중 비율과 95% 신뢰구간.")),
                   cs.Table(f"{outcome}_sector", tr(lang, f"Likely {what}, by sector",
                                                    f"부문별, {what_ko} 가능성이 높음"), by_sector)]
        figures.append(cs.estimate_plot(by_sector, f"{outcome}_sector",
                                        tr(lang, f"Likely {what}, by sector", f"부문별, {what_ko} 가능성이 높음"),
                                        caption=tr(lang, "Weighted percent with 95% confidence interval.",
                                                   "가중 백분율과 95% 신뢰구간."), lang=lang))
        sector = "sector_in_scope" if "sector_in_scope" in d.data else "sector_name"
        test = d.subset(d.data[outcome].notna() & d.data[sector].notna()).chisq(outcome, sector)
        findings.append(tr(lang, f"Intention of {what} differs by sector: Rao-Scott F = {test.statistic:.2f} "
                                 f"(df {test.ndf:.2f}, {test.ddf:.1f}), {p_text(test.p_value)}.",
                           f"{what_ko} 의향은 부문에 따라 다릅니다: Rao-Scott F = {test.statistic:.2f}"
                           f"(자유도 {test.ndf:.2f}, {test.ddf:.1f}), {p_text(test.p_value)}."))
    tables.append(_offers(d, lang))
    offered = d.subset(d.data["gap_offer"].notna())
    n_offer = int(data["gap_offer"].notna().sum())
    pay = offered.quantile("pay_manwon", [0.5]).iloc[0]
    offer = offered.quantile("offer_abroad_pay", [0.5]).iloc[0]
    gap = offered.mean("gap_offer").iloc[0]
    findings.append(tr(lang, f"{n_offer} respondents in work named the pay of their best offer from abroad: median "
                             f"{offer.estimate:,.0f}만원 against own pay of {pay.estimate:,.0f}만원; on average the offer "
                             f"is {np.exp(gap.estimate):.1f} times own pay (95% CI {np.exp(gap.ci_low):.1f}-"
                             f"{np.exp(gap.ci_high):.1f}).",
                       f"일하는 응답자 {n_offer}명이 해외에서 받은 최고 제안의 보수를 답했습니다: 중앙값 "
                       f"{offer.estimate:,.0f}만원, 본인 보수 중앙값 {pay.estimate:,.0f}만원. 제안은 평균적으로 본인 "
                       f"보수의 {np.exp(gap.estimate):.1f}배입니다(95% 신뢰구간 {np.exp(gap.ci_low):.1f}-"
                       f"{np.exp(gap.ci_high):.1f})."))
    expecting = d.subset(d.data["gap_expect"].notna())
    if int(data["gap_expect"].notna().sum()) >= 10:
        e = expecting.mean("gap_expect").iloc[0]
        findings.append(tr(lang, f"Those who consider moving abroad expect {np.exp(e.estimate):.1f} times their own "
                                 f"pay there (95% CI {np.exp(e.ci_low):.1f}-{np.exp(e.ci_high):.1f}).",
                           f"해외 이주를 고려하는 사람은 그곳에서 본인 보수의 {np.exp(e.estimate):.1f}배를 기대합니다"
                           f"(95% 신뢰구간 {np.exp(e.ci_low):.1f}-{np.exp(e.ci_high):.1f})."))
    # the models: people in work with an offer from abroad, whose own gap is known whatever they intend (the
    # expected pay is asked only of those who consider leaving, so it cannot explain that consideration)
    work = d.subset(d.data["gap_offer"].notna() & d.data["employed"].eq(1))
    everyone = d.subset(EMPLOYED)
    models = {}
    for outcome, what, dom, predictors, who in (
            ("leave_korea", tr(lang, "moving abroad", "해외 이주"), work, PREDICTORS,
             tr(lang, "people in work with an offer from abroad", "해외 제안을 받은 일하는 사람")),
            ("leave_science", tr(lang, "leaving science", "과학계 이탈"), everyone, ATTITUDES,
             tr(lang, "people in work", "일하는 사람"))):
        fit = dom.glm(f"{outcome} ~ {predictors} + {CONTROLS}", family="binomial")
        tab = coef_table(fit)
        models[outcome] = tab
        tables.append(model_table(fit, f"model_{outcome}", tr(lang, f"Logistic model: likely {what} ({who})",
                                                              f"로지스틱 모형: {what} 가능성이 높음({who})"),
                                  tr(lang, "Design-based logistic regression (linearised SEs); odds ratios per unit"
                                     + ("; the pay gap is log(own best offer from abroad / own pay)." if dom is work
                                        else "."),
                                     "표본설계 기반 로지스틱 회귀(선형화 표준오차). 오즈비는 한 단위당입니다"
                                     + ("; 보수 격차는 log(해외 최고 제안 / 본인 보수)입니다." if dom is work
                                        else ".")), lang=lang))
        figures.append(cs.forest_plot(relabel(tab, lang), f"model_{outcome}",
                                      tr(lang, f"Odds ratios: likely {what}", f"오즈비: {what} 가능성이 높음"),
                                      caption=tr(lang, "95% CIs; orange raises, blue lowers the odds.",
                                                 "95% 신뢰구간. 주황색은 오즈를 높이고 파란색은 낮춥니다."), lang=lang))
        for term in ("Failure stigma (1-5)", "Relative deprivation (1-6)", GAP, "Research autonomy (1-5)",
                     "Psychological safety (1-5)"):
            if term in tab.index:
                findings.append(tr(lang, f"{what.capitalize()}: {term} odds ratio {odds_text(tab.loc[term])}.",
                                   f"{what}: {term_ko(term)} 오즈비 {odds_text(tab.loc[term], lang)}."))
    olr = work.ordinal(f"ti_abroad_5y ~ {PREDICTORS} + {CONTROLS}")
    tables.append(model_table(olr, "ordinal_ti_abroad_5y",
                              tr(lang, "Proportional-odds model: likelihood of moving abroad for a year or more within "
                                       "5 years (1-5)", "비례 오즈 모형: 5년 안에 1년 이상 해외로 옮길 가능성(1-5)"),
                              tr(lang, "Design-based ordinal logit (as R svyolr), people in work with an offer from "
                                       "abroad.", "표본설계 기반 순서형 로짓(R svyolr와 같음), 해외 제안을 받은 일하는 "
                                                  "사람."), lang=lang))
    facts = {f"{o}:{t}": float(models[o].loc[t, "estimate"]) for o in models for t in models[o].index}
    facts["n_offer_abroad"] = float(n_offer)
    return cs.AnalysisResult(
        key=KEY, title=tr(lang, TITLE, TITLE_KO), question=tr(lang, QUESTION, QUESTION_KO), tables=tuple(tables),
        figures=tuple(figures), findings=tuple(findings), facts=facts,
        methods=tr(lang, "Shares are weighted with the raked weights; confidence intervals and tests use the "
                         "stratified cluster design (Taylor linearisation). Intentions count 'likely' or 'very "
                         "likely'; moving abroad means a stay of a year or more. The pay gap is each respondent's own: "
                         "the log of the gross annual pay of the best offer received from abroad (stock compensation "
                         "included) over own gross pay (exact, or the band midpoint). The models of moving abroad are "
                         "fitted among people in work who received an offer from abroad in the past three years, a "
                         "domain of the full design; the pay expected abroad, asked only of those who consider going, "
                         "is described but not modelled. Leaving science is modelled among everyone in work, without "
                         "the foreign gap.",
                   "비율은 레이킹한 가중치로 가중했고, 신뢰구간과 검정은 층화 집락 표본설계(테일러 선형화)를 "
                   "반영합니다. 의향은 '가능성 높음'과 '매우 높음'을 세며, 해외 이주는 1년 이상 머무는 것을 뜻합니다. "
                   "보수 격차는 각 응답자 본인의 것으로, 해외에서 받은 최고 제안의 연간 총보수(주식 보상 포함)를 "
                   "본인 총보수(정확한 값 또는 구간 중앙값)로 나눈 값의 로그입니다. 해외 이주 모형은 지난 3년간 해외 "
                   "제안을 받은 일하는 사람(전체 설계의 영역)에서 적합했습니다. 해외에서 기대하는 보수는 이주를 "
                   "고려하는 사람에게만 물었으므로 기술만 하고 모형에 넣지 않았습니다. 과학계 이탈은 일하는 사람 "
                   "전체에서 해외 격차 없이 모형화했습니다."),
    )


if __name__ == "__main__":
    sys.exit(main(run))

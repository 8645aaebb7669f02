"""RQ1: why do top science students prefer medical school ("success is guaranteed") to science and
engineering?

Weighted shares who would choose medicine today, by role, by high-school grade band (top students, 내신
1등급, against the others) and by sector; the importance of career motives; agreement with reasons for the
medical-school preference; a proportional-odds model of the likelihood of choosing medicine today on
standing, motives and recognition; Rao-Scott tests by role and by standing.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import (TERMS, Study, by_table, coef_table, item_means, label, main, model_table, odds_text,
                                 p_text, prop_table, relabel, shares, tr)
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ1", "Medical school versus science and engineering"
QUESTION = ("Why do top science students prefer medical school (\"success is guaranteed\") to science and "
            "engineering?")
MOTIVES = ("mjr_success", "mjr_income", "mjr_stability", "mjr_parent_advice", "mjr_parent_push", "mjr_interest",
           "mjr_aptitude", "mjr_prestige")
MEDWHY = ("medwhy_guarantee", "medwhy_sci_risky", "medwhy_license", "medwhy_sci_equal")
TOP = TERMS["top_student"]
TITLE_KO = "의대 대 이공계"
QUESTION_KO = "과학 분야의 최상위 학생들은 왜 이공계보다 의대(\"성공이 보장된다\")를 택합니까?"


def run(study: Study, lang: str = "en") -> "cs.AnalysisResult":
    """Medicine versus science: shares, motives, reasons and an ordinal model."""
    # everyone: researchers in Korea raked, undergraduates and those abroad (outside the targets) design-weighted
    d, q = study.full, study.questionnaire
    data = d.data
    tables, figures, findings = [], [], []
    would = prop_table(d, "top_med_would", "role_group", lang)
    tables.append(cs.Table("med_would_role", tr(lang, "Would likely choose medicine if choosing again, by role",
                                                "역할별, 다시 선택한다면 의대를 택할 가능성이 높음"), would,
                           tr(lang, "Weighted share answering likely or very likely, 95% CI.",
                              "'가능성 높음' 또는 '매우 높음'의 가중 비율, 95% 신뢰구간.")))
    figures.append(cs.estimate_plot(would, "med_would_role", tr(lang, "Would choose medicine today, by role",
                                                                "역할별, 지금 의대를 택하겠다"),
                                    caption=tr(lang, "Weighted percent, 95% CI.", "가중 백분율, 95% 신뢰구간."),
                                    lang=lang))
    overall = d.mean("top_med_would", na_rm=True, ci="logit").iloc[0]
    findings.append(tr(lang, f"{overall.estimate:.1%} (95% CI {overall.ci_low:.1%}-{overall.ci_high:.1%}) would "
                             "likely choose a medical programme if they chose again today.",
                       f"{overall.estimate:.1%}(95% 신뢰구간 {overall.ci_low:.1%}-{overall.ci_high:.1%})가 오늘 다시 "
                       "선택한다면 의대를 택할 가능성이 높습니다."))
    standing = prop_table(d, "top_med_would", "standing", lang)
    tables.append(cs.Table("med_would_standing", tr(lang, "Would likely choose medicine today, by high-school grade "
                                                          "band", "고교 내신 등급별, 지금 의대를 택할 가능성이 높음"),
                           standing, tr(lang, "Grade band among science-track students at high school (내신); "
                                              "weighted share answering likely or very likely, 95% CI.",
                                        "고교 이과 학생 중 내신 등급. '가능성 높음' 또는 '매우 높음'의 가중 비율, "
                                        "95% 신뢰구간.")))
    figures.append(cs.estimate_plot(standing, "med_would_standing",
                                    tr(lang, "Would choose medicine today, by grade band", "내신 등급별, 지금 의대를 택하겠다"),
                                    caption=tr(lang, "Weighted percent, 95% CI; top students are grade 1 (top 4%).",
                                               "가중 백분율, 95% 신뢰구간. 최상위 학생은 1등급(상위 4%)입니다."),
                                    lang=lang))
    known = data["top_med_would"].notna() & data["top_student"].notna()
    top = d.subset(known & (data["top_student"] == 1)).mean("top_med_would", na_rm=True, ci="logit").iloc[0]
    rest = d.subset(known & (data["top_student"] == 0)).mean("top_med_would", na_rm=True, ci="logit").iloc[0]
    test = d.subset(known).chisq("top_med_would", "top_student")
    findings.append(tr(lang, f"Top students (top 4% at high school) would choose medicine more often: "
                             f"{top.estimate:.1%} (95% CI {top.ci_low:.1%}-{top.ci_high:.1%}) against "
                             f"{rest.estimate:.1%} ({rest.ci_low:.1%}-{rest.ci_high:.1%}) of the others; Rao-Scott F = "
                             f"{test.statistic:.2f}, {p_text(test.p_value)}.",
                       f"최상위 학생(고교 상위 4%)이 의대를 더 많이 택하겠다고 답했습니다: {top.estimate:.1%}(95% "
                       f"신뢰구간 {top.ci_low:.1%}-{top.ci_high:.1%}), 그 밖의 학생은 {rest.estimate:.1%}"
                       f"({rest.ci_low:.1%}-{rest.ci_high:.1%}); Rao-Scott F = {test.statistic:.2f}, "
                       f"{p_text(test.p_value)}."))
    data_cons = data["med_considered"].map({1: "not considered", 2: "briefly", 3: "seriously", 4: "applied/admitted",
                                          5: "entered medicine"})
    if data_cons.notna().any():
        test = d.subset(data["med_considered"].notna() & data["role_group"].notna()).chisq("med_considered",
                                                                                           "role_group")
        findings.append(tr(lang, f"Having considered medicine differs by role: Rao-Scott F = {test.statistic:.2f}, "
                                 f"{p_text(test.p_value)}.",
                           f"의대를 고려해 본 경험은 역할에 따라 다릅니다: Rao-Scott F = {test.statistic:.2f}, "
                           f"{p_text(test.p_value)}."))
    mot = item_means(d, q, MOTIVES, lang=lang)
    tables.append(cs.Table("motives", tr(lang, "Importance of motives when choosing a university subject (1 = not "
                                               "at all, 5 = extremely)",
                                         "대학 전공을 고를 때 동기의 중요도(1 = 전혀 중요하지 않음, 5 = 매우 중요함)"),
                           mot))
    figures.append(cs.estimate_plot(mot, "motives", tr(lang, "Importance of motives (mean, 1-5)",
                                                       "동기의 중요도(평균, 1-5)"),
                                    percent=False, xlabel=tr(lang, "mean importance", "평균 중요도"), lang=lang))
    why = item_means(d, q, MEDWHY, top=True, lang=lang)
    tables.append(cs.Table("medwhy", tr(lang, "Agreement with reasons why top students choose medicine",
                                        "최상위 학생이 의대를 택하는 이유에 동의하는 비율"), why,
                           tr(lang, "Weighted share agreeing or strongly agreeing.",
                              "'동의' 또는 '매우 동의'의 가중 비율.")))
    findings.append(tr(lang, f"Most agreed reason: '{why.index[0]}' ({why.estimate.iloc[0]:.0%} agree).",
                       f"가장 많이 동의한 이유: '{why.index[0]}'({why.estimate.iloc[0]:.0%} 동의)."))
    by_sector = by_table(d, ["top_med_would"], "sector_name", lang=lang)
    by_sector.index = [tr(lang, "would likely choose medicine (share)", "의대를 택할 가능성이 높음(비율)")]
    tables.append(cs.Table("med_would_sector", tr(lang, "Would choose medicine today, by sector (%)",
                                                  "부문별, 지금 의대를 택하겠다(%)"), by_sector,
                           tr(lang, "Weighted share answering likely or very likely.",
                              "'가능성 높음' 또는 '매우 높음'의 가중 비율."), percent_columns=shares(by_sector)))
    formula = ("med_would ~ top_student + " + " + ".join(MOTIVES) + " + s_recognition + female + "
               "C(age_group, Treatment('30-39'))")
    olr = d.ordinal(formula)
    tab = coef_table(olr, drop_intercept=False)
    facts = {t: float(tab.loc[t, "estimate"]) for t in tab.index}  # by term name, for checks
    motives = {t: f"motive: {label(q, t)}" for t in tab.index if t.startswith("mjr_")}
    shown_as = {t: tr(lang, motives[t], f"동기: {label(q, t, lang)}") for t in motives}
    tab.index = [motives.get(t, t) for t in tab.index]
    tables.append(model_table(olr, "model_med_would", tr(lang, "Proportional-odds model: likelihood of choosing "
                                                               "medicine today (1-5)",
                                                         "비례 오즈 모형: 지금 의대를 택할 가능성(1-5)"),
                              tr(lang, "Design-based ordinal logit; cut-points first (as R svyolr); odds ratios per "
                                       "point of importance (1-5), top students against the others.",
                                 "표본설계 기반 순서형 로짓. 절단점을 먼저 보입니다(R svyolr와 같음). 오즈비는 중요도 "
                                 "1점(1-5)당이며, 최상위 학생을 그 밖의 학생과 비교합니다."), shown_as, lang=lang))
    shown = tab.loc[[t for t in tab.index if t.startswith("motive: ") or t in (TOP, "Social recognition (1-5)")]]
    if lang == "ko":
        shown = relabel(shown.rename(index={m: shown_as[t] for t, m in motives.items()}), lang)
    figures.append(cs.forest_plot(shown, "model_med_would", tr(lang, "Odds ratios: would choose medicine today",
                                                               "오즈비: 지금 의대를 택하겠다"),
                                  caption=tr(lang, "Top students against the others; motives per point of importance "
                                                   "(1-5); 95% CIs.",
                                             "최상위 학생 대 그 밖의 학생, 동기는 중요도 1점(1-5)당; 95% 신뢰구간."),
                                  lang=lang))
    r = tab.loc[TOP]
    findings.append(tr(lang, f"With motives held constant, being a top student multiplies the odds of preferring "
                             f"medicine by {odds_text(r)}.",
                       f"동기를 통제하면 최상위 학생일 때 의대를 선호할 오즈가 {odds_text(r, lang)}배가 됩니다."))
    r = tab.loc[motives["mjr_success"]]
    findings.append(tr(lang, f"Each point of importance given to guaranteed success multiplies the odds of preferring "
                             f"medicine by {odds_text(r)}.",
                       f"보장된 성공에 두는 중요도가 1점 높을 때마다 의대를 선호할 오즈가 {odds_text(r, lang)}배가 "
                       "됩니다."))
    return cs.AnalysisResult(
        key=KEY, title=tr(lang, TITLE, TITLE_KO), question=tr(lang, QUESTION, QUESTION_KO), tables=tuple(tables),
        figures=tuple(figures), findings=tuple(findings), facts=facts,
        methods=tr(lang, "All respondents including undergraduates and those abroad: researchers in Korea with the "
                         "raked weights, the others (outside the raking targets) with their design weights; CIs, "
                         "Rao-Scott tests and the "
                         "proportional-odds model use the stratified cluster design. Top students are those who "
                         "report grade 1 (top 4%) of the high-school record among science-track students (hs_rank; "
                         "self-reported, recalled); 'prefer not to say' is left out of the comparisons.",
                   "학부생과 해외 거주자를 포함한 모든 응답자: 국내 연구자는 레이킹한 가중치로, 그 밖의 응답자(레이킹 "
                   "목표 밖)는 설계가중치로 가중했습니다. 신뢰구간, Rao-Scott 검정, 비례 오즈 모형은 층화 집락 "
                   "표본설계를 반영합니다. 최상위 학생은 고교 이과 학생 중 내신 1등급(상위 4%)이라고 답한 "
                   "사람입니다(hs_rank, 본인 응답과 회상). '응답하지 않음'은 비교에서 뺐습니다."),
    )


if __name__ == "__main__":
    sys.exit(main(run))

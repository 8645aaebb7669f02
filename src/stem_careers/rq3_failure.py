"""RQ3: how strong is failure stigma, and does it predict risk-avoiding research and intent to leave?

Weighted means of fear of failure, institutional failure stigma, psychological safety and learning from
failure by sector; agreement with each stigma item; knowledge of honest-failure recognition; logistic model
of choosing safe research on stigma; proportional-odds model of the likelihood of leaving science;
reliability of the four failure scales.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import (Study, by_table, coef_table, item_means, main, model_table, odds_text, prop_table,
                                 relabel, rows, tidy, tr)
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ3", "Failure stigma, safe research and leaving"
QUESTION = ("How strong is failure stigma (a failed project recorded as failure, limiting future funding; safe "
            "goals on purpose), and does it predict risk-avoiding research and intent to leave?")
SCALES = ("fear_failure", "fail_stigma", "psych_safety", "learn_failure")
STIG = ("stig_record", "stig_sanction", "stig_funding", "stig_safe", "stig_tolerant", "stig_unknown", "stig_rarely")
CONTROLS = "female + C(age_group, Treatment('30-39')) + C(sector_name, Treatment('University'))"
TITLE_KO = "실패 낙인, 안전한 연구, 이탈"
QUESTION_KO = ("실패 낙인(실패한 과제가 실패로 기록되어 이후 연구비를 제한하고, 일부러 안전한 목표를 세우게 함)은 얼마나 "
               "강하며, 위험을 피하는 연구와 이탈 의향을 예측합니까?")


def run(study: Study, lang: str = "en") -> "cs.AnalysisResult":
    """Failure stigma: levels, items, and what it predicts."""
    d, q = study.design, study.questionnaire
    data = d.data
    tables, figures, findings = [], [], []
    names = [q.scales[s].label.get(lang) or s for s in SCALES]  # the scales as the questionnaire names them
    means = by_table(d, [f"s_{s}" for s in SCALES], "sector_name", lang=lang)
    means.index = names
    tables.append(cs.Table("scales_sector", tr(lang, "Failure scales by sector (mean, 1-5)",
                                               "부문별 실패 관련 척도(평균, 1-5)"), means))
    overall = tidy(d.mean([f"s_{s}" for s in SCALES], na_rm=True), d=d, columns=[f"s_{s}" for s in SCALES])
    overall.index = names
    tables.append(cs.Table("scales_overall", tr(lang, "Failure scales, researchers in Korea (mean, 1-5)",
                                                "실패 관련 척도, 국내 연구자(평균, 1-5)"), overall))
    st = prop_table(d, "s_fail_stigma", "sector_name", lang)
    figures.append(cs.estimate_plot(st, "stigma_sector", tr(lang, "Institutional failure stigma by sector (mean, 1-5)",
                                                            "부문별 조직의 실패 낙인(평균, 1-5)"),
                                    percent=False, xlabel=tr(lang, "mean score", "평균 점수"), lang=lang))
    items = item_means(d, q, STIG, top=True, lang=lang)
    tables.append(cs.Table("stigma_items", tr(lang, "Agreement with each failure-stigma statement",
                                              "실패 낙인 진술별 동의 비율"), items,
                           tr(lang, "Weighted share agreeing or strongly agreeing; stig_tolerant is reverse-keyed.",
                              "'동의' 또는 '매우 동의'의 가중 비율. stig_tolerant는 역문항입니다.")))
    keyed = items[~items["item"].isin(q.scales["fail_stigma"].reverse)]  # reverse-keyed: agreeing is no stigma
    top = keyed.iloc[0]
    findings.append(tr(lang, f"Most agreed stigma statement: '{keyed.index[0]}' ({top.estimate:.0%}, 95% CI "
                             f"{top.ci_low:.0%}-{top.ci_high:.0%}).",
                       f"가장 많이 동의한 낙인 진술: '{keyed.index[0]}'({top.estimate:.0%}, 95% 신뢰구간 "
                       f"{top.ci_low:.0%}-{top.ci_high:.0%})."))
    if rows(d)["honest_fail_level"].notna().sum() >= 10:
        knows = d.subset(data["honest_fail_level"].notna())
        aware = tidy(knows.mean("honest_fail_level", na_rm=True, ci="logit"), prefix="honest_fail_level", d=knows,
                     columns=["honest_fail_level"])
        aware = relabel(aware, lang)
        tables.append(cs.Table("honest_fail", tr(lang, "Knowledge of honest-failure (성실실패) recognition",
                                                 "성실실패 인정 제도에 대한 인지"), aware,
                               tr(lang, "Weighted shares among researchers and graduate students.",
                                  "연구자와 대학원생 중 가중 비율.")))
        findings.append(tr(lang, f"{aware['estimate'].iloc[0]:.0%} have never heard of honest-failure recognition.",
                           f"{aware['estimate'].iloc[0]:.0%}는 성실실패 인정 제도를 들어 본 적이 없습니다."))
    fit = d.subset(data["safe_research"].notna() & data["s_fail_stigma"].notna()).glm(
        "safe_research ~ s_fail_stigma + s_fear_failure + s_psych_safety + " + CONTROLS, family="binomial")
    tab = coef_table(fit)
    tables.append(model_table(fit, "model_safe_research",
                              tr(lang, "Logistic model: chose safe topics or targets on purpose",
                                 "로지스틱 모형: 일부러 안전한 주제나 목표를 택함"),
                              tr(lang, "Design-based logistic regression among researchers and graduate students.",
                                 "연구자와 대학원생을 대상으로 한 표본설계 기반 로지스틱 회귀."), lang=lang))
    r = tab.loc["Failure stigma (1-5)"]
    findings.append(tr(lang, f"Each point of failure stigma multiplies the odds of choosing safe research by "
                             f"{odds_text(r)}.",
                       f"실패 낙인이 1점 높을 때마다 안전한 연구를 택할 오즈가 {odds_text(r, lang)}배가 됩니다."))
    figures.append(cs.forest_plot(relabel(tab, lang), "model_safe_research",
                                  tr(lang, "Odds ratios: chose safe research", "오즈비: 안전한 연구를 택함"), lang=lang))
    olr = d.subset(data["ti_leave_science"].notna()).ordinal(
        "ti_leave_science ~ s_fail_stigma + s_fear_failure + s_psych_safety + s_learn_failure + " + CONTROLS)
    otab = coef_table(olr, drop_intercept=False)
    tables.append(model_table(olr, "model_leave_science",
                              tr(lang, "Proportional-odds model: likelihood of leaving science (1-5)",
                                 "비례 오즈 모형: 과학계를 떠날 가능성(1-5)"),
                              tr(lang, "Design-based ordinal logit (as R svyolr).",
                                 "표본설계 기반 순서형 로짓(R svyolr와 같음)."), lang=lang))
    r = otab.loc["Failure stigma (1-5)"]
    findings.append(tr(lang, f"Failure stigma and leaving science: odds ratio {odds_text(r)} per point with fear of "
                             "failure, safety and learning held constant.",
                       f"실패 낙인과 과학계 이탈: 실패에 대한 두려움, 안전감, 실패에서 배움을 통제했을 때 1점당 오즈비 "
                       f"{odds_text(r, lang)}."))
    rel = cs.reliability_table(rows(d), q, scales=list(SCALES))
    rel.index = [q.scales[s].label.get(lang) or s if s in q.scales else s for s in rel.index]
    tables.append(cs.Table("reliability", tr(lang, "Reliability of the failure scales", "실패 관련 척도의 신뢰도"),
                           rel, tr(lang, "Cronbach's alpha with Feldt 95% CI, McDonald's omega total, one-factor fit.",
                                   "크론바흐 알파와 Feldt 95% 신뢰구간, McDonald의 오메가(전체), 1요인 적합."),
                           flag=False))
    facts = {"stigma_on_leave_science": float(r.estimate),
             "stigma_on_safe_research": float(tab.loc["Failure stigma (1-5)", "estimate"])}
    return cs.AnalysisResult(
        key=KEY, title=tr(lang, TITLE, TITLE_KO), question=tr(lang, QUESTION, QUESTION_KO), tables=tuple(tables),
        figures=tuple(figures), findings=tuple(findings), facts=facts,
        methods=tr(lang, "Scale scores are item means (reverse-keyed items reversed) when enough items were "
                         "answered. Safe research = agreeing that topics or targets were chosen safe on purpose. "
                         "Models use the raked weights and the stratified cluster design.",
                   "척도 점수는 충분한 문항에 응답한 경우의 문항 평균(역문항은 뒤집음)입니다. 안전한 연구는 일부러 "
                   "안전한 주제나 목표를 택했다는 데 동의한 경우입니다. 모형은 레이킹한 가중치와 층화 집락 표본설계를 "
                   "사용합니다."),
    )


if __name__ == "__main__":
    sys.exit(main(run))

"""RQ4: how do researchers rate their environment (evaluation horizon, top-down management, autonomy,
budget cuts, bureaucracy, duplication, conference support, fragmentation, data access, seniority-based
hiring, commercial pressure)?

Weighted agreement with each environment and autonomy statement with CIs, the same by sector, the impact
of R&D budget cuts, administrative time share and months from proposal to funding, and Rao-Scott tests.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import Study, by_table, groups, item_means, main, p_text, shares, tr
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ4", "The research environment"
QUESTION = ("How do researchers rate their environment: short-term evaluation, top-down management, autonomy, "
            "budget cuts, bureaucracy, duplication, support, fragmentation, data access, seniority-based hiring "
            "and pressure toward quickly profitable topics?")
ENV = ("env_short_eval", "env_topdown", "env_budget_slow", "env_admin_burden", "env_duplicate", "env_conf_support",
       "env_fragment", "env_hire_senior", "env_promo_senior", "env_commercial")
#: Access to data, asked only of those whose research needs such data (data_need), on its own 5-point scale.
DATA = ("env_data_public", "env_data_health")
AUTO = ("auto_topic", "auto_method", "auto_schedule", "auto_explore", "auto_judge", "auto_approval")


TITLE_KO = "연구 환경"
QUESTION_KO = ("연구자는 단기 평가, 하향식 관리, 자율성, 예산 삭감, 행정 부담, 중복, 지원, 파편화, 데이터 접근, 연공서열 "
               "중심 채용, 빨리 돈이 되는 주제로 향하는 압력 등 연구 환경을 어떻게 평가합니까?")


def run(study: Study, lang: str = "en") -> "cs.AnalysisResult":
    """The research environment: agreement with each statement, by sector, and the numbers."""
    d, q = study.design, study.questionnaire
    data = d.data
    tables, figures, findings = [], [], []
    env = item_means(d, q, ENV, top=True, lang=lang)
    tables.append(cs.Table("environment", tr(lang, "Agreement with statements about the research environment",
                                             "연구 환경에 관한 진술에 동의하는 비율"), env,
                           tr(lang, "Weighted share agreeing or strongly agreeing (researchers and graduate students).",
                              "'동의' 또는 '매우 동의'의 가중 비율(연구자와 대학원생).")))
    figures.append(cs.estimate_plot(env, "environment", tr(lang, "Agree: research environment", "동의: 연구 환경"),
                                    caption=tr(lang, "Weighted percent agreeing, 95% CI.", "동의 가중 백분율, 95% 신뢰구간."),
                                    lang=lang))
    for i in range(min(3, len(env))):
        r = env.iloc[i]
        findings.append(tr(lang, f"{r.estimate:.0%} (95% CI {r.ci_low:.0%}-{r.ci_high:.0%}) agree: {env.index[i]}",
                           f"{r.estimate:.0%}(95% 신뢰구간 {r.ci_low:.0%}-{r.ci_high:.0%})가 동의: {env.index[i]}"))
    access = item_means(d, q, DATA, top=True, lang=lang)
    tables.append(cs.Table("data_access", tr(lang, "Can use the data they need (mostly or freely), among those who "
                                                   "need it", "필요한 데이터를 (대체로 또는 자유롭게) 쓸 수 있는 비율, "
                                                             "필요한 사람 중"),
                           access, tr(lang, "Weighted share answering 'mostly' or 'freely'; asked only of those whose "
                                            "research needs public-sector or health data.",
                                      "'대체로' 또는 '자유롭게'라고 답한 가중 비율이며, 연구에 공공 데이터나 보건 "
                                      "데이터가 필요한 사람에게만 물었습니다.")))
    auto = item_means(d, q, AUTO, top=True, lang=lang)
    tables.append(cs.Table("autonomy", tr(lang, "Agreement with statements about research autonomy",
                                          "연구 자율성에 관한 진술에 동의하는 비율"), auto))
    figures.append(cs.estimate_plot(auto, "autonomy", tr(lang, "Agree: research autonomy", "동의: 연구 자율성"),
                                    lang=lang))
    by_sector = by_table(d, [f"top_{v}" for v in ENV + AUTO], "sector_name", q=q, lang=lang)
    tables.append(cs.Table("environment_sector", tr(lang, "Agreement by sector (% agreeing)", "부문별 동의 비율(%)"),
                           by_sector, percent_columns=shares(by_sector)))
    figures.append(cs.heatmap(by_sector[groups(by_sector)], "environment_sector", tr(lang, "Agree, by sector (percent)",
                                                                  "부문별 동의(%)"),
                              caption=tr(lang, "Weighted percent agreeing or strongly agreeing with each statement.",
                                         "각 진술에 '동의' 또는 '매우 동의'한 가중 백분율."), lang=lang))
    nums = by_table(d, ["env_budget_cut24", "env_admin_pct", "env_funding_months", "s_autonomy", "s_env_problems"],
                    "sector_name", lang=lang)
    nums.index = (["R&D 예산 삭감의 영향(1-5)", "행정 업무 시간(근무 시간의 %)", "제안에서 연구비 지급까지 개월 수",
                   "자율성 점수(1-5)", "환경 문제 점수(1-5)"] if lang == "ko" else
                  ["R&D budget-cut impact (1-5)", "admin time (% of work)", "months from proposal to funding",
                   "autonomy score (1-5)", "environment-problem score (1-5)"])
    tables.append(cs.Table("numbers_sector", tr(lang, "Budget-cut impact (1-5), admin time (%), months to funding, "
                                                      "autonomy and environment-problem scores, by sector (weighted "
                                                      "means)",
                                                "부문별 예산 삭감 영향(1-5), 행정 업무 시간(%), 연구비 지급까지 개월 수, "
                                                "자율성과 환경 문제 점수(가중 평균)"), nums, digits=2))
    admin = d.mean("env_admin_pct", na_rm=True).iloc[0]
    findings.append(tr(lang, f"Researchers spend on average {admin.estimate:.0f}% of their working time on "
                             f"administration (95% CI {admin.ci_low:.0f}-{admin.ci_high:.0f}).",
                       f"연구자는 근무 시간의 평균 {admin.estimate:.0f}%를 행정 업무에 씁니다(95% 신뢰구간 "
                       f"{admin.ci_low:.0f}-{admin.ci_high:.0f})."))
    months = d.mean("env_funding_months", na_rm=True).iloc[0]
    findings.append(tr(lang, f"From proposal to money takes {months.estimate:.1f} months on average.",
                       f"연구 제안에서 연구비 지급까지 평균 {months.estimate:.1f}개월이 걸립니다."))
    sector = "sector_in_scope" if "sector_in_scope" in data else "sector_name"
    test = d.subset(data["top_env_short_eval"].notna() & data[sector].notna()).chisq("top_env_short_eval", sector)
    findings.append(tr(lang, f"Agreement that evaluation is short-term differs by sector: Rao-Scott F = "
                             f"{test.statistic:.2f}, {p_text(test.p_value)}.",
                       f"평가가 단기적이라는 데 대한 동의는 부문에 따라 다릅니다: Rao-Scott F = {test.statistic:.2f}, "
                       f"{p_text(test.p_value)}."))
    return cs.AnalysisResult(
        key=KEY, title=tr(lang, TITLE, TITLE_KO), question=tr(lang, QUESTION, QUESTION_KO), tables=tuple(tables),
        figures=tuple(figures), findings=tuple(findings),
        methods=tr(lang, "Asked of graduate students, postdocs, researchers and faculty. Shares count 'agree' and "
                         "'strongly agree'; weighted with the raked weights, CIs and Rao-Scott tests from the design.",
                   "대학원생, 박사후연구원, 연구원, 교수에게 물었습니다. 비율은 '동의'와 '매우 동의'를 셉니다. 레이킹한 "
                   "가중치로 가중했고, 신뢰구간과 Rao-Scott 검정은 표본설계를 반영합니다."),
    )


if __name__ == "__main__":
    sys.exit(main(run))

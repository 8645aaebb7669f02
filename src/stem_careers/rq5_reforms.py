"""RQ5: which reforms would keep researchers in Korea and in science, and what would bring back those abroad?

Weighted mean help rating (1-5) and share saying a reform would help a lot, for each reform, ranked with
CIs and by role; for respondents abroad (outside the raking population, design weights) the likelihood of
coming back and the condition that matters most.
"""

from __future__ import annotations

import sys

import careersurvey as cs
from stem_careers.common import Study, by_table, item_means, main, shares, tidy, tr
# the plug-in protocol (README, Plug-in analyses): the study these questions run on, the questionnaire they need
from stem_careers.common import QUESTIONNAIRE, load_study  # noqa: F401

KEY, TITLE = "RQ5", "Reforms that would keep or bring back researchers"
QUESTION = ("Which reforms would keep or bring them back (pay, long-term funding, failure-tolerant evaluation, "
            "autonomy, start-ups, team projects, faster budgeting, data access), and what would bring back "
            "those abroad?")
REFORMS = ("ref_pay", "ref_perfpay", "ref_longfund", "ref_failtol", "ref_autonomy", "ref_startup", "ref_team",
           "ref_fastbudget", "ref_data")


TITLE_KO = "연구자를 붙잡거나 다시 불러올 개혁"
QUESTION_KO = ("어떤 개혁(보수, 장기 연구비, 실패를 용인하는 평가, 자율성, 창업, 팀 과제, 빠른 예산 집행, 데이터 접근)이 "
               "연구자를 붙잡거나 다시 불러올 수 있으며, 해외에 있는 사람은 무엇이 있어야 돌아오겠습니까?")


def run(study: Study, lang: str = "en") -> "cs.AnalysisResult":
    """Reforms: ranked help ratings, by role, and what would bring people back."""
    d, q = study.design, study.questionnaire
    tables, figures, findings = [], [], []
    means = item_means(d, q, REFORMS, lang=lang)
    tables.append(cs.Table("reforms_mean", tr(lang, "How much each reform would help (mean, 1-5)",
                                              "각 개혁이 얼마나 도움이 되겠는가(평균, 1-5)"), means))
    figures.append(cs.estimate_plot(means, "reforms", tr(lang, "How much each reform would help",
                                                         "각 개혁이 얼마나 도움이 되겠는가"),
                                    percent=False, xlabel=tr(lang, "mean rating (1 = not at all, 5 = a great deal)",
                                                             "평균 평점(1 = 전혀 아님, 5 = 매우 많이)"), lang=lang))
    share = item_means(d, q, REFORMS, top=True, lang=lang)
    tables.append(cs.Table("reforms_share", tr(lang, "Would help a lot or a great deal (share)",
                                               "많이 또는 매우 많이 도움이 될 것(비율)"), share))
    findings.append(tr(lang, f"Highest-rated reform: {means.index[0]} (mean {means.estimate.iloc[0]:.2f}, 95% CI "
                             f"{means.ci_low.iloc[0]:.2f}-{means.ci_high.iloc[0]:.2f}); lowest: {means.index[-1]} "
                             f"({means.estimate.iloc[-1]:.2f}).",
                       f"가장 높게 평가된 개혁: {means.index[0]}(평균 {means.estimate.iloc[0]:.2f}, 95% 신뢰구간 "
                       f"{means.ci_low.iloc[0]:.2f}-{means.ci_high.iloc[0]:.2f}); 가장 낮은 개혁: {means.index[-1]}"
                       f"({means.estimate.iloc[-1]:.2f})."))
    by_role = by_table(d, [f"top_{r}" for r in REFORMS], "role_group", q=q, lang=lang)
    tables.append(cs.Table("reforms_role", tr(lang, "Would help a lot or a great deal, by role (%)",
                                              "역할별, 많이 또는 매우 많이 도움이 될 것(%)"), by_role,
                           percent_columns=shares(by_role)))
    full = study.full
    abroad = full.data["sector"] == 7
    n_abroad = int(abroad.sum())
    if n_abroad >= 10:
        dom = full.subset(abroad & full.data["back_intent"].notna())
        back = tidy(dom.mean("top_back_intent", na_rm=True, ci="logit"), d=dom, columns=["top_back_intent"])
        back.index = [tr(lang, "likely or very likely to come back", "돌아올 가능성이 높거나 매우 높음")]
        tables.append(cs.Table("back_intent", tr(lang, "Abroad: likely to come back to Korea within five years",
                                                 "해외 거주자: 5년 안에 한국으로 돌아올 가능성"), back,
                               tr(lang, "Respondents working abroad, design weights.",
                                  "해외에서 일하는 응답자, 설계가중치.")))
        named = full.subset(abroad & full.data["back_main_label"].notna())
        why = tidy(named.mean("back_main_label", na_rm=True, ci="logit"), prefix="back_main_label", d=named,
                   columns=["back_main_label"])
        why = why.sort_values("estimate", ascending=False)
        if lang == "ko":  # the questionnaire's own Korean words for the conditions
            ko = {c.label.get("en", str(c.code)): c.label.get("ko", c.label.get("en", str(c.code)))
                  for c in q.item("back_main").choices.choices}
            why.index = [ko.get(i, i) for i in why.index]
        tables.append(cs.Table("back_main", tr(lang, "Abroad: the condition that would matter most for coming back",
                                               "해외 거주자: 돌아오는 데 가장 중요한 조건"), why))
        figures.append(cs.estimate_plot(why, "back_main", tr(lang, "Abroad: what would bring them back",
                                                             "해외 거주자: 무엇이 있으면 돌아오겠는가"),
                                        caption=tr(lang, "Share naming each condition first; design weights, 95% CI.",
                                                   "각 조건을 가장 먼저 꼽은 비율; 설계가중치, 95% 신뢰구간."),
                                        lang=lang))
        findings.append(tr(lang, f"Of respondents abroad (n = {n_abroad}), {back.estimate.iloc[0]:.0%} are likely to "
                                 f"come back within five years; the condition named most often: {why.index[0]} "
                                 f"({why.estimate.iloc[0]:.0%}).",
                           f"해외 응답자(n = {n_abroad}) 가운데 {back.estimate.iloc[0]:.0%}가 5년 안에 돌아올 가능성이 "
                           f"높습니다. 가장 많이 꼽은 조건: {why.index[0]}({why.estimate.iloc[0]:.0%})."))
    else:
        findings.append(tr(lang, f"Only {n_abroad} respondents work abroad in this dataset: too few to estimate what "
                                 "would bring them back.",
                           f"이 자료에서 해외에서 일하는 응답자는 {n_abroad}명뿐이어서 무엇이 그들을 돌아오게 할지 "
                           "추정하기에 너무 적습니다."))
    return cs.AnalysisResult(
        key=KEY, title=tr(lang, TITLE, TITLE_KO), question=tr(lang, QUESTION, QUESTION_KO), tables=tuple(tables),
        figures=tuple(figures), findings=tuple(findings),
        methods=tr(lang, "Help ratings on a five-point scale; shares count 'would help a lot' and 'a great deal'. "
                         "Respondents abroad are outside the raking targets (researchers in Korea) and are described "
                         "with their design weights only.",
                   "도움 정도는 5점 척도이며, 비율은 '많이 도움'과 '매우 많이 도움'을 셉니다. 해외 응답자는 레이킹 "
                   "목표(국내 연구자) 밖에 있으므로 설계가중치만으로 설명합니다."),
    )


if __name__ == "__main__":
    sys.exit(main(run))

"""The report's own words in Korean and English: one catalogue, both languages complete.

Every heading, column name, footnote and figure label the report writes by itself is a key here with its
English and Korean text (ko in 합니다체); what the questionnaire says (item wordings, category labels) comes
from the questionnaire in the report's language. ``text(key, lang, **values)`` formats a string;
``tests/report/test_i18n.py`` checks that no key lacks a language and that both languages take the same values.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGS", "STRINGS", "check_lang", "text", "label_in"]

#: The report's languages.
LANGS = ("en", "ko")

#: key -> {language: text}; ``{name}`` fields are filled by :func:`text`.
STRINGS: dict[str, dict[str, str]] = {
    # -- page frame ------------------------------------------------------------------------------------
    "page.generated": {"en": "Generated {when} · questionnaire {questionnaire} · careersurvey {version}",
                       "ko": "작성 {when} · 설문지 {questionnaire} · careersurvey {version}"},
    "page.contents": {"en": "Contents", "ko": "목차"},
    "page.findings": {"en": "Findings", "ko": "주요 결과"},
    "page.methods": {"en": "Methods.", "ko": "방법."},
    "page.subtitle": {"en": "Design-based estimates with 95% confidence intervals",
                      "ko": "표본설계를 반영한 추정값과 95% 신뢰구간"},
    "page.failed": {"en": "{key} failed: {message}", "ko": "{key} 분석이 실패했습니다: {message}"},
    "page.table": {"en": "Table {number}.", "ko": "표 {number}."},
    "page.figure": {"en": "Figure {number}.", "ko": "그림 {number}."},
    # -- table columns ---------------------------------------------------------------------------------
    "col.n": {"en": "n (unweighted)", "ko": "응답자 수(가중 전)"},
    "col.estimate": {"en": "Estimate", "ko": "추정값"},
    "col.percent": {"en": "%", "ko": "%"},
    "col.mean": {"en": "Mean", "ko": "평균"},
    "col.se": {"en": "SE", "ko": "표준오차"},
    "col.se_pct": {"en": "SE (% points)", "ko": "표준오차(%p)"},
    "col.ci": {"en": "95% CI", "ko": "95% 신뢰구간"},
    "col.ci_of": {"en": "95% CI of {what}", "ko": "{what}의 95% 신뢰구간"},
    "col.ci_low": {"en": "95% CI lower", "ko": "95% 신뢰구간 하한"},
    "col.ci_high": {"en": "95% CI upper", "ko": "95% 신뢰구간 상한"},
    "col.deff": {"en": "Design effect", "ko": "설계효과"},
    "col.df": {"en": "Design df", "ko": "설계 자유도"},
    "col.cv": {"en": "CV", "ko": "변동계수"},
    "col.p_value": {"en": "p", "ko": "p값"},
    "col.odds_ratio": {"en": "Odds ratio", "ko": "오즈비"},
    "col.statistic": {"en": "Statistic", "ko": "검정통계량"},
    "col.k": {"en": "Items", "ko": "문항 수"},
    "col.alpha": {"en": "Cronbach's alpha", "ko": "크론바흐 알파"},
    "col.std_alpha": {"en": "Standardised alpha", "ko": "표준화 알파"},
    "col.omega_total": {"en": "Omega total", "ko": "오메가(전체)"},
    "col.variance_explained": {"en": "Variance explained", "ko": "설명된 분산"},
    "col.rmsr": {"en": "RMSR", "ko": "잔차상관 RMSR"},
    "col.flag": {"en": "Note", "ko": "비고"},
    "col.item": {"en": "Item", "ko": "문항"},
    "col.value": {"en": "Value", "ko": "값"},
    "col.term": {"en": "Term", "ko": "항"},
    "col.scale": {"en": "Scale", "ko": "척도"},
    "col.rows": {"en": "Rows", "ko": "행 수"},
    "col.respondents": {"en": "Respondents", "ko": "응답자 수"},
    "col.response_rate": {"en": "Response rate (%)", "ko": "응답률(%)"},
    "col.target": {"en": "Target", "ko": "목표"},
    "col.unweighted": {"en": "Unweighted", "ko": "가중 전"},
    "col.weighted": {"en": "Weighted", "ko": "가중 후"},
    "col.design_weights": {"en": "Design weights", "ko": "설계가중치"},
    "col.institutions": {"en": "Institutions", "ko": "기관 수"},
    "col.invited": {"en": "Invited", "ko": "조사 대상자 수"},
    "col.responded": {"en": "Responded", "ko": "응답자 수"},
    "col.kind": {"en": "Kind of file", "ko": "파일 종류"},
    "col.questionnaire_version": {"en": "Questionnaire version", "ko": "설문지 버전"},
    "col.rows_in": {"en": "Rows received", "ko": "받은 행 수"},
    "col.accepted": {"en": "Accepted", "ko": "승인"},
    "col.quarantined": {"en": "Quarantined", "ko": "격리"},
    "col.warnings": {"en": "Warnings", "ko": "경고"},
    "col.file": {"en": "File", "ko": "파일"},
    "col.file_name": {"en": "File", "ko": "파일"},
    "col.row": {"en": "Row", "ko": "행"},
    "col.rule": {"en": "Rule", "ko": "규칙"},
    "col.message": {"en": "Problem", "ko": "문제"},
    "col.severity": {"en": "Severity", "ko": "심각도"},
    "col.sector": {"en": "Sector", "ko": "부문"},
    "col.margin": {"en": "Margin: category", "ko": "주변 분포: 범주"},
    "col.base": {"en": "Base", "ko": "기준"},
    "col.kish_deff": {"en": "Kish design effect", "ko": "Kish 설계효과"},
    "col.effective_n": {"en": "Effective n", "ko": "유효표본 수"},
    "col.min_r_drop": {"en": "Lowest item-rest correlation", "ko": "최저 문항-나머지 상관"},
    # -- reliability flags -----------------------------------------------------------------------------
    "flag.unreliable": {"en": "*", "ko": "*"},
    "flag.review": {"en": "†", "ko": "†"},
    "flag.rule_proportion": {
        "en": "* Unreliable under the NCHS standard for proportions (Korn-Graubard 95% interval): effective n "
              "below 30, an interval 30 percentage points wide or more, or wider than 5 points and 130% of the "
              "estimate; interpret with caution. † Review: fewer than 8 design degrees of freedom or an "
              "estimate of 0% or 100%.",
        "ko": "* NCHS 비율 발표 기준(Korn-Graubard 95% 신뢰구간)에 따라 신뢰도가 낮은 추정값입니다: 유효표본 수가 "
              "30 미만이거나, 신뢰구간 폭이 30%p 이상이거나, 5%p를 넘으면서 추정값의 130%를 넘습니다. 해석에 "
              "주의하십시오. † 검토 필요: 설계 자유도가 8 미만이거나 추정값이 0% 또는 100%입니다."},
    "flag.rule_estimate": {
        "en": "* Unreliable: relative standard error above 30% or effective n (n / design effect) below 30; "
              "interpret with caution.",
        "ko": "* 신뢰도가 낮은 추정값입니다: 상대표준오차가 30%를 넘거나 유효표본 수(n / 설계효과)가 30 "
              "미만입니다. 해석에 주의하십시오."},
    "note.percent": {"en": "Weighted percentages, shown with {digits} decimal(s).",
                     "ko": "가중 백분율이며 소수점 {digits}자리까지 표시합니다."},
    "note.weighted_n": {"en": "Estimates are weighted; n is the number of respondents who answered (unweighted).",
                        "ko": "추정값은 가중치를 적용한 값이며, n은 응답한 사람의 수(가중 전)입니다."},
    # -- models ----------------------------------------------------------------------------------------
    "model.reference": {"en": "Reference categories: {refs}.", "ko": "기준 범주: {refs}."},
    "model.fit": {"en": "n = {n}; design df = {df}; Wald test of all terms: F({ndf}, {ddf}) = {F}, {p}; "
                        "pseudo-R² ({kind}) = {r2}.",
                  "ko": "n = {n}; 설계 자유도 = {df}; 전체 항에 대한 Wald 검정: F({ndf}, {ddf}) = {F}, {p}; "
                        "유사 R²({kind}) = {r2}."},
    "model.fit_no_r2": {"en": "n = {n}; design df = {df}; Wald test of all terms: F({ndf}, {ddf}) = {F}, {p}.",
                        "ko": "n = {n}; 설계 자유도 = {df}; 전체 항에 대한 Wald 검정: F({ndf}, {ddf}) = {F}, {p}."},
    "model.cutpoint": {"en": "Cut-point {cut}", "ko": "절단점 {cut}"},
    "model.intercept": {"en": "Intercept", "ko": "절편"},
    "col.log_odds": {"en": "Coefficient (log odds)", "ko": "계수(로그 오즈)"},
    "col.coefficient": {"en": "Coefficient", "ko": "계수"},
    # -- contents sheet of the tables workbook ---------------------------------------------------------
    "xlsx.contents": {"en": "Contents", "ko": "목차"},
    "xlsx.sheet": {"en": "Sheet", "ko": "시트"},
    "xlsx.title": {"en": "Table", "ko": "표"},
    "xlsx.section": {"en": "Section", "ko": "절"},
    "xlsx.notes": {"en": "Notes", "ko": "주"},
    # -- figures ---------------------------------------------------------------------------------------
    "fig.percent": {"en": "percent", "ko": "백분율(%)"},
    "fig.odds_ratio": {"en": "odds ratio (log scale)", "ko": "오즈비(로그 척도)"},
    "fig.coefficient": {"en": "coefficient", "ko": "계수"},
    "fig.weight": {"en": "weight (persons represented)", "ko": "가중치(대표하는 인원)"},
    "fig.respondents": {"en": "respondents", "ko": "응답자 수"},
    "fig.weights_title": {"en": "Distribution of final weights", "ko": "최종 가중치의 분포"},
    "fig.margins_title": {"en": "Weighting targets and sample shares", "ko": "가중 목표와 표본 구성비"},
    "fig.target": {"en": "target", "ko": "목표"},
    "fig.unweighted": {"en": "unweighted", "ko": "가중 전"},
    "fig.weighted": {"en": "weighted", "ko": "가중 후"},
    "p.less": {"en": "p < 0.001", "ko": "p < 0.001"},
    "p.equal": {"en": "p = {p}", "ko": "p = {p}"},
}


def check_lang(lang: str) -> str:
    """``lang`` if the report speaks it, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"the report is written in {' or '.join(LANGS)}, not {lang!r}; pass --lang en or --lang ko")
    return lang


def text(key: str, lang: str = "en", /, **values: object) -> str:
    """The catalogue's text of ``key`` in ``lang``, its ``{fields}`` filled from ``values``."""
    try:
        entry = STRINGS[key]
    except KeyError:
        raise KeyError(f"the report's catalogue (report/i18n.py) has no string {key!r}; add it in both "
                       f"languages") from None
    s = entry[check_lang(lang)]
    return s.format(**values) if values else s


def label_in(labels: Mapping[str, str] | str | None, lang: str, default: str = "") -> str:
    """A questionnaire label (a mapping language -> text) in ``lang``, else in the other language, else
    ``default``."""
    if labels is None:
        return default
    if isinstance(labels, str):
        return labels
    return labels.get(lang) or next((v for v in labels.values() if v), default)
